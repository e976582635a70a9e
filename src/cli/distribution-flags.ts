import {Flags} from '@oclif/core'
import type {DistributionSettings} from '../archive/settings.js'

/** The settings flags `distribution add` and `distribution set` share. */
export const distributionFlags = {
  architectures: Flags.string({summary: 'Comma-separated architectures, e.g. amd64,arm64.'}),
  origin: Flags.string({summary: 'Origin field of the Release file.'}),
  label: Flags.string({summary: 'Label field of the Release file.'}),
  description: Flags.string({summary: 'Description field of the Release file.'}),
  suite: Flags.string({summary: 'Suite field of the Release (default: the name); a different one is published as a directory too.'}),
  codename: Flags.string({summary: 'Codename field of the Release (default: the name); a different one is published as a directory too.'}),
  version: Flags.string({summary: 'Version field of the Release, e.g. 12.4.'}),
  'not-automatic': Flags.boolean({summary: 'NotAutomatic: yes (apt installs from it only when asked).', allowNo: true}),
  'but-automatic-upgrades': Flags.boolean({summary: 'ButAutomaticUpgrades: yes (with --not-automatic: upgrades of installed packages still come).', allowNo: true}),
  'acquire-by-hash': Flags.boolean({summary: 'Acquire-By-Hash: yes in the Release (default on; by-hash indexes are written either way).', allowNo: true}),
  'valid-for': Flags.string({summary: 'Valid-Until this long after each publish on the live Release (e.g. 7d, 12h); "" for none. Pinned Releases never expire.'}),
  contents: Flags.boolean({summary: 'Contents-ARCH.gz indices (default on; --no-contents turns them off).', allowNo: true}),
  ddebs: Flags.string({summary: 'Where .ddeb packages are listed: in Packages (default) or in CATEGORY/debug/.', options: ['packages', 'debug']}),
  'pool-aliases': Flags.boolean({summary: 'Also publish each package at its conventional path (pool/CATEGORY/h/hello/hello_1.0-1_amd64.deb) for scripts that hard-coded it (links on directory backends, copies on S3).', allowNo: true}),
  'plain-indexes': Flags.boolean({summary: 'Also publish uncompressed Packages, Sources and Contents files for clients that cannot decompress (default off: .xz and .gz only; Release lists them either way).', allowNo: true}),
}

type Parsed = {
  architectures?: string
  origin?: string
  label?: string
  description?: string
  suite?: string
  codename?: string
  version?: string
  'not-automatic'?: boolean
  'but-automatic-upgrades'?: boolean
  'acquire-by-hash'?: boolean
  'valid-for'?: string
  contents?: boolean
  ddebs?: string
  'pool-aliases'?: boolean
  'plain-indexes'?: boolean
}

/** The settings the flags give (undefined where a flag was not given). */
export function distributionSettingsOf(flags: Parsed): Partial<DistributionSettings> {
  return {
    architectures: flags.architectures?.split(',').map((a) => a.trim()).filter(Boolean),
    origin: flags.origin,
    label: flags.label,
    description: flags.description,
    suite: flags.suite,
    codename: flags.codename,
    version: flags.version,
    notAutomatic: flags['not-automatic'],
    butAutomaticUpgrades: flags['but-automatic-upgrades'],
    acquireByHash: flags['acquire-by-hash'],
    validFor: flags['valid-for'],
    contents: flags.contents,
    ddebs: flags.ddebs as DistributionSettings['ddebs'],
    poolAliases: flags['pool-aliases'],
    plainIndexes: flags['plain-indexes'],
  }
}
