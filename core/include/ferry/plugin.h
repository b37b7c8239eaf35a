/*
 * ferry/plugin.h — the plugin contract: descriptor, option table, host
 * services and the callbacks of each kind.
 *
 * A plugin is one shared object exporting one function,
 * ferry_plugin_get_descriptor(), written by FERRY_PLUGIN_DEFINE. The core checks
 * the descriptor's magic, ABI version and size before it reads anything
 * else (docs/plugin-guide.md, "Versioning").
 *
 * Ownership and lifetime:
 *  - The descriptor and everything it points at are the plugin's, static
 *    and const, valid while the plugin is loaded.
 *  - `config` handed to init is a struct of the plugin's `config_size`
 *    bytes, filled by the core from the option table; it and every string
 *    in it are owned by the core and valid until destroy returns. The
 *    plugin never frees them.
 *  - The `state` a plugin returns from init is the plugin's; destroy frees
 *    it. destroy may be called after a failed init with whatever init left
 *    in *state (NULL or half built).
 *  - `fx` (ferry_ctx) and `host` are the core's, valid until destroy returns.
 *  - Memory that crosses the boundary is allocated with host->alloc and
 *    given back with host->free; `ferry plugins check` reports what a plugin
 *    allocated that way and never gave back.
 *
 * Errors: every callback returns 0 on success or a negative ferry_error;
 * before returning an error, a plugin calls host->error(fx, …) with a
 * one-line message (no trailing newline) that names the option, file or
 * value at fault. A plugin never calls exit(), never writes to stdout and
 * never longjmps out of a callback.
 *
 * Threads: one plugin instance is called from one thread at a time; a
 * source's callbacks run on the source thread, every other kind's on the
 * pipeline thread. Distinct instances may run at once: no mutable globals.
 */
#ifndef FERRY_PLUGIN_H
#define FERRY_PLUGIN_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "ferry/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ABI version. Rule (docs/plugin-guide.md): a change that breaks a built
 * plugin (a field moved, renamed, retyped or removed, a callback's meaning
 * changed) bumps MAJOR and resets MINOR; an addition at the end of a struct
 * or table bumps MINOR. The core loads a plugin with the same MAJOR and a
 * MINOR no newer than its own. */
#define FERRY_ABI_MAJOR    1
#define FERRY_ABI_MINOR    4
#define FERRY_PLUGIN_MAGIC 0x59525246u /* "FRRY" little-endian */

#if defined(_WIN32)
#define FERRY_EXPORT __declspec(dllexport)
#else
#define FERRY_EXPORT __attribute__((visibility("default")))
#endif

#if defined(__GNUC__)
#define FERRY_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define FERRY_PRINTF(f, a)
#endif

/* Return codes. 0 is success; every error is negative. */
typedef enum ferry_error {
    FERRY_OK = 0,
    FERRY_ERR = -1,         /* generic failure, see the message */
    FERRY_ERR_NOMEM = -2,   /* out of memory */
    FERRY_ERR_CONFIG = -3,  /* a bad option or config value */
    FERRY_ERR_IO = -4,      /* a read or write failed */
    FERRY_ERR_DB = -5,      /* the database failed */
    FERRY_ERR_DATA = -6,    /* a value that cannot be handled */
    FERRY_ERR_LIMIT = -7,   /* a configured limit was hit (row cap, size) */
    FERRY_ERR_CANCEL = -8,  /* the run was cancelled */
    FERRY_ERR_DELIVER = -9, /* a sink could not deliver */
    FERRY_ERR_DENIED = -10, /* not allowed (access, unsafe path) */
    /* Since ABI 1.4: a service the plugin needs (its database, a server)
     * could not be reached or would not take a connection now — refused,
     * too many connections, shutting down, lost before any work was done;
     * trying later may succeed and nothing the caller asked for was at
     * fault. Not a wrong password, an unknown host, a bad query. The worker
     * defers a request whose source's open returns it without counting the
     * attempt (docs/plugin-guide.md, "ABI 1.4"); older cores treat it as a
     * plain error. */
    FERRY_ERR_UNAVAILABLE = -11
} ferry_error;

typedef enum ferry_kind {
    FERRY_KIND_SOURCE = 1,
    FERRY_KIND_FILTER = 2,
    FERRY_KIND_FORMAT = 3,
    FERRY_KIND_ENCODE = 4,
    FERRY_KIND_SINK = 5
} ferry_kind;

typedef enum ferry_log_level {
    FERRY_LOG_ERROR = 0,
    FERRY_LOG_WARN = 1,
    FERRY_LOG_INFO = 2,
    FERRY_LOG_DEBUG = 3
} ferry_log_level;

