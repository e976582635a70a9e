import {describe, expect, it} from 'vitest'
import {killSweep} from './kill-sweep.js'

describe('a first S3 publish killed before each of its writes', () => {
  it('is finished by the next publish: verify --deep healthy, apt with and without by-hash reads the new snapshot', async () => {
    const r = await killSweep({incremental: false})
    console.log(`kill sweep, first publish: ${r.killed} kill points of ${r.writes} writes; apt read nothing yet ${r.leftOld}, new ${r.leftNew}; ${r.failures.length} points unfinished or broken`)
    expect(r.failures).toEqual([])
    // The signatures go before Release where none was: never an unsigned Release alone.
    expect(r.unsignedPointer).toBe(0)
    expect(r.killed).toBeGreaterThan(0)
  }, 900_000)
})
