/*
 * cmd_daemon.c — `ferry daemon`: worker, scheduler and download server as
 * supervised child processes of this one, plus `ferry expire` every
 * daemon.expire_interval_seconds. Each child is this same binary
 * (/proc/self/exe) run with the same --config; no shell is involved.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "metrics_cli.h"
#include "daemon.h"
#include "db.h"
#include "migrate.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: ferry daemon [--no-worker] [--no-scheduler] [--no-serve] [--no-expire]\n"
               "                    [--concurrency N] [--expire-interval SECONDS]\n"
               "                    [--metrics-listen ADDR]\n\n"
               "Runs `ferry worker`, `ferry scheduler` and `ferry serve` as child processes,\n"
               "restarting one that dies (with a growing delay), and `ferry expire` every\n"
               "daemon.expire_interval_seconds (default 300). SIGTERM or SIGINT stops every\n"
               "child with SIGTERM and exits 0 once they are gone. --metrics-listen (or\n"
               "daemon.metrics_listen) serves one Prometheus /metrics that every child\n"
               "counts into (shared memory). SIGHUP is ignored.\n\n"
               "Settings (ferry.conf): daemon.worker, daemon.scheduler, daemon.serve,\n"
               "daemon.expire (booleans, default true), daemon.worker_concurrency,\n"
               "daemon.expire_interval_seconds, daemon.restart_delay_seconds (1),\n"
               "daemon.restart_max_delay_seconds (60), daemon.stop_timeout_seconds (60).\n");
}

/* argv for one child: exe-name --config FILE [-v|-q] COMMAND [extra…] */
typedef struct child_argv {
    char *v[10];
} child_argv;

static void make_argv(child_argv *a, const ferry_app *app, const char *config, const char *cmd,
                      const char *x1, const char *x2)
{
    size_t i = 0;
    a->v[i++] = (char *)(app->argv0 ? app->argv0 : "ferry");
    a->v[i++] = (char *)"--config";
    a->v[i++] = (char *)config;
    if (app->log.level >= FERRY_LOG_DEBUG)
        a->v[i++] = (char *)"-v";
    else if (app->log.level <= FERRY_LOG_WARN)
        a->v[i++] = (char *)"-q";
    a->v[i++] = (char *)cmd;
    if (x1)
        a->v[i++] = (char *)x1;
    if (x2)
        a->v[i++] = (char *)x2;
    a->v[i] = NULL;
}

static unsigned seconds_setting(const ferry_site *site, const char *path, int64_t dflt, int64_t min,
                                int64_t max)
{
    int64_t v = ferry_site_int(site, path, dflt);
    return (unsigned)(v < min ? min : v > max ? max : v);
}

/* One child: `ferry <cmd> [opt val]` with the daemon's config, every
 * `interval` seconds (0: kept running); *n counts it. */
static void add_child(child_argv *av, ferry_daemon_child *kid, size_t *n, ferry_app *app,
                      const char *conf, const char *cmd, const char *opt, const char *val,
                      unsigned interval)
{
    make_argv(av, app, conf, cmd, opt, val);
    *kid = (ferry_daemon_child){cmd, av->v, interval};
    (*n)++;
}

/* The supervisor's restart delays and stop timeout from ferry.conf. */
static void supervisor_settings(ferry_daemon_opts *o, const ferry_site *site)
{
    ferry_daemon_opts_init(o, "/proc/self/exe");
    o->restart_delay_ms = 1000 * seconds_setting(site, "daemon.restart_delay_seconds", 1, 1, 3600);
    o->restart_max_delay_ms =
        1000 * seconds_setting(site, "daemon.restart_max_delay_seconds", 60, 1, 3600);
    if (o->restart_max_delay_ms < o->restart_delay_ms)
        o->restart_max_delay_ms = o->restart_delay_ms;
    o->stop_timeout_seconds = seconds_setting(site, "daemon.stop_timeout_seconds", 60, 1, 3600);
}

