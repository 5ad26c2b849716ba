/* `tern perf server|client|loop`: throughput of one association (iperf-,
 * tsctp-like). The client sends numbered messages for --count messages or
 * --time seconds, then an END message with the count, bytes and a checksum
 * of what it sent; the server checks what it received against it and
 * answers with a RESULT: its count, bytes, checksum, time and CPU time, so
 * the client prints both sides and a fast wrong answer cannot pass. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

#define PERF_PORT        5001
#define PERF_PPID_DATA   0x7465726eu /* "tern" */
#define PERF_PPID_END    0x7465726fu
#define PERF_PPID_RESULT 0x74657270u
#define PERF_MAGIC       0x5445524e50455246ull /* "TERNPERF" */
#define PERF_MAX_STREAMS 1024

static const char perf_help[] =
    "usage: tern perf server [--port P] [--max-assocs N] [options]\n"
    "       tern perf client [host] [--port P] [--size S] [--count N | --time T] [options]\n"
    "       tern perf loop [client options]   server and client in this process\n\n"
    "The client sends --size byte messages to the server for --count messages or\n"
    "--time seconds (5), then asks for the server's figures: both sides' MB/s,\n"
    "messages/s and CPU time (user + system) are printed. The server checks the\n"
    "message count and a checksum of every payload against the client's: a run\n"
    "whose figures do not match is reported as failed (exit 1).\n\n"
    "  --port P          SCTP port (5001)\n"
    "  --max-assocs N    server: exit after N associations\n"
    "  --size S          bytes per message (1K; K, M suffixes)\n"
    "  --count N         send N messages\n"
    "  --time T          send for T seconds (5)\n"
    "  --streams N       spread messages over N streams (1)\n"
    "  --unordered       send unordered\n"
    "  --nodelay         no Nagle-like wait (TERN_NODELAY)\n"
    "  --sndbuf S        per association send buffer (TERN_SO_SNDBUF)\n"
    "  --rcvbuf S        per association receive window (TERN_SO_RCVBUF)\n"
    "  --json            one JSON object (client: both sides; server: one per association)\n\n";

typedef struct perf_args {
    tool_opts o;
    const char *host;
    uint16_t port, streams;
    unsigned long size, count, max_assocs, sndbuf, rcvbuf;
    double seconds;
    bool unordered, nodelay, json;
} perf_args;

/* One side's figures. */
typedef struct perf_side {
    uint64_t msgs, bytes, hash;
    double seconds, user, sys;
    bool ok; /* the run completed (client: the server's figures match) */
} perf_side;

/* ---- Payloads and checksums ------------------------------------------------------------ */

static uint64_t fmix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

