/**
 * The tools under test, each driven the way its documentation says to build a signed
 * repository with .gz and .xz indexes, each in its own work directory. A driver only
 * lists commands; timing and failure handling belong to the caller.
 */
import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import type {GpgKey} from './gpg-key.js'
import type {ScenarioTimer, Step, StepResult} from './measure.js'

/** What every driver shares: the corpus and the keys, made once outside the timing. */
export interface BenchContext {
  /** The raptr repository (bin/run.js lives here). */
  repoRoot: string
  /** N packages for the full scenario. */
  corpusDir: string
  /** 10 more packages for the incremental scenario. */
  extraDir: string
  /** 10 more after those, for raptr's second incremental form. */
  extraDir2: string
  gpg: GpgKey
  /** raptr's armored signing key, from `raptr key generate`. */
  raptrKey: string
}

/** One tool's way through the scenarios. */
export interface Driver {
  name: string
  /** The directory a web server would serve. */
  publishedDir: string
  full(timer: ScenarioTimer): void
  incremental(timer: ScenarioTimer): void
  /** raptr's other incremental form (two processes), run after `incremental` with the next 10 packages. */
  incrementalTwoProcesses?: (timer: ScenarioTimer) => void
  /** Publishing again with nothing changed; undefined when the tool has no such step. */
  noChange?: (timer: ScenarioTimer) => void
}

/** Every peer the benchmark knows. */
export const PEERS = ['aptly', 'reprepro', 'apt-ftparchive'] as const
export type PeerName = (typeof PEERS)[number]

const DIST = 'bench'
const COMPONENT = 'main'
const ARCHS = ['amd64', 'arm64']

function debsIn(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.deb'))
    .sort()
    .map((f) => path.join(dir, f))
}

/** Other engineers rebuild dist/ while the bench runs; a missing module is worth one retry. */
export function moduleMissing(result: StepResult): boolean {
  if (!/ERR_MODULE_NOT_FOUND|Cannot find module/.test(result.stderr)) return false
  spawnSync('sleep', ['5'])
  return true
}

/** raptr itself, as `node bin/run.js`. Example: `raptrDriver(ctx, work).full(timer)` */
export function raptrDriver(ctx: BenchContext, work: string, nodeArgs: string[] = []): Driver & {
  archive: string
  diff(timer: ScenarioTimer, from: string, to: string): void
  head(): string
} {
  const archive = path.join(work, 'archive')
  const www = path.join(work, 'www')
  const env = {...process.env, RAPTR_ARCHIVE: archive}
  const raptr = (label: string, ...args: string[]): Step => ({
    label: `raptr ${label}`,
    command: process.execPath,
    args: [...nodeArgs, path.join(ctx.repoRoot, 'bin', 'run.js'), ...args],
    cwd: work,
    env,
  })
  const publish = raptr('publish', 'publish', '--sign-key', ctx.raptrKey)
  return {
    name: 'raptr',
    publishedDir: www,
    archive,
    full(timer) {
      timer.run(raptr('init', 'init', archive), moduleMissing)
      timer.run(raptr('distribution add', 'distribution', 'add', DIST, '--architectures', ARCHS.join(',')), moduleMissing)
      timer.run(raptr('category add', 'category', 'add', COMPONENT, '--to', DIST), moduleMissing)
      timer.run(raptr('package add', 'package', 'add', ctx.corpusDir, '--category', COMPONENT, '--link', DIST), moduleMissing)
      timer.run(raptr('backend add', 'backend', 'add', 'local', `file://${www}`), moduleMissing)
      timer.run(publish, moduleMissing)
    },
    // The documented CI step: add and publish in one process.
    incremental(timer) {
      timer.run(
        raptr('package add --publish', 'package', 'add', ctx.extraDir, '--category', COMPONENT, '--link', DIST, '--publish', '--sign-key', ctx.raptrKey),
        moduleMissing,
      )
    },
    incrementalTwoProcesses(timer) {
      timer.run(raptr('package add', 'package', 'add', ctx.extraDir2, '--category', COMPONENT, '--link', DIST), moduleMissing)
      timer.run(publish, moduleMissing)
    },
    noChange(timer) {
      timer.run(publish, moduleMissing)
    },
    diff(timer, from, to) {
      timer.run(raptr('snapshot diff', 'snapshot', 'diff', from, to), moduleMissing)
    },
    head() {
      // Read-only: the archive is an ordinary git repository.
      const out = spawnSync('git', ['-C', archive, 'rev-parse', 'HEAD'], {encoding: 'utf8'})
      if (out.status !== 0) throw new Error(`git rev-parse failed: ${out.stderr}`)
      return out.stdout.trim()
    },
  }
}

