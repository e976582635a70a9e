/**
 * Streaming decoders measured on the same bytes: the data.tar members of the bench
 * corpus (N packages, each data.tar compressed with xz, gzip and zstd) and one synthetic
 * ~50 MiB tarball-like payload. Every candidate is fed as readDeb feeds it (1 MiB writes)
 * and its output only counted, so the figures are the decoders' own.
 *
 *   npm run build && npx tsc -p tsconfig.bench.json && node dist/bench/decode.js --n 1000
 *
 * Options: --n N (packages, default 1000), --big MiB (default 50; 0 = none), --runs K
 * (default 3; the median run is shown), --dir DIR (where the corpus is kept between runs).
 * RAPTR_BENCH_MODULES=DIR measures, besides, the streaming xz decoders of packages that
 * raptr does not depend on, installed under DIR/node_modules (`npm install --prefix DIR
 * lzma-native@8.0.6 @napi-rs/lzma@1.5.3 node-liblzma@4.0.2`, and on Node 20 the
 * @napi-rs/lzma-linux-x64-gnu@1.5.3 binary, which npm skips there); a package that does
 * not load is left out. python3's lzma module and `xz -dc` are measured as references.
 */
import {execFileSync} from 'node:child_process'
import fs from 'node:fs'
import {createRequire} from 'node:module'
import os from 'node:os'
import path from 'node:path'
import {parseArgs} from 'node:util'
import zlib from 'node:zlib'

import {decompressSync as xzDecompressSync} from '@napi-rs/lzma/xz'

import {type Decoder, createDecoder} from '../src/debian/decode.js'
import {buildCorpusPackage, planCorpus} from './corpus.js'
import {createRng} from './prng.js'

type Format = 'xz' | 'gz' | 'zst'
type MakeDecoder = (onOut: (out: Uint8Array) => void) => Promise<Decoder> | Decoder

interface Candidate {
  name: string
  format: Format
  make: MakeDecoder
}

const {values} = parseArgs({
  options: {
    n: {type: 'string', default: '1000'},
    big: {type: 'string', default: '50'},
    runs: {type: 'string', default: '3'},
    dir: {type: 'string', default: path.join(os.tmpdir(), 'raptr-decode-bench')},
  },
})
const N = Number(values.n)
const BIG_MIB = Number(values.big)
const RUNS = Number(values.runs)
const DIR = values.dir
const WRITE = 1 << 20

/** The first member of an ar archive whose name starts with `prefix`. */
function arMember(deb: Buffer, prefix: string): Buffer {
  for (let pos = 8; pos + 60 <= deb.length; ) {
    const name = deb.toString('latin1', pos, pos + 16).trim().replace(/\/$/, '')
    const size = Number(deb.toString('latin1', pos + 48, pos + 58).trim())
    if (name.startsWith(prefix)) return deb.subarray(pos + 60, pos + 60 + size)
    pos += 60 + size + (size % 2)
  }
  throw new Error(`no ${prefix} member`)
}

function zstdCompress(data: Buffer): Buffer {
  return execFileSync('zstd', ['-q', '-3', '-c'], {input: data, maxBuffer: 1 << 30})
}

/** The corpus: each format's members, written once under DIR and read back after. */
function corpus(): {name: string; members: Record<Format, Buffer[]>; tar: number}[] {
  const sets: {name: string; members: Record<Format, Buffer[]>; tar: number}[] = []
  const load = (name: string, make: () => Buffer[]): void => {
    const dir = path.join(DIR, name)
    if (!fs.existsSync(path.join(dir, 'done'))) {
      fs.rmSync(dir, {recursive: true, force: true})
      fs.mkdirSync(dir, {recursive: true})
      make().forEach((tar, i) => {
        const base = path.join(dir, String(i).padStart(6, '0'))
        fs.writeFileSync(`${base}.xz`, execFileSync('xz', ['-6', '-T1', '-c'], {input: tar, maxBuffer: 1 << 30}))
        fs.writeFileSync(`${base}.gz`, zlib.gzipSync(tar, {level: 6}))
        fs.writeFileSync(`${base}.zst`, zstdCompress(tar))
        fs.writeFileSync(`${base}.size`, String(tar.length))
      })
      fs.writeFileSync(path.join(dir, 'done'), '')
    }
    const bases = fs.readdirSync(dir).filter((f) => f.endsWith('.size')).sort().map((f) => path.join(dir, f.slice(0, -5)))
    const read = (ext: string) => bases.map((b) => fs.readFileSync(b + ext))
    const tar = bases.reduce((n, b) => n + Number(fs.readFileSync(`${b}.size`, 'utf8')), 0)
    sets.push({name, members: {xz: read('.xz'), gz: read('.gz'), zst: read('.zst')}, tar})
  }
  load(`corpus-${N}`, () =>
    planCorpus({count: N, seed: 1, bigEvery: 0}).map((pkg) => xzDecompressSync(arMember(buildCorpusPackage({...pkg, dataCompression: 'xz'}, 1), 'data.tar'))),
  )
  if (BIG_MIB > 0) load(`big-${BIG_MIB}`, () => [bigPayload(BIG_MIB << 20)])
  return sets
}

