/* Chunk codec, extension chunks (AUTH, FORWARD-TSN, I-FORWARD-TSN,
 * RE-CONFIG, ASCONF, ASCONF-ACK, PAD) and the builders' limits: no overrun,
 * sticky errors, TERN_EINVAL and TERN_ERANGE. */
#include "chunk_testutil.h"

/* ---- AUTH (RFC 4895 §4.2) ------------------------------------------------ */

static void test_auth(void **state)
{
    (void)state;
    static const uint8_t expect[] = {0x0f, 0x00, 0x00, 0x0b, 0x00, 0x01,
                                     0x00, 0x03, 0xaa, 0xbb, 0xcc, 0x00};
    static const uint8_t hmac[] = {0xaa, 0xbb, 0xcc};
    uint8_t buf[64];
    tern_wbuf w;
    tern_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(tern_auth_put(&w, 1, 3, hmac, sizeof hmac), 0);
    assert_int_equal(w.len, sizeof expect);
    assert_memory_equal(buf, expect, sizeof expect);
    tern_chunk c;
    assert_int_equal(roundtrip(buf, w.len, &c), 0);
    assert_int_equal(c.type, TERN_CHUNK_AUTH);
    assert_int_equal(c.u.auth.shared_key_id, 1);
    assert_int_equal(c.u.auth.hmac_id, 3);
    assert_int_equal(c.u.auth.hmac.len, 3);
    assert_memory_equal(c.u.auth.hmac.ptr, hmac, 3);

    /* A 20-byte HMAC-SHA1, and an empty one (layout-valid). */
    uint8_t sha1[20];
    memset(sha1, 0x5c, sizeof sha1);
    tern_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(tern_auth_put(&w, 0xffff, 1, sha1, sizeof sha1), 0);
    assert_int_equal(w.len, 28);
    assert_int_equal(roundtrip(buf, w.len, &c), 0);
    assert_int_equal(c.u.auth.shared_key_id, 0xffff);
    assert_int_equal(c.u.auth.hmac.len, 20);
    tern_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(tern_auth_put(&w, 2, 1, NULL, 0), 0);
    assert_int_equal(w.len, 8);
    assert_int_equal(roundtrip(buf, w.len, &c), 0);
    assert_int_equal(c.u.auth.hmac.len, 0);
}

/* ---- FORWARD-TSN (RFC 3758 §3.2) ----------------------------------------- */

static void test_forward_tsn(void **state)
{
    (void)state;
    static const uint8_t expect[] = {0xc0, 0x00, 0x00, 0x10, 0x00, 0x00, 0x01, 0x00,
                                     0x00, 0x01, 0x00, 0x02, 0x00, 0x03, 0xff, 0xff};
    static const tern_fwd_stream streams[] = {{1, 2}, {3, 0xffff}};
    uint8_t buf[32];
    tern_wbuf w;
    tern_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(tern_forward_tsn_put(&w, 0x100, streams, 2), 0);
    assert_int_equal(w.len, sizeof expect);
    assert_memory_equal(buf, expect, sizeof expect);
    tern_chunk c;
    assert_int_equal(roundtrip(buf, w.len, &c), 0);
    assert_int_equal(c.u.forward_tsn.new_cum_tsn, 0x100);
    assert_int_equal(c.u.forward_tsn.num_streams, 2);
    for (size_t i = 0; i < 2; i++) {
        tern_fwd_stream s = tern_forward_tsn_stream(&c.u.forward_tsn, i);
        assert_int_equal(s.stream, streams[i].stream);
        assert_int_equal(s.ssn, streams[i].ssn);
    }

    /* Only the new cumulative TSN. */
    tern_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(tern_forward_tsn_put(&w, 0xffffffff, NULL, 0), 0);
    assert_int_equal(w.len, 8);
    assert_int_equal(roundtrip(buf, w.len, &c), 0);
    assert_int_equal(c.u.forward_tsn.new_cum_tsn, 0xffffffff);
    assert_int_equal(c.u.forward_tsn.num_streams, 0);
}

/* ---- I-FORWARD-TSN (RFC 8260 §2.3) --------------------------------------- */

