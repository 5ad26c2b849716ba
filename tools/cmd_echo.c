/* `tern echo server|client`: the echo pair of the classic one-to-one socket
 * example. The server echoes every message back on the stream it came on,
 * with its PPID and ordering, until the peer shuts down; the client sends
 * stdin's lines (or --count generated messages) and checks every echo. */
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

#define ECHO_PORT        7
#define ECHO_MAX_CONNS   1024
#define ECHO_SERVER_STRM 256 /* streams the server offers and accepts */

static const char echo_help[] =
    "usage: tern echo server [--port P] [--one-to-many] [--max-assocs N] [options]\n"
    "       tern echo client [host] [--port P] [--count N --size S] [options]\n\n"
    "server: listens on SCTP port P (7) and echoes every message back on the same\n"
    "  stream, with the same PPID and ordering, until the peer shuts down. Prints\n"
    "  \"listening on port P (UDP encapsulation port U)\" when ready.\n"
    "  --port P          SCTP port (7)\n"
    "  --one-to-many     serve with one one-to-many socket instead of accepting\n"
    "  --max-assocs N    exit after N associations have ended\n\n"
    "client: connects to host (127.0.0.1, ::1 with -6) port P, sends each line of\n"
    "  stdin as one message and prints the echo on stdout; or, with --count, sends\n"
    "  N generated messages of --size bytes. Every echo is checked byte for byte;\n"
    "  a summary is printed (on stderr in stdin mode). Exit 0 when every echo matched.\n"
    "  --port P          SCTP port (7)\n"
    "  --count N         N generated messages instead of stdin\n"
    "  --size S          bytes per generated message (64; K, M suffixes)\n"
    "  --streams N       spread the messages over N streams (1)\n"
    "  --unordered       send unordered\n"
    "  --ppid N          payload protocol identifier (0)\n"
    "  --timeout SEC     give up waiting for an echo after SEC seconds (10)\n\n";

typedef struct echo_args {
    tool_opts o;
    bool server, one_to_many, unordered;
    const char *host;
    uint16_t port, streams;
    unsigned long max_assocs, count, size, ppid;
    double timeout;
} echo_args;

/* ---- Server -------------------------------------------------------------------------- */

typedef struct conn {
    int sd;
    tool_msg m;
    uint64_t msgs, bytes;
    char peer[64];
} conn;

static long echo_back(tern_ctx *ctx, int sd, const tool_msg *m)
{
    tern_send_info si = {
        .sid = m->info.sid,
        .ppid = m->info.ppid,
        .flags = (uint16_t)(m->info.flags & TERN_UNORDERED),
        .assoc_id = m->info.assoc_id,
    };
    return tern_sendmsg(ctx, sd, m->buf, m->len, NULL, 0, &si, 0);
}

static int listen_socket(tern_ctx *ctx, const echo_args *a, int type)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    int family = a->o.family == AF_INET6 ? AF_INET6 : AF_INET;
    tool_resolve(NULL, a->port, family, false, &ss, &sl);
    int sd = tern_socket(ctx, family, type), err;
    if (sd < 0) {
        tool_fail("socket", sd);
        return sd;
    }
    tool_set_streams(ctx, sd, ECHO_SERVER_STRM, ECHO_SERVER_STRM);
    if ((err = tern_bind(ctx, sd, (struct sockaddr *)&ss, sl)) < 0) {
        tool_fail("bind", err);
        return err;
    }
    if ((err = tern_listen(ctx, sd, 64)) < 0) {
        tool_fail("listen", err);
        return err;
    }
    sl = sizeof ss;
    uint16_t port = a->port;
    if (tern_getsockname(ctx, sd, (struct sockaddr *)&ss, &sl) == 0)
        port = ntohs(((struct sockaddr_in *)&ss)->sin_port); /* same offset in sockaddr_in6 */
    tool_print_listening(stdout, ctx, &a->o, port,
                         type == TERN_SOCK_SEQPACKET ? "one-to-many" : "one-to-one");
    return sd;
}

static void conn_end(tern_ctx *ctx, conn *c, const char *how)
{
    printf("%s: association with %s %s: %llu messages, %llu bytes echoed\n", tool_name, c->peer,
           how, (unsigned long long)c->msgs, (unsigned long long)c->bytes);
    fflush(stdout);
    tern_close(ctx, c->sd);
    tool_msg_free(&c->m);
}

