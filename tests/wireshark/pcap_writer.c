/* Classic pcap (little-endian, version 2.4) of Ethernet/IPv4/UDP frames. */
#include "tests/wireshark/pcap_writer.h"

#include <string.h>

#include "wire/endian.h"

static void put_le32(FILE *f, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    fwrite(b, 1, 4, f);
}

static void put_le16(FILE *f, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    fwrite(b, 1, 2, f);
}

/* The Internet checksum (RFC 1071): 16-bit one's complement sum ... */
static uint32_t sum16(const uint8_t *p, size_t n, uint32_t acc)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        acc += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1) acc += (uint32_t)p[n - 1] << 8;
    return acc;
}

/* ... folded and complemented. */
static uint16_t fold(uint32_t acc)
{
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    return (uint16_t)~acc;
}

void pcap_write_header(FILE *f)
{
    put_le32(f, 0xa1b2c3d4); /* pcap, microsecond timestamps */
    put_le16(f, 2);
    put_le16(f, 4);
    put_le32(f, 0);
    put_le32(f, 0);
    put_le32(f, 65535);
    put_le32(f, 1); /* LINKTYPE_ETHERNET */
}

int pcap_write_udp4(FILE *f, uint32_t ts_sec, uint32_t ts_usec, const pcap_udp_end *src,
                    const pcap_udp_end *dst, const uint8_t *payload, size_t len)
{
    if (len > PCAP_WRITER_MAX_PAYLOAD) return -1;
    uint8_t hdr[14 + 20 + 8];
    size_t udp_len = 8 + len, ip_len = 20 + udp_len;
    memset(hdr, 0, sizeof hdr);
    hdr[12] = 0x08; /* EtherType IPv4 */
    uint8_t *ip = hdr + 14, *udp = ip + 20;
    ip[0] = 0x45;
    tern_store16(ip + 2, (uint16_t)ip_len);
    ip[6] = 0x40; /* DF */
    ip[8] = 64;
    ip[9] = 17; /* UDP */
    memcpy(ip + 12, src->ip, 4);
    memcpy(ip + 16, dst->ip, 4);
    tern_store16(ip + 10, fold(sum16(ip, 20, 0)));
    tern_store16(udp, src->port);
    tern_store16(udp + 2, dst->port);
    tern_store16(udp + 4, (uint16_t)udp_len);
    /* RFC 768: pseudo-header, UDP header (even length), payload; 0 is sent as 0xffff. */
    uint32_t acc = sum16(ip + 12, 8, 0) + 17 + (uint32_t)udp_len;
    acc = sum16(udp, 8, acc);
    uint16_t csum = fold(sum16(payload, len, acc));
    tern_store16(udp + 6, csum ? csum : 0xffff);

    size_t flen = 14 + ip_len;
    put_le32(f, ts_sec);
    put_le32(f, ts_usec);
    put_le32(f, (uint32_t)flen);
    put_le32(f, (uint32_t)flen);
    fwrite(hdr, 1, sizeof hdr, f);
    fwrite(payload, 1, len, f);
    return 0;
}
