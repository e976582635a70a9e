/**
 * Counts the files a publish wrote: a fingerprint (inode, size, mtime) of every file
 * under the published directory before and after.
 */
import fs from 'node:fs'
import path from 'node:path'

/** path → fingerprint for every regular file under a directory. */
export type TreeState = Map<string, string>

/** Fingerprints every file under `root`. Example: `const before = treeState('www')` */
export function treeState(root: string): TreeState {
  const state: TreeState = new Map()
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, {withFileTypes: true})) {
      const full = path.join(dir, entry.name)
      if (entry.isDirectory()) walk(full)
      else if (entry.isFile()) {
        const st = fs.statSync(full)
        state.set(path.relative(root, full), `${st.ino}:${st.size}:${st.mtimeMs}`)
      }
    }
  }
  if (fs.existsSync(root)) walk(root)
  return state
}

/** Files added and files rewritten between two states. Example: `treeChanges(before, treeState('www'))` */
export function treeChanges(before: TreeState, after: TreeState): {added: number; changed: number; total: number} {
  let added = 0
  let changed = 0
  for (const [file, print] of after) {
    const old = before.get(file)
    if (old === undefined) added++
    else if (old !== print) changed++
  }
  return {added, changed, total: after.size}
}
