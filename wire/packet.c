#include "wire/packet.h"

#include <string.h>

#include "wire/crc32c.h"
#include "wire/endian.h"

int tern_packet_parse(const uint8_t *pkt, size_t len, tern_common_header *hdr, tern_chunk_iter *it)
{
    if (len < TERN_COMMON_HEADER_LEN) return TERN_EWIRE_SHORT;
    hdr->src_port = tern_load16(pkt);
    hdr->dst_port = tern_load16(pkt + 2);
    hdr->vtag = tern_load32(pkt + 4);
    hdr->checksum = tern_load32(pkt + 8);
    it->pos = pkt + TERN_COMMON_HEADER_LEN;
    it->end = pkt + len;
    return 0;
}

/* RFC 9260 §3.2: every chunk, the last one included, is padded to a multiple
 * of 4 by the sender; the padding is not counted in its length. A packet that
 * lacks it was built wrongly, so it is rejected rather than guessed at. */
int tern_chunk_next(tern_chunk_iter *it, tern_chunk_raw *out)
{
    size_t left = (size_t)(it->end - it->pos);
    if (left == 0) return 0;
    if (left < TERN_CHUNK_HEADER_LEN) return TERN_EWIRE_PADDING;
    uint16_t length = tern_load16(it->pos + 2);
    if (length < TERN_CHUNK_HEADER_LEN) return TERN_EWIRE_CHUNK_LEN;
    if (length > left) return TERN_EWIRE_TRUNCATED;
    size_t padded = tern_pad4(length);
    if (padded > left) return TERN_EWIRE_PADDING;
    out->type = it->pos[0];
    out->flags = it->pos[1];
    out->length = length;
    out->start = it->pos;
    out->value.ptr = it->pos + TERN_CHUNK_HEADER_LEN;
    out->value.len = length - TERN_CHUNK_HEADER_LEN;
    it->pos += padded;
    return 1;
}

int tern_packet_validate(const uint8_t *pkt, size_t len)
{
    tern_common_header hdr;
    tern_chunk_iter it;
    tern_chunk_raw raw;
    int rc = tern_packet_parse(pkt, len, &hdr, &it);
    if (rc < 0) return rc;
    int count = 0;
    while ((rc = tern_chunk_next(&it, &raw)) > 0)
        count++;
    return rc < 0 ? rc : count;
}

uint32_t tern_packet_crc(const uint8_t *pkt, size_t len)
{
    static const uint8_t zero[4] = {0};
    uint32_t crc = tern_crc32c(0, pkt, 8);
    crc = tern_crc32c(crc, zero, sizeof zero);
    return tern_crc32c(crc, pkt + TERN_COMMON_HEADER_LEN, len - TERN_COMMON_HEADER_LEN);
}

/* RFC 9260 appendix A: the CRC goes on the wire least significant byte first. */
static void store_crc(uint8_t *p, uint32_t crc)
{
    p[0] = (uint8_t)crc;
    p[1] = (uint8_t)(crc >> 8);
    p[2] = (uint8_t)(crc >> 16);
    p[3] = (uint8_t)(crc >> 24);
}

void tern_packet_set_checksum(uint8_t *pkt, size_t len)
{
    store_crc(pkt + 8, tern_packet_crc(pkt, len));
}

bool tern_packet_checksum_ok(const uint8_t *pkt, size_t len)
{
    uint8_t expect[4];
    store_crc(expect, tern_packet_crc(pkt, len));
    return memcmp(expect, pkt + 8, 4) == 0;
}

void tern_tlv_iter_init(tern_tlv_iter *it, const uint8_t *ptr, size_t len)
{
    it->pos = ptr;
    it->end = ptr + len;
}

int tern_tlv_next(tern_tlv_iter *it, tern_tlv *out)
{
    size_t left = (size_t)(it->end - it->pos);
    if (left == 0) return 0;
    if (left < TERN_TLV_HEADER_LEN) return TERN_EWIRE_PARAM_LEN;
    uint16_t length = tern_load16(it->pos + 2);
    if (length < TERN_TLV_HEADER_LEN || length > left) return TERN_EWIRE_PARAM_LEN;
    out->type = tern_load16(it->pos);
    out->length = length;
    out->start = it->pos;
    out->value.ptr = it->pos + TERN_TLV_HEADER_LEN;
    out->value.len = length - TERN_TLV_HEADER_LEN;
    size_t padded = tern_pad4(length);
    /* The last TLV of a chunk may stop before its padding (§3.2). */
    it->pos += padded <= left ? padded : left;
    return 1;
}

