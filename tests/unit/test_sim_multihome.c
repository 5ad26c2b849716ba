/* Multi-homing in the simulator (RFC 9260 §6.4, §8.2, §8.3, RFC 7829): two
 * endpoints with two addresses each, joined by two networks (links A: the
 * first addresses, B: the second). A transfer of numbered messages runs
 * while networks fail and come back; every message must arrive exactly once
 * and in order, and the failover must happen within the bound the settings
 * imply:
 *
 * - with PF (pf_max_retrans 0): the first T3-rtx expiry on the primary makes
 *   it potentially failed, and the retransmissions and new data move to the
 *   other path at once: delivery stops for about one RTO (RTO.Min here, the
 *   path's RTT being far below it) plus a round trip;
 * - without PF (pf_max_retrans = path_max_retrans): new data stays on the
 *   primary until Path.Max.Retrans + 1 expiries have made it inactive, each
 *   with a doubled RTO: (2^(PMR+1) - 1) RTOs after the failure.
 *
 * Probes of a failed primary go every RTO (backed off, at most RTO.Max), so
 * the primary is back in use (failback) within about RTO.Max of its
 * return, unless primary_switchover keeps data on the new path. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/rig/sim.h"
#include "wire/chunk.h"
#include "wire/endian.h"
#include "wire/packet.h"

#define MSG_LEN   1000u
#define DELAY     TERN_MSEC(10) /* one way: RTT 20 ms */
#define RTO_MIN   TERN_MSEC(200)
#define RTO_MAX   TERN_SEC(2)
#define PMR       3
#define FAIL_AT   TERN_SEC(3)
#define BACK_AT   TERN_SEC(8)
#define RUN_UNTIL TERN_SEC(20)
#define SLACK     TERN_MSEC(100)

typedef struct mh {
    tern_assoc_id id0;
    bool up;
    uint32_t sent, read, total;
    tern_time last_read_at, max_gap; /* the longest time without a delivery */
    tern_time max_gap_end;           /* ... and when it ended */
    uint64_t data_pkts[8];           /* packets with DATA, per link */
    uint64_t data_pkts_after_back[8];
    uint64_t pkts_to[2], data_to[2]; /* what ep0 sent to ep1's addresses 0 and 1 */
    int unconfirmed_addr;            /* ep1's address that must never get DATA (or -1) */
    uint32_t probes;                 /* HEARTBEATs from ep0 to ep1's addresses 2 and 3 */
    uint8_t probed;                  /* bit k: address k got one */
    tern_time last_probe_at, min_probe_gap;
    uint32_t hb_to[4]; /* HEARTBEATs from ep0 to each of ep1's addresses */
    uint8_t msg[MSG_LEN], rbuf[MSG_LEN];
} mh;

static bool has_chunk(const uint8_t *pkt, size_t len, uint8_t type)
{
    tern_common_header h;
    tern_chunk_iter it;
    tern_chunk_raw raw;
    if (tern_packet_parse(pkt, len, &h, &it) < 0) return false;
    while (tern_chunk_next(&it, &raw) > 0)
        if (raw.type == type) return true;
    return false;
}

/* A heartbeat from ep0 to ep1's address 2 or 3 (no network reaches them). */
static void count_probe(mh *m, sim *s, const tern_path *path)
{
    for (unsigned k = 0; k < 4; k++) {
        tern_addr x = sim_addr(1, k);
        if (memcmp(&path->remote, &x, sizeof x) != 0) continue;
        m->hb_to[k]++;
        if (getenv("TERN_SIM_MH_TRACE"))
            printf("    %.3f s: HEARTBEAT to %u\n", (double)sim_now(s) / 1e9, k);
        if (k < 2) continue;
        tern_time gap = sim_now(s) - m->last_probe_at;
        if (m->probes && (m->probes == 1 || gap < m->min_probe_gap)) m->min_probe_gap = gap;
        m->probes++;
        m->probed |= (uint8_t)(1u << k);
        m->last_probe_at = sim_now(s);
    }
}

