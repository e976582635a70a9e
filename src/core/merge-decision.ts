import {BACKENDS, BUNDLES, CATEGORY_CONFIG, CONFIG_PATH, DISTS, DIST_CONFIG, MIRRORS, PACKAGES, SNAPSHOTS, categoryConfigPath, decodeVersion, distConfigPath, recordPath} from './layout.js'

/**
 * raptr's three-way merge, decided path by path. Archive paths are keys (one file per
 * package record, link, setting file, named snapshot…), so two edits of one file are
 * never merged as text: each kind of path has a rule saying what two edits mean, and a
 * conflict is a conflict of meaning. Pure: the store reads the trees and hands the
 * contents in.
 */

/** What kind of archive file a path is; it decides how two edits of it combine. */
export type PathKind = 'settings' | 'record' | 'link' | 'bundle' | 'snapshot' | 'other'

/** One item two sides changed in ways that cannot both hold. */
export interface MergeConflict {
  path: string
  kind: PathKind
  /** One line for people: what conflicts. */
  message: string
}

/** The outcome for one path: its merged content (undefined: the path is removed), or a conflict. */
export type PathDecision = {content: Uint8Array | undefined} | {conflict: MergeConflict}

/**
 * The kind of `path`.
 *
 * @example
 *   classifyPath('packages/3f/hello/2.10-3_amd64') // 'record'
 */
export function classifyPath(path: string): PathKind {
  const parts = path.split('/')
  if (path === CONFIG_PATH) return 'settings'
  if ((parts[0] === BACKENDS || parts[0] === MIRRORS) && parts.length === 2 && parts[1].endsWith('.json')) return 'settings'
  if (parts[0] === DISTS && parts.length === 3 && parts[2] === DIST_CONFIG) return 'settings'
  if (parts[0] === DISTS && parts.length === 4 && parts[3] === CATEGORY_CONFIG) return 'settings'
  if (parts[0] === DISTS && parts.length === 7) return 'link'
  if (parts[0] === PACKAGES && parts.length === 4) return 'record'
  if (parts[0] === BUNDLES && parts.length === 3) return 'bundle'
  if (parts[0] === SNAPSHOTS && parts.length === 2 && parts[1].endsWith('.json')) return 'snapshot'
  return 'other'
}

const same = (a: Uint8Array | undefined, b: Uint8Array | undefined): boolean =>
  a === b || (a !== undefined && b !== undefined && Buffer.from(a).equals(Buffer.from(b)))

/**
 * Decides one path from its content at the merge base, on our side and on theirs
 * (undefined: absent). A path changed on one side takes that side; the same change on
 * both is no conflict; a removal wins over a change made beside it (a removed package,
 * category or backend stays removed). Two different changes are a conflict only where
 * the meaning conflicts: one package (name, version, architecture) with two contents,
 * one bundle version with two member lists, one snapshot name for two commits, one
 * setting set two ways. Links are decided afterwards from the merged records
 * ({@link reconcileLink}); any other path takes their side, which is what everyone
 * else already has.
 *
 * @example
 *   decidePath('snapshots/r1.json', undefined, a, b) // {conflict: …} when a and b name different commits
 */
export function decidePath(path: string, base: Uint8Array | undefined, ours: Uint8Array | undefined, theirs: Uint8Array | undefined): PathDecision {
  if (same(ours, theirs) || same(theirs, base)) return {content: ours}
  if (same(ours, base)) return {content: theirs}
  if (ours === undefined || theirs === undefined) return {content: undefined}
  const kind = classifyPath(path)
  const conflict = (message: string): PathDecision => ({conflict: {path, kind, message}})
  switch (kind) {
    case 'record': {
      const {name, version, arch} = recordKey(path)
      return conflict(`package ${name} ${version} ${arch}: added with different contents on both sides (SHA256 ${sha256Of(ours)} here, ${sha256Of(theirs)} there)`)
    }
    case 'bundle': {
      const [, alias, version] = path.split('/')
      return conflict(`bundle ${alias} ${decodeVersion(version)}: different members on both sides`)
    }
    case 'snapshot': {
      const a = parseJson(ours) as {commit?: string; created?: string} | undefined
      const b = parseJson(theirs) as {commit?: string; created?: string} | undefined
      if (a?.commit !== undefined && a.commit === b?.commit) {
        // One name for one commit, named twice: keep the earlier naming.
        return {content: String(a.created ?? '') <= String(b.created ?? '') ? ours : theirs}
      }
      const name = path.slice(SNAPSHOTS.length + 1, -'.json'.length)
      return conflict(`snapshot name ${name}: names ${String(a?.commit).slice(0, 12)} here and ${String(b?.commit).slice(0, 12)} there`)
    }
    case 'settings': {
      const merged = mergeJson(parseJson(base) ?? {}, parseJson(ours), parseJson(theirs))
      if ('conflicts' in merged) {
        return {conflict: {path, kind, message: `setting ${settingName(path)}: ${merged.conflicts.map((k) => k || '(the whole file)').join(', ')} set two ways (${describeJsonConflict(merged.values)})`}}
      }
      return {content: Buffer.from(`${JSON.stringify(merged.value, null, 2)}\n`, 'utf8')}
    }
    case 'link':
      // Both sides wrote the link with different stanzas (a replace): the record decides.
      return {content: ours}
    default:
      return {content: theirs}
  }
}

