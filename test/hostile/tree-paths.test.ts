import {describe, expect, it} from 'vitest'
import {MAX_COMPONENT_BYTES, MAX_TREE_PATH_BYTES, unsafeModeReason, unsafeNameReason, unsafePathReason} from '../../src/core/tree-paths.js'
import {fileProblem} from '../../src/archive/tree-check.js'
import {parseTree, refuseUnsafeEntries} from '../../src/store/git-tree.js'
import {linkPath, recordPath} from '../../src/core/layout.js'
import {raptrErrorOf} from '../helpers/raptr-error.js'

/** The path checker every tree from git goes through: each alias of `.git` and each escape is refused. */

describe('names an archive tree may not hold', () => {
  it.each([
    ['', /empty/],
    ['.', /"\."/],
    ['..', /"\.\."/],
    ['a/b', /slash/],
    ['a\\b', /slash/],
    ['a\u0000b', /control/],
    ['a\nb', /control/],
    ['\u007f', /control/],
    ['...', /only dots/],
    [' ', /only dots/],
    ['x'.repeat(MAX_COMPONENT_BYTES + 1), /longer than 255 bytes/],
    ['é'.repeat(128), /longer than 255 bytes/],
  ])('refuses %j', (name, why) => {
    expect(unsafeNameReason(name)).toMatch(why)
  })

  it.each([
    '.git',
    '.GIT',
    '.Git',
    '.git.',
    '.git..',
    '.git ',
    '.git . .',
    '.git::$INDEX_ALLOCATION',
    '.git:stream',
    '.g\u200cit',
    '.gi\u200dt',
    '\ufeff.git',
    '.g\u206ait',
    '.GIT\u200e.',
    'git~1',
    'GIT~2',
    'git~10',
    '.gitmodules',
    '.GITMODULES ',
    'gitmod~1',
    'gi7eba~3',
    '.gitattributes',
    'gitatt~1',
    'gi7d29~1',
    '.gitignore',
    'gi250a~1',
    '.gitkeep',
  ])('refuses the git alias %j', (name) => {
    expect(unsafeNameReason(name)).toMatch(/git/)
  })

  it.each(['raptr.json', 'hello', '1.0~rc1_amd64', '2%3a1.0+dfsg-1~bpo12+1_all', 'amd64.udeb', 'updates%2fmain', 'git', 'git~', 'agit~1', 'x.git', 'github', '0000000001.json', 'é'.repeat(127)])(
    'accepts %j',
    (name) => {
      expect(unsafeNameReason(name)).toBeUndefined()
    },
  )
})

describe('paths', () => {
  it('refuses absolute paths, empty components and over-long paths', () => {
    expect(unsafePathReason('/etc/passwd')).toMatch(/absolute/)
    expect(unsafePathReason('dists//x')).toMatch(/empty/)
    expect(unsafePathReason('dists/x/')).toMatch(/empty/)
    expect(unsafePathReason('dists/../../x')).toMatch(/"\.\."/)
    expect(unsafePathReason('dists/.git/config')).toMatch(/git/)
    const long = Array.from({length: 6}, () => 'd'.repeat(200)).join('/')
    expect(Buffer.byteLength(long)).toBeGreaterThan(MAX_TREE_PATH_BYTES)
    expect(unsafePathReason(long)).toMatch(/longer than 1024 bytes/)
  })

  it('accepts the paths raptr writes', () => {
    for (const p of [
      recordPath('libstdc++6', '2:12.2.0-14+deb12u1', 'amd64'),
      linkPath('bookworm-updates', 'updates/main', 'amd64', 'hello', '1:2.10~rc1', 'udeb'),
      'dists/staging/main/category.json',
      'publications/local/staging/0000000001.json',
      'pins/local/staging/0123456789ab.json',
      `contents/ab/${'ab'.padEnd(64, 'c')}`,
    ]) {
      expect(unsafePathReason(p), p).toBeUndefined()
    }
  })

  it('allows regular files and trees only', () => {
    expect(unsafeModeReason('100644')).toBeUndefined()
    expect(unsafeModeReason('040000')).toBeUndefined()
    expect(unsafeModeReason('120000')).toMatch(/symbolic link/)
    expect(unsafeModeReason('160000')).toMatch(/gitlink/)
    expect(unsafeModeReason('100755')).toMatch(/executable/)
    expect(unsafeModeReason('100664')).toMatch(/mode 100664/)
  })
})

