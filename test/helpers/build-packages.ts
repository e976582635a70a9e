/**
 * Build small, real Debian packages for tests with the Debian tools themselves
 * (dpkg-deb, dpkg-source). If a tool is missing the build throws, so a test that needs
 * it fails rather than passing silently.
 *
 *   const deb = await buildDeb(dir, {name: 'hello', version: '1.0-1', arch: 'amd64'})
 *   const src = await buildSource(dir, {name: 'hello', version: '1.0-1'})
 */
import {execFile} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {promisify} from 'node:util'

const run = promisify(execFile)

// Fixed timestamps make the same spec build the same bytes.
const ENV = {...process.env, SOURCE_DATE_EPOCH: '1704067200', LC_ALL: 'C.UTF-8', TZ: 'UTC'}

export type Compression = 'gzip' | 'xz' | 'zstd' | 'none'

export interface DebSpec {
  name: string
  version: string
  arch: string
  /** Compression of both control.tar and data.tar (dpkg-deb -Z). Default xz. */
  compression?: Compression
  /** Extra control fields, appended after the standard ones (multi-line values as in deb822). */
  extraFields?: Record<string, string>
  /** Size of a pseudo-random (incompressible) payload file; default a few bytes of text. */
  payloadBytes?: number
  /** Package kind, which sets the file extension. Default 'deb'. */
  kind?: 'deb' | 'udeb' | 'ddeb'
  /** Seed for the payload, so two builds with the same spec can differ on purpose. */
  seed?: number
  /** Control fields to leave out (e.g. ['Version']); such builds use dpkg-deb --nocheck. */
  omitFields?: string[]
  /** Skip dpkg-deb's own checks, to build deliberately invalid packages (bad names). */
  nocheck?: boolean
}

/** The file name dpkg would give: `name_version-without-epoch_arch.deb`. */
export function debFileName(spec: Pick<DebSpec, 'name' | 'version' | 'arch' | 'kind'>): string {
  return `${spec.name}_${spec.version.replace(/^\d+:/, '')}_${spec.arch}.${spec.kind ?? 'deb'}`
}

/**
 * Build a binary package in `dir` with dpkg-deb; returns its path.
 *
 * @example const file = await buildDeb(dir, {name: 'hello', version: '1.0-1', arch: 'amd64', compression: 'zstd'})
 */
export async function buildDeb(dir: string, spec: DebSpec): Promise<string> {
  const root = fs.mkdtempSync(path.join(dir, '.build-deb-'))
  try {
    const doc = path.join(root, 'usr/share/doc', spec.name)
    fs.mkdirSync(path.join(root, 'DEBIAN'), {recursive: true})
    fs.mkdirSync(doc, {recursive: true})
    const payload = spec.payloadBytes === undefined ? Buffer.from(`${spec.name} ${spec.version}\n`) : pseudoRandom(spec.payloadBytes, spec.seed ?? 1)
    fs.writeFileSync(path.join(doc, 'payload'), payload)
    const fields: Record<string, string> = {
      Package: spec.name,
      Version: spec.version,
      Architecture: spec.arch,
      Maintainer: 'Raptr Tests <tests@example.org>',
      'Installed-Size': String(Math.max(1, Math.ceil(payload.length / 1024))),
      Section: 'misc',
      Priority: 'optional',
      Description: `test package ${spec.name}\n A package built by raptr's tests.`,
      ...spec.extraFields,
    }
    for (const omit of spec.omitFields ?? []) delete fields[omit]
    const control = Object.entries(fields)
      .map(([k, v]) => `${k}: ${v}\n`)
      .join('')
    fs.writeFileSync(path.join(root, 'DEBIAN/control'), control)
    const out = path.join(dir, debFileName(spec))
    const nocheck = spec.nocheck || (spec.omitFields ?? []).length > 0 ? ['--nocheck'] : []
    await run('dpkg-deb', ['--root-owner-group', ...nocheck, `-Z${spec.compression ?? 'xz'}`, '--build', root, out], {env: ENV})
    return out
  } finally {
    fs.rmSync(root, {recursive: true, force: true})
  }
}

