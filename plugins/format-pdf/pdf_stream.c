/*
 * pdf_stream.c — the save through the plugin's own writer, on libharu
 * 2.3's internal structures; see pdf_stream.h.
 */
#include "pdf_stream.h"

#include <errno.h>
#include <fcntl.h>
#include <hpdf_streams.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PDF_OUT_BUF 65536 /* bytes buffered before a write(2) */

/* The output file and its buffer; err is the errno of the first failure. */
typedef struct pdf_out {
    int fd, err;
    size_t len;
    unsigned char buf[PDF_OUT_BUF];
} pdf_out;

static int pdf_out_flush(pdf_out *o)
{
    size_t off = 0;

    while (off < o->len && !o->err) {
        ssize_t k = write(o->fd, o->buf + off, o->len - off);
        if (k > 0)
            off += (size_t)k;
        else if (k == 0 || errno != EINTR)
            o->err = k == 0 ? EIO : errno; /* now, before anything else can change errno */
    }
    o->len = 0;
    return o->err ? -1 : 0;
}

static HPDF_STATUS pdf_out_write(HPDF_Stream stream, const HPDF_BYTE *p, HPDF_UINT n)
{
    pdf_out *o = stream->attr;

    while (n > 0 && !o->err) {
        size_t k = PDF_OUT_BUF - o->len < n ? PDF_OUT_BUF - o->len : n;
        memcpy(o->buf + o->len, p, k);
        o->len += k;
        p += k;
        n -= (HPDF_UINT)k;
        if (o->len == PDF_OUT_BUF)
            pdf_out_flush(o);
    }
    return o->err ? HPDF_SetError(stream->error, HPDF_FILE_IO_ERROR, (HPDF_STATUS)o->err) : HPDF_OK;
}

/* HPDF_SaveToStream writes into the document's own stream, a memory one
 * unless set: a callback writer here, freed right after. */
int pdf_save(HPDF_Doc pdf, const char *path, int *sys)
{
    pdf_out *o = malloc(sizeof *o);
    int rc = -1;

    *sys = ENOMEM;
    if (!o)
        return -1;
    o->len = 0;
    o->err = 0;
    o->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (o->fd < 0) {
        *sys = errno;
        free(o);
        return -1;
    }
    HPDF_Stream_Free(pdf->stream);
    pdf->stream = HPDF_CallbackWriter_New(pdf->mmgr, pdf_out_write, o);
    if (pdf->stream && HPDF_SaveToStream(pdf) == HPDF_OK && pdf_out_flush(o) == 0)
        rc = 0;
    if (close(o->fd) != 0 && !o->err)
        o->err = errno;
    *sys = pdf->stream ? o->err : ENOMEM;
    rc = *sys ? -1 : rc;
    HPDF_Stream_Free(pdf->stream);
    pdf->stream = NULL;
    free(o);
    return rc;
}
