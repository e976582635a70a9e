import fs from 'node:fs'
import {Flags} from '@oclif/core'
import {RaptrCommand, table} from '../../cli/base-command.js'

export default class KeyCheck extends RaptrCommand {
  static override summary = "Check a signing key against the policy of apt's verifier (sqv): algorithms, SHA-1, expiry."
  static override description = `apt >= 2.9.19 (Debian 13 and later) verifies Release signatures with Sequoia's sqv under
a dated policy: RSA under 2048 bits, DSA and SHA-1 in a key's self-signatures or subkey
bindings are refused now; RSA-2048 is warned about from 2029-02-01 and refused from
2030-02-01. This reports, for the primary key and each subkey, the algorithm, the hashes
of its self-signatures, its expiry (warning within --within) and which part signs.
Exit 0 when sqv accepts the key (warnings included); exit 2 (KEY_REFUSED) when it refuses.
The key is, first found: --gpg KEYID, --sign-key FILE, RAPTR_SIGNING_KEY, the archive's
key (raptr key use). Public or private, armored or binary; a file may hold several keys.`
  static override examples = [
    '<%= config.bin %> key check',
    '<%= config.bin %> key check --sign-key ~/.config/raptr/signing.asc --within 180d',
    '<%= config.bin %> key check --gpg apt@acme.example --json',
  ]
  static override flags = {
    'sign-key': Flags.string({summary: 'An OpenPGP key file (public or private, armored or binary).'}),
    gpg: Flags.string({summary: 'A key in your GnuPG keyring (fingerprint, key id or e-mail).', exclusive: ['sign-key']}),
    within: Flags.string({summary: 'Warn about expiry within this long: N days (90d), weeks (12w) or years (1y).', default: '90d'}),
    at: Flags.string({summary: 'Judge as of this date (YYYY-MM-DD) instead of now, e.g. to see when a key stops working.'}),
  }

  async run(): Promise<unknown> {
    const {flags} = await this.parse(KeyCheck)
    const {RaptrError} = await import('../../errors.js')
    const within = /^(\d{1,5})([dwy]?)$/.exec(flags.within)
    if (!within) throw new RaptrError('BAD_ARGUMENT', `--within ${flags.within} is not a duration`, 'give days, weeks or years: 90d, 12w, 1y')
    const withinDays = Number(within[1]) * ({'': 1, d: 1, w: 7, y: 365} as Record<string, number>)[within[2]]
    const at = flags.at === undefined ? new Date() : new Date(/^\d{4}-\d{2}-\d{2}$/.test(flags.at) ? `${flags.at}T00:00:00Z` : flags.at)
    if (Number.isNaN(at.getTime())) throw new RaptrError('BAD_ARGUMENT', `--at ${flags.at} is not a date`, 'give YYYY-MM-DD, e.g. --at 2030-02-01')

    const {bytes, source} = await this.keyBytes(flags)
    const {checkKeys, readKeyring, refusedError} = await import('../../signing/key-check.js')
    const report = await checkKeys(await readKeyring(bytes, source), {at, withinDays})
    for (const key of report.keys) {
      this.log(`key ${key.fingerprint}${key.userIDs.length ? `  ${key.userIDs.join(', ')}` : ''}`)
      const rows = key.components.map((c) => ({
        part: c.role,
        fingerprint: c.fingerprint.slice(-16),
        algorithm: c.algorithm,
        use: c.capabilities.join(',') || '-',
        created: c.created.slice(0, 10),
        expires: c.expires?.slice(0, 10) ?? 'never',
        hash: c.hashes.join(',') || '-',
        sqv: c.signs ? `${c.status}, signs` : c.status,
      }))
      this.log(table(rows, ['part', 'fingerprint', 'algorithm', 'use', 'created', 'expires', 'hash', 'sqv']))
      for (const c of key.components) for (const f of c.findings) if (f.level !== 'ok') this.log(`  ${f.level}: ${c.role} ${c.fingerprint.slice(-16)}: ${f.message}`)
      for (const f of key.findings) if (f.level !== 'ok') this.log(`  ${f.level}: ${f.message}`)
      this.log('')
    }
    this.log(`${report.status === 'ok' ? 'ok' : report.status === 'warn' ? 'ok, with warnings' : 'REFUSED'}: checked against ${report.policy} as of ${report.at.slice(0, 10)}, expiry horizon ${withinDays} days`)
    this.log(report.gpgv)
    if (report.status === 'refused') throw refusedError(report)
    return report
  }

  /** The key's bytes, from the first source given (see the description's order). */
  private async keyBytes(flags: {'sign-key'?: string; gpg?: string; archive: string}): Promise<{bytes: Uint8Array; source: string}> {
    const {RaptrError} = await import('../../errors.js')
    const {gpgPublicKey} = await import('../../signing/gpg-signer.js')
    const readFile = (file: string, why: string): Uint8Array => {
      try {
        return new Uint8Array(fs.readFileSync(file))
      } catch {
        throw new RaptrError('NO_SIGNING_KEY', `cannot read the key file ${file}`, why)
      }
    }
    if (flags.gpg) return {bytes: gpgPublicKey(flags.gpg), source: `GnuPG key ${flags.gpg}`}
    if (flags['sign-key']) return {bytes: readFile(flags['sign-key'], 'check the path given to --sign-key'), source: flags['sign-key']}
    if (process.env.RAPTR_SIGNING_KEY) return {bytes: new TextEncoder().encode(process.env.RAPTR_SIGNING_KEY), source: 'RAPTR_SIGNING_KEY'}
    const archive = await this.openArchive(flags.archive)
    const {readSigningSettings} = await import('../../archive/signing-settings.js')
    const configured = await readSigningSettings(await archive.view())
    if (configured && 'gpg' in configured) return {bytes: gpgPublicKey(configured.gpg), source: `GnuPG key ${configured.gpg}`}
    if (configured) {
      const {expandHome} = await import('../../cli/signing.js')
      const file = expandHome(configured.keyFile)
      return {bytes: readFile(file, 'the archive names it (raptr key use); check the path, or set another with: raptr key use FILE'), source: file}
    }
    throw new RaptrError('NO_SIGNING_KEY', 'no key to check', 'pass --sign-key FILE or --gpg KEYID, or name the archive\'s key with: raptr key use FILE | --gpg KEYID')
  }
}
