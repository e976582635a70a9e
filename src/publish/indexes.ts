import {createHash} from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import {RaptrError} from '../errors.js'
import {parseStanza} from '../core/deb822.js'
import {poolRefsOfStanza, type PoolRef} from '../core/pool-refs.js'
import {distPath} from '../core/layout.js'
import {listCategoryNames, readDistribution, type DistributionSettings} from '../archive/settings.js'
import {digestBuffer} from '../debian/digest.js'
import type {Archive} from '../store/archive.js'
import {diffTrees} from '../store/git-tree.js'
import {gzip, xz} from './compress.js'

/** One distribution as one snapshot has it. */
export interface DistSnapshot {
  commit: string
  dist: string
  /** The id of `dists/<dist>` in that snapshot: equal ids mean equal published content. */
  distTree: string
  settings: DistributionSettings
  categories: string[]
}

/** An index file, by its path relative to the distribution's directory. */
export interface IndexFile {
  path: string
  data: Uint8Array
  size: number
  sha256: string
}

/** A pool file a distribution references, by its key on a backend. */
export type PoolBlob = PoolRef

export async function readDistSnapshot(archive: Archive, commit: string, dist: string): Promise<DistSnapshot> {
  const view = await archive.view(commit)
  const settings = await readDistribution(view, dist)
  if (!settings) {
    throw new RaptrError('UNKNOWN_DISTRIBUTION', `snapshot ${commit.slice(0, 12)} has no distribution "${dist}"`, 'list them with: raptr distribution list')
  }
  const entry = await archive.trees.entryAt(await archive.rootTree(commit), distPath(dist))
  return {commit, dist, distTree: entry!.oid, settings, categories: await listCategoryNames(view, dist)}
}

/**
 * Renders every index of a distribution: for each category, Packages for each
 * architecture (with the `all` packages in each) and Sources, each plain, .gz and .xz.
 * A shard's text is memoized by its tree id, so after one package changes only its
 * shard is read again.
 */
export async function renderIndexes(archive: Archive, snap: DistSnapshot): Promise<IndexFile[]> {
  const renderer = new ShardRenderer(archive)
  const memo = new IndexMemo(path.join(archive.gitDir, 'raptr', 'cache', 'index'))
  const jobs: Array<Promise<IndexFile[]>> = []
  const treeOf = async (sub: string): Promise<string> => {
    const e = await archive.trees.entryAt(snap.distTree, sub)
    return e?.type === 'tree' ? e.oid : '-'
  }
  // Indexes render side by side: their compressors (xz processes, zlib's thread pool)
  // then use every core.
  for (const cat of snap.categories) {
    const all = await treeOf(`${cat}/all`)
    for (const arch of snap.settings.architectures) {
      const own = await treeOf(`${cat}/${arch}`)
      jobs.push(memo.get(`${cat}/binary-${arch}/Packages`, [own, all], async () => joinStanzas([await renderer.render(own), await renderer.render(all)])))
    }
    const source = await treeOf(`${cat}/source`)
    jobs.push(memo.get(`${cat}/source/Sources`, [source], () => renderer.render(source)))
  }
  return (await Promise.all(jobs)).flat()
}

function joinStanzas(parts: string[]): string {
  return parts.filter((p) => p.length > 0).join('\n')
}

/**
 * Finished index files (plain, .gz, .xz) on disk, keyed by the tree ids they were
 * rendered from: an index whose subtrees did not change is neither rendered nor
 * compressed again, which keeps a publish after a small change small.
 */
class IndexMemo {
  private readonly dir: string

  constructor(dir: string) {
    this.dir = dir
  }

  async get(p: string, trees: string[], render: () => Promise<string>): Promise<IndexFile[]> {
    const key = createHash('sha256').update(`v2\0${p}\0${trees.join('\0')}`).digest('hex')
    const file = path.join(this.dir, key)
    try {
      const meta = JSON.parse(await fs.promises.readFile(`${file}.json`, 'utf8')) as Array<{path: string; size: number; sha256: string}>
      const files = await Promise.all(meta.map(async (m, i) => ({...m, data: new Uint8Array(await fs.promises.readFile(`${file}.${i}`))})))
      if (files.every((f) => f.data.length === f.size)) return files
    } catch {
      // not memoized yet (or a torn write): render
    }
    const files = await variants(p, await render())
    await fs.promises.mkdir(this.dir, {recursive: true})
    await Promise.all(files.map((f, i) => fs.promises.writeFile(`${file}.${i}`, f.data)))
    // the metadata last: it is what makes the entry count
    const tmp = `${file}.json.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`
    await fs.promises.writeFile(tmp, JSON.stringify(files.map(({path: fp, size, sha256}) => ({path: fp, size, sha256}))))
    await fs.promises.rename(tmp, `${file}.json`)
    return files
  }
}

