/* The outbound message queue (core/sendq.c): fragmentation (RFC 9260 §6.9),
 * SSNs (§6.5, §6.6), stream scheduling, the byte cap, the low-threshold
 * event and teardown reports. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/sendq.h"
#include "wire/chunk.h"
#include "alloc_testutil.h"

typedef struct fixture {
    counting count;
    tern_allocator alloc;
    tern_sendq q;
} fixture;

static fixture *setup(uint16_t streams, size_t cap, enum tern_sched sched)
{
    fixture *f = calloc(1, sizeof *f);
    f->alloc = counting_allocator(&f->count);
    assert_int_equal(tern_sendq_init(&f->q, &f->alloc, streams, cap, sched), 0);
    return f;
}

static void teardown(fixture *f)
{
    tern_sendq_free(&f->q, NULL, NULL);
    assert_int_equal(f->count.live_bytes, 0);
    assert_int_equal(f->count.live_allocs, 0);
    free(f);
}

static int send(fixture *f, uint16_t stream, uint32_t flags, const void *data, size_t len,
                uint64_t ctx)
{
    tern_send_info info = {.stream = stream, .ppid = 0x01020304, .flags = flags, .context = ctx};
    return tern_sendq_enqueue(&f->q, &info, data, len);
}

/* Produces one chunk and immediately releases it (as an instant ack). */
static tern_chunk_desc take(fixture *f, size_t max)
{
    tern_chunk_desc c;
    assert_int_equal(tern_sendq_produce(&f->q, max, &c), 0);
    return c;
}

#define MIB (1024u * 1024u)

/* §6.9: a 1 MiB message at 1452 bytes: 722 full chunks and one of 232,
 * contiguous, B on the first only, E on the last only, payload in place. */
static void sec6_9_fragments_1mib_at_1452(void **state)
{
    (void)state;
    fixture *f = setup(1, 2 * MIB, TERN_SCHED_RR);
    uint8_t *data = malloc(MIB);
    for (size_t i = 0; i < MIB; i++)
        data[i] = (uint8_t)(i * 7 + 3);
    assert_int_equal(send(f, 0, 0, data, MIB, 42), 0);
    assert_int_equal(tern_sendq_unsent_bytes(&f->q), MIB);
    tern_chunk_desc *c = calloc(800, sizeof *c);
    size_t n = 0, off = 0;
    while (tern_sendq_produce(&f->q, 1452, &c[n]) == 0) {
        assert_int_equal(c[n].offset, off);
        assert_int_equal(c[n].fsn, n);
        assert_ptr_equal(tern_chunk_payload(&c[n]), c[n].msg->data + off);
        assert_memory_equal(tern_chunk_payload(&c[n]), data + off, c[n].len);
        off += c[n].len;
        n++;
        assert_true(n < 800);
    }
    assert_int_equal(n, 723);
    assert_int_equal(off, MIB);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(c[i].len, i < 722 ? 1452 : 232);
        uint8_t want = (i == 0 ? TERN_DATA_FLAG_B : 0) | (i == 722 ? TERN_DATA_FLAG_E : 0);
        assert_int_equal(c[i].flags, want);
        assert_int_equal(tern_msg_ssn(c[i].msg), 0);
    }
    assert_true(tern_sendq_empty(&f->q));
    assert_int_equal(tern_sendq_bytes(&f->q), MIB); /* held until acknowledged */
    for (size_t i = 0; i < n; i++)
        tern_sendq_release(&f->q, c[i].msg);
    assert_int_equal(tern_sendq_bytes(&f->q), 0);
    assert_int_equal(f->count.live_allocs, 1); /* the stream table only */
    free(c);
    free(data);
    teardown(f);
}

/* The path MTU may change between chunks: each fragment uses the size
 * given when it is produced. */
