/**
 * Contents indices (`COMPONENT/Contents-ARCH.gz`): which package ships which file, in
 * Debian's format, one line per path: the path (no leading `./`), spaces, then the
 * comma-separated `section/package` entries that ship it. Pure.
 */

/** One package's part of a Contents index. */
export interface ContentsPackage {
  name: string
  /** The package's Section; Debian writes the section before the name (`utils/hello`). */
  section?: string
  /** Its file list as kept in the archive: one path a line (see {@link contentsList}). */
  files: string
}

// dak pads the path to this column, so the lists line up for people reading them.
const COLUMN = 60

/**
 * The Contents lines of some packages: sorted by path, a path shipped by several
 * packages on one line.
 *
 * @example renderContents([{name: 'hello', section: 'misc', files: 'usr/bin/hello\n'}]) // 'usr/bin/hello    …    misc/hello\n'
 */
export function renderContents(packages: ContentsPackage[]): string {
  const byPath = new Map<string, string[]>()
  for (const p of packages) {
    const where = p.section ? `${p.section}/${p.name}` : p.name
    for (const file of p.files.split('\n')) {
      if (file === '') continue
      const list = byPath.get(file)
      if (list) {
        if (!list.includes(where)) list.push(where)
      } else byPath.set(file, [where])
    }
  }
  const paths = [...byPath.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  return paths.map((p) => `${p.padEnd(COLUMN - 1)} ${byPath.get(p)!.sort().join(',')}\n`).join('')
}

/**
 * The file list kept for a package: every non-directory path of its data.tar, without
 * the leading `./`, sorted, one a line.
 *
 * @example contentsList([{name: './usr/bin/hello', type: '0'}, {name: './usr/', type: '5'}]) // 'usr/bin/hello\n'
 */
export function contentsList(entries: Iterable<{name: string; type: string}>): string {
  const out = new Set<string>()
  for (const e of entries) {
    if (e.type === '5') continue
    const p = e.name.replace(/^(\.\/|\/)+/, '')
    // A newline in a path would split a line of the index; such paths cannot be listed.
    if (p === '' || p.includes('\n')) continue
    out.add(p)
  }
  return [...out].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map((p) => `${p}\n`).join('')
}
