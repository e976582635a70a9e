import {spawn} from 'node:child_process'
import os from 'node:os'
import {describe, expect, it} from 'vitest'
import {compareVersions, formatVersion, isValidVersion, latest, parseVersion, versionWithoutEpoch} from '../../src/core/version.js'
import {RaptrError} from '../../src/errors.js'
import {createRng} from '../../bench/prng.js'

// Deterministic generator (the corpus's mulberry32) so a failure reproduces on every run.
const rng = (seed: number): (() => number) => createRng(seed).next

function makeGen(seed: number) {
  const r = rng(seed)
  const int = (n: number) => Math.floor(r() * n)
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!
  const digits = () => {
    const roll = r()
    if (roll < 0.05) return '0'.repeat(1 + int(3)) + String(int(10)) // leading zeros
    if (roll < 0.1) return Array.from({length: 20 + int(20)}, () => String(int(10))).join('') // beyond 2^53
    return String(int(roll < 0.7 ? 10 : 1000))
  }
  const piece = (extra: string) => {
    const roll = r()
    if (roll < 0.35) return digits()
    if (roll < 0.55) return pick(['a', 'b', 'z', 'A', 'Z', 'rc', 'beta', 'dfsg', 'deb12u', 'ubuntu'])
    if (roll < 0.7) return '.'
    if (roll < 0.8) return '~'
    if (roll < 0.9) return '+'
    return extra === '' ? '.' : pick(extra.split(''))
  }
  const upstream = (withHyphen: boolean, withColon: boolean) => {
    let s = digits()
    const extra = `${withHyphen ? '-' : ''}${withColon ? ':' : ''}`
    for (let n = int(6); n > 0; n--) s += piece(extra)
    return s
  }
  const revision = () => {
    let s = pick(['', '0', '1', '~', '+', 'a', '2']) || digits()
    for (let n = int(4); n > 0; n--) s += piece('')
    return s
  }
  const version = () => {
    const epoch = r() < 0.25 ? pick(['0', '1', '2', '01', '10']) : ''
    const rev = r() < 0.7 ? revision() : ''
    return `${epoch === '' ? '' : `${epoch}:`}${upstream(rev !== '', epoch !== '')}${rev === '' ? '' : `-${rev}`}`
  }
  // Mostly near neighbours of `a`, where ordering bugs hide; sometimes equal or unrelated.
  const mutate = (a: string): string => {
    switch (int(10)) {
      case 0:
        return a
      case 1:
        return a.includes(':') ? a.replace(/^[0-9]+:/, '') : `0:${a}`
      case 2:
        return a.includes('-') ? a : `${a}-0`
      case 3:
        return `${a}${pick(['~', '~~', '~a', '+', '.', 'a', '0', '.0'])}`
      case 4:
        return a.replace(/[0-9]/, (d) => pick(['0', d, `0${d}`, String((Number(d) + 1) % 10)]))
      case 5:
        return a.replace(/[~+.a-z]/, () => pick(['~', '+', '.', 'a', 'Z']))
      case 6:
        return a.slice(0, Math.max(1, a.length - 1 - int(3))).replace(/[-:]+$/, '')
      default:
        return version()
    }
  }
  return {version, mutate, int, r}
}

/** Run a shell loop over `lines` in a few parallel `sh` processes; returns one output line per input line. */
async function shellBatch(script: string, lines: string[]): Promise<string[]> {
  const workers = Math.max(2, Math.min(4, os.availableParallelism()))
  const chunk = Math.ceil(lines.length / workers)
  const parts = await Promise.all(
    Array.from({length: workers}, (_, w) => lines.slice(w * chunk, (w + 1) * chunk)).map(
      (part) =>
        new Promise<string[]>((resolve, reject) => {
          if (part.length === 0) return resolve([])
          const child = spawn('sh', ['-c', script], {env: {...process.env, LC_ALL: 'C'}, stdio: ['pipe', 'pipe', 'pipe']})
          let out = ''
          let err = ''
          child.stdout.on('data', (d: Buffer) => (out += d.toString()))
          child.stderr.on('data', (d: Buffer) => (err += d.toString()))
          child.on('error', reject)
          child.on('close', (code) => {
            const got = out.split('\n').slice(0, -1)
            if (code !== 0 || got.length !== part.length) reject(new Error(`shell batch failed (${code}): ${err}`))
            else resolve(got)
          })
          child.stdin.end(part.join('\n') + '\n')
        }),
    ),
  )
  return parts.flat()
}

