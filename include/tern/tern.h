/* Tern's socket-style API (DESIGN.md §2, api/): the semantics of RFC 6458,
 * the kernel SCTP socket API, over Tern's user-space stack.
 *
 *   tern_ctx    a context: transports, event loop, sockets. No process-global
 *               state: several contexts live in one process and can talk.
 *   int sd      a socket descriptor, small and local to its context:
 *               TERN_SOCK_STREAM (one-to-one) or TERN_SOCK_SEQPACKET
 *               (one-to-many), as SOCK_STREAM / SOCK_SEQPACKET in RFC 6458.
 *
 * Every function returns 0 (or a count, or a descriptor) on success and a
 * negative TERN_E* code on failure (tern/error.h; tern_strerror() gives the
 * text). Misuse returns an error and changes nothing: the socket keeps
 * working. Any thread may call any function.
 *
 * Who runs the protocol: with tern_ctx_config.own_thread the context starts
 * one thread that reads packets and fires timers. Without it, the caller's
 * loop drives it: poll tern_ctx_fd() for readability with
 * tern_ctx_timeout_ms() as the timeout and call tern_ctx_process() whenever
 * it wakes (libuv, libevent, Kamailio-style loops). A blocking call made
 * while no other thread drives the context drives it itself until it can
 * return.
 *
 * Blocking: calls block by default (TERN_SO_RCVTIMEO / TERN_SO_SNDTIMEO
 * bound them: TERN_ETIMEDOUT). With TERN_SO_NONBLOCK, or the TERN_MSG_DONTWAIT
 * flag, they return TERN_EAGAIN (or TERN_EINPROGRESS for connect) instead;
 * tern_sock_fd() gives a descriptor that poll/epoll report readable when
 * recv/accept would not block and writable when send would not block (or
 * connect has finished). */
#ifndef TERN_TERN_H
#define TERN_TERN_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <tern/error.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint32_t tern_assoc_id; /* never 0; 0 means "the socket's" or "none" */

/* ---- Context -------------------------------------------------------------- */

enum tern_transport {
    TERN_TRANSPORT_UDP = 1, /* UDP encapsulation (RFC 6951): no privileges needed */
    TERN_TRANSPORT_RAW = 2, /* raw IP protocol 132: root or CAP_NET_RAW */
};

typedef struct tern_ctx_config {
    enum tern_transport transport; /* default UDP */
    uint16_t udp_port;             /* local encapsulation port: 9899; 0 picks a free one (two
                                      processes on one host need different ports) */
    uint16_t remote_udp_port;      /* peers' encapsulation port for new associations: 9899
                                      (TERN_REMOTE_UDP_ENCAPS_PORT changes it per socket) */
    bool ipv6;                     /* also open IPv6 (default true; IPv4 is always open) */
    bool own_thread;               /* run the protocol in a thread of the context's (false) */
    unsigned max_sockets;          /* descriptors per context (1024) */
    int sndbuf, rcvbuf;            /* the transport's kernel socket buffers, bytes (0: 4 MiB) */
    bool gso;                      /* UDP GSO where the kernel has it (default true);
                                      false sends every packet as its own datagram, e.g. for a
                                      capture on lo, which records a GSO message uncut */
} tern_ctx_config;

typedef struct tern_ctx tern_ctx;

void tern_ctx_config_default(tern_ctx_config *cfg);
/* Opens the transport and the event loop (cfg NULL: the defaults). Errors:
 * TERN_EINVAL, TERN_ENOMEM, TERN_EPERM (raw IP without privilege),
 * TERN_EADDRINUSE (UDP port taken), TERN_EIO. */
int tern_ctx_new(const tern_ctx_config *cfg, tern_ctx **out);
/* Aborts every association (ABORT is sent), closes every socket, stops the
 * context's thread and frees everything. Calls blocked in other threads
 * return TERN_ESHUTDOWN; none may be made after. NULL is a no-op. */
void tern_ctx_free(tern_ctx *ctx);
/* The bound local UDP encapsulation port (0 for raw IP). */
uint16_t tern_ctx_udp_port(const tern_ctx *ctx);

