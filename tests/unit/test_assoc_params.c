/* The user's per-association calls over the pair rig: reading one
 * association's messages (tern_ep_recv_assoc, tern_ep_next_readable),
 * connecting with several addresses (tern_ep_connectx, RFC 6458
 * sctp_connectx), replacing the endpoint's settings (tern_ep_config_update),
 * per-association settings (tern_ep_assoc_params_get/set, RFC 6458 §8.1),
 * and the per-path calls: primary, path MTU (RFC 9260 §6.9, §7.3) and
 * heartbeat on demand (§8.3). Misuse changes nothing. */
#include "tests/unit/data_testutil.h"

/* ---- helpers ------------------------------------------------------------- */

static tern_ep_config cfg_quiet(void)
{
    tern_ep_config c;
    cfg_data(&c);
    return c;
}

/* Every field of two params structs. */
static void assert_params_equal(const tern_assoc_params *a, const tern_assoc_params *b)
{
    assert_int_equal(a->rto_initial, b->rto_initial);
    assert_int_equal(a->rto_min, b->rto_min);
    assert_int_equal(a->rto_max, b->rto_max);
    assert_int_equal(a->assoc_max_retrans, b->assoc_max_retrans);
    assert_int_equal(a->path_max_retrans, b->path_max_retrans);
    assert_int_equal(a->hb_interval, b->hb_interval);
    assert_int_equal(a->sack_delay, b->sack_delay);
    assert_int_equal(a->sack_freq, b->sack_freq);
    assert_int_equal(a->max_burst, b->max_burst);
    assert_int_equal(a->nodelay, b->nodelay);
    assert_int_equal(a->max_seg, b->max_seg);
    assert_int_equal(a->autoclose, b->autoclose);
    assert_int_equal(a->sndbuf, b->sndbuf);
}

static tern_assoc_params params_of(pair *p, int side, tern_assoc_id id)
{
    tern_assoc_params q;
    assert_int_equal(tern_ep_assoc_params_get(p->ep[side], id, &q), 0);
    return q;
}

/* A path of endpoint 0 to another address of endpoint 1 (192.0.2.x). */
static tern_path path_to(uint8_t last)
{
    tern_path t = {
        .local = pair_v4(192, 0, 2, 1), .remote = pair_v4(192, 0, 2, last), .encaps_port = 9899};
    return t;
}

/* The first chunk of flight[i] of a type, decoded as DATA (it must be). */
static tern_data first_data(const pair *p, size_t i)
{
    tern_data d;
    assert_int_equal(pkt_data(p->flight[i].data, p->flight[i].len, &d, 1) >= 1, 1);
    return d;
}

/* ---- a third endpoint ---------------------------------------------------
 * Endpoint 1 serves two peers: endpoint 0 (192.0.2.1) and `x` at 192.0.2.3,
 * port 5000 too. Packets are routed by their destination address. */

typedef struct trio {
    pair p;
    tern_ep *x;
} trio;

static tern_path x_view(void) /* x's view: local .3, remote endpoint 1 */
{
    tern_path t = {
        .local = pair_v4(192, 0, 2, 3), .remote = pair_v4(192, 0, 2, 2), .encaps_port = 9899};
    return t;
}

static void trio_pump(trio *t)
{
    static uint8_t buf[PAIR_PKT_MAX];
    tern_addr x_addr = pair_v4(192, 0, 2, 3);
    for (int guard = 0; guard < 1000; guard++) {
        bool moved = false;
        tern_path out;
        long n;
        while ((n = tern_ep_output(t->x, &out, buf, sizeof buf, t->p.now)) > 0) {
            tern_path v = {.local = out.remote, .remote = out.local, .encaps_port = 9899};
            tern_ep_input(t->p.ep[1], &v, buf, (size_t)n, t->p.now);
            moved = true;
        }
        pair_collect(&t->p);
        while (t->p.nflight) {
            pair_pkt *k = &t->p.flight[0];
            if (k->from == 1 && memcmp(k->path.remote.ip, x_addr.ip, 4) == 0) {
                tern_path v = x_view();
                tern_ep_input(t->x, &v, k->data, k->len, t->p.now);
                pair_drop(&t->p, 0);
            } else {
                pair_deliver(&t->p, 0);
            }
            moved = true;
            pair_collect(&t->p);
        }
        if (!moved) return;
    }
    fail_msg("trio_pump: never idle");
}

/* Endpoint 1 with two associations: ids[0] from endpoint 0 (ids 0/1 are
 * that association on endpoints 0 and 1), xid[0] from x (x's id, then
 * endpoint 1's). */
static void trio_open(trio *t, tern_assoc_id ids[2], tern_assoc_id xid[2])
{
    tern_ep_config c = cfg_quiet();
    open_pair(&t->p, &c, &c, ids);
    c.port = 5000;
    assert_int_equal(tern_ep_new(&c, &t->x), 0);
    tern_path v = x_view();
    assert_int_equal(tern_ep_connect(t->x, &v, 5001, t->p.now, &xid[0]), 0);
    trio_pump(t);
    tern_event ev;
    assert_int_equal(pair_event(&t->p, 1, TERN_EV_COMM_UP, &ev), 1);
    xid[1] = ev.assoc;
    assert_true(xid[1] != ids[1]);
    assert_int_equal(tern_ep_poll_event(t->x, &ev), 1);
    assert_int_equal(ev.type, TERN_EV_COMM_UP);
}

static void trio_free(trio *t)
{
    tern_ep_free(t->x);
    pair_free(&t->p);
}

static void x_send(trio *t, tern_assoc_id id, uint32_t idx, size_t len)
{
    uint8_t b[4096];
    mk_msg(b, len, idx);
    tern_sndinfo si = {.stream = 0, .ppid = PPID};
    assert_int_equal(tern_ep_send(t->x, id, &si, b, len, t->p.now), 0);
}

/* ---- tern_ep_recv_assoc, tern_ep_next_readable -------------------------- */

/* Messages from two peers wait on endpoint 1. tern_ep_recv_assoc reads only
 * the one association's, in order, even when the other's arrived first;
 * tern_ep_next_readable names the association tern_ep_recv would read next
 * (the first to have become readable), 0 when nothing waits. Reading one
 * association dry takes it off the readable list: tern_ep_recv then goes to
 * the other. */
