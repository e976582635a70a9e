/**
 * Every size and time cap on what raptr reads from others, in one place: a package handed
 * to `add`, an upstream being imported, a key file. Each is generous for real input (the
 * comment says what real input looks like) and small enough that a bomb stops long before
 * memory runs out. Where a genuine input might need more, an environment variable raises
 * the cap; a value that is not a positive number is refused, never silently ignored.
 */
import {RaptrError} from './errors.js'

const KiB = 1024
const MiB = 1024 * KiB

/** One cap: its default and the environment variable that overrides it. */
export interface Cap {
  env: string
  default: number
  /** What the number counts, for messages. */
  unit: 'bytes' | 'entries' | 'seconds'
}

export const CAPS = {
  // A real control.tar is a few KB; md5sums of a package of 100,000 files is a few MB.
  controlTar: {env: 'RAPTR_MAX_CONTROL_TAR', default: 64 * MiB, unit: 'bytes'},
  // DEBIAN/control is a few KB even with long Depends and Description fields.
  controlFile: {env: 'RAPTR_MAX_CONTROL_FILE', default: 1 * MiB, unit: 'bytes'},
  // Contents listing of one package: the largest real packages list some 100,000 paths.
  contentsEntries: {env: 'RAPTR_MAX_CONTENTS_ENTRIES', default: 2_000_000, unit: 'entries'},
  contentsNameBytes: {env: 'RAPTR_MAX_CONTENTS_NAME_BYTES', default: 256 * MiB, unit: 'bytes'},
  // Bytes after a tar's end-of-archive blocks: tar pads to its record size (10 KiB by
  // default); a megabyte of padding is already far more than any tar writes.
  tarTrailer: {env: 'RAPTR_MAX_TAR_TRAILER', default: 1 * MiB, unit: 'bytes'},
  // An imported index (Packages, Sources, Release), decompressed: Debian's largest
  // (main/binary-amd64/Packages) is about 50 MB. Held in memory while it is parsed.
  index: {env: 'RAPTR_MAX_INDEX', default: 128 * MiB, unit: 'bytes'},
  // One pool file an upstream lists (import, mirror): the largest real packages (debug
  // symbols, game data) are a few GB. Streamed to disk, never held in memory; a Size past
  // this is refused before anything is downloaded.
  poolFile: {env: 'RAPTR_MAX_POOL_FILE', default: 16 * 1024 * MiB, unit: 'bytes'},
  // An armored secret key with several subkeys is a few KB.
  keyFile: {env: 'RAPTR_MAX_KEY_FILE', default: 1 * MiB, unit: 'bytes'},
  // A keyring of public keys (--keyring): Debian's whole developer keyring is some 30 MB.
  keyring: {env: 'RAPTR_MAX_KEYRING', default: 64 * MiB, unit: 'bytes'},
  // A .dsc or .changes is a few KB.
  listing: {env: 'RAPTR_MAX_LISTING', default: 16 * MiB, unit: 'bytes'},
  // Import over http(s): time to connect, time without a byte, time for one whole file.
  httpConnect: {env: 'RAPTR_HTTP_CONNECT_TIMEOUT', default: 10, unit: 'seconds'},
  httpIdle: {env: 'RAPTR_HTTP_IDLE_TIMEOUT', default: 30, unit: 'seconds'},
  httpTotal: {env: 'RAPTR_HTTP_TIMEOUT', default: 600, unit: 'seconds'},
} as const satisfies Record<string, Cap>

export type CapName = keyof typeof CAPS

/**
 * A cap's value: its environment variable when set (a positive number; bytes caps take a
 * K/M/G suffix), else its default.
 *
 * @example limit('controlTar') // 67108864, or what RAPTR_MAX_CONTROL_TAR says
 */
export function limit(name: CapName): number {
  const cap: Cap = CAPS[name]
  const raw = process.env[cap.env]
  if (raw === undefined || raw === '') return cap.default
  return parseCap(raw, cap)
}

/** A cap value as given on the command line or in the environment. */
export function parseCap(raw: string, cap: Cap): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg]i?b?)?\s*$/i.exec(raw)
  const scale = m?.[2] && cap.unit === 'bytes' ? {k: KiB, m: MiB, g: 1024 * MiB}[m[2][0].toLowerCase() as 'k' | 'm' | 'g'] : 1
  const n = m && (!m[2] || cap.unit === 'bytes') ? Number(m[1]) * scale : Number.NaN
  if (!(n > 0) || !Number.isFinite(n)) {
    const flag = cap.env.startsWith('--')
    throw new RaptrError(
      'BAD_ARGUMENT',
      `${cap.env}${flag ? ' ' : '='}${JSON.stringify(raw.slice(0, 40))} is not a positive number of ${cap.unit}`,
      flag ? `give ${cap.env} a number of ${cap.unit}` : `set ${cap.env} to a number${cap.unit === 'bytes' ? ' (K, M or G suffix allowed)' : ''}, or unset it for the default ${cap.default}`,
    )
  }
  return cap.unit === 'seconds' ? n : Math.floor(n)
}

/**
 * A number of seconds given to a flag, or undefined when the flag was not given.
 *
 * @example flagSeconds('--idle-timeout', '2.5') // 2.5
 */
export function flagSeconds(flag: string, raw: string | undefined): number | undefined {
  return raw === undefined ? undefined : parseCap(raw, {env: flag, default: 0, unit: 'seconds'})
}

/** A byte count for messages: 64 MiB, 1.5 GiB, 512 bytes. */
export function formatBytes(n: number): string {
  for (const [unit, size] of [['GiB', 1024 * MiB], ['MiB', MiB], ['KiB', KiB]] as const) {
    if (n >= size) return `${Number((n / size).toFixed(1))} ${unit}`
  }
  return `${n} bytes`
}

/**
 * The error for input past a cap: one line naming what and the cap, a hint naming the
 * variable that raises it. `value` is the cap in force when it is not the cap's own
 * (a file's promised size).
 *
 * @example throw tooLarge('controlTar', 'hello.deb: control.tar.xz decompresses to')
 */
export function tooLarge(name: CapName, what: string, value = limit(name)): RaptrError {
  const cap: Cap = CAPS[name]
  const shown = cap.unit === 'bytes' ? formatBytes(value) : `${value} ${cap.unit}`
  return new RaptrError('TOO_LARGE', `${what} more than ${shown}`, `this is far beyond real input; if it is genuine, raise the cap with ${cap.env}=N`, {cap: cap.env, limit: value})
}
