/**
 * The benchmark corpus: N realistic binary packages, deterministic from a seed. Several
 * versions per name (epochs, `~` pre-releases, `+debNuM` updates), amd64 + arm64 builds
 * or `Architecture: all`, a mix of member compressions, and a few multi-MiB payloads.
 *
 * The plan is prefix-stable: the first N packages of a corpus of N + 10 are the corpus
 * of N, so the incremental scenario adds packages that are new to the archive.
 */
import fs from 'node:fs'
import path from 'node:path'
import {type Compression, type DebFile, buildDeb} from './deb-writer.js'
import {createRng, type Rng} from './prng.js'

/** What to generate. */
export interface CorpusOptions {
  /** Packages in the whole corpus. */
  count: number
  seed: number
  /** Write only packages with index >= from (default 0). */
  from?: number
  /** One package in this many carries a 2–6 MiB payload (default 400; 0 = never). */
  bigEvery?: number
}

/** One package of the corpus, as planned. */
export interface CorpusPackage {
  index: number
  name: string
  version: string
  architecture: 'amd64' | 'arm64' | 'all'
  fileName: string
  controlCompression: Compression
  dataCompression: Compression
  /** Payload bytes in data.tar (before compression). */
  payloadSize: number
  depends: string
  section: string
  priority: string
}

const WORDS = [
  'alpha', 'beacon', 'cargo', 'delta', 'ember', 'falcon', 'gizmo', 'harbor', 'ion', 'jade',
  'kite', 'lumen', 'maple', 'nimbus', 'orbit', 'pixel', 'quartz', 'raven', 'sable', 'tundra',
  'umber', 'vortex', 'willow', 'xenon', 'yarrow', 'zephyr', 'codec', 'parser', 'daemon', 'proxy',
]
const SECTIONS = ['libs', 'utils', 'net', 'devel', 'admin', 'python', 'web', 'database', 'misc', 'doc']
const PRIORITIES = ['optional', 'optional', 'optional', 'standard', 'extra']
const MAINTAINERS = [
  'Ada Lovelace <ada@example.org>',
  'Build Team <builds@example.com>',
  'Grace Hopper <grace@example.net>',
  'Platform Packaging <pkg@example.io>',
]
const LOREM = (
  'this package provides a fast and reliable implementation of the protocol with ' +
  'support for streaming compression caching retries and structured logging it is ' +
  'used by the platform services and ships the command line tools the shared library ' +
  'and the documentation needed to build plugins against the stable interface'
).split(' ')

const SIZE_UNITS = 1024

function packageName(rng: Rng, serial: number): string {
  const base = `${rng.pick(WORDS)}-${rng.pick(WORDS)}${serial.toString(36)}`
  return rng.next() < 0.3 ? `lib${base}` : base
}

function upstreamVersions(rng: Rng, count: number): string[] {
  const epoch = rng.next() < 0.1 ? `${rng.int(1, 3)}:` : ''
  let major = rng.int(0, 12)
  let minor = rng.int(0, 20)
  const versions: string[] = []
  for (let i = 0; i < count; i++) {
    const roll = rng.next()
    const revision = rng.int(1, 4)
    if (roll < 0.15) versions.push(`${epoch}${major}.${minor}~rc${rng.int(1, 3)}-${revision}`)
    else if (roll < 0.3) versions.push(`${epoch}${major}.${minor}.${rng.int(0, 9)}-${revision}+deb12u${rng.int(1, 3)}`)
    else versions.push(`${epoch}${major}.${minor}.${rng.int(0, 9)}-${revision}`)
    if (rng.next() < 0.2) {
      major += 1
      minor = 0
    } else minor += 1
  }
  return versions
}

function compressionFor(rng: Rng): Compression {
  const roll = rng.next()
  return roll < 0.45 ? 'xz' : roll < 0.75 ? 'gz' : 'zst'
}

