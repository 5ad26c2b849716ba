/* Helpers shared by the association-setup pair tests (test_collision.c,
 * test_cookie_life.c): seeded endpoints, looking at events and packets,
 * and playing the peer's INIT / INIT ACK / COOKIE ECHO by hand. */
#ifndef TERN_TESTS_COLLISION_TESTUTIL_H
#define TERN_TESTS_COLLISION_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "core/cookie.h"
#include "tests/rig/pair.h"
#include "wire/cause.h"
#include "wire/chunk.h"
#include "wire/endian.h"
#include "wire/packet.h"
#include "wire/param.h"

#define USEC(us) ((tern_time)(us)*1000u)

/* ---- Deterministic randomness --------------------------------------------- */

/* Defaults, a seeded generator, and no heartbeats: once an association is
 * up it has no timer, so a deadline tells whether T1 still runs. */
static inline void cfg_seeded(tern_ep_config *c, pair_rng *r, uint64_t seed)
{
    pair_cfg_seeded(c, r, seed);
    c->hb_interval = 0;
}

/* ---- Looking at endpoints ------------------------------------------------- */

/* The events queued on a side, consumed and counted by type. */
typedef struct evs {
    int n[16];
    tern_event last[16];
    int total;
} evs;

static inline evs drain(pair *p, int side)
{
    evs e;
    memset(&e, 0, sizeof e);
    tern_event ev;
    while (tern_ep_poll_event(p->ep[side], &ev)) {
        assert_true((unsigned)ev.type < 16);
        e.n[ev.type]++;
        e.last[ev.type] = ev;
        e.total++;
    }
    return e;
}

/* Packets in flight from a side. */
static inline size_t count_from(const pair *p, int side)
{
    size_t n = 0;
    for (size_t i = 0; i < p->nflight; i++)
        n += p->flight[i].from == side;
    return n;
}

/* Collects, then takes out of flight the first packet from `from` that
 * carries a chunk of type (it must be there). */
static inline pair_pkt take(pair *p, int from, uint8_t type)
{
    pair_collect(p);
    long i = pair_find_in_flight(p, from, type);
    assert_true(i >= 0);
    pair_pkt k = p->flight[i];
    pair_drop(p, (size_t)i);
    return k;
}

/* Collects, then delivers the first packet from `from` carrying type. */
static inline void deliver(pair *p, int from, uint8_t type)
{
    pair_collect(p);
    long i = pair_find_in_flight(p, from, type);
    assert_true(i >= 0);
    pair_deliver(p, (size_t)i);
}

/* ---- Reading packets -------------------------------------------------------- */

/* An INIT or INIT ACK of a packet, and its State Cookie (views into k). */
static inline tern_init read_init(const pair_pkt *k, uint8_t type, tern_bytes *cookie)
{
    tern_chunk_raw raw;
    tern_init init;
    assert_int_equal(pkt_find(k->data, k->len, type, &raw), 1);
    assert_int_equal(tern_init_decode(&raw, &init), 0);
    if (cookie) {
        *cookie = (tern_bytes){NULL, 0};
        tern_tlv_iter it;
        tern_tlv tlv;
        tern_tlv_iter_init_bytes(&it, init.params);
        while (tern_tlv_next(&it, &tlv) > 0)
            if (tlv.type == TERN_PARAM_STATE_COOKIE) *cookie = tlv.value;
        assert_non_null(cookie->ptr);
    }
    return init;
}

/* A word of one of our own cookies' payload: 0 local tag, 1 peer tag,
 * 2 Local-Tie-Tag, 3 Peer's-Tie-Tag, 4 local initial TSN (the CK_ layout
 * of core/internal.h, after the cookie header). */
static inline uint32_t cookie_word(tern_bytes cookie, unsigned word)
{
    assert_true(cookie.len >= TERN_COOKIE_OVERHEAD + 4 * (word + 1));
    return tern_load32(cookie.ptr + TERN_COOKIE_HEADER_LEN + 4 * word);
}

/* The first error cause of the packet's ABORT or ERROR chunk. */
static inline tern_tlv first_cause(const pair_pkt *k, uint8_t type)
{
    tern_chunk_raw raw;
    tern_causes c;
    tern_tlv_iter it;
    tern_tlv tlv;
    assert_int_equal(pkt_find(k->data, k->len, type, &raw), 1);
    assert_int_equal(tern_causes_decode(&raw, &c), 0);
    tern_tlv_iter_init_bytes(&it, c.causes);
    assert_int_equal(tern_tlv_next(&it, &tlv), 1);
    return tlv;
}

