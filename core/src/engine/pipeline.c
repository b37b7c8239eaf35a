/* pipeline.c — parsing a pipeline config, overrides, and building its steps. */
#include "pipeline.h"

#include "config_ints.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "regfile.h"

const char *ferry_format_plugin(const char *format)
{
    if (!format || !*format)
        return NULL;
    if (!strcmp(format, "csv"))
        return "format-csv";
    if (!strcmp(format, "json"))
        return "format-json";
    if (!strcmp(format, "excel"))
        return "format-xlsx";
    if (!strcmp(format, "pdf"))
        return "format-pdf";
    return NULL;
}

static char *dup_dir(const char *path)
{
    char *c = strdup(path);
    if (!c)
        return NULL;
    char *d = strdup(dirname(c));
    free(c);
    return d;
}

int ferry_pipeline_parse(ferry_pipeline **out, const char *path, ferry_err *err)
{
    *out = NULL;
    ferry_pipeline *p = calloc(1, sizeof *p);
    if (!p)
        return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    config_init(&p->cfg);
    p->path = realpath(path, NULL);
    if (!p->path) {
        int e = errno;
        ferry_pipeline_free(p);
        return ferry_err_set(err, FERRY_ERR_CONFIG, "cannot read pipeline %s: %s", path,
                             strerror(e));
    }
    p->dir = dup_dir(p->path);
    config_set_include_dir(&p->cfg, p->dir);
    FILE *cf = NULL;
    if (ferry_fopen_regular(p->path, "pipeline", FERRY_ERR_CONFIG, &cf, err)) {
        ferry_pipeline_free(p);
        return FERRY_ERR_CONFIG;
    }
    fclose(cf); /* a regular file: libconfig may read it by name (for file:line) */
    int read_ok = config_read_file(&p->cfg, p->path) == CONFIG_TRUE;
    if (!read_ok) {
        ferry_err_set(err, FERRY_ERR_CONFIG, "%s:%d: %s",
                      config_error_file(&p->cfg) ? config_error_file(&p->cfg) : path,
                      config_error_line(&p->cfg), config_error_text(&p->cfg));
        ferry_pipeline_free(p);
        return FERRY_ERR_CONFIG;
    }
    int rc = ferry_config_check_file_ints(p->path, err);
    if (rc) {
        ferry_pipeline_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

static const char *keep_label(ferry_pipeline *p, const char *label)
{
    char **n = realloc(p->labels, (p->nlabels + 1) * sizeof *n);
    if (!n)
        return NULL;
    p->labels = n;
    p->labels[p->nlabels] = strdup(label);
    return p->labels[p->nlabels++];
}

/* Sets `s` (of any scalar type) from text, keeping its type. */
static int set_scalar(config_setting_t *s, const char *value)
{
    int64_t i;
    double d;
    int b;
    switch (config_setting_type(s)) {
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64:
        if (ferry_opt_parse_int(value, &i))
            return -1;
        return config_setting_set_int64(s, i) == CONFIG_TRUE ? 0 : -1;
    case CONFIG_TYPE_FLOAT:
        if (ferry_opt_parse_double(value, &d))
            return -1;
        return config_setting_set_float(s, d) == CONFIG_TRUE ? 0 : -1;
    case CONFIG_TYPE_BOOL:
        if (ferry_opt_parse_bool(value, &b))
            return -1;
        return config_setting_set_bool(s, b) == CONFIG_TRUE ? 0 : -1;
    case CONFIG_TYPE_STRING:
        return config_setting_set_string(s, value) == CONFIG_TRUE ? 0 : -1;
    default:
        return -1;
    }
}

/* An int setting given a value beyond 32 bits becomes an int64 setting
 * (libconfig refuses to store it in the int), keeping its name and label. */
static int widen_int(config_setting_t **s, const char *value)
{
    int64_t i;
    if (ferry_opt_parse_int(value, &i) || (i >= INT32_MIN && i <= INT32_MAX))
        return 0;
    config_setting_t *parent = config_setting_parent(*s);
    char *nm = strdup(config_setting_name(*s));
    if (!nm)
        return -1;
    config_setting_remove(parent, nm);
    *s = config_setting_add(parent, nm, CONFIG_TYPE_INT64);
    free(nm);
    return *s ? 0 : -1;
}

int ferry_pipeline_set(ferry_pipeline *p, const char *path, const char *value, const char *label,
                       ferry_err *err)
{
    const char *lab = keep_label(p, label);
    if (!lab)
        return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    config_setting_t *s = config_lookup(&p->cfg, path);
    if (s) {
        int t = config_setting_type(s);
        if (t == CONFIG_TYPE_GROUP || t == CONFIG_TYPE_LIST)
            return ferry_err_set(err, FERRY_ERR_CONFIG, "%s: %s is a group, not a value", label,
                                 path);
        if (t == CONFIG_TYPE_ARRAY) {
            /* a list of strings from "a,b,c" */
            config_setting_t *parent = config_setting_parent(s);
            const char *name = config_setting_name(s);
            char *nm = strdup(name);
            config_setting_remove(parent, nm);
            s = config_setting_add(parent, nm, CONFIG_TYPE_ARRAY);
            free(nm);
            char *copy = strdup(value), *save = NULL;
            for (char *t2 = copy ? strtok_r(copy, ",", &save) : NULL; t2;
                 t2 = strtok_r(NULL, ",", &save))
                config_setting_set_string_elem(s, -1, t2);
            free(copy);
            ferry_setting_label(s, lab);
            return 0;
        }
        if (t == CONFIG_TYPE_INT && widen_int(&s, value))
            return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
        if (set_scalar(s, value))
            return ferry_err_set(err, FERRY_ERR_CONFIG, "%s: \"%s\" is not a valid %s for %s",
                                 label, value,
                                 t == CONFIG_TYPE_BOOL    ? "bool"
                                 : t == CONFIG_TYPE_FLOAT ? "number"
                                                          : "integer",
                                 path);
        ferry_setting_label(s, lab);
        return 0;
    }
    /* A new setting: its parent group must exist. */
    char parent_path[512];
    snprintf(parent_path, sizeof parent_path, "%s", path);
    char *dot = strrchr(parent_path, '.');
    config_setting_t *parent;
    const char *name;
    if (dot) {
        *dot = '\0';
        parent = config_lookup(&p->cfg, parent_path);
        name = path + (dot - parent_path) + 1;
    } else {
        parent = config_root_setting(&p->cfg);
        name = path;
    }
    if (!parent || config_setting_type(parent) != CONFIG_TYPE_GROUP)
        return ferry_err_set(err, FERRY_ERR_CONFIG, "%s: no group \"%s\" in the pipeline", label,
                             dot ? parent_path : "(root)");
    /* A new setting is text: option tables parse text into any type, and
     * "2024" stays a string for a string option. */
    s = config_setting_add(parent, name, CONFIG_TYPE_STRING);
    if (!s || set_scalar(s, value))
        return ferry_err_set(err, FERRY_ERR_CONFIG, "%s: cannot set %s", label, path);
    ferry_setting_label(s, lab);
    return 0;
}

int ferry_pipeline_use_format(ferry_pipeline *p, const char *plugin, ferry_err *err)
{
    config_setting_t *fmt = config_lookup(&p->cfg, "format");
    const char *cur = NULL;
    if (fmt && config_setting_lookup_string(fmt, "plugin", &cur) && !strcmp(cur, plugin))
        return 0;
    /* Another plugin: the pipeline's format options would not fit it. */
    config_setting_t *root = config_root_setting(&p->cfg);
    if (fmt)
        config_setting_remove(root, "format");
    fmt = config_setting_add(root, "format", CONFIG_TYPE_GROUP);
    config_setting_t *pl = fmt ? config_setting_add(fmt, "plugin", CONFIG_TYPE_STRING) : NULL;
    if (!pl || config_setting_set_string(pl, plugin) != CONFIG_TRUE)
        return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    return 0;
}

/* Deep copy of a libconfig setting into `parent` (name kept for groups). */
static int copy_setting(config_setting_t *parent, const config_setting_t *src)
{
    int t = config_setting_type(src);
    const char *name = config_setting_is_group(parent) ? config_setting_name(src) : NULL;
    config_setting_t *d = config_setting_add(parent, name, t);
    if (!d)
        return -1;
    ferry_setting_label(d, "ferry.conf requests.sinks");
    switch (t) {
    case CONFIG_TYPE_GROUP:
    case CONFIG_TYPE_LIST:
    case CONFIG_TYPE_ARRAY:
        for (int i = 0; i < config_setting_length(src); i++)
            if (copy_setting(d, config_setting_get_elem(src, (unsigned)i)))
                return -1;
        return 0;
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64:
        return config_setting_set_int64(d, config_setting_get_int64(src)) == CONFIG_TRUE ? 0 : -1;
    case CONFIG_TYPE_FLOAT:
        return config_setting_set_float(d, config_setting_get_float(src)) == CONFIG_TRUE ? 0 : -1;
    case CONFIG_TYPE_BOOL:
        return config_setting_set_bool(d, config_setting_get_bool(src)) == CONFIG_TRUE ? 0 : -1;
    case CONFIG_TYPE_STRING:
        return config_setting_set_string(d, config_setting_get_string(src)) == CONFIG_TRUE ? 0 : -1;
    default:
        return -1;
    }
}

int ferry_pipeline_add_sinks(ferry_pipeline *p, const config_setting_t *list, ferry_err *err)
{
    if (!list)
        return 0;
    if (!config_setting_is_list(list))
        return ferry_err_set(err, FERRY_ERR_CONFIG,
                             "ferry.conf requests.sinks must be a list ( { plugin = …; }, … )");
    config_setting_t *sinks = config_lookup(&p->cfg, "sinks");
    if (!sinks)
        sinks = config_setting_add(config_root_setting(&p->cfg), "sinks", CONFIG_TYPE_LIST);
    if (!sinks || !config_setting_is_list(sinks))
        return ferry_err_set(err, FERRY_ERR_CONFIG, "%s: sinks must be a list", p->path);
    for (int i = 0; i < config_setting_length(list); i++)
        if (copy_setting(sinks, config_setting_get_elem(list, (unsigned)i)))
            return ferry_err_set(err, FERRY_ERR_CONFIG,
                                 "ferry.conf requests.sinks: item %d cannot be used", i + 1);
    return 0;
}

static const char *const core_keys[] = {"plugin", "connection", NULL};

static int where_err(ferry_err *err, const config_setting_t *s, int code, const char *fmt,
                     const char *a)
{
    char where[512];
    ferry_setting_where(s, where, sizeof where);
    char msg[512];
    snprintf(msg, sizeof msg, fmt, a);
    return ferry_err_set(err, code, "%s: %s", where, msg);
}

static int build_step(ferry_step *st, config_setting_t *g, int kind, const ferry_site *site,
                      const char *override_plugin, const ferry_log *log, ferry_err *err)
{
    st->settings = g;
    const char *name = override_plugin;
    if (!name && !config_setting_lookup_string(g, "plugin", &name))
        return where_err(err, g, FERRY_ERR_CONFIG, "%s needs a plugin = \"…\" setting",
                         ferry_kind_name(kind));
    int rc = ferry_plugin_find(&st->plugin, site ? site->plugin_path : NULL,
                               site ? site->nplugin_path : 0, name, err);
    if (rc) {
        char where[512];
        ferry_setting_where(
            config_setting_get_member(g, "plugin") ? config_setting_get_member(g, "plugin") : g,
            where, sizeof where);
        return ferry_err_prefix(err, "%s", where);
    }
    if (st->plugin->desc->kind != kind)
        return where_err(err, g, FERRY_ERR_CONFIG, "plugin %s is not of the kind this step needs",
                         name);
    /* A source with a `url` option and a `connection` name gets the URL
     * from ferry.conf, so secrets stay out of pipeline files. */
    if (kind == FERRY_KIND_SOURCE && site) {
        int has_url_opt = 0;
        for (const ferry_option *o = st->plugin->desc->options; o && o->name; o++)
            has_url_opt |= !strcmp(o->name, "url");
        if (has_url_opt && !config_setting_get_member(g, "url")) {
            const char *conn = NULL;
            config_setting_lookup_string(g, "connection", &conn);
            const char *url = ferry_site_connection(site, conn);
            if (!url)
                return where_err(err, config_setting_get_member(g, "connection"), FERRY_ERR_CONFIG,
                                 "unknown connection \"%s\" (define connections.NAME.url in "
                                 "ferry.conf)",
                                 conn ? conn : "default");
            config_setting_t *u = config_setting_add(g, "url", CONFIG_TYPE_STRING);
            if (u) {
                config_setting_set_string(u, url);
                ferry_setting_label(u, "ferry.conf connection");
            }
        }
    }
    const config_setting_t *defaults = NULL;
    if (site) {
        char path[256];
        snprintf(path, sizeof path, "plugins.%s", name);
        defaults = config_lookup(&site->cfg, path);
        if (defaults && !config_setting_is_group(defaults))
            defaults = NULL;
    }
    return ferry_instance_new(&st->inst, st->plugin, g, defaults, core_keys, log, err);
}

static int build_list(ferry_step **out, size_t *n, config_setting_t *list, int kind,
                      const char *what, const ferry_site *site, const ferry_log *log,
                      ferry_err *err)
{
    *out = NULL;
    *n = 0;
    if (!list)
        return 0;
    if (!config_setting_is_list(list) && !config_setting_is_group(list))
        return where_err(err, list, FERRY_ERR_CONFIG, "%s must be a list ( { … }, … )", what);
    if (config_setting_is_group(list) && config_setting_get_member(list, "plugin")) {
        *out = calloc(1, sizeof **out);
        if (!*out)
            return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
        *n = 1;
        return build_step(&(*out)[0], list, kind, site, NULL, log, err);
    }
    int len = config_setting_length(list);
    *out = calloc((size_t)len + 1, sizeof **out);
    if (!*out)
        return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    for (int i = 0; i < len; i++) {
        config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
        if (!config_setting_is_group(g))
            return where_err(err, g, FERRY_ERR_CONFIG, "each of %s must be a group { … }", what);
        (*n)++;
        int rc = build_step(&(*out)[i], g, kind, site, NULL, log, err);
        if (rc)
            return rc;
    }
    return 0;
}

int ferry_pipeline_build(ferry_pipeline *p, const ferry_site *site, const char *format_plugin,
                         const ferry_log *log, ferry_err *err)
{
    config_setting_t *root = config_root_setting(&p->cfg);
    const char *s;
    p->name = strdup(config_lookup_string(&p->cfg, "name", &s) ? s : "export");
    int v;
    p->batch_rows =
        config_lookup_int(&p->cfg, "batch_rows", &v) && v > 0 && v <= 1000000 ? (uint32_t)v : 4096;
    p->queue_batches =
        config_lookup_int(&p->cfg, "queue_batches", &v) && v >= 2 && v <= 64 ? (uint32_t)v : 4;

    const char *known[] = {"name",    "description", "source",        "fields",
                           "filters", "format",      "encoders",      "output",
                           "sinks",   "batch_rows",  "queue_batches", NULL};
    for (int i = 0; i < config_setting_length(root); i++) {
        config_setting_t *x = config_setting_get_elem(root, (unsigned)i);
        int ok = 0;
        for (int k = 0; known[k]; k++)
            ok |= !strcmp(known[k], config_setting_name(x));
        if (!ok)
            return where_err(err, x, FERRY_ERR_CONFIG,
                             "unknown pipeline setting \"%s\" (known: name, description, source, "
                             "fields, filters, format, encoders, output, sinks, batch_rows, "
                             "queue_batches)",
                             config_setting_name(x));
    }

    config_setting_t *src = config_lookup(&p->cfg, "source");
    config_setting_t *fmt = config_lookup(&p->cfg, "format");
    if (!src || !config_setting_is_group(src))
        return ferry_err_set(err, FERRY_ERR_CONFIG, "%s: no source = { plugin = \"…\"; … } group",
                             p->path);
    if (!fmt || !config_setting_is_group(fmt))
        return ferry_err_set(err, FERRY_ERR_CONFIG, "%s: no format = { plugin = \"…\"; … } group",
                             p->path);
    int rc = ferry_fields_from_config(&p->fields, config_lookup(&p->cfg, "fields"), err);
    if (rc)
        return rc;
    if ((rc = build_step(&p->source, src, FERRY_KIND_SOURCE, site, NULL, log, err)))
        return rc;
    if ((rc = build_list(&p->filters, &p->nfilters, config_lookup(&p->cfg, "filters"),
                         FERRY_KIND_FILTER, "filters", site, log, err)))
        return rc;
    if (format_plugin && (rc = ferry_pipeline_use_format(p, format_plugin, err)))
        return rc;
    fmt = config_lookup(&p->cfg, "format");
    if ((rc = build_step(&p->format, fmt, FERRY_KIND_FORMAT, site, NULL, log, err)))
        return rc;
    if ((rc = build_list(&p->encoders, &p->nencoders, config_lookup(&p->cfg, "encoders"),
                         FERRY_KIND_ENCODE, "encoders", site, log, err)))
        return rc;
    if (p->nencoders && (p->format.plugin->desc->flags & FERRY_FORMAT_WANTS_FILE))
        return where_err(err, config_lookup(&p->cfg, "encoders"), FERRY_ERR_CONFIG,
                         "%s writes its own file: encoders cannot follow it",
                         p->format.plugin->desc->name);
    if ((rc = build_list(&p->sinks, &p->nsinks, config_lookup(&p->cfg, "sinks"), FERRY_KIND_SINK,
                         "sinks", site, log, err)))
        return rc;

    const char *dir = NULL, *name = NULL;
    config_lookup_string(&p->cfg, "output.directory", &dir);
    config_lookup_string(&p->cfg, "output.name", &name);
    if (dir && dir[0] != '/') {
        size_t n = strlen(p->dir) + strlen(dir) + 2;
        p->out_dir = malloc(n);
        if (p->out_dir)
            snprintf(p->out_dir, n, "%s/%s", p->dir, dir);
    } else {
        p->out_dir = strdup(dir ? dir : (site && site->store_path ? site->store_path : "."));
    }
    p->out_name = strdup(name ? name : p->name);
    if (!p->out_dir || !p->out_name)
        return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    if (strchr(p->out_name, '/'))
        return where_err(err, config_lookup(&p->cfg, "output.name"), FERRY_ERR_CONFIG,
                         "output.name \"%s\" must be a file name, not a path", p->out_name);
    p->built = 1;
    return 0;
}

static void free_steps(ferry_step *s, size_t n)
{
    for (size_t i = 0; s && i < n; i++) {
        ferry_instance_free(s[i].inst);
        ferry_plugin_close(s[i].plugin);
    }
    free(s);
}

void ferry_pipeline_free(ferry_pipeline *p)
{
    if (!p)
        return;
    ferry_instance_free(p->source.inst);
    ferry_plugin_close(p->source.plugin);
    free_steps(p->filters, p->nfilters);
    ferry_instance_free(p->format.inst);
    ferry_plugin_close(p->format.plugin);
    free_steps(p->encoders, p->nencoders);
    free_steps(p->sinks, p->nsinks);
    ferry_fields_free(&p->fields);
    config_destroy(&p->cfg);
    for (size_t i = 0; i < p->nlabels; i++)
        free(p->labels[i]);
    free(p->labels);
    free(p->path);
    free(p->dir);
    free(p->name);
    free(p->out_dir);
    free(p->out_name);
    free(p);
}
