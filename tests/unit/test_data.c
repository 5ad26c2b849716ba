/* Data transfer over the pair rig, named after the RFC 9260 sections they
 * check: §3.3.1 (DATA fields, the I bit of RFC 7053), §6.1 (rules A–D, zero
 * window probe), §6.2 (SACK generation, delayed SACK, duplicates), §6.3.3
 * (T3-rtx), §6.7 (gap blocks), §6.9 (fragmentation, partial delivery),
 * §7.2 (congestion control, fast retransmit). Streams, ordering, wrap-around,
 * the API around sending and closing with data are in test_data_streams.c. */
#include "tests/unit/data_testutil.h"

/* ---- §3.3.1 DATA ----------------------------------------------------------- */

/* §3.3.1, §6.6: a message goes out as one DATA chunk with B and E set, the
 * first TSN the Initial TSN, SSN 0 on its stream, the PPID in network
 * order and the bytes as given; the next on the stream gets SSN 1 and the
 * next TSN; an unordered one sets U. Each arrives whole, with its stream,
 * SSN, TSN, PPID and TERN_RCV_EOR (and TERN_RCV_UNORDERED for U). */
static void sec3_3_1_data_chunk_fields_and_delivery(void **state)
{
    (void)state;
    tern_ep_config c;
    cfg_data(&c);
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c, &c, ids);
    tern_assoc_info i0 = pair_assoc(&p, 0, ids[0]);
    const size_t lens[3] = {100, 37, 8};
    const uint32_t flags[3] = {0, 0, TERN_SEND_UNORDERED};
    for (uint32_t k = 0; k < 3; k++) {
        uint8_t msg[128];
        mk_msg(msg, lens[k], k);
        tern_sndinfo si = {.stream = 3, .ppid = PPID, .flags = flags[k], .context = 7};
        assert_int_equal(tern_ep_send(p.ep[0], ids[0], &si, msg, lens[k], p.now), 0);
        assert_int_equal(pair_collect_from(&p, 0), 1);
        tern_chunk_raw raw = pair_expect_one(&p, 0, TERN_CHUNK_DATA);
        assert_int_equal(pkt_vtag(p.flight[0].data, p.flight[0].len), i0.peer_vtag);
        assert_int_equal(raw.length, 16 + lens[k]);
        assert_int_equal(p.flight[0].len, 12 + 16 + ((lens[k] + 3) & ~(size_t)3));
        tern_data d;
        assert_int_equal(tern_data_decode(&raw, &d), 0);
        uint8_t want_flags = FLAG_BE | (k == 2 ? TERN_DATA_FLAG_U : 0);
        assert_int_equal(d.flags, want_flags);
        assert_int_equal(d.tsn, i0.local_initial_tsn + k);
        assert_int_equal(d.stream, 3);
        if (k < 2) assert_int_equal(d.ssn, k);
        const uint8_t ppid_be[4] = {0x12, 0x34, 0x56, 0x78};
        assert_memory_equal(raw.value.ptr + 8, ppid_be, 4);
        assert_int_equal(d.payload.len, lens[k]);
        assert_memory_equal(d.payload.ptr, msg, lens[k]);
        pair_deliver(&p, 0);

        tern_rcvinfo ri;
        uint8_t buf[256];
        memset(&ri, 0xEE, sizeof ri);
        assert_int_equal(tern_ep_recv(p.ep[1], &ri, buf, sizeof buf, p.now), (long)lens[k]);
        assert_memory_equal(buf, msg, lens[k]);
        assert_int_equal(ri.assoc, ids[1]);
        assert_int_equal(ri.stream, 3);
        if (k < 2) assert_int_equal(ri.ssn, k);
        assert_int_equal(ri.tsn, i0.local_initial_tsn + k);
        assert_int_equal(ri.ppid, PPID);
        assert_int_equal(ri.flags, TERN_RCV_EOR | (k == 2 ? TERN_RCV_UNORDERED : 0));
        assert_int_equal(tern_ep_recv(p.ep[1], &ri, buf, sizeof buf, p.now), 0);
    }
    tern_assoc_info i1 = pair_assoc(&p, 1, ids[1]);
    assert_int_equal(i1.cum_tsn_ack, i0.local_initial_tsn + 2);
    assert_int_equal(i1.stats.messages_in, 3);
    assert_int_equal(pair_assoc(&p, 0, ids[0]).stats.messages_out, 3);
    pair_free(&p);
}

/* RFC 7053 §4 (the I flag of RFC 9260 §3.3.1): TERN_SEND_SACK_NOW sets the
 * I bit and the receiver SACKs that packet at once instead of delaying;
 * without it, the first packet's SACK waits. */
