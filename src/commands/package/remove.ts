import {Args, Flags} from '@oclif/core'
import {RaptrCommand, versionFlags} from '../../cli/base-command.js'
import {publishAfterFlags, syncFlags} from '../../cli/sync-flags.js'

export default class PackageRemove extends RaptrCommand {
  static override summary = 'Remove a package from the archive and unlink it everywhere (its file stays until purge).'
  static override description = `With several versions, say which: --version V, --latest or --all.
--keep-last N is retention: for each architecture, keeps the N latest versions (Debian
version order) and removes the older ones.`
  static override examples = [
    '<%= config.bin %> package remove hello --version 2.10-3',
    '<%= config.bin %> package remove hello --all --arch arm64',
    '<%= config.bin %> package remove hello --keep-last 3',
  ]
  static override usage = '<%= command.id %> NAME [--version V | --latest | --all | --keep-last N] [--arch A] [-C DIR] [--json]'
  static override args = {name: Args.string({description: 'Package name (source packages by their source name).', required: true})}
  static override flags = {
    ...versionFlags,
    arch: Flags.string({summary: 'Only this architecture (source packages: "source").'}),
    'keep-last': Flags.integer({summary: 'Keep the N latest versions of each architecture, remove the older ones.', min: 1, exclusive: ['version', 'latest', 'all']}),
    ...syncFlags, ...publishAfterFlags,
  }

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(PackageRemove)
    const archive = await this.openArchive(flags.archive)
    if (flags['keep-last'] !== undefined) {
      const {keepLatestPackages} = await import('../../archive/packages.js')
      const keepLast = flags['keep-last']
      const {runTeamChange} = await import('../../cli/sync-flags.js')
      const {out: {result: res}, report} = await runTeamChange((m) => this.note(m), archive, flags, () => keepLatestPackages(archive, args.name, keepLast, flags.arch))
      for (const p of res.removed) this.log(`removed ${p.name} ${p.version} ${p.architecture}`)
      for (const p of res.kept) this.log(`kept    ${p.name} ${p.version} ${p.architecture}`)
      for (const l of report) this.log(l)
      return {snapshot: res.commit, removed: res.removed, kept: res.kept}
    }
    const {removePackages} = await import('../../archive/packages.js')
    const {runTeamChange} = await import('../../cli/sync-flags.js')
    const {out: {result: res}, report} = await runTeamChange((m) => this.note(m), archive, flags, () => removePackages(archive, args.name, flags, flags.arch))
    if (res.nothing) this.log(`${res.nothing}; nothing to do`)
    for (const p of res.removed) this.log(`removed ${p.name} ${p.version} ${p.architecture}`)
    for (const l of report) this.log(l)
    return {snapshot: res.commit, removed: res.removed, ...(res.nothing ? {nothing: res.nothing} : {})}
  }
}