static void test_i_forward_tsn(void **state)
{
    (void)state;
    static const uint8_t expect[] = {0xc2, 0x00, 0x00, 0x18, 0x00, 0x00, 0x00, 0x05,
                                     0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x07,
                                     0x00, 0x02, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff};
    static const tern_ifwd_entry entries[] = {{1, true, 7}, {2, false, 0xffffffff}};
    uint8_t buf[32];
    tern_wbuf w;
    tern_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(tern_i_forward_tsn_put(&w, 5, entries, 2), 0);
    assert_int_equal(w.len, sizeof expect);
    assert_memory_equal(buf, expect, sizeof expect);
    tern_chunk c;
    assert_int_equal(roundtrip(buf, w.len, &c), 0);
    assert_int_equal(c.u.i_forward_tsn.new_cum_tsn, 5);
    assert_int_equal(c.u.i_forward_tsn.num_entries, 2);
    for (size_t i = 0; i < 2; i++) {
        tern_ifwd_entry e = tern_i_forward_tsn_entry(&c.u.i_forward_tsn, i);
        assert_int_equal(e.stream, entries[i].stream);
        assert_int_equal(e.unordered, entries[i].unordered);
        assert_int_equal(e.mid, entries[i].mid);
    }

    /* Reserved bits around U are ignored, and kept by chunk_put. */
    static const uint8_t reserved[] = {0xc2, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x09,
                                       0x00, 0x04, 0xff, 0xfe, 0x00, 0x00, 0x00, 0x01};
    assert_int_equal(roundtrip(reserved, sizeof reserved, &c), 0);
    tern_ifwd_entry e = tern_i_forward_tsn_entry(&c.u.i_forward_tsn, 0);
    assert_int_equal(e.stream, 4);
    assert_false(e.unordered);
    assert_int_equal(e.mid, 1);
}

/* ---- RE-CONFIG (RFC 6525 §3.1) ------------------------------------------- */

static void test_reconfig(void **state)
{
    (void)state;
    /* Outgoing SSN Reset Request: seq 1, response seq 2, last TSN 3,
     * streams 4 and 5. */
    static const uint8_t expect[] = {0x82, 0x00, 0x00, 0x18, 0x00, 0x0d, 0x00, 0x14,
                                     0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,
                                     0x00, 0x00, 0x00, 0x03, 0x00, 0x04, 0x00, 0x05};
    tern_bytes req = {expect + 4, 20};
    uint8_t buf[64];
    tern_wbuf w;
    tern_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(tern_reconfig_put(&w, req), 0);
    assert_int_equal(w.len, sizeof expect);
    assert_memory_equal(buf, expect, sizeof expect);
    tern_chunk c;
    assert_int_equal(roundtrip(buf, w.len, &c), 0);
    assert_int_equal(c.type, TERN_CHUNK_RECONFIG);
    assert_ptr_equal(c.u.reconfig.params.ptr, buf + 4);
    assert_int_equal(c.u.reconfig.params.len, 20);

    /* Two parameters, the last one (a Re-configuration Response) with a
     * 6-byte value whose padding the Chunk Length leaves out. */
    static const uint8_t resp[] = {0, 0, 0, 2, 0, 1};
    tlv_buf p;
    tlv_buf_init(&p);
    tern_wbuf_put(&p.w, req.ptr, req.len);
    tern_wbuf_tlv(&p.w, 16, resp, sizeof resp);
    tern_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(tern_reconfig_put(&w, tlv_buf_bytes(&p)), 0);
    assert_int_equal(tern_load16(buf + 2), 4 + 20 + 10);
    assert_int_equal(w.len, 36);
    assert_int_equal(roundtrip(buf, w.len, &c), 0);
    assert_int_equal(tern_tlv_validate(c.u.reconfig.params), 2);
    assert_int_equal(c.u.reconfig.params.len, 30);

    /* Padding counted in the Chunk Length: accepted and kept. */
    buf[3] = 36;
    assert_int_equal(roundtrip(buf, 36, &c), 0);
    assert_int_equal(c.u.reconfig.params.len, 32);
}

/* ---- ASCONF, ASCONF-ACK (RFC 5061 §3.1) ---------------------------------- */

static void test_asconf(void **state)
{
    (void)state;
    /* Serial 0x11, Address Parameter 192.0.2.1, Add IP Address (correlation
     * 1, 198.51.100.1). */
    static const uint8_t expect[] = {0xc1, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x11,
                                     0x00, 0x05, 0x00, 0x08, 0xc0, 0x00, 0x02, 0x01,
                                     0xc0, 0x01, 0x00, 0x10, 0x00, 0x00, 0x00, 0x01,
                                     0x00, 0x05, 0x00, 0x08, 0xc6, 0x33, 0x64, 0x01};
    tern_bytes params = {expect + 8, 24};
    uint8_t buf[64];
    tern_wbuf w;
    tern_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(tern_asconf_put(&w, TERN_CHUNK_ASCONF, 0x11, params), 0);
    assert_int_equal(w.len, sizeof expect);
    assert_memory_equal(buf, expect, sizeof expect);
    tern_chunk c;
    assert_int_equal(roundtrip(buf, w.len, &c), 0);
    assert_int_equal(c.type, TERN_CHUNK_ASCONF);
    assert_int_equal(c.u.asconf.serial, 0x11);
    assert_ptr_equal(c.u.asconf.params.ptr, buf + 8);
    assert_int_equal(c.u.asconf.params.len, 24);
    assert_int_equal(tern_tlv_validate(c.u.asconf.params), 2);

    /* Only the address parameter, an IPv6 one. */
    uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8};
    tlv_buf p;
    tlv_buf_init(&p);
    tern_wbuf_tlv(&p.w, 6, v6, sizeof v6);
    tern_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(tern_asconf_put(&w, TERN_CHUNK_ASCONF, 0xffffffff, tlv_buf_bytes(&p)), 0);
    assert_int_equal(w.len, 28);
    assert_int_equal(roundtrip(buf, w.len, &c), 0);
    assert_int_equal(c.u.asconf.serial, 0xffffffff);
    assert_int_equal(tern_tlv_validate(c.u.asconf.params), 1);
}