/* Caller-driven mode. tern_ctx_fd: readable when tern_ctx_process has work
 * (packets, expired timers, wake-ups). tern_ctx_timeout_ms: the poll timeout
 * until the next timer (-1: none; rounded up, never early).
 * tern_ctx_process: does all pending work without blocking. Errors:
 * TERN_EINVAL (NULL), TERN_EOPNOTSUPP (the context has its own thread). */
int tern_ctx_fd(const tern_ctx *ctx);
int tern_ctx_timeout_ms(tern_ctx *ctx);
int tern_ctx_process(tern_ctx *ctx);

/* ---- Sockets -------------------------------------------------------------- */

enum {
    TERN_SOCK_STREAM = 1,    /* one-to-one: one association, accept/connect */
    TERN_SOCK_SEQPACKET = 2, /* one-to-many: many associations, told apart by assoc id */
};

/* family: AF_INET or AF_INET6 (an AF_INET6 socket also uses IPv4 addresses).
 * Returns a descriptor ≥ 0. Errors: TERN_EAFNOSUPPORT, TERN_EINVAL (type),
 * TERN_EMFILE, TERN_ENOMEM. */
int tern_socket(tern_ctx *ctx, int family, int type);

/* Binds the SCTP port and address (port 0: an ephemeral port; the wildcard
 * address: the peer uses the packets' source address). Errors: TERN_EBADF,
 * TERN_EINVAL (bad sockaddr or length, already bound), TERN_EAFNOSUPPORT,
 * TERN_EADDRINUSE (port bound by another socket of this context). */
int tern_bind(tern_ctx *ctx, int sd, const struct sockaddr *addr, socklen_t len);

#define TERN_BINDX_ADD_ADDR 1
#define TERN_BINDX_REM_ADDR 2
/* RFC 6458 §9.1: addrs is a packed array of count sockaddr_in/sockaddr_in6,
 * all with the same port. Adds or removes local addresses advertised to new
 * associations. Errors: TERN_EBADF, TERN_EINVAL (count, flags, mixed ports,
 * more than 8 addresses, removing the last one), TERN_EADDRNOTAVAIL
 * (removing one that is not bound), TERN_EAFNOSUPPORT. */
int tern_bindx(tern_ctx *ctx, int sd, const struct sockaddr *addrs, int count, int flags);

/* Accept associations (one-to-one: queued for tern_accept, at most backlog;
 * one-to-many: they just start). An unbound socket gets an ephemeral port.
 * Errors: TERN_EBADF, TERN_EISCONN (connected one-to-one socket). */
int tern_listen(tern_ctx *ctx, int sd, int backlog);

/* One-to-one listening socket: the next established association as a new
 * connected descriptor; addr (may be NULL) gets the peer's primary address.
 * Errors: TERN_EBADF, TERN_EINVAL (not listening), TERN_EOPNOTSUPP
 * (one-to-many), TERN_EAGAIN, TERN_ETIMEDOUT, TERN_EMFILE. */
int tern_accept(tern_ctx *ctx, int sd, struct sockaddr *addr, socklen_t *len);

/* Starts an association (§5.1). One-to-one: blocks until it is established
 * (non-blocking: TERN_EINPROGRESS, then writability; TERN_SO_ERROR tells the
 * outcome). One-to-many: returns at once; the association's id comes in the
 * COMM_UP notification, or use tern_connectx. Errors: TERN_EBADF,
 * TERN_EINVAL, TERN_EAFNOSUPPORT, TERN_EISCONN, TERN_EALREADY,
 * TERN_ECONNREFUSED (could not be started: ABORT, or Max.Init.Retransmits),
 * TERN_ETIMEDOUT, TERN_EINPROGRESS. */
int tern_connect(tern_ctx *ctx, int sd, const struct sockaddr *addr, socklen_t len);
/* As tern_connect with several addresses of one peer (packed as in
 * tern_bindx); *id (may be NULL) gets the association's id. */
int tern_connectx(tern_ctx *ctx, int sd, const struct sockaddr *addrs, int count,
                  tern_assoc_id *id);

