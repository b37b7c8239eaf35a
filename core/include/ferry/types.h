/*
 * ferry/types.h — values, schemas and record batches: what travels between
 * a source, filters and a formatter.
 *
 * Part of the plugin SDK. Everything here is plain data with inline
 * readers; anything that allocates goes through the host table
 * (ferry/plugin.h), so a plugin links against nothing of the core.
 *
 * Ownership, once for the whole file:
 *  - A batch, its value array and the bytes its string values point at are
 *    owned by the core. A plugin reads them during the callback it was handed
 *    them in and keeps no pointer past that callback's return.
 *  - A schema handed to a plugin stays valid until the plugin's close.
 *  - A schema a plugin returns (a source's open, a filter's open) is owned by
 *    the plugin and must stay valid until the plugin's close.
 */
#ifndef FERRY_TYPES_H
#define FERRY_TYPES_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The type of a column or a value. The numbers are ABI: never renumber. */
typedef enum ferry_type {
    FERRY_TYPE_NULL = 0,      /* a null value; as a column type: unknown */
    FERRY_TYPE_BOOL = 1,      /* u.i64: 0 or 1 */
    FERRY_TYPE_INT64 = 2,     /* u.i64 */
    FERRY_TYPE_DOUBLE = 3,    /* u.f64 */
    FERRY_TYPE_DECIMAL = 4,   /* u.str/len: exact decimal as text, "-12.50" */
    FERRY_TYPE_STRING = 5,    /* u.str/len: bytes meant as UTF-8, not checked: may
                               * hold invalid UTF-8, NULs and controls */
    FERRY_TYPE_DATE = 6,      /* u.i64: days since 1970-01-01 */
    FERRY_TYPE_TIMESTAMP = 7, /* u.i64: microseconds since 1970-01-01T00:00:00Z */
    FERRY_TYPE_DURATION = 8,  /* u.i64: microseconds */
    FERRY_TYPE_COUNT_ = 9     /* number of types; not a type */
} ferry_type;

/*
 * One value: 16 bytes. For DECIMAL and STRING, `u.str` points at `len`
 * bytes followed by a NUL, owned by the batch (or by an input batch the
 * core keeps alive, see ferry_filter_ops); a string may hold NULs of its
 * own: use `len`. A DECIMAL is "-" or not, digits, and "." with digits
 * ("-12.50", ".5", "007"): no exponent, any number of digits.
 *
 * Read a value by its own `type`, not its column's: it is null, of its
 * column's type, or one of two wider values sources give rather than lose a
 * number: DECIMAL in an INT64 column (an integer beyond int64, BIGINT
 * UNSIGNED), INT64 in a BOOL column (a TINYINT(1) holding 2). The core
 * stops a run at any other value of another type than its column
 * (docs/plugin-guide.md, "Batches and values").
 */
typedef struct ferry_value {
    uint8_t type; /* ferry_type; FERRY_TYPE_NULL for null */
    uint8_t reserved_[3];
    uint32_t len; /* bytes of u.str, without the NUL */
    union {
        int64_t i64;
        double f64;
        const char *str;
    } u;
} ferry_value;

/* How a formatter renders durations (field configuration "duration"). */
typedef enum ferry_duration_style {
    FERRY_DURATION_HMM = 0,     /* "1:05" (hours:minutes rounded, hours unbounded) */
    FERRY_DURATION_HOURS = 1,   /* 1.08 decimal hours */
    FERRY_DURATION_SECONDS = 2, /* 3900 seconds */
    FERRY_DURATION_HMMSS = 3    /* "1:05:00", "1:05:00.250000": lossless; the default */
} ferry_duration_style;

/*
 * Per-field formatting from the field configuration. One meaning for every
 * format; the core's host->format_value renders a value by it, so CSV, PDF
 * and Excel agree. Every pointer is owned by the core.
 */
