import {spawn, spawnSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import ts from 'typescript'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {FileBackend} from '../../src/backends/file.js'
import {openBackend, parseBackendUrl} from '../../src/backends/registry.js'
import {RaptrError} from '../../src/errors.js'
import {backendContract} from './backend-contract.js'
import {raptrErrorOf} from '../helpers/raptr-error.js'
import {STRACE_ARGS, parseTrace} from '../helpers/strace.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const text = (s: string): Uint8Array => new TextEncoder().encode(s)

backendContract('file', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raptr-'))
  // A root that does not exist yet: the backend creates it on first write.
  const backend = await openBackend(pathToFileURL(path.join(dir, 'published')).href)
  return {backend, cleanup: async () => fs.rmSync(dir, {recursive: true, force: true})}
})

/** Every file under `dir`, relative, '/'-separated. */
function filesUnder(dir: string): string[] {
  return (fs.readdirSync(dir, {recursive: true, withFileTypes: true}) as fs.Dirent[])
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort()
}

async function keysOf(listing: AsyncIterable<{key: string}>): Promise<string[]> {
  const keys: string[] = []
  for await (const info of listing) keys.push(info.key)
  return keys
}

const errorOf = raptrErrorOf

async function rejection(p: Promise<unknown>): Promise<RaptrError> {
  const e = await p.then(
    () => undefined,
    (error: unknown) => error,
  )
  if (e instanceof RaptrError) return e
  throw new Error(`expected a RaptrError, got ${String(e)}`)
}