static void test_asconf_ack(void **state)
{
    (void)state;
    /* Serial 0x11, Success Indication for correlation 1. */
    static const uint8_t expect[] = {0x80, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x11,
                                     0xc0, 0x05, 0x00, 0x08, 0x00, 0x00, 0x00, 0x01};
    tern_bytes params = {expect + 8, 8};
    uint8_t buf[32];
    tern_wbuf w;
    tern_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(tern_asconf_put(&w, TERN_CHUNK_ASCONF_ACK, 0x11, params), 0);
    assert_int_equal(w.len, sizeof expect);
    assert_memory_equal(buf, expect, sizeof expect);
    tern_chunk c;
    assert_int_equal(roundtrip(buf, w.len, &c), 0);
    assert_int_equal(c.type, TERN_CHUNK_ASCONF_ACK);
    assert_int_equal(c.u.asconf.serial, 0x11);
    assert_int_equal(c.u.asconf.params.len, 8);

    /* An ASCONF-ACK may carry no parameters at all. */
    static const uint8_t empty[] = {0x80, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x12};
    tern_bytes none = {NULL, 0};
    tern_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(tern_asconf_put(&w, TERN_CHUNK_ASCONF_ACK, 0x12, none), 0);
    assert_int_equal(w.len, 8);
    assert_memory_equal(buf, empty, 8);
    assert_int_equal(roundtrip(buf, 8, &c), 0);
    assert_int_equal(c.u.asconf.serial, 0x12);
    assert_int_equal(c.u.asconf.params.len, 0);
}

/* ---- PAD (RFC 4820 §3) --------------------------------------------------- */

static void test_pad(void **state)
{
    (void)state;
    static const uint8_t expect[] = {0x84, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00};
    uint8_t buf[64];
    tern_wbuf w;
    tern_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(tern_pad_put(&w, 3), 0);
    assert_int_equal(w.len, sizeof expect);
    assert_memory_equal(buf, expect, sizeof expect);
    tern_chunk c;
    assert_int_equal(roundtrip(buf, w.len, &c), 0);
    assert_int_equal(c.u.pad.padding.len, 3);

    /* Padding bytes are opaque; chunk_put keeps them. */
    static const uint8_t junk[] = {0x84, 0x00, 0x00, 0x0a, 1, 2, 3, 4, 5, 6, 0, 0};
    assert_int_equal(roundtrip(junk, sizeof junk, &c), 0);
    assert_int_equal(c.u.pad.padding.len, 6);
    assert_int_equal(roundtrip(BYTES(0x84, 0x00, 0x00, 0x04), &c), 0);
    assert_int_equal(c.u.pad.padding.len, 0);
}

/* ---- Malformed extension chunks ------------------------------------------ */

