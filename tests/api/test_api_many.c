/* One-to-many sockets (RFC 6458 §3): several associations on one socket
 * (implicit set-up by sendmsg, connect, connectx, and one-to-one peers),
 * messages told apart by association id, replies by id, TERN_SENDALL,
 * association counts and lists, peeloff. */
#include "api_test.h"

#define NCLIENTS 3

/* Reads the next data message on a one-to-many socket, skipping (and
 * counting) notifications. */
static long next_msg(tern_ctx *ctx, int sd, char *buf, size_t cap, tern_recv_info *ri,
                     struct sockaddr_in *from, int *notes)
{
    for (int guard = 0; guard < 64; guard++) {
        socklen_t flen = sizeof *from;
        int mf = 0;
        long n = tern_recvmsg(ctx, sd, buf, cap, (struct sockaddr *)from, &flen, ri, 0, &mf);
        if (n < 0 || !(mf & TERN_MSG_NOTIFICATION)) {
            if (n >= 0) CHECK(mf & TERN_MSG_EOR);
            return n;
        }
        if (notes) (*notes)++;
        CHECK(mf & TERN_MSG_EOR); /* whole: the buffers here are large enough */
    }
    CHECK(!"too many notifications");
    return -1;
}

static void many_associations_and_peeloff(void)
{
    tern_ctx *s, *c;
    ctx_pair(true, &s, &c);
    uint16_t port;
    int msd = listener(s, TERN_SOCK_SEQPACKET, &port);
    subscribe(s, msd, TERN_ASSOC_CHANGE);
    set_int(s, msd, TERN_SO_RCVTIMEO, 10000);
    struct sockaddr_in to = lo(port);

    /* Client 0: a one-to-many socket, implicit set-up by sendmsg. Client 1:
     * one-to-many with connectx. Client 2: one-to-one. */
    int cl[NCLIENTS];
    cl[0] = tern_socket(c, AF_INET, TERN_SOCK_SEQPACKET);
    CHECK_EQ(tern_sendmsg(c, cl[0], "c0", 2, SA(to), sizeof to, NULL, 0), 2);
    cl[1] = tern_socket(c, AF_INET, TERN_SOCK_SEQPACKET);
    tern_assoc_id id1 = 0;
    CHECK_EQ(tern_connectx(c, cl[1], SA(to), 1, &id1), 0);
    CHECK(id1 != 0);
    int again = tern_connectx(c, cl[1], SA(to), 1, NULL); /* up already, or not yet */
    CHECK(again == TERN_EALREADY || again == TERN_EISCONN);
    tern_send_info si1 = {.assoc_id = id1};
    CHECK_EQ(tern_sendmsg(c, cl[1], "c1", 2, NULL, 0, &si1, 0), 2); /* waits for COMM_UP */
    cl[2] = tern_socket(c, AF_INET, TERN_SOCK_STREAM);
    CHECK_EQ(tern_connect(c, cl[2], SA(to), sizeof to), 0);
    CHECK_EQ(tern_send(c, cl[2], "c2", 2, 0), 2);

    /* The server sees three associations, each with its message. */
    tern_assoc_id ids[NCLIENTS] = {0};
    uint16_t ports[NCLIENTS];
    for (int i = 0; i < NCLIENTS; i++)
        ports[i] = sock_port(c, cl[i]);
    int notes = 0;
    for (int k = 0; k < NCLIENTS; k++) {
        char buf[256];
        tern_recv_info ri;
        struct sockaddr_in from;
        CHECK_EQ(next_msg(s, msd, buf, sizeof buf, &ri, &from, &notes), 2);
        CHECK_EQ(buf[0], 'c');
        int i = buf[1] - '0';
        CHECK(i >= 0 && i < NCLIENTS && !ids[i]);
        CHECK_EQ(ntohs(from.sin_port), ports[i]);
        ids[i] = ri.assoc_id;
        CHECK(ids[i] != 0);
    }
    CHECK_EQ(notes, NCLIENTS); /* a COMM_UP each, before its data */
    uint32_t num = 0;
    size_t len = sizeof num;
    CHECK_EQ(tern_getsockopt(s, msd, TERN_GET_ASSOC_NUMBER, &num, &len), 0);
    CHECK_EQ(num, NCLIENTS);
    uint8_t raw[sizeof(struct tern_assoc_ids) + 8 * sizeof(tern_assoc_id)];
    len = sizeof raw;
    CHECK_EQ(tern_getsockopt(s, msd, TERN_GET_ASSOC_ID_LIST, raw, &len), 0);
    struct tern_assoc_ids *list = (struct tern_assoc_ids *)raw;
    CHECK_EQ(list->num, NCLIENTS);
    CHECK_EQ(len, sizeof(uint32_t) + NCLIENTS * sizeof(tern_assoc_id));

    /* Replies by association id; each client gets its own. */
    for (int i = 0; i < NCLIENTS; i++) {
        char m[2] = {'r', (char)('0' + i)};
        tern_send_info si = {.assoc_id = ids[i], .sid = 1};
        CHECK_EQ(tern_sendmsg(s, msd, m, 2, NULL, 0, &si, 0), 2);
    }
    for (int i = 0; i < NCLIENTS; i++) {
        char buf[256];
        tern_recv_info ri;
        struct sockaddr_in from;
        CHECK_EQ(next_msg(c, cl[i], buf, sizeof buf, &ri, &from, NULL), 2);
        CHECK_EQ(buf[1], '0' + i);
        CHECK_EQ(ri.sid, 1);
        CHECK_EQ(ntohs(from.sin_port), port);
    }
    /* The same peer address and port again: the association is found. */
    CHECK_EQ(tern_sendmsg(c, cl[0], "c0", 2, SA(to), sizeof to, NULL, 0), 2);
    char buf[256];
    tern_recv_info ri;
    struct sockaddr_in from;
    CHECK_EQ(next_msg(s, msd, buf, sizeof buf, &ri, &from, NULL), 2);
    CHECK_EQ(ri.assoc_id, ids[0]);

    /* TERN_SENDALL: every association of the socket. */
    tern_send_info all = {.flags = TERN_SENDALL};
    CHECK_EQ(tern_sendmsg(s, msd, "all", 3, NULL, 0, &all, 0), 3);
    for (int i = 0; i < NCLIENTS; i++) {
        CHECK_EQ(next_msg(c, cl[i], buf, sizeof buf, &ri, &from, NULL), 3);
        CHECK(memcmp(buf, "all", 3) == 0);
    }

    /* Peel off client 1's association: its messages go to the new socket. */
    int psd = tern_peeloff(s, msd, ids[1]);
    CHECK(psd >= 0);
    CHECK_EQ(tern_peeloff(s, msd, ids[1]), TERN_EINVAL);
    CHECK_EQ(tern_peeloff(s, psd, ids[1]), TERN_EOPNOTSUPP);
    len = sizeof num;
    CHECK_EQ(tern_getsockopt(s, msd, TERN_GET_ASSOC_NUMBER, &num, &len), 0);
    CHECK_EQ(num, NCLIENTS - 1);
    CHECK_EQ(tern_sendmsg(c, cl[1], "p1", 2, NULL, 0, &si1, 0), 2);
    CHECK_EQ(tern_send(c, cl[2], "q2", 2, 0), 2);
    CHECK_EQ(tern_recv(s, psd, buf, sizeof buf, 0), 2);
    CHECK(memcmp(buf, "p1", 2) == 0);
    CHECK_EQ(next_msg(s, msd, buf, sizeof buf, &ri, &from, NULL), 2);
    CHECK(memcmp(buf, "q2", 2) == 0);
    CHECK_EQ(ri.assoc_id, ids[2]);
    CHECK_EQ(tern_send(s, psd, "back", 4, 0), 4);
    CHECK_EQ(next_msg(c, cl[1], buf, sizeof buf, &ri, &from, NULL), 4);
    struct sockaddr_in pa;
    socklen_t plen = sizeof pa;
    CHECK_EQ(tern_getpeername(s, psd, 0, (struct sockaddr *)&pa, &plen), 0);
    CHECK_EQ(ntohs(pa.sin_port), ports[1]);
    plen = sizeof pa;
    CHECK_EQ(tern_getpeername(s, msd, ids[1], (struct sockaddr *)&pa, &plen), TERN_EINVAL);
    CHECK_EQ(tern_getpeername(s, msd, ids[2], (struct sockaddr *)&pa, &plen), 0);
    CHECK_EQ(ntohs(pa.sin_port), ports[2]);

    /* The peeled-off socket closes gracefully; client 1 sees COMM_LOST or
     * SHUTDOWN_COMP on its one-to-many socket. */
    subscribe(c, cl[1], TERN_ASSOC_CHANGE);
    CHECK_EQ(tern_close(s, psd), 0);
    set_int(c, cl[1], TERN_SO_RCVTIMEO, 10000);
    int mf = 0;
    union tern_notification n;
    CHECK(tern_recvmsg(c, cl[1], &n, sizeof n, NULL, NULL, NULL, 0, &mf) > 0);
    CHECK(mf & TERN_MSG_NOTIFICATION);
    CHECK_EQ(n.h.type, TERN_ASSOC_CHANGE);
    CHECK_EQ(n.assoc_change.state, TERN_SHUTDOWN_COMP);
    CHECK_EQ(n.assoc_change.assoc_id, id1);
    len = sizeof num;
    CHECK_EQ(tern_getsockopt(c, cl[1], TERN_GET_ASSOC_NUMBER, &num, &len), 0);
    CHECK_EQ(num, 0);

    for (int i = 0; i < NCLIENTS; i++)
        CHECK_EQ(tern_close(c, cl[i]), 0);
    CHECK_EQ(tern_close(s, msd), 0);
    tern_ctx_free(c);
    tern_ctx_free(s);
}

