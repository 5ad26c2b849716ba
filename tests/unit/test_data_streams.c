/* Data transfer over the pair rig, continued: streams and ordering (§6.5,
 * §6.6), TSN and SSN wrap-around, the sender's events and send buffer, the
 * send/receive API contract, and §9.1/§9.2 with data around. */
#include "tests/unit/data_testutil.h"

/* ---- §6.5, §6.6 streams and ordering ---------------------------------------------------- */

/* §6.5, §6.6: A (stream 1) is lost; B and C (stream 2) are read at once; D
 * (stream 1, after A) waits for A's retransmission. Read order: B C A D. */
static void sec6_6_ordered_stream_blocked_other_streams_deliver(void **state)
{
    (void)state;
    tern_ep_config c0, c1;
    cfg_data(&c0);
    cfg_data(&c1);
    c1.sack_delay = 0;
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c0, &c1, ids);
    send_pkt(&p, ids[0], 1, 0, 0, 200); /* A */
    pair_drop(&p, 0);
    send_pkt(&p, ids[0], 2, 0, 1, 200); /* B */
    send_pkt(&p, ids[0], 2, 0, 2, 200); /* C */
    send_pkt(&p, ids[0], 1, 0, 3, 200); /* D */
    for (int k = 0; k < 3; k++)
        pair_deliver(&p, 0);
    pair_drop_all(&p, 0); /* the SACKs: recovery waits */

    tern_rcvinfo ri;
    assert_int_equal(read_one(&p, 1, &ri), 1);
    assert_int_equal(ri.stream, 2);
    assert_int_equal(ri.ssn, 0);
    assert_int_equal(read_one(&p, 1, &ri), 2);
    assert_int_equal(ri.stream, 2);
    assert_int_equal(ri.ssn, 1);
    assert_int_equal(read_one(&p, 1, &ri), -1); /* D waits for A */

    reader r = {.side = 1};
    pump_read(&p, &r);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.order[0], 0);
    assert_int_equal(r.order[1], 3);
    pair_free(&p);
}

/* §6.6: an unordered message is delivered as soon as it arrives, past a
 * gap in the TSNs; ordered ones on its stream still wait. */
static void sec6_6_unordered_delivered_past_gap(void **state)
{
    (void)state;
    tern_ep_config c0, c1;
    cfg_data(&c0);
    cfg_data(&c1);
    c1.sack_delay = 0;
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c0, &c1, ids);
    send_pkt(&p, ids[0], 0, 0, 0, 200); /* A, lost */
    pair_drop(&p, 0);
    send_pkt(&p, ids[0], 0, TERN_SEND_UNORDERED, 1, 200); /* U1 */
    send_pkt(&p, ids[0], 0, 0, 2, 200);                   /* B, waits for A */
    send_pkt(&p, ids[0], 1, TERN_SEND_UNORDERED, 3, 200); /* U2 */
    for (int k = 0; k < 3; k++)
        pair_deliver(&p, 0);
    pair_drop_all(&p, 0);

    tern_rcvinfo ri;
    assert_int_equal(read_one(&p, 1, &ri), 1);
    assert_int_equal(ri.flags, TERN_RCV_EOR | TERN_RCV_UNORDERED);
    assert_int_equal(ri.stream, 0);
    assert_int_equal(read_one(&p, 1, &ri), 3);
    assert_int_equal(ri.flags, TERN_RCV_EOR | TERN_RCV_UNORDERED);
    assert_int_equal(ri.stream, 1);
    assert_int_equal(read_one(&p, 1, &ri), -1);

    reader r = {.side = 1};
    pump_read(&p, &r);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.order[0], 0);
    assert_int_equal(r.order[1], 2);
    pair_free(&p);
}

/* §6.5: a DATA chunk for a stream the receiver does not have (≥ its
 * inbound streams) is acknowledged as usual (the SACK covers its TSN) and
 * answered at once with an ERROR with an Invalid Stream Identifier cause
 * naming the stream; if bundled, the ERROR follows the SACK. Nothing is
 * delivered; the next chunk on a valid stream still is. */
