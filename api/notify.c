/* Notifications (RFC 6458 §6) and the per-socket queue they share with
 * salvaged data.
 *
 * Ordering rule: a socket reads its queue first, then the core. When a
 * notification about association A is queued, whatever the core already
 * holds for A is moved into the queue ahead of it ("salvaged"), so data that
 * arrived before the event is read before the notification and data that
 * arrives after it stays behind it in the core. COMM_UP and RESTART move
 * nothing: no data of that association can come before them. Events are
 * handled packet by packet, so within one packet DATA chunks count as coming
 * before the event (a SACK bundled ahead of DATA gives its SENDER_DRY after
 * that DATA). The same salvage takes an association's data out of the core
 * once it shuts down: the core frees unread data when the association ends.
 * Bounds: API_FIFO_NOTIFS notifications and API_FIFO_NOTIF_BYTES bytes per
 * queue (beyond: dropped, counted); salvage takes at most 2 × rcvbuf +
 * 64 KiB per association (beyond it the data stays in the core, where the
 * receive window holds the peer back). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "api/internal.h"

api_fifo *tern_api_assoc_fifo(api_assoc *a, api_sock **sub)
{
    if (a->orphan) return NULL;
    if (a->queued && a->listener) {
        *sub = a->listener;
        return &a->fifo;
    }
    if (a->sock) {
        *sub = a->sock;
        return &a->sock->fifo;
    }
    return NULL;
}

void tern_api_fifo_push(api_fifo *f, api_item *it)
{
    it->next = NULL;
    if (f->tail)
        f->tail->next = it;
    else
        f->head = it;
    f->tail = it;
    if (it->kind == ITEM_NOTIF) {
        f->notifs++;
        f->notif_bytes += it->len;
    } else {
        f->data_bytes += it->len - it->off;
    }
}

void tern_api_fifo_remove(api_fifo *f, api_item *it, api_item *prev)
{
    if (prev)
        prev->next = it->next;
    else
        f->head = it->next;
    if (f->tail == it) f->tail = prev;
    if (it->kind == ITEM_NOTIF) {
        f->notifs--;
        f->notif_bytes -= it->len;
    } else {
        f->data_bytes -= it->len - it->off;
    }
}

void tern_api_fifo_clear(api_fifo *f)
{
    for (api_item *it = f->head, *next; it; it = next) {
        next = it->next;
        free(it);
    }
    uint64_t dropped = f->dropped;
    memset(f, 0, sizeof *f);
    f->dropped = dropped;
}

void tern_api_fifo_move(api_fifo *from, api_fifo *to, tern_assoc_id id)
{
    api_item *prev = NULL;
    for (api_item *it = from->head, *next; it; it = next) {
        next = it->next;
        if (id && it->assoc != id) {
            prev = it;
            continue;
        }
        tern_api_fifo_remove(from, it, prev);
        tern_api_fifo_push(to, it);
    }
}

static api_item *item_new(uint8_t kind, tern_assoc_id id, const void *bytes, size_t len)
{
    api_item *it = malloc(sizeof *it + len);
    if (!it) return NULL;
    memset(it, 0, sizeof *it);
    it->kind = kind;
    it->assoc = id;
    it->len = (uint32_t)len;
    if (bytes && len) memcpy(it->bytes, bytes, len);
    return it;
}

static size_t salvage_cap(const api_sock *s)
{
    return 2 * (size_t)s->cfg.rwnd + 65536;
}

void tern_api_discard(tern_ctx *ctx, api_assoc *a)
{
    tern_rcvinfo ri;
    bool read = false;
    /* Bounded by what the core holds. */
    while (tern_ep_recv_assoc(a->ep->ep, a->id, &ri, ctx->scratch, API_SCRATCH, tern_api_now(ctx)) >
           0)
        read = true;
    tern_api_set_rd(ctx, a, false);
    if (read) tern_api_touch(ctx, a->ep); /* reading opened the window */
}

void tern_api_salvage(tern_ctx *ctx, api_assoc *a)
{
    if (a->dead || !tern_ep_assoc_readable(a->ep->ep, a->id)) return;
    api_sock *sub = NULL;
    api_fifo *f = tern_api_assoc_fifo(a, &sub);
    if (!f) {
        tern_api_discard(ctx, a);
        return;
    }
    size_t cap = salvage_cap(sub);
    bool moved = false;
    while (a->salvaged < cap) {
        tern_rcvinfo ri;
        long n =
            tern_ep_recv_assoc(a->ep->ep, a->id, &ri, ctx->scratch, API_SCRATCH, tern_api_now(ctx));
        if (n <= 0) break;
        api_item *it = item_new(ITEM_DATA, a->id, ctx->scratch, (size_t)n);
        if (!it) break; /* the rest stays in the core */
        it->ri = ri;
        it->from = a->peer;
        it->from_port = a->peer_port;
        tern_api_fifo_push(f, it);
        a->salvaged += (size_t)n;
        moved = true;
    }
    tern_api_set_rd(ctx, a, tern_ep_assoc_readable(a->ep->ep, a->id));
    if (moved) {
        tern_api_touch(ctx, a->ep);
        tern_api_dirty(ctx, a->queued ? a->listener : a->sock);
    }
}

/* ---- building notifications ------------------------------------------------------ */

