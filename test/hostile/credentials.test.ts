import crypto from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import path from 'node:path'
import {pathToFileURL} from 'node:url'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {archiveFile, archiveState, ok, okJson, raptr, sh, type RunResult} from '../helpers/cli.js'
import {makeTestArchive, type TestArchive} from '../helpers/published-archive.js'
import {redactUrl} from '../../src/backends/url.js'
import {MAX_ECHO, MAX_LISTED, safeMessage} from '../../src/cli/report-error.js'

/**
 * Flags and environment may configure raptr but never put a secret into the archive,
 * the published tree or the output: a URL carrying credentials is refused wherever a
 * URL is taken (one line, BAD_URL, exit 2, the secret masked), one read back from a
 * pushed archive is refused too, and afterwards no byte of the secret is anywhere in
 * the archive (every git object of every commit, the work tree, .git/raptr), the
 * published tree, or anything raptr printed. Also: file:// URLs with dot segments are
 * recorded resolved, key generate's rough edges are one line, and a long or
 * control-laden value is echoed cut and escaped.
 */

const KEY = 'AKIAIOSFODNN7EXAMPLE'
// A fresh secret per run (so a stale copy cannot make a grep find one), with a '/' as AWS secrets have.
const SECRET = `wJalrXUtnFEMI${crypto.randomBytes(6).toString('hex')}/K7MDENG+bPxRfiCY`
const SECRET_HEAD = SECRET.slice(0, 19)

let s: TestArchive
let server: http.Server
let port = 0
const requests: string[] = []
const printed: RunResult[] = []

/** Runs raptr and keeps what it printed for the final grep. */
function run(args: string[], opts: {cwd?: string; env?: Record<string, string>} = {}): RunResult {
  const res = raptr(args, {cwd: opts.cwd ?? s.dir, env: {GIT_TERMINAL_PROMPT: '0', ...opts.env}})
  printed.push(res)
  return res
}

/** A refusal as users see it: the exit status, and exactly `raptr: …` and `  hint: …`. */
function expectOneLine(res: RunResult, code: number, message: RegExp): void {
  const lines = res.stderr.split('\n').filter(Boolean)
  expect(res.code, res.stderr).toBe(code)
  expect(lines).toHaveLength(2)
  expect(lines[0]).toMatch(message)
  expect(lines[1]).toMatch(/^ {2}hint: ./)
}

function expectNoSecret(text: string, where: string): void {
  expect(text.includes(SECRET), where).toBe(false)
  expect(text.includes(SECRET_HEAD), where).toBe(false)
}

beforeAll(async () => {
  s = makeTestArchive()
  server = http.createServer((req, res) => {
    requests.push(`${req.url} ${req.headers.authorization ?? ''}`)
    res.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
})

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve))
  fs.rmSync(s.work, {recursive: true, force: true})
})

