/* Blocks kept for reuse (core/pool.c): size classes, the byte bound,
 * trimming, sizes beyond the classes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/pool.h"
#include "alloc_testutil.h"

static void classes_are_powers_of_two_and_their_halfway_points(void **state)
{
    (void)state;
    assert_int_equal(tern_pool_block_size(1), 128);
    assert_int_equal(tern_pool_block_size(128), 128);
    assert_int_equal(tern_pool_block_size(129), 192);
    assert_int_equal(tern_pool_block_size(192), 192);
    assert_int_equal(tern_pool_block_size(193), 256);
    assert_int_equal(tern_pool_block_size(256), 256);
    assert_int_equal(tern_pool_block_size(257), 384);
    assert_int_equal(tern_pool_block_size(1500), 1536);
    assert_int_equal(tern_pool_block_size(65536 + 80), 98304);
    assert_int_equal(tern_pool_block_size(98305), 131072);
    assert_int_equal(tern_pool_block_size(131072), 131072);
    assert_int_equal(tern_pool_block_size(131073), 131073); /* beyond: as asked */
    for (size_t n = 1; n <= 131072; n++) { /* the smallest class that holds n, within 3/2 */
        size_t b = tern_pool_block_size(n);
        assert_true(b >= n && (n <= 128 || 2 * b <= 3 * n + 256));
    }
}

static void freed_blocks_are_reused_within_the_bound(void **state)
{
    (void)state;
    counting c = {0};
    tern_allocator a = counting_allocator(&c);
    tern_pool *p = NULL; /* made when a block is first kept */
    void *b[16];
    for (int i = 0; i < 16; i++) {
        b[i] = tern_pool_alloc(p, &a, 100);
        memset(b[i], i, 100);
    }
    assert_int_equal(c.total_allocs, 16);
    for (int i = 0; i < 16; i++)
        tern_pool_free(&p, &a, b[i], 100, 1024);
    assert_non_null(p);
    assert_int_equal(p->bytes, 1024); /* 8 kept, 8 given back */
    assert_int_equal(c.live_bytes, 1024 + sizeof *p);
    for (int i = 0; i < 8; i++)
        b[i] = tern_pool_alloc(p, &a, 90 + i); /* same class */
    assert_int_equal(c.total_allocs, 17);      /* the pool itself only */
    assert_int_equal(p->bytes, 0);
    void *other = tern_pool_alloc(p, &a, 300); /* another class: new */
    assert_int_equal(c.total_allocs, 18);
    tern_pool_free(&p, &a, other, 300, 1024);
    for (int i = 0; i < 8; i++)
        tern_pool_free(&p, &a, b[i], 90 + i, 1024);
    assert_true(p->bytes <= 1024);
    tern_pool_trim(&p, &a);
    assert_null(p);
    assert_int_equal(c.live_bytes, 0);
    tern_pool_trim(&p, &a); /* nothing: fine */
}

static void large_blocks_pass_through(void **state)
{
    (void)state;
    counting c = {0};
    tern_allocator a = counting_allocator(&c);
    tern_pool *p = NULL;
    void *big = tern_pool_alloc(p, &a, 200000);
    assert_non_null(big);
    assert_int_equal(c.live_bytes, 200000);
    tern_pool_free(&p, &a, big, 200000, 1u << 20);
    assert_null(p);
    assert_int_equal(c.live_bytes, 0);
    tern_pool_free(&p, &a, NULL, 100, 1u << 20); /* nothing */
    assert_null(p);
}

/* At an empty moment the blocks stay after a heavy flow (the owner counted
 * TERN_POOL_HEAVY_FLOW or more since it was last quiet) and go back after a
 * light one. */
static void empty_moment_keeps_blocks_only_after_a_heavy_flow(void **state)
{
    (void)state;
    counting c = {0};
    tern_allocator a = counting_allocator(&c);
    tern_pool *p = NULL;
    tern_pool_free(&p, &a, tern_pool_alloc(p, &a, 100), 100, 1024);
    /* Heavy since the owner's last quiet trim: kept at every empty moment
     * (a fast reader empties its queue every packet or two). */
    uint32_t since = TERN_POOL_HEAVY_FLOW;
    tern_pool_on_empty(&p, &a, since);
    assert_non_null(p);
    tern_pool_on_empty(&p, &a, since);
    assert_non_null(p);
    /* Light: given back. */
    since = TERN_POOL_HEAVY_FLOW - 1;
    tern_pool_on_empty(&p, &a, since);
    assert_null(p);
    assert_int_equal(c.live_bytes, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(classes_are_powers_of_two_and_their_halfway_points),
        cmocka_unit_test(freed_blocks_are_reused_within_the_bound),
        cmocka_unit_test(large_blocks_pass_through),
        cmocka_unit_test(empty_moment_keeps_blocks_only_after_a_heavy_flow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
