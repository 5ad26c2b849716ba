/* Runs whole conversations between two Tern endpoints over the pair rig and
 * records every packet either side emits, in order, for an independent
 * decoder (tshark) to judge what the core really sends.
 *
 *   gen_conversations PCAP EXPECTED
 *
 * PCAP: Ethernet/IPv4/UDP frames, SCTP over UDP port 9899 (RFC 6951),
 * endpoint 0 at 192.0.2.1, endpoint 1 at 192.0.2.2, timestamps from the
 * virtual clock. EXPECTED: one line per frame with the comma-separated chunk
 * types of our own parse of the packet (plus the chunk quoted by an
 * Unrecognized Chunk Type cause, which tshark dissects too). Packets crafted
 * by hand for a side played by the test are recorded as well. Randomness is
 * seeded: the same build writes the same bytes. Each scenario checks that it
 * produced the packets and events it is named after, and exits 1 if not. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/rig/pair.h"
#include "tests/wireshark/pcap_writer.h"
#include "wire/cause.h"
#include "wire/chunk.h"
#include "wire/packet.h"
#include "wire/param.h"

#define SCTP_UDP_PORT 9899
#define LIMIT         TERN_SEC(3600) /* how far any scenario lets time run */

/* splitmix64: a seeded stand-in for the CSPRNG (tern_ep_config.random). */
typedef struct rng {
    uint64_t s;
} rng;

static int det_random(void *ctx, uint8_t *buf, size_t len)
{
    rng *r = ctx;
    for (size_t i = 0; i < len; i += 8) {
        uint64_t z = (r->s += 0x9e3779b97f4a7c15u);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
        z ^= z >> 31;
        for (size_t k = 0; k < 8 && i + k < len; k++)
            buf[i + k] = (uint8_t)(z >> (8 * k));
    }
    return 0;
}

typedef struct conv {
    FILE *pcap, *expected;
    int frames;
    const char *scenario;
    int first_frame;
    unsigned scenarios; /* finished so far; seeds each scenario's generators */
    pair p;
    rng rng[3];              /* endpoints 0 and 1, and a replacement */
    tern_time base, last_ts; /* pcap time of virtual 0, and of the last frame */
    unsigned seen[256];      /* chunks recorded in this scenario, by type */
} conv;

static conv C; /* one at a time: the pair holds 256 packets of 4 KiB */

static void die(const char *what)
{
    fprintf(stderr, "gen_conversations: %s: %s\n", C.scenario ? C.scenario : "setup", what);
    exit(1);
}

static void need(bool ok, const char *what)
{
    if (!ok) die(what);
}

/* ---- Recording ---------------------------------------------------------- */

static void append_type(char *s, size_t cap, unsigned type)
{
    size_t n = strlen(s);
    snprintf(s + n, cap - n, "%s%u", n ? "," : "", type);
}

/* Our own parse: the chunk types, in order. tshark also dissects the chunk
 * an Unrecognized Chunk Type cause quotes (§3.3.10.6), so it is listed too. */
static void chunk_types(conv *c, const uint8_t *pkt, size_t len, char *out, size_t cap)
{
    tern_common_header h;
    tern_chunk_iter it;
    tern_chunk_raw raw;
    out[0] = '\0';
    need(tern_packet_validate(pkt, len) >= 1, "our own decoder rejects a packet");
    need(tern_packet_checksum_ok(pkt, len), "a packet with a bad CRC32c");
    tern_packet_parse(pkt, len, &h, &it);
    while (tern_chunk_next(&it, &raw) > 0) {
        append_type(out, cap, raw.type);
        c->seen[raw.type]++;
        tern_causes cs;
        if ((raw.type != TERN_CHUNK_ERROR && raw.type != TERN_CHUNK_ABORT) ||
            tern_causes_decode(&raw, &cs) != 0)
            continue;
        tern_tlv_iter ti;
        tern_tlv cause;
        tern_tlv_iter_init_bytes(&ti, cs.causes);
        while (tern_tlv_next(&ti, &cause) > 0)
            if (cause.type == TERN_CAUSE_UNRECOGNIZED_CHUNK && cause.value.len >= 1)
                append_type(out, cap, cause.value.ptr[0]);
    }
}

