/* tern_getsockopt (RFC 6458 §8.2, §8.3): the socket's defaults, or an
 * association's values (tern_ep_assoc_params_get, tern_ep_assoc_info).
 * *len in: the room; out: the bytes written. */
#include <stdlib.h>
#include <string.h>

#include "api/internal.h"

#define GIVE(T, v)                                \
    do {                                          \
        if (*len < sizeof(T)) return TERN_EINVAL; \
        memcpy(val, &(v), sizeof(T));             \
        *len = sizeof(T);                         \
        return 0;                                 \
    } while (0)

/* Reads the input part of a struct option (its assoc_id, address, ...). */
#define INPUT(T, v)                           \
    T v;                                      \
    if (*len < sizeof(T)) return TERN_EINVAL; \
    memcpy(&v, val, sizeof v)

static uint32_t ms(tern_time t)
{
    return (uint32_t)(t / 1000000u);
}

/* The association of a query that needs one. */
static int need_assoc(api_sock *s, tern_assoc_id id, api_assoc **a)
{
    int rc = tern_api_opt_assoc(s, id, a);
    if (rc == 0 && !*a) rc = s->type == TERN_SOCK_STREAM ? TERN_ENOTCONN : TERN_EINVAL;
    return rc;
}

static void paddrinfo(const tern_path_info *p, tern_assoc_id id, uint16_t port,
                      struct tern_paddrinfo *out)
{
    memset(out, 0, sizeof *out);
    out->assoc_id = id;
    tern_io_sockaddr(&p->path.remote, port, &out->address);
    out->state = p->state == TERN_PATH_ACTIVE     ? TERN_ACTIVE
                 : p->state == TERN_PATH_INACTIVE ? TERN_INACTIVE
                 : p->state == TERN_PATH_PF       ? TERN_PF
                                                  : TERN_UNCONFIRMED;
    out->cwnd = p->cwnd > UINT32_MAX ? UINT32_MAX : (uint32_t)p->cwnd;
    out->srtt = ms(p->srtt);
    out->rto = ms(p->rto);
    out->mtu = p->pmtu;
    out->packets_out = p->counters.packets_out;
    out->packets_in = p->counters.packets_in;
    out->data_out = p->counters.data_out;
    out->data_rtx = p->counters.data_rtx;
}

static int get_status(api_sock *s, void *val, size_t *len)
{
    INPUT(struct tern_status, st);
    api_assoc *a;
    int rc = need_assoc(s, st.assoc_id, &a);
    tern_assoc_info *info = rc ? NULL : malloc(sizeof *info);
    if (!rc && (!info || tern_ep_assoc_info(a->ep->ep, a->id, info) != 0)) rc = TERN_ENOTCONN;
    if (rc == 0) {
        memset(&st, 0, sizeof st);
        st.assoc_id = a->id;
        st.state = (int32_t)info->state; /* same numbering (RFC 9260 §4) */
        st.rwnd = info->peer_rwnd;
        st.instrms = info->inbound_streams;
        st.outstrms = info->outbound_streams;
        const tern_path_info *p = &info->paths[info->primary];
        st.fragmentation_point = info->frag_point;
        st.unackdata =
            info->unacked_chunks > UINT16_MAX ? UINT16_MAX : (uint16_t)info->unacked_chunks;
        /* Chunks still to be made from the queued bytes, at the fragmentation point. */
        size_t pend =
            info->frag_point ? (info->send_unsent + info->frag_point - 1) / info->frag_point : 0;
        st.penddata = pend > UINT16_MAX ? UINT16_MAX : (uint16_t)pend;
        paddrinfo(p, a->id, info->peer_port, &st.primary);
        memcpy(val, &st, sizeof st);
        *len = sizeof st;
    }
    free(info);
    return rc;
}