/* Reads what c has without blocking and echoes it; false when it has ended. */
static bool conn_serve(tern_ctx *ctx, conn *c)
{
    for (;;) {
        long r = tool_recv(ctx, c->sd, &c->m, TERN_MSG_DONTWAIT);
        if (r == TERN_EAGAIN) return true;
        if (r == 0) return conn_end(ctx, c, "ended"), false;
        if (r < 0) {
            conn_end(ctx, c, tern_strerror((int)r));
            return false;
        }
        if (c->m.notification) continue;
        long n = echo_back(ctx, c->sd, &c->m);
        if (n < 0) {
            conn_end(ctx, c, tern_strerror((int)n));
            return false;
        }
        c->msgs++;
        c->bytes += c->m.len;
    }
}

static int server_one_to_one(tern_ctx *ctx, const echo_args *a)
{
    int ls = listen_socket(ctx, a, TERN_SOCK_STREAM);
    if (ls < 0) return 1;
    tool_set_int(ctx, ls, TERN_SO_NONBLOCK, 1);
    static conn conns[ECHO_MAX_CONNS];
    static struct pollfd pfd[ECHO_MAX_CONNS + 1];
    int nconns = 0;
    unsigned long ended = 0;
    while (!a->max_assocs || ended < a->max_assocs) {
        pfd[0] = (struct pollfd){.fd = tern_sock_fd(ctx, ls), .events = POLLIN};
        for (int i = 0; i < nconns; i++)
            pfd[i + 1] = (struct pollfd){.fd = tern_sock_fd(ctx, conns[i].sd), .events = POLLIN};
        if (poll(pfd, (nfds_t)nconns + 1, -1) < 0) continue;
        for (int i = 0; i < nconns;) {
            if (pfd[i + 1].revents && !conn_serve(ctx, &conns[i])) {
                ended++;
                conns[i] = conns[nconns - 1];
                pfd[i + 1] = pfd[nconns];
                nconns--;
                continue;
            }
            i++;
        }
        while (pfd[0].revents && nconns < ECHO_MAX_CONNS) {
            struct sockaddr_storage peer;
            socklen_t pl = sizeof peer;
            int sd = tern_accept(ctx, ls, (struct sockaddr *)&peer, &pl);
            if (sd == TERN_EAGAIN) break;
            if (sd < 0) {
                tool_fail("accept", sd);
                break;
            }
            conn *c = &conns[nconns++];
            memset(c, 0, sizeof *c);
            c->sd = sd;
            tool_msg_init(&c->m);
            tool_addr_str((struct sockaddr *)&peer, c->peer, sizeof c->peer);
            tool_set_int(ctx, sd, TERN_SO_NONBLOCK, 0); /* sends block; reads use DONTWAIT */
            printf("%s: association from %s\n", tool_name, c->peer);
            fflush(stdout);
            if (!conn_serve(ctx, c)) { /* it may have ended already */
                ended++;
                nconns--;
            }
        }
    }
    tern_close(ctx, ls);
    return 0;
}

/* One-to-many: one socket, told apart by association id. */
typedef struct assoc_count {
    tern_assoc_id id;
    uint64_t msgs, bytes;
} assoc_count;

static assoc_count *assoc_find(assoc_count *tab, int *n, tern_assoc_id id)
{
    for (int i = 0; i < *n; i++)
        if (tab[i].id == id) return &tab[i];
    if (*n == ECHO_MAX_CONNS) return &tab[0]; /* counts merge; never lost */
    tab[*n] = (assoc_count){.id = id};
    return &tab[(*n)++];
}

static int server_one_to_many(tern_ctx *ctx, const echo_args *a)
{
    int sd = listen_socket(ctx, a, TERN_SOCK_SEQPACKET);
    if (sd < 0) return 1;
    tool_subscribe(ctx, sd, TERN_ASSOC_CHANGE);
    static assoc_count tab[ECHO_MAX_CONNS];
    int ntab = 0;
    unsigned long ended = 0;
    tool_msg m;
    tool_msg_init(&m);
    int rc = 0;
    while (!a->max_assocs || ended < a->max_assocs) {
        long r = tool_recv(ctx, sd, &m, 0);
        if (r < 0) {
            rc = tool_fail("receive", (int)r);
            break;
        }
        if (r == 0) {
            rc = tool_failf("the socket was shut down");
            break;
        }
        if (m.notification) {
            const union tern_notification *n = (const void *)m.buf;
            if (n->h.type != TERN_ASSOC_CHANGE) continue;
            const struct tern_assoc_change *ac = &n->assoc_change;
            assoc_count *ct = assoc_find(tab, &ntab, ac->assoc_id);
            if (ac->state == TERN_COMM_UP) {
                char peer[64] = "?";
                struct sockaddr_storage ss;
                socklen_t sl = sizeof ss;
                if (tern_getpeername(ctx, sd, ac->assoc_id, (struct sockaddr *)&ss, &sl) == 0)
                    tool_addr_str((struct sockaddr *)&ss, peer, sizeof peer);
                printf("%s: association %u from %s\n", tool_name, ac->assoc_id, peer);
            } else if (ac->state != TERN_RESTART) {
                printf("%s: association %u %s: %llu messages, %llu bytes echoed\n", tool_name,
                       ac->assoc_id, tool_sn_name(n), (unsigned long long)ct->msgs,
                       (unsigned long long)ct->bytes);
                *ct = tab[--ntab];
                ended++;
            }
            fflush(stdout);
            continue;
        }
        long n = echo_back(ctx, sd, &m);
        if (n < 0) {
            tool_fail("send", (int)n); /* that association is gone; the others go on */
            continue;
        }
        assoc_count *ct = assoc_find(tab, &ntab, m.info.assoc_id);
        ct->msgs++;
        ct->bytes += m.len;
    }
    tool_msg_free(&m);
    tern_close(ctx, sd);
    return rc;
}

