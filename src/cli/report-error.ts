import type {RaptrError} from '../errors.js'

/** True when `--json` was given before any `--`. */
export function wantsJson(argv: string[]): boolean {
  const end = argv.indexOf('--')
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json')
}

/**
 * Prints a coded error the way every raptr command does: `raptr: MESSAGE` and `hint: …`
 * on stderr, or under --json one small object on stdout; sets the exit status.
 *
 * @example reportError(new RaptrError('USAGE', 'unknown flag --x', 'see: raptr log --help'), false)
 */
export function reportError(err: RaptrError, json: boolean, exitCode: number): void {
  process.exitCode = exitCode
  if (json) {
    const {code, message, hint, data} = err.toJSON()
    process.stdout.write(`${JSON.stringify({error: Object.keys(data).length ? {code, message, hint, data} : {code, message, hint}}, null, 2)}\n`)
  } else {
    process.stderr.write(`raptr: ${err.message}\n`)
    if (err.hint) process.stderr.write(`  hint: ${err.hint}\n`)
  }
}
