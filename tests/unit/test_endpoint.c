/* The endpoint's API contract (include/tern/core.h, DESIGN.md §3–§5): the
 * configuration tern_ep_new accepts, misuse by the caller (an error and
 * nothing changed, never a crash), the bounded event queue, the output
 * buffer's minimum size, the allocator hooks (every byte allocated is freed
 * with its own size, also when an allocation fails), and the statistics.
 * Tests are named after the DESIGN.md section or RFC 9260 section whose
 * rule they check. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "tests/rig/pair.h"
#include "wire/cause.h"
#include "wire/chunk.h"
#include "wire/packet.h"
#include "wire/param.h"

/* ---- A counting allocator ------------------------------------------------------
 * Remembers every live block with its size, so a free with another size, a
 * free of an unknown pointer or a leak is caught. fail_at (the n-th call,
 * from 1) or fail_from (every call from the n-th) makes calls fail. */

#define LIVE_MAX 1024

typedef struct counting_alloc {
    size_t calls, allocs, frees;
    size_t bytes_alloc, bytes_freed;
    size_t fail_at, fail_from, failed;
    size_t nlive;
    struct {
        void *p;
        size_t size;
    } live[LIVE_MAX];
    bool bad_size, bad_ptr;
} counting_alloc;

static void *ca_alloc(void *ctx, size_t size)
{
    counting_alloc *c = ctx;
    c->calls++;
    if ((c->fail_at && c->calls == c->fail_at) || (c->fail_from && c->calls >= c->fail_from)) {
        c->failed++;
        return NULL;
    }
    if (c->nlive == LIVE_MAX) return NULL;
    void *p = malloc(size ? size : 1);
    if (!p) return NULL;
    c->live[c->nlive].p = p;
    c->live[c->nlive].size = size;
    c->nlive++;
    c->allocs++;
    c->bytes_alloc += size;
    return p;
}

static void ca_free(void *ctx, void *ptr, size_t size)
{
    counting_alloc *c = ctx;
    size_t i = 0;
    while (i < c->nlive && c->live[i].p != ptr)
        i++;
    if (i == c->nlive) {
        c->bad_ptr = true;
        return;
    }
    if (c->live[i].size != size) c->bad_size = true;
    c->live[i] = c->live[--c->nlive];
    c->frees++;
    c->bytes_freed += size;
    free(ptr);
}

static counting_alloc *ca_new(void)
{
    counting_alloc *c = calloc(1, sizeof *c);
    assert_non_null(c);
    return c;
}

static size_t ca_outstanding(const counting_alloc *c)
{
    return c->bytes_alloc - c->bytes_freed;
}

/* Everything allocated was freed, each block with the size it had. */
static void assert_balanced(const counting_alloc *c)
{
    assert_false(c->bad_ptr);
    assert_false(c->bad_size);
    assert_int_equal(c->nlive, 0);
    assert_int_equal(c->allocs, c->frees);
    assert_int_equal(c->bytes_alloc, c->bytes_freed);
}

/* ---- Deterministic randomness -------------------------------------------------- */

/* A random source that always fails. */
static int failing_random(void *ctx, uint8_t *buf, size_t len)
{
    (void)ctx;
    (void)buf;
    (void)len;
    return -1;
}

/* Defaults with a port, a seeded generator, no heartbeats, and the
 * counting allocator when ca is given. */
static void cfg_make(tern_ep_config *c, uint16_t port, pair_rng *r, counting_alloc *ca)
{
    pair_cfg_seeded(c, r, 0x656e6470ull + port);
    c->port = port;
    c->hb_interval = 0;
    if (ca) c->alloc = (tern_allocator){ca_alloc, ca_free, ca};
}

/* ---- Looking at endpoints ------------------------------------------------------ */

static tern_ep_stats stats_of(const tern_ep *ep)
{
    tern_ep_stats s;
    tern_ep_stats_get(ep, &s);
    return s;
}

static void assert_stats_same(const tern_ep *ep, const tern_ep_stats *before)
{
    tern_ep_stats now = stats_of(ep);
    assert_memory_equal(&now, before, sizeof now);
}

/* A pair whose endpoints use the counting allocators ca[0], ca[1]. */
static void pair_counted(pair *p, pair_rng rng[2], counting_alloc *ca[2])
{
    tern_ep_config c[2];
    for (int i = 0; i < 2; i++)
        cfg_make(&c[i], (uint16_t)(5000 + i), &rng[i], ca[i]);
    pair_init(p, &c[0], &c[1]);
}

/* ---- DESIGN.md §5: configuration ----------------------------------------------- */

enum {
    BAD_PORT,
    BAD_OUTBOUND_STREAMS,
    BAD_INBOUND_STREAMS,
    BAD_RWND,
    BAD_RTO_MIN_ZERO,
    BAD_RTO_MIN_OVER_INITIAL,
    BAD_RTO_INITIAL_OVER_MAX,
    BAD_RTO_MAX_HUGE,
    BAD_COOKIE_LIFE_ZERO,
    BAD_COOKIE_LIFE_HUGE,
    BAD_HB_INTERVAL_HUGE,
    BAD_MAX_ASSOCS_ZERO,
    BAD_MAX_ASSOCS_HUGE,
    BAD_EVENT_QUEUE_ZERO,
    BAD_EVENT_QUEUE_HUGE,
    BAD_TOO_MANY_ADDRS,
    BAD_ADDR_MULTICAST4,
    BAD_ADDR_BROADCAST4,
    BAD_ADDR_ANY4,
    BAD_ADDR_MULTICAST6,
    BAD_ADDR_ANY6,
    BAD_ADDR_NO_FAMILY,
    BAD_ADDR_LATER_ONE,
    BAD_ALLOC_WITHOUT_FREE,
    BAD_FREE_WITHOUT_ALLOC,
    BAD_ASSOC_MAX_RETRANS,
    BAD_PATH_MAX_RETRANS,
    BAD_COUNT
};

