/**
 * `npm run bench`: raptr against aptly, reprepro and apt-ftparchive on the same generated
 * packages, on this machine, in one run. Every scenario is timed as whole processes
 * (wall time, peak RSS), several runs, median. Writes bench/results/<tag>-<N>.md and .json
 * (the tag defaults to today's date), then the tag's summary from every <tag>-<N>.json:
 * the speed targets with today's figures, met or missed, and two SVG charts.
 *
 *   npm run bench                         N = 1,000 and 10,000, 3 runs, every peer
 *   npm run bench -- --n 1000 --runs 1    a quick run
 *   npm run bench -- --n 100000 --peers none --tag 2026-12-01   raptr only, into that tag's summary
 *   npm run bench -- --summary --tag 2026-12-01                 the summary again, measuring nothing
 *   npm run bench -- --n 3000 --scenarios import --peers aptly   raptr import against aptly mirror
 *   npm run bench -- --ci                 N = 1,000, one run, every peer (~2 minutes): the CI-sized run
 */
import {execFileSync, spawnSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'
import {planCorpus, writeCorpus} from './corpus.js'
import {hotFunctions} from './cpu-profile.js'
import {floorDriver} from './floor.js'
import {createGpgKey} from './gpg-key.js'
import {aptlyMirror, raptrImport, serveUpstream} from './import.js'
import {ensureTools} from './install-peers.js'
import {ScenarioTimer, type ScenarioResult} from './measure.js'
import {type BenchContext, type Driver, PEERS, type PeerName, peerDriver, raptrDriver, toolVersion} from './peers.js'
import {formatMiB, formatSeconds, records, type Results, resultsTable, type Scenario} from './report.js'
import {type Startup, writeResult} from './results-file.js'
import {measureStartup} from './startup.js'
import {summaryFiles, writeSummary} from './summary.js'
import {treeChanges, treeState} from './tree-changes.js'

const EXTRA = 10
/** A run with an N below this is a trial: its default --out is a temporary directory. */
const TRIAL_BELOW = 1000

interface Options {
  sizes: number[]
  runs: number
  peers: PeerName[]
  seed: number
  cpuProf: boolean
  resultsDir: string
  /** Names the result files, `<tag>-<N>.*`, and the summary that combines them. */
  tag: string
  /** Only write the tag's summary from its result files. */
  summaryOnly: boolean
  /** Which groups run: `publish` (full, incremental, no-change, diff) and `import`. */
  groups: Set<'publish' | 'import'>
}

const GROUPS = ['publish', 'import'] as const

function options(repoRoot: string): Options {
  const {values} = parseArgs({
    options: {
      n: {type: 'string', multiple: true},
      runs: {type: 'string', default: '3'},
      peers: {type: 'string', default: PEERS.join(',')},
      seed: {type: 'string', default: '20240601'},
      'cpu-prof': {type: 'boolean', default: false},
      out: {type: 'string'},
      tag: {type: 'string', default: new Date().toISOString().slice(0, 10)},
      summary: {type: 'boolean', default: false},
      scenarios: {type: 'string', default: GROUPS.join(',')},
      ci: {type: 'boolean', default: false},
    },
  })
  const groups = values.scenarios.split(',').map((g) => g.trim())
  for (const g of groups) if (!(GROUPS as readonly string[]).includes(g)) throw new Error(`unknown --scenarios ${g}; known: ${GROUPS.join(', ')}`)
  // --ci: the run a CI job can afford, N = 1,000 once (an explicit --n or --runs wins).
  if (values.ci) {
    values.n ??= ['1000']
    if (!process.argv.some((a) => a === '--runs' || a.startsWith('--runs='))) values.runs = '1'
  }
  const sizes = (values.n ?? ['1000,10000']).flatMap((v) => v.split(',')).map((v) => Number(v.replace(/_/g, '')))
  const peers = values.peers
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p && p !== 'none')
  for (const p of peers) if (!(PEERS as readonly string[]).includes(p)) throw new Error(`unknown peer ${p}; known: ${PEERS.join(', ')}`)
  if (sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('--n takes positive integers')
  if (!/^[\w.-]+$/.test(values.tag)) throw new Error('--tag takes letters, digits, ".", "-" and "_"')
  return {
    sizes,
    runs: Math.max(1, Number(values.runs)),
    peers: peers as PeerName[],
    seed: Number(values.seed),
    cpuProf: values['cpu-prof'],
    // Trial sizes stay out of bench/results (and out of the day's summary) unless asked.
    resultsDir: values.out ?? (sizes.some((n) => n < TRIAL_BELOW) ? path.join(os.tmpdir(), 'raptr-bench-results') : path.join(repoRoot, 'bench', 'results')),
    tag: values.tag,
    summaryOnly: values.summary,
    groups: new Set(groups as Array<(typeof GROUPS)[number]>),
  }
}

function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU'
  return `${os.availableParallelism()} CPUs (${cpu}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, ${os.type()} ${os.release()}`
}

