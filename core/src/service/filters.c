/* filters.c — the filters grammar: JSON to typed predicates. */
#include "filters.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

static char *keep_str(ferry_predset *ps, const char *s, size_t n)
{
    if (ps->nstrings == ps->capstrings) {
        size_t cap = ps->capstrings ? ps->capstrings * 2 : 16;
        char **x = realloc(ps->strings, cap * sizeof *x);
        if (!x)
            return NULL;
        ps->strings = x;
        ps->capstrings = cap;
    }
    char *c = malloc(n + 1);
    if (!c)
        return NULL;
    memcpy(c, s, n);
    c[n] = '\0';
    ps->strings[ps->nstrings++] = c;
    return c;
}

static ferry_value *keep_values(ferry_predset *ps, size_t n)
{
    if (ps->nvalues == ps->capvalues) {
        size_t cap = ps->capvalues ? ps->capvalues * 2 : 16;
        ferry_value **x = realloc(ps->values, cap * sizeof *x);
        if (!x)
            return NULL;
        ps->values = x;
        ps->capvalues = cap;
    }
    ferry_value *v = calloc(n ? n : 1, sizeof *v);
    if (v)
        ps->values[ps->nvalues++] = v;
    return v;
}

static int add(ferry_predset *ps, const char *column, int op, ferry_value *vals, size_t n,
               ferry_err *err)
{
    if (ps->n == ps->cap) {
        size_t cap = ps->cap ? ps->cap * 2 : 8;
        ferry_predicate *x = realloc(ps->preds, cap * sizeof *x);
        if (!x)
            return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
        ps->preds = x;
        ps->cap = cap;
    }
    const char *col = keep_str(ps, column, strlen(column));
    if (!col)
        return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    ferry_predicate *p = &ps->preds[ps->n++];
    p->column = col;
    p->op = op;
    p->nvalues = (uint32_t)n;
    p->values = vals;
    return 0;
}

int ferry_predset_add(ferry_predset *ps, const char *column, int op, const ferry_value *v,
                      ferry_err *err)
{
    ferry_value *vals = keep_values(ps, 1);
    if (!vals)
        return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    vals[0] = *v;
    if (v->type == FERRY_TYPE_STRING || v->type == FERRY_TYPE_DECIMAL) {
        vals[0].u.str = keep_str(ps, v->u.str, v->len);
        if (!vals[0].u.str)
            return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    }
    return add(ps, column, op, vals, 1, err);
}

/* A JSON scalar as a value; -1 for arrays and objects. */
static int json_value(ferry_predset *ps, json_t *j, ferry_value *v)
{
    memset(v, 0, sizeof *v);
    if (json_is_string(j)) {
        size_t n = json_string_length(j);
        v->type = FERRY_TYPE_STRING;
        v->len = (uint32_t)n;
        v->u.str = keep_str(ps, json_string_value(j), n);
        return v->u.str ? 0 : -1;
    }
    if (json_is_integer(j)) {
        ferry_value_set_i64(v, FERRY_TYPE_INT64, (int64_t)json_integer_value(j));
        return 0;
    }
    if (json_is_real(j)) {
        ferry_value_set_f64(v, json_real_value(j));
        return 0;
    }
    if (json_is_boolean(j)) {
        ferry_value_set_i64(v, FERRY_TYPE_BOOL, json_is_true(j));
        return 0;
    }
    if (json_is_null(j)) {
        ferry_value_set_null(v);
        return 0;
    }
    return -1;
}

static int one(ferry_predset *ps, const char *col, int op, json_t *j, const char *what,
               ferry_err *err)
{
    ferry_value *v = keep_values(ps, 1);
    if (!v)
        return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    if (json_value(ps, j, v) || v->type == FERRY_TYPE_NULL)
        return ferry_err_set(err, FERRY_ERR_CONFIG,
                             "%s: filter on \"%s\" needs a text, number or boolean value", what,
                             col);
    return add(ps, col, op, v, 1, err);
}

static int any_of(ferry_predset *ps, const char *col, json_t *arr, const char *what, ferry_err *err)
{
    size_t n = json_array_size(arr);
    if (n > 1000)
        return ferry_err_set(err, FERRY_ERR_CONFIG, "%s: filter on \"%s\" lists over 1000 values",
                             what, col);
    ferry_value *vals = keep_values(ps, n);
    if (!vals)
        return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        if (json_value(ps, json_array_get(arr, i), &vals[i]) || vals[i].type == FERRY_TYPE_NULL)
            return ferry_err_set(err, FERRY_ERR_CONFIG,
                                 "%s: filter on \"%s\": list items must be text, numbers or "
                                 "booleans",
                                 what, col);
    return add(ps, col, FERRY_OP_IN, vals, n, err);
}

