/**
 * Checks Release signatures the way apt's gpgv does, with openpgp.js against the
 * public key the backend publishes. openpgp is imported lazily: it is large.
 */
export type PublicKey = Awaited<ReturnType<typeof import('openpgp')['readKey']>>

export async function readPublicKey(armored: string): Promise<PublicKey | undefined> {
  const pgp = await import('openpgp')
  try {
    return await pgp.readKey({armoredKey: armored})
  } catch {
    return undefined
  }
}

/** Why an InRelease does not verify against `key` and match `release`, or undefined when it does. */
export async function checkClearsigned(inRelease: string, release: string, key: PublicKey): Promise<string | undefined> {
  const pgp = await import('openpgp')
  try {
    const message = await pgp.readCleartextMessage({cleartextMessage: inRelease})
    const res = await pgp.verify({message, verificationKeys: key})
    await res.signatures[0].verified
    const signed = String(res.data).replace(/\r\n/g, '\n').replace(/\n+$/, '')
    if (signed !== release.replace(/\n+$/, '')) return 'signed text differs from Release'
    return undefined
  } catch (error) {
    return `bad signature: ${(error as Error).message}`
  }
}

/** Why a detached Release.gpg does not verify over the exact bytes of `release`, or undefined when it does. */
export async function checkDetached(signature: string, release: Uint8Array, key: PublicKey): Promise<string | undefined> {
  const pgp = await import('openpgp')
  try {
    const sig = await pgp.readSignature({armoredSignature: signature})
    const message = await pgp.createMessage({binary: release})
    const res = await pgp.verify({message, signature: sig, verificationKeys: key})
    await res.signatures[0].verified
    return undefined
  } catch (error) {
    return `bad signature: ${(error as Error).message}`
  }
}