static void sec6_5_invalid_stream_error_and_tsn_acked(void **state)
{
    (void)state;
    tern_ep_config c;
    cfg_data(&c);
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c, &c, ids);
    tern_assoc_info i1 = pair_assoc(&p, 1, ids[1]);
    assert_int_equal(i1.inbound_streams, 10);
    uint32_t tsn = i1.cum_tsn_ack + 1;
    assert_int_equal(tsn, i1.peer_initial_tsn);

    uint8_t payload[16], chunks[64];
    mk_msg(payload, sizeof payload, 9);
    tern_wbuf w;
    tern_wbuf_init(&w, chunks, sizeof chunks);
    tern_data d = {.flags = FLAG_BE,
                   .tsn = tsn,
                   .stream = i1.inbound_streams,
                   .ssn = 0,
                   .ppid = PPID,
                   .payload = {payload, sizeof payload}};
    tern_data_put(&w, &d);
    pair_inject_wbuf(&p, 1, i1.local_vtag, &w);

    assert_true(pair_collect_from(&p, 1) >= 1);
    long e = pair_find_in_flight(&p, 1, TERN_CHUNK_ERROR);
    assert_true(e >= 0);
    const pair_pkt *k = &p.flight[e];
    assert_int_equal(pkt_vtag(k->data, k->len), i1.peer_vtag);
    tern_chunk_raw raw;
    assert_true(pkt_find(k->data, k->len, TERN_CHUNK_ERROR, &raw));
    assert_int_equal(raw.value.len, 8);
    assert_int_equal(tern_load16(raw.value.ptr), TERN_CAUSE_INVALID_STREAM);
    assert_int_equal(tern_load16(raw.value.ptr + 2), 8);
    assert_int_equal(tern_load16(raw.value.ptr + 4), i1.inbound_streams);
    /* A bundled SACK comes first. */
    tern_common_header h;
    tern_chunk_iter it;
    assert_int_equal(tern_packet_parse(k->data, k->len, &h, &it), 0);
    bool error_seen = false;
    while (tern_chunk_next(&it, &raw) > 0) {
        if (raw.type == TERN_CHUNK_ERROR) error_seen = true;
        if (raw.type == TERN_CHUNK_SACK) assert_false(error_seen);
    }
    if (pair_find_in_flight(&p, 1, TERN_CHUNK_SACK) < 0) { /* delayed as usual */
        pair_drop_all(&p, 0);
        pair_fire(&p, 1);
        pair_collect_from(&p, 1);
    }
    long si = pair_find_in_flight(&p, 1, TERN_CHUNK_SACK);
    assert_true(si >= 0);
    sack_view s = {0};
    assert_true(pkt_sack(p.flight[si].data, p.flight[si].len, &s));
    assert_int_equal(s.cum, tsn);
    assert_int_equal(s.ngaps, 0);
    pair_drop_all(&p, 0);
    assert_int_equal(read_one(&p, 1, NULL), -1);
    assert_int_equal(pair_assoc(&p, 1, ids[1]).cum_tsn_ack, tsn);
    assert_int_equal(pair_assoc(&p, 1, ids[1]).state, TERN_STATE_ESTABLISHED);

    /* The next TSN on stream 0 is delivered. */
    mk_msg(payload, sizeof payload, 10);
    d.tsn = tsn + 1;
    d.stream = 0;
    tern_wbuf_init(&w, chunks, sizeof chunks);
    tern_data_put(&w, &d);
    pair_inject_wbuf(&p, 1, i1.local_vtag, &w);
    assert_int_equal(read_one(&p, 1, NULL), 10);
    pair_free(&p);
}

/* ---- serial number wrap ----------------------------------------------------------------- */

/* A cfg.random that makes every 32-bit draw (tags, Initial TSN) 0xFFFFFFF0;
 * longer draws come from a seeded generator. */
static int random_near_wrap(void *ctx, uint8_t *buf, size_t len)
{
    if (len == 4) {
        uint32_t v = 0xFFFFFFF0u;
        memcpy(buf, &v, 4);
        return 0;
    }
    return pair_random(ctx, buf, len);
}

typedef struct wrap_ctx {
    reader r;
    bool dropped, gap_seen;
} wrap_ctx;

/* Loses the packet with TSN 0 (once) and checks the gap block reported
 * across the wrap: cum 0xFFFFFFFF, TSN 1 at offset 2. */
