import {describe, expect, it} from 'vitest'
import {z} from 'zod/mini'
import {ciJobUrl, contextFromEnv, decodeMessage, encodeMessage, EVENT_TYPES, RaptrEvent, type RaptrEvent as Event} from '../../src/core/events.js'
import {commitEntries, describeEvent, LogEntry, narrowEvent} from '../../src/core/event-log.js'
import {parseWhen} from '../../src/cli/event-filter.js'

const added: Event = {
  v: 1,
  type: 'PackageAdded',
  packages: [
    {name: 'hello', version: '2.10-3', architecture: 'amd64', category: 'main', linked: ['staging/main']},
    {name: 'other', version: '1.0', architecture: 'all', category: 'main', replaced: true, linked: []},
  ],
}
const linked: Event = {
  v: 1,
  type: 'PackageLinked',
  packages: [
    {name: 'hello', version: '2.10-3', architecture: 'amd64', distribution: 'production', category: 'main'},
    {name: 'hello', version: '2.10-3', architecture: 'arm64', distribution: 'staging', category: 'main'},
  ],
}

describe('event schema', () => {
  it('accepts every type with its payload and refuses a wrong one', () => {
    expect(z.parse(RaptrEvent, added)).toEqual(added)
    expect(z.safeParse(RaptrEvent, {v: 1, type: 'PackageAdded'}).success).toBe(false)
    expect(z.safeParse(RaptrEvent, {v: 2, type: 'ArchiveCreated'}).success).toBe(false)
    expect(z.safeParse(RaptrEvent, {v: 1, type: 'NoSuchEvent'}).success).toBe(false)
    expect(EVENT_TYPES).toContain('Merged')
    expect(new Set(EVENT_TYPES).size).toBe(EVENT_TYPES.length)
  })
})

describe('encode and decode', () => {
  it('round-trips events and context; the first line stays the sentence', () => {
    const text = encodeMessage('packages added: 2 (category main)\n\nadded hello 2.10-3 amd64\nadded other 1.0 all', [added, linked], {note: {ticket: 'OPS-1'}, ci: 'https://ci.example.org/job/7'})
    expect(text.split('\n')[0]).toBe('packages added: 2 (category main)')
    expect(text.split('\n').filter((l) => l.startsWith('Raptr-Event: '))).toHaveLength(2)
    const d = decodeMessage(text)
    expect(d).toEqual({
      sentence: 'packages added: 2 (category main)',
      body: 'added hello 2.10-3 amd64\nadded other 1.0 all',
      events: [added, linked],
      unknown: false,
      context: {note: {ticket: 'OPS-1'}, ci: 'https://ci.example.org/job/7'},
    })
  })

  it('no context: no context trailer; no events: the message as it is', () => {
    expect(encodeMessage('archive created', [{v: 1, type: 'ArchiveCreated'}], {})).toBe('archive created\n\nRaptr-Event: {"v":1,"type":"ArchiveCreated"}')
    expect(encodeMessage('x set', [], {note: 'n'})).toBe('x set')
  })

  it('a commit without data (older raptr, plain git) is unknown with its sentence', () => {
    expect(decodeMessage('package added: p1 1.3-1 amd64 to staging/main\n')).toEqual({sentence: 'package added: p1 1.3-1 amd64 to staging/main', body: '', events: [], unknown: true, context: {}})
    expect(decodeMessage('')).toMatchObject({sentence: '', unknown: true})
  })

  it('corrupt or unreadable data makes the commit unknown, never an error', () => {
    const bad = [
      'x\n\nRaptr-Event: {"v":1,"type":"PackageAdded"',
      'x\n\nRaptr-Event: {"v":1,"type":"PackageAdded","packages":"hello"}',
      'x\n\nRaptr-Event: {"v":9,"type":"FromTheFuture"}',
      `x\n\nRaptr-Event: ${JSON.stringify(added)}\nRaptr-Event: not json`,
    ]
    for (const m of bad) expect(decodeMessage(m), m).toMatchObject({sentence: 'x', events: [], unknown: true})
    // A bad context is dropped; the events stay.
    expect(decodeMessage(`x\n\nRaptr-Event: ${JSON.stringify(added)}\nRaptr-Context: {"ci":7}`)).toMatchObject({events: [added], unknown: false, context: {}})
  })
})