static void sec6_9_max_payload_changes_mid_message(void **state)
{
    (void)state;
    fixture *f = setup(1, MIB, TERN_SCHED_RR);
    static uint8_t data[5000];
    assert_int_equal(send(f, 0, 0, data, sizeof data, 0), 0);
    static const size_t max[] = {1452, 500, 1200, 4000};
    static const uint32_t want_len[] = {1452, 500, 1200, 1848};
    static const uint8_t want_flags[] = {TERN_DATA_FLAG_B, 0, 0, TERN_DATA_FLAG_E};
    for (int i = 0; i < 4; i++) {
        tern_chunk_desc peeked, c;
        assert_int_equal(tern_sendq_peek(&f->q, max[i], &peeked), 0);
        c = take(f, max[i]);
        assert_int_equal(peeked.len, c.len);
        assert_int_equal(peeked.offset, c.offset);
        assert_int_equal(c.len, want_len[i]);
        assert_int_equal(c.flags, want_flags[i]);
        tern_sendq_release(&f->q, c.msg);
    }
    tern_chunk_desc c;
    assert_int_equal(tern_sendq_produce(&f->q, 1452, &c), TERN_ENOENT);
    assert_int_equal(tern_sendq_peek(&f->q, 0, &c), TERN_EINVAL);
    teardown(f);
}

/* §6.5: SSNs count per stream and wrap from 65535 to 0. */
static void sec6_5_ssn_per_stream_and_wrap(void **state)
{
    (void)state;
    fixture *f = setup(3, MIB, TERN_SCHED_FCFS);
    uint8_t b = 1;
    for (uint32_t i = 0; i < 65537; i++) {
        assert_int_equal(send(f, 1, 0, &b, 1, i), 0);
        if (i % 3 == 0) assert_int_equal(send(f, 2, 0, &b, 1, i), 0);
        tern_chunk_desc c = take(f, 1452);
        assert_int_equal(c.msg->stream, 1);
        assert_int_equal(tern_msg_ssn(c.msg), (uint16_t)i);
        assert_int_equal(c.msg->context, i);
        tern_sendq_release(&f->q, c.msg);
        if (i % 3 == 0) {
            c = take(f, 1452);
            assert_int_equal(c.msg->stream, 2);
            assert_int_equal(tern_msg_ssn(c.msg), (uint16_t)(i / 3));
            tern_sendq_release(&f->q, c.msg);
        }
    }
    /* After 65537 messages the next SSN on stream 1 is 1; stream 0 untouched. */
    assert_int_equal(send(f, 1, 0, &b, 1, 0), 0);
    assert_int_equal(send(f, 0, 0, &b, 1, 0), 0);
    tern_chunk_desc c = take(f, 1452);
    assert_int_equal(tern_msg_ssn(c.msg), 1);
    tern_sendq_release(&f->q, c.msg);
    c = take(f, 1452);
    assert_int_equal(c.msg->stream, 0);
    assert_int_equal(tern_msg_ssn(c.msg), 0);
    tern_sendq_release(&f->q, c.msg);
    teardown(f);
}

/* §6.6: unordered messages carry U, SSN 0, and do not consume an SSN. */
static void sec6_6_unordered_takes_no_ssn(void **state)
{
    (void)state;
    fixture *f = setup(1, MIB, TERN_SCHED_RR);
    uint8_t d[3000] = {0};
    assert_int_equal(send(f, 0, 0, d, 10, 0), 0);
    assert_int_equal(send(f, 0, TERN_MSG_UNORDERED, d, 3000, 0), 0);
    assert_int_equal(send(f, 0, 0, d, 10, 0), 0);
    tern_chunk_desc c = take(f, 1452);
    assert_int_equal(tern_msg_ssn(c.msg), 0);
    assert_int_equal(c.flags, TERN_DATA_FLAG_B | TERN_DATA_FLAG_E);
    tern_sendq_release(&f->q, c.msg);
    static const uint8_t uflags[] = {TERN_DATA_FLAG_B | TERN_DATA_FLAG_U, TERN_DATA_FLAG_U,
                                     TERN_DATA_FLAG_E | TERN_DATA_FLAG_U};
    for (int i = 0; i < 3; i++) {
        c = take(f, 1452);
        assert_int_equal(tern_msg_ssn(c.msg), 0);
        assert_int_equal(c.flags, uflags[i]);
        tern_sendq_release(&f->q, c.msg);
    }
    c = take(f, 1452);
    assert_int_equal(tern_msg_ssn(c.msg), 1);
    assert_int_equal(c.flags, TERN_DATA_FLAG_B | TERN_DATA_FLAG_E);
    tern_sendq_release(&f->q, c.msg);
    teardown(f);
}

