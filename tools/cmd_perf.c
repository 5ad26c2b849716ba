/* `tern perf server|client|loop`: benchmarks of one stack (iperf-, tsctp-like),
 * with the command line, wire protocol and JSON of bench/README.md, so
 * bench/usrsctp_perf and this tool serve each other's clients.
 *
 * bulk: the client sends numbered messages for --count messages or --time
 * seconds, then an END message with the count, bytes and a checksum of what
 * it sent; the server checks what it received against it and answers with a
 * RESULT: its count, bytes, checksum, time and CPU time, so the client
 * prints both sides and a fast wrong answer cannot pass.
 * pingpong, setup, idle: ECHO messages the server sends back unchanged (the
 * client compares every byte); idle ends with a STATS request (the server's
 * RSS). */
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "multihome.h"
#include "perf_proto.h"

#define PERF_PORT         5001
#define PERF_MAX_STREAMS  1024
#define PERF_MAX_ASSOCS   65000 /* --assocs: a context has at most 65536 sockets */
#define PERF_MAX_PARALLEL 1000  /* --parallel: within a context's 1024 sockets */
#define PERF_WAIT_MS      30000 /* every blocking call of the client is bounded by this */

static const char perf_help[] =
    "usage: tern perf server [--bind A1[,A2...]] [--port P] [--max-assocs N] [--mtu M] [options]\n"
    "       tern perf client [host[,host2...]] [--bind A1[,A2...]] [--port P]\n"
    "                        [--mode bulk|pingpong|setup|idle] [--size S]\n"
    "                        [--count N | --time T] [--assocs N] [options]\n"
    "       tern perf loop [client options]   server and client in this process\n\n"
    "Modes (bench/README.md):\n"
    "  bulk      the client sends --size byte messages for --count messages or --time\n"
    "            seconds (5), then asks for the server's figures: both sides' MB/s,\n"
    "            messages/s and CPU time (user + system). The server checks the message\n"
    "            count and a checksum of every payload against the client's.\n"
    "  pingpong  one ECHO message of --size bytes outstanding at a time (--count or\n"
    "            --time): round-trip p50, p99 and mean in microseconds; TERN_NODELAY on\n"
    "  setup     for --time seconds (or --count associations): connect, one ECHO, its\n"
    "            answer, graceful shutdown; associations per second (--parallel N of\n"
    "            them in flight at once)\n"
    "  idle      --assocs N associations open at once, each confirmed by one ECHO; then\n"
    "            both sides' RSS growth per association (the server's from a STATS\n"
    "            request; in loop mode both sides share one process)\n"
    "Every answer is checked: a run whose data does not match is reported as failed\n"
    "(exit 1). The server serves any number of clients at once (one one-to-many socket).\n\n"
    "Multi-homing (RFC 9260 §6.4): the client's host may be several addresses of the\n"
    "server, comma-separated (IPv4 and IPv6 mixed); --bind gives this end's. The first\n"
    "peer address is the primary; when it stops answering, data moves to another.\n\n"
    "  --bind A1[,A2...] local addresses (tern_bindx; default: every address of the host)\n"
    "  --port P          SCTP port (5001)\n"
    "  --max-assocs N    server: exit after N associations have ended\n"
    "  --mode M          bulk (default), pingpong, setup or idle\n"
    "  --size S          bytes per message (1K; K, M suffixes)\n"
    "  --count N         send N messages (setup: N associations)\n"
    "  --time T          run for T seconds (5)\n"
    "  --assocs N        idle: associations held open (100; at most 65000)\n"
    "  --parallel N      setup: N associations in flight at once, each started when\n"
    "                    one ends (1: one after the other; at most 1000)\n"
    "  --streams N       spread messages over N streams (1)\n"
    "  --unordered       send unordered\n"
    "  --nodelay         no Nagle-like wait (TERN_NODELAY; always on in the server and\n"
    "                    in every mode but bulk)\n"
    "  --mtu M           fixed path MTU of M bytes, discovery off (1280..65535; 0: the\n"
    "                    path's), on the server and the client\n"
    "  --sndbuf S        per association send buffer (TERN_SO_SNDBUF)\n"
    "  --rcvbuf S        per association receive window (TERN_SO_RCVBUF)\n"
    "  --json            one JSON object (client: the run; server: one per bulk run)\n"
    "  --paths           bulk: at the end, each peer address's state, srtt, cwnd and\n"
    "                    counters (packets out and in, DATA chunks out, retransmitted);\n"
    "                    the server adds the longest gap between two messages received\n"
    "  --rto-min MS      RTO.Min in ms (RFC 9260 §6.3.1; 1000): a silent path is\n"
    "                    detected after one RTO\n"
    "  --rto-max MS      RTO.Max in ms (60000)\n"
    "  --path-max-retrans N  Path.Max.Retrans (§8.2; 5): timeouts before an address is\n"
    "                    inactive and new data leaves the primary\n"
    "  --hb-interval MS  heartbeat interval in ms (§8.3; 30000)\n\n";

enum perf_mode { MODE_BULK, MODE_PINGPONG, MODE_SETUP, MODE_IDLE };
static const char *const mode_names[] = {"bulk", "pingpong", "setup", "idle", NULL};

typedef struct perf_args {
    tool_opts o;
    const char *host, *bind;
    tool_addrs local, peers; /* --bind; host (parsed, then given the port) */
    tool_tuning tune;
    uint16_t port, streams;
    enum perf_mode mode;
    unsigned long size, count, max_assocs, sndbuf, rcvbuf, mtu, assocs, parallel;
    double seconds;
    bool unordered, nodelay, json, paths;
} perf_args;

/* One side's figures. */
typedef struct perf_side {
    uint64_t msgs, bytes, hash;
    double seconds, user, sys;
    bool ok; /* the run completed (client: the server's figures match) */
} perf_side;

/* ---- Payloads and checksums ------------------------------------------------------------ */

/* END and RESULT: a few 64-bit numbers in network order. */
enum { F_MAGIC, F_MSGS, F_BYTES, F_HASH, F_NSEC, F_USER_US, F_SYS_US, F_COUNT };

/* Options every socket gets before it listens or connects, so its
 * associations have them from the start. */
