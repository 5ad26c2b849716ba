#!/usr/bin/env node
'use strict'
// Interop peer: werift-sctp 0.0.11 over UDP (the UDP payload is the SCTP
// packet, as Tern's UDP encapsulation and RFC 6951 without the extra
// header), speaking the scenario protocol of ../peer_common.h through
// common.js, so ../run_scenario.sh runs it like tern_peer or usrsctp_peer.
//
// werift-sctp limitations and bugs met here (file:line refer to
// node_modules/werift-sctp/lib/sctp/src/sctp.js of 0.0.11; see werift.cmake):
//  - It cannot initiate a graceful shutdown: stop() (:1573-1587) sends an
//    ABORT (abort(), :1595-1600), and it has no code for a received
//    SHUTDOWN ACK (receiveChunk, :752-930). So --close shutdown is refused
//    here ("not supported by werift-sctp") and werift.cmake registers those
//    scenarios as not supported.
//  - Its abort() sends an ABORT without error causes and takes no reason.
//    For --close abort we send werift's own AbortChunk carrying a
//    User-Initiated Abort cause (RFC 9260 §3.3.10.12) through werift's
//    sendChunk(), as an SCTP API's abort-with-reason would.
//  - It reports no ABORT cause to its user (:835-838 only closes). We read
//    the cause from the ABORT chunk werift itself parsed (a wrapper around
//    receiveChunk) and print it as the event line.
//  - BUG (patched below): on SHUTDOWN it sends SHUTDOWN ACK, then enters
//    SHUTDOWN-SENT (:840-850) instead of SHUTDOWN-ACK-SENT (RFC 9260 §9.2),
//    so it ignores the SHUTDOWN COMPLETE (:903-906) and retransmits SHUTDOWN
//    ACK on T2 until it gives up.
//  - BUG (patched below): a werift server sends everything to the SCTP port
//    given to start() (sendChunk, :1534-1541; start, :1494-1505), not to the
//    source port of the INIT it answers (RFC 9260 §5.1.2 rule 1: the peer's
//    transport address is the INIT's source IP address and SCTP source
//    port). A client on an ephemeral port (tern_peer's client does not bind)
//    gets an INIT ACK for another port, treats it as out of the blue and
//    answers ABORT with the T bit (§8.4 rule 8), which werift drops because
//    it only accepts its own tag (handleData :681; §8.5.1 B allows the
//    reflected one): the handshake never completes. We take the peer port
//    from each INIT, as werift should.
//  - BUG (patched below): InboundStream.popMessages (:1636-1697) keeps the
//    start position after delivering a message, so a complete message that
//    does not directly follow (in TSN) the one just delivered is left in
//    the reassembly queue until more DATA arrives for that stream; the last
//    messages of a stream can be stranded forever.
const dgram = require('dgram')
const { parseArgs, say, die, fill, Rx } = require('./common')
const { SCTP, SCTP_STATE, createUdpTransport } = require('werift-sctp')
const { InboundStream } = require('werift-sctp/lib/sctp/src/sctp')
const { AbortChunk, ShutdownChunk, ShutdownCompleteChunk } = require('werift-sctp/lib/sctp/src/chunk')

const PROG = 'werift_peer.js'
// WERIFT_UNPATCHED=a,b,...: leave out these workarounds, to see the werift
// bugs they work around: shutdown-ack-sent, init-port, pop-messages, rcvbuf.
const unpatched = (process.env.WERIFT_UNPATCHED || '').split(',')
const patched = (name) => !unpatched.includes(name)
const o = parseArgs(PROG, process.argv.slice(2))
// werift's transport handler does not await handleData (sctp.js:642-644), so
// a packet werift cannot parse (an unknown chunk type: chunk.js:751) is an
// unhandled rejection; say so instead of Node's stack trace.
process.on('unhandledRejection', (e) => die(`werift-sctp: ${e && e.message ? e.message : e}`))
if (o.close === 'shutdown') {
  die('not supported by werift-sctp 0.0.11: it cannot initiate a graceful shutdown ' +
      '(stop() sends ABORT, no SHUTDOWN ACK handling)')
  return
}

