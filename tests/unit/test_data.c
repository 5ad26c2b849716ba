/* Data transfer over the pair rig, named after the RFC 9260 sections they
 * check: §3.3.1 (DATA fields, the I bit of RFC 7053), §6.1 (rules A–D, zero
 * window probe), §6.2 (SACK generation, delayed SACK, duplicates), §6.3.3
 * (T3-rtx), §6.5–§6.7 (streams, ordering, gap blocks), §6.9 (fragmentation),
 * §7.2 (congestion control, fast retransmit), §9.1 and §9.2 (ABORT and
 * SHUTDOWN with data around), and the send/receive API around them. */
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
static void cfg_data(tern_ep_config *c)
{
    tern_ep_config_default(c);
    c->hb_interval = 0;
    c->nodelay = true;
}

static void open_pair(pair *p, const tern_ep_config *c0, const tern_ep_config *c1,
                      tern_assoc_id ids[2])
{
    pair_init(p, c0, c1);
    pair_establish_idle(p, ids);
}

/* Message idx of len bytes (≥ 8): its index, its length, then a pattern. */
static void mk_msg(uint8_t *b, size_t len, uint32_t idx)
{
    for (size_t i = 0; i < len; i++)
        b[i] = (uint8_t)(idx * 37u + i * 11u + (i >> 9));
    tern_store32(b, idx);
    tern_store32(b + 4, (uint32_t)len);
}

/* A message made by mk_msg, whole: its index. */
static uint32_t check_msg(const uint8_t *b, size_t len)
{
    assert_true(len >= 8);
    uint32_t idx = tern_load32(b);
    assert_int_equal(tern_load32(b + 4), len);
    for (size_t i = 8; i < len; i++)
        if (b[i] != (uint8_t)(idx * 37u + i * 11u + (i >> 9)))
            fail_msg("message %u: byte %zu is 0x%02x", idx, i, b[i]);
    return idx;
}

static int send_msg(pair *p, int side, tern_assoc_id id, uint16_t stream, uint32_t flags,
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

static void send_ok(pair *p, int side, tern_assoc_id id, uint16_t stream, uint32_t flags,
                    uint32_t idx, size_t len)
{
    assert_int_equal(send_msg(p, side, id, stream, flags, idx, len), 0);
}

/* Sends one message and takes the one packet it goes out in. */
static void send_pkt(pair *p, tern_assoc_id id, uint16_t stream, uint32_t flags, uint32_t idx,
                     size_t len)
{
    send_ok(p, 0, id, stream, flags, idx, len);
    assert_int_equal(pair_collect_from(p, 0), 1);
    assert_int_equal(p->flight[p->nflight - 1].from, 0);
}

/* The DATA chunks of a packet, decoded (views into pkt): how many. */
static int pkt_data(const uint8_t *pkt, size_t len, tern_data *out, int max)
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
static uint32_t pkt_tsn(const pair_pkt *k)
{
    tern_data d;
    assert_true(pkt_data(k->data, k->len, &d, 1) >= 1);
    return d.tsn;
}

static bool pkt_has_data(const pair_pkt *k)
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
static bool pkt_sack(const uint8_t *pkt, size_t len, sack_view *v)
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
static sack_view expect_sack(pair *p, int from)
{
    assert_int_equal(p->nflight, 1);
    assert_int_equal(p->flight[0].from, from);
    sack_view v;
    assert_true(pkt_sack(p->flight[0].data, p->flight[0].len, &v));
    return v;
}

/* Delivers a copy of a packet to the other side, as if it came again. */
static void deliver_copy(pair *p, const pair_pkt *k)
{
    pair_inject(p, 1 - k->from, k->data, k->len);
}

/* Reads one whole message (≤ 64 KiB) from side: its index, or -1 if none. */
static long read_one(pair *p, int side, tern_rcvinfo *ri)
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

static void reader_drain(pair *p, reader *r)
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

static void take(pair *p, int side)
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

static void pump(pair *p, const pump_ops *o)
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

static void after_read(pair *p, void *ctx)
{
    reader_drain(p, ctx);
}

/* Pumps (time may pass up to 120 s) reading everything on side 1. */
static void pump_read(pair *p, reader *r)
{
    pump_ops o = {.after = after_read, .ctx = r, .limit = p->now + TERN_SEC(120)};
    pump(p, &o);
}

/* No event waits on a side. */
static void assert_no_event(pair *p, int side)
{
    tern_event ev;
    if (tern_ep_poll_event(p->ep[side], &ev))
        fail_msg("endpoint %d: unexpected event %d", side, (int)ev.type);
}

/* ---- §3.3.1 DATA ----------------------------------------------------------- */

/* §3.3.1, §6.6: a message goes out as one DATA chunk with B and E set, the
 * first TSN the Initial TSN, SSN 0 on its stream, the PPID in network
 * order and the bytes as given; the next on the stream gets SSN 1 and the
 * next TSN; an unordered one sets U. Each arrives whole, with its stream,
 * SSN, TSN, PPID and TERN_RCV_EOR (and TERN_RCV_UNORDERED for U). */
static void sec3_3_1_data_chunk_fields_and_delivery(void **state)
{
    (void)state;
    tern_ep_config c;
    cfg_data(&c);
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c, &c, ids);
    tern_assoc_info i0 = pair_assoc(&p, 0, ids[0]);
    const size_t lens[3] = {100, 37, 8};
    const uint32_t flags[3] = {0, 0, TERN_SEND_UNORDERED};
    for (uint32_t k = 0; k < 3; k++) {
        uint8_t msg[128];
        mk_msg(msg, lens[k], k);
        tern_sndinfo si = {.stream = 3, .ppid = PPID, .flags = flags[k], .context = 7};
        assert_int_equal(tern_ep_send(p.ep[0], ids[0], &si, msg, lens[k], p.now), 0);
        assert_int_equal(pair_collect_from(&p, 0), 1);
        tern_chunk_raw raw = pair_expect_one(&p, 0, TERN_CHUNK_DATA);
        assert_int_equal(pkt_vtag(p.flight[0].data, p.flight[0].len), i0.peer_vtag);
        assert_int_equal(raw.length, 16 + lens[k]);
        assert_int_equal(p.flight[0].len, 12 + 16 + ((lens[k] + 3) & ~(size_t)3));
        tern_data d;
        assert_int_equal(tern_data_decode(&raw, &d), 0);
        uint8_t want_flags = FLAG_BE | (k == 2 ? TERN_DATA_FLAG_U : 0);
        assert_int_equal(d.flags, want_flags);
        assert_int_equal(d.tsn, i0.local_initial_tsn + k);
        assert_int_equal(d.stream, 3);
        if (k < 2) assert_int_equal(d.ssn, k);
        const uint8_t ppid_be[4] = {0x12, 0x34, 0x56, 0x78};
        assert_memory_equal(raw.value.ptr + 8, ppid_be, 4);
        assert_int_equal(d.payload.len, lens[k]);
        assert_memory_equal(d.payload.ptr, msg, lens[k]);
        pair_deliver(&p, 0);

        tern_rcvinfo ri;
        uint8_t buf[256];
        memset(&ri, 0xEE, sizeof ri);
        assert_int_equal(tern_ep_recv(p.ep[1], &ri, buf, sizeof buf, p.now), (long)lens[k]);
        assert_memory_equal(buf, msg, lens[k]);
        assert_int_equal(ri.assoc, ids[1]);
        assert_int_equal(ri.stream, 3);
        if (k < 2) assert_int_equal(ri.ssn, k);
        assert_int_equal(ri.tsn, i0.local_initial_tsn + k);
        assert_int_equal(ri.ppid, PPID);
        assert_int_equal(ri.flags, TERN_RCV_EOR | (k == 2 ? TERN_RCV_UNORDERED : 0));
        assert_int_equal(tern_ep_recv(p.ep[1], &ri, buf, sizeof buf, p.now), 0);
    }
    tern_assoc_info i1 = pair_assoc(&p, 1, ids[1]);
    assert_int_equal(i1.cum_tsn_ack, i0.local_initial_tsn + 2);
    assert_int_equal(i1.stats.messages_in, 3);
    assert_int_equal(pair_assoc(&p, 0, ids[0]).stats.messages_out, 3);
    pair_free(&p);
}

/* RFC 7053 §4 (the I flag of RFC 9260 §3.3.1): TERN_SEND_SACK_NOW sets the
 * I bit and the receiver SACKs that packet at once instead of delaying;
 * without it, the first packet's SACK waits. */
static void sec3_3_1_i_bit_gets_immediate_sack(void **state)
{
    (void)state;
    tern_ep_config c;
    cfg_data(&c);
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c, &c, ids);
    tern_data d;

    send_pkt(&p, ids[0], 0, 0, 0, 50);
    assert_int_equal(pkt_data(p.flight[0].data, p.flight[0].len, &d, 1), 1);
    assert_int_equal(d.flags & TERN_DATA_FLAG_I, 0);
    pair_deliver(&p, 0);
    assert_int_equal(pair_collect_from(&p, 1), 0); /* delayed */
    pair_fire(&p, 1);
    pair_collect_from(&p, 1);
    expect_sack(&p, 1);
    pair_deliver(&p, 0);

    send_pkt(&p, ids[0], 0, TERN_SEND_SACK_NOW, 1, 50);
    assert_int_equal(pkt_data(p.flight[0].data, p.flight[0].len, &d, 1), 1);
    assert_int_equal(d.flags, FLAG_BE | TERN_DATA_FLAG_I);
    uint32_t tsn = d.tsn;
    pair_deliver(&p, 0);
    assert_int_equal(pair_collect_from(&p, 1), 1);
    sack_view s = expect_sack(&p, 1);
    assert_int_equal(s.cum, tsn);
    assert_int_equal(read_one(&p, 1, NULL), 0);
    assert_int_equal(read_one(&p, 1, NULL), 1);
    pair_free(&p);
}

