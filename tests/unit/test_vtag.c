/* Verification tags and out-of-the-blue packets over the pair rig, one test
 * per rule, named after the RFC 9260 section it exercises: §8.5 (the tag
 * must be ours), §8.5.1 A–E (INIT, ABORT, SHUTDOWN COMPLETE, COOKIE ECHO,
 * SHUTDOWN ACK), §8.4 items 1, 2, 5–8 (packets that match no association)
 * and the cfg.blackhole setting, and the checks made before any of them
 * (§3: framing, §6.8: CRC32c, the destination port).
 *
 * Endpoints use seeded generators, so every run picks the same tags, and
 * no heartbeats: an established association then has no timer and a
 * deadline tells exactly which timer runs. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "tests/rig/pair.h"
#include "wire/cause.h"
#include "wire/chunk.h"
#include "wire/endian.h"
#include "wire/packet.h"

#define OOTB_TAG 0xCAFEF00Du

/* Two seeded endpoints without heartbeats; endpoint 1 may be a blackhole.
 * rng must outlive the pair. */
static void start(pair *p, pair_rng rng[2], bool blackhole1)
{
    tern_ep_config c[2];
    for (int i = 0; i < 2; i++) {
        pair_cfg_seeded(&c[i], &rng[i], 0x7461670000000001ull + (uint64_t)i);
        c[i].hb_interval = 0;
    }
    c[1].blackhole = blackhole1;
    pair_init(p, &c[0], &c[1]);
}

/* ---- Looking at endpoints ------------------------------------------------- */

static void expect_no_events(pair *p, int side)
{
    tern_event ev;
    assert_int_equal(tern_ep_poll_event(p->ep[side], &ev), 0);
}

static void assert_path_equal(const tern_path *a, const tern_path *b)
{
    assert_int_equal(a->local.family, b->local.family);
    assert_memory_equal(a->local.ip, b->local.ip, 16);
    assert_int_equal(a->remote.family, b->remote.family);
    assert_memory_equal(a->remote.ip, b->remote.ip, 16);
    assert_int_equal(a->encaps_port, b->encaps_port);
}

/* pair_establish with nothing else to send or poll; the tests below tell
 * "ours" from "the peer's", so the two tags must differ. */
static void establish(pair *p, tern_assoc_id ids[2])
{
    pair_establish_idle(p, ids);
    tern_assoc_info i = pair_assoc(p, 0, ids[0]);
    assert_int_not_equal(i.local_vtag, i.peer_vtag);
}

/* ---- Crafting the peer's packets -------------------------------------------- */

/* Chunks being put together for one packet. Used in place (w points into buf). */
typedef struct chunks {
    uint8_t buf[1400];
    tern_wbuf w;
} chunks;

static void chunks_init(chunks *c)
{
    tern_wbuf_init(&c->w, c->buf, sizeof c->buf);
}

static void put_heartbeat(chunks *c)
{
    assert_int_equal(tern_heartbeat_put(&c->w, TERN_CHUNK_HEARTBEAT, "peer-hb", 7), 0);
}

static void put_abort(chunks *c, uint8_t flags)
{
    assert_int_equal(tern_causes_put(&c->w, TERN_CHUNK_ABORT, flags, (tern_bytes){NULL, 0}), 0);
}

static void put_empty(chunks *c, uint8_t type, uint8_t flags)
{
    assert_int_equal(tern_empty_chunk_put(&c->w, type, flags), 0);
}

/* A chunk of a type Tern does not know, with a 5-byte value. */
static void put_unknown(chunks *c, uint8_t type)
{
    size_t off = tern_wbuf_chunk_begin(&c->w, type, 0);
    tern_wbuf_put(&c->w, "abcde", 5);
    tern_wbuf_chunk_end(&c->w, off);
    assert_int_equal(c->w.err, 0);
}

/* An ERROR chunk with the given causes (Stale Cookie, Invalid Stream
 * Identifier, or a cause without a body). */
static void put_error(chunks *c, const uint16_t *codes, size_t n)
{
    uint8_t causes[64];
    tern_wbuf cw;
    tern_wbuf_init(&cw, causes, sizeof causes);
    for (size_t i = 0; i < n; i++) {
        if (codes[i] == TERN_CAUSE_STALE_COOKIE)
            tern_cause_put_stale_cookie(&cw, 1000);
        else if (codes[i] == TERN_CAUSE_INVALID_STREAM)
            tern_cause_put_invalid_stream(&cw, 3);
        else
            tern_cause_put_bytes(&cw, codes[i], NULL, 0);
    }
    assert_int_equal(cw.err, 0);
    assert_int_equal(tern_causes_put(&c->w, TERN_CHUNK_ERROR, 0, (tern_bytes){causes, cw.len}), 0);
}

static void put_init(chunks *c, uint32_t initiate_tag)
{
    tern_init init = {initiate_tag, 65536, 4, 4, 77, {NULL, 0}};
    assert_int_equal(tern_init_put(&c->w, TERN_CHUNK_INIT, &init), 0);
}

/* The chunks to endpoint `to` from the other endpoint's port, over `path`
 * (another source or destination address): the endpoint takes the packet
 * (tern_ep_input returns 0), whatever it then does with it. */
static void send_from(pair *p, int to, const tern_path *path, uint32_t vtag, const chunks *c)
{
    assert_int_equal(pair_inject_chunks_on(p, to, path, vtag, c->buf, c->w.len), 0);
}

/* ---- "Nothing changed" ------------------------------------------------------ */

typedef struct snapshot {
    tern_assoc_info info;
    tern_ep_stats ep;
    tern_time deadline;
} snapshot;

static snapshot snap(pair *p, int side, tern_assoc_id id)
{
    snapshot s;
    s.info = pair_assoc(p, side, id);
    s.ep = pair_stats(p, side);
    s.deadline = tern_ep_next_deadline(p->ep[side]);
    return s;
}

/* Since `before`, endpoint `side` dropped exactly one more packet for
 * `why` (also on the association when on_assoc) and nothing else about it
 * or the association changed: same state, tags, counters, paths and
 * timers; nothing sent, no event. */
