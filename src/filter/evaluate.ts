/**
 * Whether a package matches a parsed filter, with aptly's meaning for each form, so a
 * filter selects here exactly what it selects in aptly (the mirror tests compare them).
 * Pure: a package is its index stanza and what kind it is.
 */
import {linearRegExp} from './regex.js'
import {getField, type Stanza} from '../core/deb822.js'
import {compareVersions} from '../core/version.js'
import type {Query, Relation} from './parse.js'

/** A package as the filter sees it: an upstream index stanza (Packages or Sources). */
export interface FilterPackage {
  name: string
  version: string
  /** The binary's Architecture (`all` too), or `source`. */
  architecture: string
  type: 'deb' | 'udeb' | 'source'
  stanza: Stanza
}

/** A dependency as a Depends line or a filter names it. */
export interface Dependency {
  name: string
  relation?: Relation
  value: string
  architecture?: string
  regex?: RegExp
}

/**
 * Whether `pkg` matches `q`.
 *
 * @example matches(parseFilter('Priority (required)'), pkg)
 */
export function matches(q: Query, pkg: FilterPackage): boolean {
  switch (q.kind) {
    case 'or':
      return q.items.some((i) => matches(i, pkg))
    case 'and':
      return q.items.every((i) => matches(i, pkg))
    case 'not':
      return !matches(q.query, pkg)
    case 'ref':
      return pkg.name === q.name && pkg.version === q.version && pkg.architecture === q.architecture
    case 'dependency':
      return satisfies(pkg, q)
    case 'field':
      if (q.field === '$Version') return satisfies(pkg, {name: pkg.name, relation: q.relation, value: q.value, regex: q.regex})
      if (q.field === '$Architecture' && q.relation === '=') return matchesArchitecture(pkg, q.value)
      return compare(fieldOf(pkg, q.field), q.relation, q.value, q.regex)
  }
}

/** A field's value as aptly reads it ('' when the package has none). */
export function fieldOf(pkg: FilterPackage, field: string): string {
  const isSource = pkg.type === 'source'
  switch (field) {
    case '$Source': {
      if (isSource) return ''
      const source = getField(pkg.stanza, 'Source') ?? ''
      if (source === '') return pkg.name
      const paren = source.indexOf('(')
      return paren === -1 ? source : source.slice(0, paren).trim()
    }
    case '$SourceVersion': {
      if (isSource) return ''
      const m = /\(([^)]*)\)/.exec(getField(pkg.stanza, 'Source') ?? '')
      return m ? m[1].trim() : pkg.version
    }
    case '$Architecture':
      return pkg.architecture
    case '$PackageType':
      return pkg.type === 'deb' ? 'deb' : pkg.type
    case 'Name':
      return pkg.name
    case 'Version':
      return pkg.version
    case 'Architecture':
      return isSource ? (getField(pkg.stanza, 'Architecture') ?? '') : pkg.architecture
    default:
      return getField(pkg.stanza, field) ?? ''
  }
}

/** aptly's rule: an `all` package matches every architecture but `source`. */
export function matchesArchitecture(pkg: FilterPackage, arch: string): boolean {
  return (pkg.architecture === 'all' && arch !== 'source') || pkg.architecture === arch
}

/**
 * Whether the package satisfies a dependency: its name (or a name it Provides, with `=`
 * or no version) is the dependency's and its version meets the relation.
 */
export function satisfies(pkg: FilterPackage, dep: Dependency): boolean {
  if (dep.architecture !== undefined && !matchesArchitecture(pkg, dep.architecture)) return false
  for (const p of provides(pkg)) {
    if (p.name === dep.name && (p.relation === undefined || p.relation === '=') && compare(p.value || pkg.version, dep.relation, dep.value, dep.regex, true)) return true
  }
  return dep.name === pkg.name && compare(pkg.version, dep.relation, dep.value, dep.regex, true)
}

/** The names a package provides, as dependencies (`Provides: mail-transport-agent, foo (= 1.0)`). */
export function provides(pkg: FilterPackage): Dependency[] {
  const text = getField(pkg.stanza, 'Provides')
  if (!text) return []
  return text.split(',').map((s) => parseDependency(s.trim())).filter((d): d is Dependency => d !== undefined)
}

/**
 * One dependency of a Depends line (`libc6 (>= 2.36)`, `foo:any`, `bar {amd64}`), read
 * leniently as aptly does; undefined when it names nothing.
 */
