/* Associations from the user's side (RFC 6458 §3.1, §4.1, §9.2): connect and
 * connectx, accept, peeloff, shutdown. */
#include <string.h>

#include "api/internal.h"

/* ---- connect ------------------------------------------------------------------------ */

static int connect_one_to_one(tern_ctx *ctx, api_sock *s, const tern_addr *peers, int n,
                              uint16_t port, tern_assoc_id *id)
{
    switch (s->state) {
    case S_CONNECTING: return TERN_EALREADY;
    case S_CONNECTED:
    case S_ENDED:
    case S_LISTEN: return TERN_EISCONN;
    default: break;
    }
    int rc = tern_api_sock_own_ep(ctx, s);
    api_assoc *a = NULL;
    if (rc == 0) rc = tern_api_start_assoc(ctx, s, peers, n, port, &a);
    if (rc) return rc;
    s->state = S_CONNECTING;
    s->so_error = 0;
    if (id) *id = a->id;
    tern_api_dirty(ctx, s);
    tern_api_settle(ctx); /* INIT goes out */
    if (s->nonblock) return TERN_EINPROGRESS;
    int sd = s->sd;
    uint64_t gen = s->gen;
    tern_time deadline = tern_api_deadline(s->sndtimeo);
    while (s->state == S_CONNECTING) {
        rc = tern_api_wait(ctx, deadline);
        s = tern_api_sock_again(ctx, sd, gen);
        if (!s) return rc ? rc : TERN_EBADF;
        if (rc == TERN_ETIMEDOUT && s->state == S_CONNECTING) {
            /* Given up: the association goes, the socket may connect again. */
            api_assoc *c = s->assoc;
            tern_ep_abort(c->ep->ep, c->id, NULL, 0, tern_clock_now());
            c->orphan = true;
            tern_api_ep_ref(c->ep);
            s->assoc = NULL;
            tern_api_events(ctx, c->ep);
            tern_api_assoc_free(ctx, c);
            s->state = S_IDLE;
            tern_api_settle(ctx);
            return TERN_ETIMEDOUT;
        }
        if (rc && rc != TERN_ETIMEDOUT) return rc;
    }
    if (s->state == S_IDLE) { /* could not be started */
        rc = s->so_error ? s->so_error : TERN_ECONNREFUSED;
        s->so_error = 0;
        return rc;
    }
    return 0;
}

static int connect_one_to_many(tern_ctx *ctx, api_sock *s, const tern_addr *peers, int n,
                               uint16_t port, tern_assoc_id *id)
{
    int rc = 0;
    for (int i = 0; i < n; i++) {
        api_assoc *old = s->ep ? tern_api_assoc_by_peer(s->ep, &peers[i], port) : NULL;
        if (old && old->sock == s) return old->up ? TERN_EISCONN : TERN_EALREADY;
    }
    if (!s->bound) rc = tern_api_sock_autobind(ctx, s);
    api_assoc *a = NULL;
    if (rc == 0) rc = tern_api_start_assoc(ctx, s, peers, n, port, &a);
    if (rc) return rc;
    if (id) *id = a->id;
    tern_api_settle(ctx);
    return 0;
}

static int do_connect(tern_ctx *ctx, int sd, const tern_addr *peers, int n, uint16_t port,
                      tern_assoc_id *id)
{
    api_sock *s = tern_api_sock(ctx, sd);
    if (!s) return TERN_EBADF;
    if (port == 0) return TERN_EINVAL;
    for (int i = 0; i < n; i++)
        if (!tern_api_addr_unicast(&peers[i])) return TERN_EINVAL;
    return s->type == TERN_SOCK_STREAM ? connect_one_to_one(ctx, s, peers, n, port, id)
                                       : connect_one_to_many(ctx, s, peers, n, port, id);
}

TERN_EXPORT int tern_connect(tern_ctx *ctx, int sd, const struct sockaddr *addr, socklen_t len)
{
    if (!ctx) return TERN_EINVAL;
    tern_api_lock(ctx);
    api_sock *s = tern_api_sock(ctx, sd);
    tern_addr ta;
    uint16_t port = 0;
    int rc = s ? tern_api_addr_from(s, addr, len, &ta, &port) : TERN_EBADF;
    if (rc == 0) rc = do_connect(ctx, sd, &ta, 1, port, NULL);
    tern_api_unlock(ctx);
    return rc;
}

TERN_EXPORT int tern_connectx(tern_ctx *ctx, int sd, const struct sockaddr *addrs, int count,
                              tern_assoc_id *id)
{
    if (!ctx) return TERN_EINVAL;
    tern_api_lock(ctx);
    api_sock *s = tern_api_sock(ctx, sd);
    tern_addr ta[TERN_MAX_PATHS];
    uint16_t port = 0;
    int rc = !s                       ? TERN_EBADF
             : count > TERN_MAX_PATHS ? TERN_EINVAL
                                      : tern_api_addrs_from(s, addrs, count, ta, &port);
    tern_assoc_id got = 0;
    if (rc == 0) rc = do_connect(ctx, sd, ta, count, port, &got);
    if ((rc == 0 || rc == TERN_EINPROGRESS) && id) *id = got;
    tern_api_unlock(ctx);
    return rc;
}

/* ---- accept ------------------------------------------------------------------------------ */

