/**
 * Key rotation as real clients see it: the published directory served over HTTP on
 * 127.0.0.1, read by the host's apt (gpgv) and by the trixie chroot's apt (sqv), one
 * client trusting only the old key and one only the new key, at every step (before,
 * started, finished, old key dropped). gpgv with each key alone names exactly which keys
 * signed InRelease and Release.gpg, also after publish, refresh, rollback and rollback
 * --forward in the middle of a rotation.
 */
import {execFile} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {AptClient} from '../helpers/apt.js'
import {buildDeb} from '../helpers/build-packages.js'
import {archiveFile, ok, okJson, raptr, sh, tempDir, type RunResult} from '../helpers/cli.js'
import {makeTestArchive, type TestArchive} from '../helpers/published-archive.js'
import {TRIXIE_BUILD_TIMEOUT, TrixieApt, serveDirectory, trixieRoot} from '../helpers/trixie.js'
import {loadSigner} from '../../src/signing/openpgp-signer.js'

/** The fingerprints gpgv reports as valid signers with `ring`, and how many signatures it had no key for. */
function gpgvSigners(ring: string, ...files: string[]): {valid: string[]; unknown: number} {
  const home = tempDir('raptr-gpgv-')
  try {
    const res = sh('gpgv', ['--homedir', home, '--status-fd', '1', '--keyring', ring, ...files], {env: {LC_ALL: 'C'}})
    const lines = res.stdout.split('\n')
    // VALIDSIG's last field is the primary key's fingerprint.
    const valid = lines.filter((l) => l.startsWith('[GNUPG:] VALIDSIG ')).map((l) => l.trim().split(' ').at(-1)!)
    return {valid: valid.sort(), unknown: lines.filter((l) => l.startsWith('[GNUPG:] NO_PUBKEY ')).length}
  } finally {
    fs.rmSync(home, {recursive: true, force: true})
  }
}

/** The fingerprints in a published keyring file (binary or armored), as gpg lists them. */
function keyringFingerprints(file: string): string[] {
  const home = tempDir('raptr-gpg-')
  try {
    const out = sh('gpg', ['--homedir', home, '--batch', '--with-colons', '--show-keys', file]).stdout.split('\n')
    const fprs: string[] = []
    for (const [i, l] of out.entries()) if (l.startsWith('pub:') && out[i + 1]?.startsWith('fpr:')) fprs.push(out[i + 1].split(':')[9])
    return fprs.sort()
  } finally {
    fs.rmSync(home, {recursive: true, force: true})
  }
}

/** The host's apt-get update, without blocking this process (it serves the repository). */
function hostUpdate(apt: AptClient): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile('apt-get', [...apt.options(), 'update'], {env: {...process.env, LC_ALL: 'C', DEBIAN_FRONTEND: 'noninteractive'}}, (error, stdout, stderr) => {
      resolve({code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout: String(stdout), stderr: String(stderr)})
    })
  })
}

const clean = (r: RunResult): boolean => r.code === 0 && !/^(W|E|Err):/m.test(`${r.stdout}\n${r.stderr}`)
/**
 * apt refused the signature: an E: (first update: "not signed") or, once it has lists,
 * an Err: on InRelease and a W: that it keeps the previous index files; either way
 * naming the missing key (gpgv: NO_PUBKEY, sqv: Missing key).
 */
const refused = (text: string): boolean => /^(E|Err):/m.test(text) && /NO_PUBKEY|Missing key|not signed/.test(text)

