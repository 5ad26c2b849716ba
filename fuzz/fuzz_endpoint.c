/* libFuzzer harness: two endpoints are driven into one of the handshake or
 * shutdown states over the pair rig, then fed fuzzed packets, time jumps
 * and their own traffic. Nothing may crash, leak, hang or break the
 * endpoint's bookkeeping (checked after every step).
 *
 * Input: byte 0 picks the state; then records of
 *   [flags][len hi][len lo][len bytes of packet]
 * flags: bit 0 target endpoint (0: the listener B, 1: the client A);
 *        bit 1 write the target's real local tag into the packet;
 *        bit 2 write the right ports;
 *        bit 3 leave the CRC as fuzzed (otherwise it is fixed); and also feed
 *              the bytes to the target as the quote of an ICMP error
 *              (tern_ep_icmp; bits 1 and 2 then write the tag and ports
 *              the target's own packets carry, so the quote can verify);
 *        bits 4-6 advance time by 2^k * 50 ms first and run the timers;
 *        bit 7 then exchange the endpoints' own packets for a while. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/rig/pair.h"
#include "wire/endian.h"
#include "wire/packet.h"

enum {
    ST_CLOSED,
    ST_COOKIE_WAIT,
    ST_COOKIE_ECHOED,
    ST_ESTABLISHED,
    ST_SHUTDOWN_SENT,
    ST_SHUTDOWN_ACK_SENT,
    ST_DATA_IN_FLIGHT, /* ESTABLISHED with messages in flight both ways */
    ST_COUNT
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static pair *rig;

/* Deterministic randomness so a crashing input replays exactly. */
static int seeded_random(void *ctx, uint8_t *buf, size_t len)
{
    uint64_t *s = ctx;
    for (size_t i = 0; i < len; i++) {
        *s ^= *s << 13;
        *s ^= *s >> 7;
        *s ^= *s << 17;
        buf[i] = (uint8_t)(*s >> 32);
    }
    return 0;
}

static void check(int ok)
{
    if (!ok) abort();
}

/* Delivers the first `steps` packets in flight, collecting answers. */
static void exchange(pair *p, size_t steps)
{
    pair_collect(p);
    for (size_t i = 0; i < steps && p->nflight; i++) {
        pair_deliver(p, 0);
        pair_collect(p);
    }
}

static void drain_events(pair *p)
{
    tern_event ev;
    for (int side = 0; side < 2; side++)
        for (int i = 0; i < 1000 && tern_ep_poll_event(p->ep[side], &ev); i++) {
        }
}

static void drive_to(pair *p, int state, tern_assoc_id *a_id)
{
    if (state == ST_CLOSED) return;
    check(tern_ep_connect(p->ep[0], &p->path[0], 5001, p->now, a_id) == 0);
    /* Deliver k packets of INIT, INIT ACK, COOKIE ECHO, COOKIE ACK, drop the rest. */
    size_t deliver = state == ST_COOKIE_WAIT ? 0 : state == ST_COOKIE_ECHOED ? 2 : 4;
    exchange(p, deliver);
    p->nflight = 0;
    if (state == ST_SHUTDOWN_SENT || state == ST_SHUTDOWN_ACK_SENT) {
        check(tern_ep_shutdown(p->ep[0], *a_id, p->now) == 0);
        exchange(p, state == ST_SHUTDOWN_ACK_SENT ? 1 : 0);
        p->nflight = 0;
    }
    if (state == ST_DATA_IN_FLIGHT) {
        /* Small, unordered and fragmented messages each way; half the
         * packets arrive, so there are gaps, SACKs and retransmissions due. */
        static uint8_t msg[4000];
        for (size_t i = 0; i < sizeof msg; i++)
            msg[i] = (uint8_t)i;
        tern_assoc_id b_id = 0;
        tern_event ev;
        for (int i = 0; i < 8 && tern_ep_poll_event(p->ep[1], &ev); i++)
            b_id = ev.assoc;
        for (uint16_t k = 0; k < 6; k++) {
            tern_sndinfo si = {.stream = (uint16_t)(k % 3),
                               .ppid = k,
                               .flags = k % 2 ? TERN_SEND_UNORDERED : 0,
                               .context = k};
            size_t len = k == 5 ? sizeof msg : 10u + k * 100u;
            tern_ep_send(p->ep[0], *a_id, &si, msg, len, p->now);
            if (b_id) tern_ep_send(p->ep[1], b_id, &si, msg, len / 2 + 1, p->now);
        }
        pair_collect(p);
        for (size_t i = 0; i < p->nflight; i++)
            if (i % 2 == 0) pair_deliver(p, i);
        p->nflight = 0;
    }
}

