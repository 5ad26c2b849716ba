/* Sockets (tern.h "Sockets"): the descriptor table (a descriptor is an index;
 * the lowest free one is reused, as POSIX does), tern_socket, bind, bindx,
 * listen, close, and the address queries. Endpoints: a one-to-many socket
 * and a listening one-to-one socket own the endpoint of their port; sockets
 * accepted or peeled off share it; a one-to-one socket that connects gets its
 * own (its bound port, or an ephemeral one). */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdatomic.h>

#include "api/internal.h"

/* ---- the table ---------------------------------------------------------------------- */

api_sock *tern_api_sock(tern_ctx *ctx, int sd)
{
    if (ctx->closing || sd < 0 || (unsigned)sd >= ctx->max_socks) return NULL;
    api_sock *s = ctx->socks[sd];
    return s && s->open ? s : NULL;
}

api_sock *tern_api_sock_again(tern_ctx *ctx, int sd, uint64_t gen)
{
    api_sock *s = tern_api_sock(ctx, sd);
    return s && s->gen == gen ? s : NULL;
}

/* The core asks for a few bytes at a time (tags, TSNs, nonces, a cookie
 * secret per endpoint: about 100 bytes per association); one RAND_bytes
 * call costs as much as hundreds of bytes of output (OpenSSL 3 looks its
 * generator up and re-keys it per call: 44,000 of the client's 94,000
 * instructions per association). So bytes come from a pool filled
 * API_RAND_POOL at a time and wiped as they are handed out; a forked
 * child throws its copy of the pool away (as RAND_bytes reseeds). */
static atomic_uint fork_gen; /* forks so far: a child must not reuse its parent's pool */
static pthread_once_t fork_once = PTHREAD_ONCE_INIT;

static void on_fork_child(void)
{
    atomic_fetch_add(&fork_gen, 1);
}

static void watch_forks(void)
{
    pthread_atfork(NULL, NULL, on_fork_child);
}

int tern_api_random(void *arg, uint8_t *buf, size_t len)
{
    tern_ctx *ctx = arg;
    pthread_once(&fork_once, watch_forks);
    unsigned gen = atomic_load_explicit(&fork_gen, memory_order_relaxed);
    if (gen != ctx->rand_gen) { /* forked since the pool was filled */
        OPENSSL_cleanse(ctx->rand_pool, sizeof ctx->rand_pool);
        ctx->rand_left = 0;
        ctx->rand_gen = gen;
    }
    while (len > 0) {
        if (ctx->rand_left == 0) {
            if (RAND_bytes(ctx->rand_pool, API_RAND_POOL) != 1) return -1;
            ctx->rand_left = API_RAND_POOL;
        }
        size_t n = len < ctx->rand_left ? len : ctx->rand_left;
        uint8_t *p = ctx->rand_pool + API_RAND_POOL - ctx->rand_left;
        memcpy(buf, p, n);
        OPENSSL_cleanse(p, n);
        ctx->rand_left -= (unsigned)n;
        buf += n;
        len -= n;
    }
    return 0;
}

static void defaults(api_sock *s, tern_ctx *ctx)
{
    tern_ep_config_default(&s->cfg);
    s->cfg.random = tern_api_random;
    s->cfg.random_ctx = ctx;
    s->cfg.sndbuf = API_SNDBUF_DEFAULT;
    s->cfg.rwnd = API_RCVBUF_DEFAULT;
    s->cfg.event_queue_len = 1024;
    s->hb_ms = (uint32_t)(s->cfg.hb_interval / 1000000u);
    s->encaps_port = ctx->cfg.transport == TERN_TRANSPORT_UDP ? ctx->cfg.remote_udp_port : 0;
}

static api_sock *sock_alloc(tern_ctx *ctx)
{
    unsigned i = 0;
    while (i < ctx->max_socks && ctx->socks[i])
        i++;
    if (i == ctx->max_socks) return NULL;
    api_sock *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->sd = (int)i;
    s->open = true;
    s->gen = ++ctx->gen_next;
    s->ufd = s->tfd = -1;
    ctx->socks[i] = s;
    return s;
}

