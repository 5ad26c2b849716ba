/* Chunk codec: every chunk of RFC 9260 §3.3 and of the extensions Tern
 * implements (RFC 3758, 4895, 5061, 6525, 8260, 4820).
 *
 * Decoders take a tern_chunk_raw from tern_chunk_next() and fill a struct
 * whose variable parts are views into the packet; they check the layout of
 * the chunk (lengths, counts) but not protocol rules, which are the core's.
 * Builders append a whole chunk, padded, to a tern_wbuf. */
#ifndef TERN_WIRE_CHUNK_H
#define TERN_WIRE_CHUNK_H

#include "wire/endian.h"
#include "wire/packet.h"

enum tern_chunk_type {
    TERN_CHUNK_DATA = 0,
    TERN_CHUNK_INIT = 1,
    TERN_CHUNK_INIT_ACK = 2,
    TERN_CHUNK_SACK = 3,
    TERN_CHUNK_HEARTBEAT = 4,
    TERN_CHUNK_HEARTBEAT_ACK = 5,
    TERN_CHUNK_ABORT = 6,
    TERN_CHUNK_SHUTDOWN = 7,
    TERN_CHUNK_SHUTDOWN_ACK = 8,
    TERN_CHUNK_ERROR = 9,
    TERN_CHUNK_COOKIE_ECHO = 10,
    TERN_CHUNK_COOKIE_ACK = 11,
    TERN_CHUNK_ECNE = 12,
    TERN_CHUNK_CWR = 13,
    TERN_CHUNK_SHUTDOWN_COMPLETE = 14,
    TERN_CHUNK_AUTH = 15,           /* RFC 4895 */
    TERN_CHUNK_I_DATA = 64,         /* RFC 8260 */
    TERN_CHUNK_ASCONF_ACK = 128,    /* RFC 5061 */
    TERN_CHUNK_RECONFIG = 130,      /* RFC 6525 */
    TERN_CHUNK_PAD = 132,           /* RFC 4820 */
    TERN_CHUNK_FORWARD_TSN = 192,   /* RFC 3758 */
    TERN_CHUNK_ASCONF = 193,        /* RFC 5061 */
    TERN_CHUNK_I_FORWARD_TSN = 194, /* RFC 8260 */
};

/* DATA / I-DATA flags (RFC 9260 §3.3.1, RFC 8260 §2.1). */
#define TERN_DATA_FLAG_E 0x01 /* ending fragment */
#define TERN_DATA_FLAG_B 0x02 /* beginning fragment */
#define TERN_DATA_FLAG_U 0x04 /* unordered */
#define TERN_DATA_FLAG_I 0x08 /* immediate SACK requested */
/* ABORT and SHUTDOWN COMPLETE (§3.3.7, §3.3.13). */
#define TERN_CHUNK_FLAG_T 0x01 /* verification tag reflected */

/* What to do with an unrecognized chunk or parameter: its two high bits
 * (§3.2, §3.2.1). */
enum tern_unknown_action {
    TERN_UNKNOWN_STOP = 0,        /* 00: stop processing, discard */
    TERN_UNKNOWN_STOP_REPORT = 1, /* 01: stop, discard, report */
    TERN_UNKNOWN_SKIP = 2,        /* 10: skip and continue */
    TERN_UNKNOWN_SKIP_REPORT = 3, /* 11: skip, continue, report */
};

static inline enum tern_unknown_action tern_chunk_unknown_action(uint8_t type)
{
    return (enum tern_unknown_action)(type >> 6);
}

/* True for every chunk type this codec decodes. */
bool tern_chunk_type_known(uint8_t type);
/* "DATA", "INIT", ...; "UNKNOWN" for others. */
const char *tern_chunk_type_name(uint8_t type);

/* DATA (§3.3.1). Minimum length 16; a DATA chunk with no user data still
 * decodes (fields filled) but returns TERN_EWIRE_NO_USER_DATA, so the core
 * can answer with the No User Data cause (§6.2). */
typedef struct tern_data {
    uint8_t flags;
    uint32_t tsn;
    uint16_t stream;
    uint16_t ssn;
    uint32_t ppid;
    tern_bytes payload;
} tern_data;

/* I-DATA (RFC 8260 §2.1). The fifth word is the PPID when B is set and the
 * Fragment Sequence Number otherwise: the decoder fills the matching member
 * and zeroes the other; the builder writes ppid if B is set, else fsn. */
typedef struct tern_idata {
    uint8_t flags;
    uint32_t tsn;
    uint16_t stream;
    uint32_t mid;
    uint32_t ppid;
    uint32_t fsn;
    tern_bytes payload;
} tern_idata;

/* INIT and INIT ACK (§3.3.2, §3.3.3): fixed part plus the parameters. */
typedef struct tern_init {
    uint32_t initiate_tag;
    uint32_t a_rwnd;
    uint16_t num_outbound_streams;
    uint16_t num_inbound_streams;
    uint32_t initial_tsn;
    tern_bytes params; /* TLVs, framing already validated by the decoder */
} tern_init;

