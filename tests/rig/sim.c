#include "tests/rig/sim.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* A packet in flight. It sits in the arrival heap until it arrives and,
 * while a rated link is still serializing it, in that link's queue. */
typedef struct sim_slot {
    tern_time at;     /* arrival */
    tern_time tx_end; /* leaves the link's queue */
    uint64_t seq;     /* ties on `at` go in scheduling order */
    int32_t q_next;   /* next in the link's queue, -1 */
    uint16_t link;
    uint16_t len;
    bool queued;
    uint8_t data[SIM_PKT_MAX];
} sim_slot;

_Static_assert(SIM_PKT_MAX <= UINT16_MAX, "sim_slot.len is 16 bits");

typedef struct sim_link {
    int from, to;
    unsigned fa, ta;
    sim_link_params p;
    bool down; /* switched off by sim_link_set_up */
    unsigned ndown;
    struct {
        tern_time t1, t2;
    } outage[SIM_MAX_DOWN];
    uint64_t rng;
    tern_time busy_until; /* the serializer is free from then on */
    int32_t q_head, q_tail;
    uint32_t q_pkts;
    uint64_t q_bytes;
    size_t in_flight;
    sim_link_stats st;
} sim_link;

typedef struct sim_node {
    tern_ep *ep;
    uint64_t rng; /* tern_ep_config.random */
    tern_addr addr[SIM_MAX_ADDRS];
    unsigned naddrs;
    uint16_t udp_port;
    sim_event log[SIM_EVLOG_LEN];
    size_t nlog;
    uint32_t ev_count[SIM_EV_TYPES];
} sim_node;

struct sim {
    sim_config cfg;
    tern_time now;
    uint64_t seq;
    sim_node node[SIM_MAX_EPS];
    int neps;
    sim_link link[SIM_MAX_LINKS];
    int nlinks;
    /* The pool: one allocation holding the slots, the heap and the free list. */
    void *pool_mem;
    sim_slot *slot;
    uint32_t *heap, *free_list;
    size_t pool_n, heap_len, free_len;
    sim_stats st;
    uint8_t obuf[SIM_PKT_MAX];
};

static void sim_die(const char *what)
{
    fprintf(stderr, "sim rig: %s\n", what);
    abort();
}

/* ---- Randomness ---------------------------------------------------------- */

uint64_t sim_rand_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint64_t sim_rand_stream(uint64_t seed, uint64_t id)
{
    uint64_t a = seed, b = id ^ 0x5851f42d4c957f2dull;
    return sim_rand_next(&a) ^ sim_rand_next(&b);
}

double sim_rand_unit(uint64_t *state)
{
    return (double)(sim_rand_next(state) >> 11) * 0x1.0p-53;
}

/* Uniform in [0, n]. */
static uint64_t rand_upto(uint64_t *state, uint64_t n)
{
    uint64_t r = sim_rand_next(state);
    return n == UINT64_MAX ? r : r % (n + 1);
}

static bool rand_chance(uint64_t *state, double p)
{
    double u = sim_rand_unit(state); /* drawn even for p = 0: fixed draws per packet */
    return u < p;
}

static int ep_random(void *ctx, uint8_t *buf, size_t len)
{
    uint64_t *state = ctx;
    while (len) {
        uint64_t r = sim_rand_next(state);
        size_t n = len < sizeof r ? len : sizeof r;
        memcpy(buf, &r, n);
        buf += n;
        len -= n;
    }
    return 0;
}

/* Stream ids: links and endpoints never share one. */
#define STREAM_LINK 0x1000u
#define STREAM_EP   0x2000u

/* ---- Pool and arrival heap ------------------------------------------------ */

static bool slot_before(const sim *s, uint32_t a, uint32_t b)
{
    const sim_slot *x = &s->slot[a], *y = &s->slot[b];
    return x->at < y->at || (x->at == y->at && x->seq < y->seq);
}

static void heap_push(sim *s, uint32_t idx)
{
    size_t i = s->heap_len++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!slot_before(s, idx, s->heap[parent])) break;
        s->heap[i] = s->heap[parent];
        i = parent;
    }
    s->heap[i] = idx;
}

