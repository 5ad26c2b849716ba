/* Outstanding DATA (core/retransq.c): SACK processing (RFC 9260 §6.2.1),
 * miss indications and HTNA (§7.2.4), Karn's rule (§6.3.1 C5), T3 (§6.3.3),
 * flight and rwnd accounting, TSN wrap, and a seeded loss simulation. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/retransq.h"
#include "wire/endian.h"
#include "alloc_testutil.h"

typedef struct fixture {
    counting count;
    tern_allocator alloc;
    tern_sendq q;
    tern_retransq rq;
} fixture;

#define OH 16u /* DATA chunk header */

static fixture *setup(uint32_t initial_tsn, uint32_t rwnd)
{
    fixture *f = calloc(1, sizeof *f);
    f->alloc = counting_allocator(&f->count);
    assert_int_equal(tern_sendq_init(&f->q, &f->alloc, 4, 64u << 20, TERN_SCHED_RR), 0);
    assert_int_equal(tern_retransq_init(&f->rq, &f->q, initial_tsn, rwnd, OH), 0);
    return f;
}

static void teardown(fixture *f)
{
    tern_retransq_free(&f->rq, NULL, NULL);
    tern_sendq_free(&f->q, NULL, NULL);
    assert_int_equal(f->count.live_bytes, 0);
    assert_int_equal(f->count.live_allocs, 0);
    free(f);
}

/* One message of len bytes as one chunk, sent to path at now. */
static uint32_t send1(fixture *f, uint32_t len, uint8_t path, tern_time now)
{
    static uint8_t buf[4096];
    tern_send_info info = {.stream = 0, .context = len};
    assert_int_equal(tern_sendq_enqueue(&f->q, &info, buf, len), 0);
    tern_chunk_desc c;
    assert_int_equal(tern_sendq_produce(&f->q, len, &c), 0);
    uint32_t tsn;
    assert_int_equal(tern_retransq_push(&f->rq, &c, path, now, &tsn), 0);
    return tsn;
}

/* Processes a SACK with n gap blocks given as {start, end} offset pairs. */
static tern_sack_result sack(fixture *f, uint32_t cum, uint32_t a_rwnd, const uint16_t *blocks,
                             uint16_t n, tern_time now)
{
    uint8_t wire[4 * 128];
    for (uint16_t i = 0; i < n; i++) {
        tern_store16(wire + 4 * i, blocks[2 * i]);
        tern_store16(wire + 4 * i + 2, blocks[2 * i + 1]);
    }
    tern_sack s = {.cum_tsn_ack = cum, .a_rwnd = a_rwnd, .num_gap_blocks = n, .gap_blocks = wire};
    tern_sack_result r;
    tern_retransq_sack(&f->rq, &s, false, now, &r);
    return r;
}

static uint8_t state_of(const fixture *f, uint32_t tsn)
{
    const tern_rtx_chunk *r = tern_retransq_get(&f->rq, tsn);
    assert_non_null(r);
    return r->state;
}

static uint8_t misses_of(const fixture *f, uint32_t tsn)
{
    const tern_rtx_chunk *r = tern_retransq_get(&f->rq, tsn);
    assert_non_null(r);
    return r->misses;
}

#define T0 1000u

/* §6.2.1, §6.7: the cum ack frees the records and releases their messages. */
static void cum_ack_frees_and_releases(void **state)
{
    (void)state;
    fixture *f = setup(T0, 100000);
    for (int i = 0; i < 5; i++)
        send1(f, 100, 0, TERN_MSEC(10));
    assert_int_equal(tern_sendq_bytes(&f->q), 500);
    assert_int_equal(tern_retransq_flight(&f->rq), 5 * (100 + OH));
    tern_sack_result r = sack(f, T0 + 2, 100000, NULL, 0, TERN_MSEC(60));
    assert_false(r.ignored);
    assert_true(r.cum_advanced);
    assert_int_equal(r.acked[0], 3 * (100 + OH));
    assert_int_equal(r.acked_total, 3 * (100 + OH));
    assert_int_equal(r.rtt_valid, 1);
    assert_int_equal(r.rtt[0], TERN_MSEC(50));
    assert_int_equal(tern_sendq_bytes(&f->q), 200);
    assert_null(tern_retransq_get(&f->rq, T0 + 2));
    assert_non_null(tern_retransq_get(&f->rq, T0 + 3));
    assert_int_equal(tern_retransq_flight(&f->rq), 2 * (100 + OH));
    assert_int_equal(f->rq.outstanding, 200);
    assert_int_equal(tern_retransq_peer_rwnd(&f->rq), 100000 - 200);
    r = sack(f, T0 + 4, 100000, NULL, 0, TERN_MSEC(70));
    assert_true(tern_retransq_empty(&f->rq));
    assert_int_equal(tern_sendq_bytes(&f->q), 0);
    assert_int_equal(f->count.live_allocs, 2); /* stream table and ring */
    teardown(f);
}