static void set_addr(tern_addr *a, uint8_t family, const uint8_t *ip)
{
    memset(a, 0, sizeof *a);
    a->family = family;
    memcpy(a->ip, ip, family == TERN_AF_INET ? 4 : 16);
}

static void make_bad(tern_ep_config *c, int which, counting_alloc *ca)
{
    static const uint8_t v4[4] = {192, 0, 2, 1}, v6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
    switch (which) {
    case BAD_PORT: c->port = 0; break;
    case BAD_OUTBOUND_STREAMS: c->outbound_streams = 0; break;
    case BAD_INBOUND_STREAMS: c->max_inbound_streams = 0; break;
    case BAD_RWND: c->rwnd = 1499; break;
    case BAD_RTO_MIN_ZERO: c->rto_min = 0; break;
    case BAD_RTO_MIN_OVER_INITIAL: c->rto_min = c->rto_initial + 1; break;
    case BAD_RTO_INITIAL_OVER_MAX: c->rto_initial = c->rto_max + 1; break;
    case BAD_RTO_MAX_HUGE: c->rto_max = TERN_SEC(86400) + 1; break;
    case BAD_COOKIE_LIFE_ZERO: c->valid_cookie_life = 0; break;
    case BAD_COOKIE_LIFE_HUGE: c->valid_cookie_life = TERN_SEC(86400) + 1; break;
    case BAD_HB_INTERVAL_HUGE: c->hb_interval = TERN_SEC(86400) + 1; break;
    case BAD_MAX_ASSOCS_ZERO: c->max_associations = 0; break;
    case BAD_MAX_ASSOCS_HUGE: c->max_associations = (1u << 24) + 1; break;
    case BAD_EVENT_QUEUE_ZERO: c->event_queue_len = 0; break;
    case BAD_EVENT_QUEUE_HUGE: c->event_queue_len = (1u << 20) + 1; break;
    case BAD_TOO_MANY_ADDRS:
        for (int i = 0; i < TERN_MAX_LOCAL_ADDRS; i++)
            set_addr(&c->local_addrs[i], TERN_AF_INET, v4);
        c->num_local_addrs = TERN_MAX_LOCAL_ADDRS + 1;
        break;
    case BAD_ADDR_MULTICAST4:
        set_addr(&c->local_addrs[0], TERN_AF_INET, (const uint8_t[]){224, 0, 0, 18});
        c->num_local_addrs = 1;
        break;
    case BAD_ADDR_BROADCAST4:
        set_addr(&c->local_addrs[0], TERN_AF_INET, (const uint8_t[]){255, 255, 255, 255});
        c->num_local_addrs = 1;
        break;
    case BAD_ADDR_ANY4:
        set_addr(&c->local_addrs[0], TERN_AF_INET, (const uint8_t[]){0, 0, 0, 0});
        c->num_local_addrs = 1;
        break;
    case BAD_ADDR_MULTICAST6:
        set_addr(&c->local_addrs[0], TERN_AF_INET6, (const uint8_t[16]){0xff, 0x02, [15] = 1});
        c->num_local_addrs = 1;
        break;
    case BAD_ADDR_ANY6:
        set_addr(&c->local_addrs[0], TERN_AF_INET6, (const uint8_t[16]){0});
        c->num_local_addrs = 1;
        break;
    case BAD_ADDR_NO_FAMILY:
        memset(&c->local_addrs[0], 0, sizeof c->local_addrs[0]);
        c->num_local_addrs = 1;
        break;
    case BAD_ADDR_LATER_ONE: /* good, good, multicast */
        set_addr(&c->local_addrs[0], TERN_AF_INET, v4);
        set_addr(&c->local_addrs[1], TERN_AF_INET6, v6);
        set_addr(&c->local_addrs[2], TERN_AF_INET, (const uint8_t[]){239, 1, 1, 1});
        c->num_local_addrs = 3;
        break;
    case BAD_ALLOC_WITHOUT_FREE: c->alloc = (tern_allocator){ca_alloc, NULL, ca}; break;
    case BAD_FREE_WITHOUT_ALLOC: c->alloc = (tern_allocator){NULL, ca_free, ca}; break;
    case BAD_ASSOC_MAX_RETRANS: c->assoc_max_retrans = 0; break;
    case BAD_PATH_MAX_RETRANS: c->path_max_retrans = 0; break;
    }
}

/* DESIGN.md §5, core.h: tern_ep_new refuses each invalid field on its own
 * with TERN_EINVAL, allocates nothing and leaves *out alone. Each case
 * differs from a valid configuration (accepted: the control) in one field. */
static void design5_ep_new_rejects_each_invalid_field(void **state)
{
    (void)state;
    counting_alloc *ca = ca_new();
    pair_rng rng;
    tern_ep_config c;
    tern_ep *ep = NULL;
    cfg_make(&c, 5000, &rng, ca);
    assert_int_equal(tern_ep_new(&c, &ep), 0); /* the control */
    tern_ep_free(ep);
    assert_balanced(ca);
    for (int which = 0; which < BAD_COUNT; which++) {
        cfg_make(&c, 5000, &rng, ca);
        make_bad(&c, which, ca);
        tern_ep *sentinel = (tern_ep *)&rng;
        ep = sentinel;
        size_t calls = ca->calls;
        assert_int_equal(tern_ep_new(&c, &ep), TERN_EINVAL);
        assert_ptr_equal(ep, sentinel);
        assert_int_equal(ca->calls, calls); /* nothing allocated */
    }
    assert_balanced(ca);
    free(ca);
}