static void set_buffers(tern_ctx *ctx, int sd, const perf_args *a, bool nodelay)
{
    if (a->sndbuf && tool_set_int(ctx, sd, TERN_SO_SNDBUF, (int)a->sndbuf) < 0)
        tool_failf("--sndbuf %lu refused", a->sndbuf);
    if (a->rcvbuf && tool_set_int(ctx, sd, TERN_SO_RCVBUF, (int)a->rcvbuf) < 0)
        tool_failf("--rcvbuf %lu refused", a->rcvbuf);
    if (nodelay) tool_set_int(ctx, sd, TERN_NODELAY, 1);
    tool_tuning_apply(ctx, sd, &a->tune);
    if (a->mtu) {
        /* The socket's default (assoc_id 0, every path): api/ applies it to
         * every association of the socket at COMM_UP (tern_api_set_pmtu),
         * accepted, one-to-many or connected. */
        struct tern_paddrparams pp;
        memset(&pp, 0, sizeof pp);
        pp.address.ss_family = AF_UNSPEC;
        pp.flags = TERN_SPP_PMTUD_DISABLE;
        pp.pathmtu = (uint32_t)a->mtu;
        int err = tern_setsockopt(ctx, sd, TERN_PEER_ADDR_PARAMS, &pp, sizeof pp);
        if (err < 0) tool_failf("--mtu %lu refused: %s", a->mtu, tern_strerror(err));
    }
}

/* The path MTU of association id of sd (0: the socket's own), or 0. */
static unsigned long path_mtu(tern_ctx *ctx, int sd, tern_assoc_id id)
{
    struct tern_paddrparams pp;
    memset(&pp, 0, sizeof pp);
    pp.assoc_id = id;
    size_t len = sizeof pp;
    if (tern_getsockopt(ctx, sd, TERN_PEER_ADDR_PARAMS, &pp, &len) < 0) return 0;
    return pp.pathmtu;
}

/* Resident set size of the process, KiB (0 if unknown). */
static uint64_t rss_kb(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long size = 0, res = 0;
    if (!f) return 0;
    if (fscanf(f, "%lu %lu", &size, &res) != 2) res = 0;
    fclose(f);
    return (uint64_t)res * (uint64_t)sysconf(_SC_PAGESIZE) / 1024;
}

static void encode_n(uint8_t *out, const uint64_t *f, int n)
{
    for (int i = 0; i < n; i++)
        for (int b = 0; b < 8; b++)
            out[8 * i + b] = (uint8_t)(f[i] >> (56 - 8 * b));
}

static bool decode_n(const tool_msg *m, uint64_t *f, int n)
{
    if (m->len != 8 * (size_t)n) return false;
    for (int i = 0; i < n; i++) {
        f[i] = 0;
        for (int b = 0; b < 8; b++)
            f[i] = f[i] << 8 | m->buf[8 * i + b];
    }
    return f[0] == PERF_MAGIC;
}

/* STATS answer: magic, RSS KiB at the server's start, RSS KiB now, associations open. */
static void encode(uint8_t *out, const uint64_t *f)
{
    encode_n(out, f, F_COUNT);
}
static bool decode(const tool_msg *m, uint64_t *f)
{
    return decode_n(m, f, F_COUNT);
}

enum { ST_MAGIC, ST_RSS_START, ST_RSS_NOW, ST_ASSOCS, ST_COUNT };

/* ---- Server ------------------------------------------------------------------------------- */

/* One one-to-many socket serves every client: associations are told apart by
 * their id, so 10,000 idle ones cost no descriptor, no kernel fd (a one-to-one
 * socket per association would need tern_sock_fd, i.e. kernel fds, to poll
 * them) and no readiness scan: the socket's queue hands out whatever arrives
 * next, in arrival order. A bulk run's figures are kept per association. */
typedef struct bulk_run {
    tern_assoc_id id;
    uint64_t msgs, bytes, hash, end[F_COUNT];
    bool have_end;
    double t_first, u0, s0;
    double t_last, max_gap; /* --paths: the longest time between two messages */
} bulk_run;

typedef struct perf_server {
    tern_ctx *ctx;
    int ls;
    const perf_args *a;
    bool thread;       /* CPU time of the calling thread (loop mode), else of the process */
    atomic_bool *stop; /* loop mode: the client has finished */
    uint64_t rss_start;
    unsigned long ended;
    bulk_run *runs;
    size_t nruns, cap;
    int rc;
} perf_server;

static void print_server(const perf_args *a, const char *peer, const perf_side *s,
                         const bulk_run *r, const struct tern_paddrinfo *paths, int npaths)
{
    double mb = s->seconds > 0 ? (double)s->bytes / s->seconds / 1e6 : 0;
    double rate = s->seconds > 0 ? (double)s->msgs / s->seconds : 0;
    if (a->json) {
        printf("{\"tool\": \"tern\", \"mode\": \"bulk\", \"role\": \"server\", \"peer\": ");
        tool_json_str(stdout, peer);
        printf(", \"mtu\": %lu, \"messages\": %llu, \"bytes\": %llu, \"seconds\": %.6f, "
               "\"mbytes_per_s\": %.3f, \"messages_per_s\": %.1f, \"user_s\": %.3f, \"sys_s\": "
               "%.3f, \"verified\": %s",
               a->mtu, (unsigned long long)s->msgs, (unsigned long long)s->bytes, s->seconds, mb,
               rate, s->user, s->sys, s->ok ? "true" : "false");
        if (a->paths) {
            printf(", \"max_gap_ms\": %.1f, \"paths\": ", r->max_gap * 1e3);
            tool_paths_print(stdout, paths, npaths, true);
        }
        printf("}\n");
    } else {
        printf("%s: %s: %llu messages, %llu bytes in %.3f s: %.1f MB/s, %.0f msg/s, CPU user "
               "%.2f s + sys %.2f s; %s\n",
               tool_name, peer, (unsigned long long)s->msgs, (unsigned long long)s->bytes,
               s->seconds, mb, rate, s->user, s->sys,
               s->ok ? "count and checksum match the client's" : "MISMATCH with the client's END");
        if (a->paths) {
            printf("%s: %s: longest gap between two messages %.1f ms\n", tool_name, peer,
                   r->max_gap * 1e3);
            tool_paths_print(stdout, paths, npaths, false);
        }
    }
    fflush(stdout);
}

static bulk_run *run_find(perf_server *sv, tern_assoc_id id, bool add)
{
    for (size_t i = 0; i < sv->nruns; i++)
        if (sv->runs[i].id == id) return &sv->runs[i];
    if (!add) return NULL;
    if (sv->nruns == sv->cap) {
        size_t cap = sv->cap ? 2 * sv->cap : 8;
        bulk_run *r = realloc(sv->runs, cap * sizeof *r);
        if (!r) return NULL;
        sv->runs = r;
        sv->cap = cap;
    }
    bulk_run *r = &sv->runs[sv->nruns++];
    memset(r, 0, sizeof *r);
    r->id = id;
    r->t_first = tool_now();
    tool_cpu(sv->thread, &r->u0, &r->s0);
    return r;
}

static void run_drop(perf_server *sv, bulk_run *r)
{
    *r = sv->runs[--sv->nruns];
}

