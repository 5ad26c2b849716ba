/* Portable CRC32c: slicing-by-8 over constant tables. */
#include <string.h>

#include "wire/crc32c.h"
#include "wire/crc32c_tables.h"

uint32_t tern_crc32c_sw(uint32_t crc, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    crc = ~crc;
    while (len && ((uintptr_t)p & 7)) {
        crc = (crc >> 8) ^ tern_crc32c_slice8[0][(crc ^ *p++) & 0xff];
        len--;
    }
    while (len >= 8) {
        /* Byte order independent: the words are assembled little-endian. */
        uint32_t lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                             (uint32_t)p[3] << 24);
        uint32_t hi =
            (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24;
        crc = tern_crc32c_slice8[7][lo & 0xff] ^ tern_crc32c_slice8[6][(lo >> 8) & 0xff] ^
              tern_crc32c_slice8[5][(lo >> 16) & 0xff] ^ tern_crc32c_slice8[4][lo >> 24] ^
              tern_crc32c_slice8[3][hi & 0xff] ^ tern_crc32c_slice8[2][(hi >> 8) & 0xff] ^
              tern_crc32c_slice8[1][(hi >> 16) & 0xff] ^ tern_crc32c_slice8[0][hi >> 24];
        p += 8;
        len -= 8;
    }
    while (len--)
        crc = (crc >> 8) ^ tern_crc32c_slice8[0][(crc ^ *p++) & 0xff];
    return ~crc;
}
