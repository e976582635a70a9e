import fs from 'node:fs'
import path from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {buildDeb} from '../helpers/build-packages.js'
import {archiveState, ok, raptr, sh, tempDir, type RunResult} from '../helpers/cli.js'
import {blob, gitIn, lsTree, nest, pushTree, rawTree, withEntry, type RawEntry} from './git-plumbing.js'

/**
 * Archive trees are untrusted input: whoever can push to the archive's remote may change
 * packages and settings, never run code on another machine, write outside a clone or
 * brick the archive. Each hostile tree below is pushed (as a commit on the honest one)
 * to a bare remote, then `raptr sync`, `raptr clone` and a `--sync` publish must each
 * refuse it: exit 3, one error line naming the commit and the path, no canary, nothing
 * outside the clone, the existing clone exactly as before.
 */

let work: string
let remote: string
let victim: string
let outside: string
let canary: string
let script: string
let honestHead: string
let honestTree: string
let recordPath: string

/** Everything under `dir` (names, recursively), for "nothing was written here". */
function listing(dir: string): string[] {
  return fs.readdirSync(dir, {recursive: true, encoding: 'utf8'}).sort()
}

/** The clone's state as a refusal must leave it. */
function cloneState(dir: string): Record<string, string> {
  return {
    ...archiveState(dir),
    tracking: sh('git', ['rev-parse', 'refs/remotes/origin/main'], {cwd: dir}).stdout.trim(),
    index: sh('git', ['ls-files', '-s'], {cwd: dir}).stdout,
    files: listing(dir).filter((p) => !p.startsWith('.git')).join('\n'),
  }
}

interface Hostile {
  name: string
  /** The hostile tree (the honest one plus something). */
  tree: () => string
  /** The path the error line must show. */
  shown: string
  /** What `raptr clone` says instead, when not the same refusal. */
  clone?: {code: number; message: RegExp}
}

/** One error line (plus its hint), naming the commit and the path; no stack trace. */
function expectRefusal(res: RunResult, where: string, commit: string, shown: string, warning?: RegExp): void {
  expect(res.code, res.stderr).toBe(3)
  const lines = res.stderr.split('\n').filter((l) => l && !warning?.test(l))
  const errors = lines.filter((l) => l.startsWith('raptr:'))
  expect(errors, res.stderr).toHaveLength(1)
  expect(lines.filter((l) => !l.startsWith('raptr:') && !l.startsWith('  hint:')), res.stderr).toEqual([])
  expect(errors[0]).toContain(`the archive at ${where} (${commit.slice(0, 12)})`)
  expect(errors[0]).toContain(shown)
}

beforeAll(async () => {
  work = tempDir('raptr-hostile-trees-')
  outside = path.join(work, 'outside')
  fs.mkdirSync(outside)
  fs.writeFileSync(path.join(outside, 'sentinel'), 'untouched\n')
  canary = path.join(work, 'canary')
  script = path.join(work, 'fsmonitor.sh')
  fs.writeFileSync(script, `#!/bin/sh\ntouch '${canary}'\n`, {mode: 0o755})

  const origin = path.join(work, 'origin')
  ok(['init', origin], {cwd: work})
  ok(['distribution', 'add', 'staging', '--architectures', 'amd64'], {cwd: origin})
  ok(['category', 'add', 'main', '--to', 'staging'], {cwd: origin})
  ok(['backend', 'add', 'local', `file://${path.join(work, 'www')}`], {cwd: origin})
  const deb = await buildDeb(fs.mkdtempSync(path.join(work, 'pkg-')), {name: 'hello', version: '1.0', arch: 'amd64', payloadBytes: 64, seed: 7})
  ok(['package', 'add', deb, '--category', 'main', '--link', 'staging'], {cwd: origin})
  remote = path.join(work, 'remote.git')
  expect(sh('git', ['clone', '--quiet', '--bare', origin, remote]).code).toBe(0)
  victim = path.join(work, 'victim')
  ok(['clone', remote, victim], {cwd: work})
  // With a work tree, as a person reading the files has: every refusal must leave it too.
  ok(['checkout'], {cwd: victim})
  ok(['sync'], {cwd: victim})
  honestHead = gitIn(remote, ['rev-parse', 'main'])
  honestTree = gitIn(remote, ['rev-parse', 'main^{tree}'])
  recordPath = gitIn(remote, ['ls-tree', '-r', '--name-only', 'main', 'packages/'])
  expect(recordPath).toMatch(/^packages\/[0-9a-f]{2}\/hello\/1\.0_amd64$/)
})

