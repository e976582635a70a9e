/**
 * Which fields of an upstream Release an import carries into the distribution's
 * settings, so a publish of the imported distribution at the old URL is accepted by an
 * apt that read the old repository (apt refuses a changed Origin, Label, Codename or
 * default pin unless told to allow it), and which it does not carry and why.
 */
import {RaptrError} from '../errors.js'
import {getField, type Stanza} from '../core/deb822.js'
import {releaseFieldProblem, validateSuiteName} from '../core/names.js'
import {listDistributionNames, readDistribution, type DistributionSettings} from '../archive/settings.js'
import type {ArchiveView} from '../store/archive.js'

/** A setting a Release field becomes. */
type CarriedKey = 'origin' | 'label' | 'suite' | 'codename' | 'version' | 'description' | 'notAutomatic' | 'butAutomaticUpgrades' | 'acquireByHash'

/** Release field → setting, in Release order. */
const FIELDS: Array<[string, CarriedKey]> = [
  ['Origin', 'origin'],
  ['Label', 'label'],
  ['Suite', 'suite'],
  ['Version', 'version'],
  ['Codename', 'codename'],
  ['NotAutomatic', 'notAutomatic'],
  ['ButAutomaticUpgrades', 'butAutomaticUpgrades'],
  ['Description', 'description'],
  ['Acquire-By-Hash', 'acquireByHash'],
]

/** Why raptr does not carry the Release fields it knows. */
const NOT_CARRIED: Record<string, string> = {
  Date: 'raptr writes the time of each publish',
  'Valid-Until': 'raptr writes its own from the distribution\'s valid-for setting (raptr distribution set DIST --valid-for 7d)',
  'Signed-By': 'raptr writes the fingerprints of the keys that sign its Release',
  Changelogs: 'raptr does not publish changelogs',
  'No-Support-for-Architecture-all': 'raptr lists Architecture: all packages in every architecture\'s Packages',
}

/** Fields that are the Release's index, recomputed at every publish: neither carried nor reported. */
const RECOMPUTED = new Set(['MD5Sum', 'SHA1', 'SHA256', 'SHA512', 'Components', 'Architectures'])

export interface CarriedField {
  field: string
  value: string
}

export interface NotCarriedField {
  field: string
  value: string
  reason: string
}

export interface DifferingField {
  field: string
  /** What the distribution says now (its effective value). */
  ours: string
  theirs: string
}

/** What an import did with the upstream Release's fields. */
export interface CarryReport {
  carried: CarriedField[]
  notCarried: NotCarriedField[]
  /** Fields of an existing distribution that differ from the upstream's and were kept (without --carry-fields). */
  differing: DifferingField[]
}

/** The settings a Release's fields become, each checked; a value raptr cannot publish is not carried, with the reason. */
export function carryFromRelease(fields: Stanza): {settings: Partial<Pick<DistributionSettings, CarriedKey>>; notCarried: NotCarriedField[]; order: string[]} {
  const settings: Partial<Record<CarriedKey, string | boolean>> = {}
  const notCarried: NotCarriedField[] = []
  for (const [field, key] of FIELDS) {
    const value = getField(fields, field)
    if (value === undefined) continue
    if (key === 'notAutomatic' || key === 'butAutomaticUpgrades') settings[key] = value === 'yes'
    else if (key === 'acquireByHash') settings[key] = value === 'yes'
    else {
      const problem = key === 'suite' || key === 'codename' ? suiteProblem(value) : releaseFieldProblem(field as 'Origin', value)
      if (problem) notCarried.push({field, value, reason: problem})
      else settings[key] = value
    }
  }
  // By-hash indexes make each publish atomic for clients; apt accepts a Release that starts saying so.
  if (settings.acquireByHash !== true) {
    delete settings.acquireByHash
    notCarried.push({field: 'Acquire-By-Hash', value: getField(fields, 'Acquire-By-Hash') ?? '', reason: 'raptr keeps Acquire-By-Hash: yes, which apt accepts and which makes each publish atomic for clients (raptr distribution set DIST --no-acquire-by-hash turns it off)'})
  }
  for (const [field, value] of fields) {
    if (RECOMPUTED.has(field) || FIELDS.some(([f]) => f === field)) continue
    notCarried.push({field, value: value.split('\n')[0], reason: NOT_CARRIED[field] ?? 'raptr does not publish this field'})
  }
  return {settings: settings as Partial<Pick<DistributionSettings, CarriedKey>>, notCarried, order: fields.map(([k]) => k)}
}

