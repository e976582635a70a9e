import {Args} from '@oclif/core'
import {RaptrCommand} from '../cli/base-command.js'

export default class Clone extends RaptrCommand {
  static override summary = 'Clone a shared archive and turn sync on for it.'
  static override description = `Clones the archive at URL with git (a path, file://, ssh, or https with your own
credential helper) into DIR (default: the URL's last part) and turns sync on for this
clone only (.git/raptr/local.json; the shared raptr.json is not changed): from then on
every command that changes it fetches and merges the remote first and pushes after, and
publish syncs before publishing. --no-sync turns it off for one command. The branch is the
one the remote's HEAD names, else its only branch; an empty remote (git init --bare,
nothing pushed yet) gives a new archive whose first push creates the branch. The blob cache
is not cloned: pool files are fetched from the backends when needed.`
  static override examples = [
    '<%= config.bin %> clone git@git.example.org:acme/apt-archive.git',
    '<%= config.bin %> clone https://git.example.org/acme/apt-archive.git archive',
    '<%= config.bin %> clone /srv/git/apt.git repo && cd repo && <%= config.bin %> package add build/ -c main --link staging --publish',
  ]
  static override args = {
    url: Args.string({description: 'The archive\'s git remote.', required: true}),
    dir: Args.string({description: 'Where to put the clone (default: the last part of URL).'}),
  }

  async run(): Promise<{archive: string; snapshot?: string; sync: true}> {
    const {args} = await this.parse(Clone)
    const {cloneArchive} = await import('../team/clone.js')
    const {archive, empty} = await cloneArchive(args.url, args.dir, process.cwd())
    const snapshot = await archive.head()
    // A git remote's credentials are git's business, but raptr never prints them.
    const {redactUrl} = await import('../backends/url.js')
    this.log(empty ? `${redactUrl(args.url)} is empty: a new archive in ${archive.dir} will push to it (sync on)` : `cloned ${redactUrl(args.url)} into ${archive.dir} (sync on)`)
    return {archive: archive.dir, snapshot, sync: true}
  }
}
