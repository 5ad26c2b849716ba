/* SCTP over raw IP, protocol 132 (io/raw.c, io/icmp.c, io/bpf.c), between
 * network namespaces this test makes: A —veth— R (a router) —veth, MTU
 * 1280— B. Sockets are opened inside a namespace (setns) and keep it, so
 * one single-threaded process drives both ends. Checks: packets both ways
 * over IPv4 and IPv6 with their paths; only owned destination ports are
 * delivered (kernel BPF filter, and user space with filtered_in); two raw
 * users in one namespace each see only their own; ICMP protocol
 * unreachable (B has no SCTP) and fragmentation needed / Packet Too Big (R
 * cannot forward 1400 bytes) reach the owner of the quoted source port, with
 * the quoted packet — over raw IP and, through the error queue, over UDP;
 * the ICMP parser on crafted bytes; EPERM without privilege. Needs root and
 * ip (iproute2): otherwise only the parser runs and the test exits 77. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <grp.h>
#include <sys/wait.h>

#include "io/io_internal.h"
#include "io_testutil.h"

enum { NS_A, NS_R, NS_B };
static const char *const ns_prefix[3] = {"tioA", "tioR", "tioB"};
static netns_set nets;

#define A4 "10.201.1.1"
#define R4 "10.201.1.2"
#define B4 "10.201.2.1"
#define A6 "fd00:201:1::1"
#define R6 "fd00:201:1::2"
#define B6 "fd00:201:2::1"

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
    if (netns_set_create(&nets, ns_prefix, 3) != 0) goto fail;
    const char *a = nets.name[NS_A], *r = nets.name[NS_R], *b = nets.name[NS_B];
    int rc = 0;
    rc |= sh("ip link add tia%d netns %s type veth peer name tra%d netns %s", pid, a, pid, r);
    rc |= sh("ip link add trb%d netns %s type veth peer name tib%d netns %s", pid, r, pid, b);
    rc |= sh("ip -n %s addr add " A4 "/24 dev tia%d && ip -n %s addr add " A6 "/64 dev tia%d nodad",
             a, pid, a, pid);
    rc |= sh("ip -n %s addr add " R4 "/24 dev tra%d && ip -n %s addr add " R6 "/64 dev tra%d nodad",
             r, pid, r, pid);
    rc |= sh("ip -n %s addr add 10.201.2.2/24 dev trb%d && ip -n %s addr add "
             "fd00:201:2::2/64 dev trb%d nodad && ip -n %s link set trb%d mtu 1280",
             r, pid, r, pid, r, pid);
    rc |= sh("ip -n %s addr add " B4 "/24 dev tib%d && ip -n %s addr add " B6
             "/64 dev tib%d nodad && ip -n %s link set tib%d mtu 1280",
             b, pid, b, pid, b, pid);
    rc |= sh("ip -n %s link set lo up && ip -n %s link set tia%d up", a, a, pid);
    rc |= sh("ip -n %s link set lo up && ip -n %s link set tra%d up && ip -n %s link set trb%d up",
             r, r, pid, r, pid);
    rc |= sh("ip -n %s link set lo up && ip -n %s link set tib%d up", b, b, pid);
    rc |=
        sh("ip -n %s route add default via " R4 " && ip -n %s -6 route add default via " R6, a, a);
    rc |= sh("ip -n %s route add default via 10.201.2.2 && ip -n %s -6 route add default via "
             "fd00:201:2::2",
             b, b);
    if (rc != 0) goto fail;
    ns_enter(nets.fd[NS_R]);
    rc |= write_sysctl("/proc/sys/net/ipv4/ip_forward", "1");
    rc |= write_sysctl("/proc/sys/net/ipv6/conf/all/forwarding", "1");
    ns_leave();
    if (rc != 0) goto fail;
    return 0;
fail:
    fprintf(stderr, "test_io_raw: could not build the namespaces\n");
    topo_down();
    return -1;
}

static tern_io *open_raw_in(int which, bool v4, bool v6)
{
    tern_io_config cfg;
    tern_io_config_default(&cfg);
    cfg.kind = TERN_IO_RAW;
    cfg.ipv4 = v4;
    cfg.ipv6 = v6;
    tern_io *io = NULL;
    ns_enter(nets.fd[which]);
    int rc = tern_io_open(&cfg, &io);
    ns_leave();
    assert_int_equal(rc, 0);
    assert_int_equal(tern_io_get_kind(io), TERN_IO_RAW);
    assert_int_equal(tern_io_udp_port(io), 0);
    return io;
}

static rx_log *new_log(void)
{
    rx_log *log = calloc(1, sizeof *log);
    assert_non_null(log);
    return log;
}

static void send_one(tern_io *io, const tern_path *p, size_t len, uint16_t sport, uint16_t dport,
                     uint32_t seq)
{
    push_pkt(io, p, len, sport, dport, seq);
    assert_int_equal(tern_io_tx_flush(io), 0);
}

static void raw_exchange(const char *a, const char *b)
{
    tern_io *ta = open_raw_in(NS_A, true, true);
    tern_io *tb = open_raw_in(NS_B, true, true);
    assert_int_equal(tern_io_own_port(ta, 5000), 0);
    assert_int_equal(tern_io_own_port(tb, 5001), 0);
    assert_int_equal(tern_io_own_port(tb, 5001), 0); /* again: no-op */
    rx_log *la = new_log(), *lb = new_log();
    tern_path to_b = mkpath(a, b, 0);
    for (uint32_t i = 0; i < 20; i++)
        push_pkt(ta, &to_b, 200 + i, 5000, 5001, i);
    assert_int_equal(tern_io_tx_flush(ta), 0);
    wait_rx(tb, lb, 20, 0, 3000);
    assert_int_equal(lb->n, 20);
    for (uint32_t i = 0; i < 20; i++) {
        const rx_rec *r = &lb->pkt[i];
        assert_int_equal(r->seq, i);
        assert_int_equal(r->len, 200 + i);
        assert_true(r->intact);
        assert_true(addr_is(&r->path.local, b));
        assert_true(addr_is(&r->path.remote, a));
        assert_int_equal(r->path.encaps_port, 0);
    }
    tern_io_stats st;
    tern_io_stats_get(ta, &st);
    assert_int_equal(st.packets_out, 20);
    assert_true(st.send_calls < st.packets_out); /* sendmmsg on raw sockets too */
    /* The answer, on the path the packet came in on; then one with no
     * local address (the kernel picks it). */
    send_one(tb, &lb->pkt[0].path, 100, 5001, 5000, 1000);
    tern_path back = mkpath(NULL, a, 0);
    send_one(tb, &back, 100, 5001, 5000, 1001);
    wait_rx(ta, la, 2, 0, 3000);
    assert_int_equal(la->n, 2);
    assert_int_equal(la->pkt[0].seq, 1000);
    assert_int_equal(la->pkt[1].seq, 1001);
    assert_true(addr_is(&la->pkt[1].path.local, a));
    assert_true(addr_is(&la->pkt[1].path.remote, b));
    tern_io_stats_get(tb, &st);
    assert_int_equal(st.filtered_in, 0);
    free(la);
    free(lb);
    tern_io_close(ta);
    tern_io_close(tb);
}

