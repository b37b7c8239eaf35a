/* test_filter_where.c — filter-where through the core's loader: typed
 * comparisons, in, contains, is null, match any, and bad conditions and
 * options with their messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "plugtest.h"

static const char *const specs[] = {"project:string", "task:string",    "duration:duration",
                                    "date:date",      "amount:decimal", "description:string"};
static const char *const cells[] = {
    "Acme",  "design", "3600", "2024-01-30", "9.99",  "Fixed the Login page",
    "B, C",  NULL,     "3601", "2024-01-31", "10.10", "Zoë's review",
    "Other", "build",  NULL,   "2024-02-01", "-1",    NULL,
    "Acme",  "build",  "7200", "2024-02-02", "10.1",  "login again",
};

/* Runs filter-where with `settings` on the rows above; returns the kept
 * rows' projects and tasks joined as "project/task;…". */
static const char *run(const char *settings, char *out, size_t cap)
{
    pt t;
    pt_load(&t, "filter-where");
    if (pt_instance(&t, settings) != 0) {
        fprintf(stderr, "%s\n", t.err.msg);
        fail();
    }
    ferry_schema *s = pt_schema(specs, 6);
    ferry_batch *b = pt_batch(s, 4, cells), *o = NULL;
    const ferry_schema *os;
    int rc = pt_filter(&t, s, b, &os, &o);
    if (rc)
        fprintf(stderr, "%s\n", ferry_instance_error(t.inst));
    assert_int_equal(rc, 0);
    out[0] = '\0';
    for (uint32_t r = 0; r < o->nrows; r++) {
        strncat(out, pt_text(o, r, 0), cap - strlen(out) - 1);
        strncat(out, "/", cap - strlen(out) - 1);
        strncat(out, pt_text(o, r, 1), cap - strlen(out) - 1);
        strncat(out, ";", cap - strlen(out) - 1);
    }
    ferry_batch_free(o);
    ferry_batch_free(b);
    pt_schema_free(s);
    pt_done(&t);
    return out;
}

static void test_where__comparisons(void **st)
{
    (void)st;
    char buf[512];
    assert_string_equal(run("conditions = [\"duration > 3600\"];", buf, sizeof buf),
                        "B, C/NULL;Acme/build;");
    assert_string_equal(run("conditions = [\"duration <= 1:00\"];", buf, sizeof buf),
                        "Acme/design;");
    assert_string_equal(
        run("conditions = [\"date >= 2024-01-31\", \"date < '2024-02-02'\"];", buf, sizeof buf),
        "B, C/NULL;Other/build;");
    /* decimals compare as numbers, not text: 9.99 < 10.1 = 10.10 */
    assert_string_equal(run("conditions = [\"amount = 10.1\"];", buf, sizeof buf),
                        "B, C/NULL;Acme/build;");
    assert_string_equal(run("conditions = [\"amount < 10\"];", buf, sizeof buf),
                        "Acme/design;Other/build;");
    /* != is SQL's: a null task matches neither = nor != */
    assert_string_equal(run("conditions = [\"task != build\"];", buf, sizeof buf), "Acme/design;");
}

static void test_where__in_contains_null(void **st)
{
    (void)st;
    char buf[512];
    assert_string_equal(run("conditions = [\"project in ('B, C', Other)\"];", buf, sizeof buf),
                        "B, C/NULL;Other/build;");
    assert_string_equal(run("conditions = [\"description contains 'LOGIN'\"];", buf, sizeof buf),
                        "Acme/design;Acme/build;");
    assert_string_equal(run("conditions = [\"task is null\"];", buf, sizeof buf), "B, C/NULL;");
    assert_string_equal(
        run("conditions = [\"duration IS NOT NULL\", \"project = Acme\"];", buf, sizeof buf),
        "Acme/design;Acme/build;");
    assert_string_equal(run("conditions = [\"task is null\", \"duration is null\"];\n"
                            "match = \"any\";",
                            buf, sizeof buf),
                        "B, C/NULL;Other/build;");
    assert_string_equal(run("conditions = \"description contains 'it''s'\";", buf, sizeof buf), "");
}

/* The error for `settings`, from init (at_open 0) or from open (1). */
static void expect_error(const char *settings, int at_open, const char *want)
{
    pt_expect_filter_error("filter-where", specs, 6, settings, at_open, want);
}

static void test_where__bad_conditions(void **st)
{
    (void)st;
    expect_error("conditions = [\"duration >> 5\"];", 1,
                 "condition \"duration >> 5\": \"> 5\" for duration column");
    expect_error("conditions = [\"task is nul\"];", 0,
                 "condition \"task is nul\": expected \"null\" after \"is\"");
    expect_error("conditions = [\"duration between 1 and 2\"];", 0,
                 "condition \"duration between 1 and 2\": expected an operator");
    expect_error("conditions = [\"project in (A, B\"];", 0, "condition \"project in (A, B\"");
    expect_error("conditions = [\"task = null\"];", 0, "use \"is null\"");
    expect_error("conditions = [\"duration > abc\"];", 1,
                 "condition \"duration > abc\": \"abc\" for duration column \"duration\": not a "
                 "duration");
    expect_error("conditions = [\"date = 2024-02-30\"];", 1, "not a date (YYYY-MM-DD)");
    expect_error("conditions = [\"nosuch = 1\"];", 1,
                 "condition \"nosuch = 1\": unknown column \"nosuch\"");
    expect_error("conditions = [\"duration contains 1\"];", 1, "needs a string column");
}

static void test_where__bad_options_name_file_line(void **st)
{
    (void)st;
    pt t;
    pt_load(&t, "filter-where");
    assert_int_not_equal(pt_instance(&t, "conditions = [\"task is null\"];\nmatch = \"some\";"), 0);
    char want[512];
    snprintf(want, sizeof want, "%s:3: plugin filter-where: option \"match\" = \"some\"", t.path);
    assert_non_null(strstr(t.err.msg, want));
    assert_int_not_equal(pt_instance(&t, "\n\nconditions = 5;"), 0);
    snprintf(want, sizeof want, "%s:4:", t.path);
    assert_non_null(strstr(t.err.msg, want));
    assert_non_null(strstr(t.err.msg, "\"conditions\" must be a list"));
    assert_int_not_equal(pt_instance(&t, "condition = [\"task is null\"];"), 0);
    snprintf(want, sizeof want, "%s:2: plugin filter-where has no option \"condition\"", t.path);
    assert_non_null(strstr(t.err.msg, want));
    assert_int_not_equal(pt_instance(&t, "match = \"any\";"), 0);
    assert_non_null(strstr(t.err.msg, "required option \"conditions\""));
    pt_done(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_where__comparisons),
        cmocka_unit_test(test_where__in_contains_null),
        cmocka_unit_test(test_where__bad_conditions),
        cmocka_unit_test(test_where__bad_options_name_file_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
