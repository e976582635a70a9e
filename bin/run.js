#!/usr/bin/env node
import module from 'node:module'
import v8 from 'node:v8'

// A bounded young generation: V8 grows its semi-spaces up to 16 MiB (Node 20) or 64 MiB
// (Node 24) each, which a bulk add or a large publish fills with garbage it frees late:
// a peak RSS ~100 MiB above what the data needs. --max-semi-space-size cannot change
// once V8 has started (setFlagsFromString accepts it and ignores it) and a re-exec costs
// a second Node start-up on every command; what can change is the growth factor: at 1
// the semi-spaces stay at their first size. Not when the user chose their own (node
// flags or NODE_OPTIONS).
const nodeFlags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)]
if (!nodeFlags.some((f) => /^--(max-|min-)?semi-space|^--semi-space/.test(f))) {
  v8.setFlagsFromString('--semi-space-growth-factor=1')
}
// A tighter old generation: after each full collection V8 lets the heap grow to up to
// 4× what is alive before the next one, and the garbage of a bulk add (its buffers
// with it) waits that long. At 1.25× a 10,000-package add peaks ~80 MiB lower, in the
// same time (docs/benchmark.md). Read by V8 at every collection, so it can be set here.
if (!nodeFlags.some((f) => /^--heap-growing-percent/.test(f))) {
  v8.setFlagsFromString('--heap-growing-percent=25')
}

// Node 22+ caches compiled code between runs: a faster start for every command.
module.enableCompileCache?.()

// The AWS SDK warns on Node < 22 with eight lines on every S3 command; one line says it.
const emitWarning = process.emitWarning.bind(process)
process.emitWarning = (warning, ...rest) => {
  const text = typeof warning === 'string' ? warning : warning?.message ?? ''
  if (text.startsWith('NodeVersionSupportWarning')) {
    if (!process.argv.includes('--json')) process.stderr.write(`raptr: note: AWS SDK releases after January 2027 need Node 22 or newer (this is ${process.version})\n`)
    return
  }
  return emitWarning(warning, ...rest)
}

// Help is wrapped at the terminal's width; in a pipe COLUMNS (when exported) says it.
if (!process.stdout.isTTY && process.env.COLUMNS && !process.env.OCLIF_COLUMNS) process.env.OCLIF_COLUMNS = process.env.COLUMNS

// `raptr [COMMAND] --help` into a pipe (scripts, CI, the bench) at oclif's default width,
// with colours off: the text oclif rendered at build time (scripts/help-cache.mjs), with
// no oclif loaded. At a terminal oclif renders it, for its width and with colours.
const argv = process.argv.slice(2)
const last = argv.at(-1)
if ((last === '--help' || last === '-h') && !process.stdout.isTTY && !process.env.FORCE_COLOR && (Number.parseInt(process.env.OCLIF_COLUMNS ?? '', 10) || 80) === 80) {
  const {readFileSync} = await import('node:fs')
  let cached
  try {
    cached = JSON.parse(readFileSync(new URL('../dist/help.json', import.meta.url), 'utf8')).help[argv.slice(0, -1).join(' ')]
  } catch {
    // no cache (a development build): oclif answers
  }
  if (typeof cached === 'string') {
    const {name, version} = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
    process.stdout.write(cached.replaceAll('\u0000agent\u0000', `${name}/${version} ${process.platform}-${process.arch} node-${process.version}`))
    process.exit(0)
  }
}

const {main} = await import('../dist/raptr.js')
await main(process.argv.slice(2))
