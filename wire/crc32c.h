/* CRC32c (Castagnoli), the SCTP checksum (RFC 9260 appendix A, RFC 3309).
 *
 * zlib-style: pass 0 to start, pass the previous result to continue; the
 * result is final (already inverted).
 *
 * Byte order on the wire: SCTP computes the CRC over the packet with the
 * checksum field zeroed and stores the result least significant byte first,
 * unlike every other field of the header (RFC 9260 appendix A; Linux writes
 * cpu_to_le32(crc)). A CRC of 0x4c5be570 goes out as 70 e5 5b 4c, so a
 * big-endian read of the field (tern_load32) gives the byte-swapped value.
 * See tern_packet_set_checksum.
 *
 * The hardware path (x86-64 SSE4.2 `crc32`, chosen at run time; ARMv8 CRC
 * where the compiler targets it) interleaves three streams and joins them with
 * precomputed shift tables. We keep our own rather than link a library: it is
 * ~100 lines, the embedded/WebRTC users of the core want no extra dependency,
 * and bench/bench_crc32c measures it against a plain instruction loop. */
#ifndef TERN_WIRE_CRC32C_H
#define TERN_WIRE_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* The best implementation this CPU has. */
uint32_t tern_crc32c(uint32_t crc, const void *buf, size_t len);
/* Portable slicing-by-8. */
uint32_t tern_crc32c_sw(uint32_t crc, const void *buf, size_t len);
/* Hardware. Meant for when tern_crc32c_hw_available(); if called anyway it
 * falls back to the portable path rather than fault. */
uint32_t tern_crc32c_hw(uint32_t crc, const void *buf, size_t len);
/* 1 if the hardware path is available on this CPU. */
int tern_crc32c_hw_available(void);
/* "sse4.2", "armv8-crc" or "portable": what tern_crc32c uses here. */
const char *tern_crc32c_impl(void);

#endif
