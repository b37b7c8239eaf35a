/*
 * xlsx_numfmt.h — Excel number formats from ferry field styles: a strftime
 * date/timestamp format made an Excel one, and the number format of a
 * decimal or duration.
 */
#ifndef FERRY_XLSX_NUMFMT_H
#define FERRY_XLSX_NUMFMT_H

#include <stddef.h>

/*
 * Writes into out[0..cap) the Excel number format for strftime format
 * `fmt` ("%d.%m.%Y" → "dd.mm.yyyy"). Time zone conversions (%z, %Z) are
 * dropped: an Excel datetime has no zone, the value is already local.
 * Returns 0, or -1 when `fmt` has a conversion Excel cannot show (the
 * caller falls back to a default).
 */
int xlsx_numfmt_from_strftime(const char *fmt, char *out, size_t cap);

/* "0", "0.0", "0.00", … with `decimals` (0..15) digits after the point. */
void xlsx_numfmt_decimals(int decimals, char *out, size_t cap);

#endif
