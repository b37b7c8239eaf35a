/*
 * recurring.h — recurring requests as the seed models them: an
 * export_requests row with is_scheduled = 1, a schedule_pattern (five-field
 * cron) and next_run, made by the web app (not by ferry: ferry_schedule_id
 * and ferry_origin_id NULL). Workers never claim such an origin row.
 *
 * One tick: every origin whose next_run has come is handled in its own
 * transaction (locked FOR UPDATE SKIP LOCKED, so two schedulers never fire
 * it twice): a new pending request is made from it — same user, template,
 * format, title, filters and selected fields; a relative date range
 * (filters.date_range, e.g. "previous_week") resolved at the fire time in
 * the site's zone (scheduler.timezone); ferry_origin_id naming the origin —
 * with its 'created' audit row, and the origin's next_run moves to the
 * pattern's next time after now in that zone. Nothing else of the origin is
 * written. The fire is logged ("recurring request fired") and counted once
 * that transaction is committed. An origin whose pattern is invalid gets
 * next_run NULL (it stops) and an error log line.
 */
#ifndef FERRY_CORE_RECURRING_H
#define FERRY_CORE_RECURRING_H

#include <stdint.h>

#include "db.h"
#include "error.h"
#include "log.h"
#include "tzif.h"

typedef struct ferry_recurring {
    ferry_db *db;           /* borrowed */
    const ferry_log *log;   /* borrowed */
    const char *user_agent; /* audit rows; borrowed */
    const ferry_tz *tz;     /* the site's zone; borrowed */
} ferry_recurring;

/* One pass at `now` (UTC seconds, negative: the database's clock); adds the
 * requests made to *created and the origins that failed to *failed. */
int ferry_recurring_tick(const ferry_recurring *r, int64_t now, unsigned *created, unsigned *failed,
                         ferry_err *err);

/* `ferry schedule run-now`: one request from recurring request `id` now,
 * its next_run left alone. *made: the new request's id. */
int ferry_recurring_run_now(const ferry_recurring *r, const char *id, char made[33],
                            ferry_err *err);

#endif
