/* ICMP errors about packets this endpoint sent (RFC 9260 §10, items
 * ICMP1–ICMP9; RFC 6951 §5.5 for UDP encapsulation, where the io layer maps
 * Port Unreachable to TERN_ICMP_PROTO_UNREACH). The quoted packet must
 * belong to an association and carry its tags, or it is dropped (counted):
 * an off-path attacker has to know the peer's 32-bit tag to do anything. */
#include "core/internal.h"

/* ICMP7 floors. IPv6 links carry 1280 bytes (RFC 8200 §5, RFC 8201 §4: a
 * smaller Packet Too Big MTU is not used). IPv4: 576, the datagram every
 * host accepts (RFC 791, RFC 1122 §3.3.3); smaller reports (RFC 1191
 * allows 68) are taken as 576, so a forged ICMP cannot shrink packets to
 * nothing. */
#define ICMP_MIN_MTU_V6 1280u
#define ICMP_MIN_MTU_V4 576u

/* Bytes of the quoted packet: common header (12), then the first chunk's
 * header (4) and, for an INIT, its Initiate Tag (4). */
#define QUOTE_HEADER    8  /* ports and verification tag: the least usable */
#define QUOTE_INIT_TAG  16 /* offset of an INIT's Initiate Tag */
#define QUOTE_WITH_INIT 20

/* ICMP7: RFC 8899 / RFC 1191 in spirit: the PMTU only falls on an ICMP
 * (probing up is not implemented). New chunks are made for the new size
 * at once; chunks already made keep theirs and a retransmission too big
 * for the new PMTU goes alone, for IP to fragment (§6.9: DATA is never
 * re-fragmented). What the ICMP reported lost is recovered by the normal
 * SACK and T3-rtx rules: no immediate retransmission. */
static void frag_needed(tern_ep *ep, tern_assoc *a, tern_dest *d, uint32_t mtu)
{
    if (mtu == 0) return; /* an old router that did not say (RFC 1191 §5): nothing to learn */
    uint32_t floor = d->path.remote.family == TERN_AF_INET6 ? ICMP_MIN_MTU_V6 : ICMP_MIN_MTU_V4;
    if (mtu < floor) mtu = floor;
    if (mtu >= d->pmtu) return; /* never raised by an ICMP */
    tern_dest_set_pmtu(d, mtu);
    if (a->data_up) tern_assoc_want_output(ep, a, TERN_SEND_DATA);
}

TERN_EXPORT int tern_ep_icmp(tern_ep *ep, const tern_path *path, const tern_icmp *icmp,
                             tern_time now)
{
    (void)now;
    if (!ep || !path || !icmp || (!icmp->sctp && icmp->len)) return TERN_EINVAL;
    /* ICMP1–ICMP4, ICMP9: anything else is ignored. */
    if (icmp->kind != TERN_ICMP_FRAG_NEEDED && icmp->kind != TERN_ICMP_PROTO_UNREACH) return 0;
    const uint8_t *q = icmp->sctp;
    if (icmp->len < QUOTE_HEADER) {
        tern_ep_drop(ep, NULL, TERN_DROP_MALFORMED);
        return 0;
    }
    uint16_t src_port = tern_load16(q), dst_port = tern_load16(q + 2);
    uint32_t vtag = tern_load32(q + 4);
    if (src_port != ep->cfg.port) {
        tern_ep_drop(ep, NULL, TERN_DROP_PORT);
        return 0;
    }
    /* ICMP5: the association that sent it, by where it went; with UDP
     * encapsulation, the quoted UDP destination port must be the path's. */
    tern_dest *d = tern_dest_by_peer(ep, &path->remote, dst_port);
    if (!d) {
        tern_ep_drop(ep, NULL, TERN_DROP_OOTB);
        return 0;
    }
    tern_assoc *a = d->owner;
    if (path->encaps_port != d->path.encaps_port) {
        tern_ep_drop(ep, a, TERN_DROP_PORT);
        return 0;
    }
    /* ICMP6: the peer's tag; or tag 0 and our INIT, carrying our tag as
     * its Initiate Tag (the tag the peer is to use: "the tag of the peer"
     * in the RFC's words; Linux and FreeBSD check the same). */
    bool init = vtag == 0;
    if (init ? icmp->len < QUOTE_WITH_INIT || q[TERN_COMMON_HEADER_LEN] != TERN_CHUNK_INIT ||
                   tern_load32(q + QUOTE_INIT_TAG) != a->local_vtag
             : a->peer_vtag == 0 || vtag != a->peer_vtag) {
        tern_ep_drop(ep, a, TERN_DROP_VTAG);
        return 0;
    }
    if (icmp->kind == TERN_ICMP_FRAG_NEEDED) {
        frag_needed(ep, a, d, icmp->mtu);
        return 0;
    }
    /* ICMP8: Protocol Unreachable is an ABORT (T bit set); for an INIT,
     * only in COOKIE-WAIT. */
    if (init && a->state != TERN_STATE_COOKIE_WAIT) {
        tern_ep_drop(ep, a, TERN_DROP_STATE);
        return 0;
    }
    tern_assoc_end(ep, a,
                   a->state >= TERN_STATE_ESTABLISHED ? TERN_EV_COMM_LOST : TERN_EV_CANT_START, 0);
    return 0;
}
