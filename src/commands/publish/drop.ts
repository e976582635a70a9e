import {Args} from '@oclif/core'
import {RaptrCommand} from '../../cli/base-command.js'
import {syncFlags} from '../../cli/sync-flags.js'

export default class PublishDrop extends RaptrCommand {
  static override summary = 'Take a distribution off backends: apt no longer sees it there.'
  static override description = `Records the drop in each backend's publication log (so no later settle or publish puts
it back), then removes the pointer (dists/DIST/InRelease, Release, Release.gpg) and the
live index names. Pool files, by-hash indexes and pinned snapshots stay for purge (pinned
ones stay as long as they are pinned). Dropping what is not live does nothing. A later
publish brings it back only once the distribution changes (or with --force). With no
backend named, drops it from every backend.`
  static override strict = false
  static override examples = [
    '<%= config.bin %> publish drop staging',
    '<%= config.bin %> publish drop staging eu us',
    '<%= config.bin %> publish drop staging local --json',
  ]
  static override args = {
    dist: Args.string({description: 'Distribution to take off.', required: true}),
    backend: Args.string({description: 'Backends to take it off (default: all).'}),
  }
  static override flags = {...syncFlags}

  async run(): Promise<unknown> {
    const {args, argv, flags} = await this.parse(PublishDrop)
    const archive = await this.openArchive(flags.archive)
    const {openNamedBackend} = await import('../../cli/open-backend.js')
    const {dropBackends} = await import('../../publish/drop.js')
    const {syncAfter, syncBefore} = await import('../../cli/sync-flags.js')
    await syncBefore(archive, flags, (m) => this.note(m))
    const results = await dropBackends(archive, args.dist, {backends: (argv as string[]).slice(1), open: openNamedBackend})
    for (const r of results) {
      if (r.action === 'unchanged') this.log(`${r.backend}/${r.distribution}: unchanged, ${r.reason}`)
      else this.log(`${r.backend}/${r.distribution}: dropped (seq ${r.seq}; was snapshot ${r.snapshot!.slice(0, 12)})`)
    }
    await syncAfter(archive, flags, (m) => this.note(m))
    return {results}
  }
}
