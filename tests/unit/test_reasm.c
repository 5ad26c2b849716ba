/* Reassembly and ordering (core/reasm.c, RFC 9260 §6.5, §6.6, §6.9):
 * fragments in any order, per-stream SSN order without head-of-line
 * blocking across streams, unordered delivery, serial wrap, partial
 * delivery, accounting, limits and teardown. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/reasm.h"

#define B  TERN_DATA_FLAG_B
#define E  TERN_DATA_FLAG_E
#define U  TERN_DATA_FLAG_U
#define BE (TERN_DATA_FLAG_B | TERN_DATA_FLAG_E)

/* An allocator that counts live blocks and bytes and can fail on demand. */
typedef struct counting {
    long live, bytes, allocs;
    long fail_at; /* the allocation with this index fails; −1: never */
} counting;

static void *c_alloc(void *ctx, size_t size)
{
    counting *c = ctx;
    if (c->allocs++ == c->fail_at) return NULL;
    c->live++;
    c->bytes += (long)size;
    return test_malloc(size);
}
static void c_free(void *ctx, void *ptr, size_t size)
{
    counting *c = ctx;
    c->live--;
    c->bytes -= (long)size;
    test_free(ptr);
}

typedef struct rig {
    counting count;
    tern_allocator alloc;
    tern_reasm r;
} rig;

static void rig_init(rig *g, uint16_t streams, size_t max_mem, size_t pd_point)
{
    memset(g, 0, sizeof *g);
    g->count.fail_at = -1;
    g->alloc = (tern_allocator){c_alloc, c_free, &g->count};
    tern_reasm_config cfg = {streams, max_mem, pd_point};
    assert_int_equal(tern_reasm_init(&g->r, &g->alloc, &cfg), TERN_OK);
}

static void rig_done(rig *g)
{
    tern_reasm_free(&g->r);
    assert_int_equal(g->count.live, 0);
    assert_int_equal(g->count.bytes, 0);
}

/* Payload byte i of the message tagged `tag`. */
static uint8_t pattern(uint32_t tag, size_t i)
{
    return (uint8_t)(tag * 31u + i * 7u + (i >> 8));
}

static int add(rig *g, uint32_t tsn, uint16_t stream, uint16_t ssn, uint8_t flags,
               const uint8_t *data, size_t len)
{
    tern_data d = {flags, tsn, stream, ssn, 1000u + stream, {data, len}};
    return tern_reasm_add_data(&g->r, &d);
}

/* A one-chunk message whose payload encodes its tag. */
static int add_whole(rig *g, uint32_t tsn, uint16_t stream, uint16_t ssn, uint8_t flags,
                     uint32_t tag)
{
    uint8_t p[16];
    for (size_t i = 0; i < sizeof p; i++)
        p[i] = pattern(tag, i);
    return add(g, tsn, stream, ssn, (uint8_t)(flags | BE), p, sizeof p);
}

typedef struct got {
    uint16_t stream;
    uint32_t sn, ppid, first_tsn;
    uint8_t flags;
    size_t len, nfrags;
} got;

/* Takes the next message, copies it into buf (checking the copy helper
 * against the fragment chain), releases it. Returns false if none. */
static bool take(rig *g, got *out, uint8_t *buf, size_t cap)
{
    tern_reasm_msg m;
    int rc = tern_reasm_next(&g->r, &m);
    assert_true(rc == 0 || rc == 1);
    if (rc == 0) return false;
    assert_int_equal(tern_reasm_next(&g->r, &(tern_reasm_msg){0}), TERN_ESTATE);
    size_t sum = 0, n = 0;
    for (const tern_reasm_frag *f = m.frags; f; f = f->next, n++) {
        if (buf) {
            assert_true(sum + f->len <= cap);
            memcpy(buf + sum, f->data, f->len);
        }
        sum += f->len;
    }
    assert_int_equal(sum, m.len);
    if (buf && m.len > 3) { /* the copy helper agrees, from an offset too */
        uint8_t tmp[64];
        size_t k = tern_reasm_msg_copy(&m, 3, tmp, sizeof tmp);
        assert_int_equal(k, m.len - 3 < sizeof tmp ? m.len - 3 : sizeof tmp);
        assert_memory_equal(tmp, buf + 3, k);
    }
    *out = (got){m.stream, m.sn, m.ppid, m.first_tsn, m.flags, m.len, n};
    tern_reasm_release(&g->r);
    return true;
}

/* Takes a one-chunk message and checks its identity. */
static void expect_whole(rig *g, uint16_t stream, uint32_t tag, uint8_t flags)
{
    uint8_t buf[64];
    got m;
    assert_true(take(g, &m, buf, sizeof buf));
    assert_int_equal(m.stream, stream);
    assert_int_equal(m.len, 16);
    assert_int_equal(m.flags, flags | TERN_REASM_END);
    assert_int_equal(m.ppid, 1000u + stream);
    for (size_t i = 0; i < 16; i++)
        assert_int_equal(buf[i], pattern(tag, i));
}

