/**
 * The machine-readable result of one N: `bench/results/<tag>-<N>.json`, written beside
 * the Markdown report. The summary (targets table and charts) is computed from these
 * files only, so runs made at different times under one tag (`--n 1000,10000` now,
 * `--n 100000 --peers none` later) combine into one summary.
 */
import fs from 'node:fs'
import path from 'node:path'
import {z} from 'zod'

/** The median wall and largest peak RSS of one tool's scenario over the runs. */
export const ScenarioRecordSchema = z.object({
  tool: z.string(),
  scenario: z.string(),
  ok: z.boolean(),
  medianWall: z.number().nonnegative(),
  peakRssKiB: z.number().nonnegative(),
  runs: z.number().int().nonnegative(),
  error: z.string().optional(),
})
export type ScenarioRecord = z.infer<typeof ScenarioRecordSchema>

/** Start-up figures: they do not depend on N, so each run measures them once. */
export const StartupSchema = z.object({
  /** Median wall of `raptr --help`, whole process. */
  help: z.object({medianSeconds: z.number().nonnegative(), runs: z.number().int().positive()}).nullable(),
  /** Median wall of `node -e ''` on the same Node, measured between the `--help` runs: start-up's floor. */
  node: z.optional(z.object({medianSeconds: z.number().positive(), runs: z.number().int().positive()})),
  /** Per command: median time since process start at `command: parsed, opening the archive`. */
  parsed: z.array(
    z.object({
      command: z.string(),
      medianSeconds: z.number().nonnegative().nullable(),
      runs: z.number().int().nonnegative(),
      error: z.string().optional(),
    }),
  ),
})
export type Startup = z.infer<typeof StartupSchema>

export const ResultFileSchema = z.object({
  format: z.literal(1),
  tag: z.string().min(1),
  n: z.number().int().positive(),
  /** ISO time the N's measurements ended. */
  date: z.string(),
  machine: z.string(),
  runs: z.number().int().positive(),
  /** Each peer with its version line, or why it was not measured. */
  peers: z.array(z.object({name: z.string(), version: z.string()})),
  startup: StartupSchema.nullable(),
  results: z.array(ScenarioRecordSchema),
  /** Free text for the summary, e.g. where converted numbers came from. */
  note: z.string().optional(),
})
export type ResultFile = z.infer<typeof ResultFileSchema>

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** The JSON file of one tag and N. Example: `resultPath('bench/results', '2026-12-01', 1000)` */
export function resultPath(dir: string, tag: string, n: number): string {
  return path.join(dir, `${tag}-${n}.json`)
}

/** Writes one N's results. Example: `writeResult('bench/results', result)` */
export function writeResult(dir: string, result: ResultFile): string {
  fs.mkdirSync(dir, {recursive: true})
  const file = resultPath(dir, result.tag, result.n)
  fs.writeFileSync(file, JSON.stringify(ResultFileSchema.parse(result), null, 2) + '\n')
  return file
}

/**
 * Every `<tag>-<N>.json` in `dir`, by N ascending, each validated.
 * Example: `readResults('bench/results', '2026-12-01').map((r) => r.n)` → `[1000, 10000, 100000]`
 */
export function readResults(dir: string, tag: string): ResultFile[] {
  if (!fs.existsSync(dir)) return []
  const pattern = new RegExp(`^${escapeRegExp(tag)}-(\\d+)\\.json$`)
  const files = fs.readdirSync(dir).filter((f) => pattern.test(f))
  return files
    .map((f) => {
      const parsed = ResultFileSchema.safeParse(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')))
      if (!parsed.success) throw new Error(`${f}: not a bench result file (${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message})`)
      return parsed.data
    })
    .sort((a, b) => a.n - b.n)
}
