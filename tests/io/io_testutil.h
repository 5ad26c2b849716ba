/* Helpers for the io tests: test packets (an SCTP common header, a
 * sequence number and a checkable pattern), a handler that records what
 * arrives, bounded waits, and network namespaces the tests make (and always
 * remove) themselves. Include after _GNU_SOURCE and cmocka. */
#ifndef TERN_TESTS_IO_TESTUTIL_H
#define TERN_TESTS_IO_TESTUTIL_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/loop.h"
#include "io/transport.h"

#define LOG_MAX_PKTS 1024
#define LOG_MAX_ICMP 16

typedef struct rx_rec {
    tern_path path;
    size_t len;
    uint16_t sport, dport;
    uint32_t seq;
    bool intact;
} rx_rec;

typedef struct rx_log {
    unsigned n, nicmp;
    rx_rec pkt[LOG_MAX_PKTS];
    tern_path icmp_path[LOG_MAX_ICMP];
    tern_icmp icmp[LOG_MAX_ICMP];
    uint8_t icmp_data[LOG_MAX_ICMP][1600];
} rx_log;

static inline void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* An SCTP-looking packet: ports, seq as the verification tag, zero
 * checksum, then bytes that depend on seq and position. len >= 12. */
static inline void make_pkt(uint8_t *b, size_t len, uint16_t sport, uint16_t dport, uint32_t seq)
{
    for (size_t i = 12; i < len; i++)
        b[i] = (uint8_t)(seq * 13u + i * 7u);
    put16(b, sport);
    put16(b + 2, dport);
    b[4] = (uint8_t)(seq >> 24);
    b[5] = (uint8_t)(seq >> 16);
    b[6] = (uint8_t)(seq >> 8);
    b[7] = (uint8_t)seq;
    memset(b + 8, 0, 4);
}

static inline bool pkt_intact(const uint8_t *b, size_t len)
{
    if (len < 12) return false;
    uint32_t seq = get32(b + 4);
    for (size_t i = 12; i < len; i++)
        if (b[i] != (uint8_t)(seq * 13u + i * 7u)) return false;
    return true;
}

static inline void log_packet(void *arg, const tern_path *path, const uint8_t *d, size_t len)
{
    rx_log *log = arg;
    if (log->n >= LOG_MAX_PKTS) return;
    rx_rec *r = &log->pkt[log->n++];
    r->path = *path;
    r->len = len;
    r->sport = len >= 2 ? get16(d) : 0;
    r->dport = len >= 4 ? get16(d + 2) : 0;
    r->seq = len >= 8 ? get32(d + 4) : 0;
    r->intact = pkt_intact(d, len);
}

static inline void log_icmp(void *arg, const tern_path *path, const tern_icmp *icmp)
{
    rx_log *log = arg;
    if (log->nicmp >= LOG_MAX_ICMP) return;
    unsigned i = log->nicmp++;
    size_t len = icmp->len < sizeof log->icmp_data[i] ? icmp->len : sizeof log->icmp_data[i];
    log->icmp_path[i] = *path;
    log->icmp[i] = *icmp;
    memcpy(log->icmp_data[i], icmp->sctp, len);
    log->icmp[i].sctp = log->icmp_data[i];
    log->icmp[i].len = len;
}

static inline tern_io_handler log_handler(rx_log *log)
{
    tern_io_handler h = {.packet = log_packet, .icmp = log_icmp, .arg = log};
    return h;
}

/* Receives until `pkts` packets and `icmps` ICMP reports are logged, or
 * timeout_ms passes: polls (bounded) between reads. */
static inline void wait_rx(tern_io *io, rx_log *log, unsigned pkts, unsigned icmps, int timeout_ms)
{
    tern_io_handler h = log_handler(log);
    tern_time end = tern_clock_now() + TERN_MSEC(timeout_ms);
    for (int iter = 0; iter < 100000; iter++) {
        int r = tern_io_recv(io, &h, 4096);
        assert_true(r >= 0);
        if ((log->n >= pkts && log->nicmp >= icmps) || tern_clock_now() > end) return;
        if (r > 0) continue;
        int fds[16];
        int n = tern_io_fds(io, fds, 16);
        struct pollfd pfd[16];
        for (int i = 0; i < n; i++)
            pfd[i] = (struct pollfd){.fd = fds[i], .events = POLLIN};
        (void)poll(pfd, (nfds_t)n, 2);
    }
}

/* A tern_path from text addresses (NULL local: none). */
static inline tern_path mkpath(const char *local, const char *remote, uint16_t port)
{
    tern_path p;
    memset(&p, 0, sizeof p);
    if (local != NULL) {
        p.local.family = strchr(local, ':') ? TERN_AF_INET6 : TERN_AF_INET;
        assert_int_equal(
            inet_pton(p.local.family == TERN_AF_INET ? AF_INET : AF_INET6, local, p.local.ip), 1);
    }
    p.remote.family = strchr(remote, ':') ? TERN_AF_INET6 : TERN_AF_INET;
    assert_int_equal(
        inet_pton(p.remote.family == TERN_AF_INET ? AF_INET : AF_INET6, remote, p.remote.ip), 1);
    p.encaps_port = port;
    return p;
}

