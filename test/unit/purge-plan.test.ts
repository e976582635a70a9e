import {describe, expect, it} from 'vitest'
import type {ObjectInfo} from '../../src/backends/interface.js'
import {deletionOrder, planPurge} from '../../src/purge/plan.js'
import {poolRefsOfIndex} from '../../src/core/pool-refs.js'
import {indexRefs} from '../../src/remote/references.js'
import {chooseRetained, parseDuration, type LoggedPublication} from '../../src/purge/retention.js'

const HOUR = 3_600_000
const now = new Date('2026-01-10T12:00:00Z')
const old = new Date(now.getTime() - 48 * HOUR)
const fresh = new Date(now.getTime() - 10 * 60_000)
const hex = (c: string): string => c.repeat(64)
const o = (key: string, modified = old, size = 10): ObjectInfo => ({key, size, modified})

function entry(seq: number, pinned: string, extra: Partial<LoggedPublication> = {}): LoggedPublication {
  return {seq, distribution: 'production', snapshot: pinned.padEnd(40, '0'), distTree: pinned.padEnd(40, 'f'), pinned, date: old.toISOString(), release: '', ...extra}
}

describe('retention: which publications purge keeps', () => {
  const log = [entry(1, 'aaaaaaaaaaaa'), entry(2, 'bbbbbbbbbbbb'), entry(3, 'cccccccccccc'), entry(4, 'bbbbbbbbbbbb'), entry(5, 'dddddddddddd')]

  it('keeps the live publication and the last N distinct snapshots of each distribution', () => {
    const kept = chooseRetained([log], {keepLast: 1, now, named: []})
    expect(kept.map((k) => [k.pinned, k.reasons])).toEqual([['dddddddddddd', ['live', 'last-1']]])
    // a rollback (seq 4) to b counts as one snapshot with its earlier publication
    const three = chooseRetained([log], {keepLast: 3, now, named: []})
    expect(three.map((k) => k.pinned)).toEqual(['dddddddddddd', 'bbbbbbbbbbbb', 'cccccccccccc'])
    expect(three.find((k) => k.pinned === 'bbbbbbbbbbbb')!.seq).toBe(4)
  })

  it('keeps every named snapshot, matched by commit or by distribution tree', () => {
    const kept = chooseRetained([log], {
      keepLast: 1,
      now,
      named: [
        {name: 'release-1', commit: log[0].snapshot, distTrees: {}},
        {name: 'rc', commit: 'e'.repeat(40), distTrees: {production: log[2].distTree}},
      ],
    })
    expect(kept.map((k) => [k.pinned, k.reasons])).toEqual([
      ['dddddddddddd', ['live', 'last-1']],
      ['cccccccccccc', ['named:rc']],
      ['aaaaaaaaaaaa', ['named:release-1']],
    ])
  })

  it('keeps publications newer than --keep-days', () => {
    const recent = [entry(1, 'aaaaaaaaaaaa'), entry(2, 'bbbbbbbbbbbb', {date: new Date(now.getTime() - 12 * HOUR).toISOString()}), entry(3, 'cccccccccccc')]
    expect(chooseRetained([recent], {keepLast: 1, keepDays: 1, now, named: []}).map((k) => k.pinned)).toEqual(['cccccccccccc', 'bbbbbbbbbbbb'])
  })

  it('a dropped distribution has nothing live: before its newest drop only recent, pinned and named publications stay; a publish after it starts afresh', () => {
    const a = entry(1, 'aaaaaaaaaaaa', {date: '2026-01-01T00:00:00Z'})
    const b = entry(2, 'bbbbbbbbbbbb', {date: '2026-01-02T00:00:00Z'})
    const dropped = [a, b, entry(3, 'bbbbbbbbbbbb', {action: 'drop', date: '2026-01-03T00:00:00Z'})]
    expect(chooseRetained([dropped], {keepLast: 5, now, named: []})).toEqual([])
    expect(chooseRetained([dropped], {keepLast: 5, now, named: [], pins: [{distribution: a.distribution, pinned: 'aaaaaaaaaaaa'}]}).map((k) => [k.pinned, k.reasons])).toEqual([['aaaaaaaaaaaa', ['pinned']]])
    const back = [...dropped, entry(4, 'dddddddddddd', {date: '2026-01-04T00:00:00Z'})]
    expect(chooseRetained([back], {keepLast: 5, now, named: []}).map((k) => [k.pinned, k.reasons])).toEqual([['dddddddddddd', ['live', 'last-5']]])
  })

  it('refuses --keep-last 0: the live snapshot always stays', () => {
    expect(() => chooseRetained([log], {keepLast: 0, now, named: []})).toThrow(/at least 1/)
  })

  it('reads grace periods as 6h, 30m, 2d, 0, and a bare number as hours', () => {
    expect(parseDuration('6h')).toBe(6 * HOUR)
    expect(parseDuration('30m')).toBe(30 * 60_000)
    expect(parseDuration('2d')).toBe(48 * HOUR)
    expect(parseDuration('0')).toBe(0)
    expect(parseDuration('1.5')).toBe(1.5 * HOUR)
    expect(() => parseDuration('soon')).toThrow(/duration/)
  })
})

