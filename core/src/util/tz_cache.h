/*
 * tz_cache.h — UTC offsets by zone name for formatting values, cached per
 * thread over tzif.h's TZif reader (never the process-wide TZ).
 */
#ifndef FERRY_CORE_TZFILE_H
#define FERRY_CORE_TZFILE_H

#include <stddef.h>
#include <stdint.h>

/* Offset (seconds east of UTC) and abbreviation of zone `tz` at `utc`.
 * Returns 0, or -1 for an unknown or malformed zone. */
int ferry_tzfile_offset(const char *tz, int64_t utc, int *offset, char *abbr, size_t abbr_len);

/* Is `tz` a safe, existing IANA zone name? */
int ferry_tzfile_valid(const char *tz);

#endif
