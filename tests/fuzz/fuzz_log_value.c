/*
 * fuzz_log_value.c — a logfmt value (log_fields.c's ferry_log_value and
 * ferry_request_fields) through the `--log-format json` converter
 * (log_json.c).
 * Input: byte 0 picks the path (one value into a buffer of 1 to 100 bytes
 * or a large one, or a request's fields) and byte 1 the buffer; the rest,
 * split at a NUL, are the value (or the request's id and format).
 * Oracle (a round trip): the logfmt text is one line; the JSON line is one
 * line that jansson parses, with exactly the keys written (time, level,
 * cmd, msg and the fields'), and each value is the input with control
 * characters but \n as spaces ("-" for ""), invalid UTF-8 as U+FFFD per
 * maximal subpart (worked out here from every code point's encoding), cut
 * short only where the buffer was; a plain decimal number may be a JSON
 * number of the same value.
 */
#include <jansson.h>

#include "fuzz_common.h"
#include "log_fields.h"
#include "log_json.h"

/* Prefixes (1 to 3 bytes) of some well-formed sequence, as a bitmap over
 * the bytes packed big-endian with their count in the top bits. */
static uint8_t *prefixes;

static uint32_t pack(const uint8_t *s, int k)
{
    uint32_t v = (uint32_t)k;
    for (int j = 0; j < k; j++)
        v = v << 8 | s[j];
    return v & 0x3ffffff;
}

static int encode(uint32_t cp, uint8_t *o)
{
    if (cp < 0x80)
        return o[0] = (uint8_t)cp, 1;
    if (cp < 0x800)
        return o[0] = (uint8_t)(0xc0 | cp >> 6), o[1] = (uint8_t)(0x80 | (cp & 63)), 2;
    if (cp < 0x10000)
        return o[0] = (uint8_t)(0xe0 | cp >> 12), o[1] = (uint8_t)(0x80 | (cp >> 6 & 63)),
               o[2] = (uint8_t)(0x80 | (cp & 63)), 3;
    o[0] = (uint8_t)(0xf0 | cp >> 18), o[1] = (uint8_t)(0x80 | (cp >> 12 & 63));
    o[2] = (uint8_t)(0x80 | (cp >> 6 & 63)), o[3] = (uint8_t)(0x80 | (cp & 63));
    return 4;
}

static void build_prefixes(void)
{
    prefixes = calloc(1u << 23, 1);
    if (!prefixes)
        abort();
    for (uint32_t cp = 0x80; cp <= 0x10ffff; cp++) {
        uint8_t e[4];
        if (cp >= 0xd800 && cp <= 0xdfff)
            continue;
        int n = encode(cp, e);
        for (int k = 1; k < n; k++) {
            uint32_t p = pack(e, k);
            prefixes[p >> 3] |= (uint8_t)(1u << (p & 7));
        }
    }
}

static int is_prefix(const uint8_t *s, int k)
{
    uint32_t p = pack(s, k);
    return prefixes[p >> 3] >> (p & 7) & 1;
}

/* A whole well-formed sequence of k bytes: its bits re-encode to itself. */
static int is_whole(const uint8_t *s, int k)
{
    static const uint8_t lead_bits[] = {0, 0x7f, 0x1f, 0x0f, 0x07};
    uint32_t cp = s[0] & lead_bits[k];
    for (int j = 1; j < k; j++)
        cp = cp << 6 | (s[j] & 63);
    uint8_t e[4];
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || encode(cp, e) != k)
        return 0;
    return memcmp(e, s, (size_t)k) == 0;
}

/* s[0..n) with invalid UTF-8 as U+FFFD into out; returns its length. */
static size_t repair(const uint8_t *s, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        int whole = 0, part = 1;
        for (int k = 1; k <= 4 && i + (size_t)k <= n; k++) {
            if (is_whole(s + i, k))
                whole = k;
            else if (k < 4 && is_prefix(s + i, k))
                part = k;
        }
        if (whole) {
            memcpy(out + o, s + i, (size_t)whole);
            o += (size_t)whole, i += (size_t)whole;
        } else {
            memcpy(out + o, "\xef\xbf\xbd", 3);
            o += 3, i += (size_t)part;
        }
    }
    return o;
}

/* The value's bytes as the logfmt line should hold them: control
 * characters but \n as spaces, "-" for "". A malloc'd copy; sets *n. */
static uint8_t *mapped(const char *v, size_t *n)
{
    const uint8_t *s = (const uint8_t *)(*v ? v : "-");
    *n = strlen((const char *)s);
    uint8_t *t = malloc(*n + 1);
    for (size_t i = 0; i < *n; i++)
        t[i] = s[i] != '\n' && (s[i] < 0x20 || s[i] == 0x7f) ? ' ' : s[i];
    return t;
}

