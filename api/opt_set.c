/* tern_setsockopt (RFC 6458 §8.1): each option is checked whole (size and
 * ranges) before anything changes; then it goes to the socket's defaults for
 * new associations (tern_ep_config_update on an endpoint the socket owns)
 * and, where it names one, to an existing association
 * (tern_ep_assoc_params_set, set_primary, set_path_mtu, heartbeat_now). */
#include <string.h>

#include "api/internal.h"

#define MS_MAX 86400000u /* a day, the core's upper bound for times */

#define TAKE(T, v)                            \
    T v;                                      \
    if (len != sizeof(T)) return TERN_EINVAL; \
    memcpy(&v, val, sizeof v)

int tern_api_opt_assoc(api_sock *s, tern_assoc_id id, api_assoc **out)
{
    *out = NULL;
    if (s->type == TERN_SOCK_STREAM) {
        api_assoc *a = s->assoc && !s->assoc->dead && s->assoc->up ? s->assoc : NULL;
        if (id && !a) return TERN_ENOTCONN;
        if (id && a->id != id) return TERN_EINVAL;
        *out = a;
        return 0;
    }
    if (!id) return 0;
    *out = tern_api_sock_assoc(s, id);
    return *out ? 0 : TERN_EINVAL;
}

static int params_get(api_assoc *a, tern_assoc_params *p)
{
    int rc = tern_ep_assoc_params_get(a->ep->ep, a->id, p);
    return rc == TERN_ENOENT ? TERN_EINVAL : rc;
}

static int params_set(tern_ctx *ctx, api_assoc *a, const tern_assoc_params *p)
{
    int rc = tern_ep_assoc_params_set(a->ep->ep, a->id, p, tern_clock_now());
    tern_api_touch(ctx, a->ep);
    return rc == TERN_ENOENT ? TERN_EINVAL : rc;
}

static int defaults_changed(api_sock *s, const tern_ep_config *old)
{
    int rc = tern_api_ep_configure(s);
    if (rc) s->cfg = *old; /* refused: nothing changes */
    return rc;
}

/* ---- buffers ------------------------------------------------------------------------------- */

static int set_sndbuf(tern_ctx *ctx, api_sock *s, int v)
{
    if (v < (int)API_BUF_MIN || (unsigned)v > API_BUF_MAX) return TERN_EINVAL;
    for (api_assoc *a = s->type == TERN_SOCK_STREAM ? s->assoc : s->alist; a; a = a->snext) {
        tern_assoc_params p;
        if (!a->dead && a->up && params_get(a, &p) == 0) {
            p.sndbuf = (uint32_t)v;
            if (params_set(ctx, a, &p) == 0) a->sndbuf = (uint32_t)v;
        }
        if (s->type == TERN_SOCK_STREAM) break;
    }
    tern_ep_config old = s->cfg;
    s->cfg.sndbuf = (uint32_t)v;
    return defaults_changed(s, &old);
}

static int set_rcvbuf(api_sock *s, int v)
{
    if (v < (int)API_BUF_MIN || (unsigned)v > API_BUF_MAX) return TERN_EINVAL;
    if (s->cfg.pd_point > (uint32_t)v) return TERN_EINVAL;
    tern_ep_config old = s->cfg;
    s->cfg.rwnd = (uint32_t)v; /* new associations: the window is set at the handshake */
    return defaults_changed(s, &old);
}

/* ---- protocol parameters ------------------------------------------------------------------------
 */

static int set_initmsg(api_sock *s, const struct tern_initmsg *m)
{
    if (m->max_attempts > 255) return TERN_EINVAL;
    tern_ep_config old = s->cfg;
    if (m->num_ostreams) s->cfg.outbound_streams = m->num_ostreams;
    if (m->max_instreams) s->cfg.max_inbound_streams = m->max_instreams;
    if (m->max_attempts) s->cfg.max_init_retransmits = (uint8_t)m->max_attempts;
    if (m->max_init_timeo) {
        s->max_init_timeo = m->max_init_timeo;
        s->cfg.init_rto_max = TERN_MSEC(m->max_init_timeo);
    }
    return defaults_changed(s, &old);
}

