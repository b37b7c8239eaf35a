/*
 * user_limits.h — per-user limits a claim honours, across every worker on every
 * host (the database is the only shared state):
 * - worker.per_user_concurrency: at most N of one user's requests
 *   processing at once (leases that ran out do not count);
 * - requests.daily_quota: at most N of one user's requests started per UTC
 *   day; a request over it is refused (failed, with the reason in
 *   error_message and its audit row), never run.
 * Claims for one user are serialised by locking the user's auth_user row
 * inside the claiming transaction, so two workers cannot both see room.
 */
#ifndef FERRY_CORE_USER_LIMITS_H
#define FERRY_CORE_USER_LIMITS_H

#include <stdint.h>

#include "db.h"

typedef struct ferry_claim_limits {
    int per_user;    /* 0: no limit */
    int daily_quota; /* 0: no quota */
} ferry_claim_limits;

enum { FERRY_LIMIT_OK = 0, FERRY_LIMIT_BUSY = 1, FERRY_LIMIT_QUOTA = 2 };

/* Inside the claiming transaction: locks the user, then says whether
 * request `id` may start now (OK), must wait for one of the user's running
 * requests (BUSY) or is over the daily quota (QUOTA). */
int ferry_limits_decide(ferry_db *db, int64_t user_id, const char *id,
                        const ferry_claim_limits *lim, int *verdict, ferry_err *err);

/* Inside the claiming transaction: refuses request `id` for the quota. */
int ferry_limits_refuse(ferry_db *db, const char *id, int64_t user_id, int quota,
                        const char *user_agent, ferry_err *err);

#endif