api_sock *tern_api_sock_clone(tern_ctx *ctx, const api_sock *from)
{
    api_sock *s = sock_alloc(ctx);
    if (!s) return NULL;
    int sd = s->sd;
    uint64_t gen = s->gen;
    *s = *from;
    s->sd = sd;
    s->gen = gen;
    s->open = true;
    s->type = TERN_SOCK_STREAM;
    s->state = S_IDLE;
    s->backlog = 0;
    s->assoc = s->alist = NULL;
    s->nassocs = 0;
    s->acc_head = s->acc_tail = NULL;
    s->nacc = 0;
    s->end_err = 0;
    memset(&s->fifo, 0, sizeof s->fifo);
    s->partial = 0;
    s->nrd = s->nfull = 0;
    s->so_error = 0;
    s->owns_ep = false;
    s->shut_rd = s->shut_wr = false;
    s->ufd = s->tfd = -1;
    s->sig_r = s->blk_w = false;
    s->dirty = false;
    s->next_dirty = NULL;
    if (s->ep) tern_api_ep_ref(s->ep);
    return s;
}

TERN_EXPORT int tern_socket(tern_ctx *ctx, int family, int type)
{
    if (!ctx) return TERN_EINVAL;
    if (family != AF_INET && family != AF_INET6) return TERN_EAFNOSUPPORT;
    if (family == AF_INET6 && !ctx->cfg.ipv6) return TERN_EAFNOSUPPORT;
    if (type != TERN_SOCK_STREAM && type != TERN_SOCK_SEQPACKET) return TERN_EINVAL;
    tern_api_lock(ctx);
    int rc = TERN_ESHUTDOWN;
    if (!ctx->closing) {
        api_sock *s = sock_alloc(ctx);
        rc = TERN_EMFILE;
        if (s) {
            s->family = family;
            s->type = type;
            defaults(s, ctx);
            rc = s->sd;
        }
    }
    tern_api_unlock(ctx);
    return rc;
}

/* ---- one-to-many association list ---------------------------------------------------- */

void tern_api_sock_link(api_sock *s, api_assoc *a)
{
    a->sock = s;
    a->sprev = NULL;
    a->snext = s->alist;
    if (s->alist) s->alist->sprev = a;
    s->alist = a;
    s->nassocs++;
    if (a->rd) s->nrd++;
    if (a->full) s->nfull++;
}

void tern_api_sock_unlink(api_sock *s, api_assoc *a)
{
    if (a->sprev)
        a->sprev->snext = a->snext;
    else
        s->alist = a->snext;
    if (a->snext) a->snext->sprev = a->sprev;
    a->snext = a->sprev = NULL;
    s->nassocs--;
    if (a->rd) s->nrd--;
    if (a->full) s->nfull--;
    if (s->partial == a->id) s->partial = 0;
    a->sock = NULL;
}

api_assoc *tern_api_sock_assoc(api_sock *s, tern_assoc_id id)
{
    if (s->type == TERN_SOCK_STREAM)
        return (!id || (s->assoc && s->assoc->id == id)) ? s->assoc : NULL;
    if (!id || !s->ep) return NULL;
    api_assoc *a = tern_api_assoc_find(s->ep, id);
    return a && a->sock == s && !a->orphan && !a->queued && !a->dead ? a : NULL;
}

/* ---- bind ---------------------------------------------------------------------------- */

static int bind_port(tern_ctx *ctx, api_sock *s, uint16_t port)
{
    if (port == 0 && !(port = tern_api_ephemeral_port(ctx))) return TERN_EADDRINUSE;
    /* A one-to-one socket's endpoint is made when it listens or connects:
     * its size depends on which. */
    uint32_t max = s->type == TERN_SOCK_SEQPACKET ? API_EP_MAX_ASSOCS : 0;
    api_ep *e;
    int rc = tern_api_ep_new(ctx, port, &s->cfg, max, &e);
    if (rc) return rc;
    tern_api_ep_ref(e);
    s->ep = e;
    s->bound = true;
    s->owns_ep = true;
    /* Bound to the wildcard (a bind to addresses replaces these): the
     * host's addresses go in the INIT / INIT ACK. */
    s->cfg.num_local_addrs =
        (uint8_t)tern_api_host_addrs(ctx, s, s->cfg.local_addrs, TERN_MAX_LOCAL_ADDRS);
    return 0;
}