/* One-to-many: moves association id to a new one-to-one descriptor.
 * Errors: TERN_EBADF, TERN_EOPNOTSUPP (one-to-one), TERN_EINVAL (no such
 * association on this socket), TERN_EMFILE. */
int tern_peeloff(tern_ctx *ctx, int sd, tern_assoc_id id);

#define TERN_SHUT_RD   0
#define TERN_SHUT_WR   1
#define TERN_SHUT_RDWR 2
/* TERN_SHUT_WR / RDWR: graceful shutdown of the socket's associations
 * (§9.2) after the queued data; reads still return what arrives, then 0.
 * TERN_SHUT_RD: reads return 0 at once; nothing is sent. Errors: TERN_EBADF,
 * TERN_EINVAL, TERN_ENOTCONN. */
int tern_shutdown(tern_ctx *ctx, int sd, int how);

/* Closes the descriptor. Its associations close gracefully in the
 * background (what arrives for them meanwhile is dropped; one still in its
 * handshake is aborted); with TERN_SO_LINGER on and 0 seconds they are
 * aborted; on with N seconds, tern_close blocks until they are closed, at
 * most N seconds, then aborts what is left (TERN_ETIMEDOUT, the descriptor is
 * closed anyway). A listener's associations not yet accepted are aborted.
 * Errors: TERN_EBADF. */
int tern_close(tern_ctx *ctx, int sd);

/* The readiness descriptor of a socket (for poll/epoll; owned by Tern, do
 * not read, write or close it; it lives until tern_close). POLLIN: recv or
 * accept would not block (data, a notification, an association to accept,
 * the end of the stream or an error). POLLOUT: send would not block (room
 * in the send buffer: one-to-many, in every association's; a connect has
 * finished, well or not: TERN_SO_ERROR). Errors: TERN_EBADF, TERN_EIO. */
int tern_sock_fd(tern_ctx *ctx, int sd);

/* Local address (the bound port) and the peer's primary address (one-to-one,
 * or one-to-many with id). Errors: TERN_EBADF, TERN_EINVAL, TERN_ENOTCONN. */
int tern_getsockname(tern_ctx *ctx, int sd, struct sockaddr *addr, socklen_t *len);
int tern_getpeername(tern_ctx *ctx, int sd, tern_assoc_id id, struct sockaddr *addr,
                     socklen_t *len);
/* Every address of the peer (getpaddrs) or of the socket (getladdrs) into
 * out[max]; returns how many there are. Errors: as tern_getpeername. */
int tern_getpaddrs(tern_ctx *ctx, int sd, tern_assoc_id id, struct sockaddr_storage *out, int max);
int tern_getladdrs(tern_ctx *ctx, int sd, struct sockaddr_storage *out, int max);

/* ---- Sending and receiving (RFC 6458 §5.3) --------------------------------- */

/* tern_send_info.flags and tern_recv_info.flags */
#define TERN_UNORDERED        0x0001u /* unordered delivery (§6.6) */
#define TERN_EOF              0x0002u /* after this message, shut the association down (§9.2) */
#define TERN_ABORT            0x0004u /* abort the association; the data is the abort reason */
#define TERN_SACK_IMMEDIATELY 0x0008u /* ask the peer to SACK at once (RFC 7053) */
#define TERN_SENDALL          0x0010u /* one-to-many: to every association of the socket */

typedef struct tern_send_info {
    uint16_t sid;           /* stream */
    uint16_t flags;         /* TERN_UNORDERED, TERN_EOF, TERN_ABORT, ... */
    uint32_t ppid;          /* payload protocol identifier, host byte order */
    uint32_t context;       /* returned in a send-failed notification */
    uint32_t ttl_ms;        /* 0: reliable; else abandon the message if not sent by then */
    tern_assoc_id assoc_id; /* one-to-many: which association (or pass an address) */
} tern_send_info;

typedef struct tern_recv_info {
    uint16_t sid, ssn;
    uint16_t flags; /* TERN_UNORDERED */
    uint32_t ppid;  /* host byte order */
    uint32_t tsn, cumtsn;
    uint32_t context; /* the socket's default send context */
    tern_assoc_id assoc_id;
} tern_recv_info;

