/**
 * The summary of one tag: the speed targets, each with the measured figure beside it and
 * met or missed, computed from the tag's result files (one per N, possibly from runs
 * made at different times), as `<tag>-summary.md` with two SVG charts.
 */
import fs from 'node:fs'
import path from 'node:path'
import {scenarioChart, targetChart} from './chart.js'
import {find, formatMiB, formatSeconds, SCENARIOS} from './report.js'
import {readResults, type ResultFile, type ScenarioRecord} from './results-file.js'

export type Verdict = 'met' | 'missed' | 'not measured'

/** One row of the targets table. */
export interface Figure {
  figure: string
  /** The target as written, e.g. `≤ 0.12 s`. */
  target: string
  /** What was measured, with units, or why nothing was. */
  measured: string
  verdict: Verdict
  /** measured / limit (1 = exactly the target), for the chart; undefined when not measured. */
  share?: number
  /** Where the figure comes from, e.g. `N = 10,000 run`. */
  source: string
}

const count = (n: number) => n.toLocaleString('en')
const sec = (s: number) => (s < 1 ? s.toFixed(3) : s < 10 ? s.toFixed(2) : s.toFixed(1)) + ' s'
const mb = (kib: number) => `${((kib * 1024) / 1e6).toFixed(0)} MB`

interface Check {
  figure: string
  target: string
  limit: number
  /** `<` instead of `≤`. */
  strict?: boolean
  /** The value to compare with `limit`, its text and its source; a string says why there is none. */
  value: {value: number; measured: string; source: string} | string
}

function judge(c: Check): Figure {
  if (typeof c.value === 'string') return {figure: c.figure, target: c.target, measured: c.value, verdict: 'not measured', source: '—'}
  const {value, measured, source} = c.value
  const met = c.strict ? value < c.limit : value <= c.limit
  return {figure: c.figure, target: c.target, measured, verdict: met ? 'met' : 'missed', share: value / c.limit, source}
}

