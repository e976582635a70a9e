import {execFileSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {buildSync} from 'esbuild'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {getField} from '../../src/core/deb822.js'
import {ArParser, parseAr} from '../../src/debian/ar.js'
import {readDeb} from '../../src/debian/deb.js'
import {digestBuffer, digestFile} from '../../src/debian/digest.js'
import {readDsc} from '../../src/debian/dsc.js'
import {TarHeaderParser, findTarFile, tarEntries} from '../../src/debian/tar.js'
import {RaptrError} from '../../src/errors.js'
import {buildDeb, buildSource} from '../helpers/build-packages.js'

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures')

async function errorOf(promise: Promise<unknown>): Promise<RaptrError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(RaptrError)
    const e = error as RaptrError
    expect(e.message).not.toContain('\n')
    expect(e.hint).not.toBe('')
    return e
  }
  throw new Error('expected a RaptrError, but the call succeeded')
}

/** What the system tools say about a file: `sha256sum` and `dpkg-deb --field`. */
function sha256sum(file: string): string {
  return execFileSync('sha256sum', [file], {encoding: 'utf8'}).split(' ')[0]
}

/**
 * The package reader compiled on its own (esbuild, libraries left to node_modules), for a
 * child process to import: the shipped bundle has no module of its own for it.
 */
let builtDeb: string | undefined
function compiledReader(): string {
  if (builtDeb) return builtDeb
  const out = path.resolve(import.meta.dirname, '../../node_modules/.cache/raptr-test/deb.mjs')
  buildSync({entryPoints: [path.resolve(import.meta.dirname, '../../src/debian/deb.ts')], bundle: true, packages: 'external', format: 'esm', platform: 'node', outfile: out, logLevel: 'error'})
  return (builtDeb = out)
}

/**
 * Read a package in a fresh node process (the reader compiled by esbuild) and
 * report its peak memory growth over reading small packages, which also loads the
 * decompressors: a process of its own, so nothing else running disturbs the figure.
 */
function readInChild(file: string): {sha256: string; files?: string; opened: string[]; peakGrowth: number} {
  const script = `
    import fs from 'node:fs'
    const {readDeb} = await import(${JSON.stringify(compiledReader())})
    for (const f of ['hello-gz_1.0-1_amd64.deb', 'hello-xz_1.0-1_amd64.deb', 'hello-zst_1.0-1_amd64.deb']) await readDeb(${JSON.stringify(FIXTURES)} + '/' + f)
    const opened = []
    const open = fs.promises.open
    fs.promises.open = (p, ...rest) => (opened.push(String(p)), open(p, ...rest))
    const base = process.resourceUsage().maxRSS
    const deb = await readDeb(process.argv[1])
    const peakGrowth = (process.resourceUsage().maxRSS - base) * 1024
    process.stdout.write(JSON.stringify({sha256: deb.digests.sha256, files: deb.files, opened, peakGrowth}))
  `
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script, file], {encoding: 'utf8'}))
}

