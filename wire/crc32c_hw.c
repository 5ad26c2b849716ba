/* Hardware CRC32c and the run-time choice between it and the portable path.
 *
 * One `crc32` instruction has a latency of three cycles but a throughput of
 * one per cycle, so long buffers are cut into three blocks computed side by
 * side; the three registers are then joined by "shifting" the earlier ones
 * over the later blocks' length (a linear map of the register, four table
 * lookups: wire/crc32c_tables.h). x86-64 checks the CPU on every call (a read
 * of a word libgcc fills at start-up: no cached pointer, no mutable state);
 * ARMv8 CRC is chosen at compile time (__ARM_FEATURE_CRC32). */
#include <string.h>

#include "wire/crc32c.h"
#include "wire/crc32c_tables.h"

#if defined(__x86_64__)
#include <nmmintrin.h>

#define HW_NAME   "sse4.2"
#define HW_TARGET __attribute__((target("sse4.2")))
typedef uint64_t hw_reg; /* what _mm_crc32_u64 takes and returns: no zero-extension per step */
#define CRC_WORD(c, v) _mm_crc32_u64((c), (v))
#define CRC_BYTE(c, b) _mm_crc32_u8((c), (b))

int tern_crc32c_hw_available(void)
{
    return __builtin_cpu_supports("sse4.2") ? 1 : 0;
}

#elif defined(__ARM_FEATURE_CRC32)
#include <arm_acle.h>

#define HW_NAME "armv8-crc"
#define HW_TARGET
typedef uint32_t hw_reg;
#define CRC_WORD(c, v) __crc32cd((c), (v))
#define CRC_BYTE(c, b) __crc32cb((c), (b))

int tern_crc32c_hw_available(void)
{
    return 1;
}

#endif

#if defined(HW_NAME)

static inline HW_TARGET uint64_t load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8); /* may be unaligned: no pointer cast */
    return v;
}

/* The register after `crc` is followed by the block length of zero bytes the
 * table was made for. */
static inline HW_TARGET uint32_t shift(const uint32_t table[4][256], uint32_t crc)
{
    return table[0][crc & 0xff] ^ table[1][(crc >> 8) & 0xff] ^ table[2][(crc >> 16) & 0xff] ^
           table[3][crc >> 24];
}

/* The raw register (no inversions) over as many runs of three `block`-byte
 * blocks as fit; advances *pp and *lenp past them. */
static inline HW_TARGET uint32_t three_way(uint32_t crc, const uint8_t **pp, size_t *lenp,
                                           size_t block, const uint32_t table[4][256])
{
    const uint8_t *p = *pp;
    size_t len = *lenp;
    while (len >= 3 * block) {
        hw_reg c0 = crc, c1 = 0, c2 = 0;
        const uint8_t *end = p + block;
        do {
            c0 = CRC_WORD(c0, load64(p));
            c1 = CRC_WORD(c1, load64(p + block));
            c2 = CRC_WORD(c2, load64(p + 2 * block));
            p += 8;
        } while (p < end);
        /* crc(A B) = shift_|B|(crc(A)) ^ crc(B) when crc(B) starts from zero. */
        crc = shift(table, (uint32_t)c0) ^ (uint32_t)c1;
        crc = shift(table, crc) ^ (uint32_t)c2;
        p += 2 * block;
        len -= 3 * block;
    }
    *pp = p;
    *lenp = len;
    return crc;
}

static HW_TARGET uint32_t crc_hw(uint32_t crc, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    uint32_t c = ~crc;
    while (len && ((uintptr_t)p & 7)) {
        c = CRC_BYTE(c, *p++);
        len--;
    }
    c = three_way(c, &p, &len, TERN_CRC32C_LONG, tern_crc32c_shift_long);
    c = three_way(c, &p, &len, TERN_CRC32C_SHORT, tern_crc32c_shift_short);
    hw_reg w = c;
    while (len >= 8) {
        w = CRC_WORD(w, load64(p));
        p += 8;
        len -= 8;
    }
    c = (uint32_t)w;
    while (len--)
        c = CRC_BYTE(c, *p++);
    return ~c;
}

uint32_t tern_crc32c_hw(uint32_t crc, const void *buf, size_t len)
{
    return tern_crc32c_hw_available() ? crc_hw(crc, buf, len) : tern_crc32c_sw(crc, buf, len);
}

const char *tern_crc32c_impl(void)
{
    return tern_crc32c_hw_available() ? HW_NAME : "portable";
}

#else /* no CRC instruction known here */

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
