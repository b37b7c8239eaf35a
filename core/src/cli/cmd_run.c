/* cmd_run.c — `ferry run FILE.cfg`: one pipeline end to end. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calls.h"
#include "commands.h"
#include "pipeline.h"
#include "preview.h"
#include "progress.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: ferry run [--check] [--preview N] [--set KEY=VALUE]... [--output-dir DIR] "
               "FILE.cfg\n\n"
               "Runs one pipeline end to end and prints where the artifact is.\n\n"
               "  --check           validate the config and every plugin option and, when the\n"
               "                    source's database answers, the fields against its columns\n"
               "  --preview N       print the first N rows (after filters) as a table; write "
               "nothing\n"
               "  --set KEY=VALUE   override a setting by its path, e.g. format.bom=true\n"
               "  --output-dir DIR  write the artifact into DIR instead of output.directory\n\n"
               "Exit codes: 0 ok, 1 failed, 2 usage, 3 config, 4 plugin, 5 database, 8 limit, "
               "130 interrupted.\n"
               "A plugin's mistake is named in one line on stderr: a crash (ferry dies of its\n"
               "signal), exit() or a value of the wrong type (exit 4). What a plugin prints goes\n"
               "to stderr; a second SIGINT stops a plugin that ignores the first (exit 130).\n");
}

/* A download URL means something only when ferry.conf sets up `ferry serve`
 * (download.listen or store.base_url). */
static int server_configured(const ferry_site *site)
{
    return site && (config_lookup(&site->cfg, "download.listen") ||
                    config_lookup(&site->cfg, "store.base_url"));
}

/* Applies each --set KEY=VALUE to the pipeline. */
static int apply_sets(ferry_pipeline *p, char **sets, size_t nsets, ferry_err *err)
{
    for (size_t i = 0; i < nsets; i++) {
        char label[600], key[512];
        snprintf(label, sizeof label, "--set %s", sets[i]);
        const char *eq = strchr(sets[i], '=');
        if (!eq || eq == sets[i])
            return ferry_err_set(err, FERRY_ERR_USAGE, "%s: expected KEY=VALUE", label);
        snprintf(key, sizeof key, "%.*s", (int)(eq - sets[i]), sets[i]);
        int rc = ferry_pipeline_set(p, key, eq + 1, label, err);
        if (rc)
            return rc;
    }
    return 0;
}

/* The published artifact: its path (a summary on a terminal), and the
 * count of values not carried exactly. */
static void print_result(ferry_app *app, FILE *out, const ferry_run_result *r, double elapsed)
{
    if (r->warnings)
        fprintf(stderr, "ferry: %llu value%s not carried exactly (see the warnings above)\n",
                (unsigned long long)r->warnings, r->warnings == 1 ? " was" : "s were");
    const char *url = server_configured(app->site) ? r->download_url : NULL;
    if (app->stdout_tty)
        fprintf(out, "wrote %s\n  %llu rows, %llu bytes, %.2fs, sha256 %s\n%s%s%s", r->path,
                (unsigned long long)r->rows, (unsigned long long)r->size, elapsed, r->sha256,
                url ? "  " : "", url ? url : "", url ? "\n" : "");
    else
        fprintf(out, "%s\n", r->path);
}

/* --check after the build: the fields against the source's real columns
 * when the source can describe them and its database answers. */
static int check_columns(ferry_pipeline *p, FILE *out, const char *file, ferry_err *err)
{
    int checked = 0;
    ferry_err cerr = FERRY_ERR_INIT;
    int rc = ferry_pipeline_check_columns(p, &checked, &cerr);
    if (rc == FERRY_ERR_CONFIG || rc == FERRY_ERR_NOMEM) {
        *err = cerr;
        return rc;
    }
    if (rc)
        fprintf(stderr, "ferry: columns not checked: %s\n", cerr.msg);
    fprintf(out, "%s: ok (source %s, %zu filter%s, format %s, %zu encoder%s, %zu sink%s; %s)\n",
            file, p->source.plugin->desc->name, p->nfilters, p->nfilters == 1 ? "" : "s",
            p->format.plugin->desc->name, p->nencoders, p->nencoders == 1 ? "" : "s", p->nsinks,
            p->nsinks == 1 ? "" : "s",
            checked ? "columns checked against the source"
            : rc    ? "columns not checked: source not reachable"
                    : "columns not checked: the source cannot describe them");
    return 0;
}

/* Flushes and closes ferry's own standard output (see ferry_cmd_run). */
static int run_out_close(FILE *out, int rc)
{
    if (out != stdout)
        fclose(out);
    else
        fflush(out);
    return rc;
}

