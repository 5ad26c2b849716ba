/* Addresses for the transports: tern_addr <-> sockaddr, and the pktinfo
 * control messages that carry a datagram's local address both ways
 * (IP_PKTINFO, RFC 3542 §6 IPV6_PKTINFO). */
#define _GNU_SOURCE
#include <string.h>

#include <netinet/udp.h>

#include "io/io_internal.h"

socklen_t tern_io_sockaddr(const tern_addr *a, uint16_t port, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    if (a->family == TERN_AF_INET) {
        struct sockaddr_in *sin = (struct sockaddr_in *)ss;
        sin->sin_family = AF_INET;
        sin->sin_port = htons(port);
        memcpy(&sin->sin_addr, a->ip, 4);
        return sizeof *sin;
    }
    if (a->family == TERN_AF_INET6) {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(port);
        memcpy(&sin6->sin6_addr, a->ip, 16);
        return sizeof *sin6;
    }
    return 0;
}

bool tern_io_from_sockaddr(const struct sockaddr_storage *ss, tern_addr *a, uint16_t *port)
{
    memset(a, 0, sizeof *a);
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
        a->family = TERN_AF_INET;
        memcpy(a->ip, &sin->sin_addr, 4);
        *port = ntohs(sin->sin_port);
        return true;
    }
    if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
        a->family = TERN_AF_INET6;
        memcpy(a->ip, &sin6->sin6_addr, 16);
        *port = ntohs(sin6->sin6_port);
        return true;
    }
    *port = 0;
    return false;
}

bool tern_io_addr_eq(const tern_addr *a, const tern_addr *b)
{
    if (a->family != b->family) return false;
    return memcmp(a->ip, b->ip, a->family == TERN_AF_INET ? 4 : 16) == 0;
}

bool tern_io_addr_any(const tern_addr *a)
{
    static const uint8_t zero[16];
    return memcmp(a->ip, zero, a->family == TERN_AF_INET ? 4 : 16) == 0;
}

bool tern_io_path_eq(const tern_path *a, const tern_path *b)
{
    return a->encaps_port == b->encaps_port && tern_io_addr_eq(&a->remote, &b->remote) &&
           (a->local.family == TERN_AF_NONE ? b->local.family == TERN_AF_NONE
                                            : tern_io_addr_eq(&a->local, &b->local));
}

size_t tern_io_put_pktinfo(struct cmsghdr *c, const tern_addr *src)
{
    if (src->family == TERN_AF_INET) {
        struct in_pktinfo pi;
        memset(&pi, 0, sizeof pi);
        memcpy(&pi.ipi_spec_dst, src->ip, 4); /* the source address to use */
        c->cmsg_level = IPPROTO_IP;
        c->cmsg_type = IP_PKTINFO;
        c->cmsg_len = CMSG_LEN(sizeof pi);
        memcpy(CMSG_DATA(c), &pi, sizeof pi);
        return CMSG_SPACE(sizeof pi);
    }
    struct in6_pktinfo pi6;
    memset(&pi6, 0, sizeof pi6);
    memcpy(&pi6.ipi6_addr, src->ip, 16);
    c->cmsg_level = IPPROTO_IPV6;
    c->cmsg_type = IPV6_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof pi6);
    memcpy(CMSG_DATA(c), &pi6, sizeof pi6);
    return CMSG_SPACE(sizeof pi6);
}

void tern_io_parse_cmsgs(struct msghdr *m, tern_addr *dst, int *gro_size)
{
    memset(dst, 0, sizeof *dst);
    *gro_size = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c != NULL; c = CMSG_NXTHDR(m, c)) {
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
            c->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
            struct in_pktinfo pi;
            memcpy(&pi, CMSG_DATA(c), sizeof pi);
            dst->family = TERN_AF_INET;
            memcpy(dst->ip, &pi.ipi_addr, 4); /* the header's destination address */
        } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
                   c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
            struct in6_pktinfo pi6;
            memcpy(&pi6, CMSG_DATA(c), sizeof pi6);
            dst->family = TERN_AF_INET6;
            memcpy(dst->ip, &pi6.ipi6_addr, 16);
        } else if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO &&
                   c->cmsg_len >= CMSG_LEN(sizeof(int))) {
            memcpy(gro_size, CMSG_DATA(c), sizeof(int));
        }
    }
}
