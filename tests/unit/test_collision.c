/* Duplicate and unexpected setup chunks (RFC 9260 §5.2.1–§5.2.5): INIT
 * collisions, unexpected INIT and INIT ACK, table 2 of §5.2.4 (actions A–D,
 * restart), stale cookies with a TCB, duplicate COOKIE ACK. The Stale Cookie
 * error (§5.2.6) and secret rotation are in test_cookie_life.c. */
#include "tests/unit/collision_testutil.h"

/* ---- §5.2.1 ------------------------------------------------------------------ */

/* §5.2.1: both sides connect at once and each INIT reaches a side in
 * COOKIE-WAIT: the INIT ACK repeats the original INIT (tag, TSN, window,
 * streams) with no tie-tags, nothing else changes, and table 2 (action D)
 * resolves the two handshakes into one association per side. */
static void sec5_2_1_init_in_cookie_wait(void **state)
{
    (void)state;
    pair_rng r[2];
    tern_ep_config c[2];
    cfg_seeded(&c[0], &r[0], 11);
    cfg_seeded(&c[1], &r[1], 12);
    pair p;
    pair_init(&p, &c[0], &c[1]);
    tern_assoc_id id[2];
    for (int s = 0; s < 2; s++)
        id[s] = pair_connect(&p, s);
    pair_pkt init[2];
    tern_time t1[2];
    for (int s = 0; s < 2; s++) {
        init[s] = take(&p, s, TERN_CHUNK_INIT);
        t1[s] = tern_ep_next_deadline(p.ep[s]);
        assert_int_not_equal(t1[s], TERN_TIME_NEVER);
    }
    p.now += TERN_MSEC(300);
    for (int s = 0; s < 2; s++)
        pair_inject(&p, 1 - s, init[s].data, init[s].len);
    pair_collect(&p);
    assert_int_equal(p.nflight, 2);
    for (int s = 0; s < 2; s++) {
        tern_assoc_info a = pair_assoc(&p, s, id[s]);
        assert_int_equal(a.state, TERN_STATE_COOKIE_WAIT);
        assert_int_equal(a.peer_vtag, 0);
        assert_int_equal(tern_ep_next_deadline(p.ep[s]), t1[s]); /* T1-init left running */
        assert_int_equal(count_from(&p, s), 1);
        pair_pkt ack = take(&p, s, TERN_CHUNK_INIT_ACK);
        tern_bytes cookie;
        tern_init sent = read_init(&init[s], TERN_CHUNK_INIT, NULL);
        tern_init got = read_init(&ack, TERN_CHUNK_INIT_ACK, &cookie);
        tern_init theirs = read_init(&init[1 - s], TERN_CHUNK_INIT, NULL);
        assert_int_equal(pkt_vtag(ack.data, ack.len), theirs.initiate_tag);
        assert_int_equal(got.initiate_tag, a.local_vtag);
        assert_int_equal(got.initiate_tag, sent.initiate_tag);
        assert_int_equal(got.initial_tsn, sent.initial_tsn);
        assert_int_equal(got.initial_tsn, a.local_initial_tsn);
        assert_int_equal(got.a_rwnd, sent.a_rwnd);
        assert_int_equal(got.num_outbound_streams, sent.num_outbound_streams);
        assert_int_equal(got.num_inbound_streams, sent.num_inbound_streams);
        assert_int_equal(cookie_word(cookie, 0), a.local_vtag);
        assert_int_equal(cookie_word(cookie, 1), theirs.initiate_tag);
        assert_int_equal(cookie_word(cookie, 2), 0); /* §5.2.2: no tie-tags in COOKIE-WAIT */
        assert_int_equal(cookie_word(cookie, 3), 0);
        p.flight[p.nflight++] = ack; /* back in flight */
    }
    pair_run(&p, p.now + TERN_SEC(120), 100);
    for (int s = 0; s < 2; s++) {
        evs e = drain(&p, s);
        assert_int_equal(e.n[TERN_EV_COMM_UP], 1);
        assert_int_equal(e.last[TERN_EV_COMM_UP].assoc, id[s]);
        assert_int_equal(e.total, 1);
        tern_ep_stats st = pair_stats(&p, s);
        assert_int_equal(st.assocs_open, 1);
        assert_int_equal(st.assocs_created, 1);
        tern_assoc_info mine = pair_assoc(&p, s, id[s]), theirs = pair_assoc(&p, 1 - s, id[1 - s]);
        assert_int_equal(mine.state, TERN_STATE_ESTABLISHED);
        assert_int_equal(mine.peer_vtag, theirs.local_vtag);
        assert_int_equal(mine.peer_initial_tsn, theirs.local_initial_tsn);
        assert_int_equal(tern_ep_next_deadline(p.ep[s]), TERN_TIME_NEVER); /* T1 stopped */
    }
    pair_free(&p);
}

/* §5.2.1 and table 2: both connect at once and the packets arrive in every
 * order a seeded shuffle picks; each side still ends with exactly one
 * association, one COMM_UP and tags that agree. */
static void sec5_2_1_collision_in_any_order(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 200; seed++) {
        pair_rng r[2], order = {seed * 0x5851f42d4c957f2dull};
        tern_ep_config c[2];
        cfg_seeded(&c[0], &r[0], 1000 + seed);
        cfg_seeded(&c[1], &r[1], 2000 + seed);
        pair p;
        pair_init(&p, &c[0], &c[1]);
        tern_assoc_id id[2];
        for (int s = 0; s < 2; s++)
            id[s] = pair_connect(&p, s);
        pair_collect(&p);
        for (int guard = 0; p.nflight; guard++) {
            assert_true(guard < 100);
            pair_deliver(&p, (size_t)(pair_rng_next(&order) % p.nflight));
            pair_collect(&p);
        }
        pair_run(&p, p.now + TERN_SEC(300), 200);
        for (int s = 0; s < 2; s++) {
            evs e = drain(&p, s);
            assert_int_equal(e.n[TERN_EV_COMM_UP], 1);
            assert_int_equal(e.total, 1);
            tern_ep_stats st = pair_stats(&p, s);
            assert_int_equal(st.assocs_open, 1);
            assert_int_equal(st.assocs_created, 1);
            tern_assoc_info mine = pair_assoc(&p, s, id[s]),
                            theirs = pair_assoc(&p, 1 - s, id[1 - s]);
            assert_int_equal(mine.state, TERN_STATE_ESTABLISHED);
            assert_int_equal(mine.peer_vtag, theirs.local_vtag);
        }
        pair_free(&p);
    }
}

/* §5.2.1, §5.2.4, §5.1 A/C: the same with packets lost and duplicated at
 * random for a while (then none): T1 retransmissions and duplicates still
 * end in exactly one association per side, one COMM_UP, tags that agree. */
