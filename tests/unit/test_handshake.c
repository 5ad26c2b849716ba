/* Association setup over the pair rig, named after the RFC 9260 sections
 * they exercise: §5.1 (handshake), §5.1.5 (cookie authentication), §5.1 A/C
 * (T1 retransmission), §3.3.2 (INIT field rules), §3.2.1 (unknown
 * parameters), §8.4 (out-of-the-blue packets), §8.5.1 (tag rules). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "tests/rig/pair.h"
#include "wire/cause.h"
#include "wire/chunk.h"
#include "wire/param.h"

static void assert_both_up(pair *p)
{
    tern_event ev;
    assert_int_equal(pair_event(p, 0, TERN_EV_COMM_UP, &ev), 1);
    assert_int_equal(pair_event(p, 1, TERN_EV_COMM_UP, &ev), 1);
}

/* Re-checksums a packet in flight after a test changed it. */
static void refresh_crc(pair *p, size_t i)
{
    tern_packet_set_checksum(p->flight[i].data, p->flight[i].len);
}

static void sec5_1_plain_handshake(void **state)
{
    (void)state;
    tern_ep_config c0, c1;
    tern_ep_config_default(&c0);
    tern_ep_config_default(&c1);
    c0.outbound_streams = 16;
    c0.max_inbound_streams = 4;
    c1.outbound_streams = 8;
    c1.max_inbound_streams = 100;
    pair p;
    pair_init(&p, &c0, &c1);
    tern_assoc_id id = pair_connect(&p, 0);
    pair_handshake(&p);
    pair_collect(&p);
    assert_int_equal(p.nflight, 0);
    tern_event ev;
    assert_int_equal(pair_event(&p, 0, TERN_EV_COMM_UP, &ev), 1);
    assert_int_equal(ev.assoc, id);
    /* §5.1.1: each direction gets min(requested, offered) streams. */
    assert_int_equal(ev.outbound_streams, 16 < 100 ? 16 : 100);
    assert_int_equal(ev.inbound_streams, 4);
    assert_int_equal(pair_event(&p, 1, TERN_EV_COMM_UP, &ev), 1);
    assert_int_equal(ev.outbound_streams, 4);
    assert_int_equal(ev.inbound_streams, 16);
    /* T1 stopped: the only timer left is the heartbeat, HB.interval away. */
    assert_true(tern_ep_next_deadline(p.ep[0]) >= p.now + TERN_SEC(30));
    tern_ep_stats s0 = pair_stats(&p, 0), s1 = pair_stats(&p, 1);
    assert_int_equal(s0.assocs_open, 1);
    assert_int_equal(s1.assocs_open, 1);
    assert_int_equal(s1.chunks_in[TERN_CHUNK_INIT], 1);
    assert_int_equal(s1.chunks_out[TERN_CHUNK_INIT_ACK], 1);
    assert_int_equal(s0.chunks_out[TERN_CHUNK_COOKIE_ECHO], 1);
    assert_int_equal(s0.chunks_in[TERN_CHUNK_COOKIE_ACK], 1);
    pair_free(&p);
}

/* §5.1 A, C: losing any one of the four packets costs one RTO (1 s) and
 * the association still comes up on both sides. */
static void sec5_1_loss_of_each_handshake_packet(void **state)
{
    (void)state;
    for (int lost = 0; lost < 4; lost++) {
        pair p;
        pair_init(&p, NULL, NULL);
        pair_connect(&p, 0);
        for (int k = 0; k < lost; k++) {
            pair_collect(&p);
            pair_deliver(&p, 0);
        }
        pair_collect(&p);
        assert_int_equal(p.nflight, 1);
        pair_drop(&p, 0);
        pair_run(&p, TERN_SEC(30), 100);
        assert_both_up(&p);
        assert_true(p.now >= TERN_SEC(1)); /* recovered by a T1 timeout */
        assert_true(p.now < TERN_SEC(2));
        pair_free(&p);
    }
}

/* §5.1 A: T1-init doubles up to RTO.Max; after Max.Init.Retransmits the
 * user is told the association cannot start. */
