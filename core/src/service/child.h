/*
 * child.h — running one claimed request in a child process, so that a
 * plugin's crash or hang ends that request only (DESIGN.md, "Trust
 * boundaries"). The children are forked by a fork server, a process the
 * worker forks once while it still has one thread; the decisions are at
 * the top of child.c.
 */
#ifndef FERRY_CORE_CHILD_H
#define FERRY_CORE_CHILD_H

#include <stdatomic.h>

#include "claim.h"
#include "request.h"
#include "service.h"

typedef struct ferry_child_server ferry_child_server;

/*
 * Forks the fork server with `nslots` channels, one per worker slot. Call
 * it while the calling process has a single thread (before the worker's
 * slots and any metrics listener start): the server and every request
 * child are then forked from single-threaded processes. The server keeps
 * the process image as it is now (the loaded site, preloaded plugins, the
 * shared metrics registry); `svc` must stay valid until
 * ferry_child_server_stop. *out is owned by the caller.
 */
int ferry_child_server_start(ferry_child_server **out, const ferry_service *svc, int nslots,
                             ferry_err *err);

/* Closes the channels and waits for the server to exit (it does once no
 * request child is left). Accepts NULL. */
void ferry_child_server_stop(ferry_child_server *cs);

/* Non-zero once a slot found the server gone (it died or was killed): no
 * request can run any more and the worker must stop. */
int ferry_child_server_gone(const ferry_child_server *cs);

/*
 * Runs a claim in a child of the fork server, through channel `slot` (one
 * caller at a time per slot). The child connects to the database itself
 * and runs ferry_request_execute (its completion, fenced by the claim,
 * included) and reports its result. The caller keeps its own connection
 * and the lease renewal. *cancel is passed on to the child. A child killed
 * by a signal gives FERRY_ERR "plugin P crashed: SIGSEGV"; one still
 * running after `timeout_s` seconds (0: no limit) is SIGKILLed and gives
 * FERRY_ERR "timed out after N s". Both leave done->fault
 * FERRY_FAULT_NONE: they count as an attempt, like any transient error, so
 * worker.max_attempts ends a deterministic crash. *done is the child's
 * (request.h: rows and bytes on success, the pipeline file, whose fault an
 * error is); zeroed when the child sent none. With the server gone it
 * returns FERRY_ERR and ferry_child_server_gone turns true.
 */
int ferry_child_execute(ferry_child_server *cs, int slot, const ferry_claim *claim,
                        atomic_int *cancel, unsigned timeout_s, ferry_request_done *done,
                        ferry_err *err);

/*
 * Sweeps store.path of staging files whose writer is gone (ferry_stage_sweep,
 * any age). A request child does not sweep the store before every request
 * (that reads the whole directory, a week of artifacts): the worker does, at
 * start, every minute, and after a child that died without
 * its result (it may have left its staging file).
 */
void ferry_child_sweep(const ferry_service *svc);

/*
 * Plugins loaded once in the worker, before the fork server is forked:
 * those the site's request pipeline names (source, filters, format,
 * encoders, sinks, and requests.sinks) and the four request formats'. A
 * child's dlopen of one of them then finds it loaded instead of mapping and
 * relocating it for every request. Only loaded (the descriptor read and
 * checked, as `ferry plugins` does), never instantiated; one that cannot be
 * loaded is left to the requests, which report it as before. A plugin file
 * replaced on disk takes effect when the worker restarts. *pipeline_err
 * gets why requests.pipeline cannot be read, if it cannot (the worker says
 * so at start; requests read it anew, so a fix needs no restart).
 */
typedef struct ferry_child_preload ferry_child_preload;
ferry_child_preload *ferry_child_preload_load(const ferry_service *svc, ferry_err *pipeline_err);
void ferry_child_preload_free(ferry_child_preload *pl); /* accepts NULL */

#endif
