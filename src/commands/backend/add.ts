import {Args, Flags} from '@oclif/core'
import {RaptrCommand} from '../../cli/base-command.js'
import {syncFlags} from '../../cli/sync-flags.js'

export default class BackendAdd extends RaptrCommand {
  static override summary = 'Add a place to publish to: a directory (file:///dir) or an S3 bucket (s3://bucket/prefix).'
  static override description = `The backend is recorded in the archive (so the team shares it); credentials never are:
S3 credentials come from the AWS SDK's default chain (environment, profiles, instance roles).
Adding a backend of the same name again updates its settings.`
  static override examples = [
    '<%= config.bin %> backend add local file:///srv/apt',
    '<%= config.bin %> backend add eu s3://acme-apt-eu/debian --region eu-west-1',
    '<%= config.bin %> backend add test s3://apt/debian --endpoint http://127.0.0.1:7480 --path-style',
  ]
  static override args = {
    name: Args.string({description: 'Backend name.', required: true}),
    url: Args.string({description: 'file:///absolute/dir or s3://bucket/prefix.', required: true}),
  }
  static override flags = {
    region: Flags.string({summary: 'S3 region.'}),
    endpoint: Flags.string({summary: 'S3-compatible endpoint URL.'}),
    'path-style': Flags.boolean({summary: 'Address the bucket in the URL path (most S3-compatible servers).'}),
    sse: Flags.string({summary: 'Server-side encryption.', options: ['AES256', 'aws:kms']}),
    'storage-class': Flags.string({summary: 'S3 storage class for pool files (STANDARD, STANDARD_IA, …).'}),
    acl: Flags.string({summary: 'Canned ACL for uploaded objects.', options: ['public-read', 'private']}),
    'cache-control': Flags.string({summary: 'Cache-Control for the pointer files (Release, InRelease).'}),
    'public-url': Flags.string({summary: 'The URL apt clients use, when it differs (a CDN in front of the bucket).'}),
    ...syncFlags,
  }

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(BackendAdd)
    const archive = await this.openArchive(flags.archive)
    const {addBackend} = await import('../../archive/backends.js')
    const {runTeamChange} = await import('../../cli/sync-flags.js')
    const {out: {result: res}} = await runTeamChange((m) => this.note(m), archive, flags, () => addBackend(archive, args.name, {
      url: args.url,
      region: flags.region,
      endpoint: flags.endpoint,
      pathStyle: flags['path-style'] || undefined,
      sse: flags.sse as 'AES256' | 'aws:kms' | undefined,
      storageClass: flags['storage-class'],
      acl: flags.acl as 'public-read' | 'private' | undefined,
      cacheControl: flags['cache-control'],
      publicUrl: flags['public-url'],
    }))
    this.log(res.commit ? `${res.created ? 'added' : 'updated'} backend ${args.name} (${res.url})` : `backend ${args.name} unchanged`)
    return {name: args.name, url: res.url, created: res.created, snapshot: res.commit}
  }
}
