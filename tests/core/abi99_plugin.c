/*
 * abi99_plugin.c — a test plugin (never installed) whose descriptor says it
 * was built for plugin ABI 99.0: the loader must refuse it, naming both
 * versions, before reading anything past the header.
 */
#include "ferry/plugin.h"

static const ferry_plugin_descriptor abi99 = {FERRY_PLUGIN_MAGIC,
                                              99,
                                              0,
                                              (uint32_t)sizeof(ferry_plugin_descriptor),
                                              FERRY_KIND_FORMAT,
                                              "format-abi99",
                                              "0.0.1",
                                              "a plugin built for a future plugin ABI",
                                              NULL,
                                              0,
                                              0,
                                              0,
                                              "csv",
                                              "text/csv",
                                              NULL,
                                              NULL,
                                              NULL,
                                              NULL,
                                              NULL,
                                              NULL,
                                              NULL,
                                              NULL};
FERRY_PLUGIN_DEFINE(abi99)
