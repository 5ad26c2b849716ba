/* Error cause codec (RFC 9260 §3.3.10 and the extension causes of RFC 5061
 * §4.3 and RFC 4895 §4.1), carried in ABORT, ERROR and ASCONF Error Cause
 * Indication parameters. Causes use the TLV framing of packet.h. */
#ifndef TERN_WIRE_CAUSE_H
#define TERN_WIRE_CAUSE_H

#include "wire/param.h"

enum tern_cause_code {
    TERN_CAUSE_INVALID_STREAM = 1,
    TERN_CAUSE_MISSING_PARAM = 2,
    TERN_CAUSE_STALE_COOKIE = 3,
    TERN_CAUSE_OUT_OF_RESOURCE = 4,
    TERN_CAUSE_UNRESOLVABLE_ADDR = 5,
    TERN_CAUSE_UNRECOGNIZED_CHUNK = 6,
    TERN_CAUSE_INVALID_PARAM = 7,
    TERN_CAUSE_UNRECOGNIZED_PARAMS = 8,
    TERN_CAUSE_NO_USER_DATA = 9,
    TERN_CAUSE_COOKIE_WHILE_SHUTDOWN = 10,
    TERN_CAUSE_RESTART_NEW_ADDRS = 11,
    TERN_CAUSE_USER_ABORT = 12,
    TERN_CAUSE_PROTOCOL_VIOLATION = 13,
    TERN_CAUSE_DELETE_LAST_ADDR = 0x00A0,   /* RFC 5061 §4.3.1 */
    TERN_CAUSE_RESOURCE_SHORTAGE = 0x00A1,  /* RFC 5061 §4.3.2 */
    TERN_CAUSE_DELETE_SOURCE_ADDR = 0x00A2, /* RFC 5061 §4.3.3 */
    TERN_CAUSE_ILLEGAL_ASCONF_ACK = 0x00A3, /* RFC 5061 §4.3.4 */
    TERN_CAUSE_NO_AUTHORIZATION = 0x00A4,   /* RFC 5061 §4.3.5 */
    TERN_CAUSE_UNSUPPORTED_HMAC = 0x0105,   /* RFC 4895 §4.1 */
};

bool tern_cause_code_known(uint16_t code);
const char *tern_cause_code_name(uint16_t code);

typedef struct tern_cause {
    uint16_t code;
    tern_tlv raw;
    union {
        struct {
            uint16_t stream;
            uint16_t reserved; /* ignored on receipt, kept for re-encoding */
        } invalid_stream;
        tern_list16 missing;   /* MISSING_PARAM: the missing parameter types */
        uint32_t staleness_us; /* STALE_COOKIE: measure of staleness, µs */
        uint32_t tsn;          /* NO_USER_DATA */
        uint16_t hmac_id;      /* UNSUPPORTED_HMAC */
        tern_bytes bytes;      /* UNRESOLVABLE_ADDR (an address TLV), UNRECOGNIZED_CHUNK
                                  (the chunk), UNRECOGNIZED_PARAMS (the TLVs),
                                  RESTART_NEW_ADDRS (address TLVs), USER_ABORT (reason),
                                  PROTOCOL_VIOLATION (info), and the RFC 5061 causes
                                  (the offending TLV) */
    } u;
} tern_cause;

/* Decodes one cause: 0, TERN_EWIRE_LENGTH (layout), TERN_EWIRE_PARAM_LEN
 * (bad nested TLV framing where the cause holds TLVs). Unknown codes succeed
 * with only code and raw filled. Causes with no body (OUT_OF_RESOURCE,
 * INVALID_PARAM, COOKIE_WHILE_SHUTDOWN, ILLEGAL_ASCONF_ACK) must have
 * length 4. */
int tern_cause_decode(const tern_tlv *raw, tern_cause *out);

/* Appends one padded cause; decode → put is byte exact. */
int tern_cause_put(tern_wbuf *w, const tern_cause *c);

/* Convenience builders for the causes the core sends most. */
int tern_cause_put_invalid_stream(tern_wbuf *w, uint16_t stream);
int tern_cause_put_missing_params(tern_wbuf *w, const uint16_t *types, uint32_t count);
int tern_cause_put_stale_cookie(tern_wbuf *w, uint32_t staleness_us);
int tern_cause_put_no_user_data(tern_wbuf *w, uint32_t tsn);
int tern_cause_put_bytes(tern_wbuf *w, uint16_t code, const void *bytes, size_t len);

#endif
