/* The `tern perf` protocol (bench/README.md), shared by tools/cmd_perf.c and
 * the benchmark peers bench/usrsctp_perf.c and bench/udp_perf.c, so any
 * client can run against any server: the PPIDs, the END / RESULT / STATS
 * magic and the payload checksums; and the clocks the bench peers measure
 * with. */
#ifndef TERN_TOOLS_PERF_PROTO_H
#define TERN_TOOLS_PERF_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define PERF_PPID_DATA   0x7465726eu /* "tern" */
#define PERF_PPID_END    0x7465726fu
#define PERF_PPID_RESULT 0x74657270u
#define PERF_PPID_ECHO   0x74657265u
#define PERF_PPID_STATS  0x74657273u
#define PERF_MAGIC       0x5445524e50455246ull /* "TERNPERF" */

/* MurmurHash3's 64-bit finalizer. */
static inline uint64_t fmix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

static inline uint64_t load64le(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8); /* one load: a byte loop was a quarter of the 64 B server's checksum */
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

static inline void store64le(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* A checksum of n bytes: eight independent lanes of rotate-and-add (the
 * rotation makes it order-sensitive), which the compiler vectorises, so it
 * keeps up with the data (the receiver checks every byte in its own time). */
static inline uint64_t perf_rotl(uint64_t v, int r)
{
    return v << r | v >> (64 - r);
}

/* Under 64 bytes (no whole block for the lanes): one lane, word by word.
 * For 64-byte messages the eight lanes' set-up and fold were 150
 * instructions of the server's 1,460 per message (callgrind). */
static inline uint64_t short_hash(const uint8_t *p, size_t n)
{
    uint64_t x = 0x9e3779b97f4a7c15ull ^ n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        x = perf_rotl(x, 19) + w;
    }
    for (int r = 0; i < n; i++, r += 8)
        x ^= (uint64_t)p[i] << r;
    return fmix64(x);
}

static inline uint64_t body_hash(const uint8_t *p, size_t n)
{
    if (n < 64) return short_hash(p, n);
    uint64_t h[8] = {0x9e3779b97f4a7c15ull ^ n, 1, 2, 3, 4, 5, 6, 7};
    size_t i = 0;
    for (; i + 64 <= n; i += 64)
        for (int k = 0; k < 8; k++) {
            uint64_t w;
            memcpy(&w, p + i + 8 * k, 8);
            h[k] = perf_rotl(h[k], 7) + w;
        }
    for (int k = 0; i + 8 <= n; i += 8, k++) { /* the tail: words, then bytes */
        uint64_t w;
        memcpy(&w, p + i, 8);
        h[k] = perf_rotl(h[k], 7) + w;
    }
    for (int r = 0; i < n; i++, r += 8)
        h[0] ^= (uint64_t)p[i] << r;
    uint64_t x = 0; /* folded, then mixed once: short messages cost a few cycles */
    for (int k = 0; k < 8; k++)
        x = perf_rotl(x, 19) ^ h[k];
    return fmix64(x);
}

/* A message's checksum: its first 8 bytes (the sequence number) mixed with
 * the checksum of the rest, so the client computes the rest's once. */
static inline uint64_t msg_hash(const uint8_t *p, size_t n)
{
    if (n < 8) return body_hash(p, n);
    return fmix64(load64le(p) ^ body_hash(p + 8, n - 8));
}

/* Monotonic seconds. */
static inline double perf_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The process's CPU seconds (a stack's own threads included). */
static inline void perf_cpu(double *user, double *sys)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    *user = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6;
    *sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

#endif
