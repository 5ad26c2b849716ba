/* Writes classic pcap files of Ethernet/IPv4/UDP frames, for tshark to
 * judge SCTP over UDP (RFC 6951). Shared by gen_packets and
 * gen_conversations; not part of libtern. */
#ifndef TERN_TESTS_WIRESHARK_PCAP_WRITER_H
#define TERN_TESTS_WIRESHARK_PCAP_WRITER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The largest UDP payload an IPv4 datagram can carry. */
#define PCAP_WRITER_MAX_PAYLOAD (65535u - 20u - 8u)

/* One end of a UDP flow. */
typedef struct pcap_udp_end {
    uint8_t ip[4];
    uint16_t port;
} pcap_udp_end;

/* The pcap global header: microsecond timestamps, LINKTYPE_ETHERNET. */
void pcap_write_header(FILE *f);

/* One frame: Ethernet (zero MACs), IPv4 (DF, TTL 64, valid header checksum)
 * and UDP (valid checksum) from src to dst around payload. Returns 0, or -1
 * if payload is longer than PCAP_WRITER_MAX_PAYLOAD. */
int pcap_write_udp4(FILE *f, uint32_t ts_sec, uint32_t ts_usec, const pcap_udp_end *src,
                    const pcap_udp_end *dst, const uint8_t *payload, size_t len);

#endif