/* RFC 7053 I bit: on the last chunk of a message that asked for it only. */
static void rfc7053_i_bit_on_last_chunk(void **state)
{
    (void)state;
    fixture *f = setup(1, MIB, TERN_SCHED_RR);
    uint8_t d[2000] = {0};
    assert_int_equal(send(f, 0, TERN_MSG_SACK_NOW, d, sizeof d, 0), 0);
    tern_chunk_desc c = take(f, 1452);
    assert_int_equal(c.flags, TERN_DATA_FLAG_B);
    tern_sendq_release(&f->q, c.msg);
    c = take(f, 1452);
    assert_int_equal(c.flags, TERN_DATA_FLAG_E | TERN_DATA_FLAG_I);
    tern_sendq_release(&f->q, c.msg);
    teardown(f);
}

/* Enqueues s0:A(3 chunks) s0:B s1:C s2:D s1:E and returns the order in
 * which the messages' chunks come out, as context letters. */
static void schedule(enum tern_sched sched, char *out)
{
    fixture *f = setup(3, MIB, sched);
    uint8_t d[3000] = {0};
    assert_int_equal(send(f, 0, 0, d, 3000, 'A'), 0);
    assert_int_equal(send(f, 0, 0, d, 10, 'B'), 0);
    assert_int_equal(send(f, 1, 0, d, 10, 'C'), 0);
    assert_int_equal(send(f, 2, 0, d, 10, 'D'), 0);
    assert_int_equal(send(f, 1, 0, d, 10, 'E'), 0);
    tern_chunk_desc c;
    size_t n = 0;
    while (tern_sendq_produce(&f->q, 1452, &c) == 0) {
        out[n++] = (char)c.msg->context;
        if (n == 4) assert_int_equal(send(f, 0, 0, d, 10, 'F'), 0); /* late arrival */
        tern_sendq_release(&f->q, c.msg);
    }
    out[n] = 0;
    teardown(f);
}

/* Round-robin takes one message per stream in turn (a fragmented message
 * goes out whole first: DATA fragments need consecutive TSNs, §6.9); FCFS
 * keeps arrival order. */
static void round_robin_vs_fcfs(void **state)
{
    (void)state;
    char order[32];
    schedule(TERN_SCHED_RR, order);
    assert_string_equal(order, "AAACDBEF");
    schedule(TERN_SCHED_FCFS, order);
    assert_string_equal(order, "AAABCDEF");
}

/* No head-of-line blocking across streams: a stream with a long backlog
 * gets one message per turn, the others keep their share. */
static void round_robin_shares_between_streams(void **state)
{
    (void)state;
    fixture *f = setup(4, MIB, TERN_SCHED_RR);
    uint8_t d = 0;
    for (int i = 0; i < 100; i++)
        assert_int_equal(send(f, 3, 0, &d, 1, 3), 0);
    assert_int_equal(send(f, 0, 0, &d, 1, 0), 0);
    assert_int_equal(send(f, 1, 0, &d, 1, 1), 0);
    tern_chunk_desc c = take(f, 100);
    assert_int_equal(c.msg->stream, 3);
    tern_sendq_release(&f->q, c.msg);
    c = take(f, 100);
    assert_int_equal(c.msg->stream, 0);
    tern_sendq_release(&f->q, c.msg);
    c = take(f, 100);
    assert_int_equal(c.msg->stream, 1);
    tern_sendq_release(&f->q, c.msg);
    for (int i = 0; i < 99; i++) {
        c = take(f, 100);
        assert_int_equal(c.msg->stream, 3);
        assert_int_equal(tern_msg_ssn(c.msg), i + 1);
        tern_sendq_release(&f->q, c.msg);
    }
    teardown(f);
}

typedef struct snapshot {
    size_t bytes, unsent, messages, allocs, total_allocs;
} snapshot;

static snapshot snap(const fixture *f)
{
    return (snapshot){f->q.bytes, f->q.unsent_bytes, f->q.messages, f->count.live_allocs,
                      f->count.total_allocs};
}

static void assert_unchanged(const fixture *f, snapshot s)
{
    snapshot now = snap(f);
    assert_memory_equal(&now, &s, sizeof s);
}

