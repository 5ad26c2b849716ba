/* Sending DATA (RFC 9260 §6.1, §6.3, §6.9, §6.10, §7.2): which chunks go
 * into the next packet (retransmissions first, then new data, within the
 * peer's window and the path's congestion window, Max.Burst, and a
 * Nagle-like wait for small messages), SACK processing (§6.2.1) and the
 * T3-rtx timer (§6.3.2, §6.3.3). */
#include "core/internal.h"
#include "wire/serial.h"

#define DATA_HEADER_LEN 16 /* §3.3.1 */

size_t tern_dest_packet_limit(const tern_dest *d)
{
    size_t ip = d->path.remote.family == TERN_AF_INET6 ? 40 : 20;
    size_t udp = d->path.encaps_port ? 8 : 0;
    /* Chunks are padded to 4 bytes (§3.2), so a packet's length is a multiple
     * of 4: an odd limit (loopback's 65535) rounds down, or a full DATA chunk's
     * padding would take the packet past the MTU. */
    return d->pmtu > ip + udp + 64 ? (d->pmtu - ip - udp) & ~(size_t)3 : 64;
}

size_t tern_data_max_payload(const tern_assoc *a, const tern_dest *d)
{
    size_t full = tern_dest_packet_limit(d) - TERN_COMMON_HEADER_LEN - DATA_HEADER_LEN;
    if (a->cfg.max_seg && a->cfg.max_seg < full) full = a->cfg.max_seg; /* RFC 6458 MAXSEG */
    /* Sender-side SWS avoidance (§6.1): chunks of at most a quarter of the
     * window the peer advertised at the handshake. On a large path MTU
     * (65535 on loopback) a peer with a 128 KiB window would otherwise hold
     * one chunk, and, acknowledging every second packet, stall the flow until
     * a window probe after an RTO (seen with usrsctp: 5.5 s for 2 MiB). */
    size_t quarter = (a->peer_rwnd / 4) & ~(size_t)3;
    if (quarter >= 1024 && quarter < full) full = quarter;
    return full;
}

static void start_t3(tern_ep *ep, tern_assoc *a, tern_dest *d, tern_time now)
{
    d->t3_deadline = now + d->rto;
    tern_assoc_timers_changed(ep, a);
}

/* ---- SACK (§6.2.1) ------------------------------------------------------ */

/* What a SACK (or a SHUTDOWN's cum ack) did for congestion control, the
 * timers and the user. */
static void after_ack(tern_ep *ep, tern_assoc *a, const tern_sack_result *res,
                      const size_t flight_before[TERN_MAX_PATHS], uint32_t cum, tern_time now)
{
    for (unsigned i = 0; i < a->num_paths; i++) {
        tern_dest *d = &a->paths[i];
        if (res->rtt_valid & (1u << i)) tern_dest_rtt_sample(ep, d, res->rtt[i]);
        size_t after = tern_retransq_path_flight(&a->rq, (uint8_t)i);
        tern_cc_ack ack = {res->acked[i], flight_before[i], after, cum};
        tern_cc_on_sack(&d->cc, &ack);
        if (res->heard_paths & (1u << i)) { /* §8.2, RFC 7829 §5.1: the address works */
            d->error_count = 0;
            if (d->state == TERN_PATH_INACTIVE || d->state == TERN_PATH_PF)
                tern_dest_set_state(ep, d, TERN_PATH_ACTIVE, now);
        }
        if (res->fast_rtx_paths & (1u << i) &&
            tern_cc_on_fast_retransmit(&d->cc, tern_retransq_highest_tsn(&a->rq)))
            a->fast_rtx_now = true;
        /* §6.3.2 R2, R3: stop T3 with nothing outstanding; restart it when
         * the earliest outstanding TSN was acknowledged. */
        if (after == 0)
            d->t3_deadline = TERN_TIME_NEVER;
        else if (res->cum_advanced || (res->renege_paths & (1u << i)) ||
                 d->t3_deadline == TERN_TIME_NEVER)
            d->t3_deadline = now + d->rto;
    }
    if (res->acked_total) a->error_count = 0; /* §8.1 */
    a->stats.fast_retransmits += res->fast_rtx;
    /* "Buffered amount low" only when the user set a threshold. */
    if (tern_sendq_take_low(&a->sendq) && a->sendq.low_threshold)
        tern_ep_event(ep, TERN_EV_SEND_BUFFER_LOW, a, 0);
    if (a->dry_owed && !tern_data_outstanding(a)) {
        a->dry_owed = false;
        tern_ep_event(ep, TERN_EV_SENDER_DRY, a, 0);
    }
    if (!tern_data_outstanding(a)) tern_shutdown_progress(ep, a, now);
    tern_assoc_timers_changed(ep, a);
    tern_assoc_want_output(ep, a, TERN_SEND_DATA);
}

