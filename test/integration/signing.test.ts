import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {RaptrError} from '../../src/errors.js'
import type {Signer} from '../../src/signing/interface.js'
import {generateKey, loadSigner} from '../../src/signing/openpgp-signer.js'

const RELEASE = [
  'Origin: raptr',
  'Label: raptr test',
  'Suite: production',
  'Codename: production',
  'Date: Sat, 01 Jun 2024 12:00:00 UTC',
  'Architectures: amd64 arm64',
  'Components: main',
  'Acquire-By-Hash: yes',
  'SHA256:',
  ' 9b2e8c2d1f3a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9012345678 1234 main/binary-amd64/Packages',
  ' 0f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff0 567 main/binary-amd64/Packages.xz',
  '',
].join('\n')

const PASSPHRASE = 'correct horse battery staple'

interface Run {
  status: number | null
  stdout: string
  stderr: string
}

// A missing tool must fail the test, never skip it: spawnSync reports ENOENT as `error`.
function run(cmd: string, args: string[], options: {input?: string; env?: NodeJS.ProcessEnv} = {}): Run {
  const r = spawnSync(cmd, args, {encoding: 'utf8', input: options.input, env: {...process.env, LC_ALL: 'C', ...options.env}})
  if (r.error) throw new Error(`${cmd} could not run: ${r.error.message}`)
  return {status: r.status, stdout: r.stdout, stderr: r.stderr}
}

async function codeOf(p: Promise<unknown>): Promise<RaptrError> {
  try {
    await p
  } catch (e) {
    if (e instanceof RaptrError) return e
    throw e
  }
  throw new Error('expected a RaptrError')
}

