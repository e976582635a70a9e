import fs from 'node:fs'
import path from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {addCategory, addDistribution} from '../../src/archive/distributions.js'
import {addPackages, linkPackages, removePackages} from '../../src/archive/packages.js'
import {initialArchiveFiles} from '../../src/archive/settings.js'
import {getField, parseStanza} from '../../src/core/deb822.js'
import {isRaptrError} from '../../src/errors.js'
import {linkDeltas, poolFilesAdded, poolFilesOf, recordsAdded, recordsContentId, recordsOf, snapshotLinkDeltas, snapshotRecords} from '../../src/snapshot/changes.js'
import {diffSnapshots} from '../../src/snapshot/diff.js'
import {categoryLinks, changedDistributions, distContentId, distContentIds, fileLists, readDistSnapshot, shardLinkNames, shardStanzas} from '../../src/snapshot/read.js'
import {Archive} from '../../src/store/archive.js'
import {buildDeb} from '../helpers/build-packages.js'
import {tempDir} from '../helpers/cli.js'

// The snapshot read model against a real archive: what it yields is what raptr wrote,
// as rows, and the commits it is asked about are the only ones it reads.

process.env.RAPTR_AUTHOR_NAME = 'raptr tests'
process.env.RAPTR_AUTHOR_EMAIL = 'tests@example.org'

let archive: Archive
/** Commits: staging with hello and tool (amd64 + all); then extra added to staging; then hello linked to production. */
let c1: string
let c2: string
let c3: string

beforeAll(async () => {
  const work = tempDir('raptr-snapshot-read-')
  const debs = fs.mkdtempSync(path.join(work, 'debs-'))
  const build = async (name: string, version: string, arch: string): Promise<string> => buildDeb(fs.mkdtempSync(path.join(debs, `${name}-`)), {name, version, arch})
  const [hello, tool, extra] = await Promise.all([build('hello', '1:1.0-1', 'amd64'), build('tool', '2.0', 'all'), build('extra', '0.1', 'amd64')])
  archive = (await Archive.init(path.join(work, 'archive'), initialArchiveFiles())).archive
  await addDistribution(archive, 'staging', {architectures: ['amd64']})
  await addDistribution(archive, 'production', {architectures: ['amd64']})
  await addCategory(archive, 'main', ['staging', 'production'])
  await addPackages(archive, [hello, tool], {category: 'main', link: ['staging']})
  c1 = (await archive.head())!
  await addPackages(archive, [extra], {category: 'main', link: ['staging']})
  c2 = (await archive.head())!
  await linkPackages(archive, 'hello', {all: true}, {to: ['production'], category: 'main'})
  c3 = (await archive.head())!
})

describe('a distribution of a snapshot', () => {
  it('has its settings, its categories and a content id that follows its content', async () => {
    const snap = await readDistSnapshot(archive, c1, 'staging')
    expect(snap).toMatchObject({commit: c1, dist: 'staging', categories: ['main'], settings: {architectures: ['amd64']}})
    expect(snap.distTree).toMatch(/^[0-9a-f]{40}$/)
    // extra changed staging, not production; the link to production changed production only.
    expect(await distContentId(archive, c2, 'staging')).not.toBe(snap.distTree)
    expect(await distContentId(archive, c2, 'production')).toBe(await distContentId(archive, c1, 'production'))
    expect(await distContentIds(archive, c3, ['staging', 'production', 'absent'])).toEqual({staging: await distContentId(archive, c3, 'staging'), production: await distContentId(archive, c3, 'production')})
  })

  it('refuses a distribution the snapshot lacks, by name', async () => {
    const error = await readDistSnapshot(archive, c1, 'testing').catch((e: unknown) => e)
    expect(isRaptrError(error) && error.code).toBe('UNKNOWN_DISTRIBUTION')
    expect(await distContentId(archive, c1, 'testing')).toBeUndefined()
  })

  it('names the distributions a change touched', async () => {
    expect(await changedDistributions(archive, c1, c2)).toEqual(['staging'])
    expect(await changedDistributions(archive, c2, c3)).toEqual(['production'])
    expect(await changedDistributions(archive, c3, c3)).toEqual([])
    expect((await changedDistributions(archive, undefined, c1)).sort()).toEqual(['production', 'staging'])
  })
})