/* The limits themselves are accepted: rwnd 1500, one stream each way,
 * RTO.Min = RTO.Initial = RTO.Max, every local address slot used, one
 * association, a one-event queue, no heartbeats, no scheduled rotation, no
 * INIT retransmissions, a blackhole. */
static void design5_ep_new_accepts_limits(void **state)
{
    (void)state;
    counting_alloc *ca = ca_new();
    for (int which = 0; which < 8; which++) {
        pair_rng rng;
        tern_ep_config c;
        cfg_make(&c, 65535, &rng, ca);
        switch (which) {
        case 0: c.rwnd = 1500; break;
        case 1: c.outbound_streams = c.max_inbound_streams = 1; break;
        case 2: c.rto_min = c.rto_initial = c.rto_max = TERN_MSEC(1); break;
        case 3:
            for (int i = 0; i < TERN_MAX_LOCAL_ADDRS; i++) {
                tern_addr *a = &c.local_addrs[i];
                memset(a, 0, sizeof *a);
                a->family = i % 2 ? TERN_AF_INET6 : TERN_AF_INET;
                a->ip[0] = i % 2 ? 0x20 : 10;
                a->ip[3] = (uint8_t)(i + 1);
                a->ip[15] = (uint8_t)(i + 1);
            }
            c.num_local_addrs = TERN_MAX_LOCAL_ADDRS;
            break;
        case 4:
            c.max_associations = 1;
            c.event_queue_len = 1;
            break;
        case 5:
            c.hb_interval = 0;
            c.cookie_rotation = 0;
            break;
        case 6: c.max_init_retransmits = 0; break;
        case 7: c.blackhole = true; break;
        }
        tern_ep *ep = NULL;
        assert_int_equal(tern_ep_new(&c, &ep), 0);
        assert_non_null(ep);
        tern_ep_free(ep);
        assert_balanced(ca);
    }
    free(ca);
}

/* ---- DESIGN.md §5: misuse ---------------------------------------------------------- */

/* core.h, DESIGN.md §5: a NULL argument to any public function is
 * TERN_EINVAL (or 0 / TERN_TIME_NEVER / nothing, as documented), never a
 * crash, and changes nothing: the endpoint's counters, its association and
 * its queued INIT are as they were. */
static void design5_null_arguments(void **state)
{
    (void)state;
    pair_rng rng;
    tern_ep_config c;
    cfg_make(&c, 5000, &rng, NULL);
    tern_ep *ep = NULL;
    tern_ep_config_default(NULL);
    tern_ep_free(NULL);
    assert_int_equal(tern_ep_new(NULL, &ep), TERN_EINVAL);
    assert_int_equal(tern_ep_new(&c, NULL), TERN_EINVAL);
    assert_null(ep);
    assert_int_equal(tern_ep_new(&c, &ep), 0);

    tern_path path = {.local = {TERN_AF_INET, {192, 0, 2, 1}},
                      .remote = {TERN_AF_INET, {192, 0, 2, 2}}};
    tern_assoc_id id = 0, untouched = 77;
    assert_int_equal(tern_ep_connect(ep, &path, 5001, 0, &id), 0);
    tern_ep_stats before = stats_of(ep);
    tern_time deadline = tern_ep_next_deadline(ep);
    uint8_t buf[2048], pkt[16] = {0};
    tern_event ev;
    tern_assoc_info info;

    assert_int_equal(tern_ep_input(NULL, &path, pkt, sizeof pkt, 0), TERN_EINVAL);
    assert_int_equal(tern_ep_input(ep, NULL, pkt, sizeof pkt, 0), TERN_EINVAL);
    assert_int_equal(tern_ep_input(ep, &path, NULL, sizeof pkt, 0), TERN_EINVAL);
    assert_int_equal(tern_ep_input(ep, &path, NULL, 0, 0), TERN_EINVAL);
    assert_int_equal(tern_ep_output(NULL, &path, buf, sizeof buf, 0), TERN_EINVAL);
    assert_int_equal(tern_ep_output(ep, NULL, buf, sizeof buf, 0), TERN_EINVAL);
    assert_int_equal(tern_ep_output(ep, &path, NULL, sizeof buf, 0), TERN_EINVAL);
    assert_int_equal(tern_ep_next_deadline(NULL), TERN_TIME_NEVER);
    assert_int_equal(tern_ep_on_deadline(NULL, 0), TERN_EINVAL);
    assert_int_equal(tern_ep_connect(NULL, &path, 5002, 0, &untouched), TERN_EINVAL);
    assert_int_equal(tern_ep_connect(ep, NULL, 5002, 0, &untouched), TERN_EINVAL);
    assert_int_equal(tern_ep_connect(ep, &path, 5002, 0, NULL), TERN_EINVAL);
    assert_int_equal(untouched, 77);
    assert_int_equal(tern_ep_shutdown(NULL, id, 0), TERN_EINVAL);
    assert_int_equal(tern_ep_abort(NULL, id, NULL, 0, 0), TERN_EINVAL);
    assert_int_equal(tern_ep_abort(ep, id, NULL, 5, 0), TERN_EINVAL); /* NULL reason, length */
    assert_int_equal(tern_ep_rotate_secret(NULL, 0), TERN_EINVAL);
    assert_int_equal(tern_ep_assoc_info(NULL, id, &info), TERN_EINVAL);
    assert_int_equal(tern_ep_assoc_info(ep, id, NULL), TERN_EINVAL);
    assert_int_equal(tern_ep_poll_event(NULL, &ev), 0);
    assert_int_equal(tern_ep_poll_event(ep, NULL), 0);
    tern_ep_stats s;
    memset(&s, 0xA5, sizeof s);
    tern_ep_stats copy = s;
    tern_ep_stats_get(NULL, &s);
    assert_memory_equal(&s, &copy, sizeof s);
    tern_ep_stats_get(ep, NULL);

    assert_stats_same(ep, &before);
    assert_int_equal(tern_ep_next_deadline(ep), deadline);
    assert_int_equal(tern_ep_assoc_info(ep, id, &info), 0);
    assert_int_equal(info.state, TERN_STATE_COOKIE_WAIT);
    tern_path out;
    long n = tern_ep_output(ep, &out, buf, sizeof buf, 0);
    assert_true(n > 0);
    assert_int_equal(buf[12], TERN_CHUNK_INIT); /* still queued */
    tern_ep_free(ep);
}

