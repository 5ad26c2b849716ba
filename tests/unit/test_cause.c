/* Error cause codec: RFC 9260 §3.3.10.1–§3.3.10.13, RFC 5061 §4.3,
 * RFC 4895 §4.1. */
#include "wire/cause.h"

#include "tlv_testutil.h"

static const tlv_vec valid[] = {
    {"invalid stream", {0, 1, 0, 8, 0, 17, 0, 0}, 8, 0},
    {"invalid stream, reserved kept", {0, 1, 0, 8, 0, 17, 0xFF, 0xFE}, 8, 0},
    {"missing mandatory parameter", {0, 2, 0, 14, 0, 0, 0, 3, 0, 7, 0, 5, 0, 6, 0, 0}, 16, 0},
    {"missing mandatory parameter, none", {0, 2, 0, 8, 0, 0, 0, 0}, 8, 0},
    {"stale cookie", {0, 3, 0, 8, 0, 0x16, 0xE3, 0x60}, 8, 0},
    {"out of resource", {0, 4, 0, 4}, 4, 0},
    {"unresolvable address", {0, 5, 0, 12, 0, 5, 0, 8, 192, 0, 2, 7}, 12, 0},
    {"unrecognized chunk", {0, 6, 0, 12, 0x7F, 0, 0, 8, 1, 2, 3, 4}, 12, 0},
    {"invalid mandatory parameter", {0, 7, 0, 4}, 4, 0},
    {"unrecognized parameters", {0, 8, 0, 9, 0x7F, 0xFE, 0, 5, 0x42, 0, 0, 0}, 12, 0},
    {"no user data", {0, 9, 0, 8, 0xff, 0xff, 0xff, 0xf3}, 8, 0},
    {"cookie while shutting down", {0, 10, 0, 4}, 4, 0},
    {"restart with new addresses", {0, 11, 0, 12, 0, 5, 0, 8, 10, 0, 0, 2}, 12, 0},
    {"user-initiated abort", {0, 12, 0, 7, 'b', 'y', 'e', 0}, 8, 0},
    {"user-initiated abort, empty", {0, 12, 0, 4}, 4, 0},
    {"protocol violation", {0, 13, 0, 11, 'b', 'a', 'd', ' ', 'T', 'S', 'N', 0}, 12, 0},
    {"delete last address", {0, 0xA0, 0, 12, 0, 5, 0, 8, 192, 0, 2, 7}, 12, 0},
    {"resource shortage", {0, 0xA1, 0, 12, 0, 5, 0, 8, 192, 0, 2, 7}, 12, 0},
    {"delete source address", {0, 0xA2, 0, 12, 0, 5, 0, 8, 192, 0, 2, 7}, 12, 0},
    {"illegal asconf-ack", {0, 0xA3, 0, 4}, 4, 0},
    {"no authorization", {0, 0xA4, 0, 12, 0, 5, 0, 8, 192, 0, 2, 7}, 12, 0},
    {"unsupported hmac", {0x01, 0x05, 0, 6, 0, 2, 0, 0}, 8, 0},
    {"unknown, kept", {0xAB, 0xCD, 0, 5, 7, 0, 0, 0}, 8, 0},
};

