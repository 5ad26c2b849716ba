/* udp_perf: the plain-UDP limit for the benchmark suite (bench/README.md).
 *
 *   udp_perf server [--udp-port U] [--max-assocs N] [--json]
 *   udp_perf client HOST [--remote-udp-port R] [--mode bulk|pingpong] [--size S]
 *                        [--gso SEG] [--count N | --time T] [--json]
 *
 * bulk: the client sends --size byte datagrams with sendmmsg (64 per call),
 * or with --gso SEG buffers of up to 64 segments of SEG bytes each
 * (UDP_SEGMENT, 8 buffers per sendmmsg). The server receives with recvmmsg
 * (UDP_GRO on, so a GSO train arrives whole) and checks every datagram:
 * its header (session, sequence number, length) and a sequence-dependent
 * tail word always, the whole body against the expected pattern on every
 * 16th datagram (every one with --verify-all). UDP may drop: the figures
 * are what the server received, "lost" is what it did not, and "verified"
 * means every datagram it received was intact. At the end the client sends
 * END with its counts (repeated until a RESULT arrives, bounded) and the
 * server answers RESULT with its count, bytes, seconds and CPU time.
 *
 * pingpong: one datagram of --size bytes (64) outstanding; the server sends
 * it back unchanged; the client compares every byte and records the round
 * trip. Reports p50, p99 and mean in µs.
 *
 * Datagram layout (little-endian): u32 type, u32 session, u64 sequence,
 * then the body; a data datagram of 24 bytes or more ends with a u64 that
 * mixes the sequence and the session. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "perf_proto.h" /* fmix64 */

#define UDP_PERF_PORT 9900
#define T_DATA        0x44504455u /* "UDPD" */
#define T_END         0x45504455u /* "UDPE" */
#define T_RESULT      0x52504455u /* "UDPR" */
#define T_PING        0x50504455u /* "UDPP" */
#define HDR           16          /* type, session, sequence */
#define MAX_DGRAM     65507       /* IPv4: 65535 - 20 - 8 */
#define RECV_BUF      65536
#define SEND_BATCH    64 /* datagrams per sendmmsg */
#define GSO_BATCH     8  /* GSO buffers per sendmmsg */
#define GSO_MAX_SEGS  64 /* UDP_MAX_SEGMENTS */
#define RECV_BATCH    64 /* recvmmsg slots */
#define SOCK_BUF      (4 << 20)
#define SAMPLE_MASK   15u /* full body check on every 16th datagram */

static const char help[] =
    "usage: udp_perf server [--udp-port U] [--max-assocs N] [--verify-all] [--no-gro] [--json]\n"
    "       udp_perf client HOST [--remote-udp-port R] [--mode bulk|pingpong] [--size S]\n"
    "                            [--gso SEG] [--count N | --time T] [--json]\n\n"
    "The plain-UDP limit of bench/README.md. bulk (default): the client sends --size\n"
    "byte datagrams (1452) with sendmmsg, or with --gso SEG up to 64 KiB buffers cut\n"
    "into SEG-byte datagrams by the kernel (UDP_SEGMENT); the server counts and checks\n"
    "what it receives (recvmmsg, UDP_GRO) and reports it: UDP may drop, so the figures\n"
    "are the server's and the loss is reported. pingpong: one --size (64) byte datagram\n"
    "outstanding, echoed by the server; p50, p99 and mean round trip in microseconds.\n\n"
    "  --udp-port U         server: UDP port (9900); client: local port (ephemeral)\n"
    "  --remote-udp-port R  client: the server's UDP port (9900)\n"
    "  --port P             alias of --remote-udp-port (client) or --udp-port (server)\n"
    "  --max-assocs N       server: exit after N client runs\n"
    "  --mode M             bulk or pingpong (setup and idle are SCTP-only)\n"
    "  --size S             datagram bytes (bulk 1452, pingpong 64; K suffix)\n"
    "  --gso SEG            bulk: send SEG-byte segments with UDP GSO (--size is SEG)\n"
    "  --count N            send N datagrams (bulk) or round trips (pingpong)\n"
    "  --time T             send for T seconds (5)\n"
    "  --verify-all         server: check every datagram's whole body, not every 16th\n"
    "  --no-gro             server: no UDP_GRO: a GSO train is split into datagrams\n"
    "  --json               one JSON object per run\n"
    "  --streams 1, --nodelay, --mtu 0: accepted (UDP has one stream and no delay);\n"
    "  other SCTP options (--unordered, --streams K>1, --mtu M, --assocs) are refused.\n"
    "  -4, -6               IPv4 only / IPv6\n";

static const char *prog = "udp_perf";

