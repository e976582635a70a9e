/**
 * The Packages and Sources stanzas raptr publishes for a package. They carry the same
 * fields, values and field order as `apt-ftparchive packages` / `sources` write for the
 * same file without an override file, so a client sees what a Debian archive serves.
 */
import {getField, type Stanza} from './deb822.js'
import type {DebInfo, Digests, DscInfo} from './interface.js'

// Field order is apt's TFRewritePackageOrder / TFRewriteSourceOrder (apt-pkg/tagfile-order.c)
// as in apt 2.x; obsolete aliases (Class, Recommended, Optional, Revision) have no slot
// there, so apt writes them with the other unknown fields, after the ordered ones.

/** The order apt-ftparchive writes Packages fields in. */
export const PACKAGES_FIELD_ORDER: readonly string[] = [
  'Package', 'Package-Type', 'Architecture', 'Subarchitecture', 'Version', 'Kernel-Version',
  'Built-Using', 'Static-Built-Using', 'Built-For-Profiles', 'Auto-Built-Package', 'Multi-Arch',
  'Status', 'Priority', 'Build-Essential', 'Protected', 'Important', 'Essential',
  'Installer-Menu-Item', 'Section', 'Source', 'Origin', 'Phased-Update-Percentage', 'Maintainer',
  'Original-Maintainer', 'Bugs', 'Config-Version', 'Conffiles', 'Triggers-Awaited',
  'Triggers-Pending', 'Installed-Size', 'Provides', 'Pre-Depends', 'Depends', 'Recommends',
  'Suggests', 'Conflicts', 'Breaks', 'Replaces', 'Enhances', 'Filename', 'MSDOS-Filename', 'Size',
  'MD5sum', 'SHA1', 'SHA256', 'SHA512', 'Homepage', 'Description', 'Description-md5', 'Tag', 'Task',
]

/** The order apt-ftparchive writes Sources fields in. */
export const SOURCES_FIELD_ORDER: readonly string[] = [
  'Package', 'Source', 'Format', 'Binary', 'Architecture', 'Version', 'Priority', 'Section',
  'Origin', 'Maintainer', 'Original-Maintainer', 'Uploaders', 'Dm-Upload-Allowed',
  'Standards-Version', 'Build-Depends', 'Build-Depends-Arch', 'Build-Depends-Indep',
  'Build-Conflicts', 'Build-Conflicts-Arch', 'Build-Conflicts-Indep', 'Testsuite',
  'Testsuite-Triggers', 'Homepage', 'Description', 'Vcs-Browser', 'Vcs-Browse', 'Vcs-Arch',
  'Vcs-Bzr', 'Vcs-Cvs', 'Vcs-Darcs', 'Vcs-Git', 'Vcs-Hg', 'Vcs-Mtn', 'Vcs-Svn', 'Directory',
  'Package-List', 'Files', 'Checksums-Md5', 'Checksums-Sha1', 'Checksums-Sha256',
  'Checksums-Sha512',
]

/** A rewrite: the new value, or '' to drop the field (as apt's Tag::Rewrite does). */
type Changes = Map<string, {name: string; value: string}>

/**
 * The Packages stanza for a binary package published at `filename` (relative to the
 * archive root).
 *
 * @example packagesStanza(deb, 'pool/main/h/hello/hello_1.0_amd64.deb') // [['Package','hello'], ..., ['Filename', 'pool/...'], ...]
 */
export function packagesStanza(deb: DebInfo, filename: string): Stanza {
  const control = deb.control
  const changes: Changes = new Map()
  const set = (name: string, value: string) => changes.set(name.toLowerCase(), {name, value})
  set('Size', String(deb.digests.size))
  set('MD5sum', deb.digests.md5)
  set('SHA1', deb.digests.sha1)
  set('SHA256', deb.digests.sha256)
  set('SHA512', deb.digests.sha512)
  set('Filename', filename)
  set('Priority', getField(control, 'Priority') ?? '')
  // Status belongs to dpkg's database, never to an index.
  set('Status', '')
  set('Section', getField(control, 'Section') ?? '')
  return rewrite(control, PACKAGES_FIELD_ORDER, changes)
}

/**
 * The Sources stanza for a source package whose files are published in `directory`
 * (relative to the archive root). The .dsc itself is listed first in every file list.
 *
 * @example sourcesStanza(dsc, 'pool/main/h/hello') // [['Package','hello'], ..., ['Directory','pool/main/h/hello'], ...]
 */
export function sourcesStanza(dsc: DscInfo, directory: string): Stanza {
  const control = dsc.control
  const changes: Changes = new Map()
  const set = (name: string, value: string) => changes.set(name.toLowerCase(), {name, value})
  set('Source', '')
  set('Package', getField(control, 'Source') ?? '')
  const all: Array<{name: string; digests: Digests}> = [{name: dsc.fileName, digests: dsc.digests}, ...dsc.files]
  const lists = [
    ['Files', 'md5'],
    ['Checksums-Sha1', 'sha1'],
    ['Checksums-Sha256', 'sha256'],
    ['Checksums-Sha512', 'sha512'],
  ] as const
  for (const [field, algorithm] of lists) {
    const existing = getField(control, field)
    const line = (f: {name: string; digests: Digests}) => `\n ${f.digests[algorithm]} ${f.digests.size} ${f.name}`
    if (existing !== undefined) {
      // apt keeps the .dsc's own lines as written and puts the .dsc's entry first.
      set(field, line(all[0]) + '\n ' + existing.trimStart())
    } else if (field !== 'Files') {
      set(field, all.map(line).join(''))
    }
  }
  const dir = directory.replace(/\/+$/, '')
  if (dir !== '' && dir !== '.') set('Directory', dir)
  // Without an override file apt derives no Priority for a source, so it drops it.
  set('Priority', '')
  set('Status', '')
  return rewrite(control, SOURCES_FIELD_ORDER, changes)
}

/**
 * apt's pkgTagSection::Write: ordered fields first (under apt's spelling), then the
 * remaining fields in their original order, then new fields apt has no order for.
 */
function rewrite(fields: Stanza, order: readonly string[], changes: Changes): Stanza {
  const out: Stanza = []
  const inOrder = new Set(order.map((n) => n.toLowerCase()))
  const present = new Set(fields.map(([n]) => n.toLowerCase()))
  for (const name of order) {
    const key = name.toLowerCase()
    const change = changes.get(key)
    if (change) {
      if (change.value !== '') out.push([name, change.value])
      continue
    }
    const value = getField(fields, name)
    if (value !== undefined) out.push([name, value])
  }
  for (const [name, value] of fields) {
    const key = name.toLowerCase()
    if (inOrder.has(key)) continue
    const change = changes.get(key)
    if (change) {
      if (change.value !== '') out.push([name, change.value])
      continue
    }
    out.push([name, value])
  }
  for (const [key, change] of changes) {
    if (change.value !== '' && !present.has(key) && !inOrder.has(key)) out.push([change.name, change.value])
  }
  return out
}

/**
 * The name, version and architecture of a binary or source stanza (Source counts as
 * the name of a .dsc; a .dsc's Architecture is its list of architectures).
 *
 * @example packageIdentity(deb.control) // {name: 'hello', version: '1.0-1', architecture: 'amd64'}
 */
export function packageIdentity(control: Stanza): {name: string; version: string; architecture: string} {
  return {
    name: getField(control, 'Package') ?? getField(control, 'Source') ?? '',
    version: getField(control, 'Version') ?? '',
    architecture: getField(control, 'Architecture') ?? '',
  }
}
