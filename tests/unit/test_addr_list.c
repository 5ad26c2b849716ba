/* Which of our addresses the INIT and INIT ACK list (RFC 9260 §5.1.2,
 * §3.3.2.1), and which of the peer's become paths:
 *
 * - a loopback address goes only to a loopback peer, which gets only those;
 *   a link-local one only to a link-local peer;
 * - the INIT ACK lists only the address types the INIT's Supported Address
 *   Types names, plus the INIT's own family (§5.1.2, last paragraph);
 * - the source of the INIT ACK becomes a path of the initiator, UNCONFIRMED
 *   (§5.1.2 rule 3, §5.4);
 * - a peer address of a family we listed none of, and did not meet the peer
 *   in, is not a path (§5.1.2: a family not supported here). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "tests/rig/pair.h"
#include "wire/chunk.h"
#include "wire/endian.h"
#include "wire/packet.h"
#include "wire/param.h"

static tern_addr v6(uint8_t first, uint8_t second, uint8_t last)
{
    tern_addr a;
    memset(&a, 0, sizeof a);
    a.family = TERN_AF_INET6;
    a.ip[0] = first;
    a.ip[1] = second;
    a.ip[15] = last;
    return a;
}

/* 192.0.2.x (the pair's own), a loopback, a link-local and another global
 * address of each family. */
static void many_addrs(tern_ep_config *c, uint8_t own)
{
    const tern_addr list[] = {
        pair_v4(192, 0, 2, own),  pair_v4(127, 0, 0, 1), pair_v4(169, 254, 7, 7),
        pair_v4(198, 51, 100, 1), v6(0x20, 0x01, own),   v6(0, 0, 1), /* ::1 */
        v6(0xfe, 0x80, 9),                                            /* fe80::9 */
    };
    c->num_local_addrs = sizeof list / sizeof list[0];
    memcpy(c->local_addrs, list, sizeof list);
}

static void setup(pair *p, pair_rng rng[2])
{
    tern_ep_config c[2];
    for (int i = 0; i < 2; i++) {
        pair_cfg_seeded(&c[i], &rng[i], 0xadd0000000000001ull + (uint64_t)i);
        c[i].hb_interval = 0;
        many_addrs(&c[i], (uint8_t)(i + 1));
    }
    pair_init(p, &c[0], &c[1]);
}

/* The address parameters of the INIT or INIT ACK in packet k, in order. */
static size_t listed(const pair_pkt *k, uint8_t type, tern_addr *out, size_t max)
{
    tern_chunk_raw raw;
    assert_int_equal(pkt_find(k->data, k->len, type, &raw), 1);
    tern_init init;
    assert_int_equal(tern_init_decode(&raw, &init), 0);
    tern_tlv_iter it;
    tern_tlv tlv;
    size_t n = 0;
    tern_tlv_iter_init_bytes(&it, init.params);
    while (tern_tlv_next(&it, &tlv) > 0) {
        if (tlv.type != TERN_PARAM_IPV4 && tlv.type != TERN_PARAM_IPV6) continue;
        assert_true(n < max);
        memset(&out[n], 0, sizeof out[n]);
        out[n].family = tlv.type == TERN_PARAM_IPV4 ? TERN_AF_INET : TERN_AF_INET6;
        memcpy(out[n].ip, tlv.value.ptr, tlv.value.len);
        n++;
    }
    return n;
}

static void assert_addr(const tern_addr *got, const tern_addr want)
{
    assert_int_equal(got->family, want.family);
    assert_memory_equal(got->ip, want.ip, 16);
}

/* A peer at 192.0.2.x: the global addresses only, in both directions. */
static void global_peer_gets_global_addresses(void **state)
{
    (void)state;
    pair_rng rng[2];
    pair p;
    setup(&p, rng);
    tern_assoc_id id = pair_connect(&p, 0);
    pair_collect(&p);
    tern_addr got[8];
    assert_int_equal(listed(&p.flight[0], TERN_CHUNK_INIT, got, 8), 3);
    assert_addr(&got[0], pair_v4(192, 0, 2, 1));
    assert_addr(&got[1], pair_v4(198, 51, 100, 1));
    assert_addr(&got[2], v6(0x20, 0x01, 1));
    pair_deliver(&p, 0);
    pair_collect(&p);
    assert_int_equal(listed(&p.flight[0], TERN_CHUNK_INIT_ACK, got, 8), 3);
    assert_addr(&got[0], pair_v4(192, 0, 2, 2));
    assert_addr(&got[2], v6(0x20, 0x01, 2));
    pair_run(&p, TERN_SEC(1), 20);
    /* The peer's three listed addresses are its paths; its loopback and
     * link-local ones are not. */
    tern_assoc_info i = pair_assoc(&p, 0, id);
    assert_int_equal(i.state, TERN_STATE_ESTABLISHED);
    assert_int_equal(i.num_paths, 3);
    pair_free(&p);
}

/* §5.1.2: a peer's IPv6 address is no path of ours when we listed no IPv6
 * address and met it over IPv4 (our packets there would come from an
 * address it does not know); its other IPv4 address is. */