describe('context from the environment', () => {
  it('RAPTR_EVENT_CONTEXT as JSON or text, and the CI job URL of the usual CIs', () => {
    expect(contextFromEnv({RAPTR_EVENT_CONTEXT: '{"a":1}'})).toEqual({note: {a: 1}})
    expect(contextFromEnv({RAPTR_EVENT_CONTEXT: 'release 42'})).toEqual({note: 'release 42'})
    expect(contextFromEnv({})).toEqual({})
    expect(ciJobUrl({GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'o/r', GITHUB_RUN_ID: '9'})).toBe('https://github.com/o/r/actions/runs/9')
    expect(ciJobUrl({CI_JOB_URL: 'https://gitlab.example.org/o/r/-/jobs/4711'})).toBe('https://gitlab.example.org/o/r/-/jobs/4711')
    expect(ciJobUrl({BUILD_URL: 'https://jenkins.example.org/job/x/3/'})).toBe('https://jenkins.example.org/job/x/3/')
    expect(ciJobUrl({BUILDKITE_BUILD_URL: 'https://buildkite.com/o/p/builds/5'})).toBe('https://buildkite.com/o/p/builds/5')
    expect(ciJobUrl({})).toBeUndefined()
  })
})

describe('filters', () => {
  const commit = {id: 'a'.repeat(40), author: 'Alice <alice@example.org>', timestamp: 1_790_000_000, message: encodeMessage('s', [added, linked], {})}

  it('--package and --distribution narrow bulk events to what was asked', () => {
    expect(narrowEvent(added, {packages: ['other']})).toEqual({...added, packages: [added.packages[1]]})
    expect(narrowEvent(linked, {packages: ['hello'], distributions: ['production']})).toEqual({...linked, packages: [linked.packages[0]]})
    expect(narrowEvent(linked, {distributions: ['qa']})).toBeUndefined()
    expect(narrowEvent({v: 1, type: 'RolledBack', distribution: 'production', backend: 'b', snapshot: 'c', seq: 3}, {distributions: ['production']})).toBeDefined()
    const removed: Event = {v: 1, type: 'PackageRemoved', name: 'hello', choice: {all: true}, packages: [{name: 'hello', version: '1', architecture: 'amd64', unlinked: ['staging/main']}]}
    expect(narrowEvent(removed, {packages: ['hello']})).toEqual(removed)
    expect(narrowEvent(removed, {packages: ['hello'], distributions: ['staging']})).toEqual(removed)
    expect(narrowEvent(removed, {packages: ['hello'], distributions: ['production']})).toBeUndefined()
  })

  it('entries match the documented schema; type, author and time filters apply', () => {
    const all = commitEntries(commit, {})
    expect(all.map((e) => z.parse(LogEntry, e).type)).toEqual(['PackageAdded', 'PackageLinked'])
    expect(all[0]).toMatchObject({id: commit.id, date: '2026-09-21T14:13:20.000Z', author: commit.author, message: 's', v: 1, payload: {packages: added.packages}, context: {}})
    expect(commitEntries(commit, {types: ['PackageLinked']})).toHaveLength(1)
    expect(commitEntries(commit, {author: 'ALICE@'})).toHaveLength(2)
    expect(commitEntries(commit, {author: 'bob'})).toHaveLength(0)
    expect(commitEntries(commit, {since: commit.timestamp + 1})).toHaveLength(0)
    expect(commitEntries(commit, {until: commit.timestamp - 1})).toHaveLength(0)
    const old = {...commit, message: 'by hand'}
    expect(commitEntries(old, {}).map((e) => [e.type, e.v, e.message])).toEqual([['unknown', null, 'by hand']])
    expect(commitEntries(old, {packages: ['hello']})).toEqual([])
  })

  it('dates: ISO, relative as git log takes them, and a one-line error otherwise', () => {
    const now = Date.parse('2026-12-01T12:00:00Z')
    const s = now / 1000
    expect(parseWhen('2.weeks', '--since', false, now)).toBe(s - 14 * 86_400)
    expect(parseWhen('3 days ago', '--since', false, now)).toBe(s - 3 * 86_400)
    expect(parseWhen('1.hour.ago', '--since', false, now)).toBe(s - 3600)
    expect(parseWhen('yesterday', '--since', false, now)).toBe(s - 86_400)
    expect(parseWhen('2026-11-30', '--since', false, now)).toBe(Date.parse('2026-11-30T00:00:00Z') / 1000)
    expect(parseWhen('2026-11-30', '--until', true, now)).toBe(Date.parse('2026-11-30T23:59:59Z') / 1000)
    expect(parseWhen('2026-11-30T10:00:00Z', '--since', false, now)).toBe(Date.parse('2026-11-30T10:00:00Z') / 1000)
    expect(() => parseWhen('soon', '--since', false, now)).toThrow(/--since "soon" is not a date/)
  })
})

