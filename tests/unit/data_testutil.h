/* Helpers shared by the data-transfer pair tests (test_data.c,
 * test_data_streams.c): configuration, messages that check themselves,
 * reading SACKs and DATA off the wire, a pump that moves packets. */
#ifndef TERN_TESTS_DATA_TESTUTIL_H
#define TERN_TESTS_DATA_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/cc.h"
#include "tests/rig/pair.h"
#include "wire/cause.h"
#include "wire/chunk.h"
#include "wire/packet.h"

#define PPID 0x12345678u
/* pmtu 1500 over IPv4 and UDP encapsulation (the rig's paths): the largest
 * SCTP packet and the PMDCS (§3, §7.2). */
#define MAX_PKT (1500u - 20u - 8u)
#define PMDCS   (1500u - 20u - 8u - 12u)
#define FLAG_BE (TERN_DATA_FLAG_B | TERN_DATA_FLAG_E)
/* A message this long fills one packet alone: two never fit together. */
#define BIG 1200u

/* ---- helpers ------------------------------------------------------------- */

/* Defaults, heartbeats off (no stray timers), no Nagle-like wait. */
static inline void cfg_data(tern_ep_config *c)
{
    tern_ep_config_default(c);
    c->hb_interval = 0;
    c->nodelay = true;
}

static inline void open_pair(pair *p, const tern_ep_config *c0, const tern_ep_config *c1,
                             tern_assoc_id ids[2])
{
    pair_init(p, c0, c1);
    pair_establish_idle(p, ids);
}

/* Message idx of len bytes (≥ 8): its index, its length, then a pattern. */
static inline void mk_msg(uint8_t *b, size_t len, uint32_t idx)
{
    for (size_t i = 0; i < len; i++)
        b[i] = (uint8_t)(idx * 37u + i * 11u + (i >> 9));
    tern_store32(b, idx);
    tern_store32(b + 4, (uint32_t)len);
}

/* A message made by mk_msg, whole: its index. */
static inline uint32_t check_msg(const uint8_t *b, size_t len)
{
    assert_true(len >= 8);
    uint32_t idx = tern_load32(b);
    assert_int_equal(tern_load32(b + 4), len);
    for (size_t i = 8; i < len; i++)
        if (b[i] != (uint8_t)(idx * 37u + i * 11u + (i >> 9)))
            fail_msg("message %u: byte %zu is 0x%02x", idx, i, b[i]);
    return idx;
}

static inline int send_msg(pair *p, int side, tern_assoc_id id, uint16_t stream, uint32_t flags,
                           uint32_t idx, size_t len)
{
    uint8_t *b = malloc(len);
    assert_non_null(b);
    mk_msg(b, len, idx);
    tern_sndinfo si = {.stream = stream, .ppid = PPID, .flags = flags, .context = 1000u + idx};
    int rc = tern_ep_send(p->ep[side], id, &si, b, len, p->now);
    free(b);
    return rc;
}

static inline void send_ok(pair *p, int side, tern_assoc_id id, uint16_t stream, uint32_t flags,
                           uint32_t idx, size_t len)
{
    assert_int_equal(send_msg(p, side, id, stream, flags, idx, len), 0);
}

/* Sends one message and takes the one packet it goes out in. */
static inline void send_pkt(pair *p, tern_assoc_id id, uint16_t stream, uint32_t flags,
                            uint32_t idx, size_t len)
{
    send_ok(p, 0, id, stream, flags, idx, len);
    assert_int_equal(pair_collect_from(p, 0), 1);
    assert_int_equal(p->flight[p->nflight - 1].from, 0);
}

/* The DATA chunks of a packet, decoded (views into pkt): how many. */
static inline int pkt_data(const uint8_t *pkt, size_t len, tern_data *out, int max)
{
    tern_common_header h;
    tern_chunk_iter it;
    tern_chunk_raw raw;
    int n = 0;
    assert_int_equal(tern_packet_parse(pkt, len, &h, &it), 0);
    while (tern_chunk_next(&it, &raw) > 0)
        if (raw.type == TERN_CHUNK_DATA) {
            tern_data d;
            assert_int_equal(tern_data_decode(&raw, &d), 0);
            if (n < max) out[n] = d;
            n++;
        }
    return n;
}

/* The TSN of a packet's first DATA chunk (there must be one). */
static inline uint32_t pkt_tsn(const pair_pkt *k)
{
    tern_data d = {0};
    assert_true(pkt_data(k->data, k->len, &d, 1) >= 1);
    return d.tsn;
}

static inline bool pkt_has_data(const pair_pkt *k)
{
    return pkt_find(k->data, k->len, TERN_CHUNK_DATA, NULL) != 0;
}

typedef struct sack_view {
    uint32_t cum, a_rwnd;
    unsigned ngaps, ndups;
    tern_gap_block gaps[64];
    uint32_t dups[64];
} sack_view;

