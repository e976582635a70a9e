import fs from 'node:fs'
import path from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {z} from 'zod/mini'
import {EVENT_TYPES} from '../../src/core/events.js'
import {LogEntry} from '../../src/core/event-log.js'
import {buildDeb} from '../helpers/build-packages.js'
import {ok, okJson, raptr, sh, tempDir} from '../helpers/cli.js'
import {makeTestArchive, type TestArchive} from '../helpers/published-archive.js'

// Every command that changes the archive writes the event its type names, checked field
// by field through the real CLI; then the audit questions raptr log answers.

const head = (dir: string): string => sh('git', ['rev-parse', 'HEAD'], {cwd: dir}).stdout.trim()

/** The events of HEAD as raptr log --json prints them, each validated against the documented schema. */
function headEvents(dir: string): LogEntry[] {
  const id = head(dir)
  const all = okJson<unknown[]>(['log'], {cwd: dir}).map((e) => z.parse(LogEntry, e))
  return all.filter((e) => e.id === id)
}

interface Step {
  /** What the step shows, and the event type(s) it must write. */
  types: string[]
  run: (s: TestArchive) => void
  /** Payloads, one per type, compared field by field. */
  payloads: (s: TestArchive) => Array<Record<string, unknown>>
}

let s: TestArchive
const debs: Record<string, string> = {}
const snaps: Record<string, string> = {}

beforeAll(async () => {
  s = makeTestArchive()
  const build = async (key: string, name: string, version: string, arch = 'amd64'): Promise<void> => {
    const dir = fs.mkdtempSync(path.join(s.pkgs, `${key}-`))
    debs[key] = await buildDeb(dir, {name, version, arch, payloadBytes: 64, seed: version.length + name.length})
  }
  await build('hello1', 'hello', '1.0')
  await build('hello2', 'hello', '2.0')
  await build('hello3', 'hello', '3.0')
  await build('other', 'other', '1.0')
  fs.mkdirSync(path.join(s.pkgs, 'tool'))
  await buildDeb(path.join(s.pkgs, 'tool'), {name: 'tool', version: '5.0', arch: 'amd64', payloadBytes: 64, seed: 9})
  await buildDeb(path.join(s.pkgs, 'tool'), {name: 'tool-data', version: '5.0', arch: 'all', payloadBytes: 64, seed: 10})
})

const ref = (name: string, version: string, architecture = 'amd64') => ({name, version, architecture})
/** The rollback of production to the first publication, with the links it changed. */
const rolledBack = () => {
  const place = (version: string) => ({...ref('hello', version), distribution: 'production', category: 'public'})
  return {distribution: 'production', backend: 'local', snapshot: snaps.first, seq: 4, unlinked: [place('3.0')], relinked: [place('2.0')], unlinkedCount: 1, relinkedCount: 1, recordsRestored: 1}
}

