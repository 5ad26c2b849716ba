/* Sending (RFC 6458 §5.3.2–§5.3.4): messages are copied into the core
 * (tern_ep_send). A blocking send of a message larger than the free space
 * feeds it in pieces with TERN_SEND_MORE, waiting for space between pieces
 * (a SEND_BUFFER_LOW threshold says when); while such a record is in
 * progress other senders on that association wait, so nothing interleaves
 * into it. A non-blocking send queues all or nothing. One-to-many sockets
 * start associations implicitly (§4.1.4): messages are held, bounded by the
 * send buffer, until COMM_UP. */
#include <stdlib.h>
#include <string.h>

#include "api/internal.h"

#define PIECE_MAX (256u << 10) /* bytes per piece of a message sent in pieces */

#define SEND_FLAGS (TERN_UNORDERED | TERN_EOF | TERN_ABORT | TERN_SACK_IMMEDIATELY | TERN_SENDALL)

typedef struct send_op {
    tern_ctx *ctx;
    int sd;
    uint64_t gen;
    tern_assoc_id id;
    const uint8_t *buf;
    size_t len;
    tern_send_info si;
    bool more; /* TERN_MSG_MORE */
    bool nb;
    int timeout_ms;     /* TERN_SO_SNDTIMEO */
    tern_time deadline; /* from timeout_ms at the first wait (0: not yet) */
} send_op;

/* A send that does not wait reads no clock. */
static tern_time op_deadline(send_op *op)
{
    if (!op->deadline) op->deadline = tern_api_deadline(op->timeout_ms);
    return op->deadline;
}

static tern_sndinfo core_info(const send_op *op, bool more)
{
    tern_sndinfo sn = {op->si.sid, op->si.ppid, 0, op->si.context, TERN_MSEC(op->si.ttl_ms)};
    if (op->si.flags & TERN_UNORDERED) sn.flags |= TERN_SEND_UNORDERED;
    if (op->si.flags & TERN_SACK_IMMEDIATELY) sn.flags |= TERN_SEND_SACK_NOW;
    if (more) sn.flags |= TERN_SEND_MORE;
    return sn;
}

/* The core's send takes the time for a ttl only: no clock read without. */
static tern_time send_now(send_op *op)
{
    return op->si.ttl_ms ? tern_api_now(op->ctx) : op->ctx->now;
}

/* The association again after a wait, or NULL with *err set. */
static api_assoc *again(send_op *op, int *err)
{
    api_sock *s = tern_api_sock_again(op->ctx, op->sd, op->gen);
    if (!s) { /* closed, or every socket is (tern_ctx_free) */
        *err = op->ctx->closing ? TERN_ESHUTDOWN : TERN_EBADF;
        return NULL;
    }
    api_assoc *a = tern_api_sock_assoc(s, op->id);
    if (a && a->id == op->id && !a->dead) return a;
    if (s->type == TERN_SOCK_STREAM && s->state == S_ENDED)
        *err = s->end_err && s->end_err != TERN_ENOTCONN ? TERN_ECONNRESET : TERN_EPIPE;
    else
        *err = s->type == TERN_SOCK_STREAM ? TERN_ECONNRESET : TERN_ENOTCONN;
    return NULL;
}

static int map_err(int rc, const api_assoc *a)
{
    switch (rc) {
    case TERN_ESTATE: return a->we_shut || a->peer_shut ? TERN_EPIPE : TERN_ENOTCONN;
    case TERN_ENOENT: return TERN_ECONNRESET;
    default: return rc;
    }
}

static size_t queued(const api_assoc *a)
{
    tern_assoc_info *info = malloc(sizeof *info);
    size_t q = 0;
    if (info && tern_ep_assoc_info(a->ep->ep, a->id, info) == 0) q = info->send_queued;
    free(info);
    return q;
}

/* Waits until SEND_BUFFER_LOW says want bytes fit (the threshold is set below
 * what is queued now, so the event comes). */
