/* cmd_serve.c — `ferry serve [--listen ADDR:PORT]`: the download server
 * (server.h) until SIGTERM/SIGINT, then a graceful stop and exit 0. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "db.h"
#include "migrate.h"
#include "s3.h"
#include "server.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: ferry serve [--listen ADDR:PORT]\n\n"
               "Serves export artifacts over HTTP at /download/<request id>?token=…, with\n"
               "/healthz and /metrics. Settings: download.listen (default 127.0.0.1:8080),\n"
               "download.secret (or FERRY_SECRET), download.max_connections,\n"
               "download.per_ip_connections, download.timeout_seconds,\n"
               "download.drain_seconds, store.path.\n");
}

/* The placeholder conf/ferry.conf ships with: never a real key. */
#define FERRY_SAMPLE_SECRET "demo-secret-change-me-demo-secret-change-me"

static unsigned setting(const ferry_site *site, const char *path, int64_t dflt)
{
    int64_t v = ferry_site_int(site, path, dflt);
    return v < 0 ? 0 : v > 1000000 ? 1000000 : (unsigned)v;
}

int ferry_cmd_serve(ferry_app *app, int argc, char **argv)
{
    static const struct option opts[] = {
        {"listen", required_argument, 0, 'l'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *listen = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "l:h", opts, NULL)) != -1) {
        switch (c) {
        case 'l':
            listen = optarg;
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
        usage(stderr);
        return FERRY_EXIT_USAGE;
    }
    ferry_err err = FERRY_ERR_INIT;
    ferry_site *site;
    ferry_db *db = NULL;
    /* Refuse to start on a database with pending migrations. */
    if (ferry_app_site(app, &site, &err))
        return ferry_app_fail(app, &err);
    if (site->secret && strcmp(site->secret, FERRY_SAMPLE_SECRET) == 0) {
        ferry_err_set(&err, FERRY_ERR_CONFIG,
                      "%s: download.secret is the sample's \"%s\": set your own, e.g. "
                      "`openssl rand -hex 32`, in download.secret or FERRY_SECRET",
                      site->path, FERRY_SAMPLE_SECRET);
        return ferry_app_fail(app, &err);
    }
    if (ferry_app_connect(app, &db, 30, 0, &err) || ferry_app_metrics(app, &err))
        return ferry_app_fail(app, &err);
    fdb_close(db);

    ferry_server_opts o = {listen ? listen
                                  : ferry_site_string(site, "download.listen", "127.0.0.1:8080"),
                           site->database_url,
                           site->store_path,
                           site->secret,
                           setting(site, "download.max_connections", 256),
                           setting(site, "download.per_ip_connections", 32),
                           setting(site, "download.timeout_seconds", 30),
                           &app->log,
                           NULL,
                           0,
                           app->metrics,
                           ferry_site_string(site, "status.allow", NULL),
                           ferry_site_string(site, "status.token", NULL),
                           ferry_site_string(site, "scheduler.timezone", "UTC")};
    ferry_s3 *s3 = NULL;
    if (ferry_s3_open(&s3, site, &err))
        return ferry_app_fail(app, &err);
    o.s3 = s3;
    o.s3_stream = strcmp(ferry_site_string(site, "download.objects", "redirect"), "stream") == 0;
    ferry_server *srv = NULL;
    if (ferry_server_start(&srv, &o, &err)) {
        ferry_s3_free(s3);
        return ferry_app_fail(app, &err);
    }
    char fields[256];
    snprintf(fields, sizeof fields, "listen=%s port=%u", o.listen, ferry_server_port(srv));
    ferry_logf(&app->log, FERRY_LOG_INFO, fields, "serving downloads");
    while (!*app->stop) {
        struct timespec ts = {0, 200 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    ferry_logf(&app->log, FERRY_LOG_INFO, NULL, "stopping: finishing open connections");
    ferry_server_stop(srv, setting(site, "download.drain_seconds", 10));
    ferry_s3_free(s3);
    ferry_logf(&app->log, FERRY_LOG_INFO, NULL, "stopped");
    return FERRY_EXIT_OK;
}
