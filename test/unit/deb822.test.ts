import {execFileSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {getField, parseDeb822, parseStanza, renderDeb822, renderStanza, stripSignature, valueLines} from '../../src/core/deb822.js'
import {RaptrError} from '../../src/errors.js'
import {buildDeb, buildSource} from '../helpers/build-packages.js'

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures')

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(RaptrError)
    return (error as RaptrError).code
  }
  return undefined
}

describe('deb822', () => {
  let dir: string
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raptr-'))
  })
  afterEach(() => {
    fs.rmSync(dir, {recursive: true, force: true})
  })

  it('round-trips the Packages file apt-ftparchive writes, byte for byte', async () => {
    for (const f of fs.readdirSync(FIXTURES).filter((n) => n.endsWith('.deb'))) fs.copyFileSync(path.join(FIXTURES, f), path.join(dir, f))
    await buildDeb(dir, {name: 'tricky', version: '1:2.0~rc1+dfsg-3', arch: 'amd64', compression: 'none', extraFields: {Depends: 'libc6 (>= 2.34),\n libfoo | libbar', 'X-Custom': 'value: with colon'}})
    const text = execFileSync('apt-ftparchive', ['packages', '.'], {cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']})
    const stanzas = parseDeb822(text)
    expect(stanzas).toHaveLength(5)
    expect(renderDeb822(stanzas)).toBe(text)
  })

  it('round-trips the Sources file apt-ftparchive writes, byte for byte', async () => {
    fs.cpSync(path.join(FIXTURES, 'src'), path.join(dir, 'src'), {recursive: true})
    await buildSource(path.join(dir, 'src'), {name: 'native-pkg', version: '0.3'})
    const text = execFileSync('apt-ftparchive', ['sources', 'src'], {cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']})
    const stanzas = parseDeb822(text)
    expect(stanzas).toHaveLength(2)
    expect(renderDeb822(stanzas)).toBe(text)
    const files = getField(stanzas[0], 'Files') as string
    expect(files.startsWith('\n ')).toBe(true)
  })

  it('keeps multi-line values with their continuation lines and " ." paragraphs', () => {
    const text = 'Package: hello\nDescription: short\n first line\n .\n\tsecond paragraph\nFiles:\n abc 1 a.tar\n def 2 b.tar\n'
    const stanza = parseStanza(text)
    expect(stanza).toEqual([
      ['Package', 'hello'],
      ['Description', 'short\n first line\n .\n\tsecond paragraph'],
      ['Files', '\n abc 1 a.tar\n def 2 b.tar'],
    ])
    expect(renderStanza(stanza)).toBe(text)
    expect(valueLines(getField(stanza, 'files') as string)).toEqual(['abc 1 a.tar', 'def 2 b.tar'])
  })

  it('looks fields up case-insensitively but keeps the spelling as written', () => {
    const stanza = parseStanza('package: hello\nVERSION: 1.0\n')
    expect(getField(stanza, 'Package')).toBe('hello')
    expect(getField(stanza, 'version')).toBe('1.0')
    expect(getField(stanza, 'Architecture')).toBeUndefined()
    expect(renderStanza(stanza)).toBe('package: hello\nVERSION: 1.0\n')
  })

  it('skips comments, tolerates CRLF and extra blank lines between stanzas', () => {
    const stanzas = parseDeb822('# a comment\r\nPackage: a\r\n# inside\r\nVersion: 1\r\n\r\n\r\n  \r\nPackage: b\r\n')
    expect(stanzas).toEqual([
      [['Package', 'a'], ['Version', '1']],
      [['Package', 'b']],
    ])
  })

  it('never writes trailing whitespace, which would break apt signatures', () => {
    const out = renderStanza([['Package', 'hello  '], ['Description', 'x \n line  \n\n'], ['Empty', '']])
    for (const line of out.split('\n')) expect(line).toBe(line.trimEnd())
    expect(out).toBe('Package: hello\nDescription: x\n line\n .\n .\nEmpty:\n')
  })

  it('refuses malformed control data with BAD_CONTROL', () => {
    expect(codeOf(() => parseDeb822(' continuation first\nPackage: a\n'))).toBe('BAD_CONTROL')
    expect(codeOf(() => parseDeb822('Package: a\nno colon here\n'))).toBe('BAD_CONTROL')
    expect(codeOf(() => parseDeb822(': no name\n'))).toBe('BAD_CONTROL')
    expect(codeOf(() => parseDeb822('Package: a\npackage: b\n'))).toBe('BAD_CONTROL')
    expect(codeOf(() => parseStanza('Package: a\n\nPackage: b\n'))).toBe('BAD_CONTROL')
    expect(codeOf(() => parseStanza(''))).toBe('BAD_CONTROL')
  })

  it('strips a clearsign wrapper and undoes dash-escaping', () => {
    const signed = [
      '-----BEGIN PGP SIGNED MESSAGE-----',
      'Hash: SHA512',
      '',
      'Format: 3.0 (quilt)',
      'Source: hello',
      'Description: x',
      '- -- dashed line',
      '',
      '-----BEGIN PGP SIGNATURE-----',
      '',
      'iQIzBAEBCgAdFiEE',
      '-----END PGP SIGNATURE-----',
      '',
    ].join('\n')
    expect(stripSignature(signed)).toBe('Format: 3.0 (quilt)\nSource: hello\nDescription: x\n-- dashed line\n\n')
    expect(stripSignature('Source: hello\n')).toBe('Source: hello\n')
    const truncated = signed.slice(0, signed.indexOf('-----BEGIN PGP SIGNATURE'))
    expect(codeOf(() => stripSignature(truncated))).toBe('BAD_CONTROL')
  })

  it('reads a .dsc that gpg really clearsigned', () => {
    const home = path.join(dir, 'gnupg')
    fs.mkdirSync(home, {mode: 0o700})
    const gpg = (...args: string[]) => execFileSync('gpg', ['--homedir', home, '--batch', '--quiet', '--pinentry-mode', 'loopback', '--passphrase', '', ...args], {stdio: ['ignore', 'pipe', 'pipe']})
    gpg('--quick-gen-key', 'Raptr Test <test@example.org>', 'ed25519', 'sign', 'never')
    const plain = fs.readFileSync(path.join(FIXTURES, 'src/hello_1.0-1.dsc'), 'utf8') + '- leading dash\n'
    fs.writeFileSync(path.join(dir, 'in.txt'), plain)
    gpg('--clearsign', '--output', path.join(dir, 'out.asc'), path.join(dir, 'in.txt'))
    const signed = fs.readFileSync(path.join(dir, 'out.asc'), 'utf8')
    expect(signed).toContain('\n- - leading dash\n')
    expect(stripSignature(signed)).toBe(plain)
  })
})
