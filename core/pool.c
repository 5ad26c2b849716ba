/* Blocks kept for reuse: see pool.h. */
#include "core/pool.h"

#include <string.h>

#include "core/mem.h"

#define MIN_SHIFT 7 /* 128 bytes */

/* Class 2k holds 128 << k bytes, class 2k + 1 holds 192 << k: a block
 * wastes at most a third of itself (a 64-byte message with its header,
 * 136 bytes, takes 192, not 256; a 64 KiB one 96 KiB, not 128). */
static size_t class_size(int c)
{
    return (size_t)(c & 1 ? 192 : 128) << (c >> 1);
}

static int class_of(size_t size)
{
    if (size <= (size_t)1 << MIN_SHIFT) return 0;
    int k = 63 - __builtin_clzll((unsigned long long)(size - 1)); /* 2^k < size <= 2^(k+1) */
    int c = size <= (size_t)3 << (k - 1) ? 2 * (k - MIN_SHIFT) + 1 : 2 * (k + 1 - MIN_SHIFT);
    return c < TERN_POOL_CLASSES ? c : -1;
}

size_t tern_pool_block_size(size_t size)
{
    int c = class_of(size);
    return c < 0 ? size : class_size(c);
}

/* A kept block's first bytes link it to the next. */
static void *pop(tern_pool *p, int c)
{
    void *b = p->free[c];
    memcpy(&p->free[c], b, sizeof(void *));
    p->bytes -= class_size(c);
    return b;
}

/* The size class is worked out once per call: it is on every message's path. */
void *tern_pool_alloc(tern_pool *p, const tern_allocator *a, size_t size)
{
    int c = class_of(size);
    if (c < 0) return tern_mem_alloc(a, size);
    if (p && p->free[c]) return pop(p, c);
    return tern_mem_alloc(a, class_size(c));
}

void tern_pool_free(tern_pool **pp, const tern_allocator *a, void *block, size_t size, size_t max)
{
    if (!block) return;
    int c = class_of(size);
    size_t bs = c < 0 ? size : class_size(c);
    tern_pool *p = *pp;
    if (c >= 0 && (p ? p->bytes : 0) + bs <= max) {
        if (!p && (p = tern_mem_alloc(a, sizeof *p)) != NULL) {
            memset(p, 0, sizeof *p);
            *pp = p;
        }
        if (p) {
            memcpy(block, &p->free[c], sizeof(void *));
            p->free[c] = block;
            p->bytes += bs;
            return;
        }
    }
    tern_mem_free(a, block, bs);
}

void tern_pool_trim(tern_pool **pp, const tern_allocator *a)
{
    tern_pool *p = *pp;
    if (!p) return;
    for (int c = 0; c < TERN_POOL_CLASSES; c++)
        while (p->free[c])
            tern_mem_free(a, pop(p, c), class_size(c));
    tern_mem_free(a, p, sizeof *p);
    *pp = NULL;
}

void tern_pool_on_empty(tern_pool **pp, const tern_allocator *a, uint32_t since_quiet)
{
    if (since_quiet < TERN_POOL_HEAVY_FLOW) tern_pool_trim(pp, a);
}
