/* daemon.c — supervising `ferry daemon`'s children (see daemon.h). */
#include "daemon.h"

#include <stdatomic.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct slot {
    const ferry_daemon_child *spec;
    pid_t pid;          /* 0 when not running */
    int64_t started_ms; /* monotonic, of the current or last run */
    int64_t next_ms;    /* monotonic time of the next start */
    unsigned delay_ms;  /* current restart delay (services) */
    unsigned runs;      /* starts so far */
} slot;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL); /* EINTR (a signal) just ends the nap early */
}

void ferry_daemon_opts_init(ferry_daemon_opts *o, const char *exe)
{
    memset(o, 0, sizeof *o);
    o->exe = exe;
    o->restart_delay_ms = 1000;
    o->restart_max_delay_ms = 60000;
    o->stable_seconds = 60;
    o->stop_timeout_seconds = 60;
    o->poll_ms = 100;
}

/* Forks and execs one child. Returns its pid, or -1 (logged). */
static pid_t spawn(const ferry_daemon_opts *o, const ferry_daemon_child *c, const ferry_log *log)
{
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        char f[128];
        snprintf(f, sizeof f, "child=%s", c->name);
        ferry_logf(log, FERRY_LOG_ERROR, f, "cannot fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        /* The child: stop when the supervisor goes away, default signal
         * dispositions and an empty mask, then become the command. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent)
            _exit(1);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGPIPE, SIG_DFL);
        execv(o->exe, c->argv);
        char msg[512];
        int n = snprintf(msg, sizeof msg, "ferry: daemon: cannot run %s for %s: %s\n", o->exe,
                         c->name, strerror(errno));
        if (n > 0) {
            ssize_t w = write(STDERR_FILENO, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg);
            (void)w;
        }
        _exit(127);
    }
    return pid;
}

static void describe_status(int status, char *buf, size_t len)
{
    if (WIFEXITED(status))
        snprintf(buf, len, "exit_code=%d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(buf, len, "signal=%s",
                 sigabbrev_np(WTERMSIG(status)) ? sigabbrev_np(WTERMSIG(status)) : "unknown");
    else
        snprintf(buf, len, "status=%d", status);
}

/* Marks a slot whose child ended (or never started) and plans its next start. */
static void ended(slot *s, int status, int64_t now, const ferry_daemon_opts *o, int stopping,
                  const ferry_log *log)
{
    char how[64], f[256];
    pid_t pid = s->pid;
    s->pid = 0;
    int64_t ran = now - s->started_ms;
    int clean = status == 0;
    describe_status(status, how, sizeof how);
    if (s->spec->interval_seconds > 0) {
        int64_t due = s->started_ms + (int64_t)s->spec->interval_seconds * 1000;
        s->next_ms = due > now ? due : now;
        snprintf(f, sizeof f, "child=%s pid=%d %s duration_ms=%lld next_in_s=%lld", s->spec->name,
                 (int)pid, how, (long long)ran, (long long)((s->next_ms - now) / 1000));
        ferry_logf(log, clean ? FERRY_LOG_INFO : FERRY_LOG_WARN, f,
                   clean ? "periodic job finished" : "periodic job failed");
        return;
    }
    if (stopping) {
        snprintf(f, sizeof f, "child=%s pid=%d %s duration_ms=%lld", s->spec->name, (int)pid, how,
                 (long long)ran);
        ferry_logf(log, clean ? FERRY_LOG_INFO : FERRY_LOG_WARN, f, "child stopped");
        return;
    }
    if (ran >= (int64_t)o->stable_seconds * 1000 || s->delay_ms == 0)
        s->delay_ms = o->restart_delay_ms;
    s->next_ms = now + s->delay_ms;
    snprintf(f, sizeof f, "child=%s pid=%d %s duration_ms=%lld restart_in_ms=%u", s->spec->name,
             (int)pid, how, (long long)ran, s->delay_ms);
    ferry_logf(log, FERRY_LOG_WARN, f, "child exited; restarting after a delay");
    /* The next quick exit waits twice as long. */
    unsigned next =
        s->delay_ms > o->restart_max_delay_ms / 2 ? o->restart_max_delay_ms : s->delay_ms * 2;
    s->delay_ms = next ? next : 1;
}

