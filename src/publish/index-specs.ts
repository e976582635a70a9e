import type {DistributionSettings} from '../archive/settings.js'

/** One index to render: its path and the link subtrees (relative to the category) it concatenates. */
export interface IndexSpec {
  path: string
  dirs: string[]
  kind: 'packages' | 'sources' | 'contents'
}

/**
 * The indexes of one category: for each architecture Packages (with the `all` packages
 * in it), `debian-installer/binary-ARCH/Packages` for .udeb files when there are any,
 * .ddeb files in Packages or in `debug/binary-ARCH/Packages` as the distribution says,
 * Sources, and Contents-ARCH.gz / Contents-udeb-ARCH.gz unless turned off. Pure.
 *
 * @example categoryIndexSpecs('main', ['amd64'], ['amd64', 'all'], {})[0] // {path: 'main/binary-amd64/Packages', dirs: ['amd64', 'all', …], …}
 */
export function categoryIndexSpecs(cat: string, architectures: string[], present: string[], settings: Pick<DistributionSettings, 'contents' | 'ddebs'>): IndexSpec[] {
  const has = new Set(present)
  const udebs = present.some((d) => d.endsWith('.udeb'))
  const debugApart = settings.ddebs === 'debug'
  const ddebs = present.some((d) => d.endsWith('.ddeb'))
  const specs: IndexSpec[] = []
  const keep = (dirs: string[]): string[] => dirs.filter((d) => has.has(d))
  for (const arch of architectures) {
    const debs = keep([arch, 'all', ...(debugApart ? [] : [`${arch}.ddeb`, 'all.ddeb'])])
    specs.push({path: `${cat}/binary-${arch}/Packages`, dirs: debs, kind: 'packages'})
    if (udebs) specs.push({path: `${cat}/debian-installer/binary-${arch}/Packages`, dirs: keep([`${arch}.udeb`, 'all.udeb']), kind: 'packages'})
    if (debugApart && ddebs) specs.push({path: `${cat}/debug/binary-${arch}/Packages`, dirs: keep([`${arch}.ddeb`, 'all.ddeb']), kind: 'packages'})
    if (settings.contents !== false) {
      specs.push({path: `${cat}/Contents-${arch}`, dirs: keep([arch, 'all']), kind: 'contents'})
      if (udebs) specs.push({path: `${cat}/Contents-udeb-${arch}`, dirs: keep([`${arch}.udeb`, 'all.udeb']), kind: 'contents'})
    }
  }
  specs.push({path: `${cat}/source/Sources`, dirs: keep(['source']), kind: 'sources'})
  return specs
}

