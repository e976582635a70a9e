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
  version?: string
  description?: string
  date: Date
  /** Only on a live Release: pinned ones are valid forever. */
  validUntil?: Date
  notAutomatic?: boolean
  butAutomaticUpgrades?: boolean
  /** Acquire-By-Hash: yes unless false (a repository imported from one that did not say it). */
  acquireByHash?: boolean
  architectures: string[]
  components: string[]
  entries: ReleaseEntry[]
  /** apt's `Snapshots:` URL template (with @SNAPSHOTID@), on a live Release only. */
  snapshots?: string
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
  fields.push(['Suite', r.suite])
  if (r.version) fields.push(['Version', r.version])
  fields.push(['Codename', r.codename], ['Date', formatReleaseDate(r.date)])
  if (r.validUntil) fields.push(['Valid-Until', formatReleaseDate(r.validUntil)])
  if (r.notAutomatic) fields.push(['NotAutomatic', 'yes'])
  if (r.butAutomaticUpgrades) fields.push(['ButAutomaticUpgrades', 'yes'])
  fields.push(['Architectures', r.architectures.join(' ')], ['Components', r.components.join(' ')])
  if (r.description) fields.push(['Description', r.description])
  if (r.snapshots) fields.push(['Snapshots', r.snapshots])
  if (r.acquireByHash !== false) fields.push(['Acquire-By-Hash', 'yes'])
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
 * The other directories a distribution's Release is published under: its Suite and
 * Codename when they differ from the distribution's name (`dists/stable` beside
 * `dists/bookworm`, as Debian's symlinks give), so apt reads it through either name.
 *
 * @example releaseAliases('bookworm', 'Suite: stable\nCodename: bookworm\n') // ['stable']
 */
export function releaseAliases(dist: string, text: string): string[] {
  const fields = parseStanza(text)
  const names = [getField(fields, 'Suite'), getField(fields, 'Codename')]
  return [...new Set(names.filter((n): n is string => n !== undefined && n !== dist && !n.startsWith('snapshots/') && /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(n)))]
}

/** How long a duration like `7d`, `12h`, `30m`, `2w` or `90s` is, in milliseconds. */
export function durationMs(text: string): number | undefined {
  const m = /^(\d+)([smhdw])$/.exec(text)
  if (!m) return undefined
  return Number(m[1]) * {s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3}[m[2] as 's']
}

/**
 * The same Release with other values for some fields (rollback: a fresh Date and the
 * live Suite), keeping everything else byte for byte.
 */
export function withReleaseFields(text: string, changes: Record<string, string>): string {
  const fields = parseStanza(text).map(([k, v]): [string, string] => [k, changes[k] ?? v])
  return renderStanza(fields)
}

/**
 * The same Release re-dated: a fresh Date and, for a live Release that should expire,
 * a Valid-Until that far after it (placed after Date, as renderRelease does); everything
 * else byte for byte. `validForMs` undefined drops Valid-Until.
 *
 * @example redatedRelease(text, new Date(), 7 * 86400e3)
 */
export function redatedRelease(text: string, date: Date, validForMs?: number): string {
  const out: Stanza = []
  for (const [k, v] of parseStanza(text)) {
    if (k === 'Valid-Until') continue
    if (k === 'Date') {
      out.push([k, formatReleaseDate(date)])
      if (validForMs !== undefined) out.push(['Valid-Until', formatReleaseDate(new Date(date.getTime() + validForMs))])
    } else out.push([k, v])
  }
  return renderStanza(out)
}

/**
 * A pinned Release made live again (rollback): the Suite and the validity period of the
 * Release that was live for it (`liveText`), a fresh Date; everything else byte for byte.
 *
 * @example reliveRelease(pinnedText, entry.release, new Date())
 */
export function reliveRelease(pinnedText: string, liveText: string, date: Date): string {
  const live = parseStanza(liveText)
  const suite = getField(live, 'Suite')
  const from = Date.parse((getField(live, 'Date') ?? '').replace(/UTC$/, 'GMT'))
  const until = Date.parse((getField(live, 'Valid-Until') ?? '').replace(/UTC$/, 'GMT'))
  let text = suite ? withReleaseFields(pinnedText, {Suite: suite}) : pinnedText
  // apt's snapshot template is a live Release's field (a pinned one has none): it stays live.
  const snapshots = getField(live, 'Snapshots')
  if (snapshots !== undefined && getField(parseStanza(text), 'Snapshots') === undefined) {
    const fields = parseStanza(text)
    const at = fields.findIndex(([k]) => k === 'Acquire-By-Hash' || k === 'SHA256')
    fields.splice(at === -1 ? fields.length : at, 0, ['Snapshots', snapshots])
    text = renderStanza(fields)
  }
  return redatedRelease(text, date, Number.isFinite(from) && Number.isFinite(until) ? until - from : undefined)
}

/**
 * The same Release with `Signed-By` listing `fingerprints` (placed before
 * Acquire-By-Hash, else before the hashes), or without the field when there are none:
 * the keys that sign now, never those of the snapshot a rollback restores. apt lets only
 * these keys sign the next Release, while this one's Valid-Until has not passed.
 *
 * @example withSignedBy(text, ['0123…', '4567…'])
 */
export function withSignedBy(text: string, fingerprints: string[] | undefined): string {
  const fields = parseStanza(text).filter(([k]) => k !== 'Signed-By')
  if (fingerprints?.length) {
    const at = fields.findIndex(([k]) => k === 'Acquire-By-Hash' || k === 'SHA256' || k === 'MD5Sum' || k === 'SHA1' || k === 'SHA512')
    fields.splice(at === -1 ? fields.length : at, 0, ['Signed-By', fingerprints.join(', ')])
  }
  return renderStanza(fields)
}
