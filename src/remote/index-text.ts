import {promisify} from 'node:util'
import zlib from 'node:zlib'
import {RaptrError} from '../errors.js'
import {limit, tooLarge} from '../limits.js'

const gunzip = promisify(zlib.gunzip)

/**
 * The text of a Packages.gz or Sources.gz read back from a backend (its hash already
 * checked against a Release), decompressed up to the index cap: a backend may be shared
 * or tampered with, so a bomb stops at the cap instead of filling memory (zlib stops
 * at maxOutputLength itself).
 *
 * @example const text = await gzipIndexText(data, 'dists/production/main/binary-amd64/Packages.gz')
 */
export async function gzipIndexText(data: Uint8Array, key: string): Promise<string> {
  let text: Buffer
  try {
    text = await gunzip(data, {maxOutputLength: limit('index')})
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge('index', `${key} decompresses to`)
    throw new RaptrError('BACKEND_ERROR', `${key} is not a valid gzip file (${(error as Error).message})`, 'run raptr verify --repair')
  }
  return text.toString('utf8')
}