static void expect_none(rig *g)
{
    got m;
    assert_false(take(g, &m, NULL, 0));
}

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void shuffle(uint32_t *a, uint32_t n, uint64_t seed)
{
    uint64_t s = seed * 0x9e3779b97f4a7c15ull + 1;
    for (uint32_t i = n - 1; i > 0; i--) {
        uint32_t j = (uint32_t)(rng_next(&s) % (i + 1));
        uint32_t t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}

/* A fragmented message: `total` bytes of pattern(tag) cut in frag-sized
 * chunks with TSNs from tsn0; order[] lists the fragment indexes to send. */
typedef struct fragmsg {
    uint8_t *data;
    size_t total, frag;
    uint32_t nfrags, tsn0, tag;
} fragmsg;

static fragmsg fragmsg_make(size_t total, size_t frag, uint32_t tsn0, uint32_t tag)
{
    fragmsg f = {test_malloc(total), total, frag, (uint32_t)((total + frag - 1) / frag), tsn0, tag};
    for (size_t i = 0; i < total; i++)
        f.data[i] = pattern(tag, i);
    return f;
}

static int fragmsg_send(rig *g, const fragmsg *f, uint32_t i, uint16_t stream, uint16_t ssn,
                        uint8_t extra)
{
    size_t off = (size_t)i * f->frag;
    size_t len = f->total - off < f->frag ? f->total - off : f->frag;
    uint8_t flags = extra;
    if (i == 0) flags |= B;
    if (i == f->nfrags - 1) flags |= E;
    return add(g, f->tsn0 + i, stream, ssn, flags, f->data + off, len);
}

/* Takes one message and checks it is f, whole. */
static void expect_fragmsg(rig *g, const fragmsg *f, uint16_t stream, uint8_t flags)
{
    uint8_t *buf = test_malloc(f->total);
    got m;
    assert_true(take(g, &m, buf, f->total));
    assert_int_equal(m.stream, stream);
    assert_int_equal(m.flags, flags | TERN_REASM_END);
    assert_int_equal(m.len, f->total);
    assert_int_equal(m.nfrags, f->nfrags);
    assert_int_equal(m.first_tsn, f->tsn0);
    assert_memory_equal(buf, f->data, f->total);
    test_free(buf);
}

static void init_rejects_no_streams(void **state)
{
    (void)state;
    tern_reasm r;
    tern_reasm_config cfg = {0, 1 << 20, 0};
    assert_int_equal(tern_reasm_init(&r, NULL, &cfg), TERN_EINVAL);
    cfg.num_streams = 3;
    assert_int_equal(tern_reasm_init(&r, NULL, &cfg), TERN_OK);
    tern_reasm_free(&r);
    tern_reasm_free(&r); /* twice is harmless */
}

/* §6.6: one-chunk ordered messages leave in SSN order, each once. */
static void sec6_6_single_chunk_messages(void **state)
{
    (void)state;
    rig g;
    rig_init(&g, 4, 1 << 20, 0);
    assert_int_equal(add_whole(&g, 10, 3, 0, 0, 100), TERN_OK);
    assert_int_equal(add_whole(&g, 11, 3, 1, 0, 101), TERN_OK);
    assert_int_equal(tern_reasm_bytes(&g.r), 32);
    assert_true(tern_reasm_has_ready(&g.r));
    got m;
    uint8_t buf[64];
    assert_true(take(&g, &m, buf, sizeof buf));
    assert_int_equal(m.sn, 0);
    assert_int_equal(m.first_tsn, 10);
    assert_int_equal(m.nfrags, 1);
    assert_int_equal(tern_reasm_bytes(&g.r), 16);
    expect_whole(&g, 3, 101, 0);
    expect_none(&g);
    assert_int_equal(tern_reasm_bytes(&g.r), 0);
    assert_int_equal(g.r.mem, 0);
    /* SSN 1 again: already delivered, refused (§6.6). */
    assert_int_equal(add_whole(&g, 12, 3, 1, 0, 9), TERN_EINVAL);
    tern_reasm_release(&g.r); /* nothing lent: no-op */
    rig_done(&g);
}

/* §6.9: a fragmented message, fragments in order, reversed and shuffled
 * (seeded): nothing before the last fragment, then the message intact. */
static void sec6_9_fragments_in_any_order(void **state)
{
    (void)state;
    enum { N = 23 };
    for (int mode = 0; mode < 8; mode++) {
        rig g;
        rig_init(&g, 1, 1 << 20, 0);
        fragmsg f = fragmsg_make(N * 100 - 37, 100, 5000, (uint32_t)mode);
        uint32_t order[N];
        for (uint32_t i = 0; i < N; i++)
            order[i] = mode == 1 ? N - 1 - i : i;
        if (mode >= 2) shuffle(order, N, (uint64_t)mode);
        for (uint32_t i = 0; i < N; i++) {
            assert_false(tern_reasm_has_ready(&g.r));
            assert_int_equal(fragmsg_send(&g, &f, order[i], 0, 0, 0), TERN_OK);
        }
        assert_int_equal(tern_reasm_bytes(&g.r), f.total);
        expect_fragmsg(&g, &f, 0, 0);
        expect_none(&g);
        assert_int_equal(tern_reasm_bytes(&g.r), 0);
        test_free(f.data);
        rig_done(&g);
    }
}

/* §6.6: a missing SSN holds back its own stream only; the others keep
 * delivering, and the held messages follow in SSN order once it arrives. */
static void sec6_6_no_head_of_line_blocking_across_streams(void **state)
{
    (void)state;
    rig g;
    rig_init(&g, 3, 1 << 20, 0);
    /* Stream 1: SSN 0 (TSN 1) is late; SSN 1 is in two fragments. */
    assert_int_equal(add_whole(&g, 4, 1, 2, 0, 12), TERN_OK);
    uint8_t a[16], b[16];
    for (int i = 0; i < 16; i++)
        a[i] = b[i] = (uint8_t)i;
    assert_int_equal(add(&g, 3, 1, 1, E, b, 16), TERN_OK);
    assert_int_equal(add(&g, 2, 1, 1, B, a, 16), TERN_OK);
    assert_int_equal(add_whole(&g, 5, 2, 0, 0, 20), TERN_OK);
    assert_int_equal(add_whole(&g, 6, 2, 1, 0, 21), TERN_OK);
    expect_whole(&g, 2, 20, 0);
    expect_whole(&g, 2, 21, 0);
    expect_none(&g);
    assert_int_equal(add_whole(&g, 1, 1, 0, 0, 10), TERN_OK);
    assert_int_equal(add_whole(&g, 7, 2, 2, 0, 22), TERN_OK);
    expect_whole(&g, 1, 10, 0);
    got m;
    assert_true(take(&g, &m, NULL, 0));
    assert_int_equal(m.stream, 1);
    assert_int_equal(m.sn, 1);
    assert_int_equal(m.len, 32);
    assert_int_equal(m.nfrags, 2);
    expect_whole(&g, 1, 12, 0);
    expect_whole(&g, 2, 22, 0);
    expect_none(&g);
    rig_done(&g);
}

/* §6.6: unordered messages, one-chunk or fragmented (consecutive TSNs from
 * B to E with U set, §6.9), pass a gap in the ordered sequence. */
static void sec6_6_unordered_past_a_gap(void **state)
{
    (void)state;
    rig g;
    rig_init(&g, 1, 1 << 20, 0);
    assert_int_equal(add_whole(&g, 2, 0, 1, 0, 1), TERN_OK); /* waits for SSN 0 */
    assert_int_equal(add_whole(&g, 3, 0, 0, U, 50), TERN_OK);
    expect_whole(&g, 0, 50, TERN_REASM_UNORDERED);
    fragmsg f = fragmsg_make(1000, 300, 4, 51); /* TSNs 4..7 */
    fragmsg h = fragmsg_make(700, 300, 8, 52);  /* TSNs 8..10, right after f */
    assert_int_equal(fragmsg_send(&g, &h, 1, 0, 0, U), TERN_OK);
    assert_int_equal(fragmsg_send(&g, &f, 3, 0, 0, U), TERN_OK);
    assert_int_equal(fragmsg_send(&g, &f, 1, 0, 0, U), TERN_OK);
    assert_int_equal(fragmsg_send(&g, &h, 0, 0, 0, U), TERN_OK);
    assert_int_equal(fragmsg_send(&g, &f, 0, 0, 0, U), TERN_OK);
    assert_int_equal(fragmsg_send(&g, &h, 2, 0, 0, U), TERN_OK);
    expect_fragmsg(&g, &h, 0, TERN_REASM_UNORDERED);
    expect_none(&g);
    assert_int_equal(fragmsg_send(&g, &f, 2, 0, 0, U), TERN_OK); /* joins two runs */
    expect_fragmsg(&g, &f, 0, TERN_REASM_UNORDERED);
    expect_none(&g);
    assert_int_equal(add_whole(&g, 1, 0, 0, 0, 0), TERN_OK);
    expect_whole(&g, 0, 0, 0);
    expect_whole(&g, 0, 1, 0);
    test_free(f.data);
    test_free(h.data);
    rig_done(&g);
}

/* Ordered and unordered messages interleaved on one stream, arriving out
 * of order: exact delivery sequence. */
static void sec6_6_mixed_ordered_and_unordered_on_one_stream(void **state)
{
    (void)state;
    rig g;
    rig_init(&g, 2, 1 << 20, 0);
    fragmsg o = fragmsg_make(300, 100, 1, 60); /* ordered SSN 0, TSNs 1..3 */
    fragmsg u = fragmsg_make(200, 100, 4, 61); /* unordered, TSNs 4..5 */
    assert_int_equal(fragmsg_send(&g, &u, 0, 1, 0, U), TERN_OK);
    assert_int_equal(add_whole(&g, 7, 1, 0, U, 62), TERN_OK);
    expect_whole(&g, 1, 62, TERN_REASM_UNORDERED);
    assert_int_equal(add_whole(&g, 6, 1, 1, 0, 63), TERN_OK); /* ordered SSN 1 */
    assert_int_equal(fragmsg_send(&g, &o, 1, 1, 0, 0), TERN_OK);
    /* TSN 3 is ordered: it must not end the unordered run 4..5 early. */
    assert_int_equal(fragmsg_send(&g, &o, 2, 1, 0, 0), TERN_OK);
    expect_none(&g);
    assert_int_equal(fragmsg_send(&g, &u, 1, 1, 0, U), TERN_OK);
    expect_fragmsg(&g, &u, 1, TERN_REASM_UNORDERED);
    expect_none(&g);
    assert_int_equal(fragmsg_send(&g, &o, 0, 1, 0, 0), TERN_OK);
    expect_fragmsg(&g, &o, 1, 0);
    expect_whole(&g, 1, 63, 0);
    expect_none(&g);
    test_free(o.data);
    test_free(u.data);
    rig_done(&g);
}

/* RFC 1982 on both counters: SSNs run 65534, 65535, 0, 1 and the TSNs of a
 * fragmented message cross 2^32. */
static void ssn_and_tsn_wrap(void **state)
{
    (void)state;
    rig g;
    rig_init(&g, 2, 1 << 20, 0);
    uint32_t tsn = 0xffff0000u;
    got m;
    for (uint32_t ssn = 0; ssn < 65534; ssn++) {
        assert_int_equal(add_whole(&g, tsn++, 1, (uint16_t)ssn, 0, ssn), TERN_OK);
        assert_true(take(&g, &m, NULL, 0));
        assert_int_equal(m.sn, ssn);
    }
    assert_int_equal(tsn, 0xfffffffeu);
    /* SSN 65534: fragments at TSNs 0xfffffffe .. 1, across the wrap. */
    fragmsg f = fragmsg_make(400, 100, tsn, 70);
    tsn += 4;
    assert_int_equal(add_whole(&g, tsn + 1, 1, 0, 0, 72), TERN_OK);        /* SSN 0 */
    assert_int_equal(add_whole(&g, tsn, 1, 65535, 0, 71), TERN_OK);        /* SSN 65535 */
    assert_int_equal(add_whole(&g, tsn + 2, 1, 1, 0, 73), TERN_OK);        /* SSN 1 */
    assert_int_equal(add_whole(&g, tsn + 3, 1, 65533, 0, 9), TERN_EINVAL); /* delivered */
    assert_int_equal(fragmsg_send(&g, &f, 3, 1, 65534, 0), TERN_OK);
    assert_int_equal(fragmsg_send(&g, &f, 1, 1, 65534, 0), TERN_OK);
    assert_int_equal(fragmsg_send(&g, &f, 0, 1, 65534, 0), TERN_OK);
    expect_none(&g);
    assert_int_equal(fragmsg_send(&g, &f, 2, 1, 65534, 0), TERN_OK); /* TSN 0 */
    expect_fragmsg(&g, &f, 1, 0);
    expect_whole(&g, 1, 71, 0);
    expect_whole(&g, 1, 72, 0);
    expect_whole(&g, 1, 73, 0);
    expect_none(&g);
    assert_int_equal(add_whole(&g, tsn + 3, 1, 2, 0, 74), TERN_OK);
    expect_whole(&g, 1, 74, 0);
    test_free(f.data);
    rig_done(&g);
}

/* A 1 MiB message in 1452-byte fragments, in order then shuffled, comes out
 * intact: 723 fragments, one chain, no second copy. */
static void sec6_9_one_mib_message(void **state)
{
    (void)state;
    enum { TOTAL = 1 << 20, FRAG = 1452 };
    for (int shuffled = 0; shuffled < 2; shuffled++) {
        rig g;
        rig_init(&g, 1, 2u << 20, 0);
        fragmsg f = fragmsg_make(TOTAL, FRAG, 0xfffffe00u, 80);
        assert_int_equal(f.nfrags, 723);
        uint32_t *order = test_malloc(sizeof *order * f.nfrags);
        for (uint32_t i = 0; i < f.nfrags; i++)
            order[i] = i;
        if (shuffled) shuffle(order, f.nfrags, 42);
        for (uint32_t i = 0; i < f.nfrags; i++)
            assert_int_equal(fragmsg_send(&g, &f, order[i], 0, 0, 0), TERN_OK);
        expect_fragmsg(&g, &f, 0, 0);
        assert_int_equal(tern_reasm_bytes(&g.r), 0);
        test_free(order);
        test_free(f.data);
        rig_done(&g);
    }
}

/* Partial delivery: once the next message of a stream has pd_point
 * contiguous bytes, its prefix goes out as a piece, then further pieces,
 * the last flagged END; later messages of that stream wait, other streams
 * do not. */
static void sec6_9_partial_delivery(void **state)
{
    (void)state;
    rig g;
    rig_init(&g, 2, 1 << 20, 4000);
    fragmsg f = fragmsg_make(14000, 1000, 100, 90); /* TSNs 100..113, SSN 0 */
    uint8_t *out = test_malloc(f.total);
    size_t have = 0;
    got m;
    for (uint32_t i = 0; i < 3; i++)
        assert_int_equal(fragmsg_send(&g, &f, i, 0, 0, 0), TERN_OK);
    assert_int_equal(fragmsg_send(&g, &f, 4, 0, 0, 0), TERN_OK); /* not contiguous */
    expect_none(&g);
    assert_int_equal(fragmsg_send(&g, &f, 3, 0, 0, 0), TERN_OK); /* 5000 contiguous */
    assert_true(take(&g, &m, out, f.total));
    assert_int_equal(m.flags, TERN_REASM_PARTIAL);
    assert_int_equal(m.len, 5000);
    assert_int_equal(m.sn, 0);
    assert_int_equal(m.first_tsn, 100);
    have = m.len;
    expect_none(&g);
    /* Meanwhile: stream 0's SSN 1 and an unordered message wait; stream 1
     * delivers. */
    assert_int_equal(add_whole(&g, 114, 0, 1, 0, 91), TERN_OK);
    assert_int_equal(add_whole(&g, 115, 0, 0, U, 92), TERN_OK);
    assert_int_equal(add_whole(&g, 116, 1, 0, 0, 93), TERN_OK);
    expect_whole(&g, 1, 93, 0);
    expect_none(&g);
    for (uint32_t i = 5; i < 8; i++)
        assert_int_equal(fragmsg_send(&g, &f, i, 0, 0, 0), TERN_OK);
    assert_int_equal(fragmsg_send(&g, &f, 9, 0, 0, 0), TERN_OK);
    expect_none(&g); /* 3000 contiguous: below the point */
    assert_int_equal(fragmsg_send(&g, &f, 8, 0, 0, 0), TERN_OK);
    assert_true(take(&g, &m, out + have, f.total - have));
    assert_int_equal(m.flags, TERN_REASM_PARTIAL);
    assert_int_equal(m.len, 5000);
    assert_int_equal(m.first_tsn, 100); /* every piece names the message's first TSN */
    have += m.len;
    expect_none(&g);
    assert_int_equal(tern_reasm_add_data(&g.r, &(tern_data){B, 100, 0, 0, 0, {f.data, 1}}),
                     TERN_EEXIST); /* already handed out */
    assert_int_equal(fragmsg_send(&g, &f, 13, 0, 0, 0), TERN_OK);
    assert_int_equal(fragmsg_send(&g, &f, 10, 0, 0, 0), TERN_OK);
    assert_int_equal(fragmsg_send(&g, &f, 11, 0, 0, 0), TERN_OK);
    expect_none(&g);
    assert_int_equal(add_whole(&g, 117, 0, 2, 0, 94), TERN_OK); /* waits too */
    assert_int_equal(fragmsg_send(&g, &f, 12, 0, 0, 0), TERN_OK);
    assert_true(take(&g, &m, out + have, f.total - have));
    assert_int_equal(m.flags, TERN_REASM_PARTIAL | TERN_REASM_END);
    assert_int_equal(m.len, 4000);
    have += m.len;
    assert_int_equal(have, f.total);
    assert_memory_equal(out, f.data, f.total);
    /* The stream is free again: the waiting messages follow, the ordered
     * ones in SSN order. */
    uint32_t next_sn = 1, unordered = 0;
    for (int i = 0; i < 3; i++) {
        uint8_t buf[64];
        assert_true(take(&g, &m, buf, sizeof buf));
        assert_int_equal(m.stream, 0);
        assert_int_equal(m.flags & ~TERN_REASM_UNORDERED, TERN_REASM_END);
        if (m.flags & TERN_REASM_UNORDERED)
            unordered++;
        else
            assert_int_equal(m.sn, next_sn++);
    }
    assert_int_equal(unordered, 1);
    assert_int_equal(next_sn, 3);
    expect_none(&g);
    assert_int_equal(tern_reasm_bytes(&g.r), 0);
    test_free(out);
    test_free(f.data);
    rig_done(&g);
}

/* Partial delivery of an unordered message, and a message that is not the
 * next of its stream never starts one. */
static void sec6_9_partial_delivery_unordered_and_not_next(void **state)
{
    (void)state;
    rig g;
    rig_init(&g, 1, 1 << 20, 1500);
    fragmsg o = fragmsg_make(3000, 1000, 10, 95); /* ordered SSN 1: not next */
    for (uint32_t i = 0; i < 2; i++)
        assert_int_equal(fragmsg_send(&g, &o, i, 0, 1, 0), TERN_OK);
    expect_none(&g);
    fragmsg u = fragmsg_make(3000, 1000, 20, 96);
    assert_int_equal(fragmsg_send(&g, &u, 0, 0, 0, U), TERN_OK);
    expect_none(&g);
    assert_int_equal(fragmsg_send(&g, &u, 1, 0, 0, U), TERN_OK);
    got m;
    uint8_t buf[3000];
    assert_true(take(&g, &m, buf, sizeof buf));
    assert_int_equal(m.flags, TERN_REASM_PARTIAL | TERN_REASM_UNORDERED);
    assert_int_equal(m.len, 2000);
    assert_memory_equal(buf, u.data, 2000);
    assert_int_equal(fragmsg_send(&g, &u, 2, 0, 0, U), TERN_OK);
    assert_true(take(&g, &m, buf, sizeof buf));
    assert_int_equal(m.flags, TERN_REASM_PARTIAL | TERN_REASM_UNORDERED | TERN_REASM_END);
    assert_int_equal(m.len, 1000);
    assert_memory_equal(buf, u.data + 2000, 1000);
    expect_none(&g);
    tern_reasm_free(&g.r); /* SSN 1 still pending: teardown frees it */
    assert_int_equal(g.count.live, 0);
    test_free(o.data);
    test_free(u.data);
}

/* §6.5: a stream at or past the negotiated count is refused; nothing kept. */
static void sec6_5_invalid_stream_refused(void **state)
{
    (void)state;
    rig g;
    rig_init(&g, 2, 1 << 20, 0);
    long before = g.count.live;
    assert_int_equal(add_whole(&g, 1, 2, 0, 0, 1), TERN_ERANGE);
    assert_int_equal(add_whole(&g, 1, 65535, 0, U, 1), TERN_ERANGE);
    assert_int_equal(g.count.live, before);
    assert_int_equal(tern_reasm_bytes(&g.r), 0);
    assert_int_equal(add_whole(&g, 1, 1, 0, 0, 1), TERN_OK);
    expect_whole(&g, 1, 1, 0);
    rig_done(&g);
}

/* Chunks that contradict what is held are refused and change nothing. */
static void sec6_9_contradictions_refused(void **state)
{
    (void)state;
    rig g;
    rig_init(&g, 1, 1 << 20, 0);
    uint8_t p[8] = {0};
    assert_int_equal(add(&g, 1, 0, 0, B, p, 0), TERN_EINVAL); /* no user data */
    assert_int_equal(add(&g, 5, 0, 0, B, p, 8), TERN_OK);
    assert_int_equal(add(&g, 7, 0, 0, E, p, 8), TERN_OK);
    size_t bytes = tern_reasm_bytes(&g.r);
    assert_int_equal(add(&g, 5, 0, 0, B, p, 8), TERN_EEXIST);
    assert_int_equal(add(&g, 7, 0, 0, E, p, 8), TERN_EEXIST);
    assert_int_equal(add(&g, 4, 0, 0, 0, p, 8), TERN_EINVAL); /* before B */
    assert_int_equal(add(&g, 8, 0, 0, 0, p, 8), TERN_EINVAL); /* after E */
    assert_int_equal(add(&g, 6, 0, 0, B, p, 8), TERN_EINVAL); /* second B */
    assert_int_equal(add(&g, 6, 0, 0, E, p, 8), TERN_EINVAL); /* second E */
    assert_int_equal(add(&g, 3, 0, 1, BE, p, 8), TERN_OK);
    assert_int_equal(add(&g, 9, 0, 1, 0, p, 8), TERN_EINVAL); /* SSN 1 is whole */
    assert_int_equal(tern_reasm_bytes(&g.r), bytes + 8);
    expect_none(&g);
    assert_int_equal(add(&g, 6, 0, 0, 0, p, 8), TERN_OK);
    got m;
    assert_true(take(&g, &m, NULL, 0));
    assert_int_equal(m.len, 24);
    assert_true(take(&g, &m, NULL, 0));
    assert_int_equal(m.sn, 1);
    /* A fragment held past the contiguous prefix, sent twice. */
    assert_int_equal(add(&g, 20, 0, 2, B, p, 8), TERN_OK);
    assert_int_equal(add(&g, 22, 0, 2, 0, p, 8), TERN_OK);
    assert_int_equal(add(&g, 24, 0, 2, E, p, 8), TERN_OK);
    assert_int_equal(add(&g, 22, 0, 2, 0, p, 8), TERN_EEXIST);
    assert_int_equal(add(&g, 21, 0, 2, 0, p, 8), TERN_OK);
    assert_int_equal(add(&g, 23, 0, 2, 0, p, 8), TERN_OK);
    assert_true(take(&g, &m, NULL, 0));
    assert_int_equal(m.len, 40);
    assert_int_equal(m.nfrags, 5);
    /* An unordered B never extends a run left open (its E never came):
     * it starts a message of its own. */
    assert_int_equal(add(&g, 30, 0, 0, U | B, p, 8), TERN_OK);
    assert_int_equal(add(&g, 31, 0, 0, U | B, p, 8), TERN_OK);
    assert_int_equal(add(&g, 32, 0, 0, U | E, p, 8), TERN_OK);
    assert_true(take(&g, &m, NULL, 0));
    assert_int_equal(m.first_tsn, 31);
    assert_int_equal(m.len, 16);
    expect_none(&g);
    rig_done(&g); /* TSN 30 is still held: teardown frees it */
}

/* §6.2: bytes held (for a_rwnd) count every buffered fragment, including a
 * message handed out until it is released, and return to 0. */
static void sec6_2_bytes_accounting(void **state)
{
    (void)state;
    rig g;
    rig_init(&g, 2, 1 << 20, 0);
    uint8_t p[100] = {0};
    assert_int_equal(add(&g, 1, 0, 1, B, p, 100), TERN_OK);
    assert_int_equal(tern_reasm_bytes(&g.r), 100);
    assert_int_equal(add(&g, 2, 0, 1, E, p, 50), TERN_OK);
    assert_int_equal(add(&g, 3, 1, 0, U | B, p, 30), TERN_OK);
    assert_int_equal(tern_reasm_bytes(&g.r), 180);
    assert_int_equal(add(&g, 0, 0, 0, BE, p, 20), TERN_OK);
    assert_int_equal(tern_reasm_bytes(&g.r), 200);
    tern_reasm_msg m;
    assert_int_equal(tern_reasm_next(&g.r, &m), 1);
    assert_int_equal(m.len, 20);
    assert_int_equal(tern_reasm_bytes(&g.r), 200); /* lent, not released */
    tern_reasm_release(&g.r);
    assert_int_equal(tern_reasm_bytes(&g.r), 180);
    assert_int_equal(tern_reasm_next(&g.r, &m), 1);
    assert_int_equal(m.len, 150);
    tern_reasm_release(&g.r);
    assert_int_equal(tern_reasm_bytes(&g.r), 30);
    assert_int_equal(add(&g, 4, 1, 0, U | E, p, 5), TERN_OK);
    assert_int_equal(tern_reasm_next(&g.r, &m), 1);
    assert_int_equal(m.len, 35);
    tern_reasm_release(&g.r);
    assert_int_equal(tern_reasm_bytes(&g.r), 0);
    assert_int_equal(g.r.mem, 0);
    rig_done(&g);
}

/* Teardown with everything in flight: fragments of ordered and unordered
 * messages, out-of-order complete messages, ready ones, a lent one. */
static void teardown_frees_everything(void **state)
{
    (void)state;
    rig g;
    rig_init(&g, 4, 1 << 20, 0);
    uint8_t p[64] = {0};
    assert_int_equal(add(&g, 1, 0, 0, B, p, 64), TERN_OK);
    assert_int_equal(add(&g, 3, 0, 0, E, p, 64), TERN_OK);
    assert_int_equal(add(&g, 9, 0, 2, BE, p, 64), TERN_OK);
    assert_int_equal(add(&g, 11, 1, 0, U, p, 64), TERN_OK);
    assert_int_equal(add(&g, 13, 1, 0, U | E, p, 64), TERN_OK);
    assert_int_equal(add(&g, 20, 2, 0, BE, p, 64), TERN_OK);
    assert_int_equal(add(&g, 21, 2, 1, BE, p, 64), TERN_OK);
    assert_int_equal(add(&g, 22, 3, 0, U | BE, p, 64), TERN_OK);
    tern_reasm_msg m;
    assert_int_equal(tern_reasm_next(&g.r, &m), 1);
    assert_true(g.count.live > 1);
    rig_done(&g);
}

/* An allocation that fails at any point returns TERN_ENOMEM and leaves the
 * state as it was; so does the memory cap, until memory is released. */
static void allocation_failure_and_cap(void **state)
{
    (void)state;
    for (long fail = 1; fail <= 12; fail++) {
        rig g;
        rig_init(&g, 2, 1 << 20, 0);
        g.count.fail_at = fail; /* allocation 0 was the stream table */
        uint8_t p[32] = {1};
        const struct {
            uint32_t tsn;
            uint16_t stream, ssn;
            uint8_t flags;
        } seq[] = {{1, 0, 0, BE},    {3, 0, 1, E},  {2, 0, 1, B},  {5, 1, 0, U | E},
                   {4, 1, 0, U | B}, {6, 1, 1, BE}, {8, 0, 2, BE}, {7, 1, 0, BE}};
        int failed = 0;
        for (size_t i = 0; i < sizeof seq / sizeof *seq; i++) {
            size_t bytes = tern_reasm_bytes(&g.r), mem = g.r.mem;
            int rc = add(&g, seq[i].tsn, seq[i].stream, seq[i].ssn, seq[i].flags, p, 32);
            if (rc == TERN_ENOMEM) {
                failed++;
                assert_int_equal(tern_reasm_bytes(&g.r), bytes);
                assert_int_equal(g.r.mem, mem);
                rc = add(&g, seq[i].tsn, seq[i].stream, seq[i].ssn, seq[i].flags, p, 32);
            }
            assert_int_equal(rc, TERN_OK);
        }
        assert_int_equal(failed, 1);
        int n = 0;
        got m;
        while (take(&g, &m, NULL, 0))
            n++;
        assert_int_equal(n, 6);
        rig_done(&g);
    }
    /* The cap: room for two fragments and their overhead, not three. */
    rig g;
    rig_init(&g, 1, 2 * (sizeof(tern_reasm_frag) + 100) + 64, 0);
    uint8_t p[100] = {0};
    assert_int_equal(add(&g, 1, 0, 0, BE, p, 100), TERN_OK);
    assert_int_equal(add(&g, 2, 0, 1, BE, p, 100), TERN_OK);
    assert_int_equal(add(&g, 3, 0, 2, BE, p, 100), TERN_ENOMEM);
    got m;
    assert_true(take(&g, &m, NULL, 0));
    assert_int_equal(add(&g, 3, 0, 2, BE, p, 100), TERN_OK);
    while (take(&g, &m, NULL, 0)) {
    }
    rig_done(&g);
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Not a timed test: prints the per-chunk cost of add + next + release. */
static void cost_per_chunk(void **state)
{
    (void)state;
    enum { N = 200000 };
    tern_reasm r;
    tern_reasm_config cfg = {4, 1 << 24, 0};
    assert_int_equal(tern_reasm_init(&r, NULL, &cfg), TERN_OK);
    static uint8_t p[1452];
    tern_reasm_msg m;
    double t0 = now_ns();
    for (uint32_t i = 0; i < N; i++) {
        tern_data d = {BE, i, (uint16_t)(i & 3), (uint16_t)(i >> 2), 0, {p, 100}};
        assert_int_equal(tern_reasm_add_data(&r, &d), TERN_OK);
        assert_int_equal(tern_reasm_next(&r, &m), 1);
        tern_reasm_release(&r);
    }
    double t1 = now_ns();
    for (uint32_t i = 0; i < N; i++) {
        uint8_t fl = (uint8_t)((i % 8 == 0 ? B : 0) | (i % 8 == 7 ? E : 0));
        tern_data d = {fl, N + i, 0, (uint16_t)(50000 + i / 8), 0, {p, sizeof p}};
        assert_int_equal(tern_reasm_add_data(&r, &d), TERN_OK);
        if (fl & E) {
            assert_int_equal(tern_reasm_next(&r, &m), 1);
            tern_reasm_release(&r);
        }
    }
    double t2 = now_ns();
    printf("reasm: 100-byte messages %.1f ns/chunk, 8 x 1452-byte fragments %.1f ns/chunk\n",
           (t1 - t0) / N, (t2 - t1) / N);
    tern_reasm_free(&r);
}

/* A reader that keeps up empties the reassembly at every message: once
 * the flow since the last quiet trim is heavy, the blocks stay for the next
 * messages instead of going back to the allocator each time (core/pool.h;
 * giving them back made glibc shrink and grow its heap a page at a time);
 * tern_reasm_trim, the quiet trim, gives them back and starts the count
 * again, so a light flow after it keeps nothing. */
static void reader_that_keeps_up_reuses_blocks(void **state)
{
    (void)state;
    rig g;
    rig_init(&g, 1, 1 << 20, 0);
    uint8_t buf[64];
    got o;
    uint32_t tsn = 1;
    for (uint16_t ssn = 0; ssn < 1000; ssn++, tsn++) {
        assert_int_equal(add_whole(&g, tsn, 0, ssn, 0, tsn), 0);
        assert_true(take(&g, &o, buf, sizeof buf));
    }
    /* a block (and the pool) per message until the flow is heavy, then none */
    assert_true(g.count.allocs <= 2 * TERN_POOL_HEAVY_FLOW + 4);
    assert_non_null(g.r.pool);
    tern_reasm_trim(&g.r);
    assert_null(g.r.pool);
    for (uint16_t ssn = 1000; ssn < 1008; ssn++, tsn++) {
        assert_int_equal(add_whole(&g, tsn, 0, ssn, 0, tsn), 0);
        assert_true(take(&g, &o, buf, sizeof buf));
        assert_null(g.r.pool);
    }
    rig_done(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(init_rejects_no_streams),
        cmocka_unit_test(sec6_6_single_chunk_messages),
        cmocka_unit_test(sec6_9_fragments_in_any_order),
        cmocka_unit_test(sec6_6_no_head_of_line_blocking_across_streams),
        cmocka_unit_test(sec6_6_unordered_past_a_gap),
        cmocka_unit_test(sec6_6_mixed_ordered_and_unordered_on_one_stream),
        cmocka_unit_test(ssn_and_tsn_wrap),
        cmocka_unit_test(sec6_9_one_mib_message),
        cmocka_unit_test(sec6_9_partial_delivery),
        cmocka_unit_test(sec6_9_partial_delivery_unordered_and_not_next),
        cmocka_unit_test(sec6_5_invalid_stream_refused),
        cmocka_unit_test(sec6_9_contradictions_refused),
        cmocka_unit_test(sec6_2_bytes_accounting),
        cmocka_unit_test(teardown_frees_everything),
        cmocka_unit_test(allocation_failure_and_cap),
        cmocka_unit_test(cost_per_chunk),
        cmocka_unit_test(reader_that_keeps_up_reuses_blocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
