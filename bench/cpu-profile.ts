/**
 * Summarizes V8 `.cpuprofile` files (from `node --cpu-prof`): the functions with the
 * most self time, so the lead sees which phase of raptr dominates.
 */
import fs from 'node:fs'
import path from 'node:path'

interface ProfileNode {
  id: number
  callFrame: {functionName: string; url: string; lineNumber: number}
  hitCount?: number
}
interface Profile {
  nodes: ProfileNode[]
  startTime: number
  endTime: number
  samples?: number[]
  timeDeltas?: number[]
}

/** One function's share of a profile. */
export interface HotFunction {
  name: string
  location: string
  selfMs: number
  share: number
}

function location(url: string, line: number, repoRoot: string): string {
  let file = url.replace(/^file:\/\//, '')
  if (file.startsWith(repoRoot)) file = path.relative(repoRoot, file)
  file = file.replace(/^.*node_modules\//, 'node_modules/')
  return file ? `${file}:${line + 1}` : '(native)'
}

/** The top functions by self time in one profile. Example: `hotFunctions('x.cpuprofile', '.', 10)` */
export function hotFunctions(file: string, repoRoot: string, top = 12): {totalMs: number; functions: HotFunction[]} {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const self = new Map<number, number>()
  const samples = profile.samples ?? []
  const deltas = profile.timeDeltas ?? []
  // A sample's time is the delta to the next sample.
  for (let i = 0; i < samples.length; i++) {
    const dt = (deltas[i + 1] ?? 0) / 1000
    self.set(samples[i], (self.get(samples[i]) ?? 0) + dt)
  }
  const totalMs = (profile.endTime - profile.startTime) / 1000
  const merged = new Map<string, HotFunction>()
  for (const [id, ms] of self) {
    const node = byId.get(id)!
    const name = node.callFrame.functionName || '(anonymous)'
    const loc = location(node.callFrame.url, node.callFrame.lineNumber, repoRoot)
    const key = `${name} ${loc}`
    const entry = merged.get(key) ?? {name, location: loc, selfMs: 0, share: 0}
    entry.selfMs += ms
    merged.set(key, entry)
  }
  const functions = [...merged.values()].sort((a, b) => b.selfMs - a.selfMs).slice(0, top)
  for (const f of functions) f.share = totalMs ? f.selfMs / totalMs : 0
  return {totalMs, functions}
}
