/* Notifications (RFC 6458 §6) read in-band with tern_recvmsg, in order with
 * the data: COMM_UP, ADAPTATION_INDICATION, data, SENDER_DRY, SHUTDOWN_EVENT,
 * SHUTDOWN_COMP; COMM_LOST after ABORT with its cause; SEND_FAILED from a
 * ttl that expires while the peer's window is closed; PARTIAL_DELIVERY when
 * an association ends mid-message; PEER_ADDR_CHANGE when a second peer
 * address is confirmed. Nothing is delivered without a subscription. */
#include "api_test.h"

#define ALL_TYPES 8

static void subscribe_all(tern_ctx *ctx, int sd)
{
    for (int t = 1; t <= ALL_TYPES; t++)
        subscribe(ctx, sd, t);
}

/* The next read must be a whole notification of this type. */
static union tern_notification *expect_note(tern_ctx *ctx, int sd, int type, void *buf, size_t cap)
{
    int mf = 0;
    long n = tern_recvmsg(ctx, sd, buf, cap, NULL, NULL, NULL, 0, &mf);
    union tern_notification *nt = buf;
    if (n <= 0 || !(mf & TERN_MSG_NOTIFICATION) || nt->h.type != type) {
        fprintf(stderr, "expected notification %d, got n=%ld flags=%x type=%u\n", type, n, mf,
                n > 0 ? nt->h.type : 0);
        abort();
    }
    CHECK(mf & TERN_MSG_EOR);
    CHECK_EQ(nt->h.length, (uint32_t)n);
    return nt;
}

static void expect_data(tern_ctx *ctx, int sd, const char *want)
{
    char buf[256];
    int mf = 0;
    long n = tern_recvmsg(ctx, sd, buf, sizeof buf, NULL, NULL, NULL, 0, &mf);
    CHECK_EQ(n, (long)strlen(want));
    CHECK(!(mf & TERN_MSG_NOTIFICATION));
    CHECK(mf & TERN_MSG_EOR);
    CHECK(memcmp(buf, want, (size_t)n) == 0);
}

static void connect_pair(tern_ctx *s, tern_ctx *c, int *lsd, int *ssd, int *csd)
{
    uint16_t port;
    *lsd = listener(s, TERN_SOCK_STREAM, &port);
    *csd = tern_socket(c, AF_INET, TERN_SOCK_STREAM);
    CHECK(*csd >= 0);
    struct sockaddr_in to = lo(port);
    CHECK_EQ(tern_connect(c, *csd, SA(to), sizeof to), 0);
    *ssd = tern_accept(s, *lsd, NULL, NULL);
    CHECK(*ssd >= 0);
}