int tern_tlv_validate(tern_bytes region)
{
    tern_tlv_iter it;
    tern_tlv tlv;
    int rc, count = 0;
    tern_tlv_iter_init_bytes(&it, region);
    while ((rc = tern_tlv_next(&it, &tlv)) > 0)
        count++;
    return rc < 0 ? rc : count;
}

void tern_wbuf_init(tern_wbuf *w, uint8_t *buf, size_t cap)
{
    w->buf = buf;
    w->cap = cap;
    w->len = 0;
    w->err = 0;
    w->tail_pad_at = 0;
    w->tail_pad_end = 0;
}

uint8_t *tern_wbuf_reserve(tern_wbuf *w, size_t n)
{
    if (w->err) return NULL;
    if (n > w->cap - w->len) {
        w->err = TERN_ENOSPC;
        return NULL;
    }
    uint8_t *p = w->buf + w->len;
    w->len += n;
    return p;
}

void tern_wbuf_put(tern_wbuf *w, const void *src, size_t n)
{
    uint8_t *p = tern_wbuf_reserve(w, n);
    if (p && n) memcpy(p, src, n);
}

void tern_wbuf_put_u8(tern_wbuf *w, uint8_t v)
{
    uint8_t *p = tern_wbuf_reserve(w, 1);
    if (p) *p = v;
}

void tern_wbuf_put_u16(tern_wbuf *w, uint16_t v)
{
    uint8_t *p = tern_wbuf_reserve(w, 2);
    if (p) tern_store16(p, v);
}

void tern_wbuf_put_u32(tern_wbuf *w, uint32_t v)
{
    uint8_t *p = tern_wbuf_reserve(w, 4);
    if (p) tern_store32(p, v);
}

void tern_wbuf_put_zeros(tern_wbuf *w, size_t n)
{
    uint8_t *p = tern_wbuf_reserve(w, n);
    if (p && n) memset(p, 0, n);
}

void tern_wbuf_common_header(tern_wbuf *w, uint16_t src_port, uint16_t dst_port, uint32_t vtag)
{
    uint8_t *p = tern_wbuf_reserve(w, TERN_COMMON_HEADER_LEN);
    if (!p) return;
    tern_store16(p, src_port);
    tern_store16(p + 2, dst_port);
    tern_store32(p + 4, vtag);
    tern_store32(p + 8, 0);
}

static size_t header_begin(tern_wbuf *w, uint16_t first_half)
{
    size_t off = w->len;
    uint8_t *p = tern_wbuf_reserve(w, 4);
    if (p) {
        tern_store16(p, first_half);
        tern_store16(p + 2, 0);
    }
    return off;
}

/* Writes the length of the TLV or chunk at off, then zero-pads to 4. */
static void header_end(tern_wbuf *w, size_t off, size_t length)
{
    if (w->err) return;
    if (length > TERN_MAX_CHUNK_LEN) {
        w->err = TERN_ERANGE;
        return;
    }
    tern_store16(w->buf + off + 2, (uint16_t)length);
    size_t pad_at = w->len;
    tern_wbuf_put_zeros(w, tern_pad4((uint32_t)(w->len - off)) - (w->len - off));
    if (!w->err) {
        w->tail_pad_at = pad_at;
        w->tail_pad_end = w->len;
    }
}

size_t tern_wbuf_chunk_begin(tern_wbuf *w, uint8_t type, uint8_t flags)
{
    return header_begin(w, (uint16_t)(type << 8 | flags));
}

void tern_wbuf_chunk_end(tern_wbuf *w, size_t chunk_off)
{
    size_t end = w->len;
    /* §3.2: the Chunk Length excludes the padding of its last parameter. */
    if (w->tail_pad_end == w->len && w->tail_pad_at > chunk_off) end = w->tail_pad_at;
    header_end(w, chunk_off, end - chunk_off);
}

size_t tern_wbuf_tlv_begin(tern_wbuf *w, uint16_t type)
{
    return header_begin(w, type);
}

void tern_wbuf_tlv_end(tern_wbuf *w, size_t tlv_off)
{
    header_end(w, tlv_off, w->len - tlv_off);
}

void tern_wbuf_tlv(tern_wbuf *w, uint16_t type, const void *value, size_t len)
{
    size_t off = tern_wbuf_tlv_begin(w, type);
    tern_wbuf_put(w, value, len);
    tern_wbuf_tlv_end(w, off);
}
