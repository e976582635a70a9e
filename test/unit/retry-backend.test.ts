import {describe, expect, it} from 'vitest'
import {MemoryBackend} from '../../src/backends/memory.js'
import {RetryBackend, retryBudgetMs, withRetries} from '../../src/backends/retry.js'
import {RaptrError} from '../../src/errors.js'
import {FaultyBackend} from '../helpers/faulty-backend.js'

async function rejection(p: Promise<unknown>): Promise<RaptrError> {
  try {
    await p
  } catch (e) {
    if (e instanceof RaptrError) return e
    throw e
  }
  throw new Error('expected a RaptrError')
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s)

/** A clock that only moves when the retry loop sleeps. */
function fakeTime(): {now: () => number; sleep: (ms: number) => Promise<void>; slept: number[]} {
  let t = 0
  const slept: number[] = []
  return {now: () => t, sleep: async (ms) => void (slept.push(ms), (t += ms)), slept}
}

describe('retries with a time budget', () => {
  it('retries transient failures until the request succeeds', async () => {
    let left = 4
    const inner = new FaultyBackend(new MemoryBackend(), (op) => (op === 'put' && left-- > 0 ? 'transient' : undefined))
    const clock = fakeTime()
    const backend = new RetryBackend(inner, {budgetMs: 60_000, ...clock})
    await backend.put('dists/production/Release', text('r'))
    expect(await backend.get('dists/production/Release')).toEqual(text('r'))
    expect(clock.slept).toHaveLength(4)
    // exponential: each delay's ceiling doubles (jitter keeps it within [cap/2, cap])
    clock.slept.forEach((ms, i) => expect(ms).toBeGreaterThanOrEqual(100 * 2 ** i))
  })

  it('gives up once the budget is spent, with the backend’s own error, and never retries a permanent one', async () => {
    const clock = fakeTime()
    const always = new RetryBackend(new FaultyBackend(new MemoryBackend(), () => 'transient'), {budgetMs: 5_000, ...clock})
    const e = await rejection(always.get('pool/x'))
    expect(e.message).toMatch(/injected SlowDown/)
    expect(clock.now()).toBeLessThanOrEqual(5_000)
    expect(clock.slept.length).toBeGreaterThan(3)

    const inner = new FaultyBackend(new MemoryBackend(), () => 'fail')
    const once = new RetryBackend(inner, {budgetMs: 60_000, ...fakeTime()})
    await rejection(once.stat('pool/x'))
    expect(inner.seen).toHaveLength(1)
  })

  it('waits at least as long as the server asked (Retry-After)', async () => {
    const clock = fakeTime()
    let n = 0
    const res = await withRetries(async () => {
      if (n++ === 0) throw new RaptrError('BACKEND_ERROR', 'SlowDown (HTTP 503)', '', {transient: true, retryAfterMs: 7_000})
      return 'ok'
    }, {budgetMs: 60_000, ...clock})
    expect(res).toBe('ok')
    expect(clock.slept[0]).toBeGreaterThanOrEqual(7_000)
  })

  it('a create-only write whose answer was lost counts as won when the bytes there are its own', async () => {
    const memory = new MemoryBackend()
    let lost = true
    const flaky = Object.assign(Object.create(memory) as MemoryBackend, {
      async putIfAbsent(key: string, data: Uint8Array): Promise<boolean> {
        const won = await memory.putIfAbsent(key, data)
        if (lost) {
          lost = false
          throw new RaptrError('BACKEND_ERROR', 'connection reset', '', {transient: true})
        }
        return won
      },
    })
    const backend = new RetryBackend(flaky, {budgetMs: 60_000, ...fakeTime()})
    expect(await backend.putIfAbsent('raptr/log/production/0000000001.json', text('mine'))).toBe(true)
    expect(await backend.putIfAbsent('raptr/log/production/0000000001.json', text('someone else'))).toBe(false)
  })

  it('a listing that fails part-way starts again without repeating or losing keys', async () => {
    const memory = new MemoryBackend()
    for (let i = 0; i < 10; i++) await memory.put(`pool/${i}`, text(String(i)))
    let failAt = 4
    const flaky = Object.assign(Object.create(memory) as MemoryBackend, {
      async *list(prefix: string) {
        let i = 0
        for await (const o of memory.list(prefix)) {
          if (i++ === failAt) {
            failAt = -1
            throw new RaptrError('BACKEND_ERROR', 'reset', '', {transient: true})
          }
          yield o
        }
      },
    })
    const keys: string[] = []
    for await (const o of new RetryBackend(flaky, {budgetMs: 60_000, ...fakeTime()}).list('pool/')) keys.push(o.key)
    expect(keys).toEqual(Array.from({length: 10}, (_, i) => `pool/${i}`))
  })

  it('takes its budget from the backend setting, else RAPTR_RETRY_SECONDS, else 60 s', () => {
    const saved = process.env.RAPTR_RETRY_SECONDS
    try {
      delete process.env.RAPTR_RETRY_SECONDS
      expect(retryBudgetMs()).toBe(60_000)
      process.env.RAPTR_RETRY_SECONDS = '2.5'
      expect(retryBudgetMs()).toBe(2_500)
      expect(retryBudgetMs(10)).toBe(10_000)
      process.env.RAPTR_RETRY_SECONDS = 'soon'
      expect(() => retryBudgetMs()).toThrow(/RAPTR_RETRY_SECONDS/)
    } finally {
      if (saved === undefined) delete process.env.RAPTR_RETRY_SECONDS
      else process.env.RAPTR_RETRY_SECONDS = saved
    }
  })
})