/* Reaps every finished child. Returns how many are still running. */
static size_t reap(slot *slots, size_t n, const ferry_daemon_opts *o, int stopping,
                   const ferry_log *log)
{
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        for (size_t i = 0; i < n; i++) {
            if (slots[i].pid == pid) {
                ended(&slots[i], status, now_ms(), o, stopping, log);
                break;
            }
        }
    }
    size_t running = 0;
    for (size_t i = 0; i < n; i++)
        running += slots[i].pid > 0;
    return running;
}

static void start_due(slot *slots, size_t n, const ferry_daemon_opts *o, const ferry_log *log)
{
    int64_t now = now_ms();
    for (size_t i = 0; i < n; i++) {
        slot *s = &slots[i];
        if (s->pid > 0 || now < s->next_ms)
            continue;
        s->started_ms = now;
        pid_t pid = spawn(o, s->spec, log);
        if (pid < 0) {
            s->pid = -1;
            ended(s, 127 << 8, now, o, 0, log);
            continue;
        }
        s->pid = pid;
        s->runs++;
        char f[160];
        snprintf(f, sizeof f, "child=%s pid=%d run=%u", s->spec->name, (int)pid, s->runs);
        ferry_logf(log, s->spec->interval_seconds ? FERRY_LOG_DEBUG : FERRY_LOG_INFO, f,
                   "child started");
    }
}

static void signal_all(slot *slots, size_t n, int sig)
{
    for (size_t i = 0; i < n; i++)
        if (slots[i].pid > 0)
            kill(slots[i].pid, sig);
}

int ferry_daemon_run(const ferry_daemon_child *children, size_t n, const ferry_daemon_opts *o,
                     atomic_int *stop, const ferry_log *log, ferry_err *err)
{
    if (!children || n == 0 || !o || !o->exe || !stop)
        return ferry_err_set(err, FERRY_ERR_USAGE, "daemon: nothing to run");
    slot *slots = calloc(n, sizeof *slots);
    if (!slots)
        return ferry_err_set(err, FERRY_ERR_NOMEM, "out of memory");
    int64_t t0 = now_ms();
    for (size_t i = 0; i < n; i++) {
        slots[i].spec = &children[i];
        slots[i].next_ms = t0;
    }
    unsigned poll = o->poll_ms ? o->poll_ms : 100;

    while (!*stop) {
        reap(slots, n, o, 0, log);
        if (*stop)
            break;
        start_due(slots, n, o, log);
        sleep_ms(poll);
    }

    size_t running = reap(slots, n, o, 1, log);
    char f[64];
    snprintf(f, sizeof f, "children=%zu", running);
    ferry_logf(log, FERRY_LOG_INFO, f, "stopping: SIGTERM to every child");
    signal_all(slots, n, SIGTERM);
    int64_t deadline = now_ms() + (int64_t)o->stop_timeout_seconds * 1000;
    while ((running = reap(slots, n, o, 1, log)) > 0 && now_ms() < deadline)
        sleep_ms(poll < 50 ? poll : 50);
    if (running > 0) {
        snprintf(f, sizeof f, "children=%zu", running);
        ferry_logf(log, FERRY_LOG_WARN, f, "children still running after %us: SIGKILL",
                   o->stop_timeout_seconds);
        signal_all(slots, n, SIGKILL);
        while (reap(slots, n, o, 1, log) > 0)
            sleep_ms(10);
    }
    ferry_logf(log, FERRY_LOG_INFO, NULL, "stopped");
    free(slots);
    return 0;
}