typedef struct args {
    bool server, json, verify_all, pingpong, nodelay, no_gro;
    const char *host;
    int family;
    unsigned long local_port, remote_port, size, gso, count, max_runs;
    double seconds;
    bool size_set;
} args;

/* ---- Helpers ------------------------------------------------------------------------------ */

static int failf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int failf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", prog);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static uint64_t tail_word(uint32_t session, uint64_t seq)
{
    return fmix64(seq ^ ((uint64_t)session << 32 | 0x5a5a5a5au));
}

/* The body pattern: byte j of every datagram (tern perf's payload pattern). */
static uint8_t pattern[RECV_BUF];

static void init_pattern(void)
{
    for (size_t i = 0; i < sizeof pattern; i++)
        pattern[i] = (uint8_t)(i * 131 + (i >> 8) * 7 + 1);
}

/* Writes a data datagram's header and tail into p (n bytes, body already the pattern). */
static void stamp(uint8_t *p, size_t n, uint32_t session, uint64_t seq)
{
    put32(p, T_DATA);
    put32(p + 4, session);
    put64(p + 8, seq);
    if (n >= HDR + 8) put64(p + n - 8, tail_word(session, seq));
}

static void set_bufs(int fd, bool rcv)
{
    int v = SOCK_BUF;
    /* As root, *BUFFORCE goes past net.core.[rw]mem_max; else the plain option (capped). */
    if (setsockopt(fd, SOL_SOCKET, rcv ? SO_RCVBUFFORCE : SO_SNDBUFFORCE, &v, sizeof v) < 0)
        setsockopt(fd, SOL_SOCKET, rcv ? SO_RCVBUF : SO_SNDBUF, &v, sizeof v);
}

/* ---- Server ------------------------------------------------------------------------------- */

/* END: type, session, u64 sent datagrams, u64 sent bytes. RESULT: type,
 * session, then u64 fields. */
enum { R_MSGS, R_BYTES, R_BAD, R_NSEC, R_USER_US, R_SYS_US, R_REORDER, R_MAXSEQ, R_COUNT };
#define END_LEN    (HDR + 16)
#define RESULT_LEN (8 + 8 * R_COUNT)

typedef struct session {
    bool active, done;
    uint32_t id;
    size_t len; /* the session's datagram length (the first one's) */
    uint64_t msgs, bytes, bad, reorder, next_seq, max_seq;
    uint64_t sent_msgs, sent_bytes;
    double t_first, t_last, u0, s0, user, sys;
    uint8_t result[RESULT_LEN];
} session;

static void check_datagram(session *s, const uint8_t *p, size_t n, bool full)
{
    s->msgs++;
    s->bytes += n;
    uint64_t seq = get64(p + 8);
    bool ok = n == s->len;
    if (ok && n >= HDR + 8) ok = get64(p + n - 8) == tail_word(s->id, seq);
    if (ok && (full || (seq & SAMPLE_MASK) == 0) && n > HDR + 8)
        ok = memcmp(p + HDR, pattern + HDR, n - HDR - 8) == 0;
    if (!ok) s->bad++;
    if (seq != s->next_seq) s->reorder++;
    s->next_seq = seq + 1;
    if (seq > s->max_seq) s->max_seq = seq;
}

static void finish(session *s, const uint8_t *end, const char *peer, const args *a)
{
    s->done = true;
    s->sent_msgs = get64(end + HDR);
    s->sent_bytes = get64(end + HDR + 8);
    if (s->msgs == 0) {
        s->t_first = s->t_last = perf_now();
        perf_cpu(&s->u0, &s->s0);
    }
    perf_cpu(&s->user, &s->sys);
    s->user -= s->u0;
    s->sys -= s->s0;
    double secs = s->t_last - s->t_first;
    if (secs <= 0 && s->msgs) secs = perf_now() - s->t_first; /* all in one batch: until END */
    /* A sequence number at or past the sent count is corrupt too. */
    if (s->msgs && s->max_seq >= s->sent_msgs) s->bad++;
    uint64_t f[R_COUNT] = {s->msgs,
                           s->bytes,
                           s->bad,
                           (uint64_t)(secs * 1e9),
                           (uint64_t)(s->user * 1e6),
                           (uint64_t)(s->sys * 1e6),
                           s->reorder,
                           s->max_seq};
    put32(s->result, T_RESULT);
    put32(s->result + 4, s->id);
    for (int i = 0; i < R_COUNT; i++)
        put64(s->result + 8 + 8 * i, f[i]);
    double mb = secs > 0 ? (double)s->bytes / secs / 1e6 : 0;
    double rate = secs > 0 ? (double)s->msgs / secs : 0;
    uint64_t lost = s->sent_msgs > s->msgs ? s->sent_msgs - s->msgs : 0;
    bool verified = s->msgs > 0 && s->bad == 0 && s->msgs <= s->sent_msgs;
    if (a->json)
        printf("{\"tool\": \"udp\", \"mode\": \"server\", \"peer\": \"%s\", \"messages\": %llu, "
               "\"bytes\": %llu, \"seconds\": %.6f, \"mbytes_per_s\": %.3f, \"messages_per_s\": "
               "%.1f, \"sent_messages\": %llu, \"lost\": %llu, \"bad\": %llu, \"user_s\": %.3f, "
               "\"sys_s\": %.3f, \"verified\": %s}\n",
               peer, (unsigned long long)s->msgs, (unsigned long long)s->bytes, secs, mb, rate,
               (unsigned long long)s->sent_msgs, (unsigned long long)lost,
               (unsigned long long)s->bad, s->user, s->sys, verified ? "true" : "false");
    else
        printf("%s: %s: %llu of %llu datagrams (%llu lost), %llu bytes in %.3f s: %.1f MB/s, "
               "%.0f datagrams/s, CPU user %.2f s + sys %.2f s; %s\n",
               prog, peer, (unsigned long long)s->msgs, (unsigned long long)s->sent_msgs,
               (unsigned long long)lost, (unsigned long long)s->bytes, secs, mb, rate, s->user,
               s->sys,
               verified  ? "all intact"
               : s->msgs ? "CORRUPT datagrams"
                         : "nothing received");
    fflush(stdout);
}