static void assert_only_dropped(pair *p, int side, tern_assoc_id id, const snapshot *before,
                                enum tern_drop_reason why, bool on_assoc)
{
    snapshot now = snap(p, side, id);
    const tern_assoc_info *a = &before->info, *b = &now.info;
    assert_int_equal(b->state, a->state);
    assert_int_equal(b->local_vtag, a->local_vtag);
    assert_int_equal(b->peer_vtag, a->peer_vtag);
    assert_int_equal(b->peer_rwnd, a->peer_rwnd);
    assert_int_equal(b->error_count, a->error_count);
    assert_int_equal(b->num_paths, a->num_paths);
    assert_int_equal(b->primary, a->primary);
    for (unsigned i = 0; i < a->num_paths; i++) {
        assert_int_equal(b->paths[i].state, a->paths[i].state);
        assert_int_equal(b->paths[i].rto, a->paths[i].rto);
        assert_int_equal(b->paths[i].error_count, a->paths[i].error_count);
    }
    for (int d = 0; d < TERN_DROP_MAX; d++) {
        uint32_t extra = (on_assoc && d == (int)why) ? 1 : 0;
        assert_int_equal(b->stats.drops[d], a->stats.drops[d] + extra);
        assert_int_equal(now.ep.drops[d], before->ep.drops[d] + (d == (int)why ? 1 : 0));
    }
    assert_int_equal(b->stats.packets_out, a->stats.packets_out);
    assert_int_equal(b->stats.ctrl_chunks_out, a->stats.ctrl_chunks_out);
    assert_int_equal(b->stats.hb_received, a->stats.hb_received);
    assert_int_equal(now.ep.assocs_open, before->ep.assocs_open);
    assert_int_equal(now.ep.packets_in, before->ep.packets_in + 1);
    if (why == TERN_DROP_PORT || why == TERN_DROP_CHECKSUM || why == TERN_DROP_MALFORMED)
        for (int t = 0; t < 256; t++) /* not taken in: none of its chunks is counted */
            assert_int_equal(now.ep.chunks_in[t], before->ep.chunks_in[t]);
    assert_int_equal(now.deadline, before->deadline);
    size_t had = p->nflight;
    assert_int_equal(pair_collect_from(p, side), 0);
    assert_int_equal(p->nflight, had);
    expect_no_events(p, side);
}

/* ---- §8.5: the tag must be ours ----------------------------------------------- */

/* §8.5: packets whose tag is not ours (a wrong one, or the peer's own) are
 * silently discarded and counted (TERN_DROP_VTAG, on the endpoint and the
 * association), whatever they carry: no HEARTBEAT ACK, no state change, no
 * ERROR for an unrecognized chunk. */
static void sec8_5_wrong_tag_dropped_and_counted(void **state)
{
    (void)state;
    pair_rng rng[2];
    pair p;
    start(&p, rng, false);
    tern_assoc_id ids[2];
    establish(&p, ids);
    tern_assoc_info i = pair_assoc(&p, 0, ids[0]);
    const uint32_t wrong[] = {i.local_vtag ^ 1u, i.peer_vtag, 0x12345678u};
    for (size_t t = 0; t < sizeof wrong / sizeof wrong[0]; t++)
        for (int kind = 0; kind < 5; kind++) {
            chunks c;
            chunks_init(&c);
            switch (kind) {
            case 0: put_heartbeat(&c); break;
            case 1: assert_int_equal(tern_shutdown_put(&c.w, 0), 0); break;
            case 2: put_error(&c, (const uint16_t[]){TERN_CAUSE_INVALID_STREAM}, 1); break;
            case 3:
                put_unknown(&c, 0xFF); /* unrecognized, "skip and report" */
                put_heartbeat(&c);
                break;
            case 4: put_empty(&c, TERN_CHUNK_SHUTDOWN_ACK, 0); break;
            }
            snapshot before = snap(&p, 0, ids[0]);
            pair_inject_wbuf(&p, 0, wrong[t], &c.w);
            assert_only_dropped(&p, 0, ids[0], &before, TERN_DROP_VTAG, true);
        }
    /* The same chunks with our tag are processed: a control that the
     * packets above were dropped for their tag alone. */
    chunks c;
    chunks_init(&c);
    put_heartbeat(&c);
    pair_inject_wbuf(&p, 0, i.local_vtag, &c.w);
    assert_int_equal(pair_collect_from(&p, 0), 1);
    pair_expect_one(&p, 0, TERN_CHUNK_HEARTBEAT_ACK);
    pair_free(&p);
}

/* §8.5, §9.2: in SHUTDOWN-SENT a packet from the peer restarts T2; one
 * with a wrong tag is not the peer's and must not. */
static void sec8_5_wrong_tag_does_not_restart_t2(void **state)
{
    (void)state;
    pair_rng rng[2];
    pair p;
    start(&p, rng, false);
    tern_assoc_id ids[2];
    establish(&p, ids);
    assert_int_equal(tern_ep_shutdown(p.ep[0], ids[0], p.now), 0);
    pair_collect_from(&p, 0);
    pair_drop_all(&p, 0); /* the SHUTDOWN */
    tern_assoc_info i = pair_assoc(&p, 0, ids[0]);
    assert_int_equal(i.state, TERN_STATE_SHUTDOWN_SENT);
    tern_time t2 = tern_ep_next_deadline(p.ep[0]);
    assert_int_equal(t2, p.now + i.paths[0].rto);
    p.now += TERN_MSEC(400);
    /* A DATA packet (the peer still sending, §9.2) is what restarts T2. */
    chunks c;
    chunks_init(&c);
    tern_data_put(&c.w, &(tern_data){TERN_DATA_FLAG_B | TERN_DATA_FLAG_E,
                                     i.cum_tsn_ack + 1,
                                     0,
                                     0,
                                     51,
                                     {(const uint8_t *)"late", 4}});
    snapshot before = snap(&p, 0, ids[0]);
    pair_inject_wbuf(&p, 0, i.local_vtag ^ 0x100u, &c.w);
    assert_only_dropped(&p, 0, ids[0], &before, TERN_DROP_VTAG, true);
    assert_int_equal(tern_ep_next_deadline(p.ep[0]), t2);
    pair_inject_wbuf(&p, 0, i.local_vtag, &c.w); /* control: the peer's packet does */
    assert_int_equal(tern_ep_next_deadline(p.ep[0]), p.now + i.paths[0].rto);
    pair_free(&p);
}