static void sec5_1_max_init_retransmits(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, NULL, NULL);
    pair_connect(&p, 0);
    size_t inits = 0;
    tern_time sent_at[16];
    for (int round = 0; round < 40; round++) {
        pair_collect(&p);
        while (p.nflight) {
            assert_int_equal(pair_first_chunk(&p, 0), TERN_CHUNK_INIT);
            if (inits < 16) sent_at[inits] = p.now;
            inits++;
            pair_drop(&p, 0);
        }
        if (!pair_step_time(&p, TERN_SEC(1000))) break;
    }
    assert_int_equal(inits, 1 + 8); /* the first and Max.Init.Retransmits = 8 more */
    tern_time expect = 0, rto = TERN_SEC(1);
    for (size_t i = 1; i < inits; i++) {
        expect += rto;
        assert_int_equal(sent_at[i], expect);
        rto = 2 * rto > TERN_SEC(60) ? TERN_SEC(60) : 2 * rto;
    }
    tern_event ev;
    assert_int_equal(pair_event(&p, 0, TERN_EV_CANT_START, &ev), 1);
    assert_int_equal(pair_stats(&p, 0).assocs_open, 0);
    assert_int_equal(tern_ep_next_deadline(p.ep[0]), TERN_TIME_NEVER);
    pair_free(&p);
}

/* RFC 6458 sinit_max_init_timeo: while INIT is retransmitted the RTO
 * doubles up to init_rto_max, not RTO.Max; data-phase RTOs keep RTO.Max.
 * More than a day is refused. */
static void init_rto_max_caps_t1_backoff(void **state)
{
    (void)state;
    tern_ep_config c;
    tern_ep_config_default(&c);
    c.port = 1;
    c.init_rto_max = TERN_SEC(3);
    tern_ep *bad;
    c.init_rto_max = TERN_SEC(86401); /* over a day */
    assert_int_equal(tern_ep_new(&c, &bad), TERN_EINVAL);
    c.init_rto_max = TERN_SEC(3);
    pair p;
    pair_init(&p, &c, NULL);
    pair_connect(&p, 0);
    size_t inits = 0;
    tern_time sent_at[16];
    for (int round = 0; round < 40; round++) {
        pair_collect(&p);
        while (p.nflight) {
            assert_int_equal(pair_first_chunk(&p, 0), TERN_CHUNK_INIT);
            if (inits < 16) sent_at[inits] = p.now;
            inits++;
            pair_drop(&p, 0);
        }
        if (!pair_step_time(&p, TERN_SEC(1000))) break;
    }
    assert_int_equal(inits, 1 + 8);
    /* 1 s, 2 s, then 3 s each time (uncapped: 4, 8, 16, ...). */
    static const unsigned gaps[] = {1, 2, 3, 3, 3, 3, 3, 3};
    for (size_t i = 1; i < inits; i++)
        assert_int_equal(sent_at[i] - sent_at[i - 1], TERN_SEC(gaps[i - 1]));
    pair_free(&p);
}

/* §5.1.5 step 2: a cookie whose MAC fails is dropped silently and counted;
 * no TCB, no answer. Every byte of the cookie is tried. */
static void sec5_1_5_forged_cookie_is_discarded(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, NULL, NULL);
    pair_connect(&p, 0);
    pair_collect(&p);
    pair_deliver(&p, 0); /* INIT */
    pair_collect(&p);
    pair_deliver(&p, 0); /* INIT ACK */
    pair_collect(&p);
    assert_int_equal(pair_first_chunk(&p, 0), TERN_CHUNK_COOKIE_ECHO);
    pair_pkt good = p.flight[0];
    size_t cookie_len = good.len - 16;
    uint64_t before = pair_stats(&p, 1).drops[TERN_DROP_COOKIE_BAD];
    for (size_t i = 0; i < cookie_len; i++) {
        p.flight[0] = good;
        p.flight[0].data[16 + i] ^= 0x01; /* one bit */
        refresh_crc(&p, 0);
        pair_deliver(&p, 0);
        p.nflight = 1;
        pair_collect(&p);
        assert_int_equal(p.nflight, 1); /* no answer was queued */
    }
    assert_int_equal(pair_stats(&p, 1).drops[TERN_DROP_COOKIE_BAD], before + cookie_len);
    assert_int_equal(pair_stats(&p, 1).assocs_open, 0);
    p.flight[0] = good; /* the real one still works */
    pair_run(&p, TERN_SEC(10), 50);
    assert_both_up(&p);
    pair_free(&p);
}