/* flags for tern_sendmsg / tern_recvmsg (input) */
#define TERN_MSG_DONTWAIT 0x01 /* this call does not block */
#define TERN_MSG_MORE     0x02 /* send: the message goes on in the next send (explicit EOR) */
/* *msg_flags (output of tern_recvmsg) */
#define TERN_MSG_EOR          0x10 /* the end of a message (or notification) was read */
#define TERN_MSG_NOTIFICATION 0x20 /* buf holds a notification (union tern_notification) */

/* Sends one message (copied). info NULL: the TERN_DEFAULT_SNDINFO. to: the
 * peer (one-to-many: an address starts an association if none exists, as
 * RFC 6458 §4.1.4 implicit set-up; or use info->assoc_id; one-to-one: to is
 * ignored). A blocking send waits for buffer space and sends a message
 * larger than the send buffer in pieces (other senders on that association
 * wait meanwhile: messages never interleave); a non-blocking one queues all
 * of it or nothing. One-to-many: a message for an association not up yet
 * waits for its COMM_UP (at most a send buffer's worth; if the association
 * cannot start, a SEND_FAILED notification returns it). TERN_ABORT: the data
 * (at most 1024 bytes, else TERN_EINVAL) is the abort reason. A blocking send
 * that times out after part of a long message returns the bytes queued (the
 * message is left open: the next send continues it). Returns len.
 * Errors: TERN_EBADF, TERN_EINVAL (stream out of range, len 0 without EOF
 * or ABORT, bad flags), TERN_ENOTCONN, TERN_EPIPE (shutting down),
 * TERN_ECONNRESET, TERN_EAGAIN, TERN_EMSGSIZE (non-blocking, larger than the
 * send buffer), TERN_ETIMEDOUT. */
long tern_sendmsg(tern_ctx *ctx, int sd, const void *buf, size_t len, const struct sockaddr *to,
                  socklen_t tolen, const tern_send_info *info, int flags);
long tern_send(tern_ctx *ctx, int sd, const void *buf, size_t len, int flags);

/* Receives the next message, or the next part of it (TERN_MSG_EOR marks the
 * end), or the next notification (TERN_MSG_NOTIFICATION) when subscribed;
 * a notification too is read in parts when buf is short. A message partly
 * read is finished before anything else is read. from/fromlen, info and
 * msg_flags may be NULL. Returns the bytes read, 0 when the association has
 * shut down and everything was read (one-to-one; subscribed to
 * TERN_ASSOC_CHANGE, after its SHUTDOWN_COMP). Order: a notification comes
 * after the data of its association that was delivered before its event
 * and before what was delivered after it (within one packet, DATA counts as
 * before the event; COMM_UP and RESTART come before any data). Data that
 * arrived before a graceful shutdown stays readable after the association
 * has ended; an ABORT discards what was not read.
 * Errors: TERN_EBADF, TERN_EINVAL, TERN_ENOTCONN (not connected; or after our
 * own ABORT), TERN_ECONNRESET (one-to-one after the peer's ABORT or a lost
 * association, once everything received was read), TERN_EAGAIN,
 * TERN_ETIMEDOUT. */
long tern_recvmsg(tern_ctx *ctx, int sd, void *buf, size_t cap, struct sockaddr *from,
                  socklen_t *fromlen, tern_recv_info *info, int flags, int *msg_flags);
long tern_recv(tern_ctx *ctx, int sd, void *buf, size_t cap, int flags);

/* ---- Notifications (RFC 6458 §6), read with tern_recvmsg ------------------- */

enum tern_sn_type {
    TERN_ASSOC_CHANGE = 1,
    TERN_PEER_ADDR_CHANGE,
    TERN_REMOTE_ERROR,
    TERN_SEND_FAILED_EVENT,
    TERN_SHUTDOWN_EVENT,
    TERN_ADAPTATION_INDICATION,
    TERN_PARTIAL_DELIVERY_EVENT,
    TERN_SENDER_DRY_EVENT,
    TERN_SN_TYPE_MAX = TERN_SENDER_DRY_EVENT,
};

