/* Per-destination congestion control (RFC 9260 §7.2, §6.1 B and D, §7.3)
 * of core/cc.c, driven event by event. Each test breaks if its rule does.
 *
 * Most tests use PMDCS = 1000 so the arithmetic reads at a glance; the
 * initial-window tests use the real PMDCS of 1500-, 9000- and 1280-byte
 * MTUs.
 *
 * Goodput prediction for the simulator (see tern_cc_mathis_rate in
 * core/cc.h): Mathis et al. 1997, rate ≈ (MSS/RTT)·C/sqrt(p), C = sqrt(3/2).
 * For PMDCS 1468, RTT 100 ms and 1 % packet loss that is 179 792 B/s
 * (≈ 1.44 Mbit/s, mean window ≈ 12 packets). Accept 0.5×–2× of it: random
 * instead of periodic loss, T3 timeouts at RTO.Min = 1 s when a fast
 * retransmission is lost, one Fast Recovery per window for clustered
 * losses and the 4·PMDCS ssthresh floor each move goodput by tens of
 * percent, never by 2×; a broken halving or growth rule moves it by more. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <limits.h>

#include "core/cc.h"

#define P 1000u /* PMDCS of most tests */

static tern_cc fresh(uint32_t pmdcs)
{
    tern_cc cc;
    tern_cc_init(&cc, pmdcs, false, 0);
    return cc;
}

/* A SACK that newly acks `bytes`, with `flight` outstanding before it. */
static void sack(tern_cc *cc, uint64_t bytes, uint64_t flight, uint32_t cum)
{
    tern_cc_ack a = {.bytes_acked = bytes,
                     .flight_before = flight,
                     .flight_after = flight > bytes ? flight - bytes : 1,
                     .cum_tsn = cum};
    tern_cc_on_sack(cc, &a);
}

/* ---- §7.2.1 initial window ---------------------------------------------- */

/* PMDCS = MTU - IP header - (UDP) - 12-byte common header (§3 definitions). */
static void sec3_pmdcs_from_mtu(void **state)
{
    (void)state;
    assert_int_equal(tern_cc_pmdcs(1500, false, false), 1468);
    assert_int_equal(tern_cc_pmdcs(1500, true, false), 1448);
    assert_int_equal(tern_cc_pmdcs(1500, false, true), 1460);
    assert_int_equal(tern_cc_pmdcs(1500, true, true), 1440);
    assert_int_equal(tern_cc_pmdcs(9000, false, false), 8968);
    assert_int_equal(tern_cc_pmdcs(1280, true, false), 1228);
    assert_int_equal(tern_cc_pmdcs(52, true, false), 0);
    assert_int_equal(tern_cc_pmdcs(53, true, false), 1);
}

static uint64_t initial(uint32_t ip_mtu, bool ipv6)
{
    tern_cc cc;
    tern_cc_init(&cc, tern_cc_pmdcs(ip_mtu, ipv6, false), ipv6, 0);
    return cc.cwnd;
}

/* min(4·PMDCS, max(2·PMDCS, 4404)), IPv6 4344. */
static void sec7_2_1_initial_cwnd(void **state)
{
    (void)state;
    assert_int_equal(initial(1500, false), 4404);  /* min(5872, max(2936, 4404)) */
    assert_int_equal(initial(1500, true), 4344);   /* min(5792, max(2896, 4344)) */
    assert_int_equal(initial(9000, false), 17936); /* min(35872, max(17936, 4404)) */
    assert_int_equal(initial(9000, true), 17896);  /* 2 · 8948 */
    assert_int_equal(initial(1280, true), 4344);   /* min(4912, max(2456, 4344)) */
    assert_int_equal(initial(1280, false), 4404);  /* min(4992, max(2496, 4404)) */
    assert_int_equal(initial(576, false), 2176);   /* 4 · 544: the 4·PMDCS cap binds */
    /* The brief's "MTU 1500" read literally as PMDCS: min(6000, max(3000, 4404)). */
    tern_cc cc = fresh(1500);
    assert_int_equal(cc.cwnd, 4404);

    assert_int_equal(cc.ssthresh, UINT32_MAX); /* "arbitrarily high" */
    assert_int_equal(cc.partial_bytes_acked, 0);
    assert_false(cc.in_fast_recovery);
    assert_false(cc.one_packet);
}

/* ---- §7.2.1 slow start ---------------------------------------------------- */

