import {Args, Flags} from '@oclif/core'
import {RaptrCommand} from '../cli/base-command.js'
import {syncFlags} from '../cli/sync-flags.js'
import {httpFlags, httpTimeouts} from '../cli/http-flags.js'

export default class Import extends RaptrCommand {
  static override summary = 'Bring a published APT repository (aptly, reprepro, deb-s3, a Debian mirror) into a distribution.'
  static override description = `Reads dists/SUITE/InRelease (verified when --keyring is given; Release when unsigned), the
Packages and Sources of each component and architecture (checked against the Release's
SHA256), then downloads every pool file not yet in the distribution (streamed to disk, --jobs
at a time, checked by size and SHA256) and adds them in one commit. Each component becomes
the category of the same name, linked to DIST; DIST and the categories are created when
missing. Running it again adds only what is new.

The Release's Origin, Label, Suite, Codename, Version, Description, NotAutomatic,
ButAutomaticUpgrades and Acquire-By-Hash become DIST's settings when the import creates it,
so publishing DIST at the old URL is accepted by every apt that read the old repository. An
existing DIST keeps its own values: the output names the fields that differ (change them
with raptr distribution set, or import again with --carry-fields). Date, Valid-Until and
Signed-By are not carried: raptr writes its own at each publish.

URL: http(s)://, file:// or a directory, s3://BUCKET/PREFIX (AWS credential chain; with
--endpoint, --region, --path-style for S3-compatible servers), or a backend's name. The
source is only read: it never becomes a backend.`
  static override examples = [
    '<%= config.bin %> import https://deb.example.org/debian stable --to production',
    '<%= config.bin %> import file:///srv/reprepro bookworm --to bookworm --component main --architectures amd64',
    '<%= config.bin %> import s3://old-bucket/apt stable --to production --keyring old-signing.gpg --region eu-west-1',
    '<%= config.bin %> import s3://old/apt stable --to stable --endpoint http://127.0.0.1:9000 --path-style --jobs 8',
  ]
  static override args = {
    url: Args.string({description: 'The repository root (the directory holding dists/ and pool/).', required: true}),
    suite: Args.string({description: 'The suite or codename to read (dists/SUITE).', required: true}),
  }
  static override flags = {
    to: Flags.string({summary: 'The distribution to import into (created when missing).', required: true}),
    component: Flags.string({summary: 'Import only this component (repeatable; default every one).', multiple: true}),
    architectures: Flags.string({summary: 'Comma-separated architectures to import (default every one the Release lists).'}),
    keyring: Flags.string({summary: 'Require InRelease signed by a key of this keyring (OpenPGP public keys, binary or armored).'}),
    ...httpFlags,
    jobs: Flags.integer({summary: 'Pool files downloaded at once (default 4).', min: 1, max: 64}),
    'carry-fields': Flags.boolean({summary: 'Overwrite an existing distribution\'s Origin, Label, Suite, Codename, Version, Description, NotAutomatic, ButAutomaticUpgrades with the upstream Release\'s.'}),
    endpoint: Flags.string({summary: 's3:// sources: an S3-compatible endpoint, e.g. http://127.0.0.1:9000.'}),
    region: Flags.string({summary: 's3:// sources: the bucket\'s region (default AWS_REGION, else us-east-1).'}),
    'path-style': Flags.boolean({summary: 's3:// sources: address the bucket in the path (most S3-compatible servers).'}),
    ...syncFlags,
  }

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(Import)
    const archive = await this.openArchive(flags.archive)
    const {importRepository} = await import('../import/import.js')
    const {repositorySource} = await import('../import/source.js')
    const {listBackends} = await import('../archive/backends.js')
    const {openNamedBackend} = await import('../cli/open-backend.js')
    const timeouts = await httpTimeouts(flags)
    const {checkRegion} = await import('../backends/url.js')
    const s3 = {endpoint: flags.endpoint, region: flags.region === undefined ? undefined : checkRegion(flags.region, '--region'), pathStyle: flags['path-style']}
    const source = await repositorySource(args.url, {backends: await listBackends(await archive.view()), open: openNamedBackend, timeouts, s3})
    // Progress only at a terminal (bars); a pipe or a log gets the result alone.
    const bars = await this.progress()
    const {runTeamChange} = await import('../cli/sync-flags.js')
    const {out: {result: res}} = await runTeamChange((m) => this.note(m), archive, flags, () => importRepository(archive, source, args.suite, {
      to: flags.to,
      components: flags.component,
      architectures: flags.architectures?.split(',').map((a) => a.trim()).filter(Boolean),
      keyring: flags.keyring,
      jobs: flags.jobs,
      carryFields: flags['carry-fields'],
      onProgress: (p) => {
        if (!bars.active) return
        if (p.phase !== 'add') bars.task(p.phase === 'indexes' ? 'reading indexes' : 'downloading')(p.done, p.total)
        else bars.stop()
      },
    })).finally(() => bars.stop())
    const added = res.packages.filter((p) => p.status !== 'unchanged' || p.linked.length > 0).length
    const {formatImport} = await import('../cli/format/import.js')
    for (const line of formatImport(res, added)) this.log(line)
    return {snapshot: res.commit, ...res}
  }
}
