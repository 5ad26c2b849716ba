/* Peer addresses (paths): the retransmission timeout (RFC 9260 §6.3.1,
 * §6.3.3), the error counter and state (§8.2) with the events RFC 6458
 * §6.1.2 reports, the PMTU (§7.3), and the user's per-path calls: primary
 * path, path MTU, heartbeat on demand, per-path thresholds and HB.interval. */
#include "core/internal.h"

void tern_dest_init(tern_ep *ep, tern_dest *d)
{
    (void)ep;
    const tern_assoc_cfg *c = &d->owner->cfg;
    d->state = TERN_PATH_UNCONFIRMED;
    d->rto = c->rto_initial;
    d->rtt_measured = false;
    d->srtt = d->rttvar = 0;
    d->error_count = 0;
    d->hb_deadline = TERN_TIME_NEVER;
    d->t3_deadline = TERN_TIME_NEVER;
    d->pmtu = c->pmtu;
}

uint32_t tern_hb_interval_ms(tern_time interval)
{
    return (uint32_t)((interval + TERN_MSEC(1) - 1) / TERN_MSEC(1));
}

void tern_dest_take_defaults(tern_dest *d)
{
    const tern_assoc_cfg *c = &d->owner->cfg;
    d->path_max_retrans = c->path_max_retrans;
    d->pf_max_retrans = c->pf_max_retrans;
    d->hb_interval_ms = tern_hb_interval_ms(c->hb_interval);
}

static tern_time clamp_rto(const tern_assoc_cfg *c, tern_time rto)
{
    if (rto < c->rto_min) return c->rto_min;
    if (rto > c->rto_max) return c->rto_max;
    return rto;
}

/* §6.3.1 C1–C3 with RTO.Alpha = 1/8, RTO.Beta = 1/4 and clock granularity
 * G = 1 ms: an RTTVAR computed as 0 becomes G. Samples are capped at a
 * day (the largest RTO.Max) so 4 × RTTVAR cannot overflow. */
#define RTT_G   TERN_MSEC(1)
#define RTT_CAP TERN_SEC(86400)

void tern_dest_rtt_sample(tern_ep *ep, tern_dest *d, tern_time r)
{
    (void)ep;
    if (r > RTT_CAP) r = RTT_CAP;
    if (!d->rtt_measured) { /* C2 */
        d->srtt = r;
        d->rttvar = r / 2;
        d->rtt_measured = true;
    } else { /* C3: RTTVAR first, from the old SRTT */
        tern_time diff = d->srtt > r ? d->srtt - r : r - d->srtt;
        d->rttvar = d->rttvar - d->rttvar / 4 + diff / 4;
        d->srtt = d->srtt - d->srtt / 8 + r / 8;
    }
    if (d->rttvar == 0) d->rttvar = RTT_G;
    d->rto = clamp_rto(&d->owner->cfg, d->srtt + 4 * d->rttvar); /* C6, C7 */
}

/* §6.3.3 E2: double the RTO, up to RTO.Max. */
void tern_dest_backoff(tern_ep *ep, tern_dest *d)
{
    (void)ep;
    const tern_assoc_cfg *c = &d->owner->cfg;
    d->rto = d->rto > c->rto_max / 2 ? c->rto_max : clamp_rto(c, 2 * d->rto);
}

static void addr_event(tern_ep *ep, const tern_dest *d, enum tern_addr_state what)
{
    tern_event *ev = tern_ep_event_slot(ep, TERN_EV_PEER_ADDR_CHANGE, d->owner, 0);
    if (!ev) return;
    ev->addr = d->path.remote;
    ev->addr_state = what;
}

/* §8.2, RFC 7829 §5.1: where data may go, best first. §5.4: never to an
 * UNCONFIRMED address. */
static int rank(const tern_dest *d)
{
    switch (d->state) {
    case TERN_PATH_ACTIVE: return 0;
    case TERN_PATH_PF: return 1;
    case TERN_PATH_INACTIVE: return 2;
    default: return 3;
    }
}

/* Whether x is a better destination than y: a better state, then fewer
 * errors (RFC 7829 §5.1: of potentially failed paths, the one heard from
 * most recently). */
static bool better(const tern_dest *x, const tern_dest *y)
{
    if (rank(x) != rank(y)) return rank(x) < rank(y);
    return x->error_count < y->error_count;
}

