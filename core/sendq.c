/* The outbound message queue: RFC 9260 §6.5, §6.6, §6.9; see sendq.h. */
#include "core/sendq.h"

#include <string.h>

#include "core/mem.h"
#include "core/pool.h"
#include "wire/chunk.h"

#define NO_STREAM UINT32_MAX

int tern_sendq_init(tern_sendq *q, const tern_allocator *alloc, uint16_t num_streams,
                    size_t max_bytes, enum tern_sched sched)
{
    if (!q || num_streams == 0 || max_bytes == 0 ||
        (sched != TERN_SCHED_RR && sched != TERN_SCHED_FCFS))
        return TERN_EINVAL;
    size_t size = (size_t)num_streams * sizeof(tern_stream_out);
    tern_stream_out *s = tern_mem_alloc(alloc, size);
    if (!s) return TERN_ENOMEM;
    memset(s, 0, size);
    for (uint32_t i = 0; i < num_streams; i++)
        s[i].rr_next = NO_STREAM;
    memset(q, 0, sizeof *q);
    q->alloc = alloc;
    q->streams = s;
    q->num_streams = num_streams;
    q->sched = sched;
    q->max_bytes = max_bytes;
    q->rr_head = q->rr_tail = NO_STREAM;
    q->locked = NO_STREAM;
    q->ttl_next = TERN_TIME_NEVER;
    return 0;
}

static void ring_append(tern_sendq *q, uint32_t sid)
{
    tern_stream_out *s = &q->streams[sid];
    s->in_ring = true;
    s->rr_next = NO_STREAM;
    if (q->rr_tail == NO_STREAM)
        q->rr_head = sid;
    else
        q->streams[q->rr_tail].rr_next = sid;
    q->rr_tail = sid;
}

/* Removes the ring's head stream. */
static void ring_pop(tern_sendq *q)
{
    tern_stream_out *s = &q->streams[q->rr_head];
    q->rr_head = s->rr_next;
    if (q->rr_head == NO_STREAM) q->rr_tail = NO_STREAM;
    s->rr_next = NO_STREAM;
    s->in_ring = false;
}

static void fcfs_unlink(tern_sendq *q, tern_msg *m)
{
    if (m->fcfs_prev)
        m->fcfs_prev->fcfs_next = m->fcfs_next;
    else
        q->fcfs_head = m->fcfs_next;
    if (m->fcfs_next)
        m->fcfs_next->fcfs_prev = m->fcfs_prev;
    else
        q->fcfs_tail = m->fcfs_prev;
    m->fcfs_prev = m->fcfs_next = NULL;
}

int tern_sendq_enqueue(tern_sendq *q, const tern_send_info *info, const void *data, size_t len)
{
    if (!q || !info || !data || info->stream >= q->num_streams || len == 0 || len > UINT32_MAX ||
        len > q->max_bytes)
        return TERN_EINVAL;
    tern_stream_out *s = &q->streams[info->stream];
    bool unordered = info->flags & TERN_MSG_UNORDERED;
    if (s->record_open && s->record_unordered != unordered) return TERN_EINVAL;
    /* The cap may have been lowered below what is queued. */
    if (q->bytes > q->max_bytes || len > q->max_bytes - q->bytes) return TERN_ENOMEM;

    tern_msg *m = tern_pool_alloc(q->pool, q->alloc, sizeof *m + len);
    if (!m) return TERN_ENOMEM;
    if (q->since_quiet < UINT32_MAX) q->since_quiet++;
    memset(m, 0, sizeof *m);
    memcpy(m->data, data, len);
    m->context = info->context;
    m->len = (uint32_t)len;
    m->refs = 1; /* the queue's */
    m->flags = info->flags & (TERN_MSG_UNORDERED | TERN_MSG_SACK_NOW | TERN_MSG_MORE);
    m->ppid = info->ppid;
    m->stream = info->stream;
    if (s->record_open) { /* same record: same SSN/MID (§6.9) */
        m->flags |= TERN_MSGF_CONT;
        m->mid = s->next_mid[unordered] - 1;
    } else {
        m->mid = s->next_mid[unordered]++; /* §6.5: 16-bit SSN wraps with it */
    }
    s->record_open = info->flags & TERN_MSG_MORE;
    s->record_unordered = unordered;
    m->expires = TERN_TIME_NEVER;
    if (info->expires && !(m->flags & (TERN_MSG_MORE | TERN_MSGF_CONT))) {
        m->expires = info->expires;
        if (m->expires < q->ttl_next) q->ttl_next = m->expires;
    }

    if (s->tail)
        s->tail->next = m;
    else
        s->head = m;
    s->tail = m;
    if (q->sched == TERN_SCHED_FCFS) {
        m->fcfs_prev = q->fcfs_tail;
        if (q->fcfs_tail)
            q->fcfs_tail->fcfs_next = m;
        else
            q->fcfs_head = m;
        q->fcfs_tail = m;
    } else if (!s->in_ring) {
        ring_append(q, info->stream);
    }
    q->bytes += len;
    q->unsent_bytes += len;
    q->messages++;
    return 0;
}

