import os from 'node:os'
import * as z from '../core/zod.js'
import {RaptrError} from '../errors.js'
import type {Backend} from '../backends/interface.js'

/**
 * The append-only publication log a backend keeps per distribution. Each entry is
 * created with a create-only write (S3: If-None-Match: *), so exactly one publisher
 * wins each sequence number; the newest entry says what the live pointer must be, and
 * carries the exact pointer files so anyone can put the pointer right.
 */
export const PublicationEntry = z.object({
  format: z.literal(1),
  seq: z.int().check(z.positive()),
  /** `drop` takes the distribution off the backend: nothing of it is live after it (publish/drop.ts). */
  action: z.enum(['publish', 'rollback', 'drop']),
  distribution: z.string(),
  snapshot: z.string().check(z.regex(/^[0-9a-f]{40}$/)),
  distTree: z.string().check(z.regex(/^[0-9a-f]{40}$/)),
  /** The pinned path's snapshot id (the publication that first wrote this content). */
  pinned: z.string().check(z.regex(/^[0-9a-f]{12}$/)),
  date: z.string(),
  publisher: z.string(),
  release: z.string(),
  inRelease: z.optional(z.string()),
  releaseGpg: z.optional(z.string()),
  /**
   * Rollback entries: the seq of the publish entry whose content they made live again,
   * so a second rollback goes one further back and --forward returns.
   */
  restores: z.optional(z.int().check(z.positive())),
  /**
   * Whether the uncompressed indexes its Release lists are on the backend too (a
   * distribution's plainIndexes). Absent: they are (entries written before the setting
   * existed); false: only their .xz and .gz are (remote/references.ts, writtenEntries).
   */
  plainIndexes: z.optional(z.boolean()),
})
export type PublicationEntry = z.infer<typeof PublicationEntry>

export const LOG_PREFIX = 'raptr/log'

/** Who writes a log entry: user@host, for people reading the log. */
export function publisherName(): string {
  try {
    return `${os.userInfo().username}@${os.hostname()}`
  } catch {
    return os.hostname()
  }
}

export function logKey(dist: string, seq: number): string {
  return `${LOG_PREFIX}/${dist}/${String(seq).padStart(10, '0')}.json`
}

/** Every entry key of a distribution's log, oldest first. */
async function logKeys(backend: Backend, dist: string): Promise<string[]> {
  const keys: string[] = []
  for await (const o of backend.list(`${LOG_PREFIX}/${dist}/`)) {
    if (/\/\d{10}\.json$/.test(o.key)) keys.push(o.key)
  }
  return keys.sort()
}

export async function readEntry(backend: Backend, key: string): Promise<PublicationEntry> {
  const data = await backend.get(key)
  if (!data) throw new RaptrError('BACKEND_ERROR', `${backend.properties.name}: ${key} vanished while reading the publication log`, 'run the command again')
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(data).toString('utf8'))
  } catch {
    throw new RaptrError('BACKEND_ERROR', `${backend.properties.name}: ${key} is not valid JSON`, 'inspect it; raptr verify reports damage', {damagedKey: key})
  }
  const res = PublicationEntry.safeParse(parsed)
  if (!res.success) {
    throw new RaptrError('BACKEND_ERROR', `${backend.properties.name}: ${key} is not a raptr publication entry (${res.error.issues[0].message})`, 'inspect it; raptr verify reports damage', {damagedKey: key})
  }
  return res.data
}

/** The newest entry, or undefined when nothing was published for `dist` there. */
export async function readHead(backend: Backend, dist: string): Promise<PublicationEntry | undefined> {
  const keys = await logKeys(backend, dist)
  return keys.length ? readEntry(backend, keys.at(-1)!) : undefined
}

/** The whole log of a distribution, oldest first. */
export async function readLog(backend: Backend, dist: string): Promise<PublicationEntry[]> {
  const out: PublicationEntry[] = []
  for (const k of await logKeys(backend, dist)) out.push(await readEntry(backend, k))
  return out
}

/** The distributions a backend has a log for. */
export async function loggedDistributions(backend: Backend): Promise<string[]> {
  const dists = new Set<string>()
  for await (const o of backend.list(`${LOG_PREFIX}/`)) {
    const m = /^raptr\/log\/([^/]+)\/\d{10}\.json$/.exec(o.key)
    if (m) dists.add(m[1])
  }
  return [...dists].sort()
}

/** Appends `entry` (its seq must be head + 1). False when another publisher took that seq first. */
export async function appendEntry(backend: Backend, entry: PublicationEntry): Promise<boolean> {
  const body = Buffer.from(`${JSON.stringify(entry, null, 2)}\n`, 'utf8')
  return backend.putIfAbsent(logKey(entry.distribution, entry.seq), body, {contentType: 'application/json', immutable: true})
}