export function parseDependency(text: string): Dependency | undefined {
  let s = text.trim()
  let architecture: string | undefined
  const brace = /\{([^}]*)\}$/.exec(s)
  if (brace) {
    architecture = brace[1]
    s = s.slice(0, brace.index).trim()
  }
  // Build profiles and architecture restrictions (`<!nocheck>`, `[amd64]`) do not occur in binary Depends; drop them if they do.
  s = s.replace(/\[[^\]]*\]|<[^>]*>(?=\s*$)/g, '').trim()
  let name = s
  let relation: Relation | undefined
  let value = ''
  const m = /^([^\s(]+)\s*\(\s*(<<|>>|<=|>=|=|<|>)?\s*([^)]*?)\s*\)$/.exec(s)
  if (m) {
    name = m[1]
    const op = m[2] ?? '='
    relation = op === '<' ? '<=' : op === '>' ? '>=' : (op as Relation)
    value = m[3]
  }
  const colon = name.indexOf(':')
  if (colon !== -1) {
    const a = name.slice(colon + 1)
    name = name.slice(0, colon)
    architecture = a === 'any' ? architecture : a
  }
  if (name === '') return undefined
  return {name, relation, value, ...(architecture ? {architecture} : {})}
}

/**
 * A value against a relation: none means "set" (for a field) or "any version" (for a
 * dependency); comparisons use Debian version order (aptly compares every field so,
 * `Priority (required)` included); `%` is a glob, `~` a regex found anywhere.
 */
function compare(value: string, relation: Relation | undefined, want: string, regex: RegExp | undefined, dependency = false): boolean {
  switch (relation) {
    case undefined:
      return dependency || value !== ''
    case '%':
      return globMatch(want, value)
    case '~':
      return (regex ?? new RegExp(want)).test(value)
    default: {
      const c = looseCompare(value, want)
      return relation === '=' ? c === 0 : relation === '<<' ? c < 0 : relation === '<=' ? c <= 0 : relation === '>>' ? c > 0 : c >= 0
    }
  }
}

/** Debian version order on any text (a field like Priority is no valid version): epoch, upstream and revision split as dpkg does, never refused. */
export function looseCompare(a: string, b: string): number {
  const split = (s: string): {epoch: number; upstream: string; revision: string} => {
    const m = /^(\d+):(.*)$/s.exec(s)
    const epoch = m ? Math.min(Number(m[1]), Number.MAX_SAFE_INTEGER) : 0
    const rest = m ? m[2] : s
    const dash = rest.lastIndexOf('-')
    return dash === -1 ? {epoch, upstream: rest, revision: ''} : {epoch, upstream: rest.slice(0, dash), revision: rest.slice(dash + 1)}
  }
  return compareVersions(split(a), split(b))
}

const globCache = new Map<string, RegExp | null>()

/** Go's filepath.Match, which aptly uses: `*` and `?` never match '/', `[^…]` negates, `\` escapes; a malformed pattern matches nothing. */
export function globMatch(pattern: string, value: string): boolean {
  let re = globCache.get(pattern)
  if (re === undefined) {
    re = globRegex(pattern)
    if (globCache.size < 1000) globCache.set(pattern, re)
  }
  return re !== null && re.test(value)
}

function globRegex(glob: string): RegExp | null {
  let out = ''
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]
    if (c === '*') out += '[^/]*'
    else if (c === '?') out += '[^/]'
    else if (c === '\\') {
      if (i + 1 >= glob.length) return null
      out += escape(glob[++i])
    } else if (c === '[') {
      let j = i + 1
      let body = ''
      if (glob[j] === '^') {
        body = '^'
        j++
      }
      let closed = false
      let first = true
      for (; j < glob.length; j++) {
        const d = glob[j]
        if (d === ']' && !first) {
          closed = true
          break
        }
        first = false
        if (d === '\\') {
          if (j + 1 >= glob.length) return null
          body += escape(glob[++j])
        } else if (d === '-' && body !== '' && body !== '^' && glob[j + 1] !== ']') body += '-'
        else body += escape(d)
      }
      if (!closed || body === '' || body === '^') return null
      out += `[${body}]`
      i = j
    } else out += escape(c)
  }
  try {
    return linearRegExp(`^${out}$`, 's')
  } catch {
    return null
  }
}

function escape(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')
}