/* Gap blocks mark chunks acknowledged (out of flight, messages kept). */
static void gap_blocks_mark(void **state)
{
    (void)state;
    fixture *f = setup(T0, 100000);
    for (int i = 0; i < 6; i++)
        send1(f, 100, (uint8_t)(i % 2), 0);
    static const uint16_t b[] = {2, 3, 5, 5};
    tern_sack_result r = sack(f, T0, 100000, b, 2, TERN_MSEC(1));
    assert_int_equal(r.bad_blocks, 0);
    assert_int_equal(r.acked[0], 2 * (100 + OH)); /* T0, T0+2 */
    assert_int_equal(r.acked[1], 2 * (100 + OH)); /* T0+3, T0+5 */
    assert_int_equal(state_of(f, T0 + 1), TERN_RTX_IN_FLIGHT);
    assert_int_equal(state_of(f, T0 + 2), TERN_RTX_GAP_ACKED);
    assert_int_equal(state_of(f, T0 + 3), TERN_RTX_GAP_ACKED);
    assert_int_equal(state_of(f, T0 + 4), TERN_RTX_IN_FLIGHT);
    assert_int_equal(state_of(f, T0 + 5), TERN_RTX_GAP_ACKED);
    assert_int_equal(tern_retransq_path_flight(&f->rq, 0), 100 + OH);
    assert_int_equal(tern_retransq_path_flight(&f->rq, 1), 100 + OH);
    assert_int_equal(tern_sendq_bytes(&f->q), 500); /* gap acks keep messages (renege) */
    /* Blocks that overlap, descend, are empty or reach past what was sent. */
    static const uint16_t bad[] = {3, 2, 0, 1, 2, 3, 3, 3, 5, 5, 9, 9};
    r = sack(f, T0, 100000, bad, 6, TERN_MSEC(2));
    assert_int_equal(r.bad_blocks, 4);
    assert_int_equal(r.renege_paths, 0);
    assert_int_equal(state_of(f, T0 + 5), TERN_RTX_GAP_ACKED);
    r = sack(f, T0 + 5, 100000, NULL, 0, TERN_MSEC(3));
    assert_int_equal(r.acked_total, 2 * (100 + OH));
    assert_true(tern_retransq_empty(&f->rq));
    assert_int_equal(tern_sendq_bytes(&f->q), 0);
    teardown(f);
}

/* §6.2.1 D iii: a gap-acked chunk no longer reported was reneged: back in
 * flight with one miss indication; its path is named for T3. */
static void sec6_2_1_renege(void **state)
{
    (void)state;
    fixture *f = setup(T0, 100000);
    for (int i = 0; i < 4; i++)
        send1(f, 100, (uint8_t)i, 0);
    static const uint16_t b[] = {2, 3};
    sack(f, T0 - 1, 100000, b, 1, 1);
    assert_int_equal(tern_retransq_flight(&f->rq), 2 * (100 + OH));
    static const uint16_t b2[] = {3, 3};
    tern_sack_result r = sack(f, T0 - 1, 100000, b2, 1, 2); /* T0+1 dropped */
    assert_int_equal(r.renege_paths, 1u << 1);
    assert_int_equal(state_of(f, T0 + 1), TERN_RTX_IN_FLIGHT);
    assert_int_equal(misses_of(f, T0 + 1), 1);
    assert_int_equal(state_of(f, T0 + 2), TERN_RTX_GAP_ACKED);
    assert_int_equal(tern_retransq_path_flight(&f->rq, 1), 100 + OH);
    assert_int_equal(tern_retransq_flight(&f->rq), 3 * (100 + OH));
    r = sack(f, T0 - 1, 100000, NULL, 0, 3); /* everything reneged */
    assert_int_equal(r.renege_paths, 1u << 2);
    assert_int_equal(tern_retransq_flight(&f->rq), 4 * (100 + OH));
    assert_int_equal(f->rq.gap_acked, 0);
    assert_int_equal(tern_retransq_peer_rwnd(&f->rq), 100000 - 400);
    teardown(f);
}

/* §7.2.4: three SACKs each newly acknowledging a higher TSN take a missing
 * chunk to exactly three miss indications and mark it; TSNs above the HTNA
 * take none. */
