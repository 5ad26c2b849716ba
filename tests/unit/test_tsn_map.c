/* The received-TSN tracker (core/tsn_map.c, RFC 9260 §6.2, §3.3.4):
 * cum ack, gap ack blocks, duplicates, window limit, serial wrap, checked
 * step by step against a plain reference model. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/tsn_map.h"

static tern_tsn_map map_at(uint32_t initial, uint32_t capacity, uint16_t max_dups)
{
    tern_tsn_map m;
    assert_int_equal(tern_tsn_map_init(&m, NULL, initial, capacity, max_dups), TERN_OK);
    return m;
}

static void add_new(tern_tsn_map *m, uint32_t tsn)
{
    assert_int_equal(tern_tsn_map_add(m, tsn), TERN_TSN_NEW);
}

/* Asserts the exact gap blocks, given as start,end pairs. */
static void assert_blocks(const tern_tsn_map *m, const uint16_t *want, size_t n)
{
    tern_gap_block got[64];
    size_t k = tern_tsn_map_gap_blocks(m, got, 64);
    assert_int_equal(k, n);
    assert_int_equal(tern_tsn_map_num_gaps(m), n);
    assert_int_equal(tern_tsn_map_has_gaps(m), n != 0);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(got[i].start, want[2 * i]);
        assert_int_equal(got[i].end, want[2 * i + 1]);
    }
}

static void init_rejects_bad_capacity(void **state)
{
    (void)state;
    tern_tsn_map m;
    assert_int_equal(tern_tsn_map_init(&m, NULL, 1, 32, 4), TERN_EINVAL);
    assert_int_equal(tern_tsn_map_init(&m, NULL, 1, 96, 4), TERN_EINVAL);
    assert_int_equal(tern_tsn_map_init(&m, NULL, 1, TERN_TSN_MAP_MAX_CAPACITY * 2, 4), TERN_EINVAL);
    m = map_at(1, 64, 0);
    assert_int_equal(tern_tsn_map_cum_ack(&m), 0);
    assert_int_equal(tern_tsn_map_capacity(&m), 64);
    tern_tsn_map_free(&m);
    tern_tsn_map_free(&m); /* twice is harmless */
}

static void *fail_alloc(void *ctx, size_t size)
{
    (void)size;
    int *left = ctx;
    return (*left)-- > 0 ? test_malloc(size) : NULL;
}
static void counted_free(void *ctx, void *ptr, size_t size)
{
    (void)ctx;
    (void)size;
    test_free(ptr);
}

/* Init allocates nothing; a ring growth or the duplicate list that cannot
 * be allocated drops the TSN (BEYOND_WINDOW, nothing changed) or leaves the
 * duplicate unlisted (counted), and the map works on. */
static void init_allocation_failure(void **state)
{
    (void)state;
    int left = 0;
    tern_allocator a = {fail_alloc, counted_free, &left};
    tern_tsn_map m;
    assert_int_equal(tern_tsn_map_init(&m, &a, 1, 1024, 8), TERN_OK);
    add_new(&m, 1);
    add_new(&m, 64); /* offset 63: the inline 64 bits */
    assert_int_equal(tern_tsn_map_add(&m, 200), TERN_TSN_BEYOND_WINDOW); /* no memory */
    assert_false(tern_tsn_map_contains(&m, 200));
    assert_int_equal(tern_tsn_map_highest(&m), 64);
    assert_blocks(&m, (const uint16_t[]){63, 63}, 1);
    assert_int_equal(tern_tsn_map_add(&m, 1), TERN_TSN_DUPLICATE);
    uint16_t n;
    tern_tsn_map_dups(&m, &n);
    assert_int_equal(n, 0); /* not listed */
    assert_int_equal(m.dups_lost, 1);
    left = 2;
    assert_int_equal(tern_tsn_map_add(&m, 200), TERN_TSN_NEW); /* grows now */
    assert_int_equal(tern_tsn_map_ring_bits(&m), 256);
    assert_blocks(&m, (const uint16_t[]){63, 63, 199, 199}, 2);
    assert_int_equal(tern_tsn_map_add(&m, 1), TERN_TSN_DUPLICATE);
    tern_tsn_map_dups(&m, &n);
    assert_int_equal(n, 1);
    tern_tsn_map_free(&m); /* cmocka's test_free catches leaks */
}

