/* The core's internal structures: endpoint, association (TCB) and its paths.
 * Every file of core/ includes this; nothing outside core/ does (tests use
 * the public tern/core.h). */
#ifndef TERN_CORE_INTERNAL_H
#define TERN_CORE_INTERNAL_H

#include <tern/core.h>

#include "core/cc.h"
#include "core/cookie.h"
#include "core/reasm.h"
#include "core/retransq.h"
#include "core/sendq.h"
#include "core/tsn_map.h"
#include "wire/chunk.h"

#define TERN_EXPORT __attribute__((visibility("default")))

typedef struct tern_assoc tern_assoc;

/* One peer transport address (RFC 9260 §8.2, §8.3). Embedded in the TCB. */
typedef struct tern_dest {
    tern_path path; /* local, remote, encapsulation port */
    enum tern_path_state state;
    bool rtt_measured;
    /* This path's thresholds (§8.2, RFC 7829 §5.1) and HB.interval in ms
     * (§8.3; 0: no heartbeats here), from the association's settings when
     * the path is added; RFC 6458 §8.1.12 sets them per path. */
    uint8_t path_max_retrans, pf_max_retrans;
    uint32_t hb_interval_ms;
    tern_time srtt, rttvar, rto; /* §6.3.1 */
    uint32_t error_count;
    /* §8.3: one timer; when it fires with a heartbeat still unanswered the
     * address takes a strike, then a new heartbeat goes out. */
    tern_time hb_deadline;
    bool hb_outstanding, hb_pending_send;
    uint64_t hb_nonce;
    tern_time hb_sent_at;
    /* Data (§6.3, §7): T3-rtx and congestion control of this destination. */
    tern_time t3_deadline;
    uint32_t pmtu; /* IP MTU */
    tern_cc cc;
    /* The endpoint's peer-address hash chain. */
    tern_assoc *owner;
    struct tern_dest *next_by_peer;
    tern_path_counters counters; /* tern_path_info.counters */
} tern_dest;

/* Association-level timers; per-path ones live in tern_dest. */
enum tern_timer {
    TERN_T1,         /* T1-init / T1-cookie (§5.1 A, C) */
    TERN_T2,         /* T2-shutdown (§9.2) */
    TERN_T5,         /* T5-shutdown-guard (§9.2) */
    TERN_TSACK,      /* delayed SACK (§6.2) */
    TERN_TTTL,       /* the earliest expiry of an unsent message's ttl (or earlier) */
    TERN_TAUTOCLOSE, /* RFC 6458 §8.1.8: may be early; re-armed from last_data_at */
    TERN_TIMER_COUNT
};

/* Control chunks an association has to send when output is next pulled. */
enum tern_pending {
    TERN_SEND_INIT = 1u << 0,
    TERN_SEND_COOKIE_ECHO = 1u << 1,
    TERN_SEND_COOKIE_ACK = 1u << 2,
    TERN_SEND_SHUTDOWN = 1u << 3,
    TERN_SEND_SHUTDOWN_ACK = 1u << 4,
    TERN_SEND_HEARTBEAT = 1u << 5, /* see tern_dest.hb_pending_send */
    TERN_SEND_SACK = 1u << 6,
    TERN_SEND_DATA = 1u << 7, /* new or marked DATA may be sendable */
};

#define TERN_MAX_UNRECOGNIZED 256 /* bytes of INIT ACK parameters reported back */
#define TERN_MIN_SEG          64  /* smallest non-zero max_seg */
#define TERN_MAX_AUTOCLOSE    TERN_SEC(86400 * 366)

/* a + b, saturating at TERN_TIME_NEVER. */
static inline tern_time tern_time_add(tern_time a, tern_time b)
{
    return a > TERN_TIME_NEVER - b ? TERN_TIME_NEVER : a + b;
}

/* The settings an association lives by: copied from the endpoint's config
 * when it is created (tern_ep_config_update leaves them alone), changed by
 * tern_ep_assoc_params_set. */
