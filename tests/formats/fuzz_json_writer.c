/*
 * fuzz_json_writer.c — fuzzing plugins/format-json/json_writer.c.
 *
 * LLVMFuzzerTestOneInput is a libFuzzer entry point (built with clang
 * -fsanitize=fuzzer -DFERRY_LIBFUZZER by fuzz_json_libfuzzer.sh). Without
 * FERRY_LIBFUZZER this file has its own main: a deterministic driver that
 * feeds the entry point the built-in corpus, the files of a corpus folder
 * given as argv[2], and random inputs biased towards the bytes that matter
 * (controls, quotes, backslashes, every kind of bad UTF-8), for argv[1]
 * iterations (default 30000). Registered as a unit test.
 *
 * Each input becomes a JSON document of strings, numbers and keys written
 * by the writer; jansson must parse it, and what it reads back must be what
 * went in: the exact string when the input is valid UTF-8 (jansson's own
 * UTF-8 check is the oracle), a rejection exactly when it is not (reject
 * mode), the same integer, the same double.
 */
#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_writer.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *fz_data;
static size_t fz_size;

static void fz_fail(const char *what, const fj_buf *doc)
{
    size_t i;

    fprintf(stderr, "fuzz_json_writer: %s\ninput (%zu bytes):", what, fz_size);
    for (i = 0; i < fz_size; i++)
        fprintf(stderr, " %02x", fz_data[i]);
    fprintf(stderr, "\n");
    if (doc && doc->data)
        fprintf(stderr, "output: %.*s\n", (int)(doc->len > 2000 ? 2000 : doc->len), doc->data);
    abort();
}

static void fz_check(int ok, const char *what, const fj_buf *doc)
{
    if (!ok)
        fz_fail(what, doc);
}

/* The string element at `i` of `arr` equals s[0..n). */
static int fz_same_string(json_t *arr, size_t i, const char *s, size_t n)
{
    json_t *v = json_array_get(arr, i);
    return json_is_string(v) && json_string_length(v) == n &&
           memcmp(json_string_value(v), s, n) == 0;
}

/* Checks the raw-number path: fj_is_number's yes must be a JSON number. */
static void fz_check_number(const char *s, size_t n)
{
    json_error_t e;
    json_t *v;

    if (!fj_is_number(s, n))
        return;
    v = json_loadb(s, n, JSON_DECODE_ANY, &e);
    if (!v) {
        /* jansson refuses numbers it cannot hold: still valid JSON syntax. */
        fz_check(strstr(e.text, "overflow") || strstr(e.text, "too big"),
                 "fj_is_number accepted what is not a number", NULL);
        return;
    }
    fz_check(json_is_number(v), "fj_is_number accepted a non-number", NULL);
    json_decref(v);
}

/* fj_put_json_doc (a JSON column nested in format-json) against jansson:
 * the same verdict on the input, and a compact output that parses to the
 * same value. Jansson refuses integers beyond int64 and doubles that
 * overflow, which the writer rightly keeps, and accepts text cut at a raw
 * NUL byte, which the writer rightly refuses: those are left out. */
