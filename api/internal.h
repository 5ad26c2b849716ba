/* The socket-style API's internal structures (api/, DESIGN.md §2): the
 * context, its endpoints (one tern_ep per bound SCTP port), sockets and
 * associations, and the functions the files of api/ share. Nothing outside
 * api/ includes this.
 *
 * Locking: one mutex per context. Every public call and every round of
 * processing holds it; nobody holds it while blocking in a system call that
 * waits. The condition variable is broadcast after anything a waiter may care
 * about changed. */
#ifndef TERN_API_INTERNAL_H
#define TERN_API_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tern/core.h>
#include <tern/tern.h>

#include "io/loop.h"
#include "io/transport.h"

#define TERN_EXPORT __attribute__((visibility("default")))

/* ---- defaults and bounds (documented in tern.h) -------------------------- */
#define API_SNDBUF_DEFAULT   (4u << 20) /* per association send buffer */
#define API_RCVBUF_DEFAULT   (4u << 20) /* per association receive window */
#define API_BUF_MIN          4096u
#define API_BUF_MAX          (256u << 20)
#define API_MAX_SOCKETS      1024u
#define API_BACKLOG_DEFAULT  128
#define API_BACKLOG_MAX      65535
#define API_FIFO_NOTIFS      1024u       /* notifications queued per socket */
#define API_FIFO_NOTIF_BYTES (4u << 20)  /* their bytes */
#define API_FAILED_DATA_MAX  (64u << 10) /* bytes of a failed message a notification carries */
#define API_EP_MAX_ASSOCS    65536u      /* associations of a shared (listening) endpoint */
#define API_EP_ONE_ASSOCS    4u          /* of a connecting one-to-one socket's own endpoint */
#define API_EPHEMERAL_LO     49152u
#define API_EPHEMERAL_HI     65535u
#define API_RECV_BATCH       256u /* packets per tern_io_recv call */
#define API_SCRATCH          (64u << 10)

typedef struct api_ep api_ep;
typedef struct api_sock api_sock;
typedef struct api_assoc api_assoc;

/* ---- per-socket queue of notifications and salvaged data (notify.c) ------ */

enum { ITEM_NOTIF = 1, ITEM_DATA = 2 };

/* A notification, or a piece of data taken out of the core before it could be
 * lost (the association shuts down) or so that a notification after it comes
 * in order. */
typedef struct api_item {
    struct api_item *next;
    tern_assoc_id assoc;
    uint8_t kind;
    tern_rcvinfo ri; /* ITEM_DATA: as tern_ep_recv_assoc gave it */
    tern_addr from;  /* ITEM_DATA: the peer */
    uint16_t from_port;
    uint32_t len, off;
    uint8_t bytes[];
} api_item;

typedef struct api_fifo {
    api_item *head, *tail;
    uint32_t notifs;
    size_t notif_bytes, data_bytes;
    uint64_t dropped; /* notifications that did not fit */
} api_fifo;

/* ---- associations ------------------------------------------------------------ */

/* A message held back by a one-to-many implicit set-up until COMM_UP. */
typedef struct api_pend {
    struct api_pend *next;
    tern_sndinfo si;
    uint16_t tflags; /* TERN_EOF */
    size_t len;
    uint8_t data[];
} api_pend;

/* One peer transport address of an association, in the endpoint's peer hash. */
typedef struct api_peer {
    struct api_peer *next;
    api_assoc *a;
    tern_addr addr;
} api_peer;

struct api_assoc {
    tern_assoc_id id;
    api_ep *ep;
    api_sock *sock;           /* owner; NULL while queued for accept, or orphaned */
    api_sock *listener;       /* while queued for accept */
    api_assoc *hnext;         /* endpoint's id hash */
    api_assoc *snext, *sprev; /* the owner's list, or the accept queue */
    api_fifo fifo;            /* while queued for accept */
    uint16_t peer_port;
    tern_addr peer;  /* the primary address at the start */
    api_peer *peers; /* npeers of peers_cap: &peer0, then an array doubled to TERN_MAX_PATHS */
    uint8_t npeers, peers_cap;
    api_peer peer0;
    uint16_t os, is;
    uint32_t sndbuf;
    bool up;        /* COMM_UP seen */
    bool dead;      /* the core's association is gone */
    bool we_shut;   /* tern_ep_shutdown called */
    bool peer_shut; /* SHUTDOWN received */
    bool full;      /* a send found the buffer full; SEND_BUFFER_LOW clears it */
    bool rd;        /* the core has something to read for it */
    bool queued;    /* in a listener's accept queue */
    bool orphan;    /* its socket was closed: finishing in the background */
    bool in_grave;
    size_t salvaged; /* bytes of it in a queue */
    int end_err;     /* after dead: 0 (graceful), TERN_ECONNRESET, TERN_ECONNREFUSED */
    /* A record (message in pieces, or the user's TERN_MSG_MORE) in progress:
     * other senders wait. */
    bool rec_busy;
    pthread_t rec_owner;
    /* One-to-many implicit set-up: messages until COMM_UP (bounded by sndbuf). */
    api_pend *pend_head, *pend_tail;
    size_t pend_bytes;
    api_assoc *grave_next;
};