static void sec5_2_1_collision_with_loss_and_duplicates(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 300; seed++) {
        pair_rng r[2], net = {seed * 0x2545f4914f6cdd1dull};
        tern_ep_config c[2];
        cfg_seeded(&c[0], &r[0], 3000 + seed);
        cfg_seeded(&c[1], &r[1], 4000 + seed);
        pair p;
        pair_init(&p, &c[0], &c[1]);
        tern_assoc_id id[2];
        for (int s = 0; s < 2; s++)
            id[s] = pair_connect(&p, s);
        for (int step = 0; step < 60 && pair_shake(&p, &net, 2, TERN_SEC(100)); step++) {
        }
        pair_run(&p, p.now + TERN_SEC(300), 200);
        for (int s = 0; s < 2; s++) {
            evs e = drain(&p, s);
            assert_int_equal(e.n[TERN_EV_COMM_UP], 1);
            assert_int_equal(e.total, 1);
            tern_ep_stats st = pair_stats(&p, s);
            assert_int_equal(st.assocs_open, 1);
            assert_int_equal(st.assocs_created, 1);
            tern_assoc_info mine = pair_assoc(&p, s, id[s]),
                            theirs = pair_assoc(&p, 1 - s, id[1 - s]);
            assert_int_equal(mine.state, TERN_STATE_ESTABLISHED);
            assert_int_equal(mine.peer_vtag, theirs.local_vtag);
            assert_int_equal(tern_ep_next_deadline(p.ep[s]), TERN_TIME_NEVER);
        }
        pair_free(&p);
    }
}

/* §5.2.1: an INIT in COOKIE-ECHOED gets an INIT ACK with the original
 * INIT's Initiate Tag and initial TSN, to the INIT's tag, and with
 * tie-tags populated in the cookie (and kept in the TCB: a second INIT
 * gets the same ones). The state, the tags and T1-cookie are untouched. */
static void sec5_2_1_init_in_cookie_echoed(void **state)
{
    (void)state;
    pair_rng r[2];
    tern_ep_config c[2];
    cfg_seeded(&c[0], &r[0], 21);
    cfg_seeded(&c[1], &r[1], 22);
    pair p;
    pair_init(&p, &c[0], &c[1]);
    tern_assoc_id id = pair_connect(&p, 0);
    pair_pkt init = take(&p, 0, TERN_CHUNK_INIT);
    pair_inject(&p, 1, init.data, init.len);
    deliver(&p, 1, TERN_CHUNK_INIT_ACK);
    take(&p, 0, TERN_CHUNK_COOKIE_ECHO); /* lost: T1-cookie resends it */
    tern_init sent = read_init(&init, TERN_CHUNK_INIT, NULL);
    tern_assoc_info before = pair_assoc(&p, 0, id);
    assert_int_equal(before.state, TERN_STATE_COOKIE_ECHOED);
    tern_time t1 = tern_ep_next_deadline(p.ep[0]); /* T1-cookie, the only timer */
    assert_true(t1 > p.now && t1 != TERN_TIME_NEVER);

    p.now += TERN_MSEC(200);
    uint32_t tie[2] = {0, 0};
    for (int round = 0; round < 2; round++) {
        uint32_t tag = 0x5EED0001u + (uint32_t)round;
        inject_init(&p, 0, tag, NULL, 0);
        pair_collect(&p);
        assert_int_equal(p.nflight, 1); /* the INIT ACK, and no COOKIE ECHO */
        pair_pkt ack = take(&p, 0, TERN_CHUNK_INIT_ACK);
        tern_bytes cookie;
        tern_init got = read_init(&ack, TERN_CHUNK_INIT_ACK, &cookie);
        assert_int_equal(pkt_vtag(ack.data, ack.len), tag);
        assert_int_equal(got.initiate_tag, sent.initiate_tag);
        assert_int_equal(got.initiate_tag, before.local_vtag);
        assert_int_equal(got.initial_tsn, sent.initial_tsn);
        assert_int_equal(got.a_rwnd, sent.a_rwnd);
        assert_int_equal(cookie_word(cookie, 0), before.local_vtag);
        assert_int_equal(cookie_word(cookie, 1), tag);
        assert_int_not_equal(cookie_word(cookie, 2), 0);
        assert_int_not_equal(cookie_word(cookie, 3), 0);
        if (round == 0) {
            tie[0] = cookie_word(cookie, 2);
            tie[1] = cookie_word(cookie, 3);
        } else { /* the TCB holds them */
            assert_int_equal(cookie_word(cookie, 2), tie[0]);
            assert_int_equal(cookie_word(cookie, 3), tie[1]);
        }
        tern_assoc_info now = pair_assoc(&p, 0, id);
        assert_int_equal(now.state, TERN_STATE_COOKIE_ECHOED);
        assert_int_equal(now.local_vtag, before.local_vtag);
        assert_int_equal(now.peer_vtag, before.peer_vtag);
        assert_int_equal(now.local_initial_tsn, before.local_initial_tsn);
        assert_int_equal(tern_ep_next_deadline(p.ep[0]), t1);
    }
    assert_int_equal(drain(&p, 0).total, 0);
    /* T1-cookie still fires when it was due, and the handshake completes. */
    assert_true(pair_step_time(&p, TERN_SEC(10)));
    assert_int_equal(p.now, t1);
    pair_collect(&p);
    assert_int_equal(pair_first_chunk(&p, 0), TERN_CHUNK_COOKIE_ECHO);
    pair_flush(&p, 10);
    assert_int_equal(drain(&p, 0).n[TERN_EV_COMM_UP], 1);
    assert_int_equal(drain(&p, 1).n[TERN_EV_COMM_UP], 1);
    pair_free(&p);
}

/* §5.2.1: an INIT in COOKIE-ECHOED that adds an address is refused with an
 * ABORT (to the INIT's tag) carrying "Restart of an Association with New
 * Addresses" listing only the new address; the association is untouched. */
