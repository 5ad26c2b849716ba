/* Per-destination congestion control (RFC 9260 §7.2, §6.1 B and D, §7.3).
 *
 * One tern_cc lives in each destination (tern_dest). Every quantity is in
 * bytes of DATA chunks, header and padding included (§7.2). The unit of
 * growth is the PMDCS (§3: the largest DATA chunk, header included, that
 * fits a packet within the path's PMTU), not the link MTU:
 *   tern_cc_pmdcs(1500, IPv4, raw) = 1500 - 20 - 12 = 1468.
 * No clock, no allocation: the caller passes time and sizes.
 *
 * "flight" is always the bytes sent to this path that are neither acked
 * (cumulatively or by a Gap Ack Block) nor marked for retransmission: T3
 * and Fast Retransmit marks take chunks out of flight, or the one-packet
 * rule after T3 would never let the retransmission out.
 *
 * The core calls, per destination:
 *   tern_cc_init()            when the path is created or must start over
 *                             (§7.2.5: DSCP or route change)
 *   tern_cc_on_send()         on every DATA (re)transmission to the path
 *   tern_cc_on_sack()         once per SACK, with the bytes it newly acked
 *                             that were last sent to this path (§7.2.1, §7.2.2)
 *   tern_cc_on_fast_retransmit()  after on_sack, for each path whose chunks
 *                             got their third miss indication (§7.2.4 2, 6)
 *   tern_cc_on_t3_expired()   T3-rtx fired for the path (§6.3.3 E1, §7.2.3)
 *   tern_cc_on_idle_check()   any time; decays cwnd per RTO of no sending
 *   tern_cc_on_pmdcs_change() the path's PMTU changed (§7.3)
 * and before sending new DATA:
 *   w = tern_cc_window(cc, flight, max_burst);      once per output round
 *   while (tern_cc_may_send(w, flight)) { one packet; flight += its bytes; }
 */
#ifndef TERN_CORE_CC_H
#define TERN_CORE_CC_H

#include <stdbool.h>
#include <stdint.h>

#include <tern/core.h>

#define TERN_CC_SSTHRESH_INITIAL UINT32_MAX /* §7.2.1: the largest rwnd */
#define TERN_CC_MAX_BURST        4          /* §16 Max.Burst */

typedef struct tern_cc {
    uint64_t cwnd, ssthresh;
    uint64_t partial_bytes_acked; /* §7.2.2 */
    uint32_t pmdcs;
    uint32_t fr_exit_tsn;  /* §7.2.4 6: valid while in_fast_recovery */
    tern_time idle_mark;   /* last send, or the last idle cut: RTOs count from here */
    bool in_fast_recovery; /* §7.2.4 */
    bool one_packet;       /* §7.2.3: after T3, one packet in flight until an ack */
    bool idle_decayed;     /* §7.2.1: ssthresh already saved this idle period */
    bool sent_any;         /* data has gone out: the initial cwnd is spent */
    bool ipv6;             /* which constant of the initial-cwnd formula */
} tern_cc;

/* What one SACK did for one destination (§7.2.1, §7.2.2). */
typedef struct tern_cc_ack {
    /* Bytes newly acknowledged on this path by the Cumulative TSN Ack and
     * Gap Ack Blocks, plus the bytes of reported Duplicate TSNs (§7.2.2). */
    uint64_t bytes_acked;
    uint64_t flight_before; /* outstanding to this path before the SACK */
    uint64_t flight_after;  /* after it; 0 resets partial_bytes_acked */
    uint32_t cum_tsn;       /* the SACK's Cumulative TSN Ack (§7.2.4 6) */
} tern_cc_ack;

/* PMDCS for an IP MTU: minus the IP header (20/40), the UDP header when
 * encapsulated (RFC 6951) and the SCTP common header (12). 0 if it does
 * not fit. */
uint32_t tern_cc_pmdcs(uint32_t ip_mtu, bool ipv6, bool udp_encaps);

/* §7.2.1: cwnd = min(4·PMDCS, max(2·PMDCS, 4404)) (IPv6: 4344), ssthresh
 * arbitrarily high, partial_bytes_acked 0, not in Fast Recovery. */
void tern_cc_init(tern_cc *cc, uint32_t pmdcs, bool ipv6, tern_time now);

void tern_cc_on_send(tern_cc *cc, tern_time now);

/* §7.2.4 6 exit, then §7.2.1 slow start or §7.2.2 congestion avoidance.
 * "cwnd fully utilized" is flight_before >= cwnd: rule B (§6.1) lets the
 * sender reach cwnd whenever it has data and rwnd allows. */