/* ---- §6.2 SACK generation ------------------------------------------------------ */

/* §6.2: one DATA packet is acknowledged after exactly sack_delay (200 ms),
 * and the timer is gone after. */
static void sec6_2_delayed_sack_after_sack_delay(void **state)
{
    (void)state;
    tern_ep_config c;
    cfg_data(&c);
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c, &c, ids);
    p.now = TERN_SEC(5);
    send_pkt(&p, ids[0], 0, 0, 0, 100);
    uint32_t tsn = pkt_tsn(&p.flight[0]);
    tern_time t = p.now;
    pair_deliver(&p, 0);
    assert_int_equal(pair_collect_from(&p, 1), 0);
    assert_int_equal(tern_ep_next_deadline(p.ep[1]), t + TERN_MSEC(200));
    assert_int_equal(pair_fire(&p, 1), t + TERN_MSEC(200));
    assert_int_equal(pair_collect_from(&p, 1), 1);
    sack_view s = expect_sack(&p, 1);
    assert_int_equal(s.cum, tsn);
    assert_int_equal(s.ngaps, 0);
    assert_int_equal(s.ndups, 0);
    assert_int_equal(tern_ep_next_deadline(p.ep[1]), TERN_TIME_NEVER);
    pair_deliver(&p, 0);
    assert_int_equal(pair_assoc(&p, 0, ids[0]).send_queued, 0);
    pair_free(&p);
}

/* §6.2: a SACK at least for every second packet (sack_freq 2): the second
 * DATA packet is acknowledged at once, both TSNs, and the delayed SACK
 * timer is stopped. */
static void sec6_2_sack_for_every_second_packet(void **state)
{
    (void)state;
    tern_ep_config c;
    cfg_data(&c);
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c, &c, ids);
    for (int round = 0; round < 3; round++) {
        send_pkt(&p, ids[0], 0, 0, 2u * round, 100);
        send_pkt(&p, ids[0], 0, 0, 2u * round + 1, 100);
        uint32_t tsn2 = pkt_tsn(&p.flight[1]);
        pair_deliver(&p, 0);
        assert_int_equal(pair_collect_from(&p, 1), 0);
        pair_deliver(&p, 0);
        assert_int_equal(pair_collect_from(&p, 1), 1);
        sack_view s = expect_sack(&p, 1);
        assert_int_equal(s.cum, tsn2);
        pair_deliver(&p, 0);
        /* Nothing more is owed: if the delayed SACK timer still fires, it
         * sends nothing. */
        if (tern_ep_next_deadline(p.ep[1]) != TERN_TIME_NEVER) {
            pair_fire(&p, 1);
            assert_int_equal(pair_collect_from(&p, 1), 0);
        }
    }
    pair_free(&p);
}

/* §6.2 (and DESIGN.md §4: next_deadline is the minimum of the timers):
 * the delayed SACK timer stops when a SACK goes out, so the endpoint has
 * no deadline left.
 * BUG: tern_sack_put_owed (core/data_in.c) sets timer[TERN_TSACK] to NEVER
 * without tern_assoc_timers_changed, so tern_ep_next_deadline keeps
 * reporting the stale 200 ms deadline (a spurious wakeup that sends
 * nothing). */
static void sec6_2_sack_timer_stopped_when_sack_sent(void **state)
{
    (void)state;
    tern_ep_config c;
    cfg_data(&c);
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c, &c, ids);
    send_pkt(&p, ids[0], 0, 0, 0, 100);
    send_pkt(&p, ids[0], 0, 0, 1, 100);
    pair_deliver(&p, 0);
    assert_int_equal(tern_ep_next_deadline(p.ep[1]), p.now + TERN_MSEC(200));
    pair_deliver(&p, 0);
    assert_int_equal(pair_collect_from(&p, 1), 1);
    expect_sack(&p, 1);
    assert_int_equal(tern_ep_next_deadline(p.ep[1]), TERN_TIME_NEVER);
    pair_free(&p);
}

/* §6.2: with sack_delay 0 every DATA packet is acknowledged at once. */
static void sec6_2_sack_delay_zero_acks_every_packet(void **state)
{
    (void)state;
    tern_ep_config c0, c1;
    cfg_data(&c0);
    cfg_data(&c1);
    c1.sack_delay = 0;
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c0, &c1, ids);
    for (uint32_t k = 0; k < 5; k++) {
        send_pkt(&p, ids[0], 0, 0, k, 100);
        uint32_t tsn = pkt_tsn(&p.flight[0]);
        pair_deliver(&p, 0);
        assert_int_equal(pair_collect_from(&p, 1), 1);
        assert_int_equal(expect_sack(&p, 1).cum, tsn);
        pair_deliver(&p, 0);
        assert_int_equal(tern_ep_next_deadline(p.ep[1]), TERN_TIME_NEVER);
    }
    pair_free(&p);
}

/* §6.2: a packet of only duplicate DATA is SACKed at once, the TSN listed
 * in Duplicate TSNs; the message is delivered once. The next SACK does not
 * list it again. */
static void sec6_2_duplicate_tsn_reported_at_once(void **state)
{
    (void)state;
    tern_ep_config c;
    cfg_data(&c);
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c, &c, ids);
    send_pkt(&p, ids[0], 0, 0, 0, 100);
    pair_pkt dup = p.flight[0];
    uint32_t tsn = pkt_tsn(&dup);
    pair_deliver(&p, 0);
    assert_int_equal(pair_collect_from(&p, 1), 0);
    pair_fire(&p, 1);
    pair_collect_from(&p, 1);
    sack_view s = expect_sack(&p, 1);
    assert_int_equal(s.ndups, 0);
    pair_deliver(&p, 0);

    deliver_copy(&p, &dup);
    assert_int_equal(pair_collect_from(&p, 1), 1);
    s = expect_sack(&p, 1);
    assert_int_equal(s.cum, tsn);
    assert_int_equal(s.ndups, 1);
    assert_int_equal(s.dups[0], tsn);
    pair_deliver(&p, 0);

    assert_int_equal(read_one(&p, 1, NULL), 0);
    assert_int_equal(read_one(&p, 1, NULL), -1);
    assert_int_equal(pair_assoc(&p, 1, ids[1]).stats.messages_in, 1);

    /* The next SACK reports no duplicate again. */
    send_pkt(&p, ids[0], 0, TERN_SEND_SACK_NOW, 1, 100);
    pair_deliver(&p, 0);
    pair_collect_from(&p, 1);
    s = expect_sack(&p, 1);
    assert_int_equal(s.ndups, 0);
    pair_free(&p);
}

/* ---- §6.7 gap ack blocks ----------------------------------------------------- */

/* §3.3.4, §6.7: TSNs t..t+6, t+1 and t+4 lost: each SACK carries the
 * cumulative TSN t and gap blocks as offsets from it — (2,2), then (2,3),
 * then (2,3)(5,5), then (2,3)(5,6). §6.2: once there is a gap, every packet
 * is SACKed at once (default delayed SACK settings). */
static void sec6_7_gap_ack_blocks_after_loss(void **state)
{
    (void)state;
    tern_ep_config c;
    cfg_data(&c);
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c, &c, ids);
    static pair_pkt pk[7];
    for (uint32_t k = 0; k < 7; k++) {
        send_pkt(&p, ids[0], 0, 0, k, 100);
        pk[k] = p.flight[0];
        pair_drop(&p, 0);
    }
    uint32_t t = pkt_tsn(&pk[0]);
    for (uint32_t k = 0; k < 7; k++)
        assert_int_equal(pkt_tsn(&pk[k]), t + k);

    deliver_copy(&p, &pk[0]);
    assert_int_equal(pair_collect_from(&p, 1), 0); /* no gap: delayed */
    static const struct {
        int k;
        unsigned ngaps;
        tern_gap_block g[2];
    } step[] = {
        {2, 1, {{2, 2}}},
        {3, 1, {{2, 3}}},
        {5, 2, {{2, 3}, {5, 5}}},
        {6, 2, {{2, 3}, {5, 6}}},
    };
    for (size_t j = 0; j < 4; j++) {
        deliver_copy(&p, &pk[step[j].k]);
        assert_int_equal(pair_collect_from(&p, 1), 1);
        sack_view s = expect_sack(&p, 1);
        assert_int_equal(s.cum, t);
        assert_int_equal(s.ngaps, step[j].ngaps);
        for (unsigned g = 0; g < s.ngaps; g++) {
            assert_int_equal(s.gaps[g].start, step[j].g[g].start);
            assert_int_equal(s.gaps[g].end, step[j].g[g].end);
        }
        assert_int_equal(s.ndups, 0);
        pair_drop(&p, 0); /* the sender never hears: no fast retransmit */
    }
    /* Filling the first hole moves the cumulative ack past it. */
    deliver_copy(&p, &pk[1]);
    if (pair_collect_from(&p, 1) == 0) pair_fire(&p, 1); /* may wait: it fills a gap */
    pair_collect_from(&p, 1);
    sack_view s = expect_sack(&p, 1);
    assert_int_equal(s.cum, t + 3);
    assert_int_equal(s.ngaps, 1);
    assert_int_equal(s.gaps[0].start, 2);
    assert_int_equal(s.gaps[0].end, 3);
    pair_free(&p);
}

