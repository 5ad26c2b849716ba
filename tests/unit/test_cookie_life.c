/* A cookie's life (RFC 9260 §5.1.3, §5.1.5, §5.2.6): the Stale Cookie error
 * and the retry with a Cookie Preservative, and cookies across secret
 * rotations. */
#include "tests/unit/collision_testutil.h"

/* ---- §5.2.6 ------------------------------------------------------------------ */

/* The Cookie Preservative of an INIT packet, or 0 if it has none. */
static uint32_t cookie_preservative(const pair_pkt *k)
{
    tern_init init = read_init(k, TERN_CHUNK_INIT, NULL);
    tern_tlv_iter it;
    tern_tlv tlv;
    uint32_t ms = 0;
    tern_tlv_iter_init_bytes(&it, init.params);
    while (tern_tlv_next(&it, &tlv) > 0)
        if (tlv.type == TERN_PARAM_COOKIE_PRESERVATIVE) {
            assert_int_equal(tlv.value.len, 4);
            ms = tern_load32(tlv.value.ptr);
        }
    return ms;
}

/* §5.2.6 alternative 3: a Stale Cookie error in COOKIE-ECHOED brings a new
 * INIT with a Cookie Preservative of the measured round trip of the COOKIE
 * ECHO / ERROR exchange plus the lateness (rounded up to ms). The peer
 * honours it: the next cookie lives longer, and the association comes up
 * although its COOKIE ECHO takes longer than the plain cookie life. */
static void sec5_2_6_stale_cookie_error_sends_init_with_preservative(void **state)
{
    (void)state;
    pair_rng r[2];
    tern_ep_config c[2];
    cfg_seeded(&c[0], &r[0], 181);
    cfg_seeded(&c[1], &r[1], 182);
    c[1].valid_cookie_life = TERN_SEC(5);
    pair p;
    pair_init(&p, &c[0], &c[1]);
    pair_pkt echo;
    tern_assoc_id id = to_cookie_echoed(&p, &echo); /* COOKIE ECHO sent at 0 */
    p.now = TERN_SEC(5) + USEC(300500);
    pair_inject(&p, 1, echo.data, echo.len);
    pair_pkt err = take(&p, 1, TERN_CHUNK_ERROR);
    assert_int_equal(tern_load32(first_cause(&err, TERN_CHUNK_ERROR).value.ptr), 300500);
    assert_int_equal(drain(&p, 0).total, 0);
    p.now = TERN_SEC(5) + USEC(400500); /* the round trip: 5400.5 ms */
    pair_inject(&p, 0, err.data, err.len);
    pair_collect(&p);
    assert_int_equal(p.nflight, 1);
    pair_pkt init = take(&p, 0, TERN_CHUNK_INIT);
    assert_int_equal(pkt_vtag(init.data, init.len), 0);
    assert_int_equal(cookie_preservative(&init), 5400 + 301);
    tern_assoc_info now = pair_assoc(&p, 0, id);
    assert_int_equal(now.state, TERN_STATE_COOKIE_WAIT);
    assert_true(tern_ep_next_deadline(p.ep[0]) > p.now); /* T1-init runs again */
    assert_int_not_equal(tern_ep_next_deadline(p.ep[0]), TERN_TIME_NEVER);
    assert_int_equal(drain(&p, 0).total, 0);

    /* The new cookie lives 5 s + min(5.701 s, 5 s): a 9 s trip is fine. */
    pair_inject(&p, 1, init.data, init.len);
    deliver(&p, 1, TERN_CHUNK_INIT_ACK);
    pair_pkt echo2 = take(&p, 0, TERN_CHUNK_COOKIE_ECHO);
    p.now += TERN_SEC(9);
    pair_inject(&p, 1, echo2.data, echo2.len);
    deliver(&p, 1, TERN_CHUNK_COOKIE_ACK);
    assert_int_equal(drain(&p, 0).n[TERN_EV_COMM_UP], 1);
    assert_int_equal(drain(&p, 1).n[TERN_EV_COMM_UP], 1);
    assert_int_equal(pair_assoc(&p, 0, id).state, TERN_STATE_ESTABLISHED);
    pair_free(&p);
}

