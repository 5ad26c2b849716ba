/* Reassembly and per-stream ordering (RFC 9260 §6.5, §6.6, §6.9); see
 * reasm.h. */
#include "core/reasm.h"

#include <string.h>

#include "core/mem.h"
#include "core/pool.h"
#include "wire/serial.h"

/* A message under reassembly, or complete and waiting for its turn. Its
 * fragments are sorted by key; once its B fragment is known, the fragments
 * from B up to contig_tail are contiguous and next_key follows them. */
struct tern_reasm_pending {
    tern_reasm_pending *next; /* in its stream's ordered or unordered list */
    tern_reasm_frag *head, *tail;
    tern_reasm_frag *contig_tail; /* last of the contiguous prefix; NULL: empty */
    size_t contig_bytes;
    uint32_t sn;
    uint32_t b_key, e_key, next_key;
    bool has_b, has_e;
    bool in_pd;       /* pieces have been handed out (partial delivery) */
    uint32_t msg_tsn; /* the message's first TSN, kept for its later pieces */
};

struct tern_reasm_stream {
    tern_reasm_pending *ordered, *ordered_tail; /* by SSN, from next_ssn up */
    tern_reasm_pending *unordered;              /* runs of unordered fragments */
    tern_reasm_pending *pd;                     /* under partial delivery; blocks the stream */
    uint16_t next_ssn;                          /* §6.5: the next ordered SSN to deliver */
    bool open;        /* a piece was handed out, the message's END piece was not */
    uint32_t open_sn; /* ... and that message's SSN/MID */
};

static size_t frag_size(uint32_t len)
{
    return sizeof(tern_reasm_frag) + len;
}

static bool is_complete(const tern_reasm_pending *p)
{
    return p->has_b && p->has_e && p->next_key == p->e_key + 1;
}

int tern_reasm_init(tern_reasm *r, const tern_allocator *alloc, const tern_reasm_config *cfg)
{
    if (cfg->num_streams == 0) return TERN_EINVAL;
    memset(r, 0, sizeof *r);
    if (alloc) r->alloc = *alloc;
    size_t sz = sizeof(tern_reasm_stream) * cfg->num_streams;
    r->streams = tern_mem_alloc(&r->alloc, sz);
    if (!r->streams) return TERN_ENOMEM;
    memset(r->streams, 0, sz);
    r->num_streams = cfg->num_streams;
    r->max_mem = cfg->max_mem;
    r->pd_point = cfg->pd_point;
    return TERN_OK;
}

/* Fragments' blocks are kept for reuse (core/pool.h) while data flows,
 * with the pool's rule for empty moments. At most max_mem of blocks are
 * kept: with 4 MiB windows, glibc gave the heap's top back and faulted it in
 * again at every read (300,000 page faults in 2 s at 1 KiB messages). mem
 * counts what was asked for; a block is at most half again as large beyond
 * the smallest class (128 bytes), so live blocks stay within about 1.5 ×
 * max_mem, and kept ones add max_mem at most. */
static void free_chain(tern_reasm *r, tern_reasm_frag *f)
{
    while (f) {
        tern_reasm_frag *next = f->next;
        r->bytes -= f->len;
        r->mem -= frag_size(f->len);
        /* up to what the window lets the peer fill */
        tern_pool_free(&r->pool, &r->alloc, f, frag_size(f->len), r->max_mem);
        f = next;
    }
    if (r->bytes == 0) tern_pool_on_empty(&r->pool, &r->alloc, r->frags_since_quiet);
}

static void free_pending(tern_reasm *r, tern_reasm_pending *p)
{
    free_chain(r, p->head);
    r->mem -= sizeof *p;
    tern_mem_free(&r->alloc, p, sizeof *p);
}

void tern_reasm_free(tern_reasm *r)
{
    if (!r->streams) return;
    for (uint32_t i = 0; i < r->num_streams; i++) {
        tern_reasm_stream *s = &r->streams[i];
        for (tern_reasm_pending *p = s->ordered, *n; p; p = n) {
            n = p->next;
            free_pending(r, p);
        }
        for (tern_reasm_pending *p = s->unordered, *n; p; p = n) {
            n = p->next;
            free_pending(r, p);
        }
    }
    for (tern_reasm_frag *m = r->ready_head, *n; m; m = n) {
        n = m->next_ready;
        free_chain(r, m);
    }
    if (r->lent) free_chain(r, r->lent);
    tern_pool_trim(&r->pool, &r->alloc);
    tern_mem_free(&r->alloc, r->streams, sizeof(tern_reasm_stream) * r->num_streams);
    memset(r, 0, sizeof *r);
}

