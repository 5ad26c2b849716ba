/* SCTP directly over IP, protocol 132 (RFC 9260 §3; needs root or
 * CAP_NET_RAW). Raw sockets see every SCTP packet that reaches the host, so
 * several raw users each see the others' packets: only those to ports this
 * process owns are delivered — filtered in the kernel (bpf.c) and again here
 * (filtered_in). IPv4 packets arrive with their IP header; IPv6 ones without
 * (addresses from msg_name and IPV6_PKTINFO). Sending lets the kernel build
 * the IP header (no IP_HDRINCL); the source address goes in a pktinfo. ICMP
 * errors come from raw ICMP sockets (icmp.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <linux/icmp.h>
#include <netinet/icmp6.h>

#include "io/io_internal.h"

#ifndef IPPROTO_SCTP
#define IPPROTO_SCTP 132
#endif

static int add_sock(tern_io *io, int af, int proto, uint8_t family, bool icmp)
{
    int fd = socket(af, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
    if (fd < 0) return errno == EPERM || errno == EACCES ? TERN_EPERM : tern_io_errno(errno);
    tern_io_sock *so = &io->socks[io->nsocks++];
    so->fd = fd;
    so->family = family;
    so->icmp = icmp;
    so->wildcard = true;
    so->bound.family = family;
    return 0;
}

/* The raw socket of one family, bound when exactly one local address of
 * that family was asked for; with several, user space checks them. */
static int open_data(tern_io *io, uint8_t family)
{
    const tern_io_config *cfg = &io->cfg;
    const tern_addr *only = NULL;
    unsigned count = 0;
    for (unsigned i = 0; i < cfg->num_bind_addrs; i++) {
        if (cfg->bind_addrs[i].family == family) {
            only = &cfg->bind_addrs[i];
            count++;
        }
    }
    if (cfg->num_bind_addrs > 0 && count == 0) return 0; /* addresses given, none of this family */
    int rc = add_sock(io, family == TERN_AF_INET ? AF_INET : AF_INET6, IPPROTO_SCTP, family, false);
    if (rc != 0) return rc;
    tern_io_sock *so = &io->socks[io->nsocks - 1];
    io->ndata = io->nsocks;
    rc = tern_io_bpf_update(io); /* no port owned yet: drop everything */
    /* IPv6: without IPV6_RECVERR Linux's rawv6_err ignores Packet Too Big,
     * and the kernel's path MTU (tern_io_path_mtu) would not learn it. The
     * error queue this fills is drained and dropped: the ICMPv6 socket
     * reports. */
    if (rc == 0) rc = tern_io_sock_setup(so->fd, family, cfg, family == TERN_AF_INET6);
    if (rc != 0) return rc;
    if (count == 1 && !tern_io_addr_any(only)) {
        struct sockaddr_storage ss;
        socklen_t sl = tern_io_sockaddr(only, 0, &ss);
        if (bind(so->fd, (struct sockaddr *)&ss, sl) != 0) return tern_io_errno(errno);
        so->wildcard = false;
        so->bound = *only;
    } else if (count > 1) {
        io->dst_filter = true;
    }
    return 0;
}

static int open_icmp(tern_io *io, uint8_t family)
{
    bool v4 = family == TERN_AF_INET;
    int rc =
        add_sock(io, v4 ? AF_INET : AF_INET6, v4 ? IPPROTO_ICMP : IPPROTO_ICMPV6, family, true);
    if (rc != 0) return rc;
    int fd = io->socks[io->nsocks - 1].fd;
    if (v4) { /* only Destination Unreachable (RFC 792) */
        struct icmp_filter f = {.data = ~(1u << 3)};
        if (setsockopt(fd, SOL_RAW, ICMP_FILTER, &f, sizeof f) != 0) return tern_io_errno(errno);
    } else { /* RFC 4443 §3.1, §3.2, §3.4 */
        struct icmp6_filter f;
        ICMP6_FILTER_SETBLOCKALL(&f);
        ICMP6_FILTER_SETPASS(ICMP6_DST_UNREACH, &f);
        ICMP6_FILTER_SETPASS(ICMP6_PACKET_TOO_BIG, &f);
        ICMP6_FILTER_SETPASS(ICMP6_PARAM_PROB, &f);
        if (setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof f) != 0)
            return tern_io_errno(errno);
    }
    if (io->cfg.rcvbuf > 0 &&
        setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &io->cfg.rcvbuf, sizeof io->cfg.rcvbuf) != 0)
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &io->cfg.rcvbuf, sizeof io->cfg.rcvbuf);
    return 0;
}

