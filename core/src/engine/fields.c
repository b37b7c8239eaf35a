/* fields.c — field selection, headers and per-field formatting. */
#include "fields.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "format_value.h"
#include "tz_cache.h"

static void spec_refresh(ferry_fieldspec *f)
{
    const ferry_field_style *d = ferry_default_style();
    f->style.date_format = f->date_format ? f->date_format : d->date_format;
    f->style.timestamp_format = f->timestamp_format;
    f->style.timezone = f->timezone ? f->timezone : d->timezone;
    f->style.null_text = f->null_text ? f->null_text : d->null_text;
}

static int replace(char **slot, const char *v)
{
    char *c = v ? strdup(v) : NULL;
    if (v && !c)
        return FERRY_ERR_NOMEM;
    free(*slot);
    *slot = c;
    return 0;
}

static int duration_style(const char *s, int *out)
{
    if (!strcmp(s, "h:mm") || !strcmp(s, "hmm"))
        *out = FERRY_DURATION_HMM;
    else if (!strcmp(s, "h:mm:ss") || !strcmp(s, "hmmss"))
        *out = FERRY_DURATION_HMMSS;
    else if (!strcmp(s, "hours") || !strcmp(s, "decimal_hours"))
        *out = FERRY_DURATION_HOURS;
    else if (!strcmp(s, "seconds"))
        *out = FERRY_DURATION_SECONDS;
    else
        return -1;
    return 0;
}

/* One style key = value, from config or JSON (as text or int). */
static int style_set(ferry_fieldspec *f, const char *key, const char *sval, long long ival,
                     int is_int, const char *where, ferry_err *err)
{
    if (!strcmp(key, "decimals") || !strcmp(key, "width")) {
        if (!is_int)
            return ferry_err_set(err, FERRY_ERR_CONFIG, "%s: field \"%s\": %s must be a number",
                                 where, f->name, key);
        if (ival < -1 || ival > 255)
            return ferry_err_set(err, FERRY_ERR_CONFIG, "%s: field \"%s\": %s %lld out of range",
                                 where, f->name, key, ival);
        if (!strcmp(key, "decimals"))
            f->style.decimals = (int32_t)ival;
        else
            f->style.width = (int32_t)ival;
        return 0;
    }
    if (is_int || !sval)
        return ferry_err_set(err, FERRY_ERR_CONFIG, "%s: field \"%s\": %s must be text", where,
                             f->name, key);
    int rc = 0;
    if (!strcmp(key, "label"))
        rc = replace(&f->label, sval);
    else if (!strcmp(key, "date_format") || !strcmp(key, "format"))
        rc = replace(&f->date_format, sval);
    else if (!strcmp(key, "timestamp_format"))
        rc = replace(&f->timestamp_format, sval);
    else if (!strcmp(key, "timezone")) {
        if (strcmp(sval, "UTC") && !ferry_tz_valid(sval))
            return ferry_err_set(err, FERRY_ERR_CONFIG,
                                 "%s: field \"%s\": unknown time zone \"%s\"", where, f->name,
                                 sval);
        rc = replace(&f->timezone, sval);
    } else if (!strcmp(key, "null_text"))
        rc = replace(&f->null_text, sval);
    else if (!strcmp(key, "duration")) {
        int st;
        if (duration_style(sval, &st))
            return ferry_err_set(err, FERRY_ERR_CONFIG,
                                 "%s: field \"%s\": duration \"%s\" is not one of h:mm, "
                                 "h:mm:ss, hours, seconds",
                                 where, f->name, sval);
        f->style.duration_style = st;
    } else
        return ferry_err_set(err, FERRY_ERR_CONFIG,
                             "%s: field \"%s\": unknown formatting key \"%s\" (known: label, "
                             "date_format, timestamp_format, timezone, null_text, decimals, "
                             "duration, width)",
                             where, f->name, key);
    if (rc)
        return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    spec_refresh(f);
    return 0;
}

static int add_field(ferry_fieldset *fs, const char *name)
{
    ferry_fieldspec *n = realloc(fs->all, (fs->nall + 1) * sizeof *n);
    if (!n)
        return FERRY_ERR_NOMEM;
    fs->all = n;
    ferry_fieldspec *f = &fs->all[fs->nall];
    memset(f, 0, sizeof *f);
    f->name = strdup(name);
    f->label = strdup(name);
    f->style = *ferry_default_style();
    if (!f->name || !f->label)
        return FERRY_ERR_NOMEM;
    fs->nall++;
    spec_refresh(f);
    return 0;
}

/* fs->timezone or fs->null_text (`slot`) set to `v`, checked, and fs->style
 * made again. */
