/* Association setup, RFC 9260 §5.1: INIT → INIT ACK (stateless: the state
 * travels in an HMAC-signed cookie) → COOKIE ECHO → COOKIE ACK, with T1-init
 * and T1-cookie retransmission; INIT for an existing association (§5.2.1,
 * §5.2.2, §9.2), unexpected INIT ACK (§5.2.3) and COOKIE ACK (§5.2.5), and
 * the Stale Cookie error (§5.2.6). COOKIE ECHO is in cookie_echo.c. */
#include <string.h>

#include "core/internal.h"
#include "wire/cause.h"
#include "wire/param.h"

static uint16_t min16(uint16_t a, uint16_t b)
{
    return a < b ? a : b;
}

static void put_addr(uint8_t *p, const tern_addr *a)
{
    p[0] = a->family;
    memcpy(p + 1, a->ip, 16);
}

/* What goes into our INIT ACK and its cookie besides the peer's INIT. */
typedef struct init_ack_plan {
    uint32_t local_vtag, local_tsn;
    uint32_t local_tie, peer_tie;
} init_ack_plan;

/* §3.3.2: a zero tag is dropped silently; zero stream counts or a window
 * below 1500 get an ABORT with the INIT's tag. */
static bool init_fields_ok(tern_ep *ep, tern_assoc *a, const tern_path *path,
                           const tern_common_header *h, const tern_init *init)
{
    if (init->initiate_tag == 0) {
        tern_ep_drop(ep, a, TERN_DROP_MALFORMED);
        return false;
    }
    if (init->num_outbound_streams == 0 || init->num_inbound_streams == 0 || init->a_rwnd < 1500) {
        tern_ep_drop(ep, a, TERN_DROP_MALFORMED);
        tern_send_abort(ep, path, h->dst_port, h->src_port, init->initiate_tag, false,
                        TERN_CAUSE_INVALID_PARAM, NULL, 0);
        return false;
    }
    return true;
}

/* §5.2.1, §5.2.2: an INIT that lists an address the association does not
 * have is refused with "Restart of an Association with New Addresses",
 * listing them. Returns true when it did so. */
static bool refuse_new_addresses(tern_ep *ep, tern_assoc *a, const tern_path *path,
                                 const tern_common_header *h, const tern_init *init,
                                 const tern_init_scan *scan)
{
    uint8_t buf[TERN_MAX_PATHS * 20 + 20];
    tern_wbuf w;
    tern_wbuf_init(&w, buf, sizeof buf);
    const tern_addr *src = &path->remote;
    if (!tern_assoc_find_path(a, src)) tern_addr_param_put(&w, src);
    for (unsigned i = 0; i < scan->num_addrs; i++) {
        const tern_addr *x = &scan->addrs[i];
        if (!tern_assoc_find_path(a, x) && !tern_addr_equal(x, src)) tern_addr_param_put(&w, x);
    }
    if (w.len == 0) return false;
    tern_ep_drop(ep, a, TERN_DROP_STATE);
    tern_send_abort(ep, path, h->dst_port, h->src_port, init->initiate_tag, false,
                    TERN_CAUSE_RESTART_NEW_ADDRS, buf, w.err ? 0 : w.len);
    return true;
}

static void populate_tie_tags(tern_ep *ep, tern_assoc *a)
{
    while (a->local_tie_tag == 0)
        a->local_tie_tag = tern_ep_random32(ep);
    while (a->peer_tie_tag == 0)
        a->peer_tie_tag = tern_ep_random32(ep);
}

/* §5.1 B, §5.1.3: the INIT ACK with its signed cookie, sent to the INIT's
 * source. Nothing is allocated. */