/* Reads whatever either endpoint has delivered. */
static void read_all(pair *p)
{
    static uint8_t buf[2048]; /* smaller than some messages: parts are read too */
    tern_rcvinfo ri;
    for (int side = 0; side < 2; side++)
        for (int i = 0; i < 256 && tern_ep_recv(p->ep[side], &ri, buf, sizeof buf, p->now) > 0;
             i++) {
        }
}

/* The receiver's tag for a packet: that of any association it has. */
static uint32_t local_tag_of(pair *p, int side, tern_assoc_id a_id)
{
    tern_assoc_info info;
    if (side == 0 && tern_ep_assoc_info(p->ep[0], a_id, &info) == 0) return info.local_vtag;
    for (tern_assoc_id id = 1; id < 8; id++)
        if (tern_ep_assoc_info(p->ep[side], id, &info) == 0) return info.local_vtag;
    return 0;
}

/* An ICMP error quoting pkt, as if about a packet `to` sent; the kind and
 * MTU come from the input. */
static void icmp(pair *p, int to, uint8_t flags, const uint8_t *pkt, size_t len, tern_assoc_id a_id)
{
    uint8_t q[PAIR_PKT_MAX];
    memcpy(q, pkt, len);
    if (len >= 8 && (flags & 2)) tern_store32(q + 4, local_tag_of(p, 1 - to, a_id));
    if (len >= 8 && (flags & 4)) {
        tern_store16(q, (uint16_t)(5000 + to));
        tern_store16(q + 2, (uint16_t)(5000 + (1 - to)));
    }
    tern_icmp i = {.kind = (enum tern_icmp_kind)(1 + len % 3),
                   .type = 3,
                   .code = (uint8_t)len,
                   .mtu = (uint32_t)(len * 37 % 9000),
                   .sctp = q,
                   .len = len};
    check(tern_ep_icmp(p->ep[to], &p->path[to], &i, p->now) == 0);
}

static void check_bookkeeping(pair *p)
{
    for (int side = 0; side < 2; side++) {
        tern_ep_stats s;
        tern_ep_stats_get(p->ep[side], &s);
        check(s.assocs_open == s.assocs_created - s.assocs_freed);
        check(s.assocs_open <= 4);
        tern_time d = tern_ep_next_deadline(p->ep[side]);
        check(d == TERN_TIME_NEVER || d + TERN_SEC(86400) > p->now); /* no deadline in the past */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    if (!rig) rig = malloc(sizeof *rig);
    uint64_t seeds[2] = {0x9E3779B97F4A7C15ull, 0xD1B54A32D192ED03ull};
    tern_ep_config cfg[2];
    for (int i = 0; i < 2; i++) {
        tern_ep_config_default(&cfg[i]);
        cfg[i].max_associations = 4;
        cfg[i].random = seeded_random;
        cfg[i].random_ctx = &seeds[i];
    }
    pair_init(rig, &cfg[0], &cfg[1]);
    tern_assoc_id a_id = 0;
    drive_to(rig, data[0] % ST_COUNT, &a_id);
    drain_events(rig);

    size_t pos = 1;
    uint8_t pkt[PAIR_PKT_MAX];
    for (int records = 0; records < 64 && pos + 3 <= size; records++) {
        uint8_t flags = data[pos];
        size_t len = (size_t)data[pos + 1] << 8 | data[pos + 2];
        pos += 3;
        if (len > size - pos) len = size - pos;
        if (len > sizeof pkt) len = sizeof pkt;
        memcpy(pkt, data + pos, len);
        pos += len;
        int to = flags & 1 ? 0 : 1;
        unsigned k = (flags >> 4) & 7;
        if (k) {
            rig->now += TERN_MSEC(50) << k;
            for (int side = 0; side < 2; side++)
                tern_ep_on_deadline(rig->ep[side], rig->now);
        }
        if (len >= 12) {
            if (flags & 2) tern_store32(pkt + 4, local_tag_of(rig, to, a_id));
            if (flags & 4) {
                tern_store16(pkt, (uint16_t)(5000 + (1 - to)));
                tern_store16(pkt + 2, (uint16_t)(5000 + to));
            }
            if (!(flags & 8)) tern_packet_set_checksum(pkt, len);
        }
        if (flags & 8) icmp(rig, to, flags, pkt, len, a_id);
        pair_inject(rig, to, pkt, len);
        if (flags & 0x80)
            exchange(rig, 16);
        else
            pair_collect(rig);
        rig->nflight = 0;
        drain_events(rig);
        read_all(rig);
        check_bookkeeping(rig);
    }
    /* Let every timer run out: each association must end by itself. */
    for (int i = 0; i < 400 && pair_step_time(rig, TERN_TIME_NEVER - 1); i++) {
        pair_collect(rig);
        rig->nflight = 0;
        drain_events(rig);
        read_all(rig);
        check_bookkeeping(rig);
    }
    pair_free(rig);
    return 0;
}