static int set_every(ferry_fieldset *fs, char **slot, const char *v, const char *where,
                     ferry_err *err)
{
    if (slot == &fs->timezone && strcmp(v, "UTC") && !ferry_tz_valid(v))
        return ferry_err_set(err, FERRY_ERR_CONFIG, "%s: unknown time zone \"%s\"", where, v);
    if (replace(slot, v))
        return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    fs->style = *ferry_default_style();
    if (fs->timezone)
        fs->style.timezone = fs->timezone;
    if (fs->null_text)
        fs->style.null_text = fs->null_text;
    return 0;
}

const ferry_field_style *ferry_fields_style(const ferry_fieldset *fs)
{
    return fs->timezone || fs->null_text ? &fs->style : ferry_default_style();
}

const ferry_fieldspec *ferry_fields_find(const ferry_fieldset *fs, const char *name)
{
    for (size_t i = 0; i < fs->nall; i++)
        if (!strcmp(fs->all[i].name, name))
            return &fs->all[i];
    return NULL;
}

void ferry_fields_names(const ferry_fieldset *fs, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < fs->nall && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "", fs->all[i].name);
}

int ferry_fields_select(ferry_fieldset *fs, const char *const *names, size_t n, ferry_err *err)
{
    size_t *sel = malloc((n ? n : 1) * sizeof *sel);
    if (!sel)
        return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const ferry_fieldspec *f = ferry_fields_find(fs, names[i]);
        if (!f) {
            char allowed[1024];
            ferry_fields_names(fs, allowed, sizeof allowed);
            free(sel);
            return ferry_err_set(err, FERRY_ERR_CONFIG, "unknown field \"%s\" (allowed: %s)",
                                 names[i], allowed);
        }
        for (size_t j = 0; j < i; j++)
            if (sel[j] == (size_t)(f - fs->all)) {
                free(sel);
                return ferry_err_set(err, FERRY_ERR_CONFIG, "field \"%s\" selected twice",
                                     names[i]);
            }
        sel[i] = (size_t)(f - fs->all);
    }
    free(fs->selected);
    fs->selected = sel;
    fs->nselected = n;
    return 0;
}

static int select_all(ferry_fieldset *fs)
{
    free(fs->selected);
    fs->selected = malloc((fs->nall ? fs->nall : 1) * sizeof *fs->selected);
    if (!fs->selected)
        return FERRY_ERR_NOMEM;
    for (size_t i = 0; i < fs->nall; i++)
        fs->selected[i] = i;
    fs->nselected = fs->nall;
    return 0;
}

static int strlist(const config_setting_t *s, char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!s)
        return 0;
    int len = config_setting_length(s);
    if (config_setting_type(s) == CONFIG_TYPE_STRING)
        len = 1;
    *out = calloc((size_t)len + 1, sizeof **out);
    if (!*out)
        return FERRY_ERR_NOMEM;
    for (int i = 0; i < len; i++) {
        const char *v = config_setting_type(s) == CONFIG_TYPE_STRING
                            ? config_setting_get_string(s)
                            : config_setting_get_string_elem(s, i);
        if (!v)
            return FERRY_ERR_CONFIG;
        (*out)[i] = strdup(v);
        (*n)++;
    }
    return 0;
}

