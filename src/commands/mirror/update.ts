import {Args, Flags} from '@oclif/core'
import {RaptrCommand} from '../../cli/base-command.js'
import {syncFlags} from '../../cli/sync-flags.js'
import {httpFlags, httpTimeouts} from '../../cli/http-flags.js'

export default class MirrorUpdate extends RaptrCommand {
  static override summary = "Bring a mirror's distribution to exactly the upstream's selection."
  static override description = `Reads the upstream's InRelease (verified with the mirror's keyring) and indexes (checked
against it), applies the mirror's filter, then in one commit links what appeared (pool
files downloaded and checked by size and SHA256) and unlinks what disappeared (the files
stay in the archive until purge). A second run changes nothing; an interrupted run
changes nothing. --dry-run lists the change and writes nothing.`
  static override examples = ['<%= config.bin %> mirror update bookworm', '<%= config.bin %> mirror update bookworm --dry-run --json']
  static override args = {name: Args.string({description: 'Mirror name.', required: true})}
  static override flags = {
    'dry-run': Flags.boolean({summary: 'List what would be added and removed; change nothing.'}),
    ...httpFlags,
    ...syncFlags,
  }

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(MirrorUpdate)
    const archive = await this.openArchive(flags.archive)
    const {requireMirror} = await import('../../archive/mirrors.js')
    const {updateMirror} = await import('../../mirror/update.js')
    const {repositorySource} = await import('../../import/source.js')
    const {listBackends} = await import('../../archive/backends.js')
    const {openNamedBackend} = await import('../../cli/open-backend.js')
    const timeouts = await httpTimeouts(flags)
    // The mirror's settings and backends as the archive has them when the change runs: with
    // sync on, after the fetch and merge, not before.
    const sourceOf = async () => {
      const view = await archive.view()
      const mirror = await requireMirror(view, args.name)
      return {mirror, source: await repositorySource(mirror.url, {backends: await listBackends(view), open: openNamedBackend, timeouts})}
    }
    const bars = await this.progress()
    const onProgress = (p: {phase: string; done: number; total: number}): void => {
      if (bars.active && p.phase !== 'add') bars.task(p.phase === 'indexes' ? 'reading indexes' : 'downloading')(p.done, p.total)
    }
    let res
    try {
      if (flags['dry-run']) {
        const {mirror, source} = await sourceOf()
        res = await updateMirror(archive, source, mirror, {dryRun: true, onProgress})
      } else {
        const {runTeamChange} = await import('../../cli/sync-flags.js')
        res = (await runTeamChange((m) => this.note(m), archive, flags, async () => {
          const {mirror, source} = await sourceOf()
          return updateMirror(archive, source, mirror, {onProgress})
        })).out.result
      }
    } finally {
      bars.stop()
    }
    const lines = [...res.added.map((p) => `+ ${p.name} ${p.version} ${p.architecture} (${p.category})`), ...res.removed.map((p) => `- ${p.name} ${p.version} ${p.architecture} (${p.category})`)]
    const head = res.dryRun
      ? `mirror ${res.mirror} would add ${res.added.length} and remove ${res.removed.length} in ${res.distribution} (${res.selected} of ${res.offered} upstream packages selected); nothing written`
      : res.commit
        ? `mirror ${res.mirror} updated ${res.distribution}: ${res.added.length} added, ${res.removed.length} removed (${res.selected} of ${res.offered} upstream packages selected)`
        : `mirror ${res.mirror}: ${res.distribution} already matches the upstream (${res.selected} of ${res.offered} packages selected); nothing to do`
    this.log([head, ...lines].join('\n'))
    return {snapshot: res.commit, ...res}
  }
}
