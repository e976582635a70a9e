import {execFile, execFileSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'
import type {TestProject} from 'vitest/node'

/** What tests get from `inject(...)` once the gateway is up. */
declare module 'vitest' {
  interface ProvidedContext {
    s3Endpoint: string
    s3AccessKey: string
    s3SecretKey: string
    s3Region: string
  }
}

const startScript = fileURLToPath(new URL('start-rgw.sh', import.meta.url))
const stopScript = fileURLToPath(new URL('stop-rgw.sh', import.meta.url))

/** Parses the `KEY=VALUE` lines start-rgw.sh prints last, e.g. `RGW_ENDPOINT=http://127.0.0.1:7480`. */
function parseOutput(stdout: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of stdout.split('\n')) {
    const m = /^(RGW_[A-Z_]+)=(.*)$/.exec(line.trim())
    if (m) out[m[1]] = m[2]
  }
  return out
}

function runStart(): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    execFile(startScript, [], {timeout: 120_000, maxBuffer: 16 * 1024 * 1024}, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`test S3 server (Ceph radosgw) did not start: ${err.message}\n${stderr}`))
        return
      }
      const vars = parseOutput(stdout)
      for (const key of ['RGW_ENDPOINT', 'RGW_ACCESS_KEY', 'RGW_SECRET_KEY', 'RGW_REGION', 'RGW_DIR']) {
        if (!vars[key]) {
          reject(new Error(`test S3 server: start-rgw.sh printed no ${key}\n${stdout}\n${stderr}`))
          return
        }
      }
      resolve(vars)
    })
  })
}

/**
 * vitest globalSetup: one Ceph RADOS Gateway on 127.0.0.1 per test run. Throws when it cannot
 * start, so S3 tests fail instead of being skipped.
 * @example
 *   // vitest.config.ts: test: {globalSetup: ['test/s3/global-setup.ts']}
 *   const endpoint = inject('s3Endpoint')
 */
export default async function setup({provide}: TestProject): Promise<() => void> {
  const vars = await runStart()
  const dir = vars.RGW_DIR
  let stopped = false
  const stop = (): void => {
    if (stopped) return
    stopped = true
    execFileSync(stopScript, [dir], {stdio: 'ignore', timeout: 30_000})
  }
  // An interrupted run (Ctrl-C, a crash) skips teardown; the daemons must not outlive it.
  process.once('exit', stop)

  provide('s3Endpoint', vars.RGW_ENDPOINT)
  provide('s3AccessKey', vars.RGW_ACCESS_KEY)
  provide('s3SecretKey', vars.RGW_SECRET_KEY)
  provide('s3Region', vars.RGW_REGION)
  // For code under test that builds its own client, and for child processes (the CLI).
  process.env.AWS_ACCESS_KEY_ID = vars.RGW_ACCESS_KEY
  process.env.AWS_SECRET_ACCESS_KEY = vars.RGW_SECRET_KEY
  process.env.AWS_REGION = vars.RGW_REGION
  process.env.RAPTR_TEST_S3_ENDPOINT = vars.RGW_ENDPOINT

  return () => {
    process.removeListener('exit', stop)
    stop()
  }
}