/* ---- §7.2.4 fast retransmit ------------------------------------------------------ */

/* Grows endpoint 0's cwnd well past 8 PMDCS by a bulk transfer; returns the
 * next message index. */
static uint32_t grow_cwnd(pair *p, tern_assoc_id ids[2], reader *r)
{
    uint32_t idx = r->n;
    for (int k = 0; k < 80; k++)
        send_ok(p, 0, ids[0], 0, 0, idx++, BIG);
    pump_ops o = {.after = after_read, .ctx = r}; /* time stands still: no idle decay */
    pump(p, &o);
    assert_int_equal(r->n, idx);
    tern_assoc_info i = pair_assoc(p, 0, ids[0]);
    assert_int_equal(i.send_queued, 0);
    assert_true(i.paths[0].cwnd > 8 * (uint64_t)PMDCS + 2 * PMDCS);
    return idx;
}

/* §7.2.4: with TSN t lost, the SACKs for t+1 and t+2 (1st and 2nd miss
 * indication) retransmit nothing; the 3rd (for t+3) retransmits t at once.
 * §7.2.3: ssthresh = max(cwnd/2, 4·PMDCS), cwnd = ssthresh, in Fast
 * Recovery. Then everything arrives in order. */
static void sec7_2_4_fast_retransmit_on_third_miss(void **state)
{
    (void)state;
    tern_ep_config c0, c1;
    cfg_data(&c0);
    cfg_data(&c1);
    c1.sack_delay = 0;
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c0, &c1, ids);
    reader r = {.side = 1, .in_order = true};
    uint32_t idx = grow_cwnd(&p, ids, &r);
    assert_int_equal(tern_cc_pmdcs(1500, false, true), PMDCS);

    static pair_pkt pk[6];
    for (int k = 0; k < 6; k++) {
        send_pkt(&p, ids[0], 0, 0, idx + (uint32_t)k, BIG);
        pk[k] = p.flight[0];
        pair_drop(&p, 0);
    }
    uint32_t t = pkt_tsn(&pk[0]); /* pk[0] is lost */
    tern_assoc_info before = pair_assoc(&p, 0, ids[0]);
    uint64_t cwnd = before.paths[0].cwnd;
    for (int k = 1; k <= 3; k++) {
        deliver_copy(&p, &pk[k]);
        assert_int_equal(pair_collect_from(&p, 1), 1);
        sack_view s = expect_sack(&p, 1);
        assert_int_equal(s.cum, t - 1);
        assert_int_equal(s.ngaps, 1);
        assert_int_equal(s.gaps[0].start, 2);
        assert_int_equal(s.gaps[0].end, 1 + k);
        pair_deliver(&p, 0);
        size_t sent = pair_collect_from(&p, 0);
        tern_assoc_info i = pair_assoc(&p, 0, ids[0]);
        if (k < 3) {
            assert_int_equal(sent, 0);
            assert_int_equal(i.stats.fast_retransmits, 0);
            assert_false(i.paths[0].fast_recovery);
            assert_int_equal(i.paths[0].cwnd, cwnd); /* not fully used: no growth */
            continue;
        }
        assert_int_equal(sent, 1);
        tern_data d[4];
        assert_int_equal(pkt_data(p.flight[0].data, p.flight[0].len, d, 4), 1);
        assert_int_equal(d[0].tsn, t);
        assert_int_equal(d[0].payload.len, BIG);
        assert_int_equal(i.stats.fast_retransmits, 1);
        uint64_t want = cwnd / 2 > 4u * PMDCS ? cwnd / 2 : 4u * PMDCS;
        assert_int_equal(i.paths[0].ssthresh, want);
        assert_int_equal(i.paths[0].cwnd, want);
        assert_true(i.paths[0].fast_recovery);
    }
    pair_deliver(&p, 0);
    deliver_copy(&p, &pk[4]);
    deliver_copy(&p, &pk[5]);
    pump_read(&p, &r);
    assert_int_equal(r.n, idx + 6);
    assert_int_equal(pair_assoc(&p, 0, ids[0]).send_queued, 0);
    pair_free(&p);
}

/* §7.2.1: the initial cwnd is min(4·PMDCS, max(2·PMDCS, 4404)) = 4404
 * over IPv4; §6.1 B: new data goes out while the flight is below cwnd, the
 * last packet breaching it by less than a PMDCS. Ten 1200-byte messages
 * (1216-byte chunks, one a packet): four packets, 4864 bytes in flight,
 * the rest waits until acks come. */
static void sec6_1_rule_b_initial_cwnd_limits_first_flight(void **state)
{
    (void)state;
    tern_ep_config c;
    cfg_data(&c);
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c, &c, ids);
    tern_assoc_info i = pair_assoc(&p, 0, ids[0]);
    assert_int_equal(i.paths[0].cwnd, 4404);
    assert_int_equal(i.paths[0].ssthresh, TERN_CC_SSTHRESH_INITIAL);
    assert_int_equal(i.paths[0].flight, 0);
    for (uint32_t k = 0; k < 10; k++)
        send_ok(&p, 0, ids[0], 0, 0, k, BIG);
    assert_int_equal(pair_collect_from(&p, 0), 4);
    for (size_t k = 0; k < 4; k++) {
        tern_data d[2];
        assert_int_equal(pkt_data(p.flight[k].data, p.flight[k].len, d, 2), 1);
    }
    i = pair_assoc(&p, 0, ids[0]);
    assert_int_equal(i.paths[0].flight, 4 * (16 + BIG));
    assert_true(i.paths[0].flight < i.paths[0].cwnd + PMDCS);
    assert_int_equal(i.send_queued, 10 * BIG);
    reader r = {.side = 1, .in_order = true};
    pump_read(&p, &r);
    assert_int_equal(r.n, 10);
    pair_free(&p);
}

/* ---- §6.3.3 T3-rtx ---------------------------------------------------------------- */

/* §6.3.3: the lost chunk is retransmitted when T3-rtx expires, after RTO;
 * E2 doubles the RTO on each expiry (1 s, 2 s, 4 s) and §7.2.3 sets cwnd
 * to one PMDCS and ssthresh to max(cwnd/2, 4·PMDCS). */
static void sec6_3_3_t3_rtx_backoff_and_cwnd(void **state)
{
    (void)state;
    tern_ep_config c;
    cfg_data(&c);
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c, &c, ids);
    send_pkt(&p, ids[0], 0, 0, 0, BIG);
    uint32_t tsn = pkt_tsn(&p.flight[0]);
    pair_drop(&p, 0);
    tern_assoc_info i = pair_assoc(&p, 0, ids[0]);
    uint64_t cwnd0 = i.paths[0].cwnd;
    assert_int_equal(i.paths[0].rto, TERN_SEC(1));
    tern_time rto = TERN_SEC(1);
    for (int n = 1; n <= 3; n++) {
        tern_time sent = p.now;
        assert_int_equal(tern_ep_next_deadline(p.ep[0]), sent + rto);
        assert_int_equal(pair_fire(&p, 0), sent + rto);
        assert_int_equal(pair_collect_from(&p, 0), 1);
        tern_data d[2];
        assert_int_equal(pkt_data(p.flight[0].data, p.flight[0].len, d, 2), 1);
        assert_int_equal(d[0].tsn, tsn);
        assert_int_equal(d[0].payload.len, BIG);
        rto *= 2;
        i = pair_assoc(&p, 0, ids[0]);
        assert_int_equal(i.paths[0].rto, rto);
        assert_int_equal(i.stats.t3_expired, n);
        assert_int_equal(i.paths[0].cwnd, PMDCS);
        if (n == 1) {
            uint64_t want = cwnd0 / 2 > 4u * PMDCS ? cwnd0 / 2 : 4u * PMDCS;
            assert_int_equal(i.paths[0].ssthresh, want);
        }
        if (n < 3) pair_drop(&p, 0);
    }
    reader r = {.side = 1, .in_order = true};
    pump_read(&p, &r);
    assert_int_equal(r.n, 1);
    i = pair_assoc(&p, 0, ids[0]);
    assert_int_equal(i.send_queued, 0);
    assert_int_equal(i.stats.t3_expired, 3);
    pair_free(&p);
}

/* ---- §6.1 zero window --------------------------------------------------------------- */

/* Endpoint 1 advertises 4000 bytes and does not read; endpoint 0 queues
 * twenty 500-byte messages; the packets move (time standing still) until
 * nothing more flows. */
static void zero_window_setup(pair *p, tern_assoc_id ids[2])
{
    tern_ep_config c0, c1;
    cfg_data(&c0);
    cfg_data(&c1);
    c1.rwnd = 4000;
    c1.sack_delay = 0;
    open_pair(p, &c0, &c1, ids);
    for (uint32_t k = 0; k < 20; k++)
        send_ok(p, 0, ids[0], 0, 0, k, 500);
    pump(p, NULL);
    tern_assoc_info i0 = pair_assoc(p, 0, ids[0]), i1 = pair_assoc(p, 1, ids[1]);
    assert_int_equal(i1.a_rwnd, 0);
    assert_int_equal(i1.recv_held, 4000);
    assert_true(i0.send_queued > i1.recv_held);
}

