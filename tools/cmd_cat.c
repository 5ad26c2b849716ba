/* `tern cat`: netcat for SCTP. One association: stdin's lines (or a file in
 * chunks) become messages, received messages go to stdout. End of input
 * shuts the association down gracefully; the command exits when the
 * association has ended. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "multihome.h"

static const char cat_help[] =
    "usage: tern cat [options] host[,host2...] port          connect\n"
    "       tern cat -l [options] [addr[,addr2...]] port     listen, accept one association\n\n"
    "Each line of stdin (or, with --file, each --size chunk of the file) is sent as\n"
    "one message; every message received is written to stdout as it is. End of\n"
    "input shuts the association down gracefully; tern cat exits when the\n"
    "association has ended (0: gracefully, 1: aborted or failed). When listening\n"
    "it prints \"listening on port P (UDP encapsulation port U)\" on stderr.\n\n"
    "Multi-homing (RFC 9260 §6.4): host may be several addresses of the peer,\n"
    "comma-separated (IPv4 and IPv6 mixed; the first is the primary), and this end's\n"
    "addresses are given with --bind (or, listening, as addr). A multi-homed end should\n"
    "list its addresses, so the peer knows every source it sends from.\n\n"
    "Options:\n"
    "  -l, --listen      listen instead of connecting\n"
    "  --bind A1[,A2...] local addresses (tern_bindx; default: every address of the host)\n"
    "  --file F          send file F (chunked in --size messages) instead of stdin\n"
    "  --size S          largest message sent (64K; K, M suffixes)\n"
    "  --stream N        stream to send on (0)\n"
    "  --ppid N          payload protocol identifier (0)\n"
    "  --unordered       send unordered\n"
    "  -d, --no-stdin    send nothing, do not shut down: receive until the peer ends\n"
    "  -v, --verbose     print assoc, stream, ppid and length of each message on stderr\n\n";

typedef struct cat_args {
    tool_opts o;
    bool listen, verbose, unordered, no_stdin;
    const char *host, *file, *bind;
    tool_addrs local, peers; /* --bind (or the listening addr); host */
    uint16_t port, stream;
    unsigned long ppid, size;
} cat_args;

/* The input: bytes read and not yet sent are in buf[off, off + len). */
typedef struct input {
    int fd; /* -1: none */
    bool lines, eof;
    uint8_t *buf;
    size_t off, len, cap, max_msg;
} input;

