// pion_peer: pion/sctp's side of the interop scenarios (see
// ../peer_common.h), against Debian's golang-github-pion-sctp-dev (1.8.6),
// over SCTP-over-UDP (RFC 6951: each UDP payload is one SCTP packet): pion's
// Association runs over a net.Conn, here a UDP socket bound to
// 127.0.0.1:--udp-port that sends to --addr:--remote-udp-port. Same options,
// payloads, checks, output lines and exit codes (0 ok, 1 error, 2 usage,
// 3 timed out) as tern_peer.c and usrsctp_peer.c.
//
// How pion 1.8.6 maps the protocol:
//   - streams: Association.OpenStream(sid) for every stream 0..streams-1,
//     Stream.SetReliabilityParams(unordered, reliable, 0),
//     Stream.WriteSCTP(data, PPID i+B); Stream.ReadSCTP gives a whole
//     message and its PPID (one reader goroutine per stream).
//   - pion does not report a received message's U flag: this peer checks it
//     on the wire instead, on every inbound DATA chunk (udpConn.Read).
//   - pion always sends PPID 50 (WebRTC DCEP) ordered (stream.go packetize),
//     so with --unordered the PPIDs must not include 50: --ppid-base 51
//     (refused otherwise, so the limit is said, not hit).
//   - graceful close: Association.Shutdown(ctx) (SHUTDOWN, then SHUTDOWN
//     COMPLETE sent); abort: Association.Abort(reason), an ABORT with cause
//     12 (User-Initiated Abort) and the reason.
//   - the peer's SHUTDOWN ends in pion closing the net.Conn: the streams'
//     reads fail with net.ErrClosed. The peer's ABORT makes every stream
//     read fail with an error wrapping sctp.ErrChunk whose text names the
//     causes as pion parsed them, "(User Initiated Abort: reason)": the
//     cause code is read back from that name (pionCauseNames).
//   - the SCTP port: pion always uses 5000 (association.go sendInit).
package main

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/pion/logging"
	"github.com/pion/sctp"
)

const prog = "pion_peer"

type end int

const (
	endNone end = iota
	endShutdown
	endAbort
)

func (e end) String() string {
	switch e {
	case endShutdown:
		return "shutdown"
	case endAbort:
		return "abort"
	}
	return "none"
}

type opts struct {
	server                 bool
	addr                   string
	port                   uint64
	udpPort, remoteUDPPort uint64
	count                  uint64
	size                   uint64
	streams                uint64
	unordered              bool
	close, expect          end
	timeout                uint64
	assocs                 uint64 // only 1 here
	oneToMany              bool   // not here
	linger                 uint64 // seconds to stay up after the end, or until SIGHUP
	ppidBase               uint32 // message i has PPID i + ppidBase (1)
}

var stdout sync.Mutex

func say(f string, a ...interface{}) {
	stdout.Lock()
	fmt.Printf(f+"\n", a...)
	stdout.Unlock()
}

// die prints "error: pion_peer: ..." and exits 1 (peer_die).
func die(f string, a ...interface{}) {
	stdout.Lock()
	fmt.Printf("error: "+prog+": "+f+"\n", a...)
	os.Exit(1)
}

func usage() {
	fmt.Fprintf(os.Stderr, "usage: %s --role server|client [--addr A] [--port P] --udp-port L\n"+
		"       --remote-udp-port R [--count N] [--size S] [--streams K] [--unordered]\n"+
		"       [--close shutdown|abort|wait] [--expect shutdown|abort] [--timeout SEC]\n"+
		"       [--assocs N] [--one-to-many] [--linger SEC] [--ppid-base B]\n", prog)
	os.Exit(2)
}

func parseEnd(s string) end {
	switch s {
	case "shutdown":
		return endShutdown
	case "abort":
		return endAbort
	case "wait":
		return endNone
	}
	usage()
	return endNone
}

func num(s string, max uint64) uint64 {
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil || v > max {
		usage()
	}
	return v
}

