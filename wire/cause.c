/* Error causes: RFC 9260 §3.3.10, RFC 5061 §4.3, RFC 4895 §4.1. */
#include "wire/cause.h"

#include <string.h>

#include "wire/tlv_internal.h"

/* The name of a code this codec decodes, or NULL. */
static const char *known_name(uint16_t code)
{
    switch ((enum tern_cause_code)code) {
    case TERN_CAUSE_INVALID_STREAM: return "Invalid Stream Identifier";
    case TERN_CAUSE_MISSING_PARAM: return "Missing Mandatory Parameter";
    case TERN_CAUSE_STALE_COOKIE: return "Stale Cookie Error";
    case TERN_CAUSE_OUT_OF_RESOURCE: return "Out of Resource";
    case TERN_CAUSE_UNRESOLVABLE_ADDR: return "Unresolvable Address";
    case TERN_CAUSE_UNRECOGNIZED_CHUNK: return "Unrecognized Chunk Type";
    case TERN_CAUSE_INVALID_PARAM: return "Invalid Mandatory Parameter";
    case TERN_CAUSE_UNRECOGNIZED_PARAMS: return "Unrecognized Parameters";
    case TERN_CAUSE_NO_USER_DATA: return "No User Data";
    case TERN_CAUSE_COOKIE_WHILE_SHUTDOWN: return "Cookie Received While Shutting Down";
    case TERN_CAUSE_RESTART_NEW_ADDRS: return "Restart of an Association with New Addresses";
    case TERN_CAUSE_USER_ABORT: return "User-Initiated Abort";
    case TERN_CAUSE_PROTOCOL_VIOLATION: return "Protocol Violation";
    case TERN_CAUSE_DELETE_LAST_ADDR: return "Request to Delete Last Remaining IP Address";
    case TERN_CAUSE_RESOURCE_SHORTAGE: return "Operation Refused Due to Resource Shortage";
    case TERN_CAUSE_DELETE_SOURCE_ADDR: return "Request to Delete Source IP Address";
    case TERN_CAUSE_ILLEGAL_ASCONF_ACK: return "Association Aborted Due to Illegal ASCONF-ACK";
    case TERN_CAUSE_NO_AUTHORIZATION: return "Request Refused - No Authorization";
    case TERN_CAUSE_UNSUPPORTED_HMAC: return "Unsupported HMAC Identifier";
    }
    return NULL;
}

bool tern_cause_code_known(uint16_t code)
{
    return known_name(code) != NULL;
}

const char *tern_cause_code_name(uint16_t code)
{
    const char *name = known_name(code);
    return name ? name : "Unknown";
}

/* How many TLVs a cause whose body is TLVs must hold: -1 if its body is not
 * TLVs. The address of §3.3.10.5 and the TLV-Copied-From-ASCONF of RFC 5061
 * §4.3.1, §4.3.2, §4.3.3 and §4.3.5 are exactly one TLV; §3.3.10.8 quotes one
 * or more parameters; §3.3.10.11 lists the new addresses, zero or more. */
enum { TLVS_NONE = -1, TLVS_ANY = 0, TLVS_SOME = 1, TLVS_ONE = 2 };

static int tlv_body(uint16_t code)
{
    switch (code) {
    case TERN_CAUSE_UNRESOLVABLE_ADDR:
    case TERN_CAUSE_DELETE_LAST_ADDR:
    case TERN_CAUSE_RESOURCE_SHORTAGE:
    case TERN_CAUSE_DELETE_SOURCE_ADDR:
    case TERN_CAUSE_NO_AUTHORIZATION: return TLVS_ONE;
    case TERN_CAUSE_UNRECOGNIZED_PARAMS: return TLVS_SOME;
    case TERN_CAUSE_RESTART_NEW_ADDRS: return TLVS_ANY;
    }
    return TLVS_NONE;
}

/* Checks a TLV body: 0, TERN_EWIRE_PARAM_LEN (framing) or TERN_EWIRE_LENGTH
 * (wrong number of TLVs). */
static int check_tlv_body(int rule, tern_bytes v)
{
    int n = tlv_count(v);
    if (n < 0) return n;
    if (rule == TLVS_ONE && n != 1) return TERN_EWIRE_LENGTH;
    if (rule == TLVS_SOME && n < 1) return TERN_EWIRE_LENGTH;
    return 0;
}

static bool has_no_body(uint16_t code)
{
    return code == TERN_CAUSE_OUT_OF_RESOURCE || code == TERN_CAUSE_INVALID_PARAM ||
           code == TERN_CAUSE_COOKIE_WHILE_SHUTDOWN || code == TERN_CAUSE_ILLEGAL_ASCONF_ACK;
}

