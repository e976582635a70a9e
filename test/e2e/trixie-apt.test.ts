/**
 * Smoke test of the newest apt clients: Debian trixie's apt 3, which verifies with
 * Sequoia's sqv (and warns a year ahead of a policy cutoff), reads a repository raptr
 * published, signed with a `raptr key generate` key, over HTTP, with no W:/E: line.
 */
import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {buildDeb} from '../helpers/build-packages.js'
import {ok, raptr, tempDir} from '../helpers/cli.js'
import {makeTestArchive, type TestArchive} from '../helpers/published-archive.js'
import {APT_SEQUOIA_POLICY, chrootTemp, inTrixie, serveDirectory, TRIXIE_BUILD_TIMEOUT, TrixieApt, trixieRoot} from '../helpers/trixie.js'

describe('Debian trixie apt (sqv) reads a raptr repository', () => {
  let s: TestArchive
  let apt: TrixieApt
  let server: {url: string; close(): Promise<void>}

  beforeAll(async () => {
    trixieRoot()
    s = makeTestArchive()
    await buildDeb(s.pkgs, {name: 'hello', version: '1.0-1', arch: 'amd64', compression: 'xz'})
    ok(['package', 'add', s.pkgs, '--section', 'production/public'], {cwd: s.dir})
    ok(['publish', '--sign-key', s.key], {cwd: s.dir})
    server = await serveDirectory(s.www)
    apt = new TrixieApt()
  }, TRIXIE_BUILD_TIMEOUT)

  afterAll(async () => {
    apt?.cleanup()
    await server?.close()
  })

  it('the chroot is the client it claims: apt >= 2.9.19 with its sqv method', () => {
    const version = inTrixie('dpkg-query', ['-W', '-f=${Version}', 'apt']).stdout
    expect(inTrixie('dpkg', ['--compare-versions', version, 'ge', '2.9.19']).code, version).toBe(0)
    expect(inTrixie('sqv', ['--version']).stdout).toMatch(/^sqv \d/)
    expect(fs.existsSync(path.join(trixieRoot(), 'usr/lib/apt/methods/sqv'))).toBe(true)
    // No gpgv to fall back on: whatever apt verifies here, sqv verified.
    expect(inTrixie('sh', ['-c', 'command -v gpgv']).code).not.toBe(0)
  })

  it('apt-get update over HTTP verifies InRelease with sqv, with no W: or E: line, and sees the package', async () => {
    apt.configure(server.url, 'production', ['public'], s.pubKey)
    const res = await apt.update()
    expect(res.stdout).toMatch(/Get:\d+ http:\/\/127\.0\.0\.1:\d+ production InRelease/)
    expect(apt.packageNames()).toEqual(['hello'])
  })

  it('and refuses the same repository against another key (the check is real)', async () => {
    const work = tempDir('raptr-trixie-')
    ok(['key', 'generate', '--name', 'other', '--email', 'other@example.org', '--out', path.join(work, 'other.asc')], {cwd: work})
    const {loadSigner} = await import('../../src/signing/openpgp-signer.js')
    const keyring = path.join(work, 'other.gpg')
    fs.writeFileSync(keyring, (await loadSigner({armoredKey: fs.readFileSync(path.join(work, 'other.asc'), 'utf8')})).publicKeyBinary())
    const wrong = new TrixieApt()
    try {
      wrong.configure(server.url, 'production', ['public'], keyring)
      await expect(wrong.update()).rejects.toThrow(/^W: .*production InRelease.*(not signed|Missing key)/m)
    } finally {
      wrong.cleanup()
    }
  })

  it("warns a year ahead of a policy cutoff, as key check says: an RSA-2048 repository under a policy that refuses RSA-2048 in half a year", async () => {
    const work = tempDir('raptr-trixie-')
    const pgp = await import('openpgp')
    const {privateKey} = await pgp.generateKey({type: 'rsa', rsaBits: 2048, userIDs: [{name: 'rsa', email: 'rsa@example.org'}], format: 'armored', config: {v6Keys: false}})
    const key = path.join(work, 'rsa2048.asc')
    fs.writeFileSync(key, privateKey)
    expect(raptr(['key', 'check', '--sign-key', key], {cwd: work}).stdout).toMatch(/RSA-2048: apt warns from 2029-02-01 and refuses from 2030-02-01/)
    const www = path.join(work, 'www')
    ok(['backend', 'add', 'rsa', `file://${www}`], {cwd: s.dir})
    ok(['publish', 'rsa', '--sign-key', key], {cwd: s.dir})
    const rsaServer = await serveDirectory(www)
    const client = new TrixieApt()
    const policy = chrootTemp('raptr-policy-')
    try {
      client.configure(rsaServer.url, 'production', ['public'], path.join(www, 'raptr.gpg'))
      await client.update()
      // apt's own policy file with the RSA-2048 cutoff moved to half a year from now.
      const cutoff = new Date(Date.now() + 182 * 86_400_000).toISOString().slice(0, 10)
      const text = fs.readFileSync(path.join(trixieRoot(), APT_SEQUOIA_POLICY.slice(1)), 'utf8').replace(/^rsa2048 *= *\S+/m, `rsa2048 = ${cutoff}`)
      expect(text).toContain(`rsa2048 = ${cutoff}`)
      fs.writeFileSync(path.join(policy.outside, 'apt-sequoia.config'), text)
      await expect(client.update({APT_SEQUOIA_CRYPTO_POLICY: `${policy.inside}/apt-sequoia.config`})).rejects.toThrow(/^W: .*Policy will reject signature within a year/m)
    } finally {
      policy.remove()
      client.cleanup()
      await rsaServer.close()
    }
  })
})
