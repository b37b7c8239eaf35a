/*
 * pipeline.h — a pipeline config (libconfig) made into plugin instances,
 * and running it: source thread → bounded batch queue → filters →
 * formatter → encoders → staging file → publish → sinks.
 *
 * A pipeline file:
 *   name = "timesheet";
 *   source = { plugin = "source-mysql"; connection = "tracking"; query = "…"; };
 *   fields = { exportable = [...]; filterable = [...]; owner_column = "user_id";
 *              date_column = "date"; styles = { duration = { label = "Hours"; }; }; };
 *   filters = ( { plugin = "filter-where"; … } );      # optional
 *   format = { plugin = "format-csv"; … };
 *   encoders = ( { plugin = "encode-gzip"; } );         # optional
 *   output = { directory = "out"; name = "timesheet"; }; # extension added
 *   sinks = ( { plugin = "sink-file"; } );              # optional
 *   batch_rows = 4096; queue_batches = 4;               # optional
 */
#ifndef FERRY_CORE_PIPELINE_H
#define FERRY_CORE_PIPELINE_H

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#include <libconfig.h>

#include "error.h"
#include "fields.h"
#include "loader.h"
#include "site.h"

typedef struct ferry_step {
    ferry_plugin *plugin;
    ferry_instance *inst;
    config_setting_t *settings; /* inside the pipeline's config */
} ferry_step;

typedef struct ferry_pipeline {
    config_t cfg;
    char *path;
    char *dir;
    char *name;
    ferry_step source;
    ferry_step *filters;
    size_t nfilters;
    ferry_step format;
    ferry_step *encoders;
    size_t nencoders;
    ferry_step *sinks;
    size_t nsinks;
    ferry_fieldset fields;
    char *out_dir;  /* absolute */
    char *out_name; /* without extension */
    /* rows a batch; a wide result gets fewer (ferry_batch_rows) */
    uint32_t batch_rows;
    uint32_t queue_batches;
    char **labels; /* --set labels kept alive for error messages */
    size_t nlabels;
    int built;
} ferry_pipeline;

/* Parses the file (syntax errors name file:line). *out: ferry_pipeline_free. */
int ferry_pipeline_parse(ferry_pipeline **out, const char *path, ferry_err *err);
/* Overrides one setting: `path` is a libconfig path ("format.title",
 * "source.query"); `value` text is typed by the existing setting or guessed
 * (int, float, bool, string). `label` names the origin in errors
 * ("--set format.bom=true"). Must come before build. */
int ferry_pipeline_set(ferry_pipeline *p, const char *path, const char *value, const char *label,
                       ferry_err *err);
/* Replaces the format step by `plugin` (a request's format) unless it is
 * already that plugin; the old step's options are dropped. Before build. */
int ferry_pipeline_use_format(ferry_pipeline *p, const char *plugin, ferry_err *err);
/* Appends copies of the sink groups in `list` (ferry.conf requests.sinks)
 * to the pipeline's sinks. Before build. */
int ferry_pipeline_add_sinks(ferry_pipeline *p, const config_setting_t *list, ferry_err *err);
/* Loads plugins and makes instances (options checked). The format may be
 * replaced first by `format_plugin` (a request's format), NULL to keep. */
int ferry_pipeline_build(ferry_pipeline *p, const ferry_site *site, const char *format_plugin,
                         const ferry_log *log, ferry_err *err);
void ferry_pipeline_free(ferry_pipeline *p); /* accepts NULL */

/* Checks fields.exportable, filterable, owner_column and date_column of a
 * built pipeline against the columns its source describes (columns.c):
 * FERRY_ERR_CONFIG naming file:line of the setting, or of the source's
 * query when the source finds the query itself wrong; the source's own
 * code (FERRY_ERR_DB: not reachable) when it cannot describe. *checked is
 * 0 when the source has no describe callback (nothing checked, 0 returned). */
int ferry_pipeline_check_columns(ferry_pipeline *p, int *checked, ferry_err *err);