static int set_rtoinfo(tern_ctx *ctx, api_sock *s, const struct tern_rtoinfo *r)
{
    api_assoc *a;
    int rc = tern_api_opt_assoc(s, r->assoc_id, &a);
    if (rc) return rc;
    if (r->initial > MS_MAX || r->max > MS_MAX || r->min > MS_MAX) return TERN_EINVAL;
    tern_assoc_params p;
    if (a && (rc = params_get(a, &p)) != 0) return rc;
    tern_time ini = r->initial ? TERN_MSEC(r->initial) : a ? p.rto_initial : s->cfg.rto_initial;
    tern_time max = r->max ? TERN_MSEC(r->max) : a ? p.rto_max : s->cfg.rto_max;
    tern_time min = r->min ? TERN_MSEC(r->min) : a ? p.rto_min : s->cfg.rto_min;
    if (!(min <= ini && ini <= max)) return TERN_EINVAL;
    if (a) {
        p.rto_initial = ini;
        p.rto_max = max;
        p.rto_min = min;
        if ((rc = params_set(ctx, a, &p)) != 0) return rc;
    }
    if (r->assoc_id && s->type == TERN_SOCK_SEQPACKET) return 0;
    tern_ep_config old = s->cfg;
    if (r->initial) s->cfg.rto_initial = ini;
    if (r->max) s->cfg.rto_max = max;
    if (r->min) s->cfg.rto_min = min;
    if (!(s->cfg.rto_min <= s->cfg.rto_initial && s->cfg.rto_initial <= s->cfg.rto_max)) {
        s->cfg = old;
        return a ? 0 : TERN_EINVAL;
    }
    return defaults_changed(s, &old);
}

static int set_associnfo(tern_ctx *ctx, api_sock *s, const struct tern_assocparams *v)
{
    api_assoc *a;
    int rc = tern_api_opt_assoc(s, v->assoc_id, &a);
    if (rc) return rc;
    if (v->asocmaxrxt > 255 || v->cookie_life > MS_MAX) return TERN_EINVAL;
    if (a && v->asocmaxrxt) {
        tern_assoc_params p;
        if ((rc = params_get(a, &p)) != 0) return rc;
        p.assoc_max_retrans = (uint8_t)v->asocmaxrxt;
        if ((rc = params_set(ctx, a, &p)) != 0) return rc;
    }
    if (v->assoc_id && s->type == TERN_SOCK_SEQPACKET) return 0;
    tern_ep_config old = s->cfg;
    if (v->asocmaxrxt) s->cfg.assoc_max_retrans = (uint8_t)v->asocmaxrxt;
    if (v->cookie_life) s->cfg.valid_cookie_life = TERN_MSEC(v->cookie_life);
    return defaults_changed(s, &old);
}

static int set_nodelay(tern_ctx *ctx, api_sock *s, int on)
{
    api_assoc *a;
    tern_api_opt_assoc(s, 0, &a);
    tern_assoc_params p;
    if (a && params_get(a, &p) == 0) {
        p.nodelay = on != 0;
        params_set(ctx, a, &p);
    }
    tern_ep_config old = s->cfg;
    s->cfg.nodelay = on != 0;
    return defaults_changed(s, &old);
}

static int set_maxseg(tern_ctx *ctx, api_sock *s, const struct tern_assoc_value *v)
{
    api_assoc *a;
    int rc = tern_api_opt_assoc(s, v->assoc_id, &a);
    if (rc) return rc;
    if (v->value && (v->value < 64 || v->value > 65535)) return TERN_EINVAL;
    tern_assoc_params p;
    if (a && (rc = params_get(a, &p)) == 0) {
        p.max_seg = v->value;
        rc = params_set(ctx, a, &p);
    }
    if (rc || (v->assoc_id && s->type == TERN_SOCK_SEQPACKET)) return rc;
    tern_ep_config old = s->cfg;
    s->cfg.max_seg = v->value;
    return defaults_changed(s, &old);
}

