/**
 * `raptr key sources`: the apt source a client needs for a distribution (or a pinned
 * copy of one, `snapshots/ID/DIST`) on a backend: the deb822 stanza, and the one-line
 * form. The URL is --url, else the backend's public URL; Signed-By is the keyring
 * package's file when the archive has one (what a client that installed it holds),
 * else the usual /etc/apt/keyrings/raptr.gpg. When the backend can be read, the
 * components come from the published Release and a distribution not published there is
 * an error; otherwise from the archive.
 */
import {RaptrError} from '../errors.js'
import {liveDir, pinnedDir} from '../core/layout.js'
import {shownValue, validateSuiteName} from '../core/names.js'
import {DEFAULT_KEY_PATH, debLine, sourcesStanza, type SourceSpec} from '../core/sources-list.js'
import {listBackends, requireBackend, type NamedBackend} from '../archive/backends.js'
import {listCategoryNames, requireDistribution} from '../archive/settings.js'
import type {Backend} from '../backends/interface.js'
import {checkFlagUrl} from '../backends/url.js'
import type {ArchiveView} from '../store/archive.js'
import {keyringFile, readKeyringSettings} from '../archive/keyring-settings.js'

/** Far above any Release's size: a backend's file, not ours. */
const MAX_RELEASE = 32 * 1024 * 1024

export interface AptSource extends SourceSpec {
  distribution: string
  /** The pinned snapshot id, for `snapshots/ID/DIST`. */
  pinned?: string
  backend?: string
  debLine: string
  sourcesStanza: string
}

/** `snapshots/ID/DIST` → the id and the distribution; a plain name → the distribution. */
function parseTarget(target: string): {dist: string; pinned?: string} {
  const m = /^snapshots\/([^/]+)\/(.+)$/.exec(target)
  if (!m) return {dist: validateSuiteName(target)}
  if (!/^[0-9a-f]{7,40}$/.test(m[1])) throw new RaptrError('BAD_ARGUMENT', `"${shownValue(m[1])}" is not a snapshot id`, 'a pinned suite is snapshots/ID/DIST, as raptr pin prints it')
  return {dist: validateSuiteName(m[2]), pinned: m[1]}
}

/**
 * The apt source for `target` (DIST or snapshots/ID/DIST).
 *
 * @example (await aptSource(view, 'production', {open: openNamedBackend})).sourcesStanza
 */
export async function aptSource(
  view: ArchiveView,
  target: string,
  opts: {backend?: string; url?: string; keyPath?: string; open: (b: NamedBackend) => Promise<Backend>},
): Promise<AptSource> {
  const {dist, pinned} = parseTarget(target)
  await requireDistribution(view, dist)
  const keyring = await readKeyringSettings(view)
  let url = opts.url ? checkFlagUrl(opts.url, '--url', ['http', 'https', 'file']).replace(/\/+$/, '') : keyring?.url
  // The backend read for what is published: named, else the keyring package's, else the only one.
  let named: NamedBackend | undefined
  if (opts.backend) named = await requireBackend(view, opts.backend)
  else {
    const all = await listBackends(view)
    named = keyring?.backend ? all.find((b) => b.name === keyring.backend) : all.length === 1 ? all[0] : undefined
    if (!named && !url) {
      throw new RaptrError('USAGE', all.length ? `the archive has ${all.length} backends: which one do clients read?` : 'no URL: the archive has no backend', all.length ? `choose one: --backend ${all[0].name}, or give the URL: --url https://apt.example.org` : 'give the URL clients use: --url https://apt.example.org')
    }
  }
  let components = await listCategoryNames(view, dist)
  let signed = true
  if (named) {
    const backend = await opts.open(named)
    if (!opts.url && (opts.backend || !url)) url = backend.properties.publicUrl.replace(/\/+$/, '')
    const dir = pinned ? pinnedDir(pinned, dist) : liveDir(dist)
    const release = await backend.get(`${dir}/Release`)
    if (!release) {
      throw new RaptrError('NOTHING_PUBLISHED', `${target} is not published on ${named.name}`, pinned ? `pin it first: raptr pin SNAPSHOT ${dist} --backend ${named.name}` : `publish it first: raptr publish ${named.name} --distribution ${dist}`)
    }
    if (release.length <= MAX_RELEASE) {
      const field = /^Components: *(.*)$/m.exec(Buffer.from(release).toString('utf8'))?.[1]
      if (field) components = field.split(/\s+/).filter(Boolean)
    }
    signed = (await backend.stat(`${dir}/InRelease`)) !== undefined || (await backend.stat(`${dir}/Release.gpg`)) !== undefined
  }
  const signedBy = signed ? (opts.keyPath ?? (keyring ? keyringFile(keyring.name) : DEFAULT_KEY_PATH)) : undefined
  const spec: SourceSpec = {url: url!, suite: target, components, signedBy}
  return {...spec, distribution: dist, ...(pinned ? {pinned} : {}), ...(named ? {backend: named.name} : {}), debLine: debLine(spec), sourcesStanza: sourcesStanza(spec)}
}