static pcap_udp_end udp_end(const tern_addr *a)
{
    pcap_udp_end e = {{0}, SCTP_UDP_PORT};
    need(a->family == TERN_AF_INET, "a packet on a path that is not IPv4");
    memcpy(e.ip, a->ip, 4);
    return e;
}

/* One frame: the packet as it leaves `path.local` for `path.remote`. */
static void record(conv *c, const tern_path *path, const uint8_t *pkt, size_t len)
{
    char types[256];
    chunk_types(c, pkt, len, types, sizeof types);
    tern_time ts = c->base + c->p.now;
    if (c->frames && ts <= c->last_ts) ts = c->last_ts + 1000; /* keep frames 1 µs apart */
    c->last_ts = ts;
    pcap_udp_end src = udp_end(&path->local), dst = udp_end(&path->remote);
    uint64_t us = ts / 1000u;
    if (pcap_write_udp4(c->pcap, (uint32_t)(us / 1000000u), (uint32_t)(us % 1000000u), &src, &dst,
                        pkt, len) != 0)
        die("packet too long for a frame");
    fprintf(c->expected, "%s\n", types);
    c->frames++;
}

/* pair_collect, recording every packet the endpoints emit. Every packet in
 * flight enters through here, so every one is recorded exactly once. */
static void collect(conv *c)
{
    size_t before = c->p.nflight;
    pair_collect(&c->p);
    for (size_t i = before; i < c->p.nflight; i++)
        record(c, &c->p.flight[i].path, c->p.flight[i].data, c->p.flight[i].len);
}

/* pair_flush and pair_run with recording. */
static void flush(conv *c)
{
    collect(c);
    for (size_t n = 0; c->p.nflight && n < 1000; n++) {
        pair_deliver(&c->p, 0);
        collect(c);
    }
    need(c->p.nflight == 0, "the conversation does not settle");
}

static bool step_time(conv *c)
{
    return pair_step_time(&c->p, LIMIT);
}

/* A packet crafted by hand for side `to`'s peer, recorded and delivered. */
static void inject(conv *c, int to, const uint8_t *pkt, size_t len)
{
    record(c, &c->p.path[1 - to], pkt, len);
    pair_inject(&c->p, to, pkt, len);
}

/* Seeded defaults; port is set by pair_init (5000 + side). */
static tern_ep_config config(conv *c, int slot)
{
    tern_ep_config cfg;
    tern_ep_config_default(&cfg);
    c->rng[slot].s = 0x7E5100000000u + 16u * (uint64_t)c->scenarios + (uint64_t)slot;
    cfg.random = det_random;
    cfg.random_ctx = &c->rng[slot];
    return cfg;
}

static void begin(conv *c, const char *name, const tern_ep_config *cfg0, const tern_ep_config *cfg1)
{
    c->scenario = name;
    c->first_frame = c->frames;
    memset(c->seen, 0, sizeof c->seen);
    pair_init(&c->p, cfg0, cfg1);
}

static void end(conv *c)
{
    printf("  frames %3d-%3d  %s\n", c->first_frame + 1, c->frames, c->scenario);
    pair_free(&c->p);
    c->base = (c->last_ts / TERN_SEC(1) + 2) * TERN_SEC(1);
    c->scenario = NULL;
    c->scenarios++;
}

static void seen(conv *c, uint8_t type, unsigned at_least, const char *what)
{
    need(c->seen[type] >= at_least, what);
}

static tern_event event(conv *c, int side, enum tern_event_type type, const char *what)
{
    tern_event ev;
    need(pair_event(&c->p, side, type, &ev) == 1, what);
    return ev;
}

static tern_assoc_id connect0(conv *c)
{
    tern_assoc_id id = 0;
    need(tern_ep_connect(c->p.ep[0], &c->p.path[0], 5001, c->p.now, &id) == 0, "connect");
    return id;
}

/* Connects 0 to 1 and runs the handshake to the end. */
static tern_assoc_id handshake(conv *c, tern_assoc_id *id1)
{
    tern_assoc_id id = connect0(c);
    flush(c);
    event(c, 0, TERN_EV_COMM_UP, "endpoint 0 did not come up");
    tern_event ev = event(c, 1, TERN_EV_COMM_UP, "endpoint 1 did not come up");
    if (id1) *id1 = ev.assoc;
    return id;
}