// parse: peer_parse.
func parse(args []string) *opts {
	o := &opts{addr: "127.0.0.1", port: 5001, count: 1, size: 100, streams: 1, timeout: 60, assocs: 1, ppidBase: 1}
	role := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--unordered" {
			o.unordered = true
			continue
		}
		if a == "--one-to-many" {
			o.oneToMany = true
			continue
		}
		if i+1 >= len(args) {
			usage()
		}
		i++
		v := args[i]
		switch a {
		case "--role":
			if v != "server" && v != "client" {
				usage()
			}
			o.server = v == "server"
			role = true
		case "--addr":
			o.addr = v
		case "--port":
			o.port = num(v, 65535)
		case "--udp-port":
			o.udpPort = num(v, 65535)
		case "--remote-udp-port":
			o.remoteUDPPort = num(v, 65535)
		case "--count":
			o.count = num(v, 10000000)
		case "--size":
			o.size = num(v, 64<<20)
		case "--streams":
			o.streams = num(v, 65535)
		case "--close":
			o.close = parseEnd(v)
		case "--expect":
			o.expect = parseEnd(v)
		case "--timeout":
			o.timeout = num(v, 3600)
		case "--assocs":
			o.assocs = num(v, 1000)
		case "--linger":
			o.linger = num(v, 3600)
		case "--ppid-base":
			o.ppidBase = uint32(num(v, 1<<30))
		default:
			usage()
		}
	}
	if !role || o.size < 4 || o.assocs == 0 || o.streams == 0 || o.remoteUDPPort == 0 || o.udpPort == 0 {
		usage()
	}
	if (o.close == endNone) == (o.expect == endNone) {
		usage()
	}
	time.AfterFunc(time.Duration(o.timeout)*time.Second, func() { // alarm()
		stdout.Lock()
		fmt.Print("error: timed out (alarm)\n")
		os.Exit(3)
	})
	return o
}

// fill: peer_fill.
func fill(size uint64, i uint32, sid uint16) []byte {
	b := make([]byte, size)
	binary.BigEndian.PutUint32(b, i)
	for j := uint64(4); j < size; j++ {
		b[j] = byte(uint64(i)*7 + j*13 + uint64(sid))
	}
	return b
}

// udpConn: the net.Conn pion runs over. Unconnected, so an ICMP port
// unreachable never fails a read; datagrams from anyone but the peer are
// dropped. Read also checks the U flag of every DATA chunk, which pion
// does not report to the reader.
type udpConn struct {
	*net.UDPConn
	peer       *net.UDPAddr
	unordered  bool
	wrongUFlag atomic.Value // string: the first DATA chunk with the wrong U flag
}

func (c *udpConn) Read(b []byte) (int, error) {
	for {
		n, from, err := c.UDPConn.ReadFromUDP(b)
		if err != nil {
			return n, err
		}
		if !from.IP.Equal(c.peer.IP) || from.Port != c.peer.Port {
			continue
		}
		c.inspect(b[:n])
		return n, nil
	}
}

func (c *udpConn) inspect(p []byte) {
	for off := 12; off+4 <= len(p); {
		typ, flags := p[off], p[off+1]
		l := int(binary.BigEndian.Uint16(p[off+2:]))
		if l < 4 {
			return
		}
		if typ == 0 && l >= 16 && off+16 <= len(p) && (flags&0x04 != 0) != c.unordered &&
			c.wrongUFlag.Load() == nil {
			c.wrongUFlag.Store(fmt.Sprintf("DATA TSN %d stream %d PPID %d U=%d",
				binary.BigEndian.Uint32(p[off+4:]), binary.BigEndian.Uint16(p[off+8:]),
				binary.BigEndian.Uint32(p[off+12:]), flags>>2&1))
		}
		off += (l + 3) &^ 3
	}
}

func (c *udpConn) Write(b []byte) (int, error) { return c.UDPConn.WriteToUDP(b, c.peer) }
func (c *udpConn) RemoteAddr() net.Addr        { return c.peer }

// pionCauseNames: pion's names for the error causes (error_cause.go
// errorCauseCode.String), which are all an ABORT's reader gets to see.
var pionCauseNames = map[string]int{
	"Invalid Stream Identifier":                    1,
	"Missing Mandatory Parameter":                  2,
	"Stale Cookie Error":                           3,
	"Out Of Resource":                              4,
	"Unresolvable IP":                              5,
	"Unrecognized Chunk Type":                      6,
	"Invalid Mandatory Parameter":                  7,
	"Unrecognized Parameters":                      8,
	"No User Data":                                 9,
	"Cookie Received While Shutting Down":          10,
	"Restart Of An Association With New Addresses": 11,
	"User Initiated Abort":                         12,
	"Protocol Violation":                           13,
}

var causeRe = regexp.MustCompile(`\(([A-Za-z ]+)(:[^)]*)?\)`)

// abortCause: the first cause of the peer's ABORT, from pion's error text
// "... abort chunk, with following errors: (User Initiated Abort: why)";
// 0 without any.
func abortCause(err error) int {
	s := err.Error()
	if k := strings.Index(s, sctp.ErrChunk.Error()); k >= 0 {
		s = s[k+len(sctp.ErrChunk.Error()):]
	}
	if m := causeRe.FindStringSubmatch(s); m != nil {
		if code, ok := pionCauseNames[m[1]]; ok {
			return code
		}
		die("ABORT with a cause pion names %q: unknown here", m[1])
	}
	return 0
}

type msg struct {
	sid  uint16
	ppid uint32
	data []byte
	err  error
}

