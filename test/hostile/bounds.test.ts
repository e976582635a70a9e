import {spawn} from 'node:child_process'
import {createHash} from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import net from 'node:net'
import type {AddressInfo} from 'node:net'
import path from 'node:path'
import {pathToFileURL} from 'node:url'
import {gzipSync} from 'node:zlib'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {buildSource} from '../helpers/build-packages.js'
import {archiveState, BIN, ok, sh, tempDir} from '../helpers/cli.js'
import {arArchive, GOOD_CONTROL, tarArchive} from '../helpers/deb-forge.js'
import {fileTree, makeTestArchive, type TestArchive} from '../helpers/published-archive.js'

/**
 * Bounded everything: bombs (control.tar and data.tar that decompress to 1 GiB, an
 * imported Packages.xz that does), file arguments that are not regular files (FIFOs,
 * devices, directories) and hostile upstream servers (silent, trickling, stalling,
 * endless) each end in one line with the documented exit status, in bounded memory and
 * time, with nothing changed. Peak memory is the raptr process's own (its maxRSS, written
 * at exit by a preloaded module), and every run has a kill timer, so a hang fails the test
 * instead of hanging it.
 */

const MiB = 1024 * 1024
// Peak RSS a refused bomb may cost: node and raptr themselves take some 100 MB.
const MAX_RSS = 300 * MiB

interface Run {
  code: number | null
  stdout: string
  stderr: string
  /** Peak resident memory of the raptr process, bytes; undefined if it never exited by itself. */
  maxRss?: number
  killed: boolean
  ms: number
}

let work: string
let preload: string

/** Runs raptr with a kill timer, reporting its peak RSS. */
function run(args: string[], opts: {cwd: string; env?: Record<string, string>; killAfterMs?: number}): Promise<Run> {
  const rssFile = path.join(work, `rss-${process.hrtime.bigint()}`)
  const started = Date.now()
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', pathToFileURL(preload).href, BIN, ...args], {
      cwd: opts.cwd,
      env: {...process.env, RAPTR_AUTHOR_NAME: 'raptr tests', RAPTR_AUTHOR_EMAIL: 'tests@example.org', NO_COLOR: '1', RAPTR_TEST_RSS_FILE: rssFile, ...opts.env},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    let killed = false
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => {
      killed = true
      child.kill('SIGKILL')
    }, opts.killAfterMs ?? 10_000)
    child.on('close', (code) => {
      clearTimeout(timer)
      const maxRss = fs.existsSync(rssFile) ? Number(fs.readFileSync(rssFile, 'utf8')) * 1024 : undefined
      resolve({code, stdout, stderr, maxRss, killed, ms: Date.now() - started})
    })
  })
}

/** One error line (`raptr: …`), a hint after it, no stack trace, the exit status, not killed. */
function expectRefused(res: Run, code: number, message: RegExp, what: string): void {
  const out = `${what}:\nexit ${res.code}${res.killed ? ' (killed: it hung)' : ''}\n${res.stdout}\n${res.stderr}`
  expect(res.killed, out).toBe(false)
  expect(res.code, out).toBe(code)
  const lines = `${res.stdout}\n${res.stderr}`.split('\n')
  const errors = lines.map((l, i) => [l, i] as const).filter(([l]) => /^raptr: (?!note:)|^Error: /.test(l))
  expect(errors.map(([l]) => l), out).toHaveLength(1)
  expect(errors[0][0], out).toMatch(message)
  expect(lines[errors[0][1] + 1], `${out}\na hint follows the error`).toMatch(/^\s+hint: \S/)
  expect(res.stderr, `${out}\nno stack trace`).not.toMatch(/\n\s+at /)
}

function expectBoundedMemory(res: Run, what: string): void {
  expect(res.maxRss, `${what}: peak RSS was not reported`).toBeDefined()
  expect(res.maxRss!, `${what}: peak RSS ${Math.round(res.maxRss! / MiB)} MiB`).toBeLessThan(MAX_RSS)
}

