/* Edge cases: closing a socket or freeing the context while other threads
 * are blocked in recv, send and accept on it; a large message read one byte
 * at a time; a peeled-off association's old id; implicit set-up towards a
 * peer that cannot be reached; connect refused; a reused descriptor number;
 * receive timeouts; sends larger than the send buffer; send after
 * shutdown; the peer's ABORT while we are blocked in recv. */
#include "api_test.h"

#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

/* ---- a connected one-to-one pair -------------------------------------------------- */

typedef struct pair {
    tern_ctx *s, *c;
    int lsd, ssd, csd;
} pair;

/* rcvbuf > 0: the server's receive window (so that the client fills it). */
static pair pair_new(int rcvbuf)
{
    pair p;
    ctx_pair(true, &p.s, &p.c);
    uint16_t port;
    p.lsd = listener(p.s, TERN_SOCK_STREAM, &port);
    if (rcvbuf) set_int(p.s, p.lsd, TERN_SO_RCVBUF, rcvbuf);
    p.csd = tern_socket(p.c, AF_INET, TERN_SOCK_STREAM);
    CHECK(p.csd >= 0);
    struct sockaddr_in to = lo(port);
    CHECK_EQ(tern_connect(p.c, p.csd, SA(to), sizeof to), 0);
    p.ssd = tern_accept(p.s, p.lsd, NULL, NULL);
    CHECK(p.ssd >= 0);
    return p;
}

static void pair_free(pair *p)
{
    tern_ctx_free(p->c);
    tern_ctx_free(p->s);
}

/* ---- threads blocked in a call ----------------------------------------------------- */

enum { OP_RECV, OP_SEND, OP_ACCEPT };

typedef struct blocked {
    tern_ctx *ctx;
    int sd;
    int op;
    size_t len; /* OP_SEND */
    long rc;
    int tid;
} blocked;

static void *block_in(void *arg)
{
    blocked *b = arg;
    uint8_t buf[4096] = {0};
    __atomic_store_n(&b->tid, (int)syscall(SYS_gettid), __ATOMIC_SEQ_CST);
    switch (b->op) {
    case OP_RECV: b->rc = tern_recv(b->ctx, b->sd, buf, 16, 0); break;
    case OP_SEND: b->rc = tern_send(b->ctx, b->sd, buf, b->len, 0); break;
    default: b->rc = tern_accept(b->ctx, b->sd, NULL, NULL); break;
    }
    return NULL;
}

/* Until the thread sleeps in the kernel (condition variable or epoll).
 * Bounded; no sleeping. */
static void wait_blocked(blocked *b)
{
    uint64_t end = now_ms() + 5000;
    for (;;) {
        CHECK(now_ms() < end);
        int tid = __atomic_load_n(&b->tid, __ATOMIC_SEQ_CST);
        char path[64], line[128] = {0};
        snprintf(path, sizeof path, "/proc/self/task/%d/syscall", tid);
        FILE *f = tid ? fopen(path, "r") : NULL;
        long nr = -1;
        if (f) {
            if (fgets(line, sizeof line, f)) nr = strtol(line, NULL, 10);
            fclose(f);
        }
        if (nr == SYS_futex || nr == SYS_epoll_wait || nr == SYS_epoll_pwait || nr == 441) return;
        sched_yield();
    }
}

static void start(pthread_t *t, blocked *b)
{
    CHECK_EQ(pthread_create(t, NULL, block_in, b), 0);
    wait_blocked(b);
}

/* Fills the client's send buffer (4 KiB) behind the server's closed window
 * (4 KiB, never read) until a send really cannot go on (a blocking one times
 * out), so that the next send blocks. */
static void fill_send_buffer(pair *p)
{
    set_int(p->c, p->csd, TERN_SO_SNDBUF, 4096);
    set_int(p->c, p->csd, TERN_SO_SNDTIMEO, 100);
    static uint8_t chunk[1024];
    uint64_t end = now_ms() + 5000;
    for (;;) {
        CHECK(now_ms() < end);
        long n = tern_send(p->c, p->csd, chunk, sizeof chunk, 0);
        if (n == TERN_ETIMEDOUT) break;
        CHECK_EQ(n, (long)sizeof chunk);
    }
    set_int(p->c, p->csd, TERN_SO_SNDTIMEO, 0);
}

