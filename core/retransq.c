/* Outstanding DATA until acknowledged: RFC 9260 §6.1–§6.4, §7.2.4; see
 * retransq.h. */
#include "core/retransq.h"

#include <string.h>

#include "core/mem.h"
#include "wire/serial.h"

#define INITIAL_CAP 1u /* an idle association sends a message now and then */
#define FAST_RTX_AT 3u /* §7.2.4: the third miss indication */

int tern_retransq_init(tern_retransq *rq, tern_sendq *sendq, uint32_t initial_tsn,
                       uint32_t peer_rwnd, uint32_t chunk_overhead)
{
    if (!rq || !sendq) return TERN_EINVAL;
    memset(rq, 0, sizeof *rq);
    rq->sendq = sendq;
    rq->cum_ack = initial_tsn - 1; /* §6.2.1: as if the TSN before the first were acked */
    rq->next_tsn = initial_tsn;
    rq->marked_from = initial_tsn;
    rq->peer_rwnd = peer_rwnd;
    rq->chunk_overhead = chunk_overhead;
    return 0;
}

/* The record at offset off from the first outstanding TSN. */
static inline tern_rtx_chunk *rec(const tern_retransq *rq, uint32_t off)
{
    return &rq->ring[(rq->head + off) & (rq->cap - 1)];
}

const tern_rtx_chunk *tern_retransq_get(const tern_retransq *rq, uint32_t tsn)
{
    uint32_t off = tsn - (rq->cum_ack + 1);
    return off < rq->count ? rec(rq, off) : NULL;
}

int tern_retransq_reserve(tern_retransq *rq, uint32_t n)
{
    if (n > TERN_SN32_HALF - 1 - rq->count) return TERN_EINVAL; /* §6.1: window < 2^31 */
    uint32_t need = rq->count + n;
    if (need <= rq->cap) return 0;
    uint32_t cap = rq->cap ? rq->cap : INITIAL_CAP;
    while (cap < need)
        cap *= 2;
    tern_rtx_chunk *ring = tern_mem_alloc(rq->sendq->alloc, (size_t)cap * sizeof *ring);
    if (!ring) return TERN_ENOMEM;
    for (uint32_t i = 0; i < rq->count; i++) /* unwrap, in TSN order */
        ring[i] = *rec(rq, i);
    tern_mem_free(rq->sendq->alloc, rq->ring, (size_t)rq->cap * sizeof *ring);
    rq->ring = ring;
    rq->cap = cap;
    rq->head = 0;
    return 0;
}

static inline size_t flight_size(const tern_retransq *rq, const tern_rtx_chunk *r)
{
    return (size_t)r->chunk.len + rq->chunk_overhead;
}

static void rwnd_sub(tern_retransq *rq, uint32_t n)
{
    rq->peer_rwnd = n < rq->peer_rwnd ? rq->peer_rwnd - n : 0;
}

static void rwnd_add(tern_retransq *rq, uint32_t n)
{
    rq->peer_rwnd = n > UINT32_MAX - rq->peer_rwnd ? UINT32_MAX : rq->peer_rwnd + n;
}

static void flight_add(tern_retransq *rq, tern_rtx_chunk *r)
{
    size_t f = flight_size(rq, r);
    r->state |= TERN_RTX_IN_FLIGHT;
    rq->flight += f;
    rq->path_flight[r->path] += f;
    rq->outstanding += r->chunk.len;
}

static void flight_remove(tern_retransq *rq, tern_rtx_chunk *r)
{
    size_t f = flight_size(rq, r);
    r->state &= (uint8_t)~TERN_RTX_IN_FLIGHT;
    rq->flight -= f;
    rq->path_flight[r->path] -= f;
    rq->outstanding -= r->chunk.len;
}