/**
 * The settings `dist` gets from an import (inside the import's transaction): a new
 * distribution takes every carried field; an existing one keeps its own values where
 * they differ (reported), unless `overwrite` (--carry-fields). A Suite or Codename that
 * is another distribution's name (or already published as one) is not carried.
 */
export async function carryInto(
  view: ArchiveView,
  dist: string,
  existing: DistributionSettings | undefined,
  carry: ReturnType<typeof carryFromRelease>,
  overwrite: boolean,
): Promise<{settings: Partial<DistributionSettings>; report: CarryReport}> {
  const report: CarryReport = {carried: [], notCarried: [...carry.notCarried], differing: []}
  const others = (await listDistributionNames(view)).filter((d) => d !== dist)
  const claimed = new Map<string, string>()
  for (const d of others) {
    claimed.set(d, d)
    const o = await readDistribution(view, d)
    for (const v of [o?.suite, o?.codename]) if (v && v !== d) claimed.set(v, d)
  }
  if (!existing && claimed.has(dist)) {
    throw new RaptrError('CONFLICT', `distribution "${claimed.get(dist)}" is published as "${dist}" too (its Suite or Codename)`, `import into another distribution (--to), or change it with: raptr distribution set ${claimed.get(dist)} --suite …`)
  }
  const out: Partial<Record<CarriedKey, string | boolean>> = {}
  for (const [field, key] of FIELDS) {
    const theirs = carry.settings[key]
    if (theirs === undefined) continue
    // apt expects the Release under dists/NAME to say NAME as its Suite or Codename.
    if ((key === 'suite' || key === 'codename') && carry.settings.suite !== dist && carry.settings.codename !== dist) {
      report.notCarried.push({field, value: String(theirs), reason: `the Release published as ${dist} must name ${dist} as its Suite or Codename (import with --to ${carry.settings.codename ?? carry.settings.suite} to publish where the old clients read)`})
      continue
    }
    if ((key === 'suite' || key === 'codename') && theirs !== dist && claimed.has(theirs as string)) {
      report.notCarried.push({field, value: String(theirs), reason: `"${String(theirs)}" is already published by distribution "${claimed.get(theirs as string)}"`})
      continue
    }
    const ours = existing ? effective(existing, dist, key) : undefined
    if (existing && ours !== theirs && !overwrite) {
      report.differing.push({field, ours: shown(ours), theirs: shown(theirs)})
      continue
    }
    report.carried.push({field, value: shown(theirs)})
    // The distribution's own name needs no setting; a default needs none either.
    if ((key === 'suite' || key === 'codename') && theirs === dist) continue
    out[key] = theirs
  }
  // In the upstream Release's order (a field it does not have last), as a reader compares them.
  const rank = (f: string): number => (carry.order.includes(f) ? carry.order.indexOf(f) : carry.order.length)
  report.notCarried.sort((a, b) => rank(a.field) - rank(b.field))
  return {settings: out as Partial<DistributionSettings>, report}
}

/** What a setting means when it is not set: Suite and Codename are the name, booleans off, Acquire-By-Hash on. */
function effective(s: DistributionSettings, dist: string, key: CarriedKey): string | boolean | undefined {
  if (key === 'suite' || key === 'codename') return s[key] ?? dist
  if (key === 'notAutomatic' || key === 'butAutomaticUpgrades') return s[key] ?? false
  if (key === 'acquireByHash') return s[key] ?? true
  return s[key]
}

/** Why a Suite or Codename cannot name a published directory, or undefined when it can. */
function suiteProblem(value: string): string | undefined {
  if (value === 'snapshots') return 'raptr publishes pinned snapshots under dists/snapshots/'
  try {
    validateSuiteName(value)
    return undefined
  } catch (error) {
    if (error instanceof RaptrError) return error.message
    throw error
  }
}

function shown(v: string | boolean | undefined): string {
  return v === undefined ? '' : v === true ? 'yes' : v === false ? 'no' : v
}
