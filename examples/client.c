/* A minimal one-to-one SCTP client on Tern: sends one message, prints the echo.
 * usage: client host port [remote-udp-port [message]]   (UDP port default 9899) */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tern/tern.h>

int main(int argc, char **argv)
{
    if (argc < 3) return fprintf(stderr, "usage: client host port [udp-port [message]]\n"), 2;
    tern_ctx_config cfg;
    tern_ctx_config_default(&cfg);
    cfg.udp_port = 0; /* any local UDP port */
    cfg.remote_udp_port = argc > 3 ? (uint16_t)atoi(argv[3]) : 9899;
    tern_ctx *ctx;
    int err = tern_ctx_new(&cfg, &ctx);
    if (err < 0) return fprintf(stderr, "client: %s\n", tern_strerror(err)), 1;

    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[2]))};
    inet_pton(AF_INET, argv[1], &addr.sin_addr);
    int sd = tern_socket(ctx, AF_INET, TERN_SOCK_STREAM);
    if ((err = tern_connect(ctx, sd, (struct sockaddr *)&addr, sizeof addr)) < 0)
        return fprintf(stderr, "client: connect: %s\n", tern_strerror(err)), 1;

    const char *msg = argc > 4 ? argv[4] : "Hello, SCTP!";
    char buf[4096];
    long n = tern_send(ctx, sd, msg, strlen(msg), 0);
    if (n > 0) n = tern_recv(ctx, sd, buf, sizeof buf, 0);
    if (n > 0) printf("echo: %.*s\n", (int)n, buf);
    tern_shutdown(ctx, sd, TERN_SHUT_WR); /* graceful: SHUTDOWN, ACK, COMPLETE */
    while (tern_recv(ctx, sd, buf, sizeof buf, 0) > 0) {
    }
    tern_close(ctx, sd);
    tern_ctx_free(ctx);
    return n > 0 ? 0 : 1;
}
