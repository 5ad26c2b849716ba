/* tern_ep_config.closed_port: the endpoint a UDP encapsulation runtime keeps
 * for every SCTP port nobody has bound (it owns the whole UDP port, so the
 * answers of RFC 9260 §8.4 are its to give). An INIT gets an ABORT carrying
 * the INIT's Initiate Tag with the T bit clear (§8.4 item 3), so a connect to
 * a port where nobody listens fails at once instead of after
 * Max.Init.Retransmits; a SHUTDOWN ACK gets a SHUTDOWN COMPLETE (item 5),
 * other packets an ABORT reflecting their tag (item 8), an ABORT nothing
 * (item 2); every answer comes from the port the packet was sent to. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "tests/rig/pair.h"
#include "wire/chunk.h"
#include "wire/endian.h"
#include "wire/packet.h"

#define NOBODY_PORT 4243 /* no endpoint has it */

static void start(pair *p, bool blackhole)
{
    tern_ep_config c;
    tern_ep_config_default(&c);
    c.closed_port = true;
    c.blackhole = blackhole;
    c.cookie_rotation = 0;
    pair_init(p, NULL, &c);
}

/* The packet in flight i: its ports, tag and first chunk. */
static void first_chunk(const pair *p, size_t i, tern_common_header *h, tern_chunk_raw *raw)
{
    tern_chunk_iter it;
    assert_true(tern_packet_parse(p->flight[i].data, p->flight[i].len, h, &it) >= 0);
    assert_int_equal(tern_chunk_next(&it, raw), 1);
}

static void init_to_closed_port_gets_abort(void **state)
{
    (void)state;
    pair p;
    start(&p, false);
    tern_assoc_id id;
    assert_int_equal(tern_ep_connect(p.ep[0], &p.path[0], NOBODY_PORT, p.now, &id), 0);
    tern_assoc_info info;
    assert_int_equal(tern_ep_assoc_info(p.ep[0], id, &info), 0);
    pair_collect(&p);
    assert_int_equal(p.nflight, 1);
    assert_int_equal(pair_first_chunk(&p, 0), TERN_CHUNK_INIT);
    pair_deliver(&p, 0);
    pair_collect(&p);
    assert_int_equal(p.nflight, 1);
    tern_common_header h;
    tern_chunk_raw raw;
    first_chunk(&p, 0, &h, &raw);
    assert_int_equal(raw.type, TERN_CHUNK_ABORT);
    assert_int_equal(raw.flags & TERN_CHUNK_FLAG_T, 0);
    assert_int_equal(h.vtag, info.local_vtag);
    assert_int_equal(h.src_port, NOBODY_PORT);
    assert_int_equal(h.dst_port, pair_port(0));
    pair_deliver(&p, 0);
    tern_event ev;
    assert_int_equal(pair_event(&p, 0, TERN_EV_CANT_START, &ev), 1);
    tern_ep_stats st;
    tern_ep_stats_get(p.ep[1], &st);
    assert_int_equal(st.assocs_created, 0);
    assert_int_equal(tern_ep_next_deadline(p.ep[1]), TERN_TIME_NEVER);
    pair_free(&p);
}

static void ootb_answers_come_from_the_packets_port(void **state)
{
    (void)state;
    pair p;
    start(&p, false);
    uint8_t pkt[64];
    /* SHUTDOWN ACK: SHUTDOWN COMPLETE with the T bit (item 5). */
    uint8_t sack[4] = {TERN_CHUNK_SHUTDOWN_ACK, 0, 0, 4};
    size_t n = pair_craft(pkt, sizeof pkt, pair_port(0), NOBODY_PORT, 0x1234u, sack, 4);
    pair_inject(&p, 1, pkt, n);
    pair_collect(&p);
    assert_int_equal(p.nflight, 1);
    tern_common_header h;
    tern_chunk_raw raw;
    first_chunk(&p, 0, &h, &raw);
    assert_int_equal(raw.type, TERN_CHUNK_SHUTDOWN_COMPLETE);
    assert_true(raw.flags & TERN_CHUNK_FLAG_T);
    assert_int_equal(h.vtag, 0x1234u);
    assert_int_equal(h.src_port, NOBODY_PORT);
    pair_drop(&p, 0);
    /* HEARTBEAT: ABORT reflecting the tag (item 8). */
    uint8_t hb[12] = {TERN_CHUNK_HEARTBEAT, 0, 0, 12, 0, 1, 0, 8, 1, 2, 3, 4};
    n = pair_craft(pkt, sizeof pkt, pair_port(0), NOBODY_PORT + 1, 0x5678u, hb, sizeof hb);
    pair_inject(&p, 1, pkt, n);
    pair_collect(&p);
    assert_int_equal(p.nflight, 1);
    first_chunk(&p, 0, &h, &raw);
    assert_int_equal(raw.type, TERN_CHUNK_ABORT);
    assert_true(raw.flags & TERN_CHUNK_FLAG_T);
    assert_int_equal(h.vtag, 0x5678u);
    assert_int_equal(h.src_port, NOBODY_PORT + 1);
    pair_drop(&p, 0);
    /* ABORT: nothing (item 2). */
    uint8_t ab[4] = {TERN_CHUNK_ABORT, 0, 0, 4};
    n = pair_craft(pkt, sizeof pkt, pair_port(0), NOBODY_PORT, 0x9abcu, ab, 4);
    pair_inject(&p, 1, pkt, n);
    pair_collect(&p);
    assert_int_equal(p.nflight, 0);
    pair_free(&p);
}

/* Blackhole wins: not even an INIT is answered. */
static void blackhole_closed_port_is_silent(void **state)
{
    (void)state;
    pair p;
    start(&p, true);
    tern_assoc_id id;
    assert_int_equal(tern_ep_connect(p.ep[0], &p.path[0], NOBODY_PORT, p.now, &id), 0);
    pair_collect(&p);
    pair_deliver(&p, 0);
    pair_collect(&p);
    assert_int_equal(p.nflight, 0);
    pair_free(&p);
}

static void closed_port_endpoint_never_connects(void **state)
{
    (void)state;
    pair p;
    start(&p, false);
    tern_assoc_id id = 0;
    assert_int_equal(tern_ep_connect(p.ep[1], &p.path[1], pair_port(0), p.now, &id), TERN_EINVAL);
    assert_int_equal(id, 0);
    tern_ep_stats st;
    tern_ep_stats_get(p.ep[1], &st);
    assert_int_equal(st.assocs_open, 0);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(init_to_closed_port_gets_abort),
        cmocka_unit_test(ootb_answers_come_from_the_packets_port),
        cmocka_unit_test(blackhole_closed_port_is_silent),
        cmocka_unit_test(closed_port_endpoint_never_connects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
