/* See peer_common.h. */
#include "peer_common.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *prog_name = "peer";
volatile sig_atomic_t peer_linger_stop;

static void on_hup(int sig)
{
    (void)sig;
    peer_linger_stop = 1;
}

void peer_say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
}

void peer_die(const char *fmt, ...)
{
    va_list ap;
    printf("error: %s: ", prog_name);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
    exit(1);
}

static void on_alarm(int sig)
{
    (void)sig;
    static const char msg[] = "error: timed out (alarm)\n";
    ssize_t w = write(1, msg, sizeof msg - 1);
    (void)w;
    _exit(3);
}

static _Noreturn void usage(void)
{
    fprintf(stderr,
            "usage: %s --role server|client [--addr A] [--port P] --udp-port L\n"
            "       --remote-udp-port R [--count N] [--size S] [--streams K] [--unordered]\n"
            "       [--close shutdown|abort|wait] [--expect shutdown|abort] [--timeout SEC]\n"
            "       [--assocs N] [--one-to-many] [--linger SEC] [--ppid-base B]\n",
            prog_name);
    exit(2);
}

static enum peer_end parse_end(const char *s)
{
    if (strcmp(s, "shutdown") == 0) return END_SHUTDOWN;
    if (strcmp(s, "abort") == 0) return END_ABORT;
    if (strcmp(s, "wait") == 0) return END_NONE;
    usage();
}

static unsigned long num(const char *s, unsigned long max)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v > max) usage();
    return v;
}

void peer_parse(struct peer_opts *o, int argc, char **argv, const char *prog)
{
    prog_name = prog;
    *o = (struct peer_opts){.addr = "127.0.0.1",
                            .port = 5001,
                            .count = 1,
                            .size = 100,
                            .streams = 1,
                            .close = END_NONE,
                            .expect = END_NONE,
                            .timeout = 60,
                            .ppid_base = 1,
                            .assocs = 1};
    bool role = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--unordered") == 0) {
            o->unordered = true;
            continue;
        }
        if (strcmp(a, "--one-to-many") == 0) {
            o->one_to_many = true;
            continue;
        }
        if (i + 1 >= argc) usage();
        const char *v = argv[++i];
        if (strcmp(a, "--role") == 0) {
            if (strcmp(v, "server") != 0 && strcmp(v, "client") != 0) usage();
            o->server = strcmp(v, "server") == 0;
            role = true;
        } else if (strcmp(a, "--addr") == 0)
            o->addr = v;
        else if (strcmp(a, "--port") == 0)
            o->port = (uint16_t)num(v, 65535);
        else if (strcmp(a, "--udp-port") == 0)
            o->udp_port = (uint16_t)num(v, 65535);
        else if (strcmp(a, "--remote-udp-port") == 0)
            o->remote_udp_port = (uint16_t)num(v, 65535);
        else if (strcmp(a, "--count") == 0)
            o->count = (unsigned)num(v, 10000000);
        else if (strcmp(a, "--size") == 0)
            o->size = num(v, 64ul << 20);
        else if (strcmp(a, "--streams") == 0)
            o->streams = (uint16_t)num(v, 65535);
        else if (strcmp(a, "--close") == 0)
            o->close = parse_end(v);
        else if (strcmp(a, "--expect") == 0)
            o->expect = parse_end(v);
        else if (strcmp(a, "--timeout") == 0)
            o->timeout = (unsigned)num(v, 3600);
        else if (strcmp(a, "--assocs") == 0)
            o->assocs = (unsigned)num(v, 1000);
        else if (strcmp(a, "--ppid-base") == 0)
            o->ppid_base = (uint32_t)num(v, 1u << 30);
        else if (strcmp(a, "--linger") == 0)
            o->linger = (unsigned)num(v, 600);
        else
            usage();
    }
    if (!role || o->size < 4 || o->assocs == 0 || o->streams == 0 || o->remote_udp_port == 0 ||
        o->udp_port == 0)
        usage();
    if ((o->close == END_NONE) == (o->expect == END_NONE)) usage(); /* exactly one of them */
    signal(SIGALRM, on_alarm);
    if (o->linger) { /* no SA_RESTART: a waiting poll or sleep returns */
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_hup;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGHUP, &sa, NULL);
    }
    alarm(o->timeout);
}

void peer_fill(uint8_t *buf, size_t size, unsigned i, uint16_t sid)
{
    buf[0] = (uint8_t)(i >> 24);
    buf[1] = (uint8_t)(i >> 16);
    buf[2] = (uint8_t)(i >> 8);
    buf[3] = (uint8_t)i;
    for (size_t j = 4; j < size; j++)
        buf[j] = (uint8_t)(i * 7u + j * 13u + sid);
}

void peer_rx_init(struct peer_rx *rx, const struct peer_opts *o)
{
    rx->o = o;
    rx->seen = calloc(o->count ? o->count : 1, 1);
    rx->last_per_sid = malloc(sizeof(long) * o->streams);
    if (!rx->seen || !rx->last_per_sid) peer_die("out of memory");
    for (unsigned s = 0; s < o->streams; s++)
        rx->last_per_sid[s] = -1;
    rx->got = 0;
}

void peer_rx_free(struct peer_rx *rx)
{
    free(rx->seen);
    free(rx->last_per_sid);
}

bool peer_rx_check(struct peer_rx *rx, const uint8_t *buf, size_t len, uint16_t sid, uint32_t ppid,
                   bool unordered)
{
    const struct peer_opts *o = rx->o;
    if (len != o->size) {
        printf("error: message #%u: %zu bytes, want %zu\n", rx->got, len, o->size);
        return false;
    }
    unsigned i = (unsigned)buf[0] << 24 | (unsigned)buf[1] << 16 | (unsigned)buf[2] << 8 | buf[3];
    if (i >= o->count || rx->seen[i]) {
        printf("error: message index %u %s\n", i, i >= o->count ? "out of range" : "twice");
        return false;
    }
    if (sid != i % o->streams || ppid != i + o->ppid_base || unordered != o->unordered) {
        printf("error: message %u: stream %u ppid %u %s, want stream %u ppid %u %s\n", i, sid, ppid,
               unordered ? "unordered" : "ordered", i % o->streams, i + o->ppid_base,
               o->unordered ? "unordered" : "ordered");
        return false;
    }
    for (size_t j = 4; j < len; j++)
        if (buf[j] != (uint8_t)(i * 7u + j * 13u + sid)) {
            printf("error: message %u: byte %zu is %u\n", i, j, buf[j]);
            return false;
        }
    if (!o->unordered) {
        if ((long)i <= rx->last_per_sid[sid]) {
            printf("error: message %u on stream %u after %ld: out of order\n", i, sid,
                   rx->last_per_sid[sid]);
            return false;
        }
        rx->last_per_sid[sid] = (long)i;
    }
    rx->seen[i] = 1;
    rx->got++;
    return true;
}

const char *peer_end_name(enum peer_end e)
{
    return e == END_SHUTDOWN ? "shutdown" : e == END_ABORT ? "abort" : "none";
}

void peer_check_end(const struct peer_opts *o, unsigned k, const struct peer_rx *rx, bool sent,
                    enum peer_end e)
{
    if (rx->got < o->count || !sent)
        peer_die("assoc %u: ended (%s) after %u of %u messages%s", k, peer_end_name(e), rx->got,
                 o->count, sent ? "" : ", before we sent ours");
    if (e != (o->close != END_NONE ? o->close : o->expect))
        peer_die("assoc %u: ended in %s", k, peer_end_name(e));
}