/* The stream the next chunk comes from, or NO_STREAM. */
static uint32_t pick_stream(const tern_sendq *q)
{
    if (q->locked != NO_STREAM) /* mid-record: its fragments need consecutive TSNs (§6.9) */
        return q->streams[q->locked].head ? q->locked : NO_STREAM;
    if (q->sched == TERN_SCHED_FCFS) return q->fcfs_head ? q->fcfs_head->stream : NO_STREAM;
    return q->rr_head; /* streams in the ring always have a message unless locked */
}

static void fill(const tern_msg *m, size_t max_payload, tern_chunk_desc *out)
{
    uint32_t left = m->len - m->sent;
    uint32_t n = left < max_payload ? left : (uint32_t)max_payload;
    uint8_t flags = 0;
    if (m->sent == 0 && !(m->flags & TERN_MSGF_CONT)) flags |= TERN_DATA_FLAG_B;
    if (n == left && !(m->flags & TERN_MSG_MORE)) {
        flags |= TERN_DATA_FLAG_E;
        if (m->flags & TERN_MSG_SACK_NOW) flags |= TERN_DATA_FLAG_I; /* RFC 7053 */
    }
    if (m->flags & TERN_MSG_UNORDERED) flags |= TERN_DATA_FLAG_U;
    out->msg = (tern_msg *)m;
    out->offset = m->sent;
    out->len = n;
    out->fsn = m->fsn;
    out->flags = flags;
}

int tern_sendq_peek(const tern_sendq *q, size_t max_payload, tern_chunk_desc *out)
{
    if (!q || !out || max_payload == 0) return TERN_EINVAL;
    uint32_t sid = pick_stream(q);
    if (sid == NO_STREAM) return TERN_ENOENT;
    fill(q->streams[sid].head, max_payload, out);
    return 0;
}

int tern_sendq_produce(tern_sendq *q, size_t max_payload, tern_chunk_desc *out)
{
    int rc = tern_sendq_peek(q, max_payload, out);
    if (rc) return rc;
    tern_sendq_take(q, out);
    return 0;
}

void tern_sendq_take(tern_sendq *q, tern_chunk_desc *out)
{
    tern_msg *m = out->msg;
    tern_stream_out *s = &q->streams[m->stream];
    m->sent += out->len;
    m->fsn++;
    m->refs++; /* the descriptor's */
    q->unsent_bytes -= out->len;
    bool record_ends = out->flags & TERN_DATA_FLAG_E;
    q->locked = record_ends ? NO_STREAM : m->stream;
    if (m->sent < m->len) return;

    /* Fully produced: off the queues; the queue's reference goes. */
    s->head = m->next;
    if (!s->head) s->tail = NULL;
    m->next = NULL;
    if (q->sched == TERN_SCHED_FCFS) {
        fcfs_unlink(q, m);
    } else if (record_ends) { /* round-robin turns at record boundaries */
        ring_pop(q);          /* m's stream: the ring's head, or locked (also the head) */
        if (s->head) ring_append(q, m->stream);
    }
    m->refs--;
}

void tern_sendq_release(tern_sendq *q, tern_msg *m)
{
    if (--m->refs) return;
    size_t before = q->bytes;
    q->bytes -= m->len;
    q->messages--;
    if (before > q->low_threshold && q->bytes <= q->low_threshold) q->low_event = true;
    /* Kept up to what a full queue holds in blocks: small messages take
     * more than their payload (a 64-byte one a 192-byte block, so a full
     * queue of them three times the cap); with the payload cap as the
     * bound, most of their blocks went back to glibc at every SACK and
     * came back from it (perf: malloc and free 8% of the sender's time).
     * Nothing once the queue is torn down. */
    tern_pool_free(&q->pool, q->alloc, m, sizeof *m + m->len, q->streams ? 4 * q->max_bytes : 0);
    if (q->bytes == 0) tern_pool_on_empty(&q->pool, q->alloc, q->since_quiet);
}

void tern_sendq_report(tern_msg *m, tern_msg_report_fn *fn, void *ctx)
{
    if (m->flags & TERN_MSGF_REPORTED) return;
    m->flags |= TERN_MSGF_REPORTED;
    if (fn) fn(ctx, m, m->sent == 0);
}

/* One stream's FIFO; the messages it keeps have their sequence numbers
 * moved down over the ones abandoned before them. */
