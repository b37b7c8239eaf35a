/*
 * where_cond.h — parses one filter-where condition from its text:
 *
 *   column OP value        OP: = == != <> < <= > >=
 *   column in (v1, v2, …)
 *   column contains value
 *   column is null | column is not null
 *
 * A value is 'single quoted' ('' for a quote), "double quoted", or bare
 * (for a single value: the rest of the text, trimmed; in a list: up to the
 * next comma or parenthesis). Keywords are case-insensitive. Values stay
 * text here; the filter converts them to the column's type at open.
 */
#ifndef FERRY_PLUGINS_WHERE_COND_H
#define FERRY_PLUGINS_WHERE_COND_H

#include "ferry/plugin.h"

typedef struct where_cond {
    const char *text;   /* the condition as configured (core-owned) */
    const char *column; /* points into `buf` */
    int op;             /* ferry_op */
    uint32_t nvalues;
    ferry_value *values; /* STRING values pointing into `buf`; owned */
    char *buf;           /* owned (host->alloc) */
} where_cond;

/* Parses `text`. On error returns -1 and writes why to `err`. Free with
 * where_cond_free (also after a failed parse). */
int where_cond_parse(where_cond *out, const char *text, const ferry_host *host, ferry_ctx *fx,
                     char *err, size_t errcap);
void where_cond_free(where_cond *c, const ferry_host *host, ferry_ctx *fx);

#endif
