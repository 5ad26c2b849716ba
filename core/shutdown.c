/* Termination (RFC 9260 §9): ABORT received (§9.1) and sent, and the
 * graceful SHUTDOWN → SHUTDOWN ACK → SHUTDOWN COMPLETE exchange (§9.2) with
 * T2-shutdown and T5-shutdown-guard, and autoclose (RFC 6458 §8.1.8). The
 * dispatcher has already applied the tag rules of §8.5.1 B and C. */
#include "core/internal.h"
#include "wire/cause.h"

void tern_abort_assoc(tern_ep *ep, tern_assoc *a, uint16_t cause, const void *info, size_t info_len,
                      enum tern_event_type ev)
{
    tern_send_abort(ep, &tern_assoc_current(a)->path, ep->cfg.port, a->peer_port, a->peer_vtag,
                    false, cause, info, info_len);
    tern_assoc_end(ep, a, ev, cause);
}

/* §9.1: the association ends; the user learns the peer's first cause. */
void tern_handle_abort(tern_ep *ep, tern_assoc *a, const tern_chunk_raw *raw)
{
    tern_causes c;
    uint16_t code = 0;
    if (tern_causes_decode(raw, &c) == 0 && c.causes.len >= 4) code = tern_load16(c.causes.ptr);
    tern_assoc_end(
        ep, a, a->state >= TERN_STATE_ESTABLISHED ? TERN_EV_COMM_LOST : TERN_EV_CANT_START, code);
}

/* Sends SHUTDOWN or SHUTDOWN ACK (not both) under a fresh T2; §8.3:
 * heartbeats stop once either is sent. */
static void start_t2(tern_ep *ep, tern_assoc *a, tern_time now, unsigned what)
{
    for (unsigned i = 0; i < a->num_paths; i++) {
        tern_dest *d = &a->paths[i];
        d->hb_deadline = TERN_TIME_NEVER;
        d->hb_outstanding = d->hb_pending_send = false;
    }
    a->pending &= ~(unsigned)(TERN_SEND_SHUTDOWN | TERN_SEND_SHUTDOWN_ACK);
    a->shutdown_retransmits = 0;
    tern_assoc_set_timer(ep, a, TERN_T2, now + tern_assoc_current(a)->rto);
    tern_assoc_want_output(ep, a, what);
}

/* §9.2: SHUTDOWN-PENDING and SHUTDOWN-RECEIVED wait until every queued
 * and outstanding DATA chunk is acknowledged. */
void tern_shutdown_progress(tern_ep *ep, tern_assoc *a, tern_time now)
{
    if (tern_data_outstanding(a)) return;
    if (a->state == TERN_STATE_SHUTDOWN_PENDING) {
        a->state = TERN_STATE_SHUTDOWN_SENT;
        start_t2(ep, a, now, TERN_SEND_SHUTDOWN);
        tern_time guard = a->cfg.shutdown_guard ? a->cfg.shutdown_guard : 5 * a->cfg.rto_max;
        tern_assoc_set_timer(ep, a, TERN_T5, now + guard);
    } else if (a->state == TERN_STATE_SHUTDOWN_RECEIVED) {
        a->state = TERN_STATE_SHUTDOWN_ACK_SENT;
        start_t2(ep, a, now, TERN_SEND_SHUTDOWN_ACK);
    }
}

/* RFC 6458 §8.1.8: the timer is armed from the last DATA; DATA moving
 * meanwhile does not touch it (no heap work per packet): when it fires
 * early it is re-armed from last_data_at. */
void tern_autoclose_arm(tern_ep *ep, tern_assoc *a)
{
    (void)ep;
    bool on = a->state == TERN_STATE_ESTABLISHED && a->cfg.autoclose;
    a->timer[TERN_TAUTOCLOSE] =
        on ? tern_time_add(a->last_data_at, a->cfg.autoclose) : TERN_TIME_NEVER;
}

bool tern_autoclose_expired(tern_ep *ep, tern_assoc *a, tern_time now)
{
    tern_autoclose_arm(ep, a);
    if (a->timer[TERN_TAUTOCLOSE] > now) return true; /* not idle that long, or off */
    a->timer[TERN_TAUTOCLOSE] = TERN_TIME_NEVER;
    a->state = TERN_STATE_SHUTDOWN_PENDING; /* §9.2, as tern_ep_shutdown */
    tern_shutdown_progress(ep, a, now);
    return true;
}

