/* The core's own speed: two endpoints in one process, each packet handed
 * from one to the other with no system call, 64 B, 1 KiB and 64 KiB
 * messages on one stream. Time inside the core is virtual (it jumps to the
 * next deadline when nothing moves); the figures are wall-clock CPU time of
 * the whole exchange, both ends. Every run checks what arrived: each
 * message whole, in order, byte for byte, and the count.
 *
 *   bench_core_pair [--quick] [--size BYTES --count N]
 *
 * Instructions per message: run one size under callgrind, e.g.
 *   valgrind --tool=callgrind build/release/bench/bench_core_pair --size 1024 --count 20000
 * and divide the total by the count. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* clock_gettime; the build defines it too */
#endif
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tern/core.h>

#define PKT_MAX 65536

typedef struct side {
    tern_ep *ep;
    tern_path path; /* this side's view */
} side;

typedef struct run {
    side s[2];
    tern_time now;
    uint64_t packets;
    uint8_t pkt[PKT_MAX];
} run;

static int bench_random(void *ctx, uint8_t *buf, size_t len)
{
    uint64_t *x = ctx;
    for (size_t i = 0; i < len; i++) {
        *x ^= *x << 13;
        *x ^= *x >> 7;
        *x ^= *x << 17;
        buf[i] = (uint8_t)(*x >> 32);
    }
    return 0;
}

static void die(const char *what)
{
    fprintf(stderr, "bench_core_pair: %s\n", what);
    exit(1);
}

static void setup(run *r, uint64_t seeds[2])
{
    memset(r, 0, sizeof *r);
    for (int i = 0; i < 2; i++) {
        tern_ep_config c;
        tern_ep_config_default(&c);
        c.port = (uint16_t)(5000 + i);
        c.rwnd = 4u << 20;
        c.sndbuf = 4u << 20;
        c.nodelay = true;
        c.hb_interval = 0;
        c.random = bench_random;
        c.random_ctx = &seeds[i];
        if (tern_ep_new(&c, &r->s[i].ep) != 0) die("tern_ep_new");
        tern_path *p = &r->s[i].path;
        p->local.family = p->remote.family = TERN_AF_INET;
        p->local.ip[0] = p->remote.ip[0] = 127;
        p->local.ip[3] = (uint8_t)(1 + i);
        p->remote.ip[3] = (uint8_t)(2 - i);
        p->encaps_port = 9899;
    }
}

/* Moves every packet both ends have; returns how many moved. */
static uint64_t pump(run *r)
{
    uint64_t moved = 0;
    for (int i = 0; i < 2; i++) {
        tern_path out;
        long n;
        while ((n = tern_ep_output(r->s[i].ep, &out, r->pkt, sizeof r->pkt, r->now)) > 0) {
            tern_ep_input(r->s[1 - i].ep, &r->s[1 - i].path, r->pkt, (size_t)n, r->now);
            moved++;
        }
    }
    r->packets += moved;
    return moved;
}

/* Nothing moved: jump to the next deadline of either end. */
static int next_deadline(run *r)
{
    tern_time d0 = tern_ep_next_deadline(r->s[0].ep), d1 = tern_ep_next_deadline(r->s[1].ep);
    tern_time d = d0 < d1 ? d0 : d1;
    if (d == TERN_TIME_NEVER) return 0;
    if (d > r->now) r->now = d;
    tern_ep_on_deadline(r->s[0].ep, r->now);
    tern_ep_on_deadline(r->s[1].ep, r->now);
    return 1;
}

/* Message i carries i in its first 8 bytes (when it has them), then a fixed
 * pattern: the receiver checks order, count and every byte. */
static void stamp(uint8_t *msg, size_t size, uint64_t i)
{
    if (size >= 8) memcpy(msg, &i, 8);
}

typedef struct result {
    double seconds;
    uint64_t messages, bytes, packets;
} result;

static double wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static result measure(size_t size, uint64_t count)
{
    static run r;
    uint64_t seeds[2] = {0x1234567u, 0x89abcdefu};
    setup(&r, seeds);
    tern_assoc_id id;
    if (tern_ep_connect(r.s[0].ep, &r.s[0].path, 5001, 0, &id) != 0) die("connect");
    for (int i = 0; i < 10; i++)
        pump(&r);
    uint8_t *msg = malloc(size), *buf = malloc(size);
    if (!msg || !buf) die("out of memory");
    for (size_t i = 0; i < size; i++)
        msg[i] = (uint8_t)(i * 31 + 7);
    uint64_t sent = 0, received = 0, bytes = 0;
    bool ok = true;
    tern_sndinfo si = {.stream = 0, .ppid = 51};
    double t0 = wall();
    for (uint64_t guard = 0; received < count && guard < count * 64 + 100000; guard++) {
        while (sent < count) {
            stamp(msg, size, sent);
            if (tern_ep_send(r.s[0].ep, id, &si, msg, size, r.now) != 0) break;
            sent++;
        }
        uint64_t moved = pump(&r);
        tern_rcvinfo ri;
        long n;
        while ((n = tern_ep_recv(r.s[1].ep, &ri, buf, size, r.now)) > 0) {
            stamp(msg, size, received);
            ok &= (size_t)n == size && (ri.flags & TERN_RCV_EOR) && memcmp(buf, msg, size) == 0;
            bytes += (uint64_t)n;
            received++;
        }
        moved += pump(&r);
        if (!moved && received < count && !next_deadline(&r)) die("stalled");
    }
    double t1 = wall();
    if (!ok || received != count || bytes != count * size) die("wrong data received");
    tern_ep_free(r.s[0].ep);
    tern_ep_free(r.s[1].ep);
    free(msg);
    free(buf);
    return (result){t1 - t0, received, bytes, r.packets};
}

int main(int argc, char **argv)
{
    int quick = 0;
    size_t one_size = 0;
    uint64_t one_count = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0)
            quick = 1;
        else if (strcmp(argv[i], "--size") == 0 && i + 1 < argc)
            one_size = strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--count") == 0 && i + 1 < argc)
            one_count = strtoull(argv[++i], NULL, 10);
        else {
            fprintf(stderr, "usage: %s [--quick] [--size BYTES --count N]\n", argv[0]);
            return 2;
        }
    }
    const size_t sizes[] = {64, 1024, 65536};
    const uint64_t bytes_per_size = quick ? (4u << 20) : (256u << 20);
    printf("Tern core pair, one stream, PMTU 1500, NODELAY, both ends in one thread\n");
    printf("%-8s %10s %12s %10s %12s %14s\n", "size", "messages", "msgs/s", "MB/s", "packets",
           "ns/message");
    for (size_t k = 0; k < (one_size ? 1 : sizeof sizes / sizeof sizes[0]); k++) {
        size_t size = one_size ? one_size : sizes[k];
        uint64_t count = one_count ? one_count : bytes_per_size / size;
        if (count > 4000000) count = 4000000;
        result res = measure(size, count);
        printf("%-8zu %10llu %12.0f %10.1f %12llu %14.0f\n", size, (unsigned long long)res.messages,
               (double)res.messages / res.seconds, (double)res.bytes / res.seconds / 1e6,
               (unsigned long long)res.packets, res.seconds * 1e9 / (double)res.messages);
    }
    return 0;
}
