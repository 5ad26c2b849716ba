/* COOKIE ECHO (RFC 9260 §5.1 D): authenticate the cookie (§5.1.5) and
 * build the TCB from it, or, when a TCB exists, resolve collisions and
 * restarts by the tags and tie-tags of table 2 (§5.2.4). */
#include <string.h>

#include "core/internal.h"
#include "wire/cause.h"

/* The cookie's fixed fields (see the CK_ layout in internal.h). */
typedef struct cookie_view {
    uint32_t local_vtag, peer_vtag, local_tie, peer_tie;
    uint32_t local_tsn, peer_tsn, peer_rwnd;
    uint16_t os, is, peer_port;
    tern_bytes init_params;
} cookie_view;

static void read_cookie(tern_bytes p, cookie_view *c)
{
    const uint8_t *b = p.ptr;
    c->local_vtag = tern_load32(b + CK_LOCAL_VTAG);
    c->peer_vtag = tern_load32(b + CK_PEER_VTAG);
    c->local_tie = tern_load32(b + CK_LOCAL_TIE);
    c->peer_tie = tern_load32(b + CK_PEER_TIE);
    c->local_tsn = tern_load32(b + CK_LOCAL_TSN);
    c->peer_tsn = tern_load32(b + CK_PEER_TSN);
    c->peer_rwnd = tern_load32(b + CK_PEER_RWND);
    c->os = tern_load16(b + CK_OS);
    c->is = tern_load16(b + CK_IS);
    c->peer_port = tern_load16(b + CK_PEER_PORT);
    c->init_params = (tern_bytes){b + CK_FIXED_LEN, p.len - CK_FIXED_LEN};
}

/* §5.1.5 step 3, §3.3.10.3: ERROR with how stale the cookie is, in µs. */
static void send_stale_cookie(tern_ep *ep, const tern_path *path, const tern_common_header *h,
                              const cookie_view *c, tern_time staleness)
{
    uint64_t us = staleness / 1000u;
    uint8_t cause[8];
    tern_wbuf cw, w;
    tern_wbuf_init(&cw, cause, sizeof cause);
    tern_cause_put_stale_cookie(&cw, us > UINT32_MAX ? UINT32_MAX : (uint32_t)us);
    tern_ctrl_slot *slot = tern_ctrl_push(ep, path, &w, ep->cfg.port, h->src_port, c->peer_vtag);
    if (!slot) return;
    tern_causes_put(&w, TERN_CHUNK_ERROR, 0, (tern_bytes){cause, cw.len});
    tern_ctrl_commit(ep, slot, &w);
}

/* Copies the peer's half of the handshake from the cookie into the TCB. */
static void take_cookie(tern_ep *ep, tern_assoc *a, const cookie_view *c, tern_time now)
{
    a->peer_vtag = c->peer_vtag;
    a->local_initial_tsn = c->local_tsn;
    a->peer_initial_tsn = c->peer_tsn;
    a->peer_rwnd = c->peer_rwnd;
    a->outbound_streams = c->os;
    a->inbound_streams = c->is;
    tern_init_scan scan;
    tern_init_params_scan(c->init_params, &scan, NULL);
    tern_assoc_take_init_params(ep, a, &scan);
    if (a->state < TERN_STATE_ESTABLISHED) tern_data_handshake(ep, a, now); /* queued at connect */
}

static tern_assoc *new_tcb(tern_ep *ep, const tern_path *path, const tern_common_header *h,
                           const cookie_view *c, tern_time now)
{
    tern_assoc *a = tern_assoc_new(ep, path, h->src_port, c->local_vtag);
    if (!a) { /* over max_associations: Out of Resource (§3.3.10.4) */
        tern_send_abort(ep, path, ep->cfg.port, h->src_port, c->peer_vtag, false,
                        TERN_CAUSE_OUT_OF_RESOURCE, NULL, 0);
        return NULL;
    }
    take_cookie(ep, a, c, now);
    tern_primary(a)->state = TERN_PATH_ACTIVE; /* the COOKIE ECHO came from it (§5.4) */
    tern_assoc_established(ep, a, now);
    tern_assoc_comm_up(ep, a);
    tern_assoc_want_output(ep, a, TERN_SEND_COOKIE_ACK);
    return a;
}

/* §5.2.4 action A: the peer restarted. The old association ends as if by
 * ABORT, the TCB lives on with the cookie's tags, congestion state reset.
 * A message the user was part way through reading will not be completed:
 * TERN_EV_PARTIAL_DELIVERY_ABORTED comes before TERN_EV_RESTART (and the
 * unacknowledged messages' TERN_EV_SEND_FAILED before it too). */
