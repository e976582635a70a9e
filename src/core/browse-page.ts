/**
 * The browsable `index.html` a publish writes at the backend root and in each
 * `dists/<dist>/`: what is published (packages, versions, architectures), how to point
 * apt at it (the sources line and deb822 stanza), the signing key's fingerprint and
 * URL, and the pinned snapshots. Static HTML with inline CSS, no JavaScript. Pure.
 */

export interface PagePackage {
  name: string
  version: string
  architecture: string
  category: string
}

export interface PageDistribution {
  name: string
  snapshot: string
  categories: string[]
  architectures: string[]
  packages: PagePackage[]
  debLine: string
  stanza: string
  pins: Array<{snapshot: string; debLine: string; date: string}>
}

export interface PageInput {
  /** The archive root URL apt clients use. */
  url: string
  /** The signing key: its fingerprint, where it is published, and the file the sources lines name (`signed-by`). */
  key?: {fingerprint: string; url: string; path: string}
  distributions: PageDistribution[]
  generated: string
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

const STYLE = `body{font:15px/1.45 system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #d0d7de}
pre,code{font:13px ui-monospace,monospace;background:#f6f8fa}pre{padding:.6rem;overflow-x:auto;border-radius:4px}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.2rem .6rem;border-bottom:1px solid #eaeef2}
th{background:#f6f8fa}.meta{color:#57606a}`

function keySection(input: PageInput): string {
  if (!input.key) return '<p class="meta">This repository is <strong>unsigned</strong>: clients need <code>[trusted=yes]</code>.</p>'
  const fpr = input.key.fingerprint.replace(/(.{4})(?=.)/g, '$1 ')
  return `<p>Signing key: <a href="${esc(input.key.url)}">${esc(input.key.url)}</a>, fingerprint <code class="fingerprint">${esc(fpr)}</code></p>
<pre>sudo curl -fsSLo ${esc(input.key.path)} ${esc(input.key.url.replace(/\.asc$/, '.gpg'))}</pre>`
}

/** Rows of a package table: one per name and version, the architectures together. */
function packageRows(packages: PagePackage[]): string {
  const byKey = new Map<string, {name: string; version: string; category: string; architectures: string[]}>()
  for (const p of packages) {
    const k = `${p.name}\u0000${p.version}\u0000${p.category}`
    // A literal, not a spread of p: a spread gives each of 100,000 rows a hidden class of its own.
    const row = byKey.get(k) ?? {name: p.name, version: p.version, category: p.category, architectures: []}
    row.architectures.push(p.architecture)
    byKey.set(k, row)
  }
  return [...byKey.values()]
    .map((r) => `<tr><td>${esc(r.name)}</td><td>${esc(r.version)}</td><td>${esc([...new Set(r.architectures)].sort().join(', '))}</td><td>${esc(r.category)}</td></tr>`)
    .join('\n')
}

/**
 * The most packages a distribution's table has on the root page; a larger one is listed on
 * its own page only, so the root page of a 100,000-package archive stays small and the
 * publish renders each table once.
 */
export const ROOT_TABLE_MAX = 1000

function packageTable(d: PageDistribution, link: string | undefined): string {
  if (link !== undefined && d.packages.length > ROOT_TABLE_MAX) {
    return `<p class="meta">${d.packages.length} packages: listed on <a href="${esc(link)}">the page of ${esc(d.name)}</a>.</p>`
  }
  return `<table><thead><tr><th>Package</th><th>Version</th><th>Architectures</th><th>Category</th></tr></thead>
<tbody>
${packageRows(d.packages)}
</tbody></table>`
}

function distributionSection(d: PageDistribution, level: 'h1' | 'h2', link?: string): string {
  const title = link ? `<a href="${esc(link)}">${esc(d.name)}</a>` : esc(d.name)
  const pins = d.pins.length
    ? `<h3>Pinned snapshots</h3><ul>${d.pins.map((p) => `<li><code>${esc(p.snapshot.slice(0, 12))}</code> (${esc(p.date)}): <code>${esc(p.debLine)}</code></li>`).join('')}</ul>`
    : ''
  return `<section id="dist-${esc(d.name)}">
<${level}>${title}</${level}>
<p class="meta">Snapshot <code>${esc(d.snapshot.slice(0, 12))}</code> · categories ${esc(d.categories.join(', '))} · architectures ${esc(d.architectures.join(', '))} · ${d.packages.length} package${d.packages.length === 1 ? '' : 's'}</p>
<h3>sources.list</h3>
<pre class="deb-line">${esc(d.debLine)}</pre>
<h3>deb822 (/etc/apt/sources.list.d/raptr.sources)</h3>
<pre class="deb822">${esc(d.stanza)}</pre>
${pins}
<h3>Packages</h3>
${packageTable(d, link)}
</section>`
}

function page(title: string, body: string, generated: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style>${STYLE}</style></head>
<body>
${body}
<p class="meta">Published by raptr, ${esc(generated)}.</p>
</body></html>
`
}

/**
 * The backend root's page: every distribution published there.
 *
 * @example renderRootPage({url: 'https://apt.example.org', distributions: [], generated: '2026-01-01T00:00:00Z'})
 */
export function renderRootPage(input: PageInput): string {
  const body = `<h1>APT repository</h1>
<p><code>${esc(input.url)}</code></p>
${keySection(input)}
${input.distributions.map((d) => distributionSection(d, 'h2', `dists/${d.name}/`)).join('\n')}`
  return page(`APT repository ${input.url}`, body, input.generated)
}

/**
 * One distribution's page (`dists/<dist>/index.html`).
 *
 * @example renderDistributionPage(input, input.distributions[0])
 */
export function renderDistributionPage(input: PageInput, d: PageDistribution): string {
  const body = `<p><a href="../../">← all distributions</a></p>
${distributionSection(d, 'h1')}
${keySection(input)}`
  return page(`${d.name} — APT repository ${input.url}`, body, input.generated)
}
