/* Data transfer (RFC 9260 §6, §7) on an association: setting up and
 * tearing down the blocks (sendq, retransq, tsn_map, reasm, a tern_cc per
 * destination), the user's send and receive calls, the events about data,
 * and the invariant check run by every public entry point in debug builds.
 * Receiving DATA is in data_in.c, sending it in data_out.c. */
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "core/mem.h"
#include "wire/serial.h"

#define DUP_TSNS_PER_SACK 32 /* reported per SACK (§6.2); more are counted, not listed */

/* TSNs tracked past the cumulative ack: enough for the receive window in
 * chunks of 256 bytes, at least 256, at most 2^16 (the reach of a gap
 * block's 16-bit offsets). */
static uint32_t tsn_capacity(uint32_t rwnd)
{
    uint32_t want = rwnd / 256, cap = 256;
    while (cap < want && cap < 65536)
        cap *= 2;
    return cap;
}

static void init_dest_cc(tern_dest *d, tern_time now)
{
    bool v6 = d->path.remote.family == TERN_AF_INET6;
    tern_cc_init(&d->cc, tern_cc_pmdcs(d->pmtu, v6, d->path.encaps_port != 0), v6, now);
    d->t3_deadline = TERN_TIME_NEVER;
}

int tern_data_start(tern_ep *ep, tern_assoc *a, tern_time now)
{
    if (a->data_up) tern_data_stop(ep, a, true); /* a restart (§5.2.4 A) */
    const tern_allocator *al = &ep->cfg.alloc;
    const tern_assoc_cfg *c = &a->cfg;
    /* At connect the peer's stream count is unknown: one stream until
     * tern_data_handshake (our maximum, 65535 by default, would be a large
     * table for nothing). */
    uint16_t in = a->state < TERN_STATE_COOKIE_ECHOED ? 1 : a->inbound_streams;
    tern_reasm_config rc = {in, 2 * (size_t)c->rwnd + 65536,
                            c->pd_point ? c->pd_point : c->rwnd / 2};
    int rc1 = tern_sendq_init(&a->sendq, al, a->outbound_streams, c->sndbuf, TERN_SCHED_RR);
    if (rc1) return rc1;
    int rc2 = tern_retransq_init(&a->rq, &a->sendq, a->local_initial_tsn, a->peer_rwnd, 16);
    int rc3 = rc2 ? rc2
                  : tern_tsn_map_init(&a->rmap, al, a->peer_initial_tsn, tsn_capacity(c->rwnd),
                                      DUP_TSNS_PER_SACK);
    int rc4 = rc3 ? rc3 : tern_reasm_init(&a->reasm, al, &rc);
    if (rc4) {
        if (!rc3) tern_tsn_map_free(&a->rmap);
        tern_sendq_free(&a->sendq, NULL, NULL);
        return rc4;
    }
    for (unsigned i = 0; i < a->num_paths; i++)
        init_dest_cc(&a->paths[i], now);
    a->last_a_rwnd = c->rwnd;
    a->data_packets = 0;
    a->fast_rtx_now = a->dry_owed = a->rcv_lent = false;
    a->zwp_due = a->zwp_out = a->sack_since_t3 = false;
    a->rcv_off = 0;
    a->data_up = true;
    return 0;
}

typedef struct failed_ctx {
    tern_ep *ep;
    const tern_assoc *a;
} failed_ctx;

static void report_failed(void *ctx, const tern_msg *m, bool unsent)
{
    failed_ctx *f = ctx;
    tern_ep_event_failed(f->ep, f->a, m, unsent);
}

void tern_data_stop(tern_ep *ep, tern_assoc *a, bool report)
{
    if (!a->data_up) return;
    failed_ctx f = {ep, a};
    tern_msg_report_fn *fn = report ? report_failed : NULL;
    tern_retransq_free(&a->rq, fn, &f);
    tern_sendq_free(&a->sendq, fn, &f);
    tern_tsn_map_free(&a->rmap);
    tern_reasm_free(&a->reasm);
    tern_readable_remove(ep, a);
    a->rcv_lent = false;
    a->data_up = false;
    for (unsigned i = 0; i < a->num_paths; i++)
        a->paths[i].t3_deadline = TERN_TIME_NEVER;
    a->timer[TERN_TSACK] = TERN_TIME_NEVER;
    a->timer[TERN_TTTL] = TERN_TIME_NEVER;
}

