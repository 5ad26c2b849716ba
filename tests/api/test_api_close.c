/* Ending associations: data sent before a graceful close is all read even
 * after the association is gone (queued for accept, or after our own
 * shutdown); linger 0 aborts; linger N waits and times out; a full backlog
 * and a closed listener abort; a closed socket's association finishes in
 * the background; tern_ctx_free aborts everything. */
#include "api_test.h"

#define MSGS 256
#define MLEN 4000

/* Client and server both own-thread unless said otherwise. */
static void data_survives_close_before_accept(void)
{
    tern_ctx *s, *c;
    ctx_pair(true, &s, &c);
    uint16_t port;
    int lsd = listener(s, TERN_SOCK_STREAM, &port);
    int csd = tern_socket(c, AF_INET, TERN_SOCK_STREAM);
    struct sockaddr_in to = lo(port);
    CHECK_EQ(tern_connect(c, csd, SA(to), sizeof to), 0);
    uint8_t buf[MLEN];
    for (uint32_t k = 0; k < MSGS; k++) {
        fill_msg(buf, MLEN, 1, k);
        CHECK_EQ(tern_send(c, csd, buf, MLEN, 0), MLEN);
    }
    /* Linger: close returns once the association is closed at our end. */
    struct tern_linger lg = {1, 20};
    CHECK_EQ(tern_setsockopt(c, csd, TERN_SO_LINGER, &lg, sizeof lg), 0);
    CHECK_EQ(tern_close(c, csd), 0);
    int ssd = tern_accept(s, lsd, NULL, NULL);
    CHECK(ssd >= 0);
    for (uint32_t k = 0; k < MSGS; k++) {
        int mf = 0;
        CHECK_EQ(tern_recvmsg(s, ssd, buf, sizeof buf, NULL, NULL, NULL, 0, &mf), MLEN);
        CHECK(mf & TERN_MSG_EOR);
        CHECK(msg_ok(buf, MLEN, 1, k));
    }
    CHECK_EQ(tern_recv(s, ssd, buf, sizeof buf, 0), 0);
    CHECK_EQ(tern_send(s, ssd, "x", 1, 0), TERN_EPIPE);
    CHECK_EQ(tern_close(s, ssd), 0);
    CHECK_EQ(tern_close(s, lsd), 0);
    tern_ctx_free(c);
    tern_ctx_free(s);
}

/* The client shuts down without reading; the server's queued data still
 * arrives, the association ends, and then the client reads all of it. */
static void data_survives_our_shutdown(void)
{
    tern_ctx *s = ctx_new(true, 0);
    tern_ctx *c = ctx_new(false, tern_ctx_udp_port(s)); /* moves only when pumped */
    uint16_t port;
    int lsd = listener(s, TERN_SOCK_STREAM, &port);
    int csd = tern_socket(c, AF_INET, TERN_SOCK_STREAM);
    struct sockaddr_in to = lo(port);
    CHECK_EQ(tern_connect(c, csd, SA(to), sizeof to), 0);
    int ssd = tern_accept(s, lsd, NULL, NULL);
    uint8_t buf[MLEN];
    for (uint32_t k = 0; k < MSGS; k++) {
        fill_msg(buf, MLEN, 2, k);
        CHECK_EQ(tern_send(s, ssd, buf, MLEN, 0), MLEN);
    }
    CHECK_EQ(tern_shutdown(c, csd, TERN_SHUT_WR), 0);
    struct tern_status st;
    size_t len = sizeof st;
    tern_ctx *cc[1] = {c};
    PUMP_UNTIL(cc, 1,
               (len = sizeof st, tern_getsockopt(c, csd, TERN_STATUS, &st, &len)) == TERN_ENOTCONN,
               10000);
    for (uint32_t k = 0; k < MSGS; k++) {
        CHECK_EQ(tern_recv(c, csd, buf, sizeof buf, 0), MLEN);
        CHECK(msg_ok(buf, MLEN, 2, k));
    }
    CHECK_EQ(tern_recv(c, csd, buf, sizeof buf, 0), 0);
    CHECK_EQ(tern_recv(s, ssd, buf, sizeof buf, 0), 0);
    CHECK_EQ(tern_close(c, csd), 0);
    CHECK_EQ(tern_close(s, ssd), 0);
    CHECK_EQ(tern_close(s, lsd), 0);
    tern_ctx_free(c);
    tern_ctx_free(s);
}

