#!/usr/bin/env node
import module from 'node:module'

// Node 22+ caches compiled code between runs: a faster start for every command.
module.enableCompileCache?.()
const {execute} = await import('@oclif/core')

await execute({dir: import.meta.url})
