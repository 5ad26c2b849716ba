/* ICMP errors about packets the endpoint sent (RFC 9260 §10, ICMP1–ICMP9;
 * RFC 6951 §5.5), over the pair rig: the quoted packet is taken from what
 * endpoint 0 really sent. Only a quote that names an association and
 * carries its tag (or our INIT with our tag) is acted on: Fragmentation
 * Needed lowers that path's PMTU, Protocol Unreachable ends the association
 * as an ABORT would. Everything else is counted and ignored. */
#include "tests/unit/data_testutil.h"

/* ---- helpers ------------------------------------------------------------- */

static tern_icmp icmp_of(enum tern_icmp_kind kind, uint32_t mtu, const uint8_t *q, size_t len)
{
    tern_icmp i = {.kind = kind, .type = 3, .code = 4, .mtu = mtu, .sctp = q, .len = len};
    return i;
}

/* Feeds an ICMP about flight[k] (quoting its first len bytes) to its
 * sender, over the path it was sent on. */
static int icmp_about(pair *p, size_t k, enum tern_icmp_kind kind, uint32_t mtu, size_t len)
{
    const pair_pkt *pk = &p->flight[k];
    tern_icmp i = icmp_of(kind, mtu, pk->data, len < pk->len ? len : pk->len);
    return tern_ep_icmp(p->ep[pk->from], &pk->path, &i, p->now);
}

static uint64_t drops(pair *p, int side, enum tern_drop_reason why)
{
    return pair_stats(p, side).drops[why];
}

static void open_quiet(pair *p, tern_assoc_id ids[2])
{
    tern_ep_config c;
    cfg_data(&c);
    open_pair(p, &c, &c, ids);
}

/* ---- ICMP7: Fragmentation Needed / Packet Too Big ------------------------------ */

/* The PMTU falls to the reported MTU and new messages are cut for it; a
 * larger report, or one without an MTU, changes nothing (never raised). */
static void frag_needed_lowers_pmtu(void **state)
{
    (void)state;
    pair p;
    tern_assoc_id ids[2];
    open_quiet(&p, ids);
    send_pkt(&p, ids[0], 0, 0, 0, 100);
    assert_int_equal(icmp_about(&p, 0, TERN_ICMP_FRAG_NEEDED, 1300, 28), 0);
    assert_int_equal(pair_assoc(&p, 0, ids[0]).paths[0].pmtu, 1300);
    assert_int_equal(icmp_about(&p, 0, TERN_ICMP_FRAG_NEEDED, 1400, 28), 0);
    assert_int_equal(icmp_about(&p, 0, TERN_ICMP_FRAG_NEEDED, 0, 28), 0);
    assert_int_equal(pair_assoc(&p, 0, ids[0]).paths[0].pmtu, 1300);
    pair_deliver(&p, 0);
    send_ok(&p, 0, ids[0], 0, 0, 1, 2000);
    pair_collect_from(&p, 0);
    size_t data = 0;
    for (size_t k = 0; k < p.nflight; k++) {
        assert_true(p.flight[k].len <= 1300 - 20 - 8);
        data += pkt_has_data(&p.flight[k]);
    }
    assert_int_equal(data, 2);
    reader r = {.side = 1, .in_order = true};
    pump_read(&p, &r);
    assert_int_equal(r.n, 2);
    pair_free(&p);
}

/* Floors: an IPv4 report below 576 is taken as 576 (documented in
 * core/icmp.c), IPv6 never goes below 1280 (RFC 8201). */
static void frag_needed_floors(void **state)
{
    (void)state;
    pair p;
    tern_assoc_id ids[2];
    open_quiet(&p, ids);
    send_pkt(&p, ids[0], 0, 0, 0, 100);
    assert_int_equal(icmp_about(&p, 0, TERN_ICMP_FRAG_NEEDED, 68, 12), 0);
    assert_int_equal(pair_assoc(&p, 0, ids[0]).paths[0].pmtu, 576);
    pair_free(&p);

    tern_ep_config c;
    cfg_data(&c);
    pair_init(&p, &c, &c);
    for (int i = 0; i < 2; i++) {
        tern_addr a = {.family = TERN_AF_INET6, .ip = {0x20, 0x01, 0x0d, 0xb8}};
        a.ip[15] = (uint8_t)(1 + i);
        p.path[i].local = a;
        p.path[1 - i].remote = a;
    }
    pair_establish_idle(&p, ids);
    send_pkt(&p, ids[0], 0, 0, 0, 100);
    assert_int_equal(icmp_about(&p, 0, TERN_ICMP_FRAG_NEEDED, 600, 12), 0);
    assert_int_equal(pair_assoc(&p, 0, ids[0]).paths[0].pmtu, 1280);
    pair_free(&p);
}

