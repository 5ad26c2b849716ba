#include "tests/rig/pair.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/endian.h"
#include "wire/packet.h"

static void rig_die(const char *what)
{
    fprintf(stderr, "pair rig: %s\n", what);
    abort();
}

/* A check made for a test failed: says where and what, and aborts. */
__attribute__((format(printf, 3, 4))) static void rig_fail(const char *file, int line,
                                                           const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s:%d: pair rig: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

uint16_t pair_port(int side)
{
    return (uint16_t)(5000 + side);
}

tern_addr pair_v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
    tern_addr x;
    memset(&x, 0, sizeof x);
    x.family = TERN_AF_INET;
    x.ip[0] = a;
    x.ip[1] = b;
    x.ip[2] = c;
    x.ip[3] = d;
    return x;
}

void pair_init(pair *p, const tern_ep_config *cfg0, const tern_ep_config *cfg1)
{
    memset(p, 0, sizeof *p);
    const tern_ep_config *cfgs[2] = {cfg0, cfg1};
    for (int i = 0; i < 2; i++) {
        tern_ep_config c;
        if (cfgs[i])
            c = *cfgs[i];
        else
            tern_ep_config_default(&c);
        c.port = pair_port(i);
        if (tern_ep_new(&c, &p->ep[i]) != 0) rig_die("tern_ep_new failed");
        p->path[i].local = pair_v4(192, 0, 2, (uint8_t)(1 + i));
        p->path[i].remote = pair_v4(192, 0, 2, (uint8_t)(2 - i));
        p->path[i].encaps_port = 9899;
    }
}

void pair_free(pair *p)
{
    tern_ep_free(p->ep[0]);
    tern_ep_free(p->ep[1]);
}

size_t pair_collect_from(pair *p, int side)
{
    size_t n = 0;
    for (;;) {
        if (p->nflight == PAIR_MAX_FLIGHT) rig_die("flight list full");
        pair_pkt *k = &p->flight[p->nflight];
        long len = tern_ep_output(p->ep[side], &k->path, k->data, sizeof k->data, p->now);
        if (len < 0) rig_die("tern_ep_output failed");
        if (len == 0) return n;
        k->from = side;
        k->len = (size_t)len;
        p->nflight++;
        n++;
    }
}

void pair_collect(pair *p)
{
    pair_collect_from(p, 0);
    pair_collect_from(p, 1);
}

static void remove_at(pair *p, size_t i)
{
    memmove(&p->flight[i], &p->flight[i + 1], (p->nflight - i - 1) * sizeof p->flight[0]);
    p->nflight--;
}

void pair_deliver(pair *p, size_t i)
{
    if (i >= p->nflight) rig_die("no such packet in flight");
    pair_pkt *k = &p->flight[i];
    int to = 1 - k->from;
    tern_ep_input(p->ep[to], &p->path[to], k->data, k->len, p->now);
    p->delivered++;
    remove_at(p, i);
}

void pair_deliver_mirrored(pair *p, size_t i)
{
    if (i >= p->nflight) rig_die("no such packet in flight");
    pair_pkt *k = &p->flight[i];
    tern_path v = {
        .local = k->path.remote, .remote = k->path.local, .encaps_port = k->path.encaps_port};
    tern_ep_input(p->ep[1 - k->from], &v, k->data, k->len, p->now);
    p->delivered++;
    remove_at(p, i);
}

void pair_drop(pair *p, size_t i)
{
    if (i >= p->nflight) rig_die("no such packet to drop");
    p->dropped++;
    remove_at(p, i);
}

size_t pair_flush(pair *p, size_t max_packets)
{
    size_t n = 0;
    pair_collect(p);
    while (p->nflight && n < max_packets) {
        pair_deliver(p, 0);
        pair_collect(p);
        n++;
    }
    return n;
}

bool pair_step_time(pair *p, tern_time limit)
{
    tern_time d0 = tern_ep_next_deadline(p->ep[0]), d1 = tern_ep_next_deadline(p->ep[1]);
    tern_time d = d0 < d1 ? d0 : d1;
    if (d == TERN_TIME_NEVER || d > limit) return false;
    if (d > p->now) p->now = d;
    tern_ep_on_deadline(p->ep[0], p->now);
    tern_ep_on_deadline(p->ep[1], p->now);
    return true;
}

void pair_run(pair *p, tern_time limit, size_t max_rounds)
{
    for (size_t r = 0; r < max_rounds; r++) {
        pair_flush(p, 10000);
        if (!pair_step_time(p, limit)) {
            pair_flush(p, 10000);
            return;
        }
    }
}

int pair_first_chunk(const pair *p, size_t i)
{
    if (i >= p->nflight || p->flight[i].len < 16) return -1;
    return p->flight[i].data[12];
}

