/* SCTP over UDP (RFC 6951): the sockets on the encapsulation port, receiving
 * (recvmmsg batches, UDP GRO buffers split into their segments, the
 * datagram's addresses and UDP source port as its path, §5.4) and ICMP
 * errors from the IP_RECVERR error queue (§5.5). Sending is in tx.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <time.h> /* struct timespec, for linux/errqueue.h */
#include <unistd.h>

#include <linux/errqueue.h>
#include <netinet/udp.h>

#include "io/io_internal.h"

static int open_one(tern_io *io, int i, const tern_addr *addr, bool wildcard, uint16_t *port)
{
    tern_io_sock *so = &io->socks[i];
    int af = addr->family == TERN_AF_INET6 ? AF_INET6 : AF_INET;
    int fd = socket(af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
    if (fd < 0) return tern_io_errno(errno);
    so->fd = fd;
    so->family = addr->family;
    so->wildcard = wildcard;
    so->bound = *addr;
    int rc = tern_io_sock_setup(fd, addr->family, &io->cfg, true);
    if (rc != 0) return rc;
    int one = 1; /* IPv6 only, so the IPv4 socket can have the same port */
    if (af == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0)
        return tern_io_errno(errno);
    so->gro = io->cfg.gro && setsockopt(fd, SOL_UDP, UDP_GRO, &one, sizeof one) == 0;
    struct sockaddr_storage ss;
    socklen_t sl = tern_io_sockaddr(addr, *port, &ss);
    if (bind(fd, (struct sockaddr *)&ss, sl) != 0) return tern_io_errno(errno);
    if (*port == 0) {
        sl = sizeof ss;
        tern_addr a;
        if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0 ||
            !tern_io_from_sockaddr(&ss, &a, port))
            return TERN_EIO;
    }
    return 0;
}

static void close_all(tern_io *io)
{
    for (int i = 0; i < IO_MAX_SOCKS; i++) {
        if (io->socks[i].fd >= 0) close(io->socks[i].fd);
        memset(&io->socks[i], 0, sizeof io->socks[i]);
        io->socks[i].fd = -1;
    }
    io->nsocks = io->ndata = 0;
}

/* One socket per bind address (IPv4 first), or one wildcard socket per
 * family. With port 0 the first socket picks the ephemeral port and the
 * others bind to it; if one of them finds it taken, start again. */
int tern_io_udp_open(tern_io *io)
{
    const tern_io_config *cfg = &io->cfg;
    tern_addr plan[IO_MAX_DATA_SOCKS];
    int np = 0;
    bool wildcard = cfg->num_bind_addrs == 0;
    memset(plan, 0, sizeof plan);
    if (wildcard) {
        if (cfg->ipv4) plan[np++].family = TERN_AF_INET;
        if (cfg->ipv6) plan[np++].family = TERN_AF_INET6;
    } else {
        for (int f = 0; f < 2; f++)
            for (unsigned i = 0; i < cfg->num_bind_addrs; i++)
                if (cfg->bind_addrs[i].family == (f == 0 ? TERN_AF_INET : TERN_AF_INET6))
                    plan[np++] = cfg->bind_addrs[i];
    }
    int rc = TERN_EADDRINUSE;
    for (int attempt = 0; attempt < 8; attempt++) {
        uint16_t port = cfg->udp_port;
        int failed = -1;
        for (int i = 0; i < np && failed < 0; i++) {
            rc = open_one(io, i, &plan[i], wildcard || tern_io_addr_any(&plan[i]), &port);
            if (rc != 0) failed = i;
        }
        if (failed < 0) {
            io->nsocks = io->ndata = np;
            io->port = port;
            int zero = 0; /* UDP_SEGMENT known (Linux 4.18): GSO per message */
            io->gso = cfg->gso &&
                      setsockopt(io->socks[0].fd, SOL_UDP, UDP_SEGMENT, &zero, sizeof zero) == 0;
            return 0;
        }
        close_all(io);
        if (rc == TERN_EAFNOSUPPORT && wildcard && np > 1) {
            /* A kernel without IPv6 (or IPv4): the wildcard of the other. */
            plan[failed] = plan[np - 1];
            np--;
            continue;
        }
        /* Retry only when a later socket lost the ephemeral port race. */
        if (rc != TERN_EADDRINUSE || cfg->udp_port != 0 || failed == 0) return rc;
    }
    return rc;
}