/* §6.9, §7.3: a chunk made for the old PMTU is not re-fragmented; its
 * retransmission goes as the packet's only DATA chunk, over the new limit,
 * for IP to fragment. */
static void frag_needed_then_oversize_retransmission(void **state)
{
    (void)state;
    pair p;
    tern_assoc_id ids[2];
    open_quiet(&p, ids);
    send_ok(&p, 0, ids[0], 0, 0, 0, 1400);
    send_ok(&p, 0, ids[0], 1, 0, 1, 200);
    assert_int_equal(pair_collect_from(&p, 0), 2);
    assert_int_equal(icmp_about(&p, 0, TERN_ICMP_FRAG_NEEDED, 1280, 48), 0);
    pair_drop_all(&p, 0);
    pair_fire(&p, 0); /* T3: both marked; one packet may go (§7.2.3) */
    pair_collect_from(&p, 0);
    assert_int_equal(p.nflight, 1);
    tern_data d[4];
    assert_int_equal(pkt_data(p.flight[0].data, p.flight[0].len, d, 4), 1); /* alone */
    assert_int_equal(d[0].payload.len, 1400);
    assert_true(p.flight[0].len > 1280 - 28);
    reader r = {.side = 1};
    pump_read(&p, &r);
    assert_int_equal(r.n, 2);
    pair_free(&p);
}

/* ---- ICMP5, ICMP6: what does not verify is dropped ------------------------------- */

/* A quote with the wrong tag, from another port, for another peer port, on
 * another UDP port, too short, or garbage: nothing changes, each is
 * counted. ICMP kinds other than the two acted on are ignored. */
