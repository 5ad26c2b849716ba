/* The pair rig (DESIGN.md §6.2): two endpoints, one virtual clock, and the
 * packets between them held in a list the test controls, so that losing,
 * duplicating, delaying or reordering any one packet is one line. */
#ifndef TERN_TESTS_RIG_PAIR_H
#define TERN_TESTS_RIG_PAIR_H

#include <tern/core.h>

#include "wire/chunk.h"

#define PAIR_MAX_FLIGHT 256
#define PAIR_PKT_MAX    4096

typedef struct pair_pkt {
    int from; /* 0 or 1 */
    tern_path path;
    size_t len;
    uint8_t data[PAIR_PKT_MAX];
} pair_pkt;

typedef struct pair {
    tern_ep *ep[2];
    tern_path path[2]; /* path[i]: endpoint i's view (local = i, remote = the other) */
    tern_time now;
    pair_pkt flight[PAIR_MAX_FLIGHT];
    size_t nflight;
    size_t delivered, dropped;
} pair;

/* Two endpoints on ports 5000 and 5001 at 192.0.2.1 and 192.0.2.2 (virtual).
 * cfg may be NULL for defaults; the port fields are overwritten. */
void pair_init(pair *p, const tern_ep_config *cfg0, const tern_ep_config *cfg1);
void pair_free(pair *p);

/* Moves every packet both endpoints want to send into the flight list. */
void pair_collect(pair *p);
/* Delivers flight[i] to the other endpoint (removing it). */
void pair_deliver(pair *p, size_t i);
/* Removes flight[i] without delivering it. */
void pair_drop(pair *p, size_t i);
/* Delivers everything in flight, collecting answers, until nothing is left
 * (at most max_packets deliveries). Returns how many were delivered. */
size_t pair_flush(pair *p, size_t max_packets);
/* Sets the clock to the earlier of the two endpoints' deadlines (if not
 * after limit) and runs their timers. Returns false if none is due by limit. */
bool pair_step_time(pair *p, tern_time limit);
/* flush, then step time, until idle or limit: bounded by max_rounds. */
void pair_run(pair *p, tern_time limit, size_t max_rounds);

/* The chunk type of flight[i]'s first chunk. */
int pair_first_chunk(const pair *p, size_t i);
/* Finds the next event of a given type on endpoint side (others are
 * skipped and lost): 1 if found. */
int pair_event(pair *p, int side, enum tern_event_type type, tern_event *ev);

/* ---- Crafting and reading packets ---------------------------------------
 * For tests that play the peer by hand. */

/* Writes a packet with the given common header and chunk bytes (already
 * framed and padded) into buf and sets its CRC32c; returns its length. */
size_t pair_craft(uint8_t *buf, size_t cap, uint16_t src_port, uint16_t dst_port, uint32_t vtag,
                  const void *chunks, size_t chunks_len);
/* Feeds bytes to endpoint `to` as if sent by the other endpoint (its path
 * view is used). */
void pair_inject(pair *p, int to, const uint8_t *pkt, size_t len);
/* The verification tag of a packet. */
uint32_t pkt_vtag(const uint8_t *pkt, size_t len);
/* The number of chunks of a type in a packet. */
int pkt_count(const uint8_t *pkt, size_t len, uint8_t type);
/* The first chunk of a type (1) or 0. */
int pkt_find(const uint8_t *pkt, size_t len, uint8_t type, tern_chunk_raw *out);
/* The number of packets in flight from `from` that carry a chunk of type. */
size_t pair_count_in_flight(const pair *p, int from, uint8_t type);
/* Index of the first packet in flight from `from` with a chunk of type, or -1. */
long pair_find_in_flight(const pair *p, int from, uint8_t type);
/* tern_ep_assoc_info of association id on endpoint side: 1, or 0 if it
 * does not exist (any more). */
int pair_info(pair *p, int side, tern_assoc_id id, tern_assoc_info *out);

#endif
