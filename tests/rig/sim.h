/* The simulator (DESIGN.md §6.3): N endpoints on one virtual clock, joined
 * by directed links with delay, jitter, rate, queue limit, loss,
 * duplication, corruption, reordering and scheduled outages. Every random
 * choice (the links' and the endpoints' own tern_ep_config.random) comes
 * from one seed, so a run is a pure function of it: print the seed on
 * failure (SIM_CHECK) and the run can be replayed.
 *
 * An endpoint has one or more addresses (multi-homing); a link joins one
 * address of one endpoint to one address of another. A packet an endpoint
 * sends on tern_path {local, remote} takes the link from local (any of the
 * sender's addresses if local.family is TERN_AF_NONE) to remote; with no
 * such link it is counted as unroutable and dropped.
 *
 * The event loop jumps the clock to the earlier of the next packet arrival
 * and the earliest endpoint deadline; it never reads a clock or sleeps. */
#ifndef TERN_TESTS_RIG_SIM_H
#define TERN_TESTS_RIG_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <tern/core.h>

#define SIM_MAX_EPS      8
#define SIM_MAX_ADDRS    4 /* addresses per endpoint */
#define SIM_MAX_LINKS    64
#define SIM_MAX_DOWN     8    /* scheduled outages per link */
#define SIM_PKT_MAX      9216 /* largest packet a link carries */
#define SIM_EVLOG_LEN    128  /* events kept per endpoint (later ones only counted) */
#define SIM_DEFAULT_POOL 256  /* packets in flight, all links together */
#define SIM_OUTPUT_GUARD 4096 /* packets taken from one endpoint per collection */
#define SIM_DEFAULT_UDP  9899 /* the UDP port an endpoint's packets come from */
#define SIM_EV_TYPES     16   /* sim_event_count() knows tern_event_type < this */

typedef struct sim sim;

/* ---- Links ------------------------------------------------------------- */

typedef struct sim_link_params {
    tern_time delay;       /* propagation delay */
    tern_time jitter;      /* extra delay, uniform in [0, jitter] per packet */
    uint64_t rate;         /* bytes per second; 0: infinite (no serialization) */
    uint32_t queue_pkts;   /* packets waiting to be serialized; 0: no limit */
    uint32_t queue_bytes;  /* bytes waiting to be serialized; 0: no limit */
    double loss;           /* probability a packet is lost */
    double dup;            /* probability a packet arrives twice */
    double corrupt;        /* probability one random bit of a copy is flipped */
    double reorder;        /* probability a packet is held back ... */
    tern_time reorder_max; /* ... by an extra uniform (0, reorder_max]; 0: max(delay, 1 ms) */
} sim_link_params;

/* Every packet offered to a link ends up in exactly one of the counters on
 * the right (or is still in flight):
 *   sent + duplicated == delivered + lost + queue_dropped + down_dropped
 *                        + pool_dropped + sim_link_in_flight() */
typedef struct sim_link_stats {
    uint64_t sent;          /* offered to the link (after the send hook) */
    uint64_t delivered;     /* handed to the receiving endpoint (copies included) */
    uint64_t lost;          /* random loss */
    uint64_t duplicated;    /* extra copies made */
    uint64_t corrupted;     /* copies with a flipped bit */
    uint64_t reordered;     /* packets held back by the reorder rule */
    uint64_t queue_dropped; /* tail drop: queue limit */
    uint64_t down_dropped;  /* link down when the packet entered or arrived */
    uint64_t pool_dropped;  /* the simulator's packet pool was full */
    uint64_t hook_dropped;  /* refused by the send hook (not in sent) */
    uint64_t bytes_sent, bytes_delivered;
} sim_link_stats;

/* ---- Hooks and events ---------------------------------------------------- */

/* Sees each packet an endpoint emits before it enters its link (link -1:
 * unroutable, it is dropped after the hook). May rewrite the bytes and
 * *len (at most SIM_PKT_MAX). Returns false to drop the packet. */
typedef bool (*sim_send_hook)(void *ctx, sim *s, int ep, int link, tern_path *path, uint8_t *pkt,
                              size_t *len);
/* Sees each packet arriving, just before tern_ep_input; view is the path
 * as the receiving endpoint gets it. */
typedef void (*sim_deliver_hook)(void *ctx, sim *s, int link, const tern_path *view,
                                 const uint8_t *pkt, size_t len);
