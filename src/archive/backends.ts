import * as z from '../core/zod.js'
import {RaptrError} from '../errors.js'
import {BACKENDS, backendPath} from '../core/layout.js'
import {validateBackendName} from '../core/names.js'
import type {RaptrEvent} from '../core/events.js'
import type {Archive, ArchiveView} from '../store/archive.js'
import {json, parseJsonFile} from './settings.js'
import {canonicalBackendUrl, checkFlagUrl, checkRegion, hasUrlCredentials, redactUrl, S3_REGION} from '../backends/url.js'

/**
 * A publishing target as the archive records it (shared by the team through git).
 * Never credentials: those come from the environment when publishing.
 */
export const BackendSettings = z.object({
  url: z.string(),
  region: z.optional(z.string().check(z.regex(S3_REGION))),
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
    out.push({name, ...readBackendSettings((await view.read(`${BACKENDS}/${file}`))!, `${BACKENDS}/${file}`)})
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
  return {name, ...readBackendSettings(text, backendPath(name))}
}

/**
 * A backend's settings as a pusher recorded them, checked: a URL carrying credentials
 * (pushed by hand or by an old raptr) is refused before it is used to connect or is
 * printed, with the secret masked (the pusher already leaked it into git history); an
 * endpoint or public URL must pass the checks its flag does.
 */
function readBackendSettings(text: string, file: string): BackendSettings {
  const settings = parseJsonFile(BackendSettings, text, file)
  for (const key of ['url', 'endpoint', 'publicUrl'] as const) {
    const value = settings[key]
    if (value !== undefined && hasUrlCredentials(value)) {
      throw new RaptrError(
        'CORRUPT_ARCHIVE',
        `${file} in the archive records credentials in its ${key} (${redactUrl(value)}); raptr will not use or print it`,
        'treat the secret as leaked (it is in the git history): rotate it, then re-add the backend without it: raptr backend add NAME URL',
      )
    }
  }
  // The same checks as the flags get: these are printed in apt lines and pages.
  for (const [key, schemes] of [['endpoint', ['http', 'https']], ['publicUrl', ['http', 'https', 'file']]] as const) {
    const value = settings[key]
    if (value === undefined) continue
    try {
      checkFlagUrl(value, key, [...schemes])
    } catch (error) {
      throw new RaptrError('CORRUPT_ARCHIVE', `${file} in the archive is invalid: ${(error as Error).message}`, 'fix it: raptr backend add NAME URL with the right flags')
    }
  }
  return settings
}

/**
 * The backends a command acts on: the named ones (each must exist), or every backend of
 * the archive when none is named.
 *
 * @example const named = await selectBackends(view, flags.backends)
 */
export async function selectBackends(view: ArchiveView, names: readonly string[] | undefined): Promise<NamedBackend[]> {
  return names?.length ? Promise.all(names.map((n) => requireBackend(view, n))) : listBackends(view)
}

/** Adds (or updates) a backend; the URL is validated before anything is written. */
export async function addBackend(archive: Archive, name: string, settings: BackendSettings): Promise<{commit?: string; created: boolean; url: string}> {
  validateBackendName(name)
  // Every URL is checked (no credentials, a known scheme) before anything is written.
  const url = canonicalBackendUrl(settings.url)
  if (settings.endpoint !== undefined) checkFlagUrl(settings.endpoint, '--endpoint', ['http', 'https'])
  if (settings.publicUrl !== undefined) checkFlagUrl(settings.publicUrl, '--public-url', ['http', 'https', 'file'])
  if (settings.region !== undefined) checkRegion(settings.region, '--region')
  const clean = Object.fromEntries(Object.entries({...settings, url}).filter(([, v]) => v !== undefined)) as BackendSettings
  const {commit, result} = await archive.transaction(async (tx) => {
    const existing = await tx.read(backendPath(name))
    const text = json(clean)
    if (existing !== text) tx.write(backendPath(name), text)
    return {message: `${existing === undefined ? 'backend added' : 'backend updated'}: ${name} ${url}`, events: [backendEvent(existing === undefined ? 'BackendAdded' : 'BackendSet', name, clean)], result: existing === undefined}
  })
  return {commit, created: result, url}
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
