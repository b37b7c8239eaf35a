/*
 * scheduler.h — turning due export_schedules rows into export requests.
 *
 * One tick: every active schedule whose next_run has come (and that is not
 * marked invalid: ferry_invalid_at set and updated_at <= ferry_invalid_at)
 * is handled in its own transaction:
 *   - its row is locked (FOR UPDATE SKIP LOCKED: another scheduler holding
 *     it means that one is handling it);
 *   - the fire time is the latest time the pattern matches in
 *     [next_run, now]: ticks missed while no scheduler ran fire once;
 *   - a ferry_schedule_runs row (schedule_id, fire_time) is inserted: its
 *     unique key makes a second request for one tick impossible (a
 *     duplicate-key error means another scheduler did it);
 *   - one export_requests row is made from the template (format, filters
 *     from default_filters with "date_range" resolved into
 *     date_range_start/end, selected_fields from field_configuration.fields),
 *     status pending, is_scheduled 1, and its 'created' audit row;
 *   - last_run (the fire time), run_count + 1 and next_run (the next fire
 *     time after now) are written.
 * Only once that transaction is committed is the fire logged ("schedule
 * fired", naming the request) and counted: a scheduler killed before its
 * COMMIT, or whose COMMIT failed, made nothing and says nothing was made.
 * An invalid pattern or time zone adds one to failure_count and sets
 * ferry_invalid_at, so the schedule waits until its row is edited; a
 * template that cannot be used (bad default_filters) adds one to
 * failure_count and skips the tick. Either is logged with schedule_id; the
 * other schedules go on.
 */
#ifndef FERRY_CORE_SCHEDULER_H
#define FERRY_CORE_SCHEDULER_H

#include <stdint.h>

#include "db.h"
#include "error.h"
#include "log.h"

typedef struct ferry_scheduler {
    ferry_db *db;           /* borrowed */
    const ferry_log *log;   /* borrowed */
    const char *user_agent; /* for audit rows; borrowed */
    unsigned batch;         /* schedules read per query; 0: 500 */
} ferry_scheduler;

typedef struct ferry_sched_stats {
    unsigned due;       /* schedules found due */
    unsigned created;   /* requests created (committed) */
    unsigned duplicate; /* ticks another scheduler had already made */
    unsigned failed;    /* schedules that counted a failure */
    unsigned skipped;   /* locked by another scheduler, or no match since next_run */
} ferry_sched_stats;

/*
 * One pass at `now` (UTC seconds; negative: the database's clock,
 * UTC_TIMESTAMP(6)). Adds to *st (may be NULL). Returns 0, or a negative
 * ferry_error for a database failure that stopped the pass (check
 * fdb_is_connection_error on the db to decide to reconnect).
 */
int ferry_scheduler_tick(const ferry_scheduler *s, int64_t now, ferry_sched_stats *st,
                         ferry_err *err);

/*
 * `ferry schedule run-now`: one request from export_schedules row `id` now,
 * through the tick's own path (template, format, relative date range
 * resolved at now, 'created' audit row with source "run-now", last_run and
 * run_count; next_run is left as it is), its ferry_schedule_runs row at the
 * database's current second, so a tick or a second run-now for that same
 * (schedule, time) makes nothing. Works on a paused schedule too. The new
 * request's id in made. FERRY_ERR_NOTFOUND: no such row.
 */
int ferry_scheduler_run_now(const ferry_scheduler *s, const char *id, char made[33],
                            ferry_err *err);

#endif
