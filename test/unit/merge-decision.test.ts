import {describe, expect, it} from 'vitest'
import {classifyPath, decidePath, mergeJson, reconcileLink} from '../../src/core/merge-decision.js'

const b = (s: string): Uint8Array => Buffer.from(s, 'utf8')
const text = (d: ReturnType<typeof decidePath>): string | undefined | 'conflict' => ('conflict' in d ? 'conflict' : d.content && Buffer.from(d.content).toString('utf8'))

describe('the per-path merge decision', () => {
  it('knows each kind of archive path', () => {
    expect(classifyPath('raptr.json')).toBe('settings')
    expect(classifyPath('backends/eu.json')).toBe('settings')
    expect(classifyPath('mirrors/bookworm.json')).toBe('settings')
    expect(classifyPath('dists/staging/distribution.json')).toBe('settings')
    expect(classifyPath('dists/staging/main/category.json')).toBe('settings')
    expect(classifyPath('dists/staging/main/amd64/3f/hello/2.10-3')).toBe('link')
    expect(classifyPath('packages/3f/hello/2.10-3_amd64')).toBe('record')
    expect(classifyPath('bundles/kit/1.0')).toBe('bundle')
    expect(classifyPath('snapshots/release-1.json')).toBe('snapshot')
    expect(classifyPath('publications/eu/staging/0000000001.json')).toBe('other')
  })

  it('a path changed on one side takes that side; the same change on both is no conflict', () => {
    const p = 'packages/3f/hello/1.0_amd64'
    expect(text(decidePath(p, b('A'), b('A'), b('B')))).toBe('B')
    expect(text(decidePath(p, b('A'), b('B'), b('A')))).toBe('B')
    expect(text(decidePath(p, undefined, b('B'), b('B')))).toBe('B')
    expect(text(decidePath(p, b('A'), undefined, b('A')))).toBeUndefined()
  })

  it('a removal wins over a change beside it', () => {
    expect(text(decidePath('packages/3f/hello/1.0_amd64', b('A'), undefined, b('B')))).toBeUndefined()
    expect(text(decidePath('backends/eu.json', b('{"url":"a"}'), b('{"url":"b"}'), undefined))).toBeUndefined()
  })

  it('one package with two contents conflicts and names it with both hashes', () => {
    const rec = (sha: string): Uint8Array => b(`Package: hello\nVersion: 1:2.0\nSHA256: ${sha}\nRaptr-Kind: deb\n`)
    const d = decidePath('packages/3f/hello/1%3a2.0_amd64', undefined, rec('a'.repeat(64)), rec('b'.repeat(64)))
    expect('conflict' in d && d.conflict.message).toBe('package hello 1:2.0 amd64: added with different contents on both sides (SHA256 aaaaaaaaaaaa here, bbbbbbbbbbbb there)')
  })

  it('one snapshot name: the same commit twice keeps the earlier naming; two commits conflict', () => {
    const snap = (commit: string, created: string): Uint8Array => b(JSON.stringify({commit, created}))
    const c1 = '1'.repeat(40)
    expect(text(decidePath('snapshots/r.json', undefined, snap(c1, '2026-02-01'), snap(c1, '2026-01-01')))).toContain('2026-01-01')
    expect(text(decidePath('snapshots/r.json', undefined, snap(c1, '2026-01-01'), snap('2'.repeat(40), '2026-01-01')))).toBe('conflict')
  })

  it('settings merge key by key, and a key set two ways is the conflict', () => {
    expect(mergeJson({a: 1, r: {k: 5, g: 6}}, {a: 1, r: {k: 9, g: 6}}, {a: 1, r: {k: 5, g: 24}, s: true})).toEqual({value: {a: 1, r: {k: 9, g: 24}, s: true}})
    expect(mergeJson({arch: ['amd64']}, {arch: ['amd64', 'arm64']}, {arch: ['amd64', 'riscv64']})).toMatchObject({conflicts: ['arch']})
    const d = decidePath('dists/staging/distribution.json', b('{"architectures":["amd64"]}'), b('{"architectures":["amd64"],"origin":"A"}'), b('{"architectures":["amd64"],"origin":"B"}'))
    expect('conflict' in d && d.conflict.message).toBe('setting distribution staging: origin set two ways ("A" here, "B" there)')
    // A mirror's filter changed two ways is a conflict that names the mirror; different keys merge.
    const m = (o: Record<string, unknown>): Uint8Array => b(JSON.stringify({url: 'http://u', suite: 's', distribution: 'd', ...o}))
    const mc = decidePath('mirrors/up.json', m({}), m({filter: 'a'}), m({filter: 'b'}))
    expect('conflict' in mc && mc.conflict.message).toBe('setting mirror up: filter set two ways ("a" here, "b" there)')
    expect(JSON.parse(text(decidePath('mirrors/up.json', m({}), m({filter: 'a'}), m({withSources: true})))!)).toMatchObject({filter: 'a', withSources: true})
  })

  it('a path raptr does not know, changed two ways, takes what the remote has', () => {
    expect(text(decidePath('pins/staging/x.json', b('0'), b('1'), b('2')))).toBe('2')
  })

  it('a link follows its merged record: dropped without it, its category or distribution; refreshed to its stanza', () => {
    const link = b('Package: hello\n')
    const record = b('Package: hello\nSHA256: new\nRaptr-Kind: deb\n')
    expect(reconcileLink(link, undefined, true, true)).toEqual({content: undefined, changed: true})
    expect(reconcileLink(link, record, false, true)).toEqual({content: undefined, changed: true})
    expect(reconcileLink(link, record, true, false)).toEqual({content: undefined, changed: true})
    const r = reconcileLink(link, record, true, true)
    expect(r.changed).toBe(true)
    expect(Buffer.from(r.content!).toString('utf8')).toBe('Package: hello\nSHA256: new\n')
    expect(reconcileLink(b('Package: hello\nSHA256: new\n'), record, true, true).changed).toBe(false)
  })
})
