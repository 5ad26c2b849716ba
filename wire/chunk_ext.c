/* Extension chunks: AUTH (RFC 4895), FORWARD-TSN (RFC 3758), I-FORWARD-TSN
 * (RFC 8260), RE-CONFIG (RFC 6525), ASCONF and ASCONF-ACK (RFC 5061), PAD
 * (RFC 4820). */
#include "wire/chunk.h"

#include "wire/chunk_internal.h"

/* ---- AUTH (RFC 4895 §4.2) ------------------------------------------------ */

int tern_auth_decode(const tern_chunk_raw *raw, tern_auth *out)
{
    if (raw->type != TERN_CHUNK_AUTH) return TERN_EINVAL;
    if (raw->value.len < 4) return TERN_EWIRE_LENGTH;
    const uint8_t *v = raw->value.ptr;
    out->shared_key_id = tern_load16(v);
    out->hmac_id = tern_load16(v + 2);
    out->hmac.ptr = v + 4;
    out->hmac.len = raw->value.len - 4;
    return 0;
}

int tern_auth_put(tern_wbuf *w, uint16_t shared_key_id, uint16_t hmac_id, const void *hmac,
                  size_t hmac_len)
{
    if (!bytes_ok(hmac, hmac_len)) return TERN_EINVAL;
    if (chunk_room(w, TERN_CHUNK_HEADER_LEN + 4, hmac_len)) return w->err;
    size_t off = tern_wbuf_chunk_begin(w, TERN_CHUNK_AUTH, 0);
    tern_wbuf_put_u16(w, shared_key_id);
    tern_wbuf_put_u16(w, hmac_id);
    tern_wbuf_put(w, hmac, hmac_len);
    tern_wbuf_chunk_end(w, off);
    return w->err;
}

/* ---- FORWARD-TSN (RFC 3758 §3.2), I-FORWARD-TSN (RFC 8260 §2.3) ---------- */

/* New Cumulative TSN then whole entries of entry_len bytes: the number of
 * entries, or TERN_EWIRE_LENGTH. */
static int forward_entries(const tern_chunk_raw *raw, size_t entry_len)
{
    if (raw->value.len < 4 || (raw->value.len - 4) % entry_len) return TERN_EWIRE_LENGTH;
    return (int)((raw->value.len - 4) / entry_len);
}

int tern_forward_tsn_decode(const tern_chunk_raw *raw, tern_forward_tsn *out)
{
    if (raw->type != TERN_CHUNK_FORWARD_TSN) return TERN_EINVAL;
    int n = forward_entries(raw, 4);
    if (n < 0) return n;
    out->new_cum_tsn = tern_load32(raw->value.ptr);
    out->num_streams = (uint16_t)n;
    out->streams = raw->value.ptr + 4;
    return 0;
}

int tern_forward_tsn_put(tern_wbuf *w, uint32_t new_cum_tsn, const tern_fwd_stream *streams,
                         uint16_t num_streams)
{
    if (!bytes_ok(streams, num_streams)) return TERN_EINVAL;
    if (chunk_room(w, TERN_CHUNK_HEADER_LEN + 4, 4 * (size_t)num_streams)) return w->err;
    size_t off = tern_wbuf_chunk_begin(w, TERN_CHUNK_FORWARD_TSN, 0);
    tern_wbuf_put_u32(w, new_cum_tsn);
    for (size_t i = 0; i < num_streams; i++) {
        tern_wbuf_put_u16(w, streams[i].stream);
        tern_wbuf_put_u16(w, streams[i].ssn);
    }
    tern_wbuf_chunk_end(w, off);
    return w->err;
}

int tern_i_forward_tsn_decode(const tern_chunk_raw *raw, tern_i_forward_tsn *out)
{
    if (raw->type != TERN_CHUNK_I_FORWARD_TSN) return TERN_EINVAL;
    int n = forward_entries(raw, 8);
    if (n < 0) return n;
    out->new_cum_tsn = tern_load32(raw->value.ptr);
    out->num_entries = (uint16_t)n;
    out->entries = raw->value.ptr + 4;
    return 0;
}

