/* Chunk codec, RFC 9260 chunks: builders against hand-written RFC layouts,
 * decode of every field, decode → put byte-exactness, malformed inputs,
 * chunk framing, unknown chunk types. */
#include "chunk_testutil.h"

static const uint8_t hello[] = {'h', 'e', 'l', 'l', 'o'};

/* ---- DATA (§3.3.1) ------------------------------------------------------- */

static void test_data(void **state)
{
    (void)state;
    /* RFC 9260 §3.3.1: type 0, flags, length; TSN; stream, SSN; PPID; data. */
    static const uint8_t expect[] = {
        0x00, 0x03, 0x00, 0x15, 0x01, 0x02, 0x03, 0x04, 0x00, 0x05, 0x00, 0x06,
        0x11, 0x22, 0x33, 0x44, 'h',  'e',  'l',  'l',  'o',  0x00, 0x00, 0x00,
    };
    tern_data d = {
        TERN_DATA_FLAG_B | TERN_DATA_FLAG_E, 0x01020304, 5, 6, 0x11223344, {hello, sizeof hello}};
    uint8_t buf[64];
    tern_wbuf w;
    tern_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(tern_data_put(&w, &d), 0);
    assert_int_equal(w.len, sizeof expect);
    assert_memory_equal(buf, expect, sizeof expect);

    tern_chunk c;
    assert_int_equal(roundtrip(buf, w.len, &c), 0);
    assert_int_equal(c.type, TERN_CHUNK_DATA);
    assert_int_equal(c.u.data.flags, TERN_DATA_FLAG_B | TERN_DATA_FLAG_E);
    assert_int_equal(c.u.data.tsn, 0x01020304);
    assert_int_equal(c.u.data.stream, 5);
    assert_int_equal(c.u.data.ssn, 6);
    assert_int_equal(c.u.data.ppid, 0x11223344);
    assert_int_equal(c.u.data.payload.len, 5);
    assert_memory_equal(c.u.data.payload.ptr, hello, 5);
    assert_ptr_equal(c.u.data.payload.ptr, buf + 16);

    /* All four flags, a payload that needs no padding. */
    tern_data d2 = {0x0f, 0xffffffff, 0xffff, 0xffff, 0, {hello, 4}};
    tern_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(tern_data_put(&w, &d2), 0);
    assert_int_equal(w.len, 20);
    assert_int_equal(roundtrip(buf, w.len, &c), 0);
    assert_int_equal(c.u.data.flags, 0x0f);
    assert_int_equal(c.u.data.tsn, 0xffffffff);
    assert_int_equal(c.u.data.stream, 0xffff);
    assert_int_equal(c.u.data.ssn, 0xffff);
}

static void test_data_no_user_data(void **state)
{
    (void)state;
    static const uint8_t bytes[] = {0x00, 0x01, 0x00, 0x10, 0x00, 0x00, 0x00, 0x07,
                                    0x00, 0x02, 0x00, 0x03, 0x00, 0x00, 0x00, 0x2a};
    tern_chunk c;
    assert_int_equal(roundtrip(bytes, sizeof bytes, &c), TERN_EWIRE_NO_USER_DATA);
    assert_int_equal(c.u.data.flags, TERN_DATA_FLAG_E);
    assert_int_equal(c.u.data.tsn, 7);
    assert_int_equal(c.u.data.stream, 2);
    assert_int_equal(c.u.data.ssn, 3);
    assert_int_equal(c.u.data.ppid, 42);
    assert_int_equal(c.u.data.payload.len, 0);

    /* The builder writes it too (the core decides whether to send it). */
    tern_data d = {TERN_DATA_FLAG_E, 7, 2, 3, 42, {NULL, 0}};
    uint8_t buf[32];
    tern_wbuf w;
    tern_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(tern_data_put(&w, &d), 0);
    assert_int_equal(w.len, sizeof bytes);
    assert_memory_equal(buf, bytes, sizeof bytes);
}

/* ---- I-DATA (RFC 8260 §2.1) ---------------------------------------------- */

static void test_idata(void **state)
{
    (void)state;
    /* B set: the fifth word is the PPID. */
    static const uint8_t expect_b[] = {
        0x40, 0x0a, 0x00, 0x17, 0xa0, 0xb0, 0xc0, 0xd0, 0x00, 0x07, 0x00, 0x00,
        0x01, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x33, 'x',  'y',  'z',  0x00,
    };
    /* B clear: the fifth word is the FSN. */
    static const uint8_t expect_fsn[] = {
        0x40, 0x05, 0x00, 0x15, 0x00, 0x00, 0x00, 0x01, 0x12, 0x34, 0x00, 0x00,
        0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x09, 'h',  0x00, 0x00, 0x00,
    };
    static const uint8_t xyz[] = {'x', 'y', 'z'};
    uint8_t buf[64];
    tern_wbuf w;
    tern_chunk c;

    tern_idata b = {
        TERN_DATA_FLAG_B | TERN_DATA_FLAG_I, 0xa0b0c0d0, 7, 0x01000002, 51, 99, {xyz, 3}};
    tern_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(tern_idata_put(&w, &b), 0);
    assert_int_equal(w.len, sizeof expect_b);
    assert_memory_equal(buf, expect_b, sizeof expect_b);
    assert_int_equal(roundtrip(buf, w.len, &c), 0);
    assert_int_equal(c.type, TERN_CHUNK_I_DATA);
    assert_int_equal(c.u.idata.flags, TERN_DATA_FLAG_B | TERN_DATA_FLAG_I);
    assert_int_equal(c.u.idata.tsn, 0xa0b0c0d0);
    assert_int_equal(c.u.idata.stream, 7);
    assert_int_equal(c.u.idata.mid, 0x01000002);
    assert_int_equal(c.u.idata.ppid, 51);
    assert_int_equal(c.u.idata.fsn, 0);
    assert_int_equal(c.u.idata.payload.len, 3);
    assert_memory_equal(c.u.idata.payload.ptr, xyz, 3);

    tern_idata m = {
        TERN_DATA_FLAG_U | TERN_DATA_FLAG_E, 1, 0x1234, 0xffffffff, 0x55, 9, {hello, 1}};
    tern_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(tern_idata_put(&w, &m), 0);
    assert_int_equal(w.len, sizeof expect_fsn);
    assert_memory_equal(buf, expect_fsn, sizeof expect_fsn);
    assert_int_equal(roundtrip(buf, w.len, &c), 0);
    assert_int_equal(c.u.idata.flags, TERN_DATA_FLAG_U | TERN_DATA_FLAG_E);
    assert_int_equal(c.u.idata.stream, 0x1234);
    assert_int_equal(c.u.idata.mid, 0xffffffff);
    assert_int_equal(c.u.idata.ppid, 0);
    assert_int_equal(c.u.idata.fsn, 9);
}

