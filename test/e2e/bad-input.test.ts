import {spawn, type ChildProcess} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {buildDeb, buildSource} from '../helpers/build-packages.js'
import {archiveState, resetArchive, FIXTURES, ok, raptr, sh, tempDir, type RunResult} from '../helpers/cli.js'
import {arMembers, forgeDeb, GOOD_CONTROL} from '../helpers/deb-forge.js'
import {fileTree, makeTestArchive, type TestArchive} from '../helpers/published-archive.js'

/**
 * Bad input of every kind the project promises to handle: each is refused with one
 * error line and a hint, the documented exit status, and nothing changed — the
 * archive (HEAD, work tree, blob cache) and every backend byte for byte (and inode).
 */

interface Prepared {
  args: string[]
  env?: Record<string, string | undefined>
  cleanup?: () => void
  /** Directories of other backends to hold unchanged. */
  backends?: string[]
}

interface Case {
  name: string
  code: number
  /** Found in the error line (or, for verify, anywhere in what it printed). */
  message: RegExp
  prepare: () => Promise<Prepared> | Prepared
}

let s: TestArchive
let good: string
let goodGz: string
let goodRaw: string
let files: string
let keyWithPassphrase: string

function file(name: string, bytes: Buffer | string): string {
  const f = path.join(files, name)
  fs.writeFileSync(f, bytes)
  return f
}

function flip(bytes: Buffer, from: number, count: number): Buffer {
  const out = Buffer.from(bytes)
  for (let i = from; i < from + count; i++) out[i] ^= 0x5a
  return out
}

/** A Release with a line added by hand (one it never had). */
function handEdited(release: Buffer): string {
  const text = release.toString('utf8')
  const edited = text.replace(/\n/, '\nOrigin: Someone Else\n')
  expect(edited).not.toBe(text)
  return edited
}

const add = (f: string): Prepared => ({args: ['package', 'add', f, '--category', 'public', '--link', 'production']})

function truncations(): Case[] {
  // 16 offsets across the whole file: the ar magic, each member header, inside
  // control.tar, inside data.tar, one byte short
  const bytes = () => fs.readFileSync(good)
  const at = (): number[] => {
    const b = bytes()
    const m = arMembers(b)
    const control = Object.entries(m).find(([k]) => k.startsWith('control.tar'))![1]
    const data = Object.entries(m).find(([k]) => k.startsWith('data.tar'))![1]
    return [0, 1, 7, 8, 40, 68, 72, control.offset - 30, control.offset, control.offset + 10, control.offset + Math.floor(control.size / 2), control.offset + control.size - 1, data.offset - 20, data.offset + 8, data.offset + Math.floor(data.size / 2), b.length - 1]
  }
  return Array.from({length: 16}, (_, i) => ({
    name: `a .deb truncated (offset ${i + 1} of 16)`,
    code: 2,
    message: /truncated_1\.0_amd64\.deb/,
    prepare: () => {
      const offset = at()[i]
      return add(file('truncated_1.0_amd64.deb', bytes().subarray(0, offset)))
    },
  }))
}

function controlFlip(which: () => string, label: string, into: (size: number) => number = (size) => Math.floor(size / 3)): Case {
  return {
    name: `a .deb with flipped bytes in control.tar (${label})`,
    code: 2,
    message: /flipped_1\.0_amd64\.deb/,
    prepare: () => {
      const b = fs.readFileSync(which())
      const control = Object.entries(arMembers(b)).find(([k]) => k.startsWith('control.tar'))![1]
      return add(file('flipped_1.0_amd64.deb', flip(b, control.offset + into(control.size), 8)))
    },
  }
}

function dscVariant(name: string, message: RegExp, edit: (text: string, dir: string) => string, code = 2): Case {
  return {
    name,
    code,
    message,
    prepare: async () => {
      const d = fs.mkdtempSync(path.join(files, 'dsc-'))
      const src = await buildSource(d, {name: 'badsrc', version: '1.0-1'})
      fs.writeFileSync(src.dsc, edit(fs.readFileSync(src.dsc, 'utf8'), d))
      return add(src.dsc)
    },
  }
}

