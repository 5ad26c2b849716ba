/* Multi-homing for the `tern` subcommands (RFC 9260 §6.4, §8.2): binding
 * several local addresses and connecting to several of the peer's, the
 * failover tuning (RTO bounds, Path.Max.Retrans, heartbeat interval) and the
 * per-path report. */
#ifndef TERN_TOOLS_MULTIHOME_H
#define TERN_TOOLS_MULTIHOME_H

#include "common.h"

/* Failover tuning; 0 leaves a value as it is. */
typedef struct tool_tuning {
    unsigned long rto_min, rto_max; /* ms (RFC 9260 §6.3.1 RTO.Min, RTO.Max) */
    unsigned long path_max_retrans; /* §8.2 Path.Max.Retrans */
    unsigned long hb_interval;      /* ms (§8.3 HB.interval) */
} tool_tuning;

/* --rto-min, --rto-max, --path-max-retrans, --hb-interval: 1 handled, 0 not
 * one of them, -1 bad value (printed). ids: the subcommand's getopt ids of
 * the four, in that order. */
int tool_tuning_parse(tool_tuning *t, int c, int first_id, const char *arg);
/* Applies t to socket sd (its associations to come); prints what is refused
 * and returns its error. */
int tool_tuning_apply(tern_ctx *ctx, int sd, const tool_tuning *t);

/* Binds the local addresses (tern_bindx; none: left to tern_connect's
 * implicit bind) and connects to the peer's (tern_connectx with several,
 * tern_connect with one). Prints the error and returns it. */
int tool_bind_connect(tern_ctx *ctx, int sd, const tool_addrs *local, const tool_addrs *peers);
/* tern_bindx of the addresses on a socket not bound yet. Prints the error. */
int tool_bindx(tern_ctx *ctx, int sd, const tool_addrs *local);

/* Each peer address of association id of sd (0: a one-to-one socket's):
 * TERN_PEER_ADDR_INFO into out[max]; returns how many (0 on an error). */
int tool_paths_get(tern_ctx *ctx, int sd, tern_assoc_id id, struct tern_paddrinfo *out, int max);
/* One line per path ("  path 10.0.0.1: ACTIVE, srtt ..."), or a JSON array. */
void tool_paths_print(FILE *f, const struct tern_paddrinfo *p, int n, bool json);

#endif
