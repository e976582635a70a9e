import type {Backend, ObjectInfo, PutOptions} from './interface.js'

/**
 * A decorator that kills the process (SIGKILL, no cleanup) just before its Nth write.
 * raptr's crash tests use it to stop a publish at every step and check that apt still
 * reads a consistent repository; enabled only by RAPTR_DEBUG_KILL_BEFORE_WRITE.
 */
export class KillBeforeWriteBackend implements Backend {
  private writes = 0
  private readonly inner: Backend
  private readonly killAt: number

  constructor(inner: Backend, killAt: number) {
    this.inner = inner
    this.killAt = killAt
  }

  get properties(): Backend['properties'] {
    return this.inner.properties
  }

  get links(): Backend['links'] {
    return this.inner.links
  }

  private tick(): void {
    this.writes++
    if (this.writes >= this.killAt) process.kill(process.pid, 'SIGKILL')
  }

  stat(key: string): Promise<ObjectInfo | undefined> {
    return this.inner.stat(key)
  }

  get(key: string): Promise<Uint8Array | undefined> {
    return this.inner.get(key)
  }

  list(prefix: string): AsyncIterable<ObjectInfo> {
    return this.inner.list(prefix)
  }

  sync(): Promise<void> {
    return this.inner.sync()
  }

  async put(key: string, data: Uint8Array, opts?: PutOptions): Promise<void> {
    this.tick()
    return this.inner.put(key, data, opts)
  }

  async putFile(key: string, file: string, opts?: PutOptions): Promise<void> {
    this.tick()
    return this.inner.putFile(key, file, opts)
  }

  async putIfAbsent(key: string, data: Uint8Array, opts?: PutOptions): Promise<boolean> {
    this.tick()
    return this.inner.putIfAbsent(key, data, opts)
  }

  async copy(fromKey: string, toKey: string, opts?: PutOptions): Promise<void> {
    this.tick()
    return this.inner.copy(fromKey, toKey, opts)
  }

  async remove(keys: string[]): Promise<void> {
    this.tick()
    return this.inner.remove(keys)
  }
}
