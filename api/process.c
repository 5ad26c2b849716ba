/* One round of the protocol (lock held): packets from the transport to their
 * endpoint by SCTP destination port, ICMP errors by the quoted source port,
 * expired timers from the endpoints' deadline heap, then the settling step
 * shared with the public calls: events, readability and output of the
 * endpoints that were touched, deadlines, the loop's timer, readiness
 * descriptors and waiters. Only touched endpoints are looked at: a context
 * may hold thousands. */
#include <sys/epoll.h>

#include "api/internal.h"

#define RECV_ROUNDS 16

void tern_api_touch(tern_ctx *ctx, api_ep *e)
{
    if (e->touched) return;
    e->touched = true;
    e->next_touched = ctx->touched;
    ctx->touched = e;
}

void tern_api_touch_if_busy(tern_ctx *ctx, api_ep *e)
{
    if (e->touched || !e->ep) return;
    tern_time d = tern_ep_next_deadline(e->ep);
    bool heap_stale = d != e->deadline || (d != TERN_TIME_NEVER && e->hidx == SIZE_MAX);
    if (heap_stale || tern_ep_has_work(e->ep)) tern_api_touch(ctx, e);
}

static void on_packet(void *arg, const tern_path *path, const uint8_t *pkt, size_t len)
{
    tern_ctx *ctx = arg;
    api_ep *e = len >= 12 ? tern_api_ep_by_port(ctx, (uint16_t)(pkt[2] << 8 | pkt[3])) : NULL;
    if (!e || !e->ep) {
        ctx->drops_no_port++;
        if (!ctx->closed) return;
        e = ctx->closed; /* §8.4: an INIT gets an ABORT, so connect fails at once */
    }
    tern_ep_input(e->ep, path, pkt, len, tern_api_now(ctx));
    tern_api_touch(ctx, e);
    /* At once: the core's event queue is bounded, and notifications are
     * ordered against data packet by packet (notify.c). */
    tern_api_events(ctx, e);
}

/* The quoted packet is one we sent: its source port is ours. */
static void on_icmp(void *arg, const tern_path *path, const tern_icmp *icmp)
{
    tern_ctx *ctx = arg;
    if (!icmp->sctp || icmp->len < 8) return;
    api_ep *e = tern_api_ep_by_port(ctx, (uint16_t)(icmp->sctp[0] << 8 | icmp->sctp[1]));
    if (!e || !e->ep) return;
    tern_ep_icmp(e->ep, path, icmp, tern_api_now(ctx));
    tern_api_touch(ctx, e);
    tern_api_events(ctx, e);
}

static void run_timers(tern_ctx *ctx)
{
    /* Bounded: each endpoint fires at most once per round. */
    for (unsigned budget = ctx->neps; budget; budget--) {
        api_ep *e = tern_api_heap_top(ctx);
        if (!e || e->deadline > tern_api_now(ctx)) break;
        tern_ep_on_deadline(e->ep, tern_api_now(ctx));
        tern_api_touch(ctx, e);
        tern_api_events(ctx, e);
        tern_api_heap_update(ctx, e);
    }
}

void tern_api_process(tern_ctx *ctx)
{
    tern_io_handler h = {on_packet, on_icmp, ctx};
    for (int round = 0; round < RECV_ROUNDS; round++) {
        ctx->now = tern_clock_now();
        ctx->now_fresh = true;
        int n = tern_io_recv(ctx->io, &h, API_RECV_BATCH);
        run_timers(ctx);
        tern_api_settle(ctx);
        if (n < (int)API_RECV_BATCH) break;
    }
}

/* ---- settling ----------------------------------------------------------------- */

/* Associations with something to read: the socket becomes readable; one that
 * is shutting down (or may be, by autoclose: the core starts that without an
 * event) has it taken out of the core first (the core frees what is unread
 * when the association ends); an orphan's is dropped. */
static void readability(tern_ctx *ctx, api_ep *e)
{
    tern_assoc_id id = tern_ep_readable_after(e->ep, 0);
    for (size_t guard = e->nassocs + 16; id && guard; guard--) {
        tern_assoc_id next = tern_ep_readable_after(e->ep, id);
        api_assoc *a = tern_api_assoc_find(e, id);
        if (a && !a->dead) {
            if (a->orphan || (a->sock && a->sock->shut_rd))
                tern_api_discard(ctx, a);
            else if (a->we_shut || a->peer_shut || (a->sock && a->sock->cfg.autoclose))
                tern_api_salvage(ctx, a); /* autoclose: the core may end it on its own */
            else if (!a->rd)
                tern_api_set_rd(ctx, a, true);
        }
        id = next;
    }
}