/* A one-to-many socket that did not listen refuses associations; one that
 * connects to itself through another socket of its context works. */
static void not_listening_refuses(void)
{
    tern_ctx *s, *c;
    ctx_pair(true, &s, &c);
    int msd = tern_socket(s, AF_INET, TERN_SOCK_SEQPACKET);
    struct sockaddr_in any = lo(0);
    CHECK_EQ(tern_bind(s, msd, SA(any), sizeof any), 0);
    uint16_t port = sock_port(s, msd);
    int ccd = tern_socket(c, AF_INET, TERN_SOCK_STREAM);
    struct sockaddr_in to = lo(port);
    int rc = tern_connect(c, ccd, SA(to), sizeof to);
    /* The handshake completes in the core, then the association is aborted. */
    char buf[8];
    if (rc == 0) rc = (int)tern_recv(c, ccd, buf, sizeof buf, 0);
    CHECK(rc == TERN_ECONNRESET || rc == TERN_ECONNREFUSED);
    CHECK_EQ(tern_close(c, ccd), 0);
    CHECK_EQ(tern_close(s, msd), 0);
    tern_ctx_free(c);
    tern_ctx_free(s);
}

/* TERN_AUTOCLOSE: an idle association of a one-to-many socket is shut down
 * gracefully after the given seconds. */