static void peer_str(perf_server *sv, tern_assoc_id id, char *buf, size_t cap)
{
    struct sockaddr_storage peer;
    socklen_t pl = sizeof peer;
    if (tern_getpeername(sv->ctx, sv->ls, id, (struct sockaddr *)&peer, &pl) == 0)
        tool_addr_str((struct sockaddr *)&peer, buf, cap);
    else
        snprintf(buf, cap, "association %u", id);
}

static long answer(perf_server *sv, tern_assoc_id id, uint16_t sid, uint16_t flags, uint32_t ppid,
                   const void *buf, size_t len)
{
    tern_send_info si = {.sid = sid, .flags = flags, .ppid = ppid, .assoc_id = id};
    long n = tern_sendmsg(sv->ctx, sv->ls, buf, len, NULL, 0, &si, 0);
    if (n < 0) tool_fail("send an answer", (int)n); /* that client's run fails, not the server */
    return n;
}

/* A bulk run is complete when END has come and every message it counts. */
static void bulk_check(perf_server *sv, bulk_run *r)
{
    if (!r->have_end || r->msgs < r->end[F_MSGS]) return;
    perf_side s = {.msgs = r->msgs, .bytes = r->bytes, .hash = r->hash};
    s.seconds = tool_now() - r->t_first;
    tool_cpu(sv->thread, &s.user, &s.sys);
    s.user -= r->u0;
    s.sys -= r->s0;
    s.ok = s.msgs == r->end[F_MSGS] && s.bytes == r->end[F_BYTES] && s.hash == r->end[F_HASH];
    uint64_t f[F_COUNT] = {PERF_MAGIC,
                           s.msgs,
                           s.bytes,
                           s.hash,
                           (uint64_t)(s.seconds * 1e9),
                           (uint64_t)(s.user * 1e6),
                           (uint64_t)(s.sys * 1e6)};
    uint8_t buf[8 * F_COUNT];
    encode(buf, f);
    answer(sv, r->id, 0, 0, PERF_PPID_RESULT, buf, sizeof buf);
    if (!sv->thread) { /* loop mode: the client prints both sides */
        char ps[64];
        peer_str(sv, r->id, ps, sizeof ps);
        struct tern_paddrinfo paths[TOOL_MAX_ADDRS];
        int np = sv->a->paths ? tool_paths_get(sv->ctx, sv->ls, r->id, paths, TOOL_MAX_ADDRS) : 0;
        print_server(sv->a, ps, &s, r, paths, np);
    }
    if (!s.ok) sv->rc = 1;
    run_drop(sv, r);
}

static void serve_msg(perf_server *sv, const tool_msg *m)
{
    tern_assoc_id id = m->info.assoc_id;
    bulk_run *r;
    switch (m->info.ppid) {
    case PERF_PPID_DATA:
        if (!(r = run_find(sv, id, true))) break;
        if (sv->a->paths) { /* a clock read per message only when asked */
            double now = tool_now();
            if (r->t_last > 0 && now - r->t_last > r->max_gap) r->max_gap = now - r->t_last;
            r->t_last = now;
        }
        r->msgs++;
        r->bytes += m->len;
        r->hash += msg_hash(m->buf, m->len);
        bulk_check(sv, r);
        break;
    case PERF_PPID_END:
        if (!(r = run_find(sv, id, true))) break;
        if (!decode(m, r->end)) {
            tool_failf("association %u: malformed END", id);
            break;
        }
        r->have_end = true;
        bulk_check(sv, r);
        break;
    case PERF_PPID_ECHO:
        answer(sv, id, m->info.sid, m->info.flags & TERN_UNORDERED, PERF_PPID_ECHO, m->buf, m->len);
        break;
    case PERF_PPID_STATS: { /* the request's content is not looked at */
        uint32_t n = 0;
        size_t len = sizeof n;
        tern_getsockopt(sv->ctx, sv->ls, TERN_GET_ASSOC_NUMBER, &n, &len);
        uint64_t f[ST_COUNT] = {PERF_MAGIC, sv->rss_start, rss_kb(), n};
        uint8_t buf[8 * ST_COUNT];
        encode_n(buf, f, ST_COUNT);
        answer(sv, id, m->info.sid, m->info.flags & TERN_UNORDERED, PERF_PPID_STATS, buf,
               sizeof buf);
        break;
    }
    default: break; /* not ours: ignored */
    }
}

static void serve_notification(perf_server *sv, const tool_msg *m)
{
    const union tern_notification *n = (const void *)m->buf;
    if (m->len < sizeof n->assoc_change || n->h.type != TERN_ASSOC_CHANGE) return;
    tern_assoc_id id = n->assoc_change.assoc_id;
    switch (n->assoc_change.state) {
    case TERN_COMM_UP:
        if (sv->a->mtu && path_mtu(sv->ctx, sv->ls, id) != sv->a->mtu)
            sv->rc = tool_failf("association %u: path MTU %lu, not --mtu %lu", id,
                                path_mtu(sv->ctx, sv->ls, id), sv->a->mtu);
        break;
    case TERN_COMM_LOST:
    case TERN_SHUTDOWN_COMP: {
        sv->ended++;
        bulk_run *r = run_find(sv, id, false);
        if (r) {
            tool_failf("association %u ended before its bulk run did", id);
            sv->rc = 1;
            run_drop(sv, r);
        }
        break;
    }
    default: break;
    }
}

/* Serves until --max-assocs associations have ended, or *stop. */
static void perf_serve(perf_server *sv)
{
    tool_msg m;
    tool_msg_init(&m);
    tool_subscribe(sv->ctx, sv->ls, TERN_ASSOC_CHANGE);
    /* Short receive timeouts, so a stop request is seen. */
    tool_set_int(sv->ctx, sv->ls, TERN_SO_RCVTIMEO, 100);
    /* An answer to a client that does not read gives up: other clients wait meanwhile. */
    tool_set_int(sv->ctx, sv->ls, TERN_SO_SNDTIMEO, 10000);
    for (;;) {
        if (sv->stop && atomic_load(sv->stop)) break;
        if (sv->a->max_assocs && sv->ended >= sv->a->max_assocs) break;
        long r = tool_recv(sv->ctx, sv->ls, &m, 0);
        if (r == TERN_ETIMEDOUT || r == TERN_EAGAIN || r == 0) continue;
        if (r < 0) {
            sv->rc = tool_fail("receive", (int)r);
            break;
        }
        if (m.notification)
            serve_notification(sv, &m);
        else
            serve_msg(sv, &m);
    }
    tool_msg_free(&m);
    free(sv->runs);
    sv->runs = NULL;
    sv->nruns = sv->cap = 0;
}

