/**
 * Typed events: what a commit did, as data. Every commit raptr writes keeps its readable
 * sentence as the first line and carries its events in git trailers at the end of the
 * message, one `Raptr-Event: {json}` line per event, plus one `Raptr-Context: {json}`
 * line when the environment says who or what ran the command (RAPTR_EVENT_CONTEXT, a CI
 * job URL). `git log --format='%(trailers:key=Raptr-Event,valueonly)'` reads them too.
 *
 * Events are versioned (`v`) and validated on read: a commit without data (an older raptr,
 * a plain `git commit`) or with data this raptr cannot read decodes as type `unknown`
 * with its sentence, never as an error.
 *
 * @example
 *   const text = encodeMessage('package removed: hello 1.0 amd64', [{v: 1, type: 'PackageRemoved', name: 'hello', choice: {version: '1.0'}, packages: [{name: 'hello', version: '1.0', architecture: 'amd64'}]}], {})
 *   decodeMessage(text).events[0].type // 'PackageRemoved'
 */
import * as z from './zod.js'

export const EVENT_TRAILER = 'Raptr-Event'
export const CONTEXT_TRAILER = 'Raptr-Context'

const Ref = {name: z.string(), version: z.string(), architecture: z.string()}
/** A package as events name it. */
export const PackageRef = z.object(Ref)
export type PackageRef = z.infer<typeof PackageRef>
/** A package in one distribution's category. */
export const PackagePlace = z.object({...Ref, distribution: z.string(), category: z.string()})
export type PackagePlace = z.infer<typeof PackagePlace>
/** How versions were chosen, as given on the command line. */
export const VersionChoiceData = z.object({version: z.optional(z.string()), latest: z.optional(z.boolean()), all: z.optional(z.boolean())})
/** One recorded publication (or refresh, or rollback) of a distribution on a backend. */
const Publication = z.object({distribution: z.string(), backend: z.string(), snapshot: z.string(), seq: z.number()})

const v1 = <T extends string, S extends z.core.$ZodLooseShape>(type: T, shape: S) => z.object({v: z.literal(1), type: z.literal(type), ...shape})

export const ArchiveCreated = v1('ArchiveCreated', {})
/** Written by raptr clone before sync became a setting of each clone (.git/raptr/local.json): read in old history, no longer written. */
export const SyncEnabled = v1('SyncEnabled', {})
export const SectionAdded = v1('SectionAdded', {sections: z.array(z.string()), distributionsCreated: z.array(z.string())})
export const SectionRemoved = v1('SectionRemoved', {sections: z.array(z.string())})
const DistributionSettingsData = z.record(z.string(), z.unknown())
export const DistributionAdded = v1('DistributionAdded', {distribution: z.string(), settings: DistributionSettingsData})
export const DistributionSet = v1('DistributionSet', {distribution: z.string(), settings: DistributionSettingsData})
export const DistributionRemoved = v1('DistributionRemoved', {distribution: z.string()})
export const CategoryAdded = v1('CategoryAdded', {category: z.string(), distributions: z.array(z.string())})
export const CategoryRemoved = v1('CategoryRemoved', {category: z.string(), distributions: z.array(z.string())})
export const BackendAdded = v1('BackendAdded', {name: z.string(), url: z.string(), options: z.record(z.string(), z.unknown())})
export const BackendSet = v1('BackendSet', {name: z.string(), url: z.string(), options: z.record(z.string(), z.unknown())})
export const BackendRemoved = v1('BackendRemoved', {name: z.string()})
export const KeySet = v1('KeySet', {gpg: z.optional(z.string()), keyFile: z.optional(z.string())})
/** A key as rotation events name it: a key file's path or a GnuPG fingerprint, never the key. */
const KeyRefData = z.object({gpg: z.optional(z.string()), keyFile: z.optional(z.string())})
const RotationKeys = {old: KeyRefData, new: KeyRefData}
/** Both keys sign from here on, and both public keys are published. */
export const KeyRotationStarted = v1('KeyRotationStarted', RotationKeys)
/** The new key signs alone; the old public key is still published. */
export const KeyRotationFinished = v1('KeyRotationFinished', RotationKeys)
/** The old public key is no longer published: the rotation is over. */
export const OldKeyDropped = v1('OldKeyDropped', RotationKeys)
/** `raptr key package` (or a rotation step) built a keyring package: its version, the keys it holds, the distributions its .sources names. */
export const KeyringPackageBuilt = v1('KeyringPackageBuilt', {name: z.string(), version: z.string(), keys: z.array(z.string()), distributions: z.array(z.string())})
/** Each package with its category, whether it replaced a different file of the same name, and where it was linked. */
export const PackageAdded = v1('PackageAdded', {
  packages: z.array(z.object({...Ref, category: z.string(), replaced: z.optional(z.boolean()), linked: z.array(z.string())})),
})
export const PackageRemoved = v1('PackageRemoved', {
  name: z.string(),
  choice: VersionChoiceData,
  architecture: z.optional(z.string()),
  keepLast: z.optional(z.number()),
  /** Each removed package with the sections it was unlinked from. */
  packages: z.array(z.object({...Ref, unlinked: z.array(z.string())})),
})
export const PackageLinked = v1('PackageLinked', {packages: z.array(PackagePlace)})
export const PackageUnlinked = v1('PackageUnlinked', {name: z.string(), choice: VersionChoiceData, packages: z.array(PackagePlace)})
export const PackageMoved = v1('PackageMoved', {
  packages: z.array(z.object({...Ref, from: z.string(), to: z.string()})),
})
export const BundleAdded = v1('BundleAdded', {alias: z.string(), version: z.string(), packages: z.array(PackageRef)})
export const BundleLinked = v1('BundleLinked', {alias: z.string(), versions: z.array(z.string()), to: z.array(z.string()), packages: z.array(PackagePlace)})
export const BundleUnlinked = v1('BundleUnlinked', {alias: z.string(), versions: z.array(z.string()), from: z.array(z.string()), packages: z.array(PackagePlace)})
export const BundleRemoved = v1('BundleRemoved', {alias: z.string(), versions: z.array(z.string()), packages: z.array(z.object({...Ref, unlinked: z.array(z.string())}))})
export const SnapshotNamed = v1('SnapshotNamed', {name: z.string(), snapshot: z.string()})
export const SnapshotRemoved = v1('SnapshotRemoved', {name: z.string(), snapshot: z.string()})
export const SnapshotRenamed = v1('SnapshotRenamed', {from: z.string(), to: z.string(), snapshot: z.string()})
/** `snapshot` is the commit, `pinned` the id it is published under (dists/snapshots/ID). */
export const Pinned = v1('Pinned', {distribution: z.string(), backend: z.string(), snapshot: z.string(), pinned: z.string()})
export const Unpinned = v1('Unpinned', {distribution: z.string(), backend: z.string(), snapshot: z.string(), pinned: z.string()})
/** One per distribution: the snapshot and, per backend, the publication sequence number. */
export const Published = v1('Published', {
  distribution: z.string(),
  snapshot: z.string(),
  backends: z.array(z.object({backend: z.string(), seq: z.number()})),
})
export const Refreshed = v1('Refreshed', Publication.def.shape)
/**
 * A rollback (or --forward) on one backend. Unless it was `--pointer-only`, the commit
 * also made the distribution's links those of `snapshot`: `unlinked` and `relinked` list
 * the first 20 packages each way, the counts say how many there were, `recordsRestored`
 * how many removed package records came back with them (older raptr: no link fields).
 */
