import {Args, Flags} from '@oclif/core'
import {RaptrCommand, versionFlags} from '../../cli/base-command.js'

export default class PackageRemove extends RaptrCommand {
  static override summary = 'Remove a package from the archive and unlink it everywhere (its file stays until purge).'
  static override description = 'With several versions, say which: --version V, --latest or --all.'
  static override examples = [
    '<%= config.bin %> package remove hello --version 2.10-3',
    '<%= config.bin %> package remove hello --all --arch arm64',
  ]
  static override args = {name: Args.string({description: 'Package name (source packages by their source name).', required: true})}
  static override flags = {
    ...versionFlags,
    arch: Flags.string({summary: 'Only this architecture (source packages: "source").'}),
  }

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(PackageRemove)
    const archive = await this.openArchive(flags.archive)
    const {removePackages} = await import('../../archive/packages.js')
    const res = await removePackages(archive, args.name, flags, flags.arch)
    for (const p of res.removed) this.log(`removed ${p.name} ${p.version} ${p.architecture}`)
    return {snapshot: res.commit, removed: res.removed}
  }
}
