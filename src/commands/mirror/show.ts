import {Args} from '@oclif/core'
import {RaptrCommand} from '../../cli/base-command.js'

export default class MirrorShow extends RaptrCommand {
  static override summary = "Show a mirror's settings."
  static override examples = ['<%= config.bin %> mirror show bookworm', '<%= config.bin %> mirror show bookworm --json']
  static override args = {name: Args.string({description: 'Mirror name.', required: true})}

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(MirrorShow)
    const archive = await this.openArchive(flags.archive)
    const {requireMirror} = await import('../../archive/mirrors.js')
    const m = await requireMirror(await archive.view(), args.name)
    const rows: Array<[string, string | undefined]> = [
      ['name', m.name],
      ['url', m.url],
      ['suite', m.suite],
      ['distribution', m.distribution],
      ['components', m.components?.join(', ') ?? '(every one)'],
      ['architectures', m.architectures?.join(', ') ?? '(every one)'],
      ['filter', m.filter ?? '(none: every package)'],
      ['follow dependencies', m.followDependencies ? 'yes' : 'no'],
      ['with sources', m.withSources ? 'yes' : 'no'],
      ['with udebs', m.withUdebs ? 'yes' : 'no'],
      ['keyring', m.keyring ?? '(none: unsigned accepted)'],
    ]
    this.log(rows.map(([k, v]) => `${`${k}:`.padEnd(21)}${v}`).join('\n'))
    return m
  }
}
