/**
 * The real apt client in an isolated configuration: its own state, cache, sources
 * list and keyring, nothing from the machine's /etc/apt sources. A run fails the test
 * on any W: or E: line, as the project's definition of correct demands.
 */
import fs from 'node:fs'
import path from 'node:path'
import {sh, tempDir, type RunResult} from './cli.js'

export class AptClient {
  readonly root: string
  readonly arch: string
  /** false: fetch indexes by their canonical names, as mirrors and caching proxies do. */
  readonly byHash: boolean

  constructor(opts: {arch?: string; byHash?: boolean} = {}) {
    this.root = tempDir('raptr-apt-')
    this.arch = opts.arch ?? 'amd64'
    this.byHash = opts.byHash ?? true
    for (const d of ['state/lists/partial', 'cache/archives/partial', 'etc/sources.list.d', 'etc/preferences.d', 'etc/trusted.gpg.d', 'etc/apt.conf.d', 'downloads']) {
      fs.mkdirSync(path.join(this.root, d), {recursive: true})
    }
    fs.writeFileSync(path.join(this.root, 'state/status'), '')
  }

  /** Points the client at `line` (a sources.list line) with `key` (binary OpenPGP key) as its keyring. */
  configure(line: string, keyFile?: string): void {
    let l = line
    if (keyFile) {
      const k = path.join(this.root, 'etc/raptr.gpg')
      fs.copyFileSync(keyFile, k)
      l = line.replace(/signed-by=[^\] ]+/, `signed-by=${k}`)
    }
    fs.writeFileSync(path.join(this.root, 'etc/sources.list'), `${l}\n`)
  }

  options(): string[] {
    return [
      ...isolatedAptOptions(this.root, this.arch),
      ...(this.byHash ? [] : ['-o', 'Acquire::By-Hash=no']),
    ]
  }

  private run(args: string[], cwd?: string): RunResult {
    return sh('apt-get', [...this.options(), ...args], {cwd, env: {LC_ALL: 'C', DEBIAN_FRONTEND: 'noninteractive'}})
  }

  /** `apt-get update`; throws with apt's output on a non-zero exit or any W:/E: line. */
  update(): RunResult {
    return strict('apt-get update', this.run(['update']))
  }

  /** `apt-get download NAME[=VERSION]` into a fresh directory; returns the downloaded file's path. */
  download(spec: string): string {
    const dir = fs.mkdtempSync(path.join(this.root, 'downloads/d'))
    strict(`apt-get download ${spec}`, this.run(['download', spec], dir))
    const files = fs.readdirSync(dir)
    if (files.length !== 1) throw new Error(`apt-get download ${spec} left ${files.length} files: ${files.join(' ')}`)
    return path.join(dir, files[0])
  }

  /** Every version apt knows of `name` (apt-cache madison). */
  versions(name: string): string[] {
    const res = sh('apt-cache', [...this.options(), 'madison', name], {env: {LC_ALL: 'C'}})
    if (res.code !== 0) throw new Error(`apt-cache madison failed: ${res.stderr}`)
    return res.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('|')[1].trim())
  }

  /** Names of every package apt knows from the configured sources. */
  packageNames(): string[] {
    const res = sh('apt-cache', [...this.options(), 'pkgnames'], {env: {LC_ALL: 'C'}})
    return res.stdout.split('\n').filter(Boolean).sort()
  }

  cleanup(): void {
    fs.rmSync(this.root, {recursive: true, force: true})
  }
}

function strict(what: string, res: RunResult): RunResult {
  const bad = `${res.stdout}\n${res.stderr}`.split('\n').filter((l) => /^(W|E|Err):/.test(l))
  if (res.code !== 0 || bad.length > 0) {
    throw new Error(`${what} failed (exit ${res.code}):\n${res.stdout}\n${res.stderr}`)
  }
  return res
}

/** `name version arch` → SHA256 of every binary package the client knows (apt-cache dumpavail). */
export function availableBinaries(apt: AptClient): Map<string, string> {
  const res = sh('apt-cache', [...apt.options(), 'dumpavail'], {env: {LC_ALL: 'C'}})
  if (res.code !== 0) throw new Error(`apt-cache dumpavail failed (exit ${res.code}): ${res.stderr}`)
  const out = new Map<string, string>()
  for (const stanza of res.stdout.split('\n\n')) {
    const f = (k: string): string | undefined => new RegExp(`^${k}: (.+)$`, 'm').exec(stanza)?.[1]
    if (f('Package')) out.set(`${f('Package')} ${f('Version')} ${f('Architecture')}`, f('SHA256')!)
  }
  return out
}

/** Verifies with the real gpgv, in an isolated home: InRelease alone, or Release with Release.gpg. */
export function gpgv(keyFile: string, ...files: string[]): RunResult {
  const home = tempDir('raptr-gpgv-')
  try {
    return sh('gpgv', ['--homedir', home, '--keyring', keyFile, ...files], {env: {LC_ALL: 'C'}})
  } finally {
    fs.rmSync(home, {recursive: true, force: true})
  }
}

/**
 * The apt options that confine apt to its own directory `r` (state, cache, sources,
 * keyrings, configuration) and one architecture, so a test never reads or changes the
 * machine's apt: shared by the host's apt and the trixie chroot's.
 */
export function isolatedAptOptions(r: string, arch: string): string[] {
  return [
      '-o', `Dir::State=${r}/state`,
      '-o', `Dir::State::status=${r}/state/status`,
      '-o', `Dir::Cache=${r}/cache`,
      '-o', `Dir::Etc::sourcelist=${r}/etc/sources.list`,
      '-o', `Dir::Etc::sourceparts=${r}/etc/sources.list.d`,
      '-o', `Dir::Etc::preferencesparts=${r}/etc/preferences.d`,
      '-o', `Dir::Etc::trusted=${r}/etc/trusted.gpg`,
      '-o', `Dir::Etc::trustedparts=${r}/etc/trusted.gpg.d`,
      '-o', `Dir::Etc::parts=${r}/etc/apt.conf.d`,
      '-o', `APT::Architecture=${arch}`,
      '-o', `APT::Architectures::=${arch}`,
      '-o', 'APT::Sandbox::User=root',
      '-o', 'Debug::NoLocking=1',
      '-o', 'Acquire::Languages=none',
      '-o', 'APT::Get::List-Cleanup=0',
  ]
}
