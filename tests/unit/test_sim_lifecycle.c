/* Association lifecycle in the simulator (DESIGN.md §6.3): seeded
 * handshake + shutdown runs over links with 0–30% loss, duplication and
 * reordering. Every run must end with both sides closed, cleanly (RFC 9260
 * §9.2) or by the retry limits (§5.1 Max.Init.Retransmits → CANT_START,
 * §8.1/§9.2 Association.Max.Retrans, T5 → COMM_LOST): never stuck, no timer
 * left, no association left, no leak (ASan).
 *
 * SIM_RUNS=<n> changes the number of runs; SIM_SEED=<s> runs one seed only
 * and prints its packets, link counters and event logs. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/rig/sim.h"
#include "wire/chunk.h"

#define LIFECYCLE_RUNS 10000
#define MAX_EVENTS     200000
#define MINUTES(m)     TERN_SEC(60 * (tern_time)(m))

enum outcome {
    OUT_CLEAN,      /* both SHUTDOWN_COMPLETE */
    OUT_HALF,       /* one SHUTDOWN_COMPLETE, the other COMM_LOST */
    OUT_LOST,       /* both COMM_LOST */
    OUT_CANT_START, /* the initiator got CANT_START */
    OUT_N
};
static const char *const outcome_name[OUT_N] = {"clean", "half", "lost", "cant_start"};

typedef struct run_result {
    enum outcome out;
    double loss;              /* the links' loss + corruption probability */
    tern_time end;            /* virtual time of the last event */
    uint64_t events;          /* simulator steps */
    uint64_t digest;          /* event logs, link counters, every packet's bytes */
    uint32_t remote_err;      /* ERROR chunks reported (e.g. a stale cookie) */
    uint32_t lost_by_retries; /* COMM_LOST with no ABORT from the peer */
} run_result;

static bool handshake_over(sim *s, void *ctx)
{
    (void)ctx;
    return sim_event_count(s, 0, TERN_EV_CANT_START) ||
           (sim_event_count(s, 0, TERN_EV_COMM_UP) && sim_event_count(s, 1, TERN_EV_COMM_UP));
}

/* Checks one endpoint's event log against
 *     [COMM_UP [SHUTDOWN_RECEIVED] (SHUTDOWN_COMPLETE | COMM_LOST)] | CANT_START
 * (REMOTE_ERROR allowed anywhere; CANT_START only on the initiator, ep 0)
 * and returns the last event's type, or 0 for an empty log. */
static int check_log(const sim *s, int ep, bool may_see_shutdown, uint32_t *remote_err)
{
    const sim_event *log;
    size_t n = sim_events(s, ep, &log);
    SIM_CHECK_MSG(s, n < SIM_EVLOG_LEN, "ep%d: event log overflowed", ep);
    int state = 0; /* 0 nothing, 1 up, 2 shutdown received, 3 ended */
    int last = 0;
    for (size_t i = 0; i < n; i++) {
        enum tern_event_type t = log[i].ev.type;
        if (t == TERN_EV_REMOTE_ERROR) {
            (*remote_err)++;
            continue;
        }
        if (t == TERN_EV_PEER_ADDR_CHANGE) { /* §8.2: the path's state under loss */
            SIM_CHECK_MSG(s, state == 1 || state == 2, "ep%d: PEER_ADDR_CHANGE out of place", ep);
            continue;
        }
        bool ok = false;
        switch (t) {
        case TERN_EV_COMM_UP: ok = state == 0; break;
        case TERN_EV_CANT_START: ok = state == 0 && ep == 0; break;
        case TERN_EV_SHUTDOWN_RECEIVED: ok = state == 1 && may_see_shutdown; break;
        case TERN_EV_SHUTDOWN_COMPLETE:
        case TERN_EV_COMM_LOST: ok = state == 1 || state == 2; break;
        default: ok = false;
        }
        SIM_CHECK_MSG(s, ok, "ep%d: unexpected event %s (#%zu)", ep, sim_event_name(t), i);
        state = t == TERN_EV_COMM_UP ? 1 : t == TERN_EV_SHUTDOWN_RECEIVED ? 2 : 3;
        last = (int)t;
    }
    SIM_CHECK_MSG(s, state == 0 || state == 3, "ep%d: association never ended", ep);
    return last;
}

typedef struct run_trace {
    bool verbose;
    uint64_t hash; /* every delivered packet's bytes, link and time */
} run_trace;

