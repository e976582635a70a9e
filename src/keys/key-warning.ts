/**
 * The daily key warning of `raptr publish`: what `raptr key check` warns about the keys
 * that sign (an algorithm apt's sqv will refuse from a known date, such as RSA-2048; a
 * key that expires within 90 days), printed at most once a day per clone, so a cron job
 * or CI log shows it without every publish repeating it. When it was last shown is kept
 * in `.git/raptr/key-warning.json`, never committed; nothing is written while the key
 * is fine.
 */
import fs from 'node:fs'
import path from 'node:path'
import * as z from '../core/zod.js'
import {writeFileAtomic} from '../store/atomic-file.js'

const DAY_MS = 86_400_000
/** The horizon for expiry warnings, as key check's default. */
const WITHIN_DAYS = 90

const Stamp = z.strictObject({warnedAt: z.string()})
const fileOf = (gitDir: string): string => path.join(gitDir, 'raptr', 'key-warning.json')

/** When the warning was last shown in this clone; an unreadable file counts as never. */
function lastWarned(gitDir: string): number | undefined {
  try {
    const r = Stamp.safeParse(JSON.parse(fs.readFileSync(fileOf(gitDir), 'utf8')))
    const t = r.success ? Date.parse(r.data.warnedAt) : Number.NaN
    return Number.isFinite(t) ? t : undefined
  } catch {
    return undefined // never written, or damaged: warn again
  }
}

/** Whether a warning may be shown now: none in the last 24 hours (a stamp in the future counts as none). */
export function keyWarningDue(gitDir: string, now: Date): boolean {
  const t = lastWarned(gitDir)
  return t === undefined || t > now.getTime() || now.getTime() - t >= DAY_MS
}

/**
 * The warnings key check has for `publicKeys` at `now` (one line each, none when the keys
 * are fine), recording that they were shown when there are any.
 *
 * @example for (const line of await dailyKeyWarnings(archive.gitDir, signer.publicKeyBinary(), new Date())) warn(line)
 */
export async function dailyKeyWarnings(gitDir: string, publicKeys: Uint8Array, now: Date): Promise<string[]> {
  if (!keyWarningDue(gitDir, now)) return []
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
  if (lines.length === 0) return []
  await fs.promises.mkdir(path.dirname(fileOf(gitDir)), {recursive: true})
  await writeFileAtomic(fileOf(gitDir), `${JSON.stringify({warnedAt: now.toISOString()})}\n`)
  return lines
}
