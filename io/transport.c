/* The transports' common part (io/transport.h): configuration, opening and
 * closing, the receive loop over every socket (poll once, then recvmmsg
 * batches: never one syscall per packet), port ownership for raw IP, path
 * MTU queries and statistics. UDP encapsulation (RFC 6951) is in udp.c, raw
 * IP in raw.c, sending in tx.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/io_internal.h"

void tern_io_config_default(tern_io_config *cfg)
{
    if (cfg == NULL) return;
    memset(cfg, 0, sizeof *cfg);
    cfg->kind = TERN_IO_UDP;
    cfg->udp_port = TERN_IO_UDP_PORT_DEFAULT; /* RFC 6951 §5.1 */
    cfg->ipv4 = true;
    cfg->ipv6 = true;
    cfg->gso = true;
    cfg->gro = true;
}

static int check_config(const tern_io_config *cfg)
{
    if (cfg->kind != TERN_IO_UDP && cfg->kind != TERN_IO_RAW) return TERN_EINVAL;
    if (!cfg->ipv4 && !cfg->ipv6) return TERN_EINVAL;
    if (cfg->num_bind_addrs > TERN_MAX_LOCAL_ADDRS || cfg->sndbuf < 0 || cfg->rcvbuf < 0)
        return TERN_EINVAL;
    for (unsigned i = 0; i < cfg->num_bind_addrs; i++) {
        const tern_addr *a = &cfg->bind_addrs[i];
        if (a->family == TERN_AF_INET ? !cfg->ipv4 : a->family == TERN_AF_INET6 ? !cfg->ipv6 : 1)
            return TERN_EINVAL;
        for (unsigned j = 0; j < i; j++)
            if (tern_io_addr_eq(a, &cfg->bind_addrs[j])) return TERN_EINVAL;
    }
    return 0;
}

int tern_io_open(const tern_io_config *cfg, tern_io **out)
{
    if (cfg == NULL || out == NULL) return TERN_EINVAL;
    int rc = check_config(cfg);
    if (rc != 0) return rc;
    tern_io *io = calloc(1, sizeof *io);
    if (io == NULL) return TERN_ENOMEM;
    io->cfg = *cfg;
    for (int i = 0; i < IO_MAX_SOCKS; i++)
        io->socks[i].fd = -1;
    io->route_fd[0] = io->route_fd[1] = -1;
    /* Large, but the pages a slot never uses are never touched. */
    io->rx_buf = malloc((size_t)IO_RX_SLOTS * IO_RX_SLOT_SIZE);
    io->tx_buf = malloc((size_t)IO_TX_SLOTS * TERN_IO_MAX_PACKET);
    if (io->rx_buf == NULL || io->tx_buf == NULL) {
        tern_io_close(io);
        return TERN_ENOMEM;
    }
    for (int i = 0; i < IO_TX_SLOTS; i++)
        io->tx_slot[i] = io->tx_buf + (size_t)i * TERN_IO_MAX_PACKET;
    rc = cfg->kind == TERN_IO_UDP ? tern_io_udp_open(io) : tern_io_raw_open(io);
    if (rc == 0) rc = tern_io_route_open(io);
    if (rc != 0) {
        tern_io_close(io);
        return rc;
    }
    *out = io;
    return 0;
}

void tern_io_close(tern_io *io)
{
    if (io == NULL) return;
    for (int i = 0; i < IO_MAX_SOCKS; i++)
        if (io->socks[i].fd >= 0) close(io->socks[i].fd);
    tern_io_route_close(io);
    free(io->rx_buf);
    free(io->tx_buf);
    free(io);
}

tern_io_kind tern_io_get_kind(const tern_io *io)
{
    return io->cfg.kind;
}

uint16_t tern_io_udp_port(const tern_io *io)
{
    return io != NULL && io->cfg.kind == TERN_IO_UDP ? io->port : 0;
}

int tern_io_fds(const tern_io *io, int *fds, int max)
{
    if (io == NULL || (fds == NULL && max > 0)) return TERN_EINVAL;
    int n = 0;
    for (int i = 0; i < io->nsocks && n < max; i++)
        fds[n++] = io->socks[i].fd;
    return n;
}

/* Prepares the first `want` receive slots: msg_namelen and msg_controllen
 * are value-result fields. */
