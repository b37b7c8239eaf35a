/*
 * tz_cache.h — UTC offsets by zone name for formatting values, over tzif.h's
 * TZif reader (never the process-wide TZ): a small cache of loaded zones,
 * owned by whatever renders values (each plugin instance's ferry_ctx, a
 * preview), so a run loads each zone file once and no thread shares one.
 */
#ifndef FERRY_CORE_TZFILE_H
#define FERRY_CORE_TZFILE_H

#include <stddef.h>
#include <stdint.h>

#include "tzif.h"

/* Up to four zones, evicted round-robin. Not thread-safe: one thread at a
 * time uses a cache (its owner's lock, or its owner's thread). */
typedef struct ferry_tz_cache ferry_tz_cache;

/* *out: a new empty cache, owned by the caller (ferry_tz_cache_free).
 * Returns 0 or FERRY_ERR_NOMEM. */
int ferry_tz_cache_new(ferry_tz_cache **out);

/* Frees the cache and every zone it holds; accepts NULL. */
void ferry_tz_cache_free(ferry_tz_cache *c);

/* Zone `name`, loaded on its first lookup. Borrowed from `c`: valid until
 * the next lookup in `c` (which may evict it) or ferry_tz_cache_free.
 * NULL for an unknown, unsafe or malformed zone name. */
const ferry_tz *ferry_tz_cache_get(ferry_tz_cache *c, const char *name);

/* Offset (seconds east of UTC) and abbreviation (copied into `abbr`, cut to
 * abbr_len - 1 bytes; abbr may be NULL) of zone `tz` at `utc`, through
 * cache `c`; with `c` NULL the zone is loaded for this call and freed.
 * Returns 0, or -1 for an unknown or malformed zone. */
int ferry_tz_cache_offset(ferry_tz_cache *c, const char *tz, int64_t utc, int *offset, char *abbr,
                          size_t abbr_len);

/* Is `tz` a safe, existing IANA zone name? Loads and frees it: a one-off
 * for configuration checks. Thread-safe. */
int ferry_tz_valid(const char *tz);

#endif
