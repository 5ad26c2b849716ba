/* Tern's sans-I/O core (DESIGN.md §3): packets and time in; packets,
 * deadlines and events out. No system calls, threads, globals or clock: the
 * caller passes `now` (nanoseconds on its own monotonic clock) everywhere.
 *
 *   tern_ep_input()         a received SCTP packet (after any UDP/IP header)
 *   tern_ep_output()        the next packet to send, and the path it goes on
 *   tern_ep_next_deadline() when tern_ep_on_deadline() must be called
 *   tern_ep_poll_event()    association changes, errors, (later) messages
 *
 * Errors are negative TERN_E* codes (tern/error.h). Misuse by the caller
 * returns an error and changes nothing; bad input from the network never
 * returns an error: it is answered, dropped and counted as RFC 9260 says. */
#ifndef TERN_CORE_H
#define TERN_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tern/error.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef TERN_TIME_DEFINED
#define TERN_TIME_DEFINED
typedef uint64_t tern_time; /* ns on the caller's monotonic clock */
#endif
#define TERN_TIME_NEVER UINT64_MAX
#define TERN_MSEC(ms)   ((tern_time)(ms)*1000000u)
#define TERN_SEC(s)     ((tern_time)(s)*1000000000u)

enum { TERN_AF_NONE = 0, TERN_AF_INET = 4, TERN_AF_INET6 = 6 };

/* An IP address; IPv4 uses the first 4 bytes of ip, the rest are zero. */
typedef struct tern_addr {
    uint8_t family;
    uint8_t ip[16];
} tern_addr;

/* Where a packet came from or goes: local and remote address and, for UDP
 * encapsulation (RFC 6951), the remote UDP port (0 for raw IP). */
typedef struct tern_path {
    tern_addr local;
    tern_addr remote;
    uint16_t encaps_port;
} tern_path;

/* Optional allocator hooks (all or none). size is passed to free so a
 * counting allocator needs no header. */
typedef struct tern_allocator {
    void *(*alloc)(void *ctx, size_t size);
    void (*free)(void *ctx, void *ptr, size_t size);
    void *ctx;
} tern_allocator;

#define TERN_MAX_LOCAL_ADDRS 8
#define TERN_MAX_PATHS       8 /* peer addresses kept per association */