static uint32_t heap_pop(sim *s)
{
    uint32_t top = s->heap[0], last = s->heap[--s->heap_len];
    size_t i = 0, n = s->heap_len;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && slot_before(s, s->heap[c + 1], s->heap[c])) c++;
        if (!slot_before(s, s->heap[c], last)) break;
        s->heap[i] = s->heap[c];
        i = c;
    }
    if (n) s->heap[i] = last;
    return top;
}

static int32_t slot_alloc(sim *s)
{
    if (!s->free_len) return -1;
    return (int32_t)s->free_list[--s->free_len];
}

/* Packets whose serialization ended by `now` leave the link's queue. */
static void queue_drain(sim *s, sim_link *l, tern_time now)
{
    while (l->q_head >= 0 && s->slot[l->q_head].tx_end <= now) {
        sim_slot *k = &s->slot[l->q_head];
        l->q_head = k->q_next;
        if (l->q_head < 0) l->q_tail = -1;
        l->q_pkts--;
        l->q_bytes -= k->len;
        k->queued = false;
    }
}

static void slot_release(sim *s, uint32_t idx)
{
    sim_slot *k = &s->slot[idx];
    sim_link *l = &s->link[k->link];
    queue_drain(s, l, s->now);
    if (k->queued) sim_die("released a packet still being serialized");
    l->in_flight--;
    s->free_list[s->free_len++] = idx;
}

/* ---- Setup ----------------------------------------------------------------- */

sim *sim_new(const sim_config *cfg)
{
    sim *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    if (cfg) s->cfg = *cfg;
    if (!s->cfg.pool_packets) s->cfg.pool_packets = SIM_DEFAULT_POOL;
    s->pool_n = s->cfg.pool_packets;
    size_t slots = s->pool_n * sizeof(sim_slot), idx = s->pool_n * sizeof(uint32_t);
    s->pool_mem = malloc(slots + 2 * idx);
    if (!s->pool_mem) {
        free(s);
        return NULL;
    }
    s->slot = s->pool_mem;
    s->heap = (uint32_t *)((uint8_t *)s->pool_mem + slots);
    s->free_list = s->heap + s->pool_n;
    for (size_t i = 0; i < s->pool_n; i++) /* lowest index handed out first */
        s->free_list[i] = (uint32_t)(s->pool_n - 1 - i);
    s->free_len = s->pool_n;
    return s;
}

void sim_free(sim *s)
{
    if (!s) return;
    for (int i = 0; i < s->neps; i++)
        tern_ep_free(s->node[i].ep);
    free(s->pool_mem);
    free(s);
}

tern_addr sim_addr(int ep, unsigned k)
{
    tern_addr a;
    memset(&a, 0, sizeof a);
    a.family = TERN_AF_INET;
    a.ip[0] = 10;
    a.ip[1] = (uint8_t)(k + 1);
    a.ip[3] = (uint8_t)(ep + 1);
    return a;
}

static bool addr_eq(const tern_addr *a, const tern_addr *b)
{
    return a->family == b->family && memcmp(a->ip, b->ip, sizeof a->ip) == 0;
}

int sim_add_ep(sim *s, const tern_ep_config *cfg, uint16_t port, const tern_addr *addrs,
               unsigned naddrs)
{
    if (s->neps == SIM_MAX_EPS || naddrs == 0 || naddrs > SIM_MAX_ADDRS) return -1;
    int i = s->neps;
    sim_node *n = &s->node[i];
    memset(n, 0, sizeof *n);
    for (unsigned k = 0; k < naddrs; k++)
        n->addr[k] = addrs ? addrs[k] : sim_addr(i, k);
    n->naddrs = naddrs;
    n->udp_port = SIM_DEFAULT_UDP;
    n->rng = sim_rand_stream(s->cfg.seed, STREAM_EP + (uint64_t)i);
    tern_ep_config c;
    if (cfg)
        c = *cfg;
    else
        tern_ep_config_default(&c);
    c.port = port;
    c.random = ep_random;
    c.random_ctx = &n->rng;
    if (naddrs > 1 && c.num_local_addrs == 0 && naddrs <= TERN_MAX_LOCAL_ADDRS) {
        for (unsigned k = 0; k < naddrs; k++)
            c.local_addrs[k] = n->addr[k];
        c.num_local_addrs = (uint8_t)naddrs;
    }
    if (tern_ep_new(&c, &n->ep) != 0) return -1;
    s->neps++;
    return i;
}

