/**
 * `raptr key check`: would apt's sqv (apt ≥ 2.9.19) verify signatures by this key, now
 * and for how long? The key is read with openpgp.js and judged, part by part, against
 * the policy in core/sqv-policy.ts: the primary key and every signing-capable subkey
 * (their algorithms, the hashes of their self-signatures and bindings, expiry,
 * revocation). Nothing is verified cryptographically: this is the owner's own key, and
 * the question is what a client's policy will say about it.
 */
import type {Key, SignaturePacket, Subkey} from 'openpgp'
import {RaptrError} from '../errors.js'
import {SQV_CUTOFFS, SQV_POLICY_SOURCE, algorithmName, algorithmPolicy, hashName, hashPolicy, worse, type PolicyFinding, type PolicyLevel} from '../core/sqv-policy.js'

/** One key of a certificate: the primary key or a subkey. */
export interface ComponentReport {
  role: 'primary' | 'subkey'
  fingerprint: string
  algorithm: string
  /** certify, sign, encrypt, authenticate: from its newest acceptable self-signature. */
  capabilities: string[]
  /** ISO timestamps; expires null: never. */
  created: string
  expires: string | null
  revoked: boolean
  /** The key gpg and openpgp.js sign with: the newest usable signing subkey, else the primary key. */
  signs: boolean
  /** Hashes of the self-signature or binding (and back-signature) sqv would use. */
  hashes: string[]
  status: PolicyLevel
  findings: PolicyFinding[]
}

export interface KeyReport {
  fingerprint: string
  version: number
  userIDs: string[]
  status: PolicyLevel
  components: ComponentReport[]
  /** About the key as a whole: which part signs, and what would stop it. */
  findings: PolicyFinding[]
}

export interface KeyCheckReport {
  status: PolicyLevel
  /** The moment checked (ISO), normally now. */
  at: string
  withinDays: number
  policy: string
  cutoffs: typeof SQV_CUTOFFS
  keys: KeyReport[]
  /** What older clients, which verify with gpgv, accept. */
  gpgv: string
}

export const GPGV_NOTE = 'gpgv clients (apt < 2.9.19, e.g. Debian 12, Ubuntu 24.04) accept more: RSA-1024, DSA and SHA-1 self-signatures still verify there'

const DAY = 86_400_000
const day = (d: Date): string => d.toISOString().slice(0, 10)

/**
 * Every key in an OpenPGP file: armored or binary, public or private (only public parts are read).
 *
 * @example const keys = await readKeyring(fs.readFileSync('signing.asc'))
 */
export async function readKeyring(bytes: Uint8Array, source: string): Promise<Key[]> {
  const pgp = await import('openpgp')
  const text = new TextDecoder('utf-8', {fatal: false}).decode(bytes.subarray(0, 4096))
  try {
    const armored = /-----BEGIN PGP (PUBLIC|PRIVATE) KEY BLOCK-----/.test(text)
    return armored ? await pgp.readKeys({armoredKeys: new TextDecoder().decode(bytes)}) : await pgp.readKeys({binaryKeys: bytes})
  } catch (e) {
    throw new RaptrError('BAD_SIGNING_KEY', `cannot read an OpenPGP key from ${source}: ${e instanceof Error ? e.message : String(e)}`, 'give an OpenPGP key file, armored or binary (gpg --export KEYID), or --gpg KEYID')
  }
}

type Sig = SignaturePacket & {embeddedSignature: SignaturePacket | null}

function hashOf(pgp: typeof import('openpgp'), sig: SignaturePacket): string {
  return sig.hashAlgorithm === null ? 'unknown' : String(pgp.enums.read(pgp.enums.hash, sig.hashAlgorithm) ?? sig.hashAlgorithm)
}

function capabilitiesOf(flags: Uint8Array | null): string[] {
  const f = flags?.[0] ?? 0
  return [[1, 'certify'], [2, 'sign'], [12, 'encrypt'], [32, 'authenticate']].filter(([bit]) => f & (bit as number)).map(([, name]) => name as string)
}

/** The binding sqv uses: the newest self-signature not in the future whose hash it accepts (else the newest). */
function chooseBinding(pgp: typeof import('openpgp'), sigs: Sig[], at: Date, what: (s: Sig) => PolicyFinding): {sig?: Sig; finding?: PolicyFinding} {
  const current = sigs.filter((s) => !s.created || s.created.getTime() <= at.getTime()).sort((a, b) => (b.created?.getTime() ?? 0) - (a.created?.getTime() ?? 0))
  const judged = current.map((sig) => ({sig, finding: what(sig)}))
  return judged.find((j) => j.finding.level !== 'refused') ?? judged[0] ?? {}
}

