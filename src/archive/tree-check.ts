import {BACKENDS, BUNDLES, CATEGORY_CONFIG, CONFIG_PATH, CONTENTS, DISTS, DIST_CONFIG, MIRRORS, PACKAGES, PUBLICATIONS, SNAPSHOTS, decodeCategory, encodeCategory, recordPath} from '../core/layout.js'
import {validateAlias, validateArchitectureSpelling, validateBackendName, validateComponentName, validatePackageName, validateSnapshotName, validateSuiteName} from '../core/names.js'
import {getField, parseStanza} from '../core/deb822.js'
import type * as z from '../core/zod.js'
import type {Archive} from '../store/archive.js'
import type {GitTrees} from '../store/git-tree.js'
import {checkIncomingArchive, checkIncomingTrees, type IncomingRules} from '../store/incoming.js'
import {BackendSettings} from './backends.js'
import {BundleFile} from './bundles.js'
import {mirrorFileProblem} from './mirrors.js'
import {ArchivePin, PINS} from './pins.js'
import {PublicationRecord} from './publications.js'
import {parseRecord} from './records.js'
import {ArchiveSettings, CategorySettings, DistributionSettings, parseJsonFile} from './settings.js'
import {SIGNING_PATH, SigningSettings} from './signing-settings.js'
import {KEYRING_PATH, parseKeyringSettings} from './keyring-settings.js'
import {NamedSnapshot} from './snapshots.js'

/**
 * Checks a commit raptr is about to take from git (a sync's fast-forward or merge, a
 * clone) before HEAD, the work tree, the index or the blob cache change: every entry it
 * adds or changes since `from` (undefined: the whole tree) is a safe path of a regular
 * file (store/tree-check), and every file it adds or changes parses as what its path
 * says it is (a package record, a link stanza, a settings file with its schema). The
 * archive must keep its raptr.json. A failure throws UNSAFE_ARCHIVE (exit 3) naming
 * `where`, the commit and the path; nothing has been changed.
 *
 * @example
 *   await checkIncomingCommit(trees, oursCommit, theirsCommit, 'origin/main')
 */
export async function checkIncomingCommit(trees: GitTrees, from: string | undefined, to: string, where: string): Promise<void> {
  await checkIncomingTrees(trees, from, to, where, INCOMING_RULES)
}

/** A pushed file's limits and schemas: its size by where it lies, its names by the grammar, its text by what raptr writes there. */
const INCOMING_RULES: IncomingRules = {
  maxBytes: (p) => (p.startsWith(`${CONTENTS}/`) ? MAX_CONTENTS_BYTES : MAX_FILE_BYTES),
  problem: async (p, text) => namesProblem(p) ?? (p.startsWith(`${CONTENTS}/`) ? fileProblem(p, '') : fileProblem(p, await text())),
}

/** The most bytes of a record, a link or a settings file (real ones are a few KB). */
export const MAX_FILE_BYTES = 1 << 20
/** The most bytes of a package's file list (a package with 100,000 files lists a few MB). */
export const MAX_CONTENTS_BYTES = 64 << 20

/**
 * Why a name in the path is not one raptr accepts, or undefined: the names that become
 * paths and Release fields elsewhere (distributions, categories, backends, snapshots,
 * bundles, architectures, packages) follow the one grammar (core/names), so a pushed
 * `dists/stable/a%2f..%2f..` can never become a category that publishes outside.
 */
function namesProblem(p: string): string | undefined {
  const parts = p.split('/')
  const stem = (s: string): string => s.replace(/\.json$/, '')
  return reason(() => {
    switch (parts[0]) {
      case BACKENDS:
        validateBackendName(stem(parts[1]))
        break
      case SNAPSHOTS:
        validateSnapshotName(stem(parts[1]))
        break
      case PUBLICATIONS:
      case PINS:
        validateBackendName(parts[1])
        if (parts.length > 2) validateSuiteName(parts[2])
        break
      case BUNDLES:
        validateAlias(parts[1])
        break
      case PACKAGES:
        if (parts.length > 2) validatePackageName(parts[2])
        break
      case DISTS:
        validateSuiteName(parts[1])
        if (parts.length > 3) {
          const cat = decodeCategory(parts[2])
          validateComponentName(cat)
          if (encodeCategory(cat) !== parts[2]) throw new Error(`"${parts[2]}" is not how raptr writes the category ${cat}`)
        }
        if (parts.length === 7) {
          validateArchitectureSpelling(parts[3].replace(/\.(udeb|ddeb)$/, ''))
          validatePackageName(parts[5])
        }
        break
    }
  })
}