/** What must not change: HEAD, the work tree, the blob cache, the directory backend. */
function state(s: TestArchive): unknown {
  const blobs = path.join(s.dir, '.git', 'raptr', 'blobs')
  return {archive: archiveState(s.dir), blobs: fs.existsSync(blobs) ? [...fileTree(blobs)] : [], www: fs.existsSync(s.www) ? [...fileTree(s.www)] : []}
}

/** 1 GiB of zeros through a compressor, made once: a few hundred KB (xz) or a few MB (gzip). */
function zeros(tool: 'gzip' | 'xz', out: string): Buffer {
  const res = sh('sh', ['-c', `head -c 1G /dev/zero | ${tool === 'xz' ? 'xz --format=xz -0 -T1' : 'gzip -1'} > "$1"`, 'sh', out])
  expect(res.code, res.stderr).toBe(0)
  return fs.readFileSync(out)
}

function deb(members: {control: [string, Buffer]; data: [string, Buffer]}): Buffer {
  return arArchive([
    {name: 'debian-binary', data: Buffer.from('2.0\n', 'latin1')},
    {name: members.control[0], data: members.control[1]},
    {name: members.data[0], data: members.data[1]},
  ])
}

let s: TestArchive
let files: string
let zerosGz: Buffer
let zerosXz: Buffer

beforeAll(() => {
  work = tempDir('raptr-bounds-')
  preload = path.join(work, 'max-rss.mjs')
  fs.writeFileSync(preload, "import fs from 'node:fs'\nprocess.on('exit', () => fs.writeFileSync(process.env.RAPTR_TEST_RSS_FILE, String(process.resourceUsage().maxRSS)))\n")
  s = makeTestArchive()
  files = fs.mkdtempSync(path.join(work, 'files-'))
  zerosGz = zeros('gzip', path.join(work, 'zeros.gz'))
  zerosXz = zeros('xz', path.join(work, 'zeros.xz'))
}, 300_000)

afterAll(() => {
  fs.rmSync(work, {recursive: true, force: true})
})

