/* What the `tern` subcommands share: the common options (transport, UDP
 * encapsulation ports, address family), address and number parsing, opening
 * a context, receiving whole messages, notification names, clocks and CPU
 * time, JSON strings. */
#ifndef TERN_TOOLS_COMMON_H
#define TERN_TOOLS_COMMON_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include <tern/tern.h>

/* The subcommands (one file each); argv[0] is the subcommand's name. */
int cmd_check(int argc, char **argv);
int cmd_echo(int argc, char **argv);
int cmd_cat(int argc, char **argv);
int cmd_perf(int argc, char **argv);
int cmd_demo(int argc, char **argv);

/* ---- Common options -------------------------------------------------------- */

#define TOOL_DEFAULT_UDP_PORT 9899 /* RFC 6951 §5.1 */

typedef struct tool_opts {
    enum tern_transport transport;
    int udp_port;         /* -1: the subcommand's default (9899 servers, 0 clients) */
    int remote_udp_port;  /* -1: 9899 */
    int family;           /* AF_UNSPEC (-4/-6 not given), AF_INET or AF_INET6 */
    unsigned max_sockets; /* tern_ctx_config.max_sockets (0: the default, 1024); set by a
                             subcommand, not an option */
} tool_opts;

/* getopt_long ids of the common long options; subcommands use ids ≥ OPT_LOCAL. */
enum { OPT_TRANSPORT = 0x100, OPT_UDP_PORT, OPT_REMOTE_UDP_PORT, OPT_LOCAL = 0x200 };

#define TOOL_COMMON_LONGOPTS                                               \
    {"transport", required_argument, NULL, OPT_TRANSPORT},                 \
        {"udp-port", required_argument, NULL, OPT_UDP_PORT},               \
        {"remote-udp-port", required_argument, NULL, OPT_REMOTE_UDP_PORT}, \
    {                                                                      \
        "help", no_argument, NULL, 'h'                                     \
    }
#define TOOL_COMMON_SHORTOPTS "46h"

/* The --help text of the common options. */
extern const char tool_common_help[];
/* "tern echo", ...: the prefix of every message. */
extern const char *tool_name;

/* argv[1] names the role ("server", "client", ...): returns its index in
 * roles (NULL-terminated), with tool_name extended ("tern echo server") and
 * argc/argv shifted so argv[0] is the role; -1 after printing help for
 * -h/--help (exit 0); -2 after printing the usage to stderr (exit 2). */
int tool_role(int *argc, char ***argv, const char *const *roles, const char *help);

void tool_opts_init(tool_opts *o);
/* Handles a common option (getopt's c and optarg): 1 handled, 0 not a common
 * option, -1 bad value (the message is printed). */
int tool_opts_parse(tool_opts *o, int c, const char *arg);

/* Opens a context for these options. server: the UDP port defaults to 9899,
 * else 0 (ephemeral). Without -4/-6, IPv6 is opened too when the host has it.
 * Prints the reason and returns the error on failure. */
int tool_ctx_open(const tool_opts *o, bool server, bool own_thread, tern_ctx **out);
/* "listening on port P (UDP encapsulation port U)" or "(raw IP)". */
void tool_print_listening(FILE *f, tern_ctx *ctx, const tool_opts *o, uint16_t port,
                          const char *what);

/* ---- Parsing ---------------------------------------------------------------- */

/* Unsigned integer in [min, max] (0x.. accepted). Prints the error. */
int tool_parse_uint(const char *s, const char *what, unsigned long min, unsigned long max,
                    unsigned long *out);
/* A byte count with an optional K, M or G suffix (powers of 1024). */
int tool_parse_size(const char *s, const char *what, unsigned long min, unsigned long max,
                    unsigned long *out);
/* Seconds, a decimal number > 0. */
int tool_parse_seconds(const char *s, const char *what, double *out);

/* host (a name or a literal; NULL: the wildcard, or loopback when loopback)
 * and port into *out. family: AF_UNSPEC, AF_INET or AF_INET6. */
int tool_resolve(const char *host, uint16_t port, int family, bool loopback,
                 struct sockaddr_storage *out, socklen_t *len);
/* Several addresses of one end (multi-homing, RFC 9260 §6.4): "A1,A2,...",
 * IPv4 and IPv6 mixed, at most TOOL_MAX_ADDRS. */
#define TOOL_MAX_ADDRS 8
typedef struct tool_addrs {
    struct sockaddr_storage ss[TOOL_MAX_ADDRS];
    int n;
} tool_addrs;
/* Parses the comma-separated list s (what: the option's name for messages)
 * with port into out. Each element is a literal or, unless it looks like a
 * literal (digits, dots, colons), a host name. Prints the error (an empty
 * element, a bad address, too many) and returns -1. */
int tool_parse_addrs(const char *s, const char *what, uint16_t port, int family, tool_addrs *out);
/* Sets every address's port. */
void tool_addrs_set_port(tool_addrs *a, uint16_t port);
/* The family of a socket for the addresses of a and of b (may be NULL):
 * AF_INET6 when one of them is IPv6 (such a socket takes IPv4 too), else
 * AF_INET. */
int tool_addrs_family(const tool_addrs *a, const tool_addrs *b);
/* The addresses packed back to back (sockaddr_in / sockaddr_in6) as
 * tern_bindx and tern_connectx take them, into buf. */
void tool_addrs_pack(const tool_addrs *a, struct sockaddr_storage buf[TOOL_MAX_ADDRS]);
/* "127.0.0.1:7" or "[::1]:7". */
const char *tool_addr_str(const struct sockaddr *sa, char *buf, size_t cap);

/* ---- Sockets ---------------------------------------------------------------- */

int tool_set_int(tern_ctx *ctx, int sd, int opt, int value);
int tool_subscribe(tern_ctx *ctx, int sd, enum tern_sn_type type);
/* Streams asked for and accepted (TERN_INITMSG); 0 leaves one unchanged. */
int tool_set_streams(tern_ctx *ctx, int sd, uint16_t out, uint16_t in);

/* One whole message or notification, however many reads it takes. */
typedef struct tool_msg {
    uint8_t *buf;
    size_t len, cap, max; /* max: the largest message kept (64 MiB) */
    bool complete;        /* len bytes are a whole message */
    bool notification;
    tern_recv_info info;
} tool_msg;

void tool_msg_init(tool_msg *m);
void tool_msg_free(tool_msg *m);
/* Reads until a whole message (or notification) is in m: 1; 0 when the
 * association has shut down and everything was read; or a TERN_E* error
 * (TERN_EAGAIN with TERN_MSG_DONTWAIT: what was read stays in m, call
 * again). A message larger than m->max: TERN_EMSGSIZE. */
long tool_recv(tern_ctx *ctx, int sd, tool_msg *m, int flags);

/* "COMM_UP", "SHUTDOWN_EVENT", ...: the notification's name. */
const char *tool_sn_name(const union tern_notification *n);

/* ---- Output and measurement --------------------------------------------------- */

/* Prints "tern <cmd>: what: error" to stderr; returns 1 (the exit code). */
int tool_fail(const char *what, int err);
/* Prints "tern <cmd>: message" to stderr; returns 1. */
int tool_failf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

double tool_now(void); /* monotonic seconds */
/* User and system CPU seconds of the process (thread: of the calling thread). */
void tool_cpu(bool thread, double *user, double *sys);

/* A JSON string literal, escaped. */
void tool_json_str(FILE *f, const char *s);

#endif
