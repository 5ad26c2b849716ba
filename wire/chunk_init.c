/* The control chunks of RFC 9260 §3.3: INIT, INIT ACK, SACK, HEARTBEAT,
 * HEARTBEAT ACK, ABORT, SHUTDOWN, ERROR, COOKIE ECHO, and ECNE/CWR (RFC 4960
 * appendix A). */
#include "wire/chunk.h"

#include "wire/chunk_internal.h"

#define INIT_FIXED_LEN      16 /* tag, a_rwnd, streams, initial TSN */
#define SACK_FIXED_LEN      12 /* cum TSN ack, a_rwnd, the two counts */
#define HEARTBEAT_INFO_TYPE 1  /* RFC 9260 §3.3.5 */

/* ---- INIT, INIT ACK (§3.3.2, §3.3.3) ------------------------------------ */

static bool is_init_type(uint8_t type)
{
    return type == TERN_CHUNK_INIT || type == TERN_CHUNK_INIT_ACK;
}

int tern_init_decode(const tern_chunk_raw *raw, tern_init *out)
{
    if (!is_init_type(raw->type)) return TERN_EINVAL;
    if (raw->value.len < INIT_FIXED_LEN) return TERN_EWIRE_LENGTH;
    const uint8_t *v = raw->value.ptr;
    tern_bytes params = {v + INIT_FIXED_LEN, raw->value.len - INIT_FIXED_LEN};
    size_t end;
    if (tlv_region(params, &end) < 0) return TERN_EWIRE_PARAM_LEN;
    out->initiate_tag = tern_load32(v);
    out->a_rwnd = tern_load32(v + 4);
    out->num_outbound_streams = tern_load16(v + 8);
    out->num_inbound_streams = tern_load16(v + 10);
    out->initial_tsn = tern_load32(v + 12);
    out->params = params;
    return 0;
}

int tern_init_put(tern_wbuf *w, uint8_t type, const tern_init *init)
{
    size_t used;
    if (!init || !is_init_type(type) || tlv_region_arg(init->params, 0, 0xffff, &used))
        return TERN_EINVAL;
    if (chunk_room(w, TERN_CHUNK_HEADER_LEN + INIT_FIXED_LEN, used)) return w->err;
    size_t off = tern_wbuf_chunk_begin(w, type, 0);
    tern_wbuf_put_u32(w, init->initiate_tag);
    tern_wbuf_put_u32(w, init->a_rwnd);
    tern_wbuf_put_u16(w, init->num_outbound_streams);
    tern_wbuf_put_u16(w, init->num_inbound_streams);
    tern_wbuf_put_u32(w, init->initial_tsn);
    tern_wbuf_put(w, init->params.ptr, used);
    tern_wbuf_chunk_end(w, off);
    return w->err;
}

/* ---- SACK (§3.3.4) ------------------------------------------------------- */

int tern_sack_decode(const tern_chunk_raw *raw, tern_sack *out)
{
    if (raw->type != TERN_CHUNK_SACK) return TERN_EINVAL;
    if (raw->value.len < SACK_FIXED_LEN) return TERN_EWIRE_LENGTH;
    const uint8_t *v = raw->value.ptr;
    uint16_t gaps = tern_load16(v + 8), dups = tern_load16(v + 10);
    if (raw->value.len != SACK_FIXED_LEN + 4 * ((size_t)gaps + dups)) return TERN_EWIRE_LENGTH;
    out->cum_tsn_ack = tern_load32(v);
    out->a_rwnd = tern_load32(v + 4);
    out->num_gap_blocks = gaps;
    out->num_dup_tsns = dups;
    out->gap_blocks = v + SACK_FIXED_LEN;
    out->dup_tsns = v + SACK_FIXED_LEN + 4 * (size_t)gaps;
    return 0;
}

int tern_sack_put(tern_wbuf *w, uint32_t cum_tsn_ack, uint32_t a_rwnd, const tern_gap_block *gaps,
                  uint16_t num_gaps, const uint32_t *dups, uint16_t num_dups)
{
    if (!bytes_ok(gaps, num_gaps) || !bytes_ok(dups, num_dups)) return TERN_EINVAL;
    size_t var = 4 * ((size_t)num_gaps + num_dups);
    if (chunk_room(w, TERN_CHUNK_HEADER_LEN + SACK_FIXED_LEN, var)) return w->err;
    size_t off = tern_wbuf_chunk_begin(w, TERN_CHUNK_SACK, 0);
    tern_wbuf_put_u32(w, cum_tsn_ack);
    tern_wbuf_put_u32(w, a_rwnd);
    tern_wbuf_put_u16(w, num_gaps);
    tern_wbuf_put_u16(w, num_dups);
    for (size_t i = 0; i < num_gaps; i++) {
        tern_wbuf_put_u16(w, gaps[i].start);
        tern_wbuf_put_u16(w, gaps[i].end);
    }
    for (size_t i = 0; i < num_dups; i++)
        tern_wbuf_put_u32(w, dups[i]);
    tern_wbuf_chunk_end(w, off);
    return w->err;
}

/* ---- HEARTBEAT, HEARTBEAT ACK (§3.3.5, §3.3.6) --------------------------- */

static bool is_heartbeat_type(uint8_t type)
{
    return type == TERN_CHUNK_HEARTBEAT || type == TERN_CHUNK_HEARTBEAT_ACK;
}