static bool wrap_keep(pair *p, const pair_pkt *k, void *ctx)
{
    (void)p;
    wrap_ctx *w = ctx;
    sack_view s = {0};
    if (k->from == 1 && pkt_sack(k->data, k->len, &s) && s.cum == 0xFFFFFFFFu && s.ngaps) {
        assert_int_equal(s.gaps[0].start, 2);
        w->gap_seen = true;
    }
    if (k->from == 0 && !w->dropped && pkt_has_data(k) && pkt_tsn(k) == 0) {
        w->dropped = true;
        return false;
    }
    return true;
}

/* §1.6 (serial number arithmetic), §6.1: with the Initial TSN at
 * 0xFFFFFFF0, 40 messages cross the TSN wrap, the one with TSN 0 is lost
 * and recovered; all arrive in order and the cumulative ack ends at 0x17. */
static void sec1_6_tsn_wraps_mid_transfer(void **state)
{
    (void)state;
    pair_rng rng[2] = {{1}, {2}};
    tern_ep_config c[2];
    for (int i = 0; i < 2; i++) {
        cfg_data(&c[i]);
        c[i].random = random_near_wrap;
        c[i].random_ctx = &rng[i];
    }
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c[0], &c[1], ids);
    tern_assoc_info i0 = pair_assoc(&p, 0, ids[0]);
    assert_int_equal(i0.local_initial_tsn, 0xFFFFFFF0u);
    assert_int_equal(pair_assoc(&p, 1, ids[1]).peer_initial_tsn, 0xFFFFFFF0u);
    for (uint32_t k = 0; k < 40; k++)
        send_ok(&p, 0, ids[0], 0, 0, k, BIG);
    wrap_ctx w = {.r = {.side = 1, .in_order = true}};
    pump_ops o = {.keep = wrap_keep, .after = after_read, .ctx = &w, .limit = TERN_SEC(120)};
    pump(&p, &o);
    assert_true(w.dropped);
    assert_true(w.gap_seen);
    assert_int_equal(w.r.n, 40);
    assert_int_equal(pair_assoc(&p, 1, ids[1]).cum_tsn_ack, 0x17u);
    i0 = pair_assoc(&p, 0, ids[0]);
    assert_int_equal(i0.next_tsn, 0x18u);
    assert_int_equal(i0.send_queued, 0);
    pair_free(&p);
}

/* §6.5, §6.6: 65,600 messages on one stream: the SSN wraps from 65535 to
 * 0 and every message arrives in order, each with SSN n mod 2^16. */
static void sec6_5_ssn_wraps(void **state)
{
    (void)state;
    tern_ep_config c0, c1;
    cfg_data(&c0);
    cfg_data(&c1);
    c1.sack_delay = 0;
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c0, &c1, ids);
    const uint32_t total = 65600;
    reader r = {.side = 1, .in_order = true, .check_ssn = true};
    pump_ops o = {.after = after_read, .ctx = &r};
    for (uint32_t k = 0; k < total;) {
        int rc = send_msg(&p, 0, ids[0], 4, 0, k, 8);
        if (rc == TERN_EAGAIN || k % 2000 == 1999) pump(&p, &o);
        if (rc == 0)
            k++;
        else
            assert_int_equal(rc, TERN_EAGAIN);
    }
    pump(&p, &o);
    assert_int_equal(r.n, total);
    assert_int_equal(pair_assoc(&p, 0, ids[0]).send_queued, 0);
    pair_free(&p);
}

/* ---- sender events and the send buffer --------------------------------------------------- */

/* RFC 6458 §6.1.9 (SENDER_DRY): after the last outstanding message is
 * acknowledged with nothing queued, once; not while any is unacked. */
static void rfc6458_sender_dry_after_everything_acked(void **state)
{
    (void)state;
    tern_ep_config c0, c1;
    cfg_data(&c0);
    cfg_data(&c1);
    c1.sack_delay = 0;
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c0, &c1, ids);
    for (uint32_t k = 0; k < 3; k++)
        send_pkt(&p, ids[0], 0, 0, k, BIG);
    assert_no_event(&p, 0);
    for (int k = 0; k < 3; k++) {
        pair_deliver(&p, 0);
        pair_collect_from(&p, 1);
        long s = pair_find_in_flight(&p, 1, TERN_CHUNK_SACK);
        assert_true(s >= 0);
        pair_deliver(&p, (size_t)s);
        if (k < 2) assert_no_event(&p, 0);
    }
    tern_event ev;
    assert_int_equal(tern_ep_poll_event(p.ep[0], &ev), 1);
    assert_int_equal(ev.type, TERN_EV_SENDER_DRY);
    assert_int_equal(ev.assoc, ids[0]);
    assert_no_event(&p, 0);
    assert_no_event(&p, 1);
    pair_free(&p);
}

