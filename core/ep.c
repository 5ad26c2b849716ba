/* The endpoint: configuration, randomness, events, statistics, the
 * stateless-answer ring, deadlines and the user's association calls
 * (DESIGN.md §3–4). Packet input is in input.c, output in output.c. */
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "core/internal.h"
#include "core/mem.h"
#include "wire/cause.h"
#include "wire/packet.h"

TERN_EXPORT void tern_ep_config_default(tern_ep_config *cfg)
{
    if (!cfg) return;
    memset(cfg, 0, sizeof *cfg);
    cfg->outbound_streams = 10;
    cfg->max_inbound_streams = 65535;
    cfg->rwnd = 1u << 20;
    cfg->rto_initial = TERN_SEC(1);
    cfg->rto_min = TERN_SEC(1);
    cfg->rto_max = TERN_SEC(60);
    cfg->valid_cookie_life = TERN_SEC(60);
    cfg->cookie_rotation = TERN_SEC(3600);
    cfg->hb_interval = TERN_SEC(30);
    cfg->max_init_retransmits = 8;
    cfg->assoc_max_retrans = 10;
    cfg->path_max_retrans = 5;
    cfg->max_associations = 1024;
    cfg->event_queue_len = 256;
    cfg->sndbuf = 1u << 20;
    cfg->pmtu = 1500;
    cfg->sack_delay = TERN_MSEC(200);
    cfg->sack_freq = 2;
    cfg->max_burst = TERN_CC_MAX_BURST;
}

static bool addrs_valid(const tern_ep_config *c)
{
    for (unsigned i = 0; i < c->num_local_addrs; i++)
        if (!tern_addr_is_unicast(&c->local_addrs[i])) return false;
    return true;
}

/* Everything but the per-association settings, which tern_assoc_params_valid
 * checks (so tern_ep_assoc_params_set accepts exactly what tern_ep_new does). */
static bool config_valid(const tern_ep_config *c)
{
    bool alloc_set = c->alloc.alloc != NULL, free_set = c->alloc.free != NULL;
    tern_assoc_params p;
    tern_assoc_params_from_config(c, &p);
    return c->port != 0 && c->outbound_streams && c->max_inbound_streams && c->rwnd >= 1500 &&
           tern_assoc_params_valid(&p) && c->valid_cookie_life &&
           c->valid_cookie_life <= TERN_SEC(86400) && c->max_associations &&
           c->max_associations <= (1u << 24) && c->event_queue_len &&
           c->event_queue_len <= (1u << 20) && c->num_local_addrs <= TERN_MAX_LOCAL_ADDRS &&
           addrs_valid(c) && alloc_set == free_set && c->pmtu >= 1280 && c->pmtu <= 65535 &&
           c->init_rto_max <= TERN_SEC(86400);
}

void *tern_ep_alloc(tern_ep *ep, size_t size)
{
    return tern_mem_alloc(&ep->cfg.alloc, size);
}

void tern_ep_dealloc(tern_ep *ep, void *ptr, size_t size)
{
    tern_mem_free(&ep->cfg.alloc, ptr, size);
}

static int random_bytes(const tern_ep_config *cfg, void *buf, size_t len)
{
    if (cfg->random) return cfg->random(cfg->random_ctx, buf, len) == 0 ? 0 : TERN_ENOMEM;
    return RAND_bytes(buf, (int)len) == 1 ? 0 : TERN_ENOMEM;
}

int tern_ep_random(tern_ep *ep, void *buf, size_t len)
{
    return random_bytes(&ep->cfg, buf, len);
}

/* A failing source is not fatal for tags and nonces: mix a counter into
 * the seed so values still differ (the cookie secret itself does fail). */
uint32_t tern_ep_random32(tern_ep *ep)
{
    uint32_t v;
    if (tern_ep_random(ep, &v, sizeof v) != 0) {
        ep->hash_seed = ep->hash_seed * 6364136223846793005ull + 1442695040888963407ull;
        v = (uint32_t)(ep->hash_seed >> 32);
    }
    return v;
}