const OPS = {[-1]: 'lt', 0: 'eq', 1: 'gt'} as const

/** Ask dpkg to confirm each pair's relation as we compute it; returns the pairs dpkg disagrees with. */
async function disagreementsWithDpkg(pairs: Array<[string, string]>): Promise<string[]> {
  const lines = pairs.map(([a, b]) => `${a} ${OPS[compareVersions(a, b)]} ${b}`)
  // A missing dpkg makes every line "no", so the test fails loudly rather than passing.
  const script = 'while read a op b; do if dpkg --compare-versions "$a" "$op" "$b" 2>/dev/null; then echo ok; else echo no; fi; done'
  const out = await shellBatch(script, lines)
  return lines.filter((_, i) => out[i] !== 'ok')
}

/**
 * dpkg's rank of every version in `versions`, from one dpkg call per adjacent pair:
 * sort with our comparator, have dpkg confirm each neighbour relation ("lt" or "eq"),
 * and since dpkg's order is a total preorder, the confirmed chain fixes dpkg's
 * relation between ANY two of the versions (equal ranks = equal versions). Spawning
 * a process costs milliseconds, so this is how thousands of versions, and tens of
 * thousands of pairs among them, get dpkg as their oracle within seconds.
 */
async function dpkgRanks(versions: string[]): Promise<{ranks: Map<string, number>; broken: string[]}> {
  const sorted = [...new Set(versions)].sort(compareVersions)
  const steps = sorted.slice(1).map((b, i) => `${sorted[i]} ${OPS[compareVersions(sorted[i]!, b)]} ${b}`)
  const script = 'while read a op b; do if dpkg --compare-versions "$a" "$op" "$b" 2>/dev/null; then echo ok; else echo no; fi; done'
  const out = await shellBatch(script, steps)
  const ranks = new Map<string, number>()
  let rank = 0
  sorted.forEach((v, i) => {
    if (i > 0 && steps[i - 1]!.includes(' lt ')) rank++
    ranks.set(v, rank)
  })
  return {ranks, broken: steps.filter((_, i) => out[i] !== 'ok')}
}

