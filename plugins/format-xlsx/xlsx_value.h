/*
 * xlsx_value.h — how format-xlsx carries a value exactly in a cell: the
 * OOXML text of a string (escapes, repair, cut), the exact text of a
 * double, whether a DECIMAL is exactly a double, and
 * Excel date serials. Pure functions, no libxlsxwriter.
 */
#ifndef FERRY_XLSX_VALUE_H
#define FERRY_XLSX_VALUE_H

#include <stddef.h>
#include <stdint.h>

#define XLSX_CELL_MAX_CHARS 32767u           /* Excel's cell limit (and libxlsxwriter's) */
#define XLSX_CUT_MARK       "[\xe2\x80\xa6]" /* "[…]" ends a cut cell */
#define XLSX_CUT_MARK_CHARS 3u

/* What xlsx_cell_text did to a string. */
typedef struct xlsx_text_info {
    uint64_t repaired; /* invalid UTF-8 sequences replaced by U+FFFD */
    uint64_t chars;    /* characters of the (repaired) input, UTF-16 units */
    int cut;           /* 1: cut, XLSX_CUT_MARK appended */
} xlsx_text_info;

/* The text to hand worksheet_write_string for s[0..len): invalid UTF-8
 * becomes U+FFFD; NUL, U+FFFE and U+FFFF become "_x0000_", "_xFFFE_",
 * "_xFFFF_"; an '_' that starts literal "_xHHHH_" becomes "_x005F_", as
 * does one that starts "_xHHHH" before a character written as an escape
 * (the other C0 controls, which libxlsxwriter and xlsx_rowxml.c escape). Cut on a character
 * boundary, with XLSX_CUT_MARK, when the text is over 32,767 UTF-16 units
 * or its escaped form over 32,767 characters. `out` (caller's) has room
 * for len * 7 + 8 bytes; returns the length written (NUL-terminated). */
size_t xlsx_cell_text(const char *s, size_t len, char *out, xlsx_text_info *info);

/* The text of a finite double for a number cell's <v> that reads back as
 * exactly x (format-xlsx writes its own row XML; libxlsxwriter's "%.16G"
 * would change some): the integer, or the fewest of 15, 16 or 17
 * significant digits. NUL-terminated in out; returns its length. */
size_t xlsx_number_text(double x, char out[32]);

/* 1 and *x when the decimal text s[0..len) ("-123.4500") is a double whose
 * shortest round-trip text has the same value; 0 when only text is exact. */
int xlsx_decimal_double(const char *s, size_t len, double *x);

/* The Excel serial of a day (days since 1970-01-01) or of a local time
 * (microseconds since 1970-01-01 00:00 local): 0, or -1 when Excel has no
 * such date (before 1900-01-01, or at or past 10000-01-01 once rounded).
 * Serials below 61 (before 1900-03-01) allow for Excel's 1900-02-29. */
int xlsx_date_serial(int64_t days, double *serial);
int xlsx_datetime_serial(int64_t local_us, double *serial);

#endif