void tern_data_handshake(tern_ep *ep, tern_assoc *a, tern_time now)
{
    if (!a->data_up) return;
    /* Nothing was received before ESTABLISHED (tern_data_flowing). */
    tern_tsn_map_free(&a->rmap);
    tern_tsn_map_init(&a->rmap, &ep->cfg.alloc, a->peer_initial_tsn, tsn_capacity(a->cfg.rwnd),
                      DUP_TSNS_PER_SACK);
    if (a->reasm.num_streams != a->inbound_streams) {
        tern_reasm_config rc = {a->inbound_streams, a->reasm.max_mem, a->reasm.pd_point};
        tern_reasm_free(&a->reasm);
        if (tern_reasm_init(&a->reasm, &ep->cfg.alloc, &rc) != 0) {
            tern_data_stop(ep, a, true); /* memory: established will try again */
            return;
        }
    }
    for (unsigned i = 0; i < a->num_paths; i++) /* addresses the peer listed (§5.1.2) */
        if (a->paths[i].cc.cwnd == 0) init_dest_cc(&a->paths[i], now);
    /* §6.2.1 A: the peer's window, less what already went with a COOKIE ECHO */
    a->rq.peer_rwnd =
        a->peer_rwnd > a->rq.outstanding ? (uint32_t)(a->peer_rwnd - a->rq.outstanding) : 0;
    failed_ctx f = {ep, a};
    tern_sendq_cut_streams(&a->sendq, a->outbound_streams, report_failed, &f);
}

void tern_data_cookie_lost(tern_ep *ep, tern_assoc *a)
{
    (void)ep;
    if (!a->data_up) return;
    for (unsigned i = 0; i < a->num_paths; i++)
        tern_retransq_t3_expired(&a->rq, (uint8_t)i);
}

bool tern_data_outstanding(const tern_assoc *a)
{
    return a->data_up && (!tern_sendq_empty(&a->sendq) || !tern_retransq_empty(&a->rq));
}

uint32_t tern_data_cum_tsn_ack(const tern_assoc *a)
{
    return a->data_up ? tern_tsn_map_cum_ack(&a->rmap) : a->peer_initial_tsn - 1;
}

/* ---- events --------------------------------------------------------------- */

void tern_ep_event_failed(tern_ep *ep, const tern_assoc *a, const tern_msg *m, bool unsent)
{
    uint8_t *copy = m->len ? tern_ep_alloc(ep, m->len) : NULL;
    if (m->len && !copy) {
        ep->stats.events_dropped++;
        return;
    }
    if (copy) memcpy(copy, m->data, m->len);
    tern_event *ev = tern_ep_event_slot(ep, TERN_EV_SEND_FAILED, a, 0);
    if (!ev) {
        tern_ep_dealloc(ep, copy, m->len);
        return;
    }
    ev->stream = m->stream;
    ev->ppid = m->ppid;
    ev->context = m->context;
    ev->flags = unsent ? TERN_FAILED_UNSENT : 0;
    ev->data = copy;
    ev->len = m->len;
}

/* ---- partial delivery aborted ---------------------------------------------------- */

static void report_open(void *ctx, uint16_t stream, uint32_t sn)
{
    failed_ctx *f = ctx;
    tern_event *ev = tern_ep_event_slot(f->ep, TERN_EV_PARTIAL_DELIVERY_ABORTED, f->a, 0);
    if (!ev) return;
    ev->stream = stream;
    ev->ssn = (uint16_t)sn;
}

/* RFC 6458 §6.1.7: the user read part of a message and the rest will never
 * come: pieces of a partial delivery were read without the last, or a
 * message (or last piece) longer than the reads so far is half read. */
