/**
 * The `--json` interface as a visible diff: every command that prints JSON runs once on a
 * small archive, and the shape of what it printed (keys and value types, not values) is
 * compared with `test/e2e/__snapshots__/json-shapes.json`. A change to a command's JSON
 * fails here until the snapshot is updated (`npx vitest run test/e2e/json-shapes.test.ts
 * -u`), so it shows in review. `--help` is covered the same way by docs/commands.md.
 */
import fs from 'node:fs'
import path from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {buildDeb} from '../helpers/build-packages.js'
import {ok, raptr, tempDir} from '../helpers/cli.js'
import {makeTestArchive, type TestArchive} from '../helpers/published-archive.js'

/** The shape of a JSON value: object keys with their shapes, arrays by the union of their elements. */
export function shapeOf(v: unknown): unknown {
  if (v === null) return 'null'
  if (Array.isArray(v)) {
    if (v.length === 0) return []
    return [mergeShapes(v.map(shapeOf))]
  }
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(v).sort()) out[k] = shapeOf((v as Record<string, unknown>)[k])
    return out
  }
  return typeof v
}

/** One shape for the elements of an array: objects merge key by key (a key some lack is marked optional), other kinds join with `|`. */
function mergeShapes(shapes: unknown[]): unknown {
  const objects = shapes.filter((s): s is Record<string, unknown> => typeof s === 'object' && s !== null && !Array.isArray(s))
  const byText = new Map<string, unknown>()
  for (const s of shapes) if (!objects.includes(s as Record<string, unknown>)) byText.set(typeof s === 'string' ? s : JSON.stringify(s), s)
  const others = [...byText.keys()].sort()
  if (objects.length === 0) return others.length === 1 ? byText.get(others[0]) : others.join(' | ')
  const keys = [...new Set(objects.flatMap((o) => Object.keys(o)))].sort()
  const merged: Record<string, unknown> = {}
  for (const k of keys) {
    const present = objects.filter((o) => k in o).map((o) => o[k])
    const shape = mergeShapes(present)
    merged[present.length < objects.length ? `${k}?` : k] = shape
  }
  return others.length === 0 ? merged : {'|': others, ...merged}
}

