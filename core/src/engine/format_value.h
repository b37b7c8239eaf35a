/*
 * format_value.h — one value as text by its field style: the meaning every
 * text format shares (CSV, PDF, previews; host->format_value for plugins).
 */
#ifndef FERRY_CORE_FORMAT_VALUE_H
#define FERRY_CORE_FORMAT_VALUE_H

#include "ferry/plugin.h"
#include "tz_cache.h"

/* Appends the text of `v` to `buf` (grown with realloc). 0 or an error.
 * `zones` (borrowed; any thread, see ferry_tz_cache_offset) holds the
 * zones of timestamps; NULL loads a named zone for each value (slow). */
int ferry_format_value(ferry_tz_cache *zones, const ferry_column *col, const ferry_value *v,
                       ferry_buf *buf);

/* The UTC offset in seconds of IANA zone `tz` at `utc` (seconds since the
 * epoch), through `zones` as above. "UTC", "" and NULL are 0 (no lookup).
 * No TZ environment. */
int ferry_zone_offset(ferry_tz_cache *zones, const char *tz, int64_t utc, int *offset, char *abbr,
                      size_t abbr_len);

/* The style every column gets when its field configuration says nothing. */
const ferry_field_style *ferry_default_style(void);

#endif
