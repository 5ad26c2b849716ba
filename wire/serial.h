/* Serial number arithmetic (RFC 1982; RFC 9260 §1.6) for SCTP's 32-bit TSNs,
 * MIDs and FSNs and its 16-bit SSNs. Never compare them with raw < or >.
 *
 * RFC 1982 leaves a comparison undefined when the distance is exactly half
 * the space (2^31, 2^15). Here such a pair is neither less nor greater:
 * lt/gt are both false and le/ge are false unless a == b. So lt(a, b) and
 * lt(b, a) are never both true. */
#ifndef TERN_WIRE_SERIAL_H
#define TERN_WIRE_SERIAL_H

#include <stdbool.h>
#include <stdint.h>

#define TERN_SN32_HALF 0x80000000u
#define TERN_SN16_HALF 0x8000u

static inline bool tern_sn32_lt(uint32_t a, uint32_t b)
{
    uint32_t d = b - a;
    return d != 0 && d < TERN_SN32_HALF;
}
static inline bool tern_sn32_gt(uint32_t a, uint32_t b)
{
    return tern_sn32_lt(b, a);
}
static inline bool tern_sn32_le(uint32_t a, uint32_t b)
{
    return a == b || tern_sn32_lt(a, b);
}
static inline bool tern_sn32_ge(uint32_t a, uint32_t b)
{
    return a == b || tern_sn32_lt(b, a);
}

static inline bool tern_sn16_lt(uint16_t a, uint16_t b)
{
    uint16_t d = (uint16_t)(b - a);
    return d != 0 && d < TERN_SN16_HALF;
}
static inline bool tern_sn16_gt(uint16_t a, uint16_t b)
{
    return tern_sn16_lt(b, a);
}
static inline bool tern_sn16_le(uint16_t a, uint16_t b)
{
    return a == b || tern_sn16_lt(a, b);
}
static inline bool tern_sn16_ge(uint16_t a, uint16_t b)
{
    return a == b || tern_sn16_lt(b, a);
}

/* Signed distance a − b in [−2^31, 2^31), without signed overflow. */
static inline int32_t tern_sn32_diff(uint32_t a, uint32_t b)
{
    uint32_t u = a - b;
    return u < TERN_SN32_HALF ? (int32_t)u : -(int32_t)(~u) - 1;
}

/* Signed distance a − b in [−2^15, 2^15). */
static inline int16_t tern_sn16_diff(uint16_t a, uint16_t b)
{
    uint16_t u = (uint16_t)(a - b);
    return u < TERN_SN16_HALF ? (int16_t)u : (int16_t)(-(int)(uint16_t)~u - 1);
}

static inline uint32_t tern_sn32_max(uint32_t a, uint32_t b)
{
    return tern_sn32_lt(a, b) ? b : a;
}
static inline uint32_t tern_sn32_min(uint32_t a, uint32_t b)
{
    return tern_sn32_lt(a, b) ? a : b;
}
static inline uint16_t tern_sn16_max(uint16_t a, uint16_t b)
{
    return tern_sn16_lt(a, b) ? b : a;
}
static inline uint16_t tern_sn16_min(uint16_t a, uint16_t b)
{
    return tern_sn16_lt(a, b) ? a : b;
}

/* The 64-bit value with low 32 bits sn that is nearest to ref (the last
 * unwrapped value): how a receiver turns wrapped TSNs into a monotonic
 * counter. Never below 0: when the nearest would be negative, the value just
 * above is returned. ref must stay below 2^64 − 2^32 (2^32 wraps of the TSN
 * space; unreachable in practice). */
static inline uint64_t tern_sn32_unwrap(uint64_t ref, uint32_t sn)
{
    int32_t d = tern_sn32_diff(sn, (uint32_t)ref);
    if (d < 0 && (uint64_t)(-(int64_t)d) > ref) return sn;
    return ref + (uint64_t)(int64_t)d;
}

/* The same for 16-bit serial numbers (SSNs). */
static inline uint64_t tern_sn16_unwrap(uint64_t ref, uint16_t sn)
{
    int16_t d = tern_sn16_diff(sn, (uint16_t)ref);
    if (d < 0 && (uint64_t)(-(int64_t)d) > ref) return sn;
    return ref + (uint64_t)(int64_t)d;
}

#endif
