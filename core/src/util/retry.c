/* retry.c — exponential backoff and the shared reconnect loop (retry.h). */
#include "retry.h"

#include "clock.h"

void ferry_backoff_init(ferry_backoff *b, unsigned first_ms, unsigned max_ms)
{
    b->first_ms = first_ms;
    b->max_ms = max_ms;
    b->delay_ms = first_ms;
}

void ferry_backoff_reset(ferry_backoff *b)
{
    b->delay_ms = b->first_ms;
}

int ferry_backoff_wait(ferry_backoff *b, const atomic_int *stop)
{
    int stopped = ferry_nap_ms(b->delay_ms, stop);
    b->delay_ms = b->delay_ms > b->max_ms / 2 ? b->max_ms : b->delay_ms * 2;
    return stopped;
}

static int stopped(ferry_err *err)
{
    return ferry_err_set(err, FERRY_ERR_CANCEL, "stopped");
}

int ferry_retry(ferry_backoff *b, unsigned tries, const atomic_int *stop,
                const ferry_retry_ops *ops, ferry_err *err)
{
    for (unsigned i = 0;; i++) {
        if (stop && atomic_load(stop))
            return stopped(err);
        int rc = ops->attempt(ops->arg, i, err);
        if (!rc) {
            ferry_backoff_reset(b);
            return 0;
        }
        if (rc == FERRY_ERR_CONFIG || (tries && i + 1 >= tries))
            return rc;
        if (ops->report)
            ops->report(ops->arg, i, b->delay_ms, err);
        if (ferry_backoff_wait(b, stop))
            return stopped(err);
    }
}