/* §5.2.6: the extension asked for is the round trip plus the lateness
 * rounded up to ms, but never more than 1 s beyond the round trip. */
static void sec5_2_6_cookie_preservative_at_most_one_second_over_rtt(void **state)
{
    (void)state;
    static const struct {
        tern_time to_peer, back; /* when the COOKIE ECHO, then the ERROR, arrive */
        uint32_t want;
    } cases[] = {
        {TERN_SEC(5) + USEC(1), TERN_SEC(5) + USEC(100001), 5100 + 1},
        {TERN_SEC(5) + TERN_MSEC(999), TERN_SEC(6) + TERN_MSEC(100), 6100 + 999 + 1},
        {TERN_SEC(7) + USEC(500), TERN_SEC(7) + USEC(100500), 7100 + 1000},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pair_rng r[2];
        tern_ep_config c[2];
        cfg_seeded(&c[0], &r[0], 185);
        cfg_seeded(&c[1], &r[1], 186);
        c[1].valid_cookie_life = TERN_SEC(5);
        pair p;
        pair_init(&p, &c[0], &c[1]);
        pair_pkt echo;
        to_cookie_echoed(&p, &echo);
        p.now = cases[i].to_peer;
        pair_inject(&p, 1, echo.data, echo.len);
        pair_pkt err = take(&p, 1, TERN_CHUNK_ERROR);
        p.now = cases[i].back;
        pair_inject(&p, 0, err.data, err.len);
        pair_pkt init = take(&p, 0, TERN_CHUNK_INIT);
        assert_int_equal(cookie_preservative(&init), cases[i].want);
        pair_free(&p);
    }
}

/* §5.2.6, §5.1 A: the new INITs after Stale Cookie errors count against
 * Max.Init.Retransmits; when they are used up the next Stale Cookie error
 * ends the attempt with CANT_START (cause Stale Cookie). */
static void sec5_2_6_stale_cookie_max_init_retransmits(void **state)
{
    (void)state;
    pair_rng r[2];
    tern_ep_config c[2];
    cfg_seeded(&c[0], &r[0], 191);
    cfg_seeded(&c[1], &r[1], 192);
    c[0].max_init_retransmits = 3;
    c[1].valid_cookie_life = TERN_SEC(2); /* at most 4 s with a preservative */
    pair p;
    pair_init(&p, &c[0], &c[1]);
    tern_assoc_id id = pair_connect(&p, 0);
    int stale_errors = 0, new_inits = 0;
    for (int round = 0; round < 20; round++) {
        deliver(&p, 0, TERN_CHUNK_INIT);
        deliver(&p, 1, TERN_CHUNK_INIT_ACK);
        pair_pkt echo = take(&p, 0, TERN_CHUNK_COOKIE_ECHO);
        p.now += TERN_SEC(5);
        pair_inject(&p, 1, echo.data, echo.len);
        deliver(&p, 1, TERN_CHUNK_ERROR);
        stale_errors++;
        pair_collect(&p);
        if (pair_find_in_flight(&p, 0, TERN_CHUNK_INIT) < 0) break;
        new_inits++;
    }
    assert_int_equal(new_inits, 3);
    assert_int_equal(stale_errors, 4);
    assert_int_equal(p.nflight, 0);
    evs e = drain(&p, 0);
    assert_int_equal(e.n[TERN_EV_CANT_START], 1);
    assert_int_equal(e.last[TERN_EV_CANT_START].assoc, id);
    assert_int_equal(e.last[TERN_EV_CANT_START].cause, TERN_CAUSE_STALE_COOKIE);
    assert_int_equal(e.total, 1);
    assert_int_equal(pair_stats(&p, 0).assocs_open, 0);
    assert_int_equal(pair_info(&p, 0, id, &(tern_assoc_info){0}), 0);
    pair_free(&p);
}

