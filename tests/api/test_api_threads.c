/* Thread safety: many threads sending and receiving on one context at once
 * (a caller-driven one: blocked callers take turns driving it), two threads
 * sending large messages on one socket (pieces never interleave), a close
 * while another thread is blocked on the socket, and tern_ctx_free while
 * threads are blocked (TERN_ESHUTDOWN). */
#include "api_test.h"

#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NSOCK 4
#define NMSG  2000

/* ---- echo server: a thread per accepted socket, on a context with its own thread ---- */

typedef struct echo_arg {
    tern_ctx *ctx;
    int sd;
} echo_arg;

static void *echo(void *p)
{
    echo_arg *a = p;
    static __thread uint8_t buf[700000];
    tern_recv_info ri;
    int mf = 0;
    long n;
    size_t have = 0;
    while ((n = tern_recvmsg(a->ctx, a->sd, buf + have, sizeof buf - have, NULL, NULL, &ri, 0,
                             &mf)) > 0) {
        have += (size_t)n;
        if (!(mf & TERN_MSG_EOR)) continue;
        tern_send_info si = {.sid = ri.sid, .ppid = ri.ppid};
        CHECK_EQ(tern_sendmsg(a->ctx, a->sd, buf, have, NULL, 0, &si, 0), (long)have);
        have = 0;
    }
    CHECK_EQ(n, 0);
    CHECK_EQ(tern_close(a->ctx, a->sd), 0);
    return NULL;
}

typedef struct server {
    tern_ctx *ctx;
    int lsd;
    int n;
    pthread_t th[16];
    echo_arg args[16];
} server;

static void *acceptor(void *p)
{
    server *s = p;
    for (int i = 0; i < s->n; i++) {
        s->args[i].ctx = s->ctx;
        s->args[i].sd = tern_accept(s->ctx, s->lsd, NULL, NULL);
        CHECK(s->args[i].sd >= 0);
        CHECK_EQ(pthread_create(&s->th[i], NULL, echo, &s->args[i]), 0);
    }
    return NULL;
}

/* ---- clients: a sender and a receiver thread per socket ---- */

typedef struct client {
    tern_ctx *ctx;
    int sd;
    uint32_t id;
} client;

static size_t len_of(uint32_t id, uint32_t k)
{
    return 1 + (k * 37u + id * 101u) % 1500u;
}

static void *client_send(void *p)
{
    client *c = p;
    uint8_t buf[1600];
    for (uint32_t k = 0; k < NMSG; k++) {
        size_t len = len_of(c->id, k);
        fill_msg(buf, len, c->id, k);
        tern_send_info si = {.sid = (uint16_t)(k % 4), .ppid = k};
        CHECK_EQ(tern_sendmsg(c->ctx, c->sd, buf, len, NULL, 0, &si, 0), (long)len);
    }
    return NULL;
}

static void *client_recv(void *p)
{
    client *c = p;
    uint8_t buf[2000];
    uint32_t next[4] = {0, 1, 2, 3};
    for (uint32_t i = 0; i < NMSG; i++) {
        tern_recv_info ri;
        int mf = 0;
        long n = tern_recvmsg(c->ctx, c->sd, buf, sizeof buf, NULL, NULL, &ri, 0, &mf);
        CHECK(n > 0);
        CHECK(mf & TERN_MSG_EOR);
        CHECK(ri.sid < 4);
        CHECK_EQ(ri.ppid, next[ri.sid]);
        next[ri.sid] += 4;
        CHECK_EQ((size_t)n, len_of(c->id, ri.ppid));
        CHECK(msg_ok(buf, (size_t)n, c->id, ri.ppid));
    }
    return NULL;
}

