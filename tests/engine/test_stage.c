/*
 * test_stage.c — staging files (engine/stage.c): a staged artifact is a
 * hidden file beside its destination until publish renames it into place;
 * abort leaves nothing (file and temp dir); sweep removes a stale staging
 * file whose writer is gone and keeps one still locked. Files stamped a
 * few seconds "in the future" (a file system clock ahead of time(): seen
 * on CI's shared work directory) are still swept by a sweep of any age.
 * What another user plants under a staging name in a shared output
 * directory is never followed: a ".d" symlink to a directory elsewhere
 * leaves that directory's files alone, and a FIFO does not block the sweep.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "stage.h"

static int setup(void **state)
{
    char *dir = strdup("/tmp/ferry-stage-test-XXXXXX");
    if (!dir || !mkdtemp(dir))
        return -1;
    *state = dir;
    return 0;
}

static int teardown(void **state)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", (char *)*state);
    free(*state);
    return system(cmd) == 0 ? 0 : -1;
}

static int exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* Stamps PATH's mtime `ahead` seconds after now. */
static void stamp_ahead(const char *path, int ahead)
{
    struct timespec t[2] = {{.tv_sec = time(NULL) + ahead}, {.tv_sec = time(NULL) + ahead}};
    assert_int_equal(utimensat(AT_FDCWD, path, t, 0), 0);
}

static void test_stage__publish_renames_into_place(void **state)
{
    const char *dir = *state;
    ferry_err err = FERRY_ERR_INIT;
    ferry_stage st;
    char final[512];
    snprintf(final, sizeof final, "%s/out.csv", dir);

    assert_int_equal(ferry_stage_open(&st, dir, "out.csv", 1, &err), 0);
    assert_non_null(strstr(st.path, "/.ferry-stage-"));
    assert_int_equal(write(st.fd, "a,b\n", 4), 4);
    assert_false(exists(final));
    char *staged = strdup(st.path);
    assert_int_equal(ferry_stage_publish(&st, &err), 0);
    ferry_stage_free(&st);
    assert_true(exists(final));
    assert_false(exists(staged));
    free(staged);
}

static void test_stage__abort_leaves_nothing(void **state)
{
    const char *dir = *state;
    ferry_err err = FERRY_ERR_INIT;
    ferry_stage st;
    char final[512];
    snprintf(final, sizeof final, "%s/out.xlsx", dir);

    assert_int_equal(ferry_stage_open(&st, dir, "out.xlsx", 1, &err), 0);
    char *staged = strdup(st.path);
    char *tmpdir = st.tmpdir ? strdup(st.tmpdir) : NULL;
    if (tmpdir)
        mkdir(tmpdir, 0700);
    ferry_stage_abort(&st);
    ferry_stage_free(&st);
    assert_false(exists(staged));
    assert_false(exists(final));
    if (tmpdir)
        assert_false(exists(tmpdir));
    free(staged);
    free(tmpdir);
}

static void test_stage__sweep_removes_only_stale(void **state)
{
    const char *dir = *state;
    ferry_err err = FERRY_ERR_INIT;
    ferry_stage live;
    char stale[512];
    snprintf(stale, sizeof stale, "%s/.ferry-stage-old.csv-AAAAAA", dir);
    /* (open sweeps too: the stale file comes after it) */
    assert_int_equal(ferry_stage_open(&live, dir, "new.csv", 1, &err), 0);
    FILE *f = fopen(stale, "w");
    assert_non_null(f);
    fclose(f);
    stamp_ahead(stale, 3);
    assert_int_equal(ferry_stage_sweep(dir, 0), 1);
    assert_false(exists(stale));
    assert_true(exists(live.path));
    ferry_stage_abort(&live);
    ferry_stage_free(&live);
}

/* A run killed between publishing (or removing) its file and removing the
 * file's temp dir leaves an orphan ".d": swept; a live file's dir is not. */
static void test_stage__sweep_removes_orphan_temp_dir(void **state)
{
    const char *dir = *state;
    ferry_err err = FERRY_ERR_INIT;
    ferry_stage live;
    char orphan[512], inside[600];
    assert_int_equal(ferry_stage_open(&live, dir, "new.xlsx", 1, &err), 0);
    snprintf(orphan, sizeof orphan, "%s/.ferry-stage-gone.csv.gz-BBBBBB.d", dir);
    assert_int_equal(mkdir(orphan, 0700), 0);
    snprintf(inside, sizeof inside, "%s/part", orphan);
    FILE *f = fopen(inside, "w");
    assert_non_null(f);
    fclose(f);
    stamp_ahead(orphan, 3);
    char live_dir[600];
    snprintf(live_dir, sizeof live_dir, "%s.d", live.path);
    mkdir(live_dir, 0700); /* may exist already */
    assert_int_equal(ferry_stage_sweep(dir, 0), 1);
    assert_false(exists(orphan));
    assert_true(exists(live_dir));
    ferry_stage_abort(&live);
    ferry_stage_free(&live);
}

/* A stale staging file whose ".d" is a symlink to a directory elsewhere:
 * the sweep removes the file and the link's target keeps its files. */
static void test_stage__sweep_never_follows_temp_dir_symlink(void **state)
{
    const char *dir = *state;
    char victim[512], kept[600], stale[512], link[520];
    snprintf(victim, sizeof victim, "%s/victim", dir);
    assert_int_equal(mkdir(victim, 0700), 0);
    snprintf(kept, sizeof kept, "%s/precious", victim);
    FILE *f = fopen(kept, "w");
    assert_non_null(f);
    fclose(f);
    snprintf(stale, sizeof stale, "%s/.ferry-stage-x.csv-CCCCCC", dir);
    f = fopen(stale, "w");
    assert_non_null(f);
    fclose(f);
    snprintf(link, sizeof link, "%s.d", stale);
    assert_int_equal(symlink(victim, link), 0);
    ferry_stage_sweep(dir, 0);
    assert_false(exists(stale));
    assert_true(exists(kept));
    unlink(link);
}

/* A FIFO under a staging name: the sweep goes on (SIGALRM ends a hang). */
static void test_stage__sweep_does_not_block_on_fifo(void **state)
{
    const char *dir = *state;
    char fifo[512];
    snprintf(fifo, sizeof fifo, "%s/.ferry-stage-fifo.csv-DDDDDD", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    signal(SIGALRM, SIG_DFL);
    alarm(10);
    assert_int_equal(ferry_stage_sweep(dir, 0), 0);
    alarm(0);
    assert_true(exists(fifo));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_stage__publish_renames_into_place, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stage__abort_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stage__sweep_removes_only_stale, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stage__sweep_removes_orphan_temp_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stage__sweep_never_follows_temp_dir_symlink, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_stage__sweep_does_not_block_on_fifo, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