describe('the --json interface of every command', () => {
  let s: TestArchive
  const shapes: Record<string, unknown> = {}
  const json = (label: string, args: string[], cwd?: string): any => {
    const r = raptr([...args, '--json'], {cwd: cwd ?? s.dir})
    if (r.code !== 0) throw new Error(`raptr ${args.join(' ')} --json exited ${r.code}: ${r.stderr}${r.stdout}`)
    const value = JSON.parse(r.stdout) as unknown
    shapes[label] = shapeOf(value)
    return value
  }

  beforeAll(async () => {
    s = makeTestArchive({origin: 'ACME'})
    await buildDeb(s.pkgs, {name: 'hello', version: '1.0-1', arch: 'amd64', compression: 'gzip'})
    await buildDeb(s.pkgs, {name: 'hello', version: '1.1-1', arch: 'amd64', compression: 'gzip'})
    await buildDeb(s.pkgs, {name: 'tool', version: '2.0-1', arch: 'all', compression: 'gzip'})
    ok(['key', 'use', s.key], {cwd: s.dir})
  })

  it('prints JSON whose shape matches the recorded one', async () => {
    const scratch = tempDir()
    json('init', ['init', path.join(scratch, 'other')], scratch)
    json('key generate', ['key', 'generate', '--name', 'shape test', '--email', 'shape@example.org', '--out', path.join(scratch, 'k.asc')], scratch)
    json('key check', ['key', 'check', '--sign-key', s.key])
    json('key status', ['key', 'status'])
    json('section add', ['section', 'add', 'staging/public'])
    json('distribution add', ['distribution', 'add', 'testing', '--architectures', 'amd64'])
    json('distribution set', ['distribution', 'set', 'testing', '--label', 'Testing'])
    json('distribution list', ['distribution', 'list'])
    json('category add', ['category', 'add', 'extra', '--to', 'testing'])
    json('category list', ['category', 'list'])
    json('backend add', ['backend', 'add', 'second', `file://${path.join(s.work, 'www2')}`])
    json('backend list', ['backend', 'list'])
    json('package add', ['package', 'add', path.join(s.pkgs, 'hello_1.0-1_amd64.deb'), '--section', 'production/public'])
    json('publish', ['publish', 'local'])
    json('package add --publish', ['package', 'add', path.join(s.pkgs, 'hello_1.1-1_amd64.deb'), path.join(s.pkgs, 'tool_2.0-1_all.deb'), '--section', 'production/public', '--publish'])
    json('package list', ['package', 'list'])
    json('package show', ['package', 'show', 'hello'])
    json('package search', ['package', 'search', 'hello'])
    json('package history', ['package', 'history', 'hello'])
    json('package link', ['package', 'link', 'tool', 'staging/public'])
    json('package unlink', ['package', 'unlink', 'tool', 'staging/public'])
    json('package move', ['package', 'move', 'tool', '--from', 'production/public', '--to', 'staging/public'])
    const created = json('snapshot create', ['snapshot', 'create', 'before'])
    json('snapshot list', ['snapshot', 'list'])
    json('snapshot show', ['snapshot', 'show', 'before'])
    json('snapshot rename', ['snapshot', 'rename', 'before', 'first'])
    json('snapshot diff', ['snapshot', 'diff', 'first', 'HEAD'])
    json('publish (again)', ['publish', 'local'])
    json('pin', ['pin', 'first', 'production', '--backend', 'local'])
    json('pin list', ['pin', 'list'])
    json('unpin', ['unpin', 'first', 'production', '--backend', 'local'])
    json('rollback', ['rollback', 'production', '--backend', 'local'])
    json('verify', ['verify', 'local'])
    json('import', ['import', `file://${s.www}`, 'production', '--to', 'imported'])
    json('mirror add', ['mirror', 'add', 'upstream', `file://${s.www}`, 'production', '--to', 'mirrored', '--filter', 'hello | tool'])
    json('mirror update --dry-run', ['mirror', 'update', 'upstream', '--dry-run'])
    json('mirror update', ['mirror', 'update', 'upstream'])
    json('mirror list', ['mirror', 'list'])
    json('mirror show', ['mirror', 'show', 'upstream'])
    json('mirror remove', ['mirror', 'remove', 'upstream'])
    json('key package', ['key', 'package', '--section', 'production/public', '--url', 'https://apt.example.org/debian'])
    json('key sources', ['key', 'sources', 'production', '--url', 'https://apt.example.org/debian'])
    json('checkout', ['checkout'])
    json('purge', ['purge', 'local', '--dry-run'])
    json('log', ['log', '-n', '3'])
    json('publish drop', ['publish', 'drop', 'production', 'local'])
    json('snapshot remove', ['snapshot', 'remove', 'first'])
    json('package remove', ['package', 'remove', 'tool', '--all'])
    json('category remove', ['category', 'remove', 'extra', '--from', 'testing'])
    json('distribution remove', ['distribution', 'remove', 'testing'])
    json('backend remove', ['backend', 'remove', 'second'])
    expect(created).toBeTruthy()
    const text = `${JSON.stringify(shapes, null, 2)}\n`
    await expect(text).toMatchFileSnapshot('./__snapshots__/json-shapes.json')
    // The snapshot must name every command run above, so a command dropped from it shows too.
    const recorded = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '__snapshots__', 'json-shapes.json'), 'utf8')) as Record<string, unknown>
    expect(Object.keys(recorded).sort()).toEqual(Object.keys(shapes).sort())
   }, 600_000)

  it('shapeOf keeps keys and types, and merges array elements', () => {
    expect(shapeOf({b: 1, a: [{x: 's'}, {x: 't', y: true}], c: null})).toEqual({a: [{x: 'string', 'y?': 'boolean'}], b: 'number', c: 'null'})
    expect(shapeOf([1, 'a'])).toEqual(['number | string'])
  })
})