/* tern_close of the socket another thread is blocked on: recv, send, accept
 * all return TERN_EBADF. */
static void close_wakes_recv_send_accept(void)
{
    pair p = pair_new(4096);
    pthread_t t1, t2, t3;
    blocked br = {p.s, p.ssd, OP_RECV, 0, 1, 0};
    start(&t1, &br);
    CHECK_EQ(tern_close(p.s, p.ssd), 0);
    pthread_join(t1, NULL);
    CHECK_EQ(br.rc, TERN_EBADF);

    blocked ba = {p.s, p.lsd, OP_ACCEPT, 0, 1, 0};
    start(&t2, &ba);
    CHECK_EQ(tern_close(p.s, p.lsd), 0);
    pthread_join(t2, NULL);
    CHECK_EQ(ba.rc, TERN_EBADF);
    pair_free(&p);

    p = pair_new(4096);
    fill_send_buffer(&p);
    blocked bs = {p.c, p.csd, OP_SEND, 2048, 1, 0}; /* fits the buffer, not its room */
    start(&t3, &bs);
    CHECK_EQ(tern_close(p.c, p.csd), 0);
    pthread_join(t3, NULL);
    CHECK_EQ(bs.rc, TERN_EBADF);
    pair_free(&p);
}

/* tern_ctx_free while threads are blocked in recv, send and accept: each
 * returns TERN_ESHUTDOWN (tern.h). */
static void ctx_free_wakes_recv_send_accept(void)
{
    pair p = pair_new(4096);
    fill_send_buffer(&p);
    pthread_t t1, t2;
    blocked br = {p.c, p.csd, OP_RECV, 0, 1, 0};
    blocked bs = {p.c, p.csd, OP_SEND, 2048, 1, 0};
    start(&t1, &br);
    start(&t2, &bs);
    tern_ctx_free(p.c);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    CHECK_EQ(br.rc, TERN_ESHUTDOWN);
    CHECK_EQ(bs.rc, TERN_ESHUTDOWN);

    pthread_t t3;
    blocked ba = {p.s, p.lsd, OP_ACCEPT, 0, 1, 0};
    start(&t3, &ba);
    tern_ctx_free(p.s);
    pthread_join(t3, NULL);
    CHECK_EQ(ba.rc, TERN_ESHUTDOWN);
}

/* ---- reading ------------------------------------------------------------------------ */

/* A 3000-byte message read one byte at a time: every byte in order,
 * TERN_MSG_EOR on the last only; the next message starts fresh. */
static void one_byte_reads(void)
{
    pair p = pair_new(0);
    static uint8_t msg[3000];
    fill_msg(msg, sizeof msg, 1, 1);
    CHECK_EQ(tern_send(p.c, p.csd, msg, sizeof msg, 0), (long)sizeof msg);
    CHECK_EQ(tern_send(p.c, p.csd, "next", 4, 0), 4);
    for (size_t i = 0; i < sizeof msg; i++) {
        uint8_t b = 0;
        int mf = -1;
        CHECK_EQ(tern_recvmsg(p.s, p.ssd, &b, 1, NULL, NULL, NULL, 0, &mf), 1);
        CHECK_EQ(b, msg[i]);
        CHECK_EQ(mf & TERN_MSG_EOR, i + 1 == sizeof msg ? TERN_MSG_EOR : 0);
        CHECK_EQ(mf & TERN_MSG_NOTIFICATION, 0);
    }
    char buf[16];
    int mf = 0;
    CHECK_EQ(tern_recvmsg(p.s, p.ssd, buf, sizeof buf, NULL, NULL, NULL, 0, &mf), 4);
    CHECK(memcmp(buf, "next", 4) == 0);
    CHECK_EQ(mf, TERN_MSG_EOR);
    pair_free(&p);
}

