import {spawn} from 'node:child_process'
import zlib from 'node:zlib'

/**
 * Deterministic compression: the same index text always gives the same bytes, so
 * its by-hash name is stable and an unchanged index is never uploaded again.
 */
export function gzip(data: Uint8Array): Promise<Uint8Array> {
  // Node writes MTIME 0 and no file name into the gzip header: stable across runs. The
  // async form runs on libuv's thread pool, beside the xz process.
  return new Promise((resolve, reject) => zlib.gzip(data, {level: 9}, (err, out) => (err ? reject(err) : resolve(out))))
}

/**
 * xz with the xz-utils CLI (preset 3, one thread: deterministic, and a few times faster
 * than the default preset on a large Packages file for a similar size). The npm
 * encoder is the fallback where xz is not installed: its output is valid .xz that apt
 * reads, but it stores the data uncompressed.
 */
export async function xz(data: Uint8Array): Promise<Uint8Array> {
  try {
    return await xzCli(data)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    const {compress} = await import('@napi-rs/lzma/xz')
    return compress(Buffer.from(data))
  }
}

function xzCli(data: Uint8Array): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const child = spawn('xz', ['-3', '-T1', '-c', '-q'], {stdio: ['pipe', 'pipe', 'pipe']})
    const out: Buffer[] = []
    let err = ''
    child.on('error', reject)
    child.stdout.on('data', (d: Buffer) => out.push(d))
    child.stderr.on('data', (d: Buffer) => (err += d))
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out))
      else reject(new Error(`xz exited ${code}: ${err.trim()}`))
    })
    child.stdin.on('error', () => {
      // the close handler reports the failure
    })
    child.stdin.end(data)
  })
}
