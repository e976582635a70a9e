import {Args, Flags} from '@oclif/core'
import {RaptrCommand, versionFlags} from '../../cli/base-command.js'
import {publishAfterFlags, syncFlags} from '../../cli/sync-flags.js'
import {sectionsFrom} from '../../cli/sections.js'

export default class PackageLink extends RaptrCommand {
  static override summary = 'Make a package visible in distributions (e.g. promote from staging to production).'
  static override description = 'The package is linked under its own category unless --category says otherwise.'
  static override examples = [
    '<%= config.bin %> package link hello --latest --to production',
    '<%= config.bin %> package link hello --latest production/public',
    '<%= config.bin %> package link hello --version 2.10-3 --to production --category public',
  ]
  static override args = {name: Args.string({description: 'Package name.', required: true}), section: Args.string({description: 'Where to link it: DIST or DIST/CAT (or use --to).'})}
  static override flags = {
    ...versionFlags,
    to: Flags.string({summary: 'Distribution (DIST or DIST/CAT) to link into (repeatable); same as the SECTION argument.', multiple: true}),
    category: Flags.string({char: 'c', summary: 'Category to link under (default: the package\'s own).'}),
    arch: Flags.string({summary: 'Only this architecture.'}),
    ...syncFlags, ...publishAfterFlags,
  }

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(PackageLink)
    const sections = sectionsFrom(args.section, flags.to, 'to', `raptr package link ${args.name}`)
    const archive = await this.openArchive(flags.archive)
    const {linkPackages} = await import('../../archive/packages.js')
    const {runTeamChange} = await import('../../cli/sync-flags.js')
    const {out: {result: res}, report} = await runTeamChange((m) => this.note(m), archive, flags, () => linkPackages(archive, args.name, flags, {to: sections, category: flags.category, arch: flags.arch}), sections.map((s) => s.split('/')[0]))
    if (res.linked.length === 0) this.log(`already linked in ${sections.join(', ')}; nothing to do`)
    for (const l of res.linked) this.log(`linked ${l}`)
    for (const l of report) this.log(l)
    return {snapshot: res.commit, linked: res.linked}
  }
}
