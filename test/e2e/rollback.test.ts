import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {FIXTURES, ok, okJson, raptr, raptrAsync} from '../helpers/cli.js'
import {aptForDirectory, makeTestArchive, type TestArchive} from '../helpers/published-archive.js'

describe('rollback walks the publication log', () => {
  let s: TestArchive
  const ids: string[] = []
  const live = (): string => /^Date: .+$/m.exec(fs.readFileSync(path.join(s.www, 'dists/production/InRelease'), 'utf8'))![0]
  const logLength = (): number => fs.readdirSync(path.join(s.www, 'raptr/log/production')).length
  const rollback = (...args: string[]): any => okJson<any[]>(['rollback', 'production', '--sign-key', s.key, ...args], {cwd: s.dir})[0]

  beforeAll(() => {
    s = makeTestArchive()
    for (const f of ['libfoo-doc_2.0_all.deb', 'hello-gz_1.0-1_amd64.deb', 'hello-xz_1.0-1_amd64.deb']) {
      ok(['package', 'add', path.join(FIXTURES, f), '--category', 'public', '--link', 'production'], {cwd: s.dir})
      ids.push(okJson(['publish', '--sign-key', s.key], {cwd: s.dir}).snapshot)
    }
  })
  afterAll(() => fs.rmSync(s.work, {recursive: true, force: true}))

  it('goes one publication further back each time, forward again with --forward, and --to the live snapshot changes nothing', () => {
    expect(rollback()).toMatchObject({action: 'rolled-back', to: ids[1], seq: 4})
    expect(rollback()).toMatchObject({action: 'rolled-back', to: ids[0], seq: 5})
    const apt = aptForDirectory(s, 'production')
    apt.update()
    expect(apt.packageNames()).toEqual(['libfoo-doc'])
    // nothing earlier: a clear refusal, nothing written
    const none = raptr(['rollback', 'production', '--sign-key', s.key], {cwd: s.dir})
    expect(none.code).toBe(2)
    expect(none.stderr).toMatch(/no earlier publication/)
    expect(rollback('--forward')).toMatchObject({action: 'rolled-back', to: ids[1], seq: 6})
    const before = {date: live(), log: logLength()}
    const same = okJson<any[]>(['rollback', 'production', '--to', ids[1].slice(0, 12), '--sign-key', s.key], {cwd: s.dir})[0]
    expect(same).toMatchObject({action: 'unchanged', reason: expect.stringMatching(/already live/)})
    expect({date: live(), log: logLength()}).toEqual(before)
    const text = raptr(['rollback', 'production', '--to', ids[1].slice(0, 12), '--sign-key', s.key], {cwd: s.dir})
    expect(text.code).toBe(0)
    expect(text.stdout).toMatch(/unchanged, already live/)
    expect(rollback('--forward')).toMatchObject({action: 'rolled-back', to: ids[2], seq: 7})
    expect(rollback('--forward')).toMatchObject({action: 'unchanged'})
    apt.update()
    expect(apt.packageNames()).toEqual(['hello-gz', 'hello-xz', 'libfoo-doc'])
    apt.cleanup()
  })

  it('waits while a purge holds the lease, refuses with exit 3 when the wait runs out, and goes ahead once it is released', async () => {
    const lease = path.join(s.www, 'raptr/lease.json')
    const held = {owner: 'purge@elsewhere pid 1', token: 't', acquired: new Date().toISOString(), expires: new Date(Date.now() + 3_600_000).toISOString()}
    fs.writeFileSync(lease, JSON.stringify(held))
    const before = {date: live(), log: logLength()}
    const refused = raptr(['rollback', 'production', '--sign-key', s.key], {cwd: s.dir, env: {RAPTR_LEASE_WAIT_SECONDS: '1'}})
    expect(refused.code).toBe(3)
    expect(refused.stderr).toMatch(/a purge holds the backend \(purge@elsewhere pid 1/)
    expect({date: live(), log: logLength()}).toEqual(before)
    // A rollback started while the lease is held waits for it, then completes.
    const waiting = raptrAsync(['rollback', 'production', '--sign-key', s.key, '--json'], {cwd: s.dir, env: {RAPTR_LEASE_WAIT_SECONDS: '60'}})
    await new Promise((r) => setTimeout(r, 1500))
    expect(logLength()).toBe(before.log)
    fs.rmSync(lease)
    const done = await waiting
    expect(done.code, done.stderr).toBe(0)
    expect(JSON.parse(done.stdout)[0]).toMatchObject({action: 'rolled-back', to: ids[1]})
    const apt = aptForDirectory(s, 'production')
    apt.update()
    expect(apt.packageNames()).toEqual(['hello-gz', 'libfoo-doc'])
    apt.cleanup()
  })
})
