/**
 * The keyring package (`raptr key package`): a real .deb, built in memory, that installs
 * the archive's public keyring as /usr/share/keyrings/NAME.pgp and its apt source as
 * /etc/apt/sources.list.d/NAME.sources (one deb822 stanza per distribution it is linked
 * into, Signed-By that keyring), added to the archive like any package. A new client
 * runs `dpkg -i` once; after that a key rotation reaches it through `apt upgrade`.
 *
 * Versions are plain integers the archive counts: the highest version of NAME in the
 * archive + 1. A date would need a same-day suffix and would differ between two clones
 * building the same keys; a count sorts higher after every rebuild, and a rebuild whose
 * bytes equal the newest version's (same keys, same sources) adds nothing. The bytes
 * depend only on the inputs: every timestamp is the newest key's creation time.
 */
import {createHash} from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {RaptrError} from '../errors.js'
import {parseSection, shownValue} from '../core/names.js'
import {renderStanza} from '../core/deb822.js'
import {compareVersions} from '../core/version.js'
import {sourcesStanza} from '../core/sources-list.js'
import {poolKeyForBinary} from '../core/layout.js'
import {buildDeb, installedSize, type DebFile} from '../debian/deb-writer.js'
import {listBackends, requireBackend, type NamedBackend} from '../archive/backends.js'
import {addPackages, recordsOf} from '../archive/packages.js'
import {listCategoryNames, listDistributionNames, readDistribution} from '../archive/settings.js'
import {checkFlagUrl} from '../backends/url.js'
import type {KeyRef} from '../archive/signing-settings.js'
import type {Archive, ArchiveView} from '../store/archive.js'
import {keyringFile, validateKeyringName, parseKeyringSettings, readKeyringSettings, sourcesFile, writeKeyringSettings, type KeyringSettings} from '../archive/keyring-settings.js'
import {archivePublicKeyring} from './public-keyring.js'

export interface KeyringPackageOptions {
  name?: string
  /** DIST/CAT to add it to (default: as recorded, else the archive's only distribution and category). */
  sections?: string[]
  /** The URL clients fetch the archive from (default: as recorded, else the backend's public URL). */
  url?: string
  backend?: string
  /** The public URL of a backend (opening one is the caller's job). */
  publicUrlOf: (b: NamedBackend) => Promise<string>
  expand: (f: string) => string
  /** RAPTR_SIGNING_KEY, used when the archive names no key. */
  envKey?: string
  /** The key given on the command line (--sign-key, --gpg), used when the archive names none. */
  givenKey?: KeyRef
}

export interface KeyringPackageResult {
  name: string
  version: string
  /** built: a new version; unchanged: the newest version already holds these keys and sources. */
  status: 'built' | 'unchanged'
  sha256: string
  keys: string[]
  distributions: string[]
  sections: string[]
  url: string
  /** The pool path clients download it from (relative to the archive URL). */
  poolPath: string
  sources: string
  commit?: string
}

/** Without --section: the archive's only distribution with its only category. */
async function defaultSections(view: ArchiveView): Promise<string[]> {
  const dists = await listDistributionNames(view)
  if (dists.length === 1) {
    const cats = await listCategoryNames(view, dists[0])
    if (cats.length === 1) return [`${dists[0]}/${cats[0]}`]
  }
  throw new RaptrError('USAGE', 'say where the keyring package goes: --section DIST/CAT', `e.g. raptr key package --section ${dists[0] ?? 'production'}/main (repeatable: one .sources stanza per distribution)`)
}

/** `<origin>-archive-keyring`, lower-cased; a distribution without Origin (or one no package name can come from) needs --name. */
async function defaultName(view: ArchiveView, dist: string): Promise<string> {
  const origin = (await readDistribution(view, dist))?.origin
  if (!origin) {
    throw new RaptrError('BAD_ARGUMENT', `distribution "${dist}" has no Origin to name the keyring package after`, `set one: raptr distribution set ${dist} --origin ACME, or name it: raptr key package --name acme-archive-keyring`)
  }
  const name = `${origin}-archive-keyring`.toLowerCase()
  try {
    return validateKeyringName(name)
  } catch {
    throw new RaptrError('BAD_ARGUMENT', `"${shownValue(name)}" (from the Origin of ${dist}) is not a Debian package name`, 'name it yourself: raptr key package --name acme-archive-keyring (lowercase letters, digits, +, -, .)')
  }
}

/** The URL the .sources names, and what to record of where it came from. */
async function sourceUrl(view: ArchiveView, opts: KeyringPackageOptions, recorded: KeyringSettings | undefined): Promise<{url: string; record: {url?: string; backend?: string}}> {
  if (opts.url) return {url: checkFlagUrl(opts.url, '--url', ['http', 'https', 'file']).replace(/\/+$/, ''), record: {url: opts.url.replace(/\/+$/, '')}}
  if (!opts.backend && recorded?.url) return {url: recorded.url, record: {url: recorded.url}}
  const name = opts.backend ?? recorded?.backend
  let b: NamedBackend
  if (name) b = await requireBackend(view, name)
  else {
    const all = await listBackends(view)
    if (all.length !== 1) {
      throw new RaptrError('USAGE', all.length ? `the archive has ${all.length} backends: which one do clients read?` : 'no URL for the apt source: the archive has no backend', all.length ? `choose one: --backend ${all[0].name}, or give the URL clients use: --url https://apt.example.org` : 'give the URL clients use: --url https://apt.example.org, or add a backend (raptr backend add NAME URL --public-url URL)')
    }
    b = all[0]
  }
  return {url: (await opts.publicUrlOf(b)).replace(/\/+$/, ''), record: {backend: b.name}}
}

