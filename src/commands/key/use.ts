import path from 'node:path'
import {Args, Flags} from '@oclif/core'
import {RaptrCommand} from '../../cli/base-command.js'
import {syncFlags} from '../../cli/sync-flags.js'

export default class KeyUse extends RaptrCommand {
  static override summary = 'Name the key publish signs with: an armored key file, or a key in your GnuPG keyring.'
  static override description = `The archive records the path or the GnuPG fingerprint, never the key itself, so a team
shares the setting and each machine brings its own key. publish and update then sign
with it when no --sign-key, --gpg or RAPTR_SIGNING_KEY is given. A key file inside the
archive is refused: it would be committed.`
  static override examples = [
    '<%= config.bin %> key use ~/.config/raptr/signing.asc',
    '<%= config.bin %> key use --gpg apt@acme.example',
  ]
  static override args = {file: Args.string({description: 'Armored private key file.'})}
  static override flags = {
    gpg: Flags.string({summary: 'A secret key in your GnuPG keyring (fingerprint, key id or e-mail).'}),
    ...syncFlags,
  }

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(KeyUse)
    const {RaptrError} = await import('../../errors.js')
    if (!args.file === !flags.gpg) throw new RaptrError('USAGE', 'give a key file or --gpg KEYID (one of them)', 'e.g. raptr key use ~/.config/raptr/signing.asc')
    const archive = await this.openArchive(flags.archive)
    const {useSigningKey} = await import('../../archive/signing-settings.js')
    if (flags.gpg) {
      const {gpgFingerprint} = await import('../../signing/gpg-signer.js')
      const fingerprint = gpgFingerprint(flags.gpg)
      const {runTeamChange} = await import('../../cli/sync-flags.js')
      const {out: {result: res}} = await runTeamChange((m) => this.note(m), archive, flags, () => useSigningKey(archive, {gpg: fingerprint}))
      this.log(`${res.commit ? 'publish signs' : 'already signing'} with GnuPG key ${fingerprint}`)
      return {gpg: fingerprint, snapshot: res.commit}
    }
    const {expandHome} = await import('../../cli/signing.js')
    const file = path.resolve(expandHome(args.file!))
    const {readRegularFile} = await import('../../regular-file.js')
    const text = (await readRegularFile(file, 'keyFile', {what: 'the key file', missing: 'NO_SIGNING_KEY', hint: 'give the path of an armored private key file'})).toString('utf8')
    if (!/BEGIN PGP PRIVATE KEY BLOCK/.test(text)) {
      throw new RaptrError('BAD_SIGNING_KEY', `${file} is not an armored private key`, 'export one with: gpg --armor --export-secret-keys KEYID, or make one with: raptr key generate')
    }
    const rel = path.relative(archive.dir, file)
    if (!rel.startsWith('..') && !path.isAbsolute(rel)) {
      throw new RaptrError('BAD_ARGUMENT', `${file} is inside the archive, which would share the private key with everyone who clones it`, 'move the key out of the archive (e.g. ~/.config/raptr/) and run key use again')
    }
    const {runTeamChange} = await import('../../cli/sync-flags.js')
    const {out: {result: res}} = await runTeamChange((m) => this.note(m), archive, flags, () => useSigningKey(archive, {keyFile: file}))
    this.log(`${res.commit ? 'publish signs' : 'already signing'} with ${file}`)
    return {keyFile: file, snapshot: res.commit}
  }
}