int tern_io_raw_open(tern_io *io)
{
    io->kfilter = true;
    int rc = 0;
    if (io->cfg.ipv4) rc = open_data(io, TERN_AF_INET);
    if (rc == 0 && io->cfg.ipv6) {
        rc = open_data(io, TERN_AF_INET6);
        /* A kernel without IPv6 (socket() failed, nothing was added): IPv4 alone. */
        if (rc == TERN_EAFNOSUPPORT && io->ndata > 0 && io->cfg.num_bind_addrs == 0) rc = 0;
    }
    int ndata = io->ndata;
    for (int s = 0; rc == 0 && s < ndata; s++)
        rc = open_icmp(io, io->socks[s].family);
    if (rc == 0) rc = tern_io_bpf_update(io);
    return rc;
}

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static bool dst_allowed(const tern_io *io, const tern_addr *dst)
{
    if (!io->dst_filter) return true;
    for (unsigned i = 0; i < io->cfg.num_bind_addrs; i++)
        if (tern_io_addr_eq(&io->cfg.bind_addrs[i], dst)) return true;
    return false;
}

unsigned tern_io_raw_deliver(tern_io *io, const tern_io_handler *h, unsigned budget)
{
    const tern_io_sock *so = &io->socks[io->rx_sock];
    unsigned n = 0;
    while (io->rx_i < io->rx_n && n < budget) {
        struct mmsghdr *mm = &io->rx_msgs[io->rx_i];
        const uint8_t *data = io->rx_iov[io->rx_i].iov_base;
        size_t len = mm->msg_len;
        io->rx_i++;
        tern_path path;
        memset(&path, 0, sizeof path);
        const uint8_t *sctp = data;
        size_t slen = len;
        bool ok = !(mm->msg_hdr.msg_flags & MSG_TRUNC);
        if (ok && so->family == TERN_AF_INET) {
            /* RFC 791 §3.1: version, IHL, total length; addresses */
            size_t ihl = len >= 20 ? (size_t)(data[0] & 0xf) * 4 : 0;
            size_t tot = len >= 20 ? be16(data + 2) : 0;
            ok = len >= 20 && (data[0] >> 4) == 4 && ihl >= 20 && tot >= ihl && tot <= len;
            if (ok) {
                path.remote.family = path.local.family = TERN_AF_INET;
                memcpy(path.remote.ip, data + 12, 4);
                memcpy(path.local.ip, data + 16, 4);
                sctp = data + ihl;
                slen = tot - ihl;
            }
        } else if (ok) {
            int seg;
            uint16_t port;
            tern_io_parse_cmsgs(&mm->msg_hdr, &path.local, &seg);
            ok = tern_io_from_sockaddr(&io->rx_names[io->rx_i - 1], &path.remote, &port);
        }
        if (!ok || slen < 12) { /* RFC 9260 §3.1: the common header is 12 bytes */
            io->stats.dropped_in++;
            continue;
        }
        if (!tern_io_port_owned(io, be16(sctp + 2)) || !dst_allowed(io, &path.local)) {
            io->stats.filtered_in++;
            continue;
        }
        io->stats.packets_in++;
        io->stats.bytes_in += slen;
        n++;
        h->packet(h->arg, &path, sctp, slen);
    }
    if (io->rx_i >= io->rx_n) io->rx_n = 0;
    return n;
}
