import {Args, Flags} from '@oclif/core'
import {RaptrCommand, versionFlags} from '../../cli/base-command.js'
import {publishAfterFlags, syncFlags} from '../../cli/sync-flags.js'

export default class PackageUnlink extends RaptrCommand {
  static override summary = 'Hide a package from distributions; it stays in the archive.'
  static override examples = ['<%= config.bin %> package unlink hello --version 2.10-3 --from production']
  static override args = {name: Args.string({description: 'Package name.', required: true})}
  static override flags = {
    ...versionFlags,
    from: Flags.string({summary: 'Distribution to unlink from (repeatable).', required: true, multiple: true}),
    arch: Flags.string({summary: 'Only this architecture.'}),
    ...syncFlags, ...publishAfterFlags,
  }

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(PackageUnlink)
    const archive = await this.openArchive(flags.archive)
    const {unlinkPackages} = await import('../../archive/packages.js')
    const {runTeamChange} = await import('../../cli/sync-flags.js')
    const {out: {result: res}, report} = await runTeamChange((m) => this.note(m), archive, flags, () => unlinkPackages(archive, args.name, flags, {from: flags.from, arch: flags.arch}), flags.from)
    for (const l of res.unlinked) this.log(`unlinked ${l}`)
    for (const l of report) this.log(l)
    return {snapshot: res.commit, unlinked: res.unlinked}
  }
}