/* API: with sndbuf 4000, four 1000-byte messages fill it; a fifth send
 * returns TERN_EAGAIN and queues nothing. TERN_EV_SEND_BUFFER_LOW comes
 * only once acknowledgements bring the bytes to the threshold; then sends
 * succeed again. */
static void api_send_buffer_full_eagain_then_buffer_low(void **state)
{
    (void)state;
    tern_ep_config c0, c1;
    cfg_data(&c0);
    cfg_data(&c1);
    c0.sndbuf = 4000;
    c1.sack_delay = 0;
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c0, &c1, ids);
    assert_int_equal(tern_ep_set_buffer_low(p.ep[0], ids[0] + 77, 1000), TERN_ENOENT);
    assert_int_equal(tern_ep_set_buffer_low(p.ep[0], ids[0], 1000), 0);
    for (uint32_t k = 0; k < 4; k++)
        send_ok(&p, 0, ids[0], 0, 0, k, 1000);
    tern_assoc_info before = pair_assoc(&p, 0, ids[0]);
    assert_int_equal(before.send_queued, 4000);
    assert_int_equal(send_msg(&p, 0, ids[0], 0, 0, 4, 8), TERN_EAGAIN);
    tern_assoc_info after = pair_assoc(&p, 0, ids[0]);
    assert_int_equal(after.send_queued, 4000);
    assert_int_equal(after.next_tsn, before.next_tsn);
    assert_int_equal(after.stats.messages_out, before.stats.messages_out);
    assert_no_event(&p, 0);

    pair_collect_from(&p, 0);
    assert_true(p.nflight >= 1);
    assert_no_event(&p, 0); /* sending frees nothing */
    reader r = {.side = 1, .in_order = true};
    bool low = false;
    while (p.nflight) {
        pair_deliver(&p, 0);
        reader_drain(&p, &r);
        pair_collect(&p);
        tern_event ev;
        while (tern_ep_poll_event(p.ep[0], &ev)) {
            if (ev.type != TERN_EV_SEND_BUFFER_LOW) continue;
            assert_false(low);
            assert_int_equal(ev.assoc, ids[0]);
            assert_true(pair_assoc(&p, 0, ids[0]).send_queued <= 1000);
            low = true;
        }
        if (!low) assert_true(pair_assoc(&p, 0, ids[0]).send_queued > 1000);
    }
    assert_true(low);
    assert_int_equal(r.n, 4);
    send_ok(&p, 0, ids[0], 0, 0, 4, 1000);
    pair_free(&p);
}

/* Compares what a refused send must leave unchanged. */
static void assert_unchanged(tern_assoc_info a, tern_assoc_info b)
{
    assert_int_equal(a.state, b.state);
    assert_int_equal(a.send_queued, b.send_queued);
    assert_int_equal(a.next_tsn, b.next_tsn);
    assert_int_equal(a.stats.messages_out, b.stats.messages_out);
    assert_int_equal(a.stats.data_chunks_out, b.stats.data_chunks_out);
}

/* API (DESIGN.md §5, §9.2): refused sends change nothing and send
 * nothing: bad stream, length 0, NULL, unknown flags → TERN_EINVAL; an
 * unknown id → TERN_ENOENT; before ESTABLISHED (COOKIE-WAIT, COOKIE-ECHOED)
 * and once shutting down (SHUTDOWN-PENDING, SHUTDOWN-SENT,
 * SHUTDOWN-ACK-SENT) → TERN_ESTATE. */
