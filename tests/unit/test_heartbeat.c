/* Heartbeats and round-trip times over the pair rig, named after the RFC
 * 9260 sections they exercise: §8.3 (path heartbeat), §8.1 and §8.2 (error
 * counters), §6.3.1 (RTO calculation). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "tests/rig/pair.h"
#include "wire/chunk.h"
#include "wire/packet.h"

#define HB_INFO_LEN 25 /* Tern's Heartbeat Information: nonce, family, address */

/* ---- helpers ------------------------------------------------------------- */

static void assert_addr_equal(const tern_addr *a, const tern_addr *b)
{
    assert_int_equal(a->family, b->family);
    assert_memory_equal(a->ip, b->ip, sizeof a->ip);
}

/* §8.3: a heartbeat armed at `armed` with RTO `rto` is due at HB.interval
 * + RTO ± 50% of RTO. */
static void assert_hb_window(tern_time due, tern_time armed, tern_time hb_interval, tern_time rto)
{
    assert_true(due >= armed + hb_interval + rto / 2);
    assert_true(due <= armed + hb_interval + rto + rto / 2);
}

/* Fires endpoint `side`'s heartbeat timer, takes the HEARTBEAT it sends
 * (asserting that is all it sends) and leaves it in flight. */
static void heartbeat_out(pair *p, int side)
{
    pair_fire(p, side);
    pair_collect_from(p, side);
    pair_expect_one(p, side, TERN_CHUNK_HEARTBEAT);
}

/* The HEARTBEAT in flight goes to the peer; its HEARTBEAT ACK comes back
 * after `hold` of virtual time. */
static void heartbeat_answered(pair *p, tern_time hold)
{
    int from = p->flight[0].from;
    pair_deliver(p, 0);
    pair_collect_from(p, 1 - from);
    pair_expect_one(p, 1 - from, TERN_CHUNK_HEARTBEAT_ACK);
    p->now += hold;
    pair_deliver(p, 0);
}

/* ---- §8.3 sending and answering ---------------------------------------------- */

/* §8.3: after setup the first HEARTBEAT is due HB.interval + RTO ± 50% RTO
 * later; it goes to the peer's address with the peer's tag and carries our
 * Heartbeat Information (a nonce and that address). The peer answers at
 * once with a HEARTBEAT ACK to the source, with our tag, echoing the value
 * byte for byte; the next heartbeat is armed from the send time. */
static void sec8_3_heartbeat_after_setup(void **state)
{
    (void)state;
    tern_ep_config c1;
    tern_ep_config_default(&c1);
    c1.hb_interval = 0; /* only endpoint 0 heartbeats */
    pair p;
    pair_init(&p, NULL, &c1);
    p.now = TERN_SEC(7);
    tern_assoc_id ids[2];
    pair_establish(&p, ids);
    tern_time up = p.now;
    tern_assoc_info i0 = pair_assoc(&p, 0, ids[0]), i1 = pair_assoc(&p, 1, ids[1]);
    tern_time rto = i0.paths[0].rto;
    assert_int_equal(rto, TERN_SEC(1));
    tern_time due = tern_ep_next_deadline(p.ep[0]);
    assert_hb_window(due, up, TERN_SEC(30), rto);
    assert_int_equal(tern_ep_next_deadline(p.ep[1]), TERN_TIME_NEVER);

    heartbeat_out(&p, 0);
    assert_int_equal(p.now, due);
    const pair_pkt *hb = &p.flight[0];
    assert_int_equal(pkt_vtag(hb->data, hb->len), i0.peer_vtag);
    assert_addr_equal(&hb->path.remote, &p.path[0].remote);
    tern_chunk_raw raw = pair_expect_one(&p, 0, TERN_CHUNK_HEARTBEAT);
    assert_int_equal(tern_load16(raw.value.ptr), 1); /* Heartbeat Info */
    assert_int_equal(tern_load16(raw.value.ptr + 2), 4 + HB_INFO_LEN);
    assert_int_equal(raw.value.len, 4 + HB_INFO_LEN);
    const uint8_t *info = raw.value.ptr + 4;
    assert_int_equal(info[8], TERN_AF_INET);
    assert_memory_equal(info + 9, p.path[0].remote.ip, 16);
    uint8_t sent[64];
    size_t sent_len = 4 + raw.value.len;
    memcpy(sent, raw.start, sent_len);

    pair_deliver(&p, 0);
    pair_collect_from(&p, 1);
    tern_chunk_raw ack = pair_expect_one(&p, 1, TERN_CHUNK_HEARTBEAT_ACK);
    assert_int_equal(pkt_vtag(p.flight[0].data, p.flight[0].len), i1.peer_vtag);
    assert_int_equal(i1.peer_vtag, i0.local_vtag);
    assert_addr_equal(&p.flight[0].path.remote, &p.path[1].remote);
    assert_int_equal(ack.length, tern_load16(sent + 2));
    assert_memory_equal(ack.value.ptr, sent + 4, sent_len - 4);
    pair_deliver(&p, 0);

    i0 = pair_assoc(&p, 0, ids[0]);
    i1 = pair_assoc(&p, 1, ids[1]);
    assert_int_equal(i0.stats.hb_sent, 1);
    assert_int_equal(i0.stats.hb_acked, 1);
    assert_int_equal(i0.stats.hb_received, 0);
    assert_int_equal(i1.stats.hb_sent, 0);
    assert_int_equal(i1.stats.hb_acked, 0);
    assert_int_equal(i1.stats.hb_received, 1);
    assert_int_equal(i0.error_count, 0);
    assert_int_equal(i0.paths[0].state, TERN_PATH_ACTIVE);
    assert_hb_window(tern_ep_next_deadline(p.ep[0]), due, TERN_SEC(30), rto);
    pair_free(&p);
}

