/* Packet framing (RFC 9260 §3, §3.2, §3.2.1): common header, chunk and TLV
 * iteration with their padding rules, checksum, and the bounded writer. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "wire/packet.h"

#define HDR 0x13, 0x88, 0x13, 0x89, 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0

static int count_chunks(const uint8_t *p, size_t n)
{
    return tern_packet_validate(p, n);
}

static void common_header_fields(void **state)
{
    (void)state;
    const uint8_t pkt[] = {0x13, 0x88, 0x13, 0x89, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4};
    tern_common_header h;
    tern_chunk_iter it;
    tern_chunk_raw raw;
    assert_int_equal(tern_packet_parse(pkt, sizeof pkt, &h, &it), 0);
    assert_int_equal(h.src_port, 5000);
    assert_int_equal(h.dst_port, 5001);
    assert_int_equal(h.vtag, 0xdeadbeef);
    assert_int_equal(h.checksum, 0x01020304);
    assert_int_equal(tern_chunk_next(&it, &raw), 0); /* no chunks */
    assert_int_equal(count_chunks(pkt, sizeof pkt), 0);
}

static void packet_shorter_than_header_is_rejected(void **state)
{
    (void)state;
    const uint8_t pkt[11] = {0};
    tern_common_header h;
    tern_chunk_iter it;
    for (size_t n = 0; n < 12; n++)
        assert_int_equal(tern_packet_parse(pkt, n, &h, &it), TERN_EWIRE_SHORT);
    assert_int_equal(count_chunks(pkt, 11), TERN_EWIRE_SHORT);
}

static void chunks_iterate_with_padding(void **state)
{
    (void)state;
    /* A 5-byte chunk padded to 8, then an 8-byte chunk, then a 4-byte chunk. */
    const uint8_t pkt[] = {HDR,  0x40, 0x01, 0x00, 0x05, 0xAA, 0,    0,    0,    0x03, 0x00,
                           0x00, 0x08, 1,    2,    3,    4,    0x0b, 0x00, 0x00, 0x04};
    tern_common_header h;
    tern_chunk_iter it;
    tern_chunk_raw raw;
    assert_int_equal(tern_packet_parse(pkt, sizeof pkt, &h, &it), 0);
    assert_int_equal(tern_chunk_next(&it, &raw), 1);
    assert_int_equal(raw.type, 0x40);
    assert_int_equal(raw.flags, 0x01);
    assert_int_equal(raw.length, 5);
    assert_int_equal(raw.value.len, 1);
    assert_int_equal(raw.value.ptr[0], 0xAA);
    assert_ptr_equal(raw.start, pkt + 12);
    assert_int_equal(tern_chunk_next(&it, &raw), 1);
    assert_int_equal(raw.type, 3);
    assert_int_equal(raw.value.len, 4);
    assert_memory_equal(raw.value.ptr, ((uint8_t[]){1, 2, 3, 4}), 4);
    assert_int_equal(tern_chunk_next(&it, &raw), 1);
    assert_int_equal(raw.type, 11);
    assert_int_equal(raw.value.len, 0);
    assert_int_equal(tern_chunk_next(&it, &raw), 0);
    assert_int_equal(count_chunks(pkt, sizeof pkt), 3);
}

static void nonzero_padding_is_ignored(void **state)
{
    (void)state;
    /* §3.2: the receiver ignores padding bytes, whatever they hold. */
    const uint8_t pkt[] = {HDR, 0x40, 0x00, 0x00, 0x06, 0xAA, 0xBB, 0xFF, 0xFF};
    assert_int_equal(count_chunks(pkt, sizeof pkt), 1);
}

static void chunk_length_below_four_is_rejected(void **state)
{
    (void)state;
    for (uint8_t len = 0; len < 4; len++) {
        const uint8_t pkt[] = {HDR, 0x00, 0x00, 0x00, len, 0, 0, 0, 0};
        tern_common_header h;
        tern_chunk_iter it;
        tern_chunk_raw raw;
        assert_int_equal(tern_packet_parse(pkt, sizeof pkt, &h, &it), 0);
        assert_int_equal(tern_chunk_next(&it, &raw), TERN_EWIRE_CHUNK_LEN);
        assert_int_equal(count_chunks(pkt, sizeof pkt), TERN_EWIRE_CHUNK_LEN);
    }
}

static void chunk_past_packet_end_is_rejected(void **state)
{
    (void)state;
    const uint8_t pkt[] = {HDR, 0x00, 0x03, 0x00, 0x14, 0, 0, 0, 0, 0, 0, 0, 0};
    assert_int_equal(count_chunks(pkt, sizeof pkt), TERN_EWIRE_TRUNCATED);
    /* The second chunk is the one that runs over. */
    const uint8_t two[] = {HDR, 0x0b, 0, 0, 4, 0x03, 0, 0x00, 0x10, 0, 0, 0, 0};
    assert_int_equal(count_chunks(two, sizeof two), TERN_EWIRE_TRUNCATED);
}