/* Replaces endpoint `side` by a fresh one (a crash and restart: no TCBs). */
static void replace_endpoint(conv *c, int side, uint64_t seed)
{
    tern_ep_config cfg = config(c, 2);
    c->rng[2].s ^= seed;
    cfg.port = (uint16_t)(5000 + side);
    tern_ep_free(c->p.ep[side]);
    need(tern_ep_new(&cfg, &c->p.ep[side]) == 0, "tern_ep_new");
}

/* The first chunk of `type` in flight[i]. */
static tern_chunk_raw chunk_in_flight(conv *c, size_t i, uint8_t type)
{
    tern_chunk_raw raw;
    need(i < c->p.nflight && pkt_find(c->p.flight[i].data, c->p.flight[i].len, type, &raw),
         "an expected chunk is not in flight");
    return raw;
}

/* How many parameters of this type flight[i]'s INIT or INIT ACK carries. */
static int init_param_count(conv *c, size_t i, uint8_t chunk, uint16_t param)
{
    tern_chunk_raw raw = chunk_in_flight(c, i, chunk);
    tern_init init;
    need(tern_init_decode(&raw, &init) == 0, "INIT does not decode");
    tern_tlv_iter ti;
    tern_tlv tlv;
    int n = 0;
    tern_tlv_iter_init_bytes(&ti, init.params);
    while (tern_tlv_next(&ti, &tlv) > 0)
        n += tlv.type == param;
    return n;
}

static size_t craft(uint8_t *buf, size_t cap, int from, uint32_t vtag, const tern_wbuf *chunks)
{
    need(chunks->err == 0, "crafted chunks do not fit");
    return pair_craft(buf, cap, (uint16_t)(5000 + from), (uint16_t)(5001 - from), vtag, chunks->buf,
                      chunks->len);
}

/* ---- Scenarios ---------------------------------------------------------- */

/* §5.1 handshake, one §8.3 heartbeat exchange, §9.2 graceful shutdown. */
static void plain(conv *c)
{
    tern_ep_config c0 = config(c, 0), c1 = config(c, 1);
    begin(c, "handshake, heartbeat, shutdown", &c0, &c1);
    tern_assoc_id id = handshake(c, NULL);
    need(step_time(c), "no heartbeat timer");
    flush(c);
    seen(c, TERN_CHUNK_HEARTBEAT, 1, "no HEARTBEAT");
    seen(c, TERN_CHUNK_HEARTBEAT_ACK, 1, "no HEARTBEAT ACK");
    need(tern_ep_shutdown(c->p.ep[0], id, c->p.now) == 0, "shutdown");
    flush(c);
    event(c, 0, TERN_EV_SHUTDOWN_COMPLETE, "shutdown did not complete");
    seen(c, TERN_CHUNK_SHUTDOWN_COMPLETE, 1, "no SHUTDOWN COMPLETE");
    end(c);
}

static tern_addr addr4(uint8_t last)
{
    tern_addr a = {TERN_AF_INET, {192, 0, 2, last}};
    return a;
}

static tern_addr addr6(uint8_t last)
{
    tern_addr a = {TERN_AF_INET6, {0x20, 0x01, 0x0d, 0xb8, [15] = last}};
    return a;
}