TERN_EXPORT int tern_accept(tern_ctx *ctx, int sd, struct sockaddr *addr, socklen_t *len)
{
    if (!ctx || (addr && !len)) return TERN_EINVAL;
    tern_api_lock(ctx);
    api_sock *s = tern_api_sock(ctx, sd);
    int rc = !s                            ? TERN_EBADF
             : s->type != TERN_SOCK_STREAM ? TERN_EOPNOTSUPP
             : s->state != S_LISTEN        ? TERN_EINVAL
                                           : 0;
    if (rc == 0) {
        uint64_t gen = s->gen;
        tern_time deadline = tern_api_deadline(s->rcvtimeo);
        while (rc == 0 && !s->acc_head) {
            if (s->nonblock) {
                rc = TERN_EAGAIN;
                break;
            }
            rc = tern_api_wait(ctx, deadline);
            s = tern_api_sock_again(ctx, sd, gen);
            if (!s && !rc) rc = TERN_EBADF;
            if (s && s->state != S_LISTEN && !rc) rc = TERN_EINVAL;
            if (rc == TERN_ETIMEDOUT && s && s->acc_head) rc = 0;
        }
    }
    api_sock *n = rc == 0 ? tern_api_sock_clone(ctx, s) : NULL;
    if (rc == 0 && !n) rc = TERN_EMFILE;
    if (rc == 0) {
        api_assoc *a = s->acc_head;
        s->acc_head = a->snext;
        if (s->acc_head)
            s->acc_head->sprev = NULL;
        else
            s->acc_tail = NULL;
        s->nacc--;
        a->snext = a->sprev = NULL;
        a->queued = false;
        a->listener = NULL;
        tern_api_fifo_move(&a->fifo, &n->fifo, 0);
        if (addr) tern_api_addr_to(&a->peer, a->peer_port, addr, len);
        if (a->dead) { /* ended while queued: its data and the end are still to read */
            n->state = S_ENDED;
            n->end_err = a->end_err;
            n->so_error = a->end_err;
            tern_api_assoc_free(ctx, a);
        } else {
            n->state = S_CONNECTED;
            n->assoc = a;
            a->sock = n;
        }
        tern_api_dirty(ctx, s);
        tern_api_dirty(ctx, n);
        tern_api_settle(ctx);
        rc = n->sd;
    }
    tern_api_unlock(ctx);
    return rc;
}

/* ---- peeloff ------------------------------------------------------------------------------ */

TERN_EXPORT int tern_peeloff(tern_ctx *ctx, int sd, tern_assoc_id id)
{
    if (!ctx) return TERN_EINVAL;
    tern_api_lock(ctx);
    api_sock *s = tern_api_sock(ctx, sd);
    int rc = !s ? TERN_EBADF : s->type != TERN_SOCK_SEQPACKET ? TERN_EOPNOTSUPP : 0;
    api_assoc *a = rc == 0 ? tern_api_sock_assoc(s, id) : NULL;
    if (rc == 0 && !a) rc = TERN_EINVAL;
    api_sock *n = rc == 0 ? tern_api_sock_clone(ctx, s) : NULL;
    if (rc == 0 && !n) rc = TERN_EMFILE;
    if (rc == 0) {
        tern_api_sock_unlink(s, a);
        tern_api_fifo_move(&s->fifo, &n->fifo, id);
        n->state = a->up ? S_CONNECTED : S_CONNECTING; /* COMM_UP finishes it */
        n->assoc = a;
        a->sock = n;
        tern_api_dirty(ctx, s);
        tern_api_dirty(ctx, n);
        tern_api_settle(ctx);
        rc = n->sd;
    }
    tern_api_unlock(ctx);
    return rc;
}

/* ---- shutdown ------------------------------------------------------------------------------- */

static void shut_wr(tern_ctx *ctx, api_assoc *a)
{
    if (a->dead || a->we_shut) return;
    if (!a->up) { /* still in its handshake: nothing to close gracefully */
        tern_api_user_abort(ctx, a, NULL, 0);
        return;
    }
    tern_ep_shutdown(a->ep->ep, a->id, tern_clock_now()); /* §9.2 */
    a->we_shut = true;
    tern_api_salvage(ctx, a); /* the association may end before it is read */
    tern_api_touch(ctx, a->ep);
}

TERN_EXPORT int tern_shutdown(tern_ctx *ctx, int sd, int how)
{
    if (!ctx) return TERN_EINVAL;
    tern_api_lock(ctx);
    api_sock *s = tern_api_sock(ctx, sd);
    int rc = !s                                                                    ? TERN_EBADF
             : how != TERN_SHUT_RD && how != TERN_SHUT_WR && how != TERN_SHUT_RDWR ? TERN_EINVAL
                                                                                   : 0;
    if (rc == 0) {
        bool one = s->type == TERN_SOCK_STREAM;
        if (one ? (s->state != S_CONNECTED || !s->assoc) : !s->alist) rc = TERN_ENOTCONN;
    }
    if (rc == 0) {
        if (how != TERN_SHUT_WR) s->shut_rd = true;
        if (how != TERN_SHUT_RD) {
            s->shut_wr = true;
            if (s->assoc) shut_wr(ctx, s->assoc);
            for (api_assoc *a = s->alist, *next; a; a = next) {
                next = a->snext;
                shut_wr(ctx, a);
            }
        }
        tern_api_dirty(ctx, s);
        tern_api_settle(ctx);
    }
    tern_api_unlock(ctx);
    return rc;
}
