/* SCTP over UDP (io/udp.c, io/tx.c; RFC 6951) on loopback: packets both
 * ways over IPv4 and IPv6 with the right paths (§5.4: the UDP source port is
 * the encapsulation port), batching (sendmmsg / recvmmsg), GSO runs and GRO
 * buffers split back into the right segments, EAGAIN keeping packets queued
 * (in a network namespace of the test's own, with a slow qdisc), path MTU,
 * ICMP port unreachable as protocol unreachable (§5.5) with the quoted
 * packet, EADDRINUSE, and bad arguments. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include "io/io_internal.h"
#include "io_testutil.h"

/* A UDP transport on one loopback address, ephemeral port. */
static tern_io *open_udp(const char *addr, bool gso, bool gro, int sndbuf, int rcvbuf)
{
    tern_io_config cfg;
    tern_io_config_default(&cfg);
    cfg.udp_port = 0;
    cfg.bind_addrs[0] = mkaddr(addr);
    cfg.num_bind_addrs = 1;
    cfg.ipv4 = cfg.bind_addrs[0].family == TERN_AF_INET;
    cfg.ipv6 = !cfg.ipv4;
    cfg.gso = gso;
    cfg.gro = gro;
    cfg.sndbuf = sndbuf;
    cfg.rcvbuf = rcvbuf;
    tern_io *io = NULL;
    assert_int_equal(tern_io_open(&cfg, &io), 0);
    assert_non_null(io);
    assert_int_equal(tern_io_get_kind(io), TERN_IO_UDP);
    assert_true(tern_io_udp_port(io) != 0);
    return io;
}

static rx_log *new_log(void)
{
    rx_log *log = calloc(1, sizeof *log);
    assert_non_null(log);
    return log;
}

static void exchange(const char *addr)
{
    tern_io *a = open_udp(addr, true, true, 0, 0);
    tern_io *b = open_udp(addr, true, true, 0, 0);
    uint16_t pa = tern_io_udp_port(a), pb = tern_io_udp_port(b);
    rx_log *la = new_log(), *lb = new_log();
    tern_path to_b = mkpath(addr, addr, pb);
    for (uint32_t i = 0; i < 3; i++)
        push_pkt(a, &to_b, 100 + i, 5000, 5001, i);
    assert_int_equal(tern_io_tx_flush(a), 0);
    assert_int_equal(tern_io_tx_pending(a), 0);
    wait_rx(b, lb, 3, 0, 2000);
    assert_int_equal(lb->n, 3);
    for (unsigned i = 0; i < 3; i++) {
        const rx_rec *r = &lb->pkt[i];
        assert_int_equal(r->seq, i);
        assert_int_equal(r->len, 100 + i);
        assert_true(r->intact);
        assert_true(addr_is(&r->path.local, addr));  /* the datagram's destination */
        assert_true(addr_is(&r->path.remote, addr)); /* its source */
        assert_int_equal(r->path.encaps_port, pa);   /* its UDP source port */
    }
    /* The reply goes to the path the packet came from. */
    tern_path back = lb->pkt[0].path;
    push_pkt(b, &back, 64, 5001, 5000, 77);
    assert_int_equal(tern_io_tx_flush(b), 0);
    wait_rx(a, la, 1, 0, 2000);
    assert_int_equal(la->n, 1);
    assert_int_equal(la->pkt[0].seq, 77);
    assert_int_equal(la->pkt[0].path.encaps_port, pb);
    assert_true(addr_is(&la->pkt[0].path.local, addr));
    tern_io_stats st;
    tern_io_stats_get(b, &st);
    assert_int_equal(st.packets_in, 3);
    assert_int_equal(st.packets_out, 1);
    assert_int_equal(st.bytes_in, 100 + 101 + 102);
    free(la);
    free(lb);
    tern_io_close(a);
    tern_io_close(b);
}

static void udp_exchange_ipv4(void **state)
{
    (void)state;
    exchange("127.0.0.1");
}