const steps: Step[] = [
  {
    types: ['DistributionAdded'],
    run: (t) => ok(['distribution', 'add', 'staging', '--architectures', 'amd64'], {cwd: t.dir}),
    payloads: () => [{distribution: 'staging', settings: {architectures: ['amd64']}}],
  },
  {
    types: ['DistributionSet'],
    run: (t) => ok(['distribution', 'set', 'staging', '--origin', 'ACME'], {cwd: t.dir}),
    payloads: () => [{distribution: 'staging', settings: {architectures: ['amd64'], origin: 'ACME'}}],
  },
  {
    types: ['CategoryAdded'],
    run: (t) => ok(['category', 'add', 'main', '--to', 'staging'], {cwd: t.dir}),
    payloads: () => [{category: 'main', distributions: ['staging']}],
  },
  {
    types: ['SectionAdded'],
    run: (t) => ok(['section', 'add', 'production/extra', 'staging/extra', 'qa/extra'], {cwd: t.dir}),
    payloads: () => [{sections: ['production/extra', 'staging/extra', 'qa/extra'], distributionsCreated: ['qa']}],
  },
  {
    types: ['SectionRemoved'],
    run: (t) => ok(['section', 'remove', 'production/extra'], {cwd: t.dir}),
    payloads: () => [{sections: ['production/extra']}],
  },
  {
    types: ['CategoryRemoved'],
    run: (t) => ok(['category', 'remove', 'extra', '--from', 'staging'], {cwd: t.dir}),
    payloads: () => [{category: 'extra', distributions: ['staging']}],
  },
  {
    types: ['DistributionRemoved'],
    run: (t) => ok(['distribution', 'remove', 'qa'], {cwd: t.dir}),
    payloads: () => [{distribution: 'qa'}],
  },
  {
    types: ['BackendAdded'],
    run: (t) => ok(['backend', 'add', 'mirror', `file://${t.work}/mirror`, '--public-url', 'https://apt.example.org/'], {cwd: t.dir}),
    payloads: (t) => [{name: 'mirror', url: `file://${t.work}/mirror`, options: {publicUrl: 'https://apt.example.org/'}}],
  },
  {
    types: ['BackendSet'],
    run: (t) => ok(['backend', 'add', 'mirror', `file://${t.work}/mirror2`], {cwd: t.dir}),
    payloads: (t) => [{name: 'mirror', url: `file://${t.work}/mirror2`, options: {}}],
  },
  {
    types: ['BackendRemoved'],
    run: (t) => ok(['backend', 'remove', 'mirror'], {cwd: t.dir}),
    payloads: () => [{name: 'mirror'}],
  },
  {
    types: ['KeySet'],
    run: (t) => ok(['key', 'use', t.key], {cwd: t.dir}),
    payloads: () => [{keyFile: expect.stringMatching(/signing\.asc$/)}],
  },
  {
    types: ['PackageAdded'],
    run: (t) => ok(['package', 'add', debs.hello1, '-c', 'public', '--link', 'production'], {cwd: t.dir}),
    payloads: () => [{packages: [{...ref('hello', '1.0'), category: 'public', linked: ['production/public']}]}],
  },
  {
    types: ['PackageAdded'],
    run: (t) => ok(['package', 'add', debs.hello2, debs.other, '-c', 'public'], {cwd: t.dir}),
    payloads: () => [{packages: [{...ref('hello', '2.0'), category: 'public', linked: []}, {...ref('other', '1.0'), category: 'public', linked: []}]}],
  },
  {
    types: ['PackageLinked'],
    run: (t) => ok(['package', 'link', 'hello', '--version', '2.0', '--to', 'staging/main'], {cwd: t.dir}),
    payloads: () => [{packages: [{...ref('hello', '2.0'), distribution: 'staging', category: 'main'}]}],
  },
  {
    types: ['PackageMoved'],
    run: (t) => ok(['package', 'move', 'hello', '--version', '2.0', '--from', 'staging', '--to', 'production/public'], {cwd: t.dir}),
    payloads: () => [{packages: [{...ref('hello', '2.0'), from: 'staging/main', to: 'production/public'}]}],
  },
  {
    types: ['PackageUnlinked'],
    run: (t) => ok(['package', 'unlink', 'hello', '--version', '1.0', '--from', 'production'], {cwd: t.dir}),
    payloads: () => [{name: 'hello', choice: {version: '1.0'}, packages: [{...ref('hello', '1.0'), distribution: 'production', category: 'public'}]}],
  },
  {
    types: ['PackageRemoved'],
    run: (t) => ok(['package', 'remove', 'hello', '--version', '1.0'], {cwd: t.dir}),
    payloads: () => [{name: 'hello', choice: {version: '1.0'}, packages: [{...ref('hello', '1.0'), unlinked: []}]}],
  },
  {
    types: ['PackageAdded', 'BundleAdded'],
    run: (t) => ok(['bundle', 'add', 'tool', path.join(t.pkgs, 'tool'), '-c', 'public'], {cwd: t.dir}),
    payloads: () => [
      {packages: [{...ref('tool-data', '5.0', 'all'), category: 'public', linked: []}, {...ref('tool', '5.0'), category: 'public', linked: []}]},
      {alias: 'tool', version: '5.0', packages: [ref('tool-data', '5.0', 'all'), ref('tool', '5.0')]},
    ],
  },
  {
    types: ['BundleLinked'],
    run: (t) => ok(['bundle', 'link', 'tool', '--version', '5.0', '--to', 'production'], {cwd: t.dir}),
    payloads: () => [
      {
        alias: 'tool',
        versions: ['5.0'],
        to: ['production'],
        packages: [
          {...ref('tool-data', '5.0', 'all'), distribution: 'production', category: 'public'},
          {...ref('tool', '5.0'), distribution: 'production', category: 'public'},
        ],
      },
    ],
  },
  {
    types: ['BundleUnlinked'],
    run: (t) => ok(['bundle', 'unlink', 'tool', '--all', '--from', 'production'], {cwd: t.dir}),
    payloads: () => [
      {
        alias: 'tool',
        versions: ['5.0'],
        from: ['production'],
        packages: [
          {...ref('tool-data', '5.0', 'all'), distribution: 'production', category: 'public'},
          {...ref('tool', '5.0'), distribution: 'production', category: 'public'},
        ],
      },
    ],
  },
  {
    types: ['BundleRemoved'],
    run: (t) => ok(['bundle', 'remove', 'tool', '--all'], {cwd: t.dir}),
    payloads: () => [{alias: 'tool', versions: ['5.0'], packages: [{...ref('tool-data', '5.0', 'all'), unlinked: []}, {...ref('tool', '5.0'), unlinked: []}]}],
  },
  {
    types: ['SnapshotNamed'],
    run: (t) => {
      snaps.named = head(t.dir)
      ok(['snapshot', 'create', 'rc1'], {cwd: t.dir})
    },
    payloads: () => [{name: 'rc1', snapshot: snaps.named}],
  },
  {
    types: ['SnapshotRenamed'],
    run: (t) => ok(['snapshot', 'rename', 'rc1', 'release1'], {cwd: t.dir}),
    payloads: () => [{from: 'rc1', to: 'release1', snapshot: snaps.named}],
  },
  {
    types: ['SnapshotRemoved'],
    run: (t) => ok(['snapshot', 'remove', 'release1'], {cwd: t.dir}),
    payloads: () => [{name: 'release1', snapshot: snaps.named}],
  },
  {
    types: ['Published'],
    run: (t) => {
      snaps.first = head(t.dir)
      ok(['publish', 'local', '-d', 'production', '--sign-key', t.key], {cwd: t.dir})
    },
    payloads: () => [{distribution: 'production', snapshot: snaps.first, backends: [{backend: 'local', seq: 1}]}],
  },
  {
    types: ['Refreshed'],
    run: (t) => ok(['publish', 'local', '-d', 'production', '--refresh', '--sign-key', t.key], {cwd: t.dir}),
    payloads: () => [{distribution: 'production', backend: 'local', snapshot: snaps.first, seq: 2}],
  },
  {
    types: ['PackageRemoved'],
    run: (t) => {
      ok(['package', 'add', debs.hello3, '-c', 'public', '--link', 'production'], {cwd: t.dir})
      ok(['package', 'remove', 'hello', '--keep-last', '1'], {cwd: t.dir})
    },
    payloads: () => [{name: 'hello', choice: {}, keepLast: 1, packages: [{...ref('hello', '2.0'), unlinked: ['production/public']}]}],
  },
  {
    types: ['Published'],
    run: (t) => {
      snaps.second = head(t.dir)
      ok(['publish', 'local', '-d', 'production', '--sign-key', t.key], {cwd: t.dir})
    },
    payloads: () => [{distribution: 'production', snapshot: snaps.second, backends: [{backend: 'local', seq: 3}]}],
  },
  {
    types: ['RolledBack'],
    run: (t) => ok(['rollback', 'production', '--sign-key', t.key], {cwd: t.dir}),
    // The links follow: hello 3.0 (added since) unlinked, hello 2.0 (removed since) relinked with its record.
    payloads: () => [rolledBack()],
  },
  {
    types: ['Pinned'],
    run: (t) => ok(['pin', snaps.first.slice(0, 12), 'production', '--backend', 'local'], {cwd: t.dir}),
    payloads: () => [{distribution: 'production', backend: 'local', snapshot: snaps.first, pinned: expect.stringMatching(/^[0-9a-f]{12,40}$/)}],
  },
  {
    types: ['Unpinned'],
    run: (t) => ok(['unpin', snaps.first.slice(0, 12), 'production', '--backend', 'local'], {cwd: t.dir}),
    payloads: () => [{distribution: 'production', backend: 'local', snapshot: snaps.first, pinned: expect.stringMatching(/^[0-9a-f]{12,40}$/)}],
  },
  {
    types: ['Purged'],
    run: (t) => ok(['purge', '--local', '--grace', '0'], {cwd: t.dir}),
    // hello 1.0 and the two members of the removed bundle: no snapshot kept refers to them.
    payloads: () => [{objects: 3, bytes: expect.any(Number), blobs: [expect.stringMatching(/^bafk/), expect.stringMatching(/^bafk/), expect.stringMatching(/^bafk/)]}],
  },
  {
    types: ['PackageAdded', 'Imported'],
    run: (t) => ok(['import', `file://${t.www}`, 'production', '--to', 'imported', '--component', 'public', '--architectures', 'amd64'], {cwd: t.dir}),
    payloads: (t) => [
      // What production has live after the rollback: hello 2.0.
      {packages: [{...ref('hello', '2.0'), category: 'public', linked: ['imported/public']}]},
      {url: `file://${t.www}`, suite: 'production', distribution: 'imported', components: ['public'], count: expect.any(Number)},
    ],
  },
  {
    types: ['MirrorAdded'],
    run: (t) => ok(['mirror', 'add', 'prod', `file://${t.www}`, 'production', '--to', 'mirrored', '--component', 'public', '--architectures', 'amd64', '--filter', 'Name (% hel*)'], {cwd: t.dir}),
    payloads: (t) => [{name: 'prod', settings: {url: `file://${t.www}`, suite: 'production', distribution: 'mirrored', components: ['public'], architectures: ['amd64'], filter: 'Name (% hel*)'}}],
  },
  {
    types: ['PackageAdded', 'MirrorUpdated'],
    run: (t) => ok(['mirror', 'update', 'prod'], {cwd: t.dir}),
    payloads: (t) => [
      {packages: [{...ref('hello', '2.0'), category: 'public', linked: ['mirrored/public']}]},
      {name: 'prod', url: `file://${t.www}`, suite: 'production', distribution: 'mirrored', added: [{...ref('hello', '2.0'), distribution: 'mirrored', category: 'public'}], removed: []},
    ],
  },
  {
    types: ['MirrorRemoved'],
    run: (t) => ok(['mirror', 'remove', 'prod'], {cwd: t.dir}),
    payloads: () => [{name: 'prod'}],
  },
  {
    types: ['KeyRotationStarted'],
    run: (t) => {
      ok(['key', 'generate', '--name', 'raptr tests 2027', '--email', 'tests@example.org', '--out', path.join(t.work, 'signing-2027.asc')], {cwd: t.work})
      ok(['key', 'rotate', '--new', path.join(t.work, 'signing-2027.asc'), '--no-refresh'], {cwd: t.dir})
    },
    payloads: (t) => [{old: {keyFile: expect.stringMatching(/signing\.asc$/)}, new: {keyFile: path.join(t.work, 'signing-2027.asc')}}],
  },
  {
    types: ['KeyRotationFinished'],
    run: (t) => ok(['key', 'rotate', '--finish', '--no-refresh'], {cwd: t.dir}),
    payloads: (t) => [{old: {keyFile: expect.stringMatching(/signing\.asc$/)}, new: {keyFile: path.join(t.work, 'signing-2027.asc')}}],
  },
  {
    types: ['OldKeyDropped'],
    run: (t) => ok(['key', 'rotate', '--drop-old', '--no-refresh'], {cwd: t.dir}),
    payloads: (t) => [{old: {keyFile: expect.stringMatching(/signing\.asc$/)}, new: {keyFile: path.join(t.work, 'signing-2027.asc')}}],
  },
  {
    types: ['PackageAdded', 'KeyringPackageBuilt'],
    run: (t) => ok(['key', 'package', '--name', 'tests-archive-keyring', '--section', 'production/public', '--url', 'https://apt.example.org'], {cwd: t.dir}),
    payloads: () => [
      {packages: [{...ref('tests-archive-keyring', '1', 'all'), category: 'public', linked: ['production/public']}]},
      {name: 'tests-archive-keyring', version: '1', keys: [expect.stringMatching(/^[0-9A-F]{40}$/)], distributions: ['production']},
    ],
  },
]

