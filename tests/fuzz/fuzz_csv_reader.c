/*
 * fuzz_csv_reader.c — the CSV source's reader (plugins/source-csv/
 * csv_reader.c) over any bytes. Input: byte 0 picks the delimiter, the
 * rest is the file. Invariants: every record's fields lie within the
 * record buffer and are NUL-terminated; line numbers never go back; an
 * error is "LINE:COL: why" on one line; reading ends.
 */
#include "csv_reader.h"
#include "fuzz_common.h"

static void *h_alloc(ferry_ctx *fx, size_t n)
{
    (void)fx;
    return malloc(n);
}

static void h_free(ferry_ctx *fx, void *p)
{
    (void)fx;
    free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const char delims[] = {',', ';', '\t', '|'};
    ferry_host host;
    memset(&host, 0, sizeof host);
    host.size = sizeof host;
    host.alloc = h_alloc;
    host.free = h_free;
    const char *path = fz_memfile(data + 1, size - 1);
    csv_reader r;
    memset(&r, 0, sizeof r);
    char err[256] = "";
    if (csv_reader_open(&r, path, delims[data[0] % 4], &host, NULL, err, sizeof err) != 0) {
        csv_reader_close(&r);
        return 0;
    }
    uint64_t last = 0;
    for (size_t rec = 0; rec <= size + 1; rec++) {
        int eof = 0;
        if (csv_reader_next(&r, &eof, err, sizeof err) != 0) {
            if (!(err[0] >= '1' && err[0] <= '9') || !strchr(err, ':') || strchr(err, '\n'))
                abort();
            break;
        }
        if (eof)
            break;
        if (r.record_line < last)
            abort();
        last = r.record_line;
        for (size_t i = 0; i < r.nfields; i++) {
            if (r.fields[i].off > r.rec_len)
                abort();
            (void)strlen(csv_field_text(&r, i));
        }
        if (rec == size + 1)
            abort(); /* more records than bytes: the reader does not advance */
    }
    csv_reader_close(&r);
    return 0;
}
