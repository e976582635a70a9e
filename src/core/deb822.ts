/**
 * deb822: the RFC822-like control format of Debian (control files, .dsc, Packages,
 * Sources, Release). Pure: text in, ordered fields out, and back.
 *
 * A stanza is an ordered list of `[name, value]`. A multi-line value keeps its first
 * line, then every continuation line joined by `\n` with its leading whitespace, so
 * rendering gives back exactly the text apt-ftparchive wrote. A field whose value starts
 * on the next line (`Files:`) has an empty first line: its value starts with `\n`.
 */
import {RaptrError} from '../errors.js'

/** One stanza: fields in file order, names as written. */
export type Stanza = Array<[string, string]>

const SIGNED_BEGIN = '-----BEGIN PGP SIGNED MESSAGE-----'
const SIGNATURE_BEGIN = '-----BEGIN PGP SIGNATURE-----'

// Policy 5.1: printable US-ASCII except space and colon, not starting with '#' or '-'.
const FIELD_NAME = /^[!-9;-~]+$/

function badControl(message: string): RaptrError {
  return new RaptrError('BAD_CONTROL', message, 'control data is "Name: value" lines; continuation lines start with a space')
}

/**
 * Parse deb822 text into its stanzas; blank lines separate stanzas, `#` lines are skipped.
 *
 * @example parseDeb822('Package: a\n\nPackage: b\n') // [[['Package','a']], [['Package','b']]]
 */
export function parseDeb822(text: string): Stanza[] {
  const stanzas: Stanza[] = []
  let current: Stanza = []
  let seen = new Set<string>()
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    // apt's signatures ignore trailing whitespace (and \r), so the data model does too.
    const line = lines[i].trimEnd()
    if (line === '') {
      if (current.length > 0) stanzas.push(current)
      current = []
      seen = new Set()
      continue
    }
    if (line.startsWith('#')) continue
    if (line.startsWith(' ') || line.startsWith('\t')) {
      const last = current.at(-1)
      if (!last) throw badControl(`line ${i + 1}: continuation line before any field`)
      last[1] += '\n' + line
      continue
    }
    const colon = line.indexOf(':')
    if (colon <= 0) throw badControl(`line ${i + 1}: expected "Name: value", got ${JSON.stringify(line.slice(0, 60))}`)
    const name = line.slice(0, colon)
    if (!FIELD_NAME.test(name) || name.startsWith('-')) throw badControl(`line ${i + 1}: invalid field name ${JSON.stringify(name)}`)
    const key = name.toLowerCase()
    if (seen.has(key)) throw badControl(`line ${i + 1}: duplicate field ${name}`)
    seen.add(key)
    current.push([name, line.slice(colon + 1).trim()])
  }
  if (current.length > 0) stanzas.push(current)
  return stanzas
}

/**
 * Parse text that must hold exactly one stanza (a control file, a .dsc body).
 *
 * @example parseStanza('Package: hello\nVersion: 1.0\n') // [['Package','hello'], ['Version','1.0']]
 */
export function parseStanza(text: string): Stanza {
  const stanzas = parseDeb822(text)
  if (stanzas.length !== 1) {
    throw new RaptrError('BAD_CONTROL', `expected one control stanza, found ${stanzas.length}`, 'a control file is one block of fields with no blank lines inside')
  }
  return stanzas[0]
}

/**
 * Render one stanza; ends with `\n`, never leaves trailing whitespace on a line.
 *
 * @example renderStanza([['Package', 'hello'], ['Description', 'hi\n more']]) // 'Package: hello\nDescription: hi\n more\n'
 */
export function renderStanza(fields: Stanza): string {
  let out = ''
  for (const [name, value] of fields) {
    const [first, ...rest] = value.split('\n')
    const head = first.trim()
    out += head === '' ? `${name}:\n` : `${name}: ${head}\n`
    for (const raw of rest) {
      const line = raw.trimEnd()
      // An empty continuation would end the stanza; deb822 spells an empty line " .".
      if (line.trim() === '') out += ' .\n'
      else out += line.startsWith(' ') || line.startsWith('\t') ? `${line}\n` : ` ${line}\n`
    }
  }
  return out
}

/**
 * Render stanzas as a Packages or Sources file: apt-ftparchive ends every stanza,
 * the last one too, with a blank line.
 *
 * @example renderDeb822([[['Package', 'a']], [['Package', 'b']]]) // 'Package: a\n\nPackage: b\n\n'
 */
export function renderDeb822(stanzas: Stanza[]): string {
  return stanzas.map((s) => renderStanza(s) + '\n').join('')
}

/**
 * A field's value by case-insensitive name, or undefined.
 *
 * @example getField([['Package', 'hello']], 'package') // 'hello'
 */
export function getField(fields: Stanza, name: string): string | undefined {
  const key = name.toLowerCase()
  for (const [n, v] of fields) if (n.toLowerCase() === key) return v
  return undefined
}

/**
 * The lines of a multi-line value (first line dropped when empty), each trimmed;
 * for list fields such as `Files` or `Checksums-Sha256`.
 *
 * @example valueLines('\n abc 12 a.tar.xz') // ['abc 12 a.tar.xz']
 */
export function valueLines(value: string): string[] {
  return value
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
}

/**
 * Remove an OpenPGP clearsign wrapper (as on a signed .dsc), undoing dash-escaping.
 * Text that is not clearsigned is returned unchanged. The signature is not checked.
 *
 * @example stripSignature(signedDsc) // 'Format: 3.0 (quilt)\nSource: hello\n...'
 */
export function stripSignature(text: string): string {
  const lines = text.replace(/\r\n/g, '\n').split('\n')
  let i = 0
  while (i < lines.length && lines[i].trim() === '') i++
  if (i >= lines.length || lines[i].trimEnd() !== SIGNED_BEGIN) return text
  i++
  // Armor headers ("Hash: SHA512") run up to the first empty line.
  while (i < lines.length && lines[i].trim() !== '') i++
  i++
  const body: string[] = []
  for (; i < lines.length; i++) {
    const line = lines[i]
    if (line.trimEnd() === SIGNATURE_BEGIN) return body.join('\n') + '\n'
    if (line.startsWith('-')) {
      if (!line.startsWith('- ')) throw badSignature('a line starting with "-" is not dash-escaped')
      body.push(line.slice(2))
    } else body.push(line)
  }
  throw badSignature(`no "${SIGNATURE_BEGIN}" line after the signed text`)
}

function badSignature(message: string): RaptrError {
  return new RaptrError('BAD_CONTROL', `malformed clearsigned text: ${message}`, 'the file looks truncated or edited after signing; re-sign it or use the unsigned text')
}
