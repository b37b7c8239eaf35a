/*
 * child.c — one claimed request in a child process (child.h).
 *
 * Decisions (docs/operations.md repeats them):
 * - fork() after the claim, as PostgreSQL forks a backend: the child has
 *   the loaded site, opens a database connection of its own, runs
 *   ferry_request_execute and _exit()s. It never uses the parent's
 *   connections (its copies of their sockets just close) and never runs
 *   the parent's atexit handlers.
 * - The fenced completion runs in the child: the artifact and its row are
 *   committed where they were made. The parent resolves failures only
 *   (fail, retry, release) on its own connection; those are fenced too, so
 *   a child that committed and then died changes nothing.
 * - One anonymous shared page carries the cancel flag (parent to child)
 *   and the plugin each thread is calling (child to parent: the engine
 *   notes it before every plugin call); a pipe carries the result.
 * - The child dies with the slot thread that forked it (PR_SET_PDEATHSIG)
 *   and ignores SIGINT/SIGTERM: a stopping worker cancels it by the flag.
 * - worker.request_timeout_seconds: a child still running then is killed
 *   (SIGKILL) and the request fails with that reason.
 */
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "loader.h"
#include "stage.h"
#include "pipeline.h"
#include "request.h"

typedef struct shared {
    atomic_int cancel;
    ferry_stage_note note;
} shared;

typedef struct result {
    int rc, permanent;
    ferry_err err;
} result;

static void write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        c += w;
        n -= (size_t)w;
    }
}

static _Noreturn void child_main(const ferry_service *svc, const ferry_claim *claim, shared *sh,
                                 int fd, pid_t parent)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(1);
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    ferry_service mine = *svc;
    mine.note = &sh->note;
    mine.store_swept = 1; /* by the worker: ferry_child_sweep */
    result res;
    memset(&res, 0, sizeof res);
    ferry_db *db = NULL;
    res.rc = fdb_connect_url(&db, svc->site->database_url, 60, &res.err);
    if (!res.rc)
        res.rc = ferry_request_execute(&mine, db, claim, &sh->cancel, &res.permanent, &res.err);
    fdb_close(db);
    write_all(fd, &res, sizeof res);
    _exit(0);
}

static const char *signal_name(int sig)
{
    static const struct {
        int sig;
        const char *name;
    } names[] = {{SIGSEGV, "SIGSEGV"}, {SIGBUS, "SIGBUS"},   {SIGFPE, "SIGFPE"},
                 {SIGILL, "SIGILL"},   {SIGABRT, "SIGABRT"}, {SIGKILL, "SIGKILL"},
                 {SIGTERM, "SIGTERM"}, {SIGPIPE, "SIGPIPE"}, {SIGSYS, "SIGSYS"}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].sig == sig)
            return names[i].name;
    return "a signal";
}

/* "plugin P" (or both threads' plugins) from the notes, or `none`. */
static void who(const shared *sh, char *out, size_t len, const char *none)
{
    char a[64], b[64];
    snprintf(a, sizeof a, "%.63s", sh->note.name[1]);
    snprintf(b, sizeof b, "%.63s", sh->note.name[0]);
    if (a[0] && b[0])
        snprintf(out, len, "plugin %s (or %s)", a, b);
    else if (a[0] || b[0])
        snprintf(out, len, "plugin %s", a[0] ? a : b);
    else
        snprintf(out, len, "%s", none);
}

static double since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

typedef struct watch {
    pid_t pid;
    int fd;
    shared *sh;
    result res;
    size_t got;
    int eof, status, timed_out;
} watch;

static void read_result(watch *wt)
{
    for (;;) {
        ssize_t n = read(wt->fd, (char *)&wt->res + wt->got, sizeof wt->res - wt->got);
        if (n > 0)
            wt->got += (size_t)n;
        if (n == 0)
            wt->eof = 1;
        if (n <= 0 || wt->got == sizeof wt->res)
            return;
    }
}

/* A pidfd for `pid` (readable once it exits), or -1 where the kernel has
 * none (before Linux 5.3). */
static int open_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    (void)pid;
    return -1;
#endif
}

/* Waits for the child, passing *cancel on and killing it at the limit.
 * Poll wakes on the result and on the exit itself (pidfd): no sleep
 * between the child's exit and the next claim. */
static void wait_child(watch *wt, atomic_int *cancel, unsigned timeout_s)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int pidfd = open_pidfd(wt->pid);
    for (;;) {
        if (!wt->eof || pidfd >= 0) {
            struct pollfd pfd[2] = {{wt->eof ? -1 : wt->fd, POLLIN, 0}, {pidfd, POLLIN, 0}};
            poll(pfd, 2, 100);
            if (!wt->eof)
                read_result(wt);
        } else {
            nanosleep(&(struct timespec){0, 1000000}, NULL);
        }
        atomic_store(&wt->sh->cancel, atomic_load(cancel));
        if (waitpid(wt->pid, &wt->status, WNOHANG) == wt->pid)
            break;
        if (!wt->timed_out && timeout_s && since(&t0) >= timeout_s) {
            kill(wt->pid, SIGKILL);
            wt->timed_out = 1;
        }
    }
    if (pidfd >= 0)
        close(pidfd);
    read_result(wt);
}