/* §6.2.1: the sender's view of the peer's rwnd follows the SACKs: a_rwnd
 * less what is outstanding — 0 here, the receiver having closed its window.
 * BUG: tern_ep_assoc_info reports a->peer_rwnd, the a_rwnd of the INIT /
 * INIT ACK, never updated; the live value is a->rq.peer_rwnd (4000 is
 * reported instead of 0). */
static void sec6_2_1_peer_rwnd_follows_sacks(void **state)
{
    (void)state;
    pair p;
    tern_assoc_id ids[2];
    zero_window_setup(&p, ids);
    assert_int_equal(pair_assoc(&p, 0, ids[0]).peer_rwnd, 0);
    pair_free(&p);
}

/* §6.1 A: when the receiver closes its window with nothing outstanding,
 * the first zero window probe waits one RTO: no DATA goes out at once,
 * everything sent is acknowledged, and the next deadline is now + RTO.
 * BUG: the SACK acknowledging everything with a_rwnd 0 lets the ninth
 * chunk out at once as a probe (tern_retransq_rwnd_allows: "rq->count ==
 * 0" is enough), at the same instant, not after 1 RTO. */
static void sec6_1_first_zero_window_probe_after_one_rto(void **state)
{
    (void)state;
    pair p;
    tern_assoc_id ids[2];
    zero_window_setup(&p, ids);
    tern_assoc_info i0 = pair_assoc(&p, 0, ids[0]), i1 = pair_assoc(&p, 1, ids[1]);
    assert_int_equal(i1.cum_tsn_ack, i0.next_tsn - 1);
    assert_int_equal(i0.stats.data_chunks_out, 8);
    assert_int_equal(tern_ep_next_deadline(p.ep[0]), p.now + i0.paths[0].rto);
    pair_fire(&p, 0);
    assert_int_equal(pair_collect_from(&p, 0), 1);
    pair_expect_one(&p, 0, TERN_CHUNK_DATA);
    pair_free(&p);
}

/* §6.1 A: while SACKs keep coming back, unacknowledged zero window probes
 * do not count as errors: fifteen probes (more than Path.Max.Retrans 5 and
 * Association.Max.Retrans 10) leave both error counters at 0, the path
 * active and the association up.
 * BUG: each probe's T3-rtx expiry counts a strike (error_count 1 after the
 * first) and the SACK answering it (no new TSN acknowledged) does not
 * clear it, so a receiver that keeps its window closed gets the
 * association aborted after Association.Max.Retrans probes (the path goes
 * INACTIVE at the 6th probe, t = 63 s). */
static void sec6_1_zero_window_probes_are_not_errors(void **state)
{
    (void)state;
    pair p;
    tern_assoc_id ids[2];
    zero_window_setup(&p, ids);
    for (int n = 0; n < 15; n++) {
        pair_fire(&p, 0);
        assert_int_equal(pair_collect_from(&p, 0), 1);
        pair_expect_one(&p, 0, TERN_CHUNK_DATA);
        pair_deliver(&p, 0);
        assert_int_equal(pair_collect_from(&p, 1), 1);
        assert_int_equal(expect_sack(&p, 1).a_rwnd, 0);
        pair_deliver(&p, 0);
        tern_assoc_info i0;
        if (!pair_info(&p, 0, ids[0], &i0)) fail_msg("association gone after probe %d", n + 1);
        assert_int_equal(i0.state, TERN_STATE_ESTABLISHED);
        assert_int_equal(i0.error_count, 0);
        assert_int_equal(i0.paths[0].error_count, 0);
        assert_int_equal(i0.paths[0].state, TERN_PATH_ACTIVE);
    }
    pair_free(&p);
}

/* §6.1 A, §6.2: with the peer's window closed the sender sends one DATA
 * chunk at a time as a zero window probe; the receiver drops it and SACKs
 * at once with window 0; each later probe waits at least the (backed off)
 * RTO since the last; probes do not count as errors while SACKs come back.
 * Reading opens the window: a window update SACK goes out and every
 * message arrives in order. */
static void sec6_1_zero_window_probe(void **state)
{
    (void)state;
    pair p;
    tern_assoc_id ids[2];
    zero_window_setup(&p, ids);
    tern_assoc_info i0 = pair_assoc(&p, 0, ids[0]), i1 = pair_assoc(&p, 1, ids[1]);
    size_t held = i1.recv_held;
    uint64_t in = i1.stats.messages_in;
    uint32_t probe_tsn = i1.cum_tsn_ack + 1;
    assert_true(i0.next_tsn - probe_tsn <= 1); /* at most one probe out already */

    tern_time rto = i0.paths[0].rto, last = p.now, interval = 0;
    for (int n = 0; n < 4; n++) {
        tern_time at = pair_fire(&p, 0);
        assert_true(at >= last + rto);
        if (n) assert_true(at - last >= interval);
        interval = at - last;
        last = at;
        assert_int_equal(pair_collect_from(&p, 0), 1);
        tern_chunk_raw raw = pair_expect_one(&p, 0, TERN_CHUNK_DATA);
        tern_data d;
        assert_int_equal(tern_data_decode(&raw, &d), 0);
        assert_int_equal(d.tsn, probe_tsn);
        pair_deliver(&p, 0);
        /* §6.2: dropped (window 0), SACKed at once. */
        assert_int_equal(pair_collect_from(&p, 1), 1);
        sack_view s = expect_sack(&p, 1);
        assert_int_equal(s.cum, probe_tsn - 1);
        assert_int_equal(s.a_rwnd, 0);
        pair_deliver(&p, 0);
        assert_int_equal(pair_collect_from(&p, 0), 0);
        i1 = pair_assoc(&p, 1, ids[1]);
        assert_int_equal(i1.recv_held, held);
        assert_int_equal(i1.stats.messages_in, in);
        i0 = pair_assoc(&p, 0, ids[0]);
        assert_int_equal(i0.state, TERN_STATE_ESTABLISHED);
        assert_int_equal(i0.next_tsn, probe_tsn + 1);
        rto = i0.paths[0].rto;
    }

    reader r = {.side = 1, .in_order = true};
    reader_drain(&p, &r);
    assert_int_equal(r.n, 8);
    assert_int_equal(pair_collect_from(&p, 1), 1); /* window update */
    sack_view s = expect_sack(&p, 1);
    assert_int_equal(s.a_rwnd, 4000);
    pair_deliver(&p, 0);
    pump_read(&p, &r); /* at once, or (see below) at the next probe */
    assert_int_equal(r.n, 20);
    assert_int_equal(pair_assoc(&p, 0, ids[0]).send_queued, 0);
    pair_free(&p);
}

/* One zero window probe: the timer fires, one DATA chunk goes out, is
 * dropped and answered at once by a SACK with window 0. */
static void zero_window_probe_once(pair *p)
{
    pair_fire(p, 0);
    assert_int_equal(pair_collect_from(p, 0), 1);
    pair_expect_one(p, 0, TERN_CHUNK_DATA);
    pair_deliver(p, 0);
    assert_int_equal(pair_collect_from(p, 1), 1);
    assert_int_equal(expect_sack(p, 1).a_rwnd, 0);
    pair_deliver(p, 0);
}

/* §6.1 A, §6.2: when the receiver reads and its window update SACK
 * arrives, the sender resumes at once. "Zero window probing does not
 * affect the calculation of cwnd" (§6.1 A): a probe left unacknowledged
 * by a closed window is not a loss.
 * BUG: each probe goes out by T3-rtx expiry, which applies §7.2.3 (cwnd =
 * 1 PMDCS, one packet in flight until an ack); the window update SACK does
 * not acknowledge the probe, so nothing is sent until the probe's next,
 * backed-off, T3 expiry (2 s here, up to RTO.Max). */
static void sec6_1_sender_resumes_on_window_update(void **state)
{
    (void)state;
    pair p;
    tern_assoc_id ids[2];
    zero_window_setup(&p, ids);
    zero_window_probe_once(&p);
    reader r = {.side = 1, .in_order = true};
    reader_drain(&p, &r);
    assert_int_equal(r.n, 8);
    assert_int_equal(pair_collect_from(&p, 1), 1); /* window update */
    assert_int_equal(expect_sack(&p, 1).a_rwnd, 4000);
    pair_deliver(&p, 0);
    assert_true(pair_collect_from(&p, 0) >= 1);
    assert_true(pkt_has_data(&p.flight[0]));
    tern_assoc_info i0 = pair_assoc(&p, 0, ids[0]);
    assert_true(i0.paths[0].cwnd > PMDCS);
    pair_free(&p);
}

/* ---- §6.9 fragmentation and reassembly ------------------------------------------------ */

typedef struct frag_ctx {
    uint32_t chunks, first_tsn;
    bool seen_first, seen_last;
} frag_ctx;

