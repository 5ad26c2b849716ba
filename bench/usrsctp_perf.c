/* usrsctp_perf: the usrsctp side of the benchmark suite (bench/README.md).
 * The same command line, wire protocol and JSON as `tern perf`
 * (tools/cmd_perf.c), on Debian's libusrsctp over UDP encapsulation
 * (RFC 6951), so a `tern perf client` can run against `usrsctp_perf server`
 * and the other way round.
 *
 * usrsctp sockets are one-to-one (SOCK_STREAM), without receive callbacks:
 * every call blocks. usrsctp has no receive timeout (SO_RCVTIMEO is not one of
 * its socket options), so the client's waits are bounded by a watchdog
 * thread: no progress for WATCHDOG_S seconds ends the run as failed.
 *
 * Buffers: SO_SNDBUF and SO_RCVBUF 4 MiB on every socket (the listener's are
 * inherited by the accepted ones), as Tern's per association defaults
 * (API_SNDBUF_DEFAULT, API_RCVBUF_DEFAULT in api/internal.h). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <usrsctp.h>

#include "perf_proto.h"

#define PERF_PORT        5001
#define PERF_UDP_PORT    9899
#define PERF_MAX_STREAMS 1024
#define BUF_BYTES        (4 << 20) /* SO_SNDBUF, SO_RCVBUF: Tern's defaults */
#define WATCHDOG_S       30
#define MAX_SAMPLES      10000000ul /* pingpong round trips kept */
#define SERVER_STACK     (256 << 10)

static const char help[] =
    "usage: usrsctp_perf server [--port P] [--udp-port U] [--max-assocs N] [--mtu M] [--json]\n"
    "       usrsctp_perf client [HOST] [--port P] [--udp-port U] [--remote-udp-port R]\n"
    "            [--mode bulk|pingpong|setup|idle] [--size S] [--count N | --time T]\n"
    "            [--streams K] [--unordered] [--nodelay] [--mtu M] [--assocs N]\n"
    "            [--parallel N] [--json]\n"
    "  --parallel N: setup mode, N associations in flight at once (N threads, each\n"
    "  one after the other; 1 by default)\n"
    "  (-6: IPv6. See bench/README.md.)\n";

enum mode { M_BULK, M_PINGPONG, M_SETUP, M_IDLE };
static const char *const mode_names[] = {"bulk", "pingpong", "setup", "idle"};

typedef struct args {
    bool server, json, unordered, nodelay, v6;
    const char *host;
    uint16_t port, streams;
    int udp_port, remote_udp_port; /* -1: default */
    enum mode mode;
    unsigned long size, count, max_assocs, mtu, assocs, parallel;
    double seconds;
} args;

static args A;

/* ---- Small helpers ------------------------------------------------------------------------ */

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long size = 0, res = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &size, &res) != 2) res = 0;
        fclose(f);
    }
    return res * (sysconf(_SC_PAGESIZE) / 1024);
}

static void failf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "usrsctp_perf: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* The watchdog: the client calls progress() whenever something happens. */
static _Atomic long long g_progress_ms;

static void progress(void)
{
    atomic_store(&g_progress_ms, (long long)(perf_now() * 1000));
}

static void *watchdog(void *arg)
{
    (void)arg;
    for (;;) {
        usleep(200000);
        if (perf_now() * 1000 - (double)atomic_load(&g_progress_ms) > WATCHDOG_S * 1000.0) {
            failf("no progress for %d s: giving up", WATCHDOG_S);
            if (A.json)
                printf("{\"tool\": \"usrsctp\", \"mode\": \"%s\", \"verified\": false, "
                       "\"error\": \"timeout\"}\n",
                       mode_names[A.mode]);
            fflush(stdout);
            _exit(1);
        }
    }
    return NULL;
}

/* ---- Payloads and checksums: tools/perf_proto.h, shared with tern perf ------------------- */

/* END and RESULT (tern perf's layout): 64-bit fields in network order. STATS
 * answers: magic, rss_kb_start, rss_kb_now, associations open. */
enum { F_MAGIC, F_MSGS, F_BYTES, F_HASH, F_NSEC, F_USER_US, F_SYS_US, F_COUNT };

static void encode(uint8_t *out, const uint64_t *f, int n)
{
    for (int i = 0; i < n; i++)
        for (int b = 0; b < 8; b++)
            out[8 * i + b] = (uint8_t)(f[i] >> (56 - 8 * b));
}

static bool decode(const uint8_t *p, size_t len, uint64_t *f, int n)
{
    if (len != 8 * (size_t)n) return false;
    for (int i = 0; i < n; i++) {
        f[i] = 0;
        for (int b = 0; b < 8; b++)
            f[i] = f[i] << 8 | p[8 * i + b];
    }
    return f[0] == PERF_MAGIC;
}

static void fill_pattern(uint8_t *msg, size_t n)
{
    for (size_t i = 0; i < n; i++)
        msg[i] = (uint8_t)(i * 131 + (i >> 8) * 7 + 1);
}

/* ---- Sockets ------------------------------------------------------------------------------ */

/* One whole message; usrsctp_recvv may hand it over in pieces (MSG_EOR ends it). */
typedef struct msgbuf {
    uint8_t *buf;
    size_t len, cap;
    uint16_t sid;
    uint16_t flags; /* rcv_flags: SCTP_UNORDERED */
    uint32_t ppid;  /* host order */
    bool nb;        /* read with MSG_DONTWAIT */
    bool partial;   /* a non-blocking read stopped inside a message: go on with it */
} msgbuf;

/* 1: a message in m; 0: the peer shut down; -1: error (errno; EWOULDBLOCK
 * with m->nb: what was read stays in m, call again). */