static void raw_packets_both_ways_ipv4(void **state)
{
    (void)state;
    raw_exchange(A4, B4);
}

static void raw_packets_both_ways_ipv6(void **state)
{
    (void)state;
    raw_exchange(A6, B6);
}

/* Packets to ports nobody here owns are not delivered: the kernel filter
 * drops them (nothing to count), and with it off user space drops and
 * counts them. A packet to an owned "marker" port, sent after, shows the
 * earlier one was handled. */
static void raw_port_filter(const char *a, const char *b)
{
    tern_io *ta = open_raw_in(NS_A, true, true);
    tern_io *tb = open_raw_in(NS_B, true, true);
    assert_int_equal(tern_io_own_port(tb, 5001), 0);
    assert_int_equal(tern_io_own_port(tb, 5003), 0);
    rx_log *lb = new_log();
    tern_path to_b = mkpath(a, b, 0);
    send_one(ta, &to_b, 100, 5000, 5002, 1);
    send_one(ta, &to_b, 100, 5000, 5001, 2);
    wait_rx(tb, lb, 1, 0, 3000);
    assert_int_equal(lb->n, 1);
    assert_int_equal(lb->pkt[0].seq, 2);
    tern_io_stats st;
    tern_io_stats_get(tb, &st);
    assert_int_equal(st.filtered_in, 0); /* the kernel dropped it */

    assert_int_equal(tern_io_set_kernel_filter(tb, false), 0);
    send_one(ta, &to_b, 100, 5000, 5002, 3);
    send_one(ta, &to_b, 100, 5000, 5001, 4);
    wait_rx(tb, lb, 2, 0, 3000);
    assert_int_equal(lb->n, 2);
    assert_int_equal(lb->pkt[1].seq, 4);
    tern_io_stats_get(tb, &st);
    assert_int_equal(st.filtered_in, 1);
    assert_int_equal(tern_io_set_kernel_filter(tb, true), 0);

    /* Disowned: dropped; owned again: delivered. */
    assert_int_equal(tern_io_disown_port(tb, 5001), 0);
    send_one(ta, &to_b, 100, 5000, 5001, 5);
    send_one(ta, &to_b, 100, 5000, 5003, 6); /* marker */
    wait_rx(tb, lb, 3, 0, 3000);
    assert_int_equal(lb->n, 3);
    assert_int_equal(lb->pkt[2].seq, 6);
    assert_int_equal(tern_io_own_port(tb, 5001), 0);
    send_one(ta, &to_b, 100, 5000, 5001, 7);
    wait_rx(tb, lb, 4, 0, 3000);
    assert_int_equal(lb->n, 4);
    assert_int_equal(lb->pkt[3].seq, 7);
    assert_int_equal(lb->pkt[3].dport, 5001);
    free(lb);
    tern_io_close(ta);
    tern_io_close(tb);
}

