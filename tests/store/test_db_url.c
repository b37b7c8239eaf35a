/*
 * test_db_url.c — the database URL parser (store/db.c fdb_parse_url):
 * user and password percent-decoded, host:port, ?socket=, mariadb://,
 * and malformed URLs refused without echoing the password.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "db.h"

static void test_db_url__host_port_and_escapes(void **state)
{
    (void)state;
    fdb_params p;
    ferry_err err = FERRY_ERR_INIT;
    assert_int_equal(fdb_parse_url(&p, "mysql://us%40er:p%3Aw%2F%40d@db.example:3307/ferry", &err),
                     0);
    assert_string_equal(p.user, "us@er");
    assert_string_equal(p.password, "p:w/@d");
    assert_string_equal(p.host, "db.example");
    assert_int_equal(p.port, 3307);
    assert_string_equal(p.database, "ferry");
    assert_null(p.socket);
}

static void test_db_url__raw_at_in_password_and_no_port(void **state)
{
    (void)state;
    fdb_params p;
    ferry_err err = FERRY_ERR_INIT;
    /* the last '@' ends the credentials */
    assert_int_equal(fdb_parse_url(&p, "mariadb://u:a@b@host/db", &err), 0);
    assert_string_equal(p.user, "u");
    assert_string_equal(p.password, "a@b");
    assert_string_equal(p.host, "host");
    assert_int_equal(p.port, 0);
    assert_int_equal(fdb_parse_url(&p, "mysql://onlyuser@host/db", &err), 0);
    assert_string_equal(p.user, "onlyuser");
    assert_null(p.password);
}

static void test_db_url__socket(void **state)
{
    (void)state;
    fdb_params p;
    ferry_err err = FERRY_ERR_INIT;
    assert_int_equal(
        fdb_parse_url(&p, "mysql://u:pw@localhost/db?socket=/run/my%20sql/s.sock", &err), 0);
    assert_string_equal(p.host, "localhost");
    assert_string_equal(p.database, "db");
    assert_string_equal(p.socket, "/run/my sql/s.sock");
    assert_int_equal(fdb_parse_url(&p, "mysql://u:pw@localhost/db?timeout=3", &err),
                     FERRY_ERR_CONFIG);
    assert_string_equal(err.msg, "database URL has an unknown parameter \"timeout=3\"");
}

/* Each refusal: FERRY_ERR_CONFIG, and the password nowhere in the message. */
static void expect_refused(const char *url, const char *msg)
{
    fdb_params p;
    ferry_err err = FERRY_ERR_INIT;
    assert_int_equal(fdb_parse_url(&p, url, &err), FERRY_ERR_CONFIG);
    assert_string_equal(err.msg, msg);
    assert_null(strstr(err.msg, "s3cret"));
}

static void test_db_url__refusals_keep_the_password_out(void **state)
{
    (void)state;
    expect_refused("postgres://u:s3cret@host/db",
                   "database URL must start with mysql:// or mariadb:// (got scheme "
                   "\"postgres\")");
    expect_refused("u:s3cret@host/db",
                   "database URL must start with mysql:// or mariadb:// (got scheme \"u\")");
    expect_refused("mysql://u:s3cret@host",
                   "database URL must look like mysql://user:password@host:port/db");
    expect_refused("mysql://u:s3cret@host:99999/db", "database URL has a bad port");
    expect_refused("mysql://u:s3cret@host:33x/db", "database URL has a bad port");
    expect_refused("mysql://u:s3cret@host/", "database URL is too long or has no database");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_db_url__host_port_and_escapes),
        cmocka_unit_test(test_db_url__raw_at_in_password_and_no_port),
        cmocka_unit_test(test_db_url__socket),
        cmocka_unit_test(test_db_url__refusals_keep_the_password_out),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
