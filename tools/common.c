/* The `tern` subcommands' shared helpers (common.h). */
#include "common.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

const char *tool_name = "tern";

const char tool_common_help[] =
    "Common options:\n"
    "  --transport udp|raw     UDP encapsulation (RFC 6951, default) or raw IP (root)\n"
    "  --udp-port N            local UDP encapsulation port (servers: 9899, clients: 0 =\n"
    "                          ephemeral)\n"
    "  --remote-udp-port N     the peer's UDP encapsulation port (9899)\n"
    "  -4, -6                  IPv4 only / IPv6\n"
    "  -h, --help              this help\n";

void tool_opts_init(tool_opts *o)
{
    o->transport = TERN_TRANSPORT_UDP;
    o->udp_port = -1;
    o->remote_udp_port = -1;
    o->family = AF_UNSPEC;
    o->max_sockets = 0;
}

int tool_opts_parse(tool_opts *o, int c, const char *arg)
{
    unsigned long v;
    switch (c) {
    case '4': o->family = AF_INET; return 1;
    case '6': o->family = AF_INET6; return 1;
    case OPT_TRANSPORT:
        if (strcmp(arg, "udp") == 0) {
            o->transport = TERN_TRANSPORT_UDP;
        } else if (strcmp(arg, "raw") == 0) {
            o->transport = TERN_TRANSPORT_RAW;
        } else {
            tool_failf("--transport: '%s': use udp or raw", arg);
            return -1;
        }
        return 1;
    case OPT_UDP_PORT:
        if (tool_parse_uint(arg, "--udp-port", 0, 65535, &v) < 0) return -1;
        o->udp_port = (int)v;
        return 1;
    case OPT_REMOTE_UDP_PORT:
        if (tool_parse_uint(arg, "--remote-udp-port", 1, 65535, &v) < 0) return -1;
        o->remote_udp_port = (int)v;
        return 1;
    default: return 0;
    }
}

int tool_ctx_open(const tool_opts *o, bool server, bool own_thread, tern_ctx **out)
{
    tern_ctx_config cfg;
    tern_ctx_config_default(&cfg);
    cfg.transport = o->transport;
    cfg.udp_port = (uint16_t)(o->udp_port >= 0 ? o->udp_port : server ? TOOL_DEFAULT_UDP_PORT : 0);
    cfg.remote_udp_port =
        (uint16_t)(o->remote_udp_port > 0 ? o->remote_udp_port : TOOL_DEFAULT_UDP_PORT);
    cfg.own_thread = own_thread;
    cfg.ipv6 = o->family != AF_INET;
    if (o->max_sockets) cfg.max_sockets = o->max_sockets;
    int err = tern_ctx_new(&cfg, out);
    if (err < 0 && err != TERN_EPERM && err != TERN_EADDRINUSE && o->family == AF_UNSPEC) {
        /* a host without IPv6 */
        cfg.ipv6 = false;
        err = tern_ctx_new(&cfg, out);
    }
    if (err == TERN_EPERM)
        tool_failf("raw IP needs root or CAP_NET_RAW (or use --transport udp)");
    else if (err == TERN_EADDRINUSE)
        tool_failf("UDP port %u is taken (choose another with --udp-port, 0: any)", cfg.udp_port);
    else if (err < 0)
        tool_fail("cannot open a Tern context", err);
    return err < 0 ? err : 0;
}

void tool_print_listening(FILE *f, tern_ctx *ctx, const tool_opts *o, uint16_t port,
                          const char *what)
{
    if (o->transport == TERN_TRANSPORT_RAW)
        fprintf(f, "%s: listening on port %u (raw IP)%s%s\n", tool_name, port, what ? ", " : "",
                what ? what : "");
    else
        fprintf(f, "%s: listening on port %u (UDP encapsulation port %u)%s%s\n", tool_name, port,
                tern_ctx_udp_port(ctx), what ? ", " : "", what ? what : "");
    fflush(f);
}

/* ---- Parsing ---------------------------------------------------------------- */

int tool_parse_uint(const char *s, const char *what, unsigned long min, unsigned long max,
                    unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 0);
    if (errno || end == s || *end || s[0] == '-' || v < min || v > max) {
        tool_failf("%s: '%s' is not a number in %lu..%lu", what, s, min, max);
        return -1;
    }
    *out = v;
    return 0;
}

int tool_parse_size(const char *s, const char *what, unsigned long min, unsigned long max,
                    unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    unsigned long mul = 1;
    if (*end == 'k' || *end == 'K')
        mul = 1024, end++;
    else if (*end == 'm' || *end == 'M')
        mul = 1024ul * 1024, end++;
    else if (*end == 'g' || *end == 'G')
        mul = 1024ul * 1024 * 1024, end++;
    if (errno || end == s || *end || s[0] == '-' || v > max / mul || v * mul < min ||
        v * mul > max) {
        tool_failf("%s: '%s' is not a size in %lu..%lu bytes (K, M, G suffixes allowed)", what, s,
                   min, max);
        return -1;
    }
    *out = v * mul;
    return 0;
}

