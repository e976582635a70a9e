/**
 * A fault-injecting HTTP proxy between raptr and the test S3 gateway, in toxiproxy's
 * shape: named toxics, chosen per request by a seeded random draw at a given rate, or
 * aimed at particular requests (the Nth PUT, the GET of one key). It listens on
 * 127.0.0.1 only, forwards everything else unchanged (the Host header too, so SigV4
 * signatures still match), records every fault it injected, and stops itself after a
 * number of requests or seconds so a forgotten proxy never outlives its test.
 *
 *   const proxy = await startFaultProxy({target: endpoint, seed: 7, rate: 0.1})
 *   raptr(['backend', 'add', 'eu', 's3://b/p', '--endpoint', proxy.url, '--path-style'], …)
 *   expect(proxy.faults().length).toBeGreaterThan(0)
 *   await proxy.close()
 */
import http from 'node:http'
import type {AddressInfo, Socket} from 'node:net'

export type Toxic =
  /** 503 with S3's SlowDown XML body (and Retry-After when configured); not forwarded. */
  | 'slowdown'
  /** 500 InternalError; not forwarded. */
  | 'error500'
  /** The request reaches the gateway (and takes effect), then the client's connection is reset instead of answered. */
  | 'reset-before-response'
  /** Half the request body is read, then the connection is reset; nothing is forwarded. */
  | 'reset-mid-upload'
  /** 1–3 s of latency, then forwarded normally. */
  | 'delay'
  /** A GET answered with its full Content-Length header but only half the body, then reset. */
  | 'truncate-body'

export const ALL_TOXICS: Toxic[] = ['slowdown', 'error500', 'reset-before-response', 'reset-mid-upload', 'delay', 'truncate-body']

/** A fault aimed at particular requests; the first matching rule with uses left wins. */
export interface FaultRule {
  toxic: Toxic
  method?: string
  /** The request's path after the bucket, e.g. `debian/raptr.asc`; a RegExp matches anywhere in it. */
  key?: string | RegExp
  /** Only the Nth request (1-based) that matches method and key. */
  nth?: number
  /** How many times the rule fires (default 1; Infinity for always). */
  times?: number
  /** reset-before-response: whether the gateway gets the request first (default: a random draw). */
  forward?: boolean
}

export interface FaultProxyOptions {
  /** The gateway, e.g. http://127.0.0.1:7480. */
  target: string
  seed?: number
  /** Probability (0–1) that a request not matched by a rule gets a random toxic. Default 0. */
  rate?: number
  /** The toxics random draws choose from (default all). */
  toxics?: Toxic[]
  /** Seconds sent as Retry-After with SlowDown (none when undefined). */
  retryAfterSeconds?: number
  rules?: FaultRule[]
  /** The proxy closes itself after this many requests (default 100,000)… */
  maxRequests?: number
  /** …or this many seconds (default 900). */
  maxSeconds?: number
}

/** One injected fault, as recorded. */
export interface Fault {
  /** The proxy's request number (1-based). */
  n: number
  method: string
  path: string
  toxic: Toxic
  /** For reset-before-response: whether the gateway got (and answered) the request. */
  forwarded?: boolean
}

export interface FaultProxy {
  /** http://127.0.0.1:PORT, for raptr's --endpoint. */
  url: string
  /** Every fault injected so far. */
  faults(): Fault[]
  /** Faults per toxic. */
  counts(): Partial<Record<Toxic, number>>
  requests(): number
  /** Turns random faults off or on (rules still fire), e.g. for a fault-free final publish. */
  setRate(rate: number): void
  addRule(rule: FaultRule): void
  /** Drops every rule (random faults go on at the set rate). */
  clearRules(): void
  close(): Promise<void>
}

/** mulberry32: the same seed draws the same sequence. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function s3Error(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>fault-proxy</RequestId></Error>`
}

/**
 * Starts the proxy on a free port of 127.0.0.1.
 *
 * @example const proxy = await startFaultProxy({target: 'http://127.0.0.1:7480', seed: 1, rate: 0.1})
 */
