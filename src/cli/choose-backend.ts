import {RaptrError} from '../errors.js'
import {listBackends, requireBackend, type NamedBackend} from '../archive/backends.js'
import type {ArchiveView} from '../store/archive.js'

/** The backend a command acts on: the one named, or the only one there is. */
export async function chooseBackend(view: ArchiveView, name: string | undefined): Promise<NamedBackend> {
  if (name) return requireBackend(view, name)
  const all = await listBackends(view)
  if (all.length === 1) return all[0]
  if (all.length === 0) throw new RaptrError('UNKNOWN_BACKEND', 'the archive has no backend', 'add one with: raptr backend add local file:///srv/apt')
  throw new RaptrError('AMBIGUOUS', `the archive has ${all.length} backends (${all.map((b) => b.name).join(', ')})`, 'choose one with --backend NAME')
}
