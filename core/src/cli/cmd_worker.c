/* cmd_worker.c — `ferry worker [--concurrency N] [--once]`: the command line
 * over worker.c. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "commands.h"
#include "metrics_cli.h"
#include "worker.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: ferry worker [--concurrency N] [--once] [--metrics-listen ADDR]\n\n"
               "Claims pending export requests and runs them, N at a time, holding a lease\n"
               "on each (renewed while it runs) so that other workers, here or on other\n"
               "machines, never run the same request twice. SIGTERM or SIGINT: stop claiming,\n"
               "finish what is held (worker.stop_grace_seconds), release the rest, exit 0.\n"
               "SIGHUP is ignored.\n\n"
               "A request's own mistake (an unknown field or format, a filter on a field\n"
               "that is not filterable) fails it at once, with its message; other errors\n"
               "are retried, up to worker.max_attempts. When the site's request pipeline\n"
               "file (requests.pipeline) is broken, or the database cannot take the request\n"
               "now, it waits as pending, its attempt not used. The pipeline file's error is\n"
               "logged once, naming the file and line; the file is watched, and the waiting\n"
               "requests run as soon as it is fixed, with no restart.\n\n"
               "  --concurrency N  slots (default worker.concurrency, 2)\n"
               "  --once           exit when nothing is left to claim (exit 5 when the\n"
               "                   database keeps failing: a few tries, some 4 s; exit 3\n"
               "                   when requests wait for the site's configuration)\n"
               "  --metrics-listen ADDR  serve Prometheus /metrics on HOST:PORT\n"
               "                   (default worker.metrics_listen; unset: none)\n\n"
               "Settings (ferry.conf): worker.concurrency, worker.lease_seconds (30),\n"
               "worker.max_attempts (3), worker.poll_interval_ms (1000),\n"
               "worker.retry_delay_seconds (10), worker.stop_grace_seconds (30).\n");
}

int ferry_cmd_worker(ferry_app *app, int argc, char **argv)
{
    static const struct option opts[] = {{"concurrency", required_argument, 0, 'c'},
                                         {"once", no_argument, 0, 'o'},
                                         {"metrics-listen", required_argument, 0, 'm'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    long concurrency = 0;
    int once = 0, c;
    const char *metrics_listen = NULL;
    while ((c = getopt_long(argc, argv, "+c:oh", opts, NULL)) != -1) {
        switch (c) {
        case 'c': {
            char *end;
            concurrency = strtol(optarg, &end, 10);
            if (*end || concurrency < 1 || concurrency > 256) {
                fprintf(stderr, "ferry: --concurrency wants a number from 1 to 256\n");
                return FERRY_EXIT_USAGE;
            }
            break;
        }
        case 'o':
            once = 1;
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
        fprintf(stderr, "ferry: worker takes no arguments (got \"%s\")\n", argv[optind]);
        return FERRY_EXIT_USAGE;
    }
    ferry_err err = FERRY_ERR_INIT;
    ferry_service svc;
    if (ferry_app_service(app, &svc, &err))
        return ferry_app_fail(app, &err);
    ferry_worker_opts o;
    ferry_worker_opts_from_site(&o, svc.site);
    if (concurrency)
        o.concurrency = (int)concurrency;
    o.once = once;
    /* The fork server is forked first, while this process has one thread. */
    ferry_worker *w = NULL;
    if (ferry_worker_open(&w, &svc, &o, &err))
        return ferry_app_fail(app, &err);
    ferry_metrics_http *mh = NULL;
    int rc = ferry_app_metrics_listen(app, metrics_listen, "worker.metrics_listen", &mh, &err);
    if (!rc)
        rc = ferry_worker_run(w, &err);
    ferry_metrics_http_stop(mh);
    ferry_worker_close(w);
    return rc ? ferry_app_fail(app, &err) : FERRY_EXIT_OK;
}
