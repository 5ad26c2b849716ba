/* Associations (TCBs): creation, peer addresses, the endpoint's lookup
 * tables (hash by local tag; hash by peer address and port, one entry per
 * peer address), timers and the deadline heap, and the list of associations
 * with something to send. One teardown path: tern_assoc_free. */
#include <string.h>

#include "core/internal.h"

static const uint8_t zero16[16];

/* FNV-1a with a per-endpoint random seed, so a peer cannot aim its tags or
 * addresses at one bucket. */
static uint64_t mix(uint64_t h, const void *data, size_t len)
{
    const uint8_t *p = data;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

static size_t addr_len(const tern_addr *a)
{
    return a->family == TERN_AF_INET ? 4 : 16;
}

bool tern_addr_equal(const tern_addr *a, const tern_addr *b)
{
    return a->family == b->family && memcmp(a->ip, b->ip, addr_len(a)) == 0;
}

bool tern_addr_is_unicast(const tern_addr *a)
{
    if (a->family == TERN_AF_INET) {
        const uint8_t *ip = a->ip;
        if (memcmp(ip, zero16, 4) == 0) return false; /* 0.0.0.0 */
        if (ip[0] >= 224) return false;               /* multicast, class E, broadcast */
        return true;
    }
    if (a->family == TERN_AF_INET6) {
        if (memcmp(a->ip, zero16, 16) == 0) return false; /* :: */
        return a->ip[0] != 0xff;                          /* multicast */
    }
    return false;
}

static size_t vtag_bucket(const tern_ep *ep, uint32_t vtag)
{
    return (size_t)(mix(ep->hash_seed, &vtag, sizeof vtag) & (ep->nbuckets - 1));
}

static size_t peer_bucket(const tern_ep *ep, const tern_addr *remote, uint16_t port)
{
    uint64_t h = mix(ep->hash_seed ^ 0x9e3779b97f4a7c15ull, &port, sizeof port);
    h = mix(h, &remote->family, 1);
    h = mix(h, remote->ip, addr_len(remote));
    return (size_t)(h & (ep->nbuckets - 1));
}

tern_assoc *tern_assoc_by_vtag(const tern_ep *ep, uint32_t local_vtag)
{
    for (tern_assoc *a = ep->by_vtag[vtag_bucket(ep, local_vtag)]; a; a = a->next_by_vtag)
        if (a->local_vtag == local_vtag) return a;
    return NULL;
}

tern_dest *tern_dest_by_peer(const tern_ep *ep, const tern_addr *remote, uint16_t peer_port)
{
    for (tern_dest *d = ep->by_peer[peer_bucket(ep, remote, peer_port)]; d; d = d->next_by_peer)
        if (d->owner->peer_port == peer_port && tern_addr_equal(&d->path.remote, remote)) return d;
    return NULL;
}

/* Ids are handed out in sequence: the low bits spread them evenly. */
static size_t id_bucket(const tern_ep *ep, tern_assoc_id id)
{
    return (size_t)id & (ep->nbuckets - 1);
}

tern_assoc *tern_assoc_by_id(const tern_ep *ep, tern_assoc_id id)
{
    for (tern_assoc *a = ep->by_id[id_bucket(ep, id)]; a; a = a->next_by_id)
        if (a->id == id) return a;
    return NULL;
}

tern_dest *tern_assoc_find_path(tern_assoc *a, const tern_addr *remote)
{
    for (unsigned i = 0; i < a->num_paths; i++)
        if (tern_addr_equal(&a->paths[i].path.remote, remote)) return &a->paths[i];
    return NULL;
}

static void vtag_link(tern_ep *ep, tern_assoc *a)
{
    size_t b = vtag_bucket(ep, a->local_vtag);
    a->next_by_vtag = ep->by_vtag[b];
    ep->by_vtag[b] = a;
}

static void id_unlink(tern_ep *ep, tern_assoc *a)
{
    for (tern_assoc **pp = &ep->by_id[id_bucket(ep, a->id)]; *pp; pp = &(*pp)->next_by_id)
        if (*pp == a) {
            *pp = a->next_by_id;
            return;
        }
}

static void vtag_unlink(tern_ep *ep, tern_assoc *a)
{
    for (tern_assoc **pp = &ep->by_vtag[vtag_bucket(ep, a->local_vtag)]; *pp;
         pp = &(*pp)->next_by_vtag)
        if (*pp == a) {
            *pp = a->next_by_vtag;
            return;
        }
}

static void peer_unlink(tern_ep *ep, tern_dest *d)
{
    tern_assoc *a = d->owner;
    for (tern_dest **pp = &ep->by_peer[peer_bucket(ep, &d->path.remote, a->peer_port)]; *pp;
         pp = &(*pp)->next_by_peer)
        if (*pp == d) {
            *pp = d->next_by_peer;
            return;
        }
}

void tern_assoc_rehash(tern_ep *ep, tern_assoc **by_vtag, tern_assoc **by_id, tern_dest **by_peer,
                       size_t nb)
{
    tern_assoc **old_id = ep->by_id;
    tern_dest **old_peer = ep->by_peer;
    size_t old = ep->nbuckets;
    ep->by_vtag = by_vtag;
    ep->by_id = by_id;
    ep->by_peer = by_peer;
    ep->nbuckets = nb;
    for (size_t i = 0; i < old; i++) /* every association is in by_id once */
        for (tern_assoc *a = old_id[i], *next; a; a = next) {
            next = a->next_by_id;
            size_t b = id_bucket(ep, a->id);
            a->next_by_id = by_id[b];
            by_id[b] = a;
            vtag_link(ep, a);
        }
    for (size_t i = 0; i < old; i++)
        for (tern_dest *d = old_peer[i], *next; d; d = next) {
            next = d->next_by_peer;
            size_t b = peer_bucket(ep, &d->path.remote, d->owner->peer_port);
            d->next_by_peer = by_peer[b];
            by_peer[b] = d;
        }
}

static void peer_link(tern_ep *ep, tern_dest *d)
{
    size_t b = peer_bucket(ep, &d->path.remote, d->owner->peer_port);
    d->next_by_peer = ep->by_peer[b];
    ep->by_peer[b] = d;
}

/* Room for one more path: path0 first, then an array doubled up to
 * TERN_MAX_PATHS. The paths move, so their peer-table entries are relinked;
 * only add_path calls this, and callers hold no tern_dest across it. */
static bool paths_reserve(tern_ep *ep, tern_assoc *a)
{
    if (a->num_paths < a->paths_cap) return true;
    if (a->paths_cap == 0) {
        a->paths = &a->path0;
        a->paths_cap = 1;
        return true;
    }
    unsigned cap = a->paths_cap * 2u > TERN_MAX_PATHS ? TERN_MAX_PATHS : a->paths_cap * 2u;
    tern_dest *p = tern_ep_alloc(ep, cap * sizeof *p);
    if (!p) return false;
    for (unsigned i = 0; i < a->num_paths; i++)
        peer_unlink(ep, &a->paths[i]);
    memcpy(p, a->paths, a->num_paths * sizeof *p);
    if (a->paths != &a->path0) tern_ep_dealloc(ep, a->paths, a->paths_cap * sizeof *p);
    a->paths = p;
    a->paths_cap = (uint8_t)cap;
    for (unsigned i = 0; i < a->num_paths; i++)
        peer_link(ep, &a->paths[i]);
    return true;
}

void tern_assoc_set_local_vtag(tern_ep *ep, tern_assoc *a, uint32_t vtag)
{
    vtag_unlink(ep, a);
    a->local_vtag = vtag;
    vtag_link(ep, a);
}

/* Our addresses of that family the peer knows: those our INIT / INIT ACK
 * listed for it (tern_init_params_put; the peer's address types aside). */
static unsigned local_addrs_of(const tern_assoc *a, uint8_t family)
{
    unsigned n = 0;
    if (a->cfg.omit_init_params) return 0;            /* none listed in INIT / INIT ACK */
    const tern_addr *peer = &a->paths[0].path.remote; /* the handshake's */
    for (unsigned i = 0; i < a->cfg.num_local_addrs; i++)
        n += a->cfg.local_addrs[i].family == family &&
             tern_local_addr_listed(&a->cfg.local_addrs[i], peer);
    return n;
}

void tern_assoc_learn_local(tern_assoc *a, const tern_path *path)
{
    uint8_t fam = path->local.family;
    if (fam == TERN_AF_NONE || local_addrs_of(a, fam) >= 2) return;
    for (unsigned i = 0; i < a->num_paths; i++) {
        tern_path *p = &a->paths[i].path;
        if (p->local.family == TERN_AF_NONE && p->remote.family == fam) p->local = path->local;
    }
}

tern_dest *tern_assoc_add_path(tern_ep *ep, tern_assoc *a, const tern_addr *remote,
                               const tern_path *like)
{
    tern_dest *d = tern_assoc_find_path(a, remote);
    if (d) return d;
    /* Another association already owns this peer address and port. */
    if (a->num_paths == TERN_MAX_PATHS || !tern_addr_is_unicast(remote) ||
        tern_dest_by_peer(ep, remote, a->peer_port))
        return NULL;
    /* §5.1.2: a family in which we listed no address and did not meet the
     * peer is one we do not support here: no source of ours would be one
     * the peer knows (it would take the packets for out of the blue). */
    if (a->num_paths && remote->family != a->paths[0].path.remote.family &&
        local_addrs_of(a, remote->family) == 0)
        return NULL;
    tern_path from = *like; /* like may point into the paths, which may move */
    if (!paths_reserve(ep, a)) return NULL;
    d = &a->paths[a->num_paths++];
    memset(d, 0, sizeof *d);
    d->path.remote = *remote;
    d->path.encaps_port = from.encaps_port;
    /* The source must be an address the peer knows as ours, or it takes the
     * packet for out of the blue (§8.4: usrsctp ABORTs a HEARTBEAT from
     * one). Having listed several of that family, we leave the choice to the
     * host's routing (TERN_AF_NONE), so a peer address on another network is
     * reached from ours there; else the handshake's address goes. */
    if (from.local.family == remote->family && local_addrs_of(a, remote->family) < 2)
        d->path.local = from.local;
    d->owner = a;
    tern_dest_init(ep, d);
    tern_dest_take_defaults(d);
    peer_link(ep, d);
    return d;
}

tern_assoc *tern_assoc_new(tern_ep *ep, const tern_path *path, uint16_t peer_port,
                           uint32_t local_vtag)
{
    if (ep->stats.assocs_open >= ep->cfg.max_associations || tern_ep_reserve_assoc(ep) != 0)
        return NULL;
    tern_assoc *a = tern_ep_alloc(ep, sizeof *a);
    if (!a) return NULL;
    memset(a, 0, sizeof *a);
    do
        a->id = ++ep->next_id;
    while (a->id == 0 || tern_assoc_by_id(ep, a->id));
    a->peer_port = peer_port;
    a->local_vtag = local_vtag;
    tern_assoc_cfg_init(&a->cfg, &ep->cfg);
    for (int t = 0; t < TERN_TIMER_COUNT; t++)
        a->timer[t] = TERN_TIME_NEVER;
    a->deadline = TERN_TIME_NEVER;
    a->heap_index = SIZE_MAX;
    if (!tern_assoc_add_path(ep, a, &path->remote, path)) {
        tern_ep_dealloc(ep, a, sizeof *a);
        return NULL;
    }
    vtag_link(ep, a);
    size_t b = id_bucket(ep, a->id);
    a->next_by_id = ep->by_id[b];
    ep->by_id[b] = a;
    a->paths[0].path.local = path->local;
    ep->stats.assocs_created++;
    ep->stats.assocs_open++;
    return a;
}

/* ---- deadline heap -------------------------------------------------------- */

static void heap_set(tern_ep *ep, size_t i, tern_assoc *a)
{
    ep->heap[i] = a;
    a->heap_index = i;
}

static void sift_up(tern_ep *ep, size_t i)
{
    tern_assoc *a = ep->heap[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (ep->heap[parent]->deadline <= a->deadline) break;
        heap_set(ep, i, ep->heap[parent]);
        i = parent;
    }
    heap_set(ep, i, a);
}

static void sift_down(tern_ep *ep, size_t i)
{
    tern_assoc *a = ep->heap[i];
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        tern_time best = a->deadline;
        if (l < ep->heap_len && ep->heap[l]->deadline < best) {
            m = l;
            best = ep->heap[l]->deadline;
        }
        if (r < ep->heap_len && ep->heap[r]->deadline < best) m = r;
        if (m == i) break;
        heap_set(ep, i, ep->heap[m]);
        i = m;
    }
    heap_set(ep, i, a);
}