int tool_parse_seconds(const char *s, const char *what, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v > 0) || v > 1e6) {
        tool_failf("%s: '%s' is not a number of seconds", what, s);
        return -1;
    }
    *out = v;
    return 0;
}

int tool_resolve(const char *host, uint16_t port, int family, bool loopback,
                 struct sockaddr_storage *out, socklen_t *len)
{
    memset(out, 0, sizeof *out);
    if (!host) {
        if (family == AF_INET6) {
            struct sockaddr_in6 *a = (struct sockaddr_in6 *)out;
            a->sin6_family = AF_INET6;
            a->sin6_port = htons(port);
            a->sin6_addr = loopback ? in6addr_loopback : in6addr_any;
            *len = sizeof *a;
        } else {
            struct sockaddr_in *a = (struct sockaddr_in *)out;
            a->sin_family = AF_INET;
            a->sin_port = htons(port);
            a->sin_addr.s_addr = htonl(loopback ? INADDR_LOOPBACK : INADDR_ANY);
            *len = sizeof *a;
        }
        return 0;
    }
    struct addrinfo hints = {.ai_family = family, .ai_socktype = SOCK_DGRAM};
    struct addrinfo *res;
    char serv[8];
    snprintf(serv, sizeof serv, "%u", port);
    int rc = getaddrinfo(host, serv, &hints, &res);
    if (rc != 0) {
        tool_failf("%s: %s", host, gai_strerror(rc));
        return -1;
    }
    memcpy(out, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

/* Whether s can only be meant as an address literal: then it is never looked
 * up as a name (a typo must not wait for DNS). */
static bool looks_literal(const char *s)
{
    return s[strspn(s, "0123456789abcdefABCDEF.:")] == '\0' && strpbrk(s, ".:") != NULL;
}

int tool_parse_addrs(const char *s, const char *what, uint16_t port, int family, tool_addrs *out)
{
    out->n = 0;
    const char *p = s;
    for (int guard = 0; guard <= TOOL_MAX_ADDRS; guard++) {
        size_t len = strcspn(p, ",");
        char one[256];
        if (len == 0) {
            tool_failf("%s: '%s': empty address in the list", what, s);
            return -1;
        }
        if (out->n == TOOL_MAX_ADDRS) {
            tool_failf("%s: '%s': more than %d addresses", what, s, TOOL_MAX_ADDRS);
            return -1;
        }
        if (len >= sizeof one) {
            tool_failf("%s: '%.*s...': address too long", what, 32, p);
            return -1;
        }
        memcpy(one, p, len);
        one[len] = '\0';
        struct addrinfo hints = {.ai_family = family, .ai_socktype = SOCK_DGRAM};
        if (looks_literal(one)) hints.ai_flags = AI_NUMERICHOST;
        struct addrinfo *res;
        char serv[8];
        snprintf(serv, sizeof serv, "%u", port);
        int rc = getaddrinfo(one, serv, &hints, &res);
        if (rc != 0) {
            tool_failf("%s: '%s' is not an address%s (%s)", what, one,
                       family == AF_INET    ? " of IPv4 (-4)"
                       : family == AF_INET6 ? " of IPv6 (-6)"
                                            : "",
                       gai_strerror(rc));
            return -1;
        }
        memset(&out->ss[out->n], 0, sizeof out->ss[out->n]);
        memcpy(&out->ss[out->n], res->ai_addr, res->ai_addrlen);
        out->n++;
        freeaddrinfo(res);
        if (p[len] == '\0') return 0;
        p += len + 1;
    }
    return -1; /* not reached: the count check ends the loop first */
}

void tool_addrs_set_port(tool_addrs *a, uint16_t port)
{
    for (int i = 0; i < a->n; i++) {
        if (a->ss[i].ss_family == AF_INET6)
            ((struct sockaddr_in6 *)&a->ss[i])->sin6_port = htons(port);
        else
            ((struct sockaddr_in *)&a->ss[i])->sin_port = htons(port);
    }
}

int tool_addrs_family(const tool_addrs *a, const tool_addrs *b)
{
    for (int i = 0; i < a->n; i++)
        if (a->ss[i].ss_family == AF_INET6) return AF_INET6;
    return b ? tool_addrs_family(b, NULL) : AF_INET;
}

void tool_addrs_pack(const tool_addrs *a, struct sockaddr_storage buf[TOOL_MAX_ADDRS])
{
    uint8_t *p = (uint8_t *)buf;
    for (int i = 0; i < a->n; i++) {
        size_t sz = a->ss[i].ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                   : sizeof(struct sockaddr_in);
        memcpy(p, &a->ss[i], sz);
        p += sz;
    }
}

const char *tool_addr_str(const struct sockaddr *sa, char *buf, size_t cap)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
        snprintf(buf, cap, "%s:%u", ip, ntohs(a->sin_port));
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof ip);
        snprintf(buf, cap, "[%s]:%u", ip, ntohs(a->sin6_port));
    } else {
        snprintf(buf, cap, "?");
    }
    return buf;
}

/* ---- Sockets ---------------------------------------------------------------- */