static int set_autoclose(tern_ctx *ctx, api_sock *s, int secs)
{
    if (s->type != TERN_SOCK_SEQPACKET) return TERN_EOPNOTSUPP;
    if (secs < 0 || secs > 86400) return TERN_EINVAL;
    for (api_assoc *a = s->alist; a; a = a->snext) {
        tern_assoc_params p;
        if (a->dead || !a->up || params_get(a, &p) != 0) continue;
        p.autoclose = TERN_SEC(secs);
        params_set(ctx, a, &p);
    }
    tern_ep_config old = s->cfg;
    s->cfg.autoclose = TERN_SEC(secs);
    return defaults_changed(s, &old);
}

static int set_delayed_sack(tern_ctx *ctx, api_sock *s, const struct tern_sack_info *v)
{
    api_assoc *a;
    int rc = tern_api_opt_assoc(s, v->assoc_id, &a);
    if (rc) return rc;
    if (v->delay > 500 || v->freq > 255) return TERN_EINVAL;
    tern_assoc_params p;
    if (a && (rc = params_get(a, &p)) == 0) {
        p.sack_delay = TERN_MSEC(v->delay);
        if (v->freq) p.sack_freq = (uint8_t)v->freq;
        rc = params_set(ctx, a, &p);
    }
    if (rc || (v->assoc_id && s->type == TERN_SOCK_SEQPACKET)) return rc;
    tern_ep_config old = s->cfg;
    s->cfg.sack_delay = TERN_MSEC(v->delay);
    if (v->freq) s->cfg.sack_freq = (uint8_t)v->freq;
    return defaults_changed(s, &old);
}

/* ---- paths ---------------------------------------------------------------------------------- */

#define SPP_ALL                                                                              \
    (TERN_SPP_HB_ENABLE | TERN_SPP_HB_DISABLE | TERN_SPP_HB_DEMAND | TERN_SPP_PMTUD_ENABLE | \
     TERN_SPP_PMTUD_DISABLE)

static int paddr_check(const api_sock *s, const struct tern_paddrparams *v, tern_addr *addr,
                       bool *one)
{
    if ((v->flags & ~SPP_ALL) ||
        (v->flags & TERN_SPP_HB_ENABLE && v->flags & TERN_SPP_HB_DISABLE) ||
        (v->flags & TERN_SPP_PMTUD_ENABLE && v->flags & TERN_SPP_PMTUD_DISABLE) ||
        v->hbinterval > MS_MAX || v->pathmaxrxt > 255)
        return TERN_EINVAL;
    if (v->flags & TERN_SPP_PMTUD_DISABLE && (v->pathmtu < 1280 || v->pathmtu > 65535))
        return TERN_EINVAL;
    return tern_api_opt_addr(s, &v->address, addr, one);
}

/* One path's heartbeat interval and Path.Max.Retrans (RFC 6458 §8.1.12). */
static int paddr_one(api_assoc *a, const struct tern_paddrparams *v, const tern_addr *addr,
                     uint32_t hb_ms, tern_time now)
{
    tern_path_params pp;
    if (tern_ep_path_params_get(a->ep->ep, a->id, addr, &pp) != 0) return TERN_EINVAL;
    if (v->hbinterval) pp.hb_interval = TERN_MSEC(v->hbinterval);
    if (v->flags & TERN_SPP_HB_DISABLE) pp.hb_interval = 0;
    if (v->flags & TERN_SPP_HB_ENABLE && !pp.hb_interval) pp.hb_interval = TERN_MSEC(hb_ms);
    if (v->pathmaxrxt) pp.path_max_retrans = (uint8_t)v->pathmaxrxt;
    return tern_ep_path_params_set(a->ep->ep, a->id, addr, &pp, now) == 0 ? 0 : TERN_EINVAL;
}