static void lifecycle_in_order(void)
{
    tern_ctx *s, *c;
    ctx_pair(true, &s, &c);
    uint16_t port;
    int lsd = listener(s, TERN_SOCK_STREAM, &port);
    subscribe_all(s, lsd); /* accepted sockets inherit it */
    int csd = tern_socket(c, AF_INET, TERN_SOCK_STREAM);
    uint32_t ind = 0xa1a2a3a4;
    CHECK_EQ(tern_setsockopt(c, csd, TERN_ADAPTATION_LAYER, &ind, sizeof ind), 0);
    struct sockaddr_in to = lo(port);
    CHECK_EQ(tern_connect(c, csd, SA(to), sizeof to), 0);
    int ssd = tern_accept(s, lsd, NULL, NULL);
    CHECK(ssd >= 0);
    CHECK_EQ(tern_send(c, csd, "m1", 2, 0), 2);
    set_int(s, ssd, TERN_SO_RCVTIMEO, 10000);

    uint8_t buf[512];
    union tern_notification *n = expect_note(s, ssd, TERN_ASSOC_CHANGE, buf, sizeof buf);
    CHECK_EQ(n->assoc_change.state, TERN_COMM_UP);
    CHECK_EQ(n->assoc_change.outbound_streams, 10);
    CHECK_EQ(n->assoc_change.inbound_streams, 10);
    tern_assoc_id id = n->assoc_change.assoc_id;
    CHECK(id != 0);
    n = expect_note(s, ssd, TERN_ADAPTATION_INDICATION, buf, sizeof buf);
    CHECK_EQ(n->adaptation.adaptation_ind, ind);
    CHECK_EQ(n->adaptation.assoc_id, id);
    expect_data(s, ssd, "m1");
    /* The client acknowledges r1: the server's sender is dry. */
    CHECK_EQ(tern_send(s, ssd, "r1", 2, 0), 2);
    expect_data(c, csd, "r1");
    n = expect_note(s, ssd, TERN_SENDER_DRY_EVENT, buf, sizeof buf);
    CHECK_EQ(n->sender_dry.assoc_id, id);
    /* The client shuts down: SHUTDOWN_EVENT, then SHUTDOWN_COMP, then the end. */
    CHECK_EQ(tern_shutdown(c, csd, TERN_SHUT_WR), 0);
    n = expect_note(s, ssd, TERN_SHUTDOWN_EVENT, buf, sizeof buf);
    CHECK_EQ(n->shutdown.assoc_id, id);
    n = expect_note(s, ssd, TERN_ASSOC_CHANGE, buf, sizeof buf);
    CHECK_EQ(n->assoc_change.state, TERN_SHUTDOWN_COMP);
    CHECK_EQ(tern_recv(s, ssd, buf, sizeof buf, 0), 0);
    /* A notification read in pieces: no EOR until its last byte. */
    CHECK_EQ(tern_recv(c, csd, buf, sizeof buf, 0), 0);
    CHECK_EQ(tern_close(s, ssd), 0);
    CHECK_EQ(tern_close(c, csd), 0);
    CHECK_EQ(tern_close(s, lsd), 0);
    tern_ctx_free(c);
    tern_ctx_free(s);
}

/* Nothing subscribed (the default): only data; a notification read with a
 * small buffer comes in pieces. */
static void unsubscribed_and_pieces(void)
{
    tern_ctx *s, *c;
    ctx_pair(true, &s, &c);
    int lsd, ssd, csd;
    connect_pair(s, c, &lsd, &ssd, &csd);
    CHECK_EQ(tern_send(c, csd, "d", 1, 0), 1);
    expect_data(s, ssd, "d");
    /* SENDER_DRY right when subscribed: nothing is outstanding. */
    subscribe(c, csd, TERN_SENDER_DRY_EVENT);
    uint8_t part[5];
    int mf = 0;
    uint8_t whole[sizeof(struct tern_sender_dry_event)];
    size_t got = 0;
    while (got < sizeof whole) {
        long n = tern_recvmsg(c, csd, part, sizeof part, NULL, NULL, NULL, 0, &mf);
        CHECK(n > 0);
        CHECK(mf & TERN_MSG_NOTIFICATION);
        memcpy(whole + got, part, (size_t)n);
        got += (size_t)n;
        CHECK_EQ(!!(mf & TERN_MSG_EOR), got == sizeof whole);
    }
    struct tern_sender_dry_event ev;
    memcpy(&ev, whole, sizeof ev);
    CHECK_EQ(ev.h.type, TERN_SENDER_DRY_EVENT);
    CHECK_EQ(ev.h.length, sizeof ev);
    struct tern_event_subscribe q = {0, TERN_SENDER_DRY_EVENT, 0};
    size_t len = sizeof q;
    CHECK_EQ(tern_getsockopt(c, csd, TERN_EVENT, &q, &len), 0);
    CHECK_EQ(q.on, 1);
    CHECK_EQ(tern_close(s, ssd), 0);
    CHECK_EQ(tern_recv(c, csd, part, sizeof part, 0), 0); /* no SHUTDOWN_EVENT: not subscribed */
    CHECK_EQ(tern_close(c, csd), 0);
    CHECK_EQ(tern_close(s, lsd), 0);
    tern_ctx_free(c);
    tern_ctx_free(s);
}

/* ABORT with a reason: the peer's COMM_LOST carries User-Initiated Abort
 * (cause 12), reads give TERN_ECONNRESET after it. */