static int sn_type(enum tern_event_type t)
{
    switch (t) {
    case TERN_EV_COMM_UP:
    case TERN_EV_COMM_LOST:
    case TERN_EV_RESTART:
    case TERN_EV_SHUTDOWN_COMPLETE:
    case TERN_EV_CANT_START: return TERN_ASSOC_CHANGE;
    case TERN_EV_PEER_ADDR_CHANGE: return TERN_PEER_ADDR_CHANGE;
    case TERN_EV_REMOTE_ERROR: return TERN_REMOTE_ERROR;
    case TERN_EV_SEND_FAILED: return TERN_SEND_FAILED_EVENT;
    case TERN_EV_SHUTDOWN_RECEIVED: return TERN_SHUTDOWN_EVENT;
    case TERN_EV_ADAPTATION_INDICATION: return TERN_ADAPTATION_INDICATION;
    case TERN_EV_PARTIAL_DELIVERY_ABORTED: return TERN_PARTIAL_DELIVERY_EVENT;
    case TERN_EV_SENDER_DRY: return TERN_SENDER_DRY_EVENT;
    default: return 0;
    }
}

static uint16_t assoc_state(enum tern_event_type t)
{
    switch (t) {
    case TERN_EV_COMM_UP: return TERN_COMM_UP;
    case TERN_EV_COMM_LOST: return TERN_COMM_LOST;
    case TERN_EV_RESTART: return TERN_RESTART;
    case TERN_EV_SHUTDOWN_COMPLETE: return TERN_SHUTDOWN_COMP;
    default: return TERN_CANT_STR_ASSOC;
    }
}

/* Fills n (zeroed) for ev; returns its length without data. */
static size_t build(union tern_notification *n, const tern_event *ev, int type, uint16_t port)
{
    size_t len;
    switch (type) {
    case TERN_ASSOC_CHANGE:
        n->assoc_change.state = assoc_state(ev->type);
        n->assoc_change.error = ev->cause;
        n->assoc_change.outbound_streams = ev->outbound_streams;
        n->assoc_change.inbound_streams = ev->inbound_streams;
        n->assoc_change.assoc_id = ev->assoc;
        len = sizeof n->assoc_change;
        break;
    case TERN_PEER_ADDR_CHANGE:
        tern_io_sockaddr(&ev->addr, port, &n->paddr_change.addr);
        n->paddr_change.state = (uint32_t)ev->addr_state; /* same numbering */
        n->paddr_change.error = ev->cause;
        n->paddr_change.assoc_id = ev->assoc;
        len = sizeof n->paddr_change;
        break;
    case TERN_REMOTE_ERROR:
        n->remote_error.error = ev->cause;
        n->remote_error.assoc_id = ev->assoc;
        len = sizeof n->remote_error;
        break;
    case TERN_SEND_FAILED_EVENT:
        n->h.flags = (ev->flags & TERN_FAILED_UNSENT) ? TERN_DATA_UNSENT : TERN_DATA_SENT;
        n->send_failed.error = ev->cause;
        n->send_failed.info.sid = ev->stream;
        n->send_failed.info.ppid = ev->ppid;
        n->send_failed.info.context = (uint32_t)ev->context;
        n->send_failed.info.assoc_id = ev->assoc;
        n->send_failed.assoc_id = ev->assoc;
        len = offsetof(struct tern_send_failed_event, data);
        break;
    case TERN_SHUTDOWN_EVENT:
        n->shutdown.assoc_id = ev->assoc;
        len = sizeof n->shutdown;
        break;
    case TERN_ADAPTATION_INDICATION:
        n->adaptation.adaptation_ind = ev->adaptation_ind;
        n->adaptation.assoc_id = ev->assoc;
        len = sizeof n->adaptation;
        break;
    case TERN_PARTIAL_DELIVERY_EVENT:
        n->pdapi.indication = TERN_PARTIAL_DELIVERY_ABORTED;
        n->pdapi.stream = ev->stream;
        n->pdapi.seq = ev->ssn;
        n->pdapi.assoc_id = ev->assoc;
        len = sizeof n->pdapi;
        break;
    default:
        n->sender_dry.assoc_id = ev->assoc;
        len = sizeof n->sender_dry;
        break;
    }
    n->h.type = (uint16_t)type;
    return len;
}

void tern_api_notify_event(tern_ctx *ctx, api_assoc *a, const tern_event *ev)
{
    api_sock *sub = NULL;
    api_fifo *f = tern_api_assoc_fifo(a, &sub);
    int type = sn_type(ev->type);
    if (!f || !type || !(sub->events & (1u << type))) return;
    if (ev->type != TERN_EV_COMM_UP && ev->type != TERN_EV_RESTART) tern_api_salvage(ctx, a);
    union tern_notification n;
    memset(&n, 0, sizeof n);
    size_t len = build(&n, ev, type, a->peer_port);
    size_t dlen = 0;
    if (type == TERN_SEND_FAILED_EVENT && ev->data)
        dlen = ev->len < API_FAILED_DATA_MAX ? ev->len : API_FAILED_DATA_MAX;
    if (f->notifs >= API_FIFO_NOTIFS || f->notif_bytes + len + dlen > API_FIFO_NOTIF_BYTES) {
        f->dropped++;
        return;
    }
    n.h.length = (uint32_t)(len + dlen);
    api_item *it = item_new(ITEM_NOTIF, a->id, NULL, len + dlen);
    if (!it) {
        f->dropped++;
        return;
    }
    memcpy(it->bytes, &n, len);
    if (dlen) memcpy(it->bytes + len, ev->data, dlen);
    tern_api_fifo_push(f, it);
    tern_api_dirty(ctx, a->queued ? a->listener : a->sock);
}