static void test_ext_malformed(void **state)
{
    (void)state;
    const bad_case cases[] = {
        {"AUTH length 4", BYTES(0x0f, 0x00, 0x00, 0x04), TERN_EWIRE_LENGTH},
        {"AUTH length 6", BYTES(0x0f, 0x00, 0x00, 0x06, 0x00, 0x01, 0, 0), TERN_EWIRE_LENGTH},
        {"FORWARD-TSN length 4", BYTES(0xc0, 0x00, 0x00, 0x04), TERN_EWIRE_LENGTH},
        {"FORWARD-TSN length 6", BYTES(0xc0, 0x00, 0x00, 0x06, 0, 0, 0, 0), TERN_EWIRE_LENGTH},
        {"FORWARD-TSN half an entry", BYTES(0xc0, 0x00, 0x00, 0x0a, 0, 0, 0, 1, 0, 1, 0, 0),
         TERN_EWIRE_LENGTH},
        {"FORWARD-TSN entry and a half",
         BYTES(0xc0, 0x00, 0x00, 0x0e, 0, 0, 0, 1, 0, 1, 0, 2, 0, 3, 0, 0), TERN_EWIRE_LENGTH},
        {"I-FORWARD-TSN length 4", BYTES(0xc2, 0x00, 0x00, 0x04), TERN_EWIRE_LENGTH},
        {"I-FORWARD-TSN half an entry", BYTES(0xc2, 0x00, 0x00, 0x0c, 0, 0, 0, 1, 0, 1, 0, 1),
         TERN_EWIRE_LENGTH},
        {"I-FORWARD-TSN 12-byte entry",
         BYTES(0xc2, 0x00, 0x00, 0x14, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0),
         TERN_EWIRE_LENGTH},
        {"RE-CONFIG empty", BYTES(0x82, 0x00, 0x00, 0x04), TERN_EWIRE_LENGTH},
        {"RE-CONFIG three parameters",
         BYTES(0x82, 0x00, 0x00, 0x10, 0x00, 0x10, 0x00, 0x04, 0x00, 0x10, 0x00, 0x04, 0x00, 0x10,
               0x00, 0x04),
         TERN_EWIRE_LENGTH},
        {"RE-CONFIG parameter past chunk end",
         BYTES(0x82, 0x00, 0x00, 0x0c, 0x00, 0x10, 0x00, 0x0c, 0, 0, 0, 1), TERN_EWIRE_PARAM_LEN},
        {"RE-CONFIG second parameter past chunk end",
         BYTES(0x82, 0x00, 0x00, 0x10, 0x00, 0x10, 0x00, 0x04, 0x00, 0x10, 0x00, 0x0c, 0, 0, 0, 1),
         TERN_EWIRE_PARAM_LEN},
        {"RE-CONFIG parameter length 2", BYTES(0x82, 0x00, 0x00, 0x08, 0x00, 0x10, 0x00, 0x02),
         TERN_EWIRE_PARAM_LEN},
        {"ASCONF length 4", BYTES(0xc1, 0x00, 0x00, 0x04), TERN_EWIRE_LENGTH},
        {"ASCONF without address parameter", BYTES(0xc1, 0x00, 0x00, 0x08, 0, 0, 0, 1),
         TERN_EWIRE_LENGTH},
        {"ASCONF parameter past chunk end",
         BYTES(0xc1, 0x00, 0x00, 0x10, 0, 0, 0, 1, 0x00, 0x05, 0x00, 0x10, 192, 0, 2, 1),
         TERN_EWIRE_PARAM_LEN},
        {"ASCONF stray bytes", BYTES(0xc1, 0x00, 0x00, 0x0a, 0, 0, 0, 1, 0x00, 0x05, 0, 0),
         TERN_EWIRE_PARAM_LEN},
        {"ASCONF-ACK length 4", BYTES(0x80, 0x00, 0x00, 0x04), TERN_EWIRE_LENGTH},
        {"ASCONF-ACK length 6", BYTES(0x80, 0x00, 0x00, 0x06, 0, 0, 0, 0), TERN_EWIRE_LENGTH},
        {"ASCONF-ACK parameter past chunk end",
         BYTES(0x80, 0x00, 0x00, 0x10, 0, 0, 0, 1, 0xc0, 0x05, 0x00, 0x0c, 0, 0, 0, 1),
         TERN_EWIRE_PARAM_LEN},
    };
    run_bad_cases(cases, sizeof cases / sizeof cases[0]);

    /* Framing errors, from tern_chunk_next. */
    tern_chunk_raw raw;
    assert_int_equal(frame(BYTES(0xc0, 0x00, 0x00, 0x10, 0, 0, 0, 1, 0, 1, 0, 2), &raw),
                     TERN_EWIRE_TRUNCATED);
    assert_int_equal(frame(BYTES(0x0f, 0x00, 0x00, 0x0b, 0, 1, 0, 1, 1, 2, 3), &raw),
                     TERN_EWIRE_PADDING);
    assert_int_equal(frame(BYTES(0x82, 0x00, 0x00, 0x02), &raw), TERN_EWIRE_CHUNK_LEN);
}

/* Decoders called on a chunk of another type: a caller error. */
static void test_decoder_wrong_type(void **state)
{
    (void)state;
    static const uint8_t sack[] = {0x03, 0x00, 0x00, 0x10, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0};
    tern_chunk_raw raw;
    assert_int_equal(frame(sack, sizeof sack, &raw), 1);
    tern_data d;
    tern_idata id;
    tern_init in;
    tern_heartbeat hb;
    tern_causes ca;
    tern_shutdown sh;
    tern_cookie_echo ce;
    tern_ecn ecn;
    tern_auth au;
    tern_forward_tsn ft;
    tern_i_forward_tsn ift;
    tern_reconfig rc;
    tern_asconf as;
    tern_pad pad;
    assert_int_equal(tern_data_decode(&raw, &d), TERN_EINVAL);
    assert_int_equal(tern_idata_decode(&raw, &id), TERN_EINVAL);
    assert_int_equal(tern_init_decode(&raw, &in), TERN_EINVAL);
    assert_int_equal(tern_heartbeat_decode(&raw, &hb), TERN_EINVAL);
    assert_int_equal(tern_causes_decode(&raw, &ca), TERN_EINVAL);
    assert_int_equal(tern_shutdown_decode(&raw, &sh), TERN_EINVAL);
    assert_int_equal(tern_cookie_echo_decode(&raw, &ce), TERN_EINVAL);
    assert_int_equal(tern_ecn_decode(&raw, &ecn), TERN_EINVAL);
    assert_int_equal(tern_auth_decode(&raw, &au), TERN_EINVAL);
    assert_int_equal(tern_forward_tsn_decode(&raw, &ft), TERN_EINVAL);
    assert_int_equal(tern_i_forward_tsn_decode(&raw, &ift), TERN_EINVAL);
    assert_int_equal(tern_reconfig_decode(&raw, &rc), TERN_EINVAL);
    assert_int_equal(tern_asconf_decode(&raw, &as), TERN_EINVAL);
    assert_int_equal(tern_pad_decode(&raw, &pad), TERN_EINVAL);
    assert_int_equal(tern_empty_chunk_decode(&raw), TERN_EINVAL);
    tern_sack s;
    raw.type = TERN_CHUNK_DATA;
    assert_int_equal(tern_sack_decode(&raw, &s), TERN_EINVAL);
}