// --- Patch 1: SHUTDOWN-ACK-SENT after answering a SHUTDOWN (RFC 9260 §9.2:
// "... send a SHUTDOWN ACK chunk ... start a T2-shutdown timer, and enter
// the SHUTDOWN-ACK-SENT state"). werift's handler (:840-850) does
// setState(SHUTDOWN_RECEIVED), sends the ACK, then setState(SHUTDOWN_SENT);
// we turn that last transition into SHUTDOWN_ACK_SENT, so werift's own
// SHUTDOWN COMPLETE handler (:903-909) stops T2 and closes.
function patchShutdownAckSent (sctp) {
  const setState = sctp.setState.bind(sctp)
  sctp.setState = (st) => {
    if (st === SCTP_STATE.SHUTDOWN_SENT && sctp.associationState === SCTP_STATE.SHUTDOWN_RECEIVED) {
      st = SCTP_STATE.SHUTDOWN_ACK_SENT
    }
    setState(st)
  }
}

// --- Patch 2: InboundStream.popMessages without the stranded messages: the
// same reassembly (ordered: by SSN, fragments by consecutive TSN; unordered:
// any complete run FIRST..LAST of consecutive TSNs), but restarting the scan
// after each delivered message. It also yields whether the message was
// unordered (a 4th value werift's receive() passes on to onReceive), so the
// peer can check the U flag.
if (patched('pop-messages')) InboundStream.prototype.popMessages = function * popMessages () {
  const FIRST = 0x02; const LAST = 0x01; const UNORDERED = 0x04
  for (;;) {
    let found = null
    for (let s = 0; s < this.reassembly.length && !found; s++) {
      const c = this.reassembly[s]
      if (!(c.flags & FIRST)) continue
      const unordered = !!(c.flags & UNORDERED)
      if (!unordered && c.streamSeqNum !== this.streamSequenceNumber) continue
      let tsn = c.tsn
      for (let e = s; e < this.reassembly.length; e++) {
        const d = this.reassembly[e]
        if (d.tsn !== tsn || (e > s && (d.flags & FIRST))) break
        if (d.flags & LAST) { found = [s, e, unordered]; break }
        tsn = (tsn + 1) % 2 ** 32
      }
    }
    if (!found) return
    const [s, e, unordered] = found
    const parts = this.reassembly.slice(s, e + 1)
    this.reassembly.splice(s, e - s + 1)
    const first = parts[0]
    if (!unordered) this.streamSequenceNumber = (this.streamSequenceNumber + 1) & 0xffff
    yield [first.streamId, first.protocol, Buffer.concat(parts.map((p) => p.userData)), unordered]
  }
}