void tern_handle_shutdown(tern_ep *ep, tern_assoc *a, const tern_chunk_raw *raw, tern_time now)
{
    tern_shutdown s;
    if (tern_shutdown_decode(raw, &s) != 0) {
        tern_ep_drop(ep, a, TERN_DROP_MALFORMED);
        return;
    }
    if (a->state >= TERN_STATE_ESTABLISHED) /* §9.2: its cum TSN ack acknowledges data */
        tern_data_shutdown_ack_point(ep, a, s.cum_tsn_ack, now);
    switch (a->state) {
    case TERN_STATE_ESTABLISHED:
    case TERN_STATE_SHUTDOWN_PENDING:
        a->state = TERN_STATE_SHUTDOWN_RECEIVED;
        tern_ep_event(ep, TERN_EV_SHUTDOWN_RECEIVED, a, 0);
        tern_shutdown_progress(ep, a, now);
        return;
    case TERN_STATE_SHUTDOWN_SENT: /* both closed at once: ack at once */
        a->state = TERN_STATE_SHUTDOWN_ACK_SENT;
        tern_ep_event(ep, TERN_EV_SHUTDOWN_RECEIVED, a, 0);
        start_t2(ep, a, now, TERN_SEND_SHUTDOWN_ACK);
        return;
    case TERN_STATE_SHUTDOWN_RECEIVED: return; /* a retransmission; still waiting */
    case TERN_STATE_SHUTDOWN_ACK_SENT:
        tern_assoc_want_output(ep, a, TERN_SEND_SHUTDOWN_ACK); /* ours was lost */
        return;
    default: tern_ep_drop(ep, a, TERN_DROP_STATE); /* COOKIE-WAIT/-ECHOED: discard */
    }
}

bool tern_handle_shutdown_ack(tern_ep *ep, tern_assoc *a, tern_time now)
{
    (void)now;
    if (a->state != TERN_STATE_SHUTDOWN_SENT && a->state != TERN_STATE_SHUTDOWN_ACK_SENT) {
        tern_ep_drop(ep, a, TERN_DROP_STATE);
        return true;
    }
    /* §8.5.1 C: we have a TCB, so the peer's tag and no T bit. */
    tern_send_shutdown_complete(ep, &tern_assoc_current(a)->path, ep->cfg.port, a->peer_port,
                                a->peer_vtag, false);
    tern_assoc_end(ep, a, TERN_EV_SHUTDOWN_COMPLETE, 0);
    return false;
}

bool tern_handle_shutdown_complete(tern_ep *ep, tern_assoc *a)
{
    if (a->state != TERN_STATE_SHUTDOWN_ACK_SENT) { /* §8.5.1 C: ignore */
        tern_ep_drop(ep, a, TERN_DROP_STATE);
        return true;
    }
    tern_assoc_end(ep, a, TERN_EV_SHUTDOWN_COMPLETE, 0);
    return false;
}

/* §9.2: resend SHUTDOWN or SHUTDOWN ACK with a backed-off RTO, at most
 * Association.Max.Retrans times; then the peer is unreachable. */
bool tern_t2_expired(tern_ep *ep, tern_assoc *a, tern_time now)
{
    a->stats.t2_expired++;
    if (a->shutdown_retransmits >= a->cfg.assoc_max_retrans) {
        tern_assoc_end(ep, a, TERN_EV_COMM_LOST, 0);
        return false;
    }
    a->shutdown_retransmits++;
    tern_dest *d = tern_assoc_current(a);
    tern_dest_backoff(ep, d);
    a->timer[TERN_T2] = now + d->rto;
    tern_assoc_want_output(
        ep, a, a->state == TERN_STATE_SHUTDOWN_SENT ? TERN_SEND_SHUTDOWN : TERN_SEND_SHUTDOWN_ACK);
    return true;
}

/* §9.2: the whole shutdown took too long: ABORT. */
bool tern_t5_expired(tern_ep *ep, tern_assoc *a)
{
    a->stats.t5_expired++;
    tern_abort_assoc(ep, a, 0, NULL, 0, TERN_EV_COMM_LOST);
    return false;
}

void tern_shutdown_peer_packet(tern_ep *ep, tern_assoc *a, tern_time now)
{
    if (a->state != TERN_STATE_SHUTDOWN_SENT) return;
    a->shutdown_retransmits = 0;
    tern_assoc_set_timer(ep, a, TERN_T2, now + tern_assoc_current(a)->rto);
}
