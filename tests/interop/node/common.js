'use strict'
// Shared part of the Node.js interop peers (werift_peer.js, sctp_peer.js):
// option parsing, the payload pattern and its checker, the exit protocol.
//
// A generated message for (stream s, sequence q) of size n is
//   bytes 0..3  s (u32 BE), 4..7 q (u32 BE), byte i >= 8 = (s * 31 + q * 7 + i) & 0xff
// so a receiver verifies every byte and that each (s, q) arrives exactly once.
//
// Prints "listening" once the UDP socket is bound (and, for a server, the SCTP
// endpoint waits for INIT), "connected" when the association is up, and a final
// "ok N messages verified" (or "ok ..." for the other modes). Exit codes:
// 0 ok, 1 verification or protocol failure, 2 usage, 3 timeout.

function usage (name) {
  return `usage: ${name} --role server|client --local-udp-port N --remote-udp-port N
  [--host 127.0.0.1] [--port 5000 (SCTP port, both sides)]
  [--mode echo|source|sink|abort|wait-abort|shutdown|wait-shutdown]
  [--count N] [--size S] [--streams K] [--unordered] [--timeout SEC]
modes:
  echo           send every message received back on the same stream; ends when
                 the peer shuts down or aborts ("ok N messages echoed")
  source         send --count messages of --size bytes round-robin on --streams
                 streams, expect each back (peer echoes), verify; then shut down
  sink           receive and verify --count generated messages
  abort          once established, send ABORT and exit
  wait-abort     once established, wait for the peer's ABORT ("ok aborted by peer")
  shutdown       once established, shut down gracefully
  wait-shutdown  once established, wait for the peer's SHUTDOWN`
}

function parseSize (s) {
  const m = /^(\d+)([kKmM]?)$/.exec(String(s))
  if (!m) throw new Error(`bad size ${s}`)
  const mul = { '': 1, k: 1024, K: 1024, m: 1048576, M: 1048576 }[m[2]]
  return Number(m[1]) * mul
}

function parseArgs (name, argv) {
  const o = {
    role: null, localUdpPort: 0, remoteUdpPort: 0, host: '127.0.0.1', port: 5000,
    mode: 'echo', count: 1000, size: 64, streams: 1, unordered: false, timeout: 30
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const v = () => { if (i + 1 >= argv.length) die(2, `${a} needs a value`); return argv[++i] }
    switch (a) {
      case '--role': o.role = v(); break
      case '--local-udp-port': o.localUdpPort = Number(v()); break
      case '--remote-udp-port': o.remoteUdpPort = Number(v()); break
      case '--host': o.host = v(); break
      case '--port': o.port = Number(v()); break
      case '--mode': o.mode = v(); break
      case '--count': o.count = Number(v()); break
      case '--size': o.size = parseSize(v()); break
      case '--streams': o.streams = Number(v()); break
      case '--unordered': o.unordered = true; break
      case '--timeout': o.timeout = Number(v()); break
      case '-h': case '--help': console.log(usage(name)); process.exit(0); break
      default: die(2, `unknown option ${a}\n${usage(name)}`)
    }
  }
  if (!['server', 'client'].includes(o.role)) die(2, `--role server|client\n${usage(name)}`)
  if (!o.localUdpPort || !o.remoteUdpPort) die(2, '--local-udp-port and --remote-udp-port are required')
  if (!['echo', 'source', 'sink', 'abort', 'wait-abort', 'shutdown', 'wait-shutdown'].includes(o.mode)) die(2, `bad mode ${o.mode}`)
  if ((o.mode === 'source' || o.mode === 'sink') && o.size < 8) die(2, '--size must be >= 8')
  o.status = () => ''
  const t = setTimeout(() => die(3, `timeout after ${o.timeout} s ${o.status()}`), o.timeout * 1000)
  t.unref()
  return o
}

function die (code, msg) {
  if (msg) console.error(`${code === 0 ? '' : 'FAIL: '}${msg}`)
  process.exit(code)
}

function makeMessage (s, q, n) {
  const b = Buffer.allocUnsafe(n)
  b.writeUInt32BE(s, 0)
  b.writeUInt32BE(q, 4)
  for (let i = 8; i < n; i++) b[i] = (s * 31 + q * 7 + i) & 0xff
  return b
}

// Checks generated messages: each (stream, seq) once, right stream, every byte.
class Verifier {
  constructor (count, size, streams) {
    this.count = count; this.size = size; this.streams = streams
    this.seen = new Set(); this.n = 0
  }

  check (stream, data) {
    if (data.length !== this.size) return `message of ${data.length} bytes, expected ${this.size}`
    const s = data.readUInt32BE(0); const q = data.readUInt32BE(4)
    if (s !== stream) return `message for stream ${s} arrived on stream ${stream}`
    if (q >= this.count || q % this.streams !== s % this.streams) return `bad sequence ${q} on stream ${s}`
    if (this.seen.has(q)) return `duplicate message ${q}`
    for (let i = 8; i < data.length; i++) {
      if (data[i] !== ((s * 31 + q * 7 + i) & 0xff)) return `message ${q}: byte ${i} differs`
    }
    this.seen.add(q); this.n++
    return null
  }

  get done () { return this.n === this.count }
}

module.exports = { parseArgs, die, makeMessage, Verifier }
