import {RaptrError} from '../errors.js'

/** What purge needs of one publication log entry (the backend's log is the authority). */
export interface LoggedPublication {
  seq: number
  distribution: string
  snapshot: string
  distTree: string
  pinned: string
  date: string
  /** The exact Release text the entry made live: its SHA256 lines name the indexes. */
  release: string
  /** `drop` took the distribution off the backend: the entry names nothing of its own. */
  action?: 'publish' | 'rollback' | 'drop'
}

export interface RetainedPublication extends LoggedPublication {
  /** Why it stays: `live`, `named:<name>`, `last-<n>`, `recent`, `pinned`. */
  reasons: string[]
}

/** A named snapshot, with the distribution trees it holds (when the local archive has the commit). */
export interface NamedRef {
  name: string
  commit: string
  distTrees: Record<string, string>
}

export interface RetentionPolicy {
  /** The newest N distinct published snapshots of each distribution (the live one counts). */
  keepLast: number
  /** Publications newer than this many days; undefined or 0: no age rule. */
  keepDays?: number
  now: Date
  named: NamedRef[]
  /** Pin records read from the backend: each keeps its pinned snapshot. */
  pins?: Array<{distribution: string; pinned: string}>
}

/**
 * Parses a grace period: `6h`, `30m`, `2d`, `45s`, `0`; a bare number means hours,
 * as raptr.json's `retention.graceHours` does. Returns milliseconds.
 *
 * @example parseDuration('30m') // 1_800_000
 */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(text.trim())
  if (!m) throw new RaptrError('BAD_ARGUMENT', `cannot read the duration "${text}"`, 'write it as a number with a unit: 30m, 6h, 2d, or 0')
  const unit = {ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000}[(m[2] ?? 'h') as 'ms' | 's' | 'm' | 'h' | 'd']
  return Number(m[1]) * unit
}

/**
 * The publications of one backend that purge keeps, one per distribution and pinned
 * id (entries sharing a pinned id share every object), each with its reasons. Pure.
 *
 * @example
 *   chooseRetained([log], {keepLast: 2, now: new Date(), named: []}) // the live entry and the one before
 */
export function chooseRetained(logs: LoggedPublication[][], policy: RetentionPolicy): RetainedPublication[] {
  if (!Number.isInteger(policy.keepLast) || policy.keepLast < 1) {
    throw new RaptrError('BAD_ARGUMENT', `--keep-last must be a whole number of at least 1 (got ${policy.keepLast})`, 'the live snapshot always stays; --keep-last 1 keeps only it')
  }
  const out = new Map<string, RetainedPublication>()
  const keep = (e: LoggedPublication, reason: string): void => {
    const k = `${e.distribution}\u0000${e.pinned}`
    const have = out.get(k)
    if (!have) out.set(k, {...e, reasons: [reason]})
    else {
      if (!have.reasons.includes(reason)) have.reasons.push(reason)
      // The newest entry's Release text is the one clients hold now.
      if (e.seq > have.seq) out.set(k, {...e, reasons: have.reasons})
    }
  }
  const since = policy.keepDays ? policy.now.getTime() - policy.keepDays * 86_400_000 : undefined
  for (const log of logs) {
    const sorted = [...log].sort((a, b) => b.seq - a.seq)
    // A drop ends a distribution's history on the backend: what it published before its
    // newest drop is neither live nor among the last N (a publish after the drop starts
    // afresh); only the rules that name a publication (recent, pinned, named) keep it.
    const drop = sorted.findIndex((e) => e.action === 'drop')
    const current = drop === -1 ? sorted : sorted.slice(0, drop)
    const newestFirst = sorted.filter((e) => e.action !== 'drop')
    if (current.length > 0) keep(current[0], 'live')
    const distinct: string[] = []
    for (const e of current) {
      if (!distinct.includes(e.pinned)) {
        if (distinct.length >= policy.keepLast) continue
        distinct.push(e.pinned)
      }
      keep(e, `last-${policy.keepLast}`)
    }
    for (const e of newestFirst) {
      if (since !== undefined && Date.parse(e.date) >= since) keep(e, 'recent')
      if (policy.pins?.some((p) => p.distribution === e.distribution && p.pinned === e.pinned)) keep(e, 'pinned')
      for (const n of policy.named) {
        if (e.snapshot === n.commit || n.distTrees[e.distribution] === e.distTree) keep(e, `named:${n.name}`)
      }
    }
  }
  return [...out.values()].sort((a, b) => (a.distribution < b.distribution ? -1 : a.distribution > b.distribution ? 1 : b.seq - a.seq))
}