describe('Debian version order', () => {
  const table: Array<[string, '<' | '=' | '>', string]> = [
    ['1.0~rc1', '<', '1.0'],
    ['1.0~rc1', '<', '1.0~rc2'],
    ['1.0~~', '<', '1.0~'],
    ['1.0~~', '<', '1.0~~a'],
    ['1.0~~a', '<', '1.0~'],
    ['1.0~', '<', '1.0'],
    ['1.0', '<', '1.0a'],
    ['1:0.1', '>', '2.0'],
    ['0:1.0', '=', '1.0'],
    ['01:1.0', '=', '1:1.0'],
    ['1.0-1', '<', '1.0-1.1'],
    ['1.0', '=', '1.0-0'],
    ['1.0-0', '<', '1.0-0.1'],
    ['1.0', '=', '1.00'],
    ['1.01', '=', '1.1'],
    ['1.0', '<', '1.0.0'],
    ['1.0', '<', '1.0+b1'],
    ['1.0+b1', '<', '1.0.1'],
    ['1.0a', '<', '1.0+'],
    ['1.0Z', '<', '1.0a'],
    ['1.0', '<', '1.0-1~bpo1'],
    ['1.0-1~bpo1', '<', '1.0-1'],
    ['2.30-1+deb12u1', '>', '2.30-1'],
    ['1.6-2.1+deb12u3', '>', '1.6-2.1'],
    ['9', '<', '10'],
    ['1-2-3', '>', '1-2-2'],
    ['1:1:1', '>', '1:1'],
    ['123456789012345678901234567890', '<', '123456789012345678901234567891'],
    ['1.99999999999999999999999', '<', '1.100000000000000000000000'],
    ['00000000000000000000000000000001', '=', '1'],
    ['2147483647:1', '>', '2147483646:9'],
  ]

  it.each(table)('orders %s %s %s like dpkg', (a, rel, b) => {
    const want = rel === '<' ? -1 : rel === '=' ? 0 : 1
    expect(compareVersions(a, b)).toBe(want)
    expect(compareVersions(b, a)).toBe(want === 0 ? 0 : -want)
  })

  it('sorts "~~" < "~~a" < "~" < "" < "a" after the same prefix', () => {
    const vs = ['1a', '1', '1~', '1~~a', '1~~']
    expect([...vs].sort(compareVersions)).toEqual(['1~~', '1~~a', '1~', '1', '1a'])
  })

  it('agrees with dpkg --compare-versions on the table and on 10,000+ generated pairs', async () => {
    const g = makeGen(20240601)
    // Families of near neighbours (where ordering bugs hide), plus unrelated versions.
    const versions: string[] = table.flatMap(([a, , b]) => [a, b])
    while (versions.length < 3000) {
      let v = g.version()
      versions.push(v)
      for (let n = g.int(8); n > 0; n--) {
        const w = g.mutate(v)
        if (isValidVersion(w)) versions.push((v = w))
      }
    }
    const pairs: Array<[string, string]> = table.map(([a, , b]) => [a, b])
    for (let i = 0; pairs.length < 12_000; i = (i + 1) % (versions.length - 1)) {
      pairs.push([versions[i]!, versions[i + 1]!]) // neighbours within a family
      pairs.push([versions[i]!, versions[g.int(versions.length)]!])
    }
    // The generator must actually reach the corners it claims to.
    const all = versions.join(' ')
    for (const corner of [':', '~', '+', '.', '-', 'a', 'Z']) expect(all).toContain(corner)
    expect(pairs.filter(([a, b]) => a !== b && compareVersions(a, b) === 0).length).toBeGreaterThan(100)
    expect(pairs.filter(([a, b]) => a === b).length).toBeGreaterThan(50)
    expect(versions.some((v) => /[0-9]{20}/.test(v))).toBe(true)

    const {ranks, broken} = await dpkgRanks(versions)
    expect(broken).toEqual([])
    const dpkgSays = (a: string, b: string) => Math.sign(ranks.get(a)! - ranks.get(b)!)
    const wrong = pairs.filter(([a, b]) => compareVersions(a, b) !== dpkgSays(a, b) || compareVersions(b, a) !== dpkgSays(b, a))
    expect(wrong).toEqual([])
    expect(new Set(ranks.values()).size).toBeGreaterThan(1000)

    // And a direct sample, one dpkg call per pair, that does not lean on transitivity.
    expect(await disagreementsWithDpkg(pairs.filter((_, i) => i % 12 === 0))).toEqual([])
  })

  it('picks the latest version of a list', () => {
    expect(latest(['1.0', '1:0.1', '2.0'])).toBe('1:0.1')
    expect(latest(['1.0~rc1', '1.0', '1.0-0'])).toBe('1.0')
    expect(latest([])).toBeUndefined()
  })
})

