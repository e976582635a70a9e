import {execFileSync} from 'node:child_process'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {renderContents} from '../../src/core/contents.js'
import {durationMs, redatedRelease, releaseAliases, reliveRelease, renderRelease} from '../../src/core/release.js'
import {readDeb} from '../../src/debian/deb.js'
import {categoryIndexSpecs} from '../../src/publish/indexes.js'
import {FIXTURES} from '../helpers/cli.js'

describe('Contents', () => {
  it('lists every non-directory path of data.tar, as dpkg-deb --contents shows them, for gzip, xz and zstd packages', async () => {
    for (const f of ['hello-gz_1.0-1_amd64.deb', 'hello-xz_1.0-1_amd64.deb', 'hello-zst_1.0-1_amd64.deb', 'libfoo-doc_2.0_all.deb']) {
      const file = path.join(FIXTURES, f)
      const expected = execFileSync('dpkg-deb', ['--fsys-tarfile', file])
      const listed = execFileSync('tar', ['-t', '--no-recursion'], {input: expected}).toString().split('\n').filter((l) => l && !l.endsWith('/'))
      // The oracle is tar's own listing, made independent of raptr's code: the leading
      // "./" dropped, byte order (sort with LC_ALL=C), one path a line.
      const oracle = execFileSync('sort', ['-u'], {input: listed.map((l) => `${l.replace(/^\.\//, '')}\n`).join(''), env: {...process.env, LC_ALL: 'C'}}).toString()
      expect(oracle.trim(), f).not.toBe('')
      expect((await readDeb(file)).files, f).toBe(oracle)
      expect((await readDeb(file)).files).not.toMatch(/^\.\//m)
    }
  })

  it('renders Debian\'s format: sorted paths, section/package lists joined by commas', () => {
    const text = renderContents([
      {name: 'b', section: 'utils', files: 'usr/bin/b\nusr/share/man/x\n'},
      {name: 'a', section: 'libs', files: 'usr/share/man/x\nusr/lib/a.so\n'},
      {name: 'c', files: 'etc/c\n'},
    ])
    const lines = text.trimEnd().split('\n')
    expect(lines.map((l) => l.split(/\s+/))).toEqual([
      ['etc/c', 'c'],
      ['usr/bin/b', 'utils/b'],
      ['usr/lib/a.so', 'libs/a'],
      ['usr/share/man/x', 'libs/a,utils/b'],
    ])
    expect(lines[0]).toMatch(/^etc\/c {54,}c$/)
  })
})

describe('the indexes of a category', () => {
  const paths = (present: string[], settings = {}) => categoryIndexSpecs('main', ['amd64'], present, settings).map((s) => `${s.path} ← ${s.dirs.join(' ')}`)

  it('keeps .udeb files in debian-installer/, .ddeb in Packages unless sent to debug/, Contents unless turned off', () => {
    expect(paths(['amd64', 'all', 'amd64.udeb', 'amd64.ddeb'])).toEqual([
      'main/binary-amd64/Packages ← amd64 all amd64.ddeb',
      'main/debian-installer/binary-amd64/Packages ← amd64.udeb',
      'main/Contents-amd64 ← amd64 all',
      'main/Contents-udeb-amd64 ← amd64.udeb',
      'main/source/Sources ← ',
    ])
    expect(paths(['amd64', 'all.ddeb'], {ddebs: 'debug', contents: false})).toEqual([
      'main/binary-amd64/Packages ← amd64',
      'main/debug/binary-amd64/Packages ← all.ddeb',
      'main/source/Sources ← ',
    ])
  })
})

describe('Release fields', () => {
  const base = {suite: 'stable', codename: 'bookworm', date: new Date(Date.UTC(2026, 11, 1)), architectures: ['amd64'], components: ['main', 'updates/main'], entries: []}

  it('orders Suite, Version, Codename, Date, Valid-Until, NotAutomatic, ButAutomaticUpgrades as Debian does', () => {
    const text = renderRelease({...base, version: '12.4', validUntil: new Date(Date.UTC(2026, 11, 8)), notAutomatic: true, butAutomaticUpgrades: true})
    expect(text).toMatch(/^Suite: stable\nVersion: 12\.4\nCodename: bookworm\nDate: Tue, 01 Dec 2026 00:00:00 UTC\nValid-Until: Tue, 08 Dec 2026 00:00:00 UTC\nNotAutomatic: yes\nButAutomaticUpgrades: yes\nArchitectures: amd64\nComponents: main updates\/main\n/)
  })

  it('says Acquire-By-Hash: yes unless the distribution turned it off', () => {
    expect(renderRelease(base)).toMatch(/^Acquire-By-Hash: yes$/m)
    expect(renderRelease({...base, acquireByHash: true})).toMatch(/^Acquire-By-Hash: yes$/m)
    expect(renderRelease({...base, acquireByHash: false})).not.toMatch(/Acquire-By-Hash/)
  })

  it('publishes a Suite or Codename other than the name as an alias, never a pinned suite', () => {
    expect(releaseAliases('bookworm', renderRelease(base))).toEqual(['stable'])
    expect(releaseAliases('production', renderRelease(base))).toEqual(['stable', 'bookworm'])
    expect(releaseAliases('bookworm', renderRelease({...base, suite: 'snapshots/abc/bookworm'}))).toEqual([])
  })

  it('re-dates a Release keeping everything else, and a rollback keeps the live Suite and validity period', () => {
    const live = renderRelease({...base, validUntil: new Date(Date.UTC(2026, 11, 8))})
    const later = new Date(Date.UTC(2026, 11, 5))
    const refreshed = redatedRelease(live, later, durationMs('7d'))
    expect(refreshed).toBe(live.replace('Tue, 01 Dec 2026', 'Sat, 05 Dec 2026').replace('Tue, 08 Dec 2026', 'Sat, 12 Dec 2026'))
    const pinned = renderRelease({...base, suite: 'snapshots/abc/bookworm'})
    expect(reliveRelease(pinned, live, later)).toBe(refreshed)
    expect(durationMs('12h')).toBe(43_200_000)
    expect(durationMs('7 days')).toBeUndefined()
  })
})
