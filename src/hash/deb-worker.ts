/**
 * A worker thread of the package-reading pool (see deb-pool.ts): reads the .deb files it
 * is sent (digests, control fields, file list; and a copy of its bytes, when asked) and answers with what readDeb returns, or
 * the error it threw, as plain data.
 */
import {parentPort} from 'node:worker_threads'

import {readDeb} from '../debian/deb.js'
import {isRaptrError} from '../errors.js'

export interface DebRequest {
  id: number
  file: string
  /** Where to write the package's bytes as they are read (readDeb's copyTo). */
  copyTo?: string
}

export type DebReply =
  | {id: number; deb: Awaited<ReturnType<typeof readDeb>>}
  | {id: number; error: {raptr: boolean; code?: string; message: string; hint?: string; data?: Record<string, unknown>; errno?: string}}

parentPort?.on('message', (request: DebRequest) => {
  readDeb(request.file, {copyTo: request.copyTo}).then(
    (deb) => parentPort!.postMessage({id: request.id, deb} satisfies DebReply),
    (error: unknown) => {
      const e = error as Error & {code?: string}
      const reply: DebReply = isRaptrError(error)
        ? {id: request.id, error: {raptr: true, code: error.code, message: error.message, hint: error.hint, data: error.data}}
        : {id: request.id, error: {raptr: false, message: e.message, errno: e.code}}
      parentPort!.postMessage(reply)
    },
  )
})