static void api_send_errors_change_nothing(void **state)
{
    (void)state;
    tern_ep_config c;
    cfg_data(&c);
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c, &c, ids);
    uint8_t b[16] = {0};
    tern_assoc_info before = pair_assoc(&p, 0, ids[0]);
    assert_int_equal(before.outbound_streams, 10);
    tern_sndinfo si = {.stream = 10, .ppid = PPID};
    assert_int_equal(tern_ep_send(p.ep[0], ids[0], &si, b, 16, p.now), TERN_EINVAL);
    si.stream = 0xFFFF;
    assert_int_equal(tern_ep_send(p.ep[0], ids[0], &si, b, 16, p.now), TERN_EINVAL);
    si.stream = 0;
    assert_int_equal(tern_ep_send(p.ep[0], ids[0], &si, b, 0, p.now), TERN_EINVAL);
    assert_int_equal(tern_ep_send(p.ep[0], ids[0], &si, NULL, 16, p.now), TERN_EINVAL);
    assert_int_equal(tern_ep_send(p.ep[0], ids[0], NULL, b, 16, p.now), TERN_EINVAL);
    assert_int_equal(tern_ep_send(NULL, ids[0], &si, b, 16, p.now), TERN_EINVAL);
    si.flags = 0x80;
    assert_int_equal(tern_ep_send(p.ep[0], ids[0], &si, b, 16, p.now), TERN_EINVAL);
    si.flags = 0;
    assert_int_equal(tern_ep_send(p.ep[0], ids[0] + 77, &si, b, 16, p.now), TERN_ENOENT);
    /* A message larger than the whole send buffer can never be queued:
     * not TERN_EAGAIN, which would have the caller retry for ever. */
    uint8_t *huge = calloc(1, c.sndbuf + 1);
    assert_non_null(huge);
    int rc = tern_ep_send(p.ep[0], ids[0], &si, huge, c.sndbuf + 1, p.now);
    free(huge);
    assert_true(rc < 0);
    assert_int_not_equal(rc, TERN_EAGAIN);
    tern_assoc_info after = pair_assoc(&p, 0, ids[0]);
    assert_unchanged(before, after);
    assert_int_equal(pair_collect_from(&p, 0), 0);
    assert_no_event(&p, 0);

    /* SHUTDOWN-PENDING: data outstanding. */
    send_ok(&p, 0, ids[0], 0, 0, 0, 100);
    pair_collect_from(&p, 0);
    pair_drop_all(&p, 0);
    assert_int_equal(tern_ep_shutdown(p.ep[0], ids[0], p.now), 0);
    before = pair_assoc(&p, 0, ids[0]);
    assert_int_equal(before.state, TERN_STATE_SHUTDOWN_PENDING);
    assert_int_equal(send_msg(&p, 0, ids[0], 0, 0, 1, 100), TERN_ESTATE);
    assert_unchanged(before, pair_assoc(&p, 0, ids[0]));
    assert_int_equal(pair_collect_from(&p, 0), 0);
    /* SHUTDOWN-SENT and, on the peer, SHUTDOWN-ACK-SENT. */
    pair_fire(&p, 0); /* T3: the DATA again */
    pair_collect_from(&p, 0);
    pair_deliver(&p, 0);
    reader r = {.side = 1};
    reader_drain(&p, &r);
    assert_int_equal(r.n, 1);
    pair_fire(&p, 1); /* delayed SACK */
    pair_collect_from(&p, 1);
    pair_deliver(&p, 0);
    pair_collect_from(&p, 0);
    assert_int_equal(pair_find_in_flight(&p, 0, TERN_CHUNK_SHUTDOWN), 0);
    before = pair_assoc(&p, 0, ids[0]);
    assert_int_equal(before.state, TERN_STATE_SHUTDOWN_SENT);
    assert_int_equal(send_msg(&p, 0, ids[0], 0, 0, 2, 100), TERN_ESTATE);
    assert_unchanged(before, pair_assoc(&p, 0, ids[0]));
    pair_deliver(&p, 0);
    tern_assoc_info b1 = pair_assoc(&p, 1, ids[1]);
    assert_int_equal(b1.state, TERN_STATE_SHUTDOWN_ACK_SENT);
    assert_int_equal(send_msg(&p, 1, ids[1], 0, 0, 3, 100), TERN_ESTATE);
    assert_unchanged(b1, pair_assoc(&p, 1, ids[1]));
    pair_free(&p);

    /* COOKIE-WAIT and COOKIE-ECHOED (the COOKIE ECHO gone): a stream we
     * did not ask for is refused; a message is queued, and no packet goes
     * before the COOKIE ACK (§5.1 C; test_cookie_data.c). */
    for (int echoed = 0; echoed < 2; echoed++) {
        pair_init(&p, &c, &c);
        tern_assoc_id id = pair_half_open(&p, echoed);
        before = pair_assoc(&p, 0, id);
        assert_int_equal(send_msg(&p, 0, id, before.outbound_streams, 0, 0, 100), TERN_EINVAL);
        assert_unchanged(before, pair_assoc(&p, 0, id));
        assert_int_equal(send_msg(&p, 0, id, 0, 0, 0, 100), 0);
        assert_int_equal(pair_assoc(&p, 0, id).send_unsent, 100);
        assert_int_equal(pair_collect_from(&p, 0), 0);
        pair_free(&p);
    }
}

