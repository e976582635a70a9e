import fs from 'node:fs'
import {RaptrError} from '../errors.js'
import type {Backend, BackendProperties, ObjectInfo, PutOptions} from './interface.js'
import {validateKey} from './key.js'

interface Stored {
  data: Uint8Array
  modified: Date
}

/**
 * A backend held in memory (`memory://name`), for fast orchestration and fault tests
 * of publish, purge and verify. It keeps two states, as a disk does: what readers see,
 * and what survives a power loss (`crash()`); batched writes reach the second only at
 * `sync()`, unbatched ones at once.
 *
 * @example
 *   const backend = new MemoryBackend('test')
 *   await backend.put('dists/production/InRelease', bytes)
 */
export class MemoryBackend implements Backend {
  readonly properties: BackendProperties
  private visible = new Map<string, Stored>()
  private durable = new Map<string, Stored>()
  /** Keys written or removed with `batched` whose durable state lags. */
  private pending = new Set<string>()

  constructor(name = 'memory') {
    this.properties = {url: `memory://${name}`, publicUrl: `memory://${name}`, name}
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    await nextTurn()
    validateKey(key)
    const o = this.visible.get(key)
    return o ? {key, size: o.data.length, modified: o.modified} : undefined
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    await nextTurn()
    validateKey(key)
    const o = this.visible.get(key)
    return o ? Uint8Array.from(o.data) : undefined
  }

  async put(key: string, data: Uint8Array, opts?: PutOptions): Promise<void> {
    await nextTurn()
    validateKey(key)
    this.store(key, {data: Uint8Array.from(data), modified: new Date()}, opts)
  }

  async putFile(key: string, file: string, opts?: PutOptions): Promise<void> {
    validateKey(key)
    let data: Buffer
    try {
      data = await fs.promises.readFile(file)
    } catch (error) {
      throw new RaptrError('NOT_FOUND', `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, 'check that the blob cache is intact: raptr verify')
    }
    this.store(key, {data: new Uint8Array(data), modified: new Date()}, opts)
  }

  async putIfAbsent(key: string, data: Uint8Array, opts?: PutOptions): Promise<boolean> {
    await nextTurn()
    validateKey(key)
    if (this.visible.has(key)) return false
    this.store(key, {data: Uint8Array.from(data), modified: new Date()}, opts)
    return true
  }

  async copy(fromKey: string, toKey: string, opts?: PutOptions): Promise<void> {
    await nextTurn()
    validateKey(fromKey)
    validateKey(toKey)
    const o = this.visible.get(fromKey)
    if (!o) throw new RaptrError('NOT_FOUND', `cannot copy ${fromKey}: no such object on ${this.properties.name}`, 'publish the snapshot again, or run raptr verify --repair', {key: fromKey})
    if (fromKey === toKey) return
    this.store(toKey, {data: o.data, modified: new Date()}, opts)
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    await nextTurn()
    const keys = [...this.visible.keys()].filter((k) => k.startsWith(prefix)).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
    for (const key of keys) {
      const o = this.visible.get(key)
      if (o) yield {key, size: o.data.length, modified: o.modified}
    }
  }

  async remove(keys: string[]): Promise<void> {
    await nextTurn()
    for (const key of keys) validateKey(key)
    for (const key of keys) {
      this.visible.delete(key)
      this.durable.delete(key)
      this.pending.delete(key)
    }
  }

  async sync(): Promise<void> {
    await nextTurn()
    for (const key of this.pending) {
      const o = this.visible.get(key)
      if (o) this.durable.set(key, o)
      else this.durable.delete(key)
    }
    this.pending.clear()
  }

  /** A power loss: what readers see falls back to what was durable. */
  crash(): void {
    this.visible = new Map(this.durable)
    this.pending.clear()
  }

  /** Ages every object (purge's grace period, in tests). */
  age(ms: number): void {
    for (const o of new Set([...this.visible.values(), ...this.durable.values()])) o.modified = new Date(o.modified.getTime() - ms)
  }

  private store(key: string, o: Stored, opts: PutOptions | undefined): void {
    this.visible.set(key, o)
    if (opts?.batched) this.pending.add(key)
    else {
      this.durable.set(key, o)
      this.pending.delete(key)
    }
  }
}

/**
 * Every operation yields to the event loop first, as a real backend's request does, so
 * concurrent publishes interleave here as they would against a directory or a bucket
 * instead of each finishing before the next starts.
 */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}