/* TERN_SO_RCVTIMEO: a receive with nothing to read gives TERN_ETIMEDOUT
 * after about the timeout, and the socket still works. */
static void receive_timeout(void)
{
    pair p = pair_new(0);
    set_int(p.s, p.ssd, TERN_SO_RCVTIMEO, 60);
    char buf[8];
    uint64_t t0 = now_ms();
    CHECK_EQ(tern_recv(p.s, p.ssd, buf, sizeof buf, 0), TERN_ETIMEDOUT);
    uint64_t dt = now_ms() - t0;
    CHECK(dt >= 55 && dt < 3000);
    set_int(p.s, p.lsd, TERN_SO_RCVTIMEO, 40);
    CHECK_EQ(tern_accept(p.s, p.lsd, NULL, NULL), TERN_ETIMEDOUT);
    CHECK_EQ(tern_send(p.c, p.csd, "hi", 2, 0), 2);
    CHECK_EQ(tern_recv(p.s, p.ssd, buf, sizeof buf, 0), 2);
    pair_free(&p);
}

/* ---- one-to-many ------------------------------------------------------------------------ */

static uint32_t assoc_count(tern_ctx *ctx, int sd)
{
    uint32_t n = 99;
    size_t len = sizeof n;
    CHECK_EQ(tern_getsockopt(ctx, sd, TERN_GET_ASSOC_NUMBER, &n, &len), 0);
    return n;
}

/* Reads notifications until one of type; data is not expected. */
static union tern_notification *next_note(tern_ctx *ctx, int sd, uint8_t *buf, size_t cap)
{
    int mf = 0;
    long n = tern_recvmsg(ctx, sd, buf, cap, NULL, NULL, NULL, 0, &mf);
    CHECK(n > 0);
    CHECK_EQ(mf & TERN_MSG_NOTIFICATION, TERN_MSG_NOTIFICATION);
    CHECK_EQ(mf & TERN_MSG_EOR, TERN_MSG_EOR);
    return (union tern_notification *)buf;
}

/* After peeloff, the one-to-many socket no longer reaches the association
 * by its id (nor by its address); the peeled-off socket does. */
static void peeloff_old_id(void)
{
    tern_ctx *s, *c;
    ctx_pair(true, &s, &c);
    uint16_t port;
    int msd = listener(s, TERN_SOCK_SEQPACKET, &port);
    subscribe(s, msd, TERN_ASSOC_CHANGE);
    set_int(s, msd, TERN_SO_RCVTIMEO, 10000);
    int csd = tern_socket(c, AF_INET, TERN_SOCK_STREAM);
    struct sockaddr_in to = lo(port);
    CHECK_EQ(tern_connect(c, csd, SA(to), sizeof to), 0);
    uint8_t buf[256];
    union tern_notification *n = next_note(s, msd, buf, sizeof buf);
    CHECK_EQ(n->h.type, TERN_ASSOC_CHANGE);
    CHECK_EQ(n->assoc_change.state, TERN_COMM_UP);
    tern_assoc_id id = n->assoc_change.assoc_id;
    CHECK(id != 0);
    CHECK_EQ(assoc_count(s, msd), 1);
    int psd = tern_peeloff(s, msd, id);
    CHECK(psd >= 0);
    CHECK_EQ(assoc_count(s, msd), 0);
    CHECK_EQ(tern_peeloff(s, msd, id), TERN_EINVAL);
    tern_send_info si = {0};
    si.assoc_id = id;
    CHECK_EQ(tern_sendmsg(s, msd, "x", 1, NULL, 0, &si, 0), TERN_ENOTCONN);
    struct sockaddr_in peer;
    socklen_t plen = sizeof peer;
    CHECK_EQ(tern_getpeername(s, msd, id, (struct sockaddr *)&peer, &plen), TERN_EINVAL);
    /* By the peer's address: taken by the peeled-off socket, no new association. */
    plen = sizeof peer;
    CHECK_EQ(tern_getpeername(s, psd, 0, (struct sockaddr *)&peer, &plen), 0);
    CHECK_EQ(tern_sendmsg(s, msd, "x", 1, SA(peer), sizeof peer, NULL, 0), TERN_EADDRINUSE);
    CHECK_EQ(assoc_count(s, msd), 0);
    struct tern_status st;
    memset(&st, 0, sizeof st);
    st.assoc_id = id;
    size_t len = sizeof st;
    CHECK(tern_getsockopt(s, msd, TERN_STATUS, &st, &len) < 0);
    /* Data from the peer goes to the peeled-off socket only. */
    CHECK_EQ(tern_send(c, csd, "abc", 3, 0), 3);
    char b[8];
    CHECK_EQ(tern_recv(s, psd, b, sizeof b, 0), 3);
    CHECK_EQ(tern_recv(s, msd, b, sizeof b, TERN_MSG_DONTWAIT), TERN_EAGAIN);
    CHECK_EQ(tern_send(s, psd, "def", 3, 0), 3);
    CHECK_EQ(tern_recv(c, csd, b, sizeof b, 0), 3);
    CHECK(memcmp(b, "def", 3) == 0);
    tern_ctx_free(c);
    tern_ctx_free(s);
}

