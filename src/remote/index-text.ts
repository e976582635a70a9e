import {decompressCapped} from '../debian/decode.js'
import {limit, tooLarge} from '../limits.js'

/**
 * The text of a Packages.gz or Sources.gz read back from a backend (its hash already
 * checked against a Release), decompressed up to the index cap: a backend may be shared
 * or tampered with, so a bomb stops at the cap instead of filling memory.
 *
 * @example const text = await gzipIndexText(data, 'dists/production/main/binary-amd64/Packages.gz')
 */
export async function gzipIndexText(data: Uint8Array, key: string): Promise<string> {
  const text = await decompressCapped('.gz', data, limit('index'), () => tooLarge('index', `${key} decompresses to`))
  return text.toString('utf8')
}
