import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {Archive, type Transaction} from '../../src/store/archive.js'
import {sh, tempDir} from '../helpers/cli.js'

/** A new archive; with `workTree`, one a user asked to have files (raptr checkout), which commits keep in step. */
async function fresh(workTree = false): Promise<Archive> {
  const dir = path.join(tempDir(), 'a')
  const {archive} = await Archive.init(dir, {'raptr.json': '{"format":1}\n'})
  if (workTree) await archive.checkout()
  return archive
}

describe('the archive store', () => {
  it('an archive raptr made has no work tree: commits write git objects and the ref, nothing beside .git', async () => {
    const a = await fresh()
    await a.transaction(async (tx) => {
      for (let i = 0; i < 100; i++) tx.write(`dists/p/c/${i}`, `${i}\n`)
      return {message: 'many', result: null}
    })
    expect(fs.readdirSync(a.dir)).toEqual(['.git'])
    expect(fs.existsSync(path.join(a.gitDir, 'index'))).toBe(false)
    expect(sh('git', ['config', 'core.bare'], {cwd: a.dir}).stdout.trim()).toBe('true')
    expect(sh('git', ['show', 'HEAD:dists/p/c/42'], {cwd: a.dir}).stdout).toBe('42\n')
    expect(fs.existsSync(path.join(a.gitDir, 'raptr', 'sync-pending'))).toBe(false)
    // checkout writes the files and the index; the next commit keeps them in step
    expect(await a.checkout()).toBe(await a.head())
    expect(fs.readFileSync(path.join(a.dir, 'dists/p/c/42'), 'utf8')).toBe('42\n')
    await a.transaction(async (tx) => {
      tx.write('dists/p/c/42', 'changed\n')
      return {message: 'one', result: null}
    })
    expect(fs.readFileSync(path.join(a.dir, 'dists/p/c/42'), 'utf8')).toBe('changed\n')
    expect(sh('git', ['status', '--porcelain'], {cwd: a.dir})).toMatchObject({code: 0, stdout: ''})
  })

  it('a bulk change is one packfile that git itself reads, and a checked-out work tree and index follow', async () => {
    const a = await fresh(true)
    const files: Record<string, string> = {}
    for (let i = 0; i < 500; i++) files[`dists/p/c/amd64/${String(i % 37).padStart(2, '0')}/pkg${i}/1.${i}`] = `Package: pkg${i}\nVersion: 1.${i}\n`
    const {commit} = await a.transaction(async (tx) => {
      for (const [p, c] of Object.entries(files)) tx.write(p, c)
      return {message: 'bulk', result: null}
    })
    expect(commit).toMatch(/^[0-9a-f]{40}$/)
    expect(fs.readdirSync(path.join(a.gitDir, 'objects', 'pack')).filter((f) => f.endsWith('.pack'))).toHaveLength(1)
    const fsck = sh('git', ['fsck', '--strict', '--no-dangling'], {cwd: a.dir})
    expect(fsck.code, fsck.stderr).toBe(0)
    expect(sh('git', ['show', `HEAD:dists/p/c/amd64/05/pkg5/1.5`], {cwd: a.dir}).stdout).toBe(files['dists/p/c/amd64/05/pkg5/1.5'])
    expect(sh('git', ['status', '--porcelain'], {cwd: a.dir})).toMatchObject({code: 0, stdout: ''})
    expect(fs.readFileSync(path.join(a.dir, 'dists/p/c/amd64/36/pkg36/1.36'), 'utf8')).toBe('Package: pkg36\nVersion: 1.36\n')
    // read back through isomorphic-git, from a fresh instance
    const again = await Archive.open(a.dir)
    expect(await (await again.view()).read('dists/p/c/amd64/07/pkg7/1.7')).toBe(files['dists/p/c/amd64/07/pkg7/1.7'])
  })

  it('a commit updates a checked-out work tree and index for the changed paths only, exactly as git would', async () => {
    const a = await fresh(true)
    const untouched = 'pool/keep/me'
    await a.transaction(async (tx) => {
      tx.write(untouched, 'kept\n')
      tx.write('pool/a/x', 'x\n')
      tx.write('pool/a/deep/y', 'y\n')
      tx.write('pool/b', 'a file\n')
      return {message: 'first', result: null}
    })
    const keptStat = fs.statSync(path.join(a.dir, untouched))
    const expectExact = () => {
      // The index lists exactly the tree's files, with their ids, and nothing is modified.
      const index = sh('git', ['ls-files', '-s'], {cwd: a.dir}).stdout
      const tree = sh('git', ['ls-tree', '-r', '--format=%(objectmode) %(objectname) 0	%(path)', 'HEAD'], {cwd: a.dir}).stdout
      expect(index).toBe(tree)
      expect(sh('git', ['status', '--porcelain', '--ignored', '--untracked-files=all'], {cwd: a.dir}).stdout).toBe('')
      const fsck = sh('git', ['fsck', '--strict', '--no-dangling'], {cwd: a.dir})
      expect(fsck.code, fsck.stderr).toBe(0)
    }
    expectExact()
    // pool/a goes (its directories with it), the file pool/b becomes a directory.
    await a.transaction(async (tx) => {
      tx.remove('pool/a')
      tx.remove('pool/b')
      tx.write('pool/b/now/a/dir', 'inside\n')
      return {message: 'second', result: null}
    })
    expect(fs.existsSync(path.join(a.dir, 'pool/a'))).toBe(false)
    expect(fs.readFileSync(path.join(a.dir, 'pool/b/now/a/dir'), 'utf8')).toBe('inside\n')
    expectExact()
    // And back: the directory becomes a file again.
    await a.transaction(async (tx) => {
      tx.remove('pool/b')
      tx.write('pool/b', 'a file again\n')
      return {message: 'third', result: null}
    })
    expect(fs.readFileSync(path.join(a.dir, 'pool/b'), 'utf8')).toBe('a file again\n')
    expectExact()
    // A file no commit changed was never rewritten.
    expect(fs.statSync(path.join(a.dir, untouched)).mtimeMs).toBe(keptStat.mtimeMs)
    expect(fs.statSync(path.join(a.dir, untouched)).ino).toBe(keptStat.ino)
  })

  it('unchanged subtrees keep their ids, and a change that changes nothing makes no commit', async () => {
    const a = await fresh()
    await a.transaction(async (tx) => {
      tx.write('dists/x/a/f', 'one\n')
      tx.write('dists/y/b/g', 'two\n')
      return {message: 'first', result: null}
    })
    const t1 = await a.rootTree()
    const y1 = (await a.trees.entryAt(t1, 'dists/y'))!.oid
    const head1 = await a.head()
    await a.transaction(async (tx) => {
      tx.write('dists/x/a/f', 'changed\n')
      return {message: 'second', result: null}
    })
    const t2 = await a.rootTree()
    expect((await a.trees.entryAt(t2, 'dists/y'))!.oid).toBe(y1)
    expect((await a.trees.entryAt(t2, 'dists/x'))!.oid).not.toBe((await a.trees.entryAt(t1, 'dists/x'))!.oid)
    const head2 = await a.head()
    expect(head2).not.toBe(head1)
    const res = await a.transaction(async (tx) => {
      tx.write('dists/x/a/f', 'changed\n')
      return {message: 'same', result: null}
    })
    expect(res.commit).toBeUndefined()
    expect(await a.head()).toBe(head2)
  })

  it('without the git CLI, isomorphic-git keeps a checked-out work tree and index in step', async () => {
    const a = await fresh(true)
    const saved = process.env.PATH
    process.env.PATH = '/nonexistent'
    try {
      await a.transaction(async (tx) => {
        for (let i = 0; i < 80; i++) tx.write(`dists/q/${i}`, `${i}\n`)
        return {message: 'many', result: null}
      })
      await a.transaction(async (tx) => {
        tx.remove('dists/q/5')
        tx.write('dists/q/6', 'six\n')
        return {message: 'edit', result: null}
      })
    } finally {
      process.env.PATH = saved
    }
    expect(sh('git', ['status', '--porcelain'], {cwd: a.dir}).stdout).toBe('')
    expect(fs.existsSync(path.join(a.dir, 'dists/q/5'))).toBe(false)
    expect(fs.readFileSync(path.join(a.dir, 'dists/q/6'), 'utf8')).toBe('six\n')
    expect(sh('git', ['fsck', '--strict', '--no-dangling'], {cwd: a.dir}).code).toBe(0)
  })

  it('an error inside a transaction leaves the archive at its last commit', async () => {
    const a = await fresh()
    const head = await a.head()
    await expect(
      a.transaction(async (tx) => {
        tx.write('dists/z', 'x\n')
        throw new Error('boom')
      }),
    ).rejects.toThrow('boom')
    expect(await a.head()).toBe(head)
    expect(fs.existsSync(path.join(a.gitDir, 'raptr.lock'))).toBe(false)
  })
  it('a transaction with checkpoints writes its changes into trees as it goes, reads them back, and commits the same tree as one written at once', async () => {
    const files: Array<[string, string]> = []
    for (let i = 0; i < 3000; i++) files.push([`dists/p/c/amd64/${String(i % 41).padStart(2, '0')}/pkg${i}/1.${i}`, `Package: pkg${i}\nVersion: 1.${i}\n`])
    // The same changes, dependent reads included: rewrites and removals of files already written early.
    const run = async (tx: Transaction, checkpoints: boolean): Promise<string[]> => {
      const seen: string[] = []
      for (const [i, [p, c]] of files.entries()) {
        tx.write(p, c)
        // Reads between writes, as an add makes them, of files written before a checkpoint too.
        if (i % 50 === 0) seen.push(String(await tx.read(files[Math.max(0, i - 300)][0])), String(await tx.oidAt(files[Math.max(0, i - 300)][0])))
        if (checkpoints) await tx.checkpoint(400)
      }
      seen.push(String(await tx.read(files[10][0])), String(await tx.read(files[2999][0])), (await tx.list('dists/p/c/amd64/03')).slice(0, 3).join(','))
      tx.write(files[10][0], 'rewritten\n')
      tx.remove('dists/p/c/amd64/07')
      seen.push(String(await tx.read(files[10][0])), String(await tx.read(files[7][0])), String(await tx.read(files[48][0])))
      return seen
    }
    const a = await fresh()
    const b = await fresh()
    const packs = (x: Archive) => fs.readdirSync(path.join(x.gitDir, 'objects', 'pack')).filter((f) => f.endsWith('.pack')).length
    let seenA: string[] = []
    await a.transaction(async (tx) => {
      seenA = await run(tx, false)
      return {message: 'at once', result: null}
    })
    let seenB: string[] = []
    await b.transaction(async (tx) => {
      seenB = await run(tx, true)
      // Past checkpoints: only the changes since the last one are held.
      expect(tx.changes.size).toBeLessThan(400)
      expect(tx.changedCount).toBeGreaterThan(2900)
      return {message: 'in batches', result: null}
    })
    expect(seenB).toEqual(seenA)
    const tail = seenB.slice(-6)
    expect(tail.slice(0, 2)).toEqual([files[10][1], files[2999][1]])
    expect(tail[3]).toBe('rewritten\n')
    expect(tail[4]).toBe('undefined')
    expect(packs(b)).toBeGreaterThan(packs(a) + 2)
    const tree = (x: Archive) => sh('git', ['rev-parse', 'HEAD^{tree}'], {cwd: x.dir}).stdout.trim()
    expect(tree(b)).toMatch(/^[0-9a-f]{40}$/)
    expect(tree(b)).toBe(tree(a))
    const fsck = sh('git', ['fsck', '--strict', '--no-dangling'], {cwd: b.dir})
    expect(fsck.code, fsck.stderr).toBe(0)
    expect(fs.readdirSync(b.dir)).toEqual(['.git'])
  })
})
