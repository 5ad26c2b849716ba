/* `tern demo`: a server and a client in this process (two Tern contexts on
 * ephemeral UDP ports of 127.0.0.1: no setup, no collisions). They open an
 * association with 8 streams, the client sends a message on every stream
 * ordered and unordered, the server answers each, they shut down gracefully
 * and a summary follows. Exit 0 when everything arrived as sent. */
#include <stdlib.h>
#include <string.h>

#include "common.h"

#define DEMO_MAX_STREAMS 64
#define DEMO_TIMEOUT_MS  5000

static const char demo_help[] =
    "usage: tern demo [--streams N] [options]\n\n"
    "Starts a server and a client in this process (two Tern contexts on ephemeral\n"
    "UDP ports of 127.0.0.1), opens an association with N streams (8), sends a\n"
    "message on every stream ordered and unordered, shows each one arriving and\n"
    "the server's answer, shuts down gracefully and prints a summary. Exit 0 when\n"
    "every message arrived whole, on its stream, with its PPID and ordering.\n\n"
    "  --streams N       streams each way (8, at most 64)\n\n";

typedef struct side {
    const char *name;
    tern_ctx *ctx;
    int sd;
    tool_msg m;
    char events[256]; /* notification names, in order */
    unsigned nevents;
    uint64_t msgs_in, bytes_in, msgs_out, bytes_out;
    unsigned bad;
} side;

static void note_event(side *s, const union tern_notification *n)
{
    const char *name = tool_sn_name(n);
    size_t len = strlen(s->events);
    snprintf(s->events + len, sizeof s->events - len, "%s%s", s->nevents ? ", " : "", name);
    s->nevents++;
    printf("  %-16s %7s  %-9s %6s  %s", s->name, "", "event", "", name);
    if (n->h.type == TERN_ASSOC_CHANGE && n->assoc_change.state == TERN_COMM_UP)
        printf(" (assoc %u, %u streams out, %u in)", n->assoc_change.assoc_id,
               n->assoc_change.outbound_streams, n->assoc_change.inbound_streams);
    printf("\n");
}

/* The next data message on s (notifications on the way are logged): 1, 0 at
 * the end of the association, or an error. */
static long next_message(side *s)
{
    long r;
    while ((r = tool_recv(s->ctx, s->sd, &s->m, 0)) == 1 && s->m.notification)
        note_event(s, (const union tern_notification *)s->m.buf);
    return r;
}

/* Logs the notifications already queued on s (right after set-up: no data yet). */
static void drain_events(side *s)
{
    while (tool_recv(s->ctx, s->sd, &s->m, TERN_MSG_DONTWAIT) == 1 && s->m.notification)
        note_event(s, (const union tern_notification *)s->m.buf);
}

static void log_message(const side *to, const tool_msg *m)
{
    const char *from = strcmp(to->name, "server") == 0 ? "client" : "server";
    printf("  %-6s -> %-6s %7u  %-9s %6u  %.*s\n", from, to->name, m->info.sid,
           m->info.flags & TERN_UNORDERED ? "unordered" : "ordered", m->info.ppid, (int)m->len,
           (const char *)m->buf);
}

static int open_side(side *s, const char *name, const tool_opts *o, uint16_t remote_udp_port)
{
    memset(s, 0, sizeof *s);
    s->name = name;
    s->sd = -1;
    tool_msg_init(&s->m);
    tool_opts so = *o;
    so.udp_port = 0;
    so.remote_udp_port = remote_udp_port;
    return tool_ctx_open(&so, false, true, &s->ctx);
}

static void subscribe_all(side *s, int sd)
{
    static const enum tern_sn_type types[] = {TERN_ASSOC_CHANGE, TERN_PEER_ADDR_CHANGE,
                                              TERN_REMOTE_ERROR, TERN_SEND_FAILED_EVENT,
                                              TERN_SHUTDOWN_EVENT};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        tool_subscribe(s->ctx, sd, types[i]);
    tool_set_int(s->ctx, sd, TERN_SO_RCVTIMEO, DEMO_TIMEOUT_MS);
    tool_set_int(s->ctx, sd, TERN_SO_SNDTIMEO, DEMO_TIMEOUT_MS);
}

static long send_text(side *s, uint16_t sid, bool unordered, uint32_t ppid, const char *text)
{
    tern_send_info si = {.sid = sid, .ppid = ppid, .flags = unordered ? TERN_UNORDERED : 0};
    long n = tern_sendmsg(s->ctx, s->sd, text, strlen(text), NULL, 0, &si, 0);
    if (n > 0) {
        s->msgs_out++;
        s->bytes_out += (uint64_t)n;
    }
    return n;
}