/* An association: one path (an address), or all of them (AF_UNSPEC). */
static int paddr_assoc(tern_ctx *ctx, api_assoc *a, const struct tern_paddrparams *v,
                       const tern_addr *addr, bool one, uint32_t hb_ms)
{
    tern_assoc_info info;
    int rc = tern_ep_assoc_info(a->ep->ep, a->id, &info);
    if (rc) return TERN_EINVAL;
    bool found = !one;
    for (unsigned i = 0; i < info.num_paths; i++)
        found |= one && memcmp(&info.paths[i].path.remote, addr, sizeof *addr) == 0;
    if (!found) return TERN_EINVAL; /* not one of its peer addresses */
    bool up = info.state == TERN_STATE_ESTABLISHED || info.state == TERN_STATE_SHUTDOWN_PENDING ||
              info.state == TERN_STATE_SHUTDOWN_RECEIVED;
    if (v->flags & TERN_SPP_HB_DEMAND && !up) return TERN_ENOTCONN; /* §8.3: not yet, or no more */
    tern_time now = tern_clock_now();
    if (!one) { /* the association's values, for paths added later */
        tern_assoc_params p;
        if ((rc = params_get(a, &p)) != 0) return rc;
        if (v->hbinterval) p.hb_interval = TERN_MSEC(v->hbinterval);
        if (v->flags & TERN_SPP_HB_DISABLE) p.hb_interval = 0;
        if (v->flags & TERN_SPP_HB_ENABLE && !p.hb_interval) p.hb_interval = TERN_MSEC(hb_ms);
        if (v->pathmaxrxt) p.path_max_retrans = (uint8_t)v->pathmaxrxt;
        if ((rc = params_set(ctx, a, &p)) != 0) return rc;
    }
    for (unsigned i = 0; i < info.num_paths; i++) {
        const tern_addr *r = &info.paths[i].path.remote;
        if (one && memcmp(r, addr, sizeof *r) != 0) continue;
        if ((rc = paddr_one(a, v, r, hb_ms, now)) != 0) return rc;
        if (v->flags & TERN_SPP_PMTUD_DISABLE)
            tern_ep_set_path_mtu(a->ep->ep, a->id, r, v->pathmtu);
        if (v->flags & TERN_SPP_HB_DEMAND) tern_ep_heartbeat_now(a->ep->ep, a->id, r, now);
    }
    tern_api_touch(ctx, a->ep);
    return 0;
}

static int set_paddrparams(tern_ctx *ctx, api_sock *s, const struct tern_paddrparams *v)
{
    api_assoc *a;
    int rc = tern_api_opt_assoc(s, v->assoc_id, &a);
    tern_addr addr;
    bool one = false;
    if (rc == 0) rc = paddr_check(s, v, &addr, &one);
    if (rc) return rc;
    if (one && !a) return TERN_EINVAL; /* an address names a path of an association */
    if (v->flags & TERN_SPP_HB_DEMAND && !a) return TERN_EINVAL;
    uint32_t hb_ms = v->hbinterval ? v->hbinterval : s->hb_ms;
    if (a && (rc = paddr_assoc(ctx, a, v, &addr, one, hb_ms)) != 0) return rc;
    if (one || (v->assoc_id && s->type == TERN_SOCK_SEQPACKET)) return 0;
    tern_ep_config old = s->cfg;
    bool hb_on = s->cfg.hb_interval != 0;
    if (v->flags & TERN_SPP_HB_ENABLE) hb_on = true;
    if (v->flags & TERN_SPP_HB_DISABLE) hb_on = false;
    s->hb_ms = hb_ms;
    s->cfg.hb_interval = hb_on ? TERN_MSEC(hb_ms) : 0;
    if (v->pathmaxrxt) s->cfg.path_max_retrans = (uint8_t)v->pathmaxrxt;
    if (v->flags & TERN_SPP_PMTUD_DISABLE) s->pmtu_fixed = v->pathmtu;
    if (v->flags & TERN_SPP_PMTUD_ENABLE) s->pmtu_fixed = 0;
    return defaults_changed(s, &old);
}

