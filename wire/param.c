/* Parameters of INIT/INIT ACK (RFC 9260 §3.3.2.1, §3.3.3.1), HEARTBEAT
 * (§3.3.5), RE-CONFIG (RFC 6525 §4) and ASCONF (RFC 5061 §4.2), plus the
 * extension parameters of RFC 3758, 4820, 4895 and 9653.
 *
 * The decoder checks layout only: lengths, counts and the framing of nested
 * TLVs. Value ranges (a 32-byte RANDOM, a known HMAC identifier, ...) are
 * protocol rules and belong to the core. */
#include "wire/param.h"

#include <string.h>

#include "wire/tlv_internal.h"

/* The name of a type this codec decodes, or NULL. */
static const char *known_name(uint16_t type)
{
    switch ((enum tern_param_type)type) {
    case TERN_PARAM_HEARTBEAT_INFO: return "Heartbeat Info";
    case TERN_PARAM_IPV4: return "IPv4 Address";
    case TERN_PARAM_IPV6: return "IPv6 Address";
    case TERN_PARAM_STATE_COOKIE: return "State Cookie";
    case TERN_PARAM_UNRECOGNIZED: return "Unrecognized Parameter";
    case TERN_PARAM_COOKIE_PRESERVATIVE: return "Cookie Preservative";
    case TERN_PARAM_HOST_NAME: return "Host Name Address";
    case TERN_PARAM_SUPPORTED_ADDR_TYPES: return "Supported Address Types";
    case TERN_PARAM_OUT_SSN_RESET_REQ: return "Outgoing SSN Reset Request";
    case TERN_PARAM_IN_SSN_RESET_REQ: return "Incoming SSN Reset Request";
    case TERN_PARAM_SSN_TSN_RESET_REQ: return "SSN/TSN Reset Request";
    case TERN_PARAM_RECONFIG_RESP: return "Re-configuration Response";
    case TERN_PARAM_ADD_OUT_STREAMS: return "Add Outgoing Streams Request";
    case TERN_PARAM_ADD_IN_STREAMS: return "Add Incoming Streams Request";
    case TERN_PARAM_ECN_CAPABLE: return "ECN Capable";
    case TERN_PARAM_ZERO_CHECKSUM: return "Zero Checksum Acceptable";
    case TERN_PARAM_RANDOM: return "Random";
    case TERN_PARAM_CHUNK_LIST: return "Chunk List";
    case TERN_PARAM_HMAC_ALGO: return "Requested HMAC Algorithm";
    case TERN_PARAM_PADDING: return "Padding";
    case TERN_PARAM_SUPPORTED_EXT: return "Supported Extensions";
    case TERN_PARAM_FORWARD_TSN: return "Forward-TSN Supported";
    case TERN_PARAM_ADD_IP: return "Add IP Address";
    case TERN_PARAM_DEL_IP: return "Delete IP Address";
    case TERN_PARAM_ERROR_CAUSE_IND: return "Error Cause Indication";
    case TERN_PARAM_SET_PRIMARY: return "Set Primary Address";
    case TERN_PARAM_SUCCESS_IND: return "Success Indication";
    case TERN_PARAM_ADAPTATION: return "Adaptation Layer Indication";
    }
    return NULL;
}

bool tern_param_type_known(uint16_t type)
{
    return known_name(type) != NULL;
}

const char *tern_param_type_name(uint16_t type)
{
    const char *name = known_name(type);
    return name ? name : "Unknown";
}

static tern_list16 list16(const uint8_t *ptr, size_t bytes)
{
    tern_list16 l = {(uint16_t)(bytes / 2), ptr};
    return l;
}

/* A caller-supplied view is usable: NULL only when empty. */
static bool view_ok(const void *ptr, size_t len)
{
    return ptr != NULL || len == 0;
}

/* The number of TLVs in a caller-supplied region, TERN_EWIRE_PARAM_LEN for
 * bad framing, or TERN_EINVAL for a NULL view with a length. */
static int region_tlvs(tern_bytes b)
{
    if (b.len == 0) return 0;
    if (!b.ptr) return TERN_EINVAL;
    return tlv_count(b);
}

/* RFC 5061 §4.2.1–§4.2.4 carry an IPv4 (type 5, length 8) or IPv6 (type 6,
 * length 20) address parameter (RFC 9260 §3.3.2.1). */
static bool is_address_tlv(uint16_t type, size_t value_len)
{
    return (type == TERN_PARAM_IPV4 && value_len == 4) ||
           (type == TERN_PARAM_IPV6 && value_len == 16);
}

/* RFC 5061 §4.2.1–§4.2.4: a correlation id, then exactly one address
 * parameter, itself well formed. */