static unsigned data_chunks(const uint8_t *pkt, size_t len)
{
    tern_common_header h;
    tern_chunk_iter it;
    tern_chunk_raw raw;
    unsigned n = 0;
    if (tern_packet_parse(pkt, len, &h, &it) < 0) return 0;
    while (tern_chunk_next(&it, &raw) > 0)
        n += raw.type == TERN_CHUNK_DATA;
    return n;
}

static bool on_send(void *ctx, sim *s, int ep, int link, tern_path *path, uint8_t *pkt, size_t *len)
{
    mh *m = ctx;
    if (ep == 0 && has_chunk(pkt, *len, TERN_CHUNK_HEARTBEAT)) count_probe(m, s, path);
    for (unsigned k = 0; ep == 0 && k < 2; k++) {
        tern_addr x = sim_addr(1, k);
        if (memcmp(&path->remote, &x, sizeof x) != 0) continue;
        m->pkts_to[k]++;
        m->data_to[k] += data_chunks(pkt, *len);
    }
    if (link < 0 || !has_chunk(pkt, *len, TERN_CHUNK_DATA)) return true;
    m->data_pkts[link]++;
    if (sim_now(s) >= BACK_AT) m->data_pkts_after_back[link]++;
    if (ep == 0 && m->unconfirmed_addr >= 0) {
        tern_addr never = sim_addr(1, (unsigned)m->unconfirmed_addr);
        SIM_CHECK_MSG(s, memcmp(&path->remote, &never, sizeof never) != 0,
                      "DATA to an UNCONFIRMED address (§5.4)");
    }
    return true;
}

static void on_event(void *ctx, sim *s, int ep, const tern_event *ev)
{
    mh *m = ctx;
    (void)s;
    if (getenv("TERN_SIM_MH_TRACE") && ev->type == TERN_EV_PEER_ADDR_CHANGE)
        printf("    %.3f s ep%d: address %u.%u is now %d\n", (double)sim_now(s) / 1e9, ep,
               ev->addr.ip[2], ev->addr.ip[3], (int)ev->addr_state);
    if (ep == 0 && ev->type == TERN_EV_COMM_UP) {
        m->up = true;
        m->id0 = ev->assoc;
    }
}

static void fill_msg(uint8_t *b, uint32_t seq)
{
    for (unsigned i = 0; i < MSG_LEN; i++)
        b[i] = (uint8_t)(seq * 31u + i);
    tern_store32(b, seq);
}

/* After every simulator step: read everything (in order, each once), then
 * keep the sender's queue full until all messages are queued. */
static bool pump(sim *s, void *ctx)
{
    mh *m = ctx;
    tern_rcvinfo info;
    long n;
    while ((n = tern_ep_recv(sim_ep(s, 1), &info, m->rbuf, sizeof m->rbuf, sim_now(s))) > 0) {
        uint8_t want[MSG_LEN];
        fill_msg(want, m->read);
        SIM_CHECK_MSG(s, n == MSG_LEN && memcmp(m->rbuf, want, MSG_LEN) == 0,
                      "message %u: wrong, duplicated or out of order (got %u)", m->read,
                      tern_load32(m->rbuf));
        m->read++;
        tern_time gap = sim_now(s) - m->last_read_at;
        if (m->last_read_at && gap > m->max_gap) {
            m->max_gap = gap;
            m->max_gap_end = sim_now(s);
        }
        m->last_read_at = sim_now(s);
    }
    SIM_CHECK(s, n == 0);
    if (!m->up) return false;
    tern_sndinfo si = {.stream = 0, .ppid = 1};
    while (m->sent < m->total) {
        fill_msg(m->msg, m->sent);
        if (tern_ep_send(sim_ep(s, 0), m->id0, &si, m->msg, MSG_LEN, sim_now(s)) != 0) break;
        m->sent++;
    }
    return m->read == m->total;
}

