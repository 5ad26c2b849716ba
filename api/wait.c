/* Blocking (tern.h "Blocking"): a call that must wait either sleeps on the
 * condition variable (the context has its own thread, or another thread is
 * driving it) or becomes the driver: it waits in tern_loop_wait for packets,
 * timers or a wake-up without the lock, then processes what came. */
#include <time.h>

#include "api/internal.h"

tern_time tern_api_deadline(int timeout_ms)
{
    if (timeout_ms <= 0) return TERN_TIME_NEVER;
    return tern_clock_now() + TERN_MSEC(timeout_ms);
}

static void cv_wait(tern_ctx *ctx, tern_time deadline)
{
    ctx->cv_waiters++;
    if (deadline == TERN_TIME_NEVER) {
        pthread_cond_wait(&ctx->cv, &ctx->mu);
    } else {
        /* The condition variable uses CLOCK_MONOTONIC, as tern_clock_now. */
        struct timespec ts = {(time_t)(deadline / 1000000000u), (long)(deadline % 1000000000u)};
        pthread_cond_timedwait(&ctx->cv, &ctx->mu, &ts);
    }
    ctx->cv_waiters--;
    ctx->now_fresh = false;
}

static void drive(tern_ctx *ctx, tern_time deadline, tern_time now)
{
    ctx->driving = true;
    api_ep *top = tern_api_heap_top(ctx);
    tern_time until = api_min_time(deadline, top ? top->deadline : TERN_TIME_NEVER);
    tern_time timeout = until == TERN_TIME_NEVER ? TERN_TIME_NEVER : until > now ? until - now : 0;
    tern_api_unlock(ctx);
    tern_loop_ready ready[16];
    int fired = 0, woken = 0;
    tern_loop_wait(ctx->loop, timeout, ready, 16, &fired, &woken);
    tern_api_lock(ctx);
    if (fired) ctx->timer_fired = true;
    ctx->driving = false;
    if (!ctx->closing) tern_api_process(ctx);
    /* Whoever waits on the condition variable re-checks; one of them may
     * have to drive now. */
    if (ctx->cv_waiters) pthread_cond_broadcast(&ctx->cv);
}

int tern_api_wait(tern_ctx *ctx, tern_time deadline)
{
    if (ctx->closing) return TERN_ESHUTDOWN;
    tern_time now = tern_clock_now();
    if (deadline != TERN_TIME_NEVER && now >= deadline) return TERN_ETIMEDOUT;
    ctx->waiters++;
    if (ctx->driving)
        cv_wait(ctx, deadline);
    else
        drive(ctx, deadline, now);
    ctx->waiters--;
    if (ctx->closing) {
        pthread_cond_broadcast(&ctx->cv); /* tern_ctx_free waits for the last one */
        return TERN_ESHUTDOWN;
    }
    return 0;
}
