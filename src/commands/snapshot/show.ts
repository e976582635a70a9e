import {Args} from '@oclif/core'
import {RaptrCommand} from '../../cli/base-command.js'

export default class SnapshotShow extends RaptrCommand {
  static override summary = 'Show a snapshot: when, what changed, what each distribution holds, where it is published and pinned.'
  static override examples = ['<%= config.bin %> snapshot show release-42', '<%= config.bin %> snapshot show 3f1c2a9b7d4e --json']
  static override args = {id: Args.string({description: 'Snapshot id or name.', required: true})}

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(SnapshotShow)
    const archive = await this.openArchive(flags.archive)
    const {describeSnapshot} = await import('../../archive/snapshots.js')
    const d = await describeSnapshot(archive, args.id)
    this.log(`snapshot ${d.id}${d.names.length ? ` (${d.names.join(', ')})` : ''}`)
    this.log(`date     ${d.date}`)
    this.log(`author   ${d.author}`)
    this.log(`event    ${d.message.split('\n')[0]}`)
    for (const x of d.distributions) this.log(`  ${x.name}: ${x.packages} packages in ${x.categories.join(', ') || 'no categories'} (${x.architectures.join(', ')})`)
    for (const p of d.published) this.log(`  published to ${p.backend}/${p.distribution} (seq ${p.seq}, ${p.date})`)
    for (const p of d.pins) this.log(`  pinned on ${p.backend}/${p.distribution} (${p.date})`)
    return d
  }
}
