/**
 * What apt's signature verifier refuses, and from when. apt ≥ 2.9.19 (Debian trixie's
 * apt 3.0) verifies with Sequoia's `sqv` under `/usr/share/apt/default-sequoia.config`,
 * which moves some of Sequoia's standard-policy cutoffs. Pure: no I/O, the date is given.
 *
 * The cutoffs below, and where each comes from (checked against sqv 1.3.0 /
 * sequoia-openpgp 2.0 with apt 3.0.4's configuration, by the tests in
 * test/e2e/key-check.test.ts):
 * - apt `rsa2048 = 2030-02-01`; Sequoia counts any RSA key under 2048 bits as RSA1024,
 *   refused since 2014-02-01.
 * - apt `dsa2048 = dsa3072 = dsa4096 = 2024-02-01` (DSA1024: 2014-02-01).
 * - apt `brainpoolp256/384/512 = 2028-02-01`; Debian's sqv is built on Nettle, which has
 *   no brainpool curves, so such signatures fail to verify already.
 * - apt `sha1.second_preimage_resistance = 2026-02-01`: SHA-1 in a self-signature or a
 *   subkey binding; apt `sha224 = 2026-02-01`; MD5 and RIPEMD-160 long refused.
 * - apt runs sqv a second time with `--policy-as-of` one year ahead and prints
 *   `W: Policy will reject signature within a year` when only that run fails.
 */

/** ok: accepted with no known end; warn: accepted now, with a cutoff ahead; refused: sqv refuses it now. */
export type PolicyLevel = 'ok' | 'warn' | 'refused'

export interface PolicyFinding {
  level: PolicyLevel
  /** What sqv refuses from this day (YYYY-MM-DD), if a date applies. */
  refusedFrom?: string
  /** From this day apt warns on every update (one year before refusedFrom). */
  warnedFrom?: string
  /** One line, e.g. "RSA-2048: apt warns from 2029-02-01 and refuses from 2030-02-01". */
  message: string
}

/** The dates the policy above names, for reports and --json. */
export const SQV_CUTOFFS = {
  under2048Bits: '2014-02-01',
  rsa2048: '2030-02-01',
  dsa: '2024-02-01',
  brainpool: '2028-02-01',
  sha1KeySignatures: '2026-02-01',
  sha224: '2026-02-01',
} as const

/** Where the cutoffs come from, as reports cite it. */
export const SQV_POLICY_SOURCE = "apt >= 2.9.19 (sqv) with apt's default-sequoia.config"

/** The day, one year before `day`, from which apt warns (its second sqv run is one year ahead). */
export function yearBefore(day: string): string {
  const d = new Date(`${day}T00:00:00Z`)
  d.setUTCFullYear(d.getUTCFullYear() - 1)
  return d.toISOString().slice(0, 10)
}

/** A dated cutoff as a finding at `at`: refused on or after it, warned before it. */
function dated(what: string, cutoff: string, at: Date, why = ''): PolicyFinding {
  const warnedFrom = yearBefore(cutoff)
  if (at.getTime() >= Date.parse(`${cutoff}T00:00:00Z`)) {
    return {level: 'refused', refusedFrom: cutoff, message: `${what}: refused by sqv since ${cutoff}${why}`}
  }
  return {level: 'warn', refusedFrom: cutoff, warnedFrom, message: `${what}: apt warns from ${warnedFrom} and refuses from ${cutoff}${why}`}
}

/** A public-key algorithm as openpgp.js describes it (`getAlgorithmInfo()`). */
export interface AlgorithmInfo {
  algorithm: string
  bits?: number
  curve?: string
}

/** A short human name: "RSA-2048", "Ed25519", "ECDSA nistP256", "DSA-2048". */
export function algorithmName(info: AlgorithmInfo): string {
  const a = info.algorithm
  if (a.startsWith('rsa')) return `RSA-${info.bits ?? '?'}`
  if (a === 'dsa') return `DSA-${info.bits ?? '?'}`
  if (a === 'elgamal') return `ElGamal-${info.bits ?? '?'}`
  if (a === 'eddsaLegacy' || a === 'ed25519') return 'Ed25519'
  if (a === 'ed448') return 'Ed448'
  if (a === 'x25519' || (a === 'ecdh' && info.curve === 'curve25519Legacy')) return 'X25519'
  if (a === 'x448') return 'X448'
  if (a === 'ecdsa' || a === 'ecdh') return `${a.toUpperCase()} ${info.curve ?? '?'}`
  return a
}