/* A UDP port on which nothing listens (bound a moment, then closed): our
 * packets to it draw ICMP port unreachable. */
static uint16_t dead_udp_port(void)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(fd >= 0);
    struct sockaddr_in in = lo(0);
    CHECK_EQ(bind(fd, SA(in), sizeof in), 0);
    socklen_t len = sizeof in;
    CHECK_EQ(getsockname(fd, (struct sockaddr *)&in, &len), 0);
    close(fd);
    return ntohs(in.sin_port);
}

/* Implicit set-up towards a peer that cannot be reached (ICMP port
 * unreachable, RFC 6951 §5.5): CANT_STR_ASSOC comes, the held message comes
 * back in SEND_FAILED, and nothing is left of the association. */
static void implicit_setup_unreachable(void)
{
    tern_ctx *c = ctx_new(true, dead_udp_port());
    int msd = tern_socket(c, AF_INET, TERN_SOCK_SEQPACKET);
    CHECK(msd >= 0);
    subscribe(c, msd, TERN_ASSOC_CHANGE);
    subscribe(c, msd, TERN_SEND_FAILED_EVENT);
    set_int(c, msd, TERN_SO_RCVTIMEO, 10000);
    struct sockaddr_in to = lo(4242);
    tern_send_info si = {0};
    si.ppid = 77;
    si.context = 1234;
    CHECK_EQ(tern_sendmsg(c, msd, "hello", 5, SA(to), sizeof to, &si, 0), 5);
    uint8_t buf[512];
    bool cant = false, failed = false;
    uint64_t end = now_ms() + 5000;
    while (!(cant && failed)) {
        CHECK(now_ms() < end);
        union tern_notification *n = next_note(c, msd, buf, sizeof buf);
        if (n->h.type == TERN_ASSOC_CHANGE) {
            CHECK_EQ(n->assoc_change.state, TERN_CANT_STR_ASSOC);
            cant = true;
        } else {
            CHECK_EQ(n->h.type, TERN_SEND_FAILED_EVENT);
            CHECK_EQ(n->h.flags & TERN_DATA_UNSENT, TERN_DATA_UNSENT);
            CHECK_EQ(n->send_failed.info.context, 1234);
            CHECK_EQ(n->send_failed.info.ppid, 77);
            CHECK_EQ(n->h.length, sizeof n->send_failed + 5);
            CHECK(memcmp(n->send_failed.data, "hello", 5) == 0);
            failed = true;
        }
    }
    CHECK_EQ(assoc_count(c, msd), 0);
    CHECK_EQ(tern_recv(c, msd, buf, sizeof buf, TERN_MSG_DONTWAIT), TERN_EAGAIN);
    /* The address can be tried again. */
    CHECK_EQ(tern_sendmsg(c, msd, "again", 5, SA(to), sizeof to, &si, 0), 5);
    union tern_notification *n = next_note(c, msd, buf, sizeof buf);
    if (n->h.type == TERN_SEND_FAILED_EVENT) n = next_note(c, msd, buf, sizeof buf);
    CHECK_EQ(n->h.type, TERN_ASSOC_CHANGE);
    CHECK_EQ(n->assoc_change.state, TERN_CANT_STR_ASSOC);
    tern_ctx_free(c);
}