int tool_set_int(tern_ctx *ctx, int sd, int opt, int value)
{
    return tern_setsockopt(ctx, sd, opt, &value, sizeof value);
}

int tool_subscribe(tern_ctx *ctx, int sd, enum tern_sn_type type)
{
    struct tern_event_subscribe ev = {.assoc_id = 0, .type = (uint16_t)type, .on = 1};
    return tern_setsockopt(ctx, sd, TERN_EVENT, &ev, sizeof ev);
}

int tool_set_streams(tern_ctx *ctx, int sd, uint16_t out, uint16_t in)
{
    struct tern_initmsg im;
    size_t len = sizeof im;
    int err = tern_getsockopt(ctx, sd, TERN_INITMSG, &im, &len);
    if (err < 0) memset(&im, 0, sizeof im);
    if (out) im.num_ostreams = out;
    if (in) im.max_instreams = in;
    return tern_setsockopt(ctx, sd, TERN_INITMSG, &im, sizeof im);
}

void tool_msg_init(tool_msg *m)
{
    memset(m, 0, sizeof *m);
    m->max = 64ul * 1024 * 1024;
}

void tool_msg_free(tool_msg *m)
{
    free(m->buf);
    m->buf = NULL;
    m->len = m->cap = 0;
}

long tool_recv(tern_ctx *ctx, int sd, tool_msg *m, int flags)
{
    if (m->complete) {
        m->complete = false;
        m->len = 0;
    }
    for (;;) {
        if (m->cap - m->len < 65536) {
            size_t cap = m->cap ? m->cap * 2 : 256 * 1024;
            if (cap > m->max + 65536) cap = m->max + 65536;
            if (cap <= m->cap) return TERN_EMSGSIZE;
            uint8_t *b = realloc(m->buf, cap);
            if (!b) return TERN_ENOMEM;
            m->buf = b;
            m->cap = cap;
        }
        tern_recv_info info;
        int mflags = 0;
        memset(&info, 0, sizeof info);
        long n = tern_recvmsg(ctx, sd, m->buf + m->len, m->cap - m->len, NULL, NULL, &info, flags,
                              &mflags);
        if (n < 0) return n;
        if (n == 0 && m->len == 0 && !(mflags & TERN_MSG_EOR)) return 0;
        if (m->len == 0) {
            m->info = info;
            m->notification = (mflags & TERN_MSG_NOTIFICATION) != 0;
        }
        m->len += (size_t)n;
        if (mflags & TERN_MSG_EOR) {
            m->complete = true;
            return 1;
        }
        if (n == 0) return 0; /* ended in the middle of a message */
    }
}

const char *tool_sn_name(const union tern_notification *n)
{
    switch (n->h.type) {
    case TERN_ASSOC_CHANGE:
        switch (n->assoc_change.state) {
        case TERN_COMM_UP: return "COMM_UP";
        case TERN_COMM_LOST: return "COMM_LOST";
        case TERN_RESTART: return "RESTART";
        case TERN_SHUTDOWN_COMP: return "SHUTDOWN_COMP";
        case TERN_CANT_STR_ASSOC: return "CANT_STR_ASSOC";
        default: return "ASSOC_CHANGE";
        }
    case TERN_PEER_ADDR_CHANGE: return "PEER_ADDR_CHANGE";
    case TERN_REMOTE_ERROR: return "REMOTE_ERROR";
    case TERN_SEND_FAILED_EVENT: return "SEND_FAILED";
    case TERN_SHUTDOWN_EVENT: return "SHUTDOWN_EVENT";
    case TERN_ADAPTATION_INDICATION: return "ADAPTATION_INDICATION";
    case TERN_PARTIAL_DELIVERY_EVENT: return "PARTIAL_DELIVERY";
    case TERN_SENDER_DRY_EVENT: return "SENDER_DRY";
    default: return "UNKNOWN";
    }
}

/* ---- Output and measurement --------------------------------------------------- */

int tool_fail(const char *what, int err)
{
    fprintf(stderr, "%s: %s: %s\n", tool_name, what, tern_strerror(err));
    return 1;
}

int tool_failf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", tool_name);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}

double tool_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void tool_cpu(bool thread, double *user, double *sys)
{
    struct rusage ru;
    getrusage(thread ? RUSAGE_THREAD : RUSAGE_SELF, &ru);
    *user = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6;
    *sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

void tool_json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

int tool_role(int *argc, char ***argv, const char *const *roles, const char *help)
{
    const char *r = *argc >= 2 ? (*argv)[1] : "";
    if (strcmp(r, "-h") == 0 || strcmp(r, "--help") == 0) {
        printf("%s%s", help, tool_common_help);
        return -1;
    }
    for (int i = 0; roles[i]; i++) {
        if (strcmp(r, roles[i]) != 0) continue;
        static char name[48];
        snprintf(name, sizeof name, "%s %s", tool_name, r); /* "tern echo server" */
        tool_name = name;
        (*argc)--, (*argv)++;
        return i;
    }
    fprintf(stderr, "%s%s", help, tool_common_help);
    return -2;
}
