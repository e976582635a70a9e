/**
 * The behaviour every backend promises publish, purge and verify (restic's backend test
 * suite is the model). A backend joins with a few lines:
 *
 *   backendContract('s3', async () => ({backend: await openBackend(url), cleanup: async () => {…}}))
 *
 * `make` is called before every test and must return an empty backend.
 */
import {randomBytes} from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import type {Backend} from '../../src/backends/interface.js'
import {RaptrError} from '../../src/errors.js'

/**
 * `crash` simulates a power loss (what readers see falls back to what was durable),
 * for backends that can; the others say where their durability is shown instead.
 */
export type MakeBackend = () => Promise<{backend: Backend; cleanup: () => Promise<void>; crash?: () => void}>

const text = (s: string): Uint8Array => new TextEncoder().encode(s)

async function collect(backend: Backend, prefix: string): Promise<string[]> {
  const keys: string[] = []
  for await (const info of backend.list(prefix)) keys.push(info.key)
  return keys
}

/** S3 lists keys in UTF-8 byte order; so must everyone. */
function byteOrder(keys: string[]): string[] {
  return [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
}

/** Runs `fn` over `items` with at most `limit` in flight. */
async function inParallel<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({length: Math.min(limit, items.length)}, async () => {
      while (next < items.length) await fn(items[next++])
    }),
  )
}

