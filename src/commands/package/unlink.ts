import {Args, Flags} from '@oclif/core'
import {RaptrCommand, versionFlags} from '../../cli/base-command.js'
import {publishAfterFlags, syncFlags} from '../../cli/sync-flags.js'
import {sectionsFrom} from '../../cli/sections.js'

export default class PackageUnlink extends RaptrCommand {
  static override summary = 'Hide a package from distributions; it stays in the archive.'
  static override examples = ['<%= config.bin %> package unlink hello --version 2.10-3 --from production', '<%= config.bin %> package unlink hello --all staging/public']
  static override args = {name: Args.string({description: 'Package name.', required: true}), section: Args.string({description: 'Where to unlink it from: DIST or DIST/CAT (or use --from).'})}
  static override flags = {
    ...versionFlags,
    from: Flags.string({summary: 'Distribution (DIST or DIST/CAT) to unlink from (repeatable); same as the SECTION argument.', multiple: true}),
    arch: Flags.string({summary: 'Only this architecture.'}),
    ...syncFlags, ...publishAfterFlags,
  }

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(PackageUnlink)
    const sections = sectionsFrom(args.section, flags.from, 'from', `raptr package unlink ${args.name}`)
    const archive = await this.openArchive(flags.archive)
    const {unlinkPackages} = await import('../../archive/packages.js')
    const {runTeamChange} = await import('../../cli/sync-flags.js')
    const {out: {result: res}, report} = await runTeamChange((m) => this.note(m), archive, flags, () => unlinkPackages(archive, args.name, flags, {from: sections, arch: flags.arch}), sections.map((s) => s.split('/')[0]))
    if (res.nothing) this.log(`${res.nothing}; nothing to do`)
    for (const l of res.unlinked) this.log(`unlinked ${l}`)
    for (const l of report) this.log(l)
    return {snapshot: res.commit, unlinked: res.unlinked, ...(res.nothing ? {nothing: res.nothing} : {})}
  }
}