describe('reading packages', () => {
  let dir: string
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raptr-'))
  })
  afterEach(() => {
    fs.rmSync(dir, {recursive: true, force: true})
  })

  it('reads the control fields and digests of the fixture packages', async () => {
    for (const name of ['hello-gz_1.0-1_amd64.deb', 'hello-xz_1.0-1_amd64.deb', 'hello-zst_1.0-1_amd64.deb', 'libfoo-doc_2.0_all.deb']) {
      const file = path.join(FIXTURES, name)
      const deb = await readDeb(file)
      expect(deb.kind).toBe('deb')
      expect(deb.fileName).toBe(name)
      const dpkg = execFileSync('dpkg-deb', ['--field', file, 'Package', 'Version', 'Architecture'], {encoding: 'utf8'})
      expect(dpkg).toBe(`Package: ${getField(deb.control, 'Package')}\nVersion: ${getField(deb.control, 'Version')}\nArchitecture: ${getField(deb.control, 'Architecture')}\n`)
      expect(deb.digests.size).toBe(fs.statSync(file).size)
      expect(deb.digests.sha256).toBe(sha256sum(file))
      expect(deb.digests).toEqual(digestBuffer(fs.readFileSync(file)))
    }
  })

  it('reads an uncompressed control.tar and tells .udeb and .ddeb apart', async () => {
    const plain = await readDeb(await buildDeb(dir, {name: 'plain', version: '1', arch: 'all', compression: 'none'}))
    expect(getField(plain.control, 'Package')).toBe('plain')
    expect((await readDeb(await buildDeb(dir, {name: 'inst', version: '1', arch: 'amd64', kind: 'udeb'}))).kind).toBe('udeb')
    expect((await readDeb(await buildDeb(dir, {name: 'dbg-dbgsym', version: '1', arch: 'amd64', kind: 'ddeb'}))).kind).toBe('ddeb')
  })

  it('hashes a large package in one streaming pass without holding data.tar, whatever its compression', async () => {
    // 256 MiB of zeros: tiny once compressed, so a reader that decompressed data.tar
    // whole (or kept an uncompressed one) would need at least that much memory.
    const size = 256 * 1024 * 1024
    const root = path.join(dir, 'root')
    fs.mkdirSync(path.join(root, 'DEBIAN'), {recursive: true})
    fs.mkdirSync(path.join(root, 'usr/share/big'), {recursive: true})
    fs.writeFileSync(path.join(root, 'DEBIAN/control'), 'Package: big\nVersion: 1.0\nArchitecture: all\nMaintainer: Raptr Tests <tests@example.org>\nDescription: big\n zeros\n')
    fs.writeFileSync(path.join(root, 'usr/share/big/small'), 'x\n')
    fs.closeSync(fs.openSync(path.join(root, 'usr/share/big/zeros'), 'w'))
    fs.truncateSync(path.join(root, 'usr/share/big/zeros'), size)
    for (const [compression, level] of [['none', '-z0'], ['gzip', '-z1'], ['xz', '-z0'], ['zstd', '-z1']]) {
      const file = path.join(dir, `big-${compression}_1.0_all.deb`)
      execFileSync('dpkg-deb', ['--root-owner-group', `-Z${compression}`, level, '--build', root, file], {stdio: 'ignore'})
      const measured = readInChild(file)
      expect(measured.sha256, compression).toBe(sha256sum(file))
      expect(measured.files, compression).toBe('usr/share/big/small\nusr/share/big/zeros\n')
      // One open: the digests and the file list come from the same pass.
      expect(measured.opened, compression).toEqual([file])
      // Peak memory beyond what reading a small package needed: the read buffer, the
      // decompressor's window and garbage not yet collected, far below data.tar's size.
      expect(measured.peakGrowth, compression).toBeLessThan(size / 2)
      fs.rmSync(file)
    }
  })

  it('lists the files of data.tar as dpkg-deb does, for every compression', async () => {
    const listed = (file: string) => execFileSync('dpkg-deb', ['--fsys-tarfile', file])
    for (const compression of ['gzip', 'xz', 'zstd', 'none'] as const) {
      const file = await buildDeb(dir, {name: `list-${compression}`, version: '1', arch: 'all', compression})
      const deb = await readDeb(file)
      const names = [...tarEntries(listed(file), 'data.tar')].filter((e) => e.type !== '5').map((e) => e.name.replace(/^\.\//, ''))
      expect(deb.files, compression).toBe(names.sort().map((n) => `${n}\n`).join(''))
      expect(deb.files, compression).toContain(`usr/share/doc/list-${compression}/payload\n`)
    }
    for (const name of ['hello-gz_1.0-1_amd64.deb', 'hello-xz_1.0-1_amd64.deb', 'hello-zst_1.0-1_amd64.deb']) {
      const file = path.join(FIXTURES, name)
      const expected = execFileSync('dpkg-deb', ['-c', file], {encoding: 'utf8'})
        .split('\n')
        .filter((l) => l !== '' && !l.startsWith('d'))
        .map((l) => l.slice(l.indexOf('./') + 2).replace(/ -> .*$/, ''))
      expect((await readDeb(file)).files, name).toBe(expected.sort().map((n) => `${n}\n`).join(''))
    }
  })

  it('parses a tar stream the same however the bytes are chunked', () => {
    const tree = path.join(dir, 'tree')
    fs.mkdirSync(path.join(tree, 'a'.repeat(120)), {recursive: true})
    fs.writeFileSync(path.join(tree, 'a'.repeat(120), 'b'.repeat(110)), 'long\n')
    fs.writeFileSync(path.join(tree, 'file'), Buffer.alloc(1500, 7))
    fs.symlinkSync('file', path.join(tree, 'link'))
    for (const format of ['gnu', 'pax']) {
      const tar = path.join(dir, `${format}.tar`)
      execFileSync('tar', [`--format=${format}`, '-cf', tar, '-C', tree, '.'])
      const bytes = fs.readFileSync(tar)
      const whole = [...tarEntries(bytes, 'data.tar')].map(({name, type, size}) => ({name, type, size}))
      expect(whole.length, format).toBe(5)
      for (const step of [1, 7, 511, 512, 513, 4096, bytes.length]) {
        const got: typeof whole = []
        const parser = new TarHeaderParser((e) => got.push(e), 'data.tar')
        for (let i = 0; i < bytes.length; i += step) parser.push(bytes.subarray(i, i + step))
        parser.end()
        expect(got, `${format} in steps of ${step}`).toEqual(whole)
      }
      // Cut inside a body: truncated.
      const cut = new TarHeaderParser(() => {}, 'data.tar')
      cut.push(bytes.subarray(0, bytes.indexOf(Buffer.alloc(1500, 7)) + 100))
      expect(() => cut.end()).toThrow(/truncated/)
    }
  })

  it('parses an ar archive the same however the bytes are chunked', () => {
    const bytes = fs.readFileSync(path.join(FIXTURES, 'hello-gz_1.0-1_amd64.deb'))
    const whole = parseAr(bytes)
    expect(whole.map((m) => m.name)).toEqual(['debian-binary', 'control.tar.gz', 'data.tar.gz'])
    expect(whole[0].data?.toString()).toBe('2.0\n')
    for (const step of [1, 7, 61, 512]) {
      const members: typeof whole = []
      const parser = new ArParser((m) => members.push(m))
      for (let i = 0; i < bytes.length; i += step) parser.push(bytes.subarray(i, i + step))
      parser.end()
      expect(members).toEqual(whole)
    }
    // Offsets point at each member's bytes.
    expect(bytes.subarray(whole[1].offset, whole[1].offset + 2)).toEqual(Buffer.from([0x1f, 0x8b]))
  })

  it('finds control in GNU long-name, pax and ustar tar archives', () => {
    const tree = path.join(dir, 'tree')
    const deep = path.join(tree, 'a'.repeat(60), 'b'.repeat(60))
    fs.mkdirSync(deep, {recursive: true})
    fs.writeFileSync(path.join(deep, 'long-file-name-' + 'c'.repeat(40)), 'deep\n')
    fs.writeFileSync(path.join(tree, 'control'), 'Package: x\n')
    for (const format of ['gnu', 'pax', 'ustar']) {
      const tar = path.join(dir, `${format}.tar`)
      // ustar cannot store a 180-character name; it gets the short tree only.
      const members = format === 'ustar' ? ['./control'] : ['./' + 'a'.repeat(60), './control']
      execFileSync('tar', [`--format=${format}`, '-cf', tar, '-C', tree, ...members])
      const buf = fs.readFileSync(tar)
      expect(findTarFile(buf, 'control')?.toString(), format).toBe('Package: x\n')
      if (format !== 'ustar') {
        const names = [...tarEntries(buf)].map((e) => e.name)
        expect(names.some((n) => n.endsWith('long-file-name-' + 'c'.repeat(40))), format).toBe(true)
      }
    }
  })

  it('computes all four digests of a file in one pass', async () => {
    const file = path.join(dir, 'x')
    fs.writeFileSync(file, 'hi')
    expect(await digestFile(file)).toEqual({
      size: 2,
      md5: '49f68a5c8493ec2c0bf489821c21fc3b',
      sha1: 'c22b5f9178342609428d6f51b2c5af4c0bde6a42',
      sha256: '8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4',
      sha512: '150a14ed5bea6cc731cf86c41566ac427a8db48ef1b9fd626664b3bfbb99071fa4c922f33dde38719b8c8354e2b7ab9d77e0e67fc12843920a712e73d558e197',
    })
  })
})

