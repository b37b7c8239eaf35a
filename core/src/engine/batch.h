/*
 * batch.h — creating, resetting and freeing record batches (the core's
 * side of ferry_batch). A batch owns its value array and an arena of large
 * blocks for string bytes; reset keeps the first block, so a reused batch
 * stops allocating.
 */
#ifndef FERRY_CORE_BATCH_H
#define FERRY_CORE_BATCH_H

#include "ferry/types.h"

/* A new empty batch of `capacity` rows; NULL when out of memory. The schema
 * is borrowed and must outlive the batch. Free with ferry_batch_free. */
ferry_batch *ferry_batch_new(const ferry_schema *schema, uint32_t capacity);

/* Values a pipeline's batch holds at most: a result of more than 64
 * columns gets fewer rows a batch than batch_rows, so the pool's memory
 * stays bounded by queue_batches whatever the width (5,000 columns x 4,096
 * rows were 330 MB of values a batch, with their strings). */
#define FERRY_BATCH_VALUES (4096u * 64u)
/* Rows a batch of `ncolumns` columns gets: `rows`, or fewer so that it
 * holds at most FERRY_BATCH_VALUES values; at least 1. */
uint32_t ferry_batch_rows(uint32_t rows, uint32_t ncolumns);
void ferry_batch_reset(ferry_batch *b);
void ferry_batch_free(ferry_batch *b); /* accepts NULL */

/* Why batch `b`, as a plugin filled it, breaks the contract of
 * ferry/types.h, or NULL when it does not: more rows than its capacity, or
 * a value that is neither null nor of its column's type (nor one of the two
 * wider values types.h allows: DECIMAL in an INT64 column, INT64 in a BOOL
 * one), a bool other than 0 or 1, a string of some length or a decimal
 * whose pointer is NULL, a decimal that is not [+-]digits[.digits]. *row
 * and *col (0-based) say where. The engine checks every batch a source or
 * filter hands on, `ferry plugins check` every batch it gets back. */
const char *ferry_batch_problem(const ferry_batch *b, uint32_t *row, uint32_t *col);

/* The host table's batch functions. */
int64_t ferry_batch_add_row(ferry_batch *b);
int ferry_batch_set_bytes(ferry_batch *b, uint32_t row, uint32_t col, int type, const char *bytes,
                          size_t len);

#endif