static void unverified_quotes_are_dropped(void **state)
{
    (void)state;
    pair p;
    tern_assoc_id ids[2];
    open_quiet(&p, ids);
    send_pkt(&p, ids[0], 0, 0, 0, 100);
    pair_pkt *k = &p.flight[0];
    uint8_t q[64];
    memcpy(q, k->data, sizeof q);
    tern_path path = k->path;

    uint64_t vtag0 = drops(&p, 0, TERN_DROP_VTAG);
    q[7] ^= 1; /* the tag */
    tern_icmp i = icmp_of(TERN_ICMP_PROTO_UNREACH, 0, q, sizeof q);
    assert_int_equal(tern_ep_icmp(p.ep[0], &path, &i, p.now), 0);
    i.kind = TERN_ICMP_FRAG_NEEDED;
    i.mtu = 1300;
    assert_int_equal(tern_ep_icmp(p.ep[0], &path, &i, p.now), 0);
    assert_int_equal(drops(&p, 0, TERN_DROP_VTAG), vtag0 + 2);
    q[7] ^= 1;

    uint64_t port0 = drops(&p, 0, TERN_DROP_PORT);
    q[1] ^= 1; /* our port */
    assert_int_equal(tern_ep_icmp(p.ep[0], &path, &i, p.now), 0);
    q[1] ^= 1;
    tern_path other_udp = path;
    other_udp.encaps_port++;
    assert_int_equal(tern_ep_icmp(p.ep[0], &other_udp, &i, p.now), 0);
    assert_int_equal(drops(&p, 0, TERN_DROP_PORT), port0 + 2);

    uint64_t ootb0 = drops(&p, 0, TERN_DROP_OOTB);
    q[3] ^= 1; /* the peer's port: no such association */
    assert_int_equal(tern_ep_icmp(p.ep[0], &path, &i, p.now), 0);
    q[3] ^= 1;
    tern_path elsewhere = path;
    elsewhere.remote = pair_v4(192, 0, 2, 77);
    assert_int_equal(tern_ep_icmp(p.ep[0], &elsewhere, &i, p.now), 0);
    assert_int_equal(drops(&p, 0, TERN_DROP_OOTB), ootb0 + 2);

    uint64_t mal0 = drops(&p, 0, TERN_DROP_MALFORMED);
    for (size_t len = 0; len < 8; len++) {
        tern_icmp s = icmp_of(TERN_ICMP_PROTO_UNREACH, 0, len ? q : NULL, len);
        assert_int_equal(tern_ep_icmp(p.ep[0], &path, &s, p.now), 0);
    }
    assert_int_equal(drops(&p, 0, TERN_DROP_MALFORMED), mal0 + 8);

    tern_icmp other = icmp_of(TERN_ICMP_OTHER, 0, q, sizeof q); /* host unreachable, ... */
    assert_int_equal(tern_ep_icmp(p.ep[0], &path, &other, p.now), 0);

    /* Garbage of every length: never a crash, never an effect. */
    pair_rng rng = {7};
    for (int n = 0; n < 2000; n++) {
        uint8_t g[48];
        pair_random(&rng, g, sizeof g);
        if (n & 1) memcpy(g, q, 4);          /* right ports, random tag and chunk */
        if (n % 4 == 1) memset(g + 4, 0, 4); /* tag 0: an INIT is looked for */
        tern_icmp x = icmp_of((enum tern_icmp_kind)(1 + n % 3), (uint32_t)n, g,
                              (size_t)(pair_rng_next(&rng) % (sizeof g + 1)));
        assert_int_equal(tern_ep_icmp(p.ep[0], &path, &x, p.now), 0);
    }
    tern_assoc_info a = pair_assoc(&p, 0, ids[0]);
    assert_int_equal(a.state, TERN_STATE_ESTABLISHED);
    assert_int_equal(a.paths[0].pmtu, 1500);
    assert_no_event(&p, 0);
    pair_deliver(&p, 0);
    reader r = {.side = 1, .in_order = true};
    pump_read(&p, &r);
    assert_int_equal(r.n, 1);

    /* Misuse. */
    assert_int_equal(tern_ep_icmp(NULL, &path, &i, p.now), TERN_EINVAL);
    assert_int_equal(tern_ep_icmp(p.ep[0], NULL, &i, p.now), TERN_EINVAL);
    assert_int_equal(tern_ep_icmp(p.ep[0], &path, NULL, p.now), TERN_EINVAL);
    tern_icmp null_quote = icmp_of(TERN_ICMP_PROTO_UNREACH, 0, NULL, 20);
    assert_int_equal(tern_ep_icmp(p.ep[0], &path, &null_quote, p.now), TERN_EINVAL);
    pair_free(&p);
}

/* ---- ICMP8: Protocol Unreachable ------------------------------------------------- */

/* ESTABLISHED, a quote with the peer's tag: the association ends as if by
 * ABORT (COMM_LOST, cause 0, nothing sent to the peer); its unacknowledged
 * message is reported failed. */
static void proto_unreach_ends_established(void **state)
{
    (void)state;
    pair p;
    tern_assoc_id ids[2];
    open_quiet(&p, ids);
    send_pkt(&p, ids[0], 0, 0, 0, 100);
    assert_int_equal(icmp_about(&p, 0, TERN_ICMP_PROTO_UNREACH, 0, 8), 0);
    tern_event ev;
    assert_int_equal(tern_ep_poll_event(p.ep[0], &ev), 1);
    assert_int_equal(ev.type, TERN_EV_COMM_LOST);
    assert_int_equal(ev.assoc, ids[0]);
    assert_int_equal(ev.cause, 0);
    assert_int_equal(tern_ep_poll_event(p.ep[0], &ev), 1);
    assert_int_equal(ev.type, TERN_EV_SEND_FAILED);
    assert_int_equal(pair_stats(&p, 0).assocs_open, 0);
    pair_drop_all(&p, 0);
    assert_int_equal(pair_collect_from(&p, 0), 0);
    pair_free(&p);
}

/* COOKIE-WAIT: the quote is our INIT (tag 0) and its Initiate Tag is our
 * tag: CANT_START. With another Initiate Tag, a quote too short to show
 * it, or another chunk under tag 0, it is dropped. */
