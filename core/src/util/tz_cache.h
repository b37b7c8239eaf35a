/*
 * tz_cache.h — UTC offsets by zone name for formatting values, over tzif.h's
 * TZif reader (never the process-wide TZ): a small cache of loaded zones,
 * owned by whatever renders values (each plugin instance's ferry_ctx, a
 * preview), so a run loads each zone file once; a thread uses a cache
 * only under its try-lock.
 */
#ifndef FERRY_CORE_TZFILE_H
#define FERRY_CORE_TZFILE_H

#include <stddef.h>
#include <stdint.h>

#include "tzif.h"

/* Up to four zones, evicted round-robin. */
typedef struct ferry_tz_cache ferry_tz_cache;

/* *out: a new empty cache, owned by the caller (ferry_tz_cache_free).
 * Returns 0 or FERRY_ERR_NOMEM. */
int ferry_tz_cache_new(ferry_tz_cache **out);

/* Frees the cache and every zone it holds; accepts NULL. */
void ferry_tz_cache_free(ferry_tz_cache *c);

/* Zone `name`, loaded on its first lookup. Borrowed from `c`: valid until
 * the next lookup in `c` (which may evict it) or ferry_tz_cache_free, so
 * only for a cache no other thread uses. NULL for an unknown, unsafe or
 * malformed zone name. */
const ferry_tz *ferry_tz_cache_get(ferry_tz_cache *c, const char *name);

/* Offset (seconds east of UTC) and abbreviation (copied into `abbr`, cut to
 * abbr_len - 1 bytes; abbr may be NULL) of zone `tz` at `utc`, through
 * cache `c`. Any thread: a call that finds another thread in `c` (an atomic
 * try-lock) loads the zone for itself and frees it, as with `c` NULL.
 * Returns 0, or -1 for an unknown or malformed zone. */
int ferry_tz_cache_offset(ferry_tz_cache *c, const char *tz, int64_t utc, int *offset, char *abbr,
                          size_t abbr_len);

/* Is `tz` a safe, existing IANA zone name? Loads and frees it: a one-off
 * for configuration checks. Thread-safe. */
int ferry_tz_valid(const char *tz);

#endif
