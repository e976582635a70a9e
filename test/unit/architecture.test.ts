import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {ROOT} from '../helpers/cli.js'

/** Every .ts file under src/, as [path relative to the root, text]. */
function sources(): Array<[string, string]> {
  const out: Array<[string, string]> = []
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, {withFileTypes: true})) {
      const p = path.join(dir, e.name)
      if (e.isDirectory()) walk(p)
      else if (e.name.endsWith('.ts')) out.push([path.relative(ROOT, p), fs.readFileSync(p, 'utf8')])
    }
  }
  walk(path.join(ROOT, 'src'))
  return out
}

describe('the shape of the source', () => {
  it('reads RAPTR_DEBUG_* variables in one module only (src/core/debug.ts)', () => {
    const readers = sources()
      .filter(([, text]) => /env(\.RAPTR_DEBUG|\[['"`]RAPTR_DEBUG)/.test(text))
      .map(([file]) => file)
    expect(readers).toEqual(['src/core/debug.ts'])
  })

  it('touches git trees (archive.trees) only inside src/store/: the rest reads snapshots through src/snapshot/', () => {
    const all = sources()
    // The scan sees the uses it forbids: the store itself has them.
    expect(all.some(([file, text]) => file.startsWith('src/store/') && /\.trees\b/.test(text))).toBe(true)
    const outside = all.flatMap(([file, text]) =>
      file.startsWith('src/store/')
        ? []
        : text
            .split('\n')
            .map((line, i) => [line, i] as const)
            .filter(([line]) => /\.trees\b/.test(line))
            .map(([line, i]) => `${file}:${i + 1}: ${line.trim()}`),
    )
    expect(outside).toEqual([])
  })

  it('documents every RAPTR_DEBUG_* variable it reads', () => {
    const text = fs.readFileSync(path.join(ROOT, 'src/core/debug.ts'), 'utf8')
    const read = [...text.matchAll(/env\.(RAPTR_DEBUG_\w+)/g)].map((m) => m[1])
    expect(read.length).toBeGreaterThan(5)
    for (const name of read) expect(text).toContain(`| \`${name}`)
  })

  it('keeps every file under src/ within 400 lines, unless its header says why ("Over 400 lines: …")', () => {
    const lines = (text: string): number => text.split('\n').length - (text.endsWith('\n') ? 1 : 0)
    const over = sources()
      .filter(([, text]) => lines(text) > 400 && !/^\s*(\*|\/\/)\s*Over 400 lines: \S/m.test(text.slice(0, 3000)))
      .map(([file, text]) => `${file}: ${lines(text)} lines`)
    expect(over).toEqual([])
  })
})