/* The ring starts at 64 bits and grows (doubling, keeping what is held)
 * only for a TSN past it, never past the window; in-order traffic never
 * grows it. trim gives the memory back once nothing is held above the cum
 * ack, and refuses while something is. */
static void ring_grows_on_demand_within_window_and_trims(void **state)
{
    (void)state;
    tern_tsn_map m = map_at(1000, 4096, 4);
    for (uint32_t t = 1000; t < 1000 + 10000; t++) /* in order, across many ring turns */
        add_new(&m, t);
    assert_int_equal(tern_tsn_map_ring_bits(&m), 64);
    assert_null(m.bits);
    uint32_t cum = tern_tsn_map_cum_ack(&m);
    add_new(&m, cum + 2);
    add_new(&m, cum + 64); /* the last offset the inline ring holds */
    assert_int_equal(tern_tsn_map_ring_bits(&m), 64);
    add_new(&m, cum + 65);
    assert_int_equal(tern_tsn_map_ring_bits(&m), 128);
    add_new(&m, cum + 1000);
    assert_int_equal(tern_tsn_map_ring_bits(&m), 1024);
    assert_blocks(&m, (const uint16_t[]){2, 2, 64, 65, 1000, 1000}, 3);
    assert_true(tern_tsn_map_contains(&m, cum + 65));
    assert_false(tern_tsn_map_contains(&m, cum + 66));
    assert_int_equal(tern_tsn_map_add(&m, cum + 4097), TERN_TSN_BEYOND_WINDOW);
    assert_int_equal(tern_tsn_map_capacity(&m), 4096);
    add_new(&m, cum + 4096); /* the window's last TSN */
    assert_int_equal(tern_tsn_map_ring_bits(&m), 4096);
    assert_false(tern_tsn_map_trim(&m)); /* gaps held */
    for (uint32_t o = 1; o <= 4096; o++)
        if (!tern_tsn_map_contains(&m, cum + o)) add_new(&m, cum + o);
    assert_int_equal(tern_tsn_map_cum_ack(&m), cum + 4096);
    assert_blocks(&m, NULL, 0);
    assert_int_equal(tern_tsn_map_add(&m, cum + 5), TERN_TSN_DUPLICATE);
    assert_false(tern_tsn_map_trim(&m)); /* a duplicate awaits the SACK */
    tern_tsn_map_sack_sent(&m);
    assert_true(tern_tsn_map_trim(&m));
    assert_null(m.bits);
    assert_null(m.dups);
    assert_int_equal(tern_tsn_map_ring_bits(&m), 64);
    cum = tern_tsn_map_cum_ack(&m);
    add_new(&m, cum + 3); /* works on after the trim */
    add_new(&m, cum + 1);
    assert_blocks(&m, (const uint16_t[]){2, 2}, 1);
    add_new(&m, cum + 2);
    assert_int_equal(tern_tsn_map_cum_ack(&m), cum + 3);
    tern_tsn_map_free(&m);
}

/* §6.2: in-order arrival moves the cum ack with every TSN, never a gap. */
static void sec6_2_in_order(void **state)
{
    (void)state;
    tern_tsn_map m = map_at(1000, 256, 8);
    for (uint32_t t = 1000; t < 3000; t++) {
        add_new(&m, t);
        assert_int_equal(tern_tsn_map_cum_ack(&m), t);
        assert_int_equal(tern_tsn_map_highest(&m), t);
        assert_false(tern_tsn_map_has_gaps(&m));
    }
    uint16_t nd;
    tern_tsn_map_dups(&m, &nd);
    assert_int_equal(nd, 0);
    tern_tsn_map_free(&m);
}

