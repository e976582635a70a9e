import {categoryConfigPath, categoryPath, distConfigPath} from '../core/layout.js'
import {parseSection} from '../core/names.js'
import type {Archive} from '../store/archive.js'
import {DEFAULT_ARCHITECTURES, json, readDistribution} from './settings.js'

/**
 * Adds sections (`DIST/CAT`): the distribution (with default settings) and the category
 * are created where missing, in one commit; what exists already is left as it is.
 *
 * @example await addSections(archive, ['production/category1', 'staging/category1'])
 */
export async function addSections(archive: Archive, specs: string[]): Promise<{commit?: string; added: string[]; distributionsCreated: string[]; existing: string[]}> {
  const sections = specs.map((s) => parseSection(s, {requireCategory: true}) as {dist: string; cat: string})
  const {addDistribution} = await import('./distributions.js')
  // The same checks as distribution add (reserved names) before anything is written.
  for (const {dist} of sections) if (dist === 'snapshots') await addDistribution(archive, dist, {})
  const {commit, result} = await archive.transaction(async (tx) => {
    const added: string[] = []
    const created = new Set<string>()
    const existing: string[] = []
    for (const {dist, cat} of sections) {
      if (!created.has(dist) && (await readDistribution(tx, dist)) === undefined) {
        tx.write(distConfigPath(dist), json({architectures: DEFAULT_ARCHITECTURES}))
        created.add(dist)
      }
      if ((await tx.read(categoryConfigPath(dist, cat))) === undefined) {
        tx.write(categoryConfigPath(dist, cat), json({}))
        added.push(`${dist}/${cat}`)
      } else existing.push(`${dist}/${cat}`)
    }
    return {message: added.length ? `section added: ${added.join(', ')}` : '', events: [{v: 1, type: 'SectionAdded', sections: added, distributionsCreated: [...created]}], result: {added, distributionsCreated: [...created], existing}}
  })
  return {commit, ...result}
}

/**
 * Removes sections (`DIST/CAT`): the category leaves the distribution with every link in
 * it there; the distribution stays. A section that is not there is nothing to do.
 *
 * @example await removeSections(archive, ['staging/category1'])
 */
export async function removeSections(archive: Archive, specs: string[]): Promise<{commit?: string; removed: string[]; absent: string[]}> {
  const sections = specs.map((s) => parseSection(s, {requireCategory: true}) as {dist: string; cat: string})
  const {commit, result} = await archive.transaction(async (tx) => {
    const removed: string[] = []
    const absent: string[] = []
    for (const {dist, cat} of sections) {
      if ((await tx.read(categoryConfigPath(dist, cat))) === undefined) {
        absent.push(`${dist}/${cat}`)
        continue
      }
      tx.remove(categoryPath(dist, cat))
      removed.push(`${dist}/${cat}`)
    }
    return {message: removed.length ? `section removed: ${removed.join(', ')}` : '', events: [{v: 1, type: 'SectionRemoved', sections: removed}], result: {removed, absent}}
  })
  return {commit, ...result}
}
