/**
 * Published indexes as text, the way apt reads them: from the .gz beside the name the
 * Release lists (raptr publishes only the compressed files unless a distribution's
 * plainIndexes asks for the plain ones).
 */
import fs from 'node:fs'
import zlib from 'node:zlib'

/** The text of an index in a published directory, by its uncompressed path (`…/binary-amd64/Packages`): its .gz, decompressed. */
export function readIndex(file: string): string {
  return zlib.gunzipSync(fs.readFileSync(`${file}.gz`)).toString('utf8')
}

/** The text of an index from bytes of its .gz fetched elsewhere (a backend, over HTTP). */
export function gunzipIndex(gz: Uint8Array): string {
  return zlib.gunzipSync(gz).toString('utf8')
}