/* ---- Options: a declarative table, filled by the core ------------------ */

typedef enum ferry_opt_type {
    FERRY_OPT_END = 0,    /* ends the table: {0} */
    FERRY_OPT_STRING = 1, /* const char * (NULL when unset and no default) */
    FERRY_OPT_INT = 2,    /* int64_t */
    FERRY_OPT_BOOL = 3,   /* int, 0 or 1 */
    FERRY_OPT_DOUBLE = 4, /* double */
    FERRY_OPT_LIST = 5    /* ferry_strlist: a list of strings */
} ferry_opt_type;

#define FERRY_OPT_REQUIRED 0x1u /* must be set; `default_value` must be NULL */
#define FERRY_OPT_SECRET   0x2u /* never printed or logged */
#define FERRY_OPT_PATH                                                                             \
    0x4u /* a file path: relative values are resolved against the                                  \
          * directory of the config file that set them */
/* Since ABI 1.2: a template's layout_settings may set it (the request
 * contract refuses any other option of the format unless ferry.conf's
 * requests.template_options allows it). Only presentation: never a path, a
 * cap or a safety switch. Older cores ignore the bit. */
#define FERRY_OPT_TEMPLATE 0x8u

typedef struct ferry_strlist {
    size_t n;
    const char *const *items; /* n strings, owned by the core */
} ferry_strlist;

/*
 * One row of an option table. The table ends with a row of type
 * FERRY_OPT_END ({0}). `default_value` is text in the option's own syntax
 * ("4096", "true", "a,b" for a list); `allowed` is NULL or "a|b|c" and
 * applies to STRING options and to each item of a LIST. `offset` is
 * offsetof(your_config, field); the field's C type follows the option type
 * (see ferry_opt_type).
 */
typedef struct ferry_option {
    const char *name;
    int32_t type; /* ferry_opt_type */
    uint32_t flags;
    const char *default_value;
    const char *allowed;
    size_t offset;
    const char *help;    /* one line */
    const char *example; /* a value `ferry plugins check` may use; NULL: default */
} ferry_option;

/*
 * FERRY_OPTION(name, type, flags, default, allowed, config_struct, field,
 * help, example) — one row of an option table, with the offset of `field`
 * in `config_struct` taken by offsetof:
 *
 *   static const ferry_option my_options[] = {
 *       FERRY_OPTION("level", FERRY_OPT_INT, 0, "6", NULL, my_config, level,
 *                    "compression level, 0 to 9", "9"),
 *       {0}};
 */
#ifdef __cplusplus
#define FERRY_OPTION(o_name, o_type, o_flags, o_default, o_allowed, o_struct, o_field, o_help,     \
                     o_example)                                                                    \
    {                                                                                              \
        (o_name), (o_type), (o_flags), (o_default), (o_allowed), offsetof(o_struct, o_field),      \
            (o_help), (o_example)                                                                  \
    }
#else
#define FERRY_OPTION(o_name, o_type, o_flags, o_default, o_allowed, o_struct, o_field, o_help,     \
                     o_example)                                                                    \
    {                                                                                              \
        .name = (o_name), .type = (o_type), .flags = (o_flags), .default_value = (o_default),      \
        .allowed = (o_allowed), .offset = offsetof(o_struct, o_field), .help = (o_help),           \
        .example = (o_example)                                                                     \
    }
#endif

/* ---- Host services ------------------------------------------------------ */

typedef struct ferry_ctx ferry_ctx;       /* one plugin instance's handle; opaque */
typedef struct ferry_output ferry_output; /* a byte stream owned by the core; opaque */

/* A growable byte buffer whose bytes belong to the core. Start it as
 * `ferry_buf b = {0};`, append with host->buf_append (host->format_value
 * appends too), empty it for reuse with `b.len = 0`, and give its bytes
 * back with host->buf_free(&b) (in destroy at the latest; {0} again). */
typedef struct ferry_buf {
    char *data; /* NUL-terminated while len < cap */
    size_t len;
    size_t cap;
} ferry_buf;

/*
 * The host table, handed to every plugin at init. It only grows at the
 * end: a plugin built for ABI minor N reads fields up to minor N, and may
 * check `size` before reading later ones.
 */
