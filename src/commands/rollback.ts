import {Args, Flags} from '@oclif/core'
import {RaptrCommand} from '../cli/base-command.js'
import {syncFlags} from '../cli/sync-flags.js'

export default class Rollback extends RaptrCommand {
  static override summary = 'Point a distribution back at an earlier published snapshot, in seconds.'
  static override description = `Re-signs that snapshot's Release with a fresh date (apt ignores a Release older than
the one it has) and swaps the pointer. Nothing else is uploaded. Walks the publication
log: each rollback goes one publication further back, --forward one step forward again.
--to names the snapshot; naming the live one changes nothing. Waits while a purge holds
the backend (RAPTR_LEASE_WAIT_SECONDS), then refuses with exit 3.

The archive follows in one commit (a RolledBack event listing what was unlinked and
relinked): the distribution's links become those of the snapshot now live, so the next
plain publish does not re-release what was rolled back. Settings stay as they are now.
--pointer-only moves the pointers and leaves the archive's links alone. When a backend
fails, the others still move, the archive follows them, and the command exits non-zero
naming the backend to run again with --backend.`
  static override examples = [
    '<%= config.bin %> rollback production --sign-key key.asc',
    '<%= config.bin %> rollback production --forward --sign-key key.asc',
    '<%= config.bin %> rollback production --to release-41 --backend eu',
    '<%= config.bin %> rollback production --pointer-only --sign-key key.asc',
  ]
  static override args = {dist: Args.string({description: 'Distribution.', required: true})}
  static override flags = {
    to: Flags.string({summary: 'The snapshot (id or name) to make live.', exclusive: ['forward']}),
    forward: Flags.boolean({summary: 'One publication forward along the log (undoes a rollback).', exclusive: ['to']}),
    backend: Flags.string({summary: 'Backend (default: every backend).', multiple: true}),
    'pointer-only': Flags.boolean({summary: "Move the live pointer only; leave the archive's links as they are (the next publish re-releases them)."}),
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
    const {results, failed} = await rollbackBackends(archive, args.dist, {
      backends: flags.backend,
      to: flags.to,
      forward: flags.forward,
      pointerOnly: flags['pointer-only'],
      signer: await signerForArchive(archive, flags),
      open: openNamedBackend,
    })
    for (const r of results) {
      if (r.action === 'unchanged') this.log(`${r.backend}/${r.distribution}: unchanged, ${r.reason}`)
      else this.log(`${r.backend}/${r.distribution}: rolled back from ${r.from.slice(0, 12)} to ${r.to.slice(0, 12)} (seq ${r.seq})`)
      if (r.links) this.log(`${r.backend}/${r.distribution}: archive links follow: ${r.links.unlinkedCount} unlinked, ${r.links.relinkedCount} relinked${r.links.recordsRestored ? `, ${r.links.recordsRestored} records restored` : ''}`)
      if (r.warning) this.note(`${r.backend}/${r.distribution}: ${r.warning}`)
    }
    // What did move is recorded: it is pushed even when another backend failed.
    await syncAfter(archive, flags, (m) => this.note(m))
    if (failed.length > 0) {
      const {RaptrError} = await import('../errors.js')
      const names = failed.map((f) => f.backend)
      const moved = results.filter((r) => r.action === 'rolled-back').map((r) => r.backend)
      const first = failed[0].error
      throw new RaptrError(
        first.code,
        `rollback of ${args.dist} did not reach ${names.join(', ')}: ${first.message}${moved.length ? ` (moved: ${moved.join(', ')}; the archive follows them)` : ' (nothing moved; the archive is unchanged)'}`,
        `fix it, then run: raptr rollback ${args.dist} ${names.map((n) => `--backend ${n}`).join(' ')}${flags.to ? ` --to ${flags.to}` : flags.forward ? ' --forward' : ''}${flags['pointer-only'] ? ' --pointer-only' : ''}${first.hint ? ` (${first.hint})` : ''}`,
        {failed: failed.map((f) => ({backend: f.backend, ...f.error.toJSON()})), results},
      )
    }
    return results
  }
}