/* ---- endpoints ------------------------------------------------------------------ */

struct api_ep {
    tern_ep *ep;
    uint16_t port;
    unsigned refs;      /* sockets using it + orphaned associations */
    api_sock *acceptor; /* listening socket that gets new associations (NULL: abort them) */
    api_assoc **ids;    /* hash by association id */
    size_t nids_b, nassocs;
    api_peer **peers; /* hash by peer address and port */
    size_t npeers_b;
    api_assoc *ids0[1]; /* the first ids and peers tables (eptab.c) */
    api_peer *peers0[1];
    uint32_t max_assocs; /* 0: a placeholder holding a bound port (ep NULL) */
    tern_time deadline;  /* tern_ep_next_deadline, the context heap's key */
    size_t hidx;         /* SIZE_MAX: not in the heap */
    bool touched;
    bool out_more; /* output was left in the core: the transport was full */
    api_ep *next_touched;
    api_ep *next_blocked; /* out_more list */
    api_ep *pnext;        /* port table chain */
};

/* ---- sockets ---------------------------------------------------------------------- */

enum { S_IDLE = 0, S_LISTEN, S_CONNECTING, S_CONNECTED, S_ENDED };

struct api_sock {
    int sd;
    bool open;
    uint64_t gen; /* tells a reused descriptor from the one a blocked call had */
    int type, family;
    api_ep *ep;
    bool bound;
    bool owns_ep; /* bound it (its options are the endpoint's defaults) */
    int state;    /* one-to-one: S_*; one-to-many: S_IDLE or S_LISTEN */
    int backlog;
    tern_addr laddrs[TERN_MAX_LOCAL_ADDRS];
    uint8_t nladdrs;  /* 0: the wildcard */
    api_assoc *assoc; /* one-to-one */
    api_assoc *alist; /* one-to-many: its associations */
    uint32_t nassocs;
    api_assoc *acc_head, *acc_tail; /* one-to-one listener: established, not accepted */
    uint32_t nacc;
    int end_err; /* S_ENDED: 0 graceful (reads give 0), else the error */
    api_fifo fifo;
    tern_assoc_id partial; /* a message was partly read: it continues */
    uint32_t nrd, nfull;   /* one-to-many: associations readable / with a full buffer */
    /* options */
    bool nonblock;
    int rcvtimeo, sndtimeo; /* ms, 0: none */
    struct tern_linger linger;
    int so_error;
    uint32_t events; /* 1u << enum tern_sn_type */
    tern_send_info defsnd;
    tern_ep_config cfg; /* the defaults for new associations */
    uint16_t encaps_port;
    uint16_t max_init_timeo; /* TERN_INITMSG, ms (0: rto_max) */
    uint32_t pmtu_fixed;     /* TERN_SPP_PMTUD_DISABLE: this path MTU (0: discover) */
    uint32_t hb_ms;          /* heartbeat interval while heartbeats are on */
    bool shut_rd, shut_wr;
    /* readiness descriptor (ready.c) */
    int ufd, tfd;
    bool sig_r; /* a byte sits in ufd */
    bool blk_w; /* ufd's send buffer is filled */
    bool dirty;
    api_sock *next_dirty;
};

/* ---- the context ---------------------------------------------------------------- */

#define API_PORT_BUCKETS 1024
#define API_RAND_POOL    512
#define API_PMTU_CACHE   8
#define API_PMTU_LIFE    TERN_SEC(1) /* how long a cached kernel MTU is believed */

/* A kernel MTU toward remote from local, learned at time at. */
typedef struct api_pmtu {
    tern_addr local, remote;
    long mtu;
    tern_time at;
} api_pmtu;

/* tern_ep_config.random for every endpoint of ctx (random_ctx: ctx; the
 * context's lock held): 0, or -1 when no randomness is to be had. */
int tern_api_random(void *ctx, uint8_t *buf, size_t len);

