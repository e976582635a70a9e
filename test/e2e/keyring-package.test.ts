/**
 * The keyring package (`raptr key package`), `raptr key sources` and publish's daily key
 * warning, seen by real clients: dpkg-deb reads the package; in the Debian trixie chroot
 * (apt 3 + sqv) a client bootstraps as a user would (curl the .deb over HTTP, dpkg -i,
 * apt-get update with the package's .sources as the only source); through a key
 * rotation it gets the new key by apt-get install of the rebuilt package. The chroot is
 * shared and cached, so the client changes it only inside a private mount namespace:
 * /usr/share/keyrings and /etc/apt/sources.list.d are bind-mounted from a scratch
 * directory, and dpkg keeps its database in that directory (--admindir).
 */
import {execFile} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {AptClient, isolatedAptOptions} from '../helpers/apt.js'
import {buildDeb} from '../helpers/build-packages.js'
import {ok, okJson, raptr, sh, tempDir, type RunResult} from '../helpers/cli.js'
import {makeTestArchive, type TestArchive} from '../helpers/published-archive.js'
import {TRIXIE_BUILD_TIMEOUT, chrootTemp, serveDirectory, trixieRoot} from '../helpers/trixie.js'

const NAME = 'acme-archive-keyring'
const CHROOT_ENV = {PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C', HOME: '/root', DEBIAN_FRONTEND: 'noninteractive'}

/** Runs a process without blocking this one (it serves the repository); `clean`: with `env` alone. */
function run(cmd: string, args: string[], env: Record<string, string> = {}, clean = false): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, {env: clean ? env : {...process.env, ...env}, maxBuffer: 64 * 1024 * 1024}, (error, stdout, stderr) => {
      resolve({code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout: String(stdout), stderr: String(stderr)})
    })
  })
}

/** Fingerprints of the keys in a binary keyring, as gpg reads them. */
function fingerprints(file: string): string[] {
  const home = tempDir('raptr-gpg-')
  try {
    const out = sh('gpg', ['--homedir', home, '--batch', '--with-colons', '--show-keys', file]).stdout.split('\n')
    return out.filter((l, i) => l.startsWith('fpr:') && out[i - 1]?.startsWith('pub:')).map((l) => l.split(':')[9]).sort()
  } finally {
    fs.rmSync(home, {recursive: true, force: true})
  }
}