type peer struct {
	o       *opts
	a       *sctp.Association
	conn    *udpConn
	mu      sync.Mutex
	streams map[uint16]*sctp.Stream
	rx      chan msg
	seen    end
}

// stream: sid's stream, with its reader started once (an accepted stream
// and an opened one with the same sid are the same *sctp.Stream).
func (p *peer) stream(s *sctp.Stream) *sctp.Stream {
	sid := s.StreamIdentifier()
	p.mu.Lock()
	defer p.mu.Unlock()
	if old, ok := p.streams[sid]; ok {
		return old
	}
	p.streams[sid] = s
	s.SetReliabilityParams(p.o.unordered, sctp.ReliabilityTypeReliable, 0)
	go p.read(s, sid)
	return s
}

func (p *peer) read(s *sctp.Stream, sid uint16) {
	capacity := p.o.size
	if capacity < 4096 {
		capacity = 4096
	}
	buf := make([]byte, capacity+1)
	for {
		n, ppid, err := s.ReadSCTP(buf)
		if errors.Is(err, io.ErrShortBuffer) {
			die("message longer than %d bytes", capacity)
		}
		if err != nil {
			p.rx <- msg{sid: sid, err: err}
			return
		}
		p.rx <- msg{sid: sid, ppid: uint32(ppid), data: append([]byte(nil), buf[:n]...)}
	}
}

// next: the next whole message, or nil once the association has ended
// (recv_msg); the first end seen is printed as tern_peer prints it.
func (p *peer) next() *msg {
	if p.seen != endNone {
		return nil
	}
	m := <-p.rx
	if m.err == nil {
		return &m
	}
	switch {
	case errors.Is(m.err, sctp.ErrChunk):
		say("event: COMM_LOST (error cause %d)", abortCause(m.err))
		p.seen = endAbort
	case errors.Is(m.err, net.ErrClosed):
		say("event: SHUTDOWN_COMP")
		p.seen = endShutdown
	default:
		die("stream %d: read: %v", m.sid, m.err)
	}
	return nil
}

func (p *peer) sendAll() {
	o := p.o
	if o.unordered && uint64(o.ppidBase) <= 50 && uint64(o.ppidBase)+o.count > 50 {
		die("pion/sctp sends PPID 50 (WebRTC DCEP) ordered whatever the stream's setting " +
			"(stream.go packetize): give --ppid-base 51 for unordered messages")
	}
	for i := uint64(0); i < o.count; i++ {
		sid := uint16(i % o.streams)
		p.mu.Lock()
		s := p.streams[sid] // opened in main
		p.mu.Unlock()
		if n, err := s.WriteSCTP(fill(o.size, uint32(i), sid), sctp.PayloadProtocolIdentifier(uint32(i)+o.ppidBase)); err != nil || uint64(n) != o.size {
			die("send #%d: %v", i, err)
		}
	}
}

func (p *peer) recvAll() {
	o := p.o
	seen := make([]bool, o.count)
	last := make([]int64, o.streams)
	for k := range last {
		last[k] = -1
	}
	for got := uint64(0); got < o.count; got++ {
		m := p.next()
		if m == nil {
			die("association ended (%s) after %d of %d messages", p.seen, got, o.count)
		}
		unordered := o.unordered
		if w := p.conn.wrongUFlag.Load(); w != nil {
			say("error: %s on the wire", w)
			unordered = !unordered
		}
		if !check(o, seen, last, got, m, unordered) {
			os.Exit(1)
		}
	}
}

func orderName(u bool) string {
	if u {
		return "unordered"
	}
	return "ordered"
}

// check: peer_rx_check.
func check(o *opts, seen []bool, last []int64, got uint64, m *msg, unordered bool) bool {
	buf, sid, ppid := m.data, m.sid, m.ppid
	if uint64(len(buf)) != o.size {
		say("error: message #%d: %d bytes, want %d", got, len(buf), o.size)
		return false
	}
	i := binary.BigEndian.Uint32(buf)
	if uint64(i) >= o.count || seen[i] {
		if uint64(i) >= o.count {
			say("error: message index %d out of range", i)
		} else {
			say("error: message index %d twice", i)
		}
		return false
	}
	if uint64(sid) != uint64(i)%o.streams || ppid != i+o.ppidBase || unordered != o.unordered {
		say("error: message %d: stream %d ppid %d %s, want stream %d ppid %d %s", i, sid, ppid,
			orderName(unordered), uint64(i)%o.streams, i+o.ppidBase, orderName(o.unordered))
		return false
	}
	for j := uint64(4); j < uint64(len(buf)); j++ {
		if buf[j] != byte(uint64(i)*7+j*13+uint64(sid)) {
			say("error: message %d: byte %d is %d", i, j, buf[j])
			return false
		}
	}
	if !o.unordered {
		if int64(i) <= last[sid] {
			say("error: message %d on stream %d after %d: out of order", i, sid, last[sid])
			return false
		}
		last[sid] = int64(i)
	}
	seen[i] = true
	return true
}