/** The control file of version `version`. */
function controlText(name: string, version: string, maintainer: string, files: DebFile[], origin: string): string {
  return renderStanza([
    ['Package', name],
    ['Version', version],
    ['Architecture', 'all'],
    ['Maintainer', maintainer],
    ['Installed-Size', String(installedSize(files))],
    ['Section', 'misc'],
    ['Priority', 'optional'],
    ['Multi-Arch', 'foreign'],
    ['Description', [`OpenPGP keys and apt source of the ${origin} archive`, `The public keys that sign the ${origin} archive's Release files, as`, keyringFile(name), 'and its apt source, as', sourcesFile(name), '(Signed-By that keyring). A key rotation brings a new version of', 'this package holding both keys.'].join('\n ')],
  ])
}

/**
 * Builds the keyring package and adds it to the archive (one commit, with keyring.json),
 * or finds the newest version already holds the same keys and sources.
 *
 * @example const r = await buildKeyringPackage(archive, {sections: ['production/main'], publicUrlOf: async (b) => (await openNamedBackend(b)).properties.publicUrl, expand: expandHome})
 */
export async function buildKeyringPackage(archive: Archive, opts: KeyringPackageOptions): Promise<KeyringPackageResult> {
  const view = await archive.view()
  const recorded = await readKeyringSettings(view)
  const sections = opts.sections?.length ? opts.sections : (recorded?.sections ?? (await defaultSections(view)))
  const parsed = sections.map((s) => parseSection(s, {requireCategory: true}) as {dist: string; cat: string})
  const dists = [...new Set(parsed.map((p) => p.dist))]
  for (const d of dists) if (!(await readDistribution(view, d))) throw new RaptrError('UNKNOWN_DISTRIBUTION', `no distribution "${d}"`, 'list them with: raptr distribution list')
  const name = opts.name ? validateKeyringName(opts.name) : (recorded?.name ?? (await defaultName(view, dists[0])))
  const origin = (await readDistribution(view, dists[0]))?.origin ?? name
  const {url, record} = await sourceUrl(view, opts, recorded)
  const keyring = await archivePublicKeyring(view, opts.expand, opts.envKey, opts.givenKey)
  const who = await archive.identity()
  const maintainer = recorded?.name === name ? recorded.maintainer : `${who.name} <${who.email}>`

  const stanzas: string[] = []
  for (const d of dists) stanzas.push(sourcesStanza({url, suite: d, components: await listCategoryNames(view, d), signedBy: keyringFile(name)}))
  const sources = stanzas.join('\n')
  const files: DebFile[] = [
    {path: sourcesFile(name).slice(1), data: Buffer.from(sources, 'utf8')},
    {path: keyringFile(name).slice(1), data: keyring.binary},
  ]
  const mtime = Math.floor(keyring.newest.getTime() / 1000)
  const build = (version: string): Promise<Buffer> => buildDeb({control: controlText(name, version, maintainer, files, origin), files, mtime})

  // The newest version of NAME in the archive; when its bytes are what we would build, nothing is new.
  const existing = (await recordsOf(view, name)).sort((a, b) => compareVersions(b.version, a.version))[0]
  let version = '1'
  let bytes: Buffer | undefined
  let status: KeyringPackageResult['status'] = 'built'
  if (existing) {
    const same = await build(existing.version)
    if (createHash('sha256').update(same).digest('hex') === existing.blobs[0]?.sha256) {
      version = existing.version
      bytes = same
      status = 'unchanged'
    } else {
      const head = /^(?:\d+:)?(\d+)/.exec(existing.version)
      version = String((head ? Number(head[1]) : 0) + 1)
      if (compareVersions(version, existing.version) <= 0) {
        throw new RaptrError('CONFLICT', `${name} ${existing.version} is in the archive and ${version} would not sort above it`, `remove it (raptr package remove ${name} --version '${existing.version}') or choose another name: --name`)
      }
    }
  }
  bytes ??= await build(version)

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raptr-keyring-'))
  const file = path.join(dir, `${name}_${version}_all.deb`)
  try {
    fs.writeFileSync(file, bytes)
    // What is recorded is checked as it will be read back (a maintainer from git config included).
    const settings: KeyringSettings = parseKeyringSettings(JSON.stringify({name, sections, ...record, maintainer}))
    const keys = keyring.fingerprints
    const res = await addPackages(archive, [file], {
      category: parsed[0].cat,
      link: sections,
      extra: async (tx) => {
        await writeKeyringSettings(tx, settings)
        if (status === 'unchanged') return {message: `keyring package ${name} ${version}: unchanged (sources and keys as they are)`, events: []}
        return {message: `keyring package built: ${name} ${version} with ${keys.length} key${keys.length === 1 ? '' : 's'} for ${dists.join(', ')}`, events: [{v: 1, type: 'KeyringPackageBuilt', name, version, keys, distributions: dists}]}
      },
    })
    const sha256 = res.packages[0].sha256
    return {name, version, status, sha256, keys, distributions: dists, sections, url, poolPath: poolKeyForBinary(sha256, 'deb'), sources, commit: res.commit}
  } finally {
    fs.rmSync(dir, {recursive: true, force: true})
  }
}

/**
 * Rebuilds the keyring package when the archive has one (keyring.json), for a key
 * rotation step: the new version holds the keys clients need from now on.
 *
 * @example const rebuilt = await rebuildKeyringPackage(archive, opts)
 */
export async function rebuildKeyringPackage(archive: Archive, opts: Omit<KeyringPackageOptions, 'name' | 'sections' | 'url' | 'backend'>): Promise<KeyringPackageResult | undefined> {
  if (!(await readKeyringSettings(await archive.view()))) return undefined
  return buildKeyringPackage(archive, opts)
}
