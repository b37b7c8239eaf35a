/*
 * tz_cache.c — time zone offsets by name for value formatting: a small
 * cache of zones loaded by tzif.c (the TZif reader), owned by the caller,
 * so a million timestamps in one zone load the file once per cache.
 */
#include "tz_cache.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "ferry/plugin.h"

enum { CACHE = 4 };

struct ferry_tz_cache {
    ferry_tz *zones[CACHE];   /* owned; NULL: an empty slot */
    const char *names[CACHE]; /* each zone's name, owned by it; NULL: empty */
    unsigned next;            /* the slot the next load replaces, mod CACHE */
    atomic_bool busy;         /* a thread is in ferry_tz_cache_offset */
};

int ferry_tz_cache_new(ferry_tz_cache **out)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return FERRY_ERR_NOMEM;
    atomic_init(&(*out)->busy, 0);
    return 0;
}

void ferry_tz_cache_free(ferry_tz_cache *c)
{
    if (!c)
        return;
    for (unsigned i = 0; i < CACHE; i++)
        ferry_tz_free(c->zones[i]);
    free(c);
}

const ferry_tz *ferry_tz_cache_get(ferry_tz_cache *c, const char *name)
{
    if (!name)
        return NULL;
    /* The first byte before strcmp: a lookup per timestamp is hot. */
    for (unsigned i = 0; i < CACHE; i++)
        if (c->names[i] && c->names[i][0] == name[0] && strcmp(c->names[i], name) == 0)
            return c->zones[i];
    ferry_tz *tz = NULL;
    if (ferry_tz_load(&tz, name, NULL))
        return NULL;
    unsigned slot = c->next++ % CACHE;
    ferry_tz_free(c->zones[slot]);
    c->zones[slot] = tz;
    c->names[slot] = ferry_tz_name(tz);
    return tz;
}

int ferry_tz_valid(const char *tz)
{
    ferry_tz *z = NULL;
    if (!tz || ferry_tz_load(&z, tz, NULL))
        return 0;
    ferry_tz_free(z);
    return 1;
}

/* Offset and abbreviation of a loaded zone (see ferry_tz_cache_offset);
 * the abbreviation cut to abbr_len - 1 bytes as snprintf would, without
 * its cost on every timestamp a custom format renders. */
static void zone_at(const ferry_tz *z, int64_t utc, int *offset, char *abbr, size_t abbr_len)
{
    const char *a = NULL;
    *offset = ferry_tz_offset(z, utc, &a);
    if (!abbr || !abbr_len)
        return;
    size_t n = a ? strlen(a) : 0;
    if (n >= abbr_len)
        n = abbr_len - 1;
    memcpy(abbr, a ? a : "", n);
    abbr[n] = '\0';
}

int ferry_tz_cache_offset(ferry_tz_cache *c, const char *tz, int64_t utc, int *offset, char *abbr,
                          size_t abbr_len)
{
    /* A cache another thread is in: this call loads its zone for itself. */
    if (c && atomic_exchange_explicit(&c->busy, 1, memory_order_acquire))
        c = NULL;
    ferry_tz *own = NULL;
    const ferry_tz *z = c ? ferry_tz_cache_get(c, tz) : NULL;
    if (!c && !ferry_tz_load(&own, tz, NULL))
        z = own;
    int rc = z ? 0 : -1;
    if (z) /* one call of zone_at, so that it is inlined */
        zone_at(z, utc, offset, abbr, abbr_len);
    if (c)
        atomic_store_explicit(&c->busy, 0, memory_order_release);
    if (own)
        ferry_tz_free(own);
    return rc;
}