static void sec3_3_1_i_bit_gets_immediate_sack(void **state)
{
    (void)state;
    tern_ep_config c;
    cfg_data(&c);
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c, &c, ids);
    tern_data d = {0};

    send_pkt(&p, ids[0], 0, 0, 0, 50);
    assert_int_equal(pkt_data(p.flight[0].data, p.flight[0].len, &d, 1), 1);
    assert_int_equal(d.flags & TERN_DATA_FLAG_I, 0);
    pair_deliver(&p, 0);
    assert_int_equal(pair_collect_from(&p, 1), 0); /* delayed */
    pair_fire(&p, 1);
    pair_collect_from(&p, 1);
    expect_sack(&p, 1);
    pair_deliver(&p, 0);

    send_pkt(&p, ids[0], 0, TERN_SEND_SACK_NOW, 1, 50);
    assert_int_equal(pkt_data(p.flight[0].data, p.flight[0].len, &d, 1), 1);
    assert_int_equal(d.flags, FLAG_BE | TERN_DATA_FLAG_I);
    uint32_t tsn = d.tsn;
    pair_deliver(&p, 0);
    assert_int_equal(pair_collect_from(&p, 1), 1);
    sack_view s = expect_sack(&p, 1);
    assert_int_equal(s.cum, tsn);
    assert_int_equal(read_one(&p, 1, NULL), 0);
    assert_int_equal(read_one(&p, 1, NULL), 1);
    pair_free(&p);
}

/* ---- §6.2 SACK generation ------------------------------------------------------ */

/* §6.2: one DATA packet is acknowledged after exactly sack_delay (200 ms),
 * and the timer is gone after. */
static void sec6_2_delayed_sack_after_sack_delay(void **state)
{
    (void)state;
    tern_ep_config c;
    cfg_data(&c);
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c, &c, ids);
    p.now = TERN_SEC(5);
    send_pkt(&p, ids[0], 0, 0, 0, 100);
    uint32_t tsn = pkt_tsn(&p.flight[0]);
    tern_time t = p.now;
    pair_deliver(&p, 0);
    assert_int_equal(pair_collect_from(&p, 1), 0);
    assert_int_equal(tern_ep_next_deadline(p.ep[1]), t + TERN_MSEC(200));
    assert_int_equal(pair_fire(&p, 1), t + TERN_MSEC(200));
    assert_int_equal(pair_collect_from(&p, 1), 1);
    sack_view s = expect_sack(&p, 1);
    assert_int_equal(s.cum, tsn);
    assert_int_equal(s.ngaps, 0);
    assert_int_equal(s.ndups, 0);
    assert_int_equal(tern_ep_next_deadline(p.ep[1]), TERN_TIME_NEVER);
    pair_deliver(&p, 0);
    assert_int_equal(pair_assoc(&p, 0, ids[0]).send_queued, 0);
    pair_free(&p);
}

/* §6.2: a SACK at least for every second packet (sack_freq 2): the second
 * DATA packet is acknowledged at once, both TSNs, and the delayed SACK
 * timer is stopped. */
static void sec6_2_sack_for_every_second_packet(void **state)
{
    (void)state;
    tern_ep_config c;
    cfg_data(&c);
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c, &c, ids);
    for (int round = 0; round < 3; round++) {
        send_pkt(&p, ids[0], 0, 0, 2u * round, 100);
        send_pkt(&p, ids[0], 0, 0, 2u * round + 1, 100);
        uint32_t tsn2 = pkt_tsn(&p.flight[1]);
        pair_deliver(&p, 0);
        assert_int_equal(pair_collect_from(&p, 1), 0);
        pair_deliver(&p, 0);
        assert_int_equal(pair_collect_from(&p, 1), 1);
        sack_view s = expect_sack(&p, 1);
        assert_int_equal(s.cum, tsn2);
        pair_deliver(&p, 0);
        /* Nothing more is owed: if the delayed SACK timer still fires, it
         * sends nothing. */
        if (tern_ep_next_deadline(p.ep[1]) != TERN_TIME_NEVER) {
            pair_fire(&p, 1);
            assert_int_equal(pair_collect_from(&p, 1), 0);
        }
    }
    pair_free(&p);
}

/* §6.2 (and DESIGN.md §4: next_deadline is the minimum of the timers):
 * the delayed SACK timer stops when a SACK goes out, so the endpoint has
 * no deadline left. */
static void sec6_2_sack_timer_stopped_when_sack_sent(void **state)
{
    (void)state;
    tern_ep_config c;
    cfg_data(&c);
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c, &c, ids);
    send_pkt(&p, ids[0], 0, 0, 0, 100);
    send_pkt(&p, ids[0], 0, 0, 1, 100);
    pair_deliver(&p, 0);
    assert_int_equal(tern_ep_next_deadline(p.ep[1]), p.now + TERN_MSEC(200));
    pair_deliver(&p, 0);
    assert_int_equal(pair_collect_from(&p, 1), 1);
    expect_sack(&p, 1);
    assert_int_equal(tern_ep_next_deadline(p.ep[1]), TERN_TIME_NEVER);
    pair_free(&p);
}

/* §6.2: with sack_delay 0 every DATA packet is acknowledged at once. */
static void sec6_2_sack_delay_zero_acks_every_packet(void **state)
{
    (void)state;
    tern_ep_config c0, c1;
    cfg_data(&c0);
    cfg_data(&c1);
    c1.sack_delay = 0;
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c0, &c1, ids);
    for (uint32_t k = 0; k < 5; k++) {
        send_pkt(&p, ids[0], 0, 0, k, 100);
        uint32_t tsn = pkt_tsn(&p.flight[0]);
        pair_deliver(&p, 0);
        assert_int_equal(pair_collect_from(&p, 1), 1);
        assert_int_equal(expect_sack(&p, 1).cum, tsn);
        pair_deliver(&p, 0);
        assert_int_equal(tern_ep_next_deadline(p.ep[1]), TERN_TIME_NEVER);
    }
    pair_free(&p);
}