/* Exactly one Heartbeat Info TLV; the Chunk Length may or may not count its
 * padding (§3.2). */
int tern_heartbeat_decode(const tern_chunk_raw *raw, tern_heartbeat *out)
{
    tern_tlv_iter it;
    tern_tlv info, extra;
    if (!is_heartbeat_type(raw->type)) return TERN_EINVAL;
    if (raw->value.len < TERN_TLV_HEADER_LEN) return TERN_EWIRE_LENGTH;
    tern_tlv_iter_init_bytes(&it, raw->value);
    int rc = tern_tlv_next(&it, &info);
    if (rc < 0) return rc;
    if (info.type != HEARTBEAT_INFO_TYPE) return TERN_EWIRE_LENGTH;
    rc = tern_tlv_next(&it, &extra);
    if (rc < 0) return rc;
    if (rc > 0) return TERN_EWIRE_LENGTH;
    out->info = info.value;
    return 0;
}

int tern_heartbeat_put(tern_wbuf *w, uint8_t type, const void *info, size_t info_len)
{
    if (!is_heartbeat_type(type) || !bytes_ok(info, info_len)) return TERN_EINVAL;
    if (chunk_room(w, TERN_CHUNK_HEADER_LEN + TERN_TLV_HEADER_LEN, info_len)) return w->err;
    size_t off = tern_wbuf_chunk_begin(w, type, 0);
    tern_wbuf_tlv(w, HEARTBEAT_INFO_TYPE, info, info_len);
    tern_wbuf_chunk_end(w, off); /* the length leaves out the TLV's padding */
    return w->err;
}

/* ---- ABORT, ERROR (§3.3.7, §3.3.10) -------------------------------------- */

static bool is_causes_type(uint8_t type)
{
    return type == TERN_CHUNK_ABORT || type == TERN_CHUNK_ERROR;
}

int tern_causes_decode(const tern_chunk_raw *raw, tern_causes *out)
{
    size_t end;
    if (!is_causes_type(raw->type)) return TERN_EINVAL;
    if (tlv_region(raw->value, &end) < 0) return TERN_EWIRE_PARAM_LEN;
    out->causes = raw->value;
    return 0;
}

int tern_causes_put(tern_wbuf *w, uint8_t type, uint8_t flags, tern_bytes causes)
{
    size_t used;
    if (!is_causes_type(type) || tlv_region_arg(causes, 0, 0xffff, &used)) return TERN_EINVAL;
    if (chunk_room(w, TERN_CHUNK_HEADER_LEN, used)) return w->err;
    size_t off = tern_wbuf_chunk_begin(w, type, flags);
    tern_wbuf_put(w, causes.ptr, used);
    tern_wbuf_chunk_end(w, off);
    return w->err;
}

/* ---- SHUTDOWN (§3.3.8), ECNE, CWR ---------------------------------------- */

static int put_u32_chunk(tern_wbuf *w, uint8_t type, uint32_t v)
{
    if (chunk_room(w, TERN_CHUNK_HEADER_LEN + 4, 0)) return w->err;
    size_t off = tern_wbuf_chunk_begin(w, type, 0);
    tern_wbuf_put_u32(w, v);
    tern_wbuf_chunk_end(w, off);
    return w->err;
}

int tern_shutdown_decode(const tern_chunk_raw *raw, tern_shutdown *out)
{
    if (raw->type != TERN_CHUNK_SHUTDOWN) return TERN_EINVAL;
    if (raw->value.len != 4) return TERN_EWIRE_LENGTH;
    out->cum_tsn_ack = tern_load32(raw->value.ptr);
    return 0;
}

int tern_shutdown_put(tern_wbuf *w, uint32_t cum_tsn_ack)
{
    return put_u32_chunk(w, TERN_CHUNK_SHUTDOWN, cum_tsn_ack);
}

static bool is_ecn_type(uint8_t type)
{
    return type == TERN_CHUNK_ECNE || type == TERN_CHUNK_CWR;
}

int tern_ecn_decode(const tern_chunk_raw *raw, tern_ecn *out)
{
    if (!is_ecn_type(raw->type)) return TERN_EINVAL;
    if (raw->value.len != 4) return TERN_EWIRE_LENGTH;
    out->tsn = tern_load32(raw->value.ptr);
    return 0;
}

int tern_ecn_put(tern_wbuf *w, uint8_t type, uint32_t tsn)
{
    if (!is_ecn_type(type)) return TERN_EINVAL;
    return put_u32_chunk(w, type, tsn);
}

/* ---- COOKIE ECHO (§3.3.11) ----------------------------------------------- */

int tern_cookie_echo_decode(const tern_chunk_raw *raw, tern_cookie_echo *out)
{
    if (raw->type != TERN_CHUNK_COOKIE_ECHO) return TERN_EINVAL;
    out->cookie = raw->value;
    return 0;
}

int tern_cookie_echo_put(tern_wbuf *w, const void *cookie, size_t len)
{
    if (!bytes_ok(cookie, len)) return TERN_EINVAL;
    if (chunk_room(w, TERN_CHUNK_HEADER_LEN, len)) return w->err;
    size_t off = tern_wbuf_chunk_begin(w, TERN_CHUNK_COOKIE_ECHO, 0);
    tern_wbuf_put(w, cookie, len);
    tern_wbuf_chunk_end(w, off);
    return w->err;
}
