/* Error causes: RFC 9260 §3.3.10, RFC 5061 §4.3, RFC 4895 §4.1. */
#include "wire/cause.h"

#include <string.h>

#include "wire/tlv_internal.h"

const char *tern_cause_code_name(uint16_t code)
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
    return "Unknown";
}

bool tern_cause_code_known(uint16_t code)
{
    return strcmp(tern_cause_code_name(code), "Unknown") != 0;
}

/* Causes whose body is one or more TLVs (addresses, parameters). */
static bool holds_tlvs(uint16_t code)
{
    switch (code) {
    case TERN_CAUSE_UNRESOLVABLE_ADDR:
    case TERN_CAUSE_UNRECOGNIZED_PARAMS:
    case TERN_CAUSE_RESTART_NEW_ADDRS:
    case TERN_CAUSE_DELETE_LAST_ADDR:
    case TERN_CAUSE_RESOURCE_SHORTAGE:
    case TERN_CAUSE_DELETE_SOURCE_ADDR:
    case TERN_CAUSE_NO_AUTHORIZATION: return true;
    }
    return false;
}

static bool has_no_body(uint16_t code)
{
    return code == TERN_CAUSE_OUT_OF_RESOURCE || code == TERN_CAUSE_INVALID_PARAM ||
           code == TERN_CAUSE_COOKIE_WHILE_SHUTDOWN || code == TERN_CAUSE_ILLEGAL_ASCONF_ACK;
}

static int decode_value(uint16_t code, tern_bytes v, tern_cause *out)
{
    const uint8_t *p = v.ptr;
    if (has_no_body(code)) return v.len == 0 ? 0 : TERN_EWIRE_LENGTH;
    if (holds_tlvs(code)) {
        int n = tlv_count(v);
        if (n < 0) return n;
        if (n == 0) return TERN_EWIRE_LENGTH;
        out->u.bytes = v;
        return 0;
    }
    switch ((enum tern_cause_code)code) {
    case TERN_CAUSE_INVALID_STREAM:
        if (v.len != 4) return TERN_EWIRE_LENGTH;
        out->u.invalid_stream.stream = tern_load16(p);
        out->u.invalid_stream.reserved = tern_load16(p + 2);
        return 0;
    case TERN_CAUSE_MISSING_PARAM: {
        /* §3.3.10.2: Cause Length = 8 + 2N, padding not counted. */
        if (v.len < 4) return TERN_EWIRE_LENGTH;
        uint32_t n = tern_load32(p);
        if ((uint64_t)v.len != 4 + 2 * (uint64_t)n) return TERN_EWIRE_LENGTH;
        out->u.missing.count = (uint16_t)n;
        out->u.missing.ptr = p + 4;
        return 0;
    }
    case TERN_CAUSE_STALE_COOKIE:
        if (v.len != 4) return TERN_EWIRE_LENGTH;
        out->u.staleness_us = tern_load32(p);
        return 0;
    case TERN_CAUSE_NO_USER_DATA:
        if (v.len != 4) return TERN_EWIRE_LENGTH;
        out->u.tsn = tern_load32(p);
        return 0;
    case TERN_CAUSE_UNSUPPORTED_HMAC:
        /* RFC 4895 §4.1: Cause Length 6, the identifier then padding. */
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

int tern_cause_put_bytes(tern_wbuf *w, uint16_t code, const void *bytes, size_t len)
{
    return tlv_put_bytes(w, code, bytes, len);
}

int tern_cause_put(tern_wbuf *w, const tern_cause *c)
{
    uint16_t code = c->code;
    if (has_no_body(code)) return tlv_put_bytes(w, code, NULL, 0);
    if (holds_tlvs(code)) {
        if (tlv_count(c->u.bytes) < 1) return TERN_EINVAL;
        return tlv_put_bytes(w, code, c->u.bytes.ptr, c->u.bytes.len);
    }
    switch ((enum tern_cause_code)code) {
    case TERN_CAUSE_INVALID_STREAM: {
        int rc = tlv_room(w, 4);
        if (rc) return rc;
        size_t off = tern_wbuf_tlv_begin(w, code);
        tern_wbuf_put_u16(w, c->u.invalid_stream.stream);
        tern_wbuf_put_u16(w, c->u.invalid_stream.reserved);
        tern_wbuf_tlv_end(w, off);
        return w->err;
    }
    case TERN_CAUSE_MISSING_PARAM:
        if (!c->u.missing.ptr && c->u.missing.count) return TERN_EINVAL;
        {
            int rc = tlv_room(w, 4 + 2 * (size_t)c->u.missing.count);
            if (rc) return rc;
            size_t off = tern_wbuf_tlv_begin(w, code);
            tern_wbuf_put_u32(w, c->u.missing.count);
            tern_wbuf_put(w, c->u.missing.ptr, 2 * (size_t)c->u.missing.count);
            tern_wbuf_tlv_end(w, off);
            return w->err;
        }
    case TERN_CAUSE_STALE_COOKIE: return tlv_put_u32(w, code, c->u.staleness_us);
    case TERN_CAUSE_NO_USER_DATA: return tlv_put_u32(w, code, c->u.tsn);
    case TERN_CAUSE_UNSUPPORTED_HMAC: {
        uint8_t id[2];
        tern_store16(id, c->u.hmac_id);
        return tlv_put_bytes(w, code, id, 2);
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