/* §5.1.2: both sides list an IPv4 and an IPv6 address in INIT / INIT ACK. */
static void local_addresses(conv *c)
{
    tern_ep_config c0 = config(c, 0), c1 = config(c, 1);
    c0.local_addrs[0] = addr4(1);
    c0.local_addrs[1] = addr6(1);
    c0.num_local_addrs = 2;
    c1.local_addrs[0] = addr4(2);
    c1.local_addrs[1] = addr6(2);
    c1.num_local_addrs = 2;
    begin(c, "handshake listing IPv4 and IPv6 addresses, shutdown", &c0, &c1);
    tern_assoc_id id = connect0(c);
    collect(c);
    need(init_param_count(c, 0, TERN_CHUNK_INIT, TERN_PARAM_IPV4) == 1 &&
             init_param_count(c, 0, TERN_CHUNK_INIT, TERN_PARAM_IPV6) == 1,
         "INIT does not list the addresses");
    pair_deliver(&c->p, 0);
    collect(c);
    need(init_param_count(c, 0, TERN_CHUNK_INIT_ACK, TERN_PARAM_IPV6) == 1,
         "INIT ACK does not list the addresses");
    flush(c);
    event(c, 0, TERN_EV_COMM_UP, "endpoint 0 did not come up");
    tern_assoc_info info;
    need(pair_info(&c->p, 0, id, &info) && info.num_paths == 2, "the peer's IPv6 path is missing");
    need(tern_ep_shutdown(c->p.ep[0], id, c->p.now) == 0, "shutdown");
    flush(c);
    event(c, 0, TERN_EV_SHUTDOWN_COMPLETE, "shutdown did not complete");
    end(c);
}

/* §3.2.1, §3.3.3: a hand-played peer's INITs carry unknown parameters of
 * each upper-bit kind; the INIT ACKs report 01 and 11 as Unrecognized
 * Parameter parameters. The peer then echoes the first cookie. */
static void unknown_init_params(conv *c)
{
    tern_ep_config c0 = config(c, 0), c1 = config(c, 1);
    begin(c, "INITs with unknown parameters (00, 01, 10, 11), INIT ACK reports", &c0, &c1);
    static const struct {
        uint32_t tag;
        uint16_t types[4];
        int reported;
    } inits[] = {
        /* 10 skip, 11 skip + report, 01 stop + report, then 00 (never seen) */
        {0x5EED0001, {0xBF01, 0xFF02, 0x7F03, 0x3F04}, 2},
        /* 11 skip + report, 00 stop silently, then 01 (never seen) */
        {0x5EED0002, {0xFF05, 0x3F06, 0x7F07, 0}, 1},
    };
    static const char *values[] = {"ab", "cde", "f", "ghij"}; /* odd lengths too: padded */
    uint8_t cookie[512];
    size_t cookie_len = 0;
    uint32_t ack_tag = 0;
    for (size_t k = 0; k < 2; k++) {
        uint8_t params[128], chunks[256], pkt[512];
        tern_wbuf pw, w;
        tern_wbuf_init(&pw, params, sizeof params);
        tern_wbuf_tlv(&pw, TERN_PARAM_IPV4, (uint8_t[]){192, 0, 2, 1}, 4);
        for (int i = 0; i < 4 && inits[k].types[i]; i++)
            tern_wbuf_tlv(&pw, inits[k].types[i], values[i], strlen(values[i]));
        tern_init init = {inits[k].tag, 65536, 10, 10, 1000, {params, pw.len}};
        tern_wbuf_init(&w, chunks, sizeof chunks);
        tern_init_put(&w, TERN_CHUNK_INIT, &init);
        inject(c, 1, pkt, craft(pkt, sizeof pkt, 0, 0, &w));
        collect(c);
        need(c->p.nflight == 1, "no INIT ACK");
        need(init_param_count(c, 0, TERN_CHUNK_INIT_ACK, TERN_PARAM_UNRECOGNIZED) ==
                 inits[k].reported,
             "wrong number of Unrecognized Parameter parameters");
        if (k == 0) { /* keep the cookie and the tag to echo */
            tern_chunk_raw raw = chunk_in_flight(c, 0, TERN_CHUNK_INIT_ACK);
            tern_init ack;
            need(tern_init_decode(&raw, &ack) == 0, "INIT ACK does not decode");
            ack_tag = ack.initiate_tag;
            tern_tlv_iter ti;
            tern_tlv tlv;
            tern_tlv_iter_init_bytes(&ti, ack.params);
            while (tern_tlv_next(&ti, &tlv) > 0)
                if (tlv.type == TERN_PARAM_STATE_COOKIE && tlv.value.len <= sizeof cookie) {
                    memcpy(cookie, tlv.value.ptr, tlv.value.len);
                    cookie_len = tlv.value.len;
                }
        }
        pair_drop(&c->p, 0); /* it went to the hand-played peer */
    }
    need(cookie_len > 0, "no cookie");
    uint8_t chunks[600], pkt[700];
    tern_wbuf w;
    tern_wbuf_init(&w, chunks, sizeof chunks);
    tern_cookie_echo_put(&w, cookie, cookie_len);
    inject(c, 1, pkt, craft(pkt, sizeof pkt, 0, ack_tag, &w));
    collect(c);
    seen(c, TERN_CHUNK_COOKIE_ACK, 1, "the echoed cookie got no COOKIE ACK");
    event(c, 1, TERN_EV_COMM_UP, "endpoint 1 did not come up");
    pair_drop(&c->p, 0);
    end(c);
}