/* §8.3: the jitter spreads over the whole ±50% of the RTO, even when the RTO
 * (60 s here) does not fit 32 bits of nanoseconds. 64 heartbeats with a
 * seeded generator must land in both outer quarters of the window. */
static void sec8_3_heartbeat_jitter_spans_rto_window(void **state)
{
    (void)state;
    const uint64_t seed[2] = {0x9E3779B97F4A7C15ull, 0xD1B54A32D192ED03ull};
    pair_rng rng[2];
    tern_ep_config c[2];
    for (int i = 0; i < 2; i++) {
        pair_cfg_seeded(&c[i], &rng[i], seed[i]);
        c[i].rto_initial = c[i].rto_min = c[i].rto_max = TERN_SEC(60);
    }
    c[1].hb_interval = 0;
    pair p;
    pair_init(&p, &c[0], &c[1]);
    tern_assoc_id ids[2];
    pair_establish(&p, ids);
    const tern_time rto = TERN_SEC(60), hb = TERN_SEC(30);
    tern_time armed = p.now, lo = TERN_TIME_NEVER, hi = 0;
    for (int k = 0; k < 64; k++) {
        tern_time due = tern_ep_next_deadline(p.ep[0]);
        assert_hb_window(due, armed, hb, rto);
        tern_time off = due - armed - hb;
        lo = off < lo ? off : lo;
        hi = off > hi ? off : hi;
        heartbeat_out(&p, 0);
        heartbeat_answered(&p, 0);
        armed = due;
    }
    assert_true(lo < rto / 2 + rto / 4);
    assert_true(hi > rto + rto / 4);
    assert_int_equal(pair_assoc(&p, 0, ids[0]).stats.hb_acked, 64);
    pair_free(&p);
}

/* §8.3: a HEARTBEAT is answered to its source with the peer's tag, in
 * ESTABLISHED and in the shutdown states, whatever path of the peer it
 * comes from; every TLV of it is echoed unchanged (here an extra TLV after
 * the Heartbeat Info). hb_received counts them; hb_sent and hb_acked stay
 * 0 with heartbeats off. */
