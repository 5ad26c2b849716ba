/* Sending in batches (io/transport.h): packets are queued in slots and go
 * out with one sendmmsg per socket. For UDP (RFC 6951 §5.3), a run of
 * packets with the same path and the same size (the last may be shorter)
 * becomes one message with a UDP_SEGMENT control message: the kernel (or the
 * NIC) cuts it into datagrams (GSO). If the kernel refuses a GSO message
 * (EIO: the route cannot checksum-offload; EINVAL; EMSGSIZE: segments above
 * the interface MTU) that run is sent again as separate datagrams, the rest
 * of the batch keeps GSO; GSO is turned off for good on EIO, or after three
 * runs refused with EINVAL whose first packet then went alone (so GSO, not
 * e.g. a stale source address, was the problem) without a GSO success
 * between them. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include <netinet/udp.h>

#include "io/io_internal.h"

/* The data socket a packet leaves from: the one bound to its local address,
 * else a wildcard one of its family; else, with only specific addresses
 * bound, the one the host's routing picks for its destination (route.c);
 * else the first of its family. */
static int pick_sock(tern_io *io, const tern_path *p)
{
    int pick = -1, n = 0;
    for (int s = 0; s < io->ndata; s++) {
        const tern_io_sock *so = &io->socks[s];
        if (so->family != p->remote.family) continue;
        if (p->local.family != TERN_AF_NONE && !so->wildcard &&
            tern_io_addr_eq(&so->bound, &p->local))
            return s;
        n++;
        if (pick < 0 || (so->wildcard && !io->socks[pick].wildcard)) pick = s;
    }
    tern_addr src;
    if (n > 1 && !io->socks[pick].wildcard && p->local.family == TERN_AF_NONE &&
        tern_io_route_src(io, &p->remote, &src))
        for (int s = 0; s < io->ndata; s++)
            if (io->socks[s].family == src.family && tern_io_addr_eq(&io->socks[s].bound, &src))
                return s;
    return pick;
}

/* Raw IP with several addresses bound (one unbound socket): a packet whose
 * path names no source leaves from the routing's choice when it is one of
 * them, else from the first of its family (never from an address the peer
 * was not told of). false: no route (the send reports it). */
static bool raw_source(tern_io *io, const tern_addr *dst, tern_addr *src)
{
    if (!tern_io_route_src(io, dst, src)) return false;
    const tern_addr *first = NULL;
    for (unsigned i = 0; i < io->cfg.num_bind_addrs; i++) {
        const tern_addr *b = &io->cfg.bind_addrs[i];
        if (b->family != dst->family) continue;
        if (tern_io_addr_eq(b, src)) return true;
        if (!first) first = b;
    }
    if (first) *src = *first;
    return first != NULL;
}

uint8_t *tern_io_tx_slot(tern_io *io, size_t *cap)
{
    if (io == NULL) return NULL;
    if (io->tx_count == IO_TX_SLOTS) (void)tern_io_tx_flush(io);
    if (io->tx_count == IO_TX_SLOTS) {
        if (cap != NULL) *cap = 0;
        return NULL; /* every slot holds a packet the kernel would not take */
    }
    if (cap != NULL) *cap = TERN_IO_MAX_PACKET;
    return io->tx_slot[io->tx_count];
}

int tern_io_tx_push(tern_io *io, const tern_path *path, size_t len)
{
    if (io == NULL || path == NULL || len == 0 || len > TERN_IO_MAX_PACKET ||
        io->tx_count == IO_TX_SLOTS)
        return TERN_EINVAL;
    if (path->remote.family != TERN_AF_INET && path->remote.family != TERN_AF_INET6)
        return TERN_EINVAL;
    if (path->local.family != TERN_AF_NONE && path->local.family != path->remote.family)
        return TERN_EINVAL;
    if (io->cfg.kind == TERN_IO_UDP && path->encaps_port == 0)
        return TERN_EINVAL;                          /* no UDP port to send to */
    if (pick_sock(io, path) < 0) return TERN_EINVAL; /* family not open */
    io->tx_path[io->tx_count] = *path;
    io->tx_len[io->tx_count] = (uint32_t)len;
    io->tx_count++;
    if (io->tx_count == IO_TX_SLOTS) (void)tern_io_tx_flush(io); /* EAGAIN: it stays queued */
    return 0;
}

