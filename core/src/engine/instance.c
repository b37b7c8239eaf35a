/*
 * instance.c — plugin instances: the config struct filled from the option
 * table, the ferry_ctx a plugin reports through, and the host table.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "calls.h"
#include "buf.h"
#include "format_value.h"
#include "loader.h"
#include "options.h"
#include "output.h"
#include "tz_cache.h"

struct ferry_ctx {
    ferry_instance *inst;
    const ferry_log *log;
    atomic_int *cancel;
    char error[1024];
    int has_error;
    atomic_size_t live_bytes;
    atomic_size_t live_blocks;
    atomic_uint_fast64_t warnings;    /* host->warn calls */
    atomic_int_fast64_t row_estimate; /* host->row_estimate, -1: none */
    ferry_tz_cache *zones;            /* owned: format_value's and zone_offset's zones */
};

struct ferry_instance {
    ferry_plugin *plugin; /* borrowed */
    void *config;         /* config_size bytes */
    void **pool;          /* strings and lists the config points at */
    size_t npool;
    void *state;
    int initialised;
    ferry_ctx fx;
};

/* ---- host table ---------------------------------------------------------- */

static void host_log(ferry_ctx *fx, int level, const char *fmt, ...)
{
    char fields[160];
    snprintf(fields, sizeof fields, "plugin=%s", fx->inst->plugin->desc->name);
    va_list ap;
    va_start(ap, fmt);
    ferry_vlogf(fx->log, level, fields, fmt, ap);
    va_end(ap);
}

static int host_error(ferry_ctx *fx, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(fx->error, sizeof fx->error, fmt, ap);
    va_end(ap);
    for (char *p = fx->error; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    fx->has_error = 1;
    return code < 0 ? code : FERRY_ERR;
}

static int host_cancelled(ferry_ctx *fx)
{
    return fx->cancel && *fx->cancel;
}

typedef struct alloc_head {
    size_t size;
    size_t magic;
} alloc_head;
#define ALLOC_MAGIC ((size_t)0xfe44a110c8ULL)

static void *host_alloc(ferry_ctx *fx, size_t size)
{
    alloc_head *h = malloc(sizeof *h + size);
    if (!h)
        return NULL;
    h->size = size;
    h->magic = ALLOC_MAGIC;
    atomic_fetch_add(&fx->live_bytes, size);
    atomic_fetch_add(&fx->live_blocks, 1);
    return h + 1;
}

static void host_free(ferry_ctx *fx, void *ptr)
{
    if (!ptr)
        return;
    alloc_head *h = (alloc_head *)ptr - 1;
    if (h->magic != ALLOC_MAGIC)
        abort(); /* not ours: a plugin bug that must not corrupt the heap */
    h->magic = 0;
    atomic_fetch_sub(&fx->live_bytes, h->size);
    atomic_fetch_sub(&fx->live_blocks, 1);
    free(h);
}

static int host_format_value(ferry_ctx *fx, const ferry_column *col, const ferry_value *v,
                             ferry_buf *buf)
{
    return ferry_format_value(fx->zones, col, v, buf);
}

/* The first FERRY_WARN_LOGGED warnings of an instance are logged at warn;
 * the rest at debug (`ferry -v` shows every one), and all are counted. */
#define FERRY_WARN_LOGGED 20

static void host_warn(ferry_ctx *fx, uint64_t row, int32_t col, const char *fmt, ...)
{
    uint_fast64_t n = atomic_fetch_add(&fx->warnings, 1);
    int level = n < FERRY_WARN_LOGGED ? FERRY_LOG_WARN : FERRY_LOG_DEBUG;
    if (level > fx->log->level)
        return;
    char fields[200];
    snprintf(fields, sizeof fields, "plugin=%s row=%llu column=%d", fx->inst->plugin->desc->name,
             (unsigned long long)row, (int)col);
    va_list ap;
    va_start(ap, fmt);
    ferry_vlogf(fx->log, level, fields, fmt, ap);
    va_end(ap);
    if (n + 1 == FERRY_WARN_LOGGED)
        ferry_logf(fx->log, FERRY_LOG_WARN, fields,
                   "further warnings of this plugin are logged at debug level (ferry -v)");
}

static int host_zone_offset(ferry_ctx *fx, const char *tz, int64_t utc_seconds,
                            int32_t *offset_seconds)
{
    int off = 0;
    *offset_seconds = 0;
    if (ferry_zone_offset(fx->zones, tz, utc_seconds, &off, NULL, 0) != 0)
        return FERRY_ERR_CONFIG;
    *offset_seconds = (int32_t)off;
    return 0;
}

static void host_row_estimate(ferry_ctx *fx, int64_t rows)
{
    atomic_store(&fx->row_estimate, rows < 0 ? -1 : rows);
}

static const ferry_host host_table = {
    FERRY_ABI_MAJOR,  FERRY_ABI_MINOR,     sizeof(ferry_host),    0,
    host_log,         host_error,          host_cancelled,        host_alloc,
    host_free,        ferry_batch_add_row, ferry_batch_set_bytes, ferry_output_write,
    ferry_buf_append, ferry_buf_free,      host_format_value,     host_warn,
    host_zone_offset, host_row_estimate,
};

const ferry_host *ferry_host_table(void)
{
    return &host_table;
}

/* ---- filling the config -------------------------------------------------- */

static void *pool_keep(ferry_instance *in, void *p)
{
    if (!p)
        return NULL;
    void **n = realloc(in->pool, (in->npool + 1) * sizeof *n);
    if (!n) {
        free(p);
        return NULL;
    }
    in->pool = n;
    in->pool[in->npool++] = p;
    return p;
}

static const ferry_option *find_option(const ferry_option *t, const char *name)
{
    for (size_t i = 0; t && t[i].name; i++)
        if (strcmp(t[i].name, name) == 0)
            return &t[i];
    return NULL;
}

static void option_names(const ferry_option *t, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; t && t[i].name && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "", t[i].name);
    if (!t || !t[0].name)
        snprintf(buf, len, "none");
}

