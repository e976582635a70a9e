import fs from 'node:fs'
import path from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {addBackend} from '../../src/archive/backends.js'
import {addBundle, listBundles} from '../../src/archive/bundles.js'
import {pinPath} from '../../src/archive/pins.js'
import {addDistribution, addCategory, removeCategory, removeDistribution} from '../../src/archive/distributions.js'
import {addPackages, linkPackages, listPackages, removePackages, unlinkPackages} from '../../src/archive/packages.js'
import {initialArchiveFiles, json} from '../../src/archive/settings.js'
import {listNamedSnapshots, nameSnapshot} from '../../src/archive/snapshots.js'
import {isRaptrError} from '../../src/errors.js'
import {Archive} from '../../src/store/archive.js'
import {cloneArchive} from '../../src/team/clone.js'
import {pullArchive, syncArchive} from '../../src/team/sync.js'
import {buildDeb} from '../helpers/build-packages.js'
import {archiveState, sh, tempDir} from '../helpers/cli.js'

// Two people (or CI jobs) edit clones of one archive at the same time; the second to sync
// merges the first's change with raptr's own three-way merge. Each row is one pair of
// concurrent edits and what a user expects afterwards.

process.env.RAPTR_AUTHOR_NAME = 'raptr tests'
process.env.RAPTR_AUTHOR_EMAIL = 'tests@example.org'

const noBackends = {open: async (): Promise<never> => {
  throw new Error('no backend should be opened')
}}

let debs: Record<string, string>

beforeAll(async () => {
  const dir = tempDir('raptr-merge-debs-')
  const spec = (name: string, version: string, seed = 1) => ({name, version, arch: 'amd64', payloadBytes: 32, seed})
  const build = async (key: string, name: string, version: string, seed?: number): Promise<[string, string]> => {
    const sub = fs.mkdtempSync(path.join(dir, `${key}-`))
    return [key, await buildDeb(sub, spec(name, version, seed))]
  }
  debs = Object.fromEntries(await Promise.all([build('base', 'base', '1.0'), build('alpha', 'alpha', '1.0'), build('beta', 'beta', '1.0'), build('twinA', 'twin', '1.0', 1), build('twinB', 'twin', '1.0', 2)]))
})

/** A shared archive (staging and production, category main in both, package base in staging) and two clones of it. */
async function team(): Promise<{ours: Archive; theirs: Archive; remote: string}> {
  const work = tempDir('raptr-merge-')
  const {archive: origin} = await Archive.init(path.join(work, 'origin'), initialArchiveFiles())
  await addDistribution(origin, 'staging', {architectures: ['amd64']})
  await addDistribution(origin, 'production', {architectures: ['amd64']})
  await addCategory(origin, 'main', ['staging', 'production'])
  await addPackages(origin, [debs.base], {category: 'main', link: ['staging']})
  const remote = path.join(work, 'remote.git')
  expect(sh('git', ['clone', '--quiet', '--bare', origin.dir, remote]).code).toBe(0)
  const theirs = (await cloneArchive(remote, 'theirs', work)).archive
  // They sync once first, so each row starts from one history.
  await syncArchive(theirs, noBackends)
  const ours = (await cloneArchive(remote, 'ours', work)).archive
  return {ours, theirs, remote}
}

type Edit = (a: Archive) => Promise<unknown>

/** They edit and push; we edit and sync (fetch, merge, push). */
async function concurrently(ours: Edit, theirs: Edit): Promise<{ours: Archive; theirs: Archive; remote: string}> {
  const t = await team()
  await theirs(t.theirs)
  await syncArchive(t.theirs, noBackends)
  await ours(t.ours)
  await syncArchive(t.ours, noBackends)
  return t
}

async function linked(a: Archive, dist: string): Promise<string[]> {
  return (await listPackages(await a.view(), {distribution: dist})).map((p) => p.name).sort()
}

async function read(a: Archive, p: string): Promise<string | undefined> {
  return (await a.view()).read(p)
}

async function settings(a: Archive, p: string): Promise<Record<string, unknown>> {
  return JSON.parse((await read(a, p))!) as Record<string, unknown>
}

