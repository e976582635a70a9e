import fs from 'node:fs'
import path from 'node:path'
import {RaptrError} from '../errors.js'
import {CONFIG_PATH} from '../core/layout.js'
import {json, readArchiveSettings} from '../archive/settings.js'
import {Archive} from '../store/archive.js'
import {cloneRepository} from '../store/git-remote.js'

/** The directory `git clone URL` would pick: the URL's last part without `.git`. */
export function defaultCloneDir(url: string): string {
  const last = url.replace(/[/\\]+$/, '').split(/[/\\:]/).at(-1) ?? ''
  const name = last.replace(/\.git$/, '')
  if (!name) throw new RaptrError('BAD_ARGUMENT', `cannot tell a directory name from ${url}`, 'give one: raptr clone URL DIR')
  return name
}

/**
 * Clones an archive from any remote the git CLI reaches and turns sync on for it
 * (`"sync": true` in raptr.json, one commit when it was off), so its commands fetch,
 * merge and push by default. Something that is not a raptr archive is removed again.
 *
 * @example
 *   await cloneArchive('git@example.org:team/apt.git', 'apt')
 */
export async function cloneArchive(url: string, dir: string | undefined, cwd: string): Promise<{archive: Archive; commit?: string}> {
  const target = path.resolve(cwd, dir ?? defaultCloneDir(url))
  if (fs.existsSync(target) && fs.readdirSync(target).length > 0) {
    throw new RaptrError('ALREADY_EXISTS', `${target} exists and is not empty`, 'choose another directory: raptr clone URL DIR')
  }
  await cloneRepository(url, target, cwd)
  if (!fs.existsSync(path.join(target, CONFIG_PATH))) {
    await fs.promises.rm(target, {recursive: true, force: true})
    throw new RaptrError('NOT_AN_ARCHIVE', `${url} is not a raptr archive (it has no ${CONFIG_PATH})`, 'clone the git repository raptr init created, or one pushed from it')
  }
  const archive = await Archive.open(target)
  const {commit} = await archive.transaction(async (tx) => {
    const settings = await readArchiveSettings(tx)
    if (settings.sync === true) return {message: '', events: [], result: null}
    const raw = JSON.parse((await tx.read(CONFIG_PATH))!) as Record<string, unknown>
    tx.write(CONFIG_PATH, json({...raw, sync: true}))
    return {message: 'sync turned on: commands fetch, merge and push the archive\'s remote', events: [{v: 1, type: 'SyncEnabled'}], result: null}
  })
  return {archive, commit}
}