/* ---- Builders' limits ---------------------------------------------------- */

static const uint8_t two_tlvs[] = {0x00, 0x05, 0x00, 0x08, 192,  0,    2,    1,
                                   0x00, 0x10, 0x00, 0x07, 0x00, 0x01, 0x02, 0x00};
static const tern_bytes tlvs = {two_tlvs, sizeof two_tlvs};
static const uint8_t info[] = {'h', 'b', '-', 'i', 'n', 'f', 'o'};

static int b_data(tern_wbuf *w)
{
    tern_data d = {3, 1, 2, 3, 4, {info, 7}};
    return tern_data_put(w, &d);
}
static int b_idata(tern_wbuf *w)
{
    tern_idata d = {2, 1, 2, 3, 4, 5, {info, 5}};
    return tern_idata_put(w, &d);
}
static int b_init(tern_wbuf *w)
{
    tern_init in = {1, 2, 3, 4, 5, tlvs};
    return tern_init_put(w, TERN_CHUNK_INIT, &in);
}
static int b_init_ack(tern_wbuf *w)
{
    tern_init in = {1, 2, 3, 4, 5, {two_tlvs, 8}};
    return tern_init_put(w, TERN_CHUNK_INIT_ACK, &in);
}
static int b_sack(tern_wbuf *w)
{
    static const tern_gap_block gaps[] = {{1, 2}, {4, 4}};
    static const uint32_t dups[] = {9};
    return tern_sack_put(w, 1, 2, gaps, 2, dups, 1);
}
static int b_heartbeat(tern_wbuf *w)
{
    return tern_heartbeat_put(w, TERN_CHUNK_HEARTBEAT, info, sizeof info);
}
static int b_heartbeat_ack(tern_wbuf *w)
{
    return tern_heartbeat_put(w, TERN_CHUNK_HEARTBEAT_ACK, info, 4);
}
static int b_abort(tern_wbuf *w)
{
    return tern_causes_put(w, TERN_CHUNK_ABORT, TERN_CHUNK_FLAG_T, tlvs);
}
static int b_error(tern_wbuf *w)
{
    tern_bytes one = {two_tlvs + 8, 8};
    return tern_causes_put(w, TERN_CHUNK_ERROR, 0, one);
}
static int b_shutdown(tern_wbuf *w)
{
    return tern_shutdown_put(w, 77);
}
static int b_shutdown_ack(tern_wbuf *w)
{
    return tern_empty_chunk_put(w, TERN_CHUNK_SHUTDOWN_ACK, 0);
}
static int b_cookie_ack(tern_wbuf *w)
{
    return tern_empty_chunk_put(w, TERN_CHUNK_COOKIE_ACK, 0);
}
static int b_shutdown_complete(tern_wbuf *w)
{
    return tern_empty_chunk_put(w, TERN_CHUNK_SHUTDOWN_COMPLETE, TERN_CHUNK_FLAG_T);
}
static int b_cookie_echo(tern_wbuf *w)
{
    return tern_cookie_echo_put(w, info, 6);
}
static int b_ecne(tern_wbuf *w)
{
    return tern_ecn_put(w, TERN_CHUNK_ECNE, 5);
}
static int b_cwr(tern_wbuf *w)
{
    return tern_ecn_put(w, TERN_CHUNK_CWR, 5);
}
static int b_auth(tern_wbuf *w)
{
    return tern_auth_put(w, 1, 1, info, sizeof info);
}
static int b_forward_tsn(tern_wbuf *w)
{
    static const tern_fwd_stream s[] = {{1, 1}, {2, 2}, {3, 3}};
    return tern_forward_tsn_put(w, 10, s, 3);
}
static int b_i_forward_tsn(tern_wbuf *w)
{
    static const tern_ifwd_entry e[] = {{1, true, 1}, {2, false, 2}};
    return tern_i_forward_tsn_put(w, 10, e, 2);
}
static int b_reconfig(tern_wbuf *w)
{
    return tern_reconfig_put(w, tlvs);
}
static int b_asconf(tern_wbuf *w)
{
    return tern_asconf_put(w, TERN_CHUNK_ASCONF, 1, tlvs);
}
static int b_asconf_ack(tern_wbuf *w)
{
    tern_bytes none = {NULL, 0};
    return tern_asconf_put(w, TERN_CHUNK_ASCONF_ACK, 1, none);
}
static int b_pad(tern_wbuf *w)
{
    return tern_pad_put(w, 9);
}
static int b_chunk_put(tern_wbuf *w)
{
    tern_chunk c;
    memset(&c, 0, sizeof c);
    c.type = TERN_CHUNK_ASCONF;
    c.flags = 0x42;
    c.u.asconf.serial = 3;
    c.u.asconf.params = tlvs;
    return tern_chunk_put(w, &c);
}
static int b_chunk_put_unknown(tern_wbuf *w)
{
    tern_chunk c;
    memset(&c, 0, sizeof c);
    c.type = 0xbb;
    c.raw.type = 0xbb;
    c.raw.value.ptr = info;
    c.raw.value.len = 5;
    return tern_chunk_put(w, &c);
}