describe('OpenPGP signing that gpgv and apt accept', () => {
  let dir: string
  let gnupgHome: string
  let keyring: string
  let privateKeyArmored: string
  let publicKeyArmored: string
  let fingerprint: string
  let signer: Signer

  const file = (name: string) => path.join(dir, name)
  const write = (name: string, content: string | Uint8Array) => {
    fs.writeFileSync(file(name), content)
    return file(name)
  }
  // An isolated home, so no test ever reads or writes a real keyring.
  const gpgv = (...args: string[]) => run('gpgv', ['--homedir', gnupgHome, '--status-fd', '1', '--keyring', keyring, ...args])

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raptr-'))
    gnupgHome = path.join(dir, 'gnupg')
    fs.mkdirSync(gnupgHome, {mode: 0o700})
    ;({privateKeyArmored, publicKeyArmored, fingerprint} = await generateKey({
      name: 'raptr test archive',
      email: 'archive@example.org',
      passphrase: PASSPHRASE,
    }))
    signer = await loadSigner({armoredKey: privateKeyArmored, passphrase: PASSPHRASE})
    keyring = write('archive-keyring.gpg', signer.publicKeyBinary())
  })

  afterAll(() => {
    // gpg --clearsign below starts an agent in our home; stop it before deleting the home.
    if (fs.existsSync(path.join(dir, 'gpg-home'))) run('gpgconf', ['--homedir', path.join(dir, 'gpg-home'), '--kill', 'gpg-agent'])
    fs.rmSync(dir, {recursive: true, force: true})
  })

  it('generates a v4 key whose fingerprint and public key the signer reports', () => {
    expect(fingerprint).toMatch(/^[0-9A-F]{40}$/)
    expect(signer.fingerprint()).toBe(fingerprint)
    expect(signer.publicKeyArmored()).toBe(publicKeyArmored)
    expect(publicKeyArmored).toMatch(/^-----BEGIN PGP PUBLIC KEY BLOCK-----\n/)
    expect(privateKeyArmored).toMatch(/^-----BEGIN PGP PRIVATE KEY BLOCK-----\n/)
    // Old-format or new-format public-key packet tag, version 4.
    const bin = signer.publicKeyBinary()
    expect([0x99, 0xc6]).toContain(bin[0])
    expect(bin[bin[0] === 0x99 ? 3 : 2]).toBe(4)
  })

  it('clearsigns InRelease so gpgv verifies it and recovers exactly the Release text', async () => {
    const inRelease = write('InRelease', await signer.clearsign(RELEASE))
    const out = file('InRelease.out')
    const r = gpgv('--output', out, inRelease)
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toContain(`[GNUPG:] VALIDSIG ${fingerprint} `)
    expect(fs.readFileSync(out, 'utf8')).toBe(RELEASE)

    // VALIDSIG's 8th field is the digest algorithm; apt refuses SHA-1 (2).
    const validsig = r.stdout.split('\n').find((l) => l.startsWith('[GNUPG:] VALIDSIG '))!.split(' ')
    expect(['8', '9', '10']).toContain(validsig[9])
  })

  it('clearsigns text with lines that need dash-escaping without changing it', async () => {
    const text = 'Origin: raptr\n-----BEGIN PGP SIGNATURE-----\n- dashed\nlast line\n'
    const signed = await signer.clearsign(text)
    expect(signed).toContain('\n- -----BEGIN PGP SIGNATURE-----\n- - dashed\n')
    const out = file('dashed.out')
    const r = gpgv('--output', out, write('dashed.asc', signed))
    expect(r.status, r.stderr).toBe(0)
    expect(fs.readFileSync(out, 'utf8')).toBe(text)
  })

  it('writes InRelease in the same layout as gpg --clearsign (what apt parses)', async () => {
    const ours = await signer.clearsign(RELEASE)
    const gpgHome = path.join(dir, 'gpg-home')
    fs.mkdirSync(gpgHome, {mode: 0o700})
    const gpg = (...args: string[]) =>
      run('gpg', ['--homedir', gpgHome, '--batch', '--pinentry-mode', 'loopback', '--passphrase', PASSPHRASE, ...args])
    const imported = gpg('--import', write('private.asc', privateKeyArmored))
    expect(imported.status, imported.stderr).toBe(0)
    const theirs = gpg('--clearsign', '--output', '-', write('Release.for-gpg', RELEASE))
    expect(theirs.status, theirs.stderr).toBe(0)

    const framing = (s: string) => s.slice(0, s.indexOf('-----BEGIN PGP SIGNATURE-----')).replace(/^Hash: .*$/m, 'Hash: *')
    expect(framing(ours)).toBe(framing(theirs.stdout))
    expect(ours).not.toContain('\r')
    // apt: BEGIN line, then only Hash: headers, a blank line, the text, the signature, nothing after.
    expect(ours).toMatch(/^-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA(256|384|512)\n\nOrigin: raptr\n/)
    expect(ours).toMatch(/\n 0f1e2d3c[^\n]*Packages\.xz\n-----BEGIN PGP SIGNATURE-----\n\n[\s\S]+\n-----END PGP SIGNATURE-----\n$/)
  })

  it('detach-signs Release.gpg (armored) so gpgv verifies it against Release', async () => {
    const sig = await signer.detachSign(RELEASE)
    expect(sig).toMatch(/^-----BEGIN PGP SIGNATURE-----\n[\s\S]+\n-----END PGP SIGNATURE-----\n$/)
    const r = gpgv(write('Release.gpg', sig), write('Release', RELEASE))
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toContain(`[GNUPG:] VALIDSIG ${fingerprint} `)
  })

  it('is accepted by apt’s own gpgv method, and a tampered file is refused by it', async () => {
    const apt = path.join(dir, 'apt')
    fs.mkdirSync(apt)
    const put = (name: string, content: string) => {
      fs.writeFileSync(path.join(apt, name), content)
      return path.join(apt, name)
    }
    const inRelease = put('InRelease', await signer.clearsign(RELEASE))
    const releaseGpg = put('Release.gpg', await signer.detachSign(RELEASE))
    const release = put('Release', RELEASE)
    const badInRelease = put('Bad-InRelease', (await signer.clearsign(RELEASE)).replace('Suite: production', 'Suite: producti0n'))
    const acquire = (uri: string, filename: string) =>
      `600 URI Acquire\nURI: gpgv:${uri}\nFilename: ${filename}\nSigned-By: ${keyring}\n\n`
    // The apt acquire-method protocol on stdin; apt-key works in TMPDIR, so keep it in ours.
    const r = run('/usr/lib/apt/methods/gpgv', [], {
      input: acquire(inRelease, inRelease) + acquire(releaseGpg, release) + acquire(badInRelease, badInRelease),
      env: {TMPDIR: dir},
    })
    const replies = r.stdout.split('\n\n').filter((m) => /^\d{3} /.test(m))
    const verdict = (uri: string) => replies.find((m) => m.includes(`URI: gpgv:${uri}\n`) || m.endsWith(`URI: gpgv:${uri}`))
    expect(verdict(inRelease), r.stdout + r.stderr).toMatch(/^201 URI Done/)
    expect(verdict(inRelease)).toContain(`Signed-By: ${fingerprint}`)
    expect(verdict(releaseGpg), r.stdout + r.stderr).toMatch(/^201 URI Done/)
    expect(verdict(badInRelease), r.stdout + r.stderr).toMatch(/^400 URI Failure/)
  })

  it('makes gpgv fail when the signed text is tampered with', async () => {
    const tamperedInRelease = (await signer.clearsign(RELEASE)).replace(' 1234 main/binary-amd64/Packages', ' 1235 main/binary-amd64/Packages')
    expect(gpgv(write('InRelease.tampered', tamperedInRelease)).status).not.toBe(0)

    const sig = write('Release.gpg.2', await signer.detachSign(RELEASE))
    expect(gpgv(sig, write('Release.tampered', RELEASE.replace('Label: raptr test', 'Label: raptr best'))).status).not.toBe(0)
    expect(gpgv(sig, write('Release.trailing', RELEASE + '\n')).status).not.toBe(0)
  })

  it('refuses to clearsign text that the cleartext framework would alter', async () => {
    const withSpace = await codeOf(signer.clearsign('Origin: raptr \nLabel: x\n'))
    expect(withSpace.code).toBe('BAD_ARGUMENT')
    expect(withSpace.message).toContain('line 1')
    expect((await codeOf(signer.clearsign('Origin: raptr\r\nLabel: x\r\n'))).code).toBe('BAD_ARGUMENT')
  })

  it('rejects a wrong passphrase with BAD_PASSPHRASE', async () => {
    const e = await codeOf(loadSigner({armoredKey: privateKeyArmored, passphrase: 'wrong'}))
    expect(e.code).toBe('BAD_PASSPHRASE')
    expect(e.message).toBe('wrong passphrase for the signing key')
    expect(e.hint).toContain('RAPTR_SIGNING_PASSPHRASE')
  })

  it('asks for RAPTR_SIGNING_PASSPHRASE when an encrypted key comes without one', async () => {
    const e = await codeOf(loadSigner({armoredKey: privateKeyArmored}))
    expect(e.code).toBe('BAD_PASSPHRASE')
    expect(e.hint).toContain('RAPTR_SIGNING_PASSPHRASE')
  })

  it('rejects a public key or garbage as the signing key with BAD_SIGNING_KEY', async () => {
    const pub = await codeOf(loadSigner({armoredKey: publicKeyArmored}))
    expect(pub.code).toBe('BAD_SIGNING_KEY')
    expect(pub.message).toContain('public key')
    expect((await codeOf(loadSigner({armoredKey: 'not a key at all'}))).code).toBe('BAD_SIGNING_KEY')
    expect((await codeOf(loadSigner({armoredKey: ''}))).code).toBe('BAD_SIGNING_KEY')
  })

  it('rejects v6 keys, which gpgv cannot verify, with BAD_SIGNING_KEY', async () => {
    const openpgp = await import('openpgp')
    const {privateKey} = await openpgp.generateKey({
      type: 'curve25519',
      userIDs: [{name: 'v6', email: 'v6@example.org'}],
      format: 'armored',
      config: {v6Keys: true},
    })
    const e = await codeOf(loadSigner({armoredKey: privateKey}))
    expect(e.code).toBe('BAD_SIGNING_KEY')
    expect(e.message).toContain('v6')
  })

  it('loads an unencrypted key without a passphrase and signs with it', async () => {
    const plain = await generateKey({name: 'plain', email: 'plain@example.org'})
    const s = await loadSigner({armoredKey: plain.privateKeyArmored})
    const plainKeyring = write('plain.gpg', s.publicKeyBinary())
    const r = run('gpgv', ['--homedir', gnupgHome, '--keyring', plainKeyring, write('plain-InRelease', await s.clearsign(RELEASE))])
    expect(r.status, r.stderr).toBe(0)
  })
})
