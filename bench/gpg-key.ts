/**
 * A throwaway gpg key for the peers (aptly, reprepro, apt-ftparchive signing): its own
 * GNUPGHOME, batch mode, no passphrase, made once outside any timing.
 */
import {execFileSync} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

/** A usable gpg signing identity. */
export interface GpgKey {
  home: string
  fingerprint: string
}

/** Creates an ed25519 signing key in `home`. Example: `createGpgKey(path.join(tmp, 'gnupg'))` */
export function createGpgKey(home: string): GpgKey {
  fs.mkdirSync(home, {recursive: true, mode: 0o700})
  const env = {...process.env, GNUPGHOME: home}
  execFileSync(
    'gpg',
    ['--batch', '--pinentry-mode', 'loopback', '--passphrase', '', '--quick-gen-key', 'raptr bench <bench@example.org>', 'ed25519', 'sign', 'never'],
    {env, stdio: 'pipe'},
  )
  const listing = execFileSync('gpg', ['--batch', '--with-colons', '--list-secret-keys'], {env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']})
  const fpr = listing.split('\n').find((line) => line.startsWith('fpr:'))
  if (!fpr) throw new Error('gpg made no key')
  // aptly and reprepro find the secret key through the default keyring of GNUPGHOME.
  fs.writeFileSync(path.join(home, 'gpg.conf'), 'no-tty\nbatch\npinentry-mode loopback\n')
  return {home, fingerprint: fpr.split(':')[9]}
}