static int wait_space(send_op *op, api_assoc *a, size_t want, api_assoc **out)
{
    size_t q = queued(a);
    if (q + want <= a->sndbuf) {
        *out = a;
        return 0;
    }
    size_t thr = want < a->sndbuf ? a->sndbuf - want : 0;
    if (q && thr >= q) thr = q - 1;
    tern_ep_set_buffer_low(a->ep->ep, a->id, thr);
    tern_api_set_full(op->ctx, a, true);
    tern_api_settle(op->ctx);
    int rc = 0;
    while (rc == 0) {
        if (!a->full) break;
        rc = tern_api_wait(op->ctx, op_deadline(op));
        int err = 0;
        a = again(op, &err);
        if (!a) return err;
    }
    *out = a;
    return rc == TERN_ETIMEDOUT && !a->full ? 0 : rc;
}

/* A blocking send that does not fit at once: in pieces. Returns the bytes
 * queued (a timeout after some pieces leaves the record open: a short
 * count), or an error. */
static long send_pieces(send_op *op, api_assoc *a)
{
    size_t off = 0;
    while (off < op->len) {
        size_t rest = op->len - off;
        size_t want = rest < a->sndbuf / 4 ? rest : a->sndbuf / 4;
        if (want == 0) want = 1;
        size_t q = queued(a);
        size_t room = q < a->sndbuf ? a->sndbuf - q : 0;
        if (room >= want) {
            /* Pieces of at most PIECE_MAX: the core frees a piece's bytes only
             * once all of it is acknowledged; small ones free room steadily. */
            size_t cap = room < PIECE_MAX ? room : PIECE_MAX;
            bool last = cap >= rest;
            size_t n = last ? rest : cap;
            tern_sndinfo sn = core_info(op, !last || op->more);
            /* RFC 7053 §4.1: the sender waits for room after this piece: the
             * peer should acknowledge at once (and no Nagle-like wait). */
            if (!last) sn.flags |= TERN_SEND_SACK_NOW;
            int rc = tern_ep_send(a->ep->ep, a->id, &sn, op->buf + off, n, send_now(op));
            if (rc == 0) {
                off += n;
                tern_api_touch(op->ctx, a->ep);
                continue;
            }
            if (rc != TERN_EAGAIN && rc != TERN_ENOMEM) return off ? (long)off : map_err(rc, a);
            want = n; /* the core counts differently: wait for this much */
        }
        if (op->nb) return off ? (long)off : TERN_EAGAIN; /* the core counted otherwise */
        int rc = wait_space(op, a, want, &a);
        if (rc) return off ? (long)off : rc;
    }
    return (long)off;
}