describe('typed events', () => {
  it('init writes ArchiveCreated', () => {
    const dir = path.join(tempDir(), 'repo')
    ok(['init', dir], {cwd: path.dirname(dir)})
    const [e] = headEvents(dir)
    expect(e).toMatchObject({type: 'ArchiveCreated', v: 1, payload: {}, message: 'archive created', author: 'raptr tests <tests@example.org>'})
  })

  // One table, in order: each step builds on the archive the ones before left.
  it.each(steps.map((step, i) => [i + 1, step.types.join(' + '), step] as const))('step %i: %s', (_i, _name, step) => {
    const before = head(s.dir)
    step.run(s)
    expect(head(s.dir)).not.toBe(before)
    const events = headEvents(s.dir)
    expect(events.map((e) => e.type)).toEqual(step.types)
    const payloads = step.payloads(s)
    for (const [i, e] of events.entries()) {
      expect(e.v).toBe(1)
      expect(e.payload).toEqual(payloads[i])
    }
  })

  it('covers every event type (Merged and ArchiveCreated in their own tests; SyncEnabled is only read: older clones committed it)', () => {
    const covered = new Set([...steps.flatMap((x) => x.types), 'ArchiveCreated', 'SyncEnabled', 'Merged'])
    expect(EVENT_TYPES.filter((t) => !covered.has(t))).toEqual([])
  })

  it('context: RAPTR_EVENT_CONTEXT (JSON or text) and the CI job URL go with the commit', () => {
    const env = {RAPTR_EVENT_CONTEXT: '{"ticket":"OPS-7"}', GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'acme/apt', GITHUB_RUN_ID: '4711', GITLAB_CI: undefined, CI_JOB_URL: undefined}
    ok(['snapshot', 'create', 'ctx-json'], {cwd: s.dir, env})
    expect(headEvents(s.dir)[0].context).toEqual({note: {ticket: 'OPS-7'}, ci: 'https://github.com/acme/apt/actions/runs/4711'})
    ok(['snapshot', 'create', 'ctx-text'], {cwd: s.dir, env: {RAPTR_EVENT_CONTEXT: 'nightly rebuild', GITHUB_RUN_ID: undefined, CI_JOB_URL: 'https://gitlab.example.org/acme/apt/-/jobs/99'}})
    expect(headEvents(s.dir)[0].context).toEqual({note: 'nightly rebuild', ci: 'https://gitlab.example.org/acme/apt/-/jobs/99'})
    // "What did CI job 4711 change?"
    const byJob = okJson<LogEntry[]>(['log'], {cwd: s.dir}).filter((e) => e.context.ci?.endsWith('/runs/4711'))
    expect(byJob.map((e) => [e.type, e.payload.name])).toEqual([['SnapshotNamed', 'ctx-json']])
  })

  it('audit: who promoted hello to production, and when: one line per event', () => {
    const lines = ok(['log', '--package', 'hello', '--distribution', 'production'], {cwd: s.dir}).stdout.trim().split('\n')
    expect(lines.length).toBeGreaterThan(0)
    for (const l of lines) expect(l).toMatch(/^[0-9a-f]{12} {2}\d{4}-\d\d-\d\dT\S+ {2}raptr tests {2}\w+ {2}.*hello/)
    const moved = okJson<LogEntry[]>(['log', '--package', 'hello', '--distribution', 'production', '--event', 'PackageMoved'], {cwd: s.dir})
    expect(moved).toHaveLength(1)
    expect(moved[0]).toMatchObject({author: 'raptr tests <tests@example.org>', payload: {packages: [{...ref('hello', '2.0'), to: 'production/public'}]}})
    // The bulk add of hello 2.0 and other 1.0 is narrowed to hello; the newest is the mirror's (hello 2.0 into mirrored).
    const added = okJson<LogEntry[]>(['log', '--package', 'hello', '--event', 'PackageAdded'], {cwd: s.dir})
    for (const e of added) expect((e.payload.packages as Array<{name: string}>).map((p) => p.name).every((n) => n === 'hello')).toBe(true)
    expect(added.map((e) => (e.payload.packages as Array<{version: string}>).map((p) => p.version))).toEqual([['2.0'], ['2.0'], ['3.0'], ['2.0'], ['1.0']])
  })

  it('audit: every rollback of production, --since/--until, --author, -n, --oneline', () => {
    const rollbacks = okJson<LogEntry[]>(['log', '--event', 'RolledBack', '--distribution', 'production', '--since', '1.day'], {cwd: s.dir})
    expect(rollbacks.map((e) => e.payload)).toEqual([rolledBack()])
    expect(okJson<LogEntry[]>(['log', '--event', 'rolledback', '--until', '2000-01-01'], {cwd: s.dir})).toEqual([])
    expect(okJson<LogEntry[]>(['log', '--event', 'RolledBack', '--since', '2000-01-01T00:00:00Z', '--until', 'now'], {cwd: s.dir})).toHaveLength(1)
    expect(okJson<LogEntry[]>(['log', '--author', 'TESTS@example'], {cwd: s.dir}).length).toBeGreaterThan(10)
    expect(okJson<LogEntry[]>(['log', '--author', 'somebody else'], {cwd: s.dir})).toEqual([])
    const two = okJson<LogEntry[]>(['log', '-n', '2', '--event', 'Published,RolledBack'], {cwd: s.dir})
    expect(two.map((e) => e.type)).toEqual(['RolledBack', 'Published'])
    const lines = ok(['log', '--oneline'], {cwd: s.dir}).stdout.trim().split('\n')
    expect(lines.length).toBe(okJson<LogEntry[]>(['log'], {cwd: s.dir}).length)
    const bad = raptr(['log', '--event', 'NoSuchThing'], {cwd: s.dir})
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/no event type "NoSuchThing"/)
    expect(raptr(['log', '--since', 'last tuesday-ish'], {cwd: s.dir}).code).toBe(2)
  })

  it('package history NAME lists every event that touched it, oldest first', () => {
    const h = okJson<LogEntry[]>(['package', 'history', 'hello'], {cwd: s.dir}).map((e) => z.parse(LogEntry, e))
    expect(h.map((e) => e.type)).toEqual(['PackageAdded', 'PackageAdded', 'PackageLinked', 'PackageMoved', 'PackageUnlinked', 'PackageRemoved', 'PackageAdded', 'PackageRemoved', 'RolledBack', 'PackageAdded', 'PackageAdded', 'MirrorUpdated'])
    const inProd = okJson<LogEntry[]>(['package', 'history', 'hello', '--distribution', 'production'], {cwd: s.dir})
    expect(inProd.map((e) => e.type)).toEqual(['PackageAdded', 'PackageMoved', 'PackageUnlinked', 'PackageAdded', 'PackageRemoved', 'RolledBack'])
    // The rollback unlinked hello 3.0 and relinked hello 2.0: narrowed to hello, it says both.
    expect(inProd.at(-1)!.payload).toMatchObject({unlinked: [{name: 'hello', version: '3.0'}], relinked: [{name: 'hello', version: '2.0'}]})
    expect(ok(['package', 'history', 'hello'], {cwd: s.dir}).stdout.trim().split('\n')).toHaveLength(h.length)
  })

  it('a commit written by an older raptr (plain git commit) lists as unknown without error', () => {
    const dir = path.join(tempDir(), 'repo')
    ok(['init', dir], {cwd: path.dirname(dir)})
    ok(['checkout'], {cwd: dir})
    fs.writeFileSync(path.join(dir, 'NOTES'), 'by hand\n')
    const env = {GIT_AUTHOR_NAME: 'Old Raptr', GIT_AUTHOR_EMAIL: 'old@example.org', GIT_COMMITTER_NAME: 'Old Raptr', GIT_COMMITTER_EMAIL: 'old@example.org'}
    expect(sh('git', ['add', 'NOTES'], {cwd: dir}).code).toBe(0)
    expect(sh('git', ['commit', '--quiet', '-m', 'package added: hello 1.0 amd64 to staging/main', '-m', 'a body line'], {cwd: dir, env}).code).toBe(0)
    expect(sh('git', ['commit', '--quiet', '--allow-empty', '-m', 'corrupt data', '-m', 'Raptr-Event: {"v":1,"type":"PackageAdded"'], {cwd: dir, env}).code).toBe(0)
    const log = okJson<unknown[]>(['log'], {cwd: dir}).map((e) => z.parse(LogEntry, e))
    expect(log.map((e) => [e.type, e.v, e.message.split('\n')[0]])).toEqual([
      ['unknown', null, 'corrupt data'],
      ['unknown', null, 'package added: hello 1.0 amd64 to staging/main'],
      ['ArchiveCreated', 1, 'archive created'],
    ])
    expect(log[1]).toMatchObject({author: 'Old Raptr <old@example.org>', payload: {}, message: 'package added: hello 1.0 amd64 to staging/main\n\na body line'})
    expect(ok(['log'], {cwd: dir}).stdout).toMatch(/package added: hello 1\.0 amd64 to staging\/main/)
    expect(okJson<unknown[]>(['log', '--event', 'unknown'], {cwd: dir})).toHaveLength(2)
    expect(okJson<unknown[]>(['log', '--package', 'hello'], {cwd: dir})).toEqual([])
  })
})

