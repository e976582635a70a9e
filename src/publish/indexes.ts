import fs from 'node:fs'
import path from 'node:path'
import {mark} from '../core/timing.js'
import type {DistSnapshot} from '../snapshot/read.js'
import {categoryLinks, fileLists} from '../snapshot/read.js'
import type {Archive} from '../store/archive.js'
import {categoryIndexSpecs, type IndexSpec} from './index-specs.js'
import {writeContents, writeVariants, type IndexFile} from './index-writer.js'
import {PieceStore} from './piece-store.js'
import {indexFilePath, indexScratchDir} from './scratch.js'
import {contentsRenderer, stanzaRenderer} from './shard-render.js'

/**
 * A distribution's indexes, by job: what a snapshot holds comes from the read model
 * (snapshot/), which indexes and from which link directories from index-specs, each
 * shard's text from shard-render, the memoized compressed pieces from piece-store (their
 * formats: pieces), the files with their hashes from index-writer (Contents sorted and
 * chunked in contents-chunks), and the directory they are written to from scratch.
 */

export {categoryIndexSpecs} from './index-specs.js'
export type {IndexFile} from './index-writer.js'
export {indexFilePath, indexScratchDir, indexTextStream} from './scratch.js'
export type {PoolBlob} from '../snapshot/changes.js'
export type {DistSnapshot} from '../snapshot/read.js'

/**
 * Writes every index of a distribution (see {@link categoryIndexSpecs}) into `dir`, each
 * file at its path there (`main/binary-amd64/Packages.xz`): Packages and Sources .gz and
 * .xz; Contents .gz; and the plain files only when the distribution's plainIndexes says so
 * (otherwise they are hashed but not written: `unwritten`). Returns every file's size and
 * hash, plain ones included, in Release order.
 *
 * An index is the concatenation of its shards' stanzas, and each shard is one piece,
 * compressed on its own and memoized by its id (see piece-store.ts): after a few
 * packages change, only their shards are read and compressed again, however large the
 * index. Contents pieces are each sorted by path; a path in two shards has two lines
 * (apt-file reads every line).
 *
 * One index at a time, its pieces in order, each written out as it comes and let go:
 * memory holds a run of pieces being made, never a whole index or a distribution's.
 */
export async function writeIndexes(archive: Archive, snap: DistSnapshot, dir: string): Promise<IndexFile[]> {
  const lists = await fileLists(archive, snap.commit)
  const stores = {index: new PieceStore(archive, 'piece', stanzaRenderer(archive)), contents: new PieceStore(archive, 'contents-piece', contentsRenderer(archive, lists))}
  const specs: Array<IndexSpec & {shards: Promise<string[]>}> = []
  for (const cat of snap.categories) {
    const links = await categoryLinks(archive, snap.distTree, cat)
    for (const spec of categoryIndexSpecs(cat, snap.settings.architectures, links.dirs, snap.settings)) {
      specs.push({...spec, shards: Promise.all(spec.dirs.map(links.shardsOf)).then((x) => x.flat())})
    }
  }
  await Promise.all(specs.map((s) => s.shards))
  mark(`indexes ${snap.dist}: shards listed`)
  const chunkDir = path.join(archive.gitDir, 'raptr', 'cache', 'contents-chunk')
  const plain = snap.settings.plainIndexes === true
  const out: IndexFile[] = []
  for (const s of specs) {
    // A piece is a shard and the shard before it: every shard but an index's first follows
    // a blank line, and its deflate stream may refer back to the text before it.
    const ids = (await s.shards).map((oid, i, all) => ({oid, prev: i > 0 ? all[i - 1] : undefined}))
    out.push(...(s.kind === 'contents' ? await writeContents(dir, s.path, stores.contents, ids, chunkDir, plain) : await writeVariants(dir, s.path, stores.index, ids, plain)))
    mark(`indexes ${snap.dist}: ${s.path} written`)
  }
  return out
}

/**
 * Every written index of a distribution with its bytes in memory (verify's repair), by way of
 * {@link writeIndexes} and a temporary directory.
 */
export async function renderIndexes(archive: Archive, snap: DistSnapshot): Promise<Array<IndexFile & {data: Buffer}>> {
  const dir = await indexScratchDir(archive)
  try {
    const files = (await writeIndexes(archive, snap, dir)).filter((f) => !f.unwritten)
    return await Promise.all(files.map(async (f) => ({...f, data: await fs.promises.readFile(indexFilePath(dir, f))})))
  } finally {
    await fs.promises.rm(dir, {recursive: true, force: true})
  }
}