static void linger_zero_aborts(void)
{
    tern_ctx *s, *c;
    ctx_pair(true, &s, &c);
    uint16_t port;
    int lsd = listener(s, TERN_SOCK_STREAM, &port);
    int csd = tern_socket(c, AF_INET, TERN_SOCK_STREAM);
    struct sockaddr_in to = lo(port);
    CHECK_EQ(tern_connect(c, csd, SA(to), sizeof to), 0);
    int ssd = tern_accept(s, lsd, NULL, NULL);
    struct tern_linger lg = {1, 0};
    CHECK_EQ(tern_setsockopt(s, ssd, TERN_SO_LINGER, &lg, sizeof lg), 0);
    size_t len = sizeof lg;
    memset(&lg, 0, sizeof lg);
    CHECK_EQ(tern_getsockopt(s, ssd, TERN_SO_LINGER, &lg, &len), 0);
    CHECK_EQ(lg.onoff, 1);
    CHECK_EQ(tern_close(s, ssd), 0);
    char b[8];
    CHECK_EQ(tern_recv(c, csd, b, sizeof b, 0), TERN_ECONNRESET);
    CHECK_EQ(tern_close(c, csd), 0);
    CHECK_EQ(tern_close(s, lsd), 0);
    tern_ctx_free(c);
    tern_ctx_free(s);
}

/* The peer's context is never driven: our SHUTDOWN goes unanswered; linger
 * 1 s times out, aborts, and the descriptor is closed anyway. */
static void linger_times_out(void)
{
    tern_ctx *s = ctx_new(false, 0);
    tern_ctx *c = ctx_new(true, tern_ctx_udp_port(s));
    uint16_t port;
    int lsd = listener(s, TERN_SOCK_STREAM, &port);
    set_int(s, lsd, TERN_SO_NONBLOCK, 1);
    int csd = tern_socket(c, AF_INET, TERN_SOCK_STREAM);
    set_int(c, csd, TERN_SO_NONBLOCK, 1);
    struct sockaddr_in to = lo(port);
    CHECK_EQ(tern_connect(c, csd, SA(to), sizeof to), TERN_EINPROGRESS);
    tern_ctx *ss[1] = {s};
    int ssd = TERN_EAGAIN;
    PUMP_UNTIL(ss, 1, (ssd = tern_accept(s, lsd, NULL, NULL)) >= 0, 5000);
    int cfd = tern_sock_fd(c, csd);
    struct pollfd p = {cfd, POLLOUT, 0};
    CHECK_EQ(poll(&p, 1, 5000), 1); /* connected */
    struct tern_linger lg = {1, 1};
    CHECK_EQ(tern_setsockopt(c, csd, TERN_SO_LINGER, &lg, sizeof lg), 0);
    uint64_t t0 = now_ms();
    CHECK_EQ(tern_close(c, csd), TERN_ETIMEDOUT);
    uint64_t took = now_ms() - t0;
    CHECK(took >= 900 && took < 5000);
    CHECK_EQ(tern_close(c, csd), TERN_EBADF);
    tern_ctx_free(c);
    tern_ctx_free(s);
}

/* Backlog 1: a second association that arrives while one waits is aborted;
 * closing a listener aborts what it has not accepted. */