unsigned tern_io_tx_pending(const tern_io *io)
{
    return io != NULL ? io->tx_count : 0;
}

/* Messages for order[j..n): runs of equal packets become one GSO message,
 * except packets marked solo (a run the kernel refused). first[m], cnt[m]:
 * the packets (positions in order[]) of message m. */
static unsigned build(tern_io *io, int s, const uint8_t *order, unsigned j, unsigned n, bool gso,
                      const uint8_t *solo, uint8_t *first, uint8_t *cnt)
{
    const tern_io_sock *so = &io->socks[s];
    bool raw = io->cfg.kind == TERN_IO_RAW;
    unsigned nm = 0;
    while (j < n) {
        unsigned i = order[j];
        const tern_path *p = &io->tx_path[i];
        unsigned run = 1;
        size_t total = io->tx_len[i];
        while (gso && !solo[j] && j + run < n && !solo[j + run] && run < IO_GSO_MAX_SEGS) {
            unsigned k = order[j + run];
            if (io->tx_len[k] > io->tx_len[i] || total + io->tx_len[k] > IO_GSO_MAX_BYTES ||
                !tern_io_path_eq(&io->tx_path[k], p))
                break;
            total += io->tx_len[k];
            run++;
            if (io->tx_len[k] < io->tx_len[i]) break; /* a shorter packet ends the run */
        }
        for (unsigned r = 0; r < run; r++) {
            io->tx_iov[j + r].iov_base = io->tx_slot[order[j + r]];
            io->tx_iov[j + r].iov_len = io->tx_len[order[j + r]];
        }
        struct msghdr *m = &io->tx_msgs[nm].msg_hdr;
        char *cb = io->tx_cmsg[nm].buf;
        memset(m, 0, sizeof *m);
        memset(cb, 0, sizeof io->tx_cmsg[nm].buf);
        m->msg_name = &io->tx_names[nm];
        m->msg_namelen = tern_io_sockaddr(&p->remote, raw ? 0 : p->encaps_port, &io->tx_names[nm]);
        m->msg_iov = &io->tx_iov[j];
        m->msg_iovlen = run;
        m->msg_control = cb;
        m->msg_controllen = sizeof io->tx_cmsg[nm].buf;
        size_t cl = 0;
        struct cmsghdr *c = CMSG_FIRSTHDR(m);
        tern_addr src;
        if (p->local.family != TERN_AF_NONE &&
            (so->wildcard || !tern_io_addr_eq(&so->bound, &p->local))) {
            cl += tern_io_put_pktinfo(c, &p->local); /* the source address */
            c = (struct cmsghdr *)(cb + cl);
        } else if (raw && io->dst_filter && p->local.family == TERN_AF_NONE &&
                   raw_source(io, &p->remote, &src)) {
            cl += tern_io_put_pktinfo(c, &src);
            c = (struct cmsghdr *)(cb + cl);
        }
        if (run > 1) {
            uint16_t gs = (uint16_t)io->tx_len[i];
            c->cmsg_level = SOL_UDP;
            c->cmsg_type = UDP_SEGMENT;
            c->cmsg_len = CMSG_LEN(sizeof gs);
            memcpy(CMSG_DATA(c), &gs, sizeof gs);
            cl += CMSG_SPACE(sizeof gs);
        }
        m->msg_controllen = cl;
        if (cl == 0) m->msg_control = NULL;
        first[nm] = (uint8_t)j;
        cnt[nm] = (uint8_t)run;
        nm++;
        j += run;
    }
    return nm;
}

static void finish(tern_io *io, const uint8_t *order, unsigned first, unsigned cnt, bool sent)
{
    for (unsigned p = first; p < first + cnt; p++) {
        unsigned i = order[p];
        io->tx_done[i] = 1;
        if (sent) {
            io->stats.packets_out++;
            io->stats.bytes_out += io->tx_len[i];
        } else {
            io->stats.dropped_out++;
        }
    }
    if (sent && cnt > 1) {
        io->stats.gso_sends++;
        io->gso_einval = 0;
    }
}

/* Sends order[0..n) (packets of socket s). TERN_EAGAIN: the kernel took
 * some, the rest are not marked done. */