static void ack(tern_ep *ep, tern_assoc *a, const tern_sack *sack, tern_time now)
{
    size_t flight_before[TERN_MAX_PATHS];
    bool recovery = false;
    for (unsigned i = 0; i < TERN_MAX_PATHS; i++)
        flight_before[i] = tern_retransq_path_flight(&a->rq, (uint8_t)i);
    for (unsigned i = 0; i < a->num_paths; i++)
        recovery |= a->paths[i].cc.in_fast_recovery;
    tern_sack_result res;
    tern_retransq_sack(&a->rq, sack, recovery, now, &res);
    if (res.ignored) return;
    if (res.invalid) { /* acknowledges what we never sent */
        tern_ep_drop(ep, a, TERN_DROP_MALFORMED);
        return;
    }
    after_ack(ep, a, &res, flight_before, sack->cum_tsn_ack, now);
}

bool tern_handle_sack(tern_ep *ep, tern_assoc *a, const tern_chunk_raw *raw, tern_time now)
{
    tern_sack s;
    if (!tern_data_flowing(a)) {
        tern_ep_drop(ep, a, TERN_DROP_STATE);
        return true;
    }
    if (tern_sack_decode(raw, &s) != 0) {
        tern_ep_drop(ep, a, TERN_DROP_MALFORMED);
        return true;
    }
    a->stats.sacks_in++;
    a->sack_since_t3 = true;
    ack(ep, a, &s, now);
    if (tern_retransq_empty(&a->rq)) a->zwp_out = false;
    return true;
}

void tern_data_shutdown_ack_point(tern_ep *ep, tern_assoc *a, uint32_t cum_tsn, tern_time now)
{
    if (!a->data_up) return;
    /* §9.2: the cumulative ack, with the window unchanged. */
    tern_sack s = {
        cum_tsn, (uint32_t)(tern_retransq_peer_rwnd(&a->rq) + a->rq.outstanding), 0, 0, NULL, NULL};
    ack(ep, a, &s, now);
}

/* ---- T3-rtx (§6.3.3) ----------------------------------------------------- */

bool tern_t3_expired(tern_ep *ep, tern_assoc *a, tern_dest *d, tern_time now)
{
    d->t3_deadline = TERN_TIME_NEVER;
    uint8_t idx = (uint8_t)(d - a->paths);
    if (tern_retransq_path_flight(&a->rq, idx) == 0 && !a->rq.marked) {
        /* §6.1 A: the window has been closed for an RTO: probe it. */
        if (tern_retransq_empty(&a->rq) && !tern_sendq_empty(&a->sendq)) {
            a->zwp_due = true;
            tern_assoc_want_output(ep, a, TERN_SEND_DATA);
        }
        return true;
    }
    a->stats.t3_expired++;
    bool answered = a->sack_since_t3;
    a->sack_since_t3 = false;
    if (a->zwp_out) {
        /* §6.1 A: an unanswered probe is resent at a growing interval; it
         * changes no cwnd, and counts as an error only if the peer has
         * stopped sending SACKs. */
        tern_dest_backoff(ep, d);
        tern_retransq_t3_expired(&a->rq, idx);
        if (!answered && !tern_assoc_strike(ep, a)) return false;
        d->t3_deadline = now + d->rto;
        tern_assoc_want_output(ep, a, TERN_SEND_DATA);
        return true;
    }
    tern_cc_on_t3_expired(&d->cc);               /* E1, §7.2.3 */
    tern_dest_backoff(ep, d);                    /* E2 */
    tern_retransq_t3_expired(&a->rq, idx);       /* E3 */
    tern_dest_strike(ep, d, now);                /* §8.2, RFC 7829 §5.1 */
    if (!tern_assoc_strike(ep, a)) return false; /* §8.1 */
    d->t3_deadline = now + d->rto;
    tern_assoc_want_output(ep, a, TERN_SEND_DATA);
    return true;
}