export async function startFaultProxy(opts: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(opts.target)
  const random = prng(opts.seed ?? 1)
  let rate = opts.rate ?? 0
  const toxics = opts.toxics ?? ALL_TOXICS
  const rules = (opts.rules ?? []).map((r) => ({...r, left: r.times ?? 1, seen: 0}))
  const maxRequests = opts.maxRequests ?? 100_000
  const recorded: Fault[] = []
  const sockets = new Set<Socket>()
  let count = 0
  let closed = false

  const applicable = (t: Toxic, method: string, hasBody: boolean): boolean =>
    (t !== 'reset-mid-upload' || hasBody) && (t !== 'truncate-body' || method === 'GET')

  const choose = (method: string, path: string, hasBody: boolean): {toxic: Toxic; forward?: boolean} | undefined => {
    for (const r of rules) {
      if (r.left <= 0 || (r.method && r.method !== method)) continue
      if (r.key !== undefined && !(typeof r.key === 'string' ? path === r.key : r.key.test(path))) continue
      r.seen++
      if (r.nth !== undefined && r.seen !== r.nth) continue
      r.left--
      return {toxic: r.toxic, forward: r.forward}
    }
    // Always two draws, so one request's shape does not shift the sequence for the rest.
    const hit = random() < rate
    const pick = random()
    if (!hit) return undefined
    const usable = toxics.filter((t) => applicable(t, method, hasBody))
    return usable.length ? {toxic: usable[Math.floor(pick * usable.length)]} : undefined
  }

  const forward = (req: http.IncomingMessage, body: Buffer): Promise<{status: number; headers: http.IncomingHttpHeaders; body: Buffer}> =>
    new Promise((resolve, reject) => {
      const up = http.request(
        {host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers},
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () => resolve({status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks)}))
          res.on('error', reject)
        },
      )
      up.on('error', reject)
      up.end(body)
    })

  const server = http.createServer((req, res) => {
    const n = ++count
    if (n >= maxRequests) void close()
    const method = req.method ?? 'GET'
    const url = new URL(req.url ?? '/', 'http://proxy')
    // path-style: /BUCKET/KEY; rules speak of KEY
    const path = decodeURIComponent(url.pathname.split('/').slice(2).join('/'))
    const length = Number(req.headers['content-length'] ?? 0)
    const chosen = choose(method, path, length > 1)
    const toxic = chosen?.toxic
    const record = (extra: Partial<Fault> = {}): void => {
      recorded.push({n, method, path, toxic: toxic!, ...extra})
    }
    const reset = (): void => {
      req.socket.resetAndDestroy()
    }

    if (toxic === 'reset-mid-upload') {
      let got = 0
      req.on('data', (c: Buffer) => {
        got += c.length
        if (got >= length / 2 && !req.socket.destroyed) {
          record()
          reset()
        }
      })
      return
    }
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('error', () => {})
    req.on('end', async () => {
      const body = Buffer.concat(chunks)
      try {
        if (toxic === 'slowdown' || toxic === 'error500') {
          record()
          const [status, code, message] = toxic === 'slowdown' ? [503, 'SlowDown', 'Please reduce your request rate.'] : [500, 'InternalError', 'We encountered an internal error. Please try again.']
          const headers: Record<string, string> = {'content-type': 'application/xml'}
          if (toxic === 'slowdown' && opts.retryAfterSeconds !== undefined) headers['retry-after'] = String(opts.retryAfterSeconds)
          res.writeHead(status, headers)
          res.end(method === 'HEAD' ? undefined : s3Error(code, message))
          return
        }
        if (toxic === 'reset-before-response') {
          // Half the time the gateway never sees it; half the time it does and the answer is lost.
          const forwarded = chosen?.forward ?? random() < 0.5
          if (forwarded) await forward(req, body)
          record({forwarded})
          reset()
          return
        }
        if (toxic === 'delay') {
          record()
          await new Promise((r) => setTimeout(r, 1000 + Math.floor(random() * 2000)))
        }
        const up = await forward(req, body)
        if (toxic === 'truncate-body' && up.status === 200 && up.body.length > 1) {
          record()
          res.writeHead(up.status, up.headers)
          res.write(up.body.subarray(0, Math.floor(up.body.length / 2)), () => setTimeout(reset, 20))
          return
        }
        res.writeHead(up.status, up.headers)
        res.end(up.body)
      } catch {
        if (!res.headersSent) res.writeHead(502)
        res.end()
      }
    })
  })
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  // a reset socket emits errors the proxy does not care about
  server.on('clientError', (_e, s) => s.destroy())

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  server.unref()
  const timer = setTimeout(() => void close(), (opts.maxSeconds ?? 900) * 1000)
  timer.unref()

  function close(): Promise<void> {
    if (closed) return Promise.resolve()
    closed = true
    clearTimeout(timer)
    return new Promise((resolve) => {
      server.close(() => resolve())
      for (const s of sockets) s.destroy()
    })
  }

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    faults: () => [...recorded],
    counts: () => {
      const out: Partial<Record<Toxic, number>> = {}
      for (const f of recorded) out[f.toxic] = (out[f.toxic] ?? 0) + 1
      return out
    },
    requests: () => count,
    setRate: (r) => {
      rate = r
    },
    addRule: (r) => rules.push({...r, left: r.times ?? 1, seen: 0}),
    clearRules: () => void rules.splice(0),
    close,
  }
}
