/** The filters of `raptr log` and `raptr package history`, from their flags. */
import {RaptrError} from '../errors.js'
import {EVENT_TYPES, type EventType} from '../core/events.js'
import {describeEvent, entryEvent, type EventFilter, type LogEntry} from '../core/event-log.js'

/** The filter the flags of `raptr log` (and `package history`) ask for. */
export function eventFilter(flags: {event?: string[]; package?: string[]; distribution?: string[]; since?: string; until?: string; author?: string}): EventFilter {
  const list = (v: string[] | undefined): string[] | undefined => (v ? v.flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean) : undefined)
  const byLower = new Map([...EVENT_TYPES, 'unknown'].map((t) => [t.toLowerCase(), t as EventType | 'unknown']))
  const types = list(flags.event)?.map((t) => {
    const found = byLower.get(t.toLowerCase())
    if (found) return found
    throw new RaptrError('BAD_ARGUMENT', `there is no event type "${t}"`, `give one of: ${[...EVENT_TYPES, 'unknown'].join(', ')}`)
  })
  return {
    types,
    packages: list(flags.package),
    distributions: list(flags.distribution),
    since: flags.since === undefined ? undefined : parseWhen(flags.since, '--since'),
    until: flags.until === undefined ? undefined : parseWhen(flags.until, '--until', true),
    author: flags.author,
  }
}

const UNITS: Record<string, number> = {second: 1, minute: 60, hour: 3600, day: 86_400, week: 604_800, month: 2_592_000, year: 31_536_000}

/**
 * A time as git log takes it, in seconds since the epoch: an ISO date or date-time, or
 * relative (`2.weeks`, `3 days ago`, `1.hour.ago`, `yesterday`, `now`). A bare date given
 * to --until means the end of that day.
 *
 * @example parseWhen('2.weeks', '--since') // two weeks before now
 */
export function parseWhen(text: string, flag: string, endOfDay = false, now = Date.now()): number {
  const t = text.trim().toLowerCase()
  const nowS = Math.floor(now / 1000)
  if (t === 'now') return nowS
  if (t === 'yesterday') return nowS - UNITS.day
  const rel = /^(\d+)[.\s]*(second|minute|hour|day|week|month|year)s?(?:[.\s]*ago)?$/.exec(t)
  if (rel) return nowS - Number(rel[1]) * UNITS[rel[2]]
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) {
    const ms = Date.parse(`${t}T00:00:00Z`)
    if (!Number.isNaN(ms)) return Math.floor(ms / 1000) + (endOfDay ? UNITS.day - 1 : 0)
  }
  const ms = /^\d{4}-\d{2}-\d{2}[t ]/.test(t) ? Date.parse(text.trim()) : Number.NaN
  if (Number.isNaN(ms)) {
    throw new RaptrError('BAD_ARGUMENT', `${flag} "${text}" is not a date`, 'give an ISO date (2026-12-01, 2026-12-01T10:00:00Z) or a relative one (2.weeks, 3 days ago, yesterday)')
  }
  return Math.floor(ms / 1000)
}

/** `id  date  author  Type  what`: one event on one line. */
export function oneLine(e: LogEntry): string {
  const ev = entryEvent(e)
  const name = e.author.replace(/\s*<.*>$/, '')
  return `${e.id.slice(0, 12)}  ${e.date}  ${name}  ${e.type}  ${ev ? describeEvent(ev) : e.message.split('\n')[0]}`.trimEnd()
}
