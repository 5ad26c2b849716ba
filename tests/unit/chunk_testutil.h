/* Helpers shared by test_chunk_core.c and test_chunk_ext.c. */
#ifndef TERN_TEST_CHUNK_TESTUTIL_H
#define TERN_TEST_CHUNK_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "wire/chunk.h"

/* A byte array literal and its size, for tables: BYTES(0x01, 0x02). */
#define BYTES(...) (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})

#define CANARY 0xA5

/* Frames the first chunk of a run of chunks (no common header), the way
 * tern_chunk_next does inside a packet. */
static inline int frame(const uint8_t *bytes, size_t len, tern_chunk_raw *raw)
{
    tern_chunk_iter it = {bytes, bytes + len};
    return tern_chunk_next(&it, raw);
}

/* Frames bytes as exactly one chunk (padding included), decodes it and
 * returns the decoder's result. When the fields were filled (0 or
 * TERN_EWIRE_NO_USER_DATA), also checks that tern_chunk_put gives back the
 * same bytes. */
static inline int roundtrip(const uint8_t *bytes, size_t len, tern_chunk *c)
{
    tern_chunk_iter it = {bytes, bytes + len};
    tern_chunk_raw raw, next;
    assert_int_equal(tern_chunk_next(&it, &raw), 1);
    assert_int_equal(tern_chunk_next(&it, &next), 0);
    assert_ptr_equal(raw.start, bytes);

    int rc = tern_chunk_decode(&raw, c);
    assert_int_equal(c->type, bytes[0]);
    assert_int_equal(c->flags, bytes[1]);
    assert_int_equal(c->raw.length, raw.length);
    assert_ptr_equal(c->raw.value.ptr, bytes + 4);
    if (rc != 0 && rc != TERN_EWIRE_NO_USER_DATA) return rc;

    uint8_t *out = malloc(len + 8);
    assert_non_null(out);
    memset(out, CANARY, len + 8);
    tern_wbuf w;
    tern_wbuf_init(&w, out, len + 8);
    assert_int_equal(tern_chunk_put(&w, c), 0);
    assert_int_equal(w.len, len);
    assert_memory_equal(out, bytes, len);
    assert_int_equal(out[len], CANARY);
    free(out);
    return rc;
}

/* Decodes bytes (one chunk) and expects rc; for table-driven malformed
 * inputs. */
typedef struct bad_case {
    const char *name;
    const uint8_t *bytes;
    size_t len;
    int rc;
} bad_case;

static inline void run_bad_cases(const bad_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        tern_chunk_raw raw;
        tern_chunk c;
        print_message("  %s\n", cases[i].name);
        assert_int_equal(frame(cases[i].bytes, cases[i].len, &raw), 1);
        assert_int_equal(tern_chunk_decode(&raw, &c), cases[i].rc);
    }
}

/* A TLV region built with the packet writer (each TLV padded). */
typedef struct tlv_buf {
    uint8_t bytes[256];
    tern_wbuf w;
} tlv_buf;

static inline void tlv_buf_init(tlv_buf *t)
{
    tern_wbuf_init(&t->w, t->bytes, sizeof t->bytes);
}

static inline tern_bytes tlv_buf_bytes(const tlv_buf *t)
{
    assert_int_equal(t->w.err, 0);
    tern_bytes b = {t->bytes, t->w.len};
    return b;
}

#endif
