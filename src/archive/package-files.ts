/**
 * The package files a user names: expanding directories and .changes files into .deb,
 * .udeb, .ddeb and .dsc files, and reading one into the record the archive keeps.
 */
import fs from 'node:fs'
import path from 'node:path'
import {RaptrError} from '../errors.js'
import {cidFromSha256} from '../core/cid.js'
import {getField, renderStanza} from '../core/deb822.js'
import {packagesStanza, sourcesStanza} from '../core/index-stanza.js'
import {poolDirForSource, poolKeyForBinary} from '../core/layout.js'
import {validatePackageName} from '../core/names.js'
import {readDeb} from '../debian/deb.js'
import {readDsc} from '../debian/dsc.js'
import type {DebInfo} from '../core/interface.js'
import {debugHooks} from '../core/debug.js'
import type {BlobFile} from '../store/blob-cache.js'
import type {BlobIntake} from '../store/blob-intake.js'
import {recordSha256, type PackageRecord} from './records.js'

const BINARY_EXT = ['.deb', '.udeb', '.ddeb']

/** A package file read from disk, ready to enter the archive. */
export interface IncomingPackage {
  record: PackageRecord
  /** Every file to store in the blob cache: [path on disk, sha256, its copy in the intake]. */
  files: BlobFile[]
  /** A binary's file list, kept in the archive for Contents. */
  contents?: string
}

export interface PackageSummary {
  name: string
  version: string
  architecture: string
  kind: string
  category: string
  sha256: string
  cid: string
}

/** Expands files and directories into the package files they hold (.deb, .udeb, .ddeb, .dsc), sorted. */
export async function findPackageFiles(inputs: string[]): Promise<string[]> {
  const out: string[] = []
  for (const input of inputs) {
    let st: fs.Stats
    try {
      st = await fs.promises.stat(input)
    } catch {
      throw new RaptrError('NOT_FOUND', `no such file or directory: ${input}`, 'check the path')
    }
    if (st.isDirectory()) {
      const entries = await fs.promises.readdir(input, {recursive: true, withFileTypes: true})
      const found = entries
        .filter((e) => e.isFile() && isPackageFile(e.name))
        .map((e) => path.join(e.parentPath, e.name))
      out.push(...found.sort())
    } else if (!st.isFile()) {
      // A FIFO, socket or device would hang the read or never end: refused before any is read.
      throw new RaptrError('NOT_A_FILE', `${input} is not a regular file or directory`, 'give package files (or directories holding them), not a FIFO, socket or device')
    } else if (isPackageFile(input) || input.endsWith('.changes')) {
      // A .changes is named, never found in a directory: it stands for the files it lists.
      out.push(input)
    } else {
      throw new RaptrError('BAD_ARGUMENT', `not a package file: ${input}`, 'raptr adds .deb, .udeb, .ddeb, .dsc and .changes files (or directories holding packages)')
    }
  }
  return [...new Set(out.map((p) => path.resolve(p)))]
}

/**
 * Replaces each .changes by the package files it lists (.deb, .udeb, .ddeb, .dsc; a
 * .dsc brings its own files), after checking every listed file's size and hashes and,
 * with a keyring, its signature. Other files (.buildinfo) are checked, not added.
 */
export async function expandChanges(files: string[], keyring: string | undefined): Promise<string[]> {
  if (keyring) {
    const unsigned = files.find((f) => !f.endsWith('.changes'))
    if (unsigned) throw new RaptrError('BAD_SIGNATURE', `${path.basename(unsigned)} is not a .changes: with --keyring only signed uploads are added`, 'add the upload\'s .changes, or leave out --keyring')
  }
  if (!files.some((f) => f.endsWith('.changes'))) return files
  const {readChanges} = await import('../debian/changes.js')
  const out: string[] = []
  for (const f of files) {
    if (!f.endsWith('.changes')) out.push(f)
    else out.push(...(await readChanges(f, {keyring})).files.filter(isPackageFile))
  }
  return [...new Set(out)]
}

