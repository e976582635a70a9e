import {Args} from '@oclif/core'
import {RaptrCommand} from '../../cli/base-command.js'

export default class SnapshotShow extends RaptrCommand {
  static override summary = 'Show a snapshot: when, what changed, what each distribution holds, where it is published.'
  static override examples = ['<%= config.bin %> snapshot show release-42', '<%= config.bin %> snapshot show 3f1c2a9b7d4e --json']
  static override args = {id: Args.string({description: 'Snapshot id or name.', required: true})}

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(SnapshotShow)
    const archive = await this.openArchive(flags.archive)
    const {resolveSnapshot, listNamedSnapshots} = await import('../../archive/snapshots.js')
    const {listDistributions} = await import('../../archive/distributions.js')
    const {listPackages} = await import('../../archive/packages.js')
    const {listPublications} = await import('../../archive/publications.js')
    const commit = await resolveSnapshot(archive, args.id)
    const info = await archive.readCommit(commit)
    const view = await archive.view(commit)
    const distributions = []
    for (const d of await listDistributions(view)) {
      const pkgs = await listPackages(view, {distribution: d.name})
      distributions.push({name: d.name, categories: d.categories, architectures: d.architectures, packages: pkgs.length})
    }
    const current = await archive.view()
    const names = (await listNamedSnapshots(current)).filter((s) => s.commit === commit).map((s) => s.name)
    const published = (await listPublications(current)).filter((p) => p.snapshot === commit)
    this.log(`snapshot ${commit}${names.length ? ` (${names.join(', ')})` : ''}`)
    this.log(`date     ${new Date(info.timestamp * 1000).toISOString()}`)
    this.log(`author   ${info.author}`)
    this.log(`event    ${info.message.split('\n')[0]}`)
    for (const d of distributions) this.log(`  ${d.name}: ${d.packages} packages in ${d.categories.join(', ') || 'no categories'} (${d.architectures.join(', ')})`)
    for (const p of published) this.log(`  published to ${p.backend}/${p.distribution} (seq ${p.seq}, ${p.date})`)
    return {id: commit, names, date: new Date(info.timestamp * 1000).toISOString(), author: info.author, message: info.message, distributions, published}
  }
}
