import fs from 'node:fs'
import path from 'node:path'
import * as z from '../core/zod.js'
import {RaptrError} from '../errors.js'
import {writeFileAtomic} from './atomic-file.js'

/**
 * Settings of one clone, never committed: `.git/raptr/local.json`. What one person or CI
 * job chooses for their own copy (sync on or off) must not change every other clone's
 * behaviour on its next pull, as a setting in the shared raptr.json would.
 */
export const LocalSettings = z.strictObject({sync: z.optional(z.boolean())})
export type LocalSettings = z.infer<typeof LocalSettings>

const fileOf = (gitDir: string): string => path.join(gitDir, 'raptr', 'local.json')

/** The clone's own settings (none when the file is missing). */
export function readLocalSettings(gitDir: string): LocalSettings {
  let text: string
  try {
    text = fs.readFileSync(fileOf(gitDir), 'utf8')
  } catch {
    return {} // never written: no local settings
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    parsed = undefined
  }
  const r = LocalSettings.safeParse(parsed)
  if (!r.success) throw new RaptrError('CORRUPT_ARCHIVE', `${fileOf(gitDir)} is not valid: ${r.error.issues[0]?.message ?? 'not JSON'}`, 'remove it, or fix it to {"sync": true}')
  return r.data
}

/**
 * Sets some of the clone's own settings (atomically: a crash leaves the old file or the new).
 *
 * @example await writeLocalSettings(archive.gitDir, {sync: true})
 */
export async function writeLocalSettings(gitDir: string, patch: LocalSettings): Promise<void> {
  await fs.promises.mkdir(path.dirname(fileOf(gitDir)), {recursive: true})
  await writeFileAtomic(fileOf(gitDir), `${JSON.stringify({...readLocalSettings(gitDir), ...patch}, null, 2)}\n`)
}
