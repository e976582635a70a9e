import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {arArchive} from '../../src/debian/ar-writer.js'
import {buildDeb, installedSize, md5sums} from '../../src/debian/deb-writer.js'
import {tarArchive} from '../../src/debian/tar-writer.js'
import {readDeb} from '../../src/debian/deb.js'
import {tempDir} from '../helpers/cli.js'

const control = ['Package: acme-archive-keyring', 'Version: 3', 'Architecture: all', 'Maintainer: ACME <apt@example.org>', 'Installed-Size: 2', 'Description: test', ''].join('\n')
const files = [
  {path: 'usr/share/keyrings/acme-archive-keyring.pgp', data: Buffer.from([0x99, 1, 2, 3])},
  {path: 'etc/apt/sources.list.d/acme-archive-keyring.sources', data: Buffer.from('Types: deb\n')},
]

function run(cmd: string, args: string[]): string {
  const res = spawnSync(cmd, args, {encoding: 'utf8'})
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${res.stderr}`)
  return res.stdout
}

describe('deb writer', () => {
  for (const compression of ['xz', 'gz'] as const) {
    it(`builds a .deb dpkg-deb reads (${compression}): fields, file list, md5sums`, async () => {
      const dir = tempDir('raptr-debw-')
      const file = path.join(dir, 'k.deb')
      fs.writeFileSync(file, await buildDeb({control, files, compression, mtime: 1_700_000_000}))
      expect(run('dpkg-deb', ['-f', file, 'Package'])).toBe('acme-archive-keyring\n')
      const info = run('dpkg-deb', ['--info', file])
      expect(info).toContain(' Version: 3')
      expect(info).toContain(' Architecture: all')
      const contents = run('dpkg-deb', ['--contents', file]).trim().split('\n')
      expect(contents.map((l) => l.split(/\s+/).slice(-1)[0])).toEqual([
        './',
        './etc/',
        './etc/apt/',
        './etc/apt/sources.list.d/',
        './etc/apt/sources.list.d/acme-archive-keyring.sources',
        './usr/',
        './usr/share/',
        './usr/share/keyrings/',
        './usr/share/keyrings/acme-archive-keyring.pgp',
      ])
      for (const l of contents) expect(l).toMatch(/^[-d]rw.r..r.. root\/root .* 2023-11-14 /)
      // Extract and check md5sums against the files themselves, as debsums would.
      const out = path.join(dir, 'x')
      fs.mkdirSync(out)
      run('dpkg-deb', ['--control', file, path.join(out, 'DEBIAN')])
      run('dpkg-deb', ['--extract', file, out])
      expect(fs.existsSync(path.join(out, 'DEBIAN', 'conffiles'))).toBe(false)
      const sums = fs.readFileSync(path.join(out, 'DEBIAN', 'md5sums'), 'utf8')
      expect(sums).toBe(md5sums(files))
      const check = spawnSync('md5sum', ['-c', path.join(out, 'DEBIAN', 'md5sums')], {cwd: out, encoding: 'utf8'})
      expect(check.status, check.stdout + check.stderr).toBe(0)
      // raptr's own reader agrees.
      const deb = await readDeb(file)
      expect(deb.control.find(([k]) => k === 'Version')?.[1].trim()).toBe('3')
      fs.rmSync(dir, {recursive: true, force: true})
    })
  }

  it('is reproducible: the same spec gives the same bytes, another mtime other bytes', async () => {
    const a = await buildDeb({control, files, mtime: 1})
    const b = await buildDeb({control, files, mtime: 1})
    const c = await buildDeb({control, files, mtime: 2})
    expect(a.equals(b)).toBe(true)
    expect(a.equals(c)).toBe(false)
  })

  it('ar and tar members are what ar(1) and tar(1) list', () => {
    const dir = tempDir('raptr-artar-')
    fs.writeFileSync(path.join(dir, 'a.ar'), arArchive([{name: 'one', data: Buffer.from('x')}, {name: 'two', data: Buffer.from('yz')}], 0))
    expect(run('ar', ['t', path.join(dir, 'a.ar')])).toBe('one\ntwo\n')
    const long = `./${'d'.repeat(90)}/${'f'.repeat(60)}`
    fs.writeFileSync(path.join(dir, 'a.tar'), tarArchive([{path: './'}, {path: long, data: Buffer.from('hi')}], 0))
    expect(run('tar', ['-tf', path.join(dir, 'a.tar')])).toBe(`./\n${long}\n`)
    fs.rmSync(dir, {recursive: true, force: true})
  })

  it('refuses paths that are not package paths, and counts Installed-Size as dpkg does', async () => {
    await expect(buildDeb({control, files: [{path: '../x', data: Buffer.from('')}], mtime: 0})).rejects.toThrow(/not a package path/)
    await expect(buildDeb({control: 'Package: a', files, mtime: 0})).rejects.toThrow(/one stanza/)
    expect(installedSize(files)).toBe(2 + 6)
  })
})
