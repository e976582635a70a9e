import {Args, Flags} from '@oclif/core'
import {RaptrCommand, versionFlags} from '../../cli/base-command.js'
import {publishAfterFlags, syncFlags} from '../../cli/sync-flags.js'

export default class PackageMove extends RaptrCommand {
  static override summary = 'Move packages from one distribution to another, in one commit.'
  static override description = `Each version of NAME linked in --from is linked in --to (under the same category, unless
--to is DIST/CAT) and unlinked from --from. --version, --latest (of each architecture)
or --all narrow which versions move; by default every version linked in --from moves.
A package not linked in --from is nothing to do.`
  static override strict = false
  static override examples = [
    '<%= config.bin %> package move hello hello-doc --from staging --to production',
    '<%= config.bin %> package move hello --latest --from staging --to production/public',
  ]
  static override args = {name: Args.string({description: 'Package names (several may be given).', required: true})}
  static override flags = {
    ...versionFlags,
    from: Flags.string({summary: 'Distribution to move from (DIST or DIST/CAT).', required: true}),
    to: Flags.string({summary: 'Distribution to move to (DIST or DIST/CAT).', required: true}),
    arch: Flags.string({summary: 'Only this architecture.'}),
    ...syncFlags, ...publishAfterFlags,
  }

  async run(): Promise<unknown> {
    const {argv, flags} = await this.parse(PackageMove)
    const archive = await this.openArchive(flags.archive)
    const {movePackages} = await import('../../archive/package-info.js')
    const {runTeamChange} = await import('../../cli/sync-flags.js')
    const {out: {result: res}, report} = await runTeamChange((m) => this.note(m), archive, flags, () => movePackages(archive, argv as string[], flags, {from: flags.from, to: flags.to, arch: flags.arch}), [flags.from, flags.to].map((s) => s.split('/')[0]))
    for (const m of res.moved) this.log(`moved ${m}`)
    for (const n of res.nothing) this.log(`${n}; nothing to do`)
    for (const l of report) this.log(l)
    return {snapshot: res.commit, moved: res.moved, nothing: res.nothing}
  }
}