static void blocked_add(tern_ctx *ctx, api_ep *e)
{
    if (e->out_more) return;
    e->out_more = true;
    e->next_blocked = ctx->blocked;
    ctx->blocked = e;
}

/* The endpoint's packets into the transport's batch. When the kernel takes
 * no more, the rest stays in the core until the transport is writable. */
static void output(tern_ctx *ctx, api_ep *e)
{
    if (!e->ep) return;
    for (;;) {
        size_t cap = 0;
        uint8_t *slot = tern_io_tx_slot(ctx->io, &cap);
        if (!slot) {
            blocked_add(ctx, e);
            return;
        }
        tern_path p;
        long n = tern_ep_output(e->ep, &p, slot, cap, tern_api_now(ctx));
        if (n <= 0) return;
        if (tern_io_tx_push(ctx->io, &p, (size_t)n) != 0) ctx->tx_errors++;
    }
}

static void flush(tern_ctx *ctx)
{
    tern_io_tx_flush(ctx->io);
    bool want = tern_io_tx_pending(ctx->io) > 0;
    if (want == ctx->pollout) return;
    ctx->pollout = want;
    for (int i = 0; i < ctx->niofds; i++)
        tern_loop_mod(ctx->loop, ctx->iofds[i], EPOLLIN | (want ? EPOLLOUT : 0u), &ctx->iofds[i]);
}

/* Endpoints whose output waited for the transport go again. */
static void retouch_blocked(tern_ctx *ctx)
{
    api_ep *b = ctx->blocked;
    ctx->blocked = NULL;
    for (api_ep *next; b; b = next) {
        next = b->next_blocked;
        b->out_more = false;
        tern_api_touch(ctx, b);
    }
}

static void drain_touched(tern_ctx *ctx)
{
    api_ep *e;
    while ((e = ctx->touched) != NULL) {
        ctx->touched = e->next_touched;
        e->touched = false;
        tern_api_events(ctx, e);
        if (e->nassocs) readability(ctx, e);
        tern_api_events(ctx, e);
        output(ctx, e);
        if (e->refs == 0 && !e->out_more) {
            tern_api_ep_free(ctx, e);
            continue;
        }
        tern_api_heap_update(ctx, e);
    }
}

void tern_api_settle(tern_ctx *ctx)
{
    /* A public call with the context's thread awake (it is about to take the
     * lock for its round) leaves the packets to that round: sent with
     * whatever the round adds, in one batch. Otherwise now. */
    bool defer = ctx->has_thread && !ctx->in_thread && !ctx->closing &&
                 __atomic_load_n(&ctx->thread_awake, __ATOMIC_ACQUIRE);
    /* Output left in the core because every transport slot was taken goes
     * again once a flush freed them; while the kernel takes nothing more
     * (packets still pending), EPOLLOUT brings the next round. Bounded. */
    for (int pass = 0; pass < 8; pass++) {
        retouch_blocked(ctx);
        drain_touched(ctx);
        if (defer) break;
        flush(ctx);
        if (!ctx->blocked || tern_io_tx_pending(ctx->io) > 0) break;
    }
    /* Lazily: the timer moves only earlier, or once it has fired; firing
     * early costs one round that re-arms it (T3 moves later at every SACK:
     * re-arming each time would be a syscall per round). Whether it fired
     * is known without reading the clock: the loop said so, or this call
     * read the time anyway; else it will say so (an armed time in the past
     * fires at once). */
    api_ep *top = tern_api_heap_top(ctx);
    tern_time d = top ? top->deadline : TERN_TIME_NEVER;
    bool passed = ctx->timer_fired || (ctx->now_fresh && ctx->armed <= ctx->now);
    if (d < ctx->armed || (d != ctx->armed && passed)) {
        ctx->armed = d;
        ctx->timer_fired = false;
        tern_loop_set_deadline(ctx->loop, d);
    }
    api_sock *s;
    while ((s = ctx->dirty) != NULL) {
        ctx->dirty = s->next_dirty;
        s->dirty = false;
        tern_api_ready_update(s);
    }
    if (ctx->changed) {
        ctx->changed = false;
        tern_api_notify(ctx);
    }
}