static void test_idata_reserved_and_empty(void **state)
{
    (void)state;
    /* Reserved half-word set: ignored by the decoder, kept by chunk_put. */
    static const uint8_t reserved[] = {0x40, 0x03, 0x00, 0x15, 0x00, 0x00, 0x00, 0x01,
                                       0x00, 0x02, 0xbe, 0xef, 0x00, 0x00, 0x00, 0x03,
                                       0x00, 0x00, 0x00, 0x04, 0x77, 0x00, 0x00, 0x00};
    tern_chunk c;
    assert_int_equal(roundtrip(reserved, sizeof reserved, &c), 0);
    assert_int_equal(c.u.idata.stream, 2);
    assert_int_equal(c.u.idata.mid, 3);
    assert_int_equal(c.u.idata.ppid, 4);

    /* Length 20: no user data, fields filled. */
    static const uint8_t empty[] = {0x40, 0x01, 0x00, 0x14, 0x00, 0x00, 0x00, 0x0b, 0x00, 0x0c,
                                    0x00, 0x00, 0x00, 0x00, 0x00, 0x0d, 0x00, 0x00, 0x00, 0x0e};
    assert_int_equal(roundtrip(empty, sizeof empty, &c), TERN_EWIRE_NO_USER_DATA);
    assert_int_equal(c.u.idata.tsn, 11);
    assert_int_equal(c.u.idata.stream, 12);
    assert_int_equal(c.u.idata.mid, 13);
    assert_int_equal(c.u.idata.fsn, 14);
    assert_int_equal(c.u.idata.ppid, 0);
    assert_int_equal(c.u.idata.payload.len, 0);
}

/* ---- INIT, INIT ACK (§3.3.2, §3.3.3) ------------------------------------- */

static void test_init(void **state)
{
    (void)state;
    /* Fixed part, IPv4 address, ECN capable, then an unknown parameter with a
     * 5-byte value whose padding the Chunk Length leaves out. */
    static const uint8_t expect[] = {
        0x01, 0x00, 0x00, 0x29, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x01, 0x00, 0x00, 0x00, 0x0a, 0xff,
        0xff, 0x12, 0x34, 0x56, 0x78, 0x00, 0x05, 0x00, 0x08, 0xc0, 0x00, 0x02, 0x01, 0x80, 0x00,
        0x00, 0x04, 0x81, 0x23, 0x00, 0x09, 'a',  'b',  'c',  'd',  'e',  0x00, 0x00, 0x00,
    };
    static const uint8_t addr[] = {192, 0, 2, 1};
    tlv_buf p;
    tlv_buf_init(&p);
    tern_wbuf_tlv(&p.w, 5, addr, 4);
    tern_wbuf_tlv(&p.w, 0x8000, NULL, 0);
    tern_wbuf_tlv(&p.w, 0x8123, "abcde", 5);
    tern_init init = {0xdeadbeef, 0x10000, 10, 0xffff, 0x12345678, tlv_buf_bytes(&p)};

    uint8_t buf[64];
    tern_wbuf w;
    tern_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(tern_init_put(&w, TERN_CHUNK_INIT, &init), 0);
    assert_int_equal(w.len, sizeof expect);
    assert_memory_equal(buf, expect, sizeof expect);

    tern_chunk c;
    assert_int_equal(roundtrip(buf, w.len, &c), 0);
    assert_int_equal(c.type, TERN_CHUNK_INIT);
    assert_int_equal(c.u.init.initiate_tag, 0xdeadbeef);
    assert_int_equal(c.u.init.a_rwnd, 0x10000);
    assert_int_equal(c.u.init.num_outbound_streams, 10);
    assert_int_equal(c.u.init.num_inbound_streams, 0xffff);
    assert_int_equal(c.u.init.initial_tsn, 0x12345678);
    assert_ptr_equal(c.u.init.params.ptr, buf + 20);
    assert_int_equal(c.u.init.params.len, 8 + 4 + 9);
    assert_int_equal(tern_tlv_validate(c.u.init.params), 3);

    /* INIT ACK: same layout, other type; no parameters at all is layout-valid. */
    tern_init ack = {1, 2, 3, 4, 5, {NULL, 0}};
    static const uint8_t expect_ack[] = {0x02, 0x00, 0x00, 0x14, 0, 0, 0, 1, 0, 0,
                                         0,    2,    0,    3,    0, 4, 0, 0, 0, 5};
    tern_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(tern_init_put(&w, TERN_CHUNK_INIT_ACK, &ack), 0);
    assert_int_equal(w.len, sizeof expect_ack);
    assert_memory_equal(buf, expect_ack, sizeof expect_ack);
    assert_int_equal(roundtrip(buf, w.len, &c), 0);
    assert_int_equal(c.type, TERN_CHUNK_INIT_ACK);
    assert_int_equal(c.u.init.initiate_tag, 1);
    assert_int_equal(c.u.init.params.len, 0);
}