static int decode_asconf_addr(tern_bytes v, tern_param *out)
{
    if (v.len < 4) return TERN_EWIRE_LENGTH;
    tern_bytes rest = {v.ptr + 4, v.len - 4};
    int n = tlv_count(rest);
    if (n < 0) return n;
    if (n != 1) return TERN_EWIRE_LENGTH; /* no address, or more than one */
    tern_tlv_iter it;
    tern_tlv addr;
    tern_tlv_iter_init_bytes(&it, rest);
    if (tern_tlv_next(&it, &addr) != 1) return TERN_EWIRE_PARAM_LEN;
    if (!is_address_tlv(addr.type, addr.value.len)) return TERN_EWIRE_LENGTH;
    out->u.asconf_addr.correlation_id = tern_load32(v.ptr);
    out->u.asconf_addr.addr = addr;
    return 0;
}

/* The layout checks of one known parameter type; fills out->u. */
static int decode_value(uint16_t type, tern_bytes v, tern_param *out)
{
    const uint8_t *p = v.ptr;
    switch ((enum tern_param_type)type) {
    case TERN_PARAM_IPV4:
        if (v.len != 4) return TERN_EWIRE_LENGTH;
        memcpy(out->u.ipv4, p, 4);
        return 0;
    case TERN_PARAM_IPV6:
        if (v.len != 16) return TERN_EWIRE_LENGTH;
        memcpy(out->u.ipv6, p, 16);
        return 0;
    case TERN_PARAM_HEARTBEAT_INFO:
    case TERN_PARAM_STATE_COOKIE:
    case TERN_PARAM_HOST_NAME:
    case TERN_PARAM_PADDING:
    case TERN_PARAM_CHUNK_LIST:
    case TERN_PARAM_SUPPORTED_EXT: out->u.bytes = v; return 0;
    case TERN_PARAM_RANDOM:
        /* RFC 4895 §3.1: 32 bytes is the minimum the core demands. */
        if (v.len == 0) return TERN_EWIRE_LENGTH;
        out->u.bytes = v;
        return 0;
    case TERN_PARAM_UNRECOGNIZED: {
        /* §3.3.3.1: the unrecognized parameter(s), TLVs in full. */
        int n = tlv_count(v);
        if (n < 0) return n;
        if (n == 0) return TERN_EWIRE_LENGTH;
        out->u.bytes = v;
        return 0;
    }
    case TERN_PARAM_COOKIE_PRESERVATIVE:
        if (v.len != 4) return TERN_EWIRE_LENGTH;
        out->u.cookie_preservative = tern_load32(p);
        return 0;
    case TERN_PARAM_ADAPTATION:
        if (v.len != 4) return TERN_EWIRE_LENGTH;
        out->u.adaptation = tern_load32(p);
        return 0;
    case TERN_PARAM_ZERO_CHECKSUM:
        if (v.len != 4) return TERN_EWIRE_LENGTH;
        out->u.zero_checksum_edmid = tern_load32(p);
        return 0;
    case TERN_PARAM_ECN_CAPABLE:
    case TERN_PARAM_FORWARD_TSN: return v.len == 0 ? 0 : TERN_EWIRE_LENGTH;
    case TERN_PARAM_SUPPORTED_ADDR_TYPES:
        if (v.len < 2 || v.len % 2) return TERN_EWIRE_LENGTH;
        out->u.addr_types = list16(p, v.len);
        return 0;
    case TERN_PARAM_HMAC_ALGO:
        if (v.len < 2 || v.len % 2) return TERN_EWIRE_LENGTH;
        out->u.hmac_ids = list16(p, v.len);
        return 0;
    case TERN_PARAM_OUT_SSN_RESET_REQ:
        if (v.len < 12 || (v.len - 12) % 2) return TERN_EWIRE_LENGTH;
        out->u.out_reset.req_seq = tern_load32(p);
        out->u.out_reset.resp_seq = tern_load32(p + 4);
        out->u.out_reset.last_tsn = tern_load32(p + 8);
        out->u.out_reset.streams = list16(p + 12, v.len - 12);
        return 0;
    case TERN_PARAM_IN_SSN_RESET_REQ:
        if (v.len < 4 || (v.len - 4) % 2) return TERN_EWIRE_LENGTH;
        out->u.in_reset.req_seq = tern_load32(p);
        out->u.in_reset.streams = list16(p + 4, v.len - 4);
        return 0;
    case TERN_PARAM_SSN_TSN_RESET_REQ:
        if (v.len != 4) return TERN_EWIRE_LENGTH;
        out->u.tsn_reset.req_seq = tern_load32(p);
        return 0;
    case TERN_PARAM_RECONFIG_RESP:
        if (v.len != 8 && v.len != 16) return TERN_EWIRE_LENGTH;
        out->u.reconfig_resp.resp_seq = tern_load32(p);
        out->u.reconfig_resp.result = tern_load32(p + 4);
        out->u.reconfig_resp.has_tsns = v.len == 16;
        if (v.len == 16) {
            out->u.reconfig_resp.sender_next_tsn = tern_load32(p + 8);
            out->u.reconfig_resp.receiver_next_tsn = tern_load32(p + 12);
        }
        return 0;
    case TERN_PARAM_ADD_OUT_STREAMS:
    case TERN_PARAM_ADD_IN_STREAMS:
        if (v.len != 8) return TERN_EWIRE_LENGTH;
        out->u.add_streams.req_seq = tern_load32(p);
        out->u.add_streams.num_streams = tern_load16(p + 4);
        out->u.add_streams.reserved = tern_load16(p + 6);
        return 0;
    case TERN_PARAM_ADD_IP:
    case TERN_PARAM_DEL_IP:
    case TERN_PARAM_SET_PRIMARY: return decode_asconf_addr(v, out);
    case TERN_PARAM_ERROR_CAUSE_IND: {
        /* RFC 5061 §4.2.3: zero or more causes after the correlation id. */
        if (v.len < 4) return TERN_EWIRE_LENGTH;
        tern_bytes causes = {p + 4, v.len - 4};
        int n = tlv_count(causes);
        if (n < 0) return n;
        out->u.error_ind.correlation_id = tern_load32(p);
        out->u.error_ind.causes = causes;
        return 0;
    }
    case TERN_PARAM_SUCCESS_IND:
        if (v.len != 4) return TERN_EWIRE_LENGTH;
        out->u.success_ind.correlation_id = tern_load32(p);
        return 0;
    }
    return 0; /* unknown: type and raw only */
}

