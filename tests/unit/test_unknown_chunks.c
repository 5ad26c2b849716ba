/* Unrecognized chunk types and parameters over the pair rig, named after
 * the RFC 9260 sections they exercise: §3.2 (a chunk's upper two type bits:
 * stop or skip, report or not, with the Unrecognized Chunk Type cause of
 * §3.3.10.6), §3.2.1 (the same for INIT and INIT ACK parameters) and
 * §3.2.2 (where those are reported: Unrecognized Parameter parameters in
 * the INIT ACK, an Unrecognized Parameters cause in an ERROR bundled after
 * the COOKIE ECHO).
 *
 * The unknown chunk types are unassigned ones (§3.2 lists them): 0x3E (00),
 * 0x7E (01), 0xBE (10), 0xFE (11). The unknown parameter types 0x3F01,
 * 0x7F01, 0xBF01, 0xFF01 likewise. Endpoints use seeded generators and no
 * heartbeats, so every packet they send in a test is one the test caused. */
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
#include "wire/param.h"

/* The upper two bits of a type: 0 (00) to 3 (11), §3.2 and §3.2.1. */
static const uint8_t unknown_chunk[4] = {0x3E, 0x7E, 0xBE, 0xFE};
static const uint16_t unknown_param[4] = {0x3F01, 0x7F01, 0xBF01, 0xFF01};

static bool stops(int action)
{
    return action == 0 || action == 1;
}

static bool reports(int action)
{
    return action == 1 || action == 3;
}

/* Two seeded endpoints without heartbeats. rng must outlive the pair. */
static void start(pair *p, pair_rng rng[2])
{
    tern_ep_config c[2];
    for (int i = 0; i < 2; i++) {
        pair_cfg_seeded(&c[i], &rng[i], 0x756e6b0000000001ull + (uint64_t)i);
        c[i].hb_interval = 0;
    }
    pair_init(p, &c[0], &c[1]);
}

/* ---- Looking at endpoints and packets -------------------------------------- */

/* The packet's chunks, at most max; returns how many. */
static size_t chunks_of(const pair_pkt *k, tern_chunk_raw *out, size_t max)
{
    tern_common_header h;
    tern_chunk_iter it;
    tern_chunk_raw raw;
    size_t n = 0;
    assert_int_equal(tern_packet_parse(k->data, k->len, &h, &it), 0);
    int rc;
    while ((rc = tern_chunk_next(&it, &raw)) > 0) {
        assert_true(n < max);
        out[n++] = raw;
    }
    assert_int_equal(rc, 0);
    return n;
}

/* The causes of an ERROR chunk, at most max; returns how many. */
static size_t causes_of(const tern_chunk_raw *error, tern_tlv *out, size_t max)
{
    tern_causes c;
    assert_int_equal(tern_causes_decode(error, &c), 0);
    tern_tlv_iter it;
    size_t n = 0;
    tern_tlv_iter_init_bytes(&it, c.causes);
    while (tern_tlv_next(&it, &out[n]) > 0) {
        n++;
        assert_true(n <= max);
    }
    return n;
}

/* ---- Crafting the peer's chunks --------------------------------------------- */

/* A chunk of any type with `len` value bytes (len + 4 not a multiple of 4
 * gives a chunk that needs padding). */
static void put_chunk(tern_wbuf *w, uint8_t type, uint8_t flags, const uint8_t *value, size_t len)
{
    size_t off = tern_wbuf_chunk_begin(w, type, flags);
    tern_wbuf_put(w, value, len);
    tern_wbuf_chunk_end(w, off);
    assert_int_equal(w->err, 0);
}

/* A HEARTBEAT whose information is the text tag (so its ACK tells which). */
static void put_heartbeat(tern_wbuf *w, const char *tag)
{
    assert_int_equal(tern_heartbeat_put(w, TERN_CHUNK_HEARTBEAT, tag, strlen(tag)), 0);
}

/* Sends the chunks (up to 61000 bytes) to endpoint 0 from endpoint 1 with
 * 0's tag. */