static void udp_exchange_ipv6(void **state)
{
    (void)state;
    exchange("::1");
}

/* Both families on the wildcard, one ephemeral port (v4 first, v6 on the
 * same port): each datagram's local address comes from its pktinfo. */
static void udp_dual_stack_wildcard_same_port(void **state)
{
    (void)state;
    tern_io_config cfg;
    tern_io_config_default(&cfg);
    cfg.udp_port = 0;
    tern_io *w;
    assert_int_equal(tern_io_open(&cfg, &w), 0);
    int fds[4];
    assert_int_equal(tern_io_fds(w, fds, 4), 2);
    uint16_t pw = tern_io_udp_port(w);
    tern_io *a4 = open_udp("127.0.0.1", true, true, 0, 0);
    tern_io *a6 = open_udp("::1", true, true, 0, 0);
    tern_path p4 = mkpath(NULL, "127.0.0.1", pw), p6 = mkpath(NULL, "::1", pw);
    push_pkt(a4, &p4, 40, 1, 2, 4);
    push_pkt(a6, &p6, 60, 1, 2, 6);
    assert_int_equal(tern_io_tx_flush(a4), 0);
    assert_int_equal(tern_io_tx_flush(a6), 0);
    rx_log *lw = new_log();
    wait_rx(w, lw, 2, 0, 2000);
    assert_int_equal(lw->n, 2);
    for (unsigned i = 0; i < 2; i++) {
        const rx_rec *r = &lw->pkt[i];
        const char *expect = r->seq == 4 ? "127.0.0.1" : "::1";
        assert_true(addr_is(&r->path.local, expect));
        assert_true(addr_is(&r->path.remote, expect));
        assert_int_equal(r->path.encaps_port, tern_io_udp_port(r->seq == 4 ? a4 : a6));
    }
    /* Sending from a chosen source address through the wildcard socket. */
    tern_path back = mkpath("127.0.0.1", "127.0.0.1", tern_io_udp_port(a4));
    push_pkt(w, &back, 50, 2, 1, 9);
    assert_int_equal(tern_io_tx_flush(w), 0);
    rx_log *l4 = new_log();
    wait_rx(a4, l4, 1, 0, 2000);
    assert_int_equal(l4->n, 1);
    assert_int_equal(l4->pkt[0].path.encaps_port, pw);
    free(lw);
    free(l4);
    tern_io_close(w);
    tern_io_close(a4);
    tern_io_close(a6);
}

/* 64 pushes go out in far fewer sendmmsg calls and come in with few
 * recvmmsg calls, in order. GSO off: one datagram per message. */
static void udp_batches_syscalls(void **state)
{
    (void)state;
    tern_io *a = open_udp("127.0.0.1", false, false, 0, 4 << 20);
    tern_io *b = open_udp("127.0.0.1", false, false, 0, 4 << 20);
    tern_path to_b = mkpath(NULL, "127.0.0.1", tern_io_udp_port(b));
    for (uint32_t i = 0; i < 64; i++)
        push_pkt(a, &to_b, 200 + i % 7, 1, 2, i);
    assert_int_equal(tern_io_tx_pending(a), 0); /* the 64th push flushed the full batch */
    tern_io_stats sa, sb;
    tern_io_stats_get(a, &sa);
    assert_int_equal(sa.packets_out, 64);
    assert_true(sa.send_calls < sa.packets_out);
    assert_int_equal(sa.gso_sends, 0);
    rx_log *lb = new_log();
    wait_rx(b, lb, 64, 0, 2000);
    assert_int_equal(lb->n, 64);
    for (uint32_t i = 0; i < 64; i++) {
        assert_int_equal(lb->pkt[i].seq, i);
        assert_int_equal(lb->pkt[i].len, 200 + i % 7);
        assert_true(lb->pkt[i].intact);
    }
    tern_io_stats_get(b, &sb);
    assert_true(sb.recv_calls <= 8);
    print_message("batching: %llu packets in %llu sendmmsg, %llu recv-side syscalls\n",
                  (unsigned long long)sa.packets_out, (unsigned long long)sa.send_calls,
                  (unsigned long long)sb.recv_calls);
    free(lb);
    tern_io_close(a);
    tern_io_close(b);
}

