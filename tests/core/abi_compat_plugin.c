/*
 * abi_compat_plugin.c — a minimal formatter built two ways for the loader's
 * version rule: -DAS_ABI_1_0 makes a plugin as ABI 1.0 built it (minor 0,
 * the 1.0 descriptor size; its `homepage` bytes lie past that size and must
 * never be read), -DAS_NEWER_MINOR one built for a minor this ferry does
 * not know yet (refused, naming both versions).
 */
#include <stdlib.h>

#include "ferry/ferry.h"

static int init(ferry_ctx *fx, const ferry_host *host, const void *cfg, void **state)
{
    (void)fx;
    (void)host;
    (void)cfg;
    *state = NULL;
    return 0;
}

static void destroy(void *state)
{
    (void)state;
}

static int f_open(void *st, const ferry_schema *schema, ferry_output *out, const char *path,
                  const char *tmpdir, int64_t rows)
{
    return 0;
}

static int f_write(void *st, const ferry_batch *b)
{
    return 0;
}

static int f_finish(void *st)
{
    return 0;
}

static void f_close(void *st)
{
}

static const ferry_format_ops ops = {f_open, f_write, f_finish, f_close};

#if defined(AS_ABI_1_0)
#define MINOR 0
#define SIZE  FERRY_DESCRIPTOR_SIZE_1_0
#define NAME  "format-abi10"
#else
#define MINOR (FERRY_ABI_MINOR + 1)
#define SIZE  sizeof(ferry_plugin_descriptor)
#define NAME  "format-abinext"
#endif

static const ferry_plugin_descriptor desc = {FERRY_PLUGIN_MAGIC,
                                             FERRY_ABI_MAJOR,
                                             MINOR,
                                             (uint32_t)SIZE,
                                             FERRY_KIND_FORMAT,
                                             NAME,
                                             "1.0.0",
                                             "a test formatter for the ABI version rule",
                                             NULL,
                                             0,
                                             0,
                                             0,
                                             "txt",
                                             "text/plain",
                                             init,
                                             destroy,
                                             NULL,
                                             NULL,
                                             &ops,
                                             NULL,
                                             NULL,
                                             "past-the-1.0-size: must never be read"};

FERRY_PLUGIN_DEFINE(desc)