static void sec5_2_1_init_in_cookie_echoed_with_new_address(void **state)
{
    (void)state;
    pair_rng r[2];
    tern_ep_config c[2];
    cfg_seeded(&c[0], &r[0], 31);
    cfg_seeded(&c[1], &r[1], 32);
    c[1].num_local_addrs = 2; /* the INIT ACK gives 0 a second path */
    c[1].local_addrs[0] = pair_v4(192, 0, 2, 2);
    c[1].local_addrs[1] = pair_v4(192, 0, 2, 20);
    pair p;
    pair_init(&p, &c[0], &c[1]);
    pair_pkt echo;
    tern_assoc_id id = to_cookie_echoed(&p, &echo);
    tern_assoc_info before = pair_assoc(&p, 0, id);
    assert_int_equal(before.num_paths, 2);
    tern_time t1 = tern_ep_next_deadline(p.ep[0]);
    const tern_addr addrs[3] = {p.path[0].remote, pair_v4(192, 0, 2, 20), pair_v4(198, 51, 100, 7)};
    inject_init(&p, 0, 0xAB0DE001u, addrs, 3); /* known, known, new */
    pair_collect(&p);
    assert_int_equal(p.nflight, 1);
    pair_pkt abort = take(&p, 0, TERN_CHUNK_ABORT);
    assert_int_equal(pkt_count(abort.data, abort.len, TERN_CHUNK_INIT_ACK), 0);
    assert_int_equal(pkt_vtag(abort.data, abort.len), 0xAB0DE001u);
    assert_int_equal(abort.data[13] & TERN_CHUNK_FLAG_T, 0);
    tern_tlv cause = first_cause(&abort, TERN_CHUNK_ABORT);
    assert_int_equal(cause.type, TERN_CAUSE_RESTART_NEW_ADDRS);
    tern_addr listed[4];
    assert_int_equal(cause_addrs(cause, listed, 4), 1);
    assert_memory_equal(listed[0].ip, addrs[2].ip, 4);
    tern_assoc_info now = pair_assoc(&p, 0, id);
    assert_int_equal(now.state, TERN_STATE_COOKIE_ECHOED);
    assert_int_equal(now.local_vtag, before.local_vtag);
    assert_int_equal(now.peer_vtag, before.peer_vtag);
    assert_int_equal(now.num_paths, before.num_paths);
    assert_int_equal(tern_ep_next_deadline(p.ep[0]), t1);
    assert_int_equal(drain(&p, 0).total, 0);
    /* The handshake goes on. */
    pair_inject(&p, 1, echo.data, echo.len);
    pair_flush(&p, 10);
    assert_int_equal(pair_assoc(&p, 0, id).state, TERN_STATE_ESTABLISHED);
    pair_free(&p);
}

/* ---- §5.2.2 ------------------------------------------------------------------ */

/* §5.2.2: an unexpected INIT in ESTABLISHED gets an INIT ACK with a new
 * random Initiate Tag, sent with the INIT's Initiate Tag, tie-tags in the
 * cookie; the TCB (state, tags, TSNs) does not change and the association
 * still works. */
static void sec5_2_2_unexpected_init_in_established(void **state)
{
    (void)state;
    pair_rng r[2];
    tern_ep_config c[2];
    cfg_seeded(&c[0], &r[0], 41);
    cfg_seeded(&c[1], &r[1], 42);
    pair p;
    pair_init(&p, &c[0], &c[1]);
    tern_assoc_id id[2];
    pair_establish(&p, id);
    tern_assoc_info before = pair_assoc(&p, 1, id[1]);
    uint32_t first_new_tag = 0, tie[2] = {0, 0};
    for (int round = 0; round < 2; round++) {
        uint32_t tag = 0x1217A001u + (uint32_t)round;
        inject_init(&p, 1, tag, NULL, 0);
        pair_collect(&p);
        assert_int_equal(p.nflight, 1);
        pair_pkt ack = take(&p, 1, TERN_CHUNK_INIT_ACK);
        tern_bytes cookie;
        tern_init got = read_init(&ack, TERN_CHUNK_INIT_ACK, &cookie);
        assert_int_equal(pkt_vtag(ack.data, ack.len), tag);
        assert_int_not_equal(got.initiate_tag, 0);
        assert_int_not_equal(got.initiate_tag, before.local_vtag);
        assert_int_not_equal(got.initiate_tag, first_new_tag);
        assert_int_equal(cookie_word(cookie, 0), got.initiate_tag);
        assert_int_equal(cookie_word(cookie, 1), tag);
        assert_int_not_equal(cookie_word(cookie, 2), 0);
        assert_int_not_equal(cookie_word(cookie, 3), 0);
        if (round == 0) {
            first_new_tag = got.initiate_tag;
            tie[0] = cookie_word(cookie, 2);
            tie[1] = cookie_word(cookie, 3);
        } else {
            assert_int_equal(cookie_word(cookie, 2), tie[0]);
            assert_int_equal(cookie_word(cookie, 3), tie[1]);
        }
        tern_assoc_info now = pair_assoc(&p, 1, id[1]);
        assert_int_equal(now.state, TERN_STATE_ESTABLISHED);
        assert_int_equal(now.local_vtag, before.local_vtag);
        assert_int_equal(now.peer_vtag, before.peer_vtag);
        assert_int_equal(now.local_initial_tsn, before.local_initial_tsn);
        assert_int_equal(now.peer_initial_tsn, before.peer_initial_tsn);
    }
    assert_int_equal(drain(&p, 1).total, 0);
    /* The old tags still carry a graceful close. */
    assert_int_equal(tern_ep_shutdown(p.ep[0], id[0], p.now), 0);
    pair_flush(&p, 10);
    assert_int_equal(drain(&p, 0).n[TERN_EV_SHUTDOWN_COMPLETE], 1);
    assert_int_equal(drain(&p, 1).n[TERN_EV_SHUTDOWN_COMPLETE], 1);
    assert_int_equal(pair_stats(&p, 1).assocs_open, 0);
    pair_free(&p);
}

/* §5.2.2: an INIT in ESTABLISHED that adds addresses: ABORT with the INIT's
 * Initiate Tag and cause 11 listing them; the association is untouched. */
static void sec5_2_2_unexpected_init_with_new_address(void **state)
{
    (void)state;
    pair_rng r[2];
    tern_ep_config c[2];
    cfg_seeded(&c[0], &r[0], 51);
    cfg_seeded(&c[1], &r[1], 52);
    c[0].num_local_addrs = 2; /* 1's association has two paths */
    c[0].local_addrs[0] = pair_v4(192, 0, 2, 1);
    c[0].local_addrs[1] = pair_v4(192, 0, 2, 10);
    pair p;
    pair_init(&p, &c[0], &c[1]);
    tern_assoc_id id[2];
    pair_establish(&p, id);
    tern_assoc_info before = pair_assoc(&p, 1, id[1]);
    assert_int_equal(before.num_paths, 2);
    const tern_addr addrs[3] = {pair_v4(203, 0, 113, 9), pair_v4(192, 0, 2, 10),
                                pair_v4(203, 0, 113, 10)};
    inject_init(&p, 1, 0xAB0DE002u, addrs, 3); /* new, known, new */
    pair_collect(&p);
    assert_int_equal(p.nflight, 1);
    pair_pkt abort = take(&p, 1, TERN_CHUNK_ABORT);
    assert_int_equal(pkt_vtag(abort.data, abort.len), 0xAB0DE002u);
    assert_int_equal(abort.data[13] & TERN_CHUNK_FLAG_T, 0);
    tern_tlv cause = first_cause(&abort, TERN_CHUNK_ABORT);
    assert_int_equal(cause.type, TERN_CAUSE_RESTART_NEW_ADDRS);
    tern_addr listed[4];
    assert_int_equal(cause_addrs(cause, listed, 4), 2);
    assert_memory_equal(listed[0].ip, addrs[0].ip, 4);
    assert_memory_equal(listed[1].ip, addrs[2].ip, 4);
    tern_assoc_info now = pair_assoc(&p, 1, id[1]);
    assert_int_equal(now.state, TERN_STATE_ESTABLISHED);
    assert_int_equal(now.local_vtag, before.local_vtag);
    assert_int_equal(now.peer_vtag, before.peer_vtag);
    assert_int_equal(now.num_paths, before.num_paths);
    assert_int_equal(drain(&p, 1).total, 0);
    pair_free(&p);
}