static int listen_socket(tern_ctx *ctx, const perf_args *a, uint16_t *port)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    int family = a->o.family == AF_INET6 ? AF_INET6 : tool_addrs_family(&a->local, NULL);
    tool_resolve(NULL, *port, family, false, &ss, &sl);
    int ls = tern_socket(ctx, family, TERN_SOCK_SEQPACKET), err;
    if (ls < 0) {
        tool_fail("socket", ls);
        return ls;
    }
    tool_set_streams(ctx, ls, PERF_MAX_STREAMS, PERF_MAX_STREAMS);
    /* The server only answers: a Nagle-like wait would only delay the answers. */
    set_buffers(ctx, ls, a, true);
    if (a->local.n) {
        tool_addrs local = a->local;
        tool_addrs_set_port(&local, *port);
        if ((err = tool_bindx(ctx, ls, &local)) < 0) {
            tern_close(ctx, ls);
            return err;
        }
    } else if ((err = tern_bind(ctx, ls, (struct sockaddr *)&ss, sl)) < 0) {
        tool_fail("bind", err);
        tern_close(ctx, ls);
        return err;
    }
    if ((err = tern_listen(ctx, ls, 128)) < 0) {
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
    perf_server sv = {.ctx = ctx, .ls = ls, .a = a, .rss_start = rss_kb()};
    tool_print_listening(stdout, ctx, &a->o, port, NULL);
    perf_serve(&sv);
    tern_close(ctx, ls);
    return sv.rc;
}

/* ---- Client ------------------------------------------------------------------------------- */

/* The client's figures, whatever the mode. */
typedef struct perf_result {
    perf_side c, s;                              /* bulk */
    uint64_t n;                                  /* pingpong: messages; setup, idle: associations */
    double seconds;                              /* pingpong, setup */
    double p50, p99, mean;                       /* pingpong, µs */
    double client_rss, server_rss;               /* idle: bytes per association */
    struct tern_paddrinfo paths[TOOL_MAX_ADDRS]; /* bulk --paths: at the end */
    int npaths;
    bool ok, done; /* done: there is something to print */
} perf_result;

static bool effective_nodelay(const perf_args *a)
{
    return a->nodelay || a->mode != MODE_BULK;
}

static void json_head(const perf_args *a)
{
    printf("{\"tool\": \"tern\", \"mode\": \"%s\", \"role\": \"client\", \"transport\": \"%s\", "
           "\"size\": %lu, \"streams\": %u, \"unordered\": %s, \"nodelay\": %s, \"mtu\": %lu,\n",
           mode_names[a->mode], a->o.transport == TERN_TRANSPORT_RAW ? "raw" : "udp", a->size,
           a->streams, a->unordered ? "true" : "false", effective_nodelay(a) ? "true" : "false",
           a->mtu);
}

static void print_bulk(const perf_args *a, const perf_result *r)
{
    const perf_side *c = &r->c, *s = &r->s;
    double mb = c->seconds > 0 ? (double)c->bytes / c->seconds / 1e6 : 0;
    double rate = c->seconds > 0 ? (double)c->msgs / c->seconds : 0;
    double smb = s->seconds > 0 ? (double)s->bytes / s->seconds / 1e6 : 0;
    double srate = s->seconds > 0 ? (double)s->msgs / s->seconds : 0;
    if (a->json) {
        json_head(a);
        printf(" \"messages\": %llu, \"bytes\": %llu, \"seconds\": %.6f, \"mbytes_per_s\": %.3f, "
               "\"messages_per_s\": %.1f, \"verified\": %s,\n",
               (unsigned long long)c->msgs, (unsigned long long)c->bytes, c->seconds, mb, rate,
               c->ok ? "true" : "false");
        printf(" \"client\": {\"user_s\": %.3f, \"sys_s\": %.3f, \"cpu_s\": %.3f},\n", c->user,
               c->sys, c->user + c->sys);
        printf(" \"server\": {\"messages\": %llu, \"bytes\": %llu, \"seconds\": %.6f, "
               "\"mbytes_per_s\": %.3f, \"messages_per_s\": %.1f, \"user_s\": %.3f, \"sys_s\": "
               "%.3f, \"cpu_s\": %.3f}",
               (unsigned long long)s->msgs, (unsigned long long)s->bytes, s->seconds, smb, srate,
               s->user, s->sys, s->user + s->sys);
        if (a->paths) {
            printf(",\n \"paths\": ");
            tool_paths_print(stdout, r->paths, r->npaths, true);
        }
        printf("}\n");
        return;
    }
    printf("%s: %lu-byte messages, %u stream%s, %s, nodelay %s, %s", tool_name, a->size, a->streams,
           a->streams == 1 ? "" : "s", a->unordered ? "unordered" : "ordered",
           a->nodelay ? "on" : "off",
           a->o.transport == TERN_TRANSPORT_RAW ? "raw IP" : "UDP encapsulation");
    if (a->mtu) printf(", path MTU %lu", a->mtu);
    printf("\n");
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
    if (a->paths) tool_paths_print(stdout, r->paths, r->npaths, false);
}

static void print_result(const perf_args *a, const perf_result *r)
{
    if (a->mode == MODE_BULK) {
        print_bulk(a, r);
        fflush(stdout);
        return;
    }
    const char *ok = r->ok ? "true" : "false";
    double rate = r->seconds > 0 ? (double)r->n / r->seconds : 0;
    if (a->json) {
        json_head(a);
        if (a->mode == MODE_PINGPONG)
            printf(" \"messages\": %llu, \"seconds\": %.6f, \"messages_per_s\": %.1f, \"p50_us\": "
                   "%.2f, \"p99_us\": %.2f, \"mean_us\": %.2f, \"verified\": %s}\n",
                   (unsigned long long)r->n, r->seconds, rate, r->p50, r->p99, r->mean, ok);
        else if (a->mode == MODE_SETUP)
            printf(" \"assocs\": %llu, \"parallel\": %lu, \"seconds\": %.6f, \"assocs_per_s\": "
                   "%.1f, \"verified\": %s}\n",
                   (unsigned long long)r->n, a->parallel, r->seconds, rate, ok);
        else
            printf(" \"assocs\": %llu, \"client_rss_per_assoc\": %.0f, \"server_rss_per_assoc\": "
                   "%.0f, \"verified\": %s}\n",
                   (unsigned long long)r->n, r->client_rss, r->server_rss, ok);
    } else {
        printf("%s: %s, %lu-byte messages, %s, %s%s", tool_name, mode_names[a->mode], a->size,
               a->unordered ? "unordered" : "ordered",
               a->o.transport == TERN_TRANSPORT_RAW ? "raw IP" : "UDP encapsulation",
               a->mtu ? ", path MTU " : "");
        if (a->mtu) printf("%lu", a->mtu);
        printf("\n");
        if (a->mode == MODE_PINGPONG)
            printf("  %llu round trips in %.3f s (%.0f/s): p50 %.1f us, p99 %.1f us, mean %.1f "
                   "us\n",
                   (unsigned long long)r->n, r->seconds, rate, r->p50, r->p99, r->mean);
        else if (a->mode == MODE_SETUP)
            printf("  %llu associations in %.3f s, %lu at a time: %.1f/s\n",
                   (unsigned long long)r->n, r->seconds, a->parallel, rate);
        else
            printf("  %llu associations open: client %.0f bytes, server %.0f bytes of RSS each\n",
                   (unsigned long long)r->n, r->client_rss, r->server_rss);
        printf("  %-9s %s\n", "verified",
               r->ok ? "yes: every answer matches" : "NO: an answer did not match");
    }
    fflush(stdout);
}

