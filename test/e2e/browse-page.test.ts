/**
 * The browsable index.html each publish writes, loaded in headless Chromium the way a
 * person would see it: the DOM Chromium builds, and a screenshot it renders.
 */
import fs from 'node:fs'
import path from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {buildDeb} from '../helpers/build-packages.js'
import {ok, sh, tempDir} from '../helpers/cli.js'
import {makeTestArchive, type TestArchive} from '../helpers/published-archive.js'
import {decodePng, inkByRow} from '../helpers/png.js'

function chromium(args: string[]): string {
  const profile = tempDir('raptr-chromium-')
  const res = sh('chromium', ['--headless', '--no-sandbox', '--disable-gpu', `--user-data-dir=${profile}`, ...args], {env: {HOME: profile}})
  expect(res.code, res.stderr).toBe(0)
  return res.stdout
}

describe('the browsable page', () => {
  let s: TestArchive
  let fingerprint: string

  beforeAll(async () => {
    s = makeTestArchive()
    await buildDeb(s.pkgs, {name: 'hello', version: '2.10-3', arch: 'amd64', compression: 'gzip'})
    await buildDeb(s.pkgs, {name: 'hello', version: '2.10-3', arch: 'arm64', compression: 'gzip'})
    await buildDeb(s.pkgs, {name: 'hello-doc', version: '2.10-3', arch: 'all', compression: 'gzip'})
    ok(['section', 'add', 'staging/public'], {cwd: s.dir})
    ok(['package', 'add', s.pkgs, '--section', 'production/public', '--section', 'staging/public'], {cwd: s.dir})
    ok(['publish', '--sign-key', s.key], {cwd: s.dir})
    ok(['pin', 'HEAD', 'production'], {cwd: s.dir})
    ok(['publish', '--sign-key', s.key, '--force'], {cwd: s.dir})
    fingerprint = sh('gpg', ['--homedir', tempDir(), '--with-colons', '--show-keys', s.pubKey]).stdout.split('\n').find((l) => l.startsWith('fpr:'))!.split(':')[9]
  })

  it('is written at the root and per distribution: static, small, no JavaScript', () => {
    for (const f of ['index.html', 'dists/production/index.html', 'dists/staging/index.html']) {
      const html = fs.readFileSync(path.join(s.www, f), 'utf8')
      expect(html).toMatch(/^<!doctype html>/)
      expect(html).not.toMatch(/<script/i)
      expect(Buffer.byteLength(html)).toBeLessThan(16 * 1024)
    }
  })

  it('shows packages, versions, architectures, the sources line, the deb822 stanza, the key and the pins', () => {
    const dom = chromium(['--dump-dom', `file://${path.join(s.www, 'index.html')}`])
    const text = dom.replace(/<[^>]+>/g, ' ').replace(/&gt;/g, '>').replace(/\s+/g, ' ')
    expect(text).toContain('APT repository')
    expect(text).toMatch(/hello 2\.10-3 amd64, arm64 public/)
    expect(text).toMatch(/hello-doc 2\.10-3 all public/)
    expect(text).toContain(`deb [signed-by=/etc/apt/keyrings/raptr.gpg] file://${s.www} production public`)
    expect(text).toContain(`URIs: file://${s.www} Suites: staging Components: public Signed-By: /etc/apt/keyrings/raptr.gpg`)
    expect(text.replace(/ /g, '')).toContain(fingerprint)
    expect(dom).toContain(`href="file://${s.www}/raptr.asc"`)
    expect(text).toMatch(/Pinned snapshots [0-9a-f]{12} .*snapshots\/[0-9a-f]{12}\/production public/)
    const dist = chromium(['--dump-dom', `file://${path.join(s.www, 'dists', 'staging', 'index.html')}`]).replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ')
    expect(dist).toContain('staging')
    expect(dist).not.toContain('Suites: production')
  })

  it('renders: a screenshot Chromium takes of it is a real image', () => {
    const shot = path.join(s.work, 'page.png')
    chromium([`--screenshot=${shot}`, '--window-size=1000,800', `file://${path.join(s.www, 'index.html')}`])
    const img = decodePng(fs.readFileSync(shot))
    expect([img.width, img.height]).toEqual([1000, 800])
    // What a person sees: dark text on the background, the heading near the top and the
    // tables below it, neither a blank page nor one flooded with colour.
    const rows = inkByRow(img)
    const inked = rows.filter((r) => r > 0.01).length
    expect(inked).toBeGreaterThan(100)
    expect(inked).toBeLessThan(700)
    expect(rows.slice(0, 150).some((r) => r > 0.02)).toBe(true)
    expect(rows.slice(300).some((r) => r > 0.02)).toBe(true)
    const average = rows.reduce((a, b) => a + b, 0) / rows.length
    expect(average).toBeLessThan(0.3)
  })
})