/* Queues a chain of fragments for the user as one message or piece. */
static void push_ready(tern_reasm *r, tern_reasm_frag *first, size_t len, uint8_t flags,
                       uint32_t msg_tsn)
{
    first->msg_len = len;
    first->msg_tsn = msg_tsn;
    first->msg_flags = flags;
    first->next_ready = NULL;
    if (r->ready_tail)
        r->ready_tail->next_ready = first;
    else
        r->ready_head = first;
    r->ready_tail = first;
}

static uint8_t unordered_flag(const tern_reasm_frag *f)
{
    return (f->chunk_flags & TERN_DATA_FLAG_U) ? TERN_REASM_UNORDERED : 0;
}

/* Moves next_key over the fragments that continue the contiguous prefix.
 * Each fragment joins the prefix once, so this is O(1) amortised. */
static void extend_prefix(tern_reasm_pending *p)
{
    if (!p->has_b) return;
    tern_reasm_frag *f = p->contig_tail ? p->contig_tail->next : p->head;
    while (f && f->key == p->next_key) {
        p->contig_bytes += f->len;
        p->contig_tail = f;
        p->next_key++;
        f = f->next;
    }
}

/* Puts f into p's sorted fragment list, enforcing the message's bounds:
 * nothing before B or after E, one B and one E, no key twice (§6.9). */
static int insert_frag(tern_reasm_pending *p, tern_reasm_frag *f)
{
    uint32_t k = f->key;
    bool b = f->chunk_flags & TERN_DATA_FLAG_B, e = f->chunk_flags & TERN_DATA_FLAG_E;
    if (p->has_b && tern_sn32_lt(k, p->next_key)) /* in the prefix, or handed out */
        return tern_sn32_lt(k, p->b_key) ? TERN_EINVAL : TERN_EEXIST;
    if (p->has_e && tern_sn32_gt(k, p->e_key)) return TERN_EINVAL;
    if (b && (p->has_b || (p->head && tern_sn32_lt(p->head->key, k)))) return TERN_EINVAL;
    if (e && p->has_e) return k == p->e_key ? TERN_EEXIST : TERN_EINVAL;
    if (e && p->tail && tern_sn32_gt(p->tail->key, k)) return TERN_EINVAL;

    if (!p->tail || tern_sn32_gt(k, p->tail->key)) { /* in order: append */
        f->next = NULL;
        if (p->tail)
            p->tail->next = f;
        else
            p->head = f;
        p->tail = f;
    } else {
        /* Walk from the end of the contiguous prefix (or the head). */
        tern_reasm_frag **link = p->contig_tail ? &p->contig_tail->next : &p->head;
        while (*link && tern_sn32_lt((*link)->key, k))
            link = &(*link)->next;
        if (*link && (*link)->key == k) return TERN_EEXIST;
        f->next = *link;
        *link = f;
    }
    if (b) {
        p->has_b = true;
        p->b_key = p->next_key = k;
        p->contig_tail = NULL;
        p->contig_bytes = 0;
    }
    if (e) {
        p->has_e = true;
        p->e_key = k;
    }
    extend_prefix(p);
    return TERN_OK;
}

static tern_reasm_pending *new_pending(tern_reasm *r, uint32_t sn)
{
    if (r->mem + sizeof(tern_reasm_pending) > r->max_mem) return NULL;
    tern_reasm_pending *p = tern_mem_alloc(&r->alloc, sizeof *p);
    if (!p) return NULL;
    memset(p, 0, sizeof *p);
    p->sn = sn;
    r->mem += sizeof *p;
    return p;
}

/* Hands out p's contiguous prefix: the whole message if complete and not
 * yet partially delivered, otherwise a piece (§6.9's partial delivery).
 * Returns true if the message ended (p is then to be unlinked and freed by
 * the caller, with no fragments left). */
static bool emit(tern_reasm *r, tern_reasm_pending *p)
{
    bool complete = is_complete(p);
    tern_reasm_frag *first = p->head, *last = p->contig_tail;
    uint8_t flags = unordered_flag(first);
    if (complete) flags |= TERN_REASM_END;
    if (p->in_pd || !complete) flags |= TERN_REASM_PARTIAL;
    if (!p->in_pd) p->msg_tsn = first->tsn; /* the B fragment */
    p->head = last->next;
    if (!p->head) p->tail = NULL;
    last->next = NULL;
    push_ready(r, first, p->contig_bytes, flags, p->msg_tsn);
    p->contig_tail = NULL;
    p->contig_bytes = 0;
    p->in_pd = !complete;
    return complete;
}

static void unlink_unordered(tern_reasm_stream *s, tern_reasm_pending *p)
{
    tern_reasm_pending **link = &s->unordered;
    while (*link != p)
        link = &(*link)->next;
    *link = p->next;
}