static void send_init_ack(tern_ep *ep, const tern_path *path, const tern_common_header *h,
                          const tern_init *init, const init_ack_plan *plan,
                          const tern_init_scan *scan, tern_bytes unrecognized, tern_time now)
{
    if (init->params.len > CK_MAX_INIT_PARAMS) { /* no room for them in a cookie */
        tern_send_abort(ep, path, h->dst_port, h->src_port, init->initiate_tag, false,
                        TERN_CAUSE_OUT_OF_RESOURCE, NULL, 0);
        return;
    }
    uint8_t payload[CK_FIXED_LEN + CK_MAX_INIT_PARAMS];
    memset(payload, 0, CK_FIXED_LEN);
    tern_store32(payload + CK_LOCAL_VTAG, plan->local_vtag);
    tern_store32(payload + CK_PEER_VTAG, init->initiate_tag);
    tern_store32(payload + CK_LOCAL_TIE, plan->local_tie);
    tern_store32(payload + CK_PEER_TIE, plan->peer_tie);
    tern_store32(payload + CK_LOCAL_TSN, plan->local_tsn);
    tern_store32(payload + CK_PEER_TSN, init->initial_tsn);
    tern_store32(payload + CK_PEER_RWND, init->a_rwnd);
    /* §5.1.1: each direction gets the smaller of what is asked and allowed. */
    tern_store16(payload + CK_OS, min16(ep->cfg.outbound_streams, init->num_inbound_streams));
    tern_store16(payload + CK_IS, min16(init->num_outbound_streams, ep->cfg.max_inbound_streams));
    tern_store16(payload + CK_PEER_PORT, h->src_port);
    tern_store16(payload + CK_ENCAPS_PORT, path->encaps_port);
    put_addr(payload + CK_REMOTE, &path->remote);
    put_addr(payload + CK_LOCAL, &path->local);
    memcpy(payload + CK_FIXED_LEN, init->params.ptr, init->params.len);

    /* §5.1.3 and the Cookie Preservative (§3.3.2.1): extend the life by what
     * the peer asks, at most by one more lifetime. */
    tern_ep_rotate_if_due(ep, now);
    tern_time life = ep->cfg.valid_cookie_life;
    tern_time extra = TERN_MSEC(scan->cookie_preservative_ms);
    life += extra < ep->cfg.valid_cookie_life ? extra : ep->cfg.valid_cookie_life;

    tern_wbuf w;
    tern_ctrl_slot *slot =
        tern_ctrl_push(ep, path, &w, ep->cfg.port, h->src_port, init->initiate_tag);
    if (!slot) return;
    size_t chunk = tern_wbuf_chunk_begin(&w, TERN_CHUNK_INIT_ACK, 0);
    tern_wbuf_put_u32(&w, plan->local_vtag);
    tern_wbuf_put_u32(&w, ep->cfg.rwnd);
    tern_wbuf_put_u16(&w, ep->cfg.outbound_streams);
    tern_wbuf_put_u16(&w, ep->cfg.max_inbound_streams);
    tern_wbuf_put_u32(&w, plan->local_tsn);
    tern_assoc_cfg ours;
    tern_assoc_cfg_init(&ours, &ep->cfg);
    tern_init_params_put(&ours, &w, 0, &path->remote, tern_init_peer_types(scan, &path->remote));
    size_t ck = tern_wbuf_tlv_begin(&w, TERN_PARAM_STATE_COOKIE);
    long clen =
        w.err ? -1
              : tern_cookie_make(&ep->keys, now, life, payload, CK_FIXED_LEN + init->params.len,
                                 w.buf + w.len, w.cap - w.len);
    if (clen < 0 || !tern_wbuf_reserve(&w, (size_t)clen)) {
        w.err = TERN_ENOSPC;
        tern_ctrl_commit(ep, slot, &w); /* counts the drop */
        return;
    }
    tern_wbuf_tlv_end(&w, ck);
    if (!ep->cfg.omit_init_params)
        tern_wbuf_put(&w, unrecognized.ptr, unrecognized.len); /* §3.3.3: whole TLVs */
    tern_wbuf_chunk_end(&w, chunk);
    tern_ctrl_commit(ep, slot, &w);
}