/* Hashes every packet as it arrives; SIM_SEED runs also print it: time,
 * link, verification tag and chunk types. */
static void trace_packet(void *ctx, sim *s, int link, const tern_path *view, const uint8_t *pkt,
                         size_t len)
{
    run_trace *t = ctx;
    (void)view;
    tern_time now = sim_now(s);
    t->hash = (t->hash ^ now ^ (uint64_t)link << 60) * 0x100000001b3ull;
    for (size_t i = 0; i < len; i++)
        t->hash = (t->hash ^ pkt[i]) * 0x100000001b3ull;
    if (!t->verbose) return;
    printf("  %llu.%06llus link %d len %zu vtag %02x%02x%02x%02x chunks:",
           (unsigned long long)(now / 1000000000u), (unsigned long long)(now / 1000u % 1000000u),
           link, len, pkt[4], pkt[5], pkt[6], pkt[7]);
    for (size_t off = 12, k = 0; off + 4 <= len && k < 16; k++) {
        size_t clen = (size_t)pkt[off + 2] << 8 | pkt[off + 3];
        printf(" %u", pkt[off]);
        if (clen < 4) break;
        off += (clen + 3) & ~(size_t)3;
    }
    printf("\n");
}

static uint64_t mix(uint64_t h, uint64_t v)
{
    return (h ^ v) * 0x100000001b3ull + (h >> 29);
}

/* One seeded run: connect 0 → 1, close (who closes depends on the seed),
 * run until nothing is left, and check how it ended. */