typedef struct tern_assoc_cfg {
    tern_addr local_addrs[TERN_MAX_LOCAL_ADDRS]; /* listed in our INIT */
    uint8_t num_local_addrs;
    uint16_t outbound_streams, max_inbound_streams;
    uint32_t rwnd, pd_point, sndbuf, pmtu, max_seg;
    tern_time rto_initial, rto_min, rto_max;
    tern_time init_rto_max; /* 0: rto_max */
    tern_time hb_interval, shutdown_guard, sack_delay, autoclose;
    uint8_t max_init_retransmits, assoc_max_retrans, path_max_retrans, pf_max_retrans;
    bool primary_switchover;
    uint8_t sack_freq, max_burst;
    bool nodelay;
    bool adaptation_ind_on;
    uint32_t adaptation_ind;
    bool omit_init_params; /* tern_ep_config.omit_init_params */
} tern_assoc_cfg;

struct tern_assoc {
    tern_assoc_id id;
    enum tern_state state;
    tern_assoc_cfg cfg;
    uint16_t peer_port;
    uint32_t local_vtag, peer_vtag;
    uint32_t local_tie_tag, peer_tie_tag; /* §5.2.2: random, 0 until needed */
    uint32_t local_initial_tsn, peer_initial_tsn;
    uint32_t peer_rwnd;
    uint16_t outbound_streams, inbound_streams; /* negotiated (§5.1.1) */
    uint8_t peer_ext[32];                       /* Supported Extensions bitmap */
    bool peer_adaptation_on;                    /* RFC 5061 §4.2.6, from INIT / INIT ACK */
    uint32_t peer_adaptation;

    /* num_paths of paths_cap (at most TERN_MAX_PATHS): &path0 while the
     * peer has one address, else an array grown by doubling (assoc.c). */
    tern_dest *paths;
    uint8_t num_paths, primary, paths_cap;
    uint8_t sack_path;        /* where the latest DATA came from: its SACK goes there (§6.4) */
    uint32_t error_count;     /* §8.1 */
    tern_time hb_probe_after; /* HB.Max.Burst: the next probing heartbeat not before */

    tern_time timer[TERN_TIMER_COUNT];
    tern_time deadline; /* min of every timer: the heap key */
    uint8_t init_retransmits;
    uint8_t shutdown_retransmits;
    tern_time t1_started;            /* when the INIT or COOKIE ECHO last went out */
    uint32_t cookie_preservative_ms; /* §5.2.6 alternative 3, sent in the next INIT */

    unsigned pending; /* enum tern_pending bits */
    uint8_t *cookie;  /* the peer's cookie, echoed until COOKIE ACK */
    size_t cookie_len;
    uint8_t *unrecognized; /* INIT ACK parameters to report with COOKIE ECHO */
    size_t unrecognized_len;

    tern_assoc_stats stats;

    /* Data transfer (§6, §7): set up on entering ESTABLISHED, or at
     * tern_ep_connect (messages may queue during the handshake, §5.1 C);
     * data.c. */
    bool data_up;
    bool cookie_bundle; /* the packet being built carries COOKIE ECHO (§5.1 C) */
    tern_sendq sendq;
    tern_retransq rq;
    tern_tsn_map rmap;
    tern_reasm reasm;
    uint32_t last_a_rwnd;   /* the window our last SACK advertised */
    uint8_t data_packets;   /* DATA packets received since our last SACK */
    bool fast_rtx_now;      /* §7.2.4 3: one packet may ignore cwnd */
    bool zwp_due;           /* §6.1 A: a zero window probe may go now */
    bool zwp_out;           /* ... and one is outstanding */
    bool sack_since_t3;     /* a SACK arrived since T3 last fired */
    bool dry_owed;          /* data was sent since the last SENDER_DRY */
    tern_time last_data_at; /* DATA last sent or received (autoclose) */
    tern_reasm_msg rcv_msg; /* the message being read */
    bool rcv_lent;
    size_t rcv_off;
    tern_assoc *next_readable;
    bool on_readable_list;

    /* Endpoint bookkeeping. */
    tern_assoc *next_by_vtag, *next_by_id, *next_pending;
    bool on_pending_list;
    size_t heap_index; /* SIZE_MAX: not in the deadline heap */

    tern_dest path0; /* the first peer address (see paths) */
};

/* A stateless answer (INIT ACK, ABORT, SHUTDOWN COMPLETE, ERROR, HEARTBEAT
 * ACK) waiting for tern_ep_output(); the ring starts empty and doubles up
 * to TERN_CTRL_SLOTS (ep.c), so answering allocates only while it grows. */
#define TERN_CTRL_SLOTS    32
#define TERN_CTRL_SLOT_LEN 2048

