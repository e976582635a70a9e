/**
 * Signing with the user's GnuPG (`--gpg KEYID`, `raptr key use --gpg`): a real gpg
 * homedir with its own agent, checked with gpgv and the real apt client.
 */
import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {gpgv} from '../helpers/apt.js'
import {buildDeb} from '../helpers/build-packages.js'
import {RaptrError} from '../../src/errors.js'
import {loadGpgSigner} from '../../src/signing/gpg-signer.js'
import {archiveFile, ok, okJson, raptr, sh, tempDir} from '../helpers/cli.js'
import {aptForDirectory, makeTestArchive, type TestArchive} from '../helpers/published-archive.js'

const PASSPHRASE = 'open sesame'

function gpg(home: string, args: string[], input?: string) {
  const res = sh('gpg', ['--homedir', home, '--batch', ...args], {input})
  if (res.code !== 0) throw new Error(`gpg ${args.join(' ')}: ${res.stderr}`)
  return res
}

/** A fresh GnuPG home with one Ed25519 signing key; returns its fingerprint. */
function gpgHome(uid: string, passphrase = ''): {home: string; fingerprint: string} {
  const home = tempDir('raptr-gnupg-')
  fs.chmodSync(home, 0o700)
  gpg(home, ['--pinentry-mode', 'loopback', '--passphrase', passphrase, '--quick-gen-key', uid, 'ed25519', 'sign', 'never'])
  const fpr = gpg(home, ['--with-colons', '--list-secret-keys']).stdout.split('\n').find((l) => l.startsWith('fpr:'))!.split(':')[9]
  return {home, fingerprint: fpr}
}

describe('signing with GnuPG', () => {
  let s: TestArchive
  let plain: {home: string; fingerprint: string}
  let locked: {home: string; fingerprint: string}

  beforeAll(async () => {
    plain = gpgHome('raptr gpg <gpg@example.org>')
    locked = gpgHome('raptr locked <locked@example.org>', PASSPHRASE)
    s = makeTestArchive()
    await buildDeb(s.pkgs, {name: 'hello', version: '1.0-1', arch: 'amd64', compression: 'gzip'})
    ok(['package', 'add', s.pkgs, '--section', 'production/public'], {cwd: s.dir})
  })
  afterAll(() => {
    for (const h of [plain.home, locked.home]) sh('gpgconf', ['--homedir', h, '--kill', 'gpg-agent'])
  })

  it('key use --gpg records the fingerprint, and update --sign signs through gpg: gpgv and apt accept it', () => {
    const env = {GNUPGHOME: plain.home}
    expect(okJson(['key', 'use', '--gpg', 'gpg@example.org'], {cwd: s.dir, env})).toMatchObject({gpg: plain.fingerprint})
    expect(JSON.parse(archiveFile(s.dir, 'signing.json'))).toEqual({gpg: plain.fingerprint})
    ok(['update', '--sign'], {cwd: s.dir, env})
    const dists = path.join(s.www, 'dists', 'production')
    const keyring = path.join(s.work, 'gpg-keyring.gpg')
    gpg(plain.home, ['--output', keyring, '--export', plain.fingerprint])
    expect(gpgv(keyring, path.join(dists, 'InRelease')).code).toBe(0)
    expect(gpgv(keyring, path.join(dists, 'Release.gpg'), path.join(dists, 'Release')).code).toBe(0)
    // The published key is the GnuPG key's public half.
    expect(sh('gpg', ['--homedir', tempDir(), '--with-colons', '--show-keys', s.pubKey]).stdout).toContain(plain.fingerprint)
    const apt = aptForDirectory(s, 'production')
    apt.update()
  })

  it('a passphrase-protected key: RAPTR_SIGNING_PASSPHRASE goes through loopback pinentry; a wrong one is BAD_PASSPHRASE', async () => {
    const gnupg = process.env.GNUPGHOME
    process.env.GNUPGHOME = locked.home
    try {
      const wrong = await loadGpgSigner(locked.fingerprint, {passphrase: 'nope'})
      const e = await wrong.clearsign('Origin: x\n').then(
        () => undefined,
        (err: unknown) => err,
      )
      expect(e).toBeInstanceOf(RaptrError)
      expect((e as RaptrError).code).toBe('BAD_PASSPHRASE')
      const signer = await loadGpgSigner(locked.fingerprint, {passphrase: PASSPHRASE})
      const file = path.join(s.work, 'InRelease.locked')
      fs.writeFileSync(file, await signer.clearsign('Origin: raptr\nSuite: production\n'))
      const keyring = path.join(s.work, 'locked.gpg')
      fs.writeFileSync(keyring, signer.publicKeyBinary())
      expect(gpgv(keyring, file).code).toBe(0)
    } finally {
      process.env.GNUPGHOME = gnupg
    }
  })

  it('an unknown key id is one line with a hint', () => {
    const res = raptr(['key', 'use', '--gpg', 'nobody@example.org'], {cwd: s.dir, env: {GNUPGHOME: plain.home}})
    expect(res.code).toBe(2)
    expect(res.stderr).toBe('raptr: GnuPG has no secret key "nobody@example.org"\n  hint: list them with: gpg --list-secret-keys (GNUPGHOME selects another keyring)\n')
  })

  it('key use FILE stores the path, never the key, and refuses a key inside the archive', () => {
    ok(['key', 'use', s.key], {cwd: s.dir})
    const stored = archiveFile(s.dir, 'signing.json')
    expect(JSON.parse(stored)).toEqual({keyFile: s.key})
    expect(stored).not.toMatch(/PRIVATE KEY/)
    fs.copyFileSync(s.key, path.join(s.dir, 'inside.asc'))
    const inside = raptr(['key', 'use', 'inside.asc'], {cwd: s.dir})
    expect(inside.code).toBe(2)
    expect(inside.stderr).toMatch(/inside the archive/)
    ok(['update', '--sign', '--force'], {cwd: s.dir})
    expect(gpgv(s.pubKey, path.join(s.www, 'dists', 'production', 'InRelease')).code).toBe(0)
  })
})