int ferry_fields_from_config(ferry_fieldset *fs, const config_setting_t *fields, ferry_err *err)
{
    memset(fs, 0, sizeof *fs);
    if (!fields)
        return 0;
    char where[512];
    const config_setting_t *ex = config_setting_get_member(fields, "exportable");
    if (ex) {
        char **names;
        size_t n;
        if (strlist(ex, &names, &n)) {
            snprintf(where, sizeof where, "%s:%u", config_setting_source_file(ex),
                     config_setting_source_line(ex));
            return ferry_err_set(err, FERRY_ERR_CONFIG,
                                 "%s: fields.exportable must be a list of names", where);
        }
        for (size_t i = 0; i < n; i++) {
            if (add_field(fs, names[i]))
                return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
            free(names[i]);
        }
        free(names);
    }
    const config_setting_t *fl = config_setting_get_member(fields, "filterable");
    if (fl && strlist(fl, &fs->filterable, &fs->nfilterable))
        return ferry_err_set(err, FERRY_ERR_CONFIG, "%s:%u: fields.filterable must be a list",
                             config_setting_source_file(fl), config_setting_source_line(fl));
    for (size_t i = 0; i < fs->nfilterable; i++)
        if (!ferry_fields_find(fs, fs->filterable[i]))
            return ferry_err_set(
                err, FERRY_ERR_CONFIG, "%s:%u: filterable field \"%s\" is not exportable",
                config_setting_source_file(fl), config_setting_source_line(fl), fs->filterable[i]);
    const char *s;
    if (config_setting_lookup_string(fields, "owner_column", &s))
        fs->owner_column = strdup(s);
    if (config_setting_lookup_string(fields, "date_column", &s))
        fs->date_column = strdup(s);
    if (config_setting_lookup_string(fields, "date_column_type", &s)) {
        if (strcmp(s, "date") && strcmp(s, "timestamp"))
            return ferry_err_set(err, FERRY_ERR_CONFIG,
                                 "%s:%u: fields.date_column_type \"%s\" is not date or timestamp",
                                 config_setting_source_file(fields),
                                 config_setting_source_line(fields), s);
        fs->date_is_calendar = !strcmp(s, "date");
    }
    const char *tz = NULL, *null_text = NULL;
    config_setting_lookup_string(fields, "timezone", &tz);
    config_setting_lookup_string(fields, "null_text", &null_text);
    snprintf(where, sizeof where, "%s:%u: fields.timezone", config_setting_source_file(fields),
             config_setting_source_line(fields));
    if ((tz && set_every(fs, &fs->timezone, tz, where, err)) ||
        (null_text && set_every(fs, &fs->null_text, null_text, where, err)))
        return err->code;
    for (size_t i = 0; i < fs->nall; i++) {
        snprintf(where, sizeof where, "%s:%u", config_setting_source_file(fields),
                 config_setting_source_line(fields));
        if (tz && style_set(&fs->all[i], "timezone", tz, 0, 0, where, err))
            return err->code;
        if (null_text && style_set(&fs->all[i], "null_text", null_text, 0, 0, where, err))
            return err->code;
    }
    const config_setting_t *styles = config_setting_get_member(fields, "styles");
    for (int i = 0; styles && i < config_setting_length(styles); i++) {
        const config_setting_t *g = config_setting_get_elem(styles, (unsigned)i);
        const char *name = config_setting_name(g);
        snprintf(where, sizeof where, "%s:%u", config_setting_source_file(g),
                 config_setting_source_line(g));
        ferry_fieldspec *f = (ferry_fieldspec *)ferry_fields_find(fs, name);
        if (!f) {
            char allowed[1024];
            ferry_fields_names(fs, allowed, sizeof allowed);
            return ferry_err_set(err, FERRY_ERR_CONFIG,
                                 "%s: styles for unknown field \"%s\" (exportable: %s)", where,
                                 name, allowed);
        }
        for (int k = 0; k < config_setting_length(g); k++) {
            const config_setting_t *kv = config_setting_get_elem(g, (unsigned)k);
            int t = config_setting_type(kv);
            int is_int = t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64;
            snprintf(where, sizeof where, "%s:%u", config_setting_source_file(kv),
                     config_setting_source_line(kv));
            int rc = style_set(f, config_setting_name(kv),
                               t == CONFIG_TYPE_STRING ? config_setting_get_string(kv) : NULL,
                               is_int ? config_setting_get_int64(kv) : 0, is_int, where, err);
            if (rc)
                return rc;
        }
    }
    return select_all(fs) ? ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory") : 0;
}

static int json_style(ferry_fieldspec *f, const char *key, json_t *v, const char *where,
                      ferry_err *err)
{
    if (json_is_integer(v))
        return style_set(f, key, NULL, (long long)json_integer_value(v), 1, where, err);
    if (json_is_string(v))
        return style_set(f, key, json_string_value(v), 0, 0, where, err);
    return ferry_err_set(err, FERRY_ERR_CONFIG, "%s: field \"%s\": %s must be text or a number",
                         where, f->name, key);
}

