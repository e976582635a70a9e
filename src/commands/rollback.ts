import {Args, Flags} from '@oclif/core'
import {RaptrCommand} from '../cli/base-command.js'
import {syncFlags} from '../cli/sync-flags.js'

export default class Rollback extends RaptrCommand {
  static override summary = 'Point a distribution back at an earlier published snapshot, in seconds.'
  static override description = `Re-signs that snapshot's Release with a fresh date (apt ignores a Release older than
the one it has) and swaps the pointer. Nothing else is uploaded. Walks the publication
log: each rollback goes one publication further back, --forward one step forward again.
--to names the snapshot; naming the live one changes nothing. Waits while a purge holds
the backend (RAPTR_LEASE_WAIT_SECONDS), then refuses with exit 3.`
  static override examples = [
    '<%= config.bin %> rollback production --sign-key key.asc',
    '<%= config.bin %> rollback production --forward --sign-key key.asc',
    '<%= config.bin %> rollback production --to release-41 --backend eu',
  ]
  static override args = {dist: Args.string({description: 'Distribution.', required: true})}
  static override flags = {
    to: Flags.string({summary: 'The snapshot (id or name) to make live.', exclusive: ['forward']}),
    forward: Flags.boolean({summary: 'One publication forward along the log (undoes a rollback).', exclusive: ['to']}),
    backend: Flags.string({summary: 'Backend (default: every backend).', multiple: true}),
    'sign-key': Flags.string({summary: 'Armored private key file (or RAPTR_SIGNING_KEY; default: the key raptr key use named).'}),
    gpg: Flags.string({summary: 'Sign with this key of your GnuPG keyring (gpg-agent, smartcard) instead.', exclusive: ['sign-key']}),
    sign: Flags.boolean({summary: 'Sign the Release (--no-sign for an unsigned repository).', default: true, allowNo: true}),
    ...syncFlags,
  }

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(Rollback)
    const archive = await this.openArchive(flags.archive)
    const {signerForArchive} = await import('../cli/signing.js')
    const {openNamedBackend} = await import('../cli/open-backend.js')
    const {rollbackBackends} = await import('../publish/rollback.js')
    const {syncAfter, syncBefore} = await import('../cli/sync-flags.js')
    await syncBefore(archive, flags, (m) => this.note(m))
    const results = await rollbackBackends(archive, args.dist, {
      backends: flags.backend,
      to: flags.to,
      forward: flags.forward,
      signer: await signerForArchive(archive, flags),
      open: openNamedBackend,
    })
    for (const r of results) {
      if (r.action === 'unchanged') this.log(`${r.backend}/${r.distribution}: unchanged, ${r.reason}`)
      else this.log(`${r.backend}/${r.distribution}: rolled back from ${r.from.slice(0, 12)} to ${r.to.slice(0, 12)} (seq ${r.seq})`)
      if (r.warning) this.note(`${r.backend}/${r.distribution}: ${r.warning}`)
    }
    await syncAfter(archive, flags, (m) => this.note(m))
    return results
  }
}