static void send_to_0(pair *p, tern_assoc_id id0, const uint8_t *chunks, size_t len)
{
    pair_inject_chunks(p, 0, pair_assoc(p, 0, id0).local_vtag, chunks, len);
}

/* The HEARTBEAT ACKs in flight from endpoint 0, in order: how many, and
 * whether the i-th echoes the heartbeat tagged tags[i]. */
static size_t heartbeat_acks(const pair *p, const char *const *tags, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < p->nflight; i++) {
        tern_chunk_raw raw;
        if (!pkt_find(p->flight[i].data, p->flight[i].len, TERN_CHUNK_HEARTBEAT_ACK, &raw))
            continue;
        tern_heartbeat hb;
        assert_int_equal(tern_heartbeat_decode(&raw, &hb), 0);
        assert_true(n < max);
        assert_int_equal(hb.info.len, strlen(tags[n]));
        assert_memory_equal(hb.info.ptr, tags[n], hb.info.len);
        n++;
    }
    return n;
}

/* The ERROR chunk in flight from endpoint 0, in a packet of its own with
 * the peer's tag sent back where the packet came from; NULL if none. */
static const pair_pkt *error_packet(pair *p, tern_assoc_id id0, tern_chunk_raw *error)
{
    const pair_pkt *found = NULL;
    for (size_t i = 0; i < p->nflight; i++) {
        const pair_pkt *k = &p->flight[i];
        if (!pkt_find(k->data, k->len, TERN_CHUNK_ERROR, error)) continue;
        assert_null(found); /* one at most */
        found = k;
        assert_int_equal(pkt_only_chunk(k->data, k->len, NULL), 1);
        assert_int_equal(pkt_vtag(k->data, k->len), pair_assoc(p, 0, id0).peer_vtag);
        assert_int_equal(tern_load16(k->data), 5000);
        assert_int_equal(tern_load16(k->data + 2), 5001);
        assert_memory_equal(&k->path.remote, &p->path[0].remote, sizeof(tern_addr));
    }
    if (found) pkt_find(found->data, found->len, TERN_CHUNK_ERROR, error);
    return found;
}

/* The cause is Unrecognized Chunk Type carrying the whole chunk: header
 * (type, flags, length) and value, as it was on the wire. */
static void assert_reports_chunk(const tern_tlv *cause, const uint8_t *chunk)
{
    uint16_t len = tern_load16(chunk + 2);
    assert_int_equal(cause->type, TERN_CAUSE_UNRECOGNIZED_CHUNK);
    assert_int_equal(cause->length, 4 + len);
    assert_memory_equal(cause->value.ptr, chunk, len);
}

/* ---- §3.2: unrecognized chunks -------------------------------------------------- */

/* [HEARTBEAT "before", unknown chunk of the action, HEARTBEAT "after"] to an
 * established association: what §3.2 says for that action happens. */
static void unknown_chunk_case(int action)
{
    pair_rng rng[2];
    pair p;
    start(&p, rng);
    tern_assoc_id ids[2];
    pair_establish_idle(&p, ids);
    uint8_t chunks[128];
    tern_wbuf w;
    tern_wbuf_init(&w, chunks, sizeof chunks);
    put_heartbeat(&w, "before");
    size_t at = w.len;
    const uint8_t value[] = {1, 2, 3, 4, 5, 6, 7}; /* 11 bytes: padded on the wire */
    put_chunk(&w, unknown_chunk[action], 0xA5, value, sizeof value);
    put_heartbeat(&w, "after");
    send_to_0(&p, ids[0], chunks, w.len);
    pair_collect_from(&p, 0);

    /* Chunks before the unknown one are processed either way; those after
     * it only when the action says skip. */
    const char *const tags[] = {"before", "after"};
    assert_int_equal(heartbeat_acks(&p, tags, 2), stops(action) ? 1 : 2);
    tern_chunk_raw error;
    const pair_pkt *k = error_packet(&p, ids[0], &error);
    if (reports(action)) {
        assert_non_null(k);
        tern_tlv causes[4];
        assert_int_equal(causes_of(&error, causes, 4), 1);
        assert_reports_chunk(&causes[0], chunks + at);
    } else {
        assert_null(k);
    }
    assert_int_equal(p.nflight, (stops(action) ? 1u : 2u) + (reports(action) ? 1u : 0u));
    tern_assoc_info i = pair_assoc(&p, 0, ids[0]);
    assert_int_equal(i.state, TERN_STATE_ESTABLISHED);
    assert_int_equal(i.stats.drops[TERN_DROP_UNKNOWN], 1);
    assert_int_equal(pair_stats(&p, 0).drops[TERN_DROP_UNKNOWN], 1);
    tern_event ev;
    assert_int_equal(tern_ep_poll_event(p.ep[0], &ev), 0); /* nothing for the user */
    pair_free(&p);
}

