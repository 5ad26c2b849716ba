/* Receiving DATA (RFC 9260 §6.2, §6.5, §6.9) and acknowledging it: the
 * receive window, the TSN map, reassembly, and when a SACK goes out —
 * delayed (every sack_freq packets or sack_delay), or at once on gaps,
 * duplicates, the I bit (RFC 7053) and window updates. */
#include "core/internal.h"
#include "wire/cause.h"
#include "wire/serial.h"

/* What we advertise: the buffer less what is held for the user (§6.2). */
static uint32_t a_rwnd(const tern_ep *ep, const tern_assoc *a)
{
    size_t held = tern_reasm_bytes(&a->reasm);
    (void)ep;
    return held >= a->cfg.rwnd ? 0 : a->cfg.rwnd - (uint32_t)held;
}

static void owe_sack(tern_ep *ep, tern_assoc *a)
{
    tern_assoc_want_output(ep, a, TERN_SEND_SACK);
}

/* §6.2: a chunk that does not fit the window is dropped, unless it fills
 * a hole below the highest TSN received (then it frees nothing but must
 * not be refused, or the peer could never advance). */
static bool window_refuses(const tern_ep *ep, const tern_assoc *a, const tern_data *d)
{
    (void)ep;
    if (tern_reasm_bytes(&a->reasm) + d->payload.len <= a->cfg.rwnd) return false;
    return tern_sn32_gt(d->tsn, tern_tsn_map_highest(&a->rmap));
}

bool tern_handle_data(tern_ep *ep, tern_assoc *a, const tern_chunk_raw *raw, const tern_path *path,
                      tern_time now)
{
    (void)now;
    if (!tern_data_flowing(a) || a->state == TERN_STATE_SHUTDOWN_RECEIVED ||
        a->state == TERN_STATE_SHUTDOWN_ACK_SENT) { /* §9.2: no new data from the peer */
        tern_ep_drop(ep, a, TERN_DROP_STATE);
        return true;
    }
    tern_data d;
    int rc = tern_data_decode(raw, &d);
    if (rc == TERN_EWIRE_NO_USER_DATA) { /* §6.2: ABORT with No User Data */
        uint8_t tsn[4];
        tern_store32(tsn, d.tsn);
        tern_abort_assoc(ep, a, TERN_CAUSE_NO_USER_DATA, tsn, sizeof tsn, TERN_EV_COMM_LOST);
        return false;
    }
    if (rc) {
        tern_ep_drop(ep, a, TERN_DROP_MALFORMED);
        return true;
    }
    if (d.flags & TERN_DATA_FLAG_I) owe_sack(ep, a); /* RFC 7053 */
    if (window_refuses(ep, a, &d)) {
        tern_ep_drop(ep, a, TERN_DROP_STATE);
        owe_sack(ep, a); /* tell the peer our window */
        return true;
    }
    switch (tern_tsn_map_add(&a->rmap, d.tsn)) {
    case TERN_TSN_BEYOND_WINDOW: tern_ep_drop(ep, a, TERN_DROP_STATE); return true;
    case TERN_TSN_DUPLICATE: /* §6.2: reported, and acknowledged at once */
        a->stats.dup_tsns_in++;
        owe_sack(ep, a);
        return true;
    case TERN_TSN_NEW: break;
    }
    rc = tern_reasm_add_data(&a->reasm, &d);
    if (rc == TERN_ERANGE) { /* §6.5: acknowledged, reported, dropped */
        uint8_t cause[4];
        tern_store16(cause, d.stream);
        tern_store16(cause + 2, 0);
        tern_send_error(ep, a, path, TERN_CAUSE_INVALID_STREAM, cause, sizeof cause);
        return true;
    }
    if (rc == TERN_ENOMEM) { /* the TSN is taken but its data cannot be kept */
        tern_abort_assoc(ep, a, TERN_CAUSE_OUT_OF_RESOURCE, NULL, 0, TERN_EV_COMM_LOST);
        return false;
    }
    if (rc) { /* contradicts what was received before: a broken or hostile peer */
        static const char why[] = "DATA chunk contradicts an earlier one";
        tern_abort_assoc(ep, a, TERN_CAUSE_PROTOCOL_VIOLATION, why, sizeof why - 1,
                         TERN_EV_COMM_LOST);
        return false;
    }
    if (tern_reasm_has_ready(&a->reasm)) tern_readable_add(ep, a);
    return true;
}