static void autoclose_idle_association(void)
{
    tern_ctx *s, *c;
    ctx_pair(true, &s, &c);
    uint16_t port;
    int msd = listener(s, TERN_SOCK_SEQPACKET, &port);
    set_int(s, msd, TERN_AUTOCLOSE, 1);
    int v = 0;
    size_t len = sizeof v;
    CHECK_EQ(tern_getsockopt(s, msd, TERN_AUTOCLOSE, &v, &len), 0);
    CHECK_EQ(v, 1);
    subscribe(s, msd, TERN_ASSOC_CHANGE);
    int ccd = tern_socket(c, AF_INET, TERN_SOCK_STREAM);
    struct sockaddr_in to = lo(port);
    CHECK_EQ(tern_connect(c, ccd, SA(to), sizeof to), 0);
    CHECK_EQ(tern_send(c, ccd, "hi", 2, 0), 2);
    set_int(c, ccd, TERN_SO_RCVTIMEO, 10000);
    uint64_t t0 = now_ms();
    char buf[256];
    CHECK_EQ(tern_recv(c, ccd, buf, sizeof buf, 0), 0); /* closed by the server, idle */
    CHECK(now_ms() - t0 >= 500);
    tern_recv_info ri;
    struct sockaddr_in from;
    int notes = 0;
    CHECK_EQ(next_msg(s, msd, buf, sizeof buf, &ri, &from, &notes), 2);
    int mf = 0;
    set_int(s, msd, TERN_SO_RCVTIMEO, 10000);
    union tern_notification *n = (union tern_notification *)buf;
    CHECK(tern_recvmsg(s, msd, buf, sizeof buf, NULL, NULL, NULL, 0, &mf) > 0);
    CHECK(mf & TERN_MSG_NOTIFICATION);
    CHECK_EQ(n->assoc_change.state, TERN_SHUTDOWN_COMP);
    CHECK_EQ(tern_close(c, ccd), 0);
    CHECK_EQ(tern_close(s, msd), 0);
    tern_ctx_free(c);
    tern_ctx_free(s);
}