export interface SourceSpec {
  name: string
  /** With a Debian revision (`1.0-1`) a 3.0 (quilt) package with an orig tarball is built; without (`1.0`), 3.0 (native). */
  version: string
  /** Binary package names the source declares; default [name]. */
  binaries?: string[]
}

/** What buildSource made: the .dsc and the files it lists, all in the same directory. */
export interface BuiltSource {
  dsc: string
  files: string[]
}

/**
 * Build a source package in `dir` with dpkg-source -b.
 *
 * @example const {dsc, files} = await buildSource(dir, {name: 'hello', version: '1.0-1'})
 */
export async function buildSource(dir: string, spec: SourceSpec): Promise<BuiltSource> {
  const native = !spec.version.includes('-')
  const plain = spec.version.replace(/^\d+:/, '')
  const upstream = native ? plain : plain.slice(0, plain.lastIndexOf('-'))
  const work = fs.mkdtempSync(path.join(dir, '.build-src-'))
  try {
    const tree = path.join(work, `${spec.name}-${upstream}`)
    fs.mkdirSync(path.join(tree, 'debian/source'), {recursive: true})
    fs.writeFileSync(path.join(tree, 'hello.txt'), `hello from ${spec.name} ${upstream}\n`)
    if (!native) {
      await run('tar', ['--sort=name', '--mtime=@1704067200', '--owner=0', '--group=0', '--numeric-owner', '-czf', `${spec.name}_${upstream}.orig.tar.gz`, path.basename(tree)], {cwd: work, env: ENV})
    }
    const binaries = spec.binaries ?? [spec.name]
    fs.writeFileSync(path.join(tree, 'debian/source/format'), native ? '3.0 (native)\n' : '3.0 (quilt)\n')
    fs.writeFileSync(
      path.join(tree, 'debian/control'),
      [
        `Source: ${spec.name}`,
        'Section: misc',
        'Priority: optional',
        'Maintainer: Raptr Tests <tests@example.org>',
        'Build-Depends: debhelper-compat (= 13)',
        'Standards-Version: 4.6.2',
        'Homepage: https://example.org/raptr',
        '',
        ...binaries.flatMap((b) => ['', `Package: ${b}`, 'Architecture: any', 'Depends: ${misc:Depends}', `Description: test package ${b}`, ' A package built by raptr\'s tests.']).slice(1),
        '',
      ].join('\n'),
    )
    fs.writeFileSync(
      path.join(tree, 'debian/changelog'),
      `${spec.name} (${spec.version}) unstable; urgency=medium\n\n  * Test build.\n\n -- Raptr Tests <tests@example.org>  Mon, 01 Jan 2024 00:00:00 +0000\n`,
    )
    fs.writeFileSync(path.join(tree, 'debian/rules'), '#!/usr/bin/make -f\n%:\n\tdh $@\n', {mode: 0o755})
    await run('dpkg-source', ['-b', path.basename(tree)], {cwd: work, env: ENV})
    fs.rmSync(tree, {recursive: true, force: true})
    const dscName = `${spec.name}_${plain}.dsc`
    const names = fs.readdirSync(work).filter((f) => f !== dscName)
    for (const f of [dscName, ...names]) fs.renameSync(path.join(work, f), path.join(dir, f))
    return {dsc: path.join(dir, dscName), files: names.sort().map((f) => path.join(dir, f))}
  } finally {
    fs.rmSync(work, {recursive: true, force: true})
  }
}

// xorshift32: incompressible bytes that are the same for the same seed.
function pseudoRandom(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size)
  let x = seed >>> 0 || 1
  for (let i = 0; i < size; i++) {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    out[i] = x & 0xff
  }
  return out
}
