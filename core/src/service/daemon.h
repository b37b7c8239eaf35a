/*
 * daemon.h — the process supervisor behind `ferry daemon`: starts a fixed
 * set of child processes (fork + execv, never a shell), restarts one that
 * dies with a growing delay, runs periodic ones every N seconds, and on
 * stop sends SIGTERM to every child, waits, and SIGKILLs what is left after
 * a timeout. Logs each start and exit as logfmt.
 */
#ifndef FERRY_CORE_DAEMON_H
#define FERRY_CORE_DAEMON_H

#include <stdatomic.h>
#include <signal.h>
#include <stddef.h>

#include "error.h"
#include "log.h"

typedef struct ferry_daemon_child {
    const char *name;          /* for logs: "worker"; borrowed */
    char *const *argv;         /* NULL-terminated argument vector; borrowed */
    unsigned interval_seconds; /* 0: a service, restarted when it exits;
                                  N: a job, started every N seconds (never two at once) */
} ferry_daemon_child;

typedef struct ferry_daemon_opts {
    const char *exe;               /* program every child execs ("/proc/self/exe"); borrowed */
    unsigned restart_delay_ms;     /* first restart delay; doubles after each quick exit */
    unsigned restart_max_delay_ms; /* cap of that delay */
    unsigned stable_seconds;       /* a service that ran this long restarts at the first delay */
    unsigned stop_timeout_seconds; /* after SIGTERM, SIGKILL what is still running */
    unsigned poll_ms;              /* how often the loop wakes (reaps, starts, checks stop) */
} ferry_daemon_opts;

/* Defaults: 1 s, 60 s, 60 s, 60 s, 100 ms. */
void ferry_daemon_opts_init(ferry_daemon_opts *o, const char *exe);

/*
 * Supervises `children` (n of them) until *stop becomes non-zero, then
 * stops them and returns 0 once none is left. A child that fails to start
 * (fork or exec) counts as a quick exit and is retried. Children get
 * PR_SET_PDEATHSIG(SIGTERM), so they stop if the supervisor is killed.
 * Returns an error only for bad arguments.
 */
int ferry_daemon_run(const ferry_daemon_child *children, size_t n, const ferry_daemon_opts *o,
                     atomic_int *stop, const ferry_log *log, ferry_err *err);

#endif
