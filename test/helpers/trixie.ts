/**
 * A Debian trixie client for the tests: apt 3 and Sequoia's sqv in a chroot that
 * scripts/trixie-chroot.sh builds once and caches (the host's own apt may still verify
 * with gpgv). Commands run with `chroot DIR …`; the chroot shares the host's network, so
 * a repository served on 127.0.0.1 is reachable. Nothing here skips: a chroot that cannot
 * be built fails the test.
 */
import {execFile, spawnSync} from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import path from 'node:path'
import {ROOT, type RunResult} from './cli.js'
import {isolatedAptOptions} from './apt.js'

const SCRIPT = path.join(ROOT, 'scripts', 'trixie-chroot.sh')
const MARKER = '.raptr-chroot-complete'
/** What apt's sqv method hands sqv when no system crypto policy exists (as in the chroot). */
export const APT_SEQUOIA_POLICY = '/usr/share/apt/default-sequoia.config'
/** Long enough for a first build (debootstrap from the machine's Debian mirror). */
export const TRIXIE_BUILD_TIMEOUT = 20 * 60_000

let built: string | undefined

/**
 * The chroot's directory, built on first use if missing (call it from a beforeAll with
 * TRIXIE_BUILD_TIMEOUT). Throws with the script's output if the build fails.
 */
export function trixieRoot(): string {
  if (built) return built
  const res = spawnSync('bash', [SCRIPT], {encoding: 'utf8', timeout: TRIXIE_BUILD_TIMEOUT})
  const dir = res.stdout?.trim().split('\n').at(-1) ?? ''
  if (res.status !== 0 || !dir || !fs.existsSync(path.join(dir, MARKER))) {
    throw new Error(`scripts/trixie-chroot.sh failed (exit ${res.status}${res.error ? `, ${res.error.message}` : ''}):\n${res.stdout}\n${res.stderr}`)
  }
  built = dir
  return dir
}

/** A fresh directory inside the chroot: `outside` is its host path, `inside` the chroot's. */
export function chrootTemp(prefix: string): {outside: string; inside: string; remove(): void} {
  const root = trixieRoot()
  const outside = fs.mkdtempSync(path.join(root, 'tmp', prefix))
  return {outside, inside: `/${path.relative(root, outside)}`, remove: () => fs.rmSync(outside, {recursive: true, force: true})}
}

const CHROOT_ENV = {PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C', HOME: '/root', DEBIAN_FRONTEND: 'noninteractive'}

/** Runs `cmd ARGS` inside the chroot with a clean environment; never throws on a non-zero exit. */
export function inTrixie(cmd: string, args: string[], env: Record<string, string> = {}): RunResult {
  const res = spawnSync('chroot', [trixieRoot(), cmd, ...args], {env: {...CHROOT_ENV, ...env}, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024})
  if (res.error) throw res.error
  return {code: res.status ?? -1, stdout: res.stdout, stderr: res.stderr}
}

/** As inTrixie, without blocking the event loop (for a client of a server in this process). */
export function inTrixieAsync(cmd: string, args: string[], env: Record<string, string> = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile('chroot', [trixieRoot(), cmd, ...args], {env: {...CHROOT_ENV, ...env}, maxBuffer: 64 * 1024 * 1024}, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0
      resolve({code, stdout: String(stdout), stderr: String(stderr)})
    })
  })
}

/**
 * The real sqv verifies `sigFile` over `dataFile` (a detached signature) or, without
 * `dataFile`, a clearsigned file, with `keyringFile` (binary OpenPGP keys), under the
 * policy apt gives it. `policyAsOf` (YYYY-MM-DD) is apt's second, one-year-ahead run.
 */
export function sqvVerify(keyringFile: string, sigFile: string, dataFile?: string, opts: {policyAsOf?: string} = {}): RunResult {
  const tmp = chrootTemp('raptr-sqv-')
  try {
    const put = (file: string, name: string): string => {
      fs.copyFileSync(file, path.join(tmp.outside, name))
      return `${tmp.inside}/${name}`
    }
    const keyring = put(keyringFile, 'keyring.gpg')
    const sig = put(sigFile, 'signed')
    const asOf = opts.policyAsOf ? ['--policy-as-of', opts.policyAsOf] : []
    const args = dataFile ? [...asOf, '--keyring', keyring, '--signature-file', sig, put(dataFile, 'data')] : [...asOf, '--keyring', keyring, '--cleartext', '--output', `${tmp.inside}/out`, sig]
    return inTrixie('sqv', args, {SEQUOIA_CRYPTO_POLICY: APT_SEQUOIA_POLICY})
  } finally {
    tmp.remove()
  }
}

/** The trixie apt in an isolated configuration inside the chroot (as helpers/apt.ts does on the host). */
export class TrixieApt {
  private readonly dir = chrootTemp('raptr-apt-')

