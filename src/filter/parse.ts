/**
 * aptly's package query language, so an aptly user's `-filter` carries over unchanged:
 *
 *   Query := And ('|' And)*          lowest precedence
 *   And   := Not (',' Not)*
 *   Not   := '!' Not | Atom
 *   Atom  := '(' Query ')' | Term
 *   Term  := FIELD [ '(' [op] value ')' ]            FIELD: starts uppercase (no '_'), or $Special
 *          | NAME [ '(' [op] value ')' ] [ '{' arch '}' ]   a dependency: nginx, nginx (>= 1.0)
 *          | NAME_VERSION_ARCH                        one exact package
 *   op    := '=' | '<<' | '<' (as '<=') | '<=' | '>>' | '>' (as '>=') | '>=' | '%' (glob) | '~' (regex)
 *
 * Values are bare words (up to a space or one of `()|,!{}`) or quoted with ' or " (a
 * backslash escapes the next character). A condition without an operator means `=`.
 * Pure: the evaluator (evaluate.ts) answers whether a package matches.
 */
import {RaptrError} from '../errors.js'
import {compileRegex} from './regex.js'

export type Relation = '=' | '<<' | '<=' | '>>' | '>=' | '%' | '~'

export type Query =
  | {kind: 'or'; items: Query[]}
  | {kind: 'and'; items: Query[]}
  | {kind: 'not'; query: Query}
  /** A field of the stanza (`Priority (required)`) or a special one (`$Architecture (amd64)`); no relation: the field is set. */
  | {kind: 'field'; field: string; relation?: Relation; value: string; regex?: RegExp}
  /** A package name as a dependency names it: matches that name (or a package providing it) whose version satisfies the relation. */
  | {kind: 'dependency'; name: string; relation?: Relation; value: string; architecture?: string; regex?: RegExp}
  /** `name_version_arch`: exactly that package. */
  | {kind: 'ref'; name: string; version: string; architecture: string}

/** The longest expression accepted (characters); aptly filters of a few hundred names fit easily. */
export const MAX_FILTER_LENGTH = 16_384
/** The deepest nesting of parentheses and `!` accepted: real filters nest a few levels. */
export const MAX_FILTER_DEPTH = 64

type TokenType = '(' | ')' | '{' | '}' | '|' | ',' | '!' | 'op' | 'string' | 'eof'
interface Token {
  type: TokenType
  value: string
  /** 1-based column of the token's first character. */
  column: number
}

const HINT = "an aptly filter, e.g. 'Priority (required) | nginx', 'Name (% lib*-dev), !$Architecture (i386)', 'hello (>= 2.0)'"
// Control characters (a newline too: a filter is one line, and it is echoed in messages and commits).
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/

function fail(expr: string, column: number, why: string): never {
  throw new RaptrError('BAD_FILTER', `invalid filter at column ${column}: ${why}`, HINT, {column, length: expr.length})
}

/** What a token looks like in a message: its text, quoted, or "the end". */
function shown(t: Token): string {
  if (t.type === 'eof') return 'the end of the filter'
  const v = t.value.length > 32 ? `${t.value.slice(0, 32)}…` : t.value
  return JSON.stringify(v)
}

/** Splits an expression into tokens, each with its column. */
function tokenize(expr: string): Token[] {
  const out: Token[] = []
  let i = 0
  while (i < expr.length) {
    const c = expr[i]
    const column = i + 1
    if (c === ' ') {
      i++
    } else if ('(){}|,!'.includes(c)) {
      out.push({type: c as TokenType, value: c, column})
      i++
    } else if (c === '<' || c === '>') {
      const two = expr[i + 1] === c || expr[i + 1] === '='
      const raw = two ? expr.slice(i, i + 2) : c
      // aptly reads a lone '<' as '<=' and '>' as '>=', as old dpkg did.
      out.push({type: 'op', value: raw.length === 1 ? `${c}=` : raw, column})
      i += raw.length
    } else if (c === '=' || c === '%' || c === '~') {
      out.push({type: 'op', value: c, column})
      i++
    } else if (c === '"' || c === "'") {
      let value = ''
      let j = i + 1
      for (;;) {
        if (j >= expr.length) fail(expr, column, `the quoted value is not closed (add ${c})`)
        if (expr[j] === c) break
        if (expr[j] === '\\') j++
        if (j >= expr.length) fail(expr, column, `the quoted value is not closed (add ${c})`)
        value += expr[j]
        j++
      }
      out.push({type: 'string', value, column})
      i = j + 1
    } else {
      let j = i
      while (j < expr.length && !' (){}|,!'.includes(expr[j])) j++
      out.push({type: 'string', value: expr.slice(i, j), column})
      i = j
    }
  }
  out.push({type: 'eof', value: '', column: expr.length + 1})
  return out
}