static void sec8_3_heartbeat_answered_in_established_and_shutdown_states(void **state)
{
    (void)state;
    tern_ep_config c0, c1;
    tern_ep_config_default(&c0);
    tern_ep_config_default(&c1);
    c0.hb_interval = c1.hb_interval = 0;
    c1.num_local_addrs = 2; /* 1 is multi-homed: 192.0.2.2 and 192.0.2.3 */
    for (int i = 0; i < 2; i++)
        c1.local_addrs[i] = pair_v4(192, 0, 2, (uint8_t)(2 + i));
    pair p;
    pair_init(&p, &c0, &c1);
    tern_assoc_id ids[2];
    pair_establish(&p, ids);
    assert_int_equal(pair_assoc(&p, 0, ids[0]).num_paths, 2);
    tern_path alt = p.path[0]; /* endpoint 0's view of the peer's second address */
    alt.remote.ip[3] = 3;

    uint8_t chunk[64];
    tern_wbuf w;
    tern_wbuf_init(&w, chunk, sizeof chunk);
    size_t off = tern_wbuf_chunk_begin(&w, TERN_CHUNK_HEARTBEAT, 0);
    tern_wbuf_tlv(&w, 1, "peer's info", 11);
    tern_wbuf_tlv(&w, 0x8123, "more", 4);
    tern_wbuf_chunk_end(&w, off);
    size_t chunk_len = w.len;

    uint32_t received[2] = {0, 0};
    for (int stage = 0; stage < 2; stage++) {
        if (stage == 1) { /* 0 in SHUTDOWN-SENT, 1 in SHUTDOWN-ACK-SENT */
            assert_int_equal(tern_ep_shutdown(p.ep[0], ids[0], p.now), 0);
            pair_collect(&p);
            pair_deliver(&p, 0);
            pair_collect(&p);
            pair_drop_all(&p, 0);
            assert_int_equal(pair_assoc(&p, 0, ids[0]).state, TERN_STATE_SHUTDOWN_SENT);
            assert_int_equal(pair_assoc(&p, 1, ids[1]).state, TERN_STATE_SHUTDOWN_ACK_SENT);
        }
        const struct {
            int to;
            const tern_path *from;
        } sends[] = {{0, &p.path[0]}, {0, &alt}, {1, &p.path[1]}};
        for (size_t k = 0; k < 3; k++) {
            int to = sends[k].to;
            tern_assoc_info i = pair_assoc(&p, to, ids[to]);
            pair_inject_chunks_on(&p, to, sends[k].from, i.local_vtag, chunk, chunk_len);
            received[to]++;
            pair_collect_from(&p, to);
            tern_chunk_raw ack = pair_expect_one(&p, to, TERN_CHUNK_HEARTBEAT_ACK);
            assert_int_equal(pkt_vtag(p.flight[0].data, p.flight[0].len), i.peer_vtag);
            assert_addr_equal(&p.flight[0].path.remote, &sends[k].from->remote);
            assert_addr_equal(&p.flight[0].path.local, &sends[k].from->local);
            assert_int_equal(ack.length, tern_load16(chunk + 2));
            assert_memory_equal(ack.value.ptr, chunk + 4, ack.value.len);
            pair_drop_all(&p, 0);
        }
    }
    for (int side = 0; side < 2; side++) {
        tern_assoc_info i = pair_assoc(&p, side, ids[side]);
        assert_int_equal(i.stats.hb_received, received[side]);
        assert_int_equal(i.stats.hb_sent, 0);
        assert_int_equal(i.stats.hb_acked, 0);
    }
    pair_free(&p);
}

/* §8.3: the INIT sender answers heartbeats from COOKIE-ECHOED on (it knows
 * the peer's tag); in COOKIE-WAIT it cannot and drops them. */
static void sec8_3_heartbeat_answered_from_cookie_echoed(void **state)
{
    (void)state;
    for (int echoed = 0; echoed < 2; echoed++) {
        pair p;
        pair_init(&p, NULL, NULL);
        tern_assoc_id id = pair_half_open(&p, echoed);
        tern_assoc_info i = pair_assoc(&p, 0, id);
        uint8_t chunk[16];
        tern_wbuf w;
        tern_wbuf_init(&w, chunk, sizeof chunk);
        tern_heartbeat_put(&w, TERN_CHUNK_HEARTBEAT, "abcd", 4);
        pair_inject_wbuf(&p, 0, i.local_vtag, &w);
        pair_collect_from(&p, 0);
        if (echoed) {
            pair_expect_one(&p, 0, TERN_CHUNK_HEARTBEAT_ACK);
            assert_int_equal(pkt_vtag(p.flight[0].data, p.flight[0].len), i.peer_vtag);
        } else {
            assert_int_equal(p.nflight, 0);
            assert_int_equal(pair_assoc(&p, 0, id).stats.drops[TERN_DROP_STATE], 1);
        }
        assert_int_equal(pair_assoc(&p, 0, id).stats.hb_received, echoed ? 1 : 0);
        pair_free(&p);
    }
}

