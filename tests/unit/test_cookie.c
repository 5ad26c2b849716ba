/* State cookies (RFC 9260 §5.1.3, §5.1.5): signing, verification, expiry
 * and secret rotation of core/cookie.c, tested directly. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/cookie.h"

static const uint8_t secret_a[TERN_COOKIE_SECRET_LEN] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
static const uint8_t secret_b[TERN_COOKIE_SECRET_LEN] = {42};
static const uint8_t secret_c[TERN_COOKIE_SECRET_LEN] = {7, 7, 7};

static long make(tern_cookie_keys *k, tern_time now, tern_time life, uint8_t *out, size_t cap)
{
    static const char payload[] = "the TCB, in miniature";
    return tern_cookie_make(k, now, life, payload, sizeof payload, out, cap);
}

static void sec5_1_3_round_trip(void **state)
{
    (void)state;
    tern_cookie_keys k;
    tern_cookie_keys_init(&k, secret_a, NULL);
    uint8_t c[256];
    long n = make(&k, TERN_SEC(10), TERN_SEC(60), c, sizeof c);
    assert_int_equal(n, 22 + TERN_COOKIE_OVERHEAD);
    tern_bytes p;
    tern_time stale = 99;
    assert_int_equal(tern_cookie_open(&k, c, (size_t)n, TERN_SEC(70), &p, &stale), TERN_COOKIE_OK);
    assert_int_equal(p.len, 22);
    assert_memory_equal(p.ptr, "the TCB, in miniature", 22);
    assert_int_equal(stale, 0);
    tern_cookie_keys_clear(&k);
}

/* §5.1.5 step 2: any change to any byte is caught, as is any truncation. */
static void sec5_1_5_every_bit_is_covered(void **state)
{
    (void)state;
    tern_cookie_keys k;
    tern_cookie_keys_init(&k, secret_a, NULL);
    uint8_t c[256];
    long n = make(&k, 0, TERN_SEC(60), c, sizeof c);
    tern_bytes p;
    tern_time stale;
    for (long i = 0; i < n; i++)
        for (int bit = 0; bit < 8; bit++) {
            c[i] ^= (uint8_t)(1u << bit);
            assert_int_equal(tern_cookie_open(&k, c, (size_t)n, 0, &p, &stale), TERN_COOKIE_BAD);
            c[i] ^= (uint8_t)(1u << bit);
        }
    for (long len = 0; len < n; len++)
        assert_int_equal(tern_cookie_open(&k, c, (size_t)len, 0, &p, &stale), TERN_COOKIE_BAD);
    assert_int_equal(tern_cookie_open(&k, NULL, 0, 0, &p, &stale), TERN_COOKIE_BAD);
    assert_int_equal(tern_cookie_open(&k, c, (size_t)n, 0, &p, &stale), TERN_COOKIE_OK);
    tern_cookie_keys_clear(&k);
}

static void sec5_1_5_another_secret_is_refused(void **state)
{
    (void)state;
    tern_cookie_keys mine, theirs;
    tern_cookie_keys_init(&mine, secret_a, NULL);
    tern_cookie_keys_init(&theirs, secret_b, NULL);
    uint8_t c[256];
    long n = make(&theirs, 0, TERN_SEC(60), c, sizeof c);
    tern_bytes p;
    tern_time stale;
    assert_int_equal(tern_cookie_open(&mine, c, (size_t)n, 0, &p, &stale), TERN_COOKIE_BAD);
    tern_cookie_keys_clear(&mine);
    tern_cookie_keys_clear(&theirs);
}

/* §5.1.5 step 3: past its lifetime a cookie is stale, with the measure of
 * staleness; it is still authenticated (§5.2.4 needs its tags). */
