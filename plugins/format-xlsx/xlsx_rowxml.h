/*
 * xlsx_rowxml.h — the sheet rows' XML that format-xlsx writes itself into
 * libxlsxwriter's constant-memory row file, byte for byte what
 * libxlsxwriter 1.1's lxw_worksheet_write_single_row writes for the same
 * cells (<row r="N">, <c r="A2" s="3"><v>…</v></c>, inline strings, "b"
 * booleans) but without its per-cell mallocs and fprintf, and with exact
 * number text. Pure functions over a growing buffer, no libxlsxwriter.
 */
#ifndef FERRY_XLSX_ROWXML_H
#define FERRY_XLSX_ROWXML_H

#include <stddef.h>
#include <stdint.h>

typedef struct xlsx_xml {
    char *data; /* malloc */
    size_t len, cap;
} xlsx_xml;

/* Room for `more` bytes: 0, or -1 when out of memory. */
int xlsx_xml_reserve(xlsx_xml *b, size_t more);
void xlsx_xml_free(xlsx_xml *b);

/* The decimal text of v, NUL-terminated, in out (11 bytes); its length. */
size_t xlsx_xml_u32(char *out, uint32_t v);

/* Appends (room reserved by the caller) … */
void xlsx_xml_put(xlsx_xml *b, const char *s, size_t n);
/* … a cell's start: <c r="COLROW"[ s="STYLE"][ t="TYPE"]>; at most 64
 * bytes (column at most 3 letters, row at most 7 digits, type short). */
void xlsx_xml_cell(xlsx_xml *b, const char *col, const char *row, size_t rowlen, int32_t style,
                   const char *type);
/* … s[0..n) as the text of an inline string: C0 controls but tab and line
 * feed as _xHHHH_, & < > as entities (libxlsxwriter's escapes), inside
 * <t> or <t xml:space="preserve"> (leading or trailing white space) and
 * </t></is></c>. With plain set it stops at the first byte that
 * xlsx_cell_text would change (NUL, invalid UTF-8, U+FFFE, U+FFFF, "_x")
 * and returns -1 (b->len as it was); else 0. Needs 7 * n + 40 bytes. A
 * plain text of at most 32,767 bytes is never cut. */
int xlsx_xml_string(xlsx_xml *b, const char *s, size_t n, int plain);

#endif
