import {Args, Flags} from '@oclif/core'
import {RaptrCommand} from '../../cli/base-command.js'
import type {LogEntry} from '../../core/event-log.js'

export default class PackageHistory extends RaptrCommand {
  static override summary = 'Every event that touched a package, oldest first: added, linked, moved, unlinked, removed, in bundles.'
  static override description =
    'Reads the archive history (raptr log --package NAME, oldest first). Bulk events are narrowed to NAME. --json prints one object per event, in the schema of raptr log --json (docs/usage.md, Events).'
  static override examples = ['<%= config.bin %> package history hello', '<%= config.bin %> package history hello --distribution production --json']
  static override args = {name: Args.string({description: 'Package name (source packages by their source name).', required: true})}
  static override flags = {
    distribution: Flags.string({summary: 'Only events in this distribution (repeatable, or a comma list).', multiple: true}),
  }

  async run(): Promise<LogEntry[]> {
    const {args, flags} = await this.parse(PackageHistory)
    const {validatePackageName} = await import('../../core/names.js')
    validatePackageName(args.name)
    const archive = await this.openArchive(flags.archive)
    const {commitEntries} = await import('../../core/event-log.js')
    const {eventFilter, oneLine} = await import('../../cli/event-filter.js')
    const filter = eventFilter({package: [args.name], distribution: flags.distribution})
    const out = (await archive.log()).reverse().flatMap((c) => commitEntries(c, filter))
    for (const e of out) this.log(oneLine(e))
    if (out.length === 0) this.note(`no event touched ${args.name}${flags.distribution ? ` in ${flags.distribution.join(', ')}` : ''}`)
    return out
  }
}
