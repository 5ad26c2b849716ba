/* Allocation through the user's hooks (tern_ep_config.alloc), for the
 * core's building blocks that do not know the endpoint. NULL hooks (or a
 * NULL allocator) mean malloc/free. */
#ifndef TERN_CORE_MEM_H
#define TERN_CORE_MEM_H

#include <stdlib.h>

#include <tern/core.h>

static inline void *tern_mem_alloc(const tern_allocator *a, size_t size)
{
    return a && a->alloc ? a->alloc(a->ctx, size) : malloc(size);
}

static inline void tern_mem_free(const tern_allocator *a, void *ptr, size_t size)
{
    if (!ptr) return;
    if (a && a->free)
        a->free(a->ctx, ptr, size);
    else
        free(ptr);
}

#endif