/* ---- §8.5.1 A: INIT ------------------------------------------------------------ */

/* §8.5.1 A: an INIT must come in a packet with tag 0. One with a non-zero
 * tag (here: our own, as if from the peer) is discarded even when an
 * association with its sender exists: no INIT ACK, nothing changes. */
static void sec8_5_1_a_init_with_nonzero_tag_dropped(void **state)
{
    (void)state;
    pair_rng rng[2];
    pair p;
    start(&p, rng, false);
    tern_assoc_id ids[2];
    establish(&p, ids);
    tern_assoc_info i = pair_assoc(&p, 0, ids[0]);
    const uint32_t tags[] = {i.local_vtag, i.peer_vtag, 1};
    for (size_t t = 0; t < 3; t++) {
        chunks c;
        chunks_init(&c);
        put_init(&c, 0x600D1D);
        snapshot before = snap(&p, 0, ids[0]);
        pair_inject_wbuf(&p, 0, tags[t], &c.w);
        assert_only_dropped(&p, 0, ids[0], &before, TERN_DROP_VTAG, true);
    }
    pair_free(&p);
}

/* §8.5.1 A, §6.10: a packet with tag 0 holds only an INIT. An INIT with
 * another chunk after it, or after another chunk, is discarded. */
static void sec8_5_1_a_init_bundled_dropped(void **state)
{
    (void)state;
    pair_rng rng[2];
    pair p;
    start(&p, rng, false);
    tern_assoc_id ids[2];
    establish(&p, ids);
    for (int order = 0; order < 3; order++) {
        chunks c;
        chunks_init(&c);
        if (order == 0) {
            put_init(&c, 0x600D1D);
            put_heartbeat(&c);
        } else if (order == 1) {
            put_heartbeat(&c);
            put_init(&c, 0x600D1D);
        } else {
            put_init(&c, 0x600D1D);
            put_init(&c, 0x600D1E);
        }
        snapshot before = snap(&p, 0, ids[0]);
        pair_inject_wbuf(&p, 0, 0, &c.w);
        assert_only_dropped(&p, 0, ids[0], &before, TERN_DROP_VTAG, true);
    }
    pair_free(&p);
}

/* §8.5.1 A: a packet with tag 0 and no INIT is silently discarded, also
 * out of the blue (it is not answered with an ABORT under §8.4 item 8). */
static void sec8_5_1_a_tag_zero_without_init_discarded(void **state)
{
    (void)state;
    pair_rng rng[2];
    pair p;
    start(&p, rng, false);
    for (int kind = 0; kind < 3; kind++) {
        chunks c;
        chunks_init(&c);
        if (kind == 0) put_heartbeat(&c);
        if (kind == 1) assert_int_equal(tern_shutdown_put(&c.w, 0), 0);
        if (kind == 2) put_empty(&c, TERN_CHUNK_SHUTDOWN_ACK, 0);
        pair_inject_wbuf(&p, 1, 0, &c.w);
        assert_int_equal(pair_stats(&p, 1).drops[TERN_DROP_VTAG], (uint64_t)kind + 1);
        assert_int_equal(pair_collect_from(&p, 1), 0);
    }
    assert_int_equal(pair_stats(&p, 1).assocs_open, 0);
    pair_free(&p);
}

/* ---- §8.5.1 B: ABORT ------------------------------------------------------------ */

enum which_tag { OUR_TAG, PEER_TAG };

/* Endpoint 1 sends endpoint 0 an ABORT in a packet carrying `tag`, T bit
 * as given. §8.5.1 B: accepted with our tag and T clear, or the peer's tag
 * and T set; otherwise silently discarded. */
static void abort_case(enum which_tag tag, bool t_bit, bool accepted)
{
    pair_rng rng[2];
    pair p;
    start(&p, rng, false);
    tern_assoc_id ids[2];
    establish(&p, ids);
    tern_assoc_info i = pair_assoc(&p, 0, ids[0]);
    chunks c;
    chunks_init(&c);
    put_abort(&c, t_bit ? TERN_CHUNK_FLAG_T : 0);
    snapshot before = snap(&p, 0, ids[0]);
    pair_inject_wbuf(&p, 0, tag == OUR_TAG ? i.local_vtag : i.peer_vtag, &c.w);
    if (accepted) {
        tern_event ev;
        assert_int_equal(tern_ep_poll_event(p.ep[0], &ev), 1);
        assert_int_equal(ev.type, TERN_EV_COMM_LOST);
        assert_int_equal(ev.assoc, ids[0]);
        assert_int_equal(pair_stats(&p, 0).assocs_open, 0);
        assert_int_equal(pair_stats(&p, 0).drops[TERN_DROP_VTAG], 0);
        assert_int_equal(pair_collect_from(&p, 0), 0); /* §9.1: never answered */
    } else {
        assert_only_dropped(&p, 0, ids[0], &before, TERN_DROP_VTAG, true);
    }
    pair_free(&p);
}

static void sec8_5_1_b_abort_our_tag_without_t_accepted(void **state)
{
    (void)state;
    abort_case(OUR_TAG, false, true);
}

static void sec8_5_1_b_abort_peer_tag_with_t_accepted(void **state)
{
    (void)state;
    abort_case(PEER_TAG, true, true);
}

static void sec8_5_1_b_abort_our_tag_with_t_rejected(void **state)
{
    (void)state;
    abort_case(OUR_TAG, true, false);
}

static void sec8_5_1_b_abort_peer_tag_without_t_rejected(void **state)
{
    (void)state;
    abort_case(PEER_TAG, false, false);
}

