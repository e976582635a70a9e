import {RaptrError} from '../errors.js'
import {getField, parseStanza, valueLines} from '../core/deb822.js'
import {unsafeNameReason} from '../core/tree-paths.js'

/** What kind of package file a record describes. */
export type PackageKind = 'deb' | 'udeb' | 'ddeb' | 'dsc'

/** One file a package consists of, as it sits in the blob cache. */
export interface RecordBlob {
  name: string
  sha256: string
  size: number
}

/**
 * A package as the archive holds it: the exact index stanza raptr publishes (a
 * Packages stanza for binaries, a Sources stanza for sources) followed by raptr's own
 * fields. Links hold the stanza alone, so rendering an index is a concatenation.
 */
export interface PackageRecord {
  name: string
  version: string
  /** The architecture directory it links into: a Debian architecture, `all`, or `source`. */
  arch: string
  kind: PackageKind
  category: string
  /** The file name it was added as (the .deb, or the .dsc). */
  fileName: string
  stanza: string
  blobs: RecordBlob[]
}

const MARK = '\nRaptr-'

export function formatRecord(r: PackageRecord): string {
  return `${r.stanza}Raptr-Kind: ${r.kind}\nRaptr-Category: ${r.category}\nRaptr-File: ${r.fileName}\n`
}

/** The index stanza inside a record's text (what a link holds). */
export function stanzaOfRecord(text: string): string {
  const i = text.indexOf(MARK)
  return i < 0 ? text : text.slice(0, i + 1)
}

export function parseRecord(text: string, where: string): PackageRecord {
  const fields = parseStanza(text)
  const need = (f: string): string => {
    const v = getField(fields, f)
    if (v === undefined) throw new RaptrError('CORRUPT_ARCHIVE', `${where}: field ${f} is missing`, 'restore the file with git')
    return v
  }
  const kind = need('Raptr-Kind') as PackageKind
  const stanza = stanzaOfRecord(text)
  let blobs: RecordBlob[]
  let arch: string
  if (kind === 'dsc') {
    arch = 'source'
    blobs = valueLines(need('Checksums-Sha256')).map((l) => {
        const [sha256, size, name] = l.split(/\s+/)
      return {name, sha256, size: Number(size)}
    })
  } else {
    arch = need('Architecture')
    blobs = [{name: need('Raptr-File'), sha256: need('SHA256'), size: Number(need('Size'))}]
  }
  for (const b of blobs) checkBlob(b, where)
  return {
    name: need('Package'),
    version: need('Version'),
    arch,
    kind,
    category: need('Raptr-Category'),
    fileName: need('Raptr-File'),
    stanza,
    blobs,
  }
}

/**
 * A record's file entry is used as a blob-cache key and a pool path: a SHA256 that is
 * not 64 lowercase hex digits, a size that is not a whole number, or a file name that
 * could leave its pool directory is a corrupt record, named by its path.
 */
function checkBlob(b: RecordBlob, where: string): void {
  const bad = (what: string): never => {
    throw new RaptrError('CORRUPT_ARCHIVE', `${where}: ${what}`, 'restore the file with git (git log -- FILE), or pull a good archive from its remote')
  }
  if (!/^[0-9a-f]{64}$/.test(b.sha256 ?? '')) bad(`SHA256 ${JSON.stringify(String(b.sha256 ?? '').slice(0, 80))} is not 64 lowercase hex digits`)
  if (!Number.isSafeInteger(b.size) || b.size < 0) bad(`the size of ${JSON.stringify(String(b.name ?? '').slice(0, 80))} is not a whole number of bytes`)
  if (!b.name || unsafeNameReason(b.name)) bad(`file name ${JSON.stringify(String(b.name ?? '').slice(0, 80))} is not a plain file name`)
}

/** The sha256 that identifies the package's content (the .deb, or the .dsc). */
export function recordSha256(r: Omit<PackageRecord, 'stanza'>): string {
  if (r.kind !== 'dsc') return r.blobs[0].sha256
  const dsc = r.blobs.find((b) => b.name === r.fileName)
  return (dsc ?? r.blobs[0]).sha256
}

export function describe(r: Pick<PackageRecord, 'name' | 'version' | 'arch'>): string {
  return `${r.name} ${r.version} ${r.arch}`
}
