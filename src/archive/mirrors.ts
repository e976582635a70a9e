import * as z from '../core/zod.js'
import {RaptrError} from '../errors.js'
import {MIRRORS, mirrorPath} from '../core/layout.js'
import {NAME_LIMITS, shownValue, validateArchitecture, validateComponentName, validateMirrorName, validateSuiteName} from '../core/names.js'
import type {Archive, ArchiveView} from '../store/archive.js'
import {parseFilter} from '../filter/parse.js'
import {checkSourceUrl} from '../backends/url.js'
import {json, parseJsonFile} from './settings.js'

// The grammars of names.ts, for values read back from a pushed tree.
const componentName = z.string().check(z.maxLength(NAME_LIMITS.category), z.regex(/^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/))
const archName = z.string().check(z.maxLength(NAME_LIMITS.architecture), z.regex(/^[a-z0-9][a-z0-9-]*$/))
const oneLine = (max: number) => z.string().check(z.maxLength(max), z.refine((v) => !/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(v), 'no control characters'))

/**
 * A mirror as the archive records it (shared by the team like every setting). The
 * filter is kept as written (aptly's language) and parsed again when used; the keyring
 * is a path on the machine that updates, never key material.
 */
export const MirrorSettings = z.object({
  url: oneLine(2048),
  suite: z.string().check(z.maxLength(NAME_LIMITS.distribution), z.regex(/^[A-Za-z0-9][A-Za-z0-9._/-]*$/)),
  distribution: z.string().check(z.maxLength(NAME_LIMITS.distribution), z.regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/)),
  components: z.optional(z.array(componentName)),
  architectures: z.optional(z.array(archName)),
  filter: z.optional(oneLine(16_384)),
  followDependencies: z.optional(z.boolean()),
  withSources: z.optional(z.boolean()),
  withUdebs: z.optional(z.boolean()),
  keyring: z.optional(oneLine(4096)),
})
export type MirrorSettings = z.infer<typeof MirrorSettings>

export interface NamedMirror extends MirrorSettings {
  name: string
}

/** A mirror's settings read from the tree and checked: a pushed filter that no longer parses is refused here, naming the file. */
function readMirror(text: string, file: string): MirrorSettings {
  const m = parseJsonFile(MirrorSettings, text, file)
  if (m.filter !== undefined) {
    try {
      parseFilter(m.filter)
    } catch (error) {
      throw new RaptrError('CORRUPT_ARCHIVE', `${file} in the archive is invalid: ${(error as Error).message}`, 'fix it: raptr mirror remove NAME, then raptr mirror add again')
    }
  }
  return m
}

/** Checks a file of `mirrors/` from a pushed tree (tree-check): its schema and its filter. */
export function mirrorFileProblem(p: string, text: string): string | undefined {
  const parts = p.split('/')
  if (parts.length !== 2 || !parts[1].endsWith('.json')) return 'raptr keeps only mirrors/<name>.json there'
  try {
    validateMirrorName(parts[1].slice(0, -5))
    readMirror(text, p)
    return undefined
  } catch (error) {
    return (error as Error).message
  }
}

export async function listMirrors(view: ArchiveView): Promise<NamedMirror[]> {
  const out: NamedMirror[] = []
  for (const file of await view.list(MIRRORS)) {
    if (!file.endsWith('.json')) continue
    out.push({name: file.slice(0, -5), ...readMirror((await view.read(`${MIRRORS}/${file}`))!, `${MIRRORS}/${file}`)})
  }
  return out
}

export async function requireMirror(view: ArchiveView, name: string): Promise<NamedMirror> {
  validateMirrorName(name)
  const text = await view.read(mirrorPath(name))
  if (text === undefined) {
    const known = (await listMirrors(view)).map((m) => m.name)
    throw new RaptrError('UNKNOWN_MIRROR', `no mirror named "${name}"`, known.length ? `known: ${known.join(', ')}` : 'add one with: raptr mirror add NAME URL SUITE --to DIST')
  }
  return {name, ...readMirror(text, mirrorPath(name))}
}

/**
 * Records a mirror; everything is checked first (names, URL without credentials, the
 * filter parses). The same settings again change nothing; other settings for an
 * existing name are refused (remove it first), so a typo never silently retargets one.
 */
export async function addMirror(archive: Archive, name: string, settings: MirrorSettings): Promise<{commit?: string; created: boolean}> {
  validateMirrorName(name)
  validateSuiteName(settings.distribution)
  // A suite may be nested (`bookworm/updates`): each part is a name.
  for (const part of settings.suite.split('/')) validateComponentName(part, 'suite')
  for (const c of settings.components ?? []) validateComponentName(c)
  for (const a of settings.architectures ?? []) validateArchitecture(a)
  if (settings.filter !== undefined) parseFilter(settings.filter)
  const url = checkSourceUrl(settings.url).replace(/\/+$/, '')
  if (settings.keyring !== undefined && /[\u0000-\u001f]/.test(settings.keyring)) throw new RaptrError('BAD_ARGUMENT', `invalid --keyring "${shownValue(settings.keyring)}"`, 'give the path of a keyring file')
  const clean = Object.fromEntries(Object.entries({...settings, url}).filter(([, v]) => v !== undefined && v !== false && !(Array.isArray(v) && v.length === 0))) as MirrorSettings
  const {commit, result} = await archive.transaction(async (tx) => {
    const text = json(clean)
    const existing = await tx.read(mirrorPath(name))
    if (existing === text) return {message: '', events: [], result: false}
    if (existing !== undefined) throw new RaptrError('ALREADY_EXISTS', `a mirror named "${name}" exists with other settings`, `see them with: raptr mirror show ${name}; to change them: raptr mirror remove ${name}, then add it again`)
    tx.write(mirrorPath(name), text)
    return {message: `mirror added: ${name} ${url} ${clean.suite} to ${clean.distribution}`, events: [{v: 1, type: 'MirrorAdded', name, settings: clean}], result: true}
  })
  return {commit, created: result}
}

/** Forgets a mirror (its distribution and packages stay); one already gone is `nothing` to do. */
export async function removeMirror(archive: Archive, name: string): Promise<{commit?: string; nothing?: string}> {
  validateMirrorName(name)
  const {commit, result} = await archive.transaction(async (tx) => {
    if ((await tx.read(mirrorPath(name))) === undefined) return {message: '', events: [], result: `there is no mirror "${name}"`}
    tx.remove(mirrorPath(name))
    return {message: `mirror removed: ${name}`, events: [{v: 1, type: 'MirrorRemoved', name}], result: undefined}
  })
  return {commit, nothing: result}
}
