/* One-to-one sockets over loopback between two contexts: connect, accept,
 * send, receive, shutdown and close, with the context's own thread and with
 * the caller driving both contexts (poll on tern_ctx_fd, tern_ctx_process). */
#include "api_test.h"

#include <pthread.h>

static void echo_once(tern_ctx *s, int csd, tern_ctx *c, int ccd)
{
    char buf[64];
    int mf = 0;
    tern_recv_info ri;
    CHECK_EQ(tern_send(c, ccd, "hello", 5, 0), 5);
    CHECK_EQ(tern_recvmsg(s, csd, buf, sizeof buf, NULL, NULL, &ri, 0, &mf), 5);
    CHECK(memcmp(buf, "hello", 5) == 0);
    CHECK(mf & TERN_MSG_EOR);
    CHECK(!(mf & TERN_MSG_NOTIFICATION));
    CHECK_EQ(ri.sid, 0);
    CHECK(ri.assoc_id != 0);
    tern_send_info si = {.sid = 3, .ppid = 0x1234};
    CHECK_EQ(tern_sendmsg(s, csd, "world!", 6, NULL, 0, &si, 0), 6);
    CHECK_EQ(tern_recvmsg(c, ccd, buf, sizeof buf, NULL, NULL, &ri, 0, &mf), 6);
    CHECK(memcmp(buf, "world!", 6) == 0);
    CHECK_EQ(ri.sid, 3);
    CHECK_EQ(ri.ppid, 0x1234);
    CHECK(mf & TERN_MSG_EOR);
}

/* The context's own thread runs the protocol; every call blocks. */
static void one_to_one_own_thread(void)
{
    tern_ctx *s, *c;
    ctx_pair(true, &s, &c);
    uint16_t port;
    int lsd = listener(s, TERN_SOCK_STREAM, &port);
    int ccd = tern_socket(c, AF_INET, TERN_SOCK_STREAM);
    CHECK(ccd >= 0);
    struct sockaddr_in to = lo(port);
    CHECK_EQ(tern_connect(c, ccd, SA(to), sizeof to), 0);
    struct sockaddr_in peer;
    socklen_t plen = sizeof peer;
    int csd = tern_accept(s, lsd, (struct sockaddr *)&peer, &plen);
    CHECK(csd >= 0);
    CHECK_EQ(plen, sizeof peer);
    CHECK_EQ(peer.sin_family, AF_INET);
    CHECK_EQ(ntohs(peer.sin_port), sock_port(c, ccd));
    echo_once(s, csd, c, ccd);

    /* The client closes its side: the server reads the end, then closes. */
    char buf[16];
    CHECK_EQ(tern_shutdown(c, ccd, TERN_SHUT_WR), 0);
    CHECK_EQ(tern_send(c, ccd, "x", 1, 0), TERN_EPIPE);
    CHECK_EQ(tern_recv(s, csd, buf, sizeof buf, 0), 0);
    CHECK_EQ(tern_recv(s, csd, buf, sizeof buf, 0), 0);
    CHECK_EQ(tern_close(s, csd), 0);
    CHECK_EQ(tern_recv(c, ccd, buf, sizeof buf, 0), 0);
    CHECK_EQ(tern_close(c, ccd), 0);
    CHECK_EQ(tern_close(s, lsd), 0);
    tern_ctx_free(c);
    tern_ctx_free(s);
}

/* Nobody but the test drives: non-blocking sockets and a poll loop over
 * both contexts' descriptors. */
