/* The runtime's transports (DESIGN.md §2, io/): SCTP packets to and from the
 * network, over UDP encapsulation (RFC 6951, the default, no privileges) or
 * raw IP protocol 132 (root or CAP_NET_RAW). Internal to libtern: api/ is its
 * only user. Not thread-safe: the caller serialises (api/ holds its lock).
 *
 * Receiving reads everything queued with recvmmsg (and UDP GRO), sending
 * batches packets with sendmmsg (and UDP GSO for runs of equal-sized packets
 * to one destination): never one syscall per packet on the hot path. */
#ifndef TERN_IO_TRANSPORT_H
#define TERN_IO_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/socket.h>

#include <tern/core.h>

typedef enum { TERN_IO_UDP = 1, TERN_IO_RAW = 2 } tern_io_kind;

#define TERN_IO_UDP_PORT_DEFAULT 9899  /* RFC 6951 §5.1: SCTP over UDP */
#define TERN_IO_MAX_PACKET       65535 /* largest SCTP packet a slot holds */

typedef struct tern_io_config {
    tern_io_kind kind;
    uint16_t udp_port; /* UDP: local encapsulation port; 0 picks an ephemeral one */
    bool ipv4, ipv6;   /* open sockets for these families (at least one) */
    /* Local addresses to bind to (port: udp_port); none: the wildcard of each
     * family. With addresses, only their families are opened (each address
     * must be of a family asked for). UDP: one socket per address. */
    tern_addr bind_addrs[TERN_MAX_LOCAL_ADDRS];
    uint8_t num_bind_addrs;
    bool gso, gro;      /* use UDP_SEGMENT / UDP_GRO where the kernel has them (default on) */
    int sndbuf, rcvbuf; /* SO_SNDBUF / SO_RCVBUF in bytes; 0 leaves the kernel's */
} tern_io_config;

void tern_io_config_default(tern_io_config *cfg); /* UDP, port 9899, IPv4 + IPv6, GSO+GRO */

typedef struct tern_io tern_io;

/* What the io layer reports while receiving. `path` is what tern_ep_input
 * wants: local = the packet's destination address (IP_PKTINFO /
 * IPV6_PKTINFO), remote = its source, encaps_port = its UDP source port (0
 * for raw IP). For ICMP errors about a packet we sent, `path` is that
 * packet's path (local = our source, remote = its destination). */
typedef struct tern_io_handler {
    void (*packet)(void *arg, const tern_path *path, const uint8_t *sctp, size_t len);
    void (*icmp)(void *arg, const tern_path *path, const tern_icmp *icmp);
    void *arg;
} tern_io_handler;

typedef struct tern_io_stats {
    uint64_t packets_in, packets_out, bytes_in, bytes_out;
    uint64_t recv_calls, send_calls; /* syscalls: packets per call is the batching figure */
    uint64_t gso_sends, gro_segments;
    uint64_t dropped_out; /* packets the kernel refused (unreachable, too big, ENOBUFS, ...) */
    uint64_t dropped_in;  /* datagrams truncated, empty or not a whole SCTP common header */
    uint64_t filtered_in; /* raw IP: packets and ICMP errors for ports not owned here */
    uint64_t icmp_in;
} tern_io_stats;

/* Errors: TERN_EINVAL, TERN_ENOMEM, TERN_EPERM (raw IP without privilege,
 * or a UDP port below 1024), TERN_EADDRINUSE (UDP port taken),
 * TERN_EADDRNOTAVAIL (a bind address that is not local), TERN_EAFNOSUPPORT
 * (IPv6 off in the kernel and an IPv6 bind address given; with no bind
 * address the other family alone is opened), TERN_EIO (other socket errors). */
int tern_io_open(const tern_io_config *cfg, tern_io **out);
void tern_io_close(tern_io *io);

tern_io_kind tern_io_get_kind(const tern_io *io);
/* UDP: the bound local encapsulation port (the ephemeral one when 0 was asked). */
uint16_t tern_io_udp_port(const tern_io *io);

/* The descriptors to watch for readability; returns how many (≤ max). At
 * most TERN_MAX_LOCAL_ADDRS: UDP has one per bind address (or per family),
 * raw IP one per family plus an ICMP one per family. */
int tern_io_fds(const tern_io *io, int *fds, int max);

/* Reads what is queued on every descriptor, without blocking, calling the
 * handler for each packet (GRO buffers are split into their segments) and
 * each ICMP error (IP_RECVERR queue for UDP, the ICMP sockets for raw IP),
 * at most max_packets packets. Returns the number of packets (≥ 0) or
 * TERN_EIO (TERN_EINVAL: no handler). When it returns max_packets, more may
 * be waiting, possibly already read (the rest of a batch): call it again
 * before waiting for readability. The handler must not call tern_io_recv or
 * tern_io_close. */
int tern_io_recv(tern_io *io, const tern_io_handler *h, unsigned max_packets);

/* Sending in batches: take a slot, write the packet into it, push it with its
 * path. Pushing flushes by itself when the batch is full. The slot holds
 * TERN_IO_MAX_PACKET bytes. NULL (and *cap 0) when every slot holds a packet
 * the kernel would not take (EAGAIN): wait for writability. */
uint8_t *tern_io_tx_slot(tern_io *io, size_t *cap);
/* Errors: TERN_EINVAL (len 0 or > cap, no remote address, UDP port 0,
 * family not open, no slot taken). */
int tern_io_tx_push(tern_io *io, const tern_path *path, size_t len);
/* Sends every pushed packet (sendmmsg, GSO runs). Packets the kernel will not
 * take now (EAGAIN) stay queued: TERN_EAGAIN, and tern_io_tx_pending() > 0;
 * wait for tern_io_fds() writability and flush again. Other send errors
 * (unreachable, message too long, ENOBUFS from a full qdisc) drop that
 * packet and count it (dropped_out). Packets to different sockets (IPv4 and
 * IPv6, or different bound addresses) may leave in another order than
 * pushed; packets on one socket keep theirs. */
int tern_io_tx_flush(tern_io *io);
unsigned tern_io_tx_pending(const tern_io *io);

/* The kernel's path MTU toward remote (IP MTU, from IP_MTU / IPV6_MTU on a
 * connected scratch socket, from local when set), at most 65535 (loopback
 * says 65536), or TERN_EIO / TERN_EINVAL. IPv6 link-local remotes are not
 * supported (tern_addr has no scope). */
long tern_io_path_mtu(tern_io *io, const tern_addr *local, const tern_addr *remote);

/* Raw IP: this process owns these SCTP ports; packets to other ports are
 * not delivered (several raw users on one host each see every packet, and
 * must not answer for each other's associations). Owning an owned port
 * again is a no-op (no count). No-op for UDP. Errors: TERN_EINVAL (port 0),
 * TERN_EIO (the kernel filter could not be replaced nor removed). */
int tern_io_own_port(tern_io *io, uint16_t sctp_port);
int tern_io_disown_port(tern_io *io, uint16_t sctp_port);

void tern_io_stats_get(const tern_io *io, tern_io_stats *out);

/* Addresses, shared with api/: tern_addr + port -> sockaddr (its length, 0
 * for a family-less address); whether an address is the wildcard. */
socklen_t tern_io_sockaddr(const tern_addr *a, uint16_t port, struct sockaddr_storage *ss);
bool tern_io_addr_any(const tern_addr *a);

/* The same family and address (ports and scope are not part of tern_addr). */
bool tern_io_addr_eq(const tern_addr *a, const tern_addr *b);

#endif