/* Sees each event as it is drained from an endpoint (also logged). */
typedef void (*sim_event_hook)(void *ctx, sim *s, int ep, const tern_event *ev);

typedef struct sim_event {
    tern_time at; /* when the simulator drained it */
    tern_event ev;
} sim_event;

typedef struct sim_config {
    uint64_t seed;
    uint32_t pool_packets; /* 0: SIM_DEFAULT_POOL */
    sim_send_hook on_send;
    sim_deliver_hook on_deliver;
    sim_event_hook on_event;
    void *hook_ctx;
} sim_config;

/* Things that look wrong in a run; tests assert them zero (or not). */
typedef struct sim_stats {
    uint64_t events; /* arrivals and deadline runs processed */
    uint64_t arrivals, deadline_runs;
    uint64_t unroutable;      /* packets with no link for their path */
    uint64_t output_guard;    /* collections stopped by SIM_OUTPUT_GUARD */
    uint64_t stale_deadlines; /* a deadline still <= now after tern_ep_on_deadline(now) */
    uint64_t guard_trips;     /* sim_run_* stopped by max_events */
    size_t pool_peak;         /* most packets in flight at once */
} sim_stats;

/* ---- Setup --------------------------------------------------------------- */

/* A simulator at time 0 with no endpoints or links; NULL on ENOMEM. The
 * packet pool is its one large allocation. */
sim *sim_new(const sim_config *cfg);
/* Frees every endpoint (tern_ep_free), the pool and the simulator. */
void sim_free(sim *s);

/* The k-th automatic address of endpoint ep: 10.(k+1).0.(ep+1). Path k of a
 * multi-homed run is network 10.(k+1)/16. */
tern_addr sim_addr(int ep, unsigned k);

/* Adds an endpoint on SCTP port `port` with naddrs addresses (addrs NULL:
 * sim_addr(ep, 0..naddrs-1)). cfg NULL: tern_ep_config_default. The
 * simulator always sets port, random and random_ctx (a stream of the run's
 * seed); if naddrs > 1 and cfg->num_local_addrs is 0 it advertises the
 * addresses in INIT/INIT ACK. Returns the endpoint's index, or -1 (too many
 * endpoints or addresses, tern_ep_new failed). */
int sim_add_ep(sim *s, const tern_ep_config *cfg, uint16_t port, const tern_addr *addrs,
               unsigned naddrs);
/* The UDP port the endpoint's packets come from (the receiver's
 * tern_path.encaps_port); default SIM_DEFAULT_UDP. */
void sim_ep_set_udp_port(sim *s, int ep, uint16_t port);
tern_ep *sim_ep(const sim *s, int ep);
int sim_num_eps(const sim *s);

/* The path from endpoint `from`'s address fa to `to`'s address ta, as
 * `from` uses it (e.g. for tern_ep_connect). */
tern_path sim_path(const sim *s, int from, unsigned fa, int to, unsigned ta);

/* A directed link; p NULL: a perfect link (no delay). Returns its index
 * or -1 (bad endpoint/address, too many links, already exists). Links draw
 * from a stream of the seed chosen by their index. */
int sim_link_add(sim *s, int from, unsigned fa, int to, unsigned ta, const sim_link_params *p);
/* Both directions with the same parameters: returns the index of from→to;
 * to→from is that index + 1. */
int sim_link_add_pair(sim *s, int a, unsigned aa, int b, unsigned ba, const sim_link_params *p);
/* The link from (from, fa) to (to, ta), or -1. */
int sim_link_find(const sim *s, int from, unsigned fa, int to, unsigned ta);
int sim_num_links(const sim *s);
/* Changes take effect for packets entering from now on. */
void sim_link_set_params(sim *s, int link, const sim_link_params *p);
const sim_link_params *sim_link_params_get(const sim *s, int link);
/* Up or down until changed: while down, packets entering or arriving are
 * dropped (down_dropped). */
void sim_link_set_up(sim *s, int link, bool up);
/* Down during [t1, t2) as well. Returns 0, or -1 if SIM_MAX_DOWN outages
 * are already scheduled. */
int sim_link_down_between(sim *s, int link, tern_time t1, tern_time t2);
bool sim_link_is_down(const sim *s, int link, tern_time t);
const sim_link_stats *sim_link_stats_get(const sim *s, int link);
size_t sim_link_in_flight(const sim *s, int link);