/* §8.5, §8.5.1 B: the tag rules apply to the packet as a whole. Our tag
 * with a HEARTBEAT and then an ABORT with the T bit fails the ABORT's rule,
 * so the packet is discarded: the HEARTBEAT before it is not answered. */
static void sec8_5_1_b_abort_with_bad_tag_discards_whole_packet(void **state)
{
    (void)state;
    pair_rng rng[2];
    pair p;
    start(&p, rng, false);
    tern_assoc_id ids[2];
    establish(&p, ids);
    tern_assoc_info i = pair_assoc(&p, 0, ids[0]);
    chunks c;
    chunks_init(&c);
    put_heartbeat(&c);
    put_abort(&c, TERN_CHUNK_FLAG_T);
    snapshot before = snap(&p, 0, ids[0]);
    pair_inject_wbuf(&p, 0, i.local_vtag, &c.w);
    assert_only_dropped(&p, 0, ids[0], &before, TERN_DROP_VTAG, true);
    pair_free(&p);
}

/* ---- §8.5.1 C: SHUTDOWN COMPLETE -------------------------------------------------- */

/* Endpoint 0 in SHUTDOWN-ACK-SENT gets a SHUTDOWN COMPLETE with `tag` and
 * the T bit as given. §8.5.1 C: the same rule as ABORT. */
static void shutdown_complete_case(enum which_tag tag, bool t_bit, bool accepted)
{
    pair_rng rng[2];
    pair p;
    start(&p, rng, false);
    tern_assoc_id ids[2];
    establish(&p, ids);
    assert_int_equal(tern_ep_shutdown(p.ep[1], ids[1], p.now), 0);
    pair_collect_from(&p, 1);
    pair_expect_one(&p, 1, TERN_CHUNK_SHUTDOWN);
    pair_deliver(&p, 0);
    pair_collect_from(&p, 0);
    pair_expect_one(&p, 0, TERN_CHUNK_SHUTDOWN_ACK);
    pair_drop_all(&p, 0);
    tern_event ev;
    assert_int_equal(tern_ep_poll_event(p.ep[0], &ev), 1);
    assert_int_equal(ev.type, TERN_EV_SHUTDOWN_RECEIVED);
    tern_assoc_info i = pair_assoc(&p, 0, ids[0]);
    assert_int_equal(i.state, TERN_STATE_SHUTDOWN_ACK_SENT);
    chunks c;
    chunks_init(&c);
    put_empty(&c, TERN_CHUNK_SHUTDOWN_COMPLETE, t_bit ? TERN_CHUNK_FLAG_T : 0);
    snapshot before = snap(&p, 0, ids[0]);
    pair_inject_wbuf(&p, 0, tag == OUR_TAG ? i.local_vtag : i.peer_vtag, &c.w);
    if (accepted) {
        assert_int_equal(tern_ep_poll_event(p.ep[0], &ev), 1);
        assert_int_equal(ev.type, TERN_EV_SHUTDOWN_COMPLETE);
        assert_int_equal(pair_stats(&p, 0).assocs_open, 0);
        assert_int_equal(tern_ep_next_deadline(p.ep[0]), TERN_TIME_NEVER);
        assert_int_equal(pair_collect_from(&p, 0), 0);
    } else {
        assert_only_dropped(&p, 0, ids[0], &before, TERN_DROP_VTAG, true);
    }
    pair_free(&p);
}

static void sec8_5_1_c_shutdown_complete_our_tag_without_t_accepted(void **state)
{
    (void)state;
    shutdown_complete_case(OUR_TAG, false, true);
}

static void sec8_5_1_c_shutdown_complete_peer_tag_with_t_accepted(void **state)
{
    (void)state;
    shutdown_complete_case(PEER_TAG, true, true);
}

static void sec8_5_1_c_shutdown_complete_our_tag_with_t_rejected(void **state)
{
    (void)state;
    shutdown_complete_case(OUR_TAG, true, false);
}

static void sec8_5_1_c_shutdown_complete_peer_tag_without_t_rejected(void **state)
{
    (void)state;
    shutdown_complete_case(PEER_TAG, false, false);
}

/* ---- §8.5.1 D: COOKIE ECHO ---------------------------------------------------------- */

/* §8.5.1 D: the COOKIE ECHO is sent with the INIT ACK's Initiate Tag, and
 * its receiver takes it only with that tag: with any other (0 included)
 * it is discarded, no TCB made, no COOKIE ACK. The real one still works. */
static void sec8_5_1_d_cookie_echo_tag_is_init_ack_tag(void **state)
{
    (void)state;
    pair_rng rng[2];
    pair p;
    start(&p, rng, false);
    tern_assoc_id id = pair_connect(&p, 0);
    pair_collect(&p);
    pair_deliver(&p, 0); /* INIT */
    pair_collect(&p);
    tern_init ack;
    tern_chunk_raw raw = pair_expect_one(&p, 1, TERN_CHUNK_INIT_ACK);
    assert_int_equal(tern_init_decode(&raw, &ack), 0);
    pair_deliver(&p, 0); /* INIT ACK */
    pair_collect(&p);
    assert_int_equal(p.nflight, 1);
    assert_int_equal(pair_first_chunk(&p, 0), TERN_CHUNK_COOKIE_ECHO);
    pair_pkt good = p.flight[0];
    assert_int_equal(pkt_vtag(good.data, good.len), ack.initiate_tag); /* the sending rule */
    const uint32_t wrong[] = {ack.initiate_tag ^ 0x80000000u, 0, pair_assoc(&p, 0, id).local_vtag};
    for (size_t t = 0; t < 3; t++) {
        pair_pkt bad = good;
        tern_store32(bad.data + 4, wrong[t]);
        tern_packet_set_checksum(bad.data, bad.len);
        pair_inject(&p, 1, bad.data, bad.len);
        assert_int_equal(pair_stats(&p, 1).drops[TERN_DROP_VTAG], t + 1);
        assert_int_equal(pair_stats(&p, 1).assocs_open, 0);
        assert_int_equal(pair_collect_from(&p, 1), 0);
        expect_no_events(&p, 1);
    }
    pair_run(&p, TERN_SEC(1) - 1, 10); /* the real one, before T1 fires */
    tern_event ev;
    assert_int_equal(pair_event(&p, 0, TERN_EV_COMM_UP, &ev), 1);
    assert_int_equal(pair_event(&p, 1, TERN_EV_COMM_UP, &ev), 1);
    pair_free(&p);
}

