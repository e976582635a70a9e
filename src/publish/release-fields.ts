import {durationMs, type ReleaseEntry, type ReleaseInput} from '../core/release.js'
import type {DistributionSettings} from '../archive/settings.js'

/**
 * The Release of a distribution as its settings say: Suite and Codename (default the
 * distribution's name), Version, NotAutomatic, ButAutomaticUpgrades, Acquire-By-Hash, and Valid-Until on
 * the live Release only. A pinned Release (`suite` given) is valid forever and keeps the
 * Codename. `snapshots` (apt's `Snapshots:` template) goes on the live Release only. Pure.
 *
 * @example renderRelease(releaseInputFor(settings, 'production', {date, categories, entries}))
 */
export function releaseInputFor(
  settings: DistributionSettings,
  dist: string,
  opts: {date: Date; categories: string[]; entries: ReleaseEntry[]; pinnedSuite?: string; snapshots?: string},
): ReleaseInput {
  const validFor = settings.validFor && !opts.pinnedSuite ? durationMs(settings.validFor) : undefined
  return {
    origin: settings.origin,
    label: settings.label,
    description: settings.description,
    suite: opts.pinnedSuite ?? settings.suite ?? dist,
    codename: settings.codename ?? dist,
    version: settings.version,
    date: opts.date,
    validUntil: validFor === undefined ? undefined : new Date(opts.date.getTime() + validFor),
    notAutomatic: settings.notAutomatic,
    butAutomaticUpgrades: settings.butAutomaticUpgrades,
    acquireByHash: settings.acquireByHash,
    architectures: settings.architectures,
    components: opts.categories,
    entries: opts.entries,
    snapshots: opts.pinnedSuite ? undefined : opts.snapshots,
  }
}