static void proto_unreach_for_our_init(void **state)
{
    (void)state;
    pair p;
    tern_ep_config c;
    cfg_data(&c);
    pair_init(&p, &c, &c);
    tern_assoc_id id = pair_connect(&p, 0);
    pair_collect_from(&p, 0);
    pair_expect_one(&p, 0, TERN_CHUNK_INIT);
    uint8_t q[64];
    memcpy(q, p.flight[0].data, sizeof q);
    tern_path path = p.flight[0].path;
    uint64_t vtag0 = drops(&p, 0, TERN_DROP_VTAG);
    tern_icmp i = icmp_of(TERN_ICMP_PROTO_UNREACH, 0, q, 19); /* one byte short */
    assert_int_equal(tern_ep_icmp(p.ep[0], &path, &i, p.now), 0);
    i.len = sizeof q;
    q[19] ^= 1; /* Initiate Tag */
    assert_int_equal(tern_ep_icmp(p.ep[0], &path, &i, p.now), 0);
    q[19] ^= 1;
    q[12] = TERN_CHUNK_COOKIE_ECHO;
    assert_int_equal(tern_ep_icmp(p.ep[0], &path, &i, p.now), 0);
    q[12] = TERN_CHUNK_INIT;
    assert_int_equal(drops(&p, 0, TERN_DROP_VTAG), vtag0 + 3);
    assert_int_equal(pair_stats(&p, 0).assocs_open, 1);
    /* Fragmentation Needed about our INIT is taken too. */
    i.kind = TERN_ICMP_FRAG_NEEDED;
    i.mtu = 1400;
    assert_int_equal(tern_ep_icmp(p.ep[0], &path, &i, p.now), 0);
    assert_int_equal(pair_assoc(&p, 0, id).paths[0].pmtu, 1400);
    i.kind = TERN_ICMP_PROTO_UNREACH;
    assert_int_equal(tern_ep_icmp(p.ep[0], &path, &i, p.now), 0);
    tern_event ev;
    assert_int_equal(tern_ep_poll_event(p.ep[0], &ev), 1);
    assert_int_equal(ev.type, TERN_EV_CANT_START);
    assert_int_equal(ev.assoc, id);
    assert_int_equal(pair_stats(&p, 0).assocs_open, 0);
    assert_int_equal(tern_ep_next_deadline(p.ep[0]), TERN_TIME_NEVER);
    pair_free(&p);
}

/* COOKIE-ECHOED: the quote is our COOKIE ECHO, with the peer's tag:
 * CANT_START. An INIT quote (tag 0, our tag) once past COOKIE-WAIT is an
 * old one: ignored (§10 ICMP8 acts on an INIT only in COOKIE-WAIT). */
static void proto_unreach_in_cookie_echoed(void **state)
{
    (void)state;
    pair p;
    tern_ep_config c;
    cfg_data(&c);
    pair_init(&p, &c, &c);
    tern_assoc_id id = pair_connect(&p, 0);
    pair_collect(&p);
    pair_pkt init = p.flight[0];
    pair_deliver(&p, 0);
    pair_collect(&p);
    pair_deliver(&p, 0); /* INIT ACK */
    pair_collect_from(&p, 0);
    pair_expect_one(&p, 0, TERN_CHUNK_COOKIE_ECHO);
    tern_icmp old = icmp_of(TERN_ICMP_PROTO_UNREACH, 0, init.data, init.len);
    uint64_t state0 = drops(&p, 0, TERN_DROP_STATE);
    assert_int_equal(tern_ep_icmp(p.ep[0], &init.path, &old, p.now), 0);
    assert_int_equal(drops(&p, 0, TERN_DROP_STATE), state0 + 1);
    assert_int_equal(pair_assoc(&p, 0, id).state, TERN_STATE_COOKIE_ECHOED);
    assert_int_equal(icmp_about(&p, 0, TERN_ICMP_PROTO_UNREACH, 0, 16), 0);
    tern_event ev;
    assert_int_equal(tern_ep_poll_event(p.ep[0], &ev), 1);
    assert_int_equal(ev.type, TERN_EV_CANT_START);
    assert_int_equal(pair_stats(&p, 0).assocs_open, 0);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(frag_needed_lowers_pmtu),
        cmocka_unit_test(frag_needed_floors),
        cmocka_unit_test(frag_needed_then_oversize_retransmission),
        cmocka_unit_test(unverified_quotes_are_dropped),
        cmocka_unit_test(proto_unreach_ends_established),
        cmocka_unit_test(proto_unreach_for_our_init),
        cmocka_unit_test(proto_unreach_in_cookie_echoed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
