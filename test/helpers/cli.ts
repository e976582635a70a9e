/**
 * Runs the built raptr CLI (`bin/run.js` over the bundle, `dist/raptr.js`) as a real process, the way users
 * and CI run it. `npm test` builds first.
 */
import {spawn, spawnSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const BIN = path.join(ROOT, 'bin', 'run.js')
export const FIXTURES = path.join(ROOT, 'fixtures')

export interface RunResult {
  code: number
  stdout: string
  stderr: string
}

const BASE_ENV = {
  RAPTR_AUTHOR_NAME: 'raptr tests',
  RAPTR_AUTHOR_EMAIL: 'tests@example.org',
  NO_COLOR: '1',
}

/** Runs `raptr ARGS` in `cwd`; never throws on a non-zero exit. */
export function raptr(args: string[], opts: {cwd: string; env?: Record<string, string | undefined>}): RunResult {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'raptr.js'))) throw new Error('dist/raptr.js is missing: run npm run build (npm test does)')
  const res = spawnSync(process.execPath, [BIN, ...args], {
    cwd: opts.cwd,
    env: {...process.env, ...BASE_ENV, ...opts.env},
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  })
  return {code: res.status ?? -1, stdout: res.stdout, stderr: res.stderr}
}

/** Async variant, for running several raptr processes at once. */
export function raptrAsync(args: string[], opts: {cwd: string; env?: Record<string, string | undefined>}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {cwd: opts.cwd, env: {...process.env, ...BASE_ENV, ...opts.env}})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('close', (code) => resolve({code: code ?? -1, stdout, stderr}))
  })
}

/** Runs raptr and fails the test with its output when it exits non-zero. */
export function ok(args: string[], opts: {cwd: string; env?: Record<string, string | undefined>}): RunResult {
  const res = raptr(args, opts)
  if (res.code !== 0) throw new Error(`raptr ${args.join(' ')} exited ${res.code}\nstdout: ${res.stdout}\nstderr: ${res.stderr}`)
  return res
}

/** Runs raptr with --json and parses stdout. */
export function okJson<T = any>(args: string[], opts: {cwd: string; env?: Record<string, string | undefined>}): T {
  return JSON.parse(ok([...args, '--json'], opts).stdout) as T
}

export function tempDir(prefix = 'raptr-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix))
}

/** Runs a command (git, gpgv, apt-get…) and returns its result; never throws. */
export function sh(cmd: string, args: string[], opts: {cwd?: string; env?: Record<string, string | undefined>; input?: string} = {}): RunResult {
  const res = spawnSync(cmd, args, {cwd: opts.cwd, env: {...process.env, ...opts.env}, encoding: 'utf8', input: opts.input, maxBuffer: 64 * 1024 * 1024})
  if (res.error) throw res.error
  return {code: res.status ?? -1, stdout: res.stdout, stderr: res.stderr}
}

/**
 * The archive's state as a test compares it: HEAD, git status (empty for an archive
 * without a work tree, which git refuses to show) and the names beside .git.
 */
export function archiveState(dir: string): {head: string; status: string; files: string} {
  const head = sh('git', ['rev-parse', 'HEAD'], {cwd: dir}).stdout.trim()
  const status = sh('git', ['status', '--porcelain'], {cwd: dir}).stdout
  const files = fs.readdirSync(dir).filter((n) => n !== '.git').sort().join('\n')
  return {head, status, files}
}

/** File `p` of the archive's current snapshot (archives have no work tree unless checked out). */
export function archiveFile(dir: string, p: string): string {
  const res = sh('git', ['show', `HEAD:${p}`], {cwd: dir})
  if (res.code !== 0) throw new Error(`git show HEAD:${p} in ${dir}: ${res.stderr}`)
  return res.stdout
}

/** Moves the archive's branch back to `head`: git reset --hard with a work tree, the ref alone without. */
export function resetArchive(dir: string, head: string): void {
  if (sh('git', ['reset', '-q', '--hard', head], {cwd: dir}).code === 0) return
  const res = sh('git', ['update-ref', 'HEAD', head], {cwd: dir})
  if (res.code !== 0) throw new Error(`cannot reset ${dir} to ${head}: ${res.stderr}`)
}
