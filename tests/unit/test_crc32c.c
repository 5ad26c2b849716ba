/* CRC32c (RFC 9260 appendix A): known vectors, a captured SCTP packet, the
 * generated tables, and the hardware path against the portable one at every
 * length and alignment. Tests that take an implementation run once for each
 * of portable, hardware (skipped when the CPU has no CRC instruction) and the
 * dispatcher. */
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

struct impl {
    const char *name;
    crc_fn fn;
    int needs_hw;
};

static const struct impl impl_sw = {"portable", tern_crc32c_sw, 0};
static const struct impl impl_hw = {"hardware", tern_crc32c_hw, 1};
static const struct impl impl_dispatch = {"dispatch", tern_crc32c, 0};

/* The implementation a test runs on; skips the test if the CPU lacks it. */
static const struct impl *impl_of(void **state)
{
    const struct impl *im = *state;
    if (im->needs_hw && !tern_crc32c_hw_available()) {
        print_message("no CRC32c instruction on this CPU (tern_crc32c_impl: %s): "
                      "hardware path not tested\n",
                      tern_crc32c_impl());
        skip();
    }
    return im;
}

static void skip_without_hw(void)
{
    if (!tern_crc32c_hw_available()) {
        print_message("no CRC32c instruction on this CPU: nothing to compare\n");
        skip();
    }
}

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

/* xorshift64 from a fixed seed: the same bytes on every run. */
static void fill_random(uint8_t *p, size_t n, uint64_t seed)
{
    uint64_t x = seed | 1;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        p[i] = (uint8_t)(x >> 24);
    }
}

static uint8_t *random_buffer(size_t n, uint64_t seed)
{
    uint8_t *buf = malloc(n ? n : 1);
    assert_non_null(buf);
    fill_random(buf, n, seed);
    return buf;
}

/* RFC 3720 appendix B.4; the CRC bytes there are listed least significant first. */
static void rfc3720_vectors(void **state)
{
    crc_fn f = impl_of(state)->fn;
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
    assert_int_equal(f(0, zeros, 32), 0x8a9136aa);
    assert_int_equal(f(0, ones, 32), 0x62a8ab43);
    assert_int_equal(f(0, inc, 32), 0x46dd794e);
    assert_int_equal(f(0, dec, 32), 0x113fdb5c);
    assert_int_equal(f(0, iscsi, 48), 0xd9963a56);
}

/* The catalogue check value of CRC-32C, and the empty message. */
static void check_value(void **state)
{
    crc_fn f = impl_of(state)->fn;
    assert_int_equal(f(0, "123456789", 9), 0xe3069283);
    assert_int_equal(f(0, "", 0), 0);
    assert_int_equal(f(0x12345678, "", 0), 0x12345678);
}

/* Packet 5 of Wireshark's sample capture sctp-www.cap (also in dpkt's tests):
 * a DATA chunk carrying an HTTP GET. Its checksum field was written by the
 * sending host's SCTP stack, not by us. The chunk is 419 bytes; the string's
 * terminating NUL is the one byte of padding. */
static const uint8_t capture_data_header[28] = {
    0x80, 0x44, 0x00, 0x50, /* ports 32836 -> 80 */
    0xd2, 0x6a, 0xc1, 0xe5, /* verification tag */
    0x70, 0xe5, 0x5b, 0x4c, /* checksum 0x4c5be570, least significant byte first */
    0x00, 0x03, 0x01, 0xa3, /* DATA, B|E, length 419 */
    0x2b, 0x2d, 0x7e, 0xb2, /* TSN */
    0x00, 0x00, 0x00, 0x00, /* stream 0, SSN 0 */
    0x00, 0x00, 0x00, 0x00, /* PPID 0 */
};
static const char capture_data_body[] =
    "GET / HTTP/1.1\r\n"
    "Host: 203.255.252.194\r\n"
    "User-Agent: Mozilla/5.0 (X11; U; Linux i686; ko-KR; rv:1.7.12) Gecko/20051007 "
    "Debian/1.7.12-1\r\n"
    "Accept: "
    "text/xml,application/xml,application/xhtml+xml,text/html;q=0.9,text/plain;q=0.8,image/"
    "png,*/*;q=0.5\r\n"
    "Accept-Language: ko,en-us;q=0.7,en;q=0.3\r\n"
    "Accept-Encoding: gzip,deflate\r\n"
    "Accept-Charset: EUC-KR,utf-8;q=0.7,*;q=0.7\r\n"
    "Keep-Alive: 300\r\n"
    "Connection: keep-alive\r\n"
    "\r\n";

