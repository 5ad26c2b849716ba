/* The simulator's own model (DESIGN.md §6.3), checked with raw packets
 * injected onto links: delay, rate, queue limits, loss, duplication,
 * corruption, jitter and reordering, outages, the packet pool, the event
 * guard, routing and determinism. Endpoints only receive garbage here. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "tests/rig/sim.h"

#define TRACE_MAX 16384
#define USEC(us)  ((tern_time)(us)*1000u)

/* What the deliver hook saw: packet number (first 4 bytes), arrival time,
 * and whether the bytes still match what was sent. */
typedef struct trace {
    size_t n;
    uint32_t id[TRACE_MAX];
    tern_time at[TRACE_MAX];
    int flipped[TRACE_MAX]; /* bits differing from the packet as sent */
    tern_path view;
    uint64_t hash;
} trace;

/* id, its complement, then a fixed pattern: a flipped bit anywhere shows. */
static void fill_packet(uint8_t *buf, size_t len, uint32_t id)
{
    uint32_t not_id = ~id;
    memcpy(buf, &id, sizeof id);
    memcpy(buf + 4, &not_id, sizeof not_id);
    for (size_t i = 8; i < len; i++)
        buf[i] = (uint8_t)(i * 7 + 3);
}

static void on_deliver(void *ctx, sim *s, int link, const tern_path *view, const uint8_t *pkt,
                       size_t len)
{
    trace *t = ctx;
    uint32_t id, not_id;
    memcpy(&id, pkt, sizeof id);
    memcpy(&not_id, pkt + 4, sizeof not_id);
    int bits = __builtin_popcount(id ^ ~not_id);
    for (size_t i = 8; i < len; i++)
        bits += __builtin_popcount((unsigned)(pkt[i] ^ (uint8_t)(i * 7 + 3)));
    t->view = *view;
    t->hash = (t->hash ^ sim_now(s) ^ ((uint64_t)link << 56)) * 0x100000001b3ull;
    for (size_t i = 0; i < len; i++)
        t->hash = (t->hash ^ pkt[i]) * 0x100000001b3ull;
    if (t->n < TRACE_MAX) {
        t->id[t->n] = id;
        t->at[t->n] = sim_now(s);
        t->flipped[t->n] = bits;
        t->n++;
    }
}

/* Two endpoints that never answer, one link 0→1 with params p. */
static sim *rig_new(uint64_t seed, uint32_t pool, const sim_link_params *p, trace *t)
{
    sim_config c = {.seed = seed, .pool_packets = pool, .on_deliver = on_deliver, .hook_ctx = t};
    memset(t, 0, sizeof *t);
    sim *s = sim_new(&c);
    assert_non_null(s);
    tern_ep_config ec;
    tern_ep_config_default(&ec);
    ec.blackhole = true;
    assert_int_equal(sim_add_ep(s, &ec, 5000, NULL, 1), 0);
    assert_int_equal(sim_add_ep(s, &ec, 5001, NULL, 1), 1);
    assert_int_equal(sim_link_add(s, 0, 0, 1, 0, p), 0);
    return s;
}

static void inject(sim *s, uint32_t id, size_t len)
{
    uint8_t buf[SIM_PKT_MAX];
    fill_packet(buf, len, id);
    assert_int_equal(sim_inject(s, 0, buf, len), 0);
}

/* Every packet offered is accounted for exactly once. */
static void assert_conserved(const sim *s, int link)
{
    const sim_link_stats *t = sim_link_stats_get(s, link);
    assert_int_equal(t->sent + t->duplicated, t->delivered + t->lost + t->queue_dropped +
                                                  t->down_dropped + t->pool_dropped +
                                                  sim_link_in_flight(s, link));
}

static void run_idle(sim *s)
{
    assert_int_equal(sim_run_until(s, TERN_TIME_NEVER, 1000000), SIM_IDLE);
}

static trace g_trace, g_trace2;

