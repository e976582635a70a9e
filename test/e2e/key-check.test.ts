/**
 * `raptr key check` against the real verifier it predicts: every key it refuses, the
 * real sqv of Debian trixie (apt 3, in the chroot of helpers/trixie.ts, under apt's
 * policy file) refuses too, and every key it passes, sqv verifies. The keys are made
 * with GnuPG in throwaway homes, including the weak ones gpg still makes on request.
 */
import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {gpgv} from '../helpers/apt.js'
import {ok, okJson, raptr, sh, tempDir, type RunResult} from '../helpers/cli.js'
import {sqvVerify, TRIXIE_BUILD_TIMEOUT, trixieRoot} from '../helpers/trixie.js'

const DAY = 86_400_000
const homes: string[] = []
let work: string
let data: string

function gpg(home: string, args: string[]): RunResult {
  const res = sh('gpg', ['--homedir', home, '--batch', '--pinentry-mode', 'loopback', '--passphrase', '', ...args])
  if (res.code !== 0) throw new Error(`gpg ${args.join(' ')}: ${res.stderr}`)
  return res
}

interface GpgKey {
  home: string
  fingerprint: string
  /** The public key, binary (a keyring for sqv, gpgv and key check). */
  keyring: string
  /** A detached SHA-512 signature over `data` by the key's signing (sub)key. */
  sig: string
}

/** A GnuPG home holding one key made by `make(home)`; exports it and signs `data` with it. */
function gpgKey(name: string, make: (home: string) => void): GpgKey {
  const home = tempDir('raptr-gnupg-')
  fs.chmodSync(home, 0o700)
  homes.push(home)
  make(home)
  const fingerprint = gpg(home, ['--with-colons', '--list-keys']).stdout.split('\n').find((l) => l.startsWith('fpr:'))!.split(':')[9]
  const keyring = path.join(work, `${name}.gpg`)
  gpg(home, ['--output', keyring, '--export', fingerprint])
  const sig = path.join(work, `${name}.sig`)
  // SHA-512 for the data signature, so only the key itself can be what a verifier refuses.
  gpg(home, ['--digest-algo', 'SHA512', '--detach-sign', '--output', sig, data])
  return {home, fingerprint, keyring, sig}
}

/** The key-signature hash algorithms in a keyring, as gpg lists them (2 = SHA-1, 10 = SHA-512). */
function keySignatureDigests(keyring: string): number[] {
  const out = sh('gpg', ['--homedir', tempDir(), '--list-packets', keyring]).stdout
  return [...out.matchAll(/digest algo (\d+)/g)].map((m) => Number(m[1]))
}

function check(args: string[], env?: Record<string, string>): {res: RunResult; report: any} {
  const res = raptr(['key', 'check', ...args, '--json'], {cwd: work, env})
  const parsed = JSON.parse(res.stdout)
  const report = parsed.error ? parsed.error.data?.report : parsed
  if (!report) throw new Error(`raptr key check ${args.join(' ')}: no report (exit ${res.code}): ${res.stdout}`)
  return {res, report}
}

const SHA1 = ['--cert-digest-algo', 'SHA1', '--allow-weak-key-signatures']

