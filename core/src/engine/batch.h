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
void ferry_batch_reset(ferry_batch *b);
void ferry_batch_free(ferry_batch *b); /* accepts NULL */

/* The host table's batch functions. */
int64_t ferry_batch_add_row(ferry_batch *b);
int ferry_batch_set_bytes(ferry_batch *b, uint32_t row, uint32_t col, int type, const char *bytes,
                          size_t len);

#endif
