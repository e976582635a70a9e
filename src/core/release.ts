import {getField, parseStanza, renderStanza, type Stanza} from './deb822.js'

/** One index file a Release lists, by its path relative to the Release's directory. */
export interface ReleaseEntry {
  path: string
  size: number
  sha256: string
}

export interface ReleaseInput {
  origin?: string
  label?: string
  suite: string
  codename: string
  description?: string
  date: Date
  architectures: string[]
  components: string[]
  entries: ReleaseEntry[]
}

/**
 * Renders a Release file. Only SHA256 is listed: apt fetches indexes by the strongest
 * hash a Release lists, and raptr writes `by-hash/SHA256/` for every index, so every
 * hash listed has its by-hash directory. No line carries trailing whitespace, because
 * OpenPGP cleartext signatures strip it and apt would then see a different text.
 *
 * @example
 *   renderRelease({suite: 'production', codename: 'production', date, architectures: ['amd64'], components: ['main'], entries})
 */
export function renderRelease(r: ReleaseInput): string {
  const fields: Stanza = []
  if (r.origin) fields.push(['Origin', r.origin])
  if (r.label) fields.push(['Label', r.label])
  fields.push(['Suite', r.suite], ['Codename', r.codename], ['Date', formatReleaseDate(r.date)])
  fields.push(['Architectures', r.architectures.join(' ')], ['Components', r.components.join(' ')])
  if (r.description) fields.push(['Description', r.description])
  fields.push(['Acquire-By-Hash', 'yes'])
  const sorted = [...r.entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  const width = Math.max(1, ...sorted.map((e) => String(e.size).length))
  fields.push(['SHA256', ['', ...sorted.map((e) => ` ${e.sha256} ${String(e.size).padStart(width)} ${e.path}`)].join('\n')])
  return renderStanza(fields)
}

/** RFC 2822 date in UTC, as apt writes and expects it: `Tue, 24 Nov 2026 03:00:00 UTC`. */
export function formatReleaseDate(d: Date): string {
  return d.toUTCString().replace(/GMT$/, 'UTC')
}

/** The index entries a Release lists (SHA256 section). */
export function parseReleaseEntries(text: string): ReleaseEntry[] {
  const fields = parseStanza(text)
  const sha = getField(fields, 'SHA256') ?? ''
  return sha
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const [sha256, size, path] = l.split(/\s+/)
      return {sha256, size: Number(size), path}
    })
}

/**
 * The same Release with other values for some fields (rollback: a fresh Date and the
 * live Suite), keeping everything else byte for byte.
 */
export function withReleaseFields(text: string, changes: Record<string, string>): string {
  const fields = parseStanza(text).map(([k, v]): [string, string] => [k, changes[k] ?? v])
  return renderStanza(fields)
}