typedef struct ferry_host {
    uint32_t abi_major;
    uint32_t abi_minor;
    uint32_t size; /* sizeof(ferry_host) of the core */
    uint32_t reserved_;

    /* Logging, to the core's log (stderr, logfmt). */
    void (*log)(ferry_ctx *fx, int level, const char *fmt, ...) FERRY_PRINTF(3, 4);
    /* Records the instance's error message; returns `code` for `return host->error(...)`. */
    int (*error)(ferry_ctx *fx, int code, const char *fmt, ...) FERRY_PRINTF(3, 4);
    /* Non-zero once the run is being cancelled (SIGINT, SIGTERM, a lost lease). */
    int (*cancelled)(ferry_ctx *fx);

    /* Memory that crosses the boundary, counted per instance. */
    void *(*alloc)(ferry_ctx *fx, size_t size);
    void (*free)(ferry_ctx *fx, void *ptr);

    /* Batches. batch_add_row returns the new row's index, or -1 when full;
     * its values start null. batch_set_bytes copies `len` bytes into the
     * batch's arena and points the value at them. */
    int64_t (*batch_add_row)(ferry_batch *b);
    int (*batch_set_bytes)(ferry_batch *b, uint32_t row, uint32_t col, int type, const char *bytes,
                           size_t len);

    /* Output stream (formatters write to it; encoders write to the next). */
    int (*output_write)(ferry_output *out, const void *data, size_t len);

    /* Buffers. */
    int (*buf_append)(ferry_buf *buf, const void *data, size_t len);
    void (*buf_free)(ferry_buf *buf);

    /* Renders `v` of column `col` as text by its field style, appending to
     * `buf` (dates, timestamps in the style's zone, durations, decimals,
     * null text). Returns 0 or an error. */
    int (*format_value)(ferry_ctx *fx, const ferry_column *col, const ferry_value *v,
                        ferry_buf *buf);

    /* ---- since ABI 1.2 (check host->size or host->abi_minor >= 2) ---- */

    /* Reports a value the plugin could not carry exactly (an Excel cell
     * longer than 32,767 characters, a date outside a format's range, NaN
     * in JSON): `row` is the 1-based data row of the artifact, `col` the
     * 0-based column of the schema the plugin was handed (-1: none). The
     * core logs the first 20 at warn level (the rest at debug), counts
     * every one, and puts the count in the run's summary and the
     * request's record. Never fails. */
    void (*warn)(ferry_ctx *fx, uint64_t row, int32_t col, const char *fmt, ...) FERRY_PRINTF(4, 5);
    /* Sets *offset_seconds to the offset east of UTC of IANA zone `tz`
     * ("Europe/Berlin"; NULL or "" is UTC) at `utc_seconds` since the
     * epoch, from the system's TZif files (never the process's TZ; any
     * thread). Returns 0, or FERRY_ERR_CONFIG for an unknown or malformed
     * zone (*offset_seconds 0; no message recorded: report it with
     * host->error). Appended in 1.2 after warn: check host->size. */
    int (*zone_offset)(ferry_ctx *fx, const char *tz, int64_t utc_seconds, int32_t *offset_seconds);

    /* A source's estimate of its row count (the optimizer's, not a count),
     * from open: used for progress only, shown as an estimate, never for
     * row caps (open's *row_count stays -1 unless the rows were counted).
     * Appended in 1.3 after zone_offset: check host->size. */
    void (*row_estimate)(ferry_ctx *fx, int64_t rows);
} ferry_host;

/* ---- Query: what a request asks of a source ------------------------------ */

typedef enum ferry_op {
    FERRY_OP_EQ = 1,
    FERRY_OP_NE = 2,
    FERRY_OP_LT = 3,
    FERRY_OP_LTE = 4,
    FERRY_OP_GT = 5,
    FERRY_OP_GTE = 6,
    FERRY_OP_IN = 7,       /* nvalues >= 1 */
    FERRY_OP_CONTAINS = 8, /* substring; one string value */
    FERRY_OP_IS_NULL = 9,  /* no value */
    FERRY_OP_NOT_NULL = 10 /* no value */
} ferry_op;

/* column OP value(s). Values are STRING, INT64, DOUBLE or BOOL; a source
 * binds them as parameters and never splices them into query text. */
typedef struct ferry_predicate {
    const char *column;
    int32_t op; /* ferry_op */
    uint32_t nvalues;
    const ferry_value *values;
} ferry_predicate;

/*
 * The columns to produce, in order, and predicates that all must hold. The
 * core has checked every column against the pipeline's allowed fields;
 * owner scoping and the date range arrive here as predicates like any
 * other. A source that cannot apply a predicate must fail, never ignore it.
 */
typedef struct ferry_query {
    uint32_t nfields;
    uint32_t npredicates;
    const char *const *fields; /* nfields names; 0 fields: all */
    const ferry_predicate *predicates;
} ferry_query;

/* ---- The artifact a sink delivers ----------------------------------------- */

