import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {xml} from '../../bench/chart.js'
import {readResults, type ResultFile, type ScenarioRecord, writeResult} from '../../bench/results-file.js'
import {parsedMs} from '../../bench/startup.js'
import {figures, writeSummary} from '../../bench/summary.js'
import {ok, raptr} from '../helpers/cli.js'

const TAG = '2026-12-01'
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'raptr-bench-summary-'))
afterAll(() => fs.rmSync(tmp, {recursive: true, force: true}))

const rec = (tool: string, scenario: string, medianWall: number, peakRssKiB = 100 * 1024): ScenarioRecord => ({tool, scenario, ok: true, medianWall, peakRssKiB, runs: 3})

function file(n: number, results: ScenarioRecord[], startup: ResultFile['startup'] = null): ResultFile {
  return {format: 1, tag: TAG, n, date: '2026-12-01T00:00:00.000Z', machine: 'test machine', runs: 3, peers: [{name: 'aptly', version: '1'}], startup, results}
}

/** The figure row whose name starts with `prefix`. */
function row(rows: ReturnType<typeof figures>, prefix: string) {
  const r = rows.find((f) => f.figure.startsWith(prefix))
  if (!r) throw new Error(`no figure ${prefix}`)
  return r
}

describe('bench summary', () => {
  // Two runs under one tag: N = 1,000 and 10,000 with peers, N = 100,000 raptr only.
  const dir = path.join(tmp, 'results')
  writeResult(
    dir,
    file(
      1000,
      [rec('raptr', 'full', 1.0), rec('reprepro', 'full', 1.25), rec('raptr', 'incremental', 0.3), rec('raptr', 'incremental, 2 processes', 0.6), rec('aptly', 'incremental', 0.25)],
      {help: {medianSeconds: 0.11, runs: 5}, parsed: [{command: 'package list', medianSeconds: 0.09, runs: 5}, {command: 'log', medianSeconds: 0.105, runs: 5}]},
    ),
  )
  writeResult(
    dir,
    file(10000, [rec('raptr', 'full', 10), rec('aptly', 'full', 25), rec('raptr', 'incremental', 0.5), rec('raptr', 'incremental, 2 processes', 0.8), rec('aptly', 'incremental', 2), rec('raptr', 'no-change publish', 0.2)]),
  )
  writeResult(dir, file(100000, [rec('raptr', 'full', 100, 480_000), rec('raptr', 'incremental', 0.9, 200_000), rec('raptr', 'incremental, 2 processes', 2.0)]))
  // Another tag's file in the same directory is not read.
  writeResult(dir, {...file(1000, [rec('raptr', 'full', 99)]), tag: '2026-12-02'})

  it('reads the files of one tag, by N', () => {
    expect(readResults(dir, TAG).map((f) => f.n)).toEqual([1000, 10000, 100000])
  })

  it('judges each target from the runs of every N', () => {
    const rows = figures(readResults(dir, TAG))
    expect(row(rows, '`raptr --help`')).toMatchObject({verdict: 'met', measured: '0.110 s'})
    // The slowest command decides; 0.105 s misses 0.10 s.
    expect(row(rows, 'any command reaching "parsed"')).toMatchObject({verdict: 'missed'})
    expect(row(rows, 'no-change publish, N = 10,000')).toMatchObject({verdict: 'met', measured: '0.200 s'})
    expect(row(rows, 'full, N = 1,000')).toMatchObject({verdict: 'met', measured: '0.80× (1.00 s vs 1.25 s)'})
    expect(row(rows, 'add 10 + publish in one process')).toMatchObject({verdict: 'missed', measured: '1.20× (0.300 s vs 0.250 s)'})
    expect(row(rows, 'add 10 + publish in two processes')).toMatchObject({verdict: 'missed'})
    expect(row(rows, 'full, N = 10,000')).toMatchObject({verdict: 'met', measured: '0.40× (10.0 s vs 25.0 s)'})
    expect(row(rows, 'incremental (one process), N = 10,000')).toMatchObject({verdict: 'met', measured: '0.25× (0.500 s vs 2.00 s)'})
    expect(row(rows, 'incremental (two processes), N = 10,000')).toMatchObject({verdict: 'missed'})
    expect(row(rows, 'incremental (one process), N = 100,000')).toMatchObject({verdict: 'met', measured: '1.80× (0.900 s vs 0.500 s)'})
    expect(row(rows, 'incremental (two processes), N = 100,000')).toMatchObject({verdict: 'missed', measured: '2.50× (2.00 s vs 0.800 s)'})
    // 480,000 KiB = 491.5 MB: under 500 MB.
    expect(row(rows, 'peak RSS')).toMatchObject({verdict: 'met', measured: '492 MB (469 MiB)'})
  })

  it('judges the import against aptly mirror at N = 3,000: time within 1.0x, RSS within 2.0x', () => {
    const at3000 = (raptrRss: number) => file(3000, [rec('raptr', 'import', 12, raptrRss), rec('aptly', 'import', 10, 100 * 1024)])
    const missed = figures([at3000(250 * 1024)])
    expect(row(missed, 'import of a served upstream, N = 3,000')).toMatchObject({verdict: 'missed', measured: '1.20× (12.0 s vs 10.0 s)'})
    expect(row(missed, 'peak RSS, import, N = 3,000')).toMatchObject({verdict: 'missed', measured: '2.50× (250 MiB vs 100 MiB)'})
    expect(row(figures([at3000(200 * 1024)]), 'peak RSS, import')).toMatchObject({verdict: 'met', measured: '2.00× (200 MiB vs 100 MiB)'})
    expect(row(figures(readResults(dir, TAG)), 'import of a served upstream')).toMatchObject({verdict: 'not measured', measured: 'no N = 3,000 run'})
  })

  it('says what is not measured when an N is missing', () => {
    const rows = figures(readResults(dir, TAG).filter((f) => f.n !== 100000))
    expect(row(rows, 'peak RSS')).toMatchObject({verdict: 'not measured', measured: 'no N = 100,000 run'})
    expect(row(rows, 'incremental (one process), N = 100,000')).toMatchObject({verdict: 'not measured'})
  })

  it('writes the summary and both charts, naming every figure', () => {
    const markdown = writeSummary(dir, TAG)!
    expect(markdown).toContain('| peak RSS, add and publish, N = 100,000 | < 500 MB | 492 MB (469 MiB) | **met** |')
    expect(markdown).toContain(`](${TAG}-targets.svg)`)
    const targets = fs.readFileSync(path.join(dir, `${TAG}-targets.svg`), 'utf8')
    const scenarios = fs.readFileSync(path.join(dir, `${TAG}-scenarios.svg`), 'utf8')
    for (const svg of [targets, scenarios]) {
      expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true)
      expect(svg.trimEnd().endsWith('</svg>')).toBe(true)
      // Every opened text element is closed: the charts are built by hand.
      expect(svg.match(/<text /g)?.length).toBe(svg.match(/<\/text>/g)?.length)
    }
    expect(targets).toContain('peak RSS, add and publish, N = 100,000')
    expect(targets).toContain('1.20× (target ≤ 1.0× aptly): missed')
    expect(scenarios).toContain('N = 100,000 packages')
    expect(scenarios).toContain('raptr, 2 processes')
    expect(xml('a < b & "c"')).toBe('a &lt; b &amp; &quot;c&quot;')
  })

  it('rejects a file that is not a result file', () => {
    fs.writeFileSync(path.join(dir, `${TAG}-5.json`), JSON.stringify({format: 1, n: 5}))
    expect(() => readResults(dir, TAG)).toThrow(/2026-12-01-5\.json: not a bench result file/)
    fs.rmSync(path.join(dir, `${TAG}-5.json`))
  })
})

describe('the "parsed" mark the bench reads', () => {
  it('is printed by a real command under RAPTR_DEBUG_TIMING=1', () => {
    const work = fs.mkdtempSync(path.join(tmp, 'archive-'))
    ok(['init', 'a'], {cwd: work})
    const res = raptr(['log'], {cwd: work, env: {RAPTR_ARCHIVE: path.join(work, 'a'), RAPTR_DEBUG_TIMING: '1'}})
    expect(res.code).toBe(0)
    const ms = parsedMs(res.stderr)
    expect(ms).toBeGreaterThan(0)
    expect(parsedMs('no timing here')).toBeUndefined()
  })
})