typedef struct tern_ep_config {
    uint16_t port; /* local SCTP port, non-zero */
    tern_addr local_addrs[TERN_MAX_LOCAL_ADDRS];
    uint8_t num_local_addrs;                 /* advertised in INIT/INIT ACK; 0: none (§5.1.2:
                                                the peer uses the packet's source) */
    uint16_t outbound_streams;               /* OS we ask for (≥ 1) */
    uint16_t max_inbound_streams;            /* MIS we accept (≥ 1) */
    uint32_t rwnd;                           /* advertised receive window, bytes (≥ 1500) */
    tern_time rto_initial, rto_min, rto_max; /* RFC 9260 §16: 1 s, 1 s, 60 s */
    tern_time init_rto_max;                  /* the RTO cap while INIT / COOKIE ECHO are
                                                retransmitted (RFC 6458 sinit_max_init_timeo),
                                                at least rto_min; 0: rto_max; ≤ 1 day */
    tern_time valid_cookie_life;             /* §16: 60 s */
    tern_time cookie_rotation;               /* a new cookie secret this often, at least every
                                                2 × valid_cookie_life (0: only on
                                                tern_ep_rotate_secret); default 1 h */
    tern_time hb_interval;                   /* §16: 30 s; 0 turns heartbeats off, also the
                                                probes that confirm the peer's other
                                                addresses (§5.4; tern_ep_heartbeat_now still
                                                does) and test potentially failed ones */
    tern_time shutdown_guard;                /* T5-shutdown-guard (§9.2); 0: 5 × rto_max */
    uint8_t max_init_retransmits;            /* §16: 8 */
    uint8_t assoc_max_retrans;               /* §16: 10 */
    uint8_t path_max_retrans;                /* §16: 5 */
    uint8_t pf_max_retrans;                  /* RFC 7829 PotentiallyFailed.Max.Retrans (0): a
                                                path with more errors is potentially failed
                                                and new data leaves it; ≥ path_max_retrans
                                                turns that state off */
    bool primary_switchover;                 /* RFC 7829 §6: a failover makes the path data
                                                moved to the primary (no failback); off (the
                                                default): data returns to the primary once it
                                                is active again */
    uint32_t max_associations;               /* further COOKIE ECHOs get ABORT (Out of Resource) */
    uint32_t event_queue_len;                /* events kept before new ones are dropped (counted) */
    bool blackhole;                          /* never answer out-of-the-blue packets (§8.4) */
    bool closed_port; /* this endpoint stands for every SCTP port that no endpoint has (a UDP
                         encapsulation runtime owns them all): packets to any port get the
                         §8.4 answers, an INIT an ABORT (§8.4 item 3: the INIT's Initiate
                         Tag, T bit clear), and no association is ever made
                         (tern_ep_connect: TERN_EINVAL) */
    /* Data transfer (§6, §7). */
    uint32_t sndbuf;      /* per association: queued + unacknowledged message bytes (1 MiB) */
    uint32_t pmtu;        /* IP MTU assumed for a new path, bytes (1500; ≥ 1280) */
    bool nodelay;         /* send small messages at once; off: with data in flight, new data
                             waits until a full chunk's worth is queued (Nagle-like), or a
                             quarter of the flight (at most 64 KiB), or the next SACK */
    tern_time sack_delay; /* delayed SACK (§6.2): 200 ms; 0 acknowledges every packet */
    uint8_t sack_freq;    /* a SACK at least every this many DATA packets (2) */
    uint8_t max_burst;    /* §16 Max.Burst (4) */
    uint32_t pd_point;    /* partial delivery point, bytes (0: rwnd / 2) */
    uint32_t max_seg;     /* largest DATA fragment payload (RFC 6458 SCTP_MAXSEG), 0 or ≥ 64;
                             0 (or more than the path allows): what the path MTU allows */
    tern_time autoclose;  /* graceful shutdown after this long without DATA either way
                             (RFC 6458 §8.1.8), at most 366 days; 0: never */
    /* Adaptation Layer Indication (RFC 5061 §4.2.6) sent in INIT / INIT ACK. */
    bool adaptation_ind_on;
    uint32_t adaptation_ind;
    /* Send INIT and INIT ACK with no optional parameters at all: no IPv4 /
     * IPv6 Address (the peer then uses the packet's source, §5.1.2), no
     * Adaptation Layer Indication, no Cookie Preservative (a stale cookie is
     * simply retried), no Unrecognized Parameter in the INIT ACK and no
     * ERROR (Unrecognized Parameters) with the COOKIE ECHO; the INIT ACK
     * keeps its State Cookie. For peers that refuse a whole packet over an
     * optional parameter they do not parse instead of acting on its upper
     * two bits as RFC 9260 §3.2.1 / §5.1.2 require — pion/sctp 1.8 drops
     * every INIT or INIT ACK carrying anything but Supported Extensions,
     * Forward-TSN-Supported, ECN, AUTH's Random / Chunk List / HMAC, State
     * Cookie, Heartbeat Info and RE-CONFIG parameters (param.go buildParam),
     * and every ERROR or ABORT whose cause is not 6, 7, 12 or 13. Off by
     * default. */
    bool omit_init_params;
    /* Cryptographically secure random bytes (tags, TSNs, cookie secret,
     * heartbeat nonces, jitter). NULL: OpenSSL's RAND_bytes. Returns 0 on
     * success. Tests pass a seeded generator for reproducible runs. */
    int (*random)(void *ctx, uint8_t *buf, size_t len);
    void *random_ctx;
    tern_allocator alloc; /* NULL hooks: malloc/free */
} tern_ep_config;

typedef struct tern_ep tern_ep;
typedef uint32_t tern_assoc_id; /* never 0 */