function expiryOf(created: Date, sig: Sig | undefined): Date | null {
  const secs = sig?.keyExpirationTime
  return secs && !sig?.keyNeverExpires ? new Date(created.getTime() + secs * 1000) : null
}

/** Expiry as findings: expired (refused for the primary key, unused for a subkey), or within the horizon. */
function expiryFindings(expires: Date | null, role: 'primary' | 'subkey', at: Date, withinDays: number, fpr: string): PolicyFinding[] {
  if (!expires) return []
  const days = Math.ceil((expires.getTime() - at.getTime()) / DAY)
  if (expires.getTime() <= at.getTime()) {
    return [role === 'primary' ? {level: 'refused', message: `expired on ${day(expires)}`} : {level: 'ok', message: `expired on ${day(expires)}: no longer used`}]
  }
  if (days < withinDays) {
    const how = role === 'primary' ? `gpg --quick-set-expire ${fpr} 2y` : `gpg --quick-set-expire PRIMARY-FPR 2y ${fpr}`
    return [{level: 'warn', message: `expires on ${day(expires)} (in ${days} day${days === 1 ? '' : 's'}): extend it (${how}) and publish the public key again before then`}]
  }
  return []
}

/** One part of a key, judged. `sigs` are its self-signatures (primary) or bindings (subkey). */
function judgeComponent(pgp: typeof import('openpgp'), part: Key | Subkey, role: 'primary' | 'subkey', sigs: Sig[], revoked: boolean, at: Date, withinDays: number): ComponentReport {
  const info = part.getAlgorithmInfo()
  const fingerprint = part.getFingerprint().toUpperCase()
  const created = part.getCreationTime()
  const bindingWhat = role === 'primary' ? 'self-signature' : 'binding signature'
  const judgeSig = (s: Sig): PolicyFinding => {
    const own = hashPolicy(hashOf(pgp, s), bindingWhat, at)
    const back = s.embeddedSignature ? hashPolicy(hashOf(pgp, s.embeddedSignature), 'back-signature', at) : undefined
    return back && worse(back.level, own.level) !== own.level ? back : own
  }
  const {sig, finding: hashFinding} = chooseBinding(pgp, sigs, at, judgeSig)
  const withFlags = sig?.keyFlags ? sig : sigs.find((s) => s.keyFlags)
  const capabilities = capabilitiesOf(withFlags?.keyFlags ?? null)
  const expires = expiryOf(created, sig)
  const matters = role === 'primary' || capabilities.includes('sign')
  const findings: PolicyFinding[] = []
  if (!sig) findings.push({level: 'refused', message: `no ${bindingWhat}: sqv ignores this ${role === 'primary' ? 'key' : 'subkey'}`})
  if (matters) {
    findings.push(algorithmPolicy(info, at))
    if (hashFinding) findings.push(hashFinding)
    if (role === 'subkey' && sig && !sig.embeddedSignature) findings.push({level: 'refused', message: 'signing subkey without a back-signature (primary key binding): sqv will not use it'})
  } else {
    findings.push({level: 'ok', message: `${algorithmName(info)}: not used to verify signatures`})
  }
  if (revoked) findings.push(role === 'primary' ? {level: 'refused', message: 'revoked'} : {level: 'ok', message: 'revoked: no longer used'})
  findings.push(...expiryFindings(expires, role, at, withinDays, fingerprint))
  const hashes = sig ? [hashOf(pgp, sig), ...(sig.embeddedSignature ? [hashOf(pgp, sig.embeddedSignature)] : [])].map(hashName) : []
  return {
    role,
    fingerprint,
    algorithm: algorithmName(info),
    capabilities,
    created: created.toISOString(),
    expires: expires ? expires.toISOString() : null,
    revoked,
    signs: false,
    hashes,
    status: findings.reduce<PolicyLevel>((l, f) => worse(l, f.level), 'ok'),
    findings,
  }
}

/** A component still in service at `at`: not revoked, not expired. */
const usable = (c: ComponentReport, at: Date): boolean => !c.revoked && (c.expires === null || Date.parse(c.expires) > at.getTime())

