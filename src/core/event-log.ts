/**
 * Events as the log reads them: the packages and distributions an event names, an event
 * narrowed to a filter, its one-line description, and a commit turned into log entries.
 * The schemas themselves live in events.ts.
 */
import * as z from './zod.js'
import {decodeMessage, EVENT_TYPES, EventContext, RaptrEvent, type EventType, type PackagePlace, type PackageRef} from './events.js'

/** The packages an event names (with their names, versions and, where the event has one, place). */
export function packagesOf(e: RaptrEvent): Array<PackageRef & {distribution?: string; category?: string; linked?: string[]; unlinked?: string[]}> {
  switch (e.type) {
    case 'PackageAdded':
    case 'PackageRemoved':
    case 'PackageLinked':
    case 'PackageUnlinked':
    case 'BundleAdded':
    case 'BundleLinked':
    case 'BundleUnlinked':
    case 'BundleRemoved':
      return e.packages
    case 'PackageMoved':
      return e.packages
    default:
      return []
  }
}

/** The distributions an event touches. */
export function distributionsOf(e: RaptrEvent): string[] {
  const dist = (section: string): string => section.split('/')[0]
  switch (e.type) {
    case 'SectionAdded':
    case 'SectionRemoved':
      return e.sections.map(dist)
    case 'DistributionAdded':
    case 'DistributionSet':
    case 'DistributionRemoved':
    case 'Pinned':
    case 'Unpinned':
    case 'Published':
    case 'Refreshed':
    case 'RolledBack':
    case 'Imported':
    case 'MirrorUpdated':
      return [e.distribution]
    case 'CategoryAdded':
    case 'CategoryRemoved':
    case 'KeyringPackageBuilt':
      return e.distributions
    case 'PackageAdded':
      return e.packages.flatMap((p) => p.linked.map(dist))
    case 'PackageRemoved':
    case 'BundleRemoved':
      return e.packages.flatMap((p) => p.unlinked.map(dist))
    case 'PackageLinked':
    case 'PackageUnlinked':
    case 'BundleLinked':
    case 'BundleUnlinked':
      return e.packages.map((p) => p.distribution)
    case 'PackageMoved':
      return e.packages.flatMap((p) => [dist(p.from), dist(p.to)])
    default:
      return []
  }
}

/**
 * The event narrowed to what matches: for `--package` and `--distribution`, the packages
 * of a bulk event that are not asked about are left out; undefined when nothing matches.
 */
export function narrowEvent(e: RaptrEvent, filter: {packages?: string[]; distributions?: string[]}): RaptrEvent | undefined {
  const {packages, distributions} = filter
  if (e.type === 'RolledBack' && packages) {
    // The packages a rollback names (the first 20 each way) answer --package; the counts stay whole.
    if (distributions && !distributions.includes(e.distribution)) return undefined
    const keep = (ps: PackagePlace[] | undefined): PackagePlace[] => (ps ?? []).filter((p) => packages.includes(p.name))
    const [unlinked, relinked] = [keep(e.unlinked), keep(e.relinked)]
    return unlinked.length + relinked.length === 0 ? undefined : {...e, unlinked, relinked}
  }
  if (e.type === 'MirrorUpdated' && packages) {
    // Like a rollback: the packages a mirror update linked and unlinked answer --package.
    if (distributions && !distributions.includes(e.distribution)) return undefined
    const [added, removed] = [e.added.filter((p) => packages.includes(p.name)), e.removed.filter((p) => packages.includes(p.name))]
    return added.length + removed.length === 0 ? undefined : {...e, added, removed}
  }
  const inDist = (p: {distribution?: string; linked?: string[]; unlinked?: string[]; from?: string; to?: string}): boolean =>
    !distributions ||
    [p.distribution, ...(p.linked ?? []), ...(p.unlinked ?? []), p.from, p.to].some((s) => s !== undefined && distributions.includes(s.split('/')[0]))
  const list = packagesOf(e)
  const hasPlaces = list.some((p) => 'distribution' in p || 'linked' in p || 'unlinked' in p || 'from' in p)
  if (packages) {
    const ofName = list.filter((p) => packages.includes(p.name) && (!hasPlaces || inDist(p)))
    if (ofName.length === 0) return undefined
    if (!hasPlaces && distributions && !distributionsOf(e).some((d) => distributions.includes(d))) return undefined
    return {...e, packages: ofName} as RaptrEvent
  }
  if (distributions) {
    if (hasPlaces) {
      const kept = list.filter(inDist)
      if (kept.length === 0) return undefined
      return {...e, packages: kept} as RaptrEvent
    }
    if (!distributionsOf(e).some((d) => distributions.includes(d))) return undefined
  }
  return e
}

