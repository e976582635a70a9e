/**
 * The benchmark's Markdown report: one row per tool and scenario, raptr's ratio against
 * each peer, and the machine it ran on.
 */
import type {ScenarioResult} from './measure.js'
import type {ScenarioRecord} from './results-file.js'

/**
 * The scenarios, in report order. raptr's `incremental` is the one-process form
 * (`package add … --publish`, the documented CI step); `incremental, 2 processes` is
 * `package add` then `publish`. Peers have one incremental form each. `import` is
 * `raptr import` against `aptly mirror create` + `aptly mirror update` of one upstream.
 */
export const SCENARIOS = ['full', 'incremental', 'incremental, 2 processes', 'no-change publish', 'snapshot diff', 'import'] as const
export type Scenario = (typeof SCENARIOS)[number]

/** The peers' scenario a raptr-only scenario is compared with. */
export const COMPARED_WITH: Partial<Record<Scenario, Scenario>> = {'incremental, 2 processes': 'incremental'}

/** Every run of every tool and scenario at one N. */
export type Results = Map<string, Map<Scenario, ScenarioResult[]>>

/** What the runs of one tool and scenario add up to. */
export interface Summary {
  ok: boolean
  medianWall: number
  peakRssKiB: number
  runs: number
  error?: string
}

/** Median of a non-empty list. Example: `median([3, 1, 2]) === 2` */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Median wall and largest peak RSS over runs; failed if any run failed. Example: `summarize(runs)` */
export function summarize(runs: readonly ScenarioResult[]): Summary {
  const failed = runs.find((r) => !r.ok)
  return {
    ok: !failed && runs.length > 0,
    medianWall: runs.length ? median(runs.map((r) => r.wallSeconds)) : 0,
    peakRssKiB: Math.max(0, ...runs.map((r) => r.maxRssKiB)),
    runs: runs.length,
    error: failed?.error,
  }
}

/** The results as records, in report order. Example: `records(results)` */
export function records(results: Results): ScenarioRecord[] {
  const out: ScenarioRecord[] = []
  for (const scenario of SCENARIOS)
    for (const [tool, byScenario] of results) {
      const runs = byScenario.get(scenario)
      if (runs) out.push({tool, scenario, ...summarize(runs)})
    }
  return out
}

/** One record, or undefined. Example: `find(recs, 'raptr', 'full')` */
export function find(recs: readonly ScenarioRecord[], tool: string, scenario: string): ScenarioRecord | undefined {
  return recs.find((r) => r.tool === tool && r.scenario === scenario)
}

const seconds = (s: number) => (s < 10 ? s.toFixed(3) : s.toFixed(1)) + ' s'
const mib = (kib: number) => (kib / 1024).toFixed(0) + ' MiB'
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ⏎ ')
const times = (a: number, b: number) => (a / b).toFixed(2) + '×'

/** The results table. Example: `resultsTable(records(results), 1000, ['raptr', 'aptly'])` */
export function resultsTable(recs: readonly ScenarioRecord[], n: number, tools: readonly string[]): string {
  const lines = [
    '| tool | scenario | N | median wall | peak RSS | raptr / tool (wall) | raptr / tool (RSS) | tool / floor (wall) |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
  ]
  for (const scenario of SCENARIOS) {
    const raptr = find(recs, 'raptr', scenario)
    const compared = COMPARED_WITH[scenario]
    for (const tool of tools) {
      const s = find(recs, tool, scenario)
      if (!s) continue
      if (!s.ok) {
        lines.push(`| ${tool} | ${scenario} | ${n} | failed | — | — | — | — |`)
        lines.push(`| | | | \`${cell(s.error ?? 'unknown error')}\` | | | | |`)
        continue
      }
      let ratio = '—'
      let rssRatio = '—'
      // The physical floor of the same packages (the incremental one for raptr's second form).
      const floor = find(recs, 'floor', compared ?? scenario)
      const overFloor = tool !== 'floor' && floor?.ok && floor.medianWall > 0 ? times(s.medianWall, floor.medianWall) : '—'
      if (tool !== 'raptr' && tool !== 'floor' && raptr?.ok) {
        if (s.medianWall > 0) ratio = times(raptr.medianWall, s.medianWall)
        if (s.peakRssKiB > 0) rssRatio = times(raptr.peakRssKiB, s.peakRssKiB)
      }
      if (tool === 'raptr' && compared) {
        // A raptr-only form: its ratios against each peer's own form of the scenario.
        const against = (pick: (r: ScenarioRecord) => number) =>
          tools
            .filter((t) => t !== 'raptr' && t !== 'floor')
            .map((t) => [t, find(recs, t, compared)] as const)
            .filter(([, p]) => p?.ok && pick(p) > 0)
            .map(([t, p]) => `${t} ${times(pick(s), pick(p!))}`)
            .join(', ') || '—'
        ratio = against((r) => r.medianWall)
        rssRatio = against((r) => r.peakRssKiB)
      }
      lines.push(`| ${tool} | ${scenario} | ${n} | ${seconds(s.medianWall)} | ${mib(s.peakRssKiB)} | ${ratio} | ${rssRatio} | ${overFloor} |`)
    }
  }
  return lines.join('\n')
}

/** Seconds with units, for notes. Example: `formatSeconds(0.25) === '0.250 s'` */
export const formatSeconds = seconds
/** KiB as MiB, for notes. Example: `formatMiB(2048) === '2 MiB'` */
export const formatMiB = mib