uint32_t tern_ep_new_vtag(tern_ep *ep)
{
    uint32_t v = 0;
    for (int i = 0; i < 16; i++) {
        v = tern_ep_random32(ep);
        if (v != 0 && !tern_assoc_by_vtag(ep, v)) return v;
    }
    /* A broken generator: probe upwards; at most assocs_open are taken. */
    for (uint32_t i = 0; i <= ep->stats.assocs_open; i++)
        if (++v != 0 && !tern_assoc_by_vtag(ep, v)) return v;
    return v + 1;
}

#define OTHER_BYTES (256 * sizeof(uint64_t)) /* tern_chunk_counts.other */

static void *alloc_zeroed(tern_ep *ep, size_t size)
{
    void *p = tern_ep_alloc(ep, size);
    if (p) memset(p, 0, size);
    return p;
}

#define MIN_BUCKETS 1u /* the inline tables (tern_ep.vtag0, id0, peer0) */

/* Frees a table or heap unless it is the endpoint's inline one. */
static void table_free(tern_ep *ep, void *t, const void *inl, size_t size)
{
    if (t != inl) tern_ep_dealloc(ep, t, size);
}

/* The hash tables' final size: 2 × max_associations, a power of two, at
 * least 64 (chains stay short when full). */
static size_t max_buckets(const tern_ep *ep)
{
    size_t nb = 64;
    while (nb < 2 * (size_t)ep->cfg.max_associations)
        nb *= 2;
    return nb;
}

/* Doubles the hash tables while they hold more associations than buckets
 * (up to max_buckets), and the heap while it could not take one more. */
int tern_ep_reserve_assoc(tern_ep *ep)
{
    size_t n = (size_t)ep->stats.assocs_open + 1;
    if (n > ep->nbuckets && ep->nbuckets < max_buckets(ep)) {
        size_t nb = ep->nbuckets * 2;
        tern_assoc **v = alloc_zeroed(ep, nb * sizeof *v), **i = alloc_zeroed(ep, nb * sizeof *i);
        tern_dest **p = alloc_zeroed(ep, nb * sizeof *p);
        if (v && i && p) {
            tern_assoc **ov = ep->by_vtag, **oi = ep->by_id;
            tern_dest **op = ep->by_peer;
            size_t old = ep->nbuckets;
            tern_assoc_rehash(ep, v, i, p, nb);
            table_free(ep, ov, ep->vtag0, old * sizeof *ov);
            table_free(ep, oi, ep->id0, old * sizeof *oi);
            table_free(ep, op, ep->peer0, old * sizeof *op);
        } else { /* longer chains: still correct, retried at the next creation */
            tern_ep_dealloc(ep, v, v ? nb * sizeof *v : 0);
            tern_ep_dealloc(ep, i, i ? nb * sizeof *i : 0);
            tern_ep_dealloc(ep, p, p ? nb * sizeof *p : 0);
        }
    }
    if (n > ep->heap_cap) { /* every association must fit: no failure later */
        size_t cap = 2 * ep->heap_cap;
        tern_assoc **h = tern_ep_alloc(ep, cap * sizeof *h);
        if (!h) return TERN_ENOMEM;
        if (ep->heap_len) memcpy(h, ep->heap, ep->heap_len * sizeof *h);
        table_free(ep, ep->heap, ep->heap0, ep->heap_cap * sizeof *ep->heap);
        ep->heap = h;
        ep->heap_cap = cap;
    }
    return 0;
}

/* Small at first: what an endpoint holds grows with what it does (the
 * event ring and the answer ring on first use, the tables and the heap
 * with its associations), each within its configured bound. */
TERN_EXPORT int tern_ep_new(const tern_ep_config *cfg, tern_ep **out)
{
    if (!cfg || !out || !config_valid(cfg)) return TERN_EINVAL;
    tern_ep tmp = {.cfg = *cfg};
    tern_ep *ep = tern_ep_alloc(&tmp, sizeof *ep);
    if (!ep) return TERN_ENOMEM;
    *ep = tmp;
    ep->nbuckets = MIN_BUCKETS;
    ep->by_vtag = ep->vtag0;
    ep->by_peer = ep->peer0;
    ep->by_id = ep->id0;
    ep->heap = ep->heap0;
    ep->heap_cap = 1;
    uint8_t secret[TERN_COOKIE_SECRET_LEN];
    int rc = TERN_ENOMEM;
    if (random_bytes(cfg, secret, sizeof secret) == 0 &&
        random_bytes(cfg, &ep->hash_seed, sizeof ep->hash_seed) == 0) {
        tern_cookie_keys_init(&ep->keys, secret, &ep->cfg.alloc);
        ep->next_rotation = cfg->cookie_rotation ? 0 : TERN_TIME_NEVER; /* 0: at first use */
        rc = 0;
    }
    memset(secret, 0, sizeof secret);
    if (rc) {
        tern_ep_free(ep);
        return rc;
    }
    *out = ep;
    return 0;
}

