/*
 * loader.h — finding, loading and checking plugins, and making instances
 * of them with their options filled from a config setting.
 *
 * Loading: dlopen(RTLD_NOW | RTLD_LOCAL); the real path is refused when
 * the file or any directory up to "/" is writable by group or others (a
 * root-owned sticky directory excepted) or owned by anyone but root or
 * ferry's user; the descriptor's magic, ABI major/minor and
 * size are checked before anything else of it is read.
 */
#ifndef FERRY_CORE_LOADER_H
#define FERRY_CORE_LOADER_H

#include <stdatomic.h>
#include <libconfig.h>

#include "error.h"
#include "ferry/plugin.h"
#include "log.h"

typedef struct ferry_plugin {
    char *path;                          /* owned */
    void *handle;                        /* dlopen handle; owned */
    const ferry_plugin_descriptor *desc; /* points at copy_; valid until close */
    /* The descriptor as this core sees it: the plugin's `size` bytes copied,
     * fields the plugin's (older, compatible) ABI lacks left zero. */
    ferry_plugin_descriptor copy_;
    /* The kind's callback table as this core sees it: only the callbacks
     * the plugin's ABI minor had copied (ferry_ops_size), later ones NULL;
     * copy_'s table pointer points here. */
    union {
        ferry_source_ops source;
        ferry_filter_ops filter;
        ferry_format_ops format;
        ferry_encode_ops encode;
        ferry_sink_ops sink;
    } ops_;
} ferry_plugin;

/* Bytes of `kind`'s callback table a plugin built for ABI minor `minor`
 * (of this major) has: all the core ever reads of it. 0 for an unknown
 * kind or a minor newer than the core's. */
size_t ferry_ops_size(int kind, unsigned minor);

/* Loads the .so at `path`. *out owned by the caller: ferry_plugin_close. */
int ferry_plugin_open(ferry_plugin **out, const char *path, ferry_err *err);
/* Finds NAME.so in `dirs` (first match) and loads it. */
int ferry_plugin_find(ferry_plugin **out, char *const *dirs, size_t ndirs, const char *name,
                      ferry_err *err);
void ferry_plugin_close(ferry_plugin *p); /* accepts NULL */

/* Checks an option table: types known, names unique and non-empty, defaults
 * parse and are allowed, required options have no default, help present. */
int ferry_options_check_table(const ferry_option *table, ferry_err *err);

/* Human name of a kind ("source", …) and of an option type ("string", …). */
const char *ferry_kind_name(int kind);
const char *ferry_opt_type_name(int type);

/* One plugin instance: its filled config, its state, its ferry_ctx. */
typedef struct ferry_instance ferry_instance;

/*
 * Makes an instance: fills the config struct from `settings` (a libconfig
 * group; may be NULL), over `defaults` (site-wide defaults from ferry.conf
 * plugins.<name>; may be NULL), over the table's defaults; rejects unknown
 * keys, wrong types, values not allowed and missing required options with
 * "file:line: plugin NAME: option …"; then calls init. `skip` lists keys of
 * `settings` that belong to the core ("plugin"), NULL-terminated.
 * *out owned by the caller: ferry_instance_free.
 */
int ferry_instance_new(ferry_instance **out, ferry_plugin *plugin, const config_setting_t *settings,
                       const config_setting_t *defaults, const char *const *skip,
                       const ferry_log *log, ferry_err *err);
/* Calls the plugin's destroy (once); the instance's counters stay readable
 * (ferry_instance_live_bytes: what the plugin never gave back). */
void ferry_instance_destroy(ferry_instance *inst);
/* Calls destroy if not yet called and frees the config. Accepts NULL. */
void ferry_instance_free(ferry_instance *inst);

const ferry_plugin_descriptor *ferry_instance_desc(const ferry_instance *inst);
void *ferry_instance_state(const ferry_instance *inst);
/* The instance's last error message (host->error), or "" */
const char *ferry_instance_error(const ferry_instance *inst);
/* Sets the flag host->cancelled reads (shared by a run's instances). */
void ferry_instance_set_cancel(ferry_instance *inst, atomic_int *flag);
/* The ferry_ctx handed to the plugin. */
ferry_ctx *ferry_instance_ctx(ferry_instance *inst);
/* Where a libconfig setting came from: "file:line", or the label attached
 * with ferry_setting_label (for --set and request overrides). */
void ferry_setting_where(const config_setting_t *s, char *buf, size_t len);
/* Attaches a static or long-lived label to a setting (its hook). */
void ferry_setting_label(config_setting_t *s, const char *label);
/* Bytes and blocks allocated through host->alloc and not yet freed. */
size_t ferry_instance_live_bytes(const ferry_instance *inst);
size_t ferry_instance_live_blocks(const ferry_instance *inst);
/* How many values the instance reported through host->warn; 0 for NULL. */
uint64_t ferry_instance_warnings(const ferry_instance *inst);
/* The row estimate the instance reported (host->row_estimate); -1: none. */
int64_t ferry_instance_row_estimate(const ferry_instance *inst);

/* The host table the core hands to plugins (static, const). */
const ferry_host *ferry_host_table(void);

#endif