/* §8.3: sending heartbeats is discontinued once a SHUTDOWN or SHUTDOWN ACK
 * is sent: neither the SHUTDOWN sender nor the SHUTDOWN ACK sender sends
 * one, nor strikes the peer for a heartbeat unanswered, for a minute
 * (HB.interval 1 s) while their SHUTDOWN / SHUTDOWN ACK go unanswered. */
static void sec8_3_heartbeats_stop_once_shutdown_sent(void **state)
{
    (void)state;
    for (int side = 0; side < 2; side++) {
        tern_ep_config c;
        tern_ep_config_default(&c);
        c.hb_interval = TERN_SEC(1);
        c.rto_max = TERN_SEC(4);
        c.assoc_max_retrans = 20;
        c.shutdown_guard = TERN_SEC(3600);
        pair p;
        pair_init(&p, &c, &c);
        tern_assoc_id ids[2];
        pair_establish(&p, ids);
        /* one heartbeat each way first, so the timers are known to run */
        heartbeat_out(&p, side);
        heartbeat_answered(&p, 0);
        pair_collect(&p);
        pair_drop_all(&p, 0);
        assert_int_equal(tern_ep_shutdown(p.ep[0], ids[0], p.now), 0);
        if (side == 1) {
            pair_collect(&p);
            pair_deliver(&p, 0); /* the SHUTDOWN */
        }
        enum tern_state st = side ? TERN_STATE_SHUTDOWN_ACK_SENT : TERN_STATE_SHUTDOWN_SENT;
        assert_int_equal(pair_assoc(&p, side, ids[side]).state, st);
        tern_time end = p.now + TERN_SEC(60);
        size_t heartbeats = 0, shutdowns = 0;
        while (p.now < end) {
            pair_collect_from(&p, side);
            for (size_t k = 0; k < p.nflight; k++) {
                const pair_pkt *q = &p.flight[k];
                shutdowns += (size_t)pkt_count(q->data, q->len, TERN_CHUNK_SHUTDOWN) +
                             (size_t)pkt_count(q->data, q->len, TERN_CHUNK_SHUTDOWN_ACK);
            }
            heartbeats += pair_drop_all(&p, TERN_CHUNK_HEARTBEAT);
            pair_fire(&p, side);
        }
        assert_int_equal(heartbeats, 0);
        assert_true(shutdowns >= 10); /* T2 kept going */
        tern_assoc_info i = pair_assoc(&p, side, ids[side]);
        assert_int_equal(i.state, st);
        assert_int_equal(i.error_count, 0);
        assert_int_equal(i.paths[0].error_count, 0);
        assert_int_equal(i.stats.hb_sent, 1);
        pair_free(&p);
    }
}

/* ---- §8.3 acknowledgements -------------------------------------------------- */

/* §8.3: a HEARTBEAT ACK whose Heartbeat Information we did not send (a
 * nonce changed by one bit, another address, or the answer to an earlier
 * heartbeat) is dropped and changes nothing: not the error counters, not
 * the RTT. The untouched ACK is then accepted and clears them. */
