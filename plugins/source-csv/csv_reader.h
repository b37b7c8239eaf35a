/*
 * csv_reader.h — an RFC 4180 record reader: fields separated by a
 * delimiter, optionally in double quotes (a doubled quote is a quote;
 * commas, CR and LF inside quotes are data), records ended by CRLF, LF or
 * CR, a UTF-8 byte order mark at the start skipped, blank lines skipped.
 * Tracks the line and column where each field starts, for errors.
 * Memory comes from the host table, so `ferry plugins check` counts it.
 */
#ifndef FERRY_PLUGINS_CSV_READER_H
#define FERRY_PLUGINS_CSV_READER_H

#include <stdio.h>

#include "ferry/plugin.h"

typedef struct csv_field {
    size_t off; /* into csv_reader.rec; the bytes are NUL-terminated */
    size_t len;
    uint64_t line; /* where the field starts, 1-based */
    uint32_t col;  /* byte column where it starts, 1-based */
    int quoted;
} csv_field;

typedef struct csv_reader {
    const ferry_host *host;
    ferry_ctx *fx;
    FILE *f; /* owned */
    char delim;
    char *in; /* input buffer; owned */
    size_t in_len, in_pos;
    int at_eof, started;
    char *rec; /* the current record's field bytes; owned */
    size_t rec_len, rec_cap;
    csv_field *fields; /* the current record's fields; owned */
    size_t nfields, fields_cap;
    uint64_t line; /* line of the next byte, 1-based */
    uint32_t col;  /* column of the next byte, 1-based */
    uint64_t record_line;
} csv_reader;

/* Opens `path`. On error returns a ferry_error and writes why to `err`. */
int csv_reader_open(csv_reader *r, const char *path, char delim, const ferry_host *host,
                    ferry_ctx *fx, char *err, size_t errcap);
/* Reads the next record into r->fields. Sets *eof (and no record) at the
 * end. Errors (unterminated quote, text after a closing quote, read error)
 * are written to `err` as "LINE:COL: why". */
int csv_reader_next(csv_reader *r, int *eof, char *err, size_t errcap);
/* The bytes of field i (NUL-terminated). */
static inline const char *csv_field_text(const csv_reader *r, size_t i)
{
    return r->rec + r->fields[i].off;
}
void csv_reader_close(csv_reader *r); /* accepts a zeroed or half-opened reader */

#endif