struct tern_ctx {
    tern_ctx_config cfg;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    tern_io *io;
    tern_loop *loop;
    int iofds[8];
    int niofds;
    bool pollout; /* EPOLLOUT on the transport descriptors */
    bool has_thread;
    pthread_t thread;
    bool closing;
    bool driving;     /* a thread is in tern_loop_wait (the context's or a blocked caller) */
    unsigned waiters; /* callers waiting (condition variable or driving) */
    unsigned cv_waiters;
    api_sock **socks;
    unsigned max_socks;
    api_ep *ports[API_PORT_BUCKETS];
    unsigned neps;
    api_ep **heap;
    size_t heap_len, heap_cap;
    api_ep *touched;
    api_ep *blocked; /* endpoints with output left in the core */
    api_sock *dirty;
    bool changed;      /* waiters must re-check */
    bool in_thread;    /* the context's thread is in its round */
    bool thread_awake; /* ... or about to be (atomic): it will flush */
    uint8_t *scratch;  /* API_SCRATCH bytes: salvaging, discarding */
    api_assoc *grave;
    tern_time now;    /* of the current round: read through tern_api_now */
    bool now_fresh;   /* now was read in this call or round (clock reads are
                         a sixth of a small message's cost on a VM) */
    tern_time armed;  /* the loop's timer (lazily moved: see settle) */
    bool timer_fired; /* ... and the loop reported it fired since it was armed */
    uint64_t rng;
    uint64_t drops_no_port;
    /* host_addrs.c: the host's addresses as last read, and when */
    tern_addr host_addrs[2 * TERN_MAX_LOCAL_ADDRS];
    uint8_t nhost_addrs;
    tern_time host_addrs_at;
    /* UDP encapsulation: the context owns every SCTP port behind its UDP
     * port, so packets for a port nobody has get RFC 9260 §8.4's answers from
     * this endpoint (tern_ep_config.closed_port); NULL for raw IP, where
     * other processes own other ports. Not in the port table. */
    api_ep *closed;
    uint64_t tx_errors;
    uint64_t gen_next;
    /* Random bytes for the core (tern_ep_config.random, api/sock.c): one
     * RAND_bytes call per API_RAND_POOL bytes, not one per tag or nonce. */
    uint8_t rand_pool[API_RAND_POOL];
    unsigned rand_left; /* bytes not handed out yet: the last ones of rand_pool */
    unsigned rand_gen;  /* fork generation of the pool (api/sock.c) */
    /* The kernel's MTU toward recent destinations (tern_api_set_pmtu,
     * api/sock.c): asking costs 4 or 5 system calls per association. */
    api_pmtu pmtu_cache[API_PMTU_CACHE];
    unsigned pmtu_next;
};

/* ---- ctx.c --------------------------------------------------------------------- */
void tern_api_lock(tern_ctx *ctx);
void tern_api_unlock(tern_ctx *ctx);
/* Something a waiter may care about changed: wake them (a cheap no-op without
 * waiters). */
void tern_api_notify(tern_ctx *ctx);

/* ---- wait.c ---------------------------------------------------------------------- */
/* An absolute deadline from a timeout in ms (0: none → TERN_TIME_NEVER). */
tern_time tern_api_deadline(int timeout_ms);
/* Waits (lock held) until something may have changed, or deadline: drives the
 * context if nobody else does. 0 (re-check), TERN_ETIMEDOUT, TERN_ESHUTDOWN. */
int tern_api_wait(tern_ctx *ctx, tern_time deadline);

/* ---- process.c ---------------------------------------------------------------- */
/* Reads packets, fires timers, settles (lock held). */
void tern_api_process(tern_ctx *ctx);
/* The endpoint was used: its events, readability, output and deadline are
 * looked at when the round settles. */
void tern_api_touch(tern_ctx *ctx, api_ep *e);
/* Events, readability and output of every touched endpoint; deadlines;
 * readiness; wakes waiters. Ends every round and every public call that
 * changed something. */
void tern_api_settle(tern_ctx *ctx);
/* The time for the core in this call: the clock is read once, lazily
 * (tern_api_lock makes ctx->now stale). */
static inline tern_time tern_api_now(tern_ctx *ctx)
{
    if (!ctx->now_fresh) {
        ctx->now = tern_clock_now();
        ctx->now_fresh = true;
    }
    return ctx->now;
}
/* tern_api_touch only if the core has output or events for e, or e's
 * deadline moved: a message Nagle holds back, or a read that owes no window
 * update, then costs no settling (the per-message path). */
void tern_api_touch_if_busy(tern_ctx *ctx, api_ep *e);
/* Drains and handles the endpoint's events now. */
void tern_api_events(tern_ctx *ctx, api_ep *e);

