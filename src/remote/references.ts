import {byHashKey, liveDir, pinnedDir} from '../core/layout.js'
import {parseReleaseEntries, releaseAliases, type ReleaseEntry} from '../core/release.js'

/** The Release files of a directory, in the order purge removes them (apt reads InRelease first). */
export const RELEASE_FILES = ['InRelease', 'Release', 'Release.gpg']

/** One index a Release lists and every key it is stored under on a backend. */
export interface IndexRef extends ReleaseEntry {
  /** Where it lives: live by-hash, pinned by-hash, pinned canonical name. */
  keys: string[]
}

/** Whether a publication wrote the uncompressed indexes its Release lists: entries from before the setting existed did. */
export function publishesPlain(entry: {plainIndexes?: boolean}): boolean {
  return entry.plainIndexes !== false
}

/**
 * Whether an index is one a publication without plain indexes lists but does not write:
 * an uncompressed file whose .xz or .gz the Release lists beside it (as Debian's archive
 * does: apt fetches the compressed one and checks what it decompressed against it).
 */
function unwrittenPlain(p: string, listed: ReadonlySet<string>): boolean {
  return !/\.(gz|xz)$/.test(p) && (listed.has(`${p}.gz`) || listed.has(`${p}.xz`))
}

/**
 * The entries of a Release whose files a publication wrote: all of them when it wrote the
 * plain indexes (see {@link publishesPlain}), else all but the uncompressed ones. Pure.
 *
 * @example writtenEntries(entries, false).map((e) => e.path) // ['main/binary-amd64/Packages.gz', 'main/binary-amd64/Packages.xz', …]
 */
export function writtenEntries<T extends {path: string}>(entries: T[], plain: boolean): T[] {
  if (plain) return entries
  const listed = new Set(entries.map((e) => e.path))
  return entries.filter((e) => !unwrittenPlain(e.path, listed))
}

/** The entries a publication lists but did not write (see {@link writtenEntries}). Pure. */
export function unwrittenEntries<T extends {path: string}>(entries: T[], plain: boolean): T[] {
  if (plain) return []
  const listed = new Set(entries.map((e) => e.path))
  return entries.filter((e) => unwrittenPlain(e.path, listed))
}

/**
 * The index objects one publication references: every index its Release lists that it
 * wrote (`plain`: see {@link publishesPlain}), under the live by-hash name, the pinned
 * by-hash name and the pinned canonical name. Pure.
 *
 * @example indexRefs('production', '3f1c2a9b7d4e', releaseText, false)[0].keys[0] // 'dists/production/public/binary-amd64/by-hash/SHA256/…'
 */
export function indexRefs(dist: string, pinned: string, releaseText: string, plain: boolean): IndexRef[] {
  const live = liveDir(dist)
  const pin = pinnedDir(pinned, dist)
  // A Suite or Codename other than the name is published too (remote/alias.ts).
  const aliases = releaseAliases(dist, releaseText).map(liveDir)
  return writtenEntries(parseReleaseEntries(releaseText), plain).map((e) => ({
    ...e,
    keys: [byHashKey(live, e.path, e.sha256), byHashKey(pin, e.path, e.sha256), `${pin}/${e.path}`, ...aliases.map((a) => byHashKey(a, e.path, e.sha256))],
  }))
}

/** Whether an index is a Packages.gz or Sources.gz: every publication writes those, old and new, so readers of pool references read them. */
export function isGzipIndex(p: string): boolean {
  return /(^|\/)(Packages|Sources)\.gz$/.test(p)
}