typedef struct ferry_artifact {
    const char *path;         /* published file, absolute */
    const char *name;         /* file name offered to users, "report.csv.gz" */
    const char *content_type; /* "text/csv; charset=utf-8", "application/gzip" */
    const char *sha256;       /* 64 lowercase hex digits */
    uint64_t size;            /* bytes */
    uint64_t rows;            /* records written */
    const char *download_url; /* set by an earlier sink, or NULL */
    size_t nmeta;
    const ferry_kv *meta; /* request metadata: "request_id", "title", "user_email",
                             "email_recipients" (JSON array), "include_download_link",
                             "attach_file", "expires_at" (ISO 8601 UTC), … */
} ferry_artifact;

static inline const char *ferry_artifact_meta(const ferry_artifact *a, const char *key)
{
    size_t i, k;
    for (i = 0; i < a->nmeta; i++) {
        const char *x = a->meta[i].key, *y = key;
        for (k = 0; x[k] && x[k] == y[k]; k++)
            ;
        if (x[k] == y[k])
            return a->meta[i].value;
    }
    return NULL;
}

/* ---- Callbacks of each kind -------------------------------------------- */

typedef struct ferry_source_ops {
    /* Opens the source for `query`: sets *schema (owned by the plugin, valid
     * until destroy) and *row_count (-1 when unknown). */
    int (*open)(void *state, const ferry_query *query, const ferry_schema **schema,
                int64_t *row_count);
    /* Fills `batch` (empty, of the schema open returned) with up to its
     * capacity rows; sets *eof when no rows are left (the batch may hold
     * rows too). */
    int (*read)(void *state, ferry_batch *batch, int *eof);
    /* Ends the read; called after a successful open, also on failure. */
    void (*close)(void *state);

    /* ---- since ABI 1.3; optional (NULL) ---- */
    /* The columns open would give for a query of all fields, without reading
     * a row (a SQL source prepares its query with LIMIT 0): sets *schema
     * (the plugin's, valid until the next describe or open, or destroy).
     * `ferry run --check` checks the pipeline's fields against it.
     * FERRY_ERR_CONFIG when the configured query itself is wrong. */
    int (*describe)(void *state, const ferry_schema **schema);
} ferry_source_ops;

typedef struct ferry_filter_ops {
    /* Gets the input schema, sets *out (the plugin's, or `in` itself). */
    int (*open)(void *state, const ferry_schema *in, const ferry_schema **out);
    /* Writes rows derived from `in` into `out` (empty, of the output schema,
     * capacity >= in->nrows). Values in `out` may point at bytes of `in`:
     * the core keeps `in` alive until `out` is consumed. */
    int (*process)(void *state, const ferry_batch *in, ferry_batch *out);
    void (*close)(void *state);
} ferry_filter_ops;

#define FERRY_FORMAT_WANTS_FILE 0x1u /* writes to a file path instead of the stream */

typedef struct ferry_format_ops {
    /* Starts the document. `out` is the stream, or NULL for a WANTS_FILE
     * formatter, which writes `path` (the staging file) and may put
     * temporary files in `tmpdir`. `row_count` is the source's, or -1. */
    int (*open)(void *state, const ferry_schema *schema, ferry_output *out, const char *path,
                const char *tmpdir, int64_t row_count);
    int (*write)(void *state, const ferry_batch *batch);
    /* Ends the document; after it, nothing more is written. */
    int (*finish)(void *state);
    void (*close)(void *state);
} ferry_format_ops;

typedef struct ferry_encode_ops {
    /* Starts encoding into `next`. */
    int (*open)(void *state, ferry_output *next);
    int (*write)(void *state, const void *data, size_t len);
    int (*finish)(void *state);
    void (*close)(void *state);
} ferry_encode_ops;

#define FERRY_SINK_AFTER_COMMIT                                                                    \
    0x1u /* runs after the request's completion is committed (email)                               \
          */

typedef struct ferry_sink_ops {
    /* Delivers the published artifact. May set the download URL for later
     * sinks and for the request row: *url_out = host->alloc'd string, or
     * left NULL. */
    int (*deliver)(void *state, const ferry_artifact *artifact, char **url_out);

    /* ---- since ABI 1.3 (may be NULL) ---- */

    /* An after-commit sink that delivers to independent targets (email
     * recipients) names them: each appended to `out` (host->buf_append)
     * followed by a NUL byte, as the request gave them, even a malformed
     * one. The core records one delivery per target in the database and
     * calls deliver once per target with request metadata "delivery_target"
     * set to it; deliver then serves that target only, returning
     * FERRY_ERR_DATA when it can never succeed (a malformed address) and
     * another error when a later try may. */
    int (*targets)(void *state, const ferry_artifact *artifact, ferry_buf *out);
} ferry_sink_ops;