/* A cookie signed by another endpoint's secret is not accepted. */
static void sec5_1_5_cookie_from_another_endpoint(void **state)
{
    (void)state;
    pair p, q;
    pair_init(&p, NULL, NULL);
    pair_init(&q, NULL, NULL); /* same ports and addresses, other secret */
    pair_connect(&p, 0);
    pair_collect(&p);
    pair_deliver(&p, 0);
    pair_collect(&p);
    pair_deliver(&p, 0);
    pair_collect(&p);
    pair_pkt echo = p.flight[0];
    tern_ep_input(q.ep[1], &q.path[1], echo.data, echo.len, 0);
    assert_int_equal(pair_stats(&q, 1).drops[TERN_DROP_COOKIE_BAD], 1);
    assert_int_equal(pair_stats(&q, 1).assocs_open, 0);
    pair_free(&q);
    pair_free(&p);
}

/* §5.1.5 step 3, §3.3.10.3: a cookie past its life gets an ERROR with the
 * Stale Cookie cause and the staleness in microseconds; no TCB. */
static void sec5_1_5_stale_cookie(void **state)
{
    (void)state;
    tern_ep_config c1;
    tern_ep_config_default(&c1);
    c1.valid_cookie_life = TERN_SEC(5);
    pair p;
    pair_init(&p, NULL, &c1);
    pair_connect(&p, 0);
    pair_collect(&p);
    pair_deliver(&p, 0);
    pair_collect(&p);
    pair_deliver(&p, 0);
    pair_collect(&p);
    p.now += TERN_SEC(5) + TERN_MSEC(1500); /* 1.5 s too late */
    pair_deliver(&p, 0);
    pair_collect(&p);
    assert_int_equal(p.nflight, 1);
    assert_int_equal(p.flight[0].from, 1);
    assert_int_equal(pair_first_chunk(&p, 0), TERN_CHUNK_ERROR);
    const uint8_t *cause = p.flight[0].data + 16;
    assert_int_equal(tern_load16(cause), TERN_CAUSE_STALE_COOKIE);
    assert_int_equal(tern_load32(cause + 4), 1500000);
    assert_int_equal(pair_stats(&p, 1).assocs_open, 0);
    pair_free(&p);
}

/* §3.3.2: an INIT with Initiate Tag 0 is silently discarded; zero stream
 * counts or a_rwnd < 1500 get an ABORT carrying the Initiate Tag. */
static void sec3_3_2_init_field_rules(void **state)
{
    (void)state;
    static const struct {
        uint32_t tag, rwnd;
        uint16_t os, mis;
        bool abort;
    } cases[] = {
        {0, 65536, 1, 1, false},    {0x1234, 65536, 0, 1, true}, {0x1234, 65536, 1, 0, true},
        {0x1234, 1499, 1, 1, true}, {0x1234, 1500, 1, 1, false}, /* fine: an INIT ACK */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pair p;
        pair_init(&p, NULL, NULL);
        uint8_t buf[64];
        tern_wbuf w;
        tern_wbuf_init(&w, buf, sizeof buf);
        tern_wbuf_common_header(&w, 5000, 5001, 0);
        tern_init init = {cases[i].tag, cases[i].rwnd, cases[i].os, cases[i].mis, 7, {NULL, 0}};
        tern_init_put(&w, TERN_CHUNK_INIT, &init);
        tern_packet_set_checksum(buf, w.len);
        tern_ep_input(p.ep[1], &p.path[1], buf, w.len, 0);
        pair_collect(&p);
        if (cases[i].tag == 0) {
            assert_int_equal(p.nflight, 0);
        } else {
            assert_int_equal(p.nflight, 1);
            int want = cases[i].abort ? TERN_CHUNK_ABORT : TERN_CHUNK_INIT_ACK;
            assert_int_equal(pair_first_chunk(&p, 0), want);
            assert_int_equal(tern_load32(p.flight[0].data + 4), 0x1234);
            if (cases[i].abort) assert_int_equal(p.flight[0].data[13] & TERN_CHUNK_FLAG_T, 0);
        }
        assert_int_equal(pair_stats(&p, 1).assocs_open, 0);
        pair_free(&p);
    }
}

