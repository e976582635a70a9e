/**
 * What raptr writes into lines apt reads — the keyring package's .sources file (installed
 * under /etc/apt on every client), `key sources`, the deb lines `publish` prints — cannot be
 * made to carry a second field (`Trusted: yes`) by a value from a flag or a pushed setting.
 * The S3 region, which becomes part of the bucket's public URL, is the value that reached
 * it; it now has a grammar, for the flag and for a pushed backends/NAME.json alike.
 */
import {describe, expect, it} from 'vitest'
import {BackendSettings} from '../../src/archive/backends.js'
import {parseJsonFile} from '../../src/archive/settings.js'
import {debLine, sourcesStanza} from '../../src/core/sources-list.js'
import {parseKeyringSettings, validateKeyringName, MAX_KEYRING_NAME} from '../../src/archive/keyring-settings.js'
import {formatImport} from '../../src/cli/format/import.js'
import {archiveState, raptr} from '../helpers/cli.js'
import {makeTestArchive} from '../helpers/published-archive.js'

describe('apt source lines', () => {
  it('percent-encodes white space and control characters in a URL, so a URL is one word on its line', () => {
    const stanza = sourcesStanza({url: 'https://acme-apt.s3.x\nTrusted: yes\nX-a: b.amazonaws.com/my apt', suite: 'production', components: ['main'], signedBy: '/usr/share/keyrings/acme.pgp'})
    expect(stanza.split('\n')).toEqual([
      'Types: deb',
      'URIs: https://acme-apt.s3.x%0ATrusted:%20yes%0AX-a:%20b.amazonaws.com/my%20apt',
      'Suites: production',
      'Components: main',
      'Signed-By: /usr/share/keyrings/acme.pgp',
      '',
    ])
    expect(debLine({url: 'file:///srv/my apt', suite: 'production', components: ['main']})).toBe('deb [trusted=yes] file:///srv/my%20apt production main')
  })

  it('refuses a suite, component or key path that holds white space or a control character', () => {
    expect(() => sourcesStanza({url: 'https://a.example', suite: 'production\nTrusted: yes', components: ['main']})).toThrow(/suite .* holds a space or a control character/)
    expect(() => debLine({url: 'https://a.example', suite: 'production', components: ['main extra']})).toThrow(/component/)
    expect(() => debLine({url: 'https://a.example', suite: 'production', components: ['main'], signedBy: '/k.pgp\r'})).toThrow(/Signed-By path/)
  })
})

describe('the S3 region', () => {
  it('a pushed backends/NAME.json whose region is not a region is refused as corrupt', () => {
    const read = (region: string): unknown => parseJsonFile(BackendSettings, JSON.stringify({url: 's3://acme-apt/debian', region}), 'backends/s3b.json')
    expect(read('eu-west-1')).toMatchObject({region: 'eu-west-1'})
    expect(read('default')).toMatchObject({region: 'default'})
    for (const bad of ['evil.example/debian\nTrusted: yes\nX-Pad: x', 'us-east-1 ', 'EU-WEST-1', '-x', 'a'.repeat(51), '']) {
      expect(() => read(bad), bad).toThrow(/backends\/s3b\.json/)
    }
  })

  it('backend add --region with a newline is one line, exit 2, and changes nothing', () => {
    const s = makeTestArchive({directoryBackend: false})
    const before = archiveState(s.dir)
    const res = raptr(['backend', 'add', 's3b', 's3://acme-apt/debian', '--region', 'us-east-1\nTrusted: yes'], {cwd: s.dir})
    expect(res.code).toBe(2)
    expect(res.stderr).toMatch(/^raptr: the --region "us-east-1\\nTrusted: yes" is not an S3 region\n {2}hint: /)
    expect(res.stderr.split('\n')).toHaveLength(3)
    expect(archiveState(s.dir)).toEqual(before)
  })
})

describe('names and values that end up in a package or on a terminal', () => {
  it('a keyring package name fits the .deb it names files after: 92 characters, no more (pushed or given)', () => {
    expect(MAX_KEYRING_NAME).toBe(92)
    expect(validateKeyringName('a'.repeat(92))).toHaveLength(92)
    expect(() => validateKeyringName('a'.repeat(93))).toThrow(/more than 92/)
    const pushed = JSON.stringify({name: 'a'.repeat(95), sections: ['production/main'], maintainer: 'ACME <apt@acme.example>'})
    expect(() => parseKeyringSettings(pushed)).toThrow(/keyring\.json in the archive is invalid: the keyring package name is 95 characters/)
  })

  it("import's report shows what an upstream Release says with escape sequences and line breaks escaped", () => {
    const lines = formatImport(
      {distribution: 'bookworm', created: true, components: ['main'], skipped: 0, commit: 'c', carried: [{field: 'Label', value: 'ACME\u001b]0;pwned\u0007'}], notCarried: [{field: 'X-Evil\nFake', value: 'v', reason: 'raptr does not publish it'}], differing: []},
      1,
    )
    for (const line of lines) expect(line).not.toMatch(/[\u0000-\u001f\u007f]/)
    expect(lines.join('\n')).toContain('ACME\\u001b]0;pwned\\u0007')
  })
})
