/**
 * Reading a published APT repository, the part `raptr import` and `raptr mirror` share:
 * its Release (verified with a keyring when given), the indexes it lists (each checked
 * against the Release's SHA256), the packages they list (each field checked against the
 * grammar of what it becomes), and pool files streamed to disk (checked by size and
 * SHA256). Nothing here writes to the archive.
 *
 * @example
 *   const source = await repositorySource('https://deb.example.org/debian', {})
 *   const release = await readUpstreamRelease(source, 'bookworm', 'archive-keyring.gpg')
 *   for await (const c of upstreamPackages(source, release, {components: ['main'], architectures: ['amd64']})) …
 *   await fetchPoolFile(source, c.files[0], '/tmp/x/hello.deb')
 */
import {createHash} from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'

import {limit, tooLarge} from '../limits.js'
import {RaptrError} from '../errors.js'
import {getField, parseDeb822, parseStanza, stripSignature, valueLines, type Stanza} from '../core/deb822.js'
import {shownValue, validateArchitecture, validateArchitectureSpelling, validateComponentName, validateFileName, validatePackageName} from '../core/names.js'
import {parseVersion} from '../core/version.js'
import {parseReleaseEntries, type ReleaseEntry} from '../core/release.js'
import {indexText, type RepositorySource} from './source.js'

/** An upstream's Release, read and checked. */
export interface UpstreamRelease {
  /** The directory under dists/ it was read from. */
  suite: string
  /** Every field, as the Release says (Origin, Label, Suite, Codename, …). */
  fields: Stanza
  /** The files it lists with their SHA256 and size. */
  entries: ReleaseEntry[]
  /** Its Components and Architectures (without `all` and `source`), each checked. */
  components: string[]
  architectures: string[]
  /** Whether InRelease was verified with a keyring. */
  verified: boolean
}

/** One pool file to fetch: where it is in the repository, its size and SHA256, and the name it is saved under. */
export interface PoolFile {
  key: string
  name: string
  size: number
  sha256: string
}

/** One package of the repository: its files (a .deb, or a .dsc and what it lists), by component. */
export interface UpstreamPackage {
  component: string
  files: PoolFile[]
  /** The file raptr adds: the .deb, or the .dsc. */
  main: string
  /** Name, version and architecture directory (`source` for a .dsc), as the index says. */
  name: string
  version: string
  arch: string
}

/** A suite the repository does not have: most often a typo, or a URL one level off. */
function noSuite(source: RepositorySource, dir: string): RaptrError {
  return new RaptrError('NOT_FOUND', `${source.url} has no ${dir}/InRelease or Release`, 'check the suite name (the directory under dists/, e.g. stable or bookworm) and that the URL is the directory holding dists/')
}

/**
 * The Release of `dists/SUITE`: InRelease verified with `keyring` when given (an unsigned
 * repository is then refused), else InRelease or Release as served. Its Suite, Codename,
 * Components and Architectures must fit raptr's grammar, else the whole read is refused.
 */