static void sec7_2_4_third_miss_marks_fast_retransmit(void **state)
{
    (void)state;
    fixture *f = setup(T0, 100000);
    for (int i = 0; i < 6; i++)
        send1(f, 100, 0, 0);
    static const uint16_t b1[] = {2, 2}, b2[] = {2, 3}, b3[] = {2, 4};
    tern_sack_result r = sack(f, T0, 100000, b1, 1, 1);
    assert_int_equal(misses_of(f, T0 + 1), 1);
    assert_int_equal(misses_of(f, T0 + 3), 0);
    assert_int_equal(misses_of(f, T0 + 4), 0);
    r = sack(f, T0, 100000, b2, 1, 2);
    assert_int_equal(misses_of(f, T0 + 1), 2);
    assert_int_equal(misses_of(f, T0 + 4), 0);
    assert_int_equal(r.fast_rtx, 0);
    assert_int_equal(state_of(f, T0 + 1), TERN_RTX_IN_FLIGHT);
    r = sack(f, T0, 100000, b3, 1, 3);
    assert_int_equal(r.fast_rtx, 1);
    assert_int_equal(r.fast_rtx_paths, 1);
    assert_int_equal(state_of(f, T0 + 1), TERN_RTX_MARKED | TERN_RTX_FAST);
    assert_int_equal(misses_of(f, T0 + 5), 0);
    assert_int_equal(tern_retransq_flight(&f->rq), 1 * (100 + OH)); /* only T0+5 */
    uint32_t tsn;
    assert_non_null(tern_retransq_next_marked(&f->rq, &tsn));
    assert_int_equal(tsn, T0 + 1);
    /* Fast retransmitted once: not again, however many misses follow. */
    assert_int_equal(tern_retransq_mark_sent(&f->rq, T0 + 1, 0, 4), 0);
    for (int i = 0; i < 4; i++)
        send1(f, 100, 0, 4);
    for (uint16_t i = 0; i < 4; i++) {
        uint16_t b4[] = {2, (uint16_t)(5 + i)}; /* newly acks T0 + 5 + i */
        r = sack(f, T0, 100000, b4, 1, 5);
        assert_int_equal(r.fast_rtx, 0);
    }
    assert_int_equal(state_of(f, T0 + 1), TERN_RTX_IN_FLIGHT | TERN_RTX_FAST);
    teardown(f);
}

/* HTNA: a SACK that newly acknowledges nothing adds no miss indications,
 * and one that newly acknowledges T adds them only below T. */
static void sec7_2_4_htna(void **state)
{
    (void)state;
    fixture *f = setup(T0, 100000);
    for (int i = 0; i < 7; i++)
        send1(f, 100, 0, 0);
    static const uint16_t b1[] = {3, 3}, b2[] = {3, 3, 5, 5}, b3[] = {1, 1, 3, 3, 5, 5};
    sack(f, T0 - 1, 100000, b1, 1, 1); /* T0+2 newly acked */
    assert_int_equal(misses_of(f, T0), 1);
    assert_int_equal(misses_of(f, T0 + 1), 1);
    assert_int_equal(misses_of(f, T0 + 3), 0);
    sack(f, T0 - 1, 100000, b1, 1, 2); /* duplicate: nothing newly acked */
    assert_int_equal(misses_of(f, T0), 1);
    sack(f, T0 - 1, 100000, b2, 2, 3); /* T0+4 newly acked */
    assert_int_equal(misses_of(f, T0), 2);
    assert_int_equal(misses_of(f, T0 + 3), 1);
    assert_int_equal(misses_of(f, T0 + 5), 0);
    sack(f, T0 - 1, 100000, b3, 3, 4); /* HTNA is T0, lowest: no misses */
    assert_int_equal(misses_of(f, T0 + 1), 2);
    assert_int_equal(misses_of(f, T0 + 3), 1);
    /* In Fast Recovery, a cum ack advance counts every missing TSN below the
     * highest reported one, not just below the HTNA. */
    uint8_t wire[8];
    tern_store16(wire, 2);
    tern_store16(wire + 2, 2);
    tern_store16(wire + 4, 4);
    tern_store16(wire + 6, 4);
    tern_sack s = {.cum_tsn_ack = T0, .a_rwnd = 100000, .num_gap_blocks = 2, .gap_blocks = wire};
    tern_sack_result r;
    tern_retransq_sack(&f->rq, &s, true, 5, &r); /* newly acks only T0 (cum) */
    assert_int_equal(state_of(f, T0 + 1), TERN_RTX_MARKED | TERN_RTX_FAST);
    assert_int_equal(misses_of(f, T0 + 3), 2);
    assert_int_equal(misses_of(f, T0 + 5), 0);
    teardown(f);
}

/* §6.3.1 C5 (Karn): no RTT sample from a retransmitted chunk; samples are
 * per path, from the newest newly acknowledged chunk sent once. */