tern_dest *tern_assoc_current(tern_assoc *a)
{
    tern_dest *p = tern_primary(a), *best = p;
    if (p->state == TERN_PATH_ACTIVE) return p;
    for (unsigned i = 0; i < a->num_paths; i++)
        if (better(&a->paths[i], best)) best = &a->paths[i];
    return best;
}

tern_dest *tern_assoc_alternate(tern_assoc *a, const tern_dest *from)
{
    tern_dest *best = NULL;
    for (unsigned i = 0; i < a->num_paths; i++) {
        tern_dest *d = &a->paths[i];
        if (d != from && d->state == TERN_PATH_ACTIVE && (!best || better(d, best))) best = d;
    }
    return best ? best : tern_assoc_current(a);
}

/* RFC 7829 §6 Primary Path Switchover: with the primary not active, the
 * path data moved to becomes the primary, so data stays there when the old
 * one comes back. */
static void maybe_switch_primary(tern_ep *ep, tern_assoc *a)
{
    tern_dest *p = tern_primary(a), *cur = tern_assoc_current(a);
    if (!a->cfg.primary_switchover || p->state == TERN_PATH_ACTIVE || cur == p ||
        cur->state != TERN_PATH_ACTIVE)
        return;
    a->primary = (uint8_t)(cur - a->paths);
    addr_event(ep, cur, TERN_ADDR_MADE_PRIMARY);
}

void tern_dest_set_state(tern_ep *ep, tern_dest *d, enum tern_path_state state, tern_time now)
{
    enum tern_path_state was = d->state;
    tern_assoc *a = d->owner;
    d->state = state;
    if (was == state) return;
    if (state == TERN_PATH_INACTIVE)
        addr_event(ep, d, TERN_ADDR_UNREACHABLE); /* §8.2 */
    else if (state == TERN_PATH_PF)
        addr_event(ep, d, TERN_ADDR_POTENTIALLY_FAILED); /* RFC 7829 §7.1 */
    else if (state == TERN_PATH_ACTIVE)
        addr_event(ep, d, was == TERN_PATH_UNCONFIRMED ? TERN_ADDR_CONFIRMED : TERN_ADDR_AVAILABLE);
    maybe_switch_primary(ep, a);
    tern_hb_path_state(ep, a, d, now);
    /* Data may go elsewhere now (§6.4, RFC 7829 §5.1). */
    if (a->data_up) tern_assoc_want_output(ep, a, TERN_SEND_DATA);
}

/* Another confirmed address data could move to. */
static bool has_alternate(const tern_assoc *a, const tern_dest *d)
{
    for (unsigned i = 0; i < a->num_paths; i++)
        if (&a->paths[i] != d && a->paths[i].state != TERN_PATH_UNCONFIRMED) return true;
    return false;
}

/* §8.2, RFC 7829 §5.1: one more error (a T3-rtx expiry, or a heartbeat
 * unanswered for an RTO): past pf_max_retrans the path is potentially
 * failed, past path_max_retrans inactive; the counter stops there. PF is
 * for failover: a path with no confirmed alternate is not marked so. An
 * UNCONFIRMED address stays so (only its HEARTBEAT ACK changes that). */
void tern_dest_strike(tern_ep *ep, tern_dest *d, tern_time now)
{
    if (d->error_count <= d->path_max_retrans) d->error_count++;
    if (d->state == TERN_PATH_UNCONFIRMED) return;
    if (d->error_count > d->path_max_retrans)
        tern_dest_set_state(ep, d, TERN_PATH_INACTIVE, now);
    else if (d->error_count > d->pf_max_retrans && d->state == TERN_PATH_ACTIVE &&
             has_alternate(d->owner, d))
        tern_dest_set_state(ep, d, TERN_PATH_PF, now);
}

/* §7.3: the PMDCS (the unit cwnd counts in) follows the PMTU; chunks
 * already made keep their size (§6.9: they cannot be re-fragmented). */
void tern_dest_set_pmtu(tern_dest *d, uint32_t pmtu)
{
    d->pmtu = pmtu;
    if (!d->owner->data_up) return;
    bool v6 = d->path.remote.family == TERN_AF_INET6;
    tern_cc_on_pmdcs_change(&d->cc, tern_cc_pmdcs(pmtu, v6, d->path.encaps_port != 0));
}

/* ---- the user's per-path calls ------------------------------------------ */