/* ---- filling a packet ------------------------------------------------------ */

/* §5.1 C: in COOKIE-ECHOED, DATA goes only in the COOKIE ECHO's packet. */
static bool may_send_data(const tern_assoc *a)
{
    return a->data_up &&
           (a->state == TERN_STATE_ESTABLISHED || a->state == TERN_STATE_SHUTDOWN_PENDING ||
            a->state == TERN_STATE_SHUTDOWN_RECEIVED ||
            (a->state == TERN_STATE_COOKIE_ECHOED && a->cookie_bundle));
}

static void put_chunk(tern_wbuf *w, const tern_chunk_desc *c, uint32_t tsn)
{
    tern_data d = {c->flags,       tsn,
                   c->msg->stream, tern_msg_ssn(c->msg),
                   c->msg->ppid,   {tern_chunk_payload(c), c->len}};
    tern_data_put(w, &d);
}

static size_t chunk_size(size_t payload)
{
    return (DATA_HEADER_LEN + payload + 3) & ~(size_t)3;
}

/* §6.4: a chunk marked by fast retransmit goes again where it went, unless
 * that path has failed since; one marked by T3 goes to another active
 * destination if there is one (§6.4.1). */
static tern_dest *rtx_dest(tern_assoc *a, const tern_rtx_chunk *c)
{
    tern_dest *was = &a->paths[c->path];
    if (c->state & TERN_RTX_FAST && was->state == TERN_PATH_ACTIVE) return was;
    return tern_assoc_alternate(a, was);
}

tern_dest *tern_data_next_dest(tern_assoc *a)
{
    uint32_t tsn;
    const tern_rtx_chunk *c =
        a->data_up && a->rq.marked ? tern_retransq_next_marked(&a->rq, &tsn) : NULL;
    return c ? rtx_dest(a, c) : tern_assoc_current(a);
}

/* §6.1 C: retransmissions first, in TSN order, while they go to d. A chunk
 * made before the path's PMTU fell fits no packet now; §6.9: it cannot be
 * re-fragmented, so it goes as the packet's only DATA, over the limit, for
 * IP to fragment (w->cap is the caller's buffer). */
static unsigned put_retransmissions(tern_assoc *a, tern_dest *d, tern_wbuf *w, size_t limit,
                                    uint64_t window, tern_time now)
{
    unsigned n = 0;
    uint8_t idx = (uint8_t)(d - a->paths);
    for (int guard = 0; guard < 4096; guard++) {
        uint32_t tsn;
        const tern_rtx_chunk *c = tern_retransq_next_marked(&a->rq, &tsn);
        if (!c || rtx_dest(a, c) != d) break;
        size_t size = chunk_size(c->chunk.len);
        bool oversize = TERN_COMMON_HEADER_LEN + size > limit;
        if (w->len + size > limit && !(oversize && n == 0)) break;
        if (w->len + size > w->cap) break; /* the caller's buffer is below the old PMTU */
        uint64_t flight = tern_retransq_path_flight(&a->rq, idx);
        if (!a->fast_rtx_now && !tern_cc_may_send(window, flight)) break;
        put_chunk(w, &c->chunk, tsn);
        tern_retransq_mark_sent(&a->rq, tsn, idx, now);
        a->stats.retransmits++;
        d->counters.data_rtx++;
        n++;
        if (oversize) break;
    }
    if (n) a->fast_rtx_now = false;
    return n;
}

bool tern_data_nagle_holds(const tern_assoc *a, size_t full)
{
    if (a->cfg.nodelay || tern_retransq_flight(&a->rq) == 0) return false;
    return tern_sendq_unsent_bytes(&a->sendq) < full;
}

