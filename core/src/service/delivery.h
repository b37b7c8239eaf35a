/*
 * delivery.h — mail that is not lost: one ferry_email_deliveries row per
 * (request, recipient) of an after-commit sink that names its targets
 * (sink-email), recorded right after the completion commits; any worker
 * claims due rows (FOR UPDATE SKIP LOCKED), sends, and marks them sent,
 * due again later (exponential backoff with jitter) or failed for good
 * (audit row, the schedule's failure_count, an error log line).
 */
#ifndef FERRY_CORE_DELIVERY_H
#define FERRY_CORE_DELIVERY_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "service.h"

/* One claimed delivery; `recipient` malloc'd (ferry_delivery_free). */
typedef struct ferry_delivery {
    int64_t id;
    char request_id[33];
    char sink[101];
    char *recipient;
    int attempts; /* counting this one */
} ferry_delivery;

/* Records a row for each NUL-terminated target in `targets` (`len`
 * bytes), unless there is one already (INSERT IGNORE: idempotent). */
int ferry_delivery_record(ferry_db *db, const char *request_id, const char *sink,
                          const char *targets, size_t len, ferry_err *err);

/* Claims one due delivery (of `request_id`, or of any request when NULL):
 * counts the attempt and makes it due again after deliveries.lease_seconds
 * in case this process dies while sending. *got = 0 when none is due. */
int ferry_delivery_claim(const ferry_service *svc, ferry_db *db, const char *request_id,
                         ferry_delivery *d, int *got, ferry_err *err);

/* Records the outcome of sending `d`: send_rc 0 sent; FERRY_ERR_DATA, or
 * the last of deliveries.max_attempts, failed for good; otherwise due
 * again after the backoff. `error` is the send's message. */
int ferry_delivery_finish(const ferry_service *svc, ferry_db *db, const ferry_delivery *d,
                          int send_rc, const char *error, ferry_err *err);

void ferry_delivery_free(ferry_delivery *d);

/* The worker's step: claims one due delivery of any request, sends it
 * (ferry_request_redeliver) and records the outcome. *did = 1 when one was
 * claimed. */
int ferry_delivery_step(const ferry_service *svc, ferry_db *db, int *did, ferry_err *err);

#endif
