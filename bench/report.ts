/**
 * The benchmark's Markdown report: one row per tool and scenario, raptr's ratio against
 * each peer, and the machine it ran on.
 */
import type {ScenarioResult} from './measure.js'

/** The scenarios, in report order. */
export const SCENARIOS = ['full', 'incremental', 'no-change publish', 'snapshot diff'] as const
export type Scenario = (typeof SCENARIOS)[number]

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

const seconds = (s: number) => (s < 10 ? s.toFixed(3) : s.toFixed(1)) + ' s'
const mib = (kib: number) => (kib / 1024).toFixed(0) + ' MiB'
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ⏎ ')

/** The results table. Example: `resultsTable(results, 1000, ['raptr', 'aptly'])` */
export function resultsTable(results: Results, n: number, tools: readonly string[]): string {
  const lines = [
    '| tool | scenario | N | median wall | peak RSS | raptr / tool (wall) | raptr / tool (RSS) |',
    '|---|---|---:|---:|---:|---:|---:|',
  ]
  for (const scenario of SCENARIOS) {
    const raptrRuns = results.get('raptr')?.get(scenario)
    const raptr = raptrRuns ? summarize(raptrRuns) : undefined
    for (const tool of tools) {
      const runs = results.get(tool)?.get(scenario)
      if (!runs) continue
      const s = summarize(runs)
      if (!s.ok) {
        lines.push(`| ${tool} | ${scenario} | ${n} | failed | — | — | — |`)
        lines.push(`| | | | \`${cell(s.error ?? 'unknown error')}\` | | | |`)
        continue
      }
      const ratio = tool !== 'raptr' && raptr?.ok && s.medianWall > 0 ? (raptr.medianWall / s.medianWall).toFixed(2) + '×' : '—'
      const rssRatio = tool !== 'raptr' && raptr?.ok && s.peakRssKiB > 0 ? (raptr.peakRssKiB / s.peakRssKiB).toFixed(2) + '×' : '—'
      lines.push(`| ${tool} | ${scenario} | ${n} | ${seconds(s.medianWall)} | ${mib(s.peakRssKiB)} | ${ratio} | ${rssRatio} |`)
    }
  }
  return lines.join('\n')
}

/** Seconds with units, for notes. Example: `formatSeconds(0.25) === '0.250 s'` */
export const formatSeconds = seconds
/** KiB as MiB, for notes. Example: `formatMiB(2048) === '2 MiB'` */
export const formatMiB = mib