static void lifecycle_run(uint64_t seed, bool verbose, run_result *r)
{
    uint64_t rng = sim_rand_stream(seed, 0x11fec7c1e);
    sim_link_params p = {
        .delay = TERN_MSEC(1) + (tern_time)(sim_rand_unit(&rng) * (double)TERN_MSEC(99)),
        .loss = 0.3 * sim_rand_unit(&rng),
        .dup = 0.3 * sim_rand_unit(&rng),
        .reorder = 0.3 * sim_rand_unit(&rng),
    };
    p.jitter = (tern_time)(sim_rand_unit(&rng) * (double)p.delay / 4);
    p.corrupt = seed % 4 == 0 ? 0.02 * sim_rand_unit(&rng) : 0;
    memset(r, 0, sizeof *r);
    r->loss = p.loss + p.corrupt;

    run_trace trace = {.verbose = verbose};
    sim *s = sim_new(&(sim_config){
        .seed = seed, .pool_packets = 64, .on_deliver = trace_packet, .hook_ctx = &trace});
    assert_non_null(s);
    tern_ep_config cfg;
    tern_ep_config_default(&cfg); /* RFC 9260 §16 timers: virtual time is free */
    cfg.max_associations = 4;
    cfg.event_queue_len = 32;
    assert_int_equal(sim_add_ep(s, &cfg, 5000, NULL, 1), 0);
    assert_int_equal(sim_add_ep(s, &cfg, 5001, NULL, 1), 1);
    assert_int_equal(sim_link_add_pair(s, 0, 0, 1, 0, &p), 0);

    tern_path path = sim_path(s, 0, 0, 1, 0);
    tern_assoc_id id0 = 0;
    SIM_CHECK(s, tern_ep_connect(sim_ep(s, 0), &path, 5001, sim_now(s), &id0) == 0);
    enum sim_result res = sim_run_cond(s, MINUTES(30), MAX_EVENTS, handshake_over, NULL);
    SIM_CHECK_MSG(s, res == SIM_DONE, "handshake phase: %s", sim_result_str(res));

    /* Who closes: every 5th seed both at once, else odd seeds the passive
     * side; every 3rd seed first stays up for 0–5 minutes (heartbeats). */
    bool close0 = seed % 5 == 0 || seed % 2 == 0, close1 = seed % 5 == 0 || seed % 2 == 1;
    tern_time linger = seed % 3 ? 0 : (tern_time)(sim_rand_unit(&rng) * (double)MINUTES(5));
    if (sim_event_count(s, 0, TERN_EV_COMM_UP)) {
        const sim_event *up1 = sim_event_find(s, 1, TERN_EV_COMM_UP);
        SIM_CHECK(s, up1 != NULL);
        tern_assoc_id id1 = up1->ev.assoc;
        if (linger) {
            res = sim_run_until(s, sim_now(s) + linger, MAX_EVENTS);
            SIM_CHECK_MSG(s, res != SIM_GUARD, "established phase: %s", sim_result_str(res));
        }
        /* (An association lost meanwhile has nothing left to close.) */
        close0 = close0 && !sim_event_count(s, 0, TERN_EV_COMM_LOST);
        close1 = close1 && !sim_event_count(s, 1, TERN_EV_COMM_LOST);
        if (close0) SIM_CHECK(s, tern_ep_shutdown(sim_ep(s, 0), id0, sim_now(s)) == 0);
        if (close1) SIM_CHECK(s, tern_ep_shutdown(sim_ep(s, 1), id1, sim_now(s)) == 0);
    } else {
        close0 = close1 = false;
    }
    res = sim_run_until(s, sim_now(s) + MINUTES(60), MAX_EVENTS);
    SIM_CHECK_MSG(s, res == SIM_IDLE, "closing phase: %s", sim_result_str(res));

    /* Nothing left: no timer, no association, nothing odd in the rig. */
    for (int i = 0; i < 2; i++) {
        tern_ep_stats es;
        tern_ep_stats_get(sim_ep(s, i), &es);
        SIM_CHECK_MSG(s, tern_ep_next_deadline(sim_ep(s, i)) == TERN_TIME_NEVER,
                      "ep%d: a deadline is still pending", i);
        SIM_CHECK_MSG(s, es.assocs_open == 0, "ep%d: %u associations open", i, es.assocs_open);
        SIM_CHECK_MSG(s, es.assocs_created == es.assocs_freed, "ep%d: created %llu freed %llu", i,
                      (unsigned long long)es.assocs_created, (unsigned long long)es.assocs_freed);
        SIM_CHECK_MSG(s, es.events_dropped == 0, "ep%d: events dropped", i);
    }
    const sim_stats *st = sim_stats_get(s);
    SIM_CHECK(s, st->unroutable == 0);
    SIM_CHECK(s, st->stale_deadlines == 0);
    SIM_CHECK(s, st->output_guard == 0);
    SIM_CHECK(s,
              sim_link_stats_get(s, 0)->pool_dropped + sim_link_stats_get(s, 1)->pool_dropped == 0);

    /* The closing side sees no SHUTDOWN unless both closed (§9.2). */
    int end0 = check_log(s, 0, !close0 || close1, &r->remote_err);
    int end1 = check_log(s, 1, !close1 || close0, &r->remote_err);
    if (end0 == TERN_EV_CANT_START) {
        r->out = OUT_CANT_START;
        /* §5.1 A, C: only after Max.Init.Retransmits (counted across INIT and
         * COOKIE ECHO once a Stale Cookie error made the handshake restart). */
        tern_ep_stats es;
        tern_ep_stats_get(sim_ep(s, 0), &es);
        uint64_t inits = es.chunks_out[TERN_CHUNK_INIT],
                 echoes = es.chunks_out[TERN_CHUNK_COOKIE_ECHO];
        SIM_CHECK_MSG(s, inits + echoes >= 1u + cfg.max_init_retransmits,
                      "CANT_START after %llu INIT, %llu COOKIE ECHO", (unsigned long long)inits,
                      (unsigned long long)echoes);
        SIM_CHECK(s, end1 == 0 || end1 == TERN_EV_COMM_LOST);
    } else {
        SIM_CHECK_MSG(s, end0 != 0 && end1 != 0, "ended without events (%d, %d)", end0, end1);
        int clean = (end0 == TERN_EV_SHUTDOWN_COMPLETE) + (end1 == TERN_EV_SHUTDOWN_COMPLETE);
        r->out = clean == 2 ? OUT_CLEAN : clean == 1 ? OUT_HALF : OUT_LOST;
    }
    /* COMM_LOST without an ABORT from the peer is the local retry limit
     * (§8.1 Association.Max.Retrans, §9.2 T5): it takes at least that many
     * RTO.Min-long retransmission timeouts. */
    for (int i = 0; i < 2; i++) {
        const sim_event *up = sim_event_find(s, i, TERN_EV_COMM_UP),
                        *lost = sim_event_find(s, i, TERN_EV_COMM_LOST);
        tern_ep_stats es;
        tern_ep_stats_get(sim_ep(s, i), &es);
        if (!lost || es.chunks_in[TERN_CHUNK_ABORT]) continue;
        r->lost_by_retries++;
        SIM_CHECK_MSG(s, lost->at - up->at >= cfg.assoc_max_retrans * cfg.rto_min,
                      "ep%d: COMM_LOST %.3f s after COMM_UP, no ABORT received", i,
                      (double)(lost->at - up->at) / 1e9);
    }

    r->events = st->events;
    uint64_t h = mix(0, seed);
    for (int i = 0; i < 2; i++) {
        const sim_event *log;
        size_t n = sim_events(s, i, &log);
        for (size_t k = 0; k < n; k++) {
            h = mix(h, log[k].at);
            h = mix(h, (uint64_t)log[k].ev.type << 16 | log[k].ev.cause);
            if (log[k].at > r->end) r->end = log[k].at;
        }
        const sim_link_stats *ls = sim_link_stats_get(s, i);
        h = mix(h, ls->sent);
        h = mix(h, ls->delivered);
        h = mix(h, ls->lost);
        h = mix(h, ls->duplicated);
        h = mix(h, ls->bytes_delivered);
    }
    r->digest = mix(mix(h, st->events), trace.hash);
    if (verbose) sim_report(s, "run ended: %s", outcome_name[r->out]);
    sim_free(s);
}

