/*
 * fuzz_cron_tz.c — cron patterns with zone names (service/cron.c) and the
 * TZif reader itself (util/tzif.c), which reads files from the system's
 * zoneinfo but must survive any bytes.
 * Input: byte 0 picks the mode, bytes 1-8 an instant.
 *   even: NUL-separated zone name, pattern, time text. A zone name with
 *         ".." or a leading '/' must be refused; a pattern that parses must
 *         fire after the instant (in a zone that loads).
 *   odd:  the rest is a TZif file: loading it never crashes, and a loaded
 *         zone answers offsets, local-time resolution, time parsing and a
 *         cron search without crashing or looping.
 */
#include "cron.h"
#include "fuzz_common.h"
#include "tzif.h"

static void use_zone(const ferry_tz *tz, int64_t t, const char *pattern, const char *text)
{
    const char *abbr = NULL;
    int32_t off = ferry_tz_offset(tz, t, &abbr);
    if (abbr)
        (void)strlen(abbr);
    int64_t utc = 0;
    int r = ferry_tz_resolve(tz, t + off, &utc);
    if (r != FERRY_TZ_UNIQUE && r != FERRY_TZ_FOLD && r != FERRY_TZ_GAP)
        abort();
    char buf[64];
    ferry_time_format(t, off, buf, sizeof buf);
    ferry_err err = FERRY_ERR_INIT;
    int64_t parsed = 0;
    (void)ferry_time_parse(text, tz, &parsed, &err);
    ferry_cron c;
    if (ferry_cron_parse(&c, pattern, &err) == 0) {
        time_t next = 0;
        if (ferry_cron_next_tz(&c, tz, (time_t)t, &next, &err) == 0 && next <= (time_t)t)
            abort();
        time_t fire = 0;
        (void)ferry_cron_latest(&c, tz, (time_t)t - 86400 * 3, (time_t)t, &fire, &err);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 9 || size > 8192)
        return 0;
    int64_t t = 0;
    memcpy(&t, data + 1, 8);
    /* instants within ±10000 years: the range schedules live in */
    t %= (int64_t)10000 * 366 * 86400;
    ferry_err err = FERRY_ERR_INIT;
    ferry_tz *tz = NULL;
    if (data[0] & 1) {
        const char *path = fz_memfile(data + 9, size - 9);
        if (ferry_tz_load_file(&tz, "Fuzz/Zone", path, &err) == 0) {
            use_zone(tz, t, "30 2 * * *", "2024-03-31 02:30");
            use_zone(tz, -t, "0 0 29 2 *", "1970-01-01");
        }
        ferry_tz_free(tz);
        return 0;
    }
    char *p[3];
    fz_split(data + 9, size - 9, p, 3);
    int rc = ferry_tz_load(&tz, p[0], &err);
    if (rc == 0 && (strstr(p[0], "..") || p[0][0] == '/'))
        abort(); /* a name that leaves the zoneinfo directory */
    if (rc == 0)
        use_zone(tz, t, p[1], p[2]);
    else if (!err.msg[0])
        abort();
    ferry_tz_free(tz);
    for (int i = 0; i < 3; i++)
        free(p[i]);
    return 0;
}