/* TERN_EOF: the message, then a graceful shutdown; with an implicit set-up
 * both wait for COMM_UP. */
static void eof_flag_closes_after_the_message(void)
{
    tern_ctx *s, *c;
    ctx_pair(true, &s, &c);
    uint16_t port;
    int msd = listener(s, TERN_SOCK_SEQPACKET, &port);
    subscribe(s, msd, TERN_ASSOC_CHANGE);
    set_int(s, msd, TERN_SO_RCVTIMEO, 10000);
    int cm = tern_socket(c, AF_INET, TERN_SOCK_SEQPACKET);
    subscribe(c, cm, TERN_ASSOC_CHANGE);
    struct sockaddr_in to = lo(port);
    tern_send_info si = {.flags = TERN_EOF, .ppid = 5};
    CHECK_EQ(tern_sendmsg(c, cm, "last", 4, SA(to), sizeof to, &si, 0), 4);
    char buf[256];
    int mf = 0;
    union tern_notification *n = (union tern_notification *)buf;
    CHECK(tern_recvmsg(s, msd, buf, sizeof buf, NULL, NULL, NULL, 0, &mf) > 0);
    CHECK_EQ(n->assoc_change.state, TERN_COMM_UP);
    tern_recv_info ri;
    CHECK_EQ(tern_recvmsg(s, msd, buf, sizeof buf, NULL, NULL, &ri, 0, &mf), 4);
    CHECK(memcmp(buf, "last", 4) == 0);
    CHECK_EQ(ri.ppid, 5);
    CHECK(tern_recvmsg(s, msd, buf, sizeof buf, NULL, NULL, NULL, 0, &mf) > 0);
    CHECK(mf & TERN_MSG_NOTIFICATION);
    CHECK_EQ(n->assoc_change.state, TERN_SHUTDOWN_COMP);
    set_int(c, cm, TERN_SO_RCVTIMEO, 10000);
    CHECK(tern_recvmsg(c, cm, buf, sizeof buf, NULL, NULL, NULL, 0, &mf) > 0);
    CHECK_EQ(n->assoc_change.state, TERN_COMM_UP);
    CHECK(tern_recvmsg(c, cm, buf, sizeof buf, NULL, NULL, NULL, 0, &mf) > 0);
    CHECK_EQ(n->assoc_change.state, TERN_SHUTDOWN_COMP);
    CHECK_EQ(tern_close(c, cm), 0);
    CHECK_EQ(tern_close(s, msd), 0);
    tern_ctx_free(c);
    tern_ctx_free(s);
}

/* TERN_SHUT_RD: reads give 0 at once, what arrives is dropped, sending goes
 * on. */
static void shut_rd(void)
{
    tern_ctx *s, *c;
    ctx_pair(true, &s, &c);
    uint16_t port;
    int lsd = listener(s, TERN_SOCK_STREAM, &port);
    int ccd = tern_socket(c, AF_INET, TERN_SOCK_STREAM);
    struct sockaddr_in to = lo(port);
    CHECK_EQ(tern_connect(c, ccd, SA(to), sizeof to), 0);
    int ssd = tern_accept(s, lsd, NULL, NULL);
    CHECK_EQ(tern_shutdown(s, ssd, TERN_SHUT_RD), 0);
    char buf[16];
    CHECK_EQ(tern_recv(s, ssd, buf, sizeof buf, 0), 0);
    CHECK_EQ(tern_send(c, ccd, "lost", 4, 0), 4);
    CHECK_EQ(tern_send(s, ssd, "kept", 4, 0), 4);
    CHECK_EQ(tern_recv(c, ccd, buf, sizeof buf, 0), 4);
    CHECK(memcmp(buf, "kept", 4) == 0);
    CHECK_EQ(tern_recv(s, ssd, buf, sizeof buf, 0), 0);
    CHECK_EQ(tern_close(s, ssd), 0);
    CHECK_EQ(tern_recv(c, ccd, buf, sizeof buf, 0), 0);
    CHECK_EQ(tern_close(c, ccd), 0);
    CHECK_EQ(tern_close(s, lsd), 0);
    tern_ctx_free(c);
    tern_ctx_free(s);
}

int main(void)
{
    RUN(many_associations_and_peeloff);
    RUN(not_listening_refuses);
    RUN(autoclose_idle_association);
    RUN(eof_flag_closes_after_the_message);
    RUN(shut_rd);
    return 0;
}
