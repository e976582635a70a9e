/**
 * The kill-before-write sweep: a publish to S3 is killed before each of its writes in
 * turn (RAPTR_DEBUG_KILL_BEFORE_WRITE=N), each on a fresh prefix holding the same
 * starting state; after each, apt reads the old or the new snapshot, and the next
 * publish of the same snapshot — nothing changed — leaves `verify --deep` healthy and
 * apt (by-hash on and off) reading the new snapshot. Several points run side by side,
 * each lane in its own copy of the archive (a publish records itself there, under the
 * archive's lock).
 */
import fs from 'node:fs'
import path from 'node:path'
import {expect} from 'vitest'
import {addBackend} from '../../src/archive/backends.js'
import {Archive} from '../../src/store/archive.js'
import {buildDeb} from '../helpers/build-packages.js'
import {ok, raptrAsync, sh} from '../helpers/cli.js'
import {addS3Backend, aptReads, copyPrefix, expectAptReadsOneOf, fetchKey, gateway, makeBucket, makeS3Archive, scaled} from './torture-kit.js'

const WRITES = /^(PutObject|CopyObject|DeleteObjects|CreateMultipartUpload)$/
const LANES = 3

/** Which write numbers to kill before: all of 1..total at scale 1, an even spread otherwise, always the last. */
function points(total: number): number[] {
  const want = Math.min(total, scaled(total))
  if (want >= total) return Array.from({length: total}, (_, i) => i + 1)
  const out = new Set<number>([total])
  for (let i = 0; i < want; i++) out.add(1 + Math.round((i * (total - 1)) / Math.max(1, want - 1)))
  return [...out].sort((x, y) => x - y)
}

export interface SweepReport {
  writes: number
  killed: number
  leftOld: number
  leftNew: number
  /** Kill points at which a by-hash-off client could not read (before the next publish). */
  plainBroken: number
  /** First-publish kill points at which a Release was readable without its InRelease (must be none). */
  unsignedPointer: number
  /** Every kill point whose checks failed, with the first failure (all are run, none stops the sweep). */
  failures: string[]
}

/**
 * Sweeps a first publish (`incremental: false`: an empty prefix) or an incremental one
 * (a prefix holding the previous snapshot).
 */
