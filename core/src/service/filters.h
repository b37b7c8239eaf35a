/*
 * filters.h — a request's `filters` JSON turned into predicates for the
 * source (DESIGN.md, "The request contract"). Keys are filterable fields;
 * a value is a scalar (equals), an array (any of), or an object of
 * operators: eq, ne, gt, gte, lt, lte, in, contains, is_null (true/false).
 * Every value becomes a bound parameter in the source; nothing here is SQL.
 */
#ifndef FERRY_CORE_FILTERS_H
#define FERRY_CORE_FILTERS_H

#include "error.h"
#include "fields.h"
#include "ferry/plugin.h"

typedef struct ferry_predset {
    ferry_predicate *preds;
    size_t n, cap;
    char **strings; /* owned copies values point at */
    size_t nstrings, capstrings;
    ferry_value **values; /* owned value arrays */
    size_t nvalues, capvalues;
} ferry_predset;

/* Adds the predicates of `json` (an object; NULL or "" adds nothing). `what`
 * names the origin in errors ("request filters", "template default_filters").
 * Keys in `ignore` (NULL-terminated) are skipped. */
int ferry_filters_parse(ferry_predset *ps, const ferry_fieldset *fs, const char *json,
                        const char *what, const char *const *ignore, ferry_err *err);
/* Adds `column OP value` with one value (copied). */
int ferry_predset_add(ferry_predset *ps, const char *column, int op, const ferry_value *v,
                      ferry_err *err);
void ferry_predset_free(ferry_predset *ps);

#endif