/* §5.2.6, §3.3.10: an ERROR chunk may hold several causes; a Stale Cookie
 * cause after another one is still acted on. */
static void sec5_2_6_stale_cookie_cause_not_first(void **state)
{
    (void)state;
    pair_rng r[2];
    tern_ep_config c[2];
    cfg_seeded(&c[0], &r[0], 195);
    cfg_seeded(&c[1], &r[1], 196);
    pair p;
    pair_init(&p, &c[0], &c[1]);
    pair_pkt echo;
    tern_assoc_id id = to_cookie_echoed(&p, &echo);
    uint8_t causes[32], buf[64];
    const uint8_t unknown_chunk[4] = {0x7F, 0, 0, 4};
    tern_wbuf cw, w;
    tern_wbuf_init(&cw, causes, sizeof causes);
    tern_cause_put_bytes(&cw, TERN_CAUSE_UNRECOGNIZED_CHUNK, unknown_chunk, 4);
    tern_cause_put_stale_cookie(&cw, 2000);
    tern_wbuf_init(&w, buf, sizeof buf);
    tern_causes_put(&w, TERN_CHUNK_ERROR, 0, (tern_bytes){causes, cw.len});
    p.now += TERN_MSEC(100);
    pair_inject_wbuf(&p, 0, pair_assoc(&p, 0, id).local_vtag, &w);
    pair_collect(&p);
    assert_int_equal(p.nflight, 1);
    pair_pkt init = take(&p, 0, TERN_CHUNK_INIT);
    assert_int_equal(cookie_preservative(&init), 100 + 3);
    assert_int_equal(pair_assoc(&p, 0, id).state, TERN_STATE_COOKIE_WAIT);
    pair_free(&p);
}

/* §5.2.6: outside COOKIE-ECHOED a Stale Cookie error is discarded: counted,
 * no event, nothing sent, nothing changed. */
static void sec5_2_6_stale_cookie_error_discarded_in_other_states(void **state)
{
    (void)state;
    for (int established = 0; established <= 1; established++) {
        pair_rng r[2];
        tern_ep_config c[2];
        cfg_seeded(&c[0], &r[0], 201);
        cfg_seeded(&c[1], &r[1], 202);
        pair p;
        pair_init(&p, &c[0], &c[1]);
        tern_assoc_id id[2];
        if (established) {
            pair_establish(&p, id);
        } else {
            id[0] = pair_connect(&p, 0);
            take(&p, 0, TERN_CHUNK_INIT);
        }
        tern_assoc_info before = pair_assoc(&p, 0, id[0]);
        tern_time deadline = tern_ep_next_deadline(p.ep[0]);
        uint64_t drops = pair_stats(&p, 0).drops[TERN_DROP_STATE];
        p.now += TERN_MSEC(100);
        inject_stale_cookie_error(&p, 0, before.local_vtag, 2000);
        pair_collect(&p);
        assert_int_equal(p.nflight, 0);
        assert_int_equal(pair_stats(&p, 0).drops[TERN_DROP_STATE], drops + 1);
        tern_assoc_info now = pair_assoc(&p, 0, id[0]);
        assert_int_equal(now.state, before.state);
        assert_int_equal(now.local_vtag, before.local_vtag);
        assert_int_equal(now.peer_vtag, before.peer_vtag);
        assert_int_equal(tern_ep_next_deadline(p.ep[0]), deadline);
        assert_int_equal(drain(&p, 0).total, 0);
        pair_free(&p);
    }
}

/* ---- Cookie secret rotation (§5.1.3, §5.1.5 step 1) ------------------------- */

/* tern_ep_rotate_secret: a cookie signed with the previous secret is
 * accepted after one rotation; after two its key is gone and the cookie is
 * discarded silently (§5.1.5 step 1). */