int ferry_cmd_run(ferry_app *app, int argc, char **argv)
{
    static const struct option opts[] = {
        {"check", no_argument, 0, 'c'},     {"preview", required_argument, 0, 'p'},
        {"set", required_argument, 0, 's'}, {"output-dir", required_argument, 0, 'o'},
        {"help", no_argument, 0, 'h'},      {0, 0, 0, 0}};
    int check = 0;
    long preview = 0;
    ferry_preview pv = {0};
    const char *outdir = NULL;
    char **sets = calloc((size_t)argc + 1, sizeof *sets);
    size_t nsets = 0;
    int c;
    if (!sets)
        return FERRY_EXIT_FAILED;
    while ((c = getopt_long(argc, argv, "cp:s:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            check = 1;
            break;
        case 'p': {
            char *end;
            preview = strtol(optarg, &end, 10);
            if (*end || preview <= 0) {
                fprintf(stderr, "ferry: --preview needs a positive number of rows\n");
                free(sets);
                return FERRY_EXIT_USAGE;
            }
            break;
        }
        case 's':
            sets[nsets++] = optarg;
            break;
        case 'o':
            outdir = optarg;
            break;
        case 'h':
            usage(stdout);
            free(sets);
            return 0;
        default:
            usage(stderr);
            free(sets);
            return FERRY_EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        usage(stderr);
        free(sets);
        return FERRY_EXIT_USAGE;
    }
    const char *file = argv[optind];
    /* A batch run prints its result; plugins' info lines only with -v. */
    if (app->log.level == FERRY_LOG_INFO)
        app->log.level = FERRY_LOG_WARN;
    /* Plugins run in this process from here on (their init in the build).
     * What they write to standard output (which they must not) goes to
     * standard error: ferry's own output, the artifact's path or a
     * preview, keeps descriptor 1 to itself. A crash, an exit() or a callback
     * that ignores an interrupt is named (calls.h). */
    fflush(stdout);
    int keep = dup(STDOUT_FILENO);
    FILE *out = keep >= 0 ? fdopen(keep, "w") : NULL;
    if (!out || dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
        if (keep >= 0 && !out)
            close(keep);
        out = stdout; /* as before: plugins share it */
    }
    ferry_calls_guard(app->stop, app->log.json);
    ferry_err err = FERRY_ERR_INIT;
    ferry_site *site = NULL;
    ferry_pipeline *p = NULL;
    int rc = ferry_app_site(app, &site, &err);
    if (rc)
        goto fail;
    rc = ferry_pipeline_parse(&p, file, &err);
    if (rc)
        goto fail;
    rc = apply_sets(p, sets, nsets, &err);
    if (rc)
        goto fail;
    rc = ferry_pipeline_build(p, site, NULL, &app->log, &err);
    if (rc)
        goto fail;
    if (check) {
        if ((rc = check_columns(p, out, file, &err)))
            goto fail;
        goto done;
    }
    ferry_progress prog;
    ferry_progress_init(&prog,
                        app->stdout_tty && isatty(STDERR_FILENO) && !preview ? stderr : NULL);
    ferry_run_opts o;
    memset(&o, 0, sizeof o);
    o.out_dir = outdir;
    o.cancel = app->stop;
    o.progress = ferry_progress_update;
    o.payload = &prog;
    if (preview)
        ferry_preview_attach(&pv, preview, out, &o);
    /* Notifications (email) go out once the artifact is published; their
     * failure is an error, but the artifact stays. */
    o.skip_after_commit = 1;
    ferry_run_result r;
    double t0 = ferry_monotonic();
    rc = ferry_pipeline_run(p, &o, &r, &err);
    ferry_progress_done(&prog);
    if (rc)
        goto fail;
    if (!preview && (rc = ferry_pipeline_after_commit(p, &o, &r, &err))) {
        fprintf(out, "%s\n", r.path);
        ferry_run_result_free(&r);
        ferry_err_prefix(&err, "published %s, but delivery failed", p->out_name);
        goto fail;
    }
    if (!preview) {
        print_result(app, out, &r, ferry_monotonic() - t0);
        ferry_run_result_free(&r);
    }
done:
    ferry_preview_free(&pv);
    ferry_pipeline_free(p);
    free(sets);
    return run_out_close(out, 0);
fail:
    ferry_preview_free(&pv);
    ferry_pipeline_free(p);
    free(sets);
    return run_out_close(out, ferry_app_fail(app, &err));
}
