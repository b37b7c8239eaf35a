/*
 * fields.h — which fields an export has, in what order, under what header
 * and with what formatting: the pipeline's field configuration, overlaid by
 * a template's field_configuration and a request's selected_fields (request
 * over template over pipeline). One meaning for every format.
 *
 * Field configuration keys (pipeline `fields.styles.NAME` groups and the
 * JSON of a template's field_configuration "formatting".NAME objects):
 *   label, date_format, timestamp_format, timezone, null_text, decimals,
 *   duration ("h:mm" | "h:mm:ss" | "hours" | "seconds"), width.
 * Top-level JSON keys: fields (list), headers (list, by position),
 *   formatting (object), timezone, null_text.
 */
#ifndef FERRY_CORE_FIELDS_H
#define FERRY_CORE_FIELDS_H

#include <libconfig.h>

#include "error.h"
#include "ferry/types.h"

typedef struct ferry_fieldspec {
    char *name;
    char *label;
    ferry_field_style style; /* its strings point at the owned copies below */
    char *date_format, *timestamp_format, *timezone, *null_text;
} ferry_fieldspec;

typedef struct ferry_fieldset {
    size_t nall; /* every exportable field, in the pipeline's order */
    ferry_fieldspec *all;
    size_t nselected; /* the export's fields, in order: indexes into all */
    size_t *selected;
    char **filterable;
    size_t nfilterable;
    char *owner_column; /* may be NULL */
    char *date_column;  /* may be NULL */
    /* fields.date_column_type = "date": the column holds calendar days, so
     * a request's UTC date range is compared as local wall-clock time in
     * the export's time zone; "timestamp" (default): as UTC instants. */
    int date_is_calendar;
    char *timezone;  /* fields.timezone (a template's timezone over it), or NULL */
    char *null_text; /* fields.null_text (a template's null_text over it), or NULL */
    /* The defaults with those two (ferry_fields_style): the style of a
     * column no field spec covers. */
    ferry_field_style style;
} ferry_fieldset;

/* Reads the pipeline's `fields` group (may be absent: then every column the
 * source gives is exportable and nothing is filterable). */
int ferry_fields_from_config(ferry_fieldset *fs, const config_setting_t *fields, ferry_err *err);
/* Applies a template's field_configuration JSON (may be NULL or "{}"). */
int ferry_fields_apply_template(ferry_fieldset *fs, const char *json, ferry_err *err);
/* Applies a request's selected_fields JSON array (may be NULL or "[]"). */
int ferry_fields_select_json(ferry_fieldset *fs, const char *json, ferry_err *err);
/* Selects by a list of names; unknown names are an error naming the allowed. */
int ferry_fields_select(ferry_fieldset *fs, const char *const *names, size_t n, ferry_err *err);
int ferry_fields_is_filterable(const ferry_fieldset *fs, const char *name);
const ferry_fieldspec *ferry_fields_find(const ferry_fieldset *fs, const char *name);
/* The style of a column no field spec covers (the pipeline lists no
 * fields.exportable, or a filter added the column): the defaults with
 * fields.timezone and fields.null_text, which apply to every field. */
const ferry_field_style *ferry_fields_style(const ferry_fieldset *fs);
void ferry_fields_free(ferry_fieldset *fs);

/* "a, b, c": the exportable field names, for messages. */
void ferry_fields_names(const ferry_fieldset *fs, char *buf, size_t len);

#endif
