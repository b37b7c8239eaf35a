/*
 * test_cron.c — cron parsing, the TZif reader, fire times across DST
 * changes, and relative date ranges, against the system's tzdata.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "cron.h"
#include "daterange.h"

static int64_t T(const char *s)
{
    int64_t t;
    ferry_err err = FERRY_ERR_INIT;
    if (ferry_time_parse(s, NULL, &t, &err)) {
        fail_msg("%s", err.msg);
    }
    return t;
}

static ferry_tz *zone(const char *name)
{
    ferry_tz *tz = NULL;
    ferry_err err = FERRY_ERR_INIT;
    if (ferry_tz_load(&tz, name, &err))
        fail_msg("%s", err.msg);
    return tz;
}

static ferry_cron pattern(const char *p)
{
    ferry_cron c;
    ferry_err err = FERRY_ERR_INIT;
    if (ferry_cron_parse(&c, p, &err))
        fail_msg("%s", err.msg);
    return c;
}

static void expect_parse_error(const char *p, const char *fragment)
{
    ferry_cron c;
    ferry_err err = FERRY_ERR_INIT;
    int rc = ferry_cron_parse(&c, p, &err);
    if (rc == 0)
        fail_msg("pattern \"%s\" parsed but should not", p);
    assert_int_equal(rc, FERRY_ERR_CONFIG);
    if (!strstr(err.msg, fragment))
        fail_msg("pattern \"%s\": message \"%s\" lacks \"%s\"", p, err.msg, fragment);
    assert_null(strchr(err.msg, '\n'));
}

static void test_parse_errors(void **state)
{
    (void)state;
    expect_parse_error("61 * * * *", "minute field at position 1: 61 is out of range 0-59");
    expect_parse_error("* 24 * * *", "hour field at position 3: 24 is out of range 0-23");
    expect_parse_error("0 0 0 * *", "day-of-month field at position 5: 0 is out of range 1-31");
    expect_parse_error("0 0 * 13 *", "month field at position 7: 13 is out of range 1-12");
    expect_parse_error("0 0 * * 8", "day-of-week field at position 9: 8 is out of range 0-7");
    expect_parse_error("0 0 * foo *", "month field at position 7: unknown name \"foo\"");
    expect_parse_error("0 0 * * mon-xyz", "day-of-week field at position 13: unknown name \"xyz\"");
    expect_parse_error("0 jan * * *", "hour field at position 3: \"jan\" is not a number");
    expect_parse_error("5-1 * * * *", "minute field at position 1: range 5-1 runs backwards");
    expect_parse_error("*/0 * * * *", "minute field at position 3: step 0 is out of range");
    expect_parse_error("*/ * * * *", "minute field at position 3: expected a step number");
    expect_parse_error("1,,2 * * * *", "minute field at position 3: expected a number");
    expect_parse_error("1, * * * *", "minute field at position 3: expected a value after ','");
    expect_parse_error("1x * * * *", "minute field at position 2: unexpected 'x'");
    expect_parse_error("* * * *", "expected 5 fields (minute hour day-of-month month "
                                  "day-of-week), got 4");
    expect_parse_error("* * * * * *", "got more than 5");
    expect_parse_error("", "got 0");
    expect_parse_error("0 0 30 2 *", "never fires");
    expect_parse_error("0 0 31 4,6 *", "never fires");
    expect_parse_error("@reboot", "unknown macro");
}

static void test_parse_fields(void **state)
{
    (void)state;
    ferry_cron c = pattern("*/15 9-17/4 1,15 JAN-mar sun,7");
    assert_true(c.minute == ((1ULL << 0) | (1ULL << 15) | (1ULL << 30) | (1ULL << 45)));
    assert_int_equal(c.hour, (1u << 9) | (1u << 13) | (1u << 17));
    assert_int_equal(c.dom, (1u << 1) | (1u << 15));
    assert_int_equal(c.month, (1u << 1) | (1u << 2) | (1u << 3));
    assert_int_equal(c.dow, 1u); /* 7 folds into Sunday */
    assert_int_equal(c.flags & FERRY_CRON_FIXED, 0);
    assert_int_equal(c.flags & (FERRY_CRON_DOM_STAR | FERRY_CRON_DOW_STAR), 0);

    c = pattern("5/20 0 * * 5-7");
    assert_true(c.minute == ((1ULL << 5) | (1ULL << 25) | (1ULL << 45)));
    assert_int_equal(c.dow, (1u << 5) | (1u << 6) | 1u);
    assert_true(c.flags & FERRY_CRON_FIXED);
    assert_true(c.flags & FERRY_CRON_DOM_STAR);

    ferry_cron d = pattern("@daily");
    ferry_cron e = pattern("0 0 * * *");
    assert_memory_equal(&d, &e, sizeof d);
}

