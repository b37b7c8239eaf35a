/*
 * columns.c — checks a built pipeline's fields (exportable, filterable,
 * owner and date columns) against the columns its source really gives,
 * through the source's optional describe callback (ABI 1.3): what
 * `ferry run --check` does beyond the config, and how a run whose source
 * refused its query tells a config mistake (exit 3) from a database one.
 */
#include <stdio.h>
#include <string.h>

#include "pipeline.h"

static int has_column(const ferry_schema *s, const char *name)
{
    for (uint32_t i = 0; i < s->ncolumns; i++)
        if (s->columns[i].name && strcmp(s->columns[i].name, name) == 0)
            return 1;
    return 0;
}

static void column_list(const ferry_schema *s, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = 0;
    for (uint32_t i = 0; i < s->ncolumns && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
                                 s->columns[i].name ? s->columns[i].name : "?");
}

/* FERRY_ERR_CONFIG naming the setting `key` of fields (file:line) and `name`. */
static int missing(const ferry_pipeline *p, const char *key, const char *name,
                   const ferry_schema *s, ferry_err *err)
{
    char path[64], cols[1024];
    snprintf(path, sizeof path, "fields.%s", key);
    const config_setting_t *st = config_lookup(&p->cfg, path);
    const char *file = st ? config_setting_source_file(st) : NULL;
    column_list(s, cols, sizeof cols);
    return ferry_err_set(err, FERRY_ERR_CONFIG,
                         "%s:%u: %s: \"%s\" is not a column of the source's query (it gives: %s)",
                         file ? file : p->path, st ? config_setting_source_line(st) : 0, path, name,
                         cols);
}

/* Every configured field name against the described schema. */
static int compare(const ferry_pipeline *p, const ferry_schema *s, ferry_err *err)
{
    const ferry_fieldset *fs = &p->fields;
    for (size_t i = 0; i < fs->nall; i++)
        if (!has_column(s, fs->all[i].name))
            return missing(p, "exportable", fs->all[i].name, s, err);
    for (size_t i = 0; i < fs->nfilterable; i++)
        if (!has_column(s, fs->filterable[i]))
            return missing(p, "filterable", fs->filterable[i], s, err);
    if (fs->owner_column && !has_column(s, fs->owner_column))
        return missing(p, "owner_column", fs->owner_column, s, err);
    if (fs->date_column && !has_column(s, fs->date_column))
        return missing(p, "date_column", fs->date_column, s, err);
    return 0;
}

int ferry_pipeline_check_columns(ferry_pipeline *p, int *checked, ferry_err *err)
{
    const ferry_step *st = &p->source;
    const ferry_source_ops *ops = st->plugin->desc->source;
    *checked = 0;
    if (!ops->describe)
        return 0;
    const ferry_schema *schema = NULL;
    int rc = ops->describe(ferry_instance_state(st->inst), &schema);
    if (rc) {
        const char *m = ferry_instance_error(st->inst);
        const config_setting_t *where = config_setting_get_member(st->settings, "query");
        if (rc == FERRY_ERR_CONFIG && where)
            return ferry_err_set(err, rc, "%s:%u: %s: %s", config_setting_source_file(where),
                                 config_setting_source_line(where), st->plugin->desc->name, m);
        return ferry_err_set(err, rc, "%s: %s", st->plugin->desc->name,
                             m && *m ? m : "describe failed (no message)");
    }
    if (!schema)
        return 0;
    *checked = 1;
    return compare(p, schema, err);
}