export function backendContract(name: string, make: MakeBackend): void {
  describe(`backend contract: ${name}`, () => {
    let backend: Backend
    let cleanup: () => Promise<void>
    let crash: (() => void) | undefined
    let scratch: string

    beforeEach(async () => {
      ;({backend, cleanup, crash} = await make())
      scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'raptr-'))
    })

    afterEach(async () => {
      await cleanup()
      fs.rmSync(scratch, {recursive: true, force: true})
    })

    it('reads back exactly the bytes it stored, with their size', async () => {
      const binary = Uint8Array.from({length: 512}, (_, i) => i % 256)
      const big = randomBytes(5 * 1024 * 1024)
      await backend.put('pool/binary', binary)
      await backend.put('pool/empty', new Uint8Array())
      await backend.put('pool/big', big, {contentType: 'application/vnd.debian.binary-package', immutable: true})

      expect(await backend.get('pool/binary')).toEqual(binary)
      expect(await backend.get('pool/empty')).toEqual(new Uint8Array())
      expect(Buffer.from((await backend.get('pool/big'))!).equals(big)).toBe(true)
      expect(await backend.stat('pool/binary')).toMatchObject({key: 'pool/binary', size: 512})
      expect(await backend.stat('pool/empty')).toMatchObject({key: 'pool/empty', size: 0})
      expect(await backend.stat('pool/big')).toMatchObject({key: 'pool/big', size: big.length})
      expect((await backend.stat('pool/big'))!.modified).toBeInstanceOf(Date)
    })

    it('replaces an object on a second put', async () => {
      await backend.put('dists/production/InRelease', text('the old, longer pointer'))
      await backend.put('dists/production/InRelease', text('new'))
      expect(await backend.get('dists/production/InRelease')).toEqual(text('new'))
      expect((await backend.stat('dists/production/InRelease'))!.size).toBe(3)
    })

    it('answers undefined for objects that do not exist', async () => {
      await backend.put('dists/production/Release', text('x'))
      expect(await backend.get('dists/production/InRelease')).toBeUndefined()
      expect(await backend.stat('dists/production/InRelease')).toBeUndefined()
      expect(await backend.get('dists/staging/Release')).toBeUndefined()
      expect(await backend.stat('dists/staging/Release')).toBeUndefined()
      // A "directory" is not an object.
      expect(await backend.get('dists/production')).toBeUndefined()
      expect(await backend.stat('dists/production')).toBeUndefined()
    })

    it('uploads a local file with putFile', async () => {
      const file = path.join(scratch, 'hello_1.0_amd64.deb')
      const bytes = randomBytes(300_000)
      fs.writeFileSync(file, bytes)
      await backend.putFile('pool/ab/hello.deb', file, {contentType: 'application/vnd.debian.binary-package', immutable: true})
      expect(Buffer.from((await backend.get('pool/ab/hello.deb'))!).equals(bytes)).toBe(true)
      expect((await backend.stat('pool/ab/hello.deb'))!.size).toBe(bytes.length)
    })

    it('shows batched writes at once and makes them durable on sync', async () => {
      const file = path.join(scratch, 'batched.deb')
      const bytes = randomBytes(70_000)
      fs.writeFileSync(file, bytes)
      await backend.putFile('pool/cd/batched.deb', file, {immutable: true, batched: true, immutableSource: true})
      await backend.put('dists/x/by-hash/SHA256/ab', text('index'), {immutable: true, batched: true})
      await backend.copy('dists/x/by-hash/SHA256/ab', 'dists/snapshots/s/x/by-hash/SHA256/ab', {immutable: true, batched: true})
      expect(Buffer.from((await backend.get('pool/cd/batched.deb'))!).equals(bytes)).toBe(true)
      expect(new TextDecoder().decode(await backend.get('dists/snapshots/s/x/by-hash/SHA256/ab'))).toBe('index')
      await backend.put('dists/x/InRelease', text('unbatched'))
      await backend.sync()
      await backend.sync() // nothing pending: still fine
      expect((await backend.stat('pool/cd/batched.deb'))!.size).toBe(bytes.length)
      if (crash) {
        // Written before a batched write that was never synced, then a power loss.
        await backend.put('dists/x/by-hash/SHA256/cd', text('late'), {immutable: true, batched: true})
        crash()
        expect(Buffer.from((await backend.get('pool/cd/batched.deb'))!).equals(bytes)).toBe(true)
        expect(new TextDecoder().decode(await backend.get('dists/snapshots/s/x/by-hash/SHA256/ab'))).toBe('index')
        expect(new TextDecoder().decode(await backend.get('dists/x/InRelease'))).toBe('unbatched')
        expect(await backend.get('dists/x/by-hash/SHA256/cd')).toBeUndefined()
      }
    })

    it('replaces an existing object with putFile from an immutable source', async () => {
      await backend.put('pool/cd/torn.deb', text('torn'))
      const file = path.join(scratch, 'whole.deb')
      fs.writeFileSync(file, 'the whole file')
      await backend.putFile('pool/cd/torn.deb', file, {immutableSource: true})
      await backend.putFile('pool/cd/torn.deb', file, {immutableSource: true}) // again: the same
      expect(new TextDecoder().decode(await backend.get('pool/cd/torn.deb'))).toBe('the whole file')
      expect(await collect(backend, 'pool/cd/')).toEqual(['pool/cd/torn.deb'])
    })

    it('creates with putIfAbsent only when the key is free, leaving an existing object untouched', async () => {
      expect(await backend.putIfAbsent('publications/production.json', text('first'))).toBe(true)
      expect(await backend.putIfAbsent('publications/production.json', text('second'))).toBe(false)
      expect(await backend.get('publications/production.json')).toEqual(text('first'))
    })

    it('lets exactly one of 8 concurrent putIfAbsent callers win, and stores the winner’s bytes', async () => {
      const bodies = Array.from({length: 8}, (_, i) => text(`publisher ${i} `.repeat(1000 + i)))
      const results = await Promise.all(bodies.map((body) => backend.putIfAbsent('lease', body)))
      expect(results.filter(Boolean)).toHaveLength(1)
      const winner = results.indexOf(true)
      expect(await backend.get('lease')).toEqual(bodies[winner])
    })

    it('copies an object to a new key, and the copy survives changes to the original', async () => {
      await backend.put('dists/snapshots/s1/production/InRelease', text('signed s1'))
      await backend.put('dists/production/InRelease', text('older pointer'))
      await backend.copy('dists/snapshots/s1/production/InRelease', 'dists/production/InRelease', {immutable: false})
      expect(await backend.get('dists/production/InRelease')).toEqual(text('signed s1'))
      expect(await backend.get('dists/snapshots/s1/production/InRelease')).toEqual(text('signed s1'))

      // Copying again onto an identical copy is harmless.
      await backend.copy('dists/snapshots/s1/production/InRelease', 'dists/production/InRelease')
      await backend.put('dists/snapshots/s1/production/InRelease', text('changed'))
      expect(await backend.get('dists/production/InRelease')).toEqual(text('signed s1'))
      expect(await collect(backend, '')).toEqual(['dists/production/InRelease', 'dists/snapshots/s1/production/InRelease'])
    })

    it('refuses to copy an object that does not exist', async () => {
      const err = await backend.copy('pool/missing', 'pool/copy').catch((e: unknown) => e)
      expect(err).toBeInstanceOf(RaptrError)
      expect((err as RaptrError).code).toBe('NOT_FOUND')
      expect(await backend.stat('pool/copy')).toBeUndefined()
    })

    it('lists exactly the objects under a prefix, in key order, with their sizes', async () => {
      const keys = ['pool/a/x', 'pool/ab/y', 'pool/ab/z/deep', 'pool/b/w', 'pool-c', 'pool/a-b', 'poolside', 'dists/p/Release', 'README']
      for (const [i, key] of keys.entries()) await backend.put(key, new Uint8Array(i))

      expect(await collect(backend, '')).toEqual(byteOrder(keys))
      expect(await collect(backend, 'pool/')).toEqual(byteOrder(['pool/a/x', 'pool/ab/y', 'pool/ab/z/deep', 'pool/b/w', 'pool/a-b']))
      expect(await collect(backend, 'pool/a')).toEqual(byteOrder(['pool/a/x', 'pool/ab/y', 'pool/ab/z/deep', 'pool/a-b']))
      expect(await collect(backend, 'pool/ab/')).toEqual(['pool/ab/y', 'pool/ab/z/deep'])
      expect(await collect(backend, 'pool')).toEqual(byteOrder(keys.filter((k) => k.startsWith('pool'))))
      expect(await collect(backend, 'pool/a/x')).toEqual(['pool/a/x'])
      expect(await collect(backend, 'nothing/here')).toEqual([])

      const sizes: Record<string, number> = {}
      for await (const info of backend.list('pool/')) sizes[info.key] = info.size
      expect(sizes).toEqual({'pool/a/x': 0, 'pool/ab/y': 1, 'pool/ab/z/deep': 2, 'pool/b/w': 3, 'pool/a-b': 5})
    })

    it('lists more than 1000 objects (one S3 page) completely and in order', async () => {
      const keys = Array.from({length: 1100}, (_, i) => `pool/${String(i % 7)}/${String(i).padStart(4, '0')}.deb`)
      await inParallel(keys, 32, (key) => backend.put(key, text(key)))
      await backend.put('other/file', text('not listed'))
      const listed = await collect(backend, 'pool/')
      expect(listed).toHaveLength(1100)
      expect(listed).toEqual(byteOrder(keys))
    })

    it('removes objects, ignoring keys that do not exist', async () => {
      await backend.put('pool/a/x', text('x'))
      await backend.put('pool/a/y', text('y'))
      await backend.put('pool/b/z', text('z'))
      await backend.remove(['pool/a/x', 'pool/b/z', 'pool/never/was', 'pool/a/x'])
      expect(await backend.get('pool/a/x')).toBeUndefined()
      expect(await backend.stat('pool/b/z')).toBeUndefined()
      expect(await collect(backend, '')).toEqual(['pool/a/y'])
      await backend.remove([])
      await backend.remove(['pool/a/y'])
      expect(await collect(backend, '')).toEqual([])
      // Writing again after everything was removed works.
      await backend.put('pool/a/x', text('again'))
      expect(await backend.get('pool/a/x')).toEqual(text('again'))
    })

    it('round-trips keys with +, ~, :, spaces and UTF-8 through put, list, get and copy', async () => {
      const keys = [
        'pool/main/j/jq/jq_1.6-2.1+deb12u3.dsc',
        'pool/main/j/jq/jq_1.6-2.1+deb12u3.debian.tar.xz',
        'pool/main/h/hello/hello_2.10-3~bpo12+1_amd64.deb',
        'pool/main/e/epoch/epoch_1:2.0-1_all.deb',
        'pool/with space/file name.deb',
        'pool/ünïcødé/日本語_1.0.deb',
        'pool/percent/a%2Bb=c&d.deb',
      ]
      for (const key of keys) await backend.put(key, text(`body of ${key}`))
      expect(await collect(backend, 'pool/')).toEqual(byteOrder(keys))
      for (const key of keys) {
        expect(await backend.get(key)).toEqual(text(`body of ${key}`))
        expect((await backend.stat(key))!.size).toBe(text(`body of ${key}`).length)
      }
      // '+' and ' ' stay distinct (S3 over HTTP may decode one as the other).
      expect(await backend.get('pool/main/j/jq/jq_1.6-2.1 deb12u3.dsc')).toBeUndefined()
      await backend.copy(keys[0], 'pool/copies/jq_1.6-2.1+deb12u3.dsc')
      expect(await backend.get('pool/copies/jq_1.6-2.1+deb12u3.dsc')).toEqual(text(`body of ${keys[0]}`))
      await backend.remove(keys)
      expect(await collect(backend, 'pool/')).toEqual(['pool/copies/jq_1.6-2.1+deb12u3.dsc'])
    })

    it('never shows a reader part of an object while it is being replaced', async () => {
      const key = 'dists/production/main/binary-amd64/Packages'
      const versions = [Buffer.alloc(3 * 1024 * 1024, 'a'), Buffer.alloc(2 * 1024 * 1024 + 17, 'b')]
      await backend.put(key, versions[0])
      let writing = true
      const writer = (async () => {
        try {
          for (let i = 1; i <= 12; i++) await backend.put(key, versions[i % 2])
        } finally {
          writing = false
        }
      })()
      let reads = 0
      const seenWhileWriting = new Set<number>()
      while (writing || reads < 3) {
        const during = writing
        const got = Buffer.from((await backend.get(key))!)
        reads++
        expect(got.equals(versions[0]) || got.equals(versions[1]), `read ${reads} was ${got.length} bytes, not a complete version`).toBe(true)
        if (during && writing) seenWhileWriting.add(got.length)
      }
      await writer
      // The reads really overlapped the replacements: both versions were seen meanwhile.
      expect(seenWhileWriting.size, `${reads} reads saw ${[...seenWhileWriting].join(', ')} while writing`).toBe(2)
    })
  })
}
