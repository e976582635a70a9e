import {RaptrCommand} from '../cli/base-command.js'

export default class Checkout extends RaptrCommand {
  static override summary = "Write the archive's files into its directory, for reading them or using git by hand."
  static override description = `raptr keeps an archive in git objects only: add, publish and every other command
write commits and move the branch, never files beside .git, so an archive has no work tree
until one is asked for. checkout writes the current snapshot's files (raptr.json, dists/,
packages/, …) into the archive directory and makes git's index match, overwriting files
changed by hand. From then on every raptr commit keeps them current, so git status, git
diff, git commit and git pull work as in any repository (at some cost per commit). Run it
again to restore the files after editing them.`
  static override examples = ['<%= config.bin %> checkout', '<%= config.bin %> checkout --archive repo --json']

  async run(): Promise<{archive: string; snapshot: string}> {
    const {flags} = await this.parse(Checkout)
    const archive = await this.openArchive(flags.archive)
    const snapshot = await archive.checkout()
    this.log(`wrote the work tree of ${snapshot.slice(0, 12)} into ${archive.dir}`)
    return {archive: archive.dir, snapshot}
  }
}