static void recv_assoc_reads_only_that_association(void **state)
{
    (void)state;
    trio t;
    tern_assoc_id ids[2], xid[2];
    trio_open(&t, ids, xid);
    assert_int_equal(tern_ep_next_readable(t.p.ep[1]), 0);
    send_ok(&t.p, 0, ids[0], 0, 0, 1, 100); /* endpoint 0's first */
    send_ok(&t.p, 0, ids[0], 0, 0, 2, 100);
    trio_pump(&t);
    x_send(&t, xid[0], 7, 200);
    x_send(&t, xid[0], 8, 200);
    trio_pump(&t);
    assert_int_equal(tern_ep_next_readable(t.p.ep[1]), ids[1]);

    uint8_t buf[512];
    tern_rcvinfo ri;
    long n = tern_ep_recv_assoc(t.p.ep[1], xid[1], &ri, buf, sizeof buf, t.p.now);
    assert_int_equal(n, 200);
    assert_int_equal(check_msg(buf, 200), 7);
    assert_int_equal(ri.assoc, xid[1]);
    /* Part of a message: the rest comes with the next read of it. */
    n = tern_ep_recv_assoc(t.p.ep[1], xid[1], &ri, buf, 150, t.p.now);
    assert_int_equal(n, 150);
    assert_false(ri.flags & TERN_RCV_EOR);
    assert_int_equal(tern_ep_next_readable(t.p.ep[1]), ids[1]); /* still first in line */
    n = tern_ep_recv_assoc(t.p.ep[1], xid[1], &ri, buf + 150, sizeof buf - 150, t.p.now);
    assert_int_equal(n, 50);
    assert_true(ri.flags & TERN_RCV_EOR);
    assert_int_equal(check_msg(buf, 200), 8);
    assert_int_equal(tern_ep_recv_assoc(t.p.ep[1], xid[1], &ri, buf, sizeof buf, t.p.now), 0);

    /* Only endpoint 0's are left, for tern_ep_recv. */
    assert_int_equal(tern_ep_next_readable(t.p.ep[1]), ids[1]);
    assert_int_equal(read_one(&t.p, 1, &ri), 1);
    assert_int_equal(ri.assoc, ids[1]);
    assert_int_equal(read_one(&t.p, 1, &ri), 2);
    assert_int_equal(read_one(&t.p, 1, &ri), -1);
    assert_int_equal(tern_ep_next_readable(t.p.ep[1]), 0);

    /* x's association again becomes readable after having been read dry. */
    x_send(&t, xid[0], 9, 64);
    trio_pump(&t);
    assert_int_equal(tern_ep_next_readable(t.p.ep[1]), xid[1]);
    assert_int_equal(read_one(&t.p, 1, &ri), 9);
    assert_int_equal(ri.assoc, xid[1]);
    trio_free(&t);
}

/* Misuse: NULL, cap 0, unknown association; an association in COOKIE-WAIT
 * (no data state) has nothing to read. */
static void recv_assoc_misuse(void **state)
{
    (void)state;
    pair p;
    tern_assoc_id ids[2];
    tern_ep_config c = cfg_quiet();
    open_pair(&p, &c, &c, ids);
    send_ok(&p, 0, ids[0], 0, 0, 3, 100);
    pump(&p, NULL);
    uint8_t buf[256];
    tern_rcvinfo ri;
    assert_int_equal(tern_ep_recv_assoc(NULL, ids[1], &ri, buf, sizeof buf, p.now), TERN_EINVAL);
    assert_int_equal(tern_ep_recv_assoc(p.ep[1], ids[1], NULL, buf, sizeof buf, p.now),
                     TERN_EINVAL);
    assert_int_equal(tern_ep_recv_assoc(p.ep[1], ids[1], &ri, NULL, sizeof buf, p.now),
                     TERN_EINVAL);
    assert_int_equal(tern_ep_recv_assoc(p.ep[1], ids[1], &ri, buf, 0, p.now), TERN_EINVAL);
    assert_int_equal(tern_ep_recv_assoc(p.ep[1], ids[1] + 77, &ri, buf, sizeof buf, p.now),
                     TERN_ENOENT);
    assert_int_equal(tern_ep_next_readable(NULL), 0);
    /* Nothing was consumed. */
    assert_int_equal(read_one(&p, 1, &ri), 3);
    tern_assoc_id half;
    tern_path far = path_to(50);
    assert_int_equal(tern_ep_connect(p.ep[0], &far, 5001, p.now, &half), 0);
    assert_int_equal(tern_ep_recv_assoc(p.ep[0], half, &ri, buf, sizeof buf, p.now), 0);
    pair_free(&p);
}

/* ---- tern_ep_connectx -------------------------------------------------------- */

/* The INIT goes to the first address only; the others are peer addresses
 * of the association from the start, UNCONFIRMED (§5.4), with the path
 * (local address, UDP port) they were given. The handshake completes over
 * the first. */
static void connectx_knows_every_address(void **state)
{
    (void)state;
    tern_ep_config c = cfg_quiet();
    pair p;
    pair_init(&p, &c, &c);
    tern_path paths[3] = {p.path[0], path_to(12), path_to(22)};
    paths[2].encaps_port = 7777;
    paths[2].local = pair_v4(198, 51, 100, 1);
    tern_assoc_id id;
    assert_int_equal(tern_ep_connectx(p.ep[0], paths, 3, 5001, p.now, &id), 0);
    tern_assoc_info i = pair_assoc(&p, 0, id);
    assert_int_equal(i.state, TERN_STATE_COOKIE_WAIT);
    assert_int_equal(i.num_paths, 3);
    assert_int_equal(i.primary, 0);
    assert_int_equal(i.paths[0].state, TERN_PATH_ACTIVE);
    assert_int_equal(i.paths[1].state, TERN_PATH_UNCONFIRMED);
    assert_int_equal(i.paths[2].state, TERN_PATH_UNCONFIRMED);
    assert_memory_equal(&i.paths[2].path.remote, &paths[2].remote, sizeof(tern_addr));
    assert_memory_equal(&i.paths[2].path.local, &paths[2].local, sizeof(tern_addr));
    assert_int_equal(i.paths[2].path.encaps_port, 7777);
    pair_collect(&p);
    assert_int_equal(p.nflight, 1);
    assert_int_equal(pair_first_chunk(&p, 0), TERN_CHUNK_INIT);
    assert_memory_equal(&p.flight[0].path.remote, &paths[0].remote, sizeof(tern_addr));
    pair_drop_all(&p, 0);
    /* The retransmitted INIT goes there too; the handshake completes. */
    pair_fire(&p, 0);
    pair_handshake(&p);
    tern_event ev;
    assert_int_equal(pair_event(&p, 0, TERN_EV_COMM_UP, &ev), 1);
    i = pair_assoc(&p, 0, id);
    assert_int_equal(i.state, TERN_STATE_ESTABLISHED);
    assert_int_equal(i.num_paths, 3);
    /* Nothing goes to the unconfirmed addresses. */
    send_ok(&p, 0, id, 0, 0, 1, 100);
    pair_collect(&p);
    for (size_t k = 0; k < p.nflight; k++)
        assert_memory_equal(&p.flight[k].path.remote, &paths[0].remote, sizeof(tern_addr));
    pair_free(&p);
}

/* Errors, with nothing created: NULL, no addresses, more than
 * TERN_MAX_PATHS, port 0, an address that is not unicast (anywhere in the
 * list), an address another association uses with that port (EEXIST). A
 * repeated address counts once. */
