/* test_sql_split.c — unit tests of migrate.c's statement splitter: `;` at
 * the end of a line ends a statement, `--` lines are comments, and each
 * statement knows the line it starts on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "migrate.h"

static void split(const char *text, ferry_sql_stmt **s, size_t *n)
{
    ferry_err err = FERRY_ERR_INIT;
    assert_int_equal(ferry_sql_split(text, strlen(text), s, n, &err), 0);
}

static void test_sql_split__statements_and_lines(void **state)
{
    (void)state;
    ferry_sql_stmt *s;
    size_t n;
    split("-- header; with a semicolon;\n"
          "\n"
          "CREATE TABLE a (\n"
          "  x int -- trailing comment\n"
          ");\n"
          "  -- indented comment;\n"
          "INSERT INTO a VALUES (1); \t\n"
          "INSERT INTO a VALUES ('x;y'), ('z');\n",
          &s, &n);
    assert_int_equal(n, 3);
    assert_string_equal(s[0].sql, "\nCREATE TABLE a (\n  x int -- trailing comment\n)");
    assert_int_equal(s[0].line, 3);
    assert_string_equal(s[1].sql, "INSERT INTO a VALUES (1)");
    assert_int_equal(s[1].line, 7);
    assert_string_equal(s[2].sql, "INSERT INTO a VALUES ('x;y'), ('z')");
    assert_int_equal(s[2].line, 8);
    ferry_sql_stmts_free(s, n);
}

static void test_sql_split__last_statement_without_semicolon(void **state)
{
    (void)state;
    ferry_sql_stmt *s;
    size_t n;
    split("SELECT 1;\nSELECT\n 2", &s, &n);
    assert_int_equal(n, 2);
    assert_string_equal(s[1].sql, "SELECT\n 2");
    assert_int_equal(s[1].line, 2);
    ferry_sql_stmts_free(s, n);
}

static void test_sql_split__only_comments(void **state)
{
    (void)state;
    ferry_sql_stmt *s;
    size_t n;
    split("-- nothing;\n\n   \n-- at all\n", &s, &n);
    assert_int_equal(n, 0);
    ferry_sql_stmts_free(s, n);
    split("", &s, &n);
    assert_int_equal(n, 0);
    ferry_sql_stmts_free(s, n);
}

static void test_sql_split__crlf_lines(void **state)
{
    (void)state;
    ferry_sql_stmt *s;
    size_t n;
    split("SELECT 1;\r\nSELECT 2;\r\n", &s, &n);
    assert_int_equal(n, 2);
    assert_string_equal(s[0].sql, "SELECT 1");
    assert_string_equal(s[1].sql, "SELECT 2");
    ferry_sql_stmts_free(s, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sql_split__statements_and_lines),
        cmocka_unit_test(test_sql_split__last_statement_without_semicolon),
        cmocka_unit_test(test_sql_split__only_comments),
        cmocka_unit_test(test_sql_split__crlf_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