static void return_lent(tern_ep *ep);

TERN_EXPORT void tern_ep_free(tern_ep *ep)
{
    if (!ep) return;
    for (size_t i = 0; ep->by_vtag && i < ep->nbuckets; i++)
        while (ep->by_vtag[i])
            tern_assoc_free(ep, ep->by_vtag[i]);
    return_lent(ep);
    for (uint32_t i = 0; ep->events && i < ep->ev_len; i++) { /* undelivered lent data */
        tern_event *ev = &ep->events[(ep->ev_head + i) % ep->ev_cap];
        tern_ep_dealloc(ep, (void *)ev->data, ev->data ? ev->len : 0);
    }
    tern_cookie_keys_clear(&ep->keys);
    table_free(ep, ep->by_vtag, ep->vtag0, ep->nbuckets * sizeof *ep->by_vtag);
    table_free(ep, ep->by_peer, ep->peer0, ep->nbuckets * sizeof *ep->by_peer);
    table_free(ep, ep->by_id, ep->id0, ep->nbuckets * sizeof *ep->by_id);
    table_free(ep, ep->heap, ep->heap0, ep->heap_cap * sizeof *ep->heap);
    tern_ep_dealloc(ep, ep->ctrl, ep->ctrl_cap * sizeof *ep->ctrl);
    tern_ep_dealloc(ep, ep->stats.chunks_in.other, OTHER_BYTES);
    tern_ep_dealloc(ep, ep->stats.chunks_out.other, OTHER_BYTES);
    tern_ep_dealloc(ep, ep->events, ep->ev_cap * sizeof *ep->events);
    tern_ep_dealloc(ep, ep, sizeof *ep);
}

/* Only the previous secret is kept, so rotating more often than a cookie
 * lives (up to twice Valid.Cookie.Life with a preservative) would refuse
 * good cookies: the period is at least that. */
static tern_time rotation_period(const tern_ep *ep)
{
    tern_time floor = 2 * ep->cfg.valid_cookie_life;
    return ep->cfg.cookie_rotation > floor ? ep->cfg.cookie_rotation : floor;
}

/* Scheduled rotation happens when a cookie is next made, so an idle
 * endpoint has no deadline to wake up for. */
void tern_ep_rotate_if_due(tern_ep *ep, tern_time now)
{
    if (ep->next_rotation == 0)
        ep->next_rotation = now + rotation_period(ep); /* the clock's origin is the caller's */
    else if (now >= ep->next_rotation)
        tern_ep_rotate_secret(ep, now);
}

TERN_EXPORT int tern_ep_rotate_secret(tern_ep *ep, tern_time now)
{
    if (!ep) return TERN_EINVAL;
    uint8_t secret[TERN_COOKIE_SECRET_LEN];
    if (tern_ep_random(ep, secret, sizeof secret) != 0) return TERN_ENOMEM;
    tern_cookie_keys_rotate(&ep->keys, secret, now);
    memset(secret, 0, sizeof secret);
    if (ep->cfg.cookie_rotation) ep->next_rotation = now + rotation_period(ep);
    return 0;
}

/* ---- events and statistics ------------------------------------------------ */

/* Doubles the event ring (at most to cfg.event_queue_len), oldest first. */
static bool events_grow(tern_ep *ep)
{
    uint32_t cap = ep->ev_cap ? 2 * ep->ev_cap : 1;
    if (cap > ep->cfg.event_queue_len) cap = ep->cfg.event_queue_len;
    tern_event *ev = tern_ep_alloc(ep, cap * sizeof *ev);
    if (!ev) return false;
    for (uint32_t i = 0; i < ep->ev_len; i++)
        ev[i] = ep->events[(ep->ev_head + i) % ep->ev_cap];
    tern_ep_dealloc(ep, ep->events, ep->ev_cap * sizeof *ep->events);
    ep->events = ev;
    ep->ev_cap = cap;
    ep->ev_head = 0;
    return true;
}

