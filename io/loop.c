/* The event loop driver (io/loop.h): epoll over the transports'
 * descriptors; one timerfd armed at an absolute CLOCK_MONOTONIC deadline
 * (TFD_TIMER_ABSTIME: the core's next deadline, never a periodic tick); an
 * eventfd that other threads write to wake the loop. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>

#include "io/loop.h"

#define LOOP_MAX_EVENTS 128

struct tern_loop {
    int epfd, tfd, efd;
    /* The timer's deadline, TERN_TIME_NEVER when disarmed. Atomic: the
     * waiting thread clears it without the api's lock while another thread
     * may re-arm; a stale value only costs one extra timerfd_settime. */
    _Atomic tern_time armed;
};

tern_time tern_clock_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (tern_time)ts.tv_sec * 1000000000u + (tern_time)ts.tv_nsec;
}

int tern_loop_new(tern_loop **out)
{
    if (out == NULL) return TERN_EINVAL;
    tern_loop *l = calloc(1, sizeof *l);
    if (l == NULL) return TERN_ENOMEM;
    l->armed = TERN_TIME_NEVER;
    l->epfd = epoll_create1(EPOLL_CLOEXEC);
    l->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    l->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (l->epfd < 0 || l->tfd < 0 || l->efd < 0) goto fail;
    /* The timer and the wake-up are told apart by these two addresses. */
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &l->tfd};
    if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->tfd, &ev) != 0) goto fail;
    ev.data.ptr = &l->efd;
    if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->efd, &ev) != 0) goto fail;
    *out = l;
    return 0;
fail:
    tern_loop_free(l);
    return TERN_EIO;
}

void tern_loop_free(tern_loop *loop)
{
    if (loop == NULL) return;
    if (loop->epfd >= 0) close(loop->epfd);
    if (loop->tfd >= 0) close(loop->tfd);
    if (loop->efd >= 0) close(loop->efd);
    free(loop);
}

int tern_loop_fd(const tern_loop *loop)
{
    return loop != NULL ? loop->epfd : TERN_EINVAL;
}

static int ctl(tern_loop *loop, int op, int fd, uint32_t events, void *tag)
{
    if (loop == NULL || fd < 0 || (op != EPOLL_CTL_DEL && tag == NULL)) return TERN_EINVAL;
    struct epoll_event ev = {.events = events, .data.ptr = tag};
    if (epoll_ctl(loop->epfd, op, fd, &ev) != 0)
        return errno == EEXIST || errno == ENOENT || errno == EBADF || errno == EPERM ? TERN_EINVAL
                                                                                      : TERN_EIO;
    return 0;
}

int tern_loop_add(tern_loop *loop, int fd, uint32_t events, void *tag)
{
    return ctl(loop, EPOLL_CTL_ADD, fd, events, tag);
}

int tern_loop_mod(tern_loop *loop, int fd, uint32_t events, void *tag)
{
    return ctl(loop, EPOLL_CTL_MOD, fd, events, tag);
}

int tern_loop_del(tern_loop *loop, int fd)
{
    return ctl(loop, EPOLL_CTL_DEL, fd, 0, NULL);
}

int tern_loop_set_deadline(tern_loop *loop, tern_time when)
{
    if (loop == NULL) return TERN_EINVAL;
    if (when == loop->armed) return 0; /* already armed there: no syscall */
    struct itimerspec its;
    memset(&its, 0, sizeof its);
    if (when != TERN_TIME_NEVER) {
        tern_time t = when == 0 ? 1 : when; /* an all-zero it_value would disarm */
        its.it_value.tv_sec = (time_t)(t / 1000000000u);
        its.it_value.tv_nsec = (long)(t % 1000000000u);
    }
    if (timerfd_settime(loop->tfd, TFD_TIMER_ABSTIME, &its, NULL) != 0) return TERN_EIO;
    loop->armed = when;
    return 0;
}

int tern_loop_wake(tern_loop *loop)
{
    if (loop == NULL) return TERN_EINVAL;
    uint64_t one = 1;
    if (write(loop->efd, &one, sizeof one) == (ssize_t)sizeof one || errno == EAGAIN)
        return 0; /* EAGAIN: the counter is full, a wake-up is pending anyway */
    return TERN_EIO;
}

static int wait_once(tern_loop *loop, struct epoll_event *evs, int n, tern_time timeout_ns)
{
    if (timeout_ns == TERN_TIME_NEVER) return epoll_pwait2(loop->epfd, evs, n, NULL, NULL);
    struct timespec ts = {.tv_sec = (time_t)(timeout_ns / 1000000000u),
                          .tv_nsec = (long)(timeout_ns % 1000000000u)};
    int r = epoll_pwait2(loop->epfd, evs, n, &ts, NULL);
    if (r < 0 && errno == ENOSYS) { /* before Linux 5.11: milliseconds, rounded up */
        tern_time ms = (timeout_ns + 999999u) / 1000000u;
        r = epoll_wait(loop->epfd, evs, n, ms > 0x7fffffff ? 0x7fffffff : (int)ms);
    }
    return r;
}

int tern_loop_wait(tern_loop *loop, tern_time timeout_ns, tern_loop_ready *ready, int max,
                   int *timer_fired, int *woken)
{
    if (loop == NULL || max < 0 || (ready == NULL && max > 0)) return TERN_EINVAL;
    if (timer_fired != NULL) *timer_fired = 0;
    if (woken != NULL) *woken = 0;
    struct epoll_event evs[LOOP_MAX_EVENTS + 2];
    int want = (max < LOOP_MAX_EVENTS ? max : LOOP_MAX_EVENTS) + 2; /* + timer and wake-up */
    tern_time end = timeout_ns == TERN_TIME_NEVER ? TERN_TIME_NEVER : tern_clock_now() + timeout_ns;
    int r;
    for (;;) {
        r = wait_once(loop, evs, want, timeout_ns);
        if (r >= 0) break;
        if (errno != EINTR) return TERN_EIO;
        if (end != TERN_TIME_NEVER) { /* retry for what is left of the timeout */
            tern_time now = tern_clock_now();
            timeout_ns = now >= end ? 0 : end - now;
        }
    }
    int n = 0;
    for (int i = 0; i < r; i++) {
        uint64_t count;
        if (evs[i].data.ptr == &loop->tfd) {
            /* One-shot and absolute: once read, the timer is disarmed. */
            if (read(loop->tfd, &count, sizeof count) == (ssize_t)sizeof count) {
                loop->armed = TERN_TIME_NEVER;
                if (timer_fired != NULL) *timer_fired = 1;
            }
        } else if (evs[i].data.ptr == &loop->efd) {
            if (read(loop->efd, &count, sizeof count) == (ssize_t)sizeof count && woken != NULL)
                *woken = 1;
        } else if (n < max) {
            ready[n].tag = evs[i].data.ptr;
            ready[n].events = evs[i].events;
            n++;
        }
    }
    return n;
}