/** Tarball-like bytes: text in runs (docs, scripts) and noise in runs (binaries, images). */
function bigPayload(size: number): Buffer {
  const rng = createRng(7)
  const words = 'the of package file data stream install config library version module error value return build'.split(' ')
  const parts: Buffer[] = []
  let total = 0
  while (total < size) {
    const n = Math.min(size - total, rng.int(4, 256) * 1024)
    const text = rng.next() < 0.6
    const part = text ? Buffer.alloc(n, Array.from({length: 400}, () => `${rng.pick(words)}${rng.int(0, 99)}`).join(' ') + '\n') : rng.bytes(n)
    parts.push(part)
    total += n
  }
  return Buffer.concat(parts)
}

async function decodeAll(c: Candidate, members: Buffer[]): Promise<number> {
  let out = 0
  for (const member of members) {
    const d = await c.make((b) => (out += b.length))
    for (let pos = 0; pos < member.length; pos += WRITE) await d.write(member.subarray(pos, pos + WRITE))
    await d.end()
  }
  return out
}

/** Decoders of packages raptr does not depend on, when RAPTR_BENCH_MODULES names a directory that has them. */
/** A Node transform stream (a binding's decompressor) as a Decoder: writes wait for the stream to take them. */
function streamDecoder(s: import('node:stream').Transform, onOut: (out: Uint8Array) => void): Decoder {
  s.on('data', (b: Buffer) => onOut(b))
  const ended = new Promise<void>((resolve, reject) => s.on('end', resolve).on('error', reject))
  return {
    write: (b) => new Promise<void>((resolve, reject) => s.write(b, (e) => (e ? reject(e) : resolve()))),
    end: async () => {
      s.end()
      await ended
    },
    abort: () => s.destroy(),
  }
}

function extraCandidates(): Candidate[] {
  const dir = process.env.RAPTR_BENCH_MODULES
  if (!dir) return []
  const require = createRequire(path.join(path.resolve(dir), 'x.js'))
  const found: Candidate[] = []
  const version = (name: string) => (JSON.parse(fs.readFileSync(path.join(dir, 'node_modules', name, 'package.json'), 'utf8')) as {version: string}).version
  try {
    found.push(lzmaNative(require('lzma-native') as LzmaNative, version('lzma-native')))
  } catch {}
  try {
    const {XzDecompressor} = require('@napi-rs/lzma') as {XzDecompressor?: new () => {update(b: Uint8Array): Buffer; finish(): Promise<Buffer>}}
    if (XzDecompressor)
      found.push({
        name: `@napi-rs/lzma ${version('@napi-rs/lzma')} XzDecompressor (lzma-rust2)`,
        format: 'xz',
        make(onOut) {
          const d = new XzDecompressor()
          return {
            write: (b) => onOut(d.update(b)),
            end: async () => onOut(await d.finish()),
            abort() {},
          }
        },
      })
  } catch {}
  try {
    const liblzma = require('node-liblzma') as {createUnxz(): import('node:stream').Transform}
    found.push({
      name: `node-liblzma ${version('node-liblzma')} createUnxz (liblzma)`,
      format: 'xz',
      make: (onOut) => streamDecoder(liblzma.createUnxz(), onOut),
    })
  } catch {}
  return found
}

/** lzma-native's addon below its Node-stream wrapper, as far as it is used here. */
interface LzmaNative {
  Stream: new () => {
    bufferHandler: (buf: Buffer | null | undefined, processed: number | undefined, error: Error | null | undefined) => void
    streamDecoder_(memlimit: number | null, flags: number): void
    code(input: Buffer | null, async: boolean): void
  }
}

/**
 * lzma-native run synchronously, in 4 KiB slices of input: liblzma keeps all the output
 * of one call until it returns, so the slice is what bounds a bomb's memory.
 */
function lzmaNative(lzma: LzmaNative, version: string): Candidate {
  return {
    name: `lzma-native ${version} (liblzma 5.2.3, N-API, 4 KiB slices)`,
    format: 'xz',
    make(onOut) {
      const s = new lzma.Stream()
      s.streamDecoder_(128 << 20, 0)
      let failure: Error | undefined
      let finished = false
      s.bufferHandler = (buf, processed, error) => {
        if (processed !== undefined) return
        if (buf === null) {
          finished = true
          if (error) failure = error
        } else if (buf) onOut(buf)
      }
      const check = () => {
        if (failure) throw failure
      }
      return {
        write(b) {
          for (let pos = 0; pos < b.length && !finished; pos += 4096) s.code(b.subarray(pos, pos + 4096), false)
          check()
        },
        end() {
          if (!finished) s.code(null, false)
          check()
        },
        abort() {},
      }
    },
  }
}

async function fzstdDecoder(onOut: (out: Uint8Array) => void): Promise<Decoder> {
  const {Decompress} = await import('fzstd')
  const zstd = new Decompress((out) => onOut(out))
  return {
    write(b) {
      zstd.push(new Uint8Array(b))
    },
    end() {
      zstd.push(new Uint8Array(0), true)
    },
    abort() {},
  }
}

