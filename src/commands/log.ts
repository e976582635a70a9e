import {Flags} from '@oclif/core'
import {RaptrCommand} from '../cli/base-command.js'

export default class Log extends RaptrCommand {
  static override summary = 'Show the archive history: one entry per change, newest first.'
  static override description = 'Each entry is a snapshot: its id can be given to publish, pin, rollback and snapshot diff.'
  static override examples = ['<%= config.bin %> log', '<%= config.bin %> log -n 5 --json']
  static override flags = {
    max: Flags.integer({char: 'n', summary: 'Show at most this many entries.'}),
  }

  async run(): Promise<Array<{id: string; date: string; author: string; message: string}>> {
    const {flags} = await this.parse(Log)
    const archive = await this.openArchive(flags.archive)
    const entries = await archive.log(undefined, flags.max)
    const out = entries.map((c) => ({id: c.id, date: new Date(c.timestamp * 1000).toISOString(), author: c.author, message: c.message}))
    for (const e of out) {
      const [subject, ...body] = e.message.split('\n')
      this.log(`${e.id.slice(0, 12)}  ${e.date}  ${subject}`)
      for (const l of body) if (l.trim()) this.log(`${' '.repeat(14)}${l}`)
    }
    return out
  }
}