int tern_param_decode(const tern_tlv *raw, tern_param *out)
{
    memset(out, 0, sizeof *out);
    out->type = raw->type;
    out->raw = *raw;
    int rc = decode_value(raw->type, raw->value, out);
    if (rc) memset(&out->u, 0, sizeof out->u);
    return rc;
}

/* ---- Building ----------------------------------------------------------
 * Every builder checks that the value can be encoded (TERN_EINVAL, nothing
 * written) and that the whole padded TLV fits (sticky TERN_ENOSPC, nothing
 * written) before it writes its first byte. */

/* Starts a TLV whose value will be n bytes, after both checks. */
static int begin_fixed(tern_wbuf *w, uint16_t type, size_t n, size_t *off)
{
    int rc = tlv_room(w, n);
    if (rc) return rc;
    *off = tern_wbuf_tlv_begin(w, type);
    return 0;
}

static int finish(tern_wbuf *w, size_t off)
{
    tern_wbuf_tlv_end(w, off);
    return w->err;
}

static int put_list16(tern_wbuf *w, uint16_t type, tern_list16 l, bool nonempty)
{
    if (nonempty && l.count == 0) return TERN_EINVAL;
    if (!view_ok(l.ptr, l.count)) return TERN_EINVAL;
    return tlv_put_list16(w, type, l.ptr, l.count);
}

static int put_asconf_addr(tern_wbuf *w, const tern_param *p)
{
    const tern_tlv *a = &p->u.asconf_addr.addr;
    if (!is_address_tlv(a->type, a->value.len) || !a->value.ptr) return TERN_EINVAL;
    size_t off;
    int rc = begin_fixed(w, p->type, 4 + TERN_TLV_HEADER_LEN + a->value.len, &off);
    if (rc) return rc;
    tern_wbuf_put_u32(w, p->u.asconf_addr.correlation_id);
    tern_wbuf_tlv(w, a->type, a->value.ptr, a->value.len);
    return finish(w, off);
}

static int put_out_reset(tern_wbuf *w, const tern_param *p)
{
    tern_list16 s = p->u.out_reset.streams;
    if (!view_ok(s.ptr, s.count)) return TERN_EINVAL;
    size_t off;
    int rc = begin_fixed(w, p->type, 12 + 2 * (size_t)s.count, &off);
    if (rc) return rc;
    tern_wbuf_put_u32(w, p->u.out_reset.req_seq);
    tern_wbuf_put_u32(w, p->u.out_reset.resp_seq);
    tern_wbuf_put_u32(w, p->u.out_reset.last_tsn);
    tern_wbuf_put(w, s.ptr, 2 * (size_t)s.count);
    return finish(w, off);
}

static int put_in_reset(tern_wbuf *w, const tern_param *p)
{
    tern_list16 s = p->u.in_reset.streams;
    if (!view_ok(s.ptr, s.count)) return TERN_EINVAL;
    size_t off;
    int rc = begin_fixed(w, p->type, 4 + 2 * (size_t)s.count, &off);
    if (rc) return rc;
    tern_wbuf_put_u32(w, p->u.in_reset.req_seq);
    tern_wbuf_put(w, s.ptr, 2 * (size_t)s.count);
    return finish(w, off);
}

