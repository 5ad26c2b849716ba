/* Outstanding DATA: chunks from TSN assignment until the peer acknowledges
 * them (RFC 9260 §6.1–§6.4, §7.2.4).
 *
 * The records are a ring ordered by TSN (the TSN is implicit: the ring's
 * first record is cum_ack + 1), allocated at the first push, small, and
 * grown by doubling, so pushing a chunk allocates nothing in the steady
 * state; tern_retransq_trim() gives it back when the association is quiet. Each record holds its
 * chunk descriptor and with it one reference on the message, released to the sendq when the
 * cumulative ack passes it.
 *
 * Two byte counts, kept exact at every step:
 *  - flight (per path and total), in DATA chunk sizes: payload plus the
 *    chunk header (16 for DATA, 20 for I-DATA; padding excluded). cwnd and
 *    PMDCS are defined with the header (§1.3 "PMDCS"; "Outstanding Data" is
 *    the total size of the DATA chunks), so rule B compares like with like.
 *  - outstanding payload, for the peer's rwnd: a_rwnd is the receiver's
 *    buffer space for user data, and §6.2.1 subtracts "the data size".
 * A chunk is in flight from its (re)transmission until it is acknowledged
 * (cumulatively or by a gap block) or marked for retransmission (§6.3.3 E3,
 * §7.2.4): a chunk classified as lost is not outstanding (§1.3). */
#ifndef TERN_CORE_RETRANSQ_H
#define TERN_CORE_RETRANSQ_H

#include <stdbool.h>
#include <stdint.h>

#include <tern/core.h>

#include "core/sendq.h"
#include "wire/chunk.h"

/* tern_rtx_chunk.state */
#define TERN_RTX_IN_FLIGHT 0x01u /* sent, not acknowledged, not marked */
#define TERN_RTX_GAP_ACKED 0x02u /* acknowledged by a gap block (may be reneged) */
#define TERN_RTX_MARKED    0x04u /* waiting for retransmission */
#define TERN_RTX_FAST      0x08u /* marked by fast retransmit: not again (§7.2.4 5) */

typedef struct tern_rtx_chunk {
    tern_chunk_desc chunk;
    tern_time sent_at; /* last (re)transmission */
    uint8_t path;      /* destination of the last (re)transmission */
    uint8_t state;     /* TERN_RTX_* */
    uint8_t tx_count;  /* transmissions, saturating at 255 */
    uint8_t misses;    /* miss indications (§7.2.4) since the last transmission */
} tern_rtx_chunk;

typedef struct tern_retransq {
    tern_sendq *sendq; /* owner of the messages; its allocator is used */
    tern_rtx_chunk *ring;
    uint32_t cap;      /* power of two, or 0 */
    uint32_t head;     /* ring index of the record for TSN cum_ack + 1 */
    uint32_t count;    /* records: TSNs cum_ack + 1 .. next_tsn − 1 */
    uint32_t cum_ack;  /* Cumulative TSN Ack Point */
    uint32_t next_tsn; /* the TSN the next new chunk gets */
    uint32_t chunk_overhead;
    uint32_t peer_rwnd;
    size_t flight;                      /* total, flight units */
    size_t path_flight[TERN_MAX_PATHS]; /* per destination, flight units */
    size_t outstanding;                 /* payload bytes in flight */
    uint32_t gap_acked;                 /* records with TERN_RTX_GAP_ACKED */
    uint32_t gap_high;                  /* highest gap-acked TSN, when gap_acked > 0 */
    uint32_t marked;                    /* records with TERN_RTX_MARKED */
    uint32_t marked_from;               /* no marked record has a lower TSN */
    tern_time last_rtx_at;              /* the latest retransmission (§6.3.1 C5) */
    bool any_rtx;
} tern_retransq;

/* What one SACK did (tern_retransq_sack). Paths are indexes < TERN_MAX_PATHS. */
typedef struct tern_sack_result {
    bool ignored;        /* §6.2.1 D i: cum ack behind ours; nothing changed */
    bool invalid;        /* cum ack at or beyond a TSN never sent; nothing
                            changed (the core may ABORT, protocol violation) */
    bool cum_advanced;   /* the Cumulative TSN Ack Point moved */
    uint32_t bad_blocks; /* gap blocks skipped: empty, not ascending, or past next_tsn − 1 */
    size_t acked[TERN_MAX_PATHS]; /* newly acknowledged, flight units, by last path */
    size_t acked_total;
    uint8_t heard_paths;           /* bit p: a chunk last sent to p, not declared lost since,
                                      newly acknowledged: p carried it (§8.2) */
    uint8_t rtt_valid;             /* bit p: rtt[p] holds a sample (§6.3.1 C5) */
    tern_time rtt[TERN_MAX_PATHS]; /* from the newest newly acked chunk sent once */
    uint8_t fast_rtx_paths;        /* bit p: chunks last sent to p newly marked (§7.2.4) */
    uint32_t fast_rtx;             /* how many chunks newly marked for fast retransmit */
    uint8_t renege_paths;          /* bit p: a chunk last sent to p was reneged (§6.2.1 D iii:
                                      start p's T3-rtx if it is not running) */
} tern_sack_result;

