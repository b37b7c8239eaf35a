/*
 * utf8.h — strict UTF-8 decoding for the formatters (JSON escaping, Excel
 * and PDF text). Shared by format-json, format-xlsx and format-pdf, which
 * compile utf8.c into their own .so (plugins link nothing of the core).
 *
 * Strict means RFC 3629: no overlong forms, no surrogates (U+D800..DFFF),
 * nothing above U+10FFFF.
 */
#ifndef FERRY_PLUGIN_UTF8_H
#define FERRY_PLUGIN_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * Decodes the sequence at s[0..n) (n >= 1). Returns its length (1..4) and
 * sets *cp when it is valid; otherwise returns minus the length of the
 * maximal invalid subpart (-1..-3), which a replacing writer turns into
 * one U+FFFD (the Unicode "substitution of maximal subparts" practice).
 */
int ferry_utf8_decode(const char *s, size_t n, uint32_t *cp);

/* Non-zero when s[0..n) is all valid UTF-8. */
int ferry_utf8_valid(const char *s, size_t n);

/*
 * The length in bytes of the longest prefix of s[0..n) that ends on a
 * character boundary and holds at most `max_units` UTF-16 code units (a
 * character above U+FFFF counts two, an invalid byte one): Excel's limits
 * are in UTF-16 units.
 */
size_t ferry_utf8_prefix_units(const char *s, size_t n, size_t max_units);

/* Appends the UTF-8 encoding of cp (<= U+10FFFF) to out (room for 4);
 * returns its length. */
int ferry_utf8_encode(uint32_t cp, char *out);
/*
 * A copy of the C string s with each invalid sequence (maximal subpart)
 * and each character `keep` refuses as U+FFFD: text for a place that
 * holds less than every character (a document title in XML or in a PDF's
 * information). malloc'd, the caller's; NULL when out of memory.
 */
char *ferry_utf8_replaced(const char *s, int (*keep)(uint32_t cp));

#endif
