/* DATA queued during the handshake goes with the COOKIE ECHO (RFC 9260
 * §5.1 C: the COOKIE ECHO first, no other packet before the COOKIE ACK),
 * and the answer's DATA with the COOKIE ACK (§5.1 D). */
#include <stdio.h>

#include "tests/unit/data_testutil.h"

/* The chunk types of a packet, in order: how many. */
static int chunk_types(const pair_pkt *k, uint8_t *types, int max)
{
    tern_common_header h;
    tern_chunk_iter it;
    tern_chunk_raw raw;
    int n = 0;
    assert_int_equal(tern_packet_parse(k->data, k->len, &h, &it), 0);
    while (tern_chunk_next(&it, &raw) > 0 && n < max)
        types[n++] = raw.type;
    return n;
}

/* The packet in flight (flight[0]) is a COOKIE ECHO with `data` DATA chunks. */
static void expect_cookie_echo(const pair *p, int data)
{
    assert_int_equal(pair_first_chunk(p, 0), TERN_CHUNK_COOKIE_ECHO);
    assert_int_equal(pkt_count(p->flight[0].data, p->flight[0].len, TERN_CHUNK_DATA), data);
}

/* 0 connects and queues `count` messages of len bytes; INIT and INIT ACK
 * go; the packet 0 sends then is the only one in flight. */
static tern_assoc_id queue_and_echo(pair *p, int count, size_t len)
{
    tern_assoc_id id = pair_connect(p, 0);
    for (int i = 0; i < count; i++)
        send_ok(p, 0, id, 0, 0, (uint32_t)i, len);
    assert_int_equal(pair_collect_from(p, 0), 1); /* the INIT alone (§5.1) */
    assert_int_equal(pair_first_chunk(p, 0), TERN_CHUNK_INIT);
    assert_int_equal(pkt_count(p->flight[0].data, p->flight[0].len, TERN_CHUNK_DATA), 0);
    pair_deliver(p, 0);
    pair_collect(p);
    pair_deliver(p, 0); /* INIT ACK */
    assert_int_equal(pair_collect_from(p, 0), 1);
    expect_cookie_echo(p, count);
    return id;
}

static tern_assoc_id server_up(pair *p)
{
    tern_event ev;
    assert_int_equal(pair_event(p, 1, TERN_EV_COMM_UP, &ev), 1);
    return ev.assoc;
}

/* The COOKIE ECHO in flight is delivered: the server comes up and reads
 * `count` messages, in order and once; 0's association ends established
 * with nothing unacknowledged. */
static void expect_delivered(pair *p, tern_assoc_id id, uint32_t count)
{
    pair_deliver(p, 0);
    server_up(p);
    pair_run(p, p->now + TERN_SEC(2), 100);
    reader r = {.side = 1, .in_order = true};
    reader_drain(p, &r);
    assert_int_equal(r.n, count);
    tern_assoc_info i = pair_assoc(p, 0, id);
    assert_int_equal(i.state, TERN_STATE_ESTABLISHED);
    assert_int_equal(i.unacked_chunks, 0);
}

static void cookie_echo_carries_queued_data(void **state)
{
    (void)state;
    tern_ep_config c;
    cfg_data(&c);
    pair p;
    pair_init(&p, &c, &c);
    tern_assoc_id id = queue_and_echo(&p, 3, 100);
    uint8_t t[8];
    assert_int_equal(chunk_types(&p.flight[0], t, 8), 4);
    assert_int_equal(t[0], TERN_CHUNK_COOKIE_ECHO);
    assert_int_equal(t[1], TERN_CHUNK_DATA);
    assert_int_equal(t[3], TERN_CHUNK_DATA);
    tern_assoc_info i = pair_assoc(&p, 0, id);
    assert_int_equal(i.state, TERN_STATE_COOKIE_ECHOED);
    assert_int_equal(i.unacked_chunks, 3); /* in flight, counted */
    /* Sent in COOKIE-ECHOED, once the COOKIE ECHO is out: no packet (§5.1 C). */
    send_ok(&p, 0, id, 0, 0, 3, 100);
    assert_int_equal(pair_collect_from(&p, 0), 0);

    pair_deliver(&p, 0);
    tern_assoc_id sid = server_up(&p);
    reader r = {.side = 1, .in_order = true};
    reader_drain(&p, &r);
    assert_int_equal(r.n, 3);
    /* The server's answer: COOKIE ACK first, its SACK and DATA along (§5.1 D). */
    send_ok(&p, 1, sid, 0, 0, 100, 100);
    assert_int_equal(pair_collect_from(&p, 1), 1);
    int n = chunk_types(&p.flight[0], t, 8);
    assert_int_equal(n, 3);
    assert_int_equal(t[0], TERN_CHUNK_COOKIE_ACK);
    assert_int_equal(t[1], TERN_CHUNK_SACK);
    assert_int_equal(t[2], TERN_CHUNK_DATA);
    pair_deliver(&p, 0);
    assert_int_equal(pair_assoc(&p, 0, id).state, TERN_STATE_ESTABLISHED);
    pair_run(&p, p.now + TERN_SEC(1), 100);
    reader_drain(&p, &r);
    assert_int_equal(r.n, 4); /* the fourth went after the COOKIE ACK */
    reader back = {.side = 0};
    reader_drain(&p, &back);
    assert_int_equal(back.n, 1);
    i = pair_assoc(&p, 0, id);
    assert_int_equal(i.unacked_chunks, 0);
    assert_int_equal(i.send_queued, 0);
    pair_free(&p);
}

