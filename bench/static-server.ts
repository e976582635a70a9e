/**
 * `node dist/bench/static-server.js DIR`: serves DIR read-only over HTTP on 127.0.0.1
 * (GET and HEAD of files, the literal name a request gives after percent-decoding; 404
 * otherwise), streaming each file, and prints `listening URL`. The import scenario's
 * upstream, in a process of its own so the measured tools never wait on the bench.
 */
import fs from 'node:fs'
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import path from 'node:path'

const base = path.resolve(process.argv[2] ?? '.')
const server = http.createServer((req, res) => {
  let file: string
  try {
    file = path.join(base, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname))
  } catch {
    return void res.writeHead(400).end()
  }
  fs.stat(file, (error, stat) => {
    if (error || !stat.isFile() || !file.startsWith(`${base}${path.sep}`)) return void res.writeHead(404).end()
    res.writeHead(200, {'content-length': stat.size})
    if (req.method === 'HEAD') return void res.end()
    fs.createReadStream(file).pipe(res)
  })
})
server.listen(0, '127.0.0.1', () => console.log(`listening http://127.0.0.1:${(server.address() as AddressInfo).port}`))