static void raw_delivers_only_owned_ports(void **state)
{
    (void)state;
    raw_port_filter(A4, B4);
    raw_port_filter(A6, B6);
}

/* Two raw users in one namespace both get every SCTP packet from the
 * kernel; each delivers only its own ports. */
static void raw_two_users_in_one_namespace(void **state)
{
    (void)state;
    tern_io *ta = open_raw_in(NS_A, true, true);
    tern_io *t1 = open_raw_in(NS_B, true, true);
    tern_io *t2 = open_raw_in(NS_B, true, true);
    assert_int_equal(tern_io_own_port(t1, 5001), 0);
    assert_int_equal(tern_io_own_port(t2, 5002), 0);
    static const uint16_t dports[] = {5001, 5002, 5002, 5001, 5002};
    for (int round = 0; round < 2; round++) {
        bool kfilter = round == 0;
        assert_int_equal(tern_io_set_kernel_filter(t1, kfilter), 0);
        assert_int_equal(tern_io_set_kernel_filter(t2, kfilter), 0);
        rx_log *l1 = new_log(), *l2 = new_log();
        for (uint32_t i = 0; i < 5; i++) {
            tern_path p = mkpath(i % 2 ? A6 : A4, i % 2 ? B6 : B4, 0);
            push_pkt(ta, &p, 64, 5000, dports[i], i);
        }
        assert_int_equal(tern_io_tx_flush(ta), 0);
        wait_rx(t1, l1, 2, 0, 3000);
        wait_rx(t2, l2, 3, 0, 3000);
        assert_int_equal(l1->n, 2);
        assert_int_equal(l2->n, 3);
        for (unsigned i = 0; i < l1->n; i++)
            assert_int_equal(l1->pkt[i].dport, 5001);
        for (unsigned i = 0; i < l2->n; i++)
            assert_int_equal(l2->pkt[i].dport, 5002);
        tern_io_stats s1, s2;
        tern_io_stats_get(t1, &s1);
        tern_io_stats_get(t2, &s2);
        /* With the kernel filter off, each saw and counted the other's. */
        assert_int_equal(s1.filtered_in, kfilter ? 0 : 3);
        assert_int_equal(s2.filtered_in, kfilter ? 0 : 2);
        free(l1);
        free(l2);
        memset(&t1->stats, 0, sizeof t1->stats);
        memset(&t2->stats, 0, sizeof t2->stats);
    }
    tern_io_close(ta);
    tern_io_close(t1);
    tern_io_close(t2);
}