describe('raptr\'s own tree reader', () => {
  const entry = (mode: string, name: string): Buffer => Buffer.concat([Buffer.from(`${mode} ${name}\0`, 'utf8'), Buffer.alloc(20, 1)])

  it.each([
    ['40000', '..'],
    ['40000', '.git'],
    ['100644', '.GIT.'],
    ['100644', ''],
    ['120000', 'link'],
    ['160000', 'module'],
  ])('refuses a %s entry %j with CORRUPT_ARCHIVE naming it', (mode, name) => {
    const e = raptrErrorOf(() => refuseUnsafeEntries(parseTree(Buffer.concat([entry('100644', 'ok'), entry(mode, name)]))))
    expect(e.code).toBe('CORRUPT_ARCHIVE')
    expect(e.data.entry).toBe(name)
  })

  it('refuses a truncated tree', () => {
    expect(raptrErrorOf(() => parseTree(entry('100644', 'ok').subarray(0, 10))).code).toBe('CORRUPT_ARCHIVE')
  })

  it('reads an honest tree', () => {
    expect(refuseUnsafeEntries(parseTree(Buffer.concat([entry('40000', 'dists'), entry('100644', 'raptr.json')]))).map((e) => [e.mode, e.path, e.type])).toEqual([
      ['040000', 'dists', 'tree'],
      ['100644', 'raptr.json', 'blob'],
    ])
  })
})

describe('file contents', () => {
  const record = (sha: string, size = '12'): string =>
    `Package: hello\nVersion: 1.0\nArchitecture: amd64\nSize: ${size}\nSHA256: ${sha}\nRaptr-Kind: deb\nRaptr-Category: main\nRaptr-File: hello_1.0_amd64.deb\n`
  const at = recordPath('hello', '1.0', 'amd64')

  it('accepts a well-formed record at its own path', () => {
    expect(fileProblem(at, record('a'.repeat(64)))).toBeUndefined()
  })

  it.each([
    ['a non-hex SHA256', record('../../../etc/passwd'), /SHA256 .* is not 64 lowercase hex digits/],
    ['an upper-case SHA256', record('A'.repeat(64)), /not 64 lowercase hex/],
    ['a fractional size', record('a'.repeat(64), '1.5'), /not a whole number/],
    ['a missing field', 'Package: hello\nRaptr-Kind: deb\n', /field .* is missing/],
  ])('refuses a record with %s', (_, text, why) => {
    expect(fileProblem(at, text)).toMatch(why)
  })

  it('refuses a record kept at another package\'s path', () => {
    expect(fileProblem(recordPath('other', '1.0', 'amd64'), record('a'.repeat(64)))).toMatch(/which raptr keeps at packages\//)
  })

  it('refuses settings that fail their schema, and files raptr does not write', () => {
    expect(fileProblem('raptr.json', '{"format": 2}')).toMatch(/invalid/)
    expect(fileProblem('backends/x.json', 'not json')).toMatch(/not valid JSON/)
    expect(fileProblem('snapshots/r1.json', '{"commit": "HEAD", "created": "now"}')).toMatch(/invalid/)
    expect(fileProblem('dists/staging/main/amd64/ab/hello/1.0', 'no stanza here\n\nsecond\n')).toBeDefined()
    expect(fileProblem('backends/x/y.json', '{}')).toMatch(/only backends/)
    expect(fileProblem('contents/zz/not-a-hash', '')).toMatch(/only contents/)
  })
})
