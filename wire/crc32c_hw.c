/* Hardware CRC32c and the run-time choice between it and the portable path.
 *
 * One `crc32` instruction has a latency of three cycles but a throughput of
 * one per cycle, so long buffers are cut into three blocks computed side by
 * side; the three registers are then joined by "shifting" the earlier ones
 * over the later blocks' length (a linear map of the register, four table
 * lookups: wire/crc32c_tables.h). The CPU check is a read of a word libgcc
 * fills at start-up, done per call: no cached pointer, no mutable state. */
#include <string.h>

#include "wire/crc32c.h"
#include "wire/crc32c_tables.h"

/* Register after len zero bytes, via the shift table for that length. */
static inline uint32_t shift(const uint32_t table[4][256], uint32_t crc)
{
    return table[0][crc & 0xff] ^ table[1][(crc >> 8) & 0xff] ^ table[2][(crc >> 16) & 0xff] ^
           table[3][crc >> 24];
}

#if defined(__x86_64__)
#include <nmmintrin.h>

#define HW_TARGET __attribute__((target("sse4.2")))

static inline HW_TARGET uint64_t load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* The raw register (no inversions) over blocks of three `block` bytes. */
static inline HW_TARGET uint32_t three_way(uint32_t crc, const uint8_t **pp, size_t *lenp,
                                           size_t block, const uint32_t table[4][256])
{
    const uint8_t *p = *pp;
    size_t len = *lenp;
    while (len >= 3 * block) {
        uint64_t c0 = crc, c1 = 0, c2 = 0;
        const uint8_t *end = p + block;
        do {
            c0 = _mm_crc32_u64(c0, load64(p));
            c1 = _mm_crc32_u64(c1, load64(p + block));
            c2 = _mm_crc32_u64(c2, load64(p + 2 * block));
            p += 8;
        } while (p < end);
        crc = shift(table, (uint32_t)c0) ^ (uint32_t)c1;
        crc = shift(table, crc) ^ (uint32_t)c2;
        p += 2 * block;
        len -= 3 * block;
    }
    *pp = p;
    *lenp = len;
    return crc;
}

static HW_TARGET uint32_t crc_sse42(uint32_t crc, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    uint32_t c = ~crc;
    while (len && ((uintptr_t)p & 7)) {
        c = _mm_crc32_u8(c, *p++);
        len--;
    }
    c = three_way(c, &p, &len, TERN_CRC32C_LONG, tern_crc32c_shift_long);
    c = three_way(c, &p, &len, TERN_CRC32C_SHORT, tern_crc32c_shift_short);
    uint64_t c64 = c;
    while (len >= 8) {
        c64 = _mm_crc32_u64(c64, load64(p));
        p += 8;
        len -= 8;
    }
    c = (uint32_t)c64;
    while (len--)
        c = _mm_crc32_u8(c, *p++);
    return ~c;
}

int tern_crc32c_hw_available(void)
{
    return __builtin_cpu_supports("sse4.2") ? 1 : 0;
}

uint32_t tern_crc32c_hw(uint32_t crc, const void *buf, size_t len)
{
    return tern_crc32c_hw_available() ? crc_sse42(crc, buf, len) : tern_crc32c_sw(crc, buf, len);
}

const char *tern_crc32c_impl(void)
{
    return tern_crc32c_hw_available() ? "sse4.2" : "portable";
}

#elif defined(__ARM_FEATURE_CRC32)
#include <arm_acle.h>

static uint32_t crc_armv8(uint32_t crc, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    uint32_t c = ~crc;
    while (len && ((uintptr_t)p & 7)) {
        c = __crc32cb(c, *p++);
        len--;
    }
    while (len >= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        c = __crc32cd(c, v);
        p += 8;
        len -= 8;
    }
    while (len--)
        c = __crc32cb(c, *p++);
    return ~c;
}

int tern_crc32c_hw_available(void)
{
    return 1;
}

uint32_t tern_crc32c_hw(uint32_t crc, const void *buf, size_t len)
{
    return crc_armv8(crc, buf, len);
}

const char *tern_crc32c_impl(void)
{
    return "armv8-crc";
}

#else

int tern_crc32c_hw_available(void)
{
    return 0;
}

uint32_t tern_crc32c_hw(uint32_t crc, const void *buf, size_t len)
{
    return tern_crc32c_sw(crc, buf, len);
}

const char *tern_crc32c_impl(void)
{
    return "portable";
}

#endif

uint32_t tern_crc32c(uint32_t crc, const void *buf, size_t len)
{
    return tern_crc32c_hw(crc, buf, len);
}