/* Misuse returns an error and changes nothing: no SSN is used up either. */
static void invalid_stream_and_over_cap_change_nothing(void **state)
{
    (void)state;
    fixture *f = setup(2, 1000, TERN_SCHED_RR);
    uint8_t d[1001] = {0};
    assert_int_equal(send(f, 1, 0, d, 600, 1), 0);
    snapshot s = snap(f);
    assert_int_equal(send(f, 2, 0, d, 10, 0), TERN_EINVAL);
    assert_unchanged(f, s);
    assert_int_equal(send(f, 1, 0, d, 0, 0), TERN_EINVAL);
    assert_unchanged(f, s);
    assert_int_equal(send(f, 1, 0, d, 1001, 0), TERN_EINVAL); /* never fits */
    assert_unchanged(f, s);
    assert_int_equal(send(f, 1, 0, d, 401, 0), TERN_ENOMEM); /* fits later */
    assert_unchanged(f, s);
    assert_int_equal(send(f, 1, 0, d, 400, 2), 0); /* exactly at the cap */
    tern_chunk_desc c = take(f, 1452);
    assert_int_equal(tern_msg_ssn(c.msg), 0);
    tern_sendq_release(&f->q, c.msg);
    c = take(f, 1452);
    assert_int_equal(tern_msg_ssn(c.msg), 1);
    assert_int_equal(c.msg->context, 2);
    tern_sendq_release(&f->q, c.msg);
    assert_int_equal(send(f, 0, 0, d, 1000, 0), 0); /* room again once acknowledged */
    assert_int_equal(tern_sendq_init(&f->q, NULL, 0, 10, TERN_SCHED_RR), TERN_EINVAL);
    teardown(f);
}

/* The cap counts bytes until acknowledgement, not until transmission. */
static void cap_counts_unacknowledged_bytes(void **state)
{
    (void)state;
    fixture *f = setup(1, 1000, TERN_SCHED_RR);
    uint8_t d[1000] = {0};
    assert_int_equal(send(f, 0, 0, d, 1000, 0), 0);
    tern_chunk_desc c = take(f, 1452);
    assert_true(tern_sendq_empty(&f->q));
    assert_int_equal(send(f, 0, 0, d, 1, 0), TERN_ENOMEM);
    tern_sendq_release(&f->q, c.msg);
    assert_int_equal(send(f, 0, 0, d, 1, 0), 0);
    teardown(f);
}

/* The low-threshold event fires once, when the bytes fall from above the
 * threshold to at or below it. */
static void low_threshold_crossing(void **state)
{
    (void)state;
    fixture *f = setup(1, 10000, TERN_SCHED_RR);
    tern_sendq_set_low_threshold(&f->q, 3000);
    uint8_t d[1000] = {0};
    tern_chunk_desc c[5];
    for (int i = 0; i < 5; i++) {
        assert_int_equal(send(f, 0, 0, d, 1000, 0), 0);
        c[i] = take(f, 1452);
    }
    assert_false(tern_sendq_take_low(&f->q));
    tern_sendq_release(&f->q, c[0].msg); /* 4000 */
    assert_false(tern_sendq_take_low(&f->q));
    tern_sendq_release(&f->q, c[1].msg); /* 3000: crossed */
    assert_true(tern_sendq_take_low(&f->q));
    assert_false(tern_sendq_take_low(&f->q));
    tern_sendq_release(&f->q, c[2].msg); /* 2000: already below */
    assert_false(tern_sendq_take_low(&f->q));
    assert_int_equal(send(f, 0, 0, d, 1000, 0), 0); /* 3000: not above */
    assert_int_equal(send(f, 0, 0, d, 1000, 0), 0); /* 4000 */
    c[0] = take(f, 1452);
    c[1] = take(f, 1452);
    tern_sendq_release(&f->q, c[3].msg); /* 3000: crossed again */
    assert_true(tern_sendq_take_low(&f->q));
    tern_sendq_release(&f->q, c[4].msg);
    tern_sendq_release(&f->q, c[0].msg);
    tern_sendq_release(&f->q, c[1].msg);
    assert_false(tern_sendq_take_low(&f->q));
    teardown(f);
}

/* Explicit end-of-record: pieces of one record share the SSN, B on the
 * first piece, E on the last; the stream holds the wire until E (§6.9). */