void tern_cc_on_sack(tern_cc *cc, const tern_cc_ack *ack);

/* §7.2.4 2 and 6, §7.2.3: when not yet in Fast Recovery, ssthresh =
 * max(cwnd/2, 4·PMDCS), cwnd = ssthresh, partial_bytes_acked = 0, and
 * Fast Recovery runs until a SACK's cum TSN reaches highest_outstanding.
 * Returns true if it entered: the caller then sends one packet of the
 * marked chunks ignoring cwnd (§7.2.4 3). */
bool tern_cc_on_fast_retransmit(tern_cc *cc, uint32_t highest_outstanding);

/* §7.2.3, §6.3.3 E1: ssthresh = max(cwnd/2, 4·PMDCS), cwnd = PMDCS,
 * partial_bytes_acked = 0; one packet in flight until data is acked.
 * Also leaves Fast Recovery (slow start restarts; see cc.c). */
void tern_cc_on_t3_expired(tern_cc *cc);

/* §7.2.1, §7.2.2: for each full RTO without sending, cwnd =
 * max(cwnd/2, 4·PMDCS) (never raised); ssthresh = cwnd before the first
 * cut of an idle period. Idempotent: call it as often as convenient. */
void tern_cc_on_idle_check(tern_cc *cc, tern_time now, tern_time rto);

/* §7.3: the path's PMDCS changed. Before any data went out the initial
 * cwnd is recomputed (§7.2.1 MUST); after, a smaller PMDCS scales cwnd
 * down to keep its packet count, a larger one keeps its bytes. */
void tern_cc_on_pmdcs_change(tern_cc *cc, uint32_t pmdcs);

/* §6.1 D: the window for one output round that starts with flight bytes
 * outstanding: min(cwnd, flight + max_burst·PMDCS), cwnd itself unchanged
 * (max_burst 0: no limit). After T3 (§7.2.3) it admits one packet only. */
uint64_t tern_cc_window(const tern_cc *cc, uint64_t flight, unsigned max_burst);

/* §6.1 B: one more packet of new DATA (up to PMDCS bytes) may go while
 * flight < window, so cwnd is overshot by at most PMDCS - 1 bytes and by
 * one packet. */
static inline bool tern_cc_may_send(uint64_t window, uint64_t flight)
{
    return flight < window;
}

/* Goodput a loss-limited Reno-style sender should reach, for the simulator
 * (Mathis, Semke, Mahdavi, Ott 1997, "The macroscopic behavior of the TCP
 * congestion avoidance algorithm"):
 *
 *     rate ≈ (MSS / RTT) · C / sqrt(p),   C = sqrt(3/2) ≈ 1.22
 *
 * p is the per-packet loss probability, MSS the PMDCS, RTT the base RTT.
 * C = sqrt(3/(2b)) with b packets per ACK; b = 1 here even though the peer
 * delays its SACKs, because §7.2.2 counts bytes acked (partial_bytes_acked),
 * so cwnd grows one PMDCS per RTT whatever the SACK rate.
 *
 * The model is a sawtooth with periodic loss, no timeouts, an unlimited
 * rwnd and an unsaturated link. A simulator run should land within
 * TERN_CC_MATHIS_LO_PCT..TERN_CC_MATHIS_HI_PCT percent of it (0.5×–2×)
 * when p ≈ 1 %, RTT ≫ serialization, the link rate is ≥ 2× the prediction,
 * rwnd ≥ 4× the mean window and the run spans ≥ 100 loss events. Why
 * this width: random (Bernoulli) loss instead of periodic gives C ≈
 * 0.9–1.1; a lost fast retransmit costs a T3 timeout (RTO.Min = 1 s ≫ RTT)
 * and slow start; several losses in one window count as one event (Fast
 * Recovery is entered once per window, §7.2.4 6), which raises goodput;
 * §7.2.3's 4·PMDCS floor on ssthresh raises it at high p. Together those
 * stay well within a factor of two at 1 % (mean window ≈ 12 packets);
 * anything outside means a broken rule (no halving, no growth, a cwnd
 * leak), not model error.
 *
 * Returns bytes per second, rounded down; 0 if rtt_ns or loss_ppm is 0
 * (loss_ppm: p in millionths, 1 % = 10000). Exact integer arithmetic. */
uint64_t tern_cc_mathis_rate(uint32_t mss, tern_time rtt_ns, uint32_t loss_ppm);
#define TERN_CC_MATHIS_LO_PCT 50
#define TERN_CC_MATHIS_HI_PCT 200

#endif
