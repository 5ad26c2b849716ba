/* Per-association settings (RFC 6458 §8.1: RTOINFO, ASSOCINFO,
 * PEER_ADDR_PARAMS, DELAYED_SACK, NODELAY, MAXSEG, AUTOCLOSE): each
 * association copies the endpoint's config when it is created and lives by
 * its copy; tern_ep_assoc_params_set changes one association's, re-arming
 * what depends on them. The ranges are the ones tern_ep_new accepts. */
#include <string.h>

#include "core/internal.h"

void tern_assoc_params_from_config(const tern_ep_config *c, tern_assoc_params *p)
{
    memset(p, 0, sizeof *p);
    p->rto_initial = c->rto_initial;
    p->rto_min = c->rto_min;
    p->rto_max = c->rto_max;
    p->assoc_max_retrans = c->assoc_max_retrans;
    p->path_max_retrans = c->path_max_retrans;
    p->pf_max_retrans = c->pf_max_retrans;
    p->primary_switchover = c->primary_switchover;
    p->hb_interval = c->hb_interval;
    p->sack_delay = c->sack_delay;
    p->sack_freq = c->sack_freq;
    p->max_burst = c->max_burst;
    p->nodelay = c->nodelay;
    p->max_seg = c->max_seg;
    p->autoclose = c->autoclose;
    p->sndbuf = c->sndbuf;
}

bool tern_assoc_params_valid(const tern_assoc_params *p)
{
    return p->rto_min && p->rto_min <= p->rto_initial && p->rto_initial <= p->rto_max &&
           p->rto_max <= TERN_SEC(86400) && p->hb_interval <= TERN_SEC(86400) &&
           p->assoc_max_retrans && p->path_max_retrans && p->sndbuf && p->sack_freq &&
           p->sack_delay <= TERN_MSEC(500) && p->max_burst &&
           (p->max_seg == 0 || p->max_seg >= TERN_MIN_SEG) && p->autoclose <= TERN_MAX_AUTOCLOSE;
}

static void params_to_cfg(const tern_assoc_params *p, tern_assoc_cfg *c)
{
    c->rto_initial = p->rto_initial;
    c->rto_min = p->rto_min;
    c->rto_max = p->rto_max;
    c->assoc_max_retrans = p->assoc_max_retrans;
    c->path_max_retrans = p->path_max_retrans;
    c->pf_max_retrans = p->pf_max_retrans;
    c->primary_switchover = p->primary_switchover;
    c->hb_interval = p->hb_interval;
    c->sack_delay = p->sack_delay;
    c->sack_freq = p->sack_freq;
    c->max_burst = p->max_burst;
    c->nodelay = p->nodelay;
    c->max_seg = p->max_seg;
    c->autoclose = p->autoclose;
    c->sndbuf = p->sndbuf;
}

void tern_assoc_cfg_init(tern_assoc_cfg *c, const tern_ep_config *cfg)
{
    memset(c, 0, sizeof *c);
    tern_assoc_params p;
    tern_assoc_params_from_config(cfg, &p);
    params_to_cfg(&p, c);
    memcpy(c->local_addrs, cfg->local_addrs, sizeof c->local_addrs);
    c->num_local_addrs = cfg->num_local_addrs;
    c->outbound_streams = cfg->outbound_streams;
    c->max_inbound_streams = cfg->max_inbound_streams;
    c->rwnd = cfg->rwnd;
    c->pd_point = cfg->pd_point;
    c->pmtu = cfg->pmtu;
    c->shutdown_guard = cfg->shutdown_guard;
    c->max_init_retransmits = cfg->max_init_retransmits;
    c->init_rto_max = cfg->init_rto_max;
    c->adaptation_ind_on = cfg->adaptation_ind_on;
    c->adaptation_ind = cfg->adaptation_ind;
    c->omit_init_params = cfg->omit_init_params;
}

