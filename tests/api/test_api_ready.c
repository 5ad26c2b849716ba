/* Non-blocking accept, connect, send and receive driven by poll() on the
 * readiness descriptors (tern_sock_fd) and the contexts' descriptors
 * (tern_ctx_fd): poll sees exactly the right readiness, in both directions,
 * at every step. */
#include "api_test.h"

static tern_ctx *S, *C, *BOTH[2];

/* POLLIN / POLLOUT of a readiness descriptor right now. */
static int readiness(int fd)
{
    struct pollfd p = {fd, POLLIN | POLLOUT, 0};
    CHECK(poll(&p, 1, 0) >= 0);
    CHECK(!(p.revents & (POLLERR | POLLNVAL)));
    return p.revents & (POLLIN | POLLOUT);
}

/* Pumps the contexts until the descriptor shows want (bounded). */
static void wait_ready(int fd, int want)
{
    PUMP_UNTIL(BOTH, 2, (readiness(fd) & want) == want, 5000);
}

static void one_to_one_readiness(void)
{
    ctx_pair(false, &S, &C);
    BOTH[0] = S;
    BOTH[1] = C;
    uint16_t port;
    int lsd = listener(S, TERN_SOCK_STREAM, &port);
    set_int(S, lsd, TERN_SO_NONBLOCK, 1);
    int lfd = tern_sock_fd(S, lsd);
    CHECK(lfd >= 0);
    CHECK_EQ(tern_sock_fd(S, lsd), lfd); /* the same one each time */
    CHECK_EQ(readiness(lfd), 0);         /* nothing to accept; not writable */

    int csd = tern_socket(C, AF_INET, TERN_SOCK_STREAM);
    set_int(C, csd, TERN_SO_NONBLOCK, 1);
    int cfd = tern_sock_fd(C, csd);
    CHECK_EQ(readiness(cfd), POLLOUT); /* unconnected: a send fails at once */
    struct sockaddr_in to = lo(port);
    CHECK_EQ(tern_connect(C, csd, SA(to), sizeof to), TERN_EINPROGRESS);
    CHECK_EQ(readiness(cfd), 0); /* connecting */
    char b[8];
    /* Queued: it goes with the COOKIE ECHO (RFC 9260 §5.1 C). */
    CHECK_EQ(tern_send(C, csd, "x", 1, 0), 1);
    CHECK_EQ(tern_recv(C, csd, b, sizeof b, 0), TERN_EAGAIN);

    wait_ready(lfd, POLLIN);  /* an association to accept */
    wait_ready(cfd, POLLOUT); /* connected */
    CHECK_EQ(readiness(cfd), POLLOUT);
    int err = -1;
    size_t len = sizeof err;
    CHECK_EQ(tern_getsockopt(C, csd, TERN_SO_ERROR, &err, &len), 0);
    CHECK_EQ(err, 0);
    CHECK_EQ(readiness(lfd), POLLIN);
    int ssd = tern_accept(S, lsd, NULL, NULL);
    CHECK(ssd >= 0);
    CHECK_EQ(readiness(lfd), 0); /* nothing more to accept */
    CHECK_EQ(tern_accept(S, lsd, NULL, NULL), TERN_EAGAIN);
    set_int(S, ssd, TERN_SO_NONBLOCK, 1);
    int sfd = tern_sock_fd(S, ssd);
    wait_ready(sfd, POLLIN); /* the message sent while connecting */
    CHECK_EQ(readiness(sfd), POLLIN | POLLOUT);
    CHECK_EQ(tern_recv(S, ssd, b, sizeof b, 0), 1);
    CHECK_EQ(b[0], 'x');
    CHECK_EQ(readiness(sfd), POLLOUT);

    /* Data: readable until everything is read, then not. */
    CHECK_EQ(tern_send(C, csd, "one", 3, 0), 3);
    CHECK_EQ(tern_send(C, csd, "two", 3, 0), 3);
    wait_ready(sfd, POLLIN);
    PUMP_UNTIL(BOTH, 2, tern_recv(S, ssd, b, 3, 0) == 3, 5000); /* "one" */
    CHECK(memcmp(b, "one", 3) == 0);
    wait_ready(sfd, POLLIN); /* "two" is there (or comes) */
    CHECK_EQ(readiness(sfd), POLLIN | POLLOUT);
    CHECK_EQ(tern_recv(S, ssd, b, 3, 0), 3);
    CHECK(memcmp(b, "two", 3) == 0);
    CHECK_EQ(readiness(sfd), POLLOUT); /* exactly: nothing left */
    CHECK_EQ(tern_recv(S, ssd, b, 3, 0), TERN_EAGAIN);

    /* A message read in two parts: readable in between. */
    CHECK_EQ(tern_send(C, csd, "abcdef", 6, 0), 6);
    wait_ready(sfd, POLLIN);
    int mf = 0;
    CHECK_EQ(tern_recvmsg(S, ssd, b, 4, NULL, NULL, NULL, 0, &mf), 4);
    CHECK(!(mf & TERN_MSG_EOR));
    CHECK_EQ(readiness(sfd), POLLIN | POLLOUT);
    CHECK_EQ(tern_recvmsg(S, ssd, b, 4, NULL, NULL, NULL, 0, &mf), 2);
    CHECK(mf & TERN_MSG_EOR);
    CHECK_EQ(readiness(sfd), POLLOUT);

    /* Filling the send buffer: the peer does not read and its window is small.
     * The descriptor stops being writable exactly when send says EAGAIN. */
    set_int(C, csd, TERN_SO_SNDBUF, 8192);
    static uint8_t chunk[1000];
    int sent = 0;
    for (int i = 0; i < 10000; i++) {
        pump(BOTH, 2, 0);
        long n = tern_send(C, csd, chunk, sizeof chunk, 0);
        if (n == TERN_EAGAIN) break;
        CHECK_EQ(n, (long)sizeof chunk);
        CHECK_EQ(readiness(cfd) & POLLOUT, POLLOUT);
        sent++;
    }
    CHECK(sent > 0);
    CHECK_EQ(readiness(cfd) & POLLOUT, 0);
    /* The reader drains; the writer becomes writable again. */
    int got = 0;
    uint64_t end = now_ms() + 10000;
    while (!(readiness(cfd) & POLLOUT)) {
        CHECK(now_ms() < end);
        long n = tern_recv(S, ssd, chunk, sizeof chunk, 0);
        if (n > 0) got += (int)n;
        pump(BOTH, 2, 10);
    }
    CHECK_EQ(tern_send(C, csd, chunk, sizeof chunk, 0), (long)sizeof chunk);
    sent++;
    while (got < sent * (int)sizeof chunk) {
        CHECK(now_ms() < end);
        long n = tern_recv(S, ssd, chunk, sizeof chunk, 0);
        if (n > 0)
            got += (int)n;
        else
            pump(BOTH, 2, 10);
    }
    CHECK_EQ(got, sent * (int)sizeof chunk);
    PUMP_UNTIL(BOTH, 2, readiness(sfd) == POLLOUT, 5000);

    /* The end of the stream is readable. */
    CHECK_EQ(tern_shutdown(C, csd, TERN_SHUT_WR), 0);
    wait_ready(sfd, POLLIN);
    CHECK_EQ(tern_recv(S, ssd, b, sizeof b, 0), 0);
    CHECK_EQ(tern_close(S, ssd), 0);
    wait_ready(cfd, POLLIN);
    CHECK_EQ(tern_recv(C, csd, b, sizeof b, 0), 0);
    CHECK_EQ(tern_close(C, csd), 0);
    CHECK_EQ(tern_close(S, lsd), 0);
    tern_ctx_free(C);
    tern_ctx_free(S);
}

