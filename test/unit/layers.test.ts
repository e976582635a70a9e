import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {ROOT} from '../helpers/cli.js'

/**
 * Which layer of src/ may import which (static and lazy imports alike). A layer is a
 * directory under src/ (or a file at its top). Dependencies point down: commands and the
 * CLI on top, the operations (publish, purge, verify, team, import) in the middle, the
 * snapshot read model (snapshot: what a distribution of a snapshot holds, as rows) under
 * them, the model (archive) over the store and the backends, and core (pure, no I/O) and the base
 * files (errors, limits, regular-file) at the bottom. An import not listed here fails the
 * test: add it only if the direction is right.
 */
const BASE = ['errors', 'limits', 'regular-file']
const ALLOWED: Record<string, string[]> = {
  errors: [],
  limits: ['errors'],
  'regular-file': ['errors', 'limits'],
  core: ['errors'],
  filter: ['core', 'errors'],
  signing: ['core', ...BASE],
  debian: ['core', ...BASE],
  hash: ['core', 'debian', ...BASE],
  store: ['core', ...BASE],
  backends: ['core', 'store', ...BASE],
  remote: ['backends', 'core', 'signing', ...BASE],
  archive: ['backends', 'core', 'debian', 'filter', 'hash', 'store', ...BASE],
  snapshot: ['archive', 'core', 'store', ...BASE],
  publish: ['archive', 'backends', 'core', 'remote', 'signing', 'snapshot', 'store', ...BASE],
  purge: ['archive', 'backends', 'core', 'publish', 'remote', 'snapshot', 'store', ...BASE],
  verify: ['archive', 'backends', 'core', 'publish', 'remote', 'signing', 'snapshot', 'store', ...BASE],
  import: ['archive', 'backends', 'core', 'debian', 'store', ...BASE],
  mirror: ['archive', 'backends', 'core', 'debian', 'filter', 'import', 'store', ...BASE],
  keys: ['archive', 'backends', 'core', 'debian', 'signing', 'store', ...BASE],
  team: ['archive', 'backends', 'core', 'publish', 'remote', 'snapshot', 'store', ...BASE],
  cli: ['archive', 'backends', 'core', 'keys', 'publish', 'signing', 'store', 'team', ...BASE],
  commands: ['archive', 'backends', 'cli', 'core', 'filter', 'import', 'mirror', 'keys', 'publish', 'purge', 'remote', 'signing', 'snapshot', 'store', 'team', 'verify', ...BASE],
}

function layerOf(rel: string): string {
  return rel.includes('/') ? rel.split('/')[0] : rel.replace(/\.(ts|js)$/, '')
}

/** Every import of every file under src/, as [from layer, to layer, file, specifier]. */
function imports(): Array<[string, string, string, string]> {
  const out: Array<[string, string, string, string]> = []
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, {withFileTypes: true})) {
      const p = path.join(dir, e.name)
      if (e.isDirectory()) walk(p)
      else if (e.name.endsWith('.ts')) {
        const rel = path.relative(path.join(ROOT, 'src'), p)
        for (const m of fs.readFileSync(p, 'utf8').matchAll(/(?:from|import\()\s*['"](\.[^'"]+)['"]/g)) {
          const target = path.posix.normalize(path.posix.join(path.posix.dirname(rel), m[1]))
          out.push([layerOf(rel), layerOf(target), rel, m[1]])
        }
      }
    }
  }
  walk(path.join(ROOT, 'src'))
  return out
}

describe('the layers of src/', () => {
  const all = imports()

  it('knows every layer', () => {
    expect(all.length).toBeGreaterThan(200)
    const layers = new Set(all.flatMap(([from, to]) => [from, to]))
    expect([...layers].filter((l) => !(l in ALLOWED))).toEqual([])
  })

  it('imports only downwards, as the allowed graph says', () => {
    const wrong = all.filter(([from, to]) => from !== to && !ALLOWED[from]?.includes(to)).map(([from, to, file, spec]) => `${file}: ${from} -> ${to} (${spec})`)
    expect(wrong).toEqual([])
  })

  it('the allowed graph itself has no cycle', () => {
    const state = new Map<string, 'visiting' | 'done'>()
    const visit = (l: string, trail: string[]): void => {
      if (state.get(l) === 'done') return
      if (state.get(l) === 'visiting') throw new Error(`cycle: ${[...trail, l].join(' -> ')}`)
      state.set(l, 'visiting')
      for (const d of ALLOWED[l]) visit(d, [...trail, l])
      state.set(l, 'done')
    }
    for (const l of Object.keys(ALLOWED)) visit(l, [])
  })
})
