/* test_store.c — file store access beneath the store (core/src/store/artifacts.c):
 * mapping file_path to a store-relative path, opening with openat2 and with
 * its O_NOFOLLOW fallback, removing without following symlinks. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "artifacts.h"

typedef struct fixture {
    char root[256];  /* temp dir */
    char store[300]; /* root/store */
    int store_fd;
} fixture;

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    snprintf(fx->root, sizeof fx->root, "/tmp/ferry-store-test-XXXXXX");
    if (!mkdtemp(fx->root))
        return -1;
    char p[512];
    snprintf(fx->store, sizeof fx->store, "%s/store", fx->root);
    mkdir(fx->store, 0700);
    snprintf(p, sizeof p, "%s/sub", fx->store);
    mkdir(p, 0700);
    snprintf(p, sizeof p, "%s/outside", fx->root);
    mkdir(p, 0700);
    snprintf(p, sizeof p, "%s/outside/secret", fx->root);
    put(p, "secret");
    snprintf(p, sizeof p, "%s/a.csv", fx->store);
    put(p, "a");
    snprintf(p, sizeof p, "%s/sub/b.csv", fx->store);
    put(p, "b");
    char target[512];
    snprintf(target, sizeof target, "%s/outside/secret", fx->root);
    snprintf(p, sizeof p, "%s/link", fx->store);
    if (symlink(target, p))
        return -1;
    snprintf(target, sizeof target, "%s/outside", fx->root);
    snprintf(p, sizeof p, "%s/dirlink", fx->store);
    if (symlink(target, p))
        return -1;
    snprintf(p, sizeof p, "%s/inlink", fx->store);
    if (symlink("a.csv", p)) /* a symlink that stays inside: still refused */
        return -1;
    fx->store_fd = open(fx->store, O_RDONLY | O_DIRECTORY);
    *state = fx;
    return fx->store_fd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    close(fx->store_fd);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx->root);
    int rc = system(cmd);
    free(fx);
    return rc == 0 ? 0 : -1;
}

static void test_store__relpath(void **state)
{
    fixture *fx = *state;
    char rel[256], p[512];
    assert_int_equal(ferry_store_relpath("/srv/store", NULL, "a.csv", rel, sizeof rel), 0);
    assert_string_equal(rel, "a.csv");
    assert_int_equal(
        ferry_store_relpath("/srv/store/", NULL, "/srv/store/u/a.csv", rel, sizeof rel), 0);
    assert_string_equal(rel, "u/a.csv");
    assert_int_equal(
        ferry_store_relpath("/srv/store", "/real/store", "/real/store/a", rel, sizeof rel), 0);
    assert_string_equal(rel, "a");
    const char *bad[] = {
        "",          "/srv/storex/a", "/srv/other/a", "/srv/store", "/srv/store/", "../a",
        "u/../../a", "u//a",          "./a",          "u/.",        "/etc/passwd", NULL};
    for (size_t i = 0; bad[i]; i++)
        assert_int_equal(ferry_store_relpath("/srv/store", NULL, bad[i], rel, sizeof rel), -1);
    assert_int_equal(ferry_store_relpath("/srv/store", NULL, "abcdef", rel, 4), -1);
    snprintf(p, sizeof p, "%s/sub/b.csv", fx->store);
    assert_int_equal(ferry_store_relpath(fx->store, NULL, p, rel, sizeof rel), 0);
    assert_string_equal(rel, "sub/b.csv");
}

static void check_open(int fd_store, int (*open_fn)(int, const char *, int))
{
    char buf[16] = {0};
    int fd = open_fn(fd_store, "a.csv", O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(read(fd, buf, sizeof buf - 1), 1);
    assert_string_equal(buf, "a");
    close(fd);
    fd = open_fn(fd_store, "sub/b.csv", O_RDONLY);
    assert_true(fd >= 0);
    close(fd);
    /* Symlinks anywhere on the way, "..", absolute paths: refused. */
    const char *bad[] = {"link",
                         "dirlink/secret",
                         "inlink",
                         "../outside/secret",
                         "sub/../../outside/secret",
                         "/etc/passwd",
                         "",
                         NULL};
    for (size_t i = 0; bad[i]; i++) {
        fd = open_fn(fd_store, bad[i], O_RDONLY);
        if (fd >= 0)
            fail_msg("opened %s", bad[i]);
    }
    assert_int_equal(open_fn(fd_store, "nope.csv", O_RDONLY), -ENOENT);
}

static void test_store__openat2(void **state)
{
    fixture *fx = *state;
    check_open(fx->store_fd, ferry_store_openat);
}

static void test_store__fallback(void **state)
{
    fixture *fx = *state;
    check_open(fx->store_fd, ferry_store_openat_walk);
}

static void test_store__unlink(void **state)
{
    fixture *fx = *state;
    char p[512];
    struct stat st;
    assert_int_equal(ferry_store_unlink(fx->store_fd, "sub/b.csv"), 0);
    snprintf(p, sizeof p, "%s/sub/b.csv", fx->store);
    assert_int_equal(stat(p, &st), -1);
    assert_int_equal(ferry_store_unlink(fx->store_fd, "sub/b.csv"), -ENOENT);
    assert_int_equal(ferry_store_unlink(fx->store_fd, "sub"), -EISDIR);
    /* Through a directory symlink: refused; the target stays. */
    assert_true(ferry_store_unlink(fx->store_fd, "dirlink/secret") < 0);
    assert_true(ferry_store_unlink(fx->store_fd, "../outside/secret") < 0);
    snprintf(p, sizeof p, "%s/outside/secret", fx->root);
    assert_int_equal(stat(p, &st), 0);
    /* A symlink itself is removed, its target is not. */
    assert_int_equal(ferry_store_unlink(fx->store_fd, "link"), 0);
    assert_int_equal(stat(p, &st), 0);
    snprintf(p, sizeof p, "%s/link", fx->store);
    assert_int_equal(lstat(p, &st), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_store__relpath, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store__openat2, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store__fallback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store__unlink, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
