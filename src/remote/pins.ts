import * as z from '../core/zod.js'
import {RaptrError} from '../errors.js'
import type {Backend} from '../backends/interface.js'

/**
 * Pin records on a backend (`raptr/pins/<dist>/<id>.json`, the pinned snapshot's
 * 12-digit id): a client somewhere reads `dists/snapshots/<id>/<dist>` and must keep
 * doing so.
 * Purge reads them from the backend, so a purge run from any clone keeps every pinned
 * snapshot.
 */
export const PinRecord = z.object({
  format: z.literal(1),
  distribution: z.string(),
  /** The published snapshot whose pinned copy this is (a full commit id). */
  snapshot: z.string().check(z.regex(/^[0-9a-f]{40}$/)),
  /** The pinned directory's id: the first 12 digits of `snapshot`. */
  pinned: z.string().check(z.regex(/^[0-9a-f]{12}$/)),
  date: z.string(),
  by: z.string(),
})
export type PinRecord = z.infer<typeof PinRecord>

export const PINS_PREFIX = 'raptr/pins'

export const pinKey = (dist: string, pinned: string): string => `${PINS_PREFIX}/${dist}/${pinned.slice(0, 12)}.json`

/** Writes (or rewrites) a pin record. */
export async function writePin(backend: Backend, pin: PinRecord): Promise<void> {
  await backend.put(pinKey(pin.distribution, pin.pinned), Buffer.from(`${JSON.stringify(pin, null, 2)}\n`, 'utf8'), {contentType: 'application/json'})
}

/** Removes a pin record; false when there was none. */
export async function removePin(backend: Backend, dist: string, pinned: string): Promise<boolean> {
  const key = pinKey(dist, pinned)
  if (!(await backend.stat(key))) return false
  await backend.remove([key])
  return true
}

/**
 * Every pin record on a backend (of one distribution, or all). An unreadable record is
 * an error: purge must not guess which snapshot it protected.
 *
 * @example (await readPins(backend)).map((p) => p.pinned)
 */
export async function readPins(backend: Backend, dist?: string): Promise<PinRecord[]> {
  const out: PinRecord[] = []
  for await (const o of backend.list(dist ? `${PINS_PREFIX}/${dist}/` : `${PINS_PREFIX}/`)) {
    if (!/^raptr\/pins\/[^/]+\/[0-9a-f]{12}\.json$/.test(o.key)) continue
    const data = await backend.get(o.key)
    if (!data) continue // unpinned meanwhile
    let parsed: unknown
    try {
      parsed = JSON.parse(Buffer.from(data).toString('utf8'))
    } catch {
      parsed = undefined
    }
    const res = PinRecord.safeParse(parsed)
    if (!res.success) {
      throw new RaptrError('BACKEND_ERROR', `${backend.properties.name}: ${o.key} is not a raptr pin record`, `inspect it; delete it only if no client reads that snapshot (raptr unpin SNAPSHOT DIST)`)
    }
    out.push(res.data)
  }
  return out
}