static bool frag_keep(pair *p, const pair_pkt *k, void *ctx)
{
    (void)p;
    frag_ctx *f = ctx;
    if (k->from != 0) return true;
    assert_true(k->len <= MAX_PKT);
    static tern_data d[8];
    int n = pkt_data(k->data, k->len, d, 8);
    for (int j = 0; j < n && j < 8; j++) {
        assert_int_equal(d[j].stream, 1);
        assert_int_equal(d[j].ssn, 0);
        if (d[j].flags & TERN_DATA_FLAG_B) {
            assert_false(f->seen_first);
            f->seen_first = true;
            f->first_tsn = d[j].tsn;
        }
        if (d[j].flags & TERN_DATA_FLAG_E) {
            assert_false(f->seen_last);
            f->seen_last = true;
            assert_int_equal(d[j].tsn - f->first_tsn + 1, f->chunks + 1);
        }
        f->chunks++;
    }
    return true;
}

/* §6.9: a 1 MiB message goes out in fragments no packet of which exceeds
 * the path MTU (1500: 1472 bytes of SCTP over IPv4 and UDP), B on the
 * first, E on the last, consecutive TSNs; the receiver hands it over
 * whole and intact (in several reads of 64 KiB, EOR on the last). */
static void sec6_9_reassembly_of_1mib_message(void **state)
{
    (void)state;
    tern_ep_config c0, c1;
    cfg_data(&c0);
    cfg_data(&c1);
    c0.sndbuf = 2u << 20;
    c1.rwnd = 4u << 20;
    c1.sack_delay = 0;
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c0, &c1, ids);
    const size_t len = 1u << 20;
    uint8_t *msg = malloc(len), *got = malloc(len + 65536);
    assert_non_null(msg);
    assert_non_null(got);
    mk_msg(msg, len, 42);
    tern_sndinfo si = {.stream = 1, .ppid = PPID};
    assert_int_equal(tern_ep_send(p.ep[0], ids[0], &si, msg, len, p.now), 0);
    frag_ctx f = {0};
    pump_ops o = {.keep = frag_keep, .ctx = &f, .limit = p.now + TERN_SEC(60)};
    pump(&p, &o);
    assert_true(f.seen_first && f.seen_last);
    assert_true(f.chunks >= len / (MAX_PKT - 12 - 16));

    size_t off = 0;
    for (;;) {
        tern_rcvinfo ri;
        long n = tern_ep_recv(p.ep[1], &ri, got + off, 65536, p.now);
        assert_true(n > 0);
        assert_int_equal(ri.stream, 1);
        assert_int_equal(ri.ppid, PPID);
        assert_int_equal(ri.tsn, f.first_tsn);
        off += (size_t)n;
        if (ri.flags & TERN_RCV_EOR) break;
        assert_true(off < len);
    }
    assert_int_equal(off, len);
    assert_memory_equal(got, msg, len);
    tern_rcvinfo ri;
    assert_int_equal(tern_ep_recv(p.ep[1], &ri, got, 65536, p.now), 0);
    free(msg);
    free(got);
    pair_free(&p);
}

typedef struct pd_ctx {
    uint8_t *got;
    size_t off, len, max_held;
    uint32_t tsn;
    int reads;
    bool eor, partial_seen, tsn_varied;
    tern_assoc_id id1;
} pd_ctx;

/* Reads what endpoint 1 has of the one message, 16 KiB at a time. */
static void pd_after(pair *p, void *ctx)
{
    pd_ctx *c = ctx;
    tern_assoc_info i;
    if (pair_info(p, 1, c->id1, &i) && i.recv_held > c->max_held) c->max_held = i.recv_held;
    for (;;) {
        tern_rcvinfo ri;
        size_t cap = c->len + 1 - c->off;
        if (cap > 16384) cap = 16384;
        long n = tern_ep_recv(p->ep[1], &ri, c->got + c->off, cap, p->now);
        assert_true(n >= 0);
        if (n == 0) return;
        assert_false(c->eor);
        if (c->reads++ == 0) c->tsn = ri.tsn;
        if (ri.tsn != c->tsn) c->tsn_varied = true;
        assert_int_equal(ri.stream, 7);
        assert_int_equal(ri.ppid, PPID);
        if (ri.flags & TERN_RCV_PARTIAL) c->partial_seen = true;
        c->off += (size_t)n;
        assert_true(c->off <= c->len);
        if (ri.flags & TERN_RCV_EOR) c->eor = true;
    }
}

/* A 300 KB message on stream 7 to a receiver with a 64 KiB window
 * (pd_point 32 KiB), read 16 KiB at a time as it comes. */
static void partial_delivery_run(pd_ctx *c)
{
    tern_ep_config c0, c1;
    cfg_data(&c0);
    cfg_data(&c1);
    c1.rwnd = 65536;
    c1.sack_delay = 0;
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c0, &c1, ids);
    const size_t len = 300000;
    uint8_t *msg = malloc(len);
    *c = (pd_ctx){.got = malloc(len + 1), .len = len, .id1 = ids[1]};
    assert_non_null(msg);
    assert_non_null(c->got);
    mk_msg(msg, len, 5);
    tern_sndinfo si = {.stream = 7, .ppid = PPID};
    assert_int_equal(tern_ep_send(p.ep[0], ids[0], &si, msg, len, p.now), 0);
    pump_ops o = {.after = pd_after, .ctx = c, .limit = p.now + TERN_SEC(120)};
    pump(&p, &o);
    assert_true(c->eor);
    assert_int_equal(c->off, len);
    assert_memory_equal(c->got, msg, len);
    assert_int_equal(pair_assoc(&p, 0, ids[0]).send_queued, 0);
    free(msg);
    free(c->got);
    c->got = NULL;
    pair_free(&p);
}

/* §6.9 (partial delivery): a message larger than the receive window
 * cannot be reassembled whole: delivery starts before it has all arrived
 * (TERN_RCV_PARTIAL), the receiver never holds more than its window, and
 * the reads add up to the message, EOR on the last. */
static void sec6_9_partial_delivery_of_message_larger_than_rwnd(void **state)
{
    (void)state;
    pd_ctx c;
    partial_delivery_run(&c);
    assert_true(c.partial_seen);
    assert_true(c.max_held <= 65536);
}

/* API (core.h: tern_rcvinfo.tsn is "of the message's first chunk"): every
 * part of a partially delivered message reports the same TSN.
 * BUG: under partial delivery each piece handed over reports the TSN of
 * its own first chunk (here the second piece's reads say first TSN + 23),
 * unlike a whole message read in parts. */
static void api_partial_delivery_parts_report_first_tsn(void **state)
{
    (void)state;
    pd_ctx c;
    partial_delivery_run(&c);
    assert_true(c.reads > 1);
    assert_false(c.tsn_varied);
}

/* ---- §6.5, §6.6 streams and ordering ---------------------------------------------------- */

/* §6.5, §6.6: A (stream 1) is lost; B and C (stream 2) are read at once; D
 * (stream 1, after A) waits for A's retransmission. Read order: B C A D. */
static void sec6_6_ordered_stream_blocked_other_streams_deliver(void **state)
{
    (void)state;
    tern_ep_config c0, c1;
    cfg_data(&c0);
    cfg_data(&c1);
    c1.sack_delay = 0;
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c0, &c1, ids);
    send_pkt(&p, ids[0], 1, 0, 0, 200); /* A */
    pair_drop(&p, 0);
    send_pkt(&p, ids[0], 2, 0, 1, 200); /* B */
    send_pkt(&p, ids[0], 2, 0, 2, 200); /* C */
    send_pkt(&p, ids[0], 1, 0, 3, 200); /* D */
    for (int k = 0; k < 3; k++)
        pair_deliver(&p, 0);
    pair_drop_all(&p, 0); /* the SACKs: recovery waits */

    tern_rcvinfo ri;
    assert_int_equal(read_one(&p, 1, &ri), 1);
    assert_int_equal(ri.stream, 2);
    assert_int_equal(ri.ssn, 0);
    assert_int_equal(read_one(&p, 1, &ri), 2);
    assert_int_equal(ri.stream, 2);
    assert_int_equal(ri.ssn, 1);
    assert_int_equal(read_one(&p, 1, &ri), -1); /* D waits for A */

    reader r = {.side = 1};
    pump_read(&p, &r);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.order[0], 0);
    assert_int_equal(r.order[1], 3);
    pair_free(&p);
}

/* §6.6: an unordered message is delivered as soon as it arrives, past a
 * gap in the TSNs; ordered ones on its stream still wait. */
static void sec6_6_unordered_delivered_past_gap(void **state)
{
    (void)state;
    tern_ep_config c0, c1;
    cfg_data(&c0);
    cfg_data(&c1);
    c1.sack_delay = 0;
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c0, &c1, ids);
    send_pkt(&p, ids[0], 0, 0, 0, 200); /* A, lost */
    pair_drop(&p, 0);
    send_pkt(&p, ids[0], 0, TERN_SEND_UNORDERED, 1, 200); /* U1 */
    send_pkt(&p, ids[0], 0, 0, 2, 200);                   /* B, waits for A */
    send_pkt(&p, ids[0], 1, TERN_SEND_UNORDERED, 3, 200); /* U2 */
    for (int k = 0; k < 3; k++)
        pair_deliver(&p, 0);
    pair_drop_all(&p, 0);

    tern_rcvinfo ri;
    assert_int_equal(read_one(&p, 1, &ri), 1);
    assert_int_equal(ri.flags, TERN_RCV_EOR | TERN_RCV_UNORDERED);
    assert_int_equal(ri.stream, 0);
    assert_int_equal(read_one(&p, 1, &ri), 3);
    assert_int_equal(ri.flags, TERN_RCV_EOR | TERN_RCV_UNORDERED);
    assert_int_equal(ri.stream, 1);
    assert_int_equal(read_one(&p, 1, &ri), -1);

    reader r = {.side = 1};
    pump_read(&p, &r);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.order[0], 0);
    assert_int_equal(r.order[1], 2);
    pair_free(&p);
}