int tern_api_sock_autobind(tern_ctx *ctx, api_sock *s)
{
    return s->bound ? 0 : bind_port(ctx, s, 0);
}

static void set_laddrs(api_sock *s, const tern_addr *addrs, unsigned n)
{
    s->nladdrs = (uint8_t)n;
    memcpy(s->laddrs, addrs, n * sizeof *addrs);
    s->cfg.num_local_addrs = (uint8_t)n;
    memcpy(s->cfg.local_addrs, addrs, n * sizeof *addrs);
}

TERN_EXPORT int tern_bind(tern_ctx *ctx, int sd, const struct sockaddr *addr, socklen_t len)
{
    if (!ctx) return TERN_EINVAL;
    tern_api_lock(ctx);
    api_sock *s = tern_api_sock(ctx, sd);
    int rc = TERN_EBADF;
    tern_addr ta;
    uint16_t port;
    if (s)
        rc = s->bound || s->state != S_IDLE ? TERN_EINVAL
                                            : tern_api_addr_from(s, addr, len, &ta, &port);
    if (s && rc == 0 && !tern_io_addr_any(&ta) && !tern_api_addr_unicast(&ta)) rc = TERN_EINVAL;
    if (s && rc == 0) rc = bind_port(ctx, s, port);
    if (s && rc == 0) {
        if (!tern_io_addr_any(&ta)) set_laddrs(s, &ta, 1);
        rc = tern_api_ep_configure(s);
    }
    tern_api_unlock(ctx);
    return rc;
}

static int bindx_add(tern_ctx *ctx, api_sock *s, const tern_addr *addrs, int n, uint16_t port)
{
    tern_addr all[TERN_MAX_LOCAL_ADDRS];
    unsigned total = s->nladdrs;
    memcpy(all, s->laddrs, total * sizeof *all);
    for (int i = 0; i < n; i++) {
        if (tern_io_addr_any(&addrs[i]) || !tern_api_addr_unicast(&addrs[i])) return TERN_EINVAL;
        bool dup = false;
        for (unsigned j = 0; j < total; j++)
            dup |= memcmp(&all[j], &addrs[i], sizeof all[j]) == 0;
        if (dup) continue;
        if (total == TERN_MAX_LOCAL_ADDRS) return TERN_EINVAL;
        all[total++] = addrs[i];
    }
    if (s->bound && port && port != s->ep->port) return TERN_EINVAL;
    if (!s->bound) {
        int rc = bind_port(ctx, s, port);
        if (rc) return rc;
    }
    set_laddrs(s, all, total);
    return tern_api_ep_configure(s);
}

static int bindx_rem(api_sock *s, const tern_addr *addrs, int n, uint16_t port)
{
    if (!s->bound || (port && port != s->ep->port)) return TERN_EINVAL;
    tern_addr left[TERN_MAX_LOCAL_ADDRS];
    unsigned nleft = s->nladdrs;
    memcpy(left, s->laddrs, nleft * sizeof *left);
    for (int i = 0; i < n; i++) {
        unsigned j = 0;
        while (j < nleft && memcmp(&left[j], &addrs[i], sizeof left[j]) != 0)
            j++;
        if (j == nleft) return TERN_EADDRNOTAVAIL;
        left[j] = left[--nleft];
    }
    if (nleft == 0) return TERN_EINVAL; /* the last one stays */
    set_laddrs(s, left, nleft);
    return tern_api_ep_configure(s);
}