/* A JSON number the same as the number text s[0..n), or -1. */
static int same_number(const json_t *j, const uint8_t *s, size_t n)
{
    json_t *w = json_loadb((const char *)s, n, JSON_DECODE_ANY, NULL);
    int same = w && json_is_number(w) && json_is_integer(w) == json_is_integer(j) &&
               json_number_value(w) == json_number_value(j) &&
               (!json_is_integer(w) || json_integer_value(w) == json_integer_value(j));
    json_decref(w);
    return same;
}

/* `j` is the value of t[0..m) (numbers as numbers), m = n or, when the
 * line may be cut, any m. */
static int matches(const json_t *j, const uint8_t *t, size_t n, int whole)
{
    char *want = malloc(3 * n + 8);
    int ok = 0;
    for (size_t m = whole ? n : 0; m <= n && !ok; m++) {
        if (json_is_number(j)) {
            ok = same_number(j, t, m);
        } else if (json_is_string(j)) {
            size_t wl = repair(t, m, want);
            ok = json_string_length(j) == wl && memcmp(json_string_value(j), want, wl) == 0;
        }
    }
    free(want);
    return ok;
}

/* Member `key` of obj is v as a logfmt value, whole or cut. */
static void check_value(json_t *obj, const char *key, const char *v, int whole)
{
    size_t n;
    uint8_t *t = mapped(v, &n);
    json_t *j = json_object_get(obj, key);
    if (!j || !matches(j, t, n, whole)) {
        char *d = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
        fprintf(stderr, "%s: %s for \"%s\"%s\n", key, d ? d : "(missing)", v,
                whole ? "" : " (cut)");
        abort();
    }
    free(t);
}

/* The line is one JSON object with `nkeys` members; returns it. */
static json_t *parse_line(const char *line, size_t n, size_t nkeys)
{
    json_error_t e;
    if (n < 2 || line[n - 1] != '\n' || memchr(line, '\n', n - 1)) {
        fprintf(stderr, "not one line: %.*s", (int)n, line);
        abort();
    }
    json_t *o = json_loadb(line, n - 1, 0, &e);
    if (!o || json_object_size(o) != nkeys) {
        fprintf(stderr, "%s (%zu members): %.*s", o ? "keys" : e.text, o ? json_object_size(o) : 0,
                (int)n, line);
        abort();
    }
    return o;
}

/* msg is the message's bytes (control characters kept), repaired. */
static void check_msg(json_t *o, const char *msg)
{
    json_t *j = json_object_get(o, "msg");
    char *want = malloc(3 * strlen(msg) + 8);
    size_t wl = repair((const uint8_t *)msg, strlen(msg), want);
    if (!json_is_string(j) || json_string_length(j) != wl ||
        memcmp(json_string_value(j), want, wl) != 0)
        abort();
    free(want);
}

/* "a=1 k=VALUE z=x": VALUE from a buffer of `cap` bytes. */
static void one_value(const char *v, size_t cap)
{
    char *val = malloc(cap), fields[8300], line[8192];
    size_t vl = ferry_log_value(val, cap, v);
    if (memchr(val, '\n', vl) || strlen(val) != vl)
        abort();
    snprintf(fields, sizeof fields, "a=1 k=%s z=x", val);
    size_t n = ferry_log_json_line(line, sizeof line, "2026-11-29T00:00:00.000Z", "info", "worker",
                                   v, fields);
    json_t *o = parse_line(line, n, 7);
    check_value(o, "k", v, cap >= 2 * strlen(v) + 4);
    check_msg(o, v);
    if (json_integer_value(json_object_get(o, "a")) != 1 ||
        strcmp(json_string_value(json_object_get(o, "z")), "x") != 0)
        abort();
    json_decref(o);
    free(val);
}

/* ferry_request_fields with `id` and `format`. */
static void request(const char *id, const char *format, int64_t user, int attempt)
{
    char fields[1024], line[8192];
    ferry_request_fields(fields, sizeof fields, id, user, format, attempt);
    size_t n = ferry_log_json_line(line, sizeof line, "2026-11-29T00:00:00.000Z", "warn", NULL,
                                   "export failed", fields);
    json_t *o = parse_line(line, n, 6 + (attempt > 0));
    check_value(o, "request_id", id, 2 * strlen(id) + 4 <= 96);
    check_value(o, "format", format, 2 * strlen(format) + 4 <= 96);
    if (json_integer_value(json_object_get(o, "user_id")) != user ||
        (attempt > 0 && json_integer_value(json_object_get(o, "attempt")) != attempt))
        abort();
    json_decref(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!prefixes)
        build_prefixes();
    if (size < 2 || size > 2048)
        return 0;
    char *p[2];
    fz_split(data + 2, size - 2, p, 2);
    switch (data[0] % 3) {
    case 0:
        one_value(p[0], 1 + data[1] % 100u);
        break;
    case 1:
        one_value(p[0], 3 * strlen(p[0]) + 8);
        break;
    default:
        request(p[0], p[1], (int64_t)data[1] << 40 | data[0], data[1] % 4);
    }
    free(p[0]);
    free(p[1]);
    return 0;
}