describe('file backend', () => {
  let dir: string
  let root: string
  let backend: FileBackend

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raptr-'))
    root = path.join(dir, 'repo')
    backend = new FileBackend(root)
  })

  afterEach(() => {
    fs.rmSync(dir, {recursive: true, force: true})
  })

  it('describes itself by its file:// URL', async () => {
    const opened = await openBackend(pathToFileURL(root).href, {name: 'local'})
    expect(opened.properties).toEqual({url: pathToFileURL(root).href, publicUrl: pathToFileURL(root).href, name: 'local'})
    const served = await openBackend(pathToFileURL(root).href, {publicUrl: 'https://apt.example.org/'})
    expect(served.properties.publicUrl).toBe('https://apt.example.org/')
  })

  it('leaves no temp files behind after puts, putIfAbsent and copies', async () => {
    const src = path.join(dir, 'blob')
    fs.writeFileSync(src, 'blob bytes')
    await backend.put('dists/production/Release', text('r1'))
    await backend.put('dists/production/Release', text('r2'))
    await backend.putFile('pool/ab/blob.deb', src)
    expect(await backend.putIfAbsent('lease', text('me'))).toBe(true)
    expect(await backend.putIfAbsent('lease', text('you'))).toBe(false)
    await backend.copy('pool/ab/blob.deb', 'pool/cd/blob.deb')
    await backend.copy('pool/ab/blob.deb', 'pool/cd/blob.deb')
    expect(filesUnder(root)).toEqual(['dists/production/Release', 'lease', 'pool/ab/blob.deb', 'pool/cd/blob.deb'])
  })

  it('links an immutable source instead of copying it, and dates the new name now', async () => {
    const src = path.join(dir, 'blob')
    fs.writeFileSync(src, 'cached package bytes')
    const old = new Date('2020-01-01T00:00:00Z')
    fs.utimesSync(src, old, old)
    await backend.putFile('pool/ab/linked.deb', src, {immutableSource: true, batched: true})
    await backend.putFile('pool/ab/copied.deb', src, {batched: true})
    await backend.sync()
    const linked = fs.statSync(path.join(root, 'pool/ab/linked.deb'))
    expect(linked.ino).toBe(fs.statSync(src).ino)
    // purge's grace period reads an object's age from its mtime
    expect((await backend.stat('pool/ab/linked.deb'))!.modified!.getTime()).toBeGreaterThan(Date.now() - 60_000)
    expect(fs.statSync(path.join(root, 'pool/ab/copied.deb')).ino).not.toBe(fs.statSync(src).ino)
    expect(filesUnder(root)).toEqual(['pool/ab/copied.deb', 'pool/ab/linked.deb'])
  })

  it('does not list the temp files of a crashed writer', async () => {
    await backend.put('pool/a/x', text('x'))
    fs.writeFileSync(path.join(root, 'pool', 'a', '.raptr-tmp.123.abcdef'), 'half a file')
    expect(await keysOf(backend.list(''))).toEqual(['pool/a/x'])
  })

  it('copies by hard link, without writing the bytes again', async () => {
    await backend.put('pool/ab/blob.deb', text('blob'))
    await backend.copy('pool/ab/blob.deb', 'dists/snapshots/s1/blob.deb')
    const a = fs.statSync(path.join(root, 'pool', 'ab', 'blob.deb'))
    const b = fs.statSync(path.join(root, 'dists', 'snapshots', 's1', 'blob.deb'))
    expect(b.ino).toBe(a.ino)
    expect(b.dev).toBe(a.dev)
  })

  it('creates its root on the first write, and removes emptied directories but never the root', async () => {
    expect(fs.existsSync(root)).toBe(false)
    expect(await keysOf(backend.list(''))).toEqual([])
    await backend.put('pool/a/b/c/x', text('x'))
    await backend.put('pool/a/y', text('y'))
    await backend.remove(['pool/a/b/c/x'])
    expect(fs.existsSync(path.join(root, 'pool', 'a', 'b'))).toBe(false)
    expect(fs.existsSync(path.join(root, 'pool', 'a', 'y'))).toBe(true)
    await backend.remove(['pool/a/y'])
    expect(fs.readdirSync(root)).toEqual([])
  })

  it.each(['/etc/passwd', '../outside', 'pool/../../outside', 'pool//x', 'pool/x/', '', '.', 'pool/./x', 'pool\\x', 'a\0b', 'pool/.raptr-tmp.1.2'])(
    'rejects the bad key %j with BAD_ARGUMENT before touching the disk',
    async (key) => {
      for (const op of [
        () => backend.put(key, text('x')),
        () => backend.get(key),
        () => backend.stat(key),
        () => backend.putIfAbsent(key, text('x')),
        () => backend.copy('pool/x', key),
        () => backend.remove([key]),
      ]) {
        expect((await rejection(op())).code).toBe('BAD_ARGUMENT')
      }
      expect(fs.existsSync(path.join(dir, 'outside'))).toBe(false)
      expect(fs.existsSync(root)).toBe(false)
    },
  )

  it('reports a missing source file of putFile as NOT_FOUND', async () => {
    const e = await rejection(backend.putFile('pool/x', path.join(dir, 'no-such-file')))
    expect(e.code).toBe('NOT_FOUND')
    expect(fs.existsSync(path.join(root, 'pool', 'x'))).toBe(false)
  })

  it('makes batched writes durable at sync(), not before: every file and directory fsynced (seen under strace)', async () => {
    const lib = compileForChildProcesses(path.join(dir, 'lib'))
    // Renames of a marker file show in the trace where sync() starts and where it returned.
    const script = `
      import fs from 'node:fs'
      import {FileBackend} from ${JSON.stringify(pathToFileURL(path.join(lib, 'src/backends/file.js')).href)}
      const [root, marks] = process.argv.slice(2)
      const backend = new FileBackend(root)
      const text = (s) => new TextEncoder().encode(s)
      await backend.put('pool/ab/one.deb', text('one'), {batched: true, immutable: true})
      await backend.put('pool/cd/two.deb', text('two'), {batched: true, immutable: true})
      await backend.put('dists/x/by-hash/SHA256/ab', text('index'), {batched: true, immutable: true})
      fs.writeFileSync(marks + '/a', '')
      fs.renameSync(marks + '/a', marks + '/sync-starts')
      await backend.sync()
      fs.renameSync(marks + '/sync-starts', marks + '/sync-returned')
    `
    const scriptFile = path.join(lib, 'batched.mjs')
    fs.writeFileSync(scriptFile, script)
    const marks = fs.mkdtempSync(path.join(dir, 'marks-'))
    const trace = path.join(dir, 'trace.txt')
    const res = spawnSync('strace', [...STRACE_ARGS, '-o', trace, process.execPath, scriptFile, root, marks], {encoding: 'utf8'})
    expect(res.status, res.stderr).toBe(0)
    const calls = parseTrace(fs.readFileSync(trace, 'utf8'))
    const starts = calls.find((c) => c.op === 'rename' && c.to === path.join(marks, 'sync-starts'))!.done
    const returned = calls.find((c) => c.op === 'rename' && c.to === path.join(marks, 'sync-returned'))!.done
    const fsyncs = (p: string): number[] => calls.filter((c) => c.op === 'fsync' && c.path === p).map((c) => c.done)
    for (const key of ['pool/ab/one.deb', 'pool/cd/two.deb', 'dists/x/by-hash/SHA256/ab']) {
      const file = path.join(root, key)
      // the file by its final name (fsync after the rename: the name is what sync() knows)
      expect(fsyncs(file).some((t) => t > starts && t < returned), `${key} fsynced during sync()`).toBe(true)
      expect(fsyncs(path.dirname(file)).some((t) => t > starts && t < returned), `${path.dirname(key)} fsynced during sync()`).toBe(true)
      expect(fsyncs(file).every((t) => t > starts), `${key} not fsynced before sync(): batched`).toBe(true)
    }
  })

  it('lets exactly one of 8 publisher processes win putIfAbsent on one key', async () => {
    const lib = compileForChildProcesses(path.join(dir, 'lib'))
    // Each process loads the backend, says "ready", and races only once all are ready.
    const script = `
      import {FileBackend} from ${JSON.stringify(pathToFileURL(path.join(lib, 'src/backends/file.js')).href)}
      const backend = new FileBackend(process.argv[2])
      const body = new TextEncoder().encode(('process ' + process.argv[3] + ' ').repeat(50000))
      process.stdout.write('ready\\n')
      await new Promise((resolve) => process.stdin.once('data', resolve))
      process.stdout.write(String(await backend.putIfAbsent('publications/production.lock', body)))
      process.stdin.destroy()
    `
    const scriptFile = path.join(lib, 'contend.mjs')
    fs.writeFileSync(scriptFile, script)
    const children = Array.from({length: 8}, (_, i) => runNode([scriptFile, root, String(i)]))
    await Promise.all(children.map((c) => c.ready))
    for (const c of children) c.go()
    const results = await Promise.all(children.map((c) => c.result))
    expect(results.filter((r) => r === 'true')).toHaveLength(1)
    expect(results.filter((r) => r === 'false')).toHaveLength(7)
    const winner = results.indexOf('true')
    expect(new TextDecoder().decode(await backend.get('publications/production.lock'))).toBe(`process ${winner} `.repeat(50000))
    expect(filesUnder(root)).toEqual(['publications/production.lock'])
  })
})

