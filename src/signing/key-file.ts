import fs from 'node:fs'
import path from 'node:path'
import {RaptrError} from '../errors.js'
import {CONFIG_PATH} from '../core/layout.js'

/** Longest name and e-mail accepted on a generated key (RFC 5321 caps an address at 254). */
const MAX_NAME = 256
const MAX_EMAIL = 254

/**
 * Checks the user ID of a key to generate before OpenPGP.js sees it (it throws a bare
 * "Invalid user ID format" with a stack): a name of printable characters on one line,
 * and an e-mail address of the form OpenPGP.js accepts (LOCAL@DOMAIN, no spaces,
 * control characters, `<`, `>` or `\`, not ending in punctuation).
 *
 * @example checkUserId('ACME apt', 'apt@acme.example')
 */
export function checkUserId(name: string, email: string): void {
   
  if (name.trim() === '' || name.length > MAX_NAME || /[\p{C}<>]/u.test(name)) {
    throw new RaptrError('BAD_ARGUMENT', `invalid --name "${name}": 1 to ${MAX_NAME} printable characters on one line, without < or >`, 'e.g. --name "ACME apt archive"')
  }
  if (email.length > MAX_EMAIL || !/^[^\p{C}\p{Z}@<>\\]+@[^\p{C}\p{Z}@<>\\]+[^\p{C}\p{Z}\p{P}]$/u.test(email)) {
    throw new RaptrError('BAD_ARGUMENT', `invalid --email "${email}": not an e-mail address`, 'give one address of at most 254 characters, e.g. --email apt@acme.example')
  }
}

/**
 * Refuses to write a private key inside a raptr archive's work tree (its `.git` too):
 * the next raptr commit of that directory, or a careless `git add`, would share the key
 * with everyone who can read the archive. Symbolic links in the existing part of the
 * path are followed, so a link into an archive is caught as well.
 *
 * @example refuseKeyInArchive('/srv/archive/signing.asc') // throws BAD_ARGUMENT when /srv/archive is an archive
 */
export function refuseKeyInArchive(out: string): void {
  const abs = path.resolve(out)
  for (const candidate of new Set([abs, realPathOf(abs)])) {
    for (let dir = path.dirname(candidate); ; dir = path.dirname(dir)) {
      // An archive: .git with raptr's own directory in it, or raptr.json beside it (as store/repo-files finds one).
      if (fs.existsSync(path.join(dir, '.git')) && (fs.existsSync(path.join(dir, '.git', 'raptr')) || fs.existsSync(path.join(dir, CONFIG_PATH)))) {
        throw new RaptrError(
          'BAD_ARGUMENT',
          `--out ${out} is inside the raptr archive at ${dir}: the private key could be committed and shared with it`,
          'write it outside every archive, e.g. --out ~/.config/raptr/signing.asc, and publish with --sign-key FILE or RAPTR_SIGNING_KEY',
        )
      }
      if (path.dirname(dir) === dir) break
    }
  }
}

/** The path with symbolic links resolved in its longest existing leading part. */
function realPathOf(abs: string): string {
  let head = abs
  const tail: string[] = []
  for (;;) {
    try {
      return path.join(fs.realpathSync(head), ...tail)
    } catch {
      const parent = path.dirname(head)
      if (parent === head) return abs
      tail.unshift(path.basename(head))
      head = parent
    }
  }
}
