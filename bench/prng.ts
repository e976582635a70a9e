/**
 * A small seeded PRNG (mulberry32): the corpus must be byte-identical for one seed on
 * every machine and Node version, which Math.random cannot promise.
 */
export interface Rng {
  /** A float in [0, 1). */
  next(): number
  /** An integer in [min, max] inclusive. */
  int(min: number, max: number): number
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T
  /** `length` pseudo-random bytes. */
  bytes(length: number): Buffer
}

/** A seeded generator. Example: `const rng = createRng(42); rng.int(1, 6)` */
export function createRng(seed: number): Rng {
  let state = seed >>> 0
  const u32 = (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (t ^ (t >>> 14)) >>> 0
  }
  const next = (): number => u32() / 4294967296
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)],
    bytes(length) {
      const words = new Uint32Array(Math.ceil(length / 4))
      for (let i = 0; i < words.length; i++) words[i] = u32()
      return Buffer.from(words.buffer, 0, length)
    },
  }
}
