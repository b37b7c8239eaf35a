/*
 * child.h — running one claimed request in a child process, so that a
 * plugin's crash or hang ends that request only (DESIGN.md, "Trust
 * boundaries"; the decisions are at the top of child.c).
 */
#ifndef FERRY_CORE_CHILD_H
#define FERRY_CORE_CHILD_H

#include <stdatomic.h>

#include "claim.h"
#include "service.h"

/*
 * Forks; the child connects to the database itself and runs
 * ferry_request_execute (its completion, fenced by the claim, included),
 * and reports its result through a pipe. The caller keeps its own
 * connection and the lease renewal. *cancel is passed on to the child.
 * A child killed by a signal gives FERRY_ERR "plugin P crashed:
 * SIGSEGV"; one still running after `timeout_s` seconds (0: no limit) is
 * SIGKILLed and gives FERRY_ERR "timed out after N s". Both leave
 * *permanent 0: they count as an attempt, like any transient error, so
 * worker.max_attempts ends a deterministic crash.
 */
int ferry_child_execute(const ferry_service *svc, const ferry_claim *claim, atomic_int *cancel,
                        unsigned timeout_s, int *permanent, ferry_err *err);

/*
 * Sweeps store.path of staging files whose writer is gone (ferry_stage_sweep,
 * any age). A request child does not sweep the store before every request
 * (that reads the whole directory, a week of artifacts): the worker does, at
 * start, every minute, and after a child that died without
 * its result (it may have left its staging file).
 */
void ferry_child_sweep(const ferry_service *svc);

/*
 * Plugins loaded once in the worker, before any fork: those the site's
 * request pipeline names (source, filters, format, encoders, sinks, and
 * requests.sinks) and the four request formats'. A child's dlopen of one
 * of them then finds it loaded instead of mapping and relocating it for
 * every request. Only loaded (the descriptor read and checked, as `ferry
 * plugins` does), never instantiated; one that cannot be loaded is left to
 * the requests, which report it as before. A plugin file replaced on disk
 * takes effect when the worker restarts.
 */
typedef struct ferry_child_preload ferry_child_preload;
ferry_child_preload *ferry_child_preload_load(const ferry_service *svc);
void ferry_child_preload_free(ferry_child_preload *pl); /* accepts NULL */

#endif