export async function readUpstreamRelease(source: RepositorySource, suite: string, keyring?: string): Promise<UpstreamRelease> {
  validateComponentName(suite, 'suite')
  const dir = `dists/${suite}`
  const inRelease = await source.get(`${dir}/InRelease`)
  let text: string
  if (keyring) {
    if (!inRelease) {
      // No InRelease: a mistyped suite (no Release either) or an unsigned repository.
      if (!(await source.get(`${dir}/Release`))) throw noSuite(source, dir)
      throw new RaptrError('BAD_SIGNATURE', `${source.url} ${dir} is not signed (it has a Release but no InRelease)`, 'leave out --keyring to import an unsigned repository')
    }
    const {verifyClearsigned} = await import('../debian/changes.js')
    text = Buffer.from(inRelease).toString('utf8')
    await verifyClearsigned(`${dir}/InRelease`, text, keyring)
  } else if (inRelease) {
    text = Buffer.from(inRelease).toString('utf8')
  } else {
    const release = await source.get(`${dir}/Release`)
    if (!release) throw noSuite(source, dir)
    text = Buffer.from(release).toString('utf8')
  }
  let fields: Stanza
  try {
    fields = parseStanza(stripSignature(text))
  } catch (error) {
    throw new RaptrError('BAD_CONTROL', `${source.url} ${dir}/Release is not a Release file (${(error as Error).message})`, 'check the URL and the suite name')
  }
  const entries = parseReleaseEntries(stripSignature(text))
  if (entries.length === 0) throw new RaptrError('BAD_CONTROL', `${source.url} ${dir}/Release lists no SHA256 sums`, 'raptr imports repositories whose Release carries SHA256')
  // The upstream is untrusted: every field it names is checked with the grammar of what it becomes, before anything is fetched.
  const where = `${source.url} ${dir}/Release`
  for (const field of ['Suite', 'Codename']) {
    const v = getField(fields, field)
    if (v !== undefined) upstreamField(where, field, () => validateComponentName(v, 'name'))
  }
  const components = (getField(fields, 'Components') ?? '').split(/\s+/).filter(Boolean)
  const architectures = (getField(fields, 'Architectures') ?? '').split(/\s+/).filter((a) => a && a !== 'all' && a !== 'source')
  for (const c of components) upstreamField(where, 'Components', () => validateComponentName(c))
  for (const a of architectures) upstreamField(where, 'Architectures', () => validateArchitectureSpelling(a))
  return {suite, fields, entries, components, architectures, verified: Boolean(keyring)}
}

/**
 * The components and architectures to read: the ones asked for (each must be listed),
 * else every one the Release lists; the architectures must be ones dpkg knows.
 */
export function chooseParts(source: RepositorySource, release: UpstreamRelease, ask: {components?: string[]; architectures?: string[]}): {components: string[]; architectures: string[]} {
  for (const c of ask.components ?? []) validateComponentName(c)
  for (const a of ask.architectures ?? []) validateArchitecture(a)
  const components = ask.components?.length ? ask.components : release.components
  for (const c of components) {
    if (!release.components.includes(c)) throw new RaptrError('BAD_ARGUMENT', `${source.url} ${release.suite} has no component "${c}"`, `it has: ${release.components.join(', ') || 'none'}`)
  }
  const architectures = ask.architectures?.length ? ask.architectures : release.architectures
  for (const a of architectures) upstreamField(`${source.url} dists/${release.suite}/Release`, 'Architectures', () => validateArchitecture(a))
  if (architectures.length === 0) throw new RaptrError('BAD_ARGUMENT', `${source.url} ${release.suite} lists no architecture`, 'name them with --architectures amd64,arm64')
  return {components, architectures}
}

/** The index paths (relative to dists/SUITE, without compression suffix) of some components and architectures. */
export function upstreamIndexPaths(components: string[], architectures: string[]): string[] {
  return components.flatMap((c) => [...architectures.flatMap((a) => [`${c}/binary-${a}/Packages`, `${c}/debian-installer/binary-${a}/Packages`]), `${c}/source/Sources`])
}

/** An index as text, from whichever compressed form the Release lists, checked against its SHA256; undefined when the Release lists none. */
export async function readUpstreamIndex(source: RepositorySource, release: UpstreamRelease, p: string): Promise<string | undefined> {
  for (const ext of ['.xz', '.gz', '']) {
    const entry = release.entries.find((e) => e.path === p + ext)
    if (!entry) continue
    const key = `dists/${release.suite}/${p}${ext}`
    // What the Release promised, and never more than the index cap: an upstream that
    // promises a gigabyte is refused at the cap, not buffered.
    if (entry.size > limit('index')) throw tooLarge('index', `${source.url} ${key} is listed at ${entry.size} bytes,`, limit('index'))
    const data = await source.get(key, {maxBytes: entry.size})
    if (!data) continue
    if (data.length !== entry.size || sha256(data) !== entry.sha256) {
      throw new RaptrError('DSC_FILE_MISMATCH', `${source.url} ${key} does not match its Release`, 'the repository is being published right now, or is damaged; import again later')
    }
    return indexText(ext, data, `${source.url} ${key}`)
  }
  return undefined
}