static void sec6_3_1_karn(void **state)
{
    (void)state;
    fixture *f = setup(T0, 100000);
    send1(f, 100, 0, TERN_MSEC(0));
    assert_int_equal(tern_retransq_t3_expired(&f->rq, 0), 1);
    assert_int_equal(tern_retransq_mark_sent(&f->rq, T0, 1, TERN_MSEC(1000)), 0);
    tern_sack_result r = sack(f, T0, 100000, NULL, 0, TERN_MSEC(1010));
    assert_int_equal(r.acked[1], 100 + OH);
    assert_int_equal(r.rtt_valid, 0);

    send1(f, 100, 0, TERN_MSEC(2000));
    send1(f, 100, 1, TERN_MSEC(2001));
    send1(f, 100, 0, TERN_MSEC(2002));
    send1(f, 100, 1, TERN_MSEC(2003));
    assert_int_equal(tern_retransq_t3_expired(&f->rq, 1), 2);
    assert_int_equal(tern_retransq_mark_sent(&f->rq, T0 + 2, 1, TERN_MSEC(2500)), 0);
    assert_int_equal(tern_retransq_mark_sent(&f->rq, T0 + 4, 1, TERN_MSEC(2500)), 0);
    /* C5, second paragraph: T0+1 and T0+3 left before T0+2 was resent, so
     * the SACK may answer the retransmission: no sample from them (Tern
     * skips every chunk sent before the latest retransmission). */
    r = sack(f, T0 + 4, 100000, NULL, 0, TERN_MSEC(2100 + 1000));
    assert_int_equal(r.rtt_valid, 0);
    /* A chunk sent after the last retransmission gives one again. */
    send1(f, 100, 0, TERN_MSEC(4000));
    send1(f, 100, 0, TERN_MSEC(4002));
    r = sack(f, T0 + 6, 100000, NULL, 0, TERN_MSEC(4100));
    assert_int_equal(r.rtt_valid, 1u << 0);
    assert_int_equal(r.rtt[0], TERN_MSEC(4100 - 4002)); /* the newest on path 0 */
    teardown(f);
}

/* Flight per path and in total, exact through sends, SACKs, T3 and
 * retransmission to another path (§6.4). */
static void flight_per_path_and_total(void **state)
{
    (void)state;
    fixture *f = setup(T0, 1000000);
    size_t want[3] = {0};
    for (int i = 0; i < 9; i++) {
        uint32_t len = 100u * (uint32_t)(i + 1);
        send1(f, len, (uint8_t)(i % 3), 0);
        want[i % 3] += len + OH;
        for (uint8_t p = 0; p < 3; p++)
            assert_int_equal(tern_retransq_path_flight(&f->rq, p), want[p]);
    }
    assert_int_equal(tern_retransq_flight(&f->rq), want[0] + want[1] + want[2]);
    static const uint16_t b[] = {2, 2}; /* cum T0+1 (paths 0, 1); gap T0+3 (path 0) */
    sack(f, T0 + 1, 1000000, b, 1, 1);
    want[0] -= 100 + OH + 400 + OH;
    want[1] -= 200 + OH;
    for (uint8_t p = 0; p < 3; p++)
        assert_int_equal(tern_retransq_path_flight(&f->rq, p), want[p]);
    assert_int_equal(tern_retransq_t3_expired(&f->rq, 2), 3); /* T0+2, +5, +8 */
    want[2] = 0;
    assert_int_equal(tern_retransq_path_flight(&f->rq, 2), 0);
    assert_int_equal(tern_retransq_flight(&f->rq), want[0] + want[1]);
    assert_int_equal(tern_retransq_mark_sent(&f->rq, T0 + 5, 0, 2), 0); /* 600 bytes */
    want[0] += 600 + OH;
    assert_int_equal(tern_retransq_path_flight(&f->rq, 0), want[0]);
    assert_int_equal(tern_retransq_flight(&f->rq), want[0] + want[1]);
    assert_int_equal(tern_retransq_mark_sent(&f->rq, T0 + 5, 0, 2), TERN_EINVAL); /* not marked */
    assert_int_equal(tern_retransq_path_flight(&f->rq, 9), 0);
    teardown(f);
}

/* §6.2.1: rwnd = a_rwnd − outstanding payload; sending shrinks it, marking
 * for retransmission gives it back. (Rule A and the zero window probe are
 * the sender's, in core/data_out.c; test_data checks them.) */
static void sec6_2_1_rwnd(void **state)
{
    (void)state;
    fixture *f = setup(T0, 3000);
    for (int i = 0; i < 3; i++)
        send1(f, 1000, 0, 0);
    assert_int_equal(tern_retransq_peer_rwnd(&f->rq), 0);
    sack(f, T0, 5000, NULL, 0, 1);
    assert_int_equal(tern_retransq_peer_rwnd(&f->rq), 5000 - 2000);
    static const uint16_t b[] = {2, 2};
    sack(f, T0, 1500, b, 1, 2); /* T0+2 gap-acked: 1000 outstanding */
    assert_int_equal(tern_retransq_peer_rwnd(&f->rq), 500);
    sack(f, T0, 800, b, 1, 3);
    assert_int_equal(tern_retransq_peer_rwnd(&f->rq), 0); /* never below 0 */
    tern_retransq_t3_expired(&f->rq, 0);
    assert_int_equal(tern_retransq_peer_rwnd(&f->rq), 1000); /* §6.2.1 C */
    assert_int_equal(tern_retransq_mark_sent(&f->rq, T0 + 1, 0, 4), 0);
    assert_int_equal(tern_retransq_peer_rwnd(&f->rq), 0); /* §6.2.1 B */
    sack(f, T0 + 2, 0, NULL, 0, 5);
    /* Window closed, nothing outstanding (when the sender may probe). A
     * probe pushed anyway keeps rwnd at 0, never below. */
    assert_true(tern_retransq_empty(&f->rq));
    assert_int_equal(tern_retransq_peer_rwnd(&f->rq), 0);
    send1(f, 1000, 0, 6);
    assert_int_equal(tern_retransq_peer_rwnd(&f->rq), 0);
    assert_false(tern_retransq_empty(&f->rq));
    teardown(f);
}