static void heap_remove(tern_ep *ep, tern_assoc *a)
{
    size_t i = a->heap_index;
    if (i == SIZE_MAX) return;
    a->heap_index = SIZE_MAX;
    tern_assoc *last = ep->heap[--ep->heap_len];
    if (last == a) return;
    heap_set(ep, i, last);
    sift_up(ep, i);
    sift_down(ep, last->heap_index);
}

void tern_assoc_timers_changed(tern_ep *ep, tern_assoc *a)
{
    tern_time d = TERN_TIME_NEVER;
    for (int t = 0; t < TERN_TIMER_COUNT; t++)
        if (a->timer[t] < d) d = a->timer[t];
    for (unsigned i = 0; i < a->num_paths; i++) {
        if (a->paths[i].hb_deadline < d) d = a->paths[i].hb_deadline;
        if (a->paths[i].t3_deadline < d) d = a->paths[i].t3_deadline;
    }
    a->deadline = d;
    if (d == TERN_TIME_NEVER) {
        heap_remove(ep, a);
        return;
    }
    if (a->heap_index == SIZE_MAX) {
        heap_set(ep, ep->heap_len++, a);
        sift_up(ep, a->heap_index);
    } else {
        sift_up(ep, a->heap_index);
        sift_down(ep, a->heap_index);
    }
}