/* core.h tern_ep_connect: port 0, no remote address, a non-unicast remote
 * (§5.1.2, §8.4 item 1: only unicast addresses take part) are TERN_EINVAL;
 * a second association to the same peer address and port TERN_EEXIST; one
 * over max_associations TERN_ENOMEM. None of them changes the statistics,
 * the deadline, the output or *id. */
static void sec5_1_connect_errors_change_nothing(void **state)
{
    (void)state;
    pair_rng rng;
    tern_ep_config c;
    cfg_make(&c, 5000, &rng, NULL);
    c.max_associations = 2;
    tern_ep *ep;
    assert_int_equal(tern_ep_new(&c, &ep), 0);
    tern_path path = {.local = {TERN_AF_INET, {192, 0, 2, 1}},
                      .remote = {TERN_AF_INET, {192, 0, 2, 2}}};
    tern_assoc_id first;
    assert_int_equal(tern_ep_connect(ep, &path, 5001, 0, &first), 0);

    static const struct {
        uint8_t family;
        uint8_t ip[16];
    } bad_remote[] = {
        {TERN_AF_NONE, {0}},
        {TERN_AF_INET, {224, 0, 0, 1}},
        {TERN_AF_INET, {255, 255, 255, 255}},
        {TERN_AF_INET, {0, 0, 0, 0}},
        {TERN_AF_INET6, {0xff, 0x0e, [15] = 1}},
        {TERN_AF_INET6, {0}},
        {5, {192, 0, 2, 9}},
    };
    tern_ep_stats before = stats_of(ep);
    tern_time deadline = tern_ep_next_deadline(ep);
    tern_assoc_id id = 4242;
    assert_int_equal(tern_ep_connect(ep, &path, 0, 0, &id), TERN_EINVAL);
    for (size_t i = 0; i < sizeof bad_remote / sizeof bad_remote[0]; i++) {
        tern_path bad = path;
        bad.remote.family = bad_remote[i].family;
        memcpy(bad.remote.ip, bad_remote[i].ip, 16);
        assert_int_equal(tern_ep_connect(ep, &bad, 5001, 0, &id), TERN_EINVAL);
    }
    assert_int_equal(tern_ep_connect(ep, &path, 5001, 0, &id), TERN_EEXIST);
    assert_int_equal(id, 4242);
    assert_stats_same(ep, &before);
    assert_int_equal(tern_ep_next_deadline(ep), deadline);

    /* The same address at another port is another peer; then the limit. */
    tern_assoc_id second;
    assert_int_equal(tern_ep_connect(ep, &path, 5002, 0, &second), 0);
    assert_int_not_equal(second, first);
    before = stats_of(ep);
    deadline = tern_ep_next_deadline(ep);
    tern_path other = path;
    other.remote.ip[3] = 3;
    assert_int_equal(tern_ep_connect(ep, &other, 5001, 0, &id), TERN_ENOMEM);
    assert_int_equal(id, 4242);
    assert_stats_same(ep, &before);
    assert_int_equal(tern_ep_next_deadline(ep), deadline);

    /* Exactly two INITs are waiting: one per association. */
    uint8_t buf[2048];
    tern_path out;
    int inits = 0;
    long n;
    while ((n = tern_ep_output(ep, &out, buf, sizeof buf, 0)) > 0) {
        assert_int_equal(buf[12], TERN_CHUNK_INIT);
        inits++;
    }
    assert_int_equal(n, 0);
    assert_int_equal(inits, 2);
    tern_ep_free(ep);
}

/* core.h tern_ep_output: a buffer below 1280 bytes (the IPv6 minimum MTU)
 * is TERN_EINVAL and the packet stays queued, for an association's packet
 * (an INIT) and for a stateless answer (an ABORT) alike; a call with room
 * then gets it, and exactly 1280 bytes is enough. */
static void design3_output_buffer_below_1280_keeps_packet(void **state)
{
    (void)state;
    pair_rng rng[2];
    counting_alloc *ca[2] = {NULL, NULL};
    pair p;
    pair_counted(&p, rng, ca);
    pair_connect(&p, 0);
    uint8_t buf[1280];
    tern_path out;
    const size_t small[] = {0, 12, 100, 1279};
    tern_ep_stats before = pair_stats(&p, 0);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(tern_ep_output(p.ep[0], &out, buf, small[i], 0), TERN_EINVAL);
    assert_stats_same(p.ep[0], &before);
    long n = tern_ep_output(p.ep[0], &out, buf, 1280, 0);
    assert_true(n > 0);
    assert_int_equal(buf[12], TERN_CHUNK_INIT);
    assert_int_equal(tern_ep_output(p.ep[0], &out, buf, 1280, 0), 0);

    /* An out-of-the-blue HEARTBEAT to endpoint 1 queues an ABORT (§8.4). */
    uint8_t chunk[16];
    tern_wbuf w;
    tern_wbuf_init(&w, chunk, sizeof chunk);
    assert_int_equal(tern_heartbeat_put(&w, TERN_CHUNK_HEARTBEAT, "hb", 2), 0);
    pair_inject_wbuf(&p, 1, 0x1234, &w);
    before = pair_stats(&p, 1);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(tern_ep_output(p.ep[1], &out, buf, small[i], 0), TERN_EINVAL);
    assert_stats_same(p.ep[1], &before);
    n = tern_ep_output(p.ep[1], &out, buf, 1280, 0);
    assert_true(n > 0);
    assert_int_equal(buf[12], TERN_CHUNK_ABORT);
    assert_int_equal(tern_ep_output(p.ep[1], &out, buf, 1280, 0), 0);
    pair_free(&p);
}

