/* The endpoint's memory grows with what it holds (core/ep.c, core/assoc.c):
 * hash tables, deadline heap, event ring and an association's peer
 * addresses start small and grow on demand, within their configured bounds
 * (DESIGN.md §4 "Limits"), and everything stays findable across a growth.
 * Heap use is measured through the allocator hooks of tern_ep_config. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <tern/core.h>

#include "tests/rig/pair.h"

typedef struct meter {
    size_t live, allocs, fail_after; /* fail_after: 0 never, else calls allowed */
} meter;

static void *meter_alloc(void *ctx, size_t size)
{
    meter *m = ctx;
    if (m->fail_after && m->allocs >= m->fail_after) return NULL;
    void *p = malloc(size);
    if (!p) return NULL;
    m->live += size;
    m->allocs++;
    return p;
}

static void meter_free(void *ctx, void *ptr, size_t size)
{
    meter *m = ctx;
    m->live -= size;
    free(ptr);
}

static tern_ep *ep_make(meter *m, uint32_t max_assocs, uint32_t event_queue_len)
{
    tern_ep_config cfg;
    tern_ep_config_default(&cfg);
    cfg.port = 5000;
    cfg.max_associations = max_assocs;
    cfg.event_queue_len = event_queue_len;
    cfg.max_init_retransmits = 1;
    cfg.alloc = (tern_allocator){meter_alloc, meter_free, m};
    tern_ep *ep;
    assert_int_equal(tern_ep_new(&cfg, &ep), 0);
    return ep;
}

/* Peer i: 10.(i >> 8).(i & 255).1, port 5001. */
static tern_path peer(uint32_t i)
{
    tern_path p = {0};
    p.remote.family = TERN_AF_INET;
    p.remote.ip[0] = 10;
    p.remote.ip[1] = (uint8_t)(i >> 8);
    p.remote.ip[2] = (uint8_t)i;
    p.remote.ip[3] = 1;
    return p;
}

static size_t drain_output(tern_ep *ep, tern_time now)
{
    uint8_t buf[2048];
    tern_path out;
    size_t n = 0;
    while (tern_ep_output(ep, &out, buf, sizeof buf, now) > 0)
        n++;
    return n;
}

/* An endpoint configured for many associations and events takes memory
 * for none until they come, and a single-homed association in the
 * handshake costs its TCB and little more (issue 7: memory per idle
 * association). */
static void idle_endpoint_and_association_are_small(void **state)
{
    (void)state;
    meter m = {0};
    tern_ep *ep = ep_make(&m, 65536, 1024);
    assert_true(m.live < 2048);
    size_t empty = m.live;
    tern_path p = peer(1);
    tern_assoc_id id;
    assert_int_equal(tern_ep_connect(ep, &p, 5001, 0, &id), 0);
    assert_int_equal(drain_output(ep, 0), 1);
    assert_true(m.live - empty < 2048);
    tern_ep_free(ep);
    assert_int_equal(m.live, 0);
}

/* Past the tables' first size and the heap's, every association is still
 * found by id and by peer address, the heap still yields the earliest
 * deadline, and max_associations still bounds them. */
