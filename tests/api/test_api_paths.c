/* Per-path options (RFC 6458 §8.1.12, RFC 7829 §7.2, §6) on an association
 * with two peer addresses (127.0.0.1 and 127.0.0.2, both the server's
 * through its wildcard bind): PEER_ADDR_PARAMS with an address changes that
 * path only, without one every path and the default for new ones;
 * PEER_ADDR_THLDS likewise for Path.Max.Retrans and the potentially-failed
 * threshold; PRIMARY_SWITCHOVER per socket and association. Bad values are
 * refused and change nothing. */
#include "api_test.h"

typedef struct two_paths {
    tern_ctx *s, *c;
    int lsd, ssd, csd;
    tern_assoc_id id;
    struct sockaddr_in addr[2];
} two_paths;

static void setup(two_paths *t)
{
    ctx_pair(true, &t->s, &t->c);
    t->lsd = tern_socket(t->s, AF_INET, TERN_SOCK_STREAM);
    struct sockaddr_in any;
    memset(&any, 0, sizeof any);
    any.sin_family = AF_INET;
    CHECK_EQ(tern_bind(t->s, t->lsd, SA(any), sizeof any), 0);
    CHECK_EQ(tern_listen(t->s, t->lsd, 4), 0);
    uint16_t port = sock_port(t->s, t->lsd);
    t->csd = tern_socket(t->c, AF_INET, TERN_SOCK_SEQPACKET);
    t->addr[0] = lo(port);
    t->addr[1] = lo(port);
    t->addr[1].sin_addr.s_addr = htonl(0x7f000002);
    t->id = 0;
    CHECK_EQ(tern_connectx(t->c, t->csd, (const struct sockaddr *)t->addr, 2, &t->id), 0);
    CHECK_EQ(tern_sendmsg(t->c, t->csd, "x", 1, NULL, 0, &(tern_send_info){.assoc_id = t->id}, 0),
             1);
    t->ssd = tern_accept(t->s, t->lsd, NULL, NULL);
    CHECK(t->ssd >= 0);
    char buf[8];
    CHECK_EQ(tern_recv(t->s, t->ssd, buf, sizeof buf, 0), 1);
}

static void teardown(two_paths *t)
{
    CHECK_EQ(tern_close(t->c, t->csd), 0);
    CHECK_EQ(tern_close(t->s, t->ssd), 0);
    CHECK_EQ(tern_close(t->s, t->lsd), 0);
    tern_ctx_free(t->c);
    tern_ctx_free(t->s);
}

/* k: 0 or 1 (that peer address), -1: AF_UNSPEC (every path). */
static struct tern_paddrparams get_pp(two_paths *t, tern_assoc_id id, int k)
{
    struct tern_paddrparams pp;
    memset(&pp, 0, sizeof pp);
    pp.assoc_id = id;
    if (k >= 0) memcpy(&pp.address, &t->addr[k], sizeof t->addr[k]);
    size_t len = sizeof pp;
    CHECK_EQ(tern_getsockopt(t->c, t->csd, TERN_PEER_ADDR_PARAMS, &pp, &len), 0);
    CHECK_EQ(len, sizeof pp);
    return pp;
}

static int set_pp(two_paths *t, int k, uint32_t hb, uint16_t pmr, uint32_t flags)
{
    struct tern_paddrparams pp;
    memset(&pp, 0, sizeof pp);
    pp.assoc_id = t->id;
    if (k >= 0) memcpy(&pp.address, &t->addr[k], sizeof t->addr[k]);
    pp.hbinterval = hb;
    pp.pathmaxrxt = pmr;
    pp.flags = flags;
    return tern_setsockopt(t->c, t->csd, TERN_PEER_ADDR_PARAMS, &pp, sizeof pp);
}

static struct tern_paddrthlds get_th(two_paths *t, tern_assoc_id id, int k)
{
    struct tern_paddrthlds th;
    memset(&th, 0, sizeof th);
    th.assoc_id = id;
    if (k >= 0) memcpy(&th.address, &t->addr[k], sizeof t->addr[k]);
    size_t len = sizeof th;
    CHECK_EQ(tern_getsockopt(t->c, t->csd, TERN_PEER_ADDR_THLDS, &th, &len), 0);
    return th;
}

