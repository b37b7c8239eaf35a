/* csv_reader.c — the RFC 4180 record reader (csv_reader.h). */
#include "regfile.h"
#include "csv_reader.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#define IN_SIZE 65536

int csv_reader_open(csv_reader *r, const char *path, char delim, const ferry_host *host,
                    ferry_ctx *fx, char *err, size_t errcap)
{
    memset(r, 0, sizeof *r);
    r->host = host;
    r->fx = fx;
    r->delim = delim;
    r->line = 1;
    r->col = 1;
    r->in = host->alloc(fx, IN_SIZE);
    if (!r->in) {
        snprintf(err, errcap, "out of memory");
        return FERRY_ERR_NOMEM;
    }
    r->f = fr_fopen_regular(path, err, errcap);
    if (!r->f)
        return FERRY_ERR_IO;
    return 0;
}

void csv_reader_close(csv_reader *r)
{
    if (r->f)
        fclose(r->f);
    if (r->in)
        r->host->free(r->fx, r->in);
    if (r->rec)
        r->host->free(r->fx, r->rec);
    if (r->fields)
        r->host->free(r->fx, r->fields);
    r->f = NULL;
    r->in = r->rec = NULL;
    r->fields = NULL;
}

/* Next byte, or -1 at the end; -2 on a read error. */
static int next_byte(csv_reader *r)
{
    if (r->in_pos == r->in_len) {
        if (r->at_eof)
            return -1;
        r->in_len = fread(r->in, 1, IN_SIZE, r->f);
        r->in_pos = 0;
        if (r->in_len == 0) {
            r->at_eof = 1;
            return ferror(r->f) ? -2 : -1;
        }
        if (!r->started) {
            r->started = 1;
            if (r->in_len >= 3 && memcmp(r->in, "\xEF\xBB\xBF", 3) == 0)
                r->in_pos = 3;
            if (r->in_pos == r->in_len)
                return next_byte(r);
        }
    }
    return (unsigned char)r->in[r->in_pos++];
}

static int peek_byte(csv_reader *r)
{
    int c = next_byte(r);
    if (c >= 0)
        r->in_pos--; /* next_byte always leaves the byte in the buffer */
    return c;
}

static int grow(void **p, size_t *cap, size_t need, size_t elem, const ferry_host *host,
                ferry_ctx *fx)
{
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : 256;
    while (ncap < need)
        ncap *= 2;
    void *n = host->alloc(fx, ncap * elem);
    if (!n)
        return -1;
    if (*p) {
        memcpy(n, *p, *cap * elem);
        host->free(fx, *p);
    }
    *p = n;
    *cap = ncap;
    return 0;
}

static int put(csv_reader *r, char c)
{
    if (r->rec_len + 1 >= r->rec_cap &&
        grow((void **)&r->rec, &r->rec_cap, r->rec_len + 2, 1, r->host, r->fx))
        return -1;
    r->rec[r->rec_len++] = c;
    return 0;
}

static int start_field(csv_reader *r)
{
    if (grow((void **)&r->fields, &r->fields_cap, r->nfields + 1, sizeof *r->fields, r->host,
             r->fx))
        return -1;
    csv_field *f = &r->fields[r->nfields++];
    f->off = r->rec_len;
    f->len = 0;
    f->line = r->line;
    f->col = r->col;
    f->quoted = 0;
    return 0;
}

static int end_field(csv_reader *r)
{
    csv_field *f = &r->fields[r->nfields - 1];
    f->len = r->rec_len - f->off;
    return put(r, '\0');
}

/* Consumes the rest of a line ending that started with `c` ('\r' or '\n'). */
static void end_line(csv_reader *r, int c)
{
    if (c == '\r' && peek_byte(r) == '\n')
        next_byte(r);
    r->line++;
    r->col = 1;
}

int csv_reader_next(csv_reader *r, int *eof, char *err, size_t errcap)
{
    *eof = 0;
    for (;;) {
        r->rec_len = 0;
        r->nfields = 0;
        int c = next_byte(r);
        if (c == -1) {
            *eof = 1;
            return 0;
        }
        if (c == -2)
            goto read_error;
        if (c == '\n' || c == '\r') { /* a blank line */
            end_line(r, c);
            continue;
        }
        r->record_line = r->line;
        r->in_pos--; /* read it again as the first field's first byte */
        break;
    }
    for (;;) { /* one field per turn */
        if (start_field(r))
            goto nomem;
        csv_field *f = &r->fields[r->nfields - 1];
        int c = next_byte(r);
        if (c == '"') {
            f->quoted = 1;
            r->col++;
            for (;;) {
                c = next_byte(r);
                if (c == -2)
                    goto read_error;
                if (c == -1) {
                    snprintf(err, errcap, "%" PRIu64 ":%u: a quoted field is not closed", f->line,
                             f->col);
                    return FERRY_ERR_DATA;
                }
                if (c == '"') {
                    r->col++;
                    if (peek_byte(r) == '"') {
                        next_byte(r);
                        r->col++;
                        if (put(r, '"'))
                            goto nomem;
                        continue;
                    }
                    break;
                }
                if (put(r, (char)c))
                    goto nomem;
                if (c == '\n' || (c == '\r' && peek_byte(r) != '\n')) {
                    r->line++;
                    r->col = 1;
                } else if (c != '\r') {
                    r->col++;
                }
            }
            c = next_byte(r);
            if (c >= 0 && c != r->delim && c != '\n' && c != '\r') {
                snprintf(err, errcap, "%" PRIu64 ":%u: text after a closing quote", r->line,
                         r->col);
                return FERRY_ERR_DATA;
            }
        } else {
            while (c >= 0 && c != r->delim && c != '\n' && c != '\r') {
                if (put(r, (char)c))
                    goto nomem;
                r->col++;
                c = next_byte(r);
            }
        }
        if (c == -2)
            goto read_error;
        if (end_field(r))
            goto nomem;
        if (c == r->delim) {
            r->col++;
            continue;
        }
        if (c == '\n' || c == '\r')
            end_line(r, c);
        return 0; /* end of line or of file */
    }
nomem:
    snprintf(err, errcap, "%" PRIu64 ":%u: out of memory", r->line, r->col);
    return FERRY_ERR_NOMEM;
read_error:
    snprintf(err, errcap, "%" PRIu64 ":%u: read error: %s", r->line, r->col, strerror(errno));
    return FERRY_ERR_IO;
}