/** What every merged archive must be: both parents, a clean work tree, what the remote has, nothing textual. */
async function expectMerged(t: {ours: Archive; remote: string}): Promise<void> {
  const head = await t.ours.readCommit((await t.ours.head())!)
  expect(head.parents).toHaveLength(2)
  expect(head.message).toMatch(/^merged origin\/main: \d+ changes? came in/)
  expect(archiveState(t.ours.dir).status).toBe('')
  expect(sh('git', ['rev-parse', 'main'], {cwd: t.remote}).stdout.trim()).toBe(head.id)
  expect(sh('git', ['grep', '-n', '-e', '^<<<<<<<', '-e', '^>>>>>>>', 'HEAD'], {cwd: t.ours.dir}).stdout).toBe('')
  expect(sh('git', ['fsck', '--no-dangling'], {cwd: t.ours.dir}).code).toBe(0)
}

const add = (deb: string, link: string[] = ['staging']): Edit => (a) => addPackages(a, [debs[deb]], {category: 'main', link})

describe('merging concurrent edits of one archive', () => {
  const rows: Array<{name: string; ours: Edit; theirs: Edit; expect: (a: Archive) => Promise<void>}> = [
    {
      name: 'two different packages added: both are there',
      ours: add('alpha'),
      theirs: add('beta'),
      expect: async (a) => expect(await linked(a, 'staging')).toEqual(['alpha', 'base', 'beta']),
    },
    {
      name: 'the same package with the same bytes added on both sides: once, no conflict',
      ours: add('alpha'),
      theirs: add('alpha', ['staging', 'production']),
      expect: async (a) => {
        expect(await linked(a, 'staging')).toEqual(['alpha', 'base'])
        expect(await linked(a, 'production')).toEqual(['alpha'])
      },
    },
    {
      name: 'a link here, another link there: both links',
      ours: (a) => linkPackages(a, 'base', {latest: true}, {to: ['production']}),
      theirs: add('beta'),
      expect: async (a) => {
        expect(await linked(a, 'production')).toEqual(['base'])
        expect(await linked(a, 'staging')).toEqual(['base', 'beta'])
      },
    },
    {
      name: 'an unlink here, an add there: the unlink and the add',
      ours: (a) => unlinkPackages(a, 'base', {latest: true}, {from: ['staging']}),
      theirs: add('beta'),
      expect: async (a) => expect(await linked(a, 'staging')).toEqual(['beta']),
    },
    {
      name: 'a package removed here, another added there: removed and added',
      ours: (a) => removePackages(a, 'base', {all: true}),
      theirs: add('alpha'),
      expect: async (a) => {
        expect(await linked(a, 'staging')).toEqual(['alpha'])
        expect((await listPackages(await a.view(), {})).map((p) => p.name)).not.toContain('base')
      },
    },
    {
      name: 'a package removed here while linked to production there: the removal wins, no link is left dangling',
      ours: (a) => removePackages(a, 'base', {all: true}),
      theirs: (a) => linkPackages(a, 'base', {latest: true}, {to: ['production']}),
      expect: async (a) => {
        expect(await linked(a, 'production')).toEqual([])
        expect(sh('git', ['ls-tree', '-r', '--name-only', 'HEAD', 'dists/production'], {cwd: a.dir}).stdout).not.toContain('/base/')
        expect(await a.readCommit((await a.head())!).then((c) => c.message)).toContain('links dropped or refreshed')
      },
    },
    {
      name: 'categories added on both sides: both categories',
      ours: (a) => addCategory(a, 'contrib', ['staging']),
      theirs: (a) => addCategory(a, 'extra', ['production']),
      expect: async (a) => {
        expect(await read(a, 'dists/staging/contrib/category.json')).toBeDefined()
        expect(await read(a, 'dists/production/extra/category.json')).toBeDefined()
      },
    },
    {
      name: 'a category removed here, a package linked into it there: the category stays removed with none of its links',
      ours: (a) => removeCategory(a, 'main', ['production']),
      theirs: (a) => linkPackages(a, 'base', {latest: true}, {to: ['production']}),
      expect: async (a) => {
        expect(await read(a, 'dists/production/main/category.json')).toBeUndefined()
        expect(sh('git', ['ls-tree', '-r', '--name-only', 'HEAD', 'dists/production'], {cwd: a.dir}).stdout).toBe('dists/production/distribution.json\n')
      },
    },
    {
      name: 'distributions added and removed on both sides: each change holds',
      ours: (a) => addDistribution(a, 'testing', {architectures: ['amd64']}),
      theirs: async (a) => {
        await addDistribution(a, 'unstable', {architectures: ['arm64']})
        await removeDistribution(a, 'production')
      },
      expect: async (a) => {
        expect(await read(a, 'dists/testing/distribution.json')).toBeDefined()
        expect(await read(a, 'dists/unstable/distribution.json')).toBeDefined()
        expect(await read(a, 'dists/production/distribution.json')).toBeUndefined()
      },
    },
    {
      name: 'one distribution\'s settings changed on both sides, different fields: both fields',
      ours: (a) => addDistribution(a, 'staging', {origin: 'ACME'}),
      theirs: (a) => addDistribution(a, 'staging', {label: 'ACME staging'}),
      expect: async (a) => expect(await settings(a, 'dists/staging/distribution.json')).toMatchObject({architectures: ['amd64'], origin: 'ACME', label: 'ACME staging'}),
    },
    {
      name: 'backends added on both sides: both backends',
      ours: (a) => addBackend(a, 'eu', {url: 's3://apt-eu/debian', region: 'eu-west-1'}),
      theirs: (a) => addBackend(a, 'us', {url: 's3://apt-us/debian', region: 'us-east-1'}),
      expect: async (a) => {
        expect(await settings(a, 'backends/eu.json')).toMatchObject({url: 's3://apt-eu/debian'})
        expect(await settings(a, 'backends/us.json')).toMatchObject({url: 's3://apt-us/debian'})
      },
    },
    {
      name: 'archive settings changed on both sides, different keys: both',
      ours: (a) => a.transaction(async (tx) => {
        const s = JSON.parse((await tx.read('raptr.json'))!)
        tx.write('raptr.json', json({...s, retention: {...s.retention, keepLast: 9}}))
        return {message: 'keep 9', result: null}
      }),
      theirs: (a) => a.transaction(async (tx) => {
        const s = JSON.parse((await tx.read('raptr.json'))!)
        tx.write('raptr.json', json({...s, retention: {...s.retention, graceHours: 24}}))
        return {message: 'grace 24 h', result: null}
      }),
      expect: async (a) => expect(await settings(a, 'raptr.json')).toMatchObject({retention: {keepLast: 9, graceHours: 24}}),
    },
    {
      name: 'bundles added on both sides: both bundles',
      ours: (a) => addBundle(a, 'kit-a', [debs.alpha], {category: 'main', link: ['staging']}),
      theirs: (a) => addBundle(a, 'kit-b', [debs.beta], {category: 'main', link: ['staging']}),
      expect: async (a) => {
        expect((await listBundles(await a.view())).map((b) => b.alias).sort()).toEqual(['kit-a', 'kit-b'])
        expect(await linked(a, 'staging')).toEqual(['alpha', 'base', 'beta'])
      },
    },
    {
      name: 'snapshots named on both sides: both names',
      ours: (a) => nameSnapshot(a, 'ours-1'),
      theirs: (a) => nameSnapshot(a, 'theirs-1'),
      expect: async (a) => expect((await listNamedSnapshots(await a.view())).map((s) => s.name).sort()).toEqual(['ours-1', 'theirs-1']),
    },
    {
      name: 'one snapshot named the same on both sides (the same commit): one name, no conflict',
      ours: (a) => nameSnapshot(a, 'release-1'),
      theirs: (a) => nameSnapshot(a, 'release-1'),
      expect: async (a) => expect((await listNamedSnapshots(await a.view())).map((s) => s.name)).toEqual(['release-1']),
    },
    {
      name: 'records raptr does not know (pins, publications) added on both sides: each is kept',
      ours: (a) => a.transaction(async (tx) => {
        tx.write(pinPath('eu', 'staging', 'a'.repeat(12)), json({snapshot: 'a'.repeat(40), pinned: 'a'.repeat(12), date: '2026-01-01'}))
        tx.write('publications/eu/staging/0000000001.json', json({seq: 1, action: 'publish', snapshot: 'a'.repeat(40), date: '2026-01-01'}))
        return {message: 'ours', result: null}
      }),
      theirs: (a) => a.transaction(async (tx) => {
        tx.write(pinPath('us', 'staging', 'b'.repeat(12)), json({snapshot: 'b'.repeat(40), pinned: 'b'.repeat(12), date: '2026-01-01'}))
        tx.write('publications/us/staging/0000000001.json', json({seq: 1, action: 'publish', snapshot: 'b'.repeat(40), date: '2026-01-01'}))
        return {message: 'theirs', result: null}
      }),
      expect: async (a) => {
        for (const p of [pinPath('eu', 'staging', 'a'.repeat(12)), pinPath('us', 'staging', 'b'.repeat(12)), 'publications/eu/staging/0000000001.json', 'publications/us/staging/0000000001.json']) {
          expect(await read(a, p), p).toBeDefined()
        }
      },
    },
    {
      name: 'the same snapshot pinned on both sides (two dates): one pin, no conflict',
      ours: (a) => a.transaction(async (tx) => {
        tx.write(pinPath('eu', 'staging', 'c'.repeat(12)), json({snapshot: 'c'.repeat(40), pinned: 'c'.repeat(12), date: '2026-01-02'}))
        return {message: 'pinned here', result: null}
      }),
      theirs: (a) => a.transaction(async (tx) => {
        tx.write(pinPath('eu', 'staging', 'c'.repeat(12)), json({snapshot: 'c'.repeat(40), pinned: 'c'.repeat(12), date: '2026-01-01'}))
        return {message: 'pinned there', result: null}
      }),
      expect: async (a) => expect(JSON.parse((await read(a, pinPath('eu', 'staging', 'c'.repeat(12))))!)).toMatchObject({pinned: 'c'.repeat(12)}),
    },
  ]

  for (const row of rows) {
    it(row.name, async () => {
      const t = await concurrently(row.ours, row.theirs)
      await expectMerged(t)
      await row.expect(t.ours)
    })
  }

  const conflicts: Array<{name: string; ours: Edit; theirs: Edit; line: RegExp}> = [
    {
      name: 'the same name/version/architecture with different bytes',
      ours: add('twinA'),
      theirs: add('twinB'),
      line: /^ {2}package twin 1\.0 amd64: added with different contents on both sides/m,
    },
    {
      name: 'one snapshot name for two commits',
      ours: async (a) => {
        await add('alpha')(a)
        await nameSnapshot(a, 'release-2')
      },
      theirs: (a) => nameSnapshot(a, 'release-2'),
      line: /^ {2}snapshot name release-2: names [0-9a-f]{12} here and [0-9a-f]{12} there$/m,
    },
    {
      name: 'one setting changed two ways',
      ours: (a) => addDistribution(a, 'staging', {origin: 'ACME'}),
      theirs: (a) => addDistribution(a, 'staging', {origin: 'Example Corp'}),
      line: /^ {2}setting distribution staging: origin set two ways \("ACME" here, "Example Corp" there\)$/m,
    },
    {
      name: 'one bundle version with two member lists',
      ours: (a) => addBundle(a, 'kit', [debs.alpha], {category: 'main', version: '1'}),
      theirs: (a) => addBundle(a, 'kit', [debs.beta], {category: 'main', version: '1'}),
      line: /^ {2}bundle kit 1: different members on both sides$/m,
    },
    {
      name: 'one backend name for two places',
      ours: (a) => addBackend(a, 'eu', {url: 's3://apt-eu/debian'}),
      theirs: (a) => addBackend(a, 'eu', {url: 's3://apt-europe/debian'}),
      line: /^ {2}setting backend eu: url set two ways/m,
    },
  ]

  for (const c of conflicts) {
    it(`a conflict: ${c.name} — exit 3, one line for it, nothing pushed, the archive as it was`, async () => {
      const t = await team()
      await c.theirs(t.theirs)
      await syncArchive(t.theirs, noBackends)
      await c.ours(t.ours)
      const before = archiveState(t.ours.dir)
      const remoteBefore = sh('git', ['rev-parse', 'main'], {cwd: t.remote}).stdout
      const error = await syncArchive(t.ours, noBackends).then(() => undefined, (e: unknown) => e)
      expect(isRaptrError(error) && error.code).toBe('CONFLICT')
      const message = (error as Error).message
      expect(message).toMatch(/^the archive conflicts with origin\/main \(1 item\); nothing was pushed:$/m)
      expect(message).toMatch(c.line)
      expect(message.split('\n')).toHaveLength(2)
      expect(archiveState(t.ours.dir)).toEqual(before)
      expect(sh('git', ['rev-parse', 'main'], {cwd: t.remote}).stdout).toBe(remoteBefore)
      // Fetching again changes nothing: the conflict stays until one side changes.
      await expect(pullArchive(t.ours)).rejects.toThrow(/conflicts with origin/)
    })
  }
})