static void sec8_3_heartbeat_ack_wrong_nonce_or_address_dropped(void **state)
{
    (void)state;
    tern_ep_config c1;
    tern_ep_config_default(&c1);
    c1.hb_interval = 0;
    pair p;
    pair_init(&p, NULL, &c1);
    tern_assoc_id ids[2];
    pair_establish(&p, ids);

    heartbeat_out(&p, 0); /* HB1: its ACK is held back */
    pair_deliver(&p, 0);
    pair_collect_from(&p, 1);
    pair_pkt old_ack = p.flight[0];
    pair_drop_all(&p, 0);
    heartbeat_out(&p, 0); /* HB2: HB1 unanswered, a strike */
    pair_deliver(&p, 0);
    pair_collect_from(&p, 1);
    pair_pkt good = p.flight[0];
    pair_drop_all(&p, 0);
    p.now += TERN_MSEC(40);

    tern_assoc_info before = pair_assoc(&p, 0, ids[0]);
    assert_int_equal(before.error_count, 1);
    assert_int_equal(before.paths[0].error_count, 1);
    assert_int_equal(before.paths[0].rto, TERN_SEC(2));
    pair_pkt bad[3];
    bad[0] = good; /* the nonce's lowest bit (info starts at 12 + 4 + 4) */
    bad[0].data[20 + 7] ^= 0x01;
    bad[1] = good; /* 192.0.2.9 instead of 192.0.2.2 */
    bad[1].data[20 + 9 + 3] = 9;
    bad[2] = old_ack;
    for (int k = 0; k < 3; k++) {
        tern_packet_set_checksum(bad[k].data, bad[k].len);
        p.flight[p.nflight++] = bad[k];
        pair_deliver(&p, 0);
        tern_assoc_info after = pair_assoc(&p, 0, ids[0]);
        assert_int_equal(after.error_count, 1);
        assert_int_equal(after.paths[0].error_count, 1);
        assert_int_equal(after.paths[0].rto, before.paths[0].rto);
        assert_int_equal(after.paths[0].srtt, before.paths[0].srtt);
        assert_int_equal(after.paths[0].rttvar, before.paths[0].rttvar);
        assert_int_equal(after.stats.hb_acked, 0);
        assert_int_equal(after.stats.drops[TERN_DROP_STATE],
                         before.stats.drops[TERN_DROP_STATE] + (uint32_t)k + 1);
    }
    pair_collect_from(&p, 0);
    assert_int_equal(p.nflight, 0);

    p.flight[p.nflight++] = good;
    pair_deliver(&p, 0);
    tern_assoc_info after = pair_assoc(&p, 0, ids[0]);
    assert_int_equal(after.error_count, 0);
    assert_int_equal(after.paths[0].error_count, 0);
    assert_int_equal(after.stats.hb_acked, 1);
    assert_int_equal(after.stats.hb_sent, 2);
    pair_free(&p);
}

/* Endpoint 0 with HB.interval 2 s, RTO 1 s doubling to RTO.Max 8 s, and
 * the given limits; endpoint 1 sends no heartbeats. */
static void lossy_pair(pair *p, tern_assoc_id ids[2], uint8_t assoc_max, uint8_t path_max)
{
    tern_ep_config c0, c1;
    tern_ep_config_default(&c0);
    tern_ep_config_default(&c1);
    c0.hb_interval = TERN_SEC(2);
    c0.rto_max = TERN_SEC(8);
    c0.assoc_max_retrans = assoc_max;
    c0.path_max_retrans = path_max;
    c1.hb_interval = 0;
    pair_init(p, &c0, &c1);
    pair_establish(p, ids);
}

static tern_time min_time(tern_time a, tern_time b)
{
    return a < b ? a : b;
}

/* §8.3, §8.1: each unanswered heartbeat is a strike on the address and the
 * association, and the RTO doubles up to RTO.Max (the next heartbeat waits
 * HB.interval + the backed-off RTO ± 50%); when the association's counter
 * exceeds Association.Max.Retrans (5) the peer is unreachable: ABORT (peer's
 * tag, T bit clear) and TERN_EV_COMM_LOST with cause 0. */