/* cwnd grows by min(bytes acked, PMDCS), only when fully utilized. */
static void sec7_2_1_slow_start_growth(void **state)
{
    (void)state;
    tern_cc cc = fresh(1468);
    assert_int_equal(cc.cwnd, 4404);
    sack(&cc, 1000, 4404, 1); /* acked < PMDCS: + 1000 */
    assert_int_equal(cc.cwnd, 5404);
    sack(&cc, 5000, 5404, 2); /* ack splitting guard: + PMDCS only */
    assert_int_equal(cc.cwnd, 6872);
    sack(&cc, 2936, 9000, 3); /* flight above cwnd (rule B): full */
    assert_int_equal(cc.cwnd, 8340);
    sack(&cc, 0, 9000, 3); /* nothing new acked: nothing gained */
    assert_int_equal(cc.cwnd, 8340);
    assert_int_equal(cc.partial_bytes_acked, 0); /* slow start leaves pba alone */
}

/* "only if the current congestion window is being fully utilized". */
static void sec7_2_1_no_growth_when_not_fully_utilized(void **state)
{
    (void)state;
    tern_cc cc = fresh(P);
    assert_int_equal(cc.cwnd, 4000);
    sack(&cc, 1000, 3999, 1); /* application- or rwnd-limited */
    assert_int_equal(cc.cwnd, 4000);
    sack(&cc, 2000, 0, 2);
    assert_int_equal(cc.cwnd, 4000);
    sack(&cc, 1000, 4000, 3); /* flight == cwnd is full */
    assert_int_equal(cc.cwnd, 5000);
}

/* RFC 9260 dropped RFC 4960's "an incoming SACK advances the Cumulative
 * TSN Ack Point" (RFC 8540 §3.22): a SACK that only gap-acks new data
 * grows cwnd too. */
static void sec7_2_1_growth_on_gap_ack_only(void **state)
{
    (void)state;
    tern_cc cc = fresh(P);
    sack(&cc, 1000, 4000, 7); /* cum 7 ... */
    sack(&cc, 1000, 5000, 7); /* ... still 7: a Gap Ack Block acked it */
    assert_int_equal(cc.cwnd, 6000);
}

/* ---- §7.2.2 congestion avoidance ----------------------------------------- */

/* cwnd <= ssthresh is slow start; the step past ssthresh may overshoot it
 * by up to one PMDCS; from there partial_bytes_acked takes over. */
static void sec7_2_2_switch_at_ssthresh(void **state)
{
    (void)state;
    tern_cc cc = fresh(P);
    cc.ssthresh = 5500;
    sack(&cc, 1000, 4000, 1); /* 4000 <= 5500: slow start */
    assert_int_equal(cc.cwnd, 5000);
    sack(&cc, 1000, 5000, 2); /* 5000 <= 5500: slow start, lands above */
    assert_int_equal(cc.cwnd, 6000);
    assert_int_equal(cc.partial_bytes_acked, 0);
    sack(&cc, 1000, 6000, 3); /* 6000 > 5500: congestion avoidance */
    assert_int_equal(cc.cwnd, 6000);
    assert_int_equal(cc.partial_bytes_acked, 1000);

    cc = fresh(P);
    cc.cwnd = cc.ssthresh = 6000; /* equal: still slow start */
    sack(&cc, 1000, 6000, 1);
    assert_int_equal(cc.cwnd, 7000);
    assert_int_equal(cc.partial_bytes_acked, 0);
}

/* One PMDCS per cwnd of bytes acked, however the SACKs split it. */
static void sec7_2_2_one_pmdcs_per_cwnd_acked(void **state)
{
    (void)state;
    tern_cc cc = fresh(P);
    cc.ssthresh = 4000;
    cc.cwnd = 10000;
    for (int i = 1; i < 100; i++) { /* 99 × 100 bytes = 9900 < cwnd */
        sack(&cc, 100, 10000, (uint32_t)i);
        assert_int_equal(cc.cwnd, 10000);
    }
    assert_int_equal(cc.partial_bytes_acked, 9900);
    sack(&cc, 300, 10000, 100); /* 10200 >= 10000: grow, keep the 200 */
    assert_int_equal(cc.cwnd, 11000);
    assert_int_equal(cc.partial_bytes_acked, 200);
    /* One big SACK of 3 cwnds still grows by one PMDCS (MUST NOT > 1/RTT
     * per SACK); the remainder is carried, and clamped later if not full. */
    sack(&cc, 33000, 11000, 101);
    assert_int_equal(cc.cwnd, 12000);
    assert_int_equal(cc.partial_bytes_acked, 22200);
}