/**
 * Every package the chosen indexes list, one index at a time (an index is held while it
 * is parsed, never the whole repository's): each checked (name, version, architecture,
 * file names, sizes within the pool-file cap), in index order; the same file listed twice
 * in one component comes once. `onIndex` hears of each index read.
 */
export async function* upstreamPackages(
  source: RepositorySource,
  release: UpstreamRelease,
  parts: {components: string[]; architectures: string[]},
  onIndex?: (done: number, total: number, p: string) => void,
): AsyncGenerator<UpstreamPackage> {
  const paths = upstreamIndexPaths(parts.components, parts.architectures)
  const seen = new Set<string>()
  let n = 0
  for (const p of paths) {
    const text = await readUpstreamIndex(source, release, p)
    onIndex?.(++n, paths.length, p)
    if (text === undefined) continue
    const component = p.slice(0, p.indexOf(p.includes('/debian-installer/') ? '/debian-installer/' : p.endsWith('Sources') ? '/source/' : '/binary-'))
    const where = `${source.url} dists/${release.suite}/${p}`
    for (const stanza of parseDeb822(text)) {
      const c = upstreamField(where, p.endsWith('Sources') ? 'Sources' : 'Packages', () => (p.endsWith('Sources') ? sourceCandidate(stanza, component) : binaryCandidate(stanza, component)))
      checkCandidate(where, c)
      if (seen.has(`${c.component} ${c.main}`)) continue
      seen.add(`${c.component} ${c.main}`)
      yield c
    }
  }
}

/**
 * Streams one pool file to `dest` while hashing it: never more than the size the index
 * says (refused at the first byte past it), then checked by size and SHA256; on any
 * failure `dest` is removed. Memory: one chunk.
 */
export async function fetchPoolFile(source: RepositorySource, f: PoolFile, dest: string): Promise<void> {
  if (f.size > limit('poolFile')) throw tooLarge('poolFile', `${source.url}/${f.key} is listed at ${f.size} bytes,`)
  const hash = createHash('sha256')
  let size = 0
  const fh = await fs.promises.open(dest, 'wx')
  try {
    const found = await source
      .stream(f.key, async (chunk) => {
        hash.update(chunk)
        size += chunk.length
        await fh.write(chunk)
      }, {maxBytes: f.size, cap: 'poolFile'})
      .catch((error: unknown) => {
        throw (error as RaptrError).code === 'TOO_LARGE' ? new RaptrError('DSC_FILE_MISMATCH', `${f.key}: larger than the ${f.size} bytes the index says`, 'the repository is damaged or being published; import again later') : error
      })
    if (!found) throw new RaptrError('NOT_FOUND', `${source.url}/${f.key} is missing`, 'the repository is incomplete; import again later, or without that component')
    if (size !== f.size) throw new RaptrError('DSC_FILE_MISMATCH', `${f.key}: size is ${size}, the index says ${f.size}`, 'the repository is damaged or being published; import again later')
    if (hash.digest('hex') !== f.sha256) throw new RaptrError('DSC_FILE_MISMATCH', `${f.key}: SHA256 does not match the index`, 'the repository is damaged or being published; import again later')
    await fh.close()
  } catch (error) {
    await fh.close().catch(() => undefined)
    await fs.promises.rm(dest, {force: true})
    throw error
  }
}

/**
 * Runs the name check `check` on a field of an upstream file, so a refusal is one line
 * naming the file (its URL) and the field: `http://… dists/stable/Release: Architectures: invalid architecture "../x"`.
 */
export function upstreamField<T>(where: string, field: string, check: () => T): T {
  try {
    return check()
  } catch (error) {
    if (error instanceof RaptrError) throw new RaptrError(error.code, `${where}: ${field}: ${error.message}`, `the upstream repository is damaged or hostile; nothing was imported (${error.hint})`, error.data)
    throw error
  }
}