static void sec8_3_unanswered_heartbeats_end_association(void **state)
{
    (void)state;
    pair p;
    tern_assoc_id ids[2];
    lossy_pair(&p, ids, 5, 5);
    uint32_t tag1 = pair_assoc(&p, 1, ids[1]).local_vtag;
    tern_time armed = p.now, rto = TERN_SEC(1);
    size_t sent = 0;
    for (int k = 1; k < 20; k++) {
        tern_time due = tern_ep_next_deadline(p.ep[0]);
        assert_hb_window(due, armed, TERN_SEC(2), rto);
        pair_fire(&p, 0);
        if (pair_stats(&p, 0).assocs_open == 0) break;
        tern_assoc_info i = pair_assoc(&p, 0, ids[0]);
        assert_int_equal(i.error_count, k - 1);
        assert_int_equal(i.paths[0].error_count, k - 1);
        assert_int_equal(i.paths[0].state, TERN_PATH_ACTIVE);
        rto = min_time(TERN_SEC(1) << (k - 1), TERN_SEC(8));
        assert_int_equal(i.paths[0].rto, rto);
        pair_collect_from(&p, 0);
        assert_int_equal(pair_drop_all(&p, TERN_CHUNK_HEARTBEAT), 1);
        sent++;
        assert_int_equal(pair_assoc(&p, 0, ids[0]).stats.hb_sent, sent);
        assert_int_equal(pair_assoc(&p, 0, ids[0]).stats.hb_acked, 0);
        armed = due;
    }
    assert_int_equal(sent, 6); /* the sixth strike ends it */
    tern_event ev;
    /* The same strike passed Path.Max.Retrans (5): the address went first. */
    assert_int_equal(tern_ep_poll_event(p.ep[0], &ev), 1);
    assert_int_equal(ev.type, TERN_EV_PEER_ADDR_CHANGE);
    assert_int_equal(ev.addr_state, TERN_ADDR_UNREACHABLE);
    assert_int_equal(tern_ep_poll_event(p.ep[0], &ev), 1);
    assert_int_equal(ev.type, TERN_EV_COMM_LOST);
    assert_int_equal(ev.assoc, ids[0]);
    assert_int_equal(ev.cause, 0);
    assert_int_equal(tern_ep_next_deadline(p.ep[0]), TERN_TIME_NEVER);
    pair_collect_from(&p, 0);
    tern_chunk_raw abort = pair_expect_one(&p, 0, TERN_CHUNK_ABORT);
    assert_int_equal(abort.flags & TERN_CHUNK_FLAG_T, 0);
    assert_int_equal(pkt_vtag(p.flight[0].data, p.flight[0].len), tag1);
    pair_deliver(&p, 0);
    assert_int_equal(pair_event(&p, 1, TERN_EV_COMM_LOST, &ev), 1);
    assert_int_equal(pair_stats(&p, 1).assocs_open, 0);
    pair_free(&p);
}

/* §8.3, §8.1, §8.2: a HEARTBEAT ACK clears the address's and the
 * association's error counters and, by its RTT sample, the backed-off RTO;
 * afterwards it takes a full Association.Max.Retrans + 1 strikes again. */
static void sec8_3_heartbeat_ack_resets_error_counters(void **state)
{
    (void)state;
    pair p;
    tern_assoc_id ids[2];
    lossy_pair(&p, ids, 5, 5);
    for (int k = 0; k < 5; k++) { /* 4 strikes, then the 5th goes through */
        heartbeat_out(&p, 0);
        if (k < 4) pair_drop_all(&p, 0);
    }
    tern_assoc_info i = pair_assoc(&p, 0, ids[0]);
    assert_int_equal(i.error_count, 4);
    assert_int_equal(i.paths[0].error_count, 4);
    assert_int_equal(i.paths[0].rto, TERN_SEC(8));
    heartbeat_answered(&p, TERN_MSEC(20));
    i = pair_assoc(&p, 0, ids[0]);
    assert_int_equal(i.error_count, 0);
    assert_int_equal(i.paths[0].error_count, 0);
    assert_int_equal(i.paths[0].state, TERN_PATH_ACTIVE);
    assert_int_equal(i.paths[0].rto, TERN_SEC(1)); /* srtt + 4 rttvar, up to RTO.Min */
    assert_int_equal(i.stats.hb_acked, 1);
    size_t after = 0;
    while (pair_stats(&p, 0).assocs_open) {
        pair_fire(&p, 0);
        pair_collect_from(&p, 0);
        after += pair_drop_all(&p, TERN_CHUNK_HEARTBEAT);
        assert_true(after < 20);
    }
    assert_int_equal(after, 6);
    tern_event ev;
    assert_int_equal(pair_event(&p, 0, TERN_EV_COMM_LOST, &ev), 1);
    pair_free(&p);
}

/* §8.2, §8.3: past Path.Max.Retrans (2) unanswered heartbeats the address
 * is inactive; its counter then stops growing while heartbeats go on (and
 * the association's counter keeps counting); a HEARTBEAT ACK makes it
 * active again. */
static void sec8_3_path_inactive_after_path_max_retrans(void **state)
{
    (void)state;
    pair p;
    tern_assoc_id ids[2];
    lossy_pair(&p, ids, 6, 2);
    heartbeat_out(&p, 0);
    pair_drop_all(&p, 0);
    for (uint32_t strikes = 1; strikes <= 5; strikes++) {
        heartbeat_out(&p, 0); /* still sent to the inactive address */
        tern_assoc_info i = pair_assoc(&p, 0, ids[0]);
        assert_int_equal(i.error_count, strikes);
        assert_int_equal(i.paths[0].error_count, strikes < 3 ? strikes : 3);
        assert_int_equal(i.paths[0].state, strikes < 3 ? TERN_PATH_ACTIVE : TERN_PATH_INACTIVE);
        if (strikes < 5) pair_drop_all(&p, 0);
    }
    heartbeat_answered(&p, 0);
    tern_assoc_info i = pair_assoc(&p, 0, ids[0]);
    assert_int_equal(i.paths[0].state, TERN_PATH_ACTIVE);
    assert_int_equal(i.paths[0].error_count, 0);
    assert_int_equal(i.error_count, 0);
    pair_free(&p);
}