/* Not full: partial_bytes_acked saturates at cwnd and cwnd stays. */
static void sec7_2_2_not_full_clamps_partial_bytes_acked(void **state)
{
    (void)state;
    tern_cc cc = fresh(P);
    cc.ssthresh = 4000;
    cc.cwnd = 10000;
    sack(&cc, 10000, 9999, 1); /* pba == cwnd, not greater: left as is */
    assert_int_equal(cc.partial_bytes_acked, 10000);
    assert_int_equal(cc.cwnd, 10000);
    sack(&cc, 5000, 9999, 2); /* pba 15000 > cwnd: reset to cwnd */
    assert_int_equal(cc.partial_bytes_acked, 10000);
    assert_int_equal(cc.cwnd, 10000);
    sack(&cc, 1, 10000, 3); /* full again: 10001 >= cwnd, grow once */
    assert_int_equal(cc.cwnd, 11000);
    assert_int_equal(cc.partial_bytes_acked, 1);
}

/* "When all of the data transmitted ... has been acknowledged". */
static void sec7_2_2_all_acked_resets_partial_bytes_acked(void **state)
{
    (void)state;
    tern_cc cc = fresh(P);
    cc.ssthresh = 4000;
    cc.cwnd = 10000;
    sack(&cc, 3000, 10000, 1);
    assert_int_equal(cc.partial_bytes_acked, 3000);
    tern_cc_ack a = {.bytes_acked = 7000, .flight_before = 7000, .flight_after = 0, .cum_tsn = 2};
    tern_cc_on_sack(&cc, &a);
    assert_int_equal(cc.partial_bytes_acked, 0);
    assert_int_equal(cc.cwnd, 10000);
}

/* ---- §7.2.3 / §7.2.4 fast retransmit and Fast Recovery ------------------ */

static void sec7_2_4_fast_retransmit_halves(void **state)
{
    (void)state;
    tern_cc cc = fresh(P);
    cc.ssthresh = 4000;
    cc.cwnd = 20000;
    cc.partial_bytes_acked = 5000;
    assert_true(tern_cc_on_fast_retransmit(&cc, 500));
    assert_int_equal(cc.ssthresh, 10000); /* max(20000/2, 4000) */
    assert_int_equal(cc.cwnd, 10000);
    assert_int_equal(cc.partial_bytes_acked, 0);
    assert_true(cc.in_fast_recovery);
    assert_int_equal(cc.fr_exit_tsn, 500);

    cc = fresh(P); /* the 4·PMDCS floor */
    cc.cwnd = 6000;
    assert_true(tern_cc_on_fast_retransmit(&cc, 1));
    assert_int_equal(cc.ssthresh, 4000);
    assert_int_equal(cc.cwnd, 4000);

    /* Below the floor the formula would raise cwnd on a loss; it doesn't. */
    cc = fresh(P);
    cc.cwnd = 2000;
    assert_true(tern_cc_on_fast_retransmit(&cc, 1));
    assert_int_equal(cc.ssthresh, 4000);
    assert_int_equal(cc.cwnd, 2000);
}

/* §7.2.4 2, 6: once per window: no further cut until the exit point is
 * acked, then a new loss cuts again. */
static void sec7_2_4_once_per_window(void **state)
{
    (void)state;
    tern_cc cc = fresh(P);
    cc.cwnd = 40000;
    assert_true(tern_cc_on_fast_retransmit(&cc, 140));
    assert_int_equal(cc.cwnd, 20000);
    assert_false(tern_cc_on_fast_retransmit(&cc, 160)); /* another hole */
    assert_int_equal(cc.cwnd, 20000);
    assert_int_equal(cc.ssthresh, 20000);
    assert_int_equal(cc.fr_exit_tsn, 140); /* not moved */
    sack(&cc, 1000, 30000, 139);           /* short of the exit point */
    assert_true(cc.in_fast_recovery);
    assert_false(tern_cc_on_fast_retransmit(&cc, 170));
    sack(&cc, 1000, 30000, 140); /* "up to and including this exit point" */
    assert_false(cc.in_fast_recovery);
    assert_int_equal(cc.cwnd, 21000); /* and may grow again: slow start */
    assert_true(tern_cc_on_fast_retransmit(&cc, 200));
    assert_int_equal(cc.ssthresh, 10500);
    assert_int_equal(cc.cwnd, 10500);
}

