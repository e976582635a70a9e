import {CID} from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import * as Digest from 'multiformats/hashes/digest'

const SHA2_256 = 0x12

/**
 * The content id raptr names a blob by: CIDv1, raw codec, sha2-256, base32 — a name
 * that is a pure function of the bytes, so the same file always lands at the same key
 * and different files never share one.
 *
 * @example
 *   cidFromSha256('e3b0c442…') // 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku'
 */
export function cidFromSha256(sha256Hex: string): string {
  if (!/^[0-9a-f]{64}$/.test(sha256Hex)) throw new TypeError(`not a sha256 hex digest: ${sha256Hex}`)
  const cid = CID.createV1(raw.code, Digest.create(SHA2_256, Buffer.from(sha256Hex, 'hex'))).toString()
  // The base32 encoder appends one character at a time: V8 keeps that as a chain of ~50
  // string pieces (1.5 KB for 59 characters). A flat copy, since a bulk add keeps one per package.
  return Buffer.from(cid, 'latin1').toString('latin1')
}