/* HB.interval = 0 turns heartbeats off: no deadline at all after setup and
 * nothing sent for an hour; heartbeats from the peer are still answered. */
static void sec8_3_hb_interval_zero_disables(void **state)
{
    (void)state;
    tern_ep_config c;
    tern_ep_config_default(&c);
    c.hb_interval = 0;
    pair p;
    pair_init(&p, &c, &c);
    tern_assoc_id ids[2];
    pair_establish(&p, ids);
    assert_int_equal(tern_ep_next_deadline(p.ep[0]), TERN_TIME_NEVER);
    assert_int_equal(tern_ep_next_deadline(p.ep[1]), TERN_TIME_NEVER);
    size_t delivered = p.delivered;
    pair_run(&p, TERN_SEC(3600), 100);
    assert_int_equal(p.delivered, delivered);
    uint8_t chunk[16];
    tern_wbuf w;
    tern_wbuf_init(&w, chunk, sizeof chunk);
    tern_heartbeat_put(&w, TERN_CHUNK_HEARTBEAT, "x", 1);
    pair_inject_wbuf(&p, 1, pair_assoc(&p, 1, ids[1]).local_vtag, &w);
    pair_collect_from(&p, 1);
    pair_expect_one(&p, 1, TERN_CHUNK_HEARTBEAT_ACK);
    for (int side = 0; side < 2; side++)
        assert_int_equal(pair_assoc(&p, side, ids[side]).stats.hb_sent, 0);
    pair_free(&p);
}

/* ---- §6.3.1 RTO calculation ---------------------------------------------------- */

/* §6.3.1 C1–C3 from heartbeat round trips, timed from when the HEARTBEAT is
 * taken for sending (10 ms after its timer fired here) to its ACK. Endpoint
 * 1 has no measurement from the handshake (C1: RTO.Initial). RTO.Min is
 * 1 ms so no value is rounded up.
 *   R = 100 ms (C2): SRTT 100, RTTVAR 50, RTO 300
 *   R = 200 ms (C3): RTTVAR 3/4·50 + 1/4·100 = 62.5, SRTT 7/8·100 + 1/8·200
 *                    = 112.5, RTO 362.5
 *   R = 0      (C3): RTTVAR 3/4·62.5 + 1/4·112.5 = 75, SRTT 7/8·112.5
 *                    = 98.4375, RTO 398.4375 */
static void sec6_3_1_rtt_from_heartbeat_ack(void **state)
{
    (void)state;
    tern_ep_config c0, c1;
    tern_ep_config_default(&c0);
    tern_ep_config_default(&c1);
    c0.hb_interval = 0;
    c1.rto_min = TERN_MSEC(1);
    pair p;
    pair_init(&p, &c0, &c1);
    tern_assoc_id ids[2];
    pair_establish(&p, ids);
    tern_path_info pi = pair_assoc(&p, 1, ids[1]).paths[0];
    assert_int_equal(pi.srtt, 0);
    assert_int_equal(pi.rto, TERN_SEC(1)); /* C1 */
    static const struct {
        tern_time hold, srtt, rttvar, rto;
    } steps[] = {
        {TERN_MSEC(100), 100000000, 50000000, 300000000},
        {TERN_MSEC(200), 112500000, 62500000, 362500000},
        {0, 98437500, 75000000, 398437500},
    };
    for (size_t k = 0; k < sizeof steps / sizeof steps[0]; k++) {
        pair_fire(&p, 1);
        p.now += TERN_MSEC(10); /* the caller takes the packet late */
        pair_collect_from(&p, 1);
        pair_expect_one(&p, 1, TERN_CHUNK_HEARTBEAT);
        heartbeat_answered(&p, steps[k].hold);
        pi = pair_assoc(&p, 1, ids[1]).paths[0];
        assert_int_equal(pi.srtt, steps[k].srtt);
        assert_int_equal(pi.rttvar, steps[k].rttvar);
        assert_int_equal(pi.rto, steps[k].rto);
    }
    pair_free(&p);
}

