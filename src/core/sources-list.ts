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
 * The one-line sources.list form.
 *
 * @example
 *   debLine({url: 'https://apt.example.org', suite: 'production', components: ['main'], signedBy: DEFAULT_KEY_PATH})
 *   // 'deb [signed-by=/etc/apt/keyrings/raptr.gpg] https://apt.example.org production main'
 */
export function debLine(s: SourceSpec): string {
  const opt = s.signedBy ? `[signed-by=${s.signedBy}]` : '[trusted=yes]'
  return `deb ${opt} ${s.url} ${s.suite} ${s.components.join(' ')}`
}

/** The deb822 `.sources` stanza form. */
export function sourcesStanza(s: SourceSpec): string {
  return [
    'Types: deb',
    `URIs: ${s.url}`,
    `Suites: ${s.suite}`,
    `Components: ${s.components.join(' ')}`,
    s.signedBy ? `Signed-By: ${s.signedBy}` : 'Trusted: yes',
    '',
  ].join('\n')
}