tern_event *tern_ep_event_slot(tern_ep *ep, enum tern_event_type type, const tern_assoc *a,
                               uint16_t cause)
{
    if (ep->ev_len >= ep->cfg.event_queue_len || (ep->ev_len == ep->ev_cap && !events_grow(ep))) {
        ep->stats.events_dropped++;
        return NULL;
    }
    tern_event *ev = &ep->events[(ep->ev_head + ep->ev_len++) % ep->ev_cap];
    memset(ev, 0, sizeof *ev);
    ev->type = type;
    ev->assoc = a ? a->id : 0;
    ev->cause = cause;
    if (a) {
        ev->outbound_streams = a->outbound_streams;
        ev->inbound_streams = a->inbound_streams;
    }
    return ev;
}

void tern_ep_event(tern_ep *ep, enum tern_event_type type, const tern_assoc *a, uint16_t cause)
{
    tern_ep_event_slot(ep, type, a, cause);
}

/* The data lent with the last event polled goes back. */
static void return_lent(tern_ep *ep)
{
    tern_ep_dealloc(ep, ep->lent_data, ep->lent_len);
    ep->lent_data = NULL;
    ep->lent_len = 0;
}

TERN_EXPORT int tern_ep_poll_event(tern_ep *ep, tern_event *ev)
{
    if (!ep || !ev) return 0;
    return_lent(ep);
    if (ep->ev_len == 0) return 0;
    *ev = ep->events[ep->ev_head];
    ep->ev_head = (ep->ev_head + 1) % ep->ev_cap;
    ep->ev_len--;
    ep->lent_data = (uint8_t *)ev->data;
    ep->lent_len = ev->data ? ev->len : 0;
    return 1;
}

#define SLOT(t, k) [t] = k
/* RFC 9260 §3.2 types 0–11 and 14, I-DATA (RFC 8260), FORWARD TSN (RFC
 * 3758) and I-FORWARD-TSN: what Tern sends or handles. */
const uint8_t tern_chunk_slot[256] = {
    SLOT(0, 1),   SLOT(1, 2),   SLOT(2, 3),    SLOT(3, 4),    SLOT(4, 5),   SLOT(5, 6),
    SLOT(6, 7),   SLOT(7, 8),   SLOT(8, 9),    SLOT(9, 10),   SLOT(10, 11), SLOT(11, 12),
    SLOT(14, 13), SLOT(64, 14), SLOT(192, 15), SLOT(194, 16),
};
#undef SLOT
_Static_assert(TERN_KNOWN_CHUNK_TYPES == 16, "tern_chunk_slot");

void tern_ep_count_other_chunk(tern_ep *ep, tern_chunk_counts *c, uint8_t type)
{
    if (!c->other && (c->other = alloc_zeroed(ep, OTHER_BYTES)) == NULL) return; /* not counted */
    c->other[type]++;
}

static void chunk_counts_get(const tern_chunk_counts *c, uint64_t out[256])
{
    for (unsigned t = 0; t < 256; t++)
        out[t] = tern_chunk_slot[t] ? c->known[tern_chunk_slot[t] - 1] : c->other ? c->other[t] : 0;
}

void tern_ep_drop(tern_ep *ep, tern_assoc *a, enum tern_drop_reason why)
{
    ep->stats.drops[why]++;
    if (a) a->stats.drops[why]++;
}

TERN_EXPORT void tern_ep_stats_get(const tern_ep *ep, tern_ep_stats *out)
{
    if (!ep || !out) return;
    const tern_ep_counters *c = &ep->stats;
    memset(out, 0, sizeof *out); /* padding too: callers compare copies bytewise */
    out->packets_in = c->packets_in;
    out->packets_out = c->packets_out;
    chunk_counts_get(&c->chunks_in, out->chunks_in);
    chunk_counts_get(&c->chunks_out, out->chunks_out);
    memcpy(out->drops, c->drops, sizeof out->drops);
    out->events_dropped = c->events_dropped;
    out->assocs_created = c->assocs_created;
    out->assocs_freed = c->assocs_freed;
    out->assocs_open = c->assocs_open;
}

