/*
 * child.c — one claimed request in a child process (child.h): the slot's
 * side and the request child's; the fork server is child_server.c.
 *
 * Decisions (docs/operations.md repeats them):
 * - A child per request, as PostgreSQL forks a backend per connection: the
 *   child has the loaded site, opens a database connection of its own,
 *   runs ferry_request_execute and _exit()s. It never uses the worker's
 *   connections and never runs atexit handlers.
 * - The children are forked by a fork server, itself forked by the worker
 *   before any of its threads start. POSIX lets a child forked from a
 *   threaded process call only async-signal-safe functions, and a request
 *   child runs a whole pipeline (malloc, dlopen, Connector/C, OpenSSL): a
 *   lock another thread held at the fork would stay locked in the child
 *   for good. Forked from the single-threaded server, nothing is held. It
 *   is also cheaper: the server's address space has no thread stacks,
 *   connections or worker buffers to copy and fault in again. (The
 *   sanitizers' allocator, which glibc's fork handlers do not cover, is
 *   safe too, so the ASan build runs requests in children as well.)
 * - The fenced completion runs in the child: the artifact and its row are
 *   committed where they were made. The slot resolves failures only (fail,
 *   retry, release) on its own connection; those are fenced too, so a child
 *   that committed and then died changes nothing.
 * - A child that cannot connect (fdb_errno_unavailable: refused, too many
 *   connections, …) or whose connection is lost before the pipeline starts
 *   reports FERRY_ERR_UNAVAILABLE: the request was not at fault and nothing
 *   was done, so the slot gives it back without counting the attempt
 *   (worker.c, FERRY_OUTCOME_DEFERRED).
 * - Its result carries whose fault an error is (request.h) and the
 *   pipeline file it read, so the slot can leave a request waiting on the
 *   site's configuration and watch that file (worker.c, site_faults.h).
 * - A shared page per slot carries the cancel flag and the plugin each
 *   thread is calling; the slot's socket carries the rest (child_proto.h).
 * - The child dies with the server (PR_SET_PDEATHSIG), the server with the
 *   worker, and both ignore SIGINT/SIGTERM: a stopping worker cancels its
 *   requests by the flag. A server that is gone (killed) cannot be forked
 *   again safely from the threaded worker: the request fails as an
 *   attempt and the worker stops with an error for its service manager to
 *   restart it.
 * - worker.request_timeout_seconds: a child still running then is killed
 *   (SIGKILL, by the server, which alone knows it is not yet reaped) and
 *   the request fails with that reason.
 */
#include "child.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child_proto.h"
#include "clock.h"
#include "loader.h"
#include "pipeline.h"
#include "request.h"
#include "stage.h"

int ferry_child_send(int fd, int type, int value, const ferry_claim *claim)
{
    child_msg m;
    memset(&m, 0, sizeof m);
    m.type = type;
    m.value = value;
    if (claim)
        m.claim = *claim;
    return send(fd, &m, sizeof m, MSG_NOSIGNAL) == (ssize_t)sizeof m ? 0 : -1;
}

_Noreturn void ferry_child_request_main(const ferry_service *svc, const ferry_claim *claim,
                                        child_shared *sh, int fd, pid_t server)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != server)
        _exit(1);
    ferry_service mine = *svc;
    mine.note = &sh->note;
    mine.store_swept = 1; /* by the worker: ferry_child_sweep */
    child_msg m;
    memset(&m, 0, sizeof m);
    m.type = CHILD_RESULT;
    child_result *res = &m.res;
    ferry_db *db = NULL;
    /* A database that cannot take the connection now is FERRY_ERR_UNAVAILABLE:
     * the slot gives the request back without counting the attempt. */
    res->rc = fdb_connect_url_avail(&db, svc->site->database_url, 60, &res->err);
    if (!res->rc)
        res->rc = ferry_request_execute(&mine, db, claim, &sh->cancel, &res->done, &res->err);
    fdb_close(db);
    (void)send(fd, &m, sizeof m, MSG_NOSIGNAL);
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
static void who(const child_shared *sh, char *out, size_t len, const char *none)
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

