/*
 * site.h — ferry.conf, the site settings: database and named connections,
 * plugin path and site-wide plugin option defaults, file store, download
 * server, worker, scheduler, expiry and email settings.
 *
 * Found through --config FILE, then $FERRY_CONFIG, then this ferry's own
 * (paths.h: the checkout's conf/ferry.conf from the build tree, else
 * SYSCONFDIR/ferry/ferry.conf of the install), then /etc/ferry/ferry.conf.
 * FERRY_DATABASE_URL overrides database.url. The plugin path is
 * $FERRY_PLUGIN_PATH, then plugins.path, then the bundled plugins.
 * Relative paths in the file are relative to the file's directory.
 */
#ifndef FERRY_CORE_SITE_H
#define FERRY_CORE_SITE_H

#include <stdint.h>

#include <libconfig.h>

#include "error.h"
#include "paths.h"

/* The shortest download secret accepted (bytes): `openssl rand -hex 32`. */
#define FERRY_SECRET_MIN 32

typedef struct ferry_site {
    config_t cfg;       /* the parsed file; owned */
    char *path;         /* absolute path of the file */
    char *dir;          /* its directory */
    char *database_url; /* ferry's own tables */
    char **plugin_path; /* absolute directories, searched in order */
    size_t nplugin_path;
    char *store_path;       /* file store directory, absolute */
    char *base_url;         /* public base URL of the download server, no trailing '/' */
    char *secret;           /* HMAC key for download tokens (may be NULL: no signed URLs) */
    char *request_pipeline; /* absolute path of the pipeline that serves requests */
    ferry_paths paths;      /* this ferry's own directories; owned */
} ferry_site;

/* Loads the site config. `explicit_path` is --config or NULL. *out owned by
 * the caller: ferry_site_free. */
int ferry_site_load(ferry_site **out, const char *explicit_path, ferry_err *err);
void ferry_site_free(ferry_site *site); /* accepts NULL */

/* 0 when no ferry.conf is given or found (commands that can do without
 * one, like `plugins list`, then use the defaults); 1 otherwise. */
int ferry_site_exists(const char *explicit_path);

/* Lookups by libconfig path ("worker.lease_seconds"). The settings
 * table's default (settings.h) wins over `dflt` where it has one. The file
 * is checked against the table on load: unknown keys, wrong types and
 * out-of-range values are refused there. */
const char *ferry_site_string(const ferry_site *site, const char *path, const char *dflt);
int64_t ferry_site_int(const ferry_site *site, const char *path, int64_t dflt);
int ferry_site_bool(const ferry_site *site, const char *path, int dflt);

/* Absolute path for `p` relative to the site file's directory; malloc'd. */
char *ferry_site_resolve(const ferry_site *site, const char *p);

/* The URL of connection `name` (connections.NAME.url); NULL or "default"
 * gives ferry's own database. Returns NULL for an unknown name. */
const char *ferry_site_connection(const ferry_site *site, const char *name);

/* A named pipeline (requests.pipelines.NAME) as an absolute path, or NULL. */
char *ferry_site_pipeline(const ferry_site *site, const char *name);

#endif
