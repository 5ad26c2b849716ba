/* Readiness: when a socket is readable (recv or accept would not block) and
 * writable (send would not block, or connect has finished), and the
 * descriptor that shows it to poll/epoll (tern_sock_fd).
 *
 * The descriptor is one end u of a non-blocking AF_UNIX stream socketpair
 * (u, t). Readable: one byte sits in u (written from t), read back when the
 * socket stops being readable. Writable: u's send buffer (set to the
 * minimum) has room; to make u unwritable Tern writes from u into t until
 * EAGAIN, and drains t to make it writable again. Only sockets whose state
 * changed are updated (settle walks the dirty list). */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api/internal.h"

#define FILL_WRITES 64 /* bound on the writes that fill u's send buffer */

bool tern_api_readable(const api_sock *s)
{
    if (s->fifo.head) return true;
    if (s->type == TERN_SOCK_SEQPACKET) return s->nrd > 0;
    switch (s->state) {
    case S_LISTEN: return s->nacc > 0;
    case S_CONNECTED:
        return s->shut_rd ||
               (s->assoc && (s->assoc->rd || s->assoc->dead ||
                             (s->assoc->peer_shut && !(s->events & (1u << TERN_ASSOC_CHANGE)))));
    case S_ENDED: return true; /* end of stream, or the error */
    default: return false;
    }
}

bool tern_api_writable(const api_sock *s)
{
    if (s->type == TERN_SOCK_SEQPACKET) return s->nfull == 0;
    switch (s->state) {
    case S_CONNECTED: return !(s->assoc && s->assoc->full);
    case S_CONNECTING:
    case S_LISTEN: return false;
    default: return true; /* a send fails at once: it would not block */
    }
}

void tern_api_dirty(tern_ctx *ctx, api_sock *s)
{
    tern_api_mark(ctx, s, true);
}

void tern_api_mark(tern_ctx *ctx, api_sock *s, bool wake)
{
    if (!s) return;
    if (wake) ctx->changed = true;
    if (s->dirty) return;
    s->dirty = true;
    s->next_dirty = ctx->dirty;
    ctx->dirty = s;
}

static api_sock *counted_owner(api_assoc *a)
{
    return a->queued || a->orphan ? NULL : a->sock;
}

void tern_api_set_rd(tern_ctx *ctx, api_assoc *a, bool rd)
{
    if (a->rd == rd) return;
    a->rd = rd;
    api_sock *s = counted_owner(a);
    if (!s) return;
    if (s->type == TERN_SOCK_SEQPACKET) s->nrd = rd ? s->nrd + 1 : s->nrd - 1;
    tern_api_mark(ctx, s, rd); /* nobody waits for a socket to stop being readable */
}

void tern_api_set_full(tern_ctx *ctx, api_assoc *a, bool full)
{
    if (a->full == full) return;
    a->full = full;
    api_sock *s = counted_owner(a);
    if (!s) return;
    if (s->type == TERN_SOCK_SEQPACKET) s->nfull = full ? s->nfull + 1 : s->nfull - 1;
    tern_api_mark(ctx, s, !full);
}

void tern_api_ready_update(api_sock *s)
{
    if (s->ufd < 0) return;
    char buf[4096] = {0};
    bool r = tern_api_readable(s), w = tern_api_writable(s);
    if (r != s->sig_r) {
        ssize_t n = r ? write(s->tfd, "r", 1) : read(s->ufd, buf, 1);
        if (n == 1) s->sig_r = r;
    }
    if (!w && !s->blk_w) {
        for (int i = 0; i < FILL_WRITES; i++)
            if (write(s->ufd, buf, sizeof buf) < 0) break;
        s->blk_w = true;
    } else if (w && s->blk_w) {
        for (int i = 0; i < FILL_WRITES * 4; i++)
            if (read(s->tfd, buf, sizeof buf) <= 0) break;
        s->blk_w = false;
    }
}

int tern_api_ready_open(api_sock *s)
{
    if (s->ufd >= 0) return s->ufd;
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0)
        return TERN_EIO;
    int small = 1; /* the kernel rounds it up to its minimum */
    setsockopt(fds[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    s->ufd = fds[0];
    s->tfd = fds[1];
    s->sig_r = s->blk_w = false;
    tern_api_ready_update(s);
    return s->ufd;
}

void tern_api_ready_close(api_sock *s)
{
    if (s->ufd >= 0) close(s->ufd);
    if (s->tfd >= 0) close(s->tfd);
    s->ufd = s->tfd = -1;
}