static void addr_str(const struct sockaddr_storage *ss, char *buf, size_t n)
{
    char host[NI_MAXHOST], serv[NI_MAXSERV];
    if (getnameinfo((const struct sockaddr *)ss,
                    ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                              : sizeof(struct sockaddr_in),
                    host, sizeof host, serv, sizeof serv, NI_NUMERICHOST | NI_NUMERICSERV) != 0)
        snprintf(buf, n, "?");
    else
        snprintf(buf, n, ss->ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", host, serv);
}

static int server(const args *a)
{
    int family = a->family == AF_INET ? AF_INET : AF_INET6;
    int fd = socket(family, SOCK_DGRAM, 0);
    if (fd < 0 && a->family == AF_UNSPEC) fd = socket(family = AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) return failf("socket: %s", strerror(errno));
    int on = 1, off = 0;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    set_bufs(fd, true);
    set_bufs(fd, false);
    bool gro = !a->no_gro && setsockopt(fd, SOL_UDP, UDP_GRO, &on, sizeof on) == 0;
    struct sockaddr_storage ss = {0};
    socklen_t sl;
    if (family == AF_INET6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)a->local_port);
        sl = sizeof *s6;
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)a->local_port);
        sl = sizeof *s4;
    }
    if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
        failf("bind to UDP port %lu: %s", a->local_port, strerror(errno));
        close(fd);
        return 1;
    }
    sl = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    int rcvbuf = 0;
    socklen_t il = sizeof rcvbuf;
    getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &il);
    printf("%s: listening on UDP port %u (receive buffer %d bytes, GRO %s)\n", prog,
           ntohs(((struct sockaddr_in *)&ss)->sin_port), rcvbuf, gro ? "on" : "off");
    fflush(stdout);

    uint8_t *bufs = malloc((size_t)RECV_BATCH * RECV_BUF);
    struct mmsghdr *mm = calloc(RECV_BATCH, sizeof *mm);
    struct iovec *iov = calloc(RECV_BATCH, sizeof *iov);
    struct sockaddr_storage *from = calloc(RECV_BATCH, sizeof *from);
    typedef union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } cbuf;
    cbuf *ctl = calloc(RECV_BATCH, sizeof *ctl);
    session s = {0};
    unsigned long runs = 0;
    int rc = 0;
    char peer[80] = "?";
    if (!bufs || !mm || !iov || !from || !ctl) {
        rc = failf("out of memory");
        goto out;
    }
    while (!a->max_runs || runs < a->max_runs) {
        for (int i = 0; i < RECV_BATCH; i++) {
            iov[i] = (struct iovec){bufs + (size_t)i * RECV_BUF, RECV_BUF};
            mm[i].msg_hdr = (struct msghdr){.msg_name = &from[i],
                                            .msg_namelen = sizeof from[i],
                                            .msg_iov = &iov[i],
                                            .msg_iovlen = 1,
                                            .msg_control = ctl[i].buf,
                                            .msg_controllen = sizeof ctl[i].buf};
        }
        int n = recvmmsg(fd, mm, RECV_BATCH, MSG_WAITFORONE, NULL);
        if (n < 0) {
            if (errno == EINTR) continue;
            rc = failf("recvmmsg: %s", strerror(errno));
            break;
        }
        double t = perf_now();
        for (int i = 0; i < n; i++) {
            uint8_t *p = bufs + (size_t)i * RECV_BUF;
            size_t len = mm[i].msg_len;
            if (len < HDR) continue;
            uint32_t type = get32(p), id = get32(p + 4);
            if (type == T_PING) { /* echo it unchanged */
                sendto(fd, p, len, 0, (struct sockaddr *)&from[i], mm[i].msg_hdr.msg_namelen);
                continue;
            }
            if (type == T_END && len == END_LEN) {
                if (!(s.id == id && s.done)) {
                    if (s.id != id) s = (session){.id = id, .len = 0};
                    addr_str(&from[i], peer, sizeof peer);
                    finish(&s, p, peer, a);
                    runs++;
                }
                sendto(fd, s.result, RESULT_LEN, 0, (struct sockaddr *)&from[i],
                       mm[i].msg_hdr.msg_namelen);
                continue;
            }
            if (type != T_DATA) continue;
            if (s.id == id && s.done) continue; /* late datagrams of a finished run */
            if (!s.active || s.id != id) {      /* a new run */
                s = (session){.active = true, .id = id, .len = len, .t_first = t};
                perf_cpu(&s.u0, &s.s0);
            }
            /* A GRO train: segments of gso_size bytes, the last maybe shorter. */
            size_t seg = len;
            for (struct cmsghdr *c = CMSG_FIRSTHDR(&mm[i].msg_hdr); c;
                 c = CMSG_NXTHDR(&mm[i].msg_hdr, c))
                if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO) {
                    int g;
                    memcpy(&g, CMSG_DATA(c), sizeof g);
                    if (g > 0 && (size_t)g < len) seg = (size_t)g;
                }
            if (s.msgs == 0) s.len = seg;
            for (size_t o = 0; o < len; o += seg) {
                size_t k = len - o < seg ? len - o : seg;
                if (k < HDR || get32(p + o) != T_DATA || get32(p + o + 4) != id) {
                    s.msgs++, s.bytes += k, s.bad++;
                    continue;
                }
                check_datagram(&s, p + o, k, a->verify_all);
            }
            s.t_last = t;
        }
    }
