/**
 * The `~` operator's regular expressions. aptly runs them on Go's RE2, which never
 * backtracks; JavaScript's engine does, so `(a+)+$` against a long field would hang
 * raptr. Instead of time-boxing a match (a regex cannot be interrupted in-thread),
 * patterns that can backtrack exponentially are refused when the filter is parsed:
 * a quantified group holding a quantifier or an alternation (`(a+)+`, `(a|aa)*`),
 * backreferences and lookaround (RE2 has neither), repeat counts over 1000, and
 * patterns over 256 characters. And what is accepted runs on V8's linear-time engine
 * (the `l` flag, enabled once per process with --enable-experimental-regexp-engine): like
 * RE2, a match costs time linear in the field, so even a pattern the checks above miss
 * (`.*.*.*.*!`, or a class that JavaScript reads differently from RE2) cannot stall a
 * mirror on a hostile upstream's long fields. Where a Node lacks that engine, the checks
 * above are the bound.
 */
import v8 from 'node:v8'

/** The longest `~` pattern accepted. */
export const MAX_REGEX_LENGTH = 256
const MAX_REPEAT = 1000

/**
 * The compiled regex, or a call of `fail` with why it is refused (it throws).
 *
 * @example compileRegex('^lib.*-dev$', (why) => { throw new Error(why) })
 */
export function compileRegex(pattern: string, fail: (why: string) => never): RegExp {
  if (pattern.length > MAX_REGEX_LENGTH) fail(`the regular expression is ${pattern.length} characters, more than ${MAX_REGEX_LENGTH}`)
  const why = backtrackingRisk(pattern)
  if (why) fail(`the regular expression ${why}; raptr refuses patterns that can take exponential time (aptly's RE2 accepts them, write it without nesting)`)
  try {
    return linearRegExp(pattern)
  } catch (error) {
    return fail(`invalid regular expression (${(error as Error).message.replace(/^Invalid regular expression: /, '')})`)
  }
}

let linear: boolean | undefined

/**
 * `new RegExp(source, flags)` on V8's linear-time engine when this Node has it (checked
 * once), else the backtracking one. Used for `~` patterns and for `%` globs alike.
 *
 * @example linearRegExp('^lib.*-dev$').test('libfoo-dev') // true, in time linear in the input
 */
export function linearRegExp(source: string, flags = ''): RegExp {
  if (linear === undefined) {
    try {
      v8.setFlagsFromString('--enable-experimental-regexp-engine')
      linear = new RegExp('a', 'l').test('a')
    } catch {
      linear = false
    }
  }
  return new RegExp(source, linear ? `${flags}l` : flags)
}

/** Why the pattern could backtrack exponentially (or uses what RE2 lacks), or undefined. */
function backtrackingRisk(p: string): string | undefined {
  // Per open group: whether it holds a quantifier or an alternation.
  const stack: Array<{risky: boolean}> = [{risky: false}]
  let i = 0
  const quantifierAt = (j: number): number => {
    // The length of the quantifier at j (0: none); a counted one is checked for size.
    const c = p[j]
    if (c === '*' || c === '+' || c === '?') return 1
    if (c !== '{') return 0
    const m = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(j))
    if (!m) return 0
    if (Number(m[1]) > MAX_REPEAT || (m[3] && Number(m[3]) > MAX_REPEAT)) return -1
    return m[0].length
  }
  while (i < p.length) {
    const c = p[i]
    if (c === '\\') {
      if (/[1-9k]/.test(p[i + 1] ?? '')) return 'uses a backreference'
      i += 2
      continue
    }
    if (c === '[') {
      // A character class: skip to its closing bracket as JavaScript reads it (a first
      // ']' closes it: '[]' is empty and '[^]' any character, unlike RE2).
      let j = i + 1
      if (p[j] === '^') j++
      while (j < p.length && p[j] !== ']') j += p[j] === '\\' ? 2 : 1
      i = j + 1
      continue
    }
    if (c === '(') {
      if (p.startsWith('(?=', i) || p.startsWith('(?!', i) || p.startsWith('(?<=', i) || p.startsWith('(?<!', i)) return 'uses lookaround'
      stack.push({risky: false})
      i++
      continue
    }
    if (c === ')') {
      const group = stack.length > 1 ? stack.pop()! : {risky: false}
      const q = quantifierAt(i + 1)
      if (q < 0) return `repeats more than ${MAX_REPEAT} times`
      if (q > 0 && group.risky) return 'repeats a group that itself repeats or alternates'
      if (group.risky || q > 0) stack.at(-1)!.risky = true
      i += 1 + Math.max(q, 0)
      continue
    }
    if (c === '|') stack.at(-1)!.risky = true
    const q = quantifierAt(i)
    if (q < 0) return `repeats more than ${MAX_REPEAT} times`
    if (q > 0) {
      stack.at(-1)!.risky = true
      i += q
      continue
    }
    i++
  }
  return undefined
}
