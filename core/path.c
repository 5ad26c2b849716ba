/* Per-destination retransmission timeout (RFC 9260 §6.3.1, §6.3.3). */
#include "core/internal.h"

void tern_dest_init(tern_ep *ep, tern_dest *d)
{
    d->state = TERN_PATH_UNCONFIRMED;
    d->rto = ep->cfg.rto_initial;
    d->rtt_measured = false;
    d->srtt = d->rttvar = 0;
    d->error_count = 0;
    d->hb_deadline = TERN_TIME_NEVER;
}

static tern_time clamp_rto(const tern_ep *ep, tern_time rto)
{
    if (rto < ep->cfg.rto_min) return ep->cfg.rto_min;
    if (rto > ep->cfg.rto_max) return ep->cfg.rto_max;
    return rto;
}

/* §6.3.1 C1–C3 with RTO.Alpha = 1/8, RTO.Beta = 1/4 and G = 1 ms. */
void tern_dest_rtt_sample(tern_ep *ep, tern_dest *d, tern_time r)
{
    const tern_time g = TERN_MSEC(1);
    if (!d->rtt_measured) {
        d->srtt = r;
        d->rttvar = r / 2;
        d->rtt_measured = true;
    } else {
        tern_time diff = d->srtt > r ? d->srtt - r : r - d->srtt;
        d->rttvar = d->rttvar - d->rttvar / 4 + diff / 4;
        d->srtt = d->srtt - d->srtt / 8 + r / 8;
    }
    tern_time var = 4 * d->rttvar;
    d->rto = clamp_rto(ep, d->srtt + (var > g ? var : g));
}

/* §6.3.3 E2: double the RTO, up to RTO.Max. */
void tern_dest_backoff(tern_ep *ep, tern_dest *d)
{
    d->rto = d->rto > ep->cfg.rto_max / 2 ? ep->cfg.rto_max : clamp_rto(ep, 2 * d->rto);
}
