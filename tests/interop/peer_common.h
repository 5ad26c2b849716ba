/* Shared by the interop peers (tern_peer.c, usrsctp_peer.c): the options,
 * the payloads and their checks, so both stacks run the same scenarios and
 * print the same lines ("listening", then "ok N messages verified, end: E"
 * or "error: ...").
 *
 * The data exchange: the side that closes (--close shutdown|abort) sends
 * its --count messages first, then receives --count; the other side
 * (--close wait) receives first, then sends, then waits for the end, which
 * must be --expect shutdown|abort. So the closer has read everything before
 * it ends the association, and an ABORT loses nothing. Message i goes on
 * stream i % streams with PPID i + B (--ppid-base B, 1 by default: a peer
 * that treats some PPID specially gets a base above it); its first 4 bytes are i (big-endian),
 * byte j >= 4 is (i * 7 + j * 13 + stream) & 0xff.
 *
 * Several associations (optional; the defaults keep one association and the
 * output above): --assocs N runs that exchange on N associations at once,
 * each with its own --count messages each way, checked separately (one
 * struct peer_rx per association). The client opens N associations, all
 * established before any data moves, each on its own one-to-one socket
 * (one socket cannot hold two associations to the same server port). The
 * server takes N: with --one-to-many (server only) all on one one-to-many
 * socket (SOCK_SEQPACKET), told apart by assoc id, its reads serving
 * whichever association has something; without it it accepts N one-to-one
 * sockets (listen backlog N). Each association ends as --close / --expect
 * say. With N > 1 the peer prints, per association in the order it came up,
 *   "assoc K: ok C messages verified, end: E"
 * then "associations N verified" and the usual last line with the total,
 *   "ok N*C messages verified, end: E". */
#ifndef TERN_INTEROP_PEER_COMMON_H
#define TERN_INTEROP_PEER_COMMON_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum peer_end { END_NONE = 0, END_SHUTDOWN, END_ABORT };

struct peer_opts {
    bool server;
    const char *addr;         /* client: the server's address (127.0.0.1) */
    uint16_t port;            /* SCTP port (5001) */
    uint16_t udp_port;        /* local UDP encapsulation port */
    uint16_t remote_udp_port; /* the peer's */
    unsigned count;           /* messages each way */
    size_t size;              /* bytes each, >= 4 */
    uint16_t streams;         /* outbound streams used (and asked for) */
    bool unordered;
    enum peer_end close;  /* END_NONE: wait for the peer to end it */
    enum peer_end expect; /* with close == END_NONE */
    unsigned timeout;     /* seconds, alarm() */
    unsigned assocs;      /* associations (1) */
    bool one_to_many;     /* all of them on one one-to-many socket */
    unsigned linger;      /* seconds to keep the stack up after the end (0) */
    uint32_t ppid_base;   /* message i has PPID i + ppid_base (1) */
};

/* Set by SIGHUP when --linger is given: stop lingering. */
extern volatile sig_atomic_t peer_linger_stop;

/* Parses argv or prints usage and exits 2. */
void peer_parse(struct peer_opts *o, int argc, char **argv, const char *prog);
void peer_fill(uint8_t *buf, size_t size, unsigned i, uint16_t sid);

struct peer_rx {
    const struct peer_opts *o;
    uint8_t *seen;      /* count entries */
    long *last_per_sid; /* streams entries, -1 */
    unsigned got;
};
void peer_rx_init(struct peer_rx *rx, const struct peer_opts *o);
void peer_rx_free(struct peer_rx *rx);
/* Checks one whole message; returns false after printing "error: ...". */
bool peer_rx_check(struct peer_rx *rx, const uint8_t *buf, size_t len, uint16_t sid, uint32_t ppid,
                   bool unordered);

const char *peer_end_name(enum peer_end e);
/* Association k (from 1) ended with e after rx got its messages: dies
 * unless every message came, ours were sent, and e is the end expected
 * (ours, --close, or the peer's, --expect). */
void peer_check_end(const struct peer_opts *o, unsigned k, const struct peer_rx *rx, bool sent,
                    enum peer_end e);
/* Prints "error: <fmt>" and exits 1. */
void peer_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void peer_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
