import {byHashKey, liveDir, pinnedDir} from '../core/layout.js'
import {parseReleaseEntries, releaseAliases, type ReleaseEntry} from '../core/release.js'

/** The Release files of a directory, in the order purge removes them (apt reads InRelease first). */
export const RELEASE_FILES = ['InRelease', 'Release', 'Release.gpg']

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
  // A Suite or Codename other than the name is published too (remote/alias.ts).
  const aliases = releaseAliases(dist, releaseText).map(liveDir)
  return parseReleaseEntries(releaseText).map((e) => ({
    ...e,
    keys: [byHashKey(live, e.path, e.sha256), byHashKey(pin, e.path, e.sha256), `${pin}/${e.path}`, ...aliases.map((a) => byHashKey(a, e.path, e.sha256))],
  }))
}

/** Whether an index is a plain Packages or Sources file (the ones that name pool files). */
export function isPlainIndex(p: string): boolean {
  return /(^|\/)(Packages|Sources)$/.test(p)
}
