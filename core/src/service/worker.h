/*
 * worker.h — `ferry worker`: slots (threads) that claim pending export
 * requests, run them through ferry_request_execute while a renewal thread
 * holds their lease, and fail or retry them on error (DESIGN.md, "Running
 * at scale"; the decisions are listed at the top of worker.c).
 */
#ifndef FERRY_CORE_WORKER_H
#define FERRY_CORE_WORKER_H

#include "error.h"
#include "user_limits.h"
#include "service.h"
#include "site.h"

typedef struct ferry_worker_opts {
    int concurrency;              /* slots, each with its own connections (worker.concurrency, 2) */
    unsigned lease_seconds;       /* lease length (worker.lease_seconds, 30) */
    int max_attempts;             /* attempts before failing (worker.max_attempts, 3) */
    unsigned poll_interval_ms;    /* idle poll (worker.poll_interval_ms, 1000) */
    unsigned retry_delay_seconds; /* wait before a retry (worker.retry_delay_seconds, 10) */
    unsigned stop_grace_seconds;  /* on SIGTERM, time to finish before cancelling
                                     (worker.stop_grace_seconds, 30) */
    int once;                     /* exit when nothing is claimable (--once) */
    unsigned retry_max_delay_seconds; /* cap of the growing retry delay
                                         (worker.retry_max_delay_seconds, 3600) */
    ferry_claim_limits limits; /* worker.per_user_concurrency, requests.daily_quota (0: none) */
    unsigned request_timeout_seconds; /* a request's child is killed after this
                                         (worker.request_timeout_seconds, 3600; 0: none) */
} ferry_worker_opts;

/* Fills *o from the site's worker.* settings, with the defaults above for
 * what is missing or out of range. `site` may be NULL. */
void ferry_worker_opts_from_site(ferry_worker_opts *o, const ferry_site *site);

/*
 * Runs the worker until *svc->stop is set (or, with o->once, until no slot
 * finds anything to claim), then finishes or releases what it holds and
 * returns 0. With o->once a claim or connection that fails ONCE_TRIES
 * times in a row (worker.c) stops the slot and the worker returns the
 * error; requests left waiting on the site's configuration make it return
 * FERRY_ERR_CONFIG (they stay pending). Refuses to start (FERRY_ERR_DB) when the database cannot be
 * reached or has pending migrations. Blocks
 * SIGINT/SIGTERM in its threads so the caller's handler sees them.
 */
typedef struct ferry_worker ferry_worker;

/*
 * Checks the database, preloads the request plugins, sweeps the store and
 * forks the fork server (child.h). Call it while the process has a single
 * thread: before any metrics listener or other thread starts. *out is
 * owned by the caller (ferry_worker_close); `svc` and what it points to
 * must outlive it.
 */
int ferry_worker_open(ferry_worker **out, const ferry_service *svc, const ferry_worker_opts *o,
                      ferry_err *err);

/* Runs the slots until the worker stops (SIGTERM/SIGINT through svc->stop,
 * --once with nothing left, or the fork server gone: an error). */
int ferry_worker_run(ferry_worker *w, ferry_err *err);

/* Stops the fork server and frees the worker. Accepts NULL. */
void ferry_worker_close(ferry_worker *w);

#endif
