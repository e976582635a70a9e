/**
 * The browse pages' package tables: a distribution of more than ROOT_TABLE_MAX packages is
 * listed on its own page only; the root page links to it. (The pages as a browser shows
 * them are tested in test/e2e/browse-page.test.ts.)
 */
import {describe, expect, it} from 'vitest'
import {ROOT_TABLE_MAX, renderDistributionPage, renderRootPage, type PageDistribution, type PageInput} from '../../src/core/browse-page.js'

function dist(name: string, count: number): PageDistribution {
  const packages = Array.from({length: count}, (_, i) => ({name: `pkg${i}`, version: '1.0', architecture: 'amd64', category: 'main'}))
  return {name, snapshot: 'a'.repeat(40), categories: ['main'], architectures: ['amd64'], packages, debLine: `deb https://apt.example.org ${name} main`, stanza: '', pins: []}
}

const rows = (html: string): number => html.split('<tr><td>').length - 1

describe('browse pages', () => {
  it('a small distribution: its table on the root page and on its own page', () => {
    const small = dist('staging', 3)
    const input: PageInput = {url: 'https://apt.example.org', distributions: [small], generated: '2026-12-08T00:00:00Z'}
    expect(rows(renderRootPage(input))).toBe(3)
    expect(rows(renderDistributionPage(input, small))).toBe(3)
  })

  it(`a distribution of more than ${ROOT_TABLE_MAX} packages: listed on its own page only, the root page links there`, () => {
    const large = dist('production', ROOT_TABLE_MAX + 1)
    const small = dist('staging', 2)
    const input: PageInput = {url: 'https://apt.example.org', distributions: [large, small], generated: '2026-12-08T00:00:00Z'}
    const root = renderRootPage(input)
    expect(rows(root)).toBe(2) // staging's two, none of production's
    expect(root).toContain(`${ROOT_TABLE_MAX + 1} packages: listed on <a href="dists/production/">the page of production</a>.`)
    expect(rows(renderDistributionPage(input, large))).toBe(ROOT_TABLE_MAX + 1)
  })

  it('the key is fetched to the file the sources lines name', () => {
    const key = {fingerprint: 'ABCD'.repeat(10), url: 'https://apt.example.org/raptr.asc', path: '/usr/share/keyrings/acme-archive-keyring.pgp'}
    const root = renderRootPage({url: 'https://apt.example.org', key, distributions: [dist('staging', 1)], generated: '2026-12-08T00:00:00Z'})
    expect(root).toContain('sudo curl -fsSLo /usr/share/keyrings/acme-archive-keyring.pgp https://apt.example.org/raptr.gpg')
  })

  it('escapes what it prints from the archive', () => {
    const odd = dist('x<y', ROOT_TABLE_MAX + 1)
    const root = renderRootPage({url: 'https://apt.example.org', distributions: [odd], generated: '2026-12-08T00:00:00Z'})
    expect(root).toContain('the page of x&lt;y')
    expect(root).not.toContain('x<y')
  })
})
