/* Throughput of 1 KiB messages one way between two contexts over loopback
 * (each with its own thread; a sending and a receiving thread), every
 * message checked. Prints MB/s. TERN_PERF_MB sets the volume (default 20;
 * use a release build for figures). */
#include "api_test.h"

#include <pthread.h>

#define MSG 1024

typedef struct perf {
    tern_ctx *ctx;
    int sd;
    uint32_t count;
} perf;

static void *send_all(void *p)
{
    perf *x = p;
    uint8_t buf[MSG];
    for (uint32_t k = 0; k < x->count; k++) {
        memcpy(buf, &k, sizeof k);
        memset(buf + sizeof k, (int)(k & 0xff), MSG - sizeof k);
        CHECK_EQ(tern_send(x->ctx, x->sd, buf, MSG, 0), MSG);
    }
    return NULL;
}

static void one_kib_messages(void)
{
    const char *env = getenv("TERN_PERF_MB");
    uint32_t mb = env ? (uint32_t)atoi(env) : 20;
    tern_ctx *s, *c;
    ctx_pair(true, &s, &c);
    uint16_t port;
    int lsd = listener(s, TERN_SOCK_STREAM, &port);
    int csd = tern_socket(c, AF_INET, TERN_SOCK_STREAM);
    struct sockaddr_in to = lo(port);
    CHECK_EQ(tern_connect(c, csd, SA(to), sizeof to), 0);
    int ssd = tern_accept(s, lsd, NULL, NULL);
    perf x = {c, csd, mb * 1000000u / MSG};
    pthread_t th;
    uint64_t t0 = now_ms();
    CHECK_EQ(pthread_create(&th, NULL, send_all, &x), 0);
    uint8_t buf[2 * MSG];
    for (uint32_t k = 0; k < x.count; k++) {
        int mf = 0;
        CHECK_EQ(tern_recvmsg(s, ssd, buf, sizeof buf, NULL, NULL, NULL, 0, &mf), MSG);
        uint32_t got;
        memcpy(&got, buf, sizeof got);
        CHECK_EQ(got, k);
        CHECK_EQ(buf[MSG - 1], k & 0xff);
    }
    uint64_t ms = now_ms() - t0;
    pthread_join(th, NULL);
    fprintf(stderr, "   %u x 1 KiB in %llu ms: %.1f MB/s, %.0f messages/s\n", x.count,
            (unsigned long long)ms, (double)x.count * MSG / 1e3 / (double)(ms ? ms : 1),
            (double)x.count * 1e3 / (double)(ms ? ms : 1));
    CHECK_EQ(tern_close(c, csd), 0);
    CHECK_EQ(tern_recv(s, ssd, buf, sizeof buf, 0), 0);
    CHECK_EQ(tern_close(s, ssd), 0);
    CHECK_EQ(tern_close(s, lsd), 0);
    tern_ctx_free(c);
    tern_ctx_free(s);
}

int main(void)
{
    RUN(one_kib_messages);
    return 0;
}