describe('key rotation with openpgp.js key files, seen by apt (gpgv) and apt 3 (sqv)', () => {
  let s: TestArchive
  let newKey: string
  const ring = {old: '', new: ''}
  const fpr = {old: '', new: ''}
  let server: {url: string; close(): Promise<void>}
  const host: Record<'old' | 'new', AptClient> = {} as never
  const trixie: Record<'old' | 'new', TrixieApt> = {} as never
  const dists = (): string => path.join(s.www, 'dists', 'production')
  const release = (): string => fs.readFileSync(path.join(dists(), 'Release'), 'utf8')

  beforeAll(async () => {
    trixieRoot()
    s = makeTestArchive()
    newKey = path.join(s.work, 'signing-2027.asc')
    ok(['key', 'generate', '--name', 'raptr tests 2027', '--email', 'tests@example.org', '--out', newKey], {cwd: s.work})
    ok(['key', 'use', s.key], {cwd: s.dir})
    for (const [role, file] of [['old', s.key], ['new', newKey]] as const) {
      const signer = await loadSigner({armoredKey: fs.readFileSync(file, 'utf8')})
      ring[role] = path.join(s.work, `${role}.gpg`)
      fs.writeFileSync(ring[role], signer.publicKeyBinary())
      fpr[role] = signer.fingerprint()
    }
    for (const v of ['1.0', '2.0']) {
      await buildDeb(fs.mkdtempSync(path.join(s.pkgs, 'h-')), {name: 'hello', version: v, arch: 'amd64', payloadBytes: 64, seed: v.length})
    }
    const debs = fs.readdirSync(s.pkgs, {recursive: true, encoding: 'utf8'}).filter((f) => f.endsWith('.deb')).sort()
    for (const deb of debs) {
      ok(['package', 'add', path.join(s.pkgs, deb), '--section', 'production/public'], {cwd: s.dir})
      ok(['publish', 'local'], {cwd: s.dir})
    }
    server = await serveDirectory(s.www)
    for (const role of ['old', 'new'] as const) {
      host[role] = new AptClient()
      host[role].configure(`deb [signed-by=/k.gpg] ${server.url} production public`, ring[role])
      trixie[role] = new TrixieApt()
      trixie[role].configure(server.url, 'production', ['public'], ring[role])
    }
  }, TRIXIE_BUILD_TIMEOUT)

  afterAll(async () => {
    await server?.close()
    for (const role of ['old', 'new'] as const) {
      host[role]?.cleanup()
      trixie[role]?.cleanup()
    }
  })

  /** gpgv with each key alone, over InRelease and over Release + Release.gpg: which roles signed. */
  function signers(): {inRelease: string[]; releaseGpg: string[]} {
    const d = dists()
    const who = (files: string[]): string[] => {
      const roles: string[] = []
      for (const role of ['old', 'new'] as const) {
        const r = gpgvSigners(ring[role], ...files)
        // Exactly this key and nothing else it can check.
        if (r.valid.length) expect(r.valid).toEqual([fpr[role]])
        if (r.valid.length) roles.push(role)
      }
      return roles
    }
    return {inRelease: who([path.join(d, 'InRelease')]), releaseGpg: who([path.join(d, 'Release.gpg'), path.join(d, 'Release')])}
  }

  /** Each client's apt-get update: clean (no W:/E:) or refused (an E: about the signature). */
  async function clients(): Promise<Record<string, 'clean' | 'refused'>> {
    const out: Record<string, 'clean' | 'refused'> = {}
    for (const role of ['old', 'new'] as const) {
      const h = await hostUpdate(host[role])
      out[`host-${role}`] = clean(h) ? 'clean' : refused(h.stdout + h.stderr) ? 'refused' : (`other: ${h.stdout}${h.stderr}` as never)
      const t = await trixie[role].update().then(
        () => 'clean' as const,
        (e: Error) => (refused(e.message) ? ('refused' as const) : (`other: ${e.message}` as never)),
      )
      out[`trixie-${role}`] = t
    }
    return out
  }

  const status = (): any => okJson(['key', 'status'], {cwd: s.dir})
  const signedByField = (): string | undefined => /^Signed-By: (.+)$/m.exec(release())?.[1]

  it('before: the old key signs; the old-key clients are clean and the new-key clients refused', async () => {
    expect(signers()).toEqual({inRelease: ['old'], releaseGpg: ['old']})
    expect(signedByField()).toBeUndefined()
    expect(keyringFingerprints(s.pubKey)).toEqual([fpr.old])
    expect(await clients()).toEqual({'host-old': 'clean', 'trixie-old': 'clean', 'host-new': 'refused', 'trixie-new': 'refused'})
    const st = status()
    expect(st.step).toBe('none')
    expect(st.keys).toEqual([expect.objectContaining({role: 'current', fingerprint: fpr.old, algorithm: expect.stringMatching(/25519/), expires: null, sqv: 'ok'})])
    expect(st.distributions).toEqual([{backend: 'local', distribution: 'production', signedBy: [fpr.old]}])
  })

  it('start: every live distribution is re-signed by both keys, both public keys are published, Signed-By lists both', async () => {
    const res = ok(['key', 'rotate', '--new', newKey], {cwd: s.dir})
    expect(res.stdout).toMatch(/rotation started/)
    expect(res.stdout).toMatch(/local\/production: re-signed/)
    expect(signers()).toEqual({inRelease: ['old', 'new'], releaseGpg: ['old', 'new']})
    expect(signedByField()).toBe(`${fpr.old}, ${fpr.new}`)
    expect(keyringFingerprints(s.pubKey)).toEqual([fpr.old, fpr.new].sort())
    expect(keyringFingerprints(path.join(s.www, 'raptr.asc'))).toEqual([fpr.old, fpr.new].sort())
    expect(await clients()).toEqual({'host-old': 'clean', 'trixie-old': 'clean', 'host-new': 'clean', 'trixie-new': 'clean'})
    const st = status()
    expect(st.step).toBe('started')
    expect(st.keys.map((k: any) => [k.role, k.fingerprint, k.key])).toEqual([['old', fpr.old, {keyFile: s.key}], ['new', fpr.new, {keyFile: newKey}]])
    expect(st.distributions).toEqual([{backend: 'local', distribution: 'production', signedBy: [fpr.old, fpr.new], signedByField: [fpr.old, fpr.new]}])
    expect(okJson<any[]>(['log', '--event', 'KeyRotationStarted'], {cwd: s.dir})).toEqual([expect.objectContaining({payload: {old: {keyFile: s.key}, new: {keyFile: newKey}}})])
  })

  it('a second start, and key use, are refused while the rotation is under way (nothing changes)', () => {
    const head = sh('git', ['rev-parse', 'HEAD'], {cwd: s.dir}).stdout
    const again = raptr(['key', 'rotate', '--new', newKey, '--json'], {cwd: s.dir})
    expect(again.code).toBe(3)
    expect(JSON.parse(again.stdout).error).toMatchObject({code: 'CONFLICT', message: 'a key rotation is already started'})
    const use = raptr(['key', 'use', newKey], {cwd: s.dir})
    expect(use.code).toBe(3)
    expect(use.stderr).toMatch(/a key rotation is under way/)
    expect(sh('git', ['rev-parse', 'HEAD'], {cwd: s.dir}).stdout).toBe(head)
  })

  it('mid-rotation, publish, refresh, rollback and rollback --forward sign with both keys and carry the current Signed-By', async () => {
    const steps: Array<[string, () => void]> = [
      ['publish --refresh', () => ok(['publish', '--refresh'], {cwd: s.dir})],
      ['rollback', () => ok(['rollback', 'production'], {cwd: s.dir})],
      ['rollback --forward', () => ok(['rollback', 'production', '--forward'], {cwd: s.dir})],
      [
        'publish',
        () => {
          ok(['distribution', 'set', 'production', '--description', 'mid-rotation'], {cwd: s.dir})
          ok(['publish', 'local'], {cwd: s.dir})
        },
      ],
    ]
    for (const [name, run] of steps) {
      const before = release()
      run()
      expect(release(), name).not.toBe(before)
      expect(signers(), name).toEqual({inRelease: ['old', 'new'], releaseGpg: ['old', 'new']})
      expect(signedByField(), name).toBe(`${fpr.old}, ${fpr.new}`)
    }
    // The rollback restored a Release pinned before the rotation (no Signed-By); it went live with the current list.
    expect(await clients()).toEqual({'host-old': 'clean', 'trixie-old': 'clean', 'host-new': 'clean', 'trixie-new': 'clean'})
  })

  it('finish: the new key signs alone, both public keys stay; the old-key clients are refused, the new-key clients clean', async () => {
    ok(['key', 'rotate', '--finish'], {cwd: s.dir})
    expect(signers()).toEqual({inRelease: ['new'], releaseGpg: ['new']})
    expect(gpgvSigners(ring.old, path.join(dists(), 'InRelease'))).toEqual({valid: [], unknown: 1})
    expect(signedByField()).toBe(fpr.new)
    expect(keyringFingerprints(s.pubKey)).toEqual([fpr.old, fpr.new].sort())
    expect(await clients()).toEqual({'host-old': 'refused', 'trixie-old': 'refused', 'host-new': 'clean', 'trixie-new': 'clean'})
    const st = status()
    expect(st.step).toBe('finished')
    expect(st.distributions[0].signedBy).toEqual([fpr.new])
    expect(okJson<any[]>(['log', '--event', 'KeyRotationFinished'], {cwd: s.dir})).toHaveLength(1)
    // A rollback now restores a Release that had both keys in Signed-By: it goes live with the new key's alone.
    for (const args of [['rollback', 'production'], ['rollback', 'production', '--forward']]) {
      ok(args, {cwd: s.dir})
      expect(signers()).toEqual({inRelease: ['new'], releaseGpg: ['new']})
      expect(signedByField()).toBe(fpr.new)
    }
  })

  it('drop-old: only the new public key is published; the new-key clients stay clean', async () => {
    ok(['key', 'rotate', '--drop-old'], {cwd: s.dir})
    expect(keyringFingerprints(s.pubKey)).toEqual([fpr.new])
    expect(keyringFingerprints(path.join(s.www, 'raptr.asc'))).toEqual([fpr.new])
    expect(signers()).toEqual({inRelease: ['new'], releaseGpg: ['new']})
    expect(await clients()).toEqual({'host-old': 'refused', 'trixie-old': 'refused', 'host-new': 'clean', 'trixie-new': 'clean'})
    const st = status()
    expect(st.step).toBe('none')
    expect(st.keys.map((k: any) => [k.role, k.fingerprint])).toEqual([['current', fpr.new]])
    expect(st.distributions[0].signedBy).toEqual([fpr.new])
    expect(JSON.parse(archiveFile(s.dir, 'signing.json'))).toEqual({keyFile: newKey})
    expect(okJson<any[]>(['log', '--event', 'OldKeyDropped'], {cwd: s.dir})).toEqual([expect.objectContaining({payload: {old: {keyFile: s.key}, new: {keyFile: newKey}}})])
    const again = raptr(['key', 'rotate', '--drop-old'], {cwd: s.dir})
    expect(again.code).toBe(3)
  })
})

