/**
 * Reads many .deb files on every core: a small pool of worker threads, each running
 * readDeb (the digests, and the decompression that lists data.tar, are the CPU of a bulk
 * add). One file, or code run from its TypeScript sources, is read on the main thread.
 *
 * Each worker is replaced by a fresh one after a thousand files (see FILES_PER_WORKER).
 *
 * @example
 *   const pool = DebPool.start(files.length)
 *   try { const deb = await (pool?.read(file) ?? readDeb(file)) } finally { await pool?.close() }
 */
import fs from 'node:fs'
import os from 'node:os'
import {fileURLToPath} from 'node:url'
import {Worker} from 'node:worker_threads'

import type {DebInfo} from '../core/interface.js'
import {type ErrorCode, RaptrError} from '../errors.js'
import type {DebReply, DebRequest} from './deb-worker.js'

// Below this many files the workers' start-up (tens of milliseconds each) is not repaid.
const MIN_FILES = 64

interface Pending {
  resolve: (deb: DebInfo) => void
  reject: (error: Error) => void
}

/**
 * Files a worker reads before it is replaced by a fresh one: memory a decoder keeps
 * outside V8's heap (zlib's and xz's native and WebAssembly state) grows with every file
 * read, and ending the thread is what returns it. Starting a worker costs tens of
 * milliseconds; a thousand files take seconds.
 */
const FILES_PER_WORKER = 1000

interface Slot {
  worker: Worker
  busy: number
  served: number
  retired: boolean
}

export class DebPool {
  private workers: Slot[] = []
  /** How many worker threads. */
  readonly size: number
  private readonly script: URL
  private readonly pending = new Map<number, Pending>()
  private nextId = 0
  private closing = false
  private failure: Error | undefined
  private readonly retiring = new Set<Promise<number>>()

  private readonly filesPerWorker: number
  /** Workers started, and replaced ones that have ended: what a test checks replacement by. */
  private counts = {started: 0, ended: 0}

  private constructor(script: URL, size: number, filesPerWorker: number) {
    this.size = size
    this.script = script
    this.filesPerWorker = filesPerWorker
    for (let i = 0; i < size; i++) this.workers.push(this.spawn())
  }

  private spawn(): Slot {
    // A small young generation: V8's default lets each thread's grow to 64 MiB or more,
    // and a worker only ever holds one file's names at a time.
    const worker = new Worker(this.script, {resourceLimits: {maxYoungGenerationSizeMb: 16}})
    const slot: Slot = {worker, busy: 0, served: 0, retired: false}
    this.counts.started++
    worker.on('message', (reply: DebReply) => {
      slot.busy--
      const p = this.pending.get(reply.id)
      this.pending.delete(reply.id)
      if (slot.retired && slot.busy === 0) this.retire(slot)
      if (!p) return
      if ('deb' in reply) p.resolve(reply.deb)
      else p.reject(revive(reply.error))
    })
    worker.on('error', (error) => this.failAll(error))
    worker.on('exit', (code) => {
      if (slot.retired) this.counts.ended++
      if (!this.closing && !slot.retired) this.failAll(new Error(`a package-reading worker thread stopped (exit code ${code})`))
    })
    // Idle workers must not keep the process alive.
    worker.unref()
    return slot
  }

  private retire(slot: Slot): void {
    const done = slot.worker.terminate()
    this.retiring.add(done)
    void done.finally(() => this.retiring.delete(done))
  }

  /** A pool for reading `count` files, or undefined when the main thread should read them. */
  static start(count: number, worker?: URL, filesPerWorker = FILES_PER_WORKER): DebPool | undefined {
    const size = Math.min(os.availableParallelism(), 8)
    if (count < MIN_FILES || size < 2) return undefined
    // Beside this module (compiled tree) or at the top of dist/ (this module in a bundle chunk).
    const script = [worker, new URL('./deb-worker.js', import.meta.url), new URL('../deb-worker.js', import.meta.url)].find((u) => u && fs.existsSync(fileURLToPath(u)))
    // Run from the TypeScript sources (unit tests) there is no compiled worker to start.
    if (!script) return undefined
    return new DebPool(script, size, filesPerWorker)
  }

  /** How many workers were started, and how many replaced workers have ended so far. */
  get workerCounts(): {started: number; ended: number} {
    return {...this.counts}
  }

  /** readDeb(file, {copyTo}), in the least busy worker. */
  read(file: string, copyTo?: string): Promise<DebInfo> {
    if (this.failure) return Promise.reject(this.failure)
    const slot = this.workers.reduce((a, b) => (b.busy < a.busy ? b : a))
    const id = this.nextId++
    slot.busy++
    if (++slot.served >= this.filesPerWorker) {
      // Its last file: a fresh worker takes its place, and it ends once its replies are in.
      slot.retired = true
      this.workers = this.workers.map((w) => (w === slot ? this.spawn() : w))
    }
    return new Promise<DebInfo>((resolve, reject) => {
      this.pending.set(id, {resolve, reject})
      slot.worker.ref()
      slot.worker.postMessage({id, file, copyTo} satisfies DebRequest)
    }).finally(() => {
      if (slot.busy === 0) slot.worker.unref()
    })
  }

  async close(): Promise<void> {
    this.closing = true
    await Promise.all([...this.workers.map((w) => w.worker.terminate()), ...this.retiring])
  }

  private failAll(error: Error): void {
    this.failure ??= error
    for (const p of this.pending.values()) p.reject(error)
    this.pending.clear()
  }
}

function revive(e: Extract<DebReply, {error: unknown}>['error']): Error {
  if (e.raptr) return new RaptrError(e.code as ErrorCode, e.message, e.hint, e.data)
  const error = new Error(e.message) as NodeJS.ErrnoException
  if (e.errno) error.code = e.errno
  return error
}
