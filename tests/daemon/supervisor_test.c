/*
 * supervisor_test.c — daemon.c supervising real processes: this test binary
 * re-executes itself (/proc/self/exe, as `ferry daemon` does) in child
 * modes that record each start in a file: a service that runs until
 * SIGTERM, one that crashes at once (restarted again and again), a
 * periodic job, and one that ignores SIGTERM (killed after the stop
 * timeout). The supervisor runs on a thread; the test stops it once the
 * records show restarts and repeated jobs, then checks every child is gone.
 */
#include <stdatomic.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon.h"

static char record_path[4096];

/* ---- Child modes ----------------------------------------------------------- */

static const char *child_file;

static void record(const char *what)
{
    char line[128];
    int n = snprintf(line, sizeof line, "%s %d\n", what, (int)getpid());
    int fd = open(child_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0) {
        ssize_t w = write(fd, line, (size_t)n);
        (void)w;
        close(fd);
    }
}

static void on_term(int sig)
{
    (void)sig;
    record("svc-term");
    _exit(0);
}

static int child_main(const char *file, const char *mode)
{
    child_file = file;
    if (strcmp(mode, "svc") == 0) {
        signal(SIGTERM, on_term);
        record("svc");
        for (;;)
            pause();
    }
    if (strcmp(mode, "crash") == 0) {
        record("crash");
        return 3;
    }
    if (strcmp(mode, "job") == 0) {
        record("job");
        return 0;
    }
    if (strcmp(mode, "stubborn") == 0) {
        signal(SIGTERM, SIG_IGN);
        record("stubborn");
        for (;;)
            pause();
    }
    return 99;
}

/* ---- The test ------------------------------------------------------------------ */

typedef struct run_args {
    const ferry_daemon_child *kids;
    size_t n;
    ferry_daemon_opts opts;
    atomic_int stop;
    ferry_log log;
    int rc;
} run_args;

static void *run_thread(void *arg)
{
    run_args *a = arg;
    ferry_err err = FERRY_ERR_INIT;
    a->rc = ferry_daemon_run(a->kids, a->n, &a->opts, &a->stop, &a->log, &err);
    return NULL;
}

/* Counts lines starting with "what " and collects their pids. */
static int count(const char *what, int *pids, int max)
{
    FILE *f = fopen(record_path, "r");
    if (!f)
        return 0;
    char w[64];
    int pid, n = 0;
    while (fscanf(f, "%63s %d", w, &pid) == 2) {
        if (strcmp(w, what) == 0) {
            if (pids && n < max)
                pids[n] = pid;
            n++;
        }
    }
    fclose(f);
    return n;
}

static void test_supervise_restart_periodic_stop(void **state)
{
    (void)state;
    char dir[] = "/tmp/ferry-supervisor-XXXXXX";
    assert_non_null(mkdtemp(dir));
    snprintf(record_path, sizeof record_path, "%s/records", dir);

    char *svc[] = {"t", "--child", record_path, "svc", NULL};
    char *crash[] = {"t", "--child", record_path, "crash", NULL};
    char *job[] = {"t", "--child", record_path, "job", NULL};
    char *stubborn[] = {"t", "--child", record_path, "stubborn", NULL};
    ferry_daemon_child kids[] = {
        {"svc", svc, 0}, {"crash", crash, 0}, {"job", job, 1}, {"stubborn", stubborn, 0}};

    run_args a;
    memset(&a, 0, sizeof a);
    a.kids = kids;
    a.n = 4;
    ferry_daemon_opts_init(&a.opts, "/proc/self/exe");
    a.opts.restart_delay_ms = 20;
    a.opts.restart_max_delay_ms = 200;
    a.opts.stop_timeout_seconds = 1;
    a.opts.poll_ms = 10;
    a.log.level = FERRY_LOG_WARN;
    a.log.command = "supervisor-test";

    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, run_thread, &a), 0);
    /* Wait (up to 60 s, never asserted) until the crasher was restarted and
     * the job ran more than once. */
    for (int i = 0; i < 6000; i++) {
        if (count("crash", NULL, 0) >= 4 && count("job", NULL, 0) >= 2 &&
            count("svc", NULL, 0) >= 1 && count("stubborn", NULL, 0) >= 1)
            break;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    a.stop = 1;
    pthread_join(t, NULL);
    assert_int_equal(a.rc, 0);

    assert_true(count("crash", NULL, 0) >= 4);  /* a dying service is restarted */
    assert_true(count("job", NULL, 0) >= 2);    /* a periodic job runs again */
    assert_int_equal(count("svc", NULL, 0), 1); /* a healthy service is started once */
    assert_int_equal(count("stubborn", NULL, 0), 1);
    int svc_pid[1], term_pid[1], stub_pid[1];
    count("svc", svc_pid, 1);
    assert_int_equal(count("svc-term", term_pid, 1), 1); /* it got SIGTERM */
    assert_int_equal(svc_pid[0], term_pid[0]);
    count("stubborn", stub_pid, 1);
    /* Every child is gone (reaped, not a zombie): no such process. */
    assert_int_equal(kill(svc_pid[0], 0), -1);
    assert_int_equal(errno, ESRCH);
    assert_int_equal(kill(stub_pid[0], 0), -1); /* SIGKILLed after the stop timeout */
    assert_int_equal(errno, ESRCH);
    int pids[64];
    int n = count("crash", pids, 64);
    for (int i = 0; i < n && i < 64; i++)
        assert_true(kill(pids[i], 0) == -1 && errno == ESRCH);

    unlink(record_path);
    rmdir(dir);
}

static void test_bad_exe_is_retried_not_fatal(void **state)
{
    (void)state;
    char *argv[] = {"nope", NULL};
    ferry_daemon_child kids[] = {{"missing", argv, 0}};
    run_args a;
    memset(&a, 0, sizeof a);
    a.kids = kids;
    a.n = 1;
    ferry_daemon_opts_init(&a.opts, "/nonexistent/ferry");
    a.opts.restart_delay_ms = 10;
    a.opts.restart_max_delay_ms = 20;
    a.opts.poll_ms = 10;
    a.log.level = -1; /* quiet */
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, run_thread, &a), 0);
    struct timespec ts = {0, 200 * 1000 * 1000};
    nanosleep(&ts, NULL);
    a.stop = 1;
    pthread_join(t, NULL);
    assert_int_equal(a.rc, 0);
}

static void test_nothing_to_run(void **state)
{
    (void)state;
    ferry_daemon_opts o;
    ferry_daemon_opts_init(&o, "/proc/self/exe");
    atomic_int stop = 0;
    ferry_err err = FERRY_ERR_INIT;
    assert_int_not_equal(ferry_daemon_run(NULL, 0, &o, &stop, NULL, &err), 0);
    assert_non_null(strstr(err.msg, "nothing to run"));
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--child") == 0)
        return child_main(argv[2], argv[3]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_supervise_restart_periodic_stop),
        cmocka_unit_test(test_bad_exe_is_retried_not_fatal),
        cmocka_unit_test(test_nothing_to_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