static bool is_up(sim *s, void *ctx)
{
    (void)s;
    return ((mh *)ctx)->up;
}

typedef struct scenario {
    uint8_t pf_max_retrans;
    bool switchover;
    bool down_a_forward, down_a_back; /* network A fails at FAIL_AT: which directions */
    bool down_b;                      /* network B too (both fail) */
    bool back;                        /* A comes back at BACK_AT */
    unsigned ep1_addrs;               /* 3: the third has no network */
    uint32_t total;                   /* messages; 0: run until RUN_UNTIL */
    tern_time hb_interval;            /* 0: 1 s */
} scenario;

static sim *start(mh *m, const scenario *sc, uint64_t seed)
{
    memset(m, 0, sizeof *m);
    m->total = sc->total ? sc->total : UINT32_MAX;
    m->unconfirmed_addr = sc->ep1_addrs > 2 ? 2 : -1;
    sim *s = sim_new(&(sim_config){.seed = seed,
                                   .pool_packets = 4096,
                                   .on_send = on_send,
                                   .on_event = on_event,
                                   .hook_ctx = m});
    assert_non_null(s);
    tern_ep_config c;
    tern_ep_config_default(&c);
    c.rto_min = RTO_MIN;
    c.rto_initial = RTO_MIN;
    c.rto_max = RTO_MAX;
    c.path_max_retrans = PMR;
    c.assoc_max_retrans = 2 * PMR + 2;
    c.pf_max_retrans = sc->pf_max_retrans;
    c.primary_switchover = sc->switchover;
    c.hb_interval = sc->hb_interval ? sc->hb_interval : TERN_SEC(1);
    c.nodelay = true;
    c.sndbuf = 64u * 1024u;
    SIM_CHECK(s, sim_add_ep(s, &c, 5000, NULL, 2) == 0);
    SIM_CHECK(s, sim_add_ep(s, &c, 5001, NULL, sc->ep1_addrs) == 1);
    sim_link_params p = {.delay = DELAY, .rate = 10u * 1000u * 1000u, .queue_pkts = 1000};
    SIM_CHECK(s, sim_link_add_pair(s, 0, 0, 1, 0, &p) == 0); /* A: links 0 (0->1), 1 (1->0) */
    SIM_CHECK(s, sim_link_add_pair(s, 0, 1, 1, 1, &p) == 2); /* B: links 2, 3 */
    tern_time back = sc->back ? BACK_AT : TERN_TIME_NEVER - 1;
    if (sc->down_a_forward) SIM_CHECK(s, sim_link_down_between(s, 0, FAIL_AT, back) == 0);
    if (sc->down_a_back) SIM_CHECK(s, sim_link_down_between(s, 1, FAIL_AT, back) == 0);
    if (sc->down_b) {
        SIM_CHECK(s, sim_link_down_between(s, 2, FAIL_AT, back) == 0);
        SIM_CHECK(s, sim_link_down_between(s, 3, FAIL_AT, back) == 0);
    }
    tern_path path = sim_path(s, 0, 0, 1, 0);
    tern_assoc_id id;
    SIM_CHECK(s, tern_ep_connect(sim_ep(s, 0), &path, 5001, 0, &id) == 0);
    SIM_CHECK(s, sim_run_cond(s, TERN_SEC(5), 100000, is_up, m) == SIM_DONE);
    return s;
}

static tern_assoc_info info0(sim *s, const mh *m)
{
    tern_assoc_info i;
    SIM_CHECK(s, tern_ep_assoc_info(sim_ep(s, 0), m->id0, &i) == 0);
    return i;
}

static int path_of(const tern_assoc_info *i, tern_addr remote)
{
    for (unsigned k = 0; k < i->num_paths; k++)
        if (memcmp(&i->paths[k].path.remote, &remote, sizeof remote) == 0) return (int)k;
    return -1;
}