function aptlyDriver(ctx: BenchContext, work: string): Driver {
  const config = path.join(work, 'aptly.conf')
  fs.writeFileSync(config, JSON.stringify({rootDir: path.join(work, 'aptly'), gpgProvider: 'gpg', architectures: []}))
  const env = {...process.env, GNUPGHOME: ctx.gpg.home}
  const aptly = (label: string, ...args: string[]): Step => ({
    label: `aptly ${label}`,
    command: 'aptly',
    args: [`-config=${config}`, ...args],
    cwd: work,
    env,
  })
  const sign = [`-gpg-key=${ctx.gpg.fingerprint}`, '-batch']
  let snapshot = 0
  const newSnapshot = (timer: ScenarioTimer) => {
    snapshot += 1
    timer.run(aptly('snapshot create', 'snapshot', 'create', `s${snapshot}`, 'from', 'repo', 'benchrepo'))
  }
  return {
    name: 'aptly',
    publishedDir: path.join(work, 'aptly', 'public'),
    full(timer) {
      timer.run(aptly('repo create', 'repo', 'create', `-distribution=${DIST}`, `-component=${COMPONENT}`, 'benchrepo'))
      timer.run(aptly('repo add', 'repo', 'add', 'benchrepo', ctx.corpusDir))
      newSnapshot(timer)
      timer.run(
        aptly('publish snapshot', 'publish', 'snapshot', '-acquire-by-hash', '-skip-contents', '-skip-bz2',
          `-architectures=${ARCHS.join(',')}`, `-distribution=${DIST}`, ...sign, `s${snapshot}`),
      )
    },
    incremental(timer) {
      timer.run(aptly('repo add', 'repo', 'add', 'benchrepo', ctx.extraDir))
      newSnapshot(timer)
      timer.run(aptly('publish switch', 'publish', 'switch', '-skip-contents', '-skip-bz2', ...sign, DIST, `s${snapshot}`))
    },
    // aptly's equivalent: publish the same snapshot again.
    noChange(timer) {
      timer.run(aptly('publish switch', 'publish', 'switch', '-skip-contents', '-skip-bz2', ...sign, DIST, `s${snapshot}`))
    },
  }
}

// Keeps each includedeb command line well under ARG_MAX at N = 100,000.
const INCLUDE_BATCH = 2000

function repreproDriver(ctx: BenchContext, work: string): Driver {
  const base = path.join(work, 'reprepro')
  fs.mkdirSync(path.join(base, 'conf'), {recursive: true})
  fs.writeFileSync(
    path.join(base, 'conf', 'distributions'),
    [
      `Codename: ${DIST}`,
      `Architectures: ${ARCHS.join(' ')}`,
      `Components: ${COMPONENT}`,
      `SignWith: ${ctx.gpg.fingerprint}`,
      'DebIndices: Packages Release . .gz .xz',
      '',
    ].join('\n'),
  )
  const env = {...process.env, GNUPGHOME: ctx.gpg.home}
  const reprepro = (label: string, ...args: string[]): Step => ({
    label: `reprepro ${label}`,
    command: 'reprepro',
    args: ['-b', base, '--silent', ...args],
    cwd: work,
    env,
  })
  const include = (timer: ScenarioTimer, dir: string) => {
    const debs = debsIn(dir)
    for (let i = 0; i < debs.length; i += INCLUDE_BATCH)
      timer.run(reprepro('includedeb', '--export=never', 'includedeb', DIST, ...debs.slice(i, i + INCLUDE_BATCH)))
    timer.run(reprepro('export', 'export', DIST))
  }
  return {
    name: 'reprepro',
    publishedDir: base,
    full: (timer) => include(timer, ctx.corpusDir),
    incremental: (timer) => include(timer, ctx.extraDir),
    noChange: (timer) => timer.run(reprepro('export', 'export', DIST)),
  }
}