function log(message: string): void {
  console.error(`bench: ${message}`)
}

/** Runs one scenario, recording a failure instead of throwing. */
function scenario(results: Results, tool: string, name: Scenario, body: (timer: ScenarioTimer) => void): ScenarioResult {
  // Untimed: what the scenarios before wrote reaches the disk first, so the kernel's
  // writeback of gigabytes is not timed in the next scenario (a no-change publish run
  // while it lasted took 0.17 s against 0.13 s after it, by hand).
  spawnSync('sync')
  const timer = new ScenarioTimer()
  try {
    body(timer)
  } catch (error) {
    if (timer.result().ok) timer.fail(error instanceof Error ? error.message : String(error))
  }
  const result = timer.result()
  let byScenario = results.get(tool)
  if (!byScenario) results.set(tool, (byScenario = new Map()))
  byScenario.set(name, [...(byScenario.get(name) ?? []), result])
  log(`  ${tool} ${name}: ${result.ok ? `${formatSeconds(result.wallSeconds)}, ${formatMiB(result.maxRssKiB)}` : `FAILED ${result.error}`}`)
  return result
}

interface RaptrExtras {
  filesWritten: Array<{added: number; changed: number; total: number}>
}

function runTool(results: Results, driver: Driver, extras: RaptrExtras, raptr?: ReturnType<typeof raptrDriver>): void {
  const full = scenario(results, driver.name, 'full', (t) => driver.full(t))
  const fullHead = full.ok && raptr ? raptr.head() : ''
  const before = treeState(driver.publishedDir)
  const incremental = scenario(results, driver.name, 'incremental', (t) => {
    if (!full.ok) throw new Error('skipped: full failed')
    driver.incremental(t)
  })
  if (raptr && incremental.ok) extras.filesWritten.push(treeChanges(before, treeState(driver.publishedDir)))
  let last = incremental
  if (driver.incrementalTwoProcesses) {
    const twoProcesses = driver.incrementalTwoProcesses
    last = scenario(results, driver.name, 'incremental, 2 processes', (t) => {
      if (!last.ok) throw new Error('skipped: incremental failed')
      twoProcesses(t)
    })
  }
  if (driver.noChange) {
    const noChange = driver.noChange
    scenario(results, driver.name, 'no-change publish', (t) => {
      if (!last.ok) throw new Error('skipped: incremental failed')
      noChange(t)
    })
  }
  if (raptr) {
    scenario(results, driver.name, 'snapshot diff', (t) => {
      if (!last.ok) throw new Error('skipped: incremental failed')
      raptr.diff(t, fullHead, 'HEAD')
    })
  }
}

/**
 * The import scenario at one N: raptr and (when it is a peer) aptly bring the same served
 * upstream into a fresh work directory, `runs` times each.
 */
