/** The MD5 digests S3 checks uploads against (Content-MD5), of a buffer or of each part of a file. */
import {createHash} from 'node:crypto'
import fs from 'node:fs'
import {RaptrError} from '../errors.js'
import {errorCode} from './s3-errors.js'

const MiB = 1024 * 1024

export function md5(data: Uint8Array | string): Buffer {
  return createHash('md5').update(data).digest()
}

/** MD5 of each `partSize` range of a file, in one streaming pass. */
export async function md5OfRanges(file: string, size: number, partSize: number): Promise<Buffer[]> {
  const digests: Buffer[] = []
  let hash = createHash('md5')
  let filled = 0
  let total = 0
  try {
    for await (const chunk of fs.createReadStream(file, {highWaterMark: MiB}) as AsyncIterable<Buffer>) {
      let offset = 0
      while (offset < chunk.length) {
        const take = Math.min(chunk.length - offset, partSize - filled)
        hash.update(chunk.subarray(offset, offset + take))
        offset += take
        filled += take
        if (filled === partSize) {
          digests.push(hash.digest())
          hash = createHash('md5')
          filled = 0
        }
      }
      total += chunk.length
    }
  } catch (error) {
    throw new RaptrError('NOT_FOUND', `cannot read ${file}: ${errorCode(error) ?? String(error)}`, 'check that the blob cache is intact: raptr verify')
  }
  if (total !== size) {
    throw new RaptrError('BAD_ARGUMENT', `${file} changed while it was being uploaded (${size} bytes, then ${total})`, 'publish again once nothing writes to the blob cache')
  }
  if (filled > 0 || digests.length === 0) digests.push(hash.digest())
  return digests
}

/** The URL clients read a bucket at when the backend names none: the endpoint's path style, or AWS's virtual-hosted style. */
export function defaultPublicUrl(bucket: string, prefix: string, region: string, endpoint?: string): string {
  const tail = prefix === '' ? '' : `/${prefix.split('/').map(encodeURIComponent).join('/')}`
  if (endpoint) return `${endpoint.replace(/\/+$/, '')}/${bucket}${tail}`
  return `https://${bucket}.s3.${region}.amazonaws.com${tail}`
}
