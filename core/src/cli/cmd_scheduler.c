/*
 * cmd_scheduler.c — `ferry scheduler`: the long-running loop that turns due
 * export schedules into requests (scheduler.h), reconnecting with backoff;
 * and `ferry schedule next`: a cron pattern's next fire times, local and
 * UTC, for operators checking a pattern before saving it.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "commands.h"
#include "metrics_cli.h"
#include "cmd_schedule_admin.h"
#include "recurring_cli.h"
#include "cron.h"
#include "db.h"
#include "migrate.h"
#include "retry.h"
#include "schema_check.h"
#include "scheduler.h"

static void scheduler_usage(FILE *f)
{
    fprintf(f, "usage: ferry scheduler [--once] [--interval SECONDS] [--now TIME]\n"
               "                       [--metrics-listen ADDR]\n\n"
               "Turns every due export schedule into one export request, then sleeps.\n"
               "  --once          one pass, then exit\n"
               "  --interval S    seconds between passes (default: scheduler.interval_seconds, "
               "30)\n"
               "  --now TIME      use TIME (UTC, YYYY-MM-DD HH:MM[:SS]) as the clock, for tests\n"
               "  --metrics-listen ADDR  serve Prometheus /metrics on HOST:PORT (default\n"
               "                  scheduler.metrics_listen; unset: none)\n"
               "Stops cleanly on SIGTERM/SIGINT (exit 0); ignores SIGHUP.\n");
}

/* Sleeps `seconds`, waking early on a stop; non-zero when asked to stop. */
static int nap(ferry_app *app, double seconds)
{
    return ferry_nap_ms((unsigned)(seconds * 1000), app->stop);
}

typedef struct connector {
    ferry_app *app;
    ferry_site *site;
    ferry_db **db;
    unsigned idle_limit; /* the session's wait_timeout, seconds */
} connector;

/* A scheduler that vanishes mid-pass (its host powered off or cut off)
 * leaves its connection open on the server and a schedule's row locked:
 * every other scheduler skips that schedule (SKIP LOCKED) until the server
 * ends the connection, once idle for wait_timeout (8 hours by default).
 * This session's is a little more than the longest this scheduler idles:
 * the nap between passes. */
static int set_idle_limit(ferry_db *db, unsigned seconds, ferry_err *err)
{
    char sql[64];
    snprintf(sql, sizeof sql, "SET SESSION wait_timeout = %u", seconds);
    return fdb_run(db, sql, err);
}

/* One try: connect and check the migrations and the schema. Pending
 * migrations or a schema ferry cannot use are a FERRY_ERR_CONFIG (refuse to run); a lost connection
 * is retried. */
static int connect_db(void *arg, unsigned i, ferry_err *err)
{
    connector *c = arg;
    (void)i;
    int rc = fdb_connect_url(c->db, c->site->database_url, 60, err);
    if (rc)
        return rc == FERRY_ERR_CONFIG ? FERRY_ERR_DB : rc;
    rc = ferry_migrate_require(c->site, *c->db, err);
    if (!rc)
        rc = ferry_schema_require(*c->db, err);
    if (!rc && set_idle_limit(*c->db, c->idle_limit, err)) {
        if (fdb_is_connection_error(*c->db))
            rc = FERRY_ERR_DB;
        else /* refused: the scheduler works without it */
            ferry_logf(&c->app->log, FERRY_LOG_WARN, NULL,
                       "cannot limit the session's idle time: %s", err->msg);
    }
    if (rc) {
        int lost = fdb_is_connection_error(*c->db);
        fdb_close(*c->db);
        *c->db = NULL;
        return lost ? (rc == FERRY_ERR_CONFIG ? FERRY_ERR_DB : rc) : FERRY_ERR_CONFIG;
    }
    return 0;
}

static void connect_report(void *arg, unsigned i, unsigned delay_ms, const ferry_err *err)
{
    connector *c = arg;
    (void)i;
    ferry_logf(&c->app->log, FERRY_LOG_WARN, NULL, "database unreachable, retrying in %g s: %s",
               delay_ms / 1000.0, err->msg);
}

