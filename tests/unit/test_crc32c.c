/* CRC32c (RFC 9260 appendix A): known vectors, the generated tables, and the
 * hardware path against the portable one at every length and alignment. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "wire/crc32c.h"
#include "wire/crc32c_tables.h"

typedef uint32_t (*crc_fn)(uint32_t, const void *, size_t);

static const struct {
    const char *name;
    crc_fn fn;
} impls[] = {{"portable", tern_crc32c_sw}, {"hardware", tern_crc32c_hw}, {"dispatch", tern_crc32c}};

#define NIMPLS (sizeof impls / sizeof impls[0])

/* The reference: one bit at a time, straight from the polynomial. */
static uint32_t crc_bitwise(uint32_t crc, const uint8_t *p, size_t n)
{
    crc = ~crc;
    while (n--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
    }
    return ~crc;
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t xorshift(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void fill_random(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)xorshift();
}

/* RFC 3720 appendix B.4; the CRC bytes there are listed least significant first. */
static void rfc3720_vectors(void **state)
{
    (void)state;
    uint8_t zeros[32] = {0}, ones[32], inc[32], dec[32];
    memset(ones, 0xff, sizeof ones);
    for (int i = 0; i < 32; i++) {
        inc[i] = (uint8_t)i;
        dec[i] = (uint8_t)(31 - i);
    }
    /* An iSCSI Read (10) command PDU. */
    const uint8_t iscsi[48] = {0x01, 0xc0, 0, 0, 0, 0, 0, 0, 0,    0, 0, 0,    0, 0, 0, 0,
                               0x14, 0,    0, 0, 0, 0, 4, 0, 0,    0, 0, 0x14, 0, 0, 0, 0x18,
                               0x28, 0,    0, 0, 0, 0, 0, 0, 0x02, 0, 0, 0,    0, 0, 0, 0};
    for (size_t i = 0; i < NIMPLS; i++) {
        crc_fn f = impls[i].fn;
        assert_int_equal(f(0, zeros, 32), 0x8a9136aa);
        assert_int_equal(f(0, ones, 32), 0x62a8ab43);
        assert_int_equal(f(0, inc, 32), 0x46dd794e);
        assert_int_equal(f(0, dec, 32), 0x113fdb5c);
        assert_int_equal(f(0, iscsi, 48), 0xd9963a56);
        assert_int_equal(f(0, "123456789", 9), 0xe3069283); /* the catalogue check value */
        assert_int_equal(f(0, "", 0), 0);
    }
}

/* RFC 9260 appendix A prints the byte table (crc_c[]) and places the result
 * on the wire least significant byte first. */
static void rfc9260_appendix_a(void **state)
{
    (void)state;
    static const struct {
        int index;
        uint32_t value;
    } printed[] = {{0, 0x00000000},   {1, 0xF26B8303},   {2, 0xE13B70F7},   {3, 0x1350F3F4},
                   {4, 0xC79A971F},   {15, 0x5E133C24},  {16, 0x105EC76F},  {128, 0x82F63B78},
                   {252, 0xBE2DA0A5}, {253, 0x4C4623A6}, {254, 0x5F16D052}, {255, 0xAD7D5351}};
    for (size_t i = 0; i < sizeof printed / sizeof printed[0]; i++)
        assert_int_equal(tern_crc32c_slice8[0][printed[i].index], printed[i].value);
    /* Its generate_crc32c(): byte-at-a-time over the table, then the bytes of
     * ~crc in the order byte0..byte3 of the returned big-endian word. */
    const uint8_t msg[] = "SCTP appendix A";
    uint32_t c = 0xffffffff;
    for (size_t i = 0; i < sizeof msg - 1; i++)
        c = (c >> 8) ^ tern_crc32c_slice8[0][(c ^ msg[i]) & 0xff];
    uint32_t result = ~c;
    uint8_t wire[4] = {(uint8_t)result, (uint8_t)(result >> 8), (uint8_t)(result >> 16),
                       (uint8_t)(result >> 24)};
    uint32_t ours = tern_crc32c(0, msg, sizeof msg - 1);
    assert_int_equal(ours, result);
    assert_int_equal(wire[0], ours & 0xff);
}

static void generated_tables_match_the_polynomial(void **state)
{
    (void)state;
    /* slice8[k][b]: the register after byte b followed by k zero bytes. */
    for (int k = 0; k < 8; k++)
        for (int b = 0; b < 256; b++) {
            uint32_t c = (uint32_t)b;
            for (int i = 0; i < 8 * (k + 1); i++)
                c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1u)));
            assert_int_equal(tern_crc32c_slice8[k][b], c);
        }
    /* shift tables: register b << 8k after N zero bytes. */
    const struct {
        const uint32_t (*table)[256];
        size_t bytes;
    } shifts[] = {{tern_crc32c_shift_long, TERN_CRC32C_LONG},
                  {tern_crc32c_shift_short, TERN_CRC32C_SHORT}};
    for (size_t s = 0; s < 2; s++)
        for (int k = 0; k < 4; k++)
            for (int b = 1; b < 256; b <<= 1) { /* linear: bits suffice, */
                uint32_t c = (uint32_t)b << (8 * k);
                for (size_t i = 0; i < 8 * shifts[s].bytes; i++)
                    c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1u)));
                assert_int_equal(shifts[s].table[k][b], c);
            }
    for (size_t s = 0; s < 2; s++) /* and every entry is the XOR of its bits' images */
        for (int k = 0; k < 4; k++)
            for (int b = 0; b < 256; b++) {
                uint32_t v = 0;
                for (int i = 0; i < 8; i++)
                    if (b >> i & 1) v ^= shifts[s].table[k][1 << i];
                assert_int_equal(shifts[s].table[k][b], v);
            }
}

