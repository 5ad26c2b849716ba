/* Packet output: stateless answers first, then each association with
 * something to send. Control chunks for the primary path are bundled into
 * one packet (§6.10); INIT goes alone; heartbeats go to their own path. */
#include <string.h>

#include "core/internal.h"
#include "wire/cause.h"

/* Counts a packet and its chunks: the first len bytes are parsed (the
 * common header and the control chunks), and data_chunks DATA chunks follow
 * them, counted without a parse (64 B messages: a packet holds hundreds). */
static void count_packet_out(tern_ep *ep, const uint8_t *pkt, size_t len, unsigned data_chunks)
{
    tern_common_header h;
    tern_chunk_iter it;
    tern_chunk_raw raw;
    ep->stats.packets_out++;
    uint8_t k = tern_chunk_slot[TERN_CHUNK_DATA];
    if (k) ep->stats.chunks_out.known[k - 1] += data_chunks;
    if (tern_packet_parse(pkt, len, &h, &it) < 0) return;
    while (tern_chunk_next(&it, &raw) > 0)
        tern_ep_count_chunk(ep, &ep->stats.chunks_out, raw.type);
}

/* ctrl_len: the bytes before the packet's DATA chunks (data_chunks of them);
 * to: the path it goes to. */
static size_t finish(tern_ep *ep, tern_assoc *a, tern_dest *to, tern_wbuf *w, unsigned chunks,
                     size_t ctrl_len, unsigned data_chunks)
{
    if (w->err) { /* cannot fit the caller's buffer: nothing is sent */
        tern_ep_drop(ep, a, TERN_DROP_OUTPUT_FULL);
        return 0;
    }
    tern_packet_set_checksum(w->buf, w->len);
    count_packet_out(ep, w->buf, ctrl_len, data_chunks);
    a->stats.packets_out++;
    a->stats.ctrl_chunks_out += chunks;
    to->counters.packets_out++;
    return w->len;
}

/* The control chunks for p (tern_assoc_current), in the order §6.10 allows. */
static unsigned put_control_chunks(tern_ep *ep, tern_assoc *a, tern_dest *p, tern_wbuf *w,
                                   tern_time now)
{
    unsigned n = 0;
    if (a->pending & TERN_SEND_COOKIE_ECHO) {
        tern_cookie_echo_put(w, a->cookie, a->cookie_len);
        a->cookie_bundle = true; /* §5.1 C: queued DATA may follow it */
        n++;
        /* §3.3.3: INIT ACK parameters we do not know (not with
         * omit_init_params: such peers refuse the cause, and the packet) */
        if (a->unrecognized_len && !a->cfg.omit_init_params) {
            uint8_t cbuf[TERN_MAX_UNRECOGNIZED + 8];
            tern_wbuf c;
            tern_wbuf_init(&c, cbuf, sizeof cbuf);
            tern_cause_put_bytes(&c, TERN_CAUSE_UNRECOGNIZED_PARAMS, a->unrecognized,
                                 a->unrecognized_len);
            tern_causes_put(w, TERN_CHUNK_ERROR, 0, (tern_bytes){cbuf, c.len});
            n++;
        }
    }
    if (a->pending & TERN_SEND_COOKIE_ACK) {
        tern_empty_chunk_put(w, TERN_CHUNK_COOKIE_ACK, 0);
        n++;
    }
    if (a->pending & TERN_SEND_SHUTDOWN) {
        tern_shutdown_put(w, tern_data_cum_tsn_ack(a));
        n++;
    }
    if (a->pending & TERN_SEND_SHUTDOWN_ACK) {
        tern_empty_chunk_put(w, TERN_CHUNK_SHUTDOWN_ACK, 0);
        n++;
    }
    if (p->hb_pending_send) {
        tern_hb_put(ep, a, p, w, now);
        n++;
    }
    a->pending &= ~(unsigned)(TERN_SEND_COOKIE_ECHO | TERN_SEND_COOKIE_ACK | TERN_SEND_SHUTDOWN |
                              TERN_SEND_SHUTDOWN_ACK);
    return n;
}

