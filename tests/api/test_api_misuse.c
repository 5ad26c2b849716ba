/* Misuse of every call gives the documented error and changes nothing: bad
 * and closed descriptors (a stale one stays TERN_EBADF until reused), bad
 * addresses, lengths and families, bad streams and flags, sends on closed
 * or shut-down sockets, accept on a socket that does not listen, connect
 * twice, options with wrong sizes or values, NULL pointers. After each the
 * sockets still work. */
#include "api_test.h"

static tern_ctx *S, *C;
static int LSD, SSD, CSD; /* listener, accepted, client */
static uint16_t PORT;

static void echo_works(void)
{
    char buf[64];
    CHECK_EQ(tern_send(C, CSD, "ping", 4, 0), 4);
    CHECK_EQ(tern_recv(S, SSD, buf, sizeof buf, 0), 4);
    CHECK_EQ(tern_send(S, SSD, "pong", 4, 0), 4);
    CHECK_EQ(tern_recv(C, CSD, buf, sizeof buf, 0), 4);
    CHECK(memcmp(buf, "pong", 4) == 0);
}

static void setup(void)
{
    ctx_pair(true, &S, &C);
    LSD = listener(S, TERN_SOCK_STREAM, &PORT);
    CSD = tern_socket(C, AF_INET, TERN_SOCK_STREAM);
    struct sockaddr_in to = lo(PORT);
    CHECK_EQ(tern_connect(C, CSD, SA(to), sizeof to), 0);
    SSD = tern_accept(S, LSD, NULL, NULL);
    CHECK(SSD >= 0);
    echo_works();
}

static void null_context_and_config(void)
{
    char b[4];
    size_t len = sizeof b;
    socklen_t sl = 0;
    CHECK_EQ(tern_socket(NULL, AF_INET, TERN_SOCK_STREAM), TERN_EINVAL);
    CHECK_EQ(tern_bind(NULL, 0, NULL, 0), TERN_EINVAL);
    CHECK_EQ(tern_listen(NULL, 0, 1), TERN_EINVAL);
    CHECK_EQ(tern_accept(NULL, 0, NULL, NULL), TERN_EINVAL);
    CHECK_EQ(tern_connect(NULL, 0, NULL, 0), TERN_EINVAL);
    CHECK_EQ(tern_send(NULL, 0, b, 1, 0), TERN_EINVAL);
    CHECK_EQ(tern_recv(NULL, 0, b, 1, 0), TERN_EINVAL);
    CHECK_EQ(tern_close(NULL, 0), TERN_EINVAL);
    CHECK_EQ(tern_setsockopt(NULL, 0, TERN_NODELAY, b, 4), TERN_EINVAL);
    CHECK_EQ(tern_getsockopt(NULL, 0, TERN_NODELAY, b, &len), TERN_EINVAL);
    CHECK_EQ(tern_getsockname(NULL, 0, NULL, &sl), TERN_EINVAL);
    CHECK_EQ(tern_ctx_process(NULL), TERN_EINVAL);
    CHECK_EQ(tern_ctx_fd(NULL), TERN_EINVAL);
    CHECK_EQ(tern_sock_fd(NULL, 0), TERN_EINVAL);
    tern_ctx_free(NULL);
    tern_ctx_config cfg;
    tern_ctx_config_default(&cfg);
    tern_ctx *x = NULL;
    CHECK_EQ(tern_ctx_new(&cfg, NULL), TERN_EINVAL);
    cfg.transport = 7;
    CHECK_EQ(tern_ctx_new(&cfg, &x), TERN_EINVAL);
    tern_ctx_config_default(&cfg);
    cfg.max_sockets = 0;
    CHECK_EQ(tern_ctx_new(&cfg, &x), TERN_EINVAL);
    tern_ctx_config_default(&cfg);
    cfg.udp_port = tern_ctx_udp_port(S); /* taken */
    cfg.ipv6 = false;
    CHECK_EQ(tern_ctx_new(&cfg, &x), TERN_EADDRINUSE);
    CHECK(x == NULL);
    CHECK_EQ(tern_ctx_process(S), TERN_EOPNOTSUPP); /* it has its own thread */
    echo_works();
}