/* Runs the transfer to RUN_UNTIL (or until every message is read). */
static void transfer(sim *s, mh *m)
{
    enum sim_result r = sim_run_cond(s, RUN_UNTIL, 20000000, pump, m);
    SIM_CHECK_MSG(s, r == SIM_DONE || r == SIM_LIMIT, "run: %s", sim_result_str(r));
}

/* The whole transfer of sc->total messages: every one read. */
static sim *run_all(mh *m, const scenario *sc, uint64_t seed)
{
    sim *s = start(m, sc, seed);
    transfer(s, m);
    SIM_CHECK_MSG(s, m->read == m->total, "read %u of %u", m->read, m->total);
    return s;
}

/* How many PEER_ADDR_CHANGE events ep0 had for ep1's address k in state st. */
static unsigned addr_events(const sim *s, unsigned k, enum tern_addr_state st)
{
    const sim_event *ev;
    size_t n = sim_events(s, 0, &ev);
    tern_addr x = sim_addr(1, k);
    unsigned c = 0;
    for (size_t i = 0; i < n; i++)
        c += ev[i].ev.type == TERN_EV_PEER_ADDR_CHANGE && ev[i].ev.addr_state == st &&
             memcmp(&ev[i].ev.addr, &x, sizeof x) == 0;
    return c;
}

/* The primary fails both ways during a transfer and comes back: with PF,
 * data moves after one RTO; it returns to the primary once a probe is
 * answered (failback), or stays (primary_switchover). */
static void failover(bool pf, bool switchover)
{
    mh *m = calloc(1, sizeof *m);
    assert_non_null(m);
    scenario sc = {.pf_max_retrans = pf ? 0 : PMR,
                   .switchover = switchover,
                   .down_a_forward = true,
                   .down_a_back = true,
                   .back = true,
                   .ep1_addrs = 2};
    sim *s = start(m, &sc, 7 + pf + 2 * switchover);
    /* Both of ep1's addresses are confirmed before the failure (§5.4). */
    SIM_CHECK(s, sim_run_cond(s, FAIL_AT - TERN_MSEC(500), 20000000, pump, m) == SIM_LIMIT);
    tern_assoc_info i = info0(s, m);
    SIM_CHECK(s, i.num_paths == 2 && i.paths[0].state == TERN_PATH_ACTIVE &&
                     i.paths[1].state == TERN_PATH_ACTIVE);
    SIM_CHECK(s, m->data_pkts[2] == 0); /* all data on the primary so far */
    m->max_gap = 0;
    transfer(s, m);
    i = info0(s, m);
    /* Every message so far arrived once, in order (pump checks each). */
    SIM_CHECK(s, m->read > 1000 && m->read + 200 >= m->sent);
    tern_time bound =
        pf ? RTO_MIN + 2 * DELAY + SLACK : ((tern_time)1 << PMR) * RTO_MIN + 2 * DELAY + SLACK;
    printf("  %s%s: longest delivery gap %.0f ms, until %.3f s (bound %.0f ms), %u messages, "
           "DATA packets on A %llu, on B %llu (after A's return: A %llu, B %llu)\n",
           pf ? "PF" : "no PF", switchover ? ", primary switchover" : "", (double)m->max_gap / 1e6,
           (double)m->max_gap_end / 1e9, (double)bound / 1e6, m->read,
           (unsigned long long)m->data_pkts[0], (unsigned long long)m->data_pkts[2],
           (unsigned long long)m->data_pkts_after_back[0],
           (unsigned long long)m->data_pkts_after_back[2]);
    SIM_CHECK_MSG(s, m->max_gap <= bound, "gap %.0f ms > %.0f ms", (double)m->max_gap / 1e6,
                  (double)bound / 1e6);
    SIM_CHECK(s, m->data_pkts[2] > 0); /* the failover happened */
    int a = path_of(&i, sim_addr(1, 0)), b = path_of(&i, sim_addr(1, 1));
    SIM_CHECK(s, a >= 0 && b >= 0);
    SIM_CHECK(s, i.paths[a].state == TERN_PATH_ACTIVE); /* A answered a probe */
    /* RFC 7829 §7.1: A was reported potentially failed (with PF), then
     * unreachable (§8.2), then available again. */
    SIM_CHECK(s, addr_events(s, 0, TERN_ADDR_POTENTIALLY_FAILED) == (pf ? 1u : 0u));
    SIM_CHECK(s, addr_events(s, 0, TERN_ADDR_UNREACHABLE) == 1);
    SIM_CHECK(s, addr_events(s, 0, TERN_ADDR_AVAILABLE) == 1);
    if (switchover) {
        SIM_CHECK(s, i.primary == (unsigned)b);
        SIM_CHECK(s, sim_event_count(s, 0, TERN_EV_PEER_ADDR_CHANGE) >= 3);
        /* Data stayed on B: after A's return, only the chunks already
         * marked for it before could go there. */
        SIM_CHECK(s, m->data_pkts_after_back[0] == 0);
        SIM_CHECK(s, m->data_pkts_after_back[2] > 1000);
    } else {
        SIM_CHECK(s, i.primary == (unsigned)a);
        /* Failback: the primary carries data again, within RTO.Max of its
         * return (its probes back off up to RTO.Max). */
        SIM_CHECK(s, m->data_pkts_after_back[0] > 1000);
        SIM_CHECK(s, m->data_pkts_after_back[0] > 2 * m->data_pkts_after_back[2]);
    }
    sim_free(s);
    free(m);
}

