/* Out-of-the-blue packets (RFC 9260 §8.4) and the stateless answers every
 * part of the core sends through the endpoint's answer ring: ABORT,
 * SHUTDOWN COMPLETE and ERROR. */
#include "core/internal.h"
#include "wire/cause.h"

void tern_send_abort(tern_ep *ep, const tern_path *path, uint16_t src_port, uint16_t dst_port,
                     uint32_t vtag, bool t_bit, uint16_t cause, const void *info, size_t info_len)
{
    uint8_t cbuf[1100];
    tern_wbuf c, w;
    tern_wbuf_init(&c, cbuf, sizeof cbuf);
    if (cause) tern_cause_put_bytes(&c, cause, info, info_len);
    tern_ctrl_slot *slot = tern_ctrl_push(ep, path, &w, src_port, dst_port, vtag);
    if (!slot) return;
    tern_causes_put(&w, TERN_CHUNK_ABORT, t_bit ? TERN_CHUNK_FLAG_T : 0,
                    (tern_bytes){cbuf, c.err ? 0 : c.len});
    tern_ctrl_commit(ep, slot, &w);
}

void tern_send_shutdown_complete(tern_ep *ep, const tern_path *path, uint16_t src_port,
                                 uint16_t dst_port, uint32_t vtag, bool t_bit)
{
    tern_wbuf w;
    tern_ctrl_slot *slot = tern_ctrl_push(ep, path, &w, src_port, dst_port, vtag);
    if (!slot) return;
    tern_empty_chunk_put(&w, TERN_CHUNK_SHUTDOWN_COMPLETE, t_bit ? TERN_CHUNK_FLAG_T : 0);
    tern_ctrl_commit(ep, slot, &w);
}

void tern_send_error(tern_ep *ep, tern_assoc *a, const tern_path *path, uint16_t cause,
                     const void *info, size_t info_len)
{
    uint8_t cbuf[1100];
    tern_wbuf c, w;
    tern_wbuf_init(&c, cbuf, sizeof cbuf);
    if (tern_cause_put_bytes(&c, cause, info, info_len) != 0) return;
    tern_ctrl_slot *slot = tern_ctrl_push(ep, path, &w, ep->cfg.port, a->peer_port, a->peer_vtag);
    if (!slot) return;
    tern_causes_put(&w, TERN_CHUNK_ERROR, 0, (tern_bytes){cbuf, c.len});
    tern_ctrl_commit(ep, slot, &w);
    a->stats.packets_out++;
    a->stats.ctrl_chunks_out++;
}

/* §8.4 item 7: an ERROR carrying a Stale Cookie cause, which need not be
 * its first (§3.3.10: one ERROR may carry several causes). */
static bool is_stale_cookie_error(const tern_chunk_raw *raw)
{
    if (raw->type != TERN_CHUNK_ERROR) return false;
    tern_tlv_iter it;
    tern_tlv cause;
    tern_tlv_iter_init_bytes(&it, raw->value);
    while (tern_tlv_next(&it, &cause) > 0)
        if (cause.type == TERN_CAUSE_STALE_COOKIE) return true;
    return false;
}

/* §8.4 items 2 and 5–8, in the RFC's order; item 1 (non-unicast) is
 * applied by input.c before items 3 and 4 (INIT, COOKIE ECHO), which never
 * get here. */
void tern_handle_ootb(tern_ep *ep, const tern_path *path, const tern_common_header *h,
                      const uint8_t *pkt, size_t len)
{
    tern_common_header hh;
    tern_chunk_iter it;
    tern_chunk_raw raw;
    bool abort = false, shutdown_ack = false, silent = false;
    tern_ep_drop(ep, NULL, TERN_DROP_OOTB);
    tern_packet_parse(pkt, len, &hh, &it);
    while (tern_chunk_next(&it, &raw) > 0) {
        abort |= raw.type == TERN_CHUNK_ABORT;
        shutdown_ack |= raw.type == TERN_CHUNK_SHUTDOWN_ACK;
        silent |= raw.type == TERN_CHUNK_SHUTDOWN_COMPLETE || raw.type == TERN_CHUNK_COOKIE_ACK ||
                  is_stale_cookie_error(&raw);
    }
    if (abort || ep->cfg.blackhole) return;
    if (shutdown_ack) /* item 5: SHUTDOWN COMPLETE reflecting the tag */
        tern_send_shutdown_complete(ep, path, h->dst_port, h->src_port, h->vtag, true);
    else if (!silent) /* item 8: ABORT reflecting the tag */
        tern_send_abort(ep, path, h->dst_port, h->src_port, h->vtag, true, 0, NULL, 0);
}