static int get_paddrinfo(api_sock *s, void *val, size_t *len)
{
    INPUT(struct tern_paddrinfo, pi);
    api_assoc *a;
    int rc = need_assoc(s, pi.assoc_id, &a);
    tern_addr addr;
    uint16_t port;
    if (rc == 0)
        rc = tern_api_addr_from(s, (const struct sockaddr *)&pi.address, sizeof pi.address, &addr,
                                &port);
    tern_assoc_info *info = rc ? NULL : malloc(sizeof *info);
    if (!rc && (!info || tern_ep_assoc_info(a->ep->ep, a->id, info) != 0)) rc = TERN_ENOTCONN;
    if (rc == 0) {
        rc = TERN_EINVAL; /* not one of its peer addresses */
        for (unsigned i = 0; i < info->num_paths; i++)
            if (memcmp(&info->paths[i].path.remote, &addr, sizeof addr) == 0) {
                paddrinfo(&info->paths[i], a->id, info->peer_port, &pi);
                memcpy(val, &pi, sizeof pi);
                *len = sizeof pi;
                rc = 0;
            }
    }
    free(info);
    return rc;
}

static int get_params(api_sock *s, tern_assoc_id id, api_assoc **a, tern_assoc_params *p)
{
    int rc = tern_api_opt_assoc(s, id, a);
    if (rc == 0 && *a && tern_ep_assoc_params_get((*a)->ep->ep, (*a)->id, p) != 0)
        rc = TERN_ENOTCONN;
    return rc;
}

/* The association's path at an option's address: that path's own settings
 * (*one false: the option names no address). */
static int path_params(api_sock *s, api_assoc *a, const struct sockaddr_storage *ss,
                       tern_addr *addr, bool *one, tern_path_params *out)
{
    int rc = tern_api_opt_addr(s, ss, addr, one);
    if (rc || !*one) return rc;
    if (!a) return TERN_EINVAL; /* an address names a path of an association */
    return tern_ep_path_params_get(a->ep->ep, a->id, addr, out) == 0 ? 0 : TERN_EINVAL;
}

static int get_paddrparams(api_sock *s, void *val, size_t *len)
{
    INPUT(struct tern_paddrparams, pp);
    api_assoc *a;
    tern_assoc_params p;
    tern_addr addr;
    bool one;
    tern_path_params path;
    int rc = get_params(s, pp.assoc_id, &a, &p);
    if (rc == 0) rc = path_params(s, a, &pp.address, &addr, &one, &path);
    if (rc) return rc;
    tern_time hb = s->cfg.hb_interval;
    uint32_t pmr = s->cfg.path_max_retrans, mtu = s->pmtu_fixed ? s->pmtu_fixed : s->cfg.pmtu;
    if (a) {
        tern_assoc_info *info = malloc(sizeof *info);
        if (!info) return TERN_ENOMEM;
        if (tern_ep_assoc_info(a->ep->ep, a->id, info) != 0) {
            free(info);
            return TERN_ENOTCONN;
        }
        hb = one ? path.hb_interval : p.hb_interval; /* a path's own values, if named */
        pmr = one ? path.path_max_retrans : p.path_max_retrans;
        mtu = info->paths[info->primary].pmtu;
        for (unsigned i = 0; one && i < info->num_paths; i++)
            if (memcmp(&info->paths[i].path.remote, &addr, sizeof addr) == 0)
                mtu = info->paths[i].pmtu;
        free(info);
    }
    pp.hbinterval = hb ? ms(hb) : s->hb_ms;
    pp.pathmaxrxt = (uint16_t)pmr;
    pp.pathmtu = mtu;
    pp.flags = (hb ? TERN_SPP_HB_ENABLE : TERN_SPP_HB_DISABLE) |
               (s->pmtu_fixed ? TERN_SPP_PMTUD_DISABLE : TERN_SPP_PMTUD_ENABLE);
    GIVE(struct tern_paddrparams, pp);
}

/* RFC 7829 §7.2: a path's thresholds, else the association's or the
 * socket's default. */
static int get_thresholds(api_sock *s, void *val, size_t *len)
{
    INPUT(struct tern_paddrthlds, th);
    api_assoc *a;
    tern_assoc_params p;
    tern_addr addr;
    bool one;
    tern_path_params path;
    int rc = get_params(s, th.assoc_id, &a, &p);
    if (rc == 0) rc = path_params(s, a, &th.address, &addr, &one, &path);
    if (rc) return rc;
    th.pathmaxrxt = one ? path.path_max_retrans : a ? p.path_max_retrans : s->cfg.path_max_retrans;
    th.pathpfthld = one ? path.pf_max_retrans : a ? p.pf_max_retrans : s->cfg.pf_max_retrans;
    GIVE(struct tern_paddrthlds, th);
}

