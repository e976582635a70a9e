import * as z from '../core/zod.js'
import {RaptrError} from '../errors.js'
import {closest} from '../core/closest.js'
import {
  CONFIG_PATH,
  DISTS,
  DIST_CONFIG,
  CATEGORY_CONFIG,
  categoryConfigPath,
  decodeCategory,
  encodeCategory,
  distConfigPath,
} from '../core/layout.js'
import type {ArchiveView} from '../store/archive.js'
import {NAME_LIMITS, RELEASE_FIELD_LIMITS, releaseFieldProblem, shownValue, validateComponentName, validateSuiteName, type ReleaseTextField} from '../core/names.js'

/** raptr.json: archive-wide settings. */
export const ArchiveSettings = z.object({
  format: z.literal(1),
  retention: z._default(
    z.object({
      keepLast: z._default(z.int().check(z.gte(1)), 5),
      graceHours: z._default(z.number().check(z.gte(0)), 6),
    }),
    {keepLast: 5, graceHours: 6},
  ),
  /** Commands fetch, merge and push the archive's git remote by default (raptr clone sets it). */
  sync: z.optional(z.boolean()),
})
export type ArchiveSettings = z.infer<typeof ArchiveSettings>

/** A free-text Release field as settings may hold it: one line, bounded (names.ts), so a pushed setting cannot add lines to a Release either. */
const releaseText = (field: ReleaseTextField) =>
  z.string().check(z.refine((v) => releaseFieldProblem(field, v) === undefined, `not a valid ${field} (one line of at most ${RELEASE_FIELD_LIMITS[field]} characters, no control characters or surrounding spaces)`))
// The same grammar as names.ts's validateArchitectureSpelling and validateSuiteName, for values read back.
const archName = z.string().check(z.maxLength(NAME_LIMITS.architecture), z.regex(/^[a-z0-9][a-z0-9-]*$/))
const suiteName = z.string().check(z.maxLength(NAME_LIMITS.distribution), z.regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/))

export const DistributionSettings = z.object({
  architectures: z.array(archName).check(z.minLength(1)),
  origin: z.optional(releaseText('Origin')),
  label: z.optional(releaseText('Label')),
  description: z.optional(releaseText('Description')),
  /** Release's Suite and Codename (default: the distribution's name); the other name is published too. */
  suite: z.optional(suiteName),
  codename: z.optional(suiteName),
  version: z.optional(releaseText('Version').check(z.minLength(1))),
  notAutomatic: z.optional(z.boolean()),
  butAutomaticUpgrades: z.optional(z.boolean()),
  /** Whether the Release says Acquire-By-Hash: yes (default true; by-hash indexes are written either way). */
  acquireByHash: z.optional(z.boolean()),
  /** How long a live Release is valid (Valid-Until = Date + this), e.g. `7d`, `12h`. */
  validFor: z.optional(z.string().check(z.regex(/^\d+[smhdw]$/))),
  /** Contents indices (default on). */
  contents: z.optional(z.boolean()),
  /** Where .ddeb packages are listed: the ordinary Packages (default, as Ubuntu's debug archive does) or `<cat>/debug/`. */
  ddebs: z.optional(z.enum(['packages', 'debug'])),
  /** Conventional download paths (`pool/<cat>/h/hello/hello_1.0-1_amd64.deb`) beside the hash-named pool. */
  poolAliases: z.optional(z.boolean()),
  /**
   * Also publish the uncompressed Packages, Sources and Contents files (default off: only
   * their .xz and .gz, as Debian's archive; the Release lists the uncompressed ones either way).
   */
  plainIndexes: z.optional(z.boolean()),
})
export type DistributionSettings = z.infer<typeof DistributionSettings>

export const CategorySettings = z.looseObject({})

export const DEFAULT_ARCHITECTURES = ['amd64', 'arm64']

export function initialArchiveFiles(): Record<string, string> {
  return {[CONFIG_PATH]: json({format: 1, retention: {keepLast: 5, graceHours: 6}})}
}