/* Runs of equal sizes (a short last one) become GSO sends; the receiver
 * gets every segment in order with its own length, whether its socket
 * takes GRO buffers (split by us) or not (split by the kernel). */
static void gso_gro_case(const char *addr, bool gro)
{
    tern_io *a = open_udp(addr, true, false, 0, 0);
    tern_io *b = open_udp(addr, false, gro, 0, 4 << 20);
    tern_path to_b = mkpath(addr, addr, tern_io_udp_port(b));
    static const size_t sizes[] = {1200, 1200, 1200, 1200, 1200, 500,  /* run, short last */
                                   800,  800,  800,  300,  1000, 1000, /* run; 2-packet run */
                                   1000, 1400, 1400, 1400, 1400, 1400, 1400, 1400, 1400};
    const unsigned n = sizeof sizes / sizeof sizes[0];
    for (uint32_t i = 0; i < n; i++)
        push_pkt(a, &to_b, sizes[i], 1, 2, i);
    /* A long run of 9000-byte packets: at most 7 fit in one GSO send. */
    for (uint32_t i = 0; i < 10; i++)
        push_pkt(a, &to_b, 9000, 1, 2, n + i);
    assert_int_equal(tern_io_tx_flush(a), 0);
    tern_io_stats sa, sb;
    tern_io_stats_get(a, &sa);
    assert_int_equal(sa.packets_out, n + 10);
    rx_log *lb = new_log();
    wait_rx(b, lb, n + 10, 0, 2000);
    assert_int_equal(lb->n, n + 10);
    for (uint32_t i = 0; i < n + 10; i++) {
        assert_int_equal(lb->pkt[i].seq, i);
        assert_int_equal(lb->pkt[i].len, i < n ? sizes[i] : 9000);
        assert_true(lb->pkt[i].intact);
        assert_int_equal(lb->pkt[i].path.encaps_port, tern_io_udp_port(a));
    }
    tern_io_stats_get(b, &sb);
    print_message("%s gro=%d: %llu packets, %llu GSO sends in %llu sendmmsg; %llu GRO "
                  "segments, %llu recv-side syscalls\n",
                  addr, gro, (unsigned long long)sa.packets_out, (unsigned long long)sa.gso_sends,
                  (unsigned long long)sa.send_calls, (unsigned long long)sb.gro_segments,
                  (unsigned long long)sb.recv_calls);
    if (a->gso) /* the kernel has UDP_SEGMENT: runs went as GSO */
        assert_true(sa.gso_sends >= 4);
    if (!gro) assert_int_equal(sb.gro_segments, 0);
    free(lb);
    tern_io_close(a);
    tern_io_close(b);
}

static void udp_gso_runs_and_gro_segments(void **state)
{
    (void)state;
    gso_gro_case("127.0.0.1", true);
    gso_gro_case("127.0.0.1", false);
    gso_gro_case("::1", true);
}

/* A smaller budget than what waits: the rest of a batch (and of a GRO
 * buffer) comes with the next calls, in order. */
static void udp_recv_budget_keeps_the_rest(void **state)
{
    (void)state;
    tern_io *a = open_udp("127.0.0.1", true, false, 0, 0);
    tern_io *b = open_udp("127.0.0.1", false, true, 0, 0);
    tern_path to_b = mkpath(NULL, "127.0.0.1", tern_io_udp_port(b));
    for (uint32_t i = 0; i < 10; i++)
        push_pkt(a, &to_b, 1000, 1, 2, i);
    push_pkt(a, &to_b, 333, 1, 2, 10);
    assert_int_equal(tern_io_tx_flush(a), 0);
    rx_log *lb = new_log();
    tern_io_handler h = log_handler(lb);
    for (int iter = 0; iter < 1000 && lb->n < 11; iter++) {
        unsigned before = lb->n;
        int r = tern_io_recv(b, &h, 3);
        assert_true(r >= 0 && r <= 3);
        assert_int_equal(lb->n - before, (unsigned)r);
        if (r == 0) poll(NULL, 0, 1);
    }
    assert_int_equal(lb->n, 11);
    for (uint32_t i = 0; i < 11; i++) {
        assert_int_equal(lb->pkt[i].seq, i);
        assert_int_equal(lb->pkt[i].len, i < 10 ? 1000 : 333);
    }
    free(lb);
    tern_io_close(a);
    tern_io_close(b);
}

