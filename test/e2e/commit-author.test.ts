import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {ok, sh, tempDir} from '../helpers/cli.js'

function author(dir: string): string {
  return sh('git', ['log', '-1', '--format=%an <%ae>'], {cwd: dir}).stdout.trim()
}

describe('commit author', () => {
  it("comes from git's lookup: the archive's config, then the user's global config", () => {
    const home = tempDir('raptr-home-')
    fs.writeFileSync(path.join(home, '.gitconfig'), '[user]\n\tname = Ada Lovelace\n\temail = ada@example.org\n')
    const env = {HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), GIT_CONFIG_GLOBAL: undefined, RAPTR_AUTHOR_NAME: undefined, RAPTR_AUTHOR_EMAIL: undefined}
    const dir = path.join(tempDir(), 'repo')
    ok(['init', dir], {cwd: path.dirname(dir), env})
    ok(['distribution', 'add', 'production'], {cwd: dir, env})
    expect(author(dir)).toBe('Ada Lovelace <ada@example.org>')
    sh('git', ['config', 'user.name', 'Release Bot'], {cwd: dir, env})
    ok(['distribution', 'add', 'staging'], {cwd: dir, env})
    expect(author(dir)).toBe('Release Bot <ada@example.org>')
    ok(['distribution', 'add', 'testing'], {cwd: dir, env: {...env, RAPTR_AUTHOR_NAME: 'CI job', RAPTR_AUTHOR_EMAIL: 'ci@example.org'}})
    expect(author(dir)).toBe('CI job <ci@example.org>')
  })

  it('falls back to raptr <raptr@localhost> when nothing names one', () => {
    const home = tempDir('raptr-home-')
    const env = {HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), GIT_CONFIG_GLOBAL: undefined, RAPTR_AUTHOR_NAME: undefined, RAPTR_AUTHOR_EMAIL: undefined}
    const dir = path.join(tempDir(), 'repo')
    ok(['init', dir], {cwd: path.dirname(dir), env})
    ok(['distribution', 'add', 'production'], {cwd: dir, env})
    expect(author(dir)).toBe('raptr <raptr@localhost>')
  })
})
