/**
 * The Signer, backed by openpgp.js. openpgp is imported lazily: it is large, and
 * commands such as `--help` never sign anything.
 *
 * What apt and gpgv need, and why the code below looks the way it does:
 * - v4 keys only. gpgv (GnuPG 2.2/2.4, what apt runs) cannot verify v6 (RFC 9580)
 *   keys or signatures, so generated keys are v4 Ed25519 ("curve25519Legacy") and
 *   loaded v6 keys are refused.
 * - SHA-512 digests: apt rejects SHA-1 signatures.
 * - InRelease must look like `gpg --clearsign` output, because apt splits it with its
 *   own strict parser before it hands it to gpgv.
 */
import type {PrivateKey} from 'openpgp'
import {RaptrError} from '../errors.js'
import type {GeneratedKey, Signer} from './interface.js'

const PASSPHRASE_ENV = 'RAPTR_SIGNING_PASSPHRASE'

async function openpgp(): Promise<typeof import('openpgp')> {
  return import('openpgp')
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}

/**
 * Load an ASCII-armored private key (decrypting it with `passphrase` if it is protected) as a Signer.
 *
 * @example const signer = await loadSigner({armoredKey, passphrase: process.env.RAPTR_SIGNING_PASSPHRASE})
 */
export async function loadSigner(options: {armoredKey: string; passphrase?: string}): Promise<Signer> {
  const pgp = await openpgp()
  return makeSigner(pgp, [await readSigningKey(pgp, options, PASSPHRASE_ENV)])
}

/**
 * One Signer for several keys (a key rotation): every signature it makes carries one
 * signature packet per key, so a client that trusts any one of them accepts it. Each key
 * has its own passphrase (and the variable to name when it is wrong). The first key's
 * fingerprint is the Signer's fingerprint.
 *
 * @example const both = await loadSigners([{armoredKey: oldKey}, {armoredKey: newKey, passphraseEnv: 'RAPTR_SIGNING_PASSPHRASE_NEW'}])
 */
export async function loadSigners(list: Array<{armoredKey: string; passphrase?: string; passphraseEnv?: string}>): Promise<Signer> {
  const pgp = await openpgp()
  const keys: PrivateKey[] = []
  for (const k of list) keys.push(await readSigningKey(pgp, k, k.passphraseEnv ?? PASSPHRASE_ENV))
  return makeSigner(pgp, keys)
}

/**
 * The public keys in armored key files (private or public), as one binary keyring and one
 * armored block: what is published while a key that no longer signs is still trusted.
 * No passphrase is needed: only public parts are read.
 */
