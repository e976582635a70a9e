/**
 * Hostile filters and mirror names: a 5,000-character expression, nesting past the
 * bound, a regular expression that would backtrack exponentially, newlines and control
 * characters, mirror names with `..` or a newline, and a pushed mirror file whose filter
 * is any of those. Each ends in one line with exit 2 (or, for a pushed file, a refusal
 * naming it), and the archive is unchanged.
 */
import path from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {fileProblem} from '../../src/archive/tree-check.js'
import {MAX_FILTER_DEPTH} from '../../src/filter/parse.js'
import {archiveState, ok, okJson, raptr, tempDir} from '../helpers/cli.js'

let dir: string

beforeAll(() => {
  const work = tempDir('raptr-filters-')
  dir = path.join(work, 'repo')
  ok(['init', dir], {cwd: work})
})

/** Refused with exit 2, one line matching `wording`, no stack, the archive as it was. */
function refused(args: string[], wording: RegExp): string {
  const before = archiveState(dir)
  const res = raptr(args, {cwd: dir})
  expect(res.code, res.stderr).toBe(2)
  const first = res.stderr.trim().split('\n')[0]
  expect(first).toMatch(wording)
  expect(first.length).toBeLessThan(400)
  expect(res.stderr).not.toMatch(/at .+\.js:\d+/)
  expect(archiveState(dir)).toEqual(before)
  return first
}

const add = (name: string, filter: string): string[] => ['mirror', 'add', name, 'http://127.0.0.1:9/debian', 'stable', '--to', 'stable', '--filter', filter]

describe('hostile filters', () => {
  it('a 5,000-character flat expression is fine; one past the length bound is refused', () => {
    const flat = Array.from({length: 900}, (_, i) => `pkg${i}`).join(' | ')
    expect(flat.length).toBeGreaterThan(5000)
    ok(add('long', flat), {cwd: dir})
    expect(okJson<Array<{name: string; filter: string}>>(['mirror', 'list'], {cwd: dir}).find((m) => m.name === 'long')?.filter).toBe(flat)
    refused(add('huge', 'a'.repeat(20_000)), /invalid filter at column 16385: the filter is 20000 characters, more than 16384/)
  })

  it('nesting past the bound is refused at its column, not with a stack overflow', () => {
    const deep = `${'('.repeat(2500)}a${')'.repeat(2500)}`
    refused(add('deep', deep), new RegExp(`invalid filter at column ${MAX_FILTER_DEPTH + 2}: nested deeper than ${MAX_FILTER_DEPTH} levels`))
    refused(add('nots', '!'.repeat(5000)), /nested deeper than 64 levels/)
  })

  it('regular expressions that backtrack exponentially are refused when parsed', () => {
    for (const re of ['(a+)+$', '(a|aa)*$', '(.*)*x', '(x+x+)+y']) refused(add('re', `Name (~ '${re}')`), /column 9: the regular expression repeats a group .*exponential/)
    refused(add('re', "Name (~ '(a)\\\\1')"), /backreference/)
    refused(add('re', `Name (~ '${'a'.repeat(300)}')`), /more than 256/)
  })

  it('newlines and control characters are refused with their column', () => {
    refused(add('nl', 'hello |\nworld'), /column 8: a control character \(U\+000a\)/)
    refused(add('esc', 'hello\u001b[31m'), /column 6: a control character \(U\+001b\)/)
    refused(add('bel', "Name (% 'a\u0007')"), /column 11: a control character \(U\+0007\)/)
  })

  it('mirror names with "..", a slash or a newline are refused', () => {
    refused(add('..', 'hello'), /invalid mirror name/)
    refused(add('a/../../b', 'hello'), /invalid mirror name/)
    refused(add('bad\nname', 'hello'), /invalid mirror name "bad\\nname"/)
    refused(['mirror', 'update', '../x'], /invalid mirror name/)
    refused(['mirror', 'show', '.git'], /invalid mirror name/)
  })

  it('a pushed mirror file is checked like a setting: its name, its schema and its filter', () => {
    const good = JSON.stringify({url: 'http://127.0.0.1/debian', suite: 'stable', distribution: 'stable', filter: 'hello'})
    expect(fileProblem('mirrors/ok.json', good)).toBeUndefined()
    expect(fileProblem('mirrors/ok.json', JSON.stringify({url: 'http://x', suite: 'stable', distribution: 'stable', filter: '(a'}))).toMatch(/invalid filter at column 3/)
    expect(fileProblem('mirrors/ok.json', JSON.stringify({url: 'http://x', suite: 'stable', distribution: 'stable', filter: "Name (~ '(a+)+')"}))).toMatch(/exponential/)
    expect(fileProblem('mirrors/ok.json', JSON.stringify({url: 'http://x\nInjected: yes', suite: 'stable', distribution: 'stable'}))).toMatch(/invalid/)
    expect(fileProblem('mirrors/ok.json', JSON.stringify({url: 'http://x', suite: 'stable', distribution: '../../etc'}))).toMatch(/invalid/)
    expect(fileProblem('mirrors/-x.json', good)).toMatch(/invalid mirror name/)
    expect(fileProblem('mirrors/a/b.json', good)).toMatch(/only mirrors\/<name>\.json/)
  })
})
