/* Notifications over the pair rig (RFC 6458 §6.1): the Adaptation Layer
 * Indication (RFC 5061 §4.2.6, RFC 6458 §6.1.6), peer address changes
 * (RFC 9260 §8.2, RFC 6458 §6.1.2) and partial delivery aborted (RFC 6458
 * §6.1.7). */
#include "tests/unit/data_testutil.h"

#include "wire/param.h"

/* ---- helpers ------------------------------------------------------------- */

static tern_event next_event(pair *p, int side)
{
    tern_event ev;
    if (!tern_ep_poll_event(p->ep[side], &ev)) fail_msg("endpoint %d: no event", side);
    return ev;
}

/* The Adaptation Layer Indication parameter of an INIT or INIT ACK chunk,
 * if there is one. */
static bool adaptation_param(tern_chunk_raw chunk, uint32_t *value)
{
    const tern_chunk_raw *raw = &chunk;
    tern_init init;
    assert_int_equal(tern_init_decode(raw, &init), 0);
    tern_tlv_iter it;
    tern_tlv tlv;
    tern_tlv_iter_init_bytes(&it, init.params);
    while (tern_tlv_next(&it, &tlv) > 0)
        if (tlv.type == TERN_PARAM_ADAPTATION) {
            assert_int_equal(tlv.value.len, 4);
            *value = tern_load32(tlv.value.ptr);
            return true;
        }
    return false;
}

/* ---- Adaptation Layer Indication ---------------------------------------------- */

/* Both ends send the parameter (INIT, INIT ACK) with their value; each
 * accepts the other's (no Unrecognized Parameter report rides with the
 * COOKIE ECHO) and tells its user right after COMM_UP. */
static void adaptation_indication_both_ways(void **state)
{
    (void)state;
    tern_ep_config c0, c1;
    cfg_data(&c0);
    cfg_data(&c1);
    c0.adaptation_ind_on = c1.adaptation_ind_on = true;
    c0.adaptation_ind = 0x01020304;
    c1.adaptation_ind = 0;
    pair p;
    pair_init(&p, &c0, &c1);
    tern_assoc_id id = pair_connect(&p, 0);
    uint32_t v = 99;
    pair_collect(&p);
    assert_true(adaptation_param(pair_expect_one(&p, 0, TERN_CHUNK_INIT), &v));
    assert_int_equal(v, 0x01020304);
    pair_deliver(&p, 0);
    pair_collect(&p);
    assert_true(adaptation_param(pair_expect_one(&p, 1, TERN_CHUNK_INIT_ACK), &v));
    assert_int_equal(v, 0);
    pair_deliver(&p, 0);
    pair_collect(&p);
    pair_expect_one(&p, 0, TERN_CHUNK_COOKIE_ECHO); /* alone: nothing unrecognized */
    pair_deliver(&p, 0);
    pair_collect(&p);
    pair_expect_one(&p, 1, TERN_CHUNK_COOKIE_ACK);
    pair_deliver(&p, 0);
    tern_event ev = next_event(&p, 0);
    assert_int_equal(ev.type, TERN_EV_COMM_UP);
    ev = next_event(&p, 0);
    assert_int_equal(ev.type, TERN_EV_ADAPTATION_INDICATION);
    assert_int_equal(ev.assoc, id);
    assert_int_equal(ev.adaptation_ind, 0);
    ev = next_event(&p, 1);
    assert_int_equal(ev.type, TERN_EV_COMM_UP);
    ev = next_event(&p, 1);
    assert_int_equal(ev.type, TERN_EV_ADAPTATION_INDICATION);
    assert_int_equal(ev.adaptation_ind, 0x01020304);
    assert_no_event(&p, 0);
    assert_no_event(&p, 1);
    pair_free(&p);
}

/* Off (the default): no parameter is sent, and the side that hears one
 * still reports it. */
