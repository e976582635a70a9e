import fs from 'node:fs'
import path from 'node:path'
import {CONFIG_PATH} from '../core/layout.js'

/** Who made a commit, when, and what it holds: a commit object as raptr reads it. */
export interface CommitInfo {
  id: string
  tree: string
  parents: string[]
  message: string
  author: string
  /** Seconds since the epoch. */
  timestamp: number
}

/** The keys of one `[section]` of a git config file (the simple `key = value` form). */
export function gitConfigSection(text: string, section: string): Record<string, string> {
  const out: Record<string, string> = {}
  let inside = false
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim()
    const header = /^\[([^\]\s"]+)(?:\s+"[^"]*")?\]$/.exec(line)
    if (header) {
      inside = header[1].toLowerCase() === section && !line.includes('"')
      continue
    }
    const kv = /^([A-Za-z][\w-]*)\s*=\s*(.*)$/.exec(line)
    if (inside && kv) out[kv[1].toLowerCase()] = kv[2].replace(/^"(.*)"$/, '$1')
  }
  return out
}

/** A commit object's text as raptr uses it. */
export function parseCommit(id: string, text: string): CommitInfo {
  const end = text.indexOf('\n\n')
  const headers = (end < 0 ? text : text.slice(0, end)).split('\n')
  let tree = ''
  const parents: string[] = []
  let author = ''
  let timestamp = 0
  for (const line of headers) {
    if (line.startsWith('tree ')) tree = line.slice(5)
    else if (line.startsWith('parent ')) parents.push(line.slice(7))
    else if (line.startsWith('author ')) author = line.slice(7).replace(/ \d+ [+-]\d{4}$/, '')
    else if (line.startsWith('committer ')) timestamp = Number(/ (\d+) [+-]\d{4}$/.exec(line)?.[1] ?? 0)
  }
  return {id, tree, parents, message: end < 0 ? '' : text.slice(end + 2).trimEnd(), author, timestamp}
}

/**
 * The directory at or above `start` that holds a raptr archive: a `.git` with raptr's
 * own directory in it (`.git/raptr`, made by init and clone), or with a `raptr.json`
 * beside it (a plain `git clone` of an archive). The work tree is not needed: archives
 * raptr makes have none unless asked (`raptr checkout`).
 */
export function findArchiveRoot(start: string): string | undefined {
  let dir = start
  for (;;) {
    if (isArchiveRoot(dir)) return dir
    const parent = path.dirname(dir)
    if (parent === dir) return undefined
    dir = parent
  }
}

/** True when `dir` is the top of a raptr archive (see {@link findArchiveRoot}). */
export function isArchiveRoot(dir: string): boolean {
  const git = path.join(dir, '.git')
  return fs.existsSync(git) && (fs.existsSync(path.join(git, 'raptr')) || fs.existsSync(path.join(dir, CONFIG_PATH)))
}
