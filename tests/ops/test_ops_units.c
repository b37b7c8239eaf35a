/* test_ops_units.c — the small pure parts of the operator features: the
 * retry delay (exponential, capped, jittered), a log line as JSON, the
 * /status address check, and the metrics text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jitter.h"
#include "log_fields.h"
#include "log_json.h"
#include "metrics.h"
#include "status_page.h"

static void test_retry_delay__grows_capped_jittered(void **state)
{
    (void)state;
    assert_int_equal(ferry_retry_delay_s(0, 5, 3600), 0);
    unsigned seen_low = 0, seen_high = 0;
    for (int i = 0; i < 2000; i++) {
        unsigned d1 = ferry_retry_delay_s(10, 1, 3600), d3 = ferry_retry_delay_s(10, 3, 3600);
        unsigned dc = ferry_retry_delay_s(10, 30, 3600);
        assert_true(d1 >= 5 && d1 <= 10);
        assert_true(d3 >= 20 && d3 <= 40);
        assert_true(dc >= 1800 && dc <= 3600);
        seen_low |= d3 < 30;
        seen_high |= d3 > 30;
    }
    assert_true(seen_low && seen_high); /* jitter: both halves of the range */
}

static void test_log_json__fields_become_members(void **state)
{
    (void)state;
    char line[1024];
    size_t n =
        ferry_log_json_line(line, sizeof line, "T", "info", "worker", "say \"hi\"\n",
                            "request_id=ab12 user_id=7 rows=0012 ms=1.5 path=\"a \\\"b\\\"\"");
    line[n] = '\0';
    assert_string_equal(line, "{\"time\":\"T\",\"level\":\"info\",\"cmd\":\"worker\",\"msg\":"
                              "\"say \\\"hi\\\"\\u000a\",\"request_id\":\"ab12\",\"user_id\":7,"
                              "\"rows\":\"0012\",\"ms\":1.5,\"path\":\"a \\\"b\\\"\"}\n");
}

/* A literal backslash before an n is not a newline. */
static void test_log_json__escaped_backslash_then_n(void **state)
{
    (void)state;
    char line[512];
    size_t n = ferry_log_json_line(line, sizeof line, "T", "info", NULL, "m",
                                   "path=\"C:\\\\new\" ua=\"a\\nb\"");
    line[n] = '\0';
    assert_string_equal(line, "{\"time\":\"T\",\"level\":\"info\",\"msg\":\"m\","
                              "\"path\":\"C:\\\\new\",\"ua\":\"a\\u000ab\"}\n");
}

/* A request's format comes from the web app's row: it cannot add keys or
 * lines to the log, in logfmt or JSON. */
static void test_request_fields__hostile_format(void **state)
{
    (void)state;
    char f[256], line[1024];
    ferry_request_fields(f, sizeof f, "ab12", 7, "csv", 1);
    assert_string_equal(f, "request_id=ab12 attempt=1 user_id=7 format=csv");
    ferry_request_fields(f, sizeof f, "ab12", 7, "cs\nmsg=X", 1);
    assert_null(strchr(f, '\n'));
    assert_string_equal(f, "request_id=ab12 attempt=1 user_id=7 format=\"cs\\nmsg=X\"");
    ferry_request_fields(f, sizeof f, "a b", 7, "csv x=1 \"y\\", 0);
    assert_string_equal(f, "request_id=\"a b\" user_id=7 format=\"csv x=1 \\\"y\\\\\"");
    size_t n = ferry_log_json_line(line, sizeof line, "T", "info", NULL, "m", f);
    line[n] = '\0';
    assert_string_equal(line, "{\"time\":\"T\",\"level\":\"info\",\"msg\":\"m\","
                              "\"request_id\":\"a b\",\"user_id\":7,"
                              "\"format\":\"csv x=1 \\\"y\\\\\"}\n");
    ferry_request_fields(f, sizeof f, "ab12", 7, "", 0);
    assert_string_equal(f, "request_id=ab12 user_id=7 format=-");
}

/* JSON holds only UTF-8: an invalid byte of a message or value is U+FFFD,
 * one per maximal invalid subpart (jansson refused the whole line). */
static void test_log_json__invalid_utf8(void **state)
{
    (void)state;
    char line[512];
    size_t n = ferry_log_json_line(line, sizeof line, "T", "info", NULL, "a\xff\xe2\x82z\xc3\xa9",
                                   "f=\"x\xed\xa0\x80 y\" g=\xf4\x90");
    line[n] = '\0';
    assert_string_equal(line,
                        "{\"time\":\"T\",\"level\":\"info\",\"msg\":\"a\xef\xbf\xbd\xef\xbf\xbd"
                        "z\xc3\xa9\",\"f\":\"x\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd y\","
                        "\"g\":\"\xef\xbf\xbd\xef\xbf\xbd\"}\n");
}