/* The next `n` fire times after `from` in zone `tzname`, compared with
 * `expect` (UTC "YYYY-MM-DDTHH:MM:SSZ"). */
static void expect_series(const char *pat, const char *tzname, const char *from, size_t n,
                          const char *const *expect)
{
    ferry_cron c = pattern(pat);
    ferry_tz *tz = zone(tzname);
    time_t t = (time_t)T(from);
    for (size_t i = 0; i < n; i++) {
        ferry_err err = FERRY_ERR_INIT;
        time_t next;
        if (ferry_cron_next_tz(&c, tz, t, &next, &err))
            fail_msg("%s", err.msg);
        if ((int64_t)next != T(expect[i])) {
            char got[32];
            ferry_time_format(next, 0, got, sizeof got);
            fail_msg("%s in %s, fire %zu: got %s UTC, want %s", pat, tzname, i + 1, got, expect[i]);
        }
        t = next;
    }
    ferry_tz_free(tz);
}

static void test_berlin_0230_spring(void **state)
{
    (void)state;
    /* 2025-03-30 02:00 CET jumps to 03:00 CEST: 02:30 never happens; a
     * fixed-time job fires once at the transition (03:00 CEST = 01:00Z). */
    static const char *const expect[] = {"2025-03-28T01:30:00Z", "2025-03-29T01:30:00Z",
                                         "2025-03-30T01:00:00Z", "2025-03-31T00:30:00Z",
                                         "2025-04-01T00:30:00Z"};
    expect_series("30 2 * * *", "Europe/Berlin", "2025-03-27T12:00:00Z", 5, expect);
}

static void test_berlin_0230_autumn(void **state)
{
    (void)state;
    /* 2025-10-26 03:00 CEST falls back to 02:00 CET: 02:30 happens twice
     * (00:30Z and 01:30Z); it fires at the first only. */
    static const char *const expect[] = {"2025-10-25T00:30:00Z", "2025-10-26T00:30:00Z",
                                         "2025-10-27T01:30:00Z", "2025-10-28T01:30:00Z"};
    expect_series("30 2 * * *", "Europe/Berlin", "2025-10-24T12:00:00Z", 4, expect);
    /* Asking from between the two occurrences gives the next day. */
    static const char *const after[] = {"2025-10-27T01:30:00Z"};
    expect_series("30 2 * * *", "Europe/Berlin", "2025-10-26T00:30:00Z", 1, after);
}

static void test_weekdays_0900(void **state)
{
    (void)state;
    /* From Saturday 2025-06-07: Monday to Friday at 09:00 CEST, then Monday. */
    static const char *const expect[] = {"2025-06-09T07:00:00Z", "2025-06-10T07:00:00Z",
                                         "2025-06-11T07:00:00Z", "2025-06-12T07:00:00Z",
                                         "2025-06-13T07:00:00Z", "2025-06-16T07:00:00Z"};
    expect_series("0 9 * * 1-5", "Europe/Berlin", "2025-06-07T10:00:00Z", 6, expect);
    static const char *const ny[] = {"2025-01-06T14:00:00Z", "2025-01-07T14:00:00Z"};
    expect_series("0 9 * * mon-fri", "America/New_York", "2025-01-04T00:00:00Z", 2, ny);
}

static void test_vixie_day_rule(void **state)
{
    (void)state;
    /* Both day fields restricted: the 13th or any Friday. */
    static const char *const either[] = {"2025-06-06T00:00:00Z", "2025-06-13T00:00:00Z",
                                         "2025-06-20T00:00:00Z", "2025-06-27T00:00:00Z",
                                         "2025-07-04T00:00:00Z", "2025-07-11T00:00:00Z",
                                         "2025-07-13T00:00:00Z"};
    expect_series("0 0 13 * 5", "UTC", "2025-06-01T00:00:00Z", 7, either);
    /* A starred day-of-month: both must match (every other day that is a Friday). */
    static const char *const both[] = {"2025-06-13T00:00:00Z", "2025-06-27T00:00:00Z",
                                       "2025-07-11T00:00:00Z"};
    expect_series("0 0 */2 * fri", "UTC", "2025-06-01T00:00:00Z", 3, both);
    static const char *const leap[] = {"2028-02-29T12:00:00Z", "2032-02-29T12:00:00Z"};
    expect_series("0 12 29 2 *", "UTC", "2025-01-01T00:00:00Z", 2, leap);
}