func main() {
	o := parse(os.Args[1:])
	if o.assocs != 1 || o.oneToMany {
		die("one association on one one-to-one association object only: a pion Association " +
			"owns its net.Conn, and this peer does not demultiplex one UDP port")
	}
	if o.port != 5000 {
		die("pion/sctp always uses SCTP port 5000 (association.go sendInit), not %d", o.port)
	}
	ip := net.ParseIP(o.addr)
	if ip == nil {
		die("bad address %s", o.addr)
	}
	uc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: int(o.udpPort)})
	if err != nil {
		die("UDP port %d: %v", o.udpPort, err)
	}
	// The kernel's socket buffer must hold what the peer may have in flight
	// (pion's a_rwnd, below), or datagrams are dropped before pion sees
	// them: the default (net.core.rmem_default, 208 KiB) holds about 25 of
	// Tern's 8 KiB packets. Asked for 8 MiB; the kernel caps it at
	// net.core.rmem_max.
	_ = uc.SetReadBuffer(8 << 20)
	_ = uc.SetWriteBuffer(8 << 20)
	conn := &udpConn{UDPConn: uc, peer: &net.UDPAddr{IP: ip, Port: int(o.remoteUDPPort)},
		unordered: o.unordered}

	lf := logging.NewDefaultLoggerFactory()
	// pion's own log on stderr: warnings (e.g. "unable to parse SCTP
	// packet", its only trace of a packet it drops); PION_LOG=debug|trace
	// for more.
	lf.DefaultLogLevel = logging.LogLevelWarn
	switch os.Getenv("PION_LOG") {
	case "debug":
		lf.DefaultLogLevel = logging.LogLevelDebug
	case "trace":
		lf.DefaultLogLevel = logging.LogLevelTrace
	}
	// MaxMessageSize only bounds what this side sends (WriteSCTP; 64 KiB by
	// default). MaxReceiveBufferSize is both the a_rwnd pion advertises and
	// the most it holds unread in its reassembly queues
	// (getMyReceiverWindowCredit; 1 MiB by default): a whole message must
	// fit, so 2 MiB, or twice the message size.
	maxMsg := uint32(1 << 16)
	if o.size > uint64(maxMsg) {
		maxMsg = uint32(o.size)
	}
	rbuf := uint32(2 << 20)
	if 2*o.size > uint64(rbuf) {
		rbuf = uint32(2 * o.size)
	}
	cfg := sctp.Config{NetConn: conn, MaxMessageSize: maxMsg, MaxReceiveBufferSize: rbuf,
		LoggerFactory: lf}

	var a *sctp.Association
	if o.server {
		say("listening on port %d (UDP encapsulation port %d)", o.port, o.udpPort)
		a, err = sctp.Server(cfg)
	} else {
		a, err = sctp.Client(cfg)
	}
	if err != nil {
		die("association: %v", err)
	}
	say("associated")

	p := &peer{o: o, a: a, conn: conn, streams: map[uint16]*sctp.Stream{}, rx: make(chan msg, 1024)}
	// Readers on the streams this side will see data on (opened now, so
	// pion files their data there), and on any other the peer uses.
	for sid := uint64(0); sid < o.streams; sid++ {
		s, err := a.OpenStream(uint16(sid), sctp.PayloadTypeUnknown)
		if err != nil {
			die("open stream %d: %v", sid, err)
		}
		p.stream(s)
	}
	go func() {
		for {
			s, err := a.AcceptStream()
			if err != nil {
				return
			}
			p.stream(s)
		}
	}()

	if o.close != endNone {
		p.sendAll()
		p.recvAll()
		if o.close == endAbort {
			a.Abort(prog + ": abort as asked")
			p.seen = endAbort
		} else {
			if err := a.Shutdown(context.Background()); err != nil {
				die("shutdown: %v", err)
			}
			if p.next() != nil {
				die("data after our SHUTDOWN")
			}
			if p.seen != endShutdown {
				die("our shutdown ended in %s", p.seen)
			}
		}
	} else {
		p.recvAll()
		p.sendAll()
		if p.next() != nil {
			die("more data than expected")
		}
		if p.seen != o.expect {
			die("the association ended in %s, expected %s", p.seen, o.expect)
		}
	}
	say("ok %d messages verified, end: %s", o.count, p.seen)
	if o.linger > 0 { // pion has nothing left to repair once its association closed
		hup := make(chan os.Signal, 1)
		signal.Notify(hup, syscall.SIGHUP)
		select {
		case <-hup:
		case <-time.After(time.Duration(o.linger) * time.Second):
		}
	}
}
