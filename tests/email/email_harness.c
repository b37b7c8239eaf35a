/*
 * email_harness.c — drives the sink-email plugin through the core's loader,
 * as a run does: ferry_plugin_open, ferry_instance_new (options from a
 * libconfig file, site-wide defaults merged under them), then the sink's
 * deliver on a real published file. Used by email_test.py.
 *
 *   email_harness PLUGIN.so CONFIG FILE NAME [--url URL] [--rows N] [key=value…]
 *
 * CONFIG holds `sink = { … }` (the pipeline's settings) and optionally
 * `defaults = { … }` (ferry.conf's plugins.sink-email). key=value pairs are
 * the request metadata. Prints nothing on stdout; on failure prints the
 * plugin's error on stderr and exits 1 (2 for a config error at init).
 */
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "loader.h"

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: email_harness PLUGIN.so CONFIG FILE NAME [--url U] [--rows N] "
                        "[key=value…]\n");
        return 2;
    }
    ferry_err err = FERRY_ERR_INIT;
    ferry_log log = {FERRY_LOG_DEBUG, "email-test", 0};
    ferry_plugin *plugin = NULL;
    if (ferry_plugin_open(&plugin, argv[1], &err)) {
        fprintf(stderr, "open: %s\n", err.msg);
        return 3;
    }
    config_t cfg;
    config_init(&cfg);
    if (config_read_file(&cfg, argv[2]) != CONFIG_TRUE) {
        fprintf(stderr, "%s:%d: %s\n", argv[2], config_error_line(&cfg), config_error_text(&cfg));
        return 3;
    }
    const char *url = NULL;
    unsigned long long rows = 0;
    ferry_kv meta[32];
    size_t nmeta = 0;
    for (int i = 5; i < argc; i++) {
        if (strcmp(argv[i], "--url") == 0 && i + 1 < argc) {
            url = argv[++i];
        } else if (strcmp(argv[i], "--rows") == 0 && i + 1 < argc) {
            rows = strtoull(argv[++i], NULL, 10);
        } else {
            char *eq = strchr(argv[i], '=');
            if (!eq || nmeta == 32) {
                fprintf(stderr, "bad metadata argument %s\n", argv[i]);
                return 2;
            }
            *eq = '\0';
            meta[nmeta].key = argv[i];
            meta[nmeta].value = eq + 1;
            nmeta++;
        }
    }
    ferry_instance *inst = NULL;
    static const char *const skip[] = {"plugin", NULL};
    if (ferry_instance_new(&inst, plugin, config_lookup(&cfg, "sink"),
                           config_lookup(&cfg, "defaults"), skip, &log, &err)) {
        fprintf(stderr, "init: %s\n", err.msg);
        ferry_plugin_close(plugin);
        config_destroy(&cfg);
        return 2;
    }
    struct stat sb;
    if (stat(argv[3], &sb) != 0) {
        perror(argv[3]);
        return 3;
    }
    ferry_artifact a = {
        argv[3], argv[4], "text/csv; charset=utf-8", "", (uint64_t)sb.st_size, rows, url,
        nmeta,   meta};
    char *url_out = NULL;
    const ferry_plugin_descriptor *d = ferry_instance_desc(inst);
    int rc = d->sink->deliver(ferry_instance_state(inst), &a, &url_out);
    if (rc)
        fprintf(stderr, "deliver: %s\n", ferry_instance_error(inst));
    if ((d->flags & FERRY_SINK_AFTER_COMMIT) == 0) {
        fprintf(stderr, "descriptor lacks FERRY_SINK_AFTER_COMMIT\n");
        rc = -1;
    }
    if (url_out) {
        fprintf(stderr, "email sink set a URL it should not\n");
        rc = -1;
    }
    ferry_instance_free(inst);
    ferry_plugin_close(plugin);
    config_destroy(&cfg);
    return rc ? 1 : 0;
}