/* §3.3.3: unknown parameters in an INIT ACK (from a hand-played peer) are
 * reported in an ERROR bundled after the COOKIE ECHO. */
static void unknown_init_ack_params(conv *c)
{
    tern_ep_config c0 = config(c, 0), c1 = config(c, 1);
    begin(c, "INIT ACK with unknown parameters, COOKIE ECHO + ERROR", &c0, &c1);
    connect0(c);
    collect(c);
    tern_chunk_raw raw = chunk_in_flight(c, 0, TERN_CHUNK_INIT);
    tern_init init;
    need(tern_init_decode(&raw, &init) == 0, "INIT does not decode");
    pair_drop(&c->p, 0); /* to the hand-played peer */
    static const char cookie[] = "a cookie the peer made up, 35 bytes";
    uint8_t params[128], chunks[256], pkt[512];
    tern_wbuf pw, w;
    tern_wbuf_init(&pw, params, sizeof params);
    tern_wbuf_tlv(&pw, TERN_PARAM_STATE_COOKIE, cookie, sizeof cookie - 1);
    tern_wbuf_tlv(&pw, 0xFF11, "xyz", 3); /* 11: skip, report */
    tern_wbuf_tlv(&pw, 0xBF12, "uv", 2);  /* 10: skip */
    tern_wbuf_tlv(&pw, 0x7F13, "w", 1);   /* 01: stop, report */
    tern_init ack = {0x5EED1001, 65536, 10, 10, 2000, {params, pw.len}};
    tern_wbuf_init(&w, chunks, sizeof chunks);
    tern_init_put(&w, TERN_CHUNK_INIT_ACK, &ack);
    inject(c, 0, pkt, craft(pkt, sizeof pkt, 1, init.initiate_tag, &w));
    collect(c);
    need(c->p.nflight == 1, "no COOKIE ECHO");
    tern_chunk_raw err = chunk_in_flight(c, 0, TERN_CHUNK_ERROR);
    need(err.value.len >= 4 && tern_load16(err.value.ptr) == TERN_CAUSE_UNRECOGNIZED_PARAMS,
         "no Unrecognized Parameters cause with the COOKIE ECHO");
    pair_drop(&c->p, 0);
    tern_wbuf_init(&w, chunks, sizeof chunks);
    tern_empty_chunk_put(&w, TERN_CHUNK_COOKIE_ACK, 0);
    inject(c, 0, pkt, craft(pkt, sizeof pkt, 1, init.initiate_tag, &w));
    event(c, 0, TERN_EV_COMM_UP, "endpoint 0 did not come up");
    end(c);
}

/* §5.2.1: both sides send INIT at once. */
static void collision(conv *c)
{
    tern_ep_config c0 = config(c, 0), c1 = config(c, 1);
    begin(c, "INIT collision", &c0, &c1);
    tern_assoc_id id1 = 0;
    connect0(c);
    need(tern_ep_connect(c->p.ep[1], &c->p.path[1], 5000, c->p.now, &id1) == 0, "connect 1");
    collect(c);
    need(c->p.nflight == 2, "not two INITs");
    flush(c);
    seen(c, TERN_CHUNK_INIT, 2, "not two INITs");
    event(c, 0, TERN_EV_COMM_UP, "endpoint 0 did not come up");
    event(c, 1, TERN_EV_COMM_UP, "endpoint 1 did not come up");
    end(c);
}

