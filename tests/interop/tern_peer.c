/* Tern's side of the interop scenarios (see peer_common.h): one one-to-one
 * socket over UDP encapsulation (with --assocs N: N of them, or the
 * server's one one-to-many socket with --one-to-many), the same options and
 * output as usrsctp_peer.c. Settings some peers need, given before the common options:
 *   --mtu N             a fixed path MTU (TERN_SPP_PMTUD_DISABLE), for peers
 *                       that read smaller datagrams than loopback's 65535
 *   --no-gso            tern_ctx_config.gso = false: a capture on lo records a
 *                       UDP GSO message uncut, which the wire judge cannot read
 *   --bind A            bind to address A instead of the wildcard (the INIT
 *                       and INIT ACK then list it, RFC 9260 §5.1.2)
 *   --omit-init-params  TERN_OMIT_INIT_PARAMS, for peers that refuse INIT
 *                       parameters they do not parse */
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <tern/tern.h>
#include <unistd.h>

#include "peer_common.h"

static tern_ctx *ctx;

/* One association: its one-to-one socket, or the one-to-many socket and its
 * id; how it ended; what it received (checked on its own). */
struct assoc {
    int sd;
    tern_assoc_id id;
    enum peer_end end;
    struct peer_rx rx;
    bool sent, ending; /* all --count sent; our SHUTDOWN or ABORT asked */
};

static void check(long err, const char *what)
{
    if (err < 0) peer_die("%s: %s", what, tern_strerror((int)err));
}

/* A notification: prints the events the scenarios look for and returns the
 * end it means for its association (END_NONE: not an end). */
static enum peer_end on_notification(const union tern_notification *sn, tern_assoc_id *id)
{
    *id = 0;
    if (sn->h.type == TERN_ASSOC_CHANGE) {
        uint16_t st = sn->assoc_change.state;
        *id = sn->assoc_change.assoc_id;
        if (st == TERN_COMM_LOST || st == TERN_CANT_STR_ASSOC) {
            peer_say("event: COMM_LOST (error cause %u)", sn->assoc_change.error);
            return END_ABORT;
        }
        if (st == TERN_SHUTDOWN_COMP) {
            peer_say("event: SHUTDOWN_COMP");
            return END_SHUTDOWN;
        }
        if (st == TERN_COMM_UP)
            peer_say("event: COMM_UP (%u streams out, %u in)", sn->assoc_change.outbound_streams,
                     sn->assoc_change.inbound_streams);
    } else if (sn->h.type == TERN_SHUTDOWN_EVENT) {
        *id = sn->shutdown.assoc_id;
        peer_say("event: SHUTDOWN_EVENT");
    }
    return END_NONE;
}

/* The next whole message of a one-to-one association into buf (cap bytes);
 * notifications are handled on the way. Returns its length, or -1 once the
 * association has ended. */
static long recv_msg(struct assoc *a, uint8_t *buf, size_t cap, tern_recv_info *info)
{
    size_t off = 0;
    for (;;) {
        if (a->end != END_NONE) return -1;
        int flags = 0;
        long n = tern_recvmsg(ctx, a->sd, buf + off, cap - off, NULL, NULL, info, 0, &flags);
        if (n == 0) {
            a->end = END_SHUTDOWN;
            return -1;
        }
        if (n == TERN_ECONNRESET) {
            a->end = END_ABORT;
            return -1;
        }
        check(n, "recvmsg");
        if (flags & TERN_MSG_NOTIFICATION) {
            if (off) peer_die("notification inside a message");
            tern_assoc_id id;
            enum peer_end e = on_notification((const void *)buf, &id);
            if (e != END_NONE) a->end = e;
            continue;
        }
        off += (size_t)n;
        if (flags & TERN_MSG_EOR) return (long)off;
        if (off == cap) peer_die("message longer than %zu bytes", cap - 1);
    }
}