struct tern_sn_header {
    uint16_t type; /* enum tern_sn_type */
    uint16_t flags;
    uint32_t length; /* of the whole notification, bytes */
};

/* tern_assoc_change.state */
enum { TERN_COMM_UP = 1, TERN_COMM_LOST, TERN_RESTART, TERN_SHUTDOWN_COMP, TERN_CANT_STR_ASSOC };

struct tern_assoc_change {
    struct tern_sn_header h;
    uint16_t state;
    uint16_t error; /* error cause code (COMM_LOST by ABORT, CANT_STR_ASSOC), else 0 */
    uint16_t outbound_streams, inbound_streams;
    tern_assoc_id assoc_id;
};

/* tern_paddr_change.state */
enum {
    TERN_ADDR_AVAILABLE_EV = 1,
    TERN_ADDR_UNREACHABLE_EV,
    TERN_ADDR_REMOVED_EV,
    TERN_ADDR_ADDED_EV,
    TERN_ADDR_MADE_PRIM_EV,
    TERN_ADDR_CONFIRMED_EV,
    TERN_ADDR_POTENTIALLY_FAILED_EV,
};

struct tern_paddr_change {
    struct tern_sn_header h;
    struct sockaddr_storage addr;
    uint32_t state;
    uint32_t error;
    tern_assoc_id assoc_id;
};

struct tern_remote_error {
    struct tern_sn_header h;
    uint16_t error; /* first cause code of the ERROR chunk */
    tern_assoc_id assoc_id;
};

/* tern_send_failed_event.h.flags */
#define TERN_DATA_UNSENT 0x0001u /* never sent */
#define TERN_DATA_SENT   0x0002u /* sent, not acknowledged */

struct tern_send_failed_event {
    struct tern_sn_header h;
    uint32_t error;
    tern_send_info info;
    tern_assoc_id assoc_id;
    uint8_t data[]; /* the message, as much as fits the buffer (h.length says) */
};

struct tern_shutdown_event {
    struct tern_sn_header h;
    tern_assoc_id assoc_id;
};

struct tern_adaptation_event {
    struct tern_sn_header h;
    uint32_t adaptation_ind;
    tern_assoc_id assoc_id;
};

#define TERN_PARTIAL_DELIVERY_ABORTED 1
struct tern_pdapi_event {
    struct tern_sn_header h;
    uint32_t indication;
    uint32_t stream, seq;
    tern_assoc_id assoc_id;
};

struct tern_sender_dry_event {
    struct tern_sn_header h;
    tern_assoc_id assoc_id;
};

union tern_notification {
    struct tern_sn_header h;
    struct tern_assoc_change assoc_change;
    struct tern_paddr_change paddr_change;
    struct tern_remote_error remote_error;
    struct tern_send_failed_event send_failed;
    struct tern_shutdown_event shutdown;
    struct tern_adaptation_event adaptation;
    struct tern_pdapi_event pdapi;
    struct tern_sender_dry_event sender_dry;
};

/* ---- Options (RFC 6458 §8), tern_setsockopt / tern_getsockopt ---------------
 * Each option names its value type; the length must be its size (get: at
 * least). Where a struct has an assoc_id, 0 means the socket (its default
 * for new associations, and on a one-to-one socket its association too);
 * on one-to-many sockets a non-zero id picks an association.
 * Defaults for a fast stack: send buffer and receive window 4 MiB per
 * association (both 4 KiB .. 256 MiB), 10 outbound streams, heartbeats every
 * 30 s, RFC 9260 §16 timers, Nagle-like bundling on (TERN_NODELAY off), no
 * notifications (RFC 6458 §6.2). */