describe('decompression bombs in a package are refused after their cap, in bounded memory', () => {
  const goodControl = () => gzipSync(tarArchive([{name: './', type: '5'}, {name: './control', data: GOOD_CONTROL}]))
  const goodData = () => gzipSync(tarArchive([{name: './', type: '5'}, {name: './usr/', type: '5'}, {name: './usr/forged', data: 'forged\n'}]))
  const cases: Array<{name: string; make: () => Buffer; message: RegExp}> = [
    {name: 'control.tar.gz of 1 GiB', make: () => deb({control: ['control.tar.gz', zerosGz], data: ['data.tar.gz', goodData()]}), message: /control\.tar\.gz decompresses to more than 64 MiB/},
    {name: 'control.tar.xz of 1 GiB', make: () => deb({control: ['control.tar.xz', zerosXz], data: ['data.tar.gz', goodData()]}), message: /control\.tar\.xz decompresses to more than 64 MiB/},
    {name: 'data.tar.gz of 1 GiB', make: () => deb({control: ['control.tar.gz', goodControl()], data: ['data.tar.gz', zerosGz]}), message: /data\.tar\.gz goes on after its end-of-archive blocks with more than 1 MiB/},
    {name: 'data.tar.xz of 1 GiB', make: () => deb({control: ['control.tar.gz', goodControl()], data: ['data.tar.xz', zerosXz]}), message: /data\.tar\.xz goes on after its end-of-archive blocks with more than 1 MiB/},
  ]
  for (const c of cases) {
    it(`a ${c.name}`, async () => {
      const f = path.join(files, 'bomb_1.0_amd64.deb')
      fs.writeFileSync(f, c.make())
      const before = state(s)
      const res = await run(['package', 'add', f, '--category', 'public'], {cwd: s.dir, killAfterMs: 60_000})
      expectRefused(res, 2, c.message, c.name)
      expectBoundedMemory(res, c.name)
      expect(state(s), `${c.name}: something changed`).toEqual(before)
    }, 90_000)
  }

  it('a genuine data.tar holding a 1 GiB file is read as a stream: added, in bounded memory', async () => {
    // A tar header for ./big of 1 GiB, the GiB of zeros, the end blocks: through gzip.
    const header = tarArchive([{name: './big', data: Buffer.alloc(0)}]).subarray(0, 512)
    header.write(`${(1024 * MiB).toString(8).padStart(11, '0')}\0`, 124, 'latin1')
    header.write('        ', 148, 'latin1')
    let sum = 0
    for (const b of header) sum += b
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1')
    const headerFile = path.join(work, 'big.header')
    fs.writeFileSync(headerFile, header)
    const dataFile = path.join(work, 'big-data.tar.gz')
    const made = sh('sh', ['-c', '{ cat "$1"; head -c 1G /dev/zero; head -c 1024 /dev/zero; } | gzip -1 > "$2"', 'sh', headerFile, dataFile])
    expect(made.code, made.stderr).toBe(0)
    const control = gzipSync(tarArchive([{name: './', type: '5'}, {name: './control', data: GOOD_CONTROL.replace('Package: forged', 'Package: bigfile')}]))
    const f = path.join(files, 'bigfile_1.0_amd64.deb')
    fs.writeFileSync(f, deb({control: ['control.tar.gz', control], data: ['data.tar.gz', fs.readFileSync(dataFile)]}))
    const res = await run(['package', 'add', f, '--category', 'public'], {cwd: s.dir, killAfterMs: 120_000})
    expect(res.code, `${res.stdout}\n${res.stderr}`).toBe(0)
    expect(res.stdout).toMatch(/added\s+bigfile\s+1\.0\s+amd64/)
    expectBoundedMemory(res, 'a 1 GiB file in data.tar')
  }, 180_000)

  it('a data.tar listing more entries than its cap (RAPTR_MAX_CONTENTS_ENTRIES) is refused', async () => {
    const entries = Array.from({length: 50}, (_, i) => ({name: `./usr/share/f${i}`, data: 'x'}))
    const f = path.join(files, 'many_1.0_amd64.deb')
    fs.writeFileSync(f, deb({control: ['control.tar.gz', goodControl()], data: ['data.tar.gz', gzipSync(tarArchive(entries))]}))
    const before = state(s)
    const res = await run(['package', 'add', f, '--category', 'public'], {cwd: s.dir, env: {RAPTR_MAX_CONTENTS_ENTRIES: '10'}})
    expectRefused(res, 2, /data\.tar\.gz lists more than 10 entries/, 'many entries')
    expect(state(s)).toEqual(before)
  }, 30_000)

  it('a control file past 1 MiB is refused; the cap is the one RAPTR_MAX_CONTROL_FILE names', async () => {
    const f = path.join(files, 'bigcontrol_1.0_amd64.deb')
    const control = gzipSync(tarArchive([{name: './', type: '5'}, {name: './control', data: `${GOOD_CONTROL}X-Big: ${'x'.repeat(2 * MiB)}\n`}]))
    fs.writeFileSync(f, deb({control: ['control.tar.gz', control], data: ['data.tar.gz', goodData()]}))
    const before = state(s)
    const res = await run(['package', 'add', f, '--category', 'public'], {cwd: s.dir})
    expectRefused(res, 2, /bigcontrol_1\.0_amd64\.deb: control file is more than 1 MiB/, 'big control file')
    expect(state(s)).toEqual(before)
    const lower = await run(['package', 'add', f, '--category', 'public'], {cwd: s.dir, env: {RAPTR_MAX_CONTROL_FILE: '512K'}})
    expectRefused(lower, 2, /control file is more than 512 KiB/, 'big control file, lower cap')
  }, 30_000)

  it('a cap raised by its environment variable lets a genuine package through', async () => {
    const entries = Array.from({length: 50}, (_, i) => ({name: `./usr/share/f${i}`, data: 'x'}))
    const f = path.join(files, 'fifty_1.0_amd64.deb')
    fs.writeFileSync(f, deb({control: ['control.tar.gz', goodControl()], data: ['data.tar.gz', gzipSync(tarArchive(entries))]}))
    const refused = await run(['package', 'add', f, '--category', 'public'], {cwd: s.dir, env: {RAPTR_MAX_CONTENTS_ENTRIES: '49'}})
    expectRefused(refused, 2, /lists more than 49 entries/, 'fifty entries, cap 49')
    const res = await run(['package', 'add', f, '--category', 'public'], {cwd: s.dir, env: {RAPTR_MAX_CONTENTS_ENTRIES: '50'}})
    expect(res.code, `${res.stdout}\n${res.stderr}`).toBe(0)
    expect(res.stdout).toMatch(/added\s+forged\s+1\.0\s+amd64/)
  }, 30_000)

  it('a cap set to something that is not a number is refused, not ignored', async () => {
    const f = path.join(files, 'capped_1.0_amd64.deb')
    fs.writeFileSync(f, deb({control: ['control.tar.gz', goodControl()], data: ['data.tar.gz', goodData()]}))
    const res = await run(['package', 'add', f, '--category', 'public'], {cwd: s.dir, env: {RAPTR_MAX_CONTROL_TAR: 'lots'}})
    expectRefused(res, 2, /RAPTR_MAX_CONTROL_TAR="lots" is not a positive number of bytes/, 'bad cap')
  }, 30_000)
})