/* §6.2.1 D i: a SACK whose cum ack is behind is dropped, nothing changes;
 * one acknowledging a TSN never sent is refused too. */
static void sec6_2_1_old_sack_ignored(void **state)
{
    (void)state;
    fixture *f = setup(T0, 10000);
    for (int i = 0; i < 4; i++)
        send1(f, 100, 0, 0);
    sack(f, T0 + 1, 10000, NULL, 0, 1);
    tern_retransq before = f->rq;
    static const uint16_t b[] = {1, 2};
    tern_sack_result r = sack(f, T0, 100, b, 1, 2);
    assert_true(r.ignored);
    assert_int_equal(r.acked_total, 0);
    assert_memory_equal(&before, &f->rq, sizeof before);
    r = sack(f, T0 + 4, 100, NULL, 0, 3);
    assert_true(r.invalid);
    assert_memory_equal(&before, &f->rq, sizeof before);
    r = sack(f, T0 + 3, 100, NULL, 0, 3);
    assert_false(r.invalid);
    assert_true(tern_retransq_empty(&f->rq));
    teardown(f);
}

/* §6.3.3 E3: T3 marks every chunk in flight to that path (not gap-acked
 * ones, not other paths); retransmission goes in TSN order. */
static void sec6_3_3_t3_and_retransmission_order(void **state)
{
    (void)state;
    fixture *f = setup(T0, 100000);
    for (int i = 0; i < 8; i++)
        send1(f, 100, (uint8_t)(i % 2), 0);
    static const uint16_t b[] = {3, 3}; /* T0+2 (path 0) gap-acked */
    sack(f, T0 - 1, 100000, b, 1, 1);
    assert_int_equal(tern_retransq_t3_expired(&f->rq, 0), 3); /* T0, +4, +6 */
    assert_int_equal(tern_retransq_t3_expired(&f->rq, 0), 0);
    assert_int_equal(state_of(f, T0 + 2), TERN_RTX_GAP_ACKED);
    assert_int_equal(state_of(f, T0 + 1), TERN_RTX_IN_FLIGHT);
    assert_int_equal(tern_retransq_path_flight(&f->rq, 0), 0);
    assert_int_equal(tern_retransq_t3_expired(&f->rq, 1), 4);
    static const uint32_t order[] = {T0, T0 + 1, T0 + 3, T0 + 4, T0 + 5, T0 + 6, T0 + 7};
    for (int i = 0; i < 7; i++) {
        uint32_t tsn = 0;
        const tern_rtx_chunk *r = tern_retransq_next_marked(&f->rq, &tsn);
        assert_non_null(r);
        assert_int_equal(tsn, order[i]);
        assert_int_equal(r->path, order[i] % 2 == T0 % 2 ? 0 : 1);
        assert_int_equal(tern_retransq_mark_sent(&f->rq, tsn, 2, 5), 0);
    }
    assert_null(tern_retransq_next_marked(&f->rq, NULL));
    assert_int_equal(tern_retransq_path_flight(&f->rq, 2), 7 * (100 + OH));
    /* A mark below the scan point is still found first. */
    assert_int_equal(tern_retransq_t3_expired(&f->rq, 2), 7);
    uint32_t tsn;
    tern_retransq_next_marked(&f->rq, &tsn);
    assert_int_equal(tsn, T0);
    teardown(f);
}

/* TSNs across 2^32: serial arithmetic everywhere. */
static void tsn_wrap(void **state)
{
    (void)state;
    const uint32_t t0 = 0xfffffffdu;
    fixture *f = setup(t0, 100000);
    uint32_t tsn[8];
    for (int i = 0; i < 8; i++)
        tsn[i] = send1(f, 100, 0, 0);
    assert_int_equal(tsn[0], 0xfffffffdu);
    assert_int_equal(tsn[3], 0);
    assert_int_equal(tsn[7], 4);
    static const uint16_t b[] = {2, 3}; /* cum 0xfffffffe; gap 0, 1 */
    tern_sack_result r = sack(f, 0xfffffffeu, 100000, b, 1, 1);
    assert_int_equal(r.acked_total, 4 * (100 + OH));
    assert_int_equal(state_of(f, 0xffffffffu), TERN_RTX_IN_FLIGHT);
    assert_int_equal(misses_of(f, 0xffffffffu), 1);
    assert_int_equal(state_of(f, 0), TERN_RTX_GAP_ACKED);
    assert_int_equal(state_of(f, 1), TERN_RTX_GAP_ACKED);
    r = sack(f, 0xfffffffdu, 100000, NULL, 0, 2);
    assert_true(r.ignored);
    r = sack(f, 1, 100000, NULL, 0, 3);
    assert_true(r.cum_advanced);
    assert_int_equal(f->rq.cum_ack, 1);
    assert_null(tern_retransq_get(&f->rq, 0xffffffffu));
    assert_non_null(tern_retransq_get(&f->rq, 2));
    sack(f, 4, 100000, NULL, 0, 4);
    assert_true(tern_retransq_empty(&f->rq));
    assert_int_equal(tern_sendq_bytes(&f->q), 0);
    teardown(f);
}