static void one_to_one_caller_driven(void)
{
    tern_ctx *s, *c;
    ctx_pair(false, &s, &c);
    tern_ctx *both[2] = {s, c};
    uint16_t port;
    int lsd = listener(s, TERN_SOCK_STREAM, &port);
    set_int(s, lsd, TERN_SO_NONBLOCK, 1);
    int ccd = tern_socket(c, AF_INET, TERN_SOCK_STREAM);
    set_int(c, ccd, TERN_SO_NONBLOCK, 1);
    struct sockaddr_in to = lo(port);
    CHECK_EQ(tern_connect(c, ccd, SA(to), sizeof to), TERN_EINPROGRESS);
    CHECK_EQ(tern_connect(c, ccd, SA(to), sizeof to), TERN_EALREADY);
    int csd = TERN_EAGAIN;
    PUMP_UNTIL(both, 2, (csd = tern_accept(s, lsd, NULL, NULL)) != TERN_EAGAIN, 5000);
    CHECK(csd >= 0);
    int err = -1;
    size_t elen = sizeof err;
    PUMP_UNTIL(both, 2, tern_send(c, ccd, "hi", 2, 0) != TERN_EAGAIN, 5000);
    CHECK_EQ(tern_getsockopt(c, ccd, TERN_SO_ERROR, &err, &elen), 0);
    CHECK_EQ(err, 0);
    char buf[16];
    long n = TERN_EAGAIN;
    PUMP_UNTIL(both, 2, (n = tern_recv(s, csd, buf, sizeof buf, 0)) != TERN_EAGAIN, 5000);
    CHECK_EQ(n, 2);
    CHECK(memcmp(buf, "hi", 2) == 0);
    CHECK_EQ(tern_send(s, csd, "yo", 2, 0), 2);
    /* Sent at once (nobody else drives), not yet acknowledged: TERN_STATUS
     * counts it; loopback's MTU 65535 gives a packet limit of 65504 (a
     * multiple of 4) and DATA payloads of 65504 - 12 - 16. */
    struct tern_status st = {0};
    size_t stlen = sizeof st;
    CHECK_EQ(tern_getsockopt(s, csd, TERN_STATUS, &st, &stlen), 0);
    CHECK_EQ(st.unackdata, 1);
    CHECK_EQ(st.penddata, 0);
    CHECK_EQ(st.fragmentation_point, 65476);
    CHECK_EQ(st.state, TERN_ESTABLISHED);
    PUMP_UNTIL(both, 2, (n = tern_recv(c, ccd, buf, sizeof buf, 0)) != TERN_EAGAIN, 5000);
    CHECK_EQ(n, 2);
    /* Graceful close from the server: the client reads the end. */
    CHECK_EQ(tern_close(s, csd), 0);
    PUMP_UNTIL(both, 2, (n = tern_recv(c, ccd, buf, sizeof buf, 0)) != TERN_EAGAIN, 5000);
    CHECK_EQ(n, 0);
    CHECK_EQ(tern_ctx_process(s), 0);
    CHECK_EQ(tern_close(c, ccd), 0);
    CHECK_EQ(tern_close(s, lsd), 0);
    tern_ctx_free(c);
    tern_ctx_free(s);
}

/* A non-blocking one-to-one socket sends before its connect completes:
 * the messages wait in the association and go with the COOKIE ECHO (RFC
 * 9260 §5.1 C), in order. */
static void one_to_one_send_while_connecting(void)
{
    tern_ctx *s, *c;
    ctx_pair(false, &s, &c);
    tern_ctx *both[2] = {s, c};
    uint16_t port;
    int lsd = listener(s, TERN_SOCK_STREAM, &port);
    set_int(s, lsd, TERN_SO_NONBLOCK, 1);
    int ccd = tern_socket(c, AF_INET, TERN_SOCK_STREAM);
    set_int(c, ccd, TERN_SO_NONBLOCK, 1);
    struct sockaddr_in to = lo(port);
    CHECK_EQ(tern_connect(c, ccd, SA(to), sizeof to), TERN_EINPROGRESS);
    CHECK_EQ(tern_send(c, ccd, "first", 5, 0), 5);
    CHECK_EQ(tern_send(c, ccd, "second", 6, 0), 6);
    int csd = TERN_EAGAIN;
    PUMP_UNTIL(both, 2, (csd = tern_accept(s, lsd, NULL, NULL)) != TERN_EAGAIN, 5000);
    CHECK(csd >= 0);
    char buf[16];
    long n = TERN_EAGAIN;
    int mf = 0;
    PUMP_UNTIL(both, 2,
               (n = tern_recvmsg(s, csd, buf, sizeof buf, NULL, NULL, NULL, 0, &mf)) != TERN_EAGAIN,
               5000);
    CHECK_EQ(n, 5);
    CHECK(mf & TERN_MSG_EOR);
    CHECK(memcmp(buf, "first", 5) == 0);
    PUMP_UNTIL(both, 2, (n = tern_recv(s, csd, buf, sizeof buf, 0)) != TERN_EAGAIN, 5000);
    CHECK_EQ(n, 6);
    CHECK(memcmp(buf, "second", 6) == 0);
    CHECK_EQ(tern_close(s, csd), 0);
    CHECK_EQ(tern_close(s, lsd), 0);
    PUMP_UNTIL(both, 2, (n = tern_recv(c, ccd, buf, sizeof buf, 0)) != TERN_EAGAIN, 5000);
    CHECK_EQ(n, 0);
    CHECK_EQ(tern_close(c, ccd), 0);

    tern_ctx_free(c);
    tern_ctx_free(s);
}

/* Caller-driven contexts, blocking calls in two threads: each blocked call
 * drives its own context. */
typedef struct srv_arg {
    tern_ctx *ctx;
    int lsd;
} srv_arg;

static void *server_thread(void *p)
{
    srv_arg *a = p;
    int csd = tern_accept(a->ctx, a->lsd, NULL, NULL);
    CHECK(csd >= 0);
    char buf[256];
    long n;
    while ((n = tern_recv(a->ctx, csd, buf, sizeof buf, 0)) > 0)
        CHECK_EQ(tern_send(a->ctx, csd, buf, (size_t)n, 0), n);
    CHECK_EQ(n, 0);
    CHECK_EQ(tern_close(a->ctx, csd), 0);
    return NULL;
}