/* DESIGN.md §4 ("every queue has a cap"), core.h event_queue_len: with
 * room for two events a third is dropped and counted (events_dropped), the
 * two kept come out in order, and once polled there is room again. */
static void design4_event_queue_is_bounded(void **state)
{
    (void)state;
    pair_rng rng[2];
    tern_ep_config c[2];
    cfg_make(&c[0], 5000, &rng[0], NULL);
    cfg_make(&c[1], 5001, &rng[1], NULL);
    c[1].event_queue_len = 2;
    pair p;
    pair_init(&p, &c[0], &c[1]);
    tern_assoc_id id = pair_connect(&p, 0);
    pair_flush(&p, 10); /* endpoint 1: COMM_UP */
    uint32_t tag = pair_assoc(&p, 0, id).peer_vtag;
    const uint16_t streams[] = {11, 22, 33};
    for (int k = 0; k < 3; k++) { /* REMOTE_ERROR, REMOTE_ERROR (dropped), then later one */
        if (k == 2) {
            tern_event ev;
            assert_int_equal(tern_ep_poll_event(p.ep[1], &ev), 1);
            assert_int_equal(ev.type, TERN_EV_COMM_UP);
            assert_int_equal(tern_ep_poll_event(p.ep[1], &ev), 1);
            assert_int_equal(ev.type, TERN_EV_REMOTE_ERROR);
            assert_int_equal(ev.cause, TERN_CAUSE_INVALID_STREAM);
            assert_int_equal(tern_ep_poll_event(p.ep[1], &ev), 0);
            assert_int_equal(pair_stats(&p, 1).events_dropped, 1);
        }
        uint8_t causes[16], chunk[32];
        tern_wbuf cw, w;
        tern_wbuf_init(&cw, causes, sizeof causes);
        if (k == 1)
            tern_cause_put_bytes(&cw, TERN_CAUSE_OUT_OF_RESOURCE, NULL, 0);
        else if (k == 2)
            tern_cause_put_bytes(&cw, TERN_CAUSE_PROTOCOL_VIOLATION, "x", 1);
        else
            tern_cause_put_invalid_stream(&cw, streams[k]);
        tern_wbuf_init(&w, chunk, sizeof chunk);
        tern_causes_put(&w, TERN_CHUNK_ERROR, 0, (tern_bytes){causes, cw.len});
        assert_int_equal(w.err, 0);
        pair_inject_wbuf(&p, 1, tag, &w);
    }
    tern_event ev;
    assert_int_equal(tern_ep_poll_event(p.ep[1], &ev), 1);
    assert_int_equal(ev.type, TERN_EV_REMOTE_ERROR);
    assert_int_equal(ev.cause, TERN_CAUSE_PROTOCOL_VIOLATION);
    assert_int_equal(tern_ep_poll_event(p.ep[1], &ev), 0);
    assert_int_equal(pair_stats(&p, 1).events_dropped, 1);
    pair_free(&p);
}

/* ---- DESIGN.md §5: memory ------------------------------------------------------------ */

/* Appends an unrecognized "skip and report" parameter to the INIT ACK in
 * flight[0], so its receiver keeps a report for the COOKIE ECHO (§3.2.2):
 * one more allocation to account for. */
static void add_unknown_param_to_init_ack(pair *p)
{
    static const uint8_t param[8] = {0xFF, 0x01, 0, 8, 1, 2, 3, 4};
    pair_append_to_init_ack(p, param, sizeof param);
}

enum lifetime_end { END_SHUTDOWN, END_USER_ABORT, END_PEER_ABORT, END_T1_GIVES_UP, END_COUNT };

/* DESIGN.md §5 ("one teardown path per object"), core.h tern_allocator:
 * whichever way an association ends (graceful shutdown, either side's
 * abort, T1 giving up), every byte it allocated is freed, with the size it
 * was allocated with, before the endpoint is freed; after tern_ep_free
 * nothing is left. The endpoint's own tables and rings grow on first use
 * and keep their size, so the second association of the same life is the
 * one measured. */