/* §7.2.1 "and the data sender is not in Fast Recovery". */
static void sec7_2_1_no_growth_in_fast_recovery(void **state)
{
    (void)state;
    tern_cc cc = fresh(P);
    cc.cwnd = 20000;
    tern_cc_on_fast_retransmit(&cc, 1000);
    for (uint32_t cum = 900; cum < 1000; cum++) { /* full, large acks */
        sack(&cc, 3000, 40000, cum);
        assert_int_equal(cc.cwnd, 10000);
        assert_int_equal(cc.partial_bytes_acked, 0);
    }
    /* The exiting SACK grows (cwnd == ssthresh: slow start, + PMDCS)... */
    sack(&cc, 3000, 40000, 1000);
    assert_int_equal(cc.cwnd, 11000);
    /* ... and the next one is congestion avoidance. */
    sack(&cc, 3000, 40000, 1001);
    assert_int_equal(cc.cwnd, 11000);
    assert_int_equal(cc.partial_bytes_acked, 3000);
}

/* The exit point compares in serial arithmetic (RFC 1982). */
static void sec7_2_4_exit_point_wraps(void **state)
{
    (void)state;
    tern_cc cc = fresh(P);
    cc.cwnd = 20000;
    tern_cc_on_fast_retransmit(&cc, 0xfffffff0u);
    sack(&cc, 1000, 20000, 0xffffffefu);
    assert_true(cc.in_fast_recovery);
    sack(&cc, 1000, 20000, 5); /* past the wrap: after the exit point */
    assert_false(cc.in_fast_recovery);
}

/* §7.2.4 note: the SACK's own §7.2.1 growth comes first, then the cut. */
static void sec7_2_4_growth_before_cut(void **state)
{
    (void)state;
    tern_cc cc = fresh(P);
    cc.cwnd = 20000;
    sack(&cc, 1000, 20000, 10);
    tern_cc_on_fast_retransmit(&cc, 40);
    assert_int_equal(cc.cwnd, 10500); /* (20000 + 1000) / 2 */
}

/* ---- §7.2.3 / §6.3.3 T3-rtx expiry --------------------------------------- */

static void sec7_2_3_t3_expiry(void **state)
{
    (void)state;
    tern_cc cc = fresh(P);
    cc.ssthresh = 4000;
    cc.cwnd = 20000;
    cc.partial_bytes_acked = 7000;
    tern_cc_on_t3_expired(&cc);
    assert_int_equal(cc.ssthresh, 10000); /* max(20000/2, 4000) */
    assert_int_equal(cc.cwnd, P);
    assert_int_equal(cc.partial_bytes_acked, 0);
    tern_cc_on_t3_expired(&cc); /* backed-off again: the floor */
    assert_int_equal(cc.ssthresh, 4000);
    assert_int_equal(cc.cwnd, P);
    /* Slow start from one PMDCS once acked. */
    sack(&cc, 1000, 1000, 1);
    assert_int_equal(cc.cwnd, 2000);
}

/* "no more than one SCTP packet will be in flight for that address until
 * the endpoint receives acknowledgement": small packets included. */
static void sec7_2_3_t3_one_packet_in_flight(void **state)
{
    (void)state;
    tern_cc cc = fresh(P);
    cc.cwnd = 20000;
    tern_cc_on_t3_expired(&cc);
    uint64_t w = tern_cc_window(&cc, 0, TERN_CC_MAX_BURST);
    assert_true(tern_cc_may_send(w, 0));
    assert_false(tern_cc_may_send(w, 200)); /* cwnd 1000 > 200, yet no */
    assert_false(tern_cc_may_send(tern_cc_window(&cc, 200, 0), 200));
    sack(&cc, 0, 200, 1); /* acks nothing: still one packet */
    assert_false(tern_cc_may_send(tern_cc_window(&cc, 200, 0), 200));
    sack(&cc, 200, 200, 2); /* acked (not full: no growth) */
    assert_int_equal(cc.cwnd, P);
    w = tern_cc_window(&cc, 0, 0);
    assert_int_equal(w, P);
    assert_true(tern_cc_may_send(w, 200));
    assert_true(tern_cc_may_send(w, 400));
}

/* A timeout ends Fast Recovery: slow start is not frozen until the old
 * exit point is acked. */