/* B runs no SCTP: its kernel answers protocol unreachable (ICMPv4 3/2,
 * ICMPv6 4/1). The report goes to the owner of the quoted source port only. */
static void raw_icmp_proto_unreach(const char *a, const char *b, uint8_t type, uint8_t code)
{
    tern_io *ta = open_raw_in(NS_A, true, true);
    tern_io *other = open_raw_in(NS_A, true, true);
    assert_int_equal(tern_io_own_port(ta, 5000), 0);
    assert_int_equal(tern_io_own_port(other, 6000), 0);
    rx_log *la = new_log(), *lo = new_log();
    tern_path to_b = mkpath(a, b, 0);
    send_one(ta, &to_b, 100, 5000, 5001, 0xfeedf00d);
    wait_rx(ta, la, 0, 1, 3000);
    assert_int_equal(la->nicmp, 1);
    const tern_icmp *ic = &la->icmp[0];
    assert_int_equal(ic->kind, TERN_ICMP_PROTO_UNREACH);
    assert_int_equal(ic->type, type);
    assert_int_equal(ic->code, code);
    assert_int_equal(ic->len, 100); /* the whole packet was quoted */
    assert_true(pkt_intact(ic->sctp, ic->len));
    assert_int_equal(get32(ic->sctp + 4), 0xfeedf00d);
    assert_true(addr_is(&la->icmp_path[0].local, a));
    assert_true(addr_is(&la->icmp_path[0].remote, b));
    assert_int_equal(la->icmp_path[0].encaps_port, 0);
    /* The other raw user of namespace A got the same ICMP: not for it
     * (dropped by its kernel filter; with that off, by user space). */
    tern_io_handler h = log_handler(lo);
    assert_true(tern_io_recv(other, &h, 100) >= 0);
    assert_int_equal(lo->nicmp, 0);
    tern_io_stats st;
    tern_io_stats_get(other, &st);
    assert_int_equal(st.filtered_in, 0);
    assert_int_equal(tern_io_set_kernel_filter(other, false), 0);
    send_one(ta, &to_b, 100, 5000, 5001, 2);
    wait_rx(ta, la, 0, 2, 3000);
    assert_int_equal(la->nicmp, 2);
    assert_true(tern_io_recv(other, &h, 100) >= 0);
    assert_int_equal(lo->nicmp, 0);
    tern_io_stats_get(other, &st);
    assert_int_equal(st.filtered_in, 1);
    tern_io_stats_get(ta, &st);
    assert_int_equal(st.icmp_in, 2);
    free(la);
    free(lo);
    tern_io_close(ta);
    tern_io_close(other);
}

static void raw_icmp_protocol_unreachable(void **state)
{
    (void)state;
    raw_icmp_proto_unreach(A4, B4, 3, 2);
    raw_icmp_proto_unreach(A6, B6, 4, 1);
}

/* R cannot forward 1400 bytes onto its 1280-byte link: ICMP fragmentation
 * needed (3/4) / Packet Too Big with MTU 1280 comes back, quoting our
 * packet; the kernel's path MTU toward B follows. */