static const struct builder {
    const char *name;
    int (*build)(tern_wbuf *w);
    size_t size; /* bytes written, padding included */
} builders[] = {
    {"DATA", b_data, 24},
    {"I-DATA", b_idata, 28},
    {"INIT", b_init, 36},
    {"INIT ACK", b_init_ack, 28},
    {"SACK", b_sack, 28},
    {"HEARTBEAT", b_heartbeat, 16},
    {"HEARTBEAT ACK", b_heartbeat_ack, 12},
    {"ABORT", b_abort, 20},
    {"ERROR", b_error, 12},
    {"SHUTDOWN", b_shutdown, 8},
    {"SHUTDOWN ACK", b_shutdown_ack, 4},
    {"COOKIE ACK", b_cookie_ack, 4},
    {"SHUTDOWN COMPLETE", b_shutdown_complete, 4},
    {"COOKIE ECHO", b_cookie_echo, 12},
    {"ECNE", b_ecne, 8},
    {"CWR", b_cwr, 8},
    {"AUTH", b_auth, 16},
    {"FORWARD-TSN", b_forward_tsn, 20},
    {"I-FORWARD-TSN", b_i_forward_tsn, 24},
    {"RE-CONFIG", b_reconfig, 20},
    {"ASCONF", b_asconf, 24},
    {"ASCONF-ACK", b_asconf_ack, 8},
    {"PAD", b_pad, 16},
    {"chunk_put", b_chunk_put, 24},
    {"chunk_put unknown", b_chunk_put_unknown, 12},
};
#define NBUILDERS (sizeof builders / sizeof builders[0])

/* Every builder's output decodes (the builders and decoders agree). */
static void test_builders_decode(void **state)
{
    (void)state;
    for (size_t i = 0; i < NBUILDERS; i++) {
        uint8_t buf[64];
        tern_wbuf w;
        tern_chunk c;
        print_message("  %s\n", builders[i].name);
        tern_wbuf_init(&w, buf, sizeof buf);
        assert_int_equal(builders[i].build(&w), 0);
        assert_int_equal(w.len, builders[i].size);
        assert_int_equal(roundtrip(buf, w.len, &c), 0);
    }
}

/* A buffer one byte (or more) too small: TERN_ENOSPC, nothing written, not
 * even inside cap, nothing past cap; the error is sticky. */
static void test_builders_no_overrun(void **state)
{
    (void)state;
    for (size_t i = 0; i < NBUILDERS; i++) {
        const struct builder *b = &builders[i];
        print_message("  %s\n", b->name);
        for (size_t cap = 0; cap < b->size; cap++) {
            uint8_t buf[80];
            memset(buf, CANARY, sizeof buf);
            tern_wbuf w;
            tern_wbuf_init(&w, buf, cap);
            assert_int_equal(b->build(&w), TERN_ENOSPC);
            assert_int_equal(w.err, TERN_ENOSPC);
            assert_int_equal(w.len, 0);
            for (size_t k = 0; k < sizeof buf; k++)
                assert_int_equal(buf[k], CANARY);

            /* Sticky: this builder, another builder, raw writes: no-ops. */
            assert_int_equal(b->build(&w), TERN_ENOSPC);
            assert_int_equal(tern_pad_put(&w, 0), TERN_ENOSPC);
            assert_int_equal(tern_shutdown_put(&w, 1), TERN_ENOSPC);
            tern_wbuf_put_u8(&w, 0);
            assert_int_equal(w.len, 0);
            assert_int_equal(w.err, TERN_ENOSPC);
            for (size_t k = 0; k < sizeof buf; k++)
                assert_int_equal(buf[k], CANARY);
        }
        /* Exactly enough room. */
        uint8_t buf[80];
        memset(buf, CANARY, sizeof buf);
        tern_wbuf w;
        tern_wbuf_init(&w, buf, b->size);
        assert_int_equal(b->build(&w), 0);
        assert_int_equal(w.len, b->size);
        assert_int_equal(buf[b->size], CANARY);
    }
}