/** Stable JSON for files in the tree: sorted keys would fight hand edits, so keep insertion order, 2-space indent, final newline. */
export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`
}

/** Parses a JSON file of the archive with its schema; a bad file is a coded error naming it. */
export function parseJsonFile<T>(schema: z.ZodMiniType<T>, text: string, file: string): T {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch {
    throw new RaptrError('CORRUPT_ARCHIVE', `${file} in the archive is not valid JSON`, 'fix or restore it with git (git log -- FILE)')
  }
  const res = schema.safeParse(data)
  if (!res.success) {
    const issue = res.error.issues[0]
    throw new RaptrError('CORRUPT_ARCHIVE', `${file} in the archive is invalid: ${issue.path.join('.') || '(root)'}: ${issue.message}`, 'fix or restore it with git (git log -- FILE)')
  }
  return res.data
}

export async function readArchiveSettings(tx: ArchiveView): Promise<ArchiveSettings> {
  const text = await tx.read(CONFIG_PATH)
  if (text === undefined) throw new RaptrError('CORRUPT_ARCHIVE', `${CONFIG_PATH} is missing from the archive`, 'restore it with git')
  return parseJsonFile(ArchiveSettings, text, CONFIG_PATH)
}

export async function listDistributionNames(tx: ArchiveView): Promise<string[]> {
  const out: string[] = []
  for (const name of await tx.list(DISTS)) {
    if (await tx.read(`${DISTS}/${name}/${DIST_CONFIG}`)) out.push(name)
  }
  return out
}

export async function readDistribution(tx: ArchiveView, dist: string): Promise<DistributionSettings | undefined> {
  const text = await tx.read(distConfigPath(dist))
  return text === undefined ? undefined : parseJsonFile(DistributionSettings, text, distConfigPath(dist))
}

export async function requireDistribution(tx: ArchiveView, dist: string): Promise<DistributionSettings> {
  validateSuiteName(dist)
  const d = await readDistribution(tx, dist)
  if (!d) {
    const known = await listDistributionNames(tx)
    const near = closest(dist, known)
    throw new RaptrError(
      'UNKNOWN_DISTRIBUTION',
      `no distribution named "${shownValue(dist)}"`,
      near
        ? `did you mean ${near}? (known: ${known.slice(0, 10).join(', ')})`
        : known.length
          ? `known: ${known.slice(0, 10).join(', ')}; create one with: raptr distribution add ${shownValue(dist)}`
          : `create it with: raptr distribution add ${shownValue(dist)}`,
      near ? {suggestion: near} : {},
    )
  }
  return d
}

export async function listCategoryNames(tx: ArchiveView, dist: string): Promise<string[]> {
  const out: string[] = []
  for (const name of await tx.list(`${DISTS}/${dist}`)) {
    if (!(await tx.read(`${DISTS}/${dist}/${name}/${CATEGORY_CONFIG}`))) continue
    // A category's name becomes index paths: one the grammar refuses is never used (a
    // pushed tree is checked on sync; this guards archives made before that check).
    const cat = decodeCategory(name)
    if (!isValidName(() => validateComponentName(cat)) || encodeCategory(cat) !== name) {
      throw new RaptrError('CORRUPT_ARCHIVE', `${DISTS}/${dist}/${shownValue(name)} is not a valid category`, 'remove it with git (git rm -r) and commit, or restore the archive from its remote')
    }
    out.push(cat)
  }
  return out
}

export async function requireCategory(tx: ArchiveView, dist: string, cat: string): Promise<void> {
  if ((await tx.read(categoryConfigPath(dist, cat))) === undefined) {
    throw new RaptrError('UNKNOWN_CATEGORY', `distribution "${dist}" has no category "${cat}"`, `add it with: raptr category add ${cat} --to ${dist}`)
  }
}

/** True when `check` (a name validator) accepts. */
function isValidName(check: () => unknown): boolean {
  try {
    check()
    return true
  } catch {
    return false // the validator's refusal: not a valid name
  }
}