static void abort_gives_comm_lost(void)
{
    tern_ctx *s, *c;
    ctx_pair(true, &s, &c);
    int lsd, ssd, csd;
    connect_pair(s, c, &lsd, &ssd, &csd);
    subscribe(s, ssd, TERN_ASSOC_CHANGE);
    CHECK_EQ(tern_send(c, csd, "before", 6, 0), 6);
    expect_data(s, ssd, "before");
    tern_send_info ab = {.flags = TERN_ABORT};
    CHECK_EQ(tern_sendmsg(c, csd, "bye", 3, NULL, 0, &ab, 0), 3);
    uint8_t buf[256];
    union tern_notification *n = expect_note(s, ssd, TERN_ASSOC_CHANGE, buf, sizeof buf);
    CHECK_EQ(n->assoc_change.state, TERN_COMM_LOST);
    CHECK_EQ(n->assoc_change.error, 12);
    CHECK_EQ(tern_recv(s, ssd, buf, sizeof buf, 0), TERN_ECONNRESET);
    CHECK_EQ(tern_send(s, ssd, "x", 1, 0), TERN_ECONNRESET);
    int err = 0;
    size_t len = sizeof err;
    CHECK_EQ(tern_getsockopt(s, ssd, TERN_SO_ERROR, &err, &len), 0);
    CHECK_EQ(err, TERN_ECONNRESET);
    CHECK_EQ(tern_getsockopt(s, ssd, TERN_SO_ERROR, &err, &len), 0);
    CHECK_EQ(err, 0); /* read once, then cleared */
    CHECK_EQ(tern_recv(c, csd, buf, sizeof buf, 0), TERN_ENOTCONN);
    CHECK_EQ(tern_close(s, ssd), 0);
    CHECK_EQ(tern_close(c, csd), 0);
    CHECK_EQ(tern_close(s, lsd), 0);
    tern_ctx_free(c);
    tern_ctx_free(s);
}

/* A message with a ttl behind a closed window is never sent: SEND_FAILED
 * (DATA_UNSENT) with its context and its bytes. */
static void ttl_expires_behind_closed_window(void)
{
    tern_ctx *s, *c;
    ctx_pair(true, &s, &c);
    uint16_t port;
    int lsd = tern_socket(s, AF_INET, TERN_SOCK_STREAM);
    set_int(s, lsd, TERN_SO_RCVBUF, 4096);
    struct sockaddr_in any = lo(0);
    CHECK_EQ(tern_bind(s, lsd, SA(any), sizeof any), 0);
    CHECK_EQ(tern_listen(s, lsd, 4), 0);
    port = sock_port(s, lsd);
    int csd = tern_socket(c, AF_INET, TERN_SOCK_STREAM);
    struct sockaddr_in to = lo(port);
    CHECK_EQ(tern_connect(c, csd, SA(to), sizeof to), 0);
    int ssd = tern_accept(s, lsd, NULL, NULL);
    CHECK(ssd >= 0);
    subscribe(c, csd, TERN_SEND_FAILED_EVENT);
    uint8_t msg[1000];
    memset(msg, 'w', sizeof msg);
    for (int i = 0; i < 12; i++) /* more than the 4 KiB window: the rest waits */
        CHECK_EQ(tern_send(c, csd, msg, sizeof msg, 0), (long)sizeof msg);
    uint8_t late[300];
    fill_msg(late, sizeof late, 9, 9);
    tern_send_info si = {.sid = 2, .ppid = 99, .context = 42, .ttl_ms = 100};
    CHECK_EQ(tern_sendmsg(c, csd, late, sizeof late, NULL, 0, &si, 0), (long)sizeof late);
    set_int(c, csd, TERN_SO_RCVTIMEO, 10000);
    uint8_t buf[2048];
    union tern_notification *n = expect_note(c, csd, TERN_SEND_FAILED_EVENT, buf, sizeof buf);
    CHECK_EQ(n->h.flags, TERN_DATA_UNSENT);
    CHECK_EQ(n->send_failed.info.context, 42);
    CHECK_EQ(n->send_failed.info.sid, 2);
    CHECK_EQ(n->send_failed.info.ppid, 99);
    CHECK_EQ(n->h.length, offsetof(struct tern_send_failed_event, data) + sizeof late);
    CHECK(msg_ok(n->send_failed.data, sizeof late, 9, 9));
    /* The reader catches up: everything else arrives. */
    size_t total = 0;
    while (total < 12 * sizeof msg) {
        long k = tern_recv(s, ssd, buf, sizeof buf, 0);
        CHECK(k > 0);
        total += (size_t)k;
    }
    CHECK_EQ(total, 12 * sizeof msg);
    CHECK_EQ(tern_close(c, csd), 0);
    CHECK_EQ(tern_recv(s, ssd, buf, sizeof buf, 0), 0);
    CHECK_EQ(tern_close(s, ssd), 0);
    CHECK_EQ(tern_close(s, lsd), 0);
    tern_ctx_free(c);
    tern_ctx_free(s);
}

