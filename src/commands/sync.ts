import {RaptrCommand} from '../cli/base-command.js'
import {syncFlags} from '../cli/sync-flags.js'

export default class Sync extends RaptrCommand {
  static override summary = 'Fetch the archive\'s remote, merge, and push.'
  static override description = `The merge is raptr's own, path by path: different packages, links, removals,
categories, distributions, backends, named snapshots and pins never conflict. A real conflict
(one name/version/architecture with different bytes, one snapshot name for two commits, one
setting changed two ways) exits 3 with one line per item, pushes nothing, and leaves the
archive as it was. Before the push, the new pool files are uploaded to every backend, so a
clone without this machine's blob cache finds them. A push the remote rejects is fetched,
merged and pushed again with jittered backoff, up to --sync-timeout.`
  static override examples = ['<%= config.bin %> sync', '<%= config.bin %> sync --json']
  static override flags = {'sync-timeout': syncFlags['sync-timeout']}

  async run(): Promise<unknown> {
    const {flags} = await this.parse(Sync)
    const archive = await this.openArchive(flags.archive)
    const {syncOptionsFrom} = await import('../cli/sync-flags.js')
    const {syncArchive} = await import('../team/sync.js')
    const res = await syncArchive(archive, await syncOptionsFrom(flags, (m) => this.note(m)))
    const {terminalSafe} = await import('../cli/report-error.js')
    if (res.incoming.length) for (const s of res.incoming) this.log(`in: ${terminalSafe(s)}`)
    this.log(`${res.remote}/${res.branch}: ${res.pushed ? `pushed ${res.head.slice(0, 12)}` : `up to date at ${res.head.slice(0, 12)}`}${res.uploaded ? ` (${res.uploaded} pool files uploaded first)` : ''}`)
    return res
  }
}
