/* Received-TSN tracker (RFC 9260 §6.2, §3.3.4); see tsn_map.h. */
#include "core/tsn_map.h"

#include <string.h>

#include "core/mem.h"
#include "wire/serial.h"

/* Ring position helpers. A TSN's bit is tsn & mask; words are whole because
 * the ring is a multiple of 64 bits. */
static inline uint64_t *words(const tern_tsn_map *m)
{
    return m->bits ? m->bits : (uint64_t *)&m->word0;
}

static inline bool bit_get(const tern_tsn_map *m, uint32_t tsn)
{
    uint32_t pos = tsn & m->mask;
    return (words(m)[pos >> 6] >> (pos & 63)) & 1u;
}

static inline void bit_set(tern_tsn_map *m, uint32_t tsn)
{
    uint32_t pos = tsn & m->mask;
    words(m)[pos >> 6] |= (uint64_t)1 << (pos & 63);
}

static size_t bits_bytes(uint32_t capacity)
{
    return (size_t)capacity / 8;
}

static size_t dups_bytes(uint16_t max_dups)
{
    return (size_t)max_dups * sizeof(uint32_t);
}

int tern_tsn_map_init(tern_tsn_map *m, const tern_allocator *alloc, uint32_t initial_tsn,
                      uint32_t capacity, uint16_t max_dups)
{
    if (capacity < TERN_TSN_MAP_MIN_CAPACITY || capacity > TERN_TSN_MAP_MAX_CAPACITY ||
        (capacity & (capacity - 1)) != 0)
        return TERN_EINVAL;
    memset(m, 0, sizeof *m);
    if (alloc) m->alloc = *alloc;
    m->mask = TERN_TSN_MAP_MIN_CAPACITY - 1; /* word0 */
    m->window = capacity;
    m->max_dups = max_dups;
    m->cum_ack = initial_tsn - 1; /* §5.1: nothing received yet */
    m->highest = m->cum_ack;
    return TERN_OK;
}

void tern_tsn_map_free(tern_tsn_map *m)
{
    if (m->bits) tern_mem_free(&m->alloc, m->bits, bits_bytes(m->mask + 1));
    if (m->dups) tern_mem_free(&m->alloc, m->dups, dups_bytes(m->max_dups));
    m->bits = NULL;
    m->dups = NULL;
    m->word0 = 0;
    m->mask = TERN_TSN_MAP_MIN_CAPACITY - 1;
    m->max_dups = m->num_dups = 0;
}

/* Makes the ring at least need bits (need <= window): doubles until it
 * fits, copying the TSNs held above the cum ack. False when out of memory
 * (nothing changed). Growth is geometric, so it is rare on any stream. */
static bool grow(tern_tsn_map *m, uint32_t need)
{
    uint32_t old = m->mask + 1, cap = old;
    while (cap < need)
        cap *= 2;
    uint64_t *nb = tern_mem_alloc(&m->alloc, bits_bytes(cap));
    if (!nb) return false;
    memset(nb, 0, bits_bytes(cap));
    uint32_t held = m->highest - m->cum_ack; /* offsets 1 .. held, all < old */
    for (uint32_t o = 1; o <= held; o++) {
        uint32_t tsn = m->cum_ack + o;
        if (bit_get(m, tsn)) nb[(tsn & (cap - 1)) >> 6] |= (uint64_t)1 << (tsn & 63);
    }
    if (m->bits) tern_mem_free(&m->alloc, m->bits, bits_bytes(old));
    m->bits = nb;
    m->word0 = 0;
    m->mask = cap - 1;
    return true;
}

bool tern_tsn_map_trim(tern_tsn_map *m)
{
    if (m->highest != m->cum_ack || m->num_dups) return false;
    if (m->bits) tern_mem_free(&m->alloc, m->bits, bits_bytes(m->mask + 1));
    if (m->dups) tern_mem_free(&m->alloc, m->dups, dups_bytes(m->max_dups));
    m->bits = NULL;
    m->dups = NULL;
    m->word0 = 0; /* bits at and below the cum ack are clear anyway */
    m->mask = TERN_TSN_MAP_MIN_CAPACITY - 1;
    return true;
}