/* §3.3.10.2: Number of missing params N (32 bits), then N 16-bit types.
 * The Cause Length is 8 + 2N; a sender that counts the 2 bytes of padding
 * after an odd N (or adds anything else) is tolerated: the value must be at
 * least 4 + 2N bytes. */
static int decode_missing(tern_bytes v, tern_cause *out)
{
    if (v.len < 4) return TERN_EWIRE_LENGTH;
    uint32_t n = tern_load32(v.ptr);
    if ((uint64_t)v.len < 4 + 2 * (uint64_t)n) return TERN_EWIRE_LENGTH;
    out->u.missing.count = (uint16_t)n; /* n < 32766: the value is < 65532 bytes */
    out->u.missing.ptr = v.ptr + 4;
    return 0;
}

static int decode_value(uint16_t code, tern_bytes v, tern_cause *out)
{
    const uint8_t *p = v.ptr;
    if (has_no_body(code)) return v.len == 0 ? 0 : TERN_EWIRE_LENGTH;
    int rule = tlv_body(code);
    if (rule != TLVS_NONE) {
        int rc = check_tlv_body(rule, v);
        if (rc) return rc;
        out->u.bytes = v;
        return 0;
    }
    switch ((enum tern_cause_code)code) {
    case TERN_CAUSE_INVALID_STREAM:
        /* §3.3.10.1: stream identifier, 16 reserved bits. */
        if (v.len != 4) return TERN_EWIRE_LENGTH;
        out->u.invalid_stream.stream = tern_load16(p);
        out->u.invalid_stream.reserved = tern_load16(p + 2);
        return 0;
    case TERN_CAUSE_MISSING_PARAM: return decode_missing(v, out);
    case TERN_CAUSE_STALE_COOKIE:
        if (v.len != 4) return TERN_EWIRE_LENGTH;
        out->u.staleness_us = tern_load32(p);
        return 0;
    case TERN_CAUSE_NO_USER_DATA:
        if (v.len != 4) return TERN_EWIRE_LENGTH;
        out->u.tsn = tern_load32(p);
        return 0;
    case TERN_CAUSE_UNSUPPORTED_HMAC:
        /* RFC 4895 §4.1: "Cause Length ... MUST be set to 6": the identifier,
         * then 2 bytes of padding that the length does not count. */
        if (v.len != 2) return TERN_EWIRE_LENGTH;
        out->u.hmac_id = tern_load16(p);
        return 0;
    case TERN_CAUSE_UNRECOGNIZED_CHUNK:
        /* §3.3.10.6: the unrecognized chunk, at least its header. */
        if (v.len < TERN_CHUNK_HEADER_LEN) return TERN_EWIRE_LENGTH;
        out->u.bytes = v;
        return 0;
    case TERN_CAUSE_USER_ABORT:
    case TERN_CAUSE_PROTOCOL_VIOLATION: out->u.bytes = v; return 0;
    default: return 0; /* unknown: code and raw only */
    }
}

int tern_cause_decode(const tern_tlv *raw, tern_cause *out)
{
    memset(out, 0, sizeof *out);
    out->code = raw->type;
    out->raw = *raw;
    int rc = decode_value(raw->type, raw->value, out);
    if (rc) memset(&out->u, 0, sizeof out->u);
    return rc;
}

/* ---- Building ---------------------------------------------------------- */

/* A Missing Mandatory Parameter cause: the count, the list in wire form,
 * then `extra` bytes the decoder tolerated after the list. */
static int put_missing(tern_wbuf *w, uint32_t count, const uint8_t *list, const uint8_t *extra,
                       size_t extra_len)
{
    if ((!list && count) || count > (TERN_TLV_MAX_VALUE - 4) / 2) return TERN_EINVAL;
    int rc = tlv_room(w, 4 + 2 * (size_t)count + extra_len);
    if (rc) return rc;
    size_t off = tern_wbuf_tlv_begin(w, TERN_CAUSE_MISSING_PARAM);
    tern_wbuf_put_u32(w, count);
    tern_wbuf_put(w, list, 2 * (size_t)count);
    tern_wbuf_put(w, extra, extra_len);
    tern_wbuf_tlv_end(w, off);
    return w->err;
}

/* Bytes after the list that decode accepted: re-emitted only while the list
 * is still the decoded one, so decode → put stays byte exact. */
static size_t missing_extra(const tern_cause *c)
{
    const tern_tlv *r = &c->raw;
    if (r->type != TERN_CAUSE_MISSING_PARAM || !r->value.ptr || r->value.len < 4) return 0;
    if (c->u.missing.ptr != r->value.ptr + 4 || c->u.missing.count != tern_load32(r->value.ptr))
        return 0;
    size_t used = 4 + 2 * (size_t)c->u.missing.count;
    return r->value.len > used ? r->value.len - used : 0;
}

