import {createHash} from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {limit, tooLarge} from '../limits.js'
import {RaptrError} from '../errors.js'
import {getField, parseDeb822, parseStanza, stripSignature, valueLines, type Stanza} from '../core/deb822.js'
import {categoryConfigPath, distConfigPath, linkPath, recordPath} from '../core/layout.js'
import {mapLimit} from '../core/map-limit.js'
import {shownValue, validateArchitecture, validateArchitectureSpelling, validateComponentName, validateFileName, validatePackageName, validateSuiteName} from '../core/names.js'
import {parseVersion} from '../core/version.js'
import {parseReleaseEntries, type ReleaseEntry} from '../core/release.js'
import {addPackages, type AddResult} from '../archive/packages.js'
import {parseRecord, recordSha256} from '../archive/records.js'
import {json, readDistribution, DEFAULT_ARCHITECTURES} from '../archive/settings.js'
import type {Archive, ArchiveView} from '../store/archive.js'
import {indexText, type RepositorySource} from './source.js'

export interface ImportOptions {
  /** The raptr distribution to import into (created when missing). */
  to: string
  /** Components to import; default every one the Release lists. */
  components?: string[]
  /** Architectures to import; default every one the Release lists. */
  architectures?: string[]
  /** Require InRelease signed by a key of this keyring file. */
  keyring?: string
  onProgress?: (p: ImportProgress) => void
}

export interface ImportProgress {
  phase: 'indexes' | 'download' | 'add'
  done: number
  total: number
  /** What was just read or downloaded. */
  item?: string
}

export interface ImportResult {
  commit?: string
  distribution: string
  components: string[]
  architectures: string[]
  /** Pool files downloaded (what was new). */
  downloaded: number
  /** Packages already in the distribution, left alone. */
  skipped: number
  packages: AddResult[]
}

/** One pool file to fetch: where it is in the repository, its size and SHA256, and the name it is saved under. */
export interface Wanted {
  key: string
  name: string
  size: number
  sha256: string
}

/** One package of the repository: its files (a .deb, or a .dsc and what it lists), by component. */
export interface Candidate {
  component: string
  files: Wanted[]
  /** The file raptr adds: the .deb, or the .dsc. */
  main: string
  /** Name, version and architecture directory (`source` for a .dsc), as the index says. */
  name: string
  version: string
  arch: string
}

/**
 * Imports a published APT repository (aptly, reprepro, deb-s3, Debian itself) into a
 * distribution: its InRelease (verified with a keyring when given) or Release, the
 * Packages and Sources of the chosen components and architectures (each checked against
 * the Release's SHA256), then each pool file not yet there (checked by size and SHA256),
 * added in one commit; each component becomes the category of the same name, linked to
 * the distribution. Running it again adds only what is new.
 *
 * @example
 *   await importRepository(archive, await repositorySource('https://deb.example.org', {backends, open}), 'stable', {to: 'production'})
 */
