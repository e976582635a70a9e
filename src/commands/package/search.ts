import {Args, Flags} from '@oclif/core'
import {RaptrCommand, table} from '../../cli/base-command.js'

export default class PackageSearch extends RaptrCommand {
  static override summary = 'Find packages by name (a glob or /regex/) and field values.'
  static override description = `QUERY matches package names: a shell glob (lib*-dev, hello?) matches the whole name, a
regular expression between slashes (/^lib.*-dev$/) any part of it. --field F=VALUE
matches a field of the Packages or Sources stanza the same way, ignoring case; several
must all match.`
  static override examples = [
    "<%= config.bin %> package search 'lib*'",
    "<%= config.bin %> package search '/-dev$/' --distribution production",
    "<%= config.bin %> package search '*' --field 'Maintainer=*acme*' --json",
  ]
  static override args = {query: Args.string({description: 'Name glob or /regex/.', required: true})}
  static override flags = {
    field: Flags.string({char: 'f', summary: 'FIELD=VALUE (glob or /regex/, ignoring case); repeatable.', multiple: true}),
    distribution: Flags.string({char: 'd', summary: 'Only packages linked in this distribution (DIST or DIST/CAT).'}),
  }

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(PackageSearch)
    const archive = await this.openArchive(flags.archive)
    const {searchPackages} = await import('../../archive/package-info.js')
    const hits = await searchPackages(await archive.view(), {query: args.query, fields: flags.field, distribution: flags.distribution})
    const out = table(hits.map((h) => ({...h, linked: h.linked.join(',')})), ['name', 'version', 'architecture', 'linked', 'description'])
    if (out) this.log(out)
    else this.note('no package matches')
    return hits
  }
}
