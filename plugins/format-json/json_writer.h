/*
 * json_writer.h — a streaming JSON text writer: appends literals (strings,
 * numbers) to a byte buffer the caller flushes and reuses.
 *
 * Why hand-written rather than jansson: format-json writes one row at a
 * time straight to the output stream; a DOM (json_t per value) would cost
 * an allocation per value and give nothing back, since we never read JSON.
 * What a writer must get right is small and tested to death here: string
 * escaping (every control character, '"', '\\', U+2028/U+2029), strict
 * UTF-8 handling, and number syntax. tests/formats/fuzz_json_writer.c
 * fuzzes it and checks every output with jansson.
 *
 * No host services: the buffer is malloc'd and owned by its fj_buf, so
 * the fuzz harness links this file alone.
 */
#ifndef FERRY_PLUGIN_JSON_WRITER_H
#define FERRY_PLUGIN_JSON_WRITER_H

#include <stddef.h>
#include <stdint.h>

/* A growable buffer; owns `data` (malloc). Zero-initialise; fj_buf_free. */
typedef struct fj_buf {
    char *data;
    size_t len;
    size_t cap;
} fj_buf;

enum {
    FJ_OK = 0,
    FJ_NOMEM = -1,  /* out of memory */
    FJ_INVALID = -2 /* invalid UTF-8 in reject mode */
};

/* How fj_put_string treats invalid UTF-8. */
enum { FJ_UTF8_REPLACE = 0, FJ_UTF8_REJECT = 1 };

void fj_buf_free(fj_buf *b); /* accepts NULL; leaves b empty */
int fj_put(fj_buf *b, const char *s, size_t n);
static inline int fj_puts(fj_buf *b, const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return fj_put(b, s, n);
}

/*
 * Appends s[0..n) as a JSON string literal, quotes included. Invalid UTF-8
 * becomes U+FFFD per maximal subpart (FJ_UTF8_REPLACE), or the call returns
 * FJ_INVALID with *bad_offset (may be NULL) the offending byte's offset and
 * the buffer as it was (FJ_UTF8_REJECT). *bad_offset is the offset of the
 * first byte replaced, SIZE_MAX when none was.
 */
int fj_put_string(fj_buf *b, const char *s, size_t n, int utf8_mode, size_t *bad_offset);

int fj_put_i64(fj_buf *b, int64_t x);
/* A finite double: with `decimals` >= 0 digits after the point, else the
 * shortest text that reads back as the same double, with ".0" when it has
 * no point or exponent ("-0.0", "3.0": a reader keeps a double, and the
 * sign of zero). NaN and infinities have no JSON form: they are null. */
int fj_put_double(fj_buf *b, double x, int decimals);

/* Non-zero when s[0..n) is a number by RFC 8259's grammar. */
int fj_is_number(const char *s, size_t n);

/*
 * Appends the JSON document s[0..n) (a JSON column's text) without its
 * insignificant white space, so it nests in an object and stays on one
 * NDJSON line; numbers keep their exact digits. FJ_INVALID (nothing
 * appended) when it is not one valid JSON value (RFC 8259; strict UTF-8, surrogate escapes paired;
 * nesting deeper than FJ_MAX_DEPTH counts as invalid).
 */
#define FJ_MAX_DEPTH 512
int fj_put_json_doc(fj_buf *b, const char *s, size_t n);

#endif