describe('backend URLs', () => {
  it('opens file:///absolute/path as a directory backend', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raptr-'))
    try {
      const backend = await openBackend(pathToFileURL(path.join(dir, 'my repo')).href)
      await backend.put('x', text('x'))
      expect(fs.readFileSync(path.join(dir, 'my repo', 'x'), 'utf8')).toBe('x')
    } finally {
      fs.rmSync(dir, {recursive: true, force: true})
    }
  })

  it.each([
    ['file://relative/dir', 'BAD_URL'],
    ['file:relative', 'BAD_URL'],
    ['file://host/srv/apt', 'BAD_URL'],
    ['ftp://x', 'BAD_URL'],
    ['https://apt.example.org/debian', 'BAD_URL'],
    ['/srv/apt', 'BAD_URL'],
    ['s3://', 'BAD_URL'],
    ['s3://Bad_Bucket/debian', 'BAD_URL'],
    ['s3://ab', 'BAD_URL'],
    ['s3://-leading-hyphen', 'BAD_URL'],
    ['s3://two..dots', 'BAD_URL'],
    ['s3://192.168.1.1', 'BAD_URL'],
    ['s3://xn--bucket', 'BAD_URL'],
    ['s3://my-bucket/a/../b', 'BAD_URL'],
    ['s3://my-bucket/a//b', 'BAD_URL'],
  ])('refuses %j with %s and a hint showing a valid URL', async (url, code) => {
    const e = await rejection(openBackend(url))
    expect(e.code).toBe(code)
    expect(e.message).not.toContain('\n')
    expect(e.hint).toMatch(/file:\/\/\/|s3:\/\/|bucket names/)
  })

  it.each([
    ['file:///srv/apt', {scheme: 'file', path: '/srv/apt'}],
    ['file:///srv/apt/', {scheme: 'file', path: '/srv/apt'}],
    ['file:///srv/my%20repo', {scheme: 'file', path: '/srv/my repo'}],
    ['s3://my-apt-repo', {scheme: 's3', bucket: 'my-apt-repo', prefix: ''}],
    ['s3://my-apt-repo/', {scheme: 's3', bucket: 'my-apt-repo', prefix: ''}],
    ['s3://my.apt.repo/debian/', {scheme: 's3', bucket: 'my.apt.repo', prefix: 'debian'}],
    ['s3://apt-123/a/b/c', {scheme: 's3', bucket: 'apt-123', prefix: 'a/b/c'}],
  ])('parses %j', (url, expected) => {
    expect(parseBackendUrl(url)).toEqual(expected)
  })

  it('names the supported schemes when the scheme is unknown', () => {
    const e = errorOf(() => parseBackendUrl('ftp://x'))
    expect(e.code).toBe('BAD_URL')
    expect(e.message).toContain('ftp')
    expect(e.hint).toContain('file:///')
    expect(e.hint).toContain('s3://')
  })
})

