/**
 * Which paths and entries an archive tree may hold. A tree pushed to the archive's
 * remote is untrusted: a pusher may change packages and settings, never plant a path
 * that git or raptr would follow out of the clone or into git's own directory. Pure:
 * the store walks trees and asks these questions of each entry.
 */

/** Longest file or directory name (bytes): what Linux, macOS and NTFS all allow. */
export const MAX_COMPONENT_BYTES = 255
/** Longest archive path (bytes, '/'-joined): raptr's deepest real paths are a few hundred. */
export const MAX_TREE_PATH_BYTES = 1024

/** The only modes an archive tree holds: regular files (raptr never writes 100755) and trees. */
export const FILE_MODE = '100644'
export const TREE_MODE = '040000'

/**
 * Characters HFS+ ignores when it compares names, so `.g\u200cit` opens `.git` there
 * (git's own list, from its is_hfs_dotgit).
 */
const HFS_IGNORABLE = /[\u200c-\u200f\u202a-\u202e\u206a-\u206f\ufeff]/g

/**
 * 8.3 short names NTFS may give git's directory and control files (`GIT~1`, and the
 * hashed forms git itself refuses for .gitmodules, .gitattributes and .gitignore).
 */
/** Names that need no further look (see unsafeNameReason). */
const PLAIN_NAME = /^[A-Za-z0-9][A-Za-z0-9.+%_~-]*$/

const NTFS_SHORT_NAME = /^(git|gitmod|gitatt|gitign|gi7eba|gi7d29|gi250a)~\d+$/i

/**
 * Why the file or directory name `name` may not appear in an archive tree, or undefined
 * when it may. Refused: empty, `.`, `..`, anything holding `/`, `\`, NUL or a control
 * character, more than 255 bytes, and every spelling that some file system or git
 * reads as `.git` or a git control file (`.gitmodules`, `.gitattributes`,
 * `.gitignore`…): any letter case, trailing dots or spaces (`.git.`), an NTFS stream
 * (`.git::$INDEX_ALLOCATION`), an 8.3 short name (`git~1`), HFS+ ignorable characters
 * (`.g\u200cit`). raptr writes none of these.
 *
 * @example
 *   unsafeNameReason('.GIT') // 'it is git\'s own directory or a git control file (".git…")'
 *   unsafeNameReason('hello') // undefined
 */
export function unsafeNameReason(name: string): string | undefined {
  // Nearly every name raptr reads (shards, package names, versions, settings files) is
  // plain ASCII starting with a letter or digit, without ':' or a space: none of those
  // aliases anything but an 8.3 name, and every tree read asks, so they are answered at once.
  if (name.length <= MAX_COMPONENT_BYTES && PLAIN_NAME.test(name) && !(name.includes('~') && NTFS_SHORT_NAME.test(name.replace(/\.+$/, '')))) return undefined
  if (name === '') return 'it has an empty name'
  if (name === '.' || name === '..') return `it has a "${name}" component`
  if (name.includes('/') || name.includes('\\')) return 'a name holds a slash'
   
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'a name holds a control character'
  if (Buffer.byteLength(name, 'utf8') > MAX_COMPONENT_BYTES) return `a name is longer than ${MAX_COMPONENT_BYTES} bytes`
  // What Windows and macOS would make of the name: stream suffix gone, trailing dots and
  // spaces gone, ignorable characters gone, case folded.
  const folded = name.split(':')[0].replace(HFS_IGNORABLE, '').replace(/[. ]+$/, '').toLowerCase()
  if (folded === '') return 'a name is only dots, spaces or an NTFS stream'
  if (folded.startsWith('.git')) return 'it is git\'s own directory or a git control file (".git…")'
  if (NTFS_SHORT_NAME.test(folded)) return 'it is an NTFS short name of git\'s directory or a git control file'
  return undefined
}

/**
 * Why `path` ('/'-separated, relative) may not be an archive tree path, or undefined.
 * Every component must pass {@link unsafeNameReason} and the whole path stays within
 * {@link MAX_TREE_PATH_BYTES}.
 */
export function unsafePathReason(path: string): string | undefined {
  if (path.startsWith('/')) return 'it is absolute'
  if (Buffer.byteLength(path, 'utf8') > MAX_TREE_PATH_BYTES) return `it is longer than ${MAX_TREE_PATH_BYTES} bytes`
  for (const part of path.split('/')) {
    const why = unsafeNameReason(part)
    if (why) return why
  }
  return undefined
}

/** Why a tree entry's mode is refused (only regular files and trees), or undefined. */
export function unsafeModeReason(mode: string): string | undefined {
  if (mode === FILE_MODE || mode === TREE_MODE) return undefined
  if (mode === '120000') return 'it is a symbolic link'
  if (mode === '160000') return 'it is a gitlink (submodule)'
  if (mode === '100755') return 'it is an executable file'
  return `it has git mode ${mode}`
}

/** A path as a message shows it: quoted, escaped, long ones cut in the middle. */
export function showPath(path: string): string {
  const shown = path.length > 160 ? `${path.slice(0, 80)}…${path.slice(-60)}` : path
  return JSON.stringify(shown)
}