/* One-to-many: readable while any association (or a notification) has
 * something; writable while no association's buffer is full. */
static void one_to_many_readiness(void)
{
    ctx_pair(false, &S, &C);
    BOTH[0] = S;
    BOTH[1] = C;
    uint16_t port;
    int msd = listener(S, TERN_SOCK_SEQPACKET, &port);
    set_int(S, msd, TERN_SO_NONBLOCK, 1);
    int mfd = tern_sock_fd(S, msd);
    CHECK_EQ(readiness(mfd), POLLOUT);
    int c1 = tern_socket(C, AF_INET, TERN_SOCK_SEQPACKET);
    int c2 = tern_socket(C, AF_INET, TERN_SOCK_SEQPACKET);
    set_int(C, c1, TERN_SO_NONBLOCK, 1);
    set_int(C, c2, TERN_SO_NONBLOCK, 1);
    struct sockaddr_in to = lo(port);
    CHECK_EQ(tern_sendmsg(C, c1, "a", 1, SA(to), sizeof to, NULL, 0), 1);
    CHECK_EQ(tern_sendmsg(C, c2, "b", 1, SA(to), sizeof to, NULL, 0), 1);
    wait_ready(mfd, POLLIN);
    char b[8];
    int reads = 0;
    PUMP_UNTIL(BOTH, 2, (reads += tern_recv(S, msd, b, sizeof b, 0) == 1) == 2, 5000);
    CHECK_EQ(readiness(mfd), POLLOUT);
    subscribe(S, msd, TERN_SENDER_DRY_EVENT); /* nothing outstanding: at once */
    CHECK_EQ(readiness(mfd), POLLIN | POLLOUT);
    int mf = 0;
    union tern_notification n;
    CHECK(tern_recvmsg(S, msd, &n, sizeof n, NULL, NULL, NULL, 0, &mf) > 0);
    CHECK(mf & TERN_MSG_NOTIFICATION);
    CHECK(tern_recvmsg(S, msd, &n, sizeof n, NULL, NULL, NULL, 0, &mf) > 0);
    CHECK_EQ(readiness(mfd), POLLOUT);
    CHECK_EQ(tern_close(C, c1), 0);
    CHECK_EQ(tern_close(C, c2), 0);
    CHECK_EQ(tern_close(S, msd), 0);
    tern_ctx_free(C);
    tern_ctx_free(S);
}

int main(void)
{
    RUN(one_to_one_readiness);
    RUN(one_to_many_readiness);
    return 0;
}