export const RolledBack = v1('RolledBack', {
  ...Publication.def.shape,
  unlinked: z.optional(z.array(PackagePlace)),
  relinked: z.optional(z.array(PackagePlace)),
  unlinkedCount: z.optional(z.number()),
  relinkedCount: z.optional(z.number()),
  recordsRestored: z.optional(z.number()),
})
/** What a local purge deleted from the blob cache (content ids). */
export const Purged = v1('Purged', {objects: z.number(), bytes: z.number(), blobs: z.array(z.string())})
export const Imported = v1('Imported', {url: z.string(), suite: z.string(), distribution: z.string(), components: z.array(z.string()), count: z.number()})
/** A mirror's settings (mirrors/<name>.json), recorded whole. */
const MirrorSettingsData = z.record(z.string(), z.unknown())
export const MirrorAdded = v1('MirrorAdded', {name: z.string(), settings: MirrorSettingsData})
export const MirrorRemoved = v1('MirrorRemoved', {name: z.string()})
/** What a mirror update changed in its distribution: the packages linked from the upstream and those unlinked because the upstream (or its filter) no longer has them. */
export const MirrorUpdated = v1('MirrorUpdated', {
  name: z.string(),
  url: z.string(),
  suite: z.string(),
  distribution: z.string(),
  added: z.array(PackagePlace),
  removed: z.array(PackagePlace),
})
/**
 * A sync merge: the commits it brought in from the other side (since the merge base),
 * each with its event types. Their events are counted on those commits, not here.
 */
export const Merged = v1('Merged', {
  remote: z.string(),
  branch: z.string(),
  theirs: z.string(),
  commits: z.array(z.object({id: z.string(), types: z.array(z.string())})),
  reconciled: z.array(z.string()),
})