static int count_fires(const char *pat, const char *tzname, const char *from, const char *to)
{
    ferry_cron c = pattern(pat);
    ferry_tz *tz = zone(tzname);
    time_t t = (time_t)T(from) - 1, end = (time_t)T(to);
    int n = 0;
    for (;;) {
        ferry_err err = FERRY_ERR_INIT;
        time_t next;
        if (ferry_cron_next_tz(&c, tz, t, &next, &err))
            fail_msg("%s", err.msg);
        assert_true(next > t);
        if (next >= end)
            break;
        n++;
        t = next;
    }
    ferry_tz_free(tz);
    return n;
}

static void test_la_2015_hourly(void **state)
{
    (void)state;
    /* 2015 in Los Angeles: 8,760 local hours, 02:15 on March 8 skipped,
     * 01:15 on November 1 happening twice but firing once. */
    assert_int_equal(count_fires("15 * * * *", "America/Los_Angeles", "2015-01-01T00:00:00-08:00",
                                 "2016-01-01T00:00:00-08:00"),
                     8759);
    /* A fixed-time job still fires on the spring-forward day. */
    assert_int_equal(count_fires("30 2 * * *", "America/Los_Angeles", "2015-01-01T00:00:00-08:00",
                                 "2016-01-01T00:00:00-08:00"),
                     365);
    assert_int_equal(count_fires("*/30 2 * * *", "America/Los_Angeles", "2015-01-01T00:00:00-08:00",
                                 "2016-01-01T00:00:00-08:00"),
                     728);
    static const char *const gap[] = {"2015-03-08T10:00:00Z", "2015-03-09T09:30:00Z"};
    expect_series("30 2 * * *", "America/Los_Angeles", "2015-03-07T12:00:00Z", 2, gap);
}

static void test_past_last_transition(void **state)
{
    (void)state;
    /* Past 2037 the TZif footer's POSIX rule decides. */
    static const char *const berlin[] = {"2050-03-27T01:00:00Z", "2050-07-01T10:00:00Z"};
    expect_series("0 12 1 7 *", "Europe/Berlin", "2050-06-01T00:00:00Z", 1, berlin + 1);
    expect_series("30 2 27 3 *", "Europe/Berlin", "2050-01-01T00:00:00Z", 1, berlin);
    /* Southern hemisphere: Sydney is on daylight time in January. */
    static const char *const syd[] = {"2060-01-14T22:00:00Z", "2060-07-14T23:00:00Z"};
    expect_series("0 9 15 1,7 *", "Australia/Sydney", "2060-01-01T00:00:00Z", 2, syd);
}

/* ferry_tz_offset agrees with glibc's localtime_r on the same files. This
 * test is single-threaded, so setting TZ here is harmless. */
static void test_offsets_match_libc(void **state)
{
    (void)state;
    static const char *const zones[] = {
        "Europe/Berlin",    "America/Los_Angeles", "Australia/Sydney", "Asia/Kolkata",
        "America/Santiago", "Pacific/Apia",        "Europe/Dublin",    "UTC",
        "America/St_Johns", "Africa/Casablanca"};
    unsigned seed = 12345;
    for (size_t z = 0; z < sizeof zones / sizeof zones[0]; z++) {
        ferry_tz *tz = zone(zones[z]);
        setenv("TZ", zones[z], 1);
        tzset();
        for (int i = 0; i < 20000; i++) {
            seed = seed * 1103515245u + 12345u;
            /* 1950 .. 2100 */
            int64_t t = -631152000 + (int64_t)((double)(seed >> 1) / 2147483648.0 * 4733510400.0);
            time_t tt = (time_t)t;
            struct tm tm;
            localtime_r(&tt, &tm);
            const char *abbr;
            int32_t off = ferry_tz_offset(tz, t, &abbr);
            if (off != tm.tm_gmtoff || strcmp(abbr, tm.tm_zone) != 0)
                fail_msg("%s at %lld: ferry %d %s, libc %ld %s", zones[z], (long long)t, off, abbr,
                         tm.tm_gmtoff, tm.tm_zone);
        }
        ferry_tz_free(tz);
    }
    unsetenv("TZ");
}