static void missing_padding_is_rejected(void **state)
{
    (void)state;
    /* Chunk length 5 but only 5 bytes: its 3 padding bytes are missing. */
    const uint8_t last[] = {HDR, 0x40, 0, 0, 5, 0xAA};
    assert_int_equal(count_chunks(last, sizeof last), TERN_EWIRE_PADDING);
    const uint8_t partial[] = {HDR, 0x40, 0, 0, 5, 0xAA, 0, 0};
    assert_int_equal(count_chunks(partial, sizeof partial), TERN_EWIRE_PADDING);
    /* Stray bytes (too short for a chunk header) after the last chunk. */
    const uint8_t stray[] = {HDR, 0x0b, 0, 0, 4, 0, 0};
    assert_int_equal(count_chunks(stray, sizeof stray), TERN_EWIRE_PADDING);
}

static void checksum_set_and_verified(void **state)
{
    (void)state;
    uint8_t pkt[] = {HDR, 0x0b, 0, 0, 4};
    tern_packet_set_checksum(pkt, sizeof pkt);
    assert_true(tern_packet_checksum_ok(pkt, sizeof pkt));
    /* The stored CRC is the CRC of the packet with a zero checksum field,
     * least significant byte first (RFC 9260 appendix A). */
    uint32_t crc = tern_packet_crc(pkt, sizeof pkt);
    assert_int_equal(pkt[8], crc & 0xff);
    assert_int_equal(pkt[11], crc >> 24);
    /* Every single-bit flip anywhere is detected. */
    for (size_t i = 0; i < sizeof pkt * 8; i++) {
        pkt[i / 8] ^= (uint8_t)(1u << (i % 8));
        assert_false(tern_packet_checksum_ok(pkt, sizeof pkt));
        pkt[i / 8] ^= (uint8_t)(1u << (i % 8));
    }
    assert_true(tern_packet_checksum_ok(pkt, sizeof pkt));
}

static void tlv_iteration_and_last_padding(void **state)
{
    (void)state;
    /* Two TLVs; the last (length 5) stops before its padding (§3.2). */
    const uint8_t region[] = {0x00, 0x05, 0x00, 0x08, 1, 2, 3, 4, 0x80, 0x00, 0x00, 0x05, 9};
    tern_tlv_iter it;
    tern_tlv tlv;
    tern_tlv_iter_init(&it, region, sizeof region);
    assert_int_equal(tern_tlv_next(&it, &tlv), 1);
    assert_int_equal(tlv.type, 5);
    assert_int_equal(tlv.length, 8);
    assert_int_equal(tlv.value.len, 4);
    assert_int_equal(tern_tlv_next(&it, &tlv), 1);
    assert_int_equal(tlv.type, 0x8000);
    assert_int_equal(tlv.value.len, 1);
    assert_int_equal(tlv.value.ptr[0], 9);
    assert_int_equal(tern_tlv_next(&it, &tlv), 0);
    assert_int_equal(tern_tlv_validate((tern_bytes){region, sizeof region}), 2);
    /* The same with the final padding included is accepted too. */
    const uint8_t padded[] = {0x80, 0x00, 0x00, 0x05, 9, 0, 0, 0};
    assert_int_equal(tern_tlv_validate((tern_bytes){padded, sizeof padded}), 1);
    assert_int_equal(tern_tlv_validate((tern_bytes){padded, 0}), 0);
}

static void bad_tlv_framing_is_rejected(void **state)
{
    (void)state;
    const uint8_t short_len[] = {0x00, 0x05, 0x00, 0x03, 0, 0, 0, 0};
    assert_int_equal(tern_tlv_validate((tern_bytes){short_len, sizeof short_len}),
                     TERN_EWIRE_PARAM_LEN);
    const uint8_t overlong[] = {0x00, 0x05, 0x00, 0x0c, 1, 2, 3, 4};
    assert_int_equal(tern_tlv_validate((tern_bytes){overlong, sizeof overlong}),
                     TERN_EWIRE_PARAM_LEN);
    const uint8_t stray[] = {0x00, 0x05, 0x00, 0x08, 1, 2, 3, 4, 0xff, 0xff};
    assert_int_equal(tern_tlv_validate((tern_bytes){stray, sizeof stray}), TERN_EWIRE_PARAM_LEN);
}

static void writer_builds_padded_chunks_and_tlvs(void **state)
{
    (void)state;
    uint8_t buf[64];
    tern_wbuf w;
    tern_wbuf_init(&w, buf, sizeof buf);
    tern_wbuf_common_header(&w, 5000, 5001, 0xdeadbeef);
    size_t c = tern_wbuf_chunk_begin(&w, 0x01, 0x00);
    tern_wbuf_put_u32(&w, 0x11223344);
    tern_wbuf_tlv(&w, 0x000b, "abcde", 5); /* last parameter: length 9, padded to 12 */
    tern_wbuf_chunk_end(&w, c);
    assert_int_equal(w.err, 0);
    assert_int_equal(w.len, 12 + 4 + 4 + 12);
    assert_int_equal(buf[12], 0x01);
    /* Chunk Length = 4 + 4 + 9: the last parameter's padding is not counted. */
    assert_int_equal(buf[14] << 8 | buf[15], 17);
    assert_int_equal(buf[22] << 8 | buf[23], 9);
    assert_memory_equal(buf + 24, "abcde\0\0\0", 8);
    assert_int_equal(count_chunks(buf, w.len), 1);
}

