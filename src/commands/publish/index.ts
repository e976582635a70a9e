import {Args, Flags} from '@oclif/core'
import {RaptrCommand} from '../../cli/base-command.js'
import type {SignerSource} from '../../remote/pointer.js'
import type {SignerLoader} from '../../cli/signing.js'
import type {Archive} from '../../store/archive.js'
import {syncFlags} from '../../cli/sync-flags.js'

export default class Publish extends RaptrCommand {
  static override summary = 'Publish a snapshot to backends: atomically, by hash, signed.'
  static override description = `For each backend and distribution: uploads only what the backend lacks (pool files,
changed indexes under by-hash names), writes the snapshot's pinned copy
(dists/snapshots/<id>/<dist>), records the publication in the backend's log, and swaps
the Release pointer last. apt clients see the old snapshot or the new one, never a mix.
A snapshot that does not descend from the live one is refused (pull and merge the archive
first) unless --force. With no backend named, publishes to every backend.

The signing key comes from --gpg KEYID (your GnuPG), --sign-key FILE or RAPTR_SIGNING_KEY
(armored), else the key the archive names (raptr key use); its passphrase from
RAPTR_SIGNING_PASSPHRASE. --no-sign publishes unsigned.`
  static override strict = false
  static override examples = [
    '<%= config.bin %> publish --sign-key ~/.config/raptr/signing.asc',
    '<%= config.bin %> publish local --dry-run --sign-key key.asc',
    '<%= config.bin %> publish --dry-run --verbose --no-sign',
    'RAPTR_SIGNING_KEY="$(cat key.asc)" <%= config.bin %> publish eu us --snapshot release-42',
    '<%= config.bin %> publish --refresh --sign-key key.asc    # daily, before Valid-Until passes',
  ]
  static override args = {backend: Args.string({description: 'Backends to publish to (default: all).'})}
  static override flags = {
    snapshot: Flags.string({summary: 'Publish this snapshot (id or name) instead of the current state.'}),
    distribution: Flags.string({char: 'd', summary: 'Only this distribution (repeatable).', multiple: true}),
    'dry-run': Flags.boolean({summary: 'Print the plan (what would be uploaded) and write nothing.'}),
    'sign-key': Flags.string({summary: 'Armored private key file to sign Release files with.'}),
    gpg: Flags.string({summary: 'Sign with this key of your GnuPG keyring (gpg-agent, smartcard) instead.', exclusive: ['sign-key']}),
    sign: Flags.boolean({summary: 'Sign Release files (--no-sign publishes unsigned).', default: true, allowNo: true}),
    force: Flags.boolean({summary: 'Publish even when the snapshot does not descend from the live one, or nothing changed.'}),
    'full-check': Flags.boolean({summary: 'List the backend\'s pool instead of trusting its publication record.'}),
    refresh: Flags.boolean({summary: 'Only re-sign the live Releases with a new Date and Valid-Until (for a cron job); nothing else is written.', exclusive: ['snapshot', 'dry-run', 'force', 'full-check']}),
    verbose: Flags.boolean({char: 'v', summary: 'With --dry-run: list every file it would write.'}),
    ...syncFlags,
  }

  async run(): Promise<unknown> {
    const {argv, flags} = await this.parse(Publish)
    const archive = await this.openArchive(flags.archive)
    const {signerForArchive} = await import('../../cli/signing.js')
    const {openNamedBackend} = await import('../../cli/open-backend.js')
    const {resolveSnapshot} = await import('../../archive/snapshots.js')
    // The key is found now (a dry run fails without one, as the publish would); it is
    // parsed (and openpgp loaded) only if something is signed.
    const signer = await signerForArchive(archive, flags)
    if (!flags.sign) this.note('publishing UNSIGNED (--no-sign): clients need [trusted=yes]')
    if (flags.refresh) return this.refresh(argv as string[], flags.distribution, signer, archive)
    const snapshot = flags.snapshot ? await resolveSnapshot(archive, flags.snapshot) : await archive.head()
    const bars = await this.progress()
    const {publishMaybeSynced} = await import('../../cli/sync-flags.js')
    // With sync on, the head is published after the sync (unless --snapshot names one).
    const res = await publishMaybeSynced(archive, flags, (m) => this.note(m), {
      backends: argv as string[],
      distributions: flags.distribution,
      snapshot: flags.snapshot ? snapshot : undefined,
      dryRun: flags['dry-run'],
      force: flags.force,
      fullCheck: flags['full-check'],
      signer,
      open: openNamedBackend,
      onProgress: bars.active ? (p) => bars.task(`${p.backend}/${p.dist} ${p.phase}`)(p.done, p.total) : undefined,
      onWarning: (m) => this.note(`warning: ${m}`),
    }).finally(() => bars.stop())
    const {formatPublish} = await import('../../cli/format/publish.js')
    const report = formatPublish(res.results, {detail: true, verbose: flags.verbose, dryRun: flags['dry-run']})
    for (const n of report.notes) this.note(n)
    for (const l of report.lines) this.log(l)
    if (report.exitCode) process.exitCode = report.exitCode
    if (signer && !flags['dry-run']) await this.keyWarnings(archive.gitDir, signer)
    return {snapshot: res.results[0]?.snapshot ?? snapshot, recorded: res.commit, results: res.results.map(({plan, ...r}) => (flags['dry-run'] ? {...r, plan} : r))}
  }

  /** What key check warns about the signing keys, on stderr (also under --json), at most once a day per clone. */
  private async keyWarnings(gitDir: string, signer: SignerLoader): Promise<void> {
    const {keyWarningDue, dailyKeyWarnings} = await import('../../keys/key-warning.js')
    const now = new Date()
    if (!keyWarningDue(gitDir, now, signer.identity)) return
    try {
      const keys = (await signer()).publicKeyBinary()
      for (const line of await dailyKeyWarnings(gitDir, keys, now, signer.identity)) process.stderr.write(`warning: ${line}\n`)
    } catch {
      // Advisory: a key that cannot be loaded here already failed the publish, or was not needed.
    }
  }

  private async refresh(backends: string[], distributions: string[] | undefined, signer: SignerSource | undefined, archive: Archive): Promise<unknown> {
    const {refreshReleases} = await import('../../publish/refresh.js')
    const {openNamedBackend} = await import('../../cli/open-backend.js')
    const results = await refreshReleases(archive, {backends, distributions, signer, open: openNamedBackend})
    for (const r of results) {
      if (r.action === 'refreshed') this.log(`${r.backend}/${r.distribution}: refreshed (seq ${r.seq}${r.validUntil ? `, valid until ${r.validUntil}` : ''})${r.warning ? `; ${r.warning}` : ''}`)
      else if (r.action === 'unpublished') this.log(`${r.backend}/${r.distribution}: not published; nothing to refresh`)
      else this.log(`${r.backend}/${r.distribution}: FAILED: ${r.error?.message}${r.error?.hint ? `\n  hint: ${r.error.hint}` : ''}`)
    }
    const {exitCodeFor} = await import('../../errors.js')
    const failedCodes = results.filter((r) => r.error).map((r) => exitCodeFor(r.error!.code))
    if (failedCodes.length) process.exitCode = Math.max(...failedCodes)
    return {results}
  }
}