int ferry_cmd_daemon(ferry_app *app, int argc, char **argv)
{
    int want_worker = -1, want_scheduler = -1, want_serve = -1, want_expire = -1;
    long concurrency = 0, interval = 0;
    static const struct option opts[] = {{"no-worker", no_argument, 0, 'W'},
                                         {"no-scheduler", no_argument, 0, 'S'},
                                         {"no-serve", no_argument, 0, 'H'},
                                         {"no-expire", no_argument, 0, 'E'},
                                         {"concurrency", required_argument, 0, 'c'},
                                         {"expire-interval", required_argument, 0, 'i'},
                                         {"metrics-listen", required_argument, 0, 'm'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    int c;
    char *end;
    const char *metrics_listen = NULL;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'W':
            want_worker = 0;
            break;
        case 'S':
            want_scheduler = 0;
            break;
        case 'H':
            want_serve = 0;
            break;
        case 'E':
            want_expire = 0;
            break;
        case 'c':
            concurrency = strtol(optarg, &end, 10);
            if (*end || concurrency < 1 || concurrency > 1024) {
                fprintf(stderr, "ferry: daemon: --concurrency wants a number from 1 to 1024\n");
                return FERRY_EXIT_USAGE;
            }
            break;
        case 'i':
            interval = strtol(optarg, &end, 10);
            if (*end || interval < 1) {
                fprintf(stderr, "ferry: daemon: --expire-interval wants seconds (at least 1)\n");
                return FERRY_EXIT_USAGE;
            }
            break;
        case 'm':
            metrics_listen = optarg;
            break;
        case 'h':
            usage(stdout);
            return FERRY_EXIT_OK;
        default:
            usage(stderr);
            return FERRY_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "ferry: daemon: unexpected argument \"%s\"\n", argv[optind]);
        return FERRY_EXIT_USAGE;
    }

    ferry_err err = FERRY_ERR_INIT;
    ferry_site *site;
    if (ferry_app_site(app, &site, &err))
        return ferry_app_fail(app, &err);
    if (want_worker < 0)
        want_worker = ferry_site_bool(site, "daemon.worker", 1);
    if (want_scheduler < 0)
        want_scheduler = ferry_site_bool(site, "daemon.scheduler", 1);
    if (want_serve < 0)
        want_serve = ferry_site_bool(site, "daemon.serve", 1);
    if (want_expire < 0)
        want_expire = ferry_site_bool(site, "daemon.expire", 1);
    if (concurrency == 0)
        concurrency = (long)ferry_site_int(site, "daemon.worker_concurrency", 0);
    if (interval == 0)
        interval = (long)seconds_setting(site, "daemon.expire_interval_seconds", 300, 1, 7 * 86400);
    if (!want_worker && !want_scheduler && !want_serve && !want_expire) {
        fprintf(stderr, "ferry: daemon: every child is turned off; nothing to run\n");
        return FERRY_EXIT_USAGE;
    }
    /* Refuse to start on a database that is unreachable or not migrated. */
    ferry_db *db = NULL;
    if (ferry_app_connect(app, &db, 30, 0, &err))
        return ferry_app_fail(app, &err);
    fdb_close(db);

    char conc[32];
    snprintf(conc, sizeof conc, "%ld", concurrency);
    child_argv av[4];
    ferry_daemon_child kids[4];
    size_t n = 0;
    if (want_worker)
        add_child(&av[n], &kids[n], &n, app, site->path, "worker",
                  concurrency > 0 ? "--concurrency" : NULL, concurrency > 0 ? conc : NULL, 0);
    if (want_scheduler)
        add_child(&av[n], &kids[n], &n, app, site->path, "scheduler", NULL, NULL, 0);
    if (want_serve)
        add_child(&av[n], &kids[n], &n, app, site->path, "serve", NULL, NULL, 0);
    if (want_expire)
        add_child(&av[n], &kids[n], &n, app, site->path, "expire", NULL, NULL, (unsigned)interval);

    ferry_daemon_opts o;
    supervisor_settings(&o, site);

    char fields[512];
    snprintf(fields, sizeof fields,
             "config=\"%s\" worker=%d scheduler=%d serve=%d expire=%d "
             "expire_interval_s=%ld",
             site->path, want_worker, want_scheduler, want_serve, want_expire, interval);
    ferry_logf(&app->log, FERRY_LOG_INFO, fields, "daemon starting");
    ferry_metrics_http *mh = NULL;
    if (ferry_daemon_metrics_listen(app, metrics_listen, &mh, &err))
        return ferry_app_fail(app, &err);
    int rc = ferry_daemon_run(kids, n, &o, app->stop, &app->log, &err);
    ferry_metrics_http_stop(mh);
    return rc ? ferry_app_fail(app, &err) : FERRY_EXIT_OK;
}
