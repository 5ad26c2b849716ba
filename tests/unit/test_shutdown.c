/* Termination over the pair rig, named after the RFC 9260 sections they
 * exercise: §9.2 (graceful shutdown, T2-shutdown, T5-shutdown-guard, the
 * state rules), §8.4 and §8.5.1 C, E (SHUTDOWN ACK and SHUTDOWN COMPLETE
 * without a TCB), §9.1 and §8.5.1 B (ABORT sent and received). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "tests/rig/pair.h"
#include "wire/cause.h"
#include "wire/chunk.h"

/* ---- helpers ------------------------------------------------------------- */

/* Nothing observable about the association changed. */
static void assert_info_same(const tern_assoc_info *a, const tern_assoc_info *b)
{
    assert_int_equal(a->state, b->state);
    assert_int_equal(a->local_vtag, b->local_vtag);
    assert_int_equal(a->peer_vtag, b->peer_vtag);
    assert_int_equal(a->error_count, b->error_count);
    assert_int_equal(a->num_paths, b->num_paths);
    for (unsigned i = 0; i < a->num_paths; i++) {
        assert_int_equal(a->paths[i].state, b->paths[i].state);
        assert_int_equal(a->paths[i].rto, b->paths[i].rto);
        assert_int_equal(a->paths[i].srtt, b->paths[i].srtt);
        assert_int_equal(a->paths[i].error_count, b->paths[i].error_count);
    }
    assert_memory_equal(&a->stats, &b->stats, sizeof a->stats);
}

/* The packet's only chunk (asserts there is exactly one). */
static tern_chunk_raw only_chunk(const pair_pkt *k)
{
    tern_chunk_raw raw;
    assert_int_equal(pkt_only_chunk(k->data, k->len, &raw), 1);
    return raw;
}

/* The events queued on `side`, in order, are exactly want[0..n). */
static void expect_events(pair *p, int side, const enum tern_event_type *want, size_t n)
{
    tern_event ev;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(tern_ep_poll_event(p->ep[side], &ev), 1);
        assert_int_equal(ev.type, want[i]);
    }
    assert_int_equal(tern_ep_poll_event(p->ep[side], &ev), 0);
}

static void expect_no_events(pair *p, int side)
{
    expect_events(p, side, NULL, 0);
}

/* The association is gone from `side`, with no timer left. */
static void expect_closed(pair *p, int side)
{
    assert_int_equal(pair_stats(p, side).assocs_open, 0);
    assert_int_equal(tern_ep_next_deadline(p->ep[side]), TERN_TIME_NEVER);
}

static void inject_shutdown(pair *p, int to, uint32_t vtag)
{
    uint8_t c[8];
    tern_wbuf w;
    tern_wbuf_init(&w, c, sizeof c);
    tern_shutdown_put(&w, 0);
    pair_inject_wbuf(p, to, vtag, &w);
}

static void inject_abort(pair *p, int to, uint32_t vtag, uint8_t flags)
{
    uint8_t c[4];
    tern_wbuf w;
    tern_wbuf_init(&w, c, sizeof c);
    tern_causes_put(&w, TERN_CHUNK_ABORT, flags, (tern_bytes){NULL, 0});
    pair_inject_wbuf(p, to, vtag, &w);
}

/* ---- §9.2 graceful shutdown ------------------------------------------------- */

/* §9.2: SHUTDOWN → SHUTDOWN ACK → SHUTDOWN COMPLETE, started by either side;
 * §8.5.1 C: the SHUTDOWN COMPLETE of a TCB holder carries the peer's tag
 * with the T bit clear. Both sides end with no timer left. */
static void sec9_2_graceful_shutdown_by_either_side(void **state)
{
    (void)state;
    for (int i = 0; i < 2; i++) {
        int j = 1 - i; /* i closes, j is told */
        pair p;
        pair_init(&p, NULL, NULL);
        tern_assoc_id ids[2];
        pair_establish(&p, ids);
        tern_assoc_info ii = pair_assoc(&p, i, ids[i]), ij = pair_assoc(&p, j, ids[j]);
        p.now = TERN_SEC(3);

        assert_int_equal(tern_ep_shutdown(p.ep[i], ids[i], p.now), 0);
        assert_int_equal(pair_assoc(&p, i, ids[i]).state, TERN_STATE_SHUTDOWN_SENT);
        pair_collect(&p);
        tern_chunk_raw c = pair_expect_one(&p, i, TERN_CHUNK_SHUTDOWN);
        assert_int_equal(pkt_vtag(p.flight[0].data, p.flight[0].len), ij.local_vtag);
        /* §9.2: the last TSN received in sequence: none yet. */
        assert_int_equal(tern_load32(c.value.ptr), ii.peer_initial_tsn - 1);
        pair_deliver(&p, 0);

        assert_int_equal(pair_assoc(&p, j, ids[j]).state, TERN_STATE_SHUTDOWN_ACK_SENT);
        pair_collect(&p);
        pair_expect_one(&p, j, TERN_CHUNK_SHUTDOWN_ACK);
        assert_int_equal(pkt_vtag(p.flight[0].data, p.flight[0].len), ii.local_vtag);
        pair_deliver(&p, 0);

        expect_closed(&p, i);
        pair_collect(&p);
        c = pair_expect_one(&p, i, TERN_CHUNK_SHUTDOWN_COMPLETE);
        assert_int_equal(c.flags & TERN_CHUNK_FLAG_T, 0);
        assert_int_equal(pkt_vtag(p.flight[0].data, p.flight[0].len), ij.local_vtag);
        pair_deliver(&p, 0);

        expect_closed(&p, j);
        pair_collect(&p);
        assert_int_equal(p.nflight, 0);
        expect_events(&p, i, (enum tern_event_type[]){TERN_EV_SHUTDOWN_COMPLETE}, 1);
        expect_events(
            &p, j, (enum tern_event_type[]){TERN_EV_SHUTDOWN_RECEIVED, TERN_EV_SHUTDOWN_COMPLETE},
            2);
        assert_int_equal(pair_stats(&p, i).assocs_freed, 1);
        assert_int_equal(pair_stats(&p, j).assocs_freed, 1);
        pair_free(&p);
    }
}

/* §9.2: both close at once. Each, in SHUTDOWN-SENT, answers the other's
 * SHUTDOWN with a SHUTDOWN ACK, each SHUTDOWN ACK is met with a SHUTDOWN
 * COMPLETE (peer's tag, T bit clear), and the crossing SHUTDOWN COMPLETEs
 * find no TCB (§8.4 item 6: silently discarded). */
