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
 * stream i % streams with PPID i + 1; its first 4 bytes are i (big-endian),
 * byte j >= 4 is (i * 7 + j * 13 + stream) & 0xff. */
#ifndef TERN_INTEROP_PEER_COMMON_H
#define TERN_INTEROP_PEER_COMMON_H

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
};

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
/* Prints "error: <fmt>" and exits 1. */
void peer_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void peer_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
