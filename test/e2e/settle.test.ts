/**
 * A publish that was killed or failed part-way is finished by the next one, even when
 * that one has nothing new to publish; and a publish reports success exactly when apt
 * reads the new snapshot. Each case is one of the failures a kill sweep and a fault
 * proxy found, reproduced at the exact request.
 */
import fs from 'node:fs'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {FileBackend} from '../../src/backends/file.js'
import {publish} from '../../src/publish/publish.js'
import {loadSigner} from '../../src/signing/openpgp-signer.js'
import {Archive} from '../../src/store/archive.js'
import {AptClient} from '../helpers/apt.js'
import {FIXTURES, ok, okJson, raptr, sh} from '../helpers/cli.js'
import {FaultyBackend, type Rule} from '../helpers/faulty-backend.js'
import {aptForDirectory, makeTestArchive, type TestArchive} from '../helpers/published-archive.js'

const LIVE_PACKAGES = 'dists/production/public/binary-amd64/Packages.gz'

let s: TestArchive
afterEach(() => fs.rmSync(s.work, {recursive: true, force: true}))

function add(file: string): void {
  ok(['package', 'add', path.join(FIXTURES, file), '--category', 'public', '--link', 'production'], {cwd: s.dir})
}

/** Publishes in this process through a FaultyBackend over the directory backend. */
async function publishWith(rule: Rule, dir = s.dir, www = s.www): Promise<{res: Awaited<ReturnType<typeof publish>>; backend: FaultyBackend}> {
  const backend = new FaultyBackend(new FileBackend(www, {name: 'local'}), rule)
  const signer = await loadSigner({armoredKey: fs.readFileSync(s.key, 'utf8')})
  const res = await publish(await Archive.open(dir), {signer, open: async () => backend})
  return {res, backend}
}

/** The next publish (nothing changed) through the CLI, then verify --deep, then apt with and without by-hash. */
function nextPublishFinishesIt(expectPackages: string[]): any {
  const next = okJson(['publish', '--sign-key', s.key], {cwd: s.dir}).results[0]
  const verify = raptr(['verify', '--deep'], {cwd: s.dir})
  expect(verify.code, verify.stdout + verify.stderr).toBe(0)
  for (const byHash of [true, false]) {
    const apt = new AptClient({byHash})
    apt.configure(`deb [signed-by=/etc/apt/keyrings/raptr.gpg] file://${s.www} production public`, s.pubKey)
    apt.update()
    expect(apt.packageNames(), `by-hash ${byHash}`).toEqual(expectPackages)
    apt.cleanup()
  }
  return next
}