/** One line saying what an event did (for `raptr log --oneline` and package history). */
export function describeEvent(e: RaptrEvent): string {
  const refs = (ps: Array<PackageRef & {distribution?: string; category?: string}>, max = 3): string => {
    const shown = ps.slice(0, max).map((p) => `${p.name} ${p.version} ${p.architecture}${p.distribution ? ` ${p.distribution}/${p.category}` : ''}`)
    return ps.length > max ? `${shown.join(', ')} and ${ps.length - max} more` : shown.join(', ')
  }
  switch (e.type) {
    case 'PackageAdded': {
      const links = [...new Set(e.packages.flatMap((p) => p.linked))]
      return `${refs(e.packages)}${links.length ? ` linked to ${links.join(', ')}` : ''}`
    }
    case 'PackageRemoved':
    case 'PackageLinked':
    case 'PackageUnlinked':
    case 'BundleLinked':
    case 'BundleUnlinked':
      return `${'alias' in e ? `${e.alias} ` : ''}${refs(e.packages)}`
    case 'PackageMoved':
      return e.packages
        .slice(0, 3)
        .map((p) => `${p.name} ${p.version} ${p.architecture} ${p.from} → ${p.to}`)
        .join(', ')
        .concat(e.packages.length > 3 ? ` and ${e.packages.length - 3} more` : '')
    case 'BundleAdded':
      return `${e.alias} ${e.version} (${e.packages.length} packages)`
    case 'BundleRemoved':
      return `${e.alias} ${e.versions.join(', ')} (${e.packages.length} packages)`
    case 'Published':
      return `${e.distribution} ${e.snapshot.slice(0, 12)} to ${e.backends.map((b) => `${b.backend} (seq ${b.seq})`).join(', ')}`
    case 'Refreshed':
      return `${e.distribution} on ${e.backend} ${e.snapshot.slice(0, 12)} (seq ${e.seq})`
    case 'RolledBack': {
      const moved = `${e.distribution} on ${e.backend} ${e.snapshot.slice(0, 12)} (seq ${e.seq})`
      if (e.unlinkedCount === undefined || e.relinkedCount === undefined) return moved
      const list = (ps: PackagePlace[], n: number): string => (n === 0 ? 'none' : refs(ps, 3).replace(/ and \d+ more$/, '') + (n > Math.min(ps.length, 3) ? ` and ${n - Math.min(ps.length, 3)} more` : ''))
      const restored = e.recordsRestored ? `; ${e.recordsRestored} record${e.recordsRestored === 1 ? '' : 's'} restored` : ''
      return `${moved}; unlinked ${list(e.unlinked ?? [], e.unlinkedCount)}; relinked ${list(e.relinked ?? [], e.relinkedCount)}${restored}`
    }
    case 'Pinned':
    case 'Unpinned':
      return `${e.distribution} ${e.pinned} on ${e.backend}`
    case 'MirrorUpdated':
      return `${e.name} into ${e.distribution}: added ${e.added.length ? refs(e.added) : 'none'}; removed ${e.removed.length ? refs(e.removed) : 'none'}`
    case 'Merged':
      return `${e.remote}/${e.branch}: ${e.commits.length} commit${e.commits.length === 1 ? '' : 's'} came in`
    default: {
      const {v: _v, type: _t, ...rest} = e
      const show = (v: unknown): string => (typeof v === 'string' ? v : Array.isArray(v) && v.every((x) => typeof x === 'string') ? v.join(',') : JSON.stringify(v))
      return Object.entries(rest)
        .map(([k, v]) => `${k}=${show(v)}`)
        .join(' ')
    }
  }
}

const EntryType = z.enum(['unknown', ...EVENT_TYPES] as ['unknown', ...EventType[]])

/**
 * One event as `raptr log --json` and `raptr package history --json` print it: the
 * commit (id, date, author, its readable message), the event type (`unknown` for a
 * commit without event data), the schema version `v` (null for unknown), the payload
 * (the event's fields but `v` and `type`) and the commit's context.
 */
export const LogEntry = z.object({
  id: z.string().check(z.regex(/^[0-9a-f]{40}$/)),
  date: z.iso.datetime(),
  author: z.string(),
  message: z.string(),
  type: EntryType,
  v: z.nullable(z.number()),
  payload: z.record(z.string(), z.unknown()),
  context: EventContext,
})
export type LogEntry = z.infer<typeof LogEntry>

/** What `raptr log` keeps: every filter given must match. */
export interface EventFilter {
  types?: Array<EventType | 'unknown'>
  packages?: string[]
  distributions?: string[]
  /** Seconds since the epoch, inclusive. */
  since?: number
  until?: number
  /** A substring of the author's name or email, case-insensitive. */
  author?: string
}

/** The entries of one commit that pass the filter (bulk events narrowed to the packages asked about). */
export function commitEntries(c: {id: string; message: string; author: string; timestamp: number}, filter: EventFilter): LogEntry[] {
  if (filter.since !== undefined && c.timestamp < filter.since) return []
  if (filter.until !== undefined && c.timestamp > filter.until) return []
  if (filter.author && !c.author.toLowerCase().includes(filter.author.toLowerCase())) return []
  const d = decodeMessage(c.message)
  const message = d.body ? `${d.sentence}\n\n${d.body}` : d.sentence
  const base = {id: c.id, date: new Date(c.timestamp * 1000).toISOString(), author: c.author, message, context: d.context}
  if (d.unknown) {
    if (filter.packages || filter.distributions) return []
    if (filter.types && !filter.types.includes('unknown')) return []
    return [{...base, type: 'unknown', v: null, payload: {}}]
  }
  const out: LogEntry[] = []
  for (const e of d.events) {
    if (filter.types && !filter.types.includes(e.type)) continue
    const kept = filter.packages || filter.distributions ? narrowEvent(e, filter) : e
    if (!kept) continue
    const {v, type, ...payload} = kept
    out.push({...base, type, v, payload})
  }
  return out
}

/** The event of a log entry again (undefined for `unknown`). */
export function entryEvent(e: LogEntry): RaptrEvent | undefined {
  if (e.type === 'unknown') return undefined
  const r = z.safeParse(RaptrEvent, {v: e.v, type: e.type, ...e.payload})
  return r.success ? r.data : undefined
}