/* §6.2: at once with gaps or duplicates; otherwise every sack_freq-th
 * packet, or when the delayed-SACK timer fires. In SHUTDOWN-SENT each
 * packet with DATA is answered with a SHUTDOWN (§9.2). */
void tern_data_packet_done(tern_ep *ep, tern_assoc *a, unsigned from, tern_time now)
{
    if (!tern_data_flowing(a)) return;
    /* §6.4: the SACK goes back to where the DATA came from (§5.4: an
     * UNCONFIRMED address gets none: then tern_assoc_current). */
    a->sack_path = from < a->num_paths && a->paths[from].state != TERN_PATH_UNCONFIRMED
                       ? (uint8_t)from
                       : TERN_MAX_PATHS;
    a->data_packets++;
    a->last_data_at = now; /* autoclose */
    if (a->state == TERN_STATE_SHUTDOWN_SENT) {
        tern_assoc_want_output(ep, a, TERN_SEND_SHUTDOWN);
        tern_shutdown_peer_packet(ep, a, now); /* restarts T2 and its count */
        if (tern_tsn_map_has_gaps(&a->rmap) || a->rmap.num_dups) owe_sack(ep, a);
    } else if (tern_tsn_map_has_gaps(&a->rmap) || a->rmap.num_dups || a->cfg.sack_delay == 0 ||
               a->data_packets >= a->cfg.sack_freq) {
        owe_sack(ep, a);
    } else if (a->timer[TERN_TSACK] == TERN_TIME_NEVER) {
        a->timer[TERN_TSACK] = now + a->cfg.sack_delay;
    }
    tern_assoc_timers_changed(ep, a);
}

bool tern_tsack_expired(tern_ep *ep, tern_assoc *a, tern_time now)
{
    (void)now;
    a->timer[TERN_TSACK] = TERN_TIME_NEVER;
    owe_sack(ep, a);
    return true;
}

bool tern_sack_put_owed(tern_ep *ep, tern_assoc *a, tern_wbuf *w, bool ride_along)
{
    if (!tern_data_flowing(a)) return false;
    bool owed = a->pending & TERN_SEND_SACK;
    if (!owed && !(ride_along && a->timer[TERN_TSACK] != TERN_TIME_NEVER)) return false;
    size_t room = w->cap > w->len ? w->cap - w->len : 0;
    uint16_t ngaps = 0, ndups = 0;
    if (tern_tsn_map_sack_fit(&a->rmap, room, &ngaps, &ndups) != 0) return false;
    tern_gap_block gaps[64];
    if (ngaps > 64) ngaps = 64;
    ngaps = (uint16_t)tern_tsn_map_gap_blocks(&a->rmap, gaps, ngaps);
    uint16_t have = 0;
    const uint32_t *dups = tern_tsn_map_dups(&a->rmap, &have);
    if (ndups > have) ndups = have;
    uint32_t wnd = a_rwnd(ep, a);
    if (tern_sack_put(w, tern_tsn_map_cum_ack(&a->rmap), wnd, gaps, ngaps, dups, ndups) != 0)
        return false;
    tern_tsn_map_sack_sent(&a->rmap);
    a->last_a_rwnd = wnd;
    a->data_packets = 0;
    a->pending &= ~(unsigned)TERN_SEND_SACK;
    a->timer[TERN_TSACK] = TERN_TIME_NEVER;
    tern_assoc_timers_changed(ep, a);
    a->stats.sacks_out++;
    return true;
}

/* §6.2 (and the receiver side of silly window avoidance): after the user
 * read, tell the peer once the window grew, since we last advertised it, by
 * a sixteenth of the buffer or a full packet, whichever is more (Linux's
 * step), but never more than half the buffer. A smaller step costs one
 * SACK per packet read: with 1 KiB messages on a 1,500-byte path the
 * receiver spent most of its time sending window updates the SACKs of the
 * data would have carried anyway. */
void tern_data_window_update(tern_ep *ep, tern_assoc *a)
{
    uint32_t now_wnd = a_rwnd(ep, a);
    uint32_t step = tern_primary(a)->pmtu;
    if (step < a->cfg.rwnd / 16) step = a->cfg.rwnd / 16;
    if (step > a->cfg.rwnd / 2) step = a->cfg.rwnd / 2;
    if (now_wnd >= a->last_a_rwnd + step) owe_sack(ep, a);
}
