/*
 * tz_cache.c — time zone offsets by name for value formatting: a small
 * per-thread cache of zones loaded by tzif.c (the TZif reader), so a
 * million timestamps in one zone load the file once per thread.
 */
#include "tz_cache.h"

#include <stdio.h>
#include <string.h>

#include "tzif.h"

enum { CACHE = 4 };

typedef struct tz_cache {
    ferry_tz *zones[CACHE];
    unsigned next;
} tz_cache;

static _Thread_local tz_cache cache;

static const ferry_tz *get(const char *name)
{
    for (unsigned i = 0; i < CACHE; i++)
        if (cache.zones[i] && strcmp(ferry_tz_name(cache.zones[i]), name) == 0)
            return cache.zones[i];
    ferry_tz *tz = NULL;
    if (ferry_tz_load(&tz, name, NULL))
        return NULL;
    unsigned slot = cache.next++ % CACHE;
    ferry_tz_free(cache.zones[slot]);
    cache.zones[slot] = tz;
    return tz;
}

int ferry_tzfile_valid(const char *tz)
{
    return tz && get(tz) != NULL;
}

int ferry_tzfile_offset(const char *tz, int64_t utc, int *offset, char *abbr, size_t abbr_len)
{
    const ferry_tz *z = get(tz);
    if (!z)
        return -1;
    const char *a = NULL;
    *offset = ferry_tz_offset(z, utc, &a);
    if (abbr && abbr_len)
        snprintf(abbr, abbr_len, "%s", a ? a : "");
    return 0;
}