/* SACK (§3.3.4). Gap blocks and duplicate TSNs stay in wire form; read them
 * with tern_sack_gap() / tern_sack_dup(). */
typedef struct tern_gap_block {
    uint16_t start; /* offsets from the cumulative TSN ack */
    uint16_t end;
} tern_gap_block;

typedef struct tern_sack {
    uint32_t cum_tsn_ack;
    uint32_t a_rwnd;
    uint16_t num_gap_blocks;
    uint16_t num_dup_tsns;
    const uint8_t *gap_blocks; /* num_gap_blocks × 4 bytes */
    const uint8_t *dup_tsns;   /* num_dup_tsns × 4 bytes */
} tern_sack;

static inline tern_gap_block tern_sack_gap(const tern_sack *s, size_t i)
{
    tern_gap_block g = {tern_load16(s->gap_blocks + 4 * i), tern_load16(s->gap_blocks + 4 * i + 2)};
    return g;
}

static inline uint32_t tern_sack_dup(const tern_sack *s, size_t i)
{
    return tern_load32(s->dup_tsns + 4 * i);
}

/* HEARTBEAT and HEARTBEAT ACK (§3.3.5, §3.3.6): the value is one Heartbeat
 * Info parameter (type 1); info is that parameter's value, opaque. */
typedef struct tern_heartbeat {
    tern_bytes info;
} tern_heartbeat;

/* ABORT and ERROR (§3.3.7, §3.3.10): zero or more error causes (TLVs,
 * framing validated). ABORT's T bit is in tern_chunk.flags. */
typedef struct tern_causes {
    tern_bytes causes;
} tern_causes;

/* SHUTDOWN (§3.3.8): length exactly 8. */
typedef struct tern_shutdown {
    uint32_t cum_tsn_ack;
} tern_shutdown;

/* COOKIE ECHO (§3.3.11): the cookie, opaque. */
typedef struct tern_cookie_echo {
    tern_bytes cookie;
} tern_cookie_echo;

/* ECNE and CWR (RFC 9260 appendix A reserves the types; layout of RFC 4960
 * appendix A): one TSN, length exactly 8. */
typedef struct tern_ecn {
    uint32_t tsn;
} tern_ecn;

/* AUTH (RFC 4895 §4.2). */
typedef struct tern_auth {
    uint16_t shared_key_id;
    uint16_t hmac_id;
    tern_bytes hmac;
} tern_auth;

/* FORWARD-TSN (RFC 3758 §3.2): new cumulative TSN and (stream, SSN) pairs. */
typedef struct tern_fwd_stream {
    uint16_t stream;
    uint16_t ssn;
} tern_fwd_stream;

typedef struct tern_forward_tsn {
    uint32_t new_cum_tsn;
    uint16_t num_streams;
    const uint8_t *streams; /* num_streams × 4 bytes */
} tern_forward_tsn;

static inline tern_fwd_stream tern_forward_tsn_stream(const tern_forward_tsn *f, size_t i)
{
    tern_fwd_stream s = {tern_load16(f->streams + 4 * i), tern_load16(f->streams + 4 * i + 2)};
    return s;
}

/* I-FORWARD-TSN (RFC 8260 §2.3): entries of (stream, U flag, MID). */
typedef struct tern_ifwd_entry {
    uint16_t stream;
    bool unordered;
    uint32_t mid;
} tern_ifwd_entry;

typedef struct tern_i_forward_tsn {
    uint32_t new_cum_tsn;
    uint16_t num_entries;
    const uint8_t *entries; /* num_entries × 8 bytes */
} tern_i_forward_tsn;

static inline tern_ifwd_entry tern_i_forward_tsn_entry(const tern_i_forward_tsn *f, size_t i)
{
    const uint8_t *p = f->entries + 8 * i;
    tern_ifwd_entry e = {tern_load16(p), (tern_load16(p + 2) & 1u) != 0, tern_load32(p + 4)};
    return e;
}

/* RE-CONFIG (RFC 6525 §3.1): one or two request/response parameters. */
typedef struct tern_reconfig {
    tern_bytes params;
} tern_reconfig;

/* ASCONF (RFC 5061 §3.1.1): serial number, an address parameter, then
 * ASCONF parameters. ASCONF-ACK (§3.1.2): serial number, then response
 * parameters. params holds every TLV after the serial number. */
typedef struct tern_asconf {
    uint32_t serial;
    tern_bytes params;
} tern_asconf;

/* PAD (RFC 4820 §3): padding bytes, ignored. */
typedef struct tern_pad {
    tern_bytes padding;
} tern_pad;

/* A decoded chunk of any type. For types the codec does not know, only
 * type, flags and raw are meaningful. */
