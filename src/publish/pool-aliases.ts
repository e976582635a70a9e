import path from 'node:path'
import {getField, parseStanza} from '../core/deb822.js'
import type {Backend} from '../backends/interface.js'
import {indexTextStream, type IndexFile} from './indexes.js'

/**
 * Stable download paths (a distribution's `--pool-aliases`): beside the hash-named pool,
 * each binary package is also published at the path Debian's own archive would give it,
 * `pool/<category>/<h>/<hello>/<hello>_<version>_<arch>.deb` (no epoch; `lib` names
 * under `libh/`), so URLs that scripts hard-coded before adopting raptr keep working.
 * apt never reads them (its indexes name the hash paths). A directory backend makes each
 * a symbolic link to the hash-named file; a backend without links gets a server-side
 * copy. Every alias path lies under `pool/<category>/`, which no hash-named key can
 * reach (those are `pool/<2 hex>/<cid>…`), unless a category is named like two hex
 * digits: then the alias dir is a letter and never a CID.
 */

/** One alias: the conventional key and the hash-named key it serves. */
export interface PoolAlias {
  key: string
  target: string
}

/** Debian's pool directory letter(s) of a source or binary name: `h`, or `libh` for `libhello`. */
export function poolLetter(name: string): string {
  return name.startsWith('lib') && name.length > 3 ? name.slice(0, 4) : name.slice(0, 1)
}

/**
 * The conventional path of a binary package in `category`. The name, version and
 * architecture come from raptr's own index (names checked when the package was added).
 *
 * @example aliasKey('main', 'hello', '1:2.10-3', 'amd64', 'deb') // 'pool/main/h/hello/hello_2.10-3_amd64.deb'
 */
export function aliasKey(category: string, name: string, version: string, arch: string, ext: string): string {
  const noEpoch = version.replace(/^\d+:/, '')
  return `pool/${category}/${poolLetter(name)}/${name}/${name}_${noEpoch}_${arch}.${ext}`
}

/**
 * The category of a Packages file from its path in the distribution's directory
 * (`updates/main/binary-amd64/Packages`, `main/debian-installer/binary-amd64/Packages`,
 * `main/debug/binary-amd64/Packages`), or undefined for any other index.
 */
export function categoryOfPackagesIndex(indexPath: string): string | undefined {
  return /^(.+?)\/(?:debian-installer\/|debug\/)?binary-[^/]+\/Packages$/.exec(indexPath)?.[1]
}

/** The alias → hash-named key pairs one Packages text's stanzas give, for its category. */
export function aliasesOfPackages(category: string, text: string): Array<[string, string]> {
  const out: Array<[string, string]> = []
  for (const stanza of text.split(/\n\n+/)) {
    if (!stanza.trim()) continue
    const fields = parseStanza(`${stanza}\n`)
    const [name, version, arch, filename] = ['Package', 'Version', 'Architecture', 'Filename'].map((k) => getField(fields, k))
    const ext = /\.(deb|udeb|ddeb)$/.exec(filename ?? '')?.[1]
    if (name && version && arch && filename && ext) out.push([aliasKey(category, name, version, arch, ext), filename])
  }
  return out
}

/**
 * The aliases of a distribution, read from the Packages files a publish rendered (`dir`
 * holds them at their paths), a run of stanzas at a time. When two packages claim one
 * alias path (the same name, version and architecture with different bytes: an archive
 * holds one package per name, version and architecture and the path names the category,
 * so only two archives publishing to one backend can), the smaller hash-named key
 * wins, so the answer does not depend on which was published first.
 */
export async function aliasesOfIndexes(dir: string, files: IndexFile[]): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  for (const f of files) {
    const category = categoryOfPackagesIndex(f.path)
    if (!category) continue
    for await (const text of stanzasOf(indexTextStream(dir, f))) {
      for (const [key, filename] of aliasesOfPackages(category, text)) {
        const had = out.get(key)
        if (had === undefined || filename < had) out.set(key, filename)
      }
    }
  }
  return out
}

/** An index file as runs of whole stanzas (a stanza ends at a blank line): never the whole file in memory. */
async function* stanzasOf(runs: AsyncIterable<unknown>): AsyncGenerator<string> {
  let rest = ''
  const utf8 = new TextDecoder()
  for await (const chunk of runs) {
    const text = rest + utf8.decode(chunk as Buffer, {stream: true})
    const end = text.lastIndexOf('\n\n')
    if (end === -1) {
      rest = text
      continue
    }
    yield text.slice(0, end + 2)
    rest = text.slice(end + 2)
  }
  rest += utf8.decode()
  if (rest.trim()) yield rest
}

/**
 * Publishes aliases on `backend`: links on a directory, copies elsewhere. An alias
 * already serving the same target is left alone; one serving another target moves only
 * when the new target is the smaller key (see aliasesOfIndexes). Returns how many were
 * written and the paths two packages claimed.
 */
export async function writePoolAliases(backend: Backend, aliases: Map<string, string>): Promise<{written: number; contested: string[]}> {
  const existing = new Map((await listPoolAliases(backend)).map((a) => [a.key, a.target]))
  let written = 0
  const contested: string[] = []
  for (const [key, target] of [...aliases].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const had = existing.get(key)
    if (had === target) continue
    if (had !== undefined && (await backend.stat(had))) {
      contested.push(key)
      if (had < target) continue
    }
    if (backend.links) await backend.links.set(key, path.posix.relative(path.posix.dirname(key), target))
    else if (!(await backend.stat(key))) await backend.copy(target, key, {immutable: true, contentType: 'application/vnd.debian.binary-package'})
    else continue
    written++
  }
  return {written, contested}
}

/**
 * The aliases on a directory backend, each with the key it serves (resolved). A backend
 * without links holds copies, which are ordinary pool objects: none are listed here.
 */
export async function listPoolAliases(backend: Backend): Promise<PoolAlias[]> {
  const out: PoolAlias[] = []
  if (!backend.links) return out
  for await (const l of backend.links.list('pool/')) {
    out.push({key: l.key, target: path.posix.normalize(path.posix.join(path.posix.dirname(l.key), l.target))})
  }
  return out
}

/**
 * After a publish of a distribution with `--pool-aliases`: its aliases, from the indexes
 * this publish rendered. A failure does not undo the publish (it is live): it is told as
 * a warning, and the next publish of a change writes them again.
 */
export async function poolAliasesAfter(backend: Backend, where: string, rendered: {dir: string; files: IndexFile[]}, warn?: (message: string) => void): Promise<void> {
  try {
    const {contested} = await writePoolAliases(backend, await aliasesOfIndexes(rendered.dir, rendered.files))
    for (const key of contested.slice(0, 5)) warn?.(`${where}: two packages with different bytes claim ${key}; it serves the one whose hash-named key sorts first`)
  } catch (error) {
    warn?.(`${where}: pool aliases not written (${error instanceof Error ? error.message : String(error)}); publish again to write them`)
  }
}