static void text_for(char *buf, size_t cap, unsigned i, unsigned streams, bool reply)
{
    snprintf(buf, cap, "%shello #%u on stream %u, %s", reply ? "re: " : "", i + 1, i % streams,
             i < streams ? "ordered" : "unordered");
}

/* Receives n messages on s and checks each against what was sent. answer:
 * reply to each on the same stream, ordering and PPID. */
static int receive_all(side *s, unsigned n, unsigned streams, bool answer)
{
    for (unsigned k = 0; k < n; k++) {
        long r = next_message(s);
        if (r <= 0) return tool_failf("%s: %s", s->name, r ? tern_strerror((int)r) : "ended");
        log_message(s, &s->m);
        s->msgs_in++;
        s->bytes_in += s->m.len;
        /* Which message is it? The text says; check stream, ordering and PPID. */
        unsigned idx = 0;
        const char *p = memchr(s->m.buf, '#', s->m.len);
        if (p) idx = (unsigned)strtoul(p + 1, NULL, 10) - 1;
        char want[96];
        text_for(want, sizeof want, idx, streams, !answer);
        bool unordered = idx >= streams;
        if (idx >= 2 * streams || s->m.len != strlen(want) || memcmp(s->m.buf, want, s->m.len) ||
            s->m.info.sid != idx % streams ||
            s->m.info.ppid != 100u * (unordered ? 2 : 1) + idx % streams ||
            !(s->m.info.flags & TERN_UNORDERED) != !unordered) {
            tool_failf("%s: message %u arrived wrong", s->name, idx + 1);
            s->bad++;
            continue;
        }
        if (answer) {
            char re[96];
            text_for(re, sizeof re, idx, streams, true);
            long w = send_text(s, s->m.info.sid, unordered, s->m.info.ppid, re);
            if (w < 0) return tool_fail("server: send", (int)w);
        }
    }
    return 0;
}

static void summary(const side *c, const side *s, unsigned streams, double hs, double sd,
                    bool graceful)
{
    printf("\nsummary\n");
    printf("  %-14s %llu client -> server (%llu bytes), %llu server -> client (%llu bytes)\n",
           "messages", (unsigned long long)s->msgs_in, (unsigned long long)s->bytes_in,
           (unsigned long long)c->msgs_in, (unsigned long long)c->bytes_in);
    printf("  %-14s %u each way; %u ordered and %u unordered messages each way\n", "streams",
           streams, streams, streams);
    printf("  %-14s %.2f ms (INIT, INIT ACK, COOKIE ECHO, COOKIE ACK)\n", "handshake", hs * 1e3);
    printf("  %-14s %s, %.2f ms\n", "shutdown",
           graceful ? "graceful (SHUTDOWN, SHUTDOWN ACK, SHUTDOWN COMPLETE)" : "NOT graceful",
           sd * 1e3);
    printf("  %-14s client: %s\n", "notifications", c->nevents ? c->events : "none");
    printf("  %-14s server: %s\n", "", s->nevents ? s->events : "none");
}