/* §6.5: a DATA chunk for a stream the receiver does not have (≥ its
 * inbound streams) is acknowledged as usual (the SACK covers its TSN) and
 * answered at once with an ERROR with an Invalid Stream Identifier cause
 * naming the stream; if bundled, the ERROR follows the SACK. Nothing is
 * delivered; the next chunk on a valid stream still is. */
static void sec6_5_invalid_stream_error_and_tsn_acked(void **state)
{
    (void)state;
    tern_ep_config c;
    cfg_data(&c);
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c, &c, ids);
    tern_assoc_info i1 = pair_assoc(&p, 1, ids[1]);
    assert_int_equal(i1.inbound_streams, 10);
    uint32_t tsn = i1.cum_tsn_ack + 1;
    assert_int_equal(tsn, i1.peer_initial_tsn);

    uint8_t payload[16], chunks[64];
    mk_msg(payload, sizeof payload, 9);
    tern_wbuf w;
    tern_wbuf_init(&w, chunks, sizeof chunks);
    tern_data d = {.flags = FLAG_BE,
                   .tsn = tsn,
                   .stream = i1.inbound_streams,
                   .ssn = 0,
                   .ppid = PPID,
                   .payload = {payload, sizeof payload}};
    tern_data_put(&w, &d);
    pair_inject_wbuf(&p, 1, i1.local_vtag, &w);

    assert_true(pair_collect_from(&p, 1) >= 1);
    long e = pair_find_in_flight(&p, 1, TERN_CHUNK_ERROR);
    assert_true(e >= 0);
    const pair_pkt *k = &p.flight[e];
    assert_int_equal(pkt_vtag(k->data, k->len), i1.peer_vtag);
    tern_chunk_raw raw;
    assert_true(pkt_find(k->data, k->len, TERN_CHUNK_ERROR, &raw));
    assert_int_equal(raw.value.len, 8);
    assert_int_equal(tern_load16(raw.value.ptr), TERN_CAUSE_INVALID_STREAM);
    assert_int_equal(tern_load16(raw.value.ptr + 2), 8);
    assert_int_equal(tern_load16(raw.value.ptr + 4), i1.inbound_streams);
    /* A bundled SACK comes first. */
    tern_common_header h;
    tern_chunk_iter it;
    assert_int_equal(tern_packet_parse(k->data, k->len, &h, &it), 0);
    bool error_seen = false;
    while (tern_chunk_next(&it, &raw) > 0) {
        if (raw.type == TERN_CHUNK_ERROR) error_seen = true;
        if (raw.type == TERN_CHUNK_SACK) assert_false(error_seen);
    }
    if (pair_find_in_flight(&p, 1, TERN_CHUNK_SACK) < 0) { /* delayed as usual */
        pair_drop_all(&p, 0);
        pair_fire(&p, 1);
        pair_collect_from(&p, 1);
    }
    long si = pair_find_in_flight(&p, 1, TERN_CHUNK_SACK);
    assert_true(si >= 0);
    sack_view s;
    assert_true(pkt_sack(p.flight[si].data, p.flight[si].len, &s));
    assert_int_equal(s.cum, tsn);
    assert_int_equal(s.ngaps, 0);
    pair_drop_all(&p, 0);
    assert_int_equal(read_one(&p, 1, NULL), -1);
    assert_int_equal(pair_assoc(&p, 1, ids[1]).cum_tsn_ack, tsn);
    assert_int_equal(pair_assoc(&p, 1, ids[1]).state, TERN_STATE_ESTABLISHED);

    /* The next TSN on stream 0 is delivered. */
    mk_msg(payload, sizeof payload, 10);
    d.tsn = tsn + 1;
    d.stream = 0;
    tern_wbuf_init(&w, chunks, sizeof chunks);
    tern_data_put(&w, &d);
    pair_inject_wbuf(&p, 1, i1.local_vtag, &w);
    assert_int_equal(read_one(&p, 1, NULL), 10);
    pair_free(&p);
}

/* ---- serial number wrap ----------------------------------------------------------------- */

/* A cfg.random that makes every 32-bit draw (tags, Initial TSN) 0xFFFFFFF0;
 * longer draws come from a seeded generator. */
static int random_near_wrap(void *ctx, uint8_t *buf, size_t len)
{
    if (len == 4) {
        uint32_t v = 0xFFFFFFF0u;
        memcpy(buf, &v, 4);
        return 0;
    }
    return pair_random(ctx, buf, len);
}

typedef struct wrap_ctx {
    reader r;
    bool dropped, gap_seen;
} wrap_ctx;

/* Loses the packet with TSN 0 (once) and checks the gap block reported
 * across the wrap: cum 0xFFFFFFFF, TSN 1 at offset 2. */
static bool wrap_keep(pair *p, const pair_pkt *k, void *ctx)
{
    (void)p;
    wrap_ctx *w = ctx;
    sack_view s;
    if (k->from == 1 && pkt_sack(k->data, k->len, &s) && s.cum == 0xFFFFFFFFu && s.ngaps) {
        assert_int_equal(s.gaps[0].start, 2);
        w->gap_seen = true;
    }
    if (k->from == 0 && !w->dropped && pkt_has_data(k) && pkt_tsn(k) == 0) {
        w->dropped = true;
        return false;
    }
    return true;
}

/* §1.6 (serial number arithmetic), §6.1: with the Initial TSN at
 * 0xFFFFFFF0, 40 messages cross the TSN wrap, the one with TSN 0 is lost
 * and recovered; all arrive in order and the cumulative ack ends at 0x17. */
static void sec1_6_tsn_wraps_mid_transfer(void **state)
{
    (void)state;
    pair_rng rng[2] = {{1}, {2}};
    tern_ep_config c[2];
    for (int i = 0; i < 2; i++) {
        cfg_data(&c[i]);
        c[i].random = random_near_wrap;
        c[i].random_ctx = &rng[i];
    }
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c[0], &c[1], ids);
    tern_assoc_info i0 = pair_assoc(&p, 0, ids[0]);
    assert_int_equal(i0.local_initial_tsn, 0xFFFFFFF0u);
    assert_int_equal(pair_assoc(&p, 1, ids[1]).peer_initial_tsn, 0xFFFFFFF0u);
    for (uint32_t k = 0; k < 40; k++)
        send_ok(&p, 0, ids[0], 0, 0, k, BIG);
    wrap_ctx w = {.r = {.side = 1, .in_order = true}};
    pump_ops o = {.keep = wrap_keep, .after = after_read, .ctx = &w, .limit = TERN_SEC(120)};
    pump(&p, &o);
    assert_true(w.dropped);
    assert_true(w.gap_seen);
    assert_int_equal(w.r.n, 40);
    assert_int_equal(pair_assoc(&p, 1, ids[1]).cum_tsn_ack, 0x17u);
    i0 = pair_assoc(&p, 0, ids[0]);
    assert_int_equal(i0.next_tsn, 0x18u);
    assert_int_equal(i0.send_queued, 0);
    pair_free(&p);
}

/* §6.5, §6.6: 65,600 messages on one stream: the SSN wraps from 65535 to
 * 0 and every message arrives in order, each with SSN n mod 2^16. */
static void sec6_5_ssn_wraps(void **state)
{
    (void)state;
    tern_ep_config c0, c1;
    cfg_data(&c0);
    cfg_data(&c1);
    c1.sack_delay = 0;
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c0, &c1, ids);
    const uint32_t total = 65600;
    reader r = {.side = 1, .in_order = true, .check_ssn = true};
    pump_ops o = {.after = after_read, .ctx = &r};
    for (uint32_t k = 0; k < total;) {
        int rc = send_msg(&p, 0, ids[0], 4, 0, k, 8);
        if (rc == TERN_EAGAIN || k % 2000 == 1999) pump(&p, &o);
        if (rc == 0)
            k++;
        else
            assert_int_equal(rc, TERN_EAGAIN);
    }
    pump(&p, &o);
    assert_int_equal(r.n, total);
    assert_int_equal(pair_assoc(&p, 0, ids[0]).send_queued, 0);
    pair_free(&p);
}

/* ---- sender events and the send buffer --------------------------------------------------- */

/* RFC 6458 §6.1.9 (SENDER_DRY): after the last outstanding message is
 * acknowledged with nothing queued, once; not while any is unacked. */