/* One message to one established association. */
static long send_data(send_op *op, api_assoc *a)
{
    pthread_t me = pthread_self();
    while (a->rec_busy && !pthread_equal(a->rec_owner, me)) { /* a record is being sent */
        if (op->nb) return TERN_EAGAIN;
        int err = 0;
        int rc = tern_api_wait(op->ctx, op_deadline(op));
        if (rc) return rc;
        if (!(a = again(op, &err))) return err;
    }
    if (a->up && op->si.sid >= a->os) return TERN_EINVAL; /* before: the core checks */
    tern_sndinfo sn = core_info(op, op->more);
    /* A long message goes in pieces even when it fits: the core frees a
     * message's bytes only once all of it is acknowledged, so one that fills
     * the buffer would stall the next send on its last SACK. */
    bool whole = op->len <= PIECE_MAX && op->len <= a->sndbuf;
    int rc =
        whole ? tern_ep_send(a->ep->ep, a->id, &sn, op->buf, op->len, send_now(op)) : TERN_EAGAIN;
    long done;
    size_t q = 0;
    if (rc == 0) {
        done = (long)op->len;
    } else if (rc != TERN_EAGAIN && !(rc == TERN_ENOMEM && op->len <= a->sndbuf)) {
        return map_err(rc, a);
    } else if (op->nb && !whole && op->len <= a->sndbuf && (q = queued(a)) + op->len <= a->sndbuf) {
        a->rec_busy = true; /* it all fits: the pieces go now */
        a->rec_owner = me;
        done = send_pieces(op, a);
    } else if (op->nb) {
        if (op->len > a->sndbuf) return TERN_EMSGSIZE;
        q = queued(a);
        size_t thr = a->sndbuf - op->len < q ? a->sndbuf - op->len : (q ? q - 1 : 0);
        tern_ep_set_buffer_low(a->ep->ep, a->id, thr);
        tern_api_set_full(op->ctx, a, true);
        return TERN_EAGAIN;
    } else {
        a->rec_busy = true;
        a->rec_owner = me;
        done = send_pieces(op, a);
        int err = 0;
        a = again(op, &err);
    }
    if (a) {
        bool was = a->rec_busy;
        a->rec_busy = op->more && done == (long)op->len;
        a->rec_owner = me;
        if (was && !a->rec_busy) tern_api_dirty(op->ctx, a->sock); /* other senders go on */
        tern_api_touch_if_busy(op->ctx, a->ep);
    }
    return done;
}

/* ---- the implicit set-up's held messages ------------------------------------------------ */

static void fail_pend(tern_ctx *ctx, api_assoc *a, const api_pend *p)
{
    tern_event ev = {0};
    ev.type = TERN_EV_SEND_FAILED;
    ev.assoc = a->id;
    ev.stream = p->si.stream;
    ev.ppid = p->si.ppid;
    ev.context = p->si.context;
    ev.flags = TERN_FAILED_UNSENT;
    ev.data = p->data;
    ev.len = p->len;
    tern_api_notify_event(ctx, a, &ev);
}

void tern_api_pend_flush(tern_ctx *ctx, api_assoc *a)
{
    bool eof = false;
    for (api_pend *p = a->pend_head, *next; p; p = next) {
        next = p->next;
        if (tern_ep_send(a->ep->ep, a->id, &p->si, p->data, p->len, tern_api_now(ctx)) != 0)
            fail_pend(ctx, a, p);
        eof |= (p->tflags & TERN_EOF) != 0;
        free(p);
    }
    a->pend_head = a->pend_tail = NULL;
    a->pend_bytes = 0;
    if (eof && !a->we_shut) {
        tern_ep_shutdown(a->ep->ep, a->id, tern_api_now(ctx));
        a->we_shut = true;
    }
    tern_api_touch(ctx, a->ep);
}

void tern_api_pend_fail(tern_ctx *ctx, api_assoc *a)
{
    for (api_pend *p = a->pend_head, *next; p; p = next) {
        next = p->next;
        fail_pend(ctx, a, p);
        free(p);
    }
    a->pend_head = a->pend_tail = NULL;
    a->pend_bytes = 0;
}

static long hold(send_op *op, api_assoc *a)
{
    if (op->more) return TERN_EINVAL; /* records start once the association is up */
    api_pend *p = malloc(sizeof *p + op->len);
    if (!p) return TERN_ENOMEM;
    p->next = NULL;
    p->si = core_info(op, false);
    p->tflags = op->si.flags;
    p->len = op->len;
    if (op->len) memcpy(p->data, op->buf, op->len);
    if (a->pend_tail)
        a->pend_tail->next = p;
    else
        a->pend_head = p;
    a->pend_tail = p;
    a->pend_bytes += op->len;
    return (long)op->len;
}

/* ---- one association --------------------------------------------------------------------- */