/* §3.2: the Chunk Length excludes the padding of the last parameter; a
 * decoder accepts it counted or not, and chunk_put keeps the form it saw. */
static void test_init_last_param_padding(void **state)
{
    (void)state;
    static const uint8_t five[] = {1, 2, 3, 4, 5};
    tlv_buf p;
    tlv_buf_init(&p);
    tern_wbuf_tlv(&p.w, 0x8124, five, 5);
    tern_init init = {1, 2, 3, 4, 5, tlv_buf_bytes(&p)};
    assert_int_equal(init.params.len, 12);

    uint8_t buf[40];
    memset(buf, CANARY, sizeof buf);
    tern_wbuf w;
    tern_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(tern_init_put(&w, TERN_CHUNK_INIT, &init), 0);
    assert_int_equal(tern_load16(buf + 2), 20 + 4 + 5);
    assert_int_equal(w.len, 32);
    assert_memory_equal(buf + 29, "\0\0\0", 3);
    assert_int_equal(buf[32], CANARY);

    /* The same parameter given without its padding gives the same chunk. */
    uint8_t buf2[40];
    init.params.len = 9;
    tern_wbuf_init(&w, buf2, sizeof buf2);
    assert_int_equal(tern_init_put(&w, TERN_CHUNK_INIT, &init), 0);
    assert_int_equal(w.len, 32);
    assert_memory_equal(buf, buf2, 32);

    /* Decoding, padding left out. */
    tern_chunk c;
    assert_int_equal(roundtrip(buf, 32, &c), 0);
    assert_int_equal(c.u.init.params.len, 9);
    tern_tlv_iter it;
    tern_tlv tlv;
    tern_tlv_iter_init_bytes(&it, c.u.init.params);
    assert_int_equal(tern_tlv_next(&it, &tlv), 1);
    assert_int_equal(tlv.type, 0x8124);
    assert_int_equal(tlv.value.len, 5);
    assert_int_equal(tern_tlv_next(&it, &tlv), 0);

    /* Decoding, padding counted in the Chunk Length: accepted, re-emitted as is. */
    buf[3] = 32;
    assert_int_equal(roundtrip(buf, 32, &c), 0);
    assert_int_equal(c.u.init.params.len, 12);
    assert_int_equal(tern_tlv_validate(c.u.init.params), 1);
    assert_int_equal(c.raw.length, 32);
}

/* ---- SACK (§3.3.4) ------------------------------------------------------- */

static void test_sack(void **state)
{
    (void)state;
    static const uint8_t expect[] = {
        0x03, 0x00, 0x00, 0x1c, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x02,
        0x00, 0x01, 0x00, 0x02, 0x00, 0x03, 0x00, 0x05, 0x00, 0x09, 0x10, 0x00, 0x00, 0x02,
    };
    static const tern_gap_block gaps[] = {{2, 3}, {5, 9}};
    static const uint32_t dups[] = {0x10000002};
    uint8_t buf[64];
    tern_wbuf w;
    tern_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(tern_sack_put(&w, 0x10000000, 4096, gaps, 2, dups, 1), 0);
    assert_int_equal(w.len, sizeof expect);
    assert_memory_equal(buf, expect, sizeof expect);

    tern_chunk c;
    assert_int_equal(roundtrip(buf, w.len, &c), 0);
    const tern_sack *s = &c.u.sack;
    assert_int_equal(s->cum_tsn_ack, 0x10000000);
    assert_int_equal(s->a_rwnd, 4096);
    assert_int_equal(s->num_gap_blocks, 2);
    assert_int_equal(s->num_dup_tsns, 1);
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(tern_sack_gap(s, i).start, gaps[i].start);
        assert_int_equal(tern_sack_gap(s, i).end, gaps[i].end);
    }
    assert_int_equal(tern_sack_dup(s, 0), 0x10000002);

    /* No gaps, no duplicates; reserved flags are kept by chunk_put. */
    tern_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(tern_sack_put(&w, 7, 0, NULL, 0, NULL, 0), 0);
    assert_int_equal(w.len, 16);
    buf[1] = 0x80;
    assert_int_equal(roundtrip(buf, w.len, &c), 0);
    assert_int_equal(c.flags, 0x80);
    assert_int_equal(c.u.sack.cum_tsn_ack, 7);
    assert_int_equal(c.u.sack.num_gap_blocks, 0);
    assert_int_equal(c.u.sack.num_dup_tsns, 0);

    /* Only duplicates. */
    static const uint32_t dups3[] = {1, 2, 0xffffffff};
    tern_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(tern_sack_put(&w, 0, 1, NULL, 0, dups3, 3), 0);
    assert_int_equal(roundtrip(buf, w.len, &c), 0);
    assert_int_equal(c.u.sack.num_dup_tsns, 3);
    assert_int_equal(tern_sack_dup(&c.u.sack, 2), 0xffffffff);
}

/* ---- HEARTBEAT, HEARTBEAT ACK (§3.3.5, §3.3.6) --------------------------- */