static void adaptation_indication_one_way(void **state)
{
    (void)state;
    tern_ep_config c0, c1;
    cfg_data(&c0);
    cfg_data(&c1);
    c1.adaptation_ind_on = true;
    c1.adaptation_ind = 0xdeadbeef;
    pair p;
    pair_init(&p, &c0, &c1);
    pair_connect(&p, 0);
    uint32_t v;
    pair_collect(&p);
    assert_false(adaptation_param(pair_expect_one(&p, 0, TERN_CHUNK_INIT), &v));
    pair_deliver(&p, 0);
    pair_collect(&p);
    assert_true(adaptation_param(pair_expect_one(&p, 1, TERN_CHUNK_INIT_ACK), &v));
    pair_deliver(&p, 0);
    pair_collect(&p);
    pair_expect_one(&p, 0, TERN_CHUNK_COOKIE_ECHO);
    pair_flush(&p, 4);
    assert_int_equal(next_event(&p, 0).type, TERN_EV_COMM_UP);
    tern_event ev = next_event(&p, 0);
    assert_int_equal(ev.type, TERN_EV_ADAPTATION_INDICATION);
    assert_int_equal(ev.adaptation_ind, 0xdeadbeef);
    assert_int_equal(next_event(&p, 1).type, TERN_EV_COMM_UP);
    assert_no_event(&p, 1);
    pair_free(&p);
}

/* ---- omit_init_params --------------------------------------------------------- */

/* The types of an INIT or INIT ACK chunk's parameters, in order; returns
 * how many. */
static size_t init_param_types(tern_chunk_raw chunk, uint16_t *types, size_t cap)
{
    tern_init init;
    assert_int_equal(tern_init_decode(&chunk, &init), 0);
    tern_tlv_iter it;
    tern_tlv tlv;
    size_t n = 0;
    tern_tlv_iter_init_bytes(&it, init.params);
    while (tern_tlv_next(&it, &tlv) > 0)
        if (n < cap) types[n++] = tlv.type;
    return n;
}

/* With the setting on, both ends would otherwise send addresses and an
 * Adaptation Layer Indication: the INIT carries no parameter at all, the
 * INIT ACK only its State Cookie, and the association still comes up
 * (over the packets' source addresses, §5.1.2). Peers such as pion/sctp
 * refuse the others. */
static void omit_init_params_sends_bare_init_and_init_ack(void **state)
{
    (void)state;
    tern_ep_config c0, c1;
    cfg_data(&c0);
    cfg_data(&c1);
    c0.adaptation_ind_on = c1.adaptation_ind_on = true;
    c0.local_addrs[0] = pair_v4(192, 0, 2, 1);
    c1.local_addrs[0] = pair_v4(192, 0, 2, 2);
    c0.num_local_addrs = c1.num_local_addrs = 1;
    c0.omit_init_params = c1.omit_init_params = true;
    pair p;
    pair_init(&p, &c0, &c1);
    pair_connect(&p, 0);
    uint16_t types[8];
    pair_collect(&p);
    assert_int_equal(init_param_types(pair_expect_one(&p, 0, TERN_CHUNK_INIT), types, 8), 0);
    pair_deliver(&p, 0);
    pair_collect(&p);
    assert_int_equal(init_param_types(pair_expect_one(&p, 1, TERN_CHUNK_INIT_ACK), types, 8), 1);
    assert_int_equal(types[0], TERN_PARAM_STATE_COOKIE);
    pair_deliver(&p, 0);
    pair_collect(&p);
    pair_expect_one(&p, 0, TERN_CHUNK_COOKIE_ECHO);
    pair_flush(&p, 4);
    assert_int_equal(next_event(&p, 0).type, TERN_EV_COMM_UP);
    assert_int_equal(next_event(&p, 1).type, TERN_EV_COMM_UP);
    assert_no_event(&p, 0); /* no Adaptation Layer Indication went either way */
    assert_no_event(&p, 1);
    pair_free(&p);
}