describe('a file argument that is not a regular file is refused at once', () => {
  let fifo: (name: string) => string
  let dsc: string
  let changes: string
  beforeAll(async () => {
    fifo = (name) => {
      const p = path.join(files, name)
      fs.rmSync(p, {force: true})
      const res = sh('mkfifo', [p])
      expect(res.code, res.stderr).toBe(0)
      return p
    }
    // A source package whose orig tarball is swapped for a FIFO after the .dsc was made.
    const src = fs.mkdtempSync(path.join(work, 'src-'))
    const built = await buildSource(src, {name: 'fifosrc', version: '1.0-1'})
    dsc = built.dsc
    const orig = built.files.find((f) => f.endsWith('.orig.tar.gz'))!
    fs.rmSync(orig)
    expect(sh('mkfifo', [orig]).code).toBe(0)
    // Any text will do: the keyring is read before the .changes' signature is looked at.
    changes = path.join(files, 'upload_1.0_amd64.changes')
    fs.writeFileSync(changes, 'Source: upload\nVersion: 1.0\nFiles:\n')
    fs.mkdirSync(path.join(files, 'a-directory'), {recursive: true})
    fs.writeFileSync(path.join(files, 'big-key.asc'), Buffer.alloc(5 * MiB, 'A'))
    // An imported repository whose InRelease is there, so --keyring is what is read next.
    fs.mkdirSync(path.join(work, 'upstream/dists/stable'), {recursive: true})
    fs.writeFileSync(path.join(work, 'upstream/dists/stable/InRelease'), '-----BEGIN PGP SIGNED MESSAGE-----\n')
    fs.symlinkSync('/dev/zero', path.join(files, 'zero_1.0_amd64.deb'))
  }, 120_000)

  const add = (f: string) => ['package', 'add', f, '--category', 'public']
  const cases: Array<{name: string; args: () => string[]; code?: number; message: RegExp}> = [
    {name: 'a FIFO as a .deb', args: () => add(fifo('fifo_1.0_amd64.deb')), message: /fifo_1\.0_amd64\.deb is not a regular file/},
    {name: 'a FIFO as a .changes', args: () => add(fifo('fifo_1.0_amd64.changes')), message: /fifo_1\.0_amd64\.changes is not a regular file/},
    {name: 'a FIFO as a .dsc', args: () => add(fifo('fifo_1.0-1.dsc')), message: /fifo_1\.0-1\.dsc is not a regular file/},
    {name: '/dev/zero as a package', args: () => add('/dev/zero'), message: /\/dev\/zero is not a regular file/},
    {name: 'a .deb that is a symlink to /dev/zero', args: () => add(path.join(files, 'zero_1.0_amd64.deb')), message: /zero_1\.0_amd64\.deb is not a regular file/},
    {name: 'a FIFO listed by a .dsc', args: () => add(dsc), message: /fifosrc_1\.0\.orig\.tar\.gz \(listed in fifosrc_1\.0-1\.dsc\).* is a FIFO/},
    {name: 'a FIFO as --sign-key', args: () => ['publish', '--sign-key', fifo('key.asc')], message: /signing key file .* is a FIFO/},
    {name: '/dev/zero as --sign-key', args: () => ['publish', '--sign-key', '/dev/zero'], message: /signing key file \(\/dev\/zero\) is a character device/},
    {name: 'a directory as --sign-key', args: () => ['publish', '--sign-key', path.join(files, 'a-directory')], message: /signing key file .* is a directory/},
    {name: 'a 5 MB --sign-key', args: () => ['publish', '--sign-key', path.join(files, 'big-key.asc')], message: /signing key file \(big-key\.asc\) is more than 1 MiB/},
    {name: 'a FIFO as --keyring (package add)', args: () => [...add(changes), '--keyring', fifo('uploaders.gpg')], message: /keyring .* is a FIFO/},
    {name: '/dev/null as --keyring (package add)', args: () => [...add(changes), '--keyring', '/dev/null'], message: /keyring \(\/dev\/null\) is a character device/},
    {name: 'a FIFO as --keyring (import)', args: () => ['import', pathToFileURL(path.join(work, 'upstream')).href, 'stable', '--to', 'imported', '--keyring', fifo('upstream.gpg')], message: /keyring .* is a FIFO/},
    {name: 'a FIFO as key use FILE', args: () => ['key', 'use', fifo('use.asc')], message: /key file .* is a FIFO/},
    {name: 'a FIFO as key generate --out (with --force)', args: () => ['key', 'generate', '--name', 'x', '--email', 'x@example.org', '--out', fifo('out.asc'), '--force'], message: /out\.asc exists and is not a regular file/},
    {name: '/dev/zero as key use FILE', args: () => ['key', 'use', '/dev/zero'], message: /key file \(\/dev\/zero\) is a character device/},
  ]
  for (const c of cases) {
    it(c.name, async () => {
      const before = state(s)
      const res = await run(c.args(), {cwd: s.dir, killAfterMs: 10_000})
      expectRefused(res, c.code ?? 2, c.message, c.name)
      expect(state(s), `${c.name}: something changed`).toEqual(before)
    }, 30_000)
  }

  it('a key file a pushed rotation names, when it is a FIFO: key status and publish refuse it at once', async () => {
    // signing.json as a pusher could commit it: paths only, here a FIFO on this machine.
    const old = fifo('rotation-old.asc')
    const settings = {keyFile: old, rotation: {step: 'started', old: {keyFile: old}, new: {keyFile: fifo('rotation-new.asc')}}}
    ok(['checkout'], {cwd: s.dir})
    fs.writeFileSync(path.join(s.dir, 'signing.json'), `${JSON.stringify(settings, null, 2)}\n`)
    expect(sh('git', ['add', 'signing.json'], {cwd: s.dir}).code).toBe(0)
    expect(sh('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', 'commit', '--quiet', '-m', 'rotation names a FIFO'], {cwd: s.dir}).code).toBe(0)
    try {
      expectRefused(await run(['key', 'status'], {cwd: s.dir, killAfterMs: 10_000}), 2, /key file .* is a FIFO/, 'key status')
      // publish reports it for each distribution it could not sign, and exits 2
      const pub = await run(['publish'], {cwd: s.dir, killAfterMs: 10_000})
      expect(pub.killed, pub.stderr).toBe(false)
      expect(pub.code, `${pub.stdout}\n${pub.stderr}`).toBe(2)
      expect(`${pub.stdout}\n${pub.stderr}`).toMatch(/key file .* is a FIFO/)
    } finally {
      expect(sh('git', ['reset', '--quiet', '--hard', 'HEAD~1'], {cwd: s.dir}).code).toBe(0)
    }
  }, 60_000)
})

