import Publish from './publish/index.js'

/**
 * `update`, the verb reprepro and deb-s3 users reach for: exactly publish, with the
 * same arguments and flags (`--sign` is publish's default; the key comes from the
 * archive's settings, `raptr key use`, when no other is given).
 */
export default class Update extends Publish {
  static override summary = 'Publish the current state to backends (the same as raptr publish).'
  static override examples = [
    '<%= config.bin %> update --sign',
    '<%= config.bin %> update eu us --sign',
    '<%= config.bin %> update local --dry-run',
  ]
}