/* §3.2 00: stop processing the packet, discard the chunk and all after it;
 * nothing is reported. */
static void sec3_2_unknown_chunk_00_discards_rest_silently(void **state)
{
    (void)state;
    unknown_chunk_case(0);
}

/* §3.2 01: the same, and an ERROR with an Unrecognized Chunk Type cause
 * carrying the whole chunk. */
static void sec3_2_unknown_chunk_01_discards_rest_and_reports(void **state)
{
    (void)state;
    unknown_chunk_case(1);
}

/* §3.2 10: skip the chunk, go on with the packet, report nothing. */
static void sec3_2_unknown_chunk_10_skipped(void **state)
{
    (void)state;
    unknown_chunk_case(2);
}

/* §3.2 11: skip the chunk, go on, and report it. */
static void sec3_2_unknown_chunk_11_skipped_and_reported(void **state)
{
    (void)state;
    unknown_chunk_case(3);
}

/* §3.2: the reports of one packet go in one ERROR chunk, one cause per
 * chunk, in order, including the one (01) that stops the packet. */
static void sec3_2_reports_of_one_packet_in_one_error(void **state)
{
    (void)state;
    pair_rng rng[2];
    pair p;
    start(&p, rng);
    tern_assoc_id ids[2];
    pair_establish_idle(&p, ids);
    uint8_t chunks[128];
    tern_wbuf w;
    tern_wbuf_init(&w, chunks, sizeof chunks);
    size_t at[3];
    at[0] = w.len;
    put_chunk(&w, 0xFE, 0, (const uint8_t *)"one", 3);
    put_chunk(&w, 0xBE, 0, (const uint8_t *)"quiet", 5);
    at[1] = w.len;
    put_chunk(&w, 0xFD, 1, (const uint8_t *)"two!", 4);
    at[2] = w.len;
    put_chunk(&w, 0x7E, 2, NULL, 0);
    put_heartbeat(&w, "after");
    send_to_0(&p, ids[0], chunks, w.len);
    pair_collect_from(&p, 0);
    assert_int_equal(p.nflight, 1); /* no HEARTBEAT ACK: 0x7E stopped the packet */
    tern_chunk_raw error;
    assert_non_null(error_packet(&p, ids[0], &error));
    tern_tlv causes[4];
    assert_int_equal(causes_of(&error, causes, 4), 3);
    for (int i = 0; i < 3; i++)
        assert_reports_chunk(&causes[i], chunks + at[i]);
    assert_int_equal(pair_assoc(&p, 0, ids[0]).stats.drops[TERN_DROP_UNKNOWN], 4);
    pair_free(&p);
}

/* §3.2: an unrecognized chunk too big to be reported in a packet that fits
 * the minimum output buffer (1280 bytes) is not reported, without harm:
 * the packet's other chunks are processed, a smaller report in the same
 * packet still goes, and the ERROR fits a 1280-byte buffer. A 60 kB chunk
 * of each reporting action is survived too. */