/**
 * Parses an aptly filter into a query. A mistake is one line naming the column
 * (`BAD_FILTER`, exit 2); so are expressions longer than {@link MAX_FILTER_LENGTH},
 * nested deeper than {@link MAX_FILTER_DEPTH}, holding a control character, or with a
 * regular expression `regex.ts` refuses.
 *
 * @example parseFilter('Priority (required) | nginx')
 */
export function parseFilter(expr: string): Query {
  if (expr.length > MAX_FILTER_LENGTH) fail(expr, MAX_FILTER_LENGTH + 1, `the filter is ${expr.length} characters, more than ${MAX_FILTER_LENGTH}`)
  const ctl = CONTROL.exec(expr)
  if (ctl) fail(expr, ctl.index + 1, `a control character (U+${ctl[0].charCodeAt(0).toString(16).padStart(4, '0')}) is not allowed; write the filter on one line`)
  if (expr.trim() === '') fail(expr, 1, 'the filter is empty')
  const tokens = tokenize(expr)
  let pos = 0
  const peek = (): Token => tokens[pos]
  const take = (): Token => tokens[pos++]
  const expect = (type: TokenType, what: string): Token => {
    const t = peek()
    if (t.type !== type) fail(expr, t.column, `expected ${what}, found ${shown(t)}`)
    return take()
  }

  const query = (depth: number): Query => {
    const items = [and(depth)]
    while (peek().type === '|') {
      take()
      items.push(and(depth))
    }
    return items.length === 1 ? items[0] : {kind: 'or', items}
  }
  const and = (depth: number): Query => {
    const items = [not(depth)]
    while (peek().type === ',') {
      take()
      items.push(not(depth))
    }
    return items.length === 1 ? items[0] : {kind: 'and', items}
  }
  const not = (depth: number): Query => {
    if (depth > MAX_FILTER_DEPTH) fail(expr, peek().column, `nested deeper than ${MAX_FILTER_DEPTH} levels`)
    if (peek().type === '!') {
      take()
      return {kind: 'not', query: not(depth + 1)}
    }
    if (peek().type === '(') {
      take()
      const q = query(depth + 1)
      expect(')', '")"')
      return q
    }
    return term()
  }
  const term = (): Query => {
    const t = peek()
    if (t.type !== 'string') fail(expr, t.column, `expected a package name or a field, found ${shown(t)}`)
    take()
    const word = t.value
    if (word === '') fail(expr, t.column, 'an empty name')
    let relation: Relation | undefined
    let value = ''
    let valueColumn = t.column
    if (peek().type === '(') {
      take()
      if (peek().type === 'op') relation = take().value as Relation
      else relation = '='
      const v = expect('string', 'a value')
      value = v.value
      valueColumn = v.column
      expect(')', '")"')
    }
    const regex = relation === '~' ? compileRegex(value, (why) => fail(expr, valueColumn, why)) : undefined
    const first = word[0]
    if (word.startsWith('$') || (first >= 'A' && first <= 'Z' && !word.includes('_'))) {
      if (word === '$') fail(expr, t.column, 'a "$" without a field name')
      return {kind: 'field', field: word, relation: relation, value, ...(regex ? {regex} : {})}
    }
    if (relation === undefined && peek().type !== '{') {
      const ref = /^([^_]+)_(.+)_([^_]+)$/.exec(word)
      if (ref) return {kind: 'ref', name: ref[1], version: ref[2], architecture: ref[3]}
    }
    let architecture: string | undefined
    if (peek().type === '{') {
      take()
      architecture = expect('string', 'an architecture').value
      expect('}', '"}"')
    }
    // `name:arch` as in a Depends line; `:any` means any architecture.
    let name = word
    const colon = name.indexOf(':')
    if (colon !== -1) {
      const a = name.slice(colon + 1)
      name = name.slice(0, colon)
      if (a !== 'any') architecture = a
    }
    return {kind: 'dependency', name, relation, value, ...(architecture ? {architecture} : {}), ...(regex ? {regex} : {})}
  }

  const q = query(0)
  const rest = peek()
  if (rest.type !== 'eof') fail(expr, rest.column, `unexpected ${shown(rest)}${rest.type === ')' ? ' (no "(" opens it)' : ''}; join terms with "|" (or) or "," (and)`)
  return q
}