static int recv_msg(struct socket *so, msgbuf *m)
{
    if (!m->partial) m->len = 0;
    m->partial = true;
    for (;;) {
        if (m->len == m->cap) {
            size_t cap = m->cap ? 2 * m->cap : 2048;
            uint8_t *b = realloc(m->buf, cap);
            if (!b) return -1;
            m->buf = b;
            m->cap = cap;
        }
        struct sctp_rcvinfo ri;
        struct sockaddr_storage from;
        socklen_t fl = sizeof from, il = sizeof ri;
        unsigned int it = 0;
        int flags = m->nb ? MSG_DONTWAIT : 0; /* in: usrsctp's recv flags; out: the message's */
        memset(&ri, 0, sizeof ri);
        ssize_t n = usrsctp_recvv(so, m->buf + m->len, m->cap - m->len, (struct sockaddr *)&from,
                                  &fl, &ri, &il, &it, &flags);
        if (n < 0) {
            if (errno != EWOULDBLOCK && errno != EAGAIN) m->partial = false;
            return -1;
        }
        if (n == 0 && !(flags & MSG_EOR)) {
            m->partial = false;
            return 0;
        }
        if (flags & MSG_NOTIFICATION) { /* none are subscribed; skip any */
            if (flags & MSG_EOR) m->len = 0;
            continue;
        }
        if (m->len == 0) {
            m->sid = m->flags = 0;
            m->ppid = 0;
        }
        if (m->len == 0 && it == SCTP_RECVV_RCVINFO) {
            m->sid = ri.rcv_sid;
            m->flags = ri.rcv_flags;
            m->ppid = ntohl(ri.rcv_ppid);
        }
        m->len += (size_t)n;
        if (flags & MSG_EOR) {
            m->partial = false;
            return 1;
        }
    }
}

static int send_msg(struct socket *so, const void *p, size_t len, uint16_t sid, uint32_t ppid,
                    bool unordered)
{
    struct sctp_sndinfo si;
    memset(&si, 0, sizeof si);
    si.snd_sid = sid;
    si.snd_flags = unordered ? SCTP_UNORDERED : 0;
    si.snd_ppid = htonl(ppid);
    ssize_t n =
        usrsctp_sendv(so, p, len, NULL, 0, &si, (socklen_t)sizeof si, SCTP_SENDV_SNDINFO, 0);
    return n == (ssize_t)len ? 0 : -1;
}

static void set_int(struct socket *so, int level, int opt, int v, const char *what)
{
    if (usrsctp_setsockopt(so, level, opt, &v, sizeof v) < 0)
        failf("setsockopt %s: %s", what, strerror(errno));
}

/* Path MTU fixed at mtu, PMTU discovery off: for future associations (no
 * association yet) or for the socket's association (all its paths). */
static void set_mtu(struct socket *so, int family, unsigned long mtu)
{
    if (!mtu) return;
    struct sctp_paddrparams pp;
    memset(&pp, 0, sizeof pp);
    pp.spp_address.ss_family = (sa_family_t)family; /* the wildcard address: every path */
    pp.spp_assoc_id = 0; /* one-to-one: the socket's association or the defaults */
    pp.spp_flags = SPP_PMTUD_DISABLE;
    pp.spp_pathmtu = (uint32_t)mtu;
    if (usrsctp_setsockopt(so, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &pp, sizeof pp) < 0)
        failf("setsockopt SCTP_PEER_ADDR_PARAMS (--mtu %lu): %s", mtu, strerror(errno));
}

/* The MTU the association uses now (0: unknown). */
static unsigned path_mtu(struct socket *so)
{
    struct sctp_status st;
    socklen_t l = sizeof st;
    memset(&st, 0, sizeof st);
    if (usrsctp_getsockopt(so, IPPROTO_SCTP, SCTP_STATUS, &st, &l) < 0) return 0;
    return st.sstat_primary.spinfo_mtu;
}

/* The options both sides set on a new socket. */
static struct socket *new_socket(int family, uint16_t ostreams, bool nodelay)
{
    struct socket *so = usrsctp_socket(family, SOCK_STREAM, IPPROTO_SCTP, NULL, NULL, 0, NULL);
    if (!so) {
        failf("usrsctp_socket: %s", strerror(errno));
        return NULL;
    }
    set_int(so, SOL_SOCKET, SO_SNDBUF, BUF_BYTES, "SO_SNDBUF");
    set_int(so, SOL_SOCKET, SO_RCVBUF, BUF_BYTES, "SO_RCVBUF");
    set_int(so, IPPROTO_SCTP, SCTP_RECVRCVINFO, 1, "SCTP_RECVRCVINFO");
    if (nodelay) set_int(so, IPPROTO_SCTP, SCTP_NODELAY, 1, "SCTP_NODELAY");
    struct sctp_initmsg im;
    memset(&im, 0, sizeof im);
    im.sinit_num_ostreams = ostreams;
    im.sinit_max_instreams = ostreams; /* as tern perf: the client asks for --streams each way */
    if (usrsctp_setsockopt(so, IPPROTO_SCTP, SCTP_INITMSG, &im, sizeof im) < 0)
        failf("setsockopt SCTP_INITMSG: %s", strerror(errno));
    set_mtu(so, family, A.mtu);
    return so;
}

/* A free local UDP port for usrsctp's encapsulation socket. */
static int free_udp_port(void)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) return -1;
    struct sockaddr_in sin = {.sin_family = AF_INET};
    socklen_t l = sizeof sin;
    int port = -1;
    if (bind(fd, (struct sockaddr *)&sin, sizeof sin) == 0 &&
        getsockname(fd, (struct sockaddr *)&sin, &l) == 0)
        port = ntohs(sin.sin_port);
    close(fd);
    return port;
}

/* usrsctp_init does not report a UDP port it cannot bind (it then simply
 * receives nothing), so the port is tried first. */
static bool udp_port_free(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) return true;
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
    bool ok = bind(fd, (struct sockaddr *)&sin, sizeof sin) == 0;
    close(fd);
    if (!ok) failf("UDP port %u is taken (choose another with --udp-port)", port);
    return ok;
}

/* Closes usrsctp down: usrsctp_finish fails while associations still shut
 * down, so it is retried for up to 20 s. */
static void finish(void)
{
    double t0 = perf_now();
    while (perf_now() - t0 < 20) {
        if (usrsctp_finish() == 0) return;
        progress();
        usleep(10000);
    }
    failf("usrsctp_finish still refuses after 20 s (associations not closed yet)");
}

/* ---- Server ------------------------------------------------------------------------------- */

/* A thread per association: usrsctp has no poll(), only blocking calls or
 * callbacks from its own threads, and a thread per association keeps the code
 * as the client's (blocking calls). Bulk runs one at a time, so threads do not
 * compete; for idle, each thread costs about 8.7 KB of RSS (stack pages of
 * the 256 KiB reserved, TLS; measured), which counts in the server's RSS per
 * association. */
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_done = PTHREAD_COND_INITIALIZER;
static unsigned long g_open, g_ended;
static long g_rss_start;
static atomic_int g_server_rc;

typedef struct conn {
    struct socket *so;
    int family;
    char peer[64];
} conn;

