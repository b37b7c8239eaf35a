/*
 * options.c — plugin option tables: checking a table is well formed, and
 * filling a plugin's config struct from a libconfig group (Fluent Bit's
 * config map, with `required`, `allowed` and file:line in every error).
 */
#include "options.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *ferry_opt_type_name(int type)
{
    switch (type) {
    case FERRY_OPT_STRING:
        return "string";
    case FERRY_OPT_INT:
        return "int";
    case FERRY_OPT_BOOL:
        return "bool";
    case FERRY_OPT_DOUBLE:
        return "double";
    case FERRY_OPT_LIST:
        return "list";
    default:
        return NULL;
    }
}

void ferry_setting_label(config_setting_t *s, const char *label)
{
    config_setting_set_hook(s, (void *)label);
}

void ferry_setting_where(const config_setting_t *s, char *buf, size_t len)
{
    const char *label = s ? config_setting_get_hook(s) : NULL;
    if (label) {
        snprintf(buf, len, "%s", label);
        return;
    }
    const config_setting_t *x = s;
    while (x && config_setting_source_line(x) == 0)
        x = config_setting_parent(x);
    const char *file = x ? config_setting_source_file(x) : NULL;
    if (file)
        snprintf(buf, len, "%s:%u", file, x ? config_setting_source_line(x) : 0);
    else
        snprintf(buf, len, "<config>");
}

/* Is `v` one of "a|b|c"? */
int ferry_opt_allowed(const char *allowed, const char *v)
{
    if (!allowed)
        return 1;
    size_t n = strlen(v);
    const char *p = allowed;
    while (*p) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && strncmp(p, v, n) == 0)
            return 1;
        if (!bar)
            break;
        p = bar + 1;
    }
    return 0;
}

int ferry_opt_parse_int(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 0);
    if (errno || end == s || *end)
        return -1;
    *out = v;
    return 0;
}

int ferry_opt_parse_bool(const char *s, int *out)
{
    if (!strcasecmp(s, "true") || !strcmp(s, "1") || !strcasecmp(s, "yes") ||
        !strcasecmp(s, "on")) {
        *out = 1;
        return 0;
    }
    if (!strcasecmp(s, "false") || !strcmp(s, "0") || !strcasecmp(s, "no") ||
        !strcasecmp(s, "off")) {
        *out = 0;
        return 0;
    }
    return -1;
}

int ferry_opt_parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

/* Checks a default's text against its type and allowed values. */
static int check_default(const ferry_option *o, ferry_err *err)
{
    const char *d = o->default_value;
    int64_t i;
    int b;
    double x;
    switch (o->type) {
    case FERRY_OPT_STRING:
        if (!ferry_opt_allowed(o->allowed, d))
            return ferry_err_set(err, FERRY_ERR_PLUGIN,
                                 "option \"%s\": default \"%s\" is not one of %s", o->name, d,
                                 o->allowed);
        return 0;
    case FERRY_OPT_INT:
        return ferry_opt_parse_int(d, &i) ? ferry_err_set(err, FERRY_ERR_PLUGIN,
                                                          "option \"%s\": default \"%s\" is "
                                                          "not an int",
                                                          o->name, d)
                                          : 0;
    case FERRY_OPT_BOOL:
        return ferry_opt_parse_bool(d, &b) ? ferry_err_set(err, FERRY_ERR_PLUGIN,
                                                           "option \"%s\": default \"%s\" is "
                                                           "not a bool",
                                                           o->name, d)
                                           : 0;
    case FERRY_OPT_DOUBLE:
        return ferry_opt_parse_double(d, &x) ? ferry_err_set(err, FERRY_ERR_PLUGIN,
                                                             "option \"%s\": default \"%s\" is "
                                                             "not a number",
                                                             o->name, d)
                                             : 0;
    case FERRY_OPT_LIST: {
        /* comma-separated items, each allowed */
        char *copy = strdup(d), *save = NULL;
        int rc = 0;
        for (char *t = copy ? strtok_r(copy, ",", &save) : NULL; t && !rc;
             t = strtok_r(NULL, ",", &save))
            if (!ferry_opt_allowed(o->allowed, t))
                rc = ferry_err_set(err, FERRY_ERR_PLUGIN,
                                   "option \"%s\": default item \"%s\" is not one of %s", o->name,
                                   t, o->allowed);
        free(copy);
        return rc;
    }
    }
    return 0;
}

int ferry_options_check_table(const ferry_option *table, ferry_err *err)
{
    if (!table)
        return 0;
    for (size_t i = 0; table[i].type != FERRY_OPT_END || table[i].name; i++) {
        const ferry_option *o = &table[i];
        if (i > 1000)
            return ferry_err_set(err, FERRY_ERR_PLUGIN, "option table has no {0} end");
        if (!o->name || !*o->name)
            return ferry_err_set(err, FERRY_ERR_PLUGIN, "option table row %zu has no name", i);
        if (!ferry_opt_type_name(o->type))
            return ferry_err_set(err, FERRY_ERR_PLUGIN, "option \"%s\" has unknown type %d",
                                 o->name, o->type);
        if (!o->help || !*o->help)
            return ferry_err_set(err, FERRY_ERR_PLUGIN, "option \"%s\" has no help text", o->name);
        if ((o->flags & FERRY_OPT_REQUIRED) && o->default_value)
            return ferry_err_set(err, FERRY_ERR_PLUGIN,
                                 "option \"%s\" is required and has a default", o->name);
        if (o->allowed && o->type != FERRY_OPT_STRING && o->type != FERRY_OPT_LIST)
            return ferry_err_set(err, FERRY_ERR_PLUGIN,
                                 "option \"%s\": allowed values only apply to strings and lists",
                                 o->name);
        for (size_t j = 0; j < i; j++)
            if (strcmp(table[j].name, o->name) == 0)
                return ferry_err_set(err, FERRY_ERR_PLUGIN, "option \"%s\" appears twice", o->name);
        if (o->default_value && check_default(o, err))
            return err ? err->code : FERRY_ERR_PLUGIN;
    }
    return 0;
}
