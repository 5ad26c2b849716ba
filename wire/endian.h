/* Big-endian loads and stores on unaligned byte pointers (network order). */
#ifndef TERN_WIRE_ENDIAN_H
#define TERN_WIRE_ENDIAN_H

#include <stdint.h>

static inline uint16_t tern_load16(const uint8_t *p)
{
    return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static inline uint32_t tern_load32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void tern_store16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void tern_store32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Round a chunk or parameter length up to the next multiple of 4 (RFC 9260 §3.2). */
static inline uint32_t tern_pad4(uint32_t len)
{
    return (len + 3u) & ~3u;
}

#endif
