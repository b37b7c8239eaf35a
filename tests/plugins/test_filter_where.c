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

static void expect_error(const char *settings, int at_open, const char *want);

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
    /* a '+' before a decimal literal, as before an integer one ("+-1" is none) */
    assert_string_equal(run("conditions = [\"amount >= +10.1\"];", buf, sizeof buf),
                        "B, C/NULL;Acme/build;");
    expect_error("conditions = [\"amount = +-1\"];", 1, "not a decimal");
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

/* BIGINT UNSIGNED: an INT64 column whose values above 2^63-1 are DECIMAL
 * text. Every operator and every literal at the edges (2^63-1, 2^63,
 * 2^64-1, negative, beyond 64 bits) against every value at the edges,
 * checked against __int128 arithmetic. */
static __int128 int128_of(const char *s)
{
    int neg = *s == '-';
    __int128 x = 0;
    for (s += neg; *s; s++)
        x = x * 10 + (*s - '0');
    return neg ? -x : x;
}

static int oracle(const char *op, __int128 v, __int128 lit)
{
    if (strcmp(op, "=") == 0 || strcmp(op, "in") == 0)
        return v == lit;
    if (strcmp(op, "!=") == 0)
        return v != lit;
    if (strcmp(op, "<") == 0)
        return v < lit;
    if (strcmp(op, "<=") == 0)
        return v <= lit;
    if (strcmp(op, ">") == 0)
        return v > lit;
    return v >= lit;
}

/* The rows of `values` that "u OP lit" keeps, as a bit mask. */
static unsigned where_unsigned(const char *op, const char *lit, const char *const *values,
                               uint32_t n)
{
    static const char *const uspec[] = {"u:int64"};
    char settings[256];
    pt t;
    pt_load(&t, "filter-where");
    snprintf(settings, sizeof settings,
             strcmp(op, "in") ? "conditions = [\"u %s %s\"];" : "conditions = [\"u %s (7, %s)\"];",
             op, lit);
    assert_int_equal(pt_instance(&t, settings), 0);
    ferry_schema *s = pt_schema(uspec, 1);
    ferry_batch *b = ferry_batch_new(s, n), *o = NULL;
    for (uint32_t r = 0; r < n; r++) {
        assert_true(ferry_batch_add_row(b) >= 0);
        __int128 v = int128_of(values[r]);
        if (v > INT64_MAX) /* as source-mysql sends it */
            assert_int_equal(
                ferry_batch_set_bytes(b, r, 0, FERRY_TYPE_DECIMAL, values[r], strlen(values[r])),
                0);
        else
            ferry_value_set_i64(ferry_batch_at(b, r, 0), FERRY_TYPE_INT64, (int64_t)v);
    }
    const ferry_schema *os;
    assert_int_equal(pt_filter(&t, s, b, &os, &o), 0);
    unsigned kept = 0;
    for (uint32_t r = 0, k = 0; r < n && k < o->nrows; r++)
        if (strcmp(pt_text(o, k, 0), values[r]) == 0)
            kept |= 1u << r, k++;
    assert_int_equal(__builtin_popcount(kept), o->nrows);
    ferry_batch_free(o);
    ferry_batch_free(b);
    pt_schema_free(s);
    pt_done(&t);
    return kept;
}

static void test_where__bigint_unsigned(void **st)
{
    (void)st;
    static const char *const values[] = {"0",
                                         "1",
                                         "9223372036854775806",
                                         "9223372036854775807",
                                         "9223372036854775808",
                                         "9223372036854775809",
                                         "18446744073709551614",
                                         "18446744073709551615"};
    static const char *const lits[] = {"-100000000000000000000000000000",
                                       "-9223372036854775809",
                                       "-9223372036854775808",
                                       "-1",
                                       "0",
                                       "1",
                                       "+7",
                                       "9223372036854775807",
                                       "9223372036854775808",
                                       "09223372036854775808",
                                       "18446744073709551615",
                                       "18446744073709551616",
                                       "100000000000000000000000000000"};
    static const char *const ops[] = {"=", "!=", "<", "<=", ">", ">=", "in"};
    uint32_t n = sizeof values / sizeof *values;
    for (size_t o = 0; o < sizeof ops / sizeof *ops; o++)
        for (size_t l = 0; l < sizeof lits / sizeof *lits; l++) {
            unsigned want = 0, got = where_unsigned(ops[o], lits[l], values, n);
            for (uint32_t r = 0; r < n; r++)
                want |= (unsigned)oracle(ops[o], int128_of(values[r]),
                                         int128_of(lits[l] + (lits[l][0] == '+')))
                        << r;
            if (got != want)
                fail_msg("u %s %s: kept rows 0x%02x, want 0x%02x", ops[o], lits[l], got, want);
        }
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
        cmocka_unit_test(test_where__bigint_unsigned),
        cmocka_unit_test(test_where__bad_conditions),
        cmocka_unit_test(test_where__bad_options_name_file_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