/* initial_tsn: our Initial TSN (§5.1); peer_rwnd from INIT/INIT ACK
 * (§6.2.1 A); chunk_overhead 16 for DATA, 20 for I-DATA. Allocates
 * nothing. Errors: TERN_EINVAL. */
int tern_retransq_init(tern_retransq *rq, tern_sendq *sendq, uint32_t initial_tsn,
                       uint32_t peer_rwnd, uint32_t chunk_overhead);

/* Makes room for n more records, so that n pushes cannot fail: call it
 * before producing chunks from the sendq. Errors: TERN_ENOMEM, TERN_EINVAL
 * (the TSN window would pass 2^31 − 1, §6.1). */
int tern_retransq_reserve(tern_retransq *rq, uint32_t n);

/* Assigns the next TSN to chunk (the record takes over its message
 * reference), sent to path at now: it joins the flight and rwnd shrinks by
 * its payload (§6.2.1 B). Returns the TSN through *tsn. Errors (nothing
 * changed): TERN_EINVAL (path out of range, empty chunk), TERN_ENOMEM. */
int tern_retransq_push(tern_retransq *rq, const tern_chunk_desc *chunk, uint8_t path, tern_time now,
                       uint32_t *tsn);

/* Processes a SACK (§6.2.1, §6.7, §7.2.4) received at now. fast_recovery:
 * the sender is in Fast Recovery, so when the cum ack advances every TSN
 * reported missing gets a miss indication, not only those below the HTNA.
 * Bad input never fails: it is reported in *res. */
void tern_retransq_sack(tern_retransq *rq, const tern_sack *sack, bool fast_recovery, tern_time now,
                        tern_sack_result *res);

/* §6.3.3 E3: marks every chunk in flight to path for retransmission (they
 * leave the flight, rwnd grows by their payload, §6.2.1 C). Returns how
 * many were marked. */
uint32_t tern_retransq_t3_expired(tern_retransq *rq, uint8_t path);

/* The lowest-TSN chunk marked for retransmission (§6.1 C: before new data),
 * or NULL; *tsn gets its TSN. Its path is where it last went; its state
 * says whether fast retransmit marked it (§6.4: T3 retransmissions SHOULD
 * go to another active path, fast ones to the same). */
const tern_rtx_chunk *tern_retransq_next_marked(tern_retransq *rq, uint32_t *tsn);

/* The marked chunk tsn was retransmitted to path at now. Karn's rule
 * (§6.3.1 C5) keeps it out of RTT samples from now on. Errors (nothing
 * changed): TERN_EINVAL (no such marked chunk, path out of range). */
int tern_retransq_mark_sent(tern_retransq *rq, uint32_t tsn, uint8_t path, tern_time now);

/* Frees the ring when nothing is outstanding (true); the next push
 * allocates a small one again. For an association gone quiet. */
bool tern_retransq_trim(tern_retransq *rq);

/* Teardown: reports (fn may be NULL) each message with unacknowledged
 * chunks once (tern_sendq_report), releases every record and frees the
 * ring. The queue is then empty and unusable until init. */
void tern_retransq_free(tern_retransq *rq, tern_msg_report_fn *fn, void *ctx);

/* Everything sent is acknowledged (with an empty sendq: sender dry). */
static inline bool tern_retransq_empty(const tern_retransq *rq)
{
    return rq->count == 0;
}
static inline size_t tern_retransq_flight(const tern_retransq *rq)
{
    return rq->flight;
}
static inline size_t tern_retransq_path_flight(const tern_retransq *rq, uint8_t path)
{
    return path < TERN_MAX_PATHS ? rq->path_flight[path] : 0;
}
static inline uint32_t tern_retransq_peer_rwnd(const tern_retransq *rq)
{
    return rq->peer_rwnd;
}
/* The highest TSN sent: the Fast Recovery exit point (§7.2.4 6). */
static inline uint32_t tern_retransq_highest_tsn(const tern_retransq *rq)
{
    return rq->next_tsn - 1;
}
/* The record for tsn, or NULL when it is not outstanding. */
const tern_rtx_chunk *tern_retransq_get(const tern_retransq *rq, uint32_t tsn);

#endif