int tern_cause_put_invalid_stream(tern_wbuf *w, uint16_t stream)
{
    tern_cause c = {.code = TERN_CAUSE_INVALID_STREAM};
    c.u.invalid_stream.stream = stream;
    return tern_cause_put(w, &c);
}

int tern_cause_put_missing_params(tern_wbuf *w, const uint16_t *types, uint32_t count)
{
    if ((!types && count) || count > (TERN_TLV_MAX_VALUE - 4) / 2) return TERN_EINVAL;
    int rc = tlv_room(w, 4 + 2 * (size_t)count);
    if (rc) return rc;
    size_t off = tern_wbuf_tlv_begin(w, TERN_CAUSE_MISSING_PARAM);
    tern_wbuf_put_u32(w, count);
    for (uint32_t i = 0; i < count; i++)
        tern_wbuf_put_u16(w, types[i]);
    tern_wbuf_tlv_end(w, off);
    return w->err;
}

int tern_cause_put_stale_cookie(tern_wbuf *w, uint32_t staleness_us)
{
    return tlv_put_u32(w, TERN_CAUSE_STALE_COOKIE, staleness_us);
}

int tern_cause_put_no_user_data(tern_wbuf *w, uint32_t tsn)
{
    return tlv_put_u32(w, TERN_CAUSE_NO_USER_DATA, tsn);
}

/* The value is taken as is, but only if it decodes as the code's layout:
 * the core never sends a cause it would itself reject. */
int tern_cause_put_bytes(tern_wbuf *w, uint16_t code, const void *bytes, size_t len)
{
    static const uint8_t none[1];
    if ((!bytes && len) || len > TERN_TLV_MAX_VALUE) return TERN_EINVAL;
    tern_cause scratch;
    memset(&scratch, 0, sizeof scratch);
    if (decode_value(code, (tern_bytes){len ? bytes : none, len}, &scratch) != 0)
        return TERN_EINVAL;
    return tlv_put_bytes(w, code, bytes, len);
}

static int put_tlv_body(tern_wbuf *w, const tern_cause *c, int rule)
{
    tern_bytes b = c->u.bytes;
    if (b.len && !b.ptr) return TERN_EINVAL;
    if (b.len && check_tlv_body(rule, b) != 0) return TERN_EINVAL;
    if (!b.len && rule != TLVS_ANY) return TERN_EINVAL;
    return tlv_put_bytes(w, c->code, b.ptr, b.len);
}

int tern_cause_put(tern_wbuf *w, const tern_cause *c)
{
    uint16_t code = c->code;
    if (has_no_body(code)) return tlv_put_bytes(w, code, NULL, 0);
    int rule = tlv_body(code);
    if (rule != TLVS_NONE) return put_tlv_body(w, c, rule);
    switch ((enum tern_cause_code)code) {
    case TERN_CAUSE_INVALID_STREAM: {
        uint8_t v[4];
        tern_store16(v, c->u.invalid_stream.stream);
        tern_store16(v + 2, c->u.invalid_stream.reserved);
        return tlv_put_bytes(w, code, v, sizeof v);
    }
    case TERN_CAUSE_MISSING_PARAM: {
        size_t extra = missing_extra(c);
        const uint8_t *at = extra ? c->raw.value.ptr + c->raw.value.len - extra : NULL;
        return put_missing(w, c->u.missing.count, c->u.missing.ptr, at, extra);
    }
    case TERN_CAUSE_STALE_COOKIE: return tlv_put_u32(w, code, c->u.staleness_us);
    case TERN_CAUSE_NO_USER_DATA: return tlv_put_u32(w, code, c->u.tsn);
    case TERN_CAUSE_UNSUPPORTED_HMAC: {
        uint8_t id[2];
        tern_store16(id, c->u.hmac_id);
        return tlv_put_bytes(w, code, id, sizeof id);
    }
    case TERN_CAUSE_UNRECOGNIZED_CHUNK:
        if (c->u.bytes.len < TERN_CHUNK_HEADER_LEN) return TERN_EINVAL;
        return tlv_put_bytes(w, code, c->u.bytes.ptr, c->u.bytes.len);
    case TERN_CAUSE_USER_ABORT:
    case TERN_CAUSE_PROTOCOL_VIOLATION:
        return tlv_put_bytes(w, code, c->u.bytes.ptr, c->u.bytes.len);
    default: return tlv_put_bytes(w, code, c->raw.value.ptr, c->raw.value.len);
    }
}
