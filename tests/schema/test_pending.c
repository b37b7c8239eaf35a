/* test_pending.c — ferry_migrate_pending and ferry_migrate_require, the
 * checks long-running commands make before they start, against a fresh
 * database on the test MariaDB ($FERRY_TEST_DB_DIR; skipped without it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "migrate.h"

typedef struct fixture {
    ferry_db *root;
    ferry_db *db;
    char name[64];
    char dir[256];
} fixture;

static int setup(void **state)
{
    const char *dbdir = getenv("FERRY_TEST_DB_DIR");
    if (!dbdir || !*dbdir)
        return 0;
    fixture *f = calloc(1, sizeof *f);
    char url[512];
    ferry_err err = FERRY_ERR_INIT;
    snprintf(url, sizeof url, "mysql://root@localhost/mysql?socket=%s/mysqld.sock", dbdir);
    if (fdb_connect_url(&f->root, url, 0, &err))
        fail_msg("%s", err.msg);
    snprintf(f->name, sizeof f->name, "ferry_t_pending_%d", (int)getpid());
    char sql[256];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS `%s`", f->name);
    assert_int_equal(fdb_run(f->root, sql, &err), 0);
    snprintf(sql, sizeof sql, "CREATE DATABASE `%s` CHARACTER SET utf8mb4", f->name);
    assert_int_equal(fdb_run(f->root, sql, &err), 0);
    snprintf(url, sizeof url, "mysql://ferry:ferry@localhost/%s?socket=%s/mysqld.sock", f->name,
             dbdir);
    if (fdb_connect_url(&f->db, url, 0, &err))
        fail_msg("%s", err.msg);
    /* A directory with just 0001 of the real migrations. */
    snprintf(f->dir, sizeof f->dir, "/tmp/ferry-pending-%d", (int)getpid());
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "mkdir -p %s && cp %s/schema/migrations/0001_initial.sql %s/", f->dir,
             FERRY_SOURCE_DIR, f->dir);
    assert_int_equal(system(cmd), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    if (!f)
        return 0;
    char sql[256];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS `%s`", f->name);
    fdb_run(f->root, sql, NULL);
    fdb_close(f->db);
    fdb_close(f->root);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", f->dir);
    free(f);
    return 0;
}

static void test_pending__names_then_none(void **state)
{
    fixture *f = *state;
    if (!f)
        skip();
    ferry_err err = FERRY_ERR_INIT;
    int count = -1;
    char names[256];

    /* Never migrated: every file is pending, named in order. */
    assert_int_equal(ferry_migrate_pending(f->db, FERRY_SOURCE_DIR "/schema/migrations", &count,
                                           names, sizeof names, &err),
                     0);
    assert_int_equal(count, 6);
    assert_string_equal(names, "0001_initial.sql, 0002_default_templates.sql, "
                               "0003_ferry_columns.sql, 0004_warning_count.sql, "
                               "0005_email_deliveries.sql, 0006_ops.sql");
    assert_int_equal(ferry_migrate_require(NULL, f->db, &err), FERRY_ERR_DB);
    assert_non_null(strstr(err.msg, "6 pending migrations (0001_initial.sql, "));
    assert_non_null(strstr(err.msg, "ferry db migrate"));

    /* A short buffer is cut, still terminated. */
    char small[10];
    assert_int_equal(ferry_migrate_pending(f->db, FERRY_SOURCE_DIR "/schema/migrations", &count,
                                           small, sizeof small, &err),
                     0);
    assert_int_equal(count, 6);
    assert_int_equal(strlen(small), sizeof small - 1);

    /* Apply only 0001: three remain against the full directory. */
    int applied = 0;
    assert_int_equal(ferry_migrate_apply(f->db, f->dir, NULL, &applied, &err), 0);
    assert_int_equal(applied, 1);
    assert_int_equal(ferry_migrate_pending(f->db, FERRY_SOURCE_DIR "/schema/migrations", &count,
                                           names, sizeof names, &err),
                     0);
    assert_int_equal(count, 5);
    assert_string_equal(names, "0002_default_templates.sql, 0003_ferry_columns.sql, "
                               "0004_warning_count.sql, 0005_email_deliveries.sql, 0006_ops.sql");

    /* All applied: nothing pending, require passes. */
    assert_int_equal(
        ferry_migrate_apply(f->db, FERRY_SOURCE_DIR "/schema/migrations", NULL, &applied, &err), 0);
    assert_int_equal(applied, 5);
    assert_int_equal(ferry_migrate_pending(f->db, FERRY_SOURCE_DIR "/schema/migrations", &count,
                                           names, sizeof names, &err),
                     0);
    assert_int_equal(count, 0);
    assert_string_equal(names, "");
    assert_int_equal(ferry_migrate_require(NULL, f->db, &err), 0);
}

static void test_pending__missing_directory(void **state)
{
    fixture *f = *state;
    if (!f)
        skip();
    ferry_err err = FERRY_ERR_INIT;
    int count = 0;
    assert_int_equal(ferry_migrate_pending(f->db, "/nonexistent/migrations", &count, NULL, 0, &err),
                     FERRY_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "/nonexistent/migrations"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pending__names_then_none),
        cmocka_unit_test(test_pending__missing_directory),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
