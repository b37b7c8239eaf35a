/*
 * request.h — how an export_requests row becomes a pipeline run (DESIGN.md,
 * "The request contract"). `ferry request run`, the worker and the
 * scheduler's requests all go through ferry_request_execute.
 */
#ifndef FERRY_CORE_REQUEST_H
#define FERRY_CORE_REQUEST_H

#include <stdatomic.h>

#include "claim.h"
#include "db.h"
#include "delivery.h"
#include "regfile.h"
#include "service.h"

/*
 * Runs a claimed request to its end. Resolves the contract (pipeline,
 * template access, precedence, fields, filters, owner scoping, date range),
 * runs the pipeline, publishes the artifact under a name of the attempt's
 * own (<id>-<attempt>.<ext> in the file store), and commits the completion
 * conditioned on the claim, in one transaction: status completed,
 * completed_at, progress 100, file_path, file_size, download_url,
 * expires_at, ferry_* columns, the 'completed' audit row, usage stats and
 * the template's usage_count/last_used. If that update changes no row (the
 * lease was lost) it deletes its file and returns FERRY_ERR_CANCEL. After
 * the commit it runs the after-commit sinks (email); their failure is
 * logged, never undoes the completion. A sink that names targets (email
 * recipients) gets a ferry_email_deliveries row per target first, then one
 * try each; the workers retry the rest (delivery.h).
 *
 * progress_percentage is written at most once a second, conditioned on
 * the claim. `cancel` is polled between batches; the worker sets it when a
 * renewal finds the lease lost or on shutdown.
 *
 * On an error the request is left as it is (processing, leased) and the
 * error returned: the caller fails it, retries it or gives it back, as
 * done->fault says. FERRY_ERR_UNAVAILABLE: the connection `db` was lost
 * (fdb_errno_unavailable) while the request's rows were read, before the
 * pipeline started, or the pipeline's source could not open its own
 * connection (engine/run.c: from the source's open only, its staging file
 * removed); nothing was done and the attempt was not the request's fault.
 * *done (may be NULL) gets the committed artifact's rows and bytes when it
 * returns 0, so that a caller need not read them back, and, whatever it
 * returns, the pipeline file the request resolved to and whose fault an
 * error is.
 */

/* Whose fault an error of ferry_request_execute is: what retrying can do. */
typedef enum ferry_request_fault {
    FERRY_FAULT_NONE,    /* none known (a database error, a crash): retrying may help */
    FERRY_FAULT_REQUEST, /* the request's own or its template's (an unknown field or format, a
                            filter on a field that is not filterable, a denied template, the
                            row cap): retrying cannot help, fail it */
    FERRY_FAULT_SITE,    /* the site's own configuration: its pipeline file fails by itself,
                            with nothing of the request (syntax, options, plugins, its query's
                            columns), or ferry.conf names no requests.pipeline. An operator
                            fixes it; the request is not to blame and waits (worker.c) */
} ferry_request_fault;

typedef struct ferry_request_done {
    int64_t rows;              /* the artifact's rows (ferry_row_count), on success */
    int64_t bytes;             /* its size (file_size), on success */
    ferry_request_fault fault; /* on an error */
    char pipeline[512];        /* the pipeline file it resolved to ("": none yet) */
    ferry_file_stamp stamp;    /* FERRY_FAULT_SITE: that file as it was just before it was
                                  read to find the fault (the worker watches it change) */
} ferry_request_done;

int ferry_request_execute(const ferry_service *svc, ferry_db *db, const ferry_claim *claim,
                          atomic_int *cancel, ferry_request_done *done, ferry_err *err);

/* Sends one claimed delivery of a completed request again: its pipeline
 * resolved as for the run, its artifact from the row, a fresh signed link
 * (never past expires_at) and "delivery_target" = d->recipient. The sink's
 * code: FERRY_ERR_DATA when it can never succeed (also when the request is
 * no longer completed). */
int ferry_request_redeliver(const ferry_service *svc, ferry_db *db, const ferry_delivery *d,
                            ferry_err *err);

/* Fails a claimed request, conditioned on the claim: status failed,
 * error_message, completed_at, the 'failed' audit row and the usage
 * failure counter, in one transaction. *changed = 0 when the lease was lost. */
int ferry_request_fail(const ferry_service *svc, ferry_db *db, const ferry_claim *claim,
                       const char *message, int *changed, ferry_err *err);

#endif
