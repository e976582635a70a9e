/**
 * Hand-written SVG charts of a bench summary, legible on GitHub in light and dark mode
 * (white background, text labels with units on every bar):
 * - the targets: each figure's measured value as a share of its target;
 * - the scenarios: median wall per tool, one small panel per scenario and N, each on
 *   its own scale.
 */
import {find} from './report.js'
import type {ResultFile} from './results-file.js'
import type {Figure} from './summary.js'

const FONT = 'font-family="Helvetica, Arial, sans-serif"'
const COLOR = {met: '#2e7d32', missed: '#c62828', grey: '#9e9e9e', text: '#212121', muted: '#616161', axis: '#bdbdbd'}
const TOOL_COLOR: Record<string, string> = {
  'raptr, 1 process': '#1565c0',
  'raptr, 2 processes': '#64b5f6',
  raptr: '#1565c0',
  aptly: '#ef6c00',
  reprepro: '#6a1b9a',
  'apt-ftparchive': '#00897b',
}

/** Escapes text for an SVG text node. Example: `xml('a < b') === 'a &lt; b'` */
export function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

const plain = (text: string) => text.replace(/`/g, '')
const text = (x: number, y: number, body: string, attrs = '') => `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs}>${xml(body)}</text>`
const rect = (x: number, y: number, w: number, h: number, fill: string) =>
  `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(0, w).toFixed(1)}" height="${h.toFixed(1)}" fill="${fill}"/>`