TERN_EXPORT int tern_bindx(tern_ctx *ctx, int sd, const struct sockaddr *addrs, int count,
                           int flags)
{
    if (!ctx) return TERN_EINVAL;
    tern_api_lock(ctx);
    api_sock *s = tern_api_sock(ctx, sd);
    int rc = s ? 0 : TERN_EBADF;
    tern_addr ta[TERN_MAX_LOCAL_ADDRS];
    uint16_t port = 0;
    if (rc == 0 && flags != TERN_BINDX_ADD_ADDR && flags != TERN_BINDX_REM_ADDR) rc = TERN_EINVAL;
    if (rc == 0) rc = tern_api_addrs_from(s, addrs, count, ta, &port);
    if (rc == 0 && s->type == TERN_SOCK_STREAM && s->state != S_IDLE && s->state != S_LISTEN)
        rc = TERN_EINVAL;
    if (rc == 0)
        rc = flags == TERN_BINDX_ADD_ADDR ? bindx_add(ctx, s, ta, count, port)
                                          : bindx_rem(s, ta, count, port);
    tern_api_unlock(ctx);
    return rc;
}

/* ---- listen ------------------------------------------------------------------------------ */

TERN_EXPORT int tern_listen(tern_ctx *ctx, int sd, int backlog)
{
    if (!ctx) return TERN_EINVAL;
    tern_api_lock(ctx);
    api_sock *s = tern_api_sock(ctx, sd);
    int rc = s ? 0 : TERN_EBADF;
    if (rc == 0 && s->type == TERN_SOCK_STREAM && s->state != S_IDLE && s->state != S_LISTEN)
        rc = TERN_EISCONN;
    if (rc == 0 && !s->bound) rc = bind_port(ctx, s, 0);
    if (rc == 0 && s->ep->ep && s->ep->max_assocs < API_EP_MAX_ASSOCS && !s->ep->nassocs) {
        /* Made small for a connect that failed: made again for listening. */
        tern_ep_free(s->ep->ep);
        s->ep->ep = NULL;
        tern_api_heap_update(ctx, s->ep);
    }
    if (rc == 0) rc = tern_api_ep_start(s->ep, &s->cfg, API_EP_MAX_ASSOCS);
    if (rc == 0 && s->ep->acceptor && s->ep->acceptor != s) rc = TERN_EADDRINUSE;
    if (rc == 0) {
        s->ep->acceptor = s;
        s->state = S_LISTEN;
        s->backlog = backlog <= 0                ? API_BACKLOG_DEFAULT
                     : backlog > API_BACKLOG_MAX ? API_BACKLOG_MAX
                                                 : backlog;
        tern_api_dirty(ctx, s);
    }
    tern_api_unlock(ctx);
    return rc;
}

/* ---- the endpoint of a connecting socket, starting associations ---------------------------- */

int tern_api_sock_own_ep(tern_ctx *ctx, api_sock *s)
{
    int rc = s->bound ? 0 : bind_port(ctx, s, 0);
    if (rc == 0) rc = tern_api_ep_start(s->ep, &s->cfg, API_EP_ONE_ASSOCS);
    return rc;
}

/* The source of the packets to remote: the socket's one address of that
 * family; with several, none (TERN_AF_NONE): the host's routing picks the one
 * on the way to remote, per packet (RFC 9260 §6.4; the core does the same for
 * learned paths, tern_assoc_add_path). A fixed first address sent every
 * path's packets from the primary's network, and the peer answered there. */
static tern_addr local_for(const api_sock *s, const tern_addr *remote)
{
    tern_addr none = {0}, one = {0};
    unsigned n = 0;
    for (unsigned i = 0; i < s->nladdrs; i++)
        if (s->laddrs[i].family == remote->family && n++ == 0) one = s->laddrs[i];
    return n == 1 ? one : none;
}

