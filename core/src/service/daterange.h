/*
 * daterange.h — relative date ranges for templates' default_filters,
 * resolved at a fire time in a time zone into absolute UTC instants.
 *
 * JSON shape: a template's default_filters may hold
 *     {"date_range": "previous_week", "project": [3, 4]}
 * The scheduler removes "date_range" from the filters it copies into the
 * request and sets the request's date_range_start / date_range_end columns
 * to the resolved half-open interval [start, end), in UTC.
 *
 * Names (days are local calendar days in the schedule's zone; a day starts
 * at its local midnight, or at the transition when DST skips midnight):
 *   today            [today 00:00, tomorrow 00:00)
 *   yesterday        [yesterday 00:00, today 00:00)
 *   last_N_days      the N whole days before today: [today-N 00:00, today 00:00), 1 <= N <= 3660
 *   week_to_date     [this Monday 00:00, fire time)
 *   previous_week    [last week's Monday 00:00, this Monday 00:00) (ISO weeks start on Monday)
 *   month_to_date    [1st of this month 00:00, fire time)
 *   previous_month   [1st of last month 00:00, 1st of this month 00:00)
 *   year_to_date     [Jan 1 00:00, fire time)
 *   previous_year    [last Jan 1 00:00, this Jan 1 00:00)
 */
#ifndef FERRY_CORE_DATERANGE_H
#define FERRY_CORE_DATERANGE_H

#include <time.h>

#include "tzif.h"
#include "error.h"

/* Resolves `name` at instant `at` in zone `tz` into [*start, *end). */
int ferry_daterange_resolve(const char *name, const ferry_tz *tz, time_t at, time_t *start,
                            time_t *end, ferry_err *err);

#endif