export const RaptrEvent = z.discriminatedUnion('type', [
  ArchiveCreated,
  SyncEnabled,
  SectionAdded,
  SectionRemoved,
  DistributionAdded,
  DistributionSet,
  DistributionRemoved,
  CategoryAdded,
  CategoryRemoved,
  BackendAdded,
  BackendSet,
  BackendRemoved,
  KeySet,
  KeyRotationStarted,
  KeyRotationFinished,
  OldKeyDropped,
  KeyringPackageBuilt,
  PackageAdded,
  PackageRemoved,
  PackageLinked,
  PackageUnlinked,
  PackageMoved,
  BundleAdded,
  BundleLinked,
  BundleUnlinked,
  BundleRemoved,
  SnapshotNamed,
  SnapshotRemoved,
  SnapshotRenamed,
  Pinned,
  Unpinned,
  Published,
  Refreshed,
  RolledBack,
  Purged,
  Imported,
  MirrorAdded,
  MirrorRemoved,
  MirrorUpdated,
  Merged,
])
export type RaptrEvent = z.infer<typeof RaptrEvent>
export type EventType = RaptrEvent['type']
export const EVENT_TYPES: readonly EventType[] = RaptrEvent.def.options.map((o) => o.def.shape.type.def.values[0])

/** The environment a commit was made in: free text or JSON from RAPTR_EVENT_CONTEXT, and the CI job. */
export const EventContext = z.object({note: z.optional(z.unknown()), ci: z.optional(z.string())})
export type EventContext = z.infer<typeof EventContext>

/** A commit's message, read: its sentence, its events (none for a commit without data) and context. */
export interface DecodedMessage {
  /** The first line. */
  sentence: string
  /** The readable body (without the trailers). */
  body: string
  events: RaptrEvent[]
  /** True when the commit carries no event data raptr can read (older raptr, plain git, corrupt data). */
  unknown: boolean
  context: EventContext
}

/**
 * The context of the commits this process writes: RAPTR_EVENT_CONTEXT (parsed when it is
 * JSON, else kept as text) and the CI job URL from the usual variables.
 */
export function contextFromEnv(env: NodeJS.ProcessEnv = process.env): EventContext {
  const out: EventContext = {}
  const raw = env.RAPTR_EVENT_CONTEXT
  if (raw !== undefined && raw !== '') {
    try {
      out.note = JSON.parse(raw)
    } catch {
      out.note = raw
    }
  }
  const ci = ciJobUrl(env)
  if (ci) out.ci = ci
  return out
}

/** The URL of the CI job running raptr, when a known CI sets its variables. */
export function ciJobUrl(env: NodeJS.ProcessEnv): string | undefined {
  if (env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID) {
    return `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}${env.GITHUB_RUN_ATTEMPT ? `/attempts/${env.GITHUB_RUN_ATTEMPT}` : ''}`
  }
  return env.CI_JOB_URL || env.BUILDKITE_BUILD_URL || env.BUILD_URL || env.CIRCLE_BUILD_URL || (env.SYSTEM_COLLECTIONURI && env.SYSTEM_TEAMPROJECT && env.BUILD_BUILDID ? `${env.SYSTEM_COLLECTIONURI}${env.SYSTEM_TEAMPROJECT}/_build/results?buildId=${env.BUILD_BUILDID}` : undefined)
}

/** The commit message: the readable text, a blank line, then one trailer per event and the context. */
export function encodeMessage(message: string, events: RaptrEvent[], context: EventContext): string {
  const trailers = events.map((e) => `${EVENT_TRAILER}: ${JSON.stringify(e)}`)
  if (events.length > 0 && (context.note !== undefined || context.ci !== undefined)) trailers.push(`${CONTEXT_TRAILER}: ${JSON.stringify(context)}`)
  if (trailers.length === 0) return message
  return `${message.trimEnd()}\n\n${trailers.join('\n')}`
}

/** Reads a commit message back; anything it cannot read makes the commit `unknown`, never an error. */
export function decodeMessage(message: string): DecodedMessage {
  const lines = message.replace(/\s+$/, '').split('\n')
  // The trailers are the last paragraph's `Raptr-…:` lines.
  let start = lines.length
  while (start > 1 && (lines[start - 1].startsWith(`${EVENT_TRAILER}: `) || lines[start - 1].startsWith(`${CONTEXT_TRAILER}: `))) start--
  const text = lines.slice(0, start).join('\n').trimEnd()
  const [sentence = '', ...rest] = text.split('\n')
  const body = rest.join('\n').trim()
  const events: RaptrEvent[] = []
  let context: EventContext = {}
  let unknown = start === lines.length
  for (const line of lines.slice(start)) {
    const isContext = line.startsWith(`${CONTEXT_TRAILER}: `)
    let data: unknown
    try {
      data = JSON.parse(line.slice((isContext ? CONTEXT_TRAILER : EVENT_TRAILER).length + 2))
    } catch {
      unknown = true
      continue
    }
    if (isContext) {
      const c = z.safeParse(EventContext, data)
      if (c.success) context = c.data
      continue
    }
    const e = z.safeParse(RaptrEvent, data)
    if (e.success) events.push(e.data)
    else unknown = true
  }
  // One unreadable event makes the commit unknown: a partial list would mislead an audit.
  if (unknown) return {sentence, body, events: [], unknown: true, context}
  return {sentence, body, events, unknown: events.length === 0, context}
}