static inline tern_addr mkaddr(const char *text)
{
    return mkpath(NULL, text, 0).remote;
}

static inline bool addr_is(const tern_addr *a, const char *text)
{
    tern_addr b = mkaddr(text);
    return a->family == b.family && memcmp(a->ip, b.ip, 16) == 0;
}

/* Pushes one test packet. */
static inline void push_pkt(tern_io *io, const tern_path *p, size_t len, uint16_t sport,
                            uint16_t dport, uint32_t seq)
{
    size_t cap = 0;
    uint8_t *slot = tern_io_tx_slot(io, &cap);
    assert_non_null(slot);
    assert_true(cap >= len);
    make_pkt(slot, len, sport, dport, seq);
    assert_int_equal(tern_io_tx_push(io, p, len), 0);
}

/* ---- network namespaces ---- */

static inline int sh(const char *fmt, ...)
{
    char cmd[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int rc = system(cmd);
    return rc == -1 ? -1 : (rc >> 8) & 0xff;
}

static inline bool can_netns(const char **why)
{
    if (geteuid() != 0) {
        *why = "not root";
        return false;
    }
    if (sh("ip -V >/dev/null 2>&1") != 0) {
        *why = "the ip command (iproute2) is missing";
        return false;
    }
    return true;
}

static inline int ns_fd(const char *name)
{
    char path[128];
    snprintf(path, sizeof path, "/run/netns/%s", name);
    return open(path, O_RDONLY | O_CLOEXEC);
}

static int orig_netns_fd = -1;

static inline void ns_enter(int fd)
{
    if (orig_netns_fd < 0) orig_netns_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    assert_true(orig_netns_fd >= 0);
    assert_int_equal(setns(fd, CLONE_NEWNET), 0);
}

static inline void ns_leave(void)
{
    if (orig_netns_fd >= 0) (void)setns(orig_netns_fd, CLONE_NEWNET);
}

/* Writes a sysctl of the current network namespace (/proc/sys/net is
 * per namespace). */
static inline int write_sysctl(const char *path, const char *val)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t w = write(fd, val, strlen(val));
    close(fd);
    return w == (ssize_t)strlen(val) ? 0 : -1;
}

/* Removes namespaces named <prefix><pid> left by runs that died (SIGKILL by
 * a timeout) before their cleanup. */
static inline void remove_stale_netns(const char *prefix)
{
    FILE *f = popen("ip netns list 2>/dev/null", "r");
    if (f == NULL) return;
    char line[256];
    size_t pl = strlen(prefix);
    while (fgets(line, sizeof line, f) != NULL) {
        char name[64];
        if (sscanf(line, "%63s", name) != 1 || strncmp(name, prefix, pl) != 0) continue;
        long pid = strtol(name + pl, NULL, 10);
        if (pid > 0 && pid != getpid() && kill((pid_t)pid, 0) != 0 && errno == ESRCH)
            sh("ip netns del %s 2>/dev/null", name);
    }
    pclose(f);
}

/* The network namespaces a test makes: <prefix><pid> each (stale ones of
 * runs that died removed first), opened for ns_enter; destroyed with every
 * exit (atexit too). Zero-initialized: none. */
#define NETNS_MAX 3
typedef struct netns_set {
    unsigned n; /* made so far */
    char name[NETNS_MAX][32];
    int fd[NETNS_MAX];
} netns_set;

static inline void netns_set_destroy(netns_set *s)
{
    ns_leave();
    for (unsigned i = 0; i < s->n; i++) {
        if (s->fd[i] >= 0) close(s->fd[i]);
        sh("ip netns del %s 2>/dev/null", s->name[i]);
    }
    s->n = 0;
}

/* 0, or -1 (what was made is destroyed). */
static inline int netns_set_create(netns_set *s, const char *const *prefixes, unsigned n)
{
    assert_true(n <= NETNS_MAX);
    s->n = 0;
    for (unsigned i = 0; i < n; i++) {
        remove_stale_netns(prefixes[i]);
        snprintf(s->name[i], sizeof s->name[i], "%s%d", prefixes[i], (int)getpid());
        if (sh("ip netns add %s", s->name[i]) != 0) break;
        s->fd[i] = ns_fd(s->name[i]);
        s->n++;
        if (s->fd[i] < 0) break;
    }
    if (s->n == n && s->fd[n - 1] >= 0) return 0;
    netns_set_destroy(s);
    return -1;
}

#endif
