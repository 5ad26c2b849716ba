/* ICMP errors about SCTP packets sent over raw IP (RFC 9260 §10 and
 * Appendix C): ICMPv4 Destination Unreachable (RFC 792; 3/4 fragmentation
 * needed with the next-hop MTU of RFC 1191, 3/2 protocol unreachable) and
 * ICMPv6 Packet Too Big / Parameter Problem 4/1 (RFC 4443). The quoted IP
 * header gives the offending packet's path; the quoted SCTP common header
 * its ports — the SOURCE port is ours, and decides who gets the report. */
#define _GNU_SOURCE
#include <string.h>

#include "io/io_internal.h"

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool parse4(const uint8_t *buf, size_t len, tern_path *path, tern_icmp *icmp,
                   const uint8_t **sctp, size_t *slen)
{
    if (len < 20 || (buf[0] >> 4) != 4) return false;
    size_t ihl = (size_t)(buf[0] & 0xf) * 4;
    size_t tot = be16(buf + 2);
    if (ihl < 20 || tot < ihl || len < ihl + 8) return false;
    if (tot < len) len = tot;
    const uint8_t *ic = buf + ihl;
    size_t ilen = len - ihl;
    icmp->type = ic[0];
    icmp->code = ic[1];
    if (ic[0] != 3 && ic[0] != 11 && ic[0] != 12) /* unreachable, time exceeded, problem */
        return false;
    const uint8_t *q = ic + 8; /* the quoted datagram (RFC 792) */
    size_t qlen = ilen - 8;
    if (qlen < 20 || (q[0] >> 4) != 4) return false;
    size_t qihl = (size_t)(q[0] & 0xf) * 4;
    if (qihl < 20 || qlen < qihl + 4 || q[9] != 132 || (be16(q + 6) & 0x1fff) != 0)
        return false; /* not SCTP, or not a first fragment */
    path->local.family = path->remote.family = TERN_AF_INET;
    memcpy(path->local.ip, q + 12, 4);
    memcpy(path->remote.ip, q + 16, 4);
    icmp->kind = TERN_ICMP_OTHER;
    if (ic[0] == 3 && ic[1] == 4) {
        icmp->kind = TERN_ICMP_FRAG_NEEDED;
        icmp->mtu = be16(ic + 6); /* RFC 1191 §4: next-hop MTU */
    } else if (ic[0] == 3 && ic[1] == 2) {
        icmp->kind = TERN_ICMP_PROTO_UNREACH;
    }
    *sctp = q + qihl;
    *slen = qlen - qihl;
    return true;
}

static bool parse6(const uint8_t *buf, size_t len, tern_path *path, tern_icmp *icmp,
                   const uint8_t **sctp, size_t *slen)
{
    if (len < 8) return false;
    icmp->type = buf[0];
    icmp->code = buf[1];
    if (buf[0] < 1 || buf[0] > 4) /* RFC 4443 §3: the error messages */
        return false;
    const uint8_t *q = buf + 8;
    size_t qlen = len - 8;
    if (qlen < 40 || (q[0] >> 4) != 6) return false;
    uint8_t nh = q[6];
    size_t off = 40;
    /* RFC 8200 §4: hop-by-hop, routing, destination options, fragment */
    for (int i = 0; i < 8 && (nh == 0 || nh == 43 || nh == 60 || nh == 44); i++) {
        if (qlen < off + 8) return false;
        if (nh == 44) {
            if ((be16(q + off + 2) & 0xfff8) != 0) return false; /* not the first fragment */
            nh = q[off];
            off += 8;
        } else {
            nh = q[off];
            off += ((size_t)q[off + 1] + 1) * 8;
        }
    }
    if (nh != 132 || qlen < off + 4) return false;
    path->local.family = path->remote.family = TERN_AF_INET6;
    memcpy(path->local.ip, q + 8, 16);
    memcpy(path->remote.ip, q + 24, 16);
    icmp->kind = TERN_ICMP_OTHER;
    if (buf[0] == 2) {
        icmp->kind = TERN_ICMP_FRAG_NEEDED;
        icmp->mtu = be32(buf + 4);
    } else if (buf[0] == 4 && buf[1] == 1) {
        icmp->kind = TERN_ICMP_PROTO_UNREACH; /* unrecognized Next Header */
    }
    *sctp = q + off;
    *slen = qlen - off;
    return true;
}

bool tern_io_icmp_parse(uint8_t family, const uint8_t *buf, size_t len, tern_path *path,
                        tern_icmp *icmp, uint16_t *sport)
{
    const uint8_t *sctp = NULL;
    size_t slen = 0;
    memset(path, 0, sizeof *path);
    memset(icmp, 0, sizeof *icmp);
    bool ok = family == TERN_AF_INET    ? parse4(buf, len, path, icmp, &sctp, &slen)
              : family == TERN_AF_INET6 ? parse6(buf, len, path, icmp, &sctp, &slen)
                                        : false;
    if (!ok) return false;
    icmp->sctp = sctp;
    icmp->len = slen;
    *sport = be16(sctp);
    return true;
}

void tern_io_icmp_deliver(tern_io *io, const tern_io_handler *h)
{
    const tern_io_sock *so = &io->socks[io->rx_sock];
    for (int i = 0; i < io->rx_n; i++) {
        struct mmsghdr *mm = &io->rx_msgs[i];
        tern_path path;
        tern_icmp icmp;
        uint16_t sport;
        if (!tern_io_icmp_parse(so->family, io->rx_iov[i].iov_base, mm->msg_len, &path, &icmp,
                                &sport))
            continue;
        if (!tern_io_port_owned(io, sport)) {
            io->stats.filtered_in++;
            continue;
        }
        io->stats.icmp_in++;
        if (h->icmp != NULL) h->icmp(h->arg, &path, &icmp);
    }
    io->rx_n = 0;
}