enum tern_sockopt {
    TERN_SO_NONBLOCK = 1,        /* int: non-blocking calls */
    TERN_SO_RCVTIMEO,            /* int ms: blocking receive/accept timeout (0: none) */
    TERN_SO_SNDTIMEO,            /* int ms: blocking send/connect/close timeout (0: none) */
    TERN_SO_SNDBUF,              /* int bytes: per association send buffer (4 MiB); also
                                    applied to the socket's existing associations */
    TERN_SO_RCVBUF,              /* int bytes: per association receive window (4 MiB); new
                                    associations */
    TERN_SO_LINGER,              /* struct tern_linger */
    TERN_SO_ERROR,               /* int (get): the pending error, then cleared */
    TERN_INITMSG,                /* struct tern_initmsg: new associations */
    TERN_RTOINFO,                /* struct tern_rtoinfo */
    TERN_ASSOCINFO,              /* struct tern_assocparams */
    TERN_NODELAY,                /* int */
    TERN_MAXSEG,                 /* struct tern_assoc_value: largest fragment payload (0: MTU) */
    TERN_AUTOCLOSE,              /* int seconds (0: off); one-to-many sockets */
    TERN_DEFAULT_SNDINFO,        /* tern_send_info */
    TERN_EVENT,                  /* struct tern_event_subscribe */
    TERN_STATUS,                 /* struct tern_status (get) */
    TERN_PEER_ADDR_INFO,         /* struct tern_paddrinfo (get) */
    TERN_PEER_ADDR_PARAMS,       /* struct tern_paddrparams */
    TERN_PRIMARY_ADDR,           /* struct tern_setprim */
    TERN_DELAYED_SACK,           /* struct tern_sack_info */
    TERN_REMOTE_UDP_ENCAPS_PORT, /* struct tern_udpencaps: the peer's UDP port (RFC 6951)
                                    for new associations (only AF_UNSPEC, assoc_id 0) */
    TERN_ADAPTATION_LAYER,       /* uint32_t: sent in INIT / INIT ACK (RFC 5061 §4.2.6) */
    TERN_PARTIAL_DELIVERY_POINT, /* uint32_t bytes */
    TERN_GET_ASSOC_NUMBER,       /* uint32_t (get): associations of the socket */
    TERN_GET_ASSOC_ID_LIST,      /* struct tern_assoc_ids (get) */
    TERN_OMIT_INIT_PARAMS,       /* int: 1 sends INIT / INIT ACK without optional parameters
                                    (tern_ep_config.omit_init_params: for peers such as
                                    pion/sctp that refuse those they do not parse); new
                                    associations */
    TERN_PEER_ADDR_THLDS,        /* struct tern_paddrthlds: Path.Max.Retrans and the
                                    potentially-failed threshold (RFC 7829 §7.2) */
    TERN_PRIMARY_SWITCHOVER,     /* struct tern_assoc_value: 1 makes the path a failover
                                    moved data to the primary (RFC 7829 §6); 0 (the
                                    default): data goes back to the primary once it
                                    answers a heartbeat again (failback) */
};

struct tern_linger {
    int onoff;
    int seconds;
};

struct tern_initmsg {
    uint16_t num_ostreams;   /* streams we ask for */
    uint16_t max_instreams;  /* streams we accept */
    uint16_t max_attempts;   /* Max.Init.Retransmits */
    uint16_t max_init_timeo; /* RTO cap while INIT / COOKIE ECHO are retransmitted, ms
                                (0: unchanged; default RTO.Max) */
};

struct tern_rtoinfo {
    tern_assoc_id assoc_id;
    uint32_t initial, max, min; /* ms; 0 leaves a value unchanged */
};

struct tern_assocparams {
    tern_assoc_id assoc_id;
    uint16_t asocmaxrxt;               /* Association.Max.Retrans (0: unchanged) */
    uint16_t number_peer_destinations; /* get */
    uint32_t peer_rwnd;                /* get */
    uint32_t local_rwnd;               /* get */
    uint32_t cookie_life;              /* ms (0: unchanged) */
};

struct tern_assoc_value {
    tern_assoc_id assoc_id;
    uint32_t value;
};

struct tern_event_subscribe {
    tern_assoc_id assoc_id;
    uint16_t type; /* enum tern_sn_type */
    uint8_t on;
};

/* tern_paddrinfo.state */
enum { TERN_UNCONFIRMED = 0, TERN_ACTIVE, TERN_INACTIVE, TERN_PF };