/* RFC 9260 §16 defaults, port 0 (the caller must set it). */
void tern_ep_config_default(tern_ep_config *cfg);

/* Errors: TERN_EINVAL (bad config), TERN_ENOMEM. */
int tern_ep_new(const tern_ep_config *cfg, tern_ep **out);
/* Frees the endpoint and every association (no packets are sent). */
void tern_ep_free(tern_ep *ep);

/* Feeds one received SCTP packet. Always 0 for any content (malformed,
 * unknown or unwanted packets are counted in the statistics); TERN_EINVAL
 * only for a NULL endpoint, path or packet. */
int tern_ep_input(tern_ep *ep, const tern_path *path, const uint8_t *pkt, size_t len,
                  tern_time now);

/* Writes the next packet to send into buf and its path into *path: its
 * length, 0 if there is nothing to send, TERN_EINVAL if cap < 1280 (a
 * packet of the minimum IPv6 MTU must fit). */
long tern_ep_output(tern_ep *ep, tern_path *path, uint8_t *buf, size_t cap, tern_time now);

/* True when tern_ep_output() or tern_ep_poll_event() may have something:
 * a caller driving many endpoints skips the others (O(1)). */
bool tern_ep_has_work(const tern_ep *ep);

/* The earliest time tern_ep_on_deadline() must be called, or TERN_TIME_NEVER. */
tern_time tern_ep_next_deadline(const tern_ep *ep);
/* Runs every timer due at now. 0, or TERN_EINVAL for a NULL endpoint. */
int tern_ep_on_deadline(tern_ep *ep, tern_time now);

/* Starts an association to peer_port at path->remote (§5.1 step A).
 * Errors: TERN_EINVAL (port 0, no remote address), TERN_EEXIST (an
 * association with that peer address and port exists), TERN_ENOMEM. */
int tern_ep_connect(tern_ep *ep, const tern_path *path, uint16_t peer_port, tern_time now,
                    tern_assoc_id *id);

/* Graceful close (§9.2): SHUTDOWN-PENDING, then SHUTDOWN once nothing is
 * outstanding; TERN_EV_SHUTDOWN_COMPLETE when done. In COOKIE-WAIT or
 * COOKIE-ECHOED the association is simply abandoned (freed, no event).
 * Errors: TERN_ENOENT (no such association), TERN_ESTATE (already shutting
 * down: nothing changes). */
int tern_ep_shutdown(tern_ep *ep, tern_assoc_id id, tern_time now);

/* Abortive close (§9.1): sends ABORT with a User-Initiated Abort cause
 * carrying reason (may be NULL, at most 1024 bytes) and frees the
 * association; no event. Errors: TERN_ENOENT, TERN_EINVAL (reason too long). */
int tern_ep_abort(tern_ep *ep, tern_assoc_id id, const void *reason, size_t reason_len,
                  tern_time now);

/* ---- Data (RFC 9260 §6) ----------------------------------------------- */

/* tern_sndinfo.flags */
#define TERN_SEND_UNORDERED 0x01u /* unordered delivery, U bit (§6.6) */
#define TERN_SEND_SACK_NOW  0x02u /* ask the peer to SACK at once: I bit (RFC 7053) */
#define TERN_SEND_MORE      0x04u /* not the end of the record: the next send continues it */

typedef struct tern_sndinfo {
    uint16_t stream;  /* < the negotiated outbound streams */
    uint32_t ppid;    /* payload protocol identifier, host order */
    uint32_t flags;   /* TERN_SEND_* */
    uint64_t context; /* the caller's, echoed in TERN_EV_SEND_FAILED */
    tern_time ttl;    /* 0: reliable. Otherwise a message none of whose fragments was sent
                         within ttl of tern_ep_send is abandoned (SEND_FAILED, UNSENT); once
                         sent it is reliable (RFC 6458 §5.3.4 without PR-SCTP). The messages
                         behind it on its stream take over its SSN (the peer sees no gap).
                         Ignored for a record sent in pieces (TERN_SEND_MORE): reliable */
} tern_sndinfo;

