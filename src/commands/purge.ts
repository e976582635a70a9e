import {Args, Flags} from '@oclif/core'
import {RaptrCommand} from '../cli/base-command.js'
import {syncFlags} from '../cli/sync-flags.js'
import {formatBytes} from '../cli/format/bytes.js'

export default class Purge extends RaptrCommand {
  static override summary = 'Delete what no retained snapshot needs from backends (or the local blob cache).'
  static override description = `Keeps every live publication, every named snapshot (raptr snapshot create), the last N
published snapshots of each distribution, those newer than --keep-days, and anything
younger than the grace period (a publish running elsewhere may have just uploaded it).
Deletes whole pinned snapshot directories (Release files first), by-hash indexes, then pool
files no kept publication references. The live pointer, canonical index names and the
publication log are never deleted. Takes the backend's purge lease (raptr/lease.json).
Defaults come from raptr.json: retention.keepLast, retention.graceHours.
--local purges the local blob cache (.git/raptr/blobs) instead.`
  static override strict = false
  static override examples = [
    '<%= config.bin %> purge --dry-run',
    '<%= config.bin %> purge local --keep-last 3 --grace 6h',
    '<%= config.bin %> purge eu us --keep-days 30 --json',
    '<%= config.bin %> purge --local --grace 0',
  ]
  static override args = {backend: Args.string({description: 'Backends to purge (default: all).'})}
  static override flags = {
    'keep-last': Flags.integer({summary: 'Keep the last N published snapshots of each distribution (default: raptr.json retention.keepLast).', min: 1}),
    'keep-days': Flags.integer({summary: 'Also keep every publication newer than D days.', min: 0}),
    grace: Flags.string({summary: 'Keep objects younger than this: 6h, 30m, 2d, 0 (default: raptr.json retention.graceHours).'}),
    'dry-run': Flags.boolean({summary: 'Print what would be deleted and write nothing.'}),
    local: Flags.boolean({summary: 'Purge the local blob cache instead of backends.'}),
    ...syncFlags,
  }

  async run(): Promise<unknown> {
    const {argv, flags} = await this.parse(Purge)
    const archive = await this.openArchive(flags.archive)
    const {parseDuration} = await import('../purge/retention.js')
    const graceMs = flags.grace === undefined ? undefined : parseDuration(flags.grace)
    const verb = flags['dry-run'] ? 'would delete' : 'deleted'
    if (flags.local) {
      if (argv.length) {
        const {RaptrError} = await import('../errors.js')
        throw new RaptrError('BAD_ARGUMENT', '--local purges the local blob cache and takes no backend', 'run purge --local and purge BACKEND separately')
      }
      const {purgeLocal} = await import('../purge/local.js')
      const res = await purgeLocal(archive, {graceMs, dryRun: flags['dry-run']})
      this.log(`local blob cache: ${verb} ${res.removed.objects} blobs (${formatBytes(res.removed.bytes)}); kept ${res.kept.objects} referenced by ${res.retainedSnapshots} snapshots, ${res.keptYoung.objects} younger than the grace period`)
      if (flags['dry-run']) for (const cid of res.blobs) this.log(`  delete ${cid}`)
      return res
    }
    const {purge} = await import('../purge/execute.js')
    const {openNamedBackend} = await import('../cli/open-backend.js')
    const {syncAfter, syncBefore} = await import('../cli/sync-flags.js')
    // What is kept (named snapshots, recorded publications) is what the whole team has.
    await syncBefore(archive, flags, (m) => this.note(m))
    const bars = await this.progress()
    const results = await purge(archive, {
      backends: argv as string[],
      keepLast: flags['keep-last'],
      keepDays: flags['keep-days'],
      graceMs,
      dryRun: flags['dry-run'],
      open: openNamedBackend,
      onProgress: bars.active ? bars.task('deleting') : undefined,
    }).finally(() => bars.stop())
    for (const r of results) {
      const t = r.totals
      if (r.leaseTakenOver) this.note(`${r.backend}: took over an expired purge lease`)
      this.log(`${r.backend}: ${verb} ${t.all.objects} objects (${formatBytes(t.all.bytes)}): ${t.pinned.dirs} pinned snapshots (${t.pinned.objects} files), ${t.byHash.objects} by-hash indexes (${formatBytes(t.byHash.bytes)}), ${t.pool.objects} pool files (${formatBytes(t.pool.bytes)})`)
      this.log(`  kept ${r.retained.length} publications; ${r.keptYoung.objects} unreferenced objects younger than the grace period`)
      if (r.deleted.roots.length) this.log(`  ${flags['dry-run'] ? 'would remove' : 'removed'} ${r.deleted.roots.length} snapshot root links (apt --snapshot)`)
      if (flags['dry-run']) {
        for (const k of r.deleted.roots) this.log(`  delete ${k} (link)`)
        for (const p of r.retained) this.log(`  keep   ${p.distribution} snapshots/${p.pinned} (seq ${p.seq}: ${p.reasons.join(', ')})`)
        for (const d of r.deleted.pinned) this.log(`  delete ${d}/ (Release files first)`)
        for (const k of r.deleted.byHash) this.log(`  delete ${k}`)
        for (const k of r.deleted.pool) this.log(`  delete ${k}`)
      }
    }
    if (!flags['dry-run']) await syncAfter(archive, flags, (m) => this.note(m))
    return results
  }
}