describe('a hostile upstream ends an import in one line, within its timeouts and bounded memory, writing nothing', () => {
  let packagesXz: Buffer
  beforeAll(() => {
    packagesXz = zerosXz
  })

  /** A Release naming main/binary-amd64/Packages.xz with these bytes. */
  function release(packages: Buffer): string {
    const sha = createHash('sha256').update(packages).digest('hex')
    return `Suite: stable\nCodename: stable\nComponents: main\nArchitectures: amd64\nSHA256:\n ${sha} ${packages.length} main/binary-amd64/Packages.xz\n`
  }

  async function serve(handler: http.RequestListener | 'silent'): Promise<{url: string; close: () => Promise<void>}> {
    const sockets = new Set<net.Socket>()
    const server = handler === 'silent' ? net.createServer(() => {}) : http.createServer(handler)
    server.on('connection', (sock: net.Socket) => {
      sockets.add(sock)
      sock.on('close', () => sockets.delete(sock))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as AddressInfo).port
    return {
      url: `http://127.0.0.1:${port}/debian`,
      close: () =>
        new Promise<void>((resolve) => {
          for (const sock of sockets) sock.destroy()
          server.close(() => resolve())
        }),
    }
  }

  const trickle: http.RequestListener = (_req, res) => {
    res.writeHead(200, {'content-type': 'text/plain'})
    const timer = setInterval(() => res.write('S'), 1000)
    res.on('close', () => clearInterval(timer))
  }

  const cases: Array<{name: string; handler: () => http.RequestListener | 'silent'; flags?: string[]; env?: Record<string, string>; code: number; message: RegExp; withinMs: number}> = [
    {
      name: 'a Packages.xz that decompresses to 1 GiB',
      handler: () => (req, res) => {
        if (req.url === '/debian/dists/stable/Release') return res.end(release(packagesXz))
        if (req.url === '/debian/dists/stable/main/binary-amd64/Packages.xz') return res.end(packagesXz)
        res.writeHead(404).end()
      },
      code: 2,
      message: /Packages\.xz decompresses to more than 128 MiB/,
      withinMs: 60_000,
    },
    {
      name: 'a Release that never ends (RAPTR_MAX_INDEX=8M)',
      handler: () => (req, res) => {
        if (req.url !== '/debian/dists/stable/InRelease') return res.writeHead(404).end()
        res.writeHead(200)
        const chunk = Buffer.alloc(64 * 1024, 'A')
        const pump = (): void => {
          while (res.write(chunk)) {}
        }
        res.on('drain', pump)
        pump()
      },
      env: {RAPTR_MAX_INDEX: '8M'},
      code: 2,
      message: /InRelease is more than 8 MiB/,
      withinMs: 30_000,
    },
    {name: 'a server that trickles one byte a second (--timeout 3)', handler: () => trickle, flags: ['--timeout', '3', '--idle-timeout', '2'], code: 4, message: /not finished within 3 s \(timeout\)/, withinMs: 8_000},
    {name: 'a server that accepts and never answers (--idle-timeout 2)', handler: () => 'silent', flags: ['--idle-timeout', '2'], code: 4, message: /no data for 2 s \(idle timeout\)/, withinMs: 8_000},
    {name: 'a server that accepts and never answers (RAPTR_HTTP_IDLE_TIMEOUT=2)', handler: () => 'silent', env: {RAPTR_HTTP_IDLE_TIMEOUT: '2'}, code: 4, message: /no data for 2 s \(idle timeout\)/, withinMs: 8_000},
    {
      name: 'a server that sends headers, then stalls (--idle-timeout 2)',
      handler: () => (_req, res) => {
        res.writeHead(200, {'content-length': '1000'})
        res.write('Suite: ')
      },
      flags: ['--idle-timeout', '2'],
      code: 4,
      message: /no data for 2 s \(idle timeout\)/,
      withinMs: 8_000,
    },
  ]
  for (const c of cases) {
    it(c.name, async () => {
      const server = await serve(c.handler())
      try {
        const before = state(s)
        const res = await run(['import', server.url, 'stable', '--to', 'imported', ...(c.flags ?? [])], {cwd: s.dir, env: c.env, killAfterMs: c.withinMs + 10_000})
        expectRefused(res, c.code, c.message, c.name)
        expect(res.ms, `${c.name}: took ${res.ms} ms`).toBeLessThan(c.withinMs)
        expectBoundedMemory(res, c.name)
        expect(state(s), `${c.name}: something changed`).toEqual(before)
      } finally {
        await server.close()
      }
    }, 120_000)
  }

  it('mirror update takes the same timeout flags: a server that never answers (--idle-timeout 2)', async () => {
    const server = await serve('silent')
    try {
      const add = await run(['mirror', 'add', 'stalled', server.url, 'stable', '--to', 'stalled', '--architectures', 'amd64'], {cwd: s.dir})
      expect(add.code, add.stderr).toBe(0)
      const res = await run(['mirror', 'update', 'stalled', '--idle-timeout', '2'], {cwd: s.dir, killAfterMs: 18_000})
      const before = state(s)
      expectRefused(res, 4, /no data for 2 s \(idle timeout\)/, 'mirror update')
      expect(res.ms, `mirror update took ${res.ms} ms`).toBeLessThan(8_000)
      const bad = await run(['mirror', 'update', 'stalled', '--timeout', 'never'], {cwd: s.dir})
      expectRefused(bad, 2, /--timeout "never" is not a positive number of seconds/, 'bad timeout flag')
      expect(state(s), 'a refused mirror update changed something').toEqual(before)
      const removed = await run(['mirror', 'remove', 'stalled'], {cwd: s.dir})
      expect(removed.code, removed.stderr).toBe(0)
    } finally {
      await server.close()
    }
  }, 60_000)

  it('redirects: followed at most five times, never off http(s), never from https down to http', async () => {
    // A loop: every path redirects to the next hop, for ever.
    const loop = await serve((req, res) => res.writeHead(302, {location: `${req.url}x`}).end())
    const toFile = await serve((_req, res) => res.writeHead(301, {location: 'file:///etc/passwd'}).end())
    // https, with a certificate made for 127.0.0.1 and trusted by the raptr process alone.
    const dir = tempDir('raptr-tls-')
    const [key, cert] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')]
    const made = sh('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert])
    expect(made.code, made.stderr).toBe(0)
    const tls = https.createServer({key: fs.readFileSync(key), cert: fs.readFileSync(cert)}, (req, res) => res.writeHead(302, {location: `${loop.url.replace('/debian', '')}${req.url}`}).end())
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve))
    const httpsUrl = `https://127.0.0.1:${(tls.address() as AddressInfo).port}/debian`
    try {
      const before = state(s)
      const cases: Array<[string, string, RegExp, Record<string, string>?]> = [
        ['a redirect loop', loop.url, /more than 5 redirects/],
        ['a redirect to file:', toFile.url, /redirected to file:\/\/\/etc\/passwd/],
        ['https redirected to http', httpsUrl, /redirected from https to plain http/, {NODE_EXTRA_CA_CERTS: cert}],
      ]
      for (const [what, url, message, env] of cases) {
        const res = await run(['import', url, 'stable', '--to', 'imported'], {cwd: s.dir, env, killAfterMs: 20_000})
        expectRefused(res, 4, message, what)
      }
      expect(state(s), 'a refused redirect changed something').toEqual(before)
    } finally {
      await new Promise<void>((resolve) => tls.close(() => resolve()))
      tls.closeAllConnections()
      await loop.close()
      await toFile.close()
      fs.rmSync(dir, {recursive: true, force: true})
    }
  }, 60_000)

  it('a timeout flag that is not a number is refused', async () => {
    const res = await run(['import', 'http://127.0.0.1:9/debian', 'stable', '--to', 'imported', '--idle-timeout', 'soon'], {cwd: s.dir})
    expectRefused(res, 2, /--idle-timeout "soon" is not a positive number of seconds/, 'bad timeout flag')
  }, 30_000)
})