/* Queues one message (copied in; at most sndbuf bytes). It goes out as
 * congestion and flow control allow (§6.1), fragmented to the path MTU
 * (§6.9). Errors, nothing queued: TERN_EINVAL (NULL, len 0, stream out of
 * range, unknown flags, a record continued with another U flag),
 * TERN_ENOENT, TERN_ESTATE (not ESTABLISHED: not up yet, or shutting down,
 * §9.2), TERN_EAGAIN (the send buffer is full: retry after acknowledgements;
 * TERN_EV_SEND_BUFFER_LOW tells when). now is read only for a ttl: without
 * one, any value will do (a caller may skip reading its clock). */
int tern_ep_send(tern_ep *ep, tern_assoc_id id, const tern_sndinfo *info, const void *data,
                 size_t len, tern_time now);

/* TERN_EV_SEND_BUFFER_LOW fires when the association's queued plus
 * unacknowledged bytes fall to threshold or below (0: never, the default).
 * Errors: TERN_ENOENT. */
int tern_ep_set_buffer_low(tern_ep *ep, tern_assoc_id id, size_t threshold);

/* tern_rcvinfo.flags */
#define TERN_RCV_UNORDERED 0x01u /* sent unordered (§6.6) */
#define TERN_RCV_EOR       0x02u /* this read ends the message */
#define TERN_RCV_PARTIAL   0x04u /* delivered before the whole message arrived (partial delivery) */

typedef struct tern_rcvinfo {
    tern_assoc_id assoc;
    uint16_t stream, ssn;
    uint32_t tsn;  /* of the message's first chunk */
    uint32_t ppid; /* host order */
    uint32_t flags;
} tern_rcvinfo;

/* Copies the next delivered message of any association, or the next part
 * of it, into buf: the number of bytes (> 0), or 0 when nothing is ready.
 * A message longer than cap comes in several reads, the last with
 * TERN_RCV_EOR. Reading frees receive window (§6.2), which may owe the peer
 * a window update: call tern_ep_output after (tern_ep_has_work says
 * whether one is owed). now is not read. Errors: TERN_EINVAL (NULL, cap 0). */
long tern_ep_recv(tern_ep *ep, tern_rcvinfo *info, void *buf, size_t cap, tern_time now);

/* Like tern_ep_recv, but only the messages of association id (0 when it
 * has none, also before it is up). Errors: TERN_EINVAL, TERN_ENOENT. */
long tern_ep_recv_assoc(tern_ep *ep, tern_assoc_id id, tern_rcvinfo *info, void *buf, size_t cap,
                        tern_time now);
/* The association whose message tern_ep_recv would return next, or 0. */
tern_assoc_id tern_ep_next_readable(const tern_ep *ep);
/* The readable association after prev in the readable list (prev 0: the
 * first), or 0 (prev last, or not readable). O(1): iterate with it. */
tern_assoc_id tern_ep_readable_after(const tern_ep *ep, tern_assoc_id prev);
/* Whether association id has something to read (a message, or the rest of
 * one): it is on the readable list. false for an unknown id. */
bool tern_ep_assoc_readable(const tern_ep *ep, tern_assoc_id id);

/* Like tern_ep_connect with several peer addresses (RFC 6458 sctp_connectx):
 * INIT goes to paths[0]; the others are known peer addresses of the new
 * association from the start (§5.1.2), UNCONFIRMED (§5.4) until a heartbeat
 * confirms them (tern_ep_heartbeat_now). 1 ≤ n ≤ TERN_MAX_PATHS; a repeated
 * address counts once. Errors as tern_ep_connect (TERN_EINVAL if any
 * address is not unicast; TERN_EEXIST if any is taken with that port):
 * nothing is created. */
int tern_ep_connectx(tern_ep *ep, const tern_path *paths, size_t n, uint16_t peer_port,
                     tern_time now, tern_assoc_id *id);

