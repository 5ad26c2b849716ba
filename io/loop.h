/* The event loop driver (io/): epoll over the transports' descriptors, a
 * timerfd armed at the core's next deadline (no periodic tick: timers fire
 * at their deadline), and an eventfd to wake the loop from another thread.
 * The epoll descriptor itself is pollable, so the whole runtime can sit in a
 * caller's libuv/libevent loop as one fd. Internal to libtern. */
#ifndef TERN_IO_LOOP_H
#define TERN_IO_LOOP_H

#include <stdint.h>

#include <tern/core.h>

typedef struct tern_loop tern_loop;

/* The monotonic clock the runtime gives the core (CLOCK_MONOTONIC, ns). */
tern_time tern_clock_now(void);

/* Errors: TERN_ENOMEM, TERN_EIO. */
int tern_loop_new(tern_loop **out);
void tern_loop_free(tern_loop *loop);

/* The epoll descriptor: readable when tern_loop_wait(…, 0) has something. */
int tern_loop_fd(const tern_loop *loop);

/* Watch fd for events (EPOLLIN / EPOLLOUT); tag comes back from wait.
 * Errors: TERN_EINVAL (NULL tag, bad fd, fd already watched / not watched),
 * TERN_EIO. */
int tern_loop_add(tern_loop *loop, int fd, uint32_t events, void *tag);
int tern_loop_mod(tern_loop *loop, int fd, uint32_t events, void *tag);
int tern_loop_del(tern_loop *loop, int fd);

/* Arms the timer at an absolute tern_clock_now() time (TERN_TIME_NEVER
 * disarms); re-arming with the same time makes no syscall. */
int tern_loop_set_deadline(tern_loop *loop, tern_time when);

/* Wakes a thread blocked in tern_loop_wait; callable from any thread. */
int tern_loop_wake(tern_loop *loop);

typedef struct tern_loop_ready {
    void *tag; /* NULL entries are never returned: the timer and the wake-up
                  are reported through the flags below */
    uint32_t events;
} tern_loop_ready;

/* Waits up to timeout_ns (0: poll, TERN_TIME_NEVER: until something
 * happens) and fills ready[] with the descriptors that are ready. Sets
 * *timer_fired / *woken (either may be NULL) and consumes them. Returns the
 * number of entries, or TERN_EIO (EINTR is retried within the timeout).
 * At most 128 entries a call; more stay ready for the next (level-triggered). */
int tern_loop_wait(tern_loop *loop, tern_time timeout_ns, tern_loop_ready *ready, int max,
                   int *timer_fired, int *woken);

#endif