static void connectx_misuse_creates_nothing(void **state)
{
    (void)state;
    pair p;
    tern_ep_config c = cfg_quiet();
    pair_init(&p, &c, &c);
    tern_path many[TERN_MAX_PATHS + 1];
    for (unsigned k = 0; k <= TERN_MAX_PATHS; k++)
        many[k] = path_to((uint8_t)(100 + k));
    tern_assoc_id id = 12345;
    assert_int_equal(tern_ep_connectx(NULL, many, 1, 5001, p.now, &id), TERN_EINVAL);
    assert_int_equal(tern_ep_connectx(p.ep[0], NULL, 1, 5001, p.now, &id), TERN_EINVAL);
    assert_int_equal(tern_ep_connectx(p.ep[0], many, 1, 5001, p.now, NULL), TERN_EINVAL);
    assert_int_equal(tern_ep_connectx(p.ep[0], many, 0, 5001, p.now, &id), TERN_EINVAL);
    assert_int_equal(tern_ep_connectx(p.ep[0], many, TERN_MAX_PATHS + 1, 5001, p.now, &id),
                     TERN_EINVAL);
    assert_int_equal(tern_ep_connectx(p.ep[0], many, 2, 0, p.now, &id), TERN_EINVAL);
    tern_path bad[2] = {path_to(30), path_to(31)};
    bad[1].remote = pair_v4(224, 0, 0, 1); /* multicast */
    assert_int_equal(tern_ep_connectx(p.ep[0], bad, 2, 5001, p.now, &id), TERN_EINVAL);
    assert_int_equal(id, 12345);
    assert_int_equal(pair_stats(&p, 0).assocs_open, 0);

    tern_assoc_id first;
    assert_int_equal(tern_ep_connectx(p.ep[0], many, TERN_MAX_PATHS, 5001, p.now, &first), 0);
    tern_path overlap[2] = {path_to(40), many[5]};
    assert_int_equal(tern_ep_connectx(p.ep[0], overlap, 2, 5001, p.now, &id), TERN_EEXIST);
    assert_int_equal(tern_ep_connect(p.ep[0], &many[7], 5001, p.now, &id), TERN_EEXIST);
    assert_int_equal(pair_stats(&p, 0).assocs_open, 1);
    /* Another port is another peer. */
    assert_int_equal(tern_ep_connectx(p.ep[0], overlap, 2, 5009, p.now, &id), 0);
    tern_path twice[3] = {path_to(60), path_to(61), path_to(60)};
    assert_int_equal(tern_ep_connectx(p.ep[0], twice, 3, 5001, p.now, &id), 0);
    assert_int_equal(pair_assoc(&p, 0, id).num_paths, 2);
    assert_int_equal(pair_stats(&p, 0).assocs_open, 3);
    pair_free(&p);
}

/* ---- tern_ep_config_update -------------------------------------------------- */

/* The INIT of an association made after the update carries the new
 * window and stream counts; the association that existed keeps its own
 * (its window, its retransmission limits). */
static void config_update_applies_to_new_associations(void **state)
{
    (void)state;
    tern_ep_config c = cfg_quiet();
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c, &c, ids);
    tern_ep_config n = c;
    n.port = pair_port(0);
    n.rwnd = 50000;
    n.outbound_streams = 3;
    n.max_init_retransmits = 1;
    n.rto_min = n.rto_initial = TERN_SEC(2);
    n.rto_max = TERN_SEC(4);
    assert_int_equal(tern_ep_config_update(p.ep[0], &n), 0);
    tern_assoc_info old = pair_assoc(&p, 0, ids[0]);
    assert_int_equal(old.a_rwnd, c.rwnd);
    tern_assoc_params q = params_of(&p, 0, ids[0]);
    assert_int_equal(q.rto_min, c.rto_min);

    tern_assoc_id id;
    tern_path far = path_to(77);
    assert_int_equal(tern_ep_connect(p.ep[0], &far, 5001, p.now, &id), 0);
    assert_int_equal(params_of(&p, 0, id).rto_min, TERN_SEC(2));
    assert_int_equal(pair_assoc(&p, 0, id).paths[0].rto, TERN_SEC(2));
    pair_collect_from(&p, 0);
    tern_chunk_raw raw = pair_expect_one(&p, 0, TERN_CHUNK_INIT);
    tern_init init;
    assert_int_equal(tern_init_decode(&raw, &init), 0);
    assert_int_equal(init.a_rwnd, 50000);
    assert_int_equal(init.num_outbound_streams, 3);
    pair_drop_all(&p, 0);
    /* max_init_retransmits 1: the second T1 expiry gives up. */
    pair_fire(&p, 0);
    pair_drop_all(&p, 0);
    pair_fire(&p, 0);
    tern_event ev;
    assert_int_equal(pair_event(&p, 0, TERN_EV_CANT_START, &ev), 1);
    assert_int_equal(ev.assoc, id);
    pair_free(&p);
}

/* Errors, with nothing changed: NULL, a config tern_ep_new would refuse,
 * another port, other random or allocator hooks. */
static void config_update_misuse_changes_nothing(void **state)
{
    (void)state;
    tern_ep_config c = cfg_quiet();
    pair p;
    pair_init(&p, &c, &c);
    tern_ep_config n = c;
    n.port = pair_port(0);
    assert_int_equal(tern_ep_config_update(NULL, &n), TERN_EINVAL);
    assert_int_equal(tern_ep_config_update(p.ep[0], NULL), TERN_EINVAL);
    tern_ep_config bad[8];
    for (int k = 0; k < 8; k++) {
        bad[k] = n;
        bad[k].rwnd = 40000;
    }
    bad[0].port = 4000;
    bad[1].rto_min = 0;
    bad[2].random = pair_random;
    bad[3].alloc.ctx = &p;
    bad[4].sack_delay = TERN_SEC(1);
    bad[5].max_seg = 10;
    bad[6].pmtu = 1000;
    bad[7].event_queue_len = 0;
    for (int k = 0; k < 8; k++)
        assert_int_equal(tern_ep_config_update(p.ep[0], &bad[k]), TERN_EINVAL);
    tern_assoc_id id = pair_connect(&p, 0);
    pair_collect_from(&p, 0);
    tern_chunk_raw raw = pair_expect_one(&p, 0, TERN_CHUNK_INIT);
    tern_init init;
    assert_int_equal(tern_init_decode(&raw, &init), 0);
    assert_int_equal(init.a_rwnd, c.rwnd);
    (void)id;
    pair_free(&p);
}

/* Growing max_associations grows the deadline heap (every association's
 * timers still fire); growing event_queue_len keeps the queued events, in
 * order; shrinking it keeps what is queued but drops new events until the
 * queue is below the new length. */
static void config_update_grows_heap_and_event_queue(void **state)
{
    (void)state;
    tern_ep_config c = cfg_quiet();
    c.max_associations = 1;
    c.event_queue_len = 2;
    c.max_init_retransmits = 0;
    pair p;
    pair_init(&p, &c, &c);
    tern_assoc_id id[5];
    tern_path far[5];
    for (int k = 0; k < 5; k++)
        far[k] = path_to((uint8_t)(80 + k));
    assert_int_equal(tern_ep_connect(p.ep[0], &far[0], 5001, p.now, &id[0]), 0);
    assert_int_equal(tern_ep_connect(p.ep[0], &far[1], 5001, p.now, &id[1]), TERN_ENOMEM);
    tern_ep_config n = c;
    n.port = pair_port(0);
    n.max_associations = 4;
    assert_int_equal(tern_ep_config_update(p.ep[0], &n), 0);
    for (int k = 1; k < 4; k++) {
        p.now += TERN_MSEC(10);
        assert_int_equal(tern_ep_connect(p.ep[0], &far[k], 5001, p.now, &id[k]), 0);
    }
    assert_int_equal(tern_ep_connect(p.ep[0], &far[4], 5001, p.now, &id[4]), TERN_ENOMEM);
    /* All four T1 timers fire (max_init_retransmits 0: each gives up). */
    p.now += TERN_SEC(10);
    tern_ep_on_deadline(p.ep[0], p.now);
    assert_int_equal(pair_stats(&p, 0).assocs_open, 0);
    /* Two events fit; two were dropped. */
    assert_int_equal(pair_stats(&p, 0).events_dropped, 2);
    n.event_queue_len = 8;
    assert_int_equal(tern_ep_config_update(p.ep[0], &n), 0);
    assert_int_equal(tern_ep_connect(p.ep[0], &far[4], 5001, p.now, &id[4]), 0);
    p.now += TERN_SEC(10);
    tern_ep_on_deadline(p.ep[0], p.now);
    n.event_queue_len = 1; /* three queued: kept, a new one dropped */
    assert_int_equal(tern_ep_config_update(p.ep[0], &n), 0);
    tern_assoc_id last;
    assert_int_equal(tern_ep_connect(p.ep[0], &far[0], 5001, p.now, &last), 0);
    p.now += TERN_SEC(10);
    tern_ep_on_deadline(p.ep[0], p.now);
    assert_int_equal(pair_stats(&p, 0).events_dropped, 3);
    tern_event ev;
    tern_assoc_id seen[3];
    for (int k = 0; k < 3; k++) {
        assert_int_equal(tern_ep_poll_event(p.ep[0], &ev), 1);
        assert_int_equal(ev.type, TERN_EV_CANT_START);
        seen[k] = ev.assoc;
    }
    assert_int_equal(tern_ep_poll_event(p.ep[0], &ev), 0);
    assert_int_equal(seen[0], id[0]); /* the first two T1s to fire */
    assert_int_equal(seen[1], id[1]);
    assert_int_equal(seen[2], id[4]);
    pair_free(&p);
}