static void sec3_2_report_too_big_not_sent(void **state)
{
    (void)state;
    pair_rng rng[2];
    pair p;
    start(&p, rng);
    tern_assoc_id ids[2];
    pair_establish_idle(&p, ids);
    static uint8_t big[60000], chunks[61000];
    memset(big, 0x5A, sizeof big);

    /* [11: 1000 bytes, 11: 1300 bytes, HEARTBEAT]: the first is reported. */
    tern_wbuf w;
    tern_wbuf_init(&w, chunks, sizeof chunks);
    put_chunk(&w, 0xFE, 0, big, 1000);
    put_chunk(&w, 0xFE, 0, big, 1300);
    put_heartbeat(&w, "hb");
    send_to_0(&p, ids[0], chunks, w.len);
    uint8_t buf[1280];
    tern_path path;
    long n = tern_ep_output(p.ep[0], &path, buf, sizeof buf, p.now);
    assert_true(n > 0);
    n = tern_ep_output(p.ep[0], &path, buf, sizeof buf, p.now); /* then the ERROR */
    assert_true(n > 0);
    tern_chunk_raw error;
    assert_int_equal(pkt_find(buf, (size_t)n, TERN_CHUNK_ERROR, &error), 1);
    tern_tlv causes[4];
    assert_int_equal(causes_of(&error, causes, 4), 1);
    assert_reports_chunk(&causes[0], chunks);
    assert_int_equal(tern_ep_output(p.ep[0], &path, buf, sizeof buf, p.now), 0);

    /* One chunk too big alone, then a 60 kB one of each reporting action. */
    const size_t sizes[] = {1300, sizeof big, sizeof big};
    const uint8_t types[] = {0xFE, 0xFE, 0x7E};
    for (int k = 0; k < 3; k++) {
        tern_wbuf_init(&w, chunks, sizeof chunks);
        put_chunk(&w, types[k], 0, big, sizes[k]);
        put_heartbeat(&w, "hb");
        send_to_0(&p, ids[0], chunks, w.len);
        pair_collect_from(&p, 0);
        const char *const tags[] = {"hb"};
        assert_int_equal(heartbeat_acks(&p, tags, 1), types[k] == 0xFE ? 1 : 0);
        assert_null(error_packet(&p, ids[0], &error));
        pair_drop_all(&p, 0);
    }
    assert_int_equal(pair_assoc(&p, 0, ids[0]).state, TERN_STATE_ESTABLISHED);
    assert_int_equal(pair_assoc(&p, 0, ids[0]).stats.drops[TERN_DROP_UNKNOWN], 5);
    pair_free(&p);
}

/* ---- §3.2.1, §3.2.2: unrecognized INIT parameters -------------------------------- */

/* Playing endpoint 0 by hand: an INIT to endpoint 1 with params; returns
 * the INIT ACK's chunk (left in flight[0]). */
static tern_init send_init(pair *p, const uint8_t *params, size_t len, tern_chunk_raw *raw)
{
    uint8_t chunk[1500];
    tern_wbuf w;
    tern_wbuf_init(&w, chunk, sizeof chunk);
    tern_init init = {0x600D1D, 65536, 4, 4, 77, {params, len}};
    assert_int_equal(tern_init_put(&w, TERN_CHUNK_INIT, &init), 0);
    pair_drop_all(p, 0);
    pair_inject_wbuf(p, 1, 0, &w);
    assert_int_equal(pair_collect_from(p, 1), 1);
    *raw = pair_expect_one(p, 1, TERN_CHUNK_INIT_ACK);
    tern_init ack;
    assert_int_equal(tern_init_decode(raw, &ack), 0);
    return ack;
}

/* Finishes the handshake endpoint 1 answered with ack: COOKIE ECHO with
 * the INIT ACK's tag; returns endpoint 1's new association. */