static int set_th(two_paths *t, tern_assoc_id id, int k, uint16_t pmr, uint16_t pf)
{
    struct tern_paddrthlds th;
    memset(&th, 0, sizeof th);
    th.assoc_id = id;
    if (k >= 0) memcpy(&th.address, &t->addr[k], sizeof t->addr[k]);
    th.pathmaxrxt = pmr;
    th.pathpfthld = pf;
    return tern_setsockopt(t->c, t->csd, TERN_PEER_ADDR_THLDS, &th, sizeof th);
}

static void paddrparams_per_path(void)
{
    two_paths t;
    setup(&t);
    CHECK_EQ(get_pp(&t, t.id, 1).hbinterval, 30000);
    CHECK_EQ(get_pp(&t, t.id, 1).pathmaxrxt, 5);
    /* One path: the other keeps its values. */
    CHECK_EQ(set_pp(&t, 1, 2000, 2, 0), 0);
    CHECK_EQ(get_pp(&t, t.id, 1).hbinterval, 2000);
    CHECK_EQ(get_pp(&t, t.id, 1).pathmaxrxt, 2);
    CHECK_EQ(get_pp(&t, t.id, 0).hbinterval, 30000);
    CHECK_EQ(get_pp(&t, t.id, 0).pathmaxrxt, 5);
    CHECK_EQ(get_pp(&t, t.id, -1).pathmaxrxt, 5);
    /* Heartbeats off on path 0 only. */
    CHECK_EQ(set_pp(&t, 0, 0, 0, TERN_SPP_HB_DISABLE), 0);
    CHECK(get_pp(&t, t.id, 0).flags & TERN_SPP_HB_DISABLE);
    CHECK(get_pp(&t, t.id, 1).flags & TERN_SPP_HB_ENABLE);
    CHECK(get_pp(&t, t.id, -1).flags & TERN_SPP_HB_ENABLE);
    /* Refused, and nothing changes: an address not the peer's, both HB
     * flags, Path.Max.Retrans over 255. */
    struct sockaddr_in other = t.addr[1];
    other.sin_addr.s_addr = htonl(0x7f000003);
    struct tern_paddrparams bad;
    memset(&bad, 0, sizeof bad);
    bad.assoc_id = t.id;
    memcpy(&bad.address, &other, sizeof other);
    bad.pathmaxrxt = 9;
    CHECK_EQ(tern_setsockopt(t.c, t.csd, TERN_PEER_ADDR_PARAMS, &bad, sizeof bad), TERN_EINVAL);
    CHECK_EQ(set_pp(&t, 1, 0, 9, TERN_SPP_HB_ENABLE | TERN_SPP_HB_DISABLE), TERN_EINVAL);
    CHECK_EQ(set_pp(&t, 1, 0, 256, 0), TERN_EINVAL);
    CHECK_EQ(get_pp(&t, t.id, 1).pathmaxrxt, 2);
    CHECK_EQ(get_pp(&t, t.id, 1).hbinterval, 2000);
    /* Every path: both take the values, and so does the association. */
    CHECK_EQ(set_pp(&t, -1, 7000, 4, TERN_SPP_HB_ENABLE), 0);
    for (int k = 0; k < 2; k++) {
        struct tern_paddrparams pp = get_pp(&t, t.id, k);
        CHECK_EQ(pp.hbinterval, 7000);
        CHECK_EQ(pp.pathmaxrxt, 4);
        CHECK(pp.flags & TERN_SPP_HB_ENABLE);
    }
    CHECK_EQ(get_pp(&t, t.id, -1).hbinterval, 7000);
    teardown(&t);
}

