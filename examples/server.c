/* A minimal one-to-one SCTP echo server on Tern (RFC 6458 style).
 * usage: server [port [udp-port]]   (defaults: 7 and 9899; UDP port 0: any) */
#include <stdio.h>
#include <stdlib.h>
#include <tern/tern.h>

int main(int argc, char **argv)
{
    tern_ctx_config cfg;
    tern_ctx_config_default(&cfg); /* UDP encapsulation (RFC 6951) */
    cfg.udp_port = argc > 2 ? (uint16_t)atoi(argv[2]) : 9899;
    tern_ctx *ctx;
    int err = tern_ctx_new(&cfg, &ctx);
    if (err < 0) return fprintf(stderr, "server: %s\n", tern_strerror(err)), 1;

    struct sockaddr_in addr = {.sin_family = AF_INET,
                               .sin_port = htons(argc > 1 ? atoi(argv[1]) : 7)};
    int sd = tern_socket(ctx, AF_INET, TERN_SOCK_STREAM);
    if ((err = tern_bind(ctx, sd, (struct sockaddr *)&addr, sizeof addr)) < 0 ||
        (err = tern_listen(ctx, sd, 1)) < 0)
        return fprintf(stderr, "server: %s\n", tern_strerror(err)), 1;
    printf("listening on port %d (UDP encapsulation port %u)\n", ntohs(addr.sin_port),
           tern_ctx_udp_port(ctx));
    fflush(stdout);

    int conn = tern_accept(ctx, sd, NULL, NULL); /* one association, then exit */
    char buf[4096];
    tern_recv_info info;
    long n;
    while ((n = tern_recvmsg(ctx, conn, buf, sizeof buf, NULL, NULL, &info, 0, NULL)) > 0) {
        tern_send_info reply = {.sid = info.sid, .ppid = info.ppid}; /* same stream back */
        tern_sendmsg(ctx, conn, buf, (size_t)n, NULL, 0, &reply, 0);
    }
    tern_close(ctx, conn);
    tern_ctx_free(ctx);
    return n < 0;
}
