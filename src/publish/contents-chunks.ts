import {createHash} from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import {renderContents} from '../core/contents.js'
import {mark} from '../core/timing.js'
import {deflatePiece} from './pieces.js'

// Contents across shards: sorted by path, then cut into chunks at content-defined
// boundaries, each chunk's deflate stream memoized on disk by its text.

/**
 * One Contents index from its shards' texts (each sorted by path): every line sorted by
 * path, a path shipped from several shards on one line (renderContents), then cut into
 * chunks where a line's path hashes to a multiple of {@link CHUNK_EVERY}: a boundary
 * depends on that line alone, so after a small change every chunk but the changed
 * one (and the one after it) is the same text as before.
 */
export function contentsChunks(shards: Buffer[]): Buffer[] {
  // [path, line]: `path<spaces>section/name,…`, whose list has no spaces (a path may).
  const lines: Array<[string, string]> = []
  for (const shard of shards) {
    for (const line of shard.toString('utf8').split('\n')) if (line !== '') lines.push([line.slice(0, line.lastIndexOf(' ')).trimEnd(), line])
  }
  lines.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
  const merged: string[] = []
  for (let i = 0; i < lines.length; i++) {
    let j = i
    while (j + 1 < lines.length && lines[j + 1][0] === lines[i][0]) j++
    if (j === i) merged.push(`${lines[i][1]}\n`)
    else {
      // A path shipped from several shards: one line naming every package.
      const names = lines.slice(i, j + 1).flatMap(([, l]) => l.slice(l.lastIndexOf(' ') + 1).split(','))
      merged.push(renderContents(names.map((name) => ({name, files: `${lines[i][0]}\n`}))))
      i = j
    }
  }
  const text = merged.join('')
  const chunks: Buffer[] = []
  let start = 0
  for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', end + 1)) {
    if (fnv1a(text, start === 0 ? 0 : start, end) % CHUNK_EVERY !== 0 && end + 1 < text.length) continue
    chunks.push(Buffer.from(text.slice(start, end + 1), 'utf8'))
    start = end + 1
  }
  return chunks
}

/** On average one Contents line in this many ends a chunk (a chunk: some KiB). */
const CHUNK_EVERY = 128

/** FNV-1a over the characters of text[from, to): a cheap, stable hash for chunk boundaries. */
function fnv1a(text: string, from: number, to: number): number {
  let h = 0x811c9dc5
  for (let i = to - 1; i >= from && text.charCodeAt(i) !== 0x0a; i--) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h
}

/**
 * The chunks' raw deflate streams (each primed with the chunk before it), memoized on
 * disk by the two chunks' SHA-256: only new chunks are compressed.
 */
export function deflateChunks(dir: string, chunks: Buffer[]): Buffer[] {
  const ids = chunks.map((c) => createHash('sha256').update(c).digest('hex').slice(0, 32))
  let made = 0
  const out = chunks.map((chunk, i) => {
    const file = path.join(dir, i > 0 ? `${ids[i]}.${ids[i - 1]}` : ids[i])
    try {
      return fs.readFileSync(file)
    } catch {
      made++
      const deflated = deflatePiece(chunk, i > 0 ? chunks[i - 1] : undefined)
      // A cache: a torn write is caught by the rename, a lost one is compressed again.
      fs.mkdirSync(dir, {recursive: true})
      const tmp = `${file}.${process.pid}.tmp`
      fs.writeFileSync(tmp, deflated)
      fs.renameSync(tmp, file)
      return deflated
    }
  })
  mark(`contents chunks: ${chunks.length - made} memoized, ${made} compressed`)
  return out
}

