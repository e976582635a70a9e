#!/usr/bin/env node
// Writes dist/help.json: the text `raptr ... --help` prints at oclif's default width (80
// columns), for the root, every topic and every raptr command, rendered by oclif itself
// (raptr's own main, its help class) in this process. bin/run.js answers `--help` from it
// without loading oclif when the width is 80, so a help is as fast as Node's start-up;
// any other width, and plugin commands, go to oclif. Run after `oclif manifest`.
import fs from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

process.env.OCLIF_COLUMNS = '80'
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'))
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'oclif.manifest.json'), 'utf8'))
const {main} = await import(path.join(root, 'dist', 'raptr.js'))

const keys = new Set([''])
for (const id of Object.keys(manifest.commands)) {
  const parts = id.split(':')
  for (let i = 1; i <= parts.length; i++) keys.add(parts.slice(0, i).join(' '))
}
for (const topic of Object.keys(pkg.oclif.topics ?? {})) keys.add(topic.split(':').join(' '))

const out = {}
const write = process.stdout.write.bind(process.stdout)
for (const key of [...keys].sort()) {
  let text = ''
  process.stdout.write = (chunk, ...rest) => {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')
    const cb = rest.find((r) => typeof r === 'function')
    if (cb) cb()
    return true
  }
  try {
    await main([...(key ? key.split(' ') : []), '--help'], undefined, {flush: false})
  } finally {
    process.stdout.write = write
  }
  if (process.exitCode) throw new Error(`raptr ${key} --help failed while caching help`)
  // The root help names the Node that runs it: kept as a mark bin/run.js fills in.
  out[key] = text.replaceAll(`${pkg.name}/${pkg.version} ${process.platform}-${process.arch} node-${process.version}`, '\u0000agent\u0000')
}
fs.writeFileSync(path.join(root, 'dist', 'help.json'), JSON.stringify({width: 80, help: out}))
console.log(`cached help for ${keys.size} commands and topics: dist/help.json`)