/* The INIT quoted in dpkt's tests: same ports as the DATA above, and its
 * initial TSN is that DATA's TSN. */
static const uint8_t capture_init[72] = {
    0x80, 0x44, 0x00, 0x50, 0x00, 0x00, 0x00, 0x00, 0x30, 0xba, 0xef, 0x54, 0x01, 0x00, 0x00,
    0x3c, 0x3b, 0xb9, 0x9c, 0x46, 0x00, 0x01, 0xa0, 0x00, 0x00, 0x0a, 0xff, 0xff, 0x2b, 0x2d,
    0x7e, 0xb2, 0x00, 0x05, 0x00, 0x08, 0x9b, 0xe6, 0x18, 0x9b, 0x00, 0x05, 0x00, 0x08, 0x9b,
    0xe6, 0x18, 0x9c, 0x00, 0x0c, 0x00, 0x06, 0x00, 0x05, 0x00, 0x00, 0x80, 0x00, 0x00, 0x04,
    0xc0, 0x00, 0x00, 0x04, 0xc0, 0x06, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00,
};

/* RFC 9260 §6.8: CRC over the packet with the checksum field zeroed, placed
 * least significant byte first. Checks both the value and the placement. */
static void check_captured_packet(crc_fn f, const uint8_t *pkt, size_t len, uint32_t want)
{
    static const uint8_t zero[4] = {0};
    uint32_t crc = f(0, pkt, 8);
    crc = f(crc, zero, sizeof zero);
    crc = f(crc, pkt + 12, len - 12);
    assert_int_equal(crc, want);
    const uint8_t wire[4] = {(uint8_t)crc, (uint8_t)(crc >> 8), (uint8_t)(crc >> 16),
                             (uint8_t)(crc >> 24)};
    assert_memory_equal(pkt + 8, wire, 4);

    uint8_t *copy = malloc(len); /* and in one call over a zeroed copy */
    assert_non_null(copy);
    memcpy(copy, pkt, len);
    memset(copy + 8, 0, 4);
    assert_int_equal(f(0, copy, len), want);
    free(copy);
}

static void sctp_capture_checksums(void **state)
{
    crc_fn f = impl_of(state)->fn;
    enum { DATA_LEN = sizeof capture_data_header + sizeof capture_data_body };
    assert_int_equal(DATA_LEN, 432);
    uint8_t data[DATA_LEN];
    memcpy(data, capture_data_header, sizeof capture_data_header);
    memcpy(data + sizeof capture_data_header, capture_data_body, sizeof capture_data_body);
    check_captured_packet(f, data, sizeof data, 0x4c5be570);
    check_captured_packet(f, capture_init, sizeof capture_init, 0x54efba30);
}

/* RFC 9260 appendix A prints the byte table (crc_c[]); ours is slice8[0]. */
static void rfc9260_appendix_a_table(void **state)
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

/* Against the bitwise reference: every length through two short-block
 * triples (3 x 256 bytes) at every alignment, and lengths around the
 * long-block triple (3 x 8192). */
static void matches_bitwise_reference(void **state)
{
    crc_fn f = impl_of(state)->fn;
    enum { MAX = 3 * TERN_CRC32C_LONG * 2 + 3 * TERN_CRC32C_SHORT + 64 };
    uint8_t *buf = random_buffer(MAX + 8, 1);
    for (size_t align = 0; align < 8; align++)
        for (size_t len = 0; len <= 3 * TERN_CRC32C_SHORT * 2 + 40; len++)
            assert_int_equal(f(0, buf + align, len), crc_bitwise(0, buf + align, len));
    const size_t lens[] = {3 * TERN_CRC32C_LONG - 1, 3 * TERN_CRC32C_LONG, 3 * TERN_CRC32C_LONG + 1,
                           3 * TERN_CRC32C_LONG + 3 * TERN_CRC32C_SHORT + 7, MAX};
    for (size_t align = 0; align < 8; align++)
        for (size_t l = 0; l < sizeof lens / sizeof lens[0]; l++)
            assert_int_equal(f(0, buf + align, lens[l]), crc_bitwise(0, buf + align, lens[l]));
    free(buf);
}