/* A message delivered in part (partial delivery point) when the sender
 * aborts: PARTIAL_DELIVERY_EVENT, then COMM_LOST. */
static void partial_delivery_aborted(void)
{
    tern_ctx *s, *c;
    ctx_pair(true, &s, &c);
    uint16_t port;
    int lsd = tern_socket(s, AF_INET, TERN_SOCK_STREAM);
    uint32_t pd = 8192;
    CHECK_EQ(tern_setsockopt(s, lsd, TERN_PARTIAL_DELIVERY_POINT, &pd, sizeof pd), 0);
    struct sockaddr_in any = lo(0);
    CHECK_EQ(tern_bind(s, lsd, SA(any), sizeof any), 0);
    CHECK_EQ(tern_listen(s, lsd, 4), 0);
    port = sock_port(s, lsd);
    int csd = tern_socket(c, AF_INET, TERN_SOCK_STREAM);
    struct sockaddr_in to = lo(port);
    CHECK_EQ(tern_connect(c, csd, SA(to), sizeof to), 0);
    int ssd = tern_accept(s, lsd, NULL, NULL);
    CHECK(ssd >= 0);
    subscribe(s, ssd, TERN_PARTIAL_DELIVERY_EVENT);
    subscribe(s, ssd, TERN_ASSOC_CHANGE);
    /* A record left open (TERN_MSG_MORE): its first part is delivered. */
    static uint8_t part[20000];
    memset(part, 'p', sizeof part);
    tern_send_info si = {.sid = 1};
    CHECK_EQ(tern_sendmsg(c, csd, part, sizeof part, NULL, 0, &si, TERN_MSG_MORE),
             (long)sizeof part);
    uint8_t buf[4096];
    int mf = 0;
    long n = tern_recvmsg(s, ssd, buf, sizeof buf, NULL, NULL, NULL, 0, &mf);
    CHECK(n > 0);
    CHECK(!(mf & (TERN_MSG_EOR | TERN_MSG_NOTIFICATION)));
    tern_send_info ab = {.flags = TERN_ABORT};
    CHECK_EQ(tern_sendmsg(c, csd, NULL, 0, NULL, 0, &ab, 0), 0);
    /* The rest of what arrived may come first; then the notifications. */
    for (int guard = 0; guard < 64; guard++) {
        n = tern_recvmsg(s, ssd, buf, sizeof buf, NULL, NULL, NULL, 0, &mf);
        CHECK(n > 0);
        if (mf & TERN_MSG_NOTIFICATION) break;
        CHECK(!(mf & TERN_MSG_EOR));
    }
    union tern_notification *nt = (union tern_notification *)buf;
    if (nt->h.type == TERN_ASSOC_CHANGE) {
        /* COMM_LOST comes first from the core; PARTIAL_DELIVERY follows. */
        CHECK_EQ(nt->assoc_change.state, TERN_COMM_LOST);
        nt = expect_note(s, ssd, TERN_PARTIAL_DELIVERY_EVENT, buf, sizeof buf);
    } else {
        CHECK_EQ(nt->h.type, TERN_PARTIAL_DELIVERY_EVENT);
        expect_note(s, ssd, TERN_ASSOC_CHANGE, buf + 512, sizeof buf - 512);
    }
    CHECK_EQ(nt->pdapi.indication, TERN_PARTIAL_DELIVERY_ABORTED);
    CHECK_EQ(nt->pdapi.stream, 1);
    CHECK_EQ(tern_recv(s, ssd, buf, sizeof buf, 0), TERN_ECONNRESET);
    CHECK_EQ(tern_close(s, ssd), 0);
    CHECK_EQ(tern_close(c, csd), 0);
    CHECK_EQ(tern_close(s, lsd), 0);
    tern_ctx_free(c);
    tern_ctx_free(s);
}