/* §3.2.1, §3.2.2: unknown INIT parameters are acted on by their upper two
 * bits: 01 and 11 reported in the INIT ACK, 00 and 01 stop the walk. */
static void sec3_2_1_unknown_init_parameters(void **state)
{
    (void)state;
    static const struct {
        uint16_t first, second;
        int reported; /* how many Unrecognized Parameter parameters */
    } cases[] = {
        {0x3F01, 0xFF02, 0}, /* 00: stop, no report: the second is not seen */
        {0x7F01, 0xFF02, 1}, /* 01: stop and report: only the first */
        {0xBF01, 0xFF02, 1}, /* 10: skip: the second (11) is reported */
        {0xFF01, 0xFF02, 2}, /* 11: skip and report: both */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pair p;
        pair_init(&p, NULL, NULL);
        uint8_t params[16], buf[128];
        tern_wbuf pw, w;
        tern_wbuf_init(&pw, params, sizeof params);
        tern_wbuf_tlv(&pw, cases[i].first, "ab", 2);
        tern_wbuf_tlv(&pw, cases[i].second, "cd", 2);
        tern_wbuf_init(&w, buf, sizeof buf);
        tern_wbuf_common_header(&w, 5000, 5001, 0);
        tern_init init = {0x1234, 65536, 1, 1, 7, {params, pw.len}};
        tern_init_put(&w, TERN_CHUNK_INIT, &init);
        tern_packet_set_checksum(buf, w.len);
        tern_ep_input(p.ep[1], &p.path[1], buf, w.len, 0);
        pair_collect(&p);
        assert_int_equal(p.nflight, 1);
        assert_int_equal(pair_first_chunk(&p, 0), TERN_CHUNK_INIT_ACK);
        tern_common_header h;
        tern_chunk_iter it;
        tern_chunk_raw raw;
        tern_init ack;
        assert_int_equal(tern_packet_parse(p.flight[0].data, p.flight[0].len, &h, &it), 0);
        assert_int_equal(tern_chunk_next(&it, &raw), 1);
        assert_int_equal(tern_init_decode(&raw, &ack), 0);
        tern_tlv_iter ti;
        tern_tlv tlv;
        int reported = 0, cookies = 0;
        tern_tlv_iter_init_bytes(&ti, ack.params);
        while (tern_tlv_next(&ti, &tlv) > 0) {
            if (tlv.type == TERN_PARAM_STATE_COOKIE) cookies++;
            if (tlv.type == TERN_PARAM_UNRECOGNIZED) {
                uint16_t inner = tern_load16(tlv.value.ptr);
                assert_true(inner == cases[i].first || inner == cases[i].second);
                reported++;
            }
        }
        assert_int_equal(cookies, 1);
        assert_int_equal(reported, cases[i].reported);
        pair_free(&p);
    }
}

/* §5.1.2: Tern does not resolve host names: ABORT, Unresolvable Address. */
static void sec5_1_2_host_name_is_refused(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, NULL, NULL);
    uint8_t params[32], buf[128];
    tern_wbuf pw, w;
    tern_wbuf_init(&pw, params, sizeof params);
    tern_wbuf_tlv(&pw, TERN_PARAM_HOST_NAME, "example.org", 12);
    tern_wbuf_init(&w, buf, sizeof buf);
    tern_wbuf_common_header(&w, 5000, 5001, 0);
    tern_init init = {0x1234, 65536, 1, 1, 7, {params, pw.len}};
    tern_init_put(&w, TERN_CHUNK_INIT, &init);
    tern_packet_set_checksum(buf, w.len);
    tern_ep_input(p.ep[1], &p.path[1], buf, w.len, 0);
    pair_collect(&p);
    assert_int_equal(p.nflight, 1);
    assert_int_equal(pair_first_chunk(&p, 0), TERN_CHUNK_ABORT);
    assert_int_equal(tern_load16(p.flight[0].data + 16), TERN_CAUSE_UNRESOLVABLE_ADDR);
    pair_free(&p);
}

