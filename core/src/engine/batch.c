/*
 * batch.c — record batches: a value array and an arena of large blocks for
 * string bytes. Blocks never move once allocated (values point into them);
 * reset keeps the first block and frees the rest, so a batch reused by the
 * pipeline settles at one allocation for values and one for bytes.
 */
#include "batch.h"

#include "ferry/plugin.h"

#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK (256u * 1024u)

typedef struct arena_block {
    struct arena_block *next;
    size_t cap;
    size_t used;
    char data[];
} arena_block;

typedef struct arena {
    arena_block *head; /* current block (most recent) */
    arena_block *first;
    size_t total;
} arena;

static arena_block *block_new(size_t cap)
{
    arena_block *b = malloc(sizeof *b + cap);
    if (b) {
        b->next = NULL;
        b->cap = cap;
        b->used = 0;
    }
    return b;
}

ferry_batch *ferry_batch_new(const ferry_schema *schema, uint32_t capacity)
{
    ferry_batch *b = calloc(1, sizeof *b);
    arena *a = calloc(1, sizeof *a);
    size_t ncols = schema->ncolumns ? schema->ncolumns : 1;
    ferry_value *values = calloc((size_t)capacity * ncols, sizeof *values);
    if (!b || !a || !values) {
        free(b);
        free(a);
        free(values);
        return NULL;
    }
    b->schema = schema;
    b->capacity = capacity;
    b->values = values;
    b->core_ = a;
    return b;
}

uint32_t ferry_batch_rows(uint32_t rows, uint32_t ncolumns)
{
    uint32_t most = ncolumns ? FERRY_BATCH_VALUES / ncolumns : rows;
    if (most == 0)
        most = 1;
    return rows < most ? rows : most;
}

void ferry_batch_reset(ferry_batch *b)
{
    arena *a = b->core_;
    if (a->first && a->first->next) {
        /* The batch outgrew its first block: settle on one block as large
         * as all of them, so the next fill allocates nothing. */
        size_t cap = a->total;
        arena_block *x = a->first;
        while (x) {
            arena_block *n = x->next;
            free(x);
            x = n;
        }
        a->first = a->head = block_new(cap);
        a->total = a->first ? cap : 0;
    } else if (a->first) {
        arena_block *x = a->first->next;
        while (x) {
            arena_block *n = x->next;
            free(x);
            x = n;
        }
        a->first->next = NULL;
        a->first->used = 0;
        a->head = a->first;
        a->total = a->first->cap;
    }
    b->nrows = 0;
}

void ferry_batch_free(ferry_batch *b)
{
    if (!b)
        return;
    arena *a = b->core_;
    if (a) {
        arena_block *x = a->first;
        while (x) {
            arena_block *n = x->next;
            free(x);
            x = n;
        }
        free(a);
    }
    free(b->values);
    free(b);
}

int64_t ferry_batch_add_row(ferry_batch *b)
{
    if (b->nrows >= b->capacity)
        return -1;
    uint32_t row = b->nrows++;
    memset(&b->values[(size_t)row * b->schema->ncolumns], 0,
           b->schema->ncolumns * sizeof(ferry_value));
    return row;
}

static char *arena_alloc(arena *a, size_t n)
{
    if (!a->head || a->head->cap - a->head->used < n) {
        size_t cap = n > ARENA_BLOCK ? n : ARENA_BLOCK;
        arena_block *blk = block_new(cap);
        if (!blk)
            return NULL;
        if (!a->first)
            a->first = blk;
        else
            a->head->next = blk;
        a->head = blk;
        a->total += cap;
    }
    char *p = a->head->data + a->head->used;
    a->head->used += n;
    return p;
}

int ferry_batch_set_bytes(ferry_batch *b, uint32_t row, uint32_t col, int type, const char *bytes,
                          size_t len)
{
    if (row >= b->nrows || col >= b->schema->ncolumns || len > UINT32_MAX - 1)
        return FERRY_ERR;
    char *p = arena_alloc(b->core_, len + 1);
    if (!p)
        return FERRY_ERR_NOMEM;
    if (len)
        memcpy(p, bytes, len);
    p[len] = '\0';
    ferry_value_set_ref(ferry_batch_at(b, row, col), (ferry_type)type, p, (uint32_t)len);
    return 0;
}

/* [+-]digits[.digits], with at least one digit (".5" and "5." too). */
static int decimal_ok(const char *s, uint32_t len)
{
    uint32_t i = 0, nd = 0;
    if (i < len && (s[i] == '-' || s[i] == '+'))
        i++;
    while (i < len && s[i] >= '0' && s[i] <= '9')
        i++, nd++;
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++, nd++;
    }
    return nd > 0 && i == len;
}

/* The two values of another type than their column that sources give
 * (ferry/types.h): an integer column's value beyond int64 as DECIMAL text
 * (BIGINT UNSIGNED), a bool column's value that is neither 0 nor 1 as
 * INT64 (a TINYINT(1) holding 2). */
static int wider(int column_type, int value_type)
{
    return (column_type == FERRY_TYPE_INT64 && value_type == FERRY_TYPE_DECIMAL) ||
           (column_type == FERRY_TYPE_BOOL && value_type == FERRY_TYPE_INT64);
}

static const char *value_problem(int type, const ferry_value *v)
{
    if (v->type == FERRY_TYPE_NULL)
        return NULL;
    if (v->type != type && !wider(type, v->type))
        return "a value of another type than its column";
    switch (v->type) {
    case FERRY_TYPE_BOOL:
        return (v->u.i64 == 0 || v->u.i64 == 1) ? NULL : "a bool that is neither 0 nor 1";
    case FERRY_TYPE_STRING:
        return (v->len && !v->u.str) ? "a string with a NULL pointer" : NULL;
    case FERRY_TYPE_DECIMAL:
        if (!v->u.str)
            return "a decimal with a NULL pointer";
        return decimal_ok(v->u.str, v->len) ? NULL : "a decimal that is not a number";
    default:
        return NULL;
    }
}

const char *ferry_batch_problem(const ferry_batch *b, uint32_t *row, uint32_t *col)
{
    *row = *col = 0;
    if (b->nrows > b->capacity)
        return "more rows than the batch's capacity";
    uint32_t ncol = b->schema->ncolumns;
    const ferry_column *cols = b->schema->columns;
    for (uint32_t r = 0; r < b->nrows; r++) {
        const ferry_value *v = &b->values[(size_t)r * ncol];
        for (uint32_t k = 0; k < ncol; k++) {
            /* the common cases first: NULL, a value of its column's plain
             * type, a string with its bytes */
            int t = v[k].type;
            if (t == FERRY_TYPE_NULL)
                continue;
            if (t == cols[k].type && t != FERRY_TYPE_BOOL && t != FERRY_TYPE_DECIMAL &&
                (t != FERRY_TYPE_STRING || v[k].u.str || !v[k].len))
                continue;
            const char *why = value_problem(cols[k].type, &v[k]);
            if (why) {
                *row = r;
                *col = k;
                return why;
            }
        }
    }
    return NULL;
}