/** The targets, judged against the result files of one tag. Example: `figures(readResults(dir, tag))` */
export function figures(files: readonly ResultFile[]): Figure[] {
  const at = (n: number) => files.find((f) => f.n === n)
  const rec = (n: number, tool: string, scenario: string): ScenarioRecord | string => {
    const file = at(n)
    if (!file) return `no N = ${count(n)} run`
    const r = find(file.results, tool, scenario)
    if (!r) return `not in the N = ${count(n)} run`
    if (!r.ok) return `failed at N = ${count(n)}`
    return r
  }
  const seconds = (n: number, scenario: string): Check['value'] => {
    const r = rec(n, 'raptr', scenario)
    return typeof r === 'string' ? r : {value: r.medianWall, measured: sec(r.medianWall), source: `N = ${count(n)} run`}
  }
  const against = (n: number, scenario: string, peer: string, peerScenario = scenario): Check['value'] => {
    const r = rec(n, 'raptr', scenario)
    if (typeof r === 'string') return r
    const p = rec(n, peer, peerScenario)
    if (typeof p === 'string') return `${peer}: ${p}`
    const ratio = r.medianWall / p.medianWall
    return {value: ratio, measured: `${ratio.toFixed(2)}× (${sec(r.medianWall)} vs ${sec(p.medianWall)})`, source: `N = ${count(n)} run`}
  }
  const rssAgainst = (n: number, scenario: string, peer: string): Check['value'] => {
    const r = rec(n, 'raptr', scenario)
    if (typeof r === 'string') return r
    const p = rec(n, peer, scenario)
    if (typeof p === 'string') return `${peer}: ${p}`
    const ratio = r.peakRssKiB / p.peakRssKiB
    return {value: ratio, measured: `${ratio.toFixed(2)}× (${formatMiB(r.peakRssKiB)} vs ${formatMiB(p.peakRssKiB)})`, source: `N = ${count(n)} run`}
  }
  const growth = (scenario: string): Check['value'] => {
    const big = rec(100_000, 'raptr', scenario)
    const small = rec(10_000, 'raptr', scenario)
    if (typeof big === 'string') return big
    if (typeof small === 'string') return small
    const ratio = big.medianWall / small.medianWall
    return {value: ratio, measured: `${ratio.toFixed(2)}× (${sec(big.medianWall)} vs ${sec(small.medianWall)})`, source: 'N = 10,000 and 100,000 runs'}
  }
  // Start-up does not depend on N: the figures of the smallest N's run that measured them.
  const startupFile = files.find((f) => f.startup)
  const startupSource = startupFile ? `N = ${count(startupFile.n)} run` : ''
  const help: Check['value'] = startupFile?.startup?.help
    ? {value: startupFile.startup.help.medianSeconds, measured: sec(startupFile.startup.help.medianSeconds), source: startupSource}
    : 'not measured'
  const nodeStart = startupFile?.startup?.node
  const helpOverNode: Check['value'] =
    startupFile?.startup?.help && nodeStart
      ? {
          value: startupFile.startup.help.medianSeconds / nodeStart.medianSeconds,
          measured: `${(startupFile.startup.help.medianSeconds / nodeStart.medianSeconds).toFixed(2)}× (${sec(startupFile.startup.help.medianSeconds)} vs ${sec(nodeStart.medianSeconds)})`,
          source: startupSource,
        }
      : 'not measured'
  const parsedList = startupFile?.startup?.parsed ?? []
  const parsedOk = parsedList.filter((p) => p.medianSeconds !== null)
  const parsed: Check['value'] =
    parsedOk.length && parsedOk.length === parsedList.length
      ? {
          value: Math.max(...parsedOk.map((p) => p.medianSeconds!)),
          measured: `${sec(Math.max(...parsedOk.map((p) => p.medianSeconds!)))} (${parsedOk.map((p) => `${p.command} ${sec(p.medianSeconds!)}`).join(', ')})`,
          source: startupSource,
        }
      : parsedList.find((p) => p.error)?.error ?? 'not measured'
  const rss: Check['value'] = (() => {
    const file = at(100_000)
    if (!file) return 'no N = 100,000 run'
    const raptr = file.results.filter((r) => r.tool === 'raptr' && ['full', 'incremental', 'incremental, 2 processes'].includes(r.scenario))
    if (!raptr.length || raptr.some((r) => !r.ok)) return 'failed or not run at N = 100,000'
    const peak = Math.max(...raptr.map((r) => r.peakRssKiB))
    return {value: (peak * 1024) / 1e6, measured: `${mb(peak)} (${formatMiB(peak)})`, source: 'N = 100,000 run'}
  })()

  const checks: Check[] = [
    {figure: '`raptr --help`', target: '≤ 0.12 s', limit: 0.12, value: help},
    {figure: "`raptr --help` / `node -e ''` (same Node, same minutes)", target: '≤ 1.8×', limit: 1.8, value: helpOverNode},
    {figure: 'any command reaching "parsed" (slowest of those measured)', target: '≤ 0.10 s', limit: 0.1, value: parsed},
    {figure: 'no-change publish, N = 10,000', target: '≤ 0.20 s', limit: 0.2, value: seconds(10_000, 'no-change publish')},
    {figure: 'full, N = 1,000', target: '≤ 1.0× reprepro', limit: 1, value: against(1_000, 'full', 'reprepro')},
    {figure: 'add 10 + publish in one process (`--publish`), N = 1,000', target: '≤ 1.0× aptly', limit: 1, value: against(1_000, 'incremental', 'aptly')},
    {figure: 'add 10 + publish in two processes, N = 1,000', target: '≤ 1.0× aptly', limit: 1, value: against(1_000, 'incremental, 2 processes', 'aptly', 'incremental')},
    {figure: 'full, N = 10,000', target: '≤ 0.5× aptly', limit: 0.5, value: against(10_000, 'full', 'aptly')},
    {figure: 'incremental (one process), N = 10,000', target: '≤ 0.25× aptly', limit: 0.25, value: against(10_000, 'incremental', 'aptly')},
    {figure: 'incremental (two processes), N = 10,000', target: '≤ 0.25× aptly', limit: 0.25, value: against(10_000, 'incremental, 2 processes', 'aptly', 'incremental')},
    {figure: 'incremental (one process), N = 100,000 vs N = 10,000', target: '≤ 2×', limit: 2, value: growth('incremental')},
    {figure: 'incremental (two processes), N = 100,000 vs N = 10,000', target: '≤ 2×', limit: 2, value: growth('incremental, 2 processes')},
    {figure: 'peak RSS, add and publish, N = 100,000', target: '< 500 MB', limit: 500, strict: true, value: rss},
    {figure: 'import of a served upstream, N = 3,000', target: '≤ 1.0× aptly', limit: 1, value: against(3_000, 'import', 'aptly')},
    {figure: 'peak RSS, import, N = 3,000', target: '≤ 2.0× aptly', limit: 2, value: rssAgainst(3_000, 'import', 'aptly')},
  ]
  return checks.map(judge)
}

const cell = (text: string) => text.replace(/\|/g, '\\|')