static void sec9_2_shutdown_collision(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, NULL, NULL);
    tern_assoc_id ids[2];
    pair_establish(&p, ids);
    assert_int_equal(tern_ep_shutdown(p.ep[0], ids[0], p.now), 0);
    assert_int_equal(tern_ep_shutdown(p.ep[1], ids[1], p.now), 0);
    pair_collect(&p);
    assert_int_equal(p.nflight, 2);
    for (size_t k = 0; k < 2; k++)
        assert_int_equal(only_chunk(&p.flight[k]).type, TERN_CHUNK_SHUTDOWN);
    pair_deliver(&p, 0);
    pair_deliver(&p, 0);
    for (int side = 0; side < 2; side++)
        assert_int_equal(pair_assoc(&p, side, ids[side]).state, TERN_STATE_SHUTDOWN_ACK_SENT);
    pair_collect(&p);
    assert_int_equal(p.nflight, 2);
    for (size_t k = 0; k < 2; k++)
        assert_int_equal(only_chunk(&p.flight[k]).type, TERN_CHUNK_SHUTDOWN_ACK);
    pair_deliver(&p, 0);
    pair_deliver(&p, 0);
    pair_collect(&p);
    assert_int_equal(p.nflight, 2);
    for (size_t k = 0; k < 2; k++) {
        tern_chunk_raw c = only_chunk(&p.flight[k]);
        assert_int_equal(c.type, TERN_CHUNK_SHUTDOWN_COMPLETE);
        assert_int_equal(c.flags & TERN_CHUNK_FLAG_T, 0);
    }
    uint64_t ootb0 = pair_stats(&p, 0).drops[TERN_DROP_OOTB];
    uint64_t ootb1 = pair_stats(&p, 1).drops[TERN_DROP_OOTB];
    pair_deliver(&p, 0);
    pair_deliver(&p, 0);
    pair_collect(&p);
    assert_int_equal(p.nflight, 0);
    for (int side = 0; side < 2; side++) {
        expect_closed(&p, side);
        expect_events(
            &p, side,
            (enum tern_event_type[]){TERN_EV_SHUTDOWN_RECEIVED, TERN_EV_SHUTDOWN_COMPLETE}, 2);
    }
    assert_int_equal(pair_stats(&p, 0).drops[TERN_DROP_OOTB], ootb0 + 1);
    assert_int_equal(pair_stats(&p, 1).drops[TERN_DROP_OOTB], ootb1 + 1);
    pair_free(&p);
}

/* §9.2: endpoint 0 has decided to close but not yet sent its SHUTDOWN when
 * endpoint 1's arrives: it answers with a SHUTDOWN ACK alone (a SHUTDOWN
 * has no place in SHUTDOWN-ACK-SENT), and the exchange ends as if 1 alone
 * had closed. */
static void sec9_2_shutdown_received_before_own_sent(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, NULL, NULL);
    tern_assoc_id ids[2];
    pair_establish(&p, ids);
    assert_int_equal(tern_ep_shutdown(p.ep[0], ids[0], p.now), 0);
    assert_int_equal(tern_ep_shutdown(p.ep[1], ids[1], p.now), 0);
    pair_collect_from(&p, 1); /* 1's SHUTDOWN overtakes 0's */
    pair_expect_one(&p, 1, TERN_CHUNK_SHUTDOWN);
    pair_deliver(&p, 0);
    assert_int_equal(pair_assoc(&p, 0, ids[0]).state, TERN_STATE_SHUTDOWN_ACK_SENT);
    pair_collect_from(&p, 0);
    pair_expect_one(&p, 0, TERN_CHUNK_SHUTDOWN_ACK);
    pair_deliver(&p, 0);
    expect_closed(&p, 1);
    pair_collect_from(&p, 1);
    pair_expect_one(&p, 1, TERN_CHUNK_SHUTDOWN_COMPLETE);
    pair_deliver(&p, 0);
    expect_closed(&p, 0);
    pair_collect(&p);
    assert_int_equal(p.nflight, 0);
    expect_events(
        &p, 0, (enum tern_event_type[]){TERN_EV_SHUTDOWN_RECEIVED, TERN_EV_SHUTDOWN_COMPLETE}, 2);
    expect_events(&p, 1, (enum tern_event_type[]){TERN_EV_SHUTDOWN_COMPLETE}, 1);
    pair_free(&p);
}

/* §9.2, §6.3.3: a lost SHUTDOWN is resent when T2-shutdown expires, one
 * RTO later, and again after a doubled RTO; then the exchange completes. */
static void sec9_2_lost_shutdown_resent_by_t2(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, NULL, NULL);
    tern_assoc_id ids[2];
    pair_establish(&p, ids);
    tern_time t0 = p.now = TERN_MSEC(100);
    tern_time rto = pair_assoc(&p, 0, ids[0]).paths[0].rto;
    assert_int_equal(rto, TERN_SEC(1));
    assert_int_equal(tern_ep_shutdown(p.ep[0], ids[0], p.now), 0);
    pair_collect_from(&p, 0);
    pair_expect_one(&p, 0, TERN_CHUNK_SHUTDOWN);
    pair_drop(&p, 0);

    assert_int_equal(pair_fire(&p, 0), t0 + rto);
    pair_collect_from(&p, 0);
    pair_expect_one(&p, 0, TERN_CHUNK_SHUTDOWN);
    pair_drop(&p, 0);
    tern_assoc_info i0 = pair_assoc(&p, 0, ids[0]);
    assert_int_equal(i0.stats.t2_expired, 1);
    assert_int_equal(i0.paths[0].rto, 2 * rto);

    assert_int_equal(pair_fire(&p, 0), t0 + rto + 2 * rto);
    pair_collect_from(&p, 0);
    pair_expect_one(&p, 0, TERN_CHUNK_SHUTDOWN);
    assert_int_equal(pair_assoc(&p, 0, ids[0]).stats.t2_expired, 2);
    assert_int_equal(tern_ep_next_deadline(p.ep[0]), p.now + 4 * rto);
    pair_run(&p, p.now + TERN_SEC(1), 10); /* this one arrives */
    expect_closed(&p, 0);
    expect_closed(&p, 1);
    expect_events(&p, 0, (enum tern_event_type[]){TERN_EV_SHUTDOWN_COMPLETE}, 1);
    pair_free(&p);
}