/* RFC 7829 §7.2: one path's thresholds, or every path's and the default. */
static int thlds_path(api_assoc *a, const struct tern_paddrthlds *v, const tern_addr *addr)
{
    tern_path_params pp;
    if (tern_ep_path_params_get(a->ep->ep, a->id, addr, &pp) != 0) return TERN_EINVAL;
    if (v->pathmaxrxt) pp.path_max_retrans = (uint8_t)v->pathmaxrxt;
    pp.pf_max_retrans = (uint8_t)v->pathpfthld;
    return tern_ep_path_params_set(a->ep->ep, a->id, addr, &pp, tern_clock_now()) == 0
               ? 0
               : TERN_EINVAL;
}

static int thlds_assoc(tern_ctx *ctx, api_assoc *a, const struct tern_paddrthlds *v,
                       const tern_addr *addr, bool one)
{
    int rc;
    if (one) {
        rc = thlds_path(a, v, addr);
    } else { /* the association's, for paths added later, then every path's */
        tern_assoc_info info;
        tern_assoc_params p;
        if (tern_ep_assoc_info(a->ep->ep, a->id, &info) != 0) return TERN_EINVAL;
        if ((rc = params_get(a, &p)) != 0) return rc;
        if (v->pathmaxrxt) p.path_max_retrans = (uint8_t)v->pathmaxrxt;
        p.pf_max_retrans = (uint8_t)v->pathpfthld;
        if ((rc = params_set(ctx, a, &p)) != 0) return rc;
        for (unsigned i = 0; i < info.num_paths && rc == 0; i++)
            rc = thlds_path(a, v, &info.paths[i].path.remote);
    }
    tern_api_touch(ctx, a->ep);
    return rc;
}

static int set_thresholds(tern_ctx *ctx, api_sock *s, const struct tern_paddrthlds *v)
{
    if (v->pathmaxrxt > 255 || v->pathpfthld > 255) return TERN_EINVAL;
    api_assoc *a;
    int rc = tern_api_opt_assoc(s, v->assoc_id, &a);
    if (rc) return rc;
    bool one;
    tern_addr addr;
    if ((rc = tern_api_opt_addr(s, &v->address, &addr, &one)) != 0) return rc;
    if (one && !a) return TERN_EINVAL; /* an address names a path of an association */
    if (a && (rc = thlds_assoc(ctx, a, v, &addr, one)) != 0) return rc;
    if (one || (v->assoc_id && s->type == TERN_SOCK_SEQPACKET)) return 0;
    tern_ep_config old = s->cfg;
    if (v->pathmaxrxt) s->cfg.path_max_retrans = (uint8_t)v->pathmaxrxt;
    s->cfg.pf_max_retrans = (uint8_t)v->pathpfthld;
    return defaults_changed(s, &old);
}

static int set_switchover(tern_ctx *ctx, api_sock *s, const struct tern_assoc_value *v)
{
    if (v->value > 1) return TERN_EINVAL;
    api_assoc *a;
    int rc = tern_api_opt_assoc(s, v->assoc_id, &a);
    if (rc) return rc;
    if (a) {
        tern_assoc_params p;
        if ((rc = params_get(a, &p)) != 0) return rc;
        p.primary_switchover = v->value != 0;
        if ((rc = params_set(ctx, a, &p)) != 0) return rc;
    }
    if (v->assoc_id && s->type == TERN_SOCK_SEQPACKET) return 0;
    tern_ep_config old = s->cfg;
    s->cfg.primary_switchover = v->value != 0;
    return defaults_changed(s, &old);
}