/* §6.3.1 from the handshake's two round trips (INIT to INIT ACK: C2, then
 * COOKIE ECHO to COOKIE ACK: C3), each held in flight for a known time: an
 * RTTVAR of 0 becomes the clock granularity G (1 ms), the RTO is rounded
 * up to RTO.Min (C6) and capped at RTO.Max (C7). */
static void sec6_3_1_rto_granularity_and_bounds(void **state)
{
    (void)state;
    static const struct {
        tern_time rto_min, rto_max;
        struct {
            tern_time rtt, srtt, rttvar, rto;
        } s[2];
    } cases[] = {
        /* G: RTTVAR 0 → 1 ms; then 3/4 of it */
        {TERN_MSEC(1), TERN_SEC(60), {{0, 0, 1000000, 4000000}, {0, 0, 750000, 3000000}}},
        /* C6 */
        {TERN_MSEC(10), TERN_SEC(60), {{0, 0, 1000000, 10000000}, {0, 0, 750000, 10000000}}},
        /* C2: 8, 4, 24 ms; C3 with 16 ms: RTTVAR 3 + 2, SRTT 7 + 2 */
        {TERN_MSEC(1),
         TERN_SEC(60),
         {{TERN_MSEC(8), TERN_MSEC(8), TERN_MSEC(4), TERN_MSEC(24)},
          {TERN_MSEC(16), TERN_MSEC(9), TERN_MSEC(5), TERN_MSEC(29)}}},
        /* C7: 5 s + 4 × 2.5 s, capped at 2 s */
        {TERN_MSEC(1),
         TERN_SEC(2),
         {{TERN_SEC(5), TERN_SEC(5), TERN_MSEC(2500), TERN_SEC(2)},
          {0, TERN_MSEC(4375), TERN_MSEC(3125), TERN_SEC(2)}}},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        tern_ep_config c0;
        tern_ep_config_default(&c0);
        c0.rto_min = cases[k].rto_min;
        c0.rto_max = cases[k].rto_max;
        c0.rto_initial = TERN_SEC(1);
        pair p;
        pair_init(&p, &c0, NULL);
        tern_assoc_id id = pair_connect(&p, 0);
        assert_int_equal(pair_assoc(&p, 0, id).paths[0].rto, TERN_SEC(1)); /* C1 */
        for (int stage = 0; stage < 2; stage++) {
            pair_collect(&p);
            pair_deliver(&p, 0); /* INIT, COOKIE ECHO */
            pair_collect(&p);
            p.now += cases[k].s[stage].rtt;
            pair_deliver(&p, 0); /* INIT ACK, COOKIE ACK */
            tern_path_info pi = pair_assoc(&p, 0, id).paths[0];
            assert_int_equal(pi.srtt, cases[k].s[stage].srtt);
            assert_int_equal(pi.rttvar, cases[k].s[stage].rttvar);
            assert_int_equal(pi.rto, cases[k].s[stage].rto);
        }
        assert_int_equal(pair_assoc(&p, 0, id).state, TERN_STATE_ESTABLISHED);
        pair_free(&p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sec8_3_heartbeat_after_setup),
        cmocka_unit_test(sec8_3_heartbeat_jitter_spans_rto_window),
        cmocka_unit_test(sec8_3_heartbeat_answered_in_established_and_shutdown_states),
        cmocka_unit_test(sec8_3_heartbeat_answered_from_cookie_echoed),
        cmocka_unit_test(sec8_3_heartbeats_stop_once_shutdown_sent),
        cmocka_unit_test(sec8_3_heartbeat_ack_wrong_nonce_or_address_dropped),
        cmocka_unit_test(sec8_3_unanswered_heartbeats_end_association),
        cmocka_unit_test(sec8_3_heartbeat_ack_resets_error_counters),
        cmocka_unit_test(sec8_3_path_inactive_after_path_max_retrans),
        cmocka_unit_test(sec8_3_hb_interval_zero_disables),
        cmocka_unit_test(sec6_3_1_rtt_from_heartbeat_ack),
        cmocka_unit_test(sec6_3_1_rto_granularity_and_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