static int get_switchover(api_sock *s, void *val, size_t *len)
{
    INPUT(struct tern_assoc_value, v);
    api_assoc *a;
    tern_assoc_params p;
    int rc = get_params(s, v.assoc_id, &a, &p);
    if (rc) return rc;
    v.value = a ? p.primary_switchover : s->cfg.primary_switchover;
    GIVE(struct tern_assoc_value, v);
}

static int get_primary(api_sock *s, void *val, size_t *len)
{
    INPUT(struct tern_setprim, sp);
    api_assoc *a;
    int rc = need_assoc(s, sp.assoc_id, &a);
    tern_assoc_info *info = rc ? NULL : malloc(sizeof *info);
    if (!rc && (!info || tern_ep_assoc_info(a->ep->ep, a->id, info) != 0)) rc = TERN_ENOTCONN;
    if (rc == 0) {
        tern_io_sockaddr(&info->paths[info->primary].path.remote, info->peer_port, &sp.addr);
        sp.assoc_id = a->id;
        memcpy(val, &sp, sizeof sp);
        *len = sizeof sp;
    }
    free(info);
    return rc;
}

static int get_assocparams(api_sock *s, void *val, size_t *len)
{
    INPUT(struct tern_assocparams, v);
    api_assoc *a;
    tern_assoc_params p;
    int rc = get_params(s, v.assoc_id, &a, &p);
    if (rc) return rc;
    memset(&v, 0, sizeof v);
    v.asocmaxrxt = a ? p.assoc_max_retrans : s->cfg.assoc_max_retrans;
    v.cookie_life = ms(s->cfg.valid_cookie_life);
    v.local_rwnd = s->cfg.rwnd;
    if (a) {
        tern_assoc_info *info = malloc(sizeof *info);
        if (info && tern_ep_assoc_info(a->ep->ep, a->id, info) == 0) {
            v.assoc_id = a->id;
            v.number_peer_destinations = info->num_paths;
            v.peer_rwnd = info->peer_rwnd;
            v.local_rwnd = info->a_rwnd;
        }
        free(info);
    }
    GIVE(struct tern_assocparams, v);
}

static int get_assoc_ids(api_sock *s, void *val, size_t *len)
{
    if (*len < sizeof(uint32_t)) return TERN_EINVAL;
    size_t room = (*len - sizeof(uint32_t)) / sizeof(tern_assoc_id), k = 0;
    uint32_t num = 0;
    uint8_t *out = (uint8_t *)val + sizeof(uint32_t);
    for (api_assoc *a = s->type == TERN_SOCK_STREAM ? s->assoc : s->alist; a; a = a->snext) {
        if (!a->dead) {
            if (k < room) memcpy(out + k++ * sizeof a->id, &a->id, sizeof a->id);
            num++;
        }
        if (s->type == TERN_SOCK_STREAM) break;
    }
    memcpy(val, &num, sizeof num);
    *len = sizeof(uint32_t) + k * sizeof(tern_assoc_id);
    return 0;
}