/* Off (the default), the same configuration sends them. */
static void init_params_sent_by_default(void **state)
{
    (void)state;
    tern_ep_config c0, c1;
    cfg_data(&c0);
    cfg_data(&c1);
    c0.adaptation_ind_on = true;
    c0.local_addrs[0] = pair_v4(192, 0, 2, 1);
    c0.num_local_addrs = 1;
    pair p;
    pair_init(&p, &c0, &c1);
    pair_connect(&p, 0);
    uint16_t types[8];
    pair_collect(&p);
    assert_int_equal(init_param_types(pair_expect_one(&p, 0, TERN_CHUNK_INIT), types, 8), 2);
    assert_int_equal(types[0], TERN_PARAM_IPV4);
    assert_int_equal(types[1], TERN_PARAM_ADAPTATION);
    pair_free(&p);
}

/* ---- peer address changes ------------------------------------------------------ */

/* §8.2: past Path.Max.Retrans unanswered heartbeats the address is
 * UNREACHABLE (inactive); the next HEARTBEAT ACK makes it AVAILABLE. */
static void addr_unreachable_then_available_by_heartbeat(void **state)
{
    (void)state;
    tern_ep_config c0, c1;
    cfg_data(&c0);
    cfg_data(&c1);
    c0.hb_interval = TERN_SEC(1);
    c0.path_max_retrans = 1;
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c0, &c1, ids);
    for (int k = 0; k < 3; k++) { /* three heartbeats lost: strikes 1 and 2 */
        pair_fire(&p, 0);
        pair_collect_from(&p, 0);
        pair_drop_all(&p, 0);
    }
    tern_event ev = next_event(&p, 0);
    assert_int_equal(ev.type, TERN_EV_PEER_ADDR_CHANGE);
    assert_int_equal(ev.addr_state, TERN_ADDR_UNREACHABLE);
    assert_int_equal(ev.assoc, ids[0]);
    assert_memory_equal(&ev.addr, &p.path[0].remote, sizeof(tern_addr));
    assert_no_event(&p, 0);
    assert_int_equal(pair_assoc(&p, 0, ids[0]).paths[0].state, TERN_PATH_INACTIVE);
    /* The outstanding heartbeat is lost too; the next one is answered. */
    pair_fire(&p, 0);
    pair_collect_from(&p, 0);
    pair_deliver(&p, 0);
    pair_collect_from(&p, 1);
    pair_deliver(&p, 0);
    ev = next_event(&p, 0);
    assert_int_equal(ev.type, TERN_EV_PEER_ADDR_CHANGE);
    assert_int_equal(ev.addr_state, TERN_ADDR_AVAILABLE);
    assert_int_equal(pair_assoc(&p, 0, ids[0]).paths[0].state, TERN_PATH_ACTIVE);
    assert_no_event(&p, 0);
    pair_free(&p);
}

/* §8.2: T3-rtx expiries strike the address too; a SACK acknowledging data
 * sent to it clears the counter and makes it AVAILABLE again. */
static void addr_unreachable_by_t3_available_by_sack(void **state)
{
    (void)state;
    tern_ep_config c0, c1;
    cfg_data(&c0);
    cfg_data(&c1);
    c0.path_max_retrans = 1;
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c0, &c1, ids);
    send_pkt(&p, ids[0], 0, 0, 0, 100);
    pair_drop_all(&p, 0);
    for (int k = 0; k < 2; k++) {
        pair_fire(&p, 0);
        pair_collect_from(&p, 0);
        pair_drop_all(&p, 0);
    }
    tern_event ev = next_event(&p, 0);
    assert_int_equal(ev.type, TERN_EV_PEER_ADDR_CHANGE);
    assert_int_equal(ev.addr_state, TERN_ADDR_UNREACHABLE);
    reader r = {.side = 1, .in_order = true};
    pump_read(&p, &r); /* T3 sends it again; delivered and acknowledged */
    assert_int_equal(r.n, 1);
    assert_int_equal(pair_assoc(&p, 0, ids[0]).paths[0].error_count, 0);
    ev = next_event(&p, 0);
    assert_int_equal(ev.type, TERN_EV_PEER_ADDR_CHANGE);
    assert_int_equal(ev.addr_state, TERN_ADDR_AVAILABLE);
    assert_int_equal(next_event(&p, 0).type, TERN_EV_SENDER_DRY);
    pair_free(&p);
}

