/**
 * A decorator that makes a backend fail on chosen requests, for orchestration and
 * fault tests: `fail` throws a backend error for that one request; `crash` throws and
 * makes every later request throw too, as if the process had died there (nothing after
 * it reaches the backend). It records every request it saw, in order.
 */
import {RaptrError} from '../../src/errors.js'
import type {Backend, ObjectInfo, PutOptions} from '../../src/backends/interface.js'

export type Op = 'stat' | 'get' | 'put' | 'putFile' | 'putIfAbsent' | 'copy' | 'list' | 'remove' | 'sync'
export type Rule = (op: Op, key: string, seen: Array<{op: Op; key: string}>) => 'fail' | 'crash' | 'transient' | undefined

export const WRITES: ReadonlySet<Op> = new Set(['put', 'putFile', 'putIfAbsent', 'copy', 'remove'])

export class FaultyBackend implements Backend {
  readonly seen: Array<{op: Op; key: string}> = []
  dead = false
  private readonly inner: Backend
  rule: Rule

  constructor(inner: Backend, rule: Rule = () => undefined) {
    this.inner = inner
    this.rule = rule
  }

  get properties(): Backend['properties'] {
    return this.inner.properties
  }

  /** A directory's links (snapshot roots, pool aliases), passed through: faults are injected into object writes only. */
  get links(): Backend['links'] {
    return this.inner.links
  }

  /** The writes seen, in order. */
  writes(): Array<{op: Op; key: string}> {
    return this.seen.filter((r) => WRITES.has(r.op))
  }

  private check(op: Op, key: string): void {
    if (this.dead) throw new RaptrError('BACKEND_ERROR', `${op} ${key}: the process is gone`, 'test')
    const what = this.rule(op, key, this.seen)
    this.seen.push({op, key})
    if (what === 'crash') this.dead = true
    if (what === 'transient') throw new RaptrError('BACKEND_ERROR', `${op} ${key}: injected SlowDown`, 'test', {transient: true})
    if (what) throw new RaptrError('BACKEND_ERROR', `${op} ${key}: injected ${what}`, 'test')
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    this.check('stat', key)
    return this.inner.stat(key)
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    this.check('get', key)
    return this.inner.get(key)
  }

  async put(key: string, data: Uint8Array, opts?: PutOptions): Promise<void> {
    this.check('put', key)
    return this.inner.put(key, data, opts)
  }

  async putFile(key: string, file: string, opts?: PutOptions): Promise<void> {
    this.check('putFile', key)
    return this.inner.putFile(key, file, opts)
  }

  async putIfAbsent(key: string, data: Uint8Array, opts?: PutOptions): Promise<boolean> {
    this.check('putIfAbsent', key)
    return this.inner.putIfAbsent(key, data, opts)
  }

  async copy(fromKey: string, toKey: string, opts?: PutOptions): Promise<void> {
    this.check('copy', toKey)
    return this.inner.copy(fromKey, toKey, opts)
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    this.check('list', prefix)
    for await (const o of this.inner.list(prefix)) {
      if (this.dead) throw new RaptrError('BACKEND_ERROR', `list ${prefix}: the process is gone`, 'test')
      yield o
    }
  }

  async remove(keys: string[]): Promise<void> {
    this.check('remove', keys[0] ?? '')
    return this.inner.remove(keys)
  }

  async sync(): Promise<void> {
    this.check('sync', '')
    return this.inner.sync()
  }
}