/* ---- Client -------------------------------------------------------------------------- */

static void fill(uint8_t *buf, size_t len, uint64_t seq)
{
    uint64_t x = seq * 0x9e3779b97f4a7c15ull + 1;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        buf[i] = (uint8_t)x;
    }
}

static int client(tern_ctx *ctx, const echo_args *a)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    if (tool_resolve(a->host, a->port, a->o.family, true, &ss, &sl) < 0) return 1;
    int sd = tern_socket(ctx, ss.ss_family, TERN_SOCK_STREAM), err;
    if (sd < 0) return tool_fail("socket", sd);
    tool_set_streams(ctx, sd, a->streams, 0);
    int ms = (int)(a->timeout * 1e3);
    tool_set_int(ctx, sd, TERN_SO_SNDTIMEO, ms);
    tool_set_int(ctx, sd, TERN_SO_RCVTIMEO, ms);
    char peer[64];
    tool_addr_str((struct sockaddr *)&ss, peer, sizeof peer);
    double t0 = tool_now();
    if ((err = tern_connect(ctx, sd, (struct sockaddr *)&ss, sl)) < 0) {
        tool_failf("connect to %s: %s", peer, tern_strerror(err));
        return 1;
    }
    double hs = tool_now() - t0;
    bool gen = a->count > 0;
    FILE *out = gen ? stdout : stderr;
    uint8_t *msg = gen ? malloc(a->size) : NULL;
    char *line = NULL;
    size_t linecap = 0;
    tool_msg m;
    tool_msg_init(&m);
    uint64_t sent = 0, ok = 0, bad = 0, bytes = 0;
    double rtt_min = 1e9, rtt_max = 0, rtt_sum = 0;
    int rc = 0;
    for (;;) {
        size_t len;
        const uint8_t *p;
        if (gen) {
            if (sent == a->count) break;
            fill(msg, a->size, sent);
            p = msg;
            len = a->size;
        } else {
            ssize_t n = getline(&line, &linecap, stdin);
            if (n <= 0) break;
            p = (const uint8_t *)line;
            len = (size_t)n;
        }
        uint16_t sid = (uint16_t)(sent % a->streams);
        tern_send_info si = {
            .sid = sid, .ppid = (uint32_t)a->ppid, .flags = a->unordered ? TERN_UNORDERED : 0};
        double ts = tool_now();
        long n = tern_sendmsg(ctx, sd, p, len, NULL, 0, &si, 0);
        if (n < 0) {
            rc = tool_fail("send", (int)n);
            break;
        }
        sent++;
        long r;
        while ((r = tool_recv(ctx, sd, &m, 0)) == 1 && m.notification) {
        }
        if (r <= 0) {
            rc = r == 0 ? tool_failf("the server ended the association")
                        : tool_fail("receive", (int)r);
            break;
        }
        double rtt = tool_now() - ts;
        rtt_sum += rtt;
        if (rtt < rtt_min) rtt_min = rtt;
        if (rtt > rtt_max) rtt_max = rtt;
        if (m.len == len && memcmp(m.buf, p, len) == 0 && m.info.sid == sid &&
            m.info.ppid == si.ppid) {
            ok++;
            bytes += len;
        } else {
            bad++;
            tool_failf("echo %llu differs (%zu bytes on stream %u, sent %zu on stream %u)",
                       (unsigned long long)sent, m.len, m.info.sid, len, sid);
        }
        if (!gen) {
            fwrite(m.buf, 1, m.len, stdout);
            fflush(stdout);
        }
    }
    double elapsed = tool_now() - t0 - hs;
    tern_shutdown(ctx, sd, TERN_SHUT_WR);
    while (tool_recv(ctx, sd, &m, 0) > 0) {
    }
    tern_close(ctx, sd);
    fprintf(out,
            "%s: %llu messages sent, %llu echoed and verified, %llu wrong, %llu bytes each way "
            "in %.3f s\n",
            tool_name, (unsigned long long)sent, (unsigned long long)ok, (unsigned long long)bad,
            (unsigned long long)bytes, elapsed);
    if (sent)
        fprintf(out,
                "%s: handshake %.3f ms, round trip min/avg/max %.3f/%.3f/%.3f ms, streams %u\n",
                tool_name, hs * 1e3, rtt_min * 1e3, rtt_sum / (double)sent * 1e3, rtt_max * 1e3,
                a->streams);
    free(msg);
    free(line);
    tool_msg_free(&m);
    return rc || bad || ok != sent ? 1 : 0;
}

