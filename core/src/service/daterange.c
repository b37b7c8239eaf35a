/* daterange.c — resolving relative date ranges (see daterange.h). */
#include "daterange.h"

#include <stdlib.h>
#include <string.h>

/* The instant local day `days` starts (its midnight, or the transition
 * when the clock skips midnight; the first midnight when it repeats). */
static time_t day_start(const ferry_tz *tz, int64_t days)
{
    int64_t t;
    ferry_tz_resolve(tz, days * 86400, &t);
    return (time_t)t;
}

static int64_t month_first(int64_t y, int m)
{
    while (m < 1) {
        m += 12;
        y--;
    }
    return ferry_days_from_civil(y, (unsigned)m, 1);
}

int ferry_daterange_resolve(const char *name, const ferry_tz *tz, time_t at, time_t *start,
                            time_t *end, ferry_err *err)
{
    int64_t local = (int64_t)at + ferry_tz_offset(tz, at, NULL);
    int64_t today = ferry_floor_div(local, 86400), y;
    unsigned m, d;
    ferry_civil_from_days(today, &y, &m, &d);
    int64_t monday = today - (ferry_weekday_from_days(today) + 6) % 7;
    if (!name)
        name = "";
    if (strcmp(name, "today") == 0) {
        *start = day_start(tz, today);
        *end = day_start(tz, today + 1);
    } else if (strcmp(name, "yesterday") == 0) {
        *start = day_start(tz, today - 1);
        *end = day_start(tz, today);
    } else if (strcmp(name, "week_to_date") == 0) {
        *start = day_start(tz, monday);
        *end = at;
    } else if (strcmp(name, "previous_week") == 0) {
        *start = day_start(tz, monday - 7);
        *end = day_start(tz, monday);
    } else if (strcmp(name, "month_to_date") == 0) {
        *start = day_start(tz, month_first(y, (int)m));
        *end = at;
    } else if (strcmp(name, "previous_month") == 0) {
        *start = day_start(tz, month_first(y, (int)m - 1));
        *end = day_start(tz, month_first(y, (int)m));
    } else if (strcmp(name, "year_to_date") == 0) {
        *start = day_start(tz, month_first(y, 1));
        *end = at;
    } else if (strcmp(name, "previous_year") == 0) {
        *start = day_start(tz, month_first(y - 1, 1));
        *end = day_start(tz, month_first(y, 1));
    } else if (strncmp(name, "last_", 5) == 0 && name[5] >= '1' && name[5] <= '9') {
        char *e;
        long n = strtol(name + 5, &e, 10);
        if (strcmp(e, "_days") != 0 || n < 1 || n > 3660)
            return ferry_err_set(err, FERRY_ERR_CONFIG,
                                 "date range \"%s\": expected last_N_days with N from 1 to 3660",
                                 name);
        *start = day_start(tz, today - n);
        *end = day_start(tz, today);
    } else {
        return ferry_err_set(err, FERRY_ERR_CONFIG,
                             "unknown date range \"%s\" (use today, yesterday, last_N_days, "
                             "week_to_date, previous_week, month_to_date, previous_month, "
                             "year_to_date or previous_year)",
                             name);
    }
    return 0;
}