/* connect to a peer that cannot be reached: TERN_ECONNREFUSED quickly (not
 * after Max.Init.Retransmits), and the socket may connect again. */
static void connect_refused(void)
{
    tern_ctx *s = ctx_new(true, 0);
    tern_ctx *c = ctx_new(true, dead_udp_port());
    int csd = tern_socket(c, AF_INET, TERN_SOCK_STREAM);
    uint16_t port;
    int lsd = listener(s, TERN_SOCK_STREAM, &port);
    struct sockaddr_in to = lo(port);
    uint64_t t0 = now_ms();
    CHECK_EQ(tern_connect(c, csd, SA(to), sizeof to), TERN_ECONNREFUSED);
    CHECK(now_ms() - t0 < 2000);
    char b[4];
    CHECK_EQ(tern_send(c, csd, "x", 1, 0), TERN_ENOTCONN);
    encaps_to(c, csd, s);
    CHECK_EQ(tern_connect(c, csd, SA(to), sizeof to), 0);
    int ssd = tern_accept(s, lsd, NULL, NULL);
    CHECK(ssd >= 0);
    CHECK_EQ(tern_send(c, csd, "y", 1, 0), 1);
    CHECK_EQ(tern_recv(s, ssd, b, sizeof b, 0), 1);
    CHECK_EQ(b[0], 'y');
    tern_ctx_free(c);
    tern_ctx_free(s);
}

/* The peer's context is there but nobody has the SCTP port: its closed-port
 * endpoint answers the INIT with an ABORT (RFC 9260 §8.4), so connect fails
 * at once, as with kernel SCTP; a one-to-many implicit set-up is told
 * CANT_STR_ASSOC. Binding the port afterwards makes the same connect work. */
static void connect_to_unbound_port_refused(void)
{
    tern_ctx *s, *c;
    ctx_pair(true, &s, &c);
    uint16_t port;
    int lsd = listener(s, TERN_SOCK_STREAM, &port);
    CHECK_EQ(tern_close(s, lsd), 0); /* the port is free again */
    int csd = tern_socket(c, AF_INET, TERN_SOCK_STREAM);
    int ms = 3000; /* a failure ends as TERN_ETIMEDOUT, not after minutes */
    CHECK_EQ(tern_setsockopt(c, csd, TERN_SO_SNDTIMEO, &ms, sizeof ms), 0);
    CHECK_EQ(tern_setsockopt(c, csd, TERN_SO_RCVTIMEO, &ms, sizeof ms), 0);
    struct sockaddr_in to = lo(port);
    uint64_t t0 = now_ms();
    CHECK_EQ(tern_connect(c, csd, SA(to), sizeof to), TERN_ECONNREFUSED);
    CHECK(now_ms() - t0 < 2000); /* not Max.Init.Retransmits' minutes */

    int msd = tern_socket(c, AF_INET, TERN_SOCK_SEQPACKET);
    CHECK_EQ(tern_setsockopt(c, msd, TERN_SO_RCVTIMEO, &ms, sizeof ms), 0);
    struct tern_event_subscribe sub = {.type = TERN_ASSOC_CHANGE, .on = 1};
    CHECK_EQ(tern_setsockopt(c, msd, TERN_EVENT, &sub, sizeof sub), 0);
    CHECK_EQ(tern_sendmsg(c, msd, "hi", 2, SA(to), sizeof to, NULL, 0), 2);
    union tern_notification n;
    int flags = 0;
    long r = tern_recvmsg(c, msd, &n, sizeof n, NULL, NULL, NULL, 0, &flags);
    CHECK(r > 0);
    CHECK(flags & TERN_MSG_NOTIFICATION);
    CHECK_EQ(n.h.type, TERN_ASSOC_CHANGE);
    CHECK_EQ(n.assoc_change.state, TERN_CANT_STR_ASSOC);
    CHECK(now_ms() - t0 < 4000);

    lsd = tern_socket(s, AF_INET, TERN_SOCK_STREAM);
    struct sockaddr_in any = lo(port);
    CHECK_EQ(tern_bind(s, lsd, SA(any), sizeof any), 0);
    CHECK_EQ(tern_listen(s, lsd, 4), 0);
    CHECK_EQ(tern_connect(c, csd, SA(to), sizeof to), 0);
    tern_ctx_free(c);
    tern_ctx_free(s);
}