static void design5_allocator_balanced_after_associations_end(void **state)
{
    (void)state;
    for (int end = 0; end < END_COUNT; end++) {
        pair_rng rng[2];
        counting_alloc *ca[2] = {ca_new(), ca_new()};
        pair p;
        pair_counted(&p, rng, ca);
        size_t base[2] = {0, 0};
        for (int round = 0; round < 2; round++) {
            if (round == 1) {
                tern_event ev;
                for (int i = 0; i < 2; i++) /* the first life's events */
                    while (tern_ep_poll_event(p.ep[i], &ev) == 1) {
                    }
                pair_collect(&p);
                pair_drop_all(&p, 0); /* and its last packets */
                pair_drop_all(&p, 1);
                base[0] = ca_outstanding(ca[0]);
                base[1] = ca_outstanding(ca[1]);
            }
            tern_assoc_id ids[2];
            if (end == END_T1_GIVES_UP) {
                ids[0] = pair_connect(&p, 0);
                pair_collect(&p);
                pair_deliver(&p, 0); /* INIT */
                pair_collect(&p);
                add_unknown_param_to_init_ack(&p);
                pair_deliver(&p, 0); /* INIT ACK: cookie and report kept */
                assert_true(ca_outstanding(ca[0]) > base[0]);
                for (int guard = 0; guard < 100 && pair_stats(&p, 0).assocs_open; guard++) {
                    pair_collect(&p);
                    pair_drop_all(&p, 0); /* every COOKIE ECHO is lost */
                    pair_step_time(&p, TERN_SEC(10000));
                }
                tern_event ev;
                assert_int_equal(pair_event(&p, 0, TERN_EV_CANT_START, &ev), 1);
            } else {
                pair_establish_idle(&p, ids);
                assert_true(ca_outstanding(ca[0]) > base[0]);
                assert_true(ca_outstanding(ca[1]) > base[1]);
                if (end == END_SHUTDOWN)
                    assert_int_equal(tern_ep_shutdown(p.ep[0], ids[0], p.now), 0);
                else
                    assert_int_equal(tern_ep_abort(p.ep[end == END_USER_ABORT ? 0 : 1],
                                                   ids[end == END_USER_ABORT ? 0 : 1], "bye", 3,
                                                   p.now),
                                     0);
                pair_run(&p, TERN_SEC(100), 100);
                assert_int_equal(pair_stats(&p, 1).assocs_open, 0);
            }
            assert_int_equal(pair_stats(&p, 0).assocs_open, 0);
        }
        assert_int_equal(ca_outstanding(ca[0]), base[0]);
        assert_int_equal(ca_outstanding(ca[1]), base[1]);
        pair_free(&p);
        for (int i = 0; i < 2; i++) {
            assert_balanced(ca[i]);
            free(ca[i]);
        }
    }
}

/* core.h tern_ep_free ("frees ... every association"): an endpoint freed
 * with associations in COOKIE-WAIT, COOKIE-ECHOED (a kept cookie and
 * parameter report) and ESTABLISHED gives every byte back. */
static void design5_allocator_balanced_when_freed_mid_handshake(void **state)
{
    (void)state;
    for (int stage = 0; stage < 3; stage++) {
        pair_rng rng[2];
        counting_alloc *ca[2] = {ca_new(), ca_new()};
        pair p;
        pair_counted(&p, rng, ca);
        tern_assoc_id id = pair_connect(&p, 0);
        pair_collect(&p);
        if (stage >= 1) {
            pair_deliver(&p, 0); /* INIT */
            pair_collect(&p);
            add_unknown_param_to_init_ack(&p);
            pair_deliver(&p, 0); /* INIT ACK */
            pair_collect(&p);
            assert_int_equal(pair_assoc(&p, 0, id).state, TERN_STATE_COOKIE_ECHOED);
        }
        if (stage == 2) pair_flush(&p, 10);
        assert_int_equal(pair_assoc(&p, 0, id).state, stage == 0   ? TERN_STATE_COOKIE_WAIT
                                                      : stage == 1 ? TERN_STATE_COOKIE_ECHOED
                                                                   : TERN_STATE_ESTABLISHED);
        pair_free(&p);
        for (int i = 0; i < 2; i++) {
            assert_balanced(ca[i]);
            free(ca[i]);
        }
    }
}

/* core.h tern_ep_new (TERN_ENOMEM): whichever of its allocations fails,
 * it returns TERN_ENOMEM, leaves *out alone and frees what it took; so it
 * does when the random source fails. */
static void design5_ep_new_allocation_failure_at_each_point(void **state)
{
    (void)state;
    counting_alloc *ca = ca_new();
    pair_rng rng;
    tern_ep_config c;
    cfg_make(&c, 5000, &rng, ca);
    tern_ep *ep;
    assert_int_equal(tern_ep_new(&c, &ep), 0);
    tern_ep_free(ep);
    const size_t n = ca->calls;
    assert_true(n >= 1); /* the endpoint itself: its tables start inline */
    for (size_t k = 1; k <= n; k++) {
        memset(ca, 0, sizeof *ca);
        ca->fail_at = k;
        tern_ep *sentinel = (tern_ep *)&rng;
        ep = sentinel;
        assert_int_equal(tern_ep_new(&c, &ep), TERN_ENOMEM);
        assert_ptr_equal(ep, sentinel);
        assert_int_equal(ca->failed, 1);
        assert_balanced(ca);
    }
    memset(ca, 0, sizeof *ca);
    c.random = failing_random;
    assert_int_equal(tern_ep_new(&c, &ep), TERN_ENOMEM);
    assert_balanced(ca);
    free(ca);
}

/* One association's life (connect, a handshake whose INIT ACK has a
 * parameter to report, shutdown) with the k-th allocation after the
 * endpoints were made failing on endpoint `side`. Returns whether that
 * allocation was attempted. Whatever happened, once the endpoints are
 * freed every byte is back. */
static bool lifetime_with_failure(int side, size_t k)
{
    pair_rng rng[2];
    counting_alloc *ca[2] = {ca_new(), ca_new()};
    pair p;
    pair_counted(&p, rng, ca);
    ca[side]->fail_at = ca[side]->calls + k;
    tern_ep_stats before = pair_stats(&p, 0);
    tern_assoc_id id;
    int rc = tern_ep_connect(p.ep[0], &p.path[0], 5001, 0, &id);
    if (rc == TERN_ENOMEM) {
        assert_int_equal(side, 0);
        assert_stats_same(p.ep[0], &before);
    } else {
        assert_int_equal(rc, 0);
        pair_collect(&p);
        pair_deliver(&p, 0); /* INIT */
        pair_collect(&p);
        if (p.nflight) /* none when the answer ring could not grow: dropped */
            add_unknown_param_to_init_ack(&p);
        pair_run(&p, TERN_SEC(30), 200);
        tern_assoc_info i;
        if (pair_info(&p, 0, id, &i) && i.state == TERN_STATE_ESTABLISHED) {
            assert_int_equal(tern_ep_shutdown(p.ep[0], id, p.now), 0);
            pair_run(&p, p.now + TERN_SEC(30), 200);
        }
    }
    bool reached = ca[side]->failed > 0;
    pair_free(&p);
    for (int i = 0; i < 2; i++) {
        assert_balanced(ca[i]);
        free(ca[i]);
    }
    return reached;
}