/* §9.2: a lost SHUTDOWN ACK is resent by the receiver's own T2-shutdown,
 * with backoff. Endpoint 0's RTO is kept long so its SHUTDOWN is not
 * resent meanwhile. */
static void sec9_2_lost_shutdown_ack_resent_by_t2(void **state)
{
    (void)state;
    tern_ep_config c0, c1;
    tern_ep_config_default(&c0);
    tern_ep_config_default(&c1);
    c0.rto_min = c0.rto_initial = TERN_SEC(10);
    c1.rto_min = c1.rto_initial = TERN_MSEC(500);
    pair p;
    pair_init(&p, &c0, &c1);
    tern_assoc_id ids[2];
    pair_establish(&p, ids);
    tern_time t0 = p.now;
    assert_int_equal(tern_ep_shutdown(p.ep[0], ids[0], p.now), 0);
    pair_collect(&p);
    pair_deliver(&p, 0); /* SHUTDOWN */
    pair_collect(&p);
    pair_expect_one(&p, 1, TERN_CHUNK_SHUTDOWN_ACK);
    pair_drop(&p, 0);

    assert_int_equal(pair_fire(&p, 1), t0 + TERN_MSEC(500));
    pair_collect_from(&p, 1);
    pair_expect_one(&p, 1, TERN_CHUNK_SHUTDOWN_ACK);
    pair_drop(&p, 0);
    assert_int_equal(pair_assoc(&p, 1, ids[1]).stats.t2_expired, 1);
    assert_int_equal(pair_fire(&p, 1), t0 + TERN_MSEC(500) + TERN_SEC(1));
    pair_collect_from(&p, 1);
    pair_expect_one(&p, 1, TERN_CHUNK_SHUTDOWN_ACK);
    assert_int_equal(tern_ep_next_deadline(p.ep[1]), p.now + TERN_SEC(2));
    pair_deliver(&p, 0);
    pair_collect(&p);
    pair_expect_one(&p, 0, TERN_CHUNK_SHUTDOWN_COMPLETE);
    pair_deliver(&p, 0);
    expect_closed(&p, 0);
    expect_closed(&p, 1);
    pair_free(&p);
}

/* §9.2: the SHUTDOWN ACK is lost and the SHUTDOWN sender's T2 resends the
 * SHUTDOWN first: the receiver, in SHUTDOWN-ACK-SENT, answers it at once
 * with another SHUTDOWN ACK (its own T2 is kept long here). */
static void sec9_2_resent_shutdown_answered_in_shutdown_ack_sent(void **state)
{
    (void)state;
    tern_ep_config c1;
    tern_ep_config_default(&c1);
    c1.rto_min = c1.rto_initial = TERN_SEC(10);
    pair p;
    pair_init(&p, NULL, &c1);
    tern_assoc_id ids[2];
    pair_establish(&p, ids);
    tern_time t0 = p.now;
    assert_int_equal(tern_ep_shutdown(p.ep[0], ids[0], p.now), 0);
    pair_collect(&p);
    pair_deliver(&p, 0); /* SHUTDOWN */
    pair_collect(&p);
    pair_expect_one(&p, 1, TERN_CHUNK_SHUTDOWN_ACK);
    pair_drop(&p, 0);
    assert_int_equal(pair_fire(&p, 0), t0 + TERN_SEC(1));
    pair_collect_from(&p, 0);
    pair_expect_one(&p, 0, TERN_CHUNK_SHUTDOWN);
    pair_deliver(&p, 0);
    pair_collect_from(&p, 1);
    pair_expect_one(&p, 1, TERN_CHUNK_SHUTDOWN_ACK);
    assert_int_equal(pair_assoc(&p, 1, ids[1]).stats.t2_expired, 0);
    pair_deliver(&p, 0);
    pair_collect(&p);
    pair_expect_one(&p, 0, TERN_CHUNK_SHUTDOWN_COMPLETE);
    pair_deliver(&p, 0);
    expect_closed(&p, 0);
    expect_closed(&p, 1);
    expect_events(
        &p, 1, (enum tern_event_type[]){TERN_EV_SHUTDOWN_RECEIVED, TERN_EV_SHUTDOWN_COMPLETE}, 2);
    pair_free(&p);
}

/* §9.2, §8.4 item 5, §8.5.1 C: the SHUTDOWN COMPLETE is lost; the SHUTDOWN
 * ACK resent by T2 finds no TCB and is answered with a SHUTDOWN COMPLETE
 * reflecting its tag with the T bit set, which the peer accepts and which
 * ends its association. */
static void sec8_4_lost_shutdown_complete_answered_out_of_the_blue(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, NULL, NULL);
    tern_assoc_id ids[2];
    pair_establish(&p, ids);
    tern_assoc_info i0 = pair_assoc(&p, 0, ids[0]);
    tern_time rto1 = pair_assoc(&p, 1, ids[1]).paths[0].rto;
    tern_time t0 = p.now;
    assert_int_equal(tern_ep_shutdown(p.ep[0], ids[0], p.now), 0);
    pair_collect(&p);
    pair_deliver(&p, 0); /* SHUTDOWN */
    pair_collect(&p);
    pair_deliver(&p, 0); /* SHUTDOWN ACK */
    pair_collect(&p);
    pair_expect_one(&p, 0, TERN_CHUNK_SHUTDOWN_COMPLETE);
    pair_drop(&p, 0);
    expect_closed(&p, 0);
    expect_events(&p, 0, (enum tern_event_type[]){TERN_EV_SHUTDOWN_COMPLETE}, 1);
    assert_int_equal(pair_assoc(&p, 1, ids[1]).state, TERN_STATE_SHUTDOWN_ACK_SENT);

    assert_int_equal(pair_fire(&p, 1), t0 + rto1);
    pair_collect_from(&p, 1);
    pair_expect_one(&p, 1, TERN_CHUNK_SHUTDOWN_ACK);
    assert_int_equal(pkt_vtag(p.flight[0].data, p.flight[0].len), i0.local_vtag);
    uint64_t ootb = pair_stats(&p, 0).drops[TERN_DROP_OOTB];
    pair_deliver(&p, 0);
    assert_int_equal(pair_stats(&p, 0).drops[TERN_DROP_OOTB], ootb + 1);
    pair_collect_from(&p, 0);
    tern_chunk_raw c = pair_expect_one(&p, 0, TERN_CHUNK_SHUTDOWN_COMPLETE);
    assert_int_equal(c.flags & TERN_CHUNK_FLAG_T, TERN_CHUNK_FLAG_T);
    assert_int_equal(pkt_vtag(p.flight[0].data, p.flight[0].len), i0.local_vtag);
    pair_deliver(&p, 0);
    expect_closed(&p, 1);
    expect_events(
        &p, 1, (enum tern_event_type[]){TERN_EV_SHUTDOWN_RECEIVED, TERN_EV_SHUTDOWN_COMPLETE}, 2);
    pair_collect(&p);
    assert_int_equal(p.nflight, 0);
    pair_free(&p);
}