/* §6.2: a packet of only duplicate DATA is SACKed at once, the TSN listed
 * in Duplicate TSNs; the message is delivered once. The next SACK does not
 * list it again. */
static void sec6_2_duplicate_tsn_reported_at_once(void **state)
{
    (void)state;
    tern_ep_config c;
    cfg_data(&c);
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c, &c, ids);
    send_pkt(&p, ids[0], 0, 0, 0, 100);
    pair_pkt dup = p.flight[0];
    uint32_t tsn = pkt_tsn(&dup);
    pair_deliver(&p, 0);
    assert_int_equal(pair_collect_from(&p, 1), 0);
    pair_fire(&p, 1);
    pair_collect_from(&p, 1);
    sack_view s = expect_sack(&p, 1);
    assert_int_equal(s.ndups, 0);
    pair_deliver(&p, 0);

    deliver_copy(&p, &dup);
    assert_int_equal(pair_collect_from(&p, 1), 1);
    s = expect_sack(&p, 1);
    assert_int_equal(s.cum, tsn);
    assert_int_equal(s.ndups, 1);
    assert_int_equal(s.dups[0], tsn);
    pair_deliver(&p, 0);

    assert_int_equal(read_one(&p, 1, NULL), 0);
    assert_int_equal(read_one(&p, 1, NULL), -1);
    assert_int_equal(pair_assoc(&p, 1, ids[1]).stats.messages_in, 1);

    /* The next SACK reports no duplicate again. */
    send_pkt(&p, ids[0], 0, TERN_SEND_SACK_NOW, 1, 100);
    pair_deliver(&p, 0);
    pair_collect_from(&p, 1);
    s = expect_sack(&p, 1);
    assert_int_equal(s.ndups, 0);
    pair_free(&p);
}

/* ---- §6.7 gap ack blocks ----------------------------------------------------- */

/* §3.3.4, §6.7: TSNs t..t+6, t+1 and t+4 lost: each SACK carries the
 * cumulative TSN t and gap blocks as offsets from it — (2,2), then (2,3),
 * then (2,3)(5,5), then (2,3)(5,6). §6.2: once there is a gap, every packet
 * is SACKed at once (default delayed SACK settings). */
static void sec6_7_gap_ack_blocks_after_loss(void **state)
{
    (void)state;
    tern_ep_config c;
    cfg_data(&c);
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c, &c, ids);
    static pair_pkt pk[7];
    for (uint32_t k = 0; k < 7; k++) {
        send_pkt(&p, ids[0], 0, 0, k, 100);
        pk[k] = p.flight[0];
        pair_drop(&p, 0);
    }
    uint32_t t = pkt_tsn(&pk[0]);
    for (uint32_t k = 0; k < 7; k++)
        assert_int_equal(pkt_tsn(&pk[k]), t + k);

    deliver_copy(&p, &pk[0]);
    assert_int_equal(pair_collect_from(&p, 1), 0); /* no gap: delayed */
    static const struct {
        int k;
        unsigned ngaps;
        tern_gap_block g[2];
    } step[] = {
        {2, 1, {{2, 2}}},
        {3, 1, {{2, 3}}},
        {5, 2, {{2, 3}, {5, 5}}},
        {6, 2, {{2, 3}, {5, 6}}},
    };
    for (size_t j = 0; j < 4; j++) {
        deliver_copy(&p, &pk[step[j].k]);
        assert_int_equal(pair_collect_from(&p, 1), 1);
        sack_view s = expect_sack(&p, 1);
        assert_int_equal(s.cum, t);
        assert_int_equal(s.ngaps, step[j].ngaps);
        for (unsigned g = 0; g < s.ngaps; g++) {
            assert_int_equal(s.gaps[g].start, step[j].g[g].start);
            assert_int_equal(s.gaps[g].end, step[j].g[g].end);
        }
        assert_int_equal(s.ndups, 0);
        pair_drop(&p, 0); /* the sender never hears: no fast retransmit */
    }
    /* Filling the first hole moves the cumulative ack past it. */
    deliver_copy(&p, &pk[1]);
    if (pair_collect_from(&p, 1) == 0) pair_fire(&p, 1); /* may wait: it fills a gap */
    pair_collect_from(&p, 1);
    sack_view s = expect_sack(&p, 1);
    assert_int_equal(s.cum, t + 3);
    assert_int_equal(s.ngaps, 1);
    assert_int_equal(s.gaps[0].start, 2);
    assert_int_equal(s.gaps[0].end, 3);
    pair_free(&p);
}

/* ---- §7.2.4 fast retransmit ------------------------------------------------------ */

/* Grows endpoint 0's cwnd well past 8 PMDCS by a bulk transfer; returns the
 * next message index. */
static uint32_t grow_cwnd(pair *p, tern_assoc_id ids[2], reader *r)
{
    uint32_t idx = r->n;
    for (int k = 0; k < 80; k++)
        send_ok(p, 0, ids[0], 0, 0, idx++, BIG);
    pump_ops o = {.after = after_read, .ctx = r}; /* time stands still: no idle decay */
    pump(p, &o);
    assert_int_equal(r->n, idx);
    tern_assoc_info i = pair_assoc(p, 0, ids[0]);
    assert_int_equal(i.send_queued, 0);
    assert_true(i.paths[0].cwnd > 8 * (uint64_t)PMDCS + 2 * PMDCS);
    return idx;
}

