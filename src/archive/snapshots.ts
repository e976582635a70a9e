import * as z from '../core/zod.js'
import {RaptrError} from '../errors.js'
import {SNAPSHOTS, snapshotNamePath} from '../core/layout.js'
import {NAME_LIMITS, shownValue, validateSnapshotName} from '../core/names.js'
import type {Archive, ArchiveView} from '../store/archive.js'
import {listRecordedPins, type RecordedPin} from './pins.js'
import {listPublications, type RecordedPublication} from './publications.js'
import {json, parseJsonFile} from './settings.js'

export const NamedSnapshot = z.object({commit: z.string().check(z.regex(/^[0-9a-f]{40}$/)), created: z.string()})
export type NamedSnapshot = z.infer<typeof NamedSnapshot>

/**
 * Resolves what a user calls a snapshot — a name given with `snapshot create`, a full
 * or abbreviated commit id, or `HEAD` — to a commit id.
 *
 * @example
 *   await resolveSnapshot(archive, 'release-42') // '3f1c…'
 */
export async function resolveSnapshot(archive: Archive, ref: string): Promise<string> {
  if (ref === 'HEAD' || ref === 'current') {
    const head = await archive.head()
    if (head) return head
  }
  const view = await archive.view()
  if (ref.length <= NAME_LIMITS.snapshot && /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(ref)) {
    const text = await view.read(snapshotNamePath(ref))
    if (text !== undefined) return parseJsonFile(NamedSnapshot, text, snapshotNamePath(ref)).commit
  }
  const commit = await archive.expandCommit(ref)
  if (commit) return commit
  throw new RaptrError('UNKNOWN_SNAPSHOT', `no snapshot "${shownValue(ref)}"`, 'give a snapshot id from raptr log / raptr snapshot list, or a name from raptr snapshot create')
}

export async function listNamedSnapshots(view: ArchiveView): Promise<Array<{name: string} & NamedSnapshot>> {
  const out: Array<{name: string} & NamedSnapshot> = []
  for (const file of await view.list(SNAPSHOTS)) {
    if (!file.endsWith('.json')) continue
    const name = file.slice(0, -5)
    out.push({name, ...parseJsonFile(NamedSnapshot, (await view.read(`${SNAPSHOTS}/${file}`))!, `${SNAPSHOTS}/${file}`)})
  }
  return out
}

/** Names a snapshot (default: the current one). Naming the same snapshot again changes nothing. */
export async function nameSnapshot(archive: Archive, name: string, ref?: string): Promise<{commit?: string; snapshot: string}> {
  validateSnapshotName(name)
  const target = ref ? await resolveSnapshot(archive, ref) : await archive.head()
  if (!target) throw new RaptrError('CORRUPT_ARCHIVE', 'the archive has no snapshot yet', 'add something first')
  const {commit} = await archive.transaction(async (tx) => {
    const p = snapshotNamePath(name)
    const existing = await tx.read(p)
    if (existing !== undefined) {
      const cur = parseJsonFile(NamedSnapshot, existing, p)
      if (cur.commit === target) return {message: '', events: [], result: null}
      throw new RaptrError('ALREADY_EXISTS', `snapshot name "${name}" is taken (it names ${cur.commit.slice(0, 12)})`, 'choose another name')
    }
    tx.write(p, json({commit: target, created: new Date().toISOString()}))
    return {message: `snapshot named: ${name} = ${target.slice(0, 12)}`, events: [{v: 1, type: 'SnapshotNamed', name, snapshot: target}], result: null}
  })
  return {commit, snapshot: target}
}

export interface SnapshotDescription {
  id: string
  names: string[]
  date: string
  author: string
  message: string
  distributions: Array<{name: string; categories: string[]; architectures: string[]; packages: number}>
  published: RecordedPublication[]
  pins: RecordedPin[]
}

/**
 * What `snapshot show` prints: when, who, the event, what each distribution holds, and
 * where it was published and pinned (as the archive records it).
 *
 * @example (await describeSnapshot(archive, 'release-42')).distributions[0].packages
 */