TERN_EXPORT int tern_ep_assoc_info(const tern_ep *ep, tern_assoc_id id, tern_assoc_info *out)
{
    if (!ep || !out) return TERN_EINVAL;
    tern_assoc *a = tern_assoc_by_id(ep, id);
    if (!a) return TERN_ENOENT;
    memset(out, 0, sizeof *out);
    out->id = a->id;
    out->state = a->state;
    out->peer_port = a->peer_port;
    out->local_vtag = a->local_vtag;
    out->peer_vtag = a->peer_vtag;
    out->local_initial_tsn = a->local_initial_tsn;
    out->peer_initial_tsn = a->peer_initial_tsn;
    out->peer_rwnd = a->data_up ? tern_retransq_peer_rwnd(&a->rq) : a->peer_rwnd;
    out->outbound_streams = a->outbound_streams;
    out->inbound_streams = a->inbound_streams;
    out->error_count = a->error_count;
    memcpy(out->peer_ext, a->peer_ext, sizeof out->peer_ext);
    out->num_paths = a->num_paths;
    out->primary = a->primary;
    for (unsigned i = 0; i < a->num_paths; i++) {
        const tern_dest *d = &a->paths[i];
        uint64_t flight = a->data_up ? tern_retransq_path_flight(&a->rq, (uint8_t)i) : 0;
        out->paths[i] = (tern_path_info){d->path,
                                         d->state,
                                         d->srtt,
                                         d->rttvar,
                                         d->rto,
                                         d->error_count,
                                         d->pmtu,
                                         d->cc.cwnd,
                                         d->cc.ssthresh,
                                         flight,
                                         d->cc.in_fast_recovery,
                                         d->counters};
    }
    out->stats = a->stats;
    if (a->data_up) {
        out->next_tsn = a->rq.next_tsn;
        out->cum_tsn_ack = tern_tsn_map_cum_ack(&a->rmap);
        out->send_queued = tern_sendq_bytes(&a->sendq);
        out->send_unsent = a->sendq.unsent_bytes;
        out->unacked_chunks = a->rq.count;
        out->frag_point = (uint32_t)tern_data_max_payload(a, tern_primary(a));
        out->recv_held = tern_reasm_bytes(&a->reasm);
        out->a_rwnd = out->recv_held >= a->cfg.rwnd ? 0 : a->cfg.rwnd - (uint32_t)out->recv_held;
    }
    return 0;
}

/* ---- the stateless-answer ring -------------------------------------------- */

/* Doubles the answer ring (at most to TERN_CTRL_SLOTS), oldest first. */
static bool ctrl_grow(tern_ep *ep)
{
    if (ep->ctrl_cap == TERN_CTRL_SLOTS) return false;
    unsigned cap = ep->ctrl_cap ? 2 * ep->ctrl_cap : 1;
    tern_ctrl_slot *ring = tern_ep_alloc(ep, cap * sizeof *ring);
    if (!ring) return false;
    for (unsigned i = 0; i < ep->ctrl_len; i++) {
        const tern_ctrl_slot *from = &ep->ctrl[(ep->ctrl_head + i) % ep->ctrl_cap];
        ring[i].path = from->path;
        ring[i].len = from->len;
        memcpy(ring[i].pkt, from->pkt, from->len);
    }
    tern_ep_dealloc(ep, ep->ctrl, ep->ctrl_cap * sizeof *ep->ctrl);
    ep->ctrl = ring;
    ep->ctrl_cap = cap;
    ep->ctrl_head = 0;
    return true;
}

tern_ctrl_slot *tern_ctrl_push(tern_ep *ep, const tern_path *path, tern_wbuf *w, uint16_t src_port,
                               uint16_t dst_port, uint32_t vtag)
{
    if (ep->ctrl_len == ep->ctrl_cap && !ctrl_grow(ep)) {
        tern_ep_drop(ep, NULL, TERN_DROP_OUTPUT_FULL);
        return NULL;
    }
    tern_ctrl_slot *s = &ep->ctrl[(ep->ctrl_head + ep->ctrl_len) % ep->ctrl_cap];
    s->path = *path;
    s->len = 0;
    tern_wbuf_init(w, s->pkt, sizeof s->pkt);
    tern_wbuf_common_header(w, src_port, dst_port, vtag);
    return s;
}