describe('RolledBack with the links it changed', () => {
  const place = (i: number) => ({name: `p${i}`, version: '1.0', architecture: 'amd64', distribution: 'production', category: 'main'})
  const base = {v: 1, type: 'RolledBack', distribution: 'production', backend: 'eu', snapshot: 'c'.repeat(40), seq: 7} as const

  it('an older raptr\'s event (no link fields) still reads and reads as before', () => {
    const [e] = decodeMessage(encodeMessage('rolled back', [base], {})).events
    expect(e).toEqual(base)
    expect(describeEvent(e)).toBe(`production on eu ${'c'.repeat(12)} (seq 7)`)
  })

  it('lists three packages each way and counts the rest (the event holds at most 20 of each)', () => {
    const e: Event = {...base, unlinked: Array.from({length: 20}, (_, i) => place(i)), relinked: [], unlinkedCount: 30, relinkedCount: 0, recordsRestored: 2}
    expect(decodeMessage(encodeMessage('rolled back', [e], {})).events).toEqual([e])
    expect(describeEvent(e)).toBe(
      `production on eu ${'c'.repeat(12)} (seq 7); unlinked p0 1.0 amd64 production/main, p1 1.0 amd64 production/main, p2 1.0 amd64 production/main and 27 more; relinked none; 2 records restored`,
    )
    const one: Event = {...base, unlinked: [], relinked: [place(1)], unlinkedCount: 0, relinkedCount: 1}
    expect(describeEvent(one)).toBe(`production on eu ${'c'.repeat(12)} (seq 7); unlinked none; relinked p1 1.0 amd64 production/main`)
  })

  it('--package finds a rollback that unlinked or relinked it (among those it names)', () => {
    const e: Event = {...base, unlinked: [place(1), place(2)], relinked: [place(3)], unlinkedCount: 2, relinkedCount: 1}
    expect(narrowEvent(e, {packages: ['p2']})).toEqual({...e, unlinked: [place(2)], relinked: []})
    expect(narrowEvent(e, {packages: ['p3'], distributions: ['production']})).toEqual({...e, unlinked: [], relinked: [place(3)]})
    expect(narrowEvent(e, {packages: ['p3'], distributions: ['staging']})).toBeUndefined()
    expect(narrowEvent(e, {packages: ['p9']})).toBeUndefined()
    expect(narrowEvent(base, {packages: ['p1']})).toBeUndefined()
  })

  it('refuses link fields of the wrong shape: the commit reads as unknown', () => {
    const bad = `rolled back\n\nRaptr-Event: ${JSON.stringify({...base, unlinked: [{name: 'x'}], unlinkedCount: 1})}`
    expect(decodeMessage(bad)).toMatchObject({unknown: true, events: []})
  })
})