void tern_assoc_set_timer(tern_ep *ep, tern_assoc *a, enum tern_timer t, tern_time when)
{
    a->timer[t] = when;
    tern_assoc_timers_changed(ep, a);
}

tern_assoc *tern_heap_top(const tern_ep *ep)
{
    return ep->heap_len ? ep->heap[0] : NULL;
}

/* ---- pending output ------------------------------------------------------- */

void tern_assoc_want_output(tern_ep *ep, tern_assoc *a, unsigned what)
{
    a->pending |= what;
    if (a->on_pending_list || !a->pending) return;
    a->on_pending_list = true;
    a->next_pending = NULL;
    if (ep->pending_tail)
        ep->pending_tail->next_pending = a;
    else
        ep->pending_head = a;
    ep->pending_tail = a;
}

tern_assoc *tern_pending_pop(tern_ep *ep)
{
    tern_assoc *a = ep->pending_head;
    if (!a) return NULL;
    ep->pending_head = a->next_pending;
    if (!ep->pending_head) ep->pending_tail = NULL;
    a->next_pending = NULL;
    a->on_pending_list = false;
    return a;
}

static void pending_remove(tern_ep *ep, tern_assoc *a)
{
    if (!a->on_pending_list) return;
    tern_assoc *prev = NULL;
    for (tern_assoc *p = ep->pending_head; p; prev = p, p = p->next_pending)
        if (p == a) {
            if (prev)
                prev->next_pending = a->next_pending;
            else
                ep->pending_head = a->next_pending;
            if (ep->pending_tail == a) ep->pending_tail = prev;
            break;
        }
    a->on_pending_list = false;
}

/* ---- teardown --------------------------------------------------------------- */

void tern_assoc_free(tern_ep *ep, tern_assoc *a)
{
    tern_data_stop(ep, a, true);
    heap_remove(ep, a);
    pending_remove(ep, a);
    vtag_unlink(ep, a);
    id_unlink(ep, a);
    for (unsigned i = 0; i < a->num_paths; i++)
        peer_unlink(ep, &a->paths[i]);
    if (a->paths != &a->path0) tern_ep_dealloc(ep, a->paths, a->paths_cap * sizeof *a->paths);
    tern_ep_dealloc(ep, a->cookie, a->cookie_len);
    tern_ep_dealloc(ep, a->unrecognized, TERN_MAX_UNRECOGNIZED);
    tern_ep_dealloc(ep, a, sizeof *a);
    ep->stats.assocs_freed++;
    ep->stats.assocs_open--;
}

void tern_assoc_end(tern_ep *ep, tern_assoc *a, enum tern_event_type type, uint16_t cause)
{
    if (type) {
        tern_data_pd_aborted(ep, a); /* before the event that ends it */
        tern_ep_event(ep, type, a, cause);
    }
    tern_assoc_free(ep, a);
}
