import {z} from 'zod'
import {RaptrError} from '../errors.js'
import {SNAPSHOTS, snapshotNamePath} from '../core/layout.js'
import {validateAlias} from '../core/names.js'
import type {Archive, Transaction} from '../store/archive.js'
import {json, parseJsonFile} from './settings.js'

export const NamedSnapshot = z.object({commit: z.string().regex(/^[0-9a-f]{40}$/), created: z.string()})
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
  if (/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(ref)) {
    const text = await view.read(snapshotNamePath(ref))
    if (text !== undefined) return parseJsonFile(NamedSnapshot, text, snapshotNamePath(ref)).commit
  }
  const commit = await archive.expandCommit(ref)
  if (commit) return commit
  throw new RaptrError('UNKNOWN_SNAPSHOT', `no snapshot "${ref}"`, 'give a snapshot id from raptr log / raptr snapshot list, or a name from raptr snapshot create')
}

export async function listNamedSnapshots(view: Transaction): Promise<Array<{name: string} & NamedSnapshot>> {
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
  validateAlias(name)
  if (/^[0-9a-f]{4,40}$/.test(name)) throw new RaptrError('BAD_NAME', `"${name}" looks like a snapshot id`, 'choose a name with a letter outside a-f, e.g. release-1')
  const target = ref ? await resolveSnapshot(archive, ref) : await archive.head()
  if (!target) throw new RaptrError('CORRUPT_ARCHIVE', 'the archive has no snapshot yet', 'add something first')
  const {commit} = await archive.transaction(async (tx) => {
    const p = snapshotNamePath(name)
    const existing = await tx.read(p)
    if (existing !== undefined) {
      const cur = parseJsonFile(NamedSnapshot, existing, p)
      if (cur.commit === target) return {message: '', result: null}
      throw new RaptrError('ALREADY_EXISTS', `snapshot name "${name}" is taken (it names ${cur.commit.slice(0, 12)})`, 'choose another name')
    }
    tx.write(p, json({commit: target, created: new Date().toISOString()}))
    return {message: `snapshot named: ${name} = ${target.slice(0, 12)}`, result: null}
  })
  return {commit, snapshot: target}
}