/* Stores a value given as text (a default) at the option's offset. */
static int set_from_text(ferry_instance *in, const ferry_option *o, const char *text)
{
    char *field = (char *)in->config + o->offset;
    switch (o->type) {
    case FERRY_OPT_STRING: {
        char *s = pool_keep(in, strdup(text));
        if (!s)
            return FERRY_ERR_NOMEM;
        *(const char **)field = s;
        return 0;
    }
    case FERRY_OPT_INT:
        return ferry_opt_parse_int(text, (int64_t *)field) ? FERRY_ERR_CONFIG : 0;
    case FERRY_OPT_BOOL:
        return ferry_opt_parse_bool(text, (int *)field) ? FERRY_ERR_CONFIG : 0;
    case FERRY_OPT_DOUBLE:
        return ferry_opt_parse_double(text, (double *)field) ? FERRY_ERR_CONFIG : 0;
    case FERRY_OPT_LIST: {
        size_t n = *text ? 1 : 0;
        for (const char *c = text; *c; c++)
            n += *c == ',';
        const char **items = pool_keep(in, calloc(n + 1, sizeof *items));
        char *copy = pool_keep(in, strdup(text));
        if (!items || !copy)
            return FERRY_ERR_NOMEM;
        size_t k = 0;
        char *save = NULL;
        for (char *t = strtok_r(copy, ",", &save); t && k < n; t = strtok_r(NULL, ",", &save))
            items[k++] = t;
        ferry_strlist *l = (ferry_strlist *)field;
        l->n = k;
        l->items = items;
        return 0;
    }
    }
    return FERRY_ERR_CONFIG;
}