describe('references: what a publication needs', () => {
  it('lists each index under its live by-hash, pinned by-hash and pinned canonical names', () => {
    const release = `Suite: production\nSHA256:\n ${hex('1')} 120 public/binary-amd64/Packages\n`
    expect(indexRefs('production', 'aaaaaaaaaaaa', release, true)[0].keys).toEqual([
      `dists/production/public/binary-amd64/by-hash/SHA256/${hex('1')}`,
      `dists/snapshots/aaaaaaaaaaaa/production/public/binary-amd64/by-hash/SHA256/${hex('1')}`,
      'dists/snapshots/aaaaaaaaaaaa/production/public/binary-amd64/Packages',
    ])
  })

  it('reads pool files from binary Filename and from source Directory + Checksums-Sha256', () => {
    const text = `Package: a\nFilename: pool/aa/x.deb\nSize: 3\nSHA256: ${hex('a')}\n\nPackage: s\nDirectory: pool/bb/dir\nChecksums-Sha256:\n ${hex('b')} 5 s_1.dsc\n ${hex('c')} 7 s_1.tar.xz\n`
    expect(poolRefsOfIndex(text)).toEqual([
      {key: 'pool/aa/x.deb', sha256: hex('a'), size: 3},
      {key: 'pool/bb/dir/s_1.dsc', sha256: hex('b'), size: 5},
      {key: 'pool/bb/dir/s_1.tar.xz', sha256: hex('c'), size: 7},
    ])
  })
})

describe('the purge plan', () => {
  const live = `dists/production/public/binary-amd64/by-hash/SHA256/${hex('1')}`
  const stale = `dists/production/public/binary-amd64/by-hash/SHA256/${hex('2')}`
  const listing = [
    o('dists/production/InRelease'),
    o('dists/production/Release'),
    o('dists/production/public/binary-amd64/Packages'),
    o(live),
    o(stale),
    o('dists/snapshots/aaaaaaaaaaaa/production/Release'),
    o('dists/snapshots/aaaaaaaaaaaa/production/InRelease'),
    o('dists/snapshots/aaaaaaaaaaaa/production/public/binary-amd64/Packages'),
    o('dists/snapshots/bbbbbbbbbbbb/production/Release'),
    o('pool/aa/keep.deb', old, 100),
    o('pool/bb/gone.deb', old, 200),
    o('pool/cc/new.deb', fresh, 300),
    o('raptr/log/production/0000000001.json'),
    o('raptr/lease.json'),
    o('raptr.asc'),
  ]
  const input = {
    listing,
    referenced: new Set([live, 'pool/aa/keep.deb']),
    retainedPinned: new Set(['dists/snapshots/bbbbbbbbbbbb/production']),
    now,
    graceMs: 6 * HOUR,
  }

  it('deletes unreferenced pool files, by-hash indexes and pinned directories, and keeps what is young', () => {
    const plan = planPurge(input)
    expect(plan.pool.map((x) => x.key)).toEqual(['pool/bb/gone.deb'])
    expect(plan.byHash.map((x) => x.key)).toEqual([stale])
    expect(plan.pinned).toEqual([
      {
        dir: 'dists/snapshots/aaaaaaaaaaaa/production',
        releaseFiles: ['dists/snapshots/aaaaaaaaaaaa/production/InRelease', 'dists/snapshots/aaaaaaaaaaaa/production/Release'],
        indexes: ['dists/snapshots/aaaaaaaaaaaa/production/public/binary-amd64/Packages'],
        bytes: 30,
      },
    ])
    expect(plan.keptYoung).toEqual({objects: 1, bytes: 300})
    expect(plan.totals.all).toEqual({objects: 5, bytes: 240})
  })

  it('never plans to delete the pointer, canonical indexes, the log, the lease or the key', () => {
    const all = deletionOrder(planPurge({...input, referenced: new Set(), retainedPinned: new Set(), graceMs: 0})).flat()
    for (const k of ['dists/production/InRelease', 'dists/production/Release', 'dists/production/public/binary-amd64/Packages', 'raptr/log/production/0000000001.json', 'raptr/lease.json', 'raptr.asc']) {
      expect(all).not.toContain(k)
    }
    expect(all).toContain('pool/cc/new.deb')
  })

  it('removes a pinned snapshot Release files first, then its indexes, then by-hash, then pool', () => {
    const order = deletionOrder(planPurge(input))
    expect(order[0]).toEqual(['dists/snapshots/aaaaaaaaaaaa/production/InRelease', 'dists/snapshots/aaaaaaaaaaaa/production/Release'])
    expect(order[1]).toEqual(['dists/snapshots/aaaaaaaaaaaa/production/public/binary-amd64/Packages'])
    expect(order[2]).toEqual([stale])
    expect(order[3]).toEqual(['pool/bb/gone.deb'])
  })

  it('keeps a whole pinned directory when any of its files is young, or when it has no Release yet while its distribution is being published', () => {
    const young = planPurge({...input, listing: [...listing, o('dists/snapshots/aaaaaaaaaaaa/production/Release.gpg', fresh)]})
    expect(young.pinned).toEqual([])
    const incomplete = [o('dists/snapshots/eeeeeeeeeeee/production/public/binary-amd64/Packages'), o(`dists/production/public/binary-arm64/by-hash/SHA256/${hex('9')}`, fresh)]
    expect(planPurge({...input, listing: incomplete}).pinned).toEqual([])
    expect(planPurge({...input, listing: incomplete.slice(0, 1)}).pinned.map((p) => p.dir)).toEqual(['dists/snapshots/eeeeeeeeeeee/production'])
  })

  it('with no grace period, deletes unreferenced objects however new', () => {
    expect(planPurge({...input, graceMs: 0}).pool.map((x) => x.key)).toEqual(['pool/bb/gone.deb', 'pool/cc/new.deb'])
  })
})
