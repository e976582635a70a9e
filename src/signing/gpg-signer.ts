/**
 * The Signer, backed by the user's own GnuPG: the key stays in their keyring (or on a
 * smartcard) and gpg-agent does the signing, as deb-s3's `--sign KEYID` does. GNUPGHOME
 * is honoured as gpg itself honours it.
 *
 * A passphrase in RAPTR_SIGNING_PASSPHRASE is handed to gpg on a separate pipe with
 * `--pinentry-mode loopback` (never on the command line); without one, gpg asks its
 * agent, which uses a cached passphrase or its pinentry.
 */
import {spawn, spawnSync} from 'node:child_process'
import {RaptrError} from '../errors.js'
import type {Signer} from './interface.js'

const PASSPHRASE_ENV = 'RAPTR_SIGNING_PASSPHRASE'

function gpgMissing(): RaptrError {
  return new RaptrError('NO_SIGNING_KEY', 'cannot run gpg: signing with --gpg needs GnuPG installed', 'install gnupg, or sign with an armored key file (--sign-key FILE)')
}

/** Runs gpg to completion with `input` on stdin (and the passphrase, if any, on fd 3). */
function runGpg(args: string[], input: string | undefined, passphrase?: string): Promise<{code: number; stdout: Buffer; stderr: string}> {
  return new Promise((resolve, reject) => {
    const extra = passphrase === undefined ? [] : ['--pinentry-mode', 'loopback', '--passphrase-fd', '3']
    const child = spawn('gpg', ['--batch', '--no-tty', ...extra, ...args], {stdio: ['pipe', 'pipe', 'pipe', 'pipe']})
    const out: Buffer[] = []
    let err = ''
    child.on('error', (e: NodeJS.ErrnoException) => reject(e.code === 'ENOENT' ? gpgMissing() : e))
    child.stdout.on('data', (d: Buffer) => out.push(d))
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    child.on('close', (code) => resolve({code: code ?? -1, stdout: Buffer.concat(out), stderr: err}))
    const fd3 = child.stdio[3] as NodeJS.WritableStream | null
    if (fd3) {
      fd3.on('error', () => {})
      fd3.end(passphrase === undefined ? '' : `${passphrase}\n`)
    }
    child.stdin.on('error', () => {})
    child.stdin.end(input ?? '')
  })
}

function lastLine(stderr: string): string {
  return stderr.trim().split('\n').filter(Boolean).at(-1)?.replace(/^gpg: /, '') ?? 'gpg failed'
}

function signError(stderr: string, key: string): RaptrError {
  if (/bad passphrase|Bad passphrase/i.test(stderr)) return new RaptrError('BAD_PASSPHRASE', `wrong passphrase for GnuPG key ${key}`, `check ${PASSPHRASE_ENV}`)
  if (/no pinentry|Inappropriate ioctl|cancel|No passphrase given|Operation cancelled|problem with the agent/i.test(stderr)) {
    return new RaptrError('BAD_PASSPHRASE', `GnuPG could not unlock key ${key}: ${lastLine(stderr)}`, `unlock it in gpg-agent first (e.g. sign something with gpg), or set ${PASSPHRASE_ENV}`)
  }
  return new RaptrError('BAD_SIGNING_KEY', `GnuPG cannot sign with ${key}: ${lastLine(stderr)}`, 'check the key id with: gpg --list-secret-keys')
}

/**
 * The fingerprint of the secret key `keyId` names in the user's GnuPG keyring; throws
 * NO_SIGNING_KEY when gpg has no such secret key.
 *
 * @example gpgFingerprint('apt@acme.example') // '0123…CDEF'
 */