/* Stores a libconfig setting at the option's offset, checking its type. */
static int set_from_setting(ferry_instance *in, const ferry_option *o, const config_setting_t *s,
                            const char *pname, ferry_err *err)
{
    char where[512];
    ferry_setting_where(s, where, sizeof where);
    char *field = (char *)in->config + o->offset;
    int t = config_setting_type(s);
    switch (o->type) {
    case FERRY_OPT_STRING: {
        const char *v = config_setting_get_string(s);
        if (t != CONFIG_TYPE_STRING)
            break;
        if (!ferry_opt_allowed(o->allowed, v))
            return ferry_err_set(err, FERRY_ERR_CONFIG,
                                 "%s: plugin %s: option \"%s\" = \"%s\" is not one of %s", where,
                                 pname, o->name, v, o->allowed);
        const char *file = config_setting_source_file(s);
        if ((o->flags & FERRY_OPT_PATH) && v[0] != '/' && file && !config_setting_get_hook(s)) {
            /* Relative to the file that set it, not to the working directory. */
            const char *slash = strrchr(file, '/');
            size_t dl = slash ? (size_t)(slash - file) : 1;
            size_t n = dl + strlen(v) + 2;
            char *abs = pool_keep(in, malloc(n));
            if (!abs)
                return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
            snprintf(abs, n, "%.*s/%s", (int)dl, slash ? file : ".", v);
            *(const char **)field = abs;
            return 0;
        }
        return set_from_text(in, o, v);
    }
    case FERRY_OPT_INT:
        if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64) {
            *(int64_t *)field = config_setting_get_int64(s);
            return 0;
        }
        if (t == CONFIG_TYPE_STRING && !set_from_text(in, o, config_setting_get_string(s)))
            return 0;
        break;
    case FERRY_OPT_BOOL:
        if (t == CONFIG_TYPE_BOOL) {
            *(int *)field = config_setting_get_bool(s);
            return 0;
        }
        if (t == CONFIG_TYPE_STRING && !set_from_text(in, o, config_setting_get_string(s)))
            return 0;
        break;
    case FERRY_OPT_DOUBLE:
        if (t == CONFIG_TYPE_FLOAT || t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64) {
            *(double *)field = t == CONFIG_TYPE_FLOAT ? config_setting_get_float(s)
                                                      : (double)config_setting_get_int64(s);
            return 0;
        }
        if (t == CONFIG_TYPE_STRING && !set_from_text(in, o, config_setting_get_string(s)))
            return 0;
        break;
    case FERRY_OPT_LIST: {
        if (t == CONFIG_TYPE_STRING) {
            const char *v = config_setting_get_string(s);
            if (!ferry_opt_allowed(o->allowed, v))
                return ferry_err_set(err, FERRY_ERR_CONFIG,
                                     "%s: plugin %s: option \"%s\": \"%s\" is not one of %s", where,
                                     pname, o->name, v, o->allowed);
            const char **items = pool_keep(in, calloc(2, sizeof *items));
            char *copy = pool_keep(in, strdup(v));
            if (!items || !copy)
                return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
            items[0] = copy;
            ((ferry_strlist *)field)->n = 1;
            ((ferry_strlist *)field)->items = items;
            return 0;
        }
        if (t != CONFIG_TYPE_ARRAY && t != CONFIG_TYPE_LIST)
            break;
        int n = config_setting_length(s);
        const char **items = pool_keep(in, calloc((size_t)n + 1, sizeof *items));
        if (!items)
            return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
        for (int i = 0; i < n; i++) {
            const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
            if (config_setting_type(e) != CONFIG_TYPE_STRING)
                return ferry_err_set(err, FERRY_ERR_CONFIG,
                                     "%s: plugin %s: option \"%s\" item %d must be a string", where,
                                     pname, o->name, i + 1);
            const char *v = config_setting_get_string(e);
            if (!ferry_opt_allowed(o->allowed, v))
                return ferry_err_set(err, FERRY_ERR_CONFIG,
                                     "%s: plugin %s: option \"%s\": \"%s\" is not one of %s", where,
                                     pname, o->name, v, o->allowed);
            items[i] = pool_keep(in, strdup(v));
            if (!items[i])
                return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
        }
        ((ferry_strlist *)field)->n = (size_t)n;
        ((ferry_strlist *)field)->items = items;
        return 0;
    }
    }
    return ferry_err_set(err, FERRY_ERR_CONFIG, "%s: plugin %s: option \"%s\" must be a %s", where,
                         pname, o->name, ferry_opt_type_name(o->type));
}

static int is_skipped(const char *const *skip, const char *name)
{
    for (size_t i = 0; skip && skip[i]; i++)
        if (strcmp(skip[i], name) == 0)
            return 1;
    return 0;
}

/* Applies every key of `group` (unknown keys are errors); marks set[]. */
static int apply_group(ferry_instance *in, const config_setting_t *group, const char *const *skip,
                       unsigned char *set, ferry_err *err)
{
    const ferry_plugin_descriptor *d = in->plugin->desc;
    if (!group)
        return 0;
    int n = config_setting_length(group);
    for (int i = 0; i < n; i++) {
        const config_setting_t *s = config_setting_get_elem(group, (unsigned)i);
        const char *name = config_setting_name(s);
        if (!name || is_skipped(skip, name))
            continue;
        const ferry_option *o = find_option(d->options, name);
        if (!o) {
            char where[512], names[1024];
            ferry_setting_where(s, where, sizeof where);
            option_names(d->options, names, sizeof names);
            return ferry_err_set(err, FERRY_ERR_CONFIG,
                                 "%s: plugin %s has no option \"%s\" (options: %s)", where, d->name,
                                 name, names);
        }
        int rc = set_from_setting(in, o, s, d->name, err);
        if (rc)
            return rc;
        set[o - d->options] = 1;
    }
    return 0;
}