static void rfc6458_sender_dry_after_everything_acked(void **state)
{
    (void)state;
    tern_ep_config c0, c1;
    cfg_data(&c0);
    cfg_data(&c1);
    c1.sack_delay = 0;
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c0, &c1, ids);
    for (uint32_t k = 0; k < 3; k++)
        send_pkt(&p, ids[0], 0, 0, k, BIG);
    assert_no_event(&p, 0);
    for (int k = 0; k < 3; k++) {
        pair_deliver(&p, 0);
        pair_collect_from(&p, 1);
        long s = pair_find_in_flight(&p, 1, TERN_CHUNK_SACK);
        assert_true(s >= 0);
        pair_deliver(&p, (size_t)s);
        if (k < 2) assert_no_event(&p, 0);
    }
    tern_event ev;
    assert_int_equal(tern_ep_poll_event(p.ep[0], &ev), 1);
    assert_int_equal(ev.type, TERN_EV_SENDER_DRY);
    assert_int_equal(ev.assoc, ids[0]);
    assert_no_event(&p, 0);
    assert_no_event(&p, 1);
    pair_free(&p);
}

/* API: with sndbuf 4000, four 1000-byte messages fill it; a fifth send
 * returns TERN_EAGAIN and queues nothing. TERN_EV_SEND_BUFFER_LOW comes
 * only once acknowledgements bring the bytes to the threshold; then sends
 * succeed again. */
static void api_send_buffer_full_eagain_then_buffer_low(void **state)
{
    (void)state;
    tern_ep_config c0, c1;
    cfg_data(&c0);
    cfg_data(&c1);
    c0.sndbuf = 4000;
    c1.sack_delay = 0;
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c0, &c1, ids);
    assert_int_equal(tern_ep_set_buffer_low(p.ep[0], ids[0] + 77, 1000), TERN_ENOENT);
    assert_int_equal(tern_ep_set_buffer_low(p.ep[0], ids[0], 1000), 0);
    for (uint32_t k = 0; k < 4; k++)
        send_ok(&p, 0, ids[0], 0, 0, k, 1000);
    tern_assoc_info before = pair_assoc(&p, 0, ids[0]);
    assert_int_equal(before.send_queued, 4000);
    assert_int_equal(send_msg(&p, 0, ids[0], 0, 0, 4, 8), TERN_EAGAIN);
    tern_assoc_info after = pair_assoc(&p, 0, ids[0]);
    assert_int_equal(after.send_queued, 4000);
    assert_int_equal(after.next_tsn, before.next_tsn);
    assert_int_equal(after.stats.messages_out, before.stats.messages_out);
    assert_no_event(&p, 0);

    pair_collect_from(&p, 0);
    assert_true(p.nflight >= 1);
    assert_no_event(&p, 0); /* sending frees nothing */
    reader r = {.side = 1, .in_order = true};
    bool low = false;
    while (p.nflight) {
        pair_deliver(&p, 0);
        reader_drain(&p, &r);
        pair_collect(&p);
        tern_event ev;
        while (tern_ep_poll_event(p.ep[0], &ev)) {
            if (ev.type != TERN_EV_SEND_BUFFER_LOW) continue;
            assert_false(low);
            assert_int_equal(ev.assoc, ids[0]);
            assert_true(pair_assoc(&p, 0, ids[0]).send_queued <= 1000);
            low = true;
        }
        if (!low) assert_true(pair_assoc(&p, 0, ids[0]).send_queued > 1000);
    }
    assert_true(low);
    assert_int_equal(r.n, 4);
    send_ok(&p, 0, ids[0], 0, 0, 4, 1000);
    pair_free(&p);
}

/* Compares what a refused send must leave unchanged. */
static void assert_unchanged(tern_assoc_info a, tern_assoc_info b)
{
    assert_int_equal(a.state, b.state);
    assert_int_equal(a.send_queued, b.send_queued);
    assert_int_equal(a.next_tsn, b.next_tsn);
    assert_int_equal(a.stats.messages_out, b.stats.messages_out);
    assert_int_equal(a.stats.data_chunks_out, b.stats.data_chunks_out);
}

/* API (DESIGN.md §5, §9.2): refused sends change nothing and send
 * nothing: bad stream, length 0, NULL, unknown flags → TERN_EINVAL; an
 * unknown id → TERN_ENOENT; before ESTABLISHED (COOKIE-WAIT, COOKIE-ECHOED)
 * and once shutting down (SHUTDOWN-PENDING, SHUTDOWN-SENT,
 * SHUTDOWN-ACK-SENT) → TERN_ESTATE. */
static void api_send_errors_change_nothing(void **state)
{
    (void)state;
    tern_ep_config c;
    cfg_data(&c);
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c, &c, ids);
    uint8_t b[16] = {0};
    tern_assoc_info before = pair_assoc(&p, 0, ids[0]);
    assert_int_equal(before.outbound_streams, 10);
    tern_sndinfo si = {.stream = 10, .ppid = PPID};
    assert_int_equal(tern_ep_send(p.ep[0], ids[0], &si, b, 16, p.now), TERN_EINVAL);
    si.stream = 0xFFFF;
    assert_int_equal(tern_ep_send(p.ep[0], ids[0], &si, b, 16, p.now), TERN_EINVAL);
    si.stream = 0;
    assert_int_equal(tern_ep_send(p.ep[0], ids[0], &si, b, 0, p.now), TERN_EINVAL);
    assert_int_equal(tern_ep_send(p.ep[0], ids[0], &si, NULL, 16, p.now), TERN_EINVAL);
    assert_int_equal(tern_ep_send(p.ep[0], ids[0], NULL, b, 16, p.now), TERN_EINVAL);
    assert_int_equal(tern_ep_send(NULL, ids[0], &si, b, 16, p.now), TERN_EINVAL);
    si.flags = 0x80;
    assert_int_equal(tern_ep_send(p.ep[0], ids[0], &si, b, 16, p.now), TERN_EINVAL);
    si.flags = 0;
    assert_int_equal(tern_ep_send(p.ep[0], ids[0] + 77, &si, b, 16, p.now), TERN_ENOENT);
    /* A message larger than the whole send buffer can never be queued:
     * not TERN_EAGAIN, which would have the caller retry for ever. */
    uint8_t *huge = calloc(1, c.sndbuf + 1);
    assert_non_null(huge);
    int rc = tern_ep_send(p.ep[0], ids[0], &si, huge, c.sndbuf + 1, p.now);
    free(huge);
    assert_true(rc < 0);
    assert_int_not_equal(rc, TERN_EAGAIN);
    tern_assoc_info after = pair_assoc(&p, 0, ids[0]);
    assert_unchanged(before, after);
    assert_int_equal(pair_collect_from(&p, 0), 0);
    assert_no_event(&p, 0);

    /* SHUTDOWN-PENDING: data outstanding. */
    send_ok(&p, 0, ids[0], 0, 0, 0, 100);
    pair_collect_from(&p, 0);
    pair_drop_all(&p, 0);
    assert_int_equal(tern_ep_shutdown(p.ep[0], ids[0], p.now), 0);
    before = pair_assoc(&p, 0, ids[0]);
    assert_int_equal(before.state, TERN_STATE_SHUTDOWN_PENDING);
    assert_int_equal(send_msg(&p, 0, ids[0], 0, 0, 1, 100), TERN_ESTATE);
    assert_unchanged(before, pair_assoc(&p, 0, ids[0]));
    assert_int_equal(pair_collect_from(&p, 0), 0);
    /* SHUTDOWN-SENT and, on the peer, SHUTDOWN-ACK-SENT. */
    pair_fire(&p, 0); /* T3: the DATA again */
    pair_collect_from(&p, 0);
    pair_deliver(&p, 0);
    reader r = {.side = 1};
    reader_drain(&p, &r);
    assert_int_equal(r.n, 1);
    pair_fire(&p, 1); /* delayed SACK */
    pair_collect_from(&p, 1);
    pair_deliver(&p, 0);
    pair_collect_from(&p, 0);
    assert_int_equal(pair_find_in_flight(&p, 0, TERN_CHUNK_SHUTDOWN), 0);
    before = pair_assoc(&p, 0, ids[0]);
    assert_int_equal(before.state, TERN_STATE_SHUTDOWN_SENT);
    assert_int_equal(send_msg(&p, 0, ids[0], 0, 0, 2, 100), TERN_ESTATE);
    assert_unchanged(before, pair_assoc(&p, 0, ids[0]));
    pair_deliver(&p, 0);
    tern_assoc_info b1 = pair_assoc(&p, 1, ids[1]);
    assert_int_equal(b1.state, TERN_STATE_SHUTDOWN_ACK_SENT);
    assert_int_equal(send_msg(&p, 1, ids[1], 0, 0, 3, 100), TERN_ESTATE);
    assert_unchanged(b1, pair_assoc(&p, 1, ids[1]));
    pair_free(&p);

    /* COOKIE-WAIT and COOKIE-ECHOED. */
    for (int echoed = 0; echoed < 2; echoed++) {
        pair_init(&p, &c, &c);
        tern_assoc_id id = pair_half_open(&p, echoed);
        before = pair_assoc(&p, 0, id);
        assert_int_equal(send_msg(&p, 0, id, 0, 0, 0, 100), TERN_ESTATE);
        assert_unchanged(before, pair_assoc(&p, 0, id));
        assert_int_equal(pair_collect_from(&p, 0), 0);
        pair_free(&p);
    }
}

/* API: a message longer than the read buffer comes in parts, in order,
 * each with the message's stream, SSN, TSN and PPID, TERN_RCV_EOR only on
 * the last; the next message then reads whole. */