/* After earlier chunks: the failing one leaves them and the length alone. */
static void test_builders_no_overrun_after_chunks(void **state)
{
    (void)state;
    uint8_t buf[64];
    memset(buf, CANARY, sizeof buf);
    tern_wbuf w;
    tern_wbuf_init(&w, buf, 12 + 8 + 23);
    tern_wbuf_common_header(&w, 1, 2, 3);
    assert_int_equal(tern_shutdown_put(&w, 5), 0);
    assert_int_equal(b_data(&w), TERN_ENOSPC); /* needs 24 */
    assert_int_equal(w.len, 20);
    for (size_t k = 20; k < sizeof buf; k++)
        assert_int_equal(buf[k], CANARY);
    assert_int_equal(tern_packet_validate(buf, w.len), 1);
    assert_int_equal(b_cookie_ack(&w), TERN_ENOSPC);
    assert_int_equal(w.len, 20);
}

/* Arguments that cannot be encoded: TERN_EINVAL, w untouched. */
static void test_builders_einval(void **state)
{
    (void)state;
    uint8_t buf[64];
    memset(buf, CANARY, sizeof buf);
    tern_wbuf w;
    tern_wbuf_init(&w, buf, sizeof buf);
    tern_init in = {1, 2, 3, 4, 5, {NULL, 0}};
    tern_bytes none = {NULL, 0};
    static const uint8_t three_tlvs[] = {0, 1, 0, 4, 0, 1, 0, 4, 0, 1, 0, 4};
    tern_bytes three = {three_tlvs, sizeof three_tlvs};
    tern_bytes broken = {two_tlvs, 6};    /* first TLV cut short */
    tern_bytes overlong = {two_tlvs, 12}; /* second TLV's length runs past */
    tern_bytes null_len = {NULL, 4};
    tern_data d = {0, 1, 2, 3, 4, {NULL, 3}};
    tern_idata id = {0, 1, 2, 3, 4, 5, {NULL, 1}};

    /* Wrong type for the builder. */
    assert_int_equal(tern_init_put(&w, 5, &in), TERN_EINVAL);
    assert_int_equal(tern_init_put(&w, TERN_CHUNK_DATA, &in), TERN_EINVAL);
    assert_int_equal(tern_heartbeat_put(&w, TERN_CHUNK_INIT, info, 3), TERN_EINVAL);
    assert_int_equal(tern_causes_put(&w, TERN_CHUNK_SHUTDOWN, 0, none), TERN_EINVAL);
    assert_int_equal(tern_empty_chunk_put(&w, TERN_CHUNK_SHUTDOWN, 0), TERN_EINVAL);
    assert_int_equal(tern_empty_chunk_put(&w, TERN_CHUNK_DATA, 0), TERN_EINVAL);
    assert_int_equal(tern_ecn_put(&w, TERN_CHUNK_SHUTDOWN_COMPLETE, 1), TERN_EINVAL);
    assert_int_equal(tern_asconf_put(&w, TERN_CHUNK_RECONFIG, 1, tlvs), TERN_EINVAL);
    /* TLV regions the decoder would reject. */
    in.params = broken;
    assert_int_equal(tern_init_put(&w, TERN_CHUNK_INIT, &in), TERN_EINVAL);
    in.params = overlong;
    assert_int_equal(tern_init_put(&w, TERN_CHUNK_INIT_ACK, &in), TERN_EINVAL);
    assert_int_equal(tern_causes_put(&w, TERN_CHUNK_ABORT, 0, broken), TERN_EINVAL);
    assert_int_equal(tern_reconfig_put(&w, none), TERN_EINVAL);
    assert_int_equal(tern_reconfig_put(&w, three), TERN_EINVAL);
    assert_int_equal(tern_reconfig_put(&w, overlong), TERN_EINVAL);
    assert_int_equal(tern_asconf_put(&w, TERN_CHUNK_ASCONF, 1, none), TERN_EINVAL);
    assert_int_equal(tern_asconf_put(&w, TERN_CHUNK_ASCONF_ACK, 1, broken), TERN_EINVAL);
    /* NULL with a length. */
    assert_int_equal(tern_data_put(&w, &d), TERN_EINVAL);
    assert_int_equal(tern_idata_put(&w, &id), TERN_EINVAL);
    assert_int_equal(tern_sack_put(&w, 1, 1, NULL, 1, NULL, 0), TERN_EINVAL);
    assert_int_equal(tern_sack_put(&w, 1, 1, NULL, 0, NULL, 2), TERN_EINVAL);
    assert_int_equal(tern_heartbeat_put(&w, TERN_CHUNK_HEARTBEAT, NULL, 1), TERN_EINVAL);
    assert_int_equal(tern_causes_put(&w, TERN_CHUNK_ERROR, 0, null_len), TERN_EINVAL);
    assert_int_equal(tern_cookie_echo_put(&w, NULL, 8), TERN_EINVAL);
    assert_int_equal(tern_auth_put(&w, 1, 1, NULL, 20), TERN_EINVAL);
    assert_int_equal(tern_forward_tsn_put(&w, 1, NULL, 1), TERN_EINVAL);
    assert_int_equal(tern_i_forward_tsn_put(&w, 1, NULL, 1), TERN_EINVAL);

    assert_int_equal(w.len, 0);
    assert_int_equal(w.err, 0);
    for (size_t k = 0; k < sizeof buf; k++)
        assert_int_equal(buf[k], CANARY);
}

