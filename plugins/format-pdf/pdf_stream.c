/*
 * pdf_stream.c — early deflate of page content streams and the save
 * through the plugin's own writer, on libharu 2.3's internal structures;
 * see pdf_stream.h.
 *
 * libharu writes a stream dictionary (hpdf_dict.c, HPDF_Dict_Write) as its
 * elements, then the dictionary's write_fn, then the stream's bytes through
 * its filter, with /Length an indirect number set from the bytes written.
 * With the filter off it drops /Filter from the elements, so a page
 * deflated here names /FlateDecode in write_fn instead.
 */
#include "pdf_stream.h"

#include <errno.h>
#include <fcntl.h>
#include <hpdf_conf.h>
#include <hpdf_doc.h>
#include <hpdf_objects.h>
#include <hpdf_pages.h>
#include <hpdf_streams.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PDF_OUT_BUF 65536 /* bytes buffered before a write(2) */

static HPDF_STATUS pdf_write_filter(HPDF_Dict dict, HPDF_Stream stream)
{
    (void)dict;
    return HPDF_Stream_WriteStr(stream, "/Filter /FlateDecode\012");
}

/* The memory stream src and then more[0..more_len) deflated into
 * d->out[0..d->len). */
static int pdf_deflate_buf(pdf_deflate *d, HPDF_Stream src, const void *more, size_t more_len)
{
    HPDF_UINT i, n = HPDF_MemStream_GetBufCount(src), len;
    size_t most;

    if (!d->live) {
        memset(&d->z, 0, sizeof d->z);
        /* memLevel 7: a 16 Ki-entry hash for pages of some KiB, half the
         * table deflateReset clears for every page; the same output */
        if (deflateInit2(&d->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15, 7, Z_DEFAULT_STRATEGY) !=
            Z_OK)
            return -1;
        d->live = 1;
    } else if (deflateReset(&d->z) != Z_OK) {
        return -1;
    }
    most = deflateBound(&d->z, (uLong)(src->size + more_len));
    if (most > d->cap) {
        unsigned char *p = realloc(d->out, most);
        if (!p)
            return -1;
        d->out = p;
        d->cap = most;
    }
    d->z.next_out = d->out;
    d->z.avail_out = (uInt)d->cap;
    for (i = 0; i <= n; i++) {
        d->z.next_in = i < n ? HPDF_MemStream_GetBufPtr(src, i, &len) : (Bytef *)more;
        d->z.avail_in = i < n ? len : (uInt)more_len;
        if ((i < n && !d->z.next_in) || (i == n && !more && more_len) ||
            deflate(&d->z, i < n ? Z_NO_FLUSH : Z_FINISH) != (i < n ? Z_OK : Z_STREAM_END))
            return -1;
    }
    d->len = d->cap - d->z.avail_out;
    return 0;
}

/* An empty memory stream whose one block holds `block` bytes, or NULL. */
static HPDF_Stream pdf_mem_stream(HPDF_MMgr mmgr, size_t block)
{
    return HPDF_MemStream_New(mmgr, (HPDF_UINT)(block ? block : 1));
}

int pdf_page_deflate(pdf_deflate *d, HPDF_Page page, const void *more, size_t more_len)
{
    HPDF_PageAttr attr = page->attr;
    HPDF_Dict contents = attr->contents;
    HPDF_Stream dst;

    if (!(contents->filter & HPDF_STREAM_FILTER_FLATE_DECODE) ||
        contents->stream->type != HPDF_STREAM_MEMORY || contents->stream->size + more_len == 0)
        return more_len && HPDF_Stream_Write(contents->stream, more, (HPDF_UINT)more_len) != HPDF_OK
                   ? -1
                   : 0;
    if (pdf_deflate_buf(d, contents->stream, more, more_len) < 0)
        return -1;
    dst = pdf_mem_stream(contents->mmgr, d->len); /* one block, just the size */
    if (!dst || HPDF_Stream_Write(dst, d->out, (HPDF_UINT)d->len) != HPDF_OK) {
        HPDF_Stream_Free(dst);
        return -1;
    }
    HPDF_Stream_Free(contents->stream);
    contents->stream = dst;
    attr->stream = dst;
    contents->filter = HPDF_STREAM_FILTER_NONE;
    contents->write_fn = pdf_write_filter;
    return 0;
}

int pdf_page_add_stream(HPDF_Page page, size_t block)
{
    HPDF_PageAttr attr = page->attr;
    HPDF_Stream s;

    if (HPDF_Page_New_Content_Stream(page, NULL) != HPDF_OK)
        return -1;
    s = pdf_mem_stream(attr->contents->mmgr, block);
    if (!s)
        return -1;
    HPDF_Stream_Free(attr->contents->stream);
    attr->contents->stream = s;
    attr->stream = s;
    return 0;
}

/* A new indirect resources dictionary with a font dictionary and
 * libharu's ProcSet, or NULL. */
static HPDF_Dict pdf_new_resources(HPDF_Doc pdf)
{
    static const char *const procset[] = {"PDF", "Text", "ImageB", "ImageC", "ImageI"};
    HPDF_Dict r = HPDF_Dict_New(pdf->mmgr);
    HPDF_Array a;
    size_t i;

    if (!r || HPDF_Xref_Add(pdf->xref, r) != HPDF_OK) /* the xref owns it now (or freed it) */
        return NULL;
    if (HPDF_Dict_Add(r, "Font", HPDF_Dict_New(pdf->mmgr)) != HPDF_OK ||
        HPDF_Dict_Add(r, "ProcSet", HPDF_Array_New(pdf->mmgr)) != HPDF_OK)
        return NULL;
    a = HPDF_Dict_GetItem(r, "ProcSet", HPDF_OCLASS_ARRAY);
    for (i = 0; a && i < sizeof procset / sizeof *procset; i++)
        if (HPDF_Array_AddName(a, procset[i]) != HPDF_OK)
            return NULL;
    return a ? r : NULL;
}

int pdf_page_share_resources(HPDF_Doc pdf, HPDF_Page page, HPDF_Dict *shared)
{
    HPDF_PageAttr attr = page->attr;
    HPDF_Dict fonts;

    if (!*shared && !(*shared = pdf_new_resources(pdf)))
        return -1;
    fonts = HPDF_Dict_GetItem(*shared, "Font", HPDF_OCLASS_DICT);
    if (!fonts || HPDF_Dict_Add(page, "Resources", *shared) != HPDF_OK)
        return -1;
    attr->fonts = fonts; /* HPDF_Page_GetLocalFontName names fonts there */
    return 0;
}

void pdf_deflate_end(pdf_deflate *d)
{
    if (d->live)
        deflateEnd(&d->z);
    free(d->out);
    memset(d, 0, sizeof *d);
}

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