out:
    free(ctl);
    free(from);
    free(iov);
    free(mm);
    free(bufs);
    close(fd);
    return rc;
}

/* ---- Client ------------------------------------------------------------------------------- */

static int client_socket(const args *a)
{
    struct addrinfo hints = {.ai_family = a->family, .ai_socktype = SOCK_DGRAM}, *res, *ai;
    char port[16];
    snprintf(port, sizeof port, "%lu", a->remote_port);
    int e = getaddrinfo(a->host, port, &hints, &res);
    if (e != 0) return failf("%s: %s", a->host, gai_strerror(e)), -1;
    int fd = -1;
    for (ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, SOCK_DGRAM, 0);
        if (fd < 0) continue;
        if (a->local_port) {
            struct sockaddr_storage ls = {0};
            ls.ss_family = (sa_family_t)ai->ai_family;
            ((struct sockaddr_in *)&ls)->sin_port = htons((uint16_t)a->local_port);
            if (ai->ai_family == AF_INET6)
                ((struct sockaddr_in6 *)&ls)->sin6_port = htons((uint16_t)a->local_port);
            if (bind(fd, (struct sockaddr *)&ls,
                     ai->ai_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                               : sizeof(struct sockaddr_in)) < 0) {
                close(fd);
                fd = -1;
                continue;
            }
        }
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0)
        return failf("connect to %s port %lu: %s", a->host, a->remote_port, strerror(errno)), -1;
    set_bufs(fd, false);
    set_bufs(fd, true);
    return fd;
}

static uint32_t new_session(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint32_t)fmix64((uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec << 32 ^
                            (uint64_t)getpid() << 16);
}

