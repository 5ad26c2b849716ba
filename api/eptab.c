/* The context's endpoints (one tern_ep per bound SCTP port) and what hangs off
 * them: the port table, ephemeral ports, the association tables (by id and by
 * peer address), the deadline heap over endpoints, and the graveyard where
 * ended associations wait until the events about them are all handled. */
#include <stdlib.h>
#include <string.h>

#include "api/internal.h"

/* ---- ports ------------------------------------------------------------------------ */

api_ep *tern_api_ep_by_port(const tern_ctx *ctx, uint16_t port)
{
    for (api_ep *e = ctx->ports[port % API_PORT_BUCKETS]; e; e = e->pnext)
        if (e->port == port) return e;
    return NULL;
}

static uint64_t rng_next(tern_ctx *ctx)
{
    ctx->rng ^= ctx->rng << 13; /* xorshift64: spreading ports, not secrets */
    ctx->rng ^= ctx->rng >> 7;
    ctx->rng ^= ctx->rng << 17;
    return ctx->rng;
}

uint16_t tern_api_ephemeral_port(tern_ctx *ctx)
{
    const uint32_t span = API_EPHEMERAL_HI - API_EPHEMERAL_LO + 1;
    uint32_t start = (uint32_t)(rng_next(ctx) % span);
    /* A random start, then the next free one: bounded by the range. */
    for (uint32_t i = 0; i < span; i++) {
        uint16_t p = (uint16_t)(API_EPHEMERAL_LO + (start + i) % span);
        if (!tern_api_ep_by_port(ctx, p)) return p;
    }
    return 0;
}

/* ---- endpoints -------------------------------------------------------------------- */

int tern_api_ep_new(tern_ctx *ctx, uint16_t port, const tern_ep_config *defaults,
                    uint32_t max_assocs, api_ep **out)
{
    if (port == 0) return TERN_EINVAL;
    if (tern_api_ep_by_port(ctx, port)) return TERN_EADDRINUSE;
    api_ep *e = calloc(1, sizeof *e);
    if (!e) return TERN_ENOMEM;
    /* Inline at first (a connecting socket's endpoint has one association);
     * they grow with twice as many associations as buckets. */
    e->nids_b = e->npeers_b = 1;
    e->ids = e->ids0;
    e->peers = e->peers0;
    e->port = port;
    int rc = max_assocs ? tern_api_ep_start(e, defaults, max_assocs) : 0;
    if (rc) {
        free(e);
        return rc;
    }
    e->hidx = SIZE_MAX;
    e->deadline = TERN_TIME_NEVER;
    e->pnext = ctx->ports[port % API_PORT_BUCKETS];
    ctx->ports[port % API_PORT_BUCKETS] = e;
    ctx->neps++;
    tern_io_own_port(ctx->io, port);
    *out = e;
    return 0;
}

int tern_api_ep_start(api_ep *e, const tern_ep_config *defaults, uint32_t max_assocs)
{
    if (e->ep) return 0;
    tern_ep_config c = *defaults;
    c.port = e->port;
    c.max_associations = max_assocs;
    int rc = tern_ep_new(&c, &e->ep);
    if (rc) return rc;
    e->max_assocs = max_assocs;
    return 0;
}

void tern_api_ep_ref(api_ep *e)
{
    e->refs++;
}

void tern_api_ep_unref(tern_ctx *ctx, api_ep *e)
{
    if (e->refs && --e->refs == 0) tern_api_touch(ctx, e); /* settle frees it */
}

static void heap_remove(tern_ctx *ctx, api_ep *e);