int ferry_fields_apply_template(ferry_fieldset *fs, const char *text, ferry_err *err)
{
    if (!text || !*text)
        return 0;
    json_error_t je;
    json_t *root = json_loads(text, JSON_DECODE_ANY, &je);
    const char *where = "template field_configuration";
    if (!root)
        return ferry_err_set(err, FERRY_ERR_CONFIG, "%s: invalid JSON: %s", where, je.text);
    int rc = 0;
    if (!json_is_object(root)) {
        rc = ferry_err_set(err, FERRY_ERR_CONFIG, "%s must be a JSON object", where);
        goto done;
    }
    json_t *tz = json_object_get(root, "timezone"), *nt = json_object_get(root, "null_text");
    if ((tz && !json_is_string(tz)) || (nt && !json_is_string(nt))) {
        rc = ferry_err_set(err, FERRY_ERR_CONFIG, "%s: %s must be text", where,
                           tz && !json_is_string(tz) ? "timezone" : "null_text");
        goto done;
    }
    if ((tz && (rc = set_every(fs, &fs->timezone, json_string_value(tz), where, err))) ||
        (nt && (rc = set_every(fs, &fs->null_text, json_string_value(nt), where, err))))
        goto done;
    for (size_t i = 0; i < fs->nall && !rc; i++) {
        if (tz)
            rc = json_style(&fs->all[i], "timezone", tz, where, err);
        if (!rc && nt)
            rc = json_style(&fs->all[i], "null_text", nt, where, err);
    }
    json_t *fmt = json_object_get(root, "formatting");
    const char *key;
    json_t *val;
    if (!rc && fmt) {
        if (!json_is_object(fmt)) {
            rc = ferry_err_set(err, FERRY_ERR_CONFIG, "%s: formatting must be an object", where);
            goto done;
        }
        json_object_foreach(fmt, key, val)
        {
            ferry_fieldspec *f = (ferry_fieldspec *)ferry_fields_find(fs, key);
            if (!f) {
                char allowed[1024];
                ferry_fields_names(fs, allowed, sizeof allowed);
                rc = ferry_err_set(err, FERRY_ERR_CONFIG,
                                   "%s: formatting for unknown field \"%s\" (allowed: %s)", where,
                                   key, allowed);
                goto done;
            }
            if (!json_is_object(val)) {
                rc = ferry_err_set(err, FERRY_ERR_CONFIG, "%s: formatting.%s must be an object",
                                   where, key);
                goto done;
            }
            const char *k2;
            json_t *v2;
            json_object_foreach(val, k2, v2)
            {
                rc = json_style(f, k2, v2, where, err);
                if (rc)
                    goto done;
            }
        }
    }
    json_t *flist = json_object_get(root, "fields");
    if (!rc && flist && json_array_size(flist) > 0) {
        size_t n = json_array_size(flist);
        const char **names = calloc(n, sizeof *names);
        if (!names) {
            rc = ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
            goto done;
        }
        for (size_t i = 0; i < n; i++) {
            names[i] = json_string_value(json_array_get(flist, i));
            if (!names[i]) {
                free(names);
                rc = ferry_err_set(err, FERRY_ERR_CONFIG, "%s: fields must be strings", where);
                goto done;
            }
        }
        rc = ferry_fields_select(fs, names, n, err);
        free(names);
        if (rc)
            goto done;
        json_t *headers = json_object_get(root, "headers");
        for (size_t i = 0; i < json_array_size(headers) && i < fs->nselected; i++) {
            const char *h = json_string_value(json_array_get(headers, i));
            if (h && replace(&fs->all[fs->selected[i]].label, h)) {
                rc = ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
                goto done;
            }
        }
    }
done:
    json_decref(root);
    return rc;
}

int ferry_fields_select_json(ferry_fieldset *fs, const char *text, ferry_err *err)
{
    if (!text || !*text)
        return 0;
    json_error_t je;
    json_t *root = json_loads(text, JSON_DECODE_ANY, &je);
    if (!root)
        return ferry_err_set(err, FERRY_ERR_CONFIG, "selected_fields: invalid JSON: %s", je.text);
    int rc = 0;
    if (!json_is_array(root)) {
        rc = ferry_err_set(err, FERRY_ERR_CONFIG, "selected_fields must be a JSON array");
    } else if (json_array_size(root) > 0) {
        size_t n = json_array_size(root);
        const char **names = calloc(n, sizeof *names);
        for (size_t i = 0; names && i < n; i++) {
            names[i] = json_string_value(json_array_get(root, i));
            if (!names[i]) {
                rc = ferry_err_set(err, FERRY_ERR_CONFIG, "selected_fields must hold strings");
                break;
            }
        }
        if (!names)
            rc = ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
        if (!rc)
            rc = ferry_fields_select(fs, names, n, err);
        free(names);
    }
    json_decref(root);
    return rc;
}

int ferry_fields_is_filterable(const ferry_fieldset *fs, const char *name)
{
    for (size_t i = 0; i < fs->nfilterable; i++)
        if (!strcmp(fs->filterable[i], name))
            return 1;
    return 0;
}

void ferry_fields_free(ferry_fieldset *fs)
{
    if (!fs)
        return;
    for (size_t i = 0; i < fs->nall; i++) {
        ferry_fieldspec *f = &fs->all[i];
        free(f->name);
        free(f->label);
        free(f->date_format);
        free(f->timestamp_format);
        free(f->timezone);
        free(f->null_text);
    }
    free(fs->all);
    free(fs->selected);
    for (size_t i = 0; i < fs->nfilterable; i++)
        free(fs->filterable[i]);
    free(fs->filterable);
    free(fs->owner_column);
    free(fs->date_column);
    free(fs->timezone);
    free(fs->null_text);
    memset(fs, 0, sizeof *fs);
}