/* Replaces the settings new associations start with (streams, rwnd, RTO,
 * retransmission limits, heartbeats, SACK, buffers, local addresses, ...)
 * and the endpoint's own (max_associations, event_queue_len, cookie life
 * and rotation, blackhole). The port, random and alloc hooks cannot change.
 * Existing associations keep theirs. A larger max_associations or
 * event_queue_len reallocates (queued events are kept); a smaller one keeps
 * what exists and refuses more. Errors, nothing changed: TERN_EINVAL (as
 * tern_ep_new, or another port, random or alloc), TERN_ENOMEM. */
int tern_ep_config_update(tern_ep *ep, const tern_ep_config *cfg);

/* Per-association settings (RFC 6458 RTOINFO, ASSOCINFO, DELAYED_SACK,
 * NODELAY, MAXSEG, autoclose, PEER_ADDR_PARAMS for all paths). */
typedef struct tern_assoc_params {
    tern_time rto_initial, rto_min, rto_max;
    uint8_t assoc_max_retrans, path_max_retrans;
    uint8_t pf_max_retrans;  /* tern_ep_config.pf_max_retrans */
    bool primary_switchover; /* tern_ep_config.primary_switchover */
    tern_time hb_interval;   /* 0: heartbeats off */
    tern_time sack_delay;
    uint8_t sack_freq;
    uint8_t max_burst;
    bool nodelay;
    uint32_t max_seg;
    tern_time autoclose;
    uint32_t sndbuf;
} tern_assoc_params;
/* Any state. set re-arms what depends on the values: hb_interval 0 stops
 * heartbeats, another re-arms them from now; RTOs are clamped to the new
 * bounds (a path never measured takes the new rto_initial); a sndbuf below
 * what is queued drops nothing (sends get TERN_EAGAIN until it drains);
 * sack_delay 0 sends an owed SACK now; autoclose counts from the last DATA.
 * Errors: TERN_EINVAL (NULL, or out of the ranges tern_ep_new accepts:
 * nothing changes), TERN_ENOENT. */
int tern_ep_assoc_params_get(const tern_ep *ep, tern_assoc_id id, tern_assoc_params *out);
int tern_ep_assoc_params_set(tern_ep *ep, tern_assoc_id id, const tern_assoc_params *p,
                             tern_time now);

/* Per peer address (path) of an association. Errors: TERN_ENOENT (no such
 * association), TERN_EINVAL (NULL, not one of its peer addresses, or a value
 * out of range).
 *
 * set_primary: new DATA goes there (TERN_EV_PEER_ADDR_CHANGE MADE_PRIMARY
 * when it changes). TERN_EINVAL also for an UNCONFIRMED address (§5.4:
 * only heartbeats may go there). */
int tern_ep_set_primary(tern_ep *ep, tern_assoc_id id, const tern_addr *remote);
/* IP MTU of the path (1280..65535), e.g. the kernel's IP_MTU. New DATA
 * chunks are cut for it; chunks already made keep their size (§6.9: a
 * retransmission larger than the PMTU goes alone, for IP to fragment). */
int tern_ep_set_path_mtu(tern_ep *ep, tern_assoc_id id, const tern_addr *remote, uint32_t mtu);
/* Sends a HEARTBEAT on that path now (RFC 6458 SPP_HB_DEMAND), also to an
 * UNCONFIRMED address: its HEARTBEAT ACK confirms it (TERN_EV_PEER_ADDR_CHANGE
 * CONFIRMED). One still unanswered there is replaced. Also TERN_ESTATE: not
 * ESTABLISHED, SHUTDOWN-PENDING or SHUTDOWN-RECEIVED (§8.3). */
int tern_ep_heartbeat_now(tern_ep *ep, tern_assoc_id id, const tern_addr *remote, tern_time now);
/* One path's own settings (RFC 6458 §8.1.12, RFC 7829 §7.2). A path takes
 * the association's when it is added, and tern_ep_assoc_params_set sets the
 * values it changes on every path. hb_interval: HB.interval (§8.3), kept in
 * whole ms (rounded up), at most a day, 0: no heartbeats on this path (not
 * even the probes of an unconfirmed or potentially failed address);
 * re-armed from now when changed. The thresholds (path_max_retrans ≥ 1)
 * apply from the next error. */