static void sec5_1_5_lifetime_and_staleness(void **state)
{
    (void)state;
    tern_cookie_keys k;
    tern_cookie_keys_init(&k, secret_a, NULL);
    uint8_t c[256];
    long n = make(&k, TERN_SEC(100), TERN_SEC(60), c, sizeof c);
    tern_bytes p;
    tern_time stale = 0;
    assert_int_equal(tern_cookie_open(&k, c, (size_t)n, TERN_SEC(160), &p, &stale), TERN_COOKIE_OK);
    assert_int_equal(tern_cookie_open(&k, c, (size_t)n, TERN_SEC(160) + 1, &p, &stale),
                     TERN_COOKIE_STALE);
    assert_int_equal(stale, 1);
    assert_int_equal(tern_cookie_open(&k, c, (size_t)n, TERN_SEC(163), &p, &stale),
                     TERN_COOKIE_STALE);
    assert_int_equal(stale, TERN_SEC(3));
    assert_int_equal(p.len, 22);
    tern_cookie_keys_clear(&k);
}

/* The previous secret vouches for cookies it signed, for their lifetime;
 * two rotations retire it. */
static void rotation_keeps_the_previous_secret(void **state)
{
    (void)state;
    tern_cookie_keys k;
    tern_cookie_keys_init(&k, secret_a, NULL);
    uint8_t old[256], fresh[256];
    long n_old = make(&k, TERN_SEC(10), TERN_SEC(60), old, sizeof old);
    tern_cookie_keys_rotate(&k, secret_b, TERN_SEC(20));
    long n_fresh = make(&k, TERN_SEC(20), TERN_SEC(60), fresh, sizeof fresh);
    assert_memory_not_equal(old + TERN_COOKIE_HEADER_LEN + 22, fresh + TERN_COOKIE_HEADER_LEN + 22,
                            TERN_COOKIE_MAC_LEN);
    tern_bytes p;
    tern_time stale;
    assert_int_equal(tern_cookie_open(&k, old, (size_t)n_old, TERN_SEC(30), &p, &stale),
                     TERN_COOKIE_OK);
    assert_int_equal(tern_cookie_open(&k, fresh, (size_t)n_fresh, TERN_SEC(30), &p, &stale),
                     TERN_COOKIE_OK);
    /* Past its own lifetime, the old cookie is stale, not forged. */
    assert_int_equal(tern_cookie_open(&k, old, (size_t)n_old, TERN_SEC(71), &p, &stale),
                     TERN_COOKIE_STALE);
    tern_cookie_keys_rotate(&k, secret_c, TERN_SEC(40));
    assert_int_equal(tern_cookie_open(&k, old, (size_t)n_old, TERN_SEC(41), &p, &stale),
                     TERN_COOKIE_BAD);
    assert_int_equal(tern_cookie_open(&k, fresh, (size_t)n_fresh, TERN_SEC(41), &p, &stale),
                     TERN_COOKIE_OK);
    tern_cookie_keys_clear(&k);
}

/* A cookie claiming a creation time after the previous secret was retired
 * cannot have been signed by it: refused even with a valid MAC. */
static void previous_secret_only_for_its_own_time(void **state)
{
    (void)state;
    tern_cookie_keys k;
    tern_cookie_keys_init(&k, secret_a, NULL);
    uint8_t late[256];
    long n = make(&k, TERN_SEC(50), TERN_SEC(60), late, sizeof late); /* "made" at 50 s */
    tern_cookie_keys_rotate(&k, secret_b, TERN_SEC(20));              /* retired at 20 s */
    tern_bytes p;
    tern_time stale;
    assert_int_equal(tern_cookie_open(&k, late, (size_t)n, TERN_SEC(51), &p, &stale),
                     TERN_COOKIE_BAD);
    tern_cookie_keys_clear(&k);
}

static void make_checks_room(void **state)
{
    (void)state;
    tern_cookie_keys k;
    tern_cookie_keys_init(&k, secret_a, NULL);
    uint8_t c[256];
    assert_int_equal(make(&k, 0, 1, c, 22 + TERN_COOKIE_OVERHEAD - 1), TERN_ENOSPC);
    assert_int_equal(make(&k, 0, 1, c, 0), TERN_ENOSPC);
    assert_int_equal(make(&k, 0, 1, c, 22 + TERN_COOKIE_OVERHEAD), 22 + TERN_COOKIE_OVERHEAD);
    tern_cookie_keys_clear(&k);
}

