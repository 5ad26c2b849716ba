/* Heartbeats (RFC 9260 §8.3) and the association's error counter (§8.1).
 * Our Heartbeat Information is a 64-bit nonce and the destination address;
 * the send time stays here, so a peer cannot forge a round-trip time. */
#include <string.h>

#include "core/internal.h"
#include "wire/cause.h"

#define HB_INFO_LEN 25 /* nonce (8), family (1), address (16) */

/* §8.3: from ESTABLISHED until a SHUTDOWN or SHUTDOWN ACK is sent (the
 * shutdown also stops the timers when it gets there), on a path whose
 * heartbeats are on (RFC 6458 §8.1.12 SPP_HB_DISABLE also stops the
 * probing of an unconfirmed or potentially failed address). */
static bool heartbeats_on(const tern_assoc *a, const tern_dest *d)
{
    bool state_ok = a->state == TERN_STATE_ESTABLISHED || a->state == TERN_STATE_SHUTDOWN_PENDING ||
                    a->state == TERN_STATE_SHUTDOWN_RECEIVED;
    return state_ok && d->hb_interval_ms != 0;
}

/* Probing: an UNCONFIRMED address (§5.4) or a potentially failed one (RFC
 * 7829 §5.1) gets a heartbeat every RTO, not every HB.interval. */
static bool probing(const tern_dest *d)
{
    return d->state == TERN_PATH_UNCONFIRMED || d->state == TERN_PATH_PF;
}

/* §8.3: RTO + HB.interval, jittered by ±50% of the RTO. The RTO can pass
 * 2^32 ns, so the jitter is drawn from 64 random bits. A probed path: one
 * RTO. */
static void arm(tern_ep *ep, tern_dest *d, tern_time now)
{
    if (probing(d)) {
        d->hb_deadline = now + d->rto;
        return;
    }
    uint64_t r = (uint64_t)tern_ep_random32(ep) << 32 | tern_ep_random32(ep);
    tern_time jitter = d->rto ? r % (d->rto + 1) : 0;
    d->hb_deadline = now + d->rto / 2 + jitter + TERN_MSEC((tern_time)d->hb_interval_ms);
}

/* §5.4: the peer's other addresses are confirmed from the start (the first
 * probe at once; HB.Max.Burst spaces the others). */
void tern_hb_start(tern_ep *ep, tern_assoc *a, tern_time now)
{
    for (unsigned i = 0; i < a->num_paths; i++) {
        tern_dest *d = &a->paths[i];
        d->hb_outstanding = d->hb_pending_send = false;
        if (!heartbeats_on(a, d))
            d->hb_deadline = TERN_TIME_NEVER;
        else if (d->state == TERN_PATH_UNCONFIRMED)
            d->hb_deadline = now;
        else
            arm(ep, d, now);
    }
}

void tern_hb_path_state(tern_ep *ep, tern_assoc *a, tern_dest *d, tern_time now)
{
    if (!heartbeats_on(a, d)) return;
    /* Newly potentially failed: probed one RTO from now; the heartbeat
     * that struck it is not waited for again. */
    if (d->state == TERN_PATH_PF) d->hb_outstanding = false;
    if (!d->hb_outstanding) arm(ep, d, now);
    tern_assoc_timers_changed(ep, a);
}

/* d's HB.interval changed. A heartbeat still awaiting its answer keeps
 * its deadline (its timeout); else the path is armed afresh. */
void tern_hb_reconfigure_path(tern_ep *ep, tern_assoc *a, tern_dest *d, tern_time now)
{
    if (!heartbeats_on(a, d)) {
        d->hb_deadline = TERN_TIME_NEVER;
        return;
    }
    if (d->hb_deadline == TERN_TIME_NEVER) d->hb_outstanding = false; /* none timed */
    if (!d->hb_outstanding) arm(ep, d, now);
}

static void new_heartbeat(tern_ep *ep, tern_assoc *a, tern_dest *d)
{
    uint64_t nonce;
    if (tern_ep_random(ep, &nonce, sizeof nonce) != 0) nonce = ++d->hb_nonce;
    d->hb_nonce = nonce;
    d->hb_outstanding = true;
    d->hb_pending_send = true;
    tern_assoc_want_output(ep, a, TERN_SEND_HEARTBEAT);
}

/* On demand, also to an UNCONFIRMED address (§5.4: its HEARTBEAT ACK
 * confirms it). A heartbeat still unanswered is replaced, without a
 * strike; the timer restarts from now. */
void tern_hb_now(tern_ep *ep, tern_assoc *a, tern_dest *d, tern_time now)
{
    new_heartbeat(ep, a, d);
    if (heartbeats_on(a, d)) arm(ep, d, now);
}

bool tern_assoc_strike(tern_ep *ep, tern_assoc *a)
{
    if (++a->error_count <= a->cfg.assoc_max_retrans) return true;
    /* §8.1: the peer is unreachable. */
    tern_abort_assoc(ep, a, 0, NULL, 0, TERN_EV_COMM_LOST);
    return false;
}

/* Another probe due now whose path waited longer: it goes first (this
 * pass of the timers reaches it, ep.c), or one path would take every turn. */
static bool other_probe_first(const tern_assoc *a, const tern_dest *d, tern_time now)
{
    for (unsigned i = 0; i < a->num_paths; i++) {
        const tern_dest *e = &a->paths[i];
        if (e != d && probing(e) && e->hb_deadline <= now && e->hb_sent_at < d->hb_sent_at)
            return true;
    }
    return false;
}