describe('events across a raptr sync merge of two clones', () => {
  it('the merge lists the commits it brought in; log filters count each event once', async () => {
    const work = tempDir('raptr-events-team-')
    const origin = path.join(work, 'origin')
    ok(['init', origin], {cwd: work})
    ok(['distribution', 'add', 'production', '--architectures', 'amd64'], {cwd: origin})
    ok(['category', 'add', 'main', '--to', 'production'], {cwd: origin})
    const remote = path.join(work, 'remote.git')
    expect(sh('git', ['clone', '--quiet', '--bare', origin, remote]).code).toBe(0)
    const pkgs = fs.mkdtempSync(path.join(work, 'pkgs-'))
    const a = await buildDeb(fs.mkdtempSync(path.join(pkgs, 'a-')), {name: 'alpha', version: '1.0', arch: 'amd64', payloadBytes: 32, seed: 1})
    const b = await buildDeb(fs.mkdtempSync(path.join(pkgs, 'b-')), {name: 'beta', version: '1.0', arch: 'amd64', payloadBytes: 32, seed: 2})
    const one = path.join(work, 'one')
    const two = path.join(work, 'two')
    ok(['clone', remote, one], {cwd: work})
    ok(['clone', remote, two], {cwd: work})
    // sync is a setting of each clone: cloning commits nothing
    expect(head(one)).toBe(sh('git', ['rev-parse', 'main'], {cwd: remote}).stdout.trim())
    ok(['package', 'add', a, '-s', 'production/main', '--no-sync'], {cwd: one, env: {RAPTR_AUTHOR_NAME: 'Alice', RAPTR_AUTHOR_EMAIL: 'alice@example.org'}})
    ok(['sync'], {cwd: one})
    const bob = {RAPTR_AUTHOR_NAME: 'Bob', RAPTR_AUTHOR_EMAIL: 'bob@example.org'}
    ok(['package', 'add', b, '-s', 'production/main', '--no-sync'], {cwd: two, env: bob})
    ok(['sync'], {cwd: two, env: bob})
    const [merged] = headEvents(two)
    expect(merged.type).toBe('Merged')
    const alphaCommit = sh('git', ['log', '--format=%H', '--author=alice@example.org', '-1'], {cwd: two}).stdout.trim()
    expect(merged.payload).toMatchObject({remote: 'origin', branch: 'main', commits: expect.arrayContaining([{id: alphaCommit, types: ['PackageAdded']}]), reconciled: []})
    // Who added alpha, seen from the clone that merged it: once, by Alice, on her own commit.
    const alpha = okJson<LogEntry[]>(['log', '--package', 'alpha'], {cwd: two})
    expect(alpha.map((e) => [e.type, e.author, e.id])).toEqual([['PackageAdded', 'Alice <alice@example.org>', alphaCommit]])
    const adds = okJson<LogEntry[]>(['log', '--event', 'PackageAdded', '--distribution', 'production'], {cwd: two})
    expect(adds.map((e) => (e.payload.packages as Array<{name: string}>)[0].name).sort()).toEqual(['alpha', 'beta'])
    expect(okJson<LogEntry[]>(['log', '--event', 'Merged', '--author', 'bob'], {cwd: two})).toHaveLength(1)
    // The first clone gets the merge by fast-forward and reads the same.
    ok(['sync'], {cwd: one})
    expect(okJson<LogEntry[]>(['log', '--package', 'alpha,beta'], {cwd: one}).map((e) => e.author).sort()).toEqual(['Alice <alice@example.org>', 'Bob <bob@example.org>'])
  })
})