int ferry_cmd_scheduler(ferry_app *app, int argc, char **argv)
{
    static const struct option opts[] = {
        {"once", no_argument, 0, 'o'},      {"interval", required_argument, 0, 'i'},
        {"now", required_argument, 0, 'n'}, {"metrics-listen", required_argument, 0, 'm'},
        {"help", no_argument, 0, 'h'},      {0, 0, 0, 0}};
    int once = 0, c;
    const char *metrics_listen = NULL;
    double interval = -1;
    int64_t now = -1;
    ferry_err err = FERRY_ERR_INIT;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            once = 1;
            break;
        case 'i': {
            char *end;
            interval = strtod(optarg, &end);
            if (*end || !(interval > 0) || interval > 86400) {
                fprintf(stderr, "ferry: --interval wants seconds between 0 and 86400\n");
                return FERRY_EXIT_USAGE;
            }
            break;
        }
        case 'm':
            metrics_listen = optarg;
            break;
        case 'n':
            if (ferry_time_parse(optarg, NULL, &now, &err))
                return ferry_app_fail(app, &err);
            break;
        case 'h':
            scheduler_usage(stdout);
            return FERRY_EXIT_OK;
        default:
            scheduler_usage(stderr);
            return FERRY_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        scheduler_usage(stderr);
        return FERRY_EXIT_USAGE;
    }
    ferry_site *site;
    const char *url;
    ferry_metrics_http *mh = NULL;
    if (ferry_app_site(app, &site, &err) || ferry_app_database_url(app, &url, &err) ||
        ferry_app_metrics_listen(app, metrics_listen, "scheduler.metrics_listen", &mh, &err))
        return ferry_app_fail(app, &err);
    if (interval < 0)
        interval = (double)ferry_site_int(site, "scheduler.interval_seconds", 30);
    if (interval <= 0)
        interval = 30;

    char ua[256];
    ferry_app_user_agent(app, ua, sizeof ua);
    ferry_db *db = NULL;
    ferry_backoff backoff;
    ferry_backoff_init(&backoff, 1000, 60000);
    /* twice the nap between passes, and 5 s for a pass's own pauses */
    connector conn = {app, site, &db, (unsigned)(2 * interval + 0.999) + 5};
    ferry_retry_ops ops = {connect_db, connect_report, &conn};
    int exit_code = FERRY_EXIT_OK, started = 0;
    while (!(app->stop && *app->stop)) {
        if (!db) {
            int rc = ferry_retry(&backoff, once ? 1 : 0, app->stop, &ops, &err);
            if (rc && rc != FERRY_ERR_CANCEL)
                exit_code = ferry_app_fail(app, &err);
            if (rc)
                break;
        }
        if (!started) { /* said once the database is checked: a refusal is one line */
            started = 1;
            ferry_logf(&app->log, FERRY_LOG_INFO, NULL, "scheduler started (every %g s)", interval);
        }
        ferry_scheduler s = {db, &app->log, ua, 0};
        ferry_sched_stats st;
        memset(&st, 0, sizeof st);
        int rc = ferry_scheduler_tick(&s, now, &st, &err);
        ferry_metrics_add(app->metrics, FM_SCHEDULER_FIRES, "schedule", NULL, st.created);
        ferry_metrics_add(app->metrics, FM_SCHEDULER_FAILS, "schedule", NULL, st.failed);
        if (!rc)
            rc = ferry_recurring_pass(app, db, ua, now, &err);
        if (rc) {
            ferry_logf(&app->log, FERRY_LOG_WARN, NULL, "scheduler pass failed: %s", err.msg);
            fdb_close(db); /* reconnect: never reuse a connection in doubt */
            db = NULL;
            if (once) {
                exit_code = ferry_err_exit_code(rc);
                break;
            }
            if (ferry_backoff_wait(&backoff, app->stop))
                break;
            continue;
        }
        if (st.due || app->log.level >= FERRY_LOG_DEBUG) {
            char fields[160];
            snprintf(fields, sizeof fields, "due=%u created=%u duplicate=%u failed=%u skipped=%u",
                     st.due, st.created, st.duplicate, st.failed, st.skipped);
            ferry_logf(&app->log, FERRY_LOG_INFO, fields, "scheduler pass done");
        }
        if (once || nap(app, interval))
            break;
    }
    fdb_close(db);
    ferry_metrics_http_stop(mh);
    if (app->stop && *app->stop)
        ferry_logf(&app->log, FERRY_LOG_INFO, NULL, "scheduler stopped");
    return exit_code;
}

/* ---- ferry schedule next ---------------------------------------------- */