static void bad_and_stale_descriptors(void)
{
    char b[8];
    int bad[] = {-1, 1000000, 777};
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int sd = bad[i];
        struct sockaddr_in in = lo(0);
        CHECK_EQ(tern_bind(S, sd, SA(in), sizeof in), TERN_EBADF);
        CHECK_EQ(tern_listen(S, sd, 1), TERN_EBADF);
        CHECK_EQ(tern_send(S, sd, "x", 1, 0), TERN_EBADF);
        CHECK_EQ(tern_recv(S, sd, b, sizeof b, 0), TERN_EBADF);
        CHECK_EQ(tern_close(S, sd), TERN_EBADF);
        CHECK_EQ(tern_sock_fd(S, sd), TERN_EBADF);
        CHECK_EQ(tern_shutdown(S, sd, TERN_SHUT_WR), TERN_EBADF);
        CHECK_EQ(tern_accept(S, sd, NULL, NULL), TERN_EBADF);
        CHECK_EQ(tern_peeloff(S, sd, 1), TERN_EBADF);
        int v = 1;
        CHECK_EQ(tern_setsockopt(S, sd, TERN_NODELAY, &v, sizeof v), TERN_EBADF);
    }
    /* A closed descriptor is stale until a new socket takes its number. */
    int sd = tern_socket(S, AF_INET, TERN_SOCK_SEQPACKET);
    CHECK(sd >= 0);
    CHECK_EQ(tern_close(S, sd), 0);
    CHECK_EQ(tern_close(S, sd), TERN_EBADF);
    CHECK_EQ(tern_send(S, sd, "x", 1, 0), TERN_EBADF);
    CHECK_EQ(tern_recv(S, sd, b, sizeof b, 0), TERN_EBADF);
    int v = 0;
    size_t len = sizeof v;
    CHECK_EQ(tern_getsockopt(S, sd, TERN_SO_NONBLOCK, &v, &len), TERN_EBADF);
    int again = tern_socket(S, AF_INET, TERN_SOCK_STREAM);
    CHECK_EQ(again, sd); /* the lowest free number */
    CHECK_EQ(tern_getsockopt(S, sd, TERN_SO_NONBLOCK, &v, &len), 0);
    CHECK_EQ(tern_close(S, again), 0);
    echo_works();
}

