/*
 * plugtest.h — helpers for the plugin unit tests: load a bundled plugin
 * from the build's plugin directory, make an instance from a config file
 * written from a string (so errors carry a real file:line), build input
 * batches from text cells, run a filter, and read values back as text
 * through the core's formatter (ferry_format_value).
 */
#ifndef FERRY_TESTS_PLUGTEST_H
#define FERRY_TESTS_PLUGTEST_H

#include <libconfig.h>

#include "batch.h"
#include "loader.h"

typedef struct pt {
    ferry_plugin *plugin;
    ferry_instance *inst;
    config_t cfg;
    char path[256]; /* the config file */
    ferry_err err;
    ferry_log log;
} pt;

/* Loads NAME.so from the build's plugin directory (asserts). */
void pt_load(pt *t, const char *name);
/* Writes `settings` as "plugin = { <settings> };" to a temp file, parses it
 * and makes an instance. Returns 0 or the error (t->err). Line 1 of the file
 * is "plugin = {", so settings' first line is line 2. */
int pt_instance(pt *t, const char *settings);
/* Destroys the instance, asserts nothing leaked, frees everything. */
void pt_done(pt *t);

/* A schema from "name:type" specs (types by ferry_type_name). Owned by
 * the test: pt_schema_free. */
ferry_schema *pt_schema(const char *const *specs, uint32_t n);
void pt_schema_free(ferry_schema *s);
/* A batch of `nrows` rows from text cells, row-major; NULL is null.
 * int64 "12", double "1.5", decimal/string as is, bool "true"/"false",
 * date "YYYY-MM-DD", timestamp seconds since the epoch, duration seconds. */
ferry_batch *pt_batch(const ferry_schema *s, uint32_t nrows, const char *const *cells);
/* Runs a filter's open and process on one batch. Returns 0 or the error. */
int pt_filter(pt *t, const ferry_schema *in, const ferry_batch *b, const ferry_schema **out_schema,
              ferry_batch **out);
/* The text of a value as the core formats it (default style); "NULL" for
 * null. Valid until the next call. */
const char *pt_text(const ferry_batch *b, uint32_t row, uint32_t col);
/* Index of column `name` in `s`, or -1. */
int pt_col(const ferry_schema *s, const char *name);

/* Asserts that filter `plugin` fails with a message containing `want`:
 * at instance creation from `settings`, or (at_open) when opened on a
 * schema of `specs` (n of them). */
void pt_expect_filter_error(const char *plugin, const char *const *specs, uint32_t n,
                            const char *settings, int at_open, const char *want);

#endif
