/* The event loop driver (io/loop.c): the timerfd fires at its absolute
 * deadline on the real monotonic clock, re-arming and disarming, wake-ups
 * from another thread, and descriptors added, changed and removed. Waits
 * are a few milliseconds at most. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <sys/epoll.h>

#include "io_testutil.h"

static void loop_timer_fires_at_its_deadline(void **state)
{
    (void)state;
    tern_loop *l;
    assert_int_equal(tern_loop_new(&l), 0);
    int fired = -1, woken = -1;
    tern_time t0 = tern_clock_now();
    tern_time deadline = t0 + TERN_MSEC(3);
    assert_int_equal(tern_loop_set_deadline(l, deadline), 0);
    assert_int_equal(tern_loop_set_deadline(l, deadline), 0); /* same: nothing to do */
    /* Not before it: a poll right away reports nothing. */
    assert_int_equal(tern_loop_wait(l, 0, NULL, 0, &fired, &woken), 0);
    if (tern_clock_now() < deadline) assert_int_equal(fired, 0);
    assert_int_equal(woken, 0);
    /* Then exactly once, at or after the deadline (generous upper bound). */
    fired = 0;
    for (int i = 0; i < 100 && !fired; i++)
        assert_int_equal(tern_loop_wait(l, TERN_SEC(1), NULL, 0, &fired, NULL), 0);
    tern_time t1 = tern_clock_now();
    assert_int_equal(fired, 1);
    assert_true(t1 >= deadline);
    assert_true(t1 - deadline < TERN_MSEC(250));
    assert_int_equal(tern_loop_wait(l, TERN_MSEC(5), NULL, 0, &fired, NULL), 0);
    assert_int_equal(fired, 0); /* one-shot */
    tern_loop_free(l);
}

static void loop_rearm_disarm_and_past_deadlines(void **state)
{
    (void)state;
    tern_loop *l;
    assert_int_equal(tern_loop_new(&l), 0);
    int fired;
    /* A deadline in the past (even 0) fires at once. */
    assert_int_equal(tern_loop_set_deadline(l, 0), 0);
    assert_int_equal(tern_loop_wait(l, TERN_MSEC(100), NULL, 0, &fired, NULL), 0);
    assert_int_equal(fired, 1);
    tern_time past = tern_clock_now() - TERN_MSEC(1);
    assert_int_equal(tern_loop_set_deadline(l, past), 0);
    assert_int_equal(tern_loop_wait(l, TERN_MSEC(100), NULL, 0, &fired, NULL), 0);
    assert_int_equal(fired, 1);
    /* After firing, the same deadline arms the timer again. */
    assert_int_equal(tern_loop_set_deadline(l, past), 0);
    assert_int_equal(tern_loop_wait(l, TERN_MSEC(100), NULL, 0, &fired, NULL), 0);
    assert_int_equal(fired, 1);
    /* Disarmed: nothing fires. */
    assert_int_equal(tern_loop_set_deadline(l, tern_clock_now() + TERN_MSEC(1)), 0);
    assert_int_equal(tern_loop_set_deadline(l, TERN_TIME_NEVER), 0);
    tern_time t0 = tern_clock_now();
    assert_int_equal(tern_loop_wait(l, TERN_MSEC(4), NULL, 0, &fired, NULL), 0);
    assert_int_equal(fired, 0);
    assert_true(tern_clock_now() - t0 >= TERN_MSEC(4)); /* the timeout is honoured */
    /* Moving a deadline later: only the new one counts. */
    assert_int_equal(tern_loop_set_deadline(l, tern_clock_now() + TERN_MSEC(1)), 0);
    tern_time later = tern_clock_now() + TERN_MSEC(6);
    assert_int_equal(tern_loop_set_deadline(l, later), 0);
    fired = 0;
    for (int i = 0; i < 100 && !fired; i++)
        assert_int_equal(tern_loop_wait(l, TERN_SEC(1), NULL, 0, &fired, NULL), 0);
    assert_true(tern_clock_now() >= later);
    tern_loop_free(l);
}

static void *waker(void *arg)
{
    struct timespec ts = {0, 2000000};
    nanosleep(&ts, NULL);
    assert_int_equal(tern_loop_wake(arg), 0);
    return NULL;
}