typedef struct tern_path_params {
    tern_time hb_interval;
    uint8_t path_max_retrans, pf_max_retrans;
} tern_path_params;
int tern_ep_path_params_get(const tern_ep *ep, tern_assoc_id id, const tern_addr *remote,
                            tern_path_params *out);
int tern_ep_path_params_set(tern_ep *ep, tern_assoc_id id, const tern_addr *remote,
                            const tern_path_params *p, tern_time now);

/* An ICMP error about a packet this endpoint sent (RFC 9260 §10, which was
 * RFC 4960's Appendix C; RFC 6951 §5.5 for UDP encapsulation). */
enum tern_icmp_kind {
    TERN_ICMP_FRAG_NEEDED = 1, /* ICMPv4 3/4, ICMPv6 Packet Too Big: mtu is the next-hop MTU */
    TERN_ICMP_PROTO_UNREACH,   /* ICMPv4 3/2, ICMPv6 4/1 (raw IP); ICMP port unreachable
                                  for UDP encapsulation: nobody listens there */
    TERN_ICMP_OTHER,           /* any other ICMP error: ignored (§10 ICMP1-4, ICMP9) */
};
typedef struct tern_icmp {
    enum tern_icmp_kind kind;
    uint8_t type, code;  /* as received, for statistics */
    uint32_t mtu;        /* FRAG_NEEDED: the reported MTU (IP MTU) */
    const uint8_t *sctp; /* the quoted SCTP packet from its common header, as much as the
                            ICMP carried (at least 8 bytes are needed to use it) */
    size_t len;
} tern_icmp;
/* path: the offending packet's path (local: our address, remote: where it
 * went, encaps_port: the quoted UDP header's destination port, 0 for raw
 * IP; it must be the association's). Acted on only when the quote names an
 * association (our port, its peer's port and address) and carries the
 * peer's tag, or tag 0 and our INIT with our tag (§10 ICMP5, ICMP6);
 * anything else is counted in the drops. FRAG_NEEDED lowers the path's
 * PMTU (never raises it; IPv6 not below 1280, IPv4 not below 576; mtu 0:
 * ignored); PROTO_UNREACH ends the association as an ABORT would
 * (COMM_LOST, or CANT_START before it is up; for an INIT only in
 * COOKIE-WAIT). Always 0 for any content; TERN_EINVAL only for NULL
 * pointers (or sctp NULL with len > 0). */
int tern_ep_icmp(tern_ep *ep, const tern_path *path, const tern_icmp *icmp, tern_time now);

/* Makes a new cookie secret current; cookies signed with the previous one
 * stay valid for one valid_cookie_life. Errors: TERN_ENOMEM (no randomness). */
int tern_ep_rotate_secret(tern_ep *ep, tern_time now);

/* RFC 9260 §4 */
enum tern_state {
    TERN_STATE_CLOSED = 0,
    TERN_STATE_COOKIE_WAIT,
    TERN_STATE_COOKIE_ECHOED,
    TERN_STATE_ESTABLISHED,
    TERN_STATE_SHUTDOWN_PENDING,
    TERN_STATE_SHUTDOWN_SENT,
    TERN_STATE_SHUTDOWN_RECEIVED,
    TERN_STATE_SHUTDOWN_ACK_SENT,
};

/* Why packets or chunks were dropped (tern_ep_stats.drops[]). */
enum tern_drop_reason {
    TERN_DROP_MALFORMED,    /* framing, layout or field errors */
    TERN_DROP_CHECKSUM,     /* bad CRC32c */
    TERN_DROP_PORT,         /* not our SCTP port */
    TERN_DROP_VTAG,         /* verification tag rules of §8.5, §8.5.1 */
    TERN_DROP_OOTB,         /* out of the blue (§8.4), answered or not */
    TERN_DROP_COOKIE_BAD,   /* forged or mangled state cookie (§5.1.5) */
    TERN_DROP_COOKIE_STALE, /* expired cookie, answered with Stale Cookie (§5.1.5) */
    TERN_DROP_STATE,        /* chunk not allowed in the association's state (§5.2, §9.2) */
    TERN_DROP_UNKNOWN,      /* unrecognized chunk, dropped per its upper bits (§3.2) */
    TERN_DROP_OUTPUT_FULL,  /* our answer was dropped: output ring full */
    TERN_DROP_MAX
};

