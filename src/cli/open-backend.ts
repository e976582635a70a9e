import {debugHooks} from '../core/debug.js'
import type {NamedBackend} from '../archive/backends.js'
import type {Backend} from '../backends/interface.js'

/** Opens a backend recorded in the archive, through the one registry of URL schemes. */
export async function openNamedBackend(b: NamedBackend): Promise<Backend> {
  const {openBackend} = await import('../backends/registry.js')
  const backend = await openBackend(b.url, {...b, name: b.name})
  const killAt = debugHooks().killBeforeWrite
  if (killAt > 0) {
    const {KillBeforeWriteBackend} = await import('../backends/kill-before-write.js')
    return new KillBeforeWriteBackend(backend, killAt)
  }
  return backend
}
