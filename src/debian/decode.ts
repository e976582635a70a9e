/**
 * Streaming decompressors for what Debian compresses (gzip, xz, zstd): bytes are written
 * in, decoded bytes come out through a callback as they are made. Nothing is decoded
 * ahead of the reader, so a caller that stops (a cap passed, a bad tar header) stops the
 * decoding too: a bomb costs the bytes decoded before the cap, never its full size.
 */
import type {Transform} from 'node:stream'
import zlib from 'node:zlib'

/**
 * Where compressed bytes go. `write` resolves once the bytes are consumed (the caller may
 * reuse its buffer); `end` waits for the last output and reports a stream cut short;
 * `abort` lets go after a failure elsewhere. An error thrown by the output callback
 * surfaces, unchanged, from the next `write` or `end`.
 */
export interface Decoder {
  write(bytes: Buffer): Promise<void> | void
  end(): Promise<void> | void
  abort(): void
}

/** The compressions a .deb member or an index may use, by file suffix ('' is none). */
export type Compression = '' | '.gz' | '.xz' | '.zst'

export function isCompression(s: string): s is Compression {
  return s === '' || s === '.gz' || s === '.xz' || s === '.zst'
}

/**
 * A decoder for this compression feeding `onOut`. The decoders are loaded on first use:
 * most commands never decompress anything.
 *
 * @example const d = await createDecoder('.xz', (out) => tar.push(out)); await d.write(chunk); await d.end()
 */
export async function createDecoder(compression: Compression, onOut: (out: Uint8Array) => void): Promise<Decoder> {
  switch (compression) {
    case '':
      return {write: (b) => onOut(b), end() {}, abort() {}}
    case '.gz':
      return zlibDecoder(zlib.createGunzip(), onOut)
    case '.xz':
      return xzDecoder(onOut)
    case '.zst': {
      // Node's own zstd (22.15 and later) is native and several times faster than fzstd.
      const createZstd = (zlib as unknown as {createZstdDecompress?: () => Transform}).createZstdDecompress
      if (createZstd) return zlibDecoder(createZstd(), onOut)
      const {Decompress} = await import('fzstd')
      const zstd = new Decompress((out) => onOut(out))
      return {
        // A copy: fzstd keeps the tail of a chunk until the rest of its block arrives.
        write: (b) => {
          zstd.push(new Uint8Array(b))
        },
        end: () => {
          zstd.push(new Uint8Array(0), true)
        },
        abort() {},
      }
    }
  }
}

/**
 * Decompresses bytes held in memory, refusing output past `max` bytes: decoding stops as
 * soon as the cap is passed and the output is never joined beyond it.
 *
 * @example const tar = await decompressCapped('.xz', member, 64 << 20, () => tooLarge('controlTar', 'control.tar.xz decompresses to'))
 */
export async function decompressCapped(compression: Compression, bytes: Uint8Array, max: number, tooLarge: () => Error): Promise<Buffer> {
  if (compression === '') {
    if (bytes.length > max) throw tooLarge()
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }
  const parts: Buffer[] = []
  let total = 0
  const decoder = await createDecoder(compression, (out) => {
    total += out.length
    if (total > max) throw tooLarge()
    // A copy: the decoders may reuse their output buffers.
    parts.push(Buffer.from(out))
  })
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  try {
    // In slices, so the decoder's output is checked against the cap as it is made.
    for (let pos = 0; pos < buf.length; pos += 1 << 20) await decoder.write(buf.subarray(pos, pos + (1 << 20)))
    await decoder.end()
  } catch (error) {
    decoder.abort()
    throw error
  }
  return Buffer.concat(parts, total)
}

/** A decoder around one of Node's zlib streams (gunzip, and zstd where Node has it). */
function zlibDecoder(stream: Transform, onOut: (out: Uint8Array) => void): Decoder {
  let failure: Error | undefined
  stream.on('data', (out: Buffer) => {
    if (failure) return
    try {
      onOut(out)
    } catch (error) {
      failure = error instanceof Error ? error : new Error(String(error))
      stream.destroy()
    }
  })
  stream.on('error', (error) => {
    failure ??= error
  })
  const check = () => {
    if (failure) throw failure
  }
  // Resolves when `start` has run its course or the stream has failed or closed (a failed
  // stream may close before anyone listens: then it is not waited for at all).
  const settle = (start: (done: () => void) => void) =>
    new Promise<void>((resolve) => {
      if (stream.destroyed) return resolve()
      const done = (): void => {
        stream.off('close', done)
        stream.off('error', done)
        resolve()
      }
      stream.once('close', done)
      stream.once('error', done)
      start(done)
    })
  return {
    async write(bytes) {
      check()
      // The callback runs once zlib has taken all of the bytes.
      await settle((done) => stream.write(bytes, done))
      check()
    },
    async end() {
      check()
      await settle((done) => {
        stream.once('end', done)
        stream.end()
      })
      check()
    },
    abort() {
      stream.destroy()
    },
  }
}

/**
 * xz through xz-decompress (xz-embedded compiled to WebAssembly: no native code and no
 * `xz` program needed), whose interface is a web stream: the bytes written are offered as
 * its input stream, and `write` waits until it asks for more, so they have been used.
 */
async function xzDecoder(onOut: (out: Uint8Array) => void): Promise<Decoder> {
  const {XzReadableStream} = (await import('xz-decompress')).default
  let input!: ReadableStreamDefaultController<Uint8Array>
  let wants = 0
  let finished = false
  let failure: Error | undefined
  let wake: (() => void) | undefined
  const source = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        input = controller
      },
      pull() {
        wants++
        wake?.()
      },
    },
    {highWaterMark: 0},
  )
  const waitForWant = async () => {
    while (wants === 0 && !finished) await new Promise<void>((resolve) => (wake = resolve))
  }
  const done = (async () => {
    try {
      for await (const out of new XzReadableStream(source)) onOut(out)
    } catch (error) {
      failure = xzError(error)
    } finally {
      finished = true
      wake?.()
    }
  })()
  const check = () => {
    if (failure) throw failure
  }
  return {
    async write(bytes) {
      await waitForWant()
      check()
      // xz-embedded reads concatenated streams, as `xz -d` does: after a stream may come
      // stream padding (zeros) or another stream, and anything else is refused. Once it
      // has ended, nothing more is taken.
      if (finished) return
      wants--
      input.enqueue(bytes)
      await waitForWant()
      check()
    },
    async end() {
      await waitForWant()
      // The decoder may still hold output; the end of its input lets it finish (or, when
      // the xz stream is cut short, fail).
      if (!finished) input.close()
      await done
      check()
    },
    abort() {
      // Ends the decoder (and frees its context) if it is still waiting for input.
      if (!finished) input.error(new Error('read failed'))
    },
  }
}

/** xz-embedded's return codes (its xz.h), in words: it reports them only as numbers. */
const XZ_ERRORS: Record<string, string> = {
  '2': 'unsupported integrity check',
  '3': 'out of memory',
  '4': 'needs more memory than allowed',
  '5': 'not in xz format, or not only xz data',
  '6': 'unsupported xz options',
  '7': 'compressed data is corrupt',
  '8': 'unexpected end of input',
}

function xzError(error: unknown): Error {
  if (!(error instanceof Error)) return new Error(String(error))
  const code = /failed with error code (\d+)$/.exec(error.message)?.[1]
  return code && XZ_ERRORS[code] ? new Error(`xz: ${XZ_ERRORS[code]}`) : error
}