/* §7.2.4: with TSN t lost, the SACKs for t+1 and t+2 (1st and 2nd miss
 * indication) retransmit nothing; the 3rd (for t+3) retransmits t at once.
 * §7.2.3: ssthresh = max(cwnd/2, 4·PMDCS), cwnd = ssthresh, in Fast
 * Recovery. Then everything arrives in order. */
static void sec7_2_4_fast_retransmit_on_third_miss(void **state)
{
    (void)state;
    tern_ep_config c0, c1;
    cfg_data(&c0);
    cfg_data(&c1);
    c1.sack_delay = 0;
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c0, &c1, ids);
    reader r = {.side = 1, .in_order = true};
    uint32_t idx = grow_cwnd(&p, ids, &r);
    assert_int_equal(tern_cc_pmdcs(1500, false, true), PMDCS);

    static pair_pkt pk[6];
    for (int k = 0; k < 6; k++) {
        send_pkt(&p, ids[0], 0, 0, idx + (uint32_t)k, BIG);
        pk[k] = p.flight[0];
        pair_drop(&p, 0);
    }
    uint32_t t = pkt_tsn(&pk[0]); /* pk[0] is lost */
    tern_assoc_info before = pair_assoc(&p, 0, ids[0]);
    uint64_t cwnd = before.paths[0].cwnd;
    for (int k = 1; k <= 3; k++) {
        deliver_copy(&p, &pk[k]);
        assert_int_equal(pair_collect_from(&p, 1), 1);
        sack_view s = expect_sack(&p, 1);
        assert_int_equal(s.cum, t - 1);
        assert_int_equal(s.ngaps, 1);
        assert_int_equal(s.gaps[0].start, 2);
        assert_int_equal(s.gaps[0].end, 1 + k);
        pair_deliver(&p, 0);
        size_t sent = pair_collect_from(&p, 0);
        tern_assoc_info i = pair_assoc(&p, 0, ids[0]);
        if (k < 3) {
            assert_int_equal(sent, 0);
            assert_int_equal(i.stats.fast_retransmits, 0);
            assert_false(i.paths[0].fast_recovery);
            assert_int_equal(i.paths[0].cwnd, cwnd); /* not fully used: no growth */
            continue;
        }
        assert_int_equal(sent, 1);
        tern_data d[4];
        assert_int_equal(pkt_data(p.flight[0].data, p.flight[0].len, d, 4), 1);
        assert_int_equal(d[0].tsn, t);
        assert_int_equal(d[0].payload.len, BIG);
        assert_int_equal(i.stats.fast_retransmits, 1);
        uint64_t want = cwnd / 2 > 4u * PMDCS ? cwnd / 2 : 4u * PMDCS;
        assert_int_equal(i.paths[0].ssthresh, want);
        assert_int_equal(i.paths[0].cwnd, want);
        assert_true(i.paths[0].fast_recovery);
    }
    pair_deliver(&p, 0);
    deliver_copy(&p, &pk[4]);
    deliver_copy(&p, &pk[5]);
    pump_read(&p, &r);
    assert_int_equal(r.n, idx + 6);
    assert_int_equal(pair_assoc(&p, 0, ids[0]).send_queued, 0);
    pair_free(&p);
}

/* §7.2.1: the initial cwnd is min(4·PMDCS, max(2·PMDCS, 4404)) = 4404
 * over IPv4; §6.1 B: new data goes out while the flight is below cwnd, the
 * last packet breaching it by less than a PMDCS. Ten 1200-byte messages
 * (1216-byte chunks, one a packet): four packets, 4864 bytes in flight,
 * the rest waits until acks come. */
static void sec6_1_rule_b_initial_cwnd_limits_first_flight(void **state)
{
    (void)state;
    tern_ep_config c;
    cfg_data(&c);
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c, &c, ids);
    tern_assoc_info i = pair_assoc(&p, 0, ids[0]);
    assert_int_equal(i.paths[0].cwnd, 4404);
    assert_int_equal(i.paths[0].ssthresh, TERN_CC_SSTHRESH_INITIAL);
    assert_int_equal(i.paths[0].flight, 0);
    for (uint32_t k = 0; k < 10; k++)
        send_ok(&p, 0, ids[0], 0, 0, k, BIG);
    assert_int_equal(pair_collect_from(&p, 0), 4);
    for (size_t k = 0; k < 4; k++) {
        tern_data d[2];
        assert_int_equal(pkt_data(p.flight[k].data, p.flight[k].len, d, 2), 1);
    }
    i = pair_assoc(&p, 0, ids[0]);
    assert_int_equal(i.paths[0].flight, 4 * (16 + BIG));
    assert_true(i.paths[0].flight < i.paths[0].cwnd + PMDCS);
    assert_int_equal(i.send_queued, 10 * BIG);
    reader r = {.side = 1, .in_order = true};
    pump_read(&p, &r);
    assert_int_equal(r.n, 10);
    pair_free(&p);
}