describe('bad binary packages are refused with a coded error', () => {
  let dir: string
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raptr-'))
  })
  afterEach(() => {
    fs.rmSync(dir, {recursive: true, force: true})
  })

  it('a truncated .deb is BAD_DEB', async () => {
    const bytes = fs.readFileSync(path.join(FIXTURES, 'hello-xz_1.0-1_amd64.deb'))
    for (const keep of [0, 5, 70, 200, bytes.length - 10]) {
      const file = path.join(dir, `cut-${keep}.deb`)
      fs.writeFileSync(file, bytes.subarray(0, keep))
      const e = await errorOf(readDeb(file))
      expect(e.code, `cut at ${keep}`).toBe('BAD_DEB')
      expect(e.message).toContain(`cut-${keep}.deb`)
    }
  })

  it('a corrupt control.tar.gz is BAD_DEB', async () => {
    const bytes = Buffer.from(fs.readFileSync(path.join(FIXTURES, 'hello-gz_1.0-1_amd64.deb')))
    const control = parseAr(bytes)[1]
    for (let i = 20; i < control.size - 8; i++) bytes[control.offset + i] ^= 0x55
    const file = path.join(dir, 'corrupt_1_amd64.deb')
    fs.writeFileSync(file, bytes)
    const e = await errorOf(readDeb(file))
    expect(e.code).toBe('BAD_DEB')
    expect(e.message).toContain('control.tar.gz')
  })

  it('a data.tar.xz cut short or not xz at all is BAD_DEB, saying what is wrong in words', async () => {
    const members = path.join(dir, 'xz-members')
    fs.mkdirSync(members)
    execFileSync('ar', ['x', path.join(FIXTURES, 'hello-xz_1.0-1_amd64.deb')], {cwd: members})
    const names = ['debian-binary', 'control.tar.xz', 'data.tar.xz']
    const data = fs.readFileSync(path.join(members, 'data.tar.xz'))
    const cases = [
      {name: 'cut', bytes: data.subarray(0, data.length >> 1), words: 'unexpected end of input'},
      {name: 'text', bytes: Buffer.from('this is not xz\n'), words: 'not in xz format'},
    ]
    for (const c of cases) {
      fs.writeFileSync(path.join(members, 'data.tar.xz'), c.bytes)
      const file = path.join(dir, `${c.name}_1_amd64.deb`)
      execFileSync('ar', ['rc', file, ...names], {cwd: members})
      const e = await errorOf(readDeb(file))
      expect(e.code, c.name).toBe('BAD_DEB')
      expect(e.message, c.name).toContain(`data.tar.xz is corrupt (xz: ${c.words}`)
      expect(e.message, c.name).not.toContain('\n')
    }
  })

  it('a file that is not an ar archive, or has no debian-binary first, is BAD_DEB', async () => {
    const text = path.join(dir, 'text.deb')
    fs.writeFileSync(text, 'hello, this is not a package\n'.repeat(10))
    expect((await errorOf(readDeb(text))).code).toBe('BAD_DEB')
    const tree = path.join(dir, 'members')
    fs.mkdirSync(tree)
    fs.writeFileSync(path.join(tree, 'data.tar.gz'), 'x')
    const reordered = path.join(dir, 'reordered.deb')
    execFileSync('ar', ['rc', reordered, 'data.tar.gz'], {cwd: tree})
    expect((await errorOf(readDeb(reordered))).code).toBe('BAD_DEB')
  })

  it('a .deb without Version is MISSING_FIELD', async () => {
    const file = await buildDeb(dir, {name: 'noversion', version: '1.0', arch: 'amd64', omitFields: ['Version']})
    const e = await errorOf(readDeb(file))
    expect(e.code).toBe('MISSING_FIELD')
    expect(e.message).toContain('Version')
  })

  it('an invalid package name is BAD_NAME and an invalid version BAD_VERSION', async () => {
    const badName = await buildDeb(dir, {name: 'Bad_Name', version: '1.0', arch: 'amd64', nocheck: true})
    expect((await errorOf(readDeb(badName))).code).toBe('BAD_NAME')
    const badVersion = await buildDeb(dir, {name: 'badversion', version: '1.0 beta', arch: 'amd64', nocheck: true})
    expect((await errorOf(readDeb(badVersion))).code).toBe('BAD_VERSION')
  })

  it('a missing file is NOT_FOUND and a wrong extension BAD_DEB', async () => {
    expect((await errorOf(readDeb(path.join(dir, 'nope.deb')))).code).toBe('NOT_FOUND')
    const rpm = path.join(dir, 'hello.rpm')
    fs.copyFileSync(path.join(FIXTURES, 'hello-gz_1.0-1_amd64.deb'), rpm)
    expect((await errorOf(readDeb(rpm))).code).toBe('BAD_DEB')
  })
})