/* A value that needs quotes in a buffer with no room for both is empty: a
 * lone opening quote took the rest of the line (" z=x") as the value. */
static void test_log_value__no_room_for_quotes(void **state)
{
    (void)state;
    char b[4];
    assert_int_equal(ferry_log_value(b, 2, "a b"), 0);
    assert_string_equal(b, "");
    assert_int_equal(ferry_log_value(b, 3, "a b"), 2);
    assert_string_equal(b, "\"\"");
    assert_int_equal(ferry_log_value(b, 2, "ab"), 0);
}

static void test_status_allowed(void **state)
{
    (void)state;
    assert_true(ferry_status_allowed("127.0.0.1", NULL, NULL, NULL));
    assert_true(ferry_status_allowed("::1", NULL, NULL, NULL));
    assert_true(ferry_status_allowed("::ffff:127.0.0.5", NULL, NULL, NULL));
    assert_false(ferry_status_allowed("10.1.2.3", NULL, NULL, NULL));
    assert_true(ferry_status_allowed("10.1.2.3", NULL, "192.168.0.0/16, 10.0.0.0/8", NULL));
    assert_false(ferry_status_allowed("11.1.2.3", NULL, "10.0.0.0/8", NULL));
    assert_true(ferry_status_allowed("11.1.2.3", "Bearer s3cret", "10.0.0.0/8", "s3cret"));
    assert_false(ferry_status_allowed("11.1.2.3", "Bearer s3cre", "10.0.0.0/8", "s3cret"));
    assert_false(ferry_status_allowed("11.1.2.3", "Bearer ", "10.0.0.0/8", ""));
    /* A malformed prefix length matches nothing (it read as /0: everyone). */
    assert_false(ferry_status_allowed("11.1.2.3", NULL, "10.0.0.0/", NULL));
    assert_false(ferry_status_allowed("11.1.2.3", NULL, "10.0.0.0/x8", NULL));
    assert_false(ferry_status_allowed("11.1.2.3", NULL, "10.0.0.0/8x", NULL));
    assert_false(ferry_status_allowed("11.1.2.3", NULL, "10.0.0.0/33", NULL));
    assert_false(ferry_status_allowed("2001:db8::1", NULL, "fd00::/-1", NULL));
    assert_true(ferry_status_allowed("11.1.2.3", NULL, "0.0.0.0/0", NULL));
    assert_true(ferry_status_allowed("fd00::5", NULL, "fd00::/8", NULL));
}

static void test_metrics__text(void **state)
{
    (void)state;
    ferry_metrics *m = NULL;
    ferry_err err = FERRY_ERR_INIT;
    assert_int_equal(ferry_metrics_new(&m, &err), 0);
    ferry_metrics_add(m, FM_EXPORTS, "csv", "completed", 1);
    ferry_metrics_add(m, FM_EXPORTS, "csv", "completed", 2);
    ferry_metrics_add(m, FM_EXPORTS, "csv", "completed", -5); /* counters never go down */
    ferry_metrics_observe(m, FM_EXPORT_DURATION, "csv", 0.3);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ferry_metrics_write(m, f);
    fclose(f);
    assert_non_null(strstr(buf, "ferry_exports_total{format=\"csv\",outcome=\"completed\"} 3\n"));
    assert_non_null(
        strstr(buf, "ferry_export_duration_seconds_bucket{format=\"csv\",le=\"0.25\"} 0\n"));
    assert_non_null(
        strstr(buf, "ferry_export_duration_seconds_bucket{format=\"csv\",le=\"0.5\"} 1\n"));
    assert_non_null(strstr(buf, "ferry_lease_renewals_total 0\n"));
    assert_string_equal(ferry_metrics_format("excel"), "excel");
    assert_string_equal(ferry_metrics_format("x\"y"), "other");
    free(buf);
    ferry_metrics_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_retry_delay__grows_capped_jittered),
        cmocka_unit_test(test_log_json__fields_become_members),
        cmocka_unit_test(test_log_json__escaped_backslash_then_n),
        cmocka_unit_test(test_log_json__invalid_utf8),
        cmocka_unit_test(test_log_value__no_room_for_quotes),
        cmocka_unit_test(test_request_fields__hostile_format),
        cmocka_unit_test(test_status_allowed),
        cmocka_unit_test(test_metrics__text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