static void sec7_2_3_t3_ends_fast_recovery(void **state)
{
    (void)state;
    tern_cc cc = fresh(P);
    cc.cwnd = 20000;
    tern_cc_on_fast_retransmit(&cc, 1000);
    tern_cc_on_t3_expired(&cc);
    assert_false(cc.in_fast_recovery);
    sack(&cc, 1000, 1000, 900);
    assert_int_equal(cc.cwnd, 2000);
    assert_true(tern_cc_on_fast_retransmit(&cc, 1200)); /* may enter again */
}

/* ---- §7.2.1 / §7.2.2 idle decay ------------------------------------------ */

static void sec7_2_1_idle_decay(void **state)
{
    (void)state;
    const tern_time rto = TERN_SEC(1);
    tern_cc cc = fresh(P);
    cc.cwnd = 40000;
    cc.ssthresh = 20000;
    cc.partial_bytes_acked = 3000;
    tern_cc_on_send(&cc, TERN_SEC(10));
    tern_cc_on_idle_check(&cc, TERN_SEC(11) - 1, rto);
    assert_int_equal(cc.cwnd, 40000);
    assert_int_equal(cc.ssthresh, 20000);
    tern_cc_on_idle_check(&cc, TERN_SEC(11), rto); /* one RTO */
    assert_int_equal(cc.ssthresh, 40000);          /* saved before the first cut */
    assert_int_equal(cc.cwnd, 20000);
    assert_int_equal(cc.partial_bytes_acked, 0);
    tern_cc_on_idle_check(&cc, TERN_MSEC(11999), rto); /* once per RTO */
    assert_int_equal(cc.cwnd, 20000);
    tern_cc_on_idle_check(&cc, TERN_SEC(12), rto);
    assert_int_equal(cc.cwnd, 10000);
    assert_int_equal(cc.ssthresh, 40000); /* only before the first */
    tern_cc_on_idle_check(&cc, TERN_SEC(13), rto);
    assert_int_equal(cc.cwnd, 5000);
    tern_cc_on_idle_check(&cc, TERN_SEC(14), rto);
    assert_int_equal(cc.cwnd, 4000); /* max(2500, 4·PMDCS) */
    tern_cc_on_idle_check(&cc, TERN_SEC(1000), rto);
    assert_int_equal(cc.cwnd, 4000);
    assert_int_equal(cc.ssthresh, 40000);
    /* Now cwnd <= ssthresh: slow start climbs back. */
    sack(&cc, 1000, 4000, 1);
    assert_int_equal(cc.cwnd, 5000);
}

/* Sending restarts the count, and a new idle period saves ssthresh anew. */
static void sec7_2_1_idle_send_restarts(void **state)
{
    (void)state;
    const tern_time rto = TERN_SEC(1);
    tern_cc cc = fresh(P);
    cc.cwnd = 40000;
    tern_cc_on_send(&cc, 0);
    tern_cc_on_idle_check(&cc, TERN_SEC(1), rto);
    assert_int_equal(cc.cwnd, 20000);
    tern_cc_on_send(&cc, TERN_MSEC(1500));
    tern_cc_on_idle_check(&cc, TERN_MSEC(2499), rto);
    assert_int_equal(cc.cwnd, 20000);
    assert_int_equal(cc.ssthresh, 40000);
    tern_cc_on_idle_check(&cc, TERN_MSEC(2500), rto);
    assert_int_equal(cc.ssthresh, 20000);
    assert_int_equal(cc.cwnd, 10000);
}

/* Calling often or rarely gives the same answer. */
static void sec7_2_1_idle_check_is_idempotent(void **state)
{
    (void)state;
    const tern_time rto = TERN_MSEC(300);
    tern_cc often = fresh(P), rarely = fresh(P);
    often.cwnd = rarely.cwnd = 64000;
    tern_cc_on_send(&often, 0);
    tern_cc_on_send(&rarely, 0);
    for (tern_time t = 0; t <= TERN_MSEC(1000); t += TERN_MSEC(1))
        tern_cc_on_idle_check(&often, t, rto);
    tern_cc_on_idle_check(&rarely, TERN_MSEC(1000), rto);
    assert_int_equal(often.cwnd, 8000); /* three RTOs: 64000 / 8 */
    assert_int_equal(rarely.cwnd, 8000);
    assert_int_equal(often.ssthresh, rarely.ssthresh);
    assert_int_equal(often.idle_mark, rarely.idle_mark);
    assert_int_equal(often.idle_mark, TERN_MSEC(900));
}

