/* The received-TSN tracker of one association (RFC 9260 §6.2, §3.3.4):
 * which DATA/I-DATA TSNs arrived, the cumulative TSN ack point, the gap ack
 * blocks and the duplicate TSNs for the next SACK.
 *
 * A bitmap ring of mask + 1 bits (a power of two) covers the TSNs
 * cum_ack + 1 .. cum_ack + mask + 1; the bit of a TSN is tsn & mask. Bits
 * below the cum ack are always clear, so moving the cum ack clears the bits
 * it passes. Adding a TSN is O(1) amortised (the cum ack moves over a run of
 * set bits a 64-bit word at a time); gap blocks are runs found with ctz.
 * All TSN arithmetic is RFC 1982 serial.
 *
 * Memory follows what arrives: the ring starts at 64 bits held in the
 * struct itself and doubles (up to the window given at init, the bound on
 * memory) only when a TSN lands past it, i.e. with gaps or reordering; the
 * duplicate list is allocated at the first duplicate. tern_tsn_map_trim()
 * gives both back once there is nothing above the cum ack. */
#ifndef TERN_CORE_TSN_MAP_H
#define TERN_CORE_TSN_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tern/core.h>

#include "wire/chunk.h" /* tern_gap_block */

#define TERN_TSN_MAP_MIN_CAPACITY 64u
#define TERN_TSN_MAP_MAX_CAPACITY (1u << 24)
#define TERN_SACK_FIXED_LEN       16u /* SACK chunk without blocks or dups (§3.3.4) */

/* What tern_tsn_map_add() made of a TSN. */
enum tern_tsn_verdict {
    TERN_TSN_NEW = 0,       /* first time seen: accept the chunk */
    TERN_TSN_DUPLICATE,     /* at or below the cum ack, or already seen (§6.2) */
    TERN_TSN_BEYOND_WINDOW, /* more than capacity past the cum ack: drop, do not ack */
};

typedef struct tern_tsn_map {
    uint32_t cum_ack;  /* every TSN up to this one has arrived */
    uint32_t highest;  /* highest TSN seen; == cum_ack when there are no gaps */
    uint32_t mask;     /* ring bits − 1 (the ring may be smaller than the window) */
    uint32_t window;   /* TSNs tracked past the cum ack: the ring's growth bound */
    uint32_t num_gaps; /* gap ack blocks between cum_ack and highest, kept current */
    uint64_t *bits;    /* mask + 1 bits; NULL: the ring is word0 (64 bits) */
    uint64_t word0;
    uint32_t *dups; /* duplicates since the last SACK, in arrival order; NULL
                       until the first one */
    uint16_t num_dups, max_dups;
    uint32_t dups_lost; /* duplicates past max_dups since the last SACK (not reported) */
    tern_allocator alloc;
} tern_tsn_map;

/* Starts tracking at the peer's Initial TSN (§5.1: cum ack = initial − 1).
 * capacity: TSNs tracked past the cum ack (the window), a power of two in
 * [TERN_TSN_MAP_MIN_CAPACITY, TERN_TSN_MAP_MAX_CAPACITY]; max_dups: the
 * duplicate list bound (0 keeps none). alloc may be NULL (malloc).
 * Allocates nothing. Errors: TERN_EINVAL (capacity). */
int tern_tsn_map_init(tern_tsn_map *m, const tern_allocator *alloc, uint32_t initial_tsn,
                      uint32_t capacity, uint16_t max_dups);
/* Frees the memory; m may be zeroed or already freed. */
void tern_tsn_map_free(tern_tsn_map *m);

/* Records the TSN of one received DATA chunk (§6.2). A DUPLICATE is also
 * appended to the duplicate list while it has room. When the ring has to
 * grow for the TSN and the allocation fails, the TSN is BEYOND_WINDOW
 * (dropped unacknowledged: the peer sends it again). */
enum tern_tsn_verdict tern_tsn_map_add(tern_tsn_map *m, uint32_t tsn);

/* True if tsn is at or below the cum ack or has arrived. */
bool tern_tsn_map_contains(const tern_tsn_map *m, uint32_t tsn);

static inline uint32_t tern_tsn_map_cum_ack(const tern_tsn_map *m)
{
    return m->cum_ack;
}
static inline uint32_t tern_tsn_map_highest(const tern_tsn_map *m)
{
    return m->highest;
}
/* The window (init's capacity), not the bits allocated now. */
static inline uint32_t tern_tsn_map_capacity(const tern_tsn_map *m)
{
    return m->window;
}
/* The bits the ring has now (64 to the window). */
static inline uint32_t tern_tsn_map_ring_bits(const tern_tsn_map *m)
{
    return m->mask + 1;
}
static inline bool tern_tsn_map_has_gaps(const tern_tsn_map *m)
{
    return m->num_gaps != 0;
}
/* Gap ack blocks a SACK would need to report everything received (blocks
 * ending past offset 65535 cannot be expressed and are not counted). O(1)
 * unless blocks reach that far. */
uint32_t tern_tsn_map_num_gaps(const tern_tsn_map *m);

/* Writes the first (lowest) gap ack blocks, at most max, in ascending order
 * as offsets from the cum ack (§3.3.4); returns how many were written. A
 * block reaching past offset 65535 is cut there; later ones are left out. */
size_t tern_tsn_map_gap_blocks(const tern_tsn_map *m, tern_gap_block *out, size_t max);

/* Duplicates since the last tern_tsn_map_sack_sent() (§6.2), in arrival
 * order; *n receives their number. */
static inline const uint32_t *tern_tsn_map_dups(const tern_tsn_map *m, uint16_t *n)
{
    *n = m->num_dups;
    return m->dups;
}

/* How many gap blocks and duplicates fit a SACK chunk of at most budget
 * bytes (§6.2: as many gap blocks as fit the PMTU; blocks come first,
 * duplicates take what is left). Errors: TERN_ENOSPC (budget below
 * TERN_SACK_FIXED_LEN; counts set to 0). */
int tern_tsn_map_sack_fit(const tern_tsn_map *m, size_t budget, uint16_t *num_gaps,
                          uint16_t *num_dups);

/* A SACK went out: forget the duplicates it reported. */
void tern_tsn_map_sack_sent(tern_tsn_map *m);

/* Gives the memory back (ring to 64 inline bits, duplicate list freed)
 * when nothing above the cum ack is held and no duplicate awaits a SACK;
 * true if it was (or already is) back to that. For an association that
 * has gone quiet; never needed for correctness. */
bool tern_tsn_map_trim(tern_tsn_map *m);

/* Moves the cum ack to new_cum if that is ahead (FORWARD-TSN, RFC 3758 §3.6),
 * then on over TSNs already received. Returns true if it moved. */
bool tern_tsn_map_advance(tern_tsn_map *m, uint32_t new_cum);

#endif