function ftparchiveDriver(ctx: BenchContext, work: string): Driver {
  const root = path.join(work, 'ftparchive')
  const env = {...process.env, GNUPGHOME: ctx.gpg.home}
  const dists = `dists/${DIST}`
  // One shell script per phase: the indexes for each architecture, compressed, then
  // Release and its signatures. The cache db is apt-ftparchive's own incremental aid.
  const regenerate = [
    'set -e',
    ...ARCHS.flatMap((arch) => {
      const dir = `${dists}/${COMPONENT}/binary-${arch}`
      return [
        `mkdir -p ${dir}`,
        `apt-ftparchive --db cache.db --arch ${arch} packages pool > ${dir}/Packages`,
        `gzip -9 -n -f -k ${dir}/Packages`,
        `xz -f -k ${dir}/Packages`,
      ]
    }),
    `apt-ftparchive -o APT::FTPArchive::Release::Suite=${DIST} -o APT::FTPArchive::Release::Codename=${DIST}` +
      ` -o "APT::FTPArchive::Release::Architectures=${ARCHS.join(' ')}" -o APT::FTPArchive::Release::Components=${COMPONENT}` +
      ` release ${dists} > Release.new`,
    `mv Release.new ${dists}/Release`,
    `gpg --batch --yes -u ${ctx.gpg.fingerprint} --clearsign -o ${dists}/InRelease ${dists}/Release`,
    `gpg --batch --yes -u ${ctx.gpg.fingerprint} -abs -o ${dists}/Release.gpg ${dists}/Release`,
  ].join('\n')
  const step = (label: string, script: string): Step => ({label: `apt-ftparchive ${label}`, command: 'sh', args: ['-c', script], cwd: root, env})
  return {
    name: 'apt-ftparchive',
    publishedDir: root,
    full(timer) {
      fs.mkdirSync(path.join(root, 'pool'), {recursive: true})
      // "Adding" to an apt-ftparchive tree is placing files in the pool: hard links.
      timer.run(step('pool', `cp -al ${JSON.stringify(ctx.corpusDir)}/. pool/`))
      timer.run(step('regenerate', regenerate))
    },
    incremental(timer) {
      timer.run(step('pool', `cp -al ${JSON.stringify(ctx.extraDir)}/. pool/`))
      timer.run(step('regenerate', regenerate))
    },
    noChange: (timer) => timer.run(step('regenerate', regenerate)),
  }
}

/** A peer's driver in its own work directory. Example: `peerDriver('aptly', ctx, work)` */
export function peerDriver(name: PeerName, ctx: BenchContext, work: string): Driver {
  switch (name) {
    case 'aptly':
      return aptlyDriver(ctx, work)
    case 'reprepro':
      return repreproDriver(ctx, work)
    case 'apt-ftparchive':
      return ftparchiveDriver(ctx, work)
  }
}

/** A tool's version line for the report header. Example: `toolVersion('aptly')` */
export function toolVersion(name: PeerName): string {
  const probe: Record<PeerName, [string, string[]]> = {
    aptly: ['aptly', ['version']],
    reprepro: ['reprepro', ['--version']],
    'apt-ftparchive': ['dpkg-query', ['-W', '-f', '${Version}', 'apt-utils']],
  }
  const [command, args] = probe[name]
  const out = spawnSync(command, args, {encoding: 'utf8'})
  return ((out.stdout || '') + (out.stderr || '')).trim().split('\n')[0] || 'unknown'
}