int pair_event(pair *p, int side, enum tern_event_type type, tern_event *ev)
{
    for (int guard = 0; guard < 100000; guard++) {
        if (!tern_ep_poll_event(p->ep[side], ev)) return 0;
        if (ev->type == type) return 1;
    }
    return 0;
}

size_t pair_craft(uint8_t *buf, size_t cap, uint16_t src_port, uint16_t dst_port, uint32_t vtag,
                  const void *chunks, size_t chunks_len)
{
    if (cap < 12 + chunks_len) rig_die("pair_craft: buffer too small");
    tern_wbuf w;
    tern_wbuf_init(&w, buf, cap);
    tern_wbuf_common_header(&w, src_port, dst_port, vtag);
    tern_wbuf_put(&w, chunks, chunks_len);
    tern_packet_set_checksum(buf, w.len);
    return w.len;
}

void pair_inject(pair *p, int to, const uint8_t *pkt, size_t len)
{
    tern_ep_input(p->ep[to], &p->path[to], pkt, len, p->now);
}

uint32_t pkt_vtag(const uint8_t *pkt, size_t len)
{
    if (len < 12) rig_die("pkt_vtag: short packet");
    return tern_load32(pkt + 4);
}

int pkt_find(const uint8_t *pkt, size_t len, uint8_t type, tern_chunk_raw *out)
{
    tern_common_header h;
    tern_chunk_iter it;
    tern_chunk_raw raw;
    if (tern_packet_parse(pkt, len, &h, &it) < 0) return 0;
    while (tern_chunk_next(&it, &raw) > 0)
        if (raw.type == type) {
            if (out) *out = raw;
            return 1;
        }
    return 0;
}

int pkt_count(const uint8_t *pkt, size_t len, uint8_t type)
{
    tern_common_header h;
    tern_chunk_iter it;
    tern_chunk_raw raw;
    int n = 0;
    if (tern_packet_parse(pkt, len, &h, &it) < 0) return 0;
    while (tern_chunk_next(&it, &raw) > 0)
        n += raw.type == type;
    return n;
}

size_t pair_count_in_flight(const pair *p, int from, uint8_t type)
{
    size_t n = 0;
    for (size_t i = 0; i < p->nflight; i++)
        if (p->flight[i].from == from && pkt_find(p->flight[i].data, p->flight[i].len, type, NULL))
            n++;
    return n;
}

long pair_find_in_flight(const pair *p, int from, uint8_t type)
{
    for (size_t i = 0; i < p->nflight; i++)
        if (p->flight[i].from == from && pkt_find(p->flight[i].data, p->flight[i].len, type, NULL))
            return (long)i;
    return -1;
}

int pair_info(pair *p, int side, tern_assoc_id id, tern_assoc_info *out)
{
    return tern_ep_assoc_info(p->ep[side], id, out) == 0;
}

tern_ep_stats pair_stats(const pair *p, int side)
{
    tern_ep_stats s;
    tern_ep_stats_get(p->ep[side], &s);
    return s;
}

size_t pair_drop_all(pair *p, uint8_t type)
{
    size_t n = 0;
    while (p->nflight) {
        n += (size_t)pkt_count(p->flight[0].data, p->flight[0].len, type);
        pair_drop(p, 0);
    }
    return n;
}

int pkt_only_chunk(const uint8_t *pkt, size_t len, tern_chunk_raw *out)
{
    tern_common_header h;
    tern_chunk_iter it;
    tern_chunk_raw raw, more;
    if (tern_packet_parse(pkt, len, &h, &it) != 0) return 0;
    if (tern_chunk_next(&it, &raw) != 1) return 0;
    if (tern_chunk_next(&it, &more) != 0) return 0;
    if (out) *out = raw;
    return 1;
}

/* ---- Seeded endpoints ---------------------------------------------------------- */