void tern_handle_init(tern_ep *ep, tern_assoc *a, const tern_path *path,
                      const tern_common_header *h, const tern_chunk_raw *raw, tern_time now)
{
    tern_init init;
    if (tern_init_decode(raw, &init) != 0) {
        tern_ep_drop(ep, a, TERN_DROP_MALFORMED);
        return;
    }
    if (!init_fields_ok(ep, a, path, h, &init)) return;
    if (ep->cfg.closed_port) { /* §8.4 item 3: nobody listens on this port */
        tern_ep_drop(ep, NULL, TERN_DROP_OOTB);
        if (!ep->cfg.blackhole)
            tern_send_abort(ep, path, h->dst_port, h->src_port, init.initiate_tag, false, 0, NULL,
                            0);
        return;
    }
    uint8_t unrec_buf[512];
    tern_wbuf unrec;
    tern_wbuf_init(&unrec, unrec_buf, sizeof unrec_buf);
    tern_init_scan scan;
    tern_init_params_scan(init.params, &scan, &unrec);
    if (scan.host_name) { /* §5.1.2: Tern resolves no names */
        tern_send_abort(ep, path, h->dst_port, h->src_port, init.initiate_tag, false,
                        TERN_CAUSE_UNRESOLVABLE_ADDR, scan.host_name_tlv.start,
                        scan.host_name_tlv.length);
        return;
    }
    init_ack_plan plan = {0};
    if (!a) { /* §5.1 B: the normal case; tie-tags 0 (§5.2.2) */
        plan.local_vtag = tern_ep_new_vtag(ep);
        plan.local_tsn = tern_ep_random32(ep);
    } else {
        switch (a->state) {
        case TERN_STATE_SHUTDOWN_ACK_SENT: /* §9.2: discard, resend SHUTDOWN ACK */
            tern_ep_drop(ep, a, TERN_DROP_STATE);
            tern_assoc_want_output(ep, a, TERN_SEND_SHUTDOWN_ACK);
            return;
        case TERN_STATE_COOKIE_WAIT: /* §5.2.1: our INIT's tag and TSN, no tie-tags */
            plan.local_vtag = a->local_vtag;
            plan.local_tsn = a->local_initial_tsn;
            break;
        case TERN_STATE_COOKIE_ECHOED: /* §5.2.1: the same, tie-tags populated */
            if (refuse_new_addresses(ep, a, path, h, &init, &scan)) return;
            populate_tie_tags(ep, a);
            plan = (init_ack_plan){a->local_vtag, a->local_initial_tsn, a->local_tie_tag,
                                   a->peer_tie_tag};
            break;
        default: /* §5.2.2: a new tag, our tie-tags; the TCB is not touched */
            if (refuse_new_addresses(ep, a, path, h, &init, &scan)) return;
            populate_tie_tags(ep, a);
            plan = (init_ack_plan){tern_ep_new_vtag(ep), tern_ep_random32(ep), a->local_tie_tag,
                                   a->peer_tie_tag};
            break;
        }
    }
    send_init_ack(ep, path, h, &init, &plan, &scan,
                  (tern_bytes){unrec_buf, unrec.err ? 0 : unrec.len}, now);
}

/* Our INIT (or a retransmission): T1-init runs from now (§5.1 A). */
void tern_send_init(tern_ep *ep, tern_assoc *a, tern_time now)
{
    a->t1_started = now;
    tern_assoc_set_timer(ep, a, TERN_T1, now + tern_primary(a)->rto);
    tern_assoc_want_output(ep, a, TERN_SEND_INIT);
}

/* Queued DATA goes with the COOKIE ECHO as far as it fits (§5.1 C). */
static void start_t1_cookie(tern_ep *ep, tern_assoc *a, tern_time now)
{
    a->t1_started = now;
    tern_assoc_set_timer(ep, a, TERN_T1, now + tern_primary(a)->rto);
    tern_assoc_want_output(ep, a,
                           TERN_SEND_COOKIE_ECHO | (tern_data_outstanding(a) ? TERN_SEND_DATA : 0));
}