/* ---- §8.5.1 E: SHUTDOWN ACK before the association is up ------------------------------ */

/* §8.5.1 E, §8.4 item 5: in COOKIE-WAIT and COOKIE-ECHOED a SHUTDOWN ACK
 * is out of the blue: counted as such (on the endpoint and the
 * association), answered with a SHUTDOWN COMPLETE that reflects the
 * packet's tag with the T bit set, to where it came from; the association
 * is untouched. A blackhole endpoint counts it and answers nothing. */
static void sec8_5_1_e_shutdown_ack_before_established_is_ootb(void **state)
{
    (void)state;
    for (int blackhole = 0; blackhole < 2; blackhole++)
        for (int echoed = 0; echoed < 2; echoed++) {
            pair_rng rng;
            pair p;
            tern_ep_config c0;
            pair_cfg_seeded(&c0, &rng, 99);
            c0.blackhole = blackhole;
            pair_init(&p, &c0, NULL);
            tern_assoc_id id = pair_half_open(&p, echoed);
            snapshot before = snap(&p, 0, id);
            chunks c;
            chunks_init(&c);
            put_empty(&c, TERN_CHUNK_SHUTDOWN_ACK, 0);
            const uint32_t tag = 0x0BADC0DEu;
            pair_inject_wbuf(&p, 0, tag, &c.w);
            tern_assoc_info after = pair_assoc(&p, 0, id);
            assert_int_equal(after.state, before.info.state);
            assert_int_equal(after.stats.drops[TERN_DROP_OOTB], 1);
            assert_int_equal(pair_stats(&p, 0).drops[TERN_DROP_OOTB], 1);
            assert_int_equal(pair_stats(&p, 0).drops[TERN_DROP_VTAG], 0);
            assert_int_equal(tern_ep_next_deadline(p.ep[0]), before.deadline);
            expect_no_events(&p, 0);
            pair_collect_from(&p, 0);
            if (blackhole) {
                assert_int_equal(p.nflight, 0);
            } else {
                assert_int_equal(p.nflight, 1);
                tern_chunk_raw r = pair_expect_one(&p, 0, TERN_CHUNK_SHUTDOWN_COMPLETE);
                assert_int_equal(r.flags & TERN_CHUNK_FLAG_T, TERN_CHUNK_FLAG_T);
                assert_int_equal(pkt_vtag(p.flight[0].data, p.flight[0].len), tag);
                assert_int_equal(tern_load16(p.flight[0].data), 5000);
                assert_int_equal(tern_load16(p.flight[0].data + 2), 5001);
                assert_path_equal(&p.flight[0].path, &p.path[0]);
            }
            pair_free(&p);
        }
}

/* ---- §8.4: out of the blue ------------------------------------------------------------ */

/* Sends chunks to endpoint 1, which has no association, from endpoint 0's
 * address with tag OOTB_TAG. Returns how many packets endpoint 1 answered
 * with (left in flight). */
static size_t ootb(pair *p, const chunks *c)
{
    pair_drop_all(p, 0);
    uint64_t before = pair_stats(p, 1).drops[TERN_DROP_OOTB];
    pair_inject_wbuf(p, 1, OOTB_TAG, &c->w);
    assert_int_equal(pair_stats(p, 1).drops[TERN_DROP_OOTB], before + 1);
    assert_int_equal(pair_stats(p, 1).assocs_open, 0);
    expect_no_events(p, 1);
    return pair_collect_from(p, 1);
}

/* The answer in flight[0]: one chunk of `type` with the T bit, in a packet
 * reflecting OOTB_TAG, from our port to the sender's, on the path the
 * packet came in on. */
static void assert_reflected(const pair *p, uint8_t type)
{
    const pair_pkt *k = &p->flight[0];
    tern_chunk_raw r = pair_expect_one(p, 1, type);
    assert_int_equal(r.flags & TERN_CHUNK_FLAG_T, TERN_CHUNK_FLAG_T);
    assert_int_equal(pkt_vtag(k->data, k->len), OOTB_TAG);
    assert_int_equal(tern_load16(k->data), 5001);
    assert_int_equal(tern_load16(k->data + 2), 5000);
    assert_path_equal(&k->path, &p->path[1]);
}

/* §8.4 item 1: out-of-the-blue packets to or from a non-unicast address
 * are silently discarded (a reply would go to many hosts), whatever they
 * carry: an INIT is not answered either (item 1 comes before item 3). */
static void sec8_4_item1_non_unicast_discarded(void **state)
{
    (void)state;
    pair_rng rng[2];
    pair p;
    start(&p, rng, false);
    static const struct {
        bool remote; /* which end is the non-unicast one */
        uint8_t family;
        uint8_t ip[16];
    } addrs[] = {
        {true, TERN_AF_INET, {224, 0, 0, 5}},  {true, TERN_AF_INET, {255, 255, 255, 255}},
        {true, TERN_AF_INET, {0, 0, 0, 0}},    {true, TERN_AF_INET6, {0xff, 0x02, [15] = 1}},
        {false, TERN_AF_INET, {239, 1, 2, 3}}, {false, TERN_AF_INET6, {0xff, 0x05, [15] = 2}},
    };
    uint64_t n = 0;
    for (size_t a = 0; a < sizeof addrs / sizeof addrs[0]; a++)
        for (int kind = 0; kind < 3; kind++) {
            tern_path path = p.path[1];
            tern_addr *x = addrs[a].remote ? &path.remote : &path.local;
            x->family = addrs[a].family;
            memcpy(x->ip, addrs[a].ip, 16);
            chunks c;
            chunks_init(&c);
            uint32_t tag = OOTB_TAG;
            if (kind == 0) put_heartbeat(&c);                         /* would be item 8 */
            if (kind == 1) put_empty(&c, TERN_CHUNK_SHUTDOWN_ACK, 0); /* item 5 */
            if (kind == 2) {                                          /* item 3 */
                put_init(&c, 0x600D1D);
                tag = 0;
            }
            send_from(&p, 1, &path, tag, &c);
            n++;
            assert_int_equal(pair_stats(&p, 1).drops[TERN_DROP_OOTB], n);
            assert_int_equal(pair_collect_from(&p, 1), 0);
        }
    /* Control: the same INIT from a unicast address is answered. */
    chunks c;
    chunks_init(&c);
    put_init(&c, 0x600D1D);
    pair_inject_wbuf(&p, 1, 0, &c.w);
    assert_int_equal(pair_collect_from(&p, 1), 1);
    pair_expect_one(&p, 1, TERN_CHUNK_INIT_ACK);
    pair_free(&p);
}

