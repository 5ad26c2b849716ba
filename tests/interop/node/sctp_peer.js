#!/usr/bin/env node
'use strict'
// The npm package sctp 1.0.0 (plain JavaScript, RFC 4960) as a peer of the
// shared interop scenarios (../peer_common.h, ./common.js): the same options
// and output lines as tern_peer and usrsctp_peer, so run_scenario.sh runs it
// unchanged. SCTP over plain UDP: the package's udpTransport option with a
// dgram socket (no UDP encapsulation header: the UDP payload is the SCTP
// packet, as RFC 6951 and Tern's UDP mode have it).
//
// What the package's socket API (lib/sockets.js) gives and what it lacks:
//  - setup: sctp.connect / new Socket().connect with udpTransport; a server
//    in UDP mode is a "passive" connect (Server.listen has no UDP support,
//    sockets.js:450 "TODO UDP");
//  - shutdown is socket.end() (_final -> Association.SHUTDOWN), abort is
//    socket.destroy() (_destroy -> Association.ABORT, which always carries a
//    User-Initiated Abort cause);
//  - sending: Socket._write passes only the stream id (sockets.js:118-127),
//    never the unordered flag (the documented "unordered" socket option is
//    stored and ignored), so messages are sent one layer below, with
//    Association.SEND(buffer, {stream_id, ppid, unordered}, callback) — the
//    call Socket._write makes, plus the flag;
//  - receiving: socket 'data' buffers carry the PPID but not the stream id
//    and the library never reports the U flag, so messages are taken from
//    the association's Reassembly 'data' event (buffer, stream id, PPID) and
//    the U flag is recorded by a wrapper of Reassembly.reassemble (below);
//  - the end of the association and an ABORT's error causes are only on the
//    association's events ('SHUTDOWN COMPLETE', 'COMMUNICATION LOST' with the
//    causes); the socket turns both into a bare 'end'.
//  - its receive window (a_rwnd) is the socket's readableHighWaterMark
//    (sockets.js:229), 16 KiB by default, and the package cannot reassemble
//    a message larger than its window (reassembly.js:47-66 drops every new
//    TSN once the window is used up, so the message never completes): the
//    window is raised through the Duplex option readableHighWaterMark.
const dgram = require('dgram')
let sctp
try {
  sctp = require('sctp')
} catch (e) {
  process.stdout.write(`error: sctp_peer: npm package sctp not found (${e.code}; NODE_PATH=${process.env.NODE_PATH || ''})\n`)
  process.exit(1)
}
const Reassembly = require('sctp/lib/reassembly')
const Endpoint = require('sctp/lib/endpoint')
const Association = require('sctp/lib/association')
const SN = require('sctp/lib/serial')
const { parseArgs, say, die, fill, Rx } = require('./common')

const o = parseArgs('sctp_peer', process.argv.slice(2))

// The library reports no U flag: remember the flag of the DATA chunk whose
// arrival completes the message(s) delivered by this call. (The scan
// matches fragments by stream and SSN only, so this is exact as long as a
// stream does not mix ordered and unordered messages, as in every scenario.)
const reassemble = Reassembly.prototype.reassemble
Reassembly.prototype.reassemble = function (chunk, tsn) {
  this.tern_unordered = !!chunk.flags.U
  return reassemble.call(this, chunk, tsn)
}

