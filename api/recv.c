/* Receiving (RFC 6458 §5.3.5, §6): the socket's queue (notifications and
 * salvaged data, notify.c) first, then the core: one-to-one sockets read
 * their association (tern_ep_recv_assoc), one-to-many sockets the first
 * readable association that is theirs (tern_ep_readable_after). A message
 * longer than the buffer comes in several reads, TERN_MSG_EOR on the last;
 * a message partly read on a one-to-many socket is finished before anything
 * else is read. */
#include <stdlib.h>
#include <string.h>

#include "api/internal.h"

#define NOTHING (-99999L) /* nothing to read yet (no TERN_E* code) */

typedef struct recv_op {
    tern_ctx *ctx;
    uint8_t *buf;
    size_t cap;
    struct sockaddr *from;
    socklen_t *fromlen;
    tern_recv_info *info;
    int mflags;
} recv_op;

static void fill_info(const recv_op *op, const api_sock *s, const tern_rcvinfo *ri,
                      tern_assoc_id id)
{
    if (!op->info) return;
    memset(op->info, 0, sizeof *op->info);
    op->info->sid = ri->stream;
    op->info->ssn = ri->ssn;
    op->info->flags = (ri->flags & TERN_RCV_UNORDERED) ? TERN_UNORDERED : 0;
    op->info->ppid = ri->ppid;
    op->info->tsn = ri->tsn;
    op->info->context = s->defsnd.context;
    op->info->assoc_id = id;
}

static long from_item(recv_op *op, api_sock *s, api_item *it, api_item *prev)
{
    size_t n = it->len - it->off;
    if (n > op->cap) n = op->cap;
    memcpy(op->buf, it->bytes + it->off, n);
    bool done = it->off + n == it->len;
    if (it->kind == ITEM_NOTIF) {
        it->off += (uint32_t)n;
        op->mflags = TERN_MSG_NOTIFICATION | (done ? TERN_MSG_EOR : 0);
        if (op->fromlen) *op->fromlen = 0;
    } else {
        it->off += (uint32_t)n;
        s->fifo.data_bytes -= n;
        api_assoc *a = s->ep ? tern_api_assoc_find(s->ep, it->assoc) : NULL;
        if (a && a->salvaged >= n) a->salvaged -= n;
        bool eor = done && (it->ri.flags & TERN_RCV_EOR);
        op->mflags = eor ? TERN_MSG_EOR : 0;
        s->partial = eor ? 0 : it->assoc;
        fill_info(op, s, &it->ri, it->assoc);
        if (op->from) tern_api_addr_to(&it->from, it->from_port, op->from, op->fromlen);
    }
    if (done) {
        /* Its bytes were already taken off the queue's count. */
        if (it->kind == ITEM_DATA) it->off = it->len;
        tern_api_fifo_remove(&s->fifo, it, prev);
        free(it);
    }
    return (long)n;
}

static long from_core(recv_op *op, api_sock *s, api_assoc *a)
{
    tern_rcvinfo ri;
    /* The core's read takes no time (tern_ep_recv_assoc ignores now). */
    long n = tern_ep_recv_assoc(a->ep->ep, a->id, &ri, op->buf, op->cap, op->ctx->now);
    tern_api_set_rd(op->ctx, a, tern_ep_assoc_readable(a->ep->ep, a->id));
    if (n <= 0) return NOTHING;
    tern_api_touch_if_busy(op->ctx, a->ep); /* reading may owe a window update (§6.2) */
    bool eor = (ri.flags & TERN_RCV_EOR) != 0;
    op->mflags = eor ? TERN_MSG_EOR : 0;
    s->partial = eor ? 0 : a->id;
    fill_info(op, s, &ri, a->id);
    if (op->from) tern_api_addr_to(&a->peer, a->peer_port, op->from, op->fromlen);
    return n;
}

/* A one-to-many message partly read goes on: its next piece is either the
 * first of its data in the queue, or in the core. */
static long continue_partial(recv_op *op, api_sock *s)
{
    api_item *prev = NULL;
    for (api_item *it = s->fifo.head; it; prev = it, it = it->next)
        if (it->kind == ITEM_DATA && it->assoc == s->partial) return from_item(op, s, it, prev);
    api_assoc *a = tern_api_sock_assoc(s, s->partial);
    s->partial = 0;
    return a ? from_core(op, s, a) : NOTHING;
}

