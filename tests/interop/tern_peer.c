/* Tern's side of the interop scenarios (see peer_common.h): one one-to-one
 * socket over UDP encapsulation, the same options and output as
 * usrsctp_peer.c. Settings some peers need, given before the common options:
 *   --mtu N             a fixed path MTU (TERN_SPP_PMTUD_DISABLE), for peers
 *                       that read smaller datagrams than loopback's 65535
 *   --omit-init-params  TERN_OMIT_INIT_PARAMS, for peers that refuse INIT
 *                       parameters they do not parse */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <tern/tern.h>
#include <unistd.h>

#include "peer_common.h"

static tern_ctx *ctx;
static enum peer_end seen_end = END_NONE;

static void check(long err, const char *what)
{
    if (err < 0) peer_die("%s: %s", what, tern_strerror((int)err));
}

/* The next whole message into buf (cap bytes); notifications are handled on
 * the way. Returns its length, or -1 once the association has ended. */
static long recv_msg(int sd, uint8_t *buf, size_t cap, tern_recv_info *info)
{
    size_t off = 0;
    for (;;) {
        if (seen_end != END_NONE) return -1;
        int flags = 0;
        long n = tern_recvmsg(ctx, sd, buf + off, cap - off, NULL, NULL, info, 0, &flags);
        if (n == 0) {
            seen_end = END_SHUTDOWN;
            return -1;
        }
        if (n == TERN_ECONNRESET) {
            seen_end = END_ABORT;
            return -1;
        }
        check(n, "recvmsg");
        if (flags & TERN_MSG_NOTIFICATION) {
            if (off) peer_die("notification inside a message");
            const union tern_notification *sn = (const void *)buf;
            if (sn->h.type == TERN_ASSOC_CHANGE) {
                uint16_t st = sn->assoc_change.state;
                if (st == TERN_COMM_LOST || st == TERN_CANT_STR_ASSOC) {
                    peer_say("event: COMM_LOST (error cause %u)", sn->assoc_change.error);
                    seen_end = END_ABORT;
                } else if (st == TERN_SHUTDOWN_COMP) {
                    peer_say("event: SHUTDOWN_COMP");
                    seen_end = END_SHUTDOWN;
                } else if (st == TERN_COMM_UP) {
                    peer_say("event: COMM_UP (%u streams out, %u in)",
                             sn->assoc_change.outbound_streams, sn->assoc_change.inbound_streams);
                }
            } else if (sn->h.type == TERN_SHUTDOWN_EVENT) {
                peer_say("event: SHUTDOWN_EVENT");
            }
            continue;
        }
        off += (size_t)n;
        if (flags & TERN_MSG_EOR) return (long)off;
        if (off == cap) peer_die("message longer than %zu bytes", cap - 1);
    }
}

static void send_all(int sd, const struct peer_opts *o, uint8_t *buf)
{
    for (unsigned i = 0; i < o->count; i++) {
        tern_send_info si = {.sid = (uint16_t)(i % o->streams),
                             .ppid = i + 1,
                             .flags = o->unordered ? TERN_UNORDERED : 0};
        peer_fill(buf, o->size, i, si.sid);
        long n = tern_sendmsg(ctx, sd, buf, o->size, NULL, 0, &si, 0);
        if (n != (long)o->size)
            peer_die("send #%u: %s", i, n < 0 ? tern_strerror((int)n) : "short");
    }
}

static void recv_all(int sd, const struct peer_opts *o, uint8_t *buf, size_t cap)
{
    struct peer_rx rx;
    peer_rx_init(&rx, o);
    while (rx.got < o->count) {
        tern_recv_info ri;
        long n = recv_msg(sd, buf, cap, &ri);
        if (n < 0)
            peer_die("association ended (%s) after %u of %u messages", peer_end_name(seen_end),
                     rx.got, o->count);
        if (!peer_rx_check(&rx, buf, (size_t)n, ri.sid, ri.ppid, ri.flags & TERN_UNORDERED))
            exit(1);
    }
    peer_rx_free(&rx);
}

/* tern_peer --free-udp-ports N: prints N UDP ports that are free now (for
 * the test drivers: usrsctp needs its encapsulation port given, and the
 * capture filter needs both before anything starts). */