static void print_server(const char *peer, uint64_t msgs, uint64_t bytes, double secs, double user,
                         double sys, bool ok)
{
    double mb = secs > 0 ? (double)bytes / secs / 1e6 : 0;
    double rate = secs > 0 ? (double)msgs / secs : 0;
    if (A.json)
        printf("{\"tool\": \"usrsctp\", \"mode\": \"server\", \"peer\": \"%s\", \"messages\": "
               "%" PRIu64 ", \"bytes\": %" PRIu64 ", \"seconds\": %.6f, \"mbytes_per_s\": %.3f, "
               "\"messages_per_s\": %.1f, \"user_s\": %.3f, \"sys_s\": %.3f, \"verified\": %s}\n",
               peer, msgs, bytes, secs, mb, rate, user, sys, ok ? "true" : "false");
    else
        printf("usrsctp_perf server: %s: %" PRIu64 " messages, %" PRIu64
               " bytes in %.3f s: %.1f MB/s, %.0f msg/s, CPU user %.2f s + sys %.2f s; %s\n",
               peer, msgs, bytes, secs, mb, rate, user, sys,
               ok ? "count and checksum match the client's" : "MISMATCH with the client's END");
    fflush(stdout);
}

static void *serve(void *arg)
{
    conn *c = arg;
    struct socket *so = c->so;
    set_mtu(so, c->family, A.mtu); /* also on the association itself */
    msgbuf m = {0};
    uint64_t msgs = 0, bytes = 0, hash = 0, end[F_COUNT];
    double t_first = 0, u0 = 0, s0 = 0;
    bool have_end = false;
    int r;
    while ((r = recv_msg(so, &m)) > 0) {
        switch (m.ppid) {
        case PERF_PPID_DATA:
            if (msgs++ == 0) {
                t_first = perf_now();
                perf_cpu(&u0, &s0);
            }
            bytes += m.len;
            hash += msg_hash(m.buf, m.len);
            break;
        case PERF_PPID_END:
            if (!decode(m.buf, m.len, end, F_COUNT)) {
                failf("%s: malformed END", c->peer);
                break;
            }
            have_end = true;
            if (!t_first) {
                t_first = perf_now();
                perf_cpu(&u0, &s0);
            }
            break;
        case PERF_PPID_ECHO:
            if (send_msg(so, m.buf, m.len, m.sid, PERF_PPID_ECHO, m.flags & SCTP_UNORDERED) < 0)
                failf("%s: echo: %s", c->peer, strerror(errno));
            break;
        case PERF_PPID_STATS: { /* the request's payload is ignored (SCTP cannot send empty ones) */
            pthread_mutex_lock(&g_lock);
            uint64_t f[4] = {PERF_MAGIC, (uint64_t)g_rss_start, (uint64_t)rss_kb(), g_open};
            pthread_mutex_unlock(&g_lock);
            uint8_t buf[32];
            encode(buf, f, 4);
            if (send_msg(so, buf, sizeof buf, m.sid, PERF_PPID_STATS, false) < 0)
                failf("%s: stats: %s", c->peer, strerror(errno));
            break;
        }
        default: break;
        }
        if (have_end && msgs >= end[F_MSGS]) {
            double secs = perf_now() - t_first, u, s;
            perf_cpu(&u, &s);
            u -= u0;
            s -= s0;
            bool ok = msgs == end[F_MSGS] && bytes == end[F_BYTES] && hash == end[F_HASH];
            uint64_t f[F_COUNT] = {
                PERF_MAGIC,         msgs, bytes, hash, (uint64_t)(secs * 1e9), (uint64_t)(u * 1e6),
                (uint64_t)(s * 1e6)};
            uint8_t buf[8 * F_COUNT];
            encode(buf, f, F_COUNT);
            if (send_msg(so, buf, sizeof buf, 0, PERF_PPID_RESULT, false) < 0)
                failf("%s: send the result: %s", c->peer, strerror(errno));
            print_server(c->peer, msgs, bytes, secs, u, s, ok);
            if (!ok) g_server_rc = 1;
            msgs = bytes = hash = 0;
            t_first = 0;
            have_end = false;
        }
    }
    if (r < 0 && errno != ECONNRESET && errno != ENOTCONN)
        failf("%s: receive: %s", c->peer, strerror(errno));
    if (have_end || msgs) {
        failf("%s: the client ended the association before its run was complete", c->peer);
        g_server_rc = 1;
    }
    usrsctp_close(so);
    free(m.buf);
    free(c);
    pthread_mutex_lock(&g_lock);
    g_open--;
    g_ended++;
    if (A.max_assocs && g_ended >= A.max_assocs) pthread_cond_signal(&g_done);
    pthread_mutex_unlock(&g_lock);
    return NULL;
}

/* The listener is the one non-blocking socket: usrsctp_finish destroys the
 * condition variable a blocked usrsctp_accept waits on (it hangs), so the
 * acceptor waits on its own one, woken by the listener's upcall (called from
 * usrsctp's threads), and can be told to stop. */
static pthread_mutex_t g_acc_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_acc_cond = PTHREAD_COND_INITIALIZER;
static bool g_acc_pending, g_acc_stop, g_fatal;

static void listen_upcall(struct socket *so, void *arg, int flags)
{
    (void)so, (void)arg, (void)flags;
    pthread_mutex_lock(&g_acc_lock);
    g_acc_pending = true;
    pthread_cond_signal(&g_acc_cond);
    pthread_mutex_unlock(&g_acc_lock);
}

