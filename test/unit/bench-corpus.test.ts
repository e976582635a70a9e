import {execFileSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {planCorpus, writeCorpus} from '../../bench/corpus.js'

const SEED = 7
const COUNT = 120

function dpkgDeb(...args: string[]): string {
  // No fallback: a machine without dpkg-deb must fail this test, not pass it.
  return execFileSync('dpkg-deb', args, {encoding: 'utf8', maxBuffer: 64 * 1024 * 1024})
}

function digests(dir: string): Map<string, string> {
  return new Map(
    fs
      .readdirSync(dir)
      .sort()
      .map((f) => [f, createHash('sha256').update(fs.readFileSync(path.join(dir, f))).digest('hex')]),
  )
}

function arMembers(file: string): string[] {
  const buf = fs.readFileSync(file)
  const names: string[] = []
  for (let pos = 8; pos + 60 <= buf.length; ) {
    names.push(buf.toString('latin1', pos, pos + 16).trim())
    const size = Number(buf.toString('latin1', pos + 48, pos + 58).trim())
    pos += 60 + size + (size % 2)
  }
  return names
}

describe('benchmark corpus', () => {
  let tmp: string
  let dir: string
  let written: ReturnType<typeof writeCorpus>

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'raptr-'))
    dir = path.join(tmp, 'a')
    written = writeCorpus(dir, {count: COUNT, seed: SEED, bigEvery: 60})
  })
  afterAll(() => fs.rmSync(tmp, {recursive: true, force: true}))

  it('writes packages dpkg-deb reads, with the planned control fields', () => {
    expect(fs.readdirSync(dir)).toHaveLength(COUNT)
    for (const pkg of written) {
      const file = path.join(dir, pkg.fileName)
      expect(dpkgDeb('--info', file)).toContain(`Package: ${pkg.name}`)
      const contents = dpkgDeb('--contents', file)
      expect(contents).toContain(`./usr/share/doc/${pkg.name}/copyright`)
      const fields = dpkgDeb('-f', file, 'Package', 'Version', 'Architecture')
      expect(fields).toBe(`Package: ${pkg.name}\nVersion: ${pkg.version}\nArchitecture: ${pkg.architecture}\n`)
      const control = dpkgDeb('-f', file)
      for (const field of ['Maintainer', 'Installed-Size', 'Section', 'Priority', 'Homepage']) expect(control).toContain(`${field}: `)
      // A multi-line Description: a synopsis plus indented continuation lines.
      expect(control.slice(control.indexOf('Description: ')).split('\n').filter((l) => l.startsWith(' ')).length).toBeGreaterThan(0)
      expect(arMembers(file)).toEqual([
        'debian-binary',
        `control.tar.${pkg.controlCompression}`,
        `data.tar.${pkg.dataCompression}`,
      ])
    }
  })

  it('mixes compressions, architectures, version shapes and a multi-MiB payload', () => {
    expect(new Set(written.map((p) => p.controlCompression))).toEqual(new Set(['gz', 'xz', 'zst']))
    expect(new Set(written.map((p) => p.dataCompression))).toEqual(new Set(['gz', 'xz', 'zst']))
    expect(new Set(written.map((p) => p.architecture))).toEqual(new Set(['amd64', 'arm64', 'all']))
    const versions = written.map((p) => p.version)
    expect(versions.some((v) => /^\d+:/.test(v))).toBe(true)
    expect(versions.some((v) => v.includes('~'))).toBe(true)
    const perName = new Map<string, Set<string>>()
    for (const p of written) perName.set(p.name, (perName.get(p.name) ?? new Set()).add(p.version))
    expect([...perName.values()].some((v) => v.size > 1)).toBe(true)
    const biggest = Math.max(...written.map((p) => fs.statSync(path.join(dir, p.fileName)).size))
    expect(biggest).toBeGreaterThan(2 * 1024 * 1024)
    // name/version/architecture is unique, so every package can live in one archive.
    expect(new Set(written.map((p) => `${p.name} ${p.version} ${p.architecture}`)).size).toBe(COUNT)
  })

  it('gives identical bytes for the same seed and other bytes for another', () => {
    const again = path.join(tmp, 'b')
    writeCorpus(again, {count: COUNT, seed: SEED, bigEvery: 60})
    expect(digests(again)).toEqual(digests(dir))
    const other = path.join(tmp, 'c')
    writeCorpus(other, {count: 10, seed: SEED + 1, bigEvery: 60})
    expect([...digests(other).values()].some((h) => [...digests(dir).values()].includes(h))).toBe(false)
  })

  it('extends a corpus with new packages that match a larger corpus', () => {
    const extra = path.join(tmp, 'extra')
    const added = writeCorpus(extra, {count: COUNT + 10, seed: SEED, from: COUNT, bigEvery: 60})
    expect(added.map((p) => p.index)).toEqual(Array.from({length: 10}, (_, i) => COUNT + i))
    expect(planCorpus({count: COUNT + 10, seed: SEED, bigEvery: 60}).slice(0, COUNT)).toEqual(
      planCorpus({count: COUNT, seed: SEED, bigEvery: 60}),
    )
    const existing = new Set(written.map((p) => `${p.name} ${p.version} ${p.architecture}`))
    for (const p of added) expect(existing.has(`${p.name} ${p.version} ${p.architecture}`)).toBe(false)
    for (const p of added) expect(dpkgDeb('-f', path.join(extra, p.fileName), 'Package')).toBe(`${p.name}\n`)
  })
})
