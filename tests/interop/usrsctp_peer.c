/* usrsctp's side of the interop scenarios (see peer_common.h), against
 * Debian's libusrsctp (0.9.5): usrsctp_init(local UDP port) for RFC 6951
 * encapsulation, SCTP_REMOTE_UDP_ENCAPS_PORT for the peer's, one one-to-one
 * socket with blocking calls (usrsctp's own threads run the stack). Same
 * options and output as tern_peer.c. */
#define _DEFAULT_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <usrsctp.h>

#include "peer_common.h"

static enum peer_end seen_end = END_NONE;

static void check(int ok, const char *what)
{
    if (!ok) peer_die("%s: %s", what, strerror(errno));
}

static long recv_msg(struct socket *s, uint8_t *buf, size_t cap, struct sctp_rcvinfo *ri)
{
    size_t off = 0;
    for (;;) {
        if (seen_end != END_NONE) return -1;
        struct sockaddr_storage from;
        socklen_t fromlen = sizeof from, infolen = sizeof *ri;
        unsigned infotype = 0;
        int flags = 0;
        ssize_t n = usrsctp_recvv(s, buf + off, cap - off, (struct sockaddr *)&from, &fromlen, ri,
                                  &infolen, &infotype, &flags);
        if (n == 0) {
            seen_end = END_SHUTDOWN;
            return -1;
        }
        if (n < 0) {
            if (errno == ECONNRESET) {
                seen_end = END_ABORT;
                return -1;
            }
            if (errno == EINTR) continue;
            peer_die("recvv: %s", strerror(errno));
        }
        if (flags & MSG_NOTIFICATION) {
            if (off) peer_die("notification inside a message");
            const union sctp_notification *sn = (const void *)buf;
            if (sn->sn_header.sn_type == SCTP_ASSOC_CHANGE) {
                uint16_t st = sn->sn_assoc_change.sac_state;
                if (st == SCTP_COMM_LOST || st == SCTP_CANT_STR_ASSOC) {
                    peer_say("event: COMM_LOST (error cause %u)", sn->sn_assoc_change.sac_error);
                    seen_end = END_ABORT;
                } else if (st == SCTP_SHUTDOWN_COMP) {
                    peer_say("event: SHUTDOWN_COMP");
                    seen_end = END_SHUTDOWN;
                } else if (st == SCTP_COMM_UP) {
                    peer_say("event: COMM_UP (%u streams out, %u in)",
                             sn->sn_assoc_change.sac_outbound_streams,
                             sn->sn_assoc_change.sac_inbound_streams);
                }
            } else if (sn->sn_header.sn_type == SCTP_SHUTDOWN_EVENT) {
                peer_say("event: SHUTDOWN_EVENT");
            }
            continue;
        }
        if (infotype != SCTP_RECVV_RCVINFO) peer_die("recvv: no rcvinfo");
        off += (size_t)n;
        if (flags & MSG_EOR) return (long)off;
        if (off == cap) peer_die("message longer than %zu bytes", cap - 1);
    }
}

static void send_all(struct socket *s, const struct peer_opts *o, uint8_t *buf)
{
    for (unsigned i = 0; i < o->count; i++) {
        struct sctp_sndinfo si = {.snd_sid = (uint16_t)(i % o->streams),
                                  .snd_ppid = htonl(i + 1),
                                  .snd_flags = o->unordered ? SCTP_UNORDERED : 0};
        peer_fill(buf, o->size, i, si.snd_sid);
        ssize_t n;
        do
            n = usrsctp_sendv(s, buf, o->size, NULL, 0, &si, sizeof si, SCTP_SENDV_SNDINFO, 0);
        while (n < 0 && errno == EINTR);
        if (n != (ssize_t)o->size) peer_die("send #%u: %s", i, n < 0 ? strerror(errno) : "short");
    }
}

static void recv_all(struct socket *s, const struct peer_opts *o, uint8_t *buf, size_t cap)
{
    struct peer_rx rx;
    peer_rx_init(&rx, o);
    while (rx.got < o->count) {
        struct sctp_rcvinfo ri;
        long n = recv_msg(s, buf, cap, &ri);
        if (n < 0)
            peer_die("association ended (%s) after %u of %u messages", peer_end_name(seen_end),
                     rx.got, o->count);
        if (!peer_rx_check(&rx, buf, (size_t)n, ri.rcv_sid, ntohl(ri.rcv_ppid),
                           (ri.rcv_flags & SCTP_UNORDERED) != 0))
            exit(1);
    }
    peer_rx_free(&rx);
}

