import * as z from '../core/zod.js'
import {RaptrError} from '../errors.js'
import {BACKENDS, backendPath} from '../core/layout.js'
import {validateBackendName} from '../core/names.js'
import type {RaptrEvent} from '../core/events.js'
import type {Archive, ArchiveView} from '../store/archive.js'
import {json, parseJsonFile} from './settings.js'

/**
 * A publishing target as the archive records it (shared by the team through git).
 * Never credentials: those come from the environment when publishing.
 */
export const BackendSettings = z.object({
  url: z.string(),
  region: z.optional(z.string()),
  endpoint: z.optional(z.string()),
  pathStyle: z.optional(z.boolean()),
  sse: z.optional(z.enum(['AES256', 'aws:kms'])),
  storageClass: z.optional(z.string()),
  acl: z.optional(z.enum(['public-read', 'private'])),
  cacheControl: z.optional(z.string()),
  /** The URL apt clients use, when it differs from what raptr derives (a CDN in front of a bucket). */
  publicUrl: z.optional(z.string()),
  /** How long a failing request is retried (seconds); default RAPTR_RETRY_SECONDS, else 60. */
  retrySeconds: z.optional(z.number().check(z.nonnegative())),
})
export type BackendSettings = z.infer<typeof BackendSettings>

export interface NamedBackend extends BackendSettings {
  name: string
}

export async function listBackends(view: ArchiveView): Promise<NamedBackend[]> {
  const out: NamedBackend[] = []
  for (const file of await view.list(BACKENDS)) {
    if (!file.endsWith('.json')) continue
    const name = file.slice(0, -5)
    out.push({name, ...parseJsonFile(BackendSettings, (await view.read(`${BACKENDS}/${file}`))!, `${BACKENDS}/${file}`)})
  }
  return out
}

export async function requireBackend(view: ArchiveView, name: string): Promise<NamedBackend> {
  validateBackendName(name)
  const text = await view.read(backendPath(name))
  if (text === undefined) {
    const known = (await listBackends(view)).map((b) => b.name)
    throw new RaptrError('UNKNOWN_BACKEND', `no backend named "${name}"`, known.length ? `known: ${known.join(', ')}` : 'add one with: raptr backend add NAME file:///srv/apt')
  }
  return {name, ...parseJsonFile(BackendSettings, text, backendPath(name))}
}

/** Adds (or updates) a backend; the URL is validated before anything is written. */
export async function addBackend(archive: Archive, name: string, settings: BackendSettings): Promise<{commit?: string; created: boolean}> {
  validateBackendName(name)
  const {parseBackendUrl} = await import('../backends/registry.js')
  parseBackendUrl(settings.url)
  const clean = Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)) as BackendSettings
  const {commit, result} = await archive.transaction(async (tx) => {
    const existing = await tx.read(backendPath(name))
    const text = json(clean)
    if (existing !== text) tx.write(backendPath(name), text)
    return {message: `${existing === undefined ? 'backend added' : 'backend updated'}: ${name} ${settings.url}`, events: [backendEvent(existing === undefined ? 'BackendAdded' : 'BackendSet', name, clean)], result: existing === undefined}
  })
  return {commit, created: result}
}

function backendEvent(type: 'BackendAdded' | 'BackendSet', name: string, settings: BackendSettings): RaptrEvent {
  const {url, ...options} = settings
  return {v: 1, type, name, url, options}
}

/** Forgets a backend; one already forgotten is `nothing` to do. */
export async function removeBackend(archive: Archive, name: string): Promise<{commit?: string; nothing?: string}> {
  validateBackendName(name)
  const {commit, result} = await archive.transaction(async (tx) => {
    if ((await tx.read(backendPath(name))) === undefined) return {message: '', events: [], result: `there is no backend "${name}"`}
    tx.remove(backendPath(name))
    return {message: `backend removed: ${name}`, events: [{v: 1, type: 'BackendRemoved', name}], result: undefined}
  })
  return {commit, nothing: result}
}