// A 4 MiB socket receive buffer (net.core.rmem_max permitting): Tern's
// initial cwnd on loopback is 2 PMDCS, 131 KB (RFC 9260 §7.2.1), a burst
// that overflows Node's default (rmem_default, ~208 KiB) while werift's
// single thread is busy; the losses are recovered, but make SACKs with
// more than 100 gap-acked TSNs, which the wire judge's tshark flags.
const sock = dgram.createSocket(patched('rcvbuf') ? { type: 'udp4', recvBufferSize: 4 << 20 } : 'udp4')
sock.on('error', (e) => die(`udp: ${e.message}`))
sock.bind(o.udpPort, '127.0.0.1', () => {
  const tr = createUdpTransport(sock, { port: o.remoteUdpPort, address: o.addr })
  const sctp = o.server ? SCTP.server(tr, o.port) : SCTP.client(tr, o.port)
  if (patched('shutdown-ack-sent')) patchShutdownAckSent(sctp)
  // Patch 3: the peer's SCTP port is the source port of its INIT (see above).
  const onData = tr.onData
  tr.onData = (buf) => {
    if (patched('init-port') && o.server && buf.length >= 16 && buf[12] === 1 /* INIT */) sctp.setRemotePort(buf.readUInt16BE(0))
    onData(buf)
  }
  // werift's receive() (:1182-1184) passes 3 of popMessages' values on; pass
  // all, so the U flag from Patch 2 reaches onReceive.
  sctp.receive = (...message) => sctp.onReceive.execute(...message)
  const rx = new Rx(o)
  let associated = false
  let sent = false
  let end = null // 'shutdown' | 'abort' once the association ended
  let finished = false

  const finish = () => {
    if (finished) return
    finished = true
    say(`ok ${o.count} messages verified, end: ${end}`)
    try { sctp.transport.onData = undefined } catch (e) {}
    // let the last packet leave, then go
    setTimeout(() => { try { sock.close() } catch (e) {} process.exit(0) }, 50)
  }

  // How the association ended, seen in the chunks werift parsed.
  const receiveChunk = sctp.receiveChunk.bind(sctp)
  sctp.receiveChunk = async (chunk) => {
    if (chunk.type === AbortChunk.type && end === null) {
      end = 'abort'
      const causes = chunk.params.map(([code]) => code)
      say(`event: COMM_LOST (error cause ${causes.length ? causes[0] : 0})`)
    } else if (chunk.type === ShutdownChunk.type && end === null) {
      say('event: SHUTDOWN_EVENT')
    } else if (chunk.type === ShutdownCompleteChunk.type &&
               sctp.associationState === SCTP_STATE.SHUTDOWN_ACK_SENT) {
      end = 'shutdown'
      say('event: SHUTDOWN_COMP')
    }
    return receiveChunk(chunk)
  }

  sctp.stateChanged.closed.subscribe(() => {
    if (finished) return
    if (!associated) return die('association failed (INIT/COOKIE retransmissions exhausted)')
    if (end === null) return die(`association closed without ABORT or SHUTDOWN COMPLETE (${rx.got}/${o.count} received)`)
    if (!rx.done) return die(`association ended (${end}) after ${rx.got} of ${o.count} messages`)
    if (o.close === null && !sent) return die(`association ended (${end}) before we sent our messages`)
    if (o.expect !== null && end !== o.expect) return die(`the association ended in ${end}, expected ${o.expect}`)
    finish()
  })

  const sendAll = async () => {
    const all = []
    for (let i = 0; i < o.count; i++) {
      const sid = i % o.streams
      all.push(sctp.send(sid, i + o.ppidBase, fill(o.size, i, sid), { ordered: !o.unordered }))
    }
    await Promise.all(all)
    sent = true
  }

  let aborting = false
  const abortWithCause = async () => {
    if (aborting) return
    aborting = true
    // werift's abort() has no causes; its AbortChunk can carry them.
    const ab = new AbortChunk()
    ab.params.push([12, Buffer.from(`${PROG}: abort as asked`)])
    await sctp.sendChunk(ab)
    end = 'abort'
    sctp.setState(SCTP_STATE.CLOSED) // werift's stop() does this after its ABORT
  }

  sctp.onReceive.subscribe((sid, ppid, data, unordered) => {
    if (finished) return
    const err = rx.check(Buffer.from(data), sid, ppid, unordered)
    if (err) return die(err)
    if (!rx.done) return
    if (o.close === null) {
      sendAll().catch((e) => die(`send: ${e.message}`))
    } else if (sent) {
      abortWithCause().catch((e) => die(`abort: ${e.message}`))
    }
  })

  sctp.stateChanged.connected.subscribe(() => {
    if (associated) return
    associated = true
    say('associated')
    if (o.close !== null) {
      sendAll().then(() => {
        if (rx.done && !finished && end === null) return abortWithCause()
      }).catch((e) => die(`send: ${e.message}`))
    }
  })

  if (o.server) say(`listening on port ${o.port} (UDP encapsulation port ${o.udpPort})`)
  sctp.start(o.port).catch((e) => die(`start: ${e.message}`))
})