static void backlog_and_closed_listener(void)
{
    tern_ctx *s, *c;
    ctx_pair(true, &s, &c);
    int lsd = tern_socket(s, AF_INET, TERN_SOCK_STREAM);
    struct sockaddr_in any = lo(0);
    CHECK_EQ(tern_bind(s, lsd, SA(any), sizeof any), 0);
    CHECK_EQ(tern_listen(s, lsd, 1), 0);
    struct sockaddr_in to = lo(sock_port(s, lsd));
    int c1 = tern_socket(c, AF_INET, TERN_SOCK_STREAM);
    int c2 = tern_socket(c, AF_INET, TERN_SOCK_STREAM);
    CHECK_EQ(tern_connect(c, c1, SA(to), sizeof to), 0);
    int rc = tern_connect(c, c2, SA(to), sizeof to);
    char b[8];
    if (rc == 0) rc = (int)tern_recv(c, c2, b, sizeof b, 0);
    /* The backlog was full: aborted as it came up (before our COOKIE ACK left). */
    CHECK(rc == TERN_ECONNREFUSED || rc == TERN_ECONNRESET);
    CHECK_EQ(tern_close(s, lsd), 0); /* c1 was never accepted */
    CHECK_EQ(tern_recv(c, c1, b, sizeof b, 0), TERN_ECONNRESET);
    CHECK_EQ(tern_close(c, c1), 0);
    CHECK_EQ(tern_close(c, c2), 0);
    tern_ctx_free(c);
    tern_ctx_free(s);
}

/* A closed socket's association shuts down in the background; what arrives
 * for it meanwhile is dropped. */
static void closed_socket_finishes_in_background(void)
{
    tern_ctx *s, *c;
    ctx_pair(true, &s, &c);
    uint16_t port;
    int lsd = listener(s, TERN_SOCK_STREAM, &port);
    int csd = tern_socket(c, AF_INET, TERN_SOCK_STREAM);
    struct sockaddr_in to = lo(port);
    CHECK_EQ(tern_connect(c, csd, SA(to), sizeof to), 0);
    int ssd = tern_accept(s, lsd, NULL, NULL);
    uint8_t buf[MLEN] = {0};
    for (int i = 0; i < 10; i++)
        CHECK_EQ(tern_send(c, csd, buf, sizeof buf, 0), (long)sizeof buf);
    CHECK_EQ(tern_close(s, ssd), 0); /* unread data: dropped; SHUTDOWN follows */
    long n;
    while ((n = tern_send(c, csd, buf, sizeof buf, 0)) > 0)
        ;
    CHECK_EQ(n, TERN_EPIPE);
    CHECK_EQ(tern_recv(c, csd, buf, sizeof buf, 0), 0);
    /* Linger: back once our end is closed, so the server's is gone too (it
     * ends on our SHUTDOWN ACK, before its SHUTDOWN COMPLETE ends ours). */
    struct tern_linger lg = {1, 10};
    CHECK_EQ(tern_setsockopt(c, csd, TERN_SO_LINGER, &lg, sizeof lg), 0);
    CHECK_EQ(tern_close(c, csd), 0);
    /* The listener closes; nothing holds the port any more. */
    CHECK_EQ(tern_close(s, lsd), 0);
    int again = tern_socket(s, AF_INET, TERN_SOCK_STREAM);
    struct sockaddr_in same = lo(port);
    CHECK_EQ(tern_bind(s, again, SA(same), sizeof same), 0); /* the endpoint went */
    tern_ctx_free(c);
    tern_ctx_free(s);
}

static void ctx_free_aborts(void)
{
    tern_ctx *s, *c;
    ctx_pair(true, &s, &c);
    uint16_t port;
    int lsd = listener(s, TERN_SOCK_STREAM, &port);
    int csd = tern_socket(c, AF_INET, TERN_SOCK_STREAM);
    struct sockaddr_in to = lo(port);
    CHECK_EQ(tern_connect(c, csd, SA(to), sizeof to), 0);
    int ssd = tern_accept(s, lsd, NULL, NULL);
    CHECK(ssd >= 0);
    tern_ctx_free(s);
    char b[8];
    CHECK_EQ(tern_recv(c, csd, b, sizeof b, 0), TERN_ECONNRESET);
    tern_ctx_free(c);
}

int main(void)
{
    RUN(data_survives_close_before_accept);
    RUN(data_survives_our_shutdown);
    RUN(linger_zero_aborts);
    RUN(linger_times_out);
    RUN(backlog_and_closed_listener);
    RUN(closed_socket_finishes_in_background);
    RUN(ctx_free_aborts);
    return 0;
}