void tern_api_user_abort(tern_ctx *ctx, api_assoc *a, const void *reason, size_t len)
{
    tern_ep_abort(a->ep->ep, a->id, reason, len, tern_clock_now());
    tern_api_events(ctx, a->ep); /* SEND_FAILED for what was queued */
    tern_api_pend_fail(ctx, a);  /* and for what waited for COMM_UP */
    api_sock *s = a->sock;
    if (s && s->type == TERN_SOCK_STREAM && s->assoc == a) {
        s->state = S_ENDED;
        s->end_err = TERN_ENOTCONN;
        s->assoc = NULL;
        tern_api_dirty(ctx, s);
    }
    tern_api_set_rd(ctx, a, false);
    tern_api_touch(ctx, a->ep); /* the ABORT goes out */
    tern_api_assoc_bury(ctx, a);
    tern_api_graves(ctx);
}

static long send_assoc(send_op *op, api_assoc *a)
{
    tern_ctx *ctx = op->ctx;
    op->id = a->id;
    if (op->si.flags & TERN_ABORT) {
        if (op->len > 1024) return TERN_EINVAL; /* the reason's cap */
        tern_api_user_abort(ctx, a, op->len ? op->buf : NULL, op->len);
        return (long)op->len;
    }
    if (a->we_shut || a->peer_shut) return TERN_EPIPE;
    while (!a->up) { /* connecting */
        if (a->sock && a->sock->type == TERN_SOCK_SEQPACKET && !op->more &&
            a->pend_bytes + op->len <= a->sndbuf)
            return hold(op, a);
        /* A non-blocking one-to-one send queues in the core, to go with the
         * COOKIE ECHO (RFC 9260 §5.1 C; Linux does the same). */
        if (op->nb && a->sock && a->sock->type == TERN_SOCK_STREAM && !a->dead) break;
        if (op->nb) return TERN_EAGAIN;
        int err = 0, rc = tern_api_wait(ctx, op_deadline(op));
        if (rc) return rc;
        if (!(a = again(op, &err))) return err == TERN_ECONNRESET ? TERN_ECONNREFUSED : err;
        if (a->we_shut || a->peer_shut) return TERN_EPIPE;
    }
    long done = op->len ? send_data(op, a) : 0;
    if (done == (long)op->len && (op->si.flags & TERN_EOF)) {
        int err = 0;
        a = again(op, &err);
        if (a && !a->we_shut) {
            tern_ep_shutdown(a->ep->ep, a->id, tern_clock_now()); /* after what was queued */
            a->we_shut = true;
            tern_api_salvage(ctx, a);
            tern_api_touch(ctx, a->ep);
        }
    }
    return done;
}

/* ---- resolving the association ----------------------------------------------------------------
 */

static long one_to_one(send_op *op, api_sock *s)
{
    if (s->shut_wr) return TERN_EPIPE;
    while (s->state == S_CONNECTING && !(s->assoc && s->assoc->up)) {
        if (op->nb && s->assoc && !s->assoc->dead) return send_assoc(op, s->assoc);
        if (op->nb) return TERN_EAGAIN;
        int rc = tern_api_wait(op->ctx, op_deadline(op));
        if (rc) return rc;
        if (!(s = tern_api_sock_again(op->ctx, op->sd, op->gen))) return TERN_EBADF;
    }
    switch (s->state) {
    case S_CONNECTED: break;
    case S_ENDED: return s->end_err && s->end_err != TERN_ENOTCONN ? TERN_ECONNRESET : TERN_EPIPE;
    default: return TERN_ENOTCONN;
    }
    return send_assoc(op, s->assoc);
}

static long send_all(send_op *op, api_sock *s)
{
    uint32_t n = s->nassocs, k = 0;
    tern_assoc_id *ids = malloc((n ? n : 1) * sizeof *ids);
    if (!ids) return TERN_ENOMEM;
    for (api_assoc *a = s->alist; a && k < n; a = a->snext)
        ids[k++] = a->id;
    long rc = TERN_ENOTCONN, ok = 0;
    for (uint32_t i = 0; i < k; i++) {
        if (!(s = tern_api_sock_again(op->ctx, op->sd, op->gen))) {
            rc = TERN_EBADF;
            break;
        }
        api_assoc *a = tern_api_sock_assoc(s, ids[i]);
        if (!a) continue;
        rc = send_assoc(op, a);
        if (rc >= 0) ok++;
    }
    free(ids);
    return ok ? (long)op->len : rc;
}