static const struct {
    const char *name;
    int op;
} ops[] = {{"eq", FERRY_OP_EQ}, {"ne", FERRY_OP_NE},
           {"gt", FERRY_OP_GT}, {"gte", FERRY_OP_GTE},
           {"lt", FERRY_OP_LT}, {"lte", FERRY_OP_LTE},
           {"in", FERRY_OP_IN}, {"contains", FERRY_OP_CONTAINS},
           {"is_null", 0}};

int ferry_filters_parse(ferry_predset *ps, const ferry_fieldset *fs, const char *text,
                        const char *what, const char *const *ignore, ferry_err *err)
{
    if (!text || !*text)
        return 0;
    json_error_t je;
    json_t *root = json_loads(text, JSON_DECODE_ANY, &je);
    if (!root)
        return ferry_err_set(err, FERRY_ERR_CONFIG, "%s: invalid JSON: %s", what, je.text);
    int rc = 0;
    if (!json_is_object(root)) {
        rc = ferry_err_set(err, FERRY_ERR_CONFIG, "%s must be a JSON object", what);
        goto done;
    }
    const char *key;
    json_t *val;
    json_object_foreach(root, key, val)
    {
        int skip = 0;
        for (size_t i = 0; ignore && ignore[i]; i++)
            skip |= !strcmp(ignore[i], key);
        if (skip)
            continue;
        if (!ferry_fields_is_filterable(fs, key)) {
            char allowed[1024] = "";
            size_t used = 0;
            for (size_t i = 0; i < fs->nfilterable && used < sizeof allowed; i++)
                used += (size_t)snprintf(allowed + used, sizeof allowed - used, "%s%s",
                                         i ? ", " : "", fs->filterable[i]);
            rc = ferry_err_set(err, FERRY_ERR_CONFIG,
                               "%s: filtering on \"%.64s\" is not allowed (filterable: %s)", what,
                               key, fs->nfilterable ? allowed : "none");
            goto done;
        }
        if (json_is_array(val)) {
            rc = any_of(ps, key, val, what, err);
        } else if (json_is_object(val)) {
            const char *op;
            json_t *arg;
            json_object_foreach(val, op, arg)
            {
                size_t k;
                for (k = 0; k < sizeof ops / sizeof ops[0]; k++)
                    if (!strcmp(ops[k].name, op))
                        break;
                if (k == sizeof ops / sizeof ops[0]) {
                    rc = ferry_err_set(err, FERRY_ERR_CONFIG,
                                       "%s: unknown operator \"%.32s\" on \"%s\" (eq, ne, gt, gte, "
                                       "lt, lte, in, contains, is_null)",
                                       what, op, key);
                    goto done;
                }
                if (ops[k].op == 0) {
                    if (!json_is_boolean(arg)) {
                        rc = ferry_err_set(err, FERRY_ERR_CONFIG,
                                           "%s: is_null on \"%s\" takes true or false", what, key);
                        goto done;
                    }
                    rc = add(ps, key, json_is_true(arg) ? FERRY_OP_IS_NULL : FERRY_OP_NOT_NULL,
                             NULL, 0, err);
                } else if (ops[k].op == FERRY_OP_IN) {
                    rc = json_is_array(arg)
                             ? any_of(ps, key, arg, what, err)
                             : ferry_err_set(err, FERRY_ERR_CONFIG, "%s: in on \"%s\" takes a list",
                                             what, key);
                } else if (ops[k].op == FERRY_OP_CONTAINS && !json_is_string(arg)) {
                    rc = ferry_err_set(err, FERRY_ERR_CONFIG, "%s: contains on \"%s\" takes text",
                                       what, key);
                } else {
                    rc = one(ps, key, ops[k].op, arg, what, err);
                }
                if (rc)
                    goto done;
            }
        } else if (json_is_null(val)) {
            rc = add(ps, key, FERRY_OP_IS_NULL, NULL, 0, err);
        } else {
            rc = one(ps, key, FERRY_OP_EQ, val, what, err);
        }
        if (rc)
            goto done;
    }
done:
    json_decref(root);
    return rc;
}

void ferry_predset_free(ferry_predset *ps)
{
    for (size_t i = 0; i < ps->nstrings; i++)
        free(ps->strings[i]);
    for (size_t i = 0; i < ps->nvalues; i++)
        free(ps->values[i]);
    free(ps->strings);
    free(ps->values);
    free(ps->preds);
    memset(ps, 0, sizeof *ps);
}
