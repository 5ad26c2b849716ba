// pion_peer: a pion/sctp peer for Tern's interop tests, over SCTP-over-UDP
// (RFC 6951: each UDP payload is one SCTP packet).
//
//	pion_peer client -remote 127.0.0.1:U [-streams N -count N -size S -unordered] [-end shutdown|abort]
//	pion_peer server -listen 127.0.0.1:U [-end wait|shutdown|abort]
//
// client: opens N streams (PPID WebRTC Binary), sends count messages of size
// bytes round-robin over them, reads each echo back and checks it byte for
// byte and by count; then ends the association. server: echoes every
// message back on its stream until the peer ends the association. Both
// print "listening" / "established" / "done ..." lines on stderr; exit 0 on
// success.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"github.com/pion/logging"
	"github.com/pion/sctp"
)

// serverConn makes an unconnected UDP socket look connected: the peer is
// whoever sent the first datagram.
type serverConn struct {
	*net.UDPConn
	mu   sync.Mutex
	peer *net.UDPAddr
}

func (c *serverConn) Read(b []byte) (int, error) {
	for {
		n, from, err := c.UDPConn.ReadFromUDP(b)
		if err != nil {
			return n, err
		}
		c.mu.Lock()
		if c.peer == nil {
			c.peer = from
		}
		ok := c.peer.IP.Equal(from.IP) && c.peer.Port == from.Port
		c.mu.Unlock()
		if ok {
			return n, nil
		}
	}
}

func (c *serverConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	peer := c.peer
	c.mu.Unlock()
	if peer == nil {
		return 0, errors.New("no peer yet")
	}
	return c.UDPConn.WriteToUDP(b, peer)
}

func (c *serverConn) RemoteAddr() net.Addr {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.peer
}

func fail(f string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "pion_peer: "+f+"\n", a...)
	os.Exit(1)
}

func pattern(i, size int) []byte {
	b := make([]byte, size)
	for k := range b {
		b[k] = byte(i*31 + k*7)
	}
	return b
}

func end(a *sctp.Association, how string) {
	switch how {
	case "shutdown":
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := a.Shutdown(ctx); err != nil {
			fail("shutdown: %v", err)
		}
		fmt.Fprintln(os.Stderr, "pion_peer: shutdown complete")
	case "abort":
		a.Abort("pion_peer abort")
		fmt.Fprintln(os.Stderr, "pion_peer: aborted")
	}
}

func main() {
	if len(os.Args) < 2 {
		fail("usage: pion_peer client|server [options]")
	}
	role := os.Args[1]
	fs := flag.NewFlagSet(role, flag.ExitOnError)
	remote := fs.String("remote", "127.0.0.1:9899", "client: the peer's UDP address")
	listen := fs.String("listen", "127.0.0.1:0", "server: the local UDP address")
	streams := fs.Int("streams", 10, "client: streams to open")
	count := fs.Int("count", 1000, "client: messages")
	size := fs.Int("size", 100, "client: bytes per message")
	unordered := fs.Bool("unordered", false, "client: send unordered")
	how := fs.String("end", "shutdown", "shutdown, abort, or wait (server: for the peer)")
	maxMsg := fs.Int("max-message", 1<<20+1024, "largest message accepted and sent")
	_ = fs.Parse(os.Args[2:])

	lf := logging.NewDefaultLoggerFactory()
	lf.DefaultLogLevel = logging.LogLevelError
	cfg := sctp.Config{MaxMessageSize: uint32(*maxMsg), MaxReceiveBufferSize: 4 << 20, LoggerFactory: lf}

	switch role {
	case "client":
		raddr, err := net.ResolveUDPAddr("udp", *remote)
		if err != nil {
			fail("%v", err)
		}
		conn, err := net.DialUDP("udp", nil, raddr)
		if err != nil {
			fail("%v", err)
		}
		cfg.NetConn = conn
		a, err := sctp.Client(cfg)
		if err != nil {
			fail("handshake: %v", err)
		}
		fmt.Fprintln(os.Stderr, "pion_peer: established")
		client(a, *streams, *count, *size, *unordered)
		end(a, *how)
	case "server":
		laddr, err := net.ResolveUDPAddr("udp", *listen)
		if err != nil {
			fail("%v", err)
		}
		uc, err := net.ListenUDP("udp", laddr)
		if err != nil {
			fail("%v", err)
		}
		fmt.Fprintf(os.Stderr, "pion_peer: listening on %s\n", uc.LocalAddr())
		cfg.NetConn = &serverConn{UDPConn: uc}
		a, err := sctp.Server(cfg)
		if err != nil {
			fail("handshake: %v", err)
		}
		fmt.Fprintln(os.Stderr, "pion_peer: established")
		server(a, *how, *maxMsg)
	default:
		fail("unknown role %q", role)
	}
}