/**
 * Transpiles the file backend and what it imports into `out`, so plain node processes
 * can run the same code the tests import.
 */
function compileForChildProcesses(out: string): string {
  for (const rel of ['src/backends/file.ts', 'src/backends/file-links.ts', 'src/backends/key.ts', 'src/errors.ts', 'src/store/atomic-file.ts', 'src/core/map-limit.ts']) {
    const source = fs.readFileSync(path.join(ROOT, rel), 'utf8')
    const js = ts.transpileModule(source, {compilerOptions: {module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022}}).outputText
    const dest = path.join(out, rel.replace(/\.ts$/, '.js'))
    fs.mkdirSync(path.dirname(dest), {recursive: true})
    fs.writeFileSync(dest, js)
  }
  fs.writeFileSync(path.join(out, 'package.json'), '{"type": "module"}')
  return out
}

/** Starts `node ARGS`; `ready` resolves when it prints "ready", `go()` releases it, `result` is the rest of its output. */
function runNode(args: string[]): {ready: Promise<void>; go: () => void; result: Promise<string>} {
  const child = spawn(process.execPath, args, {stdio: ['pipe', 'pipe', 'pipe']})
  let stdout = ''
  let stderr = ''
  let signalReady: () => void = () => {}
  const ready = new Promise<void>((resolve) => (signalReady = resolve))
  const result = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      stdout += d
      if (stdout.startsWith('ready\n')) signalReady()
    })
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => {
      signalReady()
      if (code === 0) resolve(stdout.replace(/^ready\n/, ''))
      else reject(new Error(`node exited ${code}: ${stderr}`))
    })
  })
  return {ready, go: () => child.stdin.write('go\n'), result}
}
