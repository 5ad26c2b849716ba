/* The outbound message queue (RFC 9260 §6.5, §6.6, §6.9): user messages
 * copied in once, per-stream sequence numbers, fragmentation at the moment a
 * chunk is produced, and stream scheduling (round-robin or FCFS; RFC 8260
 * §3 schedulers fit the same pick_stream step).
 *
 * A produced chunk is a descriptor (message, offset, length): payload bytes
 * are copied only when the packet is built. Each descriptor holds one
 * reference on its message; whoever owns the descriptor (normally
 * core/retransq) gives it back with tern_sendq_release() once the chunk is
 * acknowledged or abandoned. A message is freed when its last reference
 * goes, and only then leaves the byte count that the cap applies to.
 *
 * Explicit end-of-record (RFC 6458 §5.3.4 SCTP_EOR): a piece sent with
 * TERN_MSG_MORE leaves its record open; the next pieces on that stream
 * continue it (same SSN, no B bit) until one without TERN_MSG_MORE. Each
 * piece is its own tern_msg (one copy, one context). With DATA chunks a
 * record's fragments need consecutive TSNs (§6.9), so once a record has
 * started on the wire the scheduler stays on its stream until the E bit,
 * and produces nothing while waiting for the next piece. (I-DATA, RFC 8260,
 * will lift that: a message's MID is already assigned per stream.) */
#ifndef TERN_CORE_SENDQ_H
#define TERN_CORE_SENDQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tern/core.h>

#include "core/pool.h"

/* tern_send_info.flags */
#define TERN_MSG_UNORDERED 0x01u /* U bit (§6.6): no SSN */
#define TERN_MSG_SACK_NOW  0x02u /* I bit on the message's last chunk (RFC 7053, §6.1) */
#define TERN_MSG_MORE      0x04u /* end-of-record clear: further pieces follow */

typedef struct tern_send_info {
    uint16_t stream;
    uint32_t ppid; /* host order; written as is */
    uint32_t flags;
    uint64_t context; /* echoed back in reports */
    /* Abandoned by tern_sendq_expire if still wholly unsent at this time;
     * 0 or TERN_TIME_NEVER: never. Ignored for record pieces (MORE / CONT). */
    tern_time expires;
} tern_send_info;

/* Internal flags of a tern_msg (besides the TERN_MSG_* above). */
#define TERN_MSGF_CONT     0x100u /* continues an open record: no B bit */
#define TERN_MSGF_REPORTED 0x200u /* teardown already reported it */

/* One queued message (or record piece); header and payload are one
 * allocation. Read-only outside sendq.c. */
typedef struct tern_msg {
    struct tern_msg *next;                  /* stream FIFO */
    struct tern_msg *fcfs_prev, *fcfs_next; /* FCFS arrival list */
    uint64_t context;
    uint32_t len;  /* payload bytes */
    uint32_t sent; /* bytes already produced as chunks */
    uint32_t refs; /* one per live chunk, plus one while queued */
    uint32_t flags;
    uint32_t ppid;
    uint32_t mid;      /* per stream and U flag; an ordered DATA's SSN is its low 16 bits */
    uint32_t fsn;      /* fragments produced so far: the next one's FSN (RFC 8260) */
    tern_time expires; /* TERN_TIME_NEVER: reliable (see tern_sendq_expire) */
    uint16_t stream;
    uint8_t data[];
} tern_msg;

static inline uint16_t tern_msg_ssn(const tern_msg *m)
{
    return (m->flags & TERN_MSG_UNORDERED) ? 0 : (uint16_t)m->mid;
}

/* A chunk's worth of a message: what DATA/I-DATA is built from. The
 * descriptor carries one reference on msg. TSNs are assigned later. */
typedef struct tern_chunk_desc {
    tern_msg *msg;
    uint32_t offset, len;
    uint32_t fsn;
    uint8_t flags; /* TERN_DATA_FLAG_B/E/U/I (wire/chunk.h) */
} tern_chunk_desc;

static inline const uint8_t *tern_chunk_payload(const tern_chunk_desc *c)
{
    return c->msg->data + c->offset;
}

enum tern_sched {
    TERN_SCHED_RR = 0, /* round-robin between streams with data, one message each */
    TERN_SCHED_FCFS,   /* messages in the order they were sent, across streams */
};

/* Per outbound stream. */
typedef struct tern_stream_out {
    tern_msg *head, *tail;
    uint32_t next_mid[2]; /* [0] ordered (SSN), [1] unordered (I-DATA MID) */
    uint32_t rr_next;     /* round-robin ring link (stream index, UINT32_MAX: none) */
    bool in_ring;
    bool record_open;      /* the last piece enqueued had TERN_MSG_MORE */
    bool record_unordered; /* ... and its U flag */
} tern_stream_out;

/* Reports a message at teardown: unsent is true when none of it was ever
 * produced as a chunk (RFC 6458 SCTP_DATA_UNSENT), false otherwise. */
typedef void tern_msg_report_fn(void *ctx, const tern_msg *m, bool unsent);