typedef struct watch {
    int fd;
    child_shared *sh;
    child_result res;
    int got, exited, status, timed_out;
    int fork_errno; /* the server could not fork */
} watch;

/* Reads what has arrived; -1 when the server is gone. */
static int drain(watch *wt)
{
    for (;;) {
        child_msg m;
        ssize_t n = recv(wt->fd, &m, sizeof m, MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return 0;
        if (n != (ssize_t)sizeof m)
            return -1;
        if (m.type == CHILD_STARTED && m.value < 0)
            wt->fork_errno = -m.value;
        else if (m.type == CHILD_RESULT)
            wt->res = m.res, wt->got = 1;
        else if (m.type == CHILD_EXITED)
            wt->status = m.value, wt->exited = 1;
        if (wt->exited || wt->fork_errno)
            return 0;
    }
}

/* Waits for the child's exit, passing *cancel on and having it killed at
 * the limit; -1 when the server is gone. */
static int wait_child(watch *wt, atomic_int *cancel, unsigned timeout_s)
{
    double t0 = ferry_monotonic();
    while (!wt->exited && !wt->fork_errno) {
        struct pollfd pfd = {wt->fd, POLLIN, 0};
        poll(&pfd, 1, 100);
        if (drain(wt) != 0)
            return -1;
        atomic_store(&wt->sh->cancel, atomic_load(cancel));
        if (!wt->timed_out && timeout_s && ferry_monotonic() - t0 >= timeout_s) {
            if (ferry_child_send(wt->fd, CHILD_KILL, 0, NULL) != 0)
                return -1;
            wt->timed_out = 1;
        }
    }
    return 0;
}

static int outcome(const watch *wt, const ferry_claim *claim, unsigned timeout_s,
                   ferry_request_done *done, ferry_err *err)
{
    char w[160];
    if (wt->fork_errno)
        return ferry_err_set(err, FERRY_ERR, "request %s: fork: %s", claim->id,
                             strerror(wt->fork_errno));
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
    if (!wt->got) {
        who(wt->sh, w, sizeof w, "request");
        return ferry_err_set(err, FERRY_ERR,
                             "%s ended its process (exit status %d) without a result", w,
                             WIFEXITED(wt->status) ? WEXITSTATUS(wt->status) : -1);
    }
    *done = wt->res.done;
    *err = wt->res.err;
    return wt->res.rc;
}

void ferry_child_sweep(const ferry_service *svc)
{
    if (svc->site->store_path)
        ferry_stage_sweep(svc->site->store_path, 0);
}

int ferry_child_execute(ferry_child_server *cs, int slot, const ferry_claim *claim,
                        atomic_int *cancel, unsigned timeout_s, ferry_request_done *done,
                        ferry_err *err)
{
    memset(done, 0, sizeof *done);
    watch wt;
    memset(&wt, 0, sizeof wt);
    wt.fd = cs->fd[slot];
    wt.sh = &cs->pages[slot];
    memset(&wt.sh->note, 0, sizeof wt.sh->note);
    atomic_store(&wt.sh->cancel, atomic_load(cancel));
    if (atomic_load(&cs->gone) || ferry_child_send(wt.fd, CHILD_RUN, 0, claim) != 0 ||
        wait_child(&wt, cancel, timeout_s) != 0) {
        atomic_store(&cs->gone, 1);
        ferry_child_sweep(cs->svc); /* a killed child may have left its staging file */
        return ferry_err_set(err, FERRY_ERR,
                             "request %s: the worker's fork server is gone; the worker stops",
                             claim->id);
    }
    int rc = outcome(&wt, claim, timeout_s, done, err);
    if (!wt.fork_errno && (WIFSIGNALED(wt.status) || !wt.got))
        ferry_child_sweep(cs->svc); /* it may have left its staging file */
    return rc;
}

/* ---- plugins loaded before the fork server is forked ---- */

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

ferry_child_preload *ferry_child_preload_load(const ferry_service *svc, ferry_err *pipeline_err)
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
    } else if (site->request_pipeline) {
        *pipeline_err = err;
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