/* §9.2: T2-shutdown gives up after Association.Max.Retrans retransmissions
 * of SHUTDOWN (sender side) or SHUTDOWN ACK (receiver side): the peer is
 * reported unreachable (COMM_LOST, cause 0). The T5 guard is set long so
 * it does not interfere; RTO doubles 1, 2, 4 s, capped at RTO.Max = 4 s. */
static void sec9_2_t2_gives_up_after_max_retrans(void **state)
{
    (void)state;
    for (int side = 0; side < 2; side++) {
        tern_ep_config c;
        tern_ep_config_default(&c);
        c.assoc_max_retrans = 3;
        c.rto_max = TERN_SEC(4);
        c.shutdown_guard = TERN_SEC(3600);
        c.hb_interval = 0;
        pair p;
        pair_init(&p, &c, &c);
        tern_assoc_id ids[2];
        pair_establish(&p, ids);
        tern_time t0 = p.now;
        uint8_t type = side == 0 ? TERN_CHUNK_SHUTDOWN : TERN_CHUNK_SHUTDOWN_ACK;
        assert_int_equal(tern_ep_shutdown(p.ep[0], ids[0], p.now), 0);
        if (side == 1) {
            pair_collect(&p);
            pair_deliver(&p, 0); /* SHUTDOWN reaches 1; nothing else will */
        }
        tern_time expect[] = {0, TERN_SEC(1), TERN_SEC(3), TERN_SEC(7)};
        size_t sent = 0;
        for (int round = 0; round < 20 && pair_stats(&p, side).assocs_open; round++) {
            pair_collect_from(&p, side);
            size_t n = pair_drop_all(&p, type);
            if (n) {
                assert_true(sent < 4);
                assert_int_equal(p.now - t0, expect[sent]);
            }
            sent += n;
            pair_drop_all(&p, 0);
            pair_collect_from(&p, 1 - side);
            pair_drop_all(&p, 0);
            pair_fire(&p, side);
        }
        assert_int_equal(sent, 1 + 3);
        assert_int_equal(p.now - t0, TERN_SEC(11)); /* 7 s + RTO.Max */
        expect_closed(&p, side);
        tern_event ev;
        assert_int_equal(pair_event(&p, side, TERN_EV_COMM_LOST, &ev), 1);
        assert_int_equal(ev.assoc, ids[side]);
        assert_int_equal(ev.cause, 0);
        pair_free(&p);
    }
}

/* §9.2: T5-shutdown-guard bounds the whole shutdown: when it expires the
 * SHUTDOWN sender sends ABORT (peer's tag, T bit clear) and ends. With
 * cfg.shutdown_guard = 0 it is 5 × RTO.Max. */
static void sec9_2_t5_shutdown_guard_aborts(void **state)
{
    (void)state;
    static const struct {
        tern_time guard, rto_max, expect;
    } cases[] = {
        {TERN_SEC(5), TERN_SEC(60), TERN_SEC(5)},
        {0, TERN_SEC(2), 5 * TERN_SEC(2)},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        tern_ep_config c;
        tern_ep_config_default(&c);
        c.shutdown_guard = cases[k].guard;
        c.rto_max = cases[k].rto_max;
        c.hb_interval = 0;
        pair p;
        pair_init(&p, &c, &c);
        tern_assoc_id ids[2];
        pair_establish(&p, ids);
        uint32_t tag1 = pair_assoc(&p, 1, ids[1]).local_vtag;
        tern_time t0 = p.now = TERN_SEC(1);
        assert_int_equal(tern_ep_shutdown(p.ep[0], ids[0], p.now), 0);
        size_t shutdowns = 0;
        while (pair_stats(&p, 0).assocs_open) {
            pair_collect_from(&p, 0);
            shutdowns += pair_drop_all(&p, TERN_CHUNK_SHUTDOWN);
            assert_true(shutdowns < 20);
            pair_fire(&p, 0);
        }
        assert_int_equal(p.now - t0, cases[k].expect);
        assert_true(shutdowns >= 3); /* T2 was resending until then */
        pair_collect_from(&p, 0);
        tern_chunk_raw c0 = pair_expect_one(&p, 0, TERN_CHUNK_ABORT);
        assert_int_equal(c0.flags & TERN_CHUNK_FLAG_T, 0);
        assert_int_equal(pkt_vtag(p.flight[0].data, p.flight[0].len), tag1);
        expect_closed(&p, 0);
        tern_event ev;
        assert_int_equal(pair_event(&p, 0, TERN_EV_COMM_LOST, &ev), 1);
        pair_deliver(&p, 0); /* the peer never saw the SHUTDOWN: the ABORT ends it */
        assert_int_equal(pair_event(&p, 1, TERN_EV_COMM_LOST, &ev), 1);
        expect_closed(&p, 1);
        pair_free(&p);
    }
}

/* ---- §9.2 state rules --------------------------------------------------------- */

/* tern_ep_shutdown misuse: an unknown id is TERN_ENOENT; a second call, or
 * one on the side that received the SHUTDOWN (§9.2: ULP shutdown requests
 * are ignored there), is TERN_ESTATE and changes nothing. */
