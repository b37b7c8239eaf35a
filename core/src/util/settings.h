/*
 * settings.h — the declarative table of ferry.conf: every setting's path,
 * type, default, range or allowed values, environment override and help.
 * It drives validation (ferry_settings_check), `ferry config check`, the
 * defaults of ferry_site_int/string/bool and the ferry.conf(5) man page.
 *
 * A path segment "*" matches any name (connections.*.url); a FERRY_SET_FREE
 * group is not looked into here (plugins.NAME: a plugin's option defaults,
 * checked against its own option table when a pipeline uses it).
 */
#ifndef FERRY_CORE_SETTINGS_H
#define FERRY_CORE_SETTINGS_H

#include <stddef.h>
#include <stdint.h>

#include <libconfig.h>

#include "error.h"

typedef enum ferry_set_type {
    FERRY_SET_GROUP,   /* a section: only its listed keys */
    FERRY_SET_FREE,    /* a group or list whose contents are checked elsewhere */
    FERRY_SET_STRING,  /* a string */
    FERRY_SET_INT,     /* an integer in [min, max] */
    FERRY_SET_BOOL,    /* true or false */
    FERRY_SET_STRINGS, /* a string or an array of strings */
} ferry_set_type;

typedef struct ferry_setting_def {
    const char *path; /* "worker.lease_seconds", "connections.*.url" */
    ferry_set_type type;
    const char *dflt;    /* the default as text, or NULL (none, or computed: see help) */
    int64_t min, max;    /* FERRY_SET_INT */
    const char *allowed; /* FERRY_SET_STRING: "a|b|c", or NULL for any */
    const char *env;     /* an environment variable that overrides it, or NULL */
    int secret;          /* masked when printed */
    const char *help;
} ferry_setting_def;

/* The table, `*n` entries; static and constant. */
const ferry_setting_def *ferry_settings(size_t *n);

/* The entry for `path` ("worker.concurrency"), wildcards matched; or NULL. */
const ferry_setting_def *ferry_setting_find(const char *path);

/* What the setting allows, as in error messages: "an integer from 1 to
 * 256", "true or false", "one of \"a\", \"b\"". Writes into buf. */
const char *ferry_setting_allowed(const ferry_setting_def *d, char *buf, size_t len);

/* A setting's value as text: "\"x\"", 42, true, "a group", "a list". */
void ferry_setting_value_text(const config_setting_t *s, char *buf, size_t len);

/* Checks a parsed ferry.conf against the table: FERRY_ERR_CONFIG with
 * "FILE:LINE: key: what is allowed" for the first unknown key, wrong type
 * or out-of-range value. `file` names the file when libconfig does not. */
int ferry_settings_check(const config_t *cfg, const char *file, ferry_err *err);

#endif