static void test_zone_names(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",       "../../etc/passwd", "/etc/localtime", "Europe/../UTC", "No/Such_Zone",
        "Europe", "zone.tab",         "Europe/Berlin\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ferry_tz *tz = NULL;
        ferry_err err = FERRY_ERR_INIT;
        if (ferry_tz_load(&tz, bad[i], &err) == 0)
            fail_msg("zone \"%s\" loaded", bad[i]);
        assert_null(tz);
        assert_true(strstr(err.msg, "time zone") != NULL);
    }
    ferry_cron c = pattern("0 * * * *");
    ferry_err err = FERRY_ERR_INIT;
    time_t next;
    assert_int_equal(ferry_cron_next(&c, "Mars/Olympus", 0, &next, &err), FERRY_ERR_CONFIG);
    assert_string_equal(err.msg,
                        "unknown time zone \"Mars/Olympus\" (no /usr/share/zoneinfo/Mars/Olympus)");
    assert_int_equal(ferry_cron_next(&c, "UTC", 0, &next, &err), 0);
    assert_int_equal((int64_t)next, 3600);
}

static void test_resolve(void **state)
{
    (void)state;
    ferry_tz *tz = zone("Europe/Berlin");
    int64_t t;
    assert_int_equal(ferry_tz_resolve(tz, T("2025-03-30T02:30:00Z"), &t), FERRY_TZ_GAP);
    assert_int_equal(t, T("2025-03-30T01:00:00Z"));
    assert_int_equal(ferry_tz_resolve(tz, T("2025-10-26T02:30:00Z"), &t), FERRY_TZ_FOLD);
    assert_int_equal(t, T("2025-10-26T00:30:00Z"));
    assert_int_equal(ferry_tz_resolve(tz, T("2025-10-26T03:00:00Z"), &t), FERRY_TZ_UNIQUE);
    assert_int_equal(t, T("2025-10-26T02:00:00Z"));
    ferry_tz_free(tz);
}

static void test_latest(void **state)
{
    (void)state;
    ferry_tz *tz = zone("Europe/Berlin");
    ferry_err err = FERRY_ERR_INIT;
    time_t fire;
    ferry_cron every = pattern("* * * * *");
    /* A month of missed minutely ticks: the latest one. */
    assert_int_equal(ferry_cron_latest(&every, tz, (time_t)T("2025-05-01T00:00:00Z"),
                                       (time_t)T("2025-06-01T12:34:56Z"), &fire, &err),
                     0);
    assert_int_equal((int64_t)fire, T("2025-06-01T12:34:00Z"));
    ferry_cron yearly = pattern("0 0 1 1 *");
    assert_int_equal(ferry_cron_latest(&yearly, tz, (time_t)T("2020-06-01T00:00:00Z"),
                                       (time_t)T("2025-06-01T00:00:00Z"), &fire, &err),
                     0);
    assert_int_equal((int64_t)fire, T("2024-12-31T23:00:00Z"));
    assert_int_equal(ferry_cron_latest(&yearly, tz, (time_t)T("2025-01-02T00:00:00Z"),
                                       (time_t)T("2025-06-01T00:00:00Z"), &fire, &err),
                     FERRY_ERR_NOTFOUND);
    /* `from` itself counts. */
    assert_int_equal(ferry_cron_latest(&yearly, tz, (time_t)T("2024-12-31T23:00:00Z"),
                                       (time_t)T("2024-12-31T23:00:00Z"), &fire, &err),
                     0);
    ferry_tz_free(tz);
}

static void expect_range(const char *name, const char *tzname, const char *at, const char *start,
                         const char *end)
{
    ferry_tz *tz = zone(tzname);
    ferry_err err = FERRY_ERR_INIT;
    time_t s, e;
    if (ferry_daterange_resolve(name, tz, (time_t)T(at), &s, &e, &err))
        fail_msg("%s", err.msg);
    if ((int64_t)s != T(start) || (int64_t)e != T(end)) {
        char gs[32], ge[32];
        ferry_time_format(s, 0, gs, sizeof gs);
        ferry_time_format(e, 0, ge, sizeof ge);
        fail_msg("%s at %s in %s: got [%s, %s), want [%s, %s)", name, at, tzname, gs, ge, start,
                 end);
    }
    ferry_tz_free(tz);
}

