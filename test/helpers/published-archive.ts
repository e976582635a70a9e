/**
 * One way for end-to-end tests to get an archive ready to publish: production
 * (amd64, arm64) with category public, a generated signing key, and optionally a
 * directory backend; plus what tests read back from a published directory.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import {AptClient} from './apt.js'
import {ok, tempDir} from './cli.js'

export interface TestArchive {
  work: string
  dir: string
  /** The directory backend's root (not created until a publish). */
  www: string
  key: string
  /** The public key a publish writes beside the repository. */
  pubKey: string
  /** A scratch directory for package files the test builds. */
  pkgs: string
}

export function makeTestArchive(opts: {directoryBackend?: boolean; origin?: string} = {}): TestArchive {
  const work = tempDir()
  const dir = path.join(work, 'repo')
  const www = path.join(work, 'www')
  const pkgs = path.join(work, 'pkgs')
  fs.mkdirSync(pkgs)
  ok(['init', dir], {cwd: work})
  const origin = opts.origin ? ['--origin', opts.origin, '--label', opts.origin] : []
  ok(['distribution', 'add', 'production', '--architectures', 'amd64,arm64', ...origin], {cwd: dir})
  ok(['category', 'add', 'public', '--to', 'production'], {cwd: dir})
  const key = path.join(work, 'signing.asc')
  ok(['key', 'generate', '--name', 'raptr tests', '--email', 'tests@example.org', '--out', key], {cwd: work})
  if (opts.directoryBackend !== false) ok(['backend', 'add', 'local', `file://${www}`], {cwd: dir})
  return {work, dir, www, key, pubKey: path.join(www, 'raptr.gpg'), pkgs}
}

/** An apt client for `suite` of the directory backend, trusting its published key. */
export function aptForDirectory(s: TestArchive, suite: string, arch = 'amd64'): AptClient {
  const apt = new AptClient({arch})
  apt.configure(`deb [signed-by=/etc/apt/keyrings/raptr.gpg] file://${s.www} ${suite} public`, s.pubKey)
  return apt
}

/** Every file under `dir`: relative path → sha256:inode (a new inode means it was written). */
export function fileTree(dir: string): Map<string, string> {
  const out = new Map<string, string>()
  // A walk of its own, never into a symbolic link (snapshot roots link to dists/ and pool/):
  // recursive readdir follows links to directories on newer Node versions.
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, {withFileTypes: true})) {
      const p = path.join(d, e.name)
      if (e.isDirectory()) walk(p)
      else if (e.isFile()) out.set(path.relative(dir, p), `${crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex')}:${fs.statSync(p).ino}`)
    }
  }
  walk(dir)
  return out
}
