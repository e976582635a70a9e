import path from 'node:path'
import {Args, Flags} from '@oclif/core'
import {RaptrCommand} from '../../cli/base-command.js'
import {syncFlags} from '../../cli/sync-flags.js'

export default class MirrorAdd extends RaptrCommand {
  static override summary = 'Record an upstream APT repository that a distribution follows (aptly mirror create).'
  static override description = `The mirror is recorded in the archive (mirrors/NAME.json, shared like every setting);
raptr mirror update NAME then brings DIST to exactly what the upstream offers, or what
--filter selects of it (aptly's filter language: 'Priority (required) | nginx',
'Name (% lib*-dev)', 'hello (>= 2.0)', '$Architecture (amd64), !Section (debug)').
--follow-dependencies adds what Depends and Pre-Depends of the selected packages need,
as aptly's -filter-with-deps does.`
  static override examples = [
    '<%= config.bin %> mirror add bookworm https://deb.debian.org/debian bookworm --to bookworm --component main --architectures amd64',
    "<%= config.bin %> mirror add nginx http://nginx.org/packages/debian bookworm --to web --filter 'nginx' --follow-dependencies --keyring nginx.gpg",
  ]
  static override args = {
    name: Args.string({description: 'Mirror name.', required: true}),
    url: Args.string({description: 'The repository root (the directory holding dists/ and pool/).', required: true}),
    suite: Args.string({description: 'The suite or codename to follow (dists/SUITE).', required: true}),
  }
  static override flags = {
    to: Flags.string({summary: 'The distribution that follows the upstream (created by the first update).', required: true}),
    component: Flags.string({summary: 'Follow only this component (repeatable; default every one).', multiple: true}),
    architectures: Flags.string({summary: 'Comma-separated architectures (default every one the Release lists).'}),
    filter: Flags.string({summary: "Only packages this aptly filter selects, e.g. 'Priority (required) | nginx'."}),
    'follow-dependencies': Flags.boolean({summary: 'Also take what Depends and Pre-Depends of the selection need (aptly -filter-with-deps).'}),
    'with-sources': Flags.boolean({summary: 'Also mirror source packages (aptly -with-sources).'}),
    'with-udebs': Flags.boolean({summary: 'Also mirror installer packages, .udeb (aptly -with-udebs).'}),
    keyring: Flags.string({summary: 'Require InRelease signed by a key of this keyring (its path is recorded, never the keys).'}),
    ...syncFlags,
  }

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(MirrorAdd)
    const archive = await this.openArchive(flags.archive)
    const {addMirror} = await import('../../archive/mirrors.js')
    const {runTeamChange} = await import('../../cli/sync-flags.js')
    const settings = {
      url: args.url,
      suite: args.suite,
      distribution: flags.to,
      components: flags.component,
      architectures: flags.architectures?.split(',').map((a) => a.trim()).filter(Boolean),
      filter: flags.filter,
      followDependencies: flags['follow-dependencies'],
      withSources: flags['with-sources'],
      withUdebs: flags['with-udebs'],
      keyring: flags.keyring === undefined ? undefined : path.resolve(flags.keyring),
    }
    const {out: {result: res}} = await runTeamChange((m) => this.note(m), archive, flags, () => addMirror(archive, args.name, settings))
    this.log(res.created ? `added mirror ${args.name}: ${args.url} ${args.suite} → ${flags.to}; run: raptr mirror update ${args.name}` : `mirror ${args.name} unchanged`)
    return {name: args.name, created: res.created, snapshot: res.commit}
  }
}