/* §8.4: packets that match no association. */
static void sec8_4_out_of_the_blue(void **state)
{
    (void)state;
    static const struct {
        uint8_t type, flags;
        int answer; /* chunk type of the answer, or -1 */
        bool t_bit;
    } cases[] = {
        {TERN_CHUNK_SACK, 0, TERN_CHUNK_ABORT, true},                     /* item 8 */
        {TERN_CHUNK_HEARTBEAT, 0, TERN_CHUNK_ABORT, true},                /* item 8 */
        {TERN_CHUNK_ABORT, 0, -1, false},                                 /* item 2 */
        {TERN_CHUNK_SHUTDOWN_COMPLETE, 0, -1, false},                     /* item 6 */
        {TERN_CHUNK_COOKIE_ACK, 0, -1, false},                            /* item 7 */
        {TERN_CHUNK_SHUTDOWN_ACK, 0, TERN_CHUNK_SHUTDOWN_COMPLETE, true}, /* item 5 */
    };
    for (int blackhole = 0; blackhole <= 1; blackhole++)
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            tern_ep_config c1;
            tern_ep_config_default(&c1);
            c1.blackhole = blackhole;
            pair p;
            pair_init(&p, NULL, &c1);
            uint8_t buf[64];
            tern_wbuf w;
            tern_wbuf_init(&w, buf, sizeof buf);
            tern_wbuf_common_header(&w, 5000, 5001, 0xCAFEF00D);
            if (cases[i].type == TERN_CHUNK_SACK)
                tern_sack_put(&w, 1, 65536, NULL, 0, NULL, 0);
            else if (cases[i].type == TERN_CHUNK_HEARTBEAT)
                tern_heartbeat_put(&w, TERN_CHUNK_HEARTBEAT, "hb", 2);
            else if (cases[i].type == TERN_CHUNK_ABORT)
                tern_causes_put(&w, TERN_CHUNK_ABORT, 0, (tern_bytes){NULL, 0});
            else
                tern_empty_chunk_put(&w, cases[i].type, cases[i].flags);
            tern_packet_set_checksum(buf, w.len);
            tern_ep_input(p.ep[1], &p.path[1], buf, w.len, 0);
            pair_collect(&p);
            int answer = blackhole ? -1 : cases[i].answer;
            if (answer < 0) {
                assert_int_equal(p.nflight, 0);
            } else {
                assert_int_equal(p.nflight, 1);
                assert_int_equal(pair_first_chunk(&p, 0), answer);
                assert_int_equal(tern_load32(p.flight[0].data + 4), 0xCAFEF00D); /* reflected */
                assert_int_equal(p.flight[0].data[13] & TERN_CHUNK_FLAG_T, TERN_CHUNK_FLAG_T);
            }
            assert_int_equal(pair_stats(&p, 1).drops[TERN_DROP_OOTB], 1);
            pair_free(&p);
        }
}

/* §8.5.1 A: a packet with tag 0 must hold only an INIT; INIT with a
 * non-zero tag is discarded. Also: bad checksum and wrong port. */
static void sec8_5_1_tag_and_packet_checks(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, NULL, NULL);
    uint8_t buf[128];
    tern_wbuf w;
    tern_init init = {0x1234, 65536, 1, 1, 7, {NULL, 0}};

    tern_wbuf_init(&w, buf, sizeof buf); /* INIT with a non-zero tag */
    tern_wbuf_common_header(&w, 5000, 5001, 99);
    tern_init_put(&w, TERN_CHUNK_INIT, &init);
    tern_packet_set_checksum(buf, w.len);
    tern_ep_input(p.ep[1], &p.path[1], buf, w.len, 0);
    tern_wbuf_init(&w, buf, sizeof buf); /* INIT bundled with another chunk */
    tern_wbuf_common_header(&w, 5000, 5001, 0);
    tern_init_put(&w, TERN_CHUNK_INIT, &init);
    tern_empty_chunk_put(&w, TERN_CHUNK_COOKIE_ACK, 0);
    tern_packet_set_checksum(buf, w.len);
    tern_ep_input(p.ep[1], &p.path[1], buf, w.len, 0);
    assert_int_equal(pair_stats(&p, 1).drops[TERN_DROP_VTAG], 2);

    tern_wbuf_init(&w, buf, sizeof buf); /* a good INIT with a bad CRC */
    tern_wbuf_common_header(&w, 5000, 5001, 0);
    tern_init_put(&w, TERN_CHUNK_INIT, &init);
    tern_packet_set_checksum(buf, w.len);
    buf[9] ^= 0x40;
    tern_ep_input(p.ep[1], &p.path[1], buf, w.len, 0);
    assert_int_equal(pair_stats(&p, 1).drops[TERN_DROP_CHECKSUM], 1);
    buf[9] ^= 0x40; /* to another port */
    buf[3] = 0x99;
    tern_packet_set_checksum(buf, w.len);
    tern_ep_input(p.ep[1], &p.path[1], buf, w.len, 0);
    assert_int_equal(pair_stats(&p, 1).drops[TERN_DROP_PORT], 1);
    tern_ep_input(p.ep[1], &p.path[1], buf, 11, 0); /* malformed */
    assert_int_equal(pair_stats(&p, 1).drops[TERN_DROP_MALFORMED], 1);
    pair_collect(&p);
    assert_int_equal(p.nflight, 0); /* none of these was answered */
    pair_free(&p);
}