static void loop_wakes_from_another_thread(void **state)
{
    (void)state;
    tern_loop *l;
    assert_int_equal(tern_loop_new(&l), 0);
    pthread_t th;
    tern_time t0 = tern_clock_now();
    assert_int_equal(pthread_create(&th, NULL, waker, l), 0);
    int fired = -1, woken = 0;
    for (int i = 0; i < 100 && !woken; i++)
        assert_int_equal(tern_loop_wait(l, TERN_TIME_NEVER, NULL, 0, &fired, &woken), 0);
    pthread_join(th, NULL);
    assert_int_equal(woken, 1);
    assert_int_equal(fired, 0);
    assert_true(tern_clock_now() - t0 < TERN_SEC(1));
    /* Consumed: the next poll is quiet. Several wakes before a wait: one. */
    assert_int_equal(tern_loop_wait(l, 0, NULL, 0, NULL, &woken), 0);
    assert_int_equal(woken, 0);
    assert_int_equal(tern_loop_wake(l), 0);
    assert_int_equal(tern_loop_wake(l), 0);
    /* The epoll descriptor itself is readable while a wake-up waits. */
    struct pollfd p = {.fd = tern_loop_fd(l), .events = POLLIN};
    assert_int_equal(poll(&p, 1, 0), 1);
    assert_int_equal(tern_loop_wait(l, 0, NULL, 0, NULL, &woken), 0);
    assert_int_equal(woken, 1);
    assert_int_equal(poll(&p, 1, 0), 0);
    tern_loop_free(l);
}

static void loop_adds_changes_and_removes_fds(void **state)
{
    (void)state;
    tern_loop *l;
    assert_int_equal(tern_loop_new(&l), 0);
    int p[2];
    assert_int_equal(pipe(p), 0);
    int tag_r, tag_w;
    tern_loop_ready ready[4];
    assert_int_equal(tern_loop_add(l, p[0], EPOLLIN, &tag_r), 0);
    assert_int_equal(tern_loop_wait(l, 0, ready, 4, NULL, NULL), 0);
    assert_int_equal(write(p[1], "x", 1), 1);
    assert_int_equal(tern_loop_wait(l, TERN_MSEC(100), ready, 4, NULL, NULL), 1);
    assert_ptr_equal(ready[0].tag, &tag_r);
    assert_true(ready[0].events & EPOLLIN);
    /* The write end is writable at once. */
    assert_int_equal(tern_loop_add(l, p[1], EPOLLOUT, &tag_w), 0);
    assert_int_equal(tern_loop_wait(l, 0, ready, 4, NULL, NULL), 2);
    /* max limits what is returned; the rest stays ready (level-triggered). */
    assert_int_equal(tern_loop_wait(l, 0, ready, 1, NULL, NULL), 1);
    /* Changing the events and the tag. */
    assert_int_equal(tern_loop_mod(l, p[1], EPOLLIN, &tag_r), 0);
    assert_int_equal(tern_loop_wait(l, 0, ready, 4, NULL, NULL), 1);
    assert_ptr_equal(ready[0].tag, &tag_r);
    assert_int_equal(tern_loop_del(l, p[0]), 0);
    assert_int_equal(tern_loop_wait(l, 0, ready, 4, NULL, NULL), 0);
    /* Misuse: a NULL tag, twice the same fd, an fd not added, bad fds. */
    assert_int_equal(tern_loop_add(l, p[0], EPOLLIN, NULL), TERN_EINVAL);
    assert_int_equal(tern_loop_add(l, p[1], EPOLLIN, &tag_w), TERN_EINVAL);
    assert_int_equal(tern_loop_del(l, p[0]), TERN_EINVAL);
    assert_int_equal(tern_loop_add(l, -1, EPOLLIN, &tag_w), TERN_EINVAL);
    assert_int_equal(tern_loop_add(NULL, p[0], EPOLLIN, &tag_w), TERN_EINVAL);
    assert_int_equal(tern_loop_wait(l, 0, NULL, 1, NULL, NULL), TERN_EINVAL);
    assert_int_equal(tern_loop_set_deadline(NULL, 0), TERN_EINVAL);
    assert_int_equal(tern_loop_new(NULL), TERN_EINVAL);
    close(p[0]);
    close(p[1]);
    tern_loop_free(l);
    tern_loop_free(NULL);
}

static void clock_is_monotonic_ns(void **state)
{
    (void)state;
    tern_time a = tern_clock_now();
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
    tern_time b = tern_clock_now();
    assert_true(b - a >= TERN_MSEC(1));
    assert_true(b - a < TERN_SEC(1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(loop_timer_fires_at_its_deadline),
        cmocka_unit_test(loop_rearm_disarm_and_past_deadlines),
        cmocka_unit_test(loop_wakes_from_another_thread),
        cmocka_unit_test(loop_adds_changes_and_removes_fds),
        cmocka_unit_test(clock_is_monotonic_ns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
