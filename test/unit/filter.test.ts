import {describe, expect, it} from 'vitest'
import {RaptrError} from '../../src/errors.js'
import {globMatch, matches, type FilterPackage} from '../../src/filter/evaluate.js'
import {MAX_FILTER_DEPTH, parseFilter} from '../../src/filter/parse.js'
import {selectPackages} from '../../src/filter/select.js'

// aptly's filter language: the parser (precedence, every operator, errors with their
// column, bounds) and the evaluator (aptly's meaning of each form), on hand-made stanzas.

const pkg = (name: string, version: string, architecture = 'amd64', fields: Record<string, string> = {}, type: FilterPackage['type'] = 'deb'): FilterPackage => ({
  name,
  version,
  architecture,
  type,
  stanza: [['Package', name], ['Version', version], ['Architecture', architecture], ...Object.entries(fields)],
})

const hello1 = pkg('hello', '1.0-1', 'amd64', {Priority: 'optional', Section: 'utils', Depends: 'libc6 (>= 2.36), libfoo | libbar'})
const hello2 = pkg('hello', '2.0-1', 'arm64', {Priority: 'optional', Source: 'hello-src (2.0)'})
const libc = pkg('libc6', '2.36-9', 'amd64', {Priority: 'required', Provides: 'libc-any (= 2.36)'})
const data = pkg('hello-data', '1:0.5', 'all', {Priority: 'extra'})
const src = pkg('hello', '2.0-1', 'source', {Architecture: 'any'}, 'source')
const udeb = pkg('hello-udeb', '1.0-1', 'amd64', {}, 'udeb')
const all = [hello1, hello2, libc, data, src, udeb]
const names = (q: string): string[] => all.filter((p) => matches(parseFilter(q), p)).map((p) => `${p.name}_${p.version}_${p.architecture}`)

function errorOf(expr: string): RaptrError {
  try {
    parseFilter(expr)
  } catch (error) {
    return error as RaptrError
  }
  throw new Error(`parsed: ${expr}`)
}

