/*
 * cron.h — five-field cron patterns (minute hour day-of-month month
 * day-of-week) and their next fire time in an IANA time zone.
 *
 * Syntax: `*`, numbers, ranges `a-b`, steps `a-b/n`, `a/n` (a to the field's
 * end) and a star with a step ("*" "/n"), comma lists; month names jan–dec and day names sun–sat
 * (any case); day-of-week 0–7 with 0 and 7 both Sunday; the macros
 * @yearly @annually @monthly @weekly @daily @midnight @hourly.
 * Vixie cron's day rule: when the day-of-month and day-of-week fields are
 * both restricted (neither starts with `*`), a day matching either fires;
 * otherwise a day must match both.
 *
 * DST policy (ferry_cron_next): every matching local wall-clock time fires
 * once. When the clock falls back and repeats a time, it fires at the first
 * occurrence. When the clock springs forward over a time, a fixed-time job
 * (neither its minute nor its hour field starts with `*`, as in Vixie cron)
 * fires once at the transition instant; other jobs skip it. So `15 * * * *`
 * in America/Los_Angeles fires 8,759 times in 2015, and `30 2 * * *` in
 * Europe/Berlin fires at 03:00 CEST on the spring-forward day.
 */
#ifndef FERRY_CORE_CRON_H
#define FERRY_CORE_CRON_H

#include <stdint.h>
#include <time.h>

#include "tzif.h"
#include "error.h"

enum {
    FERRY_CRON_DOM_STAR = 1, /* day-of-month field starts with '*' */
    FERRY_CRON_DOW_STAR = 2, /* day-of-week field starts with '*' */
    FERRY_CRON_FIXED = 4     /* neither minute nor hour starts with '*' */
};

/* A parsed pattern: one bit per allowed value. A plain value; copy freely. */
typedef struct ferry_cron {
    uint64_t minute; /* bits 0–59 */
    uint32_t hour;   /* bits 0–23 */
    uint32_t dom;    /* bits 1–31 */
    uint16_t month;  /* bits 1–12 */
    uint8_t dow;     /* bits 0–6, Sunday = 0 */
    uint8_t flags;   /* FERRY_CRON_* */
} ferry_cron;

/*
 * Parses `pattern`. Errors are one line naming the field and the 1-based
 * character position, e.g.
 *   cron pattern "61 * * * *": minute field at position 1: 61 is out of range 0-59
 * A pattern that can never fire (`0 0 30 2 *`) is an error too.
 */
int ferry_cron_parse(ferry_cron *out, const char *pattern, ferry_err *err);

/* Non-zero when local wall-clock minute `local` (seconds, as in tzif.h)
 * matches the pattern's fields. */
int ferry_cron_matches_local(const ferry_cron *c, int64_t local);

/* The first fire time strictly after `after` in zone `tz` (loaded). */
int ferry_cron_next_tz(const ferry_cron *c, const ferry_tz *tz, time_t after, time_t *next,
                       ferry_err *err);

/* The same, loading IANA zone `tz` from the system's tzdata first. */
int ferry_cron_next(const ferry_cron *c, const char *tz, time_t after, time_t *next,
                    ferry_err *err);

/*
 * The latest fire time in [from, upto], for catching up after missed ticks.
 * Returns 0 and sets *fire, or FERRY_ERR_NOTFOUND when none falls there.
 */
int ferry_cron_latest(const ferry_cron *c, const ferry_tz *tz, time_t from, time_t upto,
                      time_t *fire, ferry_err *err);

#endif