static void pop_ordered(tern_reasm_stream *s)
{
    s->ordered = s->ordered->next;
    if (!s->ordered) s->ordered_tail = NULL;
}

/* Ends the partial delivery of p, which just emitted its last piece. */
static void finish_pd(tern_reasm *r, tern_reasm_stream *s, tern_reasm_pending *p)
{
    s->pd = NULL;
    if (s->ordered == p) {
        pop_ordered(s);
        s->next_ssn++;
    } else {
        unlink_unordered(s, p);
    }
    free_pending(r, p);
}

static bool pd_due(const tern_reasm *r, const tern_reasm_pending *p)
{
    return r->pd_point && p->contig_tail && p->contig_bytes >= r->pd_point;
}

/* Delivers whatever the stream can deliver now: pieces of the message under
 * partial delivery (which blocks the rest of the stream), ordered messages
 * from next_ssn on (§6.6), complete unordered messages; and starts a partial
 * delivery when a deliverable message's prefix passes pd_point. */
static void flush_stream(tern_reasm *r, tern_reasm_stream *s)
{
    for (;;) {
        tern_reasm_pending *p = s->pd;
        if (p) {
            if (p->contig_tail && (is_complete(p) || pd_due(r, p)) && emit(r, p)) {
                finish_pd(r, s, p);
                continue;
            }
            return;
        }
        p = s->ordered;
        if (p && p->sn == s->next_ssn) {
            if (is_complete(p)) {
                emit(r, p);
                pop_ordered(s);
                free_pending(r, p);
                s->next_ssn++;
                continue;
            }
            if (pd_due(r, p)) {
                s->pd = p;
                continue;
            }
        }
        bool again = false;
        for (tern_reasm_pending **link = &s->unordered; *link;) {
            p = *link;
            if (is_complete(p)) {
                emit(r, p);
                *link = p->next;
                free_pending(r, p);
            } else if (pd_due(r, p)) {
                s->pd = p;
                again = true;
                break;
            } else {
                link = &p->next;
            }
        }
        if (!again) return;
    }
}

/* The pending message for ordered SSN sn, created in its place if new. */
static int find_ordered(tern_reasm *r, tern_reasm_stream *s, uint16_t sn, tern_reasm_pending **out)
{
    uint16_t off = (uint16_t)(sn - s->next_ssn);
    tern_reasm_pending **link = &s->ordered;
    if (s->ordered_tail) {
        uint16_t tail_off = (uint16_t)(s->ordered_tail->sn - s->next_ssn);
        if (off == tail_off) {
            *out = s->ordered_tail;
            return TERN_OK;
        }
        if (off > tail_off) link = &s->ordered_tail->next;
    }
    while (*link && (uint16_t)((*link)->sn - s->next_ssn) < off)
        link = &(*link)->next;
    if (*link && (*link)->sn == sn) {
        *out = *link;
        return TERN_OK;
    }
    tern_reasm_pending *p = new_pending(r, sn);
    if (!p) return TERN_ENOMEM;
    p->next = *link;
    *link = p;
    if (!p->next) s->ordered_tail = p;
    *out = p;
    return TERN_OK;
}

/* The key that would extend p's run of unordered fragments. */
static uint32_t run_end(const tern_reasm_pending *p)
{
    return p->tail ? p->tail->key : p->next_key - 1;
}

/* §6.9: unordered DATA fragments of one message carry consecutive TSNs from
 * B to E, so runs are grown at either end and joined when they meet. */
static int add_unordered(tern_reasm *r, tern_reasm_stream *s, tern_reasm_frag *f)
{
    uint32_t k = f->key;
    bool b = f->chunk_flags & TERN_DATA_FLAG_B, e = f->chunk_flags & TERN_DATA_FLAG_E;
    tern_reasm_pending *before = NULL, *after = NULL;
    if (!(b && e))
        for (tern_reasm_pending *p = s->unordered; p; p = p->next) {
            if (!b && !p->has_e && run_end(p) + 1 == k) before = p;
            if (!e && !p->has_b && p->head && p->head->key == k + 1) after = p;
        }
    tern_reasm_pending *p = before ? before : after;
    if (!p) {
        p = new_pending(r, f->sn);
        if (!p) return TERN_ENOMEM;
        p->next = s->unordered;
        s->unordered = p;
    }
    int rc = insert_frag(p, f);
    if (rc) return rc;     /* cannot fail for a run end; kept for safety */
    if (before && after) { /* f joined two runs: append the second to the first */
        before->tail->next = after->head;
        before->tail = after->tail;
        before->has_e = after->has_e;
        before->e_key = after->e_key;
        after->head = after->tail = NULL;
        unlink_unordered(s, after);
        free_pending(r, after);
        extend_prefix(before);
    }
    return TERN_OK;
}

