import {getField, parseDeb822} from '../core/deb822.js'
import {byHashKey, liveDir, pinnedDir} from '../core/layout.js'
import {parseReleaseEntries, type ReleaseEntry} from '../core/release.js'

/** The Release files of a directory, in the order purge removes them (apt reads InRelease first). */
export const RELEASE_FILES = ['InRelease', 'Release', 'Release.gpg']

/** A pool file an index references, by its key on a backend. */
export interface PoolRef {
  key: string
  sha256: string
  size: number
}

/** One index a Release lists and every key it is stored under on a backend. */
export interface IndexRef extends ReleaseEntry {
  /** Where it lives: live by-hash, pinned by-hash, pinned canonical name. */
  keys: string[]
}

/**
 * The index objects one publication references: every index its Release lists, under
 * the live by-hash name, the pinned by-hash name and the pinned canonical name. Pure.
 *
 * @example indexRefs('production', '3f1c2a9b7d4e', releaseText)[0].keys[0] // 'dists/production/public/binary-amd64/by-hash/SHA256/…'
 */
export function indexRefs(dist: string, pinned: string, releaseText: string): IndexRef[] {
  const live = liveDir(dist)
  const pin = pinnedDir(pinned, dist)
  return parseReleaseEntries(releaseText).map((e) => ({
    ...e,
    keys: [byHashKey(live, e.path, e.sha256), byHashKey(pin, e.path, e.sha256), `${pin}/${e.path}`],
  }))
}

/** Whether an index is a plain Packages or Sources file (the ones that name pool files). */
export function isPlainIndex(p: string): boolean {
  return /(^|\/)(Packages|Sources)$/.test(p)
}

/**
 * The pool files a Packages or Sources text references: `Filename` of a binary stanza,
 * `Directory` + `Checksums-Sha256` of a source stanza. Pure.
 *
 * @example poolRefsOfIndex('Package: a\nFilename: pool/ab/x.deb\nSize: 3\nSHA256: ff…\n')[0].key // 'pool/ab/x.deb'
 */
export function poolRefsOfIndex(text: string): PoolRef[] {
  const out: PoolRef[] = []
  for (const fields of parseDeb822(text)) {
    const filename = getField(fields, 'Filename')
    if (filename) {
      out.push({key: filename, sha256: getField(fields, 'SHA256') ?? '', size: Number(getField(fields, 'Size'))})
      continue
    }
    const directory = getField(fields, 'Directory')
    if (!directory) continue
    for (const line of (getField(fields, 'Checksums-Sha256') ?? '').split('\n')) {
      const [sha256, size, name] = line.trim().split(/\s+/)
      if (name) out.push({key: `${directory}/${name}`, sha256, size: Number(size)})
    }
  }
  return out
}