describe('finishing what was started', () => {
  it('a publish killed after its log entry, before the canonical index names, is finished by the next publish with nothing new', async () => {
    s = makeTestArchive()
    add('libfoo-doc_2.0_all.deb')
    ok(['publish', '--sign-key', s.key], {cwd: s.dir})
    add('hello-gz_1.0-1_amd64.deb')
    // Find which write follows the log entry in this very publish, on a copy of both.
    const copy = path.join(s.work, 'copy')
    fs.mkdirSync(copy)
    expect(sh('cp', ['-a', s.dir, s.www, copy]).code).toBe(0)
    const probe = await publishWith(() => undefined, path.join(copy, 'repo'), path.join(copy, 'www'))
    expect(probe.res.results[0].action).toBe('published')
    const writes = probe.backend.writes()
    const entry = writes.findIndex((w) => w.op === 'putIfAbsent' && w.key.startsWith('raptr/log/production/'))
    expect(writes[entry + 1].key).toMatch(/^dists\/production\/public\/(.+\/(Packages|Sources)|Contents-)/)
    // Killed (SIGKILL) right before the write after the entry: the first canonical name.
    const killed = raptr(['publish', '--sign-key', s.key], {cwd: s.dir, env: {RAPTR_DEBUG_KILL_BEFORE_WRITE: String(entry + 2)}})
    expect(killed.code).not.toBe(0)
    expect(fs.readdirSync(path.join(s.www, 'raptr/log/production'))).toHaveLength(2)

    const next = nextPublishFinishesIt(['hello-gz', 'libfoo-doc'])
    expect(next.action).toBe('unchanged')
    expect(next.settled).toEqual(expect.arrayContaining([LIVE_PACKAGES, 'dists/production/InRelease']))
    // Settled now: a further publish writes nothing.
    expect(okJson(['publish', '--sign-key', s.key], {cwd: s.dir}).results[0].settled).toBeUndefined()
  })

  it('a first publish killed inside the pinned Release files gets its pinned signatures from the next publish, and pin never offers trusted=yes', async () => {
    s = makeTestArchive()
    add('libfoo-doc_2.0_all.deb')
    const {res} = await publishWith((op, key) => (op === 'put' && /^dists\/snapshots\/[0-9a-f]{12}\/production\/Release\.gpg$/.test(key) ? 'crash' : undefined))
    expect(res.results[0].action).toBe('failed')
    const pinnedDir = fs.readdirSync(path.join(s.www, 'dists/snapshots'))[0]
    // Signatures go first where no Release is yet: the crash left InRelease, never an unsigned Release alone.
    expect(fs.readdirSync(path.join(s.www, 'dists/snapshots', pinnedDir, 'production')).filter((f) => f.includes('Release'))).toEqual(['InRelease'])

    const next = nextPublishFinishesIt(['libfoo-doc'])
    expect(next.action).toBe('published')
    const pin = okJson(['pin', next.snapshot, 'production'], {cwd: s.dir})
    expect(pin.debLine).toMatch(/^deb \[signed-by=/)
    const apt = new AptClient()
    apt.configure(pin.debLine, s.pubKey)
    apt.update()
    expect(apt.packageNames()).toEqual(['libfoo-doc'])
    apt.cleanup()

    // verify checks every pinned snapshot's signatures; --repair with the key restores them.
    fs.rmSync(path.join(s.www, 'dists', pin.suite, 'InRelease'))
    const damaged = raptr(['verify'], {cwd: s.dir})
    expect(damaged.code).toBe(5)
    expect(damaged.stdout).toMatch(new RegExp(`missing +dists/${pin.suite}/InRelease`))
    expect(raptr(['pin', next.snapshot, 'production'], {cwd: s.dir}).code).toBe(5)
    ok(['verify', '--repair', '--sign-key', s.key], {cwd: s.dir})
    ok(['verify', '--deep'], {cwd: s.dir})
  })

  it('a failure after the pointer went live is a success with a warning, recorded; the next publish finishes the rest', async () => {
    s = makeTestArchive()
    add('libfoo-doc_2.0_all.deb')
    // Every request after the pointer swap (InRelease written and synced) fails.
    let swapped = false
    let live = false
    const {res} = await publishWith((op, key) => {
      if (live) return 'fail'
      if (op === 'put' && key === 'dists/production/InRelease') swapped = true
      if (op === 'sync' && swapped) live = true
      return undefined
    })
    const r = res.results[0]
    expect(r.action).toBe('published')
    expect(r.warning).toMatch(/live, but settling afterwards failed/)
    expect(res.commit).toBeDefined()
    expect(okJson<any>(['snapshot', 'list'], {cwd: s.dir}).publications).toHaveLength(1)
    const apt = aptForDirectory(s, 'production')
    apt.update()
    expect(apt.packageNames()).toEqual(['libfoo-doc'])
    apt.cleanup()
    expect(nextPublishFinishesIt(['libfoo-doc']).action).toBe('unchanged')
  })

  it('a pointer write that fails once is finished before the publish exits: the three pointer files agree, and it reports success', async () => {
    s = makeTestArchive()
    add('libfoo-doc_2.0_all.deb')
    ok(['publish', '--sign-key', s.key], {cwd: s.dir})
    add('hello-gz_1.0-1_amd64.deb')
    let failed = 0
    const {res, backend} = await publishWith((op, key) => (op === 'put' && key === 'dists/production/InRelease' && failed++ === 0 ? 'fail' : undefined))
    expect(failed).toBe(2)
    expect(res.results[0]).toMatchObject({action: 'published'})
    expect(res.results[0].warning).toMatch(/second attempt/)
    // Release and Release.gpg were new before InRelease failed; now all three are the entry's.
    const verify = raptr(['verify'], {cwd: s.dir})
    expect(verify.code, verify.stdout).toBe(0)
    expect(backend.writes().filter((w) => w.key === 'dists/production/Release')).toHaveLength(2)
    const apt = aptForDirectory(s, 'production')
    apt.update()
    expect(apt.packageNames()).toEqual(['hello-gz', 'libfoo-doc'])
    apt.cleanup()
  })

  it('a publish whose public key cannot be written fails before anything goes live', async () => {
    s = makeTestArchive()
    add('libfoo-doc_2.0_all.deb')
    const {res, backend} = await publishWith((op, key) => (op === 'put' && key === 'raptr.gpg' ? 'fail' : undefined))
    expect(res.results[0]).toMatchObject({action: 'failed', error: {code: 'BACKEND_ERROR'}})
    expect(res.commit).toBeUndefined()
    expect(backend.writes().some((w) => w.key.startsWith('raptr/log/') || w.key.startsWith('dists/production/InRelease'))).toBe(false)
    expect(okJson(['publish', '--sign-key', s.key], {cwd: s.dir}).results[0].action).toBe('published')
  })
})
