import {spawnSync} from 'node:child_process'
import {describe, expect, it} from 'vitest'
import {
  validateAlias,
  validateArchitecture,
  validateComponentName,
  validatePackageName,
  validateSuiteName,
} from '../../src/core/names.js'
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