function gpg(home: string, args: string[]): RunResult {
  const res = sh('gpg', ['--homedir', home, '--batch', ...args])
  if (res.code !== 0) throw new Error(`gpg ${args.join(' ')}: ${res.stderr}`)
  return res
}

describe('key rotation with GnuPG keys; refused pairs and keys', () => {
  let s: TestArchive
  let home: string
  const fpr: Record<string, string> = {}
  const ring: Record<string, string> = {}

  beforeAll(async () => {
    home = tempDir('raptr-gnupg-')
    fs.chmodSync(home, 0o700)
    for (const [name, algo] of [['a', 'ed25519'], ['b', 'ed25519'], ['weak', 'rsa1024']] as const) {
      gpg(home, ['--pinentry-mode', 'loopback', '--passphrase', '', '--quick-gen-key', `${name} <${name}@example.org>`, algo, 'sign', 'never'])
      const lines = gpg(home, ['--with-colons', '--list-secret-keys', `${name}@example.org`]).stdout.split('\n')
      fpr[name] = lines.find((l) => l.startsWith('fpr:'))!.split(':')[9]
      ring[name] = path.join(home, `${name}.gpg`)
      gpg(home, ['--output', ring[name], '--export', fpr[name]])
    }
    s = makeTestArchive()
    await buildDeb(s.pkgs, {name: 'hello', version: '1.0-1', arch: 'amd64', compression: 'gzip'})
    ok(['package', 'add', s.pkgs, '--section', 'production/public'], {cwd: s.dir})
  })
  afterAll(() => {
    sh('gpgconf', ['--homedir', home, '--kill', 'gpg-agent'])
  })

  const env = (): Record<string, string> => ({GNUPGHOME: home})
  const who = (...files: string[]): string[] => ['a', 'b'].filter((k) => gpgvSigners(ring[k], ...files).valid.includes(fpr[k]))
  const signers = (): {inRelease: string[]; releaseGpg: string[]} => {
    const d = path.join(s.www, 'dists', 'production')
    return {inRelease: who(path.join(d, 'InRelease')), releaseGpg: who(path.join(d, 'Release.gpg'), path.join(d, 'Release'))}
  }

  it('gpg -u A -u B signs with both between start and finish; drop-old publishes B alone', () => {
    ok(['key', 'use', '--gpg', fpr.a], {cwd: s.dir, env: env()})
    ok(['publish', 'local'], {cwd: s.dir, env: env()})
    expect(signers()).toEqual({inRelease: ['a'], releaseGpg: ['a']})
    ok(['key', 'rotate', '--gpg', 'b@example.org'], {cwd: s.dir, env: env()})
    expect(signers()).toEqual({inRelease: ['a', 'b'], releaseGpg: ['a', 'b']})
    expect(keyringFingerprints(s.pubKey)).toEqual([fpr.a, fpr.b].sort())
    ok(['key', 'rotate', '--finish'], {cwd: s.dir, env: env()})
    expect(signers()).toEqual({inRelease: ['b'], releaseGpg: ['b']})
    expect(keyringFingerprints(s.pubKey)).toEqual([fpr.a, fpr.b].sort())
    expect(keyringFingerprints(path.join(s.www, 'raptr.asc'))).toEqual([fpr.a, fpr.b].sort())
    ok(['key', 'rotate', '--drop-old'], {cwd: s.dir, env: env()})
    expect(keyringFingerprints(s.pubKey)).toEqual([fpr.b])
    expect(signers()).toEqual({inRelease: ['b'], releaseGpg: ['b']})
  })

  it('a key file after a GnuPG key is refused with a clear message, and so is a key sqv refuses; nothing is recorded', () => {
    const head = sh('git', ['rev-parse', 'HEAD'], {cwd: s.dir}).stdout
    const mixed = raptr(['key', 'rotate', '--new', s.key, '--json'], {cwd: s.dir, env: env()})
    expect(mixed.code).toBe(2)
    expect(JSON.parse(mixed.stdout).error).toMatchObject({code: 'BAD_ARGUMENT', message: 'cannot rotate from a GnuPG key to a key file: both keys must sign in one signature'})
    const weak = raptr(['key', 'rotate', '--gpg', fpr.weak, '--json'], {cwd: s.dir, env: env()})
    expect(weak.code).toBe(2)
    expect(JSON.parse(weak.stdout).error).toMatchObject({code: 'KEY_REFUSED', message: expect.stringMatching(/RSA-1024/)})
    const none = raptr(['key', 'rotate', '--finish'], {cwd: s.dir, env: env()})
    expect(none.code).toBe(3)
    expect(none.stderr).toMatch(/no key rotation is started/)
    expect(sh('git', ['rev-parse', 'HEAD'], {cwd: s.dir}).stdout).toBe(head)
  })
})

