/* Helpers for the API tests: checks that print where they failed, contexts
 * on ephemeral UDP ports that point at each other, loopback addresses, and a
 * pump that drives caller-driven contexts with poll() on tern_ctx_fd. Every
 * wait is bounded; nothing sleeps. */
#ifndef TERN_TESTS_API_TEST_H
#define TERN_TESTS_API_TEST_H

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tern/tern.h>

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                 \
        }                                                                            \
    } while (0)

#define CHECK_EQ(got, want)                                                                     \
    do {                                                                                        \
        long long g_ = (long long)(got), w_ = (long long)(want);                                \
        if (g_ != w_) {                                                                         \
            fprintf(stderr, "%s:%d: %s is %lld (%s), expected %s = %lld\n", __FILE__, __LINE__, \
                    #got, g_, g_<0 && g_> - 200 ? tern_strerror((int)g_) : "", #want, w_);      \
            abort();                                                                            \
        }                                                                                       \
    } while (0)

#define RUN(fn)                          \
    do {                                 \
        fprintf(stderr, "-- %s\n", #fn); \
        fn();                            \
        fprintf(stderr, "ok %s\n", #fn); \
    } while (0)

static inline uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* A context on an ephemeral UDP port; its new associations go to
 * remote_port (0: the default). */
static inline tern_ctx *ctx_new(bool own_thread, uint16_t remote_port)
{
    tern_ctx_config cfg;
    tern_ctx_config_default(&cfg);
    cfg.udp_port = 0;
    cfg.own_thread = own_thread;
    cfg.ipv6 = false;
    if (remote_port) cfg.remote_udp_port = remote_port;
    tern_ctx *ctx = NULL;
    CHECK_EQ(tern_ctx_new(&cfg, &ctx), 0);
    CHECK(tern_ctx_udp_port(ctx) != 0);
    return ctx;
}

/* Two contexts whose associations reach each other: b's go to a's UDP
 * port; a's sockets set TERN_REMOTE_UDP_ENCAPS_PORT (encaps_to) to reach b. */
static inline void ctx_pair(bool own_thread, tern_ctx **a, tern_ctx **b)
{
    *a = ctx_new(own_thread, 0);
    *b = ctx_new(own_thread, tern_ctx_udp_port(*a));
}

static inline void encaps_to(tern_ctx *ctx, int sd, tern_ctx *peer)
{
    struct tern_udpencaps u;
    memset(&u, 0, sizeof u);
    u.port = tern_ctx_udp_port(peer);
    CHECK_EQ(tern_setsockopt(ctx, sd, TERN_REMOTE_UDP_ENCAPS_PORT, &u, sizeof u), 0);
}

static inline struct sockaddr_in lo(uint16_t port)
{
    struct sockaddr_in in;
    memset(&in, 0, sizeof in);
    in.sin_family = AF_INET;
    in.sin_port = htons(port);
    in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return in;
}

#define SA(x) ((const struct sockaddr *)&(x))

static inline uint16_t sock_port(tern_ctx *ctx, int sd)
{
    struct sockaddr_in in;
    socklen_t len = sizeof in;
    CHECK_EQ(tern_getsockname(ctx, sd, (struct sockaddr *)&in, &len), 0);
    return ntohs(in.sin_port);
}

/* A listening socket on 127.0.0.1 (ephemeral SCTP port); *port gets it. */
static inline int listener(tern_ctx *ctx, int type, uint16_t *port)
{
    int sd = tern_socket(ctx, AF_INET, type);
    CHECK(sd >= 0);
    struct sockaddr_in in = lo(0);
    CHECK_EQ(tern_bind(ctx, sd, SA(in), sizeof in), 0);
    CHECK_EQ(tern_listen(ctx, sd, 16), 0);
    *port = sock_port(ctx, sd);
    CHECK(*port != 0);
    return sd;
}

static inline void set_int(tern_ctx *ctx, int sd, int opt, int v)
{
    CHECK_EQ(tern_setsockopt(ctx, sd, opt, &v, sizeof v), 0);
}

static inline void subscribe(tern_ctx *ctx, int sd, int type)
{
    struct tern_event_subscribe ev = {0, (uint16_t)type, 1};
    CHECK_EQ(tern_setsockopt(ctx, sd, TERN_EVENT, &ev, sizeof ev), 0);
}

/* Caller-driven contexts: waits (poll on their fds, bounded by ms and their
 * timers) and processes each once. */
static inline void pump(tern_ctx **c, int n, int ms)
{
    struct pollfd p[8];
    int timeout = ms;
    for (int i = 0; i < n; i++) {
        p[i] = (struct pollfd){tern_ctx_fd(c[i]), POLLIN, 0};
        int t = tern_ctx_timeout_ms(c[i]);
        if (t >= 0 && t < timeout) timeout = t;
    }
    poll(p, (nfds_t)n, timeout);
    for (int i = 0; i < n; i++)
        CHECK_EQ(tern_ctx_process(c[i]), 0);
}

/* Pumps until cond holds, at most limit_ms. */
#define PUMP_UNTIL(ctxs, n, cond, limit_ms)    \
    do {                                       \
        uint64_t end_ = now_ms() + (limit_ms); \
        while (!(cond)) {                      \
            CHECK(now_ms() < end_);            \
            pump((ctxs), (n), 50);             \
        }                                      \
    } while (0)

/* Content derived from (stream, seq): checkable on arrival. */
static inline void fill_msg(uint8_t *b, size_t len, uint32_t stream, uint32_t seq)
{
    uint32_t x = stream * 2654435761u ^ seq * 40503u ^ (uint32_t)len;
    for (size_t i = 0; i < len; i++) {
        x = x * 1103515245u + 12345u;
        b[i] = (uint8_t)(x >> 16);
    }
}

static inline bool msg_ok(const uint8_t *b, size_t len, uint32_t stream, uint32_t seq)
{
    uint32_t x = stream * 2654435761u ^ seq * 40503u ^ (uint32_t)len;
    for (size_t i = 0; i < len; i++) {
        x = x * 1103515245u + 12345u;
        if (b[i] != (uint8_t)(x >> 16)) return false;
    }
    return true;
}

#endif
