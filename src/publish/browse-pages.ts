/**
 * Writes the browsable pages (core/browse-page.ts) to each backend a publish touched:
 * `index.html` at the root and `dists/<dist>/index.html`. They describe what is live
 * there as the archive knows it: the distributions just published plus those it last
 * recorded for that backend. The pages are informative only, so a failure to write
 * them never fails a publish that succeeded.
 */
import {renderDistributionPage, renderRootPage, type PageDistribution} from '../core/browse-page.js'
import {pinnedSuite} from '../core/layout.js'
import {DEFAULT_KEY_PATH, debLine, sourcesStanza} from '../core/sources-list.js'
import type {Backend} from '../backends/interface.js'
import type {Archive} from '../store/archive.js'
import {listPackages} from '../archive/packages.js'
import {listRecordedPins} from '../archive/pins.js'
import {listPublications} from '../archive/publications.js'
import {listCategoryNames, readDistribution} from '../archive/settings.js'
import {resolveSigner, type SignerSource} from '../remote/pointer.js'
import type {DistResult} from './publish.js'

const HTML = {contentType: 'text/html; charset=utf-8'}

/**
 * Renders and writes the pages for every backend in `results` that is live.
 *
 * @example await writeBrowsePages(archive, res.results, signer, (name) => openNamedBackend(name))
 */
export async function writeBrowsePages(archive: Archive, results: DistResult[], signer: SignerSource | undefined, open: (backend: string) => Promise<Backend>): Promise<void> {
  // Only where this run published something: a publish with no change writes nothing.
  const published = new Set(results.filter((r) => r.action === 'published').map((r) => r.backend))
  const live = results.filter((r) => (r.action === 'published' || r.action === 'unchanged') && published.has(r.backend))
  const key = await resolveSigner(signer).catch(() => undefined)
  const current = await archive.view()
  const publications = await listPublications(current)
  const pins = await listRecordedPins(current)
  for (const name of new Set(live.map((r) => r.backend))) {
    try {
      const backend = await open(name)
      const url = backend.properties.publicUrl
      const signedBy = key ? DEFAULT_KEY_PATH : undefined
      // What the archive last recorded for this backend, then what this run made live.
      const snapshots = new Map<string, string>()
      for (const p of publications) if (p.backend === name) snapshots.set(p.distribution, p.snapshot)
      for (const r of live) if (r.backend === name) snapshots.set(r.distribution, r.snapshot)
      const distributions: PageDistribution[] = []
      for (const [dist, snapshot] of [...snapshots].sort(([a], [b]) => a.localeCompare(b))) {
        const view = await archive.view(snapshot)
        const settings = await readDistribution(view, dist)
        if (!settings) continue
        const categories = await listCategoryNames(view, dist)
        const spec = {url, suite: dist, components: categories, signedBy}
        distributions.push({
          name: dist,
          snapshot,
          categories,
          architectures: settings.architectures,
          packages: (await listPackages(view, {distribution: dist})).map((p) => ({name: p.name, version: p.version, architecture: p.architecture, category: p.category})),
          debLine: debLine(spec),
          stanza: sourcesStanza(spec),
          pins: pins
            .filter((p) => p.backend === name && p.distribution === dist)
            .map((p) => ({snapshot: p.snapshot, date: p.date, debLine: debLine({...spec, suite: pinnedSuite(p.pinned, dist)})})),
        })
      }
      const input = {url, key: key ? {fingerprint: key.fingerprint(), url: `${url.replace(/\/$/, '')}/raptr.asc`} : undefined, distributions, generated: new Date().toISOString()}
      const enc = new TextEncoder()
      for (const d of distributions) await backend.put(`dists/${d.name}/index.html`, enc.encode(renderDistributionPage(input, d)), HTML)
      await backend.put('index.html', enc.encode(renderRootPage(input)), HTML)
    } catch {
      // Informative pages only: the publish itself succeeded and said so.
    }
  }
}
