import * as z from '../core/zod.js'
import type {ArchiveView} from '../store/archive.js'
import {parseJsonFile} from './settings.js'

/** Archive tree: `pins/<backend>/<dist>/<snapshot>.json` (12-digit id), beside `publications/`. */
export const PINS = 'pins'
export const pinPath = (backend: string, dist: string, snapshot: string): string => `${PINS}/${backend}/${dist}/${snapshot.slice(0, 12)}.json`

/** What the archive remembers of a pin (the backend's record is what purge obeys). */
export const ArchivePin = z.object({snapshot: z.string().check(z.regex(/^[0-9a-f]{40}$/)), pinned: z.string(), date: z.string()})

export interface RecordedPin extends z.infer<typeof ArchivePin> {
  backend: string
  distribution: string
}

/** Every pin recorded in the archive. */
export async function listRecordedPins(view: ArchiveView): Promise<RecordedPin[]> {
  const out: RecordedPin[] = []
  for (const backend of await view.list(PINS)) {
    for (const distribution of await view.list(`${PINS}/${backend}`)) {
      for (const file of await view.list(`${PINS}/${backend}/${distribution}`)) {
        if (!file.endsWith('.json')) continue
        const p = `${PINS}/${backend}/${distribution}/${file}`
        out.push({backend, distribution, ...parseJsonFile(ArchivePin, (await view.read(p))!, p)})
      }
    }
  }
  return out
}
