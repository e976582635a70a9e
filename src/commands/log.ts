import {Flags} from '@oclif/core'
import {RaptrCommand} from '../cli/base-command.js'
import type {LogEntry} from '../core/event-log.js'

export default class Log extends RaptrCommand {
  static override summary = 'Show the archive history as events, newest first; filters answer audit questions.'
  static override description = `Every commit raptr writes carries its events as data (see docs/usage.md, Events). Without filters, each commit is shown with its events under it; with a filter, or --oneline, one line per event: commit, date, author, type and what it did. Bulk events are narrowed to the packages and distributions asked about. A commit without event data (older raptr, plain git) lists as type "unknown". --json prints one object per event (schema: docs/usage.md, Events). Each id can be given to publish, pin, rollback and snapshot diff.`
  static override examples = [
    '<%= config.bin %> log',
    '<%= config.bin %> log --package hello --distribution production',
    '<%= config.bin %> log --event RolledBack --distribution production --since 2026-12-01',
    '<%= config.bin %> log --event PackageAdded,PackageRemoved --since 2.weeks --author ci@',
    '<%= config.bin %> log -n 5 --json',
  ]
  static override flags = {
    max: Flags.integer({char: 'n', summary: 'Show at most this many events.', min: 0}),
    event: Flags.string({summary: 'Only events of this type (repeatable, or a comma list; "unknown" for commits without data).', multiple: true}),
    package: Flags.string({summary: 'Only events that touched this package (repeatable, or a comma list).', multiple: true}),
    distribution: Flags.string({summary: 'Only events in this distribution (repeatable, or a comma list).', multiple: true}),
    since: Flags.string({summary: 'Only commits at or after this time: an ISO date, or relative as 2.weeks, 3 days ago, yesterday.'}),
    until: Flags.string({summary: 'Only commits at or before this time (the forms of --since).'}),
    author: Flags.string({summary: "Only commits whose author's name or email contains this (case-insensitive)."}),
    oneline: Flags.boolean({summary: 'One line per event.'}),
  }

  async run(): Promise<LogEntry[]> {
    const {flags} = await this.parse(Log)
    const archive = await this.openArchive(flags.archive)
    const {commitEntries} = await import('../core/event-log.js')
    const {eventFilter} = await import('../cli/event-filter.js')
    const filter = eventFilter(flags)
    const out: LogEntry[] = []
    // Every commit lists as one entry at least, so without filters -n N needs N commits only.
    const filtered = Boolean(flags.event || flags.package || flags.distribution || flags.since || flags.until || flags.author)
    for (const c of await archive.log(undefined, filtered ? undefined : flags.max, filter.since)) {
      if (flags.max !== undefined && out.length >= flags.max) break
      out.push(...commitEntries(c, filter))
    }
    if (flags.max !== undefined) out.length = Math.min(out.length, flags.max)
    // History may hold a URL with credentials recorded before raptr refused them: never print it.
    const {redactDeep} = await import('../backends/url.js')
    const shown = redactDeep(out)
    // Subjects and authors are anyone's who pushed: shown with control characters escaped.
    const {terminalSafe} = await import('../cli/report-error.js')
    if (flags.oneline || filtered) {
      const {oneLine} = await import('../cli/event-filter.js')
      for (const e of shown) this.log(terminalSafe(oneLine(e)))
    } else if (shown.length > 0) this.log(terminalSafe(await longFormat(shown)))
    return shown
  }
}

/** Each commit once, its sentence, then its author, events and context indented under it. */
async function longFormat(entries: LogEntry[]): Promise<string> {
  const {describeEvent, entryEvent} = await import('../core/event-log.js')
  const lines: string[] = []
  const pad = ' '.repeat(14)
  let last: string | undefined
  for (const e of entries) {
    if (e.id !== last) {
      last = e.id
      lines.push(`${e.id.slice(0, 12)}  ${e.date}  ${e.message.split('\n')[0]}`, `${pad}by ${e.author}`)
      if (e.context.note !== undefined) lines.push(`${pad}context: ${typeof e.context.note === 'string' ? e.context.note : JSON.stringify(e.context.note)}`)
      if (e.context.ci) lines.push(`${pad}ci: ${e.context.ci}`)
    }
    const ev = entryEvent(e)
    if (ev) lines.push(`${pad}${e.type}  ${describeEvent(ev)}`.trimEnd())
  }
  return lines.join('\n')
}