static void tables_and_heap_grow_with_associations(void **state)
{
    (void)state;
    enum { N = 300 };
    meter m = {0};
    tern_ep *ep = ep_make(&m, N, 16);
    size_t empty = m.live;
    tern_assoc_id ids[N];
    for (uint32_t i = 0; i < N; i++) {
        tern_path p = peer(i);
        assert_int_equal(tern_ep_connect(ep, &p, 5001, i, &ids[i]), 0);
    }
    tern_path extra = peer(N);
    tern_assoc_id id;
    assert_int_equal(tern_ep_connect(ep, &extra, 5001, 0, &id), TERN_ENOMEM); /* the cap */
    for (uint32_t i = 0; i < N; i++) {
        tern_assoc_info info;
        assert_int_equal(tern_ep_assoc_info(ep, ids[i], &info), 0);
        assert_int_equal(info.state, TERN_STATE_COOKIE_WAIT);
        tern_path again = peer(i);
        assert_memory_equal(&info.paths[0].path.remote, &again.remote, sizeof(tern_addr));
        assert_int_equal(tern_ep_connect(ep, &again, 5001, 0, &id), TERN_EEXIST);
    }
    assert_int_equal(drain_output(ep, 0), N); /* one INIT each */
    /* T1 of the first, started at time 0 (rto_initial 1 s). */
    assert_int_equal(tern_ep_next_deadline(ep), TERN_SEC(1));
    for (uint32_t i = 0; i < N; i += 2)
        assert_int_equal(tern_ep_abort(ep, ids[i], NULL, 0, 0), 0);
    assert_int_equal(tern_ep_next_deadline(ep), TERN_SEC(1) + 1); /* the second's */
    for (uint32_t i = 1; i < N; i += 2)
        assert_int_equal(tern_ep_abort(ep, ids[i], NULL, 0, 0), 0);
    assert_int_equal(tern_ep_next_deadline(ep), TERN_TIME_NEVER);
    /* The tables and the heap keep their size: a second round allocates
     * only its associations. */
    size_t grown = m.live;
    assert_true(grown > empty);
    size_t allocs = m.allocs;
    for (uint32_t i = 0; i < N; i++) {
        tern_path p = peer(i);
        assert_int_equal(tern_ep_connect(ep, &p, 5001, 0, &ids[i]), 0);
    }
    assert_int_equal(m.allocs - allocs, N);
    for (uint32_t i = 0; i < N; i++)
        assert_int_equal(tern_ep_abort(ep, ids[i], NULL, 0, 0), 0);
    assert_int_equal(m.live, grown);
    tern_ep_free(ep);
    assert_int_equal(m.live, 0);
}

/* An allocation failing while the tables or the heap grow refuses the
 * association (TERN_ENOMEM) and leaves the others as they were. */
static void growth_failure_refuses_association_only(void **state)
{
    (void)state;
    for (size_t limit = 6; limit < 40; limit++) {
        meter m = {0};
        tern_ep *ep = ep_make(&m, 64, 16);
        m.fail_after = m.allocs + limit;
        tern_assoc_id ids[64];
        uint32_t n = 0;
        int rc = 0;
        for (; n < 64; n++) {
            tern_path p = peer(n);
            if ((rc = tern_ep_connect(ep, &p, 5001, 0, &ids[n])) != 0) break;
        }
        assert_int_equal(rc, TERN_ENOMEM);
        tern_ep_stats st;
        tern_ep_stats_get(ep, &st);
        assert_int_equal(st.assocs_open, n);
        for (uint32_t i = 0; i < n; i++) {
            tern_assoc_info info;
            assert_int_equal(tern_ep_assoc_info(ep, ids[i], &info), 0);
        }
        m.fail_after = 0;
        tern_path p = peer(n);
        assert_int_equal(tern_ep_connect(ep, &p, 5001, 0, &ids[n]), 0); /* works on */
        tern_ep_free(ep);
        assert_int_equal(m.live, 0);
    }
}

/* The event ring grows up to event_queue_len, keeping events in order;
 * past it events are dropped and counted (tern_ep_stats.events_dropped). */
static void event_ring_grows_to_queue_len_then_drops(void **state)
{
    (void)state;
    enum { N = 9, QLEN = 5 };
    meter m = {0};
    tern_ep *ep = ep_make(&m, 16, QLEN);
    tern_assoc_id ids[N];
    for (uint32_t i = 0; i < N; i++) {
        tern_path p = peer(i);
        assert_int_equal(tern_ep_connect(ep, &p, 5001, i, &ids[i]), 0);
    }
    /* No answer: T1 gives up after Max.Init.Retransmits (§5.1 A), one
     * association after the other (they started 1 ns apart). */
    for (tern_time t; (t = tern_ep_next_deadline(ep)) != TERN_TIME_NEVER;) {
        drain_output(ep, t);
        tern_ep_on_deadline(ep, t);
    }
    tern_ep_stats st;
    tern_ep_stats_get(ep, &st);
    assert_int_equal(st.assocs_open, 0);
    assert_int_equal(st.events_dropped, N - QLEN);
    tern_event ev;
    for (uint32_t i = 0; i < QLEN; i++) {
        assert_int_equal(tern_ep_poll_event(ep, &ev), 1);
        assert_int_equal(ev.type, TERN_EV_CANT_START);
        assert_int_equal(ev.assoc, ids[i]); /* oldest first across the growth */
    }
    assert_int_equal(tern_ep_poll_event(ep, &ev), 0);
    tern_ep_free(ep);
    assert_int_equal(m.live, 0);
}