typedef struct report_log {
    int n;
    uint64_t ctx[8];
    bool unsent[8];
} report_log;

/* The ring: nothing until the first push, then small (an idle association
 * holds one message at a time), doubled as more is outstanding with every
 * record kept in TSN order; trim frees it only when nothing is
 * outstanding, and the next push starts small again. */
static void ring_grows_from_small_and_trims_when_empty(void **state)
{
    (void)state;
    fixture *f = setup(100, 1u << 20);
    size_t base = f->count.live_bytes;
    assert_true(tern_retransq_trim(&f->rq)); /* nothing allocated, nothing to do */
    assert_int_equal(f->count.live_bytes, base);
    send1(f, 10, 0, 1);
    assert_int_equal(f->rq.cap, 1);
    for (uint32_t i = 1; i < 9; i++)
        send1(f, 10 + i, 0, 1);
    assert_int_equal(f->rq.cap, 16);
    for (uint32_t i = 0; i < 9; i++)
        assert_int_equal(tern_retransq_get(&f->rq, 100 + i)->chunk.len, 10 + i);
    assert_false(tern_retransq_trim(&f->rq)); /* outstanding: kept */
    sack(f, 104, 1u << 20, NULL, 0, 2);
    assert_false(tern_retransq_trim(&f->rq));
    assert_int_equal(tern_retransq_get(&f->rq, 105)->chunk.len, 15);
    sack(f, 108, 1u << 20, NULL, 0, 3);
    assert_true(tern_retransq_empty(&f->rq));
    assert_int_equal(f->rq.cap, 16); /* kept while traffic goes on */
    size_t before_trim = f->count.live_bytes;
    assert_true(tern_retransq_trim(&f->rq));
    assert_int_equal(f->rq.cap, 0);
    assert_null(f->rq.ring);
    assert_int_equal(before_trim - f->count.live_bytes, 16 * sizeof(tern_rtx_chunk));
    assert_int_equal(send1(f, 7, 1, 4), 109); /* works on, TSNs continue */
    assert_int_equal(f->rq.cap, 1);
    assert_int_equal(tern_retransq_path_flight(&f->rq, 1), 7 + OH);
    teardown(f);
}

static void log_report(void *ctx, const tern_msg *m, bool unsent)
{
    report_log *l = ctx;
    l->ctx[l->n] = m->context;
    l->unsent[l->n++] = unsent;
}

/* Sender dry once all is acknowledged; teardown reports every message with
 * unacknowledged chunks once, and leaves no allocation behind. */
static void sender_dry_and_teardown(void **state)
{
    (void)state;
    fixture *f = setup(T0, 100000);
    send1(f, 100, 0, 0);
    assert_false(tern_retransq_empty(&f->rq));
    sack(f, T0, 100000, NULL, 0, 1);
    assert_true(tern_retransq_empty(&f->rq) && tern_sendq_empty(&f->q));
    /* One message in three chunks (one gap-acked), one single-chunk, one unsent. */
    static uint8_t d[3000];
    tern_send_info info = {.stream = 1, .context = 77};
    assert_int_equal(tern_sendq_enqueue(&f->q, &info, d, 3000), 0);
    for (int i = 0; i < 3; i++) {
        tern_chunk_desc c;
        assert_int_equal(tern_sendq_produce(&f->q, 1200, &c), 0);
        assert_int_equal(tern_retransq_push(&f->rq, &c, 0, 2, NULL), 0);
    }
    send1(f, 10, 1, 2); /* stream 0, context 10 */
    info.context = 88;
    assert_int_equal(tern_sendq_enqueue(&f->q, &info, d, 10), 0);
    static const uint16_t b[] = {2, 2};
    sack(f, T0, 100000, b, 1, 3);
    report_log log = {0};
    tern_retransq_free(&f->rq, log_report, &log);
    assert_int_equal(log.n, 2);
    assert_int_equal(log.ctx[0], 77);
    assert_false(log.unsent[0]);
    assert_int_equal(log.ctx[1], 10);
    tern_sendq_free(&f->q, log_report, &log);
    assert_int_equal(log.n, 3);
    assert_int_equal(log.ctx[2], 88);
    assert_true(log.unsent[2]);
    assert_int_equal(tern_sendq_bytes(&f->q), 0);
    teardown(f);
}

/* ---- A seeded loss/ack simulation against a reference model ------------ */

#define SIM_CHUNKS 10000
#define SIM_PATHS  3
#define SIM_MAX    (SIM_CHUNKS + 16)

static uint64_t sim_rng = 0x9E3779B97F4A7C15ull;

