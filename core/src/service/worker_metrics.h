/*
 * worker_metrics.h — what the worker counts and logs about one attempt,
 * without a statement of its own: the request's format and wait as the
 * claim read them; its rows and bytes as the request child reported them.
 */
#ifndef FERRY_CORE_WORKER_METRICS_H
#define FERRY_CORE_WORKER_METRICS_H

#include <stdint.h>

#include "claim.h"
#include "service.h"

typedef struct ferry_attempt_info {
    char format[21];  /* the request's format ("" if unknown) */
    int64_t rows;     /* the artifact's rows once completed (the worker sets it) */
    int64_t bytes;    /* its size once completed (the worker sets it) */
    double seconds;   /* claim to outcome */
    char fields[320]; /* logfmt: request_id user_id format attempt */
} ferry_attempt_info;

/* After a claim: takes the format from the claim, observes the wait
 * (first attempt) and fills info->fields. No statement: the claim read
 * both. */
void ferry_attempt_begin(const ferry_service *svc, const ferry_claim *c, ferry_attempt_info *info);

/* How a claim ended: the worker decides it, ferry_exports_total counts it
 * by name (its `outcome` label). */
typedef enum ferry_outcome {
    FERRY_OUTCOME_COMPLETED,       /* the child committed the completion */
    FERRY_OUTCOME_FAILED,          /* failed for good (a permanent error, or its last attempt) */
    FERRY_OUTCOME_RETRIED,         /* pending again after its retry delay: an attempt */
    FERRY_OUTCOME_RELEASED,        /* given back at shutdown */
    FERRY_OUTCOME_LOST,            /* the lease went to another worker */
    FERRY_OUTCOME_DEFERRED,        /* no database for it: pending again, no attempt */
    FERRY_OUTCOME_DEFERRED_CONFIG, /* the site's configuration is broken: pending
                                      again, no attempt, until an operator fixes it */
} ferry_outcome;

/* The outcome's label value: "completed", "failed", … */
const char *ferry_outcome_name(ferry_outcome o);

/* After the outcome: counts it, and for a completion info's rows and
 * bytes. */
void ferry_attempt_end(const ferry_service *svc, const ferry_attempt_info *info,
                       ferry_outcome outcome);

#endif
