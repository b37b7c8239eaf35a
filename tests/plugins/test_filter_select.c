/* test_filter_select.c — filter-select: keep, drop, rename, order, and
 * bad options. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "plugtest.h"

static const char *const specs[] = {"id:int64", "project:string", "duration:duration", "date:date"};
static const char *const cells[] = {"1", "Acme", "5400", "2024-01-31",
                                    "2", NULL,   "60",   "2024-02-01"};

/* "name,name|row1cells|row2cells" of the output of filter-select with `settings`. */
static const char *run(const char *settings, char *out, size_t cap)
{
    pt t;
    pt_load(&t, "filter-select");
    if (pt_instance(&t, settings)) {
        fprintf(stderr, "%s\n", t.err.msg);
        fail();
    }
    ferry_schema *s = pt_schema(specs, 4);
    ferry_batch *b = pt_batch(s, 2, cells), *o = NULL;
    const ferry_schema *os;
    int rc = pt_filter(&t, s, b, &os, &o);
    if (rc)
        fprintf(stderr, "%s\n", ferry_instance_error(t.inst));
    assert_int_equal(rc, 0);
    size_t n = 0;
    for (uint32_t c = 0; c < os->ncolumns; c++)
        n += (size_t)snprintf(out + n, cap - n, "%s%s:%s", c ? "," : "", os->columns[c].name,
                              ferry_type_name(os->columns[c].type));
    for (uint32_t r = 0; r < o->nrows; r++)
        for (uint32_t c = 0; c < os->ncolumns; c++)
            n += (size_t)snprintf(out + n, cap - n, "%s%s", c ? "," : "|", pt_text(o, r, c));
    ferry_batch_free(o);
    ferry_batch_free(b);
    pt_schema_free(s);
    pt_done(&t);
    return out;
}

static void test_select__keep_drop_rename_order(void **st)
{
    (void)st;
    char buf[512];
    assert_string_equal(run("keep = [\"duration\", \"project\"];", buf, sizeof buf),
                        "duration:duration,project:string|1:30:00,Acme|0:01:00,NULL");
    assert_string_equal(run("drop = [\"id\", \"date\"];", buf, sizeof buf),
                        "project:string,duration:duration|Acme,1:30:00|NULL,0:01:00");
    assert_string_equal(run("rename = [\"project:client\"];\norder = [\"date\"];", buf, sizeof buf),
                        "date:date,id:int64,client:string,duration:duration|2024-01-31,1,Acme,1:"
                        "30:00|2024-02-01,2,NULL,0:01:00");
    assert_string_equal(run("keep = [\"id\", \"project\"];\nrename = [\"id:n\"];", buf, sizeof buf),
                        "n:int64,project:string|1,Acme|2,NULL");
}

static void expect_error(const char *settings, int at_open, const char *want)
{
    pt_expect_filter_error("filter-select", specs, 4, settings, at_open, want);
}

static void test_select__errors(void **st)
{
    (void)st;
    expect_error("rename = [\"project\"];", 0, "option rename: \"project\" is not \"old:new\"");
    expect_error("keep = [\"nosuch\"];", 1, "option keep: no column \"nosuch\" in the input");
    expect_error("drop = [\"id\", \"project\", \"duration\", \"date\"];", 1,
                 "no column is left to output");
    expect_error("rename = [\"project:id\"];", 1, "two output columns named \"id\"");
    expect_error("\nkeep = \"id\";\nsort = [\"id\"];", 0,
                 ":4: plugin filter-select has no option \"sort\"");
    expect_error("keep = [1, 2];", 0,
                 ":2: plugin filter-select: option \"keep\" item 1 must be a string");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_select__keep_drop_rename_order),
        cmocka_unit_test(test_select__errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