static void api_recv_in_parts_with_eor_last(void **state)
{
    (void)state;
    tern_ep_config c;
    cfg_data(&c);
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c, &c, ids);
    send_ok(&p, 0, ids[0], 5, 0, 0, 1000);
    send_ok(&p, 0, ids[0], 5, 0, 1, 100);
    pair_collect_from(&p, 0);
    while (p.nflight)
        pair_deliver(&p, 0);
    uint8_t want[1000], got[1000];
    mk_msg(want, sizeof want, 0);
    size_t off = 0;
    const long parts[4] = {300, 300, 300, 100};
    uint32_t tsn = 0;
    for (int k = 0; k < 4; k++) {
        tern_rcvinfo ri;
        assert_int_equal(tern_ep_recv(p.ep[1], &ri, got + off, 300, p.now), parts[k]);
        off += (size_t)parts[k];
        assert_int_equal(ri.stream, 5);
        assert_int_equal(ri.ssn, 0);
        assert_int_equal(ri.ppid, PPID);
        if (k == 0) tsn = ri.tsn;
        assert_int_equal(ri.tsn, tsn);
        assert_int_equal(ri.flags & TERN_RCV_EOR, k == 3 ? TERN_RCV_EOR : 0);
    }
    assert_memory_equal(got, want, sizeof want);
    tern_rcvinfo ri;
    assert_int_equal(read_one(&p, 1, &ri), 1);
    assert_int_equal(ri.ssn, 1);
    assert_int_equal(read_one(&p, 1, &ri), -1);
    assert_int_equal(tern_ep_recv(p.ep[1], &ri, got, 0, p.now), TERN_EINVAL);
    assert_int_equal(tern_ep_recv(p.ep[1], &ri, NULL, 10, p.now), TERN_EINVAL);
    pair_free(&p);
}

/* ---- §9 closing with data ---------------------------------------------------------------- */

typedef struct shut_ctx {
    reader r;
    tern_assoc_id id0;
    uint32_t total;
    bool lost, shutdown_seen;
} shut_ctx;

static bool shut_keep(pair *p, const pair_pkt *k, void *ctx)
{
    shut_ctx *s = ctx;
    if (k->from == 0 && pkt_has_data(k) && !s->lost) {
        s->lost = true;
        return false;
    }
    if (k->from == 0 && pkt_find(k->data, k->len, TERN_CHUNK_SHUTDOWN, NULL)) {
        /* §9.2: only once everything is acknowledged; all of it was read. */
        assert_false(pkt_has_data(k));
        tern_assoc_info i;
        if (pair_info(p, 0, s->id0, &i)) assert_int_equal(i.send_queued, 0);
        reader_drain(p, &s->r);
        assert_int_equal(s->r.n, s->total);
        s->shutdown_seen = true;
    }
    return true;
}

/* §9.2: after tern_ep_shutdown with data queued and outstanding (one packet
 * lost), the association stays in SHUTDOWN-PENDING and keeps sending and
 * retransmitting; SHUTDOWN goes out only when the last DATA is acked,
 * every message is delivered before it, and both sides complete. */
static void sec9_2_shutdown_waits_for_outstanding_data(void **state)
{
    (void)state;
    tern_ep_config c;
    cfg_data(&c);
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c, &c, ids);
    shut_ctx s = {.r = {.side = 1, .in_order = true}, .id0 = ids[0], .total = 8};
    for (uint32_t k = 0; k < s.total; k++)
        send_ok(&p, 0, ids[0], 0, 0, k, BIG);
    pair_collect_from(&p, 0);
    assert_int_equal(tern_ep_shutdown(p.ep[0], ids[0], p.now), 0);
    assert_int_equal(pair_assoc(&p, 0, ids[0]).state, TERN_STATE_SHUTDOWN_PENDING);
    assert_int_equal(pair_count_in_flight(&p, 0, TERN_CHUNK_SHUTDOWN), 0);
    pump_ops o = {.keep = shut_keep, .after = after_read, .ctx = &s, .limit = TERN_SEC(120)};
    pump(&p, &o);
    assert_true(s.lost);
    assert_true(s.shutdown_seen);
    assert_int_equal(s.r.n, s.total);
    tern_event ev;
    assert_true(pair_event(&p, 0, TERN_EV_SHUTDOWN_COMPLETE, &ev));
    assert_int_equal(ev.assoc, ids[0]);
    assert_true(pair_event(&p, 1, TERN_EV_SHUTDOWN_COMPLETE, &ev));
    assert_false(pair_info(&p, 0, ids[0], &(tern_assoc_info){0}));
    assert_false(pair_info(&p, 1, ids[1], &(tern_assoc_info){0}));
    pair_free(&p);
}

/* §9.1, RFC 6458 §6.1.11: the peer aborts while two messages are sent but
 * unacked and three were never sent: COMM_LOST, then one
 * TERN_EV_SEND_FAILED per message with its stream, PPID, context and data,
 * TERN_FAILED_UNSENT exactly on the three never sent. */
static void sec9_1_abort_reports_every_unacked_message(void **state)
{
    (void)state;
    tern_ep_config c;
    cfg_data(&c);
    pair p;
    tern_assoc_id ids[2];
    open_pair(&p, &c, &c, ids);
    send_pkt(&p, ids[0], 2, 0, 0, 300);
    send_pkt(&p, ids[0], 3, 0, 1, 400);
    pair_drop_all(&p, 0);
    for (uint32_t k = 2; k < 5; k++)
        send_ok(&p, 0, ids[0], (uint16_t)k, 0, k, 100u * (k + 1));
    assert_int_equal(tern_ep_abort(p.ep[1], ids[1], NULL, 0, p.now), 0);
    pair_collect_from(&p, 1);
    pair_expect_one(&p, 1, TERN_CHUNK_ABORT);
    pair_deliver(&p, 0);
    assert_false(pair_info(&p, 0, ids[0], &(tern_assoc_info){0}));

    tern_event ev;
    bool lost = false;
    unsigned seen = 0;
    while (tern_ep_poll_event(p.ep[0], &ev)) {
        assert_int_equal(ev.assoc, ids[0]);
        if (ev.type == TERN_EV_COMM_LOST) {
            assert_int_equal(ev.cause, TERN_CAUSE_USER_ABORT);
            lost = true;
            continue;
        }
        assert_int_equal(ev.type, TERN_EV_SEND_FAILED);
        assert_true(ev.context >= 1000 && ev.context < 1005);
        uint32_t k = (uint32_t)(ev.context - 1000);
        assert_false(seen & (1u << k));
        seen |= 1u << k;
        size_t len = k == 0 ? 300 : k == 1 ? 400 : 100u * (k + 1);
        assert_int_equal(ev.len, len);
        assert_non_null(ev.data);
        assert_int_equal(check_msg(ev.data, ev.len), k);
        assert_int_equal(ev.stream, k < 2 ? k + 2 : k);
        assert_int_equal(ev.ppid, PPID);
        assert_int_equal(ev.flags & TERN_FAILED_UNSENT, k >= 2 ? TERN_FAILED_UNSENT : 0);
    }
    assert_true(lost);
    assert_int_equal(seen, 0x1F);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sec3_3_1_data_chunk_fields_and_delivery),
        cmocka_unit_test(sec3_3_1_i_bit_gets_immediate_sack),
        cmocka_unit_test(sec6_2_delayed_sack_after_sack_delay),
        cmocka_unit_test(sec6_2_sack_for_every_second_packet),
        cmocka_unit_test(sec6_2_sack_timer_stopped_when_sack_sent),
        cmocka_unit_test(sec6_2_sack_delay_zero_acks_every_packet),
        cmocka_unit_test(sec6_2_duplicate_tsn_reported_at_once),
        cmocka_unit_test(sec6_7_gap_ack_blocks_after_loss),
        cmocka_unit_test(sec7_2_4_fast_retransmit_on_third_miss),
        cmocka_unit_test(sec6_1_rule_b_initial_cwnd_limits_first_flight),
        cmocka_unit_test(sec6_3_3_t3_rtx_backoff_and_cwnd),
        cmocka_unit_test(sec6_2_1_peer_rwnd_follows_sacks),
        cmocka_unit_test(sec6_1_first_zero_window_probe_after_one_rto),
        cmocka_unit_test(sec6_1_zero_window_probes_are_not_errors),
        cmocka_unit_test(sec6_1_zero_window_probe),
        cmocka_unit_test(sec6_1_sender_resumes_on_window_update),
        cmocka_unit_test(sec6_9_reassembly_of_1mib_message),
        cmocka_unit_test(sec6_9_partial_delivery_of_message_larger_than_rwnd),
        cmocka_unit_test(api_partial_delivery_parts_report_first_tsn),
        cmocka_unit_test(sec6_6_ordered_stream_blocked_other_streams_deliver),
        cmocka_unit_test(sec6_6_unordered_delivered_past_gap),
        cmocka_unit_test(sec6_5_invalid_stream_error_and_tsn_acked),
        cmocka_unit_test(sec1_6_tsn_wraps_mid_transfer),
        cmocka_unit_test(sec6_5_ssn_wraps),
        cmocka_unit_test(rfc6458_sender_dry_after_everything_acked),
        cmocka_unit_test(api_send_buffer_full_eagain_then_buffer_low),
        cmocka_unit_test(api_send_errors_change_nothing),
        cmocka_unit_test(api_recv_in_parts_with_eor_last),
        cmocka_unit_test(sec9_2_shutdown_waits_for_outstanding_data),
        cmocka_unit_test(sec9_1_abort_reports_every_unacked_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
