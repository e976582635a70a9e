/**
 * Checks on the text of a control file (a .deb's `control`, a .dsc) before it is
 * parsed: what dpkg would refuse, or what would reach every client's Packages file
 * broken, is refused here with the reason.
 */
import {RaptrError} from '../errors.js'
import {limit, tooLarge} from '../limits.js'
import {tarEntries} from './tar.js'


const SIGNED_BEGIN = '-----BEGIN PGP SIGNED MESSAGE-----'
const SIGNATURE_BEGIN = '-----BEGIN PGP SIGNATURE-----'
const SIGNATURE_END = '-----END PGP SIGNATURE-----'

/**
 * The control file's text: UTF-8, LF line ends, at most 1 MiB (RAPTR_MAX_CONTROL_FILE).
 *
 * @example parseStanza(controlText(fs.readFileSync('DEBIAN/control')))
 */
export function controlText(bytes: Uint8Array): string {
  // Real control files are a few KB; a field of megabytes would bloat every index it is in.
  if (bytes.length > limit('controlFile')) throw tooLarge('controlFile', 'control file is')
  let text: string
  try {
    text = new TextDecoder('utf-8', {fatal: true}).decode(bytes)
  } catch {
    throw new RaptrError('BAD_CONTROL', 'control file is not UTF-8', 'convert the control file to UTF-8 (iconv -f latin1 -t utf-8) and rebuild')
  }
  if (text.includes('\r')) throw new RaptrError('BAD_CONTROL', 'control file has CR (CRLF) line ends', 'convert it to LF line ends (dos2unix) and rebuild')
  return text
}

/**
 * Refuses a control.tar with a member outside the package's control directory: an
 * absolute path or a `..` component (dpkg refuses to unpack such a package).
 *
 * @example checkControlMembers(controlTar) // throws UNSAFE_PATH for './../etc/cron.d/x'
 */
export function checkControlMembers(tar: Buffer): void {
  for (const entry of tarEntries(tar)) {
    if (entry.name.startsWith('/') || entry.name.split('/').includes('..')) {
      throw new RaptrError('UNSAFE_PATH', `control.tar has an unsafe member path ${JSON.stringify(entry.name)}`, 'rebuild the package with dpkg-deb --build; control members are plain names')
    }
  }
}

/**
 * A clearsigned .dsc must be whole: its signature block ends, and holds base64 OpenPGP
 * data (the signature itself is not checked against any key). Unsigned text passes.
 *
 * @example checkSignatureArmor(fs.readFileSync('hello_1.0-1.dsc', 'utf8'))
 */
export function checkSignatureArmor(text: string): void {
  if (!text.trimStart().startsWith(SIGNED_BEGIN)) return
  const begin = text.indexOf(`\n${SIGNATURE_BEGIN}`)
  if (begin < 0) return // stripSignature reports the missing block
  const rest = text.slice(begin + SIGNATURE_BEGIN.length + 1)
  const end = rest.indexOf(SIGNATURE_END)
  const bad = (why: string): RaptrError =>
    new RaptrError('BAD_CONTROL', `malformed clearsigned text: ${why}`, 'the file looks truncated or edited after signing; re-sign it or use the unsigned text')
  if (end < 0) throw bad(`no "${SIGNATURE_END}" line`)
  if (rest.slice(end + SIGNATURE_END.length).trim() !== '') throw bad(`text after "${SIGNATURE_END}"`)
  // armor headers, an empty line, base64 lines, then an optional "=XXXX" checksum line
  const lines = rest.slice(0, end).split('\n').map((l) => l.trim())
  const blank = lines.indexOf('')
  const body = lines.slice(blank + 1).filter((l) => l !== '' && !/^=[A-Za-z0-9+/]{4}$/.test(l))
  const base64 = body.join('')
  if (base64 === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) throw bad('the signature is not base64')
  // every OpenPGP packet starts with a tag byte whose top bit is set; a signature packet is tag 2
  const first = Buffer.from(base64, 'base64')[0] ?? 0
  const tag = first & 0x40 ? first & 0x3f : (first >> 2) & 0x0f
  if (!(first & 0x80) || tag !== 2) throw bad('the signature block holds no OpenPGP signature')
}