const badLines = (r: RunResult): string[] => `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => /^(W|E|Err):/.test(l))

/**
 * A trixie machine with nothing of the archive: dpkg and apt act on the real paths
 * (/usr/share/keyrings, /etc/apt/sources.list.d), which are its own scratch directories.
 */
class TrixieMachine {
  private readonly tmp = chrootTemp('raptr-kr-')
  readonly keyrings = path.join(this.tmp.outside, 'keyrings')
  readonly sources = path.join(this.tmp.outside, 'sources')

  constructor() {
    for (const d of ['keyrings', 'sources', 'dpkg/updates', 'dpkg/info', 'apt/state/lists/partial', 'apt/cache/archives/partial', 'apt/etc/preferences.d', 'apt/etc/trusted.gpg.d', 'apt/etc/apt.conf.d']) {
      fs.mkdirSync(path.join(this.tmp.outside, d), {recursive: true})
    }
    fs.writeFileSync(path.join(this.tmp.outside, 'dpkg/status'), '')
    fs.writeFileSync(path.join(this.tmp.outside, 'apt/etc/sources.list'), '')
  }

  /** A host path inside the machine, as the machine names it. */
  inside(file: string): string {
    return `/${path.relative(trixieRoot(), file)}`
  }

  get scratch(): string {
    return this.tmp.outside
  }

  /** `cmd ARGS` in the chroot, in a private mount namespace with the machine's directories in place. */
  exec(cmd: string, args: string[]): Promise<RunResult> {
    const root = trixieRoot()
    const script = 'mount --bind "$1" "$3/usr/share/keyrings" && mount --bind "$2" "$3/etc/apt/sources.list.d" && shift 3 && exec chroot "$ROOT" "$@"'
    return run('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', this.keyrings, this.sources, root, cmd, ...args], {...CHROOT_ENV, ROOT: root}, true)
  }

  private dpkgDir(): string {
    return `${this.inside(this.tmp.outside)}/dpkg`
  }

  dpkgInstall(deb: string): Promise<RunResult> {
    return this.exec('dpkg', [`--admindir=${this.dpkgDir()}`, '--log=/dev/null', '-i', this.inside(deb)])
  }

  /** apt-get with its own state and cache, the machine's sources.list.d as its only source, and dpkg's database here. */
  apt(args: string[]): Promise<RunResult> {
    const opts = [
      ...isolatedAptOptions(`${this.inside(this.tmp.outside)}/apt`, 'amd64'),
      '-o', 'Dir::Etc::sourceparts=/etc/apt/sources.list.d',
      '-o', `Dir::State::status=${this.dpkgDir()}/status`,
      '-o', `DPkg::Options::=--admindir=${this.dpkgDir()}`,
      '-o', 'DPkg::Options::=--log=/dev/null',
      // The chroot has no /dev/pts.
      '-o', 'Dpkg::Use-Pty=0',
    ]
    return this.exec('apt-get', [...opts, ...args])
  }

  /** apt-get update that must be clean: exit 0 and no W:/E:/Err: line. */
  async update(): Promise<RunResult> {
    const res = await this.apt(['update'])
    if (res.code !== 0 || badLines(res).length) throw new Error(`trixie apt-get update failed (exit ${res.code}):\n${res.stdout}\n${res.stderr}`)
    return res
  }

  installedVersion(): string | undefined {
    const status = fs.readFileSync(path.join(this.tmp.outside, 'dpkg/status'), 'utf8')
    const stanza = status.split('\n\n').find((s) => s.includes(`Package: ${NAME}\n`))
    return stanza && /^Status: install ok installed$/m.test(stanza) ? /^Version: (.+)$/m.exec(stanza)?.[1] : undefined
  }

  remove(): void {
    this.tmp.remove()
  }
}

describe('keyring package, key sources and the rotation that upgrades clients', () => {
  let s: TestArchive
  let server: {url: string; close(): Promise<void>}
  let newKey: string
  const machines: TrixieMachine[] = []
  const fpr = {old: '', new: ''}

  beforeAll(async () => {
    trixieRoot()
    s = makeTestArchive({origin: 'ACME'})
    server = await serveDirectory(s.www)
    newKey = path.join(s.work, 'signing-2027.asc')
    ok(['key', 'generate', '--name', 'raptr tests 2027', '--email', 'tests@example.org', '--out', newKey], {cwd: s.work})
    ok(['key', 'use', s.key], {cwd: s.dir})
    fpr.old = okJson(['key', 'check', '--sign-key', s.key], {cwd: s.work}).keys[0].fingerprint
    fpr.new = okJson(['key', 'check', '--sign-key', newKey], {cwd: s.work}).keys[0].fingerprint
    await buildDeb(s.pkgs, {name: 'hello', version: '1.0', arch: 'amd64', payloadBytes: 64, seed: 1})
    ok(['package', 'add', s.pkgs, '--section', 'production/public'], {cwd: s.dir})
  }, TRIXIE_BUILD_TIMEOUT)

  afterAll(async () => {
    await server?.close()
    for (const m of machines) m.remove()
  })

  const pkgFile = (pool: string): string => path.join(s.www, pool)

  it('refuses a distribution without Origin, and an Origin that is no package name, with a hint', () => {
    ok(['distribution', 'add', 'bare', '--architectures', 'amd64'], {cwd: s.dir})
    ok(['category', 'add', 'main', '--to', 'bare'], {cwd: s.dir})
    const none = raptr(['key', 'package', '--section', 'bare/main', '--url', server.url, '--json'], {cwd: s.dir})
    expect(none.code).toBe(2)
    expect(JSON.parse(none.stdout).error).toMatchObject({code: 'BAD_ARGUMENT', message: 'distribution "bare" has no Origin to name the keyring package after', hint: expect.stringContaining('--name')})
    ok(['distribution', 'set', 'bare', '--origin', 'Big Co'], {cwd: s.dir})
    const bad = raptr(['key', 'package', '--section', 'bare/main', '--url', server.url, '--json'], {cwd: s.dir})
    expect(JSON.parse(bad.stdout).error).toMatchObject({code: 'BAD_ARGUMENT', message: expect.stringContaining('"big co-archive-keyring"')})
    ok(['distribution', 'remove', 'bare'], {cwd: s.dir})
    expect(fs.existsSync(path.join(s.dir, 'keyring.json'))).toBe(false)
  })

  it('builds a .deb dpkg-deb agrees with, adds it, and rebuilding the same keys adds nothing', () => {
    const built = okJson(['key', 'package', '--section', 'production/public', '--url', server.url, '--publish'], {cwd: s.dir})
    expect(built).toMatchObject({name: NAME, version: '1', status: 'built', keys: [fpr.old], distributions: ['production'], url: server.url})
    const deb = pkgFile(built.poolPath)
    const info = sh('dpkg-deb', ['--info', deb]).stdout
    for (const f of [`Package: ${NAME}`, 'Version: 1', 'Architecture: all', 'Multi-Arch: foreign', 'Installed-Size: ']) expect(info).toContain(` ${f}`)
    expect(info).not.toMatch(/conffiles|postinst|preinst/)
    const files = sh('dpkg-deb', ['--contents', deb]).stdout.trim().split('\n').map((l) => l.split(/\s+/).at(-1))
    expect(files.filter((f) => !f!.endsWith('/'))).toEqual([`./etc/apt/sources.list.d/${NAME}.sources`, `./usr/share/keyrings/${NAME}.pgp`])
    const x = tempDir('raptr-krx-')
    sh('dpkg-deb', ['-R', deb, x])
    expect(fs.readFileSync(path.join(x, 'etc/apt/sources.list.d', `${NAME}.sources`), 'utf8')).toBe(
      ['Types: deb', `URIs: ${server.url}`, 'Suites: production', 'Components: public', `Signed-By: /usr/share/keyrings/${NAME}.pgp`, ''].join('\n'),
    )
    expect(fingerprints(path.join(x, 'usr/share/keyrings', `${NAME}.pgp`))).toEqual([fpr.old])
    expect(sh('md5sum', ['-c', 'DEBIAN/md5sums'], {cwd: x}).code).toBe(0)
    // The archive has it as any package; again: the same bytes, no new version, no commit.
    expect(okJson(['package', 'list', '--distribution', 'production'], {cwd: s.dir}).map((p: any) => `${p.name} ${p.version}`)).toContain(`${NAME} 1`)
    const head = sh('git', ['rev-parse', 'HEAD'], {cwd: s.dir}).stdout
    const again = okJson(['key', 'package'], {cwd: s.dir})
    expect(again).toMatchObject({version: '1', status: 'unchanged', sha256: built.sha256})
    expect(sh('git', ['rev-parse', 'HEAD'], {cwd: s.dir}).stdout).toBe(head)
    const log = okJson(['log', '--event', 'KeyringPackageBuilt'], {cwd: s.dir})
    expect(JSON.stringify(log)).toContain('KeyringPackageBuilt')
    fs.rmSync(x, {recursive: true, force: true})
  })

  it('a new trixie machine: curl the .deb over HTTP, dpkg -i, apt-get update with its .sources alone is clean', async () => {
    const m = new TrixieMachine()
    machines.push(m)
    const pool = okJson(['key', 'package'], {cwd: s.dir}).poolPath
    const deb = path.join(m.scratch, 'keyring.deb')
    const got = await run('curl', ['-fsS', '-o', deb, `${server.url}/${pool}`])
    expect(got.code, got.stderr).toBe(0)
    const inst = await m.dpkgInstall(deb)
    expect(inst.code, inst.stdout + inst.stderr).toBe(0)
    expect(m.installedVersion()).toBe('1')
    expect(fs.readdirSync(m.sources)).toEqual([`${NAME}.sources`])
    expect(fingerprints(path.join(m.keyrings, `${NAME}.pgp`))).toEqual([fpr.old])
    await m.update()
    const policy = await m.exec('apt-cache', ['-o', `Dir::State=${m.inside(m.scratch)}/apt/state`, '-o', `Dir::Cache=${m.inside(m.scratch)}/apt/cache`, 'policy', 'hello'])
    expect(policy.stdout).toContain(server.url)
  })

  it('key sources prints the stanza (and the one line) a client uses as its only source: clean on trixie and on the host apt', async () => {
    const stanza = ok(['key', 'sources', 'production'], {cwd: s.dir}).stdout
    expect(stanza).toBe(['Types: deb', `URIs: ${server.url}`, 'Suites: production', 'Components: public', `Signed-By: /usr/share/keyrings/${NAME}.pgp`, ''].join('\n'))
    expect(ok(['key', 'sources', 'production', '--one-line'], {cwd: s.dir}).stdout).toBe(`deb [signed-by=/usr/share/keyrings/${NAME}.pgp] ${server.url} production public\n`)
    expect(okJson(['key', 'sources', 'production', '--url', 'https://apt.example.org/'], {cwd: s.dir})).toMatchObject({url: 'https://apt.example.org', suite: 'production', components: ['public']})
    const fromBackend = okJson(['key', 'sources', 'production', '--backend', 'local'], {cwd: s.dir})
    expect(fromBackend).toMatchObject({url: `file://${s.www}`, components: ['public'], backend: 'local'})
    expect(okJson(['key', 'sources', 'production', '--backend', 'local', '--url', server.url], {cwd: s.dir})).toMatchObject({url: server.url, backend: 'local'})
    // trixie: the printed stanza alone, with the keyring the package installed.
    const m = new TrixieMachine()
    machines.push(m)
    fs.copyFileSync(s.pubKey, path.join(m.keyrings, `${NAME}.pgp`))
    fs.writeFileSync(path.join(m.sources, 'printed.sources'), stanza)
    await m.update()
    // The host's apt (gpgv), with the key where --key-path says.
    const host = new AptClient()
    try {
      const key = path.join(host.root, 'etc', 'acme.pgp')
      fs.copyFileSync(s.pubKey, key)
      fs.writeFileSync(path.join(host.root, 'etc/sources.list.d/acme.sources'), ok(['key', 'sources', 'production', '--key-path', key], {cwd: s.dir}).stdout)
      const res = await run('apt-get', [...host.options(), 'update'], {LC_ALL: 'C'})
      expect(res.code, res.stdout + res.stderr).toBe(0)
      expect(badLines(res)).toEqual([])
    } finally {
      host.cleanup()
    }
    // A pinned suite, and what is not there.
    const pin = okJson(['pin', 'HEAD', 'production'], {cwd: s.dir})
    // publish and pin print the source with the file the keyring package installs.
    expect(pin.debLine).toBe(`deb [signed-by=/usr/share/keyrings/${NAME}.pgp] file://${s.www} ${pin.suite} public`)
    const published = okJson(['publish'], {cwd: s.dir})
    expect(JSON.stringify(published)).toContain(`"debLine":"deb [signed-by=/usr/share/keyrings/${NAME}.pgp] file://${s.www} production public"`)
    // The browse page shows the same source.
    const page = fs.readFileSync(path.join(s.www, 'dists', 'production', 'index.html'), 'utf8')
    expect(page).toContain(`signed-by=/usr/share/keyrings/${NAME}.pgp`)
    expect(page).not.toContain('/etc/apt/keyrings/raptr.gpg')
    const pinned = okJson(['key', 'sources', pin.suite], {cwd: s.dir})
    expect(pinned).toMatchObject({suite: pin.suite, distribution: 'production', pinned: pin.pinned, components: ['public']})
    const missing = raptr(['key', 'sources', 'snapshots/0123456789ab/production', '--json'], {cwd: s.dir})
    expect(JSON.parse(missing.stdout).error.code).toBe('NOTHING_PUBLISHED')
    const unknown = raptr(['key', 'sources', 'staging', '--json'], {cwd: s.dir})
    expect(JSON.parse(unknown.stdout).error.code).toBe('UNKNOWN_DISTRIBUTION')
  })

  it('rotation: each step rebuilds it with a higher version; apt-get install brings the new key before --finish, and the client stays clean after', async () => {
    const m = machines[0]
    const start = okJson(['key', 'rotate', '--new', newKey], {cwd: s.dir})
    expect(start.keyring).toMatchObject({name: NAME, version: '2', status: 'built', keys: [fpr.old, fpr.new]})
    // Published with the rotation step: the client sees version 2, signed by both keys.
    await m.update()
    const install = await m.apt(['install', '-y', NAME])
    expect(install.code, install.stdout + install.stderr).toBe(0)
    expect(badLines(install)).toEqual([])
    expect(m.installedVersion()).toBe('2')
    expect(fingerprints(path.join(m.keyrings, `${NAME}.pgp`))).toEqual([fpr.old, fpr.new].sort())
    // Finish: the keys clients need are unchanged (both stay published), so no new version.
    const finish = okJson(['key', 'rotate', '--finish'], {cwd: s.dir})
    expect(finish.keyring).toMatchObject({version: '2', status: 'unchanged'})
    await m.update()
    const drop = okJson(['key', 'rotate', '--drop-old'], {cwd: s.dir})
    expect(drop.keyring).toMatchObject({version: '3', status: 'built', keys: [fpr.new]})
    await m.update()
    const upgrade = await m.apt(['upgrade', '-y'])
    expect(upgrade.code, upgrade.stdout + upgrade.stderr).toBe(0)
    expect(badLines(upgrade)).toEqual([])
    expect(m.installedVersion()).toBe('3')
    expect(fingerprints(path.join(m.keyrings, `${NAME}.pgp`))).toEqual([fpr.new])
    await m.update()
  })
})

