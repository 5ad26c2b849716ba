/* Socket addresses (struct sockaddr_in / sockaddr_in6) to and from the
 * core's tern_addr. An AF_INET6 socket also takes IPv4 addresses, plain or
 * v4-mapped (RFC 6458 §3.1); IPv4 addresses are always reported as
 * sockaddr_in. */
#include <arpa/inet.h>
#include <string.h>

#include "api/internal.h"

static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

int tern_api_addr_from(const api_sock *s, const struct sockaddr *sa, socklen_t len, tern_addr *addr,
                       uint16_t *port)
{
    if (!sa || len < (socklen_t)sizeof(sa_family_t)) return TERN_EINVAL;
    memset(addr, 0, sizeof *addr);
    if (sa->sa_family == AF_INET) {
        struct sockaddr_in in;
        if (len < (socklen_t)sizeof in) return TERN_EINVAL;
        memcpy(&in, sa, sizeof in);
        addr->family = TERN_AF_INET;
        memcpy(addr->ip, &in.sin_addr, 4);
        *port = ntohs(in.sin_port);
        return 0;
    }
    if (sa->sa_family == AF_INET6) {
        struct sockaddr_in6 in6;
        if (s->family != AF_INET6) return TERN_EAFNOSUPPORT;
        if (len < (socklen_t)sizeof in6) return TERN_EINVAL;
        memcpy(&in6, sa, sizeof in6);
        if (memcmp(in6.sin6_addr.s6_addr, v4mapped, 12) == 0) {
            addr->family = TERN_AF_INET;
            memcpy(addr->ip, in6.sin6_addr.s6_addr + 12, 4);
        } else {
            addr->family = TERN_AF_INET6;
            memcpy(addr->ip, in6.sin6_addr.s6_addr, 16);
        }
        *port = ntohs(in6.sin6_port);
        return 0;
    }
    return TERN_EAFNOSUPPORT;
}

int tern_api_opt_addr(const api_sock *s, const struct sockaddr_storage *ss, tern_addr *addr,
                      bool *one)
{
    *one = ss->ss_family != AF_UNSPEC;
    if (!*one) return 0;
    uint16_t port;
    return tern_api_addr_from(s, (const struct sockaddr *)ss, sizeof *ss, addr, &port);
}

void tern_api_addr_to(const tern_addr *addr, uint16_t port, struct sockaddr *sa, socklen_t *len)
{
    struct sockaddr_storage ss;
    tern_io_sockaddr(addr, port, &ss);
    socklen_t full = addr->family == TERN_AF_INET6 ? (socklen_t)sizeof(struct sockaddr_in6)
                                                   : (socklen_t)sizeof(struct sockaddr_in);
    if (sa && len) memcpy(sa, &ss, *len < full ? *len : full);
    if (len) *len = full;
}

int tern_api_addrs_from(const api_sock *s, const struct sockaddr *addrs, int count, tern_addr *out,
                        uint16_t *port)
{
    if (!addrs || count < 1 || count > TERN_MAX_LOCAL_ADDRS) return TERN_EINVAL;
    const uint8_t *p = (const uint8_t *)addrs;
    for (int i = 0; i < count; i++) {
        struct sockaddr_storage ss;
        sa_family_t fam;
        memcpy(&fam, p, sizeof fam);
        size_t sz = fam == AF_INET    ? sizeof(struct sockaddr_in)
                    : fam == AF_INET6 ? sizeof(struct sockaddr_in6)
                                      : 0;
        if (!sz) return TERN_EAFNOSUPPORT;
        memcpy(&ss, p, sz);
        uint16_t pt;
        int rc = tern_api_addr_from(s, (const struct sockaddr *)&ss, (socklen_t)sz, &out[i], &pt);
        if (rc) return rc;
        if (i > 0 && pt != *port) return TERN_EINVAL;
        *port = pt;
        p += sz;
    }
    return 0;
}

bool tern_api_addr_unicast(const tern_addr *a)
{
    if (tern_io_addr_any(a)) return false;
    if (a->family == TERN_AF_INET)
        return a->ip[0] < 224 && !(a->ip[0] == 255 && a->ip[1] == 255 && a->ip[2] == 255);
    return a->family == TERN_AF_INET6 && a->ip[0] != 0xff;
}