/* ---- eptab.c: endpoints, ports, association tables ------------------------------ */
api_ep *tern_api_ep_by_port(const tern_ctx *ctx, uint16_t port);
/* A free ephemeral port of this context, or 0. */
uint16_t tern_api_ephemeral_port(tern_ctx *ctx);
/* A new endpoint on port with the socket's defaults (max_assocs 0: only the
 * port is taken; tern_api_ep_start makes the endpoint later). Errors:
 * TERN_EADDRINUSE, TERN_ENOMEM, TERN_EINVAL. */
int tern_api_ep_new(tern_ctx *ctx, uint16_t port, const tern_ep_config *defaults,
                    uint32_t max_assocs, api_ep **out);
int tern_api_ep_start(api_ep *e, const tern_ep_config *defaults, uint32_t max_assocs);
void tern_api_ep_ref(api_ep *e);
/* Frees an endpoint without references (settle does, after its output). */
void tern_api_ep_free(tern_ctx *ctx, api_ep *e);
/* Drops one reference; the last one frees the endpoint (after sending what it
 * still has queued, e.g. ABORTs). */
void tern_api_ep_unref(tern_ctx *ctx, api_ep *e);
api_assoc *tern_api_assoc_find(const api_ep *e, tern_assoc_id id);
api_assoc *tern_api_assoc_new(tern_ctx *ctx, api_ep *e, tern_assoc_id id);
void tern_api_assoc_add_peer(api_ep *e, api_assoc *a, const tern_addr *addr);
/* Records the association's peer addresses (from tern_ep_assoc_info). */
void tern_api_assoc_peers(api_ep *e, api_assoc *a);
api_assoc *tern_api_assoc_by_peer(const api_ep *e, const tern_addr *addr, uint16_t port);
/* Takes the association out of every table and list and frees it. */
void tern_api_assoc_free(tern_ctx *ctx, api_assoc *a);
/* Marks it dead and frees it once the current batch of events is handled. */
void tern_api_assoc_bury(tern_ctx *ctx, api_assoc *a);
void tern_api_graves(tern_ctx *ctx);
void tern_api_heap_update(tern_ctx *ctx, api_ep *e);
/* tern_ctx_free: aborts every association left and frees every endpoint. */
void tern_api_ep_destroy_all(tern_ctx *ctx);
api_ep *tern_api_heap_top(const tern_ctx *ctx);
/* Applies the socket's defaults to its endpoint (the socket owns it). */
int tern_api_ep_configure(api_sock *s);

/* ---- sock.c ----------------------------------------------------------------------- */
/* The open socket sd, or NULL. */
api_sock *tern_api_sock(tern_ctx *ctx, int sd);
/* The same socket after a wait (NULL: closed, or the descriptor reused). */
api_sock *tern_api_sock_again(tern_ctx *ctx, int sd, uint64_t gen);
/* Binds an unbound socket to an ephemeral port. */
int tern_api_sock_autobind(tern_ctx *ctx, api_sock *s);
/* A new socket like a listener (options copied), connected to nothing yet.
 * NULL: the table is full. */
api_sock *tern_api_sock_clone(tern_ctx *ctx, const api_sock *from);
/* Closes the socket (tern_close without the linger wait; abort: every
 * association is aborted). */
void tern_api_sock_close(tern_ctx *ctx, api_sock *s, bool abort);
/* One-to-many list of associations. */
void tern_api_sock_link(api_sock *s, api_assoc *a);
void tern_api_sock_unlink(api_sock *s, api_assoc *a);
/* The association of a one-to-one socket, or of a one-to-many one by id (0:
 * none). */
api_assoc *tern_api_sock_assoc(api_sock *s, tern_assoc_id id);
/* Sets up a one-to-one socket's own endpoint (bound port or ephemeral). */
int tern_api_sock_own_ep(tern_ctx *ctx, api_sock *s);
/* Starts an association on the socket's endpoint (one-to-one and one-to-many). */
int tern_api_start_assoc(tern_ctx *ctx, api_sock *s, const tern_addr *peers, int n, uint16_t port,
                         api_assoc **out);
/* The path MTU for each of the association's paths (COMM_UP, RESTART). */
void tern_api_set_pmtu(tern_ctx *ctx, api_assoc *a);

/* ---- ready.c: readiness descriptors ----------------------------------------------- */
bool tern_api_readable(const api_sock *s);
bool tern_api_writable(const api_sock *s);
/* The socket's readiness changed: its descriptor is updated when the round
 * settles, and waiters re-check (mark with wake false: only the descriptor). */