export async function publicKeysOf(armoredKeys: string[]): Promise<{armored: string; binary: Uint8Array; fingerprints: string[]}> {
  const pgp = await openpgp()
  const parts: Uint8Array[] = []
  const fingerprints: string[] = []
  for (const armoredKey of armoredKeys) {
    let keys: import('openpgp').Key[]
    try {
      keys = await pgp.readKeys({armoredKeys: armoredKey})
    } catch (e) {
      throw new RaptrError('BAD_SIGNING_KEY', `cannot read a key: ${messageOf(e)}`, 'give an ASCII-armored OpenPGP key')
    }
    for (const k of keys) {
      parts.push(k.toPublic().write())
      fingerprints.push(k.getFingerprint().toUpperCase())
    }
  }
  const binary = concat(parts)
  return {armored: pgp.armor(pgp.enums.armor.publicKey, binary), binary, fingerprints}
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/** Reads and unlocks one private key, refusing what apt could not verify. */
async function readSigningKey(pgp: typeof import('openpgp'), options: {armoredKey: string; passphrase?: string}, passphraseEnv: string): Promise<PrivateKey> {
  let key: PrivateKey
  try {
    key = await pgp.readPrivateKey({armoredKey: options.armoredKey})
  } catch (e) {
    const isPublic = /BEGIN PGP PUBLIC KEY BLOCK/.test(options.armoredKey)
    throw new RaptrError(
      'BAD_SIGNING_KEY',
      isPublic ? 'the signing key is a public key; signing needs the private key' : `cannot read the signing key: ${messageOf(e)}`,
      'give an ASCII-armored OpenPGP private key (gpg --armor --export-secret-keys KEYID), or create one with: raptr key generate',
    )
  }
  if (key.keyPacket.version !== 4) {
    throw new RaptrError(
      'BAD_SIGNING_KEY',
      `the signing key is a v${key.keyPacket.version} OpenPGP key, which apt's gpgv cannot verify`,
      'use a v4 key (Ed25519 or RSA 3072+), e.g. one made by: raptr key generate',
    )
  }

  if (!key.isDecrypted()) {
    if (options.passphrase === undefined || options.passphrase === '') {
      throw new RaptrError(
        'BAD_PASSPHRASE',
        'the signing key is protected by a passphrase and none was given',
        `set ${passphraseEnv} to the key's passphrase`,
      )
    }
    try {
      key = await pgp.decryptKey({privateKey: key, passphrase: options.passphrase})
    } catch (e) {
      throw new RaptrError(
        'BAD_PASSPHRASE',
        /passphrase/i.test(messageOf(e)) ? 'wrong passphrase for the signing key' : `cannot decrypt the signing key: ${messageOf(e)}`,
        `check ${passphraseEnv}`,
      )
    }
  }

  try {
    await key.getSigningKey()
  } catch (e) {
    throw new RaptrError(
      'BAD_SIGNING_KEY',
      `the key cannot sign: ${messageOf(e)}`,
      'use a key (or subkey) with signing capability that has not expired or been revoked',
    )
  }
  return key
}

function makeSigner(pgp: typeof import('openpgp'), keys: PrivateKey[]): Signer {
  const key = keys.length === 1 ? keys[0] : keys
  // One key: its own armor, byte for byte as before; several: one block holding them all.
  const binary = concat(keys.map((k) => k.toPublic().write()))
  const armored = keys.length === 1 ? keys[0].toPublic().armor() : pgp.armor(pgp.enums.armor.publicKey, binary)
  const fingerprints = keys.map((k) => k.getFingerprint().toUpperCase())
  const config = {preferredHashAlgorithm: pgp.enums.hash.sha512}

  return {
    publicKeyArmored: () => armored,
    publicKeyBinary: () => binary.slice(),
    fingerprint: () => fingerprints[0],
    signingFingerprints: () => [...fingerprints],

    async clearsign(text) {
      assertClearsignable(text)
      // The cleartext framework never signs the line break before the signature, so
      // a final newline would otherwise show up as an extra blank line in InRelease.
      const body = text.endsWith('\n') ? text.slice(0, -1) : text
      const message = await pgp.createCleartextMessage({text: body})
      const signed = await pgp.sign({message, signingKeys: key, config})
      // openpgp emits the text with CRLF; gpg (and apt's parser) use LF. The signature
      // covers canonical CRLF text either way, so only the framing changes.
      return signed.replace(/\r\n/g, '\n')
    },

    async detachSign(text) {
      // A binary signature over the exact bytes, as `gpg --detach-sign` makes it:
      // nothing is canonicalised, so Release.gpg matches Release byte for byte.
      const message = await pgp.createMessage({binary: new TextEncoder().encode(text)})
      return (await pgp.sign({message, signingKeys: key, detached: true, format: 'armored', config})) as string
    },
  }
}

// The cleartext framework strips trailing whitespace and normalises line endings
// before signing; refuse such text so what apt reads is exactly what was rendered.
function assertClearsignable(text: string): void {
  const lines = text.split('\n')
  const bad = lines.findIndex((line) => /[ \t]$|\r/.test(line))
  if (bad !== -1) {
    throw new RaptrError(
      'BAD_ARGUMENT',
      `cannot clearsign: line ${bad + 1} ends with whitespace or contains a carriage return`,
      'Release text must use LF line endings without trailing spaces',
    )
  }
}

/**
 * What `raptr key generate` makes, and why (printed with the key). Ed25519 and RSA-3072+
 * both have no cutoff in apt's sqv policy; Ed25519 also verifies with gpgv back to
 * GnuPG 2.1 (apt < 2.9.19) and makes small keys and signatures. v6 (RFC 9580) keys would
 * not verify with gpgv at all.
 */
export const GENERATED_ALGORITHM = "Ed25519 (OpenPGP v4): no cutoff in apt's sqv policy (RSA-2048 is refused from 2030-02-01), and older apt's gpgv verifies it too"

/**
 * Generate a v4 Ed25519 signing key that apt's gpgv accepts (with an X25519 encryption subkey, as gpg makes them).
 *
 * @example const {privateKeyArmored, fingerprint} = await generateKey({name: 'Acme Archive', email: 'apt@acme.example'})
 */
export async function generateKey(options: {name: string; email: string; passphrase?: string}): Promise<GeneratedKey> {
  const pgp = await openpgp()
  let pair: {privateKey: PrivateKey; publicKey: import('openpgp').PublicKey}
  try {
    pair = await pgp.generateKey({
      type: 'ecc',
      curve: 'curve25519Legacy',
      userIDs: [{name: options.name, email: options.email}],
      ...(options.passphrase ? {passphrase: options.passphrase} : {}),
      format: 'object',
      config: {v6Keys: false},
    })
  } catch (e) {
    throw new RaptrError('BAD_ARGUMENT', `cannot make a key for "${options.name} <${options.email}>": ${messageOf(e).replace(/^Error generating keypair: /, '')}`, 'give a plain name and an e-mail address such as apt@acme.example')
  }
  const {privateKey, publicKey} = pair
  return {
    algorithm: GENERATED_ALGORITHM,
    privateKeyArmored: privateKey.armor(),
    publicKeyArmored: publicKey.armor(),
    fingerprint: privateKey.getFingerprint().toUpperCase(),
  }
}
