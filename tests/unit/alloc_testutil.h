/* A counting allocator for the core's allocation hooks (tern_allocator):
 * the bytes and blocks live now, and every block ever given. A free of
 * more bytes than are live fails the test. Include after cmocka.h. */
#ifndef TERN_TEST_ALLOC_TESTUTIL_H
#define TERN_TEST_ALLOC_TESTUTIL_H

#include <stdlib.h>

#include <tern/core.h>

typedef struct counting {
    size_t live_bytes, live_allocs, total_allocs;
} counting;

static inline void *count_alloc(void *ctx, size_t size)
{
    counting *c = ctx;
    c->live_bytes += size;
    c->live_allocs++;
    c->total_allocs++;
    return malloc(size);
}

static inline void count_free(void *ctx, void *ptr, size_t size)
{
    counting *c = ctx;
    assert_true(c->live_bytes >= size);
    c->live_bytes -= size;
    c->live_allocs--;
    free(ptr);
}

static inline tern_allocator counting_allocator(counting *c)
{
    return (tern_allocator){count_alloc, count_free, c};
}

#endif