static tern_assoc_id echo_cookie(pair *p, const tern_init *ack)
{
    tern_tlv_iter it;
    tern_tlv tlv;
    tern_bytes cookie = {NULL, 0};
    tern_tlv_iter_init_bytes(&it, ack->params);
    while (tern_tlv_next(&it, &tlv) > 0)
        if (tlv.type == TERN_PARAM_STATE_COOKIE) cookie = tlv.value;
    assert_non_null(cookie.ptr);
    uint8_t chunk[1500];
    tern_wbuf w;
    tern_wbuf_init(&w, chunk, sizeof chunk);
    assert_int_equal(tern_cookie_echo_put(&w, cookie.ptr, cookie.len), 0);
    pair_drop_all(p, 0);
    pair_inject_wbuf(p, 1, ack->initiate_tag, &w);
    assert_int_equal(pair_collect_from(p, 1), 1);
    assert_int_equal(pair_first_chunk(p, 0), TERN_CHUNK_COOKIE_ACK);
    tern_event ev;
    assert_int_equal(tern_ep_poll_event(p->ep[1], &ev), 1);
    assert_int_equal(ev.type, TERN_EV_COMM_UP);
    return ev.assoc;
}

static const uint8_t extra_ip[4] = {198, 51, 100, 7};

/* The association knows the peer at extra_ip too. */
static bool has_extra_path(const tern_assoc_info *i)
{
    for (unsigned k = 0; k < i->num_paths; k++)
        if (i->paths[k].path.remote.family == TERN_AF_INET &&
            memcmp(i->paths[k].path.remote.ip, extra_ip, 4) == 0)
            return true;
    return false;
}

/* An INIT with [unknown parameter of the action (7 bytes: padded), IPv4
 * address extra_ip]. §3.2.2: a reported one comes back as an Unrecognized
 * Parameter in the INIT ACK, holding the whole TLV; §3.2.1: after a
 * "stop" one the address is not processed, so once the handshake is done
 * the association has one path; after a "skip" one it has two. */
static void unknown_init_param_case(int action)
{
    pair_rng rng[2];
    pair p;
    start(&p, rng);
    uint8_t params[64];
    tern_wbuf w;
    tern_wbuf_init(&w, params, sizeof params);
    tern_wbuf_tlv(&w, unknown_param[action], "xyz", 3);
    tern_wbuf_tlv(&w, TERN_PARAM_IPV4, extra_ip, 4);
    assert_int_equal(w.err, 0);
    tern_chunk_raw raw;
    tern_init ack = send_init(&p, params, w.len, &raw);

    tern_tlv_iter it;
    tern_tlv tlv;
    int reported = 0;
    tern_tlv_iter_init_bytes(&it, ack.params);
    while (tern_tlv_next(&it, &tlv) > 0) {
        if (tlv.type != TERN_PARAM_UNRECOGNIZED) continue;
        reported++;
        /* §3.3.3.1: the parameter "complete with Parameter Type, Length,
         * and Value fields"; its padding may follow inside. */
        assert_true(tlv.value.len == 7 || tlv.value.len == 8);
        assert_memory_equal(tlv.value.ptr, params, 7);
    }
    assert_int_equal(reported, reports(action) ? 1 : 0);

    tern_assoc_id id = echo_cookie(&p, &ack);
    tern_assoc_info i = pair_assoc(&p, 1, id);
    assert_int_equal(i.state, TERN_STATE_ESTABLISHED);
    assert_int_equal(i.num_paths, stops(action) ? 1 : 2);
    assert_int_equal(has_extra_path(&i), !stops(action));
    pair_free(&p);
}

/* §3.2.1 00: the walk stops, nothing reported. */
static void sec3_2_1_unknown_init_param_00_stops_silently(void **state)
{
    (void)state;
    unknown_init_param_case(0);
}

/* §3.2.1 01, §3.2.2: the walk stops; reported in the INIT ACK. */
static void sec3_2_1_unknown_init_param_01_stops_and_reports(void **state)
{
    (void)state;
    unknown_init_param_case(1);
}

/* §3.2.1 10: skipped; later parameters are used. */
static void sec3_2_1_unknown_init_param_10_skipped(void **state)
{
    (void)state;
    unknown_init_param_case(2);
}

/* §3.2.1 11, §3.2.2: skipped and reported. */
static void sec3_2_1_unknown_init_param_11_skipped_and_reported(void **state)
{
    (void)state;
    unknown_init_param_case(3);
}

/* §3.2.2: more reportable parameters than an INIT ACK has room for: the
 * INIT ACK still goes, with whole Unrecognized Parameter parameters only
 * (each holding one of ours, in order), and the handshake completes. */
