/* Reassembly (RFC 9260 §6.9) and per-stream ordering (§6.5, §6.6) of
 * received DATA chunks, with partial delivery of large messages.
 *
 * Each chunk's payload is copied once, into a fragment; a message is handed
 * out as the chain of its fragments, and freed when the caller releases it.
 * Ordered messages of a stream leave strictly in SSN order (16-bit serial);
 * a missing SSN blocks only its own stream; unordered messages leave as
 * soon as they are complete. Fragments of a message are kept sorted by key
 * (the TSN for DATA; the FSN for I-DATA, RFC 8260 §2.1), so in-order
 * arrival appends at the tail in O(1) and reordered arrival walks a short
 * list. Messages of a stream are grouped by SSN (ordered) or by runs of
 * consecutive TSNs between B and E (unordered DATA, §6.9); I-DATA would
 * group both by MID, through the same message object.
 *
 * Partial delivery (like SCTP_PARTIAL_DELIVERY_EVENT's data side): when the
 * next deliverable message of a stream (its next SSN, or an unordered one)
 * holds pd_point contiguous bytes from B, that prefix is handed out as a
 * TERN_REASM_PARTIAL piece, then further pieces of at least pd_point bytes,
 * the last also TERN_REASM_END. Meanwhile later messages of that stream
 * wait; other streams go on.
 *
 * Memory is capped: fragment payload plus a fixed per-fragment and
 * per-message overhead may not pass max_mem. tern_reasm_free() releases
 * everything, including a message handed out and not yet released.
 *
 * Not yet: an I-DATA entry point (RFC 8260: key = FSN, 32-bit MID order,
 * unordered grouped by MID) and dropping up to a TSN / SSN for FORWARD-TSN
 * (RFC 3758 §3.6). */
#ifndef TERN_CORE_REASM_H
#define TERN_CORE_REASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tern/core.h>

#include "core/pool.h"

#include "wire/chunk.h" /* tern_data */

/* One stored fragment: a chunk's payload and the chunk's fields. The
 * caller reads next, len and data; the rest is the reassembler's. The first
 * fragment of a ready message or piece also heads the ready queue entry. */
typedef struct tern_reasm_frag {
    struct tern_reasm_frag *next;       /* next fragment of the same message or piece */
    struct tern_reasm_frag *next_ready; /* ready queue link (first fragment only) */
    size_t msg_len;                     /* message or piece length (first fragment only) */
    uint32_t msg_tsn;                   /* the whole message's first TSN (first fragment only) */
    uint32_t len;
    uint32_t key; /* TSN (DATA) or FSN (I-DATA) */
    uint32_t tsn, ppid, sn;
    uint16_t stream;
    uint8_t chunk_flags; /* TERN_DATA_FLAG_* as received */
    uint8_t msg_flags;   /* TERN_REASM_* (first fragment only) */
    uint8_t data[];
} tern_reasm_frag;

/* Message flags. */
#define TERN_REASM_UNORDERED 0x01u /* sent with the U bit (§6.6) */
#define TERN_REASM_PARTIAL   0x02u /* one piece of a partially delivered message */
#define TERN_REASM_END       0x04u /* the message ends here (whole message or last piece) */

/* A message (or partial piece) handed out by tern_reasm_next(). */
typedef struct tern_reasm_msg {
    const tern_reasm_frag *frags; /* the payload, in order */
    size_t len;                   /* sum of the fragments' len */
    uint32_t ppid;
    uint32_t sn;        /* SSN (DATA) or MID (I-DATA) */
    uint32_t first_tsn; /* of the message's first chunk, for every piece of it */
    uint16_t stream;
    uint8_t flags; /* TERN_REASM_* */
} tern_reasm_msg;

typedef struct tern_reasm_config {
    uint16_t num_streams; /* inbound streams negotiated (§5.1.1); at least 1 */
    size_t max_mem;       /* cap on bytes held, overhead included */
    size_t pd_point;      /* partial delivery point in bytes; 0: never deliver partially */
} tern_reasm_config;

typedef struct tern_reasm_stream tern_reasm_stream;
typedef struct tern_reasm_pending tern_reasm_pending;

typedef struct tern_reasm {
    tern_reasm_stream *streams;
    uint16_t num_streams;
    size_t max_mem, pd_point;
    size_t mem;   /* charged against max_mem */
    size_t bytes; /* payload held, handed-out message included (for a_rwnd, §6.2) */
    /* Messages and pieces ready for the user, first in first out, linked
     * through their first fragment's next_ready. */
    tern_reasm_frag *ready_head, *ready_tail;
    tern_reasm_frag *lent; /* handed out, not yet released */
    tern_allocator alloc;
    tern_pool *pool;            /* fragments' blocks kept for reuse (reasm.c) */
    uint32_t frags_since_quiet; /* blocks taken since the last quiet trim (pool.h) */
} tern_reasm;

/* Gives back the fragments' blocks kept for reuse (a quiet association). */
void tern_reasm_trim(tern_reasm *r);

/* Errors: TERN_EINVAL (num_streams 0), TERN_ENOMEM. alloc may be NULL. */
int tern_reasm_init(tern_reasm *r, const tern_allocator *alloc, const tern_reasm_config *cfg);
/* Frees every fragment and message, queued, pending or handed out. */
void tern_reasm_free(tern_reasm *r);

/* Takes one DATA chunk that tern_tsn_map_add() called NEW (§6.2). The
 * payload is copied. Returns 0 when the chunk is held (or already ready).
 * Errors (nothing is kept):
 *   TERN_ERANGE  stream >= num_streams: answer Invalid Stream Identifier (§6.5)
 *   TERN_EINVAL  empty payload, or the chunk contradicts what is held: its
 *                ordered SSN was already delivered, a second B or E for the
 *                message, a fragment outside the message's B..E
 *   TERN_EEXIST  this fragment (same key) is already held
 *   TERN_ENOMEM  max_mem would be passed, or an allocation failed */
int tern_reasm_add_data(tern_reasm *r, const tern_data *chunk);

/* Hands out the next ready message or piece: 1 and *out filled, 0 if none.
 * The fragments stay valid until tern_reasm_release(). Errors: TERN_ESTATE
 * (the previous message was not released). */
int tern_reasm_next(tern_reasm *r, tern_reasm_msg *out);
/* Frees the message last handed out (no-op if none). */
void tern_reasm_release(tern_reasm *r);

/* Calls fn for every message partially delivered and not finished: a
 * TERN_REASM_PARTIAL piece of it was handed out, its END piece was not
 * (at most one per stream). O(streams). */
typedef void tern_reasm_open_fn(void *ctx, uint16_t stream, uint32_t sn);
void tern_reasm_each_open(const tern_reasm *r, tern_reasm_open_fn *fn, void *ctx);

/* Copies up to cap bytes of m from offset into buf; returns the count. */
size_t tern_reasm_msg_copy(const tern_reasm_msg *m, size_t offset, void *buf, size_t cap);

/* Payload bytes held, ready and handed-out messages included: a_rwnd is
 * the receive buffer minus this (§6.2). */
static inline size_t tern_reasm_bytes(const tern_reasm *r)
{
    return r->bytes;
}
static inline bool tern_reasm_has_ready(const tern_reasm *r)
{
    return r->ready_head != NULL;
}

#endif
