/**
 * Makes sure the peer tools are installed: the benchmark compares raptr with them on the
 * same machine, so it installs what is missing (as root, or through sudo).
 */
import {spawnSync} from 'node:child_process'

const PACKAGE_OF: Record<string, string> = {
  aptly: 'aptly',
  reprepro: 'reprepro',
  'apt-ftparchive': 'apt-utils',
  '/usr/bin/time': 'time',
}

function present(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], {stdio: 'ignore'}).status === 0
}

/** Installs the Debian packages for missing commands; returns a note per failure. Example: `ensureTools(['aptly', '/usr/bin/time'])` */
export function ensureTools(commands: readonly string[]): string[] {
  const missing = commands.filter((c) => !present(c))
  if (!missing.length) return []
  const packages = [...new Set(missing.map((c) => PACKAGE_OF[c] ?? c))]
  const root = process.getuid?.() === 0
  const prefix = root ? [] : ['sudo', '-n']
  const install = (args: string[]) =>
    spawnSync(prefix[0] ?? args[0], [...prefix.slice(1), ...(prefix.length ? args : args.slice(1))], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: {...process.env, DEBIAN_FRONTEND: 'noninteractive'},
    })
  console.error(`bench: installing ${packages.join(' ')}`)
  let result = install(['apt-get', 'install', '-y', '--no-install-recommends', ...packages])
  if (result.status !== 0) {
    install(['apt-get', 'update'])
    result = install(['apt-get', 'install', '-y', '--no-install-recommends', ...packages])
  }
  return missing.filter((c) => !present(c)).map((c) => `${c}: not installed (apt-get install ${PACKAGE_OF[c] ?? c} failed)`)
}