int tern_api_start_assoc(tern_ctx *ctx, api_sock *s, const tern_addr *peers, int n, uint16_t port,
                         api_assoc **out)
{
    api_ep *e = s->ep;
    tern_path paths[TERN_MAX_PATHS];
    if (n < 1 || n > TERN_MAX_PATHS || port == 0) return TERN_EINVAL;
    for (int i = 0; i < n; i++) {
        if (tern_io_addr_any(&peers[i])) return TERN_EINVAL;
        paths[i] = (tern_path){local_for(s, &peers[i]), peers[i], s->encaps_port};
    }
    tern_assoc_id id = 0;
    int rc = n == 1 ? tern_ep_connect(e->ep, &paths[0], port, tern_clock_now(), &id)
                    : tern_ep_connectx(e->ep, paths, (size_t)n, port, tern_clock_now(), &id);
    if (rc == TERN_EEXIST) return s->type == TERN_SOCK_STREAM ? TERN_EISCONN : TERN_EALREADY;
    if (rc) return rc;
    api_assoc *a = tern_api_assoc_new(ctx, e, id);
    if (!a) {
        tern_ep_abort(e->ep, id, NULL, 0, tern_clock_now());
        return TERN_ENOMEM;
    }
    a->peer = peers[0];
    a->peer_port = port;
    a->sndbuf = s->cfg.sndbuf;
    for (int i = 0; i < n; i++)
        tern_api_assoc_add_peer(e, a, &peers[i]);
    if (s->type == TERN_SOCK_SEQPACKET) {
        tern_api_sock_link(s, a);
    } else {
        a->sock = s;
        s->assoc = a;
    }
    tern_api_touch(ctx, e);
    *out = a;
    return 0;
}

/* tern_io_path_mtu, remembered for API_PMTU_LIFE: many associations to one
 * peer (a server's clients, a setup benchmark) ask the same question. */
static long kernel_mtu(tern_ctx *ctx, const tern_addr *local, const tern_addr *remote)
{
    tern_time now = tern_clock_now();
    for (unsigned i = 0; i < API_PMTU_CACHE; i++) {
        const api_pmtu *c = &ctx->pmtu_cache[i];
        if (c->mtu > 0 && now - c->at < API_PMTU_LIFE && tern_io_addr_eq(&c->local, local) &&
            tern_io_addr_eq(&c->remote, remote))
            return c->mtu;
    }
    long mtu = tern_io_path_mtu(ctx->io, local, remote);
    if (mtu > 0) {
        api_pmtu *c = &ctx->pmtu_cache[ctx->pmtu_next++ % API_PMTU_CACHE];
        c->local = *local;
        c->remote = *remote;
        c->mtu = mtu;
        c->at = now;
    }
    return mtu;
}

void tern_api_set_pmtu(tern_ctx *ctx, api_assoc *a)
{
    api_sock *s = a->queued ? a->listener : a->sock;
    tern_assoc_info info;
    if (!s || tern_ep_assoc_info(a->ep->ep, a->id, &info) != 0) return;
    for (unsigned i = 0; i < info.num_paths; i++) {
        const tern_path *p = &info.paths[i].path;
        long mtu = s->pmtu_fixed; /* TERN_SPP_PMTUD_DISABLE */
        if (!mtu) mtu = kernel_mtu(ctx, &p->local, &p->remote);
        if (mtu <= 0) continue;
        if (mtu > 65535) mtu = 65535;
        if (mtu < 1280) mtu = 1280;
        tern_ep_set_path_mtu(a->ep->ep, a->id, &p->remote, (uint32_t)mtu);
    }
}

/* ---- close ------------------------------------------------------------------------------------
 */

/* The association leaves its socket: aborted, or finishing its graceful
 * shutdown in the background, owned by the context (its unread data is
 * dropped). */
static void close_assoc(tern_ctx *ctx, api_sock *s, api_assoc *a, bool abort)
{
    if (s->type == TERN_SOCK_SEQPACKET)
        tern_api_sock_unlink(s, a);
    else if (s->assoc == a)
        s->assoc = NULL;
    a->sock = NULL;
    a->orphan = true; /* no notifications from here on */
    tern_api_ep_ref(a->ep);
    api_ep *e = a->ep;
    if (a->dead) {
        tern_api_assoc_free(ctx, a);
    } else if (abort || !a->up) {
        /* A handshake in progress is aborted: in COOKIE-ECHOED the peer may
         * already be established. */
        tern_ep_abort(e->ep, a->id, NULL, 0, tern_clock_now());
        tern_api_events(ctx, e); /* its unsent messages (dropped: orphaned) */
        tern_api_assoc_free(ctx, a);
    } else {
        if (!a->we_shut) tern_ep_shutdown(e->ep, a->id, tern_clock_now());
        a->we_shut = true;
        tern_api_discard(ctx, a);
        tern_api_events(ctx, e);
    }
    tern_api_touch(ctx, e);
}