void tern_ctrl_commit(tern_ep *ep, tern_ctrl_slot *slot, tern_wbuf *w)
{
    if (w->err) { /* did not fit: nothing is sent */
        tern_ep_drop(ep, NULL, TERN_DROP_OUTPUT_FULL);
        return;
    }
    tern_packet_set_checksum(w->buf, w->len);
    slot->len = (uint16_t)w->len;
    ep->ctrl_len++;
}

/* ---- deadlines ------------------------------------------------------------ */

TERN_EXPORT tern_time tern_ep_next_deadline(const tern_ep *ep)
{
    if (!ep) return TERN_TIME_NEVER;
    tern_assoc *top = tern_heap_top(ep);
    return top ? top->deadline : TERN_TIME_NEVER;
}

/* Fires the association's due timers; false when one of them freed it. */
static bool fire_timers(tern_ep *ep, tern_assoc *a, tern_time now)
{
    if (a->timer[TERN_T1] <= now && !tern_t1_expired(ep, a, now)) return false;
    if (a->timer[TERN_T5] <= now && !tern_t5_expired(ep, a)) return false;
    if (a->timer[TERN_T2] <= now && !tern_t2_expired(ep, a, now)) return false;
    if (a->timer[TERN_TSACK] <= now && !tern_tsack_expired(ep, a, now)) return false;
    if (a->timer[TERN_TTTL] <= now) tern_data_expire(ep, a, now);
    if (a->timer[TERN_TAUTOCLOSE] <= now && !tern_autoclose_expired(ep, a, now)) return false;
    for (unsigned i = 0; i < a->num_paths; i++) {
        if (a->paths[i].t3_deadline <= now && !tern_t3_expired(ep, a, &a->paths[i], now))
            return false;
        if (a->paths[i].hb_deadline <= now && !tern_hb_timer(ep, a, &a->paths[i], now))
            return false;
    }
    return true;
}

/* An association with no DATA sent or received for this long gives back its
 * outstanding-data ring and received-TSN bitmap when they are empty, and
 * the message blocks its queues kept for reuse (core/pool.h); a
 * quiet association's timers (heartbeats) still fire, so this runs. */
#define QUIET_TRIM TERN_SEC(5)

static void trim_if_quiet(tern_assoc *a, tern_time now)
{
    if (!a->data_up || now - a->last_data_at < QUIET_TRIM) return;
    tern_retransq_trim(&a->rq);
    tern_tsn_map_trim(&a->rmap);
    tern_sendq_trim(&a->sendq); /* blocks kept from a busy spell */
    tern_reasm_trim(&a->reasm);
}

TERN_EXPORT int tern_ep_on_deadline(tern_ep *ep, tern_time now)
{
    if (!ep) return TERN_EINVAL;
    /* Bounded: each association fires at most once per call. */
    size_t budget = ep->heap_len;
    tern_assoc *a;
    while (budget-- && (a = tern_heap_top(ep)) != NULL && a->deadline <= now) {
        if (fire_timers(ep, a, now)) {
            trim_if_quiet(a, now);
            tern_assoc_timers_changed(ep, a);
            tern_assoc_check(a);
        }
    }
    /* An endpoint whose answers never needed more than one slot (HEARTBEAT
     * ACKs of a few associations) gives the 2 KB back when it is empty: a
     * connecting one-to-one socket's endpoint would otherwise keep it for
     * good after its first heartbeat. At most once per timer run. */
    if (ep->ctrl_cap == 1 && ep->ctrl_len == 0) {
        tern_ep_dealloc(ep, ep->ctrl, sizeof *ep->ctrl);
        ep->ctrl = NULL;
        ep->ctrl_cap = ep->ctrl_head = 0;
    }
    return 0;
}

/* ---- the user's association calls ------------------------------------------ */

TERN_EXPORT int tern_ep_connect(tern_ep *ep, const tern_path *path, uint16_t peer_port,
                                tern_time now, tern_assoc_id *id)
{
    if (!path) return TERN_EINVAL;
    return tern_ep_connectx(ep, path, 1, peer_port, now, id);
}

/* §5.1 A with the addresses the user knows (RFC 6458 sctp_connectx): the
 * INIT goes to the first; the others are UNCONFIRMED peer addresses (§5.4)
 * until a heartbeat confirms them. Repeated addresses count once. */