int tern_reasm_add_data(tern_reasm *r, const tern_data *c)
{
    if (c->stream >= r->num_streams) return TERN_ERANGE; /* §6.5 */
    if (c->payload.len == 0 || c->payload.len > UINT32_MAX) return TERN_EINVAL;
    tern_reasm_stream *s = &r->streams[c->stream];
    bool unordered = c->flags & TERN_DATA_FLAG_U;
    bool whole =
        (c->flags & (TERN_DATA_FLAG_B | TERN_DATA_FLAG_E)) == (TERN_DATA_FLAG_B | TERN_DATA_FLAG_E);
    if (!unordered && tern_sn16_lt(c->ssn, s->next_ssn)) return TERN_EINVAL; /* delivered */

    uint32_t len = (uint32_t)c->payload.len;
    if (r->mem + frag_size(len) > r->max_mem) return TERN_ENOMEM;
    tern_reasm_frag *f = tern_pool_alloc(r->pool, &r->alloc, frag_size(len));
    if (!f) return TERN_ENOMEM;
    if (r->frags_since_quiet < UINT32_MAX) r->frags_since_quiet++;
    memset(f, 0, sizeof *f);
    memcpy(f->data, c->payload.ptr, len); /* the one copy */
    f->len = len;
    f->key = f->tsn = c->tsn;
    f->ppid = c->ppid;
    f->sn = c->ssn;
    f->stream = c->stream;
    f->chunk_flags = c->flags;
    r->mem += frag_size(len);
    r->bytes += len;

    /* Fast path: a whole message the stream can deliver at once. */
    if (whole && !s->pd && (unordered || (s->ordered == NULL && c->ssn == s->next_ssn))) {
        push_ready(r, f, len, TERN_REASM_END | unordered_flag(f), f->tsn);
        if (!unordered) s->next_ssn++;
        return TERN_OK;
    }

    int rc;
    if (unordered) {
        rc = add_unordered(r, s, f);
    } else {
        tern_reasm_pending *p;
        rc = find_ordered(r, s, c->ssn, &p);
        if (rc == TERN_OK) {
            rc = insert_frag(p, f);
            if (rc && !p->head && !p->in_pd) { /* drop the empty message just made */
                tern_reasm_pending **link = &s->ordered, *prev = NULL;
                while (*link != p) {
                    prev = *link;
                    link = &(*link)->next;
                }
                *link = p->next;
                if (s->ordered_tail == p) s->ordered_tail = prev;
                free_pending(r, p);
            }
        }
    }
    if (rc) {
        f->next = NULL;
        free_chain(r, f);
        return rc;
    }
    flush_stream(r, s);
    return TERN_OK;
}

int tern_reasm_next(tern_reasm *r, tern_reasm_msg *out)
{
    if (r->lent) return TERN_ESTATE;
    tern_reasm_frag *m = r->ready_head;
    if (!m) return 0;
    r->ready_head = m->next_ready;
    if (!r->ready_head) r->ready_tail = NULL;
    m->next_ready = NULL;
    r->lent = m;
    if (m->msg_flags & TERN_REASM_PARTIAL) { /* pieces of one stream leave in order */
        tern_reasm_stream *s = &r->streams[m->stream];
        s->open = !(m->msg_flags & TERN_REASM_END);
        s->open_sn = m->sn;
    }
    out->frags = m;
    out->len = m->msg_len;
    out->ppid = m->ppid;
    out->sn = m->sn;
    out->first_tsn = m->msg_tsn;
    out->stream = m->stream;
    out->flags = m->msg_flags;
    return 1;
}

void tern_reasm_each_open(const tern_reasm *r, tern_reasm_open_fn *fn, void *ctx)
{
    for (uint32_t i = 0; r->streams && i < r->num_streams; i++)
        if (r->streams[i].open) fn(ctx, (uint16_t)i, r->streams[i].open_sn);
}

void tern_reasm_release(tern_reasm *r)
{
    free_chain(r, r->lent);
    r->lent = NULL;
}

size_t tern_reasm_msg_copy(const tern_reasm_msg *m, size_t offset, void *buf, size_t cap)
{
    uint8_t *out = buf;
    size_t n = 0;
    for (const tern_reasm_frag *f = m->frags; f && n < cap; f = f->next) {
        if (offset >= f->len) {
            offset -= f->len;
            continue;
        }
        size_t take = f->len - offset;
        if (take > cap - n) take = cap - n;
        memcpy(out + n, f->data + offset, take);
        n += take;
        offset = 0;
    }
    return n;
}

void tern_reasm_trim(tern_reasm *r)
{
    tern_pool_trim(&r->pool, &r->alloc);
    r->frags_since_quiet = 0;
}