/* §5.2.2, §5.2.4 action A: endpoint 0 restarts and connects again. */
static void restart(conv *c)
{
    tern_ep_config c0 = config(c, 0), c1 = config(c, 1);
    begin(c, "association restart (tie-tags)", &c0, &c1);
    handshake(c, NULL);
    replace_endpoint(c, 0, 0xA11CE);
    connect0(c);
    flush(c);
    seen(c, TERN_CHUNK_COOKIE_ACK, 2, "the restart got no COOKIE ACK");
    event(c, 1, TERN_EV_RESTART, "endpoint 1 saw no restart");
    event(c, 0, TERN_EV_COMM_UP, "the new endpoint 0 did not come up");
    end(c);
}

/* §9.1: ABORT with a User-Initiated Abort cause and the user's reason. */
static void user_abort(conv *c)
{
    tern_ep_config c0 = config(c, 0), c1 = config(c, 1);
    begin(c, "ABORT, User-Initiated Abort with a reason", &c0, &c1);
    tern_assoc_id id = handshake(c, NULL);
    static const char reason[] = "operator closed the link";
    need(tern_ep_abort(c->p.ep[0], id, reason, sizeof reason - 1, c->p.now) == 0, "abort");
    flush(c);
    tern_event ev = event(c, 1, TERN_EV_COMM_LOST, "endpoint 1 did not see the ABORT");
    need(ev.cause == TERN_CAUSE_USER_ABORT, "the ABORT's cause is not User-Initiated Abort");
    end(c);
}

/* §8.4: out-of-the-blue packets. Endpoint 1 loses its state and answers
 * endpoint 0's next HEARTBEAT with ABORT (T bit, item 8); endpoint 0 loses
 * its state while a SHUTDOWN ACK is on its way and answers it with SHUTDOWN
 * COMPLETE (T bit, item 5); a hand-made DATA to nobody gets ABORT (T). */
static void out_of_the_blue(conv *c)
{
    tern_ep_config c0 = config(c, 0), c1 = config(c, 1);
    begin(c, "out of the blue: HEARTBEAT -> ABORT (T), SHUTDOWN ACK -> SHUTDOWN COMPLETE (T)", &c0,
          &c1);
    handshake(c, NULL);
    replace_endpoint(c, 1, 0xB0B);
    /* Only endpoint 0 has timers: its heartbeat goes to a stranger. */
    need(step_time(c), "no heartbeat timer");
    flush(c);
    seen(c, TERN_CHUNK_HEARTBEAT, 1, "no HEARTBEAT");
    event(c, 0, TERN_EV_COMM_LOST, "the ABORT (T) did not end endpoint 0's association");

    tern_assoc_id id = handshake(c, NULL);
    need(tern_ep_shutdown(c->p.ep[0], id, c->p.now) == 0, "shutdown");
    collect(c);
    pair_deliver(&c->p, 0); /* SHUTDOWN */
    collect(c);
    need(pair_first_chunk(&c->p, 0) == TERN_CHUNK_SHUTDOWN_ACK, "no SHUTDOWN ACK");
    replace_endpoint(c, 0, 0xC0FFEE);
    flush(c);
    event(c, 1, TERN_EV_SHUTDOWN_COMPLETE, "the SHUTDOWN COMPLETE (T) did not end endpoint 1's");

    static const char msg[] = "to nobody";
    tern_data d = {TERN_DATA_FLAG_B | TERN_DATA_FLAG_E,   77, 0, 0, 0,
                   {(const uint8_t *)msg, sizeof msg - 1}};
    uint8_t chunks[64], pkt[128];
    tern_wbuf w;
    tern_wbuf_init(&w, chunks, sizeof chunks);
    tern_data_put(&w, &d);
    inject(c, 1, pkt, craft(pkt, sizeof pkt, 0, 0xCAFEF00D, &w));
    collect(c);
    need(c->p.nflight == 1 && pkt_vtag(c->p.flight[0].data, c->p.flight[0].len) == 0xCAFEF00D,
         "no ABORT reflecting the tag");
    pair_drop(&c->p, 0);
    seen(c, TERN_CHUNK_ABORT, 2, "not two ABORTs");
    seen(c, TERN_CHUNK_SHUTDOWN_COMPLETE, 1, "no SHUTDOWN COMPLETE");
    end(c);
}

/* §5.1.5 step 3, §5.2.6: a COOKIE ECHO held past the cookie's life gets an
 * ERROR (Stale Cookie); the retry INIT carries a Cookie Preservative. */
