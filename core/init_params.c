/* INIT and INIT ACK optional parameters (RFC 9260 §3.3.2.1, §3.3.3.1,
 * §5.1.2): what Tern reads from the peer's, and what it sends. Parameters
 * of extensions Tern does not implement yet are "unrecognized" on purpose:
 * their upper two bits (§3.2.1) then tell the peer what we lack. */
#include <string.h>

#include "core/internal.h"
#include "wire/param.h"

/* Parameters Tern acts on (or, for padding and the cookie, knowingly
 * ignores) in an INIT or INIT ACK. */
static bool understood(uint16_t type)
{
    switch (type) {
    case TERN_PARAM_IPV4:
    case TERN_PARAM_IPV6:
    case TERN_PARAM_STATE_COOKIE:
    case TERN_PARAM_UNRECOGNIZED:
    case TERN_PARAM_COOKIE_PRESERVATIVE:
    case TERN_PARAM_HOST_NAME:
    case TERN_PARAM_SUPPORTED_ADDR_TYPES:
    case TERN_PARAM_SUPPORTED_EXT:
    case TERN_PARAM_ADAPTATION: /* RFC 5061 §4.2.6: passed to the user */
    case TERN_PARAM_PADDING: return true;
    default: return false;
    }
}

static void take_address(tern_init_scan *out, const tern_param *p)
{
    tern_addr a = {0};
    if (p->type == TERN_PARAM_IPV4) {
        a.family = TERN_AF_INET;
        memcpy(a.ip, p->u.ipv4, 4);
    } else {
        a.family = TERN_AF_INET6;
        memcpy(a.ip, p->u.ipv6, 16);
    }
    if (!tern_addr_is_unicast(&a) || out->num_addrs == TERN_MAX_PATHS) return;
    for (unsigned i = 0; i < out->num_addrs; i++)
        if (tern_addr_equal(&out->addrs[i], &a)) return;
    out->addrs[out->num_addrs++] = a;
}

void tern_init_params_scan(tern_bytes params, tern_init_scan *out, tern_wbuf *report)
{
    memset(out, 0, sizeof *out);
    tern_tlv_iter it;
    tern_tlv tlv;
    tern_tlv_iter_init_bytes(&it, params);
    /* Bounded: each step consumes at least one 4-byte TLV of the chunk. */
    while (tern_tlv_next(&it, &tlv) > 0) {
        if (!understood(tlv.type)) {
            enum tern_unknown_action act = tern_param_unknown_action(tlv.type);
            if (report && (act == TERN_UNKNOWN_STOP_REPORT || act == TERN_UNKNOWN_SKIP_REPORT)) {
                size_t before = report->len;
                /* the parameter with its own padding: the wrapper's
                 * length is then a multiple of 4 wherever it lands */
                size_t off = tern_wbuf_tlv_begin(report, TERN_PARAM_UNRECOGNIZED);
                tern_wbuf_put(report, tlv.start, tlv.length);
                tern_wbuf_put_zeros(report, (size_t)(-tlv.length & 3));
                tern_wbuf_tlv_end(report, off);
                if (report->err) { /* no room: report what fits */
                    report->len = before;
                    report->err = 0;
                }
            }
            if (act == TERN_UNKNOWN_STOP || act == TERN_UNKNOWN_STOP_REPORT) break;
            continue;
        }
        tern_param p;
        if (tern_param_decode(&tlv, &p) != 0) continue; /* malformed optional parameter */
        switch (tlv.type) {
        case TERN_PARAM_IPV4:
        case TERN_PARAM_IPV6: take_address(out, &p); break;
        case TERN_PARAM_HOST_NAME:
            out->host_name = true;
            out->host_name_tlv = tlv;
            break;
        case TERN_PARAM_COOKIE_PRESERVATIVE:
            out->cookie_preservative_ms = p.u.cookie_preservative;
            break;
        case TERN_PARAM_ADAPTATION:
            out->adaptation_on = true;
            out->adaptation = p.u.adaptation;
            break;
        case TERN_PARAM_SUPPORTED_ADDR_TYPES:
            for (size_t i = 0; i < p.u.addr_types.count; i++) {
                uint16_t t = tern_list16_get(p.u.addr_types, i);
                if (t == TERN_PARAM_IPV4) out->addr_types |= TERN_ADDR_TYPE_V4;
                if (t == TERN_PARAM_IPV6) out->addr_types |= TERN_ADDR_TYPE_V6;
            }
            break;
        case TERN_PARAM_SUPPORTED_EXT:
            for (size_t i = 0; i < p.u.bytes.len; i++) {
                uint8_t t = p.u.bytes.ptr[i];
                out->ext[t / 8] |= (uint8_t)(1u << (t % 8));
            }
            break;
        default: break;
        }
    }
}