static const tlv_vec malformed[] = {
    {"invalid stream short", {0, 1, 0, 6, 0, 17, 0, 0}, 8, TERN_EWIRE_LENGTH},
    {"missing params, count past length",
     {0, 2, 0, 10, 0, 0, 0, 2, 0, 7, 0, 0},
     12,
     TERN_EWIRE_LENGTH},
    {"missing params, huge count", {0, 2, 0, 8, 0xff, 0xff, 0xff, 0xff}, 8, TERN_EWIRE_LENGTH},
    {"missing params, no count", {0, 2, 0, 6, 0, 0, 0, 0}, 8, TERN_EWIRE_LENGTH},
    {"stale cookie long", {0, 3, 0, 12, 0, 0, 0, 1, 0, 0, 0, 0}, 12, TERN_EWIRE_LENGTH},
    {"out of resource with a body", {0, 4, 0, 8, 0, 0, 0, 0}, 8, TERN_EWIRE_LENGTH},
    {"unresolvable address empty", {0, 5, 0, 4}, 4, TERN_EWIRE_LENGTH},
    {"unresolvable address overlong",
     {0, 5, 0, 12, 0, 5, 0, 16, 1, 2, 3, 4},
     12,
     TERN_EWIRE_PARAM_LEN},
    {"unrecognized chunk too short", {0, 6, 0, 6, 0x7F, 0, 0, 0}, 8, TERN_EWIRE_LENGTH},
    {"unrecognized parameters empty", {0, 8, 0, 4}, 4, TERN_EWIRE_LENGTH},
    {"unrecognized parameters, stray bytes",
     {0, 8, 0, 6, 0x7F, 0xFE, 0, 0},
     8,
     TERN_EWIRE_PARAM_LEN},
    {"no user data short", {0, 9, 0, 6, 0, 1, 0, 0}, 8, TERN_EWIRE_LENGTH},
    {"cookie while shutting down with a body", {0, 10, 0, 5, 1, 0, 0, 0}, 8, TERN_EWIRE_LENGTH},
    {"delete last address, nested length < 4",
     {0, 0xA0, 0, 8, 0, 5, 0, 3, 0, 0, 0, 0},
     8,
     TERN_EWIRE_PARAM_LEN},
    {"illegal asconf-ack with a body", {0, 0xA3, 0, 8, 0, 0, 0, 0}, 8, TERN_EWIRE_LENGTH},
    {"unsupported hmac, padding counted", {0x01, 0x05, 0, 8, 0, 2, 0, 0}, 8, TERN_EWIRE_LENGTH},
};

static int put_cause(tern_wbuf *w, const void *obj)
{
    return tern_cause_put(w, obj);
}

static int decode_cause(const tern_tlv *raw, void *obj)
{
    return tern_cause_decode(raw, obj);
}

#define NVALID (sizeof valid / sizeof valid[0])

static void every_valid_cause_round_trips(void **state)
{
    (void)state;
    tern_cause x;
    check_valid_vectors(valid, NVALID, decode_cause, put_cause, &x);
}

static void every_malformed_cause_is_rejected(void **state)
{
    (void)state;
    tern_cause x;
    check_malformed_vectors(malformed, sizeof malformed / sizeof malformed[0], decode_cause, &x);
}

static tern_cause decode_named(const char *name)
{
    tern_tlv tlv = frame_tlv(find_vec(valid, NVALID, name));
    tern_cause x;
    assert_int_equal(tern_cause_decode(&tlv, &x), 0);
    return x;
}

static const tlv_vec *vec_named(const char *name)
{
    return find_vec(valid, NVALID, name);
}

static void decoded_fields(void **state)
{
    (void)state;
    tern_cause c = decode_named("invalid stream");
    assert_int_equal(c.u.invalid_stream.stream, 17);
    c = decode_named("invalid stream, reserved kept");
    assert_int_equal(c.u.invalid_stream.reserved, 0xFFFE);
    c = decode_named("missing mandatory parameter");
    assert_int_equal(c.u.missing.count, 3);
    assert_int_equal(tern_list16_get(c.u.missing, 0), TERN_PARAM_STATE_COOKIE);
    assert_int_equal(tern_list16_get(c.u.missing, 2), TERN_PARAM_IPV6);
    c = decode_named("stale cookie");
    assert_int_equal(c.u.staleness_us, 1500000);
    c = decode_named("unresolvable address");
    assert_int_equal(c.u.bytes.len, 8);
    c = decode_named("unrecognized chunk");
    assert_int_equal(c.u.bytes.ptr[0], 0x7F);
    c = decode_named("unrecognized parameters");
    assert_int_equal(c.u.bytes.len, 5);
    c = decode_named("no user data");
    assert_int_equal(c.u.tsn, 0xfffffff3);
    c = decode_named("user-initiated abort");
    assert_memory_equal(c.u.bytes.ptr, "bye", 3);
    c = decode_named("unsupported hmac");
    assert_int_equal(c.u.hmac_id, 2);
    c = decode_named("unknown, kept");
    assert_false(tern_cause_code_known(c.code));
    assert_int_equal(c.raw.value.len, 1);
}

