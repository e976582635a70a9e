import {RaptrError, isRaptrError} from '../errors.js'
import type {Backend, ObjectInfo, PutOptions} from './interface.js'

/** How long one operation may keep retrying when nothing else is said. */
export const DEFAULT_RETRY_SECONDS = 60

export interface RetryOptions {
  /** Retrying stops once this many ms have passed since the operation's first failure. */
  budgetMs: number
  /** First delay, doubled per attempt with jitter (default 200 ms). */
  baseMs?: number
  /** Longest single delay (default 10 s). */
  capMs?: number
  /** Test hooks. */
  sleep?: (ms: number) => Promise<void>
  now?: () => number
}

/**
 * The retry budget in ms: the backend's own setting, else RAPTR_RETRY_SECONDS, else 60 s.
 *
 * @example retryBudgetMs(undefined) // 60_000 unless RAPTR_RETRY_SECONDS says otherwise
 */
export function retryBudgetMs(seconds?: number): number {
  const env = process.env.RAPTR_RETRY_SECONDS
  const s = seconds ?? (env !== undefined && env.trim() !== '' ? Number(env) : DEFAULT_RETRY_SECONDS)
  if (!Number.isFinite(s) || s < 0) {
    throw new RaptrError('BAD_ARGUMENT', `RAPTR_RETRY_SECONDS must be a number of seconds, at least 0 (got "${env}")`, 'e.g. RAPTR_RETRY_SECONDS=60; 0 turns retries off')
  }
  return s * 1000
}

/**
 * Whether an error is worth trying again, and how long the server asked us to wait.
 * A backend says so in its RaptrError's details (`transient`, `retryAfterMs`): it alone
 * knows which of its errors are throttling, a 5xx or a dropped connection.
 */
export function transience(error: unknown): {transient: boolean; retryAfterMs?: number} {
  if (!isRaptrError(error)) return {transient: false}
  const d = error.data as {transient?: unknown; retryAfterMs?: unknown}
  return {transient: d.transient === true, retryAfterMs: typeof d.retryAfterMs === 'number' ? d.retryAfterMs : undefined}
}

/**
 * Runs `fn` until it succeeds, fails with an error that is not transient, or the time
 * budget is spent; waits between attempts with exponential backoff and full jitter, at
 * least as long as a `Retry-After` the backend passed on.
 *
 * @example await withRetries(() => backend.put(key, data), {budgetMs: 60_000})
 */
export async function withRetries<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  const pause = retryPause(opts)
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt)
    } catch (error) {
      await pause(error, attempt)
    }
  }
}

/**
 * The one backoff rule both retry loops follow: after failed attempt `attempt`, rethrows
 * an error that is not transient or would overrun the budget, otherwise waits
 * (exponential backoff with full jitter, at least a passed-on `Retry-After`).
 */
function retryPause(opts: RetryOptions): (error: unknown, attempt: number) => Promise<void> {
  const now = opts.now ?? Date.now
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)))
  const base = opts.baseMs ?? 200
  const cap = opts.capMs ?? 10_000
  let started: number | undefined
  return async (error, attempt) => {
    const {transient, retryAfterMs} = transience(error)
    if (!transient) throw error
    started ??= now()
    const backoff = Math.min(cap, base * 2 ** (attempt - 1))
    const delay = Math.max(retryAfterMs ?? 0, backoff / 2 + (Math.random() * backoff) / 2)
    if (now() - started + delay > opts.budgetMs) throw error
    await sleep(delay)
  }
}

/**
 * A decorator that retries a backend's transient failures within a time budget (as
 * restic's retry backend does). Every operation of the Backend interface is safe to
 * repeat: puts replace whole objects, removes ignore missing keys, and a create-only
 * write that failed in flight may have landed, so a repeat that finds the key taken
 * checks whether the bytes there are its own.
 *
 * @example
 *   const backend = new RetryBackend(await createS3Backend(url), {budgetMs: 60_000})
 */
export class RetryBackend implements Backend {
  readonly inner: Backend
  private readonly opts: RetryOptions

  constructor(inner: Backend, opts: RetryOptions) {
    this.inner = inner
    this.opts = opts
  }

  get properties(): Backend['properties'] {
    return this.inner.properties
  }

  /** A directory's links: local system calls, nothing transient to retry. */
  get links(): Backend['links'] {
    return this.inner.links
  }

  stat(key: string): Promise<ObjectInfo | undefined> {
    return withRetries(() => this.inner.stat(key), this.opts)
  }

  get(key: string): Promise<Uint8Array | undefined> {
    return withRetries(() => this.inner.get(key), this.opts)
  }

  put(key: string, data: Uint8Array, opts?: PutOptions): Promise<void> {
    return withRetries(() => this.inner.put(key, data, opts), this.opts)
  }

  putFile(key: string, file: string, opts?: PutOptions): Promise<void> {
    return withRetries(() => this.inner.putFile(key, file, opts), this.opts)
  }

  putIfAbsent(key: string, data: Uint8Array, opts?: PutOptions): Promise<boolean> {
    return withRetries(async (attempt) => {
      if (await this.inner.putIfAbsent(key, data, opts)) return true
      if (attempt === 1) return false
      // An earlier attempt may have stored it before its answer was lost.
      const there = await this.inner.get(key)
      return there !== undefined && Buffer.from(there).equals(Buffer.from(data))
    }, this.opts)
  }

  copy(fromKey: string, toKey: string, opts?: PutOptions): Promise<void> {
    return withRetries(() => this.inner.copy(fromKey, toKey, opts), this.opts)
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    // A listing that fails part-way starts again and skips what it already yielded
    // (keys come in order).
    let last: string | undefined
    const pause = retryPause(this.opts)
    for (let attempt = 1; ; attempt++) {
      try {
        for await (const o of this.inner.list(prefix)) {
          if (last !== undefined && Buffer.compare(Buffer.from(o.key), Buffer.from(last)) <= 0) continue
          last = o.key
          yield o
        }
        return
      } catch (error) {
        await pause(error, attempt)
      }
    }
  }

  remove(keys: string[]): Promise<void> {
    return withRetries(() => this.inner.remove(keys), this.opts)
  }

  sync(): Promise<void> {
    return withRetries(() => this.inner.sync(), this.opts)
  }
}