static void sec9_2_shutdown_misuse(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, NULL, NULL);
    tern_assoc_id ids[2];
    pair_establish(&p, ids);
    assert_int_equal(tern_ep_shutdown(p.ep[0], ids[0] + 100, p.now), TERN_ENOENT);
    assert_int_equal(pair_assoc(&p, 0, ids[0]).state, TERN_STATE_ESTABLISHED);
    pair_collect(&p);
    assert_int_equal(p.nflight, 0);

    assert_int_equal(tern_ep_shutdown(p.ep[0], ids[0], p.now), 0);
    pair_collect(&p);
    pair_expect_one(&p, 0, TERN_CHUNK_SHUTDOWN);
    tern_time deadline = tern_ep_next_deadline(p.ep[0]);
    tern_assoc_info before = pair_assoc(&p, 0, ids[0]);
    p.now += TERN_MSEC(300);
    assert_int_equal(tern_ep_shutdown(p.ep[0], ids[0], p.now), TERN_ESTATE);
    tern_assoc_info after = pair_assoc(&p, 0, ids[0]);
    assert_int_equal(after.state, TERN_STATE_SHUTDOWN_SENT);
    assert_info_same(&before, &after);
    assert_int_equal(tern_ep_next_deadline(p.ep[0]), deadline); /* T2 not restarted */
    pair_collect_from(&p, 0);
    assert_int_equal(p.nflight, 1); /* no second SHUTDOWN */

    pair_deliver(&p, 0);
    assert_int_equal(pair_assoc(&p, 1, ids[1]).state, TERN_STATE_SHUTDOWN_ACK_SENT);
    before = pair_assoc(&p, 1, ids[1]);
    assert_int_equal(tern_ep_shutdown(p.ep[1], ids[1], p.now), TERN_ESTATE);
    after = pair_assoc(&p, 1, ids[1]);
    assert_info_same(&before, &after);
    pair_run(&p, p.now + TERN_SEC(1), 10);
    expect_closed(&p, 0);
    expect_closed(&p, 1);
    assert_int_equal(tern_ep_shutdown(p.ep[0], ids[0], p.now), TERN_ENOENT);
    pair_free(&p);
}

/* tern_ep_shutdown in COOKIE-WAIT or COOKIE-ECHOED abandons the
 * association: freed, no event, nothing more sent, no timer left. */
static void sec9_2_shutdown_before_established_abandons(void **state)
{
    (void)state;
    for (int echoed = 0; echoed < 2; echoed++) {
        pair p;
        pair_init(&p, NULL, NULL);
        tern_assoc_id id = pair_connect(&p, 0);
        if (echoed) {
            pair_collect(&p);
            pair_deliver(&p, 0); /* INIT */
            pair_collect(&p);
            pair_deliver(&p, 0); /* INIT ACK */
            assert_int_equal(pair_assoc(&p, 0, id).state, TERN_STATE_COOKIE_ECHOED);
        } else {
            assert_int_equal(pair_assoc(&p, 0, id).state, TERN_STATE_COOKIE_WAIT);
        }
        assert_int_equal(tern_ep_shutdown(p.ep[0], id, p.now), 0);
        expect_closed(&p, 0);
        expect_no_events(&p, 0);
        pair_collect(&p);
        assert_int_equal(p.nflight, 0); /* neither INIT nor COOKIE ECHO */
        assert_int_equal(tern_ep_shutdown(p.ep[0], id, p.now), TERN_ENOENT);
        pair_free(&p);
    }
}

/* §9.2: a SHUTDOWN in COOKIE-WAIT or COOKIE-ECHOED is silently discarded. */
static void sec9_2_shutdown_in_cookie_wait_or_echoed_discarded(void **state)
{
    (void)state;
    for (int echoed = 0; echoed < 2; echoed++) {
        pair p;
        pair_init(&p, NULL, NULL);
        tern_assoc_id id = pair_half_open(&p, echoed);
        tern_assoc_info before = pair_assoc(&p, 0, id);
        tern_time deadline = tern_ep_next_deadline(p.ep[0]);
        inject_shutdown(&p, 0, before.local_vtag);
        tern_assoc_info after = pair_assoc(&p, 0, id);
        assert_int_equal(after.state, before.state);
        assert_int_equal(after.stats.drops[TERN_DROP_STATE], 1);
        assert_int_equal(tern_ep_next_deadline(p.ep[0]), deadline);
        pair_collect_from(&p, 0);
        assert_int_equal(p.nflight, 0);
        expect_no_events(&p, 0);
        pair_free(&p);
    }
}

/* §8.5.1 E, §9.2: a SHUTDOWN ACK in COOKIE-WAIT or COOKIE-ECHOED is handled
 * as out of the blue: SHUTDOWN COMPLETE reflecting its tag with the T bit;
 * the association stays where it was, T1 still running. Here the peer uses
 * the tag our INIT gave it. */
static void sec8_5_1_e_shutdown_ack_in_cookie_wait_is_ootb(void **state)
{
    (void)state;
    for (int echoed = 0; echoed < 2; echoed++) {
        pair p;
        pair_init(&p, NULL, NULL);
        tern_assoc_id id = pair_half_open(&p, echoed);
        tern_assoc_info before = pair_assoc(&p, 0, id);
        tern_time deadline = tern_ep_next_deadline(p.ep[0]);
        pair_inject_empty(&p, 0, before.local_vtag, TERN_CHUNK_SHUTDOWN_ACK, 0);
        pair_collect_from(&p, 0);
        tern_chunk_raw c = pair_expect_one(&p, 0, TERN_CHUNK_SHUTDOWN_COMPLETE);
        assert_int_equal(c.flags & TERN_CHUNK_FLAG_T, TERN_CHUNK_FLAG_T);
        assert_int_equal(pkt_vtag(p.flight[0].data, p.flight[0].len), before.local_vtag);
        assert_int_equal(pair_assoc(&p, 0, id).state, before.state);
        assert_int_equal(tern_ep_next_deadline(p.ep[0]), deadline);
        expect_no_events(&p, 0);
        pair_free(&p);
    }
}

/* §8.5.1 E, §9.2 ("the Verification Tag field ... set to the same tag that
 * was received in the packet containing the SHUTDOWN ACK"): the SHUTDOWN
 * ACK of a previous association carries a tag that is not ours. It must
 * still be answered out of the blue, reflecting that tag. */
