/* site.c — loading ferry.conf and answering lookups in it. */
#include "site.h"

#include "regfile.h"
#include "config_ints.h"
#include "paths.h"
#include "settings.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *abs_dir_of(const char *file)
{
    char *copy = strdup(file);
    if (!copy)
        return NULL;
    char *d = dirname(copy);
    char *r = realpath(d, NULL);
    free(copy);
    return r;
}

char *ferry_site_resolve(const ferry_site *site, const char *p)
{
    if (!p)
        return NULL;
    if (p[0] == '/' || !site || !site->dir)
        return strdup(p);
    size_t n = strlen(site->dir) + strlen(p) + 2;
    char *r = malloc(n);
    if (r)
        snprintf(r, n, "%s/%s", site->dir, p);
    return r;
}

/* The table's default for `path` when it has one, else `dflt`. */
static const char *table_default(const char *path, const char *dflt)
{
    const ferry_setting_def *d = ferry_setting_find(path);
    return d && d->dflt ? d->dflt : dflt;
}

const char *ferry_site_string(const ferry_site *site, const char *path, const char *dflt)
{
    const char *s;
    dflt = table_default(path, dflt);
    if (site && config_lookup_string(&site->cfg, path, &s) == CONFIG_TRUE)
        return s;
    return dflt;
}

int64_t ferry_site_int(const ferry_site *site, const char *path, int64_t dflt)
{
    long long v;
    int i;
    const char *td = table_default(path, NULL);
    if (td)
        dflt = strtoll(td, NULL, 10);
    if (!site)
        return dflt;
    if (config_lookup_int64(&site->cfg, path, &v) == CONFIG_TRUE)
        return v;
    if (config_lookup_int(&site->cfg, path, &i) == CONFIG_TRUE)
        return i;
    return dflt;
}

int ferry_site_bool(const ferry_site *site, const char *path, int dflt)
{
    int b;
    const char *td = table_default(path, NULL);
    if (td)
        dflt = strcmp(td, "true") == 0;
    if (site && config_lookup_bool(&site->cfg, path, &b) == CONFIG_TRUE)
        return b;
    return dflt;
}

const char *ferry_site_connection(const ferry_site *site, const char *name)
{
    if (!name || !*name || strcmp(name, "default") == 0)
        return site->database_url;
    char path[256];
    snprintf(path, sizeof path, "connections.%s.url", name);
    return ferry_site_string(site, path, NULL);
}

char *ferry_site_pipeline(const ferry_site *site, const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "requests.pipelines.%s", name);
    const char *p = ferry_site_string(site, path, NULL);
    return p ? ferry_site_resolve(site, p) : NULL;
}

void ferry_site_free(ferry_site *site)
{
    if (!site)
        return;
    config_destroy(&site->cfg);
    free(site->path);
    free(site->dir);
    free(site->database_url);
    for (size_t i = 0; i < site->nplugin_path; i++)
        free(site->plugin_path[i]);
    free(site->plugin_path);
    free(site->store_path);
    free(site->base_url);
    free(site->secret);
    free(site->request_pipeline);
    ferry_paths_free(&site->paths);
    free(site);
}

static int readable(const char *p)
{
    return p && access(p, R_OK) == 0;
}

static int add_plugin_dir(ferry_site *site, char *dir)
{
    if (!dir)
        return -1;
    char **n = realloc(site->plugin_path, (site->nplugin_path + 1) * sizeof *n);
    if (!n) {
        free(dir);
        return -1;
    }
    site->plugin_path = n;
    site->plugin_path[site->nplugin_path++] = dir;
    return 0;
}

/* The file to read: --config, $FERRY_CONFIG, this ferry's default
 * (paths.h), /etc/ferry/ferry.conf. */
static int find_config(const char **out, const char *explicit_path, const ferry_paths *paths,
                       ferry_err *err)
{
    const char *path = explicit_path;
    if (!path)
        path = getenv("FERRY_CONFIG");
    if (path && !readable(path))
        return ferry_err_set(err, FERRY_ERR_CONFIG, "cannot read config %s: %s", path,
                             strerror(errno));
    if (!path && readable(paths->config_file))
        path = paths->config_file;
    if (!path && readable("/etc/ferry/ferry.conf"))
        path = "/etc/ferry/ferry.conf";
    if (!path)
        return ferry_err_set(err, FERRY_ERR_NOTFOUND,
                             "no ferry.conf (looked for %s and /etc/ferry/ferry.conf): give "
                             "--config FILE or set FERRY_CONFIG",
                             paths->config_file);
    *out = path;
    return 0;
}

