/*
 * fuzz_cron.c — a libFuzzer-style harness for the cron parser, the fire-time
 * search and relative date ranges. Input: the first byte picks a zone, the
 * next eight an instant, the rest is the pattern. Invariants checked (abort
 * on violation): parsing never crashes; a parsed pattern's next fire time is
 * after the start, is a matching local minute (or a fixed job's DST
 * transition), and searching again from just before it finds it again.
 * Built with clang -fsanitize=fuzzer it runs as a fuzzer; fuzz_driver.c
 * runs it under gcc over seeded random inputs as a unit test.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cron.h"
#include "daterange.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const zones[] = {
    "UTC",          "Europe/Berlin", "America/Los_Angeles", "Australia/Sydney", "America/Santiago",
    "Asia/Kolkata", "Pacific/Apia",  "Australia/Lord_Howe"};
static const char *const ranges[] = {"today",          "yesterday",     "previous_week",
                                     "previous_month", "month_to_date", "last_30_days",
                                     "week_to_date",   "year_to_date",  "previous_year"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 9 || size > 512)
        return 0;
    const char *zone = zones[data[0] % (sizeof zones / sizeof zones[0])];
    uint64_t raw = 0;
    for (int i = 1; i <= 8; i++)
        raw = raw << 8 | data[i];
    /* 1900 .. 2200 */
    int64_t after = -2208988800LL + (int64_t)(raw % 9467280000ULL);
    char pattern[520];
    memcpy(pattern, data + 9, size - 9);
    pattern[size - 9] = '\0';

    ferry_tz *tz = NULL;
    ferry_err err = FERRY_ERR_INIT;
    if (ferry_tz_load(&tz, zone, &err))
        abort(); /* the system's tzdata must be there */

    time_t s, e;
    if (ferry_daterange_resolve(ranges[data[1] % (sizeof ranges / sizeof ranges[0])], tz,
                                (time_t)after, &s, &e, &err) ||
        s > e || e - s > 367 * 86400 + 7200)
        abort();

    ferry_cron c;
    if (ferry_cron_parse(&c, pattern, &err) == 0) {
        time_t next;
        if (ferry_cron_next_tz(&c, tz, (time_t)after, &next, &err) == 0) {
            if (next <= after)
                abort();
            int64_t local = (int64_t)next + ferry_tz_offset(tz, next, NULL);
            if (!ferry_cron_matches_local(&c, local)) {
                /* Only a fixed-time job fires off its pattern: at a gap's end. */
                int32_t before = ferry_tz_offset(tz, next - 1, NULL);
                if (!(c.flags & FERRY_CRON_FIXED) || before >= ferry_tz_offset(tz, next, NULL))
                    abort();
            }
            time_t again;
            if (ferry_cron_next_tz(&c, tz, next - 1, &again, &err) || again != next)
                abort();
        } else if (err.code != FERRY_ERR_CONFIG) {
            abort();
        }
    } else if (err.code != FERRY_ERR_CONFIG || !err.msg[0] || strchr(err.msg, '\n')) {
        abort();
    }
    ferry_tz_free(tz);
    return 0;
}