static void stale_cookie(conv *c)
{
    tern_ep_config c0 = config(c, 0), c1 = config(c, 1);
    c1.valid_cookie_life = TERN_SEC(5);
    begin(c, "stale cookie, ERROR, INIT with Cookie Preservative", &c0, &c1);
    connect0(c);
    collect(c);
    pair_deliver(&c->p, 0); /* INIT */
    collect(c);
    pair_deliver(&c->p, 0); /* INIT ACK */
    collect(c);
    need(pair_first_chunk(&c->p, 0) == TERN_CHUNK_COOKIE_ECHO, "no COOKIE ECHO");
    c->p.now += TERN_SEC(5) + TERN_MSEC(1500); /* the network held it 6.5 s */
    pair_deliver(&c->p, 0);
    collect(c);
    tern_chunk_raw err = chunk_in_flight(c, 0, TERN_CHUNK_ERROR);
    need(tern_load16(err.value.ptr) == TERN_CAUSE_STALE_COOKIE, "no Stale Cookie cause");
    pair_deliver(&c->p, 0);
    collect(c);
    need(init_param_count(c, 0, TERN_CHUNK_INIT, TERN_PARAM_COOKIE_PRESERVATIVE) == 1,
         "the retry INIT has no Cookie Preservative");
    flush(c);
    event(c, 0, TERN_EV_COMM_UP, "endpoint 0 did not come up");
    end(c);
}

/* §3.2: unknown chunks with the report bit (01 stop, 11 skip) are quoted
 * in an ERROR with Unrecognized Chunk Type causes (§3.3.10.6). */
static void unknown_chunks(conv *c)
{
    tern_ep_config c0 = config(c, 0), c1 = config(c, 1);
    begin(c, "unknown chunks (11, 01), ERROR Unrecognized Chunk Type", &c0, &c1);
    tern_assoc_id id1 = 0;
    handshake(c, &id1);
    tern_assoc_info info;
    need(pair_info(&c->p, 1, id1, &info), "no association on endpoint 1");
    uint8_t chunks[64], pkt[128];
    tern_wbuf w;
    tern_wbuf_init(&w, chunks, sizeof chunks);
    size_t off = tern_wbuf_chunk_begin(&w, 0xFE, 0); /* 11: skip, report */
    tern_wbuf_put(&w, "skip me", 7);
    tern_wbuf_chunk_end(&w, off);
    off = tern_wbuf_chunk_begin(&w, 0x7F, 0x5A); /* 01: stop, report */
    tern_wbuf_put(&w, "stop", 4);
    tern_wbuf_chunk_end(&w, off);
    off = tern_wbuf_chunk_begin(&w, 0x3F, 0); /* 00: never reached */
    tern_wbuf_chunk_end(&w, off);
    inject(c, 1, pkt, craft(pkt, sizeof pkt, 0, info.local_vtag, &w));
    collect(c);
    need(c->p.nflight == 1, "no ERROR");
    tern_chunk_raw err = chunk_in_flight(c, 0, TERN_CHUNK_ERROR);
    need(tern_load16(err.value.ptr) == TERN_CAUSE_UNRECOGNIZED_CHUNK, "not Unrecognized Chunk");
    flush(c);
    tern_event ev = event(c, 0, TERN_EV_REMOTE_ERROR, "endpoint 0 saw no ERROR");
    need(ev.cause == TERN_CAUSE_UNRECOGNIZED_CHUNK, "wrong cause reported to the user");
    end(c);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: gen_conversations PCAP EXPECTED\n");
        return 2;
    }
    conv *c = &C;
    c->pcap = fopen(argv[1], "wb");
    c->expected = fopen(argv[2], "w");
    if (!c->pcap || !c->expected) die("cannot open output files");
    pcap_write_header(c->pcap);
    plain(c);
    local_addresses(c);
    unknown_init_params(c);
    unknown_init_ack_params(c);
    collision(c);
    restart(c);
    user_abort(c);
    out_of_the_blue(c);
    stale_cookie(c);
    unknown_chunks(c);
    if (fclose(c->pcap) || fclose(c->expected)) die("write failed");
    printf("gen_conversations: %d frames\n", c->frames);
    return 0;
}