int ferry_site_load(ferry_site **out, const char *explicit_path, ferry_err *err)
{
    *out = NULL;
    ferry_paths paths;
    int prc = ferry_paths_get(&paths, err);
    if (prc)
        return prc;
    const char *path = NULL;
    prc = find_config(&path, explicit_path, &paths, err);
    if (prc) {
        ferry_paths_free(&paths);
        if (prc == FERRY_ERR_NOTFOUND && err)
            err->code = FERRY_ERR_CONFIG;
        return FERRY_ERR_CONFIG;
    }

    ferry_site *site = calloc(1, sizeof *site);
    if (!site) {
        ferry_paths_free(&paths);
        return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    }
    site->paths = paths;
    config_init(&site->cfg);
    site->path = realpath(path, NULL);
    site->dir = abs_dir_of(path);
    if (!site->path || !site->dir) {
        ferry_site_free(site);
        return ferry_err_set(err, FERRY_ERR_CONFIG, "cannot resolve config path %s", path);
    }
    config_set_include_dir(&site->cfg, site->dir);
    FILE *cf = NULL;
    if (ferry_fopen_regular(site->path, "config", FERRY_ERR_CONFIG, &cf, err)) {
        ferry_site_free(site);
        return FERRY_ERR_CONFIG;
    }
    fclose(cf); /* a regular file: libconfig may read it by name (for file:line) */
    int read_ok = config_read_file(&site->cfg, site->path) == CONFIG_TRUE;
    if (!read_ok) {
        ferry_err_set(err, FERRY_ERR_CONFIG, "%s:%d: %s",
                      config_error_file(&site->cfg) ? config_error_file(&site->cfg) : site->path,
                      config_error_line(&site->cfg), config_error_text(&site->cfg));
        ferry_site_free(site);
        return FERRY_ERR_CONFIG;
    }
    int irc = ferry_config_check_file_ints(site->path, err);
    if (!irc)
        irc = ferry_settings_check(&site->cfg, site->path, err);
    if (irc) {
        ferry_site_free(site);
        return irc;
    }

    const char *url = getenv("FERRY_DATABASE_URL");
    if (!url || !*url)
        url = ferry_site_string(site, "database.url", NULL);
    if (url)
        site->database_url = strdup(url);

    /* Plugin path: FERRY_PLUGIN_PATH (colon-separated) first, then the file's. */
    const char *env = getenv("FERRY_PLUGIN_PATH");
    if (env && *env) {
        char *copy = strdup(env), *save = NULL;
        for (char *t = copy ? strtok_r(copy, ":", &save) : NULL; t; t = strtok_r(NULL, ":", &save))
            add_plugin_dir(site, ferry_site_resolve(site, t));
        free(copy);
    }
    config_setting_t *pp = config_lookup(&site->cfg, "plugins.path");
    if (pp && config_setting_is_array(pp)) {
        for (int i = 0; i < config_setting_length(pp); i++) {
            const char *d = config_setting_get_string_elem(pp, i);
            if (d)
                add_plugin_dir(site, ferry_site_resolve(site, d));
        }
    } else if (pp && config_setting_get_string(pp)) {
        add_plugin_dir(site, ferry_site_resolve(site, config_setting_get_string(pp)));
    }
    add_plugin_dir(site, strdup(site->paths.plugin_dir));

    const char *store = ferry_site_string(site, "store.path", NULL);
    site->store_path = store ? ferry_site_resolve(site, store) : strdup(site->paths.store_dir);
    char *real = site->store_path ? realpath(site->store_path, NULL) : NULL;
    if (real) {
        free(site->store_path);
        site->store_path = real;
    }
    const char *base = ferry_site_string(site, "store.base_url", "http://127.0.0.1:8080");
    site->base_url = strdup(base);
    if (site->base_url) {
        size_t n = strlen(site->base_url);
        while (n > 0 && site->base_url[n - 1] == '/')
            site->base_url[--n] = '\0';
    }
    const char *secret = getenv("FERRY_SECRET");
    if (!secret || !*secret)
        secret = ferry_site_string(site, "download.secret", NULL);
    if (secret && strlen(secret) < FERRY_SECRET_MIN) {
        ferry_err_set(err, FERRY_ERR_CONFIG,
                      "%s: download.secret (or FERRY_SECRET) is %zu bytes; it needs at least %d "
                      "bytes: make one with `openssl rand -hex 32`",
                      site->path, strlen(secret), FERRY_SECRET_MIN);
        ferry_site_free(site);
        return FERRY_ERR_CONFIG;
    }
    if (secret)
        site->secret = strdup(secret);
    const char *rp = ferry_site_string(site, "requests.pipeline", NULL);
    if (rp)
        site->request_pipeline = ferry_site_resolve(site, rp);
    *out = site;
    return 0;
}

int ferry_site_exists(const char *explicit_path)
{
    ferry_paths paths;
    ferry_err err = FERRY_ERR_INIT;
    if (ferry_paths_get(&paths, &err))
        return 0;
    const char *path = NULL;
    int rc = find_config(&path, explicit_path, &paths, &err);
    ferry_paths_free(&paths);
    return rc != FERRY_ERR_NOTFOUND;
}
