import fs from 'node:fs'
import {ListObjectsV2Command, PutObjectCommand} from '@aws-sdk/client-s3'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {buildDeb} from '../helpers/build-packages.js'
import {archiveState, ok, raptr, type RunResult} from '../helpers/cli.js'
import {addS3Backend, gateway, makeBucket, makeS3Archive, s3Client, type S3Archive} from './torture-kit.js'

/**
 * Bad input that needs a real S3 server: a missing bucket, wrong credentials, and a
 * hand-corrupted publication-log entry in a bucket. Each is one line with a hint and
 * exit 4 (5 for verify's damage), and the archive and the bucket are unchanged.
 */

async function bucketState(bucket: string): Promise<string[]> {
  const client = s3Client()
  const out: string[] = []
  let token: string | undefined
  do {
    const page = await client.send(new ListObjectsV2Command({Bucket: bucket, ContinuationToken: token}))
    for (const o of page.Contents ?? []) out.push(`${o.Key} ${o.ETag} ${o.Size} ${o.LastModified?.toISOString()}`)
    token = page.IsTruncated ? page.NextContinuationToken : undefined
  } while (token)
  client.destroy()
  return out.sort()
}

function expectOneErrorLine(res: RunResult, message: RegExp): void {
  const all = `${res.stdout}\n${res.stderr}`
  const lines = all.split('\n')
  const errors = lines.map((l, i) => [l, i] as const).filter(([l]) => /^raptr: (?!note:)|: FAILED: /.test(l))
  expect(errors.map(([l]) => l), all).toHaveLength(1)
  expect(lines[errors[0][1] + 1], all).toMatch(/^\s+hint: \S/)
  expect(all).toMatch(message)
  expect(res.stderr).not.toMatch(/\n\s+at /)
}

describe('bad input against a real S3 server is refused in one line and changes nothing', () => {
  let a: S3Archive
  let bucket: string
  beforeAll(async () => {
    a = makeS3Archive()
    bucket = await makeBucket('raptr-bad')
    addS3Backend(a, 'eu', bucket, 'debian')
    ok(['backend', 'add', 'gone', `s3://raptr-no-such-bucket-${process.pid}/debian`, '--endpoint', gateway(), '--path-style'], {cwd: a.dir})
    ok(['package', 'add', await buildDeb(a.pkgs, {name: 'bad-base', version: '1.0', arch: 'amd64'}), '--category', 'public', '--link', 'production'], {cwd: a.dir})
    ok(['publish', 'eu', '--sign-key', a.key], {cwd: a.dir})
    // a change waiting, so a publish that got through would write
    ok(['package', 'add', await buildDeb(a.pkgs, {name: 'bad-next', version: '1.0', arch: 'amd64'}), '--category', 'public', '--link', 'production'], {cwd: a.dir})
  })
  afterAll(() => {
    if (a) fs.rmSync(a.work, {recursive: true, force: true})
  })

  const cases: Array<{name: string; args: string[]; env?: Record<string, string>; code: number; message: RegExp; corrupt?: boolean}> = [
    {name: 'a bucket that does not exist (publish)', args: ['publish', 'gone'], code: 4, message: /does not exist/},
    {name: 'a bucket that does not exist (verify)', args: ['verify', 'gone'], code: 4, message: /does not exist/},
    {name: 'a wrong secret key', args: ['publish', 'eu'], env: {AWS_SECRET_ACCESS_KEY: 'wrong-secret-wrong-secret'}, code: 4, message: /credentials/i},
    {name: 'an unknown access key', args: ['publish', 'eu'], env: {AWS_ACCESS_KEY_ID: 'RAPTRNOSUCHKEY000001'}, code: 4, message: /credentials/i},
    {name: 'a hand-corrupted publication-log entry in the bucket (publish)', args: ['publish', 'eu'], code: 4, message: /raptr\/log\/production\/0000000001\.json/, corrupt: true},
    {name: 'a hand-corrupted publication-log entry in the bucket (verify)', args: ['verify', 'eu'], code: 5, message: /raptr\/log\/production\/0000000001\.json/, corrupt: true},
  ]
  for (const c of cases) {
    it(c.name, async () => {
      const client = s3Client()
      const entryKey = 'debian/raptr/log/production/0000000001.json'
      let saved: Uint8Array | undefined
      if (c.corrupt) {
        const res = await fetch(`${gateway()}/${bucket}/${entryKey}`)
        saved = new Uint8Array(await res.arrayBuffer())
        await client.send(new PutObjectCommand({Bucket: bucket, Key: entryKey, Body: saved.subarray(0, saved.length >> 1), ACL: 'public-read'}))
      }
      try {
        const archive = archiveState(a.dir)
        const objects = await bucketState(bucket)
        const res = raptr(c.args[0] === 'publish' ? [...c.args, '--sign-key', a.key] : c.args, {cwd: a.dir, env: c.env})
        expect(res.code, `${res.stdout}\n${res.stderr}`).toBe(c.code)
        expectOneErrorLine(res, c.message)
        expect(archiveState(a.dir)).toEqual(archive)
        expect(await bucketState(bucket)).toEqual(objects)
      } finally {
        if (saved) await client.send(new PutObjectCommand({Bucket: bucket, Key: entryKey, Body: saved, ACL: 'public-read'}))
        client.destroy()
      }
    })
  }
})