static void test_heartbeat(void **state)
{
    (void)state;
    static const uint8_t info[] = {1, 2, 3, 4, 5, 6};
    static const uint8_t expect[] = {0x04, 0x00, 0x00, 0x0e, 0x00, 0x01, 0x00, 0x0a,
                                     0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x00, 0x00};
    uint8_t buf[32];
    tern_wbuf w;
    tern_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(tern_heartbeat_put(&w, TERN_CHUNK_HEARTBEAT, info, sizeof info), 0);
    assert_int_equal(w.len, sizeof expect);
    assert_memory_equal(buf, expect, sizeof expect);

    tern_chunk c;
    assert_int_equal(roundtrip(buf, w.len, &c), 0);
    assert_int_equal(c.type, TERN_CHUNK_HEARTBEAT);
    assert_int_equal(c.u.heartbeat.info.len, 6);
    assert_memory_equal(c.u.heartbeat.info.ptr, info, 6);

    /* HEARTBEAT ACK echoes it. */
    tern_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(tern_heartbeat_put(&w, TERN_CHUNK_HEARTBEAT_ACK, info, 4), 0);
    assert_int_equal(w.len, 12);
    assert_int_equal(buf[0], TERN_CHUNK_HEARTBEAT_ACK);
    assert_int_equal(roundtrip(buf, w.len, &c), 0);
    assert_int_equal(c.u.heartbeat.info.len, 4);
    assert_memory_equal(c.u.heartbeat.info.ptr, info, 4);

    /* Empty info is still one Heartbeat Info parameter. */
    tern_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(tern_heartbeat_put(&w, TERN_CHUNK_HEARTBEAT, NULL, 0), 0);
    assert_int_equal(w.len, 8);
    assert_int_equal(roundtrip(buf, w.len, &c), 0);
    assert_int_equal(c.u.heartbeat.info.len, 0);
}

static void test_heartbeat_padding_counted(void **state)
{
    (void)state;
    /* Padding of the info counted in the Chunk Length (16, not 13), even with
     * non-zero pad bytes: accepted and re-emitted byte for byte. */
    static const uint8_t counted[] = {0x05, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00, 0x09,
                                      0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0x00, 0x01, 0x02};
    tern_chunk c;
    assert_int_equal(roundtrip(counted, sizeof counted, &c), 0);
    assert_int_equal(c.u.heartbeat.info.len, 5);
    assert_int_equal(c.u.heartbeat.info.ptr[4], 0xee);

    /* Part of the padding counted. */
    static const uint8_t partial[] = {0x04, 0x00, 0x00, 0x0e, 0x00, 0x01, 0x00, 0x09,
                                      0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0x00, 0x00, 0x00};
    assert_int_equal(roundtrip(partial, sizeof partial, &c), 0);
    assert_int_equal(c.u.heartbeat.info.len, 5);
}

/* ---- ABORT, ERROR (§3.3.7, §3.3.10) -------------------------------------- */

static void test_abort(void **state)
{
    (void)state;
    /* ABORT, T bit, one User-Initiated Abort cause with reason "bye". */
    static const uint8_t expect[] = {0x06, 0x01, 0x00, 0x0b, 0x00, 0x0c,
                                     0x00, 0x07, 'b',  'y',  'e',  0x00};
    tlv_buf causes;
    tlv_buf_init(&causes);
    tern_wbuf_tlv(&causes.w, 12, "bye", 3);
    uint8_t buf[32];
    tern_wbuf w;
    tern_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(
        tern_causes_put(&w, TERN_CHUNK_ABORT, TERN_CHUNK_FLAG_T, tlv_buf_bytes(&causes)), 0);
    assert_int_equal(w.len, sizeof expect);
    assert_memory_equal(buf, expect, sizeof expect);

    tern_chunk c;
    assert_int_equal(roundtrip(buf, w.len, &c), 0);
    assert_int_equal(c.type, TERN_CHUNK_ABORT);
    assert_int_equal(c.flags, TERN_CHUNK_FLAG_T);
    assert_ptr_equal(c.u.causes.causes.ptr, buf + 4);
    assert_int_equal(c.u.causes.causes.len, 7);
    assert_int_equal(tern_tlv_validate(c.u.causes.causes), 1);

    /* Padding counted in the Chunk Length: accepted, kept. */
    buf[3] = 12;
    assert_int_equal(roundtrip(buf, 12, &c), 0);
    assert_int_equal(c.u.causes.causes.len, 8);

    /* ABORT without causes, T clear. */
    static const uint8_t bare[] = {0x06, 0x00, 0x00, 0x04};
    tern_bytes none = {NULL, 0};
    tern_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(tern_causes_put(&w, TERN_CHUNK_ABORT, 0, none), 0);
    assert_int_equal(w.len, 4);
    assert_memory_equal(buf, bare, 4);
    assert_int_equal(roundtrip(buf, 4, &c), 0);
    assert_int_equal(c.u.causes.causes.len, 0);
}

static void test_error(void **state)
{
    (void)state;
    /* ERROR with Invalid Stream Identifier (stream 5) and Stale Cookie. */
    static const uint8_t expect[] = {0x09, 0x00, 0x00, 0x14, 0x00, 0x01, 0x00, 0x08, 0x00, 0x05,
                                     0x00, 0x00, 0x00, 0x03, 0x00, 0x08, 0x00, 0x00, 0x03, 0xe8};
    static const uint8_t stream[] = {0, 5, 0, 0}, stale[] = {0, 0, 3, 0xe8};
    tlv_buf causes;
    tlv_buf_init(&causes);
    tern_wbuf_tlv(&causes.w, 1, stream, 4);
    tern_wbuf_tlv(&causes.w, 3, stale, 4);
    uint8_t buf[32];
    tern_wbuf w;
    tern_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(tern_causes_put(&w, TERN_CHUNK_ERROR, 0, tlv_buf_bytes(&causes)), 0);
    assert_int_equal(w.len, sizeof expect);
    assert_memory_equal(buf, expect, sizeof expect);
    tern_chunk c;
    assert_int_equal(roundtrip(buf, w.len, &c), 0);
    assert_int_equal(c.type, TERN_CHUNK_ERROR);
    assert_int_equal(c.u.causes.causes.len, 16);
    assert_int_equal(tern_tlv_validate(c.u.causes.causes), 2);

    /* An ERROR without causes is layout-valid (the core requires one). */
    static const uint8_t empty[] = {0x09, 0x00, 0x00, 0x04};
    assert_int_equal(roundtrip(empty, sizeof empty, &c), 0);
    assert_int_equal(c.u.causes.causes.len, 0);
}

