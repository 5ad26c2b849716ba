/* Two processes (fork; synchronised with a pipe, not sleeps): the parent
 * serves a one-to-one echo and a one-to-many echo, the child is the client
 * of both, in a fresh context of its own. */
#include "api_test.h"

#include <sys/wait.h>
#include <unistd.h>

#define ROUNDS 200

typedef struct ports {
    uint16_t udp, one, many;
} ports;

static void child(int rfd)
{
    ports p;
    CHECK_EQ(read(rfd, &p, sizeof p), (long)sizeof p);
    close(rfd);
    tern_ctx *c = ctx_new(false, p.udp); /* caller-driven: its blocking calls drive it */
    int sd = tern_socket(c, AF_INET, TERN_SOCK_STREAM);
    struct sockaddr_in to = lo(p.one);
    CHECK_EQ(tern_connect(c, sd, SA(to), sizeof to), 0);
    int m = tern_socket(c, AF_INET, TERN_SOCK_SEQPACKET);
    struct sockaddr_in mto = lo(p.many);
    uint8_t out[4096], back[4096];
    for (uint32_t k = 0; k < ROUNDS; k++) {
        size_t len = 1 + (k * 53u) % sizeof out;
        fill_msg(out, len, 7, k);
        CHECK_EQ(tern_send(c, sd, out, len, 0), (long)len);
        CHECK_EQ(tern_recv(c, sd, back, sizeof back, 0), (long)len);
        CHECK(memcmp(out, back, len) == 0);
        fill_msg(out, len, 8, k);
        CHECK_EQ(tern_sendmsg(c, m, out, len, SA(mto), sizeof mto, NULL, 0), (long)len);
        int mf = 0;
        CHECK_EQ(tern_recvmsg(c, m, back, sizeof back, NULL, NULL, NULL, 0, &mf), (long)len);
        CHECK(mf & TERN_MSG_EOR);
        CHECK(memcmp(out, back, len) == 0);
    }
    CHECK_EQ(tern_close(c, m), 0); /* graceful, in the background */
    CHECK_EQ(tern_shutdown(c, sd, TERN_SHUT_WR), 0);
    CHECK_EQ(tern_recv(c, sd, back, sizeof back, 0), 0);
    CHECK_EQ(tern_close(c, sd), 0);
    tern_ctx_free(c);
    _exit(0);
}

static void two_processes_echo(void)
{
    int pfd[2];
    CHECK_EQ(pipe(pfd), 0);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        close(pfd[1]);
        child(pfd[0]);
    }
    close(pfd[0]);
    tern_ctx *s = ctx_new(true, 0);
    ports p = {tern_ctx_udp_port(s), 0, 0};
    int lsd = listener(s, TERN_SOCK_STREAM, &p.one);
    int msd = listener(s, TERN_SOCK_SEQPACKET, &p.many);
    subscribe(s, msd, TERN_ASSOC_CHANGE);
    CHECK_EQ(write(pfd[1], &p, sizeof p), (long)sizeof p);
    close(pfd[1]);
    int sd = tern_accept(s, lsd, NULL, NULL);
    CHECK(sd >= 0);
    uint8_t buf[4096];
    int one = 0, many = 0, ended = 0;
    /* Both echoes interleave: serve whichever has something (poll the two
     * readiness descriptors). */
    struct pollfd pf[2] = {{tern_sock_fd(s, sd), POLLIN, 0}, {tern_sock_fd(s, msd), POLLIN, 0}};
    set_int(s, sd, TERN_SO_NONBLOCK, 1);
    set_int(s, msd, TERN_SO_NONBLOCK, 1);
    uint64_t end = now_ms() + 30000;
    bool eof = false;
    while (!eof || !ended) {
        CHECK(now_ms() < end);
        CHECK(poll(pf, 2, 1000) >= 0);
        long n = eof ? TERN_EAGAIN : tern_recv(s, sd, buf, sizeof buf, 0);
        if (n > 0) {
            CHECK_EQ(tern_send(s, sd, buf, (size_t)n, 0), n);
            one++;
        } else if (n == 0) {
            eof = true;
            pf[0].events = 0;
        } else {
            CHECK_EQ(n, TERN_EAGAIN);
        }
        tern_recv_info ri;
        int mf = 0;
        n = tern_recvmsg(s, msd, buf, sizeof buf, NULL, NULL, &ri, 0, &mf);
        if (n > 0 && (mf & TERN_MSG_NOTIFICATION)) {
            union tern_notification *nt = (union tern_notification *)buf;
            CHECK_EQ(nt->h.type, TERN_ASSOC_CHANGE);
            if (nt->assoc_change.state == TERN_SHUTDOWN_COMP) ended++;
        } else if (n > 0) {
            tern_send_info si = {.assoc_id = ri.assoc_id};
            CHECK_EQ(tern_sendmsg(s, msd, buf, (size_t)n, NULL, 0, &si, 0), n);
            many++;
        } else {
            CHECK_EQ(n, TERN_EAGAIN);
        }
    }
    CHECK_EQ(one, ROUNDS);
    CHECK_EQ(many, ROUNDS);
    int status = 0;
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_EQ(tern_close(s, sd), 0);
    CHECK_EQ(tern_close(s, msd), 0);
    CHECK_EQ(tern_close(s, lsd), 0);
    tern_ctx_free(s);
}

int main(void)
{
    RUN(two_processes_echo);
    return 0;
}