static void explicit_eor_record(void **state)
{
    (void)state;
    fixture *f = setup(2, MIB, TERN_SCHED_RR);
    uint8_t d[2000] = {0};
    assert_int_equal(send(f, 0, TERN_MSG_MORE, d, 2000, 1), 0);
    assert_int_equal(send(f, 1, 0, d, 10, 9), 0);
    assert_int_equal(send(f, 0, TERN_MSG_MORE | TERN_MSG_UNORDERED, d, 5, 0), TERN_EINVAL);
    tern_chunk_desc c = take(f, 1452);
    assert_int_equal(c.flags, TERN_DATA_FLAG_B);
    tern_sendq_release(&f->q, c.msg);
    c = take(f, 1452);
    assert_int_equal(c.flags, 0);
    assert_int_equal(c.msg->context, 1);
    tern_sendq_release(&f->q, c.msg);
    /* Waiting for the next piece: stream 1 must not cut in. */
    assert_int_equal(tern_sendq_peek(&f->q, 1452, &c), TERN_ENOENT);
    assert_int_equal(send(f, 0, TERN_MSG_MORE, d, 100, 2), 0);
    assert_int_equal(send(f, 0, 0, d, 100, 3), 0);
    assert_int_equal(send(f, 0, 0, d, 100, 4), 0);
    static const struct {
        uint64_t ctx;
        uint8_t flags;
        uint16_t ssn;
    } want[] = {{2, 0, 0},
                {3, TERN_DATA_FLAG_E, 0},
                {9, TERN_DATA_FLAG_B | TERN_DATA_FLAG_E, 0},
                {4, TERN_DATA_FLAG_B | TERN_DATA_FLAG_E, 1}};
    for (int i = 0; i < 4; i++) {
        c = take(f, 1452);
        assert_int_equal(c.msg->context, want[i].ctx);
        assert_int_equal(c.flags, want[i].flags);
        assert_int_equal(tern_msg_ssn(c.msg), want[i].ssn);
        tern_sendq_release(&f->q, c.msg);
    }
    teardown(f);
}

typedef struct report_log {
    int n;
    uint64_t ctx[16];
    bool unsent[16];
    uint32_t len[16];
    uint8_t first[16];
} report_log;

static void log_report(void *ctx, const tern_msg *m, bool unsent)
{
    report_log *l = ctx;
    assert_true(l->n < 16);
    l->ctx[l->n] = m->context;
    l->unsent[l->n] = unsent;
    l->len[l->n] = m->len;
    l->first[l->n] = m->data[0];
    l->n++;
}

/* Teardown reports every message with unsent bytes once, with its data and
 * context; a partly sent one says so and lives on until its chunk goes. */
static void teardown_reports_every_unsent_message(void **state)
{
    (void)state;
    fixture *f = setup(3, MIB, TERN_SCHED_RR);
    uint8_t d[3000];
    for (int i = 0; i < 5; i++) {
        memset(d, 'a' + i, sizeof d);
        assert_int_equal(send(f, (uint16_t)(i % 3), 0, d, 100u * (unsigned)(i + 1) + 2000, 100 + i),
                         0);
    }
    tern_chunk_desc c = take(f, 1452); /* part of message 100 (stream 0) */
    report_log log = {0};
    tern_sendq_free(&f->q, log_report, &log);
    assert_int_equal(log.n, 5);
    bool seen[5] = {0};
    for (int i = 0; i < 5; i++) {
        int k = (int)(log.ctx[i] - 100);
        assert_true(k >= 0 && k < 5 && !seen[k]);
        seen[k] = true;
        assert_int_equal(log.len[i], 100u * (unsigned)(k + 1) + 2000);
        assert_int_equal(log.first[i], 'a' + k);
        assert_int_equal(log.unsent[i], k != 0);
    }
    assert_int_equal(tern_sendq_bytes(&f->q), 2100);
    /* The chunk's holder lets go; a second report does not happen. */
    tern_sendq_report(c.msg, log_report, &log);
    assert_int_equal(log.n, 5);
    tern_sendq_release(&f->q, c.msg);
    assert_int_equal(tern_sendq_bytes(&f->q), 0);
    teardown(f);
}

/* Small messages reuse freed blocks: a steady flow (send, produce,
 * acknowledge, with some always outstanding) allocates nothing once warm;
 * the blocks kept are bounded. When everything is acknowledged they stay
 * after a heavy flow since the last trim, even one that empties the queue
 * at every message, and go back after a light one (core/pool.h), and at
 * tern_sendq_trim and teardown. */
