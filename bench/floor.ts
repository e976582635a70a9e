/**
 * The physical floor: what the same bytes cost native tools in one pass, measured in the
 * same run as raptr and the peers. Every package file is hashed (`sha256sum`), its
 * data.tar decoded (`dpkg-deb --fsys-tarfile`, whatever its compression, on every core
 * as raptr reads on every core) and copied into a pool directory (`cp`, then `sync` of
 * the copies). No index is rendered, nothing is signed: no tool can publish the files
 * faster than it can read, decode and write them once. A `dpkg-deb` process per package
 * is part of the floor's cost (a millisecond or two each on an idle machine, far more on
 * a loaded one); hashing and copying take one process per batch of files.
 */
import os from 'node:os'
import path from 'node:path'
import type {BenchContext, Driver} from './peers.js'

const SCRIPT = `set -eu
src=$1; dst=$2; cpus=$3
mkdir -p "$dst"
cd "$src"
ls | grep '[.]deb$' > "$dst.list"
xargs -a "$dst.list" -d '\\n' sha256sum -- > /dev/null
xargs -a "$dst.list" -d '\\n' -P "$cpus" -n 32 sh -c 'for f; do dpkg-deb --fsys-tarfile "$f" > /dev/null; done' _
xargs -a "$dst.list" -d '\\n' cp -t "$dst" --
cd "$dst" && xargs -a "$dst.list" -d '\\n' sync --
rm -f "$dst.list"
`

/** The floor as a driver: its full and incremental are the pass over those scenarios' packages. Example: `floorDriver(ctx, work).full(timer)` */
export function floorDriver(ctx: BenchContext, work: string): Driver {
  const pool = path.join(work, 'pool')
  const pass = (dir: string, label: string) => ({label, command: 'bash', args: ['-c', SCRIPT, 'floor', dir, pool, String(os.availableParallelism())]})
  return {
    name: 'floor',
    publishedDir: pool,
    full: (timer) => void timer.run(pass(ctx.corpusDir, 'hash + decode + write (N)')),
    incremental: (timer) => void timer.run(pass(ctx.extraDir, 'hash + decode + write (+10)')),
  }
}