/* DESIGN.md §5: an allocation failing at any point of an association's
 * life (its TCB, the kept cookie, the kept parameter report, on either
 * side) costs no memory and no crash. */
static void design5_allocation_failure_during_association_life(void **state)
{
    (void)state;
    for (int side = 0; side < 2; side++) {
        size_t k = 1;
        while (lifetime_with_failure(side, k))
            k++;
        assert_true(k > 1); /* at least one allocation was made to fail */
    }
}

/* ---- Statistics ------------------------------------------------------------------------ */

/* RFC 9260 §5.1, core.h tern_ep_stats: after a handshake the endpoints'
 * packet and per-type chunk counters are exactly the packets exchanged,
 * counted from the packets themselves; the associations' counters too
 * (the COOKIE ECHO counts on the association it made). */
static void sec5_1_handshake_statistics_exact(void **state)
{
    (void)state;
    pair_rng rng[2];
    counting_alloc *ca[2] = {NULL, NULL};
    pair p;
    pair_counted(&p, rng, ca);
    tern_assoc_id id = pair_connect(&p, 0);
    uint64_t packets[2] = {0, 0}, chunks[2][256];
    memset(chunks, 0, sizeof chunks);
    for (int k = 0; k < 4; k++) {
        pair_collect(&p);
        assert_int_equal(p.nflight, 1);
        pair_pkt *pk = &p.flight[0];
        packets[pk->from]++;
        for (int t = 0; t < 256; t++)
            chunks[pk->from][t] += (uint64_t)pkt_count(pk->data, pk->len, (uint8_t)t);
        pair_deliver(&p, 0);
    }
    pair_collect(&p);
    assert_int_equal(p.nflight, 0);
    for (int side = 0; side < 2; side++) {
        tern_ep_stats s = pair_stats(&p, side);
        assert_int_equal(s.packets_out, packets[side]);
        assert_int_equal(s.packets_in, packets[1 - side]);
        for (int t = 0; t < 256; t++) {
            assert_int_equal(s.chunks_out[t], chunks[side][t]);
            assert_int_equal(s.chunks_in[t], chunks[1 - side][t]);
        }
        for (int d = 0; d < TERN_DROP_MAX; d++)
            assert_int_equal(s.drops[d], 0);
        assert_int_equal(s.assocs_created, 1);
        assert_int_equal(s.assocs_open, 1);
        assert_int_equal(s.assocs_freed, 0);
        assert_int_equal(s.events_dropped, 0);
    }
    assert_int_equal(chunks[0][TERN_CHUNK_INIT], 1);
    assert_int_equal(chunks[0][TERN_CHUNK_COOKIE_ECHO], 1);
    assert_int_equal(chunks[1][TERN_CHUNK_INIT_ACK], 1);
    assert_int_equal(chunks[1][TERN_CHUNK_COOKIE_ACK], 1);

    tern_event ev;
    assert_int_equal(pair_event(&p, 1, TERN_EV_COMM_UP, &ev), 1);
    tern_assoc_info a0 = pair_assoc(&p, 0, id), a1 = pair_assoc(&p, 1, ev.assoc);
    /* Endpoint 0's association sent INIT and COOKIE ECHO, got INIT ACK
     * and COOKIE ACK; endpoint 1's got the COOKIE ECHO, sent COOKIE ACK. */
    assert_int_equal(a0.stats.packets_out, 2);
    assert_int_equal(a0.stats.ctrl_chunks_out, 2);
    assert_int_equal(a0.stats.packets_in, 2);
    assert_int_equal(a0.stats.ctrl_chunks_in, 2);
    assert_int_equal(a1.stats.packets_in, 1);
    assert_int_equal(a1.stats.ctrl_chunks_in, 1);
    assert_int_equal(a1.stats.packets_out, 1);
    assert_int_equal(a1.stats.ctrl_chunks_out, 1);
    for (int k = 0; k < 2; k++) {
        const tern_assoc_stats *s = k ? &a1.stats : &a0.stats;
        assert_int_equal(s->data_chunks_in, 0);
        assert_int_equal(s->data_chunks_out, 0);
        for (int d = 0; d < TERN_DROP_MAX; d++)
            assert_int_equal(s->drops[d], 0);
    }
    pair_free(&p);
}

/* An association's packets_out counts every packet it sends, including
 * those that go through the endpoint's answer queue: an ERROR reporting an
 * unrecognized chunk (§3.2). */
static void design4_assoc_counts_error_reports_it_sends(void **state)
{
    (void)state;
    pair_rng rng[2];
    counting_alloc *ca[2] = {NULL, NULL};
    pair p;
    pair_counted(&p, rng, ca);
    tern_assoc_id ids[2];
    pair_establish_idle(&p, ids);
    tern_assoc_info before = pair_assoc(&p, 0, ids[0]);
    const uint8_t chunk[8] = {0xFE, 0, 0, 8, 1, 2, 3, 4};
    pair_inject_chunks(&p, 0, before.local_vtag, chunk, sizeof chunk);
    pair_collect(&p);
    assert_int_equal(p.nflight, 1);
    assert_int_equal(pair_first_chunk(&p, 0), TERN_CHUNK_ERROR);
    tern_assoc_info after = pair_assoc(&p, 0, ids[0]);
    assert_int_equal(after.stats.packets_in, before.stats.packets_in + 1);
    assert_int_equal(after.stats.ctrl_chunks_in, before.stats.ctrl_chunks_in + 1);
    assert_int_equal(after.stats.packets_out, before.stats.packets_out + 1);
    assert_int_equal(after.stats.ctrl_chunks_out, before.stats.ctrl_chunks_out + 1);
    pair_free(&p);
}

