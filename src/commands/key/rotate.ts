import path from 'node:path'
import {Flags} from '@oclif/core'
import {RaptrCommand} from '../../cli/base-command.js'
import {syncFlags} from '../../cli/sync-flags.js'

export default class KeyRotate extends RaptrCommand {
  static override summary = 'Rotate the signing key without breaking a client: start (both keys sign), finish (the new one alone), drop the old public key.'
  static override description = `Three steps, each recorded in the archive (raptr log) and applied at once to every live
distribution on every backend (publish --refresh), unless --no-refresh defers that to the
next publish or refresh:
  --new FILE | --gpg KEYID  start: Releases are signed by the old and the new key, and
                            raptr.gpg / raptr.asc hold both public keys
  --finish                  the new key signs alone; both public keys stay published
  --drop-old                only the new public key is published; the rotation is over
With a keyring package (raptr key package), each step builds its next version with the
keys clients need from then on, and publishes its distributions, so clients that installed
it get the new key through apt upgrade before --finish.
Between start and finish give clients the new key (wait as long as your slowest client
takes to update). Both keys must be key files, or both GnuPG keys. The new key's
passphrase is RAPTR_SIGNING_PASSPHRASE_NEW when it differs from the old one's.`
  static override examples = [
    '<%= config.bin %> key rotate --new ~/.config/raptr/signing-2027.asc',
    '<%= config.bin %> key rotate --finish',
    '<%= config.bin %> key rotate --drop-old',
  ]
  static override flags = {
    new: Flags.string({summary: 'Start: the new armored private key file.', exclusive: ['gpg', 'finish', 'drop-old']}),
    gpg: Flags.string({summary: 'Start: the new key in your GnuPG keyring (fingerprint, key id or e-mail).', exclusive: ['new', 'finish', 'drop-old']}),
    finish: Flags.boolean({summary: 'Sign with the new key only.', exclusive: ['new', 'gpg', 'drop-old']}),
    'drop-old': Flags.boolean({summary: 'Stop publishing the old public key.', exclusive: ['new', 'gpg', 'finish']}),
    refresh: Flags.boolean({summary: 'Re-sign every live distribution now (--no-refresh: at the next publish or refresh).', default: true, allowNo: true}),
    ...syncFlags,
  }