/* §3.3.4: gap ack blocks are offsets from the cum ack, lowest first. */
static void sec3_3_4_gap_blocks_exact_offsets(void **state)
{
    (void)state;
    tern_tsn_map m = map_at(1, 128, 8);
    const uint32_t got[] = {1, 2, 4, 5, 8, 10, 11, 12};
    for (size_t i = 0; i < sizeof got / sizeof *got; i++)
        add_new(&m, got[i]);
    assert_int_equal(tern_tsn_map_cum_ack(&m), 2);
    assert_int_equal(tern_tsn_map_highest(&m), 12);
    assert_true(tern_tsn_map_contains(&m, 8));
    assert_false(tern_tsn_map_contains(&m, 9));
    assert_true(tern_tsn_map_contains(&m, 2));
    assert_blocks(&m, (const uint16_t[]){2, 3, 6, 6, 8, 10}, 3);
    add_new(&m, 3); /* fills the first hole: cum ack runs over 4, 5 */
    assert_int_equal(tern_tsn_map_cum_ack(&m), 5);
    assert_blocks(&m, (const uint16_t[]){3, 3, 5, 7}, 2);
    add_new(&m, 7); /* extends a block downwards */
    assert_blocks(&m, (const uint16_t[]){2, 3, 5, 7}, 2);
    add_new(&m, 9); /* joins two blocks */
    assert_blocks(&m, (const uint16_t[]){2, 7}, 1);
    add_new(&m, 14); /* a new block past the highest */
    assert_blocks(&m, (const uint16_t[]){2, 7, 9, 9}, 2);
    add_new(&m, 6);
    assert_int_equal(tern_tsn_map_cum_ack(&m), 12);
    assert_blocks(&m, (const uint16_t[]){2, 2}, 1);
    add_new(&m, 13);
    assert_int_equal(tern_tsn_map_cum_ack(&m), 14);
    assert_blocks(&m, NULL, 0);
    tern_tsn_map_free(&m);
}

/* §6.2: duplicates (below the cum ack or already in a gap block) are listed
 * for the next SACK, in arrival order, up to the bound; sending the SACK
 * resets the list. */
static void sec6_2_duplicates_listed_bounded_and_reset(void **state)
{
    (void)state;
    tern_tsn_map m = map_at(100, 64, 4);
    add_new(&m, 100);
    add_new(&m, 101);
    add_new(&m, 105);
    assert_int_equal(tern_tsn_map_add(&m, 100), TERN_TSN_DUPLICATE); /* below cum ack */
    assert_int_equal(tern_tsn_map_add(&m, 105), TERN_TSN_DUPLICATE); /* in a gap block */
    assert_int_equal(tern_tsn_map_add(&m, 50), TERN_TSN_DUPLICATE);  /* far below */
    assert_int_equal(tern_tsn_map_add(&m, 101), TERN_TSN_DUPLICATE); /* the cum ack itself */
    uint16_t n;
    const uint32_t *d = tern_tsn_map_dups(&m, &n);
    assert_int_equal(n, 4);
    assert_int_equal(d[0], 100);
    assert_int_equal(d[1], 105);
    assert_int_equal(d[2], 50);
    assert_int_equal(d[3], 101);
    /* Full: more duplicates are counted, not listed, and change nothing. */
    assert_int_equal(tern_tsn_map_add(&m, 105), TERN_TSN_DUPLICATE);
    assert_int_equal(tern_tsn_map_add(&m, 99), TERN_TSN_DUPLICATE);
    d = tern_tsn_map_dups(&m, &n);
    assert_int_equal(n, 4);
    assert_int_equal(m.dups_lost, 2);
    assert_int_equal(tern_tsn_map_cum_ack(&m), 101);
    assert_blocks(&m, (const uint16_t[]){4, 4}, 1);
    tern_tsn_map_sack_sent(&m);
    tern_tsn_map_dups(&m, &n);
    assert_int_equal(n, 0);
    assert_int_equal(m.dups_lost, 0);
    assert_int_equal(tern_tsn_map_add(&m, 101), TERN_TSN_DUPLICATE);
    d = tern_tsn_map_dups(&m, &n);
    assert_int_equal(n, 1);
    assert_int_equal(d[0], 101);
    tern_tsn_map_free(&m);

    /* max_dups 0 keeps no list at all. */
    m = map_at(1, 64, 0);
    add_new(&m, 1);
    assert_int_equal(tern_tsn_map_add(&m, 1), TERN_TSN_DUPLICATE);
    tern_tsn_map_dups(&m, &n);
    assert_int_equal(n, 0);
    tern_tsn_map_free(&m);
}

/* §6.2: a TSN more than capacity past the cum ack is refused and leaves no
 * trace; the last TSN inside the window is accepted. */