/** One certificate, judged as sqv would judge a signature by it. */
async function judgeKey(key: Key, at: Date, withinDays: number): Promise<KeyReport> {
  const pgp = await import('openpgp')
  const direct = ((key as unknown as {directSignatures?: Sig[]}).directSignatures ?? [])
  const selfSigs = [...key.users.flatMap((u) => u.selfCertifications as Sig[]), ...direct]
  const primary = judgeComponent(pgp, key, 'primary', selfSigs, key.revocationSignatures.length > 0, at, withinDays)
  const subkeys = key.subkeys.map((s) => judgeComponent(pgp, s, 'subkey', s.bindingSignatures as Sig[], s.revocationSignatures.length > 0, at, withinDays))
  const findings: PolicyFinding[] = []
  if (key.keyPacket.version !== 4) findings.push({level: 'warn', message: `a v${key.keyPacket.version} key: sqv reads it, but gpgv (apt < 2.9.19) cannot, and raptr signs only with v4 keys`})

  // gpg and openpgp.js sign with the newest usable signing subkey, else the primary key.
  const signer =
    subkeys
      .filter((c) => c.capabilities.includes('sign') && usable(c, at))
      .sort((a, b) => b.created.localeCompare(a.created) || subkeys.indexOf(b) - subkeys.indexOf(a))[0] ?? (primary.capabilities.includes('sign') && usable(primary, at) ? primary : undefined)
  let status: PolicyLevel = primary.status
  if (!signer) {
    findings.push({level: 'refused', message: 'no key that can sign: neither the primary key nor a valid subkey has the signing capability'})
    status = 'refused'
  } else {
    signer.signs = true
    status = worse(status, signer.status)
    if (signer === primary) findings.push({level: 'ok', message: 'the primary key signs (no signing subkey)'})
  }
  // Other subkeys do not sign, but a refused signing-capable one is a trap for later.
  for (const c of subkeys) {
    if (c === signer || c.status === 'ok') continue
    if (c.status === 'refused' && c.capabilities.includes('sign') && usable(c, at)) findings.push({level: 'warn', message: `subkey ${c.fingerprint} can sign but sqv refuses it; raptr signs with ${signer?.fingerprint ?? 'none'}`})
    status = worse(status, 'warn')
  }
  status = findings.reduce<PolicyLevel>((l, f) => worse(l, f.level), status)
  return {fingerprint: key.getFingerprint().toUpperCase(), version: key.keyPacket.version, userIDs: key.getUserIDs(), status, components: [primary, ...subkeys], findings}
}

/**
 * Judges every key in `keys` at `at`; `withinDays` is the horizon for expiry warnings.
 *
 * @example const report = await checkKeys(await readKeyring(bytes, 'key.asc'), {at: new Date(), withinDays: 90})
 */
export async function checkKeys(keys: Key[], options: {at: Date; withinDays: number}): Promise<KeyCheckReport> {
  const reports = []
  for (const key of keys) reports.push(await judgeKey(key, options.at, options.withinDays))
  return {
    status: reports.reduce<PolicyLevel>((l, r) => worse(l, r.status), 'ok'),
    at: options.at.toISOString(),
    withinDays: options.withinDays,
    policy: SQV_POLICY_SOURCE,
    cutoffs: SQV_CUTOFFS,
    keys: reports,
    gpgv: GPGV_NOTE,
  }
}

/** The error a refused report exits with (exit 2); the report rides along for --json. */
export function refusedError(report: KeyCheckReport): RaptrError {
  const bad = report.keys.find((k) => k.status === 'refused')!
  const part = bad.components.find((c) => c.status === 'refused' && (c.role === 'primary' || c.signs))
  const first = (fs: PolicyFinding[]): string | undefined => fs.find((f) => f.level === 'refused')?.message
  const why = part ? `${part.role === 'primary' ? '' : `signing subkey ${part.fingerprint}: `}${first(part.findings)}` : (first(bad.findings) ?? 'refused')
  // A weak hash in a self-signature is mended by signing again; a weak algorithm is not.
  const hint = /uses (SHA-1|SHA-224)/.test(why)
    ? `sign the key again with SHA-512 (gpg --cert-digest-algo SHA512 --quick-set-expire ${bad.fingerprint} 2y, or a new signing subkey: gpg --quick-add-key ${bad.fingerprint} ed25519 sign), then publish again: clients need the updated public key`
    : 'make a new key (raptr key generate) and switch to it (raptr key use FILE); older gpgv clients still accept this one'
  return new RaptrError('KEY_REFUSED', `apt's sqv (apt >= 2.9.19) refuses signatures by key ${bad.fingerprint}: ${why}`, hint, {report})
}
