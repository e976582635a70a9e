import type {ErrorCode} from '../errors.js'
import type {NamedBackend} from '../archive/backends.js'
import type {Backend} from '../backends/interface.js'
import type {SignerSource} from '../remote/pointer.js'
import type {IndexFile} from './index-writer.js'
import type {planTotals, PublishPlan} from './plan.js'
import type {PublishSummary} from './summary.js'

export interface PublishProgress {
  backend: string
  dist: string
  phase: 'plan' | 'blobs' | 'indexes' | 'pinned' | 'pointer'
  done: number
  total: number
}

export interface PublishOptions {
  /** Backend names; default every backend of the archive. */
  backends?: string[]
  /** Distributions; default every distribution of the snapshot. */
  distributions?: string[]
  /** The snapshot to publish (a commit id); default HEAD. */
  snapshot?: string
  dryRun?: boolean
  force?: boolean
  /** List the backend's pool instead of trusting the publication record. */
  fullCheck?: boolean
  /**
   * undefined publishes unsigned (the command requires --no-sign for that). A function is
   * called on first use: a publish that changes nothing never loads the key.
   */
  signer?: SignerSource
  onProgress?: (p: PublishProgress) => void
  /** Told what went wrong but did not fail the publish (a browse page not written). */
  onWarning?: (message: string) => void
  /** Opens a backend; tests and the registry decide how. */
  open: (b: NamedBackend) => Promise<Backend>
}

export interface DistResult {
  backend: string
  distribution: string
  action: 'published' | 'unchanged' | 'refused' | 'failed' | 'planned'
  snapshot: string
  pinned?: string
  seq?: number
  reason?: string
  error?: {code: ErrorCode; message: string; hint: string}
  totals?: ReturnType<typeof planTotals>
  plan?: PublishPlan
  debLine?: string
  pinnedDebLine?: string
  /** dryRun: what apt users would see change, by package name. */
  summary?: PublishSummary
  /** What this publish wrote to finish an earlier one that was killed or failed part-way. */
  settled?: string[]
  /** Published (apt reads it), but a step after the pointer swap failed; the next publish finishes it. */
  warning?: string
}

/** Index files on disk: `dir` holds each at its path (see writeIndexes). */
export interface RenderedIndexes {
  files: IndexFile[]
  dir: string
}

