/*
 * plugin_check.c — `ferry plugins check`, the parent's side: forks the
 * child that runs the plugin (plugin_check_run.c), watches its report pipe
 * and its stdout, enforces the timeout, and turns what it saw — report
 * lines, bytes on stdout, the wait status, a missing "done" — into one
 * line per finding.
 */
#include "plugin_check.h"

#include <errno.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(p);
    return 0;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

typedef struct watch {
    char line[4096]; /* partial report line */
    size_t len;
    char stage[256]; /* last "stage" the child announced */
    int done;
    int defects;
    int loaded;
    size_t stdout_bytes;
    char stdout_head[48];
} watch;

static void print_line(FILE *out, const char *tag, const char *text)
{
    fprintf(out, "  %-5s %s\n", tag, text);
}

/* One line from the child: "stage X", "ok …", "note …", "fail …", "loaded", "done". */
static void on_line(watch *w, FILE *out, int strict, char *line)
{
    if (strncmp(line, "stage ", 6) == 0) {
        snprintf(w->stage, sizeof w->stage, "%s", line + 6);
    } else if (strcmp(line, "done") == 0) {
        w->done = 1;
    } else if (strcmp(line, "loaded") == 0) {
        w->loaded = 1;
    } else if (strncmp(line, "ok ", 3) == 0) {
        print_line(out, "ok", line + 3);
    } else if (strncmp(line, "note ", 5) == 0) {
        print_line(out, strict ? "FAIL" : "note", line + 5);
        w->defects += strict;
    } else if (strncmp(line, "fail ", 5) == 0) {
        print_line(out, "FAIL", line + 5);
        w->defects++;
    }
}

static void on_report(watch *w, FILE *out, int strict, const char *buf, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (buf[i] == '\n' || w->len == sizeof w->line - 1) {
            w->line[w->len] = '\0';
            on_line(w, out, strict, w->line);
            w->len = 0;
            if (buf[i] == '\n')
                continue;
        }
        w->line[w->len++] = buf[i];
    }
}

static void on_stdout(watch *w, const char *buf, size_t n)
{
    for (size_t i = 0; i < n && w->stdout_bytes + i < sizeof w->stdout_head - 1; i++) {
        char c = buf[i];
        w->stdout_head[w->stdout_bytes + i] = (c >= 0x20 && c < 0x7f) ? c : '.';
    }
    w->stdout_bytes += n;
}

/* The defects the parent saw itself: bytes on stdout, a hang, a crash,
 * an exit before the child reported it was done. */
static void judge_child(watch *w, FILE *out, int status, int hung, unsigned timeout)
{
    char msg[1024];
    const char *stage = w->stage[0] ? w->stage : "load";
    if (w->stdout_bytes) {
        snprintf(msg, sizeof msg, "stdout: the plugin wrote %zu bytes to stdout (\"%s\")",
                 w->stdout_bytes, w->stdout_head);
        print_line(out, "FAIL", msg);
        w->defects++;
    }
    if (hung) {
        snprintf(msg, sizeof msg, "hang: still running after %u s, during %s; killed", timeout,
                 stage);
        print_line(out, "FAIL", msg);
        w->defects++;
    } else if (WIFSIGNALED(status)) {
        snprintf(msg, sizeof msg, "crash: killed by signal %d (%s) during %s", WTERMSIG(status),
                 strsignal(WTERMSIG(status)), stage);
        print_line(out, "FAIL", msg);
        w->defects++;
    } else if (!w->done) {
        snprintf(msg, sizeof msg, "exit: the plugin ended the process with exit(%d) during %s",
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1, stage);
        print_line(out, "FAIL", msg);
        w->defects++;
    }
}

int ferry_plugin_check(const char *path, const ferry_check_opts *opts, FILE *out, int *loaded,
                       ferry_err *err)
{
    unsigned timeout = opts && opts->timeout ? opts->timeout : 10;
    int strict = opts && opts->strict;
    *loaded = 0;
    char tmpdir[] = "/tmp/ferry-check-XXXXXX";
    if (!mkdtemp(tmpdir))
        return ferry_err_set(err, FERRY_ERR_IO, "cannot make a temporary directory: %s",
                             strerror(errno));
    int rep[2], sout[2];
    if (pipe(rep) != 0) {
        rmdir(tmpdir);
        return ferry_err_set(err, FERRY_ERR_IO, "pipe: %s", strerror(errno));
    }
    if (pipe(sout) != 0) {
        close(rep[0]);
        close(rep[1]);
        rmdir(tmpdir);
        return ferry_err_set(err, FERRY_ERR_IO, "pipe: %s", strerror(errno));
    }
    fprintf(out, "%s\n", path);
    fflush(out);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(rep[0]);
        close(rep[1]);
        close(sout[0]);
        close(sout[1]);
        rmdir(tmpdir);
        return ferry_err_set(err, FERRY_ERR, "fork: %s", strerror(e));
    }
    if (pid == 0) {
        close(rep[0]);
        close(sout[0]);
        dup2(sout[1], STDOUT_FILENO);
        close(sout[1]);
        setvbuf(stdout, NULL, _IONBF, 0);
        signal(SIGPIPE, SIG_DFL);
        /* A crash must end the child by its signal, even when a sanitizer
         * installed handlers that would turn it into exit(1). */
        static const int fatal[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
        for (size_t k = 0; k < sizeof fatal / sizeof fatal[0]; k++)
            signal(fatal[k], SIG_DFL);
        ferry_plugin_check_child(path, opts, tmpdir, rep[1]);
        _exit(0); /* not reached: the child _exits itself */
    }
    close(rep[1]);
    close(sout[1]);

    watch w;
    memset(&w, 0, sizeof w);
    int64_t deadline = now_ms() + (int64_t)timeout * 1000;
    int open_fds = 2, hung = 0;
    struct pollfd pf[2] = {{rep[0], POLLIN, 0}, {sout[0], POLLIN, 0}};
    while (open_fds > 0) {
        int64_t left = deadline - now_ms();
        if (left <= 0) {
            hung = 1;
            kill(pid, SIGKILL);
            break;
        }
        int r = poll(pf, 2, (int)(left > 1000 ? 1000 : left));
        if (r < 0 && errno == EINTR)
            continue;
        for (int k = 0; k < 2; k++) {
            if (pf[k].fd < 0 || !(pf[k].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char buf[4096];
            ssize_t n = read(pf[k].fd, buf, sizeof buf);
            if (n > 0) {
                if (k == 0)
                    on_report(&w, out, strict, buf, (size_t)n);
                else
                    on_stdout(&w, buf, (size_t)n);
            } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
                close(pf[k].fd);
                pf[k].fd = -1;
                open_fds--;
            }
        }
    }
    for (int k = 0; k < 2; k++)
        if (pf[k].fd >= 0)
            close(pf[k].fd);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (w.len) { /* a last line without its newline */
        w.line[w.len] = '\0';
        on_line(&w, out, strict, w.line);
    }
    judge_child(&w, out, status, hung, timeout);
    nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    if (w.defects)
        fprintf(out, "  result: FAILED (%d defect%s)\n", w.defects, w.defects == 1 ? "" : "s");
    else
        fprintf(out, "  result: passed\n");
    fflush(out);
    *loaded = w.loaded;
    return w.defects;
}