typedef struct tern_ctrl_slot {
    tern_path path;
    uint16_t len;
    uint8_t pkt[TERN_CTRL_SLOT_LEN];
} tern_ctrl_slot;

/* Chunk counters by type (tern_ep_stats.chunks_in/out), kept small: the
 * types Tern uses inline, any other in a 256-counter array allocated the
 * first time one is seen (bounded: once per direction). tern_chunk_slot
 * maps a type to its inline counter + 1, or 0. */
#define TERN_KNOWN_CHUNK_TYPES 16
extern const uint8_t tern_chunk_slot[256];

typedef struct tern_chunk_counts {
    uint64_t known[TERN_KNOWN_CHUNK_TYPES];
    uint64_t *other; /* 256 counters, or NULL */
} tern_chunk_counts;

/* tern_ep_stats with compact chunk counters (tern_ep_stats_get expands). */
typedef struct tern_ep_counters {
    uint64_t packets_in, packets_out;
    tern_chunk_counts chunks_in, chunks_out;
    uint64_t drops[TERN_DROP_MAX];
    uint64_t events_dropped;
    uint64_t assocs_created, assocs_freed;
    uint32_t assocs_open;
} tern_ep_counters;

struct tern_ep {
    tern_ep_config cfg;
    tern_cookie_keys keys;
    tern_time next_rotation;
    tern_ep_counters stats;
    uint64_t hash_seed;
    tern_assoc_id next_id;

    /* Chained hash tables, nbuckets each: 64 at first, doubled (rehashed)
     * as associations are created, up to 2 × max_associations (assoc.c). */
    tern_assoc **by_vtag;
    tern_assoc **by_id;
    tern_dest **by_peer; /* one entry per peer address of every association */
    size_t nbuckets;

    /* Min-heap on tern_assoc.deadline; grown by doubling when an association
     * is created, so that every open one has a place. */
    tern_assoc **heap;
    size_t heap_len, heap_cap;

    tern_assoc *pending_head, *pending_tail;

    tern_ctrl_slot *ctrl; /* ring of ctrl_cap (0 to TERN_CTRL_SLOTS, power of two) */
    unsigned ctrl_head, ctrl_len, ctrl_cap;

    /* Ring of ev_cap (a power of two, doubled on demand); at most
     * cfg.event_queue_len are queued. */
    tern_event *events;
    uint32_t ev_head, ev_len, ev_cap;
    uint8_t *lent_data; /* the data of the last event polled (TERN_EV_SEND_FAILED) */
    size_t lent_len;

    tern_assoc *readable_head, *readable_tail; /* associations with messages to read */

    /* The tables and the heap while the endpoint has one association (a
     * connecting one-to-one socket's endpoint never has more). */
    tern_assoc *vtag0[1], *id0[1], *heap0[1];
    tern_dest *peer0[1];
};

/* ---- ep.c -------------------------------------------------------------- */
void *tern_ep_alloc(tern_ep *ep, size_t size);
void tern_ep_dealloc(tern_ep *ep, void *ptr, size_t size);
int tern_ep_random(tern_ep *ep, void *buf, size_t len);
uint32_t tern_ep_random32(tern_ep *ep);
/* Rotates the cookie secret if cfg.cookie_rotation says it is time. */
void tern_ep_rotate_if_due(tern_ep *ep, tern_time now);
/* A fresh local tag: non-zero (§5.3.1) and used by no other association. */
uint32_t tern_ep_new_vtag(tern_ep *ep);
void tern_ep_event(tern_ep *ep, enum tern_event_type type, const tern_assoc *a, uint16_t cause);
/* A queued event to fill in further, or NULL (counted) when the queue is full. */
tern_event *tern_ep_event_slot(tern_ep *ep, enum tern_event_type type, const tern_assoc *a,
                               uint16_t cause);
/* One chunk of this type in or out (c is &ep->stats.chunks_in or _out). */
void tern_ep_count_other_chunk(tern_ep *ep, tern_chunk_counts *c, uint8_t type);
static inline void tern_ep_count_chunk(tern_ep *ep, tern_chunk_counts *c, uint8_t type)
{
    uint8_t k = tern_chunk_slot[type];
    if (k)
        c->known[k - 1]++;
    else
        tern_ep_count_other_chunk(ep, c, type);
}
/* Counts a drop on the endpoint and, when a is given, on the association. */
void tern_ep_drop(tern_ep *ep, tern_assoc *a, enum tern_drop_reason why);

