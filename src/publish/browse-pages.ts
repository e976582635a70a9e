/**
 * Writes the browsable pages (core/browse-page.ts) to each backend a publish touched:
 * `index.html` at the root and `dists/<dist>/index.html`. They describe what is live
 * there as the archive knows it: the distributions just published plus those it last
 * recorded for that backend. The pages are informative only, so a failure to write
 * them never fails a publish that succeeded.
 */
import fs from 'node:fs'
import path from 'node:path'
import {asRaptrError} from '../errors.js'
import {renderDistributionPage, renderRootPage, type PageDistribution, type PagePackage} from '../core/browse-page.js'
import {decodeVersion, pinnedSuite} from '../core/layout.js'
import {compareVersions} from '../core/version.js'
import {debLine, sourcesStanza} from '../core/sources-list.js'
import {clientKeyPath} from '../archive/keyring-settings.js'
import type {Backend} from '../backends/interface.js'
import {categoryLinks, distContentId, shardLinkNames} from '../snapshot/read.js'
import type {Archive} from '../store/archive.js'
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
export async function writeBrowsePages(
  archive: Archive,
  results: DistResult[],
  signer: SignerSource | undefined,
  open: (backend: string) => Promise<Backend>,
  warn: (message: string) => void = () => {},
): Promise<void> {
  // Only where this run published something: a publish with no change writes nothing.
  const published = new Set(results.filter((r) => r.action === 'published').map((r) => r.backend))
  const live = results.filter((r) => (r.action === 'published' || r.action === 'unchanged') && published.has(r.backend))
  if (live.length === 0) return
  const key = await resolveSigner(signer).catch(() => undefined)
  const current = await archive.view()
  const publications = await listPublications(current)
  const pins = await listRecordedPins(current)
  for (const name of new Set(live.map((r) => r.backend))) {
    try {
      const backend = await open(name)
      const url = backend.properties.publicUrl
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
        // The keyring file clients hold, as publish prints it: the keyring package's when the archive builds one.
        const spec = {url, suite: dist, components: categories, signedBy: key ? await clientKeyPath(view) : undefined}
        distributions.push({
          name: dist,
          snapshot,
          categories,
          architectures: settings.architectures,
          packages: await pagePackages(archive, snapshot, dist, categories),
          debLine: debLine(spec),
          stanza: sourcesStanza(spec),
          pins: pins
            .filter((p) => p.backend === name && p.distribution === dist)
            .map((p) => ({snapshot: p.snapshot, date: p.date, debLine: debLine({...spec, suite: pinnedSuite(p.pinned, dist)})})),
        })
      }
      const input = {url, key: key ? {fingerprint: key.fingerprint(), url: `${url.replace(/\/$/, '')}/raptr.asc`, path: await clientKeyPath(current)} : undefined, distributions, generated: new Date().toISOString()}
      const enc = new TextEncoder()
      for (const d of distributions) await backend.put(`dists/${d.name}/index.html`, enc.encode(renderDistributionPage(input, d)), HTML)
      await backend.put('index.html', enc.encode(renderRootPage(input)), HTML)
    } catch (error) {
      // Informative pages only: the publish itself succeeded and stands (it is recorded
      // next). The failure is said, a bug as "internal error: …" (asRaptrError).
      warn(`${name}: the browse pages were not written: ${asRaptrError(error, 'BACKEND_ERROR').message}`)
    }
  }
}

/**
 * The packages of a distribution as the pages list them (sorted by name, version,
 * architecture), from the names of its link files alone: `<cat>/<arch>[.kind]/<shard>/
 * <name>/<version>`. Each shard's names are memoized on disk by its tree id, so after a
 * few packages change only their shards are read again, not every package's record.
 */
async function pagePackages(archive: Archive, snapshot: string, dist: string, categories: string[]): Promise<PagePackage[]> {
  const content = await distContentId(archive, snapshot, dist)
  if (!content) return []
  const memo = path.join(archive.gitDir, 'raptr', 'cache', 'page-shard')
  const out: PagePackage[] = []
  for (const category of categories) {
    const links = await categoryLinks(archive, content, category)
    for (const dir of links.dirs) {
      // amd64.udeb / amd64.ddeb hold the installer and debug packages of amd64
      const architecture = dir.split('.')[0]
      for (const shard of await links.shardsOf(dir)) {
        for (const [name, version] of await shardNames(archive, memo, shard)) out.push({name, version, architecture, category})
      }
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name) || compareVersions(a.version, b.version) || a.architecture.localeCompare(b.architecture))
}

/** A shard's (name, version) pairs: memoized, else read from its trees (a lost or torn memo is read again). */
async function shardNames(archive: Archive, memo: string, oid: string): Promise<Array<[string, string]>> {
  const file = path.join(memo, oid)
  try {
    const text = fs.readFileSync(file, 'utf8')
    if (text.endsWith('\n.\n')) return text.slice(0, -2).split('\n').filter(Boolean).map((l) => l.split('\t') as [string, string])
  } catch {
    // not memoized yet
  }
  const pairs: Array<[string, string]> = []
  for (const [name, version] of await shardLinkNames(archive, oid)) pairs.push([name, decodeVersion(version)])
  await fs.promises.mkdir(memo, {recursive: true})
  const tmp = `${file}.${process.pid}.tmp`
  await fs.promises.writeFile(tmp, `${pairs.map((x) => x.join('\t')).join('\n')}\n.\n`)
  await fs.promises.rename(tmp, file)
  return pairs
}
