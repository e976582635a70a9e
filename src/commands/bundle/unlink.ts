import {Args, Flags} from '@oclif/core'
import {RaptrCommand, versionFlags} from '../../cli/base-command.js'
import {publishAfterFlags, syncFlags} from '../../cli/sync-flags.js'
import {sectionsFrom} from '../../cli/sections.js'

export default class BundleUnlink extends RaptrCommand {
  static override summary = 'Unlink every package of a bundle from distributions.'
  static override examples = ['<%= config.bin %> bundle unlink hello --version 2.10-3 --from production', '<%= config.bin %> bundle unlink hello --all staging']
  static override args = {alias: Args.string({description: 'Bundle name.', required: true}), section: Args.string({description: 'Where to unlink it from: DIST or DIST/CAT (or use --from).'})}
  static override flags = {
    ...versionFlags,
    from: Flags.string({summary: 'Distribution (DIST or DIST/CAT) to unlink from (repeatable); same as the SECTION argument.', multiple: true}),
    ...syncFlags, ...publishAfterFlags,
  }

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(BundleUnlink)
    const sections = sectionsFrom(args.section, flags.from, 'from', `raptr bundle unlink ${args.alias}`)
    const archive = await this.openArchive(flags.archive)
    const {unlinkBundle} = await import('../../archive/bundles.js')
    const {runTeamChange} = await import('../../cli/sync-flags.js')
    const {out: {result: res}, report} = await runTeamChange((m) => this.note(m), archive, flags, () => unlinkBundle(archive, args.alias, flags, {from: sections}), sections.map((s) => s.split('/')[0]))
    if (res.nothing) this.log(`${res.nothing}; nothing to do`)
    for (const l of res.unlinked) this.log(`unlinked ${l}`)
    for (const l of report) this.log(l)
    return {snapshot: res.commit, unlinked: res.unlinked, ...(res.nothing ? {nothing: res.nothing} : {})}
  }
}
