/**
 * The sqv policy table at its edges: the day a cutoff starts, the year of warnings
 * before it, and the algorithms and hashes with none. (test/e2e/key-check.test.ts
 * checks the same verdicts against the real sqv.)
 */
import {describe, expect, it} from 'vitest'
import {algorithmPolicy, hashPolicy, yearBefore} from '../../src/core/sqv-policy.js'

const on = (day: string): Date => new Date(`${day}T00:00:00Z`)

describe('sqv policy', () => {
  it('RSA: under 2048 bits refused; 2048 to 3071 bits warned until 2030-02-01, refused from that day; 3072 and up fine', () => {
    expect(algorithmPolicy({algorithm: 'rsaEncryptSign', bits: 1024}, on('2026-12-07')).level).toBe('refused')
    expect(algorithmPolicy({algorithm: 'rsaSign', bits: 2047}, on('2026-12-07')).level).toBe('refused')
    for (const bits of [2048, 3071]) {
      expect(algorithmPolicy({algorithm: 'rsaEncryptSign', bits}, on('2030-01-31'))).toMatchObject({level: 'warn', warnedFrom: '2029-02-01', refusedFrom: '2030-02-01'})
      expect(algorithmPolicy({algorithm: 'rsaEncryptSign', bits}, on('2030-02-01')).level).toBe('refused')
    }
    expect(algorithmPolicy({algorithm: 'rsaEncryptSign', bits: 3072}, on('2040-01-01')).level).toBe('ok')
  })

  it('DSA, ElGamal, brainpool and unknown curves refused; NIST curves and Ed25519 fine', () => {
    expect(algorithmPolicy({algorithm: 'dsa', bits: 3072}, on('2026-12-07'))).toMatchObject({level: 'refused', refusedFrom: '2024-02-01'})
    expect(algorithmPolicy({algorithm: 'dsa', bits: 2048}, on('2024-01-31')).level).toBe('warn')
    expect(algorithmPolicy({algorithm: 'elgamal', bits: 4096}, on('2026-12-07')).level).toBe('refused')
    expect(algorithmPolicy({algorithm: 'ecdsa', curve: 'brainpoolP384r1'}, on('2026-12-07')).level).toBe('refused')
    expect(algorithmPolicy({algorithm: 'ecdsa', curve: 'secp256k1'}, on('2026-12-07')).level).toBe('refused')
    for (const curve of ['nistP256', 'nistP384', 'nistP521']) expect(algorithmPolicy({algorithm: 'ecdsa', curve}, on('2040-01-01')).level).toBe('ok')
    expect(algorithmPolicy({algorithm: 'eddsaLegacy', curve: 'ed25519Legacy'}, on('2040-01-01'))).toMatchObject({level: 'ok', message: 'Ed25519: accepted, no cutoff'})
  })

  it('key-signature hashes: SHA-1 and SHA-224 refused from 2026-02-01 (warned the year before), MD5 always, SHA-2 never', () => {
    expect(hashPolicy('sha1', 'self-signature', on('2026-01-31'))).toMatchObject({level: 'warn', warnedFrom: '2025-02-01'})
    expect(hashPolicy('sha1', 'self-signature', on('2026-02-01'))).toMatchObject({level: 'refused', message: 'self-signature uses SHA-1: refused by sqv since 2026-02-01'})
    expect(hashPolicy('sha224', 'binding signature', on('2026-02-01')).level).toBe('refused')
    expect(hashPolicy('md5', 'self-signature', on('2000-01-01')).level).toBe('refused')
    for (const h of ['sha256', 'sha384', 'sha512', 'sha3_256', 'sha3_512']) expect(hashPolicy(h, 'self-signature', on('2040-01-01')).level).toBe('ok')
  })

  it('apt warns from one year before a cutoff', () => {
    expect(yearBefore('2030-02-01')).toBe('2029-02-01')
  })
})