/* The stateless-answer ring. push reserves a slot and starts its packet
 * (common header written); commit checksums and queues it (nothing is sent
 * if the writer overflowed). push returns NULL, counted, when full. */
tern_ctrl_slot *tern_ctrl_push(tern_ep *ep, const tern_path *path, tern_wbuf *w, uint16_t src_port,
                               uint16_t dst_port, uint32_t vtag);
void tern_ctrl_commit(tern_ep *ep, tern_ctrl_slot *slot, tern_wbuf *w);

/* ---- assoc.c: lifetime, lookup tables, deadline heap, output list ------- */
tern_assoc *tern_assoc_new(tern_ep *ep, const tern_path *path, uint16_t peer_port,
                           uint32_t local_vtag);
void tern_assoc_free(tern_ep *ep, tern_assoc *a);
/* Ends the association and tells the user (type 0: no event). */
void tern_assoc_end(tern_ep *ep, tern_assoc *a, enum tern_event_type type, uint16_t cause);
void tern_assoc_set_local_vtag(tern_ep *ep, tern_assoc *a, uint32_t vtag);
tern_assoc *tern_assoc_by_vtag(const tern_ep *ep, uint32_t local_vtag);
/* The path of any association with this peer transport address. */
tern_dest *tern_dest_by_peer(const tern_ep *ep, const tern_addr *remote, uint16_t peer_port);
tern_assoc *tern_assoc_by_id(const tern_ep *ep, tern_assoc_id id);
/* Adds a peer address (its path local/encaps taken from like); NULL when
 * the table is full or the address is not unicast. Returns the existing
 * path when the address is known. */
tern_dest *tern_assoc_add_path(tern_ep *ep, tern_assoc *a, const tern_addr *remote,
                               const tern_path *like);
/* A packet for a reached us at path->local: the source for its paths with
 * none yet (the caller's connect may not know it), unless a lists several
 * addresses of that family (then the routing picks, tern_assoc_add_path). */
void tern_assoc_learn_local(tern_assoc *a, const tern_path *path);
tern_dest *tern_assoc_find_path(tern_assoc *a, const tern_addr *remote);
static inline tern_dest *tern_primary(tern_assoc *a)
{
    return &a->paths[a->primary];
}
void tern_assoc_set_timer(tern_ep *ep, tern_assoc *a, enum tern_timer t, tern_time when);
/* Recomputes the association's deadline after a timer field changed. */
void tern_assoc_timers_changed(tern_ep *ep, tern_assoc *a);
void tern_assoc_want_output(tern_ep *ep, tern_assoc *a, unsigned what);
tern_assoc *tern_pending_pop(tern_ep *ep);
tern_assoc *tern_heap_top(const tern_ep *ep);
/* Hash tables and heap ready for one more association (ep.c, at creation
 * only). Errors: TERN_ENOMEM. */
int tern_ep_reserve_assoc(tern_ep *ep);
/* Relinks every association into the tables of nb buckets given, which
 * become the endpoint's (assoc.c); the caller frees the old ones. */
void tern_assoc_rehash(tern_ep *ep, tern_assoc **by_vtag, tern_assoc **by_id, tern_dest **by_peer,
                       size_t nb);
bool tern_addr_equal(const tern_addr *a, const tern_addr *b);
/* §8.4 item 1 / §5.1.2: only unicast addresses take part. */
bool tern_addr_is_unicast(const tern_addr *a);

/* ---- params.c: per-association settings ------------------------------------ */
void tern_assoc_params_from_config(const tern_ep_config *c, tern_assoc_params *p);
bool tern_assoc_params_valid(const tern_assoc_params *p);
void tern_assoc_cfg_init(tern_assoc_cfg *c, const tern_ep_config *cfg);

/* ---- path.c: RTO (§6.3.1, §6.3.3), path state and its events ------------------ */
void tern_dest_init(tern_ep *ep, tern_dest *d);
/* A new path takes the association's thresholds and HB.interval (a
 * restart's tern_dest_init leaves the user's per-path values alone). */