/* Sends the run's datagrams; returns 0 or an error after printing it. */
static int bulk_send(int fd, const args *a, uint32_t id, uint64_t *msgs, uint64_t *bytes)
{
    size_t size = a->gso ? a->gso : a->size;
    size_t segs = 1, nbuf = SEND_BATCH;
    if (a->gso) {
        segs = MAX_DGRAM / size;
        if (segs > GSO_MAX_SEGS) segs = GSO_MAX_SEGS;
        if (segs < 1) segs = 1;
        nbuf = GSO_BATCH;
        int g = (int)size;
        if (setsockopt(fd, SOL_UDP, UDP_SEGMENT, &g, sizeof g) < 0)
            return failf("UDP_SEGMENT %zu: %s (kernel without UDP GSO?)", size, strerror(errno));
    }
    size_t blen = segs * size;
    uint8_t *buf = malloc(nbuf * blen);
    struct mmsghdr *mm = calloc(nbuf, sizeof *mm);
    struct iovec *iov = calloc(nbuf, sizeof *iov);
    if (!buf || !mm || !iov) {
        free(buf), free(mm), free(iov);
        return failf("out of memory");
    }
    for (size_t b = 0; b < nbuf; b++)
        for (size_t k = 0; k < segs; k++)
            memcpy(buf + b * blen + k * size, pattern, size);
    uint64_t seq = 0;
    double deadline = perf_now() + a->seconds;
    int rc = 0;
    for (;;) {
        if (a->count ? seq >= a->count : perf_now() >= deadline) break;
        /* Fill up to nbuf buffers of up to segs datagrams each. */
        size_t nb = 0;
        uint64_t s0 = seq;
        for (; nb < nbuf; nb++) {
            size_t k = segs;
            if (a->count && a->count - seq < k) k = (size_t)(a->count - seq);
            if (k == 0) break;
            uint8_t *p = buf + nb * blen;
            for (size_t j = 0; j < k; j++)
                stamp(p + j * size, size, id, seq + j);
            iov[nb] = (struct iovec){p, k * size};
            mm[nb].msg_hdr = (struct msghdr){.msg_iov = &iov[nb], .msg_iovlen = 1};
            seq += k;
        }
        int n = sendmmsg(fd, mm, (unsigned)nb, 0);
        if (n < 0) {
            if (errno == EINTR || errno == ENOBUFS || errno == EAGAIN) {
                seq = s0;
                continue;
            }
            if (errno == ECONNREFUSED) {
                seq = s0; /* an ICMP error from an earlier run's port: try again, bounded */
                if (perf_now() >= deadline + 1) {
                    rc = failf("sendmmsg: %s (no server on port %lu?)", strerror(errno),
                               a->remote_port);
                    break;
                }
                continue;
            }
            rc = failf("sendmmsg: %s", strerror(errno));
            break;
        }
        /* Datagrams of unsent buffers are sent again next time, same numbers. */
        seq = s0;
        for (int i = 0; i < n; i++) {
            uint64_t k = iov[i].iov_len / size;
            seq += k;
            *msgs += k;
            *bytes += iov[i].iov_len;
        }
    }
    free(iov);
    free(mm);
    free(buf);
    return rc;
}

static void json_common(const args *a, const char *mode, size_t size)
{
    printf("{\"tool\": \"udp\", \"mode\": \"%s\", \"transport\": \"udp\", \"size\": %zu, "
           "\"gso\": %lu, \"streams\": 1, \"unordered\": false, \"nodelay\": %s, \"mtu\": 0,\n",
           mode, size, a->gso, a->nodelay ? "true" : "false");
}