static void bad_addresses(void)
{
    int sd = tern_socket(S, AF_INET, TERN_SOCK_STREAM);
    CHECK_EQ(tern_socket(S, AF_UNIX, TERN_SOCK_STREAM), TERN_EAFNOSUPPORT);
    CHECK_EQ(tern_socket(S, AF_INET, 9), TERN_EINVAL);
    struct sockaddr_in in = lo(0);
    CHECK_EQ(tern_bind(S, sd, NULL, sizeof in), TERN_EINVAL);
    CHECK_EQ(tern_bind(S, sd, SA(in), 3), TERN_EINVAL);
    CHECK_EQ(tern_bind(S, sd, SA(in), sizeof in - 1), TERN_EINVAL);
    struct sockaddr_in un = in;
    un.sin_family = AF_UNIX;
    CHECK_EQ(tern_bind(S, sd, SA(un), sizeof un), TERN_EAFNOSUPPORT);
    struct sockaddr_in6 in6;
    memset(&in6, 0, sizeof in6);
    in6.sin6_family = AF_INET6;
    CHECK_EQ(tern_bind(S, sd, SA(in6), sizeof in6), TERN_EAFNOSUPPORT); /* AF_INET socket */
    struct sockaddr_in mc = lo(0);
    mc.sin_addr.s_addr = htonl(0xe0000001);
    CHECK_EQ(tern_bind(S, sd, SA(mc), sizeof mc), TERN_EINVAL);
    struct sockaddr_in taken = lo(PORT);
    CHECK_EQ(tern_bind(S, sd, SA(taken), sizeof taken), TERN_EADDRINUSE);
    CHECK_EQ(tern_bind(S, sd, SA(in), sizeof in), 0);
    CHECK_EQ(tern_bind(S, sd, SA(in), sizeof in), TERN_EINVAL); /* bound already */
    /* bindx */
    uint16_t port = sock_port(S, sd);
    struct sockaddr_in two[2] = {lo(port), lo(port + 1)};
    CHECK_EQ(tern_bindx(S, sd, SA(two), 0, TERN_BINDX_ADD_ADDR), TERN_EINVAL);
    CHECK_EQ(tern_bindx(S, sd, SA(two), 9, TERN_BINDX_ADD_ADDR), TERN_EINVAL);
    CHECK_EQ(tern_bindx(S, sd, SA(two), 1, 3), TERN_EINVAL);
    CHECK_EQ(tern_bindx(S, sd, SA(two), 2, TERN_BINDX_ADD_ADDR), TERN_EINVAL); /* ports */
    CHECK_EQ(tern_bindx(S, sd, NULL, 1, TERN_BINDX_ADD_ADDR), TERN_EINVAL);
    struct sockaddr_in other = lo(port);
    other.sin_addr.s_addr = htonl(0x7f000009);
    CHECK_EQ(tern_bindx(S, sd, SA(other), 1, TERN_BINDX_REM_ADDR), TERN_EADDRNOTAVAIL);
    struct sockaddr_in mine = lo(port);
    CHECK_EQ(tern_bindx(S, sd, SA(mine), 1, TERN_BINDX_REM_ADDR), TERN_EINVAL); /* the last */
    CHECK_EQ(tern_bindx(S, sd, SA(other), 1, TERN_BINDX_ADD_ADDR), 0);
    struct sockaddr_storage la[4];
    CHECK_EQ(tern_getladdrs(S, sd, la, 4), 2);
    CHECK_EQ(tern_bindx(S, sd, SA(other), 1, TERN_BINDX_REM_ADDR), 0);
    CHECK_EQ(tern_getladdrs(S, sd, la, 4), 1);
    CHECK_EQ(tern_getladdrs(S, sd, NULL, 1), TERN_EINVAL);
    CHECK_EQ(tern_getladdrs(S, sd, la, -1), TERN_EINVAL);
    /* connect */
    int c2 = tern_socket(C, AF_INET, TERN_SOCK_STREAM);
    struct sockaddr_in zero = lo(0);
    CHECK_EQ(tern_connect(C, c2, SA(zero), sizeof zero), TERN_EINVAL); /* port 0 */
    struct sockaddr_in bc = lo(PORT);
    bc.sin_addr.s_addr = htonl(0xffffffff);
    CHECK_EQ(tern_connect(C, c2, SA(bc), sizeof bc), TERN_EINVAL);
    CHECK_EQ(tern_connect(C, c2, NULL, 0), TERN_EINVAL);
    CHECK_EQ(tern_connect(C, c2, SA(in6), sizeof in6), TERN_EAFNOSUPPORT);
    struct sockaddr_in to = lo(PORT);
    CHECK_EQ(tern_connect(C, CSD, SA(to), sizeof to), TERN_EISCONN); /* connect twice */
    CHECK_EQ(tern_connect(S, LSD, SA(to), sizeof to), TERN_EISCONN); /* listening */
    CHECK_EQ(tern_listen(C, CSD, 1), TERN_EISCONN);
    socklen_t sl = sizeof in;
    CHECK_EQ(tern_getsockname(S, sd, NULL, &sl), TERN_EINVAL);
    CHECK_EQ(tern_getpeername(S, sd, 0, (struct sockaddr *)&in, &sl), TERN_ENOTCONN);
    CHECK_EQ(tern_getpaddrs(S, sd, 0, la, 4), TERN_ENOTCONN);
    CHECK_EQ(tern_close(S, sd), 0);
    CHECK_EQ(tern_close(C, c2), 0);
    echo_works();
}