bool tern_data_send_waits(const tern_assoc *a, size_t full)
{
    size_t batch = tern_retransq_flight(&a->rq) / 4;
    if (batch > TERN_DATA_BATCH_MAX) batch = TERN_DATA_BATCH_MAX;
    return tern_data_nagle_holds(a, batch > full ? batch : full); /* Nagle's rule, a larger full */
}

bool tern_data_window_shut(const tern_assoc *a, const tern_dest *d)
{
    if (tern_retransq_flight(&a->rq) == 0) return false;
    size_t flight = tern_retransq_path_flight(&a->rq, (uint8_t)(d - a->paths));
    return flight >= d->cc.cwnd || tern_retransq_peer_rwnd(&a->rq) == 0;
}

unsigned tern_data_fill(tern_ep *ep, tern_assoc *a, tern_dest *d, tern_wbuf *w, size_t limit,
                        tern_time now)
{
    if (!may_send_data(a)) return 0;
    uint8_t idx = (uint8_t)(d - a->paths);
    tern_cc_on_idle_check(&d->cc, now, d->rto);
    uint64_t window = tern_cc_window(&d->cc, tern_retransq_path_flight(&a->rq, idx),
                                     a->cfg.max_burst ? a->cfg.max_burst : TERN_CC_MAX_BURST);
    unsigned n = put_retransmissions(a, d, w, limit, window, now);
    const size_t full = tern_data_max_payload(a, d);
    /* New data goes to the primary while it is active, else to the best
     * other path (§6.4, tern_assoc_current), after every retransmission.
     * Sender-side silly window avoidance (§6.1 A, RFC 1122) comes with the
     * design: a chunk is never cut down to fit the peer's window, it waits
     * until the window holds it whole. */
    if (!a->rq.marked && d == tern_assoc_current(a)) {
        for (int guard = 0; guard < 4096; guard++) {
            if (w->len + DATA_HEADER_LEN + 4 > limit) break;
            if (!tern_cc_may_send(window, tern_retransq_path_flight(&a->rq, idx))) break;
            size_t room = limit - w->len - DATA_HEADER_LEN;
            size_t max = room < full ? room & ~(size_t)3 : full;
            tern_chunk_desc c;
            if (max == 0 || tern_sendq_peek(&a->sendq, max, &c) != 0) break;
            /* A message that a new packet would hold whole starts in one; a
             * longer one fills this packet first (64 KiB messages on
             * loopback left every second packet 60 bytes long). */
            if ((n || a->cookie_bundle) && !(c.flags & TERN_DATA_FLAG_E) && max < full &&
                c.msg->len - c.offset <= full)
                break;
            bool probe = false;
            if (c.len > tern_retransq_peer_rwnd(&a->rq)) { /* §6.1 A */
                if (!tern_retransq_empty(&a->rq) || n || a->cookie_bundle) break;
                if (!a->zwp_due) { /* the first probe after one RTO */
                    if (d->t3_deadline == TERN_TIME_NEVER) start_t3(ep, a, d, now);
                    break;
                }
                probe = true;
            }
            if (n == 0 && !(c.flags & TERN_DATA_FLAG_I) && tern_data_nagle_holds(a, full)) break;
            if (tern_retransq_reserve(&a->rq, 1) != 0) break;
            tern_sendq_take(&a->sendq, &c);
            uint32_t tsn;
            if (tern_retransq_push(&a->rq, &c, idx, now, &tsn) != 0) {
                tern_sendq_release(&a->sendq, c.msg);
                break;
            }
            put_chunk(w, &c, tsn);
            n++;
            if (probe) { /* one chunk, then wait for its SACK */
                a->zwp_due = false;
                a->zwp_out = true;
                break;
            }
        }
    }
    if (n) {
        a->stats.data_chunks_out += n;
        d->counters.data_out += n;
        a->last_data_at = now; /* autoclose */
        tern_cc_on_send(&d->cc, now);
        /* §6.3.2 R1; with a COOKIE ECHO, T1-cookie covers it (§5.1 C) */
        if (d->t3_deadline == TERN_TIME_NEVER && !a->cookie_bundle) start_t3(ep, a, d, now);
    }
    return n;
}