/* The family of the client's sockets: IPv6 when an address either side is. */
static int client_family(const perf_args *a)
{
    return tool_addrs_family(&a->peers, &a->local);
}

/* A connected one-to-one socket with the run's options, or a TERN_E* error
 * (printed). */
static int client_socket(tern_ctx *ctx, const perf_args *a)
{
    int sd = tern_socket(ctx, client_family(a), TERN_SOCK_STREAM), err;
    if (sd < 0) {
        tool_fail("socket", sd);
        return sd;
    }
    /* As many inbound streams as outbound: the server answers on the stream
     * asked on, and needs no more (per-stream state costs memory). */
    tool_set_streams(ctx, sd, a->streams, a->streams);
    set_buffers(ctx, sd, a, effective_nodelay(a));
    tool_set_int(ctx, sd, TERN_SO_RCVTIMEO, PERF_WAIT_MS);
    tool_set_int(ctx, sd, TERN_SO_SNDTIMEO, PERF_WAIT_MS);
    if ((err = tool_bind_connect(ctx, sd, &a->local, &a->peers)) < 0) {
        tern_close(ctx, sd);
        return err;
    }
    unsigned long mtu;
    if (a->mtu && (mtu = path_mtu(ctx, sd, 0)) != a->mtu) {
        tern_close(ctx, sd);
        tool_failf("--mtu %lu: the association's path MTU is %lu", a->mtu, mtu);
        return TERN_EINVAL;
    }
    return sd;
}

/* Graceful shutdown, then the end of the association (bounded by
 * TERN_SO_RCVTIMEO): 0 or an error. */
static int finish(tern_ctx *ctx, int sd, tool_msg *m)
{
    long r;
    tern_shutdown(ctx, sd, TERN_SHUT_WR);
    while ((r = tool_recv(ctx, sd, m, 0)) > 0) {
    }
    tern_close(ctx, sd);
    return (int)r;
}

static void fill(uint8_t *msg, size_t n)
{
    for (size_t i = 0; i < n; i++)
        msg[i] = (uint8_t)(i * 131 + (i >> 8) * 7 + 1);
}

/* Whether m is the answer to ECHO seq of msg (on its stream, with its U
 * flag, every byte); prints why not. */
static bool echo_matches(const perf_args *a, const tool_msg *m, const uint8_t *msg, uint64_t seq)
{
    bool ok = m->info.ppid == PERF_PPID_ECHO && m->len == a->size &&
              memcmp(m->buf, msg, a->size) == 0 && m->info.sid == seq % a->streams &&
              ((m->info.flags & TERN_UNORDERED) != 0) == a->unordered;
    if (!ok)
        tool_failf("ECHO %llu: the answer differs (ppid 0x%x, %zu bytes, stream %u)",
                   (unsigned long long)seq, m->info.ppid, m->len, m->info.sid);
    return ok;
}

/* One ECHO of msg (its first 8 bytes: seq) on stream sid and its answer:
 * 1 the answer matches byte for byte (stream and ordering too), 0 it does
 * not, or a TERN_E* error (printed). */