static int free_udp_ports(int n)
{
    int fds[16];
    if (n < 1 || n > 16) return 2;
    for (int i = 0; i < n; i++) {
        struct sockaddr_in a = {.sin_family = AF_INET};
        socklen_t len = sizeof a;
        fds[i] = socket(AF_INET, SOCK_DGRAM, 0);
        if (fds[i] < 0 || bind(fds[i], (struct sockaddr *)&a, sizeof a) < 0 ||
            getsockname(fds[i], (struct sockaddr *)&a, &len) < 0)
            return perror("free-udp-ports"), 1;
        printf("%s%u", i ? " " : "", ntohs(a.sin_port));
    }
    printf("\n");
    for (int i = 0; i < n; i++)
        close(fds[i]);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--free-udp-ports") == 0) return free_udp_ports(atoi(argv[2]));
    uint32_t mtu = 0;
    int omit = 0;
    int skip = 1;
    for (; skip < argc; skip++) {
        if (strcmp(argv[skip], "--omit-init-params") == 0)
            omit = 1;
        else if (strcmp(argv[skip], "--mtu") == 0 && skip + 1 < argc)
            mtu = (uint32_t)strtoul(argv[++skip], NULL, 10);
        else
            break;
    }
    argv[skip - 1] = argv[0];
    struct peer_opts o;
    peer_parse(&o, argc - skip + 1, argv + skip - 1, "tern_peer");
    tern_ctx_config cfg;
    tern_ctx_config_default(&cfg);
    cfg.udp_port = o.udp_port;
    cfg.remote_udp_port = o.remote_udp_port;
    cfg.ipv6 = false;
    check(tern_ctx_new(&cfg, &ctx), "context");

    int sd = tern_socket(ctx, AF_INET, TERN_SOCK_STREAM);
    check(sd, "socket");
    struct tern_initmsg im = {.num_ostreams = o.streams, .max_instreams = 1024};
    check(tern_setsockopt(ctx, sd, TERN_INITMSG, &im, sizeof im), "INITMSG");
    static const uint16_t events[] = {TERN_ASSOC_CHANGE, TERN_SHUTDOWN_EVENT};
    for (size_t i = 0; i < sizeof events / sizeof events[0]; i++) {
        struct tern_event_subscribe ev = {.type = events[i], .on = 1};
        check(tern_setsockopt(ctx, sd, TERN_EVENT, &ev, sizeof ev), "EVENT");
    }
    if (omit) check(tern_setsockopt(ctx, sd, TERN_OMIT_INIT_PARAMS, &omit, sizeof omit), "OMIT");
    if (mtu) {
        struct tern_paddrparams pp = {.pathmtu = mtu, .flags = TERN_SPP_PMTUD_DISABLE};
        check(tern_setsockopt(ctx, sd, TERN_PEER_ADDR_PARAMS, &pp, sizeof pp), "PEER_ADDR_PARAMS");
    }
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(o.port)};
    int conn;
    if (o.server) {
        check(tern_bind(ctx, sd, (struct sockaddr *)&addr, sizeof addr), "bind");
        check(tern_listen(ctx, sd, 1), "listen");
        peer_say("listening on port %u (UDP encapsulation port %u)", o.port,
                 tern_ctx_udp_port(ctx));
        conn = tern_accept(ctx, sd, NULL, NULL);
        check(conn, "accept");
        tern_close(ctx, sd);
    } else {
        if (inet_pton(AF_INET, o.addr, &addr.sin_addr) != 1) peer_die("bad address %s", o.addr);
        check(tern_connect(ctx, sd, (struct sockaddr *)&addr, sizeof addr), "connect");
        conn = sd;
    }
    peer_say("associated");

    size_t cap = (o.size > 4096 ? o.size : 4096) + 1;
    uint8_t *buf = malloc(cap);
    if (!buf) peer_die("out of memory");
    if (o.close != END_NONE) {
        send_all(conn, &o, buf);
        recv_all(conn, &o, buf, cap);
        if (o.close == END_ABORT) {
            static const char reason[] = "tern_peer: abort as asked";
            tern_send_info si = {.flags = TERN_ABORT};
            check(tern_sendmsg(ctx, conn, reason, sizeof reason - 1, NULL, 0, &si, 0), "abort");
            seen_end = END_ABORT;
        } else {
            check(tern_shutdown(ctx, conn, TERN_SHUT_WR), "shutdown");
            tern_recv_info ri;
            if (recv_msg(conn, buf, cap, &ri) >= 0) peer_die("data after our SHUTDOWN");
            if (seen_end != END_SHUTDOWN)
                peer_die("our shutdown ended in %s", peer_end_name(seen_end));
        }
    } else {
        recv_all(conn, &o, buf, cap);
        send_all(conn, &o, buf);
        tern_recv_info ri;
        if (recv_msg(conn, buf, cap, &ri) >= 0) peer_die("more data than expected");
        if (seen_end != o.expect)
            peer_die("the association ended in %s, expected %s", peer_end_name(seen_end),
                     peer_end_name(o.expect));
    }
    peer_say("ok %u messages verified, end: %s", o.count, peer_end_name(seen_end));
    free(buf);
    tern_close(ctx, conn);
    tern_ctx_free(ctx);
    return 0;
}