static void sec3_2_2_init_reports_bounded(void **state)
{
    (void)state;
    pair_rng rng[2];
    pair p;
    start(&p, rng);
    uint8_t params[1024], value[16];
    tern_wbuf w;
    tern_wbuf_init(&w, params, sizeof params);
    for (int k = 0; k < 48; k++) {
        memset(value, k, sizeof value);
        tern_wbuf_tlv(&w, (uint16_t)(0xFF10 + k), value, sizeof value);
    }
    assert_int_equal(w.err, 0);
    tern_chunk_raw raw;
    tern_init ack = send_init(&p, params, w.len, &raw);
    tern_tlv_iter it;
    tern_tlv tlv;
    int reported = 0;
    tern_tlv_iter_init_bytes(&it, ack.params);
    while (tern_tlv_next(&it, &tlv) > 0) {
        if (tlv.type != TERN_PARAM_UNRECOGNIZED) continue;
        assert_int_equal(tlv.value.len, 20);
        assert_memory_equal(tlv.value.ptr, params + 20 * reported, 20);
        reported++;
    }
    assert_true(reported >= 1);
    assert_true(reported < 48);
    echo_cookie(&p, &ack);
    pair_free(&p);
}

/* ---- §3.2.2: unrecognized INIT ACK parameters ------------------------------------ */

/* Endpoint 0 connects; endpoint 1's INIT ACK gets tlvs appended. Returns
 * endpoint 0's id, with its COOKIE ECHO packet in flight[0]. */
static tern_assoc_id init_ack_with(pair *p, const uint8_t *tlvs, size_t len)
{
    tern_assoc_id id = pair_connect(p, 0);
    pair_collect(p);
    pair_deliver(p, 0); /* INIT */
    pair_collect(p);
    pair_append_to_init_ack(p, tlvs, len);
    pair_deliver(p, 0);
    pair_collect(p);
    assert_int_equal(p->nflight, 1);
    assert_int_equal(pair_first_chunk(p, 0), TERN_CHUNK_COOKIE_ECHO);
    return id;
}

/* An INIT ACK with [unknown parameter(s), IPv4 address extra_ip]. §3.2.2:
 * reported ones go in an ERROR with one Unrecognized Parameters cause,
 * bundled after the COOKIE ECHO (which stays first); §3.2.1: after a
 * "stop" one the address is not taken. The peer gets the ERROR once it
 * has the association. */
static void sec3_2_2_init_ack_params_reported_after_cookie_echo(void **state)
{
    (void)state;
    for (int action = 0; action < 5; action++) { /* 4: two reportable ones */
        pair_rng rng[2];
        pair p;
        start(&p, rng);
        uint8_t tlvs[64];
        tern_wbuf w;
        tern_wbuf_init(&w, tlvs, sizeof tlvs);
        int a = action < 4 ? action : 3;
        tern_wbuf_tlv(&w, unknown_param[a], "xyz", 3); /* 7 bytes, padded to 8 */
        if (action == 4) tern_wbuf_tlv(&w, 0xFF02, "12345", 5);
        size_t unknown_len = action == 4 ? 8 + 9 : 7; /* the last one's padding left out */
        tern_wbuf_tlv(&w, TERN_PARAM_IPV4, extra_ip, 4);
        assert_int_equal(w.err, 0);
        tern_assoc_id id = init_ack_with(&p, tlvs, w.len);

        tern_chunk_raw c[4];
        size_t n = chunks_of(&p.flight[0], c, 4);
        assert_int_equal(c[0].type, TERN_CHUNK_COOKIE_ECHO);
        if (reports(a)) {
            assert_int_equal(n, 2);
            assert_int_equal(c[1].type, TERN_CHUNK_ERROR);
            tern_tlv causes[4];
            assert_int_equal(causes_of(&c[1], causes, 4), 1);
            assert_int_equal(causes[0].type, TERN_CAUSE_UNRECOGNIZED_PARAMS);
            /* §3.3.10.8: the parameters complete with their TLV headers */
            assert_true(causes[0].value.len >= unknown_len);
            assert_true(causes[0].value.len <= ((unknown_len + 3) & ~3u));
            assert_memory_equal(causes[0].value.ptr, tlvs, unknown_len);
        } else {
            assert_int_equal(n, 1);
        }
        pair_run(&p, TERN_MSEC(500), 10);
        tern_assoc_info i = pair_assoc(&p, 0, id);
        assert_int_equal(i.state, TERN_STATE_ESTABLISHED);
        assert_int_equal(i.num_paths, stops(a) ? 1 : 2);
        assert_int_equal(has_extra_path(&i), !stops(a));
        tern_event ev;
        assert_int_equal(tern_ep_poll_event(p.ep[1], &ev), 1);
        assert_int_equal(ev.type, TERN_EV_COMM_UP);
        if (reports(a)) {
            assert_int_equal(tern_ep_poll_event(p.ep[1], &ev), 1);
            assert_int_equal(ev.type, TERN_EV_REMOTE_ERROR);
            assert_int_equal(ev.cause, TERN_CAUSE_UNRECOGNIZED_PARAMS);
        }
        assert_int_equal(tern_ep_poll_event(p.ep[1], &ev), 0);
        pair_free(&p);
    }
}