const svg = (width: number, height: number, title: string, body: string[]) =>
  [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="13" fill="${COLOR.text}">`,
    `<title>${xml(title)}</title>`,
    rect(0, 0, width, height, '#ffffff'),
    ...body,
    '</svg>',
    '',
  ].join('\n')

/** Bars past this many times the target are cut, with the real value in the label. */
const SHARE_MAX = 3

/**
 * The targets chart: per figure, measured ÷ target as a bar (green met, red missed), a
 * line at the target, and the measured value, target and verdict as text.
 * Example: `targetChart(figures(files), 'raptr against its speed targets')`
 */
export function targetChart(rows: readonly Figure[], title: string): string {
  const labelWidth = 440
  const barX = 16 + labelWidth
  const barWidth = 330
  const scale = barWidth / SHARE_MAX
  const rowHeight = 28
  const top = 78
  const width = barX + barWidth + 360
  const height = top + rows.length * rowHeight + 44
  const body: string[] = [
    text(16, 28, title, 'font-size="17" font-weight="bold"'),
    text(16, 50, `Bar = measured ÷ target (the dashed line is the target; shorter is better). Green: met; red: missed; bars past ${SHARE_MAX}× are cut (▸).`, `fill="${COLOR.muted}"`),
  ]
  // Axis: 0, the target, 2×, 3×.
  for (let k = 0; k <= SHARE_MAX; k++) {
    const x = barX + k * scale
    body.push(`<line x1="${x}" y1="${top - 8}" x2="${x}" y2="${top + rows.length * rowHeight}" stroke="${k === 1 ? COLOR.text : COLOR.axis}" stroke-width="${k === 1 ? 1.5 : 1}"${k === 1 ? ' stroke-dasharray="5 3"' : ''}/>`)
    body.push(text(x, top + rows.length * rowHeight + 18, k === 0 ? '0' : k === 1 ? 'target' : `${k}× target`, `text-anchor="middle" fill="${COLOR.muted}"`))
  }
  rows.forEach((row, i) => {
    const y = top + i * rowHeight
    body.push(text(16, y + 17, plain(row.figure)))
    const short = row.measured.split(' (')[0]
    if (row.share === undefined) {
      body.push(text(barX + 6, y + 17, row.measured === 'not measured' ? 'not measured' : `not measured: ${row.measured.slice(0, 60)}`, `fill="${COLOR.grey}" font-style="italic"`))
      return
    }
    const color = row.verdict === 'met' ? COLOR.met : COLOR.missed
    const cut = row.share > SHARE_MAX
    body.push(rect(barX, y + 5, Math.min(row.share, SHARE_MAX) * scale, 16, color))
    if (cut) body.push(text(barX + barWidth - 2, y + 18, '▸', 'fill="#ffffff" text-anchor="end" font-weight="bold"'))
    body.push(text(barX + barWidth + 10, y + 17, `${short} (target ${row.target}): ${row.verdict}`, `fill="${color}" font-weight="bold"`))
  })
  return svg(width, height, title, body)
}

const seconds = (s: number) => (s < 1 ? s.toFixed(3) : s < 10 ? s.toFixed(2) : s.toFixed(1)) + ' s'

/** The panels of the scenario chart, and which records each bar shows. */
const PANELS: Array<{title: string; bars: (tools: readonly string[]) => Array<{label: string; tool: string; scenario: string}>}> = [
  {title: 'full: create, add N, publish', bars: (tools) => tools.map((t) => ({label: t, tool: t, scenario: 'full'}))},
  {
    title: 'incremental: add 10, publish',
    bars: (tools) =>
      tools.flatMap((t) =>
        t === 'raptr'
          ? [
              {label: 'raptr, 1 process', tool: t, scenario: 'incremental'},
              {label: 'raptr, 2 processes', tool: t, scenario: 'incremental, 2 processes'},
            ]
          : [{label: t, tool: t, scenario: 'incremental'}],
      ),
  },
  {title: 'no-change publish', bars: (tools) => tools.map((t) => ({label: t, tool: t, scenario: 'no-change publish'}))},
]

/**
 * The scenario chart: a row of panels per N (full, incremental, no-change publish), each
 * a horizontal bar per tool with its median wall in seconds, on the panel's own scale.
 * Example: `scenarioChart(readResults(dir, tag), 'Median wall per scenario')`
 */
export function scenarioChart(files: readonly ResultFile[], title: string): string {
  const labelWidth = 128
  const barWidth = 150
  const valueWidth = 62
  const panelWidth = labelWidth + barWidth + valueWidth
  const gap = 24
  const barHeight = 14
  const barStep = 20
  const width = 16 + PANELS.length * panelWidth + (PANELS.length - 1) * gap + 16
  const body: string[] = [
    text(16, 28, title, 'font-size="17" font-weight="bold"'),
    text(16, 48, 'Each panel has its own scale; the label on each bar is its median wall time over the runs.', `fill="${COLOR.muted}"`),
  ]
  let y = 70
  for (const file of files) {
    const tools = ['raptr', ...new Set(file.results.map((r) => r.tool).filter((t) => t !== 'raptr'))]
    body.push(text(16, y + 14, `N = ${file.n.toLocaleString('en')} packages`, 'font-size="15" font-weight="bold"'))
    y += 26
    let rowsHeight = 0
    PANELS.forEach((panel, p) => {
      const x = 16 + p * (panelWidth + gap)
      const bars = panel.bars(tools).map((b) => ({...b, record: find(file.results, b.tool, b.scenario)}))
      const shown = bars.filter((b) => b.record)
      const max = Math.max(0, ...shown.map((b) => (b.record!.ok ? b.record!.medianWall : 0)))
      body.push(text(x, y + 12, panel.title, 'font-weight="bold"'))
      shown.forEach((b, i) => {
        const by = y + 22 + i * barStep
        const r = b.record!
        body.push(text(x + labelWidth - 6, by + 11, b.label, 'text-anchor="end" font-size="12"'))
        if (!r.ok) {
          body.push(text(x + labelWidth, by + 11, 'failed', `fill="${COLOR.missed}" font-size="12" font-style="italic"`))
          return
        }
        const w = max > 0 ? (r.medianWall / max) * barWidth : 0
        body.push(rect(x + labelWidth, by, Math.max(w, 1), barHeight, TOOL_COLOR[b.label] ?? COLOR.grey))
        body.push(text(x + labelWidth + w + 4, by + 11, seconds(r.medianWall), 'font-size="12"'))
      })
      if (!shown.length) body.push(text(x, y + 33, 'not measured', `fill="${COLOR.grey}" font-size="12" font-style="italic"`))
      rowsHeight = Math.max(rowsHeight, 22 + Math.max(1, shown.length) * barStep)
    })
    y += rowsHeight + 18
  }
  return svg(width, y + 4, title, body)
}
