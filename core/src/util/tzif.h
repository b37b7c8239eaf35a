/*
 * tzif.h — IANA time zones (for the scheduler, date ranges and value
 * formatting), read straight from the
 * system's TZif files (/usr/share/zoneinfo): UTC → local offsets, and
 * local wall-clock time → UTC with the gap/fold facts the DST policy needs.
 *
 * Why not localtime_r/mktime: they take the zone from $TZ through tzset(),
 * which is process-global state; setting TZ per schedule would race with
 * every other thread (workers are threaded). A loaded ferry_tz is an
 * immutable value: any number of threads may use one at once.
 *
 * Times are seconds since the epoch as int64 (time_t on Linux). A "local"
 * time is the wall clock read as if it were UTC: local = utc + offset.
 */
#ifndef FERRY_CORE_CRON_TZ_H
#define FERRY_CORE_CRON_TZ_H

#include <stdint.h>
#include <time.h>

#include "error.h"

typedef struct ferry_tz ferry_tz;

/* The system's zoneinfo directory. */
#define FERRY_ZONEINFO_DIR "/usr/share/zoneinfo"

/*
 * Loads zone `name` ("Europe/Berlin", "UTC") from FERRY_ZONEINFO_DIR. Names
 * that are empty, absolute, contain ".." or characters outside
 * [A-Za-z0-9/_+-.] are refused, as is anything but a regular TZif file.
 * *out owned by the caller: ferry_tz_free.
 */
int ferry_tz_load(ferry_tz **out, const char *name, ferry_err *err);
/* The same from an explicit file (tests, other tzdata). `name` is copied. */
int ferry_tz_load_file(ferry_tz **out, const char *name, const char *path, ferry_err *err);
void ferry_tz_free(ferry_tz *tz); /* accepts NULL */

/* The name given at load; owned by tz. */
const char *ferry_tz_name(const ferry_tz *tz);

/* Offset east of UTC in seconds at instant `t`; *abbr (if abbr is not NULL)
 * gets the abbreviation ("CEST"), owned by tz. */
int32_t ferry_tz_offset(const ferry_tz *tz, int64_t t, const char **abbr);

/* How a local wall-clock time maps to instants. */
enum {
    FERRY_TZ_UNIQUE = 0, /* exactly one instant */
    FERRY_TZ_FOLD = 1,   /* the clock fell back: two instants; the earlier is given */
    FERRY_TZ_GAP = 2     /* the clock sprang forward over it: the transition instant is given */
};
/* Resolves local wall-clock `local`; sets *utc and returns FERRY_TZ_*. */
int ferry_tz_resolve(const ferry_tz *tz, int64_t local, int64_t *utc);

/* Proleptic Gregorian calendar helpers (Howard Hinnant's algorithms). */
int64_t ferry_days_from_civil(int64_t y, unsigned m, unsigned d);
void ferry_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);
/* 0 = Sunday … 6 = Saturday for a day count since 1970-01-01. */
unsigned ferry_weekday_from_days(int64_t days);
/* Floor division, for negative times. */
int64_t ferry_floor_div(int64_t a, int64_t b);

/*
 * Parses "YYYY-MM-DD[ T]HH:MM[:SS[.frac]][Z|±HH[:MM]]" or "YYYY-MM-DD".
 * With Z or an offset the instant is absolute; without, it is local time in
 * `tz` (earliest instant on a fold, the transition in a gap), or UTC when
 * tz is NULL. A fraction is accepted and dropped.
 */
int ferry_time_parse(const char *s, const ferry_tz *tz, int64_t *out, ferry_err *err);

/* "YYYY-MM-DD HH:MM:SS" of `t` shifted by `offset` seconds; buf >= 32. */
void ferry_time_format(int64_t t, int32_t offset, char *buf, size_t len);

#endif