static double wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The acceptance test of the simulator issue: 10,000 seeded runs. */
static void seeded_handshake_and_shutdown_runs(void **state)
{
    (void)state;
    const char *one = getenv("SIM_SEED"), *runs_env = getenv("SIM_RUNS");
    uint64_t first = 1, runs = LIFECYCLE_RUNS;
    if (one) {
        first = strtoull(one, NULL, 10);
        runs = 1;
    } else if (runs_env) {
        runs = strtoull(runs_env, NULL, 10);
    }
    uint64_t count[OUT_N] = {0}, low = 0, low_clean = 0, events = 0, remote_err = 0, by_retries = 0;
    tern_time virt = 0, max_end[OUT_N] = {0};
    double t0 = wall_seconds();
    for (uint64_t seed = first; seed < first + runs; seed++) {
        run_result r;
        lifecycle_run(seed, one != NULL, &r);
        count[r.out]++;
        if (r.out != OUT_CLEAN && count[r.out] <= 5)
            printf("sim lifecycle: seed=%llu %s (loss %.3f, ended at %.3f s)\n",
                   (unsigned long long)seed, outcome_name[r.out], r.loss, (double)r.end / 1e9);
        events += r.events;
        virt += r.end;
        remote_err += r.remote_err;
        by_retries += r.lost_by_retries;
        if (r.end > max_end[r.out]) max_end[r.out] = r.end;
        if (r.loss < 0.1) {
            low++;
            low_clean += r.out == OUT_CLEAN;
        }
    }
    double wall = wall_seconds() - t0;
    printf("sim lifecycle: %llu runs in %.2f s wall (%.0f us/run), %llu events, %.0f s virtual:",
           (unsigned long long)runs, wall, 1e6 * wall / (double)runs, (unsigned long long)events,
           (double)virt / 1e9);
    for (int i = 0; i < OUT_N; i++)
        printf(" %s=%llu (max %.0f s)", outcome_name[i], (unsigned long long)count[i],
               (double)max_end[i] / 1e9);
    printf("; loss<10%%: %llu/%llu clean; COMM_LOST by retries %llu; remote errors %llu\n",
           (unsigned long long)low_clean, (unsigned long long)low, (unsigned long long)by_retries,
           (unsigned long long)remote_err);
    if (runs >= 1000) { /* cannot pass trivially: low loss almost always closes cleanly */
        assert_true(low > runs / 5);
        assert_true(low_clean * 100 >= low * 95);
        assert_true(count[OUT_CLEAN] * 100 >= runs * 90);
    }
}

/* A run is a pure function of its seed: links and endpoints' randomness. */
static void same_seed_same_run(void **state)
{
    (void)state;
    run_result a, b, c;
    for (uint64_t seed = 40; seed < 60; seed++) {
        lifecycle_run(seed, false, &a);
        lifecycle_run(seed, false, &b);
        assert_true(a.digest == b.digest);
        assert_int_equal(a.end, b.end);
        assert_int_equal(a.events, b.events);
        lifecycle_run(seed + 1000, false, &c);
        assert_true(a.digest != c.digest);
    }
}

