/* Time limits on sending, over the pair rig: a message's ttl (RFC 6458
 * §5.3.4 without PR-SCTP: a message none of whose fragments was sent in
 * time is abandoned, TERN_EV_SEND_FAILED with TERN_FAILED_UNSENT; once sent
 * it is reliable) and autoclose (RFC 6458 §8.1.8: a graceful shutdown after
 * a time without DATA either way). Both are deadline-driven. */
#include "tests/unit/data_testutil.h"

/* ---- helpers ------------------------------------------------------------- */

static int send_ttl(pair *p, tern_assoc_id id, uint16_t stream, uint32_t flags, uint32_t idx,
                    size_t len, tern_time ttl)
{
    uint8_t b[4096];
    mk_msg(b, len, idx);
    tern_sndinfo si = {
        .stream = stream, .ppid = PPID, .flags = flags, .context = 1000u + idx, .ttl = ttl};
    return tern_ep_send(p->ep[0], id, &si, b, len, p->now);
}

/* The next event of endpoint 0 is SEND_FAILED, unsent, for message idx. */
static void expect_failed_unsent(pair *p, uint32_t idx, size_t len, uint16_t stream)
{
    tern_event ev;
    assert_int_equal(tern_ep_poll_event(p->ep[0], &ev), 1);
    assert_int_equal(ev.type, TERN_EV_SEND_FAILED);
    assert_int_equal(ev.flags, TERN_FAILED_UNSENT);
    assert_int_equal(ev.context, 1000u + idx);
    assert_int_equal(ev.stream, stream);
    assert_int_equal(ev.len, len);
    assert_int_equal(check_msg(ev.data, ev.len), idx);
}

static void open_quiet(pair *p, tern_assoc_id ids[2])
{
    tern_ep_config c;
    cfg_data(&c);
    open_pair(p, &c, &c, ids);
}

/* ---- ttl ------------------------------------------------------------------ */

/* Messages never taken by tern_ep_output (so never sent) expire at
 * send time + ttl: the deadline says when, and at it each is abandoned with
 * SEND_FAILED (UNSENT, its bytes and context), in the order they expire,
 * whatever their stream (the one due first sits behind a later one on
 * another stream). Reliable messages stay. Messages after an abandoned one
 * on its stream take its SSN: the peer sees no gap and reads them in order. */
static void ttl_abandons_unsent_messages_at_their_deadline(void **state)
{
    (void)state;
    pair p;
    tern_assoc_id ids[2];
    open_quiet(&p, ids);
    tern_time t0 = p.now;
    assert_int_equal(send_ttl(&p, ids[0], 0, 0, 0, 300, 0), 0);            /* reliable */
    assert_int_equal(send_ttl(&p, ids[0], 0, 0, 1, 300, TERN_SEC(10)), 0); /* ssn 1 */
    assert_int_equal(send_ttl(&p, ids[0], 1, 0, 2, 300, TERN_SEC(2)), 0);  /* stream 1 */
    assert_int_equal(send_ttl(&p, ids[0], 0, 0, 3, 300, 0), 0);            /* ssn 2 -> 1 */
    assert_int_equal(send_ttl(&p, ids[0], 1, TERN_SEND_UNORDERED, 4, 300, TERN_SEC(5)), 0);
    assert_int_equal(tern_ep_next_deadline(p.ep[0]), t0 + TERN_SEC(2));
    assert_int_equal(pair_fire(&p, 0), t0 + TERN_SEC(2));
    expect_failed_unsent(&p, 2, 300, 1);
    assert_no_event(&p, 0);
    assert_int_equal(pair_assoc(&p, 0, ids[0]).send_queued, 4 * 300);
    assert_int_equal(tern_ep_next_deadline(p.ep[0]), t0 + TERN_SEC(5));
    pair_fire(&p, 0);
    expect_failed_unsent(&p, 4, 300, 1);
    assert_int_equal(tern_ep_next_deadline(p.ep[0]), t0 + TERN_SEC(10));
    pair_fire(&p, 0);
    expect_failed_unsent(&p, 1, 300, 0);
    assert_no_event(&p, 0);
    assert_int_equal(tern_ep_next_deadline(p.ep[0]), TERN_TIME_NEVER);
    assert_int_equal(pair_assoc(&p, 0, ids[0]).send_queued, 2 * 300);

    /* The two reliable ones arrive in order, with SSNs 0 and 1. */
    pump(&p, NULL);
    tern_rcvinfo ri;
    assert_int_equal(read_one(&p, 1, &ri), 0);
    assert_int_equal(ri.ssn, 0);
    assert_int_equal(read_one(&p, 1, &ri), 3);
    assert_int_equal(ri.ssn, 1);
    assert_int_equal(read_one(&p, 1, &ri), -1);
    /* And the stream goes on from there. */
    send_ok(&p, 0, ids[0], 0, 0, 5, 100);
    pump(&p, NULL);
    assert_int_equal(read_one(&p, 1, &ri), 5);
    assert_int_equal(ri.ssn, 2);
    pair_free(&p);
}

