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
/* Endpoint `side`'s SCTP port (5000 + side). */
uint16_t pair_port(int side);
/* The IPv4 address a.b.c.d (the rest of ip zero). */
tern_addr pair_v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d);

/* Moves every packet both endpoints want to send into the flight list. */
void pair_collect(pair *p);
/* Moves what endpoint `side` alone wants to send into the flight list;
 * returns how many packets that was. */
size_t pair_collect_from(pair *p, int side);
/* Delivers flight[i] to the other endpoint (removing it). */
void pair_deliver(pair *p, size_t i);
/* Delivers flight[i] over the mirror of the path it was sent on (local and
 * remote swapped), so a packet sent to another address of the peer arrives
 * there (multi-homing). */
void pair_deliver_mirrored(pair *p, size_t i);
/* Removes flight[i] without delivering it. */
void pair_drop(pair *p, size_t i);
/* Drops everything in flight; returns how many chunks of `type` the
 * dropped packets carried. */
size_t pair_drop_all(pair *p, uint8_t type);
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
/* 1 if the packet parses and holds exactly one chunk (then *out, if not
 * NULL, is it), else 0. */
int pkt_only_chunk(const uint8_t *pkt, size_t len, tern_chunk_raw *out);
/* The number of packets in flight from `from` that carry a chunk of type. */
size_t pair_count_in_flight(const pair *p, int from, uint8_t type);
/* Index of the first packet in flight from `from` with a chunk of type, or -1. */
long pair_find_in_flight(const pair *p, int from, uint8_t type);
/* tern_ep_assoc_info of association id on endpoint side: 1, or 0 if it
 * does not exist (any more). */
int pair_info(pair *p, int side, tern_assoc_id id, tern_assoc_info *out);
/* Endpoint side's counters. */
tern_ep_stats pair_stats(const pair *p, int side);

/* ---- Seeded endpoints -------------------------------------------------------- */

/* A splitmix64 generator; s is the state (any value is a fine seed). */
typedef struct pair_rng {
    uint64_t s;
} pair_rng;

/* The generator's next 64 bits. */
uint64_t pair_rng_next(pair_rng *r);
/* A cfg.random over a pair_rng (ctx). */
int pair_random(void *ctx, uint8_t *buf, size_t len);
/* Defaults, with cfg.random drawing from r seeded with seed (r must
 * outlive the endpoint). */
void pair_cfg_seeded(tern_ep_config *c, pair_rng *r, uint64_t seed);
/* One step of a seeded bad network: collects what both sides send, then
 * one packet in flight, picked by net, is dropped (drop_in_8 chances in 8),
 * duplicated (1 in 8: a copy delivered, the original left in flight) or
 * delivered; with nothing in flight, time moves to the next deadline (not
 * after limit). False when nothing is in flight and no timer is due. */
bool pair_shake(pair *p, pair_rng *net, unsigned drop_in_8, tern_time limit);

/* ---- Playing the peer by hand --------------------------------------------------
 * A packet of the given chunk bytes (framed and padded; any length: one
 * larger than PAIR_PKT_MAX is built on the heap), with the other
 * endpoint's port as source and `to`'s as destination, fed to endpoint
 * `to` at p->now. Each returns what tern_ep_input returned. */

/* Over `to`'s own path view. */
int pair_inject_chunks(pair *p, int to, uint32_t vtag, const void *chunks, size_t len);
/* Over `path` (endpoint `to`'s view: local is its address, remote the sender's). */
int pair_inject_chunks_on(pair *p, int to, const tern_path *path, uint32_t vtag, const void *chunks,
                          size_t len);
/* The chunks written into w (aborts if w overflowed). */
int pair_inject_wbuf(pair *p, int to, uint32_t vtag, const tern_wbuf *w);
/* One chunk without a value (COOKIE ACK, SHUTDOWN ACK, SHUTDOWN COMPLETE). */
int pair_inject_empty(pair *p, int to, uint32_t vtag, uint8_t type, uint8_t flags);

/* ---- Checks that abort ----------------------------------------------------------
 * These stop the program (abort, after printing the caller's file and line
 * and what was wrong) instead of failing a test assertion, so the rig
 * stays plain C: a test that gets past one knows the check held. */

/* tern_ep_assoc_info of association id on endpoint side; aborts if there
 * is no such association. */
#define pair_assoc(p, side, id) pair_assoc_loc((p), (side), (id), __FILE__, __LINE__)
/* Exactly one packet is in flight, from `from`, and it holds one chunk,
 * of `type`: that chunk (pointing into flight[0]). */
#define pair_expect_one(p, from, type) pair_expect_one_loc((p), (from), (type), __FILE__, __LINE__)
/* Endpoint side connects to the other over path[side]; its association id. */
#define pair_connect(p, side) pair_connect_loc((p), (side), __FILE__, __LINE__)
/* After endpoint 0 connected: INIT, INIT ACK, COOKIE ECHO and COOKIE ACK
 * are each collected and delivered, each the only packet in flight, from
 * the side it belongs to, with that chunk first. */
#define pair_handshake(p) pair_handshake_loc((p), __FILE__, __LINE__)
/* 0 connects to 1 and pair_handshake runs; the first event of each side
 * is COMM_UP (consumed) and both associations are ESTABLISHED. ids[i] is
 * the association's id on endpoint i. */
#define pair_establish(p, ids) pair_establish_loc((p), (ids), __FILE__, __LINE__)
/* pair_establish, and then neither endpoint has a packet to send nor
 * another event. */
#define pair_establish_idle(p, ids) pair_establish_idle_loc((p), (ids), __FILE__, __LINE__)
/* Brings endpoint 0 to COOKIE-WAIT (INIT dropped) or COOKIE-ECHOED (COOKIE
 * ECHO dropped); returns its association id. */
#define pair_half_open(p, echoed) pair_half_open_loc((p), (echoed), __FILE__, __LINE__)
/* Moves the clock to endpoint side's next deadline (there must be one, not
 * in the past) and runs that endpoint's timers alone; returns the time. */
#define pair_fire(p, side) pair_fire_loc((p), (side), __FILE__, __LINE__)
/* Appends parameters (len bytes, a multiple of 4) to the INIT ACK that is
 * the only chunk of flight[0], as if its sender had put them last, and
 * sets the packet's new CRC32c. */
#define pair_append_to_init_ack(p, params, len) \
    pair_append_to_init_ack_loc((p), (params), (len), __FILE__, __LINE__)

tern_assoc_info pair_assoc_loc(const pair *p, int side, tern_assoc_id id, const char *file,
                               int line);
tern_chunk_raw pair_expect_one_loc(const pair *p, int from, uint8_t type, const char *file,
                                   int line);
tern_assoc_id pair_connect_loc(pair *p, int side, const char *file, int line);
void pair_handshake_loc(pair *p, const char *file, int line);
void pair_establish_loc(pair *p, tern_assoc_id ids[2], const char *file, int line);
void pair_establish_idle_loc(pair *p, tern_assoc_id ids[2], const char *file, int line);
tern_assoc_id pair_half_open_loc(pair *p, bool echoed, const char *file, int line);
tern_time pair_fire_loc(pair *p, int side, const char *file, int line);
void pair_append_to_init_ack_loc(pair *p, const void *params, size_t len, const char *file,
                                 int line);

#endif