static uint64_t load64le(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static void store64le(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* A checksum of n bytes: four independent lanes, so it keeps up with the data. */
static uint64_t body_hash(const uint8_t *p, size_t n)
{
    uint64_t h[4] = {0x9e3779b97f4a7c15ull ^ n, 0xbf58476d1ce4e5b9ull, 0x94d049bb133111ebull,
                     0x2545f4914f6cdd1dull};
    size_t i = 0;
    for (; i + 32 <= n; i += 32)
        for (int k = 0; k < 4; k++) {
            uint64_t w;
            memcpy(&w, p + i + 8 * k, 8);
            h[k] = (h[k] ^ w) * 0x100000001b3ull;
            h[k] ^= h[k] >> 29;
        }
    for (; i < n; i++)
        h[0] = (h[0] ^ p[i]) * 0x100000001b3ull;
    return fmix64(h[0] ^ fmix64(h[1]) ^ fmix64(h[2] + 1) ^ fmix64(h[3] + 2));
}

/* A message's checksum: its first 8 bytes (the sequence number) mixed with
 * the checksum of the rest, so the client computes the rest's once. */
static uint64_t msg_hash(const uint8_t *p, size_t n)
{
    if (n < 8) return body_hash(p, n);
    return fmix64(load64le(p) ^ body_hash(p + 8, n - 8));
}

/* END and RESULT: a few 64-bit numbers in network order. */
enum { F_MAGIC, F_MSGS, F_BYTES, F_HASH, F_NSEC, F_USER_US, F_SYS_US, F_COUNT };

static void encode(uint8_t *out, const uint64_t *f)
{
    for (int i = 0; i < F_COUNT; i++)
        for (int b = 0; b < 8; b++)
            out[8 * i + b] = (uint8_t)(f[i] >> (56 - 8 * b));
}

static bool decode(const tool_msg *m, uint64_t *f)
{
    if (m->len != 8 * F_COUNT) return false;
    for (int i = 0; i < F_COUNT; i++) {
        f[i] = 0;
        for (int b = 0; b < 8; b++)
            f[i] = f[i] << 8 | m->buf[8 * i + b];
    }
    return f[F_MAGIC] == PERF_MAGIC;
}

static void set_buffers(tern_ctx *ctx, int sd, const perf_args *a)
{
    if (a->sndbuf && tool_set_int(ctx, sd, TERN_SO_SNDBUF, (int)a->sndbuf) < 0)
        tool_failf("--sndbuf %lu refused", a->sndbuf);
    if (a->rcvbuf && tool_set_int(ctx, sd, TERN_SO_RCVBUF, (int)a->rcvbuf) < 0)
        tool_failf("--rcvbuf %lu refused", a->rcvbuf);
    if (a->nodelay) tool_set_int(ctx, sd, TERN_NODELAY, 1);
}

/* ---- Server ------------------------------------------------------------------------------- */

/* Receives one client's run on sd and answers it. thread: CPU time of the
 * calling thread (loop mode), else of the process. */
static void perf_serve(tern_ctx *ctx, int sd, bool thread, perf_side *s)
{
    memset(s, 0, sizeof *s);
    tool_msg m;
    tool_msg_init(&m);
    double u0, s0, t_first = 0;
    tool_cpu(thread, &u0, &s0);
    uint64_t end[F_COUNT];
    bool have_end = false;
    long r;
    while ((r = tool_recv(ctx, sd, &m, 0)) > 0) {
        if (m.notification) continue;
        if (m.info.ppid == PERF_PPID_DATA) {
            if (s->msgs++ == 0) t_first = tool_now();
            s->bytes += m.len;
            s->hash += msg_hash(m.buf, m.len);
        } else if (m.info.ppid == PERF_PPID_END && decode(&m, end)) {
            have_end = true;
            if (!t_first) t_first = tool_now();
        }
        if (have_end && s->msgs >= end[F_MSGS]) break;
    }
    if (r <= 0) {
        if (r < 0)
            tool_fail("receive", (int)r);
        else
            tool_failf("the client ended the association before its END message");
        tool_msg_free(&m);
        return;
    }
    s->seconds = tool_now() - t_first;
    tool_cpu(thread, &s->user, &s->sys);
    s->user -= u0;
    s->sys -= s0;
    s->ok = s->msgs == end[F_MSGS] && s->bytes == end[F_BYTES] && s->hash == end[F_HASH];
    uint64_t f[F_COUNT] = {PERF_MAGIC,
                           s->msgs,
                           s->bytes,
                           s->hash,
                           (uint64_t)(s->seconds * 1e9),
                           (uint64_t)(s->user * 1e6),
                           (uint64_t)(s->sys * 1e6)};
    uint8_t buf[8 * F_COUNT];
    encode(buf, f);
    tern_send_info si = {.sid = 0, .ppid = PERF_PPID_RESULT};
    long n = tern_sendmsg(ctx, sd, buf, sizeof buf, NULL, 0, &si, 0);
    if (n < 0) tool_fail("send the result", (int)n);
    while (tool_recv(ctx, sd, &m, 0) > 0) { /* until the client shuts down */
    }
    tool_msg_free(&m);
}

static void print_server(const perf_args *a, const char *peer, const perf_side *s)
{
    double mb = s->seconds > 0 ? (double)s->bytes / s->seconds / 1e6 : 0;
    double rate = s->seconds > 0 ? (double)s->msgs / s->seconds : 0;
    if (a->json) {
        printf("{\"mode\": \"server\", \"peer\": ");
        tool_json_str(stdout, peer);
        printf(", \"messages\": %llu, \"bytes\": %llu, \"seconds\": %.6f, \"mbytes_per_s\": %.3f, "
               "\"messages_per_s\": %.1f, \"user_s\": %.3f, \"sys_s\": %.3f, \"verified\": %s}\n",
               (unsigned long long)s->msgs, (unsigned long long)s->bytes, s->seconds, mb, rate,
               s->user, s->sys, s->ok ? "true" : "false");
    } else {
        printf("%s: %s: %llu messages, %llu bytes in %.3f s: %.1f MB/s, %.0f msg/s, CPU user "
               "%.2f s + sys %.2f s; %s\n",
               tool_name, peer, (unsigned long long)s->msgs, (unsigned long long)s->bytes,
               s->seconds, mb, rate, s->user, s->sys,
               s->ok ? "count and checksum match the client's" : "MISMATCH with the client's END");
    }
    fflush(stdout);
}

static int listen_socket(tern_ctx *ctx, const perf_args *a, uint16_t *port)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    int family = a->o.family == AF_INET6 ? AF_INET6 : AF_INET;
    tool_resolve(NULL, *port, family, false, &ss, &sl);
    int ls = tern_socket(ctx, family, TERN_SOCK_STREAM), err;
    if (ls < 0) {
        tool_fail("socket", ls);
        return ls;
    }
    tool_set_streams(ctx, ls, PERF_MAX_STREAMS, PERF_MAX_STREAMS);
    set_buffers(ctx, ls, a);
    if ((err = tern_bind(ctx, ls, (struct sockaddr *)&ss, sl)) < 0 ||
        (err = tern_listen(ctx, ls, 16)) < 0) {
        tool_fail("listen", err);
        tern_close(ctx, ls);
        return err;
    }
    sl = sizeof ss;
    if (tern_getsockname(ctx, ls, (struct sockaddr *)&ss, &sl) == 0)
        *port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
    return ls;
}

static int server(tern_ctx *ctx, const perf_args *a)
{
    uint16_t port = a->port;
    int ls = listen_socket(ctx, a, &port);
    if (ls < 0) return 1;
    tool_print_listening(stdout, ctx, &a->o, port, NULL);
    int rc = 0;
    for (unsigned long n = 0; !a->max_assocs || n < a->max_assocs; n++) {
        struct sockaddr_storage peer;
        socklen_t pl = sizeof peer;
        int sd = tern_accept(ctx, ls, (struct sockaddr *)&peer, &pl);
        if (sd < 0) {
            rc = tool_fail("accept", sd);
            break;
        }
        char ps[64];
        tool_addr_str((struct sockaddr *)&peer, ps, sizeof ps);
        perf_side s;
        perf_serve(ctx, sd, false, &s);
        tern_close(ctx, sd);
        print_server(a, ps, &s);
        if (!s.ok) rc = 1;
    }
    tern_close(ctx, ls);
    return rc;
}

/* ---- Client ------------------------------------------------------------------------------- */

static void print_client(const perf_args *a, const perf_side *c, const perf_side *s)
{
    double mb = c->seconds > 0 ? (double)c->bytes / c->seconds / 1e6 : 0;
    double rate = c->seconds > 0 ? (double)c->msgs / c->seconds : 0;
    double smb = s->seconds > 0 ? (double)s->bytes / s->seconds / 1e6 : 0;
    double srate = s->seconds > 0 ? (double)s->msgs / s->seconds : 0;
    const char *tr = a->o.transport == TERN_TRANSPORT_RAW ? "raw" : "udp";
    if (a->json) {
        printf("{\"mode\": \"client\", \"transport\": \"%s\", \"size\": %lu, \"streams\": %u, "
               "\"unordered\": %s, \"nodelay\": %s,\n",
               tr, a->size, a->streams, a->unordered ? "true" : "false",
               a->nodelay ? "true" : "false");
        printf(" \"messages\": %llu, \"bytes\": %llu, \"seconds\": %.6f, \"mbytes_per_s\": %.3f, "
               "\"messages_per_s\": %.1f, \"verified\": %s,\n",
               (unsigned long long)c->msgs, (unsigned long long)c->bytes, c->seconds, mb, rate,
               c->ok ? "true" : "false");
        printf(" \"client\": {\"user_s\": %.3f, \"sys_s\": %.3f, \"cpu_s\": %.3f},\n", c->user,
               c->sys, c->user + c->sys);
        printf(" \"server\": {\"messages\": %llu, \"bytes\": %llu, \"seconds\": %.6f, "
               "\"mbytes_per_s\": %.3f, \"messages_per_s\": %.1f, \"user_s\": %.3f, \"sys_s\": "
               "%.3f, \"cpu_s\": %.3f}}\n",
               (unsigned long long)s->msgs, (unsigned long long)s->bytes, s->seconds, smb, srate,
               s->user, s->sys, s->user + s->sys);
        return;
    }
    printf("%s: %lu-byte messages, %u stream%s, %s, nodelay %s, %s\n", tool_name, a->size,
           a->streams, a->streams == 1 ? "" : "s", a->unordered ? "unordered" : "ordered",
           a->nodelay ? "on" : "off",
           a->o.transport == TERN_TRANSPORT_RAW ? "raw IP" : "UDP encapsulation");
    printf("  %-9s %12llu messages %14llu bytes in %7.3f s: %9.1f MB/s %11.0f msg/s\n", "client",
           (unsigned long long)c->msgs, (unsigned long long)c->bytes, c->seconds, mb, rate);
    printf("  %-9s %12llu messages %14llu bytes in %7.3f s: %9.1f MB/s %11.0f msg/s\n", "server",
           (unsigned long long)s->msgs, (unsigned long long)s->bytes, s->seconds, smb, srate);
    printf("  %-9s client user %.2f s + sys %.2f s (%.0f%%), server user %.2f s + sys %.2f s "
           "(%.0f%%)\n",
           "CPU", c->user, c->sys, c->seconds > 0 ? 100 * (c->user + c->sys) / c->seconds : 0,
           s->user, s->sys, s->seconds > 0 ? 100 * (s->user + s->sys) / s->seconds : 0);
    printf("  %-9s %s\n", "verified",
           c->ok ? "yes: the server's count, bytes and checksum match what was sent"
                 : "NO: the server's figures differ from what was sent");
}

/* Runs the client side on ctx; *c and *s get both sides' figures. */
static int perf_client(tern_ctx *ctx, const perf_args *a, uint16_t port, bool thread, perf_side *c,
                       perf_side *s)
{
    memset(c, 0, sizeof *c);
    memset(s, 0, sizeof *s);
    struct sockaddr_storage ss;
    socklen_t sl;
    if (tool_resolve(a->host, port, a->o.family, true, &ss, &sl) < 0) return 1;
    int sd = tern_socket(ctx, ss.ss_family, TERN_SOCK_STREAM), err;
    if (sd < 0) return tool_fail("socket", sd);
    tool_set_streams(ctx, sd, a->streams, PERF_MAX_STREAMS);
    set_buffers(ctx, sd, a);
    tool_set_int(ctx, sd, TERN_SO_RCVTIMEO, 60000);
    if ((err = tern_connect(ctx, sd, (struct sockaddr *)&ss, sl)) < 0) {
        char buf[64];
        tern_close(ctx, sd);
        return tool_failf("connect to %s: %s", tool_addr_str((struct sockaddr *)&ss, buf, 64),
                          tern_strerror(err));
    }
    uint8_t *msg = malloc(a->size);
    for (size_t i = 0; i < a->size; i++)
        msg[i] = (uint8_t)(i * 131 + (i >> 8) * 7 + 1);
    uint64_t rest = a->size >= 8 ? body_hash(msg + 8, a->size - 8) : msg_hash(msg, a->size);
    tern_send_info si = {.ppid = PERF_PPID_DATA, .flags = a->unordered ? TERN_UNORDERED : 0};
    int rc = 0;
    double u0, s0, t0 = tool_now(), deadline = t0 + a->seconds;
    tool_cpu(thread, &u0, &s0);
    for (uint64_t seq = 0; a->count ? seq < a->count : true; seq++) {
        if (!a->count && (seq & 15) == 0 && tool_now() >= deadline) break;
        if (a->size >= 8) store64le(msg, seq);
        si.sid = (uint16_t)(seq % a->streams);
        long n = tern_sendmsg(ctx, sd, msg, a->size, NULL, 0, &si, 0);
        if (n < 0) {
            rc = tool_fail("send", (int)n);
            break;
        }
        c->msgs++;
        c->bytes += a->size;
        c->hash += a->size >= 8 ? fmix64(seq ^ rest) : rest;
    }
    tool_msg m;
    tool_msg_init(&m);
    if (rc == 0) {
        uint64_t f[F_COUNT] = {PERF_MAGIC, c->msgs, c->bytes, c->hash, 0, 0, 0};
        uint8_t buf[8 * F_COUNT];
        encode(buf, f);
        tern_send_info ei = {.sid = 0, .ppid = PERF_PPID_END};
        long n = tern_sendmsg(ctx, sd, buf, sizeof buf, NULL, 0, &ei, 0);
        long r = 0;
        if (n < 0) {
            rc = tool_fail("send END", (int)n);
        } else {
            while ((r = tool_recv(ctx, sd, &m, 0)) > 0 &&
                   (m.notification || m.info.ppid != PERF_PPID_RESULT)) {
            }
            if (r <= 0)
                rc = r < 0 ? tool_fail("waiting for the server's result", (int)r)
                           : tool_failf("the server ended the association without a result");
        }
        c->seconds = tool_now() - t0;
        tool_cpu(thread, &c->user, &c->sys);
        c->user -= u0;
        c->sys -= s0;
        uint64_t res[F_COUNT];
        if (rc == 0 && !decode(&m, res)) rc = tool_failf("the server's result is malformed");
        if (rc == 0) {
            s->msgs = res[F_MSGS];
            s->bytes = res[F_BYTES];
            s->hash = res[F_HASH];
            s->seconds = (double)res[F_NSEC] * 1e-9;
            s->user = (double)res[F_USER_US] * 1e-6;
            s->sys = (double)res[F_SYS_US] * 1e-6;
            c->ok = s->msgs == c->msgs && s->bytes == c->bytes && s->hash == c->hash;
            s->ok = true;
        }
    }
    tern_shutdown(ctx, sd, TERN_SHUT_WR);
    while (tool_recv(ctx, sd, &m, 0) > 0) {
    }
    tern_close(ctx, sd);
    tool_msg_free(&m);
    free(msg);
    return rc ? rc : c->ok ? 0 : 1;
}

/* ---- Loop: both in this process, each side in its own thread and context ------------------ */

typedef struct loop_server {
    tern_ctx *ctx;
    int ls;
    perf_side s;
    int rc;
} loop_server;

static void *loop_server_main(void *arg)
{
    loop_server *ls = arg;
    int sd = tern_accept(ls->ctx, ls->ls, NULL, NULL);
    if (sd < 0) {
        ls->rc = tool_fail("accept", sd);
        return NULL;
    }
    perf_serve(ls->ctx, sd, true, &ls->s);
    tern_close(ls->ctx, sd);
    return NULL;
}

static int loop(const perf_args *a)
{
    tool_opts so = a->o;
    so.udp_port = 0;
    tern_ctx *sctx, *cctx;
    if (tool_ctx_open(&so, true, false, &sctx) < 0) return 1;
    tool_opts co = a->o;
    co.udp_port = 0;
    co.remote_udp_port = tern_ctx_udp_port(sctx);
    if (tool_ctx_open(&co, false, false, &cctx) < 0) {
        tern_ctx_free(sctx);
        return 1;
    }
    uint16_t port = 0;
    loop_server srv = {.ctx = sctx};
    srv.ls = listen_socket(sctx, a, &port);
    pthread_t th;
    int rc = 1;
    if (srv.ls >= 0) {
        tool_set_int(sctx, srv.ls, TERN_SO_RCVTIMEO, 30000); /* accept gives up if no client */
        if (pthread_create(&th, NULL, loop_server_main, &srv) == 0) {
            perf_side c, s;
            perf_args ca = *a;
            ca.host = NULL;
            rc = perf_client(cctx, &ca, port, true, &c, &s);
            tern_ctx_free(cctx); /* on failure, aborts the association: the server returns */
            cctx = NULL;
            pthread_join(th, NULL);
            if (c.msgs) print_client(a, &c, &s);
            rc = rc ? rc : srv.rc;
        }
        tern_close(sctx, srv.ls);
    }
    tern_ctx_free(cctx);
    tern_ctx_free(sctx);
    return rc;
}

int cmd_perf(int argc, char **argv)
{
    enum {
        OPT_PORT = OPT_LOCAL,
        OPT_MAX_ASSOCS,
        OPT_SIZE,
        OPT_COUNT,
        OPT_TIME,
        OPT_STREAMS,
        OPT_UNORDERED,
        OPT_NODELAY,
        OPT_SNDBUF,
        OPT_RCVBUF,
        OPT_JSON,
    };
    static const struct option longopts[] = {
        TOOL_COMMON_LONGOPTS,
        {"port", required_argument, NULL, OPT_PORT},
        {"max-assocs", required_argument, NULL, OPT_MAX_ASSOCS},
        {"size", required_argument, NULL, OPT_SIZE},
        {"count", required_argument, NULL, OPT_COUNT},
        {"time", required_argument, NULL, OPT_TIME},
        {"streams", required_argument, NULL, OPT_STREAMS},
        {"unordered", no_argument, NULL, OPT_UNORDERED},
        {"nodelay", no_argument, NULL, OPT_NODELAY},
        {"sndbuf", required_argument, NULL, OPT_SNDBUF},
        {"rcvbuf", required_argument, NULL, OPT_RCVBUF},
        {"json", no_argument, NULL, OPT_JSON},
        {0},
    };
    perf_args a = {.port = PERF_PORT, .streams = 1, .size = 1024, .seconds = 5};
    tool_opts_init(&a.o);
    enum { SERVER, CLIENT, LOOP } role;
    int r =
        tool_role(&argc, &argv, (const char *const[]){"server", "client", "loop", NULL}, perf_help);
    if (r < 0) return r == -1 ? 0 : 2;
    role = r == 0 ? SERVER : r == 1 ? CLIENT : LOOP;
    unsigned long v;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, TOOL_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
        int k = tool_opts_parse(&a.o, c, optarg);
        if (k < 0) return 2;
        if (k > 0) continue;
        switch (c) {
        case 'h': printf("%s%s", perf_help, tool_common_help); return 0;
        case OPT_PORT:
            if (tool_parse_uint(optarg, "--port", 0, 65535, &v) < 0) return 2;
            a.port = (uint16_t)v;
            break;
        case OPT_MAX_ASSOCS:
            if (tool_parse_uint(optarg, "--max-assocs", 1, 1ul << 31, &a.max_assocs) < 0) return 2;
            break;
        case OPT_SIZE:
            if (tool_parse_size(optarg, "--size", 1, 16ul << 20, &a.size) < 0) return 2;
            break;
        case OPT_COUNT:
            if (tool_parse_uint(optarg, "--count", 1, 1ul << 40, &a.count) < 0) return 2;
            break;
        case OPT_TIME:
            if (tool_parse_seconds(optarg, "--time", &a.seconds) < 0) return 2;
            a.count = 0;
            break;
        case OPT_STREAMS:
            if (tool_parse_uint(optarg, "--streams", 1, PERF_MAX_STREAMS, &v) < 0) return 2;
            a.streams = (uint16_t)v;
            break;
        case OPT_UNORDERED: a.unordered = true; break;
        case OPT_NODELAY: a.nodelay = true; break;
        case OPT_SNDBUF:
            if (tool_parse_size(optarg, "--sndbuf", 1, 1ul << 30, &a.sndbuf) < 0) return 2;
            break;
        case OPT_RCVBUF:
            if (tool_parse_size(optarg, "--rcvbuf", 1, 1ul << 30, &a.rcvbuf) < 0) return 2;
            break;
        case OPT_JSON: a.json = true; break;
        default: fprintf(stderr, "%s%s", perf_help, tool_common_help); return 2;
        }
    }
    int maxpos = role == CLIENT ? 1 : 0;
    if (argc - optind > maxpos) {
        tool_failf("unexpected argument '%s'", argv[optind + maxpos]);
        return 2;
    }
    if (role == CLIENT && optind < argc) a.host = argv[optind];
    if (role == LOOP) return loop(&a);

    tern_ctx *ctx;
    if (tool_ctx_open(&a.o, role == SERVER, false, &ctx) < 0) return 1;
    int rc;
    if (role == SERVER) {
        rc = server(ctx, &a);
    } else {
        perf_side cs, ss;
        rc = perf_client(ctx, &a, a.port, false, &cs, &ss);
        if (cs.msgs) print_client(&a, &cs, &ss);
    }
    tern_ctx_free(ctx);
    return rc;
}
