/* `tern check`: what this host offers — kernel SCTP, UDP encapsulation (two
 * Tern contexts on ephemeral ports complete a handshake and echo a message),
 * raw IP, IPv6, the loopback MTU, UDP GSO/GRO. Exit 0 when Tern can run
 * (UDP encapsulation works). */
#include <errno.h>
#include <netinet/udp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "common.h"

typedef struct probe {
    bool ok;
    double handshake_ms; /* pair probes */
    uint16_t port_a, port_b;
    char detail[200];
} probe;

typedef struct report {
    probe kernel; /* ok: kernel SCTP usable */
    bool kernel_loaded;
    probe udp;
    probe raw_socket; /* ok: a raw IPPROTO_SCTP socket can be opened */
    probe raw;        /* ok: Tern over raw IP works */
    bool raw_tried;
    probe ipv6;
    int mtu4, mtu6; /* -1: unknown */
    int gso, gro;   /* 1 yes, 0 no */
} report;

static const char check_help[] =
    "usage: tern check [--json] [--no-raw]\n\n"
    "Reports what this host offers Tern:\n"
    "  kernel SCTP        whether the kernel has SCTP (socket(IPPROTO_SCTP), /proc/net/sctp)\n"
    "  UDP encapsulation  two Tern contexts on ephemeral UDP ports on 127.0.0.1 set up an\n"
    "                     association and echo one message\n"
    "  raw IP             whether a raw IPPROTO_SCTP socket may be opened, and if so the\n"
    "                     same handshake and echo over raw IP\n"
    "  IPv6, the loopback path MTU (IP_MTU), UDP GSO and GRO\n\n"
    "Exit status: 0 when Tern can run here (UDP encapsulation works), 1 otherwise.\n\n"
    "Options:\n"
    "  --json       one JSON object on stdout\n"
    "  --no-raw     skip the raw IP handshake\n"
    "  -h, --help   this help\n";

/* ---- Kernel SCTP -------------------------------------------------------------- */

static bool kernel_module_file(void)
{
    struct utsname u;
    if (uname(&u) != 0) return false;
    static const char *const names[] = {"sctp.ko", "sctp.ko.xz", "sctp.ko.zst", "sctp.ko.gz"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[512];
        struct stat st;
        snprintf(path, sizeof path, "/lib/modules/%s/kernel/net/sctp/%s", u.release, names[i]);
        if (stat(path, &st) == 0) return true;
    }
    return false;
}

static void probe_kernel(report *r)
{
    struct stat st;
    r->kernel_loaded = stat("/proc/net/sctp", &st) == 0;
    if (!r->kernel_loaded && kernel_module_file()) {
        /* socket() would load the module, and a loaded kernel SCTP answers
         * (with ABORT) the packets raw-IP Tern wants: do not load it. */
        snprintf(r->kernel.detail, sizeof r->kernel.detail,
                 "not loaded (the sctp module exists; not loading it)");
        return;
    }
    int fd = socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
    if (fd >= 0) {
        close(fd);
        r->kernel.ok = true;
        r->kernel_loaded = stat("/proc/net/sctp", &st) == 0;
        snprintf(r->kernel.detail, sizeof r->kernel.detail, "yes (socket(IPPROTO_SCTP) works%s)",
                 r->kernel_loaded ? ", /proc/net/sctp present" : "");
    } else {
        snprintf(r->kernel.detail, sizeof r->kernel.detail,
                 "no (socket(IPPROTO_SCTP): %s; /proc/net/sctp %s)", strerror(errno),
                 r->kernel_loaded ? "present" : "absent");
    }
}

/* ---- A Tern pair: handshake and echo ---------------------------------------------- */