static bool ep_ok(const sim *s, int ep)
{
    return ep >= 0 && ep < s->neps;
}

void sim_ep_set_udp_port(sim *s, int ep, uint16_t port)
{
    if (!ep_ok(s, ep)) sim_die("sim_ep_set_udp_port: no such endpoint");
    s->node[ep].udp_port = port;
}

tern_ep *sim_ep(const sim *s, int ep)
{
    if (!ep_ok(s, ep)) sim_die("sim_ep: no such endpoint");
    return s->node[ep].ep;
}

int sim_num_eps(const sim *s)
{
    return s->neps;
}

tern_path sim_path(const sim *s, int from, unsigned fa, int to, unsigned ta)
{
    if (!ep_ok(s, from) || !ep_ok(s, to) || fa >= s->node[from].naddrs || ta >= s->node[to].naddrs)
        sim_die("sim_path: no such endpoint or address");
    tern_path p;
    memset(&p, 0, sizeof p);
    p.local = s->node[from].addr[fa];
    p.remote = s->node[to].addr[ta];
    p.encaps_port = s->node[to].udp_port;
    return p;
}

/* ---- Links ------------------------------------------------------------------ */

static sim_link *link_of(sim *s, int link)
{
    if (link < 0 || link >= s->nlinks) sim_die("no such link");
    return &s->link[link];
}

static const sim_link *clink_of(const sim *s, int link)
{
    if (link < 0 || link >= s->nlinks) sim_die("no such link");
    return &s->link[link];
}

int sim_link_find(const sim *s, int from, unsigned fa, int to, unsigned ta)
{
    for (int i = 0; i < s->nlinks; i++) {
        const sim_link *l = &s->link[i];
        if (l->from == from && l->fa == fa && l->to == to && l->ta == ta) return i;
    }
    return -1;
}

int sim_link_add(sim *s, int from, unsigned fa, int to, unsigned ta, const sim_link_params *p)
{
    if (!ep_ok(s, from) || !ep_ok(s, to) || from == to || fa >= s->node[from].naddrs ||
        ta >= s->node[to].naddrs || s->nlinks == SIM_MAX_LINKS ||
        sim_link_find(s, from, fa, to, ta) >= 0)
        return -1;
    int i = s->nlinks++;
    sim_link *l = &s->link[i];
    memset(l, 0, sizeof *l);
    l->from = from;
    l->fa = fa;
    l->to = to;
    l->ta = ta;
    if (p) l->p = *p;
    l->rng = sim_rand_stream(s->cfg.seed, STREAM_LINK + (uint64_t)i);
    l->q_head = l->q_tail = -1;
    return i;
}

int sim_link_add_pair(sim *s, int a, unsigned aa, int b, unsigned ba, const sim_link_params *p)
{
    if (s->nlinks + 2 > SIM_MAX_LINKS || sim_link_find(s, b, ba, a, aa) >= 0) return -1;
    int i = sim_link_add(s, a, aa, b, ba, p);
    if (i < 0) return -1;
    if (sim_link_add(s, b, ba, a, aa, p) != i + 1) sim_die("sim_link_add_pair");
    return i;
}

int sim_num_links(const sim *s)
{
    return s->nlinks;
}

void sim_link_set_params(sim *s, int link, const sim_link_params *p)
{
    sim_link *l = link_of(s, link);
    if (p)
        l->p = *p;
    else
        memset(&l->p, 0, sizeof l->p);
}

const sim_link_params *sim_link_params_get(const sim *s, int link)
{
    return &clink_of(s, link)->p;
}

void sim_link_set_up(sim *s, int link, bool up)
{
    link_of(s, link)->down = !up;
}

int sim_link_down_between(sim *s, int link, tern_time t1, tern_time t2)
{
    sim_link *l = link_of(s, link);
    if (l->ndown == SIM_MAX_DOWN) return -1;
    l->outage[l->ndown].t1 = t1;
    l->outage[l->ndown].t2 = t2;
    l->ndown++;
    return 0;
}

