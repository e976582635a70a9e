#!/usr/bin/env node
import module from 'node:module'

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

const {main} = await import('../dist/raptr.js')
await main(process.argv.slice(2))