/* §8.4 item 2: an OOTB packet with an ABORT anywhere in it is silently
 * discarded, also when the ABORT follows chunks that alone would be
 * answered (items 5 and 8 come after item 2). */
static void sec8_4_item2_abort_discarded(void **state)
{
    (void)state;
    pair_rng rng[2];
    pair p;
    start(&p, rng, false);
    for (int kind = 0; kind < 5; kind++) {
        chunks c;
        chunks_init(&c);
        switch (kind) {
        case 0: put_abort(&c, 0); break;
        case 1: put_abort(&c, TERN_CHUNK_FLAG_T); break;
        case 2:
            put_heartbeat(&c);
            put_abort(&c, 0);
            break;
        case 3:
            put_empty(&c, TERN_CHUNK_SHUTDOWN_ACK, 0);
            put_abort(&c, 0);
            break;
        case 4:
            put_unknown(&c, 0xBF); /* unrecognized, skip */
            assert_int_equal(tern_shutdown_put(&c.w, 0), 0);
            put_abort(&c, 0);
            break;
        }
        assert_int_equal(ootb(&p, &c), 0);
    }
    pair_free(&p);
}

/* §8.4 item 5: a SHUTDOWN ACK out of the blue gets a SHUTDOWN COMPLETE
 * reflecting the tag with the T bit, also when it is not the first chunk
 * or comes with chunks items 6–8 would treat otherwise. */
static void sec8_4_item5_shutdown_ack_answered(void **state)
{
    (void)state;
    pair_rng rng[2];
    pair p;
    start(&p, rng, false);
    for (int kind = 0; kind < 4; kind++) {
        chunks c;
        chunks_init(&c);
        if (kind == 1) put_heartbeat(&c);
        if (kind == 2) put_empty(&c, TERN_CHUNK_SHUTDOWN_COMPLETE, 0);
        if (kind == 3) put_empty(&c, TERN_CHUNK_COOKIE_ACK, 0);
        put_empty(&c, TERN_CHUNK_SHUTDOWN_ACK, 0);
        assert_int_equal(ootb(&p, &c), 1);
        assert_reflected(&p, TERN_CHUNK_SHUTDOWN_COMPLETE);
    }
    pair_free(&p);
}

/* §8.4 item 6: a SHUTDOWN COMPLETE out of the blue is silently discarded
 * (with or without the T bit, alone or after a chunk item 8 would answer). */
static void sec8_4_item6_shutdown_complete_discarded(void **state)
{
    (void)state;
    pair_rng rng[2];
    pair p;
    start(&p, rng, false);
    for (int kind = 0; kind < 3; kind++) {
        chunks c;
        chunks_init(&c);
        if (kind == 2) put_heartbeat(&c);
        put_empty(&c, TERN_CHUNK_SHUTDOWN_COMPLETE, kind == 1 ? TERN_CHUNK_FLAG_T : 0);
        assert_int_equal(ootb(&p, &c), 0);
    }
    pair_free(&p);
}

/* §8.4 item 7: an ERROR with the Stale Cookie cause (alone, or after
 * another cause of the same chunk, or after another chunk) is silently
 * discarded; an ERROR without it falls to item 8 (the control). */
static void sec8_4_item7_stale_cookie_error_discarded(void **state)
{
    (void)state;
    pair_rng rng[2];
    pair p;
    start(&p, rng, false);
    for (int kind = 0; kind < 3; kind++) {
        chunks c;
        chunks_init(&c);
        if (kind == 0) put_error(&c, (const uint16_t[]){TERN_CAUSE_STALE_COOKIE}, 1);
        if (kind == 1)
            put_error(&c, (const uint16_t[]){TERN_CAUSE_INVALID_STREAM, TERN_CAUSE_STALE_COOKIE},
                      2);
        if (kind == 2) {
            put_heartbeat(&c);
            put_error(&c, (const uint16_t[]){TERN_CAUSE_STALE_COOKIE}, 1);
        }
        assert_int_equal(ootb(&p, &c), 0);
    }
    chunks c;
    chunks_init(&c);
    put_error(&c, (const uint16_t[]){TERN_CAUSE_INVALID_STREAM}, 1);
    assert_int_equal(ootb(&p, &c), 1);
    assert_reflected(&p, TERN_CHUNK_ABORT);
    pair_free(&p);
}

/* §8.4 item 7: a COOKIE ACK out of the blue is silently discarded. */
static void sec8_4_item7_cookie_ack_discarded(void **state)
{
    (void)state;
    pair_rng rng[2];
    pair p;
    start(&p, rng, false);
    for (int kind = 0; kind < 2; kind++) {
        chunks c;
        chunks_init(&c);
        put_empty(&c, TERN_CHUNK_COOKIE_ACK, 0);
        if (kind == 1) put_heartbeat(&c);
        assert_int_equal(ootb(&p, &c), 0);
    }
    pair_free(&p);
}