bool sim_link_is_down(const sim *s, int link, tern_time t)
{
    const sim_link *l = clink_of(s, link);
    if (l->down) return true;
    for (unsigned i = 0; i < l->ndown; i++)
        if (t >= l->outage[i].t1 && t < l->outage[i].t2) return true;
    return false;
}

const sim_link_stats *sim_link_stats_get(const sim *s, int link)
{
    return &clink_of(s, link)->st;
}

size_t sim_link_in_flight(const sim *s, int link)
{
    return clink_of(s, link)->in_flight;
}

int sim_route(const sim *s, int ep, const tern_path *path)
{
    if (!ep_ok(s, ep)) return -1;
    const sim_node *n = &s->node[ep];
    int fa = -1; /* -1: any of the sender's addresses */
    if (path->local.family != TERN_AF_NONE) {
        for (unsigned k = 0; k < n->naddrs && fa < 0; k++)
            if (addr_eq(&n->addr[k], &path->local)) fa = (int)k;
        if (fa < 0) return -1; /* not one of ours */
    }
    for (int i = 0; i < s->nlinks; i++) {
        const sim_link *l = &s->link[i];
        if (l->from != ep || (fa >= 0 && l->fa != (unsigned)fa)) continue;
        if (addr_eq(&s->node[l->to].addr[l->ta], &path->remote)) return i;
    }
    return -1;
}

/* Schedules one copy of a packet arriving at `at`; the slot is taken from
 * the pool (false and counted if it is full). */
static int32_t schedule(sim *s, int link, const uint8_t *pkt, size_t len, tern_time at)
{
    sim_link *l = &s->link[link];
    int32_t idx = slot_alloc(s);
    if (idx < 0) {
        l->st.pool_dropped++;
        return -1;
    }
    sim_slot *k = &s->slot[idx];
    k->at = at;
    k->tx_end = s->now;
    k->seq = s->seq++;
    k->q_next = -1;
    k->link = (uint16_t)link;
    k->len = (uint16_t)len;
    k->queued = false;
    memcpy(k->data, pkt, len);
    l->in_flight++;
    heap_push(s, (uint32_t)idx);
    size_t used = s->pool_n - s->free_len;
    if (used > s->st.pool_peak) s->st.pool_peak = used;
    return idx;
}

