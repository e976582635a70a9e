import {Args, Flags} from '@oclif/core'
import {RaptrCommand} from '../cli/base-command.js'
import {syncFlags} from '../cli/sync-flags.js'

export default class Rollback extends RaptrCommand {
  static override summary = 'Point a distribution back at an earlier published snapshot, in seconds.'
  static override description = `Re-signs that snapshot's Release with a fresh date (apt ignores a Release older than
the one it has) and swaps the pointer. Nothing else is uploaded. Default: the snapshot
published before the live one.`
  static override examples = ['<%= config.bin %> rollback production --sign-key key.asc', '<%= config.bin %> rollback production --to release-41 --backend eu']
  static override args = {dist: Args.string({description: 'Distribution.', required: true})}
  static override flags = {
    to: Flags.string({summary: 'The snapshot (id or name) to go back to.'}),
    backend: Flags.string({summary: 'Backend (default: every backend).', multiple: true}),
    'sign-key': Flags.string({summary: 'Armored private key file (or RAPTR_SIGNING_KEY).'}),
    sign: Flags.boolean({summary: 'Sign the Release (--no-sign for an unsigned repository).', default: true, allowNo: true}),
    ...syncFlags,
  }

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(Rollback)
    const archive = await this.openArchive(flags.archive)
    const {signerFromFlags} = await import('../cli/signing.js')
    const {openNamedBackend} = await import('../cli/open-backend.js')
    const {listBackends, requireBackend} = await import('../archive/backends.js')
    const {rollback} = await import('../publish/rollback.js')
    const signer = await signerFromFlags(flags)?.()
    const {syncAfter, syncBefore} = await import('../cli/sync-flags.js')
    await syncBefore(archive, flags, (m) => this.note(m))
    const view = await archive.view()
    const backends = flags.backend?.length ? await Promise.all(flags.backend.map((n) => requireBackend(view, n))) : await listBackends(view)
    const results = []
    for (const b of backends) {
      const r = await rollback(archive, await openNamedBackend(b), b.name, args.dist, {to: flags.to, signer})
      this.log(`${b.name}/${args.dist}: rolled back from ${r.from.slice(0, 12)} to ${r.to.slice(0, 12)} (seq ${r.seq})`)
      results.push(r)
    }
    await syncAfter(archive, flags, (m) => this.note(m))
    return results
  }
}
