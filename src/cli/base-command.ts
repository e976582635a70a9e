import {Command, Flags, type Interfaces} from '@oclif/core'
import type {Input, ParserOutput} from '@oclif/core/interfaces'

type FlagOutput = {[name: string]: unknown}
type ArgOutput = {[name: string]: unknown}
import type {Archive} from '../store/archive.js'
// Tiny (node:path, node:url); the error printer loads it for every command anyway.
import {redactUrl} from '../backends/url.js'
import {tableLines} from './format/table.js'

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof RaptrCommand)['baseFlags'] & T['flags']>

/**
 * What every raptr command shares: `--archive` (the archive directory), `--json`,
 * and one way of turning coded errors into a one-line message, a hint and an exit
 * status. Library modules are imported lazily so `raptr --help` loads none of them.
 */
export abstract class RaptrCommand extends Command {
  static override enableJsonFlag = true

  static override baseFlags = {
    archive: Flags.string({
      char: 'C',
      summary: 'The archive directory (default: the current directory or the archive above it).',
      env: 'RAPTR_ARCHIVE',
      default: '.',
      helpGroup: 'GLOBAL',
    }),
  }

  /**
   * oclif's parser errors become raptr's USAGE error (one line, a hint, exit 2, and a
   * small JSON object under --json) instead of oclif's multi-line text.
   */
  protected override async parse<F extends FlagOutput, B extends FlagOutput, A extends ArgOutput>(options?: Input<F, B, A>, argv?: string[]): Promise<ParserOutput<F, B, A>> {
    try {
      return await super.parse(options, argv)
    } catch (e) {
      const {usageError} = await import('./usage-error.js')
      throw usageError(e as Error, `${this.config.bin} ${this.id?.replaceAll(':', ' ') ?? ''}`.trim())
    }
  }

  protected async openArchive(dir: string): Promise<Archive> {
    const {mark} = await import('../core/timing.js')
    mark('command: parsed, opening the archive')
    const {Archive} = await import('../store/archive.js')
    return Archive.open(dir)
  }

  /** Progress bars on stderr when it is a terminal; silent in pipes and under --json (see cli/progress.ts). */
  protected async progress(): Promise<import('./progress.js').ProgressReporter> {
    const {progressReporter} = await import('./progress.js')
    return progressReporter({json: this.jsonEnabled()})
  }

  /**
   * Prints a table (format/table.ts) a run of lines at a time: a bulk add's 100,000 rows
   * never become one string. Silent under --json, as this.log is.
   */
  protected logTable<T>(rows: readonly T[], columns: string[], cell: (row: T, column: string) => string): void {
    let run: string[] = []
    for (const line of tableLines(rows, columns, cell)) {
      run.push(line)
      if (run.length === 1000) {
        this.log(run.join('\n'))
        run = []
      }
    }
    if (run.length > 0 || rows.length === 0) this.log(run.join('\n'))
  }

  /** Progress and notes for people: to stderr, and only when not printing JSON; URL userinfo masked (a note may quote git). */
  protected note(message: string): void {
    if (!this.jsonEnabled()) process.stderr.write(`${redactUrl(message)}\n`)
  }

  protected override async catch(err: Error & {exitCode?: number}): Promise<unknown> {
    // oclif's own errors (exit requests, its parser's) keep oclif's handling; everything
    // else is one coded line: raptr's errors as they are, a failing system call as
    // IO_ERROR, anything else as a bug to report (exit 70), never a stack trace.
    if ((err as {oclif?: unknown}).oclif !== undefined) return super.catch(err)
    const {asRaptrError, exitCodeFor} = await import('../errors.js')
    const {reportError} = await import('./report-error.js')
    const coded = asRaptrError(err)
    reportError(coded, this.jsonEnabled(), exitCodeFor(coded.code))
    return undefined
  }
}

export {table} from './format/table.js'

export const versionFlags = {
  version: Flags.string({summary: 'Exactly this version (Debian version comparison: 1.0 and 1.0-0 are the same).', exclusive: ['latest', 'all']}),
  latest: Flags.boolean({summary: 'The latest version, by Debian version order.', exclusive: ['version', 'all']}),
  all: Flags.boolean({summary: 'Every version.', exclusive: ['version', 'latest']}),
}