const fsmonitorConfig = (): string => `[core]\n\trepositoryformatversion = 0\n\tbare = false\n\tfsmonitor = ${script}\n`
const file = (name: string, content: string): RawEntry => ({mode: '100644', name, oid: blob(remote, content)})
const dir = (name: string, entries: RawEntry[]): RawEntry => ({mode: '40000', name, oid: rawTree(remote, entries)})
const top = (e: RawEntry): string => withEntry(remote, honestTree, [], e)

const HOSTILE: Hostile[] = [
  {name: '.git/config with core.fsmonitor', tree: () => top(dir('.git', [file('config', fsmonitorConfig())])), shown: '".git"'},
  {name: '.GIT/hooks/x', tree: () => top(nest(remote, ['.GIT', 'hooks'], {...file('x', `#!/bin/sh\ntouch '${canary}'\n`), mode: '100755'})), shown: '".GIT"'},
  {name: '.git. (trailing dot)', tree: () => top(dir('.git.', [file('config', fsmonitorConfig())])), shown: '".git."'},
  {name: 'git~1 (NTFS short name)', tree: () => top(dir('git~1', [file('config', fsmonitorConfig())])), shown: '"git~1"'},
  {name: '.git::$INDEX_ALLOCATION (NTFS stream)', tree: () => withEntry(remote, honestTree, ['dists'], dir('.git::$INDEX_ALLOCATION', [file('config', fsmonitorConfig())])), shown: '"dists/.git::$INDEX_ALLOCATION"'},
  {name: '.g\u200cit (HFS+ ignorable)', tree: () => top(dir('.g\u200cit', [file('config', fsmonitorConfig())])), shown: '".g\u200cit"'},
  {name: '.gitattributes under dists', tree: () => withEntry(remote, honestTree, ['dists'], file('.gitattributes', '* filter=evil\n')), shown: '"dists/.gitattributes"'},
  {name: '.gitmodules', tree: () => top(file('.gitmodules', '[submodule "x"]\n\tpath = x\n\turl = ext::sh -c touch% /tmp/x\n')), shown: '".gitmodules"'},
  {name: '.. escaping the clone', tree: () => top(dir('..', [file('escaped', 'out\n')])), shown: '".."'},
  {name: '. entry', tree: () => withEntry(remote, honestTree, ['packages'], dir('.', [file('x', 'x\n')])), shown: '"packages/."'},
  {name: 'an absolute path', tree: () => top(file('/tmp/raptr-absolute', 'out\n')), shown: '"/tmp/raptr-absolute"'},
  {name: 'a symlink out of the clone', tree: () => withEntry(remote, honestTree, ['dists'], {mode: '120000', name: 'evil', oid: blob(remote, outside)}), shown: '"dists/evil"'},
  {name: 'a gitlink', tree: () => withEntry(remote, honestTree, ['packages'], {mode: '160000', name: 'sub', oid: honestHead}), shown: '"packages/sub"'},
  {name: 'an executable file', tree: () => withEntry(remote, honestTree, ['dists'], {...file('run', '#!/bin/sh\n'), mode: '100755'}), shown: '"dists/run"'},
  {name: 'an unknown top-level name', tree: () => top(file('Makefile', 'all:\n')), shown: '"Makefile"'},
  {
    name: 'a 5,000-character path',
    tree: () => withEntry(remote, honestTree, ['contents'], nest(remote, Array.from({length: 25}, (_, i) => `${i}`.padEnd(200, 'd')), file('leaf', 'x\n'))),
    shown: '"contents/0ddd',
  },
  {
    name: 'a record with a SHA256 that is not hex',
    tree: () => {
      const parts = recordPath.split('/')
      const honest = gitIn(remote, ['cat-file', 'blob', `main:${recordPath}`])
      const bad = `${honest.replace(/^SHA256: .*$/m, 'SHA256: ../../../../etc/passwd')}\n`
      return withEntry(remote, honestTree, parts.slice(0, -1), file(parts.at(-1)!, bad))
    },
    shown: '"packages/',
  },
  {name: 'a backend file that fails its schema', tree: () => withEntry(remote, honestTree, ['backends'], file('local.json', '{"url": 42}\n')), shown: '"backends/local.json"'},
  {
    name: 'a category whose name decodes to a path out of the index directory',
    tree: () => withEntry(remote, honestTree, ['dists', 'staging'], dir(`a${'%2f..'.repeat(12)}%2ftmp%2fescaped`, [file('category.json', '{}\n')])),
    shown: '"dists/staging/a%2f..',
  },
  {
    name: 'a keyring.json whose package name would escape /usr/share/keyrings',
    tree: () => top(file('keyring.json', `${JSON.stringify({name: '../../etc/cron.d/x', sections: ['production/main'], maintainer: 'a <a@example.org>'})}\n`)),
    shown: '"keyring.json"',
  },
  {
    name: 'a keyring.json whose maintainer would add a control field',
    tree: () => top(file('keyring.json', `${JSON.stringify({name: 'acme-archive-keyring', sections: ['production/main'], maintainer: 'a\nPre-Depends: evil'})}\n`)),
    shown: '"keyring.json"',
  },
  {name: 'a backend whose name the grammar refuses', tree: () => withEntry(remote, honestTree, ['backends'], file('a b.json', '{"url": "file:///tmp/x"}\n')), shown: '"backends/a b.json"'},
  {
    name: 'a 2 MB file where a record belongs (refused by its size, unread)',
    tree: () => {
      const parts = recordPath.split('/')
      return withEntry(remote, honestTree, parts.slice(0, -1), file(parts.at(-1)!, 'x'.repeat(2 << 20)))
    },
    shown: '"packages/',
  },
  {
    name: 'raptr.json removed',
    tree: () => rawTree(remote, lsTree(remote, honestTree).filter((e) => e.name !== 'raptr.json')),
    shown: '"raptr.json"',
    clone: {code: 2, message: /^raptr: .* is not a raptr archive \(it has no raptr\.json\)$/m},
  },
]