void tern_data_pd_aborted(tern_ep *ep, tern_assoc *a)
{
    if (!a->data_up) return;
    failed_ctx f = {ep, a};
    tern_reasm_each_open(&a->reasm, report_open, &f);
    if (a->rcv_lent && (a->rcv_msg.flags & TERN_REASM_END))
        report_open(&f, a->rcv_msg.stream, a->rcv_msg.sn);
}

/* ---- ttl: unsent messages abandoned ------------------------------------------ */

void tern_data_expire(tern_ep *ep, tern_assoc *a, tern_time now)
{
    if (!a->data_up) {
        a->timer[TERN_TTTL] = TERN_TIME_NEVER;
        return;
    }
    failed_ctx f = {ep, a};
    if (tern_sendq_expire(&a->sendq, now, report_failed, &f)) {
        if (tern_sendq_take_low(&a->sendq) && a->sendq.low_threshold)
            tern_ep_event(ep, TERN_EV_SEND_BUFFER_LOW, a, 0);
        if (a->dry_owed && !tern_data_outstanding(a)) {
            a->dry_owed = false;
            tern_ep_event(ep, TERN_EV_SENDER_DRY, a, 0);
        }
        tern_shutdown_progress(ep, a, now); /* §9.2: may have been waiting for them */
    }
    a->timer[TERN_TTTL] = a->sendq.ttl_next;
}

/* ---- the readable list ------------------------------------------------------ */

void tern_readable_add(tern_ep *ep, tern_assoc *a)
{
    if (a->on_readable_list) return;
    a->on_readable_list = true;
    a->next_readable = NULL;
    if (ep->readable_tail)
        ep->readable_tail->next_readable = a;
    else
        ep->readable_head = a;
    ep->readable_tail = a;
}

void tern_readable_remove(tern_ep *ep, tern_assoc *a)
{
    if (!a->on_readable_list) return;
    tern_assoc *prev = NULL;
    for (tern_assoc *p = ep->readable_head; p; prev = p, p = p->next_readable)
        if (p == a) {
            if (prev)
                prev->next_readable = a->next_readable;
            else
                ep->readable_head = a->next_readable;
            if (ep->readable_tail == a) ep->readable_tail = prev;
            break;
        }
    a->on_readable_list = false;
}

/* ---- the user's calls ------------------------------------------------------- */

TERN_EXPORT int tern_ep_send(tern_ep *ep, tern_assoc_id id, const tern_sndinfo *info,
                             const void *data, size_t len, tern_time now)
{
    if (!ep || !info || !data || len == 0 ||
        (info->flags & ~(uint32_t)(TERN_SEND_UNORDERED | TERN_SEND_SACK_NOW | TERN_SEND_MORE)))
        return TERN_EINVAL;
    tern_assoc *a = tern_assoc_by_id(ep, id);
    if (!a) return TERN_ENOENT;
    /* §9.2: no new data once a shutdown began. During the handshake it
     * waits, and goes with the COOKIE ECHO as far as it fits (§5.1 C): the
     * first such message sets up the data state (tern_data_handshake then
     * takes the INIT ACK's half). */
    bool handshake = a->state == TERN_STATE_COOKIE_WAIT || a->state == TERN_STATE_COOKIE_ECHOED;
    if (handshake && !a->data_up) {
        if (info->stream >= a->outbound_streams) return TERN_EINVAL;
        int rc = tern_data_start(ep, a, now);
        if (rc) return rc;
        a->last_data_at = now;
    }
    if (!a->data_up || (a->state != TERN_STATE_ESTABLISHED && !handshake)) return TERN_ESTATE;
    if (info->stream >= a->outbound_streams) return TERN_EINVAL;
    tern_send_info si = {.stream = info->stream, .ppid = info->ppid, .context = info->context};
    if (info->flags & TERN_SEND_UNORDERED) si.flags |= TERN_MSG_UNORDERED;
    if (info->flags & TERN_SEND_SACK_NOW) si.flags |= TERN_MSG_SACK_NOW;
    if (info->flags & TERN_SEND_MORE) si.flags |= TERN_MSG_MORE;
    si.expires = info->ttl ? tern_time_add(now, info->ttl) : 0;
    size_t before = tern_sendq_bytes(&a->sendq);
    int rc = tern_sendq_enqueue(&a->sendq, &si, data, len);
    if (rc == TERN_ENOMEM && before + len > a->cfg.sndbuf) rc = TERN_EAGAIN;
    if (rc) return rc;
    a->stats.messages_out++;
    a->dry_owed = true;
    /* A message left waiting (Nagle, a batch still growing, or a shut
     * window) makes no output attempt: the SACK that ends the wait asks for
     * output. */
    tern_dest *p = tern_assoc_current(a);
    bool held;
    if (a->state != TERN_STATE_ESTABLISHED) /* §5.1 C: only with a COOKIE ECHO still to go */
        held = !(a->pending & TERN_SEND_COOKIE_ECHO);
    else
        held =
            !(si.flags & TERN_MSG_SACK_NOW) && !a->rq.marked &&
            (tern_data_send_waits(a, tern_data_max_payload(a, p)) || tern_data_window_shut(a, p));
    if (!held) tern_assoc_want_output(ep, a, TERN_SEND_DATA);
    if (a->sendq.ttl_next < a->timer[TERN_TTTL])
        tern_assoc_set_timer(ep, a, TERN_TTTL, a->sendq.ttl_next);
    tern_assoc_check(a);
    return 0;
}

