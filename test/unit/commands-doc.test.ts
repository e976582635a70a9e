import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {ROOT} from '../helpers/cli.js'
// @ts-expect-error: a plain script, without type declarations
import {renderCommands} from '../../scripts/commands-doc.mjs'

// docs/commands.md is generated from the oclif manifest the build writes; a change to a
// command's flags, arguments or examples must come with the regenerated page.
describe('docs/commands.md', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, {id: string}>}

  it('is current: regenerate it with npm run build && node scripts/commands-doc.mjs', () => {
    const current = fs.readFileSync(path.join(ROOT, 'docs', 'commands.md'), 'utf8')
    expect(current).toBe(renderCommands(manifest))
  })

  it('has a section for every command of the manifest', () => {
    const text = renderCommands(manifest) as string
    for (const id of Object.keys(manifest.commands)) expect(text).toContain(`\n## raptr ${id.replaceAll(':', ' ')}\n`)
    // and it changes when a command changes: the check above can fail
    const changed = structuredClone(manifest) as any
    changed.commands.publish.flags['dry-run'].summary = 'something else'
    expect(renderCommands(changed)).not.toBe(text)
  })
})