async function runImport(results: Results, ctx: BenchContext, tmp: string, opts: Options, unavailable: Map<string, string>): Promise<void> {
  const dir = fs.mkdtempSync(path.join(tmp, 'upstream-'))
  const upstream = await serveUpstream(path.join(dir, 'www'), ctx.corpusDir, ctx.gpg)
  log(`upstream served at ${upstream.url}`)
  try {
    for (let run = 1; run <= opts.runs; run++) {
      log(`import run ${run}/${opts.runs}`)
      const work = fs.mkdtempSync(path.join(tmp, 'import-raptr-'))
      scenario(results, 'raptr', 'import', (t) => raptrImport(t, ctx.repoRoot, work, upstream))
      fs.rmSync(work, {recursive: true, force: true})
      if (!opts.peers.includes('aptly')) continue
      if (unavailable.has('aptly')) {
        scenario(results, 'aptly', 'import', (t) => t.fail(unavailable.get('aptly')!))
        continue
      }
      const aptlyWork = fs.mkdtempSync(path.join(tmp, 'import-aptly-'))
      scenario(results, 'aptly', 'import', (t) => aptlyMirror(t, aptlyWork, upstream))
      fs.rmSync(aptlyWork, {recursive: true, force: true})
    }
  } finally {
    upstream.close()
    fs.rmSync(dir, {recursive: true, force: true})
  }
}

function profileRaptr(ctx: BenchContext, tmp: string, repoRoot: string): string {
  const work = fs.mkdtempSync(path.join(tmp, 'prof-'))
  const profDir = path.join(work, 'profiles')
  const raptr = raptrDriver(ctx, work, ['--cpu-prof', '--cpu-prof-dir', profDir])
  const sections: string[] = []
  const phases: Array<[string, (t: ScenarioTimer) => void]> = [
    ['full', (t) => raptr.full(t)],
    ['incremental', (t) => raptr.incremental(t)],
    ['incremental, 2 processes', (t) => raptr.incrementalTwoProcesses!(t)],
    ['no-change publish', (t) => raptr.noChange!(t)],
  ]
  for (const [name, body] of phases) {
    fs.rmSync(profDir, {recursive: true, force: true})
    const timer = new ScenarioTimer()
    try {
      body(timer)
    } catch (error) {
      sections.push(`### ${name}: failed\n\n\`${error instanceof Error ? error.message : error}\``)
      break
    }
    // One profile per process; the heaviest one is the phase worth reading.
    const profiles = fs
      .readdirSync(profDir)
      .map((f) => path.join(profDir, f))
      .map((f) => ({file: f, ...hotFunctions(f, repoRoot)}))
      .sort((a, b) => b.totalMs - a.totalMs)
    const heaviest = profiles[0]
    if (!heaviest) continue
    const steps = timer.steps.map((st) => `${st.label} ${formatSeconds(st.wallSeconds)} / ${formatMiB(st.maxRssKiB)}`)
    const lines = [
      `### ${name}: heaviest process ${(heaviest.totalMs / 1000).toFixed(2)} s of CPU profile (of ${profiles.length})`,
      '',
      `Steps (wall / peak RSS, under the profiler): ${steps.join('; ')}.`,
      '',
      '| self ms | share | function | where |',
      '|---:|---:|---|---|',
      ...heaviest.functions.map((f) => `| ${f.selfMs.toFixed(0)} | ${(f.share * 100).toFixed(1)}% | \`${f.name}\` | ${f.location} |`),
    ]
    sections.push(lines.join('\n'))
  }
  fs.rmSync(work, {recursive: true, force: true})
  return sections.join('\n\n')
}

/** The start-up figures as a note line. */
function startupNote(startup: Startup): string {
  const help = startup.help ? `\`raptr --help\`: median ${formatSeconds(startup.help.medianSeconds)} over ${startup.help.runs} runs` : '`raptr --help`: failed'
  const parsed = startup.parsed
    .map((p) => (p.medianSeconds === null ? `${p.command} failed (${p.error})` : `${p.command} ${formatSeconds(p.medianSeconds)}`))
    .join(', ')
  return `${help}; "command: parsed" reached after (median since start, RAPTR_DEBUG_TIMING=1): ${parsed}`
}

function summarizeTag(opts: Options): void {
  const markdown = writeSummary(opts.resultsDir, opts.tag)
  if (!markdown) {
    log(`no ${opts.tag}-<N>.json in ${opts.resultsDir}: nothing to summarize`)
    return
  }
  console.log(markdown)
  const names = summaryFiles(opts.tag)
  log(`wrote ${[names.markdown, names.targets, names.scenarios].map((f) => path.join(opts.resultsDir, f)).join(', ')}`)
}