static void delay_is_exact_and_view_is_reversed(void **state)
{
    (void)state;
    sim_link_params p = {.delay = TERN_MSEC(10)};
    trace *t = &g_trace;
    sim *s = rig_new(1, 0, &p, t);
    sim_ep_set_udp_port(s, 0, 1234);
    inject(s, 0, 100);
    assert_int_equal(sim_run_until(s, TERN_MSEC(5), 1000), SIM_LIMIT);
    assert_int_equal(sim_now(s), TERN_MSEC(5)); /* the clock moved to the limit */
    assert_int_equal(t->n, 0);
    inject(s, 1, 100);
    assert_int_equal(sim_next_event_time(s), TERN_MSEC(10));
    run_idle(s);
    assert_int_equal(t->n, 2);
    assert_int_equal(t->at[0], TERN_MSEC(10));
    assert_int_equal(t->at[1], TERN_MSEC(15));
    assert_int_equal(sim_now(s), TERN_MSEC(15));
    /* The receiver's view: local is its own address, remote the sender's. */
    tern_addr a0 = sim_addr(0, 0), a1 = sim_addr(1, 0);
    assert_memory_equal(&t->view.local, &a1, sizeof a1);
    assert_memory_equal(&t->view.remote, &a0, sizeof a0);
    assert_int_equal(t->view.encaps_port, 1234);
    assert_int_equal(sim_link_stats_get(s, 0)->delivered, 2);
    assert_int_equal(sim_link_stats_get(s, 0)->bytes_delivered, 200);
    assert_conserved(s, 0);
    sim_free(s);
}

static void rate_serializes_packets(void **state)
{
    (void)state;
    sim_link_params p = {.delay = TERN_MSEC(5), .rate = 1000000};
    trace *t = &g_trace;
    sim *s = rig_new(1, 0, &p, t);
    inject(s, 0, 1000);
    inject(s, 1, 1000);
    run_idle(s);
    assert_int_equal(t->n, 2);
    assert_int_equal(t->at[0], TERN_MSEC(6)); /* 1 ms to serialize, 5 ms to travel */
    assert_int_equal(t->at[1], TERN_MSEC(7)); /* queued behind the first */
    /* Nothing pending: the clock still moves to the limit. */
    assert_int_equal(sim_run_until(s, TERN_MSEC(20), 10), SIM_IDLE);
    assert_int_equal(sim_now(s), TERN_MSEC(20));
    inject(s, 2, 500); /* an idle link serializes at once: 0.5 ms */
    run_idle(s);
    assert_int_equal(t->at[2], TERN_MSEC(25) + USEC(500));
    assert_conserved(s, 0);
    sim_free(s);
}

static void queue_limit_tail_drops(void **state)
{
    (void)state;
    sim_link_params p = {.delay = TERN_MSEC(1), .rate = 1000000, .queue_pkts = 5};
    trace *t = &g_trace;
    sim *s = rig_new(1, 0, &p, t);
    for (uint32_t i = 0; i < 10; i++)
        inject(s, i, 1000);
    const sim_link_stats *st = sim_link_stats_get(s, 0);
    assert_int_equal(st->queue_dropped, 5); /* the tail: packets 5..9 */
    /* At 2.5 ms packets 0 and 1 are out: two more fit, the third does not. */
    assert_int_equal(sim_run_until(s, USEC(2500), 100), SIM_LIMIT);
    for (uint32_t i = 10; i < 13; i++)
        inject(s, i, 1000);
    assert_int_equal(st->queue_dropped, 6);
    run_idle(s);
    assert_int_equal(t->n, 7);
    const uint32_t want[7] = {0, 1, 2, 3, 4, 10, 11};
    for (size_t i = 0; i < 7; i++) {
        assert_int_equal(t->id[i], want[i]);
        assert_int_equal(t->at[i], TERN_MSEC(2 + i)); /* back to back, 1 ms each */
    }
    assert_conserved(s, 0);
    sim_free(s);

    /* A byte limit: 2500 bytes hold two 1000-byte packets. */
    p.queue_pkts = 0;
    p.queue_bytes = 2500;
    s = rig_new(1, 0, &p, t);
    for (uint32_t i = 0; i < 3; i++)
        inject(s, i, 1000);
    assert_int_equal(sim_link_stats_get(s, 0)->queue_dropped, 1);
    inject(s, 3, 400); /* still fits: 2400 bytes */
    assert_int_equal(sim_link_stats_get(s, 0)->queue_dropped, 1);
    run_idle(s);
    assert_int_equal(t->n, 3);
    assert_conserved(s, 0);
    sim_free(s);
}