/* §5.2.2 (its exception) and §9.2: an INIT in SHUTDOWN-ACK-SENT is
 * discarded and the SHUTDOWN ACK is sent again. */
static void sec5_2_2_init_in_shutdown_ack_sent(void **state)
{
    (void)state;
    pair_rng r[2];
    tern_ep_config c[2];
    cfg_seeded(&c[0], &r[0], 61);
    cfg_seeded(&c[1], &r[1], 62);
    pair p;
    pair_init(&p, &c[0], &c[1]);
    tern_assoc_id id[2];
    pair_establish(&p, id);
    assert_int_equal(tern_ep_shutdown(p.ep[0], id[0], p.now), 0);
    deliver(&p, 0, TERN_CHUNK_SHUTDOWN);
    take(&p, 1, TERN_CHUNK_SHUTDOWN_ACK); /* lost */
    assert_int_equal(pair_assoc(&p, 1, id[1]).state, TERN_STATE_SHUTDOWN_ACK_SENT);
    uint64_t drops = pair_stats(&p, 1).drops[TERN_DROP_STATE];
    inject_init(&p, 1, 0x1217A0FFu, NULL, 0);
    pair_collect(&p);
    assert_int_equal(p.nflight, 1);
    assert_int_equal(pair_first_chunk(&p, 0), TERN_CHUNK_SHUTDOWN_ACK);
    assert_int_equal(pkt_count(p.flight[0].data, p.flight[0].len, TERN_CHUNK_INIT_ACK), 0);
    assert_int_equal(pair_stats(&p, 1).drops[TERN_DROP_STATE], drops + 1);
    pair_flush(&p, 10);
    assert_int_equal(drain(&p, 0).n[TERN_EV_SHUTDOWN_COMPLETE], 1);
    assert_int_equal(drain(&p, 1).n[TERN_EV_SHUTDOWN_COMPLETE], 1);
    pair_free(&p);
}

/* ---- §5.2.3 ------------------------------------------------------------------ */

/* §5.2.3: an INIT ACK in ESTABLISHED or COOKIE-ECHOED is discarded:
 * counted as TERN_DROP_STATE, nothing sent, nothing changed. */
static void sec5_2_3_init_ack_discarded(void **state)
{
    (void)state;
    for (int established = 0; established <= 1; established++) {
        pair_rng r[2];
        tern_ep_config c[2];
        cfg_seeded(&c[0], &r[0], 71);
        cfg_seeded(&c[1], &r[1], 72);
        pair p;
        pair_init(&p, &c[0], &c[1]);
        tern_assoc_id id[2];
        pair_pkt echo;
        if (established)
            pair_establish(&p, id);
        else
            id[0] = to_cookie_echoed(&p, &echo);
        tern_assoc_info before = pair_assoc(&p, 0, id[0]);
        tern_time deadline = tern_ep_next_deadline(p.ep[0]);
        uint64_t drops = pair_stats(&p, 0).drops[TERN_DROP_STATE];
        inject_init_ack(&p, 0, before.local_vtag, 0x0DDBA11u);
        pair_collect(&p);
        assert_int_equal(p.nflight, 0);
        assert_int_equal(pair_stats(&p, 0).drops[TERN_DROP_STATE], drops + 1);
        tern_assoc_info now = pair_assoc(&p, 0, id[0]);
        assert_int_equal(now.stats.drops[TERN_DROP_STATE], before.stats.drops[TERN_DROP_STATE] + 1);
        assert_int_equal(now.state, before.state);
        assert_int_equal(now.peer_vtag, before.peer_vtag);
        assert_int_equal(now.peer_initial_tsn, before.peer_initial_tsn);
        assert_int_equal(tern_ep_next_deadline(p.ep[0]), deadline);
        assert_int_equal(drain(&p, 0).total, 0);
        pair_free(&p);
    }
}

/* ---- §5.2.4 ------------------------------------------------------------------ */

/* §5.2.4 action A, §5.2.4.1: endpoint 0 loses everything (a fresh endpoint
 * on the same address and port) and connects again. Endpoint 1 answers the
 * INIT with tie-tags; the COOKIE ECHO matches them with both tags new, so
 * endpoint 1 reports RESTART (not COMM_LOST), keeps its association id,
 * takes a new local tag and the new peer's parameters, and the restarted
 * association closes gracefully. */
static void sec5_2_4_action_a_peer_restart(void **state)
{
    (void)state;
    pair_rng r[3];
    tern_ep_config c[3];
    cfg_seeded(&c[0], &r[0], 81);
    cfg_seeded(&c[1], &r[1], 82);
    pair p;
    pair_init(&p, &c[0], &c[1]);
    tern_assoc_id id[2];
    pair_establish(&p, id);
    tern_assoc_info before = pair_assoc(&p, 1, id[1]);
    assert_int_equal(p.nflight, 0);

    tern_ep_free(p.ep[0]); /* endpoint 0 crashes and restarts */
    cfg_seeded(&c[2], &r[2], 83);
    c[2].port = pair_port(0);
    c[2].max_inbound_streams = 3;
    assert_int_equal(tern_ep_new(&c[2], &p.ep[0]), 0);
    id[0] = pair_connect(&p, 0);
    pair_handshake(&p);
    pair_collect(&p);
    assert_int_equal(p.nflight, 0);

    evs e1 = drain(&p, 1);
    assert_int_equal(e1.n[TERN_EV_RESTART], 1);
    assert_int_equal(e1.total, 1); /* no COMM_LOST, no COMM_UP */
    assert_int_equal(e1.last[TERN_EV_RESTART].assoc, id[1]);
    assert_int_equal(e1.last[TERN_EV_RESTART].outbound_streams, 3); /* the new INIT's MIS */
    assert_int_equal(drain(&p, 0).n[TERN_EV_COMM_UP], 1);
    tern_assoc_info now = pair_assoc(&p, 1, id[1]), peer = pair_assoc(&p, 0, id[0]);
    assert_int_equal(now.id, before.id);
    assert_int_equal(now.state, TERN_STATE_ESTABLISHED);
    assert_int_not_equal(now.local_vtag, before.local_vtag);
    assert_int_not_equal(now.peer_vtag, before.peer_vtag);
    assert_int_equal(now.peer_vtag, peer.local_vtag);
    assert_int_equal(peer.peer_vtag, now.local_vtag);
    assert_int_equal(now.peer_initial_tsn, peer.local_initial_tsn);
    assert_int_equal(now.outbound_streams, 3);
    tern_ep_stats s1 = pair_stats(&p, 1);
    assert_int_equal(s1.assocs_open, 1);
    assert_int_equal(s1.assocs_created, 1);

    assert_int_equal(tern_ep_shutdown(p.ep[1], id[1], p.now), 0);
    pair_flush(&p, 10);
    assert_int_equal(drain(&p, 1).n[TERN_EV_SHUTDOWN_COMPLETE], 1);
    assert_int_equal(drain(&p, 0).n[TERN_EV_SHUTDOWN_COMPLETE], 1);
    assert_int_equal(pair_stats(&p, 1).assocs_open, 0);
    assert_int_equal(pair_stats(&p, 0).assocs_open, 0);
    pair_free(&p);
}

