/* test_source_csv.c — source-csv: RFC 4180 (quotes, embedded newlines,
 * CRLF, BOM), typed columns by header name or position, the query's fields
 * and predicates, and errors at file:line:column. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "plugtest.h"

static char csv_path[64];

static void write_csv_n(const char *bytes, size_t len)
{
    snprintf(csv_path, sizeof csv_path, "/tmp/ferry-csv-%d.csv", (int)getpid());
    FILE *f = fopen(csv_path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes, 1, len, f), len);
    fclose(f);
}

static void write_csv(const char *bytes)
{
    write_csv_n(bytes, strlen(bytes));
}

/* Reads the whole source with `query`; returns the rows as
 * "a,b|a,b" text (pt_text), or the error message when rc != 0. */
static int read_all(const char *settings, const ferry_query *q, char *out, size_t cap)
{
    pt t;
    pt_load(&t, "source-csv");
    char full[2048];
    snprintf(full, sizeof full, "path = \"%s\";\n%s", csv_path, settings);
    int rc = pt_instance(&t, full);
    if (rc) {
        snprintf(out, cap, "%s", t.err.msg);
        pt_done(&t);
        return rc;
    }
    const ferry_plugin_descriptor *d = ferry_instance_desc(t.inst);
    void *st = ferry_instance_state(t.inst);
    const ferry_schema *s;
    int64_t count;
    ferry_query all = {0, 0, NULL, NULL};
    rc = d->source->open(st, q ? q : &all, &s, &count);
    size_t n = 0;
    out[0] = '\0';
    if (!rc) {
        for (uint32_t c = 0; c < s->ncolumns; c++)
            n += (size_t)snprintf(out + n, cap - n, "%s%s:%s", c ? "," : "", s->columns[c].name,
                                  ferry_type_name(s->columns[c].type));
        ferry_batch *b = ferry_batch_new(s, 2); /* small: several reads */
        int eof = 0;
        while (!eof && !rc) {
            ferry_batch_reset(b);
            rc = d->source->read(st, b, &eof);
            for (uint32_t r = 0; !rc && r < b->nrows; r++)
                for (uint32_t c = 0; c < s->ncolumns; c++)
                    n +=
                        (size_t)snprintf(out + n, cap - n, "%s%s", c ? "," : "|", pt_text(b, r, c));
        }
        ferry_batch_free(b);
    }
    if (rc)
        snprintf(out, cap, "%s", ferry_instance_error(t.inst));
    d->source->close(st);
    pt_done(&t);
    return rc;
}

static void test_csv__rfc4180(void **st)
{
    (void)st;
    char out[2048];
    write_csv("\xEF\xBB\xBFid,description,duration,date\r\n"
              "1,\"comma, \"\"quote\"\"\",1:30,2024-01-31\r\n"
              "2,\"two\nlines\",3600,2024-02-01\r\n"
              "\r\n"
              "3,,\"\",2024-02-02\n"
              "4,\"\",5400.25,2024-02-03");
    assert_int_equal(read_all("columns = [\"id:int64\", \"description\", \"duration:duration\", "
                              "\"date:date\"];",
                              NULL, out, sizeof out),
                     0);
    /* "" is an empty string for a string column; an empty unquoted field null */
    assert_string_equal(out, "id:int64,description:string,duration:duration,date:date"
                             "|1,comma, \"quote\",1:30:00,2024-01-31"
                             "|2,two\nlines,1:00:00,2024-02-01"
                             "|3,NULL,NULL,2024-02-02"
                             "|4,,1:30:00.250000,2024-02-03");
}

static void test_csv__header_by_name_and_all_strings(void **st)
{
    (void)st;
    char out[2048];
    write_csv("a;b;c\nx;1;true\ny;2;no\n");
    assert_int_equal(
        read_all("delimiter = \";\";\ncolumns = [\"c:bool\", \"a\"];", NULL, out, sizeof out), 0);
    assert_string_equal(out, "c:bool,a:string|true,x|false,y");
    assert_int_equal(read_all("delimiter = \";\";", NULL, out, sizeof out), 0);
    assert_string_equal(out, "a:string,b:string,c:string|x,1,true|y,2,no");
    write_csv("x\t1\ny\t2\n");
    assert_int_equal(read_all("delimiter = \"tab\";\nheader = false;\n"
                              "columns = [\"name\", \"n:int64\"];",
                              NULL, out, sizeof out),
                     0);
    assert_string_equal(out, "name:string,n:int64|x,1|y,2");
}

/* A header's fields are names as they are: a colon in one is no type
 * ("d:int64" stays a string column of that name); a declared spec's type is
 * after its last colon, so such a column can be declared too. */
