/*
 * test_site_faults.c — the worker's record of the site's configuration
 * errors (service/site_faults.c): one error line per broken file however
 * many requests wait on it, another when its error changes; a change to
 * the file seen once; "works again" once; ferry.conf's own never watched.
 * The log goes to stderr, which each test reads back from a file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>

#include "site_faults.h"

typedef struct fixture {
    char dir[64], file[128], log[128];
    int saved; /* the real stderr */
    ferry_log log_;
    ferry_site_faults sf;
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    snprintf(fx->dir, sizeof fx->dir, "/tmp/ferry-sf-XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    snprintf(fx->file, sizeof fx->file, "%s/p.cfg", fx->dir);
    snprintf(fx->log, sizeof fx->log, "%s/log", fx->dir);
    FILE *f = fopen(fx->file, "w");
    fputs("name = \"p\";\n", f);
    fclose(f);
    fflush(stderr);
    fx->saved = dup(2);
    int fd = open(fx->log, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
    assert_true(fd >= 0);
    dup2(fd, 2); /* the log writes to descriptor 2 */
    close(fd);
    fx->log_ = (ferry_log){FERRY_LOG_DEBUG, "worker", 0};
    ferry_site_faults_init(&fx->sf);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    ferry_site_faults_destroy(&fx->sf);
    fflush(stderr);
    dup2(fx->saved, 2);
    close(fx->saved);
    unlink(fx->file);
    unlink(fx->log);
    rmdir(fx->dir);
    free(fx);
    return 0;
}

/* Lines of the log so far that hold `needle`. */
static int lines_with(const fixture *fx, const char *needle)
{
    FILE *f = fopen(fx->log, "r");
    char line[4096];
    int n = 0;
    while (f && fgets(line, sizeof line, f))
        n += strstr(line, needle) != NULL;
    if (f)
        fclose(f);
    return n;
}

static void test_site_faults__one_line_per_error(void **state)
{
    fixture *fx = *state;
    for (int i = 0; i < 50; i++)
        ferry_site_faults_seen(&fx->sf, &fx->log_, fx->file, NULL, "p.cfg:1: syntax error");
    assert_int_equal(lines_with(fx, "level=error"), 1);
    assert_int_equal(lines_with(fx, "p.cfg:1: syntax error"), 1);
    /* Another mistake in the same file: said at once. */
    ferry_site_faults_seen(&fx->sf, &fx->log_, fx->file, NULL, "p.cfg:2: syntax error");
    ferry_site_faults_seen(&fx->sf, &fx->log_, fx->file, NULL, "p.cfg:2: syntax error");
    assert_int_equal(lines_with(fx, "level=error"), 2);
    assert_int_equal(lines_with(fx, "no restart needed"), 2);
}

static void test_site_faults__a_change_is_seen_once(void **state)
{
    fixture *fx = *state;
    ferry_site_faults_seen(&fx->sf, &fx->log_, fx->file, NULL, "p.cfg:1: syntax error");
    assert_int_equal(ferry_site_faults_changed(&fx->sf, &fx->log_), 0);
    FILE *f = fopen(fx->file, "a");
    fputs("# edited\n", f);
    fclose(f);
    assert_int_equal(ferry_site_faults_changed(&fx->sf, &fx->log_), 1);
    assert_int_equal(ferry_site_faults_changed(&fx->sf, &fx->log_), 0);
    assert_int_equal(lines_with(fx, "the broken pipeline file changed"), 1);
    /* A request read it before the edit: its stamp is the old one, so the
     * edit is a change again (the request's wait must be woken too). */
    ferry_file_stamp old;
    memset(&old, 0, sizeof old);
    ferry_site_faults_seen(&fx->sf, &fx->log_, fx->file, &old, "p.cfg:1: syntax error");
    assert_int_equal(ferry_site_faults_changed(&fx->sf, &fx->log_), 1);
    /* Removed is a change too. */
    unlink(fx->file);
    assert_int_equal(ferry_site_faults_changed(&fx->sf, &fx->log_), 1);
}

static void test_site_faults__works_again_once(void **state)
{
    fixture *fx = *state;
    ferry_site_faults_cleared(&fx->sf, &fx->log_, fx->file); /* never broken: nothing */
    assert_int_equal(lines_with(fx, "works again"), 0);
    ferry_site_faults_seen(&fx->sf, &fx->log_, fx->file, NULL, "p.cfg:1: syntax error");
    ferry_site_faults_seen(&fx->sf, &fx->log_, fx->file, NULL, "p.cfg:1: syntax error");
    ferry_site_faults_cleared(&fx->sf, &fx->log_, fx->file);
    ferry_site_faults_cleared(&fx->sf, &fx->log_, fx->file);
    assert_int_equal(lines_with(fx, "works again"), 1);
    assert_int_equal(lines_with(fx, "(2 waited)"), 1);
    /* Broken again later: said again. */
    ferry_site_faults_seen(&fx->sf, &fx->log_, fx->file, NULL, "p.cfg:1: syntax error");
    assert_int_equal(lines_with(fx, "level=error"), 2);
}

static void test_site_faults__ferry_conf_is_not_watched(void **state)
{
    fixture *fx = *state;
    ferry_site_faults_seen(&fx->sf, &fx->log_, NULL, NULL,
                           "ferry.conf names no requests.pipeline to serve export requests");
    assert_int_equal(lines_with(fx, "restart the worker"), 1);
    assert_int_equal(ferry_site_faults_changed(&fx->sf, &fx->log_), 0);
}

static void test_site_faults__more_files_than_entries(void **state)
{
    fixture *fx = *state;
    char name[160], msg[200];
    for (int i = 0; i < 3 * FERRY_SITE_FAULTS; i++) {
        snprintf(name, sizeof name, "%s/missing-%d.cfg", fx->dir, i);
        snprintf(msg, sizeof msg, "%s:1: cannot read", name);
        ferry_site_faults_seen(&fx->sf, &fx->log_, name, NULL, msg);
    }
    assert_int_equal(lines_with(fx, "level=error"), 3 * FERRY_SITE_FAULTS);
    assert_int_equal(ferry_site_faults_changed(&fx->sf, &fx->log_), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_site_faults__one_line_per_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_site_faults__a_change_is_seen_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_site_faults__works_again_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_site_faults__ferry_conf_is_not_watched, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_site_faults__more_files_than_entries, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
