/*
 * cmd_config.c — `ferry config check [FILE]`: checks a ferry.conf against
 * the settings table (settings.h) and prints the effective settings, the
 * secrets masked, each with where it came from: file:line, the
 * environment or the default.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "config_ref.h"
#include "settings.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: ferry config check [FILE]\n"
               "       ferry config reference [--man]\n\n"
               "Checks FILE (default: the ferry.conf ferry would read: --config,\n"
               "$FERRY_CONFIG, the install's, /etc/ferry/ferry.conf) against the table of\n"
               "settings (ferry.conf(5)): unknown keys, wrong types and out-of-range\n"
               "values are refused with FILE:LINE (exit 3). Then prints every setting's\n"
               "effective value, secrets masked, and where it came from.\n\n"
               "reference prints every setting (type, range, default, environment\n"
               "override, help); --man, as the ferry.conf(5) manual page in roff.\n");
}

/* "mysql://user:***@host/db" for a URL with a password; "***" otherwise. */
static void mask(const char *v, char *buf, size_t len)
{
    const char *scheme = strstr(v, "://"), *at = strrchr(v, '@');
    const char *colon = scheme ? strchr(scheme + 3, ':') : NULL;
    if (scheme && at && colon && colon < at)
        snprintf(buf, len, "\"%.*s***%s\"", (int)(colon + 1 - v), v, at);
    else if (scheme)
        snprintf(buf, len, "\"%s\"", v);
    else
        snprintf(buf, len, "\"***\"");
}

static void print_one(const ferry_site *site, const ferry_setting_def *d, const char *path)
{
    const config_setting_t *s = config_lookup(&site->cfg, path);
    const char *env = d->env ? getenv(d->env) : NULL;
    char val[512], from[512];
    if (env && *env) {
        snprintf(val, sizeof val, "\"%s\"", env);
        snprintf(from, sizeof from, "environment %s%s", d->env,
                 d->type == FERRY_SET_STRINGS && s ? ", then the file" : "");
    } else if (s) {
        ferry_setting_value_text(s, val, sizeof val);
        if (config_setting_is_array(s)) {
            size_t used = (size_t)snprintf(val, sizeof val, "[");
            for (int i = 0; i < config_setting_length(s) && used < sizeof val; i++)
                used += (size_t)snprintf(val + used, sizeof val - used, "%s\"%s\"", i ? ", " : "",
                                         config_setting_get_string_elem(s, i));
            if (used < sizeof val)
                snprintf(val + used, sizeof val - used, "]");
        }
        const char *f = config_setting_source_file(s);
        snprintf(from, sizeof from, "%s:%d", f ? f : site->path, config_setting_source_line(s));
    } else if (strcmp(path, "store.path") == 0) {
        snprintf(val, sizeof val, "\"%s\"", site->store_path);
        snprintf(from, sizeof from, "default");
    } else {
        snprintf(val, sizeof val,
                 d->dflt ? (d->type == FERRY_SET_STRING ? "\"%s\"" : "%s") : "(unset)", d->dflt);
        snprintf(from, sizeof from, "default");
    }
    if (d->secret && (env || (s && config_setting_type(s) == CONFIG_TYPE_STRING)))
        mask(env && *env ? env : config_setting_get_string(s), val, sizeof val);
    printf("%-36s = %-40s # %s\n", path, val, from);
}

/* The settings under a wildcard (connections.*.url) that the file has. */
static void print_wild(const ferry_site *site, const ferry_setting_def *d)
{
    char parent[128];
    snprintf(parent, sizeof parent, "%.*s", (int)(strstr(d->path, ".*") - d->path), d->path);
    const char *rest = strstr(d->path, ".*") + 2;
    const config_setting_t *g = config_lookup(&site->cfg, parent);
    for (int i = 0; g && config_setting_is_group(g) && i < config_setting_length(g); i++) {
        char path[256];
        snprintf(path, sizeof path, "%s.%s%s", parent,
                 config_setting_name(config_setting_get_elem(g, (unsigned)i)), rest);
        if (config_lookup(&site->cfg, path))
            print_one(site, d, path);
    }
}

static int check(ferry_app *app, const char *file)
{
    ferry_site *site;
    ferry_err err = FERRY_ERR_INIT;
    if (file)
        app->config_path = file;
    if (ferry_app_site(app, &site, &err))
        return ferry_app_fail(app, &err);
    printf("# %s: ok\n", site->path);
    printf("# bundled plugins: %s\n# migrations: %s\n# docs: %s\n", site->paths.plugin_dir,
           site->paths.migrations_dir, site->paths.doc_dir);
    size_t n;
    const ferry_setting_def *t = ferry_settings(&n);
    for (size_t i = 0; i < n; i++) {
        if (t[i].type == FERRY_SET_GROUP || t[i].type == FERRY_SET_FREE)
            continue;
        if (strchr(t[i].path, '*'))
            print_wild(site, &t[i]);
        else
            print_one(site, &t[i], t[i].path);
    }
    return FERRY_EXIT_OK;
}

int ferry_cmd_config(ferry_app *app, int argc, char **argv)
{
    static const struct option opts[] = {{"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return FERRY_EXIT_OK;
        }
        usage(stderr);
        return FERRY_EXIT_USAGE;
    }
    if (optind < argc && strcmp(argv[optind], "check") == 0 && argc - optind <= 2)
        return check(app, optind + 1 < argc ? argv[optind + 1] : NULL);
    if (optind < argc && strcmp(argv[optind], "reference") == 0 && argc - optind <= 2 &&
        (argc - optind == 1 || strcmp(argv[optind + 1], "--man") == 0))
        return ferry_config_reference(stdout, argc - optind == 2) ? FERRY_EXIT_FAILED
                                                                  : FERRY_EXIT_OK;
    if (optind < argc && strcmp(argv[optind], "check") == 0 && argc - optind == 3 &&
        (strcmp(argv[optind + 1], "--help") == 0))
        return usage(stdout), FERRY_EXIT_OK;
    usage(stderr);
    return FERRY_EXIT_USAGE;
}
