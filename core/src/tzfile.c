/*
 * tzfile.c — a small TZif (v1/v2/v3) reader: the 64-bit transition table
 * and its local time types. Times past the last transition use the last
 * type (Debian ships "fat" files with transitions through 2037).
 * Each call reads the file; callers that convert many values cache the
 * offsets they need (format_value converts per value but zones are few, so
 * a small per-thread cache keeps it cheap).
 */
#include "tzfile.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int ferry_tzfile_valid(const char *tz)
{
    if (!tz || !*tz || tz[0] == '/' || strstr(tz, "..") || strlen(tz) > 64)
        return 0;
    for (const char *c = tz; *c; c++)
        if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
              *c == '/' || *c == '_' || *c == '-' || *c == '+'))
            return 0;
    char path[256];
    snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", tz);
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

typedef struct zone {
    char name[65];
    size_t ntrans, ntypes, nchars;
    int64_t *trans;
    unsigned char *idx;
    unsigned char *types; /* 6 bytes each */
    char *chars;
    unsigned char *blob;
} zone;

static _Thread_local zone cache[4];
static _Thread_local unsigned cache_next;

static int load(zone *z, const char *tz)
{
    char path[256];
    snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", tz);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        /* zoneinfo names are often symlinks; the name was validated. */
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return -1;
    }
    struct stat st;
    if (fstat(fd, &st) || st.st_size < 44 || st.st_size > (1 << 20)) {
        close(fd);
        return -1;
    }
    unsigned char *b = malloc((size_t)st.st_size);
    ssize_t got = b ? read(fd, b, (size_t)st.st_size) : -1;
    close(fd);
    if (got != st.st_size || memcmp(b, "TZif", 4) != 0) {
        free(b);
        return -1;
    }
    size_t len = (size_t)st.st_size;
    const unsigned char *h = b;
    uint32_t isutc = be32(h + 20), isstd = be32(h + 24), leap = be32(h + 28),
             timecnt = be32(h + 32), typecnt = be32(h + 36), charcnt = be32(h + 40);
    size_t off = 44;
    int v2 = h[4] >= '2';
    if (v2) {
        /* Skip the 32-bit block to the 64-bit header. */
        off += timecnt * 5 + typecnt * 6 + charcnt + leap * 8 + isstd + isutc;
        if (off + 44 > len || memcmp(b + off, "TZif", 4) != 0) {
            free(b);
            return -1;
        }
        h = b + off;
        isutc = be32(h + 20), isstd = be32(h + 24), leap = be32(h + 28),
        timecnt = be32(h + 32), typecnt = be32(h + 36), charcnt = be32(h + 40);
        off += 44;
    }
    size_t tsz = v2 ? 8 : 4;
    size_t need = off + timecnt * (tsz + 1) + typecnt * 6 + charcnt;
    if (need > len || typecnt == 0) {
        free(b);
        return -1;
    }
    z->trans = malloc((timecnt ? timecnt : 1) * sizeof *z->trans);
    if (!z->trans) {
        free(b);
        return -1;
    }
    for (size_t i = 0; i < timecnt; i++)
        z->trans[i] = v2 ? be64(b + off + i * 8) : (int32_t)be32(b + off + i * 4);
    off += timecnt * tsz;
    z->idx = b + off;
    off += timecnt;
    z->types = b + off;
    off += typecnt * 6;
    z->chars = (char *)b + off;
    z->ntrans = timecnt;
    z->ntypes = typecnt;
    z->nchars = charcnt;
    z->blob = b;
    snprintf(z->name, sizeof z->name, "%s", tz);
    for (size_t i = 0; i < timecnt; i++)
        if (z->idx[i] >= typecnt) {
            free(z->trans);
            free(b);
            memset(z, 0, sizeof *z);
            return -1;
        }
    return 0;
}

static zone *get(const char *tz)
{
    for (unsigned i = 0; i < 4; i++)
        if (cache[i].blob && strcmp(cache[i].name, tz) == 0)
            return &cache[i];
    if (!ferry_tzfile_valid(tz))
        return NULL;
    zone *z = &cache[cache_next++ % 4];
    if (z->blob) {
        free(z->trans);
        free(z->blob);
        memset(z, 0, sizeof *z);
    }
    return load(z, tz) == 0 ? z : NULL;
}

int ferry_tzfile_offset(const char *tz, int64_t utc, int *offset, char *abbr, size_t abbr_len)
{
    zone *z = get(tz);
    if (!z)
        return -1;
    size_t t = 0; /* type index */
    if (z->ntrans == 0 || utc < z->trans[0]) {
        /* Before the first transition: the first non-DST type. */
        for (size_t i = 0; i < z->ntypes; i++)
            if (!z->types[i * 6 + 4]) {
                t = i;
                break;
            }
    } else {
        size_t lo = 0, hi = z->ntrans; /* last transition <= utc */
        while (hi - lo > 1) {
            size_t mid = (lo + hi) / 2;
            if (z->trans[mid] <= utc)
                lo = mid;
            else
                hi = mid;
        }
        t = z->idx[lo];
    }
    const unsigned char *ty = z->types + t * 6;
    *offset = (int32_t)be32(ty);
    if (abbr && abbr_len) {
        size_t ai = ty[5];
        snprintf(abbr, abbr_len, "%s", ai < z->nchars ? z->chars + ai : "");
    }
    return 0;
}