static void sec8_5_1_e_shutdown_ack_with_old_tag_in_cookie_wait(void **state)
{
    (void)state;
    for (int echoed = 0; echoed < 2; echoed++) {
        pair p;
        pair_init(&p, NULL, NULL);
        tern_assoc_id id = pair_half_open(&p, echoed);
        tern_assoc_info before = pair_assoc(&p, 0, id);
        uint32_t old_tag = before.local_vtag ^ 0x5A5A5A5Au;
        pair_inject_empty(&p, 0, old_tag, TERN_CHUNK_SHUTDOWN_ACK, 0);
        pair_collect_from(&p, 0);
        tern_chunk_raw c = pair_expect_one(&p, 0, TERN_CHUNK_SHUTDOWN_COMPLETE);
        assert_int_equal(c.flags & TERN_CHUNK_FLAG_T, TERN_CHUNK_FLAG_T);
        assert_int_equal(pkt_vtag(p.flight[0].data, p.flight[0].len), old_tag);
        assert_int_equal(pair_assoc(&p, 0, id).state, before.state);
        pair_free(&p);
    }
}

/* §8.5.1 C, §9.2: SHUTDOWN COMPLETE (right tag, T bit clear, or peer's tag
 * with T set) is ignored anywhere but SHUTDOWN-ACK-SENT. */
static void sec9_2_shutdown_complete_outside_ack_sent_ignored(void **state)
{
    (void)state;
    for (int t_bit = 0; t_bit < 2; t_bit++) {
        pair p;
        pair_init(&p, NULL, NULL);
        tern_assoc_id ids[2];
        pair_establish(&p, ids);
        for (int shutting = 0; shutting < 2; shutting++) {
            if (shutting) {
                assert_int_equal(tern_ep_shutdown(p.ep[0], ids[0], p.now), 0);
                pair_collect(&p);
                pair_drop_all(&p, 0);
            }
            tern_assoc_info before = pair_assoc(&p, 0, ids[0]);
            tern_time deadline = tern_ep_next_deadline(p.ep[0]);
            pair_inject_empty(&p, 0, t_bit ? before.peer_vtag : before.local_vtag,
                              TERN_CHUNK_SHUTDOWN_COMPLETE, t_bit ? TERN_CHUNK_FLAG_T : 0);
            tern_assoc_info after = pair_assoc(&p, 0, ids[0]);
            assert_int_equal(after.state,
                             shutting ? TERN_STATE_SHUTDOWN_SENT : TERN_STATE_ESTABLISHED);
            assert_int_equal(after.stats.drops[TERN_DROP_STATE],
                             before.stats.drops[TERN_DROP_STATE] + 1);
            assert_int_equal(after.stats.drops[TERN_DROP_VTAG], 0);
            assert_int_equal(tern_ep_next_deadline(p.ep[0]), deadline);
            pair_collect_from(&p, 0);
            assert_int_equal(p.nflight, 0);
            expect_no_events(&p, 0);
        }
        pair_free(&p);
    }
}

/* §9.2: an INIT in SHUTDOWN-ACK-SENT (our SHUTDOWN ACK or the peer's
 * SHUTDOWN COMPLETE was lost) is discarded and the SHUTDOWN ACK resent. */
static void sec9_2_init_in_shutdown_ack_sent(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, NULL, NULL);
    tern_assoc_id ids[2];
    pair_establish(&p, ids);
    tern_assoc_info i0 = pair_assoc(&p, 0, ids[0]);
    assert_int_equal(tern_ep_shutdown(p.ep[0], ids[0], p.now), 0);
    pair_collect(&p);
    pair_deliver(&p, 0);
    pair_collect(&p);
    pair_expect_one(&p, 1, TERN_CHUNK_SHUTDOWN_ACK);
    pair_drop(&p, 0);

    uint8_t c[32];
    tern_wbuf w;
    tern_wbuf_init(&w, c, sizeof c);
    tern_init init = {0x1234, 65536, 1, 1, 7, {NULL, 0}};
    tern_init_put(&w, TERN_CHUNK_INIT, &init);
    tern_assoc_info before = pair_assoc(&p, 1, ids[1]);
    pair_inject_chunks(&p, 1, 0, c, w.len);
    pair_collect_from(&p, 1);
    pair_expect_one(&p, 1, TERN_CHUNK_SHUTDOWN_ACK); /* and no INIT ACK */
    assert_int_equal(pkt_vtag(p.flight[0].data, p.flight[0].len), i0.local_vtag);
    tern_assoc_info after = pair_assoc(&p, 1, ids[1]);
    assert_int_equal(after.state, TERN_STATE_SHUTDOWN_ACK_SENT);
    assert_int_equal(after.stats.drops[TERN_DROP_STATE], before.stats.drops[TERN_DROP_STATE] + 1);
    assert_int_equal(pair_stats(&p, 1).assocs_open, 1);
    pair_deliver(&p, 0); /* the resent SHUTDOWN ACK completes the shutdown */
    pair_collect(&p);
    pair_deliver(&p, 0);
    expect_closed(&p, 0);
    expect_closed(&p, 1);
    pair_free(&p);
}

/* §9.2 end to end: endpoint 0's SHUTDOWN COMPLETE is lost and it connects
 * again at once. Its INIT meets the old TCB in SHUTDOWN-ACK-SENT (discarded,
 * SHUTDOWN ACK resent with the old tag); the new association in
 * COOKIE-WAIT answers that SHUTDOWN ACK with a SHUTDOWN COMPLETE reflecting
 * the old tag (T bit), which ends the old TCB; T1 resends the INIT and the
 * new association comes up within a few seconds. */
static void sec9_2_reconnect_after_lost_shutdown_complete(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, NULL, NULL);
    tern_assoc_id ids[2];
    pair_establish(&p, ids);
    uint32_t old_tag = pair_assoc(&p, 0, ids[0]).local_vtag;
    assert_int_equal(tern_ep_shutdown(p.ep[0], ids[0], p.now), 0);
    pair_collect(&p);
    pair_deliver(&p, 0);
    pair_collect(&p);
    pair_deliver(&p, 0);
    pair_collect(&p);
    pair_expect_one(&p, 0, TERN_CHUNK_SHUTDOWN_COMPLETE);
    pair_drop(&p, 0);
    expect_closed(&p, 0);
    expect_events(&p, 0, (enum tern_event_type[]){TERN_EV_SHUTDOWN_COMPLETE}, 1);

    tern_assoc_id id = pair_connect(&p, 0);
    pair_collect(&p);
    pair_deliver(&p, 0); /* INIT → the old TCB */
    pair_collect(&p);
    pair_expect_one(&p, 1, TERN_CHUNK_SHUTDOWN_ACK);
    assert_int_equal(pkt_vtag(p.flight[0].data, p.flight[0].len), old_tag);
    pair_deliver(&p, 0);
    pair_collect(&p);
    tern_chunk_raw c = pair_expect_one(&p, 0, TERN_CHUNK_SHUTDOWN_COMPLETE);
    assert_int_equal(c.flags & TERN_CHUNK_FLAG_T, TERN_CHUNK_FLAG_T);
    assert_int_equal(pkt_vtag(p.flight[0].data, p.flight[0].len), old_tag);
    pair_deliver(&p, 0);
    expect_events(
        &p, 1, (enum tern_event_type[]){TERN_EV_SHUTDOWN_RECEIVED, TERN_EV_SHUTDOWN_COMPLETE}, 2);
    assert_int_equal(pair_assoc(&p, 0, id).state, TERN_STATE_COOKIE_WAIT);
    tern_time t0 = p.now;
    pair_run(&p, t0 + TERN_SEC(10), 50);
    tern_event ev;
    assert_int_equal(pair_event(&p, 0, TERN_EV_COMM_UP, &ev), 1);
    assert_int_equal(ev.assoc, id);
    assert_int_equal(pair_event(&p, 1, TERN_EV_COMM_UP, &ev), 1);
    assert_true(p.now <= t0 + TERN_SEC(2));
    pair_free(&p);
}

