/* SCTP packet framing: the common header, chunk and TLV iteration, the
 * checksum, and a bounded writer for building packets (RFC 9260 §3).
 *
 * Decoding never copies: views point into the caller's packet buffer and are
 * valid while it is. Every length is checked before it is used. */
#ifndef TERN_WIRE_PACKET_H
#define TERN_WIRE_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tern/error.h>

#define TERN_COMMON_HEADER_LEN 12
#define TERN_CHUNK_HEADER_LEN  4
#define TERN_TLV_HEADER_LEN    4
#define TERN_MAX_CHUNK_LEN     65535

/* A read-only view of bytes inside a packet. */
typedef struct tern_bytes {
    const uint8_t *ptr;
    size_t len;
} tern_bytes;

/* RFC 9260 §3.1 */
typedef struct tern_common_header {
    uint16_t src_port;
    uint16_t dst_port;
    uint32_t vtag;
    uint32_t checksum; /* as read from the wire, big-endian interpretation */
} tern_common_header;

/* A chunk as framed on the wire: header fields plus a view of its value
 * (Chunk Length − 4 bytes, padding excluded). */
typedef struct tern_chunk_raw {
    uint8_t type;
    uint8_t flags;
    uint16_t length;      /* the Chunk Length field */
    const uint8_t *start; /* the chunk header */
    tern_bytes value;
} tern_chunk_raw;

typedef struct tern_chunk_iter {
    const uint8_t *pos;
    const uint8_t *end;
} tern_chunk_iter;

/* Reads the common header and prepares iteration over the chunks.
 * Does not verify the checksum. Errors: TERN_EWIRE_SHORT. */
int tern_packet_parse(const uint8_t *pkt, size_t len, tern_common_header *hdr, tern_chunk_iter *it);

/* Next chunk: 1 and *out filled, 0 at the end, or an error (the iterator is
 * then left at the bad chunk): TERN_EWIRE_CHUNK_LEN (length < 4),
 * TERN_EWIRE_TRUNCATED (runs past the packet), TERN_EWIRE_PADDING (padding
 * missing after the chunk, or 1–3 stray bytes after the last chunk).
 * Padding bytes themselves are ignored whatever their value (§3.2). */
int tern_chunk_next(tern_chunk_iter *it, tern_chunk_raw *out);

/* Walks the whole packet: the number of chunks (≥ 0) or the first framing
 * error above. Does not decode chunk bodies. */
int tern_packet_validate(const uint8_t *pkt, size_t len);

/* CRC32c of the packet with its checksum field taken as zero (RFC 9260
 * appendix A); len must be ≥ 12. */
uint32_t tern_packet_crc(const uint8_t *pkt, size_t len);
/* Writes the checksum field of a finished packet. */
void tern_packet_set_checksum(uint8_t *pkt, size_t len);
/* True if the checksum field matches (len must be ≥ 12). */
bool tern_packet_checksum_ok(const uint8_t *pkt, size_t len);

/* Parameters (§3.2.1) and error causes (§3.3.10) share one TLV framing:
 * 16-bit type, 16-bit length (header included, padding excluded), value,
 * zero padding to a multiple of 4. */
typedef struct tern_tlv {
    uint16_t type;
    uint16_t length;      /* the Length field */
    const uint8_t *start; /* the TLV header */
    tern_bytes value;
} tern_tlv;

typedef struct tern_tlv_iter {
    const uint8_t *pos;
    const uint8_t *end;
} tern_tlv_iter;

void tern_tlv_iter_init(tern_tlv_iter *it, const uint8_t *ptr, size_t len);
static inline void tern_tlv_iter_init_bytes(tern_tlv_iter *it, tern_bytes b)
{
    tern_tlv_iter_init(it, b.ptr, b.len);
}
/* 1 and *out filled, 0 at the end, or TERN_EWIRE_PARAM_LEN (length < 4, runs
 * past the region, or 1–3 stray bytes left). The last TLV may omit its
 * padding (§3.2: a chunk's length excludes its last parameter's padding). */
int tern_tlv_next(tern_tlv_iter *it, tern_tlv *out);
/* The number of TLVs in a region, or TERN_EWIRE_PARAM_LEN. */
int tern_tlv_validate(tern_bytes region);

/* ---- Building packets ---------------------------------------------------
 * A bounded writer. The first failure (TERN_ENOSPC: out of room, TERN_ERANGE:
 * a chunk or TLV over 65535 bytes) is sticky in .err; later writes do nothing,
 * so a builder may write a whole chunk and check once. Nothing is ever
 * written past cap. */
typedef struct tern_wbuf {
    uint8_t *buf;
    size_t cap;
    size_t len;
    int err;
    size_t tail_pad_at;  /* where the padding of the last finished TLV starts */
    size_t tail_pad_end; /* and where it ends */
} tern_wbuf;

void tern_wbuf_init(tern_wbuf *w, uint8_t *buf, size_t cap);
/* Room for n more bytes: a pointer to them (len advanced), or NULL with .err set. */
uint8_t *tern_wbuf_reserve(tern_wbuf *w, size_t n);
void tern_wbuf_put(tern_wbuf *w, const void *src, size_t n);
void tern_wbuf_put_u8(tern_wbuf *w, uint8_t v);
void tern_wbuf_put_u16(tern_wbuf *w, uint16_t v);
void tern_wbuf_put_u32(tern_wbuf *w, uint32_t v);
void tern_wbuf_put_zeros(tern_wbuf *w, size_t n);

/* Writes the common header (checksum zero). */
void tern_wbuf_common_header(tern_wbuf *w, uint16_t src_port, uint16_t dst_port, uint32_t vtag);

/* Starts a chunk: returns its offset, to pass to tern_wbuf_chunk_end. */
size_t tern_wbuf_chunk_begin(tern_wbuf *w, uint8_t type, uint8_t flags);
/* Fills in the Chunk Length (excluding the padding of a parameter that ends
 * the chunk, §3.2) and pads the chunk with zeros to a multiple of 4. */
void tern_wbuf_chunk_end(tern_wbuf *w, size_t chunk_off);

/* Starts a parameter or error cause; returns its offset. */
size_t tern_wbuf_tlv_begin(tern_wbuf *w, uint16_t type);
/* Fills in its length (padding excluded) and pads to a multiple of 4. */
void tern_wbuf_tlv_end(tern_wbuf *w, size_t tlv_off);

/* A whole TLV with the given value bytes (may be empty). */
void tern_wbuf_tlv(tern_wbuf *w, uint16_t type, const void *value, size_t len);

#endif