TERN_EXPORT int tern_ep_assoc_params_get(const tern_ep *ep, tern_assoc_id id,
                                         tern_assoc_params *out)
{
    if (!ep || !out) return TERN_EINVAL;
    const tern_assoc *a = tern_assoc_by_id(ep, id);
    if (!a) return TERN_ENOENT;
    const tern_assoc_cfg *c = &a->cfg;
    memset(out, 0, sizeof *out);
    out->rto_initial = c->rto_initial;
    out->rto_min = c->rto_min;
    out->rto_max = c->rto_max;
    out->assoc_max_retrans = c->assoc_max_retrans;
    out->path_max_retrans = c->path_max_retrans;
    out->pf_max_retrans = c->pf_max_retrans;
    out->primary_switchover = c->primary_switchover;
    out->hb_interval = c->hb_interval;
    out->sack_delay = c->sack_delay;
    out->sack_freq = c->sack_freq;
    out->max_burst = c->max_burst;
    out->nodelay = c->nodelay;
    out->max_seg = c->max_seg;
    out->autoclose = c->autoclose;
    out->sndbuf = c->sndbuf;
    return 0;
}

/* A path's RTO under new bounds: one never measured that still has the
 * old RTO.Initial takes the new one (§6.3.1 C1); every RTO is clamped to
 * [RTO.Min, RTO.Max] (C6, C7). Running timers keep their deadlines. */
static void rebound_rto(tern_dest *d, const tern_assoc_cfg *old, const tern_assoc_cfg *c)
{
    if (!d->rtt_measured && d->rto == old->rto_initial) d->rto = c->rto_initial;
    if (d->rto < c->rto_min) d->rto = c->rto_min;
    if (d->rto > c->rto_max) d->rto = c->rto_max;
}

TERN_EXPORT int tern_ep_assoc_params_set(tern_ep *ep, tern_assoc_id id, const tern_assoc_params *p,
                                         tern_time now)
{
    if (!ep || !p) return TERN_EINVAL;
    tern_assoc *a = tern_assoc_by_id(ep, id);
    if (!a) return TERN_ENOENT;
    if (!tern_assoc_params_valid(p)) return TERN_EINVAL;
    tern_assoc_cfg old = a->cfg;
    params_to_cfg(p, &a->cfg);
    for (unsigned i = 0; i < a->num_paths; i++)
        rebound_rto(&a->paths[i], &old, &a->cfg);
    /* RFC 6458 §8.1.12: a value set for the association is every path's. */
    uint32_t hb_ms = tern_hb_interval_ms(p->hb_interval);
    for (unsigned i = 0; i < a->num_paths; i++) {
        tern_dest *d = &a->paths[i];
        if (p->path_max_retrans != old.path_max_retrans) d->path_max_retrans = p->path_max_retrans;
        if (p->pf_max_retrans != old.pf_max_retrans) d->pf_max_retrans = p->pf_max_retrans;
        if (p->hb_interval != old.hb_interval && hb_ms != d->hb_interval_ms) {
            d->hb_interval_ms = hb_ms;
            tern_hb_reconfigure_path(ep, a, d, now);
        }
    }
    if (a->data_up) {
        /* Below what is queued: nothing is dropped, new sends wait. */
        a->sendq.max_bytes = p->sndbuf;
        tern_time *sack = &a->timer[TERN_TSACK];
        if (*sack != TERN_TIME_NEVER &&
            (p->sack_delay == 0 || a->data_packets >= p->sack_freq)) { /* §6.2: owed now */
            *sack = TERN_TIME_NEVER;
            tern_assoc_want_output(ep, a, TERN_SEND_SACK);
        } else if (*sack != TERN_TIME_NEVER && *sack > tern_time_add(now, p->sack_delay)) {
            *sack = now + p->sack_delay;
        }
        /* NODELAY, Max.Burst or the segment size may let more go now. */
        tern_assoc_want_output(ep, a, TERN_SEND_DATA);
    }
    tern_autoclose_arm(ep, a);
    tern_assoc_timers_changed(ep, a);
    tern_assoc_check(a);
    return 0;
}
