/*
 * calls.c — the plugin callback each thread is in, and `ferry run`'s guard
 * that names it when a plugin crashes the process, calls exit() or does not
 * return after an interrupt. The handlers only read fixed buffers, write(2)
 * and _exit or re-raise: nothing that is not async-signal-safe.
 */
#include "calls.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "error.h"

typedef struct call_slot {
    char plugin[64];
    char what[32];
    atomic_int busy;
} call_slot;

static call_slot slots[2];
static _Thread_local int my_slot = -1; /* the slot this thread noted last */
static char published[4096];
static atomic_int published_set;
static atomic_int *stop_flag;
static int json_lines; /* --log-format json: the line is a JSON log object */

void ferry_calls_enter(int th, const char *plugin, const char *what)
{
    if (th < 0 || th > 1)
        return;
    call_slot *s = &slots[th];
    snprintf(s->plugin, sizeof s->plugin, "%s", plugin ? plugin : "?");
    snprintf(s->what, sizeof s->what, "%s", what ? what : "a callback");
    atomic_store(&s->busy, 1);
    my_slot = th;
}

void ferry_calls_leave(int th)
{
    if (th >= 0 && th <= 1)
        atomic_store(&slots[th].busy, 0);
}

void ferry_calls_published(const char *path)
{
    atomic_store(&published_set, 0);
    if (path) {
        snprintf(published, sizeof published, "%s", path);
        atomic_store(&published_set, 1);
    }
}

/* ---- the guard: async-signal-safe from here on -------------------------- */

typedef struct line {
    char buf[4600];
    size_t len;
} line;

static void put(line *l, const char *s)
{
    while (*s && l->len < sizeof l->buf - 2)
        l->buf[l->len++] = *s++;
}

static void put_num(line *l, long long v, int width)
{
    char d[24];
    int n = 0;
    unsigned long long u = v < 0 ? 0 - (unsigned long long)v : (unsigned long long)v;
    do {
        d[n++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u || n < width);
    if (v < 0)
        put(l, "-");
    while (n > 0 && l->len < sizeof l->buf - 2)
        l->buf[l->len++] = d[--n];
}

/* "2026-01-31T12:00:00.000Z", from the clock: no gmtime (not signal-safe). */
static void put_time(line *l)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    long long days = ts.tv_sec / 86400, secs = ts.tv_sec % 86400;
    /* civil from days (H. Hinnant) */
    long long z = days + 719468, era = z / 146097, doe = z - era * 146097;
    long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long long mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1;
    long long m = mp < 10 ? mp + 3 : mp - 9;
    put_num(l, y + (m <= 2), 4);
    put(l, "-");
    put_num(l, m, 2);
    put(l, "-");
    put_num(l, d, 2);
    put(l, "T");
    put_num(l, secs / 3600, 2);
    put(l, ":");
    put_num(l, secs / 60 % 60, 2);
    put(l, ":");
    put_num(l, secs % 60, 2);
    put(l, ".");
    put_num(l, ts.tv_nsec / 1000000, 3);
    put(l, "Z");
}

/* Writes the line: "ferry: MESSAGE", or with --log-format json the log
 * object ferry's last line is, "exit_code" the status ferry ends with. */
static void say(line *l, int exit_code)
{
    if (json_lines) {
        line j = {.len = 0};
        put(&j, "{\"time\":\"");
        put_time(&j);
        put(&j, "\",\"level\":\"error\",\"cmd\":\"run\",\"msg\":\"");
        for (size_t i = 7; i < l->len && j.len < sizeof j.buf - 8; i++) { /* past "ferry: " */
            unsigned char c = (unsigned char)l->buf[i];
            if (c == '"' || c == '\\') {
                j.buf[j.len++] = '\\';
                j.buf[j.len++] = (char)c;
            } else if (c < 0x20) {
                static const char hex[] = "0123456789abcdef";
                put(&j, "\\u00");
                j.buf[j.len++] = hex[c >> 4];
                j.buf[j.len++] = hex[c & 15];
            } else {
                j.buf[j.len++] = (char)c;
            }
        }
        put(&j, "\",\"exit_code\":");
        put_num(&j, exit_code, 1);
        put(&j, "}");
        *l = j;
    }
    l->buf[l->len++] = '\n';
    ssize_t w = write(STDERR_FILENO, l->buf, l->len);
    (void)w;
}

/* The slot of the calling thread when it is in a callback, else -1. */
static int busy_slot(void)
{
    int th = my_slot;
    return th >= 0 && atomic_load(&slots[th].busy) ? th : -1;
}

static void put_call(line *l, int th)
{
    put(l, "plugin ");
    put(l, slots[th].plugin);
}

static void put_published(line *l)
{
    if (atomic_load(&published_set)) {
        put(l, "; ");
        put(l, published);
        put(l, " was published before");
    } else {
        put(l, "; nothing was published");
    }
}

static const char *signal_name(int sig)
{
    switch (sig) {
    case SIGSEGV:
        return "SIGSEGV";
    case SIGBUS:
        return "SIGBUS";
    case SIGFPE:
        return "SIGFPE";
    case SIGILL:
        return "SIGILL";
    case SIGABRT:
        return "SIGABRT";
    default:
        return "a signal";
    }
}

static void on_fatal(int sig)
{
    int th = busy_slot();
    if (th >= 0) {
        line l = {.len = 0};
        put(&l, "ferry: ");
        put_call(&l, th);
        put(&l, " crashed: ");
        put(&l, signal_name(sig));
        put(&l, " in ");
        put(&l, slots[th].what);
        put_published(&l);
        say(&l, 128 + sig);
    }
    /* SA_RESETHAND made the action the default again; SA_NODEFER lets
     * raise() deliver it now. */
    signal(sig, SIG_DFL);
    raise(sig);
}

static void on_exit_guard(void)
{
    int th = busy_slot();
    if (th < 0)
        return; /* the core's own exit */
    line l = {.len = 0};
    put(&l, "ferry: ");
    put_call(&l, th);
    put(&l, " called exit() in ");
    put(&l, slots[th].what);
    put(&l, " (a plugin returns an error instead)");
    put_published(&l);
    say(&l, FERRY_EXIT_PLUGIN);
    _exit(FERRY_EXIT_PLUGIN);
}

static void on_stop(int sig)
{
    (void)sig;
    if (!atomic_exchange(stop_flag, 1))
        return; /* the first: cancel, which plugins poll */
    line l = {.len = 0};
    put(&l, "ferry: interrupted again");
    for (int th = 0; th < 2; th++) {
        if (!atomic_load(&slots[th].busy))
            continue;
        put(&l, "; ");
        put_call(&l, th);
        put(&l, " has not returned from ");
        put(&l, slots[th].what);
        put(&l, " (it does not poll host->cancelled)");
    }
    put(&l, ": stopping now");
    say(&l, FERRY_EXIT_INTERRUPTED);
    _exit(FERRY_EXIT_INTERRUPTED);
}

void ferry_calls_guard(atomic_int *stop, int json)
{
    json_lines = json;
    static char altstack[64 * 1024];
    stack_t ss;
    memset(&ss, 0, sizeof ss);
    ss.ss_sp = altstack;
    ss.ss_size = sizeof altstack;
    sigaltstack(&ss, NULL); /* a plugin's runaway recursion is reported too */

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_fatal;
    sa.sa_flags = SA_ONSTACK | SA_RESETHAND | SA_NODEFER;
    static const int fatal[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
    for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++)
        sigaction(fatal[i], &sa, NULL);

    stop_flag = stop;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_stop;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    atexit(on_exit_guard);
}