TERN_EXPORT int tern_ep_set_buffer_low(tern_ep *ep, tern_assoc_id id, size_t threshold)
{
    if (!ep) return TERN_EINVAL;
    tern_assoc *a = tern_assoc_by_id(ep, id);
    if (!a || !a->data_up) return a ? TERN_ESTATE : TERN_ENOENT;
    tern_sendq_set_low_threshold(&a->sendq, threshold);
    return 0;
}

/* The next message (or part of one) of a into buf: its length, or 0 (then
 * a has nothing to read and is off the readable list). */
static long recv_from(tern_ep *ep, tern_assoc *a, tern_rcvinfo *info, void *buf, size_t cap)
{
    if (!a->data_up) {
        tern_readable_remove(ep, a);
        return 0;
    }
    if (!a->rcv_lent) {
        if (tern_reasm_next(&a->reasm, &a->rcv_msg) != 1) {
            tern_readable_remove(ep, a);
            return 0;
        }
        a->rcv_lent = true;
        a->rcv_off = 0;
    }
    const tern_reasm_msg *m = &a->rcv_msg;
    size_t n = tern_reasm_msg_copy(m, a->rcv_off, buf, cap);
    a->rcv_off += n;
    memset(info, 0, sizeof *info);
    info->assoc = a->id;
    info->stream = m->stream;
    info->ssn = (uint16_t)m->sn;
    info->tsn = m->first_tsn;
    info->ppid = m->ppid;
    if (m->flags & TERN_REASM_UNORDERED) info->flags |= TERN_RCV_UNORDERED;
    if (m->flags & TERN_REASM_PARTIAL) info->flags |= TERN_RCV_PARTIAL;
    if (a->rcv_off == m->len) {
        if (m->flags & TERN_REASM_END) {
            info->flags |= TERN_RCV_EOR;
            a->stats.messages_in++;
        }
        tern_reasm_release(&a->reasm);
        a->rcv_lent = false;
        if (!tern_reasm_has_ready(&a->reasm)) tern_readable_remove(ep, a);
        tern_data_window_update(ep, a);
    }
    tern_assoc_check(a);
    return (long)n;
}

TERN_EXPORT long tern_ep_recv(tern_ep *ep, tern_rcvinfo *info, void *buf, size_t cap, tern_time now)
{
    (void)now;
    if (!ep || !info || !buf || cap == 0) return TERN_EINVAL;
    /* Bounded: each association on the list is looked at once. */
    while (ep->readable_head) {
        long n = recv_from(ep, ep->readable_head, info, buf, cap);
        if (n) return n;
    }
    return 0;
}