int cmd_echo(int argc, char **argv)
{
    enum {
        OPT_PORT = OPT_LOCAL,
        OPT_ONE_TO_MANY,
        OPT_MAX_ASSOCS,
        OPT_COUNT,
        OPT_SIZE,
        OPT_STREAMS,
        OPT_UNORDERED,
        OPT_PPID,
        OPT_TIMEOUT,
    };
    static const struct option longopts[] = {
        TOOL_COMMON_LONGOPTS,
        {"port", required_argument, NULL, OPT_PORT},
        {"one-to-many", no_argument, NULL, OPT_ONE_TO_MANY},
        {"max-assocs", required_argument, NULL, OPT_MAX_ASSOCS},
        {"count", required_argument, NULL, OPT_COUNT},
        {"size", required_argument, NULL, OPT_SIZE},
        {"streams", required_argument, NULL, OPT_STREAMS},
        {"unordered", no_argument, NULL, OPT_UNORDERED},
        {"ppid", required_argument, NULL, OPT_PPID},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {0},
    };
    echo_args a = {.port = ECHO_PORT, .streams = 1, .size = 64, .timeout = 10};
    tool_opts_init(&a.o);
    int role = tool_role(&argc, &argv, (const char *const[]){"server", "client", NULL}, echo_help);
    if (role < 0) return role == -1 ? 0 : 2;
    a.server = role == 0;
    unsigned long v;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, TOOL_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
        int k = tool_opts_parse(&a.o, c, optarg);
        if (k < 0) return 2;
        if (k > 0) continue;
        switch (c) {
        case 'h': printf("%s%s", echo_help, tool_common_help); return 0;
        case OPT_PORT:
            if (tool_parse_uint(optarg, "--port", 0, 65535, &v) < 0) return 2;
            a.port = (uint16_t)v;
            break;
        case OPT_ONE_TO_MANY: a.one_to_many = true; break;
        case OPT_MAX_ASSOCS:
            if (tool_parse_uint(optarg, "--max-assocs", 1, 1ul << 31, &a.max_assocs) < 0) return 2;
            break;
        case OPT_COUNT:
            if (tool_parse_uint(optarg, "--count", 1, 1ul << 40, &a.count) < 0) return 2;
            break;
        case OPT_SIZE:
            if (tool_parse_size(optarg, "--size", 1, 64ul << 20, &a.size) < 0) return 2;
            break;
        case OPT_STREAMS:
            if (tool_parse_uint(optarg, "--streams", 1, 65535, &v) < 0) return 2;
            a.streams = (uint16_t)v;
            break;
        case OPT_UNORDERED: a.unordered = true; break;
        case OPT_PPID:
            if (tool_parse_uint(optarg, "--ppid", 0, 0xffffffffu, &a.ppid) < 0) return 2;
            break;
        case OPT_TIMEOUT:
            if (tool_parse_seconds(optarg, "--timeout", &a.timeout) < 0) return 2;
            break;
        default: fprintf(stderr, "%s%s", echo_help, tool_common_help); return 2;
        }
    }
    if (a.server ? optind != argc : optind + 1 < argc) {
        tool_failf("unexpected argument '%s'", argv[a.server ? optind : optind + 1]);
        return 2;
    }
    if (!a.server && optind < argc) a.host = argv[optind];
    if (!a.server && a.port == 0) return tool_failf("--port: the client needs a port"), 2;

    tern_ctx *ctx;
    if (tool_ctx_open(&a.o, a.server, a.server, &ctx) < 0) return 1;
    int rc = !a.server       ? client(ctx, &a)
             : a.one_to_many ? server_one_to_many(ctx, &a)
                             : server_one_to_one(ctx, &a);
    tern_ctx_free(ctx);
    return rc;
}