static int put_reconfig_resp(tern_wbuf *w, const tern_param *p)
{
    size_t off;
    int rc = begin_fixed(w, p->type, p->u.reconfig_resp.has_tsns ? 16 : 8, &off);
    if (rc) return rc;
    tern_wbuf_put_u32(w, p->u.reconfig_resp.resp_seq);
    tern_wbuf_put_u32(w, p->u.reconfig_resp.result);
    if (p->u.reconfig_resp.has_tsns) {
        tern_wbuf_put_u32(w, p->u.reconfig_resp.sender_next_tsn);
        tern_wbuf_put_u32(w, p->u.reconfig_resp.receiver_next_tsn);
    }
    return finish(w, off);
}

static int put_add_streams(tern_wbuf *w, const tern_param *p)
{
    size_t off;
    int rc = begin_fixed(w, p->type, 8, &off);
    if (rc) return rc;
    tern_wbuf_put_u32(w, p->u.add_streams.req_seq);
    tern_wbuf_put_u16(w, p->u.add_streams.num_streams);
    tern_wbuf_put_u16(w, p->u.add_streams.reserved);
    return finish(w, off);
}

static int put_error_ind(tern_wbuf *w, const tern_param *p)
{
    tern_bytes c = p->u.error_ind.causes;
    if (region_tlvs(c) < 0) return TERN_EINVAL;
    size_t off;
    int rc = begin_fixed(w, p->type, 4 + c.len, &off);
    if (rc) return rc;
    tern_wbuf_put_u32(w, p->u.error_ind.correlation_id);
    tern_wbuf_put(w, c.ptr, c.len);
    return finish(w, off);
}

int tern_param_put(tern_wbuf *w, const tern_param *p)
{
    const tern_bytes b = p->u.bytes;
    switch ((enum tern_param_type)p->type) {
    case TERN_PARAM_IPV4: return tlv_put_bytes(w, p->type, p->u.ipv4, 4);
    case TERN_PARAM_IPV6: return tlv_put_bytes(w, p->type, p->u.ipv6, 16);
    case TERN_PARAM_HEARTBEAT_INFO:
    case TERN_PARAM_STATE_COOKIE:
    case TERN_PARAM_HOST_NAME:
    case TERN_PARAM_PADDING:
    case TERN_PARAM_CHUNK_LIST:
    case TERN_PARAM_SUPPORTED_EXT: return tlv_put_bytes(w, p->type, b.ptr, b.len);
    case TERN_PARAM_RANDOM:
        if (b.len == 0) return TERN_EINVAL;
        return tlv_put_bytes(w, p->type, b.ptr, b.len);
    case TERN_PARAM_UNRECOGNIZED:
        if (region_tlvs(b) < 1) return TERN_EINVAL;
        return tlv_put_bytes(w, p->type, b.ptr, b.len);
    case TERN_PARAM_COOKIE_PRESERVATIVE: return tlv_put_u32(w, p->type, p->u.cookie_preservative);
    case TERN_PARAM_ADAPTATION: return tlv_put_u32(w, p->type, p->u.adaptation);
    case TERN_PARAM_ZERO_CHECKSUM: return tlv_put_u32(w, p->type, p->u.zero_checksum_edmid);
    case TERN_PARAM_ECN_CAPABLE:
    case TERN_PARAM_FORWARD_TSN: return tlv_put_bytes(w, p->type, NULL, 0);
    case TERN_PARAM_SUPPORTED_ADDR_TYPES: return put_list16(w, p->type, p->u.addr_types, true);
    case TERN_PARAM_HMAC_ALGO: return put_list16(w, p->type, p->u.hmac_ids, true);
    case TERN_PARAM_OUT_SSN_RESET_REQ: return put_out_reset(w, p);
    case TERN_PARAM_IN_SSN_RESET_REQ: return put_in_reset(w, p);
    case TERN_PARAM_SSN_TSN_RESET_REQ: return tlv_put_u32(w, p->type, p->u.tsn_reset.req_seq);
    case TERN_PARAM_RECONFIG_RESP: return put_reconfig_resp(w, p);
    case TERN_PARAM_ADD_OUT_STREAMS:
    case TERN_PARAM_ADD_IN_STREAMS: return put_add_streams(w, p);
    case TERN_PARAM_ADD_IP:
    case TERN_PARAM_DEL_IP:
    case TERN_PARAM_SET_PRIMARY: return put_asconf_addr(w, p);
    case TERN_PARAM_ERROR_CAUSE_IND: return put_error_ind(w, p);
    case TERN_PARAM_SUCCESS_IND: return tlv_put_u32(w, p->type, p->u.success_ind.correlation_id);
    }
    /* Unknown: re-emitted as received. */
    return tlv_put_bytes(w, p->type, p->raw.value.ptr, p->raw.value.len);
}
