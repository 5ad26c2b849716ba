/* Source address selection with several local addresses bound (io/tx.c,
 * io/route.c; issue 8): A and B joined by two veth pairs, 10.202.1.0/24 and
 * 10.202.2.0/24. A binds both of its addresses, one UDP socket each (or, for
 * raw IP, one socket that checks both); a packet whose path names no source
 * must leave from the address the routing picks for its destination — B
 * sees it come from A's address on that network — not from the first bound
 * (which the kernel would send from, through the other link, and B would
 * answer there). Also: a source named in the path is kept, and a
 * destination without a route is refused by the kernel, not sent from a
 * wrong address. Needs root and ip (iproute2): otherwise exits 77. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "io/io_internal.h"
#include "io_testutil.h"

enum { NS_A, NS_B };
static const char *const ns_prefix[2] = {"tiorA", "tiorB"};
static netns_set nets;

#define A1 "10.202.1.1"
#define A2 "10.202.2.1"
#define B1 "10.202.1.2"
#define B2 "10.202.2.2"

static void topo_down(void)
{
    netns_set_destroy(&nets);
}

static int topo_teardown(void **state)
{
    (void)state;
    topo_down();
    return 0;
}

static int topo_setup(void **state)
{
    (void)state;
    int pid = (int)getpid();
    if (netns_set_create(&nets, ns_prefix, 2) != 0) goto fail;
    const char *a = nets.name[NS_A], *b = nets.name[NS_B];
    int rc = 0;
    rc |= sh("ip link add tra1%d netns %s type veth peer name trb1%d netns %s", pid, a, pid, b);
    rc |= sh("ip link add tra2%d netns %s type veth peer name trb2%d netns %s", pid, a, pid, b);
    rc |= sh("ip -n %s addr add " A1 "/24 dev tra1%d && ip -n %s addr add " A2 "/24 dev tra2%d", a,
             pid, a, pid);
    rc |= sh("ip -n %s addr add " B1 "/24 dev trb1%d && ip -n %s addr add " B2 "/24 dev trb2%d", b,
             pid, b, pid);
    rc |=
        sh("ip -n %s link set lo up && ip -n %s link set tra1%d up && ip -n %s link set tra2%d up",
           a, a, pid, a, pid);
    rc |=
        sh("ip -n %s link set lo up && ip -n %s link set trb1%d up && ip -n %s link set trb2%d up",
           b, b, pid, b, pid);
    if (rc != 0) goto fail;
    return 0;
fail:
    fprintf(stderr, "test_io_route: could not build the namespaces\n");
    topo_down();
    return -1;
}

/* A transport in namespace which: bound to the given addresses (none: the
 * wildcard). */
static tern_io *open_in(int which, tern_io_kind kind, const char *const *addrs, unsigned n)
{
    tern_io_config cfg;
    tern_io_config_default(&cfg);
    cfg.kind = kind;
    cfg.udp_port = 0;
    cfg.ipv6 = false;
    cfg.gso = false;
    for (unsigned i = 0; i < n; i++)
        cfg.bind_addrs[i] = mkaddr(addrs[i]);
    cfg.num_bind_addrs = (uint8_t)n;
    tern_io *io = NULL;
    ns_enter(nets.fd[which]);
    int rc = tern_io_open(&cfg, &io);
    ns_leave();
    assert_int_equal(rc, 0);
    return io;
}

/* From A (both addresses bound) to B: packets to B2 then B1 with no source
 * named, then one to B2 from A1 named; B sees each one's source. */
static void sources_follow_the_route(tern_io_kind kind)
{
    static const char *const both[] = {A1, A2};
    tern_io *ta = open_in(NS_A, kind, both, 2);
    tern_io *tb = open_in(NS_B, kind, NULL, 0);
    uint16_t bport = kind == TERN_IO_UDP ? tern_io_udp_port(tb) : 0;
    if (kind == TERN_IO_RAW) assert_int_equal(tern_io_own_port(tb, 5001), 0);
    rx_log *log = calloc(1, sizeof *log);
    assert_non_null(log);
    tern_path to_b2 = mkpath(NULL, B2, bport), to_b1 = mkpath(NULL, B1, bport);
    tern_path named = mkpath(A1, B2, bport);
    for (uint32_t i = 0; i < 4; i++) /* repeated: the cached answer too */
        push_pkt(ta, i % 2 ? &to_b1 : &to_b2, 100, 5000, 5001, i);
    push_pkt(ta, &named, 100, 5000, 5001, 4);
    assert_int_equal(tern_io_tx_flush(ta), 0);
    wait_rx(tb, log, 5, 0, 3000);
    assert_int_equal(log->n, 5);
    for (unsigned i = 0; i < 5; i++) {
        const rx_rec *r = &log->pkt[i];
        const char *want_src = r->seq == 4 ? A1 : r->seq % 2 ? A1 : A2;
        const char *want_dst = r->seq % 2 ? B1 : B2;
        if (!addr_is(&r->path.remote, want_src) || !addr_is(&r->path.local, want_dst)) {
            char s[64], d[64];
            inet_ntop(AF_INET, r->path.remote.ip, s, sizeof s);
            inet_ntop(AF_INET, r->path.local.ip, d, sizeof d);
            fail_msg("packet %u: from %s to %s, not from %s to %s", r->seq, s, d, want_src,
                     want_dst);
        }
    }
    free(log);
    tern_io_close(ta);
    tern_io_close(tb);
}

static void udp_source_follows_the_route(void **state)
{
    (void)state;
    sources_follow_the_route(TERN_IO_UDP);
}

static void raw_source_follows_the_route(void **state)
{
    (void)state;
    sources_follow_the_route(TERN_IO_RAW);
}

/* The route cache: a probe per destination, answers kept (at most
 * IO_ROUTE_SLOTS), no route is an answer too. */
static void route_cache(void **state)
{
    (void)state;
    static const char *const both[] = {A1, A2};
    tern_io *ta = open_in(NS_A, TERN_IO_UDP, both, 2);
    tern_addr src;
    assert_false(tern_io_route_src(ta, &(tern_addr){0}, &src)); /* no family: not cached */
    tern_addr b2 = mkaddr(B2), none = mkaddr("192.0.2.1");
    assert_true(tern_io_route_src(ta, &b2, &src));
    assert_true(addr_is(&src, A2));
    assert_false(tern_io_route_src(ta, &none, &src)); /* no default route in A */
    for (unsigned i = 0; i < 2 * IO_ROUTE_SLOTS; i++) {
        tern_addr d = mkaddr(i % 2 ? B1 : B2); /* the same two: no new slots */
        assert_true(tern_io_route_src(ta, &d, &src));
    }
    unsigned used = 0;
    for (unsigned i = 0; i < IO_ROUTE_SLOTS; i++)
        used += ta->routes[i].at != 0;
    assert_int_equal(used, 3); /* B2, 192.0.2.1, B1: one each */
    tern_io_close(ta);
}

int main(void)
{
    const char *why = NULL;
    if (!can_netns(&why)) {
        printf("test_io_route: SKIPPED: %s (needs root and iproute2)\n", why);
        return 77;
    }
    atexit(topo_down); /* also when an assertion ends the process */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(udp_source_follows_the_route),
        cmocka_unit_test(raw_source_follows_the_route),
        cmocka_unit_test(route_cache),
    };
    return cmocka_run_group_tests_name("io_route_netns", tests, topo_setup, topo_teardown);
}
