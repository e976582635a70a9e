/**
 * A crash-test hook for the commit path, like the backends' kill-before-write:
 * RAPTR_DEBUG_KILL_BEFORE_COMMIT_STEP=N SIGKILLs the process just before the Nth step
 * of a commit — 1 the objects, 2 the commit object, 3 the sync note, 4 the branch ref,
 * 5 the work tree, 6 clearing the note — so a test can stop a commit in each window
 * instead of hoping a timer lands there. Unset, it costs one comparison.
 *
 * @example commitStep(4) // before the branch ref moves
 */
import {debugHooks} from '../core/debug.js'

const killAt = debugHooks().killBeforeCommitStep

export function commitStep(step: number): void {
  if (step === killAt) process.kill(process.pid, 'SIGKILL')
}
