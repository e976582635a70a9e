/**
 * The one place raptr reads its `RAPTR_DEBUG_*` environment variables: aids for crash
 * tests and profiling, never for ordinary use. The code each one steers asks for it
 * here (or is handed it as an option), so a reader of any other module finds every
 * hidden switch listed in one table.
 *
 * | variable | what it does |
 * |---|---|
 * | `RAPTR_DEBUG_TIMING` | `mark()` prints phase timings and memory to stderr |
 * | `RAPTR_DEBUG_KILL_BEFORE_WRITE=N` | SIGKILL before the Nth backend write (kill sweeps) |
 * | `RAPTR_DEBUG_KILL_BEFORE_COMMIT_STEP=N` | SIGKILL before step N of an archive commit |
 * | `RAPTR_DEBUG_KILL_AFTER_READ=N` | SIGKILL once `package add` has read N package files |
 * | `RAPTR_DEBUG_KILL_AFTER_PUSH=1` | SIGKILL right after a sync's push is accepted |
 * | `RAPTR_DEBUG_S3_LOG=FILE` | append one JSON line per S3 request to FILE |
 * | `RAPTR_DEBUG_PIECE_RUN=N` | index pieces made in runs of N (default 64) |
 * | `RAPTR_DEBUG_STAGE_BYTES=N` | a bulk add stages its blobs in packs of N bytes (default 32 MiB) |
 * | `RAPTR_DEBUG_CHECKPOINT=N` | a bulk add writes a tree every N changes (default 20,000) |
 *
 * @example if (debugHooks().killAfterPush) process.kill(process.pid, 'SIGKILL')
 */
export interface DebugHooks {
  timing: boolean
  /** 0 when off. */
  killBeforeWrite: number
  /** 0 when off. */
  killBeforeCommitStep: number
  /** 0 when off. */
  killAfterRead: number
  killAfterPush: boolean
  s3Log: string | undefined
  pieceRun: number
  stageBytes: number
  checkpointChanges: number
}

/** The debug settings of this process, read from its environment now (a few lookups). */
export function debugHooks(): DebugHooks {
  return readHooks(process.env)
}

function readHooks(env: NodeJS.ProcessEnv): DebugHooks {
  const positive = (v: string | undefined, fallback: number): number => {
    const n = Math.floor(Number(v))
    return Number.isFinite(n) && n > 0 ? n : fallback
  }
  return {
    timing: Boolean(env.RAPTR_DEBUG_TIMING),
    killBeforeWrite: positive(env.RAPTR_DEBUG_KILL_BEFORE_WRITE, 0),
    killBeforeCommitStep: positive(env.RAPTR_DEBUG_KILL_BEFORE_COMMIT_STEP, 0),
    killAfterRead: positive(env.RAPTR_DEBUG_KILL_AFTER_READ, 0),
    killAfterPush: env.RAPTR_DEBUG_KILL_AFTER_PUSH === '1',
    s3Log: env.RAPTR_DEBUG_S3_LOG || undefined,
    pieceRun: positive(env.RAPTR_DEBUG_PIECE_RUN, 64),
    stageBytes: positive(env.RAPTR_DEBUG_STAGE_BYTES, 32 << 20),
    checkpointChanges: positive(env.RAPTR_DEBUG_CHECKPOINT, 20_000),
  }
}