void tern_api_dirty(tern_ctx *ctx, api_sock *s);
void tern_api_mark(tern_ctx *ctx, api_sock *s, bool wake);
/* The association's cached readability / full send buffer, kept in step with
 * its socket's counters. */
void tern_api_set_rd(tern_ctx *ctx, api_assoc *a, bool rd);
void tern_api_set_full(tern_ctx *ctx, api_assoc *a, bool full);
/* Brings the socket's readiness descriptor up to date. */
void tern_api_ready_update(api_sock *s);
int tern_api_ready_open(api_sock *s);
void tern_api_ready_close(api_sock *s);

/* ---- notify.c ------------------------------------------------------------------ */
/* The queue an association's notifications and salvaged data go to (NULL:
 * orphaned), and the socket whose subscriptions apply. */
api_fifo *tern_api_assoc_fifo(api_assoc *a, api_sock **sub);
/* Queues a notification; its data (if any) is copied. Bounded: dropped and
 * counted when the queue is full. */
void tern_api_notify_event(tern_ctx *ctx, api_assoc *a, const tern_event *ev);
/* Moves everything the core has to read for a into its queue, before a
 * notification or before the association can end. */
void tern_api_salvage(tern_ctx *ctx, api_assoc *a);
/* Reads and drops what the core holds for a (orphaned associations). */
void tern_api_discard(tern_ctx *ctx, api_assoc *a);
void tern_api_fifo_clear(api_fifo *f);
/* Moves the items of association id (0: all) from one queue to another. */
void tern_api_fifo_move(api_fifo *from, api_fifo *to, tern_assoc_id id);
void tern_api_fifo_push(api_fifo *f, api_item *it);
void tern_api_fifo_remove(api_fifo *f, api_item *it, api_item *prev);

/* ---- addr.c -------------------------------------------------------------------------- */
/* A sockaddr the socket may use: its address and port. Errors: TERN_EINVAL
 * (NULL, length), TERN_EAFNOSUPPORT (family). */
int tern_api_addr_from(const api_sock *s, const struct sockaddr *sa, socklen_t len, tern_addr *addr,
                       uint16_t *port);
/* The peer address an option may name (RFC 6458 §8: AF_UNSPEC names none,
 * meaning every path): *one says whether it names one; its port is not
 * looked at. Errors as tern_api_addr_from. */
int tern_api_opt_addr(const api_sock *s, const struct sockaddr_storage *ss, tern_addr *addr,
                      bool *one);
/* Writes addr:port as a sockaddr (IPv4 as sockaddr_in); *len in: the room,
 * out: the full size. */
void tern_api_addr_to(const tern_addr *addr, uint16_t port, struct sockaddr *sa, socklen_t *len);
/* Not the wildcard, broadcast or multicast. */
bool tern_api_addr_unicast(const tern_addr *a);
/* host_addrs.c: up to max of the host's addresses a socket bound to the
 * wildcard lists (IPv6 ones on an AF_INET6 socket of a context with IPv6):
 * unicast, not loopback, global ones first; read at most once a second.
 * 0 if they cannot be read. */
unsigned tern_api_host_addrs(tern_ctx *ctx, const api_sock *s, tern_addr *out, unsigned max);
/* A packed array of count addresses, as tern_bindx / tern_connectx take them. */
int tern_api_addrs_from(const api_sock *s, const struct sockaddr *addrs, int count, tern_addr *out,
                        uint16_t *port);

/* ---- send.c / recv.c ------------------------------------------------------------- */
/* Flushes a one-to-many implicit set-up's held messages (COMM_UP), or fails
 * them (the association could not start). */
void tern_api_pend_flush(tern_ctx *ctx, api_assoc *a);
void tern_api_pend_fail(tern_ctx *ctx, api_assoc *a);
/* ABORT (§9.1) with an optional reason: the association ends now (its socket:
 * ended, reads give TERN_ENOTCONN); its unsent messages are reported. */
void tern_api_user_abort(tern_ctx *ctx, api_assoc *a, const void *reason, size_t len);

/* ---- opt_set.c ------------------------------------------------------------------- */
/* The association an option names: one-to-one, its association (id 0 or its
 * id; NULL if not established); one-to-many, id's (0: none, the socket's
 * defaults). Errors: TERN_EINVAL (no such association), TERN_ENOTCONN (a
 * one-to-one socket without one). */
int tern_api_opt_assoc(api_sock *s, tern_assoc_id id, api_assoc **out);

/* ---- small helpers ---------------------------------------------------------------- */
static inline tern_time api_min_time(tern_time a, tern_time b)
{
    return a < b ? a : b;
}

#endif