/* ---- §6.3.3 T3-rtx ---------------------------------------------------------------- */

/* §6.3.3: the lost chunk is retransmitted when T3-rtx expires, after RTO;
 * E2 doubles the RTO on each expiry (1 s, 2 s, 4 s) and §7.2.3 sets cwnd
 * to one PMDCS and ssthresh to max(cwnd/2, 4·PMDCS). */
static void sec6_3_3_t3_rtx_backoff_and_cwnd(void **state)
{
    (void)state;
    tern_ep_config c;
    cfg_data(&c);
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c, &c, ids);
    send_pkt(&p, ids[0], 0, 0, 0, BIG);
    uint32_t tsn = pkt_tsn(&p.flight[0]);
    pair_drop(&p, 0);
    tern_assoc_info i = pair_assoc(&p, 0, ids[0]);
    uint64_t cwnd0 = i.paths[0].cwnd;
    assert_int_equal(i.paths[0].rto, TERN_SEC(1));
    tern_time rto = TERN_SEC(1);
    for (int n = 1; n <= 3; n++) {
        tern_time sent = p.now;
        assert_int_equal(tern_ep_next_deadline(p.ep[0]), sent + rto);
        assert_int_equal(pair_fire(&p, 0), sent + rto);
        assert_int_equal(pair_collect_from(&p, 0), 1);
        tern_data d[2];
        assert_int_equal(pkt_data(p.flight[0].data, p.flight[0].len, d, 2), 1);
        assert_int_equal(d[0].tsn, tsn);
        assert_int_equal(d[0].payload.len, BIG);
        rto *= 2;
        i = pair_assoc(&p, 0, ids[0]);
        assert_int_equal(i.paths[0].rto, rto);
        assert_int_equal(i.stats.t3_expired, n);
        assert_int_equal(i.paths[0].cwnd, PMDCS);
        if (n == 1) {
            uint64_t want = cwnd0 / 2 > 4u * PMDCS ? cwnd0 / 2 : 4u * PMDCS;
            assert_int_equal(i.paths[0].ssthresh, want);
        }
        if (n < 3) pair_drop(&p, 0);
    }
    reader r = {.side = 1, .in_order = true};
    pump_read(&p, &r);
    assert_int_equal(r.n, 1);
    i = pair_assoc(&p, 0, ids[0]);
    assert_int_equal(i.send_queued, 0);
    assert_int_equal(i.stats.t3_expired, 3);
    pair_free(&p);
}

/* ---- §6.1 zero window --------------------------------------------------------------- */

/* Endpoint 1 advertises 4000 bytes and does not read; endpoint 0 queues
 * twenty 500-byte messages; the packets move (time standing still) until
 * nothing more flows. */
static void zero_window_setup(pair *p, tern_assoc_id ids[2])
{
    tern_ep_config c0, c1;
    cfg_data(&c0);
    cfg_data(&c1);
    c1.rwnd = 4000;
    c1.sack_delay = 0;
    open_pair(p, &c0, &c1, ids);
    for (uint32_t k = 0; k < 20; k++)
        send_ok(p, 0, ids[0], 0, 0, k, 500);
    pump(p, NULL);
    tern_assoc_info i0 = pair_assoc(p, 0, ids[0]), i1 = pair_assoc(p, 1, ids[1]);
    assert_int_equal(i1.a_rwnd, 0);
    assert_int_equal(i1.recv_held, 4000);
    assert_true(i0.send_queued > i1.recv_held);
}

/* §6.2.1: the sender's view of the peer's rwnd follows the SACKs: a_rwnd
 * less what is outstanding — 0 here, the receiver having closed its window. */
static void sec6_2_1_peer_rwnd_follows_sacks(void **state)
{
    (void)state;
    pair p;
    tern_assoc_id ids[2];
    zero_window_setup(&p, ids);
    assert_int_equal(pair_assoc(&p, 0, ids[0]).peer_rwnd, 0);
    pair_free(&p);
}

/* §6.1 A: when the receiver closes its window with nothing outstanding,
 * the first zero window probe waits one RTO: no DATA goes out at once,
 * everything sent is acknowledged, and the next deadline is now + RTO. */
static void sec6_1_first_zero_window_probe_after_one_rto(void **state)
{
    (void)state;
    pair p;
    tern_assoc_id ids[2];
    zero_window_setup(&p, ids);
    tern_assoc_info i0 = pair_assoc(&p, 0, ids[0]), i1 = pair_assoc(&p, 1, ids[1]);
    assert_int_equal(i1.cum_tsn_ack, i0.next_tsn - 1);
    assert_int_equal(i0.stats.data_chunks_out, 8);
    assert_int_equal(tern_ep_next_deadline(p.ep[0]), p.now + i0.paths[0].rto);
    pair_fire(&p, 0);
    assert_int_equal(pair_collect_from(&p, 0), 1);
    pair_expect_one(&p, 0, TERN_CHUNK_DATA);
    pair_free(&p);
}

/* §6.1 A: while SACKs keep coming back, unacknowledged zero window probes
 * do not count as errors: fifteen probes (more than Path.Max.Retrans 5 and
 * Association.Max.Retrans 10) leave both error counters at 0, the path
 * active and the association up. */
