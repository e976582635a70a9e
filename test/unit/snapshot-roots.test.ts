import {describe, expect, it} from 'vitest'
import {renderRelease, reliveRelease} from '../../src/core/release.js'
import {aliasKey, aliasesOfPackages, categoryOfPackagesIndex} from '../../src/publish/pool-aliases.js'

describe("apt's Snapshots field", () => {
  const base = {suite: 'production', codename: 'production', date: new Date('2026-12-01T00:00:00Z'), architectures: ['amd64'], components: ['main'], entries: []}

  it('sits before Acquire-By-Hash on a live Release, and a rollback keeps it though the pinned Release it restores has none', () => {
    const live = renderRelease({...base, origin: 'ACME', snapshots: 'http://apt.example.org/snapshots/@SNAPSHOTID@/'})
    expect(live).toMatch(/\nSnapshots: http:\/\/apt\.example\.org\/snapshots\/@SNAPSHOTID@\/\nAcquire-By-Hash: yes\n/)
    const pinned = renderRelease({...base, origin: 'ACME', suite: 'snapshots/0123456789ab/production'})
    expect(pinned).not.toContain('Snapshots:')
    const relived = reliveRelease(pinned, live, new Date('2026-12-02T00:00:00Z'))
    expect(relived).toMatch(/\nSnapshots: http:\/\/apt\.example\.org\/snapshots\/@SNAPSHOTID@\/\nAcquire-By-Hash: yes\n/)
    expect(relived).toContain('Suite: production\n')
    // A live Release without the field gives a rollback none.
    expect(reliveRelease(pinned, renderRelease({...base, origin: 'ACME'}), new Date())).not.toContain('Snapshots:')
  })
})

describe('pool alias paths', () => {
  it("are Debian's: letter or libX directory, no epoch, the package's extension", () => {
    expect(aliasKey('main', 'hello', '2.10-3', 'amd64', 'deb')).toBe('pool/main/h/hello/hello_2.10-3_amd64.deb')
    expect(aliasKey('main', 'libfoo1', '1:2.0+dfsg-1', 'arm64', 'deb')).toBe('pool/main/libf/libfoo1/libfoo1_2.0+dfsg-1_arm64.deb')
    expect(aliasKey('updates/main', 'lib', '1.0', 'all', 'udeb')).toBe('pool/updates/main/l/lib/lib_1.0_all.udeb')
  })

  it('take the category from the Packages path, nested, installer and debug ones too', () => {
    expect(categoryOfPackagesIndex('main/binary-amd64/Packages')).toBe('main')
    expect(categoryOfPackagesIndex('updates/main/binary-amd64/Packages')).toBe('updates/main')
    expect(categoryOfPackagesIndex('main/debian-installer/binary-amd64/Packages')).toBe('main')
    expect(categoryOfPackagesIndex('main/debug/binary-amd64/Packages')).toBe('main')
    expect(categoryOfPackagesIndex('main/binary-amd64/Packages.xz')).toBeUndefined()
    expect(categoryOfPackagesIndex('main/source/Sources')).toBeUndefined()
  })

  it('come from every stanza with a package file', () => {
    const text = 'Package: a\nVersion: 1\nArchitecture: amd64\nFilename: pool/aa/x.deb\n\nPackage: b\nVersion: 2\nArchitecture: all\nFilename: pool/bb/y.udeb\n\nPackage: c\nVersion: 3\n'
    expect(aliasesOfPackages('main', text)).toEqual([
      ['pool/main/a/a/a_1_amd64.deb', 'pool/aa/x.deb'],
      ['pool/main/b/b/b_2_all.udeb', 'pool/bb/y.udeb'],
    ])
  })
})

describe('pool aliases on a backend without links', () => {
  it('are server-side copies of the hash-named file, written once', async () => {
    const {MemoryBackend} = await import('../../src/backends/memory.js')
    const {writePoolAliases} = await import('../../src/publish/pool-aliases.js')
    const backend = new MemoryBackend('s3-like')
    expect((backend as import('../../src/backends/interface.js').Backend).links).toBeUndefined()
    await backend.put('pool/aa/x.deb', new Uint8Array([1, 2, 3]))
    const aliases = new Map([['pool/main/a/a/a_1_amd64.deb', 'pool/aa/x.deb']])
    expect((await writePoolAliases(backend, aliases)).written).toBe(1)
    expect([...((await backend.get('pool/main/a/a/a_1_amd64.deb')) ?? [])]).toEqual([1, 2, 3])
    expect((await writePoolAliases(backend, aliases)).written).toBe(0)
  })
})
