/* Per-destination congestion control (RFC 9260 §7.2, §6.1 B and D, §7.3). */
#include "core/cc.h"

#include "wire/serial.h"

#define IPV4_HEADER   20u
#define IPV6_HEADER   40u
#define UDP_HEADER    8u
#define COMMON_HEADER 12u

static uint64_t min64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}
static uint64_t max64(uint64_t a, uint64_t b)
{
    return a > b ? a : b;
}

uint32_t tern_cc_pmdcs(uint32_t ip_mtu, bool ipv6, bool udp_encaps)
{
    uint32_t overhead =
        (ipv6 ? IPV6_HEADER : IPV4_HEADER) + (udp_encaps ? UDP_HEADER : 0u) + COMMON_HEADER;
    return ip_mtu > overhead ? ip_mtu - overhead : 0;
}

/* §7.2.1: 4404 and 4344 are three 1468- and 1448-byte chunks, what a
 * 1500-byte Ethernet MTU carries over IPv4 and IPv6. */
static uint64_t initial_cwnd(uint32_t pmdcs, bool ipv6)
{
    uint64_t p = pmdcs;
    return min64(4 * p, max64(2 * p, ipv6 ? 4344 : 4404));
}

/* §7.2.3: max(cwnd/2, 4·PMDCS). */
static uint64_t halved(const tern_cc *cc)
{
    return max64(cc->cwnd / 2, 4 * (uint64_t)cc->pmdcs);
}

void tern_cc_init(tern_cc *cc, uint32_t pmdcs, bool ipv6, tern_time now)
{
    if (pmdcs == 0) pmdcs = 1; /* a caller bug; keep cwnd non-zero */
    *cc = (tern_cc){
        .cwnd = initial_cwnd(pmdcs, ipv6),
        .ssthresh = TERN_CC_SSTHRESH_INITIAL,
        .pmdcs = pmdcs,
        .idle_mark = now,
        .ipv6 = ipv6,
    };
}

void tern_cc_on_send(tern_cc *cc, tern_time now)
{
    cc->idle_mark = now;
    cc->idle_decayed = false;
    cc->sent_any = true;
}

void tern_cc_on_sack(tern_cc *cc, const tern_cc_ack *ack)
{
    /* §7.2.3: the one-packet rule lasts until data sent here is acked. */
    if (ack->bytes_acked) cc->one_packet = false;
    /* §7.2.4 6: leave Fast Recovery once the exit point is acked; this
     * SACK may then grow cwnd (as in Linux and FreeBSD). */
    if (cc->in_fast_recovery && tern_sn32_ge(ack->cum_tsn, cc->fr_exit_tsn))
        cc->in_fast_recovery = false;

    /* "Fully utilized" (§7.2.1) and "had cwnd or more outstanding" (§7.2.2)
     * are the same test. RFC 9260 dropped RFC 4960's third slow-start
     * condition, that the SACK advance the Cumulative TSN Ack Point
     * (RFC 8540 §3.22): gap-acked data has left the network too. */
    bool full = ack->flight_before >= cc->cwnd;
    if (cc->in_fast_recovery) {
        /* §7.2.1: no growth in Fast Recovery. cwnd <= ssthresh from entry
         * to exit, so §7.2.2 could not apply either. */
    } else if (cc->cwnd <= cc->ssthresh) {
        /* §7.2.1 slow start: at most min(bytes acked, L·PMDCS), L = 1. */
        if (full) cc->cwnd += min64(ack->bytes_acked, cc->pmdcs);
    } else {
        /* §7.2.2 congestion avoidance: one PMDCS per cwnd of bytes acked,
         * and partial_bytes_acked saturates at cwnd while not full. */
        cc->partial_bytes_acked += ack->bytes_acked;
        if (cc->partial_bytes_acked >= cc->cwnd) {
            if (full) {
                cc->partial_bytes_acked -= cc->cwnd;
                cc->cwnd += cc->pmdcs;
            } else {
                cc->partial_bytes_acked = cc->cwnd;
            }
        }
    }
    /* §7.2.2 last bullet: everything acked. */
    if (ack->flight_after == 0) cc->partial_bytes_acked = 0;
}

