import * as z from '../core/zod.js'
import type {Archive, ArchiveView} from '../store/archive.js'
import {json, parseJsonFile} from './settings.js'

/** `signing.json` in the archive: which key publish signs with. A path or a GnuPG key id, never the key. */
export const SIGNING_PATH = 'signing.json'

export const SigningSettings = z.union([
  z.strictObject({keyFile: z.string().check(z.minLength(1))}),
  z.strictObject({gpg: z.string().check(z.regex(/^[0-9A-F]{40}$/))}),
])
export type SigningSettings = z.infer<typeof SigningSettings>

/** The signing key the archive names, if any. */
export async function readSigningSettings(view: ArchiveView): Promise<SigningSettings | undefined> {
  const text = await view.read(SIGNING_PATH)
  return text === undefined ? undefined : parseJsonFile(SigningSettings, text, SIGNING_PATH)
}

/**
 * Records which key publish signs with (idempotent: the same setting again makes no commit).
 *
 * @example await useSigningKey(archive, {gpg: '0123456789ABCDEF0123456789ABCDEF01234567'})
 */
export async function useSigningKey(archive: Archive, settings: SigningSettings): Promise<{commit?: string}> {
  const {commit} = await archive.transaction(async (tx) => {
    const text = json(settings)
    if ((await tx.read(SIGNING_PATH)) === text) return {message: '', events: [], result: null}
    tx.write(SIGNING_PATH, text)
    return {message: `signing key set: ${'gpg' in settings ? `GnuPG key ${settings.gpg}` : settings.keyFile}`, events: [{v: 1, type: 'KeySet', ...settings}], result: null}
  })
  return {commit}
}
