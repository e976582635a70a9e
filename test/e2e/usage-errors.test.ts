/**
 * Every usage error of every raptr command, with and without --json: one line and a
 * hint on stderr (exit 2), or one small JSON object on stdout. The cases come from the
 * command manifest, so a new command or flag is covered without editing this file.
 * They run in one process through oclif's `run` (the same code bin/run.js calls): a
 * process per case would cost a minute of CI time.
 */
import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {BIN, ROOT, raptr, tempDir} from '../helpers/cli.js'

interface ManifestFlag {
  name: string
  type: 'boolean' | 'option'
  required?: boolean
  multiple?: boolean
  options?: string[]
  exclusive?: string[]
  char?: string
}
interface ManifestCommand {
  id: string
  strict?: boolean
  args: Record<string, {name: string; required?: boolean}>
  flags: Record<string, ManifestFlag>
}

const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, ManifestCommand>}

interface Case {
  command: string
  what: string
  argv: string[]
}

/** The arguments and required flags a command needs to get past parsing. */
function minimal(c: ManifestCommand, without?: string): string[] {
  const args = Object.values(c.args)
    .filter((a) => a.required)
    .map((a) => `x-${a.name}`)
  const flags = Object.values(c.flags)
    .filter((f) => f.required && f.name !== without)
    .flatMap((f) => (f.type === 'boolean' ? [`--${f.name}`] : [`--${f.name}`, f.options?.[0] ?? 'x1']))
  return [...args, ...flags]
}

function cases(): Case[] {
  const out: Case[] = []
  for (const c of Object.values(manifest.commands)) {
    const id = c.id.split(':')
    out.push({command: c.id, what: 'an unknown flag', argv: [...id, ...minimal(c), '--no-such-flag']})
    const required = Object.values(c.args).filter((a) => a.required)
    if (required.length) out.push({command: c.id, what: 'no arguments', argv: [...id]})
    if (c.strict !== false) {
      // Before the flags: a repeatable flag would take them as its values.
      const args = Object.values(c.args).filter((a) => a.required).length
      const m = minimal(c)
      out.push({command: c.id, what: 'an extra argument', argv: [...id, ...m.slice(0, args), 'one-too-many', 'and-another', ...m.slice(args)]})
    }
    for (const f of Object.values(c.flags)) {
      if (f.required) out.push({command: c.id, what: `no --${f.name}`, argv: [...id, ...minimal(c, f.name)]})
      if (f.options) out.push({command: c.id, what: `a bad --${f.name}`, argv: [...id, ...minimal(c), `--${f.name}`, 'not-an-option']})
      if (f.type === 'option' && !f.multiple && !f.options) out.push({command: c.id, what: `--${f.name} without a value`, argv: [...id, ...minimal(c), `--${f.name}`]})
      for (const other of f.exclusive ?? []) {
        const o = c.flags[other]
        if (!o || other < f.name) continue
        const give = (x: ManifestFlag): string[] => (x.type === 'boolean' ? [`--${x.name}`] : [`--${x.name}`, '1'])
        out.push({command: c.id, what: `--${f.name} with --${other}`, argv: [...id, ...minimal(c), ...give(f), ...give(o)]})
      }
    }
  }
  return out
}

/** Runs raptr in this process, capturing what it writes. */
async function runInProcess(argv: string[]): Promise<{code: number; stdout: string; stderr: string}> {
  const entry = path.join(ROOT, 'dist', 'raptr.js')
  const {main} = (await import(entry)) as {main: (argv: string[], root: string, opts: {flush: boolean}) => Promise<void>}
  let stdout = ''
  let stderr = ''
  const out = process.stdout.write.bind(process.stdout)
  const err = process.stderr.write.bind(process.stderr)
  process.stdout.write = ((s: string | Uint8Array) => ((stdout += String(s)), true)) as typeof process.stdout.write
  process.stderr.write = ((s: string | Uint8Array) => ((stderr += String(s)), true)) as typeof process.stderr.write
  const cwd = process.cwd()
  const env = process.env.NODE_ENV
  // Outside production oclif warns (asynchronously, into a later case) about commands that never parsed.
  process.env.NODE_ENV = 'production'
  process.exitCode = 0
  try {
    process.chdir(tempDir('raptr-usage-'))
    await main(argv, path.join(ROOT, 'package.json'), {flush: false})
  } catch (e) {
    stderr += `THROWN ${e instanceof Error ? e.stack : String(e)}`
    process.exitCode = 99
  } finally {
    process.stdout.write = out
    process.stderr.write = err
    process.chdir(cwd)
    process.env.NODE_ENV = env
  }
  const code = Number(process.exitCode ?? 0)
  process.exitCode = 0
  return {code, stdout, stderr}
}