int tern_retransq_push(tern_retransq *rq, const tern_chunk_desc *chunk, uint8_t path, tern_time now,
                       uint32_t *tsn)
{
    if (!rq || !chunk || !chunk->msg || chunk->len == 0 || path >= TERN_MAX_PATHS)
        return TERN_EINVAL;
    int rc = tern_retransq_reserve(rq, 1);
    if (rc) return rc;
    tern_rtx_chunk *r = rec(rq, rq->count);
    memset(r, 0, sizeof *r);
    r->chunk = *chunk;
    r->sent_at = now;
    r->path = path;
    r->tx_count = 1;
    flight_add(rq, r);
    rwnd_sub(rq, chunk->len); /* §6.2.1 B */
    rq->count++;
    if (tsn) *tsn = rq->next_tsn;
    rq->next_tsn++;
    return 0;
}

static void mark(tern_retransq *rq, tern_rtx_chunk *r, uint32_t tsn)
{
    if (r->state & TERN_RTX_IN_FLIGHT) flight_remove(rq, r);
    rwnd_add(rq, r->chunk.len); /* §6.2.1 C */
    r->state |= TERN_RTX_MARKED;
    r->misses = 0;
    if (rq->marked == 0 || tern_sn32_lt(tsn, rq->marked_from)) rq->marked_from = tsn;
    rq->marked++;
}

/* One miss indication (§7.2.4); the third marks the chunk for fast
 * retransmit. Chunks not in flight (marked, or already fast-retransmitted
 * once) take none. */
static void count_miss(tern_retransq *rq, tern_rtx_chunk *r, uint32_t tsn, tern_sack_result *res)
{
    if (!(r->state & TERN_RTX_IN_FLIGHT) || (r->state & TERN_RTX_FAST)) return;
    if (++r->misses < FAST_RTX_AT) return;
    mark(rq, r, tsn);
    r->state |= TERN_RTX_FAST;
    res->fast_rtx++;
    res->fast_rtx_paths |= (uint8_t)(1u << r->path);
}

/* A chunk acknowledged for the first time (cumulatively or by a gap). */
static void newly_acked(tern_retransq *rq, tern_rtx_chunk *r, tern_time now, tern_sack_result *res,
                        unsigned *rtt_set)
{
    size_t f = flight_size(rq, r);
    res->acked[r->path] += f;
    res->acked_total += f;
    if (r->state & TERN_RTX_IN_FLIGHT) flight_remove(rq, r);
    /* A chunk marked lost may have crossed before the path failed, its SACK
     * lost with it: its acknowledgement says nothing of the path now. */
    if (!(r->state & TERN_RTX_MARKED)) res->heard_paths |= (uint8_t)(1u << r->path);
    if (r->state & TERN_RTX_MARKED) {
        r->state &= (uint8_t)~TERN_RTX_MARKED;
        rq->marked--;
    }
    /* §6.3.1 C5 (Karn): only chunks sent once, and (second paragraph) none
     * sent before a retransmission: a chunk retransmitted since r left may
     * be what the SACK answers. This skips a few more samples than the
     * rule's "TSN less than or equal to r" asks, never one too few. Records
     * are visited in ascending TSN order, so the last one seen per path is
     * the newest. */
    bool after_rtx = rq->any_rtx && rq->last_rtx_at >= r->sent_at;
    if (r->tx_count == 1 && !after_rtx && now >= r->sent_at) {
        res->rtt[r->path] = now - r->sent_at;
        *rtt_set |= 1u << r->path;
    }
}

/* Gap block i of the SACK as offsets from the new cum ack (1-based,
 * inclusive): 0 when unusable (empty, not above prev_end — blocks ascend
 * without overlap, §3.3.4 — or wholly past what was sent), 1 when usable, 2
 * when usable once clamped to what was sent. */
static int usable_block(const tern_retransq *rq, const tern_sack *s, size_t i, uint32_t prev_end,
                        uint32_t *start, uint32_t *end)
{
    tern_gap_block g = tern_sack_gap(s, i);
    if (g.start == 0 || g.start > g.end || g.start <= prev_end || g.start > rq->count) return 0;
    *start = g.start;
    *end = g.end > rq->count ? rq->count : g.end;
    return g.end == *end ? 1 : 2;
}

