/* test_filter_compute.c — filter-compute: each function on known values,
 * replacing a column in place, chaining, nulls, and bad expressions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "plugtest.h"

static const char *const specs[] = {"project:string", "date:date", "duration:duration",
                                    "at:timestamp"};
/* 2024-01-31 is a Wednesday; 2021-01-03 a Sunday in ISO week 2020-W53;
 * 1704153600 is 2024-01-02T00:00:00Z; -1 is 1969-12-31T23:59:59Z. */
static const char *const cells[] = {"zoë's Acme", "2024-01-31", "5400", "1704153600",
                                    NULL,         "2021-01-03", "59",   "-1",
                                    "x",          NULL,         NULL,   NULL};

static void test_compute__functions(void **st)
{
    (void)st;
    pt t;
    pt_load(&t, "filter-compute");
    if (pt_instance(&t, "columns = [\"hours = duration_hours(duration)\", "
                        "\"week = date_trunc_week(date)\", \"month = date_trunc_month(date)\", "
                        "\"iso = iso_week(date)\", \"P = upper(project)\", "
                        "\"mins = duration_minutes(duration)\", \"day = to_date(at)\", "
                        "\"tweek = date_trunc_week(at)\", \"y = year(date)\", "
                        "\"label = lower(P)\", \"t = text(duration)\"];")) {
        fprintf(stderr, "%s\n", t.err.msg);
        fail();
    }
    ferry_schema *s = pt_schema(specs, 4);
    ferry_batch *b = pt_batch(s, 3, cells), *o = NULL;
    const ferry_schema *os;
    assert_int_equal(pt_filter(&t, s, b, &os, &o), 0);
    assert_int_equal(os->ncolumns, 15);
    int hours = pt_col(os, "hours"), week = pt_col(os, "week"), month = pt_col(os, "month"),
        iso = pt_col(os, "iso"), up = pt_col(os, "P"), mins = pt_col(os, "mins"),
        day = pt_col(os, "day"), tweek = pt_col(os, "tweek"), y = pt_col(os, "y"),
        label = pt_col(os, "label"), tx = pt_col(os, "t");
    assert_int_equal(os->columns[hours].type, FERRY_TYPE_DOUBLE);
    assert_int_equal(os->columns[week].type, FERRY_TYPE_DATE);
    assert_string_equal(pt_text(o, 0, (uint32_t)hours), "1.5");
    assert_string_equal(pt_text(o, 0, (uint32_t)week), "2024-01-29");
    assert_string_equal(pt_text(o, 0, (uint32_t)month), "2024-01-01");
    assert_string_equal(pt_text(o, 0, (uint32_t)iso), "2024-W05");
    assert_string_equal(pt_text(o, 0, (uint32_t)up), "ZOë'S ACME");
    assert_string_equal(pt_text(o, 0, (uint32_t)label), "zoë's acme");
    assert_string_equal(pt_text(o, 0, (uint32_t)mins), "90");
    assert_string_equal(pt_text(o, 0, (uint32_t)day), "2024-01-02");
    assert_string_equal(pt_text(o, 0, (uint32_t)tweek), "2024-01-01");
    assert_string_equal(pt_text(o, 0, (uint32_t)y), "2024");
    assert_string_equal(pt_text(o, 0, (uint32_t)tx), "1:30:00");
    assert_string_equal(pt_text(o, 1, (uint32_t)week), "2020-12-28");
    assert_string_equal(pt_text(o, 1, (uint32_t)iso), "2020-W53");
    assert_string_equal(pt_text(o, 1, (uint32_t)mins), "0");
    assert_string_equal(pt_text(o, 1, (uint32_t)day), "1969-12-31");
    assert_string_equal(pt_text(o, 1, (uint32_t)up), "NULL");
    assert_string_equal(pt_text(o, 2, (uint32_t)hours), "NULL");
    assert_string_equal(pt_text(o, 2, (uint32_t)week), "NULL");
    ferry_batch_free(o);
    ferry_batch_free(b);
    pt_schema_free(s);
    pt_done(&t);
}

static void test_compute__replace_in_place(void **st)
{
    (void)st;
    pt t;
    pt_load(&t, "filter-compute");
    assert_int_equal(pt_instance(&t, "columns = \"date = date_trunc_month(date)\";"), 0);
    ferry_schema *s = pt_schema(specs, 4);
    ferry_batch *b = pt_batch(s, 3, cells), *o = NULL;
    const ferry_schema *os;
    assert_int_equal(pt_filter(&t, s, b, &os, &o), 0);
    assert_int_equal(os->ncolumns, 4);
    assert_string_equal(pt_text(o, 0, 1), "2024-01-01");
    assert_string_equal(pt_text(o, 1, 1), "2021-01-01");
    assert_string_equal(pt_text(o, 0, 0), "zoë's Acme");
    ferry_batch_free(o);
    ferry_batch_free(b);
    pt_schema_free(s);
    pt_done(&t);
}

/* The JSON-document flag follows the expression: a copy of a JSON column is
 * one, any function's text (text, upper, lower) is none, in place or not. */
static void test_compute__json_flag(void **st)
{
    (void)st;
    pt t;
    pt_load(&t, "filter-compute");
    assert_int_equal(pt_instance(&t, "columns = [\"c = copy(project)\", \"c2 = copy(c)\", "
                                     "\"u = upper(project)\", \"x = text(project)\", "
                                     "\"project = lower(project)\", \"n = copy(date)\"];"),
                     0);
    ferry_schema *s = pt_schema(specs, 4);
    ((ferry_column *)s->columns)[0].flags = FERRY_COLUMN_JSON;
    ferry_batch *b = pt_batch(s, 3, cells), *o = NULL;
    const ferry_schema *os;
    assert_int_equal(pt_filter(&t, s, b, &os, &o), 0);
    assert_int_equal(os->columns[pt_col(os, "c")].flags, FERRY_COLUMN_JSON);
    assert_int_equal(os->columns[pt_col(os, "c2")].flags, FERRY_COLUMN_JSON);
    assert_int_equal(os->columns[pt_col(os, "u")].flags, 0);
    assert_int_equal(os->columns[pt_col(os, "x")].flags, 0);
    assert_int_equal(os->columns[pt_col(os, "project")].flags, 0);
    assert_int_equal(os->columns[pt_col(os, "n")].flags, 0);
    ferry_batch_free(o);
    ferry_batch_free(b);
    pt_schema_free(s);
    pt_done(&t);
}

static void expect_error(const char *settings, int at_open, const char *want)
{
    pt_expect_filter_error("filter-compute", specs, 4, settings, at_open, want);
}

static void test_compute__errors(void **st)
{
    (void)st;
    expect_error("columns = [\"h = hours(duration)\"];", 0,
                 "expression \"h = hours(duration)\": unknown function \"hours\"");
    expect_error("columns = [\"h duration_hours(duration)\"];", 0, "expected \"=\" after \"h\"");
    expect_error("columns = [\"h = upper(a, b)\"];", 0, "functions take one column");
    expect_error("columns = [\"h = duration_hours(date)\"];", 1,
                 "duration_hours() does not take a date column (\"date\")");
    expect_error("columns = [\"h = upper(nosuch)\"];", 1, "no column \"nosuch\"");
    expect_error("\ncolumns = [\"a = copy(date)\"];\nextra = 1;", 0,
                 ":4: plugin filter-compute has no option \"extra\"");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compute__functions),
        cmocka_unit_test(test_compute__replace_in_place),
        cmocka_unit_test(test_compute__json_flag),
        cmocka_unit_test(test_compute__errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
