/* The context (tern.h): configuration, transport, event loop, the lock and
 * condition variable, the optional thread that runs the protocol, and the
 * caller-driven entry points (tern_ctx_fd / timeout_ms / process). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "api/internal.h"

TERN_EXPORT void tern_ctx_config_default(tern_ctx_config *cfg)
{
    if (!cfg) return;
    memset(cfg, 0, sizeof *cfg);
    cfg->transport = TERN_TRANSPORT_UDP;
    cfg->udp_port = TERN_IO_UDP_PORT_DEFAULT;
    cfg->remote_udp_port = TERN_IO_UDP_PORT_DEFAULT;
    cfg->ipv6 = true;
    cfg->gso = true;
    cfg->own_thread = false;
    cfg->max_sockets = API_MAX_SOCKETS;
}

void tern_api_lock(tern_ctx *ctx)
{
    pthread_mutex_lock(&ctx->mu);
    ctx->now_fresh = false; /* read when the core needs it (tern_api_now) */
}

void tern_api_unlock(tern_ctx *ctx)
{
    pthread_mutex_unlock(&ctx->mu);
}

void tern_api_notify(tern_ctx *ctx)
{
    if (ctx->cv_waiters) pthread_cond_broadcast(&ctx->cv);
    /* A blocked caller driving the context sleeps in tern_loop_wait. */
    if (ctx->driving && !ctx->has_thread && ctx->waiters > ctx->cv_waiters)
        tern_loop_wake(ctx->loop);
}

static void *ctx_thread(void *arg)
{
    tern_ctx *ctx = arg;
    tern_loop_ready ready[16];
    tern_api_lock(ctx);
    while (!ctx->closing) {
        __atomic_store_n(&ctx->thread_awake, false, __ATOMIC_RELEASE);
        tern_api_unlock(ctx);
        int fired = 0, woken = 0;
        tern_loop_wait(ctx->loop, TERN_TIME_NEVER, ready, 16, &fired, &woken);
        __atomic_store_n(&ctx->thread_awake, true, __ATOMIC_RELEASE);
        tern_api_lock(ctx);
        if (fired) ctx->timer_fired = true;
        if (ctx->closing) break;
        ctx->in_thread = true;
        tern_api_process(ctx);
        ctx->in_thread = false;
    }
    tern_api_unlock(ctx);
    return NULL;
}

static int open_transport(tern_ctx *ctx)
{
    tern_io_config ic;
    tern_io_config_default(&ic);
    ic.kind = ctx->cfg.transport == TERN_TRANSPORT_RAW ? TERN_IO_RAW : TERN_IO_UDP;
    ic.udp_port = ctx->cfg.udp_port;
    ic.ipv4 = true;
    ic.ipv6 = ctx->cfg.ipv6;
    ic.sndbuf = ctx->cfg.sndbuf ? ctx->cfg.sndbuf : 4 << 20;
    ic.rcvbuf = ctx->cfg.rcvbuf ? ctx->cfg.rcvbuf : 4 << 20;
    ic.gso = ctx->cfg.gso;
    int rc = tern_io_open(&ic, &ctx->io);
    if (rc) return rc;
    rc = tern_loop_new(&ctx->loop);
    if (rc) return rc;
    ctx->niofds = tern_io_fds(ctx->io, ctx->iofds, 8);
    for (int i = 0; i < ctx->niofds; i++) {
        rc = tern_loop_add(ctx->loop, ctx->iofds[i], EPOLLIN, &ctx->iofds[i]);
        if (rc) return rc;
    }
    return 0;
}

/* The endpoint that answers for SCTP ports nobody has (UDP encapsulation
 * only): no associations, no timers, always referenced. */
static int open_closed_port(tern_ctx *ctx)
{
    api_ep *e = calloc(1, sizeof *e);
    if (!e) return TERN_ENOMEM;
    ctx->closed = e;
    e->nids_b = e->npeers_b = 1;
    e->ids = calloc(1, sizeof *e->ids);
    e->peers = calloc(1, sizeof *e->peers);
    if (!e->ids || !e->peers) return TERN_ENOMEM;
    e->refs = 1;
    e->hidx = SIZE_MAX;
    e->deadline = TERN_TIME_NEVER;
    tern_ep_config c;
    tern_ep_config_default(&c);
    c.port = 1; /* never matched: packets reach it only when no endpoint has their port */
    c.closed_port = true;
    c.cookie_rotation = 0;
    c.max_associations = 1;
    c.event_queue_len = 1;
    return tern_ep_new(&c, &e->ep);
}

static void ctx_destroy(tern_ctx *ctx)
{
    if (ctx->closed) {
        if (ctx->closed->ep) tern_ep_free(ctx->closed->ep);
        free(ctx->closed->ids);
        free(ctx->closed->peers);
        free(ctx->closed);
    }
    if (ctx->loop) tern_loop_free(ctx->loop);
    if (ctx->io) tern_io_close(ctx->io);
    free(ctx->socks);
    free(ctx->scratch);
    free(ctx->heap);
    pthread_cond_destroy(&ctx->cv);
    pthread_mutex_destroy(&ctx->mu);
    free(ctx);
}