/* ---- tern_ep_assoc_params_get/set --------------------------------------------- */

/* get returns what the association started with (the endpoint's config);
 * every value tern_ep_new would refuse is refused, changing nothing. */
static void assoc_params_ranges_as_ep_new(void **state)
{
    (void)state;
    tern_ep_config c = cfg_quiet();
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c, &c, ids);
    tern_assoc_params q = params_of(&p, 0, ids[0]);
    assert_int_equal(q.rto_initial, c.rto_initial);
    assert_int_equal(q.rto_min, c.rto_min);
    assert_int_equal(q.rto_max, c.rto_max);
    assert_int_equal(q.assoc_max_retrans, c.assoc_max_retrans);
    assert_int_equal(q.path_max_retrans, c.path_max_retrans);
    assert_int_equal(q.hb_interval, 0);
    assert_int_equal(q.sack_delay, c.sack_delay);
    assert_int_equal(q.sack_freq, c.sack_freq);
    assert_int_equal(q.max_burst, c.max_burst);
    assert_true(q.nodelay);
    assert_int_equal(q.max_seg, 0);
    assert_int_equal(q.autoclose, 0);
    assert_int_equal(q.sndbuf, c.sndbuf);

    enum { N = 14 };
    tern_assoc_params bad[N];
    for (int k = 0; k < N; k++)
        bad[k] = q;
    bad[0].rto_min = 0;
    bad[1].rto_min = q.rto_initial + 1;
    bad[2].rto_initial = q.rto_max + 1;
    bad[3].rto_max = TERN_SEC(86401);
    bad[4].hb_interval = TERN_SEC(86401);
    bad[5].assoc_max_retrans = 0;
    bad[6].path_max_retrans = 0;
    bad[7].sndbuf = 0;
    bad[8].sack_freq = 0;
    bad[9].sack_delay = TERN_MSEC(501);
    bad[10].max_burst = 0;
    bad[11].max_seg = 63;
    bad[12].autoclose = TERN_SEC(86400) * 367;
    bad[13].rto_max = q.rto_initial - 1;
    bad[13].rto_min = 1;
    for (int k = 0; k < N; k++) {
        bad[k].hb_interval = bad[k].hb_interval == q.hb_interval ? TERN_SEC(5) : bad[k].hb_interval;
        bad[k].max_seg = bad[k].max_seg == 0 ? 500 : bad[k].max_seg;
        assert_int_equal(tern_ep_assoc_params_set(p.ep[0], ids[0], &bad[k], p.now), TERN_EINVAL);
        tern_assoc_params now = params_of(&p, 0, ids[0]);
        assert_params_equal(&now, &q);
    }
    assert_int_equal(tern_ep_next_deadline(p.ep[0]), TERN_TIME_NEVER); /* no timer armed */
    assert_int_equal(tern_ep_assoc_params_set(NULL, ids[0], &q, p.now), TERN_EINVAL);
    assert_int_equal(tern_ep_assoc_params_set(p.ep[0], ids[0], NULL, p.now), TERN_EINVAL);
    assert_int_equal(tern_ep_assoc_params_set(p.ep[0], ids[0] + 9, &q, p.now), TERN_ENOENT);
    assert_int_equal(tern_ep_assoc_params_get(p.ep[0], ids[0] + 9, &q), TERN_ENOENT);
    assert_int_equal(tern_ep_assoc_params_get(p.ep[0], ids[0], NULL), TERN_EINVAL);
    /* The edges themselves are accepted. */
    tern_assoc_params edge = q;
    edge.rto_min = edge.rto_initial = edge.rto_max = TERN_SEC(86400);
    edge.sack_delay = TERN_MSEC(500);
    edge.max_seg = 64;
    edge.autoclose = TERN_SEC(86400) * 366;
    assert_int_equal(tern_ep_assoc_params_set(p.ep[0], ids[0], &edge, p.now), 0);
    tern_assoc_params got = params_of(&p, 0, ids[0]);
    assert_params_equal(&got, &edge);
    pair_free(&p);
}

/* RTO bounds (RFC 6458 RTOINFO): every path's RTO is clamped into the new
 * [RTO.Min, RTO.Max]; a path never measured takes the new RTO.Initial. */
static void assoc_params_rto_bounds_apply_to_paths(void **state)
{
    (void)state;
    tern_ep_config c = cfg_quiet();
    pair p;
    pair_init(&p, &c, &c);
    tern_path paths[2] = {p.path[0], path_to(12)};
    tern_assoc_id id;
    assert_int_equal(tern_ep_connectx(p.ep[0], paths, 2, 5001, p.now, &id), 0);
    pair_handshake(&p);
    assert_int_equal(pair_assoc(&p, 0, id).paths[0].rto, TERN_SEC(1)); /* measured, clamped */
    tern_assoc_params q = params_of(&p, 0, id);
    q.rto_min = TERN_SEC(3);
    q.rto_initial = TERN_SEC(4);
    q.rto_max = TERN_SEC(10);
    assert_int_equal(tern_ep_assoc_params_set(p.ep[0], id, &q, p.now), 0);
    tern_assoc_info i = pair_assoc(&p, 0, id);
    assert_int_equal(i.paths[0].rto, TERN_SEC(3));
    assert_int_equal(i.paths[1].rto, TERN_SEC(4));
    q.rto_min = q.rto_initial = TERN_MSEC(100);
    q.rto_max = TERN_MSEC(200);
    assert_int_equal(tern_ep_assoc_params_set(p.ep[0], id, &q, p.now), 0);
    i = pair_assoc(&p, 0, id);
    assert_int_equal(i.paths[0].rto, TERN_MSEC(200));
    assert_int_equal(i.paths[1].rto, TERN_MSEC(100)); /* still unmeasured: RTO.Initial */
    pair_free(&p);
}

/* hb_interval 0 stops the heartbeat timer; a new interval re-arms it from
 * now (HB.interval + RTO ± RTO/2, §8.3). */