async function variants(p: string, text: string): Promise<IndexFile[]> {
  const plain = Buffer.from(text, 'utf8')
  const [gz, xzed] = await Promise.all([gzip(plain), xz(plain)])
  const files: Array<[string, Uint8Array]> = [
    [p, plain],
    [`${p}.gz`, gz],
    [`${p}.xz`, xzed],
  ]
  return files.map(([fp, data]) => {
    const d = digestBuffer(data)
    return {path: fp, data, size: d.size, sha256: d.sha256}
  })
}

/** Renders the stanzas under a tree, memoizing each shard's text by its tree id (in memory and on disk). */
class ShardRenderer {
  private readonly archive: Archive
  private readonly dir: string
  private readonly memo = new Map<string, Promise<string>>()

  constructor(archive: Archive) {
    this.archive = archive
    this.dir = path.join(archive.gitDir, 'raptr', 'cache', 'render')
  }

  async render(tree: string): Promise<string> {
    if (tree === '-') return ''
    const parts: string[] = []
    for (const shard of await this.archive.trees.readTree(tree)) {
      if (shard.type === 'tree') parts.push(await this.shard(shard.oid))
    }
    return joinStanzas(parts)
  }

  /** One render per shard even when indexes ask for it at once (the `all` shards feed every architecture). */
  private shard(oid: string): Promise<string> {
    let p = this.memo.get(oid)
    if (!p) this.memo.set(oid, (p = this.load(oid)))
    return p
  }

  private async load(oid: string): Promise<string> {
    const file = path.join(this.dir, oid)
    try {
      return await fs.promises.readFile(file, 'utf8')
    } catch {
      const stanzas: string[] = []
      for (const [, blob] of await this.archive.trees.walkFiles(oid)) {
        stanzas.push(Buffer.from(await this.archive.trees.readBlob(blob)).toString('utf8'))
      }
      const text = joinStanzas(stanzas)
      await fs.promises.mkdir(this.dir, {recursive: true})
      // The memo is a cache: a torn write is caught by the rename, a lost one is recomputed.
      const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`
      await fs.promises.writeFile(tmp, text)
      await fs.promises.rename(tmp, file)
      return text
    }
  }
}

/** The pool files one link (an index stanza as text) references. */
function blobsOfLink(text: string): PoolBlob[] {
  return poolRefsOfStanza(parseStanza(text))
}

/** Every pool file a distribution tree references (O(packages)). */
export async function blobsOfTree(archive: Archive, distTree: string): Promise<Map<string, PoolBlob>> {
  const out = new Map<string, PoolBlob>()
  for (const [p, oid] of await archive.trees.walkFiles(distTree)) {
    if (p.split('/').length < 5) continue // distribution.json, category.json
    for (const b of blobsOfLink(Buffer.from(await archive.trees.readBlob(oid)).toString('utf8'))) out.set(b.key, b)
  }
  return out
}

/**
 * The pool files `newTree` references that `oldTree` did not, found by descending only
 * into subtrees whose ids differ: O(change), not O(archive).
 */
export async function blobsAdded(archive: Archive, oldTree: string, newTree: string): Promise<Map<string, PoolBlob>> {
  const out = new Map<string, PoolBlob>()
  const removed = new Set<string>()
  for (const [p, a, b] of await diffTrees(archive.trees, oldTree, newTree)) {
    if (p.split('/').length < 5) continue
    if (a) for (const x of blobsOfLink(Buffer.from(await archive.trees.readBlob(a)).toString('utf8'))) removed.add(x.key)
    if (b) for (const x of blobsOfLink(Buffer.from(await archive.trees.readBlob(b)).toString('utf8'))) out.set(x.key, x)
  }
  // A file that moved between categories was referenced before: the backend has it.
  for (const k of removed) out.delete(k)
  return out
}
