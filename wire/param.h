/* Parameter codec: INIT/INIT ACK parameters (RFC 9260 §3.3.2.1, §3.3.3.1 and
 * extensions), the Heartbeat Info parameter, RE-CONFIG parameters (RFC 6525
 * §4) and ASCONF parameters (RFC 5061 §4.2).
 *
 * tern_param_decode() takes one TLV from tern_tlv_next() and checks its
 * layout; lists stay in wire form, read them with the accessors. */
#ifndef TERN_WIRE_PARAM_H
#define TERN_WIRE_PARAM_H

#include "wire/chunk.h"

enum tern_param_type {
    TERN_PARAM_HEARTBEAT_INFO = 1,
    TERN_PARAM_IPV4 = 5,
    TERN_PARAM_IPV6 = 6,
    TERN_PARAM_STATE_COOKIE = 7,
    TERN_PARAM_UNRECOGNIZED = 8,
    TERN_PARAM_COOKIE_PRESERVATIVE = 9,
    TERN_PARAM_HOST_NAME = 11,
    TERN_PARAM_SUPPORTED_ADDR_TYPES = 12,
    TERN_PARAM_OUT_SSN_RESET_REQ = 13,   /* RFC 6525 §4.1 */
    TERN_PARAM_IN_SSN_RESET_REQ = 14,    /* RFC 6525 §4.2 */
    TERN_PARAM_SSN_TSN_RESET_REQ = 15,   /* RFC 6525 §4.3 */
    TERN_PARAM_RECONFIG_RESP = 16,       /* RFC 6525 §4.4 */
    TERN_PARAM_ADD_OUT_STREAMS = 17,     /* RFC 6525 §4.5 */
    TERN_PARAM_ADD_IN_STREAMS = 18,      /* RFC 6525 §4.6 */
    TERN_PARAM_ECN_CAPABLE = 0x8000,     /* RFC 9260 appendix A */
    TERN_PARAM_ZERO_CHECKSUM = 0x8001,   /* RFC 9653 §4 */
    TERN_PARAM_RANDOM = 0x8002,          /* RFC 4895 §3.1 */
    TERN_PARAM_CHUNK_LIST = 0x8003,      /* RFC 4895 §3.2 */
    TERN_PARAM_HMAC_ALGO = 0x8004,       /* RFC 4895 §3.3 */
    TERN_PARAM_PADDING = 0x8005,         /* RFC 4820 §4 */
    TERN_PARAM_SUPPORTED_EXT = 0x8008,   /* RFC 5061 §4.2.7 */
    TERN_PARAM_FORWARD_TSN = 0xC000,     /* RFC 3758 §3.1 */
    TERN_PARAM_ADD_IP = 0xC001,          /* RFC 5061 §4.2.1 */
    TERN_PARAM_DEL_IP = 0xC002,          /* RFC 5061 §4.2.2 */
    TERN_PARAM_ERROR_CAUSE_IND = 0xC003, /* RFC 5061 §4.2.3 */
    TERN_PARAM_SET_PRIMARY = 0xC004,     /* RFC 5061 §4.2.4 */
    TERN_PARAM_SUCCESS_IND = 0xC005,     /* RFC 5061 §4.2.5 */
    TERN_PARAM_ADAPTATION = 0xC006,      /* RFC 5061 §4.2.6 */
};

/* RFC 6525 §4.4 result codes. */
enum tern_reconfig_result {
    TERN_RECONFIG_SUCCESS_NOTHING = 0,
    TERN_RECONFIG_SUCCESS_PERFORMED = 1,
    TERN_RECONFIG_DENIED = 2,
    TERN_RECONFIG_ERROR_WRONG_SSN = 3,
    TERN_RECONFIG_ERROR_IN_PROGRESS = 4,
    TERN_RECONFIG_ERROR_BAD_SEQ = 5,
    TERN_RECONFIG_IN_PROGRESS = 6,
};

/* RFC 4895 §3.3 HMAC identifiers. */
#define TERN_HMAC_SHA1   1
#define TERN_HMAC_SHA256 3

static inline enum tern_unknown_action tern_param_unknown_action(uint16_t type)
{
    return (enum tern_unknown_action)(type >> 14);
}

/* True for every parameter type this codec decodes. */
bool tern_param_type_known(uint16_t type);
const char *tern_param_type_name(uint16_t type);

/* A list of 16-bit values in wire form (supported address types, HMAC
 * identifiers, stream numbers). */
typedef struct tern_list16 {
    uint16_t count;
    const uint8_t *ptr;
} tern_list16;

static inline uint16_t tern_list16_get(tern_list16 l, size_t i)
{
    return tern_load16(l.ptr + 2 * i);
}

typedef struct tern_param {
    uint16_t type;
    tern_tlv raw;
    union {
        uint8_t ipv4[4];              /* IPV4 */
        uint8_t ipv6[16];             /* IPV6 */
        tern_bytes bytes;             /* HEARTBEAT_INFO, STATE_COOKIE, UNRECOGNIZED (the
                                         unrecognized TLV), HOST_NAME, RANDOM, PADDING,
                                         CHUNK_LIST and SUPPORTED_EXT (one chunk type a byte) */
        uint32_t cookie_preservative; /* milliseconds */
        uint32_t adaptation;          /* adaptation code point */
        uint32_t zero_checksum_edmid; /* error detection method identifier */
        tern_list16 addr_types;       /* SUPPORTED_ADDR_TYPES */
        tern_list16 hmac_ids;         /* HMAC_ALGO; at least one */
        struct {
            uint32_t req_seq;
            uint32_t resp_seq;
            uint32_t last_tsn;
            tern_list16 streams;
        } out_reset; /* OUT_SSN_RESET_REQ */
        struct {
            uint32_t req_seq;
            tern_list16 streams;
        } in_reset; /* IN_SSN_RESET_REQ */
        struct {
            uint32_t req_seq;
        } tsn_reset; /* SSN_TSN_RESET_REQ */
        struct {
            uint32_t resp_seq;
            uint32_t result;
            bool has_tsns;
            uint32_t sender_next_tsn;
            uint32_t receiver_next_tsn;
        } reconfig_resp;
        struct {
            uint32_t req_seq;
            uint16_t num_streams;
            uint16_t reserved; /* ignored on receipt, kept for re-encoding */
        } add_streams;         /* ADD_OUT_STREAMS, ADD_IN_STREAMS */
        struct {
            uint32_t correlation_id;
            tern_tlv addr; /* the IPv4/IPv6 address parameter inside */
        } asconf_addr;     /* ADD_IP, DEL_IP, SET_PRIMARY */
        struct {
            uint32_t correlation_id;
            tern_bytes causes; /* error cause TLVs, framing validated */
        } error_ind;           /* ERROR_CAUSE_IND */
        struct {
            uint32_t correlation_id;
        } success_ind;
    } u;
} tern_param;

/* Decodes one parameter: 0, TERN_EWIRE_LENGTH (value does not fit the type's
 * layout), or TERN_EWIRE_PARAM_LEN (bad nested TLV). Unknown types succeed
 * with only type and raw filled. */
int tern_param_decode(const tern_tlv *raw, tern_param *out);

/* Appends one padded parameter; 0 or the sticky w->err, or TERN_EINVAL for a
 * value that cannot be encoded. Unknown types are re-emitted from raw, so
 * decode → put is byte exact for every parameter. */
int tern_param_put(tern_wbuf *w, const tern_param *p);

#endif
