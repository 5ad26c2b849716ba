/* Multi-homing for the `tern` subcommands (multihome.h). */
#include "multihome.h"

#include <string.h>

int tool_tuning_parse(tool_tuning *t, int c, int first_id, const char *arg)
{
    static const char *const names[] = {"--rto-min", "--rto-max", "--path-max-retrans",
                                        "--hb-interval"};
    unsigned long *fields[] = {&t->rto_min, &t->rto_max, &t->path_max_retrans, &t->hb_interval};
    static const unsigned long max[] = {86400000, 86400000, 255, 86400000};
    int k = c - first_id;
    if (k < 0 || k > 3) return 0;
    return tool_parse_uint(arg, names[k], 1, max[k], fields[k]) < 0 ? -1 : 1;
}

int tool_tuning_apply(tern_ctx *ctx, int sd, const tool_tuning *t)
{
    int err = 0;
    if (t->rto_min || t->rto_max) {
        struct tern_rtoinfo r;
        size_t len = sizeof r;
        memset(&r, 0, sizeof r);
        if ((err = tern_getsockopt(ctx, sd, TERN_RTOINFO, &r, &len)) == 0) {
            if (t->rto_min) r.min = (uint32_t)t->rto_min;
            if (t->rto_max) r.max = (uint32_t)t->rto_max;
            /* RTO.Initial within the new bounds (it must be, §6.3.1) */
            if (r.initial < r.min) r.initial = r.min;
            if (r.initial > r.max) r.initial = r.max;
            err = tern_setsockopt(ctx, sd, TERN_RTOINFO, &r, sizeof r);
        }
        if (err < 0) {
            tool_failf("--rto-min %lu / --rto-max %lu refused: %s", t->rto_min, t->rto_max,
                       tern_strerror(err));
            return err;
        }
    }
    if (t->path_max_retrans || t->hb_interval) {
        /* The socket's default for every path (AF_UNSPEC). */
        struct tern_paddrparams pp;
        memset(&pp, 0, sizeof pp);
        pp.address.ss_family = AF_UNSPEC;
        pp.pathmaxrxt = (uint16_t)t->path_max_retrans;
        pp.hbinterval = (uint32_t)t->hb_interval;
        if ((err = tern_setsockopt(ctx, sd, TERN_PEER_ADDR_PARAMS, &pp, sizeof pp)) < 0) {
            tool_failf("--path-max-retrans %lu / --hb-interval %lu refused: %s",
                       t->path_max_retrans, t->hb_interval, tern_strerror(err));
            return err;
        }
    }
    return 0;
}

int tool_bindx(tern_ctx *ctx, int sd, const tool_addrs *local)
{
    struct sockaddr_storage packed[TOOL_MAX_ADDRS];
    tool_addrs_pack(local, packed);
    int err = tern_bindx(ctx, sd, (struct sockaddr *)packed, local->n, TERN_BINDX_ADD_ADDR);
    if (err < 0) {
        char buf[64];
        tool_failf("bind to %s%s: %s",
                   tool_addr_str((const struct sockaddr *)&local->ss[0], buf, 64),
                   local->n > 1 ? " and the other --bind addresses" : "", tern_strerror(err));
    }
    return err;
}

int tool_bind_connect(tern_ctx *ctx, int sd, const tool_addrs *local, const tool_addrs *peers)
{
    int err;
    if (local->n && (err = tool_bindx(ctx, sd, local)) < 0) return err;
    if (peers->n == 1) {
        const struct sockaddr_storage *ss = &peers->ss[0];
        err = tern_connect(ctx, sd, (const struct sockaddr *)ss,
                           ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                     : sizeof(struct sockaddr_in));
    } else {
        struct sockaddr_storage packed[TOOL_MAX_ADDRS];
        tool_addrs_pack(peers, packed);
        err = tern_connectx(ctx, sd, (const struct sockaddr *)packed, peers->n, NULL);
    }
    if (err < 0 && err != TERN_EINPROGRESS) {
        char buf[64];
        tool_failf("connect to %s%s: %s",
                   tool_addr_str((const struct sockaddr *)&peers->ss[0], buf, 64),
                   peers->n > 1 ? " and its other addresses" : "", tern_strerror(err));
    }
    return err;
}

int tool_paths_get(tern_ctx *ctx, int sd, tern_assoc_id id, struct tern_paddrinfo *out, int max)
{
    struct sockaddr_storage addrs[TOOL_MAX_ADDRS];
    int n = tern_getpaddrs(ctx, sd, id, addrs, TOOL_MAX_ADDRS);
    if (n < 0) return 0;
    if (n > max) n = max;
    if (n > TOOL_MAX_ADDRS) n = TOOL_MAX_ADDRS;
    int got = 0;
    for (int i = 0; i < n; i++) {
        struct tern_paddrinfo *p = &out[got];
        memset(p, 0, sizeof *p);
        p->assoc_id = id;
        p->address = addrs[i];
        size_t len = sizeof *p;
        if (tern_getsockopt(ctx, sd, TERN_PEER_ADDR_INFO, p, &len) == 0) got++;
    }
    return got;
}

static const char *state_name(int32_t s)
{
    switch (s) {
    case TERN_ACTIVE: return "ACTIVE";
    case TERN_INACTIVE: return "INACTIVE";
    case TERN_PF: return "PF";
    default: return "UNCONFIRMED";
    }
}

void tool_paths_print(FILE *f, const struct tern_paddrinfo *p, int n, bool json)
{
    if (json) fputc('[', f);
    for (int i = 0; i < n; i++) {
        char a[64];
        tool_addr_str((const struct sockaddr *)&p[i].address, a, sizeof a);
        if (json) {
            fprintf(f, "%s{\"address\": ", i ? ", " : "");
            tool_json_str(f, a);
            fprintf(f,
                    ", \"state\": \"%s\", \"srtt_ms\": %u, \"rto_ms\": %u, \"cwnd\": %u, "
                    "\"packets_out\": %llu, \"packets_in\": %llu, \"data_out\": %llu, "
                    "\"data_rtx\": %llu}",
                    state_name(p[i].state), p[i].srtt, p[i].rto, p[i].cwnd,
                    (unsigned long long)p[i].packets_out, (unsigned long long)p[i].packets_in,
                    (unsigned long long)p[i].data_out, (unsigned long long)p[i].data_rtx);
        } else {
            fprintf(f,
                    "  path %-22s %-11s srtt %4u ms, cwnd %7u, packets out %9llu, in %9llu, "
                    "DATA out %9llu, retransmitted %6llu\n",
                    a, state_name(p[i].state), p[i].srtt, p[i].cwnd,
                    (unsigned long long)p[i].packets_out, (unsigned long long)p[i].packets_in,
                    (unsigned long long)p[i].data_out, (unsigned long long)p[i].data_rtx);
        }
    }
    if (json) fputc(']', f);
}
