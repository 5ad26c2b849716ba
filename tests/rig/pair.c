#include "tests/rig/pair.h"

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
        c.port = (uint16_t)(5000 + i);
        if (tern_ep_new(&c, &p->ep[i]) != 0) rig_die("tern_ep_new failed");
        p->path[i].local.family = TERN_AF_INET;
        p->path[i].remote.family = TERN_AF_INET;
        memcpy(p->path[i].local.ip, (uint8_t[]){192, 0, 2, (uint8_t)(1 + i)}, 4);
        memcpy(p->path[i].remote.ip, (uint8_t[]){192, 0, 2, (uint8_t)(2 - i)}, 4);
        p->path[i].encaps_port = 9899;
    }
}

void pair_free(pair *p)
{
    tern_ep_free(p->ep[0]);
    tern_ep_free(p->ep[1]);
}

void pair_collect(pair *p)
{
    for (int i = 0; i < 2; i++)
        for (int guard = 0; guard < 10000; guard++) {
            if (p->nflight == PAIR_MAX_FLIGHT) rig_die("flight list full");
            pair_pkt *k = &p->flight[p->nflight];
            long n = tern_ep_output(p->ep[i], &k->path, k->data, sizeof k->data, p->now);
            if (n < 0) rig_die("tern_ep_output failed");
            if (n == 0) break;
            k->from = i;
            k->len = (size_t)n;
            p->nflight++;
        }
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