/* n packets in batches that fit the pool, running to idle after each. */
static void inject_many(sim *s, uint32_t n, size_t len)
{
    for (uint32_t i = 0; i < n; i++) {
        inject(s, i, len);
        if (i % 50 == 49) run_idle(s);
    }
    run_idle(s);
}

static void loss_rate(void **state)
{
    (void)state;
    sim_link_params p = {.delay = TERN_MSEC(1), .loss = 0.3};
    trace *t = &g_trace;
    sim *s = rig_new(7, 256, &p, t);
    inject_many(s, 10000, 64);
    const sim_link_stats *st = sim_link_stats_get(s, 0);
    assert_int_equal(st->sent, 10000);
    assert_in_range(st->lost, 2700, 3300);
    assert_int_equal(st->delivered, 10000 - st->lost);
    assert_int_equal(st->duplicated + st->corrupted + st->queue_dropped + st->pool_dropped, 0);
    assert_conserved(s, 0);
    sim_free(s);
}

static void duplication_and_corruption(void **state)
{
    (void)state;
    sim_link_params p = {.delay = TERN_MSEC(1), .jitter = TERN_MSEC(1), .dup = 0.2, .corrupt = 0.1};
    trace *t = &g_trace;
    sim *s = rig_new(11, 256, &p, t);
    inject_many(s, 10000, 64);
    const sim_link_stats *st = sim_link_stats_get(s, 0);
    assert_in_range(st->duplicated, 1800, 2200);
    assert_int_equal(st->delivered, 10000 + st->duplicated);
    /* Each copy (original or duplicate) is corrupted with p = 0.1. */
    assert_in_range(st->corrupted, 1050, 1350);
    size_t one_bit = 0, clean = 0;
    uint32_t copies[10000] = {0};
    for (size_t i = 0; i < t->n; i++) {
        one_bit += t->flipped[i] == 1;
        clean += t->flipped[i] == 0;
        if (t->flipped[i] == 0) copies[t->id[i]]++;
    }
    assert_int_equal(one_bit, st->corrupted); /* exactly one bit, in exactly those */
    assert_int_equal(one_bit + clean, t->n);
    for (size_t i = 0; i < 10000; i++)
        assert_true(copies[i] <= 2);
    assert_conserved(s, 0);
    sim_free(s);
}

static size_t inversions(const trace *t)
{
    size_t n = 0;
    for (size_t i = 1; i < t->n; i++)
        n += t->id[i] < t->id[i - 1];
    return n;
}

static void jitter_and_reordering(void **state)
{
    (void)state;
    trace *t = &g_trace;
    /* FIFO without jitter or reordering. */
    sim_link_params p = {.delay = TERN_MSEC(10)};
    sim *s = rig_new(3, 1024, &p, t);
    for (uint32_t i = 0; i < 1000; i++) {
        inject(s, i, 100);
        assert_int_equal(sim_run_until(s, sim_now(s) + TERN_MSEC(1), 100000), SIM_LIMIT);
    }
    run_idle(s);
    assert_int_equal(t->n, 1000);
    assert_int_equal(inversions(t), 0);
    sim_free(s);

    /* Jitter: every packet within [delay, delay + jitter], spread out. */
    p.jitter = TERN_MSEC(4);
    s = rig_new(3, 1024, &p, t);
    for (uint32_t i = 0; i < 1000; i++) {
        inject(s, i, 100);
        assert_int_equal(sim_run_until(s, sim_now(s) + TERN_MSEC(1), 100000), SIM_LIMIT);
    }
    run_idle(s);
    assert_int_equal(t->n, 1000);
    tern_time sum = 0;
    for (size_t i = 0; i < t->n; i++) {
        tern_time sent = TERN_MSEC(t->id[i]), d = t->at[i] - sent;
        assert_in_range(d, TERN_MSEC(10), TERN_MSEC(14));
        sum += d - TERN_MSEC(10);
    }
    assert_in_range(sum / 1000, TERN_MSEC(1) + TERN_MSEC(1) / 2, TERN_MSEC(2) + TERN_MSEC(1) / 2);
    assert_true(inversions(t) > 50);
    sim_free(s);

    /* Explicit reordering: about 10% held back by up to 5 ms. */
    p.jitter = 0;
    p.reorder = 0.1;
    p.reorder_max = TERN_MSEC(5);
    s = rig_new(3, 1024, &p, t);
    for (uint32_t i = 0; i < 1000; i++) {
        inject(s, i, 100);
        assert_int_equal(sim_run_until(s, sim_now(s) + TERN_MSEC(1), 100000), SIM_LIMIT);
    }
    run_idle(s);
    assert_int_equal(t->n, 1000);
    const sim_link_stats *st = sim_link_stats_get(s, 0);
    assert_in_range(st->reordered, 60, 140);
    size_t late = 0;
    for (size_t i = 0; i < t->n; i++) {
        tern_time d = t->at[i] - TERN_MSEC(t->id[i]);
        assert_in_range(d, TERN_MSEC(10), TERN_MSEC(15));
        late += d > TERN_MSEC(10);
    }
    assert_int_equal(late, st->reordered);
    assert_true(inversions(t) > 30);
    sim_free(s);
}