static void pair_probe(enum tern_transport t, probe *p)
{
    static const char text[] = "tern check: hello";
    tern_ctx *srv = NULL, *cli = NULL;
    int ls = -1, cs = -1, as = -1, err;
    const char *step = "server context";
    tern_ctx_config cfg;
    tern_ctx_config_default(&cfg);
    cfg.transport = t;
    cfg.udp_port = 0;
    cfg.ipv6 = false;
    cfg.own_thread = true;
    if ((err = tern_ctx_new(&cfg, &srv)) < 0) goto fail;
    p->port_a = tern_ctx_udp_port(srv);
    cfg.remote_udp_port = p->port_a ? p->port_a : TOOL_DEFAULT_UDP_PORT;
    step = "client context";
    if ((err = tern_ctx_new(&cfg, &cli)) < 0) goto fail;
    p->port_b = tern_ctx_udp_port(cli);

    struct sockaddr_storage ss;
    socklen_t sl;
    tool_resolve(NULL, 0, AF_INET, true, &ss, &sl);
    step = "server socket";
    if ((err = ls = tern_socket(srv, AF_INET, TERN_SOCK_STREAM)) < 0) goto fail;
    if ((err = tern_bind(srv, ls, (struct sockaddr *)&ss, sl)) < 0) goto fail;
    if ((err = tern_listen(srv, ls, 1)) < 0) goto fail;
    sl = sizeof ss;
    if ((err = tern_getsockname(srv, ls, (struct sockaddr *)&ss, &sl)) < 0) goto fail;
    tool_set_int(srv, ls, TERN_SO_RCVTIMEO, 3000);

    step = "client socket";
    if ((err = cs = tern_socket(cli, AF_INET, TERN_SOCK_STREAM)) < 0) goto fail;
    tool_set_int(cli, cs, TERN_SO_SNDTIMEO, 3000);
    tool_set_int(cli, cs, TERN_SO_RCVTIMEO, 3000);
    step = "handshake";
    double t0 = tool_now();
    if ((err = tern_connect(cli, cs, (struct sockaddr *)&ss, sl)) < 0) goto fail;
    p->handshake_ms = (tool_now() - t0) * 1e3;
    step = "accept";
    if ((err = as = tern_accept(srv, ls, NULL, NULL)) < 0) goto fail;
    tool_set_int(srv, as, TERN_SO_RCVTIMEO, 3000);

    char buf[64];
    long n;
    step = "send";
    if ((err = (int)tern_send(cli, cs, text, sizeof text, 0)) < 0) goto fail;
    step = "server receive";
    if ((err = (int)(n = tern_recv(srv, as, buf, sizeof buf, 0))) < 0) goto fail;
    step = "echo";
    if ((err = (int)tern_send(srv, as, buf, (size_t)n, 0)) < 0) goto fail;
    step = "client receive";
    if ((err = (int)(n = tern_recv(cli, cs, buf, sizeof buf, 0))) < 0) goto fail;
    if (n != (long)sizeof text || memcmp(buf, text, sizeof text) != 0) {
        snprintf(p->detail, sizeof p->detail, "the echo differs from the message");
        goto out;
    }
    tern_shutdown(cli, cs, TERN_SHUT_WR);
    tern_recv(cli, cs, buf, sizeof buf, 0); /* 0 once the shutdown is complete */
    p->ok = true;
    if (t == TERN_TRANSPORT_UDP)
        snprintf(p->detail, sizeof p->detail,
                 "works: handshake %.2f ms, one message echoed (127.0.0.1, UDP ports %u and %u)",
                 p->handshake_ms, p->port_a, p->port_b);
    else
        snprintf(p->detail, sizeof p->detail,
                 "works: handshake %.2f ms, one message echoed (127.0.0.1)", p->handshake_ms);
    goto out;
fail:
    snprintf(p->detail, sizeof p->detail, "fails: %s: %s", step, tern_strerror(err));
out:
    if (cs >= 0) tern_close(cli, cs);
    if (as >= 0) tern_close(srv, as);
    if (ls >= 0) tern_close(srv, ls);
    tern_ctx_free(cli);
    tern_ctx_free(srv);
}

/* ---- Raw sockets, IPv6, MTU, GSO/GRO ------------------------------------------------ */

static void probe_raw_socket(report *r)
{
    int fd = socket(AF_INET, SOCK_RAW, IPPROTO_SCTP);
    if (fd >= 0) {
        close(fd);
        r->raw_socket.ok = true;
        snprintf(r->raw_socket.detail, sizeof r->raw_socket.detail, "permitted (%s)",
                 geteuid() == 0 ? "root" : "CAP_NET_RAW");
    } else {
        snprintf(r->raw_socket.detail, sizeof r->raw_socket.detail,
                 "not permitted (%s): needs root or CAP_NET_RAW", strerror(errno));
    }
}

static void probe_ipv6(report *r)
{
    int fd = socket(AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        snprintf(r->ipv6.detail, sizeof r->ipv6.detail, "no (%s)", strerror(errno));
    } else {
        r->ipv6.ok = true;
        snprintf(r->ipv6.detail, sizeof r->ipv6.detail, "yes (::1)");
    }
    if (fd >= 0) close(fd);
}

static int loopback_mtu(int family)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    tool_resolve(NULL, 9, family, true, &ss, &sl);
    int fd = socket(family, SOCK_DGRAM, 0), mtu = -1;
    socklen_t len = sizeof mtu;
    if (fd < 0) return -1;
    if (connect(fd, (struct sockaddr *)&ss, sl) != 0 ||
        getsockopt(fd, family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6,
                   family == AF_INET ? IP_MTU : IPV6_MTU, &mtu, &len) != 0)
        mtu = -1;
    close(fd);
    return mtu;
}

