import {spawnSync} from 'node:child_process'
import {describe, expect, it} from 'vitest'
import {
  NAME_LIMITS,
  RELEASE_FIELD_LIMITS,
  shownValue,
  validateAlias,
  validateArchitecture,
  validateArchitectureSpelling,
  validateBackendName,
  validateComponentName,
  validateFileName,
  validatePackageName,
  validateReleaseField,
  validateSnapshotName,
  validateSuiteName,
} from '../../src/core/names.js'
import {parseVersion} from '../../src/core/version.js'
import {DistributionSettings} from '../../src/archive/settings.js'
import {RaptrError} from '../../src/errors.js'
import * as architectures from '../../src/core/architectures.js'
import {raptrErrorOf} from '../helpers/raptr-error.js'

const badNameOf = raptrErrorOf

describe('package names', () => {
  it.each(['libc6', 'g++', 'hello', 'libstdc++6', 'python3.11', 'x11-common', '0ad', 'ab'])('accepts %j', (n) => {
    expect(validatePackageName(n)).toBe(n)
  })

  it.each(['', 'a', 'Hello', '-foo', '+foo', '.foo', 'foo_bar', 'foo bar', 'foo/bar', '../x', 'fóo'])(
    'rejects %j with BAD_NAME and a hint',
    (n) => {
      const e = badNameOf(() => validatePackageName(n))
      expect(e.code).toBe('BAD_NAME')
      expect(e.message).toContain('package name')
      expect(e.hint).toContain('5.6.1')
    },
  )
})

describe('architectures', () => {
  it.each(['amd64', 'arm64', 'all', 'source', 'i386', 'linux-any', 'musl-linux-arm64'])('accepts %j', (a) => {
    expect(validateArchitecture(a)).toBe(a)
  })

  it.each(['', 'AMD64', '-amd64', 'amd_64', 'amd64/x', '..', 'amd 64', 'i386x', 'amd65', 'linux-any-foo'])('rejects %j with BAD_NAME', (a) => {
    expect(badNameOf(() => validateArchitecture(a)).code).toBe('BAD_NAME')
  })

  it('knows exactly the architectures dpkg-architecture -L lists', () => {
    const res = spawnSync('dpkg-architecture', ['-L'], {encoding: 'utf8'})
    expect(res.status, 'dpkg-architecture must be installed (scripts/install-test-deps.sh)').toBe(0)
    const dpkg = res.stdout.trim().split('\n')
    expect(dpkg.length).toBeGreaterThan(100)
    for (const a of dpkg) expect(validateArchitecture(a)).toBe(a)
    const {DPKG_ARCHITECTURES} = architectures
    expect([...DPKG_ARCHITECTURES].sort()).toEqual([...dpkg].sort())
  })

  it('suggests the architecture a typo was meant to be', () => {
    expect(badNameOf(() => validateArchitecture('i386x')).hint).toContain('did you mean i386?')
  })
})

describe('names that become path segments', () => {
  const validators = {suite: validateSuiteName, component: validateComponentName, alias: validateAlias}

  it.each(Object.entries(validators))('%s names accept letters, digits, ".", "_" and "-"', (_, validate) => {
    for (const n of ['production', 'Staging', 'bookworm-backports', 'category1', 'v1.2_rc', '0']) {
      expect(validate(n)).toBe(n)
    }
  })

  it.each(Object.entries(validators))('%s names can never escape their directory', (_, validate) => {
    for (const n of ['', '.', '..', '../etc', '/abs', 'a/', 'a//b', 'a/../b', '.hidden', '-flag', 'a b', 'a\\b', 'a+b', 'a:b', 'main\n']) {
      expect(badNameOf(() => validate(n)).code).toBe('BAD_NAME')
    }
  })

  it('only category names nest with "/" (updates/main, as Debian\'s security archive has it)', () => {
    expect(validateComponentName('updates/main')).toBe('updates/main')
    expect(badNameOf(() => validateSuiteName('a/b')).code).toBe('BAD_NAME')
    expect(badNameOf(() => validateAlias('a/b')).code).toBe('BAD_NAME')
  })

  it('names the kind of name in the message', () => {
    expect(badNameOf(() => validateSuiteName('a/b')).message).toBe('invalid distribution name "a/b"')
    expect(badNameOf(() => validateComponentName('..')).message).toBe('invalid category name ".."')
    expect(badNameOf(() => validateAlias('')).message).toBe('invalid bundle alias ""')
  })
})

