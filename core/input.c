/* Packet input (DESIGN.md §4): validate the whole packet, find the TCB by
 * the peer's address and port, apply the verification tag rules (RFC 9260
 * §8.5, §8.5.1), then a plain switch on chunk type; each handler checks the
 * state itself. Unrecognized chunks are acted on by their upper two bits
 * (§3.2). Nothing here returns an error: drops are counted. */
#include <string.h>

#include "core/internal.h"
#include "wire/cause.h"

/* Unrecognized chunks to report in one ERROR chunk (§3.2: 01 and 11). */
typedef struct unrec_report {
    uint8_t buf[1200];
    tern_wbuf w;
} unrec_report;

static bool is_data(uint8_t type)
{
    return type == TERN_CHUNK_DATA || type == TERN_CHUNK_I_DATA;
}

/* §8.5 and §8.5.1 B, C: may this chunk be processed, given the packet's tag? */
static bool tag_ok(const tern_assoc *a, const tern_common_header *h, const tern_chunk_raw *raw)
{
    if (raw->type == TERN_CHUNK_ABORT || raw->type == TERN_CHUNK_SHUTDOWN_COMPLETE) {
        if (raw->flags & TERN_CHUNK_FLAG_T) return a->peer_vtag != 0 && h->vtag == a->peer_vtag;
    }
    /* §8.5.1 E: in COOKIE-WAIT/-ECHOED a SHUTDOWN ACK is out of the blue
     * whatever its tag (handle_chunk answers it, reflecting the tag). */
    if (raw->type == TERN_CHUNK_SHUTDOWN_ACK && a->state <= TERN_STATE_COOKIE_ECHOED) return true;
    return h->vtag == a->local_vtag;
}

/* §3.2: what to do with a chunk type this core does not process. The
 * extensions (FORWARD-TSN, I-DATA, AUTH, ASCONF, RE-CONFIG, ECN, PAD) are
 * among them until they are implemented and negotiated. Returns false when
 * the rest of the packet is to be discarded. */
static bool unrecognized_chunk(tern_ep *ep, tern_assoc *a, const tern_chunk_raw *raw,
                               unrec_report *rep)
{
    enum tern_unknown_action act = tern_chunk_unknown_action(raw->type);
    tern_ep_drop(ep, a, TERN_DROP_UNKNOWN);
    if (act == TERN_UNKNOWN_STOP_REPORT || act == TERN_UNKNOWN_SKIP_REPORT) {
        size_t before = rep->w.len;
        size_t whole = TERN_CHUNK_HEADER_LEN + raw->value.len;
        tern_cause_put_bytes(&rep->w, TERN_CAUSE_UNRECOGNIZED_CHUNK, raw->start, whole);
        if (rep->w.err) { /* too big to report whole: not reported */
            rep->w.len = before;
            rep->w.err = 0;
        }
    }
    return act == TERN_UNKNOWN_SKIP || act == TERN_UNKNOWN_SKIP_REPORT;
}

/* ERROR (§3.3.10): Stale Cookie is acted on (§5.2.6); everything else is
 * told to the user. */
static bool handle_error(tern_ep *ep, tern_assoc *a, const tern_chunk_raw *raw, tern_time now)
{
    tern_causes c;
    if (tern_causes_decode(raw, &c) != 0) {
        tern_ep_drop(ep, a, TERN_DROP_MALFORMED);
        return true;
    }
    tern_tlv_iter it;
    tern_tlv cause;
    tern_tlv_iter_init_bytes(&it, c.causes);
    /* §3.3.10: one ERROR may carry several causes; any Stale Cookie counts. */
    while (tern_tlv_next(&it, &cause) > 0)
        if (cause.type == TERN_CAUSE_STALE_COOKIE && cause.value.len == 4)
            return tern_handle_stale_cookie(ep, a, tern_load32(cause.value.ptr), now);
    tern_ep_event(ep, TERN_EV_REMOTE_ERROR, a, c.causes.len >= 4 ? tern_load16(c.causes.ptr) : 0);
    return true;
}

/* One chunk for an association whose tag checked out. Returns false when
 * the rest of the packet is not to be processed (the association may be
 * gone: *alive tells). */