static void raw_frag_needed(const char *a, const char *b, uint8_t type, uint8_t code)
{
    tern_io *ta = open_raw_in(NS_A, true, true);
    assert_int_equal(tern_io_own_port(ta, 5000), 0);
    rx_log *la = new_log();
    tern_path to_b = mkpath(a, b, 0);
    send_one(ta, &to_b, 1400, 5000, 5001, 0x12345678);
    wait_rx(ta, la, 0, 1, 3000);
    assert_int_equal(la->nicmp, 1);
    const tern_icmp *ic = &la->icmp[0];
    assert_int_equal(ic->kind, TERN_ICMP_FRAG_NEEDED);
    assert_int_equal(ic->type, type);
    assert_int_equal(ic->code, code);
    assert_int_equal(ic->mtu, 1280);
    assert_true(ic->len >= 12 && ic->len < 1400);
    assert_true(pkt_intact(ic->sctp, ic->len)); /* a prefix of what we sent */
    assert_int_equal(get32(ic->sctp + 4), 0x12345678);
    assert_true(addr_is(&la->icmp_path[0].local, a));
    assert_true(addr_is(&la->icmp_path[0].remote, b));
    tern_addr rb = mkaddr(b);
    ns_enter(nets.fd[NS_A]);
    long mtu = tern_io_path_mtu(ta, NULL, &rb);
    ns_leave();
    assert_int_equal(mtu, 1280);
    /* Quiet afterwards (the IPv6 socket's error queue was drained). */
    memset(la, 0, sizeof *la);
    tern_io_handler h = log_handler(la);
    assert_int_equal(tern_io_recv(ta, &h, 100), 0);
    assert_int_equal(la->nicmp, 0);
    int fds[8];
    int n = tern_io_fds(ta, fds, 8);
    assert_int_equal(n, 4); /* IPv4 and IPv6 raw SCTP, ICMP and ICMPv6 */
    struct pollfd pfd[8];
    for (int i = 0; i < n; i++)
        pfd[i] = (struct pollfd){.fd = fds[i], .events = POLLIN};
    assert_int_equal(poll(pfd, (nfds_t)n, 0), 0); /* no POLLERR left behind */
    free(la);
    tern_io_close(ta);
}

static void raw_icmp_fragmentation_needed(void **state)
{
    (void)state;
    raw_frag_needed(A4, B4, 3, 4);
    raw_frag_needed(A6, B6, 2, 0);
}

/* The same over UDP encapsulation: the error queue reports it (RFC 6951
 * §5.5), with the UDP port the datagram went to. */
static void udp_frag_needed(const char *b, uint8_t type)
{
    tern_io_config cfg;
    tern_io_config_default(&cfg);
    cfg.udp_port = 0;
    tern_io *ua = NULL;
    ns_enter(nets.fd[NS_A]);
    int rc = tern_io_open(&cfg, &ua);
    ns_leave();
    assert_int_equal(rc, 0);
    rx_log *la = new_log();
    tern_path to_b = mkpath(NULL, b, 9899);
    send_one(ua, &to_b, 1400, 5000, 5001, 0xabcdef01);
    wait_rx(ua, la, 0, 1, 3000);
    assert_int_equal(la->nicmp, 1);
    const tern_icmp *ic = &la->icmp[0];
    assert_int_equal(ic->kind, TERN_ICMP_FRAG_NEEDED);
    assert_int_equal(ic->type, type);
    assert_int_equal(ic->mtu, 1280);
    assert_true(ic->len >= 12 && ic->len < 1400);
    assert_true(pkt_intact(ic->sctp, ic->len));
    assert_int_equal(get32(ic->sctp + 4), 0xabcdef01);
    assert_true(addr_is(&la->icmp_path[0].remote, b));
    assert_int_equal(la->icmp_path[0].encaps_port, 9899);
    assert_true(addr_is(&la->icmp_path[0].local, strchr(b, ':') ? A6 : A4));
    free(la);
    tern_io_close(ua);
}

static void udp_icmp_fragmentation_needed(void **state)
{
    (void)state;
    udp_frag_needed(B4, 3);
    udp_frag_needed(B6, 2);
}