/* Length of the next message ready to send, 0 if none yet. */
static size_t next_message(const input *in)
{
    if (in->len == 0) return 0;
    const uint8_t *p = in->buf + in->off;
    size_t lim = in->len < in->max_msg ? in->len : in->max_msg;
    if (in->lines) {
        const uint8_t *nl = memchr(p, '\n', lim);
        if (nl) return (size_t)(nl - p) + 1;
    }
    if (in->len >= in->max_msg) return in->max_msg;
    return in->eof ? in->len : 0;
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Reads what the socket has: 1 go on, 0 the association has ended, < 0 error. */
static int drain(tern_ctx *ctx, int sd, tool_msg *m, const cat_args *a)
{
    for (;;) {
        long r = tool_recv(ctx, sd, m, TERN_MSG_DONTWAIT);
        if (r == TERN_EAGAIN) return 1;
        if (r <= 0) return (int)r;
        if (m->notification) continue;
        if (a->verbose)
            fprintf(stderr, "%s: assoc %u, stream %u, ppid %u, %s, %zu bytes\n", tool_name,
                    m->info.assoc_id, m->info.sid, m->info.ppid,
                    m->info.flags & TERN_UNORDERED ? "unordered" : "ordered", m->len);
        if (write_all(1, m->buf, m->len) < 0) {
            tool_failf("stdout: %s", strerror(errno));
            return TERN_EIO;
        }
    }
}

static int cat_run(tern_ctx *ctx, int sd, const cat_args *a)
{
    input in = {.fd = -1, .lines = !a->file, .max_msg = a->size};
    if (a->file) {
        in.fd = open(a->file, O_RDONLY);
        if (in.fd < 0) return tool_failf("%s: %s", a->file, strerror(errno));
    } else if (!a->no_stdin) {
        in.fd = 0;
    }
    in.eof = in.fd < 0;
    in.cap = a->size * 2 > 131072 ? a->size * 2 : 131072;
    in.buf = malloc(in.cap);
    tern_send_info si = {
        .sid = a->stream, .ppid = (uint32_t)a->ppid, .flags = a->unordered ? TERN_UNORDERED : 0};
    tool_msg m;
    tool_msg_init(&m);
    tool_set_int(ctx, sd, TERN_SO_NONBLOCK, 1);
    bool shut = false;
    int rc = -1;
    while (rc < 0) {
        /* Send what is ready. */
        bool blocked = false;
        size_t len;
        while ((len = next_message(&in)) > 0) {
            long n = tern_sendmsg(ctx, sd, in.buf + in.off, len, NULL, 0, &si, 0);
            if (n == TERN_EAGAIN) {
                blocked = true;
                break;
            }
            if (n == TERN_EMSGSIZE) { /* larger than the send buffer: a blocking send */
                tool_set_int(ctx, sd, TERN_SO_NONBLOCK, 0);
                n = tern_sendmsg(ctx, sd, in.buf + in.off, len, NULL, 0, &si, 0);
                tool_set_int(ctx, sd, TERN_SO_NONBLOCK, 1);
            }
            if (n < 0) {
                rc = tool_fail("send", (int)n);
                break;
            }
            in.off += len;
            in.len -= len;
        }
        if (rc >= 0) break;
        if (in.eof && in.len == 0 && in.fd >= 0 && !shut) {
            int err = tern_shutdown(ctx, sd, TERN_SHUT_WR);
            if (err < 0 && err != TERN_ENOTCONN) tool_fail("shutdown", err);
            shut = true;
        }

        /* Wait for the socket, and for input when there is room for it. */
        struct pollfd pfd[2] = {
            {.fd = tern_sock_fd(ctx, sd), .events = (short)(POLLIN | (blocked ? POLLOUT : 0))},
            {.fd = -1, .events = POLLIN},
        };
        if (!in.eof && !blocked) {
            if (in.off && in.len) memmove(in.buf, in.buf + in.off, in.len);
            in.off = 0;
            pfd[1].fd = in.fd;
        }
        if (poll(pfd, 2, -1) < 0) {
            if (errno == EINTR) continue;
            rc = tool_failf("poll: %s", strerror(errno));
            break;
        }
        if (pfd[0].revents) {
            int r = drain(ctx, sd, &m, a);
            if (r == 0)
                rc = 0;
            else if (r == TERN_ECONNRESET)
                rc = tool_failf("the association was aborted");
            else if (r < 0)
                rc = tool_fail("receive", r);
        }
        if (rc < 0 && pfd[1].revents) {
            ssize_t n = read(in.fd, in.buf + in.len, in.cap - in.len);
            if (n > 0) {
                in.len += (size_t)n;
            } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
                if (n < 0) tool_failf("read: %s", strerror(errno));
                in.eof = true;
            }
        }
    }
    if (a->file) close(in.fd);
    free(in.buf);
    tool_msg_free(&m);
    return rc;
}

static int cat_listen(tern_ctx *ctx, const cat_args *a)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    if (tool_resolve(NULL, a->port, a->o.family, false, &ss, &sl) < 0) return 1;
    int family = a->local.n ? tool_addrs_family(&a->local, NULL) : ss.ss_family;
    int ls = tern_socket(ctx, family, TERN_SOCK_STREAM), err;
    if (ls < 0) return tool_fail("socket", ls);
    tool_set_streams(ctx, ls, (uint16_t)(a->stream < 10 ? 10 : a->stream + 1), 0);
    if (a->local.n) {
        if (tool_bindx(ctx, ls, &a->local) < 0) return 1;
    } else if ((err = tern_bind(ctx, ls, (struct sockaddr *)&ss, sl)) < 0) {
        return tool_fail("bind", err);
    }
    if ((err = tern_listen(ctx, ls, 1)) < 0) return tool_fail("listen", err);
    sl = sizeof ss;
    uint16_t port = a->port;
    if (tern_getsockname(ctx, ls, (struct sockaddr *)&ss, &sl) == 0)
        port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
    tool_print_listening(stderr, ctx, &a->o, port, NULL);
    struct sockaddr_storage peer;
    socklen_t pl = sizeof peer;
    int sd = tern_accept(ctx, ls, (struct sockaddr *)&peer, &pl);
    tern_close(ctx, ls);
    if (sd < 0) return tool_fail("accept", sd);
    if (a->verbose) {
        char buf[64];
        fprintf(stderr, "%s: association from %s\n", tool_name,
                tool_addr_str((struct sockaddr *)&peer, buf, sizeof buf));
    }
    int rc = cat_run(ctx, sd, a);
    tern_close(ctx, sd);
    return rc;
}