/* §9.2: in SHUTDOWN-SENT, any packet from the peer clears the
 * retransmission count and restarts T2-shutdown. Three retransmissions
 * are allowed; after two, a HEARTBEAT from the peer arrives, so three more
 * follow before the peer is declared unreachable. */
static void sec9_2_peer_packet_in_shutdown_sent_restarts_t2(void **state)
{
    (void)state;
    tern_ep_config c;
    tern_ep_config_default(&c);
    c.assoc_max_retrans = 3;
    c.rto_max = TERN_SEC(4);
    c.shutdown_guard = TERN_SEC(3600);
    c.hb_interval = 0;
    pair p;
    pair_init(&p, &c, &c);
    tern_assoc_id ids[2];
    pair_establish(&p, ids);
    tern_time t0 = p.now;
    assert_int_equal(tern_ep_shutdown(p.ep[0], ids[0], p.now), 0);
    pair_collect_from(&p, 0);
    size_t sent = pair_drop_all(&p, TERN_CHUNK_SHUTDOWN);
    assert_int_equal(pair_fire(&p, 0), t0 + TERN_SEC(1));
    pair_collect_from(&p, 0);
    sent += pair_drop_all(&p, TERN_CHUNK_SHUTDOWN);
    assert_int_equal(pair_fire(&p, 0), t0 + TERN_SEC(3));
    pair_collect_from(&p, 0);
    sent += pair_drop_all(&p, TERN_CHUNK_SHUTDOWN);
    assert_int_equal(sent, 3);
    p.now = t0 + TERN_MSEC(3200);
    /* A HEARTBEAT does not restart T2: a live peer deaf to SHUTDOWN would
     * otherwise hold the shutdown off until T5. */
    tern_time t2 = tern_ep_next_deadline(p.ep[0]);
    uint8_t hb[16];
    tern_wbuf w;
    tern_wbuf_init(&w, hb, sizeof hb);
    tern_heartbeat_put(&w, TERN_CHUNK_HEARTBEAT, "peer", 4);
    pair_inject_chunks(&p, 0, pair_assoc(&p, 0, ids[0]).local_vtag, hb, w.len);
    pair_collect_from(&p, 0);
    pair_drop_all(&p, 0); /* the HEARTBEAT ACK */
    assert_int_equal(tern_ep_next_deadline(p.ep[0]), t2);
    /* The peer still sending its queued DATA does (§9.2), and is answered
     * with a SHUTDOWN at once. */
    p.now = t0 + TERN_MSEC(3500);
    tern_assoc_info before = pair_assoc(&p, 0, ids[0]);
    uint8_t data[32];
    tern_wbuf_init(&w, data, sizeof data);
    tern_data_put(&w, &(tern_data){TERN_DATA_FLAG_B | TERN_DATA_FLAG_E,
                                   before.cum_tsn_ack + 1,
                                   0,
                                   0,
                                   51,
                                   {(const uint8_t *)"late", 4}});
    pair_inject_chunks(&p, 0, before.local_vtag, data, w.len);
    pair_collect_from(&p, 0);
    sent += pair_drop_all(&p, TERN_CHUNK_SHUTDOWN);
    assert_int_equal(sent, 4);
    tern_time rto = pair_assoc(&p, 0, ids[0]).paths[0].rto;
    assert_int_equal(tern_ep_next_deadline(p.ep[0]), p.now + rto);
    while (pair_stats(&p, 0).assocs_open) {
        pair_fire(&p, 0);
        pair_collect_from(&p, 0);
        sent += pair_drop_all(&p, TERN_CHUNK_SHUTDOWN);
        assert_true(sent < 20);
    }
    assert_int_equal(sent, 4 + 3);
    tern_event ev;
    assert_int_equal(pair_event(&p, 0, TERN_EV_COMM_LOST, &ev), 1);
    pair_free(&p);
}

/* ---- §9.1 ABORT ------------------------------------------------------------------ */

/* §9.1: tern_ep_abort sends one ABORT (peer's tag, T bit clear, no DATA)
 * carrying a User-Initiated Abort cause with the reason bytes, and frees
 * the association silently; the peer reports COMM_LOST with cause 12 and
 * does not answer (§9.1). Either side, with a reason, an empty one, and the
 * largest allowed (1024 bytes). */
