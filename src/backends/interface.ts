/**
 * One interface for every place raptr publishes to. Types only.
 *
 * Keys are '/'-separated paths relative to the backend's root (`pool/ab/bafk….deb`,
 * `dists/production/InRelease`), never starting with '/', never containing '..'.
 */

export interface ObjectInfo {
  key: string
  size: number
  /** Last modification time, when the backend knows it (purge's grace period needs it). */
  modified?: Date
}

/** How an object should be served; backends that cannot express a hint ignore it. */
export interface PutOptions {
  contentType?: string
  /** Immutable objects (pool, by-hash, pinned snapshots) get a long cache lifetime; pointers a short one. */
  immutable?: boolean
  /** MD5 of the body, base64, when the caller has it already (S3 sends it as Content-MD5). */
  md5Base64?: string
  /**
   * The caller calls `sync()` before anything that refers to this object becomes
   * visible, so the backend may hold back making it durable until then (a directory
   * batches its fsyncs). Readers still never see part of the object.
   */
  batched?: boolean
  /**
   * putFile only: the source file never changes (raptr's blob cache), so a backend on
   * the same filesystem may hard-link it instead of copying the bytes.
   */
  immutableSource?: boolean
}

export interface BackendProperties {
  /** The URL the backend was opened with (file:///dir, s3://bucket/prefix). */
  url: string
  /** The URL apt clients fetch from (file:///dir, https://bucket.s3.region.amazonaws.com/prefix). */
  publicUrl: string
  /** A short human name for messages. */
  name: string
}

/**
 * Symbolic links, on a backend that has them (a directory; S3 has none). A link makes one
 * published path serve what another holds without a copy: a snapshot root's `pool`.
 */
export interface BackendLinks {
  /**
   * Makes `key` a symbolic link to `target`, a path relative to `key`'s directory that
   * stays inside the backend, replacing a link already there in one step.
   */
  set(key: string, target: string): Promise<void>
  /** Every symbolic link under `prefix` (never followed), with its target, in key order. */
  list(prefix: string): AsyncIterable<{key: string; target: string}>
}

export interface Backend {
  readonly properties: BackendProperties

  /** Symbolic links, where the backend has them; `remove` removes a link, never what it names. */
  readonly links?: BackendLinks

  /** Size (and time) of the object, or undefined when it does not exist. */
  stat(key: string): Promise<ObjectInfo | undefined>

  /** The object's bytes, or undefined when it does not exist. */
  get(key: string): Promise<Uint8Array | undefined>

  /** The object's bytes as a stream with its size, or undefined when it does not exist (where the backend can stream). */
  openRead?(key: string): Promise<{size: number; body: AsyncIterable<Uint8Array>} | undefined>

  /**
   * Writes (or replaces) an object so that readers see the old bytes or the new ones,
   * never a part. The backend verifies what it stored (S3: Content-MD5).
   */
  put(key: string, data: Uint8Array, opts?: PutOptions): Promise<void>

  /** Like put, streaming a local file (pool blobs can be large). */
  putFile(key: string, file: string, opts?: PutOptions): Promise<void>

  /**
   * Creates an object only if no object has that key (S3: If-None-Match: *). Returns
   * false, writing nothing, when it exists. Exactly one of several concurrent callers
   * for one key gets true.
   */
  putIfAbsent(key: string, data: Uint8Array, opts?: PutOptions): Promise<boolean>

  /** Copies an object inside the backend without sending its bytes again (hard link, S3 CopyObject). */
  copy(fromKey: string, toKey: string, opts?: PutOptions): Promise<void>

  /** Every object whose key starts with `prefix`, in key order. */
  list(prefix: string): AsyncIterable<ObjectInfo>

  /** Deletes objects; keys that do not exist are not an error. */
  remove(keys: string[]): Promise<void>

  /** Makes every `batched` write so far durable (a no-op where each write already is). */
  sync(): Promise<void>
}

/** Settings a backend may need besides its URL (stored with the backend in the archive). */
export interface BackendOptions {
  /** S3 region, e.g. eu-west-1. */
  region?: string
  /** S3-compatible endpoint, e.g. http://localhost:9000 (MinIO). */
  endpoint?: string
  /** Address the bucket in the path instead of the host name (most S3-compatible servers). */
  pathStyle?: boolean
  /** Where apt clients fetch from, when it differs from the backend's own URL. */
  publicUrl?: string
  /** A short human name for messages (the backend's name in the archive). */
  name?: string
  /** S3 server-side encryption for every object. */
  sse?: 'AES256' | 'aws:kms'
  /** S3 storage class for immutable objects (pool, by-hash, pinned); pointers stay STANDARD. */
  storageClass?: string
  /** S3 canned ACL for every object, e.g. public-read for a bucket apt reads anonymously. */
  acl?: 'public-read' | 'private'
  /** Cache-Control for mutable objects (pointers, canonical indexes); immutable ones are cached for a year. */
  cacheControl?: string
  /**
   * How long a failing request is retried before the operation fails (default
   * RAPTR_RETRY_SECONDS, else 60 s).
   */
  retrySeconds?: number
}