static void many_threads_one_context(void)
{
    tern_ctx *s = ctx_new(true, 0);
    tern_ctx *c = ctx_new(false, tern_ctx_udp_port(s)); /* driven by its blocked callers */
    server srv = {.ctx = s, .n = NSOCK};
    uint16_t port;
    srv.lsd = listener(s, TERN_SOCK_STREAM, &port);
    pthread_t acc;
    CHECK_EQ(pthread_create(&acc, NULL, acceptor, &srv), 0);
    client cl[NSOCK];
    pthread_t th[2 * NSOCK];
    for (int i = 0; i < NSOCK; i++) {
        cl[i] = (client){c, tern_socket(c, AF_INET, TERN_SOCK_STREAM), (uint32_t)i};
        struct sockaddr_in to = lo(port);
        CHECK_EQ(tern_connect(c, cl[i].sd, SA(to), sizeof to), 0);
    }
    uint64_t t0 = now_ms();
    for (int i = 0; i < NSOCK; i++) {
        CHECK_EQ(pthread_create(&th[2 * i], NULL, client_send, &cl[i]), 0);
        CHECK_EQ(pthread_create(&th[2 * i + 1], NULL, client_recv, &cl[i]), 0);
    }
    for (int i = 0; i < 2 * NSOCK; i++)
        pthread_join(th[i], NULL);
    fprintf(stderr, "   %d sockets x %d echoes in %llu ms\n", NSOCK, NMSG,
            (unsigned long long)(now_ms() - t0));
    pthread_join(acc, NULL);
    for (int i = 0; i < NSOCK; i++) {
        CHECK_EQ(tern_shutdown(c, cl[i].sd, TERN_SHUT_WR), 0);
        char b[4];
        CHECK_EQ(tern_recv(c, cl[i].sd, b, sizeof b, 0), 0);
        CHECK_EQ(tern_close(c, cl[i].sd), 0);
    }
    for (int i = 0; i < NSOCK; i++)
        pthread_join(srv.th[i], NULL);
    CHECK_EQ(tern_close(s, srv.lsd), 0);
    tern_ctx_free(c);
    tern_ctx_free(s);
}

/* ---- two senders of large messages on one socket ---- */

#define BIGMSG 600000
#define NBIG   10

typedef struct big_sender {
    tern_ctx *ctx;
    int sd;
    uint32_t who;
} big_sender;

static void *send_big(void *p)
{
    big_sender *b = p;
    uint8_t *buf = malloc(BIGMSG);
    CHECK(buf);
    for (uint32_t k = 0; k < NBIG; k++) {
        fill_msg(buf, BIGMSG, b->who, k);
        tern_send_info si = {.sid = 0, .ppid = b->who << 16 | k};
        CHECK_EQ(tern_sendmsg(b->ctx, b->sd, buf, BIGMSG, NULL, 0, &si, 0), BIGMSG);
    }
    free(buf);
    return NULL;
}

static void records_do_not_interleave(void)
{
    tern_ctx *s, *c;
    ctx_pair(true, &s, &c);
    uint16_t port;
    int lsd = listener(s, TERN_SOCK_STREAM, &port);
    int csd = tern_socket(c, AF_INET, TERN_SOCK_STREAM);
    set_int(c, csd, TERN_SO_SNDBUF, 256 << 10); /* a message needs several pieces */
    struct sockaddr_in to = lo(port);
    CHECK_EQ(tern_connect(c, csd, SA(to), sizeof to), 0);
    int ssd = tern_accept(s, lsd, NULL, NULL);
    big_sender b1 = {c, csd, 1}, b2 = {c, csd, 2};
    pthread_t t1, t2;
    CHECK_EQ(pthread_create(&t1, NULL, send_big, &b1), 0);
    CHECK_EQ(pthread_create(&t2, NULL, send_big, &b2), 0);
    uint8_t *buf = malloc(BIGMSG + 1);
    uint32_t next[3] = {0, 0, 0};
    for (int m = 0; m < 2 * NBIG; m++) {
        size_t got = 0;
        int mf = 0;
        uint32_t ppid = 0;
        while (!(mf & TERN_MSG_EOR)) {
            tern_recv_info ri;
            long n = tern_recvmsg(s, ssd, buf + got, BIGMSG + 1 - got, NULL, NULL, &ri, 0, &mf);
            CHECK(n > 0);
            if (got == 0) ppid = ri.ppid;
            CHECK_EQ(ri.ppid, ppid);
            got += (size_t)n;
        }
        CHECK_EQ(got, BIGMSG);
        uint32_t who = ppid >> 16, k = ppid & 0xffff;
        CHECK(who == 1 || who == 2);
        CHECK_EQ(k, next[who]++);
        CHECK(msg_ok(buf, BIGMSG, who, k));
    }
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    free(buf);
    CHECK_EQ(tern_close(c, csd), 0);
    CHECK_EQ(tern_close(s, ssd), 0);
    CHECK_EQ(tern_close(s, lsd), 0);
    tern_ctx_free(c);
    tern_ctx_free(s);
}