static void sec6_1_zero_window_probes_are_not_errors(void **state)
{
    (void)state;
    pair p;
    tern_assoc_id ids[2];
    zero_window_setup(&p, ids);
    for (int n = 0; n < 15; n++) {
        pair_fire(&p, 0);
        assert_int_equal(pair_collect_from(&p, 0), 1);
        pair_expect_one(&p, 0, TERN_CHUNK_DATA);
        pair_deliver(&p, 0);
        assert_int_equal(pair_collect_from(&p, 1), 1);
        assert_int_equal(expect_sack(&p, 1).a_rwnd, 0);
        pair_deliver(&p, 0);
        tern_assoc_info i0;
        if (!pair_info(&p, 0, ids[0], &i0)) fail_msg("association gone after probe %d", n + 1);
        assert_int_equal(i0.state, TERN_STATE_ESTABLISHED);
        assert_int_equal(i0.error_count, 0);
        assert_int_equal(i0.paths[0].error_count, 0);
        assert_int_equal(i0.paths[0].state, TERN_PATH_ACTIVE);
    }
    pair_free(&p);
}

/* §6.1 A, §6.2: with the peer's window closed the sender sends one DATA
 * chunk at a time as a zero window probe; the receiver drops it and SACKs
 * at once with window 0; each later probe waits at least the (backed off)
 * RTO since the last; probes do not count as errors while SACKs come back.
 * Reading opens the window: a window update SACK goes out and every
 * message arrives in order. */
static void sec6_1_zero_window_probe(void **state)
{
    (void)state;
    pair p;
    tern_assoc_id ids[2];
    zero_window_setup(&p, ids);
    tern_assoc_info i0 = pair_assoc(&p, 0, ids[0]), i1 = pair_assoc(&p, 1, ids[1]);
    size_t held = i1.recv_held;
    uint64_t in = i1.stats.messages_in;
    uint32_t probe_tsn = i1.cum_tsn_ack + 1;
    assert_true(i0.next_tsn - probe_tsn <= 1); /* at most one probe out already */

    tern_time rto = i0.paths[0].rto, last = p.now, interval = 0;
    for (int n = 0; n < 4; n++) {
        tern_time at = pair_fire(&p, 0);
        assert_true(at >= last + rto);
        if (n) assert_true(at - last >= interval);
        interval = at - last;
        last = at;
        assert_int_equal(pair_collect_from(&p, 0), 1);
        tern_chunk_raw raw = pair_expect_one(&p, 0, TERN_CHUNK_DATA);
        tern_data d;
        assert_int_equal(tern_data_decode(&raw, &d), 0);
        assert_int_equal(d.tsn, probe_tsn);
        pair_deliver(&p, 0);
        /* §6.2: dropped (window 0), SACKed at once. */
        assert_int_equal(pair_collect_from(&p, 1), 1);
        sack_view s = expect_sack(&p, 1);
        assert_int_equal(s.cum, probe_tsn - 1);
        assert_int_equal(s.a_rwnd, 0);
        pair_deliver(&p, 0);
        assert_int_equal(pair_collect_from(&p, 0), 0);
        i1 = pair_assoc(&p, 1, ids[1]);
        assert_int_equal(i1.recv_held, held);
        assert_int_equal(i1.stats.messages_in, in);
        i0 = pair_assoc(&p, 0, ids[0]);
        assert_int_equal(i0.state, TERN_STATE_ESTABLISHED);
        assert_int_equal(i0.next_tsn, probe_tsn + 1);
        rto = i0.paths[0].rto;
    }

    reader r = {.side = 1, .in_order = true};
    reader_drain(&p, &r);
    assert_int_equal(r.n, 8);
    assert_int_equal(pair_collect_from(&p, 1), 1); /* window update */
    sack_view s = expect_sack(&p, 1);
    assert_int_equal(s.a_rwnd, 4000);
    pair_deliver(&p, 0);
    pump_read(&p, &r); /* at once, or (see below) at the next probe */
    assert_int_equal(r.n, 20);
    assert_int_equal(pair_assoc(&p, 0, ids[0]).send_queued, 0);
    pair_free(&p);
}

/* One zero window probe: the timer fires, one DATA chunk goes out, is
 * dropped and answered at once by a SACK with window 0. */
static void zero_window_probe_once(pair *p)
{
    pair_fire(p, 0);
    assert_int_equal(pair_collect_from(p, 0), 1);
    pair_expect_one(p, 0, TERN_CHUNK_DATA);
    pair_deliver(p, 0);
    assert_int_equal(pair_collect_from(p, 1), 1);
    assert_int_equal(expect_sack(p, 1).a_rwnd, 0);
    pair_deliver(p, 0);
}

/* §6.1 A, §6.2: when the receiver reads and its window update SACK
 * arrives, the sender resumes at once. "Zero window probing does not
 * affect the calculation of cwnd" (§6.1 A): a probe left unacknowledged
 * by a closed window is not a loss. */