describe('hostile archive trees are refused before anything moves', () => {
  for (const h of HOSTILE) {
    it(h.name, () => {
      const tree = h.tree()
      const commit = pushTree(remote, tree, honestHead)
      const before = cloneState(victim)
      const around = listing(work).filter((p) => !p.startsWith('victim') && !p.startsWith('remote.git'))
      try {
        // raptr sync: the fetch lands, the check refuses, nothing moves.
        expectRefusal(raptr(['sync'], {cwd: victim}), 'origin/main', commit, h.shown)
        expect(cloneState(victim)).toEqual(before)
        // A command with --sync refuses the same way before it does anything.
        expectRefusal(raptr(['publish', '--sync', '--no-sign'], {cwd: victim}), 'origin/main', commit, h.shown, /^publishing UNSIGNED/)
        expect(cloneState(victim)).toEqual(before)
        expectRefusal(raptr(['snapshot', 'create', 'hostile', '--sync'], {cwd: victim}), 'origin/main', commit, h.shown)
        expect(cloneState(victim)).toEqual(before)
        const fsck = sh('git', ['fsck', '--no-dangling'], {cwd: victim})
        expect(fsck.code, fsck.stderr).toBe(0)
        // raptr clone: refused, and the directory it would have made is not there.
        const target = path.join(work, 'newclone')
        const cloned = raptr(['clone', remote, target], {cwd: work})
        if (h.clone) {
          expect(cloned.code, cloned.stderr).toBe(h.clone.code)
          expect(cloned.stderr).toMatch(h.clone.message)
        } else {
          expectRefusal(cloned, remote, commit, h.shown)
        }
        expect(fs.existsSync(target)).toBe(false)
        // No program ran, nothing was written outside the clones.
        expect(fs.existsSync(canary)).toBe(false)
        expect(listing(work).filter((p) => !p.startsWith('victim') && !p.startsWith('remote.git'))).toEqual(around)
        expect(listing(outside)).toEqual(['sentinel'])
      } finally {
        gitIn(remote, ['update-ref', 'refs/heads/main', honestHead])
      }
    })
  }

  it('an honest change still comes in: sync fast-forwards, and a clone of it works', () => {
    const other = path.join(work, 'other')
    ok(['clone', remote, other], {cwd: work})
    ok(['snapshot', 'create', 'release-1'], {cwd: other})
    const r = JSON.parse(ok(['sync', '--json'], {cwd: victim}).stdout) as {integrated: string}
    expect(r.integrated).toBe('fast-forward')
    expect(fs.existsSync(path.join(victim, 'snapshots', 'release-1.json'))).toBe(true)
    expect(archiveState(victim).status).toBe('')
    expect(fs.existsSync(canary)).toBe(false)
  })
})

