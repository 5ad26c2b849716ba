/* The kernel side of raw IP's port filter: a classic BPF program
 * (SO_ATTACH_FILTER) on every raw socket accepts only packets whose SCTP
 * port this process owns — the destination port of received packets, the
 * source port of the packet an ICMP error quotes — so other processes' SCTP
 * traffic is dropped before it is queued. Owned ports are matched as ranges
 * (3 instructions each); beyond IO_BPF_MAX_RANGES ranges the kernel filter
 * accepts everything and user space (raw.c, icmp.c) filters alone. */
#define _GNU_SOURCE
#include <assert.h>
#include <errno.h>
#include <string.h>

#include <linux/filter.h>

#include "io/io_internal.h"

#define ACCEPT   0xffffffffu
#define PROG_MAX (16 + 3 * IO_BPF_MAX_RANGES + 1)

enum prologue { P_RAW4, P_RAW6, P_ICMP4, P_ICMP6 };

/* Loads the port to check into A; packets too short are dropped by the
 * kernel when a load runs past their end. */
static unsigned prologue(enum prologue k, struct sock_filter *f)
{
    unsigned n = 0;
    switch (k) {
    case P_RAW4: /* IPv4 header first: X = IHL * 4, port at X + 2 */
        f[n++] = (struct sock_filter)BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0);
        f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2);
        break;
    case P_RAW6: /* the SCTP header first */
        f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 2);
        break;
    case P_ICMP4: /* IP header, ICMP type 3, quoted IP header of protocol 132 */
        f[n++] = (struct sock_filter)BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0);
        f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_B | BPF_IND, 0);
        f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 3, 1, 0);
        f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
        f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_B | BPF_IND, 8 + 9);
        f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 132, 1, 0);
        f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
        /* X += quoted IHL * 4; the quoted source port is at X + 8 */
        f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_B | BPF_IND, 8);
        f[n++] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xf);
        f[n++] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_LSH | BPF_K, 2);
        f[n++] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_ADD | BPF_X, 0);
        f[n++] = (struct sock_filter)BPF_STMT(BPF_MISC | BPF_TAX, 0);
        f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_H | BPF_IND, 8);
        break;
    case P_ICMP6: /* ICMPv6 header first; types 1, 2, 4; quoted next header 132 */
        f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0);
        f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 3, 0);
        f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 2, 2, 0);
        f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 4, 1, 0);
        f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
        f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 8 + 6);
        f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 132, 1, 0);
        f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
        f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 8 + 40);
        break;
    }
    return n;
}

/* The whole program: prologue, one range test per run of owned ports,
 * drop. Returns its length. */
static unsigned build(const tern_io *io, enum prologue k, struct sock_filter *f)
{
    unsigned n = prologue(k, f), ranges = 0;
    unsigned port = 1;
    while (port < 65536) {
        if (io->ports[port >> 6] == 0) {
            port = (port | 63) + 1;
            continue;
        }
        if (!tern_io_port_owned(io, (uint16_t)port)) {
            port++;
            continue;
        }
        unsigned lo = port;
        while (port < 65536 && tern_io_port_owned(io, (uint16_t)port))
            port++;
        if (++ranges > IO_BPF_MAX_RANGES) {
            f[0] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, ACCEPT);
            return 1;
        }
        f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, lo, 0, 2);
        f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, port - 1, 1, 0);
        f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, ACCEPT);
    }
    f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
    return n;
}

int tern_io_bpf_update(tern_io *io)
{
    if (io->cfg.kind != TERN_IO_RAW) return 0;
    static_assert(PROG_MAX <= BPF_MAXINSNS, "BPF program too long");
    struct sock_filter prog[PROG_MAX];
    int rc = 0;
    for (int k = P_RAW4; k <= P_ICMP6; k++) {
        uint8_t family = k == P_RAW4 || k == P_ICMP4 ? TERN_AF_INET : TERN_AF_INET6;
        bool icmp = k == P_ICMP4 || k == P_ICMP6;
        unsigned len = io->kfilter ? build(io, (enum prologue)k, prog) : 0;
        struct sock_fprog fp = {.len = (unsigned short)len, .filter = prog};
        for (int s = 0; s < io->nsocks; s++) {
            const tern_io_sock *so = &io->socks[s];
            if (so->family != family || so->icmp != icmp) continue;
            if (len > 0 && setsockopt(so->fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof fp) == 0)
                continue;
            /* No filter rather than a stale one: user space still filters. */
            int none = 0;
            if (setsockopt(so->fd, SOL_SOCKET, SO_DETACH_FILTER, &none, sizeof none) != 0 &&
                errno != ENOENT)
                rc = TERN_EIO;
        }
    }
    return rc;
}

int tern_io_set_kernel_filter(tern_io *io, bool on)
{
    if (io == NULL || io->cfg.kind != TERN_IO_RAW) return TERN_EINVAL;
    io->kfilter = on;
    return tern_io_bpf_update(io);
}