describe('a URL carrying credentials is refused, masked', () => {
  const cases: Array<{name: string; args: () => string[]}> = [
    {name: '--endpoint', args: () => ['backend', 'add', 'cdn', 's3://acme-apt/debian', '--endpoint', `https://${KEY}:${SECRET}@127.0.0.1:9000`, '--path-style']},
    {name: '--public-url', args: () => ['backend', 'add', 'cdn', `file://${s.work}/cdn`, '--public-url', `https://apt:${SECRET}@cdn.example.org/debian`]},
    {name: 's3://KEY:SECRET@bucket', args: () => ['backend', 'add', 'cdn', `s3://${KEY}:${SECRET}@acme-apt/debian`]},
    {name: 'file://user:pass@/dir', args: () => ['backend', 'add', 'cdn', `file://apt:${SECRET}@/${s.work}/cdn`]},
    {name: 'an http import URL', args: () => ['import', `http://apt:${SECRET}@127.0.0.1:${port}/debian`, 'stable', '--to', 'production']},
    {name: 'an s3 import URL', args: () => ['import', `s3://${KEY}:${SECRET}@acme-apt/debian`, 'stable', '--to', 'production']},
    {name: 'a file import URL', args: () => ['import', `file://apt:${SECRET}@/srv/mirror`, 'stable', '--to', 'production']},
  ]
  for (const c of cases) {
    it(`${c.name}: BAD_URL, exit 2, one line, the secret masked, nothing changed`, () => {
      const before = archiveState(s.dir)
      const res = run(c.args())
      expectOneLine(res, 2, /^raptr: the .*:\/\/\*\*\*@.* carries credentials/)
      expectNoSecret(res.stdout + res.stderr, c.name)
      expect(archiveState(s.dir)).toEqual(before)
      const json = run([...c.args(), '--json'])
      expect(json.code).toBe(2)
      expect(JSON.parse(json.stdout).error.code).toBe('BAD_URL')
      expectNoSecret(json.stdout + json.stderr, `${c.name} --json`)
    })
  }

  it('the http source was never asked for anything', () => {
    expect(requests).toEqual([])
  })

  it('a failing clone prints its remote without the userinfo', () => {
    const res = run(['clone', `http://apt:${SECRET}@127.0.0.1:${port}/archive.git`, path.join(s.work, 'clone')], {cwd: s.work})
    expect(res.code).not.toBe(0)
    expect(res.stderr.split('\n').filter(Boolean)).toHaveLength(2)
    expect(res.stderr).toMatch(/http:\/\/\*\*\*@127\.0\.0\.1/)
    expectNoSecret(res.stdout + res.stderr, 'clone')
  })

  it('a backend a pusher recorded with credentials is refused when read, never used or printed', () => {
    const other = path.join(s.work, 'pushed')
    ok(['init', other], {cwd: s.work})
    ok(['checkout'], {cwd: other})
    fs.mkdirSync(path.join(other, 'backends'), {recursive: true})
    fs.writeFileSync(path.join(other, 'backends', 'leaky.json'), `${JSON.stringify({url: 's3://acme-apt/debian', endpoint: `https://${KEY}:${SECRET}@127.0.0.1:${port}`, pathStyle: true}, null, 2)}\n`)
    expect(sh('git', ['add', 'backends/leaky.json'], {cwd: other}).code).toBe(0)
    expect(sh('git', ['-c', 'user.name=pusher', '-c', 'user.email=p@example.org', 'commit', '-qm', `backend added: leaky https://${KEY}:${SECRET}@127.0.0.1:${port}`], {cwd: other}).code).toBe(0)
    // Its history is printed masked.
    for (const args of [['log'], ['log', '--oneline'], ['log', '--json']]) {
      const res = run(args, {cwd: other})
      expect(res.code, res.stderr).toBe(0)
      expect(res.stdout).toContain('https://***@127.0.0.1')
      expectNoSecret(res.stdout + res.stderr, args.join(' '))
    }
    for (const args of [['backend', 'list'], ['publish', 'leaky', '--sign-key', s.key], ['publish', '--sign-key', s.key], ['import', 's3://acme-apt/debian', 'stable', '--to', 'production']]) {
      const res = run(args, {cwd: other})
      expectOneLine(res, 1, /^raptr: backends\/leaky\.json in the archive records credentials in its endpoint \(https:\/\/\*\*\*@127\.0\.0\.1:\d+\)/)
      expectNoSecret(res.stdout + res.stderr, args.join(' '))
    }
    expect(requests).toEqual([])
    // The way out the hint gives: re-add it without the secret.
    ok(['backend', 'add', 'leaky', 's3://acme-apt/debian', '--endpoint', `http://127.0.0.1:${port}`, '--path-style'], {cwd: other})
    expect(okJson<Array<{name: string; endpoint?: string}>>(['backend', 'list'], {cwd: other}).find((b) => b.name === 'leaky')?.endpoint).toBe(`http://127.0.0.1:${port}`)
  })

  it('afterwards the secret is nowhere: git objects of every commit, work tree, .git/raptr, the published tree, the output', () => {
    ok(['publish', '--sign-key', s.key], {cwd: s.dir})
    expect(fs.existsSync(path.join(s.www, 'index.html'))).toBe(true)
    const revs = sh('git', ['rev-list', '--all'], {cwd: s.dir}).stdout.split('\n').filter(Boolean)
    expect(revs.length).toBeGreaterThan(3)
    for (const needle of [SECRET, SECRET_HEAD]) {
      // git grep exits 1 for "no match" (2 would be an error, which must fail too).
      expect(sh('git', ['grep', '-F', '-e', needle, ...revs], {cwd: s.dir}).code).toBe(1)
      expect(sh('git', ['log', '-p', '--all'], {cwd: s.dir}).stdout.includes(needle)).toBe(false)
      const objects = sh('git', ['cat-file', '--batch-all-objects', '--batch'], {cwd: s.dir})
      expect(objects.code).toBe(0)
      expect(objects.stdout.length).toBeGreaterThan(1000)
      expect(objects.stdout.includes(needle)).toBe(false)
      // Raw bytes: the work tree, .git (refs, config, logs, .git/raptr) and the published tree.
      for (const root of [s.dir, s.www]) {
        const grep = sh('grep', ['-r', '-F', '-l', '-e', needle, root])
        expect(grep.code, grep.stdout).toBe(1)
      }
    }
    expect(printed.length).toBeGreaterThan(10)
    for (const res of printed) expectNoSecret(res.stdout + res.stderr, 'output')
  })
})

describe('--endpoint and --public-url', () => {
  it('only http(s) (and file for --public-url), only the characters a URL holds: at add and when read back', () => {
    for (const [flag, value] of [
      ['--endpoint', 'ftp://127.0.0.1:21'],
      ['--public-url', 'javascript:alert(1)'],
      ['--public-url', 'https://cdn.example.org/"><script>x</script>'],
      ['--public-url', 'https://cdn.example.org/\ndeb http://evil.example.org/ stable main'],
      ['--public-url', 'not a url'],
    ]) {
      const before = archiveState(s.dir)
      expectOneLine(run(['backend', 'add', 'cdn', 's3://acme-apt/debian', flag, value]), 2, /^raptr: the --(endpoint|public-url) .*(is not|holds)/)
      expect(archiveState(s.dir)).toEqual(before)
    }
    const other = path.join(s.work, 'pushed-url')
    ok(['init', other], {cwd: s.work})
    ok(['checkout'], {cwd: other})
    fs.mkdirSync(path.join(other, 'backends'))
    fs.writeFileSync(path.join(other, 'backends', 'cdn.json'), `${JSON.stringify({url: 's3://acme-apt/debian', publicUrl: 'https://cdn.example.org/\ndeb http://evil.example.org/ stable main'})}\n`)
    expect(sh('git', ['add', '-A'], {cwd: other}).code).toBe(0)
    expect(sh('git', ['-c', 'user.name=pusher', '-c', 'user.email=p@example.org', 'commit', '-qm', 'cdn'], {cwd: other}).code).toBe(0)
    expectOneLine(run(['backend', 'list'], {cwd: other}), 1, /^raptr: backends\/cdn\.json in the archive is invalid: the publicUrl .* holds "\\n"/)
  })
})

describe('file:// URLs with dot segments', () => {
  it('file:///pub/../../DIR is recorded, printed and published as file:///DIR', () => {
    const target = path.join(s.work, 'dotted')
    const res = ok(['backend', 'add', 'dotted', `file:///pub/../..${target}`], {cwd: s.dir})
    const canonical = pathToFileURL(target).href
    expect(res.stdout).toContain(`(${canonical})`)
    const listed = okJson<Array<{name: string; url: string}>>(['backend', 'list'], {cwd: s.dir}).find((b) => b.name === 'dotted')
    expect(listed?.url).toBe(canonical)
    expect(archiveFile(s.dir, 'backends/dotted.json')).not.toContain('..')
    ok(['publish', 'dotted', '--sign-key', s.key], {cwd: s.dir})
    expect(fs.existsSync(path.join(target, 'dists', 'production', 'InRelease'))).toBe(true)
    expect(fs.readFileSync(path.join(target, 'index.html'), 'utf8')).not.toContain('/pub/..')
  })

  it('an import source is read, and named, resolved', () => {
    const res = run(['import', `file:///pub/../..${s.work}/nowhere`, 'stable', '--to', 'production'])
    expectOneLine(res, 2, new RegExp(`^raptr: ${pathToFileURL(path.join(s.work, 'nowhere')).href} has no dists/stable/`))
  })
})

describe('key generate', () => {
  it('a malformed e-mail is one line, exit 2', () => {
    for (const email of ['not an email', 'a@b@c', '<x@example.org>', 'x@example.org.', `${'a'.repeat(300)}@example.org`, 'x\n@example.org']) {
      const out = path.join(s.work, 'k.asc')
      const res = run(['key', 'generate', '--name', 'n', '--email', email, '--out', out], {cwd: s.work})
      expectOneLine(res, 2, /^raptr: invalid --email /)
      expect(fs.existsSync(out)).toBe(false)
    }
    expectOneLine(run(['key', 'generate', '--name', 'a\nb', '--email', 'x@example.org', '--out', path.join(s.work, 'k.asc')], {cwd: s.work}), 2, /^raptr: invalid --name /)
  })

  it('--out inside an archive (work tree, .git, or through a symbolic link) is refused', () => {
    fs.symlinkSync(s.dir, path.join(s.work, 'link'))
    const before = archiveState(s.dir)
    for (const out of [path.join(s.dir, 'signing.asc'), path.join(s.dir, 'dists', 'new', 'k.asc'), path.join(s.dir, '.git', 'k.asc'), path.join(s.dir, '.git', 'raptr', 'k.asc'), path.join(s.work, 'link', 'k.asc'), 'signing.asc']) {
      const res = run(['key', 'generate', '--name', 'n', '--email', 'x@example.org', '--out', out])
      expectOneLine(res, 2, /^raptr: --out .* is inside the raptr archive at /)
      expect(fs.existsSync(path.resolve(s.dir, out))).toBe(false)
    }
    expect(archiveState(s.dir)).toEqual(before)
    // Beside the archive is fine.
    ok(['key', 'generate', '--name', 'n', '--email', 'x@example.org', '--out', path.join(s.work, 'beside.asc')], {cwd: s.work})
  })

  it('--force writes a new 0600 file: never through a symbolic link, never keeping an old mode', () => {
    const loose = path.join(s.work, 'loose.asc')
    fs.writeFileSync(loose, 'old', {mode: 0o644})
    ok(['key', 'generate', '--name', 'n', '--email', 'x@example.org', '--out', loose, '--force'], {cwd: s.work})
    expect(fs.statSync(loose).mode & 0o777).toBe(0o600)
    const victim = path.join(s.work, 'victim.txt')
    fs.writeFileSync(victim, 'untouched', {mode: 0o644})
    const link = path.join(s.work, 'via-link.asc')
    fs.symlinkSync(victim, link)
    ok(['key', 'generate', '--name', 'n', '--email', 'x@example.org', '--out', link, '--force'], {cwd: s.work})
    expect(fs.readFileSync(victim, 'utf8')).toBe('untouched')
    expect(fs.lstatSync(link).isFile()).toBe(true)
    expect(fs.statSync(link).mode & 0o777).toBe(0o600)
  })

  it('an --out in a missing directory is one line, exit 2', () => {
    expectOneLine(run(['key', 'generate', '--name', 'n', '--email', 'x@example.org', '--out', path.join(s.work, 'no', 'such', 'k.asc')], {cwd: s.work}), 2, /^raptr: cannot write the key to .*ENOENT/)
  })
})

describe('echoed values', () => {
  it('a 100 KB value is cut with an ellipsis; control characters are shown escaped', () => {
    const long = run(['distribution', 'set', `d${'x'.repeat(100_000)}`, '--origin', 'o'])
    expect(long.code).toBe(2)
    const lines = long.stderr.split('\n').filter(Boolean)
    expect(lines).toHaveLength(2)
    expect(Array.from(lines[0]).length).toBeLessThanOrEqual('raptr: '.length + MAX_ECHO)
    expect(lines[0]).toContain('…')
    const json = run(['distribution', 'set', `d${'x'.repeat(100_000)}`, '--origin', 'o', '--json'])
    expect(json.stdout.length).toBeLessThan(4 * MAX_ECHO)
    const hostile = run(['distribution', 'set', 'a\nraptr: fake\u001b[31m\u202e', '--origin', 'o'])
    expect(hostile.code).toBe(2)
    expect(hostile.stderr.split('\n').filter(Boolean)).toHaveLength(2)
    expect(hostile.stderr).not.toMatch(/[\u001b\u202e]/)
    expect(hostile.stderr).toContain('a\\nraptr: fake\\u001b[31m\\u202e')
  })

  it('redactUrl masks userinfo wherever a URL appears, and nothing else', () => {
    expect(redactUrl(`cannot reach https://${KEY}:${SECRET}@h:9000/x (ECONNREFUSED)`)).toBe('cannot reach https://***@h:9000/x (ECONNREFUSED)')
    expect(redactUrl(`"s3://${KEY}:${SECRET}@b/p" and file://u@/d`)).toBe('"s3://***@b/p" and file://***@/d')
    for (const plain of ['git@example.org:acme/apt.git', 'https://h/p?who=a@b', 'mail a@b', 'file:///srv/apt']) expect(redactUrl(plain)).toBe(plain)
  })

  it('a CONFLICT listing keeps one line per item, each guarded, at most MAX_LISTED', () => {
    const items = Array.from({length: MAX_LISTED + 5}, (_, i) => `  item ${i} ${i === 0 ? `x${'y'.repeat(1000)}` : '\u001b[2J'}`)
    const out = safeMessage(`the archive conflicts (${items.length} items):\n${items.join('\n')}`, true).split('\n')
    expect(out).toHaveLength(1 + MAX_LISTED + 1)
    expect(out[1].endsWith('…')).toBe(true)
    expect(out[2]).toBe('  item 1 \\u001b[2J')
    expect(out.at(-1)).toBe('  … and 5 more')
  })
})
