/**
 * Runs `fn` over items with at most `limit` running at once; results keep the input
 * order. The first failure rejects, after the running calls settle.
 *
 * @example
 *   await mapLimit(keys, 16, (k) => backend.stat(k))
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length)
  let next = 0
  let failed: unknown
  const workers = Array.from({length: Math.max(1, Math.min(limit, items.length))}, async () => {
    while (next < items.length && failed === undefined) {
      const i = next++
      try {
        out[i] = await fn(items[i], i)
      } catch (error) {
        failed ??= error
      }
    }
  })
  await Promise.all(workers)
  if (failed !== undefined) throw failed instanceof Error ? failed : new Error(JSON.stringify(failed))
  return out
}
