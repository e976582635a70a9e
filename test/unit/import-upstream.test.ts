import {describe, expect, it} from 'vitest'
import {parseStanza} from '../../src/core/deb822.js'
import {carryFromRelease} from '../../src/import/carry.js'
import {encodePath} from '../../src/import/source.js'

describe('an upstream path in a URL', () => {
  it('percent-encodes each segment as apt does (: + ~ % and spaces), keeping /', () => {
    expect(encodePath('pool/main/h/hello/hello_1:2.0-1_amd64.deb')).toBe('pool/main/h/hello/hello_1%3A2.0-1_amd64.deb')
    expect(encodePath('pool/main/libx++/libx++_1.0~rc1+b1_amd64.deb')).toBe('pool/main/libx%2B%2B/libx%2B%2B_1.0%7Erc1%2Bb1_amd64.deb')
    // deb-s3 names a file with a literal %3a: it must reach the server as %253a.
    expect(encodePath('pool/h/hello_1%3a2.0-1_amd64.deb')).toBe('pool/h/hello_1%253a2.0-1_amd64.deb')
    expect(encodePath("a b/(x)!*'.dsc")).toBe('a%20b/%28x%29%21%2A%27.dsc')
    expect(encodePath('dists/stable/InRelease')).toBe('dists/stable/InRelease')
  })
})

describe('Release fields carried into a distribution', () => {
  it('maps the fields raptr publishes, and says why it leaves the others', () => {
    const carry = carryFromRelease(parseStanza('Origin: Debian\nLabel: Debian\nSuite: stable\nVersion: 12.4\nCodename: bookworm\nChangelogs: https://metadata.ftp-master.debian.org/changelogs/@CHANGEPATH@_changelog\nDate: Sat, 10 Feb 2024 09:46:20 UTC\nNotAutomatic: no\nAcquire-By-Hash: yes\nArchitectures: amd64\nComponents: main\nDescription: Debian 12.4 Released 10 February 2024\nSigned-By: 4D64FEC119C2029067D6E791F8D2585B8783D481\nSHA256:\n 0000000000000000000000000000000000000000000000000000000000000000 1 main/binary-amd64/Packages\n'))
    expect(carry.settings).toEqual({origin: 'Debian', label: 'Debian', suite: 'stable', version: '12.4', codename: 'bookworm', notAutomatic: false, description: 'Debian 12.4 Released 10 February 2024', acquireByHash: true})
    expect(carry.notCarried.map((f) => f.field)).toEqual(['Changelogs', 'Date', 'Signed-By'])
  })

  it('a value raptr cannot publish is not carried, with the reason; a missing Acquire-By-Hash keeps raptr\'s', () => {
    const carry = carryFromRelease(parseStanza(`Origin: ${'o'.repeat(300)}\nSuite: snapshots\nCodename: ../x\n`))
    expect(carry.settings).toEqual({})
    expect(carry.notCarried.map((f) => f.field)).toEqual(['Origin', 'Suite', 'Codename', 'Acquire-By-Hash'])
    expect(carry.notCarried[1].reason).toMatch(/dists\/snapshots/)
  })
})