static void bad_accept_peeloff_shutdown(void)
{
    int m = tern_socket(S, AF_INET, TERN_SOCK_SEQPACKET);
    int o = tern_socket(S, AF_INET, TERN_SOCK_STREAM);
    CHECK_EQ(tern_accept(S, o, NULL, NULL), TERN_EINVAL); /* not listening */
    CHECK_EQ(tern_accept(S, SSD, NULL, NULL), TERN_EINVAL);
    CHECK_EQ(tern_accept(S, m, NULL, NULL), TERN_EOPNOTSUPP);
    struct sockaddr_in a;
    CHECK_EQ(tern_accept(S, LSD, (struct sockaddr *)&a, NULL), TERN_EINVAL);
    CHECK_EQ(tern_peeloff(S, SSD, 1), TERN_EOPNOTSUPP);
    CHECK_EQ(tern_peeloff(S, m, 12345), TERN_EINVAL);
    CHECK_EQ(tern_shutdown(S, SSD, 7), TERN_EINVAL);
    CHECK_EQ(tern_shutdown(S, o, TERN_SHUT_WR), TERN_ENOTCONN);
    CHECK_EQ(tern_shutdown(S, m, TERN_SHUT_WR), TERN_ENOTCONN);
    set_int(S, o, TERN_SO_NONBLOCK, 1);
    CHECK_EQ(tern_listen(S, o, 0), 0);
    CHECK_EQ(tern_accept(S, o, NULL, NULL), TERN_EAGAIN);
    set_int(S, o, TERN_SO_NONBLOCK, 0);
    set_int(S, o, TERN_SO_RCVTIMEO, 50);
    CHECK_EQ(tern_accept(S, o, NULL, NULL), TERN_ETIMEDOUT);
    CHECK_EQ(tern_close(S, o), 0);
    CHECK_EQ(tern_close(S, m), 0);
    echo_works();
}