function candidates(): Candidate[] {
  const list: Candidate[] = [
    {name: "raptr's: xz-decompress (xz-embedded, WebAssembly)", format: 'xz', make: (f) => createDecoder('.xz', f)},
    ...extraCandidates(),
    {name: 'node:zlib gunzip', format: 'gz', make: (f) => createDecoder('.gz', f)},
    {name: 'fzstd (JavaScript; raptr on Node 20)', format: 'zst', make: fzstdDecoder},
  ]
  const z = zlib as unknown as {createZstdDecompress?: () => zlib.Gunzip}
  if (z.createZstdDecompress) {
    const create = z.createZstdDecompress
    list.push({
      name: 'node:zlib zstd (Node >= 22.15; raptr there)',
      format: 'zst',
      make: (onOut) => streamDecoder(create(), onOut),
    })
  }
  return list
}

interface Row {
  set: string
  candidate: string
  inMB: number
  outMB: number
  wall: number
  cpu: number
}

async function measure(c: Candidate, members: Buffer[], expected: number): Promise<{wall: number; cpu: number}> {
  const runs: {wall: number; cpu: number}[] = []
  for (let r = 0; r < RUNS; r++) {
    const cpu0 = process.cpuUsage()
    const t0 = performance.now()
    const out = await decodeAll(c, members)
    const wall = (performance.now() - t0) / 1000
    const cpu = process.cpuUsage(cpu0)
    if (out !== expected) throw new Error(`${c.name}: decoded ${out} bytes, expected ${expected}`)
    runs.push({wall, cpu: (cpu.user + cpu.system) / 1e6})
  }
  runs.sort((a, b) => a.wall - b.wall)
  return runs[Math.floor(runs.length / 2)]
}

/** python3's lzma module (liblzma) over the same .xz files: the figure the speed issue quotes. */
function pythonReference(dir: string): {wall: number; cpu: number} | undefined {
  const script =
    'import lzma,os,sys,time\nd=sys.argv[1]\nfs=sorted(os.path.join(d,f) for f in os.listdir(d) if f.endswith(".xz"))\nbs=[open(f,"rb").read() for f in fs]\n' +
    't=time.perf_counter();c=time.process_time()\nfor b in bs:\n  o=lzma.LZMADecompressor(format=lzma.FORMAT_XZ)\n  n=0\n  for i in range(0,len(b),1<<20): n+=len(o.decompress(b[i:i+(1<<20)]))\n' +
    'print(time.perf_counter()-t, time.process_time()-c)\n'
  try {
    const [wall, cpu] = execFileSync('python3', ['-c', script, dir], {encoding: 'utf8'}).trim().split(' ').map(Number)
    return {wall, cpu}
  } catch {
    return undefined
  }
}

async function main(): Promise<void> {
  const rows: Row[] = []
  for (const set of corpus()) {
    const mb = (bufs: Buffer[]) => bufs.reduce((n, b) => n + b.length, 0) / 1e6
    for (const c of candidates()) {
      const {wall, cpu} = await measure(c, set.members[c.format], set.tar)
      rows.push({set: set.name, candidate: c.name, inMB: mb(set.members[c.format]), outMB: set.tar / 1e6, wall, cpu})
      console.error(`${set.name}: ${c.name}: ${wall.toFixed(3)} s`)
    }
    const py = pythonReference(path.join(DIR, set.name))
    if (py) rows.push({set: set.name, candidate: 'python3 lzma (liblzma) — reference', inMB: mb(set.members.xz), outMB: set.tar / 1e6, ...py})
    if (set.members.xz.length === 1) {
      const t0 = performance.now()
      const file = fs.readdirSync(path.join(DIR, set.name)).find((f) => f.endsWith('.xz'))!
      execFileSync('sh', ['-c', 'xz -dc "$1" > /dev/null', 'sh', path.join(DIR, set.name, file)])
      rows.push({set: set.name, candidate: 'xz -dc (liblzma, a process) — reference', inMB: mb(set.members.xz), outMB: set.tar / 1e6, wall: (performance.now() - t0) / 1000, cpu: Number.NaN})
    }
  }
  console.log(`Node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'}, median of ${RUNS} runs\n`)
  console.log('| input | decoder | compressed MB | decoded MB | wall s | CPU s | decoded MB per wall s | per CPU s |')
  console.log('|---|---|--:|--:|--:|--:|--:|--:|')
  for (const r of rows) {
    const cpu = Number.isNaN(r.cpu) ? '–' : r.cpu.toFixed(3)
    const perCpu = Number.isNaN(r.cpu) ? '–' : (r.outMB / r.cpu).toFixed(0)
    console.log(`| ${r.set} | ${r.candidate} | ${r.inMB.toFixed(1)} | ${r.outMB.toFixed(1)} | ${r.wall.toFixed(3)} | ${cpu} | ${(r.outMB / r.wall).toFixed(0)} | ${perCpu} |`)
  }
}

await main()
