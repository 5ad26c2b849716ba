/* Shared by test_param.c and test_cause.c: TLV vectors and the checks every
 * vector goes through. */
#ifndef TERN_TESTS_TLV_TESTUTIL_H
#define TERN_TESTS_TLV_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "wire/packet.h"

typedef struct tlv_vec {
    const char *name;
    uint8_t bytes[48]; /* as on the wire, padding included */
    size_t len;        /* padded length */
    int want;          /* for malformed vectors: the decoder's error */
} tlv_vec;

/* Frames the vector's first TLV (must succeed). */
static inline tern_tlv frame_tlv(const tlv_vec *v)
{
    tern_tlv_iter it;
    tern_tlv tlv;
    tern_tlv_iter_init(&it, v->bytes, v->len);
    if (tern_tlv_next(&it, &tlv) != 1) fail_msg("%s: TLV framing rejected", v->name);
    return tlv;
}

/* The builder writes exactly the vector's bytes, and refuses every smaller
 * buffer without writing a byte (canary-guarded). */
typedef int (*put_fn)(tern_wbuf *w, const void *obj);

static inline void check_put_exact(const tlv_vec *v, put_fn put, const void *obj)
{
    uint8_t buf[64 + 8];
    tern_wbuf w;
    memset(buf, 0xCC, sizeof buf);
    tern_wbuf_init(&w, buf, 64);
    if (put(&w, obj) != 0) fail_msg("%s: builder failed: %d", v->name, w.err);
    if (w.len != v->len) fail_msg("%s: built %zu bytes, want %zu", v->name, w.len, v->len);
    if (memcmp(buf, v->bytes, v->len) != 0) fail_msg("%s: built bytes differ", v->name);
    for (size_t cap = 0; cap < v->len; cap++) {
        memset(buf, 0xCC, sizeof buf);
        tern_wbuf_init(&w, buf, cap);
        if (put(&w, obj) != TERN_ENOSPC) fail_msg("%s: cap %zu not refused", v->name, cap);
        if (w.len != 0 || w.err != TERN_ENOSPC) fail_msg("%s: cap %zu half written", v->name, cap);
        for (size_t i = 0; i < sizeof buf; i++)
            if (buf[i] != 0xCC) fail_msg("%s: cap %zu: byte %zu written", v->name, cap, i);
        /* Sticky: a later call writes nothing either. */
        if (put(&w, obj) != TERN_ENOSPC) fail_msg("%s: error not sticky", v->name);
    }
}

/* A codec under test: decode one TLV into *obj (returns 0 or an error). */
typedef int (*decode_fn)(const tern_tlv *raw, void *obj);

/* Every valid vector decodes and re-encodes to exactly its own bytes. */
static inline void check_valid_vectors(const tlv_vec *v, size_t n, decode_fn dec, put_fn put,
                                       void *obj)
{
    for (size_t i = 0; i < n; i++) {
        tern_tlv tlv = frame_tlv(&v[i]);
        int rc = dec(&tlv, obj);
        if (rc != 0) fail_msg("%s: decode %d", v[i].name, rc);
        check_put_exact(&v[i], put, obj);
    }
}

/* Every malformed vector is refused with exactly its error. */
static inline void check_malformed_vectors(const tlv_vec *v, size_t n, decode_fn dec, void *obj)
{
    for (size_t i = 0; i < n; i++) {
        tern_tlv tlv = frame_tlv(&v[i]);
        int rc = dec(&tlv, obj);
        if (rc != v[i].want) fail_msg("%s: decode %d, want %d", v[i].name, rc, v[i].want);
    }
}

static inline const tlv_vec *find_vec(const tlv_vec *v, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].name, name) == 0) return &v[i];
    fail_msg("no vector %s", name);
    return NULL;
}

#endif