static void bad_sends_and_receives(void)
{
    char b[64] = {0};
    CHECK_EQ(tern_send(C, CSD, b, 0, 0), TERN_EINVAL);       /* len 0, no EOF */
    CHECK_EQ(tern_send(C, CSD, NULL, 4, 0), TERN_EINVAL);    /* NULL with a length */
    CHECK_EQ(tern_send(C, CSD, "x", 1, 0x100), TERN_EINVAL); /* flags */
    tern_send_info si = {.flags = 0x8000};
    CHECK_EQ(tern_sendmsg(C, CSD, "x", 1, NULL, 0, &si, 0), TERN_EINVAL);
    si = (tern_send_info){.flags = TERN_EOF | TERN_ABORT};
    CHECK_EQ(tern_sendmsg(C, CSD, "x", 1, NULL, 0, &si, 0), TERN_EINVAL);
    si = (tern_send_info){.flags = TERN_SENDALL};
    CHECK_EQ(tern_sendmsg(C, CSD, "x", 1, NULL, 0, &si, 0), TERN_EINVAL); /* one-to-one */
    si = (tern_send_info){.sid = 10}; /* 10 streams were negotiated: 0..9 */
    CHECK_EQ(tern_sendmsg(C, CSD, "x", 1, NULL, 0, &si, 0), TERN_EINVAL);
    si = (tern_send_info){.sid = 9};
    CHECK_EQ(tern_sendmsg(C, CSD, "9", 1, NULL, 0, &si, 0), 1);
    CHECK_EQ(tern_recv(S, SSD, b, sizeof b, 0), 1);
    int fresh = tern_socket(C, AF_INET, TERN_SOCK_STREAM);
    CHECK_EQ(tern_send(C, fresh, "x", 1, 0), TERN_ENOTCONN);
    CHECK_EQ(tern_recv(C, fresh, b, sizeof b, 0), TERN_ENOTCONN);
    int many = tern_socket(C, AF_INET, TERN_SOCK_SEQPACKET);
    CHECK_EQ(tern_send(C, many, "x", 1, 0), TERN_ENOTCONN); /* no address, no id */
    si = (tern_send_info){.assoc_id = 4242};
    CHECK_EQ(tern_sendmsg(C, many, "x", 1, NULL, 0, &si, 0), TERN_ENOTCONN);
    CHECK_EQ(tern_recv(C, CSD, NULL, 4, 0), TERN_EINVAL);
    CHECK_EQ(tern_recv(C, CSD, b, 0, 0), TERN_EINVAL);
    CHECK_EQ(tern_recv(C, CSD, b, sizeof b, TERN_MSG_MORE), TERN_EINVAL);
    struct sockaddr_in from;
    CHECK_EQ(tern_recvmsg(C, CSD, b, sizeof b, (struct sockaddr *)&from, NULL, NULL, 0, NULL),
             TERN_EINVAL);
    CHECK_EQ(tern_recv(C, CSD, b, sizeof b, TERN_MSG_DONTWAIT), TERN_EAGAIN);
    set_int(C, CSD, TERN_SO_RCVTIMEO, 30);
    CHECK_EQ(tern_recv(C, CSD, b, sizeof b, 0), TERN_ETIMEDOUT);
    set_int(C, CSD, TERN_SO_RCVTIMEO, 0);
    /* Non-blocking send larger than the send buffer: EMSGSIZE. */
    set_int(C, CSD, TERN_SO_SNDBUF, 8192);
    static char big[10000];
    CHECK_EQ(tern_send(C, CSD, big, sizeof big, TERN_MSG_DONTWAIT), TERN_EMSGSIZE);
    set_int(C, CSD, TERN_SO_SNDBUF, 4 << 20);
    CHECK_EQ(tern_close(C, fresh), 0);
    CHECK_EQ(tern_close(C, many), 0);
    echo_works();
}

