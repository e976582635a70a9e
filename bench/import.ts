/**
 * The import scenario: a signed upstream of the corpus's N packages, served over HTTP on
 * 127.0.0.1, brought into a fresh archive by `raptr import` and into aptly by `aptly
 * mirror create` + `aptly mirror update` (both verifying the upstream's signature with the
 * same keyring, both downloading every pool file). The upstream is an apt-ftparchive tree
 * (neither tool's own layout), made once per N outside the timing.
 */
import {execFileSync, spawn, type ChildProcess} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import type {GpgKey} from './gpg-key.js'
import type {ScenarioTimer, Step} from './measure.js'
import {moduleMissing} from './peers.js'

const SUITE = 'bench'
const COMPONENT = 'main'
const ARCHS = ['amd64', 'arm64']

/** A served upstream: its URL, the binary keyring that verifies its InRelease, and how to stop the server. */
export interface Upstream {
  url: string
  keyring: string
  close(): void
}

/**
 * Builds the upstream in `dir` from the .deb files in `corpusDir` (hard links in pool/,
 * Packages.gz and .xz per architecture, Release signed inline and detached) and serves it
 * from a child process: measured tools run synchronously, and a server on the bench's
 * own event loop would never answer them. Example: `const up = await serveUpstream(dir, corpus, gpg)`
 */
export async function serveUpstream(dir: string, corpusDir: string, gpg: GpgKey): Promise<Upstream> {
  const pool = path.join(dir, 'pool', COMPONENT)
  fs.mkdirSync(pool, {recursive: true})
  for (const f of fs.readdirSync(corpusDir)) fs.linkSync(path.join(corpusDir, f), path.join(pool, f))
  const dists = `dists/${SUITE}`
  const script = [
    'set -e',
    ...ARCHS.flatMap((arch) => {
      const d = `${dists}/${COMPONENT}/binary-${arch}`
      return [`mkdir -p ${d}`, `apt-ftparchive --arch ${arch} packages pool > ${d}/Packages`, `gzip -9 -n -f ${d}/Packages -k`, `xz -f ${d}/Packages`]
    }),
    `apt-ftparchive -o APT::FTPArchive::Release::Suite=${SUITE} -o APT::FTPArchive::Release::Codename=${SUITE}` +
      ` -o "APT::FTPArchive::Release::Architectures=${ARCHS.join(' ')}" -o APT::FTPArchive::Release::Components=${COMPONENT}` +
      ` release ${dists} > Release.new`,
    `mv Release.new ${dists}/Release`,
    `gpg --batch --yes -u ${gpg.fingerprint} --clearsign -o ${dists}/InRelease ${dists}/Release`,
    `gpg --batch --yes -u ${gpg.fingerprint} -abs -o ${dists}/Release.gpg ${dists}/Release`,
  ].join('\n')
  execFileSync('sh', ['-c', script], {cwd: dir, env: {...process.env, GNUPGHOME: gpg.home}, stdio: 'pipe'})
  const keyring = path.join(path.dirname(dir), 'upstream.gpg')
  fs.writeFileSync(keyring, execFileSync('gpg', ['--batch', '--export', gpg.fingerprint], {env: {...process.env, GNUPGHOME: gpg.home}}))

  const server = spawn(process.execPath, [fileURLToPath(new URL('static-server.js', import.meta.url)), dir], {stdio: ['ignore', 'pipe', 'inherit']})
  const url = await listening(server)
  return {url, keyring, close: () => void server.kill()}
}

/** The URL the server prints once it listens. */
function listening(server: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = ''
    server.once('exit', (code) => reject(new Error(`the upstream's HTTP server exited ${code}`)))
    server.stdout?.on('data', (d: Buffer) => {
      out += d.toString('utf8')
      const m = /^listening (http:\/\/\S+)$/m.exec(out)
      if (m) resolve(m[1])
    })
  })
}

/** `raptr init` and `raptr import URL bench --to bench --keyring K` in `work`. */
export function raptrImport(timer: ScenarioTimer, repoRoot: string, work: string, upstream: Upstream): void {
  const archive = path.join(work, 'archive')
  const raptr = (label: string, ...args: string[]): Step => ({
    label: `raptr ${label}`,
    command: process.execPath,
    args: [path.join(repoRoot, 'bin', 'run.js'), ...args],
    cwd: work,
    env: {...process.env, RAPTR_ARCHIVE: archive},
  })
  timer.run(raptr('init', 'init', archive), moduleMissing)
  timer.run(raptr('import', 'import', upstream.url, SUITE, '--to', SUITE, '--keyring', upstream.keyring), moduleMissing)
}

/** `aptly mirror create` (verifying with the same keyring) and `aptly mirror update` in `work`. */
export function aptlyMirror(timer: ScenarioTimer, work: string, upstream: Upstream): void {
  const config = path.join(work, 'aptly.conf')
  fs.writeFileSync(config, JSON.stringify({rootDir: path.join(work, 'aptly'), gpgProvider: 'gpg', architectures: []}))
  const aptly = (label: string, ...args: string[]): Step => ({label: `aptly ${label}`, command: 'aptly', args: [`-config=${config}`, ...args], cwd: work})
  const keyring = `-keyring=${upstream.keyring}`
  timer.run(aptly('mirror create', 'mirror', 'create', `-architectures=${ARCHS.join(',')}`, keyring, 'upstream', upstream.url, SUITE, COMPONENT))
  timer.run(aptly('mirror update', 'mirror', 'update', keyring, 'upstream'))
}