/** The Version of the first .changes among `inputs` (a bundle of an upload takes its version), or undefined. */
export async function changesVersion(inputs: string[]): Promise<string | undefined> {
  const file = inputs.find((f) => f.endsWith('.changes'))
  if (!file) return undefined
  const {readChanges} = await import('../debian/changes.js')
  return (await readChanges(file)).version
}

function isPackageFile(name: string): boolean {
  return name.endsWith('.dsc') || BINARY_EXT.some((e) => name.endsWith(e))
}

/** Reads a binary package (readDeb or a worker's), writing its bytes to `copyTo` as it reads them. */
export type ReadBinary = (file: string, copyTo?: string) => Promise<DebInfo>

/**
 * Reads one package file into a record for `category`, validating it completely. With an
 * intake, a binary's bytes are written into it as they are read (one pass for digests,
 * file list and the blob cache's copy); a file already in the intake (an import's
 * download) is its own copy. A .dsc and its files are copied by the blob cache later.
 */
export async function readPackageFile(file: string, category: string, read: ReadBinary = (f, copyTo) => readDeb(f, {copyTo}), intake?: BlobIntake): Promise<IncomingPackage> {
  const inc = await readIncoming(file, category, read, intake)
  if (KILL_AFTER_READ && ++readCount === KILL_AFTER_READ) process.kill(process.pid, 'SIGKILL')
  return inc
}

/** Crash tests: SIGKILL once this many package files are read (RAPTR_DEBUG_KILL_AFTER_READ). */
const KILL_AFTER_READ = debugHooks().killAfterRead
let readCount = 0

async function readIncoming(file: string, category: string, read: ReadBinary, intake: BlobIntake | undefined): Promise<IncomingPackage> {
  const own = (p: string): string | undefined => (intake?.owns(p) ? p : undefined)
  if (file.endsWith('.dsc')) {
    const dsc = await readDsc(file)
    const sha = dsc.digests.sha256
    const stanza = renderStanza(sourcesStanza(dsc, poolDirForSource(sha)))
    const name = field(dsc.control, 'Source')
    validatePackageName(name)
    return {
      record: {
        name,
        version: field(dsc.control, 'Version'),
        arch: 'source',
        kind: 'dsc',
        category,
        fileName: dsc.fileName,
        stanza,
        blobs: [
          {name: dsc.fileName, sha256: sha, size: dsc.digests.size},
          ...dsc.files.map((f) => ({name: f.name, sha256: f.digests.sha256, size: f.digests.size})),
        ],
      },
      files: [[dsc.path, sha, own(dsc.path)], ...dsc.files.map((f): BlobFile => [f.path, f.digests.sha256, own(f.path)])],
    }
  }
  const input = path.resolve(file)
  const copy = intake && !intake.owns(input) ? intake.tempPath() : undefined
  const deb = await read(file, copy)
  const stanza = renderStanza(packagesStanza(deb, poolKeyForBinary(deb.digests.sha256, deb.kind)))
  return {
    record: {
      name: field(deb.control, 'Package'),
      version: field(deb.control, 'Version'),
      arch: field(deb.control, 'Architecture'),
      kind: deb.kind,
      category,
      fileName: deb.fileName,
      stanza,
      blobs: [{name: deb.fileName, sha256: deb.digests.sha256, size: deb.digests.size}],
    },
    files: [[input, deb.digests.sha256, copy ?? own(input)]],
    contents: deb.files,
  }
}

function field(control: Array<[string, string]>, name: string): string {
  return getField(control, name)?.trim() ?? ''
}

export function summary(r: Omit<PackageRecord, 'stanza'>): PackageSummary {
  const sha256 = recordSha256(r)
  return {name: r.name, version: r.version, architecture: r.arch, kind: r.kind, category: r.category, sha256, cid: cidFromSha256(sha256)}
}