/* The endpoints' randomness (tags, TSNs, cookie secrets) is a stream of
 * the run's seed: one per endpoint, the same for the same seed. */
static void endpoint_randomness_follows_the_seed(void **state)
{
    (void)state;
    uint32_t tag[3][2], tsn[3][2];
    const uint64_t seeds[3] = {21, 21, 22};
    for (int r = 0; r < 3; r++) {
        sim *s = sim_new(&(sim_config){.seed = seeds[r]});
        assert_non_null(s);
        assert_int_equal(sim_add_ep(s, NULL, 5000, NULL, 1), 0);
        assert_int_equal(sim_add_ep(s, NULL, 5001, NULL, 1), 1);
        assert_int_equal(sim_link_add_pair(s, 0, 0, 1, 0, NULL), 0);
        tern_path path = sim_path(s, 0, 0, 1, 0);
        tern_assoc_id id0;
        assert_int_equal(tern_ep_connect(sim_ep(s, 0), &path, 5001, 0, &id0), 0);
        assert_int_equal(sim_run_cond(s, TERN_SEC(10), 1000, handshake_over, NULL), SIM_DONE);
        tern_assoc_info info;
        assert_int_equal(tern_ep_assoc_info(sim_ep(s, 0), id0, &info), 0);
        tag[r][0] = info.local_vtag;
        tag[r][1] = info.peer_vtag;
        tsn[r][0] = info.local_initial_tsn;
        tsn[r][1] = info.peer_initial_tsn;
        sim_free(s);
    }
    assert_memory_equal(tag[0], tag[1], sizeof tag[0]);
    assert_memory_equal(tsn[0], tsn[1], sizeof tsn[0]);
    assert_int_not_equal(tag[0][0], tag[0][1]); /* two endpoints, two streams */
    assert_int_not_equal(tag[0][0], tag[2][0]); /* another seed, other values */
    assert_int_not_equal(tag[0][1], tag[2][1]);
    assert_int_not_equal(tsn[0][0], tsn[2][0]);
}

typedef struct hook_log {
    int calls[2], drops;
    int link_of[2]; /* the link each endpoint's packets took */
} hook_log;

/* Drops the first INIT; notes which link each endpoint's packets take. */
static bool drop_first_init(void *ctx, sim *s, int ep, int link, tern_path *path, uint8_t *pkt,
                            size_t *len)
{
    (void)s;
    (void)path;
    hook_log *h = ctx;
    h->calls[ep]++;
    h->link_of[ep] = link;
    if (*len > 12 && pkt[12] == TERN_CHUNK_INIT && h->drops == 0) {
        h->drops++;
        return false;
    }
    return true;
}

/* The send hook sees every packet with its link and can drop one: the
 * handshake then recovers by T1 (§5.1 A), one RTO.Initial later. A path
 * with no link is unroutable: the INIT goes nowhere until CANT_START. */
static void send_hook_and_unroutable(void **state)
{
    (void)state;
    hook_log h = {{0, 0}, 0, {-2, -2}};
    sim *s = sim_new(&(sim_config){.seed = 9, .on_send = drop_first_init, .hook_ctx = &h});
    assert_non_null(s);
    assert_int_equal(sim_add_ep(s, NULL, 5000, NULL, 1), 0);
    assert_int_equal(sim_add_ep(s, NULL, 5001, NULL, 1), 1);
    assert_int_equal(sim_add_ep(s, NULL, 5002, NULL, 1), 2);
    sim_link_params p = {.delay = TERN_MSEC(10)};
    assert_int_equal(sim_link_add_pair(s, 0, 0, 1, 0, &p), 0);
    tern_path path = sim_path(s, 0, 0, 1, 0);
    tern_assoc_id id0;
    assert_int_equal(tern_ep_connect(sim_ep(s, 0), &path, 5001, 0, &id0), 0);
    assert_int_equal(sim_run_cond(s, TERN_SEC(10), 1000, handshake_over, NULL), SIM_DONE);
    SIM_CHECK(s, h.drops == 1 && h.calls[0] == 3 && h.calls[1] == 2);
    SIM_CHECK(s, h.link_of[0] == 0 && h.link_of[1] == 1);
    SIM_CHECK(s, sim_link_stats_get(s, 0)->hook_dropped == 1);
    SIM_CHECK(s, sim_link_stats_get(s, 0)->sent == 2);
    SIM_CHECK(s, sim_event_find(s, 0, TERN_EV_COMM_UP)->at == TERN_SEC(1) + TERN_MSEC(40));

    /* Endpoint 2 has no link at all. */
    path = sim_path(s, 0, 0, 2, 0);
    tern_assoc_id id2;
    assert_int_equal(tern_ep_connect(sim_ep(s, 0), &path, 5002, sim_now(s), &id2), 0);
    assert_int_equal(tern_ep_shutdown(sim_ep(s, 0), id0, sim_now(s)), 0);
    assert_int_equal(sim_run_until(s, TERN_TIME_NEVER, 10000), SIM_IDLE);
    SIM_CHECK(s, sim_stats_get(s)->unroutable == 9); /* INIT + Max.Init.Retransmits */
    SIM_CHECK(s, sim_event_count(s, 0, TERN_EV_CANT_START) == 1);
    SIM_CHECK(s, sim_event_count(s, 0, TERN_EV_SHUTDOWN_COMPLETE) == 1);
    SIM_CHECK(s, sim_event_count(s, 2, TERN_EV_COMM_UP) == 0);
    sim_free(s);
}