/* Appends a duplicate while the list has room (§6.2); counts it otherwise. */
static void note_dup(tern_tsn_map *m, uint32_t tsn)
{
    if (!m->dups && m->max_dups) m->dups = tern_mem_alloc(&m->alloc, dups_bytes(m->max_dups));
    if (m->dups && m->num_dups < m->max_dups)
        m->dups[m->num_dups++] = tsn;
    else
        m->dups_lost++;
}

/* Moves the cum ack over the run of received TSNs that follows it, clearing
 * their bits: a word at a time, so O(1) amortised per TSN. */
static void advance_over_run(tern_tsn_map *m)
{
    for (;;) {
        uint32_t pos = (m->cum_ack + 1) & m->mask;
        uint32_t sh = pos & 63;
        uint64_t *w = &words(m)[pos >> 6];
        /* Bits shifted in from above are 0, so ~ stops the run at the word end. */
        uint64_t clear = ~(*w >> sh);
        unsigned run = clear ? (unsigned)__builtin_ctzll(clear) : 64;
        if (run == 0) break;
        uint64_t span = run == 64 ? ~(uint64_t)0 : (((uint64_t)1 << run) - 1) << sh;
        *w &= ~span;
        m->cum_ack += run;
    }
    if (tern_sn32_lt(m->highest, m->cum_ack)) m->highest = m->cum_ack;
}

/* First offset o in [from, limit) from the cum ack whose bit is `set`, or limit. */
static uint32_t find_bit(const tern_tsn_map *m, uint32_t from, uint32_t limit, bool set)
{
    uint32_t o = from;
    while (o < limit) {
        uint32_t pos = (m->cum_ack + o) & m->mask;
        uint32_t sh = pos & 63;
        uint64_t w = words(m)[pos >> 6];
        if (!set) w = ~w;
        w >>= sh; /* shifted-in zeros never match */
        if (w) {
            uint32_t hit = o + (uint32_t)__builtin_ctzll(w);
            return hit < limit ? hit : limit;
        }
        o += 64 - sh;
    }
    return limit;
}

/* Calls back for each run of received TSNs above the cum ack, as offsets
 * [start, end]; stops when the callback returns false. */
typedef bool (*run_fn)(void *ctx, uint32_t start, uint32_t end);

static void for_each_run(const tern_tsn_map *m, run_fn fn, void *ctx)
{
    uint32_t limit = m->highest - m->cum_ack + 1; /* offsets 1 .. highest */
    uint32_t o = 1;
    while (o < limit) {
        uint32_t start = find_bit(m, o, limit, true);
        if (start >= limit) break;
        uint32_t end = find_bit(m, start, limit, false) - 1;
        if (!fn(ctx, start, end)) return;
        o = end + 1;
    }
}

/* Runs above the cum ack; with only_16bit, those starting at an offset a
 * SACK can express. O(highest − cum ack) / 64. */
static uint32_t count_gaps(const tern_tsn_map *m, bool only_16bit)
{
    uint32_t limit = m->highest - m->cum_ack + 1, o = 1, n = 0;
    while (o < limit) {
        uint32_t start = find_bit(m, o, limit, true);
        if (start >= limit || (only_16bit && start > UINT16_MAX)) break;
        n++;
        o = find_bit(m, start, limit, false);
    }
    return n;
}

