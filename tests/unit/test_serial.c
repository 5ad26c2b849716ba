/* Serial number arithmetic (RFC 1982) across the wrap, and unwrapping. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "wire/serial.h"

static uint64_t rng = 0x243F6A8885A308D3ull;

static uint64_t xorshift(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void sn32_comparisons(void **state)
{
    (void)state;
    static const struct {
        uint32_t a, b;
        int want; /* -1: a < b, 0: equal, 1: a > b, 2: undefined distance */
    } cases[] = {
        {0, 0, 0},
        {0, 1, -1},
        {1, 0, 1},
        {0xffffffff, 0, -1}, /* across the wrap */
        {0, 0xffffffff, 1},
        {0xfffffff0, 0x10, -1},
        {0x10, 0xfffffff0, 1},
        {0, 0x7fffffff, -1}, /* just inside half the space */
        {0x7fffffff, 0, 1},
        {0, 0x80000001, 1}, /* just past it: wraps the other way */
        {0, 0x80000000, 2}, /* exactly half: undefined in RFC 1982 */
        {0x80000000, 0, 2},
        {0x12345678, 0x92345678, 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint32_t a = cases[i].a, b = cases[i].b;
        int w = cases[i].want;
        assert_int_equal(tern_sn32_lt(a, b), w == -1);
        assert_int_equal(tern_sn32_gt(a, b), w == 1);
        assert_int_equal(tern_sn32_le(a, b), w == -1 || w == 0);
        assert_int_equal(tern_sn32_ge(a, b), w == 1 || w == 0);
    }
    assert_int_equal(tern_sn32_max(0xffffffff, 3), 3);
    assert_int_equal(tern_sn32_min(0xffffffff, 3), 0xffffffff);
}

static void sn16_comparisons(void **state)
{
    (void)state;
    static const struct {
        uint16_t a, b;
        int want;
    } cases[] = {
        {0, 0, 0},       {0, 1, -1},     {0xffff, 0, -1}, {0, 0xffff, 1}, {0xfff0, 0x10, -1},
        {0, 0x7fff, -1}, {0, 0x8001, 1}, {0, 0x8000, 2},  {0x8000, 0, 2}, {0x1234, 0x9234, 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint16_t a = cases[i].a, b = cases[i].b;
        int w = cases[i].want;
        assert_int_equal(tern_sn16_lt(a, b), w == -1);
        assert_int_equal(tern_sn16_gt(a, b), w == 1);
        assert_int_equal(tern_sn16_le(a, b), w == -1 || w == 0);
        assert_int_equal(tern_sn16_ge(a, b), w == 1 || w == 0);
    }
    assert_int_equal(tern_sn16_max(0xffff, 3), 3);
    assert_int_equal(tern_sn16_min(0xffff, 3), 0xffff);
}

static void comparisons_are_antisymmetric(void **state)
{
    (void)state;
    for (int i = 0; i < 200000; i++) {
        uint64_t r = xorshift();
        uint32_t a = (uint32_t)r, b = (uint32_t)(r >> 32);
        if (i % 4 == 0) b = a + (uint32_t)(xorshift() % 64); /* near pairs too */
        assert_false(tern_sn32_lt(a, b) && tern_sn32_lt(b, a));
        assert_int_equal(tern_sn32_lt(a, b), tern_sn32_gt(b, a));
        if (b - a != 0x80000000u) /* defined: exactly one of <, =, > */
            assert_int_equal(tern_sn32_lt(a, b) + tern_sn32_gt(a, b) + (a == b), 1);
        uint16_t c = (uint16_t)a, d = (uint16_t)b;
        assert_false(tern_sn16_lt(c, d) && tern_sn16_lt(d, c));
        if ((uint16_t)(d - c) != 0x8000u)
            assert_int_equal(tern_sn16_lt(c, d) + tern_sn16_gt(c, d) + (c == d), 1);
    }
}

static void signed_distance(void **state)
{
    (void)state;
    assert_int_equal(tern_sn32_diff(5, 3), 2);
    assert_int_equal(tern_sn32_diff(3, 5), -2);
    assert_int_equal(tern_sn32_diff(0, 0xffffffff), 1);
    assert_int_equal(tern_sn32_diff(0xffffffff, 0), -1);
    assert_int_equal(tern_sn32_diff(0x7fffffff, 0), INT32_MAX);
    assert_int_equal(tern_sn32_diff(0x80000000, 0), INT32_MIN);
    assert_int_equal(tern_sn16_diff(0, 0xffff), 1);
    assert_int_equal(tern_sn16_diff(0xffff, 0), -1);
    assert_int_equal(tern_sn16_diff(0x7fff, 0), INT16_MAX);
    assert_int_equal(tern_sn16_diff(0x8000, 0), INT16_MIN);
}

static void unwrap32_follows_a_counter_across_wraps(void **state)
{
    (void)state;
    uint64_t truth = 0xffffff00u, ref = 0;
    ref = tern_sn32_unwrap(ref, (uint32_t)truth);
    assert_int_equal(ref, truth);
    for (int i = 0; i < 200000; i++) {
        truth += 1 + xorshift() % 1000;
        ref = tern_sn32_unwrap(ref, (uint32_t)truth);
        assert_int_equal(ref, truth);
        /* A late packet a little behind unwraps just below. */
        uint64_t late = truth - xorshift() % 1000;
        assert_int_equal(tern_sn32_unwrap(ref, (uint32_t)late), late);
    }
    /* Bigger steps (up to 2^30) over several wraps of the 32-bit space. */
    for (int i = 0; i < 50; i++) {
        truth += 1 + xorshift() % (1u << 30);
        ref = tern_sn32_unwrap(ref, (uint32_t)truth);
        assert_int_equal(ref, truth);
    }
    assert_true(truth > (1ull << 33));
}

static void unwrap16_follows_a_counter_across_wraps(void **state)
{
    (void)state;
    uint64_t truth = 0xff00, ref = tern_sn16_unwrap(0, 0xff00);
    assert_int_equal(ref, truth);
    for (int i = 0; i < 200000; i++) {
        truth += 1 + xorshift() % 1000;
        ref = tern_sn16_unwrap(ref, (uint16_t)truth);
        assert_int_equal(ref, truth);
        uint64_t late = truth - xorshift() % 1000;
        assert_int_equal(tern_sn16_unwrap(ref, (uint16_t)late), late);
    }
    assert_true(truth > (1ull << 24));
}

static void unwrap_never_goes_negative(void **state)
{
    (void)state;
    /* Nearest to 0 would be −1; the value ≥ 0 is returned instead. */
    assert_int_equal(tern_sn32_unwrap(0, 0xffffffff), 0xffffffffu);
    assert_int_equal(tern_sn32_unwrap(5, 0xfffffffe), 0xfffffffeu);
    assert_int_equal(tern_sn32_unwrap(5, 3), 3);
    assert_int_equal(tern_sn16_unwrap(0, 0xffff), 0xffff);
    assert_int_equal(tern_sn16_unwrap(2, 1), 1);
    /* Above the first wrap, behind is fine. */
    assert_int_equal(tern_sn32_unwrap(0x100000002ull, 0xffffffff), 0xffffffffull);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sn32_comparisons),
        cmocka_unit_test(sn16_comparisons),
        cmocka_unit_test(comparisons_are_antisymmetric),
        cmocka_unit_test(signed_distance),
        cmocka_unit_test(unwrap32_follows_a_counter_across_wraps),
        cmocka_unit_test(unwrap16_follows_a_counter_across_wraps),
        cmocka_unit_test(unwrap_never_goes_negative),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
