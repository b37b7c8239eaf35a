/*
 * claim.h — claiming export requests and holding their lease (DESIGN.md,
 * "Running at scale"). The lease is timed by the database clock (NOW(6));
 * every change made under a claim is conditioned on (id, lease owner,
 * attempt), so a worker that lost its lease changes nothing.
 */
#ifndef FERRY_CORE_CLAIM_H
#define FERRY_CORE_CLAIM_H

#include <stdint.h>

#include "db.h"
#include "user_limits.h"

/* Plain and fixed-size (no pointers): the worker copies it into the child
 * that runs the request. */
typedef struct ferry_claim {
    char id[33];     /* export_requests.id */
    int64_t user_id; /* export_requests.user_id */
    int attempt;     /* ferry_attempt after the claim: 1 for the first */
    char owner[129]; /* lease owner, "<host>:<pid>:<slot>" */
    char format[21]; /* export_requests.format, as read by the claim */
    int64_t wait_us; /* created_at to started_at, by the claim that set started_at;
                      * -1: unknown, or a later claim */
    int waited;      /* its last claim waited on the site's configuration (its
                      * error_message starts with FERRY_SITE_WAIT_PREFIX) */
} ferry_claim;

/* How the worker's error_message of a request that waits on the site's
 * configuration starts (worker.c; the claim and the wake-up read it). */
#define FERRY_SITE_WAIT_PREFIX "waiting for the site's configuration to be fixed: "

/* Makes a lease owner name for this process and slot. */
void ferry_claim_owner(char out[129], int slot);

/* Marks request `id` failed with `msg` (its lease released), inside the
 * caller's transaction; no audit row (the caller writes the one it needs). */
int ferry_claim_mark_failed(ferry_db *db, const char *id, const char *msg, ferry_err *err);

/*
 * Claims the oldest pending request, or one whose lease ran out, with
 * SELECT … FOR UPDATE SKIP LOCKED (READ COMMITTED): sets status
 * processing, started_at (first attempt), ferry_attempt + 1, lease owner
 * and expiry NOW(6) + lease_seconds, and writes the 'started' audit row,
 * in one transaction. A request whose lease ran out with
 * ferry_attempt >= max_attempts is failed instead ("gave up after N
 * attempts"). *got = 0 when nothing is claimable.
 */
int ferry_claim_next(ferry_db *db, const char *owner, unsigned lease_seconds, int max_attempts,
                     const char *user_agent, ferry_claim *out, int *got, ferry_err *err);

/*
 * A caller's claim state (one per worker slot, owned by the caller; zero it
 * before the first claim): when it last found no expired lease. Leases that
 * ran out are rare, so a caller looks for them first only once a
 * FERRY_CLAIM_EXPIRED_MS, else after the pending requests (when none is
 * claimable) — one query per claim instead of two.
 */
typedef struct ferry_claim_state {
    int64_t expired_next_ms; /* CLOCK_MONOTONIC ms when expired leases come first again */
} ferry_claim_state;

enum { FERRY_CLAIM_EXPIRED_MS = 1000 };

/* ferry_claim_next honouring per-user limits (user_limits.h; NULL: none),
 * the queue's pause (both functions: ferry_queue_state) and the caller's
 * state `st` (NULL: expired leases are always looked at first, as
 * ferry_claim_next does). A request over the daily quota is refused (failed
 * with the reason) and the next looked at. */
int ferry_claim_next_limited(ferry_db *db, const char *owner, unsigned lease_seconds,
                             int max_attempts, const ferry_claim_limits *lim, ferry_claim_state *st,
                             const char *user_agent, ferry_claim *out, int *got, ferry_err *err);

/* Claims request `id` (ferry request run): it must be pending (or its lease
 * ran out); FERRY_ERR_NOTFOUND if there is no such request, FERRY_ERR with
 * a message naming its status otherwise. */
int ferry_claim_by_id(ferry_db *db, const char *id, const char *owner, unsigned lease_seconds,
                      const char *user_agent, ferry_claim *out, ferry_err *err);

/* Extends the lease to NOW(6) + lease_seconds; *held = 0 when the row no
 * longer matches (id, owner, attempt): the lease is lost. */
int ferry_claim_renew(ferry_db *db, const ferry_claim *c, unsigned lease_seconds, int *held,
                      ferry_err *err);

/* Gives a claimed request back (shutdown): status pending, lease cleared,
 * conditioned on the claim. */
int ferry_claim_release(ferry_db *db, const ferry_claim *c, ferry_err *err);

#endif
