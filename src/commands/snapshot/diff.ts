import {Args, Flags} from '@oclif/core'
import {RaptrCommand} from '../../cli/base-command.js'

export default class SnapshotDiff extends RaptrCommand {
  static override summary = 'What a release changes: packages added, removed and changed between two snapshots.'
  static override description = 'Per distribution, category and architecture. Only subtrees that differ are read.'
  static override examples = [
    '<%= config.bin %> snapshot diff release-41 release-42',
    '<%= config.bin %> snapshot diff release-42 HEAD --markdown > review.md',
  ]
  static override args = {
    a: Args.string({description: 'The older snapshot (id or name).', required: true}),
    b: Args.string({description: 'The newer snapshot (id, name, or HEAD).', default: 'HEAD'}),
  }
  static override flags = {markdown: Flags.boolean({summary: 'Print Markdown, for a review.', exclusive: ['json']})}

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(SnapshotDiff)
    const archive = await this.openArchive(flags.archive)
    const {resolveSnapshot} = await import('../../archive/snapshots.js')
    const {diffSnapshots, diffMarkdown, diffText} = await import('../../snapshot/diff.js')
    const a = await resolveSnapshot(archive, args.a)
    const b = await resolveSnapshot(archive, args.b)
    const changes = await diffSnapshots(archive, a, b)
    if (flags.markdown) this.log(diffMarkdown(args.a, args.b, changes))
    else if (changes.length) this.log(diffText(changes))
    else this.note('no package changes')
    return {from: a, to: b, changes}
  }
}