/** {@link checkIncomingCommit} for the archive's own repository. */
export async function checkIncoming(archive: Archive, from: string | undefined, to: string, where: string): Promise<void> {
  await checkIncomingArchive(archive, from, to, where, INCOMING_RULES)
}

/**
 * Why the file at `p` with this text is not what raptr would have written there, or
 * undefined. Paths of kinds raptr has no schema for (the file lists under contents/)
 * only need a safe path and the right shape.
 */
export function fileProblem(p: string, text: string): string | undefined {
  const parts = p.split('/')
  const json = <T>(schema: z.ZodMiniType<T>): string | undefined => reason(() => parseJsonFile(schema, text, p))
  if (p === CONFIG_PATH) return json(ArchiveSettings)
  if (p === SIGNING_PATH) return json(SigningSettings)
  if (p === KEYRING_PATH) return reason(() => parseKeyringSettings(text, p))
  switch (parts[0]) {
    case BACKENDS:
      return parts.length === 2 && parts[1].endsWith('.json') ? json(BackendSettings) : 'raptr keeps only backends/<name>.json there'
    case SNAPSHOTS:
      return parts.length === 2 && parts[1].endsWith('.json') ? json(NamedSnapshot) : 'raptr keeps only snapshots/<name>.json there'
    case PUBLICATIONS:
      return parts.length === 4 ? json(PublicationRecord) : 'raptr keeps only publications/<backend>/<dist>/<entry> there'
    case PINS:
      return parts.length === 4 ? json(ArchivePin) : 'raptr keeps only pins/<backend>/<dist>/<snapshot>.json there'
    case BUNDLES:
      return parts.length === 3 ? json(BundleFile) : 'raptr keeps only bundles/<alias>/<version> there'
    case MIRRORS:
      return mirrorFileProblem(p, text)
    case CONTENTS:
      return parts.length === 3 && /^[0-9a-f]{64}$/.test(parts[2]) && parts[2].startsWith(parts[1]) ? undefined : 'raptr keeps only contents/<xx>/<sha256> there'
    case PACKAGES:
      return parts.length === 4 ? recordProblem(p, text) : 'raptr keeps only packages/<xx>/<name>/<version>_<arch> there'
    case DISTS:
      if (parts.length === 3 && parts[2] === DIST_CONFIG) return json(DistributionSettings)
      if (parts.length === 4 && parts[3] === CATEGORY_CONFIG) return json(CategorySettings)
      if (parts.length === 7) return linkProblem(text)
      return 'raptr keeps only distribution.json, category.json and links there'
    default:
      return 'raptr writes no such file'
  }
}

/** A package record: it parses, its files' hashes and sizes are well formed, and it sits at its own path. */
function recordProblem(p: string, text: string): string | undefined {
  let misplaced: string | undefined
  const problem = reason(() => {
    const r = parseRecord(text, p)
    const home = recordPath(r.name, r.version, r.arch)
    if (home !== p) misplaced = `the record is of ${r.name} ${r.version} ${r.arch}, which raptr keeps at ${home}`
  })
  return problem ?? misplaced
}

/** A link: one index stanza naming a package and a version. */
function linkProblem(text: string): string | undefined {
  return reason(() => {
    const fields = parseStanza(text)
    if (!getField(fields, 'Package') || !getField(fields, 'Version')) throw new Error('a link names no Package and Version')
  })
}

/** The message of the error `fn` throws, or undefined. */
function reason(fn: () => unknown): string | undefined {
  try {
    fn()
    return undefined
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  }
}