void tern_dest_take_defaults(tern_dest *d);
/* HB.interval in whole ms, rounded up (a non-zero interval stays on). */
uint32_t tern_hb_interval_ms(tern_time interval);
void tern_dest_rtt_sample(tern_ep *ep, tern_dest *d, tern_time rtt);
void tern_dest_backoff(tern_ep *ep, tern_dest *d);
/* Moves d to state, telling the user of what RFC 6458 §6.1.2 and RFC 7829
 * §7.1 report (UNREACHABLE, POTENTIALLY_FAILED, AVAILABLE, CONFIRMED);
 * re-plans d's heartbeats, the primary (primary_switchover) and the output. */
void tern_dest_set_state(tern_ep *ep, tern_dest *d, enum tern_path_state state, tern_time now);
/* §8.2, RFC 7829 §5.1: one strike on d's error counter (saturating just past
 * Path.Max.Retrans): past pf_max_retrans an active address is potentially
 * failed, past path_max_retrans inactive. */
void tern_dest_strike(tern_ep *ep, tern_dest *d, tern_time now);
/* Where new data and control chunks go (§6.4, §8.2, RFC 7829 §5.1): the
 * primary while it is active, else the best other path (active, then
 * potentially failed, then inactive; fewer errors first; the primary on a
 * tie); never an UNCONFIRMED address (§5.4). */
tern_dest *tern_assoc_current(tern_assoc *a);
/* §6.4.1: where a chunk that timed out on from goes again: the best other
 * active path, else tern_assoc_current. */
tern_dest *tern_assoc_alternate(tern_assoc *a, const tern_dest *from);
/* The path's IP MTU changed: congestion control's PMDCS follows (§7.3). */
void tern_dest_set_pmtu(tern_dest *d, uint32_t pmtu);

/* ---- init_params.c: INIT / INIT ACK parameters (§3.3.2, §3.3.3, §5.1.2) ---- */
typedef struct tern_init_scan {
    tern_addr addrs[TERN_MAX_PATHS]; /* address parameters, unicast only */
    uint8_t num_addrs;
    bool host_name; /* §5.1.2: Tern refuses host names */
    tern_tlv host_name_tlv;
    uint32_t cookie_preservative_ms;
    uint8_t ext[32];
    bool adaptation_on; /* RFC 5061 §4.2.6 */
    uint32_t adaptation;
    uint8_t addr_types; /* Supported Address Types: TERN_ADDR_TYPE_* bits; 0: not sent */
} tern_init_scan;

#define TERN_ADDR_TYPE_V4 1u
#define TERN_ADDR_TYPE_V6 2u
#define TERN_ADDR_TYPES   3u

/* Reads what Tern uses from INIT/INIT ACK parameters, and appends every
 * unrecognized parameter whose upper bits ask for a report (whole TLV) to
 * report (may be NULL); stops at one whose bits say stop (§3.2.1). */
void tern_init_params_scan(tern_bytes params, tern_init_scan *out, tern_wbuf *report);
/* Our INIT / INIT ACK optional parameters from c: the addresses a peer at
 * peer can use (tern_local_addr_listed) of the types it takes
 * (TERN_ADDR_TYPE_* bits), the Adaptation Layer Indication, and the cookie
 * preservative (INIT only, when non-zero). */
void tern_init_params_put(const tern_assoc_cfg *c, tern_wbuf *w, uint32_t cookie_preservative_ms,
                          const tern_addr *peer, unsigned types);
/* Whether our address ours goes in the INIT / INIT ACK for a peer at peer:
 * a loopback address only to a loopback peer, which gets only those (every
 * address of this host reaches it through the same loopback device: more
 * would add paths to probe, not redundancy); a link-local one only to a
 * link-local peer (no scope travels with it). */
bool tern_local_addr_listed(const tern_addr *ours, const tern_addr *peer);
/* §5.1.2: the address types a peer takes, from its INIT: those its
 * Supported Address Types lists, and the INIT's own family and those of
 * the addresses it lists; all when it sent none. */
unsigned tern_init_peer_types(const tern_init_scan *scan, const tern_addr *source);
/* An IPv4 or IPv6 Address parameter (§3.3.2.1). */
void tern_addr_param_put(tern_wbuf *w, const tern_addr *a);
/* Records the peer's addresses and extensions in the TCB. */
void tern_assoc_take_init_params(tern_ep *ep, tern_assoc *a, const tern_init_scan *scan);

/* ---- handshake.c: §5.1, §5.2.1–§5.2.3, §5.2.5, §5.2.6 ------------------- */
void tern_handle_init(tern_ep *ep, tern_assoc *a, const tern_path *path,
                      const tern_common_header *h, const tern_chunk_raw *raw, tern_time now);