static bool handle_chunk(tern_ep *ep, tern_assoc *a, const tern_path *path,
                         const tern_common_header *h, const tern_chunk_raw *raw, unrec_report *rep,
                         bool *alive, tern_time now)
{
    switch (raw->type) {
    case TERN_CHUNK_INIT:
    case TERN_CHUNK_COOKIE_ECHO: /* §6.10: first in the packet (INIT alone), seen before */
        tern_ep_drop(ep, a, TERN_DROP_MALFORMED);
        return false;
    case TERN_CHUNK_INIT_ACK: *alive = tern_handle_init_ack(ep, a, raw, path, now); return *alive;
    case TERN_CHUNK_COOKIE_ACK: tern_handle_cookie_ack(ep, a, now); break;
    case TERN_CHUNK_HEARTBEAT: tern_handle_heartbeat(ep, a, path, raw); break;
    case TERN_CHUNK_HEARTBEAT_ACK: tern_handle_heartbeat_ack(ep, a, raw, now); break;
    case TERN_CHUNK_ABORT:
        tern_handle_abort(ep, a, raw);
        *alive = false;
        return false;
    case TERN_CHUNK_SHUTDOWN: tern_handle_shutdown(ep, a, raw, now); break;
    case TERN_CHUNK_SHUTDOWN_ACK:
        if (a->state <= TERN_STATE_COOKIE_ECHOED) { /* §8.5.1 E: as out of the blue */
            tern_ep_drop(ep, a, TERN_DROP_OOTB);
            if (!ep->cfg.blackhole)
                tern_send_shutdown_complete(ep, path, h->dst_port, h->src_port, h->vtag, true);
            return false;
        }
        *alive = tern_handle_shutdown_ack(ep, a, now);
        return *alive;
    case TERN_CHUNK_SHUTDOWN_COMPLETE: *alive = tern_handle_shutdown_complete(ep, a); return *alive;
    case TERN_CHUNK_ERROR: *alive = handle_error(ep, a, raw, now); return *alive;
    case TERN_CHUNK_DATA: *alive = tern_handle_data(ep, a, raw, path, now); return *alive;
    case TERN_CHUNK_SACK: tern_handle_sack(ep, a, raw, now); break;
    default: return unrecognized_chunk(ep, a, raw, rep);
    }
    return true;
}

/* What the framing pass (count_if_framed) learnt of a packet's chunks. */
typedef struct framing {
    unsigned chunks, data;
    bool plain_tags; /* no chunk with a tag rule of its own (§8.5.1 B, C, E) */
} framing;

/* The packet's chunks for association a; skip_first: the first (a COOKIE
 * ECHO) was handled already. */
static void handle_for_assoc(tern_ep *ep, tern_assoc *a, const tern_path *path,
                             const tern_common_header *h, tern_chunk_iter it, const framing *fr,
                             bool skip_first, tern_time now)
{
    unrec_report rep;
    tern_wbuf_init(&rep.w, rep.buf, sizeof rep.buf);
    tern_chunk_raw raw;
    bool alive = true;
    a->stats.packets_in++;
    /* The path the packet came from, by index: the path array may move
     * while the packet is handled (an INIT ACK adds paths). */
    const tern_dest *d = tern_assoc_find_path(a, &path->remote);
    unsigned from = d ? (unsigned)(d - a->paths) : TERN_MAX_PATHS;
    if (d) a->paths[from].counters.packets_in++;
    size_t answers = ep->ctrl_len;
    tern_assoc_learn_local(a, path);
    /* The packet's tag must pass the rule of every chunk in it (§8.5,
     * §8.5.1; the COOKIE ECHO handled already aside), or none of the packet
     * is processed. When every chunk has the plain rule (DATA, SACK, ...: the
     * common case), that is one comparison; else a pass over the chunks. */
    a->stats.data_chunks_in += fr->data;
    a->stats.ctrl_chunks_in += fr->chunks - fr->data;
    bool tags_ok = h->vtag == a->local_vtag;
    if (skip_first || !fr->plain_tags) {
        tern_chunk_iter check = it;
        tags_ok = true;
        for (bool first = true; tern_chunk_next(&check, &raw) > 0; first = false)
            if (!(first && skip_first)) tags_ok = tags_ok && tag_ok(a, h, &raw);
    }
    if (!tags_ok) {
        tern_ep_drop(ep, a, TERN_DROP_VTAG);
        return;
    }
    if (skip_first) tern_chunk_next(&it, &raw);
    bool had_data = false;
    while (alive && tern_chunk_next(&it, &raw) > 0) {
        had_data |= raw.type == TERN_CHUNK_DATA;
        if (!handle_chunk(ep, a, path, h, &raw, &rep, &alive, now)) break;
    }
    if (alive && had_data) tern_data_packet_done(ep, a, from, now);
    if (alive) tern_assoc_check(a);
    if (alive && rep.w.len && a->state != TERN_STATE_COOKIE_WAIT) {
        tern_wbuf w;
        tern_ctrl_slot *slot =
            tern_ctrl_push(ep, path, &w, ep->cfg.port, a->peer_port, a->peer_vtag);
        if (slot) {
            tern_causes_put(&w, TERN_CHUNK_ERROR, 0, (tern_bytes){rep.buf, rep.w.len});
            tern_ctrl_commit(ep, slot, &w);
            a->stats.packets_out++;
            a->stats.ctrl_chunks_out++;
        }
    }
    /* Answers queued meanwhile (HEARTBEAT ACK, ERROR) go back to the
     * packet's source: that path's output. */
    if (alive && ep->ctrl_len > answers && from < a->num_paths)
        a->paths[from].counters.packets_out += ep->ctrl_len - answers;
}

/* §8.4 item 1: only unicast addresses take part. The local address may be
 * unknown to the caller (TERN_AF_NONE). */
static bool unicast_path(const tern_path *path)
{
    return tern_addr_is_unicast(&path->remote) &&
           (path->local.family == TERN_AF_NONE || tern_addr_is_unicast(&path->local));
}

