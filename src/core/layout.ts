import {createHash} from 'node:crypto'
import {cidFromSha256} from './cid.js'

/**
 * Where things live, in the archive's git tree and on a published backend. One place,
 * so the store, publish and purge agree on every path.
 *
 * Archive tree:
 *   raptr.json                                   archive settings
 *   dists/<dist>/distribution.json               a distribution (suite)
 *   dists/<dist>/<cat>/category.json             a category (component) in it
 *   dists/<dist>/<cat>/<arch>/<xx>/<name>/<ver>  one link: the exact index stanza
 *   packages/<xx>/<name>/<ver>_<arch>            one package record
 *   contents/<xx>/<sha256>                       the file list of a binary package (Contents)
 *   bundles/<alias>/<ver>                        a bundle's members
 *   snapshots/<name>.json                        a named snapshot
 *   backends/<name>.json                         a publishing target
 *   mirrors/<name>.json                          an upstream a distribution follows
 *   publications/<backend>/<dist>/<stamp>        what was published where
 *
 * `<xx>` shards by a hash of the package name so no tree holds tens of thousands of
 * entries; `<arch>` is a Debian architecture, `all`, or `source`, and `<arch>.udeb` /
 * `<arch>.ddeb` for installer and debug packages ('.' never occurs in an architecture),
 * so each index is rendered from its own subtrees. A nested category (`updates/main`)
 * is one directory, `updates%2fmain`: '%' never occurs in a category name.
 */
export const CONFIG_PATH = 'raptr.json'
export const DISTS = 'dists'
export const PACKAGES = 'packages'
export const BUNDLES = 'bundles'
export const SNAPSHOTS = 'snapshots'
export const BACKENDS = 'backends'
export const PUBLICATIONS = 'publications'
export const DIST_CONFIG = 'distribution.json'
export const CATEGORY_CONFIG = 'category.json'
export const CONTENTS = 'contents'
/** `mirrors/<name>.json`: an upstream a distribution follows (archive/mirrors). */
export const MIRRORS = 'mirrors'

/**
 * Every name raptr writes at the top of an archive tree (files and directories). A
 * tree from the archive's remote holding anything else is refused (store/tree-check):
 * a new kind of archive file adds its name here. `signing.json` and `pins` are named in
 * archive/signing-settings and archive/pins, `keyring.json` in archive/keyring-settings.
 */
export const ARCHIVE_TOP_LEVEL: ReadonlySet<string> = new Set([CONFIG_PATH, 'signing.json', 'keyring.json', DISTS, PACKAGES, CONTENTS, BUNDLES, SNAPSHOTS, BACKENDS, PUBLICATIONS, 'pins', MIRRORS])

/** Versions may hold ':' (epoch), which some file systems refuse in names; '%' never occurs in a version. */
export function encodeVersion(version: string): string {
  return version.replace(/:/g, '%3a')
}

export function decodeVersion(encoded: string): string {
  return encoded.replace(/%3a/g, ':')
}

export function nameShard(name: string): string {
  return createHash('sha256').update(name).digest('hex').slice(0, 2)
}

export const distPath = (dist: string): string => `${DISTS}/${dist}`
export const distConfigPath = (dist: string): string => `${DISTS}/${dist}/${DIST_CONFIG}`
/** A category's directory name in the archive tree: `updates/main` is one directory, `updates%2fmain`. */
export function encodeCategory(cat: string): string {
  return cat.replace(/\//g, '%2f')
}

export function decodeCategory(encoded: string): string {
  return encoded.replace(/%2f/g, '/')
}

export const categoryPath = (dist: string, cat: string): string => `${DISTS}/${dist}/${encodeCategory(cat)}`
export const categoryConfigPath = (dist: string, cat: string): string => `${categoryPath(dist, cat)}/${CATEGORY_CONFIG}`

/** The directory a package's links sit in under its category: `amd64`, or `amd64.udeb` / `amd64.ddeb`. */
export function linkArchDir(arch: string, kind?: string): string {
  return kind === 'udeb' || kind === 'ddeb' ? `${arch}.${kind}` : arch
}

/** The link of a package in a distribution's category; `kind` places installer and debug packages apart. */
export function linkPath(dist: string, cat: string, arch: string, name: string, version: string, kind?: string): string {
  return `${categoryPath(dist, cat)}/${linkArchDir(arch, kind)}/${nameShard(name)}/${name}/${encodeVersion(version)}`
}

/** Where the file list of the binary package with this SHA256 is kept (it never changes: the key is the content). */
export function contentsPath(sha256: string): string {
  return `${CONTENTS}/${sha256.slice(0, 2)}/${sha256}`
}

export function recordPath(name: string, version: string, arch: string): string {
  return `${PACKAGES}/${nameShard(name)}/${name}/${encodeVersion(version)}_${arch}`
}

export function recordDir(name: string): string {
  return `${PACKAGES}/${nameShard(name)}/${name}`
}

/** Parses the last segment of a record path back into version and architecture. */
export function parseRecordName(entry: string): {version: string; arch: string} {
  const i = entry.lastIndexOf('_')
  return {version: decodeVersion(entry.slice(0, i)), arch: entry.slice(i + 1)}
}

export const bundleDir = (alias: string): string => `${BUNDLES}/${alias}`
export const bundlePath = (alias: string, version: string): string => `${BUNDLES}/${alias}/${encodeVersion(version)}`
export const snapshotNamePath = (name: string): string => `${SNAPSHOTS}/${name}.json`
export const backendPath = (name: string): string => `${BACKENDS}/${name}.json`
export const mirrorPath = (name: string): string => `${MIRRORS}/${name}.json`
export const publicationDir = (backend: string, dist: string): string => `${PUBLICATIONS}/${backend}/${dist}`

/** Published pool key of a binary package: purely hash-derived, so no `+` or `~` reaches a URL. */
export function poolKeyForBinary(sha256: string, kind: 'deb' | 'udeb' | 'ddeb'): string {
  return `pool/${sha256.slice(0, 2)}/${cidFromSha256(sha256)}.${kind}`
}

/** Published directory of a source package: hash-derived from its .dsc; its files keep their own names inside. */
export function poolDirForSource(dscSha256: string): string {
  return `pool/${dscSha256.slice(0, 2)}/${cidFromSha256(dscSha256)}`
}

/** Where a distribution's live pointer and indexes live on a backend. */
export const liveDir = (dist: string): string => `dists/${dist}`

/** Where a snapshot's pinned, immutable copy of a distribution lives: apt's suite is `snapshots/<id>/<dist>`. */
export const pinnedSuite = (snapshotId: string, dist: string): string => `snapshots/${snapshotId}/${dist}`
export const pinnedDir = (snapshotId: string, dist: string): string => `dists/${pinnedSuite(snapshotId, dist)}`

/** The short snapshot id used in pinned paths and messages. */
export const shortId = (commit: string): string => commit.slice(0, 12)

/** `<dir>/<cat>/binary-amd64/by-hash/SHA256/<hex>` for the index at `<dir>/<indexPath>`. */
export function byHashKey(dir: string, indexPath: string, sha256: string): string {
  const slash = indexPath.lastIndexOf('/')
  return `${dir}/${indexPath.slice(0, slash)}/by-hash/SHA256/${sha256}`
}

/** The public key files every publication carries. */
export const PUBLIC_KEY_ASC = 'raptr.asc'
export const PUBLIC_KEY_GPG = 'raptr.gpg'
