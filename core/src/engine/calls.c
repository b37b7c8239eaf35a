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

static void say(line *l)
{
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
        say(&l);
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
    say(&l);
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
    say(&l);
    _exit(FERRY_EXIT_INTERRUPTED);
}

void ferry_calls_guard(atomic_int *stop)
{
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
