/*
 * rows_json.h — query results as JSON for `--json` output: a row as an
 * object of its column names (SQL NULL as null, every other value as the
 * text the server sent, so that ids, decimals and times keep their exact
 * form).
 */
#ifndef FERRY_CORE_ROWS_JSON_H
#define FERRY_CORE_ROWS_JSON_H

#include <jansson.h>

#include "db.h"

/* Row `i` of r as a new JSON object. */
json_t *ferry_row_json(const fdb_rows *r, size_t i);

/* Prints every row of r, one JSON object a line. */
void ferry_rows_print_jsonl(const fdb_rows *r);

#endif