  async run(): Promise<unknown> {
    const {flags} = await this.parse(KeyRotate)
    const {RaptrError} = await import('../../errors.js')
    const step = flags.finish ? 'finish' : flags['drop-old'] ? 'drop-old' : flags.new || flags.gpg ? 'start' : undefined
    if (!step) throw new RaptrError('USAGE', 'give one step: --new FILE | --gpg KEYID (start), --finish, or --drop-old', 'e.g. raptr key rotate --new ~/.config/raptr/signing-2027.asc; see: raptr key status')
    if (flags.refresh && process.env.RAPTR_SIGNING_KEY) {
      throw new RaptrError('BAD_ARGUMENT', 'RAPTR_SIGNING_KEY is set: it would sign instead of the keys the rotation names', 'unset it (the archive names the keys), or pass --no-refresh')
    }
    const archive = await this.openArchive(flags.archive)
    const sa = await import('../../archive/signing-settings.js')
    const {signerFromFlags} = await import('../../cli/signing.js')
    const current = await sa.readSigningSettings(await archive.view())
    const newKey = step === 'start' ? await this.newKey(flags, archive.dir) : undefined
    if (newKey && current) {
      const {assertSameKind} = await import('../../keys/rotation.js')
      assertSameKind(sa.keyRefOf(current), newKey)
    }
    // The keys of the next step are loaded (passphrases checked) before anything is recorded.
    const planned = sa.nextSigningSettings(current, step, newKey).settings
    const preloaded = flags.refresh ? signerFromFlags({sign: true}, planned) : undefined
    await preloaded?.()
    const {runTeamChange} = await import('../../cli/sync-flags.js')
    const {openNamedBackend} = await import('../../cli/open-backend.js')
    const {rotationStepWithKeyring} = await import('../../keys/rotation.js')
    const {expandHome} = await import('../../cli/signing.js')
    // With a keyring package, the step also builds its next version (the keys clients need from now on).
    const keyringOpts = {publicUrlOf: async (b: import('../../archive/backends.js').NamedBackend) => (await openNamedBackend(b)).properties.publicUrl, expand: expandHome}
    const {out: {result: res}} = await runTeamChange((m) => this.note(m), archive, flags, () => rotationStepWithKeyring(archive, step, newKey, keyringOpts))
    const r = res.settings.rotation
    this.log(step === 'start' ? `rotation started: ${sa.describeKey(r!.old)} and ${sa.describeKey(r!.new)} sign` : step === 'finish' ? `rotation finished: ${sa.describeKey(r!.new)} signs alone; the old public key is still published` : `old key dropped: only ${sa.describeKey(sa.keyRefOf(res.settings))} is published`)
    const kp = res.keyring
    if (kp) this.log(`keyring package ${kp.name} ${kp.version}: ${kp.status === 'built' ? `built with ${kp.keys.length} key${kp.keys.length === 1 ? '' : 's'}` : 'unchanged'}`)
    const snapshot = kp?.commit ?? res.commit
    if (!flags.refresh) {
      this.note(`not re-signed (--no-refresh): the live Releases change at the next publish or: raptr publish --refresh${kp?.status === 'built' ? `; publish ${kp.distributions.join(', ')} to deliver the keyring package` : ''}`)
      return {step, settings: res.settings, snapshot, keyring: kp, results: []}
    }
    const {refreshReleases} = await import('../../publish/refresh.js')
    const {selectBackends} = await import('../../archive/backends.js')
    if ((await selectBackends(await archive.view(), undefined)).length === 0) {
      this.note('the archive has no backend: nothing to re-sign')
      return {step, settings: res.settings, snapshot, keyring: kp, results: []}
    }
    // A sync may have brought another clone's signing.json: sign as what was recorded says.
    const signer = JSON.stringify(res.settings) === JSON.stringify(planned) ? preloaded : signerFromFlags({sign: true}, res.settings)
    if (kp?.status === 'built') {
      // The new keyring package reaches clients only in a publication: its distributions are published, not only re-signed.
      const {publishMaybeSynced} = await import('../../cli/sync-flags.js')
      const {formatPublish} = await import('../../cli/format/publish.js')
      const pub = await publishMaybeSynced(archive, flags, (m) => this.note(m), {distributions: kp.distributions, signer, open: openNamedBackend})
      const report = formatPublish(pub.results)
      for (const n of report.notes) this.note(n)
      for (const l of report.lines) this.log(l)
      if (report.exitCode) process.exitCode = report.exitCode
    }
    const results = await refreshReleases(archive, {signer, open: openNamedBackend})
    for (const x of results) {
      if (x.action === 'refreshed') this.log(`${x.backend}/${x.distribution}: re-signed (seq ${x.seq})${x.warning ? `; ${x.warning}` : ''}`)
      else if (x.action === 'unpublished') this.log(`${x.backend}/${x.distribution}: not published; nothing to re-sign`)
      else this.log(`${x.backend}/${x.distribution}: FAILED: ${x.error?.message}${x.error?.hint ? `\n  hint: ${x.error.hint}` : ''}`)
    }
    const {exitCodeFor} = await import('../../errors.js')
    const failedCodes = results.filter((x) => x.error).map((x) => exitCodeFor(x.error!.code))
    if (failedCodes.length) process.exitCode = Math.max(...failedCodes)
    return {step, settings: res.settings, snapshot, keyring: kp, results}
  }

  /** The key to start with: readable, private, outside the archive, and one apt's sqv accepts (key check). */
  private async newKey(flags: {new?: string; gpg?: string}, archiveDir: string): Promise<import('../../archive/signing-settings.js').KeyRef> {
    const {RaptrError} = await import('../../errors.js')
    const {checkKeys, readKeyring, refusedError} = await import('../../signing/key-check.js')
    const judge = async (bytes: Uint8Array, source: string): Promise<void> => {
      const report = await checkKeys(await readKeyring(bytes, source), {at: new Date(), withinDays: 90})
      if (report.status === 'refused') throw refusedError(report)
    }
    if (flags.gpg) {
      const {gpgFingerprint, gpgPublicKey} = await import('../../signing/gpg-signer.js')
      const fingerprint = gpgFingerprint(flags.gpg)
      await judge(gpgPublicKey(fingerprint), `GnuPG key ${fingerprint}`)
      return {gpg: fingerprint}
    }
    const {expandHome} = await import('../../cli/signing.js')
    const file = path.resolve(expandHome(flags.new!))
    const fs = await import('node:fs')
    let text: string
    try {
      text = fs.readFileSync(file, 'utf8')
    } catch {
      throw new RaptrError('NO_SIGNING_KEY', `cannot read ${file}`, 'check the path given to --new')
    }
    if (!/BEGIN PGP PRIVATE KEY BLOCK/.test(text)) {
      throw new RaptrError('BAD_SIGNING_KEY', `${file} is not an armored private key`, 'export one with: gpg --armor --export-secret-keys KEYID, or make one with: raptr key generate')
    }
    const rel = path.relative(archiveDir, file)
    if (!rel.startsWith('..') && !path.isAbsolute(rel)) {
      throw new RaptrError('BAD_ARGUMENT', `${file} is inside the archive, which would share the private key with everyone who clones it`, 'move the key out of the archive (e.g. ~/.config/raptr/) and start again')
    }
    await judge(new TextEncoder().encode(text), file)
    return {keyFile: file}
  }
}
