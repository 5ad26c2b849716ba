/* `tern`: one command, one subcommand per file (DESIGN.md §2, tools/). */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "common.h"

typedef struct subcmd {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} subcmd;

static const subcmd subcmds[] = {
    {"check", cmd_check, "what this host offers: kernel SCTP, UDP encapsulation, raw IP, MTU"},
    {"echo", cmd_echo, "echo server and client (the classic one-to-one socket example)"},
    {"cat", cmd_cat, "netcat for SCTP: stdin or a file to messages, messages to stdout"},
    {"perf", cmd_perf, "throughput: MB/s, messages/s and CPU time of both sides"},
    {"demo", cmd_demo, "a server and a client on loopback, 8 streams, a readable log"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: tern <command> [options]   (tern <command> --help for its options)\n\n"
               "Tern: SCTP in user space, over UDP encapsulation (RFC 6951) or raw IP.\n\n"
               "Commands:\n");
    for (size_t i = 0; i < sizeof subcmds / sizeof subcmds[0]; i++)
        fprintf(f, "  %-7s %s\n", subcmds[i].name, subcmds[i].summary);
    fprintf(f, "\n%s", tool_common_help);
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN); /* a closed stdout is an error of write(), not a death */
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *name = argv[1];
    if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(name, "--version") == 0) {
        printf("tern 0.1.0\n");
        return 0;
    }
    bool help = strcmp(name, "help") == 0;
    if (help) {
        if (argc < 3) {
            usage(stdout);
            return 0;
        }
        name = argv[2];
    }
    for (size_t i = 0; i < sizeof subcmds / sizeof subcmds[0]; i++) {
        if (strcmp(name, subcmds[i].name) != 0) continue;
        static char prefix[32];
        snprintf(prefix, sizeof prefix, "tern %s", subcmds[i].name);
        tool_name = prefix;
        if (help) {
            char *hargv[] = {argv[2], "--help", NULL};
            return subcmds[i].run(2, hargv);
        }
        return subcmds[i].run(argc - 1, argv + 1);
    }
    fprintf(stderr, "tern: unknown command '%s'\n\n", name);
    usage(stderr);
    return 2;
}
