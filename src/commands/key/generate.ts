import fs from 'node:fs'
import {Flags} from '@oclif/core'
import {RaptrCommand} from '../../cli/base-command.js'

export default class KeyGenerate extends RaptrCommand {
  static override summary = 'Generate an OpenPGP signing key for Release files.'
  static override description = `Writes the private key (armored) to --out, readable only by you, and the public key
beside it (FILE.pub.asc). The passphrase, if any, comes from RAPTR_SIGNING_PASSPHRASE.
Keep the private key out of the archive: publish reads it from --sign-key FILE or
RAPTR_SIGNING_KEY.`
  static override examples = ['<%= config.bin %> key generate --name "ACME apt" --email apt@acme.example --out ~/.config/raptr/signing.asc']
  static override flags = {
    name: Flags.string({summary: 'Name on the key.', required: true}),
    email: Flags.string({summary: 'E-mail on the key.', required: true}),
    out: Flags.string({summary: 'Where to write the private key.', required: true}),
    force: Flags.boolean({summary: 'Overwrite an existing file.'}),
  }

  async run(): Promise<unknown> {
    const {flags} = await this.parse(KeyGenerate)
    const {RaptrError} = await import('../../errors.js')
    const {checkUserId, refuseKeyInArchive} = await import('../../signing/key-file.js')
    checkUserId(flags.name, flags.email)
    refuseKeyInArchive(flags.out)
    if (fs.existsSync(flags.out) && !flags.force) {
      throw new RaptrError('ALREADY_EXISTS', `${flags.out} exists`, 'choose another --out, or pass --force to overwrite it')
    }
    // Overwriting is for files: a FIFO would block the write, a device would swallow the key.
    for (const f of [flags.out, `${flags.out.replace(/\.asc$/, '')}.pub.asc`]) {
      const st = fs.statSync(f, {throwIfNoEntry: false})
      if (st && !st.isFile()) throw new RaptrError('NOT_A_FILE', `${f} exists and is not a regular file`, 'choose another --out')
    }
    const {generateKey} = await import('../../signing/openpgp-signer.js')
    let key: Awaited<ReturnType<typeof generateKey>>
    try {
      key = await generateKey({name: flags.name, email: flags.email, passphrase: process.env.RAPTR_SIGNING_PASSPHRASE || undefined})
    } catch (error) {
      throw new RaptrError('BAD_ARGUMENT', `cannot generate the key: ${(error as Error).message.split('\n')[0]}`, 'check --name and --email (e.g. --name "ACME apt" --email apt@acme.example)')
    }
    const pub = `${flags.out.replace(/\.asc$/, '')}.pub.asc`
    try {
      // A new file (O_EXCL: never through a symbolic link, never an old file's looser mode).
      if (flags.force) fs.rmSync(flags.out, {force: true})
      fs.writeFileSync(flags.out, key.privateKeyArmored, {mode: 0o600, flag: 'wx'})
      fs.writeFileSync(pub, key.publicKeyArmored)
    } catch (error) {
      const e = error as NodeJS.ErrnoException
      throw new RaptrError('BAD_ARGUMENT', `cannot write the key to ${e.path ?? flags.out}: ${e.code ?? e.message}`, 'give --out a path in an existing directory you can write to')
    }
    this.log(`private key: ${flags.out}`)
    this.log(`public key:  ${pub}`)
    this.log(`fingerprint: ${key.fingerprint}`)
    this.log(`algorithm:   ${key.algorithm}`)
    return {privateKey: flags.out, publicKey: pub, fingerprint: key.fingerprint, algorithm: key.algorithm}
  }
}