static size_t expire_stream(tern_sendq *q, tern_stream_out *s, tern_time now, bool all,
                            tern_msg_report_fn *fn, void *ctx, tern_time *next)
{
    size_t n = 0;
    uint32_t gone[2] = {0, 0}; /* abandoned so far, ordered / unordered */
    tern_msg *prev = NULL;
    for (tern_msg **link = &s->head; *link;) {
        tern_msg *m = *link;
        unsigned u = (m->flags & TERN_MSG_UNORDERED) ? 1 : 0;
        bool may_expire = m->sent == 0 && m->expires != TERN_TIME_NEVER;
        if ((may_expire && m->expires <= now) || (all && m->sent == 0)) {
            *link = m->next;
            if (s->tail == m) s->tail = prev;
            m->next = NULL;
            if (q->sched == TERN_SCHED_FCFS) fcfs_unlink(q, m);
            q->unsent_bytes -= m->len;
            gone[u]++;
            n++;
            tern_sendq_report(m, fn, ctx);
            tern_sendq_release(q, m); /* the queue's reference: the last */
            continue;
        }
        m->mid -= gone[u]; /* unsent (after an unsent one), so never on the wire */
        if (may_expire && m->expires < *next) *next = m->expires;
        prev = m;
        link = &m->next;
    }
    s->next_mid[0] -= gone[0];
    s->next_mid[1] -= gone[1];
    return n;
}

/* Expires messages; every unsent one on the streams from cut on goes too. */
static size_t sweep(tern_sendq *q, tern_time now, uint32_t cut, tern_msg_report_fn *fn, void *ctx)
{
    size_t n = 0;
    tern_time next = TERN_TIME_NEVER;
    if (!q->streams) return 0;
    if (q->sched == TERN_SCHED_FCFS) {
        /* Every stream (the core schedules round-robin; this is O(streams)). */
        for (uint32_t i = 0; i < q->num_streams; i++)
            if (q->streams[i].head)
                n += expire_stream(q, &q->streams[i], now, i >= cut, fn, ctx, &next);
        q->ttl_next = next;
        return n;
    }
    /* Round-robin: the streams with messages are the ring's. A stream left
     * empty leaves it, unless it is mid-record (locked: it waits there for
     * the record's next piece). */
    uint32_t prev = NO_STREAM;
    for (uint32_t sid = q->rr_head; sid != NO_STREAM;) {
        tern_stream_out *s = &q->streams[sid];
        uint32_t following = s->rr_next;
        n += expire_stream(q, s, now, sid >= cut, fn, ctx, &next);
        if (!s->head && sid != q->locked) {
            if (prev == NO_STREAM)
                q->rr_head = following;
            else
                q->streams[prev].rr_next = following;
            if (q->rr_tail == sid) q->rr_tail = prev;
            s->rr_next = NO_STREAM;
            s->in_ring = false;
        } else {
            prev = sid;
        }
        sid = following;
    }
    q->ttl_next = next;
    return n;
}

size_t tern_sendq_expire(tern_sendq *q, tern_time now, tern_msg_report_fn *fn, void *ctx)
{
    return sweep(q, now, UINT32_MAX, fn, ctx);
}

size_t tern_sendq_cut_streams(tern_sendq *q, uint16_t num_streams, tern_msg_report_fn *fn,
                              void *ctx)
{
    if (!q->streams || num_streams >= q->num_streams) return 0;
    return sweep(q, 0, num_streams, fn, ctx);
}

void tern_sendq_set_low_threshold(tern_sendq *q, size_t threshold)
{
    q->low_threshold = threshold;
}

bool tern_sendq_take_low(tern_sendq *q)
{
    bool e = q->low_event;
    q->low_event = false;
    return e;
}

void tern_sendq_free(tern_sendq *q, tern_msg_report_fn *fn, void *ctx)
{
    if (!q || !q->streams) return;
    for (uint32_t i = 0; i < q->num_streams; i++) {
        tern_stream_out *s = &q->streams[i];
        tern_msg *m = s->head;
        while (m) {
            tern_msg *next = m->next;
            q->unsent_bytes -= m->len - m->sent;
            tern_sendq_report(m, fn, ctx);
            m->next = m->fcfs_prev = m->fcfs_next = NULL;
            tern_sendq_release(q, m); /* the queue's reference */
            m = next;
        }
    }
    tern_pool_trim(&q->pool, q->alloc);
    tern_mem_free(q->alloc, q->streams, (size_t)q->num_streams * sizeof(tern_stream_out));
    q->streams = NULL;
    q->num_streams = 0;
    q->rr_head = q->rr_tail = NO_STREAM;
    q->fcfs_head = q->fcfs_tail = NULL;
    q->locked = NO_STREAM;
}

void tern_sendq_trim(tern_sendq *q)
{
    tern_pool_trim(&q->pool, q->alloc);
    q->since_quiet = 0;
}