static void sec6_1_sender_resumes_on_window_update(void **state)
{
    (void)state;
    pair p;
    tern_assoc_id ids[2];
    zero_window_setup(&p, ids);
    zero_window_probe_once(&p);
    reader r = {.side = 1, .in_order = true};
    reader_drain(&p, &r);
    assert_int_equal(r.n, 8);
    assert_int_equal(pair_collect_from(&p, 1), 1); /* window update */
    assert_int_equal(expect_sack(&p, 1).a_rwnd, 4000);
    pair_deliver(&p, 0);
    assert_true(pair_collect_from(&p, 0) >= 1);
    assert_true(pkt_has_data(&p.flight[0]));
    tern_assoc_info i0 = pair_assoc(&p, 0, ids[0]);
    assert_true(i0.paths[0].cwnd > PMDCS);
    pair_free(&p);
}

/* §6.2: reading sends a window update only once the window grew by
 * max(PMTU, rwnd / 16) since it was last advertised (here 4,000 bytes of a
 * 64,000-byte window): a reader that keeps up lets the SACKs of the data
 * carry the window instead of answering every packet it reads. */
static void window_update_waits_for_a_sixteenth_of_the_window(void **state)
{
    (void)state;
    tern_ep_config c0, c1;
    cfg_data(&c0);
    cfg_data(&c1);
    c1.rwnd = 64000;
    c1.sack_delay = 0;
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c0, &c1, ids);
    reader r = {.side = 1, .in_order = true};
    uint32_t k = 0;
    for (; k < 10; k++) /* 3,000 bytes: read, no update */
        send_ok(&p, 0, ids[0], 0, 0, k, 300);
    pump(&p, NULL);
    reader_drain(&p, &r);
    assert_int_equal(r.n, 10);
    assert_int_equal(pair_collect_from(&p, 1), 0);
    for (; k < 24; k++) /* 4,200 bytes: read, one update with the whole window */
        send_ok(&p, 0, ids[0], 0, 0, k, 300);
    pump(&p, NULL);
    reader_drain(&p, &r);
    assert_int_equal(r.n, 24);
    assert_int_equal(pair_collect_from(&p, 1), 1);
    assert_int_equal(expect_sack(&p, 1).a_rwnd, 64000);
    pair_free(&p);
}

/* ---- §6.9 fragmentation and reassembly ------------------------------------------------ */

typedef struct frag_ctx {
    uint32_t chunks, first_tsn;
    bool seen_first, seen_last;
} frag_ctx;

static bool frag_keep(pair *p, const pair_pkt *k, void *ctx)
{
    (void)p;
    frag_ctx *f = ctx;
    if (k->from != 0) return true;
    assert_true(k->len <= MAX_PKT);
    static tern_data d[8];
    int n = pkt_data(k->data, k->len, d, 8);
    for (int j = 0; j < n && j < 8; j++) {
        assert_int_equal(d[j].stream, 1);
        assert_int_equal(d[j].ssn, 0);
        if (d[j].flags & TERN_DATA_FLAG_B) {
            assert_false(f->seen_first);
            f->seen_first = true;
            f->first_tsn = d[j].tsn;
        }
        if (d[j].flags & TERN_DATA_FLAG_E) {
            assert_false(f->seen_last);
            f->seen_last = true;
            assert_int_equal(d[j].tsn - f->first_tsn + 1, f->chunks + 1);
        }
        f->chunks++;
    }
    return true;
}

/* §6.9: a 1 MiB message goes out in fragments no packet of which exceeds
 * the path MTU (1500: 1472 bytes of SCTP over IPv4 and UDP), B on the
 * first, E on the last, consecutive TSNs; the receiver hands it over
 * whole and intact (in several reads of 64 KiB, EOR on the last). */
static void sec6_9_reassembly_of_1mib_message(void **state)
{
    (void)state;
    tern_ep_config c0, c1;
    cfg_data(&c0);
    cfg_data(&c1);
    c0.sndbuf = 2u << 20;
    c1.rwnd = 4u << 20;
    c1.sack_delay = 0;
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c0, &c1, ids);
    const size_t len = 1u << 20;
    uint8_t *msg = malloc(len), *got = malloc(len + 65536);
    assert_non_null(msg);
    assert_non_null(got);
    mk_msg(msg, len, 42);
    tern_sndinfo si = {.stream = 1, .ppid = PPID};
    assert_int_equal(tern_ep_send(p.ep[0], ids[0], &si, msg, len, p.now), 0);
    frag_ctx f = {0};
    pump_ops o = {.keep = frag_keep, .ctx = &f, .limit = p.now + TERN_SEC(60)};
    pump(&p, &o);
    assert_true(f.seen_first && f.seen_last);
    assert_true(f.chunks >= len / (MAX_PKT - 12 - 16));

    size_t off = 0;
    for (;;) {
        tern_rcvinfo ri;
        long n = tern_ep_recv(p.ep[1], &ri, got + off, 65536, p.now);
        assert_true(n > 0);
        assert_int_equal(ri.stream, 1);
        assert_int_equal(ri.ppid, PPID);
        assert_int_equal(ri.tsn, f.first_tsn);
        off += (size_t)n;
        if (ri.flags & TERN_RCV_EOR) break;
        assert_true(off < len);
    }
    assert_int_equal(off, len);
    assert_memory_equal(got, msg, len);
    tern_rcvinfo ri;
    assert_int_equal(tern_ep_recv(p.ep[1], &ri, got, 65536, p.now), 0);
    free(msg);
    free(got);
    pair_free(&p);
}