/* A one-to-many socket with an association is closed; a new socket takes its
 * number: the old association id does not reach anything through it. */
static void reused_descriptor(void)
{
    tern_ctx *s, *c;
    ctx_pair(true, &s, &c);
    uint16_t port;
    int lsd = listener(s, TERN_SOCK_STREAM, &port);
    int msd = tern_socket(c, AF_INET, TERN_SOCK_SEQPACKET);
    struct sockaddr_in to = lo(port);
    tern_assoc_id id = 0;
    CHECK_EQ(tern_connectx(c, msd, SA(to), 1, &id), 0);
    CHECK(id != 0);
    int ssd = tern_accept(s, lsd, NULL, NULL);
    CHECK(ssd >= 0);
    tern_send_info si = {0};
    si.assoc_id = id;
    CHECK_EQ(tern_sendmsg(c, msd, "one", 3, NULL, 0, &si, 0), 3);
    char b[8];
    CHECK_EQ(tern_recv(s, ssd, b, sizeof b, 0), 3);
    CHECK_EQ(tern_close(c, msd), 0);
    int again = tern_socket(c, AF_INET, TERN_SOCK_SEQPACKET);
    CHECK_EQ(again, msd);
    CHECK_EQ(tern_sendmsg(c, again, "two", 3, NULL, 0, &si, 0), TERN_ENOTCONN);
    struct sockaddr_in peer;
    socklen_t plen = sizeof peer;
    CHECK_EQ(tern_getpeername(c, again, id, (struct sockaddr *)&peer, &plen), TERN_EINVAL);
    CHECK_EQ(tern_peeloff(c, again, id), TERN_EINVAL);
    CHECK_EQ(assoc_count(c, again), 0);
    /* The old association ends gracefully: the server reads the end. */
    set_int(s, ssd, TERN_SO_RCVTIMEO, 10000);
    CHECK_EQ(tern_recv(s, ssd, b, sizeof b, 0), 0);
    tern_ctx_free(c);
    tern_ctx_free(s);
}

/* ---- sending ----------------------------------------------------------------------------- */

static void status(tern_ctx *ctx, int sd, struct tern_status *st)
{
    memset(st, 0, sizeof *st);
    size_t len = sizeof *st;
    CHECK_EQ(tern_getsockopt(ctx, sd, TERN_STATUS, st, &len), 0);
}

/* A non-blocking send larger than the send buffer: TERN_EMSGSIZE and
 * nothing queued; after TERN_SO_SNDBUF grows it goes. A blocking one larger
 * than the buffer goes in pieces. */