int main(int argc, char **argv)
{
    struct peer_opts o;
    peer_parse(&o, argc, argv, "usrsctp_peer");
    usrsctp_init(o.udp_port, NULL, NULL);

    struct socket *s = usrsctp_socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP, NULL, NULL, 0, NULL);
    check(s != NULL, "usrsctp_socket");
    struct sctp_udpencaps enc;
    memset(&enc, 0, sizeof enc);
    enc.sue_address.ss_family = AF_INET;
    enc.sue_assoc_id = SCTP_FUTURE_ASSOC;
    enc.sue_port = htons(o.remote_udp_port);
    check(usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_REMOTE_UDP_ENCAPS_PORT, &enc, sizeof enc) == 0,
          "SCTP_REMOTE_UDP_ENCAPS_PORT");
    const int on = 1;
    check(usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof on) == 0,
          "SCTP_RECVRCVINFO");
    struct sctp_initmsg im = {.sinit_num_ostreams = o.streams, .sinit_max_instreams = 1024};
    check(usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_INITMSG, &im, sizeof im) == 0, "SCTP_INITMSG");
    /* usrsctp refuses a message larger than the socket's send buffer with
     * EMSGSIZE, blocking or not (as FreeBSD and Linux do; RFC 6458 leaves it
     * to the implementation). The default buffer is 256 KiB, so a 1 MiB
     * message needs a larger one: the workaround is this setting. */
    int sndbuf = 0;
    socklen_t optlen = sizeof sndbuf;
    check(usrsctp_getsockopt(s, SOL_SOCKET, SO_SNDBUF, &sndbuf, &optlen) == 0, "SO_SNDBUF");
    if ((size_t)sndbuf < o.size) {
        int want = (int)(o.size + o.size / 2);
        check(usrsctp_setsockopt(s, SOL_SOCKET, SO_SNDBUF, &want, sizeof want) == 0, "SO_SNDBUF");
        peer_say("send buffer %d bytes < message size: raised to %d", sndbuf, want);
    }
    static const uint16_t events[] = {SCTP_ASSOC_CHANGE, SCTP_SHUTDOWN_EVENT};
    for (size_t i = 0; i < sizeof events / sizeof events[0]; i++) {
        struct sctp_event ev = {.se_assoc_id = SCTP_FUTURE_ASSOC, .se_type = events[i], .se_on = 1};
        check(usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_EVENT, &ev, sizeof ev) == 0, "SCTP_EVENT");
    }

    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(o.port)};
    struct socket *conn;
    if (o.server) {
        addr.sin_addr.s_addr = htonl(INADDR_ANY);
        check(usrsctp_bind(s, (struct sockaddr *)&addr, sizeof addr) == 0, "bind");
        check(usrsctp_listen(s, 1) == 0, "listen");
        peer_say("listening on port %u (UDP encapsulation port %u)", o.port, o.udp_port);
        conn = usrsctp_accept(s, NULL, NULL);
        check(conn != NULL, "accept");
        usrsctp_close(s);
    } else {
        if (inet_pton(AF_INET, o.addr, &addr.sin_addr) != 1) peer_die("bad address %s", o.addr);
        check(usrsctp_connect(s, (struct sockaddr *)&addr, sizeof addr) == 0, "connect");
        conn = s;
    }
    peer_say("associated");

    size_t cap = (o.size > 4096 ? o.size : 4096) + 1;
    uint8_t *buf = malloc(cap);
    if (!buf) peer_die("out of memory");
    if (o.close != END_NONE) {
        send_all(conn, &o, buf);
        recv_all(conn, &o, buf, cap);
        if (o.close == END_ABORT) {
            static const char reason[] = "usrsctp_peer: abort as asked";
            struct sctp_sndinfo si = {.snd_flags = SCTP_ABORT};
            check(usrsctp_sendv(conn, reason, sizeof reason - 1, NULL, 0, &si, sizeof si,
                                SCTP_SENDV_SNDINFO, 0) >= 0,
                  "abort");
            seen_end = END_ABORT;
        } else {
            check(usrsctp_shutdown(conn, SHUT_WR) == 0, "shutdown");
            struct sctp_rcvinfo ri;
            if (recv_msg(conn, buf, cap, &ri) >= 0) peer_die("data after our SHUTDOWN");
            if (seen_end != END_SHUTDOWN)
                peer_die("our shutdown ended in %s", peer_end_name(seen_end));
        }
    } else {
        recv_all(conn, &o, buf, cap);
        send_all(conn, &o, buf);
        struct sctp_rcvinfo ri;
        if (recv_msg(conn, buf, cap, &ri) >= 0) peer_die("more data than expected");
        if (seen_end != o.expect)
            peer_die("the association ended in %s, expected %s", peer_end_name(seen_end),
                     peer_end_name(o.expect));
    }
    peer_say("ok %u messages verified, end: %s", o.count, peer_end_name(seen_end));
    free(buf);
    usrsctp_close(conn);
    while (usrsctp_finish() != 0)
        usleep(10000); /* bounded by the alarm */
    return 0;
}