func client(a *sctp.Association, nstreams, count, size int, unordered bool) {
	ss := make([]*sctp.Stream, nstreams)
	for i := range ss {
		s, err := a.OpenStream(uint16(i), sctp.PayloadTypeWebRTCBinary)
		if err != nil {
			fail("open stream %d: %v", i, err)
		}
		s.SetReliabilityParams(unordered, sctp.ReliabilityTypeReliable, 0)
		ss[i] = s
	}
	var wg sync.WaitGroup
	errs := make(chan error, nstreams)
	for i, s := range ss {
		wg.Add(1)
		go func(i int, s *sctp.Stream) { // read this stream's echoes
			defer wg.Done()
			buf := make([]byte, size+1)
			var got [][]byte
			for k := i; k < count; k += nstreams {
				n, _, err := s.ReadSCTP(buf)
				if err != nil {
					errs <- fmt.Errorf("stream %d: read: %v", i, err)
					return
				}
				got = append(got, append([]byte(nil), buf[:n]...))
			}
			// Unordered echoes may come in any order: compare as a multiset.
			want := map[string]int{}
			for k := i; k < count; k += nstreams {
				want[string(pattern(k, size))]++
			}
			for j, g := range got {
				if want[string(g)] == 0 {
					errs <- fmt.Errorf("stream %d: echo %d (%d bytes) matches nothing sent", i, j, len(g))
					return
				}
				want[string(g)]--
				if !unordered && !bytes.Equal(g, pattern(i+j*nstreams, size)) {
					errs <- fmt.Errorf("stream %d: echo %d out of order", i, j)
					return
				}
			}
		}(i, s)
	}
	for k := 0; k < count; k++ {
		if _, err := ss[k%nstreams].WriteSCTP(pattern(k, size), sctp.PayloadTypeWebRTCBinary); err != nil {
			fail("write %d: %v", k, err)
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		fail("%v", err)
	}
	fmt.Fprintf(os.Stderr, "pion_peer: done: %d messages of %d bytes echoed on %d streams\n", count, size, nstreams)
}

func server(a *sctp.Association, how string, maxMsg int) {
	var wg sync.WaitGroup
	total := 0
	var mu sync.Mutex
	for {
		s, err := a.AcceptStream()
		if err != nil {
			break // the association ended
		}
		wg.Add(1)
		go func(s *sctp.Stream) {
			defer wg.Done()
			buf := make([]byte, maxMsg)
			for {
				n, ppi, err := s.ReadSCTP(buf)
				if err != nil {
					if !errors.Is(err, io.EOF) {
						fmt.Fprintf(os.Stderr, "pion_peer: stream %d: %v\n", s.StreamIdentifier(), err)
					}
					return
				}
				mu.Lock()
				total++
				mu.Unlock()
				if _, err := s.WriteSCTP(buf[:n], ppi); err != nil {
					return
				}
			}
		}(s)
	}
	wg.Wait()
	fmt.Fprintf(os.Stderr, "pion_peer: done: %d messages echoed\n", total)
	_ = how
}