void tern_addr_param_put(tern_wbuf *w, const tern_addr *a)
{
    if (a->family == TERN_AF_INET)
        tern_wbuf_tlv(w, TERN_PARAM_IPV4, a->ip, 4);
    else
        tern_wbuf_tlv(w, TERN_PARAM_IPV6, a->ip, 16);
}

static bool is_loopback(const tern_addr *a)
{
    static const uint8_t v6_loopback[16] = {[15] = 1};
    if (a->family == TERN_AF_INET) return a->ip[0] == 127;
    return a->family == TERN_AF_INET6 && memcmp(a->ip, v6_loopback, 16) == 0;
}

static bool is_link_local(const tern_addr *a)
{
    if (a->family == TERN_AF_INET) return a->ip[0] == 169 && a->ip[1] == 254;
    return a->family == TERN_AF_INET6 && a->ip[0] == 0xfe && (a->ip[1] & 0xc0) == 0x80;
}

bool tern_local_addr_listed(const tern_addr *ours, const tern_addr *peer)
{
    if (is_loopback(ours) != is_loopback(peer)) return false;
    return !is_link_local(ours) || is_link_local(peer);
}

static unsigned type_of(const tern_addr *a)
{
    return a->family == TERN_AF_INET ? TERN_ADDR_TYPE_V4 : TERN_ADDR_TYPE_V6;
}

unsigned tern_init_peer_types(const tern_init_scan *scan, const tern_addr *source)
{
    if (!scan->addr_types) return TERN_ADDR_TYPES;
    unsigned types = scan->addr_types | type_of(source);
    for (unsigned i = 0; i < scan->num_addrs; i++)
        types |= type_of(&scan->addrs[i]);
    return types;
}

void tern_init_params_put(const tern_assoc_cfg *c, tern_wbuf *w, uint32_t cookie_preservative_ms,
                          const tern_addr *peer, unsigned types)
{
    if (c->omit_init_params) return; /* tern_ep_config.omit_init_params */
    for (unsigned i = 0; i < c->num_local_addrs; i++) {
        const tern_addr *ours = &c->local_addrs[i];
        if ((types & type_of(ours)) && tern_local_addr_listed(ours, peer))
            tern_addr_param_put(w, ours);
    }
    if (c->adaptation_ind_on) {
        size_t off = tern_wbuf_tlv_begin(w, TERN_PARAM_ADAPTATION);
        tern_wbuf_put_u32(w, c->adaptation_ind);
        tern_wbuf_tlv_end(w, off);
    }
    if (cookie_preservative_ms) {
        size_t off = tern_wbuf_tlv_begin(w, TERN_PARAM_COOKIE_PRESERVATIVE);
        tern_wbuf_put_u32(w, cookie_preservative_ms);
        tern_wbuf_tlv_end(w, off);
    }
}

void tern_assoc_take_init_params(tern_ep *ep, tern_assoc *a, const tern_init_scan *scan)
{
    memcpy(a->peer_ext, scan->ext, sizeof a->peer_ext);
    a->peer_adaptation_on = scan->adaptation_on;
    a->peer_adaptation = scan->adaptation;
    const tern_path *like = &tern_primary(a)->path;
    for (unsigned i = 0; i < scan->num_addrs; i++)
        tern_assoc_add_path(ep, a, &scan->addrs[i], like);
}
