import type {RaptrError} from '../errors.js'
import {isPlainObject, redactUrl} from '../backends/url.js'

/** True when `--json` was given before any `--`. */
export function wantsJson(argv: string[]): boolean {
  const end = argv.indexOf('--')
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json')
}

/** The most characters of one printed line of a message or hint (and of a string in `data`). */
export const MAX_ECHO = 400
/** The most lines of a deliberate listing (a CONFLICT's items) printed under its first line. */
export const MAX_LISTED = 50

/**
 * Prints a coded error the way every raptr command does: `raptr: MESSAGE` and `hint: …`
 * on stderr, or under --json one small object on stdout; sets the exit status.
 * Messages echo values a user or a hostile file chose, so this is the one guard on
 * what reaches a terminal or a log: URLs lose their credentials, control characters
 * are shown escaped (no line or escape-sequence injection), and every line is cut to
 * MAX_ECHO characters with "…". Only CONFLICT keeps its lines: one per item, each
 * guarded the same way, at most MAX_LISTED of them.
 *
 * @example reportError(new RaptrError('USAGE', 'unknown flag --x', 'see: raptr log --help'), false)
 */
export function reportError(err: RaptrError, json: boolean, exitCode: number): void {
  process.exitCode = exitCode
  const {code, data: raw} = err.toJSON()
  // JSON escapes control characters itself; a terminal needs them shown escaped.
  const escape = !json
  const message = safeMessage(err.message, code === 'CONFLICT', escape)
  const hint = safeMessage(err.hint ?? '', false, escape)
  if (json) {
    const data = safeData(raw) as Record<string, unknown>
    process.stdout.write(`${JSON.stringify({error: Object.keys(data).length ? {code, message, hint, data} : {code, message, hint}}, null, 2)}\n`)
  } else {
    process.stderr.write(`raptr: ${message}\n`)
    if (hint) process.stderr.write(`  hint: ${hint}\n`)
  }
}

/**
 * A message as printed: one guarded line, or for a listing its first line and then
 * up to MAX_LISTED guarded item lines and a count of the rest.
 *
 * @example safeMessage('no package "a\nb"', false) // 'no package "a\\nb"'
 */
export function safeMessage(text: string, listing: boolean, escape = true): string {
  if (!listing) return safeLine(text, escape)
  const [first, ...items] = text.split('\n')
  const shown = items.slice(0, MAX_LISTED).map((l) => safeLine(l, escape))
  if (items.length > MAX_LISTED) shown.push(`  … and ${items.length - MAX_LISTED} more`)
  return [safeLine(first, escape), ...shown].join('\n')
}

/** One line: credentials masked, control and bidi characters escaped (unless for JSON), cut to MAX_ECHO characters. */
function safeLine(text: string, escape = true): string {
  const redacted = redactUrl(text)
   
  const escaped = !escape ? redacted : redacted.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => escapeChar(c))
  const chars = Array.from(escaped)
  return chars.length > MAX_ECHO ? `${chars.slice(0, MAX_ECHO - 1).join('')}…` : escaped
}

function escapeChar(c: string): string {
  const named: Record<string, string> = {'\n': '\\n', '\r': '\\r', '\t': '\\t'}
  return named[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
}

/** `data` for --json with every string guarded like a message line (structure kept). */
function safeData(value: unknown): unknown {
  if (typeof value === 'string') return safeLine(value, false)
  if (Array.isArray(value)) return value.map(safeData)
  if (value && typeof value === 'object' && isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, safeData(v)]))
  return value
}

/**
 * Text from others (commit subjects, authors, messages pushed to the archive) as it may
 * reach a terminal: every control and bidirectional-override character shown escaped,
 * line breaks kept, so a pushed commit cannot retitle a terminal, clear it or recolour
 * what follows.
 *
 * @example terminalSafe('hello\u001b[2J') // 'hello\\u001b[2J'
 */
export function terminalSafe(text: string): string {
  return text.replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => escapeChar(c))
}