int ferry_instance_new(ferry_instance **out, ferry_plugin *plugin, const config_setting_t *settings,
                       const config_setting_t *defaults, const char *const *skip,
                       const ferry_log *log, ferry_err *err)
{
    *out = NULL;
    const ferry_plugin_descriptor *d = plugin->desc;
    ferry_instance *in = calloc(1, sizeof *in);
    if (!in)
        return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    in->plugin = plugin;
    in->fx.inst = in;
    in->fx.log = log;
    atomic_init(&in->fx.row_estimate, -1);
    in->config = calloc(1, d->config_size ? d->config_size : 1);
    size_t nopts = 0;
    while (d->options && d->options[nopts].name)
        nopts++;
    unsigned char *set = calloc(nopts + 1, 1);
    int rc = 0;
    if (!in->config || !set || ferry_tz_cache_new(&in->fx.zones)) {
        rc = ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
        goto fail;
    }
    /* Table defaults, then the site's defaults, then the pipeline's settings. */
    for (size_t i = 0; i < nopts; i++) {
        const ferry_option *o = &d->options[i];
        if (o->default_value && set_from_text(in, o, o->default_value)) {
            rc = ferry_err_set(err, FERRY_ERR_PLUGIN, "plugin %s: bad default for \"%s\"", d->name,
                               o->name);
            goto fail;
        }
    }
    unsigned char *site_set = calloc(nopts + 1, 1);
    if (!site_set) {
        rc = ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
        goto fail;
    }
    rc = apply_group(in, defaults, skip, site_set, err);
    if (!rc)
        rc = apply_group(in, settings, skip, set, err);
    for (size_t i = 0; i < nopts; i++)
        set[i] |= site_set[i];
    free(site_set);
    if (rc)
        goto fail;
    for (size_t i = 0; i < nopts; i++) {
        if ((d->options[i].flags & FERRY_OPT_REQUIRED) && !set[i]) {
            char where[512];
            ferry_setting_where(settings, where, sizeof where);
            rc = ferry_err_set(err, FERRY_ERR_CONFIG,
                               "%s: plugin %s: required option \"%s\" is not set (%s)", where,
                               d->name, d->options[i].name, d->options[i].help);
            goto fail;
        }
    }
    free(set);
    set = NULL;
    ferry_calls_enter(1, d->name, "init");
    rc = d->init(&in->fx, &host_table, in->config, &in->state);
    ferry_calls_leave(1);
    in->initialised = 1;
    if (rc) {
        ferry_err_set(err, rc < 0 ? rc : FERRY_ERR, "plugin %s: %s", d->name,
                      in->fx.has_error ? in->fx.error : "init failed (no message)");
        goto fail;
    }
    *out = in;
    return 0;
fail:
    free(set);
    rc = err && err->code ? err->code : (rc ? rc : FERRY_ERR);
    ferry_instance_free(in);
    return rc;
}

void ferry_instance_destroy(ferry_instance *in)
{
    if (in && in->initialised) {
        in->initialised = 0;
        ferry_calls_enter(1, in->plugin->desc->name, "destroy");
        in->plugin->desc->destroy(in->state);
        ferry_calls_leave(1);
        in->state = NULL;
        /* What the plugin never gave back: a warning in every run (a
         * worker's children run many), not only in `ferry plugins check`. */
        size_t blocks = atomic_load(&in->fx.live_blocks);
        if (blocks && in->fx.log) {
            char fields[160];
            snprintf(fields, sizeof fields, "plugin=%s", in->plugin->desc->name);
            ferry_logf(in->fx.log, FERRY_LOG_WARN, fields,
                       "destroy left %zu bytes in %zu blocks allocated with host->alloc "
                       "unfreed (a leak in the plugin)",
                       atomic_load(&in->fx.live_bytes), blocks);
        }
    }
}

void ferry_instance_free(ferry_instance *in)
{
    if (!in)
        return;
    ferry_instance_destroy(in);
    for (size_t i = 0; i < in->npool; i++)
        free(in->pool[i]);
    free(in->pool);
    free(in->config);
    ferry_tz_cache_free(in->fx.zones);
    free(in);
}

const ferry_plugin_descriptor *ferry_instance_desc(const ferry_instance *in)
{
    return in->plugin->desc;
}

void *ferry_instance_state(const ferry_instance *in)
{
    return in->state;
}

const char *ferry_instance_error(const ferry_instance *in)
{
    return in->fx.has_error ? in->fx.error : "";
}

void ferry_instance_set_cancel(ferry_instance *in, atomic_int *flag)
{
    in->fx.cancel = flag;
}

ferry_ctx *ferry_instance_ctx(ferry_instance *in)
{
    return &in->fx;
}

size_t ferry_instance_live_bytes(const ferry_instance *in)
{
    return atomic_load(&((ferry_instance *)in)->fx.live_bytes);
}

size_t ferry_instance_live_blocks(const ferry_instance *in)
{
    return atomic_load(&((ferry_instance *)in)->fx.live_blocks);
}

uint64_t ferry_instance_warnings(const ferry_instance *in)
{
    return in ? atomic_load(&((ferry_instance *)in)->fx.warnings) : 0;
}

int64_t ferry_instance_row_estimate(const ferry_instance *in)
{
    return in ? (int64_t)atomic_load(&((ferry_instance *)in)->fx.row_estimate) : -1;
}