static tern_io *open_udp_in(int which)
{
    tern_io_config cfg;
    tern_io_config_default(&cfg);
    cfg.udp_port = 0;
    cfg.ipv6 = false;
    tern_io *io = NULL;
    ns_enter(nets.fd[which]);
    int rc = tern_io_open(&cfg, &io);
    ns_leave();
    assert_int_equal(rc, 0);
    return io;
}

/* B's link has MTU 1280: a GSO run of 1300-byte segments is refused; that
 * run goes again datagram by datagram (the 1300-byte ones fail, EMSGSIZE,
 * the short last one goes), and the next run still uses GSO. */
static void udp_gso_run_above_the_mtu_falls_back(void **state)
{
    (void)state;
    tern_io *ub = open_udp_in(NS_B), *ua = open_udp_in(NS_A);
    tern_path to_a = mkpath(B4, A4, tern_io_udp_port(ua));
    push_pkt(ub, &to_a, 1300, 1, 2, 0);
    push_pkt(ub, &to_a, 1300, 1, 2, 1);
    push_pkt(ub, &to_a, 500, 1, 2, 2);
    for (uint32_t i = 3; i < 6; i++)
        push_pkt(ub, &to_a, 1200, 1, 2, i);
    assert_int_equal(tern_io_tx_flush(ub), 0);
    assert_int_equal(tern_io_tx_pending(ub), 0);
    tern_io_stats st;
    tern_io_stats_get(ub, &st);
    assert_int_equal(st.dropped_out, 2);
    assert_int_equal(st.packets_out, 4);
    if (ub->gso) {
        assert_int_equal(st.gso_sends, 1);
    }
    rx_log *la = new_log();
    wait_rx(ua, la, 4, 0, 3000);
    assert_int_equal(la->n, 4);
    for (uint32_t i = 0; i < 4; i++) {
        assert_int_equal(la->pkt[i].seq, i + 2);
        assert_int_equal(la->pkt[i].len, i == 0 ? 500 : 1200);
    }
    /* The local EMSGSIZE errors in the error queue are no ICMP reports. */
    rx_log *lb = new_log();
    tern_io_handler h = log_handler(lb);
    assert_true(tern_io_recv(ub, &h, 100) >= 0);
    assert_int_equal(lb->nicmp, 0);
    int fd;
    assert_int_equal(tern_io_fds(ub, &fd, 1), 1);
    struct pollfd p = {.fd = fd, .events = POLLIN};
    assert_int_equal(poll(&p, 1, 0), 0);
    print_message("oversize GSO run: %llu sendmmsg for 6 packets (%llu GSO)\n",
                  (unsigned long long)st.send_calls, (unsigned long long)st.gso_sends);
    free(la);
    free(lb);
    tern_io_close(ua);
    tern_io_close(ub);
}