static void schedule_usage(FILE *f)
{
    fprintf(f, "usage: ferry schedule next PATTERN [--timezone TZ] [--from TIME] [--count N]\n"
               "       ferry schedule list|show|pause|resume|run-now [ID] [--json]\n\n"
               "list, show, pause, resume and run-now cover export_schedules rows and the\n"
               "recurring requests (export_requests with is_scheduled, schedule_pattern,\n"
               "next_run). run-now makes one request now: from a schedule as its next\n"
               "fire would (recorded as a run at this second), from a recurring request as\n"
               "a copy; it prints the new request's id.\n\n"
               "Prints the next N (default 5) times the five-field cron PATTERN fires in the\n"
               "IANA time zone TZ (default UTC), in local time and in UTC. TIME is\n"
               "YYYY-MM-DD[ HH:MM[:SS]], local to TZ unless it ends in Z or +HH:MM\n"
               "(default: now).\n");
}

static void print_time(const char *label, int64_t t, int32_t off, const char *abbr)
{
    static const char *const wd[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    char buf[32];
    ferry_time_format(t, off, buf, sizeof buf);
    printf("%15s: %s %s %s\n", label, wd[ferry_weekday_from_days(ferry_floor_div(t + off, 86400))],
           buf, abbr);
}

static int schedule_next(ferry_app *app, int argc, char **argv)
{
    static const struct option opts[] = {{"timezone", required_argument, 0, 't'},
                                         {"from", required_argument, 0, 'f'},
                                         {"count", required_argument, 0, 'c'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *tzname = "UTC", *from = NULL;
    long count = 5;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 't':
            tzname = optarg;
            break;
        case 'f':
            from = optarg;
            break;
        case 'c': {
            char *end;
            count = strtol(optarg, &end, 10);
            if (*end || count < 1 || count > 10000) {
                fprintf(stderr, "ferry: --count wants a number from 1 to 10000\n");
                return FERRY_EXIT_USAGE;
            }
            break;
        }
        case 'h':
            schedule_usage(stdout);
            return FERRY_EXIT_OK;
        default:
            schedule_usage(stderr);
            return FERRY_EXIT_USAGE;
        }
    }
    if (argc - optind != 1) {
        schedule_usage(stderr);
        return FERRY_EXIT_USAGE;
    }
    const char *pattern = argv[optind];
    ferry_err err = FERRY_ERR_INIT;
    ferry_cron cron;
    ferry_tz *tz = NULL;
    if (ferry_cron_parse(&cron, pattern, &err) || ferry_tz_load(&tz, tzname, &err))
        return ferry_app_fail(app, &err);
    int64_t t = (int64_t)time(NULL);
    if (from && ferry_time_parse(from, tz, &t, &err)) {
        ferry_tz_free(tz);
        return ferry_app_fail(app, &err);
    }
    printf("%15s: %s\n", "Original form", pattern);
    printf("%15s: %s\n", "Time zone", tzname);
    time_t at = (time_t)t - 1; /* `from` itself counts */
    for (long i = 0; i < count; i++) {
        time_t next;
        if (ferry_cron_next_tz(&cron, tz, at, &next, &err)) {
            ferry_tz_free(tz);
            return ferry_app_fail(app, &err);
        }
        const char *abbr;
        int32_t off = ferry_tz_offset(tz, next, &abbr);
        char label[32];
        if (i == 0)
            snprintf(label, sizeof label, "Next elapse");
        else
            snprintf(label, sizeof label, "Iter. #%ld", i + 1);
        print_time(label, next, off, abbr);
        print_time("(in UTC)", next, 0, "UTC");
        at = next;
    }
    ferry_tz_free(tz);
    return FERRY_EXIT_OK;
}

int ferry_cmd_schedule(ferry_app *app, int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "next") == 0)
        return schedule_next(app, argc - 1, argv + 1);
    static const char *const verbs[] = {"list", "show", "pause", "resume", "run-now"};
    for (size_t i = 0; argc >= 2 && i < sizeof verbs / sizeof verbs[0]; i++) {
        if (strcmp(argv[1], verbs[i]) != 0)
            continue;
        int json = argc >= 3 && strcmp(argv[argc - 1], "--json") == 0;
        int nargs = argc - 2 - json;
        if (nargs > (i ? 1 : 0) || nargs < (i ? 1 : 0)) {
            schedule_usage(stderr);
            return FERRY_EXIT_USAGE;
        }
        return ferry_schedule_admin(app, verbs[i], nargs ? argv[2] : NULL, json);
    }
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        schedule_usage(stdout);
        return FERRY_EXIT_OK;
    }
    schedule_usage(stderr);
    return FERRY_EXIT_USAGE;
}