/* These two return false when the association was freed. */
bool tern_handle_init_ack(tern_ep *ep, tern_assoc *a, const tern_chunk_raw *raw,
                          const tern_path *path, tern_time now);
void tern_handle_cookie_ack(tern_ep *ep, tern_assoc *a, tern_time now);
/* Enters ESTABLISHED: stops T1, drops the kept cookie, starts heartbeats. */
void tern_assoc_established(tern_ep *ep, tern_assoc *a, tern_time now);
/* TERN_EV_COMM_UP, then TERN_EV_ADAPTATION_INDICATION if the peer sent
 * one (RFC 6458 §6.1.6). */
void tern_assoc_comm_up(tern_ep *ep, tern_assoc *a);
/* The association's peer said its cookie was stale (§5.2.6). */
bool tern_handle_stale_cookie(tern_ep *ep, tern_assoc *a, uint32_t staleness_us, tern_time now);
/* Returns false when the association was freed. */
bool tern_t1_expired(tern_ep *ep, tern_assoc *a, tern_time now);
void tern_send_init(tern_ep *ep, tern_assoc *a, tern_time now);

/* ---- cookie_echo.c: §5.1 D, §5.1.5, §5.2.4 ---------------------------------
 * Returns the association the packet's remaining chunks belong to, or NULL
 * (packet done). a is the TCB found for the sender, or NULL. */
tern_assoc *tern_handle_cookie_echo(tern_ep *ep, tern_assoc *a, const tern_path *path,
                                    const tern_common_header *h, const tern_chunk_raw *raw,
                                    tern_time now);

/* Cookie contents (§5.1.3): fixed big-endian layout, then the peer's INIT
 * parameters. Shared by handshake.c (making) and cookie_echo.c (opening). */
enum {
    CK_LOCAL_VTAG = 0,
    CK_PEER_VTAG = 4,
    CK_LOCAL_TIE = 8,
    CK_PEER_TIE = 12,
    CK_LOCAL_TSN = 16,
    CK_PEER_TSN = 20,
    CK_PEER_RWND = 24,
    CK_OS = 28,
    CK_IS = 30,
    CK_PEER_PORT = 32,
    CK_ENCAPS_PORT = 34,
    CK_REMOTE = 36, /* family + 16 bytes */
    CK_LOCAL = 53,  /* family + 16 bytes */
    CK_FIXED_LEN = 72,
};
#define CK_MAX_INIT_PARAMS 1024

/* ---- shutdown.c: §9.1, §9.2 ---------------------------------------------- */
void tern_handle_abort(tern_ep *ep, tern_assoc *a, const tern_chunk_raw *raw);
void tern_handle_shutdown(tern_ep *ep, tern_assoc *a, const tern_chunk_raw *raw, tern_time now);
/* Returns false when the association was freed. */
bool tern_handle_shutdown_ack(tern_ep *ep, tern_assoc *a, tern_time now);
bool tern_handle_shutdown_complete(tern_ep *ep, tern_assoc *a);
/* Moves SHUTDOWN-PENDING / -RECEIVED on once nothing is outstanding. */
void tern_shutdown_progress(tern_ep *ep, tern_assoc *a, tern_time now);
bool tern_t2_expired(tern_ep *ep, tern_assoc *a, tern_time now);
/* §9.2: a packet with DATA from the peer in SHUTDOWN-SENT (the peer still
 * sending what it had queued) restarts T2 and its count; heartbeats do not,
 * or a peer alive but deaf to SHUTDOWN would hold it off until T5. */
void tern_shutdown_peer_packet(tern_ep *ep, tern_assoc *a, tern_time now);
bool tern_t5_expired(tern_ep *ep, tern_assoc *a);
/* ABORT to the peer of a (its tag, T bit clear), then free with an event. */
void tern_abort_assoc(tern_ep *ep, tern_assoc *a, uint16_t cause, const void *info, size_t info_len,
                      enum tern_event_type ev);

/* ---- heartbeat.c: §8.1, §8.3 --------------------------------------------- */
void tern_hb_start(tern_ep *ep, tern_assoc *a, tern_time now);
void tern_handle_heartbeat(tern_ep *ep, tern_assoc *a, const tern_path *path,
                           const tern_chunk_raw *raw);