/* Decay never raises cwnd (max(cwnd/2, 4·PMDCS) would, after T3). */
static void sec7_2_1_idle_never_raises(void **state)
{
    (void)state;
    tern_cc cc = fresh(P);
    cc.cwnd = 20000;
    tern_cc_on_t3_expired(&cc);
    tern_cc_on_send(&cc, 0);
    tern_cc_on_idle_check(&cc, TERN_SEC(10), TERN_SEC(1));
    assert_int_equal(cc.cwnd, P);
    assert_int_equal(cc.ssthresh, 10000);
    tern_cc_on_idle_check(&cc, TERN_SEC(20), 0); /* no RTO: nothing */
    assert_int_equal(cc.cwnd, P);
}

/* ---- §7.3 PMTU change ------------------------------------------------------ */

static void sec7_3_pmdcs_change_before_data(void **state)
{
    (void)state;
    tern_cc cc;
    tern_cc_init(&cc, 1468, false, 0);
    tern_cc_on_pmdcs_change(&cc, 500); /* §7.2.1 MUST: <= 4·PMDCS */
    assert_int_equal(cc.cwnd, 2000);
    tern_cc_on_pmdcs_change(&cc, 8968);
    assert_int_equal(cc.cwnd, 17936);
    tern_cc_init(&cc, 1448, true, 0);
    tern_cc_on_pmdcs_change(&cc, 1228);
    assert_int_equal(cc.cwnd, 4344); /* the IPv6 constant is kept */
    assert_int_equal(cc.pmdcs, 1228);
}

static void sec7_3_pmdcs_change_after_data(void **state)
{
    (void)state;
    tern_cc cc = fresh(1468);
    tern_cc_on_send(&cc, 0);
    cc.cwnd = 14680; /* 10 packets */
    cc.ssthresh = 20000;
    cc.partial_bytes_acked = 100;
    tern_cc_on_pmdcs_change(&cc, 1228); /* smaller: still 10 packets */
    assert_int_equal(cc.cwnd, 12280);
    assert_int_equal(cc.ssthresh, 20000);
    assert_int_equal(cc.partial_bytes_acked, 0);
    cc.cwnd = 15000;
    tern_cc_on_pmdcs_change(&cc, 1000); /* 15000 · 1000 / 1228 = 12214.98 */
    assert_int_equal(cc.cwnd, 12214);
    tern_cc_on_pmdcs_change(&cc, 8968); /* larger: bytes kept */
    assert_int_equal(cc.cwnd, 12214);
    sack(&cc, 9000, 12214, 1); /* growth now in the new unit */
    assert_int_equal(cc.cwnd, 21182);
    tern_cc_on_t3_expired(&cc);
    assert_int_equal(cc.cwnd, 8968);
    tern_cc_on_pmdcs_change(&cc, 0); /* ignored */
    assert_int_equal(cc.pmdcs, 8968);
}

/* ---- §6.1 B and D: what may go out --------------------------------------- */

/* Rule B: send while flight < cwnd; the last packet may overshoot by up to
 * PMDCS - 1 bytes, and only one packet does. */
static void sec6_1_b_cwnd_rule(void **state)
{
    (void)state;
    tern_cc cc = fresh(P);
    cc.cwnd = 10000;
    uint64_t w = tern_cc_window(&cc, 0, 0);
    assert_int_equal(w, 10000);
    assert_true(tern_cc_may_send(w, 9999)); /* -> up to 10999 = cwnd + P - 1 */
    assert_false(tern_cc_may_send(w, 10000));
    assert_false(tern_cc_may_send(w, 10999));
    /* Output round of 300-byte packets: 33 · 300 = 9900 < cwnd, the 34th
     * crosses to 10200 and is the only one beyond. */
    uint64_t flight = 0;
    int packets = 0;
    while (tern_cc_may_send(w, flight)) {
        flight += 300;
        packets++;
    }
    assert_int_equal(packets, 34);
    assert_int_equal(flight, 10200);
}

static int round_packets(const tern_cc *cc, uint64_t flight, unsigned max_burst)
{
    uint64_t w = tern_cc_window(cc, flight, max_burst);
    int n = 0;
    for (; tern_cc_may_send(w, flight); n++)
        flight += cc->pmdcs;
    return n;
}

/* Rule D: min(cwnd, flight + Max.Burst·PMDCS) for the round; cwnd itself
 * is not changed (RFC 9260: "SHOULD NOT be changed permanently"). */