static void writer_chunk_without_params_is_padded(void **state)
{
    (void)state;
    uint8_t buf[32];
    memset(buf, 0xEE, sizeof buf);
    tern_wbuf w;
    tern_wbuf_init(&w, buf, sizeof buf);
    size_t c = tern_wbuf_chunk_begin(&w, 0x0a, 0x00);
    tern_wbuf_put(&w, "xyz", 3);
    tern_wbuf_chunk_end(&w, c);
    assert_int_equal(w.err, 0);
    assert_int_equal(w.len, 8);
    assert_int_equal(buf[3], 7);
    assert_memory_equal(buf + 4, "xyz\0", 4);
    assert_int_equal(buf[8], 0xEE);
}

static void writer_never_overruns(void **state)
{
    (void)state;
    uint8_t buf[16 + 4];
    for (size_t cap = 0; cap < 16; cap++) {
        memset(buf, 0xCC, sizeof buf);
        tern_wbuf w;
        tern_wbuf_init(&w, buf, cap);
        size_t c = tern_wbuf_chunk_begin(&w, 0x00, 0x03);
        tern_wbuf_put(&w, "0123456789", 10);
        tern_wbuf_chunk_end(&w, c); /* 14 bytes + 2 padding = 16 */
        assert_int_equal(w.err, TERN_ENOSPC);
        assert_true(w.len <= cap);
        for (size_t i = cap; i < sizeof buf; i++)
            assert_int_equal(buf[i], 0xCC);
        /* Sticky: nothing more is written. */
        tern_wbuf_put_u32(&w, 1);
        assert_int_equal(w.err, TERN_ENOSPC);
        for (size_t i = cap; i < sizeof buf; i++)
            assert_int_equal(buf[i], 0xCC);
    }
    tern_wbuf w;
    tern_wbuf_init(&w, buf, 16);
    size_t c = tern_wbuf_chunk_begin(&w, 0x00, 0x03);
    tern_wbuf_put(&w, "0123456789", 10);
    tern_wbuf_chunk_end(&w, c);
    assert_int_equal(w.err, 0);
    assert_int_equal(w.len, 16);
}

static void writer_refuses_chunks_over_64k(void **state)
{
    (void)state;
    static uint8_t big[70000];
    tern_wbuf w;
    tern_wbuf_init(&w, big, sizeof big);
    size_t c = tern_wbuf_chunk_begin(&w, 0x00, 0);
    tern_wbuf_put_zeros(&w, 65532); /* 65536 in all */
    tern_wbuf_chunk_end(&w, c);
    assert_int_equal(w.err, TERN_ERANGE);
}

static void strerror_names_every_code(void **state)
{
    (void)state;
    const int codes[] = {TERN_OK,
                         TERN_EINVAL,
                         TERN_ENOMEM,
                         TERN_ENOSPC,
                         TERN_ERANGE,
                         TERN_ENOENT,
                         TERN_ESTATE,
                         TERN_EEXIST,
                         TERN_EAGAIN,
                         TERN_EWIRE_SHORT,
                         TERN_EWIRE_CHUNK_LEN,
                         TERN_EWIRE_TRUNCATED,
                         TERN_EWIRE_PADDING,
                         TERN_EWIRE_PARAM_LEN,
                         TERN_EWIRE_LENGTH,
                         TERN_EWIRE_NO_USER_DATA,
                         TERN_EWIRE_CHECKSUM};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        assert_string_not_equal(tern_strerror(codes[i]), "unknown error");
    assert_string_equal(tern_strerror(-9999), "unknown error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(common_header_fields),
        cmocka_unit_test(packet_shorter_than_header_is_rejected),
        cmocka_unit_test(chunks_iterate_with_padding),
        cmocka_unit_test(nonzero_padding_is_ignored),
        cmocka_unit_test(chunk_length_below_four_is_rejected),
        cmocka_unit_test(chunk_past_packet_end_is_rejected),
        cmocka_unit_test(missing_padding_is_rejected),
        cmocka_unit_test(checksum_set_and_verified),
        cmocka_unit_test(tlv_iteration_and_last_padding),
        cmocka_unit_test(bad_tlv_framing_is_rejected),
        cmocka_unit_test(writer_builds_padded_chunks_and_tlvs),
        cmocka_unit_test(writer_chunk_without_params_is_padded),
        cmocka_unit_test(writer_never_overruns),
        cmocka_unit_test(writer_refuses_chunks_over_64k),
        cmocka_unit_test(strerror_names_every_code),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
