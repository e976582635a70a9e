/** The request log: one entry per HTTP request an S3 client sent (RAPTR_DEBUG_S3_LOG, the onRequest option). */
import fs from 'node:fs'
import type {S3Client} from '@aws-sdk/client-s3'
import {describe} from './s3-errors.js'

/** One HTTP request the backend sent, as the request log records it. */
export interface S3Request {
  /** The S3 operation without the SDK's suffix: PutObject, UploadPart, ListObjectsV2… */
  command: string
  bucket?: string
  /** The key (or list prefix) relative to the backend's prefix. */
  key?: string
  /** DeleteObjects: how many keys the request named. */
  count?: number
  /** HTTP status of the answer; absent when the request failed on the network. */
  status?: number
  /** The S3 error code (BadDigest, NoSuchKey…) or network error code of a failed request. */
  error?: string
}

/** Adds the log to a client; `relative` turns a full key back into the backend's key. */
export function installRequestLog(client: S3Client, relative: (key: string | undefined) => string | undefined, logFile: string | undefined, onRequest: ((request: S3Request) => void) | undefined): void {
  if (!logFile && !onRequest) return
  const record = (entry: S3Request): void => {
    onRequest?.(entry)
    if (logFile) fs.appendFileSync(logFile, `${JSON.stringify(entry)}\n`)
  }
  // The deserialize step runs after signing, right around the HTTP call: one entry per
  // request that actually went out, with the parsed S3 error code when it failed.
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as {Bucket?: string; Key?: string; Prefix?: string; Delete?: {Objects?: unknown[]}}
      const entry: S3Request = {command: (context.commandName ?? 'unknown').replace(/Command$/, ''), bucket: input.Bucket}
      const key = relative(input.Key ?? input.Prefix)
      if (key !== undefined) entry.key = key
      if (input.Delete?.Objects) entry.count = input.Delete.Objects.length
      try {
        const out = await next(args)
        entry.status = (out.response as {statusCode?: number}).statusCode
        return out
      } catch (error) {
        const {name, status} = describe(error)
        if (status !== undefined) entry.status = status
        entry.error = name
        throw error
      } finally {
        record(entry)
      }
    },
    {step: 'deserialize', name: 'raptrRequestLog', priority: 'high'},
  )
}
