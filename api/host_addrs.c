/* The host's addresses, listed in the INIT / INIT ACK of a socket bound to
 * the wildcard (RFC 9260 §5.1.2 implementation note: every address packets
 * to the peer may leave from). getifaddrs(3) is the C library's interface
 * list; the core lists to each peer only those in its scope
 * (tern_local_addr_listed). Loopback addresses are left out: to a loopback
 * peer they add no path that is not the same device, and WebRTC stacks
 * (pion) drop an INIT that lists any address. Read at most once a second
 * (getifaddrs opens a netlink socket: not once per connect); addresses
 * added later are announced only by new associations (changing those of
 * one is RFC 5061 ASCONF). */
#define _DEFAULT_SOURCE /* getifaddrs, IFF_UP */
#include <ifaddrs.h>
#include <net/if.h>
#include <string.h>

#include "api/internal.h"

#define HOST_ADDRS_MAX_AGE TERN_SEC(1)

static bool from_ifaddr(const struct ifaddrs *ifa, tern_addr *out)
{
    if (!ifa->ifa_addr || !(ifa->ifa_flags & IFF_UP) || (ifa->ifa_flags & IFF_LOOPBACK))
        return false;
    memset(out, 0, sizeof *out);
    if (ifa->ifa_addr->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)ifa->ifa_addr;
        out->family = TERN_AF_INET;
        memcpy(out->ip, &in->sin_addr, 4);
    } else if (ifa->ifa_addr->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)ifa->ifa_addr;
        out->family = TERN_AF_INET6;
        memcpy(out->ip, &in6->sin6_addr, 16);
    } else {
        return false;
    }
    static const uint8_t v6_loopback[16] = {[15] = 1};
    if (out->family == TERN_AF_INET ? out->ip[0] == 127 : memcmp(out->ip, v6_loopback, 16) == 0)
        return false;
    return tern_api_addr_unicast(out);
}

/* Global addresses before link-local ones, so a host with many keeps those
 * when they do not all fit. */
static bool link_local(const tern_addr *a)
{
    if (a->family == TERN_AF_INET) return a->ip[0] == 169 && a->ip[1] == 254;
    return a->ip[0] == 0xfe && (a->ip[1] & 0xc0) == 0x80;
}

static void read_host_addrs(tern_ctx *ctx)
{
    struct ifaddrs *all;
    ctx->nhost_addrs = 0;
    if (getifaddrs(&all) != 0) return; /* none listed: the peer uses the packets' source */
    const unsigned max = sizeof ctx->host_addrs / sizeof ctx->host_addrs[0];
    for (int ll = 0; ll < 2; ll++)
        for (const struct ifaddrs *ifa = all; ifa && ctx->nhost_addrs < max; ifa = ifa->ifa_next) {
            tern_addr a;
            if (!from_ifaddr(ifa, &a) || link_local(&a) != (ll == 1)) continue;
            bool dup = false;
            for (unsigned i = 0; i < ctx->nhost_addrs; i++)
                dup |= memcmp(&ctx->host_addrs[i], &a, sizeof a) == 0;
            if (!dup) ctx->host_addrs[ctx->nhost_addrs++] = a;
        }
    freeifaddrs(all);
}

unsigned tern_api_host_addrs(tern_ctx *ctx, const api_sock *s, tern_addr *out, unsigned max)
{
    tern_time now = tern_clock_now();
    if (!ctx->host_addrs_at || now - ctx->host_addrs_at >= HOST_ADDRS_MAX_AGE) {
        read_host_addrs(ctx);
        ctx->host_addrs_at = now ? now : 1;
    }
    bool v6 = s->family == AF_INET6 && ctx->cfg.ipv6;
    unsigned n = 0;
    for (unsigned i = 0; i < ctx->nhost_addrs && n < max; i++)
        if (ctx->host_addrs[i].family == TERN_AF_INET || v6) out[n++] = ctx->host_addrs[i];
    return n;
}