// Monkeypatch (sctp 1.0.0 bug, RFC 9260 §9.2): the SHUTDOWN receiver
// ignores the SHUTDOWN's Cumulative TSN Ack (association.js:740 "TODO check
// c_tsn_ack"; §9.2: "verify, by checking the Cumulative TSN Ack field of the
// chunk, that all its outstanding DATA chunks have been received"), and when
// it enters SHUTDOWN-RECEIVED with DATA outstanding it never sends the
// SHUTDOWN ACK: onSack (association.js:572-584) only finishes
// SHUTDOWN-PENDING, and the peer's retransmitted SHUTDOWNs are discarded
// (association.js:729-736, RFC 4960's "should discard subsequent SHUTDOWN
// chunks"; RFC 9260 §9.2: "MUST continue responding to SHUTDOWN chunks").
// So a peer that sends SHUTDOWN right after our last DATA, acknowledging it
// in the SHUTDOWN rather than in a SACK first (legal, §9.2: the Cumulative
// TSN Ack field carries "the last sequential TSN it has received from the
// peer"), is never answered: the association hangs in SHUTDOWN-RECEIVED.
// Tern does exactly that when its delayed SACK is pending. The patch: the
// SHUTDOWN's Cumulative TSN Ack acknowledges DATA as a SACK's does, and the
// SHUTDOWN ACK goes out as soon as nothing is outstanding (§9.2: "If the
// receiver of the SHUTDOWN chunk has no more outstanding DATA chunks, the
// SHUTDOWN chunk receiver MUST send a SHUTDOWN ACK chunk").
function ackUpTo (a, cumTsn) {
  if (!Number.isInteger(cumTsn)) return
  const cum = new SN(cumTsn)
  for (const tsn in a.sent) {
    const t = new SN(Number(tsn))
    if (t.le(cum)) a._acknowledge(t)
  }
  if (Object.keys(a.sent).length === 0) {
    a.flightsize = 0 // as onSack does (the sizes it adds and subtracts differ by padding)
    a._stopT3()
  }
  if (a.drainCallback && a.drain()) { // as onSack does: a waiting SEND completes
    const cb = a.drainCallback
    delete a.drainCallback
    cb()
  }
}
function shutdownAckIfDone (a, source) {
  if (a.state !== 'SHUTDOWN-RECEIVED' || Object.keys(a.sent).length > 0) return
  a.flightsize = 0
  a._stopT3()
  a.state = 'SHUTDOWN-ACK-SENT'
  a._sendChunk('shutdown_ack', {}, source)
  a._startT2()
}
const onShutdown = Association.prototype.onShutdown
Association.prototype.onShutdown = function (chunk, source) {
  if (this.state === 'ESTABLISHED' || this.state === 'SHUTDOWN-RECEIVED') ackUpTo(this, chunk.c_tsn_ack)
  const again = this.state === 'SHUTDOWN-RECEIVED' // the original discards it
  onShutdown.call(this, chunk, source)
  if (again) shutdownAckIfDone(this, source)
}
const onSack = Association.prototype.onSack
Association.prototype.onSack = function (chunk, source) {
  onSack.call(this, chunk, source)
  shutdownAckIfDone(this, source)
}

// Receive window (the package's a_rwnd counts only what it holds for
// reassembly, and it must hold a whole message until the last fragment):
// twice the largest message plus 64 KiB, at least 128 KiB.
const RWND = Math.max(2 * o.size + 65536, 128 * 1024)

const udp = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 })
udp.on('error', e => die(`udp: ${e.message}`))

let assoc = null
let ended = null // 'shutdown' | 'abort'
let sentAll = false
let closing = false
const rx = new Rx(o)

function exitOk () {
  say(`ok ${o.count} messages verified, end: ${ended}`)
  // Let the last datagram (SHUTDOWN COMPLETE, ABORT) leave before exiting.
  const bye = () => {
    if (udp.getSendQueueCount() > 0) return setTimeout(bye, 10)
    process.stdout.write('', () => process.exit(0))
  }
  bye()
}

function onEnd (how, causes) {
  if (ended) return
  ended = how
  if (how === 'abort') {
    const c = Array.isArray(causes) && causes.length ? causes[0].cause_code : 0
    say(`event: COMM_LOST (error cause ${c})`)
  } else {
    say('event: SHUTDOWN_COMP')
  }
  if (closing) {
    if (how !== o.close) die(`our ${o.close} ended in ${how}`)
    return exitOk()
  }
  if (!rx.done || !sentAll) {
    die(`association ended (${how}) after ${rx.got} of ${o.count} messages received, ` +
        `${sentAll ? 'all' : 'not all'} sent`)
  }
  if (how !== o.expect) die(`the association ended in ${how}, expected ${o.expect}`)
  exitOk()
}