static void link_down_drops_everything(void **state)
{
    (void)state;
    sim_link_params p = {.delay = TERN_MSEC(5)};
    trace *t = &g_trace;
    sim *s = rig_new(1, 256, &p, t);
    sim_link_set_up(s, 0, false);
    for (uint32_t i = 0; i < 100; i++)
        inject(s, i, 100);
    run_idle(s);
    const sim_link_stats *st = sim_link_stats_get(s, 0);
    assert_int_equal(st->down_dropped, 100);
    assert_int_equal(st->delivered, 0);
    assert_int_equal(t->n, 0);
    sim_link_set_up(s, 0, true);
    inject(s, 100, 100);
    run_idle(s);
    assert_int_equal(st->delivered, 1);
    /* Cut while in flight: a packet sent up before the switch is lost too. */
    inject(s, 101, 100);
    sim_link_set_up(s, 0, false);
    run_idle(s);
    assert_int_equal(st->delivered, 1);
    assert_int_equal(st->down_dropped, 101);
    assert_conserved(s, 0);
    sim_free(s);

    /* A scheduled outage during [10 ms, 20 ms). */
    s = rig_new(1, 256, &p, t);
    st = sim_link_stats_get(s, 0);
    assert_int_equal(sim_link_down_between(s, 0, TERN_MSEC(10), TERN_MSEC(20)), 0);
    assert_false(sim_link_is_down(s, 0, TERN_MSEC(10) - 1));
    assert_true(sim_link_is_down(s, 0, TERN_MSEC(10)));
    assert_true(sim_link_is_down(s, 0, TERN_MSEC(20) - 1));
    assert_false(sim_link_is_down(s, 0, TERN_MSEC(20)));
    const tern_time send_at[4] = {0, TERN_MSEC(7), TERN_MSEC(18), TERN_MSEC(20)};
    for (uint32_t i = 0; i < 4; i++) {
        assert_int_not_equal(sim_run_until(s, send_at[i], 100), SIM_GUARD);
        assert_int_equal(sim_now(s), send_at[i]);
        inject(s, i, 100);
    }
    run_idle(s);
    assert_int_equal(t->n, 2); /* sent at 7 (arrives at 12), at 18 (arrives at 23): dropped */
    assert_int_equal(t->id[0], 0);
    assert_int_equal(t->id[1], 3);
    assert_int_equal(t->at[1], TERN_MSEC(25));
    assert_int_equal(st->down_dropped, 2);
    assert_conserved(s, 0);
    sim_free(s);
}

static void pool_full_drops_and_counts(void **state)
{
    (void)state;
    sim_link_params p = {.delay = TERN_MSEC(5)};
    trace *t = &g_trace;
    sim *s = rig_new(1, 8, &p, t);
    for (uint32_t i = 0; i < 10; i++)
        inject(s, i, SIM_PKT_MAX);
    const sim_link_stats *st = sim_link_stats_get(s, 0);
    assert_int_equal(st->pool_dropped, 2);
    assert_int_equal(sim_link_in_flight(s, 0), 8);
    assert_int_equal(sim_stats_get(s)->pool_peak, 8);
    run_idle(s);
    assert_int_equal(sim_link_in_flight(s, 0), 0);
    for (uint32_t i = 0; i < 8; i++) /* every slot came back */
        inject(s, i, 100);
    assert_int_equal(st->pool_dropped, 2);
    run_idle(s);
    assert_int_equal(st->delivered, 16);
    assert_conserved(s, 0);
    /* Oversized or empty packets are refused before the link. */
    uint8_t big[SIM_PKT_MAX + 1] = {0};
    assert_int_equal(sim_inject(s, 0, big, sizeof big), -1);
    assert_int_equal(sim_inject(s, 0, big, 0), -1);
    assert_int_equal(sim_inject(s, 1, big, 10), -1);
    sim_free(s);
}