describe('Debian version syntax', () => {
  it('splits epoch, upstream and revision at the first colon and the last hyphen', () => {
    expect(parseVersion('1:2.30-1+deb12u1')).toEqual({epoch: 1, upstream: '2.30', revision: '1+deb12u1'})
    expect(parseVersion('2:1.0-rc1-3')).toEqual({epoch: 2, upstream: '1.0-rc1', revision: '3'})
    expect(parseVersion('1:2:3')).toEqual({epoch: 1, upstream: '2:3', revision: ''})
    expect(parseVersion('1.0')).toEqual({epoch: 0, upstream: '1.0', revision: ''})
  })

  it('formats versions canonically and drops the epoch for file names', () => {
    expect(formatVersion(parseVersion('0:1.0-1'))).toBe('1.0-1')
    expect(formatVersion(parseVersion('3:1.0'))).toBe('3:1.0')
    expect(versionWithoutEpoch('1:2.30-1')).toBe('2.30-1')
    expect(versionWithoutEpoch('2:1:2-3')).toBe('1:2-3')
  })

  it.each([
    ['', 'empty'],
    ['1.0-', 'revision is empty'],
    [':1.0', 'epoch is empty'],
    ['1:', 'nothing after the colon'],
    ['a:1.0', 'epoch is not a number'],
    ['1.0-1:1', 'epoch is not a number'],
    ['2147483648:1', 'epoch is too big'],
    ['99999999999999999999:1', 'epoch is too big'],
    ['1:-1', 'upstream version is empty'],
    ['a1.0', 'does not start with a digit'],
    ['1.0_1', 'invalid character'],
    ['1.0-1:2', 'epoch is not a number'],
    ['0:1.0-1:2', 'invalid character ":" in revision'],
    ['1.0-a-b_c', 'invalid character'],
    ['1.0 2', 'whitespace'],
    [' 1.0', 'whitespace'],
    ['+1:1.0', 'epoch is not a number'],
  ])('rejects %j with BAD_VERSION (%s)', (v, why) => {
    let caught: unknown
    try {
      parseVersion(v)
    } catch (e) {
      caught = e
    }
    expect(caught).toBeInstanceOf(RaptrError)
    expect((caught as RaptrError).code).toBe('BAD_VERSION')
    expect((caught as RaptrError).message).toContain(why)
    expect((caught as RaptrError).hint).not.toBe('')
    expect(() => compareVersions(v, '1.0')).toThrow(RaptrError)
  })

  it('rejects every version dpkg rejects, and accepts every version dpkg accepts silently', async () => {
    const g = makeGen(7)
    const alphabet = ['0', '1', '9', '00', '.', '-', ':', '~', '+', 'a', 'Z', '_', '!', '%', ',', '@', '=']
    const samples = new Set<string>()
    while (samples.size < 1000) {
      let s = ''
      for (let n = 1 + g.int(7); n > 0; n--) s += alphabet[g.int(alphabet.length)]
      // dpkg would read a leading '-' as an option; the empty string is dpkg's "no version".
      if (!s.startsWith('-')) samples.add(s)
    }
    const list = [...samples]
    // Per line: dpkg's exit status, and whether it only warned.
    // No command substitution: each extra fork costs as much as the dpkg call itself.
    const script =
      'err=$(mktemp); while IFS= read -r v; do dpkg --compare-versions "$v" eq "$v" 2>"$err"; rc=$?; first=; read -r first <"$err"; ' +
      'case "$first" in *warning*) w=warn;; *error*) w=error;; *) w=clean;; esac; echo "$rc $w"; done; rm -f "$err"'
    const verdicts = await shellBatch(script, list)

    const mismatches: string[] = []
    let rejectedByDpkg = 0
    let warnedByDpkg = 0
    list.forEach((v, i) => {
      const [rc, kind] = verdicts[i]!.split(' ')
      const dpkgRejects = kind !== 'clean' || rc !== '0'
      if (kind === 'error') rejectedByDpkg++
      if (kind === 'warn') warnedByDpkg++
      // Our one documented extra strictness: dpkg's strtol takes a signed epoch.
      const oursOnly = /^\+[0-9]*:/.test(v)
      if (isValidVersion(v) === dpkgRejects && !(oursOnly && dpkgRejects === false)) {
        mismatches.push(`${v} dpkg:${rc}/${kind} ours:${isValidVersion(v) ? 'valid' : 'invalid'}`)
      }
    })
    // The sample must exercise both kinds of dpkg complaint and plenty of valid strings.
    expect(rejectedByDpkg).toBeGreaterThan(50)
    expect(warnedByDpkg).toBeGreaterThan(50)
    expect(list.filter(isValidVersion).length).toBeGreaterThan(50)
    expect(mismatches).toEqual([])
  })
})