int tern_i_forward_tsn_put(tern_wbuf *w, uint32_t new_cum_tsn, const tern_ifwd_entry *entries,
                           uint16_t num_entries)
{
    if (!bytes_ok(entries, num_entries)) return TERN_EINVAL;
    if (chunk_room(w, TERN_CHUNK_HEADER_LEN + 4, 8 * (size_t)num_entries)) return w->err;
    size_t off = tern_wbuf_chunk_begin(w, TERN_CHUNK_I_FORWARD_TSN, 0);
    tern_wbuf_put_u32(w, new_cum_tsn);
    for (size_t i = 0; i < num_entries; i++) {
        tern_wbuf_put_u16(w, entries[i].stream);
        tern_wbuf_put_u16(w, entries[i].unordered ? 1 : 0); /* reserved bits, then U */
        tern_wbuf_put_u32(w, entries[i].mid);
    }
    tern_wbuf_chunk_end(w, off);
    return w->err;
}

/* ---- RE-CONFIG (RFC 6525 §3.1): one or two parameters -------------------- */

int tern_reconfig_decode(const tern_chunk_raw *raw, tern_reconfig *out)
{
    size_t end;
    if (raw->type != TERN_CHUNK_RECONFIG) return TERN_EINVAL;
    int n = tlv_region(raw->value, &end);
    if (n < 0) return n;
    if (n < 1 || n > 2) return TERN_EWIRE_LENGTH;
    out->params = raw->value;
    return 0;
}

int tern_reconfig_put(tern_wbuf *w, tern_bytes params)
{
    size_t used;
    if (tlv_region_arg(params, 1, 2, &used)) return TERN_EINVAL;
    if (chunk_room(w, TERN_CHUNK_HEADER_LEN, used)) return w->err;
    size_t off = tern_wbuf_chunk_begin(w, TERN_CHUNK_RECONFIG, 0);
    tern_wbuf_put(w, params.ptr, used);
    tern_wbuf_chunk_end(w, off);
    return w->err;
}

/* ---- ASCONF (RFC 5061 §3.1.1), ASCONF-ACK (§3.1.2) ----------------------- */

/* ASCONF needs at least its Address Parameter; ASCONF-ACK may be empty. */
static int asconf_min_params(uint8_t type)
{
    switch (type) {
    case TERN_CHUNK_ASCONF: return 1;
    case TERN_CHUNK_ASCONF_ACK: return 0;
    }
    return -1;
}

int tern_asconf_decode(const tern_chunk_raw *raw, tern_asconf *out)
{
    size_t end;
    int min = asconf_min_params(raw->type);
    if (min < 0) return TERN_EINVAL;
    if (raw->value.len < 4) return TERN_EWIRE_LENGTH;
    tern_bytes params = {raw->value.ptr + 4, raw->value.len - 4};
    int n = tlv_region(params, &end);
    if (n < 0) return n;
    if (n < min) return TERN_EWIRE_LENGTH;
    out->serial = tern_load32(raw->value.ptr);
    out->params = params;
    return 0;
}

int tern_asconf_put(tern_wbuf *w, uint8_t type, uint32_t serial, tern_bytes params)
{
    size_t used;
    int min = asconf_min_params(type);
    if (min < 0 || tlv_region_arg(params, min, 0xffff, &used)) return TERN_EINVAL;
    if (chunk_room(w, TERN_CHUNK_HEADER_LEN + 4, used)) return w->err;
    size_t off = tern_wbuf_chunk_begin(w, type, 0);
    tern_wbuf_put_u32(w, serial);
    tern_wbuf_put(w, params.ptr, used);
    tern_wbuf_chunk_end(w, off);
    return w->err;
}

/* ---- PAD (RFC 4820 §3) --------------------------------------------------- */

int tern_pad_decode(const tern_chunk_raw *raw, tern_pad *out)
{
    if (raw->type != TERN_CHUNK_PAD) return TERN_EINVAL;
    out->padding = raw->value;
    return 0;
}

int tern_pad_put(tern_wbuf *w, size_t padding_len)
{
    if (chunk_room(w, TERN_CHUNK_HEADER_LEN, padding_len)) return w->err;
    size_t off = tern_wbuf_chunk_begin(w, TERN_CHUNK_PAD, 0);
    tern_wbuf_put_zeros(w, padding_len);
    tern_wbuf_chunk_end(w, off);
    return w->err;
}