/* The link a packet from endpoint ep on path would take, or -1. */
int sim_route(const sim *s, int ep, const tern_path *path);

/* Puts raw bytes on a link at the current time, as if its sending endpoint
 * had emitted them (the send hook is not called). 0, or -1 (bad link, len
 * 0 or above SIM_PKT_MAX). The packet may still be dropped by the link
 * model (see its counters). */
int sim_inject(sim *s, int link, const uint8_t *pkt, size_t len);

/* ---- Running ------------------------------------------------------------- */

enum sim_result {
    SIM_IDLE,  /* nothing pending at all: no packet in flight, no deadline */
    SIM_LIMIT, /* something is pending after t_limit */
    SIM_DONE,  /* the condition became true */
    SIM_GUARD, /* max_events processed: the run looks stuck */
};
const char *sim_result_str(enum sim_result r);

typedef bool (*sim_cond)(sim *s, void *ctx);

tern_time sim_now(const sim *s);
/* The earliest pending arrival or deadline (TERN_TIME_NEVER if none).
 * Does not collect output the endpoints still hold. */
tern_time sim_next_event_time(const sim *s);

/* Collects every endpoint's output onto the links and drains their events.
 * Done at the start and end of every step; call it after acting on an
 * endpoint directly if the result must be visible before the next step. */
void sim_collect(sim *s);
/* Collects, then processes the earliest event due at or before t_limit:
 * one arrival, or the deadlines of every endpoint due at that time; then
 * collects again. Returns false if nothing was due by t_limit. */
bool sim_step(sim *s, tern_time t_limit);
/* Steps until nothing is due by t_limit (the clock then moves on to
 * t_limit unless it is TERN_TIME_NEVER) or max_events steps were taken. */
enum sim_result sim_run_until(sim *s, tern_time t_limit, uint64_t max_events);
/* Like sim_run_until, but stops (SIM_DONE) as soon as done(s, ctx) holds;
 * it is also checked before the first step. */
enum sim_result sim_run_cond(sim *s, tern_time t_limit, uint64_t max_events, sim_cond done,
                             void *ctx);

const sim_stats *sim_stats_get(const sim *s);
uint64_t sim_seed(const sim *s);

/* ---- Events -------------------------------------------------------------- */

/* Endpoint ep's event log, oldest first: at most SIM_EVLOG_LEN entries. */
size_t sim_events(const sim *s, int ep, const sim_event **out);
/* How many events of a type endpoint ep produced (not bounded by the log). */
uint32_t sim_event_count(const sim *s, int ep, enum tern_event_type type);
/* The first logged event of a type, or NULL. */
const sim_event *sim_event_find(const sim *s, int ep, enum tern_event_type type);
/* A short name of an event type ("COMM_UP"). */
const char *sim_event_name(enum tern_event_type type);

/* ---- Failure reports ----------------------------------------------------- */

/* Prints "sim: seed=<n> now=<t>: <reason>" to stderr, then every link's
 * counters, every endpoint's event log and its association count. */
void sim_report(const sim *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* In cmocka tests (cmocka.h included first) a failed SIM_CHECK fails the
 * test; elsewhere it aborts. */
#ifndef SIM_FAIL
#ifdef fail
#define SIM_FAIL() fail()
#else
#define SIM_FAIL() abort()
#endif
#endif

#define SIM_CHECK(s, cond)                                           \
    do {                                                             \
        if (!(cond)) {                                               \
            sim_report((s), "%s:%d: %s", __FILE__, __LINE__, #cond); \
            SIM_FAIL();                                              \
        }                                                            \
    } while (0)

#define SIM_CHECK_MSG(s, cond, ...)       \
    do {                                  \
        if (!(cond)) {                    \
            sim_report((s), __VA_ARGS__); \
            SIM_FAIL();                   \
        }                                 \
    } while (0)

/* ---- Seeded randomness for tests ----------------------------------------- */

/* splitmix64: the generator behind every stream of the simulator. */
uint64_t sim_rand_next(uint64_t *state);
/* A stream state for (seed, stream id). */
uint64_t sim_rand_stream(uint64_t seed, uint64_t id);
/* Uniform in [0, 1). */
double sim_rand_unit(uint64_t *state);

#endif
