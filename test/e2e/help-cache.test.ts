import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {ROOT, raptr, tempDir} from '../helpers/cli.js'

describe('help answered from the build-time cache', () => {
  it('prints, for the root, every topic and every command, exactly what oclif renders', () => {
    const cache = JSON.parse(fs.readFileSync(path.join(ROOT, 'dist', 'help.json'), 'utf8')) as {help: Record<string, string>}
    const keys = Object.keys(cache.help)
    expect(keys).toContain('')
    expect(keys).toContain('package add')
    expect(keys).toContain('checkout')
    const cwd = tempDir()
    for (const key of keys) {
      const words = key ? key.split(' ') : []
      for (const flag of ['--help', '-h']) {
        const fast = raptr([...words, flag], {cwd})
        // FORCE_COLOR (here: none) sends help to oclif, which renders it now
        const slow = raptr([...words, flag], {cwd, env: {FORCE_COLOR: '0'}})
        expect(fast.code, key).toBe(0)
        expect(slow.code, key).toBe(0)
        expect(fast.stdout, `raptr ${key} ${flag}`).toBe(slow.stdout)
        expect(fast.stderr, key).toBe('')
        if (flag === '-h') break
      }
    }
    // the root help names the Node that runs it, as oclif does
    expect(raptr(['--help'], {cwd}).stdout).toContain(`node-${process.version}`)
  }, 300_000)
})