static void assoc_params_heartbeat_interval(void **state)
{
    (void)state;
    tern_ep_config c = cfg_quiet();
    c.hb_interval = TERN_SEC(30);
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c, &c, ids);
    assert_true(tern_ep_next_deadline(p.ep[0]) != TERN_TIME_NEVER);
    tern_assoc_params q = params_of(&p, 0, ids[0]);
    q.hb_interval = 0;
    assert_int_equal(tern_ep_assoc_params_set(p.ep[0], ids[0], &q, p.now), 0);
    assert_int_equal(tern_ep_next_deadline(p.ep[0]), TERN_TIME_NEVER);
    p.now += TERN_SEC(100);
    q.hb_interval = TERN_SEC(5);
    assert_int_equal(tern_ep_assoc_params_set(p.ep[0], ids[0], &q, p.now), 0);
    tern_time due = tern_ep_next_deadline(p.ep[0]), rto = pair_assoc(&p, 0, ids[0]).paths[0].rto;
    assert_true(due >= p.now + TERN_SEC(5) + rto / 2);
    assert_true(due <= p.now + TERN_SEC(5) + rto + rto / 2);
    pair_fire(&p, 0);
    pair_collect_from(&p, 0);
    pair_expect_one(&p, 0, TERN_CHUNK_HEARTBEAT);
    pair_free(&p);
}

/* sndbuf below what is queued: nothing is dropped, new sends get
 * TERN_EAGAIN (and a message larger than the new cap TERN_EINVAL) until
 * acknowledgements bring the queue under the cap. */
static void assoc_params_sndbuf_below_queued(void **state)
{
    (void)state;
    tern_ep_config c = cfg_quiet();
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c, &c, ids);
    for (uint32_t k = 0; k < 3; k++)
        send_ok(&p, 0, ids[0], 0, 0, k, BIG);
    tern_assoc_params q = params_of(&p, 0, ids[0]);
    q.sndbuf = 1000;
    assert_int_equal(tern_ep_assoc_params_set(p.ep[0], ids[0], &q, p.now), 0);
    assert_int_equal(pair_assoc(&p, 0, ids[0]).send_queued, 3 * BIG);
    assert_int_equal(send_msg(&p, 0, ids[0], 0, 0, 9, 100), TERN_EAGAIN);
    assert_int_equal(send_msg(&p, 0, ids[0], 0, 0, 9, 1001), TERN_EINVAL);
    reader r = {.side = 1, .in_order = true};
    pump_read(&p, &r);
    assert_int_equal(r.n, 3);
    assert_int_equal(pair_assoc(&p, 0, ids[0]).send_queued, 0);
    send_ok(&p, 0, ids[0], 0, 0, 3, 600);
    assert_int_equal(send_msg(&p, 0, ids[0], 0, 0, 4, 600), TERN_EAGAIN);
    pump_read(&p, &r);
    assert_int_equal(r.n, 4);
    pair_free(&p);
}

/* sack_delay 0 while the delayed-SACK timer runs: the SACK is owed at once
 * (§6.2). */
static void assoc_params_sack_delay_zero_sacks_now(void **state)
{
    (void)state;
    tern_ep_config c = cfg_quiet();
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c, &c, ids);
    send_pkt(&p, ids[0], 0, 0, 1, 100);
    pair_deliver(&p, 0);
    assert_int_equal(pair_collect_from(&p, 1), 0); /* one packet: the SACK waits */
    assert_true(tern_ep_next_deadline(p.ep[1]) <= p.now + c.sack_delay);
    tern_assoc_params q = params_of(&p, 1, ids[1]);
    q.sack_delay = 0;
    assert_int_equal(tern_ep_assoc_params_set(p.ep[1], ids[1], &q, p.now), 0);
    assert_int_equal(pair_collect_from(&p, 1), 1);
    sack_view v = expect_sack(&p, 1);
    assert_int_equal(v.cum, pair_assoc(&p, 0, ids[0]).local_initial_tsn);
    pair_free(&p);
}

/* max_seg (RFC 6458 MAXSEG) caps each DATA chunk's payload; nodelay off
 * holds a small message while data is in flight, and turning it on sends
 * it. */
static void assoc_params_max_seg_and_nodelay(void **state)
{
    (void)state;
    tern_ep_config c = cfg_quiet();
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c, &c, ids);
    tern_assoc_params q = params_of(&p, 0, ids[0]);
    q.max_seg = 100;
    q.nodelay = false;
    assert_int_equal(tern_ep_assoc_params_set(p.ep[0], ids[0], &q, p.now), 0);
    send_ok(&p, 0, ids[0], 0, 0, 0, 450);
    assert_int_equal(pair_collect_from(&p, 0), 1);
    tern_data d[8];
    assert_int_equal(pkt_data(p.flight[0].data, p.flight[0].len, d, 8), 5);
    for (int k = 0; k < 4; k++)
        assert_int_equal(d[k].payload.len, 100);
    assert_int_equal(d[4].payload.len, 50);
    send_ok(&p, 0, ids[0], 0, 0, 1, 20); /* small, with data in flight: held */
    assert_int_equal(pair_collect_from(&p, 0), 0);
    q.nodelay = true;
    assert_int_equal(tern_ep_assoc_params_set(p.ep[0], ids[0], &q, p.now), 0);
    assert_int_equal(pair_collect_from(&p, 0), 1);
    reader r = {.side = 1, .in_order = true};
    pump_read(&p, &r);
    assert_int_equal(r.n, 2);
    pair_free(&p);
}

/* Nagle (nodelay off): with data in flight, small messages gather until a
 * full chunk's worth waits, then one packet carries them bundled; the rest
 * waits for the SACK. A rule that held only a lone small message sent a
 * packet for every second one (two 64-byte messages per packet on loopback). */
static void nagle_gathers_small_messages_until_a_full_packet(void **state)
{
    (void)state;
    tern_ep_config c = cfg_quiet();
    c.nodelay = false;
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c, &c, ids);
    send_ok(&p, 0, ids[0], 0, 0, 0, 100); /* nothing in flight: goes at once */
    assert_int_equal(pair_collect_from(&p, 0), 1);
    uint32_t idx = 1;
    for (; idx <= 10; idx++) /* 1,000 bytes: below a full chunk of a 1500-byte path */
        send_ok(&p, 0, ids[0], 0, 0, idx, 100);
    assert_int_equal(pair_collect_from(&p, 0), 0);
    for (; idx <= 15; idx++) /* 1,500 bytes waiting: one packet, 12 chunks fit */
        send_ok(&p, 0, ids[0], 0, 0, idx, 100);
    assert_int_equal(pair_collect_from(&p, 0), 1);
    tern_data d[16];
    assert_int_equal(pkt_data(p.flight[1].data, p.flight[1].len, d, 16), 12);
    reader r = {.side = 1, .in_order = true};
    pump_read(&p, &r); /* the SACKs release the last three */
    assert_int_equal(r.n, 16);
    pair_free(&p);
}

/* Nagle off, a large flight (40 packets): a send leaves new data waiting
 * until a quarter of the flight is queued, then the batch goes at once (Nagle
 * keeps the last message for the SACK). With Nagle's rule alone, every
 * second 1000-byte message sent a packet: a system call per message for a
 * sender refilling a large window. */