static int udp_sockopt_works(int opt, int value)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) return 0;
    int ok = setsockopt(fd, SOL_UDP, opt, &value, sizeof value) == 0;
    close(fd);
    return ok;
}

/* ---- Output ----------------------------------------------------------------------------- */

static void print_text(const report *r)
{
    printf("tern check: what this host offers Tern\n");
    printf("  %-20s %s\n", "kernel SCTP", r->kernel.detail);
    printf("  %-20s %s\n", "UDP encapsulation", r->udp.detail);
    printf("  %-20s %s\n", "raw IP sockets", r->raw_socket.detail);
    if (r->raw_tried) printf("  %-20s %s\n", "Tern over raw IP", r->raw.detail);
    printf("  %-20s %s\n", "IPv6", r->ipv6.detail);
    printf("  %-20s IPv4 %d, IPv6 %d\n", "loopback MTU", r->mtu4, r->mtu6);
    printf("  %-20s %s / %s\n", "UDP GSO / GRO", r->gso ? "yes" : "no", r->gro ? "yes" : "no");
    if (r->udp.ok)
        printf("result: Tern can run here (UDP encapsulation%s)\n", r->raw.ok ? " and raw IP" : "");
    else
        printf("result: Tern cannot run here: UDP encapsulation fails\n");
}

static void json_probe(const char *name, const probe *p, bool pair, bool last)
{
    printf("  \"%s\": {\"ok\": %s, ", name, p->ok ? "true" : "false");
    if (pair && p->ok) printf("\"handshake_ms\": %.3f, ", p->handshake_ms);
    printf("\"detail\": ");
    tool_json_str(stdout, p->detail);
    printf("}%s\n", last ? "" : ",");
}

static void print_json(const report *r)
{
    printf("{\n");
    json_probe("kernel_sctp", &r->kernel, false, false);
    printf("  \"kernel_sctp_loaded\": %s,\n", r->kernel_loaded ? "true" : "false");
    json_probe("udp", &r->udp, true, false);
    json_probe("raw_socket", &r->raw_socket, false, false);
    if (r->raw_tried) json_probe("raw", &r->raw, true, false);
    json_probe("ipv6", &r->ipv6, false, false);
    printf("  \"loopback_mtu\": {\"ipv4\": %d, \"ipv6\": %d},\n", r->mtu4, r->mtu6);
    printf("  \"udp_gso\": %s,\n  \"udp_gro\": %s,\n", r->gso ? "true" : "false",
           r->gro ? "true" : "false");
    printf("  \"tern_can_run\": %s\n}\n", r->udp.ok ? "true" : "false");
}

int cmd_check(int argc, char **argv)
{
    enum { OPT_JSON = OPT_LOCAL, OPT_NO_RAW };
    static const struct option longopts[] = {
        TOOL_COMMON_LONGOPTS,
        {"json", no_argument, NULL, OPT_JSON},
        {"no-raw", no_argument, NULL, OPT_NO_RAW},
        {0},
    };
    tool_opts o;
    tool_opts_init(&o);
    bool json = false, no_raw = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, TOOL_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
        int k = tool_opts_parse(&o, c, optarg);
        if (k < 0) return 2;
        if (k > 0) continue;
        switch (c) {
        case 'h': fputs(check_help, stdout); return 0;
        case OPT_JSON: json = true; break;
        case OPT_NO_RAW: no_raw = true; break;
        default: fputs(check_help, stderr); return 2;
        }
    }
    if (optind < argc) {
        tool_failf("unexpected argument '%s'", argv[optind]);
        return 2;
    }

    report r;
    memset(&r, 0, sizeof r);
    probe_kernel(&r);
    pair_probe(TERN_TRANSPORT_UDP, &r.udp);
    probe_raw_socket(&r);
    if (r.raw_socket.ok && !no_raw) {
        r.raw_tried = true;
        pair_probe(TERN_TRANSPORT_RAW, &r.raw);
        if (!r.raw.ok && r.kernel_loaded) {
            size_t n = strlen(r.raw.detail);
            snprintf(r.raw.detail + n, sizeof r.raw.detail - n,
                     " (the loaded kernel SCTP answers these packets itself)");
        }
    }
    probe_ipv6(&r);
    r.mtu4 = loopback_mtu(AF_INET);
    r.mtu6 = r.ipv6.ok ? loopback_mtu(AF_INET6) : -1;
    r.gso = udp_sockopt_works(UDP_SEGMENT, 1400);
    r.gro = udp_sockopt_works(UDP_GRO, 1);
    if (json)
        print_json(&r);
    else
        print_text(&r);
    return r.udp.ok ? 0 : 1;
}