/* §5.2.4 actions A then D: the COOKIE ACK of a restart is lost; the
 * restarted peer's second COOKIE ECHO now matches both tags: COOKIE ACK
 * again, and no second RESTART. */
static void sec5_2_4_action_a_then_d_when_cookie_ack_lost(void **state)
{
    (void)state;
    pair_rng r[3];
    tern_ep_config c[3];
    cfg_seeded(&c[0], &r[0], 84);
    cfg_seeded(&c[1], &r[1], 85);
    pair p;
    pair_init(&p, &c[0], &c[1]);
    tern_assoc_id id[2];
    pair_establish(&p, id);
    tern_ep_free(p.ep[0]);
    cfg_seeded(&c[2], &r[2], 86);
    c[2].port = pair_port(0);
    assert_int_equal(tern_ep_new(&c[2], &p.ep[0]), 0);
    id[0] = pair_connect(&p, 0);
    deliver(&p, 0, TERN_CHUNK_INIT);
    deliver(&p, 1, TERN_CHUNK_INIT_ACK);
    deliver(&p, 0, TERN_CHUNK_COOKIE_ECHO);
    take(&p, 1, TERN_CHUNK_COOKIE_ACK); /* lost */
    assert_int_equal(drain(&p, 1).n[TERN_EV_RESTART], 1);
    tern_assoc_info after = pair_assoc(&p, 1, id[1]);

    assert_true(pair_step_time(&p, TERN_SEC(10))); /* T1-cookie */
    deliver(&p, 0, TERN_CHUNK_COOKIE_ECHO);
    pair_collect(&p);
    assert_int_equal(p.nflight, 1);
    assert_int_equal(pair_first_chunk(&p, 0), TERN_CHUNK_COOKIE_ACK);
    pair_deliver(&p, 0);
    assert_int_equal(drain(&p, 1).total, 0);
    tern_assoc_info now = pair_assoc(&p, 1, id[1]);
    assert_int_equal(now.local_vtag, after.local_vtag);
    assert_int_equal(now.peer_vtag, after.peer_vtag);
    assert_int_equal(now.state, TERN_STATE_ESTABLISHED);
    evs e0 = drain(&p, 0);
    assert_int_equal(e0.n[TERN_EV_COMM_UP], 1);
    assert_int_equal(e0.total, 1);
    assert_int_equal(pair_stats(&p, 1).assocs_created, 1);
    pair_free(&p);
}

/* §5.2.4 action A in SHUTDOWN-ACK-SENT: no restart; the SHUTDOWN ACK is
 * sent again with an ERROR "Cookie Received While Shutting Down". */
static void sec5_2_4_action_a_in_shutdown_ack_sent(void **state)
{
    (void)state;
    pair_rng r[2];
    tern_ep_config c[2];
    cfg_seeded(&c[0], &r[0], 91);
    cfg_seeded(&c[1], &r[1], 92);
    pair p;
    pair_init(&p, &c[0], &c[1]);
    tern_assoc_id id[2];
    pair_establish(&p, id);
    tern_assoc_info before = pair_assoc(&p, 1, id[1]);
    /* A restarted peer's INIT, answered while still ESTABLISHED (tie-tags). */
    inject_init(&p, 1, 0x4E5747A1u, NULL, 0);
    pair_pkt ack = take(&p, 1, TERN_CHUNK_INIT_ACK);
    tern_bytes cookie;
    tern_init got = read_init(&ack, TERN_CHUNK_INIT_ACK, &cookie);
    /* Then endpoint 1 reaches SHUTDOWN-ACK-SENT; its SHUTDOWN ACK is lost. */
    assert_int_equal(tern_ep_shutdown(p.ep[0], id[0], p.now), 0);
    deliver(&p, 0, TERN_CHUNK_SHUTDOWN);
    take(&p, 1, TERN_CHUNK_SHUTDOWN_ACK);
    assert_int_equal(pair_assoc(&p, 1, id[1]).state, TERN_STATE_SHUTDOWN_ACK_SENT);
    assert_int_equal(drain(&p, 1).n[TERN_EV_SHUTDOWN_RECEIVED], 1);

    inject_cookie_echo(&p, 1, got.initiate_tag, cookie);
    pair_collect(&p);
    assert_int_equal(pair_count_in_flight(&p, 1, TERN_CHUNK_COOKIE_ACK), 0);
    assert_int_equal(pair_count_in_flight(&p, 1, TERN_CHUNK_SHUTDOWN_ACK), 1);
    assert_int_equal(pair_count_in_flight(&p, 1, TERN_CHUNK_ERROR), 1);
    pair_pkt err = take(&p, 1, TERN_CHUNK_ERROR);
    assert_int_equal(pkt_vtag(err.data, err.len), before.peer_vtag);
    assert_int_equal(first_cause(&err, TERN_CHUNK_ERROR).type, TERN_CAUSE_COOKIE_WHILE_SHUTDOWN);
    long i = pair_find_in_flight(&p, 1, TERN_CHUNK_SHUTDOWN_ACK);
    assert_int_equal(pkt_vtag(p.flight[i].data, p.flight[i].len), before.peer_vtag);
    assert_int_equal(drain(&p, 1).total, 0); /* no RESTART */
    tern_assoc_info now = pair_assoc(&p, 1, id[1]);
    assert_int_equal(now.state, TERN_STATE_SHUTDOWN_ACK_SENT);
    assert_int_equal(now.local_vtag, before.local_vtag);
    assert_int_equal(now.peer_vtag, before.peer_vtag);
    /* The old association finishes its shutdown. */
    pair_flush(&p, 10);
    assert_int_equal(drain(&p, 0).n[TERN_EV_SHUTDOWN_COMPLETE], 1);
    assert_int_equal(drain(&p, 1).n[TERN_EV_SHUTDOWN_COMPLETE], 1);
    pair_free(&p);
}

/* §5.2.4 action B (M X A A): crossed INITs where the peer answered our
 * INIT with a new tag, then echoes the cookie we gave its own INIT: the
 * peer's tag is taken from the cookie, T1 stops, COOKIE ACK goes out with
 * that tag, COMM_UP once. */