static uint32_t rnd(uint32_t n)
{
    sim_rng ^= sim_rng << 13;
    sim_rng ^= sim_rng >> 7;
    sim_rng ^= sim_rng << 17;
    return (uint32_t)(sim_rng % n);
}

typedef struct sim_sack {
    uint32_t cum;
    uint16_t n;
    uint16_t blocks[2 * 64];
} sim_sack;

/* The model: what the receiver holds, what each TSN carries, and which
 * message each TSN belongs to. Offsets are TSN − initial TSN. */
typedef struct sim {
    fixture *f;
    uint32_t t0;
    bool rx[SIM_MAX];
    uint32_t len[SIM_MAX];
    uint8_t path[SIM_MAX];
    uint32_t msg_of[SIM_MAX];   /* message index of each TSN */
    uint32_t msg_len[SIM_MAX];  /* per message */
    uint32_t msg_last[SIM_MAX]; /* offset of its last chunk, UINT32_MAX until produced */
    uint32_t sent, msgs;
} sim;

/* The receiver's SACK: cum ack and up to 64 gap blocks, lowest first (§6.7). */
static void receiver_sack(const sim *m, sim_sack *s)
{
    uint32_t cum = 0; /* offsets received contiguously: 0 .. cum − 1 */
    while (cum < m->sent && m->rx[cum])
        cum++;
    s->cum = m->t0 + cum - 1;
    s->n = 0;
    for (uint32_t k = cum; k < m->sent && s->n < 64;) {
        if (!m->rx[k]) {
            k++;
            continue;
        }
        uint32_t e = k;
        while (e + 1 < m->sent && m->rx[e + 1])
            e++;
        s->blocks[2 * s->n] = (uint16_t)(k - cum + 1);
        s->blocks[2 * s->n + 1] = (uint16_t)(e - cum + 1);
        s->n++;
        k = e + 1;
    }
}

static bool in_blocks(const sim_sack *s, uint32_t tsn)
{
    for (uint16_t i = 0; i < s->n; i++)
        if (tsn - s->cum >= s->blocks[2 * i] && tsn - s->cum <= s->blocks[2 * i + 1]) return true;
    return false;
}

/* Checks the retransq against the model after SACK s was processed. */
static void sim_check(const sim *m, const sim_sack *s, uint32_t a_rwnd)
{
    const tern_retransq *rq = &m->f->rq;
    size_t flight[TERN_MAX_PATHS] = {0}, total = 0, outstanding = 0;
    if (s) assert_int_equal(rq->cum_ack, s->cum);
    assert_int_equal(rq->next_tsn, m->t0 + m->sent);
    uint32_t first = rq->cum_ack + 1 - m->t0;
    assert_int_equal(rq->count, m->sent - first);
    for (uint32_t k = first; k < m->sent; k++) {
        const tern_rtx_chunk *r = tern_retransq_get(rq, m->t0 + k);
        assert_non_null(r);
        assert_int_equal(r->chunk.len, m->len[k]);
        assert_int_equal(r->path, m->path[k]);
        bool acked = r->state & TERN_RTX_GAP_ACKED, marked = r->state & TERN_RTX_MARKED;
        if (s) assert_int_equal(acked, in_blocks(s, m->t0 + k));
        assert_int_equal(!!(r->state & TERN_RTX_IN_FLIGHT), !acked && !marked);
        if (!acked && !marked) {
            flight[r->path] += m->len[k] + OH;
            total += m->len[k] + OH;
            outstanding += m->len[k];
        }
    }
    for (uint8_t p = 0; p < TERN_MAX_PATHS; p++)
        assert_int_equal(tern_retransq_path_flight(rq, p), flight[p]);
    assert_int_equal(tern_retransq_flight(rq), total);
    assert_int_equal(rq->outstanding, outstanding);
    if (s) assert_int_equal(tern_retransq_peer_rwnd(rq), a_rwnd - outstanding);
    /* A message lives until every chunk of it is cumulatively acknowledged. */
    size_t bytes = 0;
    for (uint32_t i = 0; i < m->msgs; i++)
        if (m->msg_last[i] == UINT32_MAX || m->msg_last[i] >= first) bytes += m->msg_len[i];
    assert_int_equal(tern_sendq_bytes(&m->f->q), bytes);
}

static void sim_send_new(sim *m, tern_time now)
{
    fixture *f = m->f;
    static uint8_t data[4000];
    if (tern_sendq_empty(&f->q)) {
        uint32_t len = 1 + rnd(4000);
        tern_send_info info = {.stream = (uint16_t)rnd(4), .context = m->msgs};
        assert_int_equal(tern_sendq_enqueue(&f->q, &info, data, len), 0);
        m->msg_len[m->msgs] = len;
        m->msg_last[m->msgs] = UINT32_MAX;
        m->msgs++;
    }
    assert_int_equal(tern_retransq_reserve(&f->rq, 1), 0);
    tern_chunk_desc c;
    assert_int_equal(tern_sendq_produce(&f->q, 500 + rnd(1000), &c), 0);
    uint8_t p = (uint8_t)rnd(SIM_PATHS);
    uint32_t tsn;
    assert_int_equal(tern_retransq_push(&f->rq, &c, p, now, &tsn), 0);
    uint32_t k = tsn - m->t0;
    assert_int_equal(k, m->sent);
    m->len[k] = c.len;
    m->path[k] = p;
    m->msg_of[k] = (uint32_t)c.msg->context;
    if (c.msg->sent == c.msg->len) m->msg_last[c.msg->context] = k;
    m->rx[k] = rnd(10) != 0; /* 10% loss */
    m->sent++;
}