describe('the work tree writer and the lock', () => {
  it('a symlink planted in the work tree is replaced, never written through', () => {
    const other = path.join(work, 'writer')
    ok(['clone', remote, other], {cwd: work})
    ok(['checkout'], {cwd: other})
    // Someone replaced the snapshots directory with a symlink out of the clone.
    fs.rmSync(path.join(other, 'snapshots'), {recursive: true, force: true})
    fs.symlinkSync(outside, path.join(other, 'snapshots'))
    const pusher = path.join(work, 'pusher')
    ok(['clone', remote, pusher], {cwd: work})
    ok(['snapshot', 'create', 'release-2'], {cwd: pusher})
    ok(['sync'], {cwd: other})
    expect(listing(outside)).toEqual(['sentinel'])
    expect(fs.lstatSync(path.join(other, 'snapshots')).isDirectory()).toBe(true)
    expect(fs.existsSync(path.join(other, 'snapshots', 'release-2.json'))).toBe(true)
  })

  it('a lock path that is a directory or a dangling symlink: one line with a hint, exit 3', () => {
    const lock = path.join(victim, '.git', 'raptr.lock')
    const before = cloneState(victim)
    for (const make of [() => fs.mkdirSync(lock), () => fs.symlinkSync(path.join(work, 'nowhere'), lock)]) {
      make()
      try {
        const res = raptr(['snapshot', 'create', 'locked', '--no-sync'], {cwd: victim})
        expect(res.code, res.stderr).toBe(3)
        const lines = res.stderr.split('\n').filter(Boolean)
        expect(lines).toHaveLength(2)
        expect(lines[0]).toMatch(/^raptr: the archive's lock file \.git\/raptr\.lock is a (directory|symbolic link)/)
        expect(lines[1]).toMatch(/^ {2}hint: .*remove it/)
        expect(fs.existsSync(path.join(work, 'nowhere'))).toBe(false)
      } finally {
        fs.rmSync(lock, {recursive: true, force: true})
      }
    }
    expect(cloneState(victim)).toEqual(before)
  })

  it('a record with a non-hex SHA256 already in the local archive: CORRUPT_ARCHIVE, one line naming the path', () => {
    const local = path.join(work, 'corrupt')
    ok(['clone', remote, local], {cwd: work})
    ok(['checkout'], {cwd: local})
    const rec = path.join(local, ...recordPath.split('/'))
    fs.writeFileSync(rec, fs.readFileSync(rec, 'utf8').replace(/^SHA256: .*$/m, 'SHA256: NOT-HEX'))
    expect(sh('git', ['commit', '--quiet', '-am', 'corrupt', '--no-verify'], {cwd: local, env: {GIT_AUTHOR_NAME: 'x', GIT_AUTHOR_EMAIL: 'x@x', GIT_COMMITTER_NAME: 'x', GIT_COMMITTER_EMAIL: 'x@x'}}).code).toBe(0)
    const res = raptr(['package', 'list'], {cwd: local})
    expect(res.code, res.stderr).toBe(1)
    const lines = res.stderr.split('\n').filter((l) => l.startsWith('raptr:'))
    expect(lines, res.stderr).toHaveLength(1)
    expect(lines[0]).toMatch(new RegExp(`^raptr: ${recordPath}: SHA256 "NOT-HEX" is not 64 lowercase hex digits`))
    expect(res.stderr).not.toMatch(/\n\s+at /)
  })
})

describe('the other ways in', () => {
  it('a hostile commit that needs a merge (the clone has a commit of its own) is refused before merging', () => {
    ok(['snapshot', 'create', 'local-only', '--no-sync'], {cwd: victim})
    // Someone else pushes an honest change, so the two sides have diverged.
    const side = path.join(work, 'side')
    ok(['clone', remote, side], {cwd: work})
    ok(['snapshot', 'create', 'from-the-side'], {cwd: side})
    const head = gitIn(remote, ['rev-parse', 'main'])
    expect(sh('git', ['merge-base', '--is-ancestor', head, 'HEAD'], {cwd: victim}).code).not.toBe(0)
    const tree = withEntry(remote, gitIn(remote, ['rev-parse', 'main^{tree}']), [], dir('.git', [file('config', fsmonitorConfig())]))
    const commit = pushTree(remote, tree, head)
    const before = cloneState(victim)
    try {
      expectRefusal(raptr(['sync'], {cwd: victim}), 'origin/main', commit, '".git"')
      expect(cloneState(victim)).toEqual(before)
      expect(fs.existsSync(canary)).toBe(false)
    } finally {
      gitIn(remote, ['update-ref', 'refs/heads/main', head])
    }
    // The honest remote merges as before.
    expect(JSON.parse(ok(['sync', '--json'], {cwd: victim}).stdout)).toMatchObject({integrated: 'merge', pushed: true})
  })

  it('a clone that fails leaves nothing it made: an empty directory given to it stays, empty; a bad URL leaves no directory', () => {
    const head = gitIn(remote, ['rev-parse', 'main'])
    const commit = pushTree(remote, withEntry(remote, gitIn(remote, ['rev-parse', 'main^{tree}']), ['dists'], dir('..', [file('escaped', 'x\n')])), head)
    const target = path.join(work, 'given-empty')
    fs.mkdirSync(target)
    try {
      expectRefusal(raptr(['clone', remote, target], {cwd: work}), remote, commit, '"dists/.."')
      expect(fs.readdirSync(target)).toEqual([])
    } finally {
      gitIn(remote, ['update-ref', 'refs/heads/main', head])
      fs.rmSync(target, {recursive: true, force: true})
    }
    const res = raptr(['clone', path.join(work, 'no-such-remote.git'), path.join(work, 'from-nowhere')], {cwd: work})
    expect(res.code, res.stderr).toBe(4)
    expect(res.stderr.split('\n').filter((l) => l.startsWith('raptr:'))).toHaveLength(1)
    expect(fs.existsSync(path.join(work, 'from-nowhere'))).toBe(false)
    expect(fs.existsSync(path.join(work, 'escaped'))).toBe(false)
  })

  it('hooks and an fsmonitor already planted in a clone\'s .git never run: every git raptr starts is hardened', () => {
    const planted = path.join(work, 'planted')
    ok(['clone', remote, planted], {cwd: work})
    for (const hook of ['pre-push', 'reference-transaction', 'post-checkout', 'pre-auto-gc']) {
      fs.writeFileSync(path.join(planted, '.git', 'hooks', hook), `#!/bin/sh\ntouch '${canary}'\n`, {mode: 0o755})
    }
    expect(sh('git', ['config', 'core.fsmonitor', script], {cwd: planted}).code).toBe(0)
    try {
      // Sync on (raptr clone): fetch, commit, work-tree sync, push.
      ok(['snapshot', 'create', 'hardened'], {cwd: planted})
      expect(fs.existsSync(canary)).toBe(false)
    } finally {
      sh('git', ['config', '--unset', 'core.fsmonitor'], {cwd: planted})
    }
    expect(gitIn(remote, ['cat-file', '-t', 'main:snapshots/hardened.json'])).toBe('blob')
  })
})
