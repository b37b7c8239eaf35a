/*
 * test_format_value.c — the core's value rendering keeps every value
 * exactly: four-digit years below 1000 (glibc's %Y writes "99"), the
 * microseconds a timestamp has (also through a custom format's %S), and
 * lossless durations by default (1:30:15 was "1:30", 59 s was "0:01"),
 * and named zones alike with and without a zone cache.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "format_value.h"

/* Renders through `zones` (NULL: each named zone loaded for the call). */
static const char *render_in(ferry_tz_cache *zones, const ferry_field_style *st, int type,
                             int64_t x, ferry_buf *b)
{
    ferry_column col = {"c", "c", type, 0, st};
    ferry_value v;
    ferry_value_set_i64(&v, (ferry_type)type, x);
    b->len = 0;
    assert_int_equal(ferry_format_value(zones, &col, &v, b), 0);
    assert_int_equal(ferry_buf_append(b, "", 1), 0); /* NUL-terminate */
    return b->data;
}

static const char *render(const ferry_field_style *st, int type, int64_t x, ferry_buf *b)
{
    return render_in(NULL, st, type, x, b);
}

/* Days since 1970-01-01 of year-month-day (proleptic Gregorian). */
static int64_t days(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

static void test_value__years_below_1000(void **st)
{
    (void)st;
    ferry_buf b = {0};
    ferry_field_style s = *ferry_default_style();
    assert_string_equal(render(&s, FERRY_TYPE_DATE, days(99, 6, 1), &b), "0099-06-01");
    s.date_format = "%d.%m.%Y";
    assert_string_equal(render(&s, FERRY_TYPE_DATE, days(99, 6, 1), &b), "01.06.0099");
    s.timestamp_format = "%Y-%m-%d %H:%M";
    assert_string_equal(render(&s, FERRY_TYPE_TIMESTAMP, days(999, 12, 31) * 86400000000LL, &b),
                        "0999-12-31 00:00");
    ferry_buf_free(&b);
}

static void test_value__microseconds_kept(void **st)
{
    (void)st;
    ferry_buf b = {0};
    ferry_field_style s = *ferry_default_style();
    int64_t t = days(2024, 1, 2) * 86400000000LL + 3723999999LL; /* 01:02:03.999999 */
    assert_string_equal(render(&s, FERRY_TYPE_TIMESTAMP, t, &b),
                        "2024-01-02T01:02:03.999999+00:00");
    s.timestamp_format = "%Y-%m-%d %H:%M:%S";
    assert_string_equal(render(&s, FERRY_TYPE_TIMESTAMP, t, &b), "2024-01-02 01:02:03.999999");
    assert_string_equal(render(&s, FERRY_TYPE_TIMESTAMP, t - 999999, &b), "2024-01-02 01:02:03");
    /* before 1970: the fraction stays positive within its second */
    assert_string_equal(render(&s, FERRY_TYPE_TIMESTAMP, -1, &b), "1969-12-31 23:59:59.999999");
    ferry_buf_free(&b);
}

static void test_value__durations_lossless_by_default(void **st)
{
    (void)st;
    ferry_buf b = {0};
    ferry_field_style s = *ferry_default_style();
    assert_string_equal(render(&s, FERRY_TYPE_DURATION, 5415000000LL, &b), "1:30:15");
    assert_string_equal(render(&s, FERRY_TYPE_DURATION, 59000000LL, &b), "0:00:59");
    assert_string_equal(render(&s, FERRY_TYPE_DURATION, -3020399500000LL, &b), "-838:59:59.500000");
    assert_string_equal(render(&s, FERRY_TYPE_DURATION, 1, &b), "0:00:00.000001");
    s.duration_style = FERRY_DURATION_HMM; /* a style may still ask for h:mm */
    assert_string_equal(render(&s, FERRY_TYPE_DURATION, 5415000000LL, &b), "1:30");
    ferry_buf_free(&b);
}

/* A named zone renders the same through a cache as without one, winter
 * and summer, with its abbreviation; an unknown zone is a config error. */
static void test_value__named_zone(void **st)
{
    (void)st;
    ferry_buf b = {0};
    ferry_tz_cache *zones = NULL;
    assert_int_equal(ferry_tz_cache_new(&zones), 0);
    ferry_field_style s = *ferry_default_style();
    s.timezone = "Europe/Berlin";
    int64_t winter = days(2024, 1, 2) * 86400000000LL, summer = days(2024, 7, 2) * 86400000000LL;
    assert_string_equal(render_in(zones, &s, FERRY_TYPE_TIMESTAMP, winter, &b),
                        "2024-01-02T01:00:00+01:00");
    assert_string_equal(render(&s, FERRY_TYPE_TIMESTAMP, winter, &b), "2024-01-02T01:00:00+01:00");
    s.timestamp_format = "%H:%M %Z";
    assert_string_equal(render_in(zones, &s, FERRY_TYPE_TIMESTAMP, summer, &b), "02:00 CEST");
    assert_string_equal(render(&s, FERRY_TYPE_TIMESTAMP, summer, &b), "02:00 CEST");
    s.timestamp_format = NULL;
    s.timezone = "Etc/UTC";
    assert_string_equal(render_in(zones, &s, FERRY_TYPE_TIMESTAMP, winter, &b),
                        "2024-01-02T00:00:00+00:00");
    s.timezone = "Etc/GMT-2";
    assert_string_equal(render_in(zones, &s, FERRY_TYPE_TIMESTAMP, winter, &b),
                        "2024-01-02T02:00:00+02:00");
    s.timezone = "Mars/Olympus";
    ferry_column col = {"c", "c", FERRY_TYPE_TIMESTAMP, 0, &s};
    ferry_value v;
    ferry_value_set_i64(&v, FERRY_TYPE_TIMESTAMP, summer);
    assert_int_equal(ferry_format_value(zones, &col, &v, &b), FERRY_ERR_CONFIG);
    assert_int_equal(ferry_format_value(NULL, &col, &v, &b), FERRY_ERR_CONFIG);
    ferry_tz_cache_free(zones);
    ferry_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_value__years_below_1000),
        cmocka_unit_test(test_value__microseconds_kept),
        cmocka_unit_test(test_value__durations_lossless_by_default),
        cmocka_unit_test(test_value__named_zone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