TERN_EXPORT int tern_ep_connectx(tern_ep *ep, const tern_path *paths, size_t n, uint16_t peer_port,
                                 tern_time now, tern_assoc_id *id)
{
    if (!ep || !paths || !id || n == 0 || n > TERN_MAX_PATHS || peer_port == 0 ||
        ep->cfg.closed_port)
        return TERN_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!tern_addr_is_unicast(&paths[i].remote)) return TERN_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (tern_dest_by_peer(ep, &paths[i].remote, peer_port)) return TERN_EEXIST;
    if (ep->stats.assocs_open >= ep->cfg.max_associations) return TERN_ENOMEM;
    tern_assoc *a = tern_assoc_new(ep, &paths[0], peer_port, tern_ep_new_vtag(ep));
    if (!a) return TERN_ENOMEM;
    for (size_t i = 1; i < n; i++) {
        tern_dest *d = tern_assoc_add_path(ep, a, &paths[i].remote, &paths[i]);
        if (d && d != tern_primary(a)) d->path.local = paths[i].local;
    }
    a->state = TERN_STATE_COOKIE_WAIT;
    a->local_initial_tsn = tern_ep_random32(ep);
    a->outbound_streams = a->cfg.outbound_streams;
    a->inbound_streams = a->cfg.max_inbound_streams;
    tern_primary(a)->state = TERN_PATH_ACTIVE; /* the address the user gave (§5.4) */
    tern_send_init(ep, a, now);
    *id = a->id;
    return 0;
}

/* The precomputed parts of the endpoint follow a new config: the rotation
 * schedule restarts. The tables, the heap and the event ring grow on demand
 * within the new bounds (never shrink: what is queued stays). */
TERN_EXPORT int tern_ep_config_update(tern_ep *ep, const tern_ep_config *cfg)
{
    if (!ep || !cfg || !config_valid(cfg) || cfg->port != ep->cfg.port ||
        cfg->random != ep->cfg.random || cfg->random_ctx != ep->cfg.random_ctx ||
        cfg->alloc.alloc != ep->cfg.alloc.alloc || cfg->alloc.free != ep->cfg.alloc.free ||
        cfg->alloc.ctx != ep->cfg.alloc.ctx)
        return TERN_EINVAL;
    if (cfg->cookie_rotation != ep->cfg.cookie_rotation ||
        cfg->valid_cookie_life != ep->cfg.valid_cookie_life)
        ep->next_rotation = cfg->cookie_rotation ? 0 : TERN_TIME_NEVER; /* 0: at first use */
    ep->cfg = *cfg;
    return 0;
}

TERN_EXPORT int tern_ep_shutdown(tern_ep *ep, tern_assoc_id id, tern_time now)
{
    if (!ep) return TERN_EINVAL;
    tern_assoc *a = tern_assoc_by_id(ep, id);
    if (!a) return TERN_ENOENT;
    switch (a->state) {
    case TERN_STATE_COOKIE_WAIT:
    case TERN_STATE_COOKIE_ECHOED: tern_assoc_end(ep, a, 0, 0); return 0;
    case TERN_STATE_ESTABLISHED:
        a->state = TERN_STATE_SHUTDOWN_PENDING; /* §9.2 */
        tern_shutdown_progress(ep, a, now);
        tern_assoc_timers_changed(ep, a);
        return 0;
    default: return TERN_ESTATE;
    }
}

TERN_EXPORT int tern_ep_abort(tern_ep *ep, tern_assoc_id id, const void *reason, size_t reason_len,
                              tern_time now)
{
    (void)now;
    if (!ep || (!reason && reason_len) || reason_len > 1024) return TERN_EINVAL;
    tern_assoc *a = tern_assoc_by_id(ep, id);
    if (!a) return TERN_ENOENT;
    /* §9.1: User-Initiated Abort with the upper layer's reason. In
     * COOKIE-WAIT the peer's tag is unknown: nothing can be sent. */
    if (a->state == TERN_STATE_COOKIE_WAIT)
        tern_assoc_end(ep, a, 0, 0);
    else
        tern_abort_assoc(ep, a, TERN_CAUSE_USER_ABORT, reason, reason_len, 0);
    return 0;
}