/* ---- partial delivery aborted ----------------------------------------------------- */

/* Endpoint 1 delivers partially from 1000 bytes on. */
static void open_pd(pair *p, tern_assoc_id ids[2])
{
    tern_ep_config c0, c1;
    cfg_data(&c0);
    cfg_data(&c1);
    c1.pd_point = 1000;
    open_pair(p, &c0, &c1, ids);
}

/* Sends a 4000-byte message on stream 2 (its 4th: SSN 3) and delivers all
 * its packets but the last. */
static void half_a_message(pair *p, tern_assoc_id id)
{
    for (uint32_t k = 0; k < 3; k++) {
        send_ok(p, 0, id, 2, 0, k, 10);
        pump(p, NULL);
        assert_int_equal(read_one(p, 1, NULL), k);
    }
    send_ok(p, 0, id, 2, 0, 3, 4000);
    pair_collect_from(p, 0);
    assert_int_equal(p->nflight, 3);
    pair_deliver(p, 0);
    pair_deliver(p, 0);
    pair_drop(p, 0);
}

/* The user read pieces (TERN_RCV_PARTIAL) of a message whose end will
 * never come: the peer aborts. PARTIAL_DELIVERY_ABORTED (stream, SSN)
 * comes before COMM_LOST. */
static void pd_aborted_before_comm_lost(void **state)
{
    (void)state;
    pair p;
    tern_assoc_id ids[2];
    open_pd(&p, ids);
    half_a_message(&p, ids[0]);
    uint8_t buf[8192];
    tern_rcvinfo ri;
    long n = tern_ep_recv(p.ep[1], &ri, buf, sizeof buf, p.now);
    assert_true(n >= 1000);
    assert_true(ri.flags & TERN_RCV_PARTIAL);
    assert_false(ri.flags & TERN_RCV_EOR);
    assert_int_equal(tern_ep_abort(p.ep[0], ids[0], NULL, 0, p.now), 0);
    pair_collect_from(&p, 0);
    pair_deliver(&p, 0);
    tern_event ev = next_event(&p, 1);
    assert_int_equal(ev.type, TERN_EV_PARTIAL_DELIVERY_ABORTED);
    assert_int_equal(ev.assoc, ids[1]);
    assert_int_equal(ev.stream, 2);
    assert_int_equal(ev.ssn, 3);
    assert_int_equal(next_event(&p, 1).type, TERN_EV_COMM_LOST);
    assert_no_event(&p, 1);
    pair_free(&p);
}

/* Pieces ready but none read: nothing was partly delivered to the user, so
 * only COMM_LOST. */
static void pd_not_aborted_when_nothing_read(void **state)
{
    (void)state;
    pair p;
    tern_assoc_id ids[2];
    open_pd(&p, ids);
    half_a_message(&p, ids[0]);
    assert_int_equal(tern_ep_abort(p.ep[0], ids[0], NULL, 0, p.now), 0);
    pair_collect_from(&p, 0);
    pair_deliver(&p, 0);
    assert_int_equal(next_event(&p, 1).type, TERN_EV_COMM_LOST);
    assert_no_event(&p, 1);
    pair_free(&p);
}

/* A whole message read in part (the buffer was short) is partly delivered
 * too: the rest is lost with the association. */