/* ---- SHUTDOWN, empty chunks, COOKIE ECHO, ECNE/CWR ----------------------- */

static void test_shutdown(void **state)
{
    (void)state;
    static const uint8_t expect[] = {0x07, 0x00, 0x00, 0x08, 0x89, 0xab, 0xcd, 0xef};
    uint8_t buf[16];
    tern_wbuf w;
    tern_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(tern_shutdown_put(&w, 0x89abcdef), 0);
    assert_int_equal(w.len, sizeof expect);
    assert_memory_equal(buf, expect, sizeof expect);
    tern_chunk c;
    assert_int_equal(roundtrip(buf, w.len, &c), 0);
    assert_int_equal(c.u.shutdown.cum_tsn_ack, 0x89abcdef);
}

static void test_empty_chunks(void **state)
{
    (void)state;
    static const struct {
        uint8_t type, flags;
    } cases[] = {
        {TERN_CHUNK_SHUTDOWN_ACK, 0},
        {TERN_CHUNK_COOKIE_ACK, 0},
        {TERN_CHUNK_SHUTDOWN_COMPLETE, 0},
        {TERN_CHUNK_SHUTDOWN_COMPLETE, TERN_CHUNK_FLAG_T},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t buf[8];
        tern_wbuf w;
        tern_wbuf_init(&w, buf, sizeof buf);
        assert_int_equal(tern_empty_chunk_put(&w, cases[i].type, cases[i].flags), 0);
        assert_int_equal(w.len, 4);
        const uint8_t expect[] = {cases[i].type, cases[i].flags, 0x00, 0x04};
        assert_memory_equal(buf, expect, 4);
        tern_chunk c;
        assert_int_equal(roundtrip(buf, 4, &c), 0);
        assert_int_equal(c.type, cases[i].type);
        assert_int_equal(c.flags, cases[i].flags);
        assert_int_equal(tern_empty_chunk_decode(&c.raw), 0);
    }
}

static void test_cookie_echo(void **state)
{
    (void)state;
    static const uint8_t expect[] = {0x0a, 0x00, 0x00, 0x09, 'h', 'e', 'l', 'l', 'o', 0, 0, 0};
    uint8_t buf[16];
    tern_wbuf w;
    tern_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(tern_cookie_echo_put(&w, hello, sizeof hello), 0);
    assert_int_equal(w.len, sizeof expect);
    assert_memory_equal(buf, expect, sizeof expect);
    tern_chunk c;
    assert_int_equal(roundtrip(buf, w.len, &c), 0);
    assert_int_equal(c.u.cookie_echo.cookie.len, 5);
    assert_memory_equal(c.u.cookie_echo.cookie.ptr, hello, 5);

    /* An empty cookie is layout-valid. */
    tern_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(tern_cookie_echo_put(&w, NULL, 0), 0);
    assert_int_equal(w.len, 4);
    assert_int_equal(roundtrip(buf, 4, &c), 0);
    assert_int_equal(c.u.cookie_echo.cookie.len, 0);
}

static void test_ecn(void **state)
{
    (void)state;
    static const uint8_t ecne[] = {0x0c, 0x00, 0x00, 0x08, 0x00, 0x00, 0x01, 0x00};
    static const uint8_t cwr[] = {0x0d, 0x00, 0x00, 0x08, 0xff, 0xff, 0xff, 0xfe};
    uint8_t buf[16];
    tern_wbuf w;
    tern_chunk c;
    tern_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(tern_ecn_put(&w, TERN_CHUNK_ECNE, 0x100), 0);
    assert_int_equal(w.len, 8);
    assert_memory_equal(buf, ecne, 8);
    assert_int_equal(roundtrip(buf, 8, &c), 0);
    assert_int_equal(c.u.ecn.tsn, 0x100);

    tern_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(tern_ecn_put(&w, TERN_CHUNK_CWR, 0xfffffffe), 0);
    assert_memory_equal(buf, cwr, 8);
    assert_int_equal(roundtrip(buf, 8, &c), 0);
    assert_int_equal(c.type, TERN_CHUNK_CWR);
    assert_int_equal(c.u.ecn.tsn, 0xfffffffe);
}

/* ---- Malformed RFC 9260 chunks ------------------------------------------- */