static void sec6_2_beyond_window(void **state)
{
    (void)state;
    tern_tsn_map m = map_at(1, 64, 4); /* cum ack 0 */
    assert_int_equal(tern_tsn_map_add(&m, 65), TERN_TSN_BEYOND_WINDOW);
    assert_int_equal(tern_tsn_map_add(&m, 0x7fffffff), TERN_TSN_BEYOND_WINDOW);
    assert_false(tern_tsn_map_contains(&m, 65));
    assert_int_equal(tern_tsn_map_highest(&m), 0);
    uint16_t n;
    tern_tsn_map_dups(&m, &n);
    assert_int_equal(n, 0);
    add_new(&m, 64); /* offset == capacity: shares its bit slot with TSN 0 */
    assert_blocks(&m, (const uint16_t[]){64, 64}, 1);
    add_new(&m, 2);
    assert_blocks(&m, (const uint16_t[]){2, 2, 64, 64}, 2);
    add_new(&m, 1);
    assert_int_equal(tern_tsn_map_cum_ack(&m), 2);
    assert_int_equal(tern_tsn_map_add(&m, 67), TERN_TSN_BEYOND_WINDOW);
    add_new(&m, 66); /* the window slid with the cum ack */
    for (uint32_t t = 3; t < 64; t++)
        add_new(&m, t);
    assert_int_equal(tern_tsn_map_cum_ack(&m), 64);
    assert_blocks(&m, (const uint16_t[]){2, 2}, 1);
    add_new(&m, 65);
    assert_int_equal(tern_tsn_map_cum_ack(&m), 66);
    assert_blocks(&m, NULL, 0);
    tern_tsn_map_free(&m);
}

/* RFC 1982 across 2^32: the cum ack and gap offsets run on through 0. */
static void wrap_around_mid_stream(void **state)
{
    (void)state;
    tern_tsn_map m = map_at(0xfffffff0u, 128, 4);
    for (uint32_t t = 0xfffffff0u; t != 0xfffffffcu; t++)
        add_new(&m, t);
    assert_int_equal(tern_tsn_map_cum_ack(&m), 0xfffffffbu);
    add_new(&m, 0xfffffffeu);
    add_new(&m, 1);
    add_new(&m, 2);
    assert_int_equal(tern_tsn_map_highest(&m), 2);
    assert_blocks(&m, (const uint16_t[]){3, 3, 6, 7}, 2);
    assert_int_equal(tern_tsn_map_add(&m, 0xfffffff5u), TERN_TSN_DUPLICATE);
    assert_int_equal(tern_tsn_map_add(&m, 2), TERN_TSN_DUPLICATE);
    add_new(&m, 0xfffffffcu);
    add_new(&m, 0xfffffffdu);
    assert_int_equal(tern_tsn_map_cum_ack(&m), 0xfffffffeu);
    add_new(&m, 0xffffffffu);
    add_new(&m, 0);
    assert_int_equal(tern_tsn_map_cum_ack(&m), 2);
    assert_blocks(&m, NULL, 0);
    assert_int_equal(tern_tsn_map_add(&m, 0xffffffffu), TERN_TSN_DUPLICATE);
    assert_int_equal(tern_tsn_map_add(&m, 2 + 129), TERN_TSN_BEYOND_WINDOW);
    tern_tsn_map_free(&m);
}

/* Deterministic xorshift, seeded per test. */
static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Reference blocks from a plain array of received flags (index = offset
 * from the initial TSN); checks cum ack, highest and every block. */
static void check_against_model(const tern_tsn_map *m, uint32_t initial, const bool *seen,
                                uint32_t n)
{
    uint32_t cum = 0;
    while (cum < n && seen[cum])
        cum++;
    assert_int_equal(tern_tsn_map_cum_ack(m), initial + cum - 1);
    uint32_t hi = cum;
    for (uint32_t i = cum; i < n; i++)
        if (seen[i]) hi = i + 1;
    assert_int_equal(tern_tsn_map_highest(m), initial + hi - 1);
    static tern_gap_block got[8192];
    size_t k = tern_tsn_map_gap_blocks(m, got, 8192);
    assert_int_equal(k, tern_tsn_map_num_gaps(m));
    size_t b = 0;
    for (uint32_t i = cum; i < hi;) {
        if (!seen[i]) {
            i++;
            continue;
        }
        uint32_t j = i;
        while (j + 1 < n && seen[j + 1])
            j++;
        assert_true(b < k);
        assert_int_equal(got[b].start, i - cum + 1);
        assert_int_equal(got[b].end, j - cum + 1);
        b++;
        i = j + 1;
    }
    assert_int_equal(b, k);
}

/* Seeded permutations of a TSN range that straddles 2^32: after every add
 * the map matches the model; at the end the cum ack is the last TSN and no
 * gap is left. */