size_t tern_assoc_output(tern_ep *ep, tern_assoc *a, tern_path *path, uint8_t *buf, size_t cap,
                         tern_time now)
{
    tern_wbuf w;
    tern_dest *p = tern_assoc_current(a);
    if (a->timer[TERN_TTTL] <= now) { /* not sent within its ttl: not sent at all */
        tern_data_expire(ep, a, now);
        tern_assoc_timers_changed(ep, a);
    }
    if (a->pending & TERN_SEND_INIT) { /* §6.10: INIT is bundled with nothing */
        a->pending &= ~(unsigned)TERN_SEND_INIT;
        uint8_t params[TERN_MAX_LOCAL_ADDRS * 20 + 16];
        tern_wbuf pw;
        tern_wbuf_init(&pw, params, sizeof params);
        tern_init_params_put(&a->cfg, &pw, a->cookie_preservative_ms, &tern_primary(a)->path.remote,
                             TERN_ADDR_TYPES);
        tern_init init = {a->local_vtag,           a->cfg.rwnd,
                          a->cfg.outbound_streams, a->cfg.max_inbound_streams,
                          a->local_initial_tsn,    {params, pw.len}};
        tern_wbuf_init(&w, buf, cap);
        tern_wbuf_common_header(&w, ep->cfg.port, a->peer_port, 0);
        tern_init_put(&w, TERN_CHUNK_INIT, &init);
        *path = p->path;
        return finish(ep, a, p, &w, 1, w.len, 0);
    }
    tern_wbuf_init(&w, buf, cap);
    tern_wbuf_common_header(&w, ep->cfg.port, a->peer_port, a->peer_vtag);
    unsigned n = put_control_chunks(ep, a, p, &w, now);
    /* §6.10: then SACK and DATA, within the path MTU. DATA may be bound for
     * another destination (§6.4): then it waits for a packet of its own. A
     * SACK alone goes where the DATA it answers came from (§6.4). */
    bool data_possible = a->pending & TERN_SEND_DATA;
    tern_dest *dd = data_possible ? tern_data_next_dest(a) : p;
    if (n && dd != p) data_possible = false;
    tern_dest *to = n ? p : dd;
    if (!n && !data_possible && (a->pending & TERN_SEND_SACK) && a->sack_path < a->num_paths)
        to = &a->paths[a->sack_path];
    size_t limit = tern_dest_packet_limit(to), buf_cap = w.cap;
    if (!w.err && w.len <= limit && limit < w.cap) w.cap = limit;
    unsigned data = 0;
    size_t ctrl_len = w.len;
    if (!w.err) {
        n += tern_sack_put_owed(ep, a, &w, data_possible);
        ctrl_len = w.len;
        size_t data_limit = limit < buf_cap ? limit : buf_cap;
        w.cap = buf_cap; /* an oversize retransmission may pass the limit (§6.9) */
        if (data_possible) data = tern_data_fill(ep, a, to, &w, data_limit, now);
        if (!data && to == dd) a->pending &= ~(unsigned)TERN_SEND_DATA;
    }
    if (a->cookie_bundle) { /* §5.1 C: no other DATA before the COOKIE ACK */
        a->cookie_bundle = false;
        a->pending &= ~(unsigned)TERN_SEND_DATA;
    }
    if (n || data) {
        *path = to->path;
        return finish(ep, a, to, &w, n, ctrl_len, data);
    }
    for (unsigned i = 0; i < a->num_paths; i++) {
        tern_dest *d = &a->paths[i];
        if (!d->hb_pending_send) continue;
        tern_hb_put(ep, a, d, &w, now);
        *path = d->path;
        return finish(ep, a, d, &w, 1, w.len, 0);
    }
    a->pending &= ~(unsigned)TERN_SEND_HEARTBEAT;
    return 0;
}

TERN_EXPORT bool tern_ep_has_work(const tern_ep *ep)
{
    return ep && (ep->ctrl_len || ep->pending_head || ep->ev_len);
}

TERN_EXPORT long tern_ep_output(tern_ep *ep, tern_path *path, uint8_t *buf, size_t cap,
                                tern_time now)
{
    if (!ep || !path || !buf || cap < 1280) return TERN_EINVAL;
    while (ep->ctrl_len) {
        tern_ctrl_slot *s = &ep->ctrl[ep->ctrl_head];
        ep->ctrl_head = (ep->ctrl_head + 1) % ep->ctrl_cap;
        ep->ctrl_len--;
        if (s->len > cap) { /* the caller's buffer is below our answer's size */
            tern_ep_drop(ep, NULL, TERN_DROP_OUTPUT_FULL);
            continue;
        }
        memcpy(buf, s->pkt, s->len);
        *path = s->path;
        count_packet_out(ep, buf, s->len, 0);
        return s->len;
    }
    /* Bounded: each association on the list is visited once per call. */
    tern_assoc *a;
    while ((a = tern_pending_pop(ep)) != NULL) {
        size_t n = tern_assoc_output(ep, a, path, buf, cap, now);
        if (!n) {
            a->pending = 0; /* nothing could be built: nothing is owed */
            continue;
        }
        if (a->pending) tern_assoc_want_output(ep, a, 0); /* more to send: back in line */
        return (long)n;
    }
    return 0;
}