void tern_api_ep_free(tern_ctx *ctx, api_ep *e)
{
    heap_remove(ctx, e);
    if (e->out_more) { /* off the list of endpoints waiting for the transport */
        api_ep **bp = &ctx->blocked;
        while (*bp && *bp != e)
            bp = &(*bp)->next_blocked;
        if (*bp) *bp = e->next_blocked;
    }
    api_ep **pp = &ctx->ports[e->port % API_PORT_BUCKETS];
    while (*pp && *pp != e)
        pp = &(*pp)->pnext;
    if (*pp) *pp = e->pnext;
    ctx->neps--;
    tern_io_disown_port(ctx->io, e->port);
    /* Associations still known here (none normally) go with it. */
    for (size_t i = 0; i < e->nids_b; i++)
        while (e->ids[i]) {
            api_assoc *a = e->ids[i];
            a->orphan = false; /* its reference is this one */
            tern_api_assoc_free(ctx, a);
        }
    if (e->ep) tern_ep_free(e->ep);
    if (e->ids != e->ids0) free(e->ids);
    if (e->peers != e->peers0) free(e->peers);
    free(e);
}

int tern_api_ep_configure(api_sock *s)
{
    if (!s->owns_ep || !s->ep || !s->ep->ep) return 0;
    tern_ep_config c = s->cfg;
    c.port = s->ep->port;
    c.max_associations = s->ep->max_assocs;
    return tern_ep_config_update(s->ep->ep, &c);
}

/* ---- associations -------------------------------------------------------------------- */

api_assoc *tern_api_assoc_find(const api_ep *e, tern_assoc_id id)
{
    if (!id) return NULL;
    for (api_assoc *a = e->ids[id & (e->nids_b - 1)]; a; a = a->hnext)
        if (a->id == id) return a;
    return NULL;
}

static void ids_grow(api_ep *e)
{
    size_t nb = e->nids_b * 2;
    api_assoc **t = calloc(nb, sizeof *t);
    if (!t) return; /* longer chains, still correct */
    for (size_t i = 0; i < e->nids_b; i++)
        for (api_assoc *a = e->ids[i], *next; a; a = next) {
            next = a->hnext;
            a->hnext = t[a->id & (nb - 1)];
            t[a->id & (nb - 1)] = a;
        }
    if (e->ids != e->ids0) free(e->ids);
    e->ids = t;
    e->nids_b = nb;
}

api_assoc *tern_api_assoc_new(tern_ctx *ctx, api_ep *e, tern_assoc_id id)
{
    (void)ctx;
    api_assoc *a = calloc(1, sizeof *a);
    if (!a) return NULL;
    if (e->nassocs >= 2 * e->nids_b && e->nids_b < (1u << 20)) ids_grow(e);
    a->id = id;
    a->ep = e;
    a->sndbuf = API_SNDBUF_DEFAULT;
    a->hnext = e->ids[id & (e->nids_b - 1)];
    e->ids[id & (e->nids_b - 1)] = a;
    e->nassocs++;
    return a;
}

static size_t peer_hash(const api_ep *e, const tern_addr *addr, uint16_t port)
{
    uint64_t h = 1469598103934665603ull ^ port ^ ((uint64_t)addr->family << 16);
    for (int i = 0; i < 16; i++)
        h = (h ^ addr->ip[i]) * 1099511628211ull;
    return (size_t)(h ^ (h >> 29)) & (e->npeers_b - 1);
}

static void peers_unlink(api_ep *e, api_assoc *a)
{
    for (unsigned i = 0; i < a->npeers; i++) {
        api_peer *p = &a->peers[i];
        api_peer **pp = &e->peers[peer_hash(e, &p->addr, a->peer_port)];
        while (*pp && *pp != p)
            pp = &(*pp)->next;
        if (*pp) *pp = p->next;
    }
}

static void peer_link(api_ep *e, api_peer *p)
{
    size_t b = peer_hash(e, &p->addr, p->a->peer_port);
    p->next = e->peers[b];
    e->peers[b] = p;
}

static void peers_clear(api_ep *e, api_assoc *a)
{
    peers_unlink(e, a);
    a->npeers = 0;
}

/* Room for one more peer address: peer0 (the common single-homed case),
 * then an array doubled up to TERN_MAX_PATHS. The entries move, so their
 * hash links are redone. */