static void send_buffer_sizes(void)
{
    pair p = pair_new(0);
    set_int(p.c, p.csd, TERN_SO_SNDBUF, 8192);
    static uint8_t big[100000], got[100000];
    fill_msg(big, sizeof big, 0, 7);
    CHECK_EQ(tern_send(p.c, p.csd, big, sizeof big, TERN_MSG_DONTWAIT), TERN_EMSGSIZE);
    struct tern_status st;
    status(p.c, p.csd, &st);
    CHECK_EQ(st.unackdata, 0);
    CHECK_EQ(st.penddata, 0);
    char b[8];
    CHECK_EQ(tern_recv(p.s, p.ssd, b, sizeof b, TERN_MSG_DONTWAIT), TERN_EAGAIN);
    /* Blocking: in pieces of the 8 KiB buffer, one message at the peer. */
    CHECK_EQ(tern_send(p.c, p.csd, big, sizeof big, 0), (long)sizeof big);
    int mf = 0;
    CHECK_EQ(tern_recvmsg(p.s, p.ssd, got, sizeof got, NULL, NULL, NULL, 0, &mf), (long)sizeof big);
    CHECK_EQ(mf, TERN_MSG_EOR);
    CHECK(msg_ok(got, sizeof got, 0, 7));
    /* A bigger buffer: the non-blocking one is accepted whole. */
    set_int(p.c, p.csd, TERN_SO_SNDBUF, 1 << 20);
    int v = 0;
    size_t len = sizeof v;
    CHECK_EQ(tern_getsockopt(p.c, p.csd, TERN_SO_SNDBUF, &v, &len), 0);
    CHECK_EQ(v, 1 << 20);
    CHECK_EQ(tern_send(p.c, p.csd, big, sizeof big, TERN_MSG_DONTWAIT), (long)sizeof big);
    memset(got, 0, sizeof got);
    CHECK_EQ(tern_recvmsg(p.s, p.ssd, got, sizeof got, NULL, NULL, NULL, 0, &mf), (long)sizeof big);
    CHECK_EQ(mf, TERN_MSG_EOR);
    CHECK(msg_ok(got, sizeof got, 0, 7));
    pair_free(&p);
}

/* shutdown(SHUT_WR): sends give TERN_EPIPE; reads go on until the end. */
static void send_after_shutdown(void)
{
    pair p = pair_new(0);
    CHECK_EQ(tern_send(p.s, p.ssd, "late", 4, 0), 4);
    CHECK_EQ(tern_shutdown(p.c, p.csd, TERN_SHUT_WR), 0);
    CHECK_EQ(tern_send(p.c, p.csd, "x", 1, 0), TERN_EPIPE);
    CHECK_EQ(tern_send(p.c, p.csd, "x", 1, TERN_MSG_DONTWAIT), TERN_EPIPE);
    char b[8];
    CHECK_EQ(tern_recv(p.c, p.csd, b, sizeof b, 0), 4);
    CHECK_EQ(tern_recv(p.s, p.ssd, b, sizeof b, 0), 0); /* the peer sees the end */
    CHECK_EQ(tern_recv(p.c, p.csd, b, sizeof b, 0), 0);
    CHECK_EQ(tern_send(p.c, p.csd, "x", 1, 0), TERN_EPIPE);
    pair_free(&p);
}

/* The peer aborts (TERN_ABORT) while we are blocked in recv:
 * TERN_ECONNRESET. */
static void peer_abort_wakes_recv(void)
{
    pair p = pair_new(0);
    pthread_t t;
    blocked br = {p.s, p.ssd, OP_RECV, 0, 1, 0};
    start(&t, &br);
    tern_send_info si = {0};
    si.flags = TERN_ABORT;
    CHECK_EQ(tern_sendmsg(p.c, p.csd, "bye", 3, NULL, 0, &si, 0), 3);
    pthread_join(t, NULL);
    CHECK_EQ(br.rc, TERN_ECONNRESET);
    char b[4];
    CHECK_EQ(tern_send(p.s, p.ssd, "x", 1, 0), TERN_ECONNRESET);
    CHECK_EQ(tern_recv(p.c, p.csd, b, sizeof b, 0), TERN_ENOTCONN); /* our own ABORT */
    pair_free(&p);
}

int main(void)
{
    RUN(close_wakes_recv_send_accept);
    RUN(ctx_free_wakes_recv_send_accept);
    RUN(one_byte_reads);
    RUN(receive_timeout);
    RUN(peeloff_old_id);
    RUN(implicit_setup_unreachable);
    RUN(connect_refused);
    RUN(connect_to_unbound_port_refused);
    RUN(reused_descriptor);
    RUN(send_buffer_sizes);
    RUN(send_after_shutdown);
    RUN(peer_abort_wakes_recv);
    return 0;
}