static void send_all(struct assoc *a, const struct peer_opts *o, uint8_t *buf)
{
    for (unsigned i = 0; i < o->count; i++) {
        tern_send_info si = {.sid = (uint16_t)(i % o->streams),
                             .ppid = i + o->ppid_base,
                             .flags = o->unordered ? TERN_UNORDERED : 0,
                             .assoc_id = a->id};
        peer_fill(buf, o->size, i, si.sid);
        long n = tern_sendmsg(ctx, a->sd, buf, o->size, NULL, 0, &si, 0);
        if (n != (long)o->size)
            peer_die("send #%u: %s", i, n < 0 ? tern_strerror((int)n) : "short");
    }
    a->sent = true;
}

static void recv_all(struct assoc *a, const struct peer_opts *o, uint8_t *buf, size_t cap)
{
    while (a->rx.got < o->count) {
        tern_recv_info ri;
        long n = recv_msg(a, buf, cap, &ri);
        if (n < 0)
            peer_die("association ended (%s) after %u of %u messages", peer_end_name(a->end),
                     a->rx.got, o->count);
        if (!peer_rx_check(&a->rx, buf, (size_t)n, ri.sid, ri.ppid, ri.flags & TERN_UNORDERED))
            exit(1);
    }
}

/* Our end of the association, as --close says: the ABORT, or the SHUTDOWN
 * (one-to-one: TERN_SHUT_WR; one-to-many: an empty message with TERN_EOF). */
static void end_assoc(struct assoc *a, enum peer_end how)
{
    a->ending = true;
    if (how == END_ABORT) {
        static const char reason[] = "tern_peer: abort as asked";
        tern_send_info si = {.flags = TERN_ABORT, .assoc_id = a->id};
        check(tern_sendmsg(ctx, a->sd, reason, sizeof reason - 1, NULL, 0, &si, 0), "abort");
        a->end = END_ABORT;
    } else if (a->id) {
        tern_send_info si = {.flags = TERN_EOF, .assoc_id = a->id};
        check(tern_sendmsg(ctx, a->sd, NULL, 0, NULL, 0, &si, 0), "shutdown (EOF)");
    } else {
        check(tern_shutdown(ctx, a->sd, TERN_SHUT_WR), "shutdown");
    }
}

/* One-to-one associations, each on its own socket, in steps over all of
 * them (one association: the single exchange of peer_common.h). A blocking
 * call on one socket drives the whole context, so the others go on. */
static void run_one_to_one(struct assoc *as, const struct peer_opts *o, uint8_t *buf, size_t cap)
{
    unsigned n = o->assocs;
    tern_recv_info ri;
    if (o->close != END_NONE) {
        for (unsigned k = 0; k < n; k++)
            send_all(&as[k], o, buf);
        for (unsigned k = 0; k < n; k++)
            recv_all(&as[k], o, buf, cap);
        for (unsigned k = 0; k < n; k++)
            end_assoc(&as[k], o->close);
        if (o->close == END_SHUTDOWN)
            for (unsigned k = 0; k < n; k++) {
                if (recv_msg(&as[k], buf, cap, &ri) >= 0) peer_die("data after our SHUTDOWN");
                if (as[k].end != END_SHUTDOWN)
                    peer_die("our shutdown ended in %s", peer_end_name(as[k].end));
            }
    } else {
        for (unsigned k = 0; k < n; k++)
            recv_all(&as[k], o, buf, cap);
        for (unsigned k = 0; k < n; k++)
            send_all(&as[k], o, buf);
        for (unsigned k = 0; k < n; k++) {
            if (recv_msg(&as[k], buf, cap, &ri) >= 0) peer_die("more data than expected");
            if (as[k].end != o->expect)
                peer_die("the association ended in %s, expected %s", peer_end_name(as[k].end),
                         peer_end_name(o->expect));
        }
    }
}

/* The server's one-to-many socket: one loop reads everything, data and
 * notifications, and keeps each association's state by its id. A closer
 * sends once all --assocs are up; a waiter answers an association once it
 * has received its --count. Returns when every association has ended. */