/* ---- blocked callers and closing ---- */

typedef struct blocked {
    tern_ctx *ctx;
    int sd;
    long rc;
    int tid;
} blocked;

static void *block_in_recv(void *p)
{
    blocked *b = p;
    char buf[8];
    __atomic_store_n(&b->tid, (int)syscall(SYS_gettid), __ATOMIC_SEQ_CST);
    b->rc = tern_recv(b->ctx, b->sd, buf, sizeof buf, 0);
    return NULL;
}

/* Until the thread sleeps in the kernel: on the condition variable (futex)
 * or driving the context (epoll). Bounded; no sleeping. */
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

static void close_and_free_wake_blocked_calls(bool own_thread)
{
    tern_ctx *s, *c;
    ctx_pair(own_thread, &s, &c);
    uint16_t port;
    int lsd = tern_socket(s, AF_INET, TERN_SOCK_SEQPACKET);
    struct sockaddr_in any = lo(0);
    CHECK_EQ(tern_bind(s, lsd, SA(any), sizeof any), 0);
    CHECK_EQ(tern_listen(s, lsd, 1), 0);
    port = sock_port(s, lsd);
    (void)port;
    /* Two threads block on one socket; closing it wakes both with EBADF. */
    blocked b1 = {s, lsd, 1, 0}, b2 = {s, lsd, 1, 0};
    pthread_t t1, t2;
    CHECK_EQ(pthread_create(&t1, NULL, block_in_recv, &b1), 0);
    CHECK_EQ(pthread_create(&t2, NULL, block_in_recv, &b2), 0);
    wait_blocked(&b1);
    wait_blocked(&b2);
    CHECK_EQ(tern_close(s, lsd), 0);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    CHECK_EQ(b1.rc, TERN_EBADF);
    CHECK_EQ(b2.rc, TERN_EBADF);
    /* tern_ctx_free wakes blocked calls with TERN_ESHUTDOWN. */
    int m = tern_socket(c, AF_INET, TERN_SOCK_SEQPACKET);
    blocked b3 = {c, m, 1, 0};
    pthread_t t3;
    CHECK_EQ(pthread_create(&t3, NULL, block_in_recv, &b3), 0);
    wait_blocked(&b3);
    tern_ctx_free(c);
    pthread_join(t3, NULL);
    CHECK_EQ(b3.rc, TERN_ESHUTDOWN);
    tern_ctx_free(s);
}

static void close_wakes_blocked_calls_own_thread(void)
{
    close_and_free_wake_blocked_calls(true);
}

static void close_wakes_blocked_calls_caller_driven(void)
{
    close_and_free_wake_blocked_calls(false);
}

int main(void)
{
    RUN(many_threads_one_context);
    RUN(records_do_not_interleave);
    RUN(close_wakes_blocked_calls_own_thread);
    RUN(close_wakes_blocked_calls_caller_driven);
    return 0;
}
