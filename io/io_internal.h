/* Internals of the transports (io/transport.h): the state a tern_io keeps
 * and the functions its files share. Only io/ sources and tests/io/ include it. */
#ifndef TERN_IO_INTERNAL_H
#define TERN_IO_INTERNAL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "io/transport.h"

#define IO_RX_SLOTS       64    /* datagrams per recvmmsg */
#define IO_RX_SLOT_SIZE   65536 /* a GRO buffer holds up to 64 KiB */
#define IO_TX_SLOTS       64    /* packets per sendmmsg batch */
#define IO_ERRQ_SLOTS     8     /* error-queue entries per read */
#define IO_ERRQ_SLOT_SIZE 1536  /* ICMP quotes at most 576 (v4) / 1280 (v6) bytes */
#define IO_CMSG_SIZE      128   /* pktinfo + UDP_SEGMENT/UDP_GRO, or an extended error */
#define IO_MAX_DATA_SOCKS TERN_MAX_LOCAL_ADDRS
#define IO_MAX_SOCKS      (IO_MAX_DATA_SOCKS + 2) /* + the ICMP sockets of raw IP */
#define IO_GSO_MAX_SEGS   64                      /* UDP_MAX_SEGMENTS of kernels before 6.x */
#define IO_GSO_MAX_BYTES  65507                   /* largest UDP payload of one IPv4 datagram */
#define IO_BPF_MAX_RANGES 1024 /* more port ranges: no kernel filter, user space only */

#define IO_ROUTE_SLOTS 16 /* destinations whose route source is cached (route.c) */
#define IO_ROUTE_TTL   TERN_SEC(1)

/* A destination's source address by the host's routing, as of `at`. */
typedef struct tern_io_route {
    tern_addr dst, src;
    tern_time at; /* 0: empty */
    bool ok;      /* false: no route (src unset) */
} tern_io_route;

typedef union tern_io_cmsg {
    struct cmsghdr align;
    char buf[IO_CMSG_SIZE];
} tern_io_cmsg;

typedef struct tern_io_sock {
    int fd;
    uint8_t family; /* TERN_AF_INET or TERN_AF_INET6 */
    bool icmp;      /* raw IP: an ICMP / ICMPv6 socket */
    bool gro;       /* UDP_GRO is on */
    bool wildcard;  /* bound to the wildcard address (else to `bound`) */
    bool errq;      /* UDP: the error queue may hold something */
    tern_addr bound;
} tern_io_sock;

struct tern_io {
    tern_io_config cfg;
    uint16_t port; /* UDP: the bound encapsulation port */
    tern_io_sock socks[IO_MAX_SOCKS];
    int nsocks; /* data sockets first, then ICMP sockets */
    int ndata;
    bool gso;             /* UDP_SEGMENT usable */
    unsigned gso_einval;  /* GSO sends refused with EINVAL in a row */
    bool kfilter;         /* raw IP: port filter in the kernel (BPF) */
    bool dst_filter;      /* raw IP: several bind addresses, checked in user space */
    uint64_t ports[1024]; /* raw IP: owned SCTP ports, one bit each */

    /* Receiving: one batch of datagrams, and where delivery stopped. */
    uint8_t *rx_buf;
    struct mmsghdr rx_msgs[IO_RX_SLOTS];
    struct iovec rx_iov[IO_RX_SLOTS];
    struct sockaddr_storage rx_names[IO_RX_SLOTS];
    tern_io_cmsg rx_cmsg[IO_RX_SLOTS];
    int rx_sock, rx_n, rx_i; /* batch from socks[rx_sock]: rx_n messages, next rx_i */
    size_t rx_off;           /* offset in message rx_i (GRO segments) */
    unsigned rx_start;       /* the socket tern_io_recv starts with (round robin) */
    uint8_t errq_buf[IO_ERRQ_SLOTS][IO_ERRQ_SLOT_SIZE];

    /* Sending: queued packets in order; slot pointers move, bytes do not. */
    uint8_t *tx_buf;
    uint8_t *tx_slot[IO_TX_SLOTS];
    tern_path tx_path[IO_TX_SLOTS];
    uint32_t tx_len[IO_TX_SLOTS];
    unsigned tx_count;
    struct mmsghdr tx_msgs[IO_TX_SLOTS];
    struct iovec tx_iov[IO_TX_SLOTS];
    struct sockaddr_storage tx_names[IO_TX_SLOTS];
    tern_io_cmsg tx_cmsg[IO_TX_SLOTS];
    uint8_t tx_done[IO_TX_SLOTS];

    tern_io_stats stats;

    /* route.c: a probe socket per family (IPv4, IPv6; -1: none), opened
     * when several addresses of that family are bound; its answers. */
    int route_fd[2];
    tern_io_route routes[IO_ROUTE_SLOTS];
    unsigned route_next;
};

/* addr.c: tern_addr <-> sockaddr, pktinfo control messages. */
bool tern_io_from_sockaddr(const struct sockaddr_storage *ss, tern_addr *a, uint16_t *port);
bool tern_io_path_eq(const tern_path *a, const tern_path *b);
/* Appends an IP_PKTINFO / IPV6_PKTINFO (source address) at cmsg; returns its space. */
size_t tern_io_put_pktinfo(struct cmsghdr *c, const tern_addr *src);
/* The destination address (pktinfo) and GRO segment size (0: none) of a
 * received message. */
void tern_io_parse_cmsgs(struct msghdr *m, tern_addr *dst, int *gro_size);

/* route.c: the source the host's routing picks for dst (a cached probe);
 * false when there is no route or no probe (fewer than two addresses of its
 * family bound). tern_io_route_open opens the probes the bind addresses
 * need (in the caller's network namespace); errors: as socket(). */
int tern_io_route_open(tern_io *io);
void tern_io_route_close(tern_io *io);
bool tern_io_route_src(tern_io *io, const tern_addr *dst, tern_addr *src);

/* sock.c: socket options shared by both transports; errno -> TERN_E*. */
int tern_io_errno(int e);
int tern_io_sock_setup(int fd, uint8_t family, const tern_io_config *cfg, bool recverr);
void tern_io_sock_clear_error(int fd);

/* udp.c / raw.c: open the sockets; receive from one socket. */
int tern_io_udp_open(tern_io *io);
int tern_io_raw_open(tern_io *io);
int tern_io_udp_errqueue(tern_io *io, int s, const tern_io_handler *h);
/* The packets of the current batch (io->rx_*), at most budget; returns how
 * many were delivered. */
unsigned tern_io_udp_deliver(tern_io *io, const tern_io_handler *h, unsigned budget);
unsigned tern_io_raw_deliver(tern_io *io, const tern_io_handler *h, unsigned budget);
void tern_io_icmp_deliver(tern_io *io, const tern_io_handler *h);
bool tern_io_port_owned(const tern_io *io, uint16_t port);

/* icmp.c: an ICMP error as read from a raw ICMP socket (IPv4: from the IP
 * header on; ICMPv6: from the ICMPv6 header on). Returns true when it quotes
 * an SCTP packet: path is that packet's path, icmp->sctp points into buf,
 * *sport is its (our) source port. Exposed for tests with crafted bytes. */
bool tern_io_icmp_parse(uint8_t family, const uint8_t *buf, size_t len, tern_path *path,
                        tern_icmp *icmp, uint16_t *sport);

/* bpf.c: (re)attach the port filters of raw IP to every raw socket. */
int tern_io_bpf_update(tern_io *io);

/* For tests: turn the kernel's port filter off (user space still filters,
 * and counts filtered_in) or on again. */
int tern_io_set_kernel_filter(tern_io *io, bool on);

#endif
