import fs from 'node:fs'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {buildDeb} from '../helpers/build-packages.js'
import {ok, raptrAsync} from '../helpers/cli.js'
import {startFaultProxy, type FaultProxy} from './fault-proxy.js'
import {addS3Backend, expectAptReadsOneOf, fetchKey, gateway, makeBucket, makeS3Archive, oneLineFailure, pointerInconsistency, type S3Archive} from './torture-kit.js'

// Single faults aimed at the requests where a publish is most fragile, through the
// proxy on real HTTP. Every raptr call is asynchronous: the proxy serves from this process.

describe('an S3 publish hit by one fault at a fragile request', () => {
  let a: S3Archive
  let proxy: FaultProxy
  let url: string
  let keyFile: string
  const added: string[] = []
  let live: string[] = []

  const addPackage = async (): Promise<void> => {
    const name = `aimed${added.length}`
    ok(['package', 'add', await buildDeb(a.pkgs, {name, version: '1.0', arch: 'amd64'}), '--category', 'public', '--link', 'production'], {cwd: a.dir})
    added.push(name)
  }
  const publish = (env: Record<string, string> = {}): ReturnType<typeof raptrAsync> => raptrAsync(['publish', '--sign-key', a.key], {cwd: a.dir, env})

  beforeAll(async () => {
    a = makeS3Archive()
    proxy = await startFaultProxy({target: gateway(), seed: 3})
    url = addS3Backend(a, 'eu', await makeBucket('raptr-aimed'), 'debian', proxy.url)
    await addPackage()
    const first = await publish()
    expect(first.code, first.stdout + first.stderr).toBe(0)
    keyFile = await fetchKey(url, a.work)
    live = [...added]
  })
  afterAll(async () => {
    await proxy?.close()
    if (a) fs.rmSync(a.work, {recursive: true, force: true})
  })

  it('the answer to its log-entry write is lost after the gateway stored it: the publish completes with one entry', async () => {
    await addPackage()
    proxy.addRule({method: 'PUT', key: /raptr\/log\/production\/0000000002\.json$/, toxic: 'reset-before-response', forward: true})
    const res = await publish()
    expect(proxy.faults().filter((f) => f.toxic === 'reset-before-response' && f.forwarded)).toHaveLength(1)
    expect(res.code, res.stdout + res.stderr).toBe(0)
    expect(res.stdout).toMatch(/seq 2\)/)
    expect((await fetch(`${url}/raptr/log/production/0000000003.json`)).status).not.toBe(200)
    expect(await pointerInconsistency(url, keyFile)).toBeUndefined()
    expect((await expectAptReadsOneOf(url, keyFile, [added], 'after a lost answer')).names).toEqual([...added].sort())
    live = [...added]
  })

  it('SlowDown with Retry-After on each pointer file: the publish waits, retries and completes', async () => {
    await addPackage()
    const before = proxy.faults().length
    for (const f of ['Release', 'Release.gpg', 'InRelease']) proxy.addRule({method: 'PUT', key: `debian/dists/production/${f}`, toxic: 'slowdown', times: 2})
    const res = await publish()
    expect(proxy.faults().length - before).toBe(6)
    expect(res.code, res.stdout + res.stderr).toBe(0)
    expect(await pointerInconsistency(url, keyFile)).toBeUndefined()
    expect((await expectAptReadsOneOf(url, keyFile, [added], 'after SlowDown')).names).toEqual([...added].sort())
    live = [...added]
  })

  it('the gateway fails every request for the public key: success is reported exactly when apt reads the new snapshot, and the next publish settles the key', async () => {
    await addPackage()
    proxy.addRule({key: /raptr\.(asc|gpg)$/, toxic: 'error500', times: Infinity})
    const res = await publish({RAPTR_RETRY_SECONDS: '2'})
    proxy.clearRules()
    expect(proxy.faults().some((f) => /raptr\.(asc|gpg)$/.test(f.path))).toBe(true)
    const seen = (await expectAptReadsOneOf(url, keyFile, [live, added], 'with the key unreachable')).names
    if (res.code === 0) {
      expect(seen).toEqual([...added].sort())
    } else {
      expect(res.code, res.stdout + res.stderr).toBe(4)
      expect(oneLineFailure(res.stdout, res.stderr), res.stdout + res.stderr).toBe(true)
      expect(seen, `exit 4, yet apt reads the new snapshot: ${res.stdout}`).toEqual([...live].sort())
    }
    const next = await publish()
    expect(next.code, next.stdout + next.stderr).toBe(0)
    const verify = await raptrAsync(['verify', '--deep'], {cwd: a.dir})
    expect(verify.code, verify.stdout + verify.stderr).toBe(0)
    expect((await expectAptReadsOneOf(url, keyFile, [added], 'after the next publish')).names).toEqual([...added].sort())
    live = [...added]
  })

  it('a truncated answer to the read of the log head: the publish retries the read and completes', async () => {
    await addPackage()
    const before = proxy.faults().length
    proxy.addRule({method: 'GET', key: /raptr\/log\/production\/\d+\.json$/, toxic: 'truncate-body', times: 2})
    const res = await publish()
    expect(proxy.faults().length - before).toBeGreaterThanOrEqual(1)
    expect(res.code, res.stdout + res.stderr).toBe(0)
    expect(await pointerInconsistency(url, keyFile)).toBeUndefined()
    expect((await expectAptReadsOneOf(url, keyFile, [added], 'after a truncated read')).names).toEqual([...added].sort())
  })
})