static void test_csv__header_names_with_colons(void **st)
{
    (void)st;
    char out[2048], want[256];
    write_csv("a:b,d:int64,Note: x\n1,2,3\n");
    assert_int_equal(read_all("", NULL, out, sizeof out), 0);
    assert_string_equal(out, "a:b:string,d:int64:string,Note: x:string|1,2,3");
    assert_int_equal(
        read_all("columns = [\"d:int64:int64\", \"Note: x:string\"];", NULL, out, sizeof out), 0);
    assert_string_equal(out, "d:int64:int64,Note: x:string|2,3");
    write_csv("a,,c\n1,2,3\n");
    assert_int_not_equal(read_all("", NULL, out, sizeof out), 0);
    snprintf(want, sizeof want, "%s:1: header field 2 is empty", csv_path);
    assert_string_equal(out, want);
    write_csv("\na,b,a\n1,2,3\n");
    assert_int_not_equal(read_all("", NULL, out, sizeof out), 0);
    snprintf(want, sizeof want, "%s:2: the header names \"a\" twice", csv_path);
    assert_string_equal(out, want);
}

static void test_csv__query(void **st)
{
    (void)st;
    char out[2048];
    write_csv("id,project,duration,amount\n1,Acme,3600,9.99\n2,Ferry,7200,10.10\n"
              "3,Acme,,100\n4,acme corp,60,0.5\n");
    const char *settings = "columns = [\"id:int64\", \"project\", \"duration:duration\", "
                           "\"amount:decimal\"];";
    const char *fields[] = {"amount", "id"};
    ferry_value acme;
    ferry_value_set_ref(&acme, FERRY_TYPE_STRING, "ACME", 4);
    ferry_value secs;
    ferry_value_set_i64(&secs, FERRY_TYPE_INT64, 3600); /* seconds for a duration */
    ferry_value ten;
    ferry_value_set_ref(&ten, FERRY_TYPE_STRING, "10", 2);
    ferry_predicate p1[] = {{"project", FERRY_OP_CONTAINS, 1, &acme},
                            {"duration", FERRY_OP_GTE, 1, &secs}};
    ferry_query q1 = {2, 2, fields, p1};
    assert_int_equal(read_all(settings, &q1, out, sizeof out), 0);
    assert_string_equal(out, "amount:decimal,id:int64|9.99,1");
    ferry_predicate p2[] = {{"amount", FERRY_OP_LT, 1, &ten},
                            {"duration", FERRY_OP_NOT_NULL, 0, NULL}};
    ferry_query q2 = {1, 2, fields + 1, p2};
    assert_int_equal(read_all(settings, &q2, out, sizeof out), 0);
    assert_string_equal(out, "id:int64|1|4");
    ferry_value ids[2];
    ferry_value_set_i64(&ids[0], FERRY_TYPE_INT64, 2);
    ferry_value_set_ref(&ids[1], FERRY_TYPE_STRING, "3", 1);
    ferry_predicate p3[] = {{"id", FERRY_OP_IN, 2, ids}, {"duration", FERRY_OP_IS_NULL, 0, NULL}};
    ferry_query q3 = {1, 2, fields + 1, p3};
    assert_int_equal(read_all(settings, &q3, out, sizeof out), 0);
    assert_string_equal(out, "id:int64|3");
    /* a predicate it cannot apply is an error, never ignored */
    ferry_predicate bad[] = {{"nosuch", FERRY_OP_EQ, 1, &acme}};
    ferry_query q4 = {0, 1, NULL, bad};
    assert_int_not_equal(read_all(settings, &q4, out, sizeof out), 0);
    assert_non_null(strstr(out, "filter on \"nosuch\": unknown column \"nosuch\""));
    ferry_predicate bad2[] = {{"duration", FERRY_OP_GT, 1, &acme}};
    ferry_query q5 = {0, 1, NULL, bad2};
    assert_int_not_equal(read_all(settings, &q5, out, sizeof out), 0);
    assert_non_null(strstr(out, "\"ACME\" for duration column \"duration\": not a duration"));
    const char *unknown[] = {"nosuch"};
    ferry_query q6 = {1, 0, unknown, NULL};
    assert_int_not_equal(read_all(settings, &q6, out, sizeof out), 0);
    assert_non_null(strstr(out, "no column \"nosuch\""));
}

