/**
 * `raptr key status`: where a key rotation stands (none, started, finished), the keys
 * involved (read with key check's reader and judged against sqv's policy) and, for each
 * live distribution on each backend, which of those keys its InRelease is signed by —
 * checked cryptographically against each key, not read from any field.
 */
import {readRegularFileSync} from '../regular-file.js'
import type {Key} from 'openpgp'
import {liveDir} from '../core/layout.js'
import {selectBackends, type NamedBackend} from '../archive/backends.js'
import {listDistributionNames} from '../archive/settings.js'
import {describeKey, keyRefOf, readSigningSettings, type KeyRef} from '../archive/signing-settings.js'
import type {Backend} from '../backends/interface.js'
import type {ArchiveView} from '../store/archive.js'
import {checkKeys, readKeyring} from '../signing/key-check.js'

/** Far above any real Release (Debian's largest InRelease is well under 1 MiB). */
const MAX_INRELEASE = 32 * 1024 * 1024

export interface StatusKey {
  role: 'current' | 'old' | 'new'
  key: KeyRef
  fingerprint: string
  /** Of the part that signs (else the primary key), e.g. `EdDSA (Ed25519)` or `RSA 3072`. */
  algorithm: string
  expires: string | null
  /** What apt's sqv says of the key now (key check). */
  sqv: string
}

export interface StatusDistribution {
  backend: string
  distribution: string
  /** Fingerprints of the listed keys that signed the live InRelease; null: none is live (or unsigned). */
  signedBy: string[] | null
  /** The Release's own Signed-By field, if any. */
  signedByField?: string[]
  error?: string
}

export interface KeyStatus {
  step: 'none' | 'started' | 'finished'
  keys: StatusKey[]
  distributions: StatusDistribution[]
}

/** The public keys `ref` names (its file, or the GnuPG keyring). */
async function keysOf(ref: KeyRef, expand: (f: string) => string): Promise<Key[]> {
  if ('gpg' in ref) {
    const {gpgPublicKey} = await import('../signing/gpg-signer.js')
    return readKeyring(gpgPublicKey(ref.gpg), describeKey(ref))
  }
  let bytes: Uint8Array
  try {
    // A regular file of at most RAPTR_MAX_KEY_FILE bytes: the path comes from the archive.
    bytes = new Uint8Array(readRegularFileSync(expand(ref.keyFile), 'keyFile', {what: 'the key file', missing: 'NO_SIGNING_KEY', hint: 'the archive names it; check the path on this machine'}))
  } catch (error) {
    const {RaptrError} = await import('../errors.js')
    if (error instanceof RaptrError && error.code !== 'NO_SIGNING_KEY') throw error
    throw new RaptrError('NO_SIGNING_KEY', `cannot read the key file ${ref.keyFile}`, 'the archive names it; check the path on this machine')
  }
  return readKeyring(bytes, ref.keyFile)
}

/**
 * The archive's signing state and what each live distribution is signed by.
 *
 * @example const status = await keyStatus(view, {open: openNamedBackend, expand: expandHome})
 */
export async function keyStatus(view: ArchiveView, opts: {open: (b: NamedBackend) => Promise<Backend>; expand: (f: string) => string; backends?: string[]}): Promise<KeyStatus> {
  const settings = await readSigningSettings(view)
  const r = settings?.rotation
  const refs: Array<{role: StatusKey['role']; key: KeyRef}> = r ? [{role: 'old', key: r.old}, {role: 'new', key: r.new}] : settings ? [{role: 'current', key: keyRefOf(settings)}] : []
  const keys: StatusKey[] = []
  const loaded: Array<{fingerprint: string; keys: Key[]}> = []
  for (const {role, key} of refs) {
    const ks = await keysOf(key, opts.expand)
    const report = await checkKeys(ks, {at: new Date(), withinDays: 90})
    const k = report.keys[0]
    const part = k.components.find((c) => c.signs) ?? k.components[0]
    keys.push({role, key, fingerprint: k.fingerprint, algorithm: part.algorithm, expires: k.components[0].expires, sqv: k.status})
    loaded.push({fingerprint: k.fingerprint, keys: ks})
  }
  const distributions: StatusDistribution[] = []
  const named = await selectBackends(view, opts.backends)
  const dists = await listDistributionNames(view)
  for (const b of named) {
    let backend: Backend
    try {
      backend = await opts.open(b)
    } catch (e) {
      for (const d of dists) distributions.push({backend: b.name, distribution: d, signedBy: null, error: e instanceof Error ? e.message : String(e)})
      continue
    }
    for (const d of dists) {
      const bytes = await backend.get(`${liveDir(d)}/InRelease`)
      if (!bytes) {
        distributions.push({backend: b.name, distribution: d, signedBy: null})
        continue
      }
      // A backend's file, not ours: one too large to be a Release is reported, not parsed.
      if (bytes.length > MAX_INRELEASE) {
        distributions.push({backend: b.name, distribution: d, signedBy: null, error: `InRelease is ${bytes.length} bytes, more than a Release can be`})
        continue
      }
      const text = Buffer.from(bytes).toString('utf8')
      const field = /^Signed-By: *(.+)$/m.exec(text)?.[1]
      distributions.push({backend: b.name, distribution: d, signedBy: await signersOf(text, loaded), ...(field ? {signedByField: field.split(/[\s,]+/).filter(Boolean)} : {})})
    }
  }
  return {step: r?.step ?? 'none', keys, distributions}
}

/** Which of `candidates` made a valid signature in the clearsigned `text`. */
async function signersOf(text: string, candidates: Array<{fingerprint: string; keys: Key[]}>): Promise<string[]> {
  const pgp = await import('openpgp')
  const out: string[] = []
  for (const c of candidates) {
    try {
      const message = await pgp.readCleartextMessage({cleartextMessage: text})
      const {signatures} = await pgp.verify({message, verificationKeys: c.keys})
      const results = await Promise.all(signatures.map((s) => s.verified.then(() => true, () => false)))
      if (results.some(Boolean)) out.push(c.fingerprint)
    } catch {
      // Not a signature this key could check: it did not sign.
    }
  }
  return out
}