static void small_messages_reuse_blocks(void **state)
{
    (void)state;
    fixture *f = setup(1, MIB, TERN_SCHED_RR);
    uint8_t msg[64] = {1, 2, 3};
    tern_chunk_desc c[32];
    for (int i = 0; i < 32; i++) { /* 32 outstanding */
        assert_int_equal(send(f, 0, 0, msg, sizeof msg, 0), 0);
        c[i] = take(f, 1452);
    }
    size_t warm = f->count.total_allocs;
    for (int round = 0; round < 10000; round++) {
        tern_sendq_release(&f->q, c[round % 32].msg);
        msg[8] = (uint8_t)round;
        assert_int_equal(send(f, 0, 0, msg, sizeof msg, 0), 0);
        c[round % 32] = take(f, 1452);
        assert_memory_equal(tern_chunk_payload(&c[round % 32]), msg, sizeof msg);
    }
    assert_int_equal(f->count.total_allocs, warm + 1); /* the pool itself, no block */
    for (int i = 0; i < 32; i++)
        tern_sendq_release(&f->q, c[i].msg);
    assert_int_equal(tern_sendq_bytes(&f->q), 0);
    assert_non_null(f->q.pool); /* a heavy flow: kept for the next one */
    assert_int_equal(f->q.pool->bytes, 32 * tern_pool_block_size(sizeof(tern_msg) + sizeof msg));
    tern_sendq_trim(&f->q);
    assert_null(f->q.pool);
    assert_int_equal(f->count.live_allocs, 1); /* the stream table only */
    for (int i = 0; i < 8; i++) {              /* a light flow, then empty: nothing kept */
        assert_int_equal(send(f, 0, 0, msg, sizeof msg, 0), 0);
        c[0] = take(f, 1452);
        tern_sendq_release(&f->q, c[0].msg);
    }
    assert_null(f->q.pool);
    assert_int_equal(f->count.live_allocs, 1);
    /* A sender whose peer keeps up empties the queue at every message:
     * once the flow since the trim is heavy, the blocks stay all the same. */
    size_t before = f->count.total_allocs;
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(send(f, 0, 0, msg, sizeof msg, 0), 0);
        c[0] = take(f, 1452);
        tern_sendq_release(&f->q, c[0].msg);
    }
    /* a block and the pool each round until the flow is heavy, then nothing */
    assert_true(f->count.total_allocs - before <= 2 * TERN_POOL_HEAVY_FLOW + 2);
    assert_non_null(f->q.pool);
    tern_sendq_trim(&f->q);
    assert_int_equal(f->count.live_allocs, 1);

    teardown(f);

    /* Many released at once: at most four times the cap (64 KiB) in blocks
     * stays. 1-byte messages take 128-byte blocks: 6,000 of them 750 KiB. */
    f = setup(1, 64 * 1024, TERN_SCHED_RR);
    enum { MANY = 6000 };
    tern_chunk_desc *d = calloc(MANY, sizeof *d);
    for (int i = 0; i < MANY; i++) {
        assert_int_equal(send(f, 0, 0, msg, 1, 0), 0);
        d[i] = take(f, 1452);
    }
    for (int i = 0; i < MANY - 1; i++)
        tern_sendq_release(&f->q, d[i].msg);
    assert_true(f->q.pool && f->q.pool->bytes <= 4 * 64 * 1024);
    assert_true(f->q.pool->bytes + 128 > 4 * 64 * 1024); /* filled to the bound */
    assert_true(f->count.live_bytes <= 4 * 64 * 1024 + 1024 + sizeof(tern_stream_out));
    assert_true(send(f, 0, 0, msg, sizeof msg, 0) == 0); /* unsent at teardown */
    tern_sendq_release(&f->q, d[MANY - 1].msg);
    free(d);
    teardown(f); /* frees the unsent one and every kept block */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sec6_9_fragments_1mib_at_1452),
        cmocka_unit_test(sec6_9_max_payload_changes_mid_message),
        cmocka_unit_test(sec6_5_ssn_per_stream_and_wrap),
        cmocka_unit_test(sec6_6_unordered_takes_no_ssn),
        cmocka_unit_test(rfc7053_i_bit_on_last_chunk),
        cmocka_unit_test(round_robin_vs_fcfs),
        cmocka_unit_test(round_robin_shares_between_streams),
        cmocka_unit_test(invalid_stream_and_over_cap_change_nothing),
        cmocka_unit_test(cap_counts_unacknowledged_bytes),
        cmocka_unit_test(low_threshold_crossing),
        cmocka_unit_test(explicit_eor_record),
        cmocka_unit_test(teardown_reports_every_unsent_message),
        cmocka_unit_test(small_messages_reuse_blocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
