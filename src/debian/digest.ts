/**
 * Size and the four digests apt's indexes carry (MD5, SHA1, SHA256, SHA512), computed
 * in one pass so a large package file is read from disk once.
 */
import {createHash, type Hash} from 'node:crypto'
import type {Digests} from '../core/interface.js'
import {type FileRole, openRegularFile} from '../regular-file.js'

/** Feed bytes in order with `update`, then read the result once with `digest`. */
export interface Digester {
  update(chunk: Uint8Array): void
  digest(): Digests
}

/**
 * A digester for bytes that arrive in chunks (a stream another reader also consumes).
 *
 * @example const d = createDigester(); d.update(chunk); d.digest().sha256
 */
export function createDigester(): Digester {
  const hashes: Record<'md5' | 'sha1' | 'sha256' | 'sha512', Hash> = {
    md5: createHash('md5'),
    sha1: createHash('sha1'),
    sha256: createHash('sha256'),
    sha512: createHash('sha512'),
  }
  let size = 0
  return {
    update(chunk) {
      size += chunk.length
      for (const h of Object.values(hashes)) h.update(chunk)
    },
    digest() {
      return {
        size,
        md5: hashes.md5.digest('hex'),
        sha1: hashes.sha1.digest('hex'),
        sha256: hashes.sha256.digest('hex'),
        sha512: hashes.sha512.digest('hex'),
      }
    },
  }
}

/**
 * Digests of bytes already in memory.
 *
 * @example digestBuffer(Buffer.from('hi')).md5 // '49f68a5c8493ec2c0bf489821c21fc3b'
 */
export function digestBuffer(data: Uint8Array): Digests {
  const d = createDigester()
  d.update(data)
  return d.digest()
}

/**
 * Digests of a regular file, streamed in one pass (a FIFO or device is refused, not read).
 *
 * @example (await digestFile('pool/hello_1.0_amd64.deb')).sha256
 */
export async function digestFile(path: string, role: FileRole = {what: 'the file', hint: 'check the path'}): Promise<Digests> {
  const d = createDigester()
  const fh = await openRegularFile(path, role)
  try {
    const buf = Buffer.allocUnsafe(1 << 20)
    for (;;) {
      const {bytesRead} = await fh.read(buf, 0, buf.length, null)
      if (bytesRead === 0) break
      d.update(buf.subarray(0, bytesRead))
    }
  } finally {
    await fh.close()
  }
  return d.digest()
}