static int bulk(const args *a)
{
    int fd = client_socket(a);
    if (fd < 0) return 1;
    uint32_t id = new_session();
    uint64_t msgs = 0, bytes = 0;
    double u0, s0, u1, s1;
    perf_cpu(&u0, &s0);
    double t0 = perf_now();
    int rc = bulk_send(fd, a, id, &msgs, &bytes);
    double secs = perf_now() - t0;
    perf_cpu(&u1, &s1);
    if (rc) {
        close(fd);
        return rc;
    }
    /* END until a RESULT arrives: 100 ms apart, 50 times at most. */
    uint8_t end[END_LEN], res[RESULT_LEN + 8];
    put32(end, T_END);
    put32(end + 4, id);
    put64(end + 8, 0);
    put64(end + HDR, msgs);
    put64(end + HDR + 8, bytes);
    int refused = 0;
    bool got = false;
    for (int tries = 0; tries < 50 && !got && refused < 5; tries++) {
        ssize_t sr = send(fd, end, sizeof end, 0);
        if (sr < 0 && errno == ECONNREFUSED) {
            refused++;
        } else if (sr < 0 && errno != ENOBUFS && errno != EINTR) {
            failf("send END: %s", strerror(errno));
            break;
        }
        double until = perf_now() + 0.1;
        for (double left; !got && (left = until - perf_now()) > 0;) {
            struct pollfd pfd = {fd, POLLIN, 0};
            if (poll(&pfd, 1, (int)(left * 1000) + 1) <= 0) break;
            ssize_t r = recv(fd, res, sizeof res, MSG_DONTWAIT);
            if (r < 0 && errno == ECONNREFUSED && ++refused >= 5) break;
            if (r == RESULT_LEN && get32(res) == T_RESULT && get32(res + 4) == id) got = true;
        }
    }
    close(fd);
    if (!got)
        return failf(refused >= 5
                         ? "no server on UDP port %lu (connection refused)"
                         : "no RESULT from the server on UDP port %lu after 50 END datagrams",
                     a->remote_port);
    uint64_t f[R_COUNT];
    for (int i = 0; i < R_COUNT; i++)
        f[i] = get64(res + 8 + 8 * i);
    double ssecs = (double)f[R_NSEC] * 1e-9, suser = (double)f[R_USER_US] * 1e-6,
           ssys = (double)f[R_SYS_US] * 1e-6;
    double smb = ssecs > 0 ? (double)f[R_BYTES] / ssecs / 1e6 : 0;
    double srate = ssecs > 0 ? (double)f[R_MSGS] / ssecs : 0;
    double cmb = secs > 0 ? (double)bytes / secs / 1e6 : 0;
    double crate = secs > 0 ? (double)msgs / secs : 0;
    uint64_t lost = msgs > f[R_MSGS] ? msgs - f[R_MSGS] : 0;
    double loss = msgs ? 100.0 * (double)lost / (double)msgs : 0;
    bool verified = f[R_MSGS] > 0 && f[R_BAD] == 0 && f[R_MSGS] <= msgs;
    size_t size = a->gso ? a->gso : a->size;
    if (a->json) {
        json_common(a, "bulk", size);
        printf(" \"messages\": %llu, \"bytes\": %llu, \"seconds\": %.6f, \"mbytes_per_s\": %.3f, "
               "\"messages_per_s\": %.1f, \"verified\": %s,\n",
               (unsigned long long)f[R_MSGS], (unsigned long long)f[R_BYTES], ssecs, smb, srate,
               verified ? "true" : "false");
        printf(" \"sent_messages\": %llu, \"sent_bytes\": %llu, \"lost\": %llu, \"loss_pct\": "
               "%.3f, \"bad\": %llu, \"reordered\": %llu,\n",
               (unsigned long long)msgs, (unsigned long long)bytes, (unsigned long long)lost, loss,
               (unsigned long long)f[R_BAD], (unsigned long long)f[R_REORDER]);
        printf(" \"client\": {\"seconds\": %.6f, \"mbytes_per_s\": %.3f, \"user_s\": %.3f, "
               "\"sys_s\": %.3f, \"cpu_s\": %.3f},\n",
               secs, cmb, u1 - u0, s1 - s0, u1 - u0 + s1 - s0);
        printf(" \"server\": {\"messages\": %llu, \"bytes\": %llu, \"seconds\": %.6f, "
               "\"mbytes_per_s\": %.3f, \"messages_per_s\": %.1f, \"user_s\": %.3f, \"sys_s\": "
               "%.3f, \"cpu_s\": %.3f}}\n",
               (unsigned long long)f[R_MSGS], (unsigned long long)f[R_BYTES], ssecs, smb, srate,
               suser, ssys, suser + ssys);
    } else {
        printf("%s: %zu-byte datagrams, %s\n", prog, size,
               a->gso ? "UDP GSO (UDP_SEGMENT)" : "sendmmsg");
        printf("  %-8s %12llu datagrams %14llu bytes in %7.3f s: %9.1f MB/s %11.0f dgram/s\n",
               "sent", (unsigned long long)msgs, (unsigned long long)bytes, secs, cmb, crate);
        printf("  %-8s %12llu datagrams %14llu bytes in %7.3f s: %9.1f MB/s %11.0f dgram/s\n",
               "received", (unsigned long long)f[R_MSGS], (unsigned long long)f[R_BYTES], ssecs,
               smb, srate);
        printf("  %-8s %llu datagrams (%.2f%%), %llu out of order\n", "lost",
               (unsigned long long)lost, loss, (unsigned long long)f[R_REORDER]);
        printf("  %-8s client user %.2f s + sys %.2f s, server user %.2f s + sys %.2f s\n", "CPU",
               u1 - u0, s1 - s0, suser, ssys);
        printf("  %-8s %s\n", "verified",
               verified ? "yes: every datagram received was intact"
                        : "NO: corrupt datagrams or nothing received");
    }
    return verified ? 0 : 1;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

static int pingpong(const args *a)
{
    int fd = client_socket(a);
    if (fd < 0) return 1;
    size_t size = a->size_set ? a->size : 64;
    if (size < HDR) size = HDR;
    uint32_t id = new_session();
    uint8_t *out = malloc(size), *in = malloc(size + 1);
    size_t cap = 1 << 16, n = 0;
    double *rtt = malloc(cap * sizeof *rtt);
    int rc = 0;
    uint64_t lost = 0, bad = 0;
    if (!out || !in || !rtt) {
        rc = failf("out of memory");
        goto out;
    }
    struct timeval tv = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    memcpy(out, pattern, size);
    put32(out, T_PING);
    put32(out + 4, id);
    double t0 = perf_now(), deadline = t0 + a->seconds;
    for (uint64_t seq = 0; a->count ? seq < a->count : perf_now() < deadline; seq++) {
        put64(out + 8, seq);
        double ts = perf_now();
        if (send(fd, out, size, 0) < 0) {
            if (errno == ECONNREFUSED && lost++ < 10) continue;
            rc = failf("send: %s", strerror(errno));
            break;
        }
        bool got = false;
        while (!got) {
            ssize_t r = recv(fd, in, size + 1, 0); /* blocking: one syscall per answer */
            if (r < 0) {
                if (errno == EINTR) continue;
                break; /* the 1 s timeout (EAGAIN) or an ICMP error: lost */
            }
            if ((size_t)r != size || get32(in + 4) != id || get64(in + 8) != seq) continue;
            got = true;
            if (memcmp(in, out, size) != 0) bad++;
        }
        if (!got) {
            if (++lost > 10) {
                rc = failf("no answer from the server (%llu round trips lost)",
                           (unsigned long long)lost);
                break;
            }
            continue;
        }
        if (n == cap) {
            double *r2 = realloc(rtt, 2 * cap * sizeof *rtt);
            if (!r2) {
                rc = failf("out of memory");
                break;
            }
            rtt = r2, cap *= 2;
        }
        rtt[n++] = (perf_now() - ts) * 1e6;
    }
    double secs = perf_now() - t0;
    if (rc == 0 && n == 0) rc = failf("no round trip completed");
    if (rc == 0) {
        double sum = 0;
        for (size_t i = 0; i < n; i++)
            sum += rtt[i];
        qsort(rtt, n, sizeof *rtt, cmp_double);
        double p50 = rtt[(n - 1) / 2], p99 = rtt[(size_t)((double)(n - 1) * 0.99)],
               mean = sum / (double)n;
        bool verified = bad == 0;
        if (a->json) {
            json_common(a, "pingpong", size);
            printf(" \"messages\": %zu, \"seconds\": %.6f, \"messages_per_s\": %.1f, \"p50_us\": "
                   "%.2f, \"p99_us\": %.2f, \"mean_us\": %.2f, \"lost\": %llu, \"verified\": "
                   "%s}\n",
                   n, secs, secs > 0 ? (double)n / secs : 0, p50, p99, mean,
                   (unsigned long long)lost, verified ? "true" : "false");
        } else {
            printf("%s: %zu-byte ping-pong: %zu round trips in %.3f s, p50 %.2f us, p99 %.2f "
                   "us, mean %.2f us, %llu lost; %s\n",
                   prog, size, n, secs, p50, p99, mean, (unsigned long long)lost,
                   verified ? "every answer matched" : "CORRUPT answers");
        }
        if (!verified) rc = 1;
    }
out:
    free(rtt);
    free(in);
    free(out);
    close(fd);
    return rc;
}

/* ---- Command line ------------------------------------------------------------------------- */

static int parse_ul(const char *s, const char *what, unsigned long min, unsigned long max,
                    bool suffix, unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 0);
    if (suffix && (*end == 'K' || *end == 'k')) v <<= 10, end++;
    if (errno || end == s || *end || s[0] == '-' || v < min || v > max) {
        failf("%s: '%s' is not a number in %lu..%lu", what, s, min, max);
        return -1;
    }
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    enum {
        O_UDP_PORT = 256,
        O_REMOTE,
        O_PORT,
        O_MAX,
        O_MODE,
        O_SIZE,
        O_GSO,
        O_COUNT,
        O_TIME,
        O_JSON,
        O_VERIFY_ALL,
        O_STREAMS,
        O_NODELAY,
        O_MTU,
        O_UNORDERED,
        O_ASSOCS,
        O_TRANSPORT,
        O_NO_GRO,
    };
    static const struct option lo[] = {
        {"udp-port", required_argument, NULL, O_UDP_PORT},
        {"remote-udp-port", required_argument, NULL, O_REMOTE},
        {"port", required_argument, NULL, O_PORT},
        {"max-assocs", required_argument, NULL, O_MAX},
        {"mode", required_argument, NULL, O_MODE},
        {"size", required_argument, NULL, O_SIZE},
        {"gso", required_argument, NULL, O_GSO},
        {"count", required_argument, NULL, O_COUNT},
        {"time", required_argument, NULL, O_TIME},
        {"json", no_argument, NULL, O_JSON},
        {"verify-all", no_argument, NULL, O_VERIFY_ALL},
        {"streams", required_argument, NULL, O_STREAMS},
        {"nodelay", no_argument, NULL, O_NODELAY},
        {"mtu", required_argument, NULL, O_MTU},
        {"unordered", no_argument, NULL, O_UNORDERED},
        {"assocs", required_argument, NULL, O_ASSOCS},
        {"transport", required_argument, NULL, O_TRANSPORT},
        {"no-gro", no_argument, NULL, O_NO_GRO},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        fputs(help, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    args a = {.family = AF_UNSPEC, .remote_port = UDP_PERF_PORT, .size = 1452, .seconds = 5};
    if (strcmp(argv[1], "server") == 0) {
        a.server = true;
        a.local_port = UDP_PERF_PORT;
        prog = "udp_perf server";
    } else if (strcmp(argv[1], "client") == 0) {
        prog = "udp_perf client";
    } else {
        failf("the role is 'server' or 'client', not '%s'", argv[1]);
        return 2;
    }
    argc--, argv++;
    unsigned long v;
    int c;
    while ((c = getopt_long(argc, argv, "46h", lo, NULL)) != -1) {
        switch (c) {
        case '4': a.family = AF_INET; break;
        case '6': a.family = AF_INET6; break;
        case 'h': fputs(help, stdout); return 0;
        case O_UDP_PORT:
            if (parse_ul(optarg, "--udp-port", 0, 65535, false, &a.local_port) < 0) return 2;
            break;
        case O_REMOTE:
            if (parse_ul(optarg, "--remote-udp-port", 1, 65535, false, &a.remote_port) < 0)
                return 2;
            break;
        case O_PORT:
            if (parse_ul(optarg, "--port", 0, 65535, false, &v) < 0) return 2;
            if (a.server)
                a.local_port = v;
            else
                a.remote_port = v;
            break;
        case O_MAX:
            if (parse_ul(optarg, "--max-assocs", 1, 1ul << 31, false, &a.max_runs) < 0) return 2;
            break;
        case O_MODE:
            if (strcmp(optarg, "bulk") == 0) {
                a.pingpong = false;
            } else if (strcmp(optarg, "pingpong") == 0) {
                a.pingpong = true;
            } else if (strcmp(optarg, "setup") == 0 || strcmp(optarg, "idle") == 0) {
                failf("--mode %s: SCTP-only (UDP has no associations)", optarg);
                return 2;
            } else {
                failf("--mode: bulk or pingpong, not '%s'", optarg);
                return 2;
            }
            break;
        case O_SIZE:
            if (parse_ul(optarg, "--size", HDR, MAX_DGRAM, true, &a.size) < 0) return 2;
            a.size_set = true;
            break;
        case O_GSO:
            if (parse_ul(optarg, "--gso", HDR, 65000, true, &a.gso) < 0) return 2;
            break;
        case O_COUNT:
            if (parse_ul(optarg, "--count", 1, 1ul << 40, false, &a.count) < 0) return 2;
            break;
        case O_TIME: {
            char *end;
            a.seconds = strtod(optarg, &end);
            if (end == optarg || *end || !(a.seconds > 0) || a.seconds > 1e6) {
                failf("--time: '%s' is not a number of seconds", optarg);
                return 2;
            }
            a.count = 0;
            break;
        }
        case O_JSON: a.json = true; break;
        case O_VERIFY_ALL: a.verify_all = true; break;
        case O_NO_GRO: a.no_gro = true; break;
        case O_NODELAY: a.nodelay = true; break; /* UDP never delays */
        case O_STREAMS:
            if (strcmp(optarg, "1") != 0) {
                failf("--streams %s: SCTP-only (UDP has one stream)", optarg);
                return 2;
            }
            break;
        case O_MTU:
            if (strcmp(optarg, "0") != 0) {
                failf("--mtu %s: SCTP-only (udp_perf sends --size datagrams; use --gso)", optarg);
                return 2;
            }
            break;
        case O_TRANSPORT:
            if (strcmp(optarg, "udp") != 0) {
                failf("--transport %s: udp_perf is UDP only", optarg);
                return 2;
            }
            break;
        case O_UNORDERED: failf("--unordered: SCTP-only"); return 2;
        case O_ASSOCS: failf("--assocs: SCTP-only"); return 2;
        default: fputs(help, stderr); return 2;
        }
    }
    if (!a.server && optind < argc) a.host = argv[optind++];
    if (optind < argc) {
        failf("unexpected argument '%s'", argv[optind]);
        return 2;
    }
    if (a.server && (a.pingpong || a.gso || a.count || a.size_set)) {
        failf("--mode, --size, --gso and --count are client options");
        return 2;
    }
    if (!a.server && !a.host) a.host = "127.0.0.1";
    if (a.pingpong && a.gso) {
        failf("--gso is for --mode bulk");
        return 2;
    }
    if (a.gso && a.size_set && a.size != a.gso) {
        failf("--gso %lu: the datagrams are SEG bytes; --size must be absent or equal", a.gso);
        return 2;
    }
    if (a.family == AF_INET6 && a.gso > 65000) a.gso = 65000;
    init_pattern();
    if (a.server) return server(&a);
    return a.pingpong ? pingpong(&a) : bulk(&a);
}
