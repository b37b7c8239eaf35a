/*
 * calls.h — which plugin callback the process is in, so that `ferry run`
 * can say which plugin crashed it, called exit() or will not return when
 * interrupted. The engine notes every call (run.c, instance.c: init and
 * destroy); only `ferry run` installs the guard that reads the notes (a
 * request's child has its own watcher, service/child.c).
 *
 * Two slots, as in ferry_stage_note: 0 the source's thread, 1 the
 * pipeline's (every other plugin call, init and destroy included).
 */
#ifndef FERRY_CORE_CALLS_H
#define FERRY_CORE_CALLS_H

#include <stdatomic.h>

/* Notes that thread slot `th` calls `what` ("process", "init") of plugin
 * `plugin`; ferry_calls_leave(th) when it returned. */
void ferry_calls_enter(int th, const char *plugin, const char *what);
void ferry_calls_leave(int th);

/* The run's published artifact, once it is (NULL: none, or taken back),
 * for the guard's line. Before it, a run that ends leaves only its hidden
 * staging file, which the next run into that directory removes. */
void ferry_calls_published(const char *path);

/*
 * For `ferry run`: while a plugin callback runs,
 *  - a crash (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, on an alternate
 *    stack) prints "ferry: plugin P crashed: SIGSEGV in process; nothing
 *    was published" and dies of the same signal (status 128+N);
 *  - exit() prints "ferry: plugin P called exit() in process …" and ends
 *    the process with exit status 4 (a plugin error), whatever it passed;
 *  - SIGINT or SIGTERM sets *stop (the cancel flag plugins poll); a second
 *    one while a callback still runs prints "ferry: plugin P has not
 *    returned from process …" and ends the process with status 130.
 * Outside plugin callbacks a crash is the core's: the default action, no
 * line. With `json` (--log-format json) each line is a JSON log object
 * like ferry's last line ("level":"error", "msg", "exit_code"). Call once,
 * before the pipeline is built.
 */
void ferry_calls_guard(atomic_int *stop, int json);

#endif