typedef struct ferry_field_style {
    const char *date_format;      /* strftime, default "%Y-%m-%d" */
    const char *timestamp_format; /* strftime, default "%Y-%m-%dT%H:%M:%S%z" */
    const char *timezone;         /* IANA name for timestamps, default "UTC" */
    const char *null_text;        /* text for null, default "" */
    int32_t decimals;             /* digits after the point for DOUBLE/HOURS; -1: shortest */
    int32_t duration_style;       /* ferry_duration_style */
    int32_t width;                /* column width in characters; 0: from the header */
    int32_t reserved_;
} ferry_field_style;

/* A column of a schema. */
typedef struct ferry_column {
    const char *name;               /* field name, as selected and filtered on */
    const char *label;              /* header text; never NULL (defaults to name) */
    int32_t type;                   /* ferry_type */
    uint32_t flags;                 /* FERRY_COLUMN_* bits (since ABI 1.2), else 0 */
    const ferry_field_style *style; /* never NULL in a schema the core hands out */
} ferry_column;

/* Column flags. A plugin that does not know a flag treats the column by its
 * type alone, so a flag only ever refines a type. */
#define FERRY_COLUMN_JSON                                                                          \
    0x1u /* STRING holding a JSON document (a JSON column):                                        \
            format-json nests it, other formats write text */

typedef struct ferry_schema {
    uint32_t ncolumns;
    uint32_t reserved_;
    const ferry_column *columns; /* ncolumns entries */
} ferry_schema;

/*
 * A record batch: `nrows` rows of `schema->ncolumns` values, row-major.
 * Created, reset and freed by the core only; plugins add rows and strings
 * through the host table (host->batch_add_row, host->batch_set_bytes).
 */
typedef struct ferry_batch {
    const ferry_schema *schema; /* borrowed; outlives the batch */
    uint32_t nrows;             /* rows in use */
    uint32_t capacity;          /* rows available before the batch is full */
    ferry_value *values;        /* capacity * ncolumns values */
    void *core_;                /* the core's arena; opaque */
} ferry_batch;

static inline ferry_value *ferry_batch_at(const ferry_batch *b, uint32_t row, uint32_t col)
{
    return &b->values[(size_t)row * b->schema->ncolumns + col];
}

static inline int ferry_value_is_null(const ferry_value *v)
{
    return v->type == FERRY_TYPE_NULL;
}

static inline void ferry_value_set_null(ferry_value *v)
{
    v->type = FERRY_TYPE_NULL;
    v->len = 0;
    v->u.i64 = 0;
}

static inline void ferry_value_set_i64(ferry_value *v, ferry_type t, int64_t x)
{
    v->type = (uint8_t)t;
    v->len = 0;
    v->u.i64 = x;
}

static inline void ferry_value_set_f64(ferry_value *v, double x)
{
    v->type = FERRY_TYPE_DOUBLE;
    v->len = 0;
    v->u.f64 = x;
}

/* Makes `v` point at bytes that outlive the batch's use (a literal, or an
 * input batch's bytes in a filter). To copy bytes, use host->batch_set_bytes. */
static inline void ferry_value_set_ref(ferry_value *v, ferry_type t, const char *s, uint32_t len)
{
    v->type = (uint8_t)t;
    v->len = len;
    v->u.str = s;
}

/* A key and a value, both text: request metadata for sinks. */
typedef struct ferry_kv {
    const char *key;
    const char *value;
} ferry_kv;

/* Names of the types, "null", "bool", "int64", … ; NULL out of range. */
static inline const char *ferry_type_name(int t)
{
    static const char *const names[FERRY_TYPE_COUNT_] = {
        "null", "bool", "int64", "double", "decimal", "string", "date", "timestamp", "duration"};
    return (t >= 0 && t < FERRY_TYPE_COUNT_) ? names[t] : NULL;
}

#ifdef __cplusplus
}
#endif

#endif /* FERRY_TYPES_H */
