import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {pathToFileURL} from 'node:url'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {readDeb} from '../../src/debian/deb.js'
import {DebPool} from '../../src/hash/deb-pool.js'
import type {RaptrError} from '../../src/errors.js'
import {buildDeb} from '../helpers/build-packages.js'

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures')
// The pool starts the built worker (npm run build writes dist/deb-worker.js, the file it ships).
const BUILT_WORKER = path.resolve(import.meta.dirname, '../../dist/deb-worker.js')

describe('the package-reading pool', () => {
  let dir: string
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raptr-'))
  })
  afterEach(() => {
    fs.rmSync(dir, {recursive: true, force: true})
  })

  it('reads packages in worker threads exactly as the main thread does, errors included', async () => {
    if (!fs.existsSync(BUILT_WORKER)) throw new Error(`${BUILT_WORKER} is missing: run npm run build first`)
    const worker = pathToFileURL(BUILT_WORKER)
    expect(DebPool.start(3, worker), 'a few files are read on the main thread').toBeUndefined()
    const pool = DebPool.start(1000, worker)
    expect(pool, 'this machine has more than one core').toBeDefined()
    try {
      const files = ['hello-gz_1.0-1_amd64.deb', 'hello-xz_1.0-1_amd64.deb', 'hello-zst_1.0-1_amd64.deb', 'libfoo-doc_2.0_all.deb'].map((f) => path.join(FIXTURES, f))
      files.push(await buildDeb(dir, {name: 'pooled', version: '1', arch: 'amd64', compression: 'gzip', payloadBytes: 3 << 20}))
      // Several at once, more than there are workers.
      const pooled = await Promise.all([...files, ...files].map((f) => pool!.read(f)))
      for (const [i, f] of [...files, ...files].entries()) expect(pooled[i], f).toEqual(await readDeb(f))

      const missing = await pool!.read(path.join(dir, 'nope.deb')).catch((e: unknown) => e)
      // A RaptrError of the built code: the same class name, code and hint.
      expect(missing).toMatchObject({name: 'RaptrError', code: 'NOT_FOUND'})
      const text = path.join(dir, 'text.deb')
      fs.writeFileSync(text, 'not a package\n')
      const bad = (await pool!.read(text).catch((e: unknown) => e)) as RaptrError
      expect(bad).toMatchObject({name: 'RaptrError', code: 'BAD_DEB'})
      expect(bad.hint).not.toBe('')
      // The pool still works after an error.
      expect((await pool!.read(files[0])).digests).toEqual((await readDeb(files[0])).digests)
    } finally {
      await pool?.close()
    }
  })

  it('replaces each worker after its share of files, and reads every file the same across the change', async () => {
    const worker = pathToFileURL(BUILT_WORKER)
    // A fresh worker every 3 files: 40 reads, 8 at a time, go through a dozen of them.
    const pool = DebPool.start(1000, worker, 3)
    expect(pool).toBeDefined()
    try {
      const files = ['hello-gz_1.0-1_amd64.deb', 'hello-xz_1.0-1_amd64.deb', 'hello-zst_1.0-1_amd64.deb', 'libfoo-doc_2.0_all.deb'].map((f) => path.join(FIXTURES, f))
      const expected = await Promise.all(files.map((f) => readDeb(f)))
      const reads = Array.from({length: 40}, (_, i) => i % files.length)
      for (let i = 0; i < reads.length; i += 8) {
        const got = await Promise.all(reads.slice(i, i + 8).map((k) => pool!.read(files[k])))
        got.forEach((deb, j) => expect(deb).toEqual(expected[reads[i + j]]))
      }
      // 40 reads, 3 a worker: every worker that served 3 was replaced (12 or 13 of them,
      // as the last ones may hold 0-2 reads), and each replaced one ended.
      const replaced = pool!.workerCounts.started - pool!.size
      expect(replaced).toBeGreaterThanOrEqual(Math.floor((40 - 2 * pool!.size) / 3))
      expect(replaced).toBeLessThanOrEqual(Math.floor(40 / 3))
      await pool!.close()
      expect(pool!.workerCounts.ended).toBe(replaced)
    } finally {
      await pool?.close()
    }
  })
  it('writes a copy of each package as it reads it (copyTo), byte for byte, and leaves none of a package it refuses', async () => {
    const pool = DebPool.start(1000, pathToFileURL(BUILT_WORKER))
    expect(pool).toBeDefined()
    try {
      const big = await buildDeb(dir, {name: 'copied', version: '1', arch: 'amd64', compression: 'gzip', payloadBytes: 3 << 20})
      const files = [path.join(FIXTURES, 'hello-xz_1.0-1_amd64.deb'), big]
      for (const [k, read] of [['main', (f: string, to: string) => readDeb(f, {copyTo: to})], ['pool', (f: string, to: string) => pool!.read(f, to)]] as const) {
        for (const [i, f] of files.entries()) {
          const copy = path.join(dir, `${k}-${i}.tmp`)
          expect(await read(f, copy), `${k}: ${f}`).toEqual(await readDeb(f))
          expect(fs.readFileSync(copy).equals(fs.readFileSync(f)), `${k}: the copy of ${f} is its bytes`).toBe(true)
          // A copy is a new file: one already there is never written over.
          await expect(read(f, copy)).rejects.toMatchObject({code: 'EEXIST'})
          expect(fs.readFileSync(copy).equals(fs.readFileSync(f)), `${k}: a refused copy leaves the file there alone`).toBe(true)
        }
        // Refused after its whole read (a truncated data.tar), or at its first bytes: no copy stays.
        const truncated = path.join(dir, `${k}-truncated.deb`)
        fs.writeFileSync(truncated, fs.readFileSync(big).subarray(0, 2 << 20))
        const text = path.join(dir, `${k}-text.deb`)
        fs.writeFileSync(text, 'not a package\n')
        for (const f of [truncated, text]) {
          const copy = path.join(dir, `${k}-${path.basename(f)}.tmp`)
          await expect(read(f, copy)).rejects.toMatchObject({code: 'BAD_DEB'})
          expect(fs.existsSync(copy), `${k}: ${f}`).toBe(false)
        }
      }
    } finally {
      await pool?.close()
    }
  })
})