TERN_EXPORT long tern_ep_recv_assoc(tern_ep *ep, tern_assoc_id id, tern_rcvinfo *info, void *buf,
                                    size_t cap, tern_time now)
{
    (void)now;
    if (!ep || !info || !buf || cap == 0) return TERN_EINVAL;
    tern_assoc *a = tern_assoc_by_id(ep, id);
    if (!a) return TERN_ENOENT;
    return recv_from(ep, a, info, buf, cap);
}

/* An association on the list always has something to read (recv_from
 * takes it off when it runs dry); the check is cheap insurance. */
TERN_EXPORT tern_assoc_id tern_ep_next_readable(const tern_ep *ep)
{
    if (!ep) return 0;
    for (const tern_assoc *a = ep->readable_head; a; a = a->next_readable)
        if (a->data_up && (a->rcv_lent || tern_reasm_has_ready(&a->reasm))) return a->id;
    return 0;
}

/* ---- invariants ----------------------------------------------------------------- */

#ifndef NDEBUG
/* The core prints nothing: a debugger shows `what` in the aborting frame. */
static void broken(const tern_assoc *a, const char *volatile what)
{
    (void)a;
    (void)what;
    abort();
}
#endif

void tern_assoc_check(const tern_assoc *a)
{
#ifndef NDEBUG
    if (!a || !a->data_up) return;
    const tern_retransq *rq = &a->rq;
    size_t flight = 0, outstanding = 0, path_flight[TERN_MAX_PATHS] = {0};
    uint32_t marked = 0, gap = 0;
    for (uint32_t i = 0; i < rq->count; i++) {
        const tern_rtx_chunk *c = &rq->ring[(rq->head + i) & (rq->cap - 1)];
        if (c->state & TERN_RTX_IN_FLIGHT) {
            size_t units = c->chunk.len + rq->chunk_overhead;
            flight += units;
            outstanding += c->chunk.len;
            if (c->path >= TERN_MAX_PATHS) broken(a, "record path");
            path_flight[c->path] += units;
        }
        if (c->state & TERN_RTX_MARKED) marked++;
        if (c->state & TERN_RTX_GAP_ACKED) gap++;
        if ((c->state & TERN_RTX_IN_FLIGHT) && (c->state & (TERN_RTX_MARKED | TERN_RTX_GAP_ACKED)))
            broken(a, "in flight and marked or acked");
    }
    if (flight != rq->flight || outstanding != rq->outstanding) broken(a, "flight");
    for (unsigned p = 0; p < TERN_MAX_PATHS; p++)
        if (path_flight[p] != rq->path_flight[p]) broken(a, "path flight");
    if (marked != rq->marked || gap != rq->gap_acked) broken(a, "marks");
    if (tern_sn32_diff(rq->next_tsn, rq->cum_ack) != (int32_t)rq->count + 1)
        broken(a, "tsn window");
    /* (bytes may pass max_bytes: the user may lower sndbuf below what is queued) */
    if (a->sendq.unsent_bytes > a->sendq.bytes) broken(a, "send queue bytes");
    if (a->sendq.ttl_next < a->timer[TERN_TTTL]) broken(a, "ttl timer");
    if (tern_sn32_lt(tern_tsn_map_highest(&a->rmap), tern_tsn_map_cum_ack(&a->rmap)))
        broken(a, "receive map");
    if (tern_reasm_bytes(&a->reasm) > a->reasm.max_mem) broken(a, "reassembly memory");
#else
    (void)a;
#endif
}

/* ---- iterating the readable list (for the socket API) ------------------------ */

TERN_EXPORT tern_assoc_id tern_ep_readable_after(const tern_ep *ep, tern_assoc_id prev)
{
    if (!ep) return 0;
    if (prev == 0) return ep->readable_head ? ep->readable_head->id : 0;
    const tern_assoc *a = tern_assoc_by_id(ep, prev);
    if (!a || !a->on_readable_list || !a->next_readable) return 0;
    return a->next_readable->id;
}

TERN_EXPORT bool tern_ep_assoc_readable(const tern_ep *ep, tern_assoc_id id)
{
    if (!ep || id == 0) return false;
    const tern_assoc *a = tern_assoc_by_id(ep, id);
    return a && a->on_readable_list;
}
