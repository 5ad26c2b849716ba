'use strict'
// The shared part of the Node.js interop peers (werift_peer.js, sctp_peer.js):
// the options, payloads and checks of ../peer_common.h, so run_scenario.sh
// runs a Node.js peer exactly like tern_peer or usrsctp_peer.
//
// Options: --role server|client [--addr A] [--port P] --udp-port L
//   --remote-udp-port R [--count N] [--size S] [--streams K] [--unordered]
//   [--close shutdown|abort|wait] [--expect shutdown|abort] [--timeout SEC]
//   [--ppid-base B]
// The exchange: the side that closes (--close shutdown|abort) sends its
// --count messages first, then receives --count; the other side receives
// first, then sends, then waits for the end, which must be --expect.
// Message i goes on stream i % streams with PPID i + B (--ppid-base B, 1); its first 4 bytes
// are i (big-endian), byte j >= 4 is (i * 7 + j * 13 + stream) & 0xff.
// Output lines (stdout): "listening ...", "associated",
// "event: COMM_LOST (error cause N)" when the peer's library reports it,
// then "ok N messages verified, end: shutdown|abort" or "error: PROG: ...".
// Exit: 0 ok, 1 error, 2 usage, 3 timeout.

let progName = 'peer'

function say (msg) { process.stdout.write(msg + '\n') }

// Prints "error: PROG: msg" and exits 1 once stdout is flushed.
function die (msg) {
  process.stdout.write(`error: ${progName}: ${msg}\n`, () => process.exit(1))
  setTimeout(() => process.exit(1), 1000).unref()
}

function usage () {
  process.stderr.write(`usage: ${progName} --role server|client [--addr A] [--port P] --udp-port L
       --remote-udp-port R [--count N] [--size S] [--streams K] [--unordered]
       [--close shutdown|abort|wait] [--expect shutdown|abort] [--timeout SEC]
       [--ppid-base B]\n`)
  process.exit(2)
}

function num (s, max) {
  if (!/^\d+$/.test(String(s))) usage()
  const v = Number(s)
  if (v > max) usage()
  return v
}

function parseEnd (s) {
  if (s === 'shutdown' || s === 'abort') return s
  if (s === 'wait') return null
  usage()
}

// Returns the options; arms the --timeout alarm ("error: timed out (alarm)", exit 3).
function parseArgs (prog, argv) {
  progName = prog
  const o = {
    server: false, addr: '127.0.0.1', port: 5001, udpPort: 0, remoteUdpPort: 0,
    count: 1, size: 100, streams: 1, unordered: false, close: null, expect: null, timeout: 60, ppidBase: 1
  }
  let role = false
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--unordered') { o.unordered = true; continue }
    if (i + 1 >= argv.length) usage()
    const v = argv[++i]
    switch (a) {
      case '--role':
        if (v !== 'server' && v !== 'client') usage()
        o.server = v === 'server'; role = true; break
      case '--addr': o.addr = v; break
      case '--port': o.port = num(v, 65535); break
      case '--udp-port': o.udpPort = num(v, 65535); break
      case '--remote-udp-port': o.remoteUdpPort = num(v, 65535); break
      case '--count': o.count = num(v, 10000000); break
      case '--size': o.size = num(v, 64 << 20); break
      case '--streams': o.streams = num(v, 65535); break
      case '--close': o.close = parseEnd(v); break
      case '--expect': o.expect = parseEnd(v); break
      case '--timeout': o.timeout = num(v, 3600); break
      case '--ppid-base': o.ppidBase = num(v, 1 << 30); break
      default: usage()
    }
  }
  if (!role || o.size < 4 || o.streams === 0 || !o.udpPort || !o.remoteUdpPort) usage()
  if ((o.close === null) === (o.expect === null)) usage() // exactly one of them
  setTimeout(() => {
    process.stdout.write('error: timed out (alarm)\n', () => process.exit(3))
  }, o.timeout * 1000).unref()
  return o
}

// Message i of the exchange (a new Buffer of size bytes).
function fill (size, i, sid) {
  const b = Buffer.allocUnsafe(size)
  b.writeUInt32BE(i >>> 0, 0)
  for (let j = 4; j < size; j++) b[j] = (i * 7 + j * 13 + sid) & 0xff
  return b
}

// Checks received messages as peer_rx_check does: size, index once, stream,
// PPID, ordered flag (when the library reports it), every byte, and order
// per stream for ordered messages.
class Rx {
  constructor (o) {
    this.o = o
    this.seen = new Uint8Array(o.count || 1)
    this.lastPerSid = new Array(o.streams).fill(-1)
    this.got = 0
  }

  // unordered: true / false, or undefined when the library does not say.
  // Returns null, or the error text.
  check (buf, sid, ppid, unordered) {
    const o = this.o
    if (buf.length !== o.size) return `message #${this.got}: ${buf.length} bytes, want ${o.size}`
    const i = buf.readUInt32BE(0)
    if (i >= o.count || this.seen[i]) return `message index ${i} ${i >= o.count ? 'out of range' : 'twice'}`
    if (sid !== i % o.streams || ppid !== i + o.ppidBase ||
        (unordered !== undefined && unordered !== o.unordered)) {
      const u = (x) => x === undefined ? '' : x ? ' unordered' : ' ordered'
      return `message ${i}: stream ${sid} ppid ${ppid}${u(unordered)}, want stream ${i % o.streams} ppid ${i + o.ppidBase}${u(o.unordered)}`
    }
    for (let j = 4; j < buf.length; j++) {
      if (buf[j] !== ((i * 7 + j * 13 + sid) & 0xff)) return `message ${i}: byte ${j} is ${buf[j]}`
    }
    if (!o.unordered) {
      if (i <= this.lastPerSid[sid]) return `message ${i} on stream ${sid} after ${this.lastPerSid[sid]}: out of order`
      this.lastPerSid[sid] = i
    }
    this.seen[i] = 1
    this.got++
    return null
  }

  get done () { return this.got === this.o.count }
}

module.exports = { parseArgs, say, die, fill, Rx }