static void test_csv__errors_at_file_line_column(void **st)
{
    (void)st;
    char out[2048], want[256];
    const char *settings = "columns = [\"id:int64\", \"note\", \"date:date\"];";
    write_csv("id,note,date\n1,\"multi\nline\",2024-01-31\n2,ok,2024-13-01\n");
    assert_int_not_equal(read_all(settings, NULL, out, sizeof out), 0);
    snprintf(want, sizeof want,
             "%s:4:6: column \"date\": \"2024-13-01\" is not a date (YYYY-MM-DD)", csv_path);
    assert_string_equal(out, want);
    write_csv("id,note,date\n1,x,2024-01-31\n1x,y,2024-01-31\n");
    assert_int_not_equal(read_all(settings, NULL, out, sizeof out), 0);
    snprintf(want, sizeof want, "%s:3:1: column \"id\": \"1x\" is not an integer", csv_path);
    assert_string_equal(out, want);
    write_csv("id,note,date\n1,\"open,2024-01-31\n");
    assert_int_not_equal(read_all(settings, NULL, out, sizeof out), 0);
    snprintf(want, sizeof want, "%s:2:3: a quoted field is not closed", csv_path);
    assert_string_equal(out, want);
    write_csv("id,note,date\n1,\"a\"b,2024-01-31\n");
    assert_int_not_equal(read_all(settings, NULL, out, sizeof out), 0);
    snprintf(want, sizeof want, "%s:2:6: text after a closing quote", csv_path);
    assert_string_equal(out, want);
    write_csv("id,note,date\n1,x\n");
    assert_int_not_equal(read_all(settings, NULL, out, sizeof out), 0);
    snprintf(want, sizeof want, "%s:2: expected 3 fields, found 2", csv_path);
    assert_string_equal(out, want);
    write_csv("id,date\n1,2024-01-01\n");
    assert_int_not_equal(read_all(settings, NULL, out, sizeof out), 0);
    snprintf(want, sizeof want, "%s:1: the header has no column \"note\"", csv_path);
    assert_string_equal(out, want);
    /* bad options: file:line from the loader, or the option named by the plugin */
    assert_int_not_equal(read_all("columns = [\"id:integer\"];", NULL, out, sizeof out), 0);
    assert_non_null(strstr(out, "option columns: \"id:integer\": unknown type \"integer\""));
    assert_int_not_equal(read_all("delimiter = \";;\";", NULL, out, sizeof out), 0);
    assert_non_null(strstr(out, "option delimiter: \";;\" is not one character"));
    assert_int_not_equal(read_all("header = false;", NULL, out, sizeof out), 0);
    assert_non_null(strstr(out, "option columns: needed when header is false"));
    assert_int_not_equal(read_all("\nheader = \"maybe\";", NULL, out, sizeof out), 0);
    assert_non_null(strstr(out, ":4: plugin source-csv: option \"header\" must be a bool"));
    unlink(csv_path);
}

/* A number with a NUL inside is malformed as "12abc" is (it was read as
 * the digits before the NUL), a nonzero number below every double too (it
 * was read as 0); a leap second (:60) is no time of the
 * timestamp's day, as 24:00 is not (it was rolled into the next minute). */
static void test_csv__malformed_values(void **st)
{
    (void)st;
    char out[2048], want[256];
#define BAD(type, field, why)                                                                      \
    {                                                                                              \
        type, field, sizeof field - 1, why                                                         \
    }
    static const struct {
        const char *type, *field;
        size_t len;
        const char *why;
    } bad[] = {
        BAD("int64", "12\0abc", "not an integer"),
        BAD("int64", "12\0", "not an integer"),
        BAD("double", "1.5\0e3", "not a finite number"),
        BAD("double", "1e-400", "too small for a double"),
        BAD("double", "-2e-324", "too small for a double"),
        BAD("timestamp", "2016-12-31T23:59:60Z", "not a timestamp"),
        BAD("timestamp", "2016-12-31 23:59:60.5", "not a timestamp"),
        BAD("timestamp", "2016-12-31T24:00:00Z", "not a timestamp"),
    };
#undef BAD
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char file[128], settings[128];
        memcpy(file, "v\n", 2);
        memcpy(file + 2, bad[i].field, bad[i].len);
        file[2 + bad[i].len] = '\n';
        write_csv_n(file, bad[i].len + 3);
        snprintf(settings, sizeof settings, "columns = [\"v:%s\"];", bad[i].type);
        assert_int_not_equal(read_all(settings, NULL, out, sizeof out), 0);
        snprintf(want, sizeof want, "%s:2:1: column \"v\": ", csv_path);
        assert_memory_equal(out, want, strlen(want));
        assert_non_null(strstr(out, bad[i].why));
    }
    unlink(csv_path);
}

static void test_csv__missing_file(void **st)
{
    (void)st;
    char out[2048];
    snprintf(csv_path, sizeof csv_path, "/tmp/ferry-csv-none-%d.csv", (int)getpid());
    assert_int_not_equal(read_all("", NULL, out, sizeof out), 0);
    assert_non_null(strstr(out, "cannot open: No such file or directory"));
    assert_non_null(strstr(out, csv_path));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv__rfc4180),
        cmocka_unit_test(test_csv__header_by_name_and_all_strings),
        cmocka_unit_test(test_csv__header_names_with_colons),
        cmocka_unit_test(test_csv__query),
        cmocka_unit_test(test_csv__errors_at_file_line_column),
        cmocka_unit_test(test_csv__malformed_values),
        cmocka_unit_test(test_csv__missing_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