/* The MAC is HMAC-SHA256 (RFC 2104) of header and payload, as OpenSSL's
 * HMAC() computes it, under the current secret and, after a rotation, the
 * previous one (cookie.c computes it from precomputed SHA-256 states). */
static void mac_is_hmac_sha256(void **state)
{
    (void)state;
    tern_cookie_keys k;
    tern_cookie_keys_init(&k, secret_a, NULL);
    uint8_t payload[300], c[400], want[32];
    for (size_t i = 0; i < sizeof payload; i++)
        payload[i] = (uint8_t)(i * 37 + 11);
    for (size_t len = 0; len <= sizeof payload; len += 23) {
        long n = tern_cookie_make(&k, TERN_SEC(1), TERN_SEC(9), payload, len, c, sizeof c);
        assert_int_equal(n, (long)len + TERN_COOKIE_OVERHEAD);
        unsigned wl = 0;
        assert_non_null(
            HMAC(EVP_sha256(), secret_a, TERN_COOKIE_SECRET_LEN, c, (size_t)n - 32, want, &wl));
        assert_int_equal(wl, 32);
        assert_memory_equal(c + n - 32, want, 32);
    }
    long n = tern_cookie_make(&k, TERN_SEC(1), TERN_SEC(9), payload, 40, c, sizeof c);
    tern_cookie_keys_rotate(&k, secret_b, TERN_SEC(2));
    tern_bytes p;
    tern_time stale;
    assert_int_equal(tern_cookie_open(&k, c, (size_t)n, TERN_SEC(3), &p, &stale), TERN_COOKIE_OK);
    n = tern_cookie_make(&k, TERN_SEC(3), TERN_SEC(9), payload, 40, c, sizeof c);
    unsigned wl = 0;
    HMAC(EVP_sha256(), secret_b, TERN_COOKIE_SECRET_LEN, c, (size_t)n - 32, want, &wl);
    assert_memory_equal(c + n - 32, want, 32);
    tern_cookie_keys_clear(&k);
}

static void *no_alloc(void *ctx, size_t size)
{
    (void)ctx;
    (void)size;
    return NULL;
}

static void no_free(void *ctx, void *ptr, size_t size)
{
    (void)ctx;
    (void)ptr;
    (void)size;
    fail_msg("nothing was allocated");
}

/* The precomputed states are allocated at the first MAC, not before (an
 * endpoint that only connects has none); when they cannot be, each MAC
 * makes them on the stack and the cookies are the same. */
static void states_allocated_lazily_or_not_at_all(void **state)
{
    (void)state;
    tern_allocator none = {no_alloc, no_free, NULL};
    tern_cookie_keys a, b;
    tern_cookie_keys_init(&a, secret_a, NULL);
    tern_cookie_keys_init(&b, secret_a, &none);
    assert_null(a.mid);
    uint8_t ca[256], cb[256];
    long na = make(&a, 0, TERN_SEC(60), ca, sizeof ca);
    long nb = make(&b, 0, TERN_SEC(60), cb, sizeof cb);
    assert_non_null(a.mid);
    assert_null(b.mid);
    assert_int_equal(na, nb);
    assert_memory_equal(ca, cb, (size_t)na);
    tern_bytes p;
    tern_time stale;
    assert_int_equal(tern_cookie_open(&b, ca, (size_t)na, 0, &p, &stale), TERN_COOKIE_OK);
    tern_cookie_keys_clear(&a);
    tern_cookie_keys_clear(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sec5_1_3_round_trip),
        cmocka_unit_test(sec5_1_5_every_bit_is_covered),
        cmocka_unit_test(sec5_1_5_another_secret_is_refused),
        cmocka_unit_test(sec5_1_5_lifetime_and_staleness),
        cmocka_unit_test(rotation_keeps_the_previous_secret),
        cmocka_unit_test(previous_secret_only_for_its_own_time),
        cmocka_unit_test(make_checks_room),
        cmocka_unit_test(mac_is_hmac_sha256),
        cmocka_unit_test(states_allocated_lazily_or_not_at_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