/* API: a message longer than the read buffer comes in parts, in order,
 * each with the message's stream, SSN, TSN and PPID, TERN_RCV_EOR only on
 * the last; the next message then reads whole. */
static void api_recv_in_parts_with_eor_last(void **state)
{
    (void)state;
    tern_ep_config c;
    cfg_data(&c);
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c, &c, ids);
    send_ok(&p, 0, ids[0], 5, 0, 0, 1000);
    send_ok(&p, 0, ids[0], 5, 0, 1, 100);
    pair_collect_from(&p, 0);
    while (p.nflight)
        pair_deliver(&p, 0);
    uint8_t want[1000], got[1000];
    mk_msg(want, sizeof want, 0);
    size_t off = 0;
    const long parts[4] = {300, 300, 300, 100};
    uint32_t tsn = 0;
    for (int k = 0; k < 4; k++) {
        tern_rcvinfo ri;
        assert_int_equal(tern_ep_recv(p.ep[1], &ri, got + off, 300, p.now), parts[k]);
        off += (size_t)parts[k];
        assert_int_equal(ri.stream, 5);
        assert_int_equal(ri.ssn, 0);
        assert_int_equal(ri.ppid, PPID);
        if (k == 0) tsn = ri.tsn;
        assert_int_equal(ri.tsn, tsn);
        assert_int_equal(ri.flags & TERN_RCV_EOR, k == 3 ? TERN_RCV_EOR : 0);
    }
    assert_memory_equal(got, want, sizeof want);
    tern_rcvinfo ri;
    assert_int_equal(read_one(&p, 1, &ri), 1);
    assert_int_equal(ri.ssn, 1);
    assert_int_equal(read_one(&p, 1, &ri), -1);
    assert_int_equal(tern_ep_recv(p.ep[1], &ri, got, 0, p.now), TERN_EINVAL);
    assert_int_equal(tern_ep_recv(p.ep[1], &ri, NULL, 10, p.now), TERN_EINVAL);
    pair_free(&p);
}

/* ---- §9 closing with data ---------------------------------------------------------------- */

typedef struct shut_ctx {
    reader r;
    tern_assoc_id id0;
    uint32_t total;
    bool lost, shutdown_seen;
} shut_ctx;

static bool shut_keep(pair *p, const pair_pkt *k, void *ctx)
{
    shut_ctx *s = ctx;
    if (k->from == 0 && pkt_has_data(k) && !s->lost) {
        s->lost = true;
        return false;
    }
    if (k->from == 0 && pkt_find(k->data, k->len, TERN_CHUNK_SHUTDOWN, NULL)) {
        /* §9.2: only once everything is acknowledged; all of it was read. */
        assert_false(pkt_has_data(k));
        tern_assoc_info i;
        if (pair_info(p, 0, s->id0, &i)) assert_int_equal(i.send_queued, 0);
        reader_drain(p, &s->r);
        assert_int_equal(s->r.n, s->total);
        s->shutdown_seen = true;
    }
    return true;
}

/* §9.2: after tern_ep_shutdown with data queued and outstanding (one packet
 * lost), the association stays in SHUTDOWN-PENDING and keeps sending and
 * retransmitting; SHUTDOWN goes out only when the last DATA is acked,
 * every message is delivered before it, and both sides complete. */