static void thresholds_and_switchover(void)
{
    two_paths t;
    setup(&t);
    /* The defaults: PF after the first error, Path.Max.Retrans 5. */
    CHECK_EQ(get_th(&t, t.id, 0).pathpfthld, 0);
    CHECK_EQ(get_th(&t, t.id, 0).pathmaxrxt, 5);
    CHECK_EQ(set_th(&t, t.id, 1, 3, 1), 0);
    CHECK_EQ(get_th(&t, t.id, 1).pathmaxrxt, 3);
    CHECK_EQ(get_th(&t, t.id, 1).pathpfthld, 1);
    CHECK_EQ(get_th(&t, t.id, 0).pathmaxrxt, 5);
    CHECK_EQ(get_th(&t, t.id, 0).pathpfthld, 0);
    /* PEER_ADDR_PARAMS reads the same path's Path.Max.Retrans. */
    CHECK_EQ(get_pp(&t, t.id, 1).pathmaxrxt, 3);
    /* Refused: over 255; an address without an association. */
    CHECK_EQ(set_th(&t, t.id, 1, 256, 0), TERN_EINVAL);
    CHECK_EQ(set_th(&t, t.id, 1, 0, 256), TERN_EINVAL);
    CHECK_EQ(set_th(&t, 0, 1, 3, 1), TERN_EINVAL);
    CHECK_EQ(get_th(&t, t.id, 1).pathpfthld, 1);
    /* Every path (pathmaxrxt 0: unchanged). */
    CHECK_EQ(set_th(&t, t.id, -1, 0, 2), 0);
    CHECK_EQ(get_th(&t, t.id, 0).pathpfthld, 2);
    CHECK_EQ(get_th(&t, t.id, 1).pathpfthld, 2);
    CHECK_EQ(get_th(&t, t.id, 1).pathmaxrxt, 3);
    CHECK_EQ(get_th(&t, t.id, -1).pathpfthld, 2);
    /* The socket's default for new associations (one-to-many, id 0). */
    CHECK_EQ(set_th(&t, 0, -1, 6, 6), 0);
    CHECK_EQ(get_th(&t, 0, -1).pathmaxrxt, 6);
    CHECK_EQ(get_th(&t, 0, -1).pathpfthld, 6);
    CHECK_EQ(get_th(&t, t.id, 0).pathpfthld, 2);

    struct tern_assoc_value v = {.assoc_id = t.id, .value = 1};
    size_t len = sizeof v;
    CHECK_EQ(tern_setsockopt(t.c, t.csd, TERN_PRIMARY_SWITCHOVER, &v, sizeof v), 0);
    v.value = 0;
    CHECK_EQ(tern_getsockopt(t.c, t.csd, TERN_PRIMARY_SWITCHOVER, &v, &len), 0);
    CHECK_EQ(v.value, 1);
    v = (struct tern_assoc_value){.assoc_id = 0, .value = 0};
    CHECK_EQ(tern_getsockopt(t.c, t.csd, TERN_PRIMARY_SWITCHOVER, &v, &len), 0);
    CHECK_EQ(v.value, 0); /* the socket's default is unchanged */
    v = (struct tern_assoc_value){.assoc_id = t.id, .value = 2};
    CHECK_EQ(tern_setsockopt(t.c, t.csd, TERN_PRIMARY_SWITCHOVER, &v, sizeof v), TERN_EINVAL);
    CHECK_EQ(tern_getsockopt(t.c, t.csd, TERN_PRIMARY_SWITCHOVER, &v, &len), 0);
    CHECK_EQ(v.value, 1);
    teardown(&t);
}

/* The getters name a path as the setters do: an address that is not one of
 * the association's peer addresses, or an address without an association,
 * is refused. */
static void getters_refuse_unknown_paths(void)
{
    two_paths t;
    setup(&t);
    struct sockaddr_in other = t.addr[1];
    other.sin_addr.s_addr = htonl(0x7f000003);
    const struct sockaddr_in *addr[2] = {&other, &t.addr[1]};
    tern_assoc_id id[2] = {t.id, 0};
    for (int k = 0; k < 2; k++) {
        struct tern_paddrparams pp;
        memset(&pp, 0, sizeof pp);
        pp.assoc_id = id[k];
        memcpy(&pp.address, addr[k], sizeof *addr[k]);
        size_t len = sizeof pp;
        CHECK_EQ(tern_getsockopt(t.c, t.csd, TERN_PEER_ADDR_PARAMS, &pp, &len), TERN_EINVAL);
        struct tern_paddrthlds th;
        memset(&th, 0, sizeof th);
        th.assoc_id = id[k];
        memcpy(&th.address, addr[k], sizeof *addr[k]);
        len = sizeof th;
        CHECK_EQ(tern_getsockopt(t.c, t.csd, TERN_PEER_ADDR_THLDS, &th, &len), TERN_EINVAL);
    }
    teardown(&t);
}

int main(void)
{
    RUN(paddrparams_per_path);
    RUN(thresholds_and_switchover);
    RUN(getters_refuse_unknown_paths);
    return 0;
}
