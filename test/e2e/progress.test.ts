/**
 * Progress bars: drawn on stderr under a terminal (a real pseudo-terminal from
 * util-linux's `script`), and nothing at all in a pipe or under --json.
 */
import fs from 'node:fs'
import path from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {buildDeb} from '../helpers/build-packages.js'
import {BIN, ok, raptr, sh} from '../helpers/cli.js'
import {makeTestArchive, type TestArchive} from '../helpers/published-archive.js'

/** Runs raptr under a pseudo-terminal; returns everything the terminal received. */
function underTerminal(args: string[], cwd: string): string {
  const log = path.join(cwd, '..', `tty-${Date.now()}.log`)
  const cmd = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ')
  const res = sh('script', ['-qfec', cmd, log], {cwd, env: {RAPTR_AUTHOR_NAME: 'raptr tests', RAPTR_AUTHOR_EMAIL: 'tests@example.org'}})
  expect(res.code, res.stderr).toBe(0)
  return fs.readFileSync(log, 'utf8')
}

describe('progress bars', () => {
  let s: TestArchive

  beforeAll(async () => {
    s = makeTestArchive()
    for (let i = 0; i < 6; i++) await buildDeb(s.pkgs, {name: `pkg${i}`, version: '1.0-1', arch: 'amd64', compression: 'gzip'})
  })

  it('appear under a terminal for package add and publish: done/total, bytes, rate, ETA', () => {
    const add = underTerminal(['package', 'add', s.pkgs, '--section', 'production/public'], s.dir)
    expect(add).toMatch(/reading \[=+\] 6\/6 [\d.]+ KiB [\d.]+ (KiB|MiB)\/s ETA \d+s/)
    const pub = underTerminal(['publish', '--sign-key', s.key], s.dir)
    expect(pub).toMatch(/local\/production blobs \[[-=]+\] \d\/6 .*ETA/)
    expect(pub).toContain('published snapshot')
  })

  it('never appear in a pipe or under --json', async () => {
    await buildDeb(s.pkgs, {name: 'pkg-late', version: '1.0-1', arch: 'amd64', compression: 'gzip'})
    const add = raptr(['package', 'add', s.pkgs, '--section', 'production/public'], {cwd: s.dir})
    expect(add.code).toBe(0)
    expect(add.stderr).toBe('')
    const pub = ok(['publish', '--sign-key', s.key], {cwd: s.dir})
    expect(pub.stderr).toBe('')
    expect(`${pub.stdout}`).not.toMatch(/\u001B|\[=/)
    // A terminal, but JSON asked for: stdout is the JSON and nothing is drawn.
    const json = underTerminal(['verify', '--deep', '--json'], s.dir)
    expect(json).not.toMatch(/checking pool files|\u001B\[\?25l/)
    const verify = underTerminal(['verify', '--deep'], s.dir)
    expect(verify).toMatch(/checking pool files \(sha256\) \[/)
  })
})