static bool peers_reserve(api_ep *e, api_assoc *a)
{
    if (a->npeers < a->peers_cap) return true;
    if (a->peers_cap == 0) {
        a->peers = &a->peer0;
        a->peers_cap = 1;
        return true;
    }
    unsigned cap = a->peers_cap * 2u > TERN_MAX_PATHS ? TERN_MAX_PATHS : a->peers_cap * 2u;
    api_peer *t = malloc(cap * sizeof *t);
    if (!t) return false;
    peers_unlink(e, a);
    memcpy(t, a->peers, a->npeers * sizeof *t);
    if (a->peers != &a->peer0) free(a->peers);
    a->peers = t;
    a->peers_cap = (uint8_t)cap;
    for (unsigned i = 0; i < a->npeers; i++)
        peer_link(e, &a->peers[i]);
    return true;
}

static void peers_grow(api_ep *e)
{
    size_t nb = e->npeers_b * 2, old = e->npeers_b;
    api_peer **t = calloc(nb, sizeof *t);
    if (!t) return; /* longer chains, still correct */
    api_peer **from = e->peers;
    e->peers = t;
    e->npeers_b = nb;
    for (size_t i = 0; i < old; i++)
        for (api_peer *p = from[i], *next; p; p = next) {
            next = p->next;
            size_t b = peer_hash(e, &p->addr, p->a->peer_port);
            p->next = t[b];
            t[b] = p;
        }
    if (from != e->peers0) free(from);
}

void tern_api_assoc_add_peer(api_ep *e, api_assoc *a, const tern_addr *addr)
{
    if (e->nassocs >= 2 * e->npeers_b && e->npeers_b < (1u << 20)) peers_grow(e);
    if (a->npeers >= TERN_MAX_PATHS) return;
    for (unsigned i = 0; i < a->npeers; i++)
        if (memcmp(&a->peers[i].addr, addr, sizeof *addr) == 0) return;
    if (!peers_reserve(e, a)) return; /* found by its other addresses, and by id */
    api_peer *p = &a->peers[a->npeers++];
    p->a = a;
    p->addr = *addr;
    peer_link(e, p);
}

void tern_api_assoc_peers(api_ep *e, api_assoc *a)
{
    tern_assoc_info info;
    if (tern_ep_assoc_info(e->ep, a->id, &info) != 0) return;
    peers_clear(e, a);
    a->peer_port = info.peer_port;
    a->peer = info.paths[info.primary].path.remote;
    for (unsigned i = 0; i < info.num_paths; i++)
        tern_api_assoc_add_peer(e, a, &info.paths[i].path.remote);
}

api_assoc *tern_api_assoc_by_peer(const api_ep *e, const tern_addr *addr, uint16_t port)
{
    for (api_peer *p = e->peers[peer_hash(e, addr, port)]; p; p = p->next)
        if (p->a->peer_port == port && !p->a->dead && memcmp(&p->addr, addr, sizeof *addr) == 0)
            return p->a;
    return NULL;
}

static void pend_free(api_assoc *a)
{
    for (api_pend *p = a->pend_head, *next; p; p = next) {
        next = p->next;
        free(p);
    }
    a->pend_head = a->pend_tail = NULL;
    a->pend_bytes = 0;
}

void tern_api_assoc_free(tern_ctx *ctx, api_assoc *a)
{
    api_ep *e = a->ep;
    api_assoc **pp = &e->ids[a->id & (e->nids_b - 1)];
    while (*pp && *pp != a)
        pp = &(*pp)->hnext;
    if (*pp) *pp = a->hnext;
    e->nassocs--;
    peers_clear(e, a);
    if (a->peers != &a->peer0) free(a->peers);
    tern_api_set_rd(ctx, a, false);
    tern_api_set_full(ctx, a, false);
    if (a->queued && a->listener) {
        api_sock *l = a->listener;
        if (a->sprev)
            a->sprev->snext = a->snext;
        else
            l->acc_head = a->snext;
        if (a->snext)
            a->snext->sprev = a->sprev;
        else
            l->acc_tail = a->sprev;
        l->nacc--;
    } else if (a->sock && !a->orphan) {
        if (a->sock->type == TERN_SOCK_SEQPACKET)
            tern_api_sock_unlink(a->sock, a);
        else if (a->sock->assoc == a)
            a->sock->assoc = NULL;
    }
    pend_free(a);
    tern_api_fifo_clear(&a->fifo);
    if (a->orphan) tern_api_ep_unref(ctx, e);
    free(a);
}