void tern_handle_heartbeat_ack(tern_ep *ep, tern_assoc *a, const tern_chunk_raw *raw,
                               tern_time now);
/* Returns false when the association was freed. */
bool tern_hb_timer(tern_ep *ep, tern_assoc *a, tern_dest *d, tern_time now);
/* d's HB.interval changed: its heartbeats stop (0) or are re-armed from now. */
void tern_hb_reconfigure_path(tern_ep *ep, tern_assoc *a, tern_dest *d, tern_time now);
/* d's state changed (tern_dest_set_state): its heartbeats follow. */
void tern_hb_path_state(tern_ep *ep, tern_assoc *a, tern_dest *d, tern_time now);
/* Sends a HEARTBEAT to d at the next output (RFC 6458 SPP_HB_DEMAND). */
void tern_hb_now(tern_ep *ep, tern_assoc *a, tern_dest *d, tern_time now);
/* Writes a HEARTBEAT for d into w (a packet already started). */
void tern_hb_put(tern_ep *ep, tern_assoc *a, tern_dest *d, tern_wbuf *w, tern_time now);
/* §8.1: counts one strike on the association; false if it ended. */
bool tern_assoc_strike(tern_ep *ep, tern_assoc *a);

/* ---- data.c, data_in.c, data_out.c: §6, §7 ------------------------------- */
/* Sets up (or, after a restart, resets) the association's data state. */
int tern_data_start(tern_ep *ep, tern_assoc *a, tern_time now);
/* Frees it, raising TERN_EV_SEND_FAILED for messages not acknowledged. */
void tern_data_stop(tern_ep *ep, tern_assoc *a, bool report);
/* Data set up at tern_ep_connect takes the peer's half of the handshake
 * (INIT ACK, or a crossing COOKIE ECHO): its TSN, window and stream counts;
 * messages queued on streams the peer does not allow fail (unsent). */
void tern_data_handshake(tern_ep *ep, tern_assoc *a, tern_time now);
/* §5.1 C: the DATA sent with a COOKIE ECHO that was lost (T1-cookie) or
 * refused (Stale Cookie) is marked to go again with the next one. */
void tern_data_cookie_lost(tern_ep *ep, tern_assoc *a);
/* Data may be received and acknowledged (not during the handshake). */
static inline bool tern_data_flowing(const tern_assoc *a)
{
    return a->data_up && a->state >= TERN_STATE_ESTABLISHED;
}
/* Queued or unacknowledged data left (§9.2 waits for none). */
bool tern_data_outstanding(const tern_assoc *a);
/* The cumulative TSN we acknowledge (SACK, SHUTDOWN). */
uint32_t tern_data_cum_tsn_ack(const tern_assoc *a);
/* Return false when the association was freed. */
bool tern_handle_data(tern_ep *ep, tern_assoc *a, const tern_chunk_raw *raw, const tern_path *path,
                      tern_time now);
bool tern_handle_sack(tern_ep *ep, tern_assoc *a, const tern_chunk_raw *raw, tern_time now);
/* The cum TSN ack of a SHUTDOWN acknowledges data like a SACK (§9.2). */
void tern_data_shutdown_ack_point(tern_ep *ep, tern_assoc *a, uint32_t cum_tsn, tern_time now);
/* After all chunks of a packet with DATA (from: the index of the path it
 * came from, TERN_MAX_PATHS if none): schedule or owe the SACK (§6.2). */
void tern_data_packet_done(tern_ep *ep, tern_assoc *a, unsigned from, tern_time now);
/* Writes a SACK into w if one is owed (or, ride_along, merely pending). */
bool tern_sack_put_owed(tern_ep *ep, tern_assoc *a, tern_wbuf *w, bool ride_along);
/* Appends DATA chunks for destination d while §6.1 rules A-D allow, up to
 * limit bytes of packet; the number written. */
unsigned tern_data_fill(tern_ep *ep, tern_assoc *a, tern_dest *d, tern_wbuf *w, size_t limit,
                        tern_time now);
/* Where the next DATA packet goes (§6.4): a retransmission's destination,
 * else the primary. */