/* Once any fragment went out the message is reliable: lost, its ttl long
 * past, it is retransmitted (T3) and delivered, and nothing fails. A large
 * message half sent (its first packet only) is not abandoned either. */
static void ttl_sent_message_stays_reliable(void **state)
{
    (void)state;
    pair p;
    tern_assoc_id ids[2];
    open_quiet(&p, ids);
    assert_int_equal(send_ttl(&p, ids[0], 0, 0, 0, 100, TERN_MSEC(10)), 0);
    assert_int_equal(pair_collect_from(&p, 0), 1);
    pair_drop_all(&p, 0);
    /* The ttl timer may wake once for nothing (it is a lower bound), then
     * T3-rtx, far past the ttl. */
    size_t n = 0;
    for (int k = 0; k < 3 && n == 0; k++) {
        pair_fire(&p, 0);
        n = pair_collect_from(&p, 0);
    }
    assert_int_equal(n, 1);
    assert_true(pair_assoc(&p, 0, ids[0]).stats.t3_expired == 1);
    assert_true(pkt_has_data(&p.flight[0]));
    reader r = {.side = 1, .in_order = true};
    pump_read(&p, &r);
    assert_int_equal(r.n, 1);
    tern_event ev;
    assert_int_equal(tern_ep_poll_event(p.ep[0], &ev), 1);
    assert_int_equal(ev.type, TERN_EV_SENDER_DRY); /* and no SEND_FAILED */
    assert_no_event(&p, 0);
    pair_free(&p);
}

/* tern_ep_output itself looks at the ttl: a caller that pulls output after
 * the ttl passed, before calling tern_ep_on_deadline, does not get the
 * message on the wire: it fails, unsent. */
static void ttl_checked_at_output(void **state)
{
    (void)state;
    pair p;
    tern_assoc_id ids[2];
    open_quiet(&p, ids);
    assert_int_equal(send_ttl(&p, ids[0], 0, 0, 0, 100, TERN_MSEC(100)), 0);
    p.now += TERN_MSEC(100);
    assert_int_equal(pair_collect_from(&p, 0), 0);
    expect_failed_unsent(&p, 0, 100, 0);
    assert_int_equal(tern_ep_next_deadline(p.ep[0]), TERN_TIME_NEVER);
    /* Just before: it goes. */
    assert_int_equal(send_ttl(&p, ids[0], 0, 0, 1, 100, TERN_MSEC(100)), 0);
    p.now += TERN_MSEC(99);
    assert_int_equal(pair_collect_from(&p, 0), 1);
    pair_free(&p);
}

/* A record sent in pieces (TERN_SEND_MORE) is reliable whatever its ttl
 * (abandoning a piece would break the record); messages behind it on its
 * stream still expire. */
static void ttl_ignored_for_record_pieces(void **state)
{
    (void)state;
    pair p;
    tern_assoc_id ids[2];
    open_quiet(&p, ids);
    tern_time t0 = p.now;
    assert_int_equal(send_ttl(&p, ids[0], 0, TERN_SEND_MORE, 0, 100, TERN_MSEC(5)), 0);
    assert_int_equal(send_ttl(&p, ids[0], 0, 0, 1, 100, TERN_MSEC(5)), 0); /* ends the record */
    assert_int_equal(send_ttl(&p, ids[0], 0, 0, 2, 100, TERN_MSEC(5)), 0);
    assert_int_equal(pair_fire(&p, 0), t0 + TERN_MSEC(5));
    expect_failed_unsent(&p, 2, 100, 0);
    assert_no_event(&p, 0);
    pump(&p, NULL);
    uint8_t buf[512];
    tern_rcvinfo ri;
    long n = tern_ep_recv(p.ep[1], &ri, buf, sizeof buf, p.now);
    assert_int_equal(n, 200);
    assert_true(ri.flags & TERN_RCV_EOR);
    assert_int_equal(tern_ep_recv(p.ep[1], &ri, buf, sizeof buf, p.now), 0);
    pair_free(&p);
}

/* §9.2: a shutdown waits for queued data; a message that expires unsent
 * stops being queued data, so the shutdown goes on (SENDER_DRY first: all
 * that was sent is acknowledged and nothing is queued). */
static void ttl_expiry_lets_shutdown_proceed(void **state)
{
    (void)state;
    pair p;
    tern_assoc_id ids[2];
    open_quiet(&p, ids);
    assert_int_equal(send_ttl(&p, ids[0], 0, 0, 0, 100, TERN_SEC(3)), 0);
    assert_int_equal(tern_ep_shutdown(p.ep[0], ids[0], p.now), 0);
    assert_int_equal(pair_assoc(&p, 0, ids[0]).state, TERN_STATE_SHUTDOWN_PENDING);
    pair_fire(&p, 0);
    expect_failed_unsent(&p, 0, 100, 0);
    tern_event ev;
    assert_int_equal(tern_ep_poll_event(p.ep[0], &ev), 1);
    assert_int_equal(ev.type, TERN_EV_SENDER_DRY);
    assert_int_equal(pair_assoc(&p, 0, ids[0]).state, TERN_STATE_SHUTDOWN_SENT);
    pump(&p, NULL);
    assert_int_equal(pair_event(&p, 0, TERN_EV_SHUTDOWN_COMPLETE, &ev), 1);
    pair_free(&p);
}