static void batch_grows_with_the_flight(void **state)
{
    (void)state;
    tern_ep_config c = cfg_quiet(); /* nodelay on while the window opens */
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c, &c, ids);
    reader r = {.side = 1, .in_order = true};
    uint32_t idx = 0;
    for (; idx < 120; idx++) /* slow start: cwnd grows past 40 packets */
        send_ok(&p, 0, ids[0], 0, 0, idx, 1000);
    pump_read(&p, &r);
    assert_int_equal(r.n, 120);
    tern_assoc_info i;
    assert_true(pair_info(&p, 0, ids[0], &i));
    assert_true(i.paths[0].cwnd >= 50 * 1000);
    for (int k = 0; k < 40; k++, idx++) /* the flight: 40 chunks of 1,016 bytes */
        send_ok(&p, 0, ids[0], 0, 0, idx, 1000);
    assert_int_equal(pair_collect_from(&p, 0), 40);
    tern_assoc_params q = params_of(&p, 0, ids[0]);
    q.nodelay = false;
    assert_int_equal(tern_ep_assoc_params_set(p.ep[0], ids[0], &q, p.now), 0);
    assert_int_equal(pair_collect_from(&p, 0), 0); /* nothing waits yet */
    tern_event ev;
    while (tern_ep_poll_event(p.ep[0], &ev)) { /* events are work too */
    }
    for (int k = 0; k < 10; k++, idx++) { /* below a quarter (10,160) waiting: no output */
        send_ok(&p, 0, ids[0], 0, 0, idx, 1000);
        assert_false(tern_ep_has_work(p.ep[0]));
        assert_int_equal(pair_collect_from(&p, 0), 0);
    }
    send_ok(&p, 0, ids[0], 0, 0, idx++, 1000); /* 11,000: the batch, less Nagle's last */
    assert_int_equal(pair_collect_from(&p, 0), 10);
    pump_read(&p, &r); /* the SACKs send the last one */
    assert_int_equal(r.n, idx);
    assert_true(pair_info(&p, 0, ids[0], &i));
    assert_int_equal(i.send_queued, 0);
    pair_free(&p);
}

/* With data in flight and the congestion window full, a send owes no output
 * (nodelay on: neither Nagle nor a batch holds it); the SACKs that open the
 * window send it. */
static void full_window_send_asks_no_output(void **state)
{
    (void)state;
    tern_ep_config c = cfg_quiet();
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c, &c, ids);
    tern_event ev;
    while (tern_ep_poll_event(p.ep[0], &ev)) { /* events are work too */
    }
    uint32_t idx = 0;
    int sent = 1;
    for (int guard = 0; sent && guard < 64; guard++, idx++) { /* until the window is full */
        send_ok(&p, 0, ids[0], 0, 0, idx, 1000);
        sent = pair_collect_from(&p, 0);
    }
    assert_int_equal(sent, 0);
    assert_true(idx > 1 && idx < 64);
    for (int k = 0; k < 3; k++, idx++) {
        send_ok(&p, 0, ids[0], 0, 0, idx, 1000);
        assert_false(tern_ep_has_work(p.ep[0]));
    }
    reader r = {.side = 1, .in_order = true};
    pump_read(&p, &r);
    assert_int_equal(r.n, idx);
    tern_assoc_info i;
    assert_true(pair_info(&p, 0, ids[0], &i));
    assert_int_equal(i.send_queued, 0);
    pair_free(&p);
}

/* The endpoints' chunk counters agree with each other and with the
 * association's: DATA bundled many to a packet (counted without a parse)
 * and the SACKs answering them. */
static void chunk_counters_agree(void **state)
{
    (void)state;
    tern_ep_config c = cfg_quiet();
    c.nodelay = false;
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c, &c, ids);
    tern_ep_stats b0 = pair_stats(&p, 0), b1 = pair_stats(&p, 1);
    for (uint32_t idx = 0; idx < 50; idx++)
        send_ok(&p, 0, ids[0], 0, 0, idx, 100);
    reader r = {.side = 1, .in_order = true};
    pump_read(&p, &r);
    assert_int_equal(r.n, 50);
    tern_ep_stats s0 = pair_stats(&p, 0), s1 = pair_stats(&p, 1);
    tern_assoc_info i;
    assert_true(pair_info(&p, 0, ids[0], &i));
    uint64_t data_out = s0.chunks_out[TERN_CHUNK_DATA] - b0.chunks_out[TERN_CHUNK_DATA];
    assert_int_equal(data_out, 50);
    assert_int_equal(i.stats.data_chunks_out, 50);
    assert_int_equal(s1.chunks_in[TERN_CHUNK_DATA] - b1.chunks_in[TERN_CHUNK_DATA], 50);
    assert_true(s0.packets_out - b0.packets_out < 50); /* bundled */
    uint64_t sacks = s1.chunks_out[TERN_CHUNK_SACK] - b1.chunks_out[TERN_CHUNK_SACK];
    assert_true(sacks > 0);
    assert_int_equal(s0.chunks_in[TERN_CHUNK_SACK] - b0.chunks_in[TERN_CHUNK_SACK], sacks);
    pair_free(&p);
}

/* tern_ep_has_work: output owed (a message to send), events waiting, or
 * nothing at all (what a caller driving many endpoints skips on); a
 * message Nagle holds back owes no output. */
static void has_work_tells_output_and_events(void **state)
{
    (void)state;
    tern_ep_config c = cfg_quiet();
    c.nodelay = false;
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c, &c, ids);
    assert_false(tern_ep_has_work(NULL));
    assert_false(tern_ep_has_work(p.ep[0]));
    send_ok(&p, 0, ids[0], 0, 0, 0, 100);
    assert_true(tern_ep_has_work(p.ep[0]));
    assert_int_equal(pair_collect_from(&p, 0), 1);
    assert_false(tern_ep_has_work(p.ep[0]));
    send_ok(&p, 0, ids[0], 0, 0, 1, 100); /* held: in flight, less than a packet */
    assert_false(tern_ep_has_work(p.ep[0]));
    pair_deliver(&p, 0);
    /* Data to read is no work (tern_ep_readable_after tells it), nor is a
     * delayed SACK (a deadline). */
    assert_true(tern_ep_assoc_readable(p.ep[1], ids[1]));
    assert_false(tern_ep_has_work(p.ep[1]));
    reader r = {.side = 1, .in_order = true};
    pump_read(&p, &r);
    assert_int_equal(r.n, 2);
    assert_int_equal(tern_ep_shutdown(p.ep[0], ids[0], p.now), 0);
    assert_true(tern_ep_has_work(p.ep[0])); /* the SHUTDOWN */
    pair_flush(&p, 16);
    assert_true(tern_ep_has_work(p.ep[1])); /* the association's end: an event */
    tern_event ev;
    while (tern_ep_poll_event(p.ep[1], &ev)) {
    }
    assert_false(tern_ep_has_work(p.ep[1]));
    pair_free(&p);
}

/* §6.9 and bundling: a message a fresh packet would hold whole is not split
 * to fill the current one; a longer one (split anyway) fills it first. */
static void long_message_fills_the_packet_short_one_waits(void **state)
{
    (void)state;
    tern_ep_config c = cfg_quiet();
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c, &c, ids); /* cfg_quiet: nodelay on */
    send_ok(&p, 0, ids[0], 0, 0, 0, 1000);
    send_ok(&p, 0, ids[0], 0, 0, 1, 1000); /* fits a packet of its own */
    send_ok(&p, 0, ids[0], 0, 0, 2, 4000); /* longer than any packet */
    assert_int_equal(pair_collect_from(&p, 0), 4);
    tern_data d[4];
    assert_int_equal(pkt_data(p.flight[0].data, p.flight[0].len, d, 4), 1);
    assert_int_equal(d[0].payload.len, 1000);
    assert_int_equal(pkt_data(p.flight[1].data, p.flight[1].len, d, 4), 2);
    assert_int_equal(d[0].payload.len, 1000);
    assert_true(d[1].flags & TERN_DATA_FLAG_B);
    assert_false(d[1].flags & TERN_DATA_FLAG_E);
    assert_true(p.flight[1].len > 1400); /* filled */
    reader r = {.side = 1, .in_order = true};
    pump_read(&p, &r);
    assert_int_equal(r.n, 3);
    pair_free(&p);
}