static void test_core_malformed(void **state)
{
    (void)state;
    const bad_case cases[] = {
        {"DATA length 4", BYTES(0x00, 0x00, 0x00, 0x04), TERN_EWIRE_LENGTH},
        {"DATA length 15", BYTES(0x00, 0x03, 0x00, 0x0f, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0),
         TERN_EWIRE_LENGTH},
        {"I-DATA length 16", BYTES(0x40, 0x03, 0x00, 0x10, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0),
         TERN_EWIRE_LENGTH},
        {"I-DATA length 19",
         BYTES(0x40, 0x03, 0x00, 0x13, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
         TERN_EWIRE_LENGTH},
        {"INIT length 4", BYTES(0x01, 0x00, 0x00, 0x04), TERN_EWIRE_LENGTH},
        {"INIT length 19",
         BYTES(0x01, 0x00, 0x00, 0x13, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0),
         TERN_EWIRE_LENGTH},
        {"INIT param past chunk end",
         BYTES(0x01, 0x00, 0x00, 0x1c, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0x00, 0x05,
               0x00, 0x0c, 192, 0, 2, 1),
         TERN_EWIRE_PARAM_LEN},
        {"INIT ACK param length 3",
         BYTES(0x02, 0x00, 0x00, 0x18, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0x80, 0x00,
               0x00, 0x03),
         TERN_EWIRE_PARAM_LEN},
        {"INIT stray bytes after params",
         BYTES(0x01, 0x00, 0x00, 0x1e, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0x00, 0x05,
               0x00, 0x08, 192, 0, 2, 1, 0, 0, 0, 0),
         TERN_EWIRE_PARAM_LEN},
        {"SACK length 12", BYTES(0x03, 0x00, 0x00, 0x0c, 0, 0, 0, 1, 0, 0, 0, 1),
         TERN_EWIRE_LENGTH},
        {"SACK gap count without gaps",
         BYTES(0x03, 0x00, 0x00, 0x10, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0, 0), TERN_EWIRE_LENGTH},
        {"SACK dup count too small",
         BYTES(0x03, 0x00, 0x00, 0x18, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3),
         TERN_EWIRE_LENGTH},
        {"SACK trailing bytes",
         BYTES(0x03, 0x00, 0x00, 0x12, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0),
         TERN_EWIRE_LENGTH},
        {"HEARTBEAT empty", BYTES(0x04, 0x00, 0x00, 0x04), TERN_EWIRE_LENGTH},
        {"HEARTBEAT 2-byte value", BYTES(0x04, 0x00, 0x00, 0x06, 0x00, 0x01, 0, 0),
         TERN_EWIRE_LENGTH},
        {"HEARTBEAT wrong parameter type", BYTES(0x04, 0x00, 0x00, 0x08, 0x00, 0x02, 0x00, 0x04),
         TERN_EWIRE_LENGTH},
        {"HEARTBEAT two parameters",
         BYTES(0x04, 0x00, 0x00, 0x0c, 0x00, 0x01, 0x00, 0x04, 0x00, 0x01, 0x00, 0x04),
         TERN_EWIRE_LENGTH},
        {"HEARTBEAT info past chunk end",
         BYTES(0x04, 0x00, 0x00, 0x0c, 0x00, 0x01, 0x00, 0x10, 1, 2, 3, 4), TERN_EWIRE_PARAM_LEN},
        {"HEARTBEAT ACK info length 2", BYTES(0x05, 0x00, 0x00, 0x08, 0x00, 0x01, 0x00, 0x02),
         TERN_EWIRE_PARAM_LEN},
        {"HEARTBEAT stray bytes after info",
         BYTES(0x04, 0x00, 0x00, 0x0e, 0x00, 0x01, 0x00, 0x08, 1, 2, 3, 4, 5, 6, 0, 0),
         TERN_EWIRE_PARAM_LEN},
        {"ABORT cause past chunk end",
         BYTES(0x06, 0x00, 0x00, 0x0c, 0x00, 0x0c, 0x00, 0x0c, 'b', 'y', 'e', 0),
         TERN_EWIRE_PARAM_LEN},
        {"ABORT cause length 0", BYTES(0x06, 0x01, 0x00, 0x08, 0x00, 0x0c, 0x00, 0x00),
         TERN_EWIRE_PARAM_LEN},
        {"ERROR 2-byte value", BYTES(0x09, 0x00, 0x00, 0x06, 0x00, 0x01, 0, 0),
         TERN_EWIRE_PARAM_LEN},
        {"SHUTDOWN length 4", BYTES(0x07, 0x00, 0x00, 0x04), TERN_EWIRE_LENGTH},
        {"SHUTDOWN length 12", BYTES(0x07, 0x00, 0x00, 0x0c, 0, 0, 0, 1, 0, 0, 0, 0),
         TERN_EWIRE_LENGTH},
        {"SHUTDOWN ACK length 8", BYTES(0x08, 0x00, 0x00, 0x08, 0, 0, 0, 0), TERN_EWIRE_LENGTH},
        {"COOKIE ACK length 5", BYTES(0x0b, 0x00, 0x00, 0x05, 0, 0, 0, 0), TERN_EWIRE_LENGTH},
        {"SHUTDOWN COMPLETE length 8", BYTES(0x0e, 0x01, 0x00, 0x08, 0, 0, 0, 0),
         TERN_EWIRE_LENGTH},
        {"ECNE length 4", BYTES(0x0c, 0x00, 0x00, 0x04), TERN_EWIRE_LENGTH},
        {"CWR length 12", BYTES(0x0d, 0x00, 0x00, 0x0c, 0, 0, 0, 1, 0, 0, 0, 0), TERN_EWIRE_LENGTH},
        {"ECNE length 7", BYTES(0x0c, 0x00, 0x00, 0x07, 0, 0, 1, 0), TERN_EWIRE_LENGTH},
    };
    run_bad_cases(cases, sizeof cases / sizeof cases[0]);
}

/* Framing errors come from tern_chunk_next, before any decoder runs. */
static void test_framing_errors(void **state)
{
    (void)state;
    const bad_case cases[] = {
        {"DATA truncated",
         BYTES(0x00, 0x03, 0x00, 0x20, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 'a', 0, 0, 0),
         TERN_EWIRE_TRUNCATED},
        {"INIT truncated",
         BYTES(0x01, 0x00, 0x00, 0x18, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0),
         TERN_EWIRE_TRUNCATED},
        {"HEARTBEAT truncated", BYTES(0x04, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00, 0x0c),
         TERN_EWIRE_TRUNCATED},
        {"SACK truncated", BYTES(0x03, 0x00, 0x00, 0x14, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0, 0),
         TERN_EWIRE_TRUNCATED},
        {"DATA padding missing",
         BYTES(0x00, 0x03, 0x00, 0x11, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 'a'),
         TERN_EWIRE_PADDING},
        {"ABORT padding missing",
         BYTES(0x06, 0x00, 0x00, 0x0b, 0x00, 0x0c, 0x00, 0x07, 'b', 'y', 'e'), TERN_EWIRE_PADDING},
        {"COOKIE ECHO padding short", BYTES(0x0a, 0x00, 0x00, 0x09, 1, 2, 3, 4, 5, 0, 0),
         TERN_EWIRE_PADDING},
        {"length 0", BYTES(0x00, 0x00, 0x00, 0x00), TERN_EWIRE_CHUNK_LEN},
        {"length 3", BYTES(0x0b, 0x00, 0x00, 0x03), TERN_EWIRE_CHUNK_LEN},
        {"stray bytes instead of a chunk", BYTES(0x0b, 0x00), TERN_EWIRE_PADDING},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tern_chunk_raw raw;
        print_message("  %s\n", cases[i].name);
        assert_int_equal(frame(cases[i].bytes, cases[i].len, &raw), cases[i].rc);
    }
}

/* ---- Unknown chunk types (§3.2) ------------------------------------------ */

static void test_unknown_types(void **state)
{
    (void)state;
    static const struct {
        uint8_t type;
        enum tern_unknown_action action;
    } cases[] = {
        {0x3f, TERN_UNKNOWN_STOP},
        {0x7f, TERN_UNKNOWN_STOP_REPORT},
        {0xbf, TERN_UNKNOWN_SKIP},
        {0xff, TERN_UNKNOWN_SKIP_REPORT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t chunk[] = {cases[i].type, 0x5a, 0x00, 0x07, 0xde, 0xad, 0xbe, 0x00};
        assert_false(tern_chunk_type_known(cases[i].type));
        assert_string_equal(tern_chunk_type_name(cases[i].type), "UNKNOWN");
        assert_int_equal(tern_chunk_unknown_action(cases[i].type), cases[i].action);
        tern_chunk c;
        assert_int_equal(roundtrip(chunk, sizeof chunk, &c), 0);
        assert_int_equal(c.raw.type, cases[i].type);
        assert_int_equal(c.raw.flags, 0x5a);
        assert_int_equal(c.raw.length, 7);
        assert_int_equal(c.raw.value.len, 3);
    }
    /* Known types' actions follow from their high bits too. */
    assert_int_equal(tern_chunk_unknown_action(TERN_CHUNK_I_DATA), TERN_UNKNOWN_STOP_REPORT);
    assert_int_equal(tern_chunk_unknown_action(TERN_CHUNK_PAD), TERN_UNKNOWN_SKIP);
    assert_int_equal(tern_chunk_unknown_action(TERN_CHUNK_FORWARD_TSN), TERN_UNKNOWN_SKIP_REPORT);
}

static void test_type_names(void **state)
{
    (void)state;
    static const struct {
        uint8_t type;
        const char *name;
    } known[] = {
        {0, "DATA"},
        {1, "INIT"},
        {2, "INIT ACK"},
        {3, "SACK"},
        {4, "HEARTBEAT"},
        {5, "HEARTBEAT ACK"},
        {6, "ABORT"},
        {7, "SHUTDOWN"},
        {8, "SHUTDOWN ACK"},
        {9, "ERROR"},
        {10, "COOKIE ECHO"},
        {11, "COOKIE ACK"},
        {12, "ECNE"},
        {13, "CWR"},
        {14, "SHUTDOWN COMPLETE"},
        {15, "AUTH"},
        {64, "I-DATA"},
        {128, "ASCONF-ACK"},
        {130, "RE-CONFIG"},
        {132, "PAD"},
        {192, "FORWARD-TSN"},
        {193, "ASCONF"},
        {194, "I-FORWARD-TSN"},
    };
    size_t n = sizeof known / sizeof known[0], seen = 0;
    for (unsigned t = 0; t < 256; t++) {
        const char *name = NULL;
        for (size_t i = 0; i < n; i++)
            if (known[i].type == t) name = known[i].name;
        assert_int_equal(tern_chunk_type_known((uint8_t)t), name != NULL);
        assert_string_equal(tern_chunk_type_name((uint8_t)t), name ? name : "UNKNOWN");
        seen += name != NULL;
    }
    assert_int_equal(seen, n);
}

/* ---- A whole packet: build, iterate, decode, re-emit --------------------- */

static void test_packet_roundtrip(void **state)
{
    (void)state;
    static const uint8_t pkt_unknown[] = {0xc7, 0x00, 0x00, 0x06, 0x12, 0x34, 0x00, 0x00};
    static const tern_gap_block gaps[] = {{1, 1}};
    uint8_t pkt[512], out[512];
    tern_wbuf w;
    tern_wbuf_init(&w, pkt, sizeof pkt);
    tern_wbuf_common_header(&w, 5000, 5001, 0x01020304);
    tern_data d = {TERN_DATA_FLAG_B, 100, 1, 2, 3, {hello, 5}};
    tlv_buf p;
    tlv_buf_init(&p);
    tern_wbuf_tlv(&p.w, 7, "cookie!", 7);
    tern_init ack = {9, 65536, 5, 5, 1000, tlv_buf_bytes(&p)};
    assert_int_equal(tern_init_put(&w, TERN_CHUNK_INIT_ACK, &ack), 0);
    assert_int_equal(tern_data_put(&w, &d), 0);
    assert_int_equal(tern_sack_put(&w, 99, 1000, gaps, 1, NULL, 0), 0);
    assert_int_equal(tern_heartbeat_put(&w, TERN_CHUNK_HEARTBEAT, "hb", 2), 0);
    tern_wbuf_put(&w, pkt_unknown, sizeof pkt_unknown);
    assert_int_equal(tern_empty_chunk_put(&w, TERN_CHUNK_COOKIE_ACK, 0), 0);
    assert_int_equal(w.err, 0);
    size_t len = w.len;
    assert_int_equal(tern_packet_validate(pkt, len), 6);

    static const uint8_t types[] = {2, 0, 3, 4, 0xc7, 11};
    tern_common_header hdr;
    tern_chunk_iter it;
    tern_chunk_raw raw;
    tern_wbuf_init(&w, out, sizeof out);
    assert_int_equal(tern_packet_parse(pkt, len, &hdr, &it), 0);
    tern_wbuf_common_header(&w, hdr.src_port, hdr.dst_port, hdr.vtag);
    size_t i = 0;
    int rc;
    while ((rc = tern_chunk_next(&it, &raw)) > 0) {
        tern_chunk c;
        assert_true(i < sizeof types);
        assert_int_equal(raw.type, types[i++]);
        assert_int_equal(tern_chunk_decode(&raw, &c), 0);
        assert_int_equal(tern_chunk_put(&w, &c), 0);
    }
    assert_int_equal(rc, 0);
    assert_int_equal(i, sizeof types);
    assert_int_equal(w.len, len);
    assert_memory_equal(out, pkt, len);
}

/* chunk_put from a struct filled by hand (no raw). */
static void test_chunk_put_from_struct(void **state)
{
    (void)state;
    static const uint8_t gap_wire[] = {0x00, 0x02, 0x00, 0x04};
    tern_chunk c;
    memset(&c, 0, sizeof c);
    c.type = TERN_CHUNK_SACK;
    c.u.sack.cum_tsn_ack = 0x10000000;
    c.u.sack.a_rwnd = 4096;
    c.u.sack.num_gap_blocks = 1;
    c.u.sack.gap_blocks = gap_wire;
    uint8_t buf[32];
    tern_wbuf w;
    tern_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(tern_chunk_put(&w, &c), 0);
    static const uint8_t expect[] = {0x03, 0x00, 0x00, 0x14, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00,
                                     0x10, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x04};
    assert_int_equal(w.len, sizeof expect);
    assert_memory_equal(buf, expect, sizeof expect);

    /* A heartbeat whose info is not from a decoded chunk: padding left out. */
    memset(&c, 0, sizeof c);
    c.type = TERN_CHUNK_HEARTBEAT_ACK;
    c.u.heartbeat.info.ptr = hello;
    c.u.heartbeat.info.len = 5;
    tern_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(tern_chunk_put(&w, &c), 0);
    assert_int_equal(w.len, 16);
    assert_int_equal(tern_load16(buf + 2), 13);

    /* DATA and I-DATA take their flags from their own struct. */
    memset(&c, 0, sizeof c);
    c.type = TERN_CHUNK_DATA;
    c.u.data.flags = TERN_DATA_FLAG_B | TERN_DATA_FLAG_E;
    c.u.data.payload.ptr = hello;
    c.u.data.payload.len = 1;
    tern_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(tern_chunk_put(&w, &c), 0);
    assert_int_equal(w.len, 20);
    assert_int_equal(buf[1], TERN_DATA_FLAG_B | TERN_DATA_FLAG_E);

    /* Views that cannot be read, or TLV regions with broken framing. */
    memset(&c, 0, sizeof c);
    c.type = TERN_CHUNK_DATA;
    c.u.data.payload.len = 3;
    tern_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(tern_chunk_put(&w, &c), TERN_EINVAL);
    c.type = TERN_CHUNK_INIT;
    c.u.init.params.ptr = hello;
    c.u.init.params.len = 5;
    assert_int_equal(tern_chunk_put(&w, &c), TERN_EINVAL);
    c.type = TERN_CHUNK_RECONFIG;
    c.u.reconfig.params.ptr = NULL;
    c.u.reconfig.params.len = 0;
    assert_int_equal(tern_chunk_put(&w, &c), TERN_EINVAL);
    assert_int_equal(w.len, 0);
    assert_int_equal(w.err, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_data),
        cmocka_unit_test(test_data_no_user_data),
        cmocka_unit_test(test_idata),
        cmocka_unit_test(test_idata_reserved_and_empty),
        cmocka_unit_test(test_init),
        cmocka_unit_test(test_init_last_param_padding),
        cmocka_unit_test(test_sack),
        cmocka_unit_test(test_heartbeat),
        cmocka_unit_test(test_heartbeat_padding_counted),
        cmocka_unit_test(test_abort),
        cmocka_unit_test(test_error),
        cmocka_unit_test(test_shutdown),
        cmocka_unit_test(test_empty_chunks),
        cmocka_unit_test(test_cookie_echo),
        cmocka_unit_test(test_ecn),
        cmocka_unit_test(test_core_malformed),
        cmocka_unit_test(test_framing_errors),
        cmocka_unit_test(test_unknown_types),
        cmocka_unit_test(test_type_names),
        cmocka_unit_test(test_packet_roundtrip),
        cmocka_unit_test(test_chunk_put_from_struct),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
