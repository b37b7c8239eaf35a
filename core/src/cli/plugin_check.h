/*
 * plugin_check.h — `ferry plugins check`: a conformance test of one plugin
 * .so. The plugin is loaded and run in a child process (fork) so that
 * whatever it does cannot take ferry down:
 *
 *  - load: descriptor magic, ABI, size, kind, callbacks (ferry_plugin_open);
 *  - options: the table is well formed (ferry_options_check_table) and every
 *    `example` parses as its option's type and is allowed;
 *  - run: an instance is made with the examples; a filter, formatter or
 *    encoder is fed generated batches of every type (nulls, empty strings,
 *    long and non-ASCII text, zero rows, many batches), a sink delivers a
 *    generated artifact, a source is read to its end (and once more with a
 *    field selection and a predicate) and its values are checked against
 *    the schema it declares;
 *  - it reports a crash (signal), a write to stdout (stdout is a pipe the
 *    parent watches), an exit() (the child's last message is "done": an
 *    exit without it was the plugin's), a hang (the child is killed after
 *    the timeout), an error returned without a message, and memory
 *    allocated with host->alloc that destroy never gave back.
 *
 * The child reports over a pipe, one line per finding; the parent prints
 * them, one line each, "  ok    …", "  note  …" or "  FAIL  KIND: …".
 */
#ifndef FERRY_CORE_PLUGIN_CHECK_H
#define FERRY_CORE_PLUGIN_CHECK_H

#include <stdio.h>

#include "error.h"
#include "log.h"

typedef struct ferry_check_opts {
    unsigned timeout; /* seconds for the whole run in the child; 0: 10 */
    int strict;       /* an error with a message, or an example missing, is a defect too */
    const ferry_log *log;
} ferry_check_opts;

/*
 * Checks the plugin at `path`, printing findings to `out`. Returns the
 * number of defects found (0: it passes) and sets *loaded to whether the
 * descriptor could be loaded; returns a negative ferry_error when the check
 * itself could not run (fork, pipe), with `err` set.
 */
int ferry_plugin_check(const char *path, const ferry_check_opts *opts, FILE *out, int *loaded,
                       ferry_err *err);

/* The child's side (plugin_check_run.c): runs every step, writing report
 * lines to `fd`; never returns to the caller's code paths except by _exit. */
void ferry_plugin_check_child(const char *path, const ferry_check_opts *opts, const char *tmpdir,
                              int fd);

#endif