/* ---- per-path calls ----------------------------------------------------------- */

/* tern_ep_heartbeat_now sends a HEARTBEAT at once (no timer), also to an
 * UNCONFIRMED address; its HEARTBEAT ACK confirms that address (§5.4),
 * which may then become the primary: new DATA goes there. An UNCONFIRMED
 * address cannot be the primary. */
static void heartbeat_now_confirms_then_primary(void **state)
{
    (void)state;
    tern_ep_config c = cfg_quiet();
    pair p;
    pair_init(&p, &c, &c);
    tern_path paths[2] = {p.path[0], path_to(12)};
    tern_assoc_id id;
    assert_int_equal(tern_ep_connectx(p.ep[0], paths, 2, 5001, p.now, &id), 0);
    pair_handshake(&p);
    tern_event ev;
    assert_int_equal(pair_event(&p, 0, TERN_EV_COMM_UP, &ev), 1);
    assert_int_equal(tern_ep_set_primary(p.ep[0], id, &paths[1].remote), TERN_EINVAL);
    assert_int_equal(pair_assoc(&p, 0, id).primary, 0);

    assert_int_equal(tern_ep_heartbeat_now(p.ep[0], id, &paths[1].remote, p.now), 0);
    assert_int_equal(pair_collect_from(&p, 0), 1);
    pair_expect_one(&p, 0, TERN_CHUNK_HEARTBEAT);
    assert_memory_equal(&p.flight[0].path.remote, &paths[1].remote, sizeof(tern_addr));
    pair_deliver_mirrored(&p, 0);
    assert_int_equal(pair_collect_from(&p, 1), 1);
    pair_expect_one(&p, 1, TERN_CHUNK_HEARTBEAT_ACK);
    pair_deliver_mirrored(&p, 0);
    assert_int_equal(pair_assoc(&p, 0, id).paths[1].state, TERN_PATH_ACTIVE);
    assert_int_equal(tern_ep_poll_event(p.ep[0], &ev), 1);
    assert_int_equal(ev.type, TERN_EV_PEER_ADDR_CHANGE);
    assert_int_equal(ev.addr_state, TERN_ADDR_CONFIRMED);
    assert_memory_equal(&ev.addr, &paths[1].remote, sizeof(tern_addr));

    assert_int_equal(tern_ep_set_primary(p.ep[0], id, &paths[1].remote), 0);
    assert_int_equal(pair_assoc(&p, 0, id).primary, 1);
    assert_int_equal(tern_ep_poll_event(p.ep[0], &ev), 1);
    assert_int_equal(ev.type, TERN_EV_PEER_ADDR_CHANGE);
    assert_int_equal(ev.addr_state, TERN_ADDR_MADE_PRIMARY);
    assert_memory_equal(&ev.addr, &paths[1].remote, sizeof(tern_addr));
    /* Already primary: nothing more. */
    assert_int_equal(tern_ep_set_primary(p.ep[0], id, &paths[1].remote), 0);
    assert_int_equal(tern_ep_poll_event(p.ep[0], &ev), 0);
    send_ok(&p, 0, id, 0, 0, 1, 100);
    assert_int_equal(pair_collect_from(&p, 0), 1);
    assert_true(pkt_has_data(&p.flight[0]));
    assert_memory_equal(&p.flight[0].path.remote, &paths[1].remote, sizeof(tern_addr));
    pair_free(&p);
}

/* Errors of the per-path calls, changing nothing: NULL, unknown
 * association, an address that is not the association's, an MTU outside
 * 1280..65535, a heartbeat before the association is up. */
static void path_calls_misuse(void **state)
{
    (void)state;
    tern_ep_config c = cfg_quiet();
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c, &c, ids);
    tern_addr peer = p.path[0].remote, other = pair_v4(192, 0, 2, 99);
    tern_assoc_id no = ids[0] + 5;
    assert_int_equal(tern_ep_set_primary(NULL, ids[0], &peer), TERN_EINVAL);
    assert_int_equal(tern_ep_set_primary(p.ep[0], ids[0], NULL), TERN_EINVAL);
    assert_int_equal(tern_ep_set_primary(p.ep[0], no, &peer), TERN_ENOENT);
    assert_int_equal(tern_ep_set_primary(p.ep[0], ids[0], &other), TERN_EINVAL);
    assert_int_equal(tern_ep_set_path_mtu(p.ep[0], no, &peer, 1400), TERN_ENOENT);
    assert_int_equal(tern_ep_set_path_mtu(p.ep[0], ids[0], &other, 1400), TERN_EINVAL);
    assert_int_equal(tern_ep_set_path_mtu(p.ep[0], ids[0], &peer, 1279), TERN_EINVAL);
    assert_int_equal(tern_ep_set_path_mtu(p.ep[0], ids[0], &peer, 65536), TERN_EINVAL);
    assert_int_equal(tern_ep_set_path_mtu(NULL, ids[0], &peer, 1400), TERN_EINVAL);
    assert_int_equal(pair_assoc(&p, 0, ids[0]).paths[0].pmtu, 1500);
    assert_int_equal(tern_ep_heartbeat_now(p.ep[0], no, &peer, p.now), TERN_ENOENT);
    assert_int_equal(tern_ep_heartbeat_now(p.ep[0], ids[0], &other, p.now), TERN_EINVAL);
    assert_int_equal(tern_ep_heartbeat_now(NULL, ids[0], &peer, p.now), TERN_EINVAL);
    assert_int_equal(pair_collect_from(&p, 0), 0);
    tern_assoc_id half;
    tern_path far = path_to(70);
    assert_int_equal(tern_ep_connect(p.ep[0], &far, 5001, p.now, &half), 0);
    pair_collect_from(&p, 0);
    pair_drop_all(&p, 0);
    assert_int_equal(tern_ep_heartbeat_now(p.ep[0], half, &far.remote, p.now), TERN_ESTATE);
    assert_int_equal(pair_collect_from(&p, 0), 0);
    assert_no_event(&p, 0);
    pair_free(&p);
}

/* A primary-path heartbeat on demand goes at once and measures the RTT;
 * the regular timer restarts from then. */
static void heartbeat_now_on_primary(void **state)
{
    (void)state;
    tern_ep_config c = cfg_quiet();
    c.hb_interval = TERN_SEC(30);
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c, &c, ids);
    p.now += TERN_SEC(3);
    assert_int_equal(tern_ep_heartbeat_now(p.ep[0], ids[0], &p.path[0].remote, p.now), 0);
    tern_time due = tern_ep_next_deadline(p.ep[0]);
    assert_true(due >= p.now + TERN_SEC(30));
    assert_int_equal(pair_collect_from(&p, 0), 1);
    pair_expect_one(&p, 0, TERN_CHUNK_HEARTBEAT);
    pair_deliver(&p, 0);
    pair_collect_from(&p, 1);
    pair_expect_one(&p, 1, TERN_CHUNK_HEARTBEAT_ACK);
    p.now += TERN_MSEC(40);
    pair_deliver(&p, 0);
    tern_assoc_info i = pair_assoc(&p, 0, ids[0]);
    assert_int_equal(i.stats.hb_acked, 1);
    assert_int_equal(i.paths[0].error_count, 0);
    pair_free(&p);
}

