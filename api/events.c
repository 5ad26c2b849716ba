/* The core's events turned into socket state and notifications (RFC 6458
 * §6.1): associations that come up are given to their socket (or queued for
 * tern_accept, or aborted when nobody listens), associations that end leave
 * their socket in the right state, buffer-low events make sockets writable
 * again, and the rest become notifications for subscribers. */
#include "api/internal.h"

/* An association the peer started (COMM_UP for an id we do not know). */
static void incoming(tern_ctx *ctx, api_ep *e, const tern_event *ev)
{
    api_sock *l = e->acceptor;
    bool refuse =
        !l || ctx->closing || (l->type == TERN_SOCK_STREAM && l->nacc >= (uint32_t)l->backlog);
    api_assoc *a = refuse ? NULL : tern_api_assoc_new(ctx, e, ev->assoc);
    if (!a) { /* no listener, backlog full, or no memory: abort it */
        tern_ep_abort(e->ep, ev->assoc, NULL, 0, tern_api_now(ctx));
        return;
    }
    a->up = true;
    a->os = ev->outbound_streams;
    a->is = ev->inbound_streams;
    a->sndbuf = l->cfg.sndbuf;
    tern_api_assoc_peers(e, a);
    if (l->type == TERN_SOCK_SEQPACKET) {
        tern_api_sock_link(l, a);
    } else {
        a->queued = true;
        a->listener = l;
        a->sprev = l->acc_tail;
        if (l->acc_tail)
            l->acc_tail->snext = a;
        else
            l->acc_head = a;
        l->acc_tail = a;
        l->nacc++;
    }
    tern_api_set_pmtu(ctx, a);
    tern_api_notify_event(ctx, a, ev);
    tern_api_dirty(ctx, l);
}

static void comm_up(tern_ctx *ctx, api_ep *e, api_assoc *a, const tern_event *ev)
{
    if (!a) {
        incoming(ctx, e, ev);
        return;
    }
    if (a->up || a->dead) return;
    a->up = true;
    a->os = ev->outbound_streams;
    a->is = ev->inbound_streams;
    tern_api_assoc_peers(e, a);
    tern_api_set_pmtu(ctx, a);
    api_sock *s = a->sock;
    if (s && s->type == TERN_SOCK_STREAM && s->state == S_CONNECTING) s->state = S_CONNECTED;
    tern_api_notify_event(ctx, a, ev);
    tern_api_pend_flush(ctx, a);
    if (s) tern_api_dirty(ctx, s);
}

/* COMM_LOST, SHUTDOWN_COMPLETE, CANT_START: the core freed the association. */
static void ended(tern_ctx *ctx, api_assoc *a, const tern_event *ev, int err)
{
    if (!a || a->dead) return;
    tern_api_notify_event(ctx, a, ev);
    if (ev->type == TERN_EV_CANT_START) tern_api_pend_fail(ctx, a);
    tern_api_set_rd(ctx, a, false);
    tern_api_set_full(ctx, a, false);
    a->dead = true;
    a->end_err = err;
    if (a->queued) { /* stays queued: tern_accept hands it out, ended */
        tern_api_dirty(ctx, a->listener);
        return;
    }
    api_sock *s = a->orphan ? NULL : a->sock;
    if (s && s->type == TERN_SOCK_STREAM && s->assoc == a) {
        if (s->state == S_CONNECTING) { /* §5.1: could not be started */
            s->state = S_IDLE;
            s->so_error = TERN_ECONNREFUSED;
        } else {
            s->state = S_ENDED;
            s->end_err = err;
            if (err) s->so_error = err;
        }
        s->assoc = NULL;
    }
    if (s) tern_api_dirty(ctx, s);
    tern_api_assoc_bury(ctx, a);
}

static void handle(tern_ctx *ctx, api_ep *e, const tern_event *ev)
{
    api_assoc *a = tern_api_assoc_find(e, ev->assoc);
    switch (ev->type) {
    case TERN_EV_COMM_UP: comm_up(ctx, e, a, ev); return;
    case TERN_EV_COMM_LOST: ended(ctx, a, ev, TERN_ECONNRESET); return;
    case TERN_EV_CANT_START: ended(ctx, a, ev, TERN_ECONNREFUSED); return;
    case TERN_EV_SHUTDOWN_COMPLETE: ended(ctx, a, ev, 0); return;
    default: break;
    }
    if (!a || a->dead) {
        if (a && ev->type == TERN_EV_SEND_FAILED) tern_api_notify_event(ctx, a, ev);
        return;
    }
    switch (ev->type) {
    case TERN_EV_RESTART: /* §5.2.4: new streams; the old data state is gone */
        if (a->orphan) {  /* closed by its socket: the new incarnation has no owner */
            tern_ep_abort(e->ep, a->id, NULL, 0, tern_api_now(ctx));
            tern_api_assoc_bury(ctx, a);
            return;
        }
        a->os = ev->outbound_streams;
        a->is = ev->inbound_streams;
        a->peer_shut = false;
        tern_api_set_full(ctx, a, false);
        tern_api_set_pmtu(ctx, a);
        tern_api_notify_event(ctx, a, ev);
        break;
    case TERN_EV_SHUTDOWN_RECEIVED:
        /* Its data must leave the core before the association can end. */
        a->peer_shut = true;
        tern_api_salvage(ctx, a);
        tern_api_notify_event(ctx, a, ev);
        break;
    case TERN_EV_SEND_BUFFER_LOW: tern_api_set_full(ctx, a, false); return;
    default: tern_api_notify_event(ctx, a, ev); return;
    }
    api_sock *s = a->queued ? a->listener : a->sock;
    if (s && !a->orphan) tern_api_dirty(ctx, s);
}

void tern_api_events(tern_ctx *ctx, api_ep *e)
{
    tern_event ev;
    /* Bounded by the core's event queue; handling one may queue more (an
     * abort reports its unsent messages), never without end. */
    while (tern_ep_poll_event(e->ep, &ev))
        handle(ctx, e, &ev);
    tern_api_graves(ctx);
}