/* EAGAIN: in a namespace of our own, loopback gets a slow token bucket
 * qdisc, so sent datagrams wait there, charged to a small send buffer; the
 * kernel refuses more, the transport keeps them queued, and later flushes
 * (on writability) send them all, in order. */
static void udp_eagain_keeps_packets_queued(void **state)
{
    (void)state;
    const char *why;
    if (!can_netns(&why) || sh("tc -V >/dev/null 2>&1") != 0) {
        print_message("SKIPPED: EAGAIN test needs root, ip and tc\n");
        skip();
    }
    remove_stale_netns("tioU");
    char ns[32];
    snprintf(ns, sizeof ns, "tioU%d", (int)getpid());
    assert_int_equal(sh("ip netns add %s", ns), 0);
    int ok = sh("ip -n %s link set lo up && ip netns exec %s tc qdisc add dev lo root tbf rate "
                "8mbit burst 16kb latency 1s",
                ns, ns);
    int fd = ns_fd(ns);
    tern_io *a = NULL, *b = NULL;
    if (ok == 0 && fd >= 0) {
        ns_enter(fd);
        a = open_udp("127.0.0.1", false, false, 4096, 0);
        b = open_udp("127.0.0.1", false, false, 0, 4 << 20);
        ns_leave();
    }
    if (fd >= 0) close(fd);
    sh("ip netns del %s", ns); /* the sockets keep the namespace alive */
    assert_int_equal(ok, 0);
    assert_non_null(a);
    tern_path to_b = mkpath(NULL, "127.0.0.1", tern_io_udp_port(b));
    for (uint32_t i = 0; i < 63; i++)
        push_pkt(a, &to_b, 1000, 1, 2, i);
    assert_int_equal(tern_io_tx_flush(a), TERN_EAGAIN);
    unsigned pending = tern_io_tx_pending(a);
    tern_io_stats st;
    tern_io_stats_get(a, &st);
    assert_true(pending > 0);
    assert_int_equal(st.packets_out + pending, 63);
    assert_int_equal(st.dropped_out, 0);
    print_message("EAGAIN after %llu packets, %u queued\n", (unsigned long long)st.packets_out,
                  pending);
    /* One more fits in the queue; then flush on writability until empty. */
    push_pkt(a, &to_b, 1000, 1, 2, 63);
    int fds[4];
    assert_int_equal(tern_io_fds(a, fds, 4), 1);
    tern_time end = tern_clock_now() + TERN_SEC(5);
    for (int iter = 0; iter < 10000 && tern_io_tx_pending(a) > 0 && tern_clock_now() < end;
         iter++) {
        struct pollfd p = {.fd = fds[0], .events = POLLOUT};
        (void)poll(&p, 1, 20);
        int r = tern_io_tx_flush(a);
        assert_true(r == 0 || r == TERN_EAGAIN);
    }
    assert_int_equal(tern_io_tx_pending(a), 0);
    tern_io_stats_get(a, &st);
    assert_int_equal(st.packets_out, 64);
    assert_int_equal(st.dropped_out, 0);
    rx_log *lb = new_log();
    wait_rx(b, lb, 64, 0, 3000);
    assert_int_equal(lb->n, 64);
    for (uint32_t i = 0; i < 64; i++)
        assert_int_equal(lb->pkt[i].seq, i);
    free(lb);
    tern_io_close(a);
    tern_io_close(b);
}