static void event_guard_trips(void **state)
{
    (void)state;
    sim_link_params p = {.delay = TERN_MSEC(1)};
    trace *t = &g_trace;
    sim *s = rig_new(1, 0, &p, t);
    for (uint32_t i = 0; i < 20; i++)
        inject(s, i, 100);
    assert_int_equal(sim_run_until(s, TERN_TIME_NEVER, 5), SIM_GUARD);
    assert_int_equal(t->n, 5);
    assert_int_equal(sim_stats_get(s)->guard_trips, 1);
    assert_int_equal(sim_stats_get(s)->events, 5);
    assert_true(sim_step(s, TERN_TIME_NEVER));
    assert_int_equal(t->n, 6);
    /* Exactly enough events is not a trip. */
    assert_int_equal(sim_run_until(s, TERN_TIME_NEVER, 14), SIM_IDLE);
    assert_int_equal(t->n, 20);
    for (uint32_t i = 0; i < 20; i++) /* arrivals at one instant keep their order */
        assert_int_equal(t->id[i], i);
    assert_false(sim_step(s, TERN_TIME_NEVER));
    assert_int_equal(sim_stats_get(s)->guard_trips, 1);
    sim_free(s);
}

static bool after_n(sim *s, void *ctx)
{
    (void)s;
    return ((trace *)ctx)->n >= 3;
}

static void run_cond_stops_when_true(void **state)
{
    (void)state;
    sim_link_params p = {.delay = TERN_MSEC(1)};
    trace *t = &g_trace;
    sim *s = rig_new(1, 0, &p, t);
    for (uint32_t i = 0; i < 10; i++)
        inject(s, i, 100);
    assert_int_equal(sim_run_cond(s, TERN_TIME_NEVER, 1000, after_n, t), SIM_DONE);
    assert_int_equal(t->n, 3);
    assert_int_equal(sim_link_in_flight(s, 0), 7);
    sim_free(s);
}

static void routing_by_path(void **state)
{
    (void)state;
    sim *s = sim_new(&(sim_config){.seed = 1});
    assert_non_null(s);
    tern_ep_config ec;
    tern_ep_config_default(&ec);
    ec.blackhole = true;
    assert_int_equal(sim_add_ep(s, &ec, 5000, NULL, 2), 0);
    assert_int_equal(sim_add_ep(s, &ec, 5001, NULL, 2), 1);
    assert_int_equal(sim_add_ep(s, &ec, 5002, NULL, 1), 2);
    assert_int_equal(sim_link_add_pair(s, 0, 0, 1, 0, NULL), 0); /* links 0, 1 */
    assert_int_equal(sim_link_add_pair(s, 0, 1, 1, 1, NULL), 2); /* links 2, 3 */
    assert_int_equal(sim_link_add(s, 0, 1, 1, 0, NULL), 4);      /* a cross link */
    assert_int_equal(sim_link_add(s, 0, 0, 1, 0, NULL), -1);     /* exists */
    assert_int_equal(sim_link_add(s, 0, 2, 1, 0, NULL), -1);     /* no such address */
    assert_int_equal(sim_link_add(s, 0, 0, 0, 1, NULL), -1);     /* to itself */
    assert_int_equal(sim_link_find(s, 1, 1, 0, 1), 3);

    tern_path path = sim_path(s, 0, 1, 1, 1);
    assert_int_equal(sim_route(s, 0, &path), 2);
    path = sim_path(s, 0, 1, 1, 0);
    assert_int_equal(sim_route(s, 0, &path), 4);
    path = sim_path(s, 1, 0, 0, 0);
    assert_int_equal(sim_route(s, 1, &path), 1);
    /* Unset local: the first link from any of the sender's addresses. */
    path = sim_path(s, 0, 1, 1, 0);
    memset(&path.local, 0, sizeof path.local);
    assert_int_equal(sim_route(s, 0, &path), 0);
    /* Not the sender's address, no link, unknown remote: unroutable. */
    path = sim_path(s, 0, 0, 1, 0);
    path.local = sim_addr(1, 0);
    assert_int_equal(sim_route(s, 0, &path), -1);
    path = sim_path(s, 1, 1, 0, 0);
    assert_int_equal(sim_route(s, 1, &path), -1);
    path = sim_path(s, 0, 0, 2, 0);
    assert_int_equal(sim_route(s, 0, &path), -1);
    path.remote = sim_addr(5, 0);
    assert_int_equal(sim_route(s, 0, &path), -1);
    tern_addr a = sim_addr(2, 1);
    assert_int_equal(a.family, TERN_AF_INET);
    assert_memory_equal(a.ip, ((uint8_t[]){10, 2, 0, 3}), 4);
    sim_free(s);
}

