#!/usr/bin/env node
'use strict'
// Interop peer: werift-sctp 0.0.11 over a UDP socket (RFC 6951-style: the UDP
// payload is the SCTP packet). Options and output: see common.js.
// werift-sctp limitations (node_modules/werift-sctp/lib/sctp/src/sctp.js):
//  - SCTP ports fixed by the API: SCTP.client/server(transport, port = 5000).
//  - stop() never sends SHUTDOWN: it sends ABORT (stop() at :1573, abort() :1595),
//    so werift cannot initiate a graceful shutdown; mode "shutdown" is refused.
//  - on SHUTDOWN it sends SHUTDOWN-ACK but enters SHUTDOWN-SENT instead of
//    SHUTDOWN-ACK-SENT (:840-849), so the SHUTDOWN COMPLETE is ignored (:903-905)
//    and it keeps retransmitting SHUTDOWN-ACK (T2) until max retransmissions.
//    We treat "SHUTDOWN received, SHUTDOWN-ACK sent" as the graceful end.
//  - ABORT received -> CLOSED (:836-838); no error causes reported.
const dgram = require('dgram')
const { SCTP, SCTP_STATE, createUdpTransport } = require('werift-sctp')
const { parseArgs, die, makeMessage, Verifier } = require('./common')

const o = parseArgs('werift_peer.js', process.argv.slice(2))
if (o.mode === 'shutdown') die(2, 'werift-sctp cannot initiate SHUTDOWN (its stop() sends ABORT)')

const sock = dgram.createSocket('udp4')
sock.on('error', e => die(1, `udp: ${e.message}`))
sock.bind(o.localUdpPort, '127.0.0.1', () => {
  const tr = createUdpTransport(sock, { port: o.remoteUdpPort, address: o.host })
  const sctp = o.role === 'server' ? SCTP.server(tr, o.port) : SCTP.client(tr, o.port)
  let established = false
  let ending = false
  let echoed = 0
  const ver = new Verifier(o.count, o.size, o.streams)
  o.status = () => `(state ${sctp.associationState}, echoed ${echoed}, verified ${ver.n}/${o.count}, queued ${sctp.outboundQueue.length})`

  const finish = (msg) => {
    ending = true
    console.log(msg)
    // let the last packet (SHUTDOWN-ACK, ABORT) leave before closing
    setTimeout(() => { try { sock.close() } catch (e) {} process.exit(0) }, 50)
  }

  const origSetState = sctp.setState.bind(sctp)
  sctp.setState = (st) => {
    const prev = sctp.associationState
    origSetState(st)
    if (st === SCTP_STATE.SHUTDOWN_SENT && prev === SCTP_STATE.SHUTDOWN_RECEIVED && !ending) {
      // peer-initiated graceful shutdown (see header)
      if (o.mode === 'echo') finish(`ok ${echoed} messages echoed, shut down by peer`)
      else if (o.mode === 'wait-shutdown') finish('ok shut down by peer')
      else if (o.mode === 'sink' && ver.done) finish(`ok ${ver.n} messages verified, shut down by peer`)
      else die(1, `peer shut down early (mode ${o.mode}, ${ver.n}/${o.count} verified)`)
    }
  }
  sctp.stateChanged.closed.subscribe(() => {
    if (ending) return
    if (!established) die(1, 'association failed')
    if (o.mode === 'wait-abort') finish('ok aborted by peer')
    else die(1, `association aborted by peer (mode ${o.mode}, echoed ${echoed}, verified ${ver.n}/${o.count})`)
  })

  sctp.onReceive.subscribe((sid, ppid, data) => {
    if (o.mode === 'echo') {
      echoed++
      sctp.send(sid, ppid, Buffer.from(data), { ordered: !o.unordered }).catch(e => die(1, `send: ${e.message}`))
      return
    }
    if (o.mode === 'source' || o.mode === 'sink') {
      const err = ver.check(sid, data)
      if (err) die(1, err)
      if (ver.done) {
        if (o.mode === 'source') {
          // werift cannot SHUTDOWN: end with ABORT (documented limitation)
          ending = true
          console.log(`ok ${ver.n} messages verified`)
          sctp.abort().finally(() => finish('ended with ABORT (werift has no graceful shutdown)'))
        } else if (!o.waitShutdown) {
          // sink: wait for the peer's shutdown (echo/cat client ends it)
        }
      }
    }
  })

  sctp.stateChanged.connected.subscribe(async () => {
    established = true
    console.log('connected')
    if (o.mode === 'abort') {
      ending = true
      await sctp.abort()
      finish('ok sent ABORT')
    } else if (o.mode === 'source') {
      for (let q = 0; q < o.count; q++) {
        const s = q % o.streams
        sctp.send(s, 0, makeMessage(s, q, o.size), { ordered: !o.unordered }).catch(e => die(1, `send: ${e.message}`))
      }
    }
  })

  console.log('listening')
  sctp.start(o.port).catch(e => die(1, `start: ${e.message}`))
})