/** The targets table in Markdown. Example: `targetsTable(figures(files))` */
export function targetsTable(rows: readonly Figure[]): string {
  return [
    '| figure | target | measured | | source |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| ${cell(r.figure)} | ${r.target} | ${cell(r.measured)} | ${r.verdict === 'met' ? '**met**' : r.verdict} | ${r.source} |`),
  ].join('\n')
}

/** Median walls of every tool, scenario and N, side by side. */
function scenariosTable(files: readonly ResultFile[]): string {
  const tools = [...new Set(files.flatMap((f) => f.results.map((r) => r.tool)))]
  const lines = [`| scenario | N | ${tools.join(' | ')} |`, `|---|---:|${tools.map(() => '---:').join('|')}|`]
  for (const scenario of SCENARIOS)
    for (const f of files) {
      const cells = tools.map((t) => {
        const r = find(f.results, t, scenario)
        return !r ? '' : r.ok ? `${formatSeconds(r.medianWall)}, ${formatMiB(r.peakRssKiB)}` : 'failed'
      })
      if (cells.some(Boolean)) lines.push(`| ${scenario} | ${count(f.n)} | ${cells.join(' | ')} |`)
    }
  return lines.join('\n')
}

/** File names of a tag's summary and charts. */
export function summaryFiles(tag: string): {markdown: string; targets: string; scenarios: string} {
  return {markdown: `${tag}-summary.md`, targets: `${tag}-targets.svg`, scenarios: `${tag}-scenarios.svg`}
}

/**
 * Writes `<tag>-summary.md`, `<tag>-targets.svg` and `<tag>-scenarios.svg` from the tag's
 * result files; returns the Markdown, or undefined when the tag has none.
 * Example: `writeSummary('bench/results', '2026-12-01')`
 */
export function writeSummary(dir: string, tag: string): string | undefined {
  const files = readResults(dir, tag)
  if (!files.length) return undefined
  const rows = figures(files)
  const names = summaryFiles(tag)
  const machines = [...new Set(files.map((f) => f.machine))]
  const met = rows.filter((r) => r.verdict === 'met').length
  const measured = rows.filter((r) => r.verdict !== 'not measured').length
  const markdown = [
    `# raptr benchmark summary, ${tag}`,
    '',
    `${met} of ${measured} measured targets met (${rows.length} in all). Computed by \`npm run bench\` from:`,
    '',
    ...files.map(
      (f) =>
        `- \`${tag}-${f.n}.md\`: N = ${count(f.n)}, ${f.date}, ${f.runs} run(s), peers: ${f.peers.length ? f.peers.map((p) => p.name).join(', ') : 'none'}${f.note ? `; ${f.note}` : ''}`,
    ),
    '',
    machines.length === 1 ? `Machine: ${machines[0]}.` : `**Machines differ between the files**, so the cross-N ratios compare different machines: ${machines.join('; ')}.`,
    '',
    targetsTable(rows),
    '',
    'Ratios are raptr\'s median wall over the peer\'s in the same run. raptr\'s **incremental** is the one-process form,',
    '`raptr package add DIR --link DIST --publish --sign-key K` (the documented CI step); the two-process form',
    '(`package add`, then `publish`) is kept as its own row. aptly\'s incremental is always its three processes',
    '(`repo add`, `snapshot create`, `publish switch`). "parsed" is the time since process start at which a command',
    'prints `command: parsed, opening the archive` under `RAPTR_DEBUG_TIMING=1`. Peak RSS is the largest single',
    'process of raptr\'s full and incremental scenarios; 500 MB = 500 × 10⁶ bytes. **import** is `raptr init` +',
    '`raptr import URL bench --to bench --keyring K` against `aptly mirror create` + `aptly mirror update` (same',
    'keyring) of one signed apt-ftparchive upstream of the corpus served on 127.0.0.1.',
    '',
    `![Each target: measured as a share of the target](${names.targets})`,
    '',
    `![Median wall per scenario: raptr and its peers](${names.scenarios})`,
    '',
    '## Median wall and peak RSS, every N',
    '',
    scenariosTable(files),
    '',
  ].join('\n')
  fs.writeFileSync(path.join(dir, names.markdown), markdown)
  fs.writeFileSync(path.join(dir, names.targets), targetChart(rows, `raptr against its speed targets (${tag})`))
  fs.writeFileSync(path.join(dir, names.scenarios), scenarioChart(files, `Median wall per scenario, raptr and peers (${tag}); shorter is faster`))
  return markdown
}
