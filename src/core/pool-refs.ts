import {getField, parseDeb822, valueLines, type Stanza} from './deb822.js'

/** A pool file an index stanza references, by its key on a backend. */
export interface PoolRef {
  key: string
  sha256: string
  size: number
}

/**
 * The pool files one Packages or Sources stanza names: `Filename` (with `Size` and
 * `SHA256`) of a binary, `Directory` + `Checksums-Sha256` of a source. The one reader
 * of this, shared by publish (what to upload), purge (what to keep) and verify.
 *
 * @example poolRefsOfStanza(parseStanza('Package: a\nFilename: pool/ab/x.deb\nSize: 3\nSHA256: ff\n'))[0].key // 'pool/ab/x.deb'
 */
export function poolRefsOfStanza(fields: Stanza): PoolRef[] {
  const filename = getField(fields, 'Filename')
  if (filename) return [{key: filename, sha256: getField(fields, 'SHA256') ?? '', size: Number(getField(fields, 'Size'))}]
  const directory = getField(fields, 'Directory')
  if (!directory) return []
  return valueLines(getField(fields, 'Checksums-Sha256') ?? '').map((line) => {
    const [sha256, size, name] = line.split(/\s+/)
    return {key: `${directory}/${name}`, sha256, size: Number(size)}
  })
}

/** The pool files a whole Packages or Sources text names. */
export function poolRefsOfIndex(text: string): PoolRef[] {
  return parseDeb822(text).flatMap(poolRefsOfStanza)
}