unsigned tern_io_udp_deliver(tern_io *io, const tern_io_handler *h, unsigned budget)
{
    unsigned n = 0;
    while (io->rx_i < io->rx_n && n < budget) {
        struct mmsghdr *mm = &io->rx_msgs[io->rx_i];
        const uint8_t *data = io->rx_iov[io->rx_i].iov_base;
        size_t len = mm->msg_len;
        tern_path path;
        int seg;
        memset(&path, 0, sizeof path);
        tern_io_parse_cmsgs(&mm->msg_hdr, &path.local, &seg);
        if ((mm->msg_hdr.msg_flags & MSG_TRUNC) || len == 0 ||
            !tern_io_from_sockaddr(&io->rx_names[io->rx_i], &path.remote, &path.encaps_port)) {
            io->stats.dropped_in++;
            io->rx_i++;
            io->rx_off = 0;
            continue;
        }
        bool gro = seg > 0 && (size_t)seg < len; /* UDP GRO: segments of seg bytes */
        size_t step = gro ? (size_t)seg : len;
        while (io->rx_off < len && n < budget) {
            size_t l = len - io->rx_off < step ? len - io->rx_off : step;
            if (l < 12) { /* RFC 9260 §3.1: not even a common header */
                io->stats.dropped_in++;
                io->rx_off += l;
                continue;
            }
            io->stats.packets_in++;
            io->stats.bytes_in += l;
            io->stats.gro_segments += gro;
            n++;
            size_t off = io->rx_off;
            io->rx_off += l;
            h->packet(h->arg, &path, data + off, l);
        }
        if (io->rx_off >= len) {
            io->rx_i++;
            io->rx_off = 0;
        }
    }
    if (io->rx_i >= io->rx_n) io->rx_n = 0;
    return n;
}

/* RFC 6951 §5.5: port unreachable means nobody decapsulates there, the
 * protocol unreachable of plain SCTP; Packet Too Big / fragmentation needed
 * carry the MTU in ee_info. */
static void errq_one(tern_io *io, struct mmsghdr *mm, const tern_io_handler *h)
{
    struct msghdr *m = &mm->msg_hdr;
    struct sock_extended_err ee;
    bool have = false;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c != NULL; c = CMSG_NXTHDR(m, c)) {
        if (((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR) ||
             (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR)) &&
            c->cmsg_len >= CMSG_LEN(sizeof ee)) {
            memcpy(&ee, CMSG_DATA(c), sizeof ee);
            have = true;
        }
    }
    /* Local errors (EMSGSIZE above the interface MTU) carry no packet: the
     * failed send already counted it. */
    if (!have || (ee.ee_origin != SO_EE_ORIGIN_ICMP && ee.ee_origin != SO_EE_ORIGIN_ICMP6)) return;
    tern_icmp icmp;
    tern_path path;
    int seg;
    memset(&icmp, 0, sizeof icmp);
    memset(&path, 0, sizeof path);
    icmp.type = ee.ee_type;
    icmp.code = ee.ee_code;
    icmp.kind = TERN_ICMP_OTHER;
    if (ee.ee_origin == SO_EE_ORIGIN_ICMP) {
        if (ee.ee_type == 3 && ee.ee_code == 4)
            icmp.kind = TERN_ICMP_FRAG_NEEDED;
        else if (ee.ee_type == 3 && ee.ee_code == 3)
            icmp.kind = TERN_ICMP_PROTO_UNREACH;
    } else {
        if (ee.ee_type == 2)
            icmp.kind = TERN_ICMP_FRAG_NEEDED;
        else if (ee.ee_type == 1 && ee.ee_code == 4)
            icmp.kind = TERN_ICMP_PROTO_UNREACH;
    }
    if (icmp.kind == TERN_ICMP_FRAG_NEEDED) icmp.mtu = ee.ee_info;
    /* The ICMP came to the offending packet's source: its pktinfo is our
     * address; msg_name is where the packet went (address, UDP port). */
    tern_io_parse_cmsgs(m, &path.local, &seg);
    if (!tern_io_from_sockaddr(m->msg_name, &path.remote, &path.encaps_port)) return;
    icmp.sctp = m->msg_iov[0].iov_base;
    icmp.len = mm->msg_len;
    io->stats.icmp_in++;
    if (h->icmp != NULL) h->icmp(h->arg, &path, &icmp);
}

int tern_io_udp_errqueue(tern_io *io, int s, const tern_io_handler *h)
{
    struct mmsghdr msgs[IO_ERRQ_SLOTS];
    struct iovec iov[IO_ERRQ_SLOTS];
    struct sockaddr_storage names[IO_ERRQ_SLOTS];
    tern_io_cmsg cm[IO_ERRQ_SLOTS];
    int total = 0;
    io->socks[s].errq = false;
    for (int iter = 0; iter < 16; iter++) {
        memset(msgs, 0, sizeof msgs);
        for (int i = 0; i < IO_ERRQ_SLOTS; i++) {
            iov[i].iov_base = io->errq_buf[i];
            iov[i].iov_len = sizeof io->errq_buf[i];
            msgs[i].msg_hdr.msg_name = &names[i];
            msgs[i].msg_hdr.msg_namelen = sizeof names[i];
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
            msgs[i].msg_hdr.msg_control = cm[i].buf;
            msgs[i].msg_hdr.msg_controllen = sizeof cm[i].buf;
        }
        int r = recvmmsg(io->socks[s].fd, msgs, IO_ERRQ_SLOTS, MSG_ERRQUEUE | MSG_DONTWAIT, NULL);
        io->stats.recv_calls++;
        if (r <= 0) break;
        for (int i = 0; i < r; i++)
            errq_one(io, &msgs[i], h);
        total += r;
        if (r < IO_ERRQ_SLOTS) break;
    }
    return total;
}
