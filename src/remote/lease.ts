import {randomUUID} from 'node:crypto'
import os from 'node:os'
import * as z from '../core/zod.js'
import {RaptrError} from '../errors.js'
import type {Backend} from '../backends/interface.js'

export const LEASE_KEY = 'raptr/lease.json'

const LeaseFile = z.object({owner: z.string(), token: z.string(), acquired: z.string(), expires: z.string()})
type LeaseFile = z.infer<typeof LeaseFile>

export interface Lease {
  owner: string
  expires: Date
  /** Whether a stale lease (expired, or unreadable) was taken over. */
  tookOver: boolean
  release: () => Promise<void>
}

/**
 * Takes the backend's exclusive purge lease (`raptr/lease.json`, created with a
 * create-only write, so one of several purges wins). An expired lease is taken over;
 * a live one is LEASE_HELD. Publishers and rollbacks do not take it; they wait while it is held.
 *
 * @example
 *   const lease = await acquireLease(backend, {ttlMs: 3_600_000}); try { … } finally { await lease.release() }
 */
export async function acquireLease(backend: Backend, opts: {ttlMs: number; owner?: string; now?: () => Date}): Promise<Lease> {
  const now = opts.now ?? (() => new Date())
  const owner = opts.owner ?? defaultOwner()
  const token = randomUUID()
  const body = (): {file: LeaseFile; data: Uint8Array} => {
    const at = now()
    const file = {owner, token, acquired: at.toISOString(), expires: new Date(at.getTime() + opts.ttlMs).toISOString()}
    return {file, data: Buffer.from(`${JSON.stringify(file, null, 2)}\n`, 'utf8')}
  }
  let tookOver = false
  for (let attempt = 0; attempt < 3; attempt++) {
    const {file, data} = body()
    if (await backend.putIfAbsent(LEASE_KEY, data, {contentType: 'application/json'})) {
      return {owner, expires: new Date(file.expires), tookOver, release: () => releaseLease(backend, token)}
    }
    const raw = await backend.get(LEASE_KEY)
    if (!raw) continue // released meanwhile
    const held = parseLease(raw)
    if (held && Date.parse(held.expires) > now().getTime()) {
      throw new RaptrError(
        'LEASE_HELD',
        `${backend.properties.name}: another purge holds the lease (${held.owner}, until ${held.expires})`,
        `wait for it to finish; if it died, the lease expires at ${held.expires} (or delete ${LEASE_KEY} on the backend)`,
        {owner: held.owner, expires: held.expires},
      )
    }
    // Stale: remove it only if it is still the very lease we judged stale, then race
    // for a fresh create-only write like everyone else.
    const again = await backend.get(LEASE_KEY)
    if (again && Buffer.from(again).equals(Buffer.from(raw))) await backend.remove([LEASE_KEY])
    tookOver = true
  }
  throw new RaptrError('LEASE_HELD', `${backend.properties.name}: could not take the purge lease`, 'another purge is starting at the same moment; run purge again later')
}

async function releaseLease(backend: Backend, token: string): Promise<void> {
  const raw = await backend.get(LEASE_KEY)
  if (raw && parseLease(raw)?.token === token) await backend.remove([LEASE_KEY])
}

function parseLease(raw: Uint8Array): LeaseFile | undefined {
  try {
    const res = LeaseFile.safeParse(JSON.parse(Buffer.from(raw).toString('utf8')))
    return res.success ? res.data : undefined
  } catch {
    return undefined
  }
}

function defaultOwner(): string {
  let user = 'unknown'
  try {
    user = os.userInfo().username
  } catch {
    // no passwd entry (containers): the host name still tells people where it runs
  }
  return `${user}@${os.hostname()} pid ${process.pid}`
}

/**
 * The purge lease held on a backend right now, if any (an expired one does not count).
 * Publish checks it before planning and again before claiming its log entry, so a
 * publish never builds on pool files that a running purge may be deleting.
 */
export async function activeLease(backend: Backend, now: Date = new Date()): Promise<{owner: string; expires: string} | undefined> {
  const raw = await backend.get(LEASE_KEY)
  const held = raw ? parseLease(raw) : undefined
  return held && Date.parse(held.expires) > now.getTime() ? {owner: held.owner, expires: held.expires} : undefined
}

/**
 * Waits while a purge holds the backend's lease, up to RAPTR_LEASE_WAIT_SECONDS
 * (default 300), then refuses with LEASE_HELD (exit 3). Publish and rollback call it
 * before they plan, and goLive checks again right before claiming a log entry.
 *
 * @example await waitForNoLease(backend, 'eu')
 */
export async function waitForNoLease(backend: Backend, backendName: string, opts: {pollMs?: number} = {}): Promise<void> {
  const deadline = Date.now() + Number(process.env.RAPTR_LEASE_WAIT_SECONDS ?? 300) * 1000
  for (;;) {
    const lease = await activeLease(backend)
    if (!lease) return
    if (Date.now() >= deadline) {
      throw new RaptrError('LEASE_HELD', `${backendName}: a purge holds the backend (${lease.owner}, until ${lease.expires})`, 'run the command again when the purge has finished')
    }
    await new Promise((r) => setTimeout(r, Math.min(opts.pollMs ?? 500, Math.max(0, deadline - Date.now()))))
  }
}