bool tern_cc_on_fast_retransmit(tern_cc *cc, uint32_t highest_outstanding)
{
    if (cc->in_fast_recovery) return false; /* §7.2.4 2, 6: once per window */
    /* §7.2.3. Where cwnd < 4·PMDCS the formula would raise cwnd on a loss;
     * Tern keeps the smaller (§7: more conservative is always allowed). */
    cc->ssthresh = halved(cc);
    cc->cwnd = min64(cc->cwnd, cc->ssthresh);
    cc->partial_bytes_acked = 0;
    cc->in_fast_recovery = true;
    cc->fr_exit_tsn = highest_outstanding;
    return true;
}

void tern_cc_on_t3_expired(tern_cc *cc)
{
    cc->ssthresh = halved(cc);
    cc->cwnd = cc->pmdcs;
    cc->partial_bytes_acked = 0;
    cc->one_packet = true;
    /* Not in the RFC: a timeout ends Fast Recovery (Linux does the same),
     * or slow start from one PMDCS would stay frozen until the old exit
     * point is acked. */
    cc->in_fast_recovery = false;
}

void tern_cc_on_idle_check(tern_cc *cc, tern_time now, tern_time rto)
{
    if (rto == 0 || now <= cc->idle_mark) return;
    uint64_t n = (now - cc->idle_mark) / rto;
    cc->idle_mark += n * rto;
    uint64_t floor = 4 * (uint64_t)cc->pmdcs;
    /* Each pass halves cwnd, so this ends within 64 passes. "Adjusted to
     * max(cwnd/2, 4·PMDCS)" would raise a cwnd below 4·PMDCS (after T3);
     * decay never raises it. */
    for (; n > 0 && cc->cwnd > floor; n--) {
        if (!cc->idle_decayed) { /* §7.2.1: "before the first adjustment" */
            cc->ssthresh = cc->cwnd;
            cc->idle_decayed = true;
        }
        cc->cwnd = max64(cc->cwnd / 2, floor);
        cc->partial_bytes_acked = 0;
    }
}

void tern_cc_on_pmdcs_change(tern_cc *cc, uint32_t pmdcs)
{
    if (pmdcs == 0 || pmdcs == cc->pmdcs) return;
    if (!cc->sent_any) {
        cc->cwnd = initial_cwnd(pmdcs, cc->ipv6); /* §7.2.1 */
    } else if (pmdcs < cc->pmdcs) {
        /* Same number of packets; exact, without overflow. */
        uint64_t old = cc->pmdcs;
        cc->cwnd = cc->cwnd / old * pmdcs + cc->cwnd % old * pmdcs / old;
        cc->partial_bytes_acked = 0;
    }
    cc->pmdcs = pmdcs;
}

uint64_t tern_cc_window(const tern_cc *cc, uint64_t flight, unsigned max_burst)
{
    if (cc->one_packet) return flight == 0; /* §7.2.3 */
    if (max_burst == 0 || flight >= cc->cwnd) return cc->cwnd;
    uint64_t burst = (uint64_t)max_burst * cc->pmdcs; /* < 2^64 */
    return burst < cc->cwnd - flight ? flight + burst : cc->cwnd;
}

static uint64_t isqrt64(uint64_t x)
{
    uint64_t r = 0, bit = (uint64_t)1 << 62;
    while (bit > x)
        bit >>= 2;
    for (; bit; bit >>= 2) {
        if (x >= r + bit) {
            x -= r + bit;
            r = (r >> 1) + bit;
        } else {
            r >>= 1;
        }
    }
    return r;
}

/* rate = mss · 1e9/rtt · sqrt(1.5 / p), p = ppm / 1e6. With
 * k = sqrt(1.5e6 · 2^32 / ppm) (16 fractional bits) and 1e9 = 2^9 · 1953125:
 * rate = mss · k · 1953125 / (2^7 · rtt). */
uint64_t tern_cc_mathis_rate(uint32_t mss, tern_time rtt_ns, uint32_t loss_ppm)
{
    if (rtt_ns == 0 || loss_ppm == 0) return 0;
    if (rtt_ns > UINT64_MAX >> 7) return 0;                                   /* centuries */
    uint64_t k = isqrt64(UINT64_C(1500000) * (UINT64_C(1) << 32) / loss_ppm); /* < 2^27 */
    uint64_t a = (uint64_t)mss * k;                                           /* < 2^59 */
    uint64_t d = rtt_ns << 7;
    uint64_t q = a / d, r = a % d;
    if (q >= UINT64_MAX / 1953125 - 1) return UINT64_MAX;
    /* r · 1953125 / d, shifting both down while the product would overflow. */
    while (r > UINT64_MAX / 1953125) {
        r >>= 1;
        d >>= 1;
    }
    return q * 1953125 + r * 1953125 / d;
}