static void run_one_to_many(int sd, struct assoc *as, const struct peer_opts *o, uint8_t *buf,
                            size_t cap)
{
    unsigned up = 0, ended = 0;
    size_t off = 0;
    tern_assoc_id cur = 0;
    while (ended < o->assocs) {
        int flags = 0;
        tern_recv_info ri;
        long n = tern_recvmsg(ctx, sd, buf + off, cap - off, NULL, NULL, &ri, 0, &flags);
        check(n, "recvmsg");
        if (n == 0) peer_die("recvmsg: 0 on a one-to-many socket");
        if (flags & TERN_MSG_NOTIFICATION) {
            if (off) peer_die("notification inside a message");
            const union tern_notification *sn = (const void *)buf;
            tern_assoc_id id;
            enum peer_end e = on_notification(sn, &id);
            struct assoc *a = NULL;
            for (unsigned k = 0; k < up; k++)
                if (as[k].id == id) a = &as[k];
            if (sn->h.type == TERN_ASSOC_CHANGE && sn->assoc_change.state == TERN_COMM_UP) {
                if (a) peer_die("COMM_UP twice for association %u", id);
                if (up == o->assocs) peer_die("more than %u associations", o->assocs);
                as[up].id = id;
                as[up].sd = sd;
                peer_say("assoc %u: id %u up", up + 1, id);
                if (++up == o->assocs && o->close != END_NONE)
                    for (unsigned k = 0; k < up; k++)
                        send_all(&as[k], o, buf);
                continue;
            }
            if (e == END_NONE) continue;
            if (!a) peer_die("an end (%s) for unknown association %u", peer_end_name(e), id);
            if (a->end != END_NONE) continue; /* our own ABORT's */
            a->end = e;
            peer_check_end(o, (unsigned)(a - as) + 1, &a->rx, a->sent, e);
            ended++;
            continue;
        }
        if (off && ri.assoc_id != cur) peer_die("a message's parts from two associations");
        cur = ri.assoc_id;
        off += (size_t)n;
        if (!(flags & TERN_MSG_EOR)) {
            if (off == cap) peer_die("message longer than %zu bytes", cap - 1);
            continue;
        }
        size_t len = off;
        off = 0;
        struct assoc *a = NULL;
        for (unsigned k = 0; k < up; k++)
            if (as[k].id == ri.assoc_id) a = &as[k];
        if (!a) peer_die("data for association %u before its COMM_UP", ri.assoc_id);
        if (a->ending && o->close == END_SHUTDOWN) peer_die("data after our SHUTDOWN");
        if (!peer_rx_check(&a->rx, buf, len, ri.sid, ri.ppid, ri.flags & TERN_UNORDERED)) exit(1);
        if (a->rx.got < o->count) continue;
        if (o->close == END_NONE) {
            send_all(a, o, buf);
        } else {
            end_assoc(a, o->close);
            if (o->close == END_ABORT) ended++;
        }
    }
}

/* --linger (peer_common.h): this thread drives the context (caller-driven
 * mode) so that it answers what still comes, until SIGHUP or the time. */