export async function importRepository(archive: Archive, source: RepositorySource, suite: string, opts: ImportOptions): Promise<ImportResult> {
  validateSuiteName(opts.to)
  validateComponentName(suite, 'suite')
  for (const c of opts.components ?? []) validateComponentName(c)
  for (const a of opts.architectures ?? []) validateArchitecture(a)
  const release = await readRelease(source, suite, opts.keyring)
  // The upstream is untrusted: every field it names is checked with the grammar of what it becomes, before anything is fetched.
  const inRelease = `${source.url} dists/${suite}/Release`
  for (const field of ['Suite', 'Codename']) {
    const v = getField(release.fields, field)
    if (v !== undefined) upstreamField(inRelease, field, () => validateComponentName(v, 'name'))
  }
  const listedComponents = (getField(release.fields, 'Components') ?? '').split(/\s+/).filter(Boolean)
  const listedArchs = (getField(release.fields, 'Architectures') ?? '').split(/\s+/).filter((a) => a && a !== 'all' && a !== 'source')
  for (const c of listedComponents) upstreamField(inRelease, 'Components', () => validateComponentName(c))
  for (const a of listedArchs) upstreamField(inRelease, 'Architectures', () => validateArchitectureSpelling(a))
  const components = opts.components?.length ? opts.components : listedComponents
  for (const c of components) {
    if (!listedComponents.includes(c)) throw new RaptrError('BAD_ARGUMENT', `${source.url} ${suite} has no component "${c}"`, `it has: ${listedComponents.join(', ') || 'none'}`)
  }
  const architectures = opts.architectures?.length ? opts.architectures : listedArchs
  // The architectures imported become the distribution's: dpkg must know them.
  for (const a of architectures) upstreamField(inRelease, 'Architectures', () => validateArchitecture(a))
  if (architectures.length === 0) throw new RaptrError('BAD_ARGUMENT', `${source.url} ${suite} lists no architecture`, 'name them with --architectures amd64,arm64')

  // Indexes first: everything the repository offers, checked against its Release.
  const indexPaths = components.flatMap((c) => [
    ...architectures.flatMap((a) => [`${c}/binary-${a}/Packages`, `${c}/debian-installer/binary-${a}/Packages`]),
    `${c}/source/Sources`,
  ])
  const candidates = new Map<string, Candidate>()
  let n = 0
  for (const p of indexPaths) {
    const text = await readIndex(source, suite, p, release.entries)
    opts.onProgress?.({phase: 'indexes', done: ++n, total: indexPaths.length, item: p})
    if (text === undefined) continue
    const component = p.slice(0, p.indexOf(p.includes('/debian-installer/') ? '/debian-installer/' : p.endsWith('Sources') ? '/source/' : '/binary-'))
    for (const stanza of parseDeb822(text)) {
      const where = `${source.url} dists/${suite}/${p}`
      const c = upstreamField(where, p.endsWith('Sources') ? 'Sources' : 'Packages', () => (p.endsWith('Sources') ? sourceCandidate(stanza, component) : binaryCandidate(stanza, component)))
      checkCandidate(where, c)
      if (!candidates.has(`${c.component} ${c.main}`)) candidates.set(`${c.component} ${c.main}`, c)
    }
  }

  // What the distribution has already (same name, version, architecture and bytes, linked there) is left alone.
  const view = await archive.view()
  const fresh: Candidate[] = []
  let skipped = 0
  for (const c of candidates.values()) {
    if (await alreadyThere(view, opts.to, c)) skipped++
    else fresh.push(c)
  }
  if (fresh.length === 0) return {distribution: opts.to, components, architectures, downloaded: 0, skipped, packages: []}

  const work = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'raptr-import-'))
  try {
    const total = fresh.reduce((s, c) => s + c.files.length, 0)
    let done = 0
    const inputs: string[] = []
    const categoryOf = new Map<string, string>()
    await mapLimit(fresh, 4, async (c, i) => {
      const dir = path.join(work, String(i))
      await fs.promises.mkdir(dir)
      for (const f of c.files) {
        await fs.promises.writeFile(path.join(dir, f.name), await download(source, f))
        opts.onProgress?.({phase: 'download', done: ++done, total, item: f.key})
      }
      const main = path.join(dir, c.main)
      inputs.push(main)
      categoryOf.set(main, c.component)
    })
    opts.onProgress?.({phase: 'add', done: 0, total: inputs.length})
    const res = await addPackages(archive, inputs.sort(), {
      category: components[0],
      categoryOf: (f) => categoryOf.get(f)!,
      link: [opts.to],
      prepare: (tx) => ensureTarget(tx, opts.to, components, architectures),
      extra: (_tx, records) => ({
        message: `imported: ${records.length} packages from ${source.url} ${suite} to ${opts.to}\n\n${records.map((r) => `${r.name} ${r.version} ${r.arch}`).join('\n')}`,
        events: [{v: 1, type: 'Imported', url: source.url, suite, distribution: opts.to, components, count: records.length}],
      }),
    })
    opts.onProgress?.({phase: 'add', done: inputs.length, total: inputs.length})
    return {commit: res.commit, distribution: opts.to, components, architectures, downloaded: total, skipped, packages: res.packages}
  } finally {
    await fs.promises.rm(work, {recursive: true, force: true})
  }
}

/** A suite the repository does not have: most often a typo, or a URL one level off. */
function noSuite(source: RepositorySource, dir: string): RaptrError {
  return new RaptrError('NOT_FOUND', `${source.url} has no ${dir}/InRelease or Release`, 'check the suite name (the directory under dists/, e.g. stable or bookworm) and that the URL is the directory holding dists/')
}

export async function readRelease(source: RepositorySource, suite: string, keyring: string | undefined): Promise<{fields: Stanza; entries: ReleaseEntry[]}> {
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
  return {fields, entries}
}