export function gpgFingerprint(keyId: string): string {
  const res = spawnSync('gpg', ['--batch', '--with-colons', '--list-secret-keys', '--', keyId], {encoding: 'utf8'})
  if (res.error) throw gpgMissing()
  const lines = res.status === 0 ? res.stdout.split('\n') : []
  const sec = lines.findIndex((l) => l.startsWith('sec:'))
  const fpr = sec === -1 ? undefined : lines.slice(sec + 1).find((l) => l.startsWith('fpr:'))?.split(':')[9]
  if (!fpr) throw new RaptrError('NO_SIGNING_KEY', `GnuPG has no secret key "${keyId}"`, 'list them with: gpg --list-secret-keys (GNUPGHOME selects another keyring)')
  const count = lines.filter((l) => l.startsWith('sec:')).length
  if (count > 1) throw new RaptrError('AMBIGUOUS', `"${keyId}" names ${count} GnuPG secret keys`, 'give the key\'s full fingerprint')
  return fpr.toUpperCase()
}

/**
 * The binary public key `keyId` names in the user's GnuPG keyring (`gpg --export`), for
 * `raptr key check --gpg`: no secret key is needed to check one.
 *
 * @example const bytes = gpgPublicKey('apt@acme.example')
 */
export function gpgPublicKey(keyId: string): Uint8Array {
  const res = spawnSync('gpg', ['--batch', '--export', '--', keyId])
  if (res.error) throw gpgMissing()
  if (res.status !== 0 || res.stdout.length === 0) throw new RaptrError('NO_SIGNING_KEY', `GnuPG has no key "${keyId}"`, 'list them with: gpg --list-keys (GNUPGHOME selects another keyring)')
  return new Uint8Array(res.stdout)
}

/**
 * A Signer that signs through `gpg` with the secret key `keyId` (a fingerprint, key id
 * or user id that names exactly one key), or with several keys at once (a key rotation:
 * `gpg -u A -u B` puts one signature packet per key in the same signature). gpg takes one
 * passphrase for all of them: keys with different passphrases must be unlocked in
 * gpg-agent first.
 *
 * @example const signer = await loadGpgSigner('0123456789ABCDEF0123456789ABCDEF01234567')
 */
export async function loadGpgSigner(keyId: string | string[], options: {passphrase?: string} = {}): Promise<Signer> {
  const fingerprints = (Array.isArray(keyId) ? keyId : [keyId]).map(gpgFingerprint)
  const fingerprint = fingerprints[0]
  const armored = await runGpg(['--armor', '--export', '--', ...fingerprints], undefined)
  const binary = await runGpg(['--export', '--', ...fingerprints], undefined)
  if (armored.code !== 0 || binary.stdout.length === 0) throw new RaptrError('BAD_SIGNING_KEY', `GnuPG cannot export the public key of ${fingerprints.join(', ')}`, 'check it with: gpg --list-keys')
  const passphrase = options.passphrase || undefined
  // SHA-512: apt refuses SHA-1 signatures, and gpg's default digest depends on its version and the key.
  const common = [...fingerprints.flatMap((f) => ['--local-user', f]), '--digest-algo', 'SHA512']
  const who = fingerprints.join(', ')

  return {
    publicKeyArmored: () => armored.stdout.toString('utf8'),
    publicKeyBinary: () => new Uint8Array(binary.stdout),
    fingerprint: () => fingerprint,
    signingFingerprints: () => [...fingerprints],

    async clearsign(text) {
      if (/[ \t]$|\r/m.test(text)) {
        throw new RaptrError('BAD_ARGUMENT', 'cannot clearsign: a line ends with whitespace or contains a carriage return', 'Release text must use LF line endings without trailing spaces')
      }
      const res = await runGpg([...common, '--clearsign'], text, passphrase)
      if (res.code !== 0) throw signError(res.stderr, who)
      return res.stdout.toString('utf8')
    },

    async detachSign(text) {
      const res = await runGpg([...common, '--armor', '--detach-sign'], text, passphrase)
      if (res.code !== 0) throw signError(res.stderr, who)
      return res.stdout.toString('utf8')
    },
  }
}
