import {describe, expect, it} from 'vitest'
import {killSweep} from './kill-sweep.js'

describe('an incremental S3 publish killed before each of its writes', () => {
  it('leaves apt reading the old or the new snapshot, and the next publish finishes it: verify --deep healthy, apt with and without by-hash reads the new snapshot', async () => {
    const r = await killSweep({incremental: true})
    console.log(`kill sweep, incremental publish: ${r.killed} kill points of ${r.writes} writes; apt read old ${r.leftOld}, new ${r.leftNew} (a by-hash-off client broke at ${r.plainBroken}, before the next publish); ${r.failures.length} points unfinished or broken`)
    expect(r.failures).toEqual([])
    expect(r.killed).toBeGreaterThan(0)
    expect(r.leftOld).toBeGreaterThan(0)
  }, 900_000)
})
