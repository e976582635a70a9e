import {Flags} from '@oclif/core'
import {RaptrCommand, table} from '../../cli/base-command.js'

export default class KeyStatus extends RaptrCommand {
  static override summary = 'Show the signing keys, where a key rotation stands, and which keys sign each live distribution.'
  static override description = `The step of a key rotation (none, started, finished), each key (fingerprint, algorithm,
expiry, role old/new, what apt's sqv says of it) and, for every live distribution on each
backend, which of those keys its InRelease is signed by (each signature checked).`
  static override examples = ['<%= config.bin %> key status', '<%= config.bin %> key status --json']
  static override flags = {
    backend: Flags.string({summary: 'Only this backend (repeatable).', multiple: true}),
  }

  async run(): Promise<unknown> {
    const {flags} = await this.parse(KeyStatus)
    const archive = await this.openArchive(flags.archive)
    const {keyStatus} = await import('../../keys/key-status.js')
    const {openNamedBackend} = await import('../../cli/open-backend.js')
    const {expandHome} = await import('../../cli/signing.js')
    const status = await keyStatus(await archive.view(), {open: openNamedBackend, expand: expandHome, backends: flags.backend})
    this.log(`rotation: ${status.step}`)
    if (status.keys.length === 0) this.log('no signing key named (raptr key use FILE | --gpg KEYID)')
    else {
      const rows = status.keys.map((k) => ({role: k.role, fingerprint: k.fingerprint, algorithm: k.algorithm, expires: k.expires?.slice(0, 10) ?? 'never', sqv: k.sqv, key: 'gpg' in k.key ? `gpg ${k.key.gpg.slice(-16)}` : k.key.keyFile}))
      this.log(table(rows, ['role', 'fingerprint', 'algorithm', 'expires', 'sqv', 'key']))
    }
    const roleOf = (fpr: string): string => status.keys.find((k) => k.fingerprint === fpr)?.role ?? fpr
    for (const d of status.distributions) {
      const what = d.error ? `FAILED: ${d.error}` : d.signedBy === null ? 'not live or unsigned' : d.signedBy.length ? `signed by ${d.signedBy.map(roleOf).join(' + ')}` : 'signed by none of these keys'
      this.log(`${d.backend}/${d.distribution}: ${what}`)
    }
    return status
  }
}
