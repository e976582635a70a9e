import {Args, Flags} from '@oclif/core'
import {RaptrCommand, table} from '../../cli/base-command.js'

export default class PackageSearch extends RaptrCommand {
  static override summary = 'Find packages by name (a glob or /regex/), field values, or an aptly filter.'
  static override description = `QUERY matches package names: a shell glob (lib*-dev, hello?) matches the whole name, a
regular expression between slashes (/^lib.*-dev$/) any part of it. --field F=VALUE
matches a field of the Packages or Sources stanza the same way, ignoring case; several
must all match. --filter EXPR takes aptly's filter language, as mirrors do
('Priority (required) | nginx', 'hello (>= 2.0), $Architecture (amd64)'); with it,
QUERY may be left out. Everything given must match.`
  static override examples = [
    "<%= config.bin %> package search 'lib*'",
    "<%= config.bin %> package search '/-dev$/' --distribution production",
    "<%= config.bin %> package search '*' --field 'Maintainer=*acme*' --json",
    "<%= config.bin %> package search --filter 'Name (% lib*), Version (>= 2.0) | Priority (required)'",
  ]
  static override args = {query: Args.string({description: 'Name glob or /regex/ (default every name when --filter is given).'})}
  static override flags = {
    field: Flags.string({char: 'f', summary: 'FIELD=VALUE (glob or /regex/, ignoring case); repeatable.', multiple: true}),
    filter: Flags.string({summary: "An aptly filter, e.g. 'Priority (required) | nginx (>= 1.20)'."}),
    distribution: Flags.string({char: 'd', summary: 'Only packages linked in this distribution (DIST or DIST/CAT).'}),
  }

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(PackageSearch)
    if (args.query === undefined && flags.filter === undefined) {
      const {RaptrError} = await import('../../errors.js')
      throw new RaptrError('USAGE', 'missing argument QUERY (or --filter EXPR)', "e.g. raptr package search 'lib*', or raptr package search --filter 'Priority (required)'")
    }
    const archive = await this.openArchive(flags.archive)
    const {searchPackages} = await import('../../archive/package-info.js')
    const hits = await searchPackages(await archive.view(), {query: args.query, fields: flags.field, distribution: flags.distribution, filter: flags.filter})
    const out = table(hits.map((h) => ({...h, linked: h.linked.join(',')})), ['name', 'version', 'architecture', 'linked', 'description'])
    if (out) this.log(out)
    else this.note('no package matches')
    return hits
  }
}
