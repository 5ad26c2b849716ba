/* Blocks kept for reuse: free lists by size class (powers of two and
 * their halfway points, 128 bytes to 128 KiB), bounded in bytes by the
 * owner. The queues that copy every message (send queue, reassembly)
 * allocate and free one block per message; through glibc that cost a
 * third of a 64-byte message's path, and for 64 KiB messages the heap's
 * top was trimmed and grown again (page faults) at every acknowledgement
 * (callgrind, perf). Sizes beyond the classes go to the allocator
 * directly. The pool itself is allocated when a block is first kept and
 * freed with the last (tern_pool_trim): an idle owner holds one NULL
 * pointer. */
#ifndef TERN_CORE_POOL_H
#define TERN_CORE_POOL_H

#include <stddef.h>
#include <stdint.h>

#include <tern/core.h>

#define TERN_POOL_CLASSES 21 /* 128 B, 192 B, 256 B, ... 96 KiB, 128 KiB */

typedef struct tern_pool {
    void *free[TERN_POOL_CLASSES];
    size_t bytes; /* kept */
} tern_pool;

/* The block size a request of size bytes gets (size itself beyond the classes). */
size_t tern_pool_block_size(size_t size);
/* A block of at least size bytes (uninitialised) from p's lists (p may be
 * NULL) or the allocator; NULL if that fails. */
void *tern_pool_alloc(tern_pool *p, const tern_allocator *a, size_t size);
/* Gives back a block tern_pool_alloc returned for size: kept in *pp (made
 * if need be) while the kept bytes stay within max, else freed. */
void tern_pool_free(tern_pool **pp, const tern_allocator *a, void *block, size_t size, size_t max);
/* Returns every kept block, and the pool, to the allocator (*pp NULL). */
void tern_pool_trim(tern_pool **pp, const tern_allocator *a);

/* The owner counts the blocks it takes (since_quiet), and zeroes the count
 * when it trims because it has been quiet (tern_pool_trim). When its queue is
 * empty, the blocks go back unless that count shows a heavy flow: a reader
 * or sender that keeps up empties its queue at every packet or two, and
 * giving the blocks back each time made every message a malloc and a free
 * again (and glibc shrank and grew the heap's top a page at a time: 17,000
 * brk calls in 2 s with 1 KiB messages). An owner that has moved a few
 * messages since it was last quiet gives its blocks back at once; a busy
 * one keeps them, at most its cap, until it is quiet. */
#define TERN_POOL_HEAVY_FLOW 64
void tern_pool_on_empty(tern_pool **pp, const tern_allocator *a, uint32_t since_quiet);

#endif