/** An index's package is imported only when its name, version, architecture, file names and sizes fit the grammar and caps of what they become. */
export function checkCandidate(where: string, c: UpstreamPackage): void {
  upstreamField(where, 'Package', () => validatePackageName(c.name))
  upstreamField(where, `${c.name} Version`, () => parseVersion(c.version))
  if (c.arch !== 'source') upstreamField(where, `${c.name} Architecture`, () => validateArchitectureSpelling(c.arch))
  for (const f of c.files) {
    const field = c.arch === 'source' ? 'Files' : 'Filename'
    upstreamField(where, `${c.name} ${field}`, () => validateFileName(f.name))
    if (!Number.isSafeInteger(f.size) || f.size < 0) throw new RaptrError('BAD_CONTROL', `${where}: ${c.name} Size: "${shownValue(String(f.size))}" is not a size`, 'the upstream repository is damaged or hostile; nothing was imported')
    // Refused before any download: nothing is written for a package no one could hold.
    if (f.size > limit('poolFile')) throw tooLarge('poolFile', `${where}: ${c.name} ${f.name} is listed at ${f.size} bytes,`)
    if (!/^[0-9a-f]{64}$/.test(f.sha256)) throw new RaptrError('BAD_CONTROL', `${where}: ${c.name} SHA256: "${shownValue(f.sha256)}" is not a SHA256`, 'the upstream repository is damaged or hostile; nothing was imported')
  }
}

function need(stanza: Stanza, field: string, what: string): string {
  const v = getField(stanza, field)
  if (!v) throw new RaptrError('BAD_CONTROL', `${what}: a stanza has no ${field}`, 'the repository\'s index is damaged; raptr needs Filename, Size and SHA256 (Directory and Checksums-Sha256 for sources)')
  return v
}

function safeKey(key: string, field: string): string {
  if (key.split('/').some((s) => s === '..' || s === '') || key.startsWith('/')) {
    throw new RaptrError('UNSAFE_PATH', `${field} is an unsafe path "${shownValue(key)}"`, 'raptr only reads files under the repository root')
  }
  return key
}

/** A size as an index writes it: digits only (so `1e99` or `-1` is no size). */
function sizeOf(v: string): number {
  return /^\d{1,20}$/.test(v) ? Number(v) : Number.NaN
}

export function binaryCandidate(stanza: Stanza, component: string): UpstreamPackage {
  const key = safeKey(need(stanza, 'Filename', 'Packages'), 'Filename')
  const name = path.posix.basename(key)
  const id = {name: need(stanza, 'Package', 'Packages'), version: need(stanza, 'Version', 'Packages'), arch: need(stanza, 'Architecture', 'Packages')}
  return {component, main: name, ...id, files: [{key, name, size: sizeOf(need(stanza, 'Size', 'Packages')), sha256: need(stanza, 'SHA256', 'Packages').toLowerCase()}]}
}

export function sourceCandidate(stanza: Stanza, component: string): UpstreamPackage {
  const dir = safeKey(need(stanza, 'Directory', 'Sources'), 'Directory')
  const files = valueLines(need(stanza, 'Checksums-Sha256', 'Sources')).map((line): PoolFile => {
    const [sha, size, name] = line.split(/\s+/)
    if (!name || name.includes('/') || name.startsWith('.')) throw new RaptrError('UNSAFE_PATH', `Checksums-Sha256 lists an unsafe file name "${shownValue(name ?? '')}"`, 'raptr only reads files under the repository root')
    return {key: `${dir}/${name}`, name, size: sizeOf(size ?? ''), sha256: sha.toLowerCase()}
  })
  const dsc = files.find((f) => f.name.endsWith('.dsc'))
  if (!dsc) throw new RaptrError('BAD_CONTROL', `Sources: ${getField(stanza, 'Package')} lists no .dsc`, 'the repository\'s index is damaged')
  return {component, main: dsc.name, name: need(stanza, 'Package', 'Sources'), version: need(stanza, 'Version', 'Sources'), arch: 'source', files}
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}