static int cat_connect(tern_ctx *ctx, const cat_args *a)
{
    int sd = tern_socket(ctx, tool_addrs_family(&a->peers, &a->local), TERN_SOCK_STREAM);
    if (sd < 0) return tool_fail("socket", sd);
    tool_set_streams(ctx, sd, (uint16_t)(a->stream < 10 ? 10 : a->stream + 1), 0);
    char buf[64];
    tool_addr_str((const struct sockaddr *)&a->peers.ss[0], buf, sizeof buf);
    if (tool_bind_connect(ctx, sd, &a->local, &a->peers) < 0) {
        tern_close(ctx, sd);
        return 1;
    }
    if (a->verbose) fprintf(stderr, "%s: connected to %s\n", tool_name, buf);
    int rc = cat_run(ctx, sd, a);
    tern_close(ctx, sd);
    return rc;
}

int cmd_cat(int argc, char **argv)
{
    enum { OPT_FILE = OPT_LOCAL, OPT_SIZE, OPT_STREAM, OPT_PPID, OPT_UNORDERED, OPT_BIND };
    static const struct option longopts[] = {
        TOOL_COMMON_LONGOPTS,
        {"listen", no_argument, NULL, 'l'},
        {"file", required_argument, NULL, OPT_FILE},
        {"size", required_argument, NULL, OPT_SIZE},
        {"stream", required_argument, NULL, OPT_STREAM},
        {"ppid", required_argument, NULL, OPT_PPID},
        {"unordered", no_argument, NULL, OPT_UNORDERED},
        {"bind", required_argument, NULL, OPT_BIND},
        {"no-stdin", no_argument, NULL, 'd'},
        {"verbose", no_argument, NULL, 'v'},
        {0},
    };
    cat_args a = {.size = 65536};
    tool_opts_init(&a.o);
    unsigned long v;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, TOOL_COMMON_SHORTOPTS "ldv", longopts, NULL)) != -1) {
        int k = tool_opts_parse(&a.o, c, optarg);
        if (k < 0) return 2;
        if (k > 0) continue;
        switch (c) {
        case 'h': printf("%s%s", cat_help, tool_common_help); return 0;
        case 'l': a.listen = true; break;
        case 'd': a.no_stdin = true; break;
        case 'v': a.verbose = true; break;
        case OPT_FILE: a.file = optarg; break;
        case OPT_BIND: a.bind = optarg; break;
        case OPT_SIZE:
            if (tool_parse_size(optarg, "--size", 1, 64ul << 20, &a.size) < 0) return 2;
            break;
        case OPT_STREAM:
            if (tool_parse_uint(optarg, "--stream", 0, 65534, &v) < 0) return 2;
            a.stream = (uint16_t)v;
            break;
        case OPT_PPID:
            if (tool_parse_uint(optarg, "--ppid", 0, 0xffffffffu, &a.ppid) < 0) return 2;
            break;
        case OPT_UNORDERED: a.unordered = true; break;
        default: fprintf(stderr, "%s%s", cat_help, tool_common_help); return 2;
        }
    }
    int npos = argc - optind;
    if (npos < 1 || npos > 2 || (!a.listen && npos != 2)) {
        fprintf(stderr, "%s%s", cat_help, tool_common_help);
        return 2;
    }
    if (npos == 2) a.host = argv[optind];
    if (tool_parse_uint(argv[argc - 1], "port", a.listen ? 0 : 1, 65535, &v) < 0) return 2;
    a.port = (uint16_t)v;
    if (a.file && a.no_stdin) return tool_failf("--file and --no-stdin exclude each other"), 2;
    if (a.listen && a.host) { /* -l addr port: the addresses to listen on */
        if (a.bind) return tool_failf("-l: give the addresses as addr or --bind, not both"), 2;
        a.bind = a.host;
        a.host = NULL;
    }
    if (a.bind &&
        tool_parse_addrs(a.bind, "--bind", a.listen ? a.port : 0, a.o.family, &a.local) < 0)
        return 2;
    if (a.host && tool_parse_addrs(a.host, "host", a.port, a.o.family, &a.peers) < 0) return 2;

    tern_ctx *ctx;
    if (tool_ctx_open(&a.o, a.listen, true, &ctx) < 0) return 1;
    int rc = a.listen ? cat_listen(ctx, &a) : cat_connect(ctx, &a);
    tern_ctx_free(ctx);
    return rc;
}