/* On a perfect 50 ms link the handshake takes four one-way trips (§5.1)
 * and the shutdown three (§9.2), with no timer involved. */
static void perfect_link_timing(void **state)
{
    (void)state;
    sim *s = sim_new(&(sim_config){.seed = 7});
    assert_non_null(s);
    assert_int_equal(sim_add_ep(s, NULL, 5000, NULL, 1), 0);
    assert_int_equal(sim_add_ep(s, NULL, 5001, NULL, 1), 1);
    sim_link_params p = {.delay = TERN_MSEC(50)};
    assert_int_equal(sim_link_add_pair(s, 0, 0, 1, 0, &p), 0);
    tern_path path = sim_path(s, 0, 0, 1, 0);
    tern_assoc_id id0;
    assert_int_equal(tern_ep_connect(sim_ep(s, 0), &path, 5001, 0, &id0), 0);
    assert_int_equal(sim_run_cond(s, TERN_SEC(10), 1000, handshake_over, NULL), SIM_DONE);
    const sim_event *up0 = sim_event_find(s, 0, TERN_EV_COMM_UP),
                    *up1 = sim_event_find(s, 1, TERN_EV_COMM_UP);
    SIM_CHECK(s, up0 && up1);
    SIM_CHECK(s, up1->at == TERN_MSEC(150)); /* INIT, INIT ACK, COOKIE ECHO */
    SIM_CHECK(s, up0->at == TERN_MSEC(200)); /* COOKIE ACK */
    tern_assoc_info info;
    assert_int_equal(tern_ep_assoc_info(sim_ep(s, 0), id0, &info), 0);
    SIM_CHECK(s, info.state == TERN_STATE_ESTABLISHED);
    tern_addr a1 = sim_addr(1, 0);
    SIM_CHECK(s, memcmp(&info.paths[0].path.remote, &a1, sizeof a1) == 0);
    SIM_CHECK(s, info.paths[0].path.encaps_port == SIM_DEFAULT_UDP);

    assert_int_equal(tern_ep_shutdown(sim_ep(s, 0), id0, sim_now(s)), 0);
    assert_int_equal(sim_run_until(s, TERN_TIME_NEVER, 1000), SIM_IDLE);
    const sim_event *done0 = sim_event_find(s, 0, TERN_EV_SHUTDOWN_COMPLETE),
                    *done1 = sim_event_find(s, 1, TERN_EV_SHUTDOWN_COMPLETE);
    SIM_CHECK(s, done0 && done1);
    SIM_CHECK(s, done0->at == TERN_MSEC(300)); /* SHUTDOWN, SHUTDOWN ACK */
    SIM_CHECK(s, done1->at == TERN_MSEC(350)); /* SHUTDOWN COMPLETE */
    SIM_CHECK(s, sim_event_count(s, 1, TERN_EV_SHUTDOWN_RECEIVED) == 1);
    for (int i = 0; i < 2; i++) {
        const sim_link_stats *ls = sim_link_stats_get(s, i);
        SIM_CHECK(s, ls->sent == (i == 0 ? 4u : 3u) && ls->delivered == ls->sent);
    }
    sim_free(s);
}

/* Multi-homed endpoints (§5.1.2): each advertises both addresses, so each
 * side learns two paths. The association is started on the second
 * addresses: the handshake takes their links only; then each side confirms
 * the other's first address by a heartbeat (§5.4), which leaves from its
 * own address on that network. */
