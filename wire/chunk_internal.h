/* Helpers shared by the chunk codec's .c files; not part of the API. */
#ifndef TERN_WIRE_CHUNK_INTERNAL_H
#define TERN_WIRE_CHUNK_INTERNAL_H

#include "wire/chunk.h"

/* A (pointer, length) argument that can be read: NULL only when empty. */
static inline bool bytes_ok(const void *ptr, size_t len)
{
    return ptr != NULL || len == 0;
}

/* Before a builder writes anything: 0 if a chunk of Chunk Length
 * fixed + var (fixed: header and fixed fields) fits whole, padding included;
 * else the sticky error, or a new one made sticky: TERN_ERANGE (length over
 * 65535), TERN_ENOSPC (no room). Nothing is written on error, so a failed
 * builder never leaves half a chunk. */
static inline int chunk_room(tern_wbuf *w, size_t fixed, size_t var)
{
    if (w->err) return w->err;
    if (var > TERN_MAX_CHUNK_LEN - fixed)
        w->err = TERN_ERANGE;
    else if (tern_pad4((uint32_t)(fixed + var)) > w->cap - w->len)
        w->err = TERN_ENOSPC;
    return w->err;
}

/* Checks the TLV framing of a region: the number of TLVs, or
 * TERN_EWIRE_PARAM_LEN. *end is where the last TLV ends, its padding
 * excluded (0 for an empty region). */
static inline int tlv_region(tern_bytes region, size_t *end)
{
    tern_tlv_iter it;
    tern_tlv tlv;
    int rc, n = 0;
    *end = 0;
    if (region.len == 0) return 0;
    tern_tlv_iter_init_bytes(&it, region);
    while ((rc = tern_tlv_next(&it, &tlv)) > 0) {
        n++;
        *end = (size_t)(tlv.start - region.ptr) + tlv.length;
    }
    return rc < 0 ? rc : n;
}

/* Builders take TLV regions as the caller laid them out, usually each TLV
 * padded. The chunk gets the region up to the end of its last TLV, so the
 * Chunk Length excludes that TLV's padding (RFC 9260 §3.2); chunk_end then
 * pads with zeros. TERN_EINVAL if the framing is broken or the number of
 * TLVs is outside [min, max]; *used is the number of bytes to copy. */
static inline int tlv_region_arg(tern_bytes region, int min, int max, size_t *used)
{
    if (!bytes_ok(region.ptr, region.len)) return TERN_EINVAL;
    int n = tlv_region(region, used);
    if (n < min || n > max) return TERN_EINVAL;
    return 0;
}

#endif
