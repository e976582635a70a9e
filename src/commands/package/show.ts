import {Args, Flags} from '@oclif/core'
import {RaptrCommand} from '../../cli/base-command.js'

export default class PackageShow extends RaptrCommand {
  static override summary = 'Show everything about a package: every field, where it is linked, its pool path, CID and size.'
  static override description = 'Every version and architecture of NAME, or those --version and --arch select (as apt-cache show does).'
  static override examples = ['<%= config.bin %> package show hello', '<%= config.bin %> package show hello --version 2.10-3 --arch amd64 --json']
  static override args = {name: Args.string({description: 'Package name (source packages by their source name).', required: true})}
  static override flags = {
    version: Flags.string({summary: 'Only this version.'}),
    arch: Flags.string({summary: 'Only this architecture (source packages: "source").'}),
    snapshot: Flags.string({summary: 'Read this snapshot instead of the current state.'}),
  }

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(PackageShow)
    const archive = await this.openArchive(flags.archive)
    const {showPackage} = await import('../../archive/package-info.js')
    const {resolveSnapshot} = await import('../../archive/snapshots.js')
    const commit = flags.snapshot ? await resolveSnapshot(archive, flags.snapshot) : undefined
    const list = await showPackage(await archive.view(commit), args.name, {version: flags.version, arch: flags.arch})
    const blocks = list.map((p) => {
      const lines = Object.entries(p.fields).map(([k, v]) => `${k}: ${v.replace(/\n/g, '\n ')}`)
      lines.push(`Raptr-Category: ${p.category}`, `Raptr-Linked: ${p.linked.join(', ') || '(nowhere)'}`, `Raptr-File: ${p.fileName}`)
      for (const f of p.files) lines.push(`Raptr-Pool: ${f.pool} ${f.size} ${f.cid}`)
      return lines.join('\n')
    })
    this.log(blocks.join('\n\n'))
    return list
  }
}