static int find(const tern_ep *ep, tern_assoc_id id, const tern_addr *remote, tern_assoc **a,
                tern_dest **d)
{
    if (!ep || !remote) return TERN_EINVAL;
    *a = tern_assoc_by_id(ep, id);
    if (!*a) return TERN_ENOENT;
    *d = tern_assoc_find_path(*a, remote);
    return *d ? 0 : TERN_EINVAL;
}

/* §5.4: no chunk but HEARTBEAT goes to an UNCONFIRMED address, so it
 * cannot be the primary. */
TERN_EXPORT int tern_ep_set_primary(tern_ep *ep, tern_assoc_id id, const tern_addr *remote)
{
    tern_assoc *a;
    tern_dest *d;
    int rc = find(ep, id, remote, &a, &d);
    if (rc) return rc;
    if (d->state == TERN_PATH_UNCONFIRMED) return TERN_EINVAL;
    if (d == tern_primary(a)) return 0;
    a->primary = (uint8_t)(d - a->paths);
    addr_event(ep, d, TERN_ADDR_MADE_PRIMARY);
    if (a->data_up) tern_assoc_want_output(ep, a, TERN_SEND_DATA);
    return 0;
}

TERN_EXPORT int tern_ep_set_path_mtu(tern_ep *ep, tern_assoc_id id, const tern_addr *remote,
                                     uint32_t mtu)
{
    tern_assoc *a;
    tern_dest *d;
    int rc = find(ep, id, remote, &a, &d);
    if (rc) return rc;
    if (mtu < 1280 || mtu > 65535) return TERN_EINVAL;
    tern_dest_set_pmtu(d, mtu);
    if (a->data_up) tern_assoc_want_output(ep, a, TERN_SEND_DATA); /* a larger MTU: more fits */
    return 0;
}

/* §8.3 heartbeats go from ESTABLISHED until SHUTDOWN or SHUTDOWN ACK is sent. */
TERN_EXPORT int tern_ep_heartbeat_now(tern_ep *ep, tern_assoc_id id, const tern_addr *remote,
                                      tern_time now)
{
    tern_assoc *a;
    tern_dest *d;
    int rc = find(ep, id, remote, &a, &d);
    if (rc) return rc;
    if (a->state != TERN_STATE_ESTABLISHED && a->state != TERN_STATE_SHUTDOWN_PENDING &&
        a->state != TERN_STATE_SHUTDOWN_RECEIVED)
        return TERN_ESTATE;
    tern_hb_now(ep, a, d, now);
    tern_assoc_timers_changed(ep, a);
    return 0;
}

/* RFC 6458 §8.1.12, RFC 7829 §7.2: this path's own values. A new
 * HB.interval re-arms its heartbeat from now (one awaiting its answer keeps
 * its timeout); new thresholds apply from the next strike (§8.2: the
 * counter is not re-judged). */
TERN_EXPORT int tern_ep_path_params_get(const tern_ep *ep, tern_assoc_id id,
                                        const tern_addr *remote, tern_path_params *out)
{
    if (!out) return TERN_EINVAL;
    tern_assoc *a;
    tern_dest *d;
    int rc = find(ep, id, remote, &a, &d);
    if (rc) return rc;
    out->hb_interval = TERN_MSEC((tern_time)d->hb_interval_ms);
    out->path_max_retrans = d->path_max_retrans;
    out->pf_max_retrans = d->pf_max_retrans;
    return 0;
}

TERN_EXPORT int tern_ep_path_params_set(tern_ep *ep, tern_assoc_id id, const tern_addr *remote,
                                        const tern_path_params *p, tern_time now)
{
    tern_assoc *a;
    tern_dest *d;
    int rc = find(ep, id, remote, &a, &d);
    if (rc) return rc;
    if (!p || p->hb_interval > TERN_SEC(86400) || p->path_max_retrans == 0) return TERN_EINVAL;
    uint32_t hb_ms = tern_hb_interval_ms(p->hb_interval);
    d->path_max_retrans = p->path_max_retrans;
    d->pf_max_retrans = p->pf_max_retrans;
    if (hb_ms != d->hb_interval_ms) {
        d->hb_interval_ms = hb_ms;
        tern_hb_reconfigure_path(ep, a, d, now);
        tern_assoc_timers_changed(ep, a);
    }
    return 0;
}