/* ---- autoclose ---------------------------------------------------------------- */

static void open_autoclose(pair *p, tern_assoc_id ids[2], tern_time autoclose)
{
    tern_ep_config c0, c1;
    cfg_data(&c0);
    cfg_data(&c1);
    c0.autoclose = autoclose;
    open_pair(p, &c0, &c1, ids);
}

/* An idle association closes gracefully autoclose after it came up. */
static void autoclose_idle_association(void **state)
{
    (void)state;
    pair p;
    tern_assoc_id ids[2];
    open_autoclose(&p, ids, TERN_SEC(10));
    tern_time up = p.now;
    assert_int_equal(tern_ep_next_deadline(p.ep[0]), up + TERN_SEC(10));
    pair_fire(&p, 0);
    pair_collect_from(&p, 0);
    pair_expect_one(&p, 0, TERN_CHUNK_SHUTDOWN);
    pump(&p, NULL);
    tern_event ev;
    assert_int_equal(pair_event(&p, 0, TERN_EV_SHUTDOWN_COMPLETE, &ev), 1);
    assert_int_equal(pair_event(&p, 1, TERN_EV_SHUTDOWN_COMPLETE, &ev), 1);
    pair_free(&p);
}

/* DATA either way restarts the idle time: sent at +4 s, received at +9 s,
 * the close comes at +19 s, not before. */
static void autoclose_counts_from_last_data(void **state)
{
    (void)state;
    pair p;
    tern_assoc_id ids[2];
    open_autoclose(&p, ids, TERN_SEC(10));
    tern_time up = p.now;
    p.now = up + TERN_SEC(4);
    send_ok(&p, 0, ids[0], 0, 0, 0, 100);
    pump(&p, NULL);
    assert_int_equal(read_one(&p, 1, NULL), 0);
    p.now = up + TERN_SEC(9);
    send_ok(&p, 1, ids[1], 0, 0, 0, 100);
    pump(&p, NULL);
    assert_int_equal(read_one(&p, 0, NULL), 0);
    for (int guard = 0; guard < 10; guard++) { /* early wake-ups re-arm */
        tern_time d = tern_ep_next_deadline(p.ep[0]);
        if (d >= up + TERN_SEC(19)) break;
        pair_fire(&p, 0);
        assert_int_equal(pair_assoc(&p, 0, ids[0]).state, TERN_STATE_ESTABLISHED);
        pair_collect(&p);
        pair_drop_all(&p, 0); /* SACKs */
    }
    assert_int_equal(tern_ep_next_deadline(p.ep[0]), up + TERN_SEC(19));
    pair_fire(&p, 0);
    assert_int_equal(pair_assoc(&p, 0, ids[0]).state, TERN_STATE_SHUTDOWN_SENT);
    pair_free(&p);
}

/* Set per association: 0 turns it off; a short value on an association
 * idle for longer closes it at the next deadline. */
static void autoclose_set_per_association(void **state)
{
    (void)state;
    pair p;
    tern_assoc_id ids[2];
    open_autoclose(&p, ids, TERN_SEC(10));
    tern_assoc_params q;
    assert_int_equal(tern_ep_assoc_params_get(p.ep[0], ids[0], &q), 0);
    assert_int_equal(q.autoclose, TERN_SEC(10));
    q.autoclose = 0;
    assert_int_equal(tern_ep_assoc_params_set(p.ep[0], ids[0], &q, p.now), 0);
    assert_int_equal(tern_ep_next_deadline(p.ep[0]), TERN_TIME_NEVER);
    p.now += TERN_SEC(60);
    q.autoclose = TERN_SEC(1);
    assert_int_equal(tern_ep_assoc_params_set(p.ep[0], ids[0], &q, p.now), 0);
    assert_true(tern_ep_next_deadline(p.ep[0]) <= p.now);
    tern_ep_on_deadline(p.ep[0], p.now);
    assert_int_equal(pair_assoc(&p, 0, ids[0]).state, TERN_STATE_SHUTDOWN_SENT);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ttl_abandons_unsent_messages_at_their_deadline),
        cmocka_unit_test(ttl_sent_message_stays_reliable),
        cmocka_unit_test(ttl_checked_at_output),
        cmocka_unit_test(ttl_ignored_for_record_pieces),
        cmocka_unit_test(ttl_expiry_lets_shutdown_proceed),
        cmocka_unit_test(autoclose_idle_association),
        cmocka_unit_test(autoclose_counts_from_last_data),
        cmocka_unit_test(autoclose_set_per_association),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
