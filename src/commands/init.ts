import {Args} from '@oclif/core'
import {RaptrCommand} from '../cli/base-command.js'

export default class Init extends RaptrCommand {
  static override summary = 'Create an archive: a git repository that holds every snapshot.'
  static override description = `Creates DIR (default: the current directory) as a raptr archive. Every command that
changes the archive makes one git commit, so "git log" is its history and a team shares it
with git push and git pull. Running init on an existing archive changes nothing.`
  static override examples = ['<%= config.bin %> init repo', '<%= config.bin %> init']
  static override args = {dir: Args.string({description: 'Where to create the archive.', default: '.'})}

  async run(): Promise<{archive: string; created: boolean; snapshot?: string}> {
    const {args} = await this.parse(Init)
    const {Archive} = await import('../store/archive.js')
    const {initialArchiveFiles} = await import('../archive/settings.js')
    const {archive, created} = await Archive.init(args.dir, initialArchiveFiles())
    const snapshot = await archive.head()
    this.log(created ? `created archive in ${archive.dir}` : `${archive.dir} is already an archive; nothing changed`)
    return {archive: archive.dir, created, snapshot}
  }
}