static void bad_options(void)
{
    int v = 0;
    size_t len = sizeof v;
    CHECK_EQ(tern_setsockopt(S, SSD, 999, &v, sizeof v), TERN_ENOPROTOOPT);
    CHECK_EQ(tern_getsockopt(S, SSD, 999, &v, &len), TERN_ENOPROTOOPT);
    CHECK_EQ(tern_setsockopt(S, SSD, TERN_NODELAY, NULL, sizeof v), TERN_EINVAL);
    CHECK_EQ(tern_setsockopt(S, SSD, TERN_NODELAY, &v, 2), TERN_EINVAL);
    CHECK_EQ(tern_getsockopt(S, SSD, TERN_NODELAY, NULL, &len), TERN_EINVAL);
    len = 2;
    CHECK_EQ(tern_getsockopt(S, SSD, TERN_NODELAY, &v, &len), TERN_EINVAL);
    /* Out of range: refused, and the value stays. */
    int before = 0;
    len = sizeof before;
    CHECK_EQ(tern_getsockopt(S, SSD, TERN_SO_SNDBUF, &before, &len), 0);
    v = 10;
    CHECK_EQ(tern_setsockopt(S, SSD, TERN_SO_SNDBUF, &v, sizeof v), TERN_EINVAL);
    int after = 0;
    CHECK_EQ(tern_getsockopt(S, SSD, TERN_SO_SNDBUF, &after, &len), 0);
    CHECK_EQ(after, before);
    v = -1;
    CHECK_EQ(tern_setsockopt(S, SSD, TERN_SO_RCVTIMEO, &v, sizeof v), TERN_EINVAL);
    struct tern_linger lg = {1, -1};
    CHECK_EQ(tern_setsockopt(S, SSD, TERN_SO_LINGER, &lg, sizeof lg), TERN_EINVAL);
    struct tern_event_subscribe ev = {0, 0, 1};
    CHECK_EQ(tern_setsockopt(S, SSD, TERN_EVENT, &ev, sizeof ev), TERN_EINVAL);
    ev.type = 99;
    CHECK_EQ(tern_setsockopt(S, SSD, TERN_EVENT, &ev, sizeof ev), TERN_EINVAL);
    struct tern_paddrparams pp;
    memset(&pp, 0, sizeof pp);
    pp.flags = TERN_SPP_HB_ENABLE | TERN_SPP_HB_DISABLE;
    CHECK_EQ(tern_setsockopt(S, SSD, TERN_PEER_ADDR_PARAMS, &pp, sizeof pp), TERN_EINVAL);
    pp.flags = TERN_SPP_PMTUD_DISABLE;
    pp.pathmtu = 100;
    CHECK_EQ(tern_setsockopt(S, SSD, TERN_PEER_ADDR_PARAMS, &pp, sizeof pp), TERN_EINVAL);
    pp.flags = 0x400;
    CHECK_EQ(tern_setsockopt(S, SSD, TERN_PEER_ADDR_PARAMS, &pp, sizeof pp), TERN_EINVAL);
    struct tern_sack_info sk = {0, 1000, 2};
    CHECK_EQ(tern_setsockopt(S, SSD, TERN_DELAYED_SACK, &sk, sizeof sk), TERN_EINVAL);
    struct tern_assoc_value mx = {0, 10};
    CHECK_EQ(tern_setsockopt(S, SSD, TERN_MAXSEG, &mx, sizeof mx), TERN_EINVAL);
    v = 5;
    CHECK_EQ(tern_setsockopt(S, SSD, TERN_AUTOCLOSE, &v, sizeof v), TERN_EOPNOTSUPP);
    struct tern_rtoinfo rto = {0, 0, 100, 200}; /* max 100 < min 200 */
    CHECK_EQ(tern_setsockopt(S, SSD, TERN_RTOINFO, &rto, sizeof rto), TERN_EINVAL);
    rto = (struct tern_rtoinfo){999, 0, 0, 0}; /* not its association */
    CHECK_EQ(tern_setsockopt(S, SSD, TERN_RTOINFO, &rto, sizeof rto), TERN_EINVAL);
    struct tern_status st;
    len = sizeof st;
    CHECK_EQ(tern_setsockopt(S, SSD, TERN_STATUS, &st, sizeof st), TERN_EINVAL); /* read-only */
    int fresh = tern_socket(S, AF_INET, TERN_SOCK_STREAM);
    memset(&st, 0, sizeof st);
    CHECK_EQ(tern_getsockopt(S, fresh, TERN_STATUS, &st, &len), TERN_ENOTCONN);
    struct tern_udpencaps ue;
    memset(&ue, 0, sizeof ue);
    CHECK_EQ(tern_setsockopt(S, fresh, TERN_REMOTE_UDP_ENCAPS_PORT, &ue, sizeof ue), TERN_EINVAL);
    tern_send_info ds = {.flags = TERN_ABORT};
    CHECK_EQ(tern_setsockopt(S, fresh, TERN_DEFAULT_SNDINFO, &ds, sizeof ds), TERN_EINVAL);
    uint32_t pdp = 1u << 30;
    CHECK_EQ(tern_setsockopt(S, fresh, TERN_PARTIAL_DELIVERY_POINT, &pdp, sizeof pdp), TERN_EINVAL);
    CHECK_EQ(tern_close(S, fresh), 0);
    /* And valid ones read back. */
    struct tern_rtoinfo r2 = {0, 500, 30000, 200};
    CHECK_EQ(tern_setsockopt(S, SSD, TERN_RTOINFO, &r2, sizeof r2), 0);
    memset(&r2, 0, sizeof r2);
    len = sizeof r2;
    CHECK_EQ(tern_getsockopt(S, SSD, TERN_RTOINFO, &r2, &len), 0);
    CHECK_EQ(r2.initial, 500);
    CHECK_EQ(r2.max, 30000);
    CHECK_EQ(r2.min, 200);
    len = sizeof st;
    memset(&st, 0, sizeof st);
    CHECK_EQ(tern_getsockopt(S, SSD, TERN_STATUS, &st, &len), 0);
    CHECK_EQ(st.state, TERN_ESTABLISHED);
    CHECK(st.primary.mtu >= 1280);
    CHECK(st.fragmentation_point > 0);
    echo_works();
}