/* Per-association counters (RFC 3873 sctpAssocTable in spirit). */
typedef struct tern_assoc_stats {
    uint64_t packets_in, packets_out;
    uint64_t ctrl_chunks_in, ctrl_chunks_out; /* every chunk that is not DATA/I-DATA */
    uint64_t data_chunks_in, data_chunks_out;
    uint32_t t1_expired, t2_expired, t5_expired, t3_expired;
    uint64_t messages_in, messages_out; /* delivered to the user / queued by the user */
    uint64_t retransmits, fast_retransmits;
    uint64_t sacks_in, sacks_out, dup_tsns_in;
    uint32_t hb_sent, hb_acked, hb_received;
    uint32_t drops[TERN_DROP_MAX];
} tern_assoc_stats;

/* Peer address (path) state, RFC 9260 §5.4, §8.2, §8.3, RFC 7829 §5. */
enum tern_path_state {
    TERN_PATH_UNCONFIRMED = 0, /* no chunk but HEARTBEAT goes there */
    TERN_PATH_ACTIVE,
    TERN_PATH_INACTIVE, /* more than path_max_retrans errors */
    TERN_PATH_PF,       /* potentially failed: more than pf_max_retrans errors */
};

/* What went over one path of an association (RFC 9260 §6.4, per destination
 * address): packets sent to it and received from it, DATA chunks sent to it,
 * of which retransmissions (§6.3.3, §7.2.4). */
typedef struct tern_path_counters {
    uint64_t packets_out, packets_in;
    uint64_t data_out, data_rtx; /* data_out counts data_rtx too */
} tern_path_counters;

typedef struct tern_path_info {
    tern_path path;
    enum tern_path_state state;
    tern_time srtt, rttvar, rto; /* srtt 0 until the first measurement */
    uint32_t error_count;
    uint32_t pmtu;                   /* IP MTU */
    uint64_t cwnd, ssthresh, flight; /* §7.2, bytes */
    bool fast_recovery;
    tern_path_counters counters;
} tern_path_info;

typedef struct tern_assoc_info {
    tern_assoc_id id;
    enum tern_state state;
    uint16_t peer_port;
    uint32_t local_vtag, peer_vtag;
    uint32_t local_initial_tsn, peer_initial_tsn;
    uint32_t peer_rwnd;
    uint16_t outbound_streams, inbound_streams; /* negotiated (§5.1.1) */
    uint32_t error_count;                       /* association error counter (§8.1) */
    uint32_t next_tsn, cum_tsn_ack;             /* ours; and what we acknowledge */
    size_t send_queued;                         /* queued + unacknowledged message bytes */
    size_t send_unsent;                         /* of which not yet sent as chunks */
    uint32_t unacked_chunks;                    /* DATA chunks sent, not cumulatively acked */
    uint32_t frag_point;                        /* largest DATA payload on the primary path */
    size_t recv_held;                           /* received bytes not yet read */
    uint32_t a_rwnd;                            /* what we advertise now */
    uint8_t peer_ext[32]; /* chunk types in the peer's Supported Extensions (bitmap) */
    uint8_t num_paths, primary;
    tern_path_info paths[TERN_MAX_PATHS];
    tern_assoc_stats stats;
} tern_assoc_info;

/* Errors: TERN_ENOENT. */
int tern_ep_assoc_info(const tern_ep *ep, tern_assoc_id id, tern_assoc_info *out);