/* HB.Max.Burst (§16: 1): at most one probing heartbeat per RTO for the
 * whole association (§5.4); a probe not yet allowed waits for its turn, and
 * the path probed least recently goes first. */
bool tern_hb_timer(tern_ep *ep, tern_assoc *a, tern_dest *d, tern_time now)
{
    if (!heartbeats_on(a, d)) {
        d->hb_deadline = TERN_TIME_NEVER;
        return true;
    }
    if (d->hb_outstanding) { /* unanswered: a strike on the address and the peer */
        /* §8.2, §8.3: past Path.Max.Retrans the address is inactive and its
         * counter stops growing; heartbeats go on. An UNCONFIRMED address
         * may be one the peer cannot use: its silence costs the
         * association nothing. */
        d->hb_outstanding = false;
        bool confirmed = d->state != TERN_PATH_UNCONFIRMED;
        tern_dest_strike(ep, d, now);
        tern_dest_backoff(ep, d); /* §8.3: exponential backoff of the RTO */
        if (confirmed && !tern_assoc_strike(ep, a)) return false;
    }
    if (probing(d)) {
        if (now < a->hb_probe_after) {
            d->hb_deadline = a->hb_probe_after;
            return true;
        }
        if (other_probe_first(a, d, now)) {
            arm(ep, d, now);
            return true;
        }
        a->hb_probe_after = now + d->rto;
    }
    new_heartbeat(ep, a, d);
    arm(ep, d, now);
    return true;
}

/* The round trip is timed from when the caller takes the packet (§8.3),
 * not from when the timer fired. */
void tern_hb_put(tern_ep *ep, tern_assoc *a, tern_dest *d, tern_wbuf *w, tern_time now)
{
    (void)ep;
    uint8_t info[HB_INFO_LEN];
    tern_store32(info, (uint32_t)(d->hb_nonce >> 32));
    tern_store32(info + 4, (uint32_t)d->hb_nonce);
    info[8] = d->path.remote.family;
    memcpy(info + 9, d->path.remote.ip, 16);
    tern_heartbeat_put(w, TERN_CHUNK_HEARTBEAT, info, sizeof info);
    d->hb_pending_send = false;
    d->hb_sent_at = now;
    a->stats.hb_sent++;
}

/* §3.3.5: a Heartbeat Info parameter first; §8.3: any TLVs after it are
 * echoed too, so they are not refused (tern_heartbeat_decode would). */
static bool heartbeat_value_ok(tern_bytes v)
{
    tern_tlv_iter it;
    tern_tlv first;
    if (tern_tlv_validate(v) < 1) return false;
    tern_tlv_iter_init_bytes(&it, v);
    return tern_tlv_next(&it, &first) > 0 && first.type == TERN_PARAM_HEARTBEAT_INFO;
}

/* §8.3: answer at once, to the heartbeat's source, with its value as sent. */
void tern_handle_heartbeat(tern_ep *ep, tern_assoc *a, const tern_path *path,
                           const tern_chunk_raw *raw)
{
    if (!heartbeat_value_ok(raw->value)) {
        tern_ep_drop(ep, a, TERN_DROP_MALFORMED);
        return;
    }
    if (a->state == TERN_STATE_COOKIE_WAIT) { /* the peer cannot know our tag yet */
        tern_ep_drop(ep, a, TERN_DROP_STATE);
        return;
    }
    a->stats.hb_received++;
    tern_wbuf w;
    tern_ctrl_slot *slot = tern_ctrl_push(ep, path, &w, ep->cfg.port, a->peer_port, a->peer_vtag);
    if (!slot) return;
    size_t off = tern_wbuf_chunk_begin(&w, TERN_CHUNK_HEARTBEAT_ACK, 0);
    tern_wbuf_put(&w, raw->value.ptr, raw->value.len);
    tern_wbuf_chunk_end(&w, off);
    tern_ctrl_commit(ep, slot, &w);
    a->stats.packets_out++;
    a->stats.ctrl_chunks_out++;
}

/* §8.3: a matching acknowledgement clears the error counters (§8.1, §8.2)
 * and measures the path's round-trip time (§6.3.1). */
void tern_handle_heartbeat_ack(tern_ep *ep, tern_assoc *a, const tern_chunk_raw *raw, tern_time now)
{
    tern_heartbeat hb;
    if (tern_heartbeat_decode(raw, &hb) != 0 || hb.info.len != HB_INFO_LEN) {
        tern_ep_drop(ep, a, TERN_DROP_MALFORMED);
        return;
    }
    tern_addr addr = {.family = hb.info.ptr[8]};
    memcpy(addr.ip, hb.info.ptr + 9, 16);
    uint64_t nonce = (uint64_t)tern_load32(hb.info.ptr) << 32 | tern_load32(hb.info.ptr + 4);
    tern_dest *d = tern_assoc_find_path(a, &addr);
    if (!d || !d->hb_outstanding || d->hb_nonce != nonce) { /* stale or forged */
        tern_ep_drop(ep, a, TERN_DROP_STATE);
        return;
    }
    d->hb_outstanding = false;
    a->stats.hb_acked++;
    tern_dest_rtt_sample(ep, d, now - d->hb_sent_at);
    d->error_count = 0;
    tern_dest_set_state(ep, d, TERN_PATH_ACTIVE, now); /* §8.2; §5.4: confirmed */
    a->error_count = 0;
    if (d->hb_deadline == TERN_TIME_NEVER && heartbeats_on(a, d)) {
        arm(ep, d, now);
        tern_assoc_timers_changed(ep, a);
    }
}