static void restart(tern_ep *ep, tern_assoc *a, const cookie_view *c, tern_time now)
{
    tern_data_pd_aborted(ep, a);
    tern_data_stop(ep, a, true); /* set up anew by tern_assoc_established */
    tern_assoc_set_local_vtag(ep, a, c->local_vtag);
    a->local_tie_tag = a->peer_tie_tag = 0;
    a->error_count = 0;
    a->pending = 0;
    a->init_retransmits = a->shutdown_retransmits = 0;
    for (int t = 0; t < TERN_TIMER_COUNT; t++)
        a->timer[t] = TERN_TIME_NEVER;
    for (unsigned i = 0; i < a->num_paths; i++)
        tern_dest_init(ep, &a->paths[i]);
    take_cookie(ep, a, c, now);
    tern_primary(a)->state = TERN_PATH_ACTIVE;
    tern_assoc_established(ep, a, now);
    tern_ep_event(ep, TERN_EV_RESTART, a, 0);
    tern_assoc_want_output(ep, a, TERN_SEND_COOKIE_ACK);
}

/* Leaves COOKIE-WAIT / COOKIE-ECHOED for ESTABLISHED (actions B and D). */
static void come_up(tern_ep *ep, tern_assoc *a, tern_time now)
{
    if (a->state > TERN_STATE_COOKIE_ECHOED) return;
    tern_primary(a)->state = TERN_PATH_ACTIVE;
    tern_assoc_established(ep, a, now);
    tern_assoc_comm_up(ep, a);
}

static tern_assoc *existing_tcb(tern_ep *ep, tern_assoc *a, const tern_path *path,
                                const tern_common_header *h, const cookie_view *c,
                                enum tern_cookie_verdict v, tern_time staleness, tern_time now)
{
    bool local_m = a->local_vtag == c->local_vtag, peer_m = a->peer_vtag == c->peer_vtag;
    /* §5.2.4 step 3: a stale cookie only counts when both tags match. */
    if (v == TERN_COOKIE_STALE && !(local_m && peer_m)) {
        tern_ep_drop(ep, a, TERN_DROP_COOKIE_STALE);
        send_stale_cookie(ep, path, h, c, staleness);
        return NULL;
    }
    bool ties_m =
        c->local_tie != 0 && c->local_tie == a->local_tie_tag && c->peer_tie == a->peer_tie_tag;
    if (!local_m && !peer_m && ties_m) { /* A: restart */
        if (a->state == TERN_STATE_SHUTDOWN_ACK_SENT) {
            tern_assoc_want_output(ep, a, TERN_SEND_SHUTDOWN_ACK);
            tern_send_error(ep, a, path, TERN_CAUSE_COOKIE_WHILE_SHUTDOWN, NULL, 0);
            return NULL;
        }
        restart(ep, a, c, now);
        return a;
    }
    if (local_m && (!peer_m || a->peer_vtag == 0)) { /* B: crossed INITs */
        take_cookie(ep, a, c, now);
        come_up(ep, a, now);
        tern_assoc_want_output(ep, a, TERN_SEND_COOKIE_ACK);
        return a;
    }
    if (local_m && peer_m) { /* D: a duplicate */
        come_up(ep, a, now);
        tern_assoc_want_output(ep, a, TERN_SEND_COOKIE_ACK);
        return a;
    }
    /* C (a late cookie: local X, peer M, no tie-tags) and every case not
     * in the table: discard silently. */
    tern_ep_drop(ep, a, TERN_DROP_STATE);
    return NULL;
}

tern_assoc *tern_handle_cookie_echo(tern_ep *ep, tern_assoc *a, const tern_path *path,
                                    const tern_common_header *h, const tern_chunk_raw *raw,
                                    tern_time now)
{
    tern_cookie_echo ce;
    if (tern_cookie_echo_decode(raw, &ce) != 0) {
        tern_ep_drop(ep, a, TERN_DROP_MALFORMED);
        return NULL;
    }
    tern_bytes payload;
    tern_time staleness = 0;
    enum tern_cookie_verdict v =
        tern_cookie_open(&ep->keys, ce.cookie.ptr, ce.cookie.len, now, &payload, &staleness);
    if (v == TERN_COOKIE_BAD || payload.len < CK_FIXED_LEN) { /* §5.1.5 step 2: silently */
        tern_ep_drop(ep, a, TERN_DROP_COOKIE_BAD);
        return NULL;
    }
    cookie_view c;
    read_cookie(payload, &c);
    /* §8.5.1 D: the packet carries the tag of our INIT ACK, from its port. */
    if (h->vtag != c.local_vtag || h->src_port != c.peer_port) {
        tern_ep_drop(ep, a, TERN_DROP_VTAG);
        return NULL;
    }
    if (!a) { /* the TCB may know the peer by another of its addresses */
        tern_assoc *by_tag = tern_assoc_by_vtag(ep, c.local_vtag);
        if (by_tag && by_tag->peer_port == h->src_port) a = by_tag;
    }
    if (a) return existing_tcb(ep, a, path, h, &c, v, staleness, now);
    if (v == TERN_COOKIE_STALE) {
        tern_ep_drop(ep, NULL, TERN_DROP_COOKIE_STALE);
        send_stale_cookie(ep, path, h, &c, staleness);
        return NULL;
    }
    if (tern_assoc_by_vtag(ep, c.local_vtag)) { /* the tag went to another association */
        tern_ep_drop(ep, NULL, TERN_DROP_STATE);
        return NULL;
    }
    return new_tcb(ep, path, h, &c, now);
}