/* Everything a run observes, for comparing two runs. */
static void impaired_run(uint64_t seed, trace *t, sim_link_stats *out)
{
    sim_link_params p = {.delay = TERN_MSEC(3),
                         .jitter = TERN_MSEC(2),
                         .rate = 2000000,
                         .queue_pkts = 20,
                         .loss = 0.1,
                         .dup = 0.1,
                         .corrupt = 0.1,
                         .reorder = 0.1};
    sim *s = rig_new(seed, 512, &p, t);
    for (uint32_t i = 0; i < 2000; i++) {
        inject(s, i, 200 + (i * 37) % 1200);
        if (i % 4 == 3)
            assert_int_not_equal(sim_run_until(s, sim_now(s) + TERN_MSEC(1), 100000), SIM_GUARD);
    }
    run_idle(s);
    *out = *sim_link_stats_get(s, 0);
    assert_conserved(s, 0);
    sim_free(s);
}

static void same_seed_same_run(void **state)
{
    (void)state;
    sim_link_stats a, b, c;
    impaired_run(99, &g_trace, &a);
    impaired_run(99, &g_trace2, &b);
    assert_true(a.lost && a.duplicated && a.corrupted && a.queue_dropped && a.reordered);
    assert_memory_equal(&a, &b, sizeof a);
    assert_int_equal(g_trace.n, g_trace2.n);
    assert_memory_equal(g_trace.at, g_trace2.at, g_trace.n * sizeof g_trace.at[0]);
    assert_memory_equal(g_trace.id, g_trace2.id, g_trace.n * sizeof g_trace.id[0]);
    assert_true(g_trace.hash == g_trace2.hash);
    impaired_run(100, &g_trace2, &c);
    assert_memory_not_equal(&a, &c, sizeof a);
    assert_true(g_trace.hash != g_trace2.hash);
}

static void random_streams(void **state)
{
    (void)state;
    uint64_t a = sim_rand_stream(5, 1), b = sim_rand_stream(5, 2), c = sim_rand_stream(6, 1);
    assert_true(a != b && a != c && b != c);
    assert_true(sim_rand_stream(5, 1) == a);
    double sum = 0;
    for (int i = 0; i < 100000; i++) {
        double u = sim_rand_unit(&a);
        assert_true(u >= 0 && u < 1);
        sum += u;
    }
    assert_true(sum / 100000 > 0.49 && sum / 100000 < 0.51);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(delay_is_exact_and_view_is_reversed),
        cmocka_unit_test(rate_serializes_packets),
        cmocka_unit_test(queue_limit_tail_drops),
        cmocka_unit_test(loss_rate),
        cmocka_unit_test(duplication_and_corruption),
        cmocka_unit_test(jitter_and_reordering),
        cmocka_unit_test(link_down_drops_everything),
        cmocka_unit_test(pool_full_drops_and_counts),
        cmocka_unit_test(event_guard_trips),
        cmocka_unit_test(run_cond_stops_when_true),
        cmocka_unit_test(routing_by_path),
        cmocka_unit_test(same_seed_same_run),
        cmocka_unit_test(random_streams),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