const clearsign = (text: string, signature: string): string => `-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n${text}${signature}`

function backendUrl(url: string, message: RegExp): Case {
  return {name: `an invalid backend URL: ${url || '(empty)'}`, code: 2, message, prepare: () => ({args: ['backend', 'add', 'bad', url]})}
}

const children: ChildProcess[] = []

const cases: Case[] = [
  ...truncations(),
  controlFlip(() => good, 'xz'),
  controlFlip(() => goodGz, 'gzip'),
  // an uncompressed tar has checksums only in its headers: flip bytes of the first one
  controlFlip(() => goodRaw, 'uncompressed', () => 20),
  {name: 'an empty .deb', code: 2, message: /empty_1\.0_amd64\.deb/, prepare: () => add(file('empty_1.0_amd64.deb', ''))},
  {name: 'a .deb of format 3.0', code: 2, message: /format/, prepare: () => add(file('format_1.0_amd64.deb', forgeDeb({debianBinary: '3.0\n'})))},
  {
    name: 'a control member whose control file sits at ../control',
    code: 2,
    message: /dotdot_1\.0_amd64\.deb/,
    prepare: () => add(file('dotdot_1.0_amd64.deb', forgeDeb({entries: [{name: './', type: '5'}, {name: '../control', data: GOOD_CONTROL}]}))),
  },
  {
    name: 'a control member with a ../ path beside a good control file',
    code: 2,
    message: /\.\.\/\.\.\/etc\/cron\.d\/evil/,
    prepare: () =>
      add(file('sneaky_1.0_amd64.deb', forgeDeb({entries: [{name: './', type: '5'}, {name: './control', data: GOOD_CONTROL}, {name: './../../etc/cron.d/evil', data: '* * * * * root true\n'}]}))),
  },
  {
    name: 'a control member whose control file is a symlink',
    code: 2,
    message: /symlink_1\.0_amd64\.deb/,
    prepare: () => add(file('symlink_1.0_amd64.deb', forgeDeb({entries: [{name: './', type: '5'}, {name: './control', type: '2', linkName: '/etc/passwd'}]}))),
  },
  {
    name: 'a control file that is not UTF-8',
    code: 2,
    message: /latin1_1\.0_amd64\.deb.*UTF-8/,
    prepare: () => add(file('latin1_1.0_amd64.deb', forgeDeb({control: Buffer.from(`${GOOD_CONTROL.replace('forged package', 'forg\u00e9 package')}`, 'latin1')}))),
  },
  {
    name: 'a control file with CRLF line ends',
    code: 2,
    message: /crlf_1\.0_amd64\.deb/,
    prepare: () => add(file('crlf_1.0_amd64.deb', forgeDeb({control: GOOD_CONTROL.replaceAll('\n', '\r\n')}))),
  },
  {
    name: 'a control file with a duplicate field',
    code: 2,
    message: /dup_1\.0_amd64\.deb.*Package/,
    prepare: () => add(file('dup_1.0_amd64.deb', forgeDeb({control: `${GOOD_CONTROL}Package: other\n`}))),
  },
  {
    name: 'a control file with a 10 MB field',
    code: 2,
    message: /huge_1\.0_amd64\.deb/,
    prepare: () => add(file('huge_1.0_amd64.deb', forgeDeb({control: `${GOOD_CONTROL}X-Huge: ${'x'.repeat(10 * 1024 * 1024)}\n`}))),
  },
  dscVariant('a .dsc whose signature block never ends', /badsrc_1\.0-1\.dsc/, (t) => clearsign(t, '-----BEGIN PGP SIGNATURE-----\n\niQEzBAEBCAAdFiEE\n')),
  dscVariant('a .dsc whose signature is not OpenPGP data', /badsrc_1\.0-1\.dsc.*signature/i, (t) => clearsign(t, '-----BEGIN PGP SIGNATURE-----\n\nbm90IGEgc2lnbmF0dXJlIGF0IGFsbA==\n=AAAA\n-----END PGP SIGNATURE-----\n')),
  dscVariant('a .dsc signed text with nothing after it', /badsrc_1\.0-1\.dsc/, (t) => clearsign(t, '')),
  dscVariant('a .dsc whose SHA256 list gives a wrong size', /orig\.tar\.gz/, (t) =>
    t.replace(/^(Checksums-Sha256:\n [0-9a-f]{64} )(\d+)( badsrc_1\.0\.orig\.tar\.gz)$/m, (_m, a: string, n: string, b: string) => `${a}${Number(n) + 1}${b}`),
  ),
  dscVariant('a .dsc whose MD5 (Files) disagrees with the file', /orig\.tar\.gz/, (t) => t.replace(/^(Files:\n )[0-9a-f]{32}( \d+ badsrc_1\.0\.orig\.tar\.gz)$/m, `$1${'0'.repeat(32)}$2`)),
  dscVariant('a .dsc without a Files field', /Files/, (t) => t.replace(/^Files:\n( .*\n)+/m, '')),
  backendUrl('ftp://example.org/apt', /ftp/),
  backendUrl('s3://', /s3:\/\//),
  backendUrl('s3://Bad_Bucket!/apt', /Bad_Bucket!/),
  backendUrl('file://host.example/srv/apt', /host\.example/),
  backendUrl('no-scheme-at-all', /no-scheme-at-all/),
  {
    name: 'a wrong passphrase',
    code: 2,
    message: /passphrase/i,
    prepare: () => ({args: ['publish', '--sign-key', keyWithPassphrase], env: {RAPTR_SIGNING_PASSPHRASE: 'wrong'}}),
  },
  {
    name: 'a signing key file that is no key',
    code: 2,
    message: /key/i,
    prepare: () => ({args: ['publish', '--sign-key', file('not-a-key.asc', '-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nnonsense\n-----END PGP PRIVATE KEY BLOCK-----\n')]}),
  },
  {
    name: 'a corrupt raptr.json',
    code: 1,
    message: /raptr\.json/,
    // purge is what reads the archive's settings
    prepare: () => {
      const head = archiveState(s.dir).head
      ok(['checkout'], {cwd: s.dir})
      fs.writeFileSync(path.join(s.dir, 'raptr.json'), '{"format": 1, "retention": ')
      expect(sh('git', ['commit', '-qam', 'corrupt raptr.json'], {cwd: s.dir}).code).toBe(0)
      return {
        args: ['purge', '--dry-run'],
        // back to no work tree, as the other cases expect
        cleanup: () => {
          resetArchive(s.dir, head)
          for (const n of fs.readdirSync(s.dir)) if (n !== '.git') fs.rmSync(path.join(s.dir, n), {recursive: true})
          fs.rmSync(path.join(s.dir, '.git', 'index'))
          expect(sh('git', ['config', 'core.bare', 'true'], {cwd: s.dir}).code).toBe(0)
        },
      }
    },
  },
  ...(['publish', 'verify'] as const).map(
    (cmd): Case => ({
      name: `a hand-corrupted publication-log entry on the backend (${cmd})`,
      code: cmd === 'publish' ? 4 : 5,
      message: /raptr\/log\/production\/0000000001\.json/,
      prepare: () => {
        const f = path.join(s.www, 'raptr/log/production/0000000001.json')
        const saved = fs.readFileSync(f)
        fs.writeFileSync(f, saved.subarray(0, Math.floor(saved.length / 2)))
        return {args: cmd === 'publish' ? ['publish', '--sign-key', s.key] : ['verify'], cleanup: () => fs.writeFileSync(f, saved)}
      },
    }),
  ),
  {
    name: 'a hand-edited Release on the backend (verify)',
    code: 5,
    message: /dists\/production\/Release/,
    prepare: () => {
      const f = path.join(s.www, 'dists/production/Release')
      const saved = fs.readFileSync(f)
      fs.writeFileSync(f, handEdited(saved))
      return {args: ['verify'], cleanup: () => fs.writeFileSync(f, saved)}
    },
  },
  {
    name: 'a lock held by a live process',
    code: 3,
    message: /locked/,
    prepare: () => {
      const child = spawn('sleep', ['120'], {stdio: 'ignore'})
      children.push(child)
      const lock = path.join(s.dir, '.git/raptr.lock')
      fs.writeFileSync(lock, `${child.pid}\n`)
      return {
        ...add(good),
        cleanup: () => {
          child.kill('SIGKILL')
          fs.rmSync(lock, {force: true})
        },
      }
    },
  },
  {
    name: 'a directory backend on a full disk',
    code: 4,
    message: /ENOSPC|no space/i,
    prepare: async () => {
      const mnt = path.join(s.work, 'small')
      fs.mkdirSync(mnt, {recursive: true})
      const m = sh('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'raptr-full-disk', mnt])
      if (m.code !== 0) throw new Error(`cannot mount a tmpfs (the test needs root): ${m.stderr}`)
      const head = archiveState(s.dir).head
      const cleanup = (): void => {
        sh('umount', [mnt])
        resetArchive(s.dir, head)
      }
      try {
        ok(['backend', 'add', 'small', `file://${mnt}`], {cwd: s.dir})
        ok(['publish', 'small', '--sign-key', s.key], {cwd: s.dir})
        // fill the disk to within 64 KiB, then add a package that cannot fit
        const df = sh('df', ['-B1', '--output=avail', mnt]).stdout.trim().split('\n').at(-1)!
        fs.writeFileSync(path.join(mnt, 'filler'), Buffer.alloc(Math.max(0, Number(df) - 64 * 1024)))
        const big = await buildDeb(files, {name: 'toobig', version: '1.0', arch: 'amd64', payloadBytes: 512 * 1024})
        ok(['package', 'add', big, '--category', 'public', '--link', 'production'], {cwd: s.dir})
      } catch (error) {
        cleanup()
        throw error
      }
      return {args: ['publish', 'small', '--sign-key', s.key], backends: [mnt], cleanup}
    },
  },
]

function state(backends: string[]): unknown {
  const blobs = path.join(s.dir, '.git/raptr/blobs')
  return {
    archive: archiveState(s.dir),
    blobs: fs.existsSync(blobs) ? [...fileTree(blobs)].sort() : [],
    backends: [s.www, ...backends].map((d) => [...fileTree(d)].sort()),
  }
}

/** One error line (`raptr: …` or a publish's `NAME/DIST: FAILED: …`), followed by its hint. */
function expectOneErrorLine(res: RunResult, message: RegExp, what: string): void {
  const lines = `${res.stdout}\n${res.stderr}`.split('\n')
  const errors = lines.map((l, i) => [l, i] as const).filter(([l]) => /^raptr: (?!note:)|: FAILED: |^Error: /.test(l))
  expect(errors.map(([l]) => l), `${what}:\n${res.stdout}\n${res.stderr}`).toHaveLength(1)
  expect(lines[errors[0][1] + 1], `${what}: a hint follows the error`).toMatch(/^\s+hint: \S/)
  expect(`${res.stdout}\n${res.stderr}`, what).toMatch(message)
  expect(res.stderr, `${what}: no stack trace`).not.toMatch(/\n\s+at /)
}

describe('bad input is refused in one line, with a hint and the documented exit status, and changes nothing', () => {
  beforeAll(async () => {
    s = makeTestArchive()
    files = tempDir('raptr-bad-')
    good = await buildDeb(files, {name: 'good', version: '1.0', arch: 'amd64', payloadBytes: 4096})
    const gz = fs.mkdtempSync(path.join(files, 'gz-'))
    goodGz = await buildDeb(gz, {name: 'good', version: '1.0', arch: 'amd64', compression: 'gzip'})
    const raw = fs.mkdtempSync(path.join(files, 'raw-'))
    goodRaw = await buildDeb(raw, {name: 'good', version: '1.0', arch: 'amd64', compression: 'none'})
    ok(['package', 'add', path.join(FIXTURES, 'libfoo-doc_2.0_all.deb'), '--category', 'public', '--link', 'production'], {cwd: s.dir})
    ok(['publish', '--sign-key', s.key], {cwd: s.dir})
    // a change waiting to be published, so a publish that got through would write
    ok(['package', 'add', path.join(FIXTURES, 'hello-xz_1.0-1_amd64.deb'), '--category', 'public', '--link', 'production'], {cwd: s.dir})
    keyWithPassphrase = path.join(s.work, 'protected.asc')
    ok(['key', 'generate', '--name', 'protected', '--email', 'p@example.org', '--out', keyWithPassphrase], {cwd: s.work, env: {RAPTR_SIGNING_PASSPHRASE: 'right'}})
  })
  afterAll(() => {
    for (const c of children) c.kill('SIGKILL')
    fs.rmSync(files, {recursive: true, force: true})
    fs.rmSync(s.work, {recursive: true, force: true})
  })

  it('the forged package the bad variants start from is itself accepted', () => {
    // otherwise a refusal below could be for the wrong reason
    const d = tempDir('raptr-forged-')
    try {
      const f = path.join(d, 'forged_1.0_amd64.deb')
      fs.writeFileSync(f, forgeDeb())
      expect(sh('dpkg-deb', ['--field', f, 'Package']).stdout.trim()).toBe('forged')
      const other = makeTestArchive({directoryBackend: false})
      ok(['package', 'add', f, '--category', 'public', '--link', 'production'], {cwd: other.dir})
      fs.rmSync(other.work, {recursive: true, force: true})
    } finally {
      fs.rmSync(d, {recursive: true, force: true})
    }
  })

  it(`covers at least 30 kinds (${cases.length} cases)`, () => {
    expect(new Set(cases.map((c) => c.name.replace(/ \(offset \d+ of 16\)$/, ''))).size).toBeGreaterThanOrEqual(30)
  })

  for (const c of cases) {
    it(c.name, async () => {
      const p = await c.prepare()
      const head = archiveState(s.dir).head
      try {
        const before = state(p.backends ?? [])
        const res = raptr(p.args, {cwd: s.dir, env: p.env})
        expect(res.code, `${c.name}: exit ${res.code}\n${res.stdout}\n${res.stderr}`).toBe(c.code)
        expectOneErrorLine(res, c.message, c.name)
        expect(state(p.backends ?? []), `${c.name}: something changed`).toEqual(before)
      } finally {
        // a case that got through must not spoil the next ones
        if (archiveState(s.dir).head !== head) resetArchive(s.dir, head)
        p.cleanup?.()
      }
    })
  }

  // last: a publish that repairs changes the backend for good
  it('a hand-edited Release on the backend: publish says so, and either refuses (exit 4, nothing written) or puts back what the log says', async () => {
    const f = path.join(s.www, 'dists/production/Release')
    const saved = fs.readFileSync(f)
    const head = archiveState(s.dir).head
    fs.writeFileSync(f, handEdited(saved))
    try {
      const before = state([])
      const res = raptr(['publish', '--sign-key', s.key], {cwd: s.dir})
      const out = `${res.stdout}\n${res.stderr}`
      expect(out, 'publish names the damaged file').toMatch(/dists\/production\/Release\b/)
      if (res.code === 4) {
        expectOneErrorLine(res, /dists\/production\/Release/, 'publish over a hand-edited Release')
        expect(state([])).toEqual(before)
      } else {
        expect(res.code, out).toBe(0)
        expect(fs.readFileSync(f, 'utf8')).not.toMatch(/Someone Else/)
        expect(raptr(['verify'], {cwd: s.dir}).code).toBe(0)
      }
    } finally {
      if (archiveState(s.dir).head !== head) resetArchive(s.dir, head)
    }
  })
})