static int echo_once(tern_ctx *ctx, int sd, const perf_args *a, uint8_t *msg, uint64_t seq,
                     tool_msg *m)
{
    if (a->size >= 8) store64le(msg, seq);
    uint16_t sid = (uint16_t)(seq % a->streams);
    tern_send_info si = {
        .sid = sid, .flags = a->unordered ? TERN_UNORDERED : 0, .ppid = PERF_PPID_ECHO};
    long n = tern_sendmsg(ctx, sd, msg, a->size, NULL, 0, &si, 0);
    if (n < 0) {
        tool_fail("send ECHO", (int)n);
        return (int)n;
    }
    long r;
    while ((r = tool_recv(ctx, sd, m, 0)) > 0 && m->notification) {
    }
    if (r <= 0) {
        if (r == 0) r = TERN_ECONNRESET;
        tool_fail("waiting for the ECHO answer", (int)r);
        return (int)r;
    }
    return echo_matches(a, m, msg, seq);
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

/* Nearest rank: the smallest value with at least p of them at or below it. */
static double percentile(const double *v, uint64_t n, double p)
{
    uint64_t k = (uint64_t)(p * (double)n + 0.999999);
    if (k < 1) k = 1;
    if (k > n) k = n;
    return v[k - 1];
}

static int run_pingpong(tern_ctx *ctx, const perf_args *a, perf_result *res)
{
    int sd = client_socket(ctx, a);
    if (sd < 0) return 1;
    uint8_t *msg = malloc(a->size);
    size_t cap = a->count ? a->count : 65536;
    double *rtt = malloc(cap * sizeof *rtt);
    tool_msg m;
    tool_msg_init(&m);
    int rc = msg && rtt ? 0 : tool_failf("out of memory");
    if (msg) fill(msg, a->size);
    double t0 = tool_now(), deadline = t0 + a->seconds, sum = 0;
    res->ok = true;
    for (uint64_t seq = 0; rc == 0 && (a->count ? seq < a->count : true); seq++) {
        double t1 = tool_now();
        if (!a->count && t1 >= deadline) break;
        int e = echo_once(ctx, sd, a, msg, seq, &m);
        double t2 = tool_now();
        if (e != 1) {
            res->ok = false;
            rc = 1;
            break;
        }
        if (res->n == cap) {
            double *p = realloc(rtt, 2 * cap * sizeof *rtt);
            if (!p) {
                rc = tool_failf("out of memory");
                break;
            }
            rtt = p;
            cap *= 2;
        }
        rtt[res->n++] = (t2 - t1) * 1e6;
        sum += (t2 - t1) * 1e6;
    }
    res->seconds = tool_now() - t0;
    if (res->n) {
        qsort(rtt, res->n, sizeof *rtt, cmp_double);
        res->p50 = percentile(rtt, res->n, 0.50);
        res->p99 = percentile(rtt, res->n, 0.99);
        res->mean = sum / (double)res->n;
    }
    if (finish(ctx, sd, &m) < 0 && rc == 0) rc = tool_failf("the association did not end well");
    res->ok = res->ok && rc == 0 && res->n > 0;
    res->done = true;
    tool_msg_free(&m);
    free(rtt);
    free(msg);
    return res->ok ? 0 : 1;
}

/* One association of a --parallel setup run. */
typedef struct setup_slot {
    int sd;         /* -1: free */
    int state;      /* SL_* */
    uint64_t seq;   /* its ECHO's number */
    double started; /* tool_now() at its connect: bounded by PERF_WAIT_MS */
    tool_msg m;
} setup_slot;

enum { SL_FREE, SL_CONNECTING, SL_ECHO, SL_CLOSING };

/* A new non-blocking socket with the run's options, connecting (its INIT is
 * out): the descriptor or a TERN_E* error (printed). */
static int setup_start(tern_ctx *ctx, const perf_args *a)
{
    int sd = tern_socket(ctx, client_family(a), TERN_SOCK_STREAM), err;
    if (sd < 0) return tool_fail("socket", sd);
    tool_set_streams(ctx, sd, a->streams, a->streams);
    set_buffers(ctx, sd, a, true);
    tool_set_int(ctx, sd, TERN_SO_NONBLOCK, 1);
    if ((err = tool_bind_connect(ctx, sd, &a->local, &a->peers)) < 0 && err != TERN_EINPROGRESS) {
        tern_close(ctx, sd);
        return err;
    }
    return sd;
}

/* Moves slot sl on as far as it goes without blocking: 1 it moved (or
 * finished: sd is -1 again), 0 it waits for the network, or a TERN_E*
 * error (printed). */
static int setup_step(tern_ctx *ctx, const perf_args *a, setup_slot *sl, uint8_t *msg)
{
    uint16_t sid = (uint16_t)(sl->seq % a->streams);
    long r;
    switch (sl->state) {
    case SL_CONNECTING: {
        /* Sent right after the non-blocking connect: the message waits in
         * the association and goes with the COOKIE ECHO (RFC 9260 §5.1 C),
         * as with Linux; TERN_EAGAIN only when the send buffer is full. */
        if (a->size >= 8) store64le(msg, sl->seq);
        tern_send_info si = {
            .sid = sid, .flags = a->unordered ? TERN_UNORDERED : 0, .ppid = PERF_PPID_ECHO};
        r = tern_sendmsg(ctx, sl->sd, msg, a->size, NULL, 0, &si, TERN_MSG_DONTWAIT);
        if (r == TERN_EAGAIN) return 0;
        if (r == TERN_ENOTCONN) { /* the connect failed: why */
            int e = 0;
            size_t len = sizeof e;
            tern_getsockopt(ctx, sl->sd, TERN_SO_ERROR, &e, &len);
            tool_fail("connect", e ? e : TERN_ECONNREFUSED);
            return -1;
        }
        if (r < 0) return -tool_fail("send ECHO", (int)r);
        sl->state = SL_ECHO;
        return 1;
    }
    case SL_ECHO:
        while ((r = tool_recv(ctx, sl->sd, &sl->m, TERN_MSG_DONTWAIT)) > 0 && sl->m.notification) {
        }
        if (r == TERN_EAGAIN) return 0;
        if (r <= 0) { /* the connect may have failed after the send: why */
            int e = 0;
            size_t len = sizeof e;
            tern_getsockopt(ctx, sl->sd, TERN_SO_ERROR, &e, &len);
            if (e) return -tool_fail("connect", e);
            return -tool_fail("waiting for the ECHO answer", r ? (int)r : TERN_ECONNRESET);
        }
        if (a->size >= 8) store64le(msg, sl->seq);
        if (!echo_matches(a, &sl->m, msg, sl->seq)) return -1;
        tern_shutdown(ctx, sl->sd, TERN_SHUT_WR);
        sl->state = SL_CLOSING;
        return 1;
    case SL_CLOSING:
        while ((r = tool_recv(ctx, sl->sd, &sl->m, TERN_MSG_DONTWAIT)) > 0) {
        }
        if (r == TERN_EAGAIN) return 0;
        if (r < 0) return -tool_fail("graceful shutdown", (int)r);
        tern_close(ctx, sl->sd);
        sl->sd = -1;
        sl->state = SL_FREE;
        return 1;
    default: return 0;
    }
}

/* --parallel N: N associations in flight, each connect, ECHO, answer,
 * graceful shutdown, on non-blocking sockets; this thread drives the
 * context (tern_ctx_fd, tern_ctx_process) and moves every association on
 * after each round of processing. */
static int run_setup_parallel(tern_ctx *ctx, const perf_args *a, perf_result *res)
{
    uint8_t *msg = malloc(a->size);
    setup_slot *slots = calloc(a->parallel, sizeof *slots);
    if (!msg || !slots) {
        free(msg);
        free(slots);
        return tool_failf("out of memory");
    }
    fill(msg, a->size);
    for (unsigned long i = 0; i < a->parallel; i++) {
        slots[i].sd = -1;
        tool_msg_init(&slots[i].m);
    }
    int rc = 0, fd = tern_ctx_fd(ctx);
    uint64_t started = 0;
    unsigned long active = 0;
    double t0 = tool_now(), deadline = t0 + a->seconds;
    for (;;) {
        double now = tool_now();
        bool more = a->count ? started < a->count : now < deadline;
        for (unsigned long i = 0; more && rc == 0 && i < a->parallel; i++) {
            setup_slot *s = &slots[i];
            if (s->sd >= 0) continue;
            int sd = setup_start(ctx, a);
            if (sd < 0) {
                rc = 1;
                break;
            }
            s->sd = sd;
            s->state = SL_CONNECTING;
            s->seq = started++;
            s->started = now;
            active++;
            more = a->count ? started < a->count : true;
        }
        if (rc || active == 0) break;
        /* Every slot as far as it goes; one that finished may start anew. */
        bool moved = false;
        for (unsigned long i = 0; rc == 0 && i < a->parallel; i++) {
            setup_slot *s = &slots[i];
            int e = 0;
            while (s->sd >= 0 && (e = setup_step(ctx, a, s, msg)) == 1) {
                moved = true;
                if (s->sd < 0) {
                    active--;
                    res->n++;
                }
            }
            if (s->sd >= 0 && e < 0)
                rc = 1;
            else if (s->sd >= 0 && now - s->started > PERF_WAIT_MS / 1000.0)
                rc = tool_failf("association %llu: no progress for %d s (%s)",
                                (unsigned long long)s->seq, PERF_WAIT_MS / 1000,
                                s->state == SL_CONNECTING ? "connecting"
                                : s->state == SL_ECHO     ? "waiting for the ECHO answer"
                                                          : "shutting down");
        }
        if (rc) break;
        if (moved) continue;
        int to = tern_ctx_timeout_ms(ctx);
        struct pollfd p = {.fd = fd, .events = POLLIN};
        poll(&p, 1, to < 0 || to > 100 ? 100 : to);
        tern_ctx_process(ctx);
    }
    res->seconds = tool_now() - t0;
    for (unsigned long i = 0; i < a->parallel; i++) {
        if (slots[i].sd >= 0) tern_close(ctx, slots[i].sd);
        tool_msg_free(&slots[i].m);
    }
    res->ok = rc == 0 && res->n > 0;
    res->done = true;
    free(slots);
    free(msg);
    return res->ok ? 0 : 1;
}

/* --mode setup: one association at a time with blocking calls (they drive
 * the context themselves; about 10% ahead of the poll loop with one slot),
 * or --parallel N. */
static int run_setup(tern_ctx *ctx, const perf_args *a, perf_result *res)
{
    if (a->parallel > 1) return run_setup_parallel(ctx, a, res);
    uint8_t *msg = malloc(a->size);
    if (!msg) return tool_failf("out of memory");
    fill(msg, a->size);
    tool_msg m;
    tool_msg_init(&m);
    int rc = 0;
    double t0 = tool_now(), deadline = t0 + a->seconds;
    while (a->count ? res->n < a->count : tool_now() < deadline) {
        int sd = client_socket(ctx, a);
        if (sd < 0) {
            rc = 1;
            break;
        }
        int e = echo_once(ctx, sd, a, msg, res->n, &m);
        int f = finish(ctx, sd, &m);
        if (e != 1 || f < 0) {
            if (f < 0) tool_fail("graceful shutdown", f);
            rc = 1;
            break;
        }
        res->n++;
    }
    res->seconds = tool_now() - t0;
    res->ok = rc == 0 && res->n > 0;
    res->done = true;
    tool_msg_free(&m);
    free(msg);
    return res->ok ? 0 : 1;
}

static int run_idle(tern_ctx *ctx, const perf_args *a, perf_result *res)
{
    int *sds = malloc(a->assocs * sizeof *sds);
    uint8_t *msg = malloc(a->size);
    if (!sds || !msg) {
        free(sds);
        free(msg);
        return tool_failf("out of memory");
    }
    fill(msg, a->size);
    tool_msg m;
    tool_msg_init(&m);
    int rc = 0;
    unsigned long open = 0;
    uint64_t rss0 = rss_kb();
    while (open < a->assocs) {
        int sd = client_socket(ctx, a);
        if (sd < 0) {
            tool_failf("after %lu associations", open);
            rc = 1;
            break;
        }
        sds[open++] = sd;
        if (echo_once(ctx, sd, a, msg, open - 1, &m) != 1) {
            rc = 1;
            break;
        }
    }
    uint64_t rss1 = rss_kb();
    res->n = open;
    if (rc == 0) {
        uint64_t f[ST_COUNT] = {0};
        uint8_t req[8];
        encode_n(req, (const uint64_t[]){PERF_MAGIC}, 1); /* content not looked at */
        tern_send_info si = {.sid = 0, .ppid = PERF_PPID_STATS};
        long n = tern_sendmsg(ctx, sds[0], req, sizeof req, NULL, 0, &si, 0), r = 0;
        if (n < 0) {
            rc = tool_fail("send STATS", (int)n);
        } else {
            while ((r = tool_recv(ctx, sds[0], &m, 0)) > 0 &&
                   (m.notification || m.info.ppid != PERF_PPID_STATS)) {
            }
            if (r <= 0)
                rc = tool_fail("waiting for the STATS answer", r ? (int)r : TERN_ECONNRESET);
            else if (!decode_n(&m, f, ST_COUNT))
                rc = tool_failf("the STATS answer is malformed");
            else if (f[ST_ASSOCS] < open)
                rc = tool_failf("the server has %llu associations open, not %lu",
                                (unsigned long long)f[ST_ASSOCS], open);
        }
        if (rc == 0) {
            res->client_rss = (double)(rss1 - rss0) * 1024.0 / (double)open;
            res->server_rss =
                f[ST_RSS_NOW] >= f[ST_RSS_START]
                    ? (double)(f[ST_RSS_NOW] - f[ST_RSS_START]) * 1024.0 / (double)open
                    : 0;
        }
    }
    /* Every shutdown first, so they run at once; then their ends. */
    for (unsigned long i = 0; i < open; i++)
        tern_shutdown(ctx, sds[i], TERN_SHUT_WR);
    for (unsigned long i = 0; i < open; i++)
        if (finish(ctx, sds[i], &m) < 0 && rc == 0)
            rc = tool_failf("association %lu did not end well", i);
    res->ok = rc == 0;
    res->done = true;
    tool_msg_free(&m);
    free(msg);
    free(sds);
    return rc;
}

/* The bulk run; res gets both sides' figures. */
static int run_bulk(tern_ctx *ctx, const perf_args *a, bool thread, perf_result *res)
{
    perf_side *c = &res->c, *s = &res->s;
    int sd = client_socket(ctx, a);
    if (sd < 0) return 1;
    tool_set_int(ctx, sd, TERN_SO_RCVTIMEO, 60000);
    uint8_t *msg = malloc(a->size);
    fill(msg, a->size);
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
        uint64_t rf[F_COUNT];
        if (rc == 0 && !decode(&m, rf)) rc = tool_failf("the server's result is malformed");
        if (rc == 0) {
            s->msgs = rf[F_MSGS];
            s->bytes = rf[F_BYTES];
            s->hash = rf[F_HASH];
            s->seconds = (double)rf[F_NSEC] * 1e-9;
            s->user = (double)rf[F_USER_US] * 1e-6;
            s->sys = (double)rf[F_SYS_US] * 1e-6;
            c->ok = s->msgs == c->msgs && s->bytes == c->bytes && s->hash == c->hash;
            s->ok = true;
        }
    }
    if (a->paths) res->npaths = tool_paths_get(ctx, sd, 0, res->paths, TOOL_MAX_ADDRS);
    finish(ctx, sd, &m);
    tool_msg_free(&m);
    free(msg);
    res->ok = c->ok;
    res->done = c->msgs > 0;
    return rc ? rc : c->ok ? 0 : 1;
}