static void sec5_1_5_cookie_across_manual_rotation(void **state)
{
    (void)state;
    for (int rotations = 0; rotations <= 2; rotations++) {
        pair_rng r[2];
        tern_ep_config c[2];
        cfg_seeded(&c[0], &r[0], 211);
        cfg_seeded(&c[1], &r[1], 212);
        c[1].cookie_rotation = 0; /* only by hand */
        pair p;
        pair_init(&p, &c[0], &c[1]);
        pair_pkt echo;
        tern_assoc_id id = to_cookie_echoed(&p, &echo);
        for (int k = 0; k < rotations; k++) {
            p.now += TERN_SEC(1);
            assert_int_equal(tern_ep_rotate_secret(p.ep[1], p.now), 0);
        }
        p.now += TERN_SEC(1);
        uint64_t bad = pair_stats(&p, 1).drops[TERN_DROP_COOKIE_BAD];
        pair_inject(&p, 1, echo.data, echo.len);
        pair_collect(&p);
        if (rotations < 2) {
            assert_int_equal(p.nflight, 1);
            assert_int_equal(pair_first_chunk(&p, 0), TERN_CHUNK_COOKIE_ACK);
            pair_deliver(&p, 0);
            assert_int_equal(drain(&p, 1).n[TERN_EV_COMM_UP], 1);
            assert_int_equal(drain(&p, 0).n[TERN_EV_COMM_UP], 1);
            assert_int_equal(pair_assoc(&p, 0, id).state, TERN_STATE_ESTABLISHED);
        } else {
            assert_int_equal(p.nflight, 0);
            assert_int_equal(pair_stats(&p, 1).drops[TERN_DROP_COOKIE_BAD], bad + 1);
            assert_int_equal(pair_stats(&p, 1).assocs_open, 0);
            assert_int_equal(drain(&p, 1).total, 0);
        }
        pair_free(&p);
    }
}

/* cfg.cookie_rotation: the secret changes when a cookie is made after the
 * period (never shorter than two cookie lives); a live cookie from before
 * one scheduled rotation is accepted, one from before two is not. */
static void sec5_1_5_cookie_across_scheduled_rotation(void **state)
{
    (void)state;
    for (int rotations = 1; rotations <= 2; rotations++) {
        pair_rng r[2];
        tern_ep_config c[2];
        cfg_seeded(&c[0], &r[0], 221);
        cfg_seeded(&c[1], &r[1], 222);
        c[1].cookie_rotation = TERN_SEC(10);
        c[1].valid_cookie_life = TERN_SEC(5);
        pair p;
        pair_init(&p, &c[0], &c[1]);
        inject_init(&p, 1, 0xE0000000u, NULL, 0); /* the first cookie starts the period */
        take(&p, 1, TERN_CHUNK_INIT_ACK);
        p.now = TERN_SEC(9);
        pair_pkt echo;
        to_cookie_echoed(&p, &echo); /* cookie made at 9 s, alive until 14 s */
        for (int k = 1; k <= rotations; k++) {
            p.now = TERN_SEC(11) * (tern_time)k;                    /* due at 10 s, then at 21 s */
            inject_init(&p, 1, 0xF0000000u + (uint32_t)k, NULL, 0); /* a cookie is made */
            take(&p, 1, TERN_CHUNK_INIT_ACK);
        }
        uint64_t bad = pair_stats(&p, 1).drops[TERN_DROP_COOKIE_BAD];
        pair_inject(&p, 1, echo.data, echo.len);
        pair_collect(&p);
        if (rotations == 1) {
            assert_int_equal(p.nflight, 1);
            assert_int_equal(pair_first_chunk(&p, 0), TERN_CHUNK_COOKIE_ACK);
            assert_int_equal(drain(&p, 1).n[TERN_EV_COMM_UP], 1);
        } else {
            assert_int_equal(p.nflight, 0);
            assert_int_equal(pair_stats(&p, 1).drops[TERN_DROP_COOKIE_BAD], bad + 1);
            assert_int_equal(pair_stats(&p, 1).assocs_open, 0);
        }
        pair_free(&p);
    }
}