/* §9.1, §8.5.1 B: an ABORT from the peer ends the association; one with
 * the T bit is accepted only with the peer's own tag. */
static void sec9_1_abort_from_the_peer(void **state)
{
    (void)state;
    for (int t_bit = 0; t_bit <= 1; t_bit++) {
        pair p;
        pair_init(&p, NULL, NULL);
        pair_connect(&p, 0);
        pair_collect(&p);
        pair_deliver(&p, 0); /* INIT */
        pair_collect(&p);
        pair_deliver(&p, 0); /* INIT ACK */
        pair_collect(&p);
        uint32_t tag_of_1 = tern_load32(p.flight[0].data + 4); /* COOKIE ECHO carries 1's tag */
        pair_deliver(&p, 0);
        pair_collect(&p);
        uint32_t tag_of_0 = tern_load32(p.flight[0].data + 4); /* COOKIE ACK carries 0's tag */
        pair_deliver(&p, 0);
        assert_both_up(&p);

        /* Side 1 aborts: without T the packet carries 0's tag, with T its own. */
        uint8_t buf[64], wrong[64];
        tern_wbuf w;
        tern_wbuf_init(&w, buf, sizeof buf);
        tern_wbuf_common_header(&w, 5001, 5000, t_bit ? tag_of_1 : tag_of_0);
        tern_causes_put(&w, TERN_CHUNK_ABORT, t_bit ? TERN_CHUNK_FLAG_T : 0, (tern_bytes){NULL, 0});
        tern_packet_set_checksum(buf, w.len);
        /* The other T bit with the same tag is ignored. */
        memcpy(wrong, buf, w.len);
        wrong[13] ^= TERN_CHUNK_FLAG_T;
        tern_packet_set_checksum(wrong, w.len);
        tern_ep_input(p.ep[0], &p.path[0], wrong, w.len, p.now);
        assert_int_equal(pair_stats(&p, 0).assocs_open, 1);
        tern_ep_input(p.ep[0], &p.path[0], buf, w.len, p.now);
        tern_event ev;
        assert_int_equal(pair_event(&p, 0, TERN_EV_COMM_LOST, &ev), 1);
        assert_int_equal(pair_stats(&p, 0).assocs_open, 0);
        pair_collect(&p);
        assert_int_equal(p.nflight, 0); /* §9.1: never answer an ABORT */
        pair_free(&p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sec5_1_plain_handshake),
        cmocka_unit_test(sec5_1_loss_of_each_handshake_packet),
        cmocka_unit_test(sec5_1_max_init_retransmits),
        cmocka_unit_test(init_rto_max_caps_t1_backoff),
        cmocka_unit_test(sec5_1_5_forged_cookie_is_discarded),
        cmocka_unit_test(sec5_1_5_cookie_from_another_endpoint),
        cmocka_unit_test(sec5_1_5_stale_cookie),
        cmocka_unit_test(sec3_3_2_init_field_rules),
        cmocka_unit_test(sec3_2_1_unknown_init_parameters),
        cmocka_unit_test(sec5_1_2_host_name_is_refused),
        cmocka_unit_test(sec8_4_out_of_the_blue),
        cmocka_unit_test(sec8_5_1_tag_and_packet_checks),
        cmocka_unit_test(sec9_1_abort_from_the_peer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
