/**
 * Runs one whole process under GNU time and records its wall time and peak RSS. A
 * scenario is a sequence of such processes: walls add up, the peak is the largest one.
 */
import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

/** One command of a scenario. */
export interface Step {
  /** A short label for failure reports, e.g. `repo add`. */
  label: string
  command: string
  args: string[]
  cwd?: string
  env?: NodeJS.ProcessEnv
}

/** What one process cost. */
export interface StepResult {
  label: string
  ok: boolean
  status: number | null
  wallSeconds: number
  maxRssKiB: number
  stdout: string
  stderr: string
}

const TIME = '/usr/bin/time'

/** The last lines of a process's output, for a failure report. Example: `tail('a\nb\nc', 2) === 'b\nc'` */
export function tail(text: string, lines = 5): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n')
}

/** Runs a step under GNU time. Example: `measure({label: 'help', command: 'node', args: ['bin/run.js', '--help']})` */
export function measure(step: Step): StepResult {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'raptr-bench-time-'))
  const timeFile = path.join(out, 'time')
  try {
    const started = process.hrtime.bigint()
    const child = spawnSync(TIME, ['-f', '%e %M', '-o', timeFile, step.command, ...step.args], {
      cwd: step.cwd,
      env: step.env ?? process.env,
      encoding: 'utf8',
      maxBuffer: 512 * 1024 * 1024,
    })
    const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9
    // GNU time writes "Command exited with non-zero status N" before the format line.
    const timeText = fs.existsSync(timeFile) ? fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop()! : ''
    const maxRssKiB = Number(timeText.split(' ')[1] ?? 0) || 0
    const stderr = (child.stderr ?? '') + (child.error ? `\n${child.error.message}` : '')
    return {
      label: step.label,
      ok: child.status === 0,
      status: child.status,
      wallSeconds,
      maxRssKiB,
      stdout: child.stdout ?? '',
      stderr,
    }
  } finally {
    fs.rmSync(out, {recursive: true, force: true})
  }
}

/** The sum of a scenario's processes. */
export interface ScenarioResult {
  ok: boolean
  wallSeconds: number
  maxRssKiB: number
  /** On failure: which step and the tail of its stderr. */
  error?: string
}

/** Thrown inside a scenario when a step fails, so the rest of the tool's run is skipped. */
export class StepFailed extends Error {
  constructor(readonly result: StepResult) {
    super(`${result.label} exited ${result.status}: ${tail(result.stderr || result.stdout, 3)}`)
  }
}

/** Accumulates the steps of one scenario. Example: `const s = new ScenarioTimer(); s.run(step); s.result()` */
export class ScenarioTimer {
  private wall = 0
  private rss = 0
  private failure?: string
  /** Each process's label, wall and peak, in order. */
  readonly steps: Array<{label: string; wallSeconds: number; maxRssKiB: number}> = []

  /** Runs a step, retrying once when `retry(result)` says the failure was transient. */
  run(step: Step, retry?: (result: StepResult) => boolean): StepResult {
    let result = measure(step)
    if (!result.ok && retry?.(result)) result = measure(step)
    this.wall += result.wallSeconds
    this.rss = Math.max(this.rss, result.maxRssKiB)
    this.steps.push({label: result.label, wallSeconds: result.wallSeconds, maxRssKiB: result.maxRssKiB})
    if (!result.ok) {
      const error = new StepFailed(result)
      this.failure = error.message
      throw error
    }
    return result
  }

  /** Marks the scenario failed without a step (e.g. a setup error). */
  fail(message: string): void {
    this.failure = message
  }

  result(): ScenarioResult {
    return {ok: this.failure === undefined, wallSeconds: this.wall, maxRssKiB: this.rss, error: this.failure}
  }
}