static void sec5_2_4_action_b_peer_picked_new_tag(void **state)
{
    (void)state;
    pair_rng r[2];
    tern_ep_config c[2];
    cfg_seeded(&c[0], &r[0], 101);
    cfg_seeded(&c[1], &r[1], 102);
    pair p;
    pair_init(&p, &c[0], &c[1]);
    tern_assoc_id id = pair_connect(&p, 0);
    take(&p, 0, TERN_CHUNK_INIT); /* the hand-played peer reads it */
    uint32_t t0 = pair_assoc(&p, 0, id).local_vtag;
    inject_init(&p, 0, 0xB0000001u, NULL, 0); /* the peer's own INIT */
    pair_pkt ack = take(&p, 0, TERN_CHUNK_INIT_ACK);
    tern_bytes cookie;
    read_init(&ack, TERN_CHUNK_INIT_ACK, &cookie);
    inject_init_ack(&p, 0, t0, 0xB0000002u); /* the peer's answer, with a new tag */
    take(&p, 0, TERN_CHUNK_COOKIE_ECHO);
    tern_assoc_info mid = pair_assoc(&p, 0, id);
    assert_int_equal(mid.state, TERN_STATE_COOKIE_ECHOED);
    assert_int_equal(mid.peer_vtag, 0xB0000002u);
    assert_int_not_equal(tern_ep_next_deadline(p.ep[0]), TERN_TIME_NEVER);

    inject_cookie_echo(&p, 0, t0, cookie);
    pair_collect(&p);
    assert_int_equal(p.nflight, 1);
    assert_int_equal(pair_first_chunk(&p, 0), TERN_CHUNK_COOKIE_ACK);
    assert_int_equal(pkt_vtag(p.flight[0].data, p.flight[0].len), 0xB0000001u);
    tern_assoc_info now = pair_assoc(&p, 0, id);
    assert_int_equal(now.state, TERN_STATE_ESTABLISHED);
    assert_int_equal(now.local_vtag, t0);
    assert_int_equal(now.peer_vtag, 0xB0000001u);
    assert_int_equal(tern_ep_next_deadline(p.ep[0]), TERN_TIME_NEVER); /* T1 stopped */
    evs e = drain(&p, 0);
    assert_int_equal(e.n[TERN_EV_COMM_UP], 1);
    assert_int_equal(e.total, 1);
    assert_int_equal(pair_stats(&p, 0).assocs_open, 1);
    pair_free(&p);
}

/* §5.2.4 action B (M 0 A A): in COOKIE-WAIT, the peer's tag still unknown,
 * the peer echoes the cookie we gave its INIT: ESTABLISHED at once with
 * the cookie's peer tag, no more INITs; the late INIT ACK is discarded. */
static void sec5_2_4_action_b_in_cookie_wait(void **state)
{
    (void)state;
    pair_rng r[2];
    tern_ep_config c[2];
    cfg_seeded(&c[0], &r[0], 111);
    cfg_seeded(&c[1], &r[1], 112);
    pair p;
    pair_init(&p, &c[0], &c[1]);
    tern_assoc_id id = pair_connect(&p, 0);
    take(&p, 0, TERN_CHUNK_INIT);
    uint32_t t0 = pair_assoc(&p, 0, id).local_vtag;
    inject_init(&p, 0, 0xB1000001u, NULL, 0);
    pair_pkt ack = take(&p, 0, TERN_CHUNK_INIT_ACK);
    tern_bytes cookie;
    read_init(&ack, TERN_CHUNK_INIT_ACK, &cookie);
    assert_int_equal(pair_assoc(&p, 0, id).peer_vtag, 0);

    inject_cookie_echo(&p, 0, t0, cookie);
    pair_collect(&p);
    assert_int_equal(p.nflight, 1);
    assert_int_equal(pair_first_chunk(&p, 0), TERN_CHUNK_COOKIE_ACK);
    assert_int_equal(pkt_vtag(p.flight[0].data, p.flight[0].len), 0xB1000001u);
    p.nflight = 0;
    tern_assoc_info now = pair_assoc(&p, 0, id);
    assert_int_equal(now.state, TERN_STATE_ESTABLISHED);
    assert_int_equal(now.peer_vtag, 0xB1000001u);
    assert_int_equal(tern_ep_next_deadline(p.ep[0]), TERN_TIME_NEVER); /* T1-init stopped */
    assert_int_equal(drain(&p, 0).n[TERN_EV_COMM_UP], 1);
    uint64_t drops = pair_stats(&p, 0).drops[TERN_DROP_STATE];
    inject_init_ack(&p, 0, t0, 0xB1000002u); /* §5.2.3 */
    pair_collect(&p);
    assert_int_equal(p.nflight, 0);
    assert_int_equal(pair_stats(&p, 0).drops[TERN_DROP_STATE], drops + 1);
    assert_int_equal(pair_assoc(&p, 0, id).peer_vtag, 0xB1000001u);
    assert_int_equal(drain(&p, 0).total, 0);
    pair_free(&p);
}

/* §5.2.4 action C (X M 0 0): a cookie from an earlier stateless INIT ACK
 * arrives after we started our own handshake: discarded silently, the
 * state and T1 untouched. */
static void sec5_2_4_action_c_late_cookie(void **state)
{
    (void)state;
    pair_rng r[2];
    tern_ep_config c[2];
    cfg_seeded(&c[0], &r[0], 121);
    cfg_seeded(&c[1], &r[1], 122);
    pair p;
    pair_init(&p, &c[0], &c[1]);
    const uint32_t peer_tag = 0xC0000001u;
    inject_init(&p, 0, peer_tag, NULL, 0); /* no TCB yet: a stateless answer */
    pair_pkt old_ack = take(&p, 0, TERN_CHUNK_INIT_ACK);
    tern_bytes old_cookie;
    tern_init old = read_init(&old_ack, TERN_CHUNK_INIT_ACK, &old_cookie);
    assert_int_equal(cookie_word(old_cookie, 2), 0);

    tern_assoc_id id = pair_connect(&p, 0);
    take(&p, 0, TERN_CHUNK_INIT);
    uint32_t t0 = pair_assoc(&p, 0, id).local_vtag;
    assert_int_not_equal(t0, old.initiate_tag);
    inject_init_ack(&p, 0, t0, peer_tag); /* the peer keeps its tag */
    take(&p, 0, TERN_CHUNK_COOKIE_ECHO);
    tern_assoc_info before = pair_assoc(&p, 0, id);
    assert_int_equal(before.state, TERN_STATE_COOKIE_ECHOED);
    tern_time t1 = tern_ep_next_deadline(p.ep[0]);
    uint64_t drops = pair_stats(&p, 0).drops[TERN_DROP_STATE];

    inject_cookie_echo(&p, 0, old.initiate_tag, old_cookie);
    pair_collect(&p);
    assert_int_equal(p.nflight, 0);
    assert_int_equal(pair_stats(&p, 0).drops[TERN_DROP_STATE], drops + 1);
    tern_assoc_info now = pair_assoc(&p, 0, id);
    assert_int_equal(now.state, TERN_STATE_COOKIE_ECHOED);
    assert_int_equal(now.local_vtag, t0);
    assert_int_equal(now.peer_vtag, peer_tag);
    assert_int_equal(tern_ep_next_deadline(p.ep[0]), t1);
    assert_int_equal(drain(&p, 0).total, 0);
    assert_int_equal(pair_stats(&p, 0).assocs_open, 1);
    pair_free(&p);
}