static int put_invalid_stream_17(tern_wbuf *w, const void *obj)
{
    (void)obj;
    return tern_cause_put_invalid_stream(w, 17);
}

static int put_missing_3(tern_wbuf *w, const void *obj)
{
    (void)obj;
    static const uint16_t types[] = {TERN_PARAM_STATE_COOKIE, TERN_PARAM_IPV4, TERN_PARAM_IPV6};
    return tern_cause_put_missing_params(w, types, 3);
}

static int put_stale(tern_wbuf *w, const void *obj)
{
    (void)obj;
    return tern_cause_put_stale_cookie(w, 1500000);
}

static int put_no_user_data(tern_wbuf *w, const void *obj)
{
    (void)obj;
    return tern_cause_put_no_user_data(w, 0xfffffff3);
}

static int put_abort_bye(tern_wbuf *w, const void *obj)
{
    (void)obj;
    return tern_cause_put_bytes(w, TERN_CAUSE_USER_ABORT, "bye", 3);
}

static int put_hmac_2(tern_wbuf *w, const void *obj)
{
    (void)obj;
    tern_cause c = {.code = TERN_CAUSE_UNSUPPORTED_HMAC};
    c.u.hmac_id = 2;
    return tern_cause_put(w, &c);
}

/* The convenience builders write the RFC layouts. */
static void convenience_builders(void **state)
{
    (void)state;
    check_put_exact(vec_named("invalid stream"), put_invalid_stream_17, NULL);
    check_put_exact(vec_named("missing mandatory parameter"), put_missing_3, NULL);
    check_put_exact(vec_named("stale cookie"), put_stale, NULL);
    check_put_exact(vec_named("no user data"), put_no_user_data, NULL);
    check_put_exact(vec_named("user-initiated abort"), put_abort_bye, NULL);
    check_put_exact(vec_named("unsupported hmac"), put_hmac_2, NULL);
}

static void builder_refuses_unencodable_values(void **state)
{
    (void)state;
    uint8_t buf[64];
    tern_wbuf w;
    tern_wbuf_init(&w, buf, sizeof buf);
    assert_int_equal(tern_cause_put_missing_params(&w, NULL, 2), TERN_EINVAL);
    static const uint16_t many[1] = {0};
    assert_int_equal(tern_cause_put_missing_params(&w, many, 40000), TERN_EINVAL);
    assert_int_equal(tern_cause_put_bytes(&w, TERN_CAUSE_USER_ABORT, NULL, 3), TERN_EINVAL);
    tern_cause c = {.code = TERN_CAUSE_UNRESOLVABLE_ADDR}; /* needs an address TLV */
    assert_int_equal(tern_cause_put(&w, &c), TERN_EINVAL);
    c.code = TERN_CAUSE_UNRECOGNIZED_CHUNK; /* needs a chunk header */
    assert_int_equal(tern_cause_put(&w, &c), TERN_EINVAL);
    assert_int_equal(w.len, 0);
    assert_int_equal(w.err, 0);
}

static void names(void **state)
{
    (void)state;
    assert_string_equal(tern_cause_code_name(TERN_CAUSE_STALE_COOKIE), "Stale Cookie Error");
    assert_true(tern_cause_code_known(TERN_CAUSE_UNSUPPORTED_HMAC));
    assert_false(tern_cause_code_known(14));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_valid_cause_round_trips),
        cmocka_unit_test(every_malformed_cause_is_rejected),
        cmocka_unit_test(decoded_fields),
        cmocka_unit_test(convenience_builders),
        cmocka_unit_test(builder_refuses_unencodable_values),
        cmocka_unit_test(names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