static void sec6_1_d_max_burst(void **state)
{
    (void)state;
    tern_cc cc = fresh(P);
    cc.cwnd = 10000;
    assert_int_equal(tern_cc_window(&cc, 0, 4), 4000);
    assert_int_equal(tern_cc_window(&cc, 3000, 4), 7000);
    assert_int_equal(tern_cc_window(&cc, 6000, 4), 10000); /* exactly */
    assert_int_equal(tern_cc_window(&cc, 7000, 4), 10000); /* cwnd binds */
    assert_int_equal(tern_cc_window(&cc, 12000, 4), 10000);
    assert_int_equal(tern_cc_window(&cc, 0, 0), 10000); /* no limit */
    assert_int_equal(cc.cwnd, 10000);
    assert_int_equal(round_packets(&cc, 0, 4), 4);
    assert_int_equal(round_packets(&cc, 0, 0), 10);
    assert_int_equal(round_packets(&cc, 8000, 4), 2);
    assert_int_equal(round_packets(&cc, 10000, 4), 0);
    /* Overflow: huge burst, huge flight. */
    cc.pmdcs = 65535;
    assert_int_equal(tern_cc_window(&cc, 0, UINT_MAX), 10000);
    assert_int_equal(tern_cc_window(&cc, UINT64_MAX, UINT_MAX), 10000);
}

/* ---- a textbook replay: 20 RTTs, slow start, one loss, congestion
 * avoidance ------------------------------------------------------------------
 *
 * PMDCS 1000, IPv4: initial cwnd = min(4000, max(2000, 4404)) = 4000.
 * The receiver SACKs every packet (no delayed ack); each SACK newly acks
 * one 1000-byte packet. The sender always has data and refills after each
 * SACK, so before every SACK flight = cwnd rounded up to whole packets
 * (rule B) and cwnd is "fully utilized". Round r is the n = ceil(cwnd/1000)
 * SACKs for what was in flight when it began.
 *
 * r0–r3 slow start, + 1000 per SACK, doubling: 4000 → 8000 → 16000 →
 *   32000 → 64000.
 * r4 (64 packets): the first is lost. SACKs 1–3 gap-ack one packet each
 *   (cum stays 999) and still grow cwnd (§7.2.1, no cum-advance rule):
 *   65000, 66000, 67000. With the third miss indication, growth first
 *   (§7.2.4 note), then fast retransmit: ssthresh = max(67000/2, 4000) =
 *   33500, cwnd = 33500, exit point = TSN 1066. The 60 other SACKs of the
 *   round: Fast Recovery, cwnd stays 33500.
 * r5 (34 SACKs): the first acks the retransmission, cum jumps to 1067 ≥
 *   1066: out of Fast Recovery; cwnd = ssthresh is still slow start:
 *   34500. The other 33 are congestion avoidance: pba = 33000 < 34500.
 * r6 (35): pba 34000, 35000 ≥ 34500 → pba 500, cwnd 35500 on the 2nd;
 *   33 more: pba 33500.
 * r7 (36): 35500 ≥ 35500 on the 2nd → pba 0, cwnd 36500; 34 more: 34000.
 * r8 (37): 37000 on the 3rd → 500, 37500; 34 more: 34500.
 * r9 (38): 37500 on the 3rd → 0, 38500; 35 more: 35000.
 * and so on: one PMDCS per round, pba + 500 per round:
 *   end of r = 34500 + (r - 5)·1000, pba = 33000 + (r - 5)·500.
 * r19: cwnd 48500, pba 40000; ssthresh stays 33500 throughout. */
static void sec7_2_textbook_replay(void **state)
{
    (void)state;
    static const uint64_t end_cwnd[20] = {
        8000,  16000, 32000, 64000, 33500, 34500, 35500, 36500, 37500, 38500,
        39500, 40500, 41500, 42500, 43500, 44500, 45500, 46500, 47500, 48500,
    };
    tern_cc cc = fresh(P);
    assert_int_equal(cc.cwnd, 4000);
    uint32_t cum = 0;
    for (int r = 0; r < 20; r++) {
        uint64_t n = (cc.cwnd + P - 1) / P;
        for (uint64_t i = 0; i < n; i++) {
            uint64_t flight = (cc.cwnd + P - 1) / P * P;
            if (r == 4) {              /* TSN 1000 lost; 1001.. gap-acked */
                if (i == n - 1) break; /* 63 SACKs for 64 packets */
                sack(&cc, P, flight, 999);
                if (i == 2) {
                    assert_int_equal(cc.cwnd, 67000);
                    assert_true(tern_cc_on_fast_retransmit(&cc, 1066));
                    assert_int_equal(cc.cwnd, 33500);
                } else if (i > 2) {
                    assert_false(tern_cc_on_fast_retransmit(&cc, 1066)); /* more holes */
                }
                cum = 999;
                continue;
            }
            cum = r == 5 && i == 0 ? 1067 : cum + 1;
            sack(&cc, P, flight, cum);
        }
        assert_int_equal(cc.cwnd, end_cwnd[r]);
        if (r >= 4) assert_int_equal(cc.ssthresh, 33500);
        if (r >= 5) {
            assert_false(cc.in_fast_recovery);
            assert_int_equal(cc.partial_bytes_acked, 33000 + (uint64_t)(r - 5) * 500);
        }
    }
}