/* A packet's SACK, copied out: true if it has one. */
static inline bool pkt_sack(const uint8_t *pkt, size_t len, sack_view *v)
{
    tern_chunk_raw raw;
    if (!pkt_find(pkt, len, TERN_CHUNK_SACK, &raw)) return false;
    tern_sack s;
    assert_int_equal(tern_sack_decode(&raw, &s), 0);
    memset(v, 0, sizeof *v);
    v->cum = s.cum_tsn_ack;
    v->a_rwnd = s.a_rwnd;
    v->ngaps = s.num_gap_blocks;
    v->ndups = s.num_dup_tsns;
    for (unsigned i = 0; i < v->ngaps && i < 64; i++)
        v->gaps[i] = tern_sack_gap(&s, i);
    for (unsigned i = 0; i < v->ndups && i < 64; i++)
        v->dups[i] = tern_sack_dup(&s, i);
    return true;
}

/* The one packet in flight, from `from`, holds a SACK (maybe with others). */
static inline sack_view expect_sack(pair *p, int from)
{
    assert_int_equal(p->nflight, 1);
    assert_int_equal(p->flight[0].from, from);
    sack_view v = {0};
    assert_true(pkt_sack(p->flight[0].data, p->flight[0].len, &v));
    return v;
}

/* Delivers a copy of a packet to the other side, as if it came again. */
static inline void deliver_copy(pair *p, const pair_pkt *k)
{
    pair_inject(p, 1 - k->from, k->data, k->len);
}

/* Reads one whole message (≤ 64 KiB) from side: its index, or -1 if none. */
static inline long read_one(pair *p, int side, tern_rcvinfo *ri)
{
    static uint8_t buf[65536];
    tern_rcvinfo tmp;
    if (!ri) ri = &tmp;
    long n = tern_ep_recv(p->ep[side], ri, buf, sizeof buf, p->now);
    assert_true(n >= 0);
    if (n == 0) return -1;
    assert_true(ri->flags & TERN_RCV_EOR);
    assert_int_equal(ri->ppid, PPID);
    return (long)check_msg(buf, (size_t)n);
}

/* Reads everything readable on a side, recording the order. */
typedef struct reader {
    int side;
    uint32_t n;          /* messages read */
    bool in_order;       /* each message's index must be n (one stream) */
    bool check_ssn;      /* and its SSN n mod 2^16 */
    uint32_t order[256]; /* indexes of the first 256, as read */
} reader;

static inline void reader_drain(pair *p, reader *r)
{
    for (;;) {
        tern_rcvinfo ri;
        long idx = read_one(p, r->side, &ri);
        if (idx < 0) return;
        if (r->in_order) assert_int_equal(idx, r->n);
        if (r->check_ssn) assert_int_equal(ri.ssn, (uint16_t)r->n);
        if (r->n < 256) r->order[r->n] = (uint32_t)idx;
        r->n++;
    }
}

/* Moves packets until none is left and (if limit) no timer is due by
 * limit. keep may drop a packet (false) before delivery; after runs after
 * every delivery (e.g. to read). The flight list never overflows: what
 * does not fit waits in the endpoint. */
typedef struct pump_ops {
    bool (*keep)(pair *p, const pair_pkt *k, void *ctx);
    void (*after)(pair *p, void *ctx);
    void *ctx;
    tern_time limit; /* 0: time stands still */
} pump_ops;

static inline void take(pair *p, int side)
{
    while (p->nflight < PAIR_MAX_FLIGHT) {
        pair_pkt *k = &p->flight[p->nflight];
        long len = tern_ep_output(p->ep[side], &k->path, k->data, sizeof k->data, p->now);
        assert_true(len >= 0);
        if (len == 0) return;
        k->from = side;
        k->len = (size_t)len;
        p->nflight++;
    }
}

static inline void pump(pair *p, const pump_ops *o)
{
    for (long guard = 0; guard < 5000000; guard++) {
        take(p, 0);
        take(p, 1);
        if (!p->nflight) {
            if (o && o->after) o->after(p, o->ctx);
            take(p, 0);
            take(p, 1);
            if (p->nflight) continue;
            if (!o || !o->limit || !pair_step_time(p, o->limit)) return;
            continue;
        }
        if (o && o->keep && !o->keep(p, &p->flight[0], o->ctx))
            pair_drop(p, 0);
        else
            pair_deliver(p, 0);
        if (o && o->after) o->after(p, o->ctx);
    }
    fail_msg("pump: the pair never went idle");
}

static inline void after_read(pair *p, void *ctx)
{
    reader_drain(p, ctx);
}

/* Pumps (time may pass up to 120 s) reading everything on side 1. */
static inline void pump_read(pair *p, reader *r)
{
    pump_ops o = {.after = after_read, .ctx = r, .limit = p->now + TERN_SEC(120)};
    pump(p, &o);
}

/* No event waits on a side. */
static inline void assert_no_event(pair *p, int side)
{
    tern_event ev;
    if (tern_ep_poll_event(p->ep[side], &ev))
        fail_msg("endpoint %d: unexpected event %d", side, (int)ev.type);
}

#endif
