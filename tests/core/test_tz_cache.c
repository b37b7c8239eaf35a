/*
 * test_tz_cache.c — the zone cache value formatting renders through: a
 * zone loaded once per cache, the offsets and abbreviations of the zone
 * itself, unknown and unsafe names refused, eviction past four zones, two
 * caches in two threads independent, one cache shared by two threads, and
 * free releasing every zone (run under ASan, LeakSanitizer reports what it
 * would not).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>

#include "tz_cache.h"

static const char *const ZONES[] = {"Europe/Berlin",       "America/New_York", "Asia/Kolkata",
                                    "Australia/Lord_Howe", "America/St_Johns", "Pacific/Chatham"};
enum { NZONES = sizeof ZONES / sizeof ZONES[0] };

/* Checks zone `name` through `c` against a zone loaded on its own, at
 * instants a season apart over some years. Returns the number of checks. */
static int check_zone(ferry_tz_cache *c, const char *name)
{
    ferry_tz *ref = NULL;
    assert_int_equal(ferry_tz_load(&ref, name, NULL), 0);
    int n = 0;
    for (int64_t t = 1500000000; t < 1800000000; t += 7776000, n++) {
        int off = 1;
        char abbr[16];
        const char *want = NULL;
        int32_t expect = ferry_tz_offset(ref, t, &want);
        assert_int_equal(ferry_tz_cache_offset(c, name, t, &off, abbr, sizeof abbr), 0);
        assert_int_equal(off, expect);
        assert_string_equal(abbr, want);
    }
    ferry_tz_free(ref);
    return n;
}

static void test_tz_cache__loaded_once(void **st)
{
    (void)st;
    ferry_tz_cache *c = NULL;
    assert_int_equal(ferry_tz_cache_new(&c), 0);
    const ferry_tz *z = ferry_tz_cache_get(c, "Europe/Berlin");
    assert_non_null(z);
    assert_string_equal(ferry_tz_name(z), "Europe/Berlin");
    assert_ptr_equal(ferry_tz_cache_get(c, "Europe/Berlin"), z);
    assert_non_null(ferry_tz_cache_get(c, "Asia/Kolkata"));
    assert_ptr_equal(ferry_tz_cache_get(c, "Europe/Berlin"), z);
    ferry_tz_cache_free(c);
    ferry_tz_cache_free(NULL);
}

static void test_tz_cache__offsets_and_abbreviations(void **st)
{
    (void)st;
    ferry_tz_cache *c = NULL;
    assert_int_equal(ferry_tz_cache_new(&c), 0);
    int off = 0;
    char abbr[3];
    /* 2024-07-01 12:00 UTC: CEST, cut to fit like snprintf. */
    assert_int_equal(ferry_tz_cache_offset(c, "Europe/Berlin", 1719835200, &off, abbr, sizeof abbr),
                     0);
    assert_int_equal(off, 7200);
    assert_string_equal(abbr, "CE");
    assert_int_equal(ferry_tz_cache_offset(NULL, "Europe/Berlin", 1719835200, &off, NULL, 0), 0);
    assert_int_equal(off, 7200);
    ferry_tz_cache_free(c);
}

static void test_tz_cache__unknown_zones(void **st)
{
    (void)st;
    ferry_tz_cache *c = NULL;
    assert_int_equal(ferry_tz_cache_new(&c), 0);
    const char *const bad[] = {"Mars/Olympus", "../etc/passwd", "/etc/localtime", "", "Europe"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int off = 0;
        assert_null(ferry_tz_cache_get(c, bad[i]));
        assert_int_equal(ferry_tz_cache_offset(c, bad[i], 0, &off, NULL, 0), -1);
        assert_int_equal(ferry_tz_cache_offset(NULL, bad[i], 0, &off, NULL, 0), -1);
        assert_false(ferry_tz_valid(bad[i]));
    }
    assert_null(ferry_tz_cache_get(c, NULL));
    assert_false(ferry_tz_valid(NULL));
    assert_true(ferry_tz_valid("America/New_York"));
    ferry_tz_cache_free(c);
}

static void test_tz_cache__eviction(void **st)
{
    (void)st;
    ferry_tz_cache *c = NULL;
    assert_int_equal(ferry_tz_cache_new(&c), 0);
    for (int round = 0; round < 3; round++)
        for (int i = 0; i < NZONES; i++)
            check_zone(c, ZONES[i]);
    ferry_tz_cache_free(c);
}

typedef struct worker {
    int first; /* index of the first zone this thread checks */
    int checks;
    ferry_tz_cache *c; /* borrowed: a cache shared with the other thread, or NULL */
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    ferry_tz_cache *c = w->c;
    if (!c && ferry_tz_cache_new(&c))
        return NULL;
    for (int round = 0; round < 20; round++)
        for (int i = 0; i < NZONES; i++)
            w->checks +=
                check_zone(c, ZONES[(w->first + i * (round % 2 ? 1 : NZONES - 1)) % NZONES]);
    if (c != w->c)
        ferry_tz_cache_free(c);
    return NULL;
}

static void run_two(worker w[2])
{
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);
    assert_true(w[0].checks > 0);
    assert_int_equal(w[0].checks, w[1].checks);
}

/* Two caches, two threads, opposite orders (so their evictions differ);
 * the threads exit, so a zone a cache kept would be reported as a leak. */
static void test_tz_cache__two_threads(void **st)
{
    (void)st;
    worker w[2] = {{0, 0, NULL}, {3, 0, NULL}};
    run_two(w);
}

/* One cache, two threads (a plugin calling host->format_value from two):
 * the loser of the try-lock loads its zone alone, and both stay right. */
static void test_tz_cache__shared_by_two_threads(void **st)
{
    (void)st;
    ferry_tz_cache *c = NULL;
    assert_int_equal(ferry_tz_cache_new(&c), 0);
    worker w[2] = {{0, 0, c}, {3, 0, c}};
    run_two(w);
    ferry_tz_cache_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tz_cache__loaded_once),
        cmocka_unit_test(test_tz_cache__offsets_and_abbreviations),
        cmocka_unit_test(test_tz_cache__unknown_zones),
        cmocka_unit_test(test_tz_cache__eviction),
        cmocka_unit_test(test_tz_cache__two_threads),
        cmocka_unit_test(test_tz_cache__shared_by_two_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