/* The same for a HEARTBEAT ACK (§8.3), sent through the answer queue by
 * heartbeat.c. */
static void design4_assoc_counts_heartbeat_acks_it_sends(void **state)
{
    (void)state;
    pair_rng rng[2];
    counting_alloc *ca[2] = {NULL, NULL};
    pair p;
    pair_counted(&p, rng, ca);
    tern_assoc_id ids[2];
    pair_establish_idle(&p, ids);
    tern_assoc_info before = pair_assoc(&p, 0, ids[0]);
    uint8_t chunk[16];
    tern_wbuf w;
    tern_wbuf_init(&w, chunk, sizeof chunk);
    assert_int_equal(tern_heartbeat_put(&w, TERN_CHUNK_HEARTBEAT, "hb", 2), 0);
    pair_inject_wbuf(&p, 0, before.local_vtag, &w);
    pair_collect(&p);
    assert_int_equal(p.nflight, 1);
    assert_int_equal(pair_first_chunk(&p, 0), TERN_CHUNK_HEARTBEAT_ACK);
    tern_assoc_info after = pair_assoc(&p, 0, ids[0]);
    assert_int_equal(after.stats.packets_out, before.stats.packets_out + 1);
    assert_int_equal(after.stats.ctrl_chunks_out, before.stats.ctrl_chunks_out + 1);
    pair_free(&p);
}

/* ---- Lookups and texts -------------------------------------------------------------------- */

/* core.h tern_ep_assoc_info: TERN_ENOENT for an id never handed out (0
 * included) and for one whose association ended; *out is not written. */
static void design3_assoc_info_unknown_id(void **state)
{
    (void)state;
    pair_rng rng[2];
    counting_alloc *ca[2] = {NULL, NULL};
    pair p;
    pair_counted(&p, rng, ca);
    tern_assoc_id ids[2];
    pair_establish_idle(&p, ids);
    tern_assoc_info info, pattern;
    memset(&pattern, 0xA5, sizeof pattern);
    const tern_assoc_id unknown[] = {0, ids[0] + 1, ids[0] + 1000, UINT32_MAX};
    for (size_t i = 0; i < 4; i++) {
        info = pattern;
        assert_int_equal(tern_ep_assoc_info(p.ep[0], unknown[i], &info), TERN_ENOENT);
        assert_memory_equal(&info, &pattern, sizeof info);
    }
    assert_int_equal(tern_ep_assoc_info(p.ep[0], ids[0], &info), 0);
    assert_int_equal(info.id, ids[0]);
    assert_int_equal(tern_ep_abort(p.ep[0], ids[0], NULL, 0, p.now), 0);
    info = pattern;
    assert_int_equal(tern_ep_assoc_info(p.ep[0], ids[0], &info), TERN_ENOENT);
    assert_memory_equal(&info, &pattern, sizeof info);
    assert_int_equal(tern_ep_shutdown(p.ep[0], ids[0], p.now), TERN_ENOENT);
    assert_int_equal(tern_ep_abort(p.ep[0], ids[0], NULL, 0, p.now), TERN_ENOENT);
    pair_free(&p);
}

/* error.h tern_strerror: each of the association errors has its own text;
 * codes that do not exist get "unknown error". */
static void design5_strerror_texts(void **state)
{
    (void)state;
    const int codes[] = {TERN_ENOENT, TERN_ESTATE, TERN_EEXIST,
                         TERN_EAGAIN, TERN_EINVAL, TERN_ENOMEM};
    const char *unknown = tern_strerror(-9999);
    assert_non_null(unknown);
    assert_string_equal(unknown, "unknown error");
    for (size_t i = 0; i < 5; i++) {
        const char *t = tern_strerror(codes[i]);
        assert_non_null(t);
        assert_true(strlen(t) > 0);
        assert_string_not_equal(t, unknown);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(t, tern_strerror(codes[j]));
    }
    assert_non_null(strstr(tern_strerror(TERN_ENOENT), "association"));
    assert_non_null(strstr(tern_strerror(TERN_ESTATE), "state"));
    assert_non_null(strstr(tern_strerror(TERN_EEXIST), "exists"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(design5_ep_new_rejects_each_invalid_field),
        cmocka_unit_test(design5_ep_new_accepts_limits),
        cmocka_unit_test(design5_null_arguments),
        cmocka_unit_test(sec5_1_connect_errors_change_nothing),
        cmocka_unit_test(design3_output_buffer_below_1280_keeps_packet),
        cmocka_unit_test(design4_event_queue_is_bounded),
        cmocka_unit_test(design5_allocator_balanced_after_associations_end),
        cmocka_unit_test(design5_allocator_balanced_when_freed_mid_handshake),
        cmocka_unit_test(design5_ep_new_allocation_failure_at_each_point),
        cmocka_unit_test(design5_allocation_failure_during_association_life),
        cmocka_unit_test(sec5_1_handshake_statistics_exact),
        cmocka_unit_test(design4_assoc_counts_error_reports_it_sends),
        cmocka_unit_test(design4_assoc_counts_heartbeat_acks_it_sends),
        cmocka_unit_test(design3_assoc_info_unknown_id),
        cmocka_unit_test(design5_strerror_texts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