/* Datagrams too short for an SCTP common header are dropped and counted;
 * the next one is delivered. */
static void udp_drops_runts(void **state)
{
    (void)state;
    tern_io *b = open_udp("127.0.0.1", true, true, 0, 0);
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(tern_io_udp_port(b))};
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    uint8_t pkt[64];
    make_pkt(pkt, sizeof pkt, 1, 2, 42);
    assert_int_equal(sendto(fd, pkt, 5, 0, (struct sockaddr *)&to, sizeof to), 5);
    assert_int_equal(sendto(fd, pkt, sizeof pkt, 0, (struct sockaddr *)&to, sizeof to), 64);
    rx_log *lb = new_log();
    wait_rx(b, lb, 1, 0, 2000);
    assert_int_equal(lb->n, 1);
    assert_int_equal(lb->pkt[0].seq, 42);
    tern_io_stats st;
    tern_io_stats_get(b, &st);
    assert_int_equal(st.dropped_in, 1);
    assert_int_equal(st.packets_in, 1);
    close(fd);
    free(lb);
    tern_io_close(b);
}

static void udp_path_mtu_on_loopback(void **state)
{
    (void)state;
    tern_io *a = open_udp("127.0.0.1", true, true, 0, 0);
    tern_addr lo4 = mkaddr("127.0.0.1"), lo6 = mkaddr("::1"), none;
    memset(&none, 0, sizeof none);
    assert_int_equal(tern_io_path_mtu(a, NULL, &lo4), 65535); /* 65536, clamped */
    assert_int_equal(tern_io_path_mtu(a, &lo4, &lo4), 65535);
    assert_int_equal(tern_io_path_mtu(a, &none, &lo4), 65535);
    assert_int_equal(tern_io_path_mtu(a, NULL, &lo6), 65535);
    assert_int_equal(tern_io_path_mtu(a, NULL, NULL), TERN_EINVAL);
    assert_int_equal(tern_io_path_mtu(a, NULL, &none), TERN_EINVAL);
    assert_int_equal(tern_io_path_mtu(a, &lo6, &lo4), TERN_EINVAL);
    assert_int_equal(tern_io_path_mtu(NULL, NULL, &lo4), TERN_EINVAL);
    tern_io_close(a);
}