static void *acceptor(void *arg)
{
    struct socket *ls = arg;
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setstacksize(&at, SERVER_STACK);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    for (;;) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        struct socket *so = usrsctp_accept(ls, (struct sockaddr *)&ss, &sl);
        if (!so) {
            if (errno == EWOULDBLOCK || errno == EAGAIN) {
                pthread_mutex_lock(&g_acc_lock);
                if (!g_acc_pending && !g_acc_stop) {
                    struct timespec ts;
                    clock_gettime(CLOCK_REALTIME, &ts);
                    ts.tv_sec += 1; /* the upcall wakes it; the timeout only bounds a miss */
                    pthread_cond_timedwait(&g_acc_cond, &g_acc_lock, &ts);
                }
                bool stop = g_acc_stop;
                g_acc_pending = false;
                pthread_mutex_unlock(&g_acc_lock);
                if (stop) return NULL;
                continue;
            }
            if (errno == EINTR || errno == ECONNABORTED) continue;
            failf("accept: %s", strerror(errno));
            break;
        }
        usrsctp_set_non_blocking(so, 0); /* inherited from the listener */
        conn *c = calloc(1, sizeof *c);
        c->so = so;
        c->family = ss.ss_family == AF_INET6 ? AF_INET6 : AF_INET;
        char host[INET6_ADDRSTRLEN] = "?";
        uint16_t port = 0;
        if (ss.ss_family == AF_INET) {
            struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
            inet_ntop(AF_INET, &s4->sin_addr, host, sizeof host);
            port = ntohs(s4->sin_port);
        } else if (ss.ss_family == AF_INET6) {
            struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
            inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof host);
            port = ntohs(s6->sin6_port);
        }
        snprintf(c->peer, sizeof c->peer, "%s:%u", host, port);
        pthread_mutex_lock(&g_lock);
        g_open++;
        pthread_mutex_unlock(&g_lock);
        pthread_t th;
        int e = pthread_create(&th, &at, serve, c);
        if (e) {
            failf("pthread_create: %s (association dropped)", strerror(e));
            usrsctp_close(so);
            free(c);
            pthread_mutex_lock(&g_lock);
            g_open--;
            pthread_mutex_unlock(&g_lock);
        }
    }
    pthread_mutex_lock(&g_lock);
    g_fatal = true;
    pthread_cond_signal(&g_done);
    pthread_mutex_unlock(&g_lock);
    return NULL;
}

static int server(void)
{
    int up = A.udp_port > 0 ? A.udp_port : A.udp_port == 0 ? free_udp_port() : PERF_UDP_PORT;
    if (up <= 0 || !udp_port_free((uint16_t)up)) return 1;
    uint16_t udp = (uint16_t)up;
    usrsctp_init(udp, NULL, NULL);
    int family = A.v6 ? AF_INET6 : AF_INET;
    struct socket *ls = new_socket(family, PERF_MAX_STREAMS, A.nodelay);
    if (!ls) return 1;
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t sl;
    if (A.v6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(A.port);
        s6->sin6_addr = in6addr_any;
        sl = sizeof *s6;
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        s4->sin_port = htons(A.port);
        s4->sin_addr.s_addr = htonl(INADDR_ANY);
        sl = sizeof *s4;
    }
    if (usrsctp_bind(ls, (struct sockaddr *)&ss, sl) < 0 || usrsctp_listen(ls, 128) < 0) {
        failf("listen on port %u: %s", A.port, strerror(errno));
        usrsctp_close(ls);
        finish();
        return 1;
    }
    usrsctp_set_non_blocking(ls, 1);
    usrsctp_set_upcall(ls, listen_upcall, NULL);
    g_rss_start = rss_kb();
    printf("usrsctp_perf: listening on port %u (UDP encapsulation port %u)\n", A.port, udp);
    fflush(stdout);
    pthread_t th;
    if (pthread_create(&th, NULL, acceptor, ls) != 0) {
        failf("pthread_create failed");
        return 1;
    }
    pthread_mutex_lock(&g_lock);
    while (!(A.max_assocs && g_ended >= A.max_assocs) && !g_fatal)
        pthread_cond_wait(&g_done, &g_lock);
    int rc = g_server_rc || g_fatal;
    pthread_mutex_unlock(&g_lock);
    pthread_mutex_lock(&g_acc_lock);
    g_acc_stop = true;
    pthread_cond_signal(&g_acc_cond);
    pthread_mutex_unlock(&g_acc_lock);
    pthread_join(th, NULL);
    usrsctp_set_upcall(ls, NULL, NULL);
    usrsctp_close(ls);
    finish();
    return rc;
}

/* ---- Client ------------------------------------------------------------------------------- */

static struct sockaddr_storage g_peer;
static socklen_t g_peer_len;
static uint16_t g_remote_udp;

