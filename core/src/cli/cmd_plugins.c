/*
 * cmd_plugins.c — `ferry plugins list | info NAME|FILE.so | check FILE.so…`:
 * the plugins on the plugin path, one plugin's descriptor and option table
 * as documentation, and the conformance check (plugin_check.h).
 */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "loader.h"
#include "plugin_check.h"

typedef struct dirlist {
    char **dirs; /* owned when `owned` */
    size_t n;
    int owned;
} dirlist;

static void usage(FILE *f)
{
    fprintf(f, "usage: ferry plugins list\n"
               "       ferry plugins info NAME|FILE.so\n"
               "       ferry plugins check [--timeout SECONDS] [--strict] NAME|FILE.so...\n\n"
               "list   every NAME.so on the plugin path (ferry.conf plugins.path, or\n"
               "       $FERRY_PLUGIN_PATH) with its kind, version and description\n"
               "info   a plugin's descriptor and its options: type, default, required,\n"
               "       allowed values, example and help\n"
               "check  the conformance test: descriptor and ABI, option table, then the\n"
               "       plugin run in a child process on generated data (a source on its\n"
               "       options' examples); reports crashes, writes to stdout, exit(),\n"
               "       hangs (--timeout, default 10 s), errors without a message and\n"
               "       memory never given back, one line each; exits 1 on any defect.\n"
               "       --strict: an error with a message or a missing example fails too\n");
}

/* The plugin path: the site's, else $FERRY_PLUGIN_PATH and the bundled plugins. */
static int plugin_dirs(ferry_app *app, dirlist *dl, ferry_err *err)
{
    ferry_site *site = NULL;
    memset(dl, 0, sizeof *dl);
    if (ferry_site_exists(app->config_path)) {
        int rc = ferry_app_site(app, &site, err);
        if (rc)
            return rc;
        dl->dirs = site->plugin_path;
        dl->n = site->nplugin_path;
        return 0;
    }
    dl->owned = 1;
    dl->dirs = calloc(64, sizeof *dl->dirs);
    if (!dl->dirs)
        return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    const char *env = getenv("FERRY_PLUGIN_PATH");
    if (env && *env) {
        char *copy = strdup(env), *save = NULL;
        for (char *t = copy ? strtok_r(copy, ":", &save) : NULL; t && dl->n < 64;
             t = strtok_r(NULL, ":", &save))
            dl->dirs[dl->n++] = strdup(t);
        free(copy);
    }
    ferry_paths paths;
    int rc = ferry_paths_get(&paths, err);
    if (rc == 0) {
        dl->dirs[dl->n++] = strdup(paths.plugin_dir);
        ferry_paths_free(&paths);
    }
    return rc;
}

static void dirlist_free(dirlist *dl)
{
    if (!dl->owned)
        return;
    for (size_t i = 0; i < dl->n; i++)
        free(dl->dirs[i]);
    free(dl->dirs);
}

static int is_so(const struct dirent *e)
{
    size_t n = strlen(e->d_name);
    return n > 3 && strcmp(e->d_name + n - 3, ".so") == 0 && e->d_name[0] != '.';
}

static int cmd_list(ferry_app *app)
{
    dirlist dl;
    ferry_err perr = FERRY_ERR_INIT;
    if (plugin_dirs(app, &dl, &perr)) {
        dirlist_free(&dl);
        return ferry_app_fail(app, &perr);
    }
    char **seen = NULL;
    size_t nseen = 0;
    int found = 0;
    printf("%-18s %-7s %-9s %s\n", "NAME", "KIND", "VERSION", "DESCRIPTION");
    for (size_t i = 0; i < dl.n; i++) {
        struct dirent **ents = NULL;
        int n = scandir(dl.dirs[i], &ents, is_so, alphasort);
        for (int k = 0; k < n; k++) {
            const char *fn = ents[k]->d_name;
            int dup = 0;
            for (size_t s = 0; s < nseen; s++)
                dup |= strcmp(seen[s], fn) == 0;
            char **ns = dup ? NULL : realloc(seen, (nseen + 1) * sizeof *seen);
            if (ns) {
                seen = ns;
                seen[nseen++] = strdup(fn);
                char path[4096];
                snprintf(path, sizeof path, "%s/%s", dl.dirs[i], fn);
                ferry_plugin *p = NULL;
                ferry_err err = FERRY_ERR_INIT;
                if (ferry_plugin_open(&p, path, &err) == 0 &&
                    (strlen(p->desc->name) != strlen(fn) - 3 ||
                     strncmp(p->desc->name, fn, strlen(fn) - 3) != 0)) {
                    ferry_err_set(&err, FERRY_ERR_PLUGIN,
                                  "its descriptor calls it \"%s\" (rename the file %s.so)",
                                  p->desc->name, p->desc->name);
                    ferry_plugin_close(p);
                    p = NULL;
                }
                if (p) {
                    printf("%-18s %-7s %-9s %s\n", p->desc->name, ferry_kind_name(p->desc->kind),
                           p->desc->version, p->desc->description);
                    ferry_plugin_close(p);
                } else {
                    printf("%-18.*s %-7s %-9s cannot load: %s\n", (int)(strlen(fn) - 3), fn, "?",
                           "?", err.msg);
                }
                found++;
            }
            free(ents[k]);
        }
        free(ents);
    }
    for (size_t s = 0; s < nseen; s++)
        free(seen[s]);
    free(seen);
    if (!found) {
        fprintf(stderr, "ferry: no plugins found in");
        for (size_t i = 0; i < dl.n; i++)
            fprintf(stderr, " %s", dl.dirs[i]);
        fprintf(stderr, " (set FERRY_PLUGIN_PATH or plugins.path)\n");
    }
    dirlist_free(&dl);
    return found ? FERRY_EXIT_OK : FERRY_EXIT_PLUGIN;
}