static void failover_with_pf_fails_back(void **state)
{
    (void)state;
    failover(true, false);
}

static void failover_with_pf_switchover_stays(void **state)
{
    (void)state;
    failover(true, true);
}

static void failover_without_pf_after_path_max_retrans(void **state)
{
    (void)state;
    failover(false, false);
}

/* Only the primary's forward direction fails (SACKs still come back on
 * it): the sender's T3 moves data to B just the same. */
static void asymmetric_failure(void **state)
{
    (void)state;
    mh *m = calloc(1, sizeof *m);
    assert_non_null(m);
    scenario sc = {.down_a_forward = true, .ep1_addrs = 2, .total = 20000};
    sim *s = run_all(m, &sc, 11);
    SIM_CHECK(s, m->max_gap <= RTO_MIN + 2 * DELAY + SLACK);
    SIM_CHECK(s, m->data_pkts[2] > 0);
    tern_assoc_info i = info0(s, m);
    SIM_CHECK(s, i.paths[path_of(&i, sim_addr(1, 0))].state != TERN_PATH_ACTIVE);
    SIM_CHECK(s, sim_event_count(s, 0, TERN_EV_COMM_LOST) == 0);
    sim_free(s);
    free(m);
}

/* Both networks fail for good: the association ends (COMM_LOST) after
 * Association.Max.Retrans strikes, each at most RTO.Max apart. */
static void both_paths_fail_comm_lost(void **state)
{
    (void)state;
    mh *m = calloc(1, sizeof *m);
    assert_non_null(m);
    scenario sc = {.down_a_forward = true, .down_a_back = true, .down_b = true, .ep1_addrs = 2};
    sim *s = start(m, &sc, 13);
    tern_time bound = FAIL_AT + (2 * PMR + 3) * (RTO_MAX + SLACK);
    enum sim_result r = sim_run_cond(s, bound + TERN_SEC(1), 20000000, pump, m);
    SIM_CHECK_MSG(s, r == SIM_IDLE || r == SIM_LIMIT, "run: %s", sim_result_str(r));
    const sim_event *lost = sim_event_find(s, 0, TERN_EV_COMM_LOST);
    SIM_CHECK_MSG(s, lost != NULL, "no COMM_LOST");
    SIM_CHECK_MSG(s, lost->at <= bound, "COMM_LOST at %.1f s", (double)lost->at / 1e9);
    printf("  both paths down at %.1f s: COMM_LOST at %.1f s\n", (double)FAIL_AT / 1e9,
           (double)lost->at / 1e9);
    sim_free(s);
    free(m);
}

