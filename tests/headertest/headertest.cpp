/*
 * headertest.cpp — the public SDK headers compile as C++ (g++ -std=c++11
 * -pedantic -Wall -Wextra -Werror): their own extern "C" blocks, no C-only
 * syntax in the inline functions, and FERRY_PLUGIN_DEFINE in a C++ plugin
 * exports an unmangled ferry_plugin_get_descriptor.
 */
#include "ferry/ferry.h"

#include <cstring>

static int t_init(ferry_ctx *, const ferry_host *, const void *, void **state)
{
    *state = nullptr;
    return 0;
}

static void t_destroy(void *)
{
}

static int t_open(void *, const ferry_schema *in, const ferry_schema **out)
{
    *out = in;
    return 0;
}

static int t_process(void *, const ferry_batch *in, ferry_batch *out)
{
    for (uint32_t r = 0; r < in->nrows && r < out->capacity; r++)
        std::memcpy(ferry_batch_at(out, r, 0), ferry_batch_at(in, r, 0),
                    in->schema->ncolumns * sizeof(ferry_value));
    return 0;
}

static void t_close(void *)
{
}

static const ferry_filter_ops t_ops = {t_open, t_process, t_close};
static const ferry_option t_options[] = {
    {"x", FERRY_OPT_LIST, FERRY_OPT_REQUIRED, nullptr, nullptr, 0, "help", "a,b"},
    {nullptr, 0, 0, nullptr, nullptr, 0, nullptr, nullptr}};
static const ferry_plugin_descriptor t_plugin = {FERRY_PLUGIN_HEADER,
                                                 FERRY_KIND_FILTER,
                                                 "filter-cxx",
                                                 "1.0.0",
                                                 "a C++ test",
                                                 t_options,
                                                 sizeof(ferry_strlist),
                                                 0,
                                                 0,
                                                 nullptr,
                                                 nullptr,
                                                 t_init,
                                                 t_destroy,
                                                 nullptr,
                                                 &t_ops,
                                                 nullptr,
                                                 nullptr,
                                                 nullptr,
                                                 nullptr}; /* homepage (1.1) */
FERRY_PLUGIN_DEFINE(t_plugin)

int main()
{
    ferry_value v;
    ferry_value_set_ref(&v, FERRY_TYPE_STRING, "x", 1);
    const ferry_plugin_descriptor *d = ferry_plugin_get_descriptor();
    return (d->magic == FERRY_PLUGIN_MAGIC && !ferry_value_is_null(&v)) ? 0 : 1;
}