static void linger(const struct peer_opts *o)
{
    if (!o->linger) return;
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &t);
        long left = (long)o->linger * 1000 -
                    ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
        if (peer_linger_stop || left <= 0) break;
        int tmo = tern_ctx_timeout_ms(ctx);
        struct pollfd pfd = {.fd = tern_ctx_fd(ctx), .events = POLLIN};
        (void)poll(&pfd, 1, tmo < 0 || tmo > left ? (int)left : tmo);
        check(tern_ctx_process(ctx), "linger: process");
    }
    peer_say("lingered: %s", peer_linger_stop ? "SIGHUP" : "time is up");
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
    bool gso = true;
    const char *bind_addr = NULL;
    int skip = 1;
    for (; skip < argc; skip++) {
        if (strcmp(argv[skip], "--no-gso") == 0)
            gso = false;
        else if (strcmp(argv[skip], "--omit-init-params") == 0)
            omit = 1;
        else if (strcmp(argv[skip], "--bind") == 0 && skip + 1 < argc)
            bind_addr = argv[++skip];
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
    cfg.gso = gso;
    check(tern_ctx_new(&cfg, &ctx), "context");

    if (o.one_to_many && !o.server) peer_die("--one-to-many is for the server");
    int sd = tern_socket(ctx, AF_INET, o.one_to_many ? TERN_SOCK_SEQPACKET : TERN_SOCK_STREAM);
    check(sd, "socket");
    struct assoc *as = calloc(o.assocs, sizeof *as);
    if (!as) peer_die("out of memory");
    for (unsigned k = 0; k < o.assocs; k++)
        peer_rx_init(&as[k].rx, &o);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(o.port)};
    struct sockaddr_in local = {.sin_family = AF_INET};
    if (bind_addr && inet_pton(AF_INET, bind_addr, &local.sin_addr) != 1)
        peer_die("bad address %s", bind_addr);
    for (unsigned k = 0; k < (o.server ? 1 : o.assocs); k++) {
        if (k > 0) {
            sd = tern_socket(ctx, AF_INET, TERN_SOCK_STREAM);
            check(sd, "socket");
        }
        struct tern_initmsg im = {.num_ostreams = o.streams, .max_instreams = 1024};
        check(tern_setsockopt(ctx, sd, TERN_INITMSG, &im, sizeof im), "INITMSG");
        static const uint16_t events[] = {TERN_ASSOC_CHANGE, TERN_SHUTDOWN_EVENT};
        for (size_t i = 0; i < sizeof events / sizeof events[0]; i++) {
            struct tern_event_subscribe ev = {.type = events[i], .on = 1};
            check(tern_setsockopt(ctx, sd, TERN_EVENT, &ev, sizeof ev), "EVENT");
        }
        if (omit)
            check(tern_setsockopt(ctx, sd, TERN_OMIT_INIT_PARAMS, &omit, sizeof omit), "OMIT");
        if (mtu) {
            struct tern_paddrparams pp = {.pathmtu = mtu, .flags = TERN_SPP_PMTUD_DISABLE};
            check(tern_setsockopt(ctx, sd, TERN_PEER_ADDR_PARAMS, &pp, sizeof pp),
                  "PEER_ADDR_PARAMS");
        }
        if (o.server) break;
        /* The client: every association established before any data moves. */
        if (inet_pton(AF_INET, o.addr, &addr.sin_addr) != 1) peer_die("bad address %s", o.addr);
        if (bind_addr) check(tern_bind(ctx, sd, (struct sockaddr *)&local, sizeof local), "bind");
        check(tern_connect(ctx, sd, (struct sockaddr *)&addr, sizeof addr), "connect");
        as[k].sd = sd;
    }
    if (o.server) {
        local.sin_port = addr.sin_port;
        check(tern_bind(ctx, sd, (struct sockaddr *)&local, sizeof local), "bind");
        check(tern_listen(ctx, sd, (int)o.assocs), "listen");
        peer_say("listening on port %u (UDP encapsulation port %u)", o.port,
                 tern_ctx_udp_port(ctx));
        if (!o.one_to_many) {
            for (unsigned k = 0; k < o.assocs; k++) {
                as[k].sd = tern_accept(ctx, sd, NULL, NULL);
                check(as[k].sd, "accept");
            }
            tern_close(ctx, sd);
        }
    }
    if (o.assocs > 1 && !o.one_to_many)
        peer_say("associated (%u)", o.assocs);
    else if (!o.one_to_many)
        peer_say("associated");

    size_t cap = (o.size > 4096 ? o.size : 4096) + 1;
    uint8_t *buf = malloc(cap);
    if (!buf) peer_die("out of memory");
    if (o.one_to_many)
        run_one_to_many(sd, as, &o, buf, cap);
    else
        run_one_to_one(as, &o, buf, cap);
    enum peer_end end = as[0].end;
    if (o.assocs > 1) {
        for (unsigned k = 0; k < o.assocs; k++) {
            if (as[k].end != end)
                peer_die("assoc %u ended in %s, assoc 1 in %s", k + 1, peer_end_name(as[k].end),
                         peer_end_name(end));
            peer_say("assoc %u: ok %u messages verified, end: %s", k + 1, as[k].rx.got,
                     peer_end_name(as[k].end));
        }
        peer_say("associations %u verified", o.assocs);
    }
    peer_say("ok %u messages verified, end: %s", o.count * o.assocs, peer_end_name(end));
    free(buf);
    for (unsigned k = 0; k < o.assocs; k++) {
        if (!o.one_to_many) tern_close(ctx, as[k].sd);
        peer_rx_free(&as[k].rx);
    }
    if (o.one_to_many) tern_close(ctx, sd);
    free(as);
    linger(&o);
    tern_ctx_free(ctx);
    return 0;
}