static long one_to_many(send_op *op, api_sock *s, const struct sockaddr *to, socklen_t tolen)
{
    if (op->si.flags & TERN_SENDALL) return send_all(op, s);
    api_assoc *a = NULL;
    if (op->si.assoc_id) {
        a = tern_api_sock_assoc(s, op->si.assoc_id);
        if (!a) return TERN_ENOTCONN;
        return send_assoc(op, a);
    }
    if (!to) return TERN_ENOTCONN;
    tern_addr addr;
    uint16_t port = 0;
    int rc = tern_api_addr_from(s, to, tolen, &addr, &port);
    if (rc) return rc;
    if (port == 0 || !tern_api_addr_unicast(&addr)) return TERN_EINVAL;
    a = s->ep ? tern_api_assoc_by_peer(s->ep, &addr, port) : NULL;
    if (a && (a->sock != s || a->orphan)) return TERN_EADDRINUSE; /* peeled off, or closing */
    if (!a) {                                                     /* implicit set-up (§4.1.4) */
        if (op->si.flags & (TERN_ABORT | TERN_EOF) && op->len == 0) return TERN_ENOTCONN;
        if (op->len > s->cfg.sndbuf) return TERN_EMSGSIZE;
        if (s->shut_wr) return TERN_EPIPE;
        rc = tern_api_sock_autobind(op->ctx, s);
        if (rc == 0) rc = tern_api_start_assoc(op->ctx, s, &addr, 1, port, &a);
        if (rc) return rc;
        tern_api_settle(op->ctx);
    }
    return send_assoc(op, a);
}

TERN_EXPORT long tern_sendmsg(tern_ctx *ctx, int sd, const void *buf, size_t len,
                              const struct sockaddr *to, socklen_t tolen,
                              const tern_send_info *info, int flags)
{
    if (!ctx || (!buf && len) || (flags & ~(TERN_MSG_DONTWAIT | TERN_MSG_MORE)) ||
        len > 0x7fffffffu)
        return TERN_EINVAL;
    tern_api_lock(ctx);
    api_sock *s = tern_api_sock(ctx, sd);
    long rc = s ? 0 : TERN_EBADF;
    send_op op = {.ctx = ctx, .sd = sd, .buf = buf, .len = len};
    if (s) {
        op.gen = s->gen;
        op.si = info ? *info : s->defsnd;
        op.more = (flags & TERN_MSG_MORE) != 0;
        op.nb = s->nonblock || (flags & TERN_MSG_DONTWAIT);
        op.timeout_ms = s->sndtimeo;
        uint16_t f = op.si.flags;
        if ((f & ~SEND_FLAGS) || (f & TERN_EOF && f & TERN_ABORT) ||
            (len == 0 && !(f & (TERN_EOF | TERN_ABORT))) ||
            (op.more && f & (TERN_EOF | TERN_ABORT)) ||
            (f & TERN_SENDALL && s->type != TERN_SOCK_SEQPACKET))
            rc = TERN_EINVAL;
    }
    if (rc == 0)
        rc = s->type == TERN_SOCK_STREAM ? one_to_one(&op, s) : one_to_many(&op, s, to, tolen);
    if (!ctx->closing) tern_api_settle(ctx);
    tern_api_unlock(ctx);
    return rc;
}

TERN_EXPORT long tern_send(tern_ctx *ctx, int sd, const void *buf, size_t len, int flags)
{
    return tern_sendmsg(ctx, sd, buf, len, NULL, 0, NULL, flags);
}