/* §3.2.2: more unrecognized INIT ACK parameters than the report has room
 * for: the COOKIE ECHO still goes first, with an ERROR holding whole
 * parameters only, in order; the handshake completes. */
static void sec3_2_2_init_ack_reports_bounded(void **state)
{
    (void)state;
    pair_rng rng[2];
    pair p;
    start(&p, rng);
    uint8_t tlvs[1024], value[16];
    tern_wbuf w;
    tern_wbuf_init(&w, tlvs, sizeof tlvs);
    for (int k = 0; k < 40; k++) {
        memset(value, k, sizeof value);
        tern_wbuf_tlv(&w, (uint16_t)(0xFF10 + k), value, sizeof value);
    }
    assert_int_equal(w.err, 0);
    tern_assoc_id id = init_ack_with(&p, tlvs, w.len);
    tern_chunk_raw c[4];
    assert_int_equal(chunks_of(&p.flight[0], c, 4), 2);
    assert_int_equal(c[0].type, TERN_CHUNK_COOKIE_ECHO);
    tern_tlv causes[4];
    assert_int_equal(causes_of(&c[1], causes, 4), 1);
    assert_int_equal(causes[0].type, TERN_CAUSE_UNRECOGNIZED_PARAMS);
    size_t len = causes[0].value.len;
    assert_true(len >= 20);
    assert_true(len < 40 * 20);
    assert_int_equal(len % 20, 0);
    assert_memory_equal(causes[0].value.ptr, tlvs, len);
    pair_run(&p, TERN_MSEC(500), 10);
    assert_int_equal(pair_assoc(&p, 0, id).state, TERN_STATE_ESTABLISHED);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sec3_2_unknown_chunk_00_discards_rest_silently),
        cmocka_unit_test(sec3_2_unknown_chunk_01_discards_rest_and_reports),
        cmocka_unit_test(sec3_2_unknown_chunk_10_skipped),
        cmocka_unit_test(sec3_2_unknown_chunk_11_skipped_and_reported),
        cmocka_unit_test(sec3_2_reports_of_one_packet_in_one_error),
        cmocka_unit_test(sec3_2_report_too_big_not_sent),
        cmocka_unit_test(sec3_2_1_unknown_init_param_00_stops_silently),
        cmocka_unit_test(sec3_2_1_unknown_init_param_01_stops_and_reports),
        cmocka_unit_test(sec3_2_1_unknown_init_param_10_skipped),
        cmocka_unit_test(sec3_2_1_unknown_init_param_11_skipped_and_reported),
        cmocka_unit_test(sec3_2_2_init_reports_bounded),
        cmocka_unit_test(sec3_2_2_init_ack_params_reported_after_cookie_echo),
        cmocka_unit_test(sec3_2_2_init_ack_reports_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