int cmd_demo(int argc, char **argv)
{
    enum { OPT_STREAMS = OPT_LOCAL };
    static const struct option longopts[] = {
        TOOL_COMMON_LONGOPTS,
        {"streams", required_argument, NULL, OPT_STREAMS},
        {0},
    };
    tool_opts o;
    tool_opts_init(&o);
    unsigned long streams = 8;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, TOOL_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
        int k = tool_opts_parse(&o, c, optarg);
        if (k < 0) return 2;
        if (k > 0) continue;
        switch (c) {
        case 'h': printf("%s%s", demo_help, tool_common_help); return 0;
        case OPT_STREAMS:
            if (tool_parse_uint(optarg, "--streams", 1, DEMO_MAX_STREAMS, &streams) < 0) return 2;
            break;
        default: fprintf(stderr, "%s%s", demo_help, tool_common_help); return 2;
        }
    }
    if (optind < argc) return tool_failf("unexpected argument '%s'", argv[optind]), 2;
    int family = o.family == AF_INET6 ? AF_INET6 : AF_INET;
    unsigned n = 2 * (unsigned)streams;

    side srv, cli;
    int rc = 1, ls = -1, err;
    if (open_side(&srv, "server", &o, 0) < 0) return 1;
    if (open_side(&cli, "client", &o, tern_ctx_udp_port(srv.ctx)) < 0) {
        tern_ctx_free(srv.ctx);
        return 1;
    }

    /* The server: listen on an ephemeral port of the loopback address. */
    struct sockaddr_storage ss;
    socklen_t sl;
    tool_resolve(NULL, 0, family, true, &ss, &sl);
    if ((ls = tern_socket(srv.ctx, family, TERN_SOCK_STREAM)) < 0) {
        tool_fail("server: socket", ls);
        goto out;
    }
    tool_set_streams(srv.ctx, ls, (uint16_t)streams, (uint16_t)streams);
    subscribe_all(&srv, ls);
    if ((err = tern_bind(srv.ctx, ls, (struct sockaddr *)&ss, sl)) < 0 ||
        (err = tern_listen(srv.ctx, ls, 1)) < 0) {
        tool_fail("server: listen", err);
        goto out;
    }
    sl = sizeof ss;
    tern_getsockname(srv.ctx, ls, (struct sockaddr *)&ss, &sl);
    char where[64];
    tool_addr_str((struct sockaddr *)&ss, where, sizeof where);
    if (o.transport == TERN_TRANSPORT_RAW)
        printf("tern demo: server and client in this process, over raw IP; server on %s\n", where);
    else
        printf("tern demo: server and client in this process, over UDP (RFC 6951) on ports %u "
               "and %u; server on %s\n",
               tern_ctx_udp_port(srv.ctx), tern_ctx_udp_port(cli.ctx), where);

    /* The client: connect, asking for the streams. */
    if ((cli.sd = tern_socket(cli.ctx, family, TERN_SOCK_STREAM)) < 0) {
        tool_fail("client: socket", cli.sd);
        goto out;
    }
    tool_set_streams(cli.ctx, cli.sd, (uint16_t)streams, (uint16_t)streams);
    subscribe_all(&cli, cli.sd);
    printf("\n  %-16s %7s  %-9s %6s  %s\n", "", "stream", "delivery", "ppid", "message");
    double t0 = tool_now();
    if ((err = tern_connect(cli.ctx, cli.sd, (struct sockaddr *)&ss, sl)) < 0) {
        tool_fail("client: connect", err);
        goto out;
    }
    double hs = tool_now() - t0;
    if ((srv.sd = tern_accept(srv.ctx, ls, NULL, NULL)) < 0) {
        tool_fail("server: accept", srv.sd);
        goto out;
    }
    subscribe_all(&srv, srv.sd);
    drain_events(&cli);
    drain_events(&srv);

    /* Every stream, ordered then unordered; the server answers each. */
    for (unsigned i = 0; i < n; i++) {
        char text[96];
        text_for(text, sizeof text, i, (unsigned)streams, false);
        bool unordered = i >= streams;
        long w = send_text(&cli, (uint16_t)(i % streams), unordered,
                           100u * (unordered ? 2 : 1) + i % (unsigned)streams, text);
        if (w < 0) {
            tool_fail("client: send", (int)w);
            goto out;
        }
    }
    if (receive_all(&srv, n, (unsigned)streams, true) ||
        receive_all(&cli, n, (unsigned)streams, false))
        goto out;

    /* Graceful shutdown: the client's SHUTDOWN, then both read to the end. */
    double t1 = tool_now();
    err = tern_shutdown(cli.ctx, cli.sd, TERN_SHUT_WR);
    long rcli = err < 0 ? err : next_message(&cli);
    double sdt = tool_now() - t1;
    long rsrv = next_message(&srv);
    bool graceful = rcli == 0 && rsrv == 0;
    if (!graceful)
        tool_failf("shutdown: client %s, server %s", rcli ? tern_strerror((int)rcli) : "ok",
                   rsrv ? tern_strerror((int)rsrv) : "ok");
    summary(&cli, &srv, (unsigned)streams, hs, sdt, graceful);
    bool ok = graceful && !cli.bad && !srv.bad && srv.msgs_in == n && cli.msgs_in == n;
    printf("tern demo: %s\n", ok ? "OK" : "FAILED");
    rc = ok ? 0 : 1;
out:
    if (cli.sd >= 0) tern_close(cli.ctx, cli.sd);
    if (srv.sd >= 0) tern_close(srv.ctx, srv.sd);
    if (ls >= 0) tern_close(srv.ctx, ls);
    tern_ctx_free(cli.ctx);
    tern_ctx_free(srv.ctx);
    tool_msg_free(&cli.m);
    tool_msg_free(&srv.m);
    return rc;
}