void tern_retransq_sack(tern_retransq *rq, const tern_sack *sack, bool fast_recovery, tern_time now,
                        tern_sack_result *res)
{
    memset(res, 0, sizeof *res);
    uint32_t cum = sack->cum_tsn_ack;
    if (tern_sn32_lt(cum, rq->cum_ack)) { /* §6.2.1 D i: out of order */
        res->ignored = true;
        return;
    }
    uint32_t adv = cum - rq->cum_ack;
    if (adv > rq->count) { /* acknowledges a TSN never sent */
        res->invalid = true;
        return;
    }
    unsigned rtt_set = 0;
    bool have_htna = false;
    uint32_t htna = 0; /* Highest TSN Newly Acknowledged (§7.2.4) */

    /* Cumulative ack: the records leave, their messages are released. */
    for (uint32_t i = 0; i < adv; i++) {
        tern_rtx_chunk *r = rec(rq, i);
        if (r->state & TERN_RTX_GAP_ACKED) {
            rq->gap_acked--;
        } else {
            newly_acked(rq, r, now, res, &rtt_set);
            have_htna = true;
            htna = rq->cum_ack + 1 + i;
        }
        tern_sendq_release(rq->sendq, r->chunk.msg);
    }
    if (adv) {
        res->cum_advanced = true;
        rq->head = (rq->head + adv) & (rq->cap - 1);
        rq->count -= adv;
        rq->cum_ack = cum;
        if (tern_sn32_lt(rq->marked_from, cum + 1)) rq->marked_from = cum + 1;
    }
    /* Offsets below are 1-based from cum: TSN cum + k is rec(k − 1). */

    /* Gap blocks: mark, counting the records that stay acknowledged. */
    uint32_t prev_gap_acked = rq->gap_acked, still_acked = 0, prev_end = 0, high_end = 0;
    for (size_t i = 0; i < sack->num_gap_blocks; i++) {
        uint32_t start, end;
        int u = usable_block(rq, sack, i, prev_end, &start, &end);
        if (u != 1) res->bad_blocks++;
        if (!u) continue;
        for (uint32_t k = start; k <= end; k++) {
            tern_rtx_chunk *r = rec(rq, k - 1);
            if (r->state & TERN_RTX_GAP_ACKED) {
                still_acked++;
                continue;
            }
            r->state |= TERN_RTX_GAP_ACKED;
            rq->gap_acked++;
            newly_acked(rq, r, now, res, &rtt_set);
            have_htna = true;
            htna = cum + k;
        }
        prev_end = high_end = end;
    }

    /* §6.2.1 D iii: gap-acked chunks this SACK no longer reports were
     * reneged: back in flight, with one miss indication. Rare, so the walk
     * happens only when the counts disagree. */
    uint32_t miss_limit = have_htna ? htna : cum; /* TSNs below it take a miss */
    if (fast_recovery && res->cum_advanced && high_end) miss_limit = cum + high_end;
    if (still_acked < prev_gap_acked) {
        uint32_t hi = rq->gap_high - cum; /* offset of the old highest gap-acked TSN */
        if (hi > rq->count) hi = rq->count;
        size_t b = 0;
        uint32_t bs = 0, be = 0, pe = 0;
        for (uint32_t k = 1; k <= hi; k++) {
            while (k > be && b < sack->num_gap_blocks) { /* next usable block */
                uint32_t s0, e0;
                if (usable_block(rq, sack, b, pe, &s0, &e0)) {
                    bs = s0;
                    be = pe = e0;
                }
                b++;
            }
            tern_rtx_chunk *r = rec(rq, k - 1);
            if (!(r->state & TERN_RTX_GAP_ACKED) || (k >= bs && k <= be)) continue;
            r->state &= (uint8_t)~TERN_RTX_GAP_ACKED;
            rq->gap_acked--;
            flight_add(rq, r);
            res->renege_paths |= (uint8_t)(1u << r->path);
            if (!tern_sn32_lt(cum + k, miss_limit)) count_miss(rq, r, cum + k, res);
        }
    }
    if (rq->gap_acked) rq->gap_high = cum + high_end;

    /* §7.2.4 HTNA: a miss indication for every unacknowledged TSN below the
     * highest newly acknowledged one (all reported missing in Fast Recovery
     * when the cum ack advanced). */
    if (rq->gap_acked && tern_sn32_gt(miss_limit, cum + 1)) {
        uint32_t lim = miss_limit - cum; /* offsets 1 .. lim − 1 */
        for (uint32_t k = 1; k < lim; k++) {
            tern_rtx_chunk *r = rec(rq, k - 1);
            if (!(r->state & TERN_RTX_GAP_ACKED)) count_miss(rq, r, cum + k, res);
        }
    }

    res->rtt_valid = (uint8_t)rtt_set;
    /* §6.2.1 D ii */
    rq->peer_rwnd = sack->a_rwnd > rq->outstanding ? (uint32_t)(sack->a_rwnd - rq->outstanding) : 0;
}

