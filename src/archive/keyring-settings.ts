/**
 * `keyring.json` in the archive: the keyring package raptr builds (`raptr key package`),
 * recorded so that every key rotation step can rebuild it the same way, from any clone.
 * Pushed data like any settings file: its names are checked where it is read, and by
 * the incoming-tree check before a sync takes it.
 */
import * as z from '../core/zod.js'
import {RaptrError} from '../errors.js'
import {parseSection, validateBackendName, validatePackageName} from '../core/names.js'
import {checkFlagUrl} from '../backends/url.js'
import type {ArchiveView, Transaction} from '../store/archive.js'
import {json, parseJsonFile} from './settings.js'
import {DEFAULT_KEY_PATH} from '../core/sources-list.js'

export const KEYRING_PATH = 'keyring.json'

/**
 * The longest keyring package name: its files are named after it, and the longer,
 * `NAME.sources`, must fit a tar header's 100-byte name field (the directory goes into
 * the 155-byte prefix field).
 */
export const MAX_KEYRING_NAME = 100 - '.sources'.length

/** A keyring package name: a Debian package name short enough for its file names. */
export function validateKeyringName(name: string): string {
  validatePackageName(name)
  if (name.length > MAX_KEYRING_NAME) {
    throw new RaptrError('BAD_NAME', `the keyring package name is ${name.length} characters, more than ${MAX_KEYRING_NAME}`, 'give a shorter --name (its .sources file name must fit a .deb)')
  }
  return name
}

/** Where a client keeps the keyring the package installs. */
export const keyringFile = (name: string): string => `/usr/share/keyrings/${name}.pgp`

/**
 * The keyring file a client of this archive holds: the keyring package's when the
 * archive builds one (`raptr key package`), else the usual /etc/apt/keyrings/raptr.gpg.
 */
export async function clientKeyPath(view: ArchiveView): Promise<string> {
  const keyring = await readKeyringSettings(view)
  return keyring ? keyringFile(keyring.name) : DEFAULT_KEY_PATH
}
/** Where the package puts the archive's apt source. */
export const sourcesFile = (name: string): string => `/etc/apt/sources.list.d/${name}.sources`

export const KeyringSettings = z.strictObject({
  /** The package name (Debian grammar). */
  name: z.string(),
  /** DIST/CAT the package is linked into; its .sources has a stanza for each DIST. */
  sections: z.array(z.string()).check(z.minLength(1)),
  /** The URL clients fetch the archive from, when given with --url; else the backend's public URL. */
  url: z.optional(z.string()),
  /** The backend whose public URL the .sources names. */
  backend: z.optional(z.string()),
  /** The package's Maintainer field, fixed at the first build so rebuilds by others give the same bytes. */
  maintainer: z.string(),
})
export type KeyringSettings = z.infer<typeof KeyringSettings>

/** keyring.json's text, parsed and checked as anything a pusher wrote: names follow their grammars. */
export function parseKeyringSettings(text: string, file = KEYRING_PATH): KeyringSettings {
  const s = parseJsonFile(KeyringSettings, text, file)
  try {
    validateKeyringName(s.name)
    for (const sec of s.sections) parseSection(sec, {requireCategory: true})
    if (s.backend !== undefined) validateBackendName(s.backend)
    // The URL goes into the package's .sources and into output, as a --url would.
    if (s.url !== undefined) checkFlagUrl(s.url, 'url', ['http', 'https', 'file'])
    // The maintainer goes into the package's control file: one short line.
    const control = [...s.maintainer].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)
    if (control || s.maintainer.length > 200) throw new RaptrError('BAD_ARGUMENT', 'the maintainer is not one short line', '')
  } catch (error) {
    throw new RaptrError('CORRUPT_ARCHIVE', `${KEYRING_PATH} in the archive is invalid: ${(error as Error).message}`, 'fix or restore it with git (git log -- keyring.json), or build the package again: raptr key package --section DIST/CAT')
  }
  return s
}

/** The recorded keyring package, if any. */
export async function readKeyringSettings(view: ArchiveView): Promise<KeyringSettings | undefined> {
  const text = await view.read(KEYRING_PATH)
  return text === undefined ? undefined : parseKeyringSettings(text)
}

/** Records the keyring package's settings in a transaction (nothing when unchanged). */
export async function writeKeyringSettings(tx: Transaction, s: KeyringSettings): Promise<void> {
  const text = json(s)
  if ((await tx.read(KEYRING_PATH)) !== text) tx.write(KEYRING_PATH, text)
}