static void rx_prepare(tern_io *io, unsigned want)
{
    for (unsigned i = 0; i < want; i++) {
        struct msghdr *m = &io->rx_msgs[i].msg_hdr;
        io->rx_iov[i].iov_base = io->rx_buf + (size_t)i * IO_RX_SLOT_SIZE;
        io->rx_iov[i].iov_len = IO_RX_SLOT_SIZE;
        m->msg_name = &io->rx_names[i];
        m->msg_namelen = sizeof io->rx_names[i];
        m->msg_iov = &io->rx_iov[i];
        m->msg_iovlen = 1;
        m->msg_control = io->rx_cmsg[i].buf;
        m->msg_controllen = sizeof io->rx_cmsg[i].buf;
        m->msg_flags = 0;
        io->rx_msgs[i].msg_len = 0;
    }
}

static unsigned deliver(tern_io *io, const tern_io_handler *h, unsigned budget)
{
    return io->cfg.kind == TERN_IO_UDP ? tern_io_udp_deliver(io, h, budget)
                                       : tern_io_raw_deliver(io, h, budget);
}

/* recvmmsg batches from data socket s until it is empty or the budget is
 * spent. Returns the packets delivered, or TERN_EIO. */
static int read_data(tern_io *io, int s, const tern_io_handler *h, unsigned budget)
{
    unsigned n = 0;
    for (int iter = 0; n < budget && iter < 64; iter++) {
        unsigned want = budget - n < IO_RX_SLOTS ? budget - n : IO_RX_SLOTS;
        rx_prepare(io, want);
        int r = recvmmsg(io->socks[s].fd, io->rx_msgs, want, MSG_DONTWAIT, NULL);
        io->stats.recv_calls++;
        if (r < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOMEM || errno == ENOBUFS)
                break;
            if (errno == EBADF || errno == EFAULT || errno == EINVAL || errno == ENOTSOCK)
                return TERN_EIO;
            /* EINTR, or an ICMP error reported once through sk_err: its
             * details wait in the error queue (UDP). */
            io->socks[s].errq = true;
            continue;
        }
        io->rx_sock = s;
        io->rx_n = r;
        io->rx_i = 0;
        io->rx_off = 0;
        n += deliver(io, h, budget - n);
        if (io->rx_n > 0 || (unsigned)r < want)
            break; /* budget spent mid-batch, or the queue is drained */
    }
    return (int)n;
}

static void read_icmp(tern_io *io, int s, const tern_io_handler *h)
{
    for (int iter = 0; iter < 4; iter++) {
        rx_prepare(io, IO_RX_SLOTS);
        int r = recvmmsg(io->socks[s].fd, io->rx_msgs, IO_RX_SLOTS, MSG_DONTWAIT, NULL);
        io->stats.recv_calls++;
        if (r <= 0) return;
        io->rx_sock = s;
        io->rx_n = r;
        io->rx_i = 0;
        io->rx_off = 0;
        tern_io_icmp_deliver(io, h);
        if (r < IO_RX_SLOTS) return;
    }
}

/* Raw IP: the error queue of a data socket only feeds the kernel's path
 * MTU; the ICMP sockets report. */
static void discard_errqueue(tern_io *io, int s)
{
    struct mmsghdr msgs[IO_ERRQ_SLOTS];
    struct iovec iov[IO_ERRQ_SLOTS];
    for (int iter = 0; iter < 16; iter++) {
        memset(msgs, 0, sizeof msgs);
        for (int i = 0; i < IO_ERRQ_SLOTS; i++) {
            iov[i].iov_base = io->errq_buf[i];
            iov[i].iov_len = sizeof io->errq_buf[i];
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
        }
        int r = recvmmsg(io->socks[s].fd, msgs, IO_ERRQ_SLOTS, MSG_ERRQUEUE | MSG_DONTWAIT, NULL);
        io->stats.recv_calls++;
        if (r < IO_ERRQ_SLOTS) return;
    }
}