static int outcome(const watch *wt, unsigned timeout_s, int *permanent, ferry_err *err)
{
    char w[160];
    if (wt->timed_out && WIFSIGNALED(wt->status)) {
        who(wt->sh, w, sizeof w, "no plugin call");
        return ferry_err_set(err, FERRY_ERR,
                             "timed out after %u s (worker.request_timeout_seconds) in %s; killed",
                             timeout_s, w);
    }
    if (WIFSIGNALED(wt->status)) {
        who(wt->sh, w, sizeof w, "request (outside any plugin call)");
        return ferry_err_set(err, FERRY_ERR, "%s crashed: %s", w,
                             signal_name(WTERMSIG(wt->status)));
    }
    if (wt->got != sizeof wt->res) {
        who(wt->sh, w, sizeof w, "request");
        return ferry_err_set(err, FERRY_ERR,
                             "%s ended its process (exit status %d) without a result", w,
                             WIFEXITED(wt->status) ? WEXITSTATUS(wt->status) : -1);
    }
    *permanent = wt->res.permanent;
    *err = wt->res.err;
    return wt->res.rc;
}

void ferry_child_sweep(const ferry_service *svc)
{
    if (svc->site->store_path)
        ferry_stage_sweep(svc->site->store_path, 0);
}

int ferry_child_execute(const ferry_service *svc, const ferry_claim *claim, atomic_int *cancel,
                        unsigned timeout_s, int *permanent, ferry_err *err)
{
    *permanent = 0;
    shared *sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED)
        return ferry_err_set(err, FERRY_ERR, "request %s: cannot map shared memory: %s", claim->id,
                             strerror(errno));
    memset(sh, 0, sizeof *sh);
    atomic_store(&sh->cancel, atomic_load(cancel));
    int fds[2];
    int rc = 0;
    if (pipe2(fds, O_CLOEXEC) != 0) {
        rc = ferry_err_set(err, FERRY_ERR, "request %s: pipe: %s", claim->id, strerror(errno));
        munmap(sh, sizeof *sh);
        return rc;
    }
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        child_main(svc, claim, sh, fds[1], parent);
    }
    close(fds[1]);
    if (pid < 0) {
        rc = ferry_err_set(err, FERRY_ERR, "request %s: fork: %s", claim->id, strerror(errno));
    } else {
        fcntl(fds[0], F_SETFL, O_NONBLOCK);
        watch wt;
        memset(&wt, 0, sizeof wt);
        wt.pid = pid;
        wt.fd = fds[0];
        wt.sh = sh;
        wait_child(&wt, cancel, timeout_s);
        rc = outcome(&wt, timeout_s, permanent, err);
        if (WIFSIGNALED(wt.status) || wt.got != sizeof wt.res)
            ferry_child_sweep(svc); /* it may have left its staging file */
    }
    close(fds[0]);
    munmap(sh, sizeof *sh);
    return rc;
}

/* ---- plugins loaded before the fork ---- */

enum { PRELOAD_MAX = 32 };

struct ferry_child_preload {
    ferry_plugin *plugins[PRELOAD_MAX];
    size_t n;
};

static void preload_one(ferry_child_preload *pl, const ferry_site *site, const char *name)
{
    if (!name || pl->n == PRELOAD_MAX)
        return;
    for (size_t i = 0; i < pl->n; i++)
        if (!strcmp(pl->plugins[i]->desc->name, name))
            return;
    ferry_err err = FERRY_ERR_INIT;
    ferry_plugin *p = NULL;
    if (ferry_plugin_find(&p, site->plugin_path, site->nplugin_path, name, &err) == 0)
        pl->plugins[pl->n++] = p;
}

/* The plugin of `s` (a group "{ plugin = …; }") or of each element of a list of them. */
static void preload_setting(ferry_child_preload *pl, const ferry_site *site,
                            const config_setting_t *s)
{
    const char *name = NULL;
    if (!s)
        return;
    if (config_setting_is_group(s) && config_setting_lookup_string(s, "plugin", &name))
        preload_one(pl, site, name);
    if (config_setting_is_list(s) || config_setting_is_array(s))
        for (int i = 0; i < config_setting_length(s); i++)
            preload_setting(pl, site, config_setting_get_elem(s, (unsigned)i));
}

ferry_child_preload *ferry_child_preload_load(const ferry_service *svc)
{
    const ferry_site *site = svc->site;
    ferry_child_preload *pl = calloc(1, sizeof *pl);
    if (!pl)
        return NULL;
    static const char *const formats[] = {"csv", "json", "pdf", "excel"};
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        preload_one(pl, site, ferry_format_plugin(formats[i]));
    ferry_pipeline *p = NULL;
    ferry_err err = FERRY_ERR_INIT;
    if (site->request_pipeline && ferry_pipeline_parse(&p, site->request_pipeline, &err) == 0) {
        static const char *const steps[] = {"source", "filters", "format", "encoders", "sinks"};
        for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
            preload_setting(pl, site, config_lookup(&p->cfg, steps[i]));
    }
    ferry_pipeline_free(p);
    preload_setting(pl, site, config_lookup(&site->cfg, "requests.sinks"));
    return pl;
}

void ferry_child_preload_free(ferry_child_preload *pl)
{
    if (!pl)
        return;
    for (size_t i = 0; i < pl->n; i++)
        ferry_plugin_close(pl->plugins[i]);
    free(pl);
}
