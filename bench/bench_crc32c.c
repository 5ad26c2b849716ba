/* CRC32c throughput: the portable path, Tern's hardware path, and — on
 * x86-64 — a plain one-stream `_mm_crc32_u64` loop as the yardstick, measured
 * in the same run over 1 KiB, 1452 B (an MTU-1500 UDP-encapsulated packet)
 * and 64 KiB buffers. Best and median of several repetitions.
 *
 *   bench_crc32c [--quick] */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* clock_gettime; the build defines it too */
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wire/crc32c.h"

#if defined(__x86_64__)
#include <nmmintrin.h>

/* The yardstick: what one dependent chain of crc32 instructions achieves. */
__attribute__((target("sse4.2"))) static uint32_t plain_u64_loop(uint32_t crc, const void *buf,
                                                                 size_t len)
{
    const uint8_t *p = buf;
    uint64_t c = ~crc;
    while (len >= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        c = _mm_crc32_u64(c, v);
        p += 8;
        len -= 8;
    }
    uint32_t c32 = (uint32_t)c;
    while (len--)
        c32 = _mm_crc32_u8(c32, *p++);
    return ~c32;
}
#endif

typedef uint32_t (*crc_fn)(uint32_t, const void *, size_t);

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static volatile uint32_t sink;

/* GB/s of fn over buf[len], reps repetitions of ~target_bytes each. */
static void measure(crc_fn fn, const uint8_t *buf, size_t len, int reps, size_t target_bytes,
                    double *best, double *median)
{
    double r[32];
    size_t iters = target_bytes / len + 1;
    for (int i = 0; i < reps; i++) {
        uint32_t c = 0;
        double t0 = now_s();
        for (size_t k = 0; k < iters; k++)
            c = fn(c, buf, len);
        double t = now_s() - t0;
        sink = c;
        r[i] = (double)(iters * len) / t / 1e9;
    }
    qsort(r, (size_t)reps, sizeof r[0], cmp_double);
    *best = r[reps - 1];
    *median = r[reps / 2];
}

int main(int argc, char **argv)
{
    int quick = argc == 2 && strcmp(argv[1], "--quick") == 0;
    if (argc > 2 || (argc == 2 && !quick)) {
        fprintf(stderr, "usage: %s [--quick]\n", argv[0]);
        return 2;
    }
    int reps = quick ? 3 : 9;
    size_t target = quick ? (size_t)4 << 20 : (size_t)256 << 20;
    const size_t sizes[] = {1024, 1452, 65536};
    uint8_t *buf = malloc(65536);
    if (!buf) return 1;
    for (size_t i = 0; i < 65536; i++)
        buf[i] = (uint8_t)(i * 131 + 7);
    /* Time only code that computes the right thing. */
    uint32_t want = tern_crc32c_sw(0, buf, 65536);
    int agree = tern_crc32c(0, buf, 65536) == want && tern_crc32c_hw(0, buf, 65536) == want;
#if defined(__x86_64__)
    if (tern_crc32c_hw_available()) agree = agree && plain_u64_loop(0, buf, 65536) == want;
#endif
    if (!agree) {
        fprintf(stderr, "bench_crc32c: implementations disagree\n");
        free(buf);
        return 1;
    }

    printf("CRC32c throughput, GB/s (best / median of %d); tern_crc32c uses: %s\n", reps,
           tern_crc32c_impl());
    printf("%-8s %18s %18s %18s %16s\n", "size", "portable", "tern hardware", "plain u64 loop",
           "hw/plain");
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        double sw_b, sw_m, hw_b, hw_m, pl_b = 0, pl_m = 0;
        measure(tern_crc32c_sw, buf, sizes[s], reps, target / 8, &sw_b, &sw_m);
        measure(tern_crc32c_hw, buf, sizes[s], reps, target, &hw_b, &hw_m);
#if defined(__x86_64__)
        if (tern_crc32c_hw_available())
            measure(plain_u64_loop, buf, sizes[s], reps, target, &pl_b, &pl_m);
#endif
        printf("%-8zu %8.2f / %7.2f %8.2f / %7.2f", sizes[s], sw_b, sw_m, hw_b, hw_m);
        if (pl_b > 0)
            printf(" %8.2f / %7.2f %7.2fx / %5.2fx\n", pl_b, pl_m, hw_b / pl_b, hw_m / pl_m);
        else
            printf(" %18s %16s\n", "n/a", "n/a"); /* no crc32 instruction here */
    }
    free(buf);
    return 0;
}