/* Keeps the cookie to echo, and the INIT ACK parameters to report with it. */
static bool keep_cookie(tern_ep *ep, tern_assoc *a, tern_tlv cookie, const tern_wbuf *unrec)
{
    uint8_t *c = tern_ep_alloc(ep, cookie.value.len);
    if (!c) return false;
    memcpy(c, cookie.value.ptr, cookie.value.len);
    tern_ep_dealloc(ep, a->cookie, a->cookie_len);
    a->cookie = c;
    a->cookie_len = cookie.value.len;
    if (unrec->len && !a->unrecognized) {
        a->unrecognized = tern_ep_alloc(ep, TERN_MAX_UNRECOGNIZED);
        if (a->unrecognized) {
            /* §3.3.10.8: the cause carries the parameters themselves (what
             * the scan wrapped), the last one's padding left to the chunk. */
            tern_tlv_iter ui;
            tern_tlv ut;
            size_t n = 0, end = 0;
            tern_tlv_iter_init(&ui, unrec->buf, unrec->len);
            while (tern_tlv_next(&ui, &ut) > 0) {
                memcpy(a->unrecognized + n, ut.value.ptr, ut.value.len);
                end = n + tern_load16(ut.value.ptr + 2);
                n += ut.value.len;
            }
            a->unrecognized_len = end;
        }
    }
    return true;
}

static bool find_cookie(tern_bytes params, tern_tlv *cookie)
{
    tern_tlv_iter it;
    tern_tlv tlv;
    tern_tlv_iter_init_bytes(&it, params);
    while (tern_tlv_next(&it, &tlv) > 0)
        if (tlv.type == TERN_PARAM_STATE_COOKIE && tlv.value.len > 0) {
            *cookie = tlv;
            return true;
        }
    return false;
}