/* Hardware and dispatcher equal portable: every length 0..4096 at every
 * alignment 0..7, from a nonzero starting CRC as well. */
static void hw_equals_sw_every_length(void **state)
{
    (void)state;
    skip_without_hw();
    uint8_t *buf = random_buffer(4096 + 8, 2);
    for (size_t align = 0; align < 8; align++)
        for (size_t len = 0; len <= 4096; len++) {
            const uint8_t *p = buf + align;
            uint32_t want = tern_crc32c_sw(0, p, len);
            assert_int_equal(tern_crc32c_hw(0, p, len), want);
            assert_int_equal(tern_crc32c(0, p, len), want);
            uint32_t seed = (uint32_t)(len * 0x9E3779B1u);
            assert_int_equal(tern_crc32c_hw(seed, p, len), tern_crc32c_sw(seed, p, len));
        }
    free(buf);
}

/* And on large buffers, up to 1 MiB, at every alignment. */
static void hw_equals_sw_large(void **state)
{
    (void)state;
    skip_without_hw();
    const size_t max = (size_t)1 << 20;
    uint8_t *buf = random_buffer(max + 8, 3);
    const size_t lens[] = {1452,       9000,       3 * TERN_CRC32C_LONG + 5, 65536,
                           65536 + 13, 100000 + 3, (size_t)1 << 18,          max - 1,
                           max};
    for (size_t align = 0; align < 8; align++)
        for (size_t l = 0; l < sizeof lens / sizeof lens[0]; l++) {
            uint32_t want = tern_crc32c_sw(0, buf + align, lens[l]);
            assert_int_equal(tern_crc32c_hw(0, buf + align, lens[l]), want);
            assert_int_equal(tern_crc32c(0, buf + align, lens[l]), want);
        }
    /* The portable path itself against the reference, once at full size. */
    assert_int_equal(tern_crc32c_sw(0, buf, max), crc_bitwise(0, buf, max));
    free(buf);
}

/* Splitting a buffer at any offset and chaining gives the one-shot result. */
static void chaining_equals_one_shot(void **state)
{
    crc_fn f = impl_of(state)->fn;
    enum { N = 3 * TERN_CRC32C_SHORT * 4 };
    uint8_t *buf = random_buffer(N, 4);
    const size_t lens[] = {0, 1, 7, 8, 9, 64, 1000, 1452, N};
    for (size_t l = 0; l < sizeof lens / sizeof lens[0]; l++) {
        uint32_t whole = crc_bitwise(0, buf, lens[l]);
        for (size_t cut = 0; cut <= lens[l]; cut++) {
            uint32_t c = f(0, buf, cut);
            assert_int_equal(f(c, buf + cut, lens[l] - cut), whole);
        }
    }
    /* Three pieces around the long-block size, at a few cuts. */
    enum { L = 3 * TERN_CRC32C_LONG + 100 };
    uint8_t *big = random_buffer(L, 5);
    uint32_t whole = crc_bitwise(0, big, L);
    for (size_t a = 0; a < L; a += 4099)
        for (size_t b = a; b <= L; b += 7919) {
            uint32_t c = f(0, big, a);
            c = f(c, big + a, b - a);
            assert_int_equal(f(c, big + b, L - b), whole);
        }
    free(big);
    free(buf);
}

static void hardware_path_is_reported(void **state)
{
    (void)state;
    const char *impl = tern_crc32c_impl();
    print_message("tern_crc32c uses: %s\n", impl);
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

#define PER_IMPL(fn)                                            \
    {#fn "/portable", fn, NULL, NULL, (void *)&impl_sw},        \
        {#fn "/hardware", fn, NULL, NULL, (void *)&impl_hw},    \
    {                                                           \
#fn "/dispatch", fn, NULL, NULL, (void *)&impl_dispatch \
    }

int main(void)
{
    const struct CMUnitTest tests[] = {
        PER_IMPL(rfc3720_vectors),
        PER_IMPL(check_value),
        PER_IMPL(sctp_capture_checksums),
        cmocka_unit_test(rfc9260_appendix_a_table),
        cmocka_unit_test(generated_tables_match_the_polynomial),
        PER_IMPL(matches_bitwise_reference),
        cmocka_unit_test(hw_equals_sw_every_length),
        cmocka_unit_test(hw_equals_sw_large),
        PER_IMPL(chaining_equals_one_shot),
        cmocka_unit_test(hardware_path_is_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