describe('key rotation with passphrase-protected key files', () => {
  it('the new key\'s passphrase comes from RAPTR_SIGNING_PASSPHRASE_NEW; a wrong one is BAD_PASSPHRASE and records nothing', async () => {
    const s = makeTestArchive()
    const oldKey = path.join(s.work, 'old.asc')
    const newKey = path.join(s.work, 'new.asc')
    ok(['key', 'generate', '--name', 'old', '--email', 'old@example.org', '--out', oldKey], {cwd: s.work, env: {RAPTR_SIGNING_PASSPHRASE: 'old secret'}})
    ok(['key', 'generate', '--name', 'new', '--email', 'new@example.org', '--out', newKey], {cwd: s.work, env: {RAPTR_SIGNING_PASSPHRASE: 'new secret'}})
    await buildDeb(s.pkgs, {name: 'hello', version: '1.0-1', arch: 'amd64', compression: 'gzip'})
    ok(['package', 'add', s.pkgs, '--section', 'production/public'], {cwd: s.dir})
    ok(['key', 'use', oldKey], {cwd: s.dir})
    ok(['publish', 'local'], {cwd: s.dir, env: {RAPTR_SIGNING_PASSPHRASE: 'old secret'}})
    const head = sh('git', ['rev-parse', 'HEAD'], {cwd: s.dir}).stdout
    const wrong = raptr(['key', 'rotate', '--new', newKey, '--json'], {cwd: s.dir, env: {RAPTR_SIGNING_PASSPHRASE: 'old secret', RAPTR_SIGNING_PASSPHRASE_NEW: 'nope'}})
    expect(wrong.code).not.toBe(0)
    expect(JSON.parse(wrong.stdout).error).toMatchObject({code: 'BAD_PASSPHRASE', hint: 'check RAPTR_SIGNING_PASSPHRASE_NEW'})
    expect(sh('git', ['rev-parse', 'HEAD'], {cwd: s.dir}).stdout).toBe(head)
    ok(['key', 'rotate', '--new', newKey], {cwd: s.dir, env: {RAPTR_SIGNING_PASSPHRASE: 'old secret', RAPTR_SIGNING_PASSPHRASE_NEW: 'new secret'}})
    const rings: string[] = []
    for (const [file, pass] of [[oldKey, 'old secret'], [newKey, 'new secret']]) {
      const signer = await loadSigner({armoredKey: fs.readFileSync(file, 'utf8'), passphrase: pass})
      rings.push(path.join(s.work, `${rings.length}.gpg`))
      fs.writeFileSync(rings.at(-1)!, signer.publicKeyBinary())
    }
    const inRelease = path.join(s.www, 'dists', 'production', 'InRelease')
    expect(rings.map((r) => gpgvSigners(r, inRelease).valid.length)).toEqual([1, 1])
  })
})