/* ---- The descriptor ---------------------------------------------------- */

typedef struct ferry_plugin_descriptor {
    /* Checked before anything else is read. Never move these four. */
    uint32_t magic;     /* FERRY_PLUGIN_MAGIC */
    uint16_t abi_major; /* FERRY_ABI_MAJOR the plugin was built with */
    uint16_t abi_minor; /* FERRY_ABI_MINOR the plugin was built with */
    uint32_t size;      /* sizeof(ferry_plugin_descriptor) it was built with */
    int32_t kind;       /* ferry_kind */

    const char *name;            /* "<kind>-<name>", e.g. "format-csv" */
    const char *version;         /* the plugin's own version, "1.2.0" */
    const char *description;     /* one line */
    const ferry_option *options; /* table ending in {0}; may be NULL */
    size_t config_size;          /* bytes of the config struct the table fills */
    uint32_t flags;              /* FERRY_FORMAT_WANTS_FILE, FERRY_SINK_AFTER_COMMIT */
    uint32_t reserved_;
    const char *extension;    /* formats and encoders: "csv", "gz" */
    const char *content_type; /* formats and encoders: "text/csv; charset=utf-8" */

    int (*init)(ferry_ctx *fx, const ferry_host *host, const void *config, void **state);
    void (*destroy)(void *state);

    /* The callbacks of `kind`; the others NULL. */
    const ferry_source_ops *source;
    const ferry_filter_ops *filter;
    const ferry_format_ops *format;
    const ferry_encode_ops *encode;
    const ferry_sink_ops *sink;

    /* ---- since ABI 1.1 ---- */
    const char *homepage; /* where the plugin's documentation lives, or NULL */
    /* New fields go here, at the end, with a minor version bump. */
} ferry_plugin_descriptor;

/* The descriptor's size in ABI 1.0: the smallest the loader accepts. */
#define FERRY_DESCRIPTOR_SIZE_1_0 (offsetof(ferry_plugin_descriptor, sink) + sizeof(void *))

typedef const ferry_plugin_descriptor *(*ferry_plugin_descriptor_fn)(void);

/* The exported function's name. (It cannot be `ferry_plugin_descriptor`:
 * C gives typedefs and functions one namespace.) */
#define FERRY_PLUGIN_SYMBOL "ferry_plugin_get_descriptor"

/*
 * FERRY_PLUGIN_DEFINE(variable) — exports ferry_plugin_get_descriptor() for a
 * `static const ferry_plugin_descriptor variable` defined above it:
 *
 *   static const ferry_plugin_descriptor my_plugin = {
 *       FERRY_PLUGIN_HEADER, FERRY_KIND_FILTER, "filter-upper", "1.0.0", ...};
 *   FERRY_PLUGIN_DEFINE(my_plugin)
 */
#ifdef __cplusplus
#define FERRY_PLUGIN_HEADER                                                                        \
    FERRY_PLUGIN_MAGIC, FERRY_ABI_MAJOR, FERRY_ABI_MINOR, (uint32_t)sizeof(ferry_plugin_descriptor)
#else
/* Designated, so that fields a later minor version appends need no edit
 * (and draw no -Wmissing-field-initializers) in plugins written before. */
#define FERRY_PLUGIN_HEADER                                                                        \
    .magic = FERRY_PLUGIN_MAGIC, .abi_major = FERRY_ABI_MAJOR, .abi_minor = FERRY_ABI_MINOR,       \
    .size = (uint32_t)sizeof(ferry_plugin_descriptor)
#endif

#ifdef __cplusplus
#define FERRY_PLUGIN_DEFINE(var)                                                                   \
    extern "C" FERRY_EXPORT const ferry_plugin_descriptor *ferry_plugin_get_descriptor(void);      \
    extern "C" FERRY_EXPORT const ferry_plugin_descriptor *ferry_plugin_get_descriptor(void)       \
    {                                                                                              \
        return &(var);                                                                             \
    }
#else
#define FERRY_PLUGIN_DEFINE(var)                                                                   \
    FERRY_EXPORT const ferry_plugin_descriptor *ferry_plugin_get_descriptor(void);                 \
    FERRY_EXPORT const ferry_plugin_descriptor *ferry_plugin_get_descriptor(void)                  \
    {                                                                                              \
        return &(var);                                                                             \
    }
#endif

#ifdef __cplusplus
}
#endif

#endif /* FERRY_PLUGIN_H */