describe('reading source packages', () => {
  let dir: string
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raptr-'))
    fs.cpSync(path.join(FIXTURES, 'src'), dir, {recursive: true})
  })
  afterEach(() => {
    fs.rmSync(dir, {recursive: true, force: true})
  })
  const dscPath = () => path.join(dir, 'hello_1.0-1.dsc')
  const editDsc = (edit: (text: string) => string) => fs.writeFileSync(dscPath(), edit(fs.readFileSync(dscPath(), 'utf8')))

  it('reads the fixture source package and verifies every listed file', async () => {
    const dsc = await readDsc(dscPath())
    expect(dsc.fileName).toBe('hello_1.0-1.dsc')
    expect(dsc.path).toBe(dscPath())
    expect(getField(dsc.control, 'Source')).toBe('hello')
    expect(dsc.digests.sha256).toBe(sha256sum(dscPath()))
    expect(dsc.files.map((f) => f.name)).toEqual(['hello_1.0.orig.tar.gz', 'hello_1.0-1.debian.tar.xz'])
    for (const f of dsc.files) {
      expect(f.path).toBe(path.join(dir, f.name))
      expect(f.digests.sha256).toBe(sha256sum(f.path))
    }
  })

  it('reads a native source package built by the test helper', async () => {
    const built = await buildSource(dir, {name: 'native-one', version: '2.1'})
    const dsc = await readDsc(built.dsc)
    expect(dsc.files.map((f) => f.path)).toEqual(built.files)
  })

  it('reads a clearsigned .dsc like the unsigned one', async () => {
    const unsigned = await readDsc(dscPath())
    editDsc((t) => `-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n${t}-----BEGIN PGP SIGNATURE-----\n\niQEzBAEBCAAdFiEE\n-----END PGP SIGNATURE-----\n`)
    const signed = await readDsc(dscPath())
    expect(signed.control).toEqual(unsigned.control)
    expect(signed.files).toEqual(unsigned.files)
    expect(signed.digests).not.toEqual(unsigned.digests)
  })

  it('a listed file that is missing is DSC_FILE_MISSING', async () => {
    fs.rmSync(path.join(dir, 'hello_1.0.orig.tar.gz'))
    const e = await errorOf(readDsc(dscPath()))
    expect(e.code).toBe('DSC_FILE_MISSING')
    expect(e.message).toContain('hello_1.0.orig.tar.gz')
  })

  it('a listed file with the wrong hash or size is DSC_FILE_MISMATCH', async () => {
    const file = path.join(dir, 'hello_1.0-1.debian.tar.xz')
    const bytes = fs.readFileSync(file)
    bytes[100] ^= 1
    fs.writeFileSync(file, bytes)
    expect((await errorOf(readDsc(dscPath()))).code).toBe('DSC_FILE_MISMATCH')
    fs.writeFileSync(file, Buffer.concat([bytes, Buffer.from('x')]))
    const e = await errorOf(readDsc(dscPath()))
    expect(e.code).toBe('DSC_FILE_MISMATCH')
    expect(e.message).toContain('size')
  })

  it('a .dsc whose SHA256 alone disagrees is DSC_FILE_MISMATCH', async () => {
    editDsc((t) => t.replace(/^ 2b3b4892ac70/m, ' 0000000000ac'))
    expect((await errorOf(readDsc(dscPath()))).code).toBe('DSC_FILE_MISMATCH')
  })

  it('a file list reaching outside the directory is UNSAFE_PATH', async () => {
    for (const bad of ['../x', 'sub/x', '.hidden']) {
      editDsc((t) => t.replaceAll(/hello_1\.0\.orig\.tar\.gz|\.\.\/x|sub\/x|\.hidden/g, bad))
      const e = await errorOf(readDsc(dscPath()))
      expect(e.code, bad).toBe('UNSAFE_PATH')
    }
  })

  it('a .dsc without Source or Version is MISSING_FIELD', async () => {
    editDsc((t) => t.replace(/^Version: .*\n/m, ''))
    expect((await errorOf(readDsc(dscPath()))).code).toBe('MISSING_FIELD')
  })

  it('a .dsc with an invalid version is BAD_VERSION, a malformed list BAD_DSC', async () => {
    const original = fs.readFileSync(dscPath(), 'utf8')
    editDsc((t) => t.replace(/^Version: .*$/m, 'Version: not a version'))
    expect((await errorOf(readDsc(dscPath()))).code).toBe('BAD_VERSION')
    fs.writeFileSync(dscPath(), original.replace(/^Files:\n/m, 'Files:\n garbage\n'))
    expect((await errorOf(readDsc(dscPath()))).code).toBe('BAD_DSC')
  })
})