static void blocking_calls_drive_their_context(void)
{
    tern_ctx *s, *c;
    ctx_pair(false, &s, &c);
    uint16_t port;
    srv_arg arg = {s, listener(s, TERN_SOCK_STREAM, &port)};
    pthread_t th;
    CHECK_EQ(pthread_create(&th, NULL, server_thread, &arg), 0);
    int ccd = tern_socket(c, AF_INET, TERN_SOCK_STREAM);
    struct sockaddr_in to = lo(port);
    CHECK_EQ(tern_connect(c, ccd, SA(to), sizeof to), 0);
    for (int i = 0; i < 100; i++) {
        char msg[200], back[200];
        size_t len = 1 + (size_t)i * 2;
        fill_msg((uint8_t *)msg, len, 0, (uint32_t)i);
        CHECK_EQ(tern_send(c, ccd, msg, len, 0), (long)len);
        CHECK_EQ(tern_recv(c, ccd, back, sizeof back, 0), (long)len);
        CHECK(memcmp(msg, back, len) == 0);
    }
    CHECK_EQ(tern_shutdown(c, ccd, TERN_SHUT_WR), 0);
    char buf[8];
    CHECK_EQ(tern_recv(c, ccd, buf, sizeof buf, 0), 0);
    pthread_join(th, NULL);
    CHECK_EQ(tern_close(c, ccd), 0);
    tern_ctx_free(c);
    tern_ctx_free(s);
}

/* AF_INET6 sockets over ::1; TERN_DEFAULT_SNDINFO applies to sends without
 * info. */
static void ipv6_and_default_sndinfo(void)
{
    tern_ctx_config cfg;
    tern_ctx_config_default(&cfg);
    cfg.udp_port = 0;
    cfg.own_thread = true;
    tern_ctx *s, *c;
    CHECK_EQ(tern_ctx_new(&cfg, &s), 0);
    cfg.remote_udp_port = tern_ctx_udp_port(s);
    CHECK_EQ(tern_ctx_new(&cfg, &c), 0);
    int lsd = tern_socket(s, AF_INET6, TERN_SOCK_STREAM);
    CHECK(lsd >= 0);
    struct sockaddr_in6 any;
    memset(&any, 0, sizeof any);
    any.sin6_family = AF_INET6;
    any.sin6_addr = in6addr_loopback;
    CHECK_EQ(tern_bind(s, lsd, SA(any), sizeof any), 0);
    CHECK_EQ(tern_listen(s, lsd, 4), 0);
    struct sockaddr_in6 to;
    socklen_t len = sizeof to;
    CHECK_EQ(tern_getsockname(s, lsd, (struct sockaddr *)&to, &len), 0);
    CHECK_EQ(len, sizeof to);
    CHECK_EQ(to.sin6_family, AF_INET6);
    int ccd = tern_socket(c, AF_INET6, TERN_SOCK_STREAM);
    CHECK_EQ(tern_connect(c, ccd, SA(to), sizeof to), 0);
    int csd = tern_accept(s, lsd, NULL, NULL);
    CHECK(csd >= 0);
    tern_send_info def = {.sid = 4, .ppid = 4242};
    CHECK_EQ(tern_setsockopt(c, ccd, TERN_DEFAULT_SNDINFO, &def, sizeof def), 0);
    CHECK_EQ(tern_send(c, ccd, "v6", 2, 0), 2);
    char buf[8];
    tern_recv_info ri;
    struct sockaddr_in6 from;
    socklen_t flen = sizeof from;
    CHECK_EQ(tern_recvmsg(s, csd, buf, sizeof buf, (struct sockaddr *)&from, &flen, &ri, 0, NULL),
             2);
    CHECK_EQ(ri.sid, 4);
    CHECK_EQ(ri.ppid, 4242);
    CHECK_EQ(from.sin6_family, AF_INET6);
    CHECK(memcmp(&from.sin6_addr, &in6addr_loopback, 16) == 0);
    CHECK_EQ(tern_close(c, ccd), 0);
    CHECK_EQ(tern_recv(s, csd, buf, sizeof buf, 0), 0);
    CHECK_EQ(tern_close(s, csd), 0);
    CHECK_EQ(tern_close(s, lsd), 0);
    tern_ctx_free(c);
    tern_ctx_free(s);
}

int main(void)
{
    RUN(one_to_one_own_thread);
    RUN(one_to_one_caller_driven);
    RUN(one_to_one_send_while_connecting);
    RUN(blocking_calls_drive_their_context);
    RUN(ipv6_and_default_sndinfo);
    return 0;
}