static void sec9_1_user_abort_from_either_side(void **state)
{
    (void)state;
    static uint8_t big[1024];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 7 + 1);
    static const struct {
        const void *reason;
        size_t len;
    } reasons[] = {{"bye now", 7}, {NULL, 0}, {big, sizeof big}};
    for (int i = 0; i < 2; i++)
        for (size_t r = 0; r < sizeof reasons / sizeof reasons[0]; r++) {
            int j = 1 - i;
            pair p;
            pair_init(&p, NULL, NULL);
            tern_assoc_id ids[2];
            pair_establish(&p, ids);
            uint32_t tag_j = pair_assoc(&p, j, ids[j]).local_vtag;
            assert_int_equal(
                tern_ep_abort(p.ep[i], ids[i], reasons[r].reason, reasons[r].len, p.now), 0);
            expect_closed(&p, i);
            expect_no_events(&p, i);
            pair_collect(&p);
            tern_chunk_raw c = pair_expect_one(&p, i, TERN_CHUNK_ABORT);
            assert_int_equal(pkt_count(p.flight[0].data, p.flight[0].len, TERN_CHUNK_DATA), 0);
            assert_int_equal(c.flags & TERN_CHUNK_FLAG_T, 0);
            assert_int_equal(pkt_vtag(p.flight[0].data, p.flight[0].len), tag_j);
            size_t padded = (reasons[r].len + 3) & ~(size_t)3;
            assert_true(c.value.len == 4 + reasons[r].len || c.value.len == 4 + padded);
            assert_int_equal(tern_load16(c.value.ptr), TERN_CAUSE_USER_ABORT);
            assert_int_equal(tern_load16(c.value.ptr + 2), 4 + reasons[r].len);
            if (reasons[r].len)
                assert_memory_equal(c.value.ptr + 4, reasons[r].reason, reasons[r].len);
            pair_deliver(&p, 0);
            tern_event ev;
            assert_int_equal(tern_ep_poll_event(p.ep[j], &ev), 1);
            assert_int_equal(ev.type, TERN_EV_COMM_LOST);
            assert_int_equal(ev.assoc, ids[j]);
            assert_int_equal(ev.cause, TERN_CAUSE_USER_ABORT);
            expect_no_events(&p, j);
            expect_closed(&p, j);
            pair_collect(&p);
            assert_int_equal(p.nflight, 0);
            pair_free(&p);
        }
}

/* §8.5.1 B: an ABORT with the T bit and the peer's tag is accepted; one
 * with a wrong tag, or with the T bit and our own tag, is dropped
 * (TERN_DROP_VTAG) and changes nothing. */
static void sec8_5_1_b_abort_tag_rules(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, NULL, NULL);
    tern_assoc_id ids[2];
    pair_establish(&p, ids);
    tern_assoc_info before = pair_assoc(&p, 0, ids[0]);
    tern_time deadline = tern_ep_next_deadline(p.ep[0]);
    inject_abort(&p, 0, before.local_vtag ^ 1u, 0);                /* wrong tag */
    inject_abort(&p, 0, before.peer_vtag ^ 1u, TERN_CHUNK_FLAG_T); /* wrong reflected tag */
    inject_abort(&p, 0, before.local_vtag, TERN_CHUNK_FLAG_T);     /* T bit, our own tag */
    tern_assoc_info after = pair_assoc(&p, 0, ids[0]);
    assert_int_equal(after.state, TERN_STATE_ESTABLISHED);
    assert_int_equal(after.stats.drops[TERN_DROP_VTAG], 3);
    assert_int_equal(pair_stats(&p, 0).drops[TERN_DROP_VTAG], 3);
    assert_int_equal(tern_ep_next_deadline(p.ep[0]), deadline);
    expect_no_events(&p, 0);
    pair_collect_from(&p, 0);
    assert_int_equal(p.nflight, 0);

    inject_abort(&p, 0, before.peer_vtag, TERN_CHUNK_FLAG_T); /* reflected: accepted */
    tern_event ev;
    assert_int_equal(pair_event(&p, 0, TERN_EV_COMM_LOST, &ev), 1);
    assert_int_equal(ev.cause, 0);
    expect_closed(&p, 0);
    pair_collect_from(&p, 0);
    assert_int_equal(p.nflight, 0);
    pair_free(&p);
}

/* tern_ep_abort misuse: a reason over 1024 bytes (or NULL with a length)
 * is TERN_EINVAL, an unknown id TERN_ENOENT; nothing changes. */
static void sec9_1_abort_misuse(void **state)
{
    (void)state;
    static uint8_t big[1025];
    pair p;
    pair_init(&p, NULL, NULL);
    tern_assoc_id ids[2];
    pair_establish(&p, ids);
    tern_assoc_info before = pair_assoc(&p, 0, ids[0]);
    assert_int_equal(tern_ep_abort(p.ep[0], ids[0], big, sizeof big, p.now), TERN_EINVAL);
    assert_int_equal(tern_ep_abort(p.ep[0], ids[0], NULL, 4, p.now), TERN_EINVAL);
    assert_int_equal(tern_ep_abort(p.ep[0], ids[0] + 100, "x", 1, p.now), TERN_ENOENT);
    tern_assoc_info after = pair_assoc(&p, 0, ids[0]);
    assert_info_same(&before, &after);
    assert_int_equal(pair_stats(&p, 0).assocs_open, 1);
    pair_collect(&p);
    assert_int_equal(p.nflight, 0);
    expect_no_events(&p, 0);
    assert_int_equal(tern_ep_abort(p.ep[0], ids[0], big, 1024, p.now), 0);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sec9_2_graceful_shutdown_by_either_side),
        cmocka_unit_test(sec9_2_shutdown_collision),
        cmocka_unit_test(sec9_2_shutdown_received_before_own_sent),
        cmocka_unit_test(sec9_2_lost_shutdown_resent_by_t2),
        cmocka_unit_test(sec9_2_lost_shutdown_ack_resent_by_t2),
        cmocka_unit_test(sec9_2_resent_shutdown_answered_in_shutdown_ack_sent),
        cmocka_unit_test(sec8_4_lost_shutdown_complete_answered_out_of_the_blue),
        cmocka_unit_test(sec9_2_t2_gives_up_after_max_retrans),
        cmocka_unit_test(sec9_2_t5_shutdown_guard_aborts),
        cmocka_unit_test(sec9_2_shutdown_misuse),
        cmocka_unit_test(sec9_2_shutdown_before_established_abandons),
        cmocka_unit_test(sec9_2_shutdown_in_cookie_wait_or_echoed_discarded),
        cmocka_unit_test(sec8_5_1_e_shutdown_ack_in_cookie_wait_is_ootb),
        cmocka_unit_test(sec8_5_1_e_shutdown_ack_with_old_tag_in_cookie_wait),
        cmocka_unit_test(sec9_2_shutdown_complete_outside_ack_sent_ignored),
        cmocka_unit_test(sec9_2_init_in_shutdown_ack_sent),
        cmocka_unit_test(sec9_2_reconnect_after_lost_shutdown_complete),
        cmocka_unit_test(sec9_2_peer_packet_in_shutdown_sent_restarts_t2),
        cmocka_unit_test(sec9_1_user_abort_from_either_side),
        cmocka_unit_test(sec8_5_1_b_abort_tag_rules),
        cmocka_unit_test(sec9_1_abort_misuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
