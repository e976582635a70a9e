/**
 * Start-up figures, which do not depend on N: the wall time of `raptr --help`, and how
 * long after its start a command reaches `command: parsed, opening the archive` (printed
 * with the milliseconds since start under `RAPTR_DEBUG_TIMING=1`), for a few commands on
 * a small archive made outside the timing.
 */
import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {measure, tail} from './measure.js'
import {moduleMissing} from './peers.js'
import {median} from './report.js'
import type {Startup} from './results-file.js'

/** The commands whose time to "parsed" is measured, as argv after `raptr`. */
const PARSED_COMMANDS: Array<{name: string; args: (key: string) => string[]}> = [
  {name: 'package list', args: () => ['package', 'list']},
  {name: 'log', args: () => ['log']},
  {name: 'publish', args: (key) => ['publish', '--sign-key', key]},
]

const PARSED_MARK = /(\d+(?:\.\d+)?)\s*ms\b.*command: parsed/

/** The milliseconds since start at the "parsed" mark in a command's stderr, if any. Example: `parsedMs('[timing]  213 ms  … command: parsed, opening the archive') === 213` */
export function parsedMs(stderr: string): number | undefined {
  const line = stderr.split('\n').find((l) => PARSED_MARK.test(l))
  return line ? Number(PARSED_MARK.exec(line)![1]) : undefined
}

/**
 * Measures the start-up figures, `runs` times each after one untimed warm-up (Node's
 * compile cache is filled by the first run, as on a user's machine).
 * Example: `measureStartup(runJs, tmp, 5, keyFile)`
 */
export function measureStartup(runJs: string, tmp: string, runs: number, raptrKey: string): Startup {
  const work = fs.mkdtempSync(path.join(tmp, 'startup-'))
  const archive = path.join(work, 'archive')
  const env = {...process.env, RAPTR_ARCHIVE: archive}
  const raptr = (...args: string[]) => {
    const r = spawnSync(process.execPath, [runJs, ...args], {cwd: work, env, encoding: 'utf8'})
    if (r.status !== 0) throw new Error(`raptr ${args.join(' ')} exited ${r.status}: ${tail(r.stderr, 3)}`)
  }
  try {
    // A small archive, so every command has something to open.
    raptr('init', archive)
    raptr('distribution', 'add', 'bench', '--architectures', 'amd64')
    raptr('category', 'add', 'main', '--to', 'bench')
    raptr('backend', 'add', 'local', `file://${path.join(work, 'www')}`)

    // Node's own start-up, run between the --help runs so both see the same machine.
    const helpRuns: number[] = []
    const nodeRuns: number[] = []
    for (let i = 0; i <= runs; i++) {
      const n = measure({label: "node -e ''", command: process.execPath, args: ['-e', ''], cwd: work})
      if (i > 0 && n.ok) nodeRuns.push(n.wallSeconds)
      const r = measure({label: 'raptr --help', command: process.execPath, args: [runJs, '--help'], cwd: work})
      if (!r.ok && moduleMissing(r)) i--
      else if (i > 0 && r.ok) helpRuns.push(r.wallSeconds)
    }

    const parsed: Startup['parsed'] = PARSED_COMMANDS.map(({name, args}) => {
      const values: number[] = []
      let error: string | undefined
      for (let i = 0; i <= runs; i++) {
        const r = spawnSync(process.execPath, [runJs, ...args(raptrKey)], {cwd: work, env: {...env, RAPTR_DEBUG_TIMING: '1'}, encoding: 'utf8'})
        const ms = parsedMs(r.stderr ?? '')
        if (ms === undefined) {
          error = `no "command: parsed" line (exit ${r.status}): ${tail(r.stderr ?? '', 2)}`
          break
        }
        if (i > 0) values.push(ms / 1000)
      }
      return {command: name, medianSeconds: values.length ? median(values) : null, runs: values.length, ...(error ? {error} : {})}
    })
    return {
      help: helpRuns.length ? {medianSeconds: median(helpRuns), runs: helpRuns.length} : null,
      ...(nodeRuns.length ? {node: {medianSeconds: median(nodeRuns), runs: nodeRuns.length}} : {}),
      parsed,
    }
  } finally {
    fs.rmSync(work, {recursive: true, force: true})
  }
}
