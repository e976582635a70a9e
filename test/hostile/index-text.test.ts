/**
 * Packages.gz and Sources.gz read back from a backend (purge and verify learn the pool
 * files a publication needs from them): a backend may be shared or tampered with, so a
 * gzip bomb stops at the index cap (RAPTR_MAX_INDEX) and garbage is a one-line error.
 */
import zlib from 'node:zlib'
import {afterEach, describe, expect, it} from 'vitest'
import {gzipIndexText} from '../../src/remote/index-text.js'
import {RaptrError} from '../../src/errors.js'

/** The RaptrError `fn` rejects with; fails the test when it resolves or rejects with something else. */
async function raptrErrorOfAsync(fn: () => Promise<unknown>): Promise<RaptrError> {
  const e = await fn().then(
    () => new Error('expected a RaptrError'),
    (error: unknown) => error,
  )
  if (e instanceof RaptrError) return e
  throw e
}

describe('an index read back from a backend', () => {
  afterEach(() => {
    delete process.env.RAPTR_MAX_INDEX
  })

  it('decompresses an honest Packages.gz', async () => {
    const text = 'Package: hello\nVersion: 1.0\n'
    expect(await gzipIndexText(zlib.gzipSync(text), 'dists/x/main/binary-amd64/Packages.gz')).toBe(text)
  })

  it('refuses one that decompresses past the cap, with TOO_LARGE naming the key and the variable', async () => {
    process.env.RAPTR_MAX_INDEX = '1M'
    const bomb = zlib.gzipSync(Buffer.alloc(64 << 20), {level: 9})
    expect(bomb.length).toBeLessThan(1 << 20)
    const e = await raptrErrorOfAsync(() => gzipIndexText(bomb, 'dists/x/main/binary-amd64/Packages.gz'))
    expect(e.code).toBe('TOO_LARGE')
    expect(e.message).toMatch(/^dists\/x\/main\/binary-amd64\/Packages\.gz decompresses to more than 1(\.0)? MiB$/)
    expect(e.hint).toMatch(/RAPTR_MAX_INDEX/)
  })

  it('refuses bytes that are not gzip with a one-line BACKEND_ERROR', async () => {
    const e = await raptrErrorOfAsync(() => gzipIndexText(Buffer.from('Package: evil\n'), 'dists/x/main/source/Sources.gz'))
    expect(e.code).toBe('BACKEND_ERROR')
    expect(e.message).not.toContain('\n')
  })
})