int tern_io_recv(tern_io *io, const tern_io_handler *h, unsigned max_packets)
{
    if (io == NULL || h == NULL || h->packet == NULL) return TERN_EINVAL;
    unsigned n = 0;
    if (io->rx_n > 0) { /* the rest of a batch a smaller budget left behind */
        n += deliver(io, h, max_packets);
        if (io->rx_n > 0 || n >= max_packets) return (int)n;
    }
    if (max_packets == 0) return 0;
    /* One poll tells which sockets have data (POLLIN) or errors (POLLERR). */
    struct pollfd pfd[IO_MAX_SOCKS];
    for (int i = 0; i < io->nsocks; i++) {
        pfd[i].fd = io->socks[i].fd;
        pfd[i].events = POLLIN;
        pfd[i].revents = 0;
    }
    int pr = poll(pfd, (nfds_t)io->nsocks, 0);
    io->stats.recv_calls++;
    if (pr < 0) return errno == EINTR || errno == ENOMEM ? (int)n : TERN_EIO;
    /* Round robin: a flooded socket cannot starve the others of the budget. */
    int start = io->rx_start++ % io->nsocks;
    for (int k = 0; k < io->nsocks; k++) {
        int s = (start + k) % io->nsocks;
        tern_io_sock *so = &io->socks[s];
        if (so->icmp) {
            if (pfd[s].revents & POLLIN) read_icmp(io, s, h);
            if (pfd[s].revents & POLLERR) tern_io_sock_clear_error(so->fd);
            continue;
        }
        if (pfd[s].revents & POLLERR) {
            if (io->cfg.kind == TERN_IO_UDP) {
                if (tern_io_udp_errqueue(io, s, h) == 0) tern_io_sock_clear_error(so->fd);
            } else {
                discard_errqueue(io, s);
                tern_io_sock_clear_error(so->fd);
            }
        }
        if ((pfd[s].revents & POLLIN) && n < max_packets) {
            int r = read_data(io, s, h, max_packets - n);
            if (r < 0) return n > 0 ? (int)n : r;
            n += (unsigned)r;
            if (io->rx_n > 0) return (int)n; /* budget spent */
        }
        if (so->errq && io->cfg.kind == TERN_IO_UDP) tern_io_udp_errqueue(io, s, h);
    }
    return (int)n;
}

bool tern_io_port_owned(const tern_io *io, uint16_t port)
{
    return (io->ports[port >> 6] >> (port & 63)) & 1;
}

static int set_owned(tern_io *io, uint16_t port, bool own)
{
    if (io == NULL || port == 0) return TERN_EINVAL;
    if (io->cfg.kind != TERN_IO_RAW) return 0;
    uint64_t bit = (uint64_t)1 << (port & 63);
    uint64_t old = io->ports[port >> 6];
    io->ports[port >> 6] = own ? old | bit : old & ~bit;
    if (io->ports[port >> 6] == old) return 0;
    return tern_io_bpf_update(io);
}

int tern_io_own_port(tern_io *io, uint16_t sctp_port)
{
    return set_owned(io, sctp_port, true);
}

int tern_io_disown_port(tern_io *io, uint16_t sctp_port)
{
    return set_owned(io, sctp_port, false);
}

void tern_io_stats_get(const tern_io *io, tern_io_stats *out)
{
    if (io != NULL && out != NULL) *out = io->stats;
}

/* The IP MTU the kernel knows toward remote (interface MTU, or a smaller
 * path MTU it learned), read from a connected scratch UDP socket. */
long tern_io_path_mtu(tern_io *io, const tern_addr *local, const tern_addr *remote)
{
    if (io == NULL || remote == NULL ||
        (remote->family != TERN_AF_INET && remote->family != TERN_AF_INET6) ||
        (local != NULL && local->family != TERN_AF_NONE && local->family != remote->family))
        return TERN_EINVAL;
    bool v6 = remote->family == TERN_AF_INET6;
    int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
    if (fd < 0) return TERN_EIO;
    struct sockaddr_storage ss;
    socklen_t sl;
    long rc = TERN_EIO;
    if (local != NULL && local->family != TERN_AF_NONE) {
        sl = tern_io_sockaddr(local, 0, &ss);
        if (bind(fd, (struct sockaddr *)&ss, sl) != 0) goto out;
    }
    sl = tern_io_sockaddr(remote, TERN_IO_UDP_PORT_DEFAULT, &ss);
    if (connect(fd, (struct sockaddr *)&ss, sl) != 0) goto out;
    int mtu = 0;
    socklen_t ml = sizeof mtu;
    if (getsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_MTU : IP_MTU, &mtu, &ml) != 0 ||
        mtu <= 0)
        goto out;
    rc = mtu > 65535 ? 65535 : mtu; /* loopback says 65536; an IP packet has 16 length bits */
out:
    close(fd);
    return rc;
}