static void family_we_did_not_list_is_ignored(void **state)
{
    (void)state;
    pair_rng rng[2];
    tern_ep_config c[2];
    for (int i = 0; i < 2; i++) {
        pair_cfg_seeded(&c[i], &rng[i], 0xadd0000000000021ull + (uint64_t)i);
        c[i].hb_interval = 0;
        many_addrs(&c[i], (uint8_t)(i + 1));
    }
    c[0].num_local_addrs = 1; /* 192.0.2.1 alone */
    pair p;
    pair_init(&p, &c[0], &c[1]);
    tern_assoc_id id = pair_connect(&p, 0);
    pair_run(&p, TERN_SEC(1), 20);
    tern_assoc_info i = pair_assoc(&p, 0, id);
    assert_int_equal(i.state, TERN_STATE_ESTABLISHED);
    assert_int_equal(i.num_paths, 2);
    for (unsigned k = 0; k < i.num_paths; k++)
        assert_int_equal(i.paths[k].path.remote.family, TERN_AF_INET);
    pair_free(&p);
}

/* An INIT from 127.0.0.9 (a loopback peer) gets only our loopback
 * addresses; one whose Supported Address Types says IPv4 gets no IPv6
 * address (its own family, IPv4, stays); one from fe80:: gets the
 * link-local addresses too. */
static void init_ack_follows_peer_scope_and_types(void **state)
{
    (void)state;
    struct {
        tern_addr from;
        bool v4_only;
        size_t n;
        tern_addr want[5];
    } cases[] = {
        {pair_v4(127, 0, 0, 9), false, 2, {pair_v4(127, 0, 0, 1), v6(0, 0, 1)}},
        {pair_v4(198, 51, 100, 9), true, 2, {pair_v4(192, 0, 2, 2), pair_v4(198, 51, 100, 1)}},
        {v6(0xfe, 0x80, 5),
         false,
         5,
         {pair_v4(192, 0, 2, 2), pair_v4(169, 254, 7, 7), pair_v4(198, 51, 100, 1),
          v6(0x20, 0x01, 2), v6(0xfe, 0x80, 9)}},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        pair_rng rng[2];
        pair p;
        setup(&p, rng);
        uint8_t chunk[64];
        tern_wbuf w;
        tern_wbuf_init(&w, chunk, sizeof chunk);
        size_t off = tern_wbuf_chunk_begin(&w, TERN_CHUNK_INIT, 0);
        tern_wbuf_put_u32(&w, 0x11223344u); /* initiate tag */
        tern_wbuf_put_u32(&w, 65536);       /* a_rwnd */
        tern_wbuf_put_u16(&w, 4);
        tern_wbuf_put_u16(&w, 4);
        tern_wbuf_put_u32(&w, 1); /* initial TSN */
        if (cases[k].v4_only) {
            uint8_t types[2];
            tern_store16(types, TERN_PARAM_IPV4);
            tern_wbuf_tlv(&w, TERN_PARAM_SUPPORTED_ADDR_TYPES, types, 2);
        }
        tern_wbuf_chunk_end(&w, off);
        assert_int_equal(w.err, 0);
        tern_path from = p.path[1];
        from.remote = cases[k].from;
        if (from.remote.family == TERN_AF_INET6) from.local = v6(0x20, 0x01, 2);
        assert_int_equal(pair_inject_chunks_on(&p, 1, &from, 0, chunk, w.len), 0);
        pair_collect(&p);
        assert_int_equal(p.nflight, 1);
        tern_addr got[8];
        size_t n = listed(&p.flight[0], TERN_CHUNK_INIT_ACK, got, 8);
        assert_int_equal(n, cases[k].n);
        for (size_t j = 0; j < n; j++)
            assert_addr(&got[j], cases[k].want[j]);
        pair_free(&p);
    }
}

/* The INIT ACK comes from another address of the peer (192.0.2.99): it
 * becomes a path, UNCONFIRMED; the COOKIE ECHO still goes to the address
 * the INIT went to, which stays the primary. */
static void init_ack_source_becomes_a_path(void **state)
{
    (void)state;
    pair_rng rng[2];
    tern_ep_config c[2];
    for (int i = 0; i < 2; i++) {
        pair_cfg_seeded(&c[i], &rng[i], 0xadd0000000000011ull + (uint64_t)i);
        c[i].hb_interval = 0;
    }
    pair p;
    pair_init(&p, &c[0], &c[1]);
    tern_assoc_id id = pair_connect(&p, 0);
    pair_collect(&p);
    pair_deliver(&p, 0); /* INIT */
    pair_collect(&p);
    assert_int_equal(pair_first_chunk(&p, 0), TERN_CHUNK_INIT_ACK);
    pair_pkt ack = p.flight[0];
    pair_drop(&p, 0);
    tern_path from = p.path[0];
    from.remote = pair_v4(192, 0, 2, 99);
    assert_int_equal(tern_ep_input(p.ep[0], &from, ack.data, ack.len, p.now), 0);
    tern_assoc_info i = pair_assoc(&p, 0, id);
    assert_int_equal(i.state, TERN_STATE_COOKIE_ECHOED);
    assert_int_equal(i.num_paths, 2);
    assert_addr(&i.paths[1].path.remote, pair_v4(192, 0, 2, 99));
    assert_int_equal(i.paths[1].state, TERN_PATH_UNCONFIRMED);
    assert_int_equal(i.primary, 0);
    pair_collect(&p);
    assert_int_equal(p.nflight, 1);
    assert_int_equal(pair_first_chunk(&p, 0), TERN_CHUNK_COOKIE_ECHO);
    assert_addr(&p.flight[0].path.remote, pair_v4(192, 0, 2, 2));
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(global_peer_gets_global_addresses),
        cmocka_unit_test(family_we_did_not_list_is_ignored),
        cmocka_unit_test(init_ack_follows_peer_scope_and_types),
        cmocka_unit_test(init_ack_source_becomes_a_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