uint64_t pair_rng_next(pair_rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

bool pair_shake(pair *p, pair_rng *net, unsigned drop_in_8, tern_time limit)
{
    pair_collect(p);
    if (!p->nflight) return pair_step_time(p, limit);
    uint64_t roll = pair_rng_next(net);
    size_t i = (size_t)(roll % p->nflight);
    unsigned pick = (unsigned)((roll >> 32) % 8);
    if (pick < drop_in_8) {
        pair_drop(p, i);
    } else if (pick == drop_in_8 && p->nflight < PAIR_MAX_FLIGHT) {
        p->flight[p->nflight] = p->flight[i];
        p->nflight++;
        pair_deliver(p, p->nflight - 1);
    } else {
        pair_deliver(p, i);
    }
    return true;
}

int pair_random(void *ctx, uint8_t *buf, size_t len)
{
    pair_rng *r = ctx;
    while (len) {
        uint64_t v = pair_rng_next(r);
        size_t n = len < sizeof v ? len : sizeof v;
        memcpy(buf, &v, n);
        buf += n;
        len -= n;
    }
    return 0;
}

void pair_cfg_seeded(tern_ep_config *c, pair_rng *r, uint64_t seed)
{
    tern_ep_config_default(c);
    r->s = seed;
    c->random = pair_random;
    c->random_ctx = r;
}

/* ---- Playing the peer by hand ---------------------------------------------------- */

int pair_inject_chunks_on(pair *p, int to, const tern_path *path, uint32_t vtag, const void *chunks,
                          size_t len)
{
    uint8_t small[PAIR_PKT_MAX], *pkt = small;
    size_t cap = sizeof small;
    if (len > cap - 12) {
        cap = 12 + len;
        pkt = malloc(cap);
        if (!pkt) rig_die("pair_inject_chunks: out of memory");
    }
    size_t n = pair_craft(pkt, cap, pair_port(1 - to), pair_port(to), vtag, chunks, len);
    int rc = tern_ep_input(p->ep[to], path, pkt, n, p->now);
    if (pkt != small) free(pkt);
    return rc;
}

int pair_inject_chunks(pair *p, int to, uint32_t vtag, const void *chunks, size_t len)
{
    return pair_inject_chunks_on(p, to, &p->path[to], vtag, chunks, len);
}

int pair_inject_wbuf(pair *p, int to, uint32_t vtag, const tern_wbuf *w)
{
    if (w->err) rig_die("pair_inject_wbuf: the chunks overflowed their buffer");
    return pair_inject_chunks(p, to, vtag, w->buf, w->len);
}

int pair_inject_empty(pair *p, int to, uint32_t vtag, uint8_t type, uint8_t flags)
{
    uint8_t c[4];
    tern_wbuf w;
    tern_wbuf_init(&w, c, sizeof c);
    tern_empty_chunk_put(&w, type, flags);
    return pair_inject_wbuf(p, to, vtag, &w);
}

/* ---- Checks that abort ------------------------------------------------------------ */

static const char *chunk_name(int type)
{
    return type < 0 ? "(no chunk)" : tern_chunk_type_name((uint8_t)type);
}

tern_assoc_info pair_assoc_loc(const pair *p, int side, tern_assoc_id id, const char *file,
                               int line)
{
    tern_assoc_info i;
    if (tern_ep_assoc_info(p->ep[side], id, &i) != 0)
        rig_fail(file, line, "pair_assoc: endpoint %d has no association %lu", side,
                 (unsigned long)id);
    return i;
}

tern_chunk_raw pair_expect_one_loc(const pair *p, int from, uint8_t type, const char *file,
                                   int line)
{
    tern_chunk_raw raw;
    if (p->nflight != 1)
        rig_fail(file, line, "pair_expect_one: %zu packets in flight, want one %s from endpoint %d",
                 p->nflight, chunk_name(type), from);
    if (p->flight[0].from != from)
        rig_fail(file, line, "pair_expect_one: the packet is from endpoint %d, want %d (%s)",
                 p->flight[0].from, from, chunk_name(type));
    if (!pkt_only_chunk(p->flight[0].data, p->flight[0].len, &raw))
        rig_fail(file, line,
                 "pair_expect_one: the packet (first chunk %s) does not hold exactly "
                 "one chunk, want one %s",
                 chunk_name(pair_first_chunk(p, 0)), chunk_name(type));
    if (raw.type != type)
        rig_fail(file, line, "pair_expect_one: a %s chunk, want %s", chunk_name(raw.type),
                 chunk_name(type));
    return raw;
}

tern_assoc_id pair_connect_loc(pair *p, int side, const char *file, int line)
{
    tern_assoc_id id = 0;
    int rc = tern_ep_connect(p->ep[side], &p->path[side], pair_port(1 - side), p->now, &id);
    if (rc != 0) rig_fail(file, line, "pair_connect: tern_ep_connect on endpoint %d: %d", side, rc);
    if (id == 0) rig_fail(file, line, "pair_connect: association id 0");
    return id;
}

void pair_handshake_loc(pair *p, const char *file, int line)
{
    static const uint8_t want[4] = {TERN_CHUNK_INIT, TERN_CHUNK_INIT_ACK, TERN_CHUNK_COOKIE_ECHO,
                                    TERN_CHUNK_COOKIE_ACK};
    for (int k = 0; k < 4; k++) {
        pair_collect(p);
        if (p->nflight != 1)
            rig_fail(file, line, "pair_handshake: %zu packets in flight, want the %s alone",
                     p->nflight, chunk_name(want[k]));
        if (p->flight[0].from != k % 2)
            rig_fail(file, line, "pair_handshake: the %s's turn, but endpoint %d sent",
                     chunk_name(want[k]), p->flight[0].from);
        if (pair_first_chunk(p, 0) != want[k])
            rig_fail(file, line, "pair_handshake: a %s where the %s should be",
                     chunk_name(pair_first_chunk(p, 0)), chunk_name(want[k]));
        pair_deliver(p, 0);
    }
}

void pair_establish_loc(pair *p, tern_assoc_id ids[2], const char *file, int line)
{
    ids[0] = pair_connect_loc(p, 0, file, line);
    pair_handshake_loc(p, file, line);
    for (int side = 0; side < 2; side++) {
        tern_event ev;
        if (!tern_ep_poll_event(p->ep[side], &ev))
            rig_fail(file, line, "pair_establish: no event on endpoint %d", side);
        if (ev.type != TERN_EV_COMM_UP)
            rig_fail(file, line, "pair_establish: endpoint %d's first event is %d, not COMM_UP",
                     side, (int)ev.type);
        if (side == 0 && ev.assoc != ids[0])
            rig_fail(file, line, "pair_establish: COMM_UP for association %lu, connected %lu",
                     (unsigned long)ev.assoc, (unsigned long)ids[0]);
        ids[side] = ev.assoc;
        tern_assoc_info i = pair_assoc_loc(p, side, ids[side], file, line);
        if (i.state != TERN_STATE_ESTABLISHED)
            rig_fail(file, line, "pair_establish: endpoint %d in state %d, not ESTABLISHED", side,
                     (int)i.state);
    }
}

void pair_establish_idle_loc(pair *p, tern_assoc_id ids[2], const char *file, int line)
{
    pair_establish_loc(p, ids, file, line);
    pair_collect(p);
    if (p->nflight)
        rig_fail(file, line,
                 "pair_establish_idle: %zu packets in flight after the handshake, the first "
                 "from endpoint %d (first chunk %s)",
                 p->nflight, p->flight[0].from, chunk_name(pair_first_chunk(p, 0)));
    for (int side = 0; side < 2; side++) {
        tern_event ev;
        if (tern_ep_poll_event(p->ep[side], &ev))
            rig_fail(file, line, "pair_establish_idle: endpoint %d has event %d after COMM_UP",
                     side, (int)ev.type);
    }
}

tern_assoc_id pair_half_open_loc(pair *p, bool echoed, const char *file, int line)
{
    tern_assoc_id id = pair_connect_loc(p, 0, file, line);
    pair_collect(p);
    if (echoed) {
        pair_deliver(p, 0); /* INIT */
        pair_collect(p);
        pair_deliver(p, 0); /* INIT ACK */
        pair_collect(p);
    }
    pair_drop_all(p, 0);
    enum tern_state want = echoed ? TERN_STATE_COOKIE_ECHOED : TERN_STATE_COOKIE_WAIT;
    tern_assoc_info i = pair_assoc_loc(p, 0, id, file, line);
    if (i.state != want)
        rig_fail(file, line, "pair_half_open: endpoint 0 in state %d, want %d", (int)i.state,
                 (int)want);
    return id;
}

tern_time pair_fire_loc(pair *p, int side, const char *file, int line)
{
    tern_time d = tern_ep_next_deadline(p->ep[side]);
    if (d == TERN_TIME_NEVER) rig_fail(file, line, "pair_fire: endpoint %d has no timer", side);
    if (d < p->now)
        rig_fail(file, line, "pair_fire: endpoint %d's deadline %llu is before now (%llu)", side,
                 (unsigned long long)d, (unsigned long long)p->now);
    p->now = d;
    tern_ep_on_deadline(p->ep[side], p->now);
    return d;
}

void pair_append_to_init_ack_loc(pair *p, const void *params, size_t len, const char *file,
                                 int line)
{
    if (pair_first_chunk(p, 0) != TERN_CHUNK_INIT_ACK)
        rig_fail(file, line, "pair_append_to_init_ack: flight[0] starts with %s, not an INIT ACK",
                 chunk_name(pair_first_chunk(p, 0)));
    if (len % 4)
        rig_fail(file, line, "pair_append_to_init_ack: %zu bytes, not a multiple of 4", len);
    pair_pkt *k = &p->flight[0];
    size_t padded = (tern_load16(k->data + 14) + 3u) & ~3u;
    if (k->len != 12 + padded)
        rig_fail(file, line,
                 "pair_append_to_init_ack: the packet is %zu bytes, the INIT ACK's %zu: it "
                 "is not the only chunk",
                 k->len, 12 + padded);
    if (len > sizeof k->data - k->len || padded + len > UINT16_MAX)
        rig_fail(file, line, "pair_append_to_init_ack: no room for %zu more bytes", len);
    memcpy(k->data + k->len, params, len);
    k->len += len;
    tern_store16(k->data + 14, (uint16_t)(padded + len));
    tern_packet_set_checksum(k->data, k->len);
}