static void multihomed_handshake(void **state)
{
    (void)state;
    sim *s = sim_new(&(sim_config){.seed = 8});
    assert_non_null(s);
    assert_int_equal(sim_add_ep(s, NULL, 5000, NULL, 2), 0);
    assert_int_equal(sim_add_ep(s, NULL, 5001, NULL, 2), 1);
    sim_link_params p = {.delay = TERN_MSEC(10)};
    assert_int_equal(sim_link_add_pair(s, 0, 0, 1, 0, &p), 0);
    assert_int_equal(sim_link_add_pair(s, 0, 1, 1, 1, &p), 2);
    tern_path path = sim_path(s, 0, 1, 1, 1);
    tern_assoc_id id0;
    assert_int_equal(tern_ep_connect(sim_ep(s, 0), &path, 5001, 0, &id0), 0);
    assert_int_equal(sim_run_cond(s, TERN_SEC(10), 1000, handshake_over, NULL), SIM_DONE);
    SIM_CHECK(s, sim_event_find(s, 0, TERN_EV_COMM_UP)->at == TERN_MSEC(40));
    SIM_CHECK(s, sim_link_stats_get(s, 2)->delivered == 2);
    SIM_CHECK(s, sim_link_stats_get(s, 3)->delivered == 2);
    SIM_CHECK(s, sim_link_stats_get(s, 0)->sent + sim_link_stats_get(s, 1)->sent <= 2);
    for (int side = 0; side < 2; side++) {
        tern_assoc_id id = sim_event_find(s, side, TERN_EV_COMM_UP)->ev.assoc;
        tern_assoc_info info;
        assert_int_equal(tern_ep_assoc_info(sim_ep(s, side), id, &info), 0);
        SIM_CHECK_MSG(s, info.num_paths == 2, "ep%d has %u paths", side, info.num_paths);
        bool seen[2] = {false, false};
        for (unsigned i = 0; i < info.num_paths; i++)
            for (unsigned k = 0; k < 2; k++) {
                tern_addr want = sim_addr(1 - side, k);
                if (memcmp(&info.paths[i].path.remote, &want, sizeof want) == 0) seen[k] = true;
            }
        SIM_CHECK_MSG(s, seen[0] && seen[1], "ep%d did not learn both peer addresses", side);
        tern_addr primary = sim_addr(1 - side, 1);
        SIM_CHECK(s, memcmp(&info.paths[info.primary].path.remote, &primary, sizeof primary) == 0);
    }
    assert_int_equal(sim_run_until(s, TERN_SEC(120), 10000), SIM_LIMIT);
    SIM_CHECK(s, sim_stats_get(s)->unroutable == 0);
    for (int side = 0; side < 2; side++) { /* confirmed, on the first links */
        tern_assoc_id id = sim_event_find(s, side, TERN_EV_COMM_UP)->ev.assoc;
        tern_assoc_info info;
        assert_int_equal(tern_ep_assoc_info(sim_ep(s, side), id, &info), 0);
        for (unsigned i = 0; i < info.num_paths; i++)
            SIM_CHECK_MSG(s, info.paths[i].state == TERN_PATH_ACTIVE, "ep%d path %u state %d", side,
                          i, (int)info.paths[i].state);
        SIM_CHECK(s, sim_link_stats_get(s, side)->delivered >= 1);
    }
    assert_int_equal(tern_ep_shutdown(sim_ep(s, 0), id0, sim_now(s)), 0);
    assert_int_equal(sim_run_until(s, TERN_TIME_NEVER, 10000), SIM_IDLE);
    SIM_CHECK(s, sim_event_count(s, 0, TERN_EV_SHUTDOWN_COMPLETE) == 1);
    SIM_CHECK(s, sim_event_count(s, 1, TERN_EV_SHUTDOWN_COMPLETE) == 1);
    SIM_CHECK(s, sim_stats_get(s)->unroutable == 0);
    sim_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(perfect_link_timing),
        cmocka_unit_test(multihomed_handshake),
        cmocka_unit_test(send_hook_and_unroutable),
        cmocka_unit_test(endpoint_randomness_follows_the_seed),
        cmocka_unit_test(same_seed_same_run),
        cmocka_unit_test(seeded_handshake_and_shutdown_runs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