/* §5.2.4 action D (M M A A): the COOKIE ACK is lost and T1-cookie resends
 * the COOKIE ECHO: the COOKIE ACK is sent again, with no second COMM_UP and
 * no second association. */
static void sec5_2_4_action_d_duplicate_cookie_echo(void **state)
{
    (void)state;
    pair_rng r[2];
    tern_ep_config c[2];
    cfg_seeded(&c[0], &r[0], 131);
    cfg_seeded(&c[1], &r[1], 132);
    pair p;
    pair_init(&p, &c[0], &c[1]);
    pair_pkt echo;
    tern_assoc_id id = to_cookie_echoed(&p, &echo);
    pair_inject(&p, 1, echo.data, echo.len);
    take(&p, 1, TERN_CHUNK_COOKIE_ACK); /* lost */
    evs e1 = drain(&p, 1);
    assert_int_equal(e1.n[TERN_EV_COMM_UP], 1);
    tern_assoc_id id1 = e1.last[TERN_EV_COMM_UP].assoc;
    tern_assoc_info before = pair_assoc(&p, 1, id1);

    assert_true(pair_step_time(&p, TERN_SEC(10))); /* T1-cookie */
    deliver(&p, 0, TERN_CHUNK_COOKIE_ECHO);
    pair_collect(&p);
    assert_int_equal(p.nflight, 1);
    assert_int_equal(pair_first_chunk(&p, 0), TERN_CHUNK_COOKIE_ACK);
    assert_int_equal(pkt_vtag(p.flight[0].data, p.flight[0].len), before.peer_vtag);
    pair_deliver(&p, 0);
    assert_int_equal(drain(&p, 1).total, 0);
    tern_ep_stats s1 = pair_stats(&p, 1);
    assert_int_equal(s1.assocs_open, 1);
    assert_int_equal(s1.assocs_created, 1);
    assert_int_equal(s1.chunks_out[TERN_CHUNK_COOKIE_ACK], 2);
    tern_assoc_info now = pair_assoc(&p, 1, id1);
    assert_int_equal(now.local_vtag, before.local_vtag);
    assert_int_equal(now.peer_vtag, before.peer_vtag);
    assert_int_equal(drain(&p, 0).n[TERN_EV_COMM_UP], 1);
    assert_int_equal(pair_assoc(&p, 0, id).state, TERN_STATE_ESTABLISHED);
    pair_free(&p);
}

/* §5.2.4: combinations not in table 2 are discarded silently:
 * X X 0 0 (a stateless cookie from before the association), X M M M (the
 * old peer echoing a cookie meant for a restart), and X X X X (a second
 * restart cookie replayed after a restart reset the tie-tags). */
static void sec5_2_4_other_combinations_discarded(void **state)
{
    (void)state;
    pair_rng r[2];
    tern_ep_config c[2];
    cfg_seeded(&c[0], &r[0], 141);
    cfg_seeded(&c[1], &r[1], 142);
    pair p;
    pair_init(&p, &c[0], &c[1]);
    inject_init(&p, 1, 0xD0000001u, NULL, 0); /* before any TCB: tie-tags 0 */
    pair_pkt stateless = take(&p, 1, TERN_CHUNK_INIT_ACK);
    tern_bytes c_xx00;
    tern_init a_xx00 = read_init(&stateless, TERN_CHUNK_INIT_ACK, &c_xx00);
    tern_assoc_id id[2];
    pair_establish(&p, id);
    tern_assoc_info before = pair_assoc(&p, 1, id[1]);

    inject_init(&p, 1, before.peer_vtag, NULL, 0); /* the old peer's tag */
    pair_pkt same_peer = take(&p, 1, TERN_CHUNK_INIT_ACK);
    tern_bytes c_xmmm;
    tern_init a_xmmm = read_init(&same_peer, TERN_CHUNK_INIT_ACK, &c_xmmm);
    inject_init(&p, 1, 0xD0000002u, NULL, 0);
    pair_pkt restart_a = take(&p, 1, TERN_CHUNK_INIT_ACK);
    tern_bytes c_ra;
    tern_init a_ra = read_init(&restart_a, TERN_CHUNK_INIT_ACK, &c_ra);
    inject_init(&p, 1, 0xD0000003u, NULL, 0);
    pair_pkt restart_b = take(&p, 1, TERN_CHUNK_INIT_ACK);
    tern_bytes c_rb;
    tern_init a_rb = read_init(&restart_b, TERN_CHUNK_INIT_ACK, &c_rb);
    assert_int_equal(p.nflight, 0);

    uint64_t drops = pair_stats(&p, 1).drops[TERN_DROP_STATE];
    inject_cookie_echo(&p, 1, a_xx00.initiate_tag, c_xx00);
    inject_cookie_echo(&p, 1, a_xmmm.initiate_tag, c_xmmm);
    pair_collect(&p);
    assert_int_equal(p.nflight, 0);
    assert_int_equal(pair_stats(&p, 1).drops[TERN_DROP_STATE], drops + 2);
    tern_assoc_info now = pair_assoc(&p, 1, id[1]);
    assert_int_equal(now.local_vtag, before.local_vtag);
    assert_int_equal(now.peer_vtag, before.peer_vtag);
    assert_int_equal(drain(&p, 1).total, 0);

    inject_cookie_echo(&p, 1, a_rb.initiate_tag, c_rb); /* action A */
    take(&p, 1, TERN_CHUNK_COOKIE_ACK);
    assert_int_equal(drain(&p, 1).n[TERN_EV_RESTART], 1);
    now = pair_assoc(&p, 1, id[1]);
    assert_int_equal(now.local_vtag, a_rb.initiate_tag);
    assert_int_equal(now.peer_vtag, 0xD0000003u);
    inject_cookie_echo(&p, 1, a_ra.initiate_tag, c_ra); /* X X X X now */
    pair_collect(&p);
    assert_int_equal(p.nflight, 0);
    assert_int_equal(pair_stats(&p, 1).drops[TERN_DROP_STATE], drops + 3);
    assert_int_equal(drain(&p, 1).total, 0);
    now = pair_assoc(&p, 1, id[1]);
    assert_int_equal(now.local_vtag, a_rb.initiate_tag);
    assert_int_equal(now.peer_vtag, 0xD0000003u);
    assert_int_equal(pair_stats(&p, 1).assocs_open, 1);
    assert_int_equal(pair_stats(&p, 1).assocs_created, 1);
    pair_free(&p);
}

/* ---- §5.1.5 step 3 / §5.2.4 step 3 ---------------------------------------- */

/* §5.2.4 step 3: a stale cookie whose tags do not match the TCB's is
 * answered with an ERROR "Stale Cookie" (to the cookie's peer tag, with
 * the staleness in µs); the TCB does not change. */