/* The path MTU (§7.3): new chunks are cut for the new size at once; cwnd
 * follows the PMDCS (before any data: recomputed, §7.2.1). A chunk made
 * before the MTU fell is not re-fragmented (§6.9): its retransmission goes
 * as the packet's only DATA chunk, larger than the new limit, for IP to
 * fragment. */
static void path_mtu_cuts_new_chunks_keeps_old(void **state)
{
    (void)state;
    tern_ep_config c = cfg_quiet();
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c, &c, ids);
    tern_addr peer = p.path[0].remote;
    /* No data sent yet: the initial cwnd follows the PMDCS (§7.2.1). */
    assert_int_equal(tern_ep_set_path_mtu(p.ep[0], ids[0], &peer, 9000), 0);
    tern_assoc_info i = pair_assoc(&p, 0, ids[0]);
    assert_int_equal(i.paths[0].pmtu, 9000);
    assert_int_equal(i.paths[0].cwnd, 2 * (9000 - 20 - 8 - 12));
    assert_int_equal(tern_ep_set_path_mtu(p.ep[0], ids[0], &peer, 1280), 0);
    i = pair_assoc(&p, 0, ids[0]);
    assert_int_equal(i.paths[0].pmtu, 1280);
    assert_int_equal(i.paths[0].cwnd, 4404);
    send_ok(&p, 0, ids[0], 0, 0, 0, 3000);
    pair_collect_from(&p, 0);
    assert_true(p.nflight >= 3);
    size_t total = 0;
    for (size_t k = 0; k < p.nflight; k++) {
        assert_true(p.flight[k].len <= 1280 - 20 - 8);
        total += first_data(&p, k).payload.len;
    }
    assert_int_equal(total, 3000);
    reader r = {.side = 1, .in_order = true};
    pump_read(&p, &r);
    assert_int_equal(r.n, 1);

    /* Back to 9000: a 4000-byte message goes as one chunk, and is lost. */
    assert_int_equal(tern_ep_set_path_mtu(p.ep[0], ids[0], &peer, 9000), 0);
    send_ok(&p, 0, ids[0], 0, 0, 1, 4000);
    assert_int_equal(pair_collect_from(&p, 0), 1);
    assert_int_equal(first_data(&p, 0).payload.len, 4000);
    pair_drop_all(&p, 0);
    assert_int_equal(tern_ep_set_path_mtu(p.ep[0], ids[0], &peer, 1280), 0);
    pair_fire(&p, 0); /* T3-rtx */
    assert_int_equal(pair_collect_from(&p, 0), 1);
    tern_data d[4];
    assert_int_equal(pkt_data(p.flight[0].data, p.flight[0].len, d, 4), 1);
    assert_int_equal(d[0].payload.len, 4000);
    assert_true(p.flight[0].len > 1280);
    pump_read(&p, &r);
    assert_int_equal(r.n, 2);
    assert_int_equal(pair_assoc(&p, 0, ids[0]).stats.retransmits, 1);
    pair_free(&p);
}

/* A path MTU that leaves an odd packet size (loopback's 65535, or 1283):
 * full DATA chunks are padded to 4 bytes (§3.2), and the padded packet must
 * still fit. */
static void path_mtu_not_a_multiple_of_four(void **state)
{
    (void)state;
    static const uint32_t mtus[] = {1283, 1401, 1282, 65535};
    for (size_t m = 0; m < sizeof mtus / sizeof mtus[0]; m++) {
        tern_ep_config c = cfg_quiet();
        c.rwnd = 1u << 20;
        pair p;
        tern_assoc_id ids[2];
        open_pair(&p, &c, &c, ids);
        tern_addr peer = p.path[0].remote;
        assert_int_equal(tern_ep_set_path_mtu(p.ep[0], ids[0], &peer, mtus[m]), 0);
        size_t len = 3 * mtus[m] < 65536 ? 3 * mtus[m] : 65536; /* read_one's limit */
        send_ok(&p, 0, ids[0], 0, 0, 0, len);
        pair_collect_from(&p, 0);
        assert_true(p.nflight >= 2);
        for (size_t k = 0; k < p.nflight; k++) {
            assert_true(p.flight[k].len <= mtus[m] - 20 - 8);
        }
        reader r = {.side = 1, .in_order = true};
        pump_read(&p, &r);
        assert_int_equal(r.n, 1);
        pair_free(&p);
    }
}

/* Sender-side SWS avoidance (§6.1): a peer that advertised 128 KiB gets
 * chunks of at most 32 KiB even on a 65535-byte path, so its window holds
 * four of them and its every-second-packet SACKs keep data flowing. */
static void chunks_fit_a_quarter_of_the_peer_window(void **state)
{
    (void)state;
    tern_ep_config c0 = cfg_quiet(), c1 = cfg_quiet();
    c1.rwnd = 131072;
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c0, &c1, ids);
    tern_addr peer = p.path[0].remote;
    assert_int_equal(tern_ep_set_path_mtu(p.ep[0], ids[0], &peer, 65535), 0);
    assert_int_equal(pair_assoc(&p, 0, ids[0]).frag_point, 32768);
    send_ok(&p, 0, ids[0], 0, 0, 0, 65536);
    pair_collect_from(&p, 0);
    assert_true(p.nflight >= 2);
    size_t total = 0;
    for (size_t k = 0; k < p.nflight; k++) {
        tern_data d[8];
        int n = pkt_data(p.flight[k].data, p.flight[k].len, d, 8);
        for (int j = 0; j < n; j++) {
            assert_true(d[j].payload.len <= 32768);
            total += d[j].payload.len;
        }
    }
    assert_int_equal(total, 65536);
    reader r = {.side = 1, .in_order = true};
    pump_read(&p, &r);
    assert_int_equal(r.n, 1);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(recv_assoc_reads_only_that_association),
        cmocka_unit_test(path_mtu_not_a_multiple_of_four),
        cmocka_unit_test(chunks_fit_a_quarter_of_the_peer_window),
        cmocka_unit_test(recv_assoc_misuse),
        cmocka_unit_test(connectx_knows_every_address),
        cmocka_unit_test(connectx_misuse_creates_nothing),
        cmocka_unit_test(config_update_applies_to_new_associations),
        cmocka_unit_test(config_update_misuse_changes_nothing),
        cmocka_unit_test(config_update_grows_heap_and_event_queue),
        cmocka_unit_test(assoc_params_ranges_as_ep_new),
        cmocka_unit_test(assoc_params_rto_bounds_apply_to_paths),
        cmocka_unit_test(assoc_params_heartbeat_interval),
        cmocka_unit_test(assoc_params_sndbuf_below_queued),
        cmocka_unit_test(assoc_params_sack_delay_zero_sacks_now),
        cmocka_unit_test(assoc_params_max_seg_and_nodelay),
        cmocka_unit_test(nagle_gathers_small_messages_until_a_full_packet),
        cmocka_unit_test(batch_grows_with_the_flight),
        cmocka_unit_test(full_window_send_asks_no_output),
        cmocka_unit_test(chunk_counters_agree),
        cmocka_unit_test(has_work_tells_output_and_events),
        cmocka_unit_test(long_message_fills_the_packet_short_one_waits),
        cmocka_unit_test(heartbeat_now_confirms_then_primary),
        cmocka_unit_test(path_calls_misuse),
        cmocka_unit_test(heartbeat_now_on_primary),
        cmocka_unit_test(path_mtu_cuts_new_chunks_keeps_old),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
