/* DATA (RFC 9260 §3.3.1) and I-DATA (RFC 8260 §2.1). */
#include "wire/chunk.h"

#include "wire/chunk_internal.h"

#define DATA_HEADER_LEN  16 /* chunk header, TSN, stream, SSN, PPID */
#define IDATA_HEADER_LEN 20 /* chunk header, TSN, stream, reserved, MID, PPID/FSN */

int tern_data_decode(const tern_chunk_raw *raw, tern_data *out)
{
    if (raw->type != TERN_CHUNK_DATA) return TERN_EINVAL;
    if (raw->value.len < DATA_HEADER_LEN - TERN_CHUNK_HEADER_LEN) return TERN_EWIRE_LENGTH;
    const uint8_t *v = raw->value.ptr;
    out->flags = raw->flags;
    out->tsn = tern_load32(v);
    out->stream = tern_load16(v + 4);
    out->ssn = tern_load16(v + 6);
    out->ppid = tern_load32(v + 8);
    out->payload.ptr = v + 12;
    out->payload.len = raw->value.len - 12;
    /* RFC 9260 §6.2: the core answers with the No User Data cause. */
    return out->payload.len ? 0 : TERN_EWIRE_NO_USER_DATA;
}

int tern_idata_decode(const tern_chunk_raw *raw, tern_idata *out)
{
    if (raw->type != TERN_CHUNK_I_DATA) return TERN_EINVAL;
    if (raw->value.len < IDATA_HEADER_LEN - TERN_CHUNK_HEADER_LEN) return TERN_EWIRE_LENGTH;
    const uint8_t *v = raw->value.ptr;
    out->flags = raw->flags;
    out->tsn = tern_load32(v);
    out->stream = tern_load16(v + 4);
    /* v + 6: reserved, ignored by the receiver (RFC 8260 §2.1). */
    out->mid = tern_load32(v + 8);
    uint32_t word = tern_load32(v + 12);
    bool first = (raw->flags & TERN_DATA_FLAG_B) != 0;
    out->ppid = first ? word : 0;
    out->fsn = first ? 0 : word;
    out->payload.ptr = v + 16;
    out->payload.len = raw->value.len - 16;
    return out->payload.len ? 0 : TERN_EWIRE_NO_USER_DATA;
}

/* An empty payload is written (the peer answers with No User Data): useful
 * to test that path; sending one is the core's decision. */
int tern_data_put(tern_wbuf *w, const tern_data *d)
{
    if (!d || !bytes_ok(d->payload.ptr, d->payload.len)) return TERN_EINVAL;
    if (chunk_room(w, DATA_HEADER_LEN, d->payload.len)) return w->err;
    size_t off = tern_wbuf_chunk_begin(w, TERN_CHUNK_DATA, d->flags);
    tern_wbuf_put_u32(w, d->tsn);
    tern_wbuf_put_u16(w, d->stream);
    tern_wbuf_put_u16(w, d->ssn);
    tern_wbuf_put_u32(w, d->ppid);
    tern_wbuf_put(w, d->payload.ptr, d->payload.len);
    tern_wbuf_chunk_end(w, off);
    return w->err;
}

int tern_idata_put(tern_wbuf *w, const tern_idata *d)
{
    if (!d || !bytes_ok(d->payload.ptr, d->payload.len)) return TERN_EINVAL;
    if (chunk_room(w, IDATA_HEADER_LEN, d->payload.len)) return w->err;
    size_t off = tern_wbuf_chunk_begin(w, TERN_CHUNK_I_DATA, d->flags);
    tern_wbuf_put_u32(w, d->tsn);
    tern_wbuf_put_u16(w, d->stream);
    tern_wbuf_put_u16(w, 0); /* reserved */
    tern_wbuf_put_u32(w, d->mid);
    tern_wbuf_put_u32(w, (d->flags & TERN_DATA_FLAG_B) ? d->ppid : d->fsn);
    tern_wbuf_put(w, d->payload.ptr, d->payload.len);
    tern_wbuf_chunk_end(w, off);
    return w->err;
}