/* A second peer address (127.0.0.2, also the server's through its wildcard
 * bind) becomes CONFIRMED by the heartbeat that probes it once the
 * association is up (§5.4); SPP_HB_DEMAND is taken there too. */
static void peer_addr_confirmed(void)
{
    tern_ctx *s, *c;
    ctx_pair(true, &s, &c);
    int lsd = tern_socket(s, AF_INET, TERN_SOCK_STREAM);
    struct sockaddr_in any;
    memset(&any, 0, sizeof any);
    any.sin_family = AF_INET;
    CHECK_EQ(tern_bind(s, lsd, SA(any), sizeof any), 0);
    CHECK_EQ(tern_listen(s, lsd, 4), 0);
    uint16_t port = sock_port(s, lsd);
    int csd = tern_socket(c, AF_INET, TERN_SOCK_SEQPACKET);
    subscribe(c, csd, TERN_PEER_ADDR_CHANGE);
    struct sockaddr_in two[2] = {lo(port), lo(port)};
    two[1].sin_addr.s_addr = htonl(0x7f000002);
    tern_assoc_id id = 0;
    CHECK_EQ(tern_connectx(c, csd, (const struct sockaddr *)two, 2, &id), 0);
    CHECK_EQ(tern_sendmsg(c, csd, "x", 1, NULL, 0, &(tern_send_info){.assoc_id = id}, 0), 1);
    int ssd = tern_accept(s, lsd, NULL, NULL);
    CHECK(ssd >= 0);
    /* The association is up at the client too (a one-to-many send returns
     * before COMM_UP: the message waits for it). The second address is
     * confirmed by a heartbeat of its own accord (§5.4). */
    expect_data(s, ssd, "x");
    set_int(c, csd, TERN_SO_RCVTIMEO, 10000);
    uint8_t buf[512];
    union tern_notification *n = expect_note(c, csd, TERN_PEER_ADDR_CHANGE, buf, sizeof buf);
    CHECK_EQ(n->paddr_change.state, TERN_ADDR_CONFIRMED_EV);
    CHECK_EQ(n->paddr_change.assoc_id, id);
    struct sockaddr_in got;
    memcpy(&got, &n->paddr_change.addr, sizeof got);
    CHECK_EQ(got.sin_addr.s_addr, htonl(0x7f000002));
    CHECK_EQ(tern_send(s, ssd, "y", 1, 0), 1);
    expect_data(c, csd, "y");
    struct sockaddr_storage pa[4];
    CHECK_EQ(tern_getpaddrs(c, csd, id, pa, 4), 2);
    struct tern_paddrparams pp; /* a heartbeat on demand there too */
    memset(&pp, 0, sizeof pp);
    pp.assoc_id = id;
    memcpy(&pp.address, &two[1], sizeof two[1]);
    pp.flags = TERN_SPP_HB_DEMAND;
    CHECK_EQ(tern_setsockopt(c, csd, TERN_PEER_ADDR_PARAMS, &pp, sizeof pp), 0);
    struct tern_paddrinfo pi;
    memset(&pi, 0, sizeof pi);
    pi.assoc_id = id;
    memcpy(&pi.address, &two[1], sizeof two[1]);
    size_t len = sizeof pi;
    CHECK_EQ(tern_getsockopt(c, csd, TERN_PEER_ADDR_INFO, &pi, &len), 0);
    CHECK_EQ(pi.state, TERN_ACTIVE);
    CHECK_EQ(tern_close(c, csd), 0);
    CHECK_EQ(tern_close(s, ssd), 0);
    CHECK_EQ(tern_close(s, lsd), 0);
    tern_ctx_free(c);
    tern_ctx_free(s);
}

int main(void)
{
    RUN(lifecycle_in_order);
    RUN(unsubscribed_and_pieces);
    RUN(abort_gives_comm_lost);
    RUN(ttl_expires_behind_closed_window);
    RUN(partial_delivery_aborted);
    RUN(peer_addr_confirmed);
    return 0;
}