TERN_EXPORT int tern_ctx_new(const tern_ctx_config *cfg, tern_ctx **out)
{
    tern_ctx_config def;
    if (!cfg) {
        tern_ctx_config_default(&def);
        cfg = &def;
    }
    if (!out || (cfg->transport != TERN_TRANSPORT_UDP && cfg->transport != TERN_TRANSPORT_RAW) ||
        cfg->max_sockets == 0 || cfg->max_sockets > 65536 || cfg->sndbuf < 0 || cfg->rcvbuf < 0)
        return TERN_EINVAL;
    tern_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx) return TERN_ENOMEM;
    ctx->cfg = *cfg;
    ctx->armed = TERN_TIME_NEVER;
    /* Adaptive: the lock is held briefly and often; spinning a little before
     * sleeping saves most futex calls under contention. */
    pthread_mutexattr_t ma;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_ADAPTIVE_NP);
    pthread_mutex_init(&ctx->mu, &ma);
    pthread_mutexattr_destroy(&ma);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&ctx->cv, &ca);
    pthread_condattr_destroy(&ca);
    ctx->max_socks = cfg->max_sockets;
    ctx->socks = calloc(ctx->max_socks, sizeof *ctx->socks);
    ctx->scratch = malloc(API_SCRATCH);
    if (!ctx->socks || !ctx->scratch) {
        ctx_destroy(ctx);
        return TERN_ENOMEM;
    }
    if (getrandom(&ctx->rng, sizeof ctx->rng, 0) != (ssize_t)sizeof ctx->rng)
        ctx->rng = (uint64_t)tern_clock_now() ^ ((uint64_t)getpid() << 32);
    ctx->rng |= 1;
    int rc = open_transport(ctx);
    if (!rc && ctx->cfg.transport != TERN_TRANSPORT_RAW) rc = open_closed_port(ctx);
    if (rc) {
        ctx_destroy(ctx);
        return rc;
    }
    if (cfg->own_thread) {
        ctx->has_thread = true;
        ctx->driving = true; /* for good: blocked callers wait on the condition variable */
        if (pthread_create(&ctx->thread, NULL, ctx_thread, ctx) != 0) {
            ctx_destroy(ctx);
            return TERN_ENOMEM;
        }
    }
    *out = ctx;
    return 0;
}

TERN_EXPORT void tern_ctx_free(tern_ctx *ctx)
{
    if (!ctx) return;
    tern_api_lock(ctx);
    ctx->closing = true; /* blocked calls return TERN_ESHUTDOWN */
    /* Sockets first (their associations are aborted), then what is left:
     * associations closing in the background. */
    for (unsigned i = 0; i < ctx->max_socks; i++)
        if (ctx->socks[i]) tern_api_sock_close(ctx, ctx->socks[i], true);
    tern_api_ep_destroy_all(ctx);
    pthread_cond_broadcast(&ctx->cv);
    tern_loop_wake(ctx->loop);
    if (ctx->has_thread) {
        tern_api_unlock(ctx);
        pthread_join(ctx->thread, NULL);
        tern_api_lock(ctx);
    }
    while (ctx->waiters) {
        tern_loop_wake(ctx->loop);
        pthread_cond_wait(&ctx->cv, &ctx->mu);
    }
    tern_api_unlock(ctx);
    ctx_destroy(ctx);
}

TERN_EXPORT uint16_t tern_ctx_udp_port(const tern_ctx *ctx)
{
    if (!ctx || tern_io_get_kind(ctx->io) != TERN_IO_UDP) return 0;
    return tern_io_udp_port(ctx->io);
}

TERN_EXPORT int tern_ctx_fd(const tern_ctx *ctx)
{
    if (!ctx) return TERN_EINVAL;
    return tern_loop_fd(ctx->loop);
}

TERN_EXPORT int tern_ctx_timeout_ms(tern_ctx *ctx)
{
    if (!ctx) return TERN_EINVAL;
    tern_api_lock(ctx);
    api_ep *top = tern_api_heap_top(ctx);
    tern_time d = top ? top->deadline : TERN_TIME_NEVER;
    tern_api_unlock(ctx);
    if (d == TERN_TIME_NEVER) return -1;
    tern_time now = tern_clock_now();
    if (d <= now) return 0;
    tern_time ms = (d - now + 999999) / 1000000; /* rounded up: never early */
    return ms > 0x7fffffff ? 0x7fffffff : (int)ms;
}

TERN_EXPORT int tern_ctx_process(tern_ctx *ctx)
{
    if (!ctx) return TERN_EINVAL;
    if (ctx->has_thread) return TERN_EOPNOTSUPP;
    tern_api_lock(ctx);
    if (ctx->closing) {
        tern_api_unlock(ctx);
        return TERN_ESHUTDOWN;
    }
    if (!ctx->driving) { /* consume the timer and wake-ups so the fd stops being readable */
        tern_loop_ready ready[16];
        int fired = 0, woken = 0;
        tern_loop_wait(ctx->loop, 0, ready, 16, &fired, &woken);
        if (fired) ctx->timer_fired = true;
    }
    tern_api_process(ctx);
    tern_api_unlock(ctx);
    return 0;
}
