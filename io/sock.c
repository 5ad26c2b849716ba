/* Socket options both transports set, and errno -> TERN_E*.
 *
 * Don't Fragment: IP_PMTUDISC_PROBE / IPV6_PMTUDISC_PROBE with IPV6_DONTFRAG.
 * Datagrams leave with DF set and are never fragmented, but the kernel does
 * not hold them to its cached path MTU (only to the interface MTU): the core
 * runs path MTU discovery itself (RFC 9260 §8, RFC 8899 PLPMTUD probes above
 * the current PMTU), and with IP_PMTUDISC_DO a cached value — possibly
 * lowered by a forged ICMP — would make the kernel refuse those probes with
 * EMSGSIZE. ICMP "fragmentation needed" still reaches us (error queue or raw
 * ICMP socket) and the core decides what to believe. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "io/io_internal.h"

int tern_io_errno(int e)
{
    switch (e) {
    case EPERM:
    case EACCES: return TERN_EPERM;
    case EADDRINUSE: return TERN_EADDRINUSE;
    case EADDRNOTAVAIL: return TERN_EADDRNOTAVAIL;
    case EAFNOSUPPORT:
    case EPROTONOSUPPORT: return TERN_EAFNOSUPPORT;
    case ENOMEM:
    case ENOBUFS: return TERN_ENOMEM;
    case EINVAL: return TERN_EINVAL;
    case EAGAIN: return TERN_EAGAIN;
    default: return TERN_EIO;
    }
}

static int set_int(int fd, int level, int name, int val)
{
    return setsockopt(fd, level, name, &val, sizeof val) == 0 ? 0 : -errno;
}

/* SO_*BUFFORCE goes past net.core.{w,r}mem_max when we may (CAP_NET_ADMIN). */
static int set_buf(int fd, int force_opt, int opt, int bytes)
{
    if (bytes <= 0) return 0;
    if (set_int(fd, SOL_SOCKET, force_opt, bytes) == 0) return 0;
    return set_int(fd, SOL_SOCKET, opt, bytes);
}

int tern_io_sock_setup(int fd, uint8_t family, const tern_io_config *cfg, bool recverr)
{
    int rc = 0;
    if (family == TERN_AF_INET) {
        rc = set_int(fd, IPPROTO_IP, IP_PKTINFO, 1);
        if (rc == 0) rc = set_int(fd, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_PROBE);
        if (rc == 0 && recverr) rc = set_int(fd, IPPROTO_IP, IP_RECVERR, 1);
    } else {
        rc = set_int(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
        if (rc == 0) rc = set_int(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_PROBE);
        if (rc == 0) rc = set_int(fd, IPPROTO_IPV6, IPV6_DONTFRAG, 1);
        if (rc == 0 && recverr) rc = set_int(fd, IPPROTO_IPV6, IPV6_RECVERR, 1);
    }
    if (rc == 0) rc = set_buf(fd, SO_SNDBUFFORCE, SO_SNDBUF, cfg->sndbuf);
    if (rc == 0) rc = set_buf(fd, SO_RCVBUFFORCE, SO_RCVBUF, cfg->rcvbuf);
    return rc == 0 ? 0 : tern_io_errno(-rc);
}

/* Reads and so clears a pending asynchronous error (SO_ERROR): with nothing
 * else queued it would keep a level-triggered epoll reporting EPOLLERR. */
void tern_io_sock_clear_error(int fd)
{
    int err = 0;
    socklen_t len = sizeof err;
    (void)getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
}