static void dirty_remove(tern_ctx *ctx, api_sock *s)
{
    if (!s->dirty) return;
    api_sock **pp = &ctx->dirty;
    while (*pp && *pp != s)
        pp = &(*pp)->next_dirty;
    if (*pp) *pp = s->next_dirty;
    s->dirty = false;
}

void tern_api_sock_close(tern_ctx *ctx, api_sock *s, bool abort)
{
    ctx->socks[s->sd] = NULL;
    s->open = false;
    dirty_remove(ctx, s);
    tern_api_ready_close(s);
    tern_api_fifo_clear(&s->fifo);
    api_ep *e = s->ep;
    if (e && e->acceptor == s) e->acceptor = NULL;
    while (s->acc_head) { /* established but never accepted: aborted */
        api_assoc *a = s->acc_head;
        if (!a->dead) tern_ep_abort(e->ep, a->id, NULL, 0, tern_clock_now());
        tern_api_assoc_free(ctx, a);
    }
    if (s->assoc) close_assoc(ctx, s, s->assoc, abort);
    while (s->alist)
        close_assoc(ctx, s, s->alist, abort);
    if (e) tern_api_ep_unref(ctx, e);
    tern_api_settle(ctx);
    ctx->changed = true; /* a blocked call on it returns TERN_EBADF */
    tern_api_notify(ctx);
    free(s);
}

static bool has_live_assocs(const api_sock *s)
{
    if (s->assoc && !s->assoc->dead) return true;
    for (const api_assoc *a = s->alist; a; a = a->snext)
        if (!a->dead) return true;
    return false;
}

static void shut_one(tern_ctx *ctx, api_assoc *a)
{
    if (a->dead || !a->up || a->we_shut) return;
    tern_ep_shutdown(a->ep->ep, a->id, tern_clock_now());
    a->we_shut = true;
    tern_api_salvage(ctx, a);
    tern_api_touch(ctx, a->ep);
}

/* SO_LINGER on with N seconds: shut everything down and wait, at most N s. */
static int linger_wait(tern_ctx *ctx, int sd, int seconds)
{
    api_sock *s = tern_api_sock(ctx, sd);
    if (s->assoc) shut_one(ctx, s->assoc);
    for (api_assoc *a = s->alist; a; a = a->snext)
        shut_one(ctx, a);
    tern_api_settle(ctx);
    tern_time deadline = tern_clock_now() + TERN_SEC(seconds);
    while ((s = tern_api_sock(ctx, sd)) != NULL && has_live_assocs(s)) {
        int rc = tern_api_wait(ctx, deadline);
        if (rc) return rc;
    }
    return s ? 0 : TERN_EBADF;
}

TERN_EXPORT int tern_close(tern_ctx *ctx, int sd)
{
    if (!ctx) return TERN_EINVAL;
    tern_api_lock(ctx);
    api_sock *s = tern_api_sock(ctx, sd);
    int rc = s ? 0 : TERN_EBADF;
    if (s && s->linger.onoff && s->linger.seconds > 0) {
        rc = linger_wait(ctx, sd, s->linger.seconds);
        if (rc == TERN_EBADF) { /* closed by another thread meanwhile */
            tern_api_unlock(ctx);
            return rc;
        }
        s = tern_api_sock(ctx, sd);
    }
    if (s) tern_api_sock_close(ctx, s, s->linger.onoff || rc != 0);
    tern_api_unlock(ctx);
    return rc;
}

/* ---- addresses
 * ----------------------------------------------------------------------------------- */

static tern_addr wildcard(const api_sock *s)
{
    tern_addr a = {0};
    a.family = s->family == AF_INET6 ? TERN_AF_INET6 : TERN_AF_INET;
    return a;
}