/* A UDP port nobody has. */
static uint16_t closed_port(int af)
{
    int fd = socket(af, SOCK_DGRAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    ss.ss_family = (sa_family_t)af;
    socklen_t sl = af == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
    if (af == AF_INET)
        ((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    else
        ((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
    assert_int_equal(bind(fd, (struct sockaddr *)&ss, sl), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &sl), 0);
    uint16_t port = ntohs(af == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                        : ((struct sockaddr_in6 *)&ss)->sin6_port);
    close(fd);
    return port;
}

/* RFC 6951 §5.5: the kernel answers a datagram to a closed port with ICMP
 * port unreachable; it comes back through the error queue as protocol
 * unreachable, with the offending packet's path and its SCTP bytes. */
static void icmp_case(const char *addr, int af, uint8_t type, uint8_t code)
{
    tern_io *a = open_udp(addr, true, true, 0, 0);
    uint16_t port = closed_port(af);
    tern_path to = mkpath(addr, addr, port);
    push_pkt(a, &to, 120, 5000, 5001, 0xdeadbeef);
    assert_int_equal(tern_io_tx_flush(a), 0);
    rx_log *la = new_log();
    wait_rx(a, la, 0, 1, 2000);
    assert_int_equal(la->nicmp, 1);
    assert_int_equal(la->n, 0);
    const tern_icmp *ic = &la->icmp[0];
    assert_int_equal(ic->kind, TERN_ICMP_PROTO_UNREACH);
    assert_int_equal(ic->type, type);
    assert_int_equal(ic->code, code);
    assert_int_equal(ic->len, 120);
    assert_true(pkt_intact(ic->sctp, ic->len));
    assert_int_equal(get16(ic->sctp), 5000);
    assert_int_equal(get16(ic->sctp + 2), 5001);
    assert_int_equal(get32(ic->sctp + 4), 0xdeadbeef);
    assert_true(addr_is(&la->icmp_path[0].remote, addr));
    assert_true(addr_is(&la->icmp_path[0].local, addr));
    assert_int_equal(la->icmp_path[0].encaps_port, port);
    tern_io_stats st;
    tern_io_stats_get(a, &st);
    assert_int_equal(st.icmp_in, 1);
    /* Nothing else is pending: the next receive is quiet. */
    memset(la, 0, sizeof *la);
    tern_io_handler h = log_handler(la);
    assert_int_equal(tern_io_recv(a, &h, 100), 0);
    assert_int_equal(la->nicmp, 0);
    /* Sending still works after the error (sk_err was consumed). */
    tern_io *b = open_udp(addr, true, true, 0, 0);
    tern_path to_b = mkpath(addr, addr, tern_io_udp_port(b));
    push_pkt(a, &to_b, 100, 1, 2, 1);
    assert_int_equal(tern_io_tx_flush(a), 0);
    wait_rx(b, la, 1, 0, 2000);
    assert_int_equal(la->n, 1);
    free(la);
    tern_io_close(a);
    tern_io_close(b);
}

static void udp_icmp_port_unreachable_is_proto_unreach(void **state)
{
    (void)state;
    icmp_case("127.0.0.1", AF_INET, 3, 3);
    icmp_case("::1", AF_INET6, 1, 4);
}

static void udp_port_in_use(void **state)
{
    (void)state;
    tern_io *a = open_udp("127.0.0.1", true, true, 0, 0);
    tern_io_config cfg;
    tern_io_config_default(&cfg);
    cfg.udp_port = tern_io_udp_port(a);
    cfg.ipv6 = false;
    cfg.bind_addrs[0] = mkaddr("127.0.0.1");
    cfg.num_bind_addrs = 1;
    tern_io *b = (tern_io *)&cfg; /* must stay untouched */
    assert_int_equal(tern_io_open(&cfg, &b), TERN_EADDRINUSE);
    assert_ptr_equal(b, (tern_io *)&cfg);
    /* The wildcard of both families on that port: IPv4 is taken. */
    cfg.num_bind_addrs = 0;
    cfg.ipv6 = true;
    assert_int_equal(tern_io_open(&cfg, &b), TERN_EADDRINUSE);
    tern_io_close(a);
    /* Free again. */
    assert_int_equal(tern_io_open(&cfg, &b), 0);
    tern_io_close(b);
}

static void udp_bad_arguments(void **state)
{
    (void)state;
    tern_io_config cfg;
    tern_io *io = NULL;
    assert_int_equal(tern_io_open(NULL, &io), TERN_EINVAL);
    tern_io_config_default(&cfg);
    assert_int_equal(cfg.udp_port, 9899);
    assert_int_equal(tern_io_open(&cfg, NULL), TERN_EINVAL);
    cfg.kind = 0;
    assert_int_equal(tern_io_open(&cfg, &io), TERN_EINVAL);
    tern_io_config_default(&cfg);
    cfg.ipv4 = cfg.ipv6 = false;
    assert_int_equal(tern_io_open(&cfg, &io), TERN_EINVAL);
    tern_io_config_default(&cfg);
    cfg.ipv6 = false;
    cfg.bind_addrs[0] = mkaddr("::1");
    cfg.num_bind_addrs = 1;
    assert_int_equal(tern_io_open(&cfg, &io), TERN_EINVAL); /* family not asked for */
    tern_io_config_default(&cfg);
    cfg.bind_addrs[0] = cfg.bind_addrs[1] = mkaddr("127.0.0.1");
    cfg.num_bind_addrs = 2;
    assert_int_equal(tern_io_open(&cfg, &io), TERN_EINVAL); /* twice the same */
    tern_io_config_default(&cfg);
    cfg.num_bind_addrs = TERN_MAX_LOCAL_ADDRS + 1;
    assert_int_equal(tern_io_open(&cfg, &io), TERN_EINVAL);
    tern_io_config_default(&cfg);
    cfg.sndbuf = -1;
    assert_int_equal(tern_io_open(&cfg, &io), TERN_EINVAL);
    tern_io_config_default(&cfg);
    cfg.udp_port = 0;
    cfg.bind_addrs[0] = mkaddr("192.0.2.1"); /* TEST-NET-1: not ours */
    cfg.num_bind_addrs = 1;
    assert_int_equal(tern_io_open(&cfg, &io), TERN_EADDRNOTAVAIL);
    assert_null(io);

    tern_io *a = open_udp("127.0.0.1", true, true, 0, 0);
    size_t cap;
    assert_non_null(tern_io_tx_slot(a, &cap));
    assert_int_equal(cap, TERN_IO_MAX_PACKET);
    tern_path p = mkpath(NULL, "127.0.0.1", 9);
    assert_int_equal(tern_io_tx_push(a, &p, 0), TERN_EINVAL);
    assert_int_equal(tern_io_tx_push(a, &p, TERN_IO_MAX_PACKET + 1), TERN_EINVAL);
    assert_int_equal(tern_io_tx_push(a, NULL, 10), TERN_EINVAL);
    assert_int_equal(tern_io_tx_push(NULL, &p, 10), TERN_EINVAL);
    tern_path q = p;
    q.encaps_port = 0;
    assert_int_equal(tern_io_tx_push(a, &q, 10), TERN_EINVAL);
    q = p;
    q.remote.family = TERN_AF_NONE;
    assert_int_equal(tern_io_tx_push(a, &q, 10), TERN_EINVAL);
    q = mkpath(NULL, "::1", 9); /* IPv6 is not open */
    assert_int_equal(tern_io_tx_push(a, &q, 10), TERN_EINVAL);
    q = mkpath("::1", "127.0.0.1", 9); /* mixed families */
    assert_int_equal(tern_io_tx_push(a, &q, 10), TERN_EINVAL);
    assert_int_equal(tern_io_tx_pending(a), 0);
    assert_int_equal(tern_io_tx_flush(NULL), TERN_EINVAL);
    assert_int_equal(tern_io_tx_flush(a), 0);
    tern_io_handler h = {0};
    assert_int_equal(tern_io_recv(a, &h, 10), TERN_EINVAL);
    assert_int_equal(tern_io_recv(a, NULL, 10), TERN_EINVAL);
    assert_int_equal(tern_io_own_port(a, 0), TERN_EINVAL);
    assert_int_equal(tern_io_own_port(a, 5000), 0); /* no-op for UDP */
    assert_int_equal(tern_io_disown_port(a, 5000), 0);
    assert_int_equal(tern_io_fds(a, NULL, 2), TERN_EINVAL);
    int fds[1];
    assert_int_equal(tern_io_fds(a, fds, 1), 1);
    assert_int_equal(tern_io_set_kernel_filter(a, false), TERN_EINVAL);
    tern_io_close(a);
    tern_io_close(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(udp_exchange_ipv4),
        cmocka_unit_test(udp_exchange_ipv6),
        cmocka_unit_test(udp_dual_stack_wildcard_same_port),
        cmocka_unit_test(udp_batches_syscalls),
        cmocka_unit_test(udp_gso_runs_and_gro_segments),
        cmocka_unit_test(udp_recv_budget_keeps_the_rest),
        cmocka_unit_test(udp_eagain_keeps_packets_queued),
        cmocka_unit_test(udp_drops_runts),
        cmocka_unit_test(udp_path_mtu_on_loopback),
        cmocka_unit_test(udp_icmp_port_unreachable_is_proto_unreach),
        cmocka_unit_test(udp_port_in_use),
        cmocka_unit_test(udp_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