/* ep1 lists a third address no network reaches: it stays UNCONFIRMED and
 * never gets DATA (on_send checks every packet), even when the primary
 * fails and data must move (§5.4). */
static void unconfirmed_address_never_carries_data(void **state)
{
    (void)state;
    mh *m = calloc(1, sizeof *m);
    assert_non_null(m);
    scenario sc = {.down_a_forward = true, .down_a_back = true, .ep1_addrs = 3, .total = 20000};
    sim *s = run_all(m, &sc, 17);
    tern_assoc_info i = info0(s, m);
    SIM_CHECK(s, i.num_paths == 3);
    SIM_CHECK(s, i.paths[path_of(&i, sim_addr(1, 2))].state == TERN_PATH_UNCONFIRMED);
    SIM_CHECK(s, i.paths[path_of(&i, sim_addr(1, 1))].state == TERN_PATH_ACTIVE);
    SIM_CHECK(s, sim_stats_get(s)->unroutable > 0); /* its probes went nowhere */
    SIM_CHECK(s, sim_event_count(s, 0, TERN_EV_COMM_LOST) == 0);
    sim_free(s);
    free(m);
}

/* An idle association whose peer lists two addresses no network reaches
 * (HB.interval 60 s, so nothing else is heard for 30 s): both are probed,
 * never two probes within RTO.Min (HB.Max.Burst, §5.4), they stay
 * UNCONFIRMED, and their unanswered probes, far more than
 * Association.Max.Retrans, do not end the association. */
static void probes_spaced_and_free(void **state)
{
    (void)state;
    mh *m = calloc(1, sizeof *m);
    assert_non_null(m);
    scenario sc = {.ep1_addrs = 4, .total = 1, .hb_interval = TERN_SEC(60)};
    sim *s = run_all(m, &sc, 19);
    SIM_CHECK(s, sim_run_until(s, TERN_SEC(30), 1000000) == SIM_LIMIT);
    tern_assoc_info i = info0(s, m);
    printf("  %u probes to unreachable addresses in 30 s, at least %.0f ms apart\n", m->probes,
           (double)m->min_probe_gap / 1e6);
    SIM_CHECK(s, m->probed == 0xc);
    SIM_CHECK(s, m->probes > (unsigned)(2 * PMR + 2) + 1);
    SIM_CHECK_MSG(s, m->min_probe_gap >= RTO_MIN, "probes %.0f ms apart",
                  (double)m->min_probe_gap / 1e6);
    for (unsigned k = 2; k < 4; k++)
        SIM_CHECK(s, i.paths[path_of(&i, sim_addr(1, k))].state == TERN_PATH_UNCONFIRMED);
    SIM_CHECK(s, i.error_count == 0);
    SIM_CHECK(s, sim_event_count(s, 0, TERN_EV_COMM_LOST) == 0);
    sim_free(s);
    free(m);
}

static tern_path_params path_params(sim *s, const mh *m, unsigned k)
{
    tern_path_params pp;
    tern_addr x = sim_addr(1, k);
    SIM_CHECK(s, tern_ep_path_params_get(sim_ep(s, 0), m->id0, &x, &pp) == 0);
    return pp;
}

/* RFC 6458 §8.1.12, RFC 7829 §7.2: HB.interval and Path.Max.Retrans of one
 * path. B gets heartbeats every 500 ms (A keeps 60 s) and Path.Max.Retrans
 * 1 (A keeps 3): when B's network fails it is unreachable after two
 * strikes, where three would take about twice as long; turned off, B gets
 * no heartbeat at all. A value set for the association is every path's. */
