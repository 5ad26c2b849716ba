/* 16 streams × 10,000 messages in both directions at once between two
 * contexts (a sending and a receiving thread on each side), every message
 * checked: stream, ppid, content derived from stream and sequence number,
 * order per stream. Then a 16 MiB message both ways, checked. Prints the
 * throughput. */
#include "api_test.h"

#include <pthread.h>

#define STREAMS    16
#define PER_STREAM 10000
#define BIG        (16u << 20)

static size_t msg_len(uint32_t stream, uint32_t seq)
{
    return 1 + (seq * 7u + stream * 131u) % 1024u;
}

typedef struct side {
    tern_ctx *ctx;
    int sd;
    uint64_t bytes;
} side;

static void *sender(void *p)
{
    side *s = p;
    uint8_t buf[1024];
    for (uint32_t seq = 0; seq < PER_STREAM; seq++)
        for (uint32_t st = 0; st < STREAMS; st++) {
            size_t len = msg_len(st, seq);
            fill_msg(buf, len, st, seq);
            tern_send_info si = {.sid = (uint16_t)st, .ppid = seq};
            CHECK_EQ(tern_sendmsg(s->ctx, s->sd, buf, len, NULL, 0, &si, 0), (long)len);
            s->bytes += len;
        }
    return NULL;
}

static void *receiver(void *p)
{
    side *s = p;
    uint8_t buf[2048];
    uint32_t next[STREAMS] = {0};
    for (uint32_t k = 0; k < STREAMS * PER_STREAM; k++) {
        tern_recv_info ri;
        int mf = 0;
        long n = tern_recvmsg(s->ctx, s->sd, buf, sizeof buf, NULL, NULL, &ri, 0, &mf);
        CHECK(n > 0);
        CHECK(mf & TERN_MSG_EOR);
        CHECK(ri.sid < STREAMS);
        CHECK_EQ(ri.ppid, next[ri.sid]); /* in order on its stream */
        CHECK_EQ((size_t)n, msg_len(ri.sid, ri.ppid));
        CHECK(msg_ok(buf, (size_t)n, ri.sid, ri.ppid));
        next[ri.sid]++;
        s->bytes += (uint64_t)n;
    }
    return NULL;
}

static void streams(int s_sd, tern_ctx *s, int c_sd, tern_ctx *c)
{
    side ss = {s, s_sd, 0}, sr = {s, s_sd, 0}, cs = {c, c_sd, 0}, cr = {c, c_sd, 0};
    pthread_t t[4];
    uint64_t t0 = now_ms();
    CHECK_EQ(pthread_create(&t[0], NULL, sender, &ss), 0);
    CHECK_EQ(pthread_create(&t[1], NULL, receiver, &sr), 0);
    CHECK_EQ(pthread_create(&t[2], NULL, sender, &cs), 0);
    CHECK_EQ(pthread_create(&t[3], NULL, receiver, &cr), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    uint64_t ms = now_ms() - t0;
    CHECK_EQ(sr.bytes, cs.bytes);
    CHECK_EQ(cr.bytes, ss.bytes);
    fprintf(stderr, "   %u messages each way, %.1f MB each way in %llu ms: %.1f MB/s total\n",
            STREAMS * PER_STREAM, (double)ss.bytes / 1e6, (unsigned long long)ms,
            (double)(ss.bytes + cs.bytes) / 1e3 / (double)(ms ? ms : 1));
}

typedef struct big_arg {
    tern_ctx *ctx;
    int sd;
    uint8_t *buf;
} big_arg;

static void *big_sender(void *p)
{
    big_arg *a = p;
    tern_send_info si = {.sid = 5, .ppid = 77};
    CHECK_EQ(tern_sendmsg(a->ctx, a->sd, a->buf, BIG, NULL, 0, &si, 0), (long)BIG);
    return NULL;
}

/* Reads one message of BIG bytes in pieces; the last has TERN_MSG_EOR. */
static void big_receive(tern_ctx *ctx, int sd, uint8_t *into)
{
    size_t got = 0;
    int mf = 0;
    while (!(mf & TERN_MSG_EOR)) {
        tern_recv_info ri;
        size_t room = BIG - got < 300000 ? BIG - got + 1 : 300000;
        long n = tern_recvmsg(ctx, sd, into + got, room, NULL, NULL, &ri, 0, &mf);
        CHECK(n > 0);
        CHECK_EQ(ri.sid, 5);
        CHECK_EQ(ri.ppid, 77);
        got += (size_t)n;
        CHECK(got <= BIG);
    }
    CHECK_EQ(got, BIG);
}

static void big_both_ways(int s_sd, tern_ctx *s, int c_sd, tern_ctx *c)
{
    uint8_t *out_s = malloc(BIG), *out_c = malloc(BIG), *in_s = malloc(BIG + 1),
            *in_c = malloc(BIG + 1);
    CHECK(out_s && out_c && in_s && in_c);
    fill_msg(out_s, BIG, 1, 1);
    fill_msg(out_c, BIG, 2, 2);
    big_arg as = {s, s_sd, out_s}, ac = {c, c_sd, out_c};
    pthread_t t[2];
    uint64_t t0 = now_ms();
    CHECK_EQ(pthread_create(&t[0], NULL, big_sender, &as), 0);
    CHECK_EQ(pthread_create(&t[1], NULL, big_sender, &ac), 0);
    big_receive(c, c_sd, in_c);
    big_receive(s, s_sd, in_s);
    pthread_join(t[0], NULL);
    pthread_join(t[1], NULL);
    fprintf(stderr, "   16 MiB both ways in %llu ms\n", (unsigned long long)(now_ms() - t0));
    CHECK(memcmp(in_c, out_s, BIG) == 0);
    CHECK(memcmp(in_s, out_c, BIG) == 0);
    free(out_s);
    free(out_c);
    free(in_s);
    free(in_c);
}

static void sixteen_streams_both_ways(void)
{
    tern_ctx *s, *c;
    ctx_pair(true, &s, &c);
    struct tern_initmsg im = {STREAMS, STREAMS, 0, 0};
    int lsd = tern_socket(s, AF_INET, TERN_SOCK_STREAM);
    CHECK_EQ(tern_setsockopt(s, lsd, TERN_INITMSG, &im, sizeof im), 0);
    struct sockaddr_in any = lo(0);
    CHECK_EQ(tern_bind(s, lsd, SA(any), sizeof any), 0);
    CHECK_EQ(tern_listen(s, lsd, 4), 0);
    int ccd = tern_socket(c, AF_INET, TERN_SOCK_STREAM);
    CHECK_EQ(tern_setsockopt(c, ccd, TERN_INITMSG, &im, sizeof im), 0);
    struct sockaddr_in to = lo(sock_port(s, lsd));
    CHECK_EQ(tern_connect(c, ccd, SA(to), sizeof to), 0);
    int csd = tern_accept(s, lsd, NULL, NULL);
    CHECK(csd >= 0);
    struct tern_status st = {0};
    size_t len = sizeof st;
    CHECK_EQ(tern_getsockopt(c, ccd, TERN_STATUS, &st, &len), 0);
    CHECK_EQ(st.outstrms, STREAMS);
    CHECK_EQ(st.instrms, STREAMS);
    streams(csd, s, ccd, c);
    big_both_ways(csd, s, ccd, c);
    CHECK_EQ(tern_close(c, ccd), 0);
    CHECK_EQ(tern_close(s, csd), 0);
    CHECK_EQ(tern_close(s, lsd), 0);
    tern_ctx_free(c);
    tern_ctx_free(s);
}

int main(void)
{
    RUN(sixteen_streams_both_ways);
    return 0;
}