static int send_sock(tern_io *io, int s, const uint8_t *order, unsigned n)
{
    int fd = io->socks[s].fd;
    bool gso = io->gso && io->cfg.kind == TERN_IO_UDP;
    uint8_t first[IO_TX_SLOTS], cnt[IO_TX_SLOTS], solo[IO_TX_SLOTS];
    memset(solo, 0, sizeof solo);
    unsigned j = 0;
    int probe = -1; /* a run refused with EINVAL, resent without GSO: whose fault? */
    while (j < n) {
        unsigned nm = build(io, s, order, j, n, gso && io->gso, solo, first, cnt);
        unsigned m = 0, again = 0, intr = 0;
        j = n;
        while (m < nm) {
            int r = sendmmsg(fd, io->tx_msgs + m, nm - m, MSG_DONTWAIT);
            io->stats.send_calls++;
            if (r > 0) {
                for (unsigned k = m; k < m + (unsigned)r; k++) {
                    finish(io, order, first[k], cnt[k], true);
                    if (first[k] == probe) { /* fine alone: GSO was refused */
                        if (++io->gso_einval >= 3) io->gso = false;
                        probe = -1;
                    }
                }
                if (m + (unsigned)r < nm)
                    io->socks[s].errq = true; /* a short count hides an error */
                m += (unsigned)r;
                again = 0;
                continue;
            }
            int e = errno;
            if (e == EAGAIN || e == EWOULDBLOCK) return TERN_EAGAIN;
            if (e == EINTR && intr++ < 8) continue;
            if (cnt[m] > 1 && (e == EIO || e == EINVAL || e == EMSGSIZE)) {
                /* GSO refused: this run again, one datagram each (those that
                 * fit go; a segment above the MTU fails alone). EIO: the
                 * route cannot do GSO at all. */
                if (e == EIO) io->gso = false;
                if (e == EINVAL) probe = first[m];
                memset(solo + first[m], 1, cnt[m]);
                j = first[m];
                break;
            }
            /* The error may be an earlier ICMP's (sk_err, reported once):
             * try once more; the details wait in the error queue. */
            if (io->cfg.kind == TERN_IO_UDP) io->socks[s].errq = true;
            if (again++ == 0 && e != ENOBUFS) continue;
            finish(io, order, first[m], cnt[m], false); /* unreachable, too big, ... */
            if (first[m] == probe) probe = -1;          /* fails alone too: not GSO's fault */
            m++;
            again = 0;
        }
    }
    return 0;
}

int tern_io_tx_flush(tern_io *io)
{
    if (io == NULL) return TERN_EINVAL;
    unsigned count = io->tx_count;
    if (count == 0) return 0;
    uint8_t sock_of[IO_TX_SLOTS], order[IO_TX_SLOTS];
    memset(io->tx_done, 0, sizeof io->tx_done);
    for (unsigned i = 0; i < count; i++)
        sock_of[i] = (uint8_t)pick_sock(io, &io->tx_path[i]);
    bool blocked = false;
    for (int s = 0; s < io->ndata; s++) {
        unsigned n = 0;
        for (unsigned i = 0; i < count; i++)
            if (sock_of[i] == s) order[n++] = (uint8_t)i;
        if (n > 0 && send_sock(io, s, order, n) == TERN_EAGAIN) blocked = true;
    }
    /* Keep what is left, in order; the buffers swap places, no bytes move. */
    unsigned k = 0;
    for (unsigned i = 0; i < count; i++) {
        if (io->tx_done[i]) continue;
        uint8_t *tmp = io->tx_slot[k];
        io->tx_slot[k] = io->tx_slot[i];
        io->tx_slot[i] = tmp;
        io->tx_path[k] = io->tx_path[i];
        io->tx_len[k] = io->tx_len[i];
        k++;
    }
    /* A slot handed out by tern_io_tx_slot but not pushed yet stays next. */
    if (count < IO_TX_SLOTS) {
        uint8_t *tmp = io->tx_slot[k];
        io->tx_slot[k] = io->tx_slot[count];
        io->tx_slot[count] = tmp;
    }
    io->tx_count = k;
    return blocked ? TERN_EAGAIN : 0;
}
