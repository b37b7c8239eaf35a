/*
 * tzfile.h — UTC offsets from the system's tzdata (TZif files under
 * /usr/share/zoneinfo), read directly so that converting a time never
 * touches the process-wide TZ environment (workers are threaded).
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
