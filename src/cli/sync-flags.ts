import {Flags} from '@oclif/core'
import type {ChangeOptions} from '../team/change.js'
import type {SyncOptions} from '../team/sync.js'

/**
 * The team flags: `--sync`/`--no-sync` (fetch and merge the archive's remote before,
 * push after) on every command that changes the archive and on publish, rollback and
 * purge; `--publish` with the signing flags on the commands that add, link, unlink or
 * remove packages and bundles.
 */
export const syncFlags = {
  sync: Flags.boolean({
    summary: 'Fetch and merge the archive\'s git remote first, push after (default: on in a clone made by raptr clone).',
    allowNo: true,
    helpGroup: 'SYNC',
  }),
  'sync-timeout': Flags.integer({
    summary: 'How long a sync retries a rejected push, in seconds.',
    default: 120,
    min: 1,
    env: 'RAPTR_SYNC_TIMEOUT',
    helpGroup: 'SYNC',
  }),
}

export const publishAfterFlags = {
  publish: Flags.boolean({summary: 'Then publish the distributions the change touched, to every backend (after the push, with sync on).', helpGroup: 'PUBLISH'}),
  'sign-key': Flags.string({summary: 'With --publish: armored private key file to sign Release files with.', helpGroup: 'PUBLISH'}),
  gpg: Flags.string({summary: 'With --publish: sign with this key of your GnuPG keyring instead.', exclusive: ['sign-key'], helpGroup: 'PUBLISH'}),
  sign: Flags.boolean({summary: 'With --publish: sign Release files (--no-sign publishes unsigned).', default: true, allowNo: true, helpGroup: 'PUBLISH'}),
}

/** The sync options the flags ask for (backends are opened through the one registry). */
export async function syncOptionsFrom(flags: {'sync-timeout': number}, note: (m: string) => void): Promise<SyncOptions> {
  const {openNamedBackend} = await import('./open-backend.js')
  return {open: openNamedBackend, timeoutMs: flags['sync-timeout'] * 1000, note}
}

type TeamFlags = {sync?: boolean; 'sync-timeout': number; publish?: boolean; 'sign-key'?: string; gpg?: string; sign?: boolean}

/**
 * The options for team/change's runChange: sync as the flags say, and with --publish
 * the same signing rules as `raptr publish` (the key is checked now, before the change).
 */
export async function changeOptionsFrom(
  archive: import('../store/archive.js').Archive,
  flags: TeamFlags,
  note: (m: string) => void,
  distributions?: string[],
): Promise<ChangeOptions> {
  const base = await syncOptionsFrom(flags, note)
  if (!flags.publish) return {...base, sync: flags.sync, distributions}
  const {signerForArchive} = await import('./signing.js')
  const signer = await signerForArchive(archive, {'sign-key': flags['sign-key'], gpg: flags.gpg, sign: flags.sign ?? true})
  if (flags.sign === false) note('publishing UNSIGNED (--no-sign): clients need [trusted=yes]')
  return {...base, sync: flags.sync, distributions, publish: {open: base.open, signer}}
}

/**
 * What a command that changes the archive does with the team flags: runs `change`
 * through team/change's runChange (sync before and after, then --publish) and returns,
 * beside the outcome, the publish report's lines for the command to print after its
 * own; the exit status is set from the publish results.
 *
 * @example
 *   const {out, report} = await runTeamChange((m) => this.note(m), archive, flags, () => addPackages(…), flags.link)
 */
export async function runTeamChange<T>(
  note: (message: string) => void,
  archive: import('../store/archive.js').Archive,
  flags: TeamFlags,
  change: () => Promise<T>,
  distributions?: string[],
): Promise<{out: import('../team/change.js').ChangeOutcome<T>; report: string[]}> {
  const opts = await changeOptionsFrom(archive, flags, note, distributions)
  const {runChange} = await import('../team/change.js')
  const out = await runChange(archive, opts, change)
  if (!flags.publish) return {out, report: []}
  if (!out.published) {
    note('nothing to publish: the change touched no distribution')
    return {out, report: []}
  }
  const {formatPublish} = await import('./format/publish.js')
  const {lines, notes, exitCode} = formatPublish(out.published.results)
  for (const n of notes) note(n)
  if (exitCode) process.exitCode = exitCode
  return {out, report: lines}
}

/** With sync on: fetch and merge before a command that changes the archive or a backend (rollback, purge). */
export async function syncBefore(archive: import('../store/archive.js').Archive, flags: {sync?: boolean}, note: (m: string) => void): Promise<boolean> {
  const {syncWanted, pullArchive} = await import('../team/sync.js')
  if (!(await syncWanted(archive, flags.sync))) return false
  await pullArchive(archive, {note})
  return true
}

/** With sync on: push after (pool files first, rejected pushes merged and retried). */
export async function syncAfter(archive: import('../store/archive.js').Archive, flags: {sync?: boolean; 'sync-timeout': number}, note: (m: string) => void): Promise<void> {
  const {syncWanted, syncArchive} = await import('../team/sync.js')
  if (await syncWanted(archive, flags.sync)) await syncArchive(archive, await syncOptionsFrom(flags, note))
}

/** `publish`, or with sync on `publish --sync`: sync, publish, push the record, and publish again when another publisher went first. */
export async function publishMaybeSynced(
  archive: import('../store/archive.js').Archive,
  flags: {sync?: boolean; 'sync-timeout': number},
  note: (m: string) => void,
  opts: import('../publish/publish.js').PublishOptions,
): Promise<{results: import('../publish/publish.js').DistResult[]; commit?: string}> {
  const {syncWanted} = await import('../team/sync.js')
  if (!(await syncWanted(archive, flags.sync))) {
    const {publish} = await import('../publish/publish.js')
    return publish(archive, opts)
  }
  const {publishSynced} = await import('../team/publish-synced.js')
  return publishSynced(archive, opts, await syncOptionsFrom(flags, note))
}