static void random_permutations_end_with_no_gaps(void **state)
{
    (void)state;
    enum { N = 3000 };
    static uint32_t order[N];
    static bool seen[N];
    const uint32_t initial = 0xfffffa00u;
    for (uint64_t seed = 1; seed <= 6; seed++) {
        uint64_t s = seed * 0x9e3779b97f4a7c15ull;
        for (uint32_t i = 0; i < N; i++)
            order[i] = i;
        for (uint32_t i = N - 1; i > 0; i--) { /* Fisher–Yates */
            uint32_t j = (uint32_t)(rng_next(&s) % (i + 1));
            uint32_t t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        memset(seen, 0, sizeof seen);
        tern_tsn_map m = map_at(initial, 4096, 16);
        for (uint32_t i = 0; i < N; i++) {
            add_new(&m, initial + order[i]);
            seen[order[i]] = true;
            if (i % 7 == 0 || i > N - 20) check_against_model(&m, initial, seen, N);
            if (i % 5 == 0) /* a duplicate never changes anything */
                assert_int_equal(tern_tsn_map_add(&m, initial + order[i / 2]), TERN_TSN_DUPLICATE);
        }
        assert_int_equal(tern_tsn_map_cum_ack(&m), initial + N - 1);
        assert_false(tern_tsn_map_has_gaps(&m));
        tern_tsn_map_free(&m);
    }
}

/* §6.2: at most N blocks, the lowest ones; sack_fit puts blocks before
 * duplicates in the byte budget. */
static void sec6_2_block_count_limit_and_budget(void **state)
{
    (void)state;
    tern_tsn_map m = map_at(1, 64, 8);
    for (uint32_t t = 2; t <= 20; t += 2)
        add_new(&m, t); /* 10 blocks */
    tern_gap_block g[10];
    assert_int_equal(tern_tsn_map_gap_blocks(&m, g, 3), 3);
    assert_int_equal(g[0].start, 2);
    assert_int_equal(g[1].start, 4);
    assert_int_equal(g[2].start, 6);
    assert_int_equal(g[2].end, 6);
    assert_int_equal(tern_tsn_map_gap_blocks(&m, g, 0), 0);
    assert_int_equal(tern_tsn_map_add(&m, 2), TERN_TSN_DUPLICATE);
    assert_int_equal(tern_tsn_map_add(&m, 4), TERN_TSN_DUPLICATE);
    uint16_t ng, nd;
    assert_int_equal(tern_tsn_map_sack_fit(&m, 16 + 4 * 12, &ng, &nd), TERN_OK);
    assert_int_equal(ng, 10);
    assert_int_equal(nd, 2);
    assert_int_equal(tern_tsn_map_sack_fit(&m, 16 + 4 * 11 + 3, &ng, &nd), TERN_OK);
    assert_int_equal(ng, 10);
    assert_int_equal(nd, 1);
    assert_int_equal(tern_tsn_map_sack_fit(&m, 16 + 4 * 3, &ng, &nd), TERN_OK);
    assert_int_equal(ng, 3);
    assert_int_equal(nd, 0);
    assert_int_equal(tern_tsn_map_sack_fit(&m, 15, &ng, &nd), TERN_ENOSPC);
    assert_int_equal(ng, 0);
    tern_tsn_map_free(&m);
}

/* Gap offsets are 16 bits: with a larger capacity, blocks past 65535 are
 * cut or left out. */
static void sec3_3_4_offsets_past_16_bits(void **state)
{
    (void)state;
    tern_tsn_map m = map_at(1, 1u << 17, 0);
    add_new(&m, 10);
    for (uint32_t t = 65530; t <= 65540; t++)
        add_new(&m, t);
    add_new(&m, 70000);
    assert_int_equal(m.num_gaps, 3);
    assert_int_equal(tern_tsn_map_num_gaps(&m), 2);
    tern_gap_block g[4];
    assert_int_equal(tern_tsn_map_gap_blocks(&m, g, 4), 2);
    assert_int_equal(g[0].start, 10);
    assert_int_equal(g[1].start, 65530);
    assert_int_equal(g[1].end, 65535);
    tern_tsn_map_free(&m);
}

/* FORWARD-TSN (RFC 3758 §3.6): the cum ack jumps, then runs on over TSNs
 * already received; gaps are recounted; going back is refused. */
static void advance_cum_ack(void **state)
{
    (void)state;
    tern_tsn_map m = map_at(0xfffffff0u, 64, 4);
    add_new(&m, 0xfffffff3u);
    add_new(&m, 0xfffffff4u);
    add_new(&m, 2);
    add_new(&m, 5);
    assert_false(tern_tsn_map_advance(&m, 0xffffffefu)); /* the cum ack itself */
    assert_false(tern_tsn_map_advance(&m, 0xffffff00u));
    assert_true(tern_tsn_map_advance(&m, 0xfffffff2u));
    assert_int_equal(tern_tsn_map_cum_ack(&m), 0xfffffff4u);
    assert_blocks(&m, (const uint16_t[]){14, 14, 17, 17}, 2);
    assert_true(tern_tsn_map_advance(&m, 0)); /* across the wrap, inside the holes */
    assert_int_equal(tern_tsn_map_cum_ack(&m), 0);
    assert_blocks(&m, (const uint16_t[]){2, 2, 5, 5}, 2);
    assert_true(tern_tsn_map_advance(&m, 3)); /* passes TSN 2 */
    assert_blocks(&m, (const uint16_t[]){2, 2}, 1);
    /* TSN 2's slot now stands for TSN 66: passed bits must be cleared. */
    for (uint32_t t = 4; t <= 67; t++)
        assert_int_equal(tern_tsn_map_contains(&m, t), t == 5);
    assert_int_equal(tern_tsn_map_add(&m, 2), TERN_TSN_DUPLICATE);
    assert_true(tern_tsn_map_advance(&m, 1000)); /* beyond the whole window */
    assert_int_equal(tern_tsn_map_cum_ack(&m), 1000);
    assert_int_equal(tern_tsn_map_highest(&m), 1000);
    assert_blocks(&m, NULL, 0);
    for (uint32_t t = 1001; t <= 1064; t++)
        assert_false(tern_tsn_map_contains(&m, t));
    add_new(&m, 1001);
    assert_int_equal(tern_tsn_map_cum_ack(&m), 1001);
    tern_tsn_map_free(&m);
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Not a timed test: prints the per-TSN cost, asserts only correctness. */
static void cost_per_tsn(void **state)
{
    (void)state;
    enum { N = 1 << 22 };
    tern_tsn_map m = map_at(0xffff0000u, 1u << 16, 64);
    double t0 = now_ns();
    for (uint32_t i = 0; i < N; i++)
        tern_tsn_map_add(&m, 0xffff0000u + i);
    double t1 = now_ns();
    assert_int_equal(tern_tsn_map_cum_ack(&m), 0xffff0000u + N - 1);

    /* Pairwise swapped arrival (every other TSN opens and closes a gap). */
    uint32_t base = tern_tsn_map_cum_ack(&m) + 1;
    double t2 = now_ns();
    for (uint32_t i = 0; i < N; i += 2) {
        tern_tsn_map_add(&m, base + i + 1);
        tern_tsn_map_add(&m, base + i);
    }
    double t3 = now_ns();
    assert_false(tern_tsn_map_has_gaps(&m));

    /* SACK generation with 100 blocks outstanding. */
    base = tern_tsn_map_cum_ack(&m) + 1;
    for (uint32_t i = 1; i <= 200; i += 2)
        tern_tsn_map_add(&m, base + i * 7);
    tern_gap_block g[128];
    size_t k = 0;
    double t4 = now_ns();
    for (int r = 0; r < 10000; r++)
        k += tern_tsn_map_gap_blocks(&m, g, 128);
    double t5 = now_ns();
    assert_int_equal(k, 10000 * 100);
    printf("tsn_map: in order %.2f ns/TSN, swapped pairs %.2f ns/TSN, "
           "100 gap blocks %.0f ns/SACK\n",
           (t1 - t0) / N, (t3 - t2) / N, (t5 - t4) / 10000);
    tern_tsn_map_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(init_rejects_bad_capacity),
        cmocka_unit_test(init_allocation_failure),
        cmocka_unit_test(ring_grows_on_demand_within_window_and_trims),
        cmocka_unit_test(sec6_2_in_order),
        cmocka_unit_test(sec3_3_4_gap_blocks_exact_offsets),
        cmocka_unit_test(sec6_2_duplicates_listed_bounded_and_reset),
        cmocka_unit_test(sec6_2_beyond_window),
        cmocka_unit_test(wrap_around_mid_stream),
        cmocka_unit_test(random_permutations_end_with_no_gaps),
        cmocka_unit_test(sec6_2_block_count_limit_and_budget),
        cmocka_unit_test(sec3_3_4_offsets_past_16_bits),
        cmocka_unit_test(advance_cum_ack),
        cmocka_unit_test(cost_per_tsn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