/* The rotation period is never shorter than two cookie lives: a cookie
 * made just before a too-eager period ends stays usable for its life. */
static void sec5_1_5_rotation_never_outruns_a_cookie(void **state)
{
    (void)state;
    pair_rng r[2];
    tern_ep_config c[2];
    cfg_seeded(&c[0], &r[0], 223);
    cfg_seeded(&c[1], &r[1], 224);
    c[1].cookie_rotation = TERN_SEC(1); /* asks for less than 2 × 10 s */
    c[1].valid_cookie_life = TERN_SEC(10);
    pair p;
    pair_init(&p, &c[0], &c[1]);
    pair_pkt echo;
    to_cookie_echoed(&p, &echo);   /* made at 0: the period starts, 20 s long */
    for (int k = 1; k <= 9; k++) { /* cookies made every second: no rotation yet */
        p.now = TERN_SEC(1) * (tern_time)k;
        inject_init(&p, 1, 0xD0000000u + (uint32_t)k, NULL, 0);
        take(&p, 1, TERN_CHUNK_INIT_ACK);
    }
    pair_inject(&p, 1, echo.data, echo.len);
    pair_collect(&p);
    assert_int_equal(p.nflight, 1);
    assert_int_equal(pair_first_chunk(&p, 0), TERN_CHUNK_COOKIE_ACK);
    pair_free(&p);
}

/* A cookie made before a rotation and echoed after its life: Stale Cookie
 * (the previous secret still authenticates it; §5.1.5 step 3). */
static void sec5_1_5_cookie_before_rotation_echoed_late_is_stale(void **state)
{
    (void)state;
    pair_rng r[2];
    tern_ep_config c[2];
    cfg_seeded(&c[0], &r[0], 231);
    cfg_seeded(&c[1], &r[1], 232);
    c[1].valid_cookie_life = TERN_SEC(5);
    pair p;
    pair_init(&p, &c[0], &c[1]);
    pair_pkt echo;
    tern_assoc_id id = to_cookie_echoed(&p, &echo);
    p.now = TERN_SEC(1);
    assert_int_equal(tern_ep_rotate_secret(p.ep[1], p.now), 0);
    p.now = TERN_SEC(5) + TERN_MSEC(1500);
    uint64_t bad = pair_stats(&p, 1).drops[TERN_DROP_COOKIE_BAD];
    pair_inject(&p, 1, echo.data, echo.len);
    pair_collect(&p);
    assert_int_equal(p.nflight, 1);
    pair_pkt err = take(&p, 1, TERN_CHUNK_ERROR);
    assert_int_equal(pkt_vtag(err.data, err.len), pair_assoc(&p, 0, id).local_vtag);
    tern_tlv cause = first_cause(&err, TERN_CHUNK_ERROR);
    assert_int_equal(cause.type, TERN_CAUSE_STALE_COOKIE);
    assert_int_equal(tern_load32(cause.value.ptr), 1500000);
    assert_int_equal(pair_stats(&p, 1).drops[TERN_DROP_COOKIE_BAD], bad);
    assert_int_equal(pair_stats(&p, 1).assocs_open, 0);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sec5_2_6_stale_cookie_error_sends_init_with_preservative),
        cmocka_unit_test(sec5_2_6_cookie_preservative_at_most_one_second_over_rtt),
        cmocka_unit_test(sec5_2_6_stale_cookie_max_init_retransmits),
        cmocka_unit_test(sec5_2_6_stale_cookie_cause_not_first),
        cmocka_unit_test(sec5_2_6_stale_cookie_error_discarded_in_other_states),
        cmocka_unit_test(sec5_1_5_cookie_across_manual_rotation),
        cmocka_unit_test(sec5_1_5_cookie_across_scheduled_rotation),
        cmocka_unit_test(sec5_1_5_rotation_never_outruns_a_cookie),
        cmocka_unit_test(sec5_1_5_cookie_before_rotation_echoed_late_is_stale),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
