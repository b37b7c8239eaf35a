/*
 * worker_metrics.h — what the worker counts and logs about one attempt,
 * in the worker's own process (so it holds however the attempt ran, in this
 * process or a child): the request's format and wait as the claim read
 * them; its rows and bytes from the database when completed.
 */
#ifndef FERRY_CORE_WORKER_METRICS_H
#define FERRY_CORE_WORKER_METRICS_H

#include <stdint.h>

#include "claim.h"
#include "db.h"
#include "service.h"

typedef struct ferry_attempt_info {
    char format[21];  /* the request's format ("" if unknown) */
    int64_t rows;     /* ferry_row_count once completed */
    int64_t bytes;    /* file_size once completed */
    double seconds;   /* claim to outcome */
    char fields[320]; /* logfmt: request_id user_id format attempt */
} ferry_attempt_info;

/* After a claim: takes the format from the claim, observes the wait
 * (first attempt) and fills info->fields. No statement: the claim read
 * both. */
void ferry_attempt_begin(const ferry_service *svc, const ferry_claim *c, ferry_attempt_info *info);

/* After the outcome ("completed", "failed", "retried", "released",
 * "lost"): counts it; for "completed" reads and counts rows and bytes. */
void ferry_attempt_end(const ferry_service *svc, ferry_db *db, const ferry_claim *c,
                       ferry_attempt_info *info, const char *outcome);

#endif