typedef struct tern_sendq {
    const tern_allocator *alloc;
    tern_stream_out *streams;
    uint16_t num_streams;
    enum tern_sched sched;
    size_t max_bytes;
    size_t low_threshold;
    size_t bytes;        /* every live message: queued or not yet acknowledged */
    size_t unsent_bytes; /* not yet produced as chunks */
    size_t messages;     /* live messages */
    bool low_event;      /* bytes fell to or below low_threshold; see take_low */
    uint32_t rr_head, rr_tail;
    tern_msg *fcfs_head, *fcfs_tail;
    uint32_t locked;    /* stream in mid-record on the wire (§6.9), UINT32_MAX: none */
    tern_time ttl_next; /* no unsent message expires before this (a lower bound) */
    /* Freed message blocks kept for reuse (core/pool.h), so a steady flow
     * allocates nothing: at most 4 × max_bytes of them (what a full queue of
     * small messages takes, sendq.c), given back once all is acknowledged
     * after a light flow, or by tern_sendq_trim. */
    tern_pool *pool;
    uint32_t since_quiet; /* messages since the last quiet trim (pool.h) */
} tern_sendq;

/* num_streams ≥ 1 outbound streams; max_bytes caps tern_sendq.bytes.
 * alloc is kept (NULL: malloc). Errors: TERN_EINVAL, TERN_ENOMEM. */
int tern_sendq_init(tern_sendq *q, const tern_allocator *alloc, uint16_t num_streams,
                    size_t max_bytes, enum tern_sched sched);

/* Copies len bytes in as one message. Assigns the SSN now (§6.5). Errors,
 * with nothing changed: TERN_EINVAL (stream out of range, len 0, len above
 * max_bytes or 2^32 − 1, a record continued with a different U flag),
 * TERN_ENOMEM (the cap would be exceeded — retry after acknowledgements —
 * or the allocation failed). */
int tern_sendq_enqueue(tern_sendq *q, const tern_send_info *info, const void *data, size_t len);

/* The next new chunk, of at most max_payload bytes of user data (§6.9), as
 * the scheduler picks it, without taking it: 0 and *out filled (out->msg
 * holds no reference yet), or TERN_ENOENT when nothing is ready. Errors:
 * TERN_EINVAL (max_payload 0). */
int tern_sendq_peek(const tern_sendq *q, size_t max_payload, tern_chunk_desc *out);

/* Takes the chunk peek would return: *out then holds a reference on its
 * message, given back with tern_sendq_release(). Same returns as peek. */
int tern_sendq_produce(tern_sendq *q, size_t max_payload, tern_chunk_desc *out);
/* Takes the chunk *out that tern_sendq_peek just gave, the queue unchanged
 * since (what produce does after its peek: a caller that peeked to decide
 * spares the second one). */
void tern_sendq_take(tern_sendq *q, tern_chunk_desc *out);

/* Drops one reference on m (a chunk acknowledged or abandoned); the last
 * one frees it and may raise the low-threshold event. */
void tern_sendq_release(tern_sendq *q, tern_msg *m);

/* Reports m through fn unless already reported (teardown: each message is
 * reported once, whichever of sendq and retransq lets go of it first). */
void tern_sendq_report(tern_msg *m, tern_msg_report_fn *fn, void *ctx);

/* Abandons every message still wholly unsent whose expiry is at or before
 * now: reported through fn (may be NULL) as unsent, then freed. Later
 * messages of its stream take its SSN/MID and those after (they are unsent
 * too: a stream's messages go out in order), so the peer sees no gap
 * (§6.5; without PR-SCTP a sequence number cannot be skipped). Recomputes
 * ttl_next exactly. Returns how many were abandoned. */
size_t tern_sendq_expire(tern_sendq *q, tern_time now, tern_msg_report_fn *fn, void *ctx);

/* Abandons, as tern_sendq_expire does, every wholly unsent message on the
 * streams from num_streams on (fewer streams than the queue was made for:
 * what the peer allowed, §5.1.1). Returns how many. A message already part
 * sent stays. */
size_t tern_sendq_cut_streams(tern_sendq *q, uint16_t num_streams, tern_msg_report_fn *fn,
                              void *ctx);

/* "Buffered amount low": the event fires when tern_sendq.bytes falls from
 * above threshold to at or below it. */
void tern_sendq_set_low_threshold(tern_sendq *q, size_t threshold);
/* True once per crossing; clears the event. */
bool tern_sendq_take_low(tern_sendq *q);

static inline size_t tern_sendq_bytes(const tern_sendq *q)
{
    return q->bytes;
}
static inline size_t tern_sendq_unsent_bytes(const tern_sendq *q)
{
    return q->unsent_bytes;
}
/* No unsent bytes (chunks may still await acknowledgement). */
static inline bool tern_sendq_empty(const tern_sendq *q)
{
    return q->unsent_bytes == 0;
}

/* Gives back the message blocks kept for reuse (a quiet association). */
void tern_sendq_trim(tern_sendq *q);

/* Teardown: reports (fn may be NULL) and drops every message that still has
 * unsent bytes, leaving the queue empty but usable; messages still
 * referenced by chunks live until those are released (tern_retransq_free).
 * Then frees the stream table. Call tern_retransq_free too; either order. */
void tern_sendq_free(tern_sendq *q, tern_msg_report_fn *fn, void *ctx);

#endif