describe('the filter parser', () => {
  it('reads a bare name as a dependency on that name (any version, and sources too)', () => {
    expect(names('hello')).toEqual(['hello_1.0-1_amd64', 'hello_2.0-1_arm64', 'hello_2.0-1_source'])
  })

  it('compares versions in Debian order with every relation', () => {
    expect(names('hello (>= 2.0)')).toEqual(['hello_2.0-1_arm64', 'hello_2.0-1_source'])
    expect(names('hello (<< 2.0)')).toEqual(['hello_1.0-1_amd64'])
    expect(names('hello (<= 1.0-1)')).toEqual(['hello_1.0-1_amd64'])
    expect(names('hello (>> 1.0-1)')).toEqual(['hello_2.0-1_arm64', 'hello_2.0-1_source'])
    expect(names('hello (= 2.0-1)')).toEqual(['hello_2.0-1_arm64', 'hello_2.0-1_source'])
    expect(names('hello (2.0-1)')).toEqual(['hello_2.0-1_arm64', 'hello_2.0-1_source'])
    expect(names('Version (>> 1:1)')).toEqual([])
    expect(names('Version (>= 1:0)')).toEqual(['hello-data_1:0.5_all'])
  })

  it('globs (%) and regexes (~) on names and fields', () => {
    expect(names('Name (% hello-*)')).toEqual(['hello-data_1:0.5_all', 'hello-udeb_1.0-1_amd64'])
    expect(names('Name (~ ^lib)')).toEqual(['libc6_2.36-9_amd64'])
    expect(names('Section (% ut?ls)')).toEqual(['hello_1.0-1_amd64'])
    expect(names("Name (% 'hello-[d]*')")).toEqual(['hello-data_1:0.5_all'])
  })

  it('reads fields: set, equal, and the special ones', () => {
    expect(names('Priority (required)')).toEqual(['libc6_2.36-9_amd64'])
    expect(names('Source')).toEqual(['hello_2.0-1_arm64'])
    expect(names('$Source (hello-src)')).toEqual(['hello_2.0-1_arm64'])
    expect(names('$Architecture (amd64)')).toEqual(['hello_1.0-1_amd64', 'libc6_2.36-9_amd64', 'hello-data_1:0.5_all', 'hello-udeb_1.0-1_amd64'])
    expect(names('$Architecture (source)')).toEqual(['hello_2.0-1_source'])
    expect(names('$PackageType (udeb)')).toEqual(['hello-udeb_1.0-1_amd64'])
    expect(names('$PackageType (source)')).toEqual(['hello_2.0-1_source'])
    expect(names('$Version (>= 2)')).toEqual(['hello_2.0-1_arm64', 'libc6_2.36-9_amd64', 'hello-data_1:0.5_all', 'hello_2.0-1_source'])
  })

  it('matches what a package Provides, an exact name_version_arch, and {arch}', () => {
    expect(names('libc-any (>= 2.30)')).toEqual(['libc6_2.36-9_amd64'])
    expect(names('hello_2.0-1_arm64')).toEqual(['hello_2.0-1_arm64'])
    expect(names('hello {arm64}')).toEqual(['hello_2.0-1_arm64'])
  })

  it('binds ! tighter than , and , tighter than |; parentheses group', () => {
    expect(names('hello | libc6, Priority (optional)')).toEqual(['hello_1.0-1_amd64', 'hello_2.0-1_arm64', 'hello_2.0-1_source'])
    expect(names('(hello | libc6), Priority (optional)')).toEqual(['hello_1.0-1_amd64', 'hello_2.0-1_arm64'])
    expect(names('!hello, !Name (% hello-*)')).toEqual(['libc6_2.36-9_amd64'])
    expect(names('!(hello | libc6) , !$PackageType (udeb)')).toEqual(['hello-data_1:0.5_all'])
    expect(names('!!libc6')).toEqual(['libc6_2.36-9_amd64'])
  })

  it('says where a mistake is, in one line with a hint (exit 2)', () => {
    const cases: Array<[string, number, RegExp]> = [
      ['hello (>= 2.0', 14, /expected "\)"/],
      ['hello | ', 9, /expected a package name/],
      ['hello )', 7, /unexpected "\)"/],
      ['(hello', 7, /expected "\)"/],
      ['hello (>=)', 10, /expected a value/],
      ["Name (% 'abc)", 9, /not closed/],
      ['a\nb', 2, /control character/],
      ["Name (~ '(a+)+$')", 9, /exponential/],
      ['Name (~ [)', 9, /invalid regular expression/],
      ['', 1, /empty/],
    ]
    for (const [expr, column, why] of cases) {
      const e = errorOf(expr)
      expect(e).toBeInstanceOf(RaptrError)
      expect(e.code).toBe('BAD_FILTER')
      expect(e.message).toMatch(why)
      expect(e.message).toContain(`column ${column}`)
      expect(e.message).not.toContain('\n')
      expect(e.hint).toMatch(/aptly filter/)
    }
  })

  it('bounds nesting, length and regexes', () => {
    expect(parseFilter(`${'('.repeat(MAX_FILTER_DEPTH)}a${')'.repeat(MAX_FILTER_DEPTH)}`)).toBeDefined()
    expect(errorOf(`${'('.repeat(MAX_FILTER_DEPTH + 2)}a${')'.repeat(MAX_FILTER_DEPTH + 2)}`).message).toMatch(/nested deeper than 64/)
    expect(errorOf('!'.repeat(5000)).message).toMatch(/nested deeper/)
    expect(errorOf('a'.repeat(20_000)).message).toMatch(/more than 16384/)
    // A long flat list is fine: | and , do not nest.
    const long = Array.from({length: 1000}, (_, i) => `p${i}`).join(' | ')
    expect(long.length).toBeGreaterThan(5000)
    expect(parseFilter(long)).toMatchObject({kind: 'or'})
    for (const bad of ['(a|aa)*b', '(.*)*', '(a*)+', '(a)\\\\1', '(?=a)', 'a{5000}', 'x'.repeat(300)]) expect(errorOf(`Name (~ '${bad}')`).code).toBe('BAD_FILTER')
    for (const good of ['^lib.*-dev$', '(foo|bar)', '[a-z]+[0-9]*', '(ab)+']) expect(parseFilter(`Name (~ '${good}')`)).toBeDefined()
  })

  it('globs as Go filepath.Match does', () => {
    expect(globMatch('lib*', 'libc6')).toBe(true)
    expect(globMatch('lib*', 'a/lib')).toBe(false)
    expect(globMatch('a*', 'a/b')).toBe(false)
    expect(globMatch('[^a]x', 'bx')).toBe(true)
    expect(globMatch('[a-c]x', 'bx')).toBe(true)
    expect(globMatch('[', '[')).toBe(false)
    expect(globMatch('a\\*', 'a*')).toBe(true)
    expect(globMatch('1.?', '1.0')).toBe(true)
  })
})