describe('length limits: every kind at its minimum, at its limit, and one past', () => {
  // [kind, validator, shortest valid, a valid name of exactly n characters, the kind's wording]
  const kinds: Array<[string, (v: string) => string, string, (n: number) => string, number, string]> = [
    ['distribution', validateSuiteName, 'a', (n) => 'd'.repeat(n), NAME_LIMITS.distribution, 'invalid distribution name'],
    ['category', validateComponentName, 'c', (n) => `u/${'c'.repeat(n - 2)}`, NAME_LIMITS.category, 'invalid category name'],
    ['bundle alias', validateAlias, 'b', (n) => 'b'.repeat(n), NAME_LIMITS.alias, 'invalid bundle alias'],
    ['backend', validateBackendName, 'k', (n) => 'k'.repeat(n), NAME_LIMITS.backend, 'invalid backend name'],
    ['snapshot', validateSnapshotName, 's', (n) => 's'.repeat(n), NAME_LIMITS.snapshot, 'invalid snapshot name'],
    ['architecture spelling', validateArchitectureSpelling, 'x', (n) => 'x'.repeat(n), NAME_LIMITS.architecture, 'invalid architecture'],
    ['package', validatePackageName, 'ab', (n) => `p${'a'.repeat(n - 1)}`, NAME_LIMITS.packageName, 'invalid package name'],
    ['file name', validateFileName, 'f', (n) => 'f'.repeat(n), NAME_LIMITS.fileName, 'invalid file name'],
  ]

  it.each(kinds)('%s', (_, validate, shortest, ofLength, max, wording) => {
    expect(validate(shortest)).toBe(shortest)
    expect(validate(ofLength(max))).toBe(ofLength(max))
    const e = badNameOf(() => validate(ofLength(max + 1)))
    expect(e.code).toBe('BAD_NAME')
    expect(e.message.startsWith(`${wording} "`)).toBe(true)
    expect(e.message).toContain(`longer than ${max}`)
  })

  it('keeps the limits that make every derived path legal', () => {
    // A record entry `<version as stored>_<arch>` and an `<arch>.udeb` directory stay within NAME_MAX.
    expect(NAME_LIMITS.version + 1 + NAME_LIMITS.architecture).toBeLessThanOrEqual(255)
    // A nested category is one tree directory with each '/' written as '%2f'.
    expect(NAME_LIMITS.category * 3).toBeLessThanOrEqual(255)
    expect(NAME_LIMITS.snapshot + '.json'.length).toBeLessThanOrEqual(255)
    // apt saves a download as <name>_<version, ':' as %3a>_<arch>.udeb: one file name.
    expect(NAME_LIMITS.packageName + 1 + NAME_LIMITS.version + 1 + NAME_LIMITS.architecture + '.udeb'.length).toBeLessThanOrEqual(255)
  })

  it('versions: the shortest, at the limit as stored, one past, and ":" counting 3', () => {
    expect(parseVersion('0').upstream).toBe('0')
    const atLimit = `1${'a'.repeat(NAME_LIMITS.version - 1)}`
    expect(parseVersion(atLimit).upstream).toBe(atLimit)
    const past = badNameOf(() => parseVersion(`${atLimit}a`))
    expect(past.code).toBe('BAD_VERSION')
    expect(past.message).toContain(`longer than ${NAME_LIMITS.version}`)
    // With an epoch, ':' inside the upstream is allowed, and stored as %3a.
    const colons = `1:1${':'.repeat(40)}`
    expect(colons.length).toBeLessThan(NAME_LIMITS.version)
    expect(badNameOf(() => parseVersion(colons)).code).toBe('BAD_VERSION')
  })

  it('dpkg knows no architecture longer than the limit', () => {
    const res = spawnSync('dpkg-architecture', ['-L'], {encoding: 'utf8'})
    expect(res.status).toBe(0)
    const longest = Math.max(...res.stdout.trim().split('\n').map((a) => a.length))
    expect(longest).toBeLessThanOrEqual(NAME_LIMITS.architecture)
  })
})