/* Values that cannot fit one chunk (Chunk Length over 65535): TERN_ERANGE,
 * sticky, nothing written. The largest that fits works and decodes. */
static void test_builders_erange(void **state)
{
    (void)state;
    size_t cap = 65536 + 16;
    uint8_t *buf = malloc(cap), *big = calloc(1, 65536);
    assert_non_null(buf);
    assert_non_null(big);
    tern_wbuf w;
    tern_chunk c;

    tern_data d = {3, 1, 2, 3, 4, {big, 65535 - 16 + 1}};
    tern_wbuf_init(&w, buf, cap);
    assert_int_equal(tern_data_put(&w, &d), TERN_ERANGE);
    assert_int_equal(w.err, TERN_ERANGE);
    assert_int_equal(w.len, 0);
    assert_int_equal(tern_shutdown_put(&w, 1), TERN_ERANGE); /* sticky */
    assert_int_equal(w.len, 0);
    d.payload.len = 65535 - 16;
    tern_wbuf_init(&w, buf, cap);
    assert_int_equal(tern_data_put(&w, &d), 0);
    assert_int_equal(w.len, 65536);
    assert_int_equal(tern_load16(buf + 2), 65535);
    assert_int_equal(roundtrip(buf, w.len, &c), 0);
    assert_int_equal(c.u.data.payload.len, 65535 - 16);

    struct {
        const char *name;
        int rc_over, rc_max;
        size_t max_len;
    } r[4];
    tern_fwd_stream *streams = calloc(16382, sizeof *streams);
    assert_non_null(streams);
    tern_wbuf_init(&w, buf, cap);
    r[0].rc_over = tern_forward_tsn_put(&w, 1, streams, 16382);
    tern_wbuf_init(&w, buf, cap);
    r[0].rc_max = tern_forward_tsn_put(&w, 1, streams, 16381);
    r[0].max_len = w.len;
    tern_wbuf_init(&w, buf, cap);
    r[1].rc_over = tern_heartbeat_put(&w, TERN_CHUNK_HEARTBEAT, big, 65535 - 8 + 1);
    tern_wbuf_init(&w, buf, cap);
    r[1].rc_max = tern_heartbeat_put(&w, TERN_CHUNK_HEARTBEAT, big, 65535 - 8);
    r[1].max_len = w.len;
    tern_wbuf_init(&w, buf, cap);
    r[2].rc_over = tern_pad_put(&w, 65532);
    tern_wbuf_init(&w, buf, cap);
    r[2].rc_max = tern_pad_put(&w, 65531);
    r[2].max_len = w.len;
    tern_wbuf_init(&w, buf, cap);
    r[3].rc_over = tern_cookie_echo_put(&w, big, 65532);
    tern_wbuf_init(&w, buf, cap);
    r[3].rc_max = tern_cookie_echo_put(&w, big, 65531);
    r[3].max_len = w.len;
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(r[i].rc_over, TERN_ERANGE);
        assert_int_equal(r[i].rc_max, 0);
        assert_int_equal(r[i].max_len, 65536 - (i == 0 ? 4 : 0));
    }
    assert_int_equal(roundtrip(buf, w.len, &c), 0); /* the largest COOKIE ECHO */
    assert_int_equal(c.u.cookie_echo.cookie.len, 65531);

    /* An unknown chunk re-emitted from a raw view too long to be a chunk. */
    memset(&c, 0, sizeof c);
    c.type = 0xfe;
    c.raw.value.ptr = big;
    c.raw.value.len = 65532;
    tern_wbuf_init(&w, buf, cap);
    assert_int_equal(tern_chunk_put(&w, &c), TERN_ERANGE);
    assert_int_equal(w.len, 0);
    free(streams);
    free(big);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_auth),
        cmocka_unit_test(test_forward_tsn),
        cmocka_unit_test(test_i_forward_tsn),
        cmocka_unit_test(test_reconfig),
        cmocka_unit_test(test_asconf),
        cmocka_unit_test(test_asconf_ack),
        cmocka_unit_test(test_pad),
        cmocka_unit_test(test_ext_malformed),
        cmocka_unit_test(test_decoder_wrong_type),
        cmocka_unit_test(test_builders_decode),
        cmocka_unit_test(test_builders_no_overrun),
        cmocka_unit_test(test_builders_no_overrun_after_chunks),
        cmocka_unit_test(test_builders_einval),
        cmocka_unit_test(test_builders_erange),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
