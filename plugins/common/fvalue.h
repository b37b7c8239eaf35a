/*
 * fvalue.h — typed values from text, canonical text of values, comparison
 * and coercion. Shared by ferry's bundled plugins (source-csv and the
 * filter-* plugins compile it in); not part of the SDK, links nothing.
 *
 * Text syntax, one meaning everywhere:
 *   bool       true|false|yes|no|1|0 (any case)
 *   int64      decimal digits with an optional sign (all `len` bytes: no NUL)
 *   double     strtod syntax, finite (all `len` bytes: no NUL)
 *   decimal    -?digits[.digits] (kept exact, as text)
 *   string     any bytes
 *   date       YYYY-MM-DD
 *   timestamp  YYYY-MM-DD[T| ]HH:MM[:SS[.ffffff]][Z|±HH:MM|±HHMM] (no zone: UTC),
 *              or a bare date (midnight UTC); seconds 00-59 (no leap second)
 *   duration   seconds ("3600", "90.5") or [-]h:mm[:ss[.ffffff]] ("1:30", "26:05:10")
 */
#ifndef FERRY_PLUGINS_FVALUE_H
#define FERRY_PLUGINS_FVALUE_H

#include <stddef.h>
#include <stdint.h>

#include "ferry/types.h"

/* The ferry_type named `name` ("int64", …; also "int", "text"), or -1. */
int fv_type_from_name(const char *name, size_t len);

/*
 * Parses `len` bytes at `s` as `type` into *out. STRING and DECIMAL values
 * point at `s` itself (not copied). Returns 0, or -1 with *why set to a
 * static message ("not a date (YYYY-MM-DD)"); text of more than
 * UINT32_MAX - 1 bytes is no value (a ferry_value's len is 32 bits).
 */
int fv_parse(int type, const char *s, size_t len, ferry_value *out, const char **why);

/*
 * Converts a literal (STRING, INT64, DOUBLE or BOOL, as a ferry_query or a
 * condition carries) to column type `type`. Strings are parsed with
 * fv_parse; an INT64 for a DURATION means seconds; an INT64 for a DATE is
 * refused (ambiguous). STRING/DECIMAL results point at the input's bytes.
 */
int fv_coerce(int type, const ferry_value *in, ferry_value *out, const char **why);

/* Orders two non-null values of the same type, or an INT64 and a DECIMAL
 * (an integer column's value beyond int64, as source-mysql sends BIGINT
 * UNSIGNED; a literal beyond int64), exactly: <0, 0, >0. */
int fv_compare(const ferry_value *a, const ferry_value *b);

/* Canonical text of a non-string value ("2024-01-31", "1:30:00", "true");
 * for STRING/DECIMAL returns the value's own bytes. Sets *len. `buf`
 * (>= 64 bytes) holds the text when it is not the value's own. */
const char *fv_text(const ferry_value *v, char *buf, size_t cap, size_t *len);

/* Calendar helpers (proleptic Gregorian, days since 1970-01-01). */
int64_t fv_days_from_civil(int64_t y, unsigned m, unsigned d);
void fv_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);

/* The decimal digits of v into out (room for 20), no NUL; returns how
 * many. Two digits a step: the hot path of the CSV and Excel writers. */
size_t fv_u64_text(char *out, uint64_t v);

/* ASCII-case-insensitive substring search (CONTAINS). */
int fv_contains(const char *hay, size_t hlen, const char *needle, size_t nlen);

#endif
