/* INIT flood (RFC 9260 §5.1.3, §11.2.1 of RFC 4960's security notes as
 * carried into §5.1): an endpoint answers INITs statelessly, so a flood from
 * forged sources makes it allocate nothing. Heap use is measured through
 * the allocator hooks of tern_ep_config. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <tern/core.h>

#include "tests/rig/pair.h"
#include "wire/chunk.h"

#define FLOOD_INITS 1000000u

/* The answer ring at its largest (32 slots of a 2 KB packet and its path),
 * while the 16-slot ring it grew from is still held. */
#define RING_PEAK ((32 + 16) * 2200)

typedef struct heap_meter {
    size_t live, peak, allocs;
} heap_meter;

static void *meter_alloc(void *ctx, size_t size)
{
    heap_meter *m = ctx;
    void *p = malloc(size);
    if (!p) return NULL;
    m->live += size;
    m->allocs++;
    if (m->live > m->peak) m->peak = m->live;
    return p;
}

static void meter_free(void *ctx, void *ptr, size_t size)
{
    heap_meter *m = ctx;
    m->live -= size;
    free(ptr);
}

/* An INIT from 198.18.x.y (RFC 2544 benchmarking space), port and tags
 * varying with i, so every packet looks like a new peer. */
static size_t forged_init(uint32_t i, uint8_t *buf, size_t cap, tern_path *path)
{
    uint8_t chunk[64];
    tern_wbuf w;
    tern_wbuf_init(&w, chunk, sizeof chunk);
    tern_init init = {i | 1, 65536, 10, 10, i * 2654435761u, {NULL, 0}};
    tern_init_put(&w, TERN_CHUNK_INIT, &init);
    memset(path, 0, sizeof *path);
    path->local.family = path->remote.family = TERN_AF_INET;
    memcpy(path->local.ip, (uint8_t[]){192, 0, 2, 1}, 4);
    memcpy(path->remote.ip,
           (uint8_t[]){198, (uint8_t)(18 + (i >> 24 & 1)), (uint8_t)(i >> 16), (uint8_t)(i >> 8)},
           4);
    path->remote.ip[3] ^= (uint8_t)i;
    path->encaps_port = (uint16_t)(1024 + i % 60000);
    return pair_craft(buf, cap, (uint16_t)(1 + i % 65535), 5001, 0, chunk, w.len);
}

static void sec5_1_3_init_flood_allocates_nothing(void **state)
{
    (void)state;
    heap_meter m = {0};
    tern_ep_config cfg;
    tern_ep_config_default(&cfg);
    cfg.port = 5001;
    cfg.alloc = (tern_allocator){meter_alloc, meter_free, &m};
    tern_ep *ep;
    assert_int_equal(tern_ep_new(&cfg, &ep), 0);
    const size_t baseline = m.live, baseline_allocs = m.allocs;

    uint8_t pkt[256], out[2048];
    tern_path path, out_path;
    uint64_t answered = 0;
    for (uint32_t i = 0; i < FLOOD_INITS; i++) {
        size_t len = forged_init(i, pkt, sizeof pkt, &path);
        tern_ep_input(ep, &path, pkt, len, TERN_MSEC(i / 1000));
        if (i % 16 == 15) /* the caller drains its output now and then */
            while (tern_ep_output(ep, &out_path, out, sizeof out, TERN_MSEC(i / 1000)) > 0)
                answered++;
    }
    while (tern_ep_output(ep, &out_path, out, sizeof out, TERN_SEC(1000)) > 0)
        answered++;

    tern_ep_stats s;
    tern_ep_stats_get(ep, &s);
    print_message("INIT flood: %u INITs, %llu INIT ACKs, heap %zu bytes before, %zu at peak, "
                  "%zu allocations during the flood\n",
                  FLOOD_INITS, (unsigned long long)answered, baseline, m.peak,
                  m.allocs - baseline_allocs);
    assert_int_equal(s.chunks_in[TERN_CHUNK_INIT], FLOOD_INITS);
    assert_int_equal(answered, FLOOD_INITS); /* every one answered, statelessly */
    assert_int_equal(s.chunks_out[TERN_CHUNK_INIT_ACK], FLOOD_INITS);
    assert_int_equal(s.assocs_created, 0);
    /* Only the answer ring's doublings (1 to 32 slots of ~2 KB), then none:
     * a second flood allocates nothing at all. */
    assert_true(m.allocs - baseline_allocs <= 6);
    assert_true(m.peak - baseline <= RING_PEAK);
    const size_t grown_allocs = m.allocs, grown_peak = m.peak;
    for (uint32_t i = 0; i < FLOOD_INITS / 10; i++) {
        size_t len = forged_init(i, pkt, sizeof pkt, &path);
        tern_ep_input(ep, &path, pkt, len, TERN_SEC(1000));
        if (i % 16 == 15)
            while (tern_ep_output(ep, &out_path, out, sizeof out, TERN_SEC(1000)) > 0) {
            }
    }
    assert_int_equal(m.allocs, grown_allocs); /* not one allocation */
    assert_int_equal(m.peak, grown_peak);
    assert_int_equal(tern_ep_next_deadline(ep), TERN_TIME_NEVER);
    tern_ep_free(ep);
    assert_int_equal(m.live, 0);
}

/* Without draining, the answers that do not fit the ring are dropped and
 * counted; memory still does not grow. */
static void sec5_1_3_undrained_flood_is_bounded(void **state)
{
    (void)state;
    heap_meter m = {0};
    tern_ep_config cfg;
    tern_ep_config_default(&cfg);
    cfg.port = 5001;
    cfg.alloc = (tern_allocator){meter_alloc, meter_free, &m};
    tern_ep *ep;
    assert_int_equal(tern_ep_new(&cfg, &ep), 0);
    const size_t baseline = m.live;
    uint8_t pkt[256];
    tern_path path;
    for (uint32_t i = 0; i < 10000; i++) {
        size_t len = forged_init(i, pkt, sizeof pkt, &path);
        tern_ep_input(ep, &path, pkt, len, 0);
    }
    tern_ep_stats s;
    tern_ep_stats_get(ep, &s);
    assert_true(m.peak - baseline <= RING_PEAK);
    assert_true(s.drops[TERN_DROP_OUTPUT_FULL] > 9000);
    assert_int_equal(s.drops[TERN_DROP_OUTPUT_FULL] + 32, 10000); /* the ring holds 32 */
    tern_ep_free(ep);
    assert_int_equal(m.live, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sec5_1_3_init_flood_allocates_nothing),
        cmocka_unit_test(sec5_1_3_undrained_flood_is_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