/* §5.1 C: in COOKIE-WAIT, take the peer's parameters and echo its cookie. */
bool tern_handle_init_ack(tern_ep *ep, tern_assoc *a, const tern_chunk_raw *raw,
                          const tern_path *path, tern_time now)
{
    if (a->state != TERN_STATE_COOKIE_WAIT) { /* §5.2.3 */
        tern_ep_drop(ep, a, TERN_DROP_STATE);
        return true;
    }
    tern_init ack;
    if (tern_init_decode(raw, &ack) != 0) {
        tern_ep_drop(ep, a, TERN_DROP_MALFORMED);
        return true;
    }
    tern_dest *p = tern_primary(a);
    if (ack.initiate_tag == 0) { /* §3.3.3: destroy the TCB */
        tern_ep_drop(ep, a, TERN_DROP_MALFORMED);
        tern_assoc_end(ep, a, TERN_EV_CANT_START, TERN_CAUSE_INVALID_PARAM);
        return false;
    }
    if (ack.num_outbound_streams == 0 || ack.num_inbound_streams == 0 || ack.a_rwnd < 1500) {
        /* §3.3.3: discard, ABORT, leave the association as it is. */
        tern_ep_drop(ep, a, TERN_DROP_MALFORMED);
        tern_send_abort(ep, &p->path, ep->cfg.port, a->peer_port, ack.initiate_tag, false,
                        TERN_CAUSE_INVALID_PARAM, NULL, 0);
        return true;
    }
    uint8_t unrec_buf[TERN_MAX_UNRECOGNIZED];
    tern_wbuf unrec;
    tern_wbuf_init(&unrec, unrec_buf, sizeof unrec_buf);
    tern_init_scan scan;
    tern_init_params_scan(ack.params, &scan, &unrec);
    tern_tlv cookie;
    if (!find_cookie(ack.params, &cookie)) { /* mandatory (§3.3.3) */
        uint8_t cause[6];
        tern_store32(cause, 1);
        tern_store16(cause + 4, TERN_PARAM_STATE_COOKIE);
        tern_ep_drop(ep, a, TERN_DROP_MALFORMED);
        tern_send_abort(ep, &p->path, ep->cfg.port, a->peer_port, ack.initiate_tag, false,
                        TERN_CAUSE_MISSING_PARAM, cause, sizeof cause);
        tern_assoc_end(ep, a, TERN_EV_CANT_START, TERN_CAUSE_MISSING_PARAM);
        return false;
    }
    if (scan.host_name) {
        tern_send_abort(ep, &p->path, ep->cfg.port, a->peer_port, ack.initiate_tag, false,
                        TERN_CAUSE_UNRESOLVABLE_ADDR, scan.host_name_tlv.start,
                        scan.host_name_tlv.length);
        tern_assoc_end(ep, a, TERN_EV_CANT_START, TERN_CAUSE_UNRESOLVABLE_ADDR);
        return false;
    }
    if (!keep_cookie(ep, a, cookie, &unrec)) return true; /* T1 will resend the INIT */
    if (a->init_retransmits == 0) tern_dest_rtt_sample(ep, p, now - a->t1_started); /* Karn */
    a->peer_vtag = ack.initiate_tag;
    a->peer_initial_tsn = ack.initial_tsn;
    a->peer_rwnd = ack.a_rwnd;
    a->outbound_streams = min16(a->cfg.outbound_streams, ack.num_inbound_streams);
    a->inbound_streams = min16(a->cfg.max_inbound_streams, ack.num_outbound_streams);
    tern_assoc_take_init_params(ep, a, &scan);
    /* §5.1.2 rule 3: the INIT ACK's source is an address of the peer too
     * (UNCONFIRMED, §5.4, unless it is the one we sent the INIT to). */
    tern_assoc_add_path(ep, a, &path->remote, path);
    tern_data_handshake(ep, a, now); /* what was queued in COOKIE-WAIT */
    a->state = TERN_STATE_COOKIE_ECHOED;
    a->pending &= ~(unsigned)TERN_SEND_INIT;
    /* §5.2.6, §5.1 A: INITs sent after a Stale Cookie error keep counting
     * towards Max.Init.Retransmits, or cookies that always go stale would
     * be retried for ever. */
    if (!a->cookie_preservative_ms) a->init_retransmits = 0;
    a->cookie_preservative_ms = 0;
    start_t1_cookie(ep, a, now);
    return true;
}

/* The handshake is over: T1 and the kept cookie go, heartbeats start. */
void tern_assoc_established(tern_ep *ep, tern_assoc *a, tern_time now)
{
    a->state = TERN_STATE_ESTABLISHED;
    a->pending &= ~(unsigned)(TERN_SEND_INIT | TERN_SEND_COOKIE_ECHO);
    a->timer[TERN_T1] = TERN_TIME_NEVER;
    tern_ep_dealloc(ep, a->cookie, a->cookie_len);
    a->cookie = NULL;
    a->cookie_len = 0;
    tern_ep_dealloc(ep, a->unrecognized, TERN_MAX_UNRECOGNIZED);
    a->unrecognized = NULL;
    a->unrecognized_len = 0;
    tern_hb_start(ep, a, now);
    if (!a->data_up) {
        tern_data_start(ep, a, now); /* on failure (memory) the association carries no data */
    } else { /* set up at connect: what went with the COOKIE ECHO now has T3 (§6.3.2 R1) */
        for (unsigned i = 0; i < a->num_paths; i++)
            if (tern_retransq_path_flight(&a->rq, (uint8_t)i))
                a->paths[i].t3_deadline = now + a->paths[i].rto;
        if (tern_data_outstanding(a)) tern_assoc_want_output(ep, a, TERN_SEND_DATA);
    }
    a->last_data_at = now;
    tern_autoclose_arm(ep, a);
    tern_assoc_timers_changed(ep, a);
}