  constructor(readonly arch = 'amd64') {
    for (const d of ['state/lists/partial', 'cache/archives/partial', 'etc/sources.list.d', 'etc/preferences.d', 'etc/trusted.gpg.d', 'etc/apt.conf.d']) {
      fs.mkdirSync(path.join(this.dir.outside, d), {recursive: true})
    }
    fs.writeFileSync(path.join(this.dir.outside, 'state/status'), '')
    fs.writeFileSync(path.join(this.dir.outside, 'etc/sources.list'), '')
  }

  /** One deb822 source: `uri suite components`, trusting the binary keyring `keyringFile` (Signed-By). */
  configure(uri: string, suite: string, components: string[], keyringFile: string): void {
    fs.copyFileSync(keyringFile, path.join(this.dir.outside, 'etc/repo.gpg'))
    const sources = ['Types: deb', `URIs: ${uri}`, `Suites: ${suite}`, `Components: ${components.join(' ')}`, `Signed-By: ${this.dir.inside}/etc/repo.gpg`, '']
    fs.writeFileSync(path.join(this.dir.outside, 'etc/sources.list.d/repo.sources'), sources.join('\n'))
  }

  private options(): string[] {
    return isolatedAptOptions(this.dir.inside, this.arch)
  }

  /**
   * `apt-get update`; rejects with apt's output on a non-zero exit or any W:/E:/Err: line.
   * `env` reaches apt's methods (APT_SEQUOIA_CRYPTO_POLICY names another policy file for sqv).
   */
  async update(env: Record<string, string> = {}): Promise<RunResult> {
    const res = await inTrixieAsync('apt-get', [...this.options(), 'update'], env)
    const bad = `${res.stdout}\n${res.stderr}`.split('\n').filter((l) => /^(W|E|Err):/.test(l))
    if (res.code !== 0 || bad.length > 0) throw new Error(`trixie apt-get update failed (exit ${res.code}):\n${res.stdout}\n${res.stderr}`)
    return res
  }

  /**
   * `apt-get ARGS` (e.g. `update --snapshot ID`, `install --snapshot ID hello`), installing
   * into a dpkg root of this client's own (never the chroot's system); rejects with apt's
   * output on a non-zero exit or any W:/E:/Err: line.
   */
  async aptGet(args: string[]): Promise<RunResult> {
    const res = await inTrixieAsync('apt-get', [...this.options(), ...this.dpkgRootOptions(), '-y', ...args])
    const bad = `${res.stdout}\n${res.stderr}`.split('\n').filter((l) => /^(W|E|Err):/.test(l))
    if (res.code !== 0 || bad.length > 0) throw new Error(`trixie apt-get ${args.join(' ')} failed (exit ${res.code}):\n${res.stdout}\n${res.stderr}`)
    return res
  }

  /** The version of `pkg` installed by aptGet's dpkg, or undefined when it is not installed. */
  installedVersion(pkg: string): string | undefined {
    const res = inTrixie('dpkg-query', [`--admindir=${this.dir.inside}/root/var/lib/dpkg`, '-W', '-f=${Version} ${db:Status-Abbrev}', pkg])
    const m = /^(\S+) ii/.exec(res.stdout)
    return res.code === 0 && m ? m[1] : undefined
  }

  /** apt's dpkg works in `root/` of this client's directory, with its own database there. */
  private dpkgRootOptions(): string[] {
    const root = path.join(this.dir.outside, 'root')
    if (!fs.existsSync(path.join(root, 'var/lib/dpkg/status'))) {
      for (const d of ['var/lib/dpkg/updates', 'var/lib/dpkg/info', 'var/log']) fs.mkdirSync(path.join(root, d), {recursive: true})
      fs.writeFileSync(path.join(root, 'var/lib/dpkg/status'), '')
    }
    const inside = `${this.dir.inside}/root`
    return ['-o', `Dir::State::status=${inside}/var/lib/dpkg/status`, '-o', `DPkg::Options::=--root=${inside}`, '-o', `DPkg::Options::=--log=${inside}/var/log/dpkg.log`, '-o', 'DPkg::Options::=--force-script-chrootless', '-o', 'Dpkg::Use-Pty=0']
  }

  /** Names of every package apt knows from the configured source. */
  packageNames(): string[] {
    const res = inTrixie('apt-cache', [...this.options(), 'pkgnames'])
    if (res.code !== 0) throw new Error(`trixie apt-cache pkgnames failed: ${res.stderr}`)
    return res.stdout.split('\n').filter(Boolean).sort()
  }

  cleanup(): void {
    this.dir.remove()
  }
}

/** Serves `root` read-only over HTTP on 127.0.0.1 (GET and HEAD of files; 404 otherwise). */
export async function serveDirectory(root: string): Promise<{url: string; close(): Promise<void>}> {
  const base = path.resolve(root)
  const server = http.createServer((req, res) => {
    const file = path.join(base, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname))
    if (!file.startsWith(`${base}${path.sep}`) || !fs.existsSync(file) || !fs.statSync(file).isFile()) return void res.writeHead(404).end()
    const body = fs.readFileSync(file)
    res.writeHead(200, {'content-length': body.length})
    res.end(req.method === 'HEAD' ? undefined : body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