describe('selection with dependencies', () => {
  it('follows Depends and Pre-Depends transitively, latest version first, for each architecture', () => {
    const up = [
      pkg('app', '1.0', 'amd64', {Depends: 'liba (>= 1.0), libb | libc', 'Pre-Depends': 'pre'}),
      pkg('liba', '0.9', 'amd64'),
      pkg('liba', '1.1', 'amd64', {Depends: 'libd'}),
      pkg('liba', '1.2', 'amd64', {Depends: 'libd'}),
      pkg('libb', '1', 'amd64'),
      pkg('libc', '1', 'amd64'),
      pkg('libd', '1', 'all'),
      pkg('pre', '1', 'amd64'),
      pkg('unrelated', '1', 'amd64', {Recommends: 'app'}),
    ]
    const sel = (q: string, follow = true): string[] => selectPackages(up, {query: parseFilter(q), followDependencies: follow, architectures: ['amd64']}).map((p) => `${p.name}_${p.version}`)
    expect(sel('app', false)).toEqual(['app_1.0'])
    // aptly looks up every alternative of an unsatisfied a | b, and takes the latest satisfying version.
    expect(sel('app')).toEqual(['app_1.0', 'liba_1.2', 'libb_1', 'libc_1', 'libd_1', 'pre_1'])
    expect(sel('unrelated')).toEqual(['unrelated_1'])
    expect(selectPackages(up, {architectures: ['amd64']})).toHaveLength(up.length)
  })

  it('satisfies a virtual package by what Provides it, and a dependency only within its architecture', () => {
    const up = [
      pkg('mailer', '1', 'amd64', {Depends: 'mail-transport-agent, helper:any'}),
      pkg('postfix', '3.7', 'amd64', {Provides: 'mail-transport-agent'}),
      pkg('helper', '1', 'arm64'),
      pkg('helper', '1', 'amd64'),
      pkg('mailer', '1', 'arm64', {Depends: 'helper'}),
    ]
    const sel = (archs: string[]): string[] => selectPackages(up, {query: parseFilter('mailer {amd64}'), followDependencies: true, architectures: archs}).map((p) => `${p.name}_${p.architecture}`)
    expect(sel(['amd64'])).toEqual(['mailer_amd64', 'postfix_amd64', 'helper_amd64'])
    // Dependencies are followed for the architectures mirrored only: mailer amd64 is not arm64's to follow.
    expect(sel(['arm64'])).toEqual(['mailer_amd64'])
  })

  it('adds the source of a binary named otherwise, with sources', () => {
    const up = [pkg('bin', '1.0', 'amd64', {Source: 'src (0.9)'}), pkg('src', '0.9', 'source', {}, 'source'), pkg('src', '1.0', 'source', {}, 'source')]
    expect(selectPackages(up, {query: parseFilter('bin'), withSources: true, architectures: ['amd64']}).map((p) => `${p.name}_${p.version}_${p.architecture}`)).toEqual(['bin_1.0_amd64', 'src_0.9_source'])
  })
})