uint32_t tern_retransq_t3_expired(tern_retransq *rq, uint8_t path)
{
    uint32_t n = 0;
    if (path >= TERN_MAX_PATHS || rq->path_flight[path] == 0) return 0;
    for (uint32_t k = 0; k < rq->count; k++) {
        tern_rtx_chunk *r = rec(rq, k);
        if (!(r->state & TERN_RTX_IN_FLIGHT) || r->path != path) continue;
        mark(rq, r, rq->cum_ack + 1 + k);
        r->state &= (uint8_t)~TERN_RTX_FAST; /* eligible for fast retransmit again */
        n++;
    }
    return n;
}

const tern_rtx_chunk *tern_retransq_next_marked(tern_retransq *rq, uint32_t *tsn)
{
    if (rq->marked == 0) return NULL;
    for (uint32_t k = rq->marked_from - (rq->cum_ack + 1); k < rq->count; k++) {
        tern_rtx_chunk *r = rec(rq, k);
        if (r->state & TERN_RTX_MARKED) {
            rq->marked_from = rq->cum_ack + 1 + k;
            if (tsn) *tsn = rq->marked_from;
            return r;
        }
    }
    return NULL; /* unreachable while the marked count is right */
}

int tern_retransq_mark_sent(tern_retransq *rq, uint32_t tsn, uint8_t path, tern_time now)
{
    uint32_t off = tsn - (rq->cum_ack + 1);
    if (off >= rq->count || path >= TERN_MAX_PATHS) return TERN_EINVAL;
    tern_rtx_chunk *r = rec(rq, off);
    if (!(r->state & TERN_RTX_MARKED)) return TERN_EINVAL;
    r->state &= (uint8_t)~TERN_RTX_MARKED;
    rq->marked--;
    r->path = path; /* §6.4: the flight moves with it */
    r->sent_at = now;
    r->misses = 0;
    if (r->tx_count < UINT8_MAX) r->tx_count++;
    rq->last_rtx_at = now;
    rq->any_rtx = true;
    flight_add(rq, r);
    rwnd_sub(rq, r->chunk.len); /* §6.2.1 B */
    return 0;
}

bool tern_retransq_trim(tern_retransq *rq)
{
    if (rq->count) return false;
    tern_mem_free(rq->sendq->alloc, rq->ring, (size_t)rq->cap * sizeof *rq->ring);
    rq->ring = NULL;
    rq->cap = 0;
    rq->head = 0;
    return true;
}

void tern_retransq_free(tern_retransq *rq, tern_msg_report_fn *fn, void *ctx)
{
    if (!rq || !rq->sendq) return;
    for (uint32_t k = 0; k < rq->count; k++) {
        tern_rtx_chunk *r = rec(rq, k);
        tern_sendq_report(r->chunk.msg, fn, ctx);
        tern_sendq_release(rq->sendq, r->chunk.msg);
    }
    tern_mem_free(rq->sendq->alloc, rq->ring, (size_t)rq->cap * sizeof *rq->ring);
    memset(rq, 0, sizeof *rq);
}
