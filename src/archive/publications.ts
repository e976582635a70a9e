import * as z from '../core/zod.js'
import {PUBLICATIONS} from '../core/layout.js'
import type {ArchiveView} from '../store/archive.js'
import {parseJsonFile} from './settings.js'

/** What the archive remembers of a publication (the backend's log is the authority). */
export const PublicationRecord = z.object({
  seq: z.int(),
  action: z.enum(['publish', 'rollback', 'refresh']),
  snapshot: z.string(),
  pinned: z.optional(z.string()),
  date: z.string(),
})

export interface RecordedPublication extends z.infer<typeof PublicationRecord> {
  backend: string
  distribution: string
}

/** Every publication recorded in the archive, oldest first per backend and distribution. */
export async function listPublications(view: ArchiveView): Promise<RecordedPublication[]> {
  const out: RecordedPublication[] = []
  for (const backend of await view.list(PUBLICATIONS)) {
    for (const distribution of await view.list(`${PUBLICATIONS}/${backend}`)) {
      for (const file of await view.list(`${PUBLICATIONS}/${backend}/${distribution}`)) {
        const p = `${PUBLICATIONS}/${backend}/${distribution}/${file}`
        out.push({backend, distribution, ...parseJsonFile(PublicationRecord, (await view.read(p))!, p)})
      }
    }
  }
  return out
}