static void sec9_2_shutdown_waits_for_outstanding_data(void **state)
{
    (void)state;
    tern_ep_config c;
    cfg_data(&c);
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c, &c, ids);
    shut_ctx s = {.r = {.side = 1, .in_order = true}, .id0 = ids[0], .total = 8};
    for (uint32_t k = 0; k < s.total; k++)
        send_ok(&p, 0, ids[0], 0, 0, k, BIG);
    pair_collect_from(&p, 0);
    assert_int_equal(tern_ep_shutdown(p.ep[0], ids[0], p.now), 0);
    assert_int_equal(pair_assoc(&p, 0, ids[0]).state, TERN_STATE_SHUTDOWN_PENDING);
    assert_int_equal(pair_count_in_flight(&p, 0, TERN_CHUNK_SHUTDOWN), 0);
    pump_ops o = {.keep = shut_keep, .after = after_read, .ctx = &s, .limit = TERN_SEC(120)};
    pump(&p, &o);
    assert_true(s.lost);
    assert_true(s.shutdown_seen);
    assert_int_equal(s.r.n, s.total);
    tern_event ev;
    assert_true(pair_event(&p, 0, TERN_EV_SHUTDOWN_COMPLETE, &ev));
    assert_int_equal(ev.assoc, ids[0]);
    assert_true(pair_event(&p, 1, TERN_EV_SHUTDOWN_COMPLETE, &ev));
    assert_false(pair_info(&p, 0, ids[0], &(tern_assoc_info){0}));
    assert_false(pair_info(&p, 1, ids[1], &(tern_assoc_info){0}));
    pair_free(&p);
}

/* §9.1, RFC 6458 §6.1.11: the peer aborts while two messages are sent but
 * unacked and three were never sent: COMM_LOST, then one
 * TERN_EV_SEND_FAILED per message with its stream, PPID, context and data,
 * TERN_FAILED_UNSENT exactly on the three never sent. */
static void sec9_1_abort_reports_every_unacked_message(void **state)
{
    (void)state;
    tern_ep_config c;
    cfg_data(&c);
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c, &c, ids);
    send_pkt(&p, ids[0], 2, 0, 0, 300);
    send_pkt(&p, ids[0], 3, 0, 1, 400);
    pair_drop_all(&p, 0);
    for (uint32_t k = 2; k < 5; k++)
        send_ok(&p, 0, ids[0], (uint16_t)k, 0, k, 100u * (k + 1));
    assert_int_equal(tern_ep_abort(p.ep[1], ids[1], NULL, 0, p.now), 0);
    pair_collect_from(&p, 1);
    pair_expect_one(&p, 1, TERN_CHUNK_ABORT);
    pair_deliver(&p, 0);
    assert_false(pair_info(&p, 0, ids[0], &(tern_assoc_info){0}));

    tern_event ev;
    bool lost = false;
    unsigned seen = 0;
    while (tern_ep_poll_event(p.ep[0], &ev)) {
        assert_int_equal(ev.assoc, ids[0]);
        if (ev.type == TERN_EV_COMM_LOST) {
            assert_int_equal(ev.cause, TERN_CAUSE_USER_ABORT);
            lost = true;
            continue;
        }
        assert_int_equal(ev.type, TERN_EV_SEND_FAILED);
        assert_true(ev.context >= 1000 && ev.context < 1005);
        uint32_t k = (uint32_t)(ev.context - 1000);
        assert_false(seen & (1u << k));
        seen |= 1u << k;
        size_t len = k == 0 ? 300 : k == 1 ? 400 : 100u * (k + 1);
        assert_int_equal(ev.len, len);
        assert_non_null(ev.data);
        assert_int_equal(check_msg(ev.data, ev.len), k);
        assert_int_equal(ev.stream, k < 2 ? k + 2 : k);
        assert_int_equal(ev.ppid, PPID);
        assert_int_equal(ev.flags & TERN_FAILED_UNSENT, k >= 2 ? TERN_FAILED_UNSENT : 0);
    }
    assert_true(lost);
    assert_int_equal(seen, 0x1F);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sec6_6_ordered_stream_blocked_other_streams_deliver),
        cmocka_unit_test(sec6_6_unordered_delivered_past_gap),
        cmocka_unit_test(sec6_5_invalid_stream_error_and_tsn_acked),
        cmocka_unit_test(sec1_6_tsn_wraps_mid_transfer),
        cmocka_unit_test(sec6_5_ssn_wraps),
        cmocka_unit_test(rfc6458_sender_dry_after_everything_acked),
        cmocka_unit_test(api_send_buffer_full_eagain_then_buffer_low),
        cmocka_unit_test(api_send_errors_change_nothing),
        cmocka_unit_test(api_recv_in_parts_with_eor_last),
        cmocka_unit_test(sec9_2_shutdown_waits_for_outstanding_data),
        cmocka_unit_test(sec9_1_abort_reports_every_unacked_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