static void simulated_loss_and_acks(void **state)
{
    (void)state;
    sim *m = calloc(1, sizeof *m);
    m->t0 = 0xffffff00u; /* crosses the TSN wrap */
    m->f = setup(m->t0, 1u << 30);
    const uint32_t a_rwnd = 1u << 30;
    sim_sack old = {.cum = m->t0 - 1}, s;
    tern_time now = 0;
    uint32_t stall = 0, rounds = 0, fast = 0, reneged = 0, t3 = 0, late = 0;
    while (m->sent < SIM_CHUNKS || !tern_retransq_empty(&m->f->rq)) {
        assert_true(++rounds < 200000);
        now += TERN_MSEC(1);
        /* Retransmissions first (§6.1 C), then new data. */
        uint32_t tsn;
        for (int budget = 4; budget-- && tern_retransq_next_marked(&m->f->rq, &tsn);) {
            uint8_t p = (uint8_t)rnd(SIM_PATHS);
            assert_int_equal(tern_retransq_mark_sent(&m->f->rq, tsn, p, now), 0);
            m->path[tsn - m->t0] = p;
            if (rnd(10)) m->rx[tsn - m->t0] = true;
        }
        for (uint32_t n = rnd(8); n-- && m->sent < SIM_CHUNKS;)
            sim_send_new(m, now);
        sim_check(m, NULL, 0);
        /* The receiver sometimes reneges on what is above its cum ack. */
        if (rnd(50) == 0) {
            receiver_sack(m, &s);
            for (uint32_t k = s.cum + 1 - m->t0; k < m->sent; k++)
                m->rx[k] = false;
        }
        uint32_t r = rnd(20);
        tern_sack_result res;
        if (r < 14) { /* a fresh SACK */
            receiver_sack(m, &s);
            uint32_t before = m->f->rq.cum_ack;
            res = sack(m->f, s.cum, a_rwnd, s.blocks, s.n, now);
            assert_false(res.ignored || res.invalid);
            stall = s.cum == before ? stall + 1 : 0;
            fast += res.fast_rtx;
            reneged += res.renege_paths != 0;
            sim_check(m, &s, a_rwnd);
            if (r < 3) old = s;
        } else if (r < 16) { /* a late one */
            uint32_t before = m->f->rq.cum_ack;
            res = sack(m->f, old.cum, a_rwnd, old.blocks, old.n, now);
            assert_int_equal(res.ignored, old.cum != before);
            if (!res.ignored) sim_check(m, &old, a_rwnd);
            late += res.ignored;
        } else {
            stall++;
        }
        if (stall > 5) { /* T3-rtx on every path with data in flight (§6.3.3) */
            for (uint8_t p = 0; p < SIM_PATHS; p++)
                t3 += tern_retransq_t3_expired(&m->f->rq, p);
            stall = 0;
            sim_check(m, NULL, 0);
        }
    }
    assert_int_equal(m->sent, SIM_CHUNKS);
    /* The run went through every mechanism. */
    assert_true(fast > 100 && reneged > 10 && t3 > 10 && late > 100);
    assert_int_equal(tern_retransq_flight(&m->f->rq), 0);
    assert_int_equal(m->f->rq.outstanding, 0);
    assert_int_equal(m->f->rq.marked, 0);
    assert_int_equal(m->f->rq.gap_acked, 0);
    assert_int_equal(tern_sendq_bytes(&m->f->q), 0);
    assert_int_equal(m->f->q.messages, 0);
    teardown(m->f);
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cum_ack_frees_and_releases),
        cmocka_unit_test(gap_blocks_mark),
        cmocka_unit_test(sec6_2_1_renege),
        cmocka_unit_test(sec7_2_4_third_miss_marks_fast_retransmit),
        cmocka_unit_test(sec7_2_4_htna),
        cmocka_unit_test(sec6_3_1_karn),
        cmocka_unit_test(flight_per_path_and_total),
        cmocka_unit_test(sec6_2_1_rwnd),
        cmocka_unit_test(sec6_2_1_old_sack_ignored),
        cmocka_unit_test(sec6_3_3_t3_and_retransmission_order),
        cmocka_unit_test(tsn_wrap),
        cmocka_unit_test(sender_dry_and_teardown),
        cmocka_unit_test(ring_grows_from_small_and_trims_when_empty),
        cmocka_unit_test(simulated_loss_and_acks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
