import zlib from 'node:zlib'

/**
 * Deterministic compression: the same index text always gives the same bytes, so
 * its by-hash name is stable and an unchanged index is never uploaded again.
 */
export function gzip(data: Uint8Array): Uint8Array {
  // Node writes MTIME 0 and no file name into the gzip header: stable across runs.
  return zlib.gzipSync(data, {level: 9})
}

export async function xz(data: Uint8Array): Promise<Uint8Array> {
  const {compress} = await import('@napi-rs/lzma/xz')
  return compress(Buffer.from(data))
}