/* The chunks of an OOTB packet that §8.4 item 8 answers with an ABORT. */
static void put_item8_case(chunks *c, int kind)
{
    switch (kind) {
    case 0: put_heartbeat(c); break;
    case 1: assert_int_equal(tern_shutdown_put(&c->w, 0), 0); break;
    case 2: assert_int_equal(tern_sack_put(&c->w, 7, 65536, NULL, 0, NULL, 0), 0); break;
    case 3: {
        tern_data d = {TERN_DATA_FLAG_B | TERN_DATA_FLAG_E, 7, 0, 0, 0, {(const uint8_t *)"x", 1}};
        assert_int_equal(tern_data_put(&c->w, &d), 0);
        break;
    }
    case 4: put_error(c, (const uint16_t[]){TERN_CAUSE_OUT_OF_RESOURCE}, 1); break;
    case 5: assert_int_equal(tern_heartbeat_put(&c->w, TERN_CHUNK_HEARTBEAT_ACK, "x", 1), 0); break;
    case 6: {
        tern_init init = {0x600D1D, 65536, 4, 4, 77, {NULL, 0}};
        assert_int_equal(tern_init_put(&c->w, TERN_CHUNK_INIT_ACK, &init), 0);
        break;
    }
    case 7: put_unknown(c, 0xBF); break; /* unrecognized, skip */
    }
}
#define ITEM8_CASES 8

/* §8.4 item 8: any other OOTB packet gets an ABORT that reflects its tag
 * with the T bit set, sent back on the path it came in on; the packet is
 * then discarded (no TCB, no other answer). */
static void sec8_4_item8_abort_reflects_tag(void **state)
{
    (void)state;
    pair_rng rng[2];
    pair p;
    start(&p, rng, false);
    for (int kind = 0; kind < ITEM8_CASES; kind++) {
        chunks c;
        chunks_init(&c);
        put_item8_case(&c, kind);
        assert_int_equal(ootb(&p, &c), 1);
        assert_reflected(&p, TERN_CHUNK_ABORT);
    }
    pair_free(&p);
}

/* §8.4 (its items say "SHOULD" respond): with cfg.blackhole the endpoint
 * answers no OOTB packet at all, and still counts each (TERN_DROP_OOTB). */
static void sec8_4_blackhole_answers_nothing(void **state)
{
    (void)state;
    pair_rng rng[2];
    pair p;
    start(&p, rng, true);
    for (int kind = 0; kind < ITEM8_CASES + 3; kind++) {
        chunks c;
        chunks_init(&c);
        if (kind < ITEM8_CASES)
            put_item8_case(&c, kind); /* item 8 */
        else if (kind == ITEM8_CASES)
            put_empty(&c, TERN_CHUNK_SHUTDOWN_ACK, 0); /* item 5 */
        else if (kind == ITEM8_CASES + 1)
            put_abort(&c, 0); /* item 2 */
        else
            put_empty(&c, TERN_CHUNK_COOKIE_ACK, 0); /* item 7 */
        assert_int_equal(ootb(&p, &c), 0);
    }
    assert_int_equal(pair_stats(&p, 1).drops[TERN_DROP_OOTB], ITEM8_CASES + 3);
    pair_free(&p);
}

/* §8.4: a packet from an address and port no association has is out of
 * the blue even if it carries the tag of an association with another
 * peer: answered as such, and that association is not touched. */
static void sec8_4_other_peer_with_our_tag_is_ootb(void **state)
{
    (void)state;
    pair_rng rng[2];
    pair p;
    start(&p, rng, false);
    tern_assoc_id ids[2];
    establish(&p, ids);
    tern_assoc_info i = pair_assoc(&p, 0, ids[0]);
    tern_path stranger = p.path[0];
    stranger.remote.ip[3] = 99; /* 192.0.2.99 */
    chunks c;
    chunks_init(&c);
    put_abort(&c, 0); /* would end the association if it were taken as the peer's */
    snapshot before = snap(&p, 0, ids[0]);
    send_from(&p, 0, &stranger, i.local_vtag, &c);
    assert_int_equal(pair_stats(&p, 0).drops[TERN_DROP_OOTB], 1);
    assert_int_equal(pair_assoc(&p, 0, ids[0]).state, TERN_STATE_ESTABLISHED);
    assert_int_equal(pair_collect_from(&p, 0), 0); /* item 2 */
    chunks_init(&c);
    put_heartbeat(&c);
    send_from(&p, 0, &stranger, i.local_vtag, &c);
    assert_int_equal(pair_collect_from(&p, 0), 1); /* item 8, to the stranger */
    pair_expect_one(&p, 0, TERN_CHUNK_ABORT);
    assert_path_equal(&p.flight[0].path, &stranger);
    assert_int_equal(pkt_vtag(p.flight[0].data, p.flight[0].len), i.local_vtag);
    tern_assoc_info after = pair_assoc(&p, 0, ids[0]);
    assert_int_equal(after.state, TERN_STATE_ESTABLISHED);
    assert_memory_equal(&after.stats, &before.info.stats, sizeof after.stats);
    pair_free(&p);
}

/* ---- Before the tag: port, checksum, framing ------------------------------------------ */

/* Our association's ABORT, with its correct tag, as a byte string. */
static size_t abort_packet(pair *p, tern_assoc_id id, uint8_t *pkt, size_t cap)
{
    chunks c;
    chunks_init(&c);
    put_abort(&c, 0);
    return pair_craft(pkt, cap, 5001, 5000, pair_assoc(p, 0, id).local_vtag, c.buf, c.w.len);
}

/* A packet to another SCTP port is not ours (TERN_DROP_PORT): an ABORT
 * with our association's tag, sent to another port, ends nothing. */
static void sec8_5_packet_to_another_port_dropped(void **state)
{
    (void)state;
    pair_rng rng[2];
    pair p;
    start(&p, rng, false);
    tern_assoc_id ids[2];
    establish(&p, ids);
    const uint16_t ports[] = {5001, 5002, 0, 65535};
    for (size_t k = 0; k < 4; k++) {
        uint8_t pkt[64];
        size_t n = abort_packet(&p, ids[0], pkt, sizeof pkt);
        tern_store16(pkt + 2, ports[k]);
        tern_packet_set_checksum(pkt, n);
        snapshot before = snap(&p, 0, ids[0]);
        pair_inject(&p, 0, pkt, n);
        assert_only_dropped(&p, 0, ids[0], &before, TERN_DROP_PORT, false);
    }
    pair_free(&p);
}

