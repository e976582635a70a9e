import {RaptrError} from '../errors.js'

/** How apt clients should point at a published distribution. */
export interface SourceSpec {
  url: string
  suite: string
  components: string[]
  /** Path of the public key on the client; undefined for an unsigned repository. */
  signedBy?: string
}

export const DEFAULT_KEY_PATH = '/etc/apt/keyrings/raptr.gpg'

/**
 * Every value of a source, made safe before it is written into a line apt reads (a
 * .sources file a keyring package installs under /etc/apt, a deb line users paste): one
 * word each, printable ASCII only, so no value can end its line and start another field
 * (`Trusted: yes`) or split into two. A URL's other characters are percent-encoded (a
 * directory with a space still works); a suite, component or key path that holds one is
 * refused (raptr's names never do).
 */
function checked(s: SourceSpec): SourceSpec {
  const url = s.url.replace(/[^\x21-\x7e]/gu, (c) => [...Buffer.from(c, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''))
  for (const [what, value] of [['suite', s.suite], ['Signed-By path', s.signedBy ?? ''], ...s.components.map((c) => ['component', c])]) {
    if (/[^\x21-\x7e]/.test(value)) {
      throw new RaptrError('BAD_NAME', `the ${what} ${JSON.stringify(value).slice(0, 80)} of an apt source holds a space or a control character`, 'an archive name cannot hold one: check the archive (raptr verify) and the flags given')
    }
  }
  return {...s, url}
}

/**
 * The one-line sources.list form.
 *
 * @example
 *   debLine({url: 'https://apt.example.org', suite: 'production', components: ['main'], signedBy: DEFAULT_KEY_PATH})
 *   // 'deb [signed-by=/etc/apt/keyrings/raptr.gpg] https://apt.example.org production main'
 */
export function debLine(spec: SourceSpec): string {
  const s = checked(spec)
  const opt = s.signedBy ? `[signed-by=${s.signedBy}]` : '[trusted=yes]'
  return `deb ${opt} ${s.url} ${s.suite} ${s.components.join(' ')}`
}

/** The deb822 `.sources` stanza form. */
export function sourcesStanza(spec: SourceSpec): string {
  const s = checked(spec)
  return [
    'Types: deb',
    `URIs: ${s.url}`,
    `Suites: ${s.suite}`,
    `Components: ${s.components.join(' ')}`,
    s.signedBy ? `Signed-By: ${s.signedBy}` : 'Trusted: yes',
    '',
  ].join('\n')
}