static int is_path(const char *a)
{
    size_t n = strlen(a);
    return strchr(a, '/') || (n > 3 && strcmp(a + n - 3, ".so") == 0);
}

/* Loads NAME from the plugin path, or FILE.so. */
static int load(ferry_app *app, const char *arg, ferry_plugin **out, ferry_err *err)
{
    if (is_path(arg))
        return ferry_plugin_open(out, arg, err);
    dirlist dl;
    int rc = plugin_dirs(app, &dl, err);
    if (!rc)
        rc = ferry_plugin_find(out, dl.dirs, dl.n, arg, err);
    dirlist_free(&dl);
    return rc;
}

static void print_option(const ferry_option *o)
{
    printf("  %s  (%s", o->name, ferry_opt_type_name(o->type));
    if (o->flags & FERRY_OPT_REQUIRED)
        printf(", required");
    if (o->default_value)
        printf(", default \"%s\"", (o->flags & FERRY_OPT_SECRET) ? "…" : o->default_value);
    if (o->flags & FERRY_OPT_SECRET)
        printf(", secret");
    printf(")\n      %s\n", o->help ? o->help : "");
    if (o->allowed)
        printf("      allowed: %s\n", o->allowed);
    if (o->example)
        printf("      example: %s\n", o->example);
}

static int cmd_info(ferry_app *app, const char *arg)
{
    ferry_plugin *p = NULL;
    ferry_err err = FERRY_ERR_INIT;
    if (load(app, arg, &p, &err))
        return ferry_app_fail(app, &err);
    const ferry_plugin_descriptor *d = p->desc;
    printf("%s %s — %s\n", d->name, d->version, d->description);
    printf("  kind:         %s\n", ferry_kind_name(d->kind));
    printf("  file:         %s\n", p->path);
    printf("  built for:    plugin ABI %u.%u (this ferry: %d.%d)\n", d->abi_major, d->abi_minor,
           FERRY_ABI_MAJOR, FERRY_ABI_MINOR);
    if (d->extension)
        printf("  extension:    %s\n", d->extension);
    if (d->content_type)
        printf("  content type: %s\n", d->content_type);
    if (d->homepage)
        printf("  homepage:     %s\n", d->homepage);
    if (d->kind == FERRY_KIND_FORMAT && (d->flags & FERRY_FORMAT_WANTS_FILE))
        printf("  writes:       a file (not the stream; encoders do not apply)\n");
    if (d->kind == FERRY_KIND_SINK && (d->flags & FERRY_SINK_AFTER_COMMIT))
        printf("  runs:         after the request's completion is committed\n");
    size_t n = 0;
    while (d->options && d->options[n].name)
        n++;
    printf("\nOptions%s\n", n ? ":" : ": none");
    for (size_t i = 0; i < n; i++)
        print_option(&d->options[i]);
    ferry_plugin_close(p);
    return FERRY_EXIT_OK;
}

static int cmd_check(ferry_app *app, int argc, char **argv)
{
    static const struct option opts[] = {{"timeout", required_argument, 0, 't'},
                                         {"strict", no_argument, 0, 's'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    ferry_log quiet = app->log; /* plugins' info lines only with -v */
    if (quiet.level == FERRY_LOG_INFO)
        quiet.level = FERRY_LOG_WARN;
    ferry_check_opts co = {10, 0, &quiet};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+t:sh", opts, NULL)) != -1) {
        switch (c) {
        case 't': {
            char *end;
            long t = strtol(optarg, &end, 10);
            if (*end || t <= 0 || t > 3600) {
                fprintf(stderr, "ferry: --timeout wants seconds, 1 to 3600\n");
                return FERRY_EXIT_USAGE;
            }
            co.timeout = (unsigned)t;
            break;
        }
        case 's':
            co.strict = 1;
            break;
        case 'h':
            usage(stdout);
            return FERRY_EXIT_OK;
        default:
            usage(stderr);
            return FERRY_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return FERRY_EXIT_USAGE;
    }
    int defects = 0, unloadable = 0;
    for (int i = optind; i < argc; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s", argv[i]);
        if (!is_path(argv[i])) { /* a NAME: find it on the plugin path */
            ferry_plugin *p = NULL;
            ferry_err err = FERRY_ERR_INIT;
            if (load(app, argv[i], &p, &err)) {
                printf("%s\n  FAIL  load: %s\n  result: FAILED\n", argv[i], err.msg);
                defects++;
                unloadable++;
                continue;
            }
            snprintf(path, sizeof path, "%s", p->path);
            ferry_plugin_close(p);
        }
        ferry_err err = FERRY_ERR_INIT;
        int loaded = 0;
        int n = ferry_plugin_check(path, &co, stdout, &loaded, &err);
        if (n < 0)
            return ferry_app_fail(app, &err);
        defects += n;
        unloadable += !loaded;
    }
    fflush(stdout);
    if (unloadable)
        return FERRY_EXIT_PLUGIN;
    return defects ? FERRY_EXIT_FAILED : FERRY_EXIT_OK;
}

int ferry_cmd_plugins(ferry_app *app, int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? FERRY_EXIT_USAGE : FERRY_EXIT_OK;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "list") == 0 && argc == 2)
        return cmd_list(app);
    if (strcmp(sub, "info") == 0 && argc == 3)
        return cmd_info(app, argv[2]);
    if (strcmp(sub, "check") == 0)
        return cmd_check(app, argc - 1, argv + 1);
    usage(stderr);
    return FERRY_EXIT_USAGE;
}