export async function describeSnapshot(archive: Archive, ref: string): Promise<SnapshotDescription> {
  const {listDistributions} = await import('./distributions.js')
  const {listPackages} = await import('./packages.js')
  const commit = await resolveSnapshot(archive, ref)
  const info = await archive.readCommit(commit)
  const view = await archive.view(commit)
  const distributions = []
  for (const d of await listDistributions(view)) {
    const pkgs = await listPackages(view, {distribution: d.name})
    distributions.push({name: d.name, categories: d.categories, architectures: d.architectures, packages: pkgs.length})
  }
  const current = await archive.view()
  const names = (await listNamedSnapshots(current)).filter((s) => s.commit === commit).map((s) => s.name)
  const published = (await listPublications(current)).filter((p) => p.snapshot === commit)
  const pins = (await listRecordedPins(current)).filter((p) => p.snapshot === commit)
  return {id: commit, names, date: new Date(info.timestamp * 1000).toISOString(), author: info.author, message: info.message, distributions, published, pins}
}

/**
 * What `snapshot list` prints: named snapshots, recorded publications and pins.
 *
 * @example (await listSnapshots(archive)).pins
 */
export async function listSnapshots(archive: Archive): Promise<{named: Array<{name: string} & NamedSnapshot>; publications: RecordedPublication[]; pins: RecordedPin[]}> {
  const view = await archive.view()
  return {named: await listNamedSnapshots(view), publications: await listPublications(view), pins: await listRecordedPins(view)}
}

/**
 * Removes a snapshot's name (the commit stays in the history; purge no longer keeps it
 * for the name). A name that is not there is `nothing` to do.
 *
 * @example await removeSnapshotName(archive, 'release-41')
 */
export async function removeSnapshotName(archive: Archive, name: string): Promise<{commit?: string; snapshot?: string; nothing?: string}> {
  validateSnapshotName(name)
  const {commit, result} = await archive.transaction<{snapshot?: string; nothing?: string}>(async (tx) => {
    const p = snapshotNamePath(name)
    const text = await tx.read(p)
    if (text === undefined) return {message: '', events: [], result: {nothing: `there is no snapshot named "${name}"`}}
    const cur = parseJsonFile(NamedSnapshot, text, p)
    tx.remove(p)
    return {message: `snapshot name removed: ${name} (was ${cur.commit.slice(0, 12)})`, events: [{v: 1, type: 'SnapshotRemoved', name, snapshot: cur.commit}], result: {snapshot: cur.commit}}
  })
  return {commit, ...result}
}

/**
 * Renames a named snapshot, keeping its date. Renaming again (the old name gone, the
 * new one in place) is `nothing` to do.
 *
 * @example await renameSnapshot(archive, 'rc-42', 'release-42')
 */
export async function renameSnapshot(archive: Archive, from: string, to: string): Promise<{commit?: string; snapshot: string; nothing?: string}> {
  validateSnapshotName(from)
  validateSnapshotName(to)
  const {commit, result} = await archive.transaction<{snapshot: string; nothing?: string}>(async (tx) => {
    const fromText = await tx.read(snapshotNamePath(from))
    const toText = await tx.read(snapshotNamePath(to))
    if (fromText === undefined) {
      if (toText !== undefined) return {message: '', events: [], result: {snapshot: parseJsonFile(NamedSnapshot, toText, snapshotNamePath(to)).commit, nothing: `"${from}" is already named "${to}"`}}
      throw new RaptrError('UNKNOWN_SNAPSHOT', `there is no snapshot named "${from}"`, 'list the names with: raptr snapshot list')
    }
    const cur = parseJsonFile(NamedSnapshot, fromText, snapshotNamePath(from))
    if (toText !== undefined) {
      const other = parseJsonFile(NamedSnapshot, toText, snapshotNamePath(to))
      throw new RaptrError('ALREADY_EXISTS', `snapshot name "${to}" is taken (it names ${other.commit.slice(0, 12)})`, `choose another name, or remove it first: raptr snapshot remove ${to}`)
    }
    tx.remove(snapshotNamePath(from))
    tx.write(snapshotNamePath(to), fromText)
    return {message: `snapshot renamed: ${from} → ${to} (${cur.commit.slice(0, 12)})`, events: [{v: 1, type: 'SnapshotRenamed', from, to, snapshot: cur.commit}], result: {snapshot: cur.commit}}
  })
  return {commit, ...result}
}