describe('an upstream pool file is streamed to disk while hashed', () => {
  it('a 512 MiB pool file imported over HTTP: added, in bounded memory', async () => {
    // A .deb written piece by piece: debian-binary, control.tar.gz, and an uncompressed data.tar holding 512 MiB of zeros.
    const big = 512 * MiB
    const control = gzipSync(tarArchive([{name: './', type: '5'}, {name: './control', data: GOOD_CONTROL.replace('Package: forged', 'Package: bigpool')}]))
    const header = tarArchive([{name: './big', data: Buffer.alloc(0)}]).subarray(0, 512)
    header.write(`${big.toString(8).padStart(11, '0')}\0`, 124, 'latin1')
    header.write('        ', 148, 'latin1')
    let sum = 0
    for (const b of header) sum += b
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1')
    const member = (name: string, size: number): string => `${name.padEnd(16)}${'0'.padEnd(12)}${'0'.padEnd(6)}${'0'.padEnd(6)}${'100644'.padEnd(8)}${String(size).padEnd(10)}\`\n`
    const file = path.join(work, 'bigpool_1.0_amd64.deb')
    const fd = fs.openSync(file, 'w')
    const hash = createHash('sha256')
    const put = (b: Buffer | string): void => {
      const buf = Buffer.from(b)
      hash.update(buf)
      fs.writeSync(fd, buf)
    }
    put('!<arch>\n')
    put(member('debian-binary', 4))
    put('2.0\n')
    put(member('control.tar.gz', control.length))
    put(control)
    if (control.length % 2) put('\n')
    put(member('data.tar', 512 + big + 1024))
    put(header)
    const zeros = Buffer.alloc(MiB)
    for (let i = 0; i < big / MiB; i++) put(zeros)
    put(Buffer.alloc(1024))
    fs.closeSync(fd)
    const size = fs.statSync(file).size
    const packages = Buffer.from(`Package: bigpool\nVersion: 1.0\nArchitecture: amd64\nFilename: pool/main/b/bigpool/bigpool_1.0_amd64.deb\nSize: ${size}\nSHA256: ${hash.digest('hex')}\n`)
    const release = `Suite: stable\nCodename: stable\nComponents: main\nArchitectures: amd64\nSHA256:\n ${createHash('sha256').update(packages).digest('hex')} ${packages.length} main/binary-amd64/Packages\n`
    const server = http.createServer((req, res) => {
      if (req.url === '/debian/dists/stable/Release') return void res.end(release)
      if (req.url === '/debian/dists/stable/main/binary-amd64/Packages') return void res.end(packages)
      if (req.url === '/debian/pool/main/b/bigpool/bigpool_1.0_amd64.deb') {
        res.writeHead(200, {'content-length': size})
        return void fs.createReadStream(file).pipe(res)
      }
      res.writeHead(404).end()
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/debian`
      const res = await run(['import', url, 'stable', '--to', 'bigpool', '--json'], {cwd: s.dir, killAfterMs: 240_000})
      expect(res.code, `${res.stdout}\n${res.stderr}`).toBe(0)
      expect(JSON.parse(res.stdout)).toMatchObject({downloaded: 1, packages: [{name: 'bigpool', version: '1.0'}]})
      expectBoundedMemory(res, 'a 512 MiB pool file')
    } finally {
      await new Promise((resolve) => server.close(resolve))
      fs.rmSync(file, {force: true})
    }
  }, 300_000)
})