static void shut_and_closed_sends(void)
{
    char b[16];
    CHECK_EQ(tern_shutdown(C, CSD, TERN_SHUT_WR), 0);
    CHECK_EQ(tern_send(C, CSD, "x", 1, 0), TERN_EPIPE);
    CHECK_EQ(tern_recv(S, SSD, b, sizeof b, 0), 0);
    CHECK_EQ(tern_send(S, SSD, "late", 4, 0), TERN_EPIPE); /* shutdown received: ours goes */
    CHECK_EQ(tern_recv(C, CSD, b, sizeof b, 0), 0);
    CHECK_EQ(tern_send(C, CSD, "x", 1, 0), TERN_EPIPE);
    CHECK_EQ(tern_close(S, SSD), 0);
    CHECK_EQ(tern_close(C, CSD), 0);
    CHECK_EQ(tern_send(C, CSD, "x", 1, 0), TERN_EBADF);
}

/* max_sockets: TERN_EMFILE, and an accept that cannot get a descriptor
 * leaves the association queued. */
static void descriptor_table_full(void)
{
    tern_ctx_config cfg;
    tern_ctx_config_default(&cfg);
    cfg.udp_port = 0;
    cfg.ipv6 = false;
    cfg.own_thread = true;
    cfg.max_sockets = 2;
    tern_ctx *x;
    CHECK_EQ(tern_ctx_new(&cfg, &x), 0);
    uint16_t port;
    int l = listener(x, TERN_SOCK_STREAM, &port);
    int extra = tern_socket(x, AF_INET, TERN_SOCK_STREAM);
    CHECK(extra >= 0);
    CHECK_EQ(tern_socket(x, AF_INET, TERN_SOCK_STREAM), TERN_EMFILE);
    tern_ctx *y = ctx_new(true, tern_ctx_udp_port(x));
    int c = tern_socket(y, AF_INET, TERN_SOCK_STREAM);
    struct sockaddr_in to = lo(port);
    CHECK_EQ(tern_connect(y, c, SA(to), sizeof to), 0);
    CHECK_EQ(tern_send(y, c, "q", 1, 0), 1);
    CHECK_EQ(tern_accept(x, l, NULL, NULL), TERN_EMFILE);
    CHECK_EQ(tern_close(x, extra), 0);
    int a = tern_accept(x, l, NULL, NULL);
    CHECK(a >= 0);
    char b[4];
    CHECK_EQ(tern_recv(x, a, b, sizeof b, 0), 1);
    tern_ctx_free(y);
    tern_ctx_free(x);
}

int main(void)
{
    setup();
    RUN(null_context_and_config);
    RUN(bad_and_stale_descriptors);
    RUN(bad_addresses);
    RUN(bad_accept_peeloff_shutdown);
    RUN(bad_sends_and_receives);
    RUN(bad_options);
    RUN(shut_and_closed_sends);
    RUN(descriptor_table_full);
    CHECK_EQ(tern_close(S, LSD), 0);
    tern_ctx_free(C);
    tern_ctx_free(S);
    return 0;
}
