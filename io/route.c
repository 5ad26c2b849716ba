/* The source address the host's routing gives a destination: each packet
 * leaves from the local address that routes to its destination.
 * With several local addresses of a family bound, a packet whose path names
 * no source leaves from the one the kernel would choose, as it would from a
 * wildcard socket — not from the first one bound, which may sit on another
 * network. The probe is a UDP socket per family: connect() sends nothing and
 * fills in the route's source, getsockname() tells it; disconnecting
 * (AF_UNSPEC) clears it for the next. The probes are opened with the
 * transport, so they live in its network namespace. Answers are cached for
 * IO_ROUTE_TTL (routes change: a link goes down), IO_ROUTE_SLOTS of them. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "io/io_internal.h"
#include "io/loop.h"

#define ROUTE_PROBE_PORT 9 /* any: nothing is sent */

static int fam_index(uint8_t family)
{
    return family == TERN_AF_INET6 ? 1 : 0;
}

int tern_io_route_open(tern_io *io)
{
    io->route_fd[0] = io->route_fd[1] = -1;
    for (int f = 0; f < 2; f++) {
        uint8_t family = f == 0 ? TERN_AF_INET : TERN_AF_INET6;
        unsigned n = 0;
        for (unsigned i = 0; i < io->cfg.num_bind_addrs; i++)
            n += io->cfg.bind_addrs[i].family == family;
        if (n < 2) continue; /* one address or the wildcard: nothing to choose */
        int fd = socket(f == 0 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0) return tern_io_errno(errno);
        io->route_fd[f] = fd;
    }
    return 0;
}

void tern_io_route_close(tern_io *io)
{
    for (int f = 0; f < 2; f++) {
        if (io->route_fd[f] >= 0) close(io->route_fd[f]);
        io->route_fd[f] = -1;
    }
}

/* Asks the kernel: false when it has no route (or no probe). */
static bool probe(const tern_io *io, const tern_addr *dst, tern_addr *src)
{
    int fd = io->route_fd[fam_index(dst->family)];
    if (fd < 0) return false;
    struct sockaddr_storage ss;
    socklen_t sl = tern_io_sockaddr(dst, ROUTE_PROBE_PORT, &ss);
    struct sockaddr unspec = {.sa_family = AF_UNSPEC};
    (void)connect(fd, &unspec, sizeof unspec); /* the previous answer's source goes */
    if (connect(fd, (struct sockaddr *)&ss, sl) != 0) return false;
    struct sockaddr_storage me;
    socklen_t ml = sizeof me;
    uint16_t port;
    if (getsockname(fd, (struct sockaddr *)&me, &ml) != 0) return false;
    return tern_io_from_sockaddr(&me, src, &port) && src->family == dst->family;
}

bool tern_io_route_src(tern_io *io, const tern_addr *dst, tern_addr *src)
{
    if (dst->family != TERN_AF_INET && dst->family != TERN_AF_INET6) return false;
    tern_time now = tern_clock_now();
    for (unsigned i = 0; i < IO_ROUTE_SLOTS; i++) {
        const tern_io_route *r = &io->routes[i];
        if (r->at == 0 || now - r->at > IO_ROUTE_TTL || !tern_io_addr_eq(&r->dst, dst)) continue;
        *src = r->src;
        return r->ok;
    }
    tern_io_route *r = &io->routes[io->route_next];
    io->route_next = (io->route_next + 1) % IO_ROUTE_SLOTS; /* the oldest goes */
    memset(r, 0, sizeof *r);
    r->dst = *dst;
    r->ok = probe(io, dst, &r->src);
    r->at = now ? now : 1;
    *src = r->src;
    return r->ok;
}