static int set_primary(api_sock *s, const struct tern_setprim *v)
{
    api_assoc *a;
    int rc = tern_api_opt_assoc(s, v->assoc_id, &a);
    if (rc) return rc;
    if (!a) return s->type == TERN_SOCK_STREAM ? TERN_ENOTCONN : TERN_EINVAL;
    tern_addr addr;
    uint16_t port;
    rc = tern_api_addr_from(s, (const struct sockaddr *)&v->addr, sizeof v->addr, &addr, &port);
    if (rc) return rc;
    rc = tern_ep_set_primary(a->ep->ep, a->id, &addr);
    return rc == TERN_ENOENT ? TERN_EINVAL : rc;
}

static int set_encaps(api_sock *s, const struct tern_udpencaps *v, const tern_ctx *ctx)
{
    if (ctx->cfg.transport != TERN_TRANSPORT_UDP) return TERN_EOPNOTSUPP;
    if (v->port == 0) return TERN_EINVAL;
    if (v->address.ss_family != AF_UNSPEC || v->assoc_id) return TERN_EOPNOTSUPP;
    s->encaps_port = v->port; /* new associations */
    return 0;
}

/* ---- notifications and sending defaults -------------------------------------------------------
 */

/* RFC 6458 §6.1.9: subscribing to SENDER_DRY when nothing is outstanding
 * gives the notification at once. */
static void dry_now(tern_ctx *ctx, api_assoc *a)
{
    tern_assoc_info info;
    if (a->dead || !a->up || tern_ep_assoc_info(a->ep->ep, a->id, &info) != 0 || info.send_queued)
        return;
    tern_event ev = {0};
    ev.type = TERN_EV_SENDER_DRY;
    ev.assoc = a->id;
    tern_api_notify_event(ctx, a, &ev);
}

static int set_event(tern_ctx *ctx, api_sock *s, const struct tern_event_subscribe *v)
{
    if (v->type < 1 || v->type > TERN_SN_TYPE_MAX) return TERN_EINVAL;
    api_assoc *a;
    int rc = tern_api_opt_assoc(s, v->assoc_id, &a);
    if (rc) return rc;
    bool was = s->events & (1u << v->type);
    if (v->on)
        s->events |= 1u << v->type;
    else
        s->events &= ~(1u << v->type);
    if (v->on && !was && v->type == TERN_SENDER_DRY_EVENT) {
        if (s->type == TERN_SOCK_STREAM && s->assoc) dry_now(ctx, s->assoc);
        for (api_assoc *x = s->alist; x; x = x->snext)
            dry_now(ctx, x);
    }
    return 0;
}

static int set_default_sndinfo(api_sock *s, const tern_send_info *v)
{
    if (v->flags & ~(uint16_t)(TERN_UNORDERED | TERN_SACK_IMMEDIATELY)) return TERN_EINVAL;
    if (s->type == TERN_SOCK_SEQPACKET && v->assoc_id && !tern_api_sock_assoc(s, v->assoc_id))
        return TERN_EINVAL;
    s->defsnd = *v;
    return 0;
}

/* ---- the switch
 * ---------------------------------------------------------------------------------- */

