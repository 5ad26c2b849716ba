/* Parameter codec: RFC 9260 §3.3.2.1, §3.3.3.1, §3.3.5; RFC 6525 §4;
 * RFC 5061 §4.2; RFC 4895 §3; RFC 3758 §3.1; RFC 9653 §4; RFC 4820 §4. */
#include "wire/param.h"

#include "tlv_testutil.h"

/* Well-formed parameters, byte for byte as the RFCs lay them out. */
static const tlv_vec valid[] = {
    {"heartbeat info", {0, 1, 0, 7, 'a', 'b', 'c', 0}, 8, 0},
    {"ipv4", {0, 5, 0, 8, 192, 0, 2, 1}, 8, 0},
    {"ipv6", {0, 6, 0, 20, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 20, 0},
    {"state cookie", {0, 7, 0, 9, 1, 2, 3, 4, 5, 0, 0, 0}, 12, 0},
    {"unrecognized", {0, 8, 0, 10, 0xBE, 0xEF, 0, 6, 0x12, 0x34, 0, 0}, 12, 0},
    {"cookie preservative", {0, 9, 0, 8, 0, 0, 0x13, 0x88}, 8, 0},
    {"host name", {0, 11, 0, 16, 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'o', 'r', 'g', 0}, 16, 0},
    {"supported address types", {0, 12, 0, 8, 0, 5, 0, 6}, 8, 0},
    {"supported address types, one", {0, 12, 0, 6, 0, 5, 0, 0}, 8, 0},
    {"outgoing ssn reset",
     {0, 13, 0, 20, 0, 0, 3, 232, 0, 0, 7, 208, 0xff, 0xff, 0xff, 0xf0, 0, 1, 0, 5},
     20,
     0},
    {"outgoing ssn reset, all streams", {0, 13, 0, 16, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3}, 16, 0},
    {"incoming ssn reset", {0, 14, 0, 10, 0, 0, 3, 233, 0, 9, 0, 0}, 12, 0},
    {"ssn/tsn reset", {0, 15, 0, 8, 0, 0, 3, 234}, 8, 0},
    {"reconfig response", {0, 16, 0, 12, 0, 0, 7, 208, 0, 0, 0, 1}, 12, 0},
    {"reconfig response with tsns",
     {0, 16, 0, 20, 0, 0, 7, 208, 0, 0, 0, 1, 0, 0, 0, 77, 0, 0, 0, 88},
     20,
     0},
    {"add outgoing streams", {0, 17, 0, 12, 0, 0, 3, 235, 0, 8, 0, 0}, 12, 0},
    {"add incoming streams, reserved kept", {0, 18, 0, 12, 0, 0, 3, 236, 0, 8, 0xAB, 0xCD}, 12, 0},
    {"ecn capable", {0x80, 0x00, 0, 4}, 4, 0},
    {"zero checksum", {0x80, 0x01, 0, 8, 0, 0, 0, 1}, 8, 0},
    {"random", {0x80, 0x02, 0, 6, 0xAA, 0xBB, 0, 0}, 8, 0},
    {"chunk list", {0x80, 0x03, 0, 6, 0xC1, 0x80, 0, 0}, 8, 0},
    {"hmac algorithms", {0x80, 0x04, 0, 8, 0, 3, 0, 1}, 8, 0},
    {"padding", {0x80, 0x05, 0, 7, 0, 0, 0, 0}, 8, 0},
    {"supported extensions", {0x80, 0x08, 0, 7, 0x40, 0x82, 0xC2, 0}, 8, 0},
    {"forward-tsn supported", {0xC0, 0x00, 0, 4}, 4, 0},
    {"add ip", {0xC0, 0x01, 0, 16, 0, 0, 0, 1, 0, 5, 0, 8, 192, 0, 2, 9}, 16, 0},
    {"delete ip v6",
     {0xC0, 0x02, 0, 28, 0, 0, 0, 2, 0, 6, 0, 20, 0x20, 0x01,
      0x0d, 0xb8, 0, 0,  0, 0, 0, 0, 0, 0, 0, 0,  0,    0x42},
     28,
     0},
    {"error cause indication", {0xC0, 0x03, 0, 16, 0, 0, 0, 3, 0, 0xA3, 0, 4, 0, 4, 0, 4}, 16, 0},
    {"set primary", {0xC0, 0x04, 0, 16, 0, 0, 0, 4, 0, 5, 0, 8, 10, 0, 0, 1}, 16, 0},
    {"success indication", {0xC0, 0x05, 0, 8, 0, 0, 0, 5}, 8, 0},
    {"adaptation", {0xC0, 0x06, 0, 8, 1, 2, 3, 4}, 8, 0},
    {"unknown, kept", {0x7F, 0xFF, 0, 6, 9, 9, 0, 0}, 8, 0},
};

/* Layout errors: framing is fine, the value does not fit the type. */
static const tlv_vec malformed[] = {
    {"ipv4 short", {0, 5, 0, 7, 1, 2, 3, 0}, 8, TERN_EWIRE_LENGTH},
    {"ipv4 long", {0, 5, 0, 12, 1, 2, 3, 4, 5, 6, 7, 8}, 12, TERN_EWIRE_LENGTH},
    {"ipv6 short", {0, 6, 0, 8, 1, 2, 3, 4}, 8, TERN_EWIRE_LENGTH},
    {"cookie preservative short", {0, 9, 0, 6, 1, 2, 0, 0}, 8, TERN_EWIRE_LENGTH},
    {"unrecognized empty", {0, 8, 0, 4}, 4, TERN_EWIRE_LENGTH},
    {"unrecognized, nested overlong",
     {0, 8, 0, 12, 0xBE, 0xEF, 0, 12, 1, 2, 3, 4},
     12,
     TERN_EWIRE_PARAM_LEN},
    {"unrecognized, nested length < 4",
     {0, 8, 0, 8, 0xBE, 0xEF, 0, 2, 0, 0, 0, 0},
     8,
     TERN_EWIRE_PARAM_LEN},
    {"supported address types empty", {0, 12, 0, 4}, 4, TERN_EWIRE_LENGTH},
    {"supported address types odd", {0, 12, 0, 7, 0, 5, 1, 0}, 8, TERN_EWIRE_LENGTH},
    {"hmac algorithms empty", {0x80, 0x04, 0, 4}, 4, TERN_EWIRE_LENGTH},
    {"hmac algorithms odd", {0x80, 0x04, 0, 5, 3, 0, 0, 0}, 8, TERN_EWIRE_LENGTH},
    {"random empty", {0x80, 0x02, 0, 4}, 4, TERN_EWIRE_LENGTH},
    {"ecn capable with a value", {0x80, 0x00, 0, 8, 0, 0, 0, 0}, 8, TERN_EWIRE_LENGTH},
    {"forward-tsn with a value", {0xC0, 0x00, 0, 5, 1, 0, 0, 0}, 8, TERN_EWIRE_LENGTH},
    {"zero checksum long", {0x80, 0x01, 0, 12, 0, 0, 0, 1, 0, 0, 0, 0}, 12, TERN_EWIRE_LENGTH},
    {"outgoing reset short", {0, 13, 0, 12, 0, 0, 0, 1, 0, 0, 0, 2}, 12, TERN_EWIRE_LENGTH},
    {"outgoing reset odd list",
     {0, 13, 0, 17, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 7, 0, 0, 0},
     20,
     TERN_EWIRE_LENGTH},
    {"incoming reset odd list", {0, 14, 0, 9, 0, 0, 0, 1, 7, 0, 0, 0}, 12, TERN_EWIRE_LENGTH},
    {"ssn/tsn reset long", {0, 15, 0, 12, 0, 0, 0, 1, 0, 0, 0, 0}, 12, TERN_EWIRE_LENGTH},
    {"reconfig response 12",
     {0, 16, 0, 16, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1},
     16,
     TERN_EWIRE_LENGTH},
    {"add streams short", {0, 17, 0, 8, 0, 0, 0, 1}, 8, TERN_EWIRE_LENGTH},
    {"add ip without address", {0xC0, 0x01, 0, 8, 0, 0, 0, 1}, 8, TERN_EWIRE_LENGTH},
    {"add ip, address truncated",
     {0xC0, 0x01, 0, 16, 0, 0, 0, 1, 0, 5, 0, 12, 1, 2, 3, 4},
     16,
     TERN_EWIRE_PARAM_LEN},
    {"add ip, not an address",
     {0xC0, 0x01, 0, 16, 0, 0, 0, 1, 0, 7, 0, 8, 1, 2, 3, 4},
     16,
     TERN_EWIRE_LENGTH},
    {"add ip, ipv4 of 6 bytes",
     {0xC0, 0x01, 0, 20, 0, 0, 0, 1, 0, 5, 0, 10, 1, 2, 3, 4, 5, 6, 0, 0},
     20,
     TERN_EWIRE_LENGTH},
    {"add ip, two addresses",
     {0xC0, 0x01, 0, 24, 0, 0, 0, 1, 0, 5, 0, 8, 1, 2, 3, 4, 0, 5, 0, 8, 1, 2, 3, 5},
     24,
     TERN_EWIRE_LENGTH},
    {"error cause indication short", {0xC0, 0x03, 0, 6, 0, 0, 0, 0}, 8, TERN_EWIRE_LENGTH},
    {"error cause indication, cause overlong",
     {0xC0, 0x03, 0, 16, 0, 0, 0, 3, 0, 0xA0, 0, 20, 0, 5, 0, 8},
     16,
     TERN_EWIRE_PARAM_LEN},
    {"success indication long", {0xC0, 0x05, 0, 12, 0, 0, 0, 5, 0, 0, 0, 0}, 12, TERN_EWIRE_LENGTH},
};

static int put_param(tern_wbuf *w, const void *obj)
{
    return tern_param_put(w, obj);
}

static int decode_param(const tern_tlv *raw, void *obj)
{
    return tern_param_decode(raw, obj);
}

#define NVALID (sizeof valid / sizeof valid[0])

static void every_valid_parameter_round_trips(void **state)
{
    (void)state;
    tern_param x;
    check_valid_vectors(valid, NVALID, decode_param, put_param, &x);
}

static void every_malformed_parameter_is_rejected(void **state)
{
    (void)state;
    tern_param x;
    check_malformed_vectors(malformed, sizeof malformed / sizeof malformed[0], decode_param, &x);
}

static tern_param decode_named(const char *name)
{
    tern_tlv tlv = frame_tlv(find_vec(valid, NVALID, name));
    tern_param x;
    assert_int_equal(tern_param_decode(&tlv, &x), 0);
    return x;
}

static const tlv_vec *vec_named(const char *name)
{
    return find_vec(valid, NVALID, name);
}

static void decoded_fields(void **state)
{
    (void)state;
    tern_param p = decode_named("ipv4");
    assert_memory_equal(p.u.ipv4, ((uint8_t[]){192, 0, 2, 1}), 4);
    p = decode_named("ipv6");
    assert_int_equal(p.u.ipv6[0], 0x20);
    assert_int_equal(p.u.ipv6[15], 1);
    p = decode_named("state cookie");
    assert_int_equal(p.u.bytes.len, 5);
    p = decode_named("unrecognized");
    assert_int_equal(p.u.bytes.len, 6);
    assert_int_equal(tern_load16(p.u.bytes.ptr), 0xBEEF);
    p = decode_named("cookie preservative");
    assert_int_equal(p.u.cookie_preservative, 5000);
    p = decode_named("supported address types");
    assert_int_equal(p.u.addr_types.count, 2);
    assert_int_equal(tern_list16_get(p.u.addr_types, 1), 6);
    p = decode_named("outgoing ssn reset");
    assert_int_equal(p.u.out_reset.req_seq, 1000);
    assert_int_equal(p.u.out_reset.resp_seq, 2000);
    assert_int_equal(p.u.out_reset.last_tsn, 0xfffffff0);
    assert_int_equal(p.u.out_reset.streams.count, 2);
    assert_int_equal(tern_list16_get(p.u.out_reset.streams, 1), 5);
    p = decode_named("outgoing ssn reset, all streams");
    assert_int_equal(p.u.out_reset.streams.count, 0);
    p = decode_named("incoming ssn reset");
    assert_int_equal(p.u.in_reset.req_seq, 1001);
    assert_int_equal(p.u.in_reset.streams.count, 1);
    assert_int_equal(tern_list16_get(p.u.in_reset.streams, 0), 9);
    p = decode_named("ssn/tsn reset");
    assert_int_equal(p.u.tsn_reset.req_seq, 1002);
    p = decode_named("reconfig response");
    assert_false(p.u.reconfig_resp.has_tsns);
    assert_int_equal(p.u.reconfig_resp.result, TERN_RECONFIG_SUCCESS_PERFORMED);
    p = decode_named("reconfig response with tsns");
    assert_true(p.u.reconfig_resp.has_tsns);
    assert_int_equal(p.u.reconfig_resp.sender_next_tsn, 77);
    assert_int_equal(p.u.reconfig_resp.receiver_next_tsn, 88);
    p = decode_named("add incoming streams, reserved kept");
    assert_int_equal(p.u.add_streams.req_seq, 1004);
    assert_int_equal(p.u.add_streams.num_streams, 8);
    assert_int_equal(p.u.add_streams.reserved, 0xABCD);
    p = decode_named("zero checksum");
    assert_int_equal(p.u.zero_checksum_edmid, 1);
    p = decode_named("hmac algorithms");
    assert_int_equal(p.u.hmac_ids.count, 2);
    assert_int_equal(tern_list16_get(p.u.hmac_ids, 0), TERN_HMAC_SHA256);
    p = decode_named("supported extensions");
    assert_int_equal(p.u.bytes.len, 3);
    assert_int_equal(p.u.bytes.ptr[2], TERN_CHUNK_I_FORWARD_TSN);
    p = decode_named("add ip");
    assert_int_equal(p.u.asconf_addr.correlation_id, 1);
    assert_int_equal(p.u.asconf_addr.addr.type, TERN_PARAM_IPV4);
    assert_memory_equal(p.u.asconf_addr.addr.value.ptr, ((uint8_t[]){192, 0, 2, 9}), 4);
    p = decode_named("delete ip v6");
    assert_int_equal(p.u.asconf_addr.addr.type, TERN_PARAM_IPV6);
    p = decode_named("error cause indication");
    assert_int_equal(p.u.error_ind.correlation_id, 3);
    assert_int_equal(p.u.error_ind.causes.len, 8);
    p = decode_named("success indication");
    assert_int_equal(p.u.success_ind.correlation_id, 5);
    p = decode_named("adaptation");
    assert_int_equal(p.u.adaptation, 0x01020304);
    p = decode_named("unknown, kept");
    assert_false(tern_param_type_known(p.type));
    assert_int_equal(p.raw.value.len, 2);
}

/* Builders from fields, not from a decode, give the RFC's bytes. */
static void built_from_fields(void **state)
{
    (void)state;
    tern_param p;
    memset(&p, 0, sizeof p);
    p.type = TERN_PARAM_IPV4;
    memcpy(p.u.ipv4, (uint8_t[]){192, 0, 2, 1}, 4);
    check_put_exact(vec_named("ipv4"), put_param, &p);

    static const uint8_t types[] = {0, 5, 0, 6};
    memset(&p, 0, sizeof p);
    p.type = TERN_PARAM_SUPPORTED_ADDR_TYPES;
    p.u.addr_types = (tern_list16){2, types};
    check_put_exact(vec_named("supported address types"), put_param, &p);
    p.u.addr_types.count = 1;
    check_put_exact(vec_named("supported address types, one"), put_param, &p);

    memset(&p, 0, sizeof p);
    p.type = TERN_PARAM_COOKIE_PRESERVATIVE;
    p.u.cookie_preservative = 5000;
    check_put_exact(vec_named("cookie preservative"), put_param, &p);

    static const uint8_t exts[] = {0x40, 0x82, 0xC2};
    memset(&p, 0, sizeof p);
    p.type = TERN_PARAM_SUPPORTED_EXT;
    p.u.bytes = (tern_bytes){exts, 3};
    check_put_exact(vec_named("supported extensions"), put_param, &p);

    memset(&p, 0, sizeof p);
    p.type = TERN_PARAM_ZERO_CHECKSUM;
    p.u.zero_checksum_edmid = 1;
    check_put_exact(vec_named("zero checksum"), put_param, &p);

    static const uint8_t streams[] = {0, 1, 0, 5};
    memset(&p, 0, sizeof p);
    p.type = TERN_PARAM_OUT_SSN_RESET_REQ;
    p.u.out_reset.req_seq = 1000;
    p.u.out_reset.resp_seq = 2000;
    p.u.out_reset.last_tsn = 0xfffffff0;
    p.u.out_reset.streams = (tern_list16){2, streams};
    check_put_exact(vec_named("outgoing ssn reset"), put_param, &p);

    memset(&p, 0, sizeof p);
    p.type = TERN_PARAM_RECONFIG_RESP;
    p.u.reconfig_resp.resp_seq = 2000;
    p.u.reconfig_resp.result = 1;
    check_put_exact(vec_named("reconfig response"), put_param, &p);
    p.u.reconfig_resp.has_tsns = true;
    p.u.reconfig_resp.sender_next_tsn = 77;
    p.u.reconfig_resp.receiver_next_tsn = 88;
    check_put_exact(vec_named("reconfig response with tsns"), put_param, &p);

    static const uint8_t addr[] = {0, 5, 0, 8, 192, 0, 2, 9};
    tern_tlv_iter it;
    memset(&p, 0, sizeof p);
    p.type = TERN_PARAM_ADD_IP;
    p.u.asconf_addr.correlation_id = 1;
    tern_tlv_iter_init(&it, addr, sizeof addr);
    assert_int_equal(tern_tlv_next(&it, &p.u.asconf_addr.addr), 1);
    check_put_exact(vec_named("add ip"), put_param, &p);
}

static void builder_refuses_unencodable_values(void **state)
{
    (void)state;
    uint8_t buf[64];
    tern_wbuf w;
    tern_param p;
    tern_wbuf_init(&w, buf, sizeof buf);
    memset(&p, 0, sizeof p);
    p.type = TERN_PARAM_HMAC_ALGO; /* at least one identifier */
    assert_int_equal(tern_param_put(&w, &p), TERN_EINVAL);
    p.type = TERN_PARAM_UNRECOGNIZED; /* must hold a TLV */
    assert_int_equal(tern_param_put(&w, &p), TERN_EINVAL);
    p.type = TERN_PARAM_ADD_IP; /* no address */
    assert_int_equal(tern_param_put(&w, &p), TERN_EINVAL);
    p.type = TERN_PARAM_STATE_COOKIE; /* NULL with a length */
    p.u.bytes = (tern_bytes){NULL, 4};
    assert_int_equal(tern_param_put(&w, &p), TERN_EINVAL);
    static uint8_t big[70000];
    p.u.bytes = (tern_bytes){big, 65532}; /* over 65535 with the header */
    assert_int_equal(tern_param_put(&w, &p), TERN_EINVAL);
    /* None of these wrote anything or poisoned the writer. */
    assert_int_equal(w.len, 0);
    assert_int_equal(w.err, 0);
}

static void unknown_parameter_actions(void **state)
{
    (void)state;
    assert_int_equal(tern_param_unknown_action(0x3FFF), TERN_UNKNOWN_STOP);
    assert_int_equal(tern_param_unknown_action(0x7FFF), TERN_UNKNOWN_STOP_REPORT);
    assert_int_equal(tern_param_unknown_action(0xBFFF), TERN_UNKNOWN_SKIP);
    assert_int_equal(tern_param_unknown_action(0xFFFF), TERN_UNKNOWN_SKIP_REPORT);
    assert_true(tern_param_type_known(TERN_PARAM_ZERO_CHECKSUM));
    assert_false(tern_param_type_known(0xBEEF));
    assert_string_equal(tern_param_type_name(TERN_PARAM_IPV4), "IPv4 Address");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_valid_parameter_round_trips),
        cmocka_unit_test(every_malformed_parameter_is_rejected),
        cmocka_unit_test(decoded_fields),
        cmocka_unit_test(built_from_fields),
        cmocka_unit_test(builder_refuses_unencodable_values),
        cmocka_unit_test(unknown_parameter_actions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
