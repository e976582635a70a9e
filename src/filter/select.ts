/**
 * What a mirror takes of its upstream: the packages a filter matches, plus (as aptly's
 * `-with-sources` does) the source packages of the binaries chosen, plus (as aptly's
 * `-filter-with-deps` does) the packages that satisfy their Depends and Pre-Depends,
 * transitively, for each architecture mirrored. aptly's algorithm is followed step by
 * step (the same order of search, the first candidate taken for each missing
 * dependency, every alternative of an unsatisfied `a | b` looked up), so the selection
 * is the one aptly makes. Pure.
 */
import {getField} from '../core/deb822.js'
import {looseCompare, matches, matchesArchitecture, parseDependency, provides, satisfies, type Dependency, type FilterPackage} from './evaluate.js'
import type {Query} from './parse.js'

export interface SelectOptions {
  /** The parsed filter; none: every package. */
  query?: Query
  /** Add what Depends and Pre-Depends of the chosen packages need (aptly: -filter-with-deps). */
  followDependencies?: boolean
  /** Add the source packages of the chosen binaries (aptly: -with-sources, whose sources are in `packages`). */
  withSources?: boolean
  /** The architectures dependencies are followed for. */
  architectures: string[]
}

const keyOf = (p: FilterPackage): string => `${p.type} ${p.architecture} ${p.name} ${p.version}`

/** aptly's index order: by name, then the latest version first, then architecture. */
function byIndexOrder(a: FilterPackage, b: FilterPackage): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : -looseCompare(a.version, b.version) || (a.architecture < b.architecture ? -1 : a.architecture > b.architecture ? 1 : 0)
}

/** A searchable list: by name in index order, and who provides what. */
class PackageIndex {
  readonly byName = new Map<string, FilterPackage[]>()
  readonly providers = new Map<string, FilterPackage[]>()
  readonly keys = new Set<string>()
  /** Names whose list gained a package since it was last sorted: each list is sorted once, when read (sorting at every add made a large index quadratic). */
  private readonly unsorted = new Set<string>()

  constructor(packages: Iterable<FilterPackage> = []) {
    for (const p of packages) this.add(p)
  }

  add(p: FilterPackage): boolean {
    const key = keyOf(p)
    if (this.keys.has(key)) return false
    this.keys.add(key)
    const list = this.byName.get(p.name) ?? []
    list.push(p)
    this.unsorted.add(p.name)
    this.byName.set(p.name, list)
    for (const d of provides(p)) {
      const l = this.providers.get(d.name) ?? []
      l.push(p)
      this.providers.set(d.name, l)
    }
    return true
  }

  /** The packages named `name`, in index order. */
  private named(name: string): FilterPackage[] {
    const list = this.byName.get(name) ?? []
    if (this.unsorted.delete(name)) list.sort(byIndexOrder)
    return list
  }

  has(p: FilterPackage): boolean {
    return this.keys.has(keyOf(p))
  }

  /** Every package satisfying `dep`: by name first, then providers (aptly's Search). */
  search(dep: Dependency, first: boolean): FilterPackage[] {
    const out: FilterPackage[] = []
    for (const p of this.named(dep.name)) {
      if (satisfies(p, dep)) {
        out.push(p)
        if (first) return out
      }
    }
    for (const p of this.providers.get(dep.name) ?? []) {
      if (dep.architecture !== undefined && !matchesArchitecture(p, dep.architecture)) continue
      if (satisfies(p, dep)) out.push(p)
      if (first && out.length) return out
    }
    return out
  }

  sorted(): FilterPackage[] {
    return [...this.byName.values()].flat().sort(byIndexOrder)
  }
}

/**
 * The packages of `upstream` a mirror takes, in upstream order.
 *
 * @example selectPackages(pkgs, {query: parseFilter('nginx'), followDependencies: true, architectures: ['amd64']})
 */
export function selectPackages(upstream: FilterPackage[], opts: SelectOptions): FilterPackage[] {
  if (!opts.query) return upstream
  const all = new PackageIndex(upstream)
  const result = new PackageIndex(upstream.filter((p) => matches(opts.query!, p)))
  if (opts.withSources) {
    for (const p of result.sorted()) {
      if (p.type === 'source') continue
      const m = /^(\S+)(?:\s+\(([^)]+)\))?$/.exec(getField(p.stanza, 'Source') ?? '')
      if (!m || m[1] === p.name) continue
      for (const s of all.search({name: m[1], relation: '=', value: m[2] ?? p.version, architecture: 'source'}, false)) result.add(s)
    }
  }
  if (opts.followDependencies) followDependencies(all, result, opts.architectures)
  const chosen = result.keys
  return upstream.filter((p) => chosen.has(keyOf(p)))
}

/** aptly's loop: find what the result lacks, add the first package satisfying each, until nothing is added. */
function followDependencies(all: PackageIndex, result: PackageIndex, architectures: string[]): void {
  for (let added = 1; added > 0; ) {
    added = 0
    const missing: Dependency[] = []
    const seen = new Set<string>()
    for (const arch of architectures) {
      const cache = new Map<string, boolean>()
      for (const p of result.sorted()) {
        if (!matchesArchitecture(p, arch)) continue
        for (const field of ['Depends', 'Pre-Depends']) {
          for (const line of (getField(p.stanza, field) ?? '').split(',')) {
            if (line.trim() === '') continue
            const variants = dedupe(line.split('|').map((v) => parseDependency(v)).filter((d): d is Dependency => d !== undefined))
            let lacking: Dependency[] = []
            for (const v0 of variants) {
              const v = {...v0, architecture: v0.architecture ?? arch}
              const h = depKey(v)
              let ok = cache.get(h)
              if (ok === undefined) {
                ok = result.search(v, true).length > 0
                cache.set(h, ok)
              }
              if (ok) {
                lacking = []
                break
              }
              lacking.push(v)
            }
            for (const d of lacking) {
              if (!seen.has(depKey(d))) {
                seen.add(depKey(d))
                missing.push(d)
              }
            }
          }
        }
      }
    }
    for (const dep of missing) {
      if (result.search(dep, true).length > 0) continue
      for (const p of all.search(dep, false)) {
        if (result.has(p)) continue
        result.add(p)
        added++
        break
      }
    }
  }
}

function depKey(d: Dependency): string {
  return `${d.name} ${d.relation ?? ''} ${d.value} ${d.architecture ?? ''}`
}

function dedupe(ds: Dependency[]): Dependency[] {
  const seen = new Set<string>()
  return ds.filter((d) => (seen.has(depKey(d)) ? false : (seen.add(depKey(d)), true)))
}