struct tern_paddrinfo {
    tern_assoc_id assoc_id;
    struct sockaddr_storage address; /* set: which address (get PEER_ADDR_INFO) */
    int32_t state;
    uint32_t cwnd, srtt, rto, mtu; /* bytes, ms, ms, bytes */
    /* Counted on this path since the association began: SCTP packets sent
     * to the address and received from it, DATA chunks sent to it (new and
     * retransmitted), of which retransmissions. */
    uint64_t packets_out, packets_in, data_out, data_rtx;
};

/* struct tern_status.state: the association state (RFC 9260 §4) */
enum {
    TERN_CLOSED = 0,
    TERN_COOKIE_WAIT,
    TERN_COOKIE_ECHOED,
    TERN_ESTABLISHED,
    TERN_SHUTDOWN_PENDING,
    TERN_SHUTDOWN_SENT,
    TERN_SHUTDOWN_RECEIVED,
    TERN_SHUTDOWN_ACK_SENT,
};

struct tern_status {
    tern_assoc_id assoc_id;
    int32_t state;
    uint32_t rwnd;                /* the peer's */
    uint16_t unackdata, penddata; /* DATA chunks outstanding / still to be made from queued bytes */
    uint16_t instrms, outstrms;
    uint32_t fragmentation_point; /* largest DATA payload on the primary path */
    struct tern_paddrinfo primary;
};

/* tern_paddrparams.flags */
#define TERN_SPP_HB_ENABLE     0x01u
#define TERN_SPP_HB_DISABLE    0x02u
#define TERN_SPP_HB_DEMAND     0x04u /* a heartbeat now */
#define TERN_SPP_PMTUD_ENABLE  0x08u
#define TERN_SPP_PMTUD_DISABLE 0x10u /* use pathmtu */

struct tern_paddrparams {
    tern_assoc_id assoc_id;
    struct sockaddr_storage address; /* AF_UNSPEC: every path (and the default) */
    uint32_t hbinterval;             /* ms (0: unchanged) */
    uint16_t pathmaxrxt;             /* 0: unchanged */
    uint32_t pathmtu;                /* with TERN_SPP_PMTUD_DISABLE */
    uint32_t flags;
};

/* RFC 7829 §7.2. pathpfthld: PotentiallyFailed.Max.Retrans (default 0: a
 * path that misses one retransmission timeout or heartbeat is potentially
 * failed, and new data moves to another confirmed path at once); a value at
 * least pathmaxrxt turns the PF state off (RFC 9260 failover after
 * Path.Max.Retrans). pathmaxrxt: 0 leaves it unchanged. */
struct tern_paddrthlds {
    tern_assoc_id assoc_id;
    struct sockaddr_storage address; /* AF_UNSPEC: every path (and the default) */
    uint16_t pathmaxrxt;
    uint16_t pathpfthld;
};

struct tern_setprim {
    tern_assoc_id assoc_id;
    struct sockaddr_storage addr;
};

struct tern_sack_info {
    tern_assoc_id assoc_id;
    uint32_t delay; /* ms (0 with freq 1: every packet is acknowledged) */
    uint32_t freq;  /* a SACK at least every freq packets */
};

struct tern_udpencaps {
    tern_assoc_id assoc_id;
    struct sockaddr_storage address; /* AF_UNSPEC: the socket's default */
    uint16_t port;                   /* host byte order */
};

struct tern_assoc_ids {
    uint32_t num;        /* how many there are */
    tern_assoc_id ids[]; /* as many as the buffer holds (*len says) */
};

/* Errors: TERN_EBADF, TERN_ENOPROTOOPT, TERN_EINVAL (value size or range:
 * nothing changes), TERN_ENOTCONN / TERN_EINVAL (no such association),
 * TERN_EOPNOTSUPP (not for this kind of socket). getsockopt sets *len to the
 * bytes written. */
int tern_setsockopt(tern_ctx *ctx, int sd, int opt, const void *val, size_t len);
int tern_getsockopt(tern_ctx *ctx, int sd, int opt, void *val, size_t *len);

#ifdef __cplusplus
}
#endif
#endif