static void test_relative_ranges(void **state)
{
    (void)state;
    /* Monday 2025-03-31 08:00 CEST, the day after spring forward. */
    const char *at = "2025-03-31T06:00:00Z";
    expect_range("today", "Europe/Berlin", at, "2025-03-30T22:00:00Z", "2025-03-31T22:00:00Z");
    expect_range("yesterday", "Europe/Berlin", at, "2025-03-29T23:00:00Z", "2025-03-30T22:00:00Z");
    expect_range("previous_week", "Europe/Berlin", at, "2025-03-23T23:00:00Z",
                 "2025-03-30T22:00:00Z");
    expect_range("week_to_date", "Europe/Berlin", at, "2025-03-30T22:00:00Z", at);
    expect_range("previous_month", "Europe/Berlin", at, "2025-01-31T23:00:00Z",
                 "2025-02-28T23:00:00Z");
    expect_range("month_to_date", "Europe/Berlin", at, "2025-02-28T23:00:00Z", at);
    expect_range("last_7_days", "Europe/Berlin", at, "2025-03-23T23:00:00Z",
                 "2025-03-30T22:00:00Z");
    expect_range("last_1_days", "UTC", "2025-01-01T05:00:00Z", "2024-12-31T00:00:00Z",
                 "2025-01-01T00:00:00Z");
    expect_range("previous_month", "UTC", "2025-01-15T05:00:00Z", "2024-12-01T00:00:00Z",
                 "2025-01-01T00:00:00Z");
    expect_range("previous_year", "America/Los_Angeles", "2025-01-01T09:00:00Z",
                 "2024-01-01T08:00:00Z", "2025-01-01T08:00:00Z");
    /* On a Sunday, the previous week is the one before the current one. */
    expect_range("previous_week", "UTC", "2025-06-08T23:59:00Z", "2025-05-26T00:00:00Z",
                 "2025-06-02T00:00:00Z");
    /* Santiago skipped midnight on 2024-09-08: that day starts at 01:00. */
    expect_range("today", "America/Santiago", "2024-09-08T12:00:00Z", "2024-09-08T04:00:00Z",
                 "2024-09-09T03:00:00Z");

    ferry_tz *tz = zone("UTC");
    ferry_err err = FERRY_ERR_INIT;
    time_t s, e;
    static const char *const bad[] = {"last_week",      "last_0_days", "last_7_day",
                                      "last_9999_days", "Today",       ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (ferry_daterange_resolve(bad[i], tz, 0, &s, &e, &err) == 0)
            fail_msg("date range \"%s\" accepted", bad[i]);
        assert_true(strstr(err.msg, "date range") != NULL);
    }
    ferry_tz_free(tz);
}

static void test_time_parse(void **state)
{
    (void)state;
    ferry_tz *tz = zone("Europe/Berlin");
    ferry_err err = FERRY_ERR_INIT;
    int64_t t;
    assert_int_equal(ferry_time_parse("2025-03-30 12:00", tz, &t, &err), 0);
    assert_int_equal(t, T("2025-03-30T10:00:00Z"));
    assert_int_equal(ferry_time_parse("2025-03-30T12:00:00+05:30", tz, &t, &err), 0);
    assert_int_equal(t, T("2025-03-30T06:30:00Z"));
    assert_int_equal(ferry_time_parse("2025-03-30 10:00:00.123456", NULL, &t, &err), 0);
    assert_int_equal(t, T("2025-03-30T10:00:00Z"));
    assert_int_equal(ferry_time_parse("2025-02-30", NULL, &t, &err), FERRY_ERR_USAGE);
    assert_int_equal(ferry_time_parse("tomorrow", NULL, &t, &err), FERRY_ERR_USAGE);
    assert_int_equal(ferry_time_parse("2025-01-01 10:00Zjunk", NULL, &t, &err), FERRY_ERR_USAGE);
    ferry_tz_free(tz);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_parse_fields),
        cmocka_unit_test(test_berlin_0230_spring),
        cmocka_unit_test(test_berlin_0230_autumn),
        cmocka_unit_test(test_weekdays_0900),
        cmocka_unit_test(test_vixie_day_rule),
        cmocka_unit_test(test_la_2015_hourly),
        cmocka_unit_test(test_past_last_transition),
        cmocka_unit_test(test_offsets_match_libc),
        cmocka_unit_test(test_zone_names),
        cmocka_unit_test(test_resolve),
        cmocka_unit_test(test_latest),
        cmocka_unit_test(test_relative_ranges),
        cmocka_unit_test(test_time_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
