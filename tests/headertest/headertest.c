/*
 * headertest.c — the public SDK headers compile on their own as C11 with
 * -pedantic -Werror (built as part of the tree), and the size and layout
 * of every public struct is pinned for ABI 1.0 on LP64: a change here is
 * an ABI change (docs/plugin-guide.md, "Versioning").
 */
#include "ferry/ferry.h"
#include "ferry/plugin.h" /* twice: include guards */
#include "ferry/types.h"

#include <stddef.h>

#if FERRY_ABI_MAJOR == 1 && defined(__LP64__)
_Static_assert(sizeof(ferry_value) == 16, "ferry_value");
_Static_assert(sizeof(ferry_column) == 32, "ferry_column");
_Static_assert(sizeof(ferry_schema) == 16, "ferry_schema");
_Static_assert(sizeof(ferry_batch) == 32, "ferry_batch");
_Static_assert(sizeof(ferry_field_style) == 48, "ferry_field_style");
_Static_assert(sizeof(ferry_option) == 56, "ferry_option");
_Static_assert(sizeof(ferry_strlist) == 16, "ferry_strlist");
_Static_assert(sizeof(ferry_buf) == 24, "ferry_buf");
_Static_assert(sizeof(ferry_query) == 24, "ferry_query");
_Static_assert(sizeof(ferry_predicate) == 24, "ferry_predicate");
_Static_assert(sizeof(ferry_artifact) == 72, "ferry_artifact");
_Static_assert(sizeof(ferry_source_ops) == 32, "ferry_source_ops (describe since 1.3)");
_Static_assert(sizeof(ferry_filter_ops) == 24, "ferry_filter_ops");
_Static_assert(sizeof(ferry_format_ops) == 32, "ferry_format_ops");
_Static_assert(sizeof(ferry_encode_ops) == 32, "ferry_encode_ops");
_Static_assert(sizeof(ferry_sink_ops) == 16, "ferry_sink_ops");
#if FERRY_ABI_MINOR == 4 /* 1.4 added an error code, no field */
_Static_assert(sizeof(ferry_host) == 128, "ferry_host (grows only at the end, minor bump)");
_Static_assert(sizeof(ferry_plugin_descriptor) == 144,
               "ferry_plugin_descriptor (grows only at the end, minor bump)");
#endif
/* ABI 1.0's descriptor ended after `sink`: 1.1 only appended. */
_Static_assert(FERRY_DESCRIPTOR_SIZE_1_0 == 136, "the 1.0 descriptor size never changes");
/* The head the loader reads first: never moves. */
_Static_assert(offsetof(ferry_plugin_descriptor, magic) == 0, "magic");
_Static_assert(offsetof(ferry_plugin_descriptor, abi_major) == 4, "abi_major");
_Static_assert(offsetof(ferry_plugin_descriptor, abi_minor) == 6, "abi_minor");
_Static_assert(offsetof(ferry_plugin_descriptor, size) == 8, "size");
_Static_assert(offsetof(ferry_plugin_descriptor, kind) == 12, "kind");
_Static_assert(offsetof(ferry_plugin_descriptor, name) == 16, "name");
/* Error codes are ABI too: never renumbered. */
_Static_assert(FERRY_ERR_DENIED == -10 && FERRY_ERR_UNAVAILABLE == -11, "error codes");
_Static_assert(offsetof(ferry_host, log) == 16, "host services start after the head");
#endif

/* A whole plugin written against the headers, to compile every macro. */
static int t_init(ferry_ctx *fx, const ferry_host *host, const void *config, void **state)
{
    (void)fx;
    (void)host;
    (void)config;
    *state = NULL;
    return 0;
}

static void t_destroy(void *state)
{
    (void)state;
}

static int t_deliver(void *state, const ferry_artifact *a, char **url)
{
    (void)state;
    (void)url;
    return ferry_artifact_meta(a, "title") ? 0 : FERRY_ERR;
}

static const ferry_sink_ops t_ops = {.deliver = t_deliver};
static const ferry_option t_options[] = {{"x", FERRY_OPT_STRING, 0, "a", "a|b", 0, "help", NULL},
                                         {0}};
static const ferry_plugin_descriptor t_plugin = {FERRY_PLUGIN_HEADER,
                                                 FERRY_KIND_SINK,
                                                 "sink-test",
                                                 "1.0.0",
                                                 "a test",
                                                 t_options,
                                                 sizeof(const char *),
                                                 0,
                                                 0,
                                                 NULL,
                                                 NULL,
                                                 t_init,
                                                 t_destroy,
                                                 NULL,
                                                 NULL,
                                                 NULL,
                                                 NULL,
                                                 &t_ops};
FERRY_PLUGIN_DEFINE(t_plugin)

int ferry_headertest_values(void);
int ferry_headertest_values(void)
{
    ferry_value v;
    ferry_value_set_i64(&v, FERRY_TYPE_DATE, 19753);
    ferry_value_set_f64(&v, 1.5);
    ferry_value_set_ref(&v, FERRY_TYPE_STRING, "x", 1);
    ferry_value_set_null(&v);
    return ferry_value_is_null(&v) && ferry_type_name(FERRY_TYPE_DURATION) != NULL;
}
