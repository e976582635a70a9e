import {Args, Flags} from '@oclif/core'
import {RaptrCommand} from '../cli/base-command.js'

export default class Verify extends RaptrCommand {
  static override summary = 'Check that published repositories are whole: files, sizes, hashes, signatures.'
  static override description = `For every live publication and every pinned snapshot on a backend: the Release files match
the publication log and their signatures verify against the published raptr.asc; every
index listed is present under each of its names with the listed SHA256; every pool file
the indexes name exists with the right size (--deep: and the right SHA256, downloading it).
--repair first finishes what an interrupted publish started (as every publish does), then
re-uploads pool files from the local blob cache (or another backend), re-renders
indexes from the archive, rewrites the pointer from the log, then checks again.
Exit status 5 when damage is found and not repaired.`
  static override strict = false
  static override examples = [
    '<%= config.bin %> verify',
    '<%= config.bin %> verify local --deep',
    '<%= config.bin %> verify eu --repair --json',
    '<%= config.bin %> verify --repair --sign-key key.asc',
  ]
  static override args = {backend: Args.string({description: 'Backends to verify (default: all).'})}
  static override flags = {
    deep: Flags.boolean({summary: 'Download every pool file and check its SHA256.'}),
    repair: Flags.boolean({summary: 'Mend what is missing or wrong, then check again.'}),
    'sign-key': Flags.string({summary: 'With --repair: key to sign what an interrupted publish left unsigned (or RAPTR_SIGNING_KEY).'}),
  }

  async run(): Promise<unknown> {
    const {argv, flags} = await this.parse(Verify)
    const archive = await this.openArchive(flags.archive)
    const {verify} = await import('../verify/verify.js')
    const {openNamedBackend} = await import('../cli/open-backend.js')
    const {signerFromFlags} = await import('../cli/signing.js')
    const signer = flags.repair && (flags['sign-key'] || process.env.RAPTR_SIGNING_KEY) ? signerFromFlags({'sign-key': flags['sign-key'], sign: true}) : undefined
    const results = await verify(archive, {backends: argv as string[], deep: flags.deep, repair: flags.repair, signer, open: openNamedBackend})
    for (const r of results) {
      const c = r.checked
      const what = `${c.publications} live publications, ${c.pinned} pinned snapshots, ${c.indexes} index files, ${c.pool} pool files`
      if (r.problems.length === 0) this.log(`${r.backend}: healthy (${what})`)
      else this.log(`${r.backend}: ${r.healthy ? 'repaired' : 'DAMAGED'} (${what})`)
      for (const p of r.problems) {
        const status = p.repaired === undefined ? '' : p.repaired ? ' [repaired]' : ' [NOT repaired]'
        const detail = [p.expected && `expected ${p.expected}`, p.actual && `got ${p.actual}`].filter(Boolean).join(', ')
        this.log(`  ${p.kind.padEnd(10)} ${p.key}${detail ? `: ${detail}` : ''}${status}`)
      }
    }
    const damaged = results.filter((r) => !r.healthy)
    if (damaged.length) {
      const {RaptrError} = await import('../errors.js')
      const n = damaged.reduce((k, r) => k + r.problems.filter((p) => !p.repaired).length, 0)
      const err = new RaptrError(
        'DAMAGE_FOUND',
        `${n} problems on ${damaged.map((r) => r.backend).join(', ')}`,
        flags.repair ? 'what is left needs a publish: raptr publish BACKEND --force (or --full-check)' : 'mend it with: raptr verify --repair',
        {results},
      )
      if (this.jsonEnabled()) {
        process.exitCode = 5
        return {results, error: err.toJSON()}
      }
      throw err
    }
    return {results}
  }
}
