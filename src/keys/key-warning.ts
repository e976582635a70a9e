/**
 * The daily key warning of `raptr publish`: what `raptr key check` warns about the keys
 * that sign (an algorithm apt's sqv will refuse from a known date, such as RSA-2048; a
 * key that expires within 90 days), printed at most once a day per clone, so a cron job
 * or CI log shows it without every publish repeating it. The key is checked at most once
 * a day too: when it was last checked, which key that was (the loader's identity: a hash
 * of the key, never the key) and when a warning was last shown are kept in
 * `.git/raptr/key-warning.json`, never committed. A publish that finds the same key
 * checked within the day neither parses the key nor loads OpenPGP.
 */
import fs from 'node:fs'
import path from 'node:path'
import * as z from '../core/zod.js'
import {writeFileAtomic} from '../store/atomic-file.js'

const DAY_MS = 86_400_000
/** The horizon for expiry warnings, as key check's default. */
const WITHIN_DAYS = 90

// Every field optional: a stamp written by an older raptr holds only `warnedAt`.
const Stamp = z.strictObject({warnedAt: z.optional(z.string()), checkedAt: z.optional(z.string()), key: z.optional(z.string().check(z.maxLength(200)))})
type Stamp = z.infer<typeof Stamp>
const fileOf = (gitDir: string): string => path.join(gitDir, 'raptr', 'key-warning.json')

/** The stamp; an unreadable or damaged file counts as none (check and warn again). */
function readStamp(gitDir: string): Stamp {
  try {
    const r = Stamp.safeParse(JSON.parse(fs.readFileSync(fileOf(gitDir), 'utf8')))
    return r.success ? r.data : {}
  } catch {
    return {}
  }
}

/** Whether `at` lies within the 24 hours before `now` (a time in the future, or none, does not). */
function withinDay(at: string | undefined, now: Date): boolean {
  const t = at === undefined ? Number.NaN : Date.parse(at)
  return Number.isFinite(t) && t <= now.getTime() && now.getTime() - t < DAY_MS
}

/**
 * Whether the key named `identity` is to be checked now: not when a warning about it (or,
 * in an older stamp, about any key) was shown in the last 24 hours, nor when it was found
 * fine in the last 24 hours. Another key is checked at once.
 */
export function keyWarningDue(gitDir: string, now: Date, identity?: string): boolean {
  const s = readStamp(gitDir)
  const sameKey = identity !== undefined && s.key === identity
  if (withinDay(s.warnedAt, now) && (s.key === undefined || sameKey)) return false
  return !(sameKey && withinDay(s.checkedAt, now))
}

/**
 * The warnings key check has for `publicKeys` at `now` (one line each, none when the keys
 * are fine), recording the check of the key named `identity` (and that warnings were
 * shown, when there are any).
 *
 * @example for (const line of await dailyKeyWarnings(archive.gitDir, signer.publicKeyBinary(), new Date(), load.identity)) warn(line)
 */
export async function dailyKeyWarnings(gitDir: string, publicKeys: Uint8Array, now: Date, identity?: string): Promise<string[]> {
  if (!keyWarningDue(gitDir, now, identity)) return []
  const {checkKeys, readKeyring} = await import('../signing/key-check.js')
  const report = await checkKeys(await readKeyring(publicKeys, 'the signing key'), {at: now, withinDays: WITHIN_DAYS})
  const lines: string[] = []
  for (const key of report.keys) {
    const id = key.fingerprint.slice(-16)
    for (const c of key.components) {
      if (c.role === 'subkey' && !c.signs) continue
      for (const f of c.findings) if (f.level !== 'ok') lines.push(`key ${id}${c.role === 'subkey' ? ` (signing subkey ${c.fingerprint.slice(-16)})` : ''}: ${f.message}`)
    }
    for (const f of key.findings) if (f.level !== 'ok') lines.push(`key ${id}: ${f.message}`)
  }
  if (lines.length === 0 && identity === undefined) return [] // nothing to remember a check by
  const stamp: Stamp = {checkedAt: now.toISOString(), ...(identity === undefined ? {} : {key: identity}), ...(lines.length ? {warnedAt: now.toISOString()} : {})}
  await fs.promises.mkdir(path.dirname(fileOf(gitDir)), {recursive: true})
  await writeFileAtomic(fileOf(gitDir), `${JSON.stringify(stamp)}\n`)
  return lines
}