static void pd_aborted_for_half_read_message(void **state)
{
    (void)state;
    pair p;
    tern_assoc_id ids[2];
    tern_ep_config c;
    cfg_data(&c);
    open_pair(&p, &c, &c, ids);
    send_ok(&p, 0, ids[0], 5, TERN_SEND_UNORDERED, 0, 300);
    pump(&p, NULL);
    uint8_t buf[100];
    tern_rcvinfo ri;
    assert_int_equal(tern_ep_recv(p.ep[1], &ri, buf, sizeof buf, p.now), 100);
    assert_false(ri.flags & (TERN_RCV_EOR | TERN_RCV_PARTIAL));
    assert_int_equal(tern_ep_abort(p.ep[0], ids[0], NULL, 0, p.now), 0);
    pair_collect_from(&p, 0);
    pair_deliver(&p, 0);
    tern_event ev = next_event(&p, 1);
    assert_int_equal(ev.type, TERN_EV_PARTIAL_DELIVERY_ABORTED);
    assert_int_equal(ev.stream, 5);
    assert_int_equal(next_event(&p, 1).type, TERN_EV_COMM_LOST);
    pair_free(&p);
}

/* Reading the whole message (its last piece with EOR) leaves nothing to
 * abort. */
static void pd_finished_is_not_aborted(void **state)
{
    (void)state;
    pair p;
    tern_assoc_id ids[2];
    open_pd(&p, ids);
    half_a_message(&p, ids[0]);
    uint8_t buf[8192];
    tern_rcvinfo ri;
    assert_true(tern_ep_recv(p.ep[1], &ri, buf, sizeof buf, p.now) > 0);
    pair_fire(&p, 0); /* T3: the last packet again */
    pump(&p, NULL);
    size_t total = 0;
    long n;
    while ((n = tern_ep_recv(p.ep[1], &ri, buf, sizeof buf, p.now)) > 0)
        total += (size_t)n;
    assert_true(ri.flags & TERN_RCV_EOR);
    assert_true(total > 0);
    assert_int_equal(tern_ep_abort(p.ep[0], ids[0], NULL, 0, p.now), 0);
    pair_collect_from(&p, 0);
    pair_deliver(&p, 0);
    assert_int_equal(next_event(&p, 1).type, TERN_EV_COMM_LOST);
    pair_free(&p);
}

/* §5.2.4 action A: the peer restarted. The half-read message will never be
 * completed (the new association starts its streams afresh):
 * PARTIAL_DELIVERY_ABORTED comes before RESTART. */
static void pd_aborted_before_restart(void **state)
{
    (void)state;
    pair p;
    tern_assoc_id ids[2];
    open_pd(&p, ids);
    half_a_message(&p, ids[0]);
    uint8_t buf[8192];
    tern_rcvinfo ri;
    assert_true(tern_ep_recv(p.ep[1], &ri, buf, sizeof buf, p.now) > 0);
    pair_collect(&p);
    pair_drop_all(&p, 0);
    tern_ep_free(p.ep[0]); /* endpoint 0 restarts */
    tern_ep_config c;
    cfg_data(&c);
    c.port = pair_port(0);
    assert_int_equal(tern_ep_new(&c, &p.ep[0]), 0);
    pair_connect(&p, 0);
    pair_handshake(&p);
    tern_event ev = next_event(&p, 1);
    assert_int_equal(ev.type, TERN_EV_PARTIAL_DELIVERY_ABORTED);
    assert_int_equal(ev.stream, 2);
    assert_int_equal(ev.ssn, 3);
    assert_int_equal(next_event(&p, 1).type, TERN_EV_RESTART);
    assert_no_event(&p, 1);
    assert_int_equal(tern_ep_recv(p.ep[1], &ri, buf, sizeof buf, p.now), 0);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(adaptation_indication_both_ways),
        cmocka_unit_test(adaptation_indication_one_way),
        cmocka_unit_test(omit_init_params_sends_bare_init_and_init_ack),
        cmocka_unit_test(init_params_sent_by_default),
        cmocka_unit_test(addr_unreachable_then_available_by_heartbeat),
        cmocka_unit_test(addr_unreachable_by_t3_available_by_sack),
        cmocka_unit_test(pd_aborted_before_comm_lost),
        cmocka_unit_test(pd_not_aborted_when_nothing_read),
        cmocka_unit_test(pd_aborted_for_half_read_message),
        cmocka_unit_test(pd_finished_is_not_aborted),
        cmocka_unit_test(pd_aborted_before_restart),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