/* Without root (nor CAP_NET_RAW): TERN_EPERM. */
static void raw_without_privilege_is_eperm(void **state)
{
    (void)state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (setgroups(0, NULL) != 0 || setresgid(65534, 65534, 65534) != 0 ||
            setresuid(65534, 65534, 65534) != 0)
            _exit(2);
        tern_io_config cfg;
        tern_io_config_default(&cfg);
        cfg.kind = TERN_IO_RAW;
        tern_io *io = NULL;
        int rc = tern_io_open(&cfg, &io);
        _exit(rc == TERN_EPERM && io == NULL ? 0 : 1);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* ---- the ICMP parser on crafted bytes (no privilege needed) ---- */

static size_t craft4(uint8_t *p, uint8_t type, uint8_t code, uint16_t mtu, uint8_t proto,
                     uint16_t frag, size_t sctp_len)
{
    memset(p, 0, 600);
    p[0] = 0x45; /* outer header: 20 bytes */
    p[9] = 1;
    p[20] = type;
    p[21] = code;
    put16(p + 26, mtu);
    uint8_t *q = p + 28;
    q[0] = 0x46; /* quoted header with 4 bytes of options */
    put16(q + 6, frag);
    q[9] = proto;
    memcpy(q + 12, (uint8_t[]){10, 0, 0, 1}, 4);
    memcpy(q + 16, (uint8_t[]){10, 0, 0, 2}, 4);
    make_pkt(q + 24, sctp_len < 12 ? 12 : sctp_len, 4000, 4001, 0x01020304);
    size_t total = 28 + 24 + sctp_len;
    put16(p + 2, (uint16_t)total);
    return total;
}

static void icmp_parser_crafted_ipv4(void **state)
{
    (void)state;
    uint8_t p[600];
    tern_path path;
    tern_icmp ic;
    uint16_t sport;
    size_t n = craft4(p, 3, 4, 1300, 132, 0x4000 /* DF */, 64);
    assert_true(tern_io_icmp_parse(TERN_AF_INET, p, n, &path, &ic, &sport));
    assert_int_equal(ic.kind, TERN_ICMP_FRAG_NEEDED);
    assert_int_equal(ic.mtu, 1300);
    assert_int_equal(ic.len, 64);
    assert_ptr_equal(ic.sctp, p + 52);
    assert_int_equal(sport, 4000);
    assert_true(addr_is(&path.local, "10.0.0.1"));
    assert_true(addr_is(&path.remote, "10.0.0.2"));
    n = craft4(p, 3, 2, 0, 132, 0, 8); /* only 8 bytes quoted (RFC 792's minimum) */
    assert_true(tern_io_icmp_parse(TERN_AF_INET, p, n, &path, &ic, &sport));
    assert_int_equal(ic.kind, TERN_ICMP_PROTO_UNREACH);
    assert_int_equal(ic.len, 8);
    n = craft4(p, 3, 1, 0, 132, 0, 20);
    assert_true(tern_io_icmp_parse(TERN_AF_INET, p, n, &path, &ic, &sport));
    assert_int_equal(ic.kind, TERN_ICMP_OTHER);
    n = craft4(p, 3, 4, 1300, 17, 0, 20); /* about UDP */
    assert_false(tern_io_icmp_parse(TERN_AF_INET, p, n, &path, &ic, &sport));
    n = craft4(p, 3, 4, 1300, 132, 0x0010, 20); /* a later fragment */
    assert_false(tern_io_icmp_parse(TERN_AF_INET, p, n, &path, &ic, &sport));
    n = craft4(p, 8, 0, 0, 132, 0, 20); /* echo reply: not an error */
    assert_false(tern_io_icmp_parse(TERN_AF_INET, p, n, &path, &ic, &sport));
    /* Every truncation: no read past the end (ASan), and a report only
     * when the source port made it. */
    n = craft4(p, 3, 4, 1300, 132, 0, 64);
    for (size_t l = 0; l <= n; l++) {
        uint8_t *copy = malloc(l ? l : 1);
        memcpy(copy, p, l);
        bool ok = tern_io_icmp_parse(TERN_AF_INET, copy, l, &path, &ic, &sport);
        assert_true(ok == (l >= 52 + 4));
        if (ok) assert_true(ic.sctp + ic.len <= copy + l);
        free(copy);
    }
}

static size_t craft6(uint8_t *p, uint8_t type, uint8_t code, uint32_t mtu, bool hbh, uint8_t upper,
                     size_t sctp_len)
{
    memset(p, 0, 1400);
    p[0] = type;
    p[1] = code;
    p[4] = (uint8_t)(mtu >> 24);
    p[5] = (uint8_t)(mtu >> 16);
    p[6] = (uint8_t)(mtu >> 8);
    p[7] = (uint8_t)mtu;
    uint8_t *q = p + 8;
    q[0] = 0x60;
    q[6] = hbh ? 0 : upper;
    tern_addr l = mkaddr("fd00::1"), r = mkaddr("fd00::2");
    memcpy(q + 8, l.ip, 16);
    memcpy(q + 24, r.ip, 16);
    size_t off = 40;
    if (hbh) { /* an 8-byte hop-by-hop options header */
        q[40] = upper;
        q[41] = 0;
        off = 48;
    }
    make_pkt(q + off, sctp_len < 12 ? 12 : sctp_len, 4000, 4001, 0x01020304);
    return 8 + off + sctp_len;
}

static void icmp_parser_crafted_ipv6(void **state)
{
    (void)state;
    uint8_t p[1400];
    tern_path path;
    tern_icmp ic;
    uint16_t sport;
    size_t n = craft6(p, 2, 0, 1280, false, 132, 100);
    assert_true(tern_io_icmp_parse(TERN_AF_INET6, p, n, &path, &ic, &sport));
    assert_int_equal(ic.kind, TERN_ICMP_FRAG_NEEDED);
    assert_int_equal(ic.mtu, 1280);
    assert_int_equal(ic.len, 100);
    assert_int_equal(sport, 4000);
    assert_true(addr_is(&path.local, "fd00::1"));
    assert_true(addr_is(&path.remote, "fd00::2"));
    n = craft6(p, 4, 1, 0, true, 132, 30); /* behind a hop-by-hop header */
    assert_true(tern_io_icmp_parse(TERN_AF_INET6, p, n, &path, &ic, &sport));
    assert_int_equal(ic.kind, TERN_ICMP_PROTO_UNREACH);
    assert_int_equal(ic.len, 30);
    assert_ptr_equal(ic.sctp, p + 56);
    n = craft6(p, 1, 4, 0, false, 132, 30); /* port unreachable: not for raw IP */
    assert_true(tern_io_icmp_parse(TERN_AF_INET6, p, n, &path, &ic, &sport));
    assert_int_equal(ic.kind, TERN_ICMP_OTHER);
    n = craft6(p, 2, 0, 1280, false, 17, 30);
    assert_false(tern_io_icmp_parse(TERN_AF_INET6, p, n, &path, &ic, &sport));
    n = craft6(p, 128, 0, 0, false, 132, 30); /* echo request */
    assert_false(tern_io_icmp_parse(TERN_AF_INET6, p, n, &path, &ic, &sport));
    n = craft6(p, 2, 0, 1280, true, 132, 40);
    for (size_t l = 0; l <= n; l++) {
        uint8_t *copy = malloc(l ? l : 1);
        memcpy(copy, p, l);
        bool ok = tern_io_icmp_parse(TERN_AF_INET6, copy, l, &path, &ic, &sport);
        assert_true(ok == (l >= 56 + 4));
        free(copy);
    }
    assert_false(tern_io_icmp_parse(TERN_AF_NONE, p, n, &path, &ic, &sport));
}

int main(void)
{
    const struct CMUnitTest parser[] = {
        cmocka_unit_test(icmp_parser_crafted_ipv4),
        cmocka_unit_test(icmp_parser_crafted_ipv6),
    };
    int failed = cmocka_run_group_tests_name("icmp_parser", parser, NULL, NULL);
    const char *why = NULL;
    if (!can_netns(&why)) {
        printf("test_io_raw: SKIPPED the raw IP tests: %s (they need root and iproute2)\n", why);
        return failed ? failed : 77;
    }
    atexit(topo_down); /* also when an assertion ends the process */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(raw_packets_both_ways_ipv4),
        cmocka_unit_test(raw_packets_both_ways_ipv6),
        cmocka_unit_test(raw_delivers_only_owned_ports),
        cmocka_unit_test(raw_two_users_in_one_namespace),
        cmocka_unit_test(raw_icmp_protocol_unreachable),
        cmocka_unit_test(raw_icmp_fragmentation_needed),
        cmocka_unit_test(udp_icmp_fragmentation_needed),
        cmocka_unit_test(udp_gso_run_above_the_mtu_falls_back),
        cmocka_unit_test(raw_without_privilege_is_eperm),
    };
    failed += cmocka_run_group_tests_name("raw_ip_netns", tests, topo_setup, topo_teardown);
    return failed;
}
