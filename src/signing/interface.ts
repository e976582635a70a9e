/**
 * The signer publish uses for `InRelease` and `Release.gpg`. Types only: the
 * implementation (openpgp-signer.ts) is loaded lazily so the CLI starts fast.
 */

/** Signs Release files with one OpenPGP key that apt clients trust via `signed-by`. */
export interface Signer {
  /** The public key, ASCII-armored (what users download as `KEY.asc`). */
  publicKeyArmored(): string
  /** The public key as binary OpenPGP packets: a valid keyring for `signed-by=` and `gpgv --keyring`. */
  publicKeyBinary(): Uint8Array
  /** The key's fingerprint, 40 uppercase hex digits as gpg prints it. */
  fingerprint(): string
  /** Every key that signs (more than one during a key rotation); absent: just fingerprint(). */
  signingFingerprints?(): string[]
  /**
   * The fingerprints a Release's `Signed-By` field lists (a key rotation); absent: the
   * field is left out. apt restricts which keys may sign the next Release to these.
   */
  signedBy?(): string[] | undefined
  /**
   * `InRelease`: the text clearsigned, in the same layout `gpg --clearsign` writes
   * (LF line endings, `Hash:` header, no blank line before the signature). Lines must
   * not carry trailing whitespace, which the cleartext framework would not sign.
   */
  clearsign(text: string): Promise<string>
  /** `Release.gpg`: an ASCII-armored detached signature over the exact UTF-8 bytes of `text`. */
  detachSign(text: string): Promise<string>
}

/** A freshly generated signing key. */
export interface GeneratedKey {
  /** The algorithm, and why it was chosen (one line). */
  algorithm: string
  privateKeyArmored: string
  publicKeyArmored: string
  fingerprint: string
}
