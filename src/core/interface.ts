/**
 * Types shared across raptr's layers. Types only: no code, no imports of I/O.
 */

/** Size and the four digests apt's indexes carry, all computed in one pass. */
export interface Digests {
  size: number
  md5: string
  sha1: string
  sha256: string
  sha512: string
}

/** What reading a binary package file yields. */
export interface DebInfo {
  /** 'deb' | 'udeb' | 'ddeb', from the file name. */
  kind: 'deb' | 'udeb' | 'ddeb'
  /** The file's base name as given (e.g. hello_2.10-3_amd64.deb). */
  fileName: string
  /** The control file's fields, in the order the control file has them. */
  control: Array<[string, string]>
  digests: Digests
  /** The paths its data.tar ships, one a line (for Contents); absent when not read. */
  files?: string
}

/** One file a .dsc lists (Files / Checksums-*), after it was found and verified. */
export interface DscFile {
  name: string
  /** Absolute path of the verified file on disk. */
  path: string
  digests: Digests
}

/** What reading a source package (.dsc plus the files it lists) yields. */
export interface DscInfo {
  fileName: string
  /** Absolute path of the .dsc. */
  path: string
  /** The .dsc's fields (signature stripped), in file order. */
  control: Array<[string, string]>
  digests: Digests
  /** The listed files (not including the .dsc itself), verified. */
  files: DscFile[]
}