describe('publish warns about the signing key once a day', () => {
  let s: TestArchive
  let home: string

  beforeAll(() => {
    s = makeTestArchive()
    home = tempDir('raptr-gnupg-')
    fs.chmodSync(home, 0o700)
    const gpg = (args: string[]): RunResult => {
      const res = sh('gpg', ['--homedir', home, '--batch', '--pinentry-mode', 'loopback', '--passphrase', '', ...args])
      if (res.code !== 0) throw new Error(`gpg ${args.join(' ')}: ${res.stderr}`)
      return res
    }
    gpg(['--quick-gen-key', 'rsa 2048 <rsa2048@example.org>', 'rsa2048', 'sign', 'never'])
    const secret = path.join(s.work, 'rsa2048.asc')
    fs.writeFileSync(secret, gpg(['--armor', '--export-secret-keys']).stdout)
    ok(['key', 'use', secret], {cwd: s.dir})
  })

  afterAll(() => fs.rmSync(home, {recursive: true, force: true}))

  it('an RSA-2048 key: the first publish warns on stderr, the second the same day does not; --json stdout is only JSON', async () => {
    await buildDeb(s.pkgs, {name: 'hello', version: '1.0', arch: 'amd64', payloadBytes: 64, seed: 1})
    ok(['package', 'add', s.pkgs, '--section', 'production/public'], {cwd: s.dir})
    const first = ok(['publish'], {cwd: s.dir})
    expect(first.stderr).toMatch(/^warning: key [0-9A-F]{16}: RSA-2048: apt warns from 2029-02-01 and refuses from 2030-02-01$/m)
    expect(first.stdout).not.toMatch(/RSA-2048/)
    const second = ok(['publish', '--force'], {cwd: s.dir})
    expect(second.stderr).not.toMatch(/RSA-2048/)
    // A day later (the stamp moved back), under --json: stdout is the report alone.
    const stamp = path.join(s.dir, '.git', 'raptr', 'key-warning.json')
    fs.writeFileSync(stamp, `${JSON.stringify({warnedAt: new Date(Date.now() - 25 * 3_600_000).toISOString()})}\n`)
    const json = raptr(['publish', '--json'], {cwd: s.dir})
    expect(json.code).toBe(0)
    expect(JSON.parse(json.stdout)).toHaveProperty('results')
    expect(json.stdout).not.toMatch(/RSA-2048|warning/)
    expect(json.stderr).toMatch(/RSA-2048: apt warns from 2029-02-01/)
  })

  it('a key that is fine: no warning; the check is remembered for that key for a day, another key is checked at once', async () => {
    const t = makeTestArchive()
    ok(['key', 'use', t.key], {cwd: t.dir})
    await buildDeb(t.pkgs, {name: 'hello', version: '1.0', arch: 'amd64', payloadBytes: 64, seed: 2})
    ok(['package', 'add', t.pkgs, '--section', 'production/public'], {cwd: t.dir})
    const res = ok(['publish'], {cwd: t.dir})
    expect(res.stderr).not.toMatch(/warning: key/)
    const stampFile = path.join(t.dir, '.git', 'raptr', 'key-warning.json')
    const first = JSON.parse(fs.readFileSync(stampFile, 'utf8'))
    expect(Object.keys(first).sort()).toEqual(['checkedAt', 'key'])
    expect(first.key).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(fs.readFileSync(stampFile, 'utf8')).not.toContain('PRIVATE') // a hash names the key, never the key
    // The same key the same day: not checked again (the stamp is left as it was).
    ok(['publish', '--force'], {cwd: t.dir})
    expect(JSON.parse(fs.readFileSync(stampFile, 'utf8')).checkedAt).toBe(first.checkedAt)
    // An RSA-2048 key given with --sign-key the same day: checked at once, and warned about.
    const weak = path.join(s.work, 'rsa2048.asc')
    const other = ok(['publish', '--force', '--sign-key', weak], {cwd: t.dir})
    expect(other.stderr).toMatch(/^warning: key [0-9A-F]{16}: RSA-2048: apt warns from 2029-02-01/m)
    const second = JSON.parse(fs.readFileSync(stampFile, 'utf8'))
    expect(second.key).not.toBe(first.key)
    expect(second.warnedAt).toBe(second.checkedAt)
  })
})