/* Runs the client side on ctx (thread: CPU time of this thread). */
static int perf_client(tern_ctx *ctx, const perf_args *a, uint16_t port, bool thread,
                       perf_result *res)
{
    memset(res, 0, sizeof *res);
    perf_args ca = *a;
    if (!a->host) { /* loopback */
        ca.peers.n = 1;
        socklen_t sl;
        if (tool_resolve(NULL, port, a->o.family, true, &ca.peers.ss[0], &sl) < 0) return 1;
    }
    tool_addrs_set_port(&ca.peers, port);
    switch (a->mode) {
    case MODE_PINGPONG: return run_pingpong(ctx, &ca, res);
    case MODE_SETUP: return run_setup(ctx, &ca, res);
    case MODE_IDLE: return run_idle(ctx, &ca, res);
    default: return run_bulk(ctx, &ca, thread, res);
    }
}

/* ---- Loop: both in this process, each side in its own thread and context ------------------ */

static void *loop_server_main(void *arg)
{
    perf_serve(arg);
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
    atomic_bool stop = false;
    perf_server sv = {.ctx = sctx, .a = a, .thread = true, .stop = &stop, .rss_start = rss_kb()};
    sv.ls = listen_socket(sctx, a, &port);
    pthread_t th;
    int rc = 1;
    if (sv.ls >= 0) {
        if (pthread_create(&th, NULL, loop_server_main, &sv) == 0) {
            perf_result res;
            perf_args ca = *a;
            ca.host = NULL;
            ca.max_assocs = 0;
            rc = perf_client(cctx, &ca, port, true, &res);
            tern_ctx_free(cctx); /* on failure, aborts what is left */
            cctx = NULL;
            atomic_store(&stop, true);
            pthread_join(th, NULL);
            if (res.done) print_result(a, &res);
            rc = rc ? rc : sv.rc;
        }
        tern_close(sctx, sv.ls);
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
        OPT_MODE,
        OPT_MTU,
        OPT_ASSOCS,
        OPT_SIZE,
        OPT_COUNT,
        OPT_TIME,
        OPT_STREAMS,
        OPT_PARALLEL,
        OPT_UNORDERED,
        OPT_NODELAY,
        OPT_SNDBUF,
        OPT_RCVBUF,
        OPT_JSON,
        OPT_BIND,
        OPT_PATHS,
        OPT_RTO_MIN, /* the four of tool_tuning_parse, in its order */
        OPT_RTO_MAX,
        OPT_PATH_MAX_RETRANS,
        OPT_HB_INTERVAL,
    };
    static const struct option longopts[] = {
        TOOL_COMMON_LONGOPTS,
        {"port", required_argument, NULL, OPT_PORT},
        {"max-assocs", required_argument, NULL, OPT_MAX_ASSOCS},
        {"mode", required_argument, NULL, OPT_MODE},
        {"mtu", required_argument, NULL, OPT_MTU},
        {"assocs", required_argument, NULL, OPT_ASSOCS},
        {"size", required_argument, NULL, OPT_SIZE},
        {"count", required_argument, NULL, OPT_COUNT},
        {"time", required_argument, NULL, OPT_TIME},
        {"streams", required_argument, NULL, OPT_STREAMS},
        {"parallel", required_argument, NULL, OPT_PARALLEL},
        {"unordered", no_argument, NULL, OPT_UNORDERED},
        {"nodelay", no_argument, NULL, OPT_NODELAY},
        {"sndbuf", required_argument, NULL, OPT_SNDBUF},
        {"rcvbuf", required_argument, NULL, OPT_RCVBUF},
        {"json", no_argument, NULL, OPT_JSON},
        {"bind", required_argument, NULL, OPT_BIND},
        {"paths", no_argument, NULL, OPT_PATHS},
        {"rto-min", required_argument, NULL, OPT_RTO_MIN},
        {"rto-max", required_argument, NULL, OPT_RTO_MAX},
        {"path-max-retrans", required_argument, NULL, OPT_PATH_MAX_RETRANS},
        {"hb-interval", required_argument, NULL, OPT_HB_INTERVAL},
        {0},
    };
    perf_args a = {
        .port = PERF_PORT, .streams = 1, .size = 1024, .seconds = 5, .assocs = 100, .parallel = 1};
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
        if (k == 0) k = tool_tuning_parse(&a.tune, c, OPT_RTO_MIN, optarg);
        if (k < 0) return 2;
        if (k > 0) continue;
        switch (c) {
        case 'h': printf("%s%s", perf_help, tool_common_help); return 0;
        case OPT_BIND: a.bind = optarg; break;
        case OPT_PATHS: a.paths = true; break;
        case OPT_PORT:
            if (tool_parse_uint(optarg, "--port", 0, 65535, &v) < 0) return 2;
            a.port = (uint16_t)v;
            break;
        case OPT_MAX_ASSOCS:
            if (tool_parse_uint(optarg, "--max-assocs", 1, 1ul << 31, &a.max_assocs) < 0) return 2;
            break;
        case OPT_MODE: {
            int mi = 0;
            while (mode_names[mi] && strcmp(mode_names[mi], optarg) != 0)
                mi++;
            if (!mode_names[mi]) {
                tool_failf("--mode: '%s': use bulk, pingpong, setup or idle", optarg);
                return 2;
            }
            a.mode = (enum perf_mode)mi;
            break;
        }
        case OPT_MTU:
            if (tool_parse_uint(optarg, "--mtu", 0, 65535, &a.mtu) < 0) return 2;
            if (a.mtu && a.mtu < 1280) {
                tool_failf("--mtu: %lu is below 1280 (IPv6's minimum); 0: the path's", a.mtu);
                return 2;
            }
            break;
        case OPT_ASSOCS:
            if (tool_parse_uint(optarg, "--assocs", 1, PERF_MAX_ASSOCS, &a.assocs) < 0) return 2;
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
        case OPT_PARALLEL:
            if (tool_parse_uint(optarg, "--parallel", 1, PERF_MAX_PARALLEL, &a.parallel) < 0)
                return 2;
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
    if (a.bind && role == LOOP) {
        tool_failf("--bind: not for loop (both ends use loopback)");
        return 2;
    }
    if (a.tune.rto_min && a.tune.rto_max && a.tune.rto_min > a.tune.rto_max) {
        tool_failf("--rto-min %lu is above --rto-max %lu", a.tune.rto_min, a.tune.rto_max);
        return 2;
    }
    /* The addresses, parsed before anything opens: a bad one is a usage error. */
    if (a.bind &&
        tool_parse_addrs(a.bind, "--bind", role == SERVER ? a.port : 0, a.o.family, &a.local) < 0)
        return 2;
    if (a.host && tool_parse_addrs(a.host, "host", a.port, a.o.family, &a.peers) < 0) return 2;
    /* tern sockets are not kernel descriptors: only the context's table
     * (max_sockets, 1024 by default) bounds them. idle holds --assocs. */
    if (a.mode == MODE_IDLE && role != SERVER) a.o.max_sockets = (unsigned)a.assocs + 16;
    if (role == LOOP) return loop(&a);

    tern_ctx *ctx;
    if (tool_ctx_open(&a.o, role == SERVER, false, &ctx) < 0) return 1;
    int rc;
    if (role == SERVER) {
        rc = server(ctx, &a);
    } else {
        perf_result res;
        rc = perf_client(ctx, &a, a.port, false, &res);
        if (res.done) print_result(&a, &res);
    }
    tern_ctx_free(ctx);
    return rc;
}