async function main(): Promise<void> {
  const repoRoot = fileURLToPath(new URL('../..', import.meta.url))
  const opts = options(repoRoot)
  if (opts.summaryOnly) return summarizeTag(opts)
  const runJs = path.join(repoRoot, 'bin', 'run.js')
  if (!fs.existsSync(runJs)) throw new Error('bin/run.js not found; run from the raptr repository')
  const missing = ensureTools(['/usr/bin/time', ...opts.peers])
  if (missing.includes('/usr/bin/time: not installed (apt-get install time failed)')) throw new Error('GNU time is required')
  const unavailable = new Map(missing.map((m) => [m.split(':')[0], m]))

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'raptr-bench-'))
  try {
    log('making signing keys (untimed)')
    const gpg = createGpgKey(path.join(tmp, 'gnupg'))
    const raptrKey = path.join(tmp, 'raptr-signing.asc')
    execFileSync(process.execPath, [runJs, 'key', 'generate', '--name', 'raptr bench', '--email', 'bench@example.org', '--out', raptrKey], {
      stdio: 'pipe',
      cwd: tmp,
    })

    // Start-up is cheap and noisy: at least 5 runs whatever --runs says.
    const startup = measureStartup(runJs, tmp, Math.max(5, opts.runs), raptrKey)
    const help = startupNote(startup)
    log(help)

    const peerVersions = opts.peers.map((p) => ({name: p, version: unavailable.has(p) ? '(not installed)' : toolVersion(p)}))
    const versions = peerVersions.map((p) => `${p.name} ${p.version}`)
    for (const n of opts.sizes) {
      const corpusDir = path.join(tmp, `corpus-${n}`)
      const extraDir = path.join(tmp, `extra-${n}`)
      const extraDir2 = path.join(tmp, `extra2-${n}`)
      let started = Date.now()
      writeCorpus(corpusDir, {count: n, seed: opts.seed})
      writeCorpus(extraDir, {count: n + EXTRA, seed: opts.seed, from: n})
      writeCorpus(extraDir2, {count: n + 2 * EXTRA, seed: opts.seed, from: n + EXTRA})
      const corpusSeconds = (Date.now() - started) / 1000
      const corpusBytes = fs.readdirSync(corpusDir).reduce((sum, f) => sum + fs.statSync(path.join(corpusDir, f)).size, 0)
      const names = new Set(planCorpus({count: n, seed: opts.seed}).map((p) => p.name)).size
      log(`N=${n}: corpus of ${n} packages (${names} names, ${(corpusBytes / 2 ** 20).toFixed(0)} MiB) in ${corpusSeconds.toFixed(1)} s`)

      const ctx: BenchContext = {repoRoot, corpusDir, extraDir, extraDir2, gpg, raptrKey}
      const results: Results = new Map()
      const extras: RaptrExtras = {filesWritten: []}
      started = Date.now()
      for (let run = 1; opts.groups.has('publish') && run <= opts.runs; run++) {
        log(`N=${n} run ${run}/${opts.runs}`)
        // raptr and every peer in the same run, each in a fresh work directory.
        const work = fs.mkdtempSync(path.join(tmp, 'raptr-'))
        const raptr = raptrDriver(ctx, work)
        runTool(results, raptr, extras, raptr)
        fs.rmSync(work, {recursive: true, force: true})
        // The physical floor of the same bytes, in the same run.
        const floorWork = fs.mkdtempSync(path.join(tmp, 'floor-'))
        runTool(results, floorDriver(ctx, floorWork), extras)
        fs.rmSync(floorWork, {recursive: true, force: true})
        for (const peer of opts.peers) {
          if (unavailable.has(peer)) {
            scenario(results, peer, 'full', (t) => t.fail(unavailable.get(peer)!))
            continue
          }
          const peerWork = fs.mkdtempSync(path.join(tmp, `${peer}-`))
          try {
            runTool(results, peerDriver(peer, ctx, peerWork), extras)
          } catch (error) {
            scenario(results, peer, 'full', (t) => t.fail(error instanceof Error ? error.message : String(error)))
          } finally {
            fs.rmSync(peerWork, {recursive: true, force: true})
          }
        }
      }
      if (opts.groups.has('import')) await runImport(results, ctx, tmp, opts, unavailable)
      const written = extras.filesWritten
      const writtenNote = !opts.groups.has('publish')
        ? 'publish scenarios not run (--scenarios)'
        : written.length
        ? `files written by raptr's incremental publish (one process, ${EXTRA} packages): ${written.map((w) => `${w.added} new + ${w.changed} changed of ${w.total}`).join('; ')}`
        : "files written by raptr's incremental publish: not measured (the publish failed)"
      let profile = ''
      if (opts.cpuProf && opts.groups.has('publish')) {
        log(`N=${n}: profiling raptr (node --cpu-prof)`)
        profile = profileRaptr(ctx, tmp, repoRoot)
      }
      const tools = ['raptr', 'floor', ...opts.peers]
      const recs = records(results)
      const date = new Date().toISOString()
      const report = [
        `# raptr benchmark, N = ${n.toLocaleString('en')}`,
        '',
        `- date: ${date}`,
        `- machine: ${machine()}`,
        `- peers: ${versions.join('; ') || 'none'}`,
        `- corpus: ${n} .deb files, ${names} names, ${(corpusBytes / 2 ** 20).toFixed(0)} MiB, seed ${opts.seed}, generated in ${corpusSeconds.toFixed(1)} s; +${EXTRA} for each incremental form`,
        `- ${opts.runs} run(s) per tool; wall = sum of the scenario's processes (median over runs); peak RSS = largest single process (max over runs), from GNU time`,
        `- ${help}`,
        `- ${writtenNote}`,
        `- bench time at this N: ${((Date.now() - started) / 1000).toFixed(0)} s`,
        '',
        resultsTable(recs, n, tools),
        '',
        'Scenarios: **full** = create, add N packages to one distribution/component, publish signed with .gz and .xz indexes',
        '(raptr and aptly also by-hash); **incremental** = add 10 packages, publish again (raptr: one process,',
        '`package add … --publish`; aptly: `repo add`, `snapshot create`, `publish switch`); **incremental, 2 processes** =',
        'raptr\'s `package add` then `publish`, with the next 10 packages, its ratios against each peer\'s incremental;',
        '**no-change publish** = publish',
        'with nothing changed (aptly: `publish switch` to the same snapshot; reprepro: `export`; apt-ftparchive: regenerate);',
        '**snapshot diff** = `raptr snapshot diff` between the full and the incremental state; **floor** = the physical floor,',
        'hashing (sha256sum), decoding (dpkg-deb --fsys-tarfile) and copying the same package files once, natively (bench/floor.ts),',
        'and "tool / floor" each wall over the floor\'s (for the incremental forms, the floor of their 10 packages);',
        '**import** = `raptr init` + `raptr import URL bench --to bench --keyring K` against `aptly mirror create` +',
        '`aptly mirror update` (same keyring) of one signed apt-ftparchive tree of the N packages served on 127.0.0.1. See bench/README.md.',
        ...(profile ? ['', '## raptr CPU profile (one run, `node --cpu-prof`, self time)', '', profile] : []),
        '',
      ].join('\n')
      fs.mkdirSync(opts.resultsDir, {recursive: true})
      const file = path.join(opts.resultsDir, `${opts.tag}-${n}.md`)
      fs.writeFileSync(file, report)
      const json = writeResult(opts.resultsDir, {
        format: 1,
        tag: opts.tag,
        n,
        date,
        machine: machine(),
        runs: opts.runs,
        peers: peerVersions,
        startup,
        results: recs,
      })
      console.log(report)
      log(`wrote ${file} and ${json}`)
      for (const dir of [corpusDir, extraDir, extraDir2]) fs.rmSync(dir, {recursive: true, force: true})
    }
    summarizeTag(opts)
  } finally {
    fs.rmSync(tmp, {recursive: true, force: true})
  }
}

await main()