enum tern_event_type {
    TERN_EV_COMM_UP = 1,              /* association established */
    TERN_EV_COMM_LOST,                /* ended by the peer's ABORT (cause: its first cause code)
                                         or by retransmission limits (cause 0) */
    TERN_EV_RESTART,                  /* the peer restarted (§5.2.4 action A) */
    TERN_EV_SHUTDOWN_RECEIVED,        /* the peer started a graceful close (SHUTDOWN) */
    TERN_EV_SHUTDOWN_COMPLETE,        /* graceful shutdown finished; the association is gone */
    TERN_EV_CANT_START,               /* the handshake failed (Max.Init.Retransmits, ABORT) */
    TERN_EV_REMOTE_ERROR,             /* an ERROR chunk arrived; cause holds its first cause code */
    TERN_EV_SEND_FAILED,              /* the association ended with this message not (all)
                                         acknowledged: stream, ppid, context, data, len, flags */
    TERN_EV_SENDER_DRY,               /* everything sent is acknowledged and nothing is queued */
    TERN_EV_SEND_BUFFER_LOW,          /* queued + unacknowledged bytes fell to the threshold */
    TERN_EV_PEER_ADDR_CHANGE,         /* a peer address changed state: addr, addr_state */
    TERN_EV_PARTIAL_DELIVERY_ABORTED, /* a message the user read part of will not be
                                         completed (the association ended with an event,
                                         or restarted): stream, ssn; before that event */
    TERN_EV_ADAPTATION_INDICATION,    /* the peer sent an Adaptation Layer Indication:
                                         adaptation_ind; right after COMM_UP */
};

/* tern_event.addr_state for TERN_EV_PEER_ADDR_CHANGE (RFC 6458 §6.1.2) */
enum tern_addr_state {
    TERN_ADDR_AVAILABLE = 1, /* reachable again (INACTIVE -> ACTIVE: HEARTBEAT ACK or SACK) */
    TERN_ADDR_UNREACHABLE,   /* Path.Max.Retrans exceeded (-> INACTIVE) */
    TERN_ADDR_REMOVED,
    TERN_ADDR_ADDED,
    TERN_ADDR_MADE_PRIMARY,
    TERN_ADDR_CONFIRMED,          /* §5.4 */
    TERN_ADDR_POTENTIALLY_FAILED, /* RFC 7829 */
};

/* tern_event.flags for TERN_EV_SEND_FAILED */
#define TERN_FAILED_UNSENT 0x01u /* no part of it was ever sent */

typedef struct tern_event {
    enum tern_event_type type;
    tern_assoc_id assoc;
    uint16_t cause;            /* error cause code, when one applies */
    uint16_t outbound_streams; /* negotiated, for COMM_UP and RESTART */
    uint16_t inbound_streams;
    /* TERN_EV_SEND_FAILED: the message as sent. data is lent: valid until the
     * next tern_ep_poll_event or tern_ep_free. */
    uint16_t stream;
    uint32_t ppid, flags;
    uint64_t context;
    const uint8_t *data;
    size_t len;
    /* TERN_EV_PEER_ADDR_CHANGE */
    tern_addr addr;
    enum tern_addr_state addr_state;
    /* TERN_EV_PARTIAL_DELIVERY_ABORTED */
    uint16_t ssn;
    /* TERN_EV_ADAPTATION_INDICATION */
    uint32_t adaptation_ind;
} tern_event;

/* 1 and *ev filled, or 0 when the queue is empty. */
int tern_ep_poll_event(tern_ep *ep, tern_event *ev);

typedef struct tern_ep_stats {
    uint64_t packets_in, packets_out;
    uint64_t chunks_in[256], chunks_out[256]; /* by chunk type */
    uint64_t drops[TERN_DROP_MAX];
    uint64_t events_dropped;
    uint64_t assocs_created, assocs_freed;
    uint32_t assocs_open;
} tern_ep_stats;

/* Copies the endpoint's counters. */
void tern_ep_stats_get(const tern_ep *ep, tern_ep_stats *out);

#ifdef __cplusplus
}
#endif
#endif
