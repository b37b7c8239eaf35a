/*
 * fpred.h — a compiled predicate "column OP values", its values converted
 * to the column's type, evaluated on one value at a time. Shared by
 * source-csv (a ferry_query's predicates) and filter-where (conditions).
 *
 * Semantics as SQL's: a null value satisfies only IS_NULL (every
 * comparison with null, `!=` included, is false). CONTAINS is an
 * ASCII-case-insensitive substring test on STRING and DECIMAL columns.
 */
#ifndef FERRY_PLUGINS_FPRED_H
#define FERRY_PLUGINS_FPRED_H

#include "ferry/plugin.h"

typedef struct fp_pred {
    uint32_t col; /* column index in the schema it was compiled against */
    int op;       /* ferry_op */
    uint32_t nvalues;
    ferry_value *values; /* owned (host->alloc), coerced to the column's type */
    char *bytes;         /* owned: copies of string values' bytes */
} fp_pred;

/*
 * Compiles a predicate on `column` of `schema`. Values are copied. On
 * error returns -1 and writes a message to `err` ("unknown column \"x\"").
 * The result is freed with fp_free (also after a failed compile).
 */
int fp_compile(fp_pred *out, const ferry_schema *schema, const char *column, int op,
               const ferry_value *values, uint32_t nvalues, const ferry_host *host, ferry_ctx *fx,
               char *err, size_t errcap);
void fp_free(fp_pred *p, const ferry_host *host, ferry_ctx *fx);

/* 1 when value `v` (of the predicate's column) satisfies it. */
int fp_match(const fp_pred *p, const ferry_value *v);

/* "=", "!=", "<", …, "in", "contains", "is null", "is not null". */
const char *fp_op_name(int op);

#endif
