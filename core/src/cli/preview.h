/*
 * preview.h — `ferry run --preview N`: the first N rows after the filters,
 * collected through the run's row sink (ferry_run_opts.rows) and printed
 * as an aligned table sized for a terminal (wide and combining characters
 * counted, long cells cut with an ellipsis). The engine knows nothing of it.
 */
#ifndef FERRY_CLI_PREVIEW_H
#define FERRY_CLI_PREVIEW_H

#include <stdio.h>

#include "pipeline.h"
#include "tz_cache.h"

typedef struct ferry_preview {
    long limit;   /* rows to keep */
    FILE *out;    /* where the table goes; borrowed */
    char **cells; /* rows * ncols strings, owned */
    size_t rows, ncols, cap;
    ferry_tz_cache *zones; /* timestamps' zones, owned; made by the first batch */
} ferry_preview;

/* Makes `o` a preview run into *pv (which must outlive the run). */
void ferry_preview_attach(ferry_preview *pv, long limit, FILE *out, ferry_run_opts *o);
void ferry_preview_free(ferry_preview *pv);

#endif