static void every_implementation_matches_bitwise(void **state)
{
    (void)state;
    enum { MAX = 3 * 8192 * 2 + 3 * 256 + 64 };
    uint8_t *buf = malloc(MAX + 8);
    assert_non_null(buf);
    fill_random(buf, MAX + 8);
    /* Every length through several short-block triples, at every alignment. */
    for (size_t align = 0; align < 8; align++)
        for (size_t len = 0; len <= 3 * 256 * 2 + 40; len++) {
            uint32_t want = crc_bitwise(0, buf + align, len);
            for (size_t i = 0; i < NIMPLS; i++)
                assert_int_equal(impls[i].fn(0, buf + align, len), want);
        }
    /* Lengths around the long-block triple. */
    const size_t lens[] = {3 * 8192 - 1, 3 * 8192, 3 * 8192 + 1, 3 * 8192 + 3 * 256 + 7, MAX};
    for (size_t align = 0; align < 8; align++)
        for (size_t l = 0; l < sizeof lens / sizeof lens[0]; l++) {
            uint32_t want = crc_bitwise(0, buf + align, lens[l]);
            for (size_t i = 0; i < NIMPLS; i++)
                assert_int_equal(impls[i].fn(0, buf + align, lens[l]), want);
        }
    free(buf);
}

static void large_random_buffers(void **state)
{
    (void)state;
    size_t len = 1 << 20;
    uint8_t *buf = malloc(len);
    assert_non_null(buf);
    fill_random(buf, len);
    uint32_t want = tern_crc32c_sw(0, buf, len);
    assert_int_equal(crc_bitwise(0, buf, len), want);
    assert_int_equal(tern_crc32c_hw(0, buf, len), want);
    assert_int_equal(tern_crc32c(0, buf + 3, len - 3), tern_crc32c_sw(0, buf + 3, len - 3));
    free(buf);
}

static void chaining_equals_one_shot(void **state)
{
    (void)state;
    uint8_t buf[3000];
    fill_random(buf, sizeof buf);
    const size_t lens[] = {0, 1, 7, 64, 1000, 3000};
    for (size_t l = 0; l < sizeof lens / sizeof lens[0]; l++) {
        uint32_t whole = crc_bitwise(0, buf, lens[l]);
        for (size_t cut = 0; cut <= lens[l]; cut++)
            for (size_t i = 0; i < NIMPLS; i++) {
                uint32_t c = impls[i].fn(0, buf, cut);
                assert_int_equal(impls[i].fn(c, buf + cut, lens[l] - cut), whole);
            }
    }
}

static void hardware_path_is_reported(void **state)
{
    (void)state;
    const char *impl = tern_crc32c_impl();
    if (tern_crc32c_hw_available())
        assert_string_not_equal(impl, "portable");
    else
        assert_string_equal(impl, "portable");
#if defined(__x86_64__)
    /* Every x86-64 machine we build on has SSE4.2: if detection says no, the
     * fast path is silently lost, which is a bug worth failing for. */
    assert_true(tern_crc32c_hw_available());
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc3720_vectors),
        cmocka_unit_test(rfc9260_appendix_a),
        cmocka_unit_test(generated_tables_match_the_polynomial),
        cmocka_unit_test(every_implementation_matches_bitwise),
        cmocka_unit_test(large_random_buffers),
        cmocka_unit_test(chaining_equals_one_shot),
        cmocka_unit_test(hardware_path_is_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