static long one_to_many(recv_op *op, api_sock *s)
{
    if (!s->nrd || !s->ep || !s->ep->ep) return NOTHING;
    tern_ep *ep = s->ep->ep;
    tern_assoc_id id = tern_ep_readable_after(ep, 0);
    for (size_t guard = s->ep->nassocs + 16; id && guard; guard--) {
        tern_assoc_id next = tern_ep_readable_after(ep, id);
        api_assoc *a = tern_api_assoc_find(s->ep, id);
        if (a && a->sock == s && !a->orphan && !a->queued && !a->dead) {
            long n = from_core(op, s, a);
            if (n != NOTHING) return n;
        }
        id = next;
    }
    return NOTHING;
}

static long one_to_one(recv_op *op, api_sock *s)
{
    api_assoc *a = s->assoc;
    if (a && a->rd) {
        long n = from_core(op, s, a);
        if (n != NOTHING) return n;
    }
    if (s->state == S_ENDED) return s->end_err; /* 0: the end of the stream */
    /* The peer shut down and everything was read: the end, except that a
     * subscriber to ASSOC_CHANGE gets its SHUTDOWN_COMP first. */
    if (a && a->peer_shut && !(s->events & (1u << TERN_ASSOC_CHANGE))) return 0;
    return NOTHING;
}

static long try_read(recv_op *op, api_sock *s)
{
    if (s->shut_rd) return 0;
    if (s->partial) {
        long n = continue_partial(op, s);
        if (n != NOTHING) return n;
    }
    if (s->fifo.head) return from_item(op, s, s->fifo.head, NULL);
    return s->type == TERN_SOCK_STREAM ? one_to_one(op, s) : one_to_many(op, s);
}

static int not_readable(const api_sock *s)
{
    if (s->type == TERN_SOCK_SEQPACKET) return 0;
    switch (s->state) {
    case S_IDLE:
    case S_LISTEN: return TERN_ENOTCONN;
    default: return 0;
    }
}

TERN_EXPORT long tern_recvmsg(tern_ctx *ctx, int sd, void *buf, size_t cap, struct sockaddr *from,
                              socklen_t *fromlen, tern_recv_info *info, int flags, int *msg_flags)
{
    if (!ctx || !buf || cap == 0 || (from && !fromlen) || (flags & ~TERN_MSG_DONTWAIT))
        return TERN_EINVAL;
    if (cap > 0x7fffffffu) cap = 0x7fffffffu;
    recv_op op = {ctx, buf, cap, from, fromlen, info, 0};
    tern_api_lock(ctx);
    api_sock *s = tern_api_sock(ctx, sd);
    long rc = s ? not_readable(s) : TERN_EBADF;
    if (rc == 0) {
        uint64_t gen = s->gen;
        bool nb = s->nonblock || (flags & TERN_MSG_DONTWAIT);
        tern_time deadline = 0; /* set at the first wait: a read that waits not reads no clock */
        while ((rc = try_read(&op, s)) == NOTHING) {
            if (nb) {
                rc = TERN_EAGAIN;
                break;
            }
            if (!deadline) deadline = tern_api_deadline(s->rcvtimeo);
            int w = tern_api_wait(ctx, deadline);
            s = tern_api_sock_again(ctx, sd, gen);
            if (!s) {
                rc = w ? w : TERN_EBADF;
                break;
            }
            if (w == TERN_ETIMEDOUT) { /* one last look */
                rc = try_read(&op, s);
                if (rc == NOTHING) rc = TERN_ETIMEDOUT;
                break;
            }
            if (w) {
                rc = w;
                break;
            }
            if ((rc = not_readable(s)) != 0) break;
        }
        if (s) tern_api_mark(ctx, s, false);
    }
    if (msg_flags) *msg_flags = rc >= 0 ? op.mflags : 0;
    if (!ctx->closing) tern_api_settle(ctx);
    tern_api_unlock(ctx);
    return rc;
}

TERN_EXPORT long tern_recv(tern_ctx *ctx, int sd, void *buf, size_t cap, int flags)
{
    return tern_recvmsg(ctx, sd, buf, cap, NULL, NULL, NULL, flags, NULL);
}