static void lost_cookie_echo_and_data_go_again(void **state)
{
    (void)state;
    tern_ep_config c;
    cfg_data(&c);
    pair p;
    pair_init(&p, &c, &c);
    tern_assoc_id id = queue_and_echo(&p, 2, 100);
    uint32_t tsn = pkt_tsn(&p.flight[0]);
    pair_drop(&p, 0);
    pair_fire(&p, 0); /* T1-cookie */
    assert_int_equal(pair_collect_from(&p, 0), 1);
    expect_cookie_echo(&p, 2);
    assert_int_equal(pkt_tsn(&p.flight[0]), tsn); /* the same chunks */
    /* The first copy arrives late after all: delivered once. */
    pair_pkt again = p.flight[0];
    deliver_copy(&p, &again);
    expect_delivered(&p, id, 2);
    pair_free(&p);
}

/* §5.2.6: the COOKIE ECHO carrying DATA arrives stale; the peer's Stale
 * Cookie error sends us back to an INIT (the peer has no association, so
 * the DATA was not taken), and the next COOKIE ECHO carries the same
 * chunks again; they are delivered once. */
static void stale_cookie_echo_data_goes_again(void **state)
{
    (void)state;
    tern_ep_config c0, c1;
    cfg_data(&c0);
    cfg_data(&c1);
    c1.valid_cookie_life = TERN_SEC(5);
    pair p;
    pair_init(&p, &c0, &c1);
    tern_assoc_id id = queue_and_echo(&p, 2, 100);
    uint32_t tsn = pkt_tsn(&p.flight[0]);
    p.now += TERN_SEC(6); /* stale on arrival */
    pair_deliver(&p, 0);
    assert_int_equal(pair_collect_from(&p, 1), 1);
    assert_int_equal(pair_first_chunk(&p, 0), TERN_CHUNK_ERROR);
    pair_deliver(&p, 0); /* Stale Cookie */
    assert_int_equal(pair_assoc(&p, 0, id).state, TERN_STATE_COOKIE_WAIT);
    assert_int_equal(pair_collect_from(&p, 0), 1);
    assert_int_equal(pair_first_chunk(&p, 0), TERN_CHUNK_INIT);
    assert_int_equal(pkt_count(p.flight[0].data, p.flight[0].len, TERN_CHUNK_DATA), 0);
    pair_deliver(&p, 0);
    pair_collect(&p);
    pair_deliver(&p, 0); /* the new INIT ACK */
    assert_int_equal(pair_collect_from(&p, 0), 1);
    expect_cookie_echo(&p, 2);
    assert_int_equal(pkt_tsn(&p.flight[0]), tsn);
    expect_delivered(&p, id, 2);
    pair_free(&p);
}

/* What a packet after the COOKIE ECHO cannot hold stays queued whole until
 * ESTABLISHED (no other packet before the COOKIE ACK, §5.1 C). */
static void data_that_does_not_fit_waits(void **state)
{
    (void)state;
    tern_ep_config c;
    cfg_data(&c);
    pair p;
    pair_init(&p, &c, &c);
    tern_assoc_id id = pair_connect(&p, 0);
    send_ok(&p, 0, id, 0, 0, 0, 100);
    send_ok(&p, 0, id, 0, 0, 1, 1400); /* fits a packet alone, not after the cookie */
    pair_collect(&p);
    pair_deliver(&p, 0);
    pair_collect(&p);
    pair_deliver(&p, 0);
    assert_int_equal(pair_collect_from(&p, 0), 1);
    expect_cookie_echo(&p, 1);
    assert_true(p.flight[0].len <= MAX_PKT);
    tern_assoc_info i = pair_assoc(&p, 0, id);
    assert_int_equal(i.unacked_chunks, 1);
    assert_int_equal(i.send_unsent, 1400);
    expect_delivered(&p, id, 2);
    pair_free(&p);
}

/* Queued before the INIT ACK on a stream the peer then does not allow
 * (§5.1.1): reported unsent; the others go. */
