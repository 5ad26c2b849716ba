/* Helpers shared by the parameter and error-cause codecs; not API. */
#ifndef TERN_WIRE_TLV_INTERNAL_H
#define TERN_WIRE_TLV_INTERNAL_H

#include "wire/packet.h"

#define TERN_TLV_MAX_VALUE (TERN_MAX_CHUNK_LEN - TERN_TLV_HEADER_LEN)

/* Before a TLV builder writes: TERN_EINVAL (not sticky, nothing written) if
 * a value of value_len bytes cannot be encoded; else 0 if the padded TLV
 * fits, or the sticky error (TERN_ENOSPC made sticky here). Nothing is ever
 * half written. */
static inline int tlv_room(tern_wbuf *w, size_t value_len)
{
    if (value_len > TERN_TLV_MAX_VALUE) return TERN_EINVAL;
    if (w->err) return w->err;
    if (tern_pad4((uint32_t)(TERN_TLV_HEADER_LEN + value_len)) > w->cap - w->len)
        w->err = TERN_ENOSPC;
    return w->err;
}

/* The number of TLVs in a region (≥ 0), or TERN_EWIRE_PARAM_LEN. */
static inline int tlv_count(tern_bytes region)
{
    return tern_tlv_validate(region);
}

/* A TLV with a 32-bit value. */
static inline int tlv_put_u32(tern_wbuf *w, uint16_t type, uint32_t v)
{
    int rc = tlv_room(w, 4);
    if (rc) return rc;
    size_t off = tern_wbuf_tlv_begin(w, type);
    tern_wbuf_put_u32(w, v);
    tern_wbuf_tlv_end(w, off);
    return w->err;
}

/* A TLV whose value is the given bytes. */
static inline int tlv_put_bytes(tern_wbuf *w, uint16_t type, const void *ptr, size_t len)
{
    if (!ptr && len) return TERN_EINVAL;
    int rc = tlv_room(w, len);
    if (rc) return rc;
    tern_wbuf_tlv(w, type, ptr, len);
    return w->err;
}

/* A TLV whose value is a list of 16-bit numbers in wire form. */
static inline int tlv_put_list16(tern_wbuf *w, uint16_t type, const uint8_t *ptr, size_t count)
{
    return tlv_put_bytes(w, type, ptr, 2 * count);
}

#endif