/** The package a record path names. */
export function recordKey(path: string): {name: string; version: string; arch: string} {
  const [, , name, entry] = path.split('/')
  const i = entry.lastIndexOf('_')
  return {name, version: decodeVersion(entry.slice(0, i)), arch: entry.slice(i + 1)}
}

/** What a link path depends on: its record, its category marker and its distribution marker. */
export function linkDependencies(path: string): {record: string; category: string; distribution: string} {
  const [, dist, cat, arch, , name, version] = path.split('/')
  return {record: recordPath(name, decodeVersion(version), arch), category: categoryConfigPath(dist, cat), distribution: distConfigPath(dist)}
}

/**
 * A link after the merge must still make sense: its package, category and distribution
 * exist (else a removal on the other side took them, and the link goes too), and it
 * holds its record's stanza (else a replace on the other side changed the record).
 *
 * @example
 *   reconcileLink(link, undefined, true, true) // {content: undefined}: the package was removed
 */
export function reconcileLink(link: Uint8Array | undefined, record: Uint8Array | undefined, categoryExists: boolean, distributionExists: boolean): {content: Uint8Array | undefined; changed: boolean} {
  if (link === undefined) return {content: undefined, changed: false}
  if (record === undefined || !categoryExists || !distributionExists) return {content: undefined, changed: true}
  // A record is its published stanza followed by raptr's own Raptr-* fields (archive/records.ts).
  const text = Buffer.from(record).toString('utf8')
  const mark = text.indexOf('\nRaptr-')
  const recordStanza = mark < 0 ? text : text.slice(0, mark + 1)
  if (Buffer.from(link).toString('utf8') === recordStanza) return {content: link, changed: false}
  return {content: Buffer.from(recordStanza, 'utf8'), changed: true}
}

type Json = unknown

/**
 * Three-way merge of JSON values key by key: objects merge per key, anything else
 * (strings, numbers, arrays such as a distribution's architectures) is one setting.
 * Returns the merged value, or the keys set two ways.
 *
 * @example
 *   mergeJson({a: 1}, {a: 2}, {a: 1, b: 3}) // {value: {a: 2, b: 3}}
 */
export function mergeJson(base: Json, ours: Json, theirs: Json): {value: Json} | {conflicts: string[]; values: Array<[Json, Json]>} {
  const conflicts: string[] = []
  const values: Array<[Json, Json]> = []
  const walk = (b: Json, o: Json, t: Json, key: string): Json => {
    if (deepEqual(o, t) || deepEqual(t, b)) return o
    if (deepEqual(o, b)) return t
    if (isObject(o) && isObject(t)) {
      const bo = isObject(b) ? b : {}
      const out: Record<string, Json> = {}
      // Our key order first, then keys only they added: the file stays readable.
      for (const k of [...new Set([...Object.keys(o), ...Object.keys(t)])]) {
        const v = walk(bo[k], o[k], t[k], key ? `${key}.${k}` : k)
        if (v !== undefined) out[k] = v
      }
      return out
    }
    conflicts.push(key)
    values.push([o, t])
    return o
  }
  const value = walk(base, ours, theirs, '')
  return conflicts.length ? {conflicts, values} : {value}
}

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function deepEqual(a: Json, b: Json): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

function parseJson(data: Uint8Array | undefined): Json {
  if (data === undefined) return undefined
  try {
    return JSON.parse(Buffer.from(data).toString('utf8')) as Json
  } catch {
    return Buffer.from(data).toString('utf8')
  }
}

function describeJsonConflict(values: Array<[Json, Json]>): string {
  return values.map(([o, t]) => `${JSON.stringify(o) ?? 'removed'} here, ${JSON.stringify(t) ?? 'removed'} there`).join('; ')
}

function settingName(path: string): string {
  if (path === CONFIG_PATH) return CONFIG_PATH
  const parts = path.split('/')
  if (parts[0] === BACKENDS) return `backend ${parts[1].slice(0, -'.json'.length)}`
  if (parts[0] === MIRRORS) return `mirror ${parts[1].slice(0, -'.json'.length)}`
  if (parts.length === 3) return `distribution ${parts[1]}`
  return `category ${parts[2]} of ${parts[1]}`
}

/** The SHA256 field of a record's stanza, shortened, so a conflict line says which file is which. */
function sha256Of(record: Uint8Array): string {
  const text = Buffer.from(record).toString('utf8')
  const m = /^SHA256: ([0-9a-f]{64})$/m.exec(text) ?? /^Checksums-Sha256:\n ([0-9a-f]{64}) /m.exec(text)
  return m ? m[1].slice(0, 12) : 'unknown'
}