static void data_on_refused_stream_fails_unsent(void **state)
{
    (void)state;
    tern_ep_config c0, c1;
    cfg_data(&c0);
    cfg_data(&c1);
    c1.max_inbound_streams = 2;
    pair p;
    pair_init(&p, &c0, &c1);
    tern_assoc_id id = pair_connect(&p, 0);
    assert_int_equal(send_msg(&p, 0, id, 10, 0, 9, 100), TERN_EINVAL); /* ours: 10 */
    send_ok(&p, 0, id, 5, 0, 0, 100);
    send_ok(&p, 0, id, 1, 0, 1, 100);
    pair_collect(&p);
    pair_deliver(&p, 0);
    pair_collect(&p);
    pair_deliver(&p, 0);
    tern_event ev;
    assert_int_equal(pair_event(&p, 0, TERN_EV_SEND_FAILED, &ev), 1);
    assert_int_equal(ev.stream, 5);
    assert_true(ev.flags & TERN_FAILED_UNSENT);
    assert_int_equal(pair_collect_from(&p, 0), 1);
    assert_int_equal(pkt_count(p.flight[0].data, p.flight[0].len, TERN_CHUNK_DATA), 1);
    pair_run(&p, p.now + TERN_SEC(1), 100);
    tern_rcvinfo ri;
    assert_int_equal(read_one(&p, 1, &ri), 1);
    assert_int_equal(ri.stream, 1);
    assert_int_equal(read_one(&p, 1, &ri), -1);
    pair_free(&p);
}

/* The handshake fails: what was queued is reported unsent. */
static void queued_data_reported_when_setup_fails(void **state)
{
    (void)state;
    tern_ep_config c;
    cfg_data(&c);
    c.max_init_retransmits = 1;
    pair p;
    pair_init(&p, &c, &c);
    tern_assoc_id id = pair_connect(&p, 0);
    send_ok(&p, 0, id, 0, 0, 0, 100);
    for (int k = 0; k < 2; k++) {
        pair_collect(&p);
        pair_drop_all(&p, 0);
        pair_fire(&p, 0);
    }
    tern_event ev; /* as after an ABORT: the end, then what it leaves */
    assert_int_equal(pair_event(&p, 0, TERN_EV_CANT_START, &ev), 1);
    assert_int_equal(pair_event(&p, 0, TERN_EV_SEND_FAILED, &ev), 1);
    assert_true(ev.flags & TERN_FAILED_UNSENT);
    assert_int_equal(ev.len, 100);
    pair_free(&p);
}

/* §5.2.1, §5.2.4 with §5.1 C: both sides connect at once with messages
 * queued, and the handshake packets are reordered, lost and duplicated by a
 * seeded network for a while. Whichever COOKIE ECHO wins, each side reads
 * every message the other queued, once and in order, and nothing stays
 * queued or unacknowledged. */
static void crossing_inits_with_queued_data(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 300; seed++) {
        pair_rng r[2], net = {seed * 0x9e3779b97f4a7c15ull};
        tern_ep_config c[2];
        for (int s = 0; s < 2; s++) {
            pair_cfg_seeded(&c[s], &r[s], 5000 + 1000 * (uint64_t)s + seed);
            c[s].hb_interval = 0;
            c[s].nodelay = true;
        }
        pair p;
        pair_init(&p, &c[0], &c[1]);
        tern_assoc_id id[2];
        for (int s = 0; s < 2; s++) {
            id[s] = pair_connect(&p, s);
            for (uint32_t i = 0; i < 3; i++)
                send_ok(&p, s, id[s], 0, 0, i, 200);
        }
        for (int step = 0; step < 40 && pair_shake(&p, &net, 1, TERN_SEC(100)); step++) {
        }
        pair_run(&p, p.now + TERN_SEC(300), 300);
        for (int s = 0; s < 2; s++) {
            reader rd = {.side = s, .in_order = true};
            reader_drain(&p, &rd);
            if (rd.n != 3)
                fprintf(stderr, "crossing_inits_with_queued_data: seed %llu\n",
                        (unsigned long long)seed);
            assert_int_equal(rd.n, 3);
            tern_assoc_info a = pair_assoc(&p, s, id[s]);
            assert_int_equal(a.state, TERN_STATE_ESTABLISHED);
            assert_int_equal(a.unacked_chunks, 0);
            assert_int_equal(a.send_queued, 0);
            assert_int_equal(pair_stats(&p, s).assocs_open, 1);
        }
        pair_free(&p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cookie_echo_carries_queued_data),
        cmocka_unit_test(lost_cookie_echo_and_data_go_again),
        cmocka_unit_test(stale_cookie_echo_data_goes_again),
        cmocka_unit_test(data_that_does_not_fit_waits),
        cmocka_unit_test(data_on_refused_stream_fails_unsent),
        cmocka_unit_test(queued_data_reported_when_setup_fails),
        cmocka_unit_test(crossing_inits_with_queued_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