typedef struct pd_ctx {
    uint8_t *got;
    size_t off, len, max_held;
    uint32_t tsn;
    int reads;
    bool eor, partial_seen, tsn_varied;
    tern_assoc_id id1;
} pd_ctx;

/* Reads what endpoint 1 has of the one message, 16 KiB at a time. */
static void pd_after(pair *p, void *ctx)
{
    pd_ctx *c = ctx;
    tern_assoc_info i;
    if (pair_info(p, 1, c->id1, &i) && i.recv_held > c->max_held) c->max_held = i.recv_held;
    for (;;) {
        tern_rcvinfo ri;
        size_t cap = c->len + 1 - c->off;
        if (cap > 16384) cap = 16384;
        long n = tern_ep_recv(p->ep[1], &ri, c->got + c->off, cap, p->now);
        assert_true(n >= 0);
        if (n == 0) return;
        assert_false(c->eor);
        if (c->reads++ == 0) c->tsn = ri.tsn;
        if (ri.tsn != c->tsn) c->tsn_varied = true;
        assert_int_equal(ri.stream, 7);
        assert_int_equal(ri.ppid, PPID);
        if (ri.flags & TERN_RCV_PARTIAL) c->partial_seen = true;
        c->off += (size_t)n;
        assert_true(c->off <= c->len);
        if (ri.flags & TERN_RCV_EOR) c->eor = true;
    }
}

/* A 300 KB message on stream 7 to a receiver with a 64 KiB window
 * (pd_point 32 KiB), read 16 KiB at a time as it comes. */
static void partial_delivery_run(pd_ctx *c)
{
    tern_ep_config c0, c1;
    cfg_data(&c0);
    cfg_data(&c1);
    c1.rwnd = 65536;
    c1.sack_delay = 0;
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c0, &c1, ids);
    const size_t len = 300000;
    uint8_t *msg = malloc(len);
    *c = (pd_ctx){.got = malloc(len + 1), .len = len, .id1 = ids[1]};
    assert_non_null(msg);
    assert_non_null(c->got);
    mk_msg(msg, len, 5);
    tern_sndinfo si = {.stream = 7, .ppid = PPID};
    assert_int_equal(tern_ep_send(p.ep[0], ids[0], &si, msg, len, p.now), 0);
    pump_ops o = {.after = pd_after, .ctx = c, .limit = p.now + TERN_SEC(120)};
    pump(&p, &o);
    assert_true(c->eor);
    assert_int_equal(c->off, len);
    assert_memory_equal(c->got, msg, len);
    assert_int_equal(pair_assoc(&p, 0, ids[0]).send_queued, 0);
    free(msg);
    free(c->got);
    c->got = NULL;
    pair_free(&p);
}

/* §6.9 (partial delivery): a message larger than the receive window
 * cannot be reassembled whole: delivery starts before it has all arrived
 * (TERN_RCV_PARTIAL), the receiver never holds more than its window, and
 * the reads add up to the message, EOR on the last. */
static void sec6_9_partial_delivery_of_message_larger_than_rwnd(void **state)
{
    (void)state;
    pd_ctx c;
    partial_delivery_run(&c);
    assert_true(c.partial_seen);
    assert_true(c.max_held <= 65536);
}

/* API (core.h: tern_rcvinfo.tsn is "of the message's first chunk"): every
 * part of a partially delivered message reports the same TSN. */
static void api_partial_delivery_parts_report_first_tsn(void **state)
{
    (void)state;
    pd_ctx c;
    partial_delivery_run(&c);
    assert_true(c.reads > 1);
    assert_false(c.tsn_varied);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sec3_3_1_data_chunk_fields_and_delivery),
        cmocka_unit_test(sec3_3_1_i_bit_gets_immediate_sack),
        cmocka_unit_test(sec6_2_delayed_sack_after_sack_delay),
        cmocka_unit_test(sec6_2_sack_for_every_second_packet),
        cmocka_unit_test(sec6_2_sack_timer_stopped_when_sack_sent),
        cmocka_unit_test(sec6_2_sack_delay_zero_acks_every_packet),
        cmocka_unit_test(sec6_2_duplicate_tsn_reported_at_once),
        cmocka_unit_test(sec6_7_gap_ack_blocks_after_loss),
        cmocka_unit_test(sec7_2_4_fast_retransmit_on_third_miss),
        cmocka_unit_test(sec6_1_rule_b_initial_cwnd_limits_first_flight),
        cmocka_unit_test(sec6_3_3_t3_rtx_backoff_and_cwnd),
        cmocka_unit_test(sec6_2_1_peer_rwnd_follows_sacks),
        cmocka_unit_test(sec6_1_first_zero_window_probe_after_one_rto),
        cmocka_unit_test(sec6_1_zero_window_probes_are_not_errors),
        cmocka_unit_test(sec6_1_zero_window_probe),
        cmocka_unit_test(sec6_1_sender_resumes_on_window_update),
        cmocka_unit_test(window_update_waits_for_a_sixteenth_of_the_window),
        cmocka_unit_test(sec6_9_reassembly_of_1mib_message),
        cmocka_unit_test(sec6_9_partial_delivery_of_message_larger_than_rwnd),
        cmocka_unit_test(api_partial_delivery_parts_report_first_tsn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