describe('the links of a category', () => {
  it('streams each shard\'s stanzas, as stored, per link directory', async () => {
    const snap = await readDistSnapshot(archive, c2, 'staging')
    const links = await categoryLinks(archive, snap.distTree, 'main')
    expect(links.dirs.sort()).toEqual(['all', 'amd64'])
    const names = async (dir: string): Promise<string[]> => {
      const out: string[] = []
      for (const shard of await links.shardsOf(dir)) {
        const stanzas = shardStanzas(archive, shard)
        expect(typeof stanzas[Symbol.asyncIterator]).toBe('function')
        for await (const stanza of stanzas) out.push(getField(parseStanza(stanza.toString('utf8')), 'Package')!)
      }
      return out.sort()
    }
    expect(await names('amd64')).toEqual(['extra', 'hello'])
    expect(await names('all')).toEqual(['tool'])
    // Link names come from the paths alone: the version as stored (the epoch's colon encoded).
    const pairs = (await Promise.all((await links.shardsOf('amd64')).map(async (s) => shardLinkNames(archive, s)))).flat()
    expect(pairs.map(([n]) => n).sort()).toEqual(['extra', 'hello'])
    expect(pairs.find(([n]) => n === 'hello')![1]).not.toContain(':')
    expect((await categoryLinks(archive, snap.distTree, 'contrib')).dirs).toEqual([])
  })

  it('reads the file list kept with a package, by its SHA256', async () => {
    const snap = await readDistSnapshot(archive, c1, 'staging')
    const links = await categoryLinks(archive, snap.distTree, 'main')
    const [shard] = await links.shardsOf('all')
    let sha256 = ''
    for await (const stanza of shardStanzas(archive, shard)) sha256 = getField(parseStanza(stanza.toString('utf8')), 'SHA256')!
    const lists = await fileLists(archive, c1)
    expect((await lists(sha256))?.toString('utf8')).toContain('usr/share/doc/tool/payload')
    expect(await lists('0'.repeat(64))).toBeUndefined()
  })
})

describe('what changed between two contents', () => {
  it('lists link deltas as rows, with the pool files added', async () => {
    const [a, b] = [await distContentId(archive, c1, 'staging'), await distContentId(archive, c2, 'staging')]
    const deltas = await linkDeltas(archive, a, b)
    expect(deltas).toHaveLength(1)
    expect(deltas[0]).toMatchObject({category: 'main', linkDir: 'amd64', architecture: 'amd64', name: 'extra', version: '0.1'})
    expect(deltas[0].before).toBeUndefined()
    expect(deltas[0].after).toBeDefined()
    const added = [...(await poolFilesAdded(archive, a!, b!)).values()]
    expect(added.map((p) => p.key)).toEqual([expect.stringMatching(/\.deb$/)])
    const all = await poolFilesOf(archive, b!)
    expect(all.size).toBe(3)
    expect(all.has(added[0].key)).toBe(true)
    // The other way round it is a removal, and nothing is added.
    expect((await linkDeltas(archive, b, a))[0]).toMatchObject({name: 'extra'})
    expect((await poolFilesAdded(archive, b!, a!)).size).toBe(0)
  })

  it('per distribution between two snapshots, as snapshot diff shows them', async () => {
    const deltas = await snapshotLinkDeltas(archive, c2, c3)
    expect(deltas.map((d) => [d.distribution, d.name, d.version])).toEqual([['production', 'hello', '1:1.0-1']])
    expect(await diffSnapshots(archive, c2, c3)).toEqual([{distribution: 'production', category: 'main', architecture: 'amd64', name: 'hello', change: 'added', from: [], to: ['1:1.0-1']}])
  })

  it('reads package records: all of a snapshot, and those a later one added', async () => {
    const names = async (commit: string): Promise<string[]> => {
      const out: string[] = []
      for await (const r of recordsOf(archive, (await recordsContentId(archive, commit))!)) out.push(r.name)
      return out.sort()
    }
    expect(await names(c1)).toEqual(['hello', 'tool'])
    expect(await names(c2)).toEqual(['extra', 'hello', 'tool'])
    expect((await recordsAdded(archive, c1, c2)).map((r) => r.name)).toEqual(['extra'])
    expect((await recordsAdded(archive, undefined, c1)).map((r) => r.name).sort()).toEqual(['hello', 'tool'])
    expect(await recordsAdded(archive, c2, c3)).toEqual([])
  })

  it('finds an old snapshot\'s record after HEAD removed it (what rollback links again)', async () => {
    await removePackages(archive, 'extra', {all: true})
    const then = await snapshotRecords(archive, c2)
    expect(await then.recordId({name: 'extra', version: '0.1', architecture: 'amd64'})).toMatch(/^[0-9a-f]{40}$/)
    const now = await snapshotRecords(archive, (await archive.head())!)
    expect(await now.recordId({name: 'extra', version: '0.1', architecture: 'amd64'})).toBeUndefined()
  })

  it('refuses a link whose pool file is not one raptr would write, naming the link', async () => {
    const sha = 'a'.repeat(64)
    await archive.transaction((tx) => {
      tx.write('dists/staging/main/amd64/ba/bad/1.0', `Package: bad\nVersion: 1.0\nFilename: pool/../../etc/x.deb\nSize: 1\nSHA256: ${sha}\n`)
      return {message: 'a hand-made link', events: [], result: null}
    })
    const content = (await distContentId(archive, (await archive.head())!, 'staging'))!
    const error = await poolFilesOf(archive, content).catch((e: unknown) => e)
    expect(isRaptrError(error) && error.code).toBe('CORRUPT_ARCHIVE')
    expect(isRaptrError(error) && error.message).toContain('main/amd64/ba/bad/1.0')
    const added = await poolFilesAdded(archive, (await distContentId(archive, c2, 'staging'))!, content).catch((e: unknown) => e)
    expect(isRaptrError(added) && added.code).toBe('CORRUPT_ARCHIVE')
  })
})