enum tern_tsn_verdict tern_tsn_map_add(tern_tsn_map *m, uint32_t tsn)
{
    int32_t d = tern_sn32_diff(tsn, m->cum_ack);
    if (d > 0 && (uint32_t)d > m->window) return TERN_TSN_BEYOND_WINDOW; /* §6.2 */
    if (d > 1 && (uint32_t)d > m->mask + 1 && !grow(m, (uint32_t)d))
        return TERN_TSN_BEYOND_WINDOW; /* no memory: dropped, the peer resends */
    if (d <= 0 || bit_get(m, tsn)) {
        note_dup(m, tsn);
        return TERN_TSN_DUPLICATE;
    }
    /* Keep the gap block count current from the two neighbours. At
     * d == capacity, tsn + 1 shares its bit with cum_ack + 1, which is clear. */
    bool right = bit_get(m, tsn + 1);
    if (d == 1 && !right) { /* in order, no gap: the common case */
        m->cum_ack = tsn;
        if (tern_sn32_lt(m->highest, tsn)) m->highest = tsn;
        return TERN_TSN_NEW;
    }
    bit_set(m, tsn);
    if (d == 1) {
        if (right) m->num_gaps--; /* the first block joins the cum ack */
        advance_over_run(m);
        return TERN_TSN_NEW;
    }
    bool left = bit_get(m, tsn - 1);
    if (!left && !right)
        m->num_gaps++;
    else if (left && right)
        m->num_gaps--;
    if (tern_sn32_lt(m->highest, tsn)) m->highest = tsn;
    return TERN_TSN_NEW;
}

bool tern_tsn_map_contains(const tern_tsn_map *m, uint32_t tsn)
{
    int32_t d = tern_sn32_diff(tsn, m->cum_ack);
    if (d <= 0) return true;
    if ((uint32_t)d > m->mask + 1) return false; /* past the ring: never set */
    return bit_get(m, tsn);
}

uint32_t tern_tsn_map_num_gaps(const tern_tsn_map *m)
{
    if (m->highest - m->cum_ack <= UINT16_MAX) return m->num_gaps;
    return count_gaps(m, true);
}

struct gap_writer {
    tern_gap_block *out;
    size_t n, max;
};

static bool write_run(void *ctx, uint32_t start, uint32_t end)
{
    struct gap_writer *g = ctx;
    if (g->n == g->max || start > UINT16_MAX) return false;
    g->out[g->n].start = (uint16_t)start;
    g->out[g->n].end = (uint16_t)(end > UINT16_MAX ? UINT16_MAX : end);
    g->n++;
    return true;
}

size_t tern_tsn_map_gap_blocks(const tern_tsn_map *m, tern_gap_block *out, size_t max)
{
    struct gap_writer g = {out, 0, max};
    if (max == 0 || m->num_gaps == 0) return 0;
    for_each_run(m, write_run, &g);
    return g.n;
}

int tern_tsn_map_sack_fit(const tern_tsn_map *m, size_t budget, uint16_t *num_gaps,
                          uint16_t *num_dups)
{
    *num_gaps = *num_dups = 0;
    if (budget < TERN_SACK_FIXED_LEN) return TERN_ENOSPC;
    size_t room = (budget - TERN_SACK_FIXED_LEN) / 4;
    uint32_t gaps = tern_tsn_map_num_gaps(m);
    size_t g = gaps < room ? gaps : room;
    if (g > UINT16_MAX) g = UINT16_MAX;
    room -= g;
    size_t d = m->num_dups < room ? m->num_dups : room;
    *num_gaps = (uint16_t)g;
    *num_dups = (uint16_t)d;
    return TERN_OK;
}

void tern_tsn_map_sack_sent(tern_tsn_map *m)
{
    m->num_dups = 0;
    m->dups_lost = 0;
}

/* Clears the bits of count TSNs starting at first (count <= capacity). */
static void clear_span(tern_tsn_map *m, uint32_t first, uint32_t count)
{
    while (count) {
        uint32_t pos = first & m->mask, sh = pos & 63;
        uint32_t n = 64 - sh < count ? 64 - sh : count;
        uint64_t span = n == 64 ? ~(uint64_t)0 : (((uint64_t)1 << n) - 1) << sh;
        words(m)[pos >> 6] &= ~span;
        first += n;
        count -= n;
    }
}

bool tern_tsn_map_advance(tern_tsn_map *m, uint32_t new_cum)
{
    if (!tern_sn32_gt(new_cum, m->cum_ack)) return false;
    uint32_t dist = new_cum - m->cum_ack;
    uint32_t cap = m->mask + 1;
    if (dist >= cap)
        memset(words(m), 0, bits_bytes(cap));
    else
        clear_span(m, m->cum_ack + 1, dist);
    m->cum_ack = new_cum;
    advance_over_run(m);
    m->num_gaps = count_gaps(m, false);
    return true;
}