static void fz_check_json_doc(const char *s, size_t n)
{
    fj_buf out = {0};
    json_error_t e;
    int rc = fj_put_json_doc(&out, s, n);
    json_t *in = json_loadb(s, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
    int big = !in && (strstr(e.text, "too big") || strstr(e.text, "overflow"));
    /* jansson stops at a raw NUL byte ("4\0" parses as 4); the writer
     * rightly refuses it: no verdict to compare. */
    if (in && rc != FJ_OK && memchr(s, 0, n))
        big = 1;
    if (!big && (in != NULL) != (rc == FJ_OK) &&
        !(!in && rc == FJ_OK && n > 0 && strstr(e.text, "maximum parsing depth")))
        fz_fail(rc == FJ_OK ? "json doc accepted, jansson refuses it"
                            : "json doc refused, jansson accepts it",
                &out);
    if (rc == FJ_OK && in) {
        for (size_t k = 0; k < out.len; k++)
            fz_check((unsigned char)out.data[k] >= 0x20, "raw control in a json doc", &out);
        json_t *back = json_loadb(out.data, out.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
        fz_check(back && json_equal(in, back), "json doc changed its value", &out);
        json_decref(back);
    }
    json_decref(in);
    fj_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fj_buf doc = {0};
    const char *s = (const char *)data;
    int64_t i64 = 0;
    double dbl = 0;
    int decimals, valid, rc_rep, rc_rej, nul1, nul2;
    size_t bad = (size_t)-1, half = size / 2, k;
    json_error_t e;
    json_t *root, *obj;

    fz_data = data;
    fz_size = size;
    memcpy(&i64, data, size < 8 ? size : 8);
    if (size >= 16)
        memcpy(&dbl, data + 8, 8);
    decimals = size ? (int)(data[size - 1] % 24) - 4 : -1;

    fz_check_json_doc(s, size);

    /* [string (replace), string (reject) or "", i64, double, decimals, number-or-string] */
    valid = ferry_utf8_valid(s, size);
    {
        json_t *oracle = json_stringn(s, size);
        fz_check((oracle != NULL) == valid, "utf8.c and jansson disagree on valid UTF-8", NULL);
        json_decref(oracle);
    }

    fz_check(fj_puts(&doc, "[") == FJ_OK, "nomem", NULL);
    rc_rep = fj_put_string(&doc, s, size, FJ_UTF8_REPLACE, NULL);
    fz_check(rc_rep == FJ_OK, "replace mode failed", &doc);
    fz_check(fj_puts(&doc, ",") == FJ_OK, "nomem", NULL);
    k = doc.len;
    rc_rej = fj_put_string(&doc, s, size, FJ_UTF8_REJECT, &bad);
    fz_check((rc_rej == FJ_OK) == valid, "reject mode disagrees with the UTF-8 oracle", &doc);
    if (rc_rej == FJ_INVALID) {
        fz_check(doc.len == k, "reject mode left bytes behind", &doc);
        fz_check(bad < size && !ferry_utf8_valid(s + bad, size - bad) && ferry_utf8_valid(s, bad),
                 "reject offset is not the first bad byte", &doc);
        fz_check(fj_puts(&doc, "\"\"") == FJ_OK, "nomem", NULL);
    }
    fz_check(fj_puts(&doc, ",") == FJ_OK && fj_put_i64(&doc, i64) == FJ_OK &&
                 fj_puts(&doc, ",") == FJ_OK && fj_put_double(&doc, dbl, -1) == FJ_OK &&
                 fj_puts(&doc, ",") == FJ_OK && fj_put_double(&doc, dbl, decimals) == FJ_OK &&
                 fj_puts(&doc, ",") == FJ_OK,
             "nomem", NULL);
    /* (at most 18 digits: jansson refuses integers beyond int64) */
    if (fj_is_number(s, size) && size < 19 && memchr(s, 'e', size) == NULL &&
        memchr(s, 'E', size) == NULL)
        fz_check(fj_put(&doc, s, size) == FJ_OK, "nomem", NULL);
    else
        fz_check(fj_put_string(&doc, s, size, FJ_UTF8_REPLACE, NULL) == FJ_OK, "nomem", NULL);
    /* An object whose keys are the two halves of the input (jansson has no
     * NUL in keys: a half with a NUL is written as "k1" / "k2"). */
    nul1 = memchr(s, 0, half) != NULL;
    nul2 = memchr(s + half, 0, size - half) != NULL;
    fz_check(fj_puts(&doc, ",{") == FJ_OK &&
                 (nul1 ? fj_puts(&doc, "\"k1\"")
                       : fj_put_string(&doc, s, half, FJ_UTF8_REPLACE, NULL)) == FJ_OK &&
                 fj_puts(&doc, ":null,") == FJ_OK &&
                 (nul2 ? fj_puts(&doc, "\"k2\"")
                       : fj_put_string(&doc, s + half, size - half, FJ_UTF8_REPLACE, NULL)) ==
                     FJ_OK &&
                 fj_puts(&doc, ":true}]") == FJ_OK,
             "nomem", NULL);

    /* No raw control characters anywhere in the output. */
    for (k = 0; k < doc.len; k++)
        fz_check((unsigned char)doc.data[k] >= 0x20, "raw control character in output", &doc);
    fz_check(ferry_utf8_valid(doc.data, doc.len), "output is not valid UTF-8", &doc);

    root = json_loadb(doc.data, doc.len, JSON_ALLOW_NUL, &e);
    if (!root) {
        char msg[300];
        snprintf(msg, sizeof msg, "jansson cannot parse the output: %s (column %d)", e.text,
                 e.column);
        fz_fail(msg, &doc);
    }
    fz_check(json_is_array(root) && json_array_size(root) == 7, "wrong shape", &doc);
    if (valid) {
        fz_check(fz_same_string(root, 0, s, size), "string did not round-trip", &doc);
        fz_check(fz_same_string(root, 1, s, size), "string did not round-trip (reject)", &doc);
    } else {
        fz_check(json_is_string(json_array_get(root, 0)), "replaced string lost", &doc);
    }
    fz_check(json_is_integer(json_array_get(root, 2)) &&
                 json_integer_value(json_array_get(root, 2)) == i64,
             "int64 did not round-trip", &doc);
    if (isfinite(dbl)) {
        json_t *d = json_array_get(root, 3);
        fz_check(json_is_number(d) && json_number_value(d) == dbl, "double did not round-trip",
                 &doc);
        fz_check(json_is_number(json_array_get(root, 4)), "fixed-point double is not a number",
                 &doc);
    } else {
        fz_check(json_is_null(json_array_get(root, 3)), "non-finite double is not null", &doc);
    }
    obj = json_array_get(root, 6);
    fz_check(json_is_object(obj), "object lost", &doc);
    if (ferry_utf8_valid(s, half) && !nul1) {
        char *key = strndup(s, half);
        fz_check(key && json_object_get(obj, key) != NULL, "key did not round-trip", &doc);
        free(key);
    }
    json_decref(root);
    fz_check_number(s, size);
    fj_buf_free(&doc);
    return 0;
}

#ifndef FERRY_LIBFUZZER

static uint64_t fz_rng;

static uint32_t fz_next(void)
{
    fz_rng ^= fz_rng << 13;
    fz_rng ^= fz_rng >> 7;
    fz_rng ^= fz_rng << 17;
    return (uint32_t)(fz_rng >> 16);
}

/* Pieces random inputs are made of. */
static const char *const fz_pieces[] = {
    "\"",
    "\\",
    "\\u0000",
    "\x01",
    "\x1f",
    "\x7f",
    "\n",
    "\r",
    "\t",
    "\b",
    "\f",
    "/",
    "Zo\xc3\xab",
    "\xe6\x9d\xb1\xe4\xba\xac",
    "\xd0\x9e\xd0\xbb\xd1\x8c\xd0\xb3\xd0\xb0",
    "\xf0\x9f\x98\x80",
    "\xe2\x80\xa8",
    "\xe2\x80\xa9",
    "\xef\xbf\xbd",
    "\xef\xbb\xbf",
    "\xc0\xaf",         /* overlong '/' */
    "\xe0\x80\xaf",     /* overlong */
    "\xed\xa0\x80",     /* surrogate */
    "\xf4\x90\x80\x80", /* above U+10FFFF */
    "\xf5",
    "\xff",
    "\xfe", /* never valid */
    "\xc3",
    "\xe6\x9d",
    "\xf0\x9f\x98", /* truncated */
    "\x80",
    "\xbf", /* lone continuation */
    "-",
    "0",
    "1",
    ".",
    "e",
    "E",
    "+",
    "12.50",
    "-0.5",
    "1e5",
    "00",
    "abc",
    " ",
    "=HYPERLINK(",
};

static size_t fz_make(uint8_t *buf, size_t cap)
{
    size_t n = 0, parts = fz_next() % 12;

    while (parts--) {
        uint32_t r = fz_next();
        if (r % 3 == 0) {
            if (n < cap)
                buf[n++] = (uint8_t)(fz_next() & 0xff);
        } else {
            const char *p = fz_pieces[r % (sizeof fz_pieces / sizeof fz_pieces[0])];
            size_t l = strlen(p);
            if (n + l <= cap) {
                memcpy(buf + n, p, l);
                n += l;
            }
        }
    }
    return n;
}

static int fz_corpus_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *ent;
    int count = 0;

    if (!d)
        return 0;
    while ((ent = readdir(d))) {
        char path[4096];
        uint8_t buf[65536];
        size_t n;
        FILE *f;
        if (ent->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
        f = fopen(path, "rb");
        if (!f)
            continue;
        n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        LLVMFuzzerTestOneInput(buf, n);
        count++;
    }
    closedir(d);
    return count;
}

int main(int argc, char **argv)
{
    static const char *const corpus[] = {
        "",
        "\"",
        "\\",
        "a\"b\\c",
        "Zo\xc3\xab \xe6\x9d\xb1\xe4\xba\xac \xd0\x9e\xd0\xbb\xd1\x8c\xd0\xb3\xd0\xb0",
        "=HYPERLINK(\"http://x\",\"y\")",
        "\xed\xa0\x80",
        "\xc3",
        "\xf0\x9f\x98\x80",
        "0",
        "-0",
        "12.50",
        "1e999",
        "99999999999999999999999",
        "01",
        "1.",
        ".5",
        "-",
        "1e",
        "1e+",
    };
    long iterations = argc > 1 ? strtol(argv[1], NULL, 10) : 30000;
    uint8_t buf[512];
    size_t i, n;
    long it;
    int files = 0;

    for (i = 0; i < sizeof corpus / sizeof corpus[0]; i++)
        LLVMFuzzerTestOneInput((const uint8_t *)corpus[i], strlen(corpus[i]));
    {
        /* Every byte value and every control character alone. */
        for (i = 0; i < 256; i++) {
            buf[0] = (uint8_t)i;
            LLVMFuzzerTestOneInput(buf, 1);
        }
        /* A NUL in the middle. */
        memcpy(buf, "a\0b", 3);
        LLVMFuzzerTestOneInput(buf, 3);
    }
    if (argc > 2)
        files = fz_corpus_dir(argv[2]);
    fz_rng = 0x9E3779B97F4A7C15ull;
    for (it = 0; it < iterations; it++) {
        if (it % 4 == 0) {
            n = fz_next() % 64;
            for (i = 0; i < n; i++)
                buf[i] = (uint8_t)fz_next();
        } else {
            n = fz_make(buf, sizeof buf);
        }
        LLVMFuzzerTestOneInput(buf, n);
    }
    printf("fuzz_json_writer: ok, %zu corpus inputs, %d files, %ld random inputs\n",
           sizeof corpus / sizeof corpus[0] + 257, files, iterations);
    return 0;
}

#endif