/* Flips one random bit of a copy with probability p.corrupt. */
static void maybe_corrupt(sim_link *l, sim_slot *k)
{
    bool hit = rand_chance(&l->rng, l->p.corrupt);
    uint64_t bit = rand_upto(&l->rng, (uint64_t)k->len * 8 - 1);
    if (!hit) return;
    k->data[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    l->st.corrupted++;
}

/* The link model, in order: outage, loss, tail drop, serialization (rate),
 * delay + jitter (+ reorder hold-back), corruption, duplication. */
static void link_send(sim *s, int link, const uint8_t *pkt, size_t len)
{
    sim_link *l = &s->link[link];
    const sim_link_params *p = &l->p;
    l->st.sent++;
    l->st.bytes_sent += len;
    if (sim_link_is_down(s, link, s->now)) {
        l->st.down_dropped++;
        return;
    }
    if (rand_chance(&l->rng, p->loss)) {
        l->st.lost++;
        return;
    }
    queue_drain(s, l, s->now);
    if ((p->queue_pkts && l->q_pkts + 1 > p->queue_pkts) ||
        (p->queue_bytes && l->q_bytes + len > p->queue_bytes)) {
        l->st.queue_dropped++;
        return;
    }
    tern_time tx_end = s->now;
    if (p->rate) {
        tern_time start = l->busy_until > s->now ? l->busy_until : s->now;
        tern_time tx = ((tern_time)len * 1000000000u + p->rate - 1) / p->rate;
        tx_end = start + (tx ? tx : 1);
    }
    tern_time at = tx_end + p->delay + rand_upto(&l->rng, p->jitter);
    bool hold = rand_chance(&l->rng, p->reorder);
    tern_time hold_max = p->reorder_max            ? p->reorder_max
                         : p->delay > TERN_MSEC(1) ? p->delay
                                                   : TERN_MSEC(1);
    tern_time extra = 1 + rand_upto(&l->rng, hold_max - 1);
    if (hold) {
        at += extra;
        l->st.reordered++;
    }
    int32_t idx = schedule(s, link, pkt, len, at);
    if (idx < 0) return;
    sim_slot *k = &s->slot[idx];
    if (p->rate) { /* occupies the queue until serialized */
        l->busy_until = tx_end;
        k->tx_end = tx_end;
        k->queued = true;
        if (l->q_tail >= 0)
            s->slot[l->q_tail].q_next = idx;
        else
            l->q_head = idx;
        l->q_tail = idx;
        l->q_pkts++;
        l->q_bytes += len;
    }
    maybe_corrupt(l, k);
    if (!rand_chance(&l->rng, p->dup)) return;
    /* The copy is made past the bottleneck: it takes no queue space and
     * arrives up to one jitter (at least 1 ns) after the original. */
    l->st.duplicated++;
    tern_time dat = at + 1 + rand_upto(&l->rng, p->jitter);
    int32_t d = schedule(s, link, pkt, len, dat);
    if (d >= 0) maybe_corrupt(l, &s->slot[d]);
}

int sim_inject(sim *s, int link, const uint8_t *pkt, size_t len)
{
    if (link < 0 || link >= s->nlinks || !pkt || len == 0 || len > SIM_PKT_MAX) return -1;
    link_send(s, link, pkt, len);
    return 0;
}

/* ---- Running ------------------------------------------------------------------ */

const char *sim_result_str(enum sim_result r)
{
    switch (r) {
    case SIM_IDLE: return "idle";
    case SIM_LIMIT: return "time limit";
    case SIM_DONE: return "done";
    case SIM_GUARD: return "event guard tripped";
    }
    return "?";
}

tern_time sim_now(const sim *s)
{
    return s->now;
}

static tern_time min_deadline(const sim *s)
{
    tern_time t = TERN_TIME_NEVER;
    for (int i = 0; i < s->neps; i++) {
        tern_time d = tern_ep_next_deadline(s->node[i].ep);
        if (d < t) t = d;
    }
    return t;
}

tern_time sim_next_event_time(const sim *s)
{
    tern_time t = min_deadline(s);
    if (s->heap_len && s->slot[s->heap[0]].at < t) t = s->slot[s->heap[0]].at;
    return t;
}

static void drain_events(sim *s, int i)
{
    sim_node *n = &s->node[i];
    tern_event ev;
    /* Bounded: the endpoint's queue holds at most event_queue_len events. */
    for (int guard = 0; guard < (1 << 21) && tern_ep_poll_event(n->ep, &ev) == 1; guard++) {
        if ((unsigned)ev.type < SIM_EV_TYPES) n->ev_count[ev.type]++;
        if (n->nlog < SIM_EVLOG_LEN) n->log[n->nlog++] = (sim_event){s->now, ev};
        if (s->cfg.on_event) s->cfg.on_event(s->cfg.hook_ctx, s, i, &ev);
    }
}

static void collect_ep(sim *s, int i)
{
    tern_ep *ep = s->node[i].ep;
    for (int guard = 0;; guard++) {
        if (guard == SIM_OUTPUT_GUARD) {
            s->st.output_guard++;
            return;
        }
        tern_path path;
        memset(&path, 0, sizeof path);
        long n = tern_ep_output(ep, &path, s->obuf, sizeof s->obuf, s->now);
        if (n < 0) sim_die("tern_ep_output failed");
        if (n == 0) return;
        if ((size_t)n > SIM_PKT_MAX) sim_die("tern_ep_output overran the buffer");
        size_t len = (size_t)n;
        int link = sim_route(s, i, &path);
        if (s->cfg.on_send) {
            bool keep = s->cfg.on_send(s->cfg.hook_ctx, s, i, link, &path, s->obuf, &len);
            if (len > SIM_PKT_MAX) sim_die("the send hook made a packet too long");
            if (!keep || len == 0) {
                if (link >= 0) s->link[link].st.hook_dropped++;
                continue;
            }
        }
        if (link < 0) {
            s->st.unroutable++;
            continue;
        }
        link_send(s, link, s->obuf, len);
    }
}

void sim_collect(sim *s)
{
    for (int i = 0; i < s->neps; i++)
        collect_ep(s, i);
    for (int i = 0; i < s->neps; i++)
        drain_events(s, i);
}

static void deliver(sim *s, uint32_t idx)
{
    sim_slot *k = &s->slot[idx];
    sim_link *l = &s->link[k->link];
    s->st.arrivals++;
    if (sim_link_is_down(s, k->link, s->now)) { /* cut while in flight */
        l->st.down_dropped++;
    } else {
        tern_path view;
        memset(&view, 0, sizeof view);
        view.local = s->node[l->to].addr[l->ta];
        view.remote = s->node[l->from].addr[l->fa];
        view.encaps_port = s->node[l->from].udp_port;
        l->st.delivered++;
        l->st.bytes_delivered += k->len;
        if (s->cfg.on_deliver)
            s->cfg.on_deliver(s->cfg.hook_ctx, s, k->link, &view, k->data, k->len);
        tern_ep_input(s->node[l->to].ep, &view, k->data, k->len, s->now);
    }
    slot_release(s, idx);
}

bool sim_step(sim *s, tern_time t_limit)
{
    sim_collect(s);
    tern_time td = min_deadline(s);
    tern_time ta = s->heap_len ? s->slot[s->heap[0]].at : TERN_TIME_NEVER;
    tern_time t = ta <= td ? ta : td;
    if (t == TERN_TIME_NEVER || t > t_limit) return false;
    if (t > s->now) s->now = t;
    s->st.events++;
    if (ta <= td) { /* arrivals before timers due at the same instant */
        deliver(s, heap_pop(s));
    } else {
        s->st.deadline_runs++;
        for (int i = 0; i < s->neps; i++) {
            tern_ep *ep = s->node[i].ep;
            if (tern_ep_next_deadline(ep) > s->now) continue;
            tern_ep_on_deadline(ep, s->now);
            if (tern_ep_next_deadline(ep) <= s->now) s->st.stale_deadlines++;
        }
    }
    sim_collect(s);
    return true;
}

enum sim_result sim_run_cond(sim *s, tern_time t_limit, uint64_t max_events, sim_cond done,
                             void *ctx)
{
    for (uint64_t n = 0;; n++) {
        if (done && done(s, ctx)) return SIM_DONE;
        sim_collect(s);
        tern_time t = sim_next_event_time(s);
        if (t == TERN_TIME_NEVER || t > t_limit) break;
        if (n == max_events) {
            s->st.guard_trips++;
            return SIM_GUARD;
        }
        sim_step(s, t_limit);
    }
    bool idle = sim_next_event_time(s) == TERN_TIME_NEVER;
    if (t_limit != TERN_TIME_NEVER && t_limit > s->now) s->now = t_limit;
    return idle ? SIM_IDLE : SIM_LIMIT;
}

enum sim_result sim_run_until(sim *s, tern_time t_limit, uint64_t max_events)
{
    return sim_run_cond(s, t_limit, max_events, NULL, NULL);
}

const sim_stats *sim_stats_get(const sim *s)
{
    return &s->st;
}

uint64_t sim_seed(const sim *s)
{
    return s->cfg.seed;
}

/* ---- Events ------------------------------------------------------------------- */

size_t sim_events(const sim *s, int ep, const sim_event **out)
{
    if (!ep_ok(s, ep)) sim_die("sim_events: no such endpoint");
    *out = s->node[ep].log;
    return s->node[ep].nlog;
}

uint32_t sim_event_count(const sim *s, int ep, enum tern_event_type type)
{
    if (!ep_ok(s, ep)) sim_die("sim_event_count: no such endpoint");
    return (unsigned)type < SIM_EV_TYPES ? s->node[ep].ev_count[type] : 0;
}

const sim_event *sim_event_find(const sim *s, int ep, enum tern_event_type type)
{
    if (!ep_ok(s, ep)) sim_die("sim_event_find: no such endpoint");
    const sim_node *n = &s->node[ep];
    for (size_t i = 0; i < n->nlog; i++)
        if (n->log[i].ev.type == type) return &n->log[i];
    return NULL;
}

const char *sim_event_name(enum tern_event_type type)
{
    switch (type) {
    case TERN_EV_COMM_UP: return "COMM_UP";
    case TERN_EV_COMM_LOST: return "COMM_LOST";
    case TERN_EV_RESTART: return "RESTART";
    case TERN_EV_SHUTDOWN_RECEIVED: return "SHUTDOWN_RECEIVED";
    case TERN_EV_SHUTDOWN_COMPLETE: return "SHUTDOWN_COMPLETE";
    case TERN_EV_CANT_START: return "CANT_START";
    case TERN_EV_REMOTE_ERROR: return "REMOTE_ERROR";
    case TERN_EV_SEND_FAILED: return "SEND_FAILED";
    case TERN_EV_SENDER_DRY: return "SENDER_DRY";
    case TERN_EV_SEND_BUFFER_LOW: return "SEND_BUFFER_LOW";
    case TERN_EV_PEER_ADDR_CHANGE: return "PEER_ADDR_CHANGE";
    case TERN_EV_PARTIAL_DELIVERY_ABORTED: return "PARTIAL_DELIVERY_ABORTED";
    case TERN_EV_ADAPTATION_INDICATION: return "ADAPTATION_INDICATION";
    }
    return "?";
}

/* ---- Failure reports ---------------------------------------------------------- */

void sim_report(const sim *s, const char *fmt, ...)
{
    char reason[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    fprintf(stderr, "sim: seed=%llu now=%llu.%09llus: %s\n", (unsigned long long)s->cfg.seed,
            (unsigned long long)(s->now / 1000000000u), (unsigned long long)(s->now % 1000000000u),
            reason);
    for (int i = 0; i < s->nlinks; i++) {
        const sim_link *l = &s->link[i];
        const sim_link_stats *t = &l->st;
        fprintf(stderr,
                "  link %d: ep%d.%u->ep%d.%u%s sent=%llu delivered=%llu lost=%llu dup=%llu "
                "corrupt=%llu reorder=%llu qdrop=%llu down=%llu pool=%llu in_flight=%zu\n",
                i, l->from, l->fa, l->to, l->ta, l->down ? " (down)" : "",
                (unsigned long long)t->sent, (unsigned long long)t->delivered,
                (unsigned long long)t->lost, (unsigned long long)t->duplicated,
                (unsigned long long)t->corrupted, (unsigned long long)t->reordered,
                (unsigned long long)t->queue_dropped, (unsigned long long)t->down_dropped,
                (unsigned long long)t->pool_dropped, l->in_flight);
    }
    for (int i = 0; i < s->neps; i++) {
        const sim_node *n = &s->node[i];
        tern_ep_stats es;
        tern_ep_stats_get(n->ep, &es);
        tern_time d = tern_ep_next_deadline(n->ep);
        fprintf(stderr, "  ep%d: assocs_open=%u deadline=", i, es.assocs_open);
        if (d == TERN_TIME_NEVER)
            fprintf(stderr, "never");
        else
            fprintf(stderr, "%llu.%09llus", (unsigned long long)(d / 1000000000u),
                    (unsigned long long)(d % 1000000000u));
        fprintf(stderr, " events:");
        for (size_t k = 0; k < n->nlog; k++)
            fprintf(stderr, " %s@%llu.%03llus", sim_event_name(n->log[k].ev.type),
                    (unsigned long long)(n->log[k].at / 1000000000u),
                    (unsigned long long)(n->log[k].at / 1000000u % 1000u));
        fprintf(stderr, "\n");
    }
    fprintf(stderr,
            "  sim: events=%llu unroutable=%llu stale_deadlines=%llu output_guard=%llu "
            "guard_trips=%llu\n",
            (unsigned long long)s->st.events, (unsigned long long)s->st.unroutable,
            (unsigned long long)s->st.stale_deadlines, (unsigned long long)s->st.output_guard,
            (unsigned long long)s->st.guard_trips);
}
