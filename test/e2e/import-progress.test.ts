/**
 * import draws a progress bar under a terminal (a real pseudo-terminal from util-linux's
 * `script`) and prints no progress at all in a pipe: a log gets the result alone.
 */
import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {BIN, FIXTURES, ok, raptr, sh} from '../helpers/cli.js'
import {makeTestArchive, type TestArchive} from '../helpers/published-archive.js'

describe('import progress', () => {
  let s: TestArchive
  const fresh = (name: string): string => {
    const dir = path.join(s.work, name)
    ok(['init', dir], {cwd: s.work})
    return dir
  }

  beforeAll(() => {
    s = makeTestArchive()
    ok(['package', 'add', path.join(FIXTURES, 'hello-gz_1.0-1_amd64.deb'), path.join(FIXTURES, 'hello-xz_1.0-1_amd64.deb'), '--category', 'public', '--link', 'production'], {cwd: s.dir})
    ok(['publish', '--no-sign'], {cwd: s.dir})
  })
  afterAll(() => fs.rmSync(s.work, {recursive: true, force: true}))

  it('draws a bar with done/total under a terminal, and no progress lines in a pipe', () => {
    const dir = fresh('tty')
    const log = path.join(s.work, 'tty.log')
    const cmd = [process.execPath, BIN, 'import', `file://${s.www}`, 'production', '--to', 'imported'].map((a) => `'${a}'`).join(' ')
    const res = sh('script', ['-qfec', cmd, log], {cwd: dir, env: {RAPTR_AUTHOR_NAME: 'raptr tests', RAPTR_AUTHOR_EMAIL: 'tests@example.org'}})
    expect(res.code, res.stderr).toBe(0)
    const tty = fs.readFileSync(log, 'utf8')
    expect(tty).toMatch(/downloading \[[=-]+\] 2\/2/)
    expect(tty).not.toMatch(/downloading 2\/2/)
    const piped = raptr(['import', `file://${s.www}`, 'production', '--to', 'imported'], {cwd: fresh('pipe')})
    expect(piped.code, piped.stderr).toBe(0)
    expect(piped.stderr).not.toMatch(/downloading|reading indexes|\[[=-]+\]/)
    expect(piped.stdout).toMatch(/2 packages/)
  })
})
