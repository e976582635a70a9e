/**
 * One GET over http(s) for import, bounded three ways in time and one in size: the
 * connection must be made within the connect timeout; the server must send a byte (the
 * response head, then body data) at least every idle timeout; the whole file must arrive
 * within the total timeout; and the body may not pass `maxBytes`. A server that accepts
 * and never answers, trickles a byte a second, or sends an endless body ends in one line,
 * exit 4 (a size past the cap: exit 2), never a hang or an exhausted heap.
 */
import http from 'node:http'
import https from 'node:https'

import {RaptrError} from '../errors.js'
import {tooLarge, type CapName} from '../limits.js'
import type {HttpTimeouts} from './source.js'

const MAX_REDIRECTS = 5

/** One GET's bounds, and where the body goes. */
export interface HttpGetOptions {
  timeouts: HttpTimeouts
  maxBytes: number
  /** The cap a refusal names (default: `index`). */
  cap?: CapName
  /**
   * Takes the body chunk by chunk (the response paused until each write settles) instead
   * of it being collected: then the result is an empty array, or undefined when missing.
   */
  write?: (chunk: Uint8Array) => Promise<void>
}

/**
 * The body at `url`, or undefined for 404/403 (the repository has no such file).
 *
 * @example const bytes = await httpGet('http://127.0.0.1:8080/dists/stable/Release', {timeouts: {connect: 10, idle: 30, total: 600}, maxBytes: 1 << 20})
 */
export async function httpGet(url: string, opts: HttpGetOptions): Promise<Uint8Array | undefined> {
  let current = url
  for (let hop = 0; ; hop++) {
    const res = await getOnce(current, opts)
    if (res.kind === 'body') return res.body
    if (res.kind === 'missing') return undefined
    if (hop >= MAX_REDIRECTS) throw new RaptrError('BACKEND_ERROR', `cannot fetch ${url}: more than ${MAX_REDIRECTS} redirects`, 'check the URL')
    const next = new URL(res.location, current).toString()
    if (!/^https?:/.test(next)) throw new RaptrError('BACKEND_ERROR', `cannot fetch ${url}: redirected to ${next}`, 'import from an http(s):// URL that stays on http(s)')
    // Never from https to plain http: what TLS protected on the way would travel in the clear.
    if (current.startsWith('https:') && next.startsWith('http:')) {
      throw new RaptrError('BACKEND_ERROR', `cannot fetch ${url}: redirected from https to plain http (${next})`, 'the server downgrades the connection; import from a URL that stays on https')
    }
    current = next
  }
}

type Outcome = {kind: 'body'; body: Uint8Array} | {kind: 'missing'} | {kind: 'redirect'; location: string}

function timeoutError(url: string, what: string, flag: string, env: string): RaptrError {
  return new RaptrError('BACKEND_ERROR', `cannot fetch ${url}: ${what}`, `the server is too slow or not answering; try again later, or allow more with ${flag} N (or ${env})`, {url})
}

/** One request; follows nothing. Every timer is cleared and the socket destroyed on the way out. */
function getOnce(url: string, opts: HttpGetOptions): Promise<Outcome> {
  const {timeouts, maxBytes, write} = opts
  const cap = opts.cap ?? 'index'
  return new Promise<Outcome>((resolve, reject) => {
    const lib = url.startsWith('https:') ? https : http
    let settled = false
    let idleTimer: NodeJS.Timeout | undefined
    const timers: NodeJS.Timeout[] = []
    const finish = (error: Error | undefined, outcome?: Outcome): void => {
      if (settled) return
      settled = true
      for (const t of timers) clearTimeout(t)
      if (idleTimer) clearTimeout(idleTimer)
      if (error) {
        req.destroy()
        reject(error)
      } else resolve(outcome as Outcome)
    }
    const idle = (): void => {
      if (idleTimer) clearTimeout(idleTimer)
      idleTimer = setTimeout(() => finish(timeoutError(url, `no data for ${timeouts.idle} s (idle timeout)`, '--idle-timeout', 'RAPTR_HTTP_IDLE_TIMEOUT')), timeouts.idle * 1000)
    }
    const req = lib.get(url, {headers: {'user-agent': 'raptr', accept: '*/*'}})
    timers.push(setTimeout(() => finish(timeoutError(url, `not finished within ${timeouts.total} s (timeout)`, '--timeout', 'RAPTR_HTTP_TIMEOUT')), timeouts.total * 1000))
    const connectTimer = setTimeout(() => finish(timeoutError(url, `no connection within ${timeouts.connect} s (connect timeout)`, '--connect-timeout', 'RAPTR_HTTP_CONNECT_TIMEOUT')), timeouts.connect * 1000)
    timers.push(connectTimer)
    req.on('socket', (socket) => {
      const connected = (): void => {
        clearTimeout(connectTimer)
        // From here the server must answer: waiting for the head counts as idle time.
        idle()
      }
      if (!socket.connecting) connected()
      else socket.once(url.startsWith('https:') ? 'secureConnect' : 'connect', connected)
    })
    req.on('error', (error) => finish(new RaptrError('BACKEND_ERROR', `cannot reach ${url} (${error.message})`, 'check the URL and the network', {url})))
    req.on('response', (res) => {
      idle()
      const status = res.statusCode ?? 0
      if (status === 404 || status === 403) {
        res.resume()
        return finish(undefined, {kind: 'missing'})
      }
      if ([301, 302, 303, 307, 308].includes(status) && res.headers.location) {
        res.resume()
        return finish(undefined, {kind: 'redirect', location: res.headers.location})
      }
      if (status < 200 || status >= 300) {
        res.resume()
        return finish(new RaptrError('BACKEND_ERROR', `${url}: HTTP ${status}`, 'try again later, or check the URL', {url}))
      }
      const length = Number(res.headers['content-length'])
      if (Number.isFinite(length) && length > maxBytes) return finish(tooLarge(cap, `${url} is`, maxBytes))
      const chunks: Buffer[] = []
      let total = 0
      // With a writer: the chunks written so far, in order; a failed write ends the GET.
      let written = Promise.resolve()
      res.on('data', (chunk: Buffer) => {
        if (settled) return
        idle()
        total += chunk.length
        if (total > maxBytes) return finish(tooLarge(cap, `${url} is`, maxBytes))
        if (!write) return void chunks.push(chunk)
        res.pause()
        written = written.then(() => write(chunk)).then(() => void (settled || res.resume()))
        written.catch((error: Error) => finish(error))
      })
      res.on('end', () => {
        if (!res.complete) return finish(new RaptrError('BACKEND_ERROR', `cannot fetch ${url}: the connection closed before the end of the file`, 'try again later', {url}))
        written.then(() => finish(undefined, {kind: 'body', body: write ? new Uint8Array() : Buffer.concat(chunks, total)}), (error: Error) => finish(error))
      })
      res.on('error', (error) => finish(new RaptrError('BACKEND_ERROR', `cannot fetch ${url} (${error.message})`, 'try again later, or check the URL', {url})))
      res.on('aborted', () => finish(new RaptrError('BACKEND_ERROR', `cannot fetch ${url}: the connection closed before the end of the file`, 'try again later', {url})))
    })
  })
}
