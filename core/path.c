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
    d->t3_deadline = TERN_TIME_NEVER;
    d->pmtu = ep->cfg.pmtu;
}

static tern_time clamp_rto(const tern_ep *ep, tern_time rto)
{
    if (rto < ep->cfg.rto_min) return ep->cfg.rto_min;
    if (rto > ep->cfg.rto_max) return ep->cfg.rto_max;
    return rto;
}

/* §6.3.1 C1–C3 with RTO.Alpha = 1/8, RTO.Beta = 1/4 and clock granularity
 * G = 1 ms: an RTTVAR computed as 0 becomes G. Samples are capped at a
 * day (the largest RTO.Max) so 4 × RTTVAR cannot overflow. */
#define RTT_G   TERN_MSEC(1)
#define RTT_CAP TERN_SEC(86400)

void tern_dest_rtt_sample(tern_ep *ep, tern_dest *d, tern_time r)
{
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
    d->rto = clamp_rto(ep, d->srtt + 4 * d->rttvar); /* C6, C7 */
}

/* §6.3.3 E2: double the RTO, up to RTO.Max. */
void tern_dest_backoff(tern_ep *ep, tern_dest *d)
{
    d->rto = d->rto > ep->cfg.rto_max / 2 ? ep->cfg.rto_max : clamp_rto(ep, 2 * d->rto);
}