/**
 * How sqv judges a key's algorithm at `at` (applies to every key of a certificate that
 * takes part in a verification: the primary key and the signing subkey).
 *
 * @example algorithmPolicy({algorithm: 'rsaEncryptSign', bits: 2048}, new Date()).level // 'warn'
 */
export function algorithmPolicy(info: AlgorithmInfo, at: Date): PolicyFinding {
  const name = algorithmName(info)
  const a = info.algorithm
  if (a.startsWith('rsa')) {
    const bits = info.bits ?? 0
    if (bits < 2048) return {level: 'refused', refusedFrom: SQV_CUTOFFS.under2048Bits, message: `${name}: refused by sqv since ${SQV_CUTOFFS.under2048Bits} (RSA under 2048 bits)`}
    if (bits < 3072) return dated(name, SQV_CUTOFFS.rsa2048, at)
    return {level: 'ok', message: `${name}: accepted, no cutoff`}
  }
  if (a === 'dsa') return dated(name, (info.bits ?? 0) < 2048 ? SQV_CUTOFFS.under2048Bits : SQV_CUTOFFS.dsa, at)
  if (a === 'elgamal') return {level: 'refused', message: `${name}: cannot sign`}
  if (a === 'eddsaLegacy' || a === 'ed25519' || a === 'ed448') return {level: 'ok', message: `${name}: accepted, no cutoff`}
  if (a === 'ecdsa' || a === 'ecdh') {
    const curve = info.curve ?? ''
    if (/^nistP(256|384|521)$/.test(curve) || curve === 'curve25519Legacy') return {level: 'ok', message: `${name}: accepted, no cutoff`}
    if (curve.startsWith('brainpool')) {
      return {level: 'refused', refusedFrom: SQV_CUTOFFS.brainpool, message: `${name}: Debian's sqv (Nettle) cannot verify brainpool curves, and apt's policy refuses them from ${SQV_CUTOFFS.brainpool}`}
    }
    return {level: 'refused', message: `${name}: a curve sqv does not support`}
  }
  if (a === 'x25519' || a === 'x448') return {level: 'ok', message: `${name}: accepted, no cutoff`}
  return {level: 'refused', message: `${name}: an algorithm sqv does not support`}
}

/** Hash algorithm names as openpgp.js spells them (`enums.read(enums.hash, n)`). */
const HASH_NAMES: Record<string, string> = {md5: 'MD5', sha1: 'SHA-1', ripemd: 'RIPEMD-160', sha224: 'SHA-224', sha256: 'SHA-256', sha384: 'SHA-384', sha512: 'SHA-512', sha3_256: 'SHA3-256', sha3_512: 'SHA3-512'}

/** "SHA-1" for "sha1"; unknown names as given. */
export function hashName(hash: string): string {
  return HASH_NAMES[hash] ?? hash
}

/**
 * How sqv judges the hash of a self-signature or subkey binding (which needs only
 * second-preimage resistance, hence the later SHA-1 cutoff than for data signatures).
 *
 * @example hashPolicy('sha1', 'self-signature', new Date('2026-12-07')).level // 'refused'
 */
export function hashPolicy(hash: string, what: string, at: Date): PolicyFinding {
  const name = `${what} uses ${hashName(hash)}`
  if (hash === 'sha1') return dated(name, SQV_CUTOFFS.sha1KeySignatures, at)
  if (hash === 'sha224') return dated(name, SQV_CUTOFFS.sha224, at)
  if (hash === 'md5' || hash === 'ripemd') return {level: 'refused', message: `${name}: refused by sqv`}
  if (/^sha(256|384|512|3_256|3_512)$/.test(hash)) return {level: 'ok', message: `${name}: accepted`}
  return {level: 'refused', message: `${name}: a hash sqv does not support`}
}

/** The worse of two levels. */
export function worse(a: PolicyLevel, b: PolicyLevel): PolicyLevel {
  const rank = {ok: 0, warn: 1, refused: 2}
  return rank[a] >= rank[b] ? a : b
}