describe('usage errors', () => {
  const all = cases()

  it('covers every command', () => {
    expect(new Set(all.map((c) => c.command))).toEqual(new Set(Object.keys(manifest.commands)))
    expect(all.length).toBeGreaterThan(80)
  })

  it('are one line and a hint, exit 2, for every command', async () => {
    const bad: string[] = []
    for (const c of all) {
      const res = await runInProcess(c.argv)
      const lines = res.stderr.trimEnd().split('\n')
      const ok = res.code === 2 && res.stdout === '' && lines.length === 2 && /^raptr: \S/.test(lines[0]) && /^ {2}hint: \S/.test(lines[1])
      if (!ok) bad.push(`${c.command} with ${c.what} (raptr ${c.argv.join(' ')}): exit ${res.code}\n${res.stderr}${res.stdout}`)
    }
    expect(bad).toEqual([])
  })

  it('are one small JSON object under --json, for every command', async () => {
    const bad: string[] = []
    for (const c of all) {
      const res = await runInProcess([...c.argv, '--json'])
      let parsed: {error?: {code?: string; message?: string; hint?: string}} | undefined
      try {
        parsed = JSON.parse(res.stdout)
      } catch {
        parsed = undefined
      }
      const e = parsed?.error
      const ok =
        res.code === 2 &&
        res.stderr === '' &&
        Buffer.byteLength(res.stdout) < 1024 &&
        e?.code === 'USAGE' &&
        typeof e.message === 'string' &&
        !e.message.includes('\n') &&
        typeof e.hint === 'string' &&
        e.hint.length > 0
      if (!ok) bad.push(`${c.command} with ${c.what} --json: exit ${res.code}\nstdout: ${res.stdout.slice(0, 300)}\nstderr: ${res.stderr.slice(0, 300)}`)
    }
    expect(bad).toEqual([])
  })

  it('name the mistake: a missing flag, an unknown flag, flags that exclude each other', async () => {
    expect((await runInProcess(['key', 'generate', '--name', 'n', '--email', 'e'])).stderr).toBe('raptr: missing required flag --out\n  hint: see: raptr key generate --help\n')
    expect((await runInProcess(['package', 'add', 'x.deb'])).stderr).toBe('raptr: say which category: --category CAT or --section DIST/CAT\n  hint: e.g. --section staging/public, or --category public\n')
    expect((await runInProcess(['log', '--bogus'])).stderr).toMatch(/^raptr: unknown flag --bogus\n/)
    expect((await runInProcess(['package', 'remove', 'hello', '--latest', '--all'])).stderr).toMatch(/^raptr: --all and --latest cannot be used together\n/)
    expect((await runInProcess(['package', 'remove'])).stderr).toMatch(/^raptr: missing argument NAME\n/)
  })
})

describe('the oclif conventions', () => {
  const cwd = tempDir('raptr-conv-')

  it('a mistyped command suggests the right one, in one line, exit 2 (and as JSON)', () => {
    const res = raptr(['pacakge', 'list'], {cwd})
    expect(res.code).toBe(2)
    expect(res.stderr).toBe('raptr: pacakge list is not a raptr command\n  hint: did you mean: raptr package list? (all commands: raptr help)\n')
    const json = raptr(['pacakge', 'list', '--json'], {cwd})
    expect(json.code).toBe(2)
    expect(JSON.parse(json.stdout).error).toMatchObject({code: 'UNKNOWN_COMMAND', hint: expect.stringContaining('raptr package list')})
  })

  it('raptr help X, -h and --help show the same help; raptr version prints the version', () => {
    const a = raptr(['help', 'package', 'remove'], {cwd})
    const b = raptr(['package', 'remove', '-h'], {cwd})
    expect(a.code).toBe(0)
    expect(a.stdout).toBe(b.stdout)
    expect(a.stdout).toContain('USAGE')
    expect(raptr(['version'], {cwd}).stdout).toMatch(/^raptr\/\d+\.\d+\.\d+ /)
  })

  it('help is wrapped once, at the terminal width, and usage lines are well-formed', () => {
    const narrow = raptr(['package', 'remove', '--help'], {cwd, env: {OCLIF_COLUMNS: '80'}}).stdout
    expect(narrow).not.toMatch(/\| *\|/)
    expect(narrow).toContain('[--version V | --latest | --all | --keep-last')
    // (The summary on the first line is oclif's to print as it is.)
    for (const line of narrow.split('\n').slice(1)) expect(line.length).toBeLessThanOrEqual(80)
    // One paragraph in the source, so one paragraph on screen: no short line mid-sentence.
    expect(narrow).toMatch(/--keep-last\s+N is retention/)
    const wide = raptr(['package', 'remove', '--help'], {cwd, env: {OCLIF_COLUMNS: '200'}}).stdout
    expect(wide).toContain('With several versions, say which: --version V, --latest or --all. --keep-last N is retention: for each architecture, keeps the N latest versions')
  })

  it('prints bash and zsh completion setup', () => {
    for (const shell of ['bash', 'zsh']) {
      const res = raptr(['autocomplete', shell], {cwd, env: {HOME: tempDir('raptr-home-'), XDG_CACHE_HOME: tempDir('raptr-cache-')}})
      expect(res.code, res.stderr).toBe(0)
      expect(res.stdout).toContain(shell === 'bash' ? '.bashrc' : '.zshrc')
    }
  })

  it("an S3 command says at most one line about the AWS SDK's Node support", () => {
    const dir = path.join(tempDir(), 'repo')
    expect(raptr(['init', dir], {cwd}).code).toBe(0)
    expect(raptr(['backend', 'add', 'nowhere', 's3://bucket/p', '--endpoint', 'http://127.0.0.1:1', '--path-style', '--region', 'us-east-1'], {cwd: dir}).code).toBe(0)
    const res = raptr(['verify', 'nowhere'], {cwd: dir, env: {AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', RAPTR_RETRY_SECONDS: '0'}})
    expect(res.code).toBe(4)
    expect(res.stderr).not.toContain('NodeVersionSupportWarning')
    const lines = res.stderr.trimEnd().split('\n')
    // Node 20: one note, then the error and its hint; Node 22+: the error and its hint.
    expect(lines.length).toBe(Number(process.versions.node.split('.')[0]) < 22 ? 3 : 2)
    expect(lines.at(-2)).toMatch(/^raptr: nowhere: /)
  })

  it('the binary exists where the tests run it', () => {
    expect(fs.existsSync(BIN)).toBe(true)
  })
})