/** The corpus plan, without building any file. Example: `planCorpus({count: 100, seed: 1}).length === 100` */
export function planCorpus(options: CorpusOptions): CorpusPackage[] {
  const rng = createRng(options.seed)
  const bigEvery = options.bigEvery ?? 400
  const planned: CorpusPackage[] = []
  const names: string[] = []
  let serial = 0
  while (planned.length < options.count) {
    const name = packageName(rng, serial++)
    const versions = upstreamVersions(rng, rng.int(1, 4))
    const archs: CorpusPackage['architecture'][] = rng.next() < 0.25 ? ['all'] : ['amd64', 'arm64']
    const section = name.startsWith('lib') ? 'libs' : rng.pick(SECTIONS)
    const priority = rng.pick(PRIORITIES)
    const deps = ['libc6 (>= 2.36)']
    for (let d = rng.int(0, 3); d > 0 && names.length; d--) {
      const dep = names[rng.int(0, names.length - 1)]
      deps.push(rng.next() < 0.5 ? dep : `${dep} (>= ${rng.int(0, 5)}.0)`)
    }
    names.push(name)
    for (const version of versions) {
      for (const architecture of archs) {
        if (planned.length >= options.count) break
        const index = planned.length
        const big = bigEvery > 0 && index % bigEvery === bigEvery - 1
        // xz on multi-MiB incompressible data costs seconds; big payloads use gz or zstd.
        const dataCompression = big ? (rng.next() < 0.5 ? 'gz' : 'zst') : compressionFor(rng)
        planned.push({
          index,
          name,
          version,
          architecture,
          fileName: `${name}_${version.replace(/^\d+:/, '')}_${architecture}.deb`,
          controlCompression: compressionFor(rng),
          dataCompression,
          payloadSize: big ? rng.int(2, 6) * 1024 * 1024 : rng.int(1, 64) * 1024,
          depends: architecture === 'all' ? deps.slice(1).join(', ') : deps.join(', '),
          section,
          priority,
        })
      }
    }
  }
  return planned
}

function description(rng: Rng, name: string): string {
  const words = (n: number) => Array.from({length: n}, () => rng.pick(LOREM)).join(' ')
  const lines = [`Description: ${name.replace(/-/g, ' ')} ${words(4)}`]
  for (let p = rng.int(1, 3); p > 0; p--) {
    for (let l = rng.int(1, 4); l > 0; l--) lines.push(` ${words(10)}`)
    if (p > 1) lines.push(' .')
  }
  return lines.join('\n')
}

function payload(rng: Rng, pkg: CorpusPackage): DebFile[] {
  const doc = `usr/share/doc/${pkg.name}`
  // Half text, half noise: compressors get realistic work, not only zeros or only noise.
  const text = Buffer.from(Array.from({length: 200}, () => rng.pick(LOREM)).join(' ') + '\n')
  const noiseSize = pkg.payloadSize > 1024 * 1024 ? pkg.payloadSize : Math.floor(pkg.payloadSize / 2)
  const binary = Buffer.concat([rng.bytes(noiseSize), Buffer.alloc(pkg.payloadSize - noiseSize, text)])
  const main =
    pkg.architecture === 'all'
      ? {path: `usr/share/${pkg.name}/data.bin`, data: binary}
      : pkg.name.startsWith('lib')
        ? {path: `usr/lib/${pkg.architecture === 'amd64' ? 'x86_64' : 'aarch64'}-linux-gnu/${pkg.name}.so.1`, data: binary}
        : {path: `usr/bin/${pkg.name}`, data: binary, mode: 0o755}
  return [
    main,
    {path: `${doc}/copyright`, data: Buffer.from(`Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nUpstream-Name: ${pkg.name}\n\nFiles: *\nLicense: MIT\n`)},
    {path: `${doc}/README`, data: text},
  ]
}

/** The .deb bytes of one planned package. Example: `buildCorpusPackage(planCorpus({count: 1, seed: 1})[0], 1)` */
export function buildCorpusPackage(pkg: CorpusPackage, seed: number): Buffer {
  // Each package has its own stream, so building package i never needs packages 0..i-1.
  const rng = createRng((seed * 1_000_003 + pkg.index * 7919) >>> 0)
  const files = payload(rng, pkg)
  const installed = Math.ceil(files.reduce((n, f) => n + f.data.length, 0) / SIZE_UNITS)
  const fields = [
    `Package: ${pkg.name}`,
    `Version: ${pkg.version}`,
    `Architecture: ${pkg.architecture}`,
    `Maintainer: ${MAINTAINERS[pkg.index % MAINTAINERS.length]}`,
    `Installed-Size: ${installed}`,
    ...(pkg.depends ? [`Depends: ${pkg.depends}`] : []),
    `Section: ${pkg.section}`,
    `Priority: ${pkg.priority}`,
    `Homepage: https://example.org/projects/${pkg.name}`,
    description(rng, pkg.name),
  ]
  return buildDeb({
    control: fields.join('\n') + '\n',
    files,
    controlCompression: pkg.controlCompression,
    dataCompression: pkg.dataCompression,
    mtime: 1_700_000_000,
  })
}

/** Writes the corpus's .deb files into `dir` and returns what it wrote. Example: `writeCorpus('debs', {count: 1000, seed: 1})` */
export function writeCorpus(dir: string, options: CorpusOptions): CorpusPackage[] {
  fs.mkdirSync(dir, {recursive: true})
  const written = planCorpus(options).slice(options.from ?? 0)
  for (const pkg of written) fs.writeFileSync(path.join(dir, pkg.fileName), buildCorpusPackage(pkg, options.seed))
  return written
}
