import {execFileSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {getField, parseDeb822, renderDeb822, type Stanza} from '../../src/core/deb822.js'
import {packageIdentity, packagesStanza, sourcesStanza} from '../../src/core/index-stanza.js'
import {readDeb} from '../../src/debian/deb.js'
import {readDsc} from '../../src/debian/dsc.js'
import {buildDeb, buildSource} from '../helpers/build-packages.js'

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures')

function ftparchive(cwd: string, ...args: string[]): string {
  return execFileSync('apt-ftparchive', args, {cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']})
}

function byPackage(stanzas: Stanza[]): Map<string, Stanza> {
  return new Map(stanzas.map((s) => [getField(s, 'Package') as string, s]))
}

/** Everything but the location field, which raptr chooses itself. */
function withoutLocation(stanza: Stanza): Stanza {
  return stanza.filter(([name]) => name !== 'Filename' && name !== 'Directory')
}

describe('Packages and Sources stanzas match apt-ftparchive', () => {
  let dir: string
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raptr-'))
  })
  afterEach(() => {
    fs.rmSync(dir, {recursive: true, force: true})
  })

  it('writes the same Packages stanza as apt-ftparchive for every control compression', async () => {
    const files = []
    for (const compression of ['gzip', 'xz', 'zstd', 'none'] as const) {
      files.push(await buildDeb(dir, {name: `pkg-${compression}`, version: '1.2-3', arch: 'amd64', compression}))
    }
    for (const f of fs.readdirSync(FIXTURES).filter((n) => n.endsWith('.deb'))) {
      fs.copyFileSync(path.join(FIXTURES, f), path.join(dir, f))
      files.push(path.join(dir, f))
    }
    const apt = byPackage(parseDeb822(ftparchive(dir, 'packages', '.')))
    expect(apt.size).toBe(8)
    for (const file of files) {
      const deb = await readDeb(file)
      const ours = packagesStanza(deb, `pool/${deb.fileName}`)
      const theirs = apt.get(getField(deb.control, 'Package') as string) as Stanza
      expect(withoutLocation(ours), deb.fileName).toEqual(withoutLocation(theirs))
      // Same order, with Filename where apt puts it.
      expect(ours.map(([n]) => n)).toEqual(theirs.map(([n]) => n))
      expect(getField(ours, 'Filename')).toBe(`pool/${deb.fileName}`)
    }
  })

  it('renders a Packages file byte-identical to apt-ftparchive when given the same Filename', async () => {
    for (const f of fs.readdirSync(FIXTURES).filter((n) => n.endsWith('.deb'))) fs.copyFileSync(path.join(FIXTURES, f), path.join(dir, f))
    await buildDeb(dir, {
      name: 'fields',
      version: '2:1.0',
      arch: 'arm64',
      extraFields: {
        'Multi-Arch': 'same',
        Source: 'fields-src (1.0-1)',
        Depends: 'libc6 (>= 2.36)',
        'Pre-Depends': 'dpkg (>= 1.19)',
        Recommends: 'a',
        Suggests: 'b',
        Optional: 'legacy-suggest',
        Breaks: 'c (<< 1)',
        Essential: 'no',
        'Built-Using': 'gcc-12 (= 12.2.0-14)',
        Homepage: 'https://example.org',
        'X-Zzz': 'unordered one',
        'X-Aaa': 'unordered two',
        Tag: 'role::program',
      },
    })
    const text = ftparchive(dir, 'packages', '.')
    const ours = []
    for (const f of fs.readdirSync(dir).sort()) {
      const deb = await readDeb(path.join(dir, f))
      ours.push(packagesStanza(deb, `./${f}`))
    }
    expect(renderDeb822(ours)).toBe(text)
    // apt 2.x no longer folds the obsolete Optional into Suggests; it keeps it, unordered.
    const fields = ours.find((s) => getField(s, 'Package') === 'fields') as Stanza
    expect(getField(fields, 'Suggests')).toBe('b')
    expect(fields.map(([n]) => n).slice(-3)).toEqual(['Optional', 'X-Zzz', 'X-Aaa'])
  })

  it('writes the same Sources stanza as apt-ftparchive, the .dsc listed first', async () => {
    const src = path.join(dir, 'pool')
    fs.cpSync(path.join(FIXTURES, 'src'), src, {recursive: true})
    await buildSource(src, {name: 'native-pkg', version: '0.3'})
    await buildSource(src, {name: 'quilt-pkg', version: '1:4.5-2', binaries: ['quilt-pkg', 'quilt-pkg-doc']})
    const text = ftparchive(dir, 'sources', 'pool')
    const apt = byPackage(parseDeb822(text))
    expect([...apt.keys()].sort()).toEqual(['hello', 'native-pkg', 'quilt-pkg'])
    const ours = []
    for (const f of fs.readdirSync(src).filter((n) => n.endsWith('.dsc')).sort()) {
      const dsc = await readDsc(path.join(src, f))
      const stanza = sourcesStanza(dsc, 'pool')
      const theirs = apt.get(getField(dsc.control, 'Source') as string) as Stanza
      expect(withoutLocation(stanza), f).toEqual(withoutLocation(theirs))
      expect(stanza.map(([n]) => n)).toEqual(theirs.map(([n]) => n))
      expect((getField(stanza, 'Files') as string).split('\n')[1]).toBe(` ${dsc.digests.md5} ${dsc.digests.size} ${f}`)
      ours.push(stanza)
    }
    expect(renderDeb822(ours)).toBe(text)
  })

  it('fills in Checksums lists an old .dsc lacks, as apt-ftparchive does', async () => {
    const src = path.join(dir, 'old')
    fs.cpSync(path.join(FIXTURES, 'src'), src, {recursive: true})
    // A dpkg 1.14-era .dsc: only Files, no Checksums-* fields.
    const dscPath = path.join(src, 'hello_1.0-1.dsc')
    const kept = fs.readFileSync(dscPath, 'utf8').replace(/^Checksums-Sha(1|256):\n( .*\n)+/gm, '')
    expect(kept).not.toContain('Checksums')
    fs.writeFileSync(dscPath, kept)
    const theirs = parseDeb822(ftparchive(dir, 'sources', 'old'))[0]
    const ours = sourcesStanza(await readDsc(dscPath), 'old')
    expect(ours).toEqual(theirs)
  })

  it('orders every field apt knows, and the ones it does not, exactly as apt-ftparchive', async () => {
    const known = ['Task', 'Tag', 'Description-md5', 'Homepage', 'Enhances', 'Replaces', 'Conflicts', 'Recommends', 'Provides', 'Conffiles', 'Config-Version', 'Bugs', 'Original-Maintainer', 'Phased-Update-Percentage', 'Origin', 'Source', 'Installer-Menu-Item', 'Essential', 'Important', 'Protected', 'Build-Essential', 'Status', 'Multi-Arch', 'Auto-Built-Package', 'Built-For-Profiles', 'Static-Built-Using', 'Built-Using', 'Kernel-Version', 'Subarchitecture', 'Package-Type']
    const obsolete = ['Class', 'Recommended', 'Optional', 'Revision', 'Package-Revision']
    const extraFields = Object.fromEntries([...known, 'X-Before', ...obsolete, 'X-After'].map((f) => [f, `value-${f.toLowerCase()}`]))
    await buildDeb(dir, {name: 'many', version: '1.0', arch: 'amd64', extraFields, nocheck: true})
    const theirs = parseDeb822(ftparchive(dir, 'packages', '.'))
    const ours = packagesStanza(await readDeb(path.join(dir, 'many_1.0_amd64.deb')), './many_1.0_amd64.deb')
    expect([ours]).toEqual(theirs)
    expect(getField(ours, 'Status')).toBeUndefined()

    const src = path.join(dir, 'src')
    fs.mkdirSync(src)
    fs.writeFileSync(path.join(src, 'many_1.0.tar.xz'), 'not really xz\n')
    const md5 = createHash('md5').update('not really xz\n').digest('hex')
    const dscFields = ['X-First: x', `Files:\n ${md5} 14 many_1.0.tar.xz`, 'Package-List:\n many deb misc optional arch=any', 'Vcs-Svn: s', 'Vcs-Git: g', 'Vcs-Browser: vb', 'Description: d\n long', 'Homepage: h', 'Testsuite-Triggers: t', 'Testsuite: autopkgtest', 'Build-Conflicts-Indep: b', 'Build-Depends: b', 'Standards-Version: 4', 'Dm-Upload-Allowed: yes', 'Uploaders: u', 'Maintainer: m', 'Origin: o', 'Section: s', 'Class: c', 'Priority: p', 'Version: 1.0', 'Architecture: any', 'Binary: many', 'Format: 3.0 (native)', 'Status: s', 'Source: many', 'X-Last: y']
    fs.writeFileSync(path.join(src, 'many_1.0.dsc'), dscFields.join('\n') + '\n')
    const theirSources = parseDeb822(ftparchive(dir, 'sources', 'src'))
    const ourSources = sourcesStanza(await readDsc(path.join(src, 'many_1.0.dsc')), 'src')
    expect([ourSources]).toEqual(theirSources)
    expect(getField(ourSources, 'Priority')).toBeUndefined()
  })

  it('names a package by name, version and architecture', async () => {
    const deb = await readDeb(path.join(FIXTURES, 'libfoo-doc_2.0_all.deb'))
    expect(packageIdentity(deb.control)).toEqual({name: 'libfoo-doc', version: '2.0', architecture: 'all'})
    const dsc = await readDsc(path.join(FIXTURES, 'src/hello_1.0-1.dsc'))
    expect(packageIdentity(dsc.control)).toEqual({name: 'hello', version: '1.0-1', architecture: 'any'})
  })
})