static void per_path_settings(void **state)
{
    (void)state;
    mh *m = calloc(1, sizeof *m);
    assert_non_null(m);
    scenario sc = {.down_b = true, .ep1_addrs = 2, .total = 1, .hb_interval = TERN_SEC(60)};
    sim *s = run_all(m, &sc, 23);
    tern_ep *ep = sim_ep(s, 0);
    tern_addr a = sim_addr(1, 0), b = sim_addr(1, 1), nowhere = sim_addr(1, 3);
    tern_path_params pp = {.hb_interval = TERN_MSEC(500), .path_max_retrans = 1};
    /* Bad calls change nothing. */
    tern_path_params bad = pp;
    bad.path_max_retrans = 0;
    SIM_CHECK(s, tern_ep_path_params_set(ep, m->id0, &b, &bad, sim_now(s)) == TERN_EINVAL);
    bad = pp;
    bad.hb_interval = TERN_SEC(86401);
    SIM_CHECK(s, tern_ep_path_params_set(ep, m->id0, &b, &bad, sim_now(s)) == TERN_EINVAL);
    SIM_CHECK(s, tern_ep_path_params_set(ep, m->id0, &nowhere, &pp, sim_now(s)) == TERN_EINVAL);
    SIM_CHECK(s, tern_ep_path_params_set(ep, m->id0 + 99, &b, &pp, sim_now(s)) == TERN_ENOENT);
    SIM_CHECK(s, tern_ep_path_params_set(ep, m->id0, &b, NULL, sim_now(s)) == TERN_EINVAL);
    SIM_CHECK(s, tern_ep_path_params_get(ep, m->id0, &b, NULL) == TERN_EINVAL);
    SIM_CHECK(s, path_params(s, m, 1).path_max_retrans == PMR);
    SIM_CHECK(s, path_params(s, m, 1).hb_interval == TERN_SEC(60));

    SIM_CHECK(s, tern_ep_path_params_set(ep, m->id0, &b, &pp, sim_now(s)) == 0);
    SIM_CHECK(s, sim_run_until(s, FAIL_AT, 1000000) == SIM_LIMIT);
    printf("  before B fails: %u heartbeats to A, %u to B\n", m->hb_to[0], m->hb_to[1]);
    /* A: at most a probe, after a spurious T3 expiry (the single message's
     * SACK is delayed as long as RTO.Min here). */
    SIM_CHECK(s, m->hb_to[0] <= 1);
    SIM_CHECK(s, m->hb_to[1] >= 3);

    SIM_CHECK(s, sim_run_until(s, FAIL_AT + TERN_SEC(4), 1000000) == SIM_LIMIT);
    const sim_event *ev;
    size_t n = sim_events(s, 0, &ev);
    tern_time unreachable_at = 0;
    for (size_t i = 0; i < n; i++)
        if (ev[i].ev.type == TERN_EV_PEER_ADDR_CHANGE &&
            ev[i].ev.addr_state == TERN_ADDR_UNREACHABLE &&
            memcmp(&ev[i].ev.addr, &b, sizeof b) == 0 && !unreachable_at)
            unreachable_at = ev[i].at;
    printf("  B fails at %.1f s: unreachable at %.2f s\n", (double)FAIL_AT / 1e9,
           (double)unreachable_at / 1e9);
    /* The last heartbeat before the failure, then 2 strikes: 500 ms + 1.5
     * RTO + RTO + 2 RTO; Path.Max.Retrans 3 would add 4 + 8 RTOs. */
    SIM_CHECK(s, unreachable_at > FAIL_AT);
    SIM_CHECK(s, unreachable_at <= FAIL_AT + TERN_MSEC(500) + 5 * RTO_MIN + SLACK);
    SIM_CHECK(s, addr_events(s, 0, TERN_ADDR_UNREACHABLE) == 0);
    SIM_CHECK(s, sim_event_count(s, 0, TERN_EV_COMM_LOST) == 0);

    /* Off: an inactive address is no longer probed. */
    pp.hb_interval = 0;
    SIM_CHECK(s, tern_ep_path_params_set(ep, m->id0, &b, &pp, sim_now(s)) == 0);
    uint32_t before = m->hb_to[1];
    SIM_CHECK(s, sim_run_until(s, sim_now(s) + TERN_SEC(10), 1000000) == SIM_LIMIT);
    SIM_CHECK(s, m->hb_to[1] == before);

    /* The association's Path.Max.Retrans is every path's; its unchanged
     * HB.interval leaves B's alone. */
    tern_assoc_params ap;
    SIM_CHECK(s, tern_ep_assoc_params_get(ep, m->id0, &ap) == 0);
    ap.path_max_retrans = 5;
    SIM_CHECK(s, tern_ep_assoc_params_set(ep, m->id0, &ap, sim_now(s)) == 0);
    SIM_CHECK(s, path_params(s, m, 0).path_max_retrans == 5);
    SIM_CHECK(s, path_params(s, m, 1).path_max_retrans == 5);
    SIM_CHECK(s, path_params(s, m, 1).hb_interval == 0);
    SIM_CHECK(s, path_params(s, m, 0).hb_interval == TERN_SEC(60));
    (void)a;
    sim_free(s);
    free(m);
}