describe('file names', () => {
  it('are one segment, not hidden unless asked, without control characters', () => {
    expect(validateFileName('hello_2.10-3.dsc')).toBe('hello_2.10-3.dsc')
    expect(validateFileName('.x.deb', 'package file name', {hidden: true})).toBe('.x.deb')
    for (const bad of ['', '.x.deb', '../x', 'a/b', 'a\\b', 'a\nb', 'a\u0085b']) expect(badNameOf(() => validateFileName(bad)).code).toBe('BAD_NAME')
  })
})

describe('what an error echoes', () => {
  it('cuts a 100 KB name to 64 characters and says how long it was', () => {
    const huge = 'a'.repeat(100_000)
    for (const validate of [validateSuiteName, validateComponentName, validateAlias, validateBackendName, validateSnapshotName, validatePackageName, validateArchitecture, validateFileName]) {
      const e = badNameOf(() => validate(huge))
      expect(e.message.length).toBeLessThan(200)
      expect(e.message).toContain(`${'a'.repeat(64)}… (100000 characters)`)
      expect(e.hint.length).toBeLessThan(400)
    }
    const v = badNameOf(() => parseVersion(`1${'0'.repeat(100_000)}`))
    expect(v.message.length).toBeLessThan(200)
  })

  it('escapes control characters so a message stays one line', () => {
    expect(shownValue('a\nb\rc\td\u0000\u2028')).toBe('a\\nb\\rc\\td\\u0000\\u2028')
    expect(badNameOf(() => validateSuiteName('main\nSuite: evil')).message).toBe('invalid distribution name "main\\nSuite: evil"')
  })

  it('names each kind in its own words', () => {
    expect(badNameOf(() => validateBackendName('a/b')).message).toBe('invalid backend name "a/b"')
    expect(badNameOf(() => validateSnapshotName('a/b')).message).toBe('invalid snapshot name "a/b"')
    expect(badNameOf(() => validateSnapshotName('abc123')).message).toContain('invalid snapshot name "abc123": it looks like a snapshot id')
  })
})

describe('Release fields are single lines', () => {
  const fields = Object.keys(RELEASE_FIELD_LIMITS) as Array<keyof typeof RELEASE_FIELD_LIMITS>

  it.each(fields)('%s: one character, the limit, one past', (field) => {
    expect(validateReleaseField(field, 'A')).toBe('A')
    const max = RELEASE_FIELD_LIMITS[field]
    expect(validateReleaseField(field, 'x'.repeat(max))).toHaveLength(max)
    const e = badNameOf(() => validateReleaseField(field, 'x'.repeat(max + 1)))
    expect(e.code).toBe('BAD_ARGUMENT')
    expect(e.message).toContain(`invalid ${field}`)
  })

  it.each(fields)('%s: no line break, control character or surrounding whitespace', (field) => {
    expect(validateReleaseField(field, 'ACME Corp. — packages')).toBe('ACME Corp. — packages')
    for (const bad of ['ACME\nSuite: evil', 'ACME\r\nX: y', 'a\u0000b', 'a\u007fb', 'a\u0085b', 'a\u2028b', 'a\tb', ' ACME', 'ACME ', '\nACME']) {
      const e = badNameOf(() => validateReleaseField(field, bad))
      expect(e.code).toBe('BAD_ARGUMENT')
      expect(e.message).not.toContain('\n')
    }
  })

  it('settings read back refuse the same values (a pushed archive cannot inject them)', () => {
    const ok = {architectures: ['amd64'], origin: 'ACME', label: 'ACME', description: 'd', version: '1.0'}
    expect(DistributionSettings.safeParse(ok).success).toBe(true)
    for (const field of ['origin', 'label', 'description', 'version']) {
      expect(DistributionSettings.safeParse({...ok, [field]: 'x\nSuite: evil'}).success, field).toBe(false)
      expect(DistributionSettings.safeParse({...ok, [field]: 'x'.repeat(300)}).success, field).toBe(false)
    }
    expect(DistributionSettings.safeParse({...ok, architectures: ['../../../tmp/target']}).success).toBe(false)
    expect(DistributionSettings.safeParse({...ok, suite: '../x'}).success).toBe(false)
    expect(DistributionSettings.safeParse({...ok, codename: 'c'.repeat(65)}).success).toBe(false)
  })
})