/* A multi-homed peer (§5.1.2, RFC 6458 sctp_connectx): the path array
 * grows past the first address; every address stays known to the
 * endpoint's peer table after the paths moved. */
static void peer_addresses_grow_and_stay_findable(void **state)
{
    (void)state;
    meter m = {0};
    tern_ep *ep = ep_make(&m, 16, 16);
    tern_path paths[TERN_MAX_PATHS];
    for (uint32_t i = 0; i < TERN_MAX_PATHS; i++)
        paths[i] = peer(100 + i);
    tern_assoc_id id, other;
    assert_int_equal(tern_ep_connectx(ep, paths, TERN_MAX_PATHS, 5001, 0, &id), 0);
    tern_assoc_info info;
    assert_int_equal(tern_ep_assoc_info(ep, id, &info), 0);
    assert_int_equal(info.num_paths, TERN_MAX_PATHS);
    for (uint32_t i = 0; i < TERN_MAX_PATHS; i++) {
        assert_memory_equal(&info.paths[i].path.remote, &paths[i].remote, sizeof(tern_addr));
        assert_int_equal(tern_ep_connect(ep, &paths[i], 5001, 0, &other), TERN_EEXIST);
    }
    assert_int_equal(tern_ep_abort(ep, id, NULL, 0, 0), 0);
    for (uint32_t i = 0; i < TERN_MAX_PATHS; i++) /* gone from the peer table too */
        assert_int_equal(tern_ep_connect(ep, &paths[i], 5001, 0, &other), 0);
    tern_ep_free(ep);
    assert_int_equal(m.live, 0);
}

/* An association that sent and received a burst keeps its grown
 * outstanding-data ring and TSN bitmap while traffic goes on (no allocation
 * per packet) and message blocks, and gives them back once it has been quiet for a while: its
 * heartbeat timer finds it idle. */
static void quiet_association_gives_back_grown_rings(void **state)
{
    (void)state;
    pair_rng rng[2];
    tern_ep_config c[2];
    meter m[2] = {{0}, {0}};
    for (int i = 0; i < 2; i++) {
        pair_cfg_seeded(&c[i], &rng[i], 7 + (uint64_t)i);
        c[i].alloc = (tern_allocator){meter_alloc, meter_free, &m[i]};
    }
    pair p;
    pair_init(&p, &c[0], &c[1]);
    tern_assoc_id ids[2];
    pair_establish_idle(&p, ids);
    size_t idle[2] = {m[0].live, m[1].live};
    static uint8_t msg[1000], buf[2000];
    tern_sndinfo si = {0};
    for (int k = 0; k < 100; k++) /* far more than the first ring holds */
        assert_int_equal(tern_ep_send(p.ep[0], ids[0], &si, msg, sizeof msg, p.now), 0);
    pair_run(&p, p.now + TERN_SEC(2), 10000);
    tern_rcvinfo ri;
    int got = 0;
    while (tern_ep_recv(p.ep[1], &ri, buf, sizeof buf, p.now) > 0)
        got++;
    assert_int_equal(got, 100);
    tern_assoc_info info;
    assert_int_equal(pair_info(&p, 0, ids[0], &info), 1);
    assert_int_equal(info.unacked_chunks, 0);
    assert_true(m[0].live > idle[0] + 1000); /* the grown ring, kept */
    /* The receiver keeps its fragments' blocks after a heavy spell (reuse). */
    assert_true(m[1].live > idle[1] + 100 * 1024);
    /* Quiet: heartbeats only (their answer ring goes back too). */
    pair_run(&p, p.now + TERN_SEC(120), 10000);
    assert_int_equal(pair_info(&p, 0, ids[0], &info), 1);
    assert_int_equal(info.state, TERN_STATE_ESTABLISHED);
    assert_true(m[0].live <= idle[0]);
    assert_true(m[1].live <= idle[1]);
    pair_free(&p);
    assert_int_equal(m[0].live, 0);
    assert_int_equal(m[1].live, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(idle_endpoint_and_association_are_small),
        cmocka_unit_test(tables_and_heap_grow_with_associations),
        cmocka_unit_test(growth_failure_refuses_association_only),
        cmocka_unit_test(event_ring_grows_to_queue_len_then_drops),
        cmocka_unit_test(peer_addresses_grow_and_stay_findable),
        cmocka_unit_test(quiet_association_gives_back_grown_rings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
