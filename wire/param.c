/* Parameters of INIT/INIT ACK (RFC 9260 §3.3.2.1, §3.3.3.1), HEARTBEAT
 * (§3.3.5), RE-CONFIG (RFC 6525 §4) and ASCONF (RFC 5061 §4.2). */
#include "wire/param.h"

#include <string.h>

#include "wire/tlv_internal.h"

bool tern_param_type_known(uint16_t type)
{
    return strcmp(tern_param_type_name(type), "Unknown") != 0;
}

const char *tern_param_type_name(uint16_t type)
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
    return "Unknown";
}

static tern_list16 list16(const uint8_t *ptr, size_t bytes)
{
    tern_list16 l = {(uint16_t)(bytes / 2), ptr};
    return l;
}

/* RFC 5061 §4.2.1–§4.2.4: a correlation id, then one IPv4 or IPv6 address
 * parameter, which must itself be well formed. */
static int decode_asconf_addr(tern_bytes v, tern_param *out)
{
    tern_tlv_iter it;
    tern_tlv addr, extra;
    if (v.len < 4 + TERN_TLV_HEADER_LEN) return TERN_EWIRE_LENGTH;
    tern_tlv_iter_init(&it, v.ptr + 4, v.len - 4);
    int rc = tern_tlv_next(&it, &addr);
    if (rc < 0) return rc;
    if (tern_tlv_next(&it, &extra) != 0) return TERN_EWIRE_LENGTH;
    if (!(addr.type == TERN_PARAM_IPV4 && addr.value.len == 4) &&
        !(addr.type == TERN_PARAM_IPV6 && addr.value.len == 16))
        return TERN_EWIRE_LENGTH;
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
        if (v.len == 0) return TERN_EWIRE_LENGTH;
        out->u.bytes = v;
        return 0;
    case TERN_PARAM_UNRECOGNIZED: {
        int n = tlv_count(v);
        if (n < 0) return n;
        if (n == 0) return TERN_EWIRE_LENGTH;
        out->u.bytes = v;
        return 0;
    }
    case TERN_PARAM_COOKIE_PRESERVATIVE:
    case TERN_PARAM_ADAPTATION:
    case TERN_PARAM_ZERO_CHECKSUM:
        if (v.len != 4) return TERN_EWIRE_LENGTH;
        if (type == TERN_PARAM_ADAPTATION)
            out->u.adaptation = tern_load32(p);
        else if (type == TERN_PARAM_ZERO_CHECKSUM)
            out->u.zero_checksum_edmid = tern_load32(p);
        else
            out->u.cookie_preservative = tern_load32(p);
        return 0;
    case TERN_PARAM_ECN_CAPABLE:
    case TERN_PARAM_FORWARD_TSN: return v.len == 0 ? 0 : TERN_EWIRE_LENGTH;
    case TERN_PARAM_SUPPORTED_ADDR_TYPES:
    case TERN_PARAM_HMAC_ALGO:
        if (v.len < 2 || v.len % 2) return TERN_EWIRE_LENGTH;
        if (type == TERN_PARAM_HMAC_ALGO)
            out->u.hmac_ids = list16(p, v.len);
        else
            out->u.addr_types = list16(p, v.len);
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

/* Fixed-size values written from fields: header + n bytes. */
static int put_fixed(tern_wbuf *w, uint16_t type, size_t n, size_t *off)
{
    int rc = tlv_room(w, n);
    if (rc) return rc;
    *off = tern_wbuf_tlv_begin(w, type);
    return 0;
}

static int put_asconf_addr(tern_wbuf *w, const tern_param *p)
{
    const tern_tlv *a = &p->u.asconf_addr.addr;
    if (!(a->type == TERN_PARAM_IPV4 && a->value.len == 4) &&
        !(a->type == TERN_PARAM_IPV6 && a->value.len == 16))
        return TERN_EINVAL;
    size_t off;
    int rc = put_fixed(w, p->type, 4 + TERN_TLV_HEADER_LEN + a->value.len, &off);
    if (rc) return rc;
    tern_wbuf_put_u32(w, p->u.asconf_addr.correlation_id);
    tern_wbuf_tlv(w, a->type, a->value.ptr, a->value.len);
    tern_wbuf_tlv_end(w, off);
    return w->err;
}

int tern_param_put(tern_wbuf *w, const tern_param *p)
{
    size_t off;
    int rc;
    switch ((enum tern_param_type)p->type) {
    case TERN_PARAM_IPV4: return tlv_put_bytes(w, p->type, p->u.ipv4, 4);
    case TERN_PARAM_IPV6: return tlv_put_bytes(w, p->type, p->u.ipv6, 16);
    case TERN_PARAM_HEARTBEAT_INFO:
    case TERN_PARAM_STATE_COOKIE:
    case TERN_PARAM_HOST_NAME:
    case TERN_PARAM_PADDING:
    case TERN_PARAM_CHUNK_LIST:
    case TERN_PARAM_SUPPORTED_EXT: return tlv_put_bytes(w, p->type, p->u.bytes.ptr, p->u.bytes.len);
    case TERN_PARAM_RANDOM:
        if (p->u.bytes.len == 0) return TERN_EINVAL;
        return tlv_put_bytes(w, p->type, p->u.bytes.ptr, p->u.bytes.len);
    case TERN_PARAM_UNRECOGNIZED:
        if (tlv_count(p->u.bytes) < 1) return TERN_EINVAL;
        return tlv_put_bytes(w, p->type, p->u.bytes.ptr, p->u.bytes.len);
    case TERN_PARAM_COOKIE_PRESERVATIVE: return tlv_put_u32(w, p->type, p->u.cookie_preservative);
    case TERN_PARAM_ADAPTATION: return tlv_put_u32(w, p->type, p->u.adaptation);
    case TERN_PARAM_ZERO_CHECKSUM: return tlv_put_u32(w, p->type, p->u.zero_checksum_edmid);
    case TERN_PARAM_ECN_CAPABLE:
    case TERN_PARAM_FORWARD_TSN: return tlv_put_bytes(w, p->type, NULL, 0);
    case TERN_PARAM_SUPPORTED_ADDR_TYPES:
        if (p->u.addr_types.count == 0) return TERN_EINVAL;
        return tlv_put_list16(w, p->type, p->u.addr_types.ptr, p->u.addr_types.count);
    case TERN_PARAM_HMAC_ALGO:
        if (p->u.hmac_ids.count == 0) return TERN_EINVAL;
        return tlv_put_list16(w, p->type, p->u.hmac_ids.ptr, p->u.hmac_ids.count);
    case TERN_PARAM_OUT_SSN_RESET_REQ:
        if (!p->u.out_reset.streams.ptr && p->u.out_reset.streams.count) return TERN_EINVAL;
        if ((rc = put_fixed(w, p->type, 12 + 2 * (size_t)p->u.out_reset.streams.count, &off)))
            return rc;
        tern_wbuf_put_u32(w, p->u.out_reset.req_seq);
        tern_wbuf_put_u32(w, p->u.out_reset.resp_seq);
        tern_wbuf_put_u32(w, p->u.out_reset.last_tsn);
        tern_wbuf_put(w, p->u.out_reset.streams.ptr, 2 * (size_t)p->u.out_reset.streams.count);
        break;
    case TERN_PARAM_IN_SSN_RESET_REQ:
        if (!p->u.in_reset.streams.ptr && p->u.in_reset.streams.count) return TERN_EINVAL;
        if ((rc = put_fixed(w, p->type, 4 + 2 * (size_t)p->u.in_reset.streams.count, &off)))
            return rc;
        tern_wbuf_put_u32(w, p->u.in_reset.req_seq);
        tern_wbuf_put(w, p->u.in_reset.streams.ptr, 2 * (size_t)p->u.in_reset.streams.count);
        break;
    case TERN_PARAM_SSN_TSN_RESET_REQ: return tlv_put_u32(w, p->type, p->u.tsn_reset.req_seq);
    case TERN_PARAM_RECONFIG_RESP:
        if ((rc = put_fixed(w, p->type, p->u.reconfig_resp.has_tsns ? 16 : 8, &off))) return rc;
        tern_wbuf_put_u32(w, p->u.reconfig_resp.resp_seq);
        tern_wbuf_put_u32(w, p->u.reconfig_resp.result);
        if (p->u.reconfig_resp.has_tsns) {
            tern_wbuf_put_u32(w, p->u.reconfig_resp.sender_next_tsn);
            tern_wbuf_put_u32(w, p->u.reconfig_resp.receiver_next_tsn);
        }
        break;
    case TERN_PARAM_ADD_OUT_STREAMS:
    case TERN_PARAM_ADD_IN_STREAMS:
        if ((rc = put_fixed(w, p->type, 8, &off))) return rc;
        tern_wbuf_put_u32(w, p->u.add_streams.req_seq);
        tern_wbuf_put_u16(w, p->u.add_streams.num_streams);
        tern_wbuf_put_u16(w, p->u.add_streams.reserved);
        break;
    case TERN_PARAM_ADD_IP:
    case TERN_PARAM_DEL_IP:
    case TERN_PARAM_SET_PRIMARY: return put_asconf_addr(w, p);
    case TERN_PARAM_ERROR_CAUSE_IND:
        if (tlv_count(p->u.error_ind.causes) < 0) return TERN_EINVAL;
        if ((rc = put_fixed(w, p->type, 4 + p->u.error_ind.causes.len, &off))) return rc;
        tern_wbuf_put_u32(w, p->u.error_ind.correlation_id);
        tern_wbuf_put(w, p->u.error_ind.causes.ptr, p->u.error_ind.causes.len);
        break;
    case TERN_PARAM_SUCCESS_IND: return tlv_put_u32(w, p->type, p->u.success_ind.correlation_id);
    default: return tlv_put_bytes(w, p->type, p->raw.value.ptr, p->raw.value.len);
    }
    tern_wbuf_tlv_end(w, off);
    return w->err;
}