typedef struct tern_chunk {
    uint8_t type;
    uint8_t flags;
    tern_chunk_raw raw;
    union {
        tern_data data;
        tern_idata idata;
        tern_init init; /* INIT, INIT ACK */
        tern_sack sack;
        tern_heartbeat heartbeat; /* HEARTBEAT, HEARTBEAT ACK */
        tern_causes causes;       /* ABORT, ERROR */
        tern_shutdown shutdown;
        tern_cookie_echo cookie_echo;
        tern_ecn ecn; /* ECNE, CWR */
        tern_auth auth;
        tern_forward_tsn forward_tsn;
        tern_i_forward_tsn i_forward_tsn;
        tern_reconfig reconfig;
        tern_asconf asconf; /* ASCONF, ASCONF-ACK */
        tern_pad pad;
    } u;
} tern_chunk;

/* Per-type decoders: 0, or TERN_EWIRE_LENGTH (the value does not fit the
 * type's layout, e.g. too short, counts disagreeing with the length, a fixed
 * size chunk of another size), TERN_EWIRE_PARAM_LEN (bad TLV framing inside),
 * TERN_EWIRE_NO_USER_DATA (DATA/I-DATA, fields still filled). */
int tern_data_decode(const tern_chunk_raw *raw, tern_data *out);
int tern_idata_decode(const tern_chunk_raw *raw, tern_idata *out);
int tern_init_decode(const tern_chunk_raw *raw, tern_init *out);
int tern_sack_decode(const tern_chunk_raw *raw, tern_sack *out);
int tern_heartbeat_decode(const tern_chunk_raw *raw, tern_heartbeat *out);
int tern_causes_decode(const tern_chunk_raw *raw, tern_causes *out);
int tern_shutdown_decode(const tern_chunk_raw *raw, tern_shutdown *out);
int tern_cookie_echo_decode(const tern_chunk_raw *raw, tern_cookie_echo *out);
int tern_ecn_decode(const tern_chunk_raw *raw, tern_ecn *out);
int tern_auth_decode(const tern_chunk_raw *raw, tern_auth *out);
int tern_forward_tsn_decode(const tern_chunk_raw *raw, tern_forward_tsn *out);
int tern_i_forward_tsn_decode(const tern_chunk_raw *raw, tern_i_forward_tsn *out);
int tern_reconfig_decode(const tern_chunk_raw *raw, tern_reconfig *out);
int tern_asconf_decode(const tern_chunk_raw *raw, tern_asconf *out); /* ASCONF, ASCONF-ACK */
int tern_pad_decode(const tern_chunk_raw *raw, tern_pad *out);
/* SHUTDOWN ACK, COOKIE ACK, SHUTDOWN COMPLETE: value must be empty. */
int tern_empty_chunk_decode(const tern_chunk_raw *raw);

/* Decodes any chunk by type (unknown types succeed with only raw filled). */
int tern_chunk_decode(const tern_chunk_raw *raw, tern_chunk *out);

/* Builders. Each appends one padded chunk to w; errors are sticky in w->err
 * (TERN_ENOSPC, TERN_ERANGE) and the same code is returned (0 on success).
 * TERN_EINVAL for arguments that cannot be encoded (e.g. a type the function
 * does not build). */
int tern_data_put(tern_wbuf *w, const tern_data *d);
int tern_idata_put(tern_wbuf *w, const tern_idata *d);
int tern_init_put(tern_wbuf *w, uint8_t type, const tern_init *init); /* INIT or INIT ACK */
int tern_sack_put(tern_wbuf *w, uint32_t cum_tsn_ack, uint32_t a_rwnd, const tern_gap_block *gaps,
                  uint16_t num_gaps, const uint32_t *dups, uint16_t num_dups);
int tern_heartbeat_put(tern_wbuf *w, uint8_t type, const void *info, size_t info_len);
int tern_causes_put(tern_wbuf *w, uint8_t type, uint8_t flags,
                    tern_bytes causes); /* ABORT, ERROR */
int tern_shutdown_put(tern_wbuf *w, uint32_t cum_tsn_ack);
int tern_empty_chunk_put(tern_wbuf *w, uint8_t type, uint8_t flags);
int tern_cookie_echo_put(tern_wbuf *w, const void *cookie, size_t len);
int tern_ecn_put(tern_wbuf *w, uint8_t type, uint32_t tsn); /* ECNE, CWR */
int tern_auth_put(tern_wbuf *w, uint16_t shared_key_id, uint16_t hmac_id, const void *hmac,
                  size_t hmac_len);
int tern_forward_tsn_put(tern_wbuf *w, uint32_t new_cum_tsn, const tern_fwd_stream *streams,
                         uint16_t num_streams);
int tern_i_forward_tsn_put(tern_wbuf *w, uint32_t new_cum_tsn, const tern_ifwd_entry *entries,
                           uint16_t num_entries);
int tern_reconfig_put(tern_wbuf *w, tern_bytes params);
int tern_asconf_put(tern_wbuf *w, uint8_t type, uint32_t serial, tern_bytes params);
int tern_pad_put(tern_wbuf *w, size_t padding_len);

/* Re-encodes a decoded chunk (any type, unknown ones from raw) so that
 * decode → put reproduces the chunk byte for byte. */
int tern_chunk_put(tern_wbuf *w, const tern_chunk *c);

#endif