static void uncount(tern_ep *ep, tern_chunk_iter it, unsigned n)
{
    tern_chunk_counts *c = &ep->stats.chunks_in;
    tern_chunk_raw raw;
    for (; n && tern_chunk_next(&it, &raw) > 0; n--) {
        uint8_t k = tern_chunk_slot[raw.type];
        if (k)
            c->known[k - 1]--;
        else if (c->other && c->other[raw.type]) /* 0: its count had failed to allocate */
            c->other[raw.type]--;
    }
}

/* The packet's chunks counted on the endpoint, and checked for framing
 * (§3.2), in one pass: fr->chunks is their number, or 0 (none counted) when
 * there are none or one is malformed. */
static void count_if_framed(tern_ep *ep, tern_chunk_iter it, framing *fr)
{
    tern_chunk_iter scan = it;
    tern_chunk_raw raw;
    framing f = {0, 0, true};
    int rc;
    while ((rc = tern_chunk_next(&scan, &raw)) > 0) {
        tern_ep_count_chunk(ep, &ep->stats.chunks_in, raw.type);
        f.chunks++;
        f.data += is_data(raw.type);
        if (raw.type == TERN_CHUNK_ABORT || raw.type == TERN_CHUNK_SHUTDOWN_COMPLETE ||
            raw.type == TERN_CHUNK_SHUTDOWN_ACK)
            f.plain_tags = false;
    }
    if (rc != 0) {
        uncount(ep, it, f.chunks); /* rare: the malformed packet pays */
        f.chunks = 0;
    }
    *fr = f;
}

static tern_assoc *find_tcb(tern_ep *ep, const tern_path *path, const tern_common_header *h,
                            const tern_chunk_raw *first)
{
    tern_dest *d = tern_dest_by_peer(ep, &path->remote, h->src_port);
    if (d) return d->owner;
    /* A multi-homed peer may answer our INIT from another of its addresses. */
    if (first->type == TERN_CHUNK_INIT_ACK) {
        tern_assoc *a = tern_assoc_by_vtag(ep, h->vtag);
        if (a && a->peer_port == h->src_port && a->state == TERN_STATE_COOKIE_WAIT) return a;
    }
    return NULL;
}

TERN_EXPORT int tern_ep_input(tern_ep *ep, const tern_path *path, const uint8_t *pkt, size_t len,
                              tern_time now)
{
    if (!ep || !path || !pkt) return TERN_EINVAL;
    ep->stats.packets_in++;
    tern_common_header h;
    tern_chunk_iter it;
    tern_chunk_raw first;
    if (len < TERN_COMMON_HEADER_LEN) {
        tern_ep_drop(ep, NULL, TERN_DROP_MALFORMED);
        return 0;
    }
    /* §6.8: the checksum first, so a corrupted packet counts as such
     * whatever its framing then looks like. */
    if (!tern_packet_checksum_ok(pkt, len)) {
        tern_ep_drop(ep, NULL, TERN_DROP_CHECKSUM);
        return 0;
    }
    /* Then the whole packet's framing: no chunk of a malformed packet is
     * processed. */
    tern_packet_parse(pkt, len, &h, &it);
    framing fr;
    count_if_framed(ep, it, &fr);
    if (!fr.chunks) {
        tern_ep_drop(ep, NULL, TERN_DROP_MALFORMED);
        return 0;
    }
    if (h.dst_port != ep->cfg.port && !ep->cfg.closed_port) {
        uncount(ep, it, fr.chunks);
        tern_ep_drop(ep, NULL, TERN_DROP_PORT);
        return 0;
    }
    tern_chunk_raw raw;

    tern_chunk_iter rest = it;
    tern_chunk_next(&rest, &first);
    tern_assoc *a = find_tcb(ep, path, &h, &first);
    if (!a && !unicast_path(path)) { /* §8.4 item 1, before items 3 and 4 */
        tern_ep_drop(ep, NULL, TERN_DROP_OOTB);
        return 0;
    }
    if (first.type == TERN_CHUNK_INIT) {
        /* §8.5.1 A: an INIT travels alone, with tag 0. */
        tern_chunk_iter more = rest;
        if (h.vtag != 0 || tern_chunk_next(&more, &raw) != 0) {
            tern_ep_drop(ep, a, TERN_DROP_VTAG);
            return 0;
        }
        if (a) {
            a->stats.packets_in++;
            a->stats.ctrl_chunks_in++;
        }
        tern_handle_init(ep, a, path, &h, &first, now);
        return 0;
    }
    if (h.vtag == 0) { /* §8.5.1 A: tag 0 is for a lone INIT only */
        tern_ep_drop(ep, a, TERN_DROP_VTAG);
        return 0;
    }
    if (first.type == TERN_CHUNK_COOKIE_ECHO) {
        tern_assoc *b = tern_handle_cookie_echo(ep, a, path, &h, &first, now);
        if (b) handle_for_assoc(ep, b, path, &h, it, &fr, true, now);
        return 0;
    }
    if (!a) {
        tern_handle_ootb(ep, path, &h, pkt, len);
        return 0;
    }
    handle_for_assoc(ep, a, path, &h, it, &fr, false, now);
    return 0;
}
