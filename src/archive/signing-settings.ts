import {RaptrError} from '../errors.js'
import type {RaptrEvent} from '../core/events.js'
import * as z from '../core/zod.js'
import type {Archive, ArchiveView} from '../store/archive.js'
import {json, parseJsonFile} from './settings.js'

/** `signing.json` in the archive: which key publish signs with. A path or a GnuPG key id, never the key. */
export const SIGNING_PATH = 'signing.json'

const KeyFile = z.string().check(z.minLength(1))
const Fingerprint = z.string().check(z.regex(/^[0-9A-F]{40}$/))
/** One key as the archive names it: an armored key file's path, or a GnuPG fingerprint. */
export const KeyRef = z.union([z.strictObject({keyFile: KeyFile}), z.strictObject({gpg: Fingerprint})])
export type KeyRef = z.infer<typeof KeyRef>

/**
 * A key rotation under way. `started`: Releases are signed by both keys; `finished`: by
 * the new one only. The old public key stays published until `raptr key rotate --drop-old`,
 * which removes this record.
 */
export const Rotation = z.strictObject({step: z.enum(['started', 'finished']), old: KeyRef, new: KeyRef})
export type Rotation = z.infer<typeof Rotation>

// The top-level key is the one publish signs with as before (the old key while a rotation
// is started, the new one once it is finished): a file without `rotation` reads as it did.
export const SigningSettings = z.union([
  z.strictObject({keyFile: KeyFile, rotation: z.optional(Rotation)}),
  z.strictObject({gpg: Fingerprint, rotation: z.optional(Rotation)}),
])
export type SigningSettings = z.infer<typeof SigningSettings>

/** The key part of a setting (without any rotation). */
export function keyRefOf(s: KeyRef | SigningSettings): KeyRef {
  return 'gpg' in s ? {gpg: s.gpg} : {keyFile: s.keyFile}
}

/** How a key is named in messages. */
export function describeKey(k: KeyRef): string {
  return 'gpg' in k ? `GnuPG key ${k.gpg}` : k.keyFile
}

/** The signing key the archive names, if any. */
export async function readSigningSettings(view: ArchiveView): Promise<SigningSettings | undefined> {
  const text = await view.read(SIGNING_PATH)
  return text === undefined ? undefined : parseJsonFile(SigningSettings, text, SIGNING_PATH)
}

/**
 * Records which key publish signs with (idempotent: the same setting again makes no commit).
 * Refused while a rotation is under way: that would forget the other key.
 *
 * @example await useSigningKey(archive, {gpg: '0123456789ABCDEF0123456789ABCDEF01234567'})
 */
export async function useSigningKey(archive: Archive, settings: KeyRef): Promise<{commit?: string}> {
  const {commit} = await archive.transaction(async (tx) => {
    const current = await tx.read(SIGNING_PATH)
    if (current !== undefined && parseJsonFile(SigningSettings, current, SIGNING_PATH).rotation) {
      throw new RaptrError('CONFLICT', 'a key rotation is under way', 'finish it (raptr key rotate --finish, then --drop-old) before naming another key; see: raptr key status')
    }
    const text = json(settings)
    if (current === text) return {message: '', events: [], result: null}
    tx.write(SIGNING_PATH, text)
    return {message: `signing key set: ${describeKey(settings)}`, events: [{v: 1, type: 'KeySet', ...settings}], result: null}
  })
  return {commit}
}

export type RotationStep = 'start' | 'finish' | 'drop-old'

/**
 * What `signing.json` becomes after a rotation step, with the commit message and event;
 * throws when the step does not follow the one recorded. Pure: `key rotate` loads the
 * keys of the result before anything is committed.
 *
 * @example nextSigningSettings({keyFile: '/k/old.asc'}, 'start', {keyFile: '/k/new.asc'}).settings.rotation?.step // 'started'
 */
export function nextSigningSettings(now: SigningSettings | undefined, step: RotationStep, newKey?: KeyRef): {settings: SigningSettings; event: RaptrEvent; message: string} {
  const r = now?.rotation
  if (step === 'start') {
    if (!now) throw new RaptrError('NO_SIGNING_KEY', 'the archive names no signing key to rotate from', 'name the key publish signs with now: raptr key use FILE | --gpg KEYID')
    if (r) throw new RaptrError('CONFLICT', `a key rotation is already ${r.step}`, r.step === 'started' ? 'finish it: raptr key rotate --finish' : 'end it: raptr key rotate --drop-old')
    const old = keyRefOf(now)
    if (!newKey) throw new RaptrError('USAGE', 'starting a rotation needs the new key', 'raptr key rotate --new FILE | --gpg KEYID')
    if (JSON.stringify(old) === JSON.stringify(newKey)) throw new RaptrError('BAD_ARGUMENT', `the new key is the one publish signs with already (${describeKey(old)})`, 'give another key')
    return {
      settings: {...old, rotation: {step: 'started', old, new: newKey}},
      event: {v: 1, type: 'KeyRotationStarted', old, new: newKey},
      message: `key rotation started: ${describeKey(old)} and ${describeKey(newKey)} both sign`,
    }
  }
  if (step === 'finish') {
    if (r?.step !== 'started') throw new RaptrError('CONFLICT', r ? 'the key rotation is finished already' : 'no key rotation is started', r ? 'end it: raptr key rotate --drop-old' : 'start one: raptr key rotate --new FILE | --gpg KEYID')
    return {settings: {...r.new, rotation: {...r, step: 'finished'}}, event: {v: 1, type: 'KeyRotationFinished', old: r.old, new: r.new}, message: `key rotation finished: ${describeKey(r.new)} signs alone`}
  }
  if (r?.step !== 'finished') throw new RaptrError('CONFLICT', r ? 'the key rotation is not finished' : 'no key rotation to end', r ? 'finish it first: raptr key rotate --finish' : 'see: raptr key status')
  return {settings: {...r.new}, event: {v: 1, type: 'OldKeyDropped', old: r.old, new: r.new}, message: `old key dropped: ${describeKey(r.old)} is no longer published`}
}

/**
 * Moves the archive's key rotation one step, as one commit with its event: `start`
 * (with `newKey`) records both keys, `finish` makes the new key the one publish signs
 * with, `drop-old` forgets the old key. Each step checks the step before it.
 *
 * @example await rotationStep(archive, 'start', {keyFile: '/keys/2027.asc'})
 */
export async function rotationStep(archive: Archive, step: RotationStep, newKey?: KeyRef): Promise<{commit?: string; settings: SigningSettings}> {
  const {commit, result} = await archive.transaction(async (tx) => {
    const text = await tx.read(SIGNING_PATH)
    const next = nextSigningSettings(text === undefined ? undefined : parseJsonFile(SigningSettings, text, SIGNING_PATH), step, newKey)
    tx.write(SIGNING_PATH, json(next.settings))
    return {message: next.message, events: [next.event], result: next.settings}
  })
  return {commit, settings: result}
}