void tern_assoc_comm_up(tern_ep *ep, tern_assoc *a)
{
    tern_ep_event(ep, TERN_EV_COMM_UP, a, 0);
    if (!a->peer_adaptation_on) return;
    tern_event *ev = tern_ep_event_slot(ep, TERN_EV_ADAPTATION_INDICATION, a, 0);
    if (ev) ev->adaptation_ind = a->peer_adaptation;
}

/* §5.1 E; §5.2.5: anywhere but COOKIE-ECHOED it is discarded. */
void tern_handle_cookie_ack(tern_ep *ep, tern_assoc *a, tern_time now)
{
    if (a->state != TERN_STATE_COOKIE_ECHOED) {
        tern_ep_drop(ep, a, TERN_DROP_STATE);
        return;
    }
    if (a->init_retransmits == 0) /* Karn's rule */
        tern_dest_rtt_sample(ep, tern_primary(a), now - a->t1_started);
    tern_primary(a)->state = TERN_PATH_ACTIVE;
    tern_assoc_established(ep, a, now);
    tern_assoc_comm_up(ep, a);
}

/* §5.2.6 alternative 3: a new INIT asking for a longer cookie life: the
 * measured round trip plus how late the cookie was (at most 1 s more than
 * the round trip is what the RFC allows; lateness is below that here). */
bool tern_handle_stale_cookie(tern_ep *ep, tern_assoc *a, uint32_t staleness_us, tern_time now)
{
    if (a->state != TERN_STATE_COOKIE_ECHOED) {
        tern_ep_drop(ep, a, TERN_DROP_STATE);
        return true;
    }
    if (a->init_retransmits >= a->cfg.max_init_retransmits) {
        tern_assoc_end(ep, a, TERN_EV_CANT_START, TERN_CAUSE_STALE_COOKIE);
        return false;
    }
    a->init_retransmits++;
    uint64_t rtt_ms = (now - a->t1_started) / TERN_MSEC(1);
    uint64_t late_ms = staleness_us / 1000u + 1;
    if (late_ms > 1000) late_ms = 1000;
    uint64_t ms = rtt_ms + late_ms;
    a->cookie_preservative_ms = ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
    a->state = TERN_STATE_COOKIE_WAIT;
    a->peer_vtag = 0; /* unknown again until the next INIT ACK */
    a->pending &= ~(unsigned)(TERN_SEND_COOKIE_ECHO | TERN_SEND_DATA);
    tern_data_cookie_lost(ep, a); /* its DATA goes again with the next COOKIE ECHO */
    tern_send_init(ep, a, now);
    return true;
}

/* §5.1 A, C: T1 expired: retransmit with a doubled RTO (§6.3.3), or give
 * up after Max.Init.Retransmits retransmissions. */
bool tern_t1_expired(tern_ep *ep, tern_assoc *a, tern_time now)
{
    a->stats.t1_expired++;
    if (a->init_retransmits >= a->cfg.max_init_retransmits) {
        tern_assoc_end(ep, a, TERN_EV_CANT_START, 0);
        return false;
    }
    a->init_retransmits++;
    tern_dest *d = tern_primary(a);
    tern_dest_backoff(ep, d);
    tern_time cap = a->cfg.init_rto_max < a->cfg.rto_min ? a->cfg.rto_min : a->cfg.init_rto_max;
    if (a->cfg.init_rto_max && d->rto > cap) d->rto = cap; /* RFC 6458 sinit_max_init_timeo */
    if (a->state == TERN_STATE_COOKIE_WAIT) {
        tern_send_init(ep, a, now);
    } else { /* §5.1 C: the DATA sent with it rides along again */
        tern_data_cookie_lost(ep, a);
        start_t1_cookie(ep, a, now);
    }
    return true;
}