void tern_api_assoc_bury(tern_ctx *ctx, api_assoc *a)
{
    a->dead = true;
    if (a->in_grave) return;
    a->in_grave = true;
    a->grave_next = ctx->grave;
    ctx->grave = a;
}

void tern_api_graves(tern_ctx *ctx)
{
    api_assoc *a;
    while ((a = ctx->grave) != NULL) {
        ctx->grave = a->grave_next;
        tern_api_assoc_free(ctx, a);
    }
}

/* ---- the deadline heap over endpoints --------------------------------------------------- */

static void heap_set(tern_ctx *ctx, size_t i, api_ep *e)
{
    ctx->heap[i] = e;
    e->hidx = i;
}

static void sift_up(tern_ctx *ctx, size_t i)
{
    api_ep *e = ctx->heap[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (ctx->heap[parent]->deadline <= e->deadline) break;
        heap_set(ctx, i, ctx->heap[parent]);
        i = parent;
    }
    heap_set(ctx, i, e);
}

static void sift_down(tern_ctx *ctx, size_t i)
{
    api_ep *e = ctx->heap[i];
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        tern_time best = e->deadline;
        if (l < ctx->heap_len && ctx->heap[l]->deadline < best) {
            m = l;
            best = ctx->heap[l]->deadline;
        }
        if (r < ctx->heap_len && ctx->heap[r]->deadline < best) m = r;
        if (m == i) break;
        heap_set(ctx, i, ctx->heap[m]);
        i = m;
    }
    heap_set(ctx, i, e);
}

static void heap_remove(tern_ctx *ctx, api_ep *e)
{
    size_t i = e->hidx;
    if (i == SIZE_MAX) return;
    e->hidx = SIZE_MAX;
    api_ep *last = ctx->heap[--ctx->heap_len];
    if (last == e) return;
    heap_set(ctx, i, last);
    sift_up(ctx, i);
    sift_down(ctx, last->hidx);
}

void tern_api_heap_update(tern_ctx *ctx, api_ep *e)
{
    e->deadline = e->ep ? tern_ep_next_deadline(e->ep) : TERN_TIME_NEVER;
    if (e->deadline == TERN_TIME_NEVER) {
        heap_remove(ctx, e);
        return;
    }
    if (e->hidx != SIZE_MAX) {
        sift_up(ctx, e->hidx);
        sift_down(ctx, e->hidx);
        return;
    }
    if (ctx->heap_len == ctx->heap_cap) {
        size_t cap = ctx->heap_cap ? 2 * ctx->heap_cap : 64;
        api_ep **h = realloc(ctx->heap, cap * sizeof *h);
        if (!h) return; /* not armed: retried at the next update */
        ctx->heap = h;
        ctx->heap_cap = cap;
    }
    heap_set(ctx, ctx->heap_len++, e);
    sift_up(ctx, e->hidx);
}

api_ep *tern_api_heap_top(const tern_ctx *ctx)
{
    return ctx->heap_len ? ctx->heap[0] : NULL;
}

/* ---- tern_ctx_free ---------------------------------------------------------------------- */

void tern_api_ep_destroy_all(tern_ctx *ctx)
{
    for (int b = 0; b < API_PORT_BUCKETS; b++)
        while (ctx->ports[b]) {
            api_ep *e = ctx->ports[b];
            for (size_t i = 0; i < e->nids_b; i++)
                for (api_assoc *a = e->ids[i]; a; a = a->hnext)
                    if (!a->dead) {
                        a->orphan = true; /* nobody reads its notifications now */
                        tern_ep_abort(e->ep, a->id, NULL, 0, tern_clock_now());
                    }
            e->refs = 0;
            tern_api_touch(ctx, e); /* settle sends the ABORTs and frees it */
            tern_api_settle(ctx);
            if (ctx->ports[b] == e) tern_api_ep_free(ctx, e); /* the transport was full */
        }
}