describe('key check, with the real sqv of Debian trixie', () => {
  let rsa1024: GpgKey
  let sha1Binding: GpgKey
  let sha1Self: GpgKey
  let rsa2048: GpgKey
  let expiring: GpgKey
  let dsa: GpgKey
  let brainpool: GpgKey
  let nist: GpgKey
  let mended: GpgKey

  beforeAll(() => {
    trixieRoot()
    work = tempDir('raptr-keycheck-')
    data = path.join(work, 'Release')
    fs.writeFileSync(data, 'Origin: raptr\nSuite: production\n')
    rsa1024 = gpgKey('rsa1024', (h) => gpg(h, ['--quick-gen-key', 'weak rsa <rsa1024@example.org>', 'rsa1024', 'sign', 'never']))
    sha1Self = gpgKey('sha1-self', (h) => gpg(h, [...SHA1, '--quick-gen-key', 'sha1 self <self@example.org>', 'ed25519', 'sign', 'never']))
    sha1Binding = gpgKey('sha1-binding', (h) => {
      gpg(h, ['--quick-gen-key', 'sha1 binding <binding@example.org>', 'ed25519', 'cert', 'never'])
      const fpr = gpg(h, ['--with-colons', '--list-keys']).stdout.split('\n').find((l) => l.startsWith('fpr:'))!.split(':')[9]
      gpg(h, [...SHA1, '--quick-add-key', fpr, 'ed25519', 'sign', 'never'])
    })
    rsa2048 = gpgKey('rsa2048', (h) => gpg(h, ['--quick-gen-key', 'rsa 2048 <rsa2048@example.org>', 'rsa2048', 'sign', 'never']))
    expiring = gpgKey('expiring', (h) => {
      gpg(h, ['--quick-gen-key', 'expiring <expiring@example.org>', 'ed25519', 'cert', 'never'])
      const fpr = gpg(h, ['--with-colons', '--list-keys']).stdout.split('\n').find((l) => l.startsWith('fpr:'))!.split(':')[9]
      gpg(h, ['--quick-add-key', fpr, 'ed25519', 'sign', '20d'])
    })
    dsa = gpgKey('dsa2048', (h) => gpg(h, ['--quick-gen-key', 'dsa <dsa@example.org>', 'dsa2048', 'sign', 'never']))
    brainpool = gpgKey('brainpool', (h) => gpg(h, ['--quick-gen-key', 'brainpool <bp@example.org>', 'brainpoolP256r1', 'sign', 'never']))
    // The SHA-1-bound signing subkey, mended as the hint says: a newer signing subkey, bound with SHA-512.
    mended = gpgKey('mended', (h) => {
      gpg(h, ['--quick-gen-key', 'mended <mended@example.org>', 'ed25519', 'cert', 'never'])
      const fpr = gpg(h, ['--with-colons', '--list-keys']).stdout.split('\n').find((l) => l.startsWith('fpr:'))!.split(':')[9]
      gpg(h, [...SHA1, '--quick-add-key', fpr, 'ed25519', 'sign', 'never'])
      // OpenPGP times are whole seconds: let the new subkey be the newer one, which gpg signs with.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1100)
      gpg(h, ['--cert-digest-algo', 'SHA512', '--quick-add-key', fpr, 'ed25519', 'sign', 'never'])
    })
    nist = gpgKey('nistp256', (h) => gpg(h, ['--quick-gen-key', 'nist <nist@example.org>', 'nistp256', 'sign', 'never']))
  }, TRIXIE_BUILD_TIMEOUT)

  afterAll(() => {
    for (const h of homes) sh('gpgconf', ['--homedir', h, '--kill', 'gpg-agent'])
  })

  it('the weak keys are what they claim: SHA-1 where asked, and gpgv (apt < 2.9.19) still accepts all of them', () => {
    expect(keySignatureDigests(sha1Self.keyring)).toEqual([2])
    // The primary's self-signature is SHA-2; the subkey binding and its back-signature SHA-1.
    const [self, ...binding] = keySignatureDigests(sha1Binding.keyring)
    expect([8, 10]).toContain(self)
    expect(binding).toEqual([2, 2])
    expect(keySignatureDigests(rsa2048.keyring).every((d) => d === 10 || d === 8)).toBe(true)
    for (const k of [rsa1024, sha1Self, sha1Binding, rsa2048, expiring, dsa, brainpool, nist, mended]) expect(gpgv(k.keyring, k.sig, data).code).toBe(0)
  })

  it.each([
    ['an RSA-1024 key', () => rsa1024, /RSA-1024: refused by sqv since 2014-02-01/, /RSA1024 is not considered secure since 2014-02-01/],
    ['a key whose self-signature uses SHA-1', () => sha1Self, /self-signature uses SHA-1: refused by sqv since 2026-02-01/, /SHA1 is not considered secure since 2026-02-01/],
    ['a key whose signing subkey binding uses SHA-1', () => sha1Binding, /signing subkey [0-9A-F]{40}: binding signature uses SHA-1: refused by sqv since 2026-02-01/, /SubkeyBinding[\s\S]*SHA1 is not considered secure since 2026-02-01/],
    ['a DSA-2048 key', () => dsa, /DSA-2048: refused by sqv since 2024-02-01/, /DSA2048 is not considered secure since 2024-02-01/],
    ['a brainpool key (Debian builds sqv on Nettle)', () => brainpool, /ECDSA brainpoolP256r1: Debian's sqv \(Nettle\) cannot verify brainpool/, /is not bound/],
  ])('refuses %s (exit 2, KEY_REFUSED), and sqv refuses signatures by it', (_name, key, ours, theirs) => {
    const k = key()
    const {res, report} = check(['--sign-key', k.keyring])
    expect(res.code, res.stdout + res.stderr).toBe(2)
    const err = JSON.parse(res.stdout).error
    expect(err.code).toBe('KEY_REFUSED')
    expect(err.message).toMatch(ours)
    expect(err.message).toContain(k.fingerprint)
    expect(report.status).toBe('refused')
    expect(report.gpgv).toMatch(/gpgv clients \(apt < 2\.9\.19/)
    const sqv = sqvVerify(k.keyring, k.sig, data)
    expect(sqv.code, sqv.stderr).not.toBe(0)
    expect(sqv.stderr).toMatch(theirs)
    // For people: the table, the reason, the gpgv note, and one error line.
    const text = raptr(['key', 'check', '--sign-key', k.keyring], {cwd: work})
    expect(text.code).toBe(2)
    expect(text.stdout).toMatch(/^PART +FINGERPRINT +ALGORITHM +USE +CREATED +EXPIRES +HASH +SQV$/m)
    expect(text.stdout).toMatch(/refused, signs/)
    expect(text.stdout).toMatch(/^REFUSED: checked against apt >= 2\.9\.19/m)
    expect(text.stderr).toMatch(/^raptr: apt's sqv \(apt >= 2\.9\.19\) refuses signatures by key /)
    expect(text.stderr.trim().split('\n')).toHaveLength(2)
    expect(err.hint).toMatch(/SHA-1/.test(err.message) ? /^sign the key again with SHA-512/ : /^make a new key \(raptr key generate\)/)
  })

  it('warns on RSA-2048 with both dates and exits 0; sqv accepts it today, apt would warn from 2029-02-01 and refuse from 2030-02-01', () => {
    const {res, report} = check(['--sign-key', rsa2048.keyring])
    expect(res.code, res.stdout + res.stderr).toBe(0)
    expect(report.status).toBe('warn')
    const primary = report.keys[0].components[0]
    expect(primary).toMatchObject({role: 'primary', algorithm: 'RSA-2048', signs: true, status: 'warn'})
    expect(primary.findings).toContainEqual({level: 'warn', refusedFrom: '2030-02-01', warnedFrom: '2029-02-01', message: 'RSA-2048: apt warns from 2029-02-01 and refuses from 2030-02-01'})
    const text = ok(['key', 'check', '--sign-key', rsa2048.keyring], {cwd: work})
    expect(text.stdout).toMatch(/warn: primary [0-9A-F]{16}: RSA-2048: apt warns from 2029-02-01 and refuses from 2030-02-01/)
    expect(text.stdout).toMatch(/^ok, with warnings:/m)
    expect(sqvVerify(rsa2048.keyring, rsa2048.sig, data).code).toBe(0)
    // apt's second sqv run looks one year ahead: from 2029-02-01 it fails (the W: line), from 2030-02-01 the first does.
    expect(sqvVerify(rsa2048.keyring, rsa2048.sig, data, {policyAsOf: '2029-12-31'}).code).toBe(0)
    const later = sqvVerify(rsa2048.keyring, rsa2048.sig, data, {policyAsOf: '2030-02-02'})
    expect(later.code).not.toBe(0)
    expect(later.stderr).toMatch(/RSA2048 is not considered secure since 2030-02-01/)
    // key check agrees about that day.
    const then = check(['--sign-key', rsa2048.keyring, '--at', '2030-02-02'])
    expect(then.res.code).toBe(2)
    expect(then.report.keys[0].components[0].findings).toContainEqual(expect.objectContaining({level: 'refused', message: 'RSA-2048: refused by sqv since 2030-02-01'}))
  })

  it('reports a signing subkey that expires in 20 days (a warning, exit 0), and not with a shorter horizon', () => {
    const {res, report} = check(['--sign-key', expiring.keyring])
    expect(res.code, res.stdout + res.stderr).toBe(0)
    expect(report.status).toBe('warn')
    const sub = report.keys[0].components.find((c: any) => c.role === 'subkey')
    const in20 = new Date(Date.now() + 20 * DAY).toISOString().slice(0, 10)
    expect(sub).toMatchObject({capabilities: ['sign'], signs: true, status: 'warn'})
    expect(sub.expires.slice(0, 10)).toBe(in20)
    expect(sub.findings).toContainEqual(expect.objectContaining({level: 'warn', message: expect.stringMatching(new RegExp(`^expires on ${in20} \\(in 20 days\\): extend it`))}))
    expect(sqvVerify(expiring.keyring, expiring.sig, data).code).toBe(0)
    const short = check(['--sign-key', expiring.keyring, '--within', '10d'])
    expect(short.res.code).toBe(0)
    expect(short.report.status).toBe('ok')
    // Once it has expired, nothing signs: refused, as sqv refuses a signature by an expired subkey.
    const after = check(['--sign-key', expiring.keyring, '--at', new Date(Date.now() + 21 * DAY).toISOString().slice(0, 10)])
    expect(after.res.code).toBe(2)
    expect(after.report.keys[0].findings).toContainEqual(expect.objectContaining({level: 'refused', message: expect.stringMatching(/^no key that can sign/)}))
  })

  it('a SHA-1-bound signing subkey with a newer SHA-512 one beside it: the new one signs, a warning, and sqv verifies', () => {
    const {res, report} = check(['--sign-key', mended.keyring])
    expect(res.code, res.stdout + res.stderr).toBe(0)
    expect(report.status).toBe('warn')
    const [, old, fresh] = report.keys[0].components
    expect(old).toMatchObject({signs: false, status: 'refused', hashes: ['SHA-1', 'SHA-1']})
    expect(fresh).toMatchObject({signs: true, status: 'ok', hashes: ['SHA-512', 'SHA-512']})
    expect(report.keys[0].findings).toContainEqual({level: 'warn', message: `subkey ${old.fingerprint} can sign but sqv refuses it; raptr signs with ${fresh.fingerprint}`})
    expect(sqvVerify(mended.keyring, mended.sig, data).code).toBe(0)
  })

  it('passes a NIST P-256 key with no warning, and sqv verifies it', () => {
    const {res, report} = check(['--sign-key', nist.keyring])
    expect(res.code, res.stdout + res.stderr).toBe(0)
    expect(report.status).toBe('ok')
    expect(report.keys[0].components[0]).toMatchObject({algorithm: 'ECDSA nistP256', signs: true, status: 'ok'})
    expect(sqvVerify(nist.keyring, nist.sig, data).code).toBe(0)
  })

  it('passes a fresh `raptr key generate` key (Ed25519, no cutoff), and sqv verifies what raptr signs with it', async () => {
    const key = path.join(work, 'fresh.asc')
    const gen = ok(['key', 'generate', '--name', 'raptr tests', '--email', 'tests@example.org', '--out', key], {cwd: work})
    expect(gen.stdout).toMatch(/^algorithm: +Ed25519 \(OpenPGP v4\): no cutoff in apt's sqv policy/m)
    for (const file of [key, path.join(work, 'fresh.pub.asc')]) {
      const {res, report} = check(['--sign-key', file])
      expect(res.code, res.stdout + res.stderr).toBe(0)
      expect(report.status).toBe('ok')
      expect(report.keys[0].components[0]).toMatchObject({algorithm: 'Ed25519', signs: true, hashes: ['SHA-512'], status: 'ok'})
      expect(report.keys[0].components.flatMap((c: any) => c.findings).filter((f: any) => f.level !== 'ok')).toEqual([])
    }
    const {loadSigner} = await import('../../src/signing/openpgp-signer.js')
    const signer = await loadSigner({armoredKey: fs.readFileSync(key, 'utf8')})
    const keyring = path.join(work, 'fresh.gpg')
    fs.writeFileSync(keyring, signer.publicKeyBinary())
    const inRelease = path.join(work, 'InRelease')
    fs.writeFileSync(inRelease, await signer.clearsign('Origin: raptr\nSuite: production\n'))
    const res = sqvVerify(keyring, inRelease)
    expect(res.code, res.stderr).toBe(0)
    // Still fine in a year: apt's look-ahead run would print no warning.
    expect(sqvVerify(keyring, inRelease, undefined, {policyAsOf: new Date(Date.now() + 366 * DAY).toISOString().slice(0, 10)}).code).toBe(0)
  })

  it('checks the key `raptr key use` names by default, and a GnuPG key with --gpg', () => {
    const dir = path.join(work, 'archive')
    ok(['init', dir], {cwd: work})
    expect(raptr(['key', 'check'], {cwd: dir, env: {RAPTR_SIGNING_KEY: undefined}}).code).toBe(2)
    const secret = path.join(work, 'rsa2048-secret.asc')
    fs.writeFileSync(secret, gpg(rsa2048.home, ['--armor', '--export-secret-keys', rsa2048.fingerprint]).stdout)
    ok(['key', 'use', secret], {cwd: dir})
    const used = okJson(['key', 'check'], {cwd: dir, env: {RAPTR_SIGNING_KEY: undefined}})
    expect(used.keys[0].fingerprint).toBe(rsa2048.fingerprint)
    expect(used.status).toBe('warn')
    ok(['key', 'use', '--gpg', sha1Self.fingerprint], {cwd: dir, env: {GNUPGHOME: sha1Self.home}})
    const usedGpg = check(['-C', dir], {GNUPGHOME: sha1Self.home})
    expect(usedGpg.res.code).toBe(2)
    expect(usedGpg.report.keys[0].fingerprint).toBe(sha1Self.fingerprint)
    const viaGpg = check(['--gpg', rsa1024.fingerprint], {GNUPGHOME: rsa1024.home})
    expect(viaGpg.res.code).toBe(2)
    expect(viaGpg.report.keys[0].fingerprint).toBe(rsa1024.fingerprint)
    const missing = raptr(['key', 'check', '--gpg', 'nobody@example.org', '--json'], {cwd: work, env: {GNUPGHOME: rsa1024.home}})
    expect(missing.code).toBe(2)
    expect(JSON.parse(missing.stdout).error.code).toBe('NO_SIGNING_KEY')
  })

  it('bad input: a file that is no key, a bad --within or --at, and key generate with a bad e-mail: one line, exit 2', () => {
    const gen = raptr(['key', 'generate', '--name', 'n', '--email', 'not an address', '--out', path.join(work, 'bad.asc'), '--json'], {cwd: work})
    expect(gen.code).toBe(2)
    expect(JSON.parse(gen.stdout).error).toMatchObject({code: 'BAD_ARGUMENT', message: expect.stringMatching(/^invalid --email "not an address"/)})
    expect(fs.existsSync(path.join(work, 'bad.asc'))).toBe(false)
    const junk = path.join(work, 'junk.asc')
    fs.writeFileSync(junk, 'not a key\n')
    for (const [args, code] of [
      [['--sign-key', junk], 'BAD_SIGNING_KEY'],
      [['--sign-key', path.join(work, 'absent.asc')], 'NO_SIGNING_KEY'],
      [['--sign-key', rsa2048.keyring, '--within', 'soon'], 'BAD_ARGUMENT'],
      [['--sign-key', rsa2048.keyring, '--at', 'someday'], 'BAD_ARGUMENT'],
    ] as const) {
      const res = raptr(['key', 'check', ...args], {cwd: work})
      expect(res.code, res.stderr).toBe(2)
      expect(res.stderr.trim().split('\n')).toHaveLength(2)
      expect(JSON.parse(raptr(['key', 'check', ...args, '--json'], {cwd: work}).stdout).error.code).toBe(code)
    }
  })
})