// Sends message i, then the next once the library's SEND callback says the
// message is out and the window has room. SEND fails with "flightsize >=
// cwnd" when the congestion window is full: retried on the next SACK.
function sendFrom (i) {
  if (i >= o.count) {
    sentAll = true
    return afterSend()
  }
  const sid = i % o.streams
  const buf = fill(o.size, i, sid)
  const attempt = () => {
    if (ended) return
    assoc.SEND(buf, { stream_id: sid, ppid: i + o.ppidBase, unordered: o.unordered }, err => {
      if (!err) return sendFrom(i + 1)
      if (/flightsize .* >= cwnd/.test(err.message)) return assoc.once('sack', attempt)
      die(`send #${i}: ${err.message}`)
    })
  }
  attempt()
}

function afterSend () {
  if (o.close) {
    if (rx.done) closeNow()
  }
}

function closeNow () {
  if (closing) return
  closing = true
  if (o.close === 'abort') {
    sock.destroy() // Association.ABORT: ABORT with a User-Initiated Abort cause
    ended = 'abort' // our own end: nothing comes back
    exitOk()
  } else {
    sock.end() // Association.SHUTDOWN; ends with 'SHUTDOWN COMPLETE'
  }
}

function onMessage (buf, sid, ppid, unordered) {
  if (ended) return
  if (rx.done) die(o.close ? 'data after our last message was received' : 'more data than expected')
  const err = rx.check(buf, sid, ppid, unordered)
  if (err) die(err)
  if (!rx.done) return
  if (o.close) {
    if (sentAll) closeNow()
  } else {
    sendFrom(0)
  }
}

let sock = null

// The package's socket on an association: its events and ours.
function attach (s) {
  sock = s
  sock.on('error', e => die(`socket: ${e ? e.message : 'ERROR chunk received (COMMUNICATION ERROR)'}`))
  sock.resume() // the messages are read from the association below
  sock.on('connect', () => {
    assoc = sock.association
    say(`associated (a_rwnd ${assoc.a_rwnd}, peer a_rwnd ${assoc.peer_rwnd}, ${assoc.OS} streams out)`)
    if (assoc.OS < o.streams) die(`only ${assoc.OS} outbound streams, need ${o.streams}`)
    assoc.reassembly.on('data', function (buf, sid, ppid) {
      onMessage(buf, sid, ppid, this.tern_unordered)
    })
    assoc.on('COMMUNICATION LOST', (event, causes) => onEnd('abort', causes))
    assoc.on('SHUTDOWN COMPLETE', () => onEnd('shutdown'))
    if (o.close) sendFrom(0)
  })
}

const udpPeer = { address: o.addr, port: o.remoteUdpPort }
udp.bind(o.udpPort, '127.0.0.1', () => {
  if (!o.server) {
    const s = new sctp.Socket({ readableHighWaterMark: RWND })
    attach(s)
    s.connect({ localPort: o.port, port: o.port, OS: o.streams, MIS: 1024, udpTransport: udp, udpPeer })
    return
  }
  // The server: what sctp.Server.listen does (sockets.js:435-478), with the
  // UDP transport it does not pass on (sockets.js:450 "TODO UDP"). The
  // package's other UDP server, a passive connect, takes only a peer that
  // uses the same SCTP port (sockets.js:243), and Tern's client port is
  // ephemeral. (Server sockets also get no say in their receive window:
  // Server passes no a_rwnd; here the endpoint gets it.)
  Endpoint.INITIALIZE({ localPort: o.port, OS: o.streams, MIS: 1024, a_rwnd: RWND },
    { udpTransport: udp, udpPeer }, (err, endpoint) => {
      if (err) die(`listen: ${err.message}`)
      endpoint.on('association', association => {
        if (sock) return association.ABORT('sctp_peer: one association only')
        const s = new sctp.Socket({ readableHighWaterMark: RWND })
        attach(s)
        s.establish(endpoint, association)
      })
      say(`listening on port ${o.port} (UDP encapsulation port ${o.udpPort})`)
    })
})