export async function killSweep(opts: {incremental: boolean}): Promise<SweepReport> {
  const a = makeS3Archive()
  try {
    const bucket = await makeBucket(opts.incremental ? 'raptr-sweep-inc' : 'raptr-sweep-first')
    const debs = [
      await buildDeb(a.pkgs, {name: 'sweep-a', version: '1.0', arch: 'amd64'}),
      await buildDeb(a.pkgs, {name: 'sweep-doc', version: '2.0', arch: 'all'}),
    ]
    ok(['package', 'add', ...debs, '--category', 'public', '--link', 'production'], {cwd: a.dir})
    let oldNames: string[] = []
    if (opts.incremental) {
      addS3Backend(a, 'base', bucket, 'base')
      ok(['publish', 'base', '--sign-key', a.key], {cwd: a.dir})
      oldNames = ['sweep-a', 'sweep-doc']
      ok(['package', 'add', await buildDeb(a.pkgs, {name: 'sweep-new', version: '1.0', arch: 'amd64'}), '--category', 'public', '--link', 'production'], {cwd: a.dir})
    }
    const newNames = opts.incremental ? ['sweep-a', 'sweep-doc', 'sweep-new'] : ['sweep-a', 'sweep-doc']
    const prepare = async (prefix: string): Promise<void> => {
      if (opts.incremental) expect(await copyPrefix(bucket, 'base', prefix)).toBeGreaterThan(10)
    }
    const publishTo = (dir: string, backend: string, env: Record<string, string> = {}): ReturnType<typeof raptrAsync> =>
      raptrAsync(['publish', backend, '--sign-key', a.key], {cwd: dir, env})

    // Each point publishes HEAD (not --snapshot: a snapshot's own tree does not know the
    // backends added after it); within a point, the killed publish recorded nothing, so
    // the publish after it sends the same snapshot.
    // a reference publish counts the writes to sweep over
    const refUrl = addS3Backend(a, 'ref', bucket, 'ref')
    await prepare('ref')
    const log = path.join(a.work, 'ref.jsonl')
    const ref = await publishTo(a.dir, 'ref', {RAPTR_DEBUG_S3_LOG: log})
    expect(ref.code, ref.stdout + ref.stderr).toBe(0)
    const total = fs
      .readFileSync(log, 'utf8')
      .split('\n')
      .filter((l) => l && WRITES.test(JSON.parse(l).command)).length
    expect(total).toBeGreaterThan(20)
    const keyFile = await fetchKey(refUrl, a.work)

    // one backend (one fresh prefix) per write number, then one archive copy per lane
    const archive = await Archive.open(a.dir)
    for (let n = 1; n <= total + 1; n++) {
      await addBackend(archive, `p${n}`, {url: `s3://${bucket}/p${n}`, endpoint: gateway(), pathStyle: true, acl: 'public-read'})
    }
    const lanes = Array.from({length: LANES}, (_, i) => {
      const dir = path.join(a.work, `lane${i}`)
      expect(sh('cp', ['-a', a.dir, dir]).code).toBe(0)
      return dir
    })

    const report: SweepReport = {writes: total, killed: 0, leftOld: 0, leftNew: 0, plainBroken: 0, unsignedPointer: 0, failures: []}
    const sweepPoint = async (n: number, backend: string, url: string, what: string, dir: string): Promise<void> => {
      await prepare(backend)
      const killed = await publishTo(dir, backend, {RAPTR_DEBUG_KILL_BEFORE_WRITE: String(n)})
      if (n > total) {
        // one past the last write: the count was right, nothing is killed
        expect(killed.code, `${what}: ${killed.stdout}${killed.stderr}`).toBe(0)
        return
      }
      expect(killed.code, `${what}: ${killed.stdout}${killed.stderr}`).toBe(-1)
      report.killed++
      if (opts.incremental) {
        const seen = await expectAptReadsOneOf(url, keyFile, [oldNames, newNames], what, 'count')
        if (seen.names.length === newNames.length) report.leftNew++
        else report.leftOld++
        if (seen.plainBroken) report.plainBroken++
      } else {
        // Before a first publish there is nothing to read: apt may fail (no Release yet),
        // or read the new snapshot whole, never anything else; counted: a Release
        // readable without its InRelease.
        const [release, , inRelease] = await Promise.all(['Release', 'Release.gpg', 'InRelease'].map(async (f) => (await fetch(`${url}/dists/production/${f}`)).status === 200))
        if (release && !inRelease) report.unsignedPointer++
        const seen = await aptReads(url, keyFile, true)
        if (seen.ok) {
          expect(seen.names, what).toEqual(newNames)
          report.leftNew++
        } else {
          report.leftOld++
        }
      }
      const again = await publishTo(dir, backend)
      expect(again.code, `${what}, then: ${again.stdout}${again.stderr}`).toBe(0)
      const verify = await raptrAsync(['verify', backend, '--deep'], {cwd: dir})
      expect(verify.code, `${what}, then verify: ${verify.stdout}${verify.stderr}`).toBe(0)
      expect((await expectAptReadsOneOf(url, keyFile, [newNames], `${what}, then publish`)).names).toEqual(newNames)
    }

    const sweep = [...points(total), total + 1]
    let next = 0
    await Promise.all(
      lanes.map(async (dir) => {
        while (next < sweep.length) {
          const n = sweep[next++]
          const backend = `p${n}`
          const url = `${gateway()}/${bucket}/${backend}`
          const what = `${opts.incremental ? 'incremental' : 'first'} publish killed before write ${n} of ${total}`
          try {
            await sweepPoint(n, backend, url, what, dir)
          } catch (error) {
            report.failures.push((error as Error).message.split('\n').slice(0, 4).join(' / '))
          }
        }
      }),
    )
    return report
  } finally {
    fs.rmSync(a.work, {recursive: true, force: true})
  }
}