static int resolve(void)
{
    struct addrinfo hints = {.ai_family = A.v6 ? AF_INET6 : AF_UNSPEC, .ai_socktype = SOCK_DGRAM};
    struct addrinfo *res;
    char port[8];
    snprintf(port, sizeof port, "%u", A.port);
    int e = getaddrinfo(A.host, port, &hints, &res);
    if (e) {
        failf("%s: %s", A.host, gai_strerror(e));
        return -1;
    }
    memcpy(&g_peer, res->ai_addr, res->ai_addrlen);
    g_peer_len = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

/* A new association to the server (NULL on failure). */
static struct socket *connect_assoc(bool nodelay)
{
    struct socket *so = new_socket(g_peer.ss_family, A.streams, nodelay);
    if (!so) return NULL;
    struct sctp_udpencaps ue;
    memset(&ue, 0, sizeof ue);
    ue.sue_address.ss_family = g_peer.ss_family;
    ue.sue_port = htons(g_remote_udp);
    if (usrsctp_setsockopt(so, IPPROTO_SCTP, SCTP_REMOTE_UDP_ENCAPS_PORT, &ue, sizeof ue) < 0)
        failf("setsockopt SCTP_REMOTE_UDP_ENCAPS_PORT: %s", strerror(errno));
    if (usrsctp_connect(so, (struct sockaddr *)&g_peer, g_peer_len) < 0) {
        failf("connect to %s port %u (UDP %u): %s", A.host, A.port, g_remote_udp, strerror(errno));
        usrsctp_close(so);
        return NULL;
    }
    set_mtu(so, g_peer.ss_family, A.mtu);
    progress();
    return so;
}

/* Graceful close: SHUTDOWN, wait for the peer's end (bounded by the watchdog). */
static void close_assoc(struct socket *so, msgbuf *m)
{
    usrsctp_shutdown(so, SHUT_WR);
    while (recv_msg(so, m) > 0) {
    }
    usrsctp_close(so);
}

typedef struct result {
    bool ok;
    unsigned mtu_used;
    uint64_t msgs, bytes, hash;
    double seconds, user, sys;
    /* bulk: the server's */
    uint64_t s_msgs, s_bytes;
    double s_seconds, s_user, s_sys;
    /* pingpong */
    double p50, p99, mean;
    /* idle */
    double c_rss, s_rss;
    uint64_t stalled; /* setup */
} result;

static int bulk(result *R)
{
    struct socket *so = connect_assoc(A.nodelay);
    if (!so) return 1;
    R->mtu_used = path_mtu(so);
    uint8_t *msg = malloc(A.size);
    fill_pattern(msg, A.size);
    uint64_t rest = A.size >= 8 ? body_hash(msg + 8, A.size - 8) : msg_hash(msg, A.size);
    int rc = 0;
    double u0, s0, t0 = perf_now(), deadline = t0 + A.seconds;
    perf_cpu(&u0, &s0);
    for (uint64_t seq = 0; A.count ? seq < A.count : true; seq++) {
        if ((seq & 15) == 0) {
            progress();
            if (!A.count && perf_now() >= deadline) break;
        }
        if (A.size >= 8) store64le(msg, seq);
        if (send_msg(so, msg, A.size, (uint16_t)(seq % A.streams), PERF_PPID_DATA, A.unordered) <
            0) {
            failf("send: %s", strerror(errno));
            rc = 1;
            break;
        }
        R->msgs++;
        R->bytes += A.size;
        R->hash += A.size >= 8 ? fmix64(seq ^ rest) : rest;
    }
    msgbuf m = {0};
    if (rc == 0) {
        uint64_t f[F_COUNT] = {PERF_MAGIC, R->msgs, R->bytes, R->hash, 0, 0, 0};
        uint8_t buf[8 * F_COUNT];
        encode(buf, f, F_COUNT);
        progress();
        int r = 0;
        if (send_msg(so, buf, sizeof buf, 0, PERF_PPID_END, false) < 0) {
            failf("send END: %s", strerror(errno));
            rc = 1;
        } else {
            while ((r = recv_msg(so, &m)) > 0 && m.ppid != PERF_PPID_RESULT) {
            }
            if (r <= 0) {
                failf("waiting for the server's result: %s",
                      r < 0 ? strerror(errno) : "the server ended the association");
                rc = 1;
            }
        }
        R->seconds = perf_now() - t0;
        perf_cpu(&R->user, &R->sys);
        R->user -= u0;
        R->sys -= s0;
        uint64_t res[F_COUNT];
        if (rc == 0 && !decode(m.buf, m.len, res, F_COUNT)) {
            failf("the server's result is malformed");
            rc = 1;
        }
        if (rc == 0) {
            R->s_msgs = res[F_MSGS];
            R->s_bytes = res[F_BYTES];
            R->s_seconds = (double)res[F_NSEC] * 1e-9;
            R->s_user = (double)res[F_USER_US] * 1e-6;
            R->s_sys = (double)res[F_SYS_US] * 1e-6;
            R->ok = res[F_MSGS] == R->msgs && res[F_BYTES] == R->bytes && res[F_HASH] == R->hash;
        }
    }
    close_assoc(so, &m);
    free(m.buf);
    free(msg);
    return rc ? rc : R->ok ? 0 : 1;
}

/* One ECHO of msg (its first 8 bytes numbered seq) and its answer, compared. */
static int echo_once(struct socket *so, uint8_t *msg, uint64_t seq, msgbuf *m)
{
    if (A.size >= 8) store64le(msg, seq);
    uint16_t sid = (uint16_t)(seq % A.streams);
    if (send_msg(so, msg, A.size, sid, PERF_PPID_ECHO, A.unordered) < 0) {
        failf("send: %s", strerror(errno));
        return -1;
    }
    int r = recv_msg(so, m);
    if (r <= 0) {
        failf("waiting for the echo: %s", r < 0 ? strerror(errno) : "the server ended it");
        return -1;
    }
    bool unord = (m->flags & SCTP_UNORDERED) != 0;
    if (m->ppid != PERF_PPID_ECHO || m->len != A.size || m->sid != sid || unord != A.unordered ||
        memcmp(m->buf, msg, A.size) != 0) {
        failf("echo %" PRIu64 " differs from what was sent (ppid %#x, %zu bytes, stream %u)", seq,
              m->ppid, m->len, m->sid);
        return 1;
    }
    progress();
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int pingpong(result *R)
{
    struct socket *so = connect_assoc(true);
    if (!so) return 1;
    R->mtu_used = path_mtu(so);
    uint8_t *msg = malloc(A.size);
    fill_pattern(msg, A.size);
    size_t cap = A.count ? (A.count < MAX_SAMPLES ? A.count : MAX_SAMPLES) : 1 << 16, n = 0;
    double *us = malloc(cap * sizeof *us), sum = 0;
    msgbuf m = {0};
    int rc = 0;
    double t0 = perf_now(), deadline = t0 + A.seconds;
    for (uint64_t seq = 0; A.count ? seq < A.count : true; seq++) {
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        if (!A.count && (double)a.tv_sec + (double)a.tv_nsec * 1e-9 >= deadline) break;
        if ((rc = echo_once(so, msg, seq, &m)) != 0) break;
        clock_gettime(CLOCK_MONOTONIC, &b);
        double t = (double)(b.tv_sec - a.tv_sec) * 1e6 + (double)(b.tv_nsec - a.tv_nsec) * 1e-3;
        sum += t;
        R->msgs++;
        if (n == cap && cap < MAX_SAMPLES) {
            cap = cap * 2 < MAX_SAMPLES ? cap * 2 : MAX_SAMPLES;
            us = realloc(us, cap * sizeof *us);
        }
        if (n < cap) us[n++] = t;
    }
    R->seconds = perf_now() - t0;
    if (n) {
        qsort(us, n, sizeof *us, cmp_double);
        R->p50 = us[(n - 1) / 2];
        R->p99 = us[(size_t)((double)(n - 1) * 0.99)];
        R->mean = sum / (double)R->msgs;
    }
    R->ok = rc == 0 && R->msgs > 0;
    close_assoc(so, &m);
    free(m.buf);
    free(us);
    free(msg);
    return rc < 0 ? 1 : rc ? rc : R->ok ? 0 : 1;
}

/* Bounded waits for setup's answers: the socket's upcall (from usrsctp's
 * threads) wakes a reader that reads with MSG_DONTWAIT. */
typedef struct waiter {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool ev;
} waiter;

static void waiter_upcall(struct socket *so, void *arg, int flags)
{
    (void)so, (void)flags;
    waiter *w = arg;
    pthread_mutex_lock(&w->mu);
    w->ev = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

/* recv_msg until the time until (perf_now()): -1 with errno ETIMEDOUT after it. */
static int recv_until(struct socket *so, waiter *w, msgbuf *m, double until)
{
    m->nb = true;
    for (;;) {
        int r = recv_msg(so, m);
        if (r >= 0 || (errno != EWOULDBLOCK && errno != EAGAIN)) return r;
        double left = until - perf_now();
        if (left <= 0) {
            m->partial = false;
            errno = ETIMEDOUT;
            return -1;
        }
        pthread_mutex_lock(&w->mu);
        if (!w->ev) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            double t = (double)ts.tv_nsec * 1e-9 + (left < 0.05 ? left : 0.05);
            ts.tv_sec += (time_t)t;
            ts.tv_nsec = (long)((t - (double)(time_t)t) * 1e9);
            pthread_cond_timedwait(&w->cv, &w->mu, &ts);
        }
        w->ev = false;
        pthread_mutex_unlock(&w->mu);
    }
}

/* One setup loop (a thread of --parallel N): associations numbered from the
 * shared counter until --count or --time is reached or another loop fails.
 * usrsctp's server sometimes acknowledges an association's first DATA and
 * never hands it to the accepted socket when several associations start at
 * once (bench/README.md): an association without its answer (or its end)
 * after STALL_S is aborted and counted as stalled, not as set up. */
#define STALL_S 1.0

typedef struct setup_shared {
    _Atomic uint64_t next, done, stalled;
    atomic_int rc;
    atomic_uint mtu;
    double deadline;
} setup_shared;

static void *setup_loop(void *arg)
{
    setup_shared *sh = arg;
    uint8_t *msg = malloc(A.size);
    fill_pattern(msg, A.size);
    msgbuf m = {0};
    waiter w = {.ev = false};
    pthread_mutex_init(&w.mu, NULL);
    pthread_cond_init(&w.cv, NULL);
    for (;;) {
        if (atomic_load(&sh->rc)) break;
        if (!A.count && perf_now() >= sh->deadline) break;
        uint64_t i = atomic_fetch_add(&sh->next, 1);
        if (A.count && i >= A.count + atomic_load(&sh->stalled)) break;
        struct socket *so = connect_assoc(true);
        if (!so) {
            atomic_store(&sh->rc, 1);
            break;
        }
        if (i == 0) atomic_store(&sh->mtu, path_mtu(so));
        usrsctp_set_upcall(so, waiter_upcall, &w);
        if (A.size >= 8) store64le(msg, i);
        uint16_t sid = (uint16_t)(i % A.streams);
        int r = -1, rc = 0;
        if (send_msg(so, msg, A.size, sid, PERF_PPID_ECHO, A.unordered) < 0) {
            failf("send: %s", strerror(errno));
            rc = 1;
        } else if ((r = recv_until(so, &w, &m, perf_now() + STALL_S)) > 0) {
            bool unord = (m.flags & SCTP_UNORDERED) != 0;
            if (m.ppid != PERF_PPID_ECHO || m.len != A.size || m.sid != sid ||
                unord != A.unordered || memcmp(m.buf, msg, A.size) != 0) {
                failf("echo %" PRIu64
                      " differs from what was sent (ppid %#x, %zu bytes, stream %u)",
                      i, m.ppid, m.len, m.sid);
                rc = 1;
            } else {
                usrsctp_shutdown(so, SHUT_WR);
                double until = perf_now() + STALL_S;
                while ((r = recv_until(so, &w, &m, until)) > 0) {
                }
            }
        } else if (r == 0 || errno != ETIMEDOUT) {
            failf("waiting for the echo: %s", r < 0 ? strerror(errno) : "the server ended it");
            rc = 1;
        }
        usrsctp_set_upcall(so, NULL, NULL);
        if (rc == 0 && r < 0 && errno == ETIMEDOUT) { /* stalled: abort it */
            struct linger l = {.l_onoff = 1, .l_linger = 0};
            usrsctp_setsockopt(so, SOL_SOCKET, SO_LINGER, &l, sizeof l);
            atomic_fetch_add(&sh->stalled, 1);
        } else if (rc == 0 && r < 0) {
            failf("waiting for the end of the association: %s", strerror(errno));
            rc = 1;
        }
        usrsctp_close(so);
        if (rc) {
            atomic_store(&sh->rc, rc);
            break;
        }
        if (r == 0) atomic_fetch_add(&sh->done, 1);
        progress();
    }
    pthread_cond_destroy(&w.cv);
    pthread_mutex_destroy(&w.mu);
    free(m.buf);
    free(msg);
    return NULL;
}

/* --parallel N: N threads, each with one association at a time (usrsctp's
 * calls block; its sockets have no poll()). */
static int setup(result *R)
{
    setup_shared sh = {.rc = 0};
    double t0 = perf_now();
    sh.deadline = t0 + A.seconds;
    pthread_t *th = calloc(A.parallel, sizeof *th);
    unsigned long started = 0;
    for (; th && started < A.parallel; started++)
        if (pthread_create(&th[started], NULL, setup_loop, &sh) != 0) {
            failf("pthread_create failed");
            atomic_store(&sh.rc, 1);
            break;
        }
    for (unsigned long i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    free(th);
    R->seconds = perf_now() - t0;
    R->msgs = atomic_load(&sh.done);
    R->stalled = atomic_load(&sh.stalled);
    R->mtu_used = atomic_load(&sh.mtu);
    int rc = th ? atomic_load(&sh.rc) : 1;
    R->ok = rc == 0 && R->msgs > 0;
    return rc ? rc : R->ok ? 0 : 1;
}

static int idle(result *R)
{
    unsigned long n = A.assocs;
    struct socket **so = calloc(n, sizeof *so);
    uint8_t *msg = malloc(A.size);
    fill_pattern(msg, A.size);
    msgbuf m = {0};
    m.cap = A.size + 64; /* allocated before the first RSS figure */
    m.buf = malloc(m.cap);
    int rc = 0;
    unsigned long k = 0;
    long rss0 = rss_kb();
    double t0 = perf_now();
    for (; k < n; k++) {
        if (!(so[k] = connect_assoc(true))) {
            failf("association %lu of %lu failed", k + 1, n);
            rc = 1;
            break;
        }
        if (k == 0) R->mtu_used = path_mtu(so[0]);
        if ((rc = echo_once(so[k], msg, k, &m)) != 0) {
            k++;
            break;
        }
    }
    long rss1 = rss_kb();
    R->seconds = perf_now() - t0;
    R->msgs = rc ? 0 : k;
    if (rc == 0) {
        uint8_t req[8];
        uint64_t magic = PERF_MAGIC;
        encode(req, &magic, 1);
        uint64_t f[4];
        int r;
        if (send_msg(so[0], req, sizeof req, 0, PERF_PPID_STATS, false) < 0 ||
            (r = recv_msg(so[0], &m)) <= 0 || m.ppid != PERF_PPID_STATS ||
            !decode(m.buf, m.len, f, 4)) {
            failf("no STATS answer from the server");
            rc = 1;
        } else {
            if (f[3] < n) failf("warning: the server counts %" PRIu64 " associations open", f[3]);
            R->c_rss = (double)(rss1 - rss0) * 1024.0 / (double)n;
            R->s_rss = ((double)f[2] - (double)f[1]) * 1024.0 / (double)n;
            R->ok = true;
        }
    }
    /* Graceful shutdowns, a batch at a time: all at once, the server's UDP
     * socket overflows and usrsctp takes minutes to recover; aborts are not
     * retransmitted, so lost ones would leave the server's side open. */
    for (unsigned long b = 0; b < k; b += 100) {
        unsigned long e = b + 100 < k ? b + 100 : k;
        for (unsigned long i = b; i < e; i++)
            usrsctp_shutdown(so[i], SHUT_WR);
        for (unsigned long i = b; i < e; i++) {
            while (recv_msg(so[i], &m) > 0) {
            }
            usrsctp_close(so[i]);
            progress();
        }
    }
    free(m.buf);
    free(msg);
    free(so);
    return rc < 0 ? 1 : rc ? rc : R->ok ? 0 : 1;
}

static void print_client(const result *R)
{
    const char *b = R->ok ? "true" : "false";
    if (A.json) {
        printf("{\"tool\": \"usrsctp\", \"mode\": \"%s\", \"transport\": \"udp\", \"size\": %lu, "
               "\"streams\": %u, \"unordered\": %s, \"nodelay\": %s, \"mtu\": %lu, "
               "\"path_mtu\": %u, \"verified\": %s",
               mode_names[A.mode], A.size, A.streams, A.unordered ? "true" : "false",
               A.nodelay ? "true" : "false", A.mtu, R->mtu_used, b);
        double sec = R->seconds, ss = R->s_seconds;
        switch (A.mode) {
        case M_BULK:
            printf(",\n \"messages\": %" PRIu64 ", \"bytes\": %" PRIu64
                   ", \"seconds\": %.6f, \"mbytes_per_s\": %.3f, \"messages_per_s\": %.1f,\n",
                   R->msgs, R->bytes, sec, sec > 0 ? (double)R->bytes / sec / 1e6 : 0,
                   sec > 0 ? (double)R->msgs / sec : 0);
            printf(" \"client\": {\"user_s\": %.3f, \"sys_s\": %.3f, \"cpu_s\": %.3f},\n", R->user,
                   R->sys, R->user + R->sys);
            printf(" \"server\": {\"messages\": %" PRIu64 ", \"bytes\": %" PRIu64
                   ", \"seconds\": %.6f, \"mbytes_per_s\": %.3f, \"messages_per_s\": %.1f, "
                   "\"user_s\": %.3f, \"sys_s\": %.3f, \"cpu_s\": %.3f}}\n",
                   R->s_msgs, R->s_bytes, ss, ss > 0 ? (double)R->s_bytes / ss / 1e6 : 0,
                   ss > 0 ? (double)R->s_msgs / ss : 0, R->s_user, R->s_sys, R->s_user + R->s_sys);
            break;
        case M_PINGPONG:
            printf(", \"messages\": %" PRIu64 ", \"seconds\": %.6f, \"messages_per_s\": %.1f, "
                   "\"p50_us\": %.2f, \"p99_us\": %.2f, \"mean_us\": %.2f}\n",
                   R->msgs, sec, sec > 0 ? (double)R->msgs / sec : 0, R->p50, R->p99, R->mean);
            break;
        case M_SETUP:
            printf(", \"assocs\": %" PRIu64 ", \"parallel\": %lu, \"stalled\": %" PRIu64
                   ", \"seconds\": %.6f, \"assocs_per_s\": %.1f}\n",
                   R->msgs, A.parallel, R->stalled, sec, sec > 0 ? (double)R->msgs / sec : 0);
            break;
        case M_IDLE:
            printf(", \"assocs\": %" PRIu64 ", \"seconds\": %.6f, \"client_rss_per_assoc\": %.0f, "
                   "\"server_rss_per_assoc\": %.0f}\n",
                   R->msgs, sec, R->c_rss, R->s_rss);
            break;
        }
        fflush(stdout);
        return;
    }
    printf("usrsctp_perf %s: %lu-byte messages, %u stream%s, %s, nodelay %s, MTU %u%s: ",
           mode_names[A.mode], A.size, A.streams, A.streams == 1 ? "" : "s",
           A.unordered ? "unordered" : "ordered", A.nodelay ? "on" : "off", R->mtu_used,
           A.mtu ? " (fixed)" : " (usrsctp's default)");
    double sec = R->seconds;
    switch (A.mode) {
    case M_BULK:
        printf("client %" PRIu64 " messages in %.3f s: %.1f MB/s, %.0f msg/s, CPU %.2f s; "
               "server %.1f MB/s, CPU %.2f s; %s\n",
               R->msgs, sec, sec > 0 ? (double)R->bytes / sec / 1e6 : 0,
               sec > 0 ? (double)R->msgs / sec : 0, R->user + R->sys,
               R->s_seconds > 0 ? (double)R->s_bytes / R->s_seconds / 1e6 : 0, R->s_user + R->s_sys,
               R->ok ? "verified: the server's count, bytes and checksum match" : "NOT verified");
        break;
    case M_PINGPONG:
        printf("%" PRIu64 " round trips in %.3f s: p50 %.1f us, p99 %.1f us, mean %.1f us; %s\n",
               R->msgs, sec, R->p50, R->p99, R->mean,
               R->ok ? "every echo verified" : "NOT verified");
        break;
    case M_SETUP:
        printf("%" PRIu64 " associations in %.3f s, %lu at a time (%" PRIu64
               " stalled, aborted): %.1f/s; %s\n",
               R->msgs, sec, A.parallel, R->stalled, sec > 0 ? (double)R->msgs / sec : 0,
               R->ok ? "every echo verified" : "NOT verified");
        break;
    case M_IDLE:
        printf("%" PRIu64 " associations open (%.2f s to open): RSS per association client %.0f "
               "B, server %.0f B; %s\n",
               R->msgs, sec, R->c_rss, R->s_rss, R->ok ? "every echo verified" : "NOT verified");
        break;
    }
}

static int client(void)
{
    if (resolve() < 0) return 1;
    int udp = A.udp_port > 0 ? A.udp_port : free_udp_port();
    if (udp <= 0) {
        failf("no free UDP port for the encapsulation (use --udp-port)");
        return 1;
    }
    if (!udp_port_free((uint16_t)udp)) return 1;
    g_remote_udp = (uint16_t)(A.remote_udp_port > 0 ? A.remote_udp_port : PERF_UDP_PORT);
    if (A.mode == M_IDLE) { /* usrsctp sockets are not descriptors, but raise it anyway */
        struct rlimit rl;
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
            rl.rlim_cur = rl.rlim_max;
            setrlimit(RLIMIT_NOFILE, &rl);
        }
    }
    progress();
    pthread_t wd;
    pthread_create(&wd, NULL, watchdog, NULL);
    pthread_detach(wd);
    usrsctp_init((uint16_t)udp, NULL, NULL);
    result R;
    memset(&R, 0, sizeof R);
    int rc = A.mode == M_BULK       ? bulk(&R)
             : A.mode == M_PINGPONG ? pingpong(&R)
             : A.mode == M_SETUP    ? setup(&R)
                                    : idle(&R);
    print_client(&R);
    progress();
    finish();
    return rc;
}

/* ---- Command line ------------------------------------------------------------------------- */

static bool parse_ul(const char *s, const char *what, unsigned long min, unsigned long max,
                     bool suffix, unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10), mul = 1;
    if (suffix && (*end == 'k' || *end == 'K'))
        mul = 1024, end++;
    else if (suffix && (*end == 'm' || *end == 'M'))
        mul = 1024 * 1024, end++;
    if (errno || end == s || *end || s[0] == '-' || v > max / mul || v * mul < min) {
        failf("%s: '%s' is not a number in %lu..%lu", what, s, min, max);
        return false;
    }
    *out = v * mul;
    return true;
}

int main(int argc, char **argv)
{
    enum {
        O_PORT = 0x100,
        O_UDP,
        O_RUDP,
        O_MAXA,
        O_MTU,
        O_JSON,
        O_MODE,
        O_SIZE,
        O_COUNT,
        O_TIME,
        O_STREAMS,
        O_UNORD,
        O_NODELAY,
        O_ASSOCS,
        O_PARALLEL,
    };
    static const struct option lo[] = {
        {"port", required_argument, NULL, O_PORT},
        {"udp-port", required_argument, NULL, O_UDP},
        {"remote-udp-port", required_argument, NULL, O_RUDP},
        {"max-assocs", required_argument, NULL, O_MAXA},
        {"mtu", required_argument, NULL, O_MTU},
        {"json", no_argument, NULL, O_JSON},
        {"mode", required_argument, NULL, O_MODE},
        {"size", required_argument, NULL, O_SIZE},
        {"count", required_argument, NULL, O_COUNT},
        {"time", required_argument, NULL, O_TIME},
        {"streams", required_argument, NULL, O_STREAMS},
        {"unordered", no_argument, NULL, O_UNORD},
        {"nodelay", no_argument, NULL, O_NODELAY},
        {"assocs", required_argument, NULL, O_ASSOCS},
        {"parallel", required_argument, NULL, O_PARALLEL},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    if (argc < 2 || (strcmp(argv[1], "server") && strcmp(argv[1], "client"))) {
        bool h = argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"));
        fputs(help, h ? stdout : stderr);
        return h ? 0 : 2;
    }
    A = (args){.server = !strcmp(argv[1], "server"),
               .host = "127.0.0.1",
               .port = PERF_PORT,
               .streams = 1,
               .udp_port = -1,
               .remote_udp_port = -1,
               .size = 1024,
               .seconds = 5,
               .assocs = 1000,
               .parallel = 1};
    argc--;
    argv++;
    unsigned long v;
    int c;
    while ((c = getopt_long(argc, argv, "46h", lo, NULL)) != -1) {
        switch (c) {
        case '4': A.v6 = false; break;
        case '6': A.v6 = true; break;
        case 'h': fputs(help, stdout); return 0;
        case O_PORT:
            if (!parse_ul(optarg, "--port", 1, 65535, false, &v)) return 2;
            A.port = (uint16_t)v;
            break;
        case O_UDP:
            if (!parse_ul(optarg, "--udp-port", 0, 65535, false, &v)) return 2;
            A.udp_port = (int)v;
            break;
        case O_RUDP:
            if (!parse_ul(optarg, "--remote-udp-port", 1, 65535, false, &v)) return 2;
            A.remote_udp_port = (int)v;
            break;
        case O_MAXA:
            if (!parse_ul(optarg, "--max-assocs", 0, 1ul << 31, false, &A.max_assocs)) return 2;
            break;
        case O_MTU:
            if (!parse_ul(optarg, "--mtu", 0, 65535, false, &A.mtu)) return 2;
            if (A.mtu && A.mtu < 576) {
                failf("--mtu: at least 576");
                return 2;
            }
            break;
        case O_JSON: A.json = true; break;
        case O_MODE: {
            int k = 0;
            while (k < 4 && strcmp(optarg, mode_names[k]))
                k++;
            if (k == 4) {
                failf("--mode: '%s': bulk, pingpong, setup or idle", optarg);
                return 2;
            }
            A.mode = (enum mode)k;
            break;
        }
        case O_SIZE:
            if (!parse_ul(optarg, "--size", 1, 16ul << 20, true, &A.size)) return 2;
            break;
        case O_COUNT:
            if (!parse_ul(optarg, "--count", 1, 1ul << 40, false, &A.count)) return 2;
            break;
        case O_TIME: {
            char *end;
            A.seconds = strtod(optarg, &end);
            if (end == optarg || *end || !(A.seconds > 0)) {
                failf("--time: '%s' is not a number of seconds > 0", optarg);
                return 2;
            }
            A.count = 0;
            break;
        }
        case O_STREAMS:
            if (!parse_ul(optarg, "--streams", 1, PERF_MAX_STREAMS, false, &v)) return 2;
            A.streams = (uint16_t)v;
            break;
        case O_UNORD: A.unordered = true; break;
        case O_NODELAY: A.nodelay = true; break;
        case O_ASSOCS:
            if (!parse_ul(optarg, "--assocs", 1, 1000000, false, &A.assocs)) return 2;
            break;
        case O_PARALLEL:
            if (!parse_ul(optarg, "--parallel", 1, 1000, false, &A.parallel)) return 2;
            break;
        default: fputs(help, stderr); return 2;
        }
    }
    if (optind < argc) {
        if (A.server || optind + 1 < argc) {
            failf("unexpected argument '%s'", argv[optind + (A.server ? 0 : 1)]);
            return 2;
        }
        A.host = argv[optind];
    }
    if (A.mode != M_BULK) A.nodelay = true; /* one message at a time: no waiting */
    return A.server ? server() : client();
}