static int get_opt(api_sock *s, int opt, void *val, size_t *len)
{
    api_assoc *a;
    tern_assoc_params p;
    int rc;
    switch (opt) {
    case TERN_SO_NONBLOCK: {
        int v = s->nonblock;
        GIVE(int, v);
    }
    case TERN_SO_RCVTIMEO: GIVE(int, s->rcvtimeo);
    case TERN_SO_SNDTIMEO: GIVE(int, s->sndtimeo);
    case TERN_SO_SNDBUF: {
        int v = (int)(s->type == TERN_SOCK_STREAM && s->assoc ? s->assoc->sndbuf : s->cfg.sndbuf);
        GIVE(int, v);
    }
    case TERN_SO_RCVBUF: {
        int v = (int)s->cfg.rwnd;
        GIVE(int, v);
    }
    case TERN_SO_LINGER: GIVE(struct tern_linger, s->linger);
    case TERN_SO_ERROR: {
        if (*len < sizeof(int)) return TERN_EINVAL;
        int v = s->so_error;
        s->so_error = 0;
        GIVE(int, v);
    }
    case TERN_INITMSG: {
        struct tern_initmsg m = {s->cfg.outbound_streams, s->cfg.max_inbound_streams,
                                 s->cfg.max_init_retransmits, s->max_init_timeo};
        GIVE(struct tern_initmsg, m);
    }
    case TERN_RTOINFO: {
        INPUT(struct tern_rtoinfo, r);
        if ((rc = get_params(s, r.assoc_id, &a, &p)) != 0) return rc;
        r.initial = ms(a ? p.rto_initial : s->cfg.rto_initial);
        r.max = ms(a ? p.rto_max : s->cfg.rto_max);
        r.min = ms(a ? p.rto_min : s->cfg.rto_min);
        GIVE(struct tern_rtoinfo, r);
    }
    case TERN_ASSOCINFO: return get_assocparams(s, val, len);
    case TERN_NODELAY: {
        if ((rc = get_params(s, 0, &a, &p)) != 0) return rc;
        int v = a ? p.nodelay : s->cfg.nodelay;
        GIVE(int, v);
    }
    case TERN_MAXSEG: {
        INPUT(struct tern_assoc_value, v);
        if ((rc = get_params(s, v.assoc_id, &a, &p)) != 0) return rc;
        v.value = a ? p.max_seg : s->cfg.max_seg;
        GIVE(struct tern_assoc_value, v);
    }
    case TERN_AUTOCLOSE: {
        if (s->type != TERN_SOCK_SEQPACKET) return TERN_EOPNOTSUPP;
        int v = (int)(s->cfg.autoclose / 1000000000u);
        GIVE(int, v);
    }
    case TERN_DEFAULT_SNDINFO: GIVE(tern_send_info, s->defsnd);
    case TERN_EVENT: {
        INPUT(struct tern_event_subscribe, v);
        if (v.type < 1 || v.type > TERN_SN_TYPE_MAX) return TERN_EINVAL;
        v.on = (s->events >> v.type) & 1u;
        GIVE(struct tern_event_subscribe, v);
    }
    case TERN_STATUS: return get_status(s, val, len);
    case TERN_PEER_ADDR_INFO: return get_paddrinfo(s, val, len);
    case TERN_PEER_ADDR_PARAMS: return get_paddrparams(s, val, len);
    case TERN_PRIMARY_ADDR: return get_primary(s, val, len);
    case TERN_PEER_ADDR_THLDS: return get_thresholds(s, val, len);
    case TERN_PRIMARY_SWITCHOVER: return get_switchover(s, val, len);
    case TERN_DELAYED_SACK: {
        INPUT(struct tern_sack_info, v);
        if ((rc = get_params(s, v.assoc_id, &a, &p)) != 0) return rc;
        v.delay = ms(a ? p.sack_delay : s->cfg.sack_delay);
        v.freq = a ? p.sack_freq : s->cfg.sack_freq;
        GIVE(struct tern_sack_info, v);
    }
    case TERN_REMOTE_UDP_ENCAPS_PORT: {
        INPUT(struct tern_udpencaps, v);
        v.port = s->encaps_port;
        GIVE(struct tern_udpencaps, v);
    }
    case TERN_ADAPTATION_LAYER: GIVE(uint32_t, s->cfg.adaptation_ind);
    case TERN_PARTIAL_DELIVERY_POINT: GIVE(uint32_t, s->cfg.pd_point);
    case TERN_OMIT_INIT_PARAMS: {
        int v = s->cfg.omit_init_params ? 1 : 0;
        GIVE(int, v);
    }
    case TERN_GET_ASSOC_NUMBER: {
        uint32_t n = 0;
        for (api_assoc *x = s->type == TERN_SOCK_STREAM ? s->assoc : s->alist; x; x = x->snext) {
            n += !x->dead;
            if (s->type == TERN_SOCK_STREAM) break;
        }
        GIVE(uint32_t, n);
    }
    case TERN_GET_ASSOC_ID_LIST: return get_assoc_ids(s, val, len);
    default: return TERN_ENOPROTOOPT;
    }
}

TERN_EXPORT int tern_getsockopt(tern_ctx *ctx, int sd, int opt, void *val, size_t *len)
{
    if (!ctx) return TERN_EINVAL;
    tern_api_lock(ctx);
    api_sock *s = tern_api_sock(ctx, sd);
    int rc = !s ? TERN_EBADF : (!val || !len) ? TERN_EINVAL : get_opt(s, opt, val, len);
    tern_api_unlock(ctx);
    return rc;
}