tern_dest *tern_data_next_dest(tern_assoc *a);
bool tern_t3_expired(tern_ep *ep, tern_assoc *a, tern_dest *d, tern_time now);
bool tern_tsack_expired(tern_ep *ep, tern_assoc *a, tern_time now);
/* The largest SCTP packet for path d (its PMTU minus IP and UDP headers). */
size_t tern_dest_packet_limit(const tern_dest *d);
/* §6.2: a window update is owed when reading opened the window enough. */
void tern_data_window_update(tern_ep *ep, tern_assoc *a);
/* Debug builds: the association's data invariants; aborts when broken. */
void tern_assoc_check(const tern_assoc *a);
/* An event for a message that will never be acknowledged (data copied). */
void tern_ep_event_failed(tern_ep *ep, const tern_assoc *a, const tern_msg *m, bool unsent);
void tern_readable_add(tern_ep *ep, tern_assoc *a);
void tern_readable_remove(tern_ep *ep, tern_assoc *a);
/* TERN_EV_PARTIAL_DELIVERY_ABORTED for each message the user read part of
 * and will never read the end of (the association ends or restarts). */
void tern_data_pd_aborted(tern_ep *ep, tern_assoc *a);
/* Abandons the unsent messages whose ttl passed (TERN_EV_SEND_FAILED,
 * TERN_FAILED_UNSENT) and re-arms TERN_TTTL (callers recompute the
 * deadline). */
void tern_data_expire(tern_ep *ep, tern_assoc *a, tern_time now);
/* Autoclose (RFC 6458 §8.1.8): arms TERN_TAUTOCLOSE from last_data_at in
 * ESTABLISHED (callers recompute the deadline); the timer's handler. */
void tern_autoclose_arm(tern_ep *ep, tern_assoc *a);
bool tern_autoclose_expired(tern_ep *ep, tern_assoc *a, tern_time now);
/* The largest DATA payload for a new chunk to d (path MTU and max_seg). */
size_t tern_data_max_payload(const tern_assoc *a, const tern_dest *d);
/* Nagle-like (RFC 896 in spirit, like Linux SCTP): with data in flight, a
 * packet of new data starts only once a full chunk's worth (full bytes) is
 * waiting; NODELAY sends at once (the I bit too: tern_data_fill). */
bool tern_data_nagle_holds(const tern_assoc *a, size_t full);
/* The most new data a send leaves waiting for the next: one GSO send's worth. */
#define TERN_DATA_BATCH_MAX (64u * 1024u)
/* Whether a send just queued leaves its data waiting, asking for no output:
 * while Nagle holds it, and also, with nodelay off and data in flight, while
 * less than a batch waits: a quarter of the flight, at least a full chunk
 * (Nagle's rule), at most TERN_DATA_BATCH_MAX. A sender refilling a large
 * window then sends batches rather than a packet per message (1 KiB messages
 * at MTU 1500: a system call each). The flight's next SACK sends what waits
 * (tern_data_fill applies only Nagle's rule), so the wait ends where
 * Nagle's does. */
bool tern_data_send_waits(const tern_assoc *a, size_t full);
/* Whether new data for d cannot go now and a SACK is sure to come: data in
 * flight, and d's congestion window full or the peer's window shut (§6.1 A,
 * B). A send then asks for no output (a window-limited sender queueing 64 B
 * messages tried, and failed, to build a packet for each); the SACK that
 * opens the window asks for it (after_ack in data_out.c). */
bool tern_data_window_shut(const tern_assoc *a, const tern_dest *d);

/* ---- ootb.c: §8.4 ---------------------------------------------------------- */
void tern_handle_ootb(tern_ep *ep, const tern_path *path, const tern_common_header *h,
                      const uint8_t *pkt, size_t len);
/* An ABORT as a stateless answer; one optional cause (code 0: none). */
void tern_send_abort(tern_ep *ep, const tern_path *path, uint16_t src_port, uint16_t dst_port,
                     uint32_t vtag, bool t_bit, uint16_t cause, const void *info, size_t info_len);
void tern_send_shutdown_complete(tern_ep *ep, const tern_path *path, uint16_t src_port,
                                 uint16_t dst_port, uint32_t vtag, bool t_bit);
/* An ERROR chunk with one cause to the peer of a. */
void tern_send_error(tern_ep *ep, tern_assoc *a, const tern_path *path, uint16_t cause,
                     const void *info, size_t info_len);

/* ---- output.c ---------------------------------------------------------------- */
/* Builds the association's next packet into buf; 0 if it has nothing. */
size_t tern_assoc_output(tern_ep *ep, tern_assoc *a, tern_path *path, uint8_t *buf, size_t cap,
                         tern_time now);

#endif
