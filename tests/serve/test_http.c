/* test_http.c — the download server's HTTP helpers (core/src/service/server.c):
 * Range parsing, Content-Disposition, content types. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "server.h"

static void expect_range(const char *h, uint64_t size, int kind, uint64_t start, uint64_t len)
{
    uint64_t s = 12345, l = 12345;
    assert_int_equal(ferry_http_range(h, size, &s, &l), kind);
    if (kind == FERRY_RANGE_PARTIAL) {
        assert_int_equal(s, start);
        assert_int_equal(l, len);
    }
}

static void test_http__ranges(void **state)
{
    (void)state;
    expect_range("bytes=0-99", 1000, FERRY_RANGE_PARTIAL, 0, 100);
    expect_range("bytes=10-19", 1000, FERRY_RANGE_PARTIAL, 10, 10);
    expect_range("bytes=10-", 1000, FERRY_RANGE_PARTIAL, 10, 990);
    expect_range("bytes=-100", 1000, FERRY_RANGE_PARTIAL, 900, 100);
    expect_range("bytes=-5000", 1000, FERRY_RANGE_PARTIAL, 0, 1000);
    expect_range("bytes=990-5000", 1000, FERRY_RANGE_PARTIAL, 990, 10);
    expect_range("bytes=999-999", 1000, FERRY_RANGE_PARTIAL, 999, 1);
    expect_range(" bytes = 5-6 ", 1000, FERRY_RANGE_PARTIAL, 5, 2);
    expect_range("BYTES=5-6", 1000, FERRY_RANGE_PARTIAL, 5, 2);
    expect_range("bytes=0-18446744073709551615", 1000, FERRY_RANGE_PARTIAL, 0, 1000);
    /* Unsatisfiable: 416. */
    expect_range("bytes=1000-", 1000, FERRY_RANGE_UNSATISFIABLE, 0, 0);
    expect_range("bytes=5000-6000", 1000, FERRY_RANGE_UNSATISFIABLE, 0, 0);
    expect_range("bytes=-0", 1000, FERRY_RANGE_UNSATISFIABLE, 0, 0);
    expect_range("bytes=0-", 0, FERRY_RANGE_UNSATISFIABLE, 0, 0);
    expect_range("bytes=-5", 0, FERRY_RANGE_UNSATISFIABLE, 0, 0);
    expect_range("bytes=99999999999999999999999-", 1000, FERRY_RANGE_UNSATISFIABLE, 0, 0);
    /* Ignored: the whole file. */
    const char *none[] = {
        "bytes=0-1,5-6", "bytes=5-4",  "bytes=-",   "bytes=", "bytes=a-b", "items=0-1",
        "bytes 0-1",     "bytes=1-2x", "bytes=--1", "",       NULL};
    for (size_t i = 0; none[i]; i++)
        expect_range(none[i], 1000, FERRY_RANGE_NONE, 0, 0);
    expect_range(NULL, 1000, FERRY_RANGE_NONE, 0, 0);
}

static void test_http__content_disposition(void **state)
{
    (void)state;
    char out[512];
    assert_int_equal(ferry_content_disposition("report.csv", out, sizeof out), 0);
    assert_string_equal(out, "attachment; filename=\"report.csv\"");
    assert_int_equal(ferry_content_disposition("März €.csv", out, sizeof out), 0);
    assert_string_equal(out, "attachment; filename=\"M_rz _.csv\"; "
                             "filename*=UTF-8''M%C3%A4rz%20%E2%82%AC.csv");
    assert_int_equal(ferry_content_disposition("a\"b%.csv", out, sizeof out), 0);
    assert_string_equal(out, "attachment; filename=\"a_b_.csv\"; filename*=UTF-8''a%22b%25.csv");
    /* Separators and control characters never reach the header. */
    assert_int_equal(ferry_content_disposition("../x\r\nSet-Cookie: a/b\\c.csv", out, sizeof out),
                     0);
    assert_null(strchr(out, '\r'));
    assert_null(strchr(out, '\n'));
    assert_null(strchr(out, '/'));
    assert_string_equal(out, "attachment; filename=\"..xSet-Cookie: abc.csv\"");
    assert_int_equal(ferry_content_disposition("", out, sizeof out), 0);
    assert_string_equal(out, "attachment; filename=\"download\"");
    assert_int_equal(ferry_content_disposition("..", out, sizeof out), 0);
    assert_string_equal(out, "attachment; filename=\"download\"");
    assert_int_equal(ferry_content_disposition("März.csv", out, 20), -1);
}

static void test_http__content_types(void **state)
{
    (void)state;
    assert_string_equal(ferry_content_type_for("a.csv"), "text/csv; charset=utf-8");
    assert_string_equal(ferry_content_type_for("a.JSON"), "application/json");
    assert_string_equal(ferry_content_type_for("a.csv.gz"), "application/gzip");
    assert_string_equal(ferry_content_type_for("a.pdf"), "application/pdf");
    assert_string_equal(ferry_content_type_for("a.xlsx"),
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    assert_string_equal(ferry_content_type_for("a"), "application/octet-stream");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http__ranges),
        cmocka_unit_test(test_http__content_disposition),
        cmocka_unit_test(test_http__content_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