static void sec5_2_4_stale_cookie_with_tcb_tags_differ(void **state)
{
    (void)state;
    pair_rng r[2];
    tern_ep_config c[2];
    cfg_seeded(&c[0], &r[0], 151);
    cfg_seeded(&c[1], &r[1], 152);
    c[1].valid_cookie_life = TERN_SEC(5);
    pair p;
    pair_init(&p, &c[0], &c[1]);
    inject_init(&p, 1, 0xE0000001u, NULL, 0);
    pair_pkt stateless = take(&p, 1, TERN_CHUNK_INIT_ACK);
    tern_bytes cookie;
    tern_init a = read_init(&stateless, TERN_CHUNK_INIT_ACK, &cookie);
    tern_assoc_id id[2];
    pair_establish(&p, id);
    tern_assoc_info before = pair_assoc(&p, 1, id[1]);
    uint64_t stale = pair_stats(&p, 1).drops[TERN_DROP_COOKIE_STALE];

    p.now += TERN_SEC(5) + TERN_MSEC(1500);
    inject_cookie_echo(&p, 1, a.initiate_tag, cookie);
    pair_collect(&p);
    assert_int_equal(p.nflight, 1);
    pair_pkt err = take(&p, 1, TERN_CHUNK_ERROR);
    assert_int_equal(pkt_vtag(err.data, err.len), 0xE0000001u);
    tern_tlv cause = first_cause(&err, TERN_CHUNK_ERROR);
    assert_int_equal(cause.type, TERN_CAUSE_STALE_COOKIE);
    assert_int_equal(tern_load32(cause.value.ptr), 1500000);
    assert_int_equal(pair_stats(&p, 1).drops[TERN_DROP_COOKIE_STALE], stale + 1);
    tern_assoc_info now = pair_assoc(&p, 1, id[1]);
    assert_int_equal(now.state, TERN_STATE_ESTABLISHED);
    assert_int_equal(now.local_vtag, before.local_vtag);
    assert_int_equal(now.peer_vtag, before.peer_vtag);
    assert_int_equal(drain(&p, 1).total, 0);
    pair_free(&p);
}

/* §5.2.4 step 3: a stale cookie whose tags both match the TCB is valid
 * (action D): COOKIE ACK, no ERROR. */
static void sec5_2_4_stale_cookie_with_matching_tags_is_accepted(void **state)
{
    (void)state;
    pair_rng r[2];
    tern_ep_config c[2];
    cfg_seeded(&c[0], &r[0], 161);
    cfg_seeded(&c[1], &r[1], 162);
    c[1].valid_cookie_life = TERN_SEC(5);
    pair p;
    pair_init(&p, &c[0], &c[1]);
    pair_pkt echo;
    tern_assoc_id id = to_cookie_echoed(&p, &echo);
    pair_inject(&p, 1, echo.data, echo.len);
    take(&p, 1, TERN_CHUNK_COOKIE_ACK); /* lost */
    assert_int_equal(drain(&p, 1).n[TERN_EV_COMM_UP], 1);
    uint64_t stale = pair_stats(&p, 1).drops[TERN_DROP_COOKIE_STALE];

    p.now += TERN_SEC(10); /* well past the cookie's life */
    pair_inject(&p, 1, echo.data, echo.len);
    pair_collect(&p);
    assert_int_equal(p.nflight, 1);
    assert_int_equal(pair_first_chunk(&p, 0), TERN_CHUNK_COOKIE_ACK);
    assert_int_equal(pair_count_in_flight(&p, 1, TERN_CHUNK_ERROR), 0);
    assert_int_equal(pair_stats(&p, 1).drops[TERN_DROP_COOKIE_STALE], stale);
    pair_deliver(&p, 0);
    assert_int_equal(drain(&p, 1).total, 0);
    assert_int_equal(pair_stats(&p, 1).assocs_created, 1);
    assert_int_equal(drain(&p, 0).n[TERN_EV_COMM_UP], 1);
    assert_int_equal(pair_assoc(&p, 0, id).state, TERN_STATE_ESTABLISHED);
    pair_free(&p);
}

/* ---- §5.2.5 ------------------------------------------------------------------ */

/* §5.2.5: a COOKIE ACK in ESTABLISHED or COOKIE-WAIT is discarded and
 * counted; no COMM_UP, nothing sent, nothing changed. */
static void sec5_2_5_cookie_ack_discarded(void **state)
{
    (void)state;
    for (int established = 0; established <= 1; established++) {
        pair_rng r[2];
        tern_ep_config c[2];
        cfg_seeded(&c[0], &r[0], 171);
        cfg_seeded(&c[1], &r[1], 172);
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
        pair_inject_empty(&p, 0, before.local_vtag, TERN_CHUNK_COOKIE_ACK, 0);
        pair_collect(&p);
        assert_int_equal(p.nflight, 0);
        assert_int_equal(pair_stats(&p, 0).drops[TERN_DROP_STATE], drops + 1);
        tern_assoc_info now = pair_assoc(&p, 0, id[0]);
        assert_int_equal(now.stats.drops[TERN_DROP_STATE], before.stats.drops[TERN_DROP_STATE] + 1);
        assert_int_equal(now.state, before.state);
        assert_int_equal(tern_ep_next_deadline(p.ep[0]), deadline);
        assert_int_equal(drain(&p, 0).total, 0);
        pair_free(&p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sec5_2_1_init_in_cookie_wait),
        cmocka_unit_test(sec5_2_1_collision_in_any_order),
        cmocka_unit_test(sec5_2_1_collision_with_loss_and_duplicates),
        cmocka_unit_test(sec5_2_1_init_in_cookie_echoed),
        cmocka_unit_test(sec5_2_1_init_in_cookie_echoed_with_new_address),
        cmocka_unit_test(sec5_2_2_unexpected_init_in_established),
        cmocka_unit_test(sec5_2_2_unexpected_init_with_new_address),
        cmocka_unit_test(sec5_2_2_init_in_shutdown_ack_sent),
        cmocka_unit_test(sec5_2_3_init_ack_discarded),
        cmocka_unit_test(sec5_2_4_action_a_peer_restart),
        cmocka_unit_test(sec5_2_4_action_a_then_d_when_cookie_ack_lost),
        cmocka_unit_test(sec5_2_4_action_a_in_shutdown_ack_sent),
        cmocka_unit_test(sec5_2_4_action_b_peer_picked_new_tag),
        cmocka_unit_test(sec5_2_4_action_b_in_cookie_wait),
        cmocka_unit_test(sec5_2_4_action_c_late_cookie),
        cmocka_unit_test(sec5_2_4_action_d_duplicate_cookie_echo),
        cmocka_unit_test(sec5_2_4_other_combinations_discarded),
        cmocka_unit_test(sec5_2_4_stale_cookie_with_tcb_tags_differ),
        cmocka_unit_test(sec5_2_4_stale_cookie_with_matching_tags_is_accepted),
        cmocka_unit_test(sec5_2_5_cookie_ack_discarded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
