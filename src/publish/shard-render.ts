import {getField, parseStanza} from '../core/deb822.js'
import {renderContents, type ContentsPackage} from '../core/contents.js'
import type {Archive} from '../store/archive.js'
import {shardStanzas} from '../snapshot/read.js'

// A shard as index text, read through the snapshot read model.

/** How a shard becomes text: Packages/Sources stanzas (blank-line separated, also xz), or Contents lines (gzip only). */
export interface ShardRenderer {
  /** The text of a shard (an opaque id from the read model). */
  render(shard: string): Promise<Buffer>
  /** Written between two shards' texts. */
  separator: Buffer
  xz: boolean
}

export function stanzaRenderer(archive: Archive): ShardRenderer {
  return {
    separator: NEWLINE,
    xz: true,
    async render(shard) {
      // The stanzas' bytes as stored (UTF-8, written by raptr), a blank line between two.
      const parts: Buffer[] = []
      for await (const stanza of shardStanzas(archive, shard)) {
        if (stanza.length === 0) continue
        if (parts.length > 0) parts.push(NEWLINE)
        parts.push(stanza)
      }
      return Buffer.concat(parts)
    },
  }
}

/** A shard's Contents lines, from the file lists kept with its packages (keyed by their SHA256, so a piece depends on the shard alone). */
export function contentsRenderer(archive: Archive, fileListOf: (sha256: string) => Promise<Buffer | undefined>): ShardRenderer {
  return {
    separator: EMPTY,
    xz: false,
    async render(shard) {
      const entries: ContentsPackage[] = []
      for await (const stanza of shardStanzas(archive, shard)) {
        const fields = parseStanza(stanza.toString('utf8'))
        const sha256 = getField(fields, 'SHA256')
        if (!sha256) continue
        const list = await fileListOf(sha256)
        if (!list) continue
        entries.push({name: getField(fields, 'Package') ?? '', section: getField(fields, 'Section'), files: list.toString('utf8')})
      }
      return Buffer.from(renderContents(entries), 'utf8')
    },
  }
}

const NEWLINE = Buffer.from('\n')
const EMPTY = Buffer.alloc(0)