/** An index as text, from whichever compressed form the Release lists, checked against its SHA256; undefined when the Release lists none. */
export async function readIndex(source: RepositorySource, suite: string, p: string, entries: ReleaseEntry[]): Promise<string | undefined> {
  for (const ext of ['.xz', '.gz', '']) {
    const entry = entries.find((e) => e.path === p + ext)
    if (!entry) continue
    const key = `dists/${suite}/${p}${ext}`
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

/** An index's package is imported only when its name, version, architecture and file names fit the grammar of what they become. */
export function checkCandidate(where: string, c: Candidate): void {
  upstreamField(where, 'Package', () => validatePackageName(c.name))
  upstreamField(where, `${c.name} Version`, () => parseVersion(c.version))
  if (c.arch !== 'source') upstreamField(where, `${c.name} Architecture`, () => validateArchitectureSpelling(c.arch))
  for (const f of c.files) upstreamField(where, `${c.name} ${c.arch === 'source' ? 'Files' : 'Filename'}`, () => validateFileName(f.name))
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

export function binaryCandidate(stanza: Stanza, component: string): Candidate {
  const key = safeKey(need(stanza, 'Filename', 'Packages'), 'Filename')
  const name = path.posix.basename(key)
  const id = {name: need(stanza, 'Package', 'Packages'), version: need(stanza, 'Version', 'Packages'), arch: need(stanza, 'Architecture', 'Packages')}
  return {component, main: name, ...id, files: [{key, name, size: Number(need(stanza, 'Size', 'Packages')), sha256: need(stanza, 'SHA256', 'Packages').toLowerCase()}]}
}

export function sourceCandidate(stanza: Stanza, component: string): Candidate {
  const dir = safeKey(need(stanza, 'Directory', 'Sources'), 'Directory')
  const files = valueLines(need(stanza, 'Checksums-Sha256', 'Sources')).map((line): Wanted => {
    const [sha, size, name] = line.split(/\s+/)
    if (!name || name.includes('/') || name.startsWith('.')) throw new RaptrError('UNSAFE_PATH', `Checksums-Sha256 lists an unsafe file name "${shownValue(name ?? '')}"`, 'raptr only reads files under the repository root')
    return {key: `${dir}/${name}`, name, size: Number(size), sha256: sha.toLowerCase()}
  })
  const dsc = files.find((f) => f.name.endsWith('.dsc'))
  if (!dsc) throw new RaptrError('BAD_CONTROL', `Sources: ${getField(stanza, 'Package')} lists no .dsc`, 'the repository\'s index is damaged')
  return {component, main: dsc.name, name: need(stanza, 'Package', 'Sources'), version: need(stanza, 'Version', 'Sources'), arch: 'source', files}
}

/** Whether the distribution links this package already, with the same bytes. */
export async function alreadyThere(view: ArchiveView, dist: string, c: Candidate): Promise<boolean> {
  const main = c.files.find((f) => f.name === c.main)!
  const rp = recordPath(c.name, c.version, c.arch)
  const text = await view.read(rp)
  if (text === undefined) return false
  const r = parseRecord(text, rp)
  if (recordSha256(r) !== main.sha256) return false
  return (await view.read(linkPath(dist, c.component, r.arch, r.name, r.version, r.kind))) !== undefined
}

export async function download(source: RepositorySource, f: Wanted): Promise<Uint8Array> {
  const data = await source.get(f.key, {maxBytes: f.size}).catch((error) => {
    throw (error as RaptrError).code === 'TOO_LARGE' ? new RaptrError('DSC_FILE_MISMATCH', `${f.key}: larger than the ${f.size} bytes the index says`, 'the repository is damaged or being published; import again later') : error
  })
  if (!data) throw new RaptrError('NOT_FOUND', `${source.url}/${f.key} is missing`, 'the repository is incomplete; import again later, or without that component')
  if (data.length !== f.size) throw new RaptrError('DSC_FILE_MISMATCH', `${f.key}: size is ${data.length}, the index says ${f.size}`, 'the repository is damaged or being published; import again later')
  if (sha256(data) !== f.sha256) throw new RaptrError('DSC_FILE_MISMATCH', `${f.key}: SHA256 does not match the index`, 'the repository is damaged or being published; import again later')
  return data
}

/** Creates the distribution (with the architectures imported) and its categories when missing. */
export async function ensureTarget(tx: import('../store/archive.js').Transaction, dist: string, components: string[], architectures: string[]): Promise<void> {
  const existing = await readDistribution(tx, dist)
  const archs = [...new Set([...(existing?.architectures ?? (architectures.length ? [] : DEFAULT_ARCHITECTURES)), ...architectures])]
  if (!existing || archs.length !== existing.architectures.length) tx.write(distConfigPath(dist), json({...existing, architectures: archs}))
  for (const c of components) if ((await tx.read(categoryConfigPath(dist, c))) === undefined) tx.write(categoryConfigPath(dist, c), json({}))
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}