/* §6.8: a packet whose CRC32c does not match is discarded before anything
 * else (TERN_DROP_CHECKSUM): the ABORT in it ends nothing. Each bit of the
 * checksum field and of the chunk is tried. */
static void sec6_8_bad_checksum_dropped(void **state)
{
    (void)state;
    pair_rng rng[2];
    pair p;
    start(&p, rng, false);
    tern_assoc_id ids[2];
    establish(&p, ids);
    uint8_t good[64];
    size_t n = abort_packet(&p, ids[0], good, sizeof good);
    for (size_t bit = 0; bit < 8 * n; bit++) {
        if (bit / 8 < 8) continue; /* ports and tag: other rules catch those */
        uint8_t pkt[64];
        memcpy(pkt, good, n);
        pkt[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        snapshot before = snap(&p, 0, ids[0]);
        pair_inject(&p, 0, pkt, n);
        assert_only_dropped(&p, 0, ids[0], &before, TERN_DROP_CHECKSUM, false);
    }
    pair_inject(&p, 0, good, n); /* control: the intact one ends it */
    assert_int_equal(pair_stats(&p, 0).assocs_open, 0);
    pair_free(&p);
}

/* §3.2, DESIGN.md §4: the whole packet's framing is checked before any
 * chunk is processed. A valid ABORT followed by a broken chunk (truncated,
 * length below 4, padding missing, stray bytes) is TERN_DROP_MALFORMED and
 * does not end the association; so are packets too short for a header or
 * with no chunk at all. */
static void sec3_2_malformed_packet_not_processed(void **state)
{
    (void)state;
    pair_rng rng[2];
    pair p;
    start(&p, rng, false);
    tern_assoc_id ids[2];
    establish(&p, ids);
    for (int kind = 0; kind < 6; kind++) {
        uint8_t pkt[64];
        size_t n = abort_packet(&p, ids[0], pkt, sizeof pkt); /* 12 + 4 */
        switch (kind) {
        case 0: /* a HEARTBEAT claiming 20 bytes, 8 present */
            memcpy(pkt + n, (const uint8_t[]){4, 0, 0, 20, 0, 1, 0, 8}, 8);
            n += 8;
            break;
        case 1: /* chunk length 2 */
            memcpy(pkt + n, (const uint8_t[]){4, 0, 0, 2}, 4);
            n += 4;
            break;
        case 2: /* a 9-byte chunk without its 3 padding bytes */
            memcpy(pkt + n, (const uint8_t[]){0xBF, 0, 0, 9, 1, 2, 3, 4, 5}, 9);
            n += 9;
            break;
        case 3: /* two stray bytes after the last chunk */
            pkt[n++] = 0;
            pkt[n++] = 0;
            break;
        case 4: n = 12; break; /* no chunk */
        case 5: n = 11; break; /* shorter than the common header */
        }
        if (n >= 12) tern_packet_set_checksum(pkt, n);
        snapshot before = snap(&p, 0, ids[0]);
        pair_inject(&p, 0, pkt, n);
        assert_only_dropped(&p, 0, ids[0], &before, TERN_DROP_MALFORMED, false);
    }
    uint8_t pkt[64];
    size_t n = abort_packet(&p, ids[0], pkt, sizeof pkt);
    pair_inject(&p, 0, pkt, n); /* control */
    assert_int_equal(pair_stats(&p, 0).assocs_open, 0);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sec8_5_wrong_tag_dropped_and_counted),
        cmocka_unit_test(sec8_5_wrong_tag_does_not_restart_t2),
        cmocka_unit_test(sec8_5_1_a_init_with_nonzero_tag_dropped),
        cmocka_unit_test(sec8_5_1_a_init_bundled_dropped),
        cmocka_unit_test(sec8_5_1_a_tag_zero_without_init_discarded),
        cmocka_unit_test(sec8_5_1_b_abort_our_tag_without_t_accepted),
        cmocka_unit_test(sec8_5_1_b_abort_peer_tag_with_t_accepted),
        cmocka_unit_test(sec8_5_1_b_abort_our_tag_with_t_rejected),
        cmocka_unit_test(sec8_5_1_b_abort_peer_tag_without_t_rejected),
        cmocka_unit_test(sec8_5_1_b_abort_with_bad_tag_discards_whole_packet),
        cmocka_unit_test(sec8_5_1_c_shutdown_complete_our_tag_without_t_accepted),
        cmocka_unit_test(sec8_5_1_c_shutdown_complete_peer_tag_with_t_accepted),
        cmocka_unit_test(sec8_5_1_c_shutdown_complete_our_tag_with_t_rejected),
        cmocka_unit_test(sec8_5_1_c_shutdown_complete_peer_tag_without_t_rejected),
        cmocka_unit_test(sec8_5_1_d_cookie_echo_tag_is_init_ack_tag),
        cmocka_unit_test(sec8_5_1_e_shutdown_ack_before_established_is_ootb),
        cmocka_unit_test(sec8_4_item1_non_unicast_discarded),
        cmocka_unit_test(sec8_4_item2_abort_discarded),
        cmocka_unit_test(sec8_4_item5_shutdown_ack_answered),
        cmocka_unit_test(sec8_4_item6_shutdown_complete_discarded),
        cmocka_unit_test(sec8_4_item7_stale_cookie_error_discarded),
        cmocka_unit_test(sec8_4_item7_cookie_ack_discarded),
        cmocka_unit_test(sec8_4_item8_abort_reflects_tag),
        cmocka_unit_test(sec8_4_blackhole_answers_nothing),
        cmocka_unit_test(sec8_4_other_peer_with_our_tag_is_ootb),
        cmocka_unit_test(sec8_5_packet_to_another_port_dropped),
        cmocka_unit_test(sec6_8_bad_checksum_dropped),
        cmocka_unit_test(sec3_2_malformed_packet_not_processed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