/* The IPv4 addresses listed in a "Restart of an Association with New
 * Addresses" cause (§3.3.10.11: whole address parameters). */
static inline unsigned cause_addrs(tern_tlv cause, tern_addr *out, unsigned max)
{
    tern_tlv_iter it;
    tern_tlv tlv;
    unsigned n = 0;
    tern_tlv_iter_init_bytes(&it, cause.value);
    while (tern_tlv_next(&it, &tlv) > 0 && n < max) {
        assert_int_equal(tlv.type, TERN_PARAM_IPV4);
        assert_int_equal(tlv.value.len, 4);
        memset(&out[n], 0, sizeof out[n]);
        out[n].family = TERN_AF_INET;
        memcpy(out[n].ip, tlv.value.ptr, 4);
        n++;
    }
    return n;
}

/* ---- Playing the peer by hand ------------------------------------------------
 * Every crafted packet is fed to side `to` as if sent by the other side's
 * address and port. */

static inline void inject_init(pair *p, int to, uint32_t tag, const tern_addr *addrs, unsigned n)
{
    uint8_t params[128], buf[256];
    tern_wbuf pw, w;
    tern_wbuf_init(&pw, params, sizeof params);
    for (unsigned i = 0; i < n; i++)
        tern_wbuf_tlv(&pw, TERN_PARAM_IPV4, addrs[i].ip, 4);
    assert_int_equal(pw.err, 0);
    tern_wbuf_init(&w, buf, sizeof buf);
    tern_init init = {tag, 65536, 10, 10, 0x1000, {params, pw.len}};
    tern_init_put(&w, TERN_CHUNK_INIT, &init);
    pair_inject_wbuf(p, to, 0, &w);
}

/* An INIT ACK answering side to's INIT (vtag: its tag), with a cookie of
 * the hand-played peer's own making. */
static inline void inject_init_ack(pair *p, int to, uint32_t vtag, uint32_t tag)
{
    uint8_t params[64], buf[256];
    tern_wbuf pw, w;
    tern_wbuf_init(&pw, params, sizeof params);
    tern_wbuf_tlv(&pw, TERN_PARAM_STATE_COOKIE, "the peer's own cookie", 21);
    tern_wbuf_init(&w, buf, sizeof buf);
    tern_init ack = {tag, 65536, 10, 10, 0x2000, {params, pw.len}};
    tern_init_put(&w, TERN_CHUNK_INIT_ACK, &ack);
    pair_inject_wbuf(p, to, vtag, &w);
}

static inline void inject_cookie_echo(pair *p, int to, uint32_t vtag, tern_bytes cookie)
{
    uint8_t buf[PAIR_PKT_MAX];
    tern_wbuf w;
    tern_wbuf_init(&w, buf, sizeof buf);
    tern_cookie_echo_put(&w, cookie.ptr, cookie.len);
    pair_inject_wbuf(p, to, vtag, &w);
}

static inline void inject_stale_cookie_error(pair *p, int to, uint32_t vtag, uint32_t staleness_us)
{
    uint8_t cause[8], buf[64];
    tern_wbuf cw, w;
    tern_wbuf_init(&cw, cause, sizeof cause);
    tern_cause_put_stale_cookie(&cw, staleness_us);
    tern_wbuf_init(&w, buf, sizeof buf);
    tern_causes_put(&w, TERN_CHUNK_ERROR, 0, (tern_bytes){cause, cw.len});
    pair_inject_wbuf(p, to, vtag, &w);
}

/* 0 connects; its INIT reaches 1, 1's INIT ACK reaches 0: 0 is in
 * COOKIE-ECHOED and its COOKIE ECHO is taken out of flight into *echo. */
static inline tern_assoc_id to_cookie_echoed(pair *p, pair_pkt *echo)
{
    tern_assoc_id id = pair_connect(p, 0);
    deliver(p, 0, TERN_CHUNK_INIT);
    deliver(p, 1, TERN_CHUNK_INIT_ACK);
    *echo = take(p, 0, TERN_CHUNK_COOKIE_ECHO);
    assert_int_equal(p->nflight, 0);
    assert_int_equal(pair_assoc(p, 0, id).state, TERN_STATE_COOKIE_ECHOED);
    return id;
}

#endif
