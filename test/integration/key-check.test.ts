/**
 * The key check's judgement of a key's life, on keys openpgp.js makes in-process:
 * a primary key's expiry (within the horizon, then past it), revocation, and a v6 key.
 * (test/e2e/key-check.test.ts checks algorithms and hashes against the real sqv.)
 */
import * as openpgp from 'openpgp'
import {describe, expect, it} from 'vitest'
import {checkKeys, readKeyring, refusedError} from '../../src/signing/key-check.js'

const DAY = 86_400_000

async function keyBytes(options: {keyExpirationTime?: number; v6?: boolean; revoke?: boolean}): Promise<Uint8Array> {
  const {privateKey} = await openpgp.generateKey({
    ...(options.v6 ? {type: 'curve25519' as const} : {type: 'ecc' as const, curve: 'curve25519Legacy' as const}),
    userIDs: [{name: 'life', email: 'life@example.org'}],
    format: 'object',
    ...(options.keyExpirationTime ? {keyExpirationTime: options.keyExpirationTime} : {}),
    config: {v6Keys: options.v6 ?? false},
  })
  if (!options.revoke) return privateKey.toPublic().write()
  const {publicKey} = await openpgp.revokeKey({key: privateKey, format: 'object'})
  return publicKey.write()
}

describe('key check: a key through its life', () => {
  it('a primary key expiring in 30 days: a warning now, refused once it has expired', async () => {
    const keys = await readKeyring(await keyBytes({keyExpirationTime: 30 * 86_400}), 'test')
    const now = await checkKeys(keys, {at: new Date(), withinDays: 90})
    expect(now.status).toBe('warn')
    expect(now.keys[0].components[0].findings).toContainEqual(expect.objectContaining({level: 'warn', message: expect.stringMatching(/^expires on \d{4}-\d\d-\d\d \(in 30 days\)/)}))
    expect((await checkKeys(keys, {at: new Date(), withinDays: 20})).status).toBe('ok')
    const later = await checkKeys(keys, {at: new Date(Date.now() + 31 * DAY), withinDays: 90})
    expect(later.status).toBe('refused')
    expect(refusedError(later).message).toMatch(/refuses signatures by key [0-9A-F]{40}: expired on /)
    expect(refusedError(later).code).toBe('KEY_REFUSED')
  })

  it('a revoked key is refused', async () => {
    const report = await checkKeys(await readKeyring(await keyBytes({revoke: true}), 'test'), {at: new Date(), withinDays: 90})
    expect(report.status).toBe('refused')
    expect(report.keys[0].components[0]).toMatchObject({revoked: true, status: 'refused'})
  })

  it('a v6 key: sqv would read it, but gpgv and raptr cannot sign for it: a warning', async () => {
    const report = await checkKeys(await readKeyring(await keyBytes({v6: true}), 'test'), {at: new Date(), withinDays: 90})
    expect(report.keys[0].version).toBe(6)
    expect(report.keys[0].findings).toContainEqual(expect.objectContaining({level: 'warn', message: expect.stringMatching(/^a v6 key/)}))
  })
})