/* The per-path counters (tern_path_info.counters) match what went over
 * each path: the primary fails one way during a transfer, so both paths
 * carry DATA, and the T3 retransmissions go to the other one (§6.4.1). */
static void per_path_counters(void **state)
{
    (void)state;
    mh *m = calloc(1, sizeof *m);
    assert_non_null(m);
    scenario sc = {.down_a_forward = true, .ep1_addrs = 2, .total = 20000};
    sim *s = run_all(m, &sc, 23);
    tern_assoc_info i = info0(s, m);
    uint64_t in = 0, rtx = 0;
    for (unsigned k = 0; k < 2; k++) {
        const tern_path_counters *c = &i.paths[path_of(&i, sim_addr(1, k))].counters;
        printf("  path %u: %llu packets out, %llu in, %llu DATA chunks out, %llu retransmitted\n",
               k, (unsigned long long)c->packets_out, (unsigned long long)c->packets_in,
               (unsigned long long)c->data_out, (unsigned long long)c->data_rtx);
        SIM_CHECK(s, c->packets_out == m->pkts_to[k]);
        SIM_CHECK(s, c->data_out == m->data_to[k]);
        SIM_CHECK(s, c->packets_in > 0 && c->data_out > 0);
        SIM_CHECK(s, c->data_rtx < c->data_out);
        in += c->packets_in;
        rtx += c->data_rtx;
    }
    /* Every packet came from one of the two addresses. */
    SIM_CHECK(s, in == i.stats.packets_in);
    SIM_CHECK(s, rtx == i.stats.retransmits && rtx > 0);
    /* What was lost on A was retransmitted on B. */
    SIM_CHECK(s, i.paths[path_of(&i, sim_addr(1, 1))].counters.data_rtx > 0);
    SIM_CHECK(s, i.paths[0].counters.data_out + i.paths[1].counters.data_out ==
                     i.stats.data_chunks_out);
    sim_free(s);
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(failover_with_pf_fails_back),
        cmocka_unit_test(failover_with_pf_switchover_stays),
        cmocka_unit_test(failover_without_pf_after_path_max_retrans),
        cmocka_unit_test(asymmetric_failure),
        cmocka_unit_test(both_paths_fail_comm_lost),
        cmocka_unit_test(unconfirmed_address_never_carries_data),
        cmocka_unit_test(probes_spaced_and_free),
        cmocka_unit_test(per_path_settings),
        cmocka_unit_test(per_path_counters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
