/*
 * retry.h — exponential backoff and the one reconnect-with-backoff loop the
 * worker and the scheduler share: try, report, nap (waking early on stop),
 * double the delay up to a ceiling, try again.
 */
#ifndef FERRY_CORE_RETRY_H
#define FERRY_CORE_RETRY_H

#include <stdatomic.h>

#include "error.h"

typedef struct ferry_backoff {
    unsigned first_ms; /* the delay after a first failure */
    unsigned max_ms;   /* the ceiling */
    unsigned delay_ms; /* the next nap */
} ferry_backoff;

void ferry_backoff_init(ferry_backoff *b, unsigned first_ms, unsigned max_ms);
/* Back to first_ms (after a success). */
void ferry_backoff_reset(ferry_backoff *b);
/* Naps the current delay (ferry_nap_ms; `stop` may be NULL), then doubles
 * it up to max_ms. Non-zero when it stopped early. */
int ferry_backoff_wait(ferry_backoff *b, const atomic_int *stop);

typedef struct ferry_retry_ops {
    /* Try number `i` (from 0): 0 on success, else a FERRY_ERR_* code with
     * *err set. FERRY_ERR_CONFIG ends the retrying: waiting will not fix it. */
    int (*attempt)(void *arg, unsigned i, ferry_err *err);
    /* Told of a failed try before the nap of `delay_ms`; may be NULL. Not
     * called for the last try or a FERRY_ERR_CONFIG. */
    void (*report)(void *arg, unsigned i, unsigned delay_ms, const ferry_err *err);
    void *arg;
} ferry_retry_ops;

/*
 * Tries until a try succeeds (0), `tries` tries failed (0: no limit; the
 * last try's code), a try gives FERRY_ERR_CONFIG (that code), or `stop`
 * (may be NULL) is set (FERRY_ERR_CANCEL, *err says "stopped"). Naps with
 * *b between tries; *b is reset on success.
 */
int ferry_retry(ferry_backoff *b, unsigned tries, const atomic_int *stop,
                const ferry_retry_ops *ops, ferry_err *err);

#endif