/* ---- the goodput model --------------------------------------------------- */

/* Values from sqrt in arbitrary precision: 1468·1e9/1e8·sqrt(150) =
 * 179792.547; fixed point floors sqrt to 16 bits, so within 2 B/s. */
static void mathis_goodput_prediction(void **state)
{
    (void)state;
    assert_int_equal(tern_cc_mathis_rate(1468, TERN_MSEC(100), 10000), 179792);
    assert_int_equal(tern_cc_mathis_rate(1468, TERN_MSEC(100), 40000), 89896); /* 4p: half */
    assert_int_equal(tern_cc_mathis_rate(1468, TERN_MSEC(200), 10000), 89896); /* 2 RTT: half */
    assert_int_equal(tern_cc_mathis_rate(1000, TERN_SEC(1), 1000000), 1224);   /* p = 1 */
    assert_int_equal(tern_cc_mathis_rate(1448, TERN_MSEC(50), 10000), 354685); /* 354686.1 */
    assert_int_equal(tern_cc_mathis_rate(1468, TERN_MSEC(100), 1), 17979254);
    assert_int_equal(tern_cc_mathis_rate(1468, 0, 10000), 0);
    assert_int_equal(tern_cc_mathis_rate(1468, TERN_MSEC(100), 0), 0);
    assert_int_equal(tern_cc_mathis_rate(UINT32_MAX, 1, 1), UINT64_MAX); /* saturates */
    /* Large RTTs stay exact: 1468 / 100 s · sqrt(150) = 179.79 B/s. */
    assert_int_equal(tern_cc_mathis_rate(1468, TERN_SEC(100), 10000), 179);
    assert_int_equal(TERN_CC_MATHIS_LO_PCT, 50);
    assert_int_equal(TERN_CC_MATHIS_HI_PCT, 200);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sec3_pmdcs_from_mtu),
        cmocka_unit_test(sec7_2_1_initial_cwnd),
        cmocka_unit_test(sec7_2_1_slow_start_growth),
        cmocka_unit_test(sec7_2_1_no_growth_when_not_fully_utilized),
        cmocka_unit_test(sec7_2_1_growth_on_gap_ack_only),
        cmocka_unit_test(sec7_2_2_switch_at_ssthresh),
        cmocka_unit_test(sec7_2_2_one_pmdcs_per_cwnd_acked),
        cmocka_unit_test(sec7_2_2_not_full_clamps_partial_bytes_acked),
        cmocka_unit_test(sec7_2_2_all_acked_resets_partial_bytes_acked),
        cmocka_unit_test(sec7_2_4_fast_retransmit_halves),
        cmocka_unit_test(sec7_2_4_once_per_window),
        cmocka_unit_test(sec7_2_1_no_growth_in_fast_recovery),
        cmocka_unit_test(sec7_2_4_exit_point_wraps),
        cmocka_unit_test(sec7_2_4_growth_before_cut),
        cmocka_unit_test(sec7_2_3_t3_expiry),
        cmocka_unit_test(sec7_2_3_t3_one_packet_in_flight),
        cmocka_unit_test(sec7_2_3_t3_ends_fast_recovery),
        cmocka_unit_test(sec7_2_1_idle_decay),
        cmocka_unit_test(sec7_2_1_idle_send_restarts),
        cmocka_unit_test(sec7_2_1_idle_check_is_idempotent),
        cmocka_unit_test(sec7_2_1_idle_never_raises),
        cmocka_unit_test(sec7_3_pmdcs_change_before_data),
        cmocka_unit_test(sec7_3_pmdcs_change_after_data),
        cmocka_unit_test(sec6_1_b_cwnd_rule),
        cmocka_unit_test(sec6_1_d_max_burst),
        cmocka_unit_test(sec7_2_textbook_replay),
        cmocka_unit_test(mathis_goodput_prediction),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