TERN_EXPORT int tern_getsockname(tern_ctx *ctx, int sd, struct sockaddr *addr, socklen_t *len)
{
    if (!ctx) return TERN_EINVAL;
    tern_api_lock(ctx);
    api_sock *s = tern_api_sock(ctx, sd);
    int rc = !s ? TERN_EBADF : (!addr || !len) ? TERN_EINVAL : 0;
    if (rc == 0) {
        tern_addr a = s->nladdrs ? s->laddrs[0] : wildcard(s);
        tern_assoc_info *info = NULL;
        /* Bound to the wildcard and connected: the address the packets use. */
        if (!s->nladdrs && s->assoc && s->assoc->up && !s->assoc->dead &&
            (info = malloc(sizeof *info)) != NULL &&
            tern_ep_assoc_info(s->ep->ep, s->assoc->id, info) == 0 &&
            info->paths[info->primary].path.local.family != TERN_AF_NONE)
            a = info->paths[info->primary].path.local;
        free(info);
        tern_api_addr_to(&a, s->ep ? s->ep->port : 0, addr, len);
    }
    tern_api_unlock(ctx);
    return rc;
}

static int peer_info(tern_ctx *ctx, int sd, tern_assoc_id id, tern_assoc_info *info)
{
    api_sock *s = tern_api_sock(ctx, sd);
    if (!s) return TERN_EBADF;
    if (s->type == TERN_SOCK_SEQPACKET && !id) return TERN_EINVAL;
    api_assoc *a = tern_api_sock_assoc(s, id);
    if (!a || a->dead) return s->type == TERN_SOCK_SEQPACKET ? TERN_EINVAL : TERN_ENOTCONN;
    return tern_ep_assoc_info(a->ep->ep, a->id, info) == 0 ? 0 : TERN_ENOTCONN;
}

TERN_EXPORT int tern_getpeername(tern_ctx *ctx, int sd, tern_assoc_id id, struct sockaddr *addr,
                                 socklen_t *len)
{
    if (!ctx) return TERN_EINVAL;
    if (!addr || !len) return TERN_EINVAL;
    tern_api_lock(ctx);
    tern_assoc_info *info = malloc(sizeof *info);
    int rc = info ? peer_info(ctx, sd, id, info) : TERN_ENOMEM;
    if (rc == 0)
        tern_api_addr_to(&info->paths[info->primary].path.remote, info->peer_port, addr, len);
    free(info);
    tern_api_unlock(ctx);
    return rc;
}

TERN_EXPORT int tern_getpaddrs(tern_ctx *ctx, int sd, tern_assoc_id id,
                               struct sockaddr_storage *out, int max)
{
    if (!ctx || max < 0 || (max > 0 && !out)) return TERN_EINVAL;
    tern_api_lock(ctx);
    tern_assoc_info *info = malloc(sizeof *info);
    int rc = info ? peer_info(ctx, sd, id, info) : TERN_ENOMEM;
    if (rc == 0) {
        for (int i = 0; i < info->num_paths && i < max; i++)
            tern_io_sockaddr(&info->paths[i].path.remote, info->peer_port, &out[i]);
        rc = info->num_paths;
    }
    free(info);
    tern_api_unlock(ctx);
    return rc;
}

TERN_EXPORT int tern_getladdrs(tern_ctx *ctx, int sd, struct sockaddr_storage *out, int max)
{
    if (!ctx || max < 0 || (max > 0 && !out)) return TERN_EINVAL;
    tern_api_lock(ctx);
    api_sock *s = tern_api_sock(ctx, sd);
    int rc = s ? 0 : TERN_EBADF;
    if (rc == 0) {
        uint16_t port = s->ep ? s->ep->port : 0;
        tern_addr any = wildcard(s);
        int n = s->nladdrs ? s->nladdrs : 1;
        for (int i = 0; i < n && i < max; i++)
            tern_io_sockaddr(s->nladdrs ? &s->laddrs[i] : &any, port, &out[i]);
        rc = n;
    }
    tern_api_unlock(ctx);
    return rc;
}

TERN_EXPORT int tern_sock_fd(tern_ctx *ctx, int sd)
{
    if (!ctx) return TERN_EINVAL;
    tern_api_lock(ctx);
    api_sock *s = tern_api_sock(ctx, sd);
    int rc = s ? tern_api_ready_open(s) : TERN_EBADF;
    tern_api_unlock(ctx);
    return rc;
}