static int set_opt(tern_ctx *ctx, api_sock *s, int opt, const void *val, size_t len)
{
    switch (opt) {
    case TERN_SO_NONBLOCK: {
        TAKE(int, v);
        s->nonblock = v != 0;
        tern_api_dirty(ctx, s); /* blocked calls keep their mode */
        return 0;
    }
    case TERN_SO_RCVTIMEO:
    case TERN_SO_SNDTIMEO: {
        TAKE(int, v);
        if (v < 0) return TERN_EINVAL;
        *(opt == TERN_SO_RCVTIMEO ? &s->rcvtimeo : &s->sndtimeo) = v;
        return 0;
    }
    case TERN_SO_SNDBUF: {
        TAKE(int, v);
        return set_sndbuf(ctx, s, v);
    }
    case TERN_SO_RCVBUF: {
        TAKE(int, v);
        return set_rcvbuf(s, v);
    }
    case TERN_SO_LINGER: {
        TAKE(struct tern_linger, v);
        if (v.seconds < 0 || v.seconds > 65535) return TERN_EINVAL;
        s->linger = v;
        return 0;
    }
    case TERN_INITMSG: {
        TAKE(struct tern_initmsg, v);
        return set_initmsg(s, &v);
    }
    case TERN_RTOINFO: {
        TAKE(struct tern_rtoinfo, v);
        return set_rtoinfo(ctx, s, &v);
    }
    case TERN_ASSOCINFO: {
        TAKE(struct tern_assocparams, v);
        return set_associnfo(ctx, s, &v);
    }
    case TERN_NODELAY: {
        TAKE(int, v);
        return set_nodelay(ctx, s, v);
    }
    case TERN_MAXSEG: {
        TAKE(struct tern_assoc_value, v);
        return set_maxseg(ctx, s, &v);
    }
    case TERN_AUTOCLOSE: {
        TAKE(int, v);
        return set_autoclose(ctx, s, v);
    }
    case TERN_DEFAULT_SNDINFO: {
        TAKE(tern_send_info, v);
        return set_default_sndinfo(s, &v);
    }
    case TERN_EVENT: {
        TAKE(struct tern_event_subscribe, v);
        return set_event(ctx, s, &v);
    }
    case TERN_PEER_ADDR_PARAMS: {
        TAKE(struct tern_paddrparams, v);
        return set_paddrparams(ctx, s, &v);
    }
    case TERN_PEER_ADDR_THLDS: {
        TAKE(struct tern_paddrthlds, v);
        return set_thresholds(ctx, s, &v);
    }
    case TERN_PRIMARY_SWITCHOVER: {
        TAKE(struct tern_assoc_value, v);
        return set_switchover(ctx, s, &v);
    }
    case TERN_PRIMARY_ADDR: {
        TAKE(struct tern_setprim, v);
        return set_primary(s, &v);
    }
    case TERN_DELAYED_SACK: {
        TAKE(struct tern_sack_info, v);
        return set_delayed_sack(ctx, s, &v);
    }
    case TERN_REMOTE_UDP_ENCAPS_PORT: {
        TAKE(struct tern_udpencaps, v);
        return set_encaps(s, &v, ctx);
    }
    case TERN_ADAPTATION_LAYER: {
        TAKE(uint32_t, v);
        tern_ep_config old = s->cfg;
        s->cfg.adaptation_ind_on = true;
        s->cfg.adaptation_ind = v;
        return defaults_changed(s, &old);
    }
    case TERN_OMIT_INIT_PARAMS: {
        TAKE(int, v);
        tern_ep_config old = s->cfg;
        s->cfg.omit_init_params = v != 0;
        return defaults_changed(s, &old);
    }
    case TERN_PARTIAL_DELIVERY_POINT: {
        TAKE(uint32_t, v);
        if (v > s->cfg.rwnd) return TERN_EINVAL;
        tern_ep_config old = s->cfg;
        s->cfg.pd_point = v;
        return defaults_changed(s, &old);
    }
    case TERN_SO_ERROR:
    case TERN_STATUS:
    case TERN_PEER_ADDR_INFO:
    case TERN_GET_ASSOC_NUMBER:
    case TERN_GET_ASSOC_ID_LIST: return TERN_EINVAL; /* read-only */
    default: return TERN_ENOPROTOOPT;
    }
}

TERN_EXPORT int tern_setsockopt(tern_ctx *ctx, int sd, int opt, const void *val, size_t len)
{
    if (!ctx) return TERN_EINVAL;
    tern_api_lock(ctx);
    api_sock *s = tern_api_sock(ctx, sd);
    int rc = !s ? TERN_EBADF : !val ? TERN_EINVAL : set_opt(ctx, s, opt, val, len);
    if (s) tern_api_settle(ctx);
    tern_api_unlock(ctx);
    return rc;
}