/* What one run is asked to do. */
/* Where a run notes the plugin it is calling, one slot per thread (0: the
 * source's, 1: the pipeline's; empty between calls), so that a process
 * watching a child (service/child.c) can name the plugin that crashed. */
typedef struct ferry_stage_note {
    char name[2][64];
} ferry_stage_note;

typedef struct ferry_run_opts {
    const ferry_query *query; /* NULL: the selected fields, no predicates */
    const char *out_dir;      /* NULL: the pipeline's output.directory */
    const char *file_base;    /* published file name without extension; NULL: output.name */
    const char *display_base; /* name offered to users without extension; NULL: file_base */
    const ferry_kv *meta;     /* request metadata for sinks */
    size_t nmeta;
    const char *download_url; /* a signed URL for the artifact, or NULL */
    atomic_int *cancel;       /* polled; may be NULL */
    /* Called on the pipeline thread after each batch. `total` is the
     * source's row count, or its estimate when `estimated` (the rows may
     * end up more or fewer), or -1. */
    void (*progress)(void *payload, uint64_t rows, int64_t total, int estimated);
    void *payload;
    /* A row sink (a preview): when `rows` is set, each batch after the
     * filters goes to it on the pipeline thread instead of the formatter,
     * and nothing is written, published or delivered. It returns 0 or a
     * FERRY_ERR_* code, and sets *enough to stop reading. `rows_end` (may be
     * NULL) gets the final schema, labels and all, once every batch went
     * well. The batch and schema are borrowed for the call. */
    int (*rows)(void *row_payload, const ferry_batch *b, int *enough);
    int (*rows_end)(void *row_payload, const ferry_schema *s);
    void *row_payload;
    int skip_after_commit; /* leave FERRY_SINK_AFTER_COMMIT sinks to ferry_pipeline_after_commit */
    int no_sinks;          /* publish only */
    /* ferry_pipeline_after_commit leaves out sinks that name targets: the
     * caller records and delivers to each (service/delivery.c). */
    int targets_apart;
    ferry_stage_note *note; /* may be NULL */
    int no_sweep;           /* the caller sweeps out_dir's staging leftovers itself */
} ferry_run_opts;

typedef struct ferry_run_result {
    char *path;         /* published file; owned */
    char *name;         /* offered name; owned */
    char *content_type; /* owned */
    char *download_url; /* from a sink or opts; owned; may be NULL */
    char sha256[65];
    uint64_t size;
    uint64_t rows;
    int64_t source_rows; /* the source's count, or -1 */
    uint64_t warnings;   /* values not carried exactly (host->warn), logged and counted */
} ferry_run_result;

int ferry_pipeline_run(ferry_pipeline *p, const ferry_run_opts *o, ferry_run_result *r,
                       ferry_err *err);
/* Runs the after-commit sinks (email) on a published result. */
int ferry_pipeline_after_commit(ferry_pipeline *p, const ferry_run_opts *o,
                                const ferry_run_result *r, ferry_err *err);
/* Sink `i`'s targets when it is an after-commit sink with a targets
 * callback (*has = 1): each NUL-terminated in `out` (ferry_buf_free).
 * Otherwise *has = 0 and nothing is asked. */
int ferry_pipeline_sink_targets(ferry_pipeline *p, size_t i, const ferry_run_opts *o,
                                const ferry_run_result *r, ferry_buf *out, int *has,
                                ferry_err *err);

/* Delivers to sink `i` alone (o->meta names the "delivery_target"); the
 * plugin's code is returned (FERRY_ERR_DATA: can never succeed). */
int ferry_pipeline_sink_deliver(ferry_pipeline *p, size_t i, const ferry_run_opts *o,
                                const ferry_run_result *r, ferry_err *err);

void ferry_run_result_free(ferry_run_result *r);

/* The format plugin for a request's seed format ("excel" → "format-xlsx"). */
const char *ferry_format_plugin(const char *format);

#endif
